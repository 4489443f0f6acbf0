//! Time travel, like Chargebee's Time Machine: the engine's clock moves forward to a destination time,
//! and every time-based rule (cooldowns, the 7-day fulfillment rule, gift and renewal dates) follows.

use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;

use super::Engine;
use growthkit_clock::Clock;
use growthkit_wire::ApiError;

const OFFSET_KEY: &str = "clock_offset_seconds";

/// The time machine as the API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeMachine {
    pub name: String,
    pub time_travel_status: String,
    /// The engine's current time.
    pub destination_time: i64,
    /// How far the engine is ahead of real time, in seconds.
    pub offset_seconds: i64,
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
    pub fn time_machine(&self) -> TimeMachine {
        TimeMachine {
            name: "delorean".into(),
            time_travel_status: "succeeded".into(),
            destination_time: self.clock.now(),
            offset_seconds: self.clock.offset(),
        }
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
        sqlx::query(
            "INSERT INTO engine_settings (key, value) VALUES (?, ?)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )
        .bind(OFFSET_KEY)
        .bind(self.clock.offset().to_string())
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        self.run_due_work().await?;
        Ok(self.time_machine())
    }

    /// Applies every time-based rule that is due now. Called by the worker and after time travel.
    pub async fn run_due_work(&self) -> Result<(), ApiError> {
        self.expire_stale_fulfillments().await?;
        self.run_gift_work().await?;
        self.renew_due_subscriptions().await?;
        Ok(())
    }
}

/// Logs a database failure and turns it into Chargebee's 500 body.
#[track_caller]
pub(crate) fn internal(err: sqlx::Error) -> ApiError {
    let at = std::panic::Location::caller();
    tracing::error!(%at, "engine database error: {err}");
    ApiError::internal()
}
