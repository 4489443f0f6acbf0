//! HTTP Basic authentication with the site API key as user name and an empty password, as Chargebee does.

use axum::extract::{Request, State};
use axum::http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use subtle::ConstantTimeEq;

use super::ApiState;
use growthkit_wire::ApiError;

use super::Refusal;

/// The API key from an `Authorization: Basic …` header, if well formed.
fn presented_key(req: &Request) -> Option<String> {
    let value = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    Some(decoded.split_once(':').map(|(user, _)| user.to_owned()).unwrap_or(decoded))
}

/// Axum middleware: 401 with Chargebee's error body unless the right API key is presented.
pub async fn require_api_key(State(state): State<ApiState>, req: Request, next: Next) -> Response {
    let ok = presented_key(&req).is_some_and(|key| bool::from(key.as_bytes().ct_eq(state.api_key.as_bytes())));
    if ok {
        return next.run(req).await;
    }
    let mut res = Refusal(ApiError::unauthenticated()).into_response();
    res.headers_mut().insert(WWW_AUTHENTICATE, axum::http::HeaderValue::from_static("Basic realm=\"growthkit\""));
    res
}
