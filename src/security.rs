//! What every answer carries to limit the damage of anything hostile that reaches a page (a content
//! security policy, no framing, no sniffing, no referrer beyond this site), and which `Host` names the
//! server answers for at all.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::config::{BillingBackend, Config};
use crate::state::AppState;

/// For answers that are no page of ours (JSON, files): nothing may run or be framed.
const NOTHING_MAY_RUN: &str = "default-src 'none'; frame-ancestors 'none'";

/// A page's policy: its own scripts and the inline hydration script carrying this response's `nonce`,
/// WASM compilation, and billing's card script, card endpoint and 3-D Secure frames; nothing else.
pub fn page_policy(config: &Config, nonce: &str) -> String {
    let billing = billing_sources(config).join(" ");
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval' {billing}; \
         connect-src 'self' {billing}; frame-src {billing}; img-src 'self' data:; style-src 'self'; \
         font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// The origins billing's browser side lives on: the card script's, and the API's (the built-in engine's
/// public address, or the Chargebee site and Chargebee.js's frames).
fn billing_sources(config: &Config) -> Vec<String> {
    let mut sources: Vec<String> = [config.card_script().src]
        .iter()
        .chain(config.card_script().domain.iter())
        .filter_map(|url| origin(url))
        .collect();
    if let BillingBackend::Chargebee { base_url: None, site, .. } = &config.billing {
        sources.push(format!("https://{site}.chargebee.com"));
        sources.push("https://*.chargebee.com".into());
    }
    sources.sort();
    sources.dedup();
    sources
}

fn origin(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.origin().ascii_serialization())
}

/// Axum middleware: the headers every answer carries. A page gets the page policy with the nonce its
/// hydration script was rendered with (read back from the page's head, where only our own markup comes
/// first); any other answer one under which nothing runs. (The nonce is read from the page rather than
/// set while rendering because a header set through Leptos' response options was sometimes lost when
/// requests overlapped.)
pub async fn response_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let (mut parts, body) = res.into_parts();
    let (policy, body) = if is_page {
        match axum::body::to_bytes(body, MAX_PAGE).await {
            Ok(bytes) => {
                let policy = page_nonce(&bytes).map(|nonce| page_policy(&state.config, nonce));
                (policy, axum::body::Body::from(bytes))
            }
            Err(err) => {
                tracing::error!("reading a page to send: {err}");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        }
    } else {
        (None, body)
    };
    let headers = &mut parts.headers;
    let policy = policy.and_then(|p| HeaderValue::from_str(&p).ok());
    headers.insert(header::CONTENT_SECURITY_POLICY, policy.unwrap_or(HeaderValue::from_static(NOTHING_MAY_RUN)));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if state.config.public_url.starts_with("https://") {
        headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    Response::from_parts(parts, body)
}

/// Pages are rendered whole before they are sent (`SsrMode::Async`), so reading one costs a copy only.
const MAX_PAGE: usize = 4 * 1024 * 1024;

/// The nonce of the first `nonce="…"` in the page's head (the hydration script's), if any.
fn page_nonce(page: &[u8]) -> Option<&str> {
    let head = &page[..page.len().min(8 * 1024)];
    let at = head.windows(7).position(|w| w == b"nonce=\"")? + 7;
    let rest = &head[at..];
    let end = rest.iter().position(|&b| b == b'"')?;
    let nonce = std::str::from_utf8(&rest[..end]).ok()?;
    let plain = nonce.len() >= 16 && nonce.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_+/=".contains(&b));
    plain.then_some(nonce)
}

/// Axum middleware: answers only requests addressed to `public_host` (the host of
/// `GROWTHKIT_PUBLIC_URL`) or to a loopback name. Any other `Host` is refused, so a hostile page whose
/// domain was pointed at this server (DNS rebinding) cannot read its answers as its own.
pub async fn known_hosts_only(public_host: Option<String>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .or_else(|| req.uri().authority().map(|a| a.as_str()));
    match host {
        Some(host) if is_known_host(host, public_host.as_deref()) => next.run(req).await,
        _ => {
            tracing::warn!(host = host.unwrap_or("(none)"), "refused a request for an unknown host");
            (StatusCode::MISDIRECTED_REQUEST, "This server does not answer for that host name.").into_response()
        }
    }
}

fn is_known_host(host: &str, public_host: Option<&str>) -> bool {
    if public_host.is_some_and(|p| p.eq_ignore_ascii_case(host)) {
        return true;
    }
    let name = match host.rsplit_once(':') {
        Some((name, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    name.eq_ignore_ascii_case("localhost")
        || name == "[::1]"
        || name.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_public_host_and_loopback_are_served() {
        let public = Some("app.example.com");
        for ok in [
            "app.example.com",
            "APP.example.com",
            "127.0.0.1:3000",
            "localhost:3000",
            "localhost",
            "[::1]:3000",
            "127.1.2.3",
        ] {
            assert!(is_known_host(ok, public), "{ok}");
        }
        for refused in [
            "evil.test",
            "app.example.com.evil.test",
            "app.example.com:8443",
            "10.0.0.1:3000",
            "localhost.evil.test",
            "",
        ] {
            assert!(!is_known_host(refused, public), "{refused}");
        }
        assert!(!is_known_host("app.example.com", None));
    }

    #[test]
    fn the_nonce_is_read_from_the_page_head_only() {
        let page = br#"<!DOCTYPE html><html><head><script type="module" nonce="Ab3_-xyzABCDEFGHIJ12">x</script>"#;
        assert_eq!(page_nonce(page), Some("Ab3_-xyzABCDEFGHIJ12"));
        assert_eq!(page_nonce(br#"<html><script nonce="short">"#), None);
        assert_eq!(page_nonce(br#"<html><script nonce="with space and more text">"#), None);
        let mut late = vec![b' '; 9000];
        late.extend_from_slice(br#"nonce="Ab3_-xyzABCDEFGHIJ12""#);
        assert_eq!(page_nonce(&late), None, "past the head: could be someone's text");
    }

    #[test]
    fn a_page_may_load_billing_and_nothing_else() {
        let config =
            Config::from_lookup(|k| (k == "GROWTHKIT_ENGINE_PUBLIC_URL").then(|| "http://127.0.0.1:3001".into()))
                .unwrap();
        let policy = page_policy(&config, "abc");
        assert!(policy.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval' http://127.0.0.1:3001;"), "{policy}");
        assert!(policy.contains("connect-src 'self' http://127.0.0.1:3001;"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'") && !policy.contains("unsafe-inline"), "{policy}");

        let chargebee = Config::from_lookup(|k| match k {
            "GROWTHKIT_BILLING" => Some("chargebee".into()),
            "CHARGEBEE_SITE" => Some("acme".into()),
            "CHARGEBEE_API_KEY" | "CHARGEBEE_PUBLISHABLE_KEY" => Some("k".into()),
            _ => None,
        })
        .unwrap();
        let policy = page_policy(&chargebee, "n");
        assert!(
            policy.contains("https://js.chargebee.com") && policy.contains("https://acme.chargebee.com"),
            "{policy}"
        );
    }
}
