//! The Billing port: the only way the app side reaches billing. Two adapters sit behind it and pass the
//! same contract tests — [`local::LocalEngine`], the embedded engine called in process, and
//! [`chargebee::ChargebeeClient`], reqwest speaking Chargebee's wire format to real Chargebee or to a
//! Growthkit engine's `/api/v2`. The app never reads engine tables.

pub mod chargebee;
pub mod local;
pub mod payments;

use std::sync::Arc;

use async_trait::async_trait;

use crate::config::BillingBackend;
use crate::error::AppError;
use growthkit_engine::Engine;
use growthkit_wire::{
    AddonCharge, ApiError, ChangePlanRequest, CreateFulfillmentRequest, CreateGiftRequest, CreateSubscriptionRequest,
    Customer, FulfillmentEnvelope, GiftQuery, GiftSettings, GiftWithSubscription, Invoice, Item, ItemPrice,
    ItemPriceQuery, ItemQuery, NewCustomer, NewPaymentIntent, OfferEventRequest, OfferFulfillment, Page, PaymentIntent,
    PersonalizedOffersRequest, PersonalizedOffersResponse, PlanChange, ShippingAddress, Subscription,
    SubscriptionCreated, Timestamp, UnbilledCharge, UpdateFulfillmentRequest,
};

/// Why a billing call did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BillingError {
    /// The billing system answered and refused (Chargebee's error body).
    #[error("billing refused: {0}")]
    Refused(ApiError),
    /// The billing system could not be reached or its answer could not be read.
    #[error("billing unavailable: {0}")]
    Unavailable(String),
}

impl BillingError {
    /// The refusal, if the billing system answered with one.
    pub fn refusal(&self) -> Option<&ApiError> {
        match self {
            BillingError::Refused(e) => Some(e),
            BillingError::Unavailable(_) => None,
        }
    }

    /// The refusal when the card was the problem: declined (HTTP 402), a card field the gateway would not
    /// take, or a payment intent that cannot pay. Nothing was charged, and the user can put it right.
    pub fn payment_problem(&self) -> Option<&ApiError> {
        self.refusal().filter(|e| {
            e.http_status_code == 402
                || e.param.as_deref().is_some_and(|p| p.starts_with("card[") || p.starts_with("payment_intent["))
        })
    }

    /// A refusal the user can read (4xx but 429, which is billing too busy rather than a verdict): what
    /// billing said, and for a card problem that nothing was charged.
    pub fn user_message(&self) -> Option<String> {
        let refusal = self.refusal().filter(|e| e.http_status_code < 500 && e.http_status_code != 429)?;
        Some(if self.payment_problem().is_some() {
            format!("{} Nothing was charged.", refusal.message)
        } else {
            format!("Billing refused this: {}", refusal.message)
        })
    }
}

/// How every feature reports a billing failure to the browser: a refusal the user can act on as invalid
/// input with billing's words (logged as a warning unless it is a card problem), and an outage or billing's
/// own failure as unavailable (logged as an error, at the caller's line).
impl From<BillingError> for AppError {
    #[track_caller]
    fn from(err: BillingError) -> Self {
        let at = std::panic::Location::caller();
        match err.user_message() {
            Some(message) => {
                if err.payment_problem().is_none() {
                    tracing::warn!(%at, "{err}");
                }
                AppError::Invalid(message)
            }
            None => {
                tracing::error!(%at, "{err}");
                AppError::Unavailable
            }
        }
    }
}

/// Operations the app needs from a billing system. Mutating calls take an idempotency key, which callers
/// record before calling so a retry after a crash repeats the same key.
#[async_trait]
pub trait Billing: Send + Sync {
    /// A short description of where billing calls go, for the dashboard and logs.
    fn describe(&self) -> String;

    /// Decides the offer (at most one) for a customer and subscription.
    async fn personalized_offers(
        &self,
        req: &PersonalizedOffersRequest,
    ) -> Result<PersonalizedOffersResponse, BillingError>;

