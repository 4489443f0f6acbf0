//! Customers: created on their own (`POST /customers`, with an id of the caller's or one the engine makes) or
//! with a first subscription, read one at a time, and listed with Chargebee's filters.

use sqlx::SqliteConnection;

use super::listing::{Attr, ListQuery, ListSpec, Sort};
use super::time::internal;
use super::{Engine, ids};
use growthkit_wire::{ApiError, Customer, ListParams, Page};

/// Customer ids: what Chargebee allows (letters, digits, `_ - . @`), at most 50 characters.
fn valid_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 50 && id.chars().all(|c| c.is_ascii_alphanumeric() || "_-.@".contains(c))
}

/// A customer to create.
pub(crate) struct NewCustomer<'a> {
    pub id: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: Option<&'a str>,
}

/// What `POST /customers` takes.
pub struct CustomerFields<'a> {
    /// `None` lets the engine choose one, as Chargebee does.
    pub id: Option<&'a str>,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: Option<&'a str>,
}

/// Checks and inserts a customer; `prefix` names its parameters as the calling endpoint does
/// (`customer[` for `customer[id]` on subscription creation, empty for `POST /customers`).
pub(crate) async fn insert(
    conn: &mut SqliteConnection,
    c: &NewCustomer<'_>,
    prefix: &str,
    now: i64,
) -> Result<(), ApiError> {
    let name = |field: &str| if prefix.is_empty() { field.to_owned() } else { format!("{prefix}{field}]") };
    if !valid_id(c.id) {
        return Err(ApiError::param(&name("id"), format!("{} : up to 50 letters, digits or _-.@", name("id"))));
    }
    if let Some(email) = c.email
        && (!email.contains('@') || email.len() > 70)
    {
        return Err(ApiError::param(&name("email"), format!("{} : invalid email address", name("email"))));
    }
    for (field, value) in [("first_name", c.first_name), ("last_name", c.last_name)] {
        if value.chars().count() > 150 {
            return Err(ApiError::param(&name(field), format!("{} : at most 150 characters", name(field))));
        }
    }
    let inserted = sqlx::query(
        "INSERT INTO engine_customers (id, first_name, last_name, email, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING",
    )
    .bind(c.id)
    .bind(c.first_name)
    .bind(c.last_name)
    .bind(c.email)
    .bind(now)
    .bind(now)
    .execute(conn)
    .await
    .map_err(internal)?;
    if inserted.rows_affected() != 1 {
        return Err(ApiError::param(&name("id"), format!("The value {} is already present", c.id)));
    }
    Ok(())
}

/// Chargebee's 404 naming `param` unless customer `id` exists.
pub(crate) async fn require(conn: &mut SqliteConnection, id: &str, param: &str) -> Result<(), ApiError> {
    let found: Option<(String,)> = sqlx::query_as("SELECT id FROM engine_customers WHERE id = ?")
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(internal)?;
    found.map(|_| ()).ok_or_else(|| ApiError::not_found(param, format!("Customer {id} not found")))
}

#[derive(sqlx::FromRow)]
struct CustomerRow {
    id: String,
    first_name: Option<String>,
    last_name: Option<String>,
    email: Option<String>,
    company: Option<String>,
    primary_payment_source_id: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl From<CustomerRow> for Customer {
    fn from(r: CustomerRow) -> Self {
        let blank_is_none = |v: Option<String>| v.filter(|s| !s.is_empty());
        Customer {
            id: r.id,
            first_name: blank_is_none(r.first_name),
            last_name: blank_is_none(r.last_name),
            email: blank_is_none(r.email),
            company: blank_is_none(r.company),
            primary_payment_source_id: r.primary_payment_source_id,
            created_at: r.created_at,
            updated_at: Some(r.updated_at),
        }
    }
}

const COLUMNS: &str = "id, first_name, last_name, email, company, primary_payment_source_id, created_at, updated_at";

/// `GET /customers`, newest first by default.
static LIST: ListSpec = ListSpec {
    attrs: &[
        Attr::id("id", "id"),
        Attr::text("first_name", "first_name").or_absent(),
        Attr::text("last_name", "last_name").or_absent(),
        Attr::text("email", "email").or_absent().any_case(),
        Attr::text("company", "company").or_absent(),
        Attr::timestamp("created_at", "created_at"),
        Attr::timestamp("updated_at", "updated_at"),
    ],
    sorts: &[Sort::time("created_at", "created_at"), Sort::time("updated_at", "updated_at")],
    default_sort: Sort::time("created_at", "created_at"),
    default_descending: true,
    tiebreak: "rowid",
    switches: &["include_deleted"],
    columns: COLUMNS,
    from: "FROM engine_customers",
    scope: None,
};

/// A customer in Chargebee's shape.
pub(crate) async fn read(conn: &mut SqliteConnection, id: &str) -> Result<Customer, ApiError> {
    let row: Option<CustomerRow> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM engine_customers WHERE id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(internal)?;
    row.map(Customer::from).ok_or_else(|| ApiError::not_found("customer_id", format!("Customer {id} not found")))
}

impl Engine {
    /// `POST /customers`.
    pub async fn create_customer(&self, fields: &CustomerFields<'_>) -> Result<Customer, ApiError> {
        let generated;
        let id = match fields.id {
            Some(id) => id,
            None => {
                generated = ids::random("");
                &generated
            }
        };
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        let new = NewCustomer { id, first_name: fields.first_name, last_name: fields.last_name, email: fields.email };
        insert(&mut conn, &new, "", self.clock.now()).await?;
        read(&mut conn, id).await
    }

    /// `GET /customers/{id}`.
    pub async fn retrieve_customer(&self, id: &str) -> Result<Customer, ApiError> {
        read(&mut *self.pool.acquire().await.map_err(internal)?, id).await
    }

    /// `GET /customers`.
    pub async fn list_customers(&self, params: &ListParams) -> Result<Page<Customer>, ApiError> {
        let query = ListQuery::parse(&LIST, params)?;
        let (rows, next_offset) = query.page::<CustomerRow, _>(&self.pool).await.map_err(internal)?;
        Ok(Page { list: rows.into_iter().map(Customer::from).collect(), next_offset })
    }
}

#[cfg(test)]
mod tests {
    use super::valid_id;

    #[test]
    fn customer_ids_follow_chargebee_rules() {
        assert!(valid_id("gk_carl"));
        assert!(valid_id("a.b-c@d"));
        assert!(!valid_id(""));
        assert!(!valid_id("has space"));
        assert!(!valid_id(&"x".repeat(51)));
    }
}
