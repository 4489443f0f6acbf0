//! All SQL for Growth: configuration, personalized offers, offer events and fulfillments.

use serde::de::DeserializeOwned;
use sqlx::{SqliteConnection, SqlitePool};

use super::rules::{Audience, OfferDef, PlayStatus, PlayType};
use super::rules::{CustomField, GrowthSettings};
use growthkit_wire::{FulfillmentError, FulfillmentStatus, OfferFulfillment, ProcessingType};

/// Reads a stored enum or JSON column; stored values were written from the same types.
fn decode<T: DeserializeOwned>(json: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn decode_word<T: DeserializeOwned>(word: &str) -> Result<T, sqlx::Error> {
    serde_json::from_value(serde_json::Value::String(word.to_owned())).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn word<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

// ----- configuration -------------------------------------------------------------------------

pub async fn custom_fields(pool: &SqlitePool) -> Result<Vec<CustomField>, sqlx::Error> {
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT id, label, data_type, key FROM engine_custom_fields ORDER BY label")
            .fetch_all(pool)
            .await?;
    rows.into_iter()
        .map(|(id, label, data_type, key)| Ok(CustomField { id, label, data_type: decode_word(&data_type)?, key }))
        .collect()
}

pub async fn upsert_custom_field(pool: &SqlitePool, f: &CustomField, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO engine_custom_fields (id, label, data_type, key, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET label = excluded.label, data_type = excluded.data_type, key = excluded.key",
    )
    .bind(&f.id)
    .bind(&f.label)
    .bind(word(&f.data_type))
    .bind(&f.key)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn audiences(pool: &SqlitePool) -> Result<Vec<Audience>, sqlx::Error> {
    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("SELECT id, name, match_type, rules FROM engine_audiences ORDER BY name")
            .fetch_all(pool)
            .await?;
    rows.into_iter()
        .map(|(id, name, match_type, rules)| {
            Ok(Audience { id, name, match_type: decode_word(&match_type)?, rules: decode(&rules)? })
        })
        .collect()
}

pub async fn upsert_audience(pool: &SqlitePool, a: &Audience, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO engine_audiences (id, name, match_type, rules, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, match_type = excluded.match_type,
             rules = excluded.rules, updated_at = excluded.updated_at",
    )
    .bind(&a.id)
    .bind(&a.name)
    .bind(word(&a.match_type))
    .bind(serde_json::to_string(&a.rules).unwrap_or_else(|_| "[]".into()))
    .bind(now)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

pub async fn offers(pool: &SqlitePool) -> Result<Vec<OfferDef>, sqlx::Error> {
    let rows: Vec<(String, String, String, String, String)> =
        sqlx::query_as("SELECT id, name, title_html, description_html, options FROM engine_offers ORDER BY name")
            .fetch_all(pool)
            .await?;
    rows.into_iter()
        .map(|(id, name, title_html, description_html, options)| {
            Ok(OfferDef { id, name, title_html, description_html, options: decode(&options)? })
        })
        .collect()
}

pub async fn upsert_offer(pool: &SqlitePool, o: &OfferDef, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO engine_offers (id, name, title_html, description_html, options, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, title_html = excluded.title_html,
             description_html = excluded.description_html, options = excluded.options, updated_at = excluded.updated_at",
    )
    .bind(&o.id)
    .bind(&o.name)
    .bind(&o.title_html)
    .bind(&o.description_html)
    .bind(serde_json::to_string(&o.options).unwrap_or_else(|_| "[]".into()))
    .bind(now)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// A play as stored (ids, not resolved objects).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlayRecord {
    pub id: String,
    pub name: String,
    pub play_type: PlayType,
    pub audience_id: Option<String>,
    pub trigger: String,
    pub offer_id: String,
    pub priority: i64,
    pub status: PlayStatus,
    pub created_at: i64,
}

pub async fn plays(pool: &SqlitePool) -> Result<Vec<PlayRecord>, sqlx::Error> {
    type Row = (String, String, String, Option<String>, String, String, i64, String, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, play_type, audience_id, trigger, offer_id, priority, status, created_at
         FROM engine_plays ORDER BY priority, created_at, id",
    )
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, name, play_type, audience_id, trigger, offer_id, priority, status, created_at)| {
            Ok(PlayRecord {
                id,
                name,
                play_type: decode_word(&play_type)?,
                audience_id,
                trigger,
                offer_id,
                priority,
                status: decode_word(&status)?,
                created_at,
            })
        })
        .collect()
}

pub async fn upsert_play(pool: &SqlitePool, p: &PlayRecord, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO engine_plays (id, name, play_type, audience_id, trigger, offer_id, priority, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, play_type = excluded.play_type,
             audience_id = excluded.audience_id, trigger = excluded.trigger, offer_id = excluded.offer_id,
             priority = excluded.priority, status = excluded.status, updated_at = excluded.updated_at",
    )
    .bind(&p.id)
    .bind(&p.name)
    .bind(word(&p.play_type))
    .bind(&p.audience_id)
    .bind(&p.trigger)
    .bind(&p.offer_id)
    .bind(p.priority)
    .bind(word(&p.status))
    .bind(p.created_at)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

const SETTINGS_KEY: &str = "growth_settings";

pub async fn settings(pool: &SqlitePool) -> Result<GrowthSettings, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as("SELECT value FROM engine_settings WHERE key = ?")
        .bind(SETTINGS_KEY)
        .fetch_optional(pool)
        .await?;
    Ok(match row {
        Some((json,)) => decode(&json)?,
        None => GrowthSettings::default(),
    })
}

pub async fn save_settings(pool: &SqlitePool, s: &GrowthSettings) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO engine_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(SETTINGS_KEY)
    .bind(serde_json::to_string(s).unwrap_or_default())
    .execute(pool)
    .await?;
    Ok(())
}

// ----- personalized offers and events ----------------------------------------------------------

/// What the engine remembers about one decided offer for a customer and subscription.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OfferMemoryRow {
    pub id: String,
    pub offer_id: String,
    pub play_id: String,
    pub dismissed_at: Option<i64>,
    pub accepted: bool,
}

