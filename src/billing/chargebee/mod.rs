//! Chargebee over HTTP with reqwest: Basic auth with the API key, JSON bodies, Chargebee's error body
//! parsed into [`ApiError`]. Growth calls go to `https://{site}.grow.chargebee.com`, billing calls to
//! `https://{site}.chargebee.com`; a base-URL override sends both to one server, such as a Growthkit
//! engine.
//!
//! The client reads the site's product catalog version once (`GET /configurations`) and makes each call
//! the way that version takes it: plans and addons, `POST /subscriptions`, `charge_addon`,
//! `charge_addon_at_term_end` and `cancel` on 1.0; items, `subscription_for_items`, charge items,
//! `unbilled_charges/create` and `cancel_for_items` on 2.0.

mod v1;

use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Billing, BillingError};
use growthkit_wire::IDEMPOTENCY_KEY_HEADER as KEY_HEADER;
use growthkit_wire::{
    Addon, AddonCharge, ApiError, CardDetails, CatalogVersion, ChangePlanRequest, Configuration,
    CreateFulfillmentRequest, CreateGiftRequest, CreateSubscriptionRequest, Customer, Estimate, FulfillmentEnvelope,
    GiftQuery, GiftSettings, GiftWithSubscription, Invoice, Item, ItemPrice, ItemPriceQuery, ItemQuery, ListParams,
    NewCustomer, NewPaymentIntent, OfferEventRequest, OfferFulfillment, Page, PaymentIntent, PaymentMethod,
    PersonalizedOffersRequest, PersonalizedOffersResponse, Plan, PlanChange, ShippingAddress, Subscription,
    SubscriptionCreated, SubscriptionCustomer, Timestamp, UnbilledCharge, UpdateFulfillmentRequest,
};

/// Where the two Chargebee hosts are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Billing API root, e.g. `https://acme-test.chargebee.com`.
    pub billing: String,
    /// Growth API root, e.g. `https://acme-test.grow.chargebee.com`.
    pub growth: String,
}

impl Endpoint {
    /// Chargebee's hosts for `site`, or `base_url` for both when given.
    pub fn for_site(site: &str, base_url: Option<&str>) -> Self {
        match base_url {
            Some(base) => Endpoint::single(base),
            None => Endpoint {
                billing: format!("https://{site}.chargebee.com"),
                growth: format!("https://{site}.grow.chargebee.com"),
            },
        }
    }

    /// One server for everything (a Growthkit engine, or a test server).
    pub fn single(base: &str) -> Self {
        let base = base.trim_end_matches('/').to_owned();
        Endpoint { billing: base.clone(), growth: base }
    }
}

/// When the client tries a call again, following Chargebee's client rules: a 429 waits for its
/// `Retry-After` (capped), whatever the call; a 5xx or a lost connection is retried with exponential backoff
/// and jitter, but only for calls safe to repeat (GETs, and POSTs carrying an idempotency key, which billing
/// answers once however often they arrive).
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub max_retries: usize,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// The longest `Retry-After` waited for; a longer one is cut to this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    /// The Node SDK's example figures: 300 ms doubling, at most 3 retries; at most a minute for `Retry-After`.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 3,
            min_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(5),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

/// Why one attempt failed, and whether another may follow.
struct Failure {
    error: BillingError,
    retry: Retry,
}

#[derive(Clone, Copy, PartialEq)]
enum Retry {
    /// Billing refused for good, or the call is not safe to repeat.
    Never,
    /// 429: billing said how long to wait, or not.
    RateLimited(Option<Duration>),
    /// 5xx or no answer: try again after a backoff if the call is safe to repeat.
    Transient,
}

/// The HTTP adapter.
pub struct ChargebeeClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    api_key: String,
    retry: RetryPolicy,
    /// The site's product catalog version, read on first need.
    catalog: tokio::sync::OnceCell<CatalogVersion>,
}

