//! Events and their delivery as webhooks. An event is written in the same transaction as the change it
//! reports, together with one delivery row per webhook endpoint, so a change never goes unreported and
//! a restart loses nothing. Deliveries are POSTed as JSON with HTTP Basic auth; anything but a 2xx is
//! retried on Chargebee's schedule (+2 min, +6 min, +30 min, +1 h, +5 h, +1 d, +2 d) in engine time, so
//! time travel drives retries too. Receivers must deduplicate: a delivery can repeat after a crash.

use std::time::Duration;

use sqlx::SqliteConnection;

use super::listing::{Attr, ListQuery, ListSpec, Sort};
use super::time::internal;
use super::{Engine, ids};
use growthkit_wire::{ApiError, Event, EventContent, ListParams, Page};

/// Seconds to wait before each retry; its length is the number of retries after the first attempt.
const RETRY_AFTER: [i64; 7] = [120, 360, 1_800, 3_600, 18_000, 86_400, 172_800];

/// Who caused an event: an API call or the engine's own scheduled work (renewals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Api,
    ScheduledJob,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Api => "api",
            Source::ScheduledJob => "scheduled_job",
        }
    }
}

/// Writes an event and schedules its delivery to every endpoint. Call inside the change's transaction.
pub(crate) async fn record(
    conn: &mut SqliteConnection,
    event_type: &str,
    source: Source,
    content: &EventContent,
    now: i64,
) -> Result<String, ApiError> {
    let id = ids::random("ev_");
    let json = serde_json::to_string(content).map_err(|e| {
        tracing::error!("serializing event content: {e}");
        ApiError::internal()
    })?;
    sqlx::query("INSERT INTO engine_events (id, event_type, source, occurred_at, content) VALUES (?, ?, ?, ?, ?)")
        .bind(&id)
        .bind(event_type)
        .bind(source.as_str())
        .bind(now)
        .bind(json)
        .execute(&mut *conn)
        .await
        .map_err(internal)?;
    sqlx::query(
        "INSERT INTO engine_webhook_deliveries (event_id, endpoint_id, status, next_attempt_at)
         SELECT ?, id, 'scheduled', ? FROM engine_webhook_endpoints
         WHERE disabled = 0
           AND (enabled_events IS NULL OR EXISTS (SELECT 1 FROM json_each(enabled_events) WHERE value = ?))",
    )
    .bind(&id)
    .bind(now)
    .bind(event_type)
    .execute(&mut *conn)
    .await
    .map_err(internal)?;
    Ok(id)
}

const EVENT_COLUMNS: &str = "id, event_type, source, occurred_at, content";

/// `GET /events`, oldest first by default. Event types are not checked against Chargebee's long list: a type
/// the engine never records simply matches nothing.
static LIST: ListSpec = ListSpec {
    attrs: &[
        Attr::id("id", "id"),
        Attr::one_of("event_type", "event_type", &[]),
        Attr::one_of(
            "source",
            "source",
            &[
                "admin_console",
                "api",
                "scheduled_job",
                "hosted_page",
                "portal",
                "system",
                "none",
                "js_api",
                "migration",
                "bulk_operation",
                "external_service",
            ],
        ),
        Attr::timestamp("occurred_at", "occurred_at"),
    ],
    sorts: &[Sort::time("occurred_at", "occurred_at")],
    default_sort: Sort::time("occurred_at", "occurred_at"),
    default_descending: false,
    tiebreak: "seq",
    switches: &[],
    columns: EVENT_COLUMNS,
    from: "FROM engine_events",
    scope: None,
};

#[derive(sqlx::FromRow)]
struct EventRow {
    id: String,
    event_type: String,
    source: String,
    occurred_at: i64,
    content: String,
}

impl EventRow {
    fn into_event(self) -> Result<Event, ApiError> {
        let content = serde_json::from_str(&self.content).map_err(|e| {
            tracing::error!(event = %self.id, "stored event content unreadable: {e}");
            ApiError::internal()
        })?;
        Ok(Event {
            id: self.id,
            occurred_at: self.occurred_at,
            source: self.source,
            object: "event".into(),
            api_version: "v2".into(),
            event_type: self.event_type,
            content,
        })
    }
}

/// A due delivery with what is needed to send it.
#[derive(sqlx::FromRow)]
struct Due {
    event_id: String,
    endpoint_id: String,
    attempts: i64,
    url: String,
    username: Option<String>,
    password: Option<String>,
}

