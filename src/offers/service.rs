//! Offer use cases on the app side. Every billing call goes through the Billing port; every mutating
//! one carries the acceptance id (written first) as its idempotency key.

use crate::auth::model::CurrentUser;
use crate::billing::BillingError;
use crate::billing::payments::Authorization;
use crate::error::AppError;
use crate::keys;
use crate::state::AppState;
use crate::ui::payment::PaymentStart;
use growthkit_engine::safe_url;
use growthkit_wire::{ApiError, ItemPrice, OfferFulfillment};
use growthkit_wire::{
    ChangePlanRequest, CreateFulfillmentRequest, FULFILLMENT_EXISTS, FulfillmentStatus, OfferEventRequest,
    OfferEventType, PaymentMethod, PersonalizedOffer, PersonalizedOffersRequest, ProcessingType, RequestContext,
    UpdateFulfillmentRequest,
};

use super::model::{ADVANCED_ANALYTICS, Accepted, Gate, OfferButton, OfferView, Paid, UpgradeStatus, UpgradeView};
use super::repo::{self, Acceptance, NewAcceptance};
use super::sanitize;

/// Acceptances still open after this long are failed as abandoned (the documented reconciliation rule).
pub const ABANDON_AFTER_SECONDS: i64 = 24 * 3_600;

pub const ALREADY_ACCEPTED: &str = "This offer has already been accepted.";

/// Whether the account may use Advanced Analytics and, if not, the offer to show.
pub async fn gate(state: &AppState, user: &CurrentUser, context: RequestContext) -> Result<Gate, AppError> {
    if repo::has_feature(&state.pool, &user.account_id, ADVANCED_ANALYTICS).await? {
        return Ok(Gate::Unlocked);
    }
    let Some((customer_id, subscription_id)) = crate::auth::repo::billing_ids(&state.pool, &user.account_id).await?
    else {
        return Ok(Gate::Locked {
            offer: None,
            notice: Some("Your account has no subscription to upgrade yet.".into()),
        });
    };
    if let Some(open) = repo::latest_in_progress(&state.pool, &user.account_id).await? {
        let notice = if open.user_id == user.id {
            "You accepted the upgrade offer; finish the upgrade to unlock Advanced Analytics.".to_owned()
        } else {
            format!("{} accepted the upgrade offer; the upgrade is in progress.", open.user_name)
        };
        return Ok(Gate::Locked { offer: None, notice: Some(notice) });
    }

    let mut custom = serde_json::Map::new();
    custom.insert("has_advanced_analytics".into(), false.into());
    let request = PersonalizedOffersRequest {
        customer_id,
        subscription_id: Some(subscription_id),
        email: Some(user.email.clone()),
        external_user_id: Some(user.id.clone()),
        roles: vec![user.role.as_str().to_owned()],
        custom,
        request_context: Some(context),
        ..Default::default()
    };
    match state.billing.personalized_offers(&request).await {
        Ok(res) => Ok(Gate::Locked {
            offer: res.personalized_offers.into_iter().next().map(|o| offer_view(state, user, o)),
            notice: None,
        }),
        // Offers are a nicety: when billing is down the page still works, just without one.
        Err(err) => {
            tracing::warn!("no offer: billing did not answer: {err}");
            Ok(Gate::Locked { offer: None, notice: None })
        }
    }
}

/// A decided offer as the browser may see it: sanitized, and signed for this account.
pub fn offer_view(state: &AppState, user: &CurrentUser, offer: PersonalizedOffer) -> OfferView {
    OfferView {
        token: state.signer.sign(&[&user.account_id, &offer.id]),
        personalized_offer_id: offer.id,
        title_html: sanitize::offer_html(&offer.content.title),
        description_html: sanitize::offer_html(&offer.content.description),
        options: offer.options.into_iter().map(|o| OfferButton { id: o.id, label: o.label }).collect(),
        preview: false,
    }
}

fn check_token(state: &AppState, user: &CurrentUser, po_id: &str, token: &str) -> Result<(), AppError> {
    if state.signer.verify(&[&user.account_id, po_id], token) { Ok(()) } else { Err(AppError::forbidden()) }
}

