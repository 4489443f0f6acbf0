//! Growth: personalized offers, offer events and offer fulfillments (JSON bodies, on the `grow` host).

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::Value;

use super::{ApiResult, ApiState, body, json, required};
use growthkit_wire::{ApiError, FulfillmentEnvelope, FulfillmentStatus, OfferEventType, PersonalizedOffersRequest};

pub(super) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/personalized_offers", post(personalized_offers))
        .route("/offer_events", post(offer_events))
        .route("/offer_fulfillments", post(create_fulfillment))
        .route("/offer_fulfillments/{id}", get(retrieve_fulfillment).post(update_fulfillment))
}

async fn personalized_offers(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let req: PersonalizedOffersRequest = body(&bytes)?;
    json(s.engine.personalized_offers(&req).await?)
}

async fn offer_events(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let v: Value = body(&bytes)?;
    let po = required(&v, "personalized_offer_id")?;
    let kind = match required(&v, "type")? {
        "viewed" => OfferEventType::Viewed,
        "dismissed" => OfferEventType::Dismissed,
        other => {
            return Err(ApiError::param("type", format!("type : {other} is not one of viewed, dismissed")).into());
        }
    };
    s.engine.record_offer_event(po, kind).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn create_fulfillment(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let v: Value = body(&bytes)?;
    let f = s.engine.create_fulfillment(required(&v, "personalized_offer_id")?, required(&v, "option_id")?).await?;
    json(f)
}

async fn retrieve_fulfillment(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(FulfillmentEnvelope::new(s.engine.retrieve_fulfillment(&id).await?))
}

async fn update_fulfillment(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    let v: Value = body(&bytes)?;
    // Chargebee's SDKs send the id in the body as well as the path; when both are given they must agree.
    if let Some(body_id) = v.get("id").and_then(Value::as_str)
        && body_id != id
    {
        return Err(ApiError::param("id", "id in the body does not match the path").into());
    }
    let status = match required(&v, "status")? {
        "completed" => FulfillmentStatus::Completed,
        "failed" => FulfillmentStatus::Failed,
        other => {
            return Err(ApiError::param("status", format!("status : {other} is not one of completed, failed")).into());
        }
    };
    let reason = v.get("failure_reason").and_then(Value::as_str);
    json(FulfillmentEnvelope::new(s.engine.update_fulfillment(&id, status, reason).await?))
}
