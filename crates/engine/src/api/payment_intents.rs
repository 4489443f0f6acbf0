//! `POST /payment_intents` and `GET /payment_intents/{id}`: the server side of a card payment. The browser
//! side, authorizing the intent with the card, is in `browser`.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::{get, post};

use super::form::Form;
use super::{ApiResult, ApiState, json};
use growthkit_wire::NewPaymentIntent;

pub(super) fn routes() -> Router<ApiState> {
    Router::new().route("/payment_intents", post(create)).route("/payment_intents/{id}", get(retrieve))
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
