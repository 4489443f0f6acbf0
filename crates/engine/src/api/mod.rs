//! The engine's HTTP API under `/api/v2`, speaking Chargebee's wire format: HTTP Basic auth with the API
//! key as user name, form-encoded billing calls and JSON Growth calls, `{message, type, api_error_code, param}`
//! errors, and `chargebee-idempotency-key` on POSTs. Each resource's handlers sit in their own module and add
//! their own routes.

pub mod auth;
mod billing;
pub mod browser;
mod catalog;
mod checkout_page;
mod form;
mod gifts;
mod growth;
mod idempotency;
mod payment_intents;
mod site;
mod well_formed;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Engine;
use growthkit_wire::{ApiError, ListParams, Page};

/// What the API handlers share.
#[derive(Clone)]
pub struct ApiState {
    pub engine: Arc<Engine>,
    pub api_key: Arc<str>,
}

/// The `/api/v2` router (mount it with `nest("/api/v2", …)`), usable inside any app's router.
pub fn router<S: Clone + Send + Sync + 'static>(engine: Arc<Engine>, api_key: &str) -> Router<S> {
    let state = ApiState { engine, api_key: api_key.into() };
    Router::new()
        .merge(growth::routes())
        .merge(billing::routes())
        .merge(catalog::routes())
        .merge(gifts::routes())
        .merge(payment_intents::routes())
        .merge(site::routes())
        .fallback(unknown_path)
        .layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::replay_or_record))
        .layer(axum::middleware::from_fn(well_formed::readable_or_refused))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_api_key))
        .with_state(state)
}

/// An [`ApiError`] as an HTTP answer: its status, and Chargebee's error body. (A wrapper because the
/// error type lives in the wire crate, which knows nothing of axum.)
pub(crate) struct Refusal(pub ApiError);

impl From<ApiError> for Refusal {
    fn from(err: ApiError) -> Self {
        Refusal(err)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.http_status_code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.0)).into_response()
    }
}

type ApiResult = Result<Response, Refusal>;

fn json(value: impl serde::Serialize) -> ApiResult {
    Ok(axum::Json(value).into_response())
}

/// The same refusal naming `to` where the engine named `from`: a 2.0 call reaches the engine's one
/// implementation under its own parameter names.
fn renamed(mut err: ApiError, names: &[(&str, &str)]) -> ApiError {
    if let Some((from, to)) = names.iter().find(|(from, _)| err.param.as_deref() == Some(*from)) {
        err.message = err.message.replace(from, to);
        err.param = Some((*to).to_owned());
    }
    err
}

/// Reads a JSON body. Bodies are parsed here rather than by an extractor so every failure is a Chargebee
/// error body, never axum's plain-text rejection.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let text = if bytes.is_empty() { &b"{}"[..] } else { &bytes[..] };
    serde_json::from_slice(text)
        .map_err(|e| ApiError::invalid_request(format!("The request body is not valid JSON: {e}")))
}

/// A required string field of a JSON object body.
fn required<'a>(v: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    match v.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) | Some(Value::Null) | None => Err(ApiError::missing(field)),
        Some(_) => Err(ApiError::param(field, format!("{field} : must be a string"))),
    }
}

/// A list call's query string as list parameters.
fn list_params(raw: Option<String>) -> ListParams {
    crate::listing::query_params(raw.as_deref())
}

/// One resource under its name, as list answers wrap each entry: `{"invoice": {…}}`.
fn wrapped<T: serde::Serialize>(name: &str, page: Page<T>) -> ApiResult {
    let list: Vec<Value> = page.list.into_iter().map(|item| serde_json::json!({ name: item })).collect();
    json(Page { list, next_offset: page.next_offset })
}

async fn unknown_path() -> Refusal {
    Refusal(ApiError::not_found("path", "Sorry, we couldn't find that resource"))
}
