//! The site the engine emulates: its product catalog version, chosen at the first start and kept, since a
//! Chargebee site runs one version for good.

use sqlx::SqlitePool;

use growthkit_wire::CatalogVersion;

const CATALOG_KEY: &str = "product_catalog_version";

/// Why the engine cannot start on this database.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("starting the engine: {0}")]
    Db(#[from] sqlx::Error),
    #[error(
        "this database holds a product catalog {} site; GROWTHKIT_PRODUCT_CATALOG={} needs another database",
        .stored.as_str(), .wanted.as_str()
    )]
    CatalogMismatch { stored: CatalogVersion, wanted: CatalogVersion },
}

/// Records `wanted` on a new database, or checks it against the version recorded before.
pub(crate) async fn pin_catalog(pool: &SqlitePool, wanted: CatalogVersion) -> Result<(), StartError> {
    sqlx::query("INSERT INTO engine_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
        .bind(CATALOG_KEY)
        .bind(wanted.as_str())
        .execute(pool)
        .await?;
    let (stored,): (String,) =
        sqlx::query_as("SELECT value FROM engine_settings WHERE key = ?").bind(CATALOG_KEY).fetch_one(pool).await?;
    match CatalogVersion::parse(&stored) {
        Some(stored) if stored == wanted => Ok(()),
        Some(stored) => Err(StartError::CatalogMismatch { stored, wanted }),
        None => Err(StartError::Db(sqlx::Error::Protocol(format!("unknown product catalog version {stored:?}")))),
    }
}
