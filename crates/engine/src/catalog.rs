//! Billing core records the engine keeps: items and prices, customers, subscriptions. Offers read them
//! for audience rules; gifts and credit packs build on them. One table of prices serves both catalog
//! versions: on 2.0 it is read as item families, items and item prices, on 1.0 as plans and addons.

use sqlx::{SqliteConnection, SqlitePool};

use super::listing::{Attr, ListQuery, ListSpec, Sort};
use super::time::internal;
use growthkit_wire::{Addon, ApiError, Item, ItemFamily, ItemPrice, ListParams, Page, Plan};

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
    created_at: i64,
    updated_at: i64,
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
            created_at: Some(r.created_at),
            updated_at: Some(r.updated_at),
        }
    }
}

const ITEM_PRICE_COLUMNS: &str = "p.id, p.item_id, p.name, i.type AS item_type, i.item_family_id, p.currency,
    p.price, p.period, p.period_unit, p.pricing_model, p.metadata, p.created_at, p.updated_at";
const ITEM_PRICE_FROM: &str = "FROM engine_item_prices p JOIN engine_items i ON i.id = p.item_id";

const ITEM_TYPES: &[&str] = &["plan", "addon", "charge"];
const CATALOG_STATUSES: &[&str] = &["active", "archived", "deleted"];
const PERIOD_UNITS: &[&str] = &["day", "week", "month", "year"];
const PRICING_MODELS: &[&str] = &["flat_fee", "per_unit", "tiered", "volume", "stairstep"];

/// `GET /item_prices`, oldest first by default. Nothing in the catalog is archived or deleted: `status`
/// is always `active`.
static ITEM_PRICE_LIST: ListSpec = ListSpec {
    attrs: &[
        Attr::id("id", "p.id"),
        Attr::text("name", "p.name").listed(),
        Attr::one_of("pricing_model", "p.pricing_model", PRICING_MODELS),
        Attr::id("item_id", "p.item_id"),
        Attr::id("item_family_id", "i.item_family_id"),
        Attr::one_of("item_type", "i.type", ITEM_TYPES),
        Attr::id("currency_code", "p.currency"),
        Attr::one_of("status", "'active'", CATALOG_STATUSES),
        Attr::timestamp("updated_at", "p.updated_at"),
        Attr::one_of("period_unit", "p.period_unit", PERIOD_UNITS),
        Attr::number("period", "p.period"),
    ],
    sorts: &[Sort::text("name", "p.name"), Sort::text("id", "p.id"), Sort::time("updated_at", "p.updated_at")],
    default_sort: Sort::time("created_at", "p.created_at"),
    default_descending: false,
    tiebreak: "p.rowid",
    switches: &[],
    columns: ITEM_PRICE_COLUMNS,
    from: ITEM_PRICE_FROM,
    scope: None,
};

