//! The engine's `/api/v2` over real HTTP: every endpoint, its errors, idempotency and time travel.
#![cfg(feature = "ssr")]

mod common;

use common::{API_KEY, T0, acme_offer_request, api_form, api_get, api_post, client, spawn};
use growthkit_wire::FULFILLMENT_EXISTS;
use serde_json::{Value, json};

async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.expect("json body")
}

/// Decides the demo offer and returns its personalized offer id.
async fn decide(app: &common::TestApp) -> String {
    let res = api_post(app, "personalized_offers", acme_offer_request(false), None).await;
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    body["personalized_offers"][0]["id"].as_str().expect("an offer").to_owned()
}

async fn accept(app: &common::TestApp, po: &str) -> reqwest::Response {
    api_post(app, "offer_fulfillments", json!({"personalized_offer_id": po, "option_id": "unlock_now"}), None).await
}

#[tokio::test]
async fn requests_without_the_api_key_are_refused_in_chargebee_format() {
    let app = spawn().await;
    for auth in [None, Some("wrong_key")] {
        let mut req = client().post(app.url("/api/v2/personalized_offers")).json(&acme_offer_request(false));
        if let Some(key) = auth {
            req = req.basic_auth(key, Some(""));
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 401);
        // No challenge: a browser would keep credentials typed into its prompt for any page to reuse.
        assert!(!res.headers().contains_key("www-authenticate"));
        let body = json_of(res).await;
        assert_eq!(body["api_error_code"], "api_authentication_failed");
        assert!(body["message"].as_str().unwrap().contains("authentication failed"));
    }
}

#[tokio::test]
async fn the_gated_customer_gets_the_analytics_offer_with_a_stable_id() {
    let app = spawn().await;
    let res = api_post(&app, "personalized_offers", acme_offer_request(false), None).await;
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    let offers = body["personalized_offers"].as_array().unwrap();
    assert_eq!(offers.len(), 1, "at most one offer");
    let offer = &offers[0];
    assert_eq!(offer["offer_id"], "offer_advanced_analytics");
    let id = offer["id"].as_str().unwrap();
    assert!(id.starts_with("offer_advanced_analytics_") && id.len() == "offer_advanced_analytics_".len() + 8);
    assert!(offer["content"]["title"].as_str().unwrap().contains("Unlock Advanced Analytics"));
    assert_eq!(offer["options"][0]["id"], "unlock_now");
    assert_eq!(offer["options"][0]["processing_type"], "url_redirect");
    assert_eq!(offer["options"][0]["redirect_url"], "/upgrade/analytics");
    assert_eq!(body["expires_at"], T0 + 86_400);
    assert_eq!(decide(&app).await, id, "the same customer and subscription get the same id");
}

#[tokio::test]
async fn no_matching_play_is_an_empty_list_not_an_error() {
    let app = spawn().await;
    for body in [
        acme_offer_request(true),
        json!({"customer_id": "demo_acme", "subscription_id": "demo_acme_sub"}),
        json!({"customer_id": "demo_acme", "subscription_id": "demo_acme_sub", "custom": {"has_advanced_analytics": "maybe"}}),
    ] {
        let res = api_post(&app, "personalized_offers", body, None).await;
        assert_eq!(res.status(), 200);
        let body = json_of(res).await;
        assert_eq!(body["personalized_offers"], json!([]));
        assert!(body["expires_at"].as_i64().is_some(), "an empty answer still says until when it holds");
    }
}

