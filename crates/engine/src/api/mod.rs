//! The engine's HTTP API under `/api/v2`, speaking Chargebee's wire format: HTTP Basic auth with the API
//! key as user name, JSON bodies, `{message, type, api_error_code, param}` errors, and
//! `chargebee-idempotency-key` on POSTs.

mod auth;
mod idempotency;

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Engine;
use growthkit_clock::MAX_TIMESTAMP;
use growthkit_wire::{
    AddonCharge, AddonQuantity, ApiError, CardDetails, CreateGiftRequest, CreateSubscriptionRequest,
    FulfillmentEnvelope, FulfillmentStatus, GiftPayment, GiftQuery, ItemPriceQuery, OfferEventType, Page,
    PersonalizedOffersRequest, ShippingAddress, SubscriptionCustomer,
};

/// What the API handlers share.
#[derive(Clone)]
pub struct ApiState {
    pub engine: Arc<Engine>,
    pub api_key: Arc<str>,
}

/// The `/api/v2` router (mount it with `nest("/api/v2", …)`), usable inside any app's router.
pub fn router<S: Clone + Send + Sync + 'static>(engine: Arc<Engine>, api_key: &str) -> Router<S> {
    let state = ApiState { engine, api_key: api_key.into() };
    Router::new()
        .route("/personalized_offers", post(personalized_offers))
        .route("/offer_events", post(offer_events))
        .route("/offer_fulfillments", post(create_fulfillment))
        .route("/offer_fulfillments/{id}", get(retrieve_fulfillment).post(update_fulfillment))
        .route("/subscriptions/{id}", get(retrieve_subscription))
        .route("/subscriptions/{id}/update_for_items", post(update_for_items))
        .route("/customers", post(create_customer))
        .route("/customers/{id}", get(retrieve_customer))
        .route("/subscriptions", get(list_subscriptions).post(create_subscription))
        .route("/gift_settings", get(gift_settings))
        .route("/customers/{id}/subscriptions", post(create_subscription_for_customer))
        .route("/subscriptions/{id}/cancel", post(cancel_subscription))
        .route("/subscriptions/{id}/remove_scheduled_cancellation", post(remove_scheduled_cancellation))
        .route("/subscriptions/{id}/charge_addon_at_term_end", post(charge_addon_at_term_end))
        .route("/invoices/charge_addon", post(charge_addon))
        .route("/invoices", get(list_invoices))
        .route("/unbilled_charges", get(list_unbilled_charges))
        .route("/item_prices", get(list_item_prices))
        .route("/events", get(list_events))
        .route("/gifts/create_for_items", post(create_gift))
        .route("/gifts", get(list_gifts))
        .route("/gifts/{id}", get(retrieve_gift))
        .route("/gifts/{id}/claim", post(claim_gift))
        .route("/gifts/{id}/cancel", post(cancel_gift))
        .route("/gifts/{id}/update_gift", post(update_gift))
        .route("/time_machines/{name}", get(time_machine))
        .route("/time_machines/{name}/travel_forward", post(travel_forward))
        .fallback(unknown_path)
        .layer(axum::middleware::from_fn_with_state(state.clone(), idempotency::replay_or_record))
        .layer(axum::middleware::from_fn_with_state(state.clone(), auth::require_api_key))
        .with_state(state)
}

/// An [`ApiError`] as an HTTP answer: its status, and Chargebee's error body. (A wrapper because the
/// error type lives in the wire crate, which knows nothing of axum.)
pub(crate) struct Refusal(pub ApiError);

impl From<ApiError> for Refusal {
    fn from(err: ApiError) -> Self {
        Refusal(err)
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.0.http_status_code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.0)).into_response()
    }
}

type ApiResult = Result<Response, Refusal>;

fn json(value: impl serde::Serialize) -> ApiResult {
    Ok(axum::Json(value).into_response())
}

/// Reads a JSON body. Bodies are parsed here rather than by an extractor so every failure is a Chargebee
/// error body, never axum's plain-text rejection.
fn body<T: DeserializeOwned>(bytes: &Bytes) -> Result<T, ApiError> {
    let text = if bytes.is_empty() { &b"{}"[..] } else { &bytes[..] };
    serde_json::from_slice(text)
        .map_err(|e| ApiError::invalid_request(format!("The request body is not valid JSON: {e}")))
}

/// A required string field of a JSON object body.
fn required<'a>(v: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    match v.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) | Some(Value::Null) | None => Err(ApiError::missing(field)),
        Some(_) => Err(ApiError::param(field, format!("{field} : must be a string"))),
    }
}

async fn personalized_offers(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let req: PersonalizedOffersRequest = body(&bytes)?;
    json(s.engine.personalized_offers(&req).await?)
}

