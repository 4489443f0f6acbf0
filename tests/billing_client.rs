//! The reqwest Chargebee client against a scripted server on loopback: it decodes Chargebee's own sample
//! answers (`tests/fixtures/chargebee/`), and follows Chargebee's client rules — a 429 waits for its
//! `Retry-After`, a 5xx is retried with backoff only where the call is safe to repeat.
#![cfg(feature = "ssr")]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use growthkit::billing::chargebee::{ChargebeeClient, Endpoint, RetryPolicy};
use growthkit::billing::{Billing, BillingError};
use growthkit_wire::{
    CreateFulfillmentRequest, FulfillmentStatus, PersonalizedOffersRequest, ProcessingType, UpdateFulfillmentRequest,
};

/// One scripted answer: status, extra headers, body.
type Answer = (u16, Vec<(&'static str, &'static str)>, String);

#[derive(Clone, Default)]
struct Script {
    answers: Arc<Mutex<VecDeque<Answer>>>,
    /// Every request seen: method, path, whether it carried an idempotency key.
    seen: Arc<Mutex<Vec<(Method, String, bool)>>>,
}

async fn answer(State(script): State<Script>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let keyed = headers.contains_key(growthkit_wire::IDEMPOTENCY_KEY_HEADER);
    script.seen.lock().unwrap().push((method, uri.path().to_owned(), keyed));
    let (status, extra, body) = script.answers.lock().unwrap().pop_front().expect("an answer is scripted");
    let mut res = (StatusCode::from_u16(status).unwrap(), body).into_response();
    res.headers_mut().insert("content-type", "application/json".parse().unwrap());
    for (name, value) in extra {
        res.headers_mut().insert(name, value.parse().unwrap());
    }
    res
}

