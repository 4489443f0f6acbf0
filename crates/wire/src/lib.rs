//! Chargebee's resources and errors as they travel on the wire (JSON). The engine produces them, the
//! app's HTTP client parses them, and the app consumes them through its Billing port, so all three agree.
//!
//! This crate knows nothing of storage: the engine maps its own rows into these shapes, so a change of
//! table layout never changes the wire format. It builds for the browser too (serde only), which lets
//! pages share the few types they show, such as [`GiftSettings`].

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The request header carrying an idempotency key on POSTs: a repeat with the same key gets the first
/// answer instead of acting twice.
pub const IDEMPOTENCY_KEY_HEADER: &str = "chargebee-idempotency-key";

/// Unix seconds, as Chargebee sends timestamps.
pub type Timestamp = i64;

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

/// Chargebee's error `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorType {
    Payment,
    InvalidRequest,
    OperationFailed,
}

/// A refusal from the billing system, in Chargebee's error body: `{message, type, api_error_code, param}`
/// plus the HTTP status it came with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} ({api_error_code}, HTTP {http_status_code})")]
pub struct ApiError {
    pub message: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub error_type: Option<ErrorType>,
    pub api_error_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub param: Option<String>,
    /// The gateway's reason on a payment error, e.g. `gateway.general.decline`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_cause_id: Option<String>,
    /// The HTTP status. Chargebee's SDKs expose it beside the body; the engine also writes it into the body.
    #[serde(default)]
    pub http_status_code: u16,
}

impl ApiError {
    fn new(status: u16, error_type: Option<ErrorType>, code: &str, param: Option<&str>, message: String) -> Self {
        ApiError {
            message,
            error_type,
            api_error_code: code.into(),
            param: param.map(str::to_owned),
            error_cause_id: None,
            http_status_code: status,
        }
    }

    /// 400 `param_wrong_value` for a parameter with a bad value.
    pub fn param(param: &str, message: impl Into<String>) -> Self {
        Self::new(400, Some(ErrorType::InvalidRequest), "param_wrong_value", Some(param), message.into())
    }

    /// 400 for a missing required parameter.
    pub fn missing(param: &str) -> Self {
        Self::param(param, format!("{param} : cannot be blank"))
    }

    /// 404 `resource_not_found`.
    pub fn not_found(param: &str, message: impl Into<String>) -> Self {
        Self::new(404, Some(ErrorType::InvalidRequest), "resource_not_found", Some(param), message.into())
    }

    /// 400 `invalid_state_for_request`: valid, but the resource's state does not allow it.
    pub fn invalid_state(param: Option<&str>, message: impl Into<String>) -> Self {
        Self::new(400, Some(ErrorType::InvalidRequest), "invalid_state_for_request", param, message.into())
    }

    /// 400 `invalid_request` for a body that cannot be read at all.
    pub fn invalid_request(message: impl Into<String>) -> Self {
        Self::new(400, Some(ErrorType::InvalidRequest), "invalid_request", None, message.into())
    }

    /// 401 `api_authentication_failed`.
    pub fn unauthenticated() -> Self {
        Self::new(401, None, "api_authentication_failed", None, "Sorry, authentication failed. Invalid api key".into())
    }

    /// A request the API cannot read at all (too large, not UTF-8, a method the path does not take), with
    /// the HTTP status that says so.
    pub fn unreadable(status: u16, message: impl Into<String>) -> Self {
        Self::new(status, Some(ErrorType::InvalidRequest), "invalid_request", None, message.into())
    }

    /// 403 for a request a browser sent from another site: the API is for servers, and a form on any page
    /// could otherwise reuse credentials the browser keeps.
    pub fn cross_site() -> Self {
        Self::new(
            403,
            None,
            "api_authorization_failed",
            None,
            "Requests sent by a browser from another site are refused".into(),
        )
    }

    /// 409 for an idempotency key reused with another request, or still in flight.
    pub fn idempotency_conflict(message: impl Into<String>) -> Self {
        Self::new(409, Some(ErrorType::InvalidRequest), "idempotency_key_conflict", None, message.into())
    }