/// Records that the user saw or dismissed the offer.
pub async fn record_event(
    state: &AppState,
    user: &CurrentUser,
    po_id: &str,
    token: &str,
    kind: OfferEventType,
) -> Result<(), AppError> {
    check_token(state, user, po_id, token)?;
    let event = OfferEventRequest { personalized_offer_id: po_id.to_owned(), event_type: kind };
    state.billing.record_offer_event(&event).await.map_err(AppError::from)
}

/// The upgrade page address for a fulfillment: the option's redirect path (this app's own page; of an
/// absolute URL only its path is kept), or our upgrade page when that is no path on this site.
fn upgrade_url(redirect: Option<&str>, fulfillment_id: &str) -> String {
    let path = redirect
        .map(|r| safe_url::web_url(r).map_or_else(|| r.to_owned(), |url| url.path().to_owned()))
        .and_then(|p| safe_url::local_path(&p))
        .map(|p| p.split(['?', '#']).next().unwrap_or_default().to_owned())
        .unwrap_or_else(|| "/upgrade/analytics".into());
    let id: String = form_urlencoded::byte_serialize(fulfillment_id.as_bytes()).collect();
    format!("{path}?fulfillment={id}")
}

/// Accepts an offer: the acceptance is written first, then billing creates the fulfillment with the
/// acceptance id as idempotency key. A double click finds the first acceptance; a second team member
/// is told the offer was already accepted.
pub async fn accept(
    state: &AppState,
    user: &CurrentUser,
    po_id: &str,
    option_id: &str,
    token: &str,
) -> Result<Accepted, AppError> {
    check_token(state, user, po_id, token)?;
    if option_id.trim().is_empty() || option_id.len() > 50 {
        return Err(AppError::invalid("Choose one of the offer's buttons."));
    }
    let now = state.clock.now();
    let id = keys::random_id("acc_");
    let fresh = NewAcceptance {
        id: &id,
        account_id: &user.account_id,
        user_id: &user.id,
        personalized_offer_id: po_id,
        option_id,
        now,
    };
    let acceptance = if repo::insert(&state.pool, &fresh).await? {
        id
    } else {
        let Some(existing) = repo::open_for_offer(&state.pool, &user.account_id, po_id).await? else {
            return Err(AppError::Conflict("Please try again.".into()));
        };
        if existing.user_id != user.id || existing.status == "completed" {
            return Ok(Accepted::AlreadyAccepted { message: ALREADY_ACCEPTED.into() });
        }
        if existing.fulfillment_id.is_some() {
            // The same user clicked again: continue with the fulfillment already created.
            return Ok(Accepted::Continue { url: continue_url(state, &existing) });
        }
        // An earlier attempt did not hear back from billing: retry with the same idempotency key.
        existing.id
    };

    let request = CreateFulfillmentRequest { personalized_offer_id: po_id.to_owned(), option_id: option_id.to_owned() };
    match state.billing.create_offer_fulfillment(&request, Some(&acceptance)).await {
        Ok(created) => {
            let f = created.offer_fulfillment;
            let upgrade = upgrade_url(f.redirect_url.as_deref(), &f.id);
            let (redirect, page_id) = match &created.hosted_page {
                Some(page) => (page.url.clone(), Some(page.id.as_str())),
                None => (upgrade.split('?').next().unwrap_or_default().to_owned(), None),
            };
            let started = repo::Started {
                fulfillment_id: &f.id,
                redirect_path: &redirect,
                processing_type: f.processing_type.as_str(),
                hosted_page_id: page_id,
            };
            repo::started(&state.pool, &acceptance, &started, now).await?;
            let mut acc =
                repo::by_fulfillment(&state.pool, &user.account_id, &f.id).await?.ok_or(AppError::Internal)?;
            // A billing update may already be applied (or refused) by the time billing answers.
            settle(state, &mut acc, &f).await?;
            Ok(Accepted::Continue { url: continue_url(state, &acc) })
        }
        Err(BillingError::Refused(e)) if e.message == FULFILLMENT_EXISTS => {
            repo::discard(&state.pool, &acceptance).await?;
            Ok(Accepted::AlreadyAccepted { message: ALREADY_ACCEPTED.into() })
        }
        Err(BillingError::Refused(e)) => {
            repo::discard(&state.pool, &acceptance).await?;
            tracing::warn!("billing refused an acceptance: {e}");
            Err(AppError::Conflict("This offer can no longer be accepted. Reload the page to see the latest.".into()))
        }
        Err(err) => Err(err.into()),
    }
}

