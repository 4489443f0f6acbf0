//! The engine's billing API for credit packs on a product catalog 1.0 site (the seed's calls), over HTTP
//! in Chargebee's form encoding: subscriptions with addons, one-off and term-end addon charges,
//! cancellation at term end, renewal by time travel, events and webhook delivery with retries. The 2.0
//! calls for the same steps run in `billing_contract` and `engine_api`.

mod common;

use std::sync::{Arc, Mutex};

use common::{T0, TestApp, api_form, api_get, spawn_with};
use serde_json::Value;

const PLAN: &str = "credits-pro-USD-monthly";
const PACK: &str = "credit-pack-500-USD";
const CARD: [(&str, &str); 4] = [
    ("card[number]", "4111111111111111"),
    ("card[expiry_month]", "12"),
    ("card[expiry_year]", "2030"),
    ("card[cvv]", "123"),
];

/// A server whose engine emulates a product catalog 1.0 site.
async fn v1_site() -> TestApp {
    spawn_with(&[("GROWTHKIT_PRODUCT_CATALOG", "v1")]).await
}

fn with_card<'a>(mut form: Vec<(&'a str, &'a str)>) -> Vec<(&'a str, &'a str)> {
    form.extend_from_slice(&CARD);
    form
}

async fn create(app: &TestApp, customer: &str, key: Option<&str>) -> reqwest::Response {
    let form = with_card(vec![
        ("plan_id", PLAN),
        ("addons[id][0]", PACK),
        ("addons[quantity][0]", "2"),
        ("customer[id]", customer),
        ("customer[email]", "carl@example.test"),
    ]);
    api_form(app, "subscriptions", &form, key).await
}

async fn json(res: reqwest::Response) -> (u16, Value) {
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_subscription_with_a_credit_pack_is_invoiced_and_paid_at_once() {
    let app = v1_site().await;
    let (status, body) = json(create(&app, "cus_carl", Some("create-1")).await).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["subscription"]["status"], "active");
    assert_eq!(body["subscription"]["current_term_end"], T0 + 30 * 86_400);
    assert_eq!(body["customer"]["id"], "cus_carl");
    assert!(body["customer"]["primary_payment_source_id"].as_str().is_some(), "the card stays on file");
    let invoice = &body["invoice"];
    assert_eq!(invoice["status"], "paid");
    assert_eq!(invoice["total"], 1_900 + 2 * 4_000);
    let addon_line = invoice["line_items"].as_array().unwrap().iter().find(|l| l["entity_id"] == PACK).unwrap();
    assert_eq!(addon_line["quantity"], 2);
    assert_eq!(addon_line["entity_type"], "addon");

    // The same key and body replays; nothing is created twice.
    let replay = create(&app, "cus_carl", Some("create-1")).await;
    assert_eq!(replay.headers().get("chargebee-idempotency-replayed").unwrap(), "true");
    let (_, again) = json(replay).await;
    assert_eq!(again["subscription"]["id"], body["subscription"]["id"]);
    // A new key for the same customer id is refused: the customer exists.
    let (status, dup) = json(create(&app, "cus_carl", Some("create-2")).await).await;
    assert_eq!((status, dup["param"].as_str()), (400, Some("customer[id]")));

    let (_, events) = json(api_get(&app, "events?event_type[is]=payment_succeeded").await).await;
    let list = events["list"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["event"]["content"]["invoice"]["id"], invoice["id"]);
    assert_eq!(list[0]["event"]["content"]["transaction"]["status"], "success");
}

