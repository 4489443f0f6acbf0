//! All SQL of the credits feature. Ledger writes go through the one-connection writer pool: every entry
//! is one `BEGIN IMMEDIATE` transaction that moves the balance (compare-and-set: never below zero) and
//! appends the entry, so the balance always equals the sum of the entries. Uniqueness — one grant per
//! payment event, one entry per operation key — is left to the unique indexes.

use sqlx::SqlitePool;

use super::model::LedgerLine;

/// A ledger entry to append.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry<'a> {
    /// Credits bought: once per payment event.
    Grant { event_id: &'a str, credits: i64, description: &'a str },
    /// Credits used by the product: once per operation key.
    Consumption { key: &'a str, credits: i64, description: &'a str },
    /// A correction either way: once per operation key.
    Adjustment { key: &'a str, credits: i64, description: &'a str },
}

/// What appending did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// Appended; the new balance.
    Done { balance: i64 },
    /// This event or key was applied before: nothing changed.
    AlreadyApplied,
    /// It would take the balance below zero: nothing changed.
    Insufficient { balance: i64 },
    /// No credit account for this account id.
    UnknownAccount,
}

/// An account's credits row.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CreditAccount {
    pub account_id: String,
    pub customer_id: String,
    pub subscription_id: Option<String>,
    pub pack_id: Option<String>,
    pub pack_quantity: i64,
    pub balance: i64,
    pub low_threshold: i64,
    pub is_low: bool,
    pub low_episode: i64,
    pub prompted_episode: i64,
}

/// Appends `entry` to the account's ledger.
pub async fn apply(writer: &SqlitePool, account_id: &str, entry: &Entry<'_>, now: i64) -> sqlx::Result<Applied> {
    let (kind, delta, event_id, key, description) = match *entry {
        Entry::Grant { event_id, credits, description } => ("grant", credits, Some(event_id), None, description),
        Entry::Consumption { key, credits, description } => ("consumption", -credits, None, Some(key), description),
        Entry::Adjustment { key, credits, description } => ("adjustment", credits, None, Some(key), description),
    };
    let mut tx = writer.begin_with("BEGIN IMMEDIATE").await?;
    // The episode columns read the old balance and flag (SQL evaluates every SET against the old row).
    let moved: Option<(i64,)> = sqlx::query_as(
        "UPDATE credit_accounts
         SET balance = balance + ?1,
             is_low = CASE WHEN balance + ?1 < low_threshold THEN 1 ELSE 0 END,
             low_episode = low_episode + CASE WHEN balance + ?1 < low_threshold AND is_low = 0 THEN 1 ELSE 0 END,
             updated_at = ?2
         WHERE account_id = ?3 AND balance + ?1 >= 0
         RETURNING balance",
    )
    .bind(delta)
    .bind(now)
    .bind(account_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((balance,)) = moved else {
        let current: Option<(i64,)> = sqlx::query_as("SELECT balance FROM credit_accounts WHERE account_id = ?")
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
        return Ok(match current {
            Some((balance,)) => Applied::Insufficient { balance },
            None => Applied::UnknownAccount,
        });
    };
    let appended = sqlx::query(
        "INSERT INTO credit_ledger (account_id, kind, credits, balance_after, event_id, operation_key, description, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(account_id)
    .bind(kind)
    .bind(delta)
    .bind(balance)
    .bind(event_id)
    .bind(key)
    .bind(description)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if appended.rows_affected() == 0 {
        // Dropping the transaction rolls the balance change back.
        return Ok(Applied::AlreadyApplied);
    }
    tx.commit().await?;
    Ok(Applied::Done { balance })
}

/// The account's credits row.
pub async fn account(pool: &SqlitePool, account_id: &str) -> sqlx::Result<Option<CreditAccount>> {
    sqlx::query_as(
        "SELECT account_id, customer_id, subscription_id, pack_id, pack_quantity, balance, low_threshold, is_low,
                low_episode, prompted_episode
         FROM credit_accounts WHERE account_id = ?",
    )
    .bind(account_id)
    .fetch_optional(pool)
    .await
}

/// The account whose credits come from billing customer `customer_id`.
pub async fn account_for_customer(pool: &SqlitePool, customer_id: &str) -> sqlx::Result<Option<String>> {
    let row: Option<(String,)> = sqlx::query_as("SELECT account_id FROM credit_accounts WHERE customer_id = ?")
        .bind(customer_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|(id,)| id))
}

/// Creates the account's credits row (no-op when it exists), naming its billing customer.
pub async fn open_account(writer: &SqlitePool, account_id: &str, customer_id: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO credit_accounts (account_id, customer_id, created_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (account_id) DO NOTHING",
    )
    .bind(account_id)
    .bind(customer_id)
    .bind(now)
    .bind(now)
    .execute(writer)
    .await?;
    Ok(())
}

/// Records the subscription checkout created and the pack top-ups will buy.
pub async fn set_subscription(
    writer: &SqlitePool,
    account_id: &str,
    subscription_id: &str,
    pack_id: &str,
    quantity: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE credit_accounts SET subscription_id = ?, pack_id = ?, pack_quantity = ?, updated_at = ? WHERE account_id = ?",
    )
    .bind(subscription_id)
    .bind(pack_id)
    .bind(quantity)
    .bind(now)
    .bind(account_id)
    .execute(writer)
    .await?;
    Ok(())
}

