//! Sign-in, session rotation, sign-out, CSRF refusal and the page guard, over real HTTP.
#![cfg(feature = "ssr")]

mod common;

use common::{client, login, session_cookie, spawn, whoami};
use growthkit::demo::DEMO_PASSWORD;
use reqwest::header::{ACCEPT, COOKIE, LOCATION, REFERER};

#[tokio::test]
async fn sign_in_with_the_right_password_starts_a_session() {
    let app = spawn().await;
    let res = login(&app, "owner@acme.test", DEMO_PASSWORD, None).await;
    assert!(res.status().is_success(), "status {}", res.status());
    assert_eq!(res.headers().get(LOCATION).unwrap(), "/app");
    let set_cookie = res.headers().get("set-cookie").unwrap().to_str().unwrap().to_owned();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    let cookie = session_cookie(res.headers()).expect("session cookie");
    assert_eq!(whoami(&app, Some(&cookie)).await.as_deref(), Some("owner@acme.test"));
}

#[tokio::test]
async fn e_mail_is_matched_without_regard_to_case() {
    let app = spawn().await;
    let res = login(&app, "  Member@ACME.test ", DEMO_PASSWORD, None).await;
    assert!(res.status().is_success());
    let cookie = session_cookie(res.headers()).unwrap();
    assert_eq!(whoami(&app, Some(&cookie)).await.as_deref(), Some("member@acme.test"));
}

#[tokio::test]
async fn wrong_password_and_unknown_e_mail_fail_alike_and_start_no_session() {
    let app = spawn().await;
    for (email, password) in [("owner@acme.test", "wrong"), ("nobody@acme.test", DEMO_PASSWORD)] {
        let res = login(&app, email, password, None).await;
        assert_eq!(res.status(), 401, "{email}");
        assert!(session_cookie(res.headers()).is_none(), "no session for {email}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["kind"], "invalid_credentials");
        assert_eq!(body["message"], serde_json::Value::Null);
    }
}

#[tokio::test]
async fn malformed_sign_in_is_a_validation_error() {
    let app = spawn().await;
    let res = login(&app, "not-an-email", "x", None).await;
    assert_eq!(res.status(), 422);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["kind"], "invalid");
    assert_eq!(body["message"], "Enter a valid e-mail address.");
}

#[tokio::test]
async fn signing_in_rotates_the_session_id_and_retires_the_old_one() {
    let app = spawn().await;
    let first = session_cookie(login(&app, "owner@acme.test", DEMO_PASSWORD, None).await.headers()).unwrap();
    // Sign in again while presenting the existing session: a new id must replace it.
    let second = session_cookie(login(&app, "member@acme.test", DEMO_PASSWORD, Some(&first)).await.headers()).unwrap();
    assert_ne!(first, second);
    assert_eq!(whoami(&app, Some(&second)).await.as_deref(), Some("member@acme.test"));
    assert_eq!(whoami(&app, Some(&first)).await, None, "the pre-login id must no longer work");
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let app = spawn().await;
    let cookie = session_cookie(login(&app, "owner@acme.test", DEMO_PASSWORD, None).await.headers()).unwrap();
    let res = client()
        .post(app.url("/api/logout"))
        .header(COOKIE, &cookie)
        .header("sec-fetch-site", "same-origin")
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    assert_eq!(res.headers().get(LOCATION).unwrap(), "/login?signed_out=1");
    assert_eq!(whoami(&app, Some(&cookie)).await, None);
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(rows, 0, "the session record is deleted");
}

#[tokio::test]
async fn cross_site_posts_are_refused_and_change_nothing() {
    let app = spawn().await;

    // A forged sign-in from another site: refused before it can set a session.
    let res = client()
        .post(app.url("/api/login"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("email", "owner@acme.test"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert!(session_cookie(res.headers()).is_none());

    // A forged sign-out riding a real session, labelled only by Origin (as older browsers do).
    let cookie = session_cookie(login(&app, "owner@acme.test", DEMO_PASSWORD, None).await.headers()).unwrap();
    let res = client()
        .post(app.url("/api/logout"))
        .header(COOKIE, &cookie)
        .header("origin", "http://evil.test")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(whoami(&app, Some(&cookie)).await.as_deref(), Some("owner@acme.test"), "still signed in");
}

#[tokio::test]
async fn same_origin_post_labelled_by_origin_is_accepted() {
    let app = spawn().await;
    let origin = app.base.clone();
    let res = client()
        .post(app.url("/api/login"))
        .header("origin", origin)
        .form(&[("email", "owner@acme.test"), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "status {}", res.status());
}

#[tokio::test]
async fn a_failed_plain_form_post_returns_to_the_form_with_the_error_kind() {
    let app = spawn().await;
    let res = client()
        .post(app.url("/api/login"))
        .header("sec-fetch-site", "same-origin")
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .header(REFERER, app.url("/login?next=%2Fapp"))
        .form(&[("email", "owner@acme.test"), ("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers().get(LOCATION).unwrap(), "/login?next=%2Fapp&error=invalid_credentials");
    let page = client().get(app.url("/login?next=%2Fapp&error=invalid_credentials")).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("That e-mail and password do not match an account."));
}

#[tokio::test]
async fn a_plain_form_sign_in_redirects_to_the_requested_local_page_only() {
    let app = spawn().await;
    for (next, expected) in [("/app?tab=team", "/app?tab=team"), ("https://evil.test/", "/app")] {
        let res = client()
            .post(app.url("/api/login"))
            .header("sec-fetch-site", "same-origin")
            .header(ACCEPT, "text/html")
            .form(&[("email", "owner@acme.test"), ("password", DEMO_PASSWORD), ("next", next)])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 302);
        assert_eq!(res.headers().get(LOCATION).unwrap(), expected);
    }
}

#[tokio::test]
async fn member_pages_need_a_session() {
    let app = spawn().await;
    let res = client().get(app.url("/app")).header(ACCEPT, "text/html").send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers().get(LOCATION).unwrap(), "/login?next=%2Fapp");

    let cookie = session_cookie(login(&app, "member@acme.test", DEMO_PASSWORD, None).await.headers()).unwrap();
    let res = client().get(app.url("/app")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("Welcome, Max"), "dashboard greets the user");
    assert!(html.contains("Olivia Owner"), "dashboard lists the team");
    assert!(html.contains("Acme Analytics"));
}

#[tokio::test]
async fn server_functions_refuse_anonymous_callers() {
    let app = spawn().await;
    let res = client().get(app.url("/api/dashboard")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["kind"], "unauthenticated");
}
