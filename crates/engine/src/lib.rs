//! A Chargebee-compatible billing and growth engine on SQLite (tables prefixed `engine_`). Growthkit
//! embeds it on its own database and calls it in process through its Billing port; the
//! `growthkit-engine` binary runs it alone as an offline Chargebee sandbox. Either way it also answers
//! over HTTP at `/api/v2` with Chargebee's paths, JSON shapes, Basic auth and error bodies, which is how
//! Growthkit's reqwest client, and any Chargebee SDK pointed at it, talks to it.
//!
//! It depends on nothing of the app: its wire shapes come from `growthkit-wire`, its clock from
//! `growthkit-clock`, and it keeps its own migrations.
//!
//! Time inside the engine comes from its clock, which can only move forward (time travel). The offset
//! is saved, so a restart keeps the engine's "now".

pub mod api;
pub mod catalog;
pub mod customers;
pub mod db;
pub mod demo;
pub mod events;
pub mod gateway;
pub mod gifts;
pub mod growth;
pub mod hosted_pages;
pub mod idempotency;
pub mod ids;
pub mod invoices;
pub(crate) mod listing;
pub mod offer_emails;
pub mod payment_intents;
pub mod payments;
pub mod safe_url;
pub mod sandbox;
pub mod site;
pub mod subscriptions;
pub mod time;
pub mod webhook_endpoints;

use std::sync::{Arc, RwLock};

use sqlx::SqlitePool;

use growth::config::GrowthConfig;
use growthkit_clock::Clock;
use growthkit_wire::{ApiError, CatalogVersion};

/// Applies the engine's migrations (its own `migrations/sqlite`). They may share a database, and so
/// sqlx's migration table, with a host app's: each set ignores versions it does not know, so version
/// numbers must stay unique across both sets.
pub async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    let mut migrator = sqlx::migrate!("./migrations/sqlite");
    migrator.set_ignore_missing(true);
    migrator.run(pool).await
}

/// The engine: its database, its clock, and the compiled Growth configuration.
pub struct Engine {
    pool: SqlitePool,
    clock: Clock,
    catalog: CatalogVersion,
    /// Where browsers reach this billing site (its card script and hosted pages), without a trailing slash.
    site_url: String,
    growth: RwLock<Arc<GrowthConfig>>,
    cache: growth::cache::DecisionCache,
    /// Wakes the webhook sender when events are recorded.
    webhook_kick: tokio::sync::Notify,
    webhook_http: reqwest::Client,
    /// Where `email` offer options' messages go, once configured.
    mailer: offer_emails::MailerSlot,
}

impl Engine {
    /// Pins the site's product catalog version, restores the saved time-travel offset into `clock` and
    /// compiles the Growth configuration.
    pub async fn start(
        pool: SqlitePool,
        clock: Clock,
        catalog: CatalogVersion,
        site_url: &str,
    ) -> Result<Arc<Engine>, site::StartError> {
        site::pin_catalog(&pool, catalog).await?;
        time::restore(&pool, &clock).await?;
        let growth = growth::config::load(&pool).await?;
        Ok(Arc::new(Engine {
            pool,
            clock,
            catalog,
            site_url: site_url.trim_end_matches('/').to_owned(),
            growth: RwLock::new(Arc::new(growth)),
            cache: growth::cache::DecisionCache::default(),
            webhook_kick: tokio::sync::Notify::new(),
            webhook_http: events::http_client(),
            mailer: offer_emails::MailerSlot::new(),
        }))
    }

    /// `GET /configurations`: the site the engine emulates.
    pub fn configuration(&self) -> growthkit_wire::Configuration {
        growthkit_wire::Configuration {
            domain: "sandbox".into(),
            product_catalog_version: self.catalog,
            chargebee_response_schema_type: match self.catalog {
                CatalogVersion::V1 => "plans_addons".into(),
                CatalogVersion::V2 => "items".into(),
            },
        }
    }

    /// The site's product catalog version.
    pub fn catalog_version(&self) -> CatalogVersion {
        self.catalog
    }

    /// Refuses an endpoint of the other catalog version, as a Chargebee site does.
    pub fn require_catalog(&self, endpoint: CatalogVersion) -> Result<(), ApiError> {
        if endpoint == self.catalog { Ok(()) } else { Err(ApiError::catalog_incompatible(endpoint, self.catalog)) }
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The current compiled Growth configuration (cheap: an `Arc` clone).
    pub fn growth(&self) -> Arc<GrowthConfig> {
        self.growth.read().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// Drops cached customer and subscription facts after a change to either (plan, status, details).
    pub fn forget_subjects(&self) {
        self.cache.subjects.invalidate_all();
    }

    /// Recompiles the Growth configuration after a change to it, so decisions never read it from the
    /// database on the hot path.
    pub async fn reload_growth(&self) -> Result<(), sqlx::Error> {
        let fresh = Arc::new(growth::config::load(&self.pool).await?);
        *self.growth.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = fresh;
        Ok(())
    }
}
