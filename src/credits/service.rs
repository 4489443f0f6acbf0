//! Prepaid credits, app side. Checkout creates a subscription to a plan with a credit pack; the payment
//! event (`payment_succeeded`, from the webhook) grants the pack's credits to the ledger, once per
//! event; running a report consumes credits; a low balance offers a top-up now, at renewal, a stop at
//! term end, or another pack. Every purchase is recorded under its idempotency key before billing is
//! called, so a repeated click or a retry reaches billing with the same key and changes nothing.

use super::model::{
    CheckoutInput, ChoiceOutcome, CreditsOverview, CreditsState, PackOption, PendingCharge, PlanOption, REPORT_COST,
    ReportRun, TopUpChoice, check_quantity, check_threshold, checkout_problem, credits_text, parse_quantity,
};
use super::repo::{self, ActionState, Applied, CreditAccount, Entry};
use crate::auth::model::{CurrentUser, Role};
use crate::billing::BillingError;
use crate::error::AppError;
use crate::keys::{nonce, valid_nonce};
use crate::state::AppState;
use crate::ui::format::money;
use crate::ui::payment::PaymentStart;
use growthkit_clock::calendar::utc;
use growthkit_wire::{AddonCharge, AddonQuantity, CreateSubscriptionRequest, ItemPriceQuery, SubscriptionCustomer};

/// How many ledger entries the credits page lists.
const HISTORY_LENGTH: i64 = 20;

fn db(context: &'static str) -> impl FnOnce(sqlx::Error) -> AppError {
    move |err| AppError::internal(context, err)
}

/// The idempotency key of one credits request (see [`crate::keys`]).
fn request_key(account_id: &str, nonce: &str, what: &str, params: &[&str]) -> String {
    let parts: Vec<&str> = [account_id, nonce, what].into_iter().chain(params.iter().copied()).collect();
    crate::keys::request_key("gk_credits", &parts)
}

fn require_owner(user: &CurrentUser) -> Result<(), AppError> {
    if user.may_manage_subscriptions() {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only the account owner can buy credits or change the subscription.".into()))
    }
}

/// The plans and credit packs on sale.
pub async fn catalog(state: &AppState) -> Result<(Vec<PlanOption>, Vec<PackOption>), AppError> {
    let query =
        ItemPriceQuery { item_family_id: Some(state.config.credits_family.clone()), ..ItemPriceQuery::default() };
    let prices = state.billing.list_item_prices(&query).await?;
    let mut plans = Vec::new();
    let mut packs = Vec::new();
    for p in prices {
        match p.item_type.as_str() {
            "plan" => plans.push(PlanOption {
                period_label: match (p.period, p.period_unit.as_deref()) {
                    (Some(1) | None, Some(unit)) => unit.to_owned(),
                    (Some(n), Some(unit)) => format!("{n} {unit}s"),
                    _ => "term".into(),
                },
                id: p.id,
                name: p.name,
                price: p.price,
                currency: p.currency_code,
            }),
            // A one-off price: a non-recurring addon on catalog 1.0, a charge item on 2.0.
            "addon" | "charge" => {
                let credits = p.metadata.as_ref().and_then(|m| m.get("credits")).and_then(|c| c.as_i64());
                if let Some(credits) = credits.filter(|c| *c > 0) {
                    packs.push(PackOption {
                        id: p.id,
                        name: p.name,
                        credits,
                        price: p.price,
                        currency: p.currency_code,
                    });
                }
            }
            _ => {}
        }
    }
    // Billing lists in its own order; checkout shows the cheapest first.
    plans.sort_by(|a, b| (a.price, &a.id).cmp(&(b.price, &b.id)));
    packs.sort_by(|a, b| (a.price, &a.id).cmp(&(b.price, &b.id)));
    Ok((plans, packs))
}