    /// 400 `payment_method_not_present`: the charge needs a payment method and the customer has none.
    pub fn no_payment_method() -> Self {
        Self::new(
            400,
            Some(ErrorType::Payment),
            "payment_method_not_present",
            None,
            "The customer has no card or other payment method on file to charge".into(),
        )
    }

    /// 400 `configuration_incompatible`: an endpoint of the other product catalog version than the site's.
    pub fn catalog_incompatible(called: CatalogVersion, site: CatalogVersion) -> Self {
        Self::new(
            400,
            Some(ErrorType::InvalidRequest),
            "configuration_incompatible",
            None,
            format!(
                "The API endpoint is incompatible with the product catalog version. You are calling product \
                 catalog {} API endpoint but you are using product catalog {}",
                called.number(),
                site.number()
            ),
        )
    }

    /// 500 `internal_error`; the cause is logged by whoever saw it.
    pub fn internal() -> Self {
        Self::new(
            500,
            None,
            "internal_error",
            None,
            "Sorry, something went wrong when trying to process the request.".into(),
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Growth: personalized offers, offer events, offer fulfillments
// ---------------------------------------------------------------------------------------------

/// Where the user is when an offer is asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer_url: Option<String>,
}

/// `POST /api/v2/personalized_offers` body.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonalizedOffersRequest {
    #[serde(default)]
    pub customer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_user_id: Option<String>,
    /// Signals keyed without the `custom.` prefix, e.g. `{"has_advanced_analytics": false}`.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub custom: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_context: Option<RequestContext>,
}

/// How an accepted option is fulfilled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessingType {
    BillingUpdate,
    Checkout,
    UrlRedirect,
    Webhook,
    Email,
}

impl ProcessingType {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcessingType::BillingUpdate => "billing_update",
            ProcessingType::Checkout => "checkout",
            ProcessingType::UrlRedirect => "url_redirect",
            ProcessingType::Webhook => "webhook",
            ProcessingType::Email => "email",
        }
    }
}

/// Where an option's follow-up is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcessingLayout {
    InApp,
    FullPage,
}

/// One call to action of an offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferOption {
    pub id: String,
    pub label: String,
    pub processing_type: ProcessingType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processing_layout: Option<ProcessingLayout>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
}

/// An offer's copy. Both fields are HTML and must be sanitized before display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferContent {
    pub title: String,
    pub description: String,
}

/// An offer decided for one customer (and subscription).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalizedOffer {
    pub id: String,
    pub offer_id: String,
    pub content: OfferContent,
    pub options: Vec<OfferOption>,
}

/// `POST /api/v2/personalized_offers` answer: at most one offer; an empty list when none applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalizedOffersResponse {
    pub personalized_offers: Vec<PersonalizedOffer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
}

/// Offer events an application posts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OfferEventType {
    Viewed,
    Dismissed,
}

/// `POST /api/v2/offer_events` body (answered with 204).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferEventRequest {
    pub personalized_offer_id: String,
    #[serde(rename = "type")]
    pub event_type: OfferEventType,
}

/// `POST /api/v2/offer_fulfillments` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateFulfillmentRequest {
    pub personalized_offer_id: String,
    pub option_id: String,
}

/// A fulfillment's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FulfillmentStatus {
    InProgress,
    Completed,
    Failed,
}

impl FulfillmentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FulfillmentStatus::InProgress => "in_progress",
            FulfillmentStatus::Completed => "completed",
            FulfillmentStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "in_progress" => Some(FulfillmentStatus::InProgress),
            "completed" => Some(FulfillmentStatus::Completed),
            "failed" => Some(FulfillmentStatus::Failed),
            _ => None,
        }
    }
}

/// `POST /api/v2/offer_fulfillments/{id}` body: the final status, with a reason when it failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateFulfillmentRequest {
    pub id: String,
    pub status: FulfillmentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
}

/// Why a fulfillment failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentError {
    pub code: String,
    pub message: String,
}

/// An accepted offer being fulfilled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferFulfillment {
    pub id: String,
    pub personalized_offer_id: String,
    pub option_id: String,
    pub processing_type: ProcessingType,
    pub status: FulfillmentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// Chargebee's own samples leave it out, so a client must not count on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<FulfillmentError>,
}

