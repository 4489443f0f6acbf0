//! A real server for integration tests: a fresh SQLite file in a temp folder, the full router, and a
//! loopback port, driven with a real HTTP client.

// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::path::PathBuf;

use growthkit::config::Config;
use growthkit::server;
use growthkit::state::AppState;
use growthkit_clock::Clock;
use reqwest::header::{COOKIE, HeaderMap, SET_COOKIE};
use tempfile::TempDir;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A fixed "now" for tests: 2023-11-14 22:13:20 UTC.
pub const T0: i64 = 1_700_000_000;

pub struct TestApp {
    pub base: String,
    /// The engine's billing site (`GROWTHKIT_ENGINE_ADDR`).
    pub engine_base: String,
    pub state: AppState,
    pub db_path: PathBuf,
    _dir: TempDir,
}

/// The configuration a test server runs with, on the given database file.
pub fn test_config(db_path: &std::path::Path) -> Config {
    config_with(db_path, &[])
}

/// [`test_config`] with extra environment variables.
pub fn config_with(db_path: &std::path::Path, env: &[(&str, &str)]) -> Config {
    let url = format!("sqlite://{}", db_path.display());
    Config::from_lookup(|key| match key {
        "DATABASE_URL" => Some(url.clone()),
        "GROWTHKIT_ADDR" => Some("127.0.0.1:0".into()),
        _ => env.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned()),
    })
    .expect("test config")
}

/// Boots the app on a new database and serves it on a free loopback port.
pub async fn spawn() -> TestApp {
    spawn_with(&[]).await
}

/// [`spawn`] with extra environment variables.
pub async fn spawn_with(env: &[(&str, &str)]) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("growthkit.db");
    serve(config_with(&db_path, env), db_path, dir).await
}

/// [`spawn`] with the configuration changed by `change` (for settings tests cannot pass as variables).
pub async fn spawn_changed(change: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db_path = dir.path().join("growthkit.db");
    let mut config = test_config(&db_path);
    change(&mut config);
    serve(config, db_path, dir).await
}

/// A new server process, as after a restart: boots again on the same database file (the engine's
/// saved clock offset included) and serves on a new port, where the engine's webhooks now go.
pub async fn restart(app: TestApp) -> TestApp {
    let TestApp { db_path, _dir: dir, .. } = app;
    serve(test_config(&db_path), db_path, dir).await
}

async fn serve(mut config: Config, db_path: PathBuf, dir: TempDir) -> TestApp {
    // The engine's billing site (card script, card endpoint) on a port of its own, as in production.
    let engine_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind engine site");
    let engine_addr = engine_listener.local_addr().expect("engine addr");
    config.engine_public_url = format!("http://{engine_addr}");
    let state = server::boot(config, Clock::fixed(T0)).await.expect("boot");
    let engine_site = server::engine_site(&state);
    tokio::spawn(async move { axum::serve(engine_listener, engine_site).await.expect("serve engine site") });
    let app = server::router(state.clone()).await.expect("router");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    server::connect_engine_webhooks(&state, addr).await.expect("webhook endpoint");
    tokio::spawn(async move {
        let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, app).await.expect("serve")
    });
    TestApp { base: format!("http://{addr}"), engine_base: format!("http://{engine_addr}"), state, db_path, _dir: dir }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The card as a browser gives it to billing's script: authorizes payment intent `id` at the engine's
    /// own address (never the app's). Answers the HTTP status and body.
    pub async fn authorize_card(&self, id: &str, number: &str) -> (u16, serde_json::Value) {
        let form = [
            ("publishable_key", self.state.config.publishable_key.as_str()),
            ("card[number]", number),
            ("card[expiry_month]", "12"),
            ("card[expiry_year]", "2030"),
            ("card[cvv]", "123"),
        ];
        let url = format!("{}/js/v2/payment_intents/{id}/authorize", self.engine_base);
        let res = client().post(url).form(&form).send().await.expect("authorize request");
        let status = res.status().as_u16();
        (status, res.json().await.expect("authorize answer"))
    }
}

/// A client that never follows redirects (tests assert on them) and keeps no cookies of its own:
/// tests pass the session cookie explicitly, so rotation and reuse of old ids are visible. A request that
/// gets no answer within 30 s fails its test rather than holding the whole run.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("client")
}

/// The session cookie a response sets (`name=value`), if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{}=", server::SESSION_COOKIE)))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

/// Signs in through the JSON server-function path (as the hydrated form does) and returns the response.
pub async fn login(app: &TestApp, email: &str, password: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut req = client()
        .post(app.url("/api/login"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("email", email), ("password", password)]);
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    req.send().await.expect("login request")
}