/// One item price by id.
pub async fn item_price(conn: &mut SqliteConnection, id: &str) -> Result<Option<ItemPrice>, sqlx::Error> {
    let row: Option<ItemPriceRow> =
        sqlx::query_as(&format!("SELECT {ITEM_PRICE_COLUMNS} {ITEM_PRICE_FROM} WHERE p.id = ?"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(ItemPrice::from))
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: String,
    name: String,
    item_type: String,
    item_family_id: String,
    is_giftable: bool,
    is_shippable: bool,
    metadata: Option<String>,
    updated_at: i64,
}

impl From<ItemRow> for Item {
    fn from(r: ItemRow) -> Self {
        Item {
            id: r.id,
            name: r.name,
            item_type: r.item_type,
            item_family_id: r.item_family_id,
            status: "active".into(),
            is_giftable: r.is_giftable,
            is_shippable: r.is_shippable,
            enabled_for_checkout: true,
            enabled_in_portal: true,
            item_applicability: "all".into(),
            metered: false,
            metadata: r.metadata.and_then(|m| serde_json::from_str(&m).ok()),
            updated_at: r.updated_at,
        }
    }
}

const ITEM_COLUMNS: &str =
    "id, name, type AS item_type, item_family_id, is_giftable, is_shippable, metadata, updated_at";

/// `GET /items`, oldest first by default.
static ITEM_LIST: ListSpec = ListSpec {
    attrs: &[
        Attr::id("id", "id"),
        Attr::id("item_family_id", "item_family_id"),
        Attr::one_of("type", "type", ITEM_TYPES),
        Attr::text("name", "name"),
        Attr::one_of("item_applicability", "'all'", &["all", "restricted"]),
        Attr::one_of("status", "'active'", CATALOG_STATUSES),
        Attr::boolean("is_giftable", "is_giftable"),
        Attr::timestamp("updated_at", "updated_at"),
        Attr::boolean("enabled_for_checkout", "1"),
        Attr::boolean("enabled_in_portal", "1"),
        Attr::boolean("metered", "0"),
    ],
    sorts: &[Sort::text("name", "name"), Sort::text("id", "id"), Sort::time("updated_at", "updated_at")],
    default_sort: Sort::time("created_at", "created_at"),
    default_descending: false,
    tiebreak: "rowid",
    switches: &[],
    columns: ITEM_COLUMNS,
    from: "FROM engine_items",
    scope: None,
};

#[derive(sqlx::FromRow)]
struct FamilyRow {
    id: String,
    name: String,
    description: Option<String>,
    updated_at: i64,
}

impl From<FamilyRow> for ItemFamily {
    fn from(r: FamilyRow) -> Self {
        ItemFamily {
            id: r.id,
            name: r.name,
            description: r.description,
            status: "active".into(),
            updated_at: r.updated_at,
        }
    }
}

const FAMILY_COLUMNS: &str = "id, name, description, updated_at";

/// `GET /item_families`, oldest first.
static FAMILY_LIST: ListSpec = ListSpec {
    attrs: &[Attr::id("id", "id"), Attr::text("name", "name"), Attr::timestamp("updated_at", "updated_at")],
    sorts: &[],
    default_sort: Sort::time("created_at", "created_at"),
    default_descending: false,
    tiebreak: "rowid",
    switches: &[],
    columns: FAMILY_COLUMNS,
    from: "FROM engine_item_families",
    scope: None,
};

#[derive(sqlx::FromRow)]
struct PlanRow {
    id: String,
    name: String,
    price: i64,
    currency: String,
    period: Option<i64>,
    period_unit: Option<String>,
    pricing_model: String,
    is_giftable: bool,
    is_shippable: bool,
    metadata: Option<String>,
    updated_at: i64,
}

impl From<PlanRow> for Plan {
    fn from(r: PlanRow) -> Self {
        Plan {
            id: r.id,
            name: r.name,
            price: r.price,
            currency_code: r.currency,
            period: r.period.unwrap_or(1),
            period_unit: r.period_unit.unwrap_or_else(|| "month".into()),
            charge_model: r.pricing_model.clone(),
            pricing_model: r.pricing_model,
            free_quantity: 0,
            status: "active".into(),
            enabled_in_hosted_pages: true,
            enabled_in_portal: true,
            addon_applicability: "all".into(),
            giftable: r.is_giftable,
            is_shippable: r.is_shippable,
            meta_data: r.metadata.and_then(|m| serde_json::from_str(&m).ok()),
            updated_at: r.updated_at,
        }
    }
}

impl From<PlanRow> for Addon {
    fn from(r: PlanRow) -> Self {
        Addon {
            id: r.id,
            name: r.name,
            addon_type: if r.pricing_model == "per_unit" { "quantity".into() } else { "on_off".into() },
            pricing_model: r.pricing_model,
            charge_type: if r.period.is_some() { "recurring".into() } else { "non_recurring".into() },
            price: r.price,
            currency_code: r.currency,
            period: r.period,
            period_unit: r.period_unit.unwrap_or_else(|| "not_applicable".into()),
            status: "active".into(),
            enabled_in_portal: true,
            meta_data: r.metadata.and_then(|m| serde_json::from_str(&m).ok()),
            updated_at: r.updated_at,
        }
    }
}

const PLAN_COLUMNS: &str = "p.id, p.name, p.price, p.currency, p.period, p.period_unit, p.pricing_model,
    i.is_giftable, i.is_shippable, p.metadata, p.updated_at";
const CHARGE_MODELS: &[&str] = &["flat_fee", "per_unit", "tiered", "volume", "stairstep"];

/// `GET /plans` (catalog 1.0), oldest first: the plan item prices. What the engine does not model
/// (trials, channels) answers as a site without them would.
static PLAN_LIST: ListSpec = ListSpec {
    attrs: &[
        Attr::id("id", "p.id"),
        Attr::text("name", "p.name"),
        Attr::number("price", "p.price"),
        Attr::number("period", "p.period"),
        Attr::one_of("period_unit", "p.period_unit", PERIOD_UNITS),
        Attr::number("trial_period", "NULL"),
        Attr::one_of("trial_period_unit", "NULL", &["day", "month"]),
        Attr::one_of("addon_applicability", "'all'", &["all", "restricted"]),
        Attr::boolean("giftable", "i.is_giftable"),
        Attr::one_of("charge_model", "p.pricing_model", CHARGE_MODELS),
        Attr::one_of("pricing_model", "p.pricing_model", PRICING_MODELS),
        Attr::one_of("status", "'active'", CATALOG_STATUSES),
        Attr::timestamp("updated_at", "p.updated_at"),
        Attr::id("currency_code", "p.currency"),
        Attr::one_of("channel", "'web'", &["web", "app_store", "play_store"]),
    ],
    sorts: &[],
    default_sort: Sort::time("created_at", "p.created_at"),
    default_descending: false,
    tiebreak: "p.rowid",
    switches: &["include_deleted"],
    columns: PLAN_COLUMNS,
    from: ITEM_PRICE_FROM,
    scope: Some("i.type = 'plan'"),
};

/// `GET /addons` (catalog 1.0), oldest first.
static ADDON_LIST: ListSpec = ListSpec {
    attrs: &[
        Attr::id("id", "p.id"),
        Attr::text("name", "p.name"),
        Attr::one_of("pricing_model", "p.pricing_model", PRICING_MODELS),
        Attr::one_of(
            "type",
            "CASE p.pricing_model WHEN 'per_unit' THEN 'quantity' ELSE 'on_off' END",
            &["on_off", "quantity", "tiered", "volume", "stairstep"],
        ),
        Attr::one_of(
            "charge_type",
            "CASE WHEN p.period IS NULL THEN 'non_recurring' ELSE 'recurring' END",
            &["recurring", "non_recurring"],
        ),
        Attr::number("price", "p.price"),
        Attr::number("period", "p.period"),
        Attr::one_of("period_unit", "COALESCE(p.period_unit, 'not_applicable')", ADDON_PERIOD_UNITS),
        Attr::one_of("status", "'active'", CATALOG_STATUSES),
        Attr::timestamp("updated_at", "p.updated_at"),
        Attr::id("currency_code", "p.currency"),
        Attr::one_of("channel", "'web'", &["web", "app_store", "play_store"]),
    ],
    sorts: &[],
    default_sort: Sort::time("created_at", "p.created_at"),
    default_descending: false,
    tiebreak: "p.rowid",
    switches: &["include_deleted"],
    columns: PLAN_COLUMNS,
    from: ITEM_PRICE_FROM,
    scope: Some("i.type = 'addon'"),
};
const ADDON_PERIOD_UNITS: &[&str] = &["day", "week", "month", "year", "not_applicable"];

async fn plan_row(pool: &SqlitePool, id: &str, item_type: &str) -> Result<Option<PlanRow>, sqlx::Error> {
    sqlx::query_as(&format!("SELECT {PLAN_COLUMNS} {ITEM_PRICE_FROM} WHERE p.id = ? AND i.type = ?"))
        .bind(id)
        .bind(item_type)
        .fetch_optional(pool)
        .await
}

/// Adds an item price unless one with its id exists (so seeding can run on every start).
pub async fn ensure_item_price(
    pool: &SqlitePool,
    p: &NewItemPrice<'_>,
    extras: &PriceExtras<'_>,
    now: i64,
) -> Result<(), sqlx::Error> {
    let family = extras.item_family_id.unwrap_or("default");
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO engine_item_families (id, name, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(family)
    .bind(family_name(family))
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO engine_items (id, name, type, item_family_id, is_giftable, is_shippable, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(p.item_id)
    .bind(p.item_name)
    .bind(p.item_type)
    .bind(family)
    .bind(extras.giftable)
    .bind(extras.shippable)
    .bind(now)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO engine_item_prices
             (id, item_id, name, currency, price, period, period_unit, pricing_model, metadata, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
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
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// A family's display name made from its id: `credit-packs` becomes `Credit packs`.
fn family_name(id: &str) -> String {
    let spaced = id.replace(['-', '_'], " ");
    let mut chars = spaced.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
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
        "INSERT INTO engine_customers (id, first_name, last_name, email, company, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(first_name)
    .bind(last_name)
    .bind(email)
    .bind(company)
    .bind(now)
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
    /// `GET /plans` (catalog 1.0).
    pub async fn list_plans(&self, params: &ListParams) -> Result<Page<Plan>, ApiError> {
        let query = ListQuery::parse(&PLAN_LIST, params)?;
        let (rows, next_offset) = query.page::<PlanRow, _>(&self.pool).await.map_err(internal)?;
        Ok(Page { list: rows.into_iter().map(Plan::from).collect(), next_offset })
    }

    /// `GET /plans/{id}` (catalog 1.0).
    pub async fn retrieve_plan(&self, id: &str) -> Result<Plan, ApiError> {
        let row = plan_row(&self.pool, id, "plan").await.map_err(internal)?;
        row.map(Plan::from).ok_or_else(|| ApiError::not_found("plan_id", format!("Plan {id} not found")))
    }

    /// `GET /addons` (catalog 1.0).
    pub async fn list_addons(&self, params: &ListParams) -> Result<Page<Addon>, ApiError> {
        let query = ListQuery::parse(&ADDON_LIST, params)?;
        let (rows, next_offset) = query.page::<PlanRow, _>(&self.pool).await.map_err(internal)?;
        Ok(Page { list: rows.into_iter().map(Addon::from).collect(), next_offset })
    }

    /// `GET /addons/{id}` (catalog 1.0).
    pub async fn retrieve_addon(&self, id: &str) -> Result<Addon, ApiError> {
        let row = plan_row(&self.pool, id, "addon").await.map_err(internal)?;
        row.map(Addon::from).ok_or_else(|| ApiError::not_found("addon_id", format!("Addon {id} not found")))
    }

    /// `GET /item_prices`.
    pub async fn list_item_prices(&self, params: &ListParams) -> Result<Page<ItemPrice>, ApiError> {
        let query = ListQuery::parse(&ITEM_PRICE_LIST, params)?;
        let (rows, next_offset) = query.page::<ItemPriceRow, _>(&self.pool).await.map_err(internal)?;
        Ok(Page { list: rows.into_iter().map(ItemPrice::from).collect(), next_offset })
    }

    /// `GET /item_prices/{id}`.
    pub async fn retrieve_item_price(&self, id: &str) -> Result<ItemPrice, ApiError> {
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        item_price(&mut conn, id)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::not_found("item_price_id", format!("Item price {id} not found")))
    }

    /// `GET /items`.
    pub async fn list_items(&self, params: &ListParams) -> Result<Page<Item>, ApiError> {
        let query = ListQuery::parse(&ITEM_LIST, params)?;
        let (rows, next_offset) = query.page::<ItemRow, _>(&self.pool).await.map_err(internal)?;
        Ok(Page { list: rows.into_iter().map(Item::from).collect(), next_offset })
    }

    /// `GET /items/{id}`.
    pub async fn retrieve_item(&self, id: &str) -> Result<Item, ApiError> {
        let row: Option<ItemRow> = sqlx::query_as(&format!("SELECT {ITEM_COLUMNS} FROM engine_items WHERE id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        row.map(Item::from).ok_or_else(|| ApiError::not_found("item_id", format!("Item {id} not found")))
    }

    /// `GET /item_families`.
    pub async fn list_item_families(&self, params: &ListParams) -> Result<Page<ItemFamily>, ApiError> {
        let query = ListQuery::parse(&FAMILY_LIST, params)?;
        let (rows, next_offset) = query.page::<FamilyRow, _>(&self.pool).await.map_err(internal)?;
        Ok(Page { list: rows.into_iter().map(ItemFamily::from).collect(), next_offset })
    }

    /// `GET /item_families/{id}`.
    pub async fn retrieve_item_family(&self, id: &str) -> Result<ItemFamily, ApiError> {
        let row: Option<FamilyRow> =
            sqlx::query_as(&format!("SELECT {FAMILY_COLUMNS} FROM engine_item_families WHERE id = ?"))
                .bind(id)
                .fetch_optional(&self.pool)
                .await
                .map_err(internal)?;
        row.map(ItemFamily::from)
            .ok_or_else(|| ApiError::not_found("item_family_id", format!("Item family {id} not found")))
    }
}