/// `{"offer_fulfillment": …}`, the envelope Chargebee wraps a fulfillment in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentEnvelope {
    pub offer_fulfillment: OfferFulfillment,
    /// Only in the answer to a `checkout` option's acceptance: the page where the customer pays.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hosted_page: Option<HostedPage>,
}

impl FulfillmentEnvelope {
    pub fn new(offer_fulfillment: OfferFulfillment) -> Self {
        FulfillmentEnvelope { offer_fulfillment, hosted_page: None }
    }
}

/// A page on billing's own address where the customer acts (pays, here), in Chargebee's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostedPage {
    pub id: String,
    #[serde(rename = "type")]
    pub page_type: String,
    pub url: String,
    /// `created`, `requested` (opened), `succeeded`, `cancelled` or `acknowledged`.
    pub state: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    #[serde(default)]
    pub embed: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<Timestamp>,
    #[serde(default)]
    pub object: String,
}

/// `{"hosted_page": …}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostedPageEnvelope {
    pub hosted_page: HostedPage,
}

/// The error code of a fulfillment whose plan change billing could not make.
pub const BILLING_UPDATE_FAILED: &str = "billing_update_failed";

/// The error code of a checkout fulfillment whose hosted page expired unpaid.
pub const CHECKOUT_ABANDONED: &str = "checkout_abandoned";

/// The message Chargebee gives a second acceptance of the same offer from the same play.
pub const FULFILLMENT_EXISTS: &str =
    "Fulfillment is already in progress/completed. Retrieve the fulfillment to know the latest status.";

/// The error code of a fulfillment failed by the application or by the 7-day rule.
pub const EXTERNAL_FULFILLMENT_FAILED: &str = "external_fulfillment_failed";

// ---------------------------------------------------------------------------------------------
// Billing: subscriptions, invoices, plan changes
// ---------------------------------------------------------------------------------------------

/// One item of a subscription (its plan, addons, charges).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionItem {
    pub item_price_id: String,
    pub item_type: String,
    pub quantity: i64,
    pub unit_price: i64,
    pub amount: i64,
}

/// A subscription, in Chargebee's shape (the fields Growthkit uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub customer_id: String,
    pub status: String,
    pub currency_code: String,
    pub subscription_items: Vec<SubscriptionItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_term_start: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current_term_end: Option<Timestamp>,
    /// When it was cancelled, or — while `non_renewing` — when it will be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<Timestamp>,
    /// Set on a gift subscription: the gift it was bought as.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One line of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineItem {
    pub description: String,
    pub entity_type: String,
    pub entity_id: String,
    pub quantity: i64,
    pub unit_amount: i64,
    pub amount: i64,
}

/// An invoice, in Chargebee's shape (the fields Growthkit uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invoice {
    pub id: String,
    pub customer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    pub status: String,
    pub currency_code: String,
    pub total: i64,
    pub amount_paid: i64,
    pub amount_due: i64,
    pub date: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<Timestamp>,
    pub line_items: Vec<LineItem>,
}

/// Card details for the (test) gateway, sent as Chargebee's `card[...]` parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardDetails {
    pub number: String,
    pub expiry_month: u32,
    pub expiry_year: u32,
    pub cvv: String,
}

/// How a charge is paid: a card given with the call (`card[...]`, which only SDK users and tests send), a
/// payment intent the browser authorized with billing directly (`payment_intent[id]`, all Growthkit
/// itself sends, so no card data reaches its server), or the customer's payment source on file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PaymentMethod {
    Card(CardDetails),
    Intent(String),
    OnFile,
}

/// Moves a subscription to another plan now, charging the new plan's price for a fresh term
/// (`POST /subscriptions/{id}/update_for_items`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangePlanRequest {
    pub subscription_id: String,
    pub plan_item_price_id: String,
    pub payment: PaymentMethod,
}

/// `POST /payment_intents`: what the server asks billing to let the browser authorize.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewPaymentIntent {
    pub amount: i64,
    pub currency_code: String,
    pub customer_id: Option<String>,
}

