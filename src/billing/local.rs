//! The embedded engine as a Billing adapter: direct calls, no network, and idempotency keys honoured
//! through the same store the HTTP API uses.

use std::sync::Arc;

use async_trait::async_trait;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Billing, BillingError};
use growthkit_engine::Engine;
use growthkit_engine::customers::CustomerFields;
use growthkit_engine::idempotency::{self, Claim};
use growthkit_wire::{
    AddonCharge, ApiError, CardDetails, ChangePlanRequest, CreateFulfillmentRequest, CreateGiftRequest,
    CreateSubscriptionRequest, Customer, FulfillmentEnvelope, GiftQuery, GiftSettings, GiftWithSubscription, Invoice,
    Item, ItemPrice, ItemPriceQuery, ItemQuery, ListParams, NewCustomer, NewPaymentIntent, OfferEventRequest,
    OfferFulfillment, Page, PaymentIntent, PaymentMethod, PersonalizedOffersRequest, PersonalizedOffersResponse,
    PlanChange, ShippingAddress, Subscription, SubscriptionCreated, Timestamp, UnbilledCharge,
    UpdateFulfillmentRequest,
};

/// Calls the engine in process.
pub struct LocalEngine {
    engine: Arc<Engine>,
}

impl LocalEngine {
    pub fn new(engine: Arc<Engine>) -> Self {
        LocalEngine { engine }
    }

    /// Runs `work` once per idempotency key: a repeat of the same request returns the stored outcome.
    async fn once<T, Req, F>(&self, key: Option<&str>, operation: &str, req: &Req, work: F) -> Result<T, BillingError>
    where
        T: Serialize + DeserializeOwned,
        Req: Serialize,
        F: Future<Output = Result<T, ApiError>>,
    {
        let Some(key) = key else {
            return work.await.map_err(BillingError::Refused);
        };
        let pool = self.engine.pool();
        let body = serde_json::to_vec(req).map_err(|e| BillingError::Unavailable(e.to_string()))?;
        let hash = idempotency::fingerprint(operation, &body);
        match idempotency::claim(pool, key, &hash, self.engine.clock().now()).await.map_err(BillingError::Refused)? {
            Claim::Replay { status, body } if status < 300 => {
                serde_json::from_str(&body).map_err(|e| BillingError::Unavailable(e.to_string()))
            }
            Claim::Replay { body, .. } => Err(BillingError::Refused(
                serde_json::from_str(&body).map_err(|e| BillingError::Unavailable(e.to_string()))?,
            )),
            Claim::Fresh => {
                let outcome = work.await;
                let (status, stored) = match &outcome {
                    Ok(value) => (200, serde_json::to_string(value)),
                    Err(err) => (err.http_status_code, serde_json::to_string(err)),
                };
                match stored {
                    Ok(stored) if status < 500 => {
                        idempotency::finish(pool, key, status, &stored).await.map_err(BillingError::Refused)?;
                    }
                    _ => idempotency::release(pool, key).await,
                }
                outcome.map_err(BillingError::Refused)
            }
        }
    }
}

#[async_trait]
impl Billing for LocalEngine {
    fn describe(&self) -> String {
        "built-in engine (in process)".into()
    }

    async fn personalized_offers(
        &self,
        req: &PersonalizedOffersRequest,
    ) -> Result<PersonalizedOffersResponse, BillingError> {
        self.engine.personalized_offers(req).await.map_err(BillingError::Refused)
    }

    async fn record_offer_event(&self, req: &OfferEventRequest) -> Result<(), BillingError> {
        self.engine.record_offer_event(&req.personalized_offer_id, req.event_type).await.map_err(BillingError::Refused)
    }

    async fn create_offer_fulfillment(
        &self,
        req: &CreateFulfillmentRequest,
        idempotency_key: Option<&str>,
    ) -> Result<FulfillmentEnvelope, BillingError> {
        self.once(
            idempotency_key,
            "create_offer_fulfillment",
            req,
            self.engine.create_fulfillment(&req.personalized_offer_id, &req.option_id),
        )
        .await
    }

