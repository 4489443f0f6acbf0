//! `POST /webhooks/chargebee`: billing events from Chargebee (or the built-in engine, which registers
//! this endpoint at start-up). Deliveries must present the configured HTTP Basic credentials; events may
//! arrive twice or out of order, so every feature applies them idempotently by event id. A 2xx tells
//! billing the event is handled; a 5xx makes it retry later.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use subtle::ConstantTimeEq;

use crate::state::AppState;
use growthkit_wire::Event;

pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&state, &headers) {
        return (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, "Basic realm=\"growthkit-webhooks\"")], "")
            .into_response();
    }
    let raw: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(raw) => raw,
        Err(err) => {
            tracing::warn!("webhook body is not JSON: {err}");
            return (StatusCode::BAD_REQUEST, "not a Chargebee event").into_response();
        }
    };
    // Gift, payment and offer-fulfillment events matter. Others are acknowledged without reading their content, so a
    // resource shape we do not model never makes billing retry an event we would ignore anyway.
    let kind = raw.get("event_type").and_then(|t| t.as_str()).unwrap_or_default();
    if kind.starts_with("gift_") {
        // Only the gift's id is read: the gift's e-mails follow its current state, read from billing.
        let Some(gift_id) = raw.pointer("/content/gift/id").and_then(|g| g.as_str()) else {
            return (StatusCode::BAD_REQUEST, "gift event without a gift").into_response();
        };
        return match crate::gifts::service::on_event(&state, gift_id).await {
            Ok(()) => StatusCode::OK.into_response(),
            Err(err) => {
                tracing::error!(gift_id, kind, "gift event not handled: {err}");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        };
    }
    if kind == "offer_fulfillment_created" {
        let Some(id) = raw.pointer("/content/offer_fulfillment/id").and_then(|f| f.as_str()) else {
            tracing::warn!("fulfillment event without a fulfillment");
            return StatusCode::OK.into_response();
        };
        return match crate::offers::service::on_fulfillment_event(&state, id).await {
            Ok(()) => StatusCode::OK.into_response(),
            Err(err) => {
                tracing::error!(fulfillment_id = id, "fulfillment event not handled: {err}");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        };
    }
    if kind != "payment_succeeded" {
        tracing::debug!(kind, "webhook acknowledged, nothing to do");
        return StatusCode::OK.into_response();
    }
    let event: Event = match serde_json::from_value(raw) {
        Ok(event) => event,
        Err(err) => {
            tracing::warn!("payment event unreadable: {err}");
            return (StatusCode::BAD_REQUEST, "unreadable payment event").into_response();
        }
    };
    match crate::credits::service::apply_event(&state, &event).await {
        Ok(effect) => {
            tracing::info!(event = %event.id, kind = %event.event_type, ?effect, "webhook handled");
            StatusCode::OK.into_response()
        }
        Err(err) => {
            tracing::error!(event = %event.id, "webhook not handled: {err}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Compares the Basic credentials in constant time, so timing reveals nothing about the password.
fn authorized(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(encoded) =
        headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else { return false };
    let expected = format!("{}:{}", state.config.webhook_user, state.config.webhook_password);
    decoded.ct_eq(expected.as_bytes()).into()
}