impl ChargebeeClient {
    pub fn new(endpoint: Endpoint, api_key: &str) -> Result<Self, BillingError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("growthkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BillingError::Unavailable(format!("HTTP client: {e}")))?;
        Ok(ChargebeeClient {
            http,
            endpoint,
            api_key: api_key.to_owned(),
            retry: RetryPolicy::default(),
            catalog: tokio::sync::OnceCell::new(),
        })
    }

    /// The site's product catalog version (`GET /configurations`), asked once; a failed read is asked again
    /// at the next call.
    pub async fn catalog_version(&self) -> Result<CatalogVersion, BillingError> {
        let read = || async {
            let env: ConfigurationsEnvelope = self.send(self.billing(Method::GET, "configurations")).await?;
            env.configurations
                .first()
                .map(|c| c.product_catalog_version)
                .ok_or_else(|| BillingError::Unavailable("the site answered no configuration".into()))
        };
        self.catalog.get_or_try_init(read).await.copied()
    }

    /// Lists one page of up to 100 entries of `T` under `path`.
    async fn list<T: DeserializeOwned>(&self, path: &str, params: &ListParams) -> Result<Vec<T>, BillingError> {
        let list: List<T> = self.send(self.billing(Method::GET, path).query(params.pairs())).await?;
        Ok(list.list)
    }

    /// The same client with another retry policy (tests use short delays).
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    fn growth(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}/api/v2/{path}", self.endpoint.growth)).basic_auth(&self.api_key, Some(""))
    }

    async fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T, BillingError> {
        let res = self.send_raw(req).await?;
        res.json::<T>().await.map_err(|e| BillingError::Unavailable(format!("unreadable answer: {e}")))
    }

    /// Sends, retrying as [`RetryPolicy`] says, and sorts the answer: 2xx is returned, a Chargebee error body
    /// becomes `Refused`, anything else (no answer, a proxy's HTML page) is `Unavailable`.
    async fn send_raw(&self, req: RequestBuilder) -> Result<reqwest::Response, BillingError> {
        use backon::{ExponentialBuilder, Retryable};

        let request = req.build().map_err(|e| BillingError::Unavailable(e.without_url().to_string()))?;
        let repeatable = request.method() == Method::GET || request.headers().contains_key(KEY_HEADER);
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.retry.min_delay)
            .with_max_delay(self.retry.max_delay)
            .with_max_times(self.retry.max_retries)
            .with_jitter();
        let max_wait = self.retry.max_retry_after;
        let attempt = || async {
            // A body that cannot be copied (none here: every body is bytes) is sent once.
            let Some(this_try) = request.try_clone() else {
                return Err(Failure {
                    error: BillingError::Unavailable("request not repeatable".into()),
                    retry: Retry::Never,
                });
            };
            self.attempt(this_try, repeatable).await
        };
        attempt
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(|f: &Failure| f.retry != Retry::Never)
            .adjust(move |f: &Failure, planned: Option<Duration>| match (f.retry, planned) {
                (Retry::RateLimited(Some(wait)), Some(_)) => Some(wait.min(max_wait)),
                (_, planned) => planned,
            })
            .notify(|f: &Failure, after: Duration| {
                tracing::warn!(?after, "billing call failed, trying again: {}", f.error);
            })
            .await
            .map_err(|f| f.error)
    }

    async fn attempt(&self, request: reqwest::Request, repeatable: bool) -> Result<reqwest::Response, Failure> {
        let transient = if repeatable { Retry::Transient } else { Retry::Never };
        let res = self
            .http
            .execute(request)
            .await
            .map_err(|e| Failure { error: BillingError::Unavailable(e.without_url().to_string()), retry: transient })?;
        let status = res.status();
        if status.is_success() {
            return Ok(res);
        }
        let retry = if status == StatusCode::TOO_MANY_REQUESTS {
            let after = res.headers().get(reqwest::header::RETRY_AFTER).and_then(|v| v.to_str().ok());
            Retry::RateLimited(after.and_then(|v| v.trim().parse::<u64>().ok()).map(Duration::from_secs))
        } else if status.is_server_error() {
            transient
        } else {
            Retry::Never
        };
        let text = res.text().await.unwrap_or_default();
        let error = match serde_json::from_str::<ApiError>(&text) {
            Ok(mut err) => {
                err.http_status_code = status.as_u16();
                BillingError::Refused(err)
            }
            Err(_) => BillingError::Unavailable(format!("HTTP {status} without a Chargebee error body")),
        };
        Err(Failure { error, retry })
    }

    fn billing(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/api/v2/{path}", self.endpoint.billing))
            .basic_auth(&self.api_key, Some(""))
    }

    /// A form-encoded POST to the billing API, as Chargebee's billing endpoints take their parameters.
    fn post_form<F: Serialize + ?Sized>(&self, path: &str, form: &F, key: Option<&str>) -> RequestBuilder {
        let req = self.billing(Method::POST, path).form(form);
        match key {
            Some(k) => req.header(KEY_HEADER, k),
            None => req,
        }
    }

    fn post_json<B: Serialize>(&self, path: &str, body: &B, key: Option<&str>) -> RequestBuilder {
        let req = self.growth(Method::POST, path).json(body);
        match key {
            Some(k) => req.header(KEY_HEADER, k),
            None => req,
        }
    }
}