#[tokio::test]
async fn decision_input_errors() {
    let app = spawn().await;
    let cases = [
        (json!({}), 400, "param_wrong_value", "customer_id"),
        (json!({"customer_id": "nobody"}), 404, "resource_not_found", "customer_id"),
        (json!({"customer_id": "demo_acme", "subscription_id": "nope"}), 404, "resource_not_found", "subscription_id"),
        (json!({"customer_id": "x".repeat(51)}), 400, "param_wrong_value", "customer_id"),
    ];
    for (body, status, code, param) in cases {
        let res = api_post(&app, "personalized_offers", body.clone(), None).await;
        assert_eq!(res.status(), status, "{body}");
        let err = json_of(res).await;
        assert_eq!(err["api_error_code"], code, "{body}");
        assert_eq!(err["param"], param, "{body}");
        assert_eq!(err["type"], "invalid_request");
        assert_eq!(err["http_status_code"], status);
    }
    let res = client()
        .post(app.url("/api/v2/personalized_offers"))
        .basic_auth(API_KEY, Some(""))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json_of(res).await["api_error_code"], "invalid_request");
}

#[tokio::test]
async fn offer_events_answer_204_and_a_dismissal_starts_the_cooldown() {
    let app = spawn().await;
    let po = decide(&app).await;
    let res = api_post(&app, "offer_events", json!({"personalized_offer_id": po, "type": "viewed"}), None).await;
    assert_eq!(res.status(), 204);
    assert_eq!(res.text().await.unwrap(), "");

    let res = api_post(&app, "offer_events", json!({"personalized_offer_id": po, "type": "dismissed"}), None).await;
    assert_eq!(res.status(), 204);
    let body = json_of(api_post(&app, "personalized_offers", acme_offer_request(false), None).await).await;
    assert_eq!(body["personalized_offers"], json!([]), "hidden during the cooldown");

    // Three days is the default cooldown: one second short, still hidden; past it, back with the same id.
    let travel =
        |to: i64| api_post(&app, "time_machines/delorean/travel_forward", json!({"destination_time": to}), None);
    assert_eq!(travel(T0 + 3 * 86_400 - 1).await.status(), 200);
    let body = json_of(api_post(&app, "personalized_offers", acme_offer_request(false), None).await).await;
    assert_eq!(body["personalized_offers"], json!([]));
    assert_eq!(travel(T0 + 3 * 86_400).await.status(), 200);
    assert_eq!(decide(&app).await, po);
}

#[tokio::test]
async fn offer_event_errors() {
    let app = spawn().await;
    let po = decide(&app).await;
    let cases = [
        (json!({"type": "viewed"}), 400, "personalized_offer_id"),
        (json!({"personalized_offer_id": po}), 400, "type"),
        (json!({"personalized_offer_id": po, "type": "accepted"}), 400, "type"),
        (
            json!({"personalized_offer_id": "offer_advanced_analytics_00000000", "type": "viewed"}),
            404,
            "personalized_offer_id",
        ),
    ];
    for (body, status, param) in cases {
        let res = api_post(&app, "offer_events", body.clone(), None).await;
        assert_eq!(res.status(), status, "{body}");
        assert_eq!(json_of(res).await["param"], param, "{body}");
    }
}

#[tokio::test]
async fn a_fulfillment_runs_from_in_progress_to_completed_and_then_never_changes() {
    let app = spawn().await;
    let po = decide(&app).await;
    let res = accept(&app, &po).await;
    assert_eq!(res.status(), 200);
    let f = json_of(res).await["offer_fulfillment"].clone();
    assert_eq!(f["status"], "in_progress");
    assert_eq!(f["personalized_offer_id"], po);
    assert_eq!(f["option_id"], "unlock_now");
    assert_eq!(f["processing_type"], "url_redirect");
    assert_eq!(f["redirect_url"], "/upgrade/analytics");
    assert_eq!(f["created_at"], T0);
    let id = f["id"].as_str().unwrap().to_owned();

    // Accepted offers are not decided again for that subscription.
    let body = json_of(api_post(&app, "personalized_offers", acme_offer_request(false), None).await).await;
    assert_eq!(body["personalized_offers"], json!([]));

    let got = json_of(api_get(&app, &format!("offer_fulfillments/{id}")).await).await;
    assert_eq!(got["offer_fulfillment"]["status"], "in_progress");

    let res = api_post(&app, &format!("offer_fulfillments/{id}"), json!({"id": id, "status": "completed"}), None).await;
    assert_eq!(res.status(), 200);
    let done = json_of(res).await["offer_fulfillment"].clone();
    assert_eq!(done["status"], "completed");
    assert_eq!(done["completed_at"], T0);

    for body in [json!({"status": "failed", "failure_reason": "late"}), json!({"status": "completed"})] {
        let res = api_post(&app, &format!("offer_fulfillments/{id}"), body, None).await;
        assert_eq!(res.status(), 400);
        assert_eq!(json_of(res).await["api_error_code"], "invalid_state_for_request");
    }
}

