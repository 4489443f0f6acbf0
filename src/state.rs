//! Shared server state, built once in `main` and handed to handlers and server functions.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::SqlitePool;

use crate::billing::Billing;
use crate::config::Config;
use crate::mail::smtp::Mailer;
use crate::signing::Signer;
use growthkit_clock::Clock;
use growthkit_engine::Engine;

/// One pool, one clock, one billing port, and the embedded engine (which shares the pool and clock).
/// Server functions read it with `use_context::<AppState>()`.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: SqlitePool,
    /// One connection for the credit ledger's writes (see `db::connect_writer`).
    pub writer: SqlitePool,
    pub clock: Clock,
    pub billing: Arc<dyn Billing>,
    pub engine: Arc<Engine>,
    pub config: Arc<Config>,
    /// Signs values handed to the browser (offer tokens).
    pub signer: Signer,
    /// SMTP delivery, when `SMTP_URL` is set; without it e-mails stay in the outbox only.
    pub mailer: Option<Arc<Mailer>>,
    /// When the worker last finished a pass (for `/readyz`).
    pub worker_pass: crate::jobs::LastPass,
    /// Sign-in rate limits and the bound on concurrent password checks.
    pub login_throttle: crate::auth::throttle::LoginThrottle,
    /// Wakes the e-mail sender when a message is written (see `mail::sender::spawn_sender`).
    pub mail_kick: Arc<tokio::sync::Notify>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
