//! The site itself: its configuration, events, webhook endpoints and (test sites) time machine.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::{get, post};
use serde_json::Value;

use super::form::{Form, timestamp_in_range};
use super::{ApiResult, ApiState, json, list_params, wrapped};
use crate::webhook_endpoints::EndpointFields;
use growthkit_wire::ApiError;

pub(super) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/configurations", get(configurations))
        .route("/events", get(list_events))
        .route("/events/{id}", get(retrieve_event))
        .route("/webhook_endpoints", get(list_webhook_endpoints).post(create_webhook_endpoint))
        .route("/webhook_endpoints/{id}", get(retrieve_webhook_endpoint).post(update_webhook_endpoint))
        .route("/webhook_endpoints/{id}/delete", post(delete_webhook_endpoint))
        .route("/time_machines/{name}", get(time_machine))
        .route("/time_machines/{name}/travel_forward", post(travel_forward))
        .route("/time_machines/{name}/start_afresh", post(start_afresh))
}

async fn list_events(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    wrapped("event", s.engine.list_events(&list_params(q)).await?)
}

async fn retrieve_event(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "event": s.engine.retrieve_event(&id).await? }))
}

/// `GET /configurations`: the one site the engine emulates.
async fn configurations(State(s): State<ApiState>) -> ApiResult {
    json(serde_json::json!({ "configurations": [s.engine.configuration()] }))
}

fn known_machine(name: &str) -> Result<(), ApiError> {
    if name == "delorean" {
        Ok(())
    } else {
        Err(ApiError::not_found("name", format!("Time machine {name} not found (the engine has one: delorean)")))
    }
}

async fn time_machine(State(s): State<ApiState>, Path(name): Path<String>) -> ApiResult {
    known_machine(&name)?;
    json(serde_json::json!({ "time_machine": s.engine.time_machine().await? }))
}

/// `POST /time_machines/{name}/start_afresh`, with an optional `genesis_time`.
async fn start_afresh(State(s): State<ApiState>, Path(name): Path<String>, bytes: Bytes) -> ApiResult {
    known_machine(&name)?;
    let genesis = Form::parse(&bytes).optional_timestamp("genesis_time")?;
    json(serde_json::json!({ "time_machine": s.engine.start_afresh(genesis).await? }))
}

/// `POST /time_machines/{name}/travel_forward`. The SDKs send `destination_time` form-encoded; a JSON body is
/// also read, for callers that post JSON to every endpoint.
async fn travel_forward(
    State(s): State<ApiState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    bytes: Bytes,
) -> ApiResult {
    known_machine(&name)?;
    let is_json = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let destination = if is_json {
        let v: Value = super::body(&bytes)?;
        let d = v.get("destination_time").ok_or_else(|| ApiError::missing("destination_time"))?;
        let n = d.as_i64().or_else(|| d.as_str().and_then(|s| s.parse().ok()));
        timestamp_in_range(
            "destination_time",
            n.ok_or_else(|| ApiError::param("destination_time", "destination_time : must be an integer"))?,
        )?
    } else {
        Form::parse(&bytes).timestamp("destination_time")?
    };
    json(serde_json::json!({ "time_machine": s.engine.travel_to(destination).await? }))
}

fn endpoint_fields(form: &Form) -> Result<EndpointFields, ApiError> {
    let text = |name: &str| form.optional(name).map(str::to_owned);
    let events = form.list("enabled_events");
    Ok(EndpointFields {
        name: text("name"),
        url: text("url"),
        api_version: text("api_version"),
        primary_url: form.optional_boolean("primary_url")?,
        disabled: form.optional_boolean("disabled")?,
        username: text("basic_auth_username"),
        password: text("basic_auth_password"),
        send_card_resource: form.optional_boolean("send_card_resource")?,
        enabled_events: (!events.is_empty()).then_some(events),
    })
}

async fn create_webhook_endpoint(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let fields = endpoint_fields(&Form::parse(&bytes))?;
    json(serde_json::json!({ "webhook_endpoint": s.engine.create_webhook_endpoint(&fields).await? }))
}

async fn update_webhook_endpoint(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    let fields = endpoint_fields(&Form::parse(&bytes))?;
    json(serde_json::json!({ "webhook_endpoint": s.engine.update_webhook_endpoint(&id, &fields).await? }))
}

async fn retrieve_webhook_endpoint(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "webhook_endpoint": s.engine.retrieve_webhook_endpoint(&id).await? }))
}

async fn list_webhook_endpoints(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    wrapped("webhook_endpoint", s.engine.list_webhook_endpoints(&list_params(q)).await?)
}

async fn delete_webhook_endpoint(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "webhook_endpoint": s.engine.delete_webhook_endpoint(&id).await? }))
}
