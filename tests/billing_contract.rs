//! One contract, two adapters: the in-process engine and the reqwest Chargebee client talking over real
//! HTTP to the engine on a loopback port must behave identically, and the client must behave the same on
//! a product catalog 1.0 site. Each behaviour is its own test, run per adapter on a fresh server
//! (`decisions::in_process`, `decisions::over_http`, `decisions::over_http_v1`, …), so one failure hides
//! no other.
#![cfg(feature = "ssr")]

mod common;

use std::sync::Arc;

use common::{API_KEY, T0, TestApp, spawn, spawn_with};
use growthkit::billing::chargebee::{ChargebeeClient, Endpoint};
use growthkit::billing::local::LocalEngine;
use growthkit::billing::{Billing, BillingError};
use growthkit_wire::{
    AddonCharge, AddonQuantity, CardDetails, CatalogVersion, ChangePlanRequest, CreateFulfillmentRequest,
    CreateGiftRequest, CreateSubscriptionRequest, FULFILLMENT_EXISTS, FulfillmentStatus, GiftQuery, ItemPriceQuery,
    NewCustomer, NewPaymentIntent, OfferEventRequest, OfferEventType, PaymentMethod, PersonalizedOffer,
    PersonalizedOffersRequest, ShippingAddress, SubscriptionCreated, SubscriptionCustomer, UpdateFulfillmentRequest,
};

fn offer_request(has_advanced_analytics: bool) -> PersonalizedOffersRequest {
    let mut custom = serde_json::Map::new();
    custom.insert("has_advanced_analytics".into(), has_advanced_analytics.into());
    PersonalizedOffersRequest {
        customer_id: "demo_acme".into(),
        subscription_id: Some("demo_acme_sub".into()),
        custom,
        ..Default::default()
    }
}

async fn local(app: &TestApp) -> Arc<dyn Billing> {
    Arc::new(LocalEngine::new(app.state.engine.clone()))
}

async fn http(app: &TestApp) -> Arc<dyn Billing> {
    Arc::new(ChargebeeClient::new(Endpoint::single(&app.base), API_KEY).unwrap())
}

/// Declares a behaviour's two tests: `<behaviour>::in_process` and `<behaviour>::over_http`.
macro_rules! contract {
    ($($behaviour:ident),* $(,)?) => {$(
        mod $behaviour {
            use super::*;

            #[tokio::test]
            async fn in_process() {
                let app = spawn().await;
                super::$behaviour(&app, local(&app).await).await;
            }

            #[tokio::test]
            async fn over_http() {
                let app = spawn().await;
                super::$behaviour(&app, http(&app).await).await;
            }

            #[tokio::test]
            async fn over_http_v1() {
                let app = spawn_with(&[("GROWTHKIT_PRODUCT_CATALOG", "v1")]).await;
                super::$behaviour(&app, http(&app).await).await;
            }
        }
    )*};
}

contract!(
    decisions,
    payment_intents,
    offer_events,
    fulfillments,
    plan_change,
    credit_catalog,
    credit_subscription,
    addon_charges,
    term_end_cancellation,
    renewal,
    gift_customers,
    scheduled_gift,
    gift_claim,
    gift_lists,
);

fn card(number: &str) -> CardDetails {
    CardDetails { number: number.into(), expiry_month: 12, expiry_year: 2030, cvv: "123".into() }
}

/// What the app pays with: an intent for `amount` cents created through the port, authorized with `number`
/// at the engine's card endpoint as a browser would (a declined or unreadable card leaves it unauthorized).
async fn intent(app: &TestApp, billing: &Arc<dyn Billing>, amount: i64, number: &str) -> PaymentMethod {
    let req = NewPaymentIntent { amount, currency_code: "USD".into(), customer_id: None };
    let intent = billing.create_payment_intent(&req).await.unwrap();
    assert_eq!((intent.status.as_str(), intent.amount), ("inited", amount));
    app.authorize_card(&intent.id, number).await;
    PaymentMethod::Intent(intent.id)
}