/// What `/credits` shows the user.
pub async fn overview(state: &AppState, user: &CurrentUser) -> Result<CreditsOverview, AppError> {
    let can_buy = user.role == Role::Owner;
    let account = repo::account(&state.pool, &user.account_id).await.map_err(db("reading credits"))?;
    let (account, subscription_id) = match account {
        Some(a) => match a.subscription_id.clone() {
            Some(sub) => (a, sub),
            None => return checkout_page(state, can_buy).await,
        },
        None => return checkout_page(state, can_buy).await,
    };
    let history = repo::history(&state.pool, &user.account_id, HISTORY_LENGTH).await.map_err(db("reading ledger"))?;
    if history.is_empty() {
        return Ok(CreditsOverview::Activating);
    }
    let (plans, packs) = catalog(state).await?;
    let sub = state.billing.retrieve_subscription(&subscription_id).await?;
    let unbilled = state.billing.list_unbilled_charges(&subscription_id).await?;
    let pending = unbilled
        .iter()
        .map(|c| PendingCharge {
            description: c.description.clone(),
            packs: c.quantity,
            credits: packs.iter().find(|p| p.id == c.entity_id).map_or(0, |p| p.credits * c.quantity),
            amount: c.amount,
            currency: c.currency_code.clone(),
            at: c.date_to,
        })
        .collect();
    let plan_id = sub.subscription_items.first().map(|i| i.item_price_id.clone()).unwrap_or_default();
    let CreditAccount { balance, low_threshold, is_low, low_episode, prompted_episode, pack_id, pack_quantity, .. } =
        account;
    Ok(CreditsOverview::Active(Box::new(CreditsState {
        balance,
        low_threshold,
        is_low,
        prompt_episode: (is_low && prompted_episode < low_episode && sub.status != "cancelled").then_some(low_episode),
        plan_name: plans.iter().find(|p| p.id == plan_id).map_or(plan_id, |p| p.name.clone()),
        cancels_at: (sub.status == "non_renewing").then_some(sub.cancelled_at).flatten(),
        subscription_status: sub.status,
        current_term_end: sub.current_term_end,
        pack: packs.iter().find(|p| Some(&p.id) == pack_id.as_ref()).cloned(),
        pack_quantity,
        packs,
        pending,
        history,
        nonce: nonce(),
        can_buy,
    })))
}

async fn checkout_page(state: &AppState, can_buy: bool) -> Result<CreditsOverview, AppError> {
    let (plans, packs) = catalog(state).await?;
    Ok(CreditsOverview::Checkout { plans, packs, nonce: nonce(), can_buy })
}

/// The plan, pack and quantity a checkout is for, checked as the form sent them.
async fn priced(
    state: &AppState,
    user: &CurrentUser,
    plan_id: &str,
    pack_id: &str,
    quantity: &str,
) -> Result<(PlanOption, PackOption, i64), AppError> {
    require_owner(user)?;
    if let Some(problem) = checkout_problem(plan_id.trim(), pack_id.trim(), quantity) {
        return Err(AppError::Invalid(problem));
    }
    let quantity = parse_quantity(quantity).map_err(AppError::Invalid)?;
    let (plans, packs) = catalog(state).await?;
    let plan = plans
        .into_iter()
        .find(|p| p.id == plan_id.trim())
        .ok_or_else(|| AppError::invalid("Choose one of the plans."))?;
    let pack = packs
        .into_iter()
        .find(|p| p.id == pack_id.trim())
        .ok_or_else(|| AppError::invalid("Choose one of the packs."))?;
    Ok((plan, pack, quantity))
}

/// A payment intent for the checkout's total (the plan's first term and the packs), which the browser
/// authorizes with the card before `checkout`.
pub async fn start_payment(
    state: &AppState,
    user: &CurrentUser,
    plan_id: &str,
    pack_id: &str,
    quantity: &str,
) -> Result<PaymentStart, AppError> {
    let (plan, pack, quantity) = priced(state, user, plan_id, pack_id, quantity).await?;
    let total =
        pack.price.checked_mul(quantity).and_then(|packs| packs.checked_add(plan.price)).ok_or(AppError::Internal)?;
    crate::billing::payments::start(state, total, &plan.currency).await
}