/// A payment intent in Chargebee's shape. The browser authorizes it with the card (Chargebee.js, or the
/// engine's compatible script) and the server hands its id to the call that charges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentIntent {
    pub id: String,
    /// `inited`, `in_progress`, `authorized`, `consumed` or `expired`.
    pub status: String,
    pub amount: i64,
    pub currency_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway_account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method_type: Option<String>,
    pub expires_at: Timestamp,
    pub created_at: Timestamp,
    pub modified_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_payment_attempt: Option<PaymentAttempt>,
}

/// One try at authorizing a payment intent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentAttempt {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `inited`, `requires_identification`, `requires_challenge`, `authorized`, `refused`, …
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_text: Option<String>,
    pub created_at: Timestamp,
    pub modified_at: Timestamp,
}

impl PaymentIntent {
    /// Why the intent cannot pay: `None` when it is authorized; the gateway's decline (Chargebee's 402, as
    /// a charge with that card would have answered) when the last attempt was refused; otherwise a 400
    /// naming `payment_intent[id]`.
    pub fn unusable(&self) -> Option<ApiError> {
        if self.status == "authorized" {
            return None;
        }
        let refused = self.active_payment_attempt.as_ref().filter(|a| a.status == "refused");
        Some(match refused {
            Some(attempt) => ApiError {
                message: format!(
                    "Payment failed: {}",
                    attempt.error_text.as_deref().unwrap_or("The card was declined by the bank.")
                ),
                error_type: Some(ErrorType::Payment),
                api_error_code: "payment_processing_failed".into(),
                param: None,
                error_cause_id: None,
                http_status_code: 402,
            },
            None => ApiError::param(
                "payment_intent[id]",
                format!("The payment intent {} is {}, not authorized.", self.id, self.status),
            ),
        })
    }
}

/// The answer to a plan change: the subscription as it is now, and the paid invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanChange {
    pub subscription: Subscription,
    pub invoice: Invoice,
}

// ---------------------------------------------------------------------------------------------
// Billing: catalog, customers, one-time and term-end charges, cancellation, events
// ---------------------------------------------------------------------------------------------

/// An item price (plan, addon or charge) in Chargebee's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemPrice {
    pub id: String,
    pub item_id: String,
    pub name: String,
    pub item_type: String,
    #[serde(default)]
    pub item_family_id: Option<String>,
    pub currency_code: String,
    /// Minor units; per unit when `pricing_model` is `per_unit`.
    pub price: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_unit: Option<String>,
    pub pricing_model: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
}

/// Which item prices to list (`GET /item_prices`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemPriceQuery {
    pub item_type: Option<String>,
    pub item_family_id: Option<String>,
    /// Only prices of these items (none: of any item).
    #[serde(default)]
    pub item_ids: Vec<String>,
}

impl ItemPriceQuery {
    /// The query as list parameters: one page of up to 100 item prices.
    pub fn params(&self) -> ListParams {
        let items = (!self.item_ids.is_empty()).then(|| serde_json::to_string(&self.item_ids).unwrap_or_default());
        ListParams::new()
            .with("limit", "100")
            .with_some("item_type[is]", self.item_type.as_deref())
            .with_some("item_family_id[is]", self.item_family_id.as_deref())
            .with_some("item_id[in]", items.as_deref())
    }
}

/// An item (a plan, addon or charge, before pricing) in Chargebee's product catalog 2.0 shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub item_type: String,
    #[serde(default)]
    pub item_family_id: String,
    pub status: String,
    /// Whether it can be bought as a gift, and whether it ships something.
    #[serde(default)]
    pub is_giftable: bool,
    #[serde(default)]
    pub is_shippable: bool,
    #[serde(default)]
    pub enabled_for_checkout: bool,
    #[serde(default)]
    pub enabled_in_portal: bool,
    #[serde(default)]
    pub item_applicability: String,
    #[serde(default)]
    pub metered: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    #[serde(default)]
    pub updated_at: Timestamp,
}

/// Which items to list (`GET /items`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemQuery {
    pub item_type: Option<String>,
    pub giftable: Option<bool>,
}

impl ItemQuery {
    /// The query as list parameters: one page of up to 100 items.
    pub fn params(&self) -> ListParams {
        ListParams::new()
            .with("limit", "100")
            .with_some("type[is]", self.item_type.as_deref())
            .with_some("is_giftable[is]", self.giftable.map(|g| if g { "true" } else { "false" }))
    }
}

