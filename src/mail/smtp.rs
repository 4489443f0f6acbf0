//! The SMTP side of e-mail (lettre, pooled connections): where mail goes and who it is from. It knows
//! nothing of the outbox; the sender decides what to send and when.

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

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

    /// Sends one plain-text message; the error says why it was not accepted.
    pub async fn send(&self, to_name: &str, to_address: &str, subject: &str, body: &str) -> Result<(), String> {
        let to = Mailbox::new(Some(to_name.to_owned()), to_address.parse().map_err(|e| format!("recipient: {e}"))?);
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject)
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_owned())
            .map_err(|e| format!("building the message: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| e.to_string())
    }
}
