//! `webhook_endpoints`: where the engine sends events, managed as Chargebee's API does (create, list, retrieve,
//! update, delete). Every enabled endpoint gets every event it subscribes to, each delivery retried on its own
//! (see [`crate::events`]), so several apps can share one engine. Chargebee allows five per site.

use super::listing::{ListQuery, ListSpec, Sort};
use super::time::internal;
use super::{Engine, ids};
use growthkit_wire::{ApiError, ListParams, Page, WebhookEndpoint};

/// Chargebee's limit of endpoints per site.
pub const MAX_ENDPOINTS: i64 = 5;

/// Fields given on create or update; `None` leaves a field as it is (on create: its default).
#[derive(Debug, Default)]
pub struct EndpointFields {
    pub name: Option<String>,
    pub url: Option<String>,
    pub api_version: Option<String>,
    pub primary_url: Option<bool>,
    pub disabled: Option<bool>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub send_card_resource: Option<bool>,
    pub enabled_events: Option<Vec<String>>,
}

#[derive(sqlx::FromRow)]
struct EndpointRow {
    id: String,
    name: String,
    url: String,
    disabled: bool,
    primary_url: bool,
    enabled_events: Option<String>,
}

impl From<EndpointRow> for WebhookEndpoint {
    fn from(r: EndpointRow) -> Self {
        WebhookEndpoint {
            id: r.id,
            name: r.name,
            url: r.url,
            send_card_resource: false,
            disabled: r.disabled,
            primary_url: r.primary_url,
            api_version: "v2".into(),
            enabled_events: r.enabled_events.and_then(|e| serde_json::from_str(&e).ok()),
        }
    }
}

const COLUMNS: &str = "id, name, url, disabled, primary_url, enabled_events";

static LIST: ListSpec = ListSpec {
    attrs: &[],
    sorts: &[],
    default_sort: Sort::time("created_at", "created_at"),
    default_descending: false,
    tiebreak: "rowid",
    switches: &[],
    columns: COLUMNS,
    from: "FROM engine_webhook_endpoints",
    scope: None,
};