#[tokio::test]
async fn checkout_parameters_are_validated_and_a_decline_creates_nothing() {
    let app = v1_site().await;
    // (form, expected status, the parameter the error names)
    type Case<'a> = (Vec<(&'a str, &'a str)>, u16, &'a str);
    let cases: Vec<Case> = vec![
        (with_card(vec![("customer[id]", "c1"), ("customer[email]", "a@b.c")]), 400, "plan_id"),
        (with_card(vec![("plan_id", "nope"), ("customer[id]", "c1"), ("customer[email]", "a@b.c")]), 404, "plan_id"),
        (
            with_card(vec![
                ("plan_id", PLAN),
                ("addons[id][0]", "nope"),
                ("customer[id]", "c1"),
                ("customer[email]", "a@b.c"),
            ]),
            404,
            "addons[id][0]",
        ),
        (
            with_card(vec![
                ("plan_id", PLAN),
                ("addons[id][0]", PACK),
                ("addons[quantity][0]", "0"),
                ("customer[id]", "c1"),
                ("customer[email]", "a@b.c"),
            ]),
            400,
            "addons[quantity][0]",
        ),
        (
            with_card(vec![("plan_id", PLAN), ("customer[id]", "c 1"), ("customer[email]", "a@b.c")]),
            400,
            "customer[id]",
        ),
    ];
    for (form, status, param) in cases {
        let (got, body) = json(api_form(&app, "subscriptions", &form, None).await).await;
        assert_eq!((got, body["param"].as_str()), (status, Some(param)), "{body}");
    }
    let no_card = [("plan_id", PLAN), ("customer[id]", "c1"), ("customer[email]", "a@b.c")];
    let (got, body) = json(api_form(&app, "subscriptions", &no_card, None).await).await;
    assert_eq!((got, body["api_error_code"].as_str()), (400, Some("payment_method_not_present")), "{body}");
    let declined = [
        ("plan_id", PLAN),
        ("addons[id][0]", PACK),
        ("customer[id]", "c_declined"),
        ("customer[email]", "a@b.c"),
        ("card[number]", "4000000000000002"),
        ("card[expiry_month]", "12"),
        ("card[expiry_year]", "2030"),
        ("card[cvv]", "123"),
    ];
    let (status, body) = json(api_form(&app, "subscriptions", &declined, None).await).await;
    assert_eq!((status, body["api_error_code"].as_str()), (402, Some("payment_processing_failed")));
    let (customers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM engine_customers WHERE id = 'c_declined'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(customers, 0, "a declined checkout creates no customer");
}

#[tokio::test]
async fn addons_are_charged_now_or_at_renewal_and_cancellation_waits_for_term_end() {
    let app = v1_site().await;
    let (_, created) = json(create(&app, "cus_t", None).await).await;
    let sub = created["subscription"]["id"].as_str().unwrap().to_owned();

    // Now: a paid invoice for the packs, replayed (not charged again) under the same key.
    let charge = [("subscription_id", sub.as_str()), ("addon_id", PACK), ("addon_quantity", "3")];
    let (status, now) = json(api_form(&app, "invoices/charge_addon", &charge, Some("topup-1")).await).await;
    assert_eq!(status, 200, "{now}");
    assert_eq!((now["invoice"]["status"].as_str(), now["invoice"]["total"].as_i64()), (Some("paid"), Some(12_000)));
    let replay = api_form(&app, "invoices/charge_addon", &charge, Some("topup-1")).await;
    assert_eq!(replay.headers().get("chargebee-idempotency-replayed").unwrap(), "true");
    let missing_qty = [("subscription_id", sub.as_str()), ("addon_id", PACK)];
    let (status, body) = json(api_form(&app, "invoices/charge_addon", &missing_qty, None).await).await;
    assert_eq!((status, body["param"].as_str()), (400, Some("addon_quantity")));

    // At term end: kept as an unbilled charge, listed, and in the estimate of the next invoice.
    let path = format!("subscriptions/{sub}/charge_addon_at_term_end");
    let later = [("addon_id", PACK), ("addon_quantity", "1")];
    let (status, est) = json(api_form(&app, &path, &later, Some("later-1")).await).await;
    assert_eq!(status, 200, "{est}");
    assert_eq!(est["estimate"]["next_invoice_estimate"]["total"], 1_900 + 4_000);
    assert_eq!(est["estimate"]["subscription_estimate"]["next_billing_at"], T0 + 30 * 86_400);
    let (_, unbilled) = json(api_get(&app, &format!("unbilled_charges?subscription_id[is]={sub}")).await).await;
    assert_eq!(unbilled["list"].as_array().unwrap().len(), 1);

    // Renewal by time travel bills plan + kept charge on the renewal invoice, paid with the card on file.
    let travel = serde_json::json!({ "destination_time": T0 + 30 * 86_400 + 60 });
    assert_eq!(common::api_post(&app, "time_machines/delorean/travel_forward", travel, None).await.status(), 200);
    let (_, invoices) = json(api_get(&app, &format!("invoices?subscription_id[is]={sub}&limit=1")).await).await;
    let renewal = &invoices["list"][0]["invoice"];
    assert_eq!((renewal["total"].as_i64(), renewal["status"].as_str()), (Some(5_900), Some("paid")));
    assert!(invoices["next_offset"].as_str().is_some(), "older invoices are on the next page");
    let (_, unbilled) = json(api_get(&app, &format!("unbilled_charges?subscription_id[is]={sub}")).await).await;
    assert!(unbilled["list"].as_array().unwrap().is_empty(), "a billed charge is not billed again");
    let (_, s) = json(api_get(&app, &format!("subscriptions/{sub}")).await).await;
    assert_eq!(s["subscription"]["current_term_end"], T0 + 60 * 86_400);

    // Cancel at term end, take it back, schedule it again, then reach term end.
    let cancel = format!("subscriptions/{sub}/cancel");
    let (_, c) = json(api_form(&app, &cancel, &[("end_of_term", "true")], None).await).await;
    assert_eq!(
        (c["subscription"]["status"].as_str(), c["subscription"]["cancelled_at"].as_i64()),
        (Some("non_renewing"), Some(T0 + 60 * 86_400))
    );
    let (status, twice) = json(api_form(&app, &cancel, &[("end_of_term", "true")], None).await).await;
    assert_eq!((status, twice["api_error_code"].as_str()), (400, Some("invalid_state_for_request")));
    let undo = format!("subscriptions/{sub}/remove_scheduled_cancellation");
    let (_, u) = json(api_form(&app, &undo, &[], None).await).await;
    assert_eq!(u["subscription"]["status"], "active");
    assert!(u["subscription"]["cancelled_at"].is_null());
    api_form(&app, &cancel, &[("end_of_term", "true")], None).await;
    let travel = serde_json::json!({ "destination_time": T0 + 60 * 86_400 + 60 });
    common::api_post(&app, "time_machines/delorean/travel_forward", travel, None).await;
    let (_, s) = json(api_get(&app, &format!("subscriptions/{sub}")).await).await;
    assert_eq!(s["subscription"]["status"], "cancelled");
    let (status, _) = json(api_form(&app, "invoices/charge_addon", &charge, None).await).await;
    assert_eq!(status, 400, "a cancelled subscription takes no charges");

    let (_, events) = json(api_get(&app, "events?limit=100").await).await;
    let types: Vec<&str> =
        events["list"].as_array().unwrap().iter().map(|e| e["event"]["event_type"].as_str().unwrap()).collect();
    for expected in [
        "subscription_created",
        "payment_succeeded",
        "subscription_renewed",
        "subscription_cancellation_scheduled",
        "subscription_scheduled_cancellation_removed",
        "subscription_cancelled",
    ] {
        assert!(types.contains(&expected), "{expected} in {types:?}");
    }
}