/// Every offer decided before for this customer and subscription, with its dismissal and whether a live
/// fulfillment exists — the only read a decision makes besides the customer itself.
pub async fn offer_memory(
    pool: &SqlitePool,
    customer_id: &str,
    subscription_key: &str,
) -> Result<Vec<OfferMemoryRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT po.id, po.offer_id, po.play_id, po.dismissed_at,
                EXISTS (SELECT 1 FROM engine_offer_fulfillments f
                        WHERE f.offer_id = po.offer_id AND f.play_id = po.play_id
                          AND f.subscription_key = po.subscription_key
                          AND f.status IN ('in_progress', 'completed')) AS accepted
         FROM engine_personalized_offers po
         WHERE po.customer_id = ? AND po.subscription_key = ?",
    )
    .bind(customer_id)
    .bind(subscription_key)
    .fetch_all(pool)
    .await
}

/// Records a first decision. Returns false when the id or the tuple already exists.
pub async fn insert_personalized_offer(
    pool: &SqlitePool,
    id: &str,
    offer_id: &str,
    play_id: &str,
    customer_id: &str,
    subscription_key: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO engine_personalized_offers (id, offer_id, play_id, customer_id, subscription_key, first_decided_at)
         VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(id)
    .bind(offer_id)
    .bind(play_id)
    .bind(customer_id)
    .bind(subscription_key)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The id already recorded for this tuple, if any.
pub async fn personalized_offer_id(
    pool: &SqlitePool,
    offer_id: &str,
    play_id: &str,
    customer_id: &str,
    subscription_key: &str,
) -> Result<Option<String>, sqlx::Error> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM engine_personalized_offers
         WHERE offer_id = ? AND play_id = ? AND customer_id = ? AND subscription_key = ?",
    )
    .bind(offer_id)
    .bind(play_id)
    .bind(customer_id)
    .bind(subscription_key)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(id,)| id))
}

/// A personalized offer as recorded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonalizedOfferRow {
    pub id: String,
    pub offer_id: String,
    pub play_id: String,
    pub customer_id: String,
    pub subscription_key: String,
}

impl PersonalizedOfferRow {
    /// The subscription the offer was decided for, if any (see `service::subscription_key`).
    pub fn subscription_id(&self) -> Option<&str> {
        Some(self.subscription_key.as_str()).filter(|k| !k.starts_with("customer:"))
    }
}

/// The personalized offer a fulfillment belongs to.
pub async fn fulfillment_offer(conn: &mut SqliteConnection, id: &str) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT personalized_offer_id FROM engine_offer_fulfillments WHERE id = ?")
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn personalized_offer(pool: &SqlitePool, id: &str) -> Result<Option<PersonalizedOfferRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT id, offer_id, play_id, customer_id, subscription_key FROM engine_personalized_offers WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

