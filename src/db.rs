//! The database pool and its migrations.

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Embedded migrations: a failing one stops start-up rather than serving a half-migrated schema.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Why the database could not be opened or migrated.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL is not a usable SQLite URL: {0}")]
    Url(sqlx::Error),
    #[error("could not create the database folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("could not open the database: {0}")]
    Open(sqlx::Error),
    #[error("a migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Opens (creating if needed) the SQLite database at `url`: WAL so readers never block the writer,
/// a busy timeout so concurrent writers queue instead of failing, and foreign keys enforced.
pub async fn connect(url: &str) -> Result<SqlitePool, DbError> {
    connect_with(url, 8).await
}

/// A one-connection pool on the same database for hot write paths (the credit ledger): its writers
/// queue for the connection in the pool, in order, instead of meeting at SQLite's lock and retrying.
pub async fn connect_writer(url: &str) -> Result<SqlitePool, DbError> {
    connect_with(url, 1).await
}

async fn connect_with(url: &str, connections: u32) -> Result<SqlitePool, DbError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(DbError::Url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);

    let file = options.get_filename();
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| DbError::Folder { path: dir.display().to_string(), source })?;
    }

    SqlitePoolOptions::new().max_connections(connections).connect_with(options).await.map_err(DbError::Open)
}

/// Applies pending migrations; safe to run on every start.
pub async fn migrate(pool: &SqlitePool) -> Result<(), DbError> {
    MIGRATOR.run(pool).await?;
    Ok(())
}
