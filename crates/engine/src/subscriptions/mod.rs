//! Subscriptions of the engine's billing core: reading them in Chargebee's shapes, creating them with
//! addons ([`create`]), changing the plan with an immediate charge, cancelling now or at term end
//! ([`cancel`]), and renewing them when their term ends ([`renewal`]). A declined charge changes nothing
//! but the record of the attempt (Chargebee answers 402 and leaves the subscription as it was).

mod cancel;
mod charges;
mod create;

mod renewal;

use sqlx::{SqliteConnection, SqlitePool};

use super::invoices::insert_invoice;
use super::payments::{self, Payment};
use super::time::internal;
use super::{Engine, ids};
use crate::listing::{Attr, ListQuery, ListSpec, Sort};
use growthkit_wire::{
    ApiError, Invoice, LineItem, ListParams, Page, PaymentMethod, PlanChange, Subscription, SubscriptionItem,
};

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: String,
    customer_id: String,
    status: String,
    plan_item_price_id: String,
    current_term_start: Option<i64>,
    current_term_end: Option<i64>,
    cancelled_at: Option<i64>,
    gift_id: Option<String>,
    created_at: i64,
    updated_at: i64,
    price: i64,
    currency: String,
    plan_name: String,
    period: Option<i64>,
    period_unit: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PriceRow {
    id: String,
    name: String,
    price: i64,
    currency: String,
    period: Option<i64>,
    period_unit: Option<String>,
    item_type: String,
}

/// A subscription with its plan price, in the shape of [`SubscriptionRow`].
const SUBSCRIPTION_COLUMNS: &str = "s.id, s.customer_id, s.status, s.plan_item_price_id, s.current_term_start,
    s.current_term_end, s.cancelled_at, s.gift_id, s.created_at, s.updated_at, p.price, p.currency,
    p.name AS plan_name, p.period, p.period_unit";
const SUBSCRIPTION_FROM: &str = "FROM engine_subscriptions s JOIN engine_item_prices p ON p.id = s.plan_item_price_id
     JOIN engine_items i ON i.id = p.item_id";

const STATUSES: &[&str] = &["future", "in_trial", "active", "non_renewing", "paused", "cancelled", "transferred"];

/// `GET /subscriptions`, newest first by default. `gift_id[is_present]` is the engine's own addition.
static LIST: ListSpec = ListSpec {
    attrs: &[
        Attr::id("id", "s.id"),
        Attr::id("customer_id", "s.customer_id"),
        Attr::id("item_id", "i.id"),
        Attr::id("item_price_id", "s.plan_item_price_id"),
        Attr::id("plan_id", "s.plan_item_price_id"),
        Attr::one_of("status", "s.status", STATUSES),
        Attr::timestamp("created_at", "s.created_at"),
        Attr::timestamp("updated_at", "s.updated_at"),
        Attr::timestamp("cancelled_at", "s.cancelled_at"),
        Attr::timestamp("next_billing_at", "CASE WHEN s.status IN ('active', 'in_trial') THEN s.current_term_end END"),
        Attr::boolean("has_scheduled_changes", "0"),
        Attr::id("gift_id", "s.gift_id").or_absent(),
    ],
    sorts: &[Sort::time("created_at", "s.created_at"), Sort::time("updated_at", "s.updated_at")],
    default_sort: Sort::time("created_at", "s.created_at"),
    default_descending: true,
    tiebreak: "s.rowid",
    switches: &["include_deleted"],
    columns: SUBSCRIPTION_COLUMNS,
    from: SUBSCRIPTION_FROM,
    scope: None,
};

async fn subscription_row(conn: &mut SqliteConnection, id: &str) -> Result<Option<SubscriptionRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {SUBSCRIPTION_COLUMNS} {SUBSCRIPTION_FROM} WHERE s.id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The subscription, or Chargebee's 404 naming `param`.
async fn existing(conn: &mut SqliteConnection, id: &str, param: &str) -> Result<SubscriptionRow, ApiError> {
    subscription_row(conn, id)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::not_found(param, format!("Subscription {id} not found")))
}

/// A subscription's current state read inside a transaction (for events written in it).
pub(crate) async fn read(conn: &mut SqliteConnection, id: &str) -> Result<Subscription, ApiError> {
    existing(conn, id, "subscription_id").await.map(Subscription::from)
}

async fn price(pool: &SqlitePool, id: &str) -> Result<Option<PriceRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT p.id, p.name, p.price, p.currency, p.period, p.period_unit, i.type AS item_type
         FROM engine_item_prices p JOIN engine_items i ON i.id = p.item_id WHERE p.id = ?",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
}

impl Engine {
    /// Whether `id` is a plan's price in the catalog (what a billing-update offer may move a subscription to).
    pub(crate) async fn is_plan_price(&self, id: &str) -> Result<bool, ApiError> {
        Ok(price(&self.pool, id).await.map_err(internal)?.is_some_and(|p| p.item_type == "plan"))
    }
}

