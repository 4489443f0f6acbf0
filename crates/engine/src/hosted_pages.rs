//! Hosted checkout pages, as a `checkout` offer option opens them: the fulfillment answer carries the page,
//! the customer pays on billing's own address (see `api::browser`) for the plan the option moves their
//! subscription to, and is sent back to the option's `redirect_url` with `id` and `state` appended, as
//! Chargebee does. Paying completes the fulfillment; a page left unpaid past its expiry fails it with
//! `checkout_abandoned`.

use sqlx::SqliteConnection;

use super::time::internal;
use super::{Engine, ids};
use growthkit_wire::{ApiError, CHECKOUT_ABANDONED, CardDetails, HostedPage, PaymentMethod, Timestamp};

/// How long a checkout page can be paid on. Chargebee does not document its own figure.
pub const LIFETIME_SECONDS: i64 = 3 * 3_600;

const COLUMNS: &str = "id, type, state, failure_reason, fulfillment_id, subscription_id, item_price_id, \
                       redirect_url, expires_at, created_at";

#[derive(sqlx::FromRow)]
struct PageRow {
    id: String,
    #[sqlx(rename = "type")]
    page_type: String,
    state: String,
    failure_reason: Option<String>,
    fulfillment_id: String,
    subscription_id: String,
    item_price_id: String,
    redirect_url: Option<String>,
    expires_at: i64,
    created_at: i64,
}

/// What the checkout page shows.
#[derive(Debug, Clone)]
pub struct Checkout {
    pub page: HostedPage,
    /// The plan being bought and its price (minor units).
    pub plan_name: String,
    pub price: i64,
    pub currency: String,
    /// Whether the page can still be paid on.
    pub open: bool,
}

/// After a successful payment: where the browser goes next, if the option named a page.
pub struct Paid {
    pub return_to: Option<String>,
}

/// A new checkout page for a fulfillment, written in the fulfillment's own transaction.
pub(crate) struct NewCheckout<'a> {
    pub fulfillment_id: &'a str,
    pub subscription_id: &'a str,
    pub item_price_id: &'a str,
    pub redirect_url: Option<&'a str>,
}

impl Engine {
    fn page_url(&self, id: &str) -> String {
        format!("{}/pages/v4/{id}/", self.site_url)
    }

    fn to_wire(&self, r: &PageRow) -> HostedPage {
        HostedPage {
            id: r.id.clone(),
            page_type: r.page_type.clone(),
            url: self.page_url(&r.id),
            state: r.state.clone(),
            failure_reason: r.failure_reason.clone(),
            embed: false,
            created_at: Some(r.created_at),
            expires_at: Some(r.expires_at),
            object: "hosted_page".into(),
        }
    }