fn status_of(a: &Acceptance) -> UpgradeStatus {
    match a.status.as_str() {
        "completed" => UpgradeStatus::Completed,
        "failed" => UpgradeStatus::Failed,
        _ => UpgradeStatus::InProgress,
    }
}

/// Whether the customer pays on our upgrade page: for options we fulfil from the browser (a URL redirect,
/// or an e-mail option, whose message billing sends while the customer carries on here).
fn pays_here(acc: &Acceptance) -> bool {
    [ProcessingType::UrlRedirect, ProcessingType::Email].iter().any(|t| t.as_str() == acc.processing_type)
}

/// Where the user goes after accepting: our upgrade page, billing's hosted checkout page, or — once the
/// upgrade is done — the unlocked feature.
fn continue_url(state: &AppState, acc: &Acceptance) -> String {
    let fid = acc.fulfillment_id.as_deref().unwrap_or_default();
    match (acc.status.as_str(), acc.processing_type.as_str()) {
        ("completed", _) => "/app/analytics?upgraded=1".into(),
        ("failed", _) => upgrade_url(acc.redirect_path.as_deref().filter(|_| acc.hosted_page_id.is_none()), fid),
        // Billing's hosted page, on billing's own host and nowhere else.
        (_, "checkout") => acc
            .redirect_path
            .as_deref()
            .and_then(|url| safe_url::allowed_url(url, &state.config.billing_hosts()))
            .unwrap_or_else(|| upgrade_url(None, fid)),
        _ => upgrade_url(acc.redirect_path.as_deref(), fid),
    }
}

/// Mirrors what billing finished: a fulfillment billing completed (a billing update or a paid checkout, or
/// our own completion after a crash) unlocks the feature; one billing failed fails the acceptance.
async fn settle(state: &AppState, acc: &mut Acceptance, f: &OfferFulfillment) -> Result<(), AppError> {
    if !matches!(acc.status.as_str(), "accepting" | "in_progress") {
        return Ok(());
    }
    let now = state.clock.now();
    match f.status {
        FulfillmentStatus::Failed => {
            let reason = failure_text(f);
            repo::failed(&state.pool, &acc.id, &reason, now).await?;
            acc.status = "failed".into();
            acc.failure_reason = Some(reason);
        }
        FulfillmentStatus::Completed => {
            repo::grant_feature(&state.pool, &acc.account_id, ADVANCED_ANALYTICS, &f.id, now).await?;
            if repo::completed(&state.pool, &acc.id, now).await? {
                acc.status = "completed".into();
            }
        }
        FulfillmentStatus::InProgress => {}
    }
    Ok(())
}

/// Where the upgrade behind `key` — a fulfillment id, or the hosted checkout page billing returned the user
/// from — stands, refreshed from billing while it is open.
pub async fn upgrade_view(state: &AppState, user: &CurrentUser, key: &str) -> Result<UpgradeView, AppError> {
    let found = match repo::by_fulfillment(&state.pool, &user.account_id, key).await? {
        Some(acc) => Some(acc),
        None => repo::by_hosted_page(&state.pool, &user.account_id, key).await?,
    };
    let mut acc = found.ok_or_else(|| AppError::NotFound("That upgrade could not be found.".into()))?;
    let fulfillment_id = acc.fulfillment_id.clone().unwrap_or_default();
    if acc.status == "in_progress" {
        match state.billing.retrieve_offer_fulfillment(&fulfillment_id).await {
            Ok(f) => settle(state, &mut acc, &f).await?,
            Err(err) => tracing::warn!("could not refresh fulfillment {fulfillment_id}: {err}"),
        }
    }
    let plan = upgrade_plan(state).await?;
    Ok(UpgradeView {
        fulfillment_id,
        status: status_of(&acc),
        pays_here: pays_here(&acc),
        failure_reason: acc.failure_reason,
        plan_name: plan.name,
        price: plan.price,
        currency: plan.currency_code,
    })
}

