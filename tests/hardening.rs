//! The findings of an attacker's test, each as the request that got through before and what it gets now:
//! numbers and times out of range, public defaults, forged webhooks, login floods, redirects that leave the
//! site, crafted paths, cross-site API calls, and the headers every answer carries. (Gift dates past the
//! year 9999 are refused in `engine_gifts.rs`.)
#![cfg(feature = "ssr")]

mod common;

use common::{API_KEY, T0, TestApp, api_form, client, login, restart, spawn, spawn_changed};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const WEBHOOK: (&str, &str) = ("growthkit", "test_growthkit_webhook_password");

/// Sends `request` as is (no client normalizes it) and answers the status line's code.
async fn raw_status(app: &TestApp, request: &str) -> u16 {
    let addr = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = vec![0; 64];
    let n = stream.read(&mut answer).await.unwrap();
    let line = String::from_utf8_lossy(&answer[..n]).to_string();
    line.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("no status in {line:?}"))
}

#[tokio::test]
async fn time_travel_to_the_end_of_time_is_refused_and_the_server_carries_on_and_restarts() {
    let app = spawn().await;
    for far in [i64::MAX.to_string(), (1_i64 << 62).to_string(), "-1".into(), "soon".into()] {
        let res = api_form(&app, "time_machines/delorean/travel_forward", &[("destination_time", &far)], None).await;
        assert_eq!(res.status(), 400, "destination_time {far}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["param"], "destination_time", "{body}");
    }
    assert_eq!(client().get(app.url("/login")).send().await.unwrap().status(), 200, "pages still render");
    let app = restart(app).await;
    assert_eq!(client().get(app.url("/healthz")).send().await.unwrap().status(), 200, "and the next start works");
    assert_eq!(app.state.clock.now(), T0, "the clock never moved");
}

#[tokio::test]
async fn requests_for_other_host_names_are_refused() {
    let app = spawn().await;
    let ask = |host: &'static str| client().get(app.url("/api/demo_logins")).header("host", host).send();
    assert_eq!(ask("evil.test").await.unwrap().status(), 421, "DNS rebinding");
    assert_eq!(ask("127.0.0.1.evil.test").await.unwrap().status(), 421);
    assert_eq!(ask("localhost:3000").await.unwrap().status(), 200);
    let engine_site = client().get(format!("{}/js/v2/chargebee.js", app.engine_base)).header("host", "evil.test");
    assert_eq!(engine_site.send().await.unwrap().status(), 421, "the engine's own site too");
}

#[tokio::test]
async fn demo_passwords_are_shown_only_on_a_loopback_server() {
    let local = spawn().await;
    let logins: serde_json::Value =
        client().get(local.url("/api/demo_logins")).send().await.unwrap().json().await.unwrap();
    assert_eq!(logins[0]["password"], growthkit::demo::DEMO_PASSWORD);

    let public = spawn_changed(|c| c.addr = "0.0.0.0:3000".parse().unwrap()).await;
    let logins: serde_json::Value =
        client().get(public.url("/api/demo_logins")).send().await.unwrap().json().await.unwrap();
    assert_eq!(logins, serde_json::json!([]));
    let page = client().get(public.url("/login")).send().await.unwrap().text().await.unwrap();
    assert!(!page.contains(growthkit::demo::DEMO_PASSWORD));
}

async fn hook(app: &TestApp, body: String) -> u16 {
    let res = client()
        .post(app.url("/webhooks/chargebee"))
        .basic_auth(WEBHOOK.0, Some(WEBHOOK.1))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    res.status().as_u16()
}

async fn granted(app: &TestApp) -> i64 {
    sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM credit_ledger").fetch_one(&app.state.pool).await.unwrap().0
}

#[tokio::test]
async fn a_forged_payment_event_grants_nothing_and_never_answers_5xx() {
    let app = spawn().await;
    let before = granted(&app).await;
    let forged = |invoice_id: &str, quantity: &str| {
        format!(
            r#"{{"id":"ev_forged_{invoice_id}","event_type":"payment_succeeded","content":{{"invoice":{{
            "id":"{invoice_id}","customer_id":"demo_credits","subscription_id":null,"status":"paid",
            "currency_code":"USD","total":0,"amount_paid":0,"amount_due":0,"date":0,"paid_at":0,"line_items":[
            {{"description":"x","entity_type":"charge_item_price","entity_id":"credit-pack-500-USD",
            "quantity":{quantity},"unit_amount":0,"amount":0}}]}}}}}}"#
        )
    };
    // An invoice billing never issued, with the body claiming it is paid: billing is asked, and says no.
    assert_eq!(hook(&app, forged("inv_nope", "1")).await, 200);
    // Numbers no real invoice has: still acknowledged, nothing granted, nothing panics.
    assert_eq!(hook(&app, forged("inv_big", "9223372036854775807")).await, 200);
    assert_eq!(hook(&app, forged("inv_big2", "46116860184273879")).await, 200);
    assert_eq!(hook(&app, forged("inv_neg", "-5")).await, 200);
    assert_eq!(hook(&app, forged("inv_text", "\"many\"")).await, 200);
    assert_eq!(hook(&app, forged("../../customers", "1")).await, 200, "an id that is no id");
    assert_eq!(hook(&app, "\u{0}\u{ff}".into()).await, 200);
    assert_eq!(granted(&app).await, before, "no credits from any of them");
}