    async fn retrieve_offer_fulfillment(&self, id: &str) -> Result<OfferFulfillment, BillingError> {
        self.engine.retrieve_fulfillment(id).await.map_err(BillingError::Refused)
    }

    async fn update_offer_fulfillment(
        &self,
        req: &UpdateFulfillmentRequest,
        idempotency_key: Option<&str>,
    ) -> Result<OfferFulfillment, BillingError> {
        self.once(
            idempotency_key,
            "update_offer_fulfillment",
            req,
            self.engine.update_fulfillment(&req.id, req.status, req.failure_reason.as_deref()),
        )
        .await
    }

    async fn retrieve_subscription(&self, id: &str) -> Result<Subscription, BillingError> {
        self.engine.subscription(id).await.map_err(BillingError::Refused)
    }

    async fn change_plan(
        &self,
        req: &ChangePlanRequest,
        idempotency_key: Option<&str>,
    ) -> Result<PlanChange, BillingError> {
        let fingerprint = (&req.subscription_id, &req.plan_item_price_id, fingerprint(&req.payment));
        self.once(
            idempotency_key,
            "change_plan",
            &fingerprint,
            self.engine.change_plan(&req.subscription_id, &req.plan_item_price_id, &req.payment),
        )
        .await
    }

    async fn create_payment_intent(&self, req: &NewPaymentIntent) -> Result<PaymentIntent, BillingError> {
        self.engine.create_payment_intent(req).await.map_err(BillingError::Refused)
    }

    async fn retrieve_payment_intent(&self, id: &str) -> Result<PaymentIntent, BillingError> {
        self.engine.payment_intent(id).await.map_err(BillingError::Refused)
    }

    async fn list_item_prices(&self, query: &ItemPriceQuery) -> Result<Vec<ItemPrice>, BillingError> {
        self.engine.list_item_prices(&query.params()).await.map(|p| p.list).map_err(BillingError::Refused)
    }

    async fn retrieve_item_price(&self, id: &str) -> Result<ItemPrice, BillingError> {
        self.engine.retrieve_item_price(id).await.map_err(BillingError::Refused)
    }

    async fn list_items(&self, query: &ItemQuery) -> Result<Vec<Item>, BillingError> {
        self.engine.list_items(&query.params()).await.map(|p| p.list).map_err(BillingError::Refused)
    }

    async fn create_subscription(
        &self,
        req: &CreateSubscriptionRequest,
        idempotency_key: Option<&str>,
    ) -> Result<SubscriptionCreated, BillingError> {
        let fingerprint = (&req.customer, &req.plan_id, &req.addons, fingerprint(&req.payment));
        self.once(idempotency_key, "create_subscription", &fingerprint, self.engine.create_subscription(req)).await
    }

    async fn charge_addon(&self, req: &AddonCharge, idempotency_key: Option<&str>) -> Result<Invoice, BillingError> {
        self.once(idempotency_key, "charge_addon", req, self.engine.charge_addon(req)).await
    }

    async fn charge_addon_at_term_end(
        &self,
        req: &AddonCharge,
        idempotency_key: Option<&str>,
    ) -> Result<Option<Timestamp>, BillingError> {
        let estimate = self
            .once(idempotency_key, "charge_addon_at_term_end", req, self.engine.charge_addon_at_term_end(req))
            .await?;
        Ok(estimate.subscription_estimate.next_billing_at)
    }

    async fn cancel_subscription(
        &self,
        subscription_id: &str,
        end_of_term: bool,
        idempotency_key: Option<&str>,
    ) -> Result<Subscription, BillingError> {
        let req = (subscription_id, end_of_term);
        self.once(
            idempotency_key,
            "cancel_subscription",
            &req,
            self.engine.cancel_subscription(subscription_id, end_of_term),
        )
        .await
    }

    async fn remove_scheduled_cancellation(
        &self,
        subscription_id: &str,
        idempotency_key: Option<&str>,
    ) -> Result<Subscription, BillingError> {
        self.once(
            idempotency_key,
            "remove_scheduled_cancellation",
            &subscription_id,
            self.engine.remove_scheduled_cancellation(subscription_id),
        )
        .await
    }

