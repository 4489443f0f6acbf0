//! The HTTP face of idempotency keys: claim before the handler runs, store its answer after, replay it
//! with `chargebee-idempotency-replayed: true`.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::ApiState;
use growthkit_wire::ApiError;

use super::Refusal;
use crate::idempotency::{self, Claim, KEY_HEADER, REPLAYED_HEADER};

const MAX_BODY: usize = 1 << 20;

/// Axum middleware for POSTs to the engine API.
pub async fn replay_or_record(State(state): State<ApiState>, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Some(key) = req.headers().get(KEY_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        return next.run(req).await;
    };
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return Refusal(ApiError::invalid_request("The request body is too large")).into_response();
    };
    let pool = state.engine.pool();
    let hash = idempotency::fingerprint(parts.uri.path(), &bytes);
    match idempotency::claim(pool, &key, &hash, state.engine.clock().now()).await {
        Err(err) => return Refusal(err).into_response(),
        Ok(Claim::Replay { status, body }) => return replay(status, body),
        Ok(Claim::Fresh) => {}
    }

    let res = next.run(Request::from_parts(parts, Body::from(bytes))).await;
    let (res_parts, res_body) = res.into_parts();
    let res_bytes = to_bytes(res_body, MAX_BODY).await.unwrap_or_default();
    if res_parts.status.is_server_error() {
        idempotency::release(pool, &key).await;
    } else if let Err(err) =
        idempotency::finish(pool, &key, res_parts.status.as_u16(), &String::from_utf8_lossy(&res_bytes)).await
    {
        return Refusal(err).into_response();
    }
    Response::from_parts(res_parts, Body::from(res_bytes))
}

fn replay(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut res = if status == StatusCode::NO_CONTENT {
        status.into_response()
    } else {
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    res.headers_mut().insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    res
}