/// What a test receiver saw: the Authorization header and the body of each delivery.
type Deliveries = Arc<Mutex<Vec<(Option<String>, Value)>>>;

/// A webhook receiver on loopback that fails its first `fail_first` deliveries, recording all of them.
async fn receiver(fail_first: usize) -> (String, Deliveries) {
    use axum::http::{HeaderMap, StatusCode};
    let seen: Deliveries = Arc::default();
    let log = seen.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: axum::Json<Value>| {
            let log = log.clone();
            async move {
                let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).map(str::to_owned);
                let mut log = log.lock().unwrap();
                log.push((auth, body.0));
                if log.len() <= fail_first { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}/hook"), seen)
}

#[tokio::test]
async fn webhooks_carry_basic_auth_and_are_retried_on_chargebee_schedule() {
    let app = v1_site().await;
    let (url, seen) = receiver(2).await;
    let endpoint = growthkit_engine::events::WebhookEndpoint {
        id: "test_hook".into(),
        url,
        username: Some("hook-user".into()),
        password: Some("hook-pass".into()),
    };
    app.state.engine.save_webhook_endpoint(&endpoint).await.unwrap();
    create(&app, "cus_hook", None).await;
    common::deliver_webhooks(&app).await;
    let first: Vec<String> =
        seen.lock().unwrap().iter().map(|(_, e)| e["event_type"].as_str().unwrap().to_owned()).collect();
    assert_eq!(first.len(), 2, "both events tried once: {first:?}");
    assert!(seen.lock().unwrap().iter().all(|(auth, _)| auth.as_deref() == Some("Basic aG9vay11c2VyOmhvb2stcGFzcw==")));

    // Nothing is retried before +2 min of engine time, then the failed ones are.
    common::deliver_webhooks(&app).await;
    assert_eq!(seen.lock().unwrap().len(), 2);
    app.state.engine.travel_by(121).await.unwrap();
    common::deliver_webhooks(&app).await;
    let all = seen.lock().unwrap().clone();
    assert_eq!(all.len(), 4);
    let (state, attempts): (String, i64) = sqlx::query_as(
        "SELECT status, attempts FROM engine_webhook_deliveries WHERE endpoint_id = 'test_hook' ORDER BY attempts DESC LIMIT 1",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!((state.as_str(), attempts), ("succeeded", 2));
    // Delivered events keep their id across attempts, so receivers can deduplicate.
    assert_eq!(all[0].1["id"], all[2].1["id"]);
    assert_eq!(all[2].1["object"], "event");
}
