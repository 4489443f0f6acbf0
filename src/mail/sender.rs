//! Delivers due outbox messages. With `SMTP_URL` set, each goes to the SMTP server (lettre, pooled
//! connections); a failure is retried with growing pauses and ends `failed` after a few attempts.
//! Without SMTP a message is marked `kept`: it lives in the outbox only. A message is claimed before it
//! is sent, so two senders never send it twice; a sender that dies mid-send leaves it `sending`, and it
//! is tried again ten minutes later (SMTP delivery is at least once; the outbox holds it exactly once).

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::repo::{self, Claimed};
use crate::state::AppState;

/// Attempts before a message is given up as `failed`.
const MAX_ATTEMPTS: i64 = 5;
/// Messages handled in one pass.
const BATCH: i64 = 100;

/// The SMTP side: where mail goes and who it is from.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// Why the mailer could not be set up from its settings.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct MailerError(String);

impl Mailer {
    /// A mailer for `url` (`smtp://host:port`, `smtp://user:pass@host?tls=required`, `smtps://…`), sending
    /// as `from`.
    pub fn new(url: &str, from: &str) -> Result<Self, MailerError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailerError(format!("SMTP_URL is not a usable SMTP address: {e}")))?
            .build();
        let from = from.parse().map_err(|e| MailerError(format!("GROWTHKIT_MAIL_FROM is not an address: {e}")))?;
        Ok(Mailer { transport, from })
    }

    async fn send(&self, m: &Claimed) -> Result<(), String> {
        let to = Mailbox::new(Some(m.to_name.clone()), m.to_address.parse().map_err(|e| format!("recipient: {e}"))?);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&m.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(m.body.clone())
            .map_err(|e| format!("building the message: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
    }
}

/// Sends (or keeps) every message that is due. Returns how many were handled.
pub async fn deliver_due(state: &AppState) -> Result<usize, sqlx::Error> {
    let now = state.clock.now();
    let due = repo::claim_due(&state.pool, now, BATCH).await?;
    let handled = due.len();
    for m in due {
        if !still_wanted(state, &m).await {
            repo::finish(&state.pool, m.id, "skipped", None, now).await?;
            continue;
        }
        let Some(mailer) = &state.mailer else {
            repo::finish(&state.pool, m.id, "kept", None, now).await?;
            continue;
        };
        match mailer.send(&m).await {
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

/// A message written ahead of time may no longer apply when it comes due (a claim reminder for a gift
/// claimed meanwhile). Decided by the feature that wrote it.
async fn still_wanted(state: &AppState, m: &Claimed) -> bool {
    match m.kind.as_str() {
        crate::gifts::service::REMINDER_KIND => crate::gifts::service::reminder_still_wanted(state, &m.topic).await,
        _ => true,
    }
}
