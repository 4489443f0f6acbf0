//! `POST /payment_intents` and `GET /payment_intents/{id}`: the server side of a card payment. The browser
//! side, authorizing the intent with the card, is in `browser`. Also `GET /hosted_pages/{id}`, the other
//! way a customer pays on billing's own address.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};

use super::form::Form;
use super::{ApiResult, ApiState, json};
use growthkit_wire::NewPaymentIntent;

pub(super) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/payment_intents", post(create))
        .route("/payment_intents/{id}", get(retrieve))
        .route("/hosted_pages/{id}", get(hosted_page))
}

/// `GET /hosted_pages/{id}`: a checkout page a `checkout` offer option opened, with its `state`.
async fn hosted_page(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "hosted_page": s.engine.hosted_page(&id).await? }))
}

async fn create(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    let req = NewPaymentIntent {
        amount: form.integer("amount")?,
        currency_code: form.required("currency_code")?.to_owned(),
        customer_id: form.optional("customer_id").map(str::to_owned),
    };
    json(serde_json::json!({ "payment_intent": s.engine.create_payment_intent(&req).await? }))
}

async fn retrieve(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "payment_intent": s.engine.payment_intent(&id).await? }))
}