async fn offer_events(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let v: Value = body(&bytes)?;
    let po = required(&v, "personalized_offer_id")?;
    let kind = match required(&v, "type")? {
        "viewed" => OfferEventType::Viewed,
        "dismissed" => OfferEventType::Dismissed,
        other => {
            return Err(ApiError::param("type", format!("type : {other} is not one of viewed, dismissed")).into());
        }
    };
    s.engine.record_offer_event(po, kind).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn create_fulfillment(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let v: Value = body(&bytes)?;
    let f = s.engine.create_fulfillment(required(&v, "personalized_offer_id")?, required(&v, "option_id")?).await?;
    json(FulfillmentEnvelope { offer_fulfillment: f })
}

async fn retrieve_fulfillment(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(FulfillmentEnvelope { offer_fulfillment: s.engine.retrieve_fulfillment(&id).await? })
}

async fn update_fulfillment(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    let v: Value = body(&bytes)?;
    // Chargebee's SDKs send the id in the body as well as the path; when both are given they must agree.
    if let Some(body_id) = v.get("id").and_then(Value::as_str)
        && body_id != id
    {
        return Err(ApiError::param("id", "id in the body does not match the path").into());
    }
    let status = match required(&v, "status")? {
        "completed" => FulfillmentStatus::Completed,
        "failed" => FulfillmentStatus::Failed,
        other => {
            return Err(ApiError::param("status", format!("status : {other} is not one of completed, failed")).into());
        }
    };
    let reason = v.get("failure_reason").and_then(Value::as_str);
    json(FulfillmentEnvelope { offer_fulfillment: s.engine.update_fulfillment(&id, status, reason).await? })
}

/// Form parameters (`application/x-www-form-urlencoded`, Chargebee's billing API encoding) by name,
/// bracketed names included as written, e.g. `card[number]`.
struct Form(std::collections::HashMap<String, String>);

impl Form {
    fn parse(bytes: &Bytes) -> Self {
        Form(form_urlencoded::parse(bytes).into_owned().collect())
    }

    fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()).ok_or_else(|| ApiError::missing(name))
    }

    fn number(&self, name: &str) -> Result<u32, ApiError> {
        self.required(name)?.parse().map_err(|_| ApiError::param(name, format!("{name} : must be a number")))
    }

    fn query(raw: Option<&str>) -> Self {
        Form(form_urlencoded::parse(raw.unwrap_or_default().as_bytes()).into_owned().collect())
    }

    fn optional(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    fn integer(&self, name: &str) -> Result<i64, ApiError> {
        self.required(name)?.parse().map_err(|_| ApiError::param(name, format!("{name} : must be an integer")))
    }

    /// `true`/`false` (absent is `false`).
    fn boolean(&self, name: &str) -> Result<bool, ApiError> {
        match self.optional(name) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(ApiError::param(name, format!("{name} : must be true or false"))),
        }
    }

    /// An optional `true`/`false` (absent is `None`).
    fn optional_boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.optional(name).map(|_| self.boolean(name)).transpose()
    }

    /// A Unix timestamp, 0 to [`MAX_TIMESTAMP`].
    fn timestamp(&self, name: &str) -> Result<i64, ApiError> {
        timestamp_in_range(name, self.integer(name)?)
    }

    fn optional_timestamp(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.optional(name).map(|_| self.timestamp(name)).transpose()
    }

    /// `shipping_address[...]`, when any of its fields is given.
    fn shipping_address(&self) -> Result<Option<ShippingAddress>, ApiError> {
        if !self.0.keys().any(|k| k.starts_with("shipping_address[")) {
            return Ok(None);
        }
        let field = |f: &str| self.required(&format!("shipping_address[{f}]")).map(str::to_owned);
        let optional = |f: &str| self.optional(&format!("shipping_address[{f}]")).map(str::to_owned);
        Ok(Some(ShippingAddress {
            first_name: field("first_name")?,
            last_name: field("last_name")?,
            line1: field("line1")?,
            line2: optional("line2"),
            city: field("city")?,
            state: optional("state"),
            zip: field("zip")?,
            country: field("country")?,
        }))
    }

    /// The list `limit` (1 to 100, default 10).
    fn limit(&self) -> Result<i64, ApiError> {
        match self.optional("limit") {
            None => Ok(10),
            Some(_) => {
                let limit = self.integer("limit")?;
                if (1..=100).contains(&limit) {
                    Ok(limit)
                } else {
                    Err(ApiError::param("limit", "limit : must be between 1 and 100"))
                }
            }
        }
    }

    fn card(&self) -> Result<CardDetails, ApiError> {
        Ok(CardDetails {
            number: self.required("card[number]")?.to_owned(),
            expiry_month: self.number("card[expiry_month]")?,
            expiry_year: self.number("card[expiry_year]")?,
            cvv: self.required("card[cvv]")?.to_owned(),
        })
    }

    /// `addons[id][i]` with `addons[quantity][i]` (default 1), for i = 0, 1, … while present.
    fn addons(&self) -> Result<Vec<AddonQuantity>, ApiError> {
        let mut addons = Vec::new();
        for i in 0.. {
            let Some(id) = self.optional(&format!("addons[id][{i}]")) else { break };
            let qty_name = format!("addons[quantity][{i}]");
            let quantity = match self.optional(&qty_name) {
                None => 1,
                Some(_) => self.integer(&qty_name)?,
            };
            addons.push(AddonQuantity { id: id.to_owned(), quantity });
        }
        Ok(addons)
    }

    /// One addon charge's `addon_id` and `addon_quantity` (required: credit packs are quantity-based).
    fn addon_charge(&self, subscription_id: &str) -> Result<AddonCharge, ApiError> {
        Ok(AddonCharge {
            subscription_id: subscription_id.to_owned(),
            addon_id: self.required("addon_id")?.to_owned(),
            addon_quantity: self.integer("addon_quantity")?,
        })
    }
}

