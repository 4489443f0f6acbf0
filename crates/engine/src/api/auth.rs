//! HTTP Basic authentication with the site API key as user name and an empty password, as Chargebee does,
//! for servers only: a request a browser labels as sent from another site is refused before the key is
//! looked at, and a refusal carries no `WWW-Authenticate` challenge (which would have the browser keep
//! credentials for any page to reuse).

use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::http::header::{AUTHORIZATION, HOST, ORIGIN};
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

/// Axum middleware: 403 for a browser's cross-site request, 401 with Chargebee's error body unless the
/// right API key is presented.
pub async fn require_api_key(State(state): State<ApiState>, req: Request, next: Next) -> Response {
    if !from_same_site(req.headers()) {
        tracing::warn!(path = %req.uri().path(), "refused a cross-site API request");
        return Refusal(ApiError::cross_site()).into_response();
    }
    let ok = presented_key(&req).is_some_and(|key| bool::from(key.as_bytes().ct_eq(state.api_key.as_bytes())));
    if ok { next.run(req).await } else { Refusal(ApiError::unauthenticated()).into_response() }
}

/// True unless the browser's own labels say the request came from another origin (`Sec-Fetch-Site`,
/// else `Origin` against `Host`). Requests with neither come from no browser, so carry no ambient
/// credentials to abuse.
pub fn from_same_site(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text(axum::http::HeaderName::from_static("sec-fetch-site")) {
        // "none" is a user-initiated navigation (typed URL, bookmark), never a forged one.
        return matches!(site, "same-origin" | "none");
    }
    match (text(ORIGIN), text(HOST)) {
        (Some(origin), Some(host)) => origin.split_once("://").is_some_and(|(_, authority)| authority == host),
        (Some(_), None) => false,
        (None, _) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, HeaderValue::from_static(v));
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        assert!(from_same_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(from_same_site(&headers(&[("sec-fetch-site", "none")])));
        assert!(!from_same_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!from_same_site(&headers(&[("sec-fetch-site", "same-site")])));
        // Fetch metadata wins over a matching Origin: a sibling subdomain is still another origin.
        assert!(!from_same_site(&headers(&[
            ("sec-fetch-site", "same-site"),
            ("origin", "http://a.test"),
            ("host", "a.test")
        ])));
    }

    #[test]
    fn origin_must_match_host_when_metadata_is_absent() {
        assert!(from_same_site(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(!from_same_site(&headers(&[("origin", "http://evil.test"), ("host", "127.0.0.1:3000")])));
        assert!(!from_same_site(&headers(&[("origin", "null"), ("host", "127.0.0.1:3000")])));
    }

    #[test]
    fn requests_without_browser_labels_pass() {
        assert!(from_same_site(&headers(&[("host", "127.0.0.1:3000")])));
    }
}
