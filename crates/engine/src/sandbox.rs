//! The engine on its own: an offline Chargebee sandbox on its own address, database and API key, that
//! any app points its Chargebee SDK at. It serves `/api/v2` (plus `/healthz`), runs the time-based rules
//! on its clock and delivers webhooks, exactly as it does embedded in Growthkit.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use growthkit_clock::Clock;

use crate::events::WebhookEndpoint;
use crate::{Engine, db, demo};
use growthkit_wire::CatalogVersion;

/// The API key used when `GROWTHKIT_API_KEY` is unset: the same documented, local-only key Growthkit uses.
pub const DEFAULT_API_KEY: &str = "test_growthkit_local_key";

/// The publishable key (what pages pass to `Chargebee.init`) when `GROWTHKIT_PUBLISHABLE_KEY` is unset.
pub const DEFAULT_PUBLISHABLE_KEY: &str = "test_growthkit_publishable_key";

/// How often due work (fulfillment deadlines, gift notifications and expiry, renewals) is looked for.
const TICK: Duration = Duration::from_secs(5);

/// The sandbox's settings, from environment variables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxConfig {
    /// `GROWTHKIT_ENGINE_ADDR` (default `127.0.0.1:3030`).
    pub addr: SocketAddr,
    /// `DATABASE_URL` (default `sqlite://data/engine.db`).
    pub database_url: String,
    /// `GROWTHKIT_API_KEY`: what SDKs pass as `apiKey`.
    pub api_key: String,
    /// `GROWTHKIT_PUBLISHABLE_KEY`: what pages pass to the card script's `Chargebee.init`.
    pub publishable_key: String,
    /// `GROWTHKIT_ENGINE_PUBLIC_URL` (default `http://` + the address): where browsers reach the card script
    /// and hosted pages.
    pub public_url: String,
    /// `GROWTHKIT_DEMO_DATA` (default `true`): the demo catalog, customer and offer.
    pub demo_data: bool,
    /// `GROWTHKIT_ENGINE_WEBHOOK_URL`, with `…_USER` and `…_PASSWORD` for HTTP Basic: where events go.
    pub webhook: Option<WebhookEndpoint>,
    /// `GROWTHKIT_PRODUCT_CATALOG` (`v2` by default, or `v1`): the site's product catalog version.
    pub catalog: CatalogVersion,
    /// `SMTP_URL`, with `GROWTHKIT_MAIL_FROM`: where `email` offer options' messages go (unset: they wait).
    pub smtp: Option<(String, String)>,
}

/// A setting that is present but unusable.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl SandboxConfig {
    /// Reads settings through `get` (the process environment in `main`, a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let addr = get("GROWTHKIT_ENGINE_ADDR").unwrap_or_else(|| "127.0.0.1:3030".into());
        let addr =
            addr.parse().map_err(|_| ConfigError(format!("GROWTHKIT_ENGINE_ADDR must be host:port, got {addr:?}")))?;
        let demo_data = match get("GROWTHKIT_DEMO_DATA").map(|v| v.to_ascii_lowercase()).as_deref() {
            None | Some("1" | "true" | "yes" | "on") => true,
            Some("0" | "false" | "no" | "off") => false,
            Some(other) => {
                return Err(ConfigError(format!("GROWTHKIT_DEMO_DATA must be true or false, got {other:?}")));
            }
        };
        let webhook = match get("GROWTHKIT_ENGINE_WEBHOOK_URL") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => Some(WebhookEndpoint {
                id: "sandbox_webhook".into(),
                url,
                username: get("GROWTHKIT_ENGINE_WEBHOOK_USER"),
                password: get("GROWTHKIT_ENGINE_WEBHOOK_PASSWORD"),
            }),
            Some(url) => {
                return Err(ConfigError(format!(
                    "GROWTHKIT_ENGINE_WEBHOOK_URL must start with http(s)://, got {url:?}"
                )));
            }
            None => None,
        };
        let catalog = match get("GROWTHKIT_PRODUCT_CATALOG") {
            None => CatalogVersion::default(),
            Some(v) => CatalogVersion::parse(&v)
                .ok_or_else(|| ConfigError(format!("GROWTHKIT_PRODUCT_CATALOG must be v1 or v2, got {v:?}")))?,
        };
        let public_url = match get("GROWTHKIT_ENGINE_PUBLIC_URL") {
            None => format!("http://{addr}"),
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                url.trim_end_matches('/').to_owned()
            }
            Some(url) => {
                return Err(ConfigError(format!(
                    "GROWTHKIT_ENGINE_PUBLIC_URL must start with http(s)://, got {url:?}"
                )));
            }
        };
        let smtp = get("SMTP_URL").map(|url| {
            (url, get("GROWTHKIT_MAIL_FROM").unwrap_or_else(|| "Growthkit sandbox <billing@localhost>".into()))
        });
        Ok(SandboxConfig {
            smtp,
            addr,
            public_url,
            catalog,
            database_url: get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/engine.db".into()),
            api_key: get("GROWTHKIT_API_KEY").unwrap_or_else(|| DEFAULT_API_KEY.into()),
            publishable_key: get("GROWTHKIT_PUBLISHABLE_KEY").unwrap_or_else(|| DEFAULT_PUBLISHABLE_KEY.into()),
            demo_data,
            webhook,
        })
    }
}