#[async_trait]
impl Billing for ChargebeeClient {
    fn describe(&self) -> String {
        format!("Chargebee API at {}", self.endpoint.billing)
    }

    async fn personalized_offers(
        &self,
        req: &PersonalizedOffersRequest,
    ) -> Result<PersonalizedOffersResponse, BillingError> {
        self.send(self.post_json("personalized_offers", req, None)).await
    }

    async fn record_offer_event(&self, req: &OfferEventRequest) -> Result<(), BillingError> {
        let res = self.send_raw(self.post_json("offer_events", req, None)).await?;
        match res.status() {
            StatusCode::NO_CONTENT | StatusCode::OK => Ok(()),
            other => Err(BillingError::Unavailable(format!("unexpected HTTP {other} for an offer event"))),
        }
    }

    async fn create_offer_fulfillment(
        &self,
        req: &CreateFulfillmentRequest,
        idempotency_key: Option<&str>,
    ) -> Result<FulfillmentEnvelope, BillingError> {
        self.send(self.post_json("offer_fulfillments", req, idempotency_key)).await
    }

    async fn retrieve_offer_fulfillment(&self, id: &str) -> Result<OfferFulfillment, BillingError> {
        let path = format!("offer_fulfillments/{}", encode(id));
        let env: FulfillmentEnvelope = self.send(self.growth(Method::GET, &path)).await?;
        Ok(env.offer_fulfillment)
    }

    async fn update_offer_fulfillment(
        &self,
        req: &UpdateFulfillmentRequest,
        idempotency_key: Option<&str>,
    ) -> Result<OfferFulfillment, BillingError> {
        let path = format!("offer_fulfillments/{}", encode(&req.id));
        let env: FulfillmentEnvelope = self.send(self.post_json(&path, req, idempotency_key)).await?;
        Ok(env.offer_fulfillment)
    }

    async fn retrieve_subscription(&self, id: &str) -> Result<Subscription, BillingError> {
        let env: SubscriptionEnvelope =
            self.send(self.billing(Method::GET, &format!("subscriptions/{}", encode(id)))).await?;
        Ok(env.subscription)
    }

    async fn change_plan(
        &self,
        req: &ChangePlanRequest,
        idempotency_key: Option<&str>,
    ) -> Result<PlanChange, BillingError> {
        let id = encode(&req.subscription_id);
        let (path, mut form) = match self.catalog_version().await? {
            CatalogVersion::V1 => {
                (format!("subscriptions/{id}"), vec![("plan_id".into(), req.plan_item_price_id.clone())])
            }
            CatalogVersion::V2 => (
                format!("subscriptions/{id}/update_for_items"),
                vec![
                    ("subscription_items[item_price_id][0]".into(), req.plan_item_price_id.clone()),
                    ("replace_items_list".into(), "true".into()),
                ],
            ),
        };
        form.push(("invoice_immediately".into(), "true".into()));
        push_payment(&mut form, &req.payment);
        self.send(self.post_form(&path, &form, idempotency_key)).await
    }