#[tokio::test]
async fn a_second_acceptance_is_refused_with_chargebees_message() {
    let app = spawn().await;
    let po = decide(&app).await;
    assert_eq!(accept(&app, &po).await.status(), 200);
    let res = accept(&app, &po).await;
    assert_eq!(res.status(), 400);
    let err = json_of(res).await;
    assert_eq!(err["message"], FULFILLMENT_EXISTS);
    assert_eq!(err["api_error_code"], "invalid_state_for_request");
}

#[tokio::test]
async fn a_failed_fulfillment_needs_a_reason_and_frees_the_offer_again() {
    let app = spawn().await;
    let po = decide(&app).await;
    let id = json_of(accept(&app, &po).await).await["offer_fulfillment"]["id"].as_str().unwrap().to_owned();
    let path = format!("offer_fulfillments/{id}");

    for body in [json!({"status": "failed"}), json!({"status": "failed", "failure_reason": "   "})] {
        let res = api_post(&app, &path, body, None).await;
        assert_eq!(res.status(), 400);
        assert_eq!(json_of(res).await["param"], "failure_reason");
    }
    let res = api_post(&app, &path, json!({"status": "in_progress"}), None).await;
    assert_eq!(json_of(res).await["param"], "status");
    let res = api_post(&app, &path, json!({"id": "other", "status": "completed"}), None).await;
    assert_eq!(json_of(res).await["param"], "id");

    let res = api_post(&app, &path, json!({"status": "failed", "failure_reason": "Card declined"}), None).await;
    assert_eq!(res.status(), 200);
    let f = json_of(res).await["offer_fulfillment"].clone();
    assert_eq!(f["status"], "failed");
    assert_eq!(f["failed_at"], T0);
    assert_eq!(f["error"]["code"], "external_fulfillment_failed");
    assert_eq!(f["error"]["message"], "Card declined");

    // After a failure the offer is decided again and can be accepted afresh (a retry).
    assert_eq!(decide(&app).await, po);
    assert_eq!(accept(&app, &po).await.status(), 200);
}

#[tokio::test]
async fn fulfillment_lookup_errors() {
    let app = spawn().await;
    let res = api_get(&app, "offer_fulfillments/ful_missing").await;
    assert_eq!(res.status(), 404);
    assert_eq!(json_of(res).await["api_error_code"], "resource_not_found");
    let res =
        api_post(&app, "offer_fulfillments", json!({"personalized_offer_id": "nope_00000000", "option_id": "x"}), None)
            .await;
    assert_eq!(res.status(), 404);
    let po = decide(&app).await;
    let res =
        api_post(&app, "offer_fulfillments", json!({"personalized_offer_id": po, "option_id": "other"}), None).await;
    assert_eq!(res.status(), 400);
    assert_eq!(json_of(res).await["param"], "option_id");
    let res = api_post(&app, "offer_fulfillments", json!({"personalized_offer_id": po}), None).await;
    assert_eq!(json_of(res).await["param"], "option_id");
}

