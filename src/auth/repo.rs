//! All SQL for accounts and users.

use sqlx::SqlitePool;

use super::model::{CurrentUser, Role, TeamMember};
use growthkit_clock::Timestamp;

/// What sign-in needs to check a password.
#[derive(Debug, sqlx::FromRow)]
pub struct Credentials {
    pub user_id: String,
    pub password_hash: String,
}

/// Looks a user up by e-mail, ignoring case (matches the `users_email_unique` index).
pub async fn credentials_by_email(pool: &SqlitePool, email: &str) -> sqlx::Result<Option<Credentials>> {
    sqlx::query_as("SELECT id AS user_id, password_hash FROM users WHERE lower(email) = lower(?)")
        .bind(email)
        .fetch_optional(pool)
        .await
}

#[derive(sqlx::FromRow)]
struct CurrentUserRow {
    id: String,
    email: String,
    name: String,
    role: String,
    is_admin: bool,
    account_id: String,
    account_name: String,
}

/// The user and their account, if the user still exists.
pub async fn current_user(pool: &SqlitePool, user_id: &str) -> sqlx::Result<Option<CurrentUser>> {
    let row: Option<CurrentUserRow> = sqlx::query_as(
        "SELECT u.id, u.email, u.name, u.role, u.is_admin, a.id AS account_id, a.name AS account_name
         FROM users u JOIN accounts a ON a.id = u.account_id
         WHERE u.id = ?",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| CurrentUser {
        id: r.id,
        email: r.email,
        name: r.name,
        // The CHECK constraint on users.role admits only these two values.
        role: Role::parse(&r.role).unwrap_or(Role::Member),
        is_admin: r.is_admin,
        account_id: r.account_id,
        account_name: r.account_name,
    }))
}

/// Everyone in an account, owners first.
pub async fn team(pool: &SqlitePool, account_id: &str) -> sqlx::Result<Vec<TeamMember>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT name, email, role FROM users WHERE account_id = ?
         ORDER BY CASE role WHEN 'owner' THEN 0 ELSE 1 END, name",
    )
    .bind(account_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, email, role)| TeamMember { name, email, role: Role::parse(&role).unwrap_or(Role::Member) })
        .collect())
}

/// True when no user exists yet (a fresh database).
pub async fn is_empty(pool: &SqlitePool) -> sqlx::Result<bool> {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM users").fetch_one(pool).await?;
    Ok(count == 0)
}

/// A new account.
pub async fn insert_account(
    conn: &mut sqlx::SqliteConnection,
    id: &str,
    name: &str,
    now: Timestamp,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)")
        .bind(id)
        .bind(name)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

/// Links an account to its billing customer and subscription.
pub async fn set_billing_ids(
    conn: &mut sqlx::SqliteConnection,
    account_id: &str,
    customer_id: &str,
    subscription_id: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET billing_customer_id = ?, billing_subscription_id = ? WHERE id = ?")
        .bind(customer_id)
        .bind(subscription_id)
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A new user of an existing account.
pub struct NewUser<'a> {
    pub id: &'a str,
    pub account_id: &'a str,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
    pub is_admin: bool,
}

/// Inserts a user; the unique index refuses a second user with the same e-mail.
pub async fn insert_user(conn: &mut sqlx::SqliteConnection, user: &NewUser<'_>, now: Timestamp) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO users (id, account_id, email, name, password_hash, role, is_admin, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(user.id)
    .bind(user.account_id)
    .bind(user.email)
    .bind(user.name)
    .bind(user.password_hash)
    .bind(user.role.as_str())
    .bind(user.is_admin)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// The billing customer and subscription the account is, if it has them.
pub async fn billing_ids(pool: &SqlitePool, account_id: &str) -> sqlx::Result<Option<(String, String)>> {
    let row: Option<(Option<String>, Option<String>)> =
        sqlx::query_as("SELECT billing_customer_id, billing_subscription_id FROM accounts WHERE id = ?")
            .bind(account_id)
            .fetch_optional(pool)
            .await?;
    Ok(row.and_then(|(c, s)| Some((c?, s?))))
}
