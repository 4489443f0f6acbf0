//! Gift subscriptions (Chargebee's gifts API). Buying a gift charges the gifter first; only a paid gift
//! exists. The gift starts `scheduled` with a `future` subscription for the recipient, becomes
//! `unclaimed` at `scheduled_at` (at once when none is given; straight on to `claimed` with
//! auto-claim), and ends `claimed` (the subscription becomes `non_renewing`, its term starting at the
//! claim, and is cancelled at term end by the renewal job), `expired` (claim window passed: the
//! subscription is cancelled) or `cancelled` (from scheduled or unclaimed; the subscription is
//! cancelled, nothing refunded). Every transition is a compare-and-set on the status and writes its
//! timeline entry and event in the same transaction, so concurrent claims or job runs change a gift once.

pub mod rules;

use sqlx::SqliteConnection;

use super::events::{self, Source};
use super::invoices::{insert_invoice, new_invoice};
use super::listing::{Attr, ListQuery, ListSpec, Sort};
use super::payments::{self, Payment};
use super::subscriptions::{self, period_seconds};
use super::time::internal;
use super::{Engine, catalog, ids};
use growthkit_wire::GiftSettings;
use growthkit_wire::{
    ApiError, CreateGiftRequest, EventContent, Gift, GiftReceiver, GiftTimeline, GiftWithSubscription, Gifter,
    LineItem, ListParams, Page, ShippingAddress,
};
use rules::{GiftAction, GiftStatus, gift_options, reschedule_ok, transition};

#[derive(sqlx::FromRow)]
struct GiftRow {
    id: String,
    status: String,
    scheduled_at: i64,
    auto_claim: bool,
    no_expiry: bool,
    claim_expiry_date: Option<i64>,
    gifter_customer_id: String,
    gifter_invoice_id: String,
    signature: String,
    note: Option<String>,
    receiver_customer_id: String,
    receiver_first_name: String,
    receiver_last_name: String,
    receiver_email: String,
    subscription_id: String,
    resource_version: i64,
    updated_at: i64,
}

const GIFT_COLUMNS: &str = "id, status, scheduled_at, auto_claim, no_expiry, claim_expiry_date, gifter_customer_id,
    gifter_invoice_id, signature, note, receiver_customer_id, receiver_first_name, receiver_last_name,
    receiver_email, subscription_id, resource_version, updated_at";

/// `GET /gifts`, oldest first.
static LIST: ListSpec = ListSpec {
    attrs: &[
        Attr::one_of("status", "status", &["scheduled", "unclaimed", "claimed", "cancelled", "expired"]),
        Attr::text("gift_receiver[email]", "receiver_email").any_case(),
        Attr::text("gift_receiver[customer_id]", "receiver_customer_id"),
        Attr::text("gifter[customer_id]", "gifter_customer_id"),
    ],
    sorts: &[],
    default_sort: Sort::time("created_at", "created_at"),
    default_descending: false,
    tiebreak: "rowid",
    switches: &[],
    columns: GIFT_COLUMNS,
    from: "FROM engine_gifts",
    scope: None,
};

