//! Gifts, app side: checkout, the gifter's and recipient's pages, claim links, and the e-mails.
//!
//! E-mails follow the gift's state rather than the events one by one: on every gift event (and right
//! after a purchase or claim made here) the gift is read from billing and each message its state calls
//! for is written to the outbox, once per gift and kind. So a repeated, late or reordered event, or a
//! restart halfway, neither loses nor doubles a message, and a stale event never resurrects one.

use base64::Engine as _;
use rand::RngCore;

use super::model::{
    AddressInput, CheckoutData, ClaimPage, ClaimableGift, GiftBought, GiftCard, GiftCheckoutInput, GiftPlan,
    GiftsOverview, TimelineStep, address_problem, check_send_at, check_zone, local_time, parse_send_at, parse_zone,
    recipient_problem, status_label,
};
use super::repo::{self, Purchase};
use crate::auth::model::CurrentUser;
use crate::billing::BillingError;
use crate::error::AppError;
use crate::keys::{nonce, request_key, sha256_hex, valid_nonce};
use crate::mail::repo::{NewMessage, enqueue, skip_waiting};
use crate::state::AppState;
use crate::ui::format::money;
use crate::ui::payment::PaymentStart;
use growthkit_clock::calendar::utc;
use growthkit_wire::{
    CreateGiftRequest, Gift, GiftQuery, GiftSettings, GiftWithSubscription, Item, ItemPrice, ItemPriceQuery, ItemQuery,
    NewCustomer, ShippingAddress,
};

/// The claim reminder's outbox kind: written with the invitation, dropped once the gift leaves `unclaimed`.
pub const REMINDER_KIND: &str = "gift_claim_reminder";

fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> AppError {
    move |err| AppError::internal(context, err)
}

fn period_label(p: &ItemPrice) -> String {
    let n = p.period.unwrap_or(1);
    let unit = p.period_unit.as_deref().unwrap_or("month");
    if n == 1 { format!("1 {unit}") } else { format!("{n} {unit}s") }
}

/// The gift plans on sale.
async fn gift_plans(state: &AppState) -> Result<Vec<GiftPlan>, AppError> {
    // Chargebee marks gift plans on the item, so find the giftable items first, then their prices.
    let items = state.billing.list_items(&ItemQuery { item_type: Some("plan".into()), giftable: Some(true) }).await?;
    let items: Vec<Item> = items.into_iter().filter(|i| i.status == "active").collect();
    if items.is_empty() {
        return Ok(Vec::new());
    }
    let query = ItemPriceQuery {
        item_type: Some("plan".into()),
        item_ids: items.iter().map(|i| i.id.clone()).collect(),
        ..ItemPriceQuery::default()
    };
    let prices = state.billing.list_item_prices(&query).await?;
    let mut plans: Vec<GiftPlan> = prices
        .into_iter()
        .filter(|p| p.status == "active")
        .filter_map(|p| {
            let item = items.iter().find(|i| i.id == p.item_id)?;
            Some(GiftPlan {
                period_label: period_label(&p),
                shippable: item.is_shippable,
                id: p.id,
                name: p.name,
                price: p.price,
                currency: p.currency_code,
            })
        })
        .collect();
    plans.sort_by(|a, b| (a.price, &a.id).cmp(&(b.price, &b.id)));
    Ok(plans)
}

async fn settings(state: &AppState) -> Result<GiftSettings, AppError> {
    Ok(state.billing.gift_settings().await?)
}

/// The billing customer an account gives gifts as: the account's own when billing knows it, else one
/// named after the account.
async fn gifter_id(state: &AppState, account_id: &str) -> Result<String, AppError> {
    let known = crate::auth::repo::billing_ids(&state.pool, account_id).await.map_err(db("reading billing ids"))?;
    Ok(known.map(|(customer, _)| customer).unwrap_or_else(|| format!("gk_{account_id}")))
}