    /// Records that an offer was viewed or dismissed.
    async fn record_offer_event(&self, req: &OfferEventRequest) -> Result<(), BillingError>;

    /// Accepts an offer option, creating its fulfillment (`in_progress`, or already finished for a billing
    /// update), with the hosted page to pay on for a checkout option.
    async fn create_offer_fulfillment(
        &self,
        req: &CreateFulfillmentRequest,
        idempotency_key: Option<&str>,
    ) -> Result<FulfillmentEnvelope, BillingError>;

    /// The fulfillment's current state.
    async fn retrieve_offer_fulfillment(&self, id: &str) -> Result<OfferFulfillment, BillingError>;

    /// Marks a fulfillment completed, or failed with a reason.
    async fn update_offer_fulfillment(
        &self,
        req: &UpdateFulfillmentRequest,
        idempotency_key: Option<&str>,
    ) -> Result<OfferFulfillment, BillingError>;

    /// The subscription as it is now.
    async fn retrieve_subscription(&self, id: &str) -> Result<Subscription, BillingError>;

    /// Moves a subscription to another plan now, paying for it as the request says; a decline is a refusal
    /// with HTTP 402 and changes nothing.
    async fn change_plan(
        &self,
        req: &ChangePlanRequest,
        idempotency_key: Option<&str>,
    ) -> Result<PlanChange, BillingError>;

    /// Creates a payment intent for the browser to authorize with the card (`POST /payment_intents`).
    async fn create_payment_intent(&self, req: &NewPaymentIntent) -> Result<PaymentIntent, BillingError>;

    /// The payment intent as billing has it: authorized, refused (its active attempt says why), consumed.
    async fn retrieve_payment_intent(&self, id: &str) -> Result<PaymentIntent, BillingError>;

    /// The catalog's item prices matching the query (plans and credit packs for checkout), in no set order.
    async fn list_item_prices(&self, query: &ItemPriceQuery) -> Result<Vec<ItemPrice>, BillingError>;

    /// One item price by id.
    async fn retrieve_item_price(&self, id: &str) -> Result<ItemPrice, BillingError>;

    /// The catalog's items matching the query (where Chargebee keeps `is_giftable` and `is_shippable`).
    async fn list_items(&self, query: &ItemQuery) -> Result<Vec<Item>, BillingError>;

    /// Creates a subscription to a plan with one-off prices, paid now (an intent's card is kept on file).
    async fn create_subscription(
        &self,
        req: &CreateSubscriptionRequest,
        idempotency_key: Option<&str>,
    ) -> Result<SubscriptionCreated, BillingError>;

    /// Invoices a one-off price (a pack: an addon on catalog 1.0, a charge item on 2.0) now, paid with the
    /// card on file.
    async fn charge_addon(&self, req: &AddonCharge, idempotency_key: Option<&str>) -> Result<Invoice, BillingError>;

    /// Keeps a one-off charge for the invoice at the end of the current term; answers when that invoice
    /// is due, when billing says.
    async fn charge_addon_at_term_end(
        &self,
        req: &AddonCharge,
        idempotency_key: Option<&str>,
    ) -> Result<Option<Timestamp>, BillingError>;

    /// Cancels a subscription now, or at the end of its term.
    async fn cancel_subscription(
        &self,
        subscription_id: &str,
        end_of_term: bool,
        idempotency_key: Option<&str>,
    ) -> Result<Subscription, BillingError>;

    /// Takes back a cancellation scheduled for term end.
    async fn remove_scheduled_cancellation(
        &self,
        subscription_id: &str,
        idempotency_key: Option<&str>,
    ) -> Result<Subscription, BillingError>;

    /// Charges kept for the subscription's next invoice.
    async fn list_unbilled_charges(&self, subscription_id: &str) -> Result<Vec<UnbilledCharge>, BillingError>;

    /// The subscription's most recent invoices, newest first (at most `limit`, 1–100).
    async fn list_invoices(&self, subscription_id: &str, limit: u8) -> Result<Vec<Invoice>, BillingError>;

