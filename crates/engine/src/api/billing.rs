//! Customers, payment sources, subscriptions, invoices and unbilled charges. Subscription creation, plan
//! changes, one-off charges and cancellation come in two sets, one per product catalog version; each
//! answers only on a site of its version.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};

use super::form::Form;
use super::{ApiResult, ApiState, json, list_params, renamed, wrapped};
use crate::customers::CustomerFields;
use crate::gateway::Card;
use crate::listing::under_parent;
use growthkit_wire::{
    AddonCharge, ApiError, CardDetails,
    CatalogVersion::{V1, V2},
    CreateSubscriptionRequest, ListParams, Page, Subscription, SubscriptionCustomer,
};

pub(super) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/customers", get(list_customers).post(create_customer))
        .route("/customers/{id}", get(retrieve_customer))
        .route("/customers/{id}/subscriptions", get(subscriptions_for_customer).post(create_subscription_for_customer))
        .route("/customers/{id}/invoices", get(invoices_for_customer))
        .route("/subscriptions/{id}/invoices", get(invoices_for_subscription))
        .route("/customers/{id}/subscription_for_items", post(subscription_for_items))
        .route("/payment_sources/create_card", post(create_card))
        .route("/subscriptions", get(list_subscriptions).post(create_subscription))
        .route("/subscriptions/{id}", get(retrieve_subscription).post(update_subscription))
        .route("/subscriptions/{id}/update_for_items", post(update_for_items))
        .route("/subscriptions/{id}/cancel", post(cancel_subscription))
        .route("/subscriptions/{id}/cancel_for_items", post(cancel_for_items))
        .route("/subscriptions/{id}/remove_scheduled_cancellation", post(remove_scheduled_cancellation))
        .route("/subscriptions/{id}/charge_addon_at_term_end", post(charge_addon_at_term_end))
        .route("/invoices", get(list_invoices))
        .route("/invoices/{id}", get(retrieve_invoice))
        .route("/invoices/charge_addon", post(charge_addon))
        .route("/invoices/create_for_charge_items_and_charges", post(invoice_charge_items))
        .route("/unbilled_charges", get(list_unbilled_charges))
        .route("/unbilled_charges/create", post(create_unbilled_charges))
}

/// 2.0 names of the parameters the engine's 1.0-shaped one-off charge refuses.
const ITEM_PRICE_PARAMS: &[(&str, &str)] =
    &[("addon_id", "item_prices[item_price_id][0]"), ("addon_quantity", "item_prices[quantity][0]")];

async fn create_subscription(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    s.engine.require_catalog(V1)?;
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
    s.engine.require_catalog(V1)?;
    created(&s, &Form::parse(&bytes), SubscriptionCustomer::Existing { id }).await
}

async fn created(s: &ApiState, form: &Form, customer: SubscriptionCustomer) -> ApiResult {
    let req = CreateSubscriptionRequest {
        customer,
        plan_id: form.required("plan_id")?.to_owned(),
        addons: form.addons()?,
        payment: form.payment()?,
    };
    json(s.engine.create_subscription(&req).await?)
}

/// `POST /customers/{id}/subscription_for_items` (2.0): one plan item price and any charge items, paid with
/// the card on file.
async fn subscription_for_items(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    s.engine.require_catalog(V2)?;
    let form = Form::parse(&bytes);
    let items = form.item_prices("subscription_items")?;
    if items.is_empty() {
        return Err(ApiError::missing("subscription_items[item_price_id][0]").into());
    }
    // The engine takes the plan and the rest apart; find which given price is the plan.
    let mut plan = None;
    let mut addons = Vec::new();
    let mut names = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let param = format!("subscription_items[item_price_id][{i}]");
        let price =
            s.engine.retrieve_item_price(&item.id).await.map_err(|e| renamed(e, &[("item_price_id", &param)]))?;
        if price.item_type == "plan" {
            if plan.replace(item.id).is_some() {
                return Err(ApiError::param(&param, "A subscription has only one plan").into());
            }
        } else {
            let at = addons.len();
            names.push((format!("addons[id][{at}]"), param));
            names.push((format!("addons[quantity][{at}]"), format!("subscription_items[quantity][{i}]")));
            addons.push(item);
        }
    }
    let plan_id =
        plan.ok_or_else(|| ApiError::param("subscription_items[item_price_id][0]", "No plan item price given"))?;
    let customer = SubscriptionCustomer::Existing { id };
    let req = CreateSubscriptionRequest { customer, plan_id, addons, payment: form.payment()? };
    let names: Vec<(&str, &str)> = names.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    json(s.engine.create_subscription(&req).await.map_err(|e| renamed(e, &names))?)
}