/// A recipient's billing customer: one per e-mail address, whoever gives to it.
fn receiver_id(email: &str) -> String {
    format!("gkr_{}", &sha256_hex(&[&email.trim().to_lowercase()])[..24])
}

/// Makes sure billing has the customer (a gift's gifter and recipient must exist first).
async fn ensure_customer(state: &AppState, c: &NewCustomer) -> Result<(), AppError> {
    match state.billing.retrieve_customer(&c.id).await {
        Ok(_) => return Ok(()),
        Err(BillingError::Refused(e)) if e.http_status_code == 404 => {}
        Err(err) => return Err(err.into()),
    }
    match state.billing.create_customer(c, Some(&request_key("gk_customer", &[&c.id]))).await {
        Ok(_) => Ok(()),
        // Created by a concurrent request meanwhile: it exists, which is all that is needed.
        Err(BillingError::Refused(e)) if e.param.as_deref() == Some("id") => Ok(()),
        Err(err) => Err(err.into()),
    }
}

/// What the gift checkout shows.
pub async fn checkout_data(state: &AppState, user: &CurrentUser) -> Result<CheckoutData, AppError> {
    let s = settings(state).await?;
    Ok(CheckoutData {
        plans: gift_plans(state).await?,
        enabled: s.enabled,
        may_schedule: s.gifter_may_schedule,
        gifter_enters_shipping: s.gifter_enters_shipping,
        now: state.clock.now(),
        signature: user.name.clone(),
        nonce: nonce(),
    })
}

fn shipping(a: &AddressInput) -> ShippingAddress {
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    ShippingAddress {
        first_name: a.first_name.trim().into(),
        last_name: a.last_name.trim().into(),
        line1: a.line1.trim().into(),
        line2: opt(&a.line2),
        city: a.city.trim().into(),
        state: opt(&a.state),
        zip: a.zip.trim().into(),
        country: a.country.trim().to_uppercase(),
    }
}

/// A gift checkout that passed every check: what `buy` needs besides the payment.
struct Checked {
    email: String,
    send_at: Option<i64>,
    zone: String,
    offset: i64,
    plan: GiftPlan,
    address: Option<ShippingAddress>,
}

/// Everything about a gift checkout but the payment, checked as the server sees it.
async fn check(state: &AppState, i: &GiftCheckoutInput) -> Result<Checked, AppError> {
    if !valid_nonce(&i.nonce) {
        return Err(AppError::invalid("Reload the page and try again."));
    }
    if let Some(problem) = recipient_problem(i) {
        return Err(AppError::Invalid(problem));
    }
    let email = i.email.trim().to_owned();
    if email.parse::<lettre::Address>().is_err() {
        return Err(AppError::invalid("Enter the recipient's e-mail address, like name@example.com."));
    }
    let s = settings(state).await?;
    if !s.enabled {
        return Err(AppError::Conflict("Gift subscriptions are switched off at the moment.".into()));
    }
    let now = state.clock.now();
    let send_at = parse_send_at(&i.send_at, now).map_err(AppError::Invalid)?;
    if send_at.is_some() && !s.gifter_may_schedule {
        return Err(AppError::invalid("Gifts are sent right away on this site; scheduling is switched off."));
    }
    let (zone, offset) = parse_zone(&i.time_zone, &i.utc_offset_minutes).map_err(AppError::Invalid)?;
    let plans = gift_plans(state).await?;
    let plan = plans.into_iter().find(|p| p.id == i.plan_id).ok_or_else(|| AppError::invalid("Choose a gift plan."))?;
    let address = if plan.shippable && s.gifter_enters_shipping {
        if let Some(problem) = address_problem(&i.address) {
            return Err(AppError::Invalid(problem));
        }
        Some(shipping(&i.address))
    } else {
        None
    };
    Ok(Checked { email, send_at, zone, offset, plan, address })
}

/// A payment intent for the gift plan's price, once the rest of the checkout holds, for the browser to
/// authorize with the card before `buy`.
pub async fn start_payment(state: &AppState, i: &GiftCheckoutInput) -> Result<PaymentStart, AppError> {
    let c = check(state, i).await?;
    crate::billing::payments::start(state, c.plan.price, &c.plan.currency).await
}

