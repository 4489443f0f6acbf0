//! The command line, run as the built binary: `--version`, `--help`, `migrate`, and `create-user`, after
//! which an install without demo data has someone to sign in as.
#![cfg(feature = "ssr")]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn growthkit(db: &std::path::Path, args: &[&str], stdin: &str) -> (bool, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_growthkit"))
        .args(args)
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("GROWTHKIT_DEMO_DATA", "false")
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the binary");
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[tokio::test]
async fn an_install_without_demo_data_gets_its_first_admin_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("fresh.db");
    let (ok, out, _) = growthkit(&db, &["--version"], "");
    assert!(ok && out.contains(env!("CARGO_PKG_VERSION")), "{out}");
    let (ok, out, _) = growthkit(&db, &["--help"], "");
    assert!(ok && out.contains("create-user") && out.contains("migrate"), "{out}");

    let (ok, out, err) = growthkit(&db, &["migrate"], "");
    assert!(ok, "{err}");
    assert!(out.contains("migrations applied"), "{out}");

    let admin = ["create-user", "--email", "Ada@Example.test", "--name", "Ada", "--admin"];
    let (ok, _, err) = growthkit(&db, &admin, "short\n");
    assert!(!ok && err.contains("Choose a password of at least 12"), "a short password is refused: {err}");
    let (ok, out, err) = growthkit(&db, &admin, "a long enough password\n");
    assert!(ok, "{err}");
    assert!(out.contains("created usr_") && out.contains("with the studio"), "{out}");
    let (ok, _, err) = growthkit(&db, &admin, "a long enough password\n");
    assert!(!ok && err.contains("already a user"), "{err}");

    // The server on that database: Ada signs in (any case of her e-mail) and the studio is hers.
    let app = common::spawn_changed(|c| {
        c.database_url = format!("sqlite://{}", db.display());
        c.demo_data = false;
    })
    .await;
    let res = common::login(&app, "ada@example.test", "a long enough password", None).await;
    assert_eq!(res.status(), 200);
    let cookie = common::session_cookie(res.headers()).unwrap();
    let studio = common::client().get(app.url("/studio")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(studio.status(), 200);
}