/// Intents as the browser and the server see them: created `inited`; a declined card leaves the refusal on
/// the intent (still `inited`), which then pays nothing; an approved one is `authorized`, pays exactly its
/// amount once, and reads `consumed` after.
async fn payment_intents(app: &TestApp, billing: Arc<dyn Billing>) {
    let PaymentMethod::Intent(declined) = intent(app, &billing, 7_900, "4000000000000002").await else { panic!() };
    let seen = billing.retrieve_payment_intent(&declined).await.unwrap();
    let attempt = seen.active_payment_attempt.clone().expect("the refused attempt");
    assert_eq!((seen.status.as_str(), attempt.status.as_str()), ("inited", "refused"));
    assert_eq!(attempt.error_code.as_deref(), Some("card_declined"));
    assert_eq!(seen.unusable().unwrap().http_status_code, 402);

    let change = |payment: PaymentMethod| ChangePlanRequest {
        subscription_id: "demo_acme_sub".into(),
        plan_item_price_id: "growth-plus-USD-monthly".into(),
        payment,
    };
    let short = intent(app, &billing, 100, "4111111111111111").await;
    let err = billing.change_plan(&change(short), None).await.unwrap_err();
    assert_eq!(err.refusal().unwrap().param.as_deref(), Some("payment_intent[id]"), "{err}");
    let good = intent(app, &billing, 7_900, "4111111111111111").await;
    let PaymentMethod::Intent(id) = good.clone() else { panic!() };
    assert_eq!(billing.retrieve_payment_intent(&id).await.unwrap().status, "authorized");
    billing.change_plan(&change(good), Some("contract-intent")).await.unwrap();
    assert_eq!(billing.retrieve_payment_intent(&id).await.unwrap().status, "consumed");
    let err = billing.retrieve_payment_intent("pi_missing").await.unwrap_err();
    assert_eq!(err.refusal().unwrap().http_status_code, 404);
}

/// At most one offer, stable for the same request; an unknown customer is a 404 naming the parameter.
async fn decisions(_: &TestApp, billing: Arc<dyn Billing>) {
    let none = billing.personalized_offers(&offer_request(true)).await.unwrap();
    assert!(none.personalized_offers.is_empty());
    let decided = billing.personalized_offers(&offer_request(false)).await.unwrap();
    assert_eq!(decided.expires_at, Some(T0 + 86_400));
    let offer = decided.personalized_offers[0].clone();
    assert_eq!(offer.offer_id, "offer_advanced_analytics");
    assert_eq!(billing.personalized_offers(&offer_request(false)).await.unwrap().personalized_offers[0].id, offer.id);

    let mut unknown = offer_request(false);
    unknown.customer_id = "nobody".into();
    let err = billing.personalized_offers(&unknown).await.unwrap_err();
    let refusal = err.refusal().expect("a refusal, not an outage");
    assert_eq!((refusal.http_status_code, refusal.api_error_code.as_str()), (404, "resource_not_found"));
    assert_eq!(refusal.param.as_deref(), Some("customer_id"));
}

/// The offer the demo customer is decided.
async fn decided_offer(billing: &Arc<dyn Billing>) -> PersonalizedOffer {
    billing.personalized_offers(&offer_request(false)).await.unwrap().personalized_offers[0].clone()
}

/// Viewed, then dismissed hides the offer for the 3-day cooldown; afterwards it is back with its id.
async fn offer_events(app: &TestApp, billing: Arc<dyn Billing>) {
    let offer = decided_offer(&billing).await;
    let event = |t| OfferEventRequest { personalized_offer_id: offer.id.clone(), event_type: t };
    billing.record_offer_event(&event(OfferEventType::Viewed)).await.unwrap();
    billing.record_offer_event(&event(OfferEventType::Dismissed)).await.unwrap();
    assert!(billing.personalized_offers(&offer_request(false)).await.unwrap().personalized_offers.is_empty());
    app.state.engine.travel_by(3 * 86_400).await.unwrap();
    assert_eq!(decided_offer(&billing).await.id, offer.id);
}