    async fn list_item_prices(&self, query: &ItemPriceQuery) -> Result<Vec<ItemPrice>, BillingError> {
        if self.catalog_version().await? == CatalogVersion::V2 {
            let list: Vec<ItemPriceEntry> = self.list("item_prices", &query.params()).await?;
            return Ok(list.into_iter().map(|e| e.item_price).collect());
        }
        let mut prices = Vec::new();
        for (path, params) in v1::price_lists(query) {
            if path == "plans" {
                let plans: Vec<PlanEntry> = self.list(path, &params).await?;
                prices.extend(plans.into_iter().map(|e| v1::plan_price(e.plan)));
            } else {
                let addons: Vec<AddonEntry> = self.list(path, &params).await?;
                prices.extend(addons.into_iter().map(|e| v1::addon_price(e.addon)));
            }
        }
        prices.retain(|p| v1::keeps(query, p));
        Ok(prices)
    }

    async fn retrieve_item_price(&self, id: &str) -> Result<ItemPrice, BillingError> {
        if self.catalog_version().await? == CatalogVersion::V2 {
            let path = format!("item_prices/{}", encode(id));
            let entry: ItemPriceEntry = self.send(self.billing(Method::GET, &path)).await?;
            return Ok(entry.item_price);
        }
        match self.send::<PlanEntry>(self.billing(Method::GET, &format!("plans/{}", encode(id)))).await {
            Ok(entry) => Ok(v1::plan_price(entry.plan)),
            Err(BillingError::Refused(e)) if e.http_status_code == 404 => {
                let entry: AddonEntry = self.send(self.billing(Method::GET, &format!("addons/{}", encode(id)))).await?;
                Ok(v1::addon_price(entry.addon))
            }
            Err(err) => Err(err),
        }
    }

    async fn list_items(&self, query: &ItemQuery) -> Result<Vec<Item>, BillingError> {
        if self.catalog_version().await? == CatalogVersion::V2 {
            let list: Vec<ItemEntry> = self.list("items", &query.params()).await?;
            return Ok(list.into_iter().map(|e| e.item).collect());
        }
        let Some(params) = v1::plan_params(query) else { return Ok(Vec::new()) };
        let plans: Vec<PlanEntry> = self.list("plans", &params).await?;
        Ok(plans.into_iter().map(|e| v1::plan_item(e.plan)).collect())
    }

    async fn create_subscription(
        &self,
        req: &CreateSubscriptionRequest,
        idempotency_key: Option<&str>,
    ) -> Result<SubscriptionCreated, BillingError> {
        if self.catalog_version().await? == CatalogVersion::V2 {
            return self.subscription_for_items(req, idempotency_key).await;
        }
        let mut form = vec![("plan_id".to_owned(), req.plan_id.clone())];
        for (i, addon) in req.addons.iter().enumerate() {
            form.push((format!("addons[id][{i}]"), addon.id.clone()));
            form.push((format!("addons[quantity][{i}]"), addon.quantity.to_string()));
        }
        push_payment(&mut form, &req.payment);
        let path = match &req.customer {
            SubscriptionCustomer::New { id, email, first_name, last_name } => {
                form.push(("customer[id]".into(), id.clone()));
                form.push(("customer[email]".into(), email.clone()));
                form.push(("customer[first_name]".into(), first_name.clone()));
                form.push(("customer[last_name]".into(), last_name.clone()));
                "subscriptions".to_owned()
            }
            SubscriptionCustomer::Existing { id } => format!("customers/{}/subscriptions", encode(id)),
        };
        self.send(self.post_form(&path, &form, idempotency_key)).await
    }

