//! Which addresses a redirect may lead to, decided by parsing them the way browsers do (WHATWG URL
//! parsing) rather than by looking at their first characters: browsers read `\` as `/` and drop tabs and
//! line breaks, so `/\evil.test` and `/<tab>/evil.test` are other sites once a browser follows them.
//! Everything that sends a browser somewhere (the sign-in's `next=`, offer redirect URLs, links in
//! e-mails) goes through here.

use url::Url;

/// A base no real request has: a relative target that resolves off it has left the site.
const BASE: &str = "http://growthkit.invalid/";

/// `raw` as a path on this site (`/x?y#z`, percent-encoded as a browser would send it), or `None` when a
/// browser would take it anywhere else. Refused outright: anything but a leading single `/`, user-info,
/// backslashes, whitespace and control characters (browsers silently drop or rewrite them, so they
/// only ever hide something), and over 2,000 characters.
pub fn local_path(raw: &str) -> Option<String> {
    if raw.len() > 2_000 || !raw.starts_with('/') || raw.starts_with("//") || has_hidden_chars(raw) {
        return None;
    }
    let base = Url::parse(BASE).ok()?;
    let url = base.join(raw).ok()?;
    if url.origin() != base.origin() || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    let mut out = url.path().to_owned();
    if let Some(q) = url.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = url.fragment() {
        out.push('#');
        out.push_str(f);
    }
    Some(out)
}

/// `raw` as an absolute http(s) URL with a host (normalized), or `None`. No user-info (`https://a@b`
/// reads as host `b`), nothing hidden (as for [`local_path`]).
pub fn web_url(raw: &str) -> Option<Url> {
    if raw.len() > 2_000 || has_hidden_chars(raw) {
        return None;
    }
    let url = Url::parse(raw).ok()?;
    let plain = matches!(url.scheme(), "http" | "https") && url.username().is_empty() && url.password().is_none();
    (plain && url.host_str().is_some()).then_some(url)
}

/// [`web_url`] on one of `hosts` (each a host, with its port when not the scheme's default:
/// `billing.test:3001`).
pub fn allowed_url(raw: &str, hosts: &[impl AsRef<str>]) -> Option<String> {
    let url = web_url(raw)?;
    let authority = authority(&url)?;
    hosts.iter().any(|h| h.as_ref().eq_ignore_ascii_case(&authority)).then(|| url.to_string())
}

/// `host[:port]` of an http(s) URL, the port only when it is not the scheme's default; `None` for
/// anything that is not an absolute http(s) URL with a host.
pub fn authority_of(raw: &str) -> Option<String> {
    let url = Url::parse(raw).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| authority(&url)).flatten()
}

fn authority(url: &Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

fn has_hidden_chars(raw: &str) -> bool {
    raw.chars().any(|c| c == '\\' || c.is_whitespace() || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Addresses that leave the site once a browser follows them, each in its own disguise.
    const ESCAPES: &[&str] = &[
        "//evil.test/x",
        "/\\evil.test/x",
        "\\/evil.test/x",
        "/\t/evil.test",
        "/\n/evil.test",
        "/\r\n/evil.test",
        " /evil.test",
        "/%09/evil.test/../x",
        "https://evil.test/x",
        "http:evil.test",
        "javascript:alert(1)",
        "data:text/html,x",
        "evil.test/x",
        "",
        "/x@evil.test",
        "///evil.test",
        "/\u{0}/evil.test",
        "/\u{a0}/evil.test",
    ];

    #[test]
    fn paths_that_leave_the_site_are_refused() {
        for raw in ESCAPES {
            let out = local_path(raw);
            // A few stay on the site as harmless paths (`/x@evil.test` is a segment); none may leave it.
            if let Some(path) = &out {
                assert!(path.starts_with('/') && !path.starts_with("//"), "{raw:?} → {path:?}");
                let resolved = Url::parse(BASE).unwrap().join(path).unwrap();
                assert_eq!(resolved.host_str(), Some("growthkit.invalid"), "{raw:?}");
            }
        }
        for raw in ["//evil.test/x", "/\\evil.test/x", "/\t/evil.test", "/\r\n/evil.test", "///evil.test", ""] {
            assert_eq!(local_path(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn local_paths_come_back_as_a_browser_sends_them() {
        assert_eq!(local_path("/app/analytics").as_deref(), Some("/app/analytics"));
        assert_eq!(local_path("/credits?tab=history#top").as_deref(), Some("/credits?tab=history#top"));
        assert_eq!(local_path("/gift/claim/x/../../../studio").as_deref(), Some("/studio"));
        assert_eq!(local_path("/%2e%2e/studio").as_deref(), Some("/studio"));
        assert_eq!(local_path("/caf\u{e9}").as_deref(), Some("/caf%C3%A9"));
        assert_eq!(local_path("/a\"b<c>").as_deref(), Some("/a%22b%3Cc%3E"));
    }

    #[test]
    fn absolute_urls_only_on_listed_hosts() {
        let hosts = ["billing.test:3001", "acme.chargebee.com"];
        assert_eq!(
            allowed_url("http://billing.test:3001/pages/v4/hp_1/", &hosts).as_deref(),
            Some("http://billing.test:3001/pages/v4/hp_1/")
        );
        assert!(allowed_url("https://ACME.chargebee.com/x", &hosts).is_some());
        for raw in [
            "http://billing.test/pages",
            "http://billing.test:3002/x",
            "https://evil.test/x",
            "http://user@billing.test:3001/x",
            "http://billing.test:3001@evil.test/x",
            "http://billing.test:3001\\@evil.test/x",
            "javascript://billing.test:3001/%0aalert(1)",
            "ftp://acme.chargebee.com/x",
            "https://acme.chargebee.com.evil.test/x",
        ] {
            assert_eq!(allowed_url(raw, &hosts), None, "{raw:?}");
        }
        assert_eq!(authority_of("https://acme.chargebee.com:443/x").as_deref(), Some("acme.chargebee.com"));
        assert_eq!(authority_of("http://127.0.0.1:3001").as_deref(), Some("127.0.0.1:3001"));
        assert_eq!(authority_of("mailto:x@y.test"), None);
    }
}
