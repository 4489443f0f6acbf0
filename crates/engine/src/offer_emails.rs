//! The e-mail an `email` offer option sends when accepted: Chargebee mails the offer to the customer and the
//! merchant fulfils it. The message (the offer's copy as plain text, and the option's link) is written in
//! the fulfillment's transaction and delivered by the worker over SMTP, retried with backoff in engine
//! time. Without a mail server configured (`SMTP_URL`) messages wait, and go out once one is.

use std::sync::OnceLock;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sqlx::SqliteConnection;

use super::Engine;
use super::time::internal;
use growthkit_wire::{ApiError, Customer, Timestamp};

/// Attempts before a message is given up on, and the first retry's wait (doubling after).
const MAX_ATTEMPTS: i64 = 6;
const FIRST_RETRY_SECONDS: i64 = 120;

/// Where the engine's mail goes.
pub struct OfferMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl OfferMailer {
    /// A mailer for `url` (`smtp://host:port`, `smtps://user:pass@host`), sending as `from`.
    pub fn new(url: &str, from: &str) -> Result<Self, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| format!("SMTP_URL is not a usable SMTP address: {e}"))?
            .build();
        let from = from.parse().map_err(|e| format!("the sender address is not an address: {e}"))?;
        Ok(OfferMailer { transport, from })
    }
}

/// The offer's copy, for the message.
pub(crate) struct OfferMail<'a> {
    pub fulfillment_id: &'a str,
    pub title_html: &'a str,
    pub description_html: &'a str,
    pub label: &'a str,
    pub link: Option<&'a str>,
}

/// Text of an HTML fragment: every tag dropped (ammonia keeps nothing but text), entities decoded.
fn plain(html: &str) -> String {
    let text = ammonia::Builder::empty().clean(html).to_string();
    html_escape::decode_html_entities(&text).split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Queues the offer's e-mail to the customer, in the fulfillment's transaction. A customer without an
/// address gets none (logged): the fulfillment stands, and the merchant still fulfils it.
pub(crate) async fn queue(
    conn: &mut SqliteConnection,
    customer: &Customer,
    mail: &OfferMail<'_>,
    now: Timestamp,
) -> Result<(), ApiError> {
    let Some(address) = customer.email.as_deref().filter(|e| !e.trim().is_empty()) else {
        tracing::warn!(customer = %customer.id, "email offer option accepted by a customer without an e-mail address");
        return Ok(());
    };
    let name = [customer.first_name.as_deref(), customer.last_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let mut body = format!("{}\n\n{}\n", plain(mail.title_html), plain(mail.description_html));
    if let Some(link) = mail.link {
        body.push_str(&format!("\n{}: {link}\n", mail.label));
    }
    sqlx::query(
        "INSERT INTO engine_offer_emails
             (fulfillment_id, to_address, to_name, subject, body, status, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
    )
    .bind(mail.fulfillment_id)
    .bind(address)
    .bind(name)
    .bind(plain(mail.title_html))
    .bind(body)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await
    .map_err(internal)
    .map(drop)
}

#[derive(sqlx::FromRow)]
struct Due {
    fulfillment_id: String,
    to_address: String,
    to_name: String,
    subject: String,
    body: String,
    attempts: i64,
}

impl Engine {
    /// Sends offer e-mails through `mailer` from now on (once; a second call is ignored).
    pub fn use_mailer(&self, mailer: OfferMailer) {
        if self.mailer.set(mailer).is_err() {
            tracing::warn!("the engine's mailer was already set");
        }
    }

    /// Sends every offer e-mail that is due. Returns how many went out.
    pub async fn deliver_offer_emails(&self) -> Result<usize, ApiError> {
        let Some(mailer) = self.mailer.get() else { return Ok(0) };
        let now = self.clock.now();
        let due: Vec<Due> = sqlx::query_as(
            "SELECT fulfillment_id, to_address, to_name, subject, body, attempts FROM engine_offer_emails
             WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT 50",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(internal)?;
        let mut sent = 0;
        for mail in due {
            match send(mailer, &mail).await {
                Ok(()) => {
                    sqlx::query(
                        "UPDATE engine_offer_emails SET status = 'sent', sent_at = ?, attempts = attempts + 1
                         WHERE fulfillment_id = ? AND status = 'pending'",
                    )
                    .bind(now)
                    .bind(&mail.fulfillment_id)
                    .execute(&self.pool)
                    .await
                    .map_err(internal)?;
                    sent += 1;
                }
                Err(err) => {
                    let attempts = mail.attempts + 1;
                    let status = if attempts >= MAX_ATTEMPTS { "failed" } else { "pending" };
                    tracing::warn!(fulfillment = %mail.fulfillment_id, attempts, "offer e-mail not sent: {err}");
                    sqlx::query(
                        "UPDATE engine_offer_emails SET status = ?, attempts = ?, last_error = ?, next_attempt_at = ?
                         WHERE fulfillment_id = ? AND status = 'pending'",
                    )
                    .bind(status)
                    .bind(attempts)
                    .bind(err)
                    .bind(now + (FIRST_RETRY_SECONDS << (attempts - 1).min(10)))
                    .bind(&mail.fulfillment_id)
                    .execute(&self.pool)
                    .await
                    .map_err(internal)?;
                }
            }
        }
        Ok(sent)
    }
}

async fn send(mailer: &OfferMailer, mail: &Due) -> Result<(), String> {
    let address = mail.to_address.parse().map_err(|e| format!("recipient: {e}"))?;
    let to = Mailbox::new(Some(mail.to_name.clone()).filter(|n| !n.is_empty()), address);
    let message = Message::builder()
        .from(mailer.from.clone())
        .to(to)
        .subject(&mail.subject)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .map_err(|e| format!("building the message: {e}"))?;
    mailer.transport.send(message).await.map(drop).map_err(|e| e.to_string())
}

/// The engine's slot for its mailer, filled at start-up when mail is configured.
pub(crate) type MailerSlot = OnceLock<OfferMailer>;