/// Buys a plan with a credit pack, paid with the intent the browser authorized. The credits arrive with the
/// payment event.
pub async fn checkout(state: &AppState, user: &CurrentUser, form: CheckoutInput) -> Result<ChoiceOutcome, AppError> {
    require_owner(user)?;
    if !valid_nonce(&form.nonce) {
        return Err(AppError::invalid("Reload the page and try again."));
    }
    let (plan, pack, quantity) = priced(state, user, &form.plan_id, &form.pack_id, &form.quantity).await?;

    let now = state.clock.now();
    let existing = repo::account(&state.pool, &user.account_id).await.map_err(db("reading credits"))?;
    if existing.as_ref().is_some_and(|a| a.subscription_id.is_some()) {
        return Err(AppError::Conflict("You already have a credit plan. Top up from the credits page.".into()));
    }
    // An account already known to billing (a B2B workspace) buys as that customer; others become one.
    let billing_customer = crate::auth::repo::billing_ids(&state.pool, &user.account_id)
        .await
        .map_err(db("reading billing ids"))?
        .map(|(customer, _)| customer);
    let customer_id =
        existing.map(|a| a.customer_id).or(billing_customer).unwrap_or_else(|| format!("gk_{}", user.account_id));
    repo::open_account(&state.writer, &user.account_id, &customer_id, now).await.map_err(db("opening credits"))?;

    let qty = quantity.to_string();
    let intent = form.payment_intent_id.trim();
    let key = request_key(&user.account_id, &form.nonce, "checkout", &[&plan.id, &pack.id, &qty, intent]);
    if let Some(done) = replay(state, &key, &user.account_id, "checkout", Some((&pack.id, quantity))).await? {
        return done;
    }
    // After the replay check: a repeated request finds its intent consumed by the first.
    let payment = match crate::billing::payments::authorized(state, intent).await {
        Ok(payment) => payment,
        Err(err) => {
            repo::forget_action(&state.writer, &key).await.map_err(db("forgetting a credit action"))?;
            return Err(err);
        }
    };
    let (first_name, last_name) = user.name.split_once(' ').unwrap_or((&user.name, ""));
    // The customer may exist already: the account's own, or the one it gave gifts as.
    let exists = match state.billing.retrieve_customer(&customer_id).await {
        Ok(_) => true,
        Err(BillingError::Refused(e)) if e.http_status_code == 404 => false,
        Err(err) => {
            repo::forget_action(&state.writer, &key).await.map_err(db("forgetting a credit action"))?;
            return Err(err.into());
        }
    };
    let customer = if exists {
        SubscriptionCustomer::Existing { id: customer_id }
    } else {
        SubscriptionCustomer::New {
            id: customer_id,
            email: user.email.clone(),
            first_name: first_name.into(),
            last_name: last_name.into(),
        }
    };
    let req = CreateSubscriptionRequest {
        customer,
        plan_id: plan.id.clone(),
        addons: vec![AddonQuantity { id: pack.id.clone(), quantity }],
        payment,
    };
    match state.billing.create_subscription(&req, Some(&key)).await {
        Ok(created) => {
            repo::set_subscription(&state.writer, &user.account_id, &created.subscription.id, &pack.id, quantity, now)
                .await
                .map_err(db("recording the credit subscription"))?;
            let message = format!(
                "Paid {} for {} — {} credits are on their way.",
                money(created.invoice.total, &created.invoice.currency_code),
                plan.name,
                credits_text(pack.credits * quantity)
            );
            finish(state, &key, Ok(message), true).await
        }
        Err(err) => refused(state, &key, err, "creating the credit subscription").await,
    }
}

