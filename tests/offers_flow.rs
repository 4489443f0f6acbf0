//! The app side of upgrade offers over real HTTP with real sessions: gate, events, acceptance (double
//! click, second team member), payment (approved, declined, provisioning failure), reconciliation.
#![cfg(feature = "ssr")]

mod common;

use common::{TestApp, get_as, post_as, session, spawn};
use growthkit_wire::ProcessingType;
use serde_json::{Value, json};

struct User<'a> {
    app: &'a TestApp,
    cookie: String,
}

impl<'a> User<'a> {
    async fn sign_in(app: &'a TestApp, email: &str) -> Self {
        User { app, cookie: session(app, email).await }
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        get_as(self.app, &self.cookie, path).await
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, Value) {
        post_as(self.app, &self.cookie, path, form).await
    }

    async fn gate(&self) -> Value {
        let (status, body) = self.get("/api/analytics_gate?page=%2Fapp%2Fanalytics").await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// The offer on the gated page: (personalized offer id, token).
    async fn offer(&self) -> (String, String) {
        let gate = self.gate().await;
        let offer = &gate["Locked"]["offer"];
        assert!(offer.is_object(), "an offer is shown: {gate}");
        (offer["personalized_offer_id"].as_str().unwrap().into(), offer["token"].as_str().unwrap().into())
    }

    async fn accept(&self, po: &str, token: &str) -> (u16, Value) {
        self.post("/api/accept_offer", &[("personalized_offer_id", po), ("option_id", "unlock_now"), ("token", token)])
            .await
    }

    /// Pays as the page does: an intent from the app, the card to the engine's card endpoint, then the
    /// intent's id to the app. Answers what the page shows: the card endpoint's refusal of a card field, or
    /// the app's answer.
    async fn pay(&self, fulfillment: &str, card: &str) -> (u16, Value) {
        let start = [("fulfillment", fulfillment)];
        match common::card_payment(self.app, &self.cookie, "/api/upgrade_payment", &start, card).await {
            Ok(intent) => self.pay_with(fulfillment, &intent).await,
            Err(refused) => refused,
        }
    }

    async fn pay_with(&self, fulfillment: &str, intent: &str) -> (u16, Value) {
        self.post("/api/pay_upgrade", &[("fulfillment", fulfillment), ("payment_intent_id", intent)]).await
    }
}

fn fulfillment_of(accepted: &Value) -> String {
    let url = accepted["Continue"]["url"].as_str().expect("continue to the upgrade page");
    assert!(url.starts_with("/upgrade/analytics?fulfillment="), "{url}");
    url.split('=').nth(1).unwrap().to_owned()
}

async fn engine_fulfillment(app: &TestApp, id: &str) -> growthkit_wire::OfferFulfillment {
    app.state.engine.retrieve_fulfillment(id).await.unwrap()
}

#[tokio::test]
async fn the_gated_page_offers_a_sanitized_upgrade_until_the_feature_is_unlocked() {
    let app = spawn().await;
    let owner = User::sign_in(&app, "owner@acme.test").await;
    let gate = owner.gate().await;
    let offer = &gate["Locked"]["offer"];
    assert_eq!(offer["options"][0]["label"], "Unlock now");
    assert!(offer["title_html"].as_str().unwrap().contains("Unlock Advanced Analytics"));

    // Hostile copy saved in the engine never reaches the browser.
    let mut def = app.state.engine.offers().await.unwrap().remove(0);
    def.title_html = r#"<div class="slate-p" onclick="x()">Hi<script>alert(1)</script></div>"#.into();
    def.description_html = r#"<a href="javascript:alert(1)">more</a><img src=x onerror=alert(1)>"#.into();
    app.state.engine.save_offer(def).await.unwrap();
    let gate = owner.gate().await;
    let offer = &gate["Locked"]["offer"];
    assert_eq!(offer["title_html"], r#"<div class="slate-p">Hi</div>"#);
    assert_eq!(offer["description_html"], r#"<a rel="noopener noreferrer">more</a>"#);

    // Accounts without a subscription see no offer, just the lock.
    let gina = User::sign_in(&app, "gifter@demo.test").await;
    let gate = gina.gate().await;
    assert!(gate["Locked"]["offer"].is_null());
}

#[tokio::test]
async fn events_need_the_token_of_this_account() {
    let app = spawn().await;
    let owner = User::sign_in(&app, "owner@acme.test").await;
    let (po, token) = owner.offer().await;
    let (status, _) =
        owner.post("/api/offer_event", &[("personalized_offer_id", &po), ("token", &token), ("kind", "viewed")]).await;
    assert_eq!(status, 200);
    let (status, body) =
        owner.post("/api/offer_event", &[("personalized_offer_id", &po), ("token", "00"), ("kind", "viewed")]).await;
    assert_eq!((status, body["kind"].as_str()), (403, Some("forbidden")));
    let (status, _) =
        owner.post("/api/offer_event", &[("personalized_offer_id", &po), ("token", &token), ("kind", "clicked")]).await;
    assert_eq!(status, 422);
    // Input that cannot be read at all is the caller's mistake too, not a server failure.
    let (status, body) = owner.post("/api/accept_offer", &[("x", "1")]).await;
    assert_eq!((status, body["kind"].as_str()), (422, Some("invalid")));

    // Another account cannot replay the token for its own session.
    let gina = User::sign_in(&app, "gifter@demo.test").await;
    let (status, _) = gina.accept(&po, &token).await;
    assert_eq!(status, 403);

    // Dismissing hides the offer on the next visit.
    owner.post("/api/offer_event", &[("personalized_offer_id", &po), ("token", &token), ("kind", "dismissed")]).await;
    assert!(owner.gate().await["Locked"]["offer"].is_null());
}

#[tokio::test]
async fn a_double_click_continues_the_same_upgrade_and_a_teammate_is_told_it_was_accepted() {
    let app = spawn().await;
    let owner = User::sign_in(&app, "owner@acme.test").await;
    let member = User::sign_in(&app, "member@acme.test").await;
    let (po, token) = owner.offer().await;
    let (member_po, member_token) = member.offer().await;
    assert_eq!(po, member_po, "one subscription, one personalized offer");

    let (status, first) = owner.accept(&po, &token).await;
    assert_eq!(status, 200, "{first}");
    let (_, second) = owner.accept(&po, &token).await;
    assert_eq!(second, first, "a second click continues the same upgrade");

    let (status, teammate) = member.accept(&member_po, &member_token).await;
    assert_eq!(status, 200);
    assert_eq!(teammate["AlreadyAccepted"]["message"], "This offer has already been accepted.");

    let gate = member.gate().await;
    assert_eq!(gate["Locked"]["notice"], "Olivia Owner accepted the upgrade offer; the upgrade is in progress.");
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM engine_offer_fulfillments").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn the_engine_refusal_reaches_a_teammate_even_without_the_apps_own_record() {
    let app = spawn().await;
    let owner = User::sign_in(&app, "owner@acme.test").await;
    let member = User::sign_in(&app, "member@acme.test").await;
    let (po, token) = owner.offer().await;
    owner.accept(&po, &token).await;
    // As if the acceptance had been made through another app instance with its own database.
    sqlx::query("DELETE FROM offer_acceptances").execute(&app.state.pool).await.unwrap();
    let (_, teammate) = member.accept(&po, &token).await;
    assert_eq!(teammate["AlreadyAccepted"]["message"], "This offer has already been accepted.");
}

#[tokio::test]
async fn a_declined_card_fails_the_fulfillment_and_a_good_card_then_unlocks_the_feature() {
    let app = spawn().await;
    let owner = User::sign_in(&app, "owner@acme.test").await;
    let (po, token) = owner.offer().await;
    let fulfillment = fulfillment_of(&owner.accept(&po, &token).await.1);

    let (_, view) = owner.get(&format!("/api/upgrade_status?fulfillment={fulfillment}")).await;
    assert_eq!((view["status"].as_str(), view["price"].as_i64()), (Some("in_progress"), Some(7_900)));

    let (status, bad) = owner.pay(&fulfillment, "4111").await;
    assert_eq!((status, bad["param"].as_str()), (400, Some("card[number]")), "a typo fails nothing: {bad}");
    assert_eq!(engine_fulfillment(&app, &fulfillment).await.status.as_str(), "in_progress");

    let (_, declined) = owner.pay(&fulfillment, "4000 0000 0000 0002").await;
    let reason = declined["Failed"]["reason"].as_str().unwrap();
    assert_eq!(reason, "Payment declined: The card was declined by the bank.");
    let f = engine_fulfillment(&app, &fulfillment).await;
    assert_eq!(f.status.as_str(), "failed");
    assert_eq!(f.error.unwrap().message, reason);
    let (_, view) = owner.get(&format!("/api/upgrade_status?fulfillment={fulfillment}")).await;
    assert_eq!((view["status"].as_str(), view["failure_reason"].as_str()), (Some("failed"), Some(reason)));

    // Paying again from the same page starts a new attempt and unlocks the feature.
    let start = [("fulfillment", fulfillment.as_str())];
    let intent = common::card_payment(&app, &owner.cookie, "/api/upgrade_payment", &start, "4111 1111 1111 1111")
        .await
        .expect("card taken");
    let (_, paid) = owner.pay_with(&fulfillment, &intent).await;
    assert_eq!(paid["Unlocked"]["url"], "/app/analytics?upgraded=1");
    assert_eq!(owner.gate().await, json!("Unlocked"));
    let member = User::sign_in(&app, "member@acme.test").await;
    assert_eq!(member.gate().await, json!("Unlocked"), "the whole account has it");

    let statuses: Vec<(String,)> =
        sqlx::query_as("SELECT status FROM engine_offer_fulfillments ORDER BY created_at, status")
            .fetch_all(&app.state.pool)
            .await
            .unwrap();
    let mut statuses: Vec<String> = statuses.into_iter().map(|(s,)| s).collect();
    statuses.sort();
    assert_eq!(statuses, ["completed", "failed"]);
    let sub = app.state.engine.subscription("demo_acme_sub").await.unwrap();
    assert_eq!(sub.subscription_items[0].item_price_id, "growth-plus-USD-monthly");

    // A second click on Pay after success changes nothing.
    let (_, again) = owner.pay_with(&fulfillment, &intent).await;
    assert_eq!(again["Unlocked"]["url"], "/app/analytics?upgraded=1");
    let (charges,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM engine_transactions WHERE status = 'success'")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(charges, 1);
}

#[tokio::test]
async fn a_provisioning_failure_fails_the_fulfillment_with_the_reason() {
    let app = spawn().await;
    let owner = User::sign_in(&app, "owner@acme.test").await;
    let (po, token) = owner.offer().await;
    let fulfillment = fulfillment_of(&owner.accept(&po, &token).await.1);
    // The subscription is cancelled behind the app's back: the plan change cannot be provisioned.
    sqlx::query("UPDATE engine_subscriptions SET status = 'cancelled'").execute(&app.state.pool).await.unwrap();
    let (_, out) = owner.pay(&fulfillment, "4111111111111111").await;
    let reason = out["Failed"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("Provisioning failed: The subscription is cancelled"), "{reason}");
    assert_eq!(engine_fulfillment(&app, &fulfillment).await.status.as_str(), "failed");
    assert!(matches!(owner.gate().await["Locked"], Value::Object(_)));
}

#[tokio::test]
async fn an_abandoned_upgrade_is_failed_by_the_reconciliation_job() {
    let app = spawn().await;
    let owner = User::sign_in(&app, "owner@acme.test").await;
    let (po, token) = owner.offer().await;
    let fulfillment = fulfillment_of(&owner.accept(&po, &token).await.1);

    app.state.clock.advance(23 * 3_600).unwrap();
    growthkit::jobs::run_due_work(&app.state).await;
    assert_eq!(engine_fulfillment(&app, &fulfillment).await.status.as_str(), "in_progress");

    app.state.clock.advance(3_600).unwrap();
    growthkit::jobs::run_due_work(&app.state).await;
    let f = engine_fulfillment(&app, &fulfillment).await;
    assert_eq!(f.status.as_str(), "failed");
    assert_eq!(f.error.unwrap().message, "Abandoned: the upgrade was not finished within 24 hours.");
    let (_, view) = owner.get(&format!("/api/upgrade_status?fulfillment={fulfillment}")).await;
    assert_eq!(view["status"], "failed");
    // The offer is available again.
    assert!(owner.gate().await["Locked"]["offer"].is_object());
}

#[tokio::test]
async fn upgrade_pages_of_other_accounts_are_not_found() {
    let app = spawn().await;
    let owner = User::sign_in(&app, "owner@acme.test").await;
    let (po, token) = owner.offer().await;
    let fulfillment = fulfillment_of(&owner.accept(&po, &token).await.1);
    let carl = User::sign_in(&app, "credits@demo.test").await;
    let (status, _) = carl.get(&format!("/api/upgrade_status?fulfillment={fulfillment}")).await;
    assert_eq!(status, 404);
    let (status, _) = carl.pay(&fulfillment, "4111111111111111").await;
    assert_eq!(status, 404, "no payment intent for another account's upgrade");
    let (status, _) = carl.pay_with(&fulfillment, "pi_anything").await;
    assert_eq!(status, 404);
}

/// Switches the demo offer's option to `kind`, moving to the upgrade plan where it needs one.
async fn set_processing(app: &TestApp, kind: ProcessingType, redirect: Option<&str>) {
    let mut def = app.state.engine.offers().await.unwrap().remove(0);
    def.options[0].shown.processing_type = kind;
    def.options[0].shown.redirect_url = redirect.map(str::to_owned);
    def.options[0].item_price_id = Some(growthkit::config::DEFAULT_UPGRADE_PLAN.into());
    app.state.engine.save_offer(def).await.unwrap();
}

/// Gives the demo customer a card on file, as a card saved at an earlier checkout would be.
async fn card_on_file(app: &TestApp, number: &str) {
    let form = [
        ("customer_id", "demo_acme"),
        ("card[number]", number),
        ("card[expiry_month]", "12"),
        ("card[expiry_year]", "2031"),
        ("card[cvv]", "123"),
    ];
    assert_eq!(common::api_form(app, "payment_sources/create_card", &form, None).await.status(), 200);
}

async fn subscription_plan(app: &TestApp) -> String {
    let sub = app.state.engine.subscription("demo_acme_sub").await.unwrap();
    sub.subscription_items[0].item_price_id.clone()
}

#[tokio::test]
async fn a_billing_update_option_is_applied_by_billing_with_the_card_on_file() {
    let app = spawn().await;
    set_processing(&app, ProcessingType::BillingUpdate, Some("/upgrade/analytics")).await;
    let owner = User::sign_in(&app, "owner@acme.test").await;

    // No card on file: billing cannot apply it, and the page says why, with nothing to pay here.
    let (po, token) = owner.offer().await;
    let (status, accepted) = owner.accept(&po, &token).await;
    assert_eq!(status, 200, "{accepted}");
    let fid = fulfillment_of(&accepted);
    let f = app.state.engine.retrieve_fulfillment(&fid).await.unwrap();
    assert_eq!(f.status, growthkit_wire::FulfillmentStatus::Failed);
    assert_eq!(f.error.as_ref().unwrap().code, "billing_update_failed");
    let (_, view) = owner.get(&format!("/api/upgrade_status?fulfillment={fid}")).await;
    assert_eq!(view["status"], "failed");
    assert_eq!(view["pays_here"], false);
    let (status, _) = owner.post("/api/upgrade_payment", &[("fulfillment", &fid)]).await;
    assert_eq!(status, 409, "a billing update is not paid on our page");
    assert_eq!(subscription_plan(&app).await, "growth-USD-monthly");

    // With a card on file, the next acceptance is applied at once and unlocks the feature.
    card_on_file(&app, "4111111111111111").await;
    let (po, token) = owner.offer().await;
    let (status, accepted) = owner.accept(&po, &token).await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["Continue"]["url"], "/app/analytics?upgraded=1");
    assert_eq!(subscription_plan(&app).await, growthkit::config::DEFAULT_UPGRADE_PLAN);
    assert_eq!(owner.gate().await, json!("Unlocked"));
}

#[tokio::test]
async fn a_checkout_option_is_paid_on_billings_hosted_page_and_the_return_unlocks_the_feature() {
    let app = spawn().await;
    let back = format!("{}/upgrade/analytics", app.base);
    set_processing(&app, ProcessingType::Checkout, Some(&back)).await;
    let owner = User::sign_in(&app, "owner@acme.test").await;
    let (po, token) = owner.offer().await;
    let (status, accepted) = owner.accept(&po, &token).await;
    assert_eq!(status, 200, "{accepted}");
    let page_url = accepted["Continue"]["url"].as_str().unwrap().to_owned();
    assert!(page_url.starts_with(&format!("{}/pages/v4/hp_", app.engine_base)), "{page_url}");
    let page_id = page_url.trim_end_matches('/').rsplit('/').next().unwrap().to_owned();

    // The page is billing's: it names the plan and price, and the card goes there, not to the app.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let html = http.get(&page_url).send().await.unwrap().text().await.unwrap();
    assert!(html.contains("Upgrade to Growth Plus") && html.contains("USD 79.00, charged now"), "{html}");
    let card = |number: &'static str| {
        [("card[number]", number), ("card[expiry_month]", "12"), ("card[expiry_year]", "2031"), ("card[cvv]", "123")]
    };
    let declined = http.post(&page_url).form(&card("4000000000000002")).send().await.unwrap();
    assert_eq!(declined.status(), 402);
    assert!(declined.text().await.unwrap().contains("declined"), "the page says why and stays open");
    let (_, view) = owner.get(&format!("/api/upgrade_status?fulfillment={page_id}")).await;
    assert_eq!(view["status"], "in_progress");

    let paid = http.post(&page_url).form(&card("4111111111111111")).send().await.unwrap();
    assert_eq!(paid.status(), 303);
    let location = paid.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, format!("{back}?id={page_id}&state=succeeded"));
    // Back on the upgrade page (found by the hosted page's id), the feature is unlocked.
    let (_, view) = owner.get(&format!("/api/upgrade_status?fulfillment={page_id}")).await;
    assert_eq!(view["status"], "completed", "{view}");
    assert_eq!(owner.gate().await, json!("Unlocked"));
    assert_eq!(subscription_plan(&app).await, growthkit::config::DEFAULT_UPGRADE_PLAN);
    let again = http.post(&page_url).form(&card("4111111111111111")).send().await.unwrap();
    assert_eq!(again.status(), 303, "a second submit changes nothing and returns again");
}

#[tokio::test]
async fn an_unpaid_checkout_page_expires_and_fails_the_fulfillment_as_abandoned() {
    let app = spawn().await;
    set_processing(&app, ProcessingType::Checkout, Some("https://app.example.test/upgrade/analytics")).await;
    let owner = User::sign_in(&app, "owner@acme.test").await;
    let (po, token) = owner.offer().await;
    let (_, accepted) = owner.accept(&po, &token).await;
    let page_url = accepted["Continue"]["url"].as_str().unwrap().to_owned();
    let page_id = page_url.trim_end_matches('/').rsplit('/').next().unwrap().to_owned();
    app.state.engine.travel_by(3 * 3_600).await.unwrap();
    let (_, view) = owner.get(&format!("/api/upgrade_status?fulfillment={page_id}")).await;
    assert_eq!(view["status"], "failed", "{view}");
    let page = common::api_get(&app, &format!("hosted_pages/{page_id}")).await.json::<Value>().await.unwrap();
    assert_eq!(page["hosted_page"]["state"], "cancelled");
    let fid = view["fulfillment_id"].as_str().unwrap();
    let f = app.state.engine.retrieve_fulfillment(fid).await.unwrap();
    assert_eq!(f.error.unwrap().code, "checkout_abandoned");
    let late = common::client().get(&page_url).send().await.unwrap();
    assert_eq!(late.status(), 410, "the page says it expired");
}

#[tokio::test]
async fn a_webhook_option_is_fulfilled_by_our_server_when_billing_calls() {
    let app = spawn().await;
    set_processing(&app, ProcessingType::Webhook, None).await;
    card_on_file(&app, "4111111111111111").await;
    let owner = User::sign_in(&app, "owner@acme.test").await;
    let (po, token) = owner.offer().await;
    let (_, accepted) = owner.accept(&po, &token).await;
    let fid = fulfillment_of(&accepted);
    let (_, view) = owner.get(&format!("/api/upgrade_status?fulfillment={fid}")).await;
    assert_eq!((view["status"].as_str(), view["pays_here"].as_bool()), (Some("in_progress"), Some(false)));

    // Billing's offer_fulfillment_created reaches our webhook; our server upgrades and completes it.
    assert!(common::deliver_webhooks(&app).await >= 1);
    let f = app.state.engine.retrieve_fulfillment(&fid).await.unwrap();
    assert_eq!(f.status, growthkit_wire::FulfillmentStatus::Completed);
    assert_eq!(owner.gate().await, json!("Unlocked"));
    assert_eq!(subscription_plan(&app).await, growthkit::config::DEFAULT_UPGRADE_PLAN);
}

#[tokio::test]
async fn an_email_option_mails_the_offer_to_the_customer_and_is_paid_on_our_page() {
    let (smtp, received) = common::smtp_sink().await;
    let app = common::spawn_with(&[("SMTP_URL", &smtp)]).await;
    set_processing(&app, ProcessingType::Email, Some("https://app.example.test/upgrade/analytics")).await;
    let owner = User::sign_in(&app, "owner@acme.test").await;
    let (po, token) = owner.offer().await;
    let (_, accepted) = owner.accept(&po, &token).await;
    let fid = fulfillment_of(&accepted);

    // Billing mails the offer (its copy as text, and the option's link) to the customer.
    app.state.engine.run_due_work().await.unwrap();
    let mails = received.lock().unwrap().clone();
    assert_eq!(mails.len(), 1, "one message");
    let mail = &mails[0];
    assert!(mail.contains("owner@acme.test"), "{mail}");
    assert!(mail.contains("Subject: Unlock Advanced Analytics"), "{mail}");
    assert!(mail.contains("Get advanced dashboards, deeper insights, and custom reports."), "{mail}");
    assert!(mail.contains("Unlock now: https://app.example.test/upgrade/analytics"), "{mail}");
    assert!(!mail.contains("<div"), "no markup in the text: {mail}");
    app.state.engine.run_due_work().await.unwrap();
    assert_eq!(received.lock().unwrap().len(), 1, "sent once");

    // The merchant fulfils it: the customer pays on our page, and we complete the fulfillment.
    let (status, paid) = owner.pay(&fid, "4111111111111111").await;
    assert_eq!(status, 200, "{paid}");
    let f = app.state.engine.retrieve_fulfillment(&fid).await.unwrap();
    assert_eq!(f.status, growthkit_wire::FulfillmentStatus::Completed);
}