#[tokio::test]
async fn a_login_flood_is_slowed_to_429_with_retry_after() {
    let app = spawn().await;
    let mut limited = None;
    for attempt in 0..30 {
        let res = login(&app, "owner@acme.test", "wrong password", None).await;
        match res.status().as_u16() {
            401 => continue,
            429 => {
                limited = Some((attempt, res.headers().get("retry-after").cloned()));
                break;
            }
            other => panic!("attempt {attempt}: {other}"),
        }
    }
    let (attempt, retry_after) = limited.expect("refused before 30 attempts");
    assert_eq!(attempt, 10, "ten attempts for one account, then a wait");
    let wait: u64 = retry_after.expect("Retry-After").to_str().unwrap().parse().unwrap();
    assert!((1..=6).contains(&wait), "{wait}");
    // The right password waits too: the limit is on attempts, not on failures only.
    let res = login(&app, "owner@acme.test", growthkit::demo::DEMO_PASSWORD, None).await;
    assert_eq!(res.status(), 429);
    // Another account from the same address is not locked out by it.
    assert_eq!(login(&app, "member@acme.test", growthkit::demo::DEMO_PASSWORD, None).await.status(), 200);
}

#[tokio::test]
async fn sign_in_never_sends_the_browser_to_another_site() {
    let app = spawn().await;
    for next in ["/\\evil.test/x", "/\t/evil.test", "//evil.test", "https://evil.test", "/\r\n/evil.test"] {
        let res = client()
            .post(app.url("/api/login"))
            .header("accept", "text/html")
            .header("sec-fetch-site", "same-origin")
            .form(&[("email", "member@acme.test"), ("password", growthkit::demo::DEMO_PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        let location = res.headers().get("location").and_then(|l| l.to_str().ok()).unwrap_or_default().to_owned();
        assert_eq!(location, "/app", "next={next:?}");
    }
}

#[tokio::test]
async fn a_crafted_path_is_refused_before_any_page_renders() {
    let app = spawn().await;
    for path in
        ["/gift/claim/x/../../../studio", "/gift/claim/x/%2e%2e/%2e%2e/%2e%2e/studio", "/gift/claim/.%2e/studio"]
    {
        let request = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
        assert_eq!(raw_status(&app, &request).await, 400, "{path}");
    }
    let plain = "GET /gift/claim/abc HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    assert_ne!(raw_status(&app, plain).await, 400);
}

#[tokio::test]
async fn the_api_and_webhooks_refuse_cross_site_browser_posts_and_send_no_challenge() {
    let app = spawn().await;
    let forged = client()
        .post(app.url("/api/v2/customers"))
        .basic_auth(API_KEY, Some(""))
        .header("origin", "http://evil.test")
        .header("sec-fetch-site", "cross-site")
        .form(&[("first_name", "Mallory")])
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    let body: serde_json::Value = forged.json().await.unwrap();
    assert_eq!(body["api_error_code"], "api_authorization_failed", "Chargebee's error shape: {body}");
    let (customers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM engine_customers WHERE first_name = 'Mallory'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(customers, 0);
    let on_engine_site = client()
        .post(format!("{}/api/v2/customers", app.engine_base))
        .basic_auth(API_KEY, Some(""))
        .header("origin", "http://evil.test")
        .form(&[("first_name", "Mallory")])
        .send()
        .await
        .unwrap();
    assert_eq!(on_engine_site.status(), 403, "the engine's own site refuses it too");

    let hook = client()
        .post(app.url("/webhooks/chargebee"))
        .basic_auth(WEBHOOK.0, Some(WEBHOOK.1))
        .header("sec-fetch-site", "cross-site")
        .json(&serde_json::json!({"id": "ev", "event_type": "payment_succeeded"}))
        .send()
        .await
        .unwrap();
    assert_eq!(hook.status(), 403);

    let unauthenticated = client().get(app.url("/api/v2/customers")).send().await.unwrap();
    assert_eq!(unauthenticated.status(), 401);
    assert!(unauthenticated.headers().get("www-authenticate").is_none(), "no challenge for browsers to keep");
    let hook = client().post(app.url("/webhooks/chargebee")).body("{}").send().await.unwrap();
    assert_eq!(hook.status(), 401);
    assert!(hook.headers().get("www-authenticate").is_none());
}

#[tokio::test]
async fn pages_carry_a_nonce_policy_and_every_answer_the_safety_headers() {
    let app = spawn().await;
    let res = client().get(app.url("/login")).send().await.unwrap();
    let header = |res: &reqwest::Response, name: &str| {
        res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
    };
    let policy = header(&res, "content-security-policy");
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
    assert_eq!(header(&res, "referrer-policy"), "same-origin");
    assert_eq!(header(&res, "x-frame-options"), "DENY");
    let html = res.text().await.unwrap();
    let nonce = policy.split("'nonce-").nth(1).and_then(|rest| rest.split('\'').next()).expect("a nonce in the policy");
    assert!(nonce.len() >= 16, "{policy}");
    assert!(html.contains(&format!("nonce=\"{nonce}\"")), "the hydration script carries the policy's nonce");
    for directive in ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'", "'wasm-unsafe-eval'"] {
        assert!(policy.contains(directive), "{directive} in {policy}");
    }
    assert!(policy.contains(&app.engine_base), "billing's card script may load: {policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");

    let again = client().get(app.url("/login")).send().await.unwrap();
    assert_ne!(header(&again, "content-security-policy"), policy, "a new nonce for every page");

    let json = client().get(app.url("/api/demo_logins")).send().await.unwrap();
    assert_eq!(header(&json, "content-security-policy"), "default-src 'none'; frame-ancestors 'none'");
    assert_eq!(header(&json, "x-content-type-options"), "nosniff");
}

#[tokio::test]
async fn expired_sessions_are_deleted_by_the_worker() {
    let app = spawn().await;
    let cookie = common::session(&app, "member@acme.test").await;
    let count = || async {
        sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM sessions").fetch_one(&app.state.pool).await.unwrap().0
    };
    assert_eq!(count().await, 1);
    growthkit::jobs::run_due_work(&app.state).await;
    assert_eq!(count().await, 1, "a live session stays");
    sqlx::query("UPDATE sessions SET expiry_date = 0").execute(&app.state.pool).await.unwrap();
    growthkit::jobs::run_due_work(&app.state).await;
    assert_eq!(count().await, 0, "an expired one is gone");
    assert_eq!(common::whoami(&app, Some(&cookie)).await, None);
}

#[tokio::test]
async fn malformed_input_gets_a_4xx_that_says_so_never_a_5xx() {
    let app = spawn().await;
    let cookie = common::session(&app, "owner@acme.test").await;
    let big = "a".repeat(10 * 1024 * 1024);
    let post = |path: &'static str, content_type: &'static str, body: Vec<u8>| {
        client()
            .post(app.url(path))
            .header("cookie", &cookie)
            .header("sec-fetch-site", "same-origin")
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let form = "application/x-www-form-urlencoded";
    // Server functions: missing fields, bytes that are no UTF-8, a body far over the limit, broken JSON.
    for (body, status) in [
        (b"x=1".to_vec(), 422),
        (b"po_id=\xff\xfe&option_id=\xc3&token=t".to_vec(), 422),
        (big.clone().into_bytes(), 413),
    ] {
        let res = post("/api/accept_offer", form, body).await.unwrap();
        assert_eq!(res.status(), status);
        let kind = res.json::<serde_json::Value>().await.unwrap()["kind"].clone();
        assert!(kind == "invalid" || kind == "too_large", "{kind}");
    }
    assert_eq!(post("/api/accept_offer", "application/json", b"{\"x\":".to_vec()).await.unwrap().status(), 422);

    // The engine API: the same in Chargebee's error shape, and nothing stored garbled.
    let api = |method: reqwest::Method, path: &str, content_type: &'static str, body: Vec<u8>| {
        client()
            .request(method, app.url(&format!("/api/v2/{path}")))
            .basic_auth(API_KEY, Some(""))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    for (method, path, content_type, body, status) in [
        (reqwest::Method::POST, "customers", form, big.clone().into_bytes(), 413),
        (reqwest::Method::POST, "customers", form, b"first_name=%FF%FE".to_vec(), 400),
        (reqwest::Method::POST, "customers", form, b"first_name=\xff".to_vec(), 400),
        (reqwest::Method::DELETE, "customers", form, Vec::new(), 405),
        (reqwest::Method::POST, "personalized_offers", "application/json", b"{\"customer_id\":".to_vec(), 400),
    ] {
        let res = api(method.clone(), path, content_type, body).await.unwrap();
        assert_eq!(res.status(), status, "{method} {path}");
        let body: serde_json::Value = res.json().await.expect("Chargebee's JSON error");
        assert_eq!(body["http_status_code"], status, "{body}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
    }
    let (garbled,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM engine_customers WHERE first_name LIKE '%' || char(65533) || '%'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(garbled, 0);
}
