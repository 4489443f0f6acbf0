//! Billing core records the engine keeps: items and prices, customers, subscriptions. Offers read them
//! for audience rules; gifts and credit packs build on them.

use sqlx::{SqliteConnection, SqlitePool};

use growthkit_wire::{ItemPrice, ItemPriceQuery};

/// A customer as audience rules see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Customer {
    pub id: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub company: Option<String>,
}

/// A subscription as audience rules see it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SubscriptionFacts {
    pub id: String,
    pub customer_id: String,
    pub status: String,
    pub plan_id: String,
    pub item_id: String,
}

/// The customer, and the subscription when one is named, in one read (the decision's hot path). The
/// subscription part is `None` when it does not exist; its `customer_id` tells whether it is the customer's.
pub async fn decision_subject(
    pool: &SqlitePool,
    customer_id: &str,
    subscription_id: Option<&str>,
) -> Result<Option<(Customer, Option<SubscriptionFacts>)>, sqlx::Error> {
    type Row = (
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT c.id, c.first_name, c.last_name, c.email, c.company,
                s.id, s.customer_id, s.status, s.plan_item_price_id, p.item_id
         FROM engine_customers c
         LEFT JOIN engine_subscriptions s ON s.id = ?
         LEFT JOIN engine_item_prices p ON p.id = s.plan_item_price_id
         WHERE c.id = ?",
    )
    .bind(subscription_id)
    .bind(customer_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(id, first_name, last_name, email, company, sid, scus, status, plan, item)| {
        let sub = match (sid, scus, status, plan, item) {
            (Some(id), Some(customer_id), Some(status), Some(plan_id), Some(item_id)) => {
                Some(SubscriptionFacts { id, customer_id, status, plan_id, item_id })
            }
            _ => None,
        };
        (Customer { id, first_name, last_name, email, company }, sub)
    }))
}

/// An item with one price, e.g. a plan billed monthly, or a credit pack sold per unit.
pub struct NewItemPrice<'a> {
    pub item_id: &'a str,
    pub item_name: &'a str,
    pub item_type: &'a str,
    pub price_id: &'a str,
    pub currency: &'a str,
    pub price: i64,
    pub period: Option<i64>,
    pub period_unit: Option<&'a str>,
}

/// What [`NewItemPrice`] leaves at its defaults: the item family, pricing model and metadata.
#[derive(Default)]
pub struct PriceExtras<'a> {
    pub item_family_id: Option<&'a str>,
    pub per_unit: bool,
    pub metadata: Option<serde_json::Value>,
    /// A gift plan (Chargebee's `is_giftable`), and whether it ships something.
    pub giftable: bool,
    pub shippable: bool,
}

#[derive(sqlx::FromRow)]
struct ItemPriceRow {
    id: String,
    item_id: String,
    name: String,
    item_type: String,
    item_family_id: String,
    currency: String,
    price: i64,
    period: Option<i64>,
    period_unit: Option<String>,
    pricing_model: String,
    metadata: Option<String>,
    is_giftable: bool,
    is_shippable: bool,
}

impl From<ItemPriceRow> for ItemPrice {
    fn from(r: ItemPriceRow) -> Self {
        ItemPrice {
            id: r.id,
            item_id: r.item_id,
            name: r.name,
            item_type: r.item_type,
            item_family_id: Some(r.item_family_id),
            currency_code: r.currency,
            price: r.price,
            period: r.period,
            period_unit: r.period_unit,
            pricing_model: r.pricing_model,
            status: "active".into(),
            metadata: r.metadata.and_then(|m| serde_json::from_str(&m).ok()),
            is_giftable: r.is_giftable,
            is_shippable: r.is_shippable,
        }
    }
}

const ITEM_PRICE_COLUMNS: &str = "SELECT p.id, p.item_id, p.name, i.type AS item_type, i.item_family_id, p.currency,
        p.price, p.period, p.period_unit, p.pricing_model, p.metadata, i.is_giftable, i.is_shippable
     FROM engine_item_prices p JOIN engine_items i ON i.id = p.item_id";

/// One item price by id.
pub async fn item_price(conn: &mut SqliteConnection, id: &str) -> Result<Option<ItemPrice>, sqlx::Error> {
    let row: Option<ItemPriceRow> =
        sqlx::query_as(&format!("{ITEM_PRICE_COLUMNS} WHERE p.id = ?")).bind(id).fetch_optional(conn).await?;
    Ok(row.map(ItemPrice::from))
}

/// Item prices matching `query`, oldest first.
pub async fn item_prices(pool: &SqlitePool, query: &ItemPriceQuery) -> Result<Vec<ItemPrice>, sqlx::Error> {
    let rows: Vec<ItemPriceRow> = sqlx::query_as(&format!(
        "{ITEM_PRICE_COLUMNS} WHERE (? IS NULL OR i.type = ?) AND (? IS NULL OR i.item_family_id = ?)
         ORDER BY p.price, p.created_at, p.id"
    ))
    .bind(&query.item_type)
    .bind(&query.item_type)
    .bind(&query.item_family_id)
    .bind(&query.item_family_id)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(ItemPrice::from).collect())
}

/// Adds an item price unless one with its id exists (so seeding can run on every start).
pub async fn ensure_item_price(
    pool: &SqlitePool,
    p: &NewItemPrice<'_>,
    extras: &PriceExtras<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO engine_items (id, name, type, item_family_id, is_giftable, is_shippable, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(p.item_id)
    .bind(p.item_name)
    .bind(p.item_type)
    .bind(extras.item_family_id.unwrap_or("default"))
    .bind(extras.giftable)
    .bind(extras.shippable)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO engine_item_prices
             (id, item_id, name, currency, price, period, period_unit, pricing_model, metadata, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(p.price_id)
    .bind(p.item_id)
    .bind(p.item_name)
    .bind(p.currency)
    .bind(p.price)
    .bind(p.period)
    .bind(p.period_unit)
    .bind(if extras.per_unit { "per_unit" } else { "flat_fee" })
    .bind(extras.metadata.as_ref().map(|m| m.to_string()))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

pub async fn insert_item_price(pool: &SqlitePool, p: &NewItemPrice<'_>, now: i64) -> Result<(), sqlx::Error> {
    ensure_item_price(pool, p, &PriceExtras::default(), now).await
}

pub async fn insert_customer(
    pool: &SqlitePool,
    id: &str,
    first_name: &str,
    last_name: &str,
    email: &str,
    company: Option<&str>,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO engine_customers (id, first_name, last_name, email, company, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(first_name)
    .bind(last_name)
    .bind(email)
    .bind(company)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

/// An active subscription with a monthly term starting `now`.
pub async fn insert_active_subscription(
    pool: &SqlitePool,
    id: &str,
    customer_id: &str,
    plan_price_id: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO engine_subscriptions
             (id, customer_id, plan_item_price_id, status, current_term_start, current_term_end, created_at, updated_at)
         VALUES (?, ?, ?, 'active', ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(customer_id)
    .bind(plan_price_id)
    .bind(now)
    .bind(now + 30 * 86_400)
    .bind(now)
    .bind(now)
    .execute(pool)
    .await?;
    Ok(())
}

impl super::Engine {
    /// `GET /item_prices` with `item_type[is]` and `item_family_id[is]` filters.
    pub async fn item_prices(&self, query: &ItemPriceQuery) -> Result<Vec<ItemPrice>, growthkit_wire::ApiError> {
        item_prices(&self.pool, query).await.map_err(super::time::internal)
    }
}