/// Answers a request seen before from its record; `None` when it is new (and now recorded).
async fn replay(
    state: &AppState,
    key: &str,
    account_id: &str,
    kind: &str,
    pack: Option<(&str, i64)>,
) -> Result<Option<Result<ChoiceOutcome, AppError>>, AppError> {
    let seen = repo::start_action(&state.writer, key, account_id, kind, pack, state.clock.now())
        .await
        .map_err(db("recording a credit action"))?;
    Ok(match seen {
        ActionState::Fresh => None,
        ActionState::Seen { status, message } => Some(match status.as_str() {
            "succeeded" => Ok(ChoiceOutcome {
                message: message.unwrap_or_default(),
                awaiting_credits: matches!(kind, "checkout" | "top_up_now" | "change"),
            }),
            "failed" => Err(AppError::Invalid(message.unwrap_or_default())),
            _ => Err(AppError::Conflict(
                "This request is already being processed. If nothing happens, try again in a minute.".into(),
            )),
        }),
    })
}

/// Records how a request ended; `awaiting_credits` says a payment was made whose event brings credits.
async fn finish(
    state: &AppState,
    key: &str,
    outcome: Result<String, String>,
    awaiting_credits: bool,
) -> Result<ChoiceOutcome, AppError> {
    let now = state.clock.now();
    match outcome {
        Ok(message) => {
            repo::finish_action(&state.writer, key, "succeeded", &message, now).await.map_err(db("finishing"))?;
            Ok(ChoiceOutcome { awaiting_credits, message })
        }
        Err(message) => {
            repo::finish_action(&state.writer, key, "failed", &message, now).await.map_err(db("finishing"))?;
            Err(AppError::Invalid(message))
        }
    }
}

/// A billing refusal: a payment or parameter problem is the user's to fix (and recorded, so a repeat of
/// the same click answers the same); an outage frees the key so the same click can be retried.
async fn refused(
    state: &AppState,
    key: &str,
    err: BillingError,
    context: &'static str,
) -> Result<ChoiceOutcome, AppError> {
    match err.user_message() {
        Some(message) => {
            if err.payment_problem().is_none() {
                tracing::warn!("billing refused {context}: {err}");
            }
            finish(state, key, Err(message), false).await
        }
        None => {
            repo::forget_action(&state.writer, key).await.map_err(db("forgetting a credit action"))?;
            Err(err.into())
        }
    }
}