    async fn list_unbilled_charges(&self, subscription_id: &str) -> Result<Vec<UnbilledCharge>, BillingError> {
        let params = ListParams::subscription_unbilled_charges(subscription_id);
        self.engine.list_unbilled_charges(&params).await.map(|p| p.list).map_err(BillingError::Refused)
    }

    async fn list_invoices(&self, subscription_id: &str, limit: u8) -> Result<Vec<Invoice>, BillingError> {
        let params = ListParams::subscription_invoices(subscription_id, limit);
        self.engine.list_invoices(&params).await.map(|p| p.list).map_err(BillingError::Refused)
    }

    async fn retrieve_invoice(&self, id: &str) -> Result<Invoice, BillingError> {
        self.engine.retrieve_invoice(id).await.map_err(BillingError::Refused)
    }

    async fn retrieve_customer(&self, id: &str) -> Result<Customer, BillingError> {
        self.engine.retrieve_customer(id).await.map_err(BillingError::Refused)
    }

    async fn create_customer(
        &self,
        req: &NewCustomer,
        idempotency_key: Option<&str>,
    ) -> Result<Customer, BillingError> {
        let fields = CustomerFields {
            id: Some(&req.id),
            first_name: &req.first_name,
            last_name: &req.last_name,
            email: Some(&req.email),
        };
        let work = self.engine.create_customer(&fields);
        self.once(idempotency_key, "create_customer", req, work).await
    }

    async fn gift_settings(&self) -> Result<GiftSettings, BillingError> {
        self.engine.gift_settings().await.map_err(BillingError::Refused)
    }

    async fn create_gift(
        &self,
        req: &CreateGiftRequest,
        idempotency_key: Option<&str>,
    ) -> Result<GiftWithSubscription, BillingError> {
        let fingerprint = CreateGiftRequest { payment: fingerprint(&req.payment), ..req.clone() };
        self.once(idempotency_key, "create_gift", &fingerprint, self.engine.create_gift(req)).await
    }

    async fn retrieve_gift(&self, id: &str) -> Result<GiftWithSubscription, BillingError> {
        self.engine.retrieve_gift(id).await.map_err(BillingError::Refused)
    }

    async fn list_gifts(
        &self,
        query: &GiftQuery,
        limit: u8,
        offset: Option<&str>,
    ) -> Result<Page<GiftWithSubscription>, BillingError> {
        self.engine.list_gifts(&query.params(limit, offset)).await.map_err(BillingError::Refused)
    }

    async fn claim_gift(
        &self,
        id: &str,
        shipping_address: Option<&ShippingAddress>,
        idempotency_key: Option<&str>,
    ) -> Result<GiftWithSubscription, BillingError> {
        let req = (id, shipping_address);
        self.once(idempotency_key, "claim_gift", &req, self.engine.claim_gift(id, shipping_address)).await
    }

    async fn cancel_gift(&self, id: &str, idempotency_key: Option<&str>) -> Result<GiftWithSubscription, BillingError> {
        self.once(idempotency_key, "cancel_gift", &id, self.engine.cancel_gift(id)).await
    }

    async fn update_gift(
        &self,
        id: &str,
        scheduled_at: i64,
        idempotency_key: Option<&str>,
    ) -> Result<GiftWithSubscription, BillingError> {
        let req = (id, scheduled_at);
        self.once(idempotency_key, "update_gift", &req, self.engine.update_gift(id, scheduled_at)).await
    }
}

/// The payment as it identifies a request in the idempotency store: a card only by its last digits, so no
/// card number or CVV is ever stored.
fn fingerprint(payment: &PaymentMethod) -> PaymentMethod {
    match payment {
        PaymentMethod::Card(card) => {
            let masked = growthkit_engine::gateway::Card {
                number: card.number.clone(),
                expiry_month: card.expiry_month,
                expiry_year: card.expiry_year,
                cvv: String::new(),
            }
            .masked();
            PaymentMethod::Card(CardDetails { number: masked, cvv: String::new(), ..card.clone() })
        }
        other => other.clone(),
    }
}