/// A failure while starting the sandbox.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Open(#[from] db::OpenError),
    #[error("a migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error(transparent)]
    Engine(#[from] crate::site::StartError),
    #[error(transparent)]
    Demo(#[from] demo::EngineDemoError),
    #[error("registering the webhook endpoint: {0}")]
    Webhook(growthkit_wire::ApiError),
    #[error("configuration: {0}")]
    Mail(String),
}

/// Opens and migrates the database, starts the engine on `clock`, seeds the demo data when asked and
/// registers the configured webhook endpoint.
pub async fn start(config: &SandboxConfig, clock: Clock) -> Result<Arc<Engine>, StartError> {
    let pool = db::open(&config.database_url, 8).await?;
    crate::migrate(&pool).await?;
    let engine = Engine::start(pool, clock, config.catalog, &config.public_url).await?;
    if let Some((url, from)) = &config.smtp {
        engine.use_mailer(crate::offer_emails::OfferMailer::new(url, from).map_err(StartError::Mail)?);
    }
    if config.demo_data {
        demo::seed_if_empty(&engine).await?;
        demo::ensure_credit_catalog(&engine, "credits").await?;
        demo::ensure_gift_plans(&engine).await?;
    }
    if let Some(endpoint) = &config.webhook {
        engine.save_webhook_endpoint(endpoint).await.map_err(StartError::Webhook)?;
    }
    Ok(engine)
}

/// A whole billing site: `/api/v2`, the card script and its endpoint under `/js` (see `api::browser`), and
/// `/healthz`.
pub fn router(engine: Arc<Engine>, api_key: &str, publishable_key: &str) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(engine.clone())
        .merge(crate::api::browser::router(engine.clone(), publishable_key))
        .nest("/api/v2", crate::api::router(engine, api_key))
}

/// Applies due rules every few seconds until the process stops.
pub fn spawn_worker(engine: Arc<Engine>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            if let Err(err) = engine.run_due_work().await {
                tracing::error!("engine due work: {err}");
            }
        }
    })
}

/// Resolves on Ctrl-C or SIGTERM, so a server stops taking connections and lets in-flight requests
/// finish. Growthkit's own binary stops the same way.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {err}");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!("cannot listen for SIGTERM: {err}");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("signal received, shutting down");
}

/// 200 once the database answers, 503 otherwise.
async fn healthz(State(engine): State<Arc<Engine>>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(engine.pool()).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(err) => {
            tracing::error!("health check: database unreachable: {err}");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<SandboxConfig, ConfigError> {
        let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        SandboxConfig::from_lookup(|k| env.get(k).cloned())
    }

    #[test]
    fn defaults_and_refusals() {
        let c = config(&[]).unwrap();
        assert_eq!(c.addr.to_string(), "127.0.0.1:3030");
        assert_eq!(c.database_url, "sqlite://data/engine.db");
        assert_eq!(c.api_key, DEFAULT_API_KEY);
        assert!(c.demo_data && c.webhook.is_none());
        assert!(config(&[("GROWTHKIT_ENGINE_ADDR", "nowhere")]).unwrap_err().to_string().contains("ENGINE_ADDR"));
        assert!(config(&[("GROWTHKIT_DEMO_DATA", "maybe")]).is_err());
        assert!(config(&[("GROWTHKIT_ENGINE_WEBHOOK_URL", "ftp://x")]).is_err());
        let hook = config(&[("GROWTHKIT_ENGINE_WEBHOOK_URL", "http://127.0.0.1:9/hook")]).unwrap().webhook.unwrap();
        assert_eq!(hook.url, "http://127.0.0.1:9/hook");
    }
}