async fn gift(conn: &mut SqliteConnection, id: &str) -> Result<Gift, ApiError> {
    let row: GiftRow = sqlx::query_as(&format!("SELECT {GIFT_COLUMNS} FROM engine_gifts WHERE id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::not_found("gift_id", format!("Gift {id} not found")))?;
    with_timeline(conn, row).await
}

async fn with_timeline(conn: &mut SqliteConnection, r: GiftRow) -> Result<Gift, ApiError> {
    let timeline: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, occurred_at FROM engine_gift_timelines WHERE gift_id = ? ORDER BY id")
            .bind(&r.id)
            .fetch_all(&mut *conn)
            .await
            .map_err(internal)?;
    Ok(Gift {
        id: r.id,
        status: r.status,
        scheduled_at: r.scheduled_at,
        auto_claim: r.auto_claim,
        no_expiry: r.no_expiry,
        claim_expiry_date: r.claim_expiry_date,
        resource_version: r.resource_version,
        updated_at: r.updated_at,
        gifter: Gifter {
            customer_id: r.gifter_customer_id,
            invoice_id: r.gifter_invoice_id,
            signature: r.signature,
            note: r.note,
        },
        gift_receiver: GiftReceiver {
            customer_id: r.receiver_customer_id,
            subscription_id: r.subscription_id,
            first_name: r.receiver_first_name,
            last_name: r.receiver_last_name,
            email: r.receiver_email,
        },
        gift_timelines: timeline
            .into_iter()
            .map(|(status, occurred_at)| GiftTimeline { status, occurred_at })
            .collect(),
    })
}

/// Moves a gift from `from` to `to` (compare-and-set) and writes its timeline entry. False when the gift
/// was no longer in `from` (another request or job got there first).
async fn set_status(
    conn: &mut SqliteConnection,
    id: &str,
    from: GiftStatus,
    to: GiftStatus,
    now: i64,
) -> Result<bool, ApiError> {
    let moved = sqlx::query(
        "UPDATE engine_gifts SET status = ?, resource_version = resource_version + 1, updated_at = ?
         WHERE id = ? AND status = ?",
    )
    .bind(to.as_str())
    .bind(now)
    .bind(id)
    .bind(from.as_str())
    .execute(&mut *conn)
    .await
    .map_err(internal)?;
    if moved.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("INSERT INTO engine_gift_timelines (gift_id, status, occurred_at) VALUES (?, ?, ?)")
        .bind(id)
        .bind(to.as_str())
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(internal)?;
    Ok(true)
}

/// Records `event_type` with the gift and its subscription as they are now.
async fn gift_event(
    conn: &mut SqliteConnection,
    gift_id: &str,
    event_type: &str,
    source: Source,
    now: i64,
) -> Result<GiftWithSubscription, ApiError> {
    let g = gift(conn, gift_id).await?;
    let subscription = subscriptions::read(conn, &g.gift_receiver.subscription_id).await?;
    let content =
        EventContent { gift: Some(g.clone()), subscription: Some(subscription.clone()), ..EventContent::default() };
    events::record(conn, event_type, source, &content, now).await?;
    Ok(GiftWithSubscription { gift: g, subscription, invoice: None })
}

/// Activates the gift subscription at the claim: a term starting now, not renewed.
async fn activate(conn: &mut SqliteConnection, subscription_id: &str, now: i64) -> Result<(), ApiError> {
    let (period, unit): (Option<i64>, Option<String>) = sqlx::query_as(
        "SELECT p.period, p.period_unit FROM engine_subscriptions s JOIN engine_item_prices p ON p.id = s.plan_item_price_id
         WHERE s.id = ?",
    )
    .bind(subscription_id)
    .fetch_one(&mut *conn)
    .await
    .map_err(internal)?;
    let end = now + period_seconds(period, unit.as_deref());
    sqlx::query(
        "UPDATE engine_subscriptions SET status = 'non_renewing', current_term_start = ?, current_term_end = ?,
             cancelled_at = ?, updated_at = ?
         WHERE id = ? AND status = 'future'",
    )
    .bind(now)
    .bind(end)
    .bind(end)
    .bind(now)
    .bind(subscription_id)
    .execute(&mut *conn)
    .await
    .map_err(internal)?;
    Ok(())
}

/// Cancels the gift subscription now (cancelled or expired gift). Nothing is refunded or credited.
async fn cancel_subscription(conn: &mut SqliteConnection, subscription_id: &str, now: i64) -> Result<(), ApiError> {
    sqlx::query(
        "UPDATE engine_subscriptions SET status = 'cancelled', cancelled_at = ?, updated_at = ?
         WHERE id = ? AND status <> 'cancelled'",
    )
    .bind(now)
    .bind(now)
    .bind(subscription_id)
    .execute(conn)
    .await
    .map_err(internal)?;
    Ok(())
}

/// Notifies a scheduled gift (and claims it when it auto-claims). False when it was not scheduled.
async fn notify(conn: &mut SqliteConnection, id: &str, source: Source, now: i64) -> Result<bool, ApiError> {
    if !set_status(conn, id, GiftStatus::Scheduled, GiftStatus::Unclaimed, now).await? {
        return Ok(false);
    }
    let g = gift_event(conn, id, "gift_unclaimed", source, now).await?.gift;
    if g.auto_claim {
        claim_in(conn, &g, source, now).await?;
    }
    Ok(true)
}

async fn claim_in(
    conn: &mut SqliteConnection,
    g: &Gift,
    source: Source,
    now: i64,
) -> Result<GiftWithSubscription, ApiError> {
    let from = GiftStatus::parse(&g.status).unwrap_or(GiftStatus::Claimed);
    transition(from, GiftAction::Claim).map_err(|m| ApiError::invalid_state(None, m))?;
    if !set_status(conn, &g.id, from, GiftStatus::Claimed, now).await? {
        return Err(ApiError::invalid_state(None, "The gift has already been claimed"));
    }
    activate(conn, &g.gift_receiver.subscription_id, now).await?;
    gift_event(conn, &g.id, "gift_claimed", source, now).await
}

impl Engine {
    /// The site's gift settings.
    pub async fn gift_settings(&self) -> Result<GiftSettings, ApiError> {
        let row: SettingsRow = sqlx::query_as(
            "SELECT enabled, auto_claim, no_expiry, claim_within_days, gifter_may_schedule, gifter_enters_shipping,
                    gifter_may_cancel, recipient_may_cancel, reminder_after_days
             FROM engine_gift_settings WHERE id = 1",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(internal)?;
        Ok(row.into())
    }

    /// Changes the site's gift settings; gifts that exist keep the options they were created with.
    pub async fn save_gift_settings(&self, s: &GiftSettings) -> Result<(), ApiError> {
        s.validate().map_err(|m| ApiError::param("claim_within_days", m))?;
        sqlx::query(
            "UPDATE engine_gift_settings SET enabled = ?, auto_claim = ?, no_expiry = ?, claim_within_days = ?,
                 gifter_may_schedule = ?, gifter_enters_shipping = ?, gifter_may_cancel = ?, recipient_may_cancel = ?,
                 reminder_after_days = ?, updated_at = ?
             WHERE id = 1",
        )
        .bind(s.enabled)
        .bind(s.auto_claim)
        .bind(s.no_expiry)
        .bind(s.claim_within_days)
        .bind(s.gifter_may_schedule)
        .bind(s.gifter_enters_shipping)
        .bind(s.gifter_may_cancel)
        .bind(s.recipient_may_cancel)
        .bind(s.reminder_after_days)
        .bind(self.clock.now())
        .execute(&self.pool)
        .await
        .map_err(internal)?;
        Ok(())
    }

    /// `POST /gifts/create_for_items`: charges the gifter, then creates the gift and the recipient's
    /// `future` subscription. Notified at once when `scheduled_at` is absent.
    pub async fn create_gift(&self, req: &CreateGiftRequest) -> Result<GiftWithSubscription, ApiError> {
        let now = self.clock.now();
        let settings = self.gift_settings().await?;
        let options =
            gift_options(&settings, req.scheduled_at, req.auto_claim, req.no_expiry, req.claim_expiry_date, now)?;
        if req.signature.trim().is_empty() {
            return Err(ApiError::missing("gifter[signature]"));
        }
        if !req.receiver_email.contains('@') {
            return Err(ApiError::param("gift_receiver[email]", "gift_receiver[email] : invalid email address"));
        }
        for (param, value) in [
            ("gift_receiver[first_name]", &req.receiver_first_name),
            ("gift_receiver[last_name]", &req.receiver_last_name),
        ] {
            if value.trim().is_empty() {
                return Err(ApiError::missing(param));
            }
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        for (param, id) in [
            ("gifter[customer_id]", &req.gifter_customer_id),
            ("gift_receiver[customer_id]", &req.receiver_customer_id),
        ] {
            crate::customers::require(&mut tx, id, param).await?;
        }
        let param = "subscription_items[item_price_id][0]";
        let plan = catalog::item_price(&mut tx, &req.item_price_id)
            .await
            .map_err(internal)?
            .filter(|p| p.item_type == "plan")
            .ok_or_else(|| ApiError::not_found(param, format!("Plan {} not found", req.item_price_id)))?;
        let (giftable,): (bool,) = sqlx::query_as("SELECT is_giftable FROM engine_items WHERE id = ?")
            .bind(&plan.item_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(internal)?;
        if !giftable {
            return Err(ApiError::param(param, format!("{} is not a gift plan", plan.id)));
        }
        let sub_id = ids::random("sub_");
        let gift_id = ids::random("gift_");
        let line = LineItem {
            description: plan.name.clone(),
            entity_type: crate::invoices::entity_type("plan", self.catalog),
            entity_id: plan.id.clone(),
            quantity: 1,
            unit_amount: plan.price,
            amount: plan.price,
        };
        let invoice = new_invoice(&req.gifter_customer_id, &sub_id, &plan.currency_code, vec![line], true, now);
        let payment = Payment {
            customer_id: &req.gifter_customer_id,
            subscription_id: Some(&sub_id),
            amount: invoice.total,
            currency: &plan.currency_code,
        };
        let funding =
            payments::funding(&mut tx, &req.payment, &req.gifter_customer_id, invoice.total, &plan.currency_code, now)
                .await?;
        let outcome = funding.outcome()?;
        let txn = payments::transaction(&payment, &funding.card, outcome, now);
        if let Err(decline) = outcome {
            // Only a paid gift exists: keep the record of the attempt, create nothing else.
            let attempt = Payment { subscription_id: None, ..payment };
            let txn = payments::transaction(&attempt, &funding.card, Err(decline), now);
            payments::record(&mut tx, &txn, None, Some(decline)).await?;
            tx.commit().await.map_err(internal)?;
            return Err(decline.to_api_error());
        }
        if funding.keep {
            payments::save_card(&mut tx, &req.gifter_customer_id, &funding.card, now).await.map_err(internal)?;
        }
        sqlx::query(
            "INSERT INTO engine_subscriptions (id, customer_id, plan_item_price_id, status, gift_id, created_at, updated_at)
             VALUES (?, ?, ?, 'future', ?, ?, ?)",
        )
        .bind(&sub_id)
        .bind(&req.receiver_customer_id)
        .bind(&plan.id)
        .bind(&gift_id)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        insert_invoice(&mut tx, &invoice, now).await.map_err(internal)?;
        payments::record(&mut tx, &txn, Some(&invoice.id), None).await?;
        let shipping = req.shipping_address.as_ref().map(|a| serde_json::to_string(a).unwrap_or_default());
        sqlx::query(
            "INSERT INTO engine_gifts (id, status, scheduled_at, auto_claim, no_expiry, claim_expiry_date, gifter_customer_id,
                 gifter_invoice_id, signature, note, receiver_customer_id, receiver_first_name, receiver_last_name,
                 receiver_email, subscription_id, shipping_address, resource_version, created_at, updated_at)
             VALUES (?, 'scheduled', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
        )
        .bind(&gift_id)
        .bind(options.scheduled_at)
        .bind(options.auto_claim)
        .bind(options.no_expiry)
        .bind(options.claim_expiry_date)
        .bind(&req.gifter_customer_id)
        .bind(&invoice.id)
        .bind(req.signature.trim())
        .bind(req.note.as_deref().map(str::trim).filter(|n| !n.is_empty()))
        .bind(&req.receiver_customer_id)
        .bind(req.receiver_first_name.trim())
        .bind(req.receiver_last_name.trim())
        .bind(req.receiver_email.trim())
        .bind(&sub_id)
        .bind(shipping)
        .bind(now)
        .bind(now)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        sqlx::query("INSERT INTO engine_gift_timelines (gift_id, status, occurred_at) VALUES (?, 'scheduled', ?)")
            .bind(&gift_id)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(internal)?;
        let mut content =
            EventContent { invoice: Some(invoice.clone()), transaction: Some(txn), ..EventContent::default() };
        content.subscription = Some(subscriptions::read(&mut tx, &sub_id).await?);
        events::record(&mut tx, "payment_succeeded", Source::Api, &content, now).await?;
        gift_event(&mut tx, &gift_id, "gift_scheduled", Source::Api, now).await?;
        if req.scheduled_at.is_none() {
            notify(&mut tx, &gift_id, Source::Api, now).await?;
        }
        let g = gift(&mut tx, &gift_id).await?;
        let subscription = subscriptions::read(&mut tx, &sub_id).await?;
        tx.commit().await.map_err(internal)?;
        self.kick_webhooks();
        Ok(GiftWithSubscription { gift: g, subscription, invoice: Some(invoice) })
    }

    /// `GET /gifts/{id}`.
    pub async fn retrieve_gift(&self, id: &str) -> Result<GiftWithSubscription, ApiError> {
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        let g = gift(&mut conn, id).await?;
        let subscription = subscriptions::read(&mut conn, &g.gift_receiver.subscription_id).await?;
        Ok(GiftWithSubscription { gift: g, subscription, invoice: None })
    }

    /// The shipping address given for a gift, if any.
    pub async fn gift_shipping_address(&self, id: &str) -> Result<Option<ShippingAddress>, ApiError> {
        let row: Option<(Option<String>,)> = sqlx::query_as("SELECT shipping_address FROM engine_gifts WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(internal)?;
        Ok(row.and_then(|(a,)| a).and_then(|a| serde_json::from_str(&a).ok()))
    }

    /// `GET /gifts`.
    pub async fn list_gifts(&self, params: &ListParams) -> Result<Page<GiftWithSubscription>, ApiError> {
        let query = ListQuery::parse(&LIST, params)?;
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        let (rows, next_offset) = query.page::<GiftRow, _>(&mut *conn).await.map_err(internal)?;
        let mut list = Vec::new();
        for row in rows {
            let g = with_timeline(&mut conn, row).await?;
            let subscription = subscriptions::read(&mut conn, &g.gift_receiver.subscription_id).await?;
            list.push(GiftWithSubscription { gift: g, subscription, invoice: None });
        }
        Ok(Page { list, next_offset })
    }

    /// `POST /gifts/{id}/claim`: only an unclaimed gift, and only once however many claims race. A
    /// shipping address given by the recipient replaces the gifter's (Chargebee's claim page allows it).
    pub async fn claim_gift(
        &self,
        id: &str,
        shipping_address: Option<&ShippingAddress>,
    ) -> Result<GiftWithSubscription, ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        let g = gift(&mut tx, id).await?;
        let claimed = claim_in(&mut tx, &g, Source::Api, now).await?;
        if let Some(address) = shipping_address {
            sqlx::query("UPDATE engine_gifts SET shipping_address = ? WHERE id = ?")
                .bind(serde_json::to_string(address).map_err(|_| ApiError::internal())?)
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        self.forget_subjects();
        self.kick_webhooks();
        Ok(claimed)
    }

    /// `POST /gifts/{id}/cancel`: from scheduled or unclaimed; the subscription is cancelled too.
    pub async fn cancel_gift(&self, id: &str) -> Result<GiftWithSubscription, ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        let g = gift(&mut tx, id).await?;
        let from = GiftStatus::parse(&g.status).unwrap_or(GiftStatus::Cancelled);
        transition(from, GiftAction::Cancel).map_err(|m| ApiError::invalid_state(None, m))?;
        if !set_status(&mut tx, id, from, GiftStatus::Cancelled, now).await? {
            return Err(ApiError::invalid_state(None, "The gift changed meanwhile; try again"));
        }
        cancel_subscription(&mut tx, &g.gift_receiver.subscription_id, now).await?;
        let done = gift_event(&mut tx, id, "gift_cancelled", Source::Api, now).await?;
        tx.commit().await.map_err(internal)?;
        self.kick_webhooks();
        Ok(done)
    }

    /// `POST /gifts/{id}/update_gift`: a new notification time for a scheduled gift.
    pub async fn update_gift(&self, id: &str, scheduled_at: i64) -> Result<GiftWithSubscription, ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        let g = gift(&mut tx, id).await?;
        let from = GiftStatus::parse(&g.status).unwrap_or(GiftStatus::Cancelled);
        transition(from, GiftAction::Reschedule).map_err(|m| ApiError::invalid_state(None, m))?;
        reschedule_ok(scheduled_at, now, g.claim_expiry_date)?;
        let moved = sqlx::query(
            "UPDATE engine_gifts SET scheduled_at = ?, resource_version = resource_version + 1, updated_at = ?
             WHERE id = ? AND status = 'scheduled' AND resource_version = ?",
        )
        .bind(scheduled_at)
        .bind(now)
        .bind(id)
        .bind(g.resource_version)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        if moved.rows_affected() != 1 {
            return Err(ApiError::invalid_state(None, "The gift changed meanwhile; try again"));
        }
        let done = gift_event(&mut tx, id, "gift_updated", Source::Api, now).await?;
        tx.commit().await.map_err(internal)?;
        self.kick_webhooks();
        Ok(done)
    }

    /// Time-based gift rules: notify gifts whose time came, then expire unclaimed gifts whose window closed.
    pub async fn run_gift_work(&self) -> Result<usize, ApiError> {
        let now = self.clock.now();
        let mut changed = 0;
        let due: Vec<(String,)> = sqlx::query_as(
            "SELECT id FROM engine_gifts WHERE status = 'scheduled' AND scheduled_at <= ? ORDER BY scheduled_at LIMIT 500",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(internal)?;
        for (id,) in due {
            let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
            if notify(&mut tx, &id, Source::ScheduledJob, now).await? {
                changed += 1;
            }
            tx.commit().await.map_err(internal)?;
        }
        let expired: Vec<(String, String)> = sqlx::query_as(
            "SELECT id, subscription_id FROM engine_gifts
             WHERE status = 'unclaimed' AND no_expiry = 0 AND claim_expiry_date <= ? ORDER BY claim_expiry_date LIMIT 500",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(internal)?;
        for (id, sub) in expired {
            let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
            if set_status(&mut tx, &id, GiftStatus::Unclaimed, GiftStatus::Expired, now).await? {
                cancel_subscription(&mut tx, &sub, now).await?;
                gift_event(&mut tx, &id, "gift_expired", Source::ScheduledJob, now).await?;
                changed += 1;
            }
            tx.commit().await.map_err(internal)?;
        }
        if changed > 0 {
            self.forget_subjects();
            self.kick_webhooks();
        }
        Ok(changed)
    }
}

/// `engine_gift_settings` as stored; mapped into the wire's [`GiftSettings`].
#[derive(sqlx::FromRow)]
struct SettingsRow {
    enabled: bool,
    auto_claim: bool,
    no_expiry: bool,
    claim_within_days: i64,
    gifter_may_schedule: bool,
    gifter_enters_shipping: bool,
    gifter_may_cancel: bool,
    recipient_may_cancel: bool,
    reminder_after_days: i64,
}

impl From<SettingsRow> for GiftSettings {
    fn from(r: SettingsRow) -> Self {
        GiftSettings {
            enabled: r.enabled,
            auto_claim: r.auto_claim,
            no_expiry: r.no_expiry,
            claim_within_days: r.claim_within_days,
            gifter_may_schedule: r.gifter_may_schedule,
            gifter_enters_shipping: r.gifter_enters_shipping,
            gifter_may_cancel: r.gifter_may_cancel,
            recipient_may_cancel: r.recipient_may_cancel,
            reminder_after_days: r.reminder_after_days,
        }
    }
}
