//! Start-up: migrations, demo data, persistence across restarts, health check and 404s.
#![cfg(feature = "ssr")]

mod common;

use common::{T0, client, spawn, test_config};
use growthkit::{db, server};
use growthkit_clock::Clock;

#[tokio::test]
async fn migrations_apply_twice_without_error() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("nested/folder/m.db").display());
    let pool = db::connect(&url).await.expect("creates the file and its folders");
    db::migrate(&pool).await.expect("first run");
    db::migrate(&pool).await.expect("second run is a no-op");
    let (wal,): (String,) = sqlx::query_as("PRAGMA journal_mode").fetch_one(&pool).await.unwrap();
    assert_eq!(wal, "wal");
    let (fk,): (i64,) = sqlx::query_as("PRAGMA foreign_keys").fetch_one(&pool).await.unwrap();
    assert_eq!(fk, 1);
}

#[tokio::test]
async fn data_survives_a_restart_and_demo_data_is_seeded_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("g.db");
    let first = server::boot(test_config(&path), Clock::fixed(T0)).await.unwrap();
    sqlx::query("UPDATE users SET name = 'Olivia Renamed' WHERE email = 'owner@acme.test'")
        .execute(&first.pool)
        .await
        .unwrap();
    first.pool.close().await;

    let second = server::boot(test_config(&path), Clock::fixed(T0)).await.unwrap();
    let (users,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(&second.pool).await.unwrap();
    assert_eq!(users, growthkit::demo::DEMO_USERS.len() as i64);
    let (name,): (String,) =
        sqlx::query_as("SELECT name FROM users WHERE email = 'owner@acme.test'").fetch_one(&second.pool).await.unwrap();
    assert_eq!(name, "Olivia Renamed");
}

#[tokio::test]
async fn health_check_answers_once_the_database_does() {
    let app = spawn().await;
    let res = client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "ok");
    assert!(app.db_path.exists());

    app.state.pool.close().await;
    let res = client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(res.status(), 503);
}

#[tokio::test]
async fn ready_only_once_the_worker_has_run() {
    let app = spawn().await;
    let ready = || async {
        let res = client().get(app.url("/readyz")).send().await.unwrap();
        (res.status().as_u16(), res.text().await.unwrap())
    };
    assert_eq!(ready().await, (503, "worker not started".into()));
    growthkit::jobs::run_due_work(&app.state).await;
    assert_eq!(ready().await, (200, "ready".into()));
    app.state.pool.close().await;
    assert_eq!(ready().await, (503, "database unreachable".into()));
}

#[tokio::test]
async fn unknown_pages_are_404_with_a_page_to_read() {
    let app = spawn().await;
    let res = client().get(app.url("/no/such/page")).header("accept", "text/html").send().await.unwrap();
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(html.contains("Page not found"));
    assert!(html.contains("<title>Page not found · Growthkit</title>"), "title set");
}

#[tokio::test]
async fn public_pages_render_on_the_server() {
    let app = spawn().await;
    for (path, text) in [("/", "Grow revenue from inside your product"), ("/login", "Sign in")] {
        let res = client().get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().await.unwrap();
        assert!(html.contains(text), "{path} shows {text:?}");
        assert!(html.contains("/pkg/growthkit.css"), "{path} links the stylesheet");
    }
}

#[tokio::test]
async fn every_answer_carries_its_request_id() {
    let app = spawn().await;
    let res = client().get(app.url("/login")).send().await.unwrap();
    let id = res.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert_eq!(id.len(), 36, "a fresh UUID: {id:?}");
    let res = client().get(app.url("/healthz")).header("x-request-id", "from-the-proxy-42").send().await.unwrap();
    assert_eq!(res.headers()["x-request-id"], "from-the-proxy-42", "a caller's id is kept");
}