/// The plan the upgrade sells (`GROWTHKIT_UPGRADE_PLAN`), as the catalog prices it.
async fn upgrade_plan(state: &AppState) -> Result<ItemPrice, AppError> {
    let wanted = &state.config.upgrade_plan;
    match state.billing.retrieve_item_price(wanted).await {
        Ok(plan) if plan.item_type == "plan" => Ok(plan),
        Ok(_) | Err(BillingError::Refused(ApiError { http_status_code: 404, .. })) => {
            tracing::error!("the upgrade plan {wanted} (GROWTHKIT_UPGRADE_PLAN) is not a plan in the catalog");
            Err(AppError::Internal)
        }
        Err(e) => Err(e.into()),
    }
}

fn failure_text(f: &OfferFulfillment) -> String {
    f.error.as_ref().map(|e| e.message.clone()).unwrap_or_else(|| "The upgrade failed.".into())
}

/// Marks the acceptance and its fulfillment failed with `reason`. A fulfillment billing already
/// finished (e.g. by the 7-day rule) is left as billing has it.
async fn fail(state: &AppState, acc: &Acceptance, reason: &str) -> Result<(), AppError> {
    if let Some(fid) = &acc.fulfillment_id {
        let update = UpdateFulfillmentRequest {
            id: fid.clone(),
            status: FulfillmentStatus::Failed,
            failure_reason: Some(reason.to_owned()),
        };
        match state.billing.update_offer_fulfillment(&update, Some(&format!("{}-fail", acc.id))).await {
            Ok(_) | Err(BillingError::Refused(_)) => {}
            Err(err) => return Err(err.into()),
        }
    }
    repo::failed(&state.pool, &acc.id, reason, state.clock.now()).await?;
    Ok(())
}

/// The acceptance to pay for: the one behind `fulfillment_id`, or — after it failed — a fresh one for the
/// same offer (a retry), reusing an open retry if the user already started one.
async fn payable(state: &AppState, user: &CurrentUser, fulfillment_id: &str) -> Result<Acceptance, AppError> {
    let acc = repo::by_fulfillment(&state.pool, &user.account_id, fulfillment_id)
        .await?
        .ok_or_else(|| AppError::NotFound("That upgrade could not be found.".into()))?;
    if !pays_here(&acc) {
        return Err(AppError::Conflict("This upgrade is not paid on this page.".into()));
    }
    if acc.status != "failed" {
        return Ok(acc);
    }
    // A retry already started (or finished) from this page: carry on with it.
    if let Some(retry) = repo::open_for_offer(&state.pool, &user.account_id, &acc.personalized_offer_id).await? {
        return Ok(retry);
    }
    let token = state.signer.sign(&[&user.account_id, &acc.personalized_offer_id]);
    match accept(state, user, &acc.personalized_offer_id, &acc.option_id, &token).await? {
        Accepted::AlreadyAccepted { message } => Err(AppError::Conflict(message)),
        Accepted::Continue { .. } => repo::open_for_offer(&state.pool, &user.account_id, &acc.personalized_offer_id)
            .await?
            .ok_or(AppError::Internal),
    }
}

/// A payment intent for the upgrade plan's price, for the browser to authorize with the card before `pay`.
pub async fn start_payment(
    state: &AppState,
    user: &CurrentUser,
    fulfillment_id: &str,
) -> Result<PaymentStart, AppError> {
    let acc = payable(state, user, fulfillment_id).await?;
    if acc.status == "completed" {
        return Err(AppError::Conflict("This upgrade is paid for already.".into()));
    }
    let plan = state.billing.retrieve_item_price(&state.config.upgrade_plan).await?;
    crate::billing::payments::start(state, plan.price, &plan.currency_code).await
}