/// Buys a gift: checks everything, makes sure both customers exist, and has billing charge the gifter (the
/// intent the browser authorized) and create the gift. A repeated click (same page view and details) buys
/// once.
pub async fn buy(state: &AppState, user: &CurrentUser, i: GiftCheckoutInput) -> Result<GiftBought, AppError> {
    let Checked { email, send_at, zone, offset, plan, address } = check(state, &i).await?;
    let now = state.clock.now();
    let gifter = gifter_id(state, &user.account_id).await?;
    let (first, last) = user.name.split_once(' ').unwrap_or((&user.name, ""));
    let new_gifter =
        NewCustomer { id: gifter.clone(), email: user.email.clone(), first_name: first.into(), last_name: last.into() };
    ensure_customer(state, &new_gifter).await?;
    let receiver = NewCustomer {
        id: receiver_id(&email),
        email: email.clone(),
        first_name: i.first_name.trim().into(),
        last_name: i.last_name.trim().into(),
    };
    ensure_customer(state, &receiver).await?;

    let payment = crate::billing::payments::authorized(state, &i.payment_intent_id).await?;
    let intent = i.payment_intent_id.trim();
    let when = send_at.map(|t| t.to_string()).unwrap_or_default();
    let key = request_key("gk_gift", &[&user.account_id, &i.nonce, &plan.id, &email.to_lowercase(), &when, intent]);
    let req = CreateGiftRequest {
        gifter_customer_id: gifter,
        signature: i.signature.trim().into(),
        note: Some(i.note.trim().to_owned()).filter(|n| !n.is_empty()),
        payment,
        receiver_customer_id: receiver.id,
        receiver_first_name: receiver.first_name,
        receiver_last_name: receiver.last_name,
        receiver_email: email,
        scheduled_at: send_at,
        auto_claim: None,
        no_expiry: None,
        claim_expiry_date: None,
        item_price_id: plan.id.clone(),
        shipping_address: address,
    };
    let bought = state.billing.create_gift(&req, Some(&key)).await?;
    let gift_id = bought.gift.id.clone();
    let purchase = Purchase {
        gift_id: gift_id.clone(),
        account_id: user.account_id.clone(),
        user_id: user.id.clone(),
        time_zone: zone,
        utc_offset_minutes: offset,
    };
    repo::record_purchase(&state.pool, &purchase, now).await.map_err(db("recording a gift purchase"))?;
    follow(state, &bought).await?;
    Ok(GiftBought { url: format!("/account/gifts?ordered={gift_id}"), gift_id })
}

/// A billing event about a gift arrived: bring its e-mails up to date.
pub async fn on_event(state: &AppState, gift_id: &str) -> Result<(), AppError> {
    let gift = state.billing.retrieve_gift(gift_id).await?;
    follow(state, &gift).await
}

/// Writes every e-mail the gift's state calls for that is not written yet, then sends what is due.
async fn follow(state: &AppState, g: &GiftWithSubscription) -> Result<(), AppError> {
    let letters = Letters::gather(state, g).await?;
    let invite = g.gift.status == "unclaimed" && !g.gift.auto_claim;
    // Read before the transaction: billing may be across the network.
    let reminder_days = if invite { settings(state).await?.reminder_after_days } else { 0 };
    let now = state.clock.now();
    let mut tx = state.pool.begin().await.map_err(db("starting gift e-mails"))?;
    for m in letters.due(&g.gift) {
        enqueue(&mut tx, &m.as_new(&g.gift.id), now).await.map_err(db("writing a gift e-mail"))?;
    }
    if invite {
        // The claim link and the two messages carrying it are written together, once.
        let token = new_token();
        if repo::insert_claim_link(&mut tx, &sha256_hex(&[&token]), &g.gift.id, now)
            .await
            .map_err(db("writing a claim link"))?
        {
            for m in letters.invitations(&g.gift, &token, reminder_days) {
                enqueue(&mut tx, &m.as_new(&g.gift.id), now).await.map_err(db("writing a gift e-mail"))?;
            }
        }
    }
    if g.gift.status != "unclaimed" {
        // Claimed, expired or cancelled: a reminder still waiting for its day no longer applies.
        skip_waiting(&mut tx, &g.gift.id, REMINDER_KIND).await.map_err(db("dropping a claim reminder"))?;
    }
    tx.commit().await.map_err(db("committing gift e-mails"))?;
    kick_mail(state);
    Ok(())
}

