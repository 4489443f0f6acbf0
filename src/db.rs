//! The database pool and its migrations. The app's tables and the embedded engine's live in one SQLite
//! file, opened with the engine's settings.

use sqlx::SqlitePool;

pub use growthkit_engine::db::OpenError;

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("a migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Opens (creating if needed) the SQLite database at `url`.
pub async fn connect(url: &str) -> Result<SqlitePool, DbError> {
    Ok(growthkit_engine::db::open(url, 8).await?)
}

/// A one-connection pool on the same database for hot write paths (the credit ledger): its writers
/// queue for the connection in the pool, in order, instead of meeting at SQLite's lock and retrying.
pub async fn connect_writer(url: &str) -> Result<SqlitePool, DbError> {
    Ok(growthkit_engine::db::open(url, 1).await?)
}

/// Applies pending migrations, the embedded engine's and then the app's; safe to run on every start. A
/// failing one stops start-up rather than serving a half-migrated schema. Both sets share sqlx's
/// migration table, so each ignores the other's versions (which stay unique across the two folders).
pub async fn migrate(pool: &SqlitePool) -> Result<(), DbError> {
    growthkit_engine::migrate(pool).await?;
    let mut app = sqlx::migrate!("./migrations/sqlite");
    app.set_ignore_missing(true);
    app.run(pool).await?;
    Ok(())
}
