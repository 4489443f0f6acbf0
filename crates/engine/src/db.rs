//! Opening the engine's SQLite database. Growthkit opens its own database (which embeds the engine's
//! tables) the same way, so both run with the same settings.

use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("DATABASE_URL is not a usable SQLite URL: {0}")]
    Url(sqlx::Error),
    #[error("could not create the database folder {path}: {source}")]
    Folder { path: String, source: std::io::Error },
    #[error("could not open the database: {0}")]
    Open(sqlx::Error),
}

/// Opens (creating if needed) the SQLite database at `url` with up to `connections` connections: WAL so
/// readers never block the writer, a busy timeout so concurrent writers queue instead of failing, and
/// foreign keys enforced.
pub async fn open(url: &str, connections: u32) -> Result<SqlitePool, OpenError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(OpenError::Url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(10))
        .foreign_keys(true);

    let file = options.get_filename();
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| OpenError::Folder { path: dir.display().to_string(), source })?;
    }

    SqlitePoolOptions::new().max_connections(connections).connect_with(options).await.map_err(OpenError::Open)
}