    async fn charge_addon(&self, req: &AddonCharge, idempotency_key: Option<&str>) -> Result<Invoice, BillingError> {
        if self.catalog_version().await? == CatalogVersion::V2 {
            let mut form = vec![("subscription_id".to_owned(), req.subscription_id.clone())];
            push_item_price(&mut form, req);
            let path = "invoices/create_for_charge_items_and_charges";
            let env: InvoiceEnvelope = self.send(self.post_form(path, &form, idempotency_key)).await?;
            return Ok(env.invoice);
        }
        let form = [
            ("subscription_id", req.subscription_id.clone()),
            ("addon_id", req.addon_id.clone()),
            ("addon_quantity", req.addon_quantity.to_string()),
        ];
        let env: InvoiceEnvelope = self.send(self.post_form("invoices/charge_addon", &form, idempotency_key)).await?;
        Ok(env.invoice)
    }

    async fn charge_addon_at_term_end(
        &self,
        req: &AddonCharge,
        idempotency_key: Option<&str>,
    ) -> Result<Option<Timestamp>, BillingError> {
        if self.catalog_version().await? == CatalogVersion::V2 {
            // 2.0 keeps a charge item for the next invoice as an unbilled charge; that invoice comes at renewal.
            let mut form = vec![("subscription_id".to_owned(), req.subscription_id.clone())];
            push_item_price(&mut form, req);
            let kept: UnbilledChargesEnvelope =
                self.send(self.post_form("unbilled_charges/create", &form, idempotency_key)).await?;
            if !kept.unbilled_charges.iter().any(|c| c.entity_id == req.addon_id) {
                return Err(BillingError::Unavailable("billing answered without the kept charge".into()));
            }
            let sub = self.retrieve_subscription(&req.subscription_id).await?;
            return Ok(sub.current_term_end.filter(|_| matches!(sub.status.as_str(), "active" | "in_trial")));
        }
        let path = format!("subscriptions/{}/charge_addon_at_term_end", encode(&req.subscription_id));
        let form = [("addon_id", req.addon_id.clone()), ("addon_quantity", req.addon_quantity.to_string())];
        let env: EstimateEnvelope = self.send(self.post_form(&path, &form, idempotency_key)).await?;
        Ok(env.estimate.subscription_estimate.next_billing_at)
    }

    async fn cancel_subscription(
        &self,
        subscription_id: &str,
        end_of_term: bool,
        idempotency_key: Option<&str>,
    ) -> Result<Subscription, BillingError> {
        let action = match self.catalog_version().await? {
            CatalogVersion::V1 => "cancel",
            CatalogVersion::V2 => "cancel_for_items",
        };
        let path = format!("subscriptions/{}/{action}", encode(subscription_id));
        let form = [("end_of_term", end_of_term.to_string())];
        let env: SubscriptionEnvelope = self.send(self.post_form(&path, &form, idempotency_key)).await?;
        Ok(env.subscription)
    }

    async fn remove_scheduled_cancellation(
        &self,
        subscription_id: &str,
        idempotency_key: Option<&str>,
    ) -> Result<Subscription, BillingError> {
        let path = format!("subscriptions/{}/remove_scheduled_cancellation", encode(subscription_id));
        let env: SubscriptionEnvelope =
            self.send(self.post_form(&path, &[] as &[(&str, &str)], idempotency_key)).await?;
        Ok(env.subscription)
    }

    async fn list_unbilled_charges(&self, subscription_id: &str) -> Result<Vec<UnbilledCharge>, BillingError> {
        let params = ListParams::subscription_unbilled_charges(subscription_id);
        let list: Vec<UnbilledChargeEntry> = self.list("unbilled_charges", &params).await?;
        Ok(list.into_iter().map(|e| e.unbilled_charge).collect())
    }

    async fn list_invoices(&self, subscription_id: &str, limit: u8) -> Result<Vec<Invoice>, BillingError> {
        let params = ListParams::subscription_invoices(subscription_id, limit);
        let list: Vec<InvoiceEnvelope> = self.list("invoices", &params).await?;
        Ok(list.into_iter().map(|e| e.invoice).collect())
    }

    async fn retrieve_invoice(&self, id: &str) -> Result<Invoice, BillingError> {
        let env: InvoiceEnvelope = self.send(self.billing(Method::GET, &format!("invoices/{}", encode(id)))).await?;
        Ok(env.invoice)
    }