/// A family of items (a product line), in Chargebee's product catalog 2.0 shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFamily {
    pub id: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub status: String,
    #[serde(default)]
    pub updated_at: Timestamp,
}

/// A plan in Chargebee's product catalog 1.0 shape (`GET /plans`): on a 1.0 site the plan is what an item
/// price is on 2.0, and it carries the gift flags an item carries there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub price: i64,
    pub currency_code: String,
    pub period: i64,
    pub period_unit: String,
    pub pricing_model: String,
    pub charge_model: String,
    #[serde(default)]
    pub free_quantity: i64,
    pub status: String,
    #[serde(default)]
    pub enabled_in_hosted_pages: bool,
    #[serde(default)]
    pub enabled_in_portal: bool,
    #[serde(default)]
    pub addon_applicability: String,
    #[serde(default)]
    pub giftable: bool,
    #[serde(default)]
    pub is_shippable: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_data: Option<Value>,
    #[serde(default)]
    pub updated_at: Timestamp,
}

/// An addon in Chargebee's product catalog 1.0 shape (`GET /addons`); a credit pack is a non-recurring one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addon {
    pub id: String,
    pub name: String,
    pub pricing_model: String,
    /// `on_off`, `quantity`, …
    #[serde(rename = "type")]
    pub addon_type: String,
    /// `recurring` or `non_recurring`.
    pub charge_type: String,
    pub price: i64,
    pub currency_code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<i64>,
    pub period_unit: String,
    pub status: String,
    #[serde(default)]
    pub enabled_in_portal: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta_data: Option<Value>,
    #[serde(default)]
    pub updated_at: Timestamp,
}

/// A card kept for a customer (`POST /payment_sources/create_card`), shown masked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentSource {
    pub id: String,
    pub customer_id: String,
    #[serde(rename = "type")]
    pub source_type: String,
    pub status: String,
    pub card: MaskedCard,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedCard {
    pub last4: String,
    pub masked_number: String,
    pub expiry_month: u32,
    pub expiry_year: u32,
}

/// A customer in Chargebee's shape (the fields Growthkit uses).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    pub id: String,
    #[serde(default)]
    pub first_name: Option<String>,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_payment_source_id: Option<String>,
    pub created_at: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<Timestamp>,
}

/// A payment attempt in Chargebee's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transaction {
    pub id: String,
    pub customer_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    #[serde(rename = "type")]
    pub transaction_type: String,
    pub status: String,
    pub amount: i64,
    pub currency_code: String,
    pub date: Timestamp,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub masked_card_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

/// A charge waiting for the subscription's next invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnbilledCharge {
    pub id: String,
    pub subscription_id: String,
    pub customer_id: String,
    pub entity_type: String,
    pub entity_id: String,
    pub description: String,
    pub quantity: i64,
    pub unit_amount: i64,
    pub amount: i64,
    pub currency_code: String,
    pub date_from: Timestamp,
    pub date_to: Timestamp,
}

/// What the subscription's next invoice will hold (the answer to `charge_addon_at_term_end`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Estimate {
    pub created_at: Timestamp,
    pub subscription_estimate: SubscriptionEstimate,
    pub next_invoice_estimate: InvoiceEstimate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionEstimate {
    pub id: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_billing_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceEstimate {
    pub currency_code: String,
    pub total: i64,
    pub line_items: Vec<LineItem>,
}

/// The customer a new subscription is for: created with it (`POST /subscriptions`), or an existing one
/// (`POST /customers/{id}/subscriptions`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SubscriptionCustomer {
    New { id: String, email: String, first_name: String, last_name: String },
    Existing { id: String },
}

/// One addon on a new subscription (`addons[id][i]`, `addons[quantity][i]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddonQuantity {
    pub id: String,
    pub quantity: i64,
}

/// Creates a subscription to a plan with addons (one-off charges on 2.0), paid now; a card or payment
/// intent given stays on file as the customer's payment source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateSubscriptionRequest {
    pub customer: SubscriptionCustomer,
    pub plan_id: String,
    pub addons: Vec<AddonQuantity>,
    pub payment: PaymentMethod,
}