impl From<SubscriptionRow> for Subscription {
    fn from(r: SubscriptionRow) -> Self {
        Subscription {
            subscription_items: vec![SubscriptionItem {
                item_price_id: r.plan_item_price_id,
                item_type: "plan".into(),
                quantity: 1,
                unit_price: r.price,
                amount: r.price,
            }],
            id: r.id,
            customer_id: r.customer_id,
            status: r.status,
            currency_code: r.currency,
            current_term_start: r.current_term_start,
            current_term_end: r.current_term_end,
            cancelled_at: r.cancelled_at,
            gift_id: r.gift_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Seconds in a billing period (months and years as 30 and 365 days: the engine's calendar is simple).
pub(crate) fn period_seconds(period: Option<i64>, unit: Option<&str>) -> i64 {
    let unit = match unit {
        Some("day") => 86_400,
        Some("week") => 7 * 86_400,
        Some("year") => 365 * 86_400,
        _ => 30 * 86_400,
    };
    period.unwrap_or(1).max(1) * unit
}

impl Engine {
    /// `GET /subscriptions/{id}`.
    pub async fn subscription(&self, id: &str) -> Result<Subscription, ApiError> {
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        read(&mut conn, id).await
    }

    /// `GET /subscriptions`.
    pub async fn list_subscriptions(&self, params: &ListParams) -> Result<Page<Subscription>, ApiError> {
        let query = ListQuery::parse(&LIST, params)?;
        let (rows, next_offset) = query.page::<SubscriptionRow, _>(&self.pool).await.map_err(internal)?;
        Ok(Page { list: rows.into_iter().map(Subscription::from).collect(), next_offset })
    }

    /// Changes the plan now and charges the new plan's price for a new term starting now.
    pub async fn change_plan(
        &self,
        sub_id: &str,
        plan_price_id: &str,
        payment: &PaymentMethod,
    ) -> Result<PlanChange, ApiError> {
        let sub = existing(&mut *self.pool.acquire().await.map_err(internal)?, sub_id, "subscription_id").await?;
        if !matches!(sub.status.as_str(), "active" | "in_trial" | "non_renewing") {
            return Err(ApiError::invalid_state(
                None,
                format!("The subscription is {}; its plan cannot change", sub.status),
            ));
        }
        let param = "subscription_items[item_price_id][0]";
        let plan = price(&self.pool, plan_price_id)
            .await
            .map_err(internal)?
            .filter(|p| p.item_type == "plan")
            .ok_or_else(|| ApiError::param(param, format!("{plan_price_id} is not a plan price")))?;
        if plan.id == sub.plan_item_price_id {
            return Err(ApiError::param(param, "The subscription is already on this plan"));
        }
        if plan.currency != sub.currency {
            return Err(ApiError::param(param, "The plan's currency differs from the subscription's"));
        }
        let now = self.clock.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        let funding = payments::funding(&mut tx, payment, &sub.customer_id, plan.price, &plan.currency, now).await?;
        let attempt = Payment {
            customer_id: &sub.customer_id,
            subscription_id: Some(&sub.id),
            amount: plan.price,
            currency: &plan.currency,
        };
        let outcome = funding.outcome()?;
        let txn = payments::transaction(&attempt, &funding.card, outcome, now);
        if let Err(decline) = outcome {
            drop(tx);
            payments::record(&mut *self.pool.acquire().await.map_err(internal)?, &txn, None, Some(decline)).await?;
            return Err(decline.to_api_error());
        }

        let term_end = now + period_seconds(plan.period, plan.period_unit.as_deref());
        let invoice = Invoice {
            id: ids::random("inv_"),
            customer_id: sub.customer_id.clone(),
            subscription_id: Some(sub.id.clone()),
            status: "paid".into(),
            currency_code: plan.currency.clone(),
            total: plan.price,
            amount_paid: plan.price,
            amount_due: 0,
            date: now,
            paid_at: Some(now),
            line_items: vec![LineItem {
                description: plan.name.clone(),
                entity_type: crate::invoices::entity_type("plan", self.catalog),
                entity_id: plan.id.clone(),
                quantity: 1,
                unit_amount: plan.price,
                amount: plan.price,
            }],
        };
        // Compare-and-set on the plan seen above: a concurrent change makes this one fail cleanly.
        let moved = sqlx::query(
            "UPDATE engine_subscriptions
             SET plan_item_price_id = ?, current_term_start = ?, current_term_end = ?, updated_at = ?
             WHERE id = ? AND plan_item_price_id = ? AND status = ?",
        )
        .bind(&plan.id)
        .bind(now)
        .bind(term_end)
        .bind(now)
        .bind(&sub.id)
        .bind(&sub.plan_item_price_id)
        .bind(&sub.status)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        if moved.rows_affected() != 1 {
            return Err(ApiError::invalid_state(None, "The subscription changed meanwhile; try again"));
        }
        insert_invoice(&mut tx, &invoice, now).await.map_err(internal)?;
        payments::record(&mut tx, &txn, Some(&invoice.id), None).await?;
        if funding.keep {
            payments::save_card(&mut tx, &sub.customer_id, &funding.card, now).await.map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        self.forget_subjects();
        Ok(PlanChange { subscription: self.subscription(&sub.id).await?, invoice })
    }
}
