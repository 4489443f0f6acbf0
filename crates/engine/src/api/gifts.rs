//! Gifts, and the site's gift settings.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};
use serde_json::Value;

use super::form::Form;
use super::{ApiResult, ApiState, json, list_params, renamed};
use growthkit_wire::CatalogVersion::{V1, V2};
use growthkit_wire::{ApiError, CreateGiftRequest, Page};

pub(super) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/gifts", get(list_gifts).post(create_gift))
        .route("/gifts/create_for_items", post(create_gift_for_items))
        .route("/gifts/{id}", get(retrieve_gift))
        .route("/gifts/{id}/claim", post(claim_gift))
        .route("/gifts/{id}/cancel", post(cancel_gift))
        .route("/gifts/{id}/update_gift", post(update_gift))
        .route("/gift_settings", get(gift_settings))
}

/// `POST /gifts` (1.0): the gift plan as `subscription[plan_id]`.
async fn create_gift(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    s.engine.require_catalog(V1)?;
    let form = Form::parse(&bytes);
    let req = gift_request(&form, form.required("subscription[plan_id]")?)?;
    let names = [("subscription_items[item_price_id][0]", "subscription[plan_id]")];
    json(s.engine.create_gift(&req).await.map_err(|e| renamed(e, &names))?)
}

/// `POST /gifts/create_for_items` (2.0): the gift plan as `subscription_items[item_price_id][0]`.
async fn create_gift_for_items(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    s.engine.require_catalog(V2)?;
    let form = Form::parse(&bytes);
    let req = gift_request(&form, form.required("subscription_items[item_price_id][0]")?)?;
    json(s.engine.create_gift(&req).await?)
}

/// What both create calls share: gifter, receiver, payment, dates and shipping address.
fn gift_request(form: &Form, plan_price_id: &str) -> Result<CreateGiftRequest, ApiError> {
    let payment = form.payment()?;
    Ok(CreateGiftRequest {
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
        item_price_id: plan_price_id.to_owned(),
        shipping_address: form.shipping_address()?,
    })
}

async fn retrieve_gift(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(s.engine.retrieve_gift(&id).await?)
}

async fn list_gifts(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    let page = s.engine.list_gifts(&list_params(q)).await?;
    let list: Vec<Value> =
        page.list.into_iter().map(|g| serde_json::json!({ "gift": g.gift, "subscription": g.subscription })).collect();
    json(Page { list, next_offset: page.next_offset })
}

async fn claim_gift(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    json(s.engine.claim_gift(&id, form.shipping_address()?.as_ref()).await?)
}

async fn cancel_gift(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(s.engine.cancel_gift(&id).await?)
}

async fn update_gift(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    json(s.engine.update_gift(&id, form.timestamp("scheduled_at")?).await?)
}

/// A Growthkit extension (Chargebee keeps these in its admin settings): the site's gift settings, so an
/// app in front of the engine can follow them in its own checkout and portal pages.
async fn gift_settings(State(s): State<ApiState>) -> ApiResult {
    json(serde_json::json!({ "gift_settings": s.engine.gift_settings().await? }))
}
