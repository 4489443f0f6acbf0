//! All SQL of the outbox. A message is written once per (topic, kind) — the unique index decides — and
//! moves `waiting → sending → sent | kept | skipped | failed` by compare-and-set, so two senders never
//! deliver the same message.

use sqlx::{SqliteConnection, SqlitePool};

use super::model::OutboxMessage;

/// A message to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage<'a> {
    pub topic: &'a str,
    pub kind: &'a str,
    pub to_address: &'a str,
    pub to_name: &'a str,
    pub subject: &'a str,
    pub body: &'a str,
    pub link: Option<&'a str>,
    pub due_at: i64,
}

/// Writes the message unless one of its kind exists for the topic. True when it was written.
pub async fn enqueue(conn: &mut SqliteConnection, m: &NewMessage<'_>, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO outbox (topic, kind, to_address, to_name, subject, body, link, due_at, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?)
         ON CONFLICT (topic, kind) DO NOTHING",
    )
    .bind(m.topic)
    .bind(m.kind)
    .bind(m.to_address)
    .bind(m.to_name)
    .bind(m.subject)
    .bind(m.body)
    .bind(m.link)
    .bind(m.due_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks the topic's message of `kind` `skipped` if it is still waiting (it no longer applies).
pub async fn skip_waiting(conn: &mut SqliteConnection, topic: &str, kind: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE outbox SET status = 'skipped' WHERE topic = ? AND kind = ? AND status = 'waiting'")
        .bind(topic)
        .bind(kind)
        .execute(conn)
        .await?;
    Ok(())
}

/// A due message, claimed for sending.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Claimed {
    pub id: i64,
    pub topic: String,
    pub kind: String,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub body: String,
    pub attempts: i64,
}

/// How long a message may stay `sending` before another sender takes it over (the first one crashed).
const STALE_CLAIM_SECONDS: i64 = 600;

/// Claims up to `limit` due messages (waiting, or stuck in `sending` after a crash).
pub async fn claim_due(pool: &SqlitePool, now: i64, limit: i64) -> sqlx::Result<Vec<Claimed>> {
    let ids: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM outbox
         WHERE (status = 'waiting' AND due_at <= ?1) OR (status = 'sending' AND claimed_at <= ?1 - ?2)
         ORDER BY due_at, id LIMIT ?3",
    )
    .bind(now)
    .bind(STALE_CLAIM_SECONDS)
    .bind(limit)
    .fetch_all(pool)
    .await?;
    let mut claimed = Vec::new();
    for (id,) in ids {
        let row: Option<Claimed> = sqlx::query_as(
            "UPDATE outbox SET status = 'sending', claimed_at = ?1, attempts = attempts + 1
             WHERE id = ?2 AND ((status = 'waiting' AND due_at <= ?1) OR (status = 'sending' AND claimed_at <= ?1 - ?3))
             RETURNING id, topic, kind, to_address, to_name, subject, body, attempts",
        )
        .bind(now)
        .bind(id)
        .bind(STALE_CLAIM_SECONDS)
        .fetch_optional(pool)
        .await?;
        claimed.extend(row);
    }
    Ok(claimed)
}

/// Ends a claimed message: `sent`, `kept`, `skipped` or `failed`.
pub async fn finish(pool: &SqlitePool, id: i64, status: &str, error: Option<&str>, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET status = ?, last_error = ?, sent_at = CASE WHEN ? IN ('sent', 'kept') THEN ? END
         WHERE id = ? AND status = 'sending'",
    )
    .bind(status)
    .bind(error)
    .bind(status)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Puts a message whose delivery failed back in line, to be tried again at `retry_at`.
pub async fn retry_later(pool: &SqlitePool, id: i64, error: &str, retry_at: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE outbox SET status = 'waiting', last_error = ?, due_at = ? WHERE id = ? AND status = 'sending'")
        .bind(error)
        .bind(retry_at)
        .bind(id)
        .execute(pool)
        .await?;
    Ok(())
}

/// The newest messages that are due (not waiting for a later time, not skipped), to everyone or to one
/// address.
pub async fn visible(
    pool: &SqlitePool,
    to_address: Option<&str>,
    now: i64,
    limit: i64,
) -> sqlx::Result<Vec<OutboxMessage>> {
    sqlx::query_as(
        "SELECT id, kind, to_address, to_name, subject, body, link, status, due_at FROM outbox
         WHERE status <> 'skipped' AND due_at <= ?1 AND (?2 IS NULL OR to_address = ?2 COLLATE NOCASE)
         ORDER BY due_at DESC, id DESC LIMIT ?3",
    )
    .bind(now)
    .bind(to_address)
    .bind(limit)
    .fetch_all(pool)
    .await
}