/// Pays for the upgrade with the intent the browser authorized: plan change → entitlement → fulfillment
/// completed. A decline or provisioning error fails the fulfillment with the reason.
pub async fn pay(
    state: &AppState,
    user: &CurrentUser,
    fulfillment_id: &str,
    payment_intent_id: &str,
) -> Result<Paid, AppError> {
    let acc = payable(state, user, fulfillment_id).await?;
    if acc.status == "completed" {
        return Ok(Paid::Unlocked { url: "/app/analytics?upgraded=1".into() });
    }
    let Some(fid) = acc.fulfillment_id.clone() else {
        return Err(AppError::Conflict("The upgrade is still starting. Please try again in a moment.".into()));
    };
    let (_, subscription_id) = crate::auth::repo::billing_ids(&state.pool, &user.account_id)
        .await?
        .ok_or_else(|| AppError::Conflict("Your account has no subscription to upgrade.".into()))?;
    let charged = match crate::billing::payments::authorization(state, payment_intent_id).await? {
        Authorization::Ready(payment) => {
            let plan_item_price_id = state.config.upgrade_plan.clone();
            let change = ChangePlanRequest { subscription_id, plan_item_price_id, payment };
            state.billing.change_plan(&change, Some(&format!("{}-pay", acc.id))).await.map(drop)
        }
        Authorization::Declined(decline) => Err(BillingError::Refused(decline)),
    };
    if let Err(BillingError::Refused(e)) = &charged
        && e.param.as_deref().is_some_and(|p| p.starts_with("card["))
    {
        // A mistyped card is not a failed upgrade: nothing was charged, the user corrects it.
        return Err(AppError::invalid(e.message.clone()));
    }
    after_charge(state, &acc, &fid, charged).await
}

/// After the plan change was tried: entitlement → fulfillment completed, or the fulfillment failed with
/// the reason (a decline, or billing refusing the change).
async fn after_charge(
    state: &AppState,
    acc: &Acceptance,
    fid: &str,
    charged: Result<(), BillingError>,
) -> Result<Paid, AppError> {
    match charged {
        Ok(()) => {}
        Err(BillingError::Refused(e)) => {
            let reason = if e.http_status_code == 402 {
                format!("Payment declined: {}", e.message.trim_start_matches("Payment failed: "))
            } else {
                format!("Provisioning failed: {}", e.message)
            };
            fail(state, acc, &reason).await?;
            return Ok(Paid::Failed { reason });
        }
        Err(err) => return Err(err.into()),
    }

    let now = state.clock.now();
    if let Err(err) = repo::grant_feature(&state.pool, &acc.account_id, ADVANCED_ANALYTICS, fid, now).await {
        tracing::error!("granting Advanced Analytics after payment: {err}");
        let reason = "Provisioning failed: Advanced Analytics could not be enabled.".to_owned();
        fail(state, acc, &reason).await?;
        return Ok(Paid::Failed { reason });
    }
    let complete =
        UpdateFulfillmentRequest { id: fid.to_owned(), status: FulfillmentStatus::Completed, failure_reason: None };
    match state.billing.update_offer_fulfillment(&complete, Some(&format!("{}-complete", acc.id))).await {
        Ok(_) => {}
        // The customer paid and has the feature; billing's record catching up is not their problem.
        Err(err) => tracing::error!("marking fulfillment completed: {err}"),
    }
    repo::completed(&state.pool, &acc.id, now).await?;
    Ok(Paid::Unlocked { url: "/app/analytics?upgraded=1".into() })
}