#[tokio::test]
async fn an_untouched_fulfillment_fails_after_seven_days() {
    let app = spawn().await;
    let po = decide(&app).await;
    let id = json_of(accept(&app, &po).await).await["offer_fulfillment"]["id"].as_str().unwrap().to_owned();
    let travel =
        |to: i64| api_post(&app, "time_machines/delorean/travel_forward", json!({"destination_time": to}), None);

    travel(T0 + 7 * 86_400 - 1).await;
    let f = json_of(api_get(&app, &format!("offer_fulfillments/{id}")).await).await;
    assert_eq!(f["offer_fulfillment"]["status"], "in_progress");

    let res = travel(T0 + 8 * 86_400).await;
    assert_eq!(json_of(res).await["time_machine"]["destination_time"], T0 + 8 * 86_400);
    let f = json_of(api_get(&app, &format!("offer_fulfillments/{id}")).await).await["offer_fulfillment"].clone();
    assert_eq!(f["status"], "failed");
    assert_eq!(f["error"]["code"], "external_fulfillment_failed");
    let res = api_post(&app, &format!("offer_fulfillments/{id}"), json!({"status": "completed"}), None).await;
    assert_eq!(res.status(), 400, "terminal");
}

#[tokio::test]
async fn time_travel_only_goes_forward_and_survives_a_restart() {
    let app = spawn().await;
    let res = api_post(&app, "time_machines/delorean/travel_forward", json!({"destination_time": T0 - 1}), None).await;
    assert_eq!(res.status(), 400);
    assert_eq!(json_of(res).await["param"], "destination_time");
    let res = api_post(&app, "time_machines/other/travel_forward", json!({"destination_time": T0 + 1}), None).await;
    assert_eq!(res.status(), 404);
    // A time past year 9999 is refused at the edge: the clock, and every page that reads it, carry on.
    for far in [i64::MAX, growthkit_clock::MAX_TIMESTAMP + 1] {
        let res = api_post(&app, "time_machines/delorean/travel_forward", json!({"destination_time": far}), None).await;
        assert_eq!(res.status(), 400);
        assert_eq!(json_of(res).await["param"], "destination_time");
    }
    assert_eq!(app.state.clock.now(), T0);
    assert_eq!(client().get(format!("{}/login", app.base)).send().await.unwrap().status(), 200);
    api_post(&app, "time_machines/delorean/travel_forward", json!({"destination_time": T0 + 500}), None).await;
    let got = json_of(api_get(&app, "time_machines/delorean").await).await;
    assert_eq!(got["time_machine"]["destination_time"], T0 + 500);

    // A restart on the same database keeps the engine's time.
    let restarted =
        growthkit::server::boot(common::test_config(&app.db_path), growthkit_clock::Clock::fixed(T0)).await.unwrap();
    assert_eq!(restarted.clock.now(), T0 + 500);
}