/// Create (idempotently), refuse a second, retrieve, require a reason to fail, complete once, and
/// refuse any change to a terminal fulfillment.
async fn fulfillments(app: &TestApp, billing: Arc<dyn Billing>) {
    let offer = decided_offer(&billing).await;
    let create = CreateFulfillmentRequest { personalized_offer_id: offer.id.clone(), option_id: "unlock_now".into() };
    let f = billing.create_offer_fulfillment(&create, Some("contract-accept")).await.unwrap().offer_fulfillment;
    assert_eq!(f.status, FulfillmentStatus::InProgress);
    let replayed = billing.create_offer_fulfillment(&create, Some("contract-accept")).await.unwrap().offer_fulfillment;
    assert_eq!(replayed, f, "same key, same answer");
    let err = billing.create_offer_fulfillment(&create, None).await.unwrap_err();
    assert_eq!(err.refusal().unwrap().message, FULFILLMENT_EXISTS);
    assert_eq!(billing.retrieve_offer_fulfillment(&f.id).await.unwrap(), f);

    let fail_without_reason =
        UpdateFulfillmentRequest { id: f.id.clone(), status: FulfillmentStatus::Failed, failure_reason: None };
    let err = billing.update_offer_fulfillment(&fail_without_reason, None).await.unwrap_err();
    assert_eq!(err.refusal().unwrap().param.as_deref(), Some("failure_reason"));

    app.state.engine.travel_by(86_400).await.unwrap();
    let complete =
        UpdateFulfillmentRequest { id: f.id.clone(), status: FulfillmentStatus::Completed, failure_reason: None };
    let done = billing.update_offer_fulfillment(&complete, Some("contract-complete")).await.unwrap();
    assert_eq!(done.status, FulfillmentStatus::Completed);
    assert_eq!(done.completed_at, Some(T0 + 86_400));
    assert_eq!(billing.update_offer_fulfillment(&complete, Some("contract-complete")).await.unwrap(), done);
    let err = billing.update_offer_fulfillment(&complete, None).await.unwrap_err();
    assert_eq!(err.refusal().unwrap().api_error_code, "invalid_state_for_request");

    let err = billing.retrieve_offer_fulfillment("ful_missing").await.unwrap_err();
    assert_eq!(err.refusal().unwrap().http_status_code, 404);
}

/// With the test gateway: a decline changes nothing, an intent the card never authorized pays nothing, an
/// approval moves the plan once (replays answer the same), and a repeat without a key is refused.
async fn plan_change(app: &TestApp, billing: Arc<dyn Billing>) {
    let change = |payment: PaymentMethod| ChangePlanRequest {
        subscription_id: "demo_acme_sub".into(),
        plan_item_price_id: "growth-plus-USD-monthly".into(),
        payment,
    };
    let declined = change(intent(app, &billing, 7_900, "4000 0000 0000 0002").await);
    let err = billing.change_plan(&declined, Some("contract-declined")).await.unwrap_err();
    let refusal = err.refusal().unwrap();
    assert_eq!((refusal.http_status_code, refusal.api_error_code.as_str()), (402, "payment_processing_failed"));
    let sub = billing.retrieve_subscription("demo_acme_sub").await.unwrap();
    assert_eq!(sub.subscription_items[0].item_price_id, "growth-USD-monthly");

    let unreadable = change(intent(app, &billing, 7_900, "5555555555554444").await);
    let err = billing.change_plan(&unreadable, None).await.unwrap_err();
    assert_eq!(err.refusal().unwrap().param.as_deref(), Some("payment_intent[id]"));

    let approved = change(intent(app, &billing, 7_900, "4111 1111 1111 1111").await);
    let paid = billing.change_plan(&approved, Some("contract-upgrade")).await.unwrap();
    assert_eq!(paid.subscription.subscription_items[0].item_price_id, "growth-plus-USD-monthly");
    assert_eq!((paid.invoice.status.as_str(), paid.invoice.total, paid.invoice.amount_due), ("paid", 7_900, 0));
    assert_eq!(billing.change_plan(&approved, Some("contract-upgrade")).await.unwrap(), paid);
    let err = billing.change_plan(&approved, None).await.unwrap_err();
    assert!(err.refusal().unwrap().message.contains("already on this plan"));
    assert_eq!(billing.retrieve_subscription("demo_acme_sub").await.unwrap(), paid.subscription);
    let err = billing.retrieve_subscription("nope").await.unwrap_err();
    assert_eq!(err.refusal().unwrap().http_status_code, 404);
}