    pub(crate) async fn open_checkout(
        &self,
        conn: &mut SqliteConnection,
        c: &NewCheckout<'_>,
        now: Timestamp,
    ) -> Result<HostedPage, ApiError> {
        let id = ids::random("hp_");
        sqlx::query(
            "INSERT INTO engine_hosted_pages
                 (id, type, state, fulfillment_id, subscription_id, item_price_id, redirect_url,
                  expires_at, created_at, updated_at)
             VALUES (?, 'checkout_existing', 'created', ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(c.fulfillment_id)
        .bind(c.subscription_id)
        .bind(c.item_price_id)
        .bind(c.redirect_url)
        .bind(now + LIFETIME_SECONDS)
        .bind(now)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(internal)?;
        let row = page_row(conn, &id).await?.ok_or_else(ApiError::internal)?;
        Ok(self.to_wire(&row))
    }

    /// `GET /hosted_pages/{id}`.
    pub async fn hosted_page(&self, id: &str) -> Result<HostedPage, ApiError> {
        Ok(self.to_wire(&self.known_page(id).await?))
    }

    async fn known_page(&self, id: &str) -> Result<PageRow, ApiError> {
        if id.is_empty() || id.len() > 70 {
            return Err(ApiError::not_found("id", format!("{id} not found")));
        }
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        page_row(&mut conn, id).await?.ok_or_else(|| ApiError::not_found("id", format!("{id} not found")))
    }

    /// The page as the customer opens it; opening marks it `requested`, as Chargebee does.
    pub async fn open_hosted_page(&self, id: &str) -> Result<Checkout, ApiError> {
        let now = self.clock.now();
        sqlx::query(
            "UPDATE engine_hosted_pages SET state = 'requested', updated_at = ?
             WHERE id = ? AND state = 'created' AND expires_at > ?",
        )
        .bind(now)
        .bind(id)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        self.checkout(id).await
    }

    async fn checkout(&self, id: &str) -> Result<Checkout, ApiError> {
        let row = self.known_page(id).await?;
        let plan = self.retrieve_item_price(&row.item_price_id).await?;
        let open = matches!(row.state.as_str(), "created" | "requested") && self.clock.now() < row.expires_at;
        Ok(Checkout {
            page: self.to_wire(&row),
            plan_name: plan.name.clone(),
            price: plan.price,
            currency: plan.currency_code.clone(),
            open,
        })
    }

    /// Pays on the page with `card`: the subscription moves to the page's plan, the page succeeds and the
    /// fulfillment completes. A declined or mistyped card leaves the page open to try again.
    pub async fn pay_hosted_page(&self, id: &str, card: CardDetails) -> Result<Paid, ApiError> {
        let row = self.known_page(id).await?;
        if row.state == "succeeded" {
            return Ok(Paid { return_to: return_url(&row) });
        }
        let now = self.clock.now();
        if !matches!(row.state.as_str(), "created" | "requested") || now >= row.expires_at {
            return Err(ApiError::invalid_state(None, "This checkout page has expired. Go back and start again."));
        }
        if let Err(err) = self.change_plan(&row.subscription_id, &row.item_price_id, &PaymentMethod::Card(card)).await {
            if err.http_status_code == 402 {
                self.set_page_failure(id, "card_error").await?;
            }
            return Err(err);
        }
        let moved = sqlx::query(
            "UPDATE engine_hosted_pages SET state = 'succeeded', failure_reason = NULL, updated_at = ?
             WHERE id = ? AND state IN ('created', 'requested')",
        )
        .bind(now)
        .bind(id)
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        if moved.rows_affected() == 1 {
            self.finish_fulfillment(&row.fulfillment_id, Ok(())).await?;
        }
        Ok(Paid { return_to: return_url(&row) })
    }

    async fn set_page_failure(&self, id: &str, reason: &str) -> Result<(), ApiError> {
        sqlx::query("UPDATE engine_hosted_pages SET failure_reason = ?, updated_at = ? WHERE id = ?")
            .bind(reason)
            .bind(self.clock.now())
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(internal)
            .map(drop)
    }

    /// Fails the fulfillment of every checkout page left unpaid past its expiry (`checkout_abandoned`).
    pub(crate) async fn abandon_expired_checkouts(&self) -> Result<(), ApiError> {
        let now = self.clock.now();
        let expired: Vec<(String, String)> = sqlx::query_as(
            "UPDATE engine_hosted_pages SET state = 'cancelled', updated_at = ?
             WHERE state IN ('created', 'requested') AND expires_at <= ?
             RETURNING id, fulfillment_id",
        )
        .bind(now)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(internal)?;
        for (_, fulfillment) in &expired {
            let reason = "The customer left the checkout page without paying.".to_owned();
            self.finish_fulfillment(fulfillment, Err((CHECKOUT_ABANDONED, reason))).await?;
        }
        if !expired.is_empty() {
            tracing::info!(count = expired.len(), "checkout pages expired unpaid");
        }
        Ok(())
    }
}

/// The option's page with `id` and `state` appended, as Chargebee's redirect does.
fn return_url(row: &PageRow) -> Option<String> {
    let base = row.redirect_url.as_deref()?;
    let sep = if base.contains('?') { '&' } else { '?' };
    let id: String = form_urlencoded::byte_serialize(row.id.as_bytes()).collect();
    Some(format!("{base}{sep}id={id}&state=succeeded"))
}

async fn page_row(conn: &mut SqliteConnection, id: &str) -> Result<Option<PageRow>, ApiError> {
    sqlx::query_as(&format!("SELECT {COLUMNS} FROM engine_hosted_pages WHERE id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(internal)
}