/// Where webhooks go; the app registers itself at start-up when it uses the built-in engine. Endpoints made
/// through the API are in [`crate::webhook_endpoints`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    pub id: String,
    pub url: String,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl Engine {
    /// Adds or replaces a webhook endpoint. Events recorded from now on are delivered to it.
    pub async fn save_webhook_endpoint(&self, endpoint: &WebhookEndpoint) -> Result<(), ApiError> {
        sqlx::query(
            "INSERT INTO engine_webhook_endpoints (id, name, url, username, password, created_at) VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET url = excluded.url, username = excluded.username, password = excluded.password",
        )
        .bind(&endpoint.id)
        .bind(&endpoint.id)
        .bind(&endpoint.url)
        .bind(&endpoint.username)
        .bind(&endpoint.password)
        .bind(self.clock.now())
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        Ok(())
    }

    /// `GET /events/{id}`.
    pub async fn retrieve_event(&self, id: &str) -> Result<Event, ApiError> {
        let row: Option<EventRow> = sqlx::query_as(&format!("SELECT {EVENT_COLUMNS} FROM engine_events WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        row.ok_or_else(|| ApiError::not_found("event_id", format!("Event {id} not found")))?.into_event()
    }

    /// `GET /events`.
    pub async fn list_events(&self, params: &ListParams) -> Result<Page<Event>, ApiError> {
        let query = ListQuery::parse(&LIST, params)?;
        let (rows, next_offset) = query.page::<EventRow, _>(&self.pool).await.map_err(internal)?;
        let list = rows.into_iter().map(EventRow::into_event).collect::<Result<_, _>>()?;
        Ok(Page { list, next_offset })
    }

    /// Wakes the webhook sender after a change recorded events (it also polls on its own).
    pub(crate) fn kick_webhooks(&self) {
        self.webhook_kick.notify_one();
    }

    /// Sends every delivery that is due now; answers how many were delivered successfully.
    pub async fn deliver_webhooks(&self) -> Result<usize, ApiError> {
        let mut delivered = 0;
        loop {
            let now = self.clock.now();
            let due: Vec<Due> = sqlx::query_as(
                "SELECT d.event_id, d.endpoint_id, d.attempts, w.url, w.username, w.password
                 FROM engine_webhook_deliveries d
                 JOIN engine_webhook_endpoints w ON w.id = d.endpoint_id
                 JOIN engine_events e ON e.id = d.event_id
                 WHERE d.status = 'scheduled' AND d.next_attempt_at <= ?
                 ORDER BY e.seq LIMIT 50",
            )
            .bind(now)
            .fetch_all(&self.pool)
            .await
            .map_err(internal)?;
            if due.is_empty() {
                return Ok(delivered);
            }
            for d in due {
                if self.send_one(&d, now).await? {
                    delivered += 1;
                }
            }
        }
    }

    /// Claims one delivery attempt and makes it. Answers whether it succeeded.
    async fn send_one(&self, d: &Due, now: i64) -> Result<bool, ApiError> {
        let retry_at = RETRY_AFTER.get(d.attempts as usize).map_or(i64::MAX / 2, |after| now + after);
        let claimed = sqlx::query(
            "UPDATE engine_webhook_deliveries SET attempts = attempts + 1, next_attempt_at = ?
             WHERE event_id = ? AND endpoint_id = ? AND attempts = ? AND status = 'scheduled'",
        )
        .bind(retry_at)
        .bind(&d.event_id)
        .bind(&d.endpoint_id)
        .bind(d.attempts)
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        if claimed.rows_affected() != 1 {
            return Ok(false);
        }
        let row: EventRow = sqlx::query_as(&format!("SELECT {EVENT_COLUMNS} FROM engine_events WHERE id = ?"))
            .bind(&d.event_id)
            .fetch_one(&self.pool)
            .await
            .map_err(internal)?;
        let event = row.into_event()?;
        let mut req = self.webhook_http.post(&d.url).json(&event);
        if let Some(user) = &d.username {
            req = req.basic_auth(user, d.password.as_deref());
        }
        let (ok, status, error) = match req.send().await {
            Ok(res) if res.status().is_success() => (true, Some(res.status().as_u16()), None),
            Ok(res) => (false, Some(res.status().as_u16()), Some(format!("HTTP {}", res.status()))),
            Err(e) => (false, None, Some(e.without_url().to_string())),
        };
        let last_attempt = d.attempts as usize >= RETRY_AFTER.len();
        let new_status = match (ok, last_attempt) {
            (true, _) => "succeeded",
            (false, true) => "failed",
            (false, false) => "scheduled",
        };
        if !ok {
            tracing::warn!(event = %d.event_id, endpoint = %d.endpoint_id, attempt = d.attempts + 1,
                error = error.as_deref().unwrap_or_default(), "webhook delivery failed");
        }
        sqlx::query(
            "UPDATE engine_webhook_deliveries SET status = ?, last_http_status = ?, last_error = ?, delivered_at = ?
             WHERE event_id = ? AND endpoint_id = ?",
        )
        .bind(new_status)
        .bind(status.map(i64::from))
        .bind(&error)
        .bind(ok.then_some(now))
        .bind(&d.event_id)
        .bind(&d.endpoint_id)
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        Ok(ok)
    }
}

/// Sends due webhooks whenever the engine records events, and every few seconds for retries.
pub fn spawn_sender(engine: std::sync::Arc<Engine>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(err) = engine.deliver_webhooks().await {
                tracing::error!("webhook delivery: {err}");
            }
            // Either a change recorded an event, or it is time to look for retries that came due.
            let _ = tokio::time::timeout(Duration::from_secs(5), engine.webhook_kick.notified()).await;
        }
    })
}

/// The HTTP client webhooks are sent with: Chargebee's published timeouts are not known, so these
/// follow the figures its text is commonly quoted with (20 s to connect, 60 s in all).
pub(crate) fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(20))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent("ChargeBee")
        .build()
        .unwrap_or_default()
}