/// Credit packs are per-unit one-off prices of the credits family (addons on 1.0, charge items on 2.0),
/// with their credits in `metadata`.
async fn credit_catalog(app: &TestApp, billing: Arc<dyn Billing>) {
    let pack_type = match app.state.engine.catalog_version() {
        CatalogVersion::V1 => "addon",
        CatalogVersion::V2 => "charge",
    };
    let query = ItemPriceQuery {
        item_type: Some(pack_type.into()),
        item_family_id: Some("credits".into()),
        ..ItemPriceQuery::default()
    };
    let packs = billing.list_item_prices(&query).await.unwrap();
    assert_eq!(
        packs.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["credit-pack-100-USD", "credit-pack-500-USD", "credit-pack-2000-USD"]
    );
    assert_eq!(packs[1].metadata.as_ref().unwrap()["credits"], 500);
    assert_eq!(packs[1].pricing_model, "per_unit");
    assert!(packs.iter().all(|p| p.item_type == pack_type && p.period.is_none()));
    let plans = ItemPriceQuery { item_type: Some("plan".into()), ..query };
    let plans = billing.list_item_prices(&plans).await.unwrap();
    assert_eq!(
        plans.iter().map(|p| p.id.as_str()).collect::<Vec<_>>(),
        ["credits-starter-USD-monthly", "credits-pro-USD-monthly"]
    );
    let growth = billing.retrieve_item_price("growth-plus-USD-monthly").await.unwrap();
    assert_eq!((growth.item_type.as_str(), growth.price, growth.period), ("plan", 7_900, Some(1)));
}

fn credit_signup(payment: PaymentMethod) -> CreateSubscriptionRequest {
    CreateSubscriptionRequest {
        customer: SubscriptionCustomer::New {
            id: "cus_contract".into(),
            email: "c@example.test".into(),
            first_name: "Con".into(),
            last_name: "Tract".into(),
        },
        plan_id: "credits-starter-USD-monthly".into(),
        addons: vec![AddonQuantity { id: "credit-pack-500-USD".into(), quantity: 2 }],
        payment,
    }
}

/// A paid credits subscription (a $0 plan and two 500-credit packs).
async fn credits_subscription(billing: &Arc<dyn Billing>) -> SubscriptionCreated {
    let signup = credit_signup(PaymentMethod::Card(card("4111111111111111")));
    billing.create_subscription(&signup, Some("contract-credit")).await.unwrap()
}

/// A decline creates no subscription; an approval invoices plan and packs once, however often it is replayed,
/// whether the card came with the call or through an intent the browser authorized.
async fn credit_subscription(app: &TestApp, billing: Arc<dyn Billing>) {
    for declined in ["4000000000000002", "4000000000009995"] {
        let signup = credit_signup(intent(app, &billing, 8_000, declined).await);
        let err = billing.create_subscription(&signup, Some(&format!("contract-{declined}"))).await;
        assert_eq!(err.unwrap_err().refusal().unwrap().http_status_code, 402);
    }
    let signup = credit_signup(intent(app, &billing, 8_000, "4111111111111111").await);
    let created = billing.create_subscription(&signup, Some("contract-credit")).await.unwrap();
    assert_eq!((created.invoice.total, created.invoice.status.as_str()), (8_000, "paid"));
    assert_eq!(created.customer.id, "cus_contract");
    let packs = &created.invoice.line_items[1];
    assert_eq!((packs.entity_id.as_str(), packs.quantity, packs.amount), ("credit-pack-500-USD", 2, 8_000));
    assert_eq!(billing.create_subscription(&signup, Some("contract-credit")).await.unwrap(), created);
}