/// Wakes the e-mail sender, which delivers what was just written.
fn kick_mail(state: &AppState) {
    state.mail_kick.notify_one();
}

fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// One message to write.
struct Letter {
    kind: &'static str,
    to: (String, String),
    subject: String,
    body: String,
    link: Option<String>,
    due_at: i64,
}

impl Letter {
    fn as_new<'a>(&'a self, gift_id: &'a str) -> NewMessage<'a> {
        NewMessage {
            topic: gift_id,
            kind: self.kind,
            to_address: &self.to.0,
            to_name: &self.to.1,
            subject: &self.subject,
            body: &self.body,
            link: self.link.as_deref(),
            due_at: self.due_at,
        }
    }
}

/// What the gift's e-mails say: names, plan, times in the gifter's zone.
struct Letters {
    gifter: Option<(String, String)>,
    receiver: (String, String),
    plan: String,
    price: Option<String>,
    zone: Option<(String, i64)>,
    base: String,
    now: i64,
    ends: Option<i64>,
}

impl Letters {
    async fn gather(state: &AppState, g: &GiftWithSubscription) -> Result<Self, AppError> {
        let gifter = match state.billing.retrieve_customer(&g.gift.gifter.customer_id).await {
            Ok(c) => c.email.filter(|e| !e.is_empty()).map(|e| {
                let name = [c.first_name.unwrap_or_default(), c.last_name.unwrap_or_default()].join(" ");
                (e, name.trim().to_owned())
            }),
            Err(err) => return Err(err.into()),
        };
        let plan_id = g.subscription.subscription_items.first().map(|i| i.item_price_id.clone()).unwrap_or_default();
        let plan = gift_plans(state).await?.into_iter().find(|p| p.id == plan_id);
        let r = &g.gift.gift_receiver;
        let zone = repo::purchase(&state.pool, &g.gift.id)
            .await
            .map_err(db("reading a gift purchase"))?
            .map(|p| (p.time_zone, p.utc_offset_minutes));
        Ok(Letters {
            gifter,
            receiver: (r.email.clone(), format!("{} {}", r.first_name, r.last_name)),
            price: plan.as_ref().map(|p| money(p.price, &p.currency)),
            plan: plan.map_or(plan_id, |p| format!("{} ({})", p.name, p.period_label)),
            zone,
            base: state.config.public_url.trim_end_matches('/').to_owned(),
            now: state.clock.now(),
            ends: (g.subscription.status != "future").then_some(g.subscription.current_term_end).flatten(),
        })
    }

    fn time(&self, unix: i64) -> String {
        match &self.zone {
            Some((zone, offset)) => local_time(unix, *offset, zone),
            None => utc(unix),
        }
    }

    fn letter(&self, kind: &'static str, to: &(String, String), subject: String, body: String) -> Letter {
        Letter { kind, to: to.clone(), subject, body, link: None, due_at: self.now }
    }