#[tokio::test]
async fn an_idempotent_replay_returns_the_same_answer_and_changes_nothing() {
    let app = spawn().await;
    let po = decide(&app).await;
    let body = json!({"personalized_offer_id": po, "option_id": "unlock_now"});
    let first = api_post(&app, "offer_fulfillments", body.clone(), Some("accept-1")).await;
    assert_eq!(first.status(), 200);
    assert!(first.headers().get("chargebee-idempotency-replayed").is_none());
    let first = json_of(first).await;

    let again = api_post(&app, "offer_fulfillments", body.clone(), Some("accept-1")).await;
    assert_eq!(again.status(), 200, "a replay, not a duplicate error");
    assert_eq!(again.headers().get("chargebee-idempotency-replayed").unwrap(), "true");
    assert_eq!(json_of(again).await, first);

    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM engine_offer_fulfillments").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(count, 1);

    let other =
        api_post(&app, "offer_fulfillments", json!({"personalized_offer_id": po, "option_id": "x"}), Some("accept-1"))
            .await;
    assert_eq!(other.status(), 409);
    assert_eq!(json_of(other).await["api_error_code"], "idempotency_key_conflict");

    // 204 answers replay too.
    let event = json!({"personalized_offer_id": po, "type": "viewed"});
    assert_eq!(api_post(&app, "offer_events", event.clone(), Some("view-1")).await.status(), 204);
    let replay = api_post(&app, "offer_events", event, Some("view-1")).await;
    assert_eq!(replay.status(), 204);
    assert_eq!(replay.headers().get("chargebee-idempotency-replayed").unwrap(), "true");
    let (views,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM engine_offer_events WHERE type = 'viewed'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(views, 1);

    let long = "k".repeat(101);
    let res = api_post(&app, "offer_events", json!({}), Some(&long)).await;
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn fifty_concurrent_acceptances_create_exactly_one_fulfillment() {
    let app = std::sync::Arc::new(spawn().await);
    let po = decide(&app).await;
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (app, po) = (app.clone(), po.clone());
        tasks.push(tokio::spawn(async move { accept(&app, &po).await.status().as_u16() }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 400), "only a clear 4xx besides the winner: {statuses:?}");
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM engine_offer_fulfillments").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn unknown_api_paths_answer_in_chargebee_format() {
    let app = spawn().await;
    let res = api_get(&app, "no_such_resource").await;
    assert_eq!(res.status(), 404);
    assert_eq!(json_of(res).await["api_error_code"], "resource_not_found");
}

#[tokio::test]
async fn plan_changes_take_form_parameters_and_name_the_bad_one() {
    let app = spawn().await;
    let post = |form: Vec<(&'static str, &'static str)>| {
        client()
            .post(app.url("/api/v2/subscriptions/demo_acme_sub/update_for_items"))
            .basic_auth(API_KEY, Some(""))
            .form(&form)
            .send()
    };
    let full = vec![
        ("subscription_items[item_price_id][0]", "growth-plus-USD-monthly"),
        ("card[number]", "4111111111111111"),
        ("card[expiry_month]", "12"),
        ("card[expiry_year]", "2030"),
        ("card[cvv]", "123"),
    ];
    for (drop, param) in [(2, "card[expiry_month]"), (0, "subscription_items[item_price_id][0]")] {
        let mut form = full.clone();
        form.remove(drop);
        let res = post(form).await.unwrap();
        assert_eq!(res.status(), 400);
        assert_eq!(json_of(res).await["param"], param);
    }
    // Without a card the change is paid with the one on file, and this customer has none.
    let res = post(vec![full[0]]).await.unwrap();
    assert_eq!(res.status(), 400);
    assert_eq!(json_of(res).await["api_error_code"], "payment_method_not_present");
    let mut expired = full.clone();
    expired[3] = ("card[expiry_year]", "2020");
    assert_eq!(json_of(post(expired).await.unwrap()).await["param"], "card[expiry_year]");

    let res = post(full).await.unwrap();
    assert_eq!(res.status(), 200);
    let body = json_of(res).await;
    assert_eq!(body["subscription"]["subscription_items"][0]["item_price_id"], "growth-plus-USD-monthly");
    assert_eq!(body["invoice"]["line_items"][0]["amount"], 7_900);
    let got = json_of(api_get(&app, "subscriptions/demo_acme_sub").await).await;
    assert_eq!(got["subscription"]["current_term_start"], T0);
}

#[tokio::test]
async fn starting_afresh_clears_what_customers_did_and_keeps_the_catalog() {
    let app = spawn().await;
    let customers = |app: &common::TestApp| {
        let app = app.url("/api/v2/customers?limit=100");
        async move {
            let res = client().get(app).basic_auth(API_KEY, Some("")).send().await.unwrap();
            json_of(res).await["list"].as_array().unwrap().len()
        }
    };
    assert!(customers(&app).await > 0, "the demo data has customers");
    api_post(&app, "time_machines/delorean/travel_forward", json!({"destination_time": T0 + 5_000}), None).await;

    let res =
        api_form(&app, "time_machines/delorean/start_afresh", &[("genesis_time", &(T0 - 1).to_string())], None).await;
    assert_eq!(res.status(), 400, "before real time");
    assert_eq!(json_of(res).await["param"], "genesis_time");
    assert!(customers(&app).await > 0, "a refused request deletes nothing");

    let res =
        api_form(&app, "time_machines/delorean/start_afresh", &[("genesis_time", &(T0 + 60).to_string())], None).await;
    assert_eq!(res.status(), 200);
    let machine = json_of(res).await;
    assert_eq!(machine["time_machine"]["destination_time"], T0 + 60, "time went back to the genesis");
    assert_eq!(machine["time_machine"]["genesis_time"], T0 + 60);
    assert_eq!(app.state.clock.now(), T0 + 60);
    assert_eq!(customers(&app).await, 0);
    let prices = json_of(api_get(&app, "item_prices?limit=100").await).await;
    assert!(!prices["list"].as_array().unwrap().is_empty(), "the catalog stays");

    // The new history starts clean: a customer can be created, and a restart keeps the genesis clock.
    let res = api_form(&app, "customers", &[("id", "fresh_start"), ("email", "fresh@example.test")], None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(customers(&app).await, 1);
    let restarted =
        growthkit::server::boot(common::test_config(&app.db_path), growthkit_clock::Clock::fixed(T0)).await.unwrap();
    assert_eq!(restarted.clock.now(), T0 + 60);
}

#[tokio::test]
async fn checkout_and_webhook_options_answer_as_their_processing_types_say() {
    let app = spawn().await;
    let mut def = app.state.engine.offers().await.unwrap().remove(0);
    def.options[0].shown.processing_type = growthkit_wire::ProcessingType::Checkout;
    def.options[0].shown.redirect_url = Some("https://app.example.test/back".into());
    def.options[0].item_price_id = Some("growth-plus-USD-monthly".into());
    app.state.engine.save_offer(def.clone()).await.unwrap();

    let created = json_of(accept(&app, &decide(&app).await).await).await;
    let f = &created["offer_fulfillment"];
    assert_eq!((f["processing_type"].as_str(), f["status"].as_str()), (Some("checkout"), Some("in_progress")));
    assert!(f.get("redirect_url").is_none(), "a checkout's answer carries the page, not a redirect");
    let page = &created["hosted_page"];
    assert_eq!((page["type"].as_str(), page["state"].as_str()), (Some("checkout_existing"), Some("created")));
    assert_eq!(page["object"], "hosted_page");
    let id = page["id"].as_str().unwrap();
    assert_eq!(page["url"], format!("{}/pages/v4/{id}/", app.engine_base));
    assert_eq!(page["expires_at"], T0 + 3 * 3_600);
    let got = json_of(api_get(&app, &format!("hosted_pages/{id}")).await).await;
    assert_eq!(got["hosted_page"]["id"], id);
    assert_eq!(api_get(&app, "hosted_pages/hp_nope").await.status(), 404);

    // A webhook option: billing sends offer_fulfillment_created with the fulfillment; no page, no redirect.
    let mut failed = json!({"status": "failed", "failure_reason": "switching the option"});
    failed["id"] = f["id"].clone();
    api_post(&app, &format!("offer_fulfillments/{}", f["id"].as_str().unwrap()), failed, None).await;
    def.options[0].shown.processing_type = growthkit_wire::ProcessingType::Webhook;
    app.state.engine.save_offer(def).await.unwrap();
    let created = json_of(accept(&app, &decide(&app).await).await).await;
    assert!(created.get("hosted_page").is_none());
    let fid = created["offer_fulfillment"]["id"].as_str().unwrap();
    let events = json_of(api_get(&app, "events?event_type[is]=offer_fulfillment_created").await).await;
    let list = events["list"].as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["event"]["content"]["offer_fulfillment"]["id"], fid);
    assert_eq!(list[0]["event"]["content"]["offer_fulfillment"]["processing_type"], "webhook");
}