/// `GET /api/me` with the given cookie: the signed-in user's e-mail, or `None`.
pub async fn whoami(app: &TestApp, cookie: Option<&str>) -> Option<String> {
    let mut req = client().get(app.url("/api/me"));
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    let res = req.send().await.expect("me request");
    assert_eq!(res.status(), 200, "GET /api/me");
    let body: serde_json::Value = res.json().await.expect("json");
    body.get("email").and_then(|e| e.as_str()).map(str::to_owned)
}

/// The engine API key test servers use (the default).
pub const API_KEY: &str = growthkit::config::DEFAULT_ENGINE_API_KEY;

/// A POST to the engine API with the right key and, optionally, an idempotency key.
pub async fn api_post(app: &TestApp, path: &str, body: serde_json::Value, key: Option<&str>) -> reqwest::Response {
    let mut req = client().post(app.url(&format!("/api/v2/{path}"))).basic_auth(API_KEY, Some("")).json(&body);
    if let Some(k) = key {
        req = req.header("chargebee-idempotency-key", k);
    }
    req.send().await.expect("engine API request")
}

/// A GET to the engine API with the right key.
pub async fn api_get(app: &TestApp, path: &str) -> reqwest::Response {
    client().get(app.url(&format!("/api/v2/{path}"))).basic_auth(API_KEY, Some("")).send().await.expect("engine API")
}

/// The decision request for the demo customer without Advanced Analytics.
pub fn acme_offer_request(has_advanced_analytics: bool) -> serde_json::Value {
    serde_json::json!({
        "customer_id": "demo_acme",
        "subscription_id": "demo_acme_sub",
        "custom": { "has_advanced_analytics": has_advanced_analytics },
        "request_context": { "locale": "en-US", "timezone": "UTC", "url": "http://127.0.0.1/app/analytics", "user_agent": "test" }
    })
}

/// A signed-in user's session cookie.
pub async fn session(app: &TestApp, email: &str) -> String {
    session_cookie(login(app, email, growthkit::demo::DEMO_PASSWORD, None).await.headers()).expect("signed in")
}

/// `GET path` with a session cookie: status and JSON body (`null` when there is none).
pub async fn get_as(app: &TestApp, cookie: &str, path: &str) -> (u16, serde_json::Value) {
    let res = client().get(app.url(path)).header(COOKIE, cookie).send().await.expect("GET");
    (res.status().as_u16(), res.json().await.unwrap_or(serde_json::Value::Null))
}

/// A same-origin form `POST path` with a session cookie: status and JSON body.
pub async fn post_as(app: &TestApp, cookie: &str, path: &str, form: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let res = client()
        .post(app.url(path))
        .header(COOKIE, cookie)
        .header("sec-fetch-site", "same-origin")
        .form(form)
        .send()
        .await
        .expect("POST");
    (res.status().as_u16(), res.json().await.unwrap_or(serde_json::Value::Null))
}

/// What a page does to pay by card: asks the app for a payment intent (server function `start` with `form`),
/// gives the card to the engine's card endpoint — never to the app — and answers the intent's id. A card
/// field the endpoint refuses comes back as its answer: the page shows it and calls the app no further.
pub async fn card_payment(
    app: &TestApp,
    cookie: &str,
    start: &str,
    form: &[(&str, &str)],
    number: &str,
) -> Result<String, (u16, serde_json::Value)> {
    let (status, body) = post_as(app, cookie, start, form).await;
    if status != 200 {
        return Err((status, body));
    }
    let id = body["intent"]["id"].as_str().unwrap_or_else(|| panic!("a payment intent: {body}")).to_owned();
    assert_eq!(body["intent"]["status"], "inited", "{body}");
    let (status, answer) = app.authorize_card(&id, number).await;
    if status == 400 && answer["param"].as_str().is_some_and(|p| p.starts_with("card[")) {
        return Err((status, answer));
    }
    Ok(id)
}

/// A form POST to the engine's billing API (Chargebee's encoding), optionally with an idempotency key.
pub async fn api_form(app: &TestApp, path: &str, form: &[(&str, &str)], key: Option<&str>) -> reqwest::Response {
    let mut req = client().post(app.url(&format!("/api/v2/{path}"))).basic_auth(API_KEY, Some("")).form(form);
    if let Some(k) = key {
        req = req.header("chargebee-idempotency-key", k);
    }
    req.send().await.expect("engine API request")
}

/// Sends the engine's due webhooks now (the server's sender task is not running in tests).
pub async fn deliver_webhooks(app: &TestApp) -> usize {
    app.state.engine.deliver_webhooks().await.expect("deliver webhooks")
}

/// A minimal SMTP server on loopback that accepts every message and keeps its raw text.
pub async fn smtp_sink() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("smtp://{}", listener.local_addr().unwrap());
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let store = received.clone();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { return };
            let store = store.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.ok();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(body) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(data.take().unwrap());
                            write.write_all(b"250 queued\r\n").await.ok();
                        } else {
                            body.push_str(&line);
                            body.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go ahead\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.ok();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.ok();
                }
            });
        }
    });
    (url, received)
}
