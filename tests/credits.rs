//! Prepaid credits through the app's endpoints: checkout refused without a pack, the payment webhook
//! granting credits once (replayed, reordered), report runs, and every top-up choice against the engine,
//! each repeated with the same nonce to show the repeat changes nothing.

mod common;

use common::{T0, TestApp, deliver_webhooks, get_as, post_as, session, spawn};
use growthkit::credits::repo;
use serde_json::Value;

const CARL: &str = "credits@demo.test";
const PACK_500: &str = "credit-pack-500-USD";
const PACK_100: &str = "credit-pack-100-USD";

/// The checkout as the page sends it, paid with the payment intent `intent` it authorized.
fn checkout_form<'a>(pack: &'a str, nonce: &'a str, intent: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("input[plan_id]", "credits-starter-USD-monthly"),
        ("input[pack_id]", pack),
        ("input[quantity]", "1"),
        ("input[payment_intent_id]", intent),
        ("input[nonce]", nonce),
    ]
}

/// The page's first step: a payment intent for one `pack` with the starter plan, authorized with card
/// `number` at the engine's card endpoint.
async fn paid(app: &TestApp, cookie: &str, pack: &str, number: &str) -> Result<String, (u16, Value)> {
    let start = [("plan_id", "credits-starter-USD-monthly"), ("pack_id", pack), ("quantity", "1")];
    common::card_payment(app, cookie, "/api/credits_payment", &start, number).await
}

/// The credits page's state for the signed-in user.
async fn overview(app: &TestApp, cookie: &str) -> Value {
    let (status, body) = get_as(app, cookie, "/api/credits").await;
    assert_eq!(status, 200, "{body}");
    body
}

/// A stored engine event as a webhook delivers it.
fn event_body(id: &str, content: &str) -> Value {
    serde_json::json!({
        "id": id, "occurred_at": T0, "source": "api", "object": "event", "api_version": "v2",
        "event_type": "payment_succeeded", "content": serde_json::from_str::<Value>(content).unwrap(),
    })
}

fn active(v: &Value) -> &Value {
    v.get("Active").unwrap_or_else(|| panic!("not active: {v}"))
}

async fn engine_invoices(app: &TestApp) -> i64 {
    sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM engine_invoices").fetch_one(&app.state.pool).await.unwrap().0
}