/// Changes the pack top-ups buy.
pub async fn set_pack(
    writer: &SqlitePool,
    account_id: &str,
    pack_id: &str,
    quantity: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE credit_accounts SET pack_id = ?, pack_quantity = ?, updated_at = ? WHERE account_id = ?")
        .bind(pack_id)
        .bind(quantity)
        .bind(now)
        .bind(account_id)
        .execute(writer)
        .await?;
    Ok(())
}

/// Changes the low-balance threshold; a balance now below it starts an episode.
pub async fn set_threshold(writer: &SqlitePool, account_id: &str, threshold: i64, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE credit_accounts
         SET low_threshold = ?1,
             is_low = CASE WHEN balance < ?1 THEN 1 ELSE 0 END,
             low_episode = low_episode + CASE WHEN balance < ?1 AND is_low = 0 THEN 1 ELSE 0 END,
             updated_at = ?2
         WHERE account_id = ?3",
    )
    .bind(threshold)
    .bind(now)
    .bind(account_id)
    .execute(writer)
    .await?;
    Ok(())
}

/// Marks the popup shown for `episode`; false when it was already (the popup shows once per episode).
pub async fn mark_prompted(writer: &SqlitePool, account_id: &str, episode: i64) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE credit_accounts SET prompted_episode = ?1
         WHERE account_id = ?2 AND prompted_episode < ?1 AND low_episode >= ?1",
    )
    .bind(episode)
    .bind(account_id)
    .execute(writer)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The account's latest ledger entries, newest first.
pub async fn history(pool: &SqlitePool, account_id: &str, limit: i64) -> sqlx::Result<Vec<LedgerLine>> {
    sqlx::query_as(
        "SELECT id, kind, credits, balance_after, description, created_at FROM credit_ledger
         WHERE account_id = ? ORDER BY id DESC LIMIT ?",
    )
    .bind(account_id)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// How a checkout or top-up choice stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionState {
    /// First time this key is seen: go ahead and call billing.
    Fresh,
    /// Seen before: still running, or finished with this status and message.
    Seen { status: String, message: Option<String> },
}

/// Seconds after which a pending choice counts as abandoned by the request that started it.
pub const ABANDONED_AFTER: i64 = 60;

