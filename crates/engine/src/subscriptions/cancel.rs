//! Cancelling: now, or at the end of the term (`end_of_term=true`: the subscription turns
//! `non_renewing` and the renewal job cancels it when the term ends), and taking a scheduled
//! cancellation back (`remove_scheduled_cancellation`).

use super::super::Engine;
use super::super::events::{self, Source};
use super::super::time::internal;
use super::read;
use super::renewal::bill_open_charges;
use growthkit_wire::{ApiError, EventContent, Subscription};

impl Engine {
    /// `POST /subscriptions/{id}/cancel`. Cancelling now bills the charges kept for term end (Chargebee's
    /// default `unbilled_charges_option=invoice`).
    pub async fn cancel_subscription(&self, id: &str, end_of_term: bool) -> Result<Subscription, ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        let sub = read(&mut tx, id).await?;
        let (status, cancelled_at, event) = match (sub.status.as_str(), end_of_term) {
            ("cancelled", _) => return Err(ApiError::invalid_state(None, "The subscription is already cancelled")),
            ("non_renewing", true) => {
                return Err(ApiError::invalid_state(None, "The subscription is already set to cancel at term end"));
            }
            ("active" | "in_trial", true) => match sub.current_term_end {
                Some(end) => ("non_renewing", end, "subscription_cancellation_scheduled"),
                None => return Err(ApiError::invalid_state(None, "The subscription has no term to end")),
            },
            (_, false) => ("cancelled", now, "subscription_cancelled"),
            (other, true) => {
                return Err(ApiError::invalid_state(
                    None,
                    format!("A {other} subscription cannot be cancelled at term end"),
                ));
            }
        };
        let moved = sqlx::query(
            "UPDATE engine_subscriptions SET status = ?, cancelled_at = ?, updated_at = ? WHERE id = ? AND status = ?",
        )
        .bind(status)
        .bind(cancelled_at)
        .bind(now)
        .bind(id)
        .bind(&sub.status)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        if moved.rows_affected() != 1 {
            return Err(ApiError::invalid_state(None, "The subscription changed meanwhile; try again"));
        }
        let mut content = EventContent::default();
        if status == "cancelled"
            && let Some((invoice, txn, kind)) = bill_open_charges(&mut tx, &sub, now).await?
        {
            content.invoice = Some(invoice);
            content.subscription = Some(read(&mut tx, id).await?);
            content.transaction = txn;
            events::record(&mut tx, kind, Source::Api, &content, now).await?;
        }
        let subscription = read(&mut tx, id).await?;
        content.subscription = Some(subscription.clone());
        content.transaction = None;
        events::record(&mut tx, event, Source::Api, &content, now).await?;
        tx.commit().await.map_err(internal)?;
        self.forget_subjects();
        self.kick_webhooks();
        Ok(subscription)
    }

    /// `POST /subscriptions/{id}/remove_scheduled_cancellation`: a `non_renewing` subscription renews again.
    pub async fn remove_scheduled_cancellation(&self, id: &str) -> Result<Subscription, ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        read(&mut tx, id).await?;
        let moved = sqlx::query(
            "UPDATE engine_subscriptions SET status = 'active', cancelled_at = NULL, updated_at = ?
             WHERE id = ? AND status = 'non_renewing'",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        if moved.rows_affected() != 1 {
            return Err(ApiError::invalid_state(None, "The subscription has no scheduled cancellation"));
        }
        let subscription = read(&mut tx, id).await?;
        let content = EventContent { subscription: Some(subscription.clone()), ..EventContent::default() };
        events::record(&mut tx, "subscription_scheduled_cancellation_removed", Source::Api, &content, now).await?;
        tx.commit().await.map_err(internal)?;
        self.forget_subjects();
        self.kick_webhooks();
        Ok(subscription)
    }
}
