//! Builds the server: state from configuration, then the router with its layers. `main` only calls
//! these; integration tests call them too, on a temporary database and a loopback port.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::routing::get;
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use tower_http::classify::{ServerErrorsAsFailures, SharedClassifier};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

use crate::app::{App, shell};
use crate::config::Config;
use crate::state::AppState;
use crate::{auth, billing, csrf, db, demo};
use growthkit_clock::Clock;
use growthkit_engine::{self as engine, Engine};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "growthkit_session";

/// A failure while starting up; start-up stops with its message.
#[derive(Debug, thiserror::Error)]
pub enum BootError {
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error(transparent)]
    Demo(#[from] demo::DemoError),
    #[error("session store: {0}")]
    Sessions(String),
    #[error(transparent)]
    Engine(#[from] engine::site::StartError),
    #[error("starting up: {0}")]
    Secret(sqlx::Error),
    #[error(transparent)]
    EngineDemo(#[from] engine::demo::EngineDemoError),
    #[error(transparent)]
    Billing(#[from] billing::BillingError),
    #[error("registering the app's webhook endpoint: {0}")]
    Webhooks(String),
    #[error("configuration: {0}")]
    Mail(#[from] crate::mail::smtp::MailerError),
    #[error("configuration: {0}")]
    EngineMail(String),
}

/// Leptos' options for this app. The compiled WASM and CSS live under `LEPTOS_SITE_ROOT` (default
/// `target/site`, where cargo-leptos writes them), so a built binary runs from the repository root.
pub fn leptos_options(config: &Config) -> LeptosOptions {
    let env = std::env::var("LEPTOS_ENV").unwrap_or_default();
    LeptosOptions::builder()
        .output_name("growthkit")
        .site_root(std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into()))
        .site_pkg_dir("pkg")
        .site_addr(config.addr)
        // Development mode (live reload) only when cargo-leptos' watcher asks for it.
        .env(if env.eq_ignore_ascii_case("dev") { Env::DEV } else { Env::PROD })
        .build()
}

/// Opens and migrates the database, seeds demo data into an empty one, and builds the shared state.
pub async fn boot(config: Config, clock: Clock) -> Result<AppState, BootError> {
    let pool = db::connect(&config.database_url).await?;
    db::migrate(&pool).await?;
    let writer = db::connect_writer(&config.database_url).await?;
    let engine = Engine::start(pool.clone(), clock.clone(), config.catalog, &config.engine_public_url).await?;
    if config.demo_data {
        if engine::demo::seed_if_empty(&engine).await? {
            tracing::info!("seeded the engine's demo catalog and offers");
        }
        engine::demo::ensure_credit_catalog(&engine, &config.credits_family).await?;
        engine::demo::ensure_gift_plans(&engine).await?;
        if demo::seed_if_empty(&pool, clock.now()).await? {
            tracing::info!("seeded demo accounts and users");
        }
    }
    let mailer = match &config.smtp_url {
        Some(url) => {
            let offers =
                engine::offer_emails::OfferMailer::new(url, &config.mail_from).map_err(BootError::EngineMail)?;
            engine.use_mailer(offers);
            Some(Arc::new(crate::mail::smtp::Mailer::new(url, &config.mail_from)?))
        }
        None => None,
    };
    let signer = crate::signing::load_or_create(&pool, config.secret.as_deref()).await.map_err(BootError::Secret)?;
    Ok(AppState {
        leptos_options: leptos_options(&config),
        signer,
        billing: billing::from_config(&config.billing, engine.clone())?,
        engine,
        pool,
        writer,
        clock,
        config: Arc::new(config),
        mailer,
        mail_kick: Arc::new(tokio::sync::Notify::new()),
        login_throttle: crate::auth::throttle::LoginThrottle::new(),
        worker_pass: crate::jobs::LastPass::default(),
    })
}

/// The whole HTTP surface: pages, server functions, static files, health check.
pub async fn router(state: AppState) -> Result<Router, BootError> {
    router_with(state, Router::new()).await
}

/// [`router`] plus `extra` routes behind the same layers (sessions, CSRF, guard, tracing) — for
/// measurements that compare an endpoint with a bare one on equal terms.
pub async fn router_with(state: AppState, extra: Router<AppState>) -> Result<Router, BootError> {
    let store = SqliteStore::new(state.pool.clone()).with_table_name("sessions").map_err(BootError::Sessions)?;
    store.migrate().await.map_err(|e| BootError::Sessions(e.to_string()))?;
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(Duration::days(14)));

    let routes = route_list();
    let options = state.leptos_options.clone();
    let public_host = growthkit_engine::safe_url::authority_of(&state.config.public_url);
    Ok(extra
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .nest("/api/v2", engine::api::router(state.engine.clone(), &state.config.engine_api_key))
        .route("/webhooks/chargebee", axum::routing::post(crate::webhooks::receive))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .layer(middleware::from_fn(crate::request::error_status))
        .layer(middleware::from_fn_with_state(state.clone(), auth::guard::require_sign_in))
        .layer(middleware::from_fn(csrf::refuse_cross_site))
        .layer(sessions)
        .layer(middleware::from_fn_with_state(state.clone(), crate::security::response_headers))
        .layer(middleware::from_fn(move |req, next| crate::security::known_hosts_only(public_host.clone(), req, next)))
        .layer(access_log())
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state))
}

/// One line per request at the default level (`info`): method, path, status and latency, under the
/// request's id (`x-request-id`: the caller's, or a fresh UUID, echoed in the answer) so every log line
/// of one request can be found together.
fn access_log() -> TraceLayer<
    SharedClassifier<ServerErrorsAsFailures>,
    impl Fn(&axum::http::Request<axum::body::Body>) -> tracing::Span + Clone,
    tower_http::trace::DefaultOnRequest,
    DefaultOnResponse,
> {
    TraceLayer::new_for_http()
        .make_span_with(|req: &axum::http::Request<axum::body::Body>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", id, method = %req.method(), path = %req.uri().path())
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO).latency_unit(tower_http::LatencyUnit::Millis))
}

