//! Time travel, like Chargebee's Time Machine: the engine's clock moves forward to a destination time,
//! and every time-based rule (cooldowns, the 7-day fulfillment rule, gift and renewal dates) follows.

use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;

use super::Engine;
use growthkit_clock::Clock;
use growthkit_wire::ApiError;

const OFFSET_KEY: &str = "clock_offset_seconds";
const GENESIS_KEY: &str = "genesis_time";

/// What `start_afresh` deletes: everything a site's customers did, in an order their references allow.
/// The catalog, the Growth configuration, gift settings and webhook endpoints stay, as on a Chargebee test
/// site.
const SITE_DATA: &[&str] = &[
    "engine_webhook_deliveries",
    "engine_events",
    "engine_idempotency_keys",
    "engine_offer_events",
    "engine_hosted_pages",
    "engine_offer_emails",
    "engine_offer_fulfillments",
    "engine_personalized_offers",
    "engine_gift_timelines",
    "engine_gifts",
    "engine_unbilled_charges",
    "engine_transactions",
    "engine_invoices",
    "engine_payment_intents",
    "engine_subscriptions",
    "engine_payment_sources",
    "engine_customers",
];

/// The time machine as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeMachine {
    pub name: String,
    pub time_travel_status: String,
    /// The engine's current time.
    pub destination_time: i64,
    /// How far the engine is ahead of real time, in seconds.
    pub offset_seconds: i64,
    /// When the site last started afresh, if it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genesis_time: Option<i64>,
}

/// Loads the saved offset into the clock at start-up.
pub async fn restore(pool: &SqlitePool, clock: &Clock) -> Result<(), sqlx::Error> {
    let saved: Option<(String,)> =
        sqlx::query_as("SELECT value FROM engine_settings WHERE key = ?").bind(OFFSET_KEY).fetch_optional(pool).await?;
    if let Some(offset) = saved.and_then(|(v,)| v.parse::<i64>().ok()) {
        clock.restore_offset(offset);
    }
    Ok(())
}

impl Engine {
    /// The time machine's state.
    pub async fn time_machine(&self) -> Result<TimeMachine, ApiError> {
        let genesis: Option<(String,)> = sqlx::query_as("SELECT value FROM engine_settings WHERE key = ?")
            .bind(GENESIS_KEY)
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        Ok(TimeMachine {
            name: "delorean".into(),
            time_travel_status: "succeeded".into(),
            destination_time: self.clock.now(),
            offset_seconds: self.clock.offset(),
            genesis_time: genesis.and_then(|(v,)| v.parse().ok()),
        })
    }

    /// `POST /time_machines/delorean/start_afresh`: deletes every customer, subscription, invoice, gift,
    /// offer decision and event, and starts the clock over at `genesis` (default: real time now). Refused
    /// for a time before real time, which the engine's clock cannot show.
    pub async fn start_afresh(&self, genesis: Option<i64>) -> Result<TimeMachine, ApiError> {
        let base = self.clock.now() - self.clock.offset();
        let at = genesis.unwrap_or(base);
        if at < base {
            return Err(ApiError::param("genesis_time", "genesis_time cannot be earlier than the current real time"));
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        sqlx::query("UPDATE engine_customers SET primary_payment_source_id = NULL")
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        for table in SITE_DATA {
            sqlx::query(&format!("DELETE FROM {table}")).execute(&mut *tx).await.map_err(internal)?;
        }
        self.clock.restart_at(at).map_err(|e| ApiError::param("genesis_time", e.to_string()))?;
        for (key, value) in [(OFFSET_KEY, self.clock.offset()), (GENESIS_KEY, at)] {
            save_setting(&mut tx, key, value).await.map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        self.forget_subjects();
        self.cache.memory.invalidate_all();
        self.time_machine().await
    }

    /// Moves the engine's time forward to `destination` (Unix seconds), saves the offset, and runs the
    /// rules that came due on the way.
    pub async fn travel_to(&self, destination: i64) -> Result<TimeMachine, ApiError> {
        let now = self.clock.now();
        if destination <= now {
            return Err(ApiError::param("destination_time", "destination_time must be later than the current time"));
        }
        self.travel_by(destination - now).await
    }

    /// Moves the engine's time forward by `seconds` (> 0).
    pub async fn travel_by(&self, seconds: i64) -> Result<TimeMachine, ApiError> {
        if seconds <= 0 {
            return Err(ApiError::param("seconds", "time can only move forward"));
        }
        self.clock.advance(seconds).map_err(|e| ApiError::param("destination_time", e.to_string()))?;
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        save_setting(&mut conn, OFFSET_KEY, self.clock.offset()).await.map_err(internal)?;
        drop(conn);
        self.run_due_work().await?;
        self.time_machine().await
    }

    /// Applies every time-based rule that is due now. Called by the worker and after time travel.
    pub async fn run_due_work(&self) -> Result<(), ApiError> {
        self.expire_stale_fulfillments().await?;
        self.abandon_expired_checkouts().await?;
        self.deliver_offer_emails().await?;
        self.run_gift_work().await?;
        self.renew_due_subscriptions().await?;
        Ok(())
    }
}

async fn save_setting(conn: &mut sqlx::SqliteConnection, key: &str, value: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO engine_settings (key, value) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key)
    .bind(value.to_string())
    .execute(conn)
    .await
    .map(drop)
}

/// Logs a database failure and turns it into Chargebee's 500 body.
#[track_caller]
pub(crate) fn internal(err: sqlx::Error) -> ApiError {
    let at = std::panic::Location::caller();
    tracing::error!(%at, "engine database error: {err}");
    ApiError::internal()
}
