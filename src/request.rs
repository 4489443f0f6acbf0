//! What every server function needs from its request: the shared state, the session, the signed-in
//! user, and a uniform way to turn an `AppError` into the right HTTP answer.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

use crate::auth::model::CurrentUser;
use crate::auth::service;
use crate::error::AppError;
use crate::state::AppState;

/// The server's shared state, provided to every server function by the router.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("server function", "AppState missing from context"))
}

/// The caller's session (created lazily; nothing is stored until something is inserted).
pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| AppError::internal("session extractor", e))
}

/// The signed-in user, or `Unauthenticated`.
pub async fn signed_in() -> Result<(AppState, CurrentUser), AppError> {
    let state = state()?;
    let user = service::user_from_session(&state.pool, &session().await?).await?;
    user.map(|u| (state, u)).ok_or(AppError::Unauthenticated)
}

/// The signed-in user, who must be on the product team (studio access), or `Forbidden`.
pub async fn admin() -> Result<(AppState, CurrentUser), AppError> {
    let (state, user) = signed_in().await?;
    if user.is_admin { Ok((state, user)) } else { Err(AppError::forbidden()) }
}

/// [`admin`], for a studio change: refused while Growth configuration lives in a Chargebee site.
pub async fn studio_editor() -> Result<(AppState, CurrentUser), AppError> {
    let (state, user) = admin().await?;
    crate::studio::service::editable(&state)?;
    Ok((state, user))
}

/// The address the request came from, for rate limits: the last entry of the header named by
/// `GROWTHKIT_CLIENT_IP_HEADER` when the server sits behind a proxy that sets it, else the peer address.
pub async fn client_address(state: &AppState) -> std::net::IpAddr {
    use std::net::{IpAddr, Ipv4Addr, SocketAddr};
    if let Some(name) = &state.config.client_ip_header {
        let parts = use_context::<axum::http::request::Parts>();
        let forwarded = parts.as_ref().and_then(|p| p.headers.get(name.as_str())).and_then(|v| v.to_str().ok());
        if let Some(ip) = forwarded.and_then(|v| v.rsplit(',').next()).and_then(|v| v.trim().parse().ok()) {
            return ip;
        }
    }
    match leptos_axum::extract::<axum::extract::ConnectInfo<SocketAddr>>().await {
        Ok(axum::extract::ConnectInfo(peer)) => peer.ip(),
        Err(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
    }
}

/// Tells the client when to try again (with a 429).
pub fn retry_after(seconds: u64) {
    if let Some(response) = use_context::<ResponseOptions>() {
        response.insert_header(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
}

/// What billing may know about where the user is: browser, language, page and referrer.
pub fn request_context(page: &str) -> growthkit_wire::RequestContext {
    let parts = use_context::<axum::http::request::Parts>();
    let header = |name: header::HeaderName| {
        parts.as_ref().and_then(|p| p.headers.get(&name)).and_then(|v| v.to_str().ok()).map(str::to_owned)
    };
    growthkit_wire::RequestContext {
        user_agent: header(header::USER_AGENT),
        locale: header(header::ACCEPT_LANGUAGE)
            .and_then(|l| l.split([',', ';']).next().map(|s| s.trim().to_owned()))
            .filter(|l| !l.is_empty()),
        timezone: None,
        url: Some(page.to_owned()),
        referrer_url: header(header::REFERER),
    }
}

/// Finishes a server function: on failure, sets the status that matches the error. A plain HTML form
/// post (no WASM yet, or none at all) is sent back to the page it came from with `?error=<kind>`, which
/// that page turns into a message, so the form works the same with and without JavaScript.
pub fn respond<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    let Err(err) = &result else { return result };
    let Some(response) = use_context::<ResponseOptions>() else { return result };
    match form_post_origin_page() {
        Some(page) => {
            response.set_status(StatusCode::SEE_OTHER);
            if let Ok(location) = HeaderValue::from_str(&with_error_kind(&page, err)) {
                response.insert_header(header::LOCATION, location);
            }
        }
        None => response.set_status(StatusCode::from_u16(err.status()).unwrap_or(StatusCode::BAD_REQUEST)),
    }
    result
}

/// Gives a failed server function's answer the status of the error it carries. A call whose input
/// cannot be read (a missing field, a word that is not one of the choices, text for a number) never
/// reaches [`respond`], and server_fn answers it with 500: this layer turns that into the error's own
/// status (422 for malformed input), so a bad request is not taken for a server failure and retried.
pub async fn error_status(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let path = req.uri().path();
    let server_fn = path.starts_with("/api/") && !path.starts_with("/api/v2/");
    let res = next.run(req).await;
    if !server_fn || res.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    if let Ok(err) = serde_json::from_slice::<AppError>(&bytes)
        && let Ok(status) = StatusCode::from_u16(err.status())
    {
        parts.status = status;
    }
    axum::response::Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// For a browser's native form post (it accepts HTML), the local path of the page that posted it.
fn form_post_origin_page() -> Option<String> {
    let parts = use_context::<axum::http::request::Parts>()?;
    let accepts_html =
        parts.headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"));
    if !accepts_html {
        return None;
    }
    let referer = parts.headers.get(header::REFERER)?.to_str().ok()?;
    let uri: axum::http::Uri = referer.parse().ok()?;
    let path_and_query = uri.path_and_query()?.as_str();
    Some(crate::auth::model::safe_next_path(Some(path_and_query)).to_owned())
}

/// `page` with its `error` query parameter replaced by the error's kind.
fn with_error_kind(page: &str, err: &AppError) -> String {
    let (path, query) = page.split_once('?').unwrap_or((page, ""));
    let mut pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k != "error")
        .map(|(k, v)| (k.into(), v.into()))
        .collect();
    pairs.push(("error".into(), err.kind().into()));
    let query = form_urlencoded::Serializer::new(String::new()).extend_pairs(pairs).finish();
    format!("{path}?{query}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_kind_replaces_an_earlier_one_and_keeps_other_parameters() {
        let url = with_error_kind("/login?next=%2Fapp&error=old", &AppError::InvalidCredentials);
        assert_eq!(url, "/login?next=%2Fapp&error=invalid_credentials");
        assert_eq!(with_error_kind("/login", &AppError::RateLimited), "/login?error=rate_limited");
    }
}