    async fn retrieve_customer(&self, id: &str) -> Result<Customer, BillingError> {
        let env: CustomerEnvelope = self.send(self.billing(Method::GET, &format!("customers/{}", encode(id)))).await?;
        Ok(env.customer)
    }

    async fn create_customer(
        &self,
        req: &NewCustomer,
        idempotency_key: Option<&str>,
    ) -> Result<Customer, BillingError> {
        let form =
            [("id", &req.id), ("email", &req.email), ("first_name", &req.first_name), ("last_name", &req.last_name)];
        let env: CustomerEnvelope = self.send(self.post_form("customers", &form, idempotency_key)).await?;
        Ok(env.customer)
    }

    /// Chargebee keeps these settings in its admin pages; a Growthkit engine serves them as an extension.
    /// A server without it (real Chargebee answers 404) gets the defaults a new Chargebee site has.
    async fn gift_settings(&self) -> Result<GiftSettings, BillingError> {
        match self.send::<GiftSettingsEnvelope>(self.billing(Method::GET, "gift_settings")).await {
            Ok(env) => Ok(env.gift_settings),
            Err(BillingError::Refused(e)) if e.http_status_code == 404 => Ok(GiftSettings::default()),
            Err(err) => Err(err),
        }
    }

    async fn create_gift(
        &self,
        req: &CreateGiftRequest,
        idempotency_key: Option<&str>,
    ) -> Result<GiftWithSubscription, BillingError> {
        let mut form: Vec<(String, String)> = vec![
            ("gifter[customer_id]".into(), req.gifter_customer_id.clone()),
            ("gifter[signature]".into(), req.signature.clone()),
            ("gift_receiver[customer_id]".into(), req.receiver_customer_id.clone()),
            ("gift_receiver[first_name]".into(), req.receiver_first_name.clone()),
            ("gift_receiver[last_name]".into(), req.receiver_last_name.clone()),
            ("gift_receiver[email]".into(), req.receiver_email.clone()),
        ];
        let path = match self.catalog_version().await? {
            CatalogVersion::V1 => {
                form.push(("subscription[plan_id]".into(), req.item_price_id.clone()));
                "gifts"
            }
            CatalogVersion::V2 => {
                form.push(("subscription_items[item_price_id][0]".into(), req.item_price_id.clone()));
                "gifts/create_for_items"
            }
        };
        let optional = [
            ("gifter[note]", req.note.clone()),
            ("scheduled_at", req.scheduled_at.map(|t| t.to_string())),
            ("auto_claim", req.auto_claim.map(|b| b.to_string())),
            ("no_expiry", req.no_expiry.map(|b| b.to_string())),
            ("claim_expiry_date", req.claim_expiry_date.map(|t| t.to_string())),
        ];
        form.extend(optional.into_iter().filter_map(|(k, v)| v.map(|v| (k.to_owned(), v))));
        push_payment(&mut form, &req.payment);
        if let Some(address) = &req.shipping_address {
            push_address(&mut form, address);
        }
        self.send(self.post_form(path, &form, idempotency_key)).await
    }

    async fn create_payment_intent(&self, req: &NewPaymentIntent) -> Result<PaymentIntent, BillingError> {
        let mut form = vec![("amount", req.amount.to_string()), ("currency_code", req.currency_code.clone())];
        if let Some(customer) = &req.customer_id {
            form.push(("customer_id", customer.clone()));
        }
        let env: PaymentIntentEnvelope = self.send(self.post_form("payment_intents", &form, None)).await?;
        Ok(env.payment_intent)
    }

    async fn retrieve_payment_intent(&self, id: &str) -> Result<PaymentIntent, BillingError> {
        let env: PaymentIntentEnvelope =
            self.send(self.billing(Method::GET, &format!("payment_intents/{}", encode(id)))).await?;
        Ok(env.payment_intent)
    }

    async fn retrieve_gift(&self, id: &str) -> Result<GiftWithSubscription, BillingError> {
        self.send(self.billing(Method::GET, &format!("gifts/{}", encode(id)))).await
    }