fn check(fields: &EndpointFields) -> Result<(), ApiError> {
    if let Some(name) = &fields.name
        && (name.trim().is_empty() || name.chars().count() > 50)
    {
        return Err(ApiError::param("name", "name : 1 to 50 characters"));
    }
    if let Some(url) = &fields.url {
        let parsed = reqwest::Url::parse(url).map_err(|_| ApiError::param("url", "url : is not a URL"))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() || url.len() > 250 {
            return Err(ApiError::param("url", "url : must be an http or https URL of at most 250 characters"));
        }
    }
    if let Some(version) = &fields.api_version
        && version != "v2"
    {
        // The engine writes events in the v2 shape only.
        return Err(ApiError::param("api_version", format!("api_version : {version} is not supported; use v2")));
    }
    if fields.send_card_resource == Some(true) {
        return Err(ApiError::param("send_card_resource", "send_card_resource : the engine keeps no card resource"));
    }
    if let Some(events) = &fields.enabled_events
        && events
            .iter()
            .any(|e| e.is_empty() || e.len() > 100 || !e.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    {
        return Err(ApiError::param("enabled_events", "enabled_events : must be event types such as gift_claimed"));
    }
    for (name, value) in [("basic_auth_username", &fields.username), ("basic_auth_password", &fields.password)] {
        if value.as_ref().is_some_and(|v| v.len() > 250) {
            return Err(ApiError::param(name, format!("{name} : at most 250 characters")));
        }
    }
    Ok(())
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("webhook_endpoint_id", format!("Webhook endpoint {id} not found"))
}

impl Engine {
    /// `POST /webhook_endpoints`: `name` and `url` are required.
    pub async fn create_webhook_endpoint(&self, fields: &EndpointFields) -> Result<WebhookEndpoint, ApiError> {
        let name = fields.name.as_deref().ok_or_else(|| ApiError::missing("name"))?;
        let url = fields.url.as_deref().ok_or_else(|| ApiError::missing("url"))?;
        check(fields)?;
        let id = ids::random("whv2_");
        let events = fields.enabled_events.as_ref().map(|e| serde_json::to_string(e).unwrap_or_default());
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM engine_webhook_endpoints")
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?;
        if count >= MAX_ENDPOINTS {
            return Err(ApiError::invalid_state(
                None,
                format!("A site can have at most {MAX_ENDPOINTS} webhook endpoints; delete one first"),
            ));
        }
        sqlx::query(
            "INSERT INTO engine_webhook_endpoints
                 (id, name, url, username, password, disabled, primary_url, enabled_events, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(name.trim())
        .bind(url)
        .bind(&fields.username)
        .bind(&fields.password)
        .bind(fields.disabled.unwrap_or(false))
        .bind(fields.primary_url.unwrap_or(false))
        .bind(events)
        .bind(self.clock.now())
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        let endpoint = read(&mut tx, &id).await?;
        tx.commit().await.map_err(internal)?;
        Ok(endpoint)
    }

    /// `POST /webhook_endpoints/{id}`: changes the fields given.
    pub async fn update_webhook_endpoint(
        &self,
        id: &str,
        fields: &EndpointFields,
    ) -> Result<WebhookEndpoint, ApiError> {
        check(fields)?;
        let events = fields.enabled_events.as_ref().map(|e| serde_json::to_string(e).unwrap_or_default());
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        let changed = sqlx::query(
            "UPDATE engine_webhook_endpoints SET
                 name = COALESCE(?, name), url = COALESCE(?, url), username = COALESCE(?, username),
                 password = COALESCE(?, password), disabled = COALESCE(?, disabled),
                 primary_url = COALESCE(?, primary_url), enabled_events = COALESCE(?, enabled_events)
             WHERE id = ?",
        )
        .bind(fields.name.as_deref().map(str::trim))
        .bind(&fields.url)
        .bind(&fields.username)
        .bind(&fields.password)
        .bind(fields.disabled)
        .bind(fields.primary_url)
        .bind(events)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        if changed.rows_affected() == 0 {
            return Err(not_found(id));
        }
        let endpoint = read(&mut tx, id).await?;
        tx.commit().await.map_err(internal)?;
        Ok(endpoint)
    }

    /// `GET /webhook_endpoints/{id}`.
    pub async fn retrieve_webhook_endpoint(&self, id: &str) -> Result<WebhookEndpoint, ApiError> {
        read(&mut *self.pool.acquire().await.map_err(internal)?, id).await
    }

    /// `GET /webhook_endpoints`, oldest first.
    pub async fn list_webhook_endpoints(&self, params: &ListParams) -> Result<Page<WebhookEndpoint>, ApiError> {
        let query = ListQuery::parse(&LIST, params)?;
        let (rows, next_offset) = query.page::<EndpointRow, _>(&self.pool).await.map_err(internal)?;
        Ok(Page { list: rows.into_iter().map(WebhookEndpoint::from).collect(), next_offset })
    }

    /// `POST /webhook_endpoints/{id}/delete`: the endpoint and its deliveries, sent or waiting, go.
    pub async fn delete_webhook_endpoint(&self, id: &str) -> Result<WebhookEndpoint, ApiError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        let endpoint = read(&mut tx, id).await?;
        sqlx::query("DELETE FROM engine_webhook_deliveries WHERE endpoint_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        sqlx::query("DELETE FROM engine_webhook_endpoints WHERE id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        Ok(endpoint)
    }
}

async fn read(conn: &mut sqlx::SqliteConnection, id: &str) -> Result<WebhookEndpoint, ApiError> {
    let row: Option<EndpointRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM engine_webhook_endpoints WHERE id = ?"))
            .bind(id)
            .fetch_optional(conn)
            .await
            .map_err(internal)?;
    row.map(WebhookEndpoint::from).ok_or_else(|| not_found(id))
}
