//! Renewal at term end, driven by the engine's clock (the worker, or time travel): an active
//! subscription starts its next term and is invoiced for the plan plus the charges kept for term end; a
//! `non_renewing` one is cancelled, with those charges billed on a final invoice. The card on file pays;
//! a decline (or no card) leaves the invoice `payment_due`. Each renewal is a compare-and-set on the
//! term end, so running the job twice, or concurrently, renews once.

use sqlx::SqliteConnection;

use super::super::Engine;
use super::super::events::{self, Source};
use super::super::gateway::{self, Decline};
use super::super::invoices::{charge_lines, insert_invoice, mark_billed, new_invoice, open_charges};
use super::super::payments::{self, Payment};
use super::super::time::internal;
use super::{existing, period_seconds, read};
use growthkit_wire::{ApiError, EventContent, Invoice, LineItem, Subscription, Transaction};

/// How many terms one pass may renew a subscription by (a long time travel catches up over passes).
const MAX_TERMS_PER_PASS: usize = 36;

/// Invoices `lines` for the subscription and tries the card on file. Answers the invoice, the
/// transaction (when a card was tried) and the event type to report.
async fn invoice_and_collect(
    conn: &mut SqliteConnection,
    sub: &Subscription,
    lines: Vec<LineItem>,
    date: i64,
) -> Result<(Invoice, Option<Transaction>, &'static str), ApiError> {
    let total: i64 = lines.iter().map(|l| l.amount).sum();
    if total == 0 {
        let invoice = new_invoice(&sub.customer_id, &sub.id, &sub.currency_code, lines, true, date);
        insert_invoice(conn, &invoice, date).await.map_err(internal)?;
        return Ok((invoice, None, "invoice_generated"));
    }
    let card = payments::card_on_file(conn, &sub.customer_id).await.map_err(internal)?;
    let outcome = card.as_ref().map(|c| gateway::authorize(c).unwrap_or(Err(Decline::CardDeclined)));
    let paid = matches!(outcome, Some(Ok(())));
    let invoice = new_invoice(&sub.customer_id, &sub.id, &sub.currency_code, lines, paid, date);
    insert_invoice(conn, &invoice, date).await.map_err(internal)?;
    let (Some(card), Some(outcome)) = (card, outcome) else {
        return Ok((invoice, None, "invoice_generated"));
    };
    let payment = Payment {
        customer_id: &sub.customer_id,
        subscription_id: Some(&sub.id),
        amount: total,
        currency: &sub.currency_code,
    };
    let txn = payments::transaction(&payment, &card, outcome, date);
    payments::record(conn, &txn, Some(&invoice.id), outcome.err()).await?;
    Ok((invoice, Some(txn), if paid { "payment_succeeded" } else { "payment_failed" }))
}

/// Bills the subscription's open term-end charges on one invoice, if it has any.
pub(super) async fn bill_open_charges(
    conn: &mut SqliteConnection,
    sub: &Subscription,
    date: i64,
) -> Result<Option<(Invoice, Option<Transaction>, &'static str)>, ApiError> {
    let charges = open_charges(conn, &sub.id).await.map_err(internal)?;
    if charges.is_empty() {
        return Ok(None);
    }
    let billed = invoice_and_collect(conn, sub, charge_lines(&charges), date).await?;
    mark_billed(conn, &charges, &billed.0.id).await.map_err(internal)?;
    Ok(Some(billed))
}

impl Engine {
    /// Renews or ends every subscription whose term has ended by now. Answers how many terms ended.
    pub async fn renew_due_subscriptions(&self) -> Result<usize, ApiError> {
        let mut ended = 0;
        for _ in 0..MAX_TERMS_PER_PASS {
            let due: Vec<(String,)> = sqlx::query_as(
                "SELECT id FROM engine_subscriptions
                 WHERE status IN ('active', 'non_renewing') AND current_term_end <= ? ORDER BY current_term_end LIMIT 100",
            )
            .bind(self.clock.now())
            .fetch_all(&self.pool)
            .await
            .map_err(internal)?;
            if due.is_empty() {
                break;
            }
            for (id,) in due {
                if self.end_term(&id).await? {
                    ended += 1;
                }
            }
        }
        if ended > 0 {
            self.forget_subjects();
            self.kick_webhooks();
        }
        Ok(ended)
    }

    /// Ends one term of `id` if it is due; false when another pass got there first.
    async fn end_term(&self, id: &str) -> Result<bool, ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        let row = existing(&mut tx, id, "subscription_id").await?;
        let Some(term_end) = row.current_term_end.filter(|end| *end <= now) else { return Ok(false) };
        let renewing = match row.status.as_str() {
            "active" => true,
            "non_renewing" => false,
            _ => return Ok(false),
        };
        let (plan_line, next_end) = (
            LineItem {
                description: row.plan_name.clone(),
                entity_type: crate::invoices::entity_type("plan", self.catalog),
                entity_id: row.plan_item_price_id.clone(),
                quantity: 1,
                unit_amount: row.price,
                amount: row.price,
            },
            term_end + period_seconds(row.period, row.period_unit.as_deref()),
        );
        let before = Subscription::from(row);
        let moved = if renewing {
            sqlx::query(
                "UPDATE engine_subscriptions SET current_term_start = ?, current_term_end = ?, updated_at = ?
                 WHERE id = ? AND status = 'active' AND current_term_end = ?",
            )
            .bind(term_end)
            .bind(next_end)
            .bind(now)
            .bind(id)
            .bind(term_end)
            .execute(&mut *tx)
            .await
        } else {
            sqlx::query(
                "UPDATE engine_subscriptions SET status = 'cancelled', cancelled_at = ?, updated_at = ?
                 WHERE id = ? AND status = 'non_renewing' AND current_term_end = ?",
            )
            .bind(term_end)
            .bind(now)
            .bind(id)
            .bind(term_end)
            .execute(&mut *tx)
            .await
        }
        .map_err(internal)?;
        if moved.rows_affected() != 1 {
            return Ok(false);
        }

        let mut content = EventContent::default();
        if renewing {
            let charges = open_charges(&mut tx, id).await.map_err(internal)?;
            let mut lines = vec![plan_line];
            lines.extend(charge_lines(&charges));
            let (invoice, txn, kind) = invoice_and_collect(&mut tx, &before, lines, term_end).await?;
            mark_billed(&mut tx, &charges, &invoice.id).await.map_err(internal)?;
            content.subscription = Some(read(&mut tx, id).await?);
            content.invoice = Some(invoice);
            content.transaction = txn;
            events::record(&mut tx, kind, Source::ScheduledJob, &content, now).await?;
        } else if let Some((invoice, txn, kind)) = bill_open_charges(&mut tx, &before, term_end).await? {
            content.subscription = Some(read(&mut tx, id).await?);
            content.invoice = Some(invoice);
            content.transaction = txn;
            events::record(&mut tx, kind, Source::ScheduledJob, &content, now).await?;
        }
        content.subscription = Some(read(&mut tx, id).await?);
        content.transaction = None;
        let kind = if renewing { "subscription_renewed" } else { "subscription_cancelled" };
        events::record(&mut tx, kind, Source::ScheduledJob, &content, now).await?;
        tx.commit().await.map_err(internal)?;
        Ok(true)
    }
}
