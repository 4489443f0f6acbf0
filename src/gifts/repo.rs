//! All SQL of the gifts feature: purchases (the gifter's time zone), and claim links. E-mails go through
//! the outbox's repo, in the same transaction as the link they carry.

use sqlx::{SqliteConnection, SqlitePool};

/// The gifter's time zone for a gift bought here.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Purchase {
    pub gift_id: String,
    pub account_id: String,
    /// The member who bought it.
    pub user_id: String,
    pub time_zone: String,
    pub utc_offset_minutes: i64,
}

/// Remembers a purchase; a repeat (the same click answered twice) keeps the first.
pub async fn record_purchase(pool: &SqlitePool, p: &Purchase, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO gift_purchases (gift_id, account_id, user_id, time_zone, utc_offset_minutes, created_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (gift_id) DO NOTHING",
    )
    .bind(&p.gift_id)
    .bind(&p.account_id)
    .bind(&p.user_id)
    .bind(&p.time_zone)
    .bind(p.utc_offset_minutes)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// The new time zone after the gifter moved the notification.
pub async fn update_zone(pool: &SqlitePool, gift_id: &str, zone: &str, offset: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE gift_purchases SET time_zone = ?, utc_offset_minutes = ? WHERE gift_id = ?")
        .bind(zone)
        .bind(offset)
        .bind(gift_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub async fn purchase(pool: &SqlitePool, gift_id: &str) -> sqlx::Result<Option<Purchase>> {
    sqlx::query_as(
        "SELECT gift_id, account_id, user_id, time_zone, utc_offset_minutes FROM gift_purchases WHERE gift_id = ?",
    )
    .bind(gift_id)
    .fetch_optional(pool)
    .await
}

/// The time zones of every gift the account bought here.
pub async fn account_purchases(pool: &SqlitePool, account_id: &str) -> sqlx::Result<Vec<Purchase>> {
    sqlx::query_as(
        "SELECT gift_id, account_id, user_id, time_zone, utc_offset_minutes FROM gift_purchases WHERE account_id = ?",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await
}

/// Stores a claim link's token hash. False when the gift has a link already (its e-mail was written
/// with it, so nothing more is to be done).
pub async fn insert_claim_link(
    conn: &mut SqliteConnection,
    token_hash: &str,
    gift_id: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO gift_claim_links (token_hash, gift_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(token_hash)
    .bind(gift_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A claim link: its gift, and when it was used.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ClaimLink {
    pub gift_id: String,
    pub used_at: Option<i64>,
}

pub async fn claim_link(pool: &SqlitePool, token_hash: &str) -> sqlx::Result<Option<ClaimLink>> {
    sqlx::query_as("SELECT gift_id, used_at FROM gift_claim_links WHERE token_hash = ?")
        .bind(token_hash)
        .fetch_optional(pool)
        .await
}

/// Marks the link used (once; a second mark changes nothing).
pub async fn use_claim_link(pool: &SqlitePool, token_hash: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE gift_claim_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL")
        .bind(now)
        .bind(token_hash)
        .execute(pool)
        .await?;
    Ok(())
}