pub async fn insert_event(conn: &mut SqliteConnection, po_id: &str, kind: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO engine_offer_events (personalized_offer_id, type, occurred_at) VALUES (?, ?, ?)")
        .bind(po_id)
        .bind(kind)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_dismissed(conn: &mut SqliteConnection, po_id: &str, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE engine_personalized_offers SET dismissed_at = ? WHERE id = ?")
        .bind(now)
        .bind(po_id)
        .execute(conn)
        .await?;
    Ok(())
}

// ----- fulfillments ------------------------------------------------------------------------------

#[derive(sqlx::FromRow)]
struct FulfillmentRow {
    id: String,
    personalized_offer_id: String,
    option_id: String,
    processing_type: String,
    redirect_url: Option<String>,
    status: String,
    error_code: Option<String>,
    error_message: Option<String>,
    created_at: i64,
    completed_at: Option<i64>,
    failed_at: Option<i64>,
}

impl FulfillmentRow {
    fn into_resource(self) -> Result<OfferFulfillment, sqlx::Error> {
        Ok(OfferFulfillment {
            id: self.id,
            personalized_offer_id: self.personalized_offer_id,
            option_id: self.option_id,
            processing_type: decode_word::<ProcessingType>(&self.processing_type)?,
            status: FulfillmentStatus::parse(&self.status)
                .ok_or_else(|| sqlx::Error::Decode(format!("fulfillment status {}", self.status).into()))?,
            redirect_url: self.redirect_url,
            created_at: Some(self.created_at),
            completed_at: self.completed_at,
            failed_at: self.failed_at,
            error: self
                .error_code
                .map(|code| FulfillmentError { code, message: self.error_message.unwrap_or_default() }),
        })
    }
}

const FULFILLMENT_COLUMNS: &str = "id, personalized_offer_id, option_id, processing_type, redirect_url, status, \
     error_code, error_message, created_at, completed_at, failed_at";

/// A new, in-progress fulfillment.
pub struct NewFulfillment<'a> {
    pub id: &'a str,
    pub po: &'a PersonalizedOfferRow,
    pub option_id: &'a str,
    pub processing_type: ProcessingType,
    pub redirect_url: Option<&'a str>,
    pub now: i64,
}

/// Inserts the fulfillment; the partial unique index refuses a second live one (a unique violation).
pub async fn insert_fulfillment(conn: &mut SqliteConnection, f: &NewFulfillment<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO engine_offer_fulfillments
             (id, personalized_offer_id, option_id, processing_type, redirect_url, status,
              offer_id, play_id, subscription_key, created_at)
         VALUES (?, ?, ?, ?, ?, 'in_progress', ?, ?, ?, ?)",
    )
    .bind(f.id)
    .bind(&f.po.id)
    .bind(f.option_id)
    .bind(f.processing_type.as_str())
    .bind(f.redirect_url)
    .bind(&f.po.offer_id)
    .bind(&f.po.play_id)
    .bind(&f.po.subscription_key)
    .bind(f.now)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn fulfillment(pool: &SqlitePool, id: &str) -> Result<Option<OfferFulfillment>, sqlx::Error> {
    let row: Option<FulfillmentRow> =
        sqlx::query_as(&format!("SELECT {FULFILLMENT_COLUMNS} FROM engine_offer_fulfillments WHERE id = ?"))
            .bind(id)
            .fetch_optional(pool)
            .await?;
    row.map(FulfillmentRow::into_resource).transpose()
}

/// Moves an in-progress fulfillment to `completed` (compare-and-set). Returns whether it moved.
pub async fn complete_fulfillment(conn: &mut SqliteConnection, id: &str, now: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE engine_offer_fulfillments SET status = 'completed', completed_at = ?
         WHERE id = ? AND status = 'in_progress'",
    )
    .bind(now)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Moves an in-progress fulfillment to `failed` with an error (compare-and-set). Returns whether it moved.
pub async fn fail_fulfillment(
    conn: &mut SqliteConnection,
    id: &str,
    code: &str,
    message: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE engine_offer_fulfillments SET status = 'failed', failed_at = ?, error_code = ?, error_message = ?
         WHERE id = ? AND status = 'in_progress'",
    )
    .bind(now)
    .bind(code)
    .bind(message)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Fails every fulfillment still in progress that was created at or before `cutoff`. Returns the
/// personalized offer ids of those it failed, for their `failed` events.
pub async fn fail_stale_fulfillments(
    conn: &mut SqliteConnection,
    cutoff: i64,
    code: &str,
    message: &str,
    now: i64,
) -> Result<Vec<String>, sqlx::Error> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "UPDATE engine_offer_fulfillments SET status = 'failed', failed_at = ?, error_code = ?, error_message = ?
         WHERE status = 'in_progress' AND created_at <= ?
         RETURNING personalized_offer_id",
    )
    .bind(now)
    .bind(code)
    .bind(message)
    .bind(cutoff)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
