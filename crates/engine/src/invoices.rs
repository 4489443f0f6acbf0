//! Invoices and unbilled charges: writing them (for the subscription use cases, which own when they
//! happen) and reading them back.

use sqlx::SqliteConnection;

use super::catalog;
use super::time::internal;
use super::{Engine, ids};
use crate::listing::{Attr, ListQuery, ListSpec, Sort};
use growthkit_wire::{ApiError, CatalogVersion, Invoice, ItemPrice, LineItem, ListParams, Page, UnbilledCharge};

/// Quantities above this are refused as a typing mistake rather than billed.
pub const MAX_ADDON_QUANTITY: i64 = 1_000;

pub(crate) async fn insert_invoice(conn: &mut SqliteConnection, inv: &Invoice, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO engine_invoices (id, customer_id, subscription_id, status, currency_code, total, amount_paid,
             amount_due, line_items, date, paid_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&inv.id)
    .bind(&inv.customer_id)
    .bind(&inv.subscription_id)
    .bind(&inv.status)
    .bind(&inv.currency_code)
    .bind(inv.total)
    .bind(inv.amount_paid)
    .bind(inv.amount_due)
    .bind(serde_json::to_string(&inv.line_items).unwrap_or_else(|_| "[]".into()))
    .bind(inv.date)
    .bind(inv.paid_at)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// An invoice for `lines`, paid (`paid == true`) or due.
pub(crate) fn new_invoice(
    customer_id: &str,
    subscription_id: &str,
    currency: &str,
    lines: Vec<LineItem>,
    paid: bool,
    date: i64,
) -> Invoice {
    let total = lines.iter().map(|l| l.amount).sum();
    Invoice {
        id: ids::random("inv_"),
        customer_id: customer_id.into(),
        subscription_id: Some(subscription_id.into()),
        status: if paid { "paid" } else { "payment_due" }.into(),
        currency_code: currency.into(),
        total,
        amount_paid: if paid { total } else { 0 },
        amount_due: if paid { 0 } else { total },
        date,
        paid_at: paid.then_some(date),
        line_items: lines,
    }
}

/// An invoice line's `entity_type` for a price of `item_type`: `plan` or `addon` on a 1.0 site,
/// `plan_item_price`, `addon_item_price` or `charge_item_price` on 2.0.
pub(crate) fn entity_type(item_type: &str, catalog: CatalogVersion) -> String {
    match catalog {
        CatalogVersion::V1 => item_type.to_owned(),
        CatalogVersion::V2 => format!("{item_type}_item_price"),
    }
}

/// The invoice line for `quantity` units of a one-off price (an addon on 1.0, a charge on 2.0).
pub(crate) fn addon_line(addon: &ItemPrice, quantity: i64, catalog: CatalogVersion) -> LineItem {
    LineItem {
        description: addon.name.clone(),
        entity_type: entity_type(&addon.item_type, catalog),
        entity_id: addon.id.clone(),
        quantity,
        unit_amount: addon.price,
        amount: addon.price * quantity,
    }
}

/// The one-off price `id` (an addon, or a charge item on 2.0), checked to be in `currency` and `quantity`
/// to be sensible.
pub(crate) async fn addon(
    conn: &mut SqliteConnection,
    id: &str,
    quantity: i64,
    currency: &str,
    id_param: &str,
    quantity_param: &str,
) -> Result<ItemPrice, ApiError> {
    let addon = catalog::item_price(conn, id)
        .await
        .map_err(internal)?
        .filter(|p| p.item_type == "addon" || p.item_type == "charge")
        .ok_or_else(|| ApiError::not_found(id_param, format!("Addon {id} not found")))?;
    if !(1..=MAX_ADDON_QUANTITY).contains(&quantity) {
        return Err(ApiError::param(
            quantity_param,
            format!("{quantity_param} : must be between 1 and {MAX_ADDON_QUANTITY}"),
        ));
    }
    if addon.currency_code != currency {
        return Err(ApiError::param(id_param, "The addon's currency differs from the subscription's"));
    }
    Ok(addon)
}

#[derive(sqlx::FromRow)]
struct InvoiceRow {
    id: String,
    customer_id: String,
    subscription_id: Option<String>,
    status: String,
    currency_code: String,
    total: i64,
    amount_paid: i64,
    amount_due: i64,
    line_items: String,
    date: i64,
    paid_at: Option<i64>,
}

impl From<InvoiceRow> for Invoice {
    fn from(r: InvoiceRow) -> Self {
        Invoice {
            line_items: serde_json::from_str(&r.line_items).unwrap_or_default(),
            id: r.id,
            customer_id: r.customer_id,
            subscription_id: r.subscription_id,
            status: r.status,
            currency_code: r.currency_code,
            total: r.total,
            amount_paid: r.amount_paid,
            amount_due: r.amount_due,
            date: r.date,
            paid_at: r.paid_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct UnbilledRow {
    id: String,
    subscription_id: String,
    customer_id: String,
    entity_type: String,
    entity_id: String,
    description: String,
    quantity: i64,
    unit_amount: i64,
    amount: i64,
    currency_code: String,
    date_from: i64,
    date_to: i64,
}

impl From<UnbilledRow> for UnbilledCharge {
    fn from(r: UnbilledRow) -> Self {
        UnbilledCharge {
            id: r.id,
            subscription_id: r.subscription_id,
            customer_id: r.customer_id,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            description: r.description,
            quantity: r.quantity,
            unit_amount: r.unit_amount,
            amount: r.amount,
            currency_code: r.currency_code,
            date_from: r.date_from,
            date_to: r.date_to,
        }
    }
}

const UNBILLED_COLUMNS: &str = "id, subscription_id, customer_id, entity_type, entity_id, description, quantity,
    unit_amount, amount, currency_code, date_from, date_to";

/// `GET /unbilled_charges`: charges not invoiced yet, oldest first. Nothing is ever voided or deleted, so
/// `is_voided` and `include_deleted` change nothing.
static UNBILLED_LIST: ListSpec = ListSpec {
    attrs: &[
        Attr::id("subscription_id", "subscription_id").or_absent(),
        Attr::id("customer_id", "customer_id").or_absent(),
    ],
    sorts: &[],
    default_sort: Sort::time("created_at", "created_at"),
    default_descending: false,
    tiebreak: "rowid",
    switches: &["include_deleted", "is_voided"],
    columns: UNBILLED_COLUMNS,
    from: "FROM engine_unbilled_charges",
    scope: Some("invoice_id IS NULL"),
};

const INVOICE_COLUMNS: &str = "id, customer_id, subscription_id, status, currency_code, total, amount_paid, amount_due,
    line_items, date, paid_at";

/// `GET /invoices`, newest first by default.
static INVOICE_LIST: ListSpec = ListSpec {
    attrs: &[
        Attr::id("id", "id"),
        Attr::id("subscription_id", "subscription_id").or_absent(),
        Attr::id("customer_id", "customer_id"),
        Attr::boolean("recurring", "(subscription_id IS NOT NULL)"),
        Attr::one_of("status", "status", &["paid", "posted", "payment_due", "not_paid", "voided", "pending"]),
        Attr::timestamp("date", "date"),
        Attr::timestamp("paid_at", "paid_at"),
        Attr::number("total", "total"),
        Attr::number("amount_paid", "amount_paid"),
        Attr::number("amount_due", "amount_due"),
    ],
    sorts: &[Sort::time("date", "date")],
    default_sort: Sort::time("date", "date"),
    default_descending: true,
    tiebreak: "rowid",
    switches: &["include_deleted"],
    columns: INVOICE_COLUMNS,
    from: "FROM engine_invoices",
    scope: None,
};

/// The subscription's charges not invoiced yet, oldest first.
pub(crate) async fn open_charges(
    conn: &mut SqliteConnection,
    subscription_id: &str,
) -> Result<Vec<UnbilledCharge>, sqlx::Error> {
    let rows: Vec<UnbilledRow> = sqlx::query_as(&format!(
        "SELECT {UNBILLED_COLUMNS} FROM engine_unbilled_charges
         WHERE subscription_id = ? AND invoice_id IS NULL ORDER BY created_at, rowid"
    ))
    .bind(subscription_id)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(UnbilledCharge::from).collect())
}

/// Marks charges as billed by `invoice_id`; a charge already billed is left alone.
pub(crate) async fn mark_billed(
    conn: &mut SqliteConnection,
    charges: &[UnbilledCharge],
    invoice_id: &str,
) -> Result<(), sqlx::Error> {
    for c in charges {
        sqlx::query("UPDATE engine_unbilled_charges SET invoice_id = ? WHERE id = ? AND invoice_id IS NULL")
            .bind(invoice_id)
            .bind(&c.id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The invoice lines for unbilled charges.
pub(crate) fn charge_lines(charges: &[UnbilledCharge]) -> Vec<LineItem> {
    charges
        .iter()
        .map(|c| LineItem {
            description: c.description.clone(),
            entity_type: c.entity_type.clone(),
            entity_id: c.entity_id.clone(),
            quantity: c.quantity,
            unit_amount: c.unit_amount,
            amount: c.amount,
        })
        .collect()
}

impl Engine {
    /// `GET /unbilled_charges`.
    pub async fn list_unbilled_charges(&self, params: &ListParams) -> Result<Page<UnbilledCharge>, ApiError> {
        let query = ListQuery::parse(&UNBILLED_LIST, params)?;
        let (rows, next_offset) = query.page::<UnbilledRow, _>(&self.pool).await.map_err(internal)?;
        Ok(Page { list: rows.into_iter().map(UnbilledCharge::from).collect(), next_offset })
    }

    /// `GET /invoices/{id}`.
    pub async fn retrieve_invoice(&self, id: &str) -> Result<Invoice, ApiError> {
        let sql = format!("SELECT {INVOICE_COLUMNS} FROM engine_invoices WHERE id = ?");
        let row: Option<InvoiceRow> =
            sqlx::query_as(&sql).bind(id).fetch_optional(&self.pool).await.map_err(internal)?;
        row.map(Invoice::from).ok_or_else(|| ApiError::not_found("invoice_id", format!("Invoice {id} not found")))
    }

    /// `GET /invoices`.
    pub async fn list_invoices(&self, params: &ListParams) -> Result<Page<Invoice>, ApiError> {
        let query = ListQuery::parse(&INVOICE_LIST, params)?;
        let (rows, next_offset) = query.page::<InvoiceRow, _>(&self.pool).await.map_err(internal)?;
        Ok(Page { list: rows.into_iter().map(Invoice::from).collect(), next_offset })
    }
}
