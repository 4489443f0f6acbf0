//! Page guard: signed-out visitors to a member page are sent to sign-in (and back afterwards).
//! Server functions do their own checks; this only keeps pages from rendering for nobody.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use crate::state::AppState;

/// Path prefixes whose pages need a signed-in user.
const MEMBER_PAGES: &[&str] = &["/app", "/studio", "/account", "/credits", "/outbox", "/upgrade", "/gift"];
/// Pages under a member prefix that anyone may open: a gift's recipient claims with the link alone.
const PUBLIC_PAGES: &[&str] = &["/gift/claim/"];

fn is_member_page(path: &str) -> bool {
    MEMBER_PAGES.iter().any(|p| path == *p || path.strip_prefix(p).is_some_and(|rest| rest.starts_with('/')))
        && !PUBLIC_PAGES.iter().any(|p| path.starts_with(p))
}

/// Axum middleware: redirects to `/login?next=…` when a member page is asked for without a session.
/// A path not in the form a browser sends (dot segments, `%2e`, backslashes) is refused first: the page
/// router resolves such a path to another page than the one this guard would see.
pub async fn require_sign_in(State(state): State<AppState>, session: Session, req: Request, next: Next) -> Response {
    if !is_plain_path(req.uri().path()) {
        return (axum::http::StatusCode::BAD_REQUEST, "This address is not in its plain form.").into_response();
    }
    if !is_member_page(req.uri().path()) {
        return next.run(req).await;
    }
    match super::service::user_from_session(&state.pool, &session).await {
        Ok(Some(_)) => next.run(req).await,
        Ok(None) => {
            let here = req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("/app");
            let next: String = form_urlencoded::byte_serialize(here.as_bytes()).collect();
            Redirect::to(&format!("/login?next={next}")).into_response()
        }
        Err(err) => {
            (axum::http::StatusCode::from_u16(err.status()).unwrap_or_default(), err.to_string()).into_response()
        }
    }
}

/// True when `path` is exactly what a browser would resolve it to.
fn is_plain_path(path: &str) -> bool {
    growthkit_engine::safe_url::local_path(path).is_some_and(|plain| plain == path)
}

#[cfg(test)]
mod tests {
    use super::{is_member_page, is_plain_path};

    #[test]
    fn only_plain_paths_pass() {
        for plain in ["/", "/app", "/gift/claim/abc", "/pkg/growthkit.css", "/api/v2/customers/c_1", "/a%20b"] {
            assert!(is_plain_path(plain), "{plain}");
        }
        for crafted in ["/gift/claim/x/../../../studio", "/gift/claim/%2e%2e/studio", "/a/./b", "/a\\b", "//x"] {
            assert!(!is_plain_path(crafted), "{crafted}");
        }
    }

    #[test]
    fn guards_member_sections_but_not_lookalikes() {
        assert!(is_member_page("/app"));
        assert!(is_member_page("/app/analytics"));
        assert!(is_member_page("/studio/offers"));
        assert!(!is_member_page("/apple"));
        assert!(!is_member_page("/login"));
        assert!(!is_member_page("/"));
        assert!(is_member_page("/gift"));
        assert!(!is_member_page("/gift/claim/abc"));
    }
}
