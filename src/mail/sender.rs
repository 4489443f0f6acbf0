//! Delivers due outbox messages. With `SMTP_URL` set, each goes to the SMTP server (lettre, pooled
//! connections); a failure is retried with growing pauses and ends `failed` after a few attempts.
//! Without SMTP a message is marked `kept`: it lives in the outbox only. A message is claimed before it
//! is sent, so two senders never send it twice; a sender that dies mid-send leaves it `sending`, and it
//! is tried again ten minutes later (SMTP delivery is at least once; the outbox holds it exactly once).

use super::repo;
use crate::state::AppState;

/// Attempts before a message is given up as `failed`.
const MAX_ATTEMPTS: i64 = 5;
/// Messages handled in one pass.
const BATCH: i64 = 100;

/// Sends (or keeps) every message that is due. Returns how many were handled.
pub async fn deliver_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let now = state.clock.now();
    let due = repo::claim_due(&state.pool, now, BATCH).await?;
    let handled = due.len();
    for m in due {
        let Some(mailer) = &state.mailer else {
            repo::finish(&state.pool, m.id, "kept", None, now).await?;
            continue;
        };
        match mailer.send(&m.to_name, &m.to_address, &m.subject, &m.body).await {
            Ok(()) => repo::finish(&state.pool, m.id, "sent", None, state.clock.now()).await?,
            Err(err) if m.attempts >= MAX_ATTEMPTS => {
                tracing::error!(message = m.id, "e-mail given up after {} attempts: {err}", m.attempts);
                repo::finish(&state.pool, m.id, "failed", Some(&err), now).await?;
            }
            Err(err) => {
                tracing::warn!(message = m.id, "e-mail not delivered, will retry: {err}");
                let retry_at = now + 60 * (1 << m.attempts.clamp(0, 10));
                repo::retry_later(&state.pool, m.id, &err, retry_at).await?;
            }
        }
    }
    Ok(handled)
}

/// Sends due e-mail whenever a message is written, and every few seconds for messages that come due
/// later (reminders, retries), until the process stops.
pub fn spawn_sender(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(err) = deliver_due(&state).await {
                tracing::error!("sending e-mail: {err}");
            }
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), state.mail_kick.notified()).await;
        }
    })
}
