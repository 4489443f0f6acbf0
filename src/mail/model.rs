//! Outbox messages as `/outbox` shows them.

use serde::{Deserialize, Serialize};

/// One e-mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct OutboxMessage {
    pub id: i64,
    pub kind: String,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
    pub link: Option<String>,
    /// `sending`, `sent` (accepted by the SMTP server), `kept` (no SMTP configured) or `failed`.
    pub status: String,
    pub due_at: i64,
}

/// What `/outbox` shows: the newest messages the viewer may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxView {
    pub messages: Vec<OutboxMessage>,
    /// True for the product team, who see every message; others see what was sent to them.
    pub everyone: bool,
    /// Whether SMTP delivery is configured (otherwise messages are kept here only).
    pub smtp: bool,
}
