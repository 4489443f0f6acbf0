//! Customers, subscriptions, invoices and unbilled charges.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::routing::{get, post};

use super::form::Form;
use super::{ApiResult, ApiState, json, list_params, wrapped};
use crate::customers::CustomerFields;
use crate::listing::under_parent;
use growthkit_wire::{CreateSubscriptionRequest, ListParams, Page, Subscription, SubscriptionCustomer};

pub(super) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/customers", get(list_customers).post(create_customer))
        .route("/customers/{id}", get(retrieve_customer))
        .route("/customers/{id}/subscriptions", get(subscriptions_for_customer).post(create_subscription_for_customer))
        .route("/customers/{id}/invoices", get(invoices_for_customer))
        .route("/subscriptions/{id}/invoices", get(invoices_for_subscription))
        .route("/subscriptions", get(list_subscriptions).post(create_subscription))
        .route("/subscriptions/{id}", get(retrieve_subscription))
        .route("/subscriptions/{id}/update_for_items", post(update_for_items))
        .route("/subscriptions/{id}/cancel", post(cancel_subscription))
        .route("/subscriptions/{id}/remove_scheduled_cancellation", post(remove_scheduled_cancellation))
        .route("/subscriptions/{id}/charge_addon_at_term_end", post(charge_addon_at_term_end))
        .route("/invoices", get(list_invoices))
        .route("/invoices/charge_addon", post(charge_addon))
        .route("/unbilled_charges", get(list_unbilled_charges))
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
    with_customer(&s, s.engine.cancel_subscription(&id, end_of_term).await?).await
}

async fn remove_scheduled_cancellation(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    with_customer(&s, s.engine.remove_scheduled_cancellation(&id).await?).await
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
    wrapped("invoice", s.engine.list_invoices(&list_params(q)).await?)
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

/// A page of subscriptions, each with its customer as Chargebee lists them.
async fn subscription_page(s: &ApiState, params: &ListParams) -> ApiResult {
    let page = s.engine.list_subscriptions(params).await?;
    let mut list = Vec::with_capacity(page.list.len());
    for subscription in page.list {
        let customer = s.engine.retrieve_customer(&subscription.customer_id).await?;
        list.push(serde_json::json!({ "subscription": subscription, "customer": customer }));
    }
    json(Page { list, next_offset: page.next_offset })
}

async fn retrieve_subscription(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    with_customer(&s, s.engine.subscription(&id).await?).await
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
    let customer = s.engine.retrieve_customer(&change.subscription.customer_id).await?;
    json(serde_json::json!({ "subscription": change.subscription, "customer": customer, "invoice": change.invoice }))
}

/// A subscription answer as Chargebee gives it: the subscription with its customer (the SDKs' response types
/// require both).
async fn with_customer(s: &ApiState, subscription: Subscription) -> ApiResult {
    let customer = s.engine.retrieve_customer(&subscription.customer_id).await?;
    json(serde_json::json!({ "subscription": subscription, "customer": customer }))
}