/// Serves `answers` in order and returns a client for it, with short retry delays.
async fn scripted(answers: Vec<Answer>) -> (ChargebeeClient, Script) {
    let script = Script::default();
    script.answers.lock().unwrap().extend(answers);
    let app = Router::new().fallback(answer).with_state(script.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let policy = RetryPolicy {
        max_retries: 3,
        min_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_retry_after: Duration::from_secs(2),
    };
    (ChargebeeClient::new(Endpoint::single(&base), "test_key").unwrap().with_retry_policy(policy), script)
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/chargebee/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn ok(body: String) -> Answer {
    (200, vec![], body)
}

fn decision_request() -> PersonalizedOffersRequest {
    PersonalizedOffersRequest { customer_id: "CUSTOMER_ID".into(), ..Default::default() }
}

const UNAVAILABLE: &str =
    r#"{"message":"Service unavailable","type":"operation_failed","api_error_code":"internal_temporary_error"}"#;

#[tokio::test]
async fn chargebees_documented_growth_answers_decode() {
    let (client, _) = scripted(vec![
        ok(fixture("personalized_offers.json")),
        ok(fixture("offer_fulfillment_created.json")),
        ok(fixture("offer_fulfillment_completed.json")),
    ])
    .await;
    let decided = client.personalized_offers(&decision_request()).await.unwrap();
    assert_eq!(decided.expires_at, Some(1_732_790_400));
    let offer = &decided.personalized_offers[0];
    assert_eq!(offer.id, "vdyjO2qlLD_715653d4");
    assert_eq!(offer.options[0].processing_type, ProcessingType::UrlRedirect);
    assert_eq!(offer.options[0].processing_layout, None, "the sample has no layout");

    let create = CreateFulfillmentRequest { personalized_offer_id: offer.id.clone(), option_id: "6cd5280e".into() };
    let created = client.create_offer_fulfillment(&create, Some("k1")).await.unwrap().offer_fulfillment;
    assert_eq!((created.id.as_str(), created.status), ("507c340b", FulfillmentStatus::InProgress));
    assert_eq!(created.created_at, None, "the sample carries no created_at");

    let update =
        UpdateFulfillmentRequest { id: created.id, status: FulfillmentStatus::Completed, failure_reason: None };
    let completed = client.update_offer_fulfillment(&update, Some("k2")).await.unwrap();
    assert_eq!(completed.status, FulfillmentStatus::Completed);
}

#[tokio::test]
async fn chargebees_documented_errors_decode_with_their_status() {
    let (client, _) = scripted(vec![
        (404, vec![], fixture("error_resource_not_found.json")),
        (402, vec![], fixture("error_payment_declined.json")),
    ])
    .await;
    let missing = client.retrieve_item_price("growth-plus-USD-monthly").await.unwrap_err();
    let refusal = missing.refusal().unwrap();
    assert_eq!((refusal.http_status_code, refusal.api_error_code.as_str()), (404, "resource_not_found"));
    assert_eq!(refusal.param.as_deref(), Some("item_id"));

    let declined = client.retrieve_subscription("sub").await.unwrap_err();
    let refusal = declined.payment_problem().expect("a 402 is a payment problem");
    assert_eq!(refusal.error_cause_id.as_deref(), Some("gateway.general.decline"));
}

#[tokio::test]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let busy =
        r#"{"message":"Too many requests","type":"invalid_request","api_error_code":"api_request_limit_exceeded"}"#;
    let (client, script) =
        scripted(vec![(429, vec![("retry-after", "1")], busy.into()), ok(fixture("personalized_offers.json"))]).await;
    let started = Instant::now();
    // A POST without an idempotency key: a 429 means nothing was done, so even it is sent again.
    let decided = client.personalized_offers(&decision_request()).await.unwrap();
    assert_eq!(decided.personalized_offers.len(), 1);
    assert!(started.elapsed() >= Duration::from_millis(950), "waited {:?}", started.elapsed());
    assert_eq!(script.seen.lock().unwrap().len(), 2);
}

#[tokio::test]
async fn a_429_beyond_the_retries_is_unavailable_not_a_refusal_for_the_user() {
    let busy =
        r#"{"message":"Too many requests","type":"invalid_request","api_error_code":"api_request_limit_exceeded"}"#;
    let answers = (0..4).map(|_| (429, vec![("retry-after", "0")], busy.to_owned())).collect();
    let (client, script) = scripted(answers).await;
    let err = client.retrieve_subscription("sub").await.unwrap_err();
    assert_eq!(script.seen.lock().unwrap().len(), 4, "the first try and three retries");
    assert_eq!(err.refusal().unwrap().http_status_code, 429);
    assert_eq!(err.user_message(), None, "billing being busy is not the user's to fix");
}

#[tokio::test]
async fn a_5xx_is_retried_for_a_get_and_a_keyed_post() {
    let (client, script) = scripted(vec![
        (503, vec![], UNAVAILABLE.into()),
        (502, vec![], "<html>bad gateway</html>".into()),
        ok(fixture("offer_fulfillment_completed.json")),
        (500, vec![], UNAVAILABLE.into()),
        ok(fixture("offer_fulfillment_created.json")),
    ])
    .await;
    let fetched = client.retrieve_offer_fulfillment("507c340b").await.unwrap();
    assert_eq!(fetched.status, FulfillmentStatus::Completed);
    let create =
        CreateFulfillmentRequest { personalized_offer_id: "vdyjO2qlLD_715653d4".into(), option_id: "6cd5280e".into() };
    let created = client.create_offer_fulfillment(&create, Some("same-key")).await.unwrap().offer_fulfillment;
    assert_eq!(created.status, FulfillmentStatus::InProgress);
    let seen = script.seen.lock().unwrap();
    assert_eq!(seen.len(), 5);
    assert!(seen[3].2 && seen[4].2, "both tries of the POST carried the idempotency key");
}

#[tokio::test]
async fn a_5xx_on_a_post_without_a_key_is_not_repeated() {
    let (client, script) = scripted(vec![(503, vec![], UNAVAILABLE.into())]).await;
    let err = client.personalized_offers(&decision_request()).await.unwrap_err();
    assert!(matches!(err, BillingError::Refused(ref e) if e.http_status_code == 503), "{err:?}");
    assert_eq!(script.seen.lock().unwrap().len(), 1, "sent once: repeating it could act twice");
}

#[tokio::test]
async fn a_4xx_is_never_retried() {
    let (client, script) = scripted(vec![(404, vec![], fixture("error_resource_not_found.json"))]).await;
    client.retrieve_subscription("missing").await.unwrap_err();
    assert_eq!(script.seen.lock().unwrap().len(), 1);
}
