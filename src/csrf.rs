//! Cross-site request forgery defence for every state-changing request to the app.
//!
//! Browsers label each request with where it came from (`Sec-Fetch-Site`, and `Origin` on POST). A
//! state-changing request that a browser says came from another site is refused with 403 before any
//! handler runs. Requests with neither header do not come from a browser, so they carry no ambient
//! cookies to abuse. The engine API (`/api/v2`) and webhook receiver authenticate with HTTP Basic
//! credentials rather than cookies and are exempt.

use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Paths authenticated by explicit credentials rather than the session cookie.
const CREDENTIAL_AUTHENTICATED: &[&str] = &["/api/v2/", "/webhooks/"];

/// Axum middleware: refuses cross-site state-changing requests.
pub async fn refuse_cross_site(req: Request, next: Next) -> Response {
    let safe_method = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let exempt = CREDENTIAL_AUTHENTICATED.iter().any(|p| req.uri().path().starts_with(p));
    if safe_method || exempt || is_same_site(req.headers()) {
        return next.run(req).await;
    }
    tracing::warn!(path = %req.uri().path(), "refused a cross-site request");
    (StatusCode::FORBIDDEN, "Cross-site request refused.").into_response()
}

/// True unless the browser's own labels say the request came from another origin.
fn is_same_site(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v| v.to_str().ok());
    if let Some(site) = text(header::HeaderName::from_static("sec-fetch-site")) {
        // "none" is a user-initiated navigation (typed URL, bookmark), never a forged one.
        return matches!(site, "same-origin" | "none");
    }
    match (text(header::ORIGIN), text(header::HOST)) {
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
        assert!(is_same_site(&headers(&[("sec-fetch-site", "same-origin")])));
        assert!(is_same_site(&headers(&[("sec-fetch-site", "none")])));
        assert!(!is_same_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!is_same_site(&headers(&[("sec-fetch-site", "same-site")])));
        // Fetch metadata wins over a matching Origin: a sibling subdomain is still another origin.
        assert!(!is_same_site(&headers(&[
            ("sec-fetch-site", "same-site"),
            ("origin", "http://a.test"),
            ("host", "a.test")
        ])));
    }

    #[test]
    fn origin_must_match_host_when_metadata_is_absent() {
        assert!(is_same_site(&headers(&[("origin", "http://127.0.0.1:3000"), ("host", "127.0.0.1:3000")])));
        assert!(!is_same_site(&headers(&[("origin", "http://evil.test"), ("host", "127.0.0.1:3000")])));
        assert!(!is_same_site(&headers(&[("origin", "null"), ("host", "127.0.0.1:3000")])));
    }

    #[test]
    fn requests_without_browser_labels_pass() {
        assert!(is_same_site(&headers(&[("host", "127.0.0.1:3000")])));
    }
}