/// Records a choice under its key before billing is called; takes over one left pending by a request
/// that died.
pub async fn start_action(
    writer: &SqlitePool,
    key: &str,
    account_id: &str,
    kind: &str,
    pack: Option<(&str, i64)>,
    now: i64,
) -> sqlx::Result<ActionState> {
    let inserted = sqlx::query(
        "INSERT INTO credit_actions (key, account_id, kind, pack_id, quantity, status, created_at)
         VALUES (?, ?, ?, ?, ?, 'pending', ?) ON CONFLICT (key) DO NOTHING",
    )
    .bind(key)
    .bind(account_id)
    .bind(kind)
    .bind(pack.map(|p| p.0))
    .bind(pack.map(|p| p.1))
    .bind(now)
    .execute(writer)
    .await?;
    if inserted.rows_affected() == 1 {
        return Ok(ActionState::Fresh);
    }
    // Still pending long after any request would have finished: whoever started it died (a crash, a
    // kill) between calling billing and recording the answer. This request takes it over and calls billing
    // again with the same idempotency key, so billing answers what it did the first time, or does it now.
    let taken_over = sqlx::query(
        "UPDATE credit_actions SET created_at = ? WHERE key = ? AND account_id = ? AND status = 'pending'
         AND created_at <= ?",
    )
    .bind(now)
    .bind(key)
    .bind(account_id)
    .bind(now - ABANDONED_AFTER)
    .execute(writer)
    .await?;
    if taken_over.rows_affected() == 1 {
        return Ok(ActionState::Fresh);
    }
    let (status, message): (String, Option<String>) =
        sqlx::query_as("SELECT status, message FROM credit_actions WHERE key = ? AND account_id = ?")
            .bind(key)
            .bind(account_id)
            .fetch_one(writer)
            .await?;
    Ok(ActionState::Seen { status, message })
}

/// Records how a choice ended (`succeeded` or `failed`) and the message shown for it.
pub async fn finish_action(writer: &SqlitePool, key: &str, status: &str, message: &str, now: i64) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE credit_actions SET status = ?, message = ?, finished_at = ? WHERE key = ? AND status = 'pending'",
    )
    .bind(status)
    .bind(message)
    .bind(now)
    .bind(key)
    .execute(writer)
    .await?;
    Ok(())
}

/// Forgets a choice that failed before billing answered, so the same click can be retried.
pub async fn forget_action(writer: &SqlitePool, key: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM credit_actions WHERE key = ? AND status = 'pending'").bind(key).execute(writer).await?;
    Ok(())
}

/// Checks the ledger's invariants over every account: each balance equals the sum of its entries and
/// its newest entry's `balance_after`; no entry leaves a negative balance; one grant per event. Answers
/// the problems found (empty when all hold).
pub async fn audit(pool: &SqlitePool) -> sqlx::Result<Vec<String>> {
    let mut problems = Vec::new();
    let rows: Vec<(String, i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT a.account_id, a.balance, COALESCE(SUM(l.credits), 0),
                (SELECT balance_after FROM credit_ledger WHERE account_id = a.account_id ORDER BY id DESC LIMIT 1)
         FROM credit_accounts a LEFT JOIN credit_ledger l ON l.account_id = a.account_id
         GROUP BY a.account_id, a.balance",
    )
    .fetch_all(pool)
    .await?;
    for (account, balance, sum, last) in rows {
        if balance != sum {
            problems.push(format!("{account}: balance {balance} but entries sum to {sum}"));
        }
        if last.is_some_and(|last| last != balance) {
            problems.push(format!("{account}: balance {balance} but the newest entry says {last:?}"));
        }
        if balance < 0 {
            problems.push(format!("{account}: negative balance {balance}"));
        }
    }
    // Running sums: every prefix of an account's entries must stay at or above zero.
    let negative: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (
             SELECT SUM(credits) OVER (PARTITION BY account_id ORDER BY id) AS running FROM credit_ledger
         ) WHERE running < 0",
    )
    .fetch_one(pool)
    .await?;
    if negative.0 > 0 {
        problems.push(format!("{} entries left a balance below zero", negative.0));
    }
    let doubled: (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM (SELECT event_id FROM credit_ledger WHERE event_id IS NOT NULL
                               GROUP BY event_id HAVING COUNT(*) > 1)",
    )
    .fetch_one(pool)
    .await?;
    if doubled.0 > 0 {
        problems.push(format!("{} payment events granted more than once", doubled.0));
    }
    Ok(problems)
}