    async fn list_gifts(
        &self,
        query: &GiftQuery,
        limit: u8,
        offset: Option<&str>,
    ) -> Result<Page<GiftWithSubscription>, BillingError> {
        let params = query.params(limit, offset);
        self.send(self.billing(Method::GET, "gifts").query(params.pairs())).await
    }

    async fn claim_gift(
        &self,
        id: &str,
        shipping_address: Option<&ShippingAddress>,
        idempotency_key: Option<&str>,
    ) -> Result<GiftWithSubscription, BillingError> {
        let mut form = Vec::new();
        if let Some(address) = shipping_address {
            push_address(&mut form, address);
        }
        self.send(self.post_form(&format!("gifts/{}/claim", encode(id)), &form, idempotency_key)).await
    }

    async fn cancel_gift(&self, id: &str, idempotency_key: Option<&str>) -> Result<GiftWithSubscription, BillingError> {
        let path = format!("gifts/{}/cancel", encode(id));
        self.send(self.post_form(&path, &[] as &[(&str, &str)], idempotency_key)).await
    }

    async fn update_gift(
        &self,
        id: &str,
        scheduled_at: i64,
        idempotency_key: Option<&str>,
    ) -> Result<GiftWithSubscription, BillingError> {
        let path = format!("gifts/{}/update_gift", encode(id));
        self.send(self.post_form(&path, &[("scheduled_at", scheduled_at.to_string())], idempotency_key)).await
    }
}

impl ChargebeeClient {
    /// A 2.0 subscription: the customer first when new, the card as its payment source when given, then
    /// `subscription_for_items` with the plan and the charge items. Each step has its own idempotency key
    /// derived from the request's, so a retry repeats none of them.
    async fn subscription_for_items(
        &self,
        req: &CreateSubscriptionRequest,
        key: Option<&str>,
    ) -> Result<SubscriptionCreated, BillingError> {
        let step = |name: &str| key.map(|k| format!("{k}:{name}"));
        let customer_id = match &req.customer {
            SubscriptionCustomer::New { id, email, first_name, last_name } => {
                // An earlier attempt that was declined may have left the customer: 2.0 keeps it, so use it.
                match self.retrieve_customer(id).await {
                    Ok(_) => {}
                    Err(BillingError::Refused(e)) if e.http_status_code == 404 => {
                        let new = NewCustomer {
                            id: id.clone(),
                            email: email.clone(),
                            first_name: first_name.clone(),
                            last_name: last_name.clone(),
                        };
                        self.create_customer(&new, step("customer").as_deref()).await?;
                    }
                    Err(err) => return Err(err),
                }
                id.clone()
            }
            SubscriptionCustomer::Existing { id } => id.clone(),
        };
        if let PaymentMethod::Card(card) = &req.payment {
            let mut form = vec![
                ("customer_id".to_owned(), customer_id.clone()),
                ("replace_primary_payment_source".into(), "true".into()),
            ];
            push_card(&mut form, card);
            let _: CustomerEnvelope =
                self.send(self.post_form("payment_sources/create_card", &form, step("card").as_deref())).await?;
        }
        let mut form = vec![("subscription_items[item_price_id][0]".to_owned(), req.plan_id.clone())];
        for (i, addon) in req.addons.iter().enumerate() {
            form.push((format!("subscription_items[item_price_id][{}]", i + 1), addon.id.clone()));
            form.push((format!("subscription_items[quantity][{}]", i + 1), addon.quantity.to_string()));
        }
        if let PaymentMethod::Intent(id) = &req.payment {
            form.push(("payment_intent[id]".into(), id.clone()));
        }
        let path = format!("customers/{}/subscription_for_items", encode(&customer_id));
        self.send(self.post_form(&path, &form, key)).await
    }
}

/// `item_prices[...][0]`: one charge item price and its quantity.
fn push_item_price(form: &mut Vec<(String, String)>, req: &AddonCharge) {
    form.push(("item_prices[item_price_id][0]".into(), req.addon_id.clone()));
    form.push(("item_prices[quantity][0]".into(), req.addon_quantity.to_string()));
}

