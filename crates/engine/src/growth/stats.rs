//! Reporting for an operator (Growthkit's studio): the funnel of each offer and the latest fulfillments.
//! These are the engine's own admin shapes, not Chargebee resources.

use growthkit_wire::ApiError;

use crate::Engine;
use crate::time::internal;

/// One offer's funnel: distinct personalized offers per stage; completed and failed count fulfillments.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OfferFunnel {
    pub offer_id: String,
    pub offer_name: String,
    pub decided: i64,
    pub viewed: i64,
    pub dismissed: i64,
    pub accepted: i64,
    pub completed: i64,
    pub failed: i64,
}

/// A fulfillment with the offer and customer it was for.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FulfillmentSummary {
    pub id: String,
    pub offer_name: String,
    pub customer_id: String,
    pub subscription: String,
    pub status: String,
    pub error_message: Option<String>,
    pub created_at: i64,
}

impl Engine {
    /// Every offer's funnel, in offer-name order.
    pub async fn offer_funnels(&self) -> Result<Vec<OfferFunnel>, ApiError> {
        sqlx::query_as(
            "SELECT o.id AS offer_id, o.name AS offer_name,
               (SELECT COUNT(*) FROM engine_personalized_offers po WHERE po.offer_id = o.id) AS decided,
               (SELECT COUNT(DISTINCT e.personalized_offer_id) FROM engine_offer_events e
                  JOIN engine_personalized_offers po ON po.id = e.personalized_offer_id
                  WHERE po.offer_id = o.id AND e.type = 'viewed') AS viewed,
               (SELECT COUNT(DISTINCT e.personalized_offer_id) FROM engine_offer_events e
                  JOIN engine_personalized_offers po ON po.id = e.personalized_offer_id
                  WHERE po.offer_id = o.id AND e.type = 'dismissed') AS dismissed,
               (SELECT COUNT(DISTINCT f.personalized_offer_id) FROM engine_offer_fulfillments f
                  WHERE f.offer_id = o.id) AS accepted,
               (SELECT COUNT(*) FROM engine_offer_fulfillments f WHERE f.offer_id = o.id AND f.status = 'completed') AS completed,
               (SELECT COUNT(*) FROM engine_offer_fulfillments f WHERE f.offer_id = o.id AND f.status = 'failed') AS failed
             FROM engine_offers o ORDER BY o.name",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(internal)
    }

    /// The latest fulfillments, newest first.
    pub async fn recent_fulfillments(&self, limit: i64) -> Result<Vec<FulfillmentSummary>, ApiError> {
        sqlx::query_as(
            "SELECT f.id, o.name AS offer_name, po.customer_id, f.subscription_key AS subscription, f.status, f.error_message, f.created_at
             FROM engine_offer_fulfillments f
             JOIN engine_offers o ON o.id = f.offer_id
             JOIN engine_personalized_offers po ON po.id = f.personalized_offer_id
             ORDER BY f.created_at DESC, f.rowid DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(internal)
    }
}
