//! The engine's gifts API over HTTP (Chargebee's form encoding): buying, the lifecycle driven by time
//! travel, claims (50 at once: one wins), cancellation, rescheduling, listing and events.

mod common;

use common::{T0, TestApp, api_form, api_get, api_post, spawn};
use serde_json::Value;

const PLAN: &str = "gift-growth-3m-USD";
const DAY: i64 = 86_400;

async fn json(res: reqwest::Response) -> (u16, Value) {
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn customers(app: &TestApp) {
    for (id, email) in [("gina", "gina@example.test"), ("rita", "rita@example.test")] {
        let (status, body) =
            json(api_form(app, "customers", &[("id", id), ("email", email), ("first_name", id)], None).await).await;
        assert_eq!(status, 200, "{body}");
    }
}

/// Buys the 3-month gift from Gina for Rita with `extra` parameters (e.g. `scheduled_at`).
async fn buy(app: &TestApp, extra: &[(&str, &str)], card: &str) -> (u16, Value) {
    let mut form = vec![
        ("gifter[customer_id]", "gina"),
        ("gifter[signature]", "Gina"),
        ("gifter[note]", "Happy birthday!"),
        ("gift_receiver[customer_id]", "rita"),
        ("gift_receiver[first_name]", "Rita"),
        ("gift_receiver[last_name]", "Receiver"),
        ("gift_receiver[email]", "rita@example.test"),
        ("subscription_items[item_price_id][0]", PLAN),
        ("card[number]", card),
        ("card[expiry_month]", "12"),
        ("card[expiry_year]", "2030"),
        ("card[cvv]", "123"),
    ];
    form.extend_from_slice(extra);
    json(api_form(app, "gifts/create_for_items", &form, None).await).await
}

async fn travel_to(app: &TestApp, t: i64) {
    let res =
        api_post(app, "time_machines/delorean/travel_forward", serde_json::json!({ "destination_time": t }), None)
            .await;
    assert_eq!(res.status(), 200);
}

async fn gift(app: &TestApp, id: &str) -> Value {
    json(api_get(app, &format!("gifts/{id}")).await).await.1
}

#[tokio::test]
async fn a_scheduled_gift_is_paid_first_notified_on_time_claimed_once_and_ends_with_its_term() {
    let app = spawn().await;
    customers(&app).await;
    let at = (T0 + 2 * DAY).to_string();
    let (status, body) = buy(&app, &[("scheduled_at", &at)], "4111111111111111").await;
    assert_eq!(status, 200, "{body}");
    let id = body["gift"]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["gift"]["status"], "scheduled");
    assert_eq!(body["gift"]["claim_expiry_date"], T0 + 2 * DAY + 30 * DAY, "the site's 30-day window");
    assert_eq!(body["gift"]["gifter"]["note"], "Happy birthday!");
    assert_eq!(body["subscription"]["status"], "future");
    assert_eq!(body["subscription"]["customer_id"], "rita");
    assert_eq!(
        (body["invoice"]["customer_id"].as_str(), body["invoice"]["status"].as_str()),
        (Some("gina"), Some("paid"))
    );
    assert_eq!(body["invoice"]["total"], 12_000);

    let (status, early) = json(api_form(&app, &format!("gifts/{id}/claim"), &[], None).await).await;
    assert_eq!((status, early["api_error_code"].as_str()), (400, Some("invalid_state_for_request")));

    travel_to(&app, T0 + 2 * DAY + 1).await;
    assert_eq!(gift(&app, &id).await["gift"]["status"], "unclaimed");

    let (status, claimed) = json(api_form(&app, &format!("gifts/{id}/claim"), &[], None).await).await;
    assert_eq!(status, 200, "{claimed}");
    assert_eq!(claimed["gift"]["status"], "claimed");
    let sub = &claimed["subscription"];
    assert_eq!(sub["status"], "non_renewing");
    assert_eq!(sub["current_term_start"], T0 + 2 * DAY + 1, "the term starts at the claim");
    assert_eq!(sub["current_term_end"], T0 + 2 * DAY + 1 + 90 * DAY);
    let timeline: Vec<&str> =
        claimed["gift"]["gift_timelines"].as_array().unwrap().iter().map(|t| t["status"].as_str().unwrap()).collect();
    assert_eq!(timeline, ["scheduled", "unclaimed", "claimed"]);

    let (status, again) = json(api_form(&app, &format!("gifts/{id}/claim"), &[], None).await).await;
    assert_eq!(status, 400);
    assert!(again["message"].as_str().unwrap().contains("already been claimed"));
    let (status, _) = json(api_form(&app, &format!("gifts/{id}/cancel"), &[], None).await).await;
    assert_eq!(status, 400, "a claimed gift cannot be cancelled");

    // Non-renewing: cancelled at the end of its term, and never reactivated.
    travel_to(&app, T0 + 2 * DAY + 1 + 90 * DAY).await;
    let after = gift(&app, &id).await;
    assert_eq!(after["subscription"]["status"], "cancelled");
    assert_eq!(after["gift"]["status"], "claimed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_claims_of_one_gift_make_one_claim() {
    let app = spawn().await;
    customers(&app).await;
    let (_, body) = buy(&app, &[], "4111111111111111").await;
    let id = body["gift"]["id"].as_str().unwrap().to_owned();
    assert_eq!(body["gift"]["status"], "unclaimed", "no scheduled_at: notified at once");
    let mut claims = tokio::task::JoinSet::new();
    for _ in 0..50 {
        let url = app.url(&format!("/api/v2/gifts/{id}/claim"));
        claims.spawn(async move {
            common::client().post(url).basic_auth(common::API_KEY, Some("")).send().await.unwrap().status().as_u16()
        });
    }
    let statuses = claims.join_all().await;
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 49, "{statuses:?}");
    let (claimed,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM engine_events WHERE event_type = 'gift_claimed'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(claimed, 1);
}

#[tokio::test]
async fn unclaimed_gifts_expire_and_their_subscription_is_cancelled() {
    let app = spawn().await;
    customers(&app).await;
    let expiry = (T0 + 5 * DAY).to_string();
    let (status, body) = buy(&app, &[("claim_expiry_date", &expiry)], "4111111111111111").await;
    assert_eq!(status, 200, "{body}");
    let id = body["gift"]["id"].as_str().unwrap().to_owned();
    travel_to(&app, T0 + 5 * DAY).await;
    let g = gift(&app, &id).await;
    assert_eq!(
        (g["gift"]["status"].as_str(), g["subscription"]["status"].as_str()),
        (Some("expired"), Some("cancelled"))
    );
    let (status, body) = json(api_form(&app, &format!("gifts/{id}/claim"), &[], None).await).await;
    assert_eq!(status, 400);
    assert!(body["message"].as_str().unwrap().contains("expired"));
}

#[tokio::test]
async fn auto_claim_cancel_and_reschedule_follow_their_rules() {
    let app = spawn().await;
    customers(&app).await;
    let (_, auto) = buy(&app, &[("auto_claim", "true")], "4111111111111111").await;
    assert_eq!(auto["gift"]["status"], "claimed");
    assert!(auto["gift"]["claim_expiry_date"].is_null());
    assert_eq!(auto["subscription"]["status"], "non_renewing");

    let at = (T0 + 10 * DAY).to_string();
    let (_, scheduled) = buy(&app, &[("scheduled_at", &at)], "4111111111111111").await;
    let id = scheduled["gift"]["id"].as_str().unwrap().to_owned();
    let update = format!("gifts/{id}/update_gift");
    let new_at = (T0 + 3 * DAY).to_string();
    let (status, moved) = json(api_form(&app, &update, &[("scheduled_at", &new_at)], None).await).await;
    assert_eq!((status, moved["gift"]["scheduled_at"].as_i64()), (200, Some(T0 + 3 * DAY)));
    assert_eq!(moved["gift"]["resource_version"], 2);
    let past = (T0 - 1).to_string();
    assert_eq!(json(api_form(&app, &update, &[("scheduled_at", &past)], None).await).await.0, 400);
    for far in ["9223372036854775000", "4611686018427387904"] {
        let (status, body) = json(api_form(&app, &update, &[("scheduled_at", far)], None).await).await;
        assert_eq!((status, body["param"].as_str()), (400, Some("scheduled_at")), "{far} is past year 9999");
        let (status, body) = buy(&app, &[("scheduled_at", far)], "4111111111111111").await;
        assert_eq!((status, body["param"].as_str()), (400, Some("scheduled_at")), "nothing is bought for {far}");
    }
    let beyond = (T0 + 10 * DAY + 30 * DAY).to_string();
    let (status, body) = json(api_form(&app, &update, &[("scheduled_at", &beyond)], None).await).await;
    assert_eq!((status, body["param"].as_str()), (400, Some("scheduled_at")), "not after the claim expiry");

    let (status, cancelled) = json(api_form(&app, &format!("gifts/{id}/cancel"), &[], None).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        (cancelled["gift"]["status"].as_str(), cancelled["subscription"]["status"].as_str()),
        (Some("cancelled"), Some("cancelled"))
    );
    assert_eq!(
        json(api_form(&app, &update, &[("scheduled_at", &new_at)], None).await).await.0,
        400,
        "only scheduled gifts move"
    );
    travel_to(&app, T0 + 4 * DAY).await;
    assert_eq!(gift(&app, &id).await["gift"]["status"], "cancelled", "a cancelled gift is never notified");
}

#[tokio::test]
async fn purchase_parameters_are_validated_and_a_decline_creates_no_gift() {
    let app = spawn().await;
    customers(&app).await;
    let soon = (T0 + DAY).to_string();
    let before = (T0 + DAY - 1).to_string();
    // (extra parameters, expected status, the parameter the error names)
    type Case<'a> = (&'a [(&'a str, &'a str)], u16, &'a str);
    let cases: [Case; 4] = [
        (&[("auto_claim", "true"), ("no_expiry", "true")], 400, "no_expiry"),
        (&[("scheduled_at", &soon), ("claim_expiry_date", &before)], 400, "claim_expiry_date"),
        (&[("scheduled_at", "1")], 400, "scheduled_at"),
        (&[("auto_claim", "maybe")], 400, "auto_claim"),
    ];
    for (extra, status, param) in cases {
        let (got, body) = buy(&app, extra, "4111111111111111").await;
        assert_eq!((got, body["param"].as_str()), (status, Some(param)), "{body}");
    }
    let mut form = vec![
        ("gifter[customer_id]", "gina"),
        ("gifter[signature]", "Gina"),
        ("gift_receiver[customer_id]", "nobody"),
        ("gift_receiver[first_name]", "N"),
        ("gift_receiver[last_name]", "O"),
        ("gift_receiver[email]", "n@o.test"),
        ("subscription_items[item_price_id][0]", PLAN),
    ];
    let (status, body) = json(api_form(&app, "gifts/create_for_items", &form, None).await).await;
    assert_eq!((status, body["param"].as_str()), (404, Some("gift_receiver[customer_id]")));
    form[2] = ("gift_receiver[customer_id]", "rita");
    form[6] = ("subscription_items[item_price_id][0]", "credits-pro-USD-monthly");
    let (status, body) = json(api_form(&app, "gifts/create_for_items", &form, None).await).await;
    assert_eq!(
        (status, body["param"].as_str()),
        (400, Some("subscription_items[item_price_id][0]")),
        "not a gift plan"
    );

    let (status, body) = buy(&app, &[], "4000000000000002").await;
    assert_eq!((status, body["api_error_code"].as_str()), (402, Some("payment_processing_failed")));
    let (gifts,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM engine_gifts").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(gifts, 0);
}

#[tokio::test]
async fn gifts_are_listed_with_filters_and_pages_and_every_change_is_an_event() {
    let app = spawn().await;
    customers(&app).await;
    let at = (T0 + DAY).to_string();
    buy(&app, &[("scheduled_at", &at)], "4111111111111111").await;
    buy(&app, &[], "4111111111111111").await;
    let (_, third) = buy(&app, &[], "4111111111111111").await;
    let id = third["gift"]["id"].as_str().unwrap();
    api_form(&app, &format!("gifts/{id}/cancel"), &[], None).await;

    let count = |v: &Value| v["list"].as_array().unwrap().len();
    assert_eq!(count(&json(api_get(&app, "gifts?status[is]=scheduled").await).await.1), 1);
    assert_eq!(count(&json(api_get(&app, "gifts?status[is]=unclaimed").await).await.1), 1);
    assert_eq!(count(&json(api_get(&app, "gifts?gifter[customer_id][is]=gina").await).await.1), 3);
    assert_eq!(count(&json(api_get(&app, "gifts?gift_receiver[email][is]=RITA@example.test").await).await.1), 3);
    assert_eq!(count(&json(api_get(&app, "gifts?gifter[customer_id][is]=rita").await).await.1), 0);
    assert_eq!(json(api_get(&app, "gifts?status[is]=lost").await).await.0, 400);
    let (_, page) = json(api_get(&app, "gifts?limit=2").await).await;
    assert_eq!(count(&page), 2);
    let next = page["next_offset"].as_str().unwrap();
    let (_, rest) = json(api_get(&app, &format!("gifts?limit=2&offset={next}")).await).await;
    assert_eq!(count(&rest), 1);
    assert!(rest.get("next_offset").is_none());

    let (_, events) = json(api_get(&app, "events?limit=100").await).await;
    let types: Vec<&str> =
        events["list"].as_array().unwrap().iter().map(|e| e["event"]["event_type"].as_str().unwrap()).collect();
    for t in ["gift_scheduled", "gift_unclaimed", "gift_cancelled", "payment_succeeded"] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
    let scheduled =
        events["list"].as_array().unwrap().iter().find(|e| e["event"]["event_type"] == "gift_scheduled").unwrap();
    assert!(scheduled["event"]["content"]["gift"]["id"].as_str().is_some(), "gift events carry the gift");
}