fn top_up(subscription_id: &str) -> AddonCharge {
    AddonCharge { subscription_id: subscription_id.into(), addon_id: "credit-pack-100-USD".into(), addon_quantity: 3 }
}

/// An addon charged now is invoiced and paid with the card on file; one kept for term end shows in the
/// estimate and as an unbilled charge. Replays add nothing; a zero quantity names its parameter.
async fn addon_charges(_: &TestApp, billing: Arc<dyn Billing>) {
    let sub = credits_subscription(&billing).await.subscription.id;
    let charge = top_up(&sub);
    let now = billing.charge_addon(&charge, Some("contract-topup")).await.unwrap();
    assert_eq!((now.total, now.line_items[0].quantity), (3_000, 3));
    assert_eq!(billing.charge_addon(&charge, Some("contract-topup")).await.unwrap(), now);
    let bad = AddonCharge { addon_quantity: 0, ..charge.clone() };
    let param = billing.charge_addon(&bad, None).await.unwrap_err().refusal().unwrap().param.clone().unwrap();
    // Each catalog version names the quantity its own way: `addon_quantity`, `item_prices[quantity][0]`.
    assert!(["addon_quantity", "item_prices[quantity][0]"].contains(&param.as_str()), "{param}");

    let due = billing.charge_addon_at_term_end(&charge, Some("contract-later")).await.unwrap();
    let term_end = billing.retrieve_subscription(&sub).await.unwrap().current_term_end;
    assert_eq!(due, term_end, "billed with the renewal");
    assert_eq!(billing.charge_addon_at_term_end(&charge, Some("contract-later")).await.unwrap(), due);
    let kept = billing.list_unbilled_charges(&sub).await.unwrap();
    assert_eq!(kept.len(), 1, "the replay kept no second charge");
    assert_eq!((kept[0].entity_id.as_str(), kept[0].amount), ("credit-pack-100-USD", 3_000));
    assert_eq!(billing.list_invoices(&sub, 10).await.unwrap().len(), 2);
}

/// Cancel at term end (`non_renewing` until then), take it back, and refuse taking back what is not
/// scheduled; each replay answers the same.
async fn term_end_cancellation(_: &TestApp, billing: Arc<dyn Billing>) {
    let created = credits_subscription(&billing).await;
    let sub = created.subscription.id.clone();
    let cancelled = billing.cancel_subscription(&sub, true, Some("contract-stop")).await.unwrap();
    assert_eq!(cancelled.status, "non_renewing");
    assert_eq!(cancelled.cancelled_at, created.subscription.current_term_end);
    assert_eq!(billing.cancel_subscription(&sub, true, Some("contract-stop")).await.unwrap(), cancelled);
    let kept = billing.remove_scheduled_cancellation(&sub, Some("contract-undo")).await.unwrap();
    assert_eq!((kept.status.as_str(), kept.cancelled_at), ("active", None));
    assert_eq!(billing.remove_scheduled_cancellation(&sub, Some("contract-undo")).await.unwrap(), kept);
    let err = billing.remove_scheduled_cancellation(&sub, None).await.unwrap_err();
    assert_eq!(err.refusal().unwrap().api_error_code, "invalid_state_for_request");
}

/// At term end the kept charge is invoiced with the plan and paid with the card on file.
async fn renewal(app: &TestApp, billing: Arc<dyn Billing>) {
    let sub = credits_subscription(&billing).await.subscription.id;
    billing.charge_addon_at_term_end(&top_up(&sub), Some("contract-later")).await.unwrap();
    app.state.engine.travel_by(30 * 86_400 + 1).await.unwrap();
    assert!(billing.list_unbilled_charges(&sub).await.unwrap().is_empty());
    let latest = &billing.list_invoices(&sub, 1).await.unwrap()[0];
    assert_eq!((latest.total, latest.status.as_str()), (3_000, "paid"));
}