/// One resource under its name, as list answers wrap each entry: `{"invoice": {…}}`.
fn wrapped<T: serde::Serialize>(name: &str, page: Page<T>) -> ApiResult {
    let list: Vec<Value> = page.list.into_iter().map(|item| serde_json::json!({ name: item })).collect();
    let mut body = serde_json::json!({ "list": list });
    if let Some(next) = page.next_offset {
        body["next_offset"] = Value::String(next);
    }
    json(body)
}

async fn create_subscription(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    let customer = SubscriptionCustomer::New {
        id: form.required("customer[id]")?.to_owned(),
        email: form.required("customer[email]")?.to_owned(),
        first_name: form.optional("customer[first_name]").unwrap_or_default().to_owned(),
        last_name: form.optional("customer[last_name]").unwrap_or_default().to_owned(),
    };
    created(&s, &form, customer).await
}

async fn create_subscription_for_customer(
    State(s): State<ApiState>,
    Path(id): Path<String>,
    bytes: Bytes,
) -> ApiResult {
    created(&s, &Form::parse(&bytes), SubscriptionCustomer::Existing { id }).await
}

async fn created(s: &ApiState, form: &Form, customer: SubscriptionCustomer) -> ApiResult {
    let req = CreateSubscriptionRequest {
        customer,
        plan_id: form.required("plan_id")?.to_owned(),
        addons: form.addons()?,
        card: form.card()?,
    };
    json(s.engine.create_subscription(&req).await?)
}

async fn cancel_subscription(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    let end_of_term = Form::parse(&bytes).boolean("end_of_term")?;
    json(serde_json::json!({ "subscription": s.engine.cancel_subscription(&id, end_of_term).await? }))
}

async fn remove_scheduled_cancellation(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "subscription": s.engine.remove_scheduled_cancellation(&id).await? }))
}

async fn charge_addon_at_term_end(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    let charge = Form::parse(&bytes).addon_charge(&id)?;
    json(serde_json::json!({ "estimate": s.engine.charge_addon_at_term_end(&charge).await? }))
}

async fn charge_addon(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    let charge = form.addon_charge(form.required("subscription_id")?)?;
    json(serde_json::json!({ "invoice": s.engine.charge_addon(&charge).await? }))
}

async fn list_invoices(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    let q = Form::query(q.as_deref());
    let page = s
        .engine
        .list_invoices(
            q.optional("subscription_id[is]"),
            q.optional("customer_id[is]"),
            q.limit()?,
            q.optional("offset"),
        )
        .await?;
    wrapped("invoice", page)
}

async fn list_unbilled_charges(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    let q = Form::query(q.as_deref());
    let list = s.engine.unbilled_charges(q.required("subscription_id[is]")?).await?;
    wrapped("unbilled_charge", Page { list, next_offset: None })
}

async fn list_item_prices(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    let q = Form::query(q.as_deref());
    let query = ItemPriceQuery {
        item_type: q.optional("item_type[is]").map(str::to_owned),
        item_family_id: q.optional("item_family_id[is]").map(str::to_owned),
    };
    wrapped("item_price", Page { list: s.engine.item_prices(&query).await?, next_offset: None })
}

async fn create_customer(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    let customer = s
        .engine
        .create_customer(
            form.required("id")?,
            form.optional("first_name").unwrap_or_default(),
            form.optional("last_name").unwrap_or_default(),
            form.required("email")?,
        )
        .await?;
    json(serde_json::json!({ "customer": customer }))
}