    /// One invoice, or a refusal with HTTP 404 when there is none with this id.
    async fn retrieve_invoice(&self, id: &str) -> Result<Invoice, BillingError>;

    /// A customer, or a refusal with HTTP 404 when there is none with this id.
    async fn retrieve_customer(&self, id: &str) -> Result<Customer, BillingError>;

    /// Creates a customer (a gift's gifter and recipient must exist before the gift).
    async fn create_customer(&self, req: &NewCustomer, idempotency_key: Option<&str>)
    -> Result<Customer, BillingError>;

    /// The site's gift settings, which the app's checkout and gift pages follow.
    async fn gift_settings(&self) -> Result<GiftSettings, BillingError>;

    /// Buys a gift: the gifter pays first, and only a paid gift exists.
    async fn create_gift(
        &self,
        req: &CreateGiftRequest,
        idempotency_key: Option<&str>,
    ) -> Result<GiftWithSubscription, BillingError>;

    /// A gift with its subscription.
    async fn retrieve_gift(&self, id: &str) -> Result<GiftWithSubscription, BillingError>;

    /// Gifts matching the query, oldest first, a page of at most `limit` (1–100) from `offset`.
    async fn list_gifts(
        &self,
        query: &GiftQuery,
        limit: u8,
        offset: Option<&str>,
    ) -> Result<Page<GiftWithSubscription>, BillingError>;

    /// Claims an unclaimed gift for its recipient, optionally with the recipient's shipping address.
    async fn claim_gift(
        &self,
        id: &str,
        shipping_address: Option<&ShippingAddress>,
        idempotency_key: Option<&str>,
    ) -> Result<GiftWithSubscription, BillingError>;

    /// Cancels a scheduled or unclaimed gift (its subscription is cancelled too).
    async fn cancel_gift(&self, id: &str, idempotency_key: Option<&str>) -> Result<GiftWithSubscription, BillingError>;

    /// Moves a scheduled gift's notification to `scheduled_at` (after now, before its claim expiry).
    async fn update_gift(
        &self,
        id: &str,
        scheduled_at: i64,
        idempotency_key: Option<&str>,
    ) -> Result<GiftWithSubscription, BillingError>;
}

/// Builds the adapter the configuration asks for.
pub fn from_config(backend: &BillingBackend, engine: Arc<Engine>) -> Result<Arc<dyn Billing>, BillingError> {
    Ok(match backend {
        BillingBackend::Local => Arc::new(local::LocalEngine::new(engine)),
        BillingBackend::Chargebee { site, api_key, base_url, .. } => Arc::new(chargebee::ChargebeeClient::new(
            chargebee::Endpoint::for_site(site, base_url.as_deref()),
            api_key,
        )?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(status: u16, param: Option<&str>) -> BillingError {
        let mut e = ApiError::param(param.unwrap_or("id"), "Refused for a reason.");
        e.http_status_code = status;
        e.param = param.map(str::to_owned);
        BillingError::Refused(e)
    }

    #[test]
    fn billing_failures_reach_the_browser_one_way() {
        let decline = refused(402, None);
        assert!(decline.payment_problem().is_some());
        assert_eq!(AppError::from(decline), AppError::invalid("Refused for a reason. Nothing was charged."));
        let bad_card = refused(400, Some("card[number]"));
        assert!(bad_card.payment_problem().is_some());
        assert_eq!(AppError::from(refused(400, Some("scheduled_at"))).status(), 422);
        assert_eq!(
            AppError::from(refused(400, Some("scheduled_at"))).to_string(),
            "Billing refused this: Refused for a reason."
        );
        assert_eq!(AppError::from(refused(500, None)), AppError::Unavailable);
        assert_eq!(AppError::from(BillingError::Unavailable("connection refused".into())).status(), 503);
        assert!(!AppError::from(BillingError::Unavailable("10.0.0.1 refused".into())).to_string().contains("10.0"));
    }
}