/// The app's routes, worked out once per process. Generating them renders the app with resource loading
/// suspended process-wide (leptos_server's global flag), so a page rendering on another thread at that
/// moment would wait forever for its data (leptos-rs/leptos#4773); several routers in one process (the
/// test suites) must therefore not generate it again while others serve.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The embedded engine as a billing site of its own, for `GROWTHKIT_ENGINE_ADDR`: its API, the card script
/// and the endpoint browsers send cards to. Apart from this app's address on purpose: cards go there, never
/// to the app.
pub fn engine_site(state: &AppState) -> Router {
    let public_host = growthkit_engine::safe_url::authority_of(&state.config.engine_public_url);
    engine::sandbox::router(state.engine.clone(), &state.config.engine_api_key, &state.config.publishable_key)
        .layer(middleware::from_fn(move |req, next| crate::security::known_hosts_only(public_host.clone(), req, next)))
}

/// With the built-in engine, points its webhooks at this server's `/webhooks/chargebee` (on loopback, at
/// the port actually bound) with the configured credentials. Real Chargebee is configured in its own
/// settings instead.
pub async fn connect_engine_webhooks(state: &AppState, bound: std::net::SocketAddr) -> Result<(), BootError> {
    if state.config.billing != crate::config::BillingBackend::Local {
        return Ok(());
    }
    let host = if bound.ip().is_unspecified() { std::net::IpAddr::from([127, 0, 0, 1]) } else { bound.ip() };
    let endpoint = engine::events::WebhookEndpoint {
        id: "growthkit_app".into(),
        url: format!("http://{}/webhooks/chargebee", std::net::SocketAddr::new(host, bound.port())),
        username: Some(state.config.webhook_user.clone()),
        password: Some(state.config.webhook_password.clone()),
    };
    state.engine.save_webhook_endpoint(&endpoint).await.map_err(|e| BootError::Webhooks(e.message))
}

/// `GET /healthz`: 200 once the database answers, 503 otherwise.
/// `GET /readyz`: ready to take traffic — the database answers, the clock reads a time in range, and the
/// worker finished a pass within the last minute (due work would otherwise pile up unseen). 503 names
/// what is wrong.
async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let (status, _) = healthz(State(state.clone())).await;
    if status != StatusCode::OK {
        return (status, "database unreachable");
    }
    if !(0..=growthkit_clock::MAX_TIMESTAMP).contains(&state.clock.now()) {
        return (StatusCode::SERVICE_UNAVAILABLE, "clock out of range");
    }
    match state.worker_pass.last() {
        Some(age) if age <= std::time::Duration::from_secs(60) => (StatusCode::OK, "ready"),
        Some(_) => (StatusCode::SERVICE_UNAVAILABLE, "worker stalled"),
        None => (StatusCode::SERVICE_UNAVAILABLE, "worker not started"),
    }
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(&state.pool).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(err) => {
            tracing::error!("health check: database unreachable: {err}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}