    /// The messages the gift's status calls for, except the two with the claim link.
    fn due(&self, g: &Gift) -> Vec<Letter> {
        let receiver_first = &g.gift_receiver.first_name;
        let mut out = Vec::new();
        if let Some(gifter) = &self.gifter {
            let when = if g.status == "scheduled" {
                format!("We will e-mail {} on {}.", g.gift_receiver.email, self.time(g.scheduled_at))
            } else {
                format!("We have e-mailed {} about it.", g.gift_receiver.email)
            };
            let paid = self.price.as_ref().map(|p| format!(" You paid {p}.")).unwrap_or_default();
            out.push(self.letter(
                "gift_order_confirmation",
                gifter,
                format!("Your gift for {receiver_first} is booked"),
                format!(
                    "Hello {},\n\nThank you for your gift of {} to {}.{paid}\n{when}\n\n\
                     You can follow the gift, change when it is sent or cancel it while it is scheduled at \
                     {}/account/gifts.\n",
                    gifter.1, self.plan, self.receiver.1, self.base
                ),
            ));
            if g.status == "claimed" {
                out.push(self.letter(
                    "gift_claimed_gifter",
                    gifter,
                    format!("{receiver_first} claimed your gift"),
                    format!("Hello {},\n\n{} has claimed your gift of {}.\n", gifter.1, self.receiver.1, self.plan),
                ));
            }
            if g.status == "cancelled" {
                out.push(self.letter(
                    "gift_cancelled_gifter",
                    gifter,
                    format!("Your gift for {receiver_first} was cancelled"),
                    format!(
                        "Hello {},\n\nYour gift of {} to {} has been cancelled; {} will not be able to claim it.\n",
                        gifter.1, self.plan, self.receiver.1, receiver_first
                    ),
                ));
            }
        }
        if g.status == "claimed" {
            let until = self.ends.map(|t| format!(" It runs until {}.", utc(t))).unwrap_or_default();
            out.push(self.letter(
                "gift_claimed_recipient",
                &self.receiver,
                format!("Your gift from {} is active", g.gifter.signature),
                format!(
                    "Hello {receiver_first},\n\nYou have claimed {} from {}.{until} Enjoy!\n",
                    self.plan, g.gifter.signature
                ),
            ));
        }
        out
    }

    /// The invitation to claim, and the reminder `reminder_days` after it, with the claim link.
    fn invitations(&self, g: &Gift, token: &str, reminder_days: i64) -> Vec<Letter> {
        let link = format!("{}/gift/claim/{token}", self.base);
        let first = &g.gift_receiver.first_name;
        let from = &g.gifter.signature;
        let note = g.gifter.note.as_ref().map(|n| format!("\n{from} wrote:\n\"{n}\"\n")).unwrap_or_default();
        let by = g.claim_expiry_date.map(|t| format!(" Claim it by {}.", utc(t))).unwrap_or_default();
        let unclaimed_at =
            g.gift_timelines.iter().rev().find(|t| t.status == "unclaimed").map_or(g.scheduled_at, |t| t.occurred_at);
        vec![
            Letter {
                link: Some(link.clone()),
                ..self.letter(
                    "gift_claim_invitation",
                    &self.receiver,
                    format!("{from} sent you a gift: {}", self.plan),
                    format!(
                        "Hello {first},\n\n{from} has given you {}.\n{note}\nClaim your gift here:{by}\n{link}\n",
                        self.plan
                    ),
                )
            },
            Letter {
                link: Some(link.clone()),
                due_at: unclaimed_at + reminder_days * 86_400,
                ..self.letter(
                    REMINDER_KIND,
                    &self.receiver,
                    format!("Reminder: your gift from {from} is waiting"),
                    format!(
                        "Hello {first},\n\n{from} gave you {} and it is still waiting for you.{by}\n{link}\n",
                        self.plan
                    ),
                )
            },
        ]
    }
}

/// Why a gift in `status` cannot be claimed.
fn closed_message(status: &str, g: &Gift) -> String {
    match status {
        "claimed" => "This gift has already been claimed.".into(),
        "expired" => format!(
            "This gift expired{}: it was not claimed in time. Ask {} about it.",
            g.claim_expiry_date.map(|t| format!(" on {}", utc(t))).unwrap_or_default(),
            g.gifter.signature
        ),
        "cancelled" => "This gift was cancelled by the sender, so it can no longer be claimed.".into(),
        _ => "This gift cannot be claimed yet.".into(),
    }
}