/// `POST /payment_sources/create_card`: the card becomes the customer's primary payment source.
async fn create_card(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    let customer_id = form.required("customer_id")?;
    let source = s.engine.create_card(customer_id, &gateway_card(form.card()?)).await?;
    let customer = s.engine.retrieve_customer(customer_id).await?;
    json(serde_json::json!({ "customer": customer, "payment_source": source }))
}

async fn cancel_subscription(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    s.engine.require_catalog(V1)?;
    let end_of_term = Form::parse(&bytes).boolean("end_of_term")?;
    with_customer(&s, s.engine.cancel_subscription(&id, end_of_term).await?).await
}

/// `POST /subscriptions/{id}/cancel_for_items` (2.0): the same cancellation, now or at term end.
async fn cancel_for_items(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    s.engine.require_catalog(V2)?;
    let end_of_term = Form::parse(&bytes).boolean("end_of_term")?;
    with_customer(&s, s.engine.cancel_subscription(&id, end_of_term).await?).await
}

async fn remove_scheduled_cancellation(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    with_customer(&s, s.engine.remove_scheduled_cancellation(&id).await?).await
}

async fn charge_addon_at_term_end(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    s.engine.require_catalog(V1)?;
    let charge = Form::parse(&bytes).addon_charge(&id)?;
    json(serde_json::json!({ "estimate": s.engine.charge_addon_at_term_end(&charge).await? }))
}

async fn charge_addon(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    s.engine.require_catalog(V1)?;
    let form = Form::parse(&bytes);
    let charge = form.addon_charge(form.required("subscription_id")?)?;
    json(serde_json::json!({ "invoice": s.engine.charge_addon(&charge).await? }))
}

/// One charge item price of a 2.0 call on a subscription (`item_prices[…][0]`; the engine bills one at a time).
fn item_price_charge(form: &Form, subscription_id: &str) -> Result<AddonCharge, ApiError> {
    let prices = form.item_prices("item_prices")?;
    match prices.as_slice() {
        [] => Err(ApiError::missing("item_prices[item_price_id][0]")),
        [one] => Ok(AddonCharge {
            subscription_id: subscription_id.to_owned(),
            addon_id: one.id.clone(),
            addon_quantity: one.quantity,
        }),
        _ => Err(ApiError::param("item_prices[item_price_id][1]", "Only one item price per call is supported")),
    }
}

/// `POST /invoices/create_for_charge_items_and_charges` (2.0): a charge item invoiced now on the
/// subscription, paid with the card on file.
async fn invoice_charge_items(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    s.engine.require_catalog(V2)?;
    let form = Form::parse(&bytes);
    let charge = item_price_charge(&form, form.required("subscription_id")?)?;
    if let Some(customer) = form.optional("customer_id") {
        let sub = s.engine.subscription(&charge.subscription_id).await?;
        if sub.customer_id != customer {
            return Err(ApiError::param("customer_id", "The subscription belongs to another customer").into());
        }
    }
    let invoice = s.engine.charge_addon(&charge).await.map_err(|e| renamed(e, ITEM_PRICE_PARAMS))?;
    json(serde_json::json!({ "invoice": invoice }))
}

/// `POST /unbilled_charges/create` (2.0): a charge item kept for the subscription's next invoice, at the
/// end of its term.
async fn create_unbilled_charges(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    s.engine.require_catalog(V2)?;
    let form = Form::parse(&bytes);
    let charge = item_price_charge(&form, form.required("subscription_id")?)?;
    s.engine.charge_addon_at_term_end(&charge).await.map_err(|e| renamed(e, ITEM_PRICE_PARAMS))?;
    let params = ListParams::subscription_unbilled_charges(&charge.subscription_id);
    let mut charges = s.engine.list_unbilled_charges(&params).await?.list;
    charges.retain(|c| c.entity_id == charge.addon_id);
    json(serde_json::json!({ "unbilled_charges": charges }))
}

async fn list_invoices(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    wrapped("invoice", s.engine.list_invoices(&list_params(q)).await?)
}

async fn retrieve_invoice(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "invoice": s.engine.retrieve_invoice(&id).await? }))
}

