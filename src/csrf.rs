//! Cross-site request forgery defence for every state-changing request to the app.
//!
//! Browsers label each request with where it came from (`Sec-Fetch-Site`, and `Origin` on POST). A
//! state-changing request that a browser says came from another site is refused with 403 before any
//! handler runs, on every path: pages and server functions (session cookie), the webhook receiver and the
//! engine API (Basic credentials, which a browser may keep and send on a forged form too). Requests with
//! neither header do not come from a browser, so they carry no ambient credentials to abuse.

use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use growthkit_engine::api::auth::from_same_site;

/// Axum middleware: refuses cross-site state-changing requests. (The engine API refuses them itself, in
/// Chargebee's error shape, wherever it is mounted.)
pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    let safe_method = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe_method || req.uri().path().starts_with("/api/v2/") || from_same_site(req.headers()) {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), "refused a cross-site request");
    (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
}
