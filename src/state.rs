//! Shared server state, built once in `main` and handed to handlers and server functions.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::prelude::LeptosOptions;
use sqlx::SqlitePool;

use crate::billing::Billing;
use crate::clock::Clock;
use crate::config::Config;

/// One pool, one clock, one billing port. Server functions read it with `expect_context::<AppState>()`.
#[derive(Clone)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub pool: SqlitePool,
    pub clock: Clock,
    pub billing: Arc<dyn Billing>,
    pub config: Arc<Config>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}