/// The gifter and the recipient, who must exist before a gift.
async fn create_gift_customers(billing: &Arc<dyn Billing>) {
    for (id, email) in [("contract_gifter", "gifter@example.com"), ("contract_rita", "rita@example.com")] {
        let c =
            NewCustomer { id: id.into(), email: email.into(), first_name: "Ada".into(), last_name: "Lovelace".into() };
        billing.create_customer(&c, Some(&format!("contract-customer-{id}"))).await.unwrap();
    }
}

/// Customers are created once per key and retrieved; an unknown one is a 404. Gift settings start at
/// Chargebee's defaults.
async fn gift_customers(_: &TestApp, billing: Arc<dyn Billing>) {
    let missing = billing.retrieve_customer("nobody_here").await.unwrap_err();
    assert_eq!(missing.refusal().unwrap().http_status_code, 404);
    let c = NewCustomer {
        id: "contract_gifter".into(),
        email: "gifter@example.com".into(),
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
    };
    let made = billing.create_customer(&c, Some("contract-customer")).await.unwrap();
    assert_eq!(made.email.as_deref(), Some("gifter@example.com"));
    assert_eq!(billing.create_customer(&c, Some("contract-customer")).await.unwrap(), made);
    assert_eq!(billing.retrieve_customer("contract_gifter").await.unwrap().id, "contract_gifter");
    let settings = billing.gift_settings().await.unwrap();
    assert!(settings.enabled && !settings.auto_claim);
}

fn gift(scheduled_at: Option<i64>) -> CreateGiftRequest {
    CreateGiftRequest {
        gifter_customer_id: "contract_gifter".into(),
        signature: "Ada".into(),
        note: Some("Happy birthday".into()),
        payment: PaymentMethod::Card(card("4111111111111111")),
        receiver_customer_id: "contract_rita".into(),
        receiver_first_name: "Rita".into(),
        receiver_last_name: "Recipient".into(),
        receiver_email: "rita@example.com".into(),
        scheduled_at,
        auto_claim: None,
        no_expiry: None,
        claim_expiry_date: None,
        item_price_id: "gift-growth-3m-USD".into(),
        shipping_address: None,
    }
}

/// A paid gift scheduled for tomorrow waits with a `future` subscription: no claim yet, a new date only
/// between now and its expiry, and a cancel that cancels the subscription too.
async fn scheduled_gift(_: &TestApp, billing: Arc<dyn Billing>) {
    create_gift_customers(&billing).await;
    let later = billing.create_gift(&gift(Some(T0 + 86_400)), Some("contract-gift-later")).await.unwrap();
    assert_eq!((later.gift.status.as_str(), later.subscription.status.as_str()), ("scheduled", "future"));
    assert_eq!(later.subscription.gift_id.as_deref(), Some(later.gift.id.as_str()));
    assert_eq!(later.invoice.as_ref().map(|i| i.total), Some(12_000));
    let replay = billing.create_gift(&gift(Some(T0 + 86_400)), Some("contract-gift-later")).await.unwrap();
    assert_eq!(replay.gift.id, later.gift.id, "the same key buys once");

    let early = billing.claim_gift(&later.gift.id, None, None).await.unwrap_err();
    assert_eq!(early.refusal().unwrap().http_status_code, 400);
    let past = billing.update_gift(&later.gift.id, T0 - 60, None).await.unwrap_err();
    assert_eq!(past.refusal().unwrap().param.as_deref(), Some("scheduled_at"));
    let moved = billing.update_gift(&later.gift.id, T0 + 2 * 86_400, Some("contract-move")).await.unwrap();
    assert_eq!(moved.gift.scheduled_at, T0 + 2 * 86_400);
    let cancelled = billing.cancel_gift(&later.gift.id, Some("contract-cancel")).await.unwrap();
    assert_eq!((cancelled.gift.status.as_str(), cancelled.subscription.status.as_str()), ("cancelled", "cancelled"));
}