/// Carries out a top-up choice from the low-balance popup or the credits page.
pub async fn choose(
    state: &AppState,
    user: &CurrentUser,
    choice: TopUpChoice,
    pack_id: &str,
    quantity: Option<i64>,
    nonce: &str,
) -> Result<ChoiceOutcome, AppError> {
    require_owner(user)?;
    if !valid_nonce(nonce) {
        return Err(AppError::invalid("Reload the page and try again."));
    }
    let account = repo::account(&state.pool, &user.account_id).await.map_err(db("reading credits"))?;
    let Some((account, subscription_id)) = account.and_then(|a| a.subscription_id.clone().map(|s| (a, s))) else {
        return Err(AppError::Conflict("Buy a credit plan first.".into()));
    };
    let (_, packs) = catalog(state).await?;
    let (pack, quantity) = match choice {
        TopUpChoice::Change => {
            let pack =
                packs.iter().find(|p| p.id == pack_id).ok_or_else(|| AppError::invalid("Choose one of the packs."))?;
            (Some(pack), check_quantity(quantity).map_err(AppError::Invalid)?)
        }
        TopUpChoice::TopUpNow | TopUpChoice::AtRenewal => {
            let pack = packs
                .iter()
                .find(|p| Some(&p.id) == account.pack_id.as_ref())
                .ok_or_else(|| AppError::Conflict("Your pack is no longer sold. Choose another with Change.".into()))?;
            (Some(pack), account.pack_quantity)
        }
        TopUpChoice::Stop | TopUpChoice::UndoStop => (None, 0),
    };
    let qty = quantity.to_string();
    let pack_key = pack.map_or("", |p| p.id.as_str());
    let key = request_key(&user.account_id, nonce, choice.as_str(), &[pack_key, &qty]);
    let record = pack.map(|p| (p.id.as_str(), quantity));
    if let Some(done) = replay(state, &key, &user.account_id, choice.as_str(), record).await? {
        return done;
    }
    let charge = pack.map(|p| AddonCharge {
        subscription_id: subscription_id.clone(),
        addon_id: p.id.clone(),
        addon_quantity: quantity,
    });
    let what = |p: &PackOption| format!("{} credits ({} × {})", credits_text(p.credits * quantity), quantity, p.name);
    let result = match (choice, charge, pack) {
        (TopUpChoice::TopUpNow | TopUpChoice::Change, Some(charge), Some(p)) => state
            .billing
            .charge_addon(&charge, Some(&key))
            .await
            .map(|inv| format!("Paid {} — {} are on their way.", money(inv.total, &inv.currency_code), what(p))),
        (TopUpChoice::AtRenewal, Some(charge), Some(p)) => {
            state.billing.charge_addon_at_term_end(&charge, Some(&key)).await.map(|due| {
                let when = due.map_or("the end of the term".into(), utc);
                format!("{} will be charged and added at renewal ({when}).", what(p))
            })
        }
        (TopUpChoice::Stop, ..) => {
            state.billing.cancel_subscription(&subscription_id, true, Some(&key)).await.map(|s| {
                let when = s.cancelled_at.map_or("the end of the term".into(), utc);
                format!("Your plan ends on {when}. Your remaining credits stay usable until then.")
            })
        }
        (TopUpChoice::UndoStop, ..) => state
            .billing
            .remove_scheduled_cancellation(&subscription_id, Some(&key))
            .await
            .map(|_| "Your plan renews again as usual.".to_owned()),
        _ => return Err(AppError::internal("credit choice", "a pack choice without a pack")),
    };
    match result {
        Ok(message) => {
            if choice == TopUpChoice::Change
                && let Some(p) = pack
            {
                repo::set_pack(&state.writer, &user.account_id, &p.id, quantity, state.clock.now())
                    .await
                    .map_err(db("changing the pack"))?;
            }
            let paid = matches!(choice, TopUpChoice::TopUpNow | TopUpChoice::Change);
            finish(state, &key, Ok(message), paid).await
        }
        Err(err) => refused(state, &key, err, "a top-up choice").await,
    }
}

/// Runs a report, using [`REPORT_COST`] credits. `nonce` makes a double click one run.
pub async fn run_report(state: &AppState, user: &CurrentUser, nonce: &str) -> Result<ReportRun, AppError> {
    if !valid_nonce(nonce) {
        return Err(AppError::invalid("Reload the page and try again."));
    }
    let key = format!("report_{nonce}");
    let entry = Entry::Consumption { key: &key, credits: REPORT_COST, description: "Report run" };
    match repo::apply(&state.writer, &user.account_id, &entry, state.clock.now()).await.map_err(db("using credits"))? {
        Applied::Done { balance } => {
            Ok(ReportRun { balance, message: format!("Report ready. It used {REPORT_COST} credits.") })
        }
        Applied::AlreadyApplied => {
            let balance = repo::account(&state.pool, &user.account_id)
                .await
                .map_err(db("reading credits"))?
                .map_or(0, |a| a.balance);
            Ok(ReportRun { balance, message: "That report already ran.".into() })
        }
        Applied::Insufficient { balance } => Err(AppError::Conflict(format!(
            "Not enough credits: a report needs {REPORT_COST} and you have {}. Top up to continue.",
            credits_text(balance)
        ))),
        Applied::UnknownAccount => Err(AppError::Conflict("Buy a credit pack to run reports.".into())),
    }
}

/// Records that the low-balance popup was shown for `episode`, so it is not offered again in it.
pub async fn acknowledge_prompt(state: &AppState, user: &CurrentUser, episode: i64) -> Result<(), AppError> {
    repo::mark_prompted(&state.writer, &user.account_id, episode).await.map_err(db("acknowledging the prompt"))?;
    Ok(())
}

