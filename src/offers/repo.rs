//! All SQL for entitlements and offer acceptances.

use sqlx::SqlitePool;

/// Whether the account has unlocked `feature`.
pub async fn has_feature(pool: &SqlitePool, account_id: &str, feature: &str) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT 1 FROM entitlements WHERE account_id = ? AND feature = ?")
        .bind(account_id)
        .bind(feature)
        .fetch_optional(pool)
        .await?;
    Ok(row.is_some())
}

/// Unlocks `feature` for the account (again is a no-op).
pub async fn grant_feature(
    pool: &SqlitePool,
    account_id: &str,
    feature: &str,
    source: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO entitlements (account_id, feature, granted_at, source) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(account_id)
    .bind(feature)
    .bind(now)
    .bind(source)
    .execute(pool)
    .await?;
    Ok(())
}

/// An acceptance of an offer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Acceptance {
    pub id: String,
    pub account_id: String,
    pub user_id: String,
    pub user_name: String,
    pub personalized_offer_id: String,
    pub option_id: String,
    pub redirect_path: Option<String>,
    pub fulfillment_id: Option<String>,
    pub status: String,
    pub failure_reason: Option<String>,
    pub created_at: i64,
    /// `url_redirect`, `billing_update`, `checkout`, `webhook` or `email`.
    pub processing_type: String,
    pub hosted_page_id: Option<String>,
}

const SELECT: &str = "SELECT a.id, a.account_id, a.user_id, u.name AS user_name, a.personalized_offer_id, a.option_id,
        a.redirect_path, a.fulfillment_id, a.status, a.failure_reason, a.created_at, a.processing_type,
        a.hosted_page_id
     FROM offer_acceptances a JOIN users u ON u.id = a.user_id";

/// A new acceptance in state `accepting`, written before billing is called.
pub struct NewAcceptance<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub user_id: &'a str,
    pub personalized_offer_id: &'a str,
    pub option_id: &'a str,
    pub now: i64,
}

/// Inserts the acceptance. Returns false when an open or completed one for the offer already exists
/// (the partial unique index decides).
pub async fn insert(pool: &SqlitePool, a: &NewAcceptance<'_>) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "INSERT INTO offer_acceptances (id, account_id, user_id, personalized_offer_id, option_id,
             status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'accepting', ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(a.id)
    .bind(a.account_id)
    .bind(a.user_id)
    .bind(a.personalized_offer_id)
    .bind(a.option_id)
    .bind(a.now)
    .bind(a.now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The open or completed acceptance of an offer in an account, if any.
pub async fn open_for_offer(pool: &SqlitePool, account_id: &str, po_id: &str) -> sqlx::Result<Option<Acceptance>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE a.account_id = ? AND a.personalized_offer_id = ?
           AND a.status IN ('accepting', 'in_progress', 'completed')"
    ))
    .bind(account_id)
    .bind(po_id)
    .fetch_optional(pool)
    .await
}

/// The account's latest acceptance still in progress, if any.
pub async fn latest_in_progress(pool: &SqlitePool, account_id: &str) -> sqlx::Result<Option<Acceptance>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE a.account_id = ? AND a.status IN ('accepting', 'in_progress') ORDER BY a.created_at DESC LIMIT 1"
    ))
    .bind(account_id)
    .fetch_optional(pool)
    .await
}

/// The acceptance behind a fulfillment, within an account.
pub async fn by_fulfillment(
    pool: &SqlitePool,
    account_id: &str,
    fulfillment_id: &str,
) -> sqlx::Result<Option<Acceptance>> {
    sqlx::query_as(&format!("{SELECT} WHERE a.account_id = ? AND a.fulfillment_id = ?"))
        .bind(account_id)
        .bind(fulfillment_id)
        .fetch_optional(pool)
        .await
}

/// The acceptance whose checkout is hosted page `page_id`, within an account.
pub async fn by_hosted_page(pool: &SqlitePool, account_id: &str, page_id: &str) -> sqlx::Result<Option<Acceptance>> {
    sqlx::query_as(&format!("{SELECT} WHERE a.account_id = ? AND a.hosted_page_id = ?"))
        .bind(account_id)
        .bind(page_id)
        .fetch_optional(pool)
        .await
}

/// The open acceptance of a personalized offer, in whichever account it was served to (offer ids are
/// billing's and unique to one customer).
pub async fn open_for_offer_id(pool: &SqlitePool, po_id: &str) -> sqlx::Result<Option<Acceptance>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE a.personalized_offer_id = ? AND a.status IN ('accepting', 'in_progress', 'completed')"
    ))
    .bind(po_id)
    .fetch_optional(pool)
    .await
}

/// What billing answered to an acceptance.
pub struct Started<'a> {
    pub fulfillment_id: &'a str,
    /// Where the user continues: our upgrade page's path, or billing's hosted page for a checkout.
    pub redirect_path: &'a str,
    pub processing_type: &'a str,
    pub hosted_page_id: Option<&'a str>,
}

/// Records the fulfillment billing created: `accepting` → `in_progress`.
pub async fn started(pool: &SqlitePool, id: &str, s: &Started<'_>, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE offer_acceptances SET status = 'in_progress', fulfillment_id = ?, redirect_path = ?,
             processing_type = ?, hosted_page_id = ?, updated_at = ?
         WHERE id = ? AND status = 'accepting'",
    )
    .bind(s.fulfillment_id)
    .bind(s.redirect_path)
    .bind(s.processing_type)
    .bind(s.hosted_page_id)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes an acceptance that never reached billing (billing refused it).
pub async fn discard(pool: &SqlitePool, id: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM offer_acceptances WHERE id = ? AND status = 'accepting'").bind(id).execute(pool).await?;
    Ok(())
}

/// `in_progress` → `completed` (compare-and-set).
pub async fn completed(pool: &SqlitePool, id: &str, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE offer_acceptances SET status = 'completed', updated_at = ? WHERE id = ? AND status = 'in_progress'",
    )
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// `accepting` / `in_progress` → `failed` with a reason (compare-and-set).
pub async fn failed(pool: &SqlitePool, id: &str, reason: &str, now: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE offer_acceptances SET status = 'failed', failure_reason = ?, updated_at = ?
         WHERE id = ? AND status IN ('accepting', 'in_progress')",
    )
    .bind(reason)
    .bind(now)
    .bind(id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Acceptances open since at or before `cutoff`, oldest first.
pub async fn stale(pool: &SqlitePool, cutoff: i64, limit: i64) -> sqlx::Result<Vec<Acceptance>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE a.status IN ('accepting', 'in_progress') AND a.created_at <= ? ORDER BY a.created_at LIMIT ?"
    ))
    .bind(cutoff)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// How many acceptances the app holds in each status, for the studio on a Chargebee site.
pub async fn acceptance_counts(pool: &SqlitePool) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT status, COUNT(*) FROM offer_acceptances GROUP BY status ORDER BY status")
        .fetch_all(pool)
        .await
}