/// A created subscription with its customer and first invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionCreated {
    pub subscription: Subscription,
    pub customer: Customer,
    pub invoice: Invoice,
}

/// Invoices an addon now (`POST /invoices/charge_addon`) or at term end
/// (`POST /subscriptions/{id}/charge_addon_at_term_end`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddonCharge {
    pub subscription_id: String,
    pub addon_id: String,
    pub addon_quantity: i64,
}

/// A list request's query parameters in the order given, as Chargebee's list operations take them:
/// `limit`, `offset`, `sort_by[asc|desc]` and filters such as `status[is]` or `customer_id[in]`. One value
/// serves both backends: the HTTP client sends it as the query string, the embedded engine reads it as is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListParams(Vec<(String, String)>);

impl ListParams {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one parameter.
    pub fn with(mut self, key: &str, value: impl Into<String>) -> Self {
        self.0.push((key.to_owned(), value.into()));
        self
    }

    /// Adds one parameter when there is a value.
    pub fn with_some(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(v) => self.with(key, v),
            None => self,
        }
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// A subscription's `limit` most recent invoices, newest first.
    pub fn subscription_invoices(subscription_id: &str, limit: u8) -> Self {
        Self::new()
            .with("subscription_id[is]", subscription_id)
            .with("limit", limit.clamp(1, 100).to_string())
            .with("sort_by[desc]", "date")
    }

    /// A subscription's charges not invoiced yet (a page of up to 100).
    pub fn subscription_unbilled_charges(subscription_id: &str) -> Self {
        Self::new().with("subscription_id[is]", subscription_id).with("limit", "100")
    }
}

impl FromIterator<(String, String)> for ListParams {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        ListParams(iter.into_iter().collect())
    }
}

/// A site's product catalog: 1.0 (plans and addons) or 2.0 (item families, items, item prices). A site
/// is on one of them, and answers the other one's endpoints with [`ApiError::catalog_incompatible`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CatalogVersion {
    V1,
    #[default]
    V2,
}

impl CatalogVersion {
    /// `v1` or `v2`, as `GET /configurations` and `GROWTHKIT_PRODUCT_CATALOG` spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            CatalogVersion::V1 => "v1",
            CatalogVersion::V2 => "v2",
        }
    }

    /// `1.0` or `2.0`, as Chargebee's messages spell it.
    pub fn number(self) -> &'static str {
        match self {
            CatalogVersion::V1 => "1.0",
            CatalogVersion::V2 => "2.0",
        }
    }

    /// Reads `v1` or `v2` (any case).
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_ascii_lowercase().as_str() {
            "v1" => Some(CatalogVersion::V1),
            "v2" => Some(CatalogVersion::V2),
            _ => None,
        }
    }
}

/// The site's configuration (`GET /configurations`): which product catalog version it runs, `v1` or `v2`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Configuration {
    #[serde(default)]
    pub domain: String,
    pub product_catalog_version: CatalogVersion,
    #[serde(default)]
    pub chargebee_response_schema_type: String,
}

/// A webhook endpoint as Chargebee's API shows it (its Basic-auth password is never shown).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEndpoint {
    pub id: String,
    pub name: String,
    pub url: String,
    #[serde(default)]
    pub send_card_resource: bool,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub primary_url: bool,
    pub api_version: String,
    /// The event types it receives; absent means every type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_events: Option<Vec<String>>,
}

/// A page of a list answer: `{list: [...], next_offset}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    pub list: Vec<T>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_offset: Option<String>,
}

/// An event, as the events API lists it and webhooks deliver it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub id: String,
    pub occurred_at: Timestamp,
    pub source: String,
    pub object: String,
    pub api_version: String,
    pub event_type: String,
    pub content: EventContent,
}

/// The resources an event carries; which ones depends on its type.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EventContent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription: Option<Subscription>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer: Option<Customer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<Invoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction: Option<Transaction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift: Option<Gift>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_fulfillment: Option<OfferFulfillment>,
}

// ---------------------------------------------------------------------------------------------
// Gifts
// ---------------------------------------------------------------------------------------------