/// A gift sent now is claimed once, with the recipient's shipping address kept; a second claim is refused.
async fn gift_claim(app: &TestApp, billing: Arc<dyn Billing>) {
    create_gift_customers(&billing).await;
    let now = billing.create_gift(&gift(None), Some("contract-gift-now")).await.unwrap();
    assert_eq!(now.gift.status, "unclaimed");
    let address = ShippingAddress {
        first_name: "Rita".into(),
        last_name: "Recipient".into(),
        line1: "1 Main St".into(),
        city: "Springfield".into(),
        zip: "12345".into(),
        country: "US".into(),
        ..ShippingAddress::default()
    };
    let claimed = billing.claim_gift(&now.gift.id, Some(&address), Some("contract-claim")).await.unwrap();
    assert_eq!((claimed.gift.status.as_str(), claimed.subscription.status.as_str()), ("claimed", "non_renewing"));
    assert_eq!(billing.claim_gift(&now.gift.id, Some(&address), Some("contract-claim")).await.unwrap(), claimed);
    assert_eq!(app.state.engine.gift_shipping_address(&now.gift.id).await.unwrap(), Some(address));
    let again = billing.claim_gift(&now.gift.id, None, None).await.unwrap_err();
    assert_eq!(again.refusal().unwrap().http_status_code, 400);
    assert_eq!(billing.retrieve_gift(&now.gift.id).await.unwrap().gift.status, "claimed");
}

/// Lists filter by gifter and status and page with `next_offset`.
async fn gift_lists(_: &TestApp, billing: Arc<dyn Billing>) {
    create_gift_customers(&billing).await;
    let later = billing.create_gift(&gift(Some(T0 + 86_400)), Some("contract-gift-later")).await.unwrap();
    let now = billing.create_gift(&gift(None), Some("contract-gift-now")).await.unwrap();
    billing.claim_gift(&now.gift.id, None, Some("contract-claim")).await.unwrap();

    let mine = GiftQuery { gifter_customer_id: Some("contract_gifter".into()), ..GiftQuery::default() };
    let page = billing.list_gifts(&mine, 1, None).await.unwrap();
    assert_eq!(page.list.len(), 1);
    assert_eq!(page.list[0].gift.id, later.gift.id, "oldest first");
    let rest = billing.list_gifts(&mine, 10, page.next_offset.as_deref()).await.unwrap();
    assert_eq!(rest.list.iter().map(|g| g.gift.id.as_str()).collect::<Vec<_>>(), [now.gift.id.as_str()]);
    let claimed_only = GiftQuery { status: Some("claimed".into()), ..mine };
    assert_eq!(billing.list_gifts(&claimed_only, 10, None).await.unwrap().list.len(), 1);
    let others = GiftQuery { gifter_customer_id: Some("someone_else".into()), ..GiftQuery::default() };
    assert!(billing.list_gifts(&others, 10, None).await.unwrap().list.is_empty());
}

#[tokio::test]
async fn the_http_client_reports_an_unreachable_server_as_unavailable() {
    // A port nothing listens on: bind, note it, close.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = ChargebeeClient::new(Endpoint::single(&format!("http://127.0.0.1:{port}")), API_KEY).unwrap();
    let err = client.personalized_offers(&offer_request(false)).await.unwrap_err();
    assert!(matches!(err, BillingError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn the_http_client_with_a_wrong_key_is_refused() {
    let app = spawn().await;
    let client = ChargebeeClient::new(Endpoint::single(&app.base), "wrong").unwrap();
    let err = client.personalized_offers(&offer_request(false)).await.unwrap_err();
    assert_eq!(err.refusal().unwrap().api_error_code, "api_authentication_failed");
}