async fn create_gift(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    let payment = if form.optional("card[number]").is_some() {
        GiftPayment::Card(form.card()?)
    } else {
        GiftPayment::SourceOnFile
    };
    let req = CreateGiftRequest {
        gifter_customer_id: form.required("gifter[customer_id]")?.to_owned(),
        signature: form.required("gifter[signature]")?.to_owned(),
        note: form.optional("gifter[note]").map(str::to_owned),
        payment,
        receiver_customer_id: form.required("gift_receiver[customer_id]")?.to_owned(),
        receiver_first_name: form.required("gift_receiver[first_name]")?.to_owned(),
        receiver_last_name: form.required("gift_receiver[last_name]")?.to_owned(),
        receiver_email: form.required("gift_receiver[email]")?.to_owned(),
        scheduled_at: form.optional_timestamp("scheduled_at")?,
        auto_claim: form.optional_boolean("auto_claim")?,
        no_expiry: form.optional_boolean("no_expiry")?,
        claim_expiry_date: form.optional_timestamp("claim_expiry_date")?,
        item_price_id: form.required("subscription_items[item_price_id][0]")?.to_owned(),
        shipping_address: form.shipping_address()?,
    };
    json(s.engine.create_gift(&req).await?)
}

async fn retrieve_gift(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(s.engine.retrieve_gift(&id).await?)
}

async fn list_gifts(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    let q = Form::query(q.as_deref());
    let query = GiftQuery {
        status: q.optional("status[is]").map(str::to_owned),
        gifter_customer_id: q.optional("gifter[customer_id][is]").map(str::to_owned),
        receiver_email: q.optional("gift_receiver[email][is]").map(str::to_owned),
    };
    let page = s.engine.list_gifts(&query, q.limit()?, q.optional("offset")).await?;
    let list: Vec<Value> =
        page.list.into_iter().map(|g| serde_json::json!({ "gift": g.gift, "subscription": g.subscription })).collect();
    let mut body = serde_json::json!({ "list": list });
    if let Some(next) = page.next_offset {
        body["next_offset"] = Value::String(next);
    }
    json(body)
}

async fn claim_gift(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    json(s.engine.claim_gift(&id, form.shipping_address()?.as_ref()).await?)
}

async fn retrieve_customer(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "customer": s.engine.retrieve_customer(&id).await? }))
}

/// A Growthkit extension (Chargebee keeps these in its admin settings): the site's gift settings, so an
/// app in front of the engine can follow them in its own checkout and portal pages.
async fn gift_settings(State(s): State<ApiState>) -> ApiResult {
    json(serde_json::json!({ "gift_settings": s.engine.gift_settings().await? }))
}

async fn list_subscriptions(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    let q = Form::query(q.as_deref());
    let is_gift = q.optional_boolean("gift_id[is_present]")?;
    let list = s.engine.list_subscriptions(is_gift, q.optional("status[is]"), q.limit()?).await?;
    wrapped("subscription", Page { list, next_offset: None })
}

async fn cancel_gift(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(s.engine.cancel_gift(&id).await?)
}

async fn update_gift(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    json(s.engine.update_gift(&id, form.timestamp("scheduled_at")?).await?)
}

async fn list_events(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    let q = Form::query(q.as_deref());
    wrapped("event", s.engine.list_events(q.optional("event_type[is]"), q.limit()?, q.optional("offset")).await?)
}

async fn retrieve_subscription(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "subscription": s.engine.subscription(&id).await? }))
}

async fn update_for_items(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    let card = form.card()?;
    let card = crate::gateway::Card {
        number: card.number,
        expiry_month: card.expiry_month,
        expiry_year: card.expiry_year,
        cvv: card.cvv,
    };
    let change = s.engine.change_plan(&id, form.required("subscription_items[item_price_id][0]")?, &card).await?;
    json(change)
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
    json(serde_json::json!({ "time_machine": s.engine.time_machine() }))
}

async fn travel_forward(State(s): State<ApiState>, Path(name): Path<String>, bytes: Bytes) -> ApiResult {
    known_machine(&name)?;
    let v: Value = body(&bytes)?;
    let destination = v
        .get("destination_time")
        .and_then(|d| d.as_i64().or_else(|| d.as_str().and_then(|s| s.parse().ok())))
        .ok_or_else(|| ApiError::missing("destination_time"))?;
    let destination = timestamp_in_range("destination_time", destination)?;
    json(serde_json::json!({ "time_machine": s.engine.travel_to(destination).await? }))
}

/// Chargebee's 400 for a timestamp outside 0..=[`MAX_TIMESTAMP`] (year 9999).
fn timestamp_in_range(name: &str, value: i64) -> Result<i64, ApiError> {
    if (0..=MAX_TIMESTAMP).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::param(name, format!("{name} : must be a Unix time from 0 to {MAX_TIMESTAMP} (year 9999)")))
    }
}

async fn unknown_path() -> Refusal {
    Refusal(ApiError::not_found("path", "Sorry, we couldn't find that resource"))
}
