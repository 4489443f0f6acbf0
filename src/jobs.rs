//! The worker: applies time-based rules that came due. Everything it does is also safe to run at any
//! moment (each step is a compare-and-set on durable rows), so a restart loses and duplicates nothing,
//! and tests call [`run_due_work`] directly after moving the clock instead of waiting.

use std::time::Duration;

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
