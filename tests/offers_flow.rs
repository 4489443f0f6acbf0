//! The app side of upgrade offers over real HTTP with real sessions: gate, events, acceptance (double
//! click, second team member), payment (approved, declined, provisioning failure), reconciliation.
#![cfg(feature = "ssr")]

mod common;

use common::{TestApp, get_as, post_as, session, spawn};
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