const BAD_LINK: &str = "This claim link is not valid. Check that you opened the whole link from the e-mail.";

/// What the claim page shows for a link.
pub async fn claim_page(state: &AppState, token: &str) -> Result<ClaimPage, AppError> {
    match repo::claim_link(&state.pool, &sha256_hex(&[token])).await.map_err(db("reading a claim link"))? {
        Some(link) => link_page(state, &link).await,
        None => Ok(ClaimPage::Closed { message: BAD_LINK.into() }),
    }
}

/// What a known claim link leads to, by the gift's state now.
async fn link_page(state: &AppState, link: &repo::ClaimLink) -> Result<ClaimPage, AppError> {
    let g = state.billing.retrieve_gift(&link.gift_id).await?;
    let plans = gift_plans(state).await?;
    let plan_id = g.subscription.subscription_items.first().map(|i| i.item_price_id.as_str()).unwrap_or_default();
    let plan = plans.iter().find(|p| p.id == plan_id);
    let plan_name = plan.map_or_else(|| plan_id.to_owned(), |p| p.name.clone());
    Ok(match g.gift.status.as_str() {
        "unclaimed" => ClaimPage::Open(ClaimableGift {
            needs_address: plan.is_some_and(|p| p.shippable) && !settings(state).await?.gifter_enters_shipping,
            period_label: plan.map(|p| p.period_label.clone()).unwrap_or_default(),
            plan_name,
            receiver_first_name: g.gift.gift_receiver.first_name.clone(),
            signature: g.gift.gifter.signature.clone(),
            note: g.gift.gifter.note.clone(),
            claim_by: g.gift.claim_expiry_date.map(utc),
        }),
        "claimed" if link.used_at.is_some() => {
            ClaimPage::Claimed { plan_name, ends: g.subscription.current_term_end.map(utc) }
        }
        status => ClaimPage::Closed { message: closed_message(status, &g.gift) },
    })
}

/// Claims the gift behind a link, once: the link is spent by the claim that succeeds.
pub async fn claim(state: &AppState, token: &str, address: AddressInput) -> Result<ClaimPage, AppError> {
    let hash = sha256_hex(&[token]);
    let link = repo::claim_link(&state.pool, &hash)
        .await
        .map_err(db("reading a claim link"))?
        .ok_or_else(|| AppError::NotFound(BAD_LINK.into()))?;
    if link.used_at.is_some() {
        return Err(AppError::Conflict("This gift has already been claimed.".into()));
    }
    let gift = match link_page(state, &link).await? {
        ClaimPage::Open(gift) => gift,
        ClaimPage::Claimed { .. } => return Err(AppError::Conflict("This gift has already been claimed.".into())),
        ClaimPage::Closed { message } => return Err(AppError::Conflict(message)),
    };
    let shipping_address = if gift.needs_address {
        if let Some(problem) = address_problem(&address) {
            return Err(AppError::Invalid(problem));
        }
        Some(shipping(&address))
    } else {
        None
    };
    // One key per link: two claims racing with the same link reach billing as one request.
    let key = request_key("gk_claim", &[&hash]);
    match state.billing.claim_gift(&link.gift_id, shipping_address.as_ref(), Some(&key)).await {
        Ok(claimed) => {
            repo::use_claim_link(&state.pool, &hash, state.clock.now()).await.map_err(db("spending a claim link"))?;
            follow(state, &claimed).await?;
            Ok(ClaimPage::Claimed { plan_name: gift.plan_name, ends: claimed.subscription.current_term_end.map(utc) })
        }
        Err(BillingError::Refused(e)) if e.http_status_code < 500 => {
            // Claimed, cancelled or expired meanwhile: say which.
            let g = state.billing.retrieve_gift(&link.gift_id).await?;
            tracing::info!(gift = %link.gift_id, "claim refused: {e}");
            Err(AppError::Conflict(closed_message(&g.gift.status, &g.gift)))
        }
        Err(err) => Err(err.into()),
    }
}

