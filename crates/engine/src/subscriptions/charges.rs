//! One-off charges on a subscription: an addon invoiced and paid now (`charge_addon`), and an addon
//! charge kept for the invoice at the end of the term (`charge_addon_at_term_end`).

use crate::events::{self, Source};
use crate::invoices::{addon, addon_line, charge_lines, insert_invoice, new_invoice, open_charges};
use crate::payments::{self, Payment};
use crate::time::internal;
use crate::{Engine, gateway, ids};
use growthkit_wire::{
    AddonCharge, ApiError, Estimate, EventContent, Invoice, InvoiceEstimate, LineItem, SubscriptionEstimate,
};

/// Subscriptions that can still take charges.
fn chargeable(status: &str) -> bool {
    matches!(status, "active" | "in_trial" | "non_renewing")
}

impl Engine {
    /// `POST /invoices/charge_addon`: invoices the addon now and pays it with the customer's card on file.
    /// A decline is a 402 and leaves only the record of the attempt.
    pub async fn charge_addon(&self, req: &AddonCharge) -> Result<Invoice, ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        let sub = super::read(&mut tx, &req.subscription_id).await?;
        if !chargeable(&sub.status) {
            return Err(ApiError::invalid_state(
                None,
                format!("The subscription is {}; it cannot be charged", sub.status),
            ));
        }
        let addon =
            addon(&mut tx, &req.addon_id, req.addon_quantity, &sub.currency_code, "addon_id", "addon_quantity").await?;
        let card = payments::card_on_file(&mut tx, &sub.customer_id)
            .await
            .map_err(internal)?
            .ok_or_else(ApiError::no_payment_method)?;
        let invoice = new_invoice(
            &sub.customer_id,
            &sub.id,
            &sub.currency_code,
            vec![addon_line(&addon, req.addon_quantity, self.catalog)],
            true,
            now,
        );
        let payment = Payment {
            customer_id: &sub.customer_id,
            subscription_id: Some(&sub.id),
            amount: invoice.total,
            currency: &sub.currency_code,
        };
        let outcome = gateway::authorize(&card)?;
        let txn = payments::transaction(&payment, &card, outcome, now);
        if let Err(decline) = outcome {
            payments::record(&mut tx, &txn, None, Some(decline)).await?;
            tx.commit().await.map_err(internal)?;
            return Err(decline.to_api_error());
        }
        insert_invoice(&mut tx, &invoice, now).await.map_err(internal)?;
        payments::record(&mut tx, &txn, Some(&invoice.id), None).await?;
        let content = EventContent {
            subscription: Some(sub),
            invoice: Some(invoice.clone()),
            transaction: Some(txn),
            ..EventContent::default()
        };
        events::record(&mut tx, "payment_succeeded", Source::Api, &content, now).await?;
        tx.commit().await.map_err(internal)?;
        self.kick_webhooks();
        Ok(invoice)
    }

    /// `POST /subscriptions/{id}/charge_addon_at_term_end`: keeps the addon charge for the invoice at the
    /// end of the current term, and answers with the estimate of that invoice.
    pub async fn charge_addon_at_term_end(&self, req: &AddonCharge) -> Result<Estimate, ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        let sub = super::read(&mut tx, &req.subscription_id).await?;
        let term_end = match (sub.status.as_str(), sub.current_term_end) {
            ("active" | "in_trial" | "non_renewing", Some(end)) => end,
            (status, _) => {
                return Err(ApiError::invalid_state(None, format!("The subscription is {status}; it has no term end")));
            }
        };
        let addon =
            addon(&mut tx, &req.addon_id, req.addon_quantity, &sub.currency_code, "addon_id", "addon_quantity").await?;
        let line = addon_line(&addon, req.addon_quantity, self.catalog);
        sqlx::query(
            "INSERT INTO engine_unbilled_charges (id, subscription_id, customer_id, entity_type, entity_id, description,
                 quantity, unit_amount, amount, currency_code, date_from, date_to, created_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(ids::random("ubc_"))
        .bind(&sub.id)
        .bind(&sub.customer_id)
        .bind(&line.entity_type)
        .bind(&line.entity_id)
        .bind(&line.description)
        .bind(line.quantity)
        .bind(line.unit_amount)
        .bind(line.amount)
        .bind(&sub.currency_code)
        .bind(now)
        .bind(term_end)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        let mut lines = Vec::new();
        if sub.status != "non_renewing" {
            lines.extend(sub.subscription_items.iter().map(|i| LineItem {
                description: i.item_price_id.clone(),
                entity_type: crate::invoices::entity_type("plan", self.catalog),
                entity_id: i.item_price_id.clone(),
                quantity: i.quantity,
                unit_amount: i.unit_price,
                amount: i.amount,
            }));
        }
        lines.extend(charge_lines(&open_charges(&mut tx, &sub.id).await.map_err(internal)?));
        tx.commit().await.map_err(internal)?;
        Ok(Estimate {
            created_at: now,
            subscription_estimate: SubscriptionEstimate {
                id: sub.id.clone(),
                status: sub.status.clone(),
                next_billing_at: (sub.status != "non_renewing").then_some(term_end),
            },
            next_invoice_estimate: InvoiceEstimate {
                currency_code: sub.currency_code.clone(),
                total: lines.iter().map(|l| l.amount).sum(),
                line_items: lines,
            },
        })
    }
}