/// How the call pays: `payment_intent[id]`, `card[...]`, or nothing for the payment source on file.
fn push_payment(form: &mut Vec<(String, String)>, payment: &PaymentMethod) {
    match payment {
        PaymentMethod::Card(card) => push_card(form, card),
        PaymentMethod::Intent(id) => form.push(("payment_intent[id]".into(), id.clone())),
        PaymentMethod::OnFile => {}
    }
}

/// `card[...]` parameters.
fn push_card(form: &mut Vec<(String, String)>, card: &CardDetails) {
    form.push(("card[number]".into(), card.number.clone()));
    form.push(("card[expiry_month]".into(), card.expiry_month.to_string()));
    form.push(("card[expiry_year]".into(), card.expiry_year.to_string()));
    form.push(("card[cvv]".into(), card.cvv.clone()));
}

/// `shipping_address[...]` parameters.
fn push_address(form: &mut Vec<(String, String)>, a: &ShippingAddress) {
    let fields = [
        ("first_name", Some(&a.first_name)),
        ("last_name", Some(&a.last_name)),
        ("line1", Some(&a.line1)),
        ("line2", a.line2.as_ref()),
        ("city", Some(&a.city)),
        ("state", a.state.as_ref()),
        ("zip", Some(&a.zip)),
        ("country", Some(&a.country)),
    ];
    for (name, value) in fields {
        if let Some(v) = value {
            form.push((format!("shipping_address[{name}]"), v.clone()));
        }
    }
}

#[derive(serde::Deserialize)]
struct CustomerEnvelope {
    customer: Customer,
}

#[derive(serde::Deserialize)]
struct PaymentIntentEnvelope {
    payment_intent: PaymentIntent,
}

#[derive(serde::Deserialize)]
struct GiftSettingsEnvelope {
    gift_settings: GiftSettings,
}

#[derive(serde::Deserialize)]
struct List<T> {
    list: Vec<T>,
}

#[derive(serde::Deserialize)]
struct ItemPriceEntry {
    item_price: ItemPrice,
}

#[derive(serde::Deserialize)]
struct ItemEntry {
    item: Item,
}

#[derive(serde::Deserialize)]
struct PlanEntry {
    plan: Plan,
}

#[derive(serde::Deserialize)]
struct AddonEntry {
    addon: Addon,
}

#[derive(serde::Deserialize)]
struct ConfigurationsEnvelope {
    configurations: Vec<Configuration>,
}

#[derive(serde::Deserialize)]
struct UnbilledChargesEnvelope {
    unbilled_charges: Vec<UnbilledCharge>,
}

#[derive(serde::Deserialize)]
struct UnbilledChargeEntry {
    unbilled_charge: UnbilledCharge,
}

#[derive(serde::Deserialize)]
struct InvoiceEnvelope {
    invoice: Invoice,
}

#[derive(serde::Deserialize)]
struct EstimateEnvelope {
    estimate: Estimate,
}

#[derive(serde::Deserialize)]
struct SubscriptionEnvelope {
    subscription: Subscription,
}

/// Percent-encodes an id for use as one path segment.
fn encode(id: &str) -> String {
    form_urlencoded::byte_serialize(id.as_bytes()).collect::<String>().replace('+', "%20")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chargebee_hosts_follow_the_site_unless_overridden() {
        let e = Endpoint::for_site("acme-test", None);
        assert_eq!(e.billing, "https://acme-test.chargebee.com");
        assert_eq!(e.growth, "https://acme-test.grow.chargebee.com");
        let e = Endpoint::for_site("acme-test", Some("http://127.0.0.1:3000/"));
        assert_eq!(e.growth, "http://127.0.0.1:3000");
    }

    #[test]
    fn ids_are_one_path_segment() {
        assert_eq!(encode("ful_1"), "ful_1");
        assert_eq!(encode("a/b c"), "a%2Fb%20c");
    }
}
