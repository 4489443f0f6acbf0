//! Idempotency keys (`chargebee-idempotency-key`), shared by the HTTP API and the in-process adapter so
//! both behave the same. A key is claimed with an insert before the work runs, so two concurrent requests
//! with one key cannot both run. Within 30 minutes a repeat of the same request gets the stored answer; the
//! same key with a different request is refused. Keys older than the window are forgotten.

use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use super::time::internal;
use growthkit_wire::ApiError;

pub use growthkit_wire::IDEMPOTENCY_KEY_HEADER as KEY_HEADER;
pub const REPLAYED_HEADER: &str = "chargebee-idempotency-replayed";
const WINDOW_SECONDS: i64 = 30 * 60;
const MAX_KEY: usize = 100;

/// The outcome of presenting a key.
#[derive(Debug)]
pub enum Claim {
    /// First use: run the request, then [`finish`] or [`release`].
    Fresh,
    /// Seen before with the same request: answer with this status and body.
    Replay { status: u16, body: String },
}

/// Identifies "the same request": what it asks for (path or operation) and its exact body.
pub fn fingerprint(target: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(target.as_bytes());
    h.update([0]);
    h.update(body);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Claims `key` for the request with fingerprint `hash`.
pub async fn claim(pool: &SqlitePool, key: &str, hash: &str, now: i64) -> Result<Claim, ApiError> {
    if key.is_empty() || key.len() > MAX_KEY {
        return Err(ApiError::param(KEY_HEADER, format!("The idempotency key must be 1 to {MAX_KEY} characters")));
    }
    sqlx::query("DELETE FROM engine_idempotency_keys WHERE key = ? AND created_at <= ?")
        .bind(key)
        .bind(now - WINDOW_SECONDS)
        .execute(pool)
        .await
        .map_err(internal)?;
    let inserted = sqlx::query(
        "INSERT INTO engine_idempotency_keys (key, request_hash, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(key)
    .bind(hash)
    .bind(now)
    .execute(pool)
    .await
    .map_err(internal)?;
    if inserted.rows_affected() == 1 {
        return Ok(Claim::Fresh);
    }
    let stored: Option<(String, Option<i64>, Option<String>)> =
        sqlx::query_as("SELECT request_hash, status, body FROM engine_idempotency_keys WHERE key = ?")
            .bind(key)
            .fetch_optional(pool)
            .await
            .map_err(internal)?;
    match stored {
        Some((stored_hash, _, _)) if stored_hash != hash => {
            Err(ApiError::idempotency_conflict("This idempotency key was already used with a different request"))
        }
        Some((_, Some(status), body)) => {
            Ok(Claim::Replay { status: u16::try_from(status).unwrap_or(200), body: body.unwrap_or_default() })
        }
        _ => Err(ApiError::idempotency_conflict("A request with this idempotency key is still being processed")),
    }
}

/// Stores the answer to a claimed key.
pub async fn finish(pool: &SqlitePool, key: &str, status: u16, body: &str) -> Result<(), ApiError> {
    sqlx::query("UPDATE engine_idempotency_keys SET status = ?, body = ? WHERE key = ?")
        .bind(i64::from(status))
        .bind(body)
        .bind(key)
        .execute(pool)
        .await
        .map_err(internal)?;
    Ok(())
}

/// Frees a claimed key after a failure on our side, so a retry can run.
pub async fn release(pool: &SqlitePool, key: &str) {
    if let Err(err) = sqlx::query("DELETE FROM engine_idempotency_keys WHERE key = ?").bind(key).execute(pool).await {
        tracing::error!("releasing idempotency key: {err}");
    }
}