fn card(g: GiftWithSubscription, plans: &[GiftPlan], zone: Option<(String, i64)>) -> GiftCard {
    let GiftWithSubscription { gift, subscription, .. } = g;
    let plan_id = subscription.subscription_items.first().map(|i| i.item_price_id.clone()).unwrap_or_default();
    let time = |t: i64| match &zone {
        Some((z, o)) => local_time(t, *o, z),
        None => utc(t),
    };
    GiftCard {
        plan_name: plans.iter().find(|p| p.id == plan_id).map_or(plan_id, |p| p.name.clone()),
        notify_label: time(gift.scheduled_at),
        claim_expiry: gift.claim_expiry_date.map(utc),
        ends: (subscription.status != "future").then_some(subscription.current_term_end).flatten().map(utc),
        timeline: gift
            .gift_timelines
            .iter()
            .map(|t| TimelineStep { status: status_label(&t.status).into(), at: time(t.occurred_at) })
            .collect(),
        receiver_name: format!("{} {}", gift.gift_receiver.first_name, gift.gift_receiver.last_name),
        receiver_email: gift.gift_receiver.email,
        signature: gift.gifter.signature,
        note: gift.gifter.note,
        scheduled_at: gift.scheduled_at,
        subscription_status: subscription.status,
        reschedule_before: gift.claim_expiry_date,
        status: gift.status,
        id: gift.id,
        can_cancel: false,
        can_reschedule: false,
    }
}

/// `/account/gifts`: the gifts the account gave and the ones the user received.
pub async fn my_gifts(state: &AppState, user: &CurrentUser) -> Result<GiftsOverview, AppError> {
    let s = settings(state).await?;
    let plans = gift_plans(state).await?;
    let gifter = gifter_id(state, &user.account_id).await?;
    let sent_query = GiftQuery { gifter_customer_id: Some(gifter), ..GiftQuery::default() };
    let received_query = GiftQuery { receiver_email: Some(user.email.clone()), ..GiftQuery::default() };
    let sent = state.billing.list_gifts(&sent_query, 100, None).await?;
    let received = state.billing.list_gifts(&received_query, 100, None).await?;
    let purchases: std::collections::HashMap<String, repo::Purchase> =
        repo::account_purchases(&state.pool, &user.account_id)
            .await
            .map_err(db("reading gift purchases"))?
            .into_iter()
            .map(|p| (p.gift_id.clone(), p))
            .collect();
    let sent_cards = sent
        .list
        .into_iter()
        .rev()
        .map(|g| {
            let purchase = purchases.get(&g.gift.id);
            let may_manage = user.may_manage_purchase(purchase.map(|p| p.user_id.as_str()));
            let mut c = card(g, &plans, purchase.map(|p| (p.time_zone.clone(), p.utc_offset_minutes)));
            c.can_cancel = may_manage && c.status == "scheduled" && s.gifter_may_cancel;
            c.can_reschedule = may_manage && c.status == "scheduled" && s.gifter_may_schedule;
            c
        })
        .collect();
    let received_cards = received
        .list
        .into_iter()
        .rev()
        .filter(|g| g.gift.status != "scheduled")
        .map(|g| {
            let mut c = card(g, &plans, None);
            c.can_cancel = s.recipient_may_cancel
                && (c.status == "unclaimed" || (c.status == "claimed" && c.subscription_status != "cancelled"));
            c
        })
        .collect();
    Ok(GiftsOverview { sent: sent_cards, received: received_cards, now: state.clock.now() })
}

