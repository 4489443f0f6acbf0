//! Chargebee over HTTP with reqwest: Basic auth with the API key, JSON bodies, Chargebee's error body
//! parsed into [`ApiError`]. Growth calls go to `https://{site}.grow.chargebee.com`, billing calls to
//! `https://{site}.chargebee.com`; a base-URL override sends both to one server, such as a Growthkit
//! engine.

use std::time::Duration;

use async_trait::async_trait;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::types::{
    ApiError, ChangePlanRequest, CreateFulfillmentRequest, FulfillmentEnvelope, OfferEventRequest, OfferFulfillment,
    PersonalizedOffersRequest, PersonalizedOffersResponse, PlanChange, Subscription, UpdateFulfillmentRequest,
};
use super::{Billing, BillingError};
use crate::engine::idempotency::KEY_HEADER;

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

/// The HTTP adapter.
pub struct ChargebeeClient {
    http: reqwest::Client,
    endpoint: Endpoint,
    api_key: String,
}

impl ChargebeeClient {
    pub fn new(endpoint: Endpoint, api_key: &str) -> Result<Self, BillingError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("growthkit/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| BillingError::Unavailable(format!("HTTP client: {e}")))?;
        Ok(ChargebeeClient { http, endpoint, api_key: api_key.to_owned() })
    }

    fn growth(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}/api/v2/{path}", self.endpoint.growth)).basic_auth(&self.api_key, Some(""))
    }

    async fn send<T: DeserializeOwned>(&self, req: RequestBuilder) -> Result<T, BillingError> {
        let res = self.send_raw(req).await?;
        res.json::<T>().await.map_err(|e| BillingError::Unavailable(format!("unreadable answer: {e}")))
    }

    /// Sends and sorts the answer: 2xx is returned, a Chargebee error body becomes `Refused`, anything
    /// else (no answer, a proxy's HTML page) is `Unavailable`.
    async fn send_raw(&self, req: RequestBuilder) -> Result<reqwest::Response, BillingError> {
        let res = req.send().await.map_err(|e| BillingError::Unavailable(e.without_url().to_string()))?;
        let status = res.status();
        if status.is_success() {
            return Ok(res);
        }
        let text = res.text().await.unwrap_or_default();
        match serde_json::from_str::<ApiError>(&text) {
            Ok(mut err) => {
                err.http_status_code = status.as_u16();
                Err(BillingError::Refused(err))
            }
            Err(_) => Err(BillingError::Unavailable(format!("HTTP {status} without a Chargebee error body"))),
        }
    }

    fn billing(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}/api/v2/{path}", self.endpoint.billing))
            .basic_auth(&self.api_key, Some(""))
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
    ) -> Result<OfferFulfillment, BillingError> {
        let env: FulfillmentEnvelope = self.send(self.post_json("offer_fulfillments", req, idempotency_key)).await?;
        Ok(env.offer_fulfillment)
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
        let path = format!("subscriptions/{}/update_for_items", encode(&req.subscription_id));
        let form = [
            ("subscription_items[item_price_id][0]", req.plan_item_price_id.clone()),
            ("replace_items_list", "true".into()),
            ("invoice_immediately", "true".into()),
            ("card[number]", req.card.number.clone()),
            ("card[expiry_month]", req.card.expiry_month.to_string()),
            ("card[expiry_year]", req.card.expiry_year.to_string()),
            ("card[cvv]", req.card.cvv.clone()),
        ];
        let mut builder = self.billing(Method::POST, &path).form(&form);
        if let Some(k) = idempotency_key {
            builder = builder.header(KEY_HEADER, k);
        }
        self.send(builder).await
    }
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
