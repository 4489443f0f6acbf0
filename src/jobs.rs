//! The worker: applies time-based rules that came due. Everything it does is also safe to run at any
//! moment (each step is a compare-and-set on durable rows), so a restart loses and duplicates nothing,
//! and tests call [`run_due_work`] directly after moving the clock instead of waiting.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::state::AppState;

/// How often the worker looks for due work.
const TICK: Duration = Duration::from_secs(5);

/// One pass: the engine's rules (fulfillment deadlines, gift notifications and expiry, renewals), then
/// the app's (abandoned upgrades); then wakes the e-mail sender for messages that came due.
pub async fn run_due_work(state: &AppState) {
    if let Err(err) = state.engine.run_due_work().await {
        tracing::error!("engine due work: {err}");
    }
    if let Err(err) = crate::offers::service::reconcile_abandoned(state).await {
        tracing::error!("reconciling abandoned upgrades: {err}");
    }
    // Claim reminders that came due with time travel go out now rather than at the sender's next look.
    state.mail_kick.notify_one();
    housekeeping(state).await;
    state.worker_pass.record();
}

/// The real time the worker last finished a pass, shared by clones.
#[derive(Clone, Default)]
pub struct LastPass(Arc<Mutex<Option<Instant>>>);

impl LastPass {
    fn record(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(Instant::now());
    }

    /// How long ago the last pass finished; `None` before the first.
    pub fn last(&self) -> Option<Duration> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).map(|at| at.elapsed())
    }
}

/// Forgets what has run out: expired sessions (by real time, as their cookies do) and the sign-in limits
/// of addresses that have been quiet long enough.
async fn housekeeping(state: &AppState) {
    use tower_sessions::ExpiredDeletion;
    match tower_sessions_sqlx_store::SqliteStore::new(state.pool.clone()).with_table_name("sessions") {
        Ok(store) => {
            if let Err(err) = store.delete_expired().await {
                tracing::error!("deleting expired sessions: {err}");
            }
        }
        Err(err) => tracing::error!("session store: {err}"),
    }
    state.login_throttle.forget_idle();
}

/// Runs [`run_due_work`] every few seconds until the process stops.
pub fn spawn_worker(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            run_due_work(&state).await;
        }
    })
}