/// A gift, in Chargebee's shape.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gift {
    pub id: String,
    pub status: String,
    pub scheduled_at: Timestamp,
    pub auto_claim: bool,
    pub no_expiry: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_expiry_date: Option<Timestamp>,
    pub resource_version: i64,
    pub updated_at: Timestamp,
    pub gifter: Gifter,
    pub gift_receiver: GiftReceiver,
    #[serde(default)]
    pub gift_timelines: Vec<GiftTimeline>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Gifter {
    pub customer_id: String,
    pub invoice_id: String,
    pub signature: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftReceiver {
    pub customer_id: String,
    pub subscription_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftTimeline {
    pub status: String,
    pub occurred_at: Timestamp,
}

/// A postal address, as Chargebee's `shipping_address[...]` parameters carry it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShippingAddress {
    pub first_name: String,
    pub last_name: String,
    pub line1: String,
    #[serde(default)]
    pub line2: Option<String>,
    pub city: String,
    #[serde(default)]
    pub state: Option<String>,
    pub zip: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
}

/// The site's gift settings (Chargebee: Settings › Gift Subscription), which the gift pages and the
/// studio read too.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftSettings {
    pub enabled: bool,
    pub auto_claim: bool,
    pub no_expiry: bool,
    /// 1 to 365.
    pub claim_within_days: i64,
    pub gifter_may_schedule: bool,
    pub gifter_enters_shipping: bool,
    pub gifter_may_cancel: bool,
    pub recipient_may_cancel: bool,
    /// Days after a gift becomes unclaimed that the reminder goes out (1 to 365).
    pub reminder_after_days: i64,
}

/// A new site's settings (Chargebee's defaults: claimed by the recipient, within 30 days).
impl Default for GiftSettings {
    fn default() -> Self {
        GiftSettings {
            enabled: true,
            auto_claim: false,
            no_expiry: false,
            claim_within_days: 30,
            gifter_may_schedule: true,
            gifter_enters_shipping: true,
            gifter_may_cancel: true,
            recipient_may_cancel: false,
            reminder_after_days: 3,
        }
    }
}

impl GiftSettings {
    /// Checks the ranges the settings page allows.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=365).contains(&self.claim_within_days) {
            return Err("Gifts must be claimable for 1 to 365 days.".into());
        }
        if !(1..=365).contains(&self.reminder_after_days) {
            return Err("The claim reminder goes out 1 to 365 days after notification.".into());
        }
        Ok(())
    }
}

/// A customer to create (`POST /customers`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCustomer {
    pub id: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
}

/// `POST /gifts/create_for_items`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateGiftRequest {
    pub gifter_customer_id: String,
    pub signature: String,
    pub note: Option<String>,
    pub payment: PaymentMethod,
    pub receiver_customer_id: String,
    pub receiver_first_name: String,
    pub receiver_last_name: String,
    pub receiver_email: String,
    /// When the recipient is notified; `None` is now.
    pub scheduled_at: Option<Timestamp>,
    pub auto_claim: Option<bool>,
    pub no_expiry: Option<bool>,
    pub claim_expiry_date: Option<Timestamp>,
    pub item_price_id: String,
    pub shipping_address: Option<ShippingAddress>,
}

/// A gift with its subscription (and, when just bought, the gifter's invoice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftWithSubscription {
    pub gift: Gift,
    pub subscription: Subscription,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<Invoice>,
}

/// Which gifts to list (`GET /gifts`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftQuery {
    pub status: Option<String>,
    pub gifter_customer_id: Option<String>,
    pub receiver_email: Option<String>,
}

impl GiftQuery {
    /// The query as list parameters, for a page of `limit` gifts from `offset`.
    pub fn params(&self, limit: u8, offset: Option<&str>) -> ListParams {
        ListParams::new()
            .with("limit", limit.clamp(1, 100).to_string())
            .with_some("status[is]", self.status.as_deref())
            .with_some("gifter[customer_id][is]", self.gifter_customer_id.as_deref())
            .with_some("gift_receiver[email][is]", self.receiver_email.as_deref())
            .with_some("offset", offset)
    }
}
