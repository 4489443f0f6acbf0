//! `POST /webhooks/chargebee`: billing events from Chargebee (or the built-in engine, which registers
//! this endpoint at start-up). Deliveries must present the configured HTTP Basic credentials; events may
//! arrive twice or out of order, so every feature applies them idempotently. A 2xx tells billing the
//! event is handled (or unusable); a 5xx makes it retry later.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use subtle::ConstantTimeEq;

use crate::state::AppState;

pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&state, &headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    // Whatever cannot be read is acknowledged (and logged): billing would only retry it forever.
    let raw: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(raw) => raw,
        Err(err) => {
            tracing::warn!("webhook body is not JSON, acknowledged and dropped: {err}");
            return StatusCode::OK.into_response();
        }
    };
    // Only ids are read from an event; what they name is read back from billing, so a forged or stale
    // body changes nothing. Other event types are acknowledged without reading their content.
    let kind = raw.get("event_type").and_then(|t| t.as_str()).unwrap_or_default();
    let id_at = |pointer: &str| raw.pointer(pointer).and_then(|v| v.as_str()).filter(|id| valid_id(id));
    let handled = if kind.starts_with("gift_") {
        let Some(gift_id) = id_at("/content/gift/id") else { return dropped(kind) };
        crate::gifts::service::on_event(&state, gift_id).await.map(|()| format!("gift {gift_id}"))
    } else if kind == "offer_fulfillment_created" {
        let Some(id) = id_at("/content/offer_fulfillment/id") else { return dropped(kind) };
        crate::offers::service::on_fulfillment_event(&state, id).await.map(|()| format!("fulfillment {id}"))
    } else if kind == "payment_succeeded" {
        let Some(id) = id_at("/content/invoice/id") else { return dropped(kind) };
        crate::credits::service::apply_payment(&state, id).await.map(|effect| format!("invoice {id}: {effect:?}"))
    } else {
        tracing::debug!(kind, "webhook acknowledged, nothing to do");
        return StatusCode::OK.into_response();
    };
    match handled {
        Ok(what) => {
            tracing::info!(kind, "webhook handled: {what}");
            StatusCode::OK.into_response()
        }
        // Billing (or our own billing call) failed: a 5xx so billing delivers the event again later.
        Err(err) => {
            tracing::error!(kind, "webhook not handled: {err}");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// An event of a kind we handle that lacks what it is about: acknowledged, logged, never retried.
fn dropped(kind: &str) -> Response {
    tracing::warn!(kind, "webhook event without a usable id, acknowledged and dropped");
    StatusCode::OK.into_response()
}

/// Chargebee ids: up to 100 characters of letters, digits, `_`, `-` and `.`.
fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 100
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
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