/// Signs Carl in and buys the starter plan with one 500-credit pack; the webhook grants the credits.
async fn subscribed(app: &TestApp) -> String {
    let cookie = session(app, CARL).await;
    let nonce = overview(app, &cookie).await["Checkout"]["nonce"].as_str().unwrap().to_owned();
    let intent = paid(app, &cookie, PACK_500, "4111 1111 1111 1111").await.expect("card taken");
    let (status, body) =
        post_as(app, &cookie, "/api/credits_checkout", &checkout_form(PACK_500, &nonce, &intent)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(overview(app, &cookie).await, Value::String("Activating".into()));
    deliver_webhooks(app).await;
    cookie
}

#[tokio::test]
async fn checkout_without_a_pack_is_refused_by_the_server() {
    let app = spawn().await;
    let cookie = session(&app, CARL).await;
    let (status, body) =
        post_as(&app, &cookie, "/api/credits_checkout", &checkout_form("", "0123456789abcdef", "pi_x")).await;
    assert_eq!(status, 422);
    assert!(body["message"].as_str().unwrap().contains("credit pack"), "{body}");
    let unknown =
        post_as(&app, &cookie, "/api/credits_checkout", &checkout_form("no-such-pack", "0123456789abcdef", "pi_x"))
            .await;
    assert_eq!(unknown.0, 422);
    // No payment intent for what cannot be bought either.
    let (status, body) = paid(&app, &cookie, "", "4111111111111111").await.unwrap_err();
    assert!(status == 422 && body["message"].as_str().unwrap().contains("credit pack"), "{body}");
    assert_eq!(engine_invoices(&app).await, 0, "nothing reached billing");
    assert!(overview(&app, &cookie).await.get("Checkout").is_some());
    // Signed out, the endpoint refuses outright.
    let res = common::client()
        .post(app.url("/api/credits_checkout"))
        .header("sec-fetch-site", "same-origin")
        .form(&checkout_form(PACK_500, "0123456789abcdef", "pi_x"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
}

#[tokio::test]
async fn the_payment_event_grants_credits_once_however_it_is_delivered() {
    let app = spawn().await;
    let cookie = subscribed(&app).await;
    let state = overview(&app, &cookie).await;
    assert_eq!(active(&state)["balance"], 500);
    assert_eq!(active(&state)["plan_name"], "Starter");

    // Replay the same event by hand, as a duplicate delivery would: no second grant.
    let (event,): (String,) =
        sqlx::query_as("SELECT content FROM engine_events WHERE event_type = 'payment_succeeded'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let (id,): (String,) = sqlx::query_as("SELECT id FROM engine_events WHERE event_type = 'payment_succeeded'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let body = event_body(&id, &event);
    let hook = |auth: (&str, &str)| {
        common::client().post(app.url("/webhooks/chargebee")).basic_auth(auth.0, Some(auth.1)).json(&body).send()
    };
    assert_eq!(hook(("growthkit", "test_growthkit_webhook_password")).await.unwrap().status(), 200);
    assert_eq!(active(&overview(&app, &cookie).await)["balance"], 500);
    assert_eq!(hook(("growthkit", "wrong")).await.unwrap().status(), 401);

    // Two top-ups whose events arrive newest first: each applies once, and the sum is right.
    let nonce = active(&overview(&app, &cookie).await)["nonce"].as_str().unwrap().to_owned();
    post_as(&app, &cookie, "/api/credits_choice", &[("choice", "top_up_now"), ("pack_id", ""), ("nonce", &nonce)])
        .await;
    let nonce = active(&overview(&app, &cookie).await)["nonce"].as_str().unwrap().to_owned();
    post_as(&app, &cookie, "/api/credits_choice", &[("choice", "top_up_now"), ("pack_id", ""), ("nonce", &nonce)])
        .await;
    let events: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, content FROM engine_events WHERE event_type = 'payment_succeeded' ORDER BY seq DESC LIMIT 2",
    )
    .fetch_all(&app.state.pool)
    .await
    .unwrap();
    for (id, content) in &events {
        let body = event_body(id, content);
        let res = common::client()
            .post(app.url("/webhooks/chargebee"))
            .basic_auth("growthkit", Some("test_growthkit_webhook_password"))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    assert_eq!(active(&overview(&app, &cookie).await)["balance"], 1_500);
    // Then the engine's own deliveries of the same two events change nothing.
    deliver_webhooks(&app).await;
    let state = overview(&app, &cookie).await;
    assert_eq!(active(&state)["balance"], 1_500);
    assert_eq!(active(&state)["history"].as_array().unwrap().len(), 3, "three grants in the ledger");
    assert!(repo::audit(&app.state.pool).await.unwrap().is_empty());
}

async fn choose(app: &TestApp, cookie: &str, choice: &str, pack: &str, qty: &str) -> (u16, Value, String) {
    let nonce = active(&overview(app, cookie).await)["nonce"].as_str().unwrap().to_owned();
    let mut form = vec![("choice", choice), ("pack_id", pack), ("nonce", nonce.as_str())];
    if !qty.is_empty() {
        form.push(("quantity", qty));
    }
    let (status, body) = post_as(app, cookie, "/api/credits_choice", &form).await;
    // The same click again (same nonce): answered from the record, nothing charged twice.
    let before = engine_invoices(app).await;
    let (again_status, again) = post_as(app, cookie, "/api/credits_choice", &form).await;
    assert_eq!((again_status, &again), (status, &body), "a repeat answers the same");
    assert_eq!(engine_invoices(app).await, before, "a repeat creates no invoice");
    (status, body, nonce)
}

#[tokio::test]
async fn reports_use_credits_and_each_top_up_choice_reaches_billing_once() {
    let app = spawn().await;
    let cookie = subscribed(&app).await;

    // Raise the alert level so one report starts a low-balance episode; the popup is offered once.
    assert_eq!(post_as(&app, &cookie, "/api/credits_threshold", &[("threshold", "510")]).await.0, 200);
    assert_eq!(post_as(&app, &cookie, "/api/credits_threshold", &[("threshold", "-1")]).await.0, 422);
    let state = overview(&app, &cookie).await;
    let episode = active(&state)["prompt_episode"].as_i64().expect("the popup is due");
    post_as(&app, &cookie, "/api/low_balance_seen", &[("episode", &episode.to_string())]).await;
    assert!(active(&overview(&app, &cookie).await)["prompt_episode"].is_null(), "once per episode");

    let nonce = active(&overview(&app, &cookie).await)["nonce"].as_str().unwrap().to_owned();
    let (status, run) = post_as(&app, &cookie, "/api/run_report", &[("nonce", &nonce)]).await;
    assert_eq!((status, run["balance"].as_i64()), (200, Some(475)));
    let (_, again) = post_as(&app, &cookie, "/api/run_report", &[("nonce", &nonce)]).await;
    assert_eq!(again["balance"], 475, "a double click runs one report");

    // Yes, top up now: an invoice now; the credits arrive with the event.
    let invoices = engine_invoices(&app).await;
    let (status, body, _) = choose(&app, &cookie, "top_up_now", "", "").await;
    assert_eq!((status, body["awaiting_credits"].as_bool()), (200, Some(true)), "{body}");
    assert_eq!(engine_invoices(&app).await, invoices + 1);
    deliver_webhooks(&app).await;
    assert_eq!(active(&overview(&app, &cookie).await)["balance"], 975);

    // At renewal: a pending charge, collected (and credited) when the term renews.
    let (status, body, _) = choose(&app, &cookie, "at_renewal", "", "").await;
    assert_eq!(status, 200, "{body}");
    let state = overview(&app, &cookie).await;
    assert_eq!(active(&state)["pending"][0]["credits"], 500);
    app.state.engine.travel_by(30 * 86_400 + 60).await.unwrap();
    deliver_webhooks(&app).await;
    let state = overview(&app, &cookie).await;
    assert_eq!(active(&state)["balance"], 1_475);
    assert!(active(&state)["pending"].as_array().unwrap().is_empty());

    // Change: another pack and quantity, charged now, and top-ups buy it from then on.
    assert_eq!(choose(&app, &cookie, "change", "no-such-pack", "1").await.0, 422);
    assert_eq!(choose(&app, &cookie, "change", PACK_100, "0").await.0, 422);
    assert_eq!(choose(&app, &cookie, "change", PACK_100, "three").await.0, 422, "not a number");
    assert_eq!(choose(&app, &cookie, "refund", "", "").await.0, 422, "not one of the choices");
    let (status, body, _) = choose(&app, &cookie, "change", PACK_100, "3").await;
    assert_eq!(status, 200, "{body}");
    deliver_webhooks(&app).await;
    let state = overview(&app, &cookie).await;
    assert_eq!(active(&state)["balance"], 1_775);
    assert_eq!(
        (active(&state)["pack"]["id"].as_str(), active(&state)["pack_quantity"].as_i64()),
        (Some(PACK_100), Some(3))
    );

    // No: cancellation at term end (shown with its date), then undone.
    let (status, body, _) = choose(&app, &cookie, "stop", "", "").await;
    assert_eq!(status, 200, "{body}");
    let state = overview(&app, &cookie).await;
    assert_eq!(active(&state)["subscription_status"], "non_renewing");
    assert!(active(&state)["cancels_at"].as_i64().is_some());
    let (status, _, _) = choose(&app, &cookie, "undo_stop", "", "").await;
    assert_eq!(status, 200);
    assert_eq!(active(&overview(&app, &cookie).await)["subscription_status"], "active");

    let problems = repo::audit(&app.state.pool).await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
}

#[tokio::test]
async fn running_out_refuses_the_report_clearly() {
    let app = spawn().await;
    let cookie = subscribed(&app).await;
    let mut last = (0, Value::Null);
    for _ in 0..21 {
        let nonce = active(&overview(&app, &cookie).await)["nonce"].as_str().unwrap().to_owned();
        last = post_as(&app, &cookie, "/api/run_report", &[("nonce", &nonce)]).await;
    }
    assert_eq!(last.0, 409);
    assert!(last.1["message"].as_str().unwrap().contains("Not enough credits"), "{}", last.1);
    let state = overview(&app, &cookie).await;
    assert_eq!(active(&state)["balance"], 0);
    assert!(repo::audit(&app.state.pool).await.unwrap().is_empty());
}

#[tokio::test]
async fn only_the_owner_buys_and_a_member_sees_why() {
    let app = spawn().await;
    let member = session(&app, "member@acme.test").await;
    let state = overview(&app, &member).await;
    assert_eq!(state["Checkout"]["can_buy"], false);
    let nonce = state["Checkout"]["nonce"].as_str().unwrap().to_owned();
    let (status, body) =
        post_as(&app, &member, "/api/credits_checkout", &checkout_form(PACK_500, &nonce, "pi_x")).await;
    assert_eq!((status, body["kind"].as_str()), (403, Some("forbidden")));
    let (status, _) = paid(&app, &member, PACK_500, "4111111111111111").await.unwrap_err();
    assert_eq!(status, 403, "no payment intent for a member either");
    assert!(body["message"].as_str().unwrap().contains("Only the account owner"), "{body}");
    assert_eq!(engine_invoices(&app).await, 0);
    let (status, _) = post_as(&app, &member, "/api/run_report", &[("nonce", &nonce)]).await;
    assert_eq!(status, 409, "no credits bought yet");
}

#[tokio::test]
async fn the_webhook_acknowledges_events_it_does_not_use_and_drops_garbage() {
    let app = spawn().await;
    let post = |body: String| {
        common::client()
            .post(app.url("/webhooks/chargebee"))
            .basic_auth("growthkit", Some("test_growthkit_webhook_password"))
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    // A shape we do not model, of a type we do not use: acknowledged, so billing does not retry it.
    let other =
        serde_json::json!({ "id": "ev_x", "event_type": "card_expiring", "content": { "card": { "odd": [1, 2] } } });
    assert_eq!(post(other.to_string()).await.unwrap().status(), 200);
    // Garbage is acknowledged too (and logged): billing retrying it could never make it readable.
    assert_eq!(post("not json".into()).await.unwrap().status(), 200);
    let broken = serde_json::json!({ "id": "ev_y", "event_type": "payment_succeeded", "content": { "invoice": 5 } });
    assert_eq!(post(broken.to_string()).await.unwrap().status(), 200);
    assert!(repo::audit(&app.state.pool).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_top_up_left_pending_by_a_crash_answers_its_outcome_on_retry_and_charges_once() {
    let app = spawn().await;
    let cookie = subscribed(&app).await;
    let nonce = active(&overview(&app, &cookie).await)["nonce"].as_str().unwrap().to_owned();
    let form = [("choice", "top_up_now"), ("pack_id", ""), ("nonce", nonce.as_str())];
    let (status, paid) = post_as(&app, &cookie, "/api/credits_choice", &form).await;
    assert_eq!(status, 200, "{paid}");
    // As after kill -9 between billing's answer and our record of it: the charge went through (and its
    // credits come with the payment event), but the action still says pending.
    sqlx::query("UPDATE credit_actions SET status = 'pending', message = NULL, finished_at = NULL")
        .execute(&app.state.writer)
        .await
        .unwrap();
    let invoices = engine_invoices(&app).await;

    let (status, body) = post_as(&app, &cookie, "/api/credits_choice", &form).await;
    assert_eq!(status, 409, "within a minute it may still be running: {body}");
    app.state.clock.advance(repo::ABANDONED_AFTER + 1).unwrap();
    let (status, body) = post_as(&app, &cookie, "/api/credits_choice", &form).await;
    assert_eq!((status, &body), (200, &paid), "then the retry answers what happened");
    assert_eq!(engine_invoices(&app).await, invoices, "billing replayed its answer: no second charge");
    let (status, again) = post_as(&app, &cookie, "/api/credits_choice", &form).await;
    assert_eq!((status, &again), (200, &paid), "and it is recorded now");
}