/// Sets the balance below which the popup is offered.
pub async fn set_threshold(state: &AppState, user: &CurrentUser, threshold: i64) -> Result<(), AppError> {
    require_owner(user)?;
    let threshold = check_threshold(Some(threshold)).map_err(AppError::Invalid)?;
    repo::set_threshold(&state.writer, &user.account_id, threshold, state.clock.now())
        .await
        .map_err(db("setting the threshold"))
}

/// What a billing event did to credits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventEffect {
    Granted {
        account_id: String,
        credits: i64,
    },
    AlreadyApplied,
    /// Not about credits (another event type, another customer, no credit packs on the invoice).
    Ignored,
}

/// Applies a `payment_succeeded` event for invoice `invoice_id`: the event's body is not trusted (anyone
/// holding the webhook credentials could write one), so the invoice is read back from billing, and only
/// a paid invoice of one of our customers grants its packs' credits, once per invoice however often and
/// in whatever order its events arrive. An invoice billing does not know is ignored.
pub async fn apply_payment(state: &AppState, invoice_id: &str) -> Result<EventEffect, AppError> {
    let invoice = match state.billing.retrieve_invoice(invoice_id).await {
        Ok(invoice) => invoice,
        Err(BillingError::Refused(e)) if e.http_status_code == 404 => return Ok(EventEffect::Ignored),
        Err(err) => return Err(err.into()),
    };
    if invoice.status != "paid" {
        return Ok(EventEffect::Ignored);
    }
    let Some(account_id) =
        repo::account_for_customer(&state.pool, &invoice.customer_id).await.map_err(db("finding the account"))?
    else {
        return Ok(EventEffect::Ignored);
    };
    let (_, packs) = catalog(state).await?;
    let mut credits: i64 = 0;
    let mut bought = Vec::new();
    for line in &invoice.line_items {
        let one_off = line.entity_type.starts_with("addon") || line.entity_type.starts_with("charge");
        let Some(pack) = packs.iter().find(|p| p.id == line.entity_id && one_off) else { continue };
        let Some(sum) = pack.credits.checked_mul(line.quantity).and_then(|c| credits.checked_add(c)) else {
            tracing::warn!(invoice_id, "an invoice's credit lines overflow; nothing granted");
            return Ok(EventEffect::Ignored);
        };
        credits = sum;
        bought.push(format!("{} × {}", line.quantity, pack.name));
    }
    if credits <= 0 || credits > MAX_GRANT {
        return Ok(EventEffect::Ignored);
    }
    let description = format!("Bought {} (invoice {})", bought.join(", "), invoice.id);
    let key = format!("invoice:{}", invoice.id);
    let entry = Entry::Grant { event_id: &key, credits, description: &description };
    match repo::apply(&state.writer, &account_id, &entry, state.clock.now()).await.map_err(db("granting credits"))? {
        Applied::Done { .. } => Ok(EventEffect::Granted { account_id, credits }),
        Applied::AlreadyApplied => Ok(EventEffect::AlreadyApplied),
        Applied::Insufficient { .. } | Applied::UnknownAccount => {
            Err(AppError::internal("granting credits", "a grant was refused by the ledger"))
        }
    }
}

/// The most credits one invoice may grant: far past any real purchase (billing caps a line at 1,000
/// packs), far below where balances could overflow.
const MAX_GRANT: i64 = 1_000_000_000_000;

#[cfg(test)]
mod tests {
    use super::request_key;

    #[test]
    fn request_keys_are_stable_per_click_and_differ_per_request() {
        let a = request_key("carl", "0123456789abcdef", "top_up_now", &["pack", "1"]);
        assert_eq!(a, request_key("carl", "0123456789abcdef", "top_up_now", &["pack", "1"]));
        assert_ne!(a, request_key("carl", "0123456789abcdef", "top_up_now", &["pack", "2"]));
        assert_ne!(a, request_key("carl", "fedcba9876543210", "top_up_now", &["pack", "1"]));
        assert_ne!(a, request_key("gina", "0123456789abcdef", "top_up_now", &["pack", "1"]));
        assert!(a.len() <= 100);
    }
}