/// The gift, if the user's account gave it and the user may change it
/// ([`CurrentUser::may_manage_purchase`]).
async fn own_gift(state: &AppState, user: &CurrentUser, gift_id: &str) -> Result<GiftWithSubscription, AppError> {
    let g = state.billing.retrieve_gift(gift_id).await.map_err(|e| match e {
        BillingError::Refused(e) if e.http_status_code == 404 => AppError::NotFound("There is no such gift.".into()),
        e => e.into(),
    })?;
    if g.gift.gifter.customer_id != gifter_id(state, &user.account_id).await? {
        return Err(AppError::NotFound("There is no such gift.".into()));
    }
    let buyer = repo::purchase(&state.pool, gift_id)
        .await
        .map_err(db("reading the gift purchase"))?
        .filter(|p| p.account_id == user.account_id)
        .map(|p| p.user_id);
    if !user.may_manage_purchase(buyer.as_deref()) {
        return Err(AppError::Forbidden(
            "Only the account owner or the person who bought this gift can change or cancel it.".into(),
        ));
    }
    Ok(g)
}

/// The gifter cancels a gift that is still scheduled (when the site allows it).
pub async fn cancel_as_gifter(state: &AppState, user: &CurrentUser, gift_id: &str) -> Result<String, AppError> {
    let g = own_gift(state, user, gift_id).await?;
    if !settings(state).await?.gifter_may_cancel {
        return Err(AppError::forbidden());
    }
    if g.gift.status != "scheduled" {
        return Err(AppError::Conflict(
            "Only a gift that has not been sent yet can be cancelled; this one has been sent.".into(),
        ));
    }
    let key = request_key("gk_gift_cancel", &[gift_id]);
    let done = state.billing.cancel_gift(gift_id, Some(&key)).await?;
    follow(state, &done).await?;
    Ok(format!("The gift for {} is cancelled.", done.gift.gift_receiver.first_name))
}

/// The gifter moves the notification of a scheduled gift.
pub async fn reschedule(
    state: &AppState,
    user: &CurrentUser,
    gift_id: &str,
    send_at: i64,
    zone: &str,
    offset: i64,
) -> Result<String, AppError> {
    let g = own_gift(state, user, gift_id).await?;
    if !settings(state).await?.gifter_may_schedule {
        return Err(AppError::forbidden());
    }
    if g.gift.status != "scheduled" {
        return Err(AppError::Conflict("This gift has been sent already; its date can no longer change.".into()));
    }
    let (zone, offset) = check_zone(zone, Some(offset)).map_err(AppError::Invalid)?;
    let at = check_send_at(send_at, state.clock.now()).map_err(AppError::Invalid)?;
    if let Some(expiry) = g.gift.claim_expiry_date
        && at >= expiry
    {
        return Err(AppError::Invalid(format!("Choose a time before the gift's claim deadline, {}.", utc(expiry))));
    }
    let key = request_key("gk_gift_move", &[gift_id, &at.to_string()]);
    state.billing.update_gift(gift_id, at, Some(&key)).await?;
    repo::update_zone(&state.pool, gift_id, &zone, offset).await.map_err(db("saving the time zone"))?;
    Ok(format!("The gift e-mail will go out on {}.", local_time(at, offset, &zone)))
}

/// The recipient cancels a gift they received (when the site allows it): before the claim the gift is
/// cancelled; after it, the gift subscription ends now (no credit for the unused period).
pub async fn cancel_as_recipient(state: &AppState, user: &CurrentUser, gift_id: &str) -> Result<String, AppError> {
    let g = state.billing.retrieve_gift(gift_id).await?;
    if !g.gift.gift_receiver.email.eq_ignore_ascii_case(&user.email) || g.gift.status == "scheduled" {
        return Err(AppError::NotFound("There is no such gift.".into()));
    }
    if !settings(state).await?.recipient_may_cancel {
        return Err(AppError::forbidden());
    }
    let key = request_key("gk_gift_recipient_cancel", &[gift_id]);
    match g.gift.status.as_str() {
        "unclaimed" => {
            let done = state.billing.cancel_gift(gift_id, Some(&key)).await?;
            follow(state, &done).await?;
            Ok("The gift is cancelled.".into())
        }
        "claimed" if g.subscription.status != "cancelled" => {
            state.billing.cancel_subscription(&g.subscription.id, false, Some(&key)).await?;
            Ok("Your gift subscription is cancelled.".into())
        }
        _ => Err(AppError::Conflict("This gift has already ended.".into())),
    }
}