/// A `webhook` option was accepted and billing told us (`offer_fulfillment_created`): our server fulfils it
/// — the plan change with the card on file, then the entitlement — and reports the outcome. Only the
/// fulfillment id is taken from the event; its state comes from billing, so a forged or replayed event
/// changes nothing.
pub async fn on_fulfillment_event(state: &AppState, fulfillment_id: &str) -> Result<(), AppError> {
    let f = match state.billing.retrieve_offer_fulfillment(fulfillment_id).await {
        Ok(f) => f,
        Err(BillingError::Refused(e)) if e.http_status_code == 404 || e.http_status_code == 400 => {
            tracing::warn!(fulfillment_id, "fulfillment event for a fulfillment billing does not know");
            return Ok(());
        }
        Err(err) => return Err(err.into()),
    };
    if f.processing_type != ProcessingType::Webhook || f.status != FulfillmentStatus::InProgress {
        return Ok(());
    }
    let Some(acc) = repo::open_for_offer_id(&state.pool, &f.personalized_offer_id).await? else {
        tracing::warn!(fulfillment_id, "no acceptance here for this fulfillment");
        return Ok(());
    };
    // The event can outrun the acceptance's own record of billing's answer.
    let started = repo::Started {
        fulfillment_id: &f.id,
        redirect_path: "/upgrade/analytics",
        processing_type: f.processing_type.as_str(),
        hosted_page_id: None,
    };
    repo::started(&state.pool, &acc.id, &started, state.clock.now()).await?;
    let acc = repo::by_fulfillment(&state.pool, &acc.account_id, &f.id).await?.ok_or(AppError::Internal)?;
    if acc.status != "in_progress" {
        return Ok(());
    }
    let charged = match crate::auth::repo::billing_ids(&state.pool, &acc.account_id).await? {
        Some((_, subscription_id)) => {
            let change = ChangePlanRequest {
                subscription_id,
                plan_item_price_id: state.config.upgrade_plan.clone(),
                payment: PaymentMethod::OnFile,
            };
            state.billing.change_plan(&change, Some(&format!("{}-pay", acc.id))).await.map(drop)
        }
        None => {
            Err(BillingError::Refused(ApiError::invalid_state(None, "The account has no subscription to upgrade.")))
        }
    };
    after_charge(state, &acc, &f.id, charged).await.map(drop)
}

/// The reconciliation job: acceptances still open a day after they started are failed as abandoned
/// (the user closed the tab). Returns how many were settled.
pub async fn reconcile_abandoned(state: &AppState) -> Result<usize, AppError> {
    let cutoff = state.clock.now() - ABANDON_AFTER_SECONDS;
    let stale = repo::stale(&state.pool, cutoff, 100).await?;
    for acc in &stale {
        if let Some(fid) = &acc.fulfillment_id
            && let Ok(f) = state.billing.retrieve_offer_fulfillment(fid).await
            && f.status != FulfillmentStatus::InProgress
        {
            settle(state, &mut acc.clone(), &f).await?;
            continue;
        }
        fail(state, acc, "Abandoned: the upgrade was not finished within 24 hours.").await?;
    }
    if !stale.is_empty() {
        tracing::info!(count = stale.len(), "settled abandoned upgrade acceptances");
    }
    Ok(stale.len())
}

#[cfg(test)]
mod tests {
    use super::upgrade_url;

    #[test]
    fn upgrade_urls_stay_in_this_app() {
        assert_eq!(upgrade_url(Some("/upgrade/analytics"), "ful_1"), "/upgrade/analytics?fulfillment=ful_1");
        assert_eq!(
            upgrade_url(Some("https://app.example.com/upgrade/analytics?x=1"), "ful_1"),
            "/upgrade/analytics?fulfillment=ful_1"
        );
        // Paths a browser would take off the site (an offer saved before they were refused).
        for escape in
            ["//evil.test/x", "/\\evil.test/x", "/\t/evil.test", "/\n/evil.test", "https://evil.test//evil.test"]
        {
            assert_eq!(upgrade_url(Some(escape), "ful_1"), "/upgrade/analytics?fulfillment=ful_1", "{escape:?}");
        }
        assert_eq!(upgrade_url(None, "a b"), "/upgrade/analytics?fulfillment=a+b");
    }
}