async fn list_unbilled_charges(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    wrapped("unbilled_charge", s.engine.list_unbilled_charges(&list_params(q)).await?)
}

async fn create_customer(State(s): State<ApiState>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    let fields = CustomerFields {
        id: form.optional("id"),
        first_name: form.optional("first_name").unwrap_or_default(),
        last_name: form.optional("last_name").unwrap_or_default(),
        email: form.optional("email"),
    };
    json(serde_json::json!({ "customer": s.engine.create_customer(&fields).await? }))
}

async fn retrieve_customer(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "customer": s.engine.retrieve_customer(&id).await? }))
}

async fn list_customers(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    wrapped("customer", s.engine.list_customers(&list_params(q)).await?)
}

async fn list_subscriptions(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    subscription_page(&s, &list_params(q)).await
}

async fn subscriptions_for_customer(
    State(s): State<ApiState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    s.engine.retrieve_customer(&id).await?;
    subscription_page(&s, &under_parent(&list_params(q), "customer_id[is]", &id)?).await
}

async fn invoices_for_customer(State(s): State<ApiState>, Path(id): Path<String>, RawQuery(q): RawQuery) -> ApiResult {
    s.engine.retrieve_customer(&id).await?;
    wrapped("invoice", s.engine.list_invoices(&under_parent(&list_params(q), "customer_id[is]", &id)?).await?)
}

async fn invoices_for_subscription(
    State(s): State<ApiState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    s.engine.subscription(&id).await?;
    wrapped("invoice", s.engine.list_invoices(&under_parent(&list_params(q), "subscription_id[is]", &id)?).await?)
}

/// A page of subscriptions, each with its customer as Chargebee lists them (the customers read in one list
/// call: a page holds at most 100 subscriptions, so at most 100 customers).
async fn subscription_page(s: &ApiState, params: &ListParams) -> ApiResult {
    let page = s.engine.list_subscriptions(params).await?;
    let mut ids: Vec<&str> = page.list.iter().map(|sub| sub.customer_id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let customers = if ids.is_empty() {
        Vec::new()
    } else {
        let wanted = serde_json::to_string(&ids).map_err(|_| ApiError::internal())?;
        s.engine.list_customers(&ListParams::new().with("id[in]", wanted).with("limit", "100")).await?.list
    };
    let mut list = Vec::with_capacity(page.list.len());
    for subscription in page.list {
        let customer = customers.iter().find(|c| c.id == subscription.customer_id).ok_or_else(ApiError::internal)?;
        list.push(serde_json::json!({ "subscription": subscription, "customer": customer }));
    }
    json(Page { list, next_offset: page.next_offset })
}

async fn retrieve_subscription(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    with_customer(&s, s.engine.subscription(&id).await?).await
}

async fn update_for_items(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    s.engine.require_catalog(V2)?;
    let form = Form::parse(&bytes);
    let param = "subscription_items[item_price_id][0]";
    let change = s.engine.change_plan(&id, form.required(param)?, &form.payment()?).await?;
    let customer = s.engine.retrieve_customer(&change.subscription.customer_id).await?;
    json(serde_json::json!({ "subscription": change.subscription, "customer": customer, "invoice": change.invoice }))
}

/// `POST /subscriptions/{id}` (1.0): the plan change as a 1.0 site takes it, `plan_id` with the payment.
async fn update_subscription(State(s): State<ApiState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    s.engine.require_catalog(V1)?;
    let form = Form::parse(&bytes);
    let change = s
        .engine
        .change_plan(&id, form.required("plan_id")?, &form.payment()?)
        .await
        .map_err(|e| renamed(e, &[("subscription_items[item_price_id][0]", "plan_id")]))?;
    let customer = s.engine.retrieve_customer(&change.subscription.customer_id).await?;
    json(serde_json::json!({ "subscription": change.subscription, "customer": customer, "invoice": change.invoice }))
}

fn gateway_card(card: CardDetails) -> Card {
    Card { number: card.number, expiry_month: card.expiry_month, expiry_year: card.expiry_year, cvv: card.cvv }
}

/// A subscription answer as Chargebee gives it: the subscription with its customer (the SDKs' response types
/// require both).
async fn with_customer(s: &ApiState, subscription: Subscription) -> ApiResult {
    let customer = s.engine.retrieve_customer(&subscription.customer_id).await?;
    json(serde_json::json!({ "subscription": subscription, "customer": customer }))
}
