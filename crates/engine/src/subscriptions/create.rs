//! Creating a subscription to a plan with one-off addons: on 1.0, `POST /subscriptions` (which creates the
//! customer too) and `POST /customers/{id}/subscriptions`; on 2.0, `POST /customers/{id}/subscription_for_items`
//! with charge items. The first invoice — the plan's first term plus the addons — is paid at once with the
//! given card or authorized payment intent, which stays on file for later charges, or with the card already
//! on file. A decline creates nothing.

use super::super::customers::{self, NewCustomer};
use super::super::events::{self, Source};
use super::super::invoices::{addon, addon_line, insert_invoice, new_invoice};
use super::super::payments::{self, Payment};
use super::super::time::internal;
use super::super::{Engine, catalog, ids};
use super::{period_seconds, read};
use growthkit_wire::{
    ApiError, CreateSubscriptionRequest, EventContent, LineItem, SubscriptionCreated, SubscriptionCustomer,
};

impl Engine {
    pub async fn create_subscription(&self, req: &CreateSubscriptionRequest) -> Result<SubscriptionCreated, ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;

        let plan = catalog::item_price(&mut tx, &req.plan_id)
            .await
            .map_err(internal)?
            .filter(|p| p.item_type == "plan")
            .ok_or_else(|| ApiError::not_found("plan_id", format!("Plan {} not found", req.plan_id)))?;
        let mut lines = vec![LineItem {
            description: plan.name.clone(),
            entity_type: crate::invoices::entity_type("plan", self.catalog),
            entity_id: plan.id.clone(),
            quantity: 1,
            unit_amount: plan.price,
            amount: plan.price,
        }];
        for (i, a) in req.addons.iter().enumerate() {
            let (id_param, qty_param) = (format!("addons[id][{i}]"), format!("addons[quantity][{i}]"));
            if req.addons[..i].iter().any(|b| b.id == a.id) {
                return Err(ApiError::param(&id_param, format!("{} is given more than once", a.id)));
            }
            let price = addon(&mut tx, &a.id, a.quantity, &plan.currency_code, &id_param, &qty_param).await?;
            lines.push(addon_line(&price, a.quantity, self.catalog));
        }

        let customer_id = match &req.customer {
            SubscriptionCustomer::New { id, email, first_name, last_name } => {
                let new = NewCustomer { id, first_name, last_name, email: Some(email) };
                customers::insert(&mut tx, &new, "customer[", now).await?;
                id.clone()
            }
            SubscriptionCustomer::Existing { id } => {
                customers::require(&mut tx, id, "customer_id").await?;
                id.clone()
            }
        };

        let sub_id = ids::random("sub_");
        let invoice = new_invoice(&customer_id, &sub_id, &plan.currency_code, lines, true, now);
        let funding =
            payments::funding(&mut tx, &req.payment, &customer_id, invoice.total, &plan.currency_code, now).await?;
        let payment = Payment {
            customer_id: &customer_id,
            subscription_id: Some(&sub_id),
            amount: invoice.total,
            currency: &plan.currency_code,
        };
        let outcome = funding.outcome()?;
        let txn = payments::transaction(&payment, &funding.card, outcome, now);
        if let Err(decline) = outcome {
            // Nothing is created; the attempt is kept only for a customer that existed before.
            drop(tx);
            if matches!(req.customer, SubscriptionCustomer::Existing { .. }) {
                let mut conn = self.pool.acquire().await.map_err(internal)?;
                payments::record(&mut conn, &txn, None, Some(decline)).await?;
            }
            return Err(decline.to_api_error());
        }

        if funding.keep {
            payments::save_card(&mut tx, &customer_id, &funding.card, now).await.map_err(internal)?;
        }
        let term_end = now + period_seconds(plan.period, plan.period_unit.as_deref());
        sqlx::query(
            "INSERT INTO engine_subscriptions
                 (id, customer_id, plan_item_price_id, status, current_term_start, current_term_end, created_at, updated_at)
             VALUES (?, ?, ?, 'active', ?, ?, ?, ?)",
        )
        .bind(&sub_id)
        .bind(&customer_id)
        .bind(&plan.id)
        .bind(now)
        .bind(term_end)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        insert_invoice(&mut tx, &invoice, now).await.map_err(internal)?;
        let paid = invoice.total > 0;
        if paid {
            payments::record(&mut tx, &txn, Some(&invoice.id), None).await?;
        }

        let subscription = read(&mut tx, &sub_id).await?;
        let customer = customers::read(&mut tx, &customer_id).await?;
        let mut content = EventContent {
            subscription: Some(subscription.clone()),
            customer: Some(customer.clone()),
            invoice: Some(invoice.clone()),
            ..EventContent::default()
        };
        events::record(&mut tx, "subscription_created", Source::Api, &content, now).await?;
        if paid {
            content.transaction = Some(txn);
            events::record(&mut tx, "payment_succeeded", Source::Api, &content, now).await?;
        }
        tx.commit().await.map_err(internal)?;
        self.kick_webhooks();
        Ok(SubscriptionCreated { subscription, customer, invoice })
    }
}
