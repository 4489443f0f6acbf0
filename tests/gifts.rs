//! Gift subscriptions through the app: checkout with its validation, the six e-mails written once each
//! (through replays, reordering and a restart) and delivered over SMTP, claim links used once, the
//! gifter's cancel and reschedule, auto-claim and expiry — all on the engine's clock, never sleeping.

mod common;

use common::{T0, TestApp, deliver_webhooks, get_as, post_as, restart, session, smtp_sink, spawn, spawn_with};
use serde_json::Value;

const GINA: &str = "gifter@demo.test";
const RITA: &str = "rita@demo.test";
const DAY: i64 = 86_400;

/// The gift checkout form for Rita; `send_at` empty is "now"; `intent` the payment intent the page authorized
/// (empty while asking for one).
fn form<'a>(plan: &'a str, send_at: &'a str, nonce: &'a str, intent: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("input[plan_id]", plan),
        ("input[first_name]", "Rita"),
        ("input[last_name]", "Recipient"),
        ("input[email]", RITA),
        ("input[note]", "Happy birthday, enjoy the reports!"),
        ("input[signature]", "Gina"),
        ("input[send_at]", send_at),
        ("input[time_zone]", "Europe/Berlin"),
        ("input[utc_offset_minutes]", "60"),
        ("input[payment_intent_id]", intent),
        ("input[nonce]", nonce),
    ]
}

async fn nonce(app: &TestApp, cookie: &str) -> String {
    let (status, body) = get_as(app, cookie, "/api/gift_checkout").await;
    assert_eq!(status, 200, "{body}");
    body["nonce"].as_str().unwrap().to_owned()
}

/// What the page does before `buy_gift`: a payment intent for the gift in `fields` (`/api/gift_payment`),
/// authorized with card `number` at the engine's card endpoint.
async fn paid(app: &TestApp, cookie: &str, fields: &[(&str, &str)], number: &str) -> String {
    common::card_payment(app, cookie, "/api/gift_payment", fields, number).await.expect("the card is taken")
}

/// `fields` with the payment intent set.
fn with_intent<'a>(mut fields: Vec<(&'a str, &'a str)>, intent: &'a str) -> Vec<(&'a str, &'a str)> {
    fields.iter_mut().filter(|(k, _)| *k == "input[payment_intent_id]").for_each(|f| f.1 = intent);
    fields
}

/// Buys a 3-month gift for Rita as Gina; returns the gift id.
async fn buy(app: &TestApp, cookie: &str, send_at: Option<i64>) -> String {
    let n = nonce(app, cookie).await;
    let at = send_at.map(|t| t.to_string()).unwrap_or_default();
    let intent = paid(app, cookie, &form("gift-growth-3m-USD", &at, &n, ""), "4111111111111111").await;
    let (status, body) = post_as(app, cookie, "/api/buy_gift", &form("gift-growth-3m-USD", &at, &n, &intent)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["url"].as_str().unwrap().starts_with("/account/gifts?ordered=gift_"), "{body}");
    body["gift_id"].as_str().unwrap().to_owned()
}

/// Lets everything that is due happen: engine rules, webhooks to the app, e-mail delivery.
async fn settle(app: &TestApp) {
    growthkit::jobs::run_due_work(&app.state).await;
    deliver_webhooks(app).await;
    growthkit::mail::sender::deliver_due(&app.state).await.unwrap();
}

async fn travel(app: &TestApp, seconds: i64) {
    app.state.engine.travel_by(seconds).await.unwrap();
    settle(app).await;
}

/// (kind, to, status) of every outbox row about a gift, in writing order.
async fn mails(app: &TestApp, gift: &str) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT kind, to_address, status FROM outbox WHERE topic = ? ORDER BY id")
        .bind(gift)
        .fetch_all(&app.state.pool)
        .await
        .unwrap()
}

fn kinds(rows: &[(String, String, String)]) -> Vec<&str> {
    rows.iter().map(|(k, _, _)| k.as_str()).collect()
}

async fn outbox_body(app: &TestApp, gift: &str, kind: &str) -> (String, Option<String>) {
    sqlx::query_as("SELECT body, link FROM outbox WHERE topic = ? AND kind = ?")
        .bind(gift)
        .bind(kind)
        .fetch_one(&app.state.pool)
        .await
        .unwrap()
}

/// The claim token in a claim link.
async fn token(app: &TestApp, gift: &str) -> String {
    let (_, link) = outbox_body(app, gift, "gift_claim_invitation").await;
    link.unwrap().rsplit('/').next().unwrap().to_owned()
}

async fn claim(app: &TestApp, token: &str) -> (u16, Value) {
    let res = common::client()
        .post(app.url("/api/claim_gift"))
        .header("sec-fetch-site", "same-origin")
        .form(&[("token", token)])
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.json().await.unwrap_or(Value::Null))
}

async fn claim_page(app: &TestApp, token: &str) -> Value {
    let res = common::client().get(app.url(&format!("/api/gift_claim?token={token}"))).send().await.unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn a_scheduled_gift_is_mailed_claimed_by_its_link_once_and_every_email_goes_out_once() {
    let (smtp, received) = smtp_sink().await;
    let app = spawn_with(&[("SMTP_URL", &smtp)]).await;
    let gina = session(&app, GINA).await;
    let gift = buy(&app, &gina, Some(T0 + 2 * DAY)).await;
    settle(&app).await;

    let rows = mails(&app, &gift).await;
    assert_eq!(rows, vec![("gift_order_confirmation".into(), GINA.into(), "sent".into())]);
    let (confirmation, _) = outbox_body(&app, &gift, "gift_order_confirmation").await;
    // 2 days after T0 (2023-11-14 22:13 UTC) in Berlin, an hour ahead.
    assert!(confirmation.contains("on 2023-11-16 23:13 (Europe/Berlin)"), "{confirmation}");
    assert_eq!(received.lock().unwrap().len(), 1);
    assert!(received.lock().unwrap()[0].contains("Subject: Your gift for Rita is booked"));

    let (_, mine) = get_as(&app, &gina, "/api/my_gifts").await;
    let card = &mine["sent"][0];
    assert_eq!((card["status"].as_str(), card["can_cancel"].as_bool()), (Some("scheduled"), Some(true)));
    assert_eq!(card["notify_label"], "2023-11-16 23:13 (Europe/Berlin)");

    // Nothing reaches Rita before the chosen time.
    travel(&app, DAY).await;
    assert_eq!(kinds(&mails(&app, &gift).await), ["gift_order_confirmation"]);
    travel(&app, 2 * DAY).await;
    let rows = mails(&app, &gift).await;
    assert_eq!(kinds(&rows), ["gift_order_confirmation", "gift_claim_invitation", "gift_claim_reminder"]);
    assert_eq!((rows[1].1.as_str(), rows[1].2.as_str()), (RITA, "sent"));
    assert_eq!(rows[2].2, "waiting", "the reminder waits for its day");

    let t = token(&app, &gift).await;
    assert!(t.len() >= 43, "256-bit token");
    assert_eq!(claim_page(&app, &t).await["Open"]["signature"], "Gina");
    let (status, body) = claim(&app, &t).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.get("Claimed").is_some(), "{body}");
    let (status, body) = claim(&app, &t).await;
    assert_eq!((status, body["message"].as_str()), (409, Some("This gift has already been claimed.")));
    assert!(claim_page(&app, &t).await.get("Claimed").is_some());
    assert!(claim_page(&app, "not-a-token").await["Closed"]["message"].as_str().unwrap().contains("not valid"));
    let sub = app.state.engine.retrieve_gift(&gift).await.unwrap().subscription;
    assert_eq!(sub.status, "non_renewing");

    // Every gift event delivered once more changes nothing; the reminder is skipped, the gift being claimed.
    settle(&app).await;
    let events: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, event_type, content FROM engine_events WHERE event_type LIKE 'gift_%'")
            .fetch_all(&app.state.pool)
            .await
            .unwrap();
    assert!(events.len() >= 3);
    for (id, event_type, content) in &events {
        let content: Value = serde_json::from_str(content).unwrap();
        let payload = serde_json::json!({
            "id": id, "occurred_at": T0, "source": "api", "object": "event", "api_version": "v2",
            "event_type": event_type, "content": content,
        })
        .to_string();
        let res = common::client()
            .post(app.url("/webhooks/chargebee"))
            .basic_auth("growthkit", Some("test_growthkit_webhook_password"))
            .header("content-type", "application/json")
            .body(payload.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    }
    travel(&app, 5 * DAY).await;
    let rows = mails(&app, &gift).await;
    assert_eq!(
        kinds(&rows),
        [
            "gift_order_confirmation",
            "gift_claim_invitation",
            "gift_claim_reminder",
            "gift_claimed_gifter",
            "gift_claimed_recipient"
        ]
    );
    assert_eq!(rows[2].2, "skipped");
    assert_eq!(received.lock().unwrap().len(), 4, "confirmation, invitation and the two claim e-mails");

    // Each reads only their own mail; the product team reads all.
    let rita = session(&app, RITA).await;
    let (_, theirs) = get_as(&app, &rita, "/api/outbox").await;
    let to: Vec<&str> =
        theirs["messages"].as_array().unwrap().iter().map(|m| m["to_address"].as_str().unwrap()).collect();
    assert_eq!(to, [RITA, RITA]);
    let (_, all) = get_as(&app, &session(&app, "studio@growthkit.test").await, "/api/outbox").await;
    assert_eq!(all["messages"].as_array().unwrap().len(), 4);
    let (_, received_gifts) = get_as(&app, &rita, "/api/my_gifts").await;
    assert_eq!(received_gifts["received"][0]["status"], "claimed");
}

#[tokio::test]
async fn checkout_refuses_bad_input_with_a_clear_message_and_creates_nothing() {
    let app = spawn().await;
    let gina = session(&app, GINA).await;
    let n = nonce(&app, &gina).await;
    let later = (T0 + DAY).to_string();
    let past = (T0 - 60).to_string();
    let far = (T0 + 400 * DAY).to_string();
    let card = paid(&app, &gina, &form("gift-growth-3m-USD", &later, &n, ""), "4111111111111111").await;
    let card = card.as_str();
    let declined = paid(&app, &gina, &form("gift-growth-3m-USD", &later, &n, ""), "4000000000000002").await;
    let cases: Vec<(Vec<(&str, &str)>, &str)> = vec![
        (form("gift-growth-3m-USD", &past, &n, card), "in the past"),
        (form("gift-growth-3m-USD", &far, &n, card), "within 365 days"),
        (form("gift-growth-box-6m-USD", &later, &n, card), "shipping address"),
        (form("no-such-plan", &later, &n, card), "Choose a gift plan"),
        (form("gift-growth-3m-USD", &later, "x", card), "Reload the page"),
        (form("gift-growth-3m-USD", &later, &n, &declined), "Nothing was charged"),
        (form("gift-growth-3m-USD", &later, &n, "pi_never_made"), "not found"),
        (form("gift-growth-3m-USD", &later, &n, "pi 1"), "card details"),
    ];
    for (fields, expected) in cases {
        let (status, body) = post_as(&app, &gina, "/api/buy_gift", &fields).await;
        assert_eq!(status, 422, "{body}");
        assert!(body["message"].as_str().unwrap().contains(expected), "{expected}: {body}");
    }
    // The same checks come before any payment intent is made, and the card itself goes only to billing.
    for fields in [form("gift-growth-3m-USD", &past, &n, ""), form("no-such-plan", &later, &n, "")] {
        assert_eq!(post_as(&app, &gina, "/api/gift_payment", &fields).await.0, 422);
    }
    let fields = form("gift-growth-3m-USD", &later, &n, "");
    let (status, body) = common::card_payment(&app, &gina, "/api/gift_payment", &fields, "4111").await.unwrap_err();
    assert_eq!((status, body["param"].as_str()), (400, Some("card[number]")), "{body}");
    let mut bad_email = form("gift-growth-3m-USD", &later, &n, card);
    bad_email[3] = ("input[email]", "rita@nowhere");
    let (status, body) = post_as(&app, &gina, "/api/buy_gift", &bad_email).await;
    assert_eq!((status, body["message"].as_str().unwrap().contains("e-mail")), (422, true));
    let mut zone = form("gift-growth-3m-USD", &later, &n, card);
    zone[7] = ("input[time_zone]", "<script>");
    assert_eq!(post_as(&app, &gina, "/api/buy_gift", &zone).await.0, 422);
    let res = common::client()
        .post(app.url("/api/buy_gift"))
        .header("sec-fetch-site", "same-origin")
        .form(&form("gift-growth-3m-USD", &later, &n, card))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "signed out");

    let gifts: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM engine_gifts").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(gifts.0, 0);
    let outbox: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM outbox").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(outbox.0, 0);

    // The same click twice buys once.
    let fields = form("gift-growth-3m-USD", &later, &n, card);
    let (_, first) = post_as(&app, &gina, "/api/buy_gift", &fields).await;
    let (_, second) = post_as(&app, &gina, "/api/buy_gift", &fields).await;
    assert_eq!(first["gift_id"], second["gift_id"]);
    let gifts: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM engine_gifts").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(gifts.0, 1);
}

#[tokio::test]
async fn a_restart_between_scheduling_and_notification_loses_and_doubles_no_email() {
    let app = spawn().await;
    let gina = session(&app, GINA).await;
    let gift = buy(&app, &gina, Some(T0 + DAY)).await;
    settle(&app).await;
    assert_eq!(kinds(&mails(&app, &gift).await), ["gift_order_confirmation"]);

    let app = restart(app).await;
    assert_eq!(app.state.clock.now(), T0, "the engine's time survives the restart");
    travel(&app, 2 * DAY).await;
    // Run everything again, as a second worker or a redelivery would.
    settle(&app).await;
    for (kind, count) in sqlx::query_as::<_, (String, i64)>("SELECT kind, COUNT(*) FROM outbox GROUP BY kind")
        .fetch_all(&app.state.pool)
        .await
        .unwrap()
    {
        assert_eq!(count, 1, "{kind}");
    }
    let rows = mails(&app, &gift).await;
    assert_eq!(kinds(&rows), ["gift_order_confirmation", "gift_claim_invitation", "gift_claim_reminder"]);
    assert_eq!(rows[1].2, "kept", "without SMTP the message is kept in the outbox");
    let t = token(&app, &gift).await;
    assert_eq!(claim(&app, &t).await.0, 200);
}

#[tokio::test]
async fn the_gifter_reschedules_within_the_window_and_cancels_while_scheduled() {
    let app = spawn().await;
    let gina = session(&app, GINA).await;
    let gift = buy(&app, &gina, Some(T0 + DAY)).await;
    let expiry = app.state.engine.retrieve_gift(&gift).await.unwrap().gift.claim_expiry_date.unwrap();
    let move_to = |at: i64| {
        vec![
            ("gift_id", gift.clone()),
            ("send_at", at.to_string()),
            ("time_zone", "America/New_York".to_owned()),
            ("utc_offset_minutes", "-300".to_owned()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        let gina = gina.clone();
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_as(app, &gina, "/api/reschedule_gift", &fields).await
        }
    };
    let (status, body) = post(move_to(T0 - 10)).await;
    assert_eq!((status, body["message"].as_str().unwrap().contains("past")), (422, true));
    let (status, body) = post(move_to(expiry + 10)).await;
    assert_eq!((status, body["message"].as_str().unwrap().contains("claim deadline")), (422, true));
    let (status, body) = post(move_to(T0 + 5 * DAY)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.as_str().unwrap(), "The gift e-mail will go out on 2023-11-19 17:13 (America/New_York).");
    assert_eq!(app.state.engine.retrieve_gift(&gift).await.unwrap().gift.scheduled_at, T0 + 5 * DAY);

    // Another account cannot touch it.
    let carl = session(&app, "credits@demo.test").await;
    let (status, _) = post_as(&app, &carl, "/api/cancel_gift", &[("gift_id", &gift), ("role", "gifter")]).await;
    assert_eq!(status, 404);

    let (status, body) = post_as(&app, &gina, "/api/cancel_gift", &[("gift_id", &gift), ("role", "gifter")]).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = post_as(&app, &gina, "/api/cancel_gift", &[("gift_id", &gift), ("role", "gifter")]).await;
    assert_eq!(status, 409);
    settle(&app).await;
    travel(&app, 6 * DAY).await;
    assert_eq!(kinds(&mails(&app, &gift).await), ["gift_order_confirmation", "gift_cancelled_gifter"]);
    let g = app.state.engine.retrieve_gift(&gift).await.unwrap();
    assert_eq!((g.gift.status.as_str(), g.subscription.status.as_str()), ("cancelled", "cancelled"));
}

#[tokio::test]
async fn auto_claimed_gifts_skip_the_claim_email_and_unclaimed_ones_expire() {
    let app = spawn().await;
    let gina = session(&app, GINA).await;
    let mut settings = app.state.engine.gift_settings().await.unwrap();
    settings.auto_claim = true;
    app.state.engine.save_gift_settings(&settings).await.unwrap();
    let auto = buy(&app, &gina, None).await;
    settle(&app).await;
    assert_eq!(
        kinds(&mails(&app, &auto).await),
        ["gift_order_confirmation", "gift_claimed_gifter", "gift_claimed_recipient"]
    );

    settings.auto_claim = false;
    settings.claim_within_days = 10;
    app.state.engine.save_gift_settings(&settings).await.unwrap();
    let late = buy(&app, &gina, None).await;
    settle(&app).await;
    let t = token(&app, &late).await;
    travel(&app, 4 * DAY).await;
    travel(&app, 7 * DAY).await;
    let page = claim_page(&app, &t).await;
    assert!(page["Closed"]["message"].as_str().unwrap().contains("expired"), "{page}");
    let (status, body) = claim(&app, &t).await;
    assert_eq!((status, body["message"].as_str().unwrap().contains("expired")), (409, true));
    let g = app.state.engine.retrieve_gift(&late).await.unwrap();
    assert_eq!((g.gift.status.as_str(), g.subscription.status.as_str()), ("expired", "cancelled"));
    // The reminder went out on day 3, while the gift still waited.
    let rows = mails(&app, &late).await;
    assert_eq!(rows.iter().find(|r| r.0 == "gift_claim_reminder").unwrap().2, "kept");
}

#[tokio::test]
async fn the_recipient_cancels_only_when_allowed_and_the_studio_lists_and_moves_gifts() {
    let app = spawn().await;
    let gina = session(&app, GINA).await;
    let rita = session(&app, RITA).await;
    let studio = session(&app, "studio@growthkit.test").await;
    let waiting = buy(&app, &gina, None).await;
    let later = buy(&app, &gina, Some(T0 + DAY)).await;
    settle(&app).await;

    // Not allowed by default; a scheduled gift is not the recipient's to see at all.
    let waiting_form = [("gift_id", waiting.as_str()), ("role", "recipient")];
    let later_form = [("gift_id", later.as_str()), ("role", "recipient")];
    assert_eq!(post_as(&app, &rita, "/api/cancel_gift", &waiting_form).await.0, 403);
    assert_eq!(post_as(&app, &rita, "/api/cancel_gift", &later_form).await.0, 404);
    assert_eq!(post_as(&app, &gina, "/api/cancel_gift", &waiting_form).await.0, 404, "not Gina's as recipient");
    let mut settings = app.state.engine.gift_settings().await.unwrap();
    settings.recipient_may_cancel = true;
    app.state.engine.save_gift_settings(&settings).await.unwrap();
    let (status, body) = post_as(&app, &rita, "/api/cancel_gift", &waiting_form).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.state.engine.retrieve_gift(&waiting).await.unwrap().gift.status, "cancelled");

    // The studio: gift subscriptions only, then by status, and a new notification time.
    let (status, list) = get_as(&app, &studio, "/api/studio/gifts?is_gift=true&status=").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["subscriptions"].as_array().unwrap().len(), 2);
    let (_, future) = get_as(&app, &studio, "/api/studio/gifts?is_gift=true&status=future").await;
    let rows = future["subscriptions"].as_array().unwrap();
    assert_eq!((rows.len(), rows[0]["gift"]["id"].as_str()), (1, Some(later.as_str())));
    let (_, others) = get_as(&app, &studio, "/api/studio/gifts?is_gift=false&status=").await;
    assert!(others["subscriptions"].as_array().unwrap().iter().all(|s| s["gift"].is_null()));
    assert_eq!(get_as(&app, &studio, "/api/studio/gifts?is_gift=maybe&status=").await.0, 422);
    assert_eq!(get_as(&app, &gina, "/api/studio/gifts?is_gift=true&status=").await.0, 403);
    let at = (T0 + 3 * DAY).to_string();
    let (status, body) =
        post_as(&app, &studio, "/api/studio/reschedule_gift", &[("gift_id", &later), ("send_at", &at)]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(app.state.engine.retrieve_gift(&later).await.unwrap().gift.scheduled_at, T0 + 3 * DAY);
    let bad = [("input[enabled]", "on"), ("input[claim_within_days]", "400"), ("input[reminder_after_days]", "3")];
    let (status, body) = post_as(&app, &studio, "/api/studio/save_gift_settings", &bad).await;
    assert_eq!((status, body["message"].as_str().unwrap().contains("1 to 365")), (422, true));
}

#[tokio::test]
async fn shippable_gifts_take_the_address_from_the_gifter_or_at_the_claim() {
    let app = spawn().await;
    let gina = session(&app, GINA).await;
    let address = [
        ("input[address][first_name]", "Rita"),
        ("input[address][last_name]", "Recipient"),
        ("input[address][line1]", "1 Main St"),
        ("input[address][city]", "Springfield"),
        ("input[address][zip]", "12345"),
        ("input[address][country]", "us"),
    ];
    let n = nonce(&app, &gina).await;
    let mut fields = form("gift-growth-box-6m-USD", "", &n, "");
    fields.extend(address);
    let intent = paid(&app, &gina, &fields, "4111111111111111").await;
    let (status, body) = post_as(&app, &gina, "/api/buy_gift", &with_intent(fields, &intent)).await;
    assert_eq!(status, 200, "{body}");
    let boxed = body["gift_id"].as_str().unwrap().to_owned();
    let stored = app.state.engine.gift_shipping_address(&boxed).await.unwrap().unwrap();
    assert_eq!((stored.city.as_str(), stored.country.as_str()), ("Springfield", "US"));
    settle(&app).await;
    assert_eq!(claim_page(&app, &token(&app, &boxed).await).await["Open"]["needs_address"], false);

    // Left to the recipient: the claim asks for it and refuses without it.
    let mut settings = app.state.engine.gift_settings().await.unwrap();
    settings.gifter_enters_shipping = false;
    app.state.engine.save_gift_settings(&settings).await.unwrap();
    let n = nonce(&app, &gina).await;
    let intent = paid(&app, &gina, &form("gift-growth-box-6m-USD", "", &n, ""), "4111111111111111").await;
    let (status, body) = post_as(&app, &gina, "/api/buy_gift", &form("gift-growth-box-6m-USD", "", &n, &intent)).await;
    assert_eq!(status, 200, "{body}");
    let open = body["gift_id"].as_str().unwrap().to_owned();
    settle(&app).await;
    let t = token(&app, &open).await;
    assert_eq!(claim_page(&app, &t).await["Open"]["needs_address"], true);
    let (status, body) = claim(&app, &t).await;
    assert_eq!((status, body["message"].as_str().unwrap().contains("first name")), (422, true));
    let mut claim_form = vec![("token".to_owned(), t.as_str())];
    claim_form.extend(address.iter().map(|(k, v)| (k.trim_start_matches("input[").replacen(']', "", 1), *v)));
    let res = common::client()
        .post(app.url("/api/claim_gift"))
        .header("sec-fetch-site", "same-origin")
        .form(&claim_form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let stored = app.state.engine.gift_shipping_address(&open).await.unwrap().unwrap();
    assert_eq!(stored.line1, "1 Main St");
}

#[tokio::test]
async fn a_member_changes_only_the_gifts_they_bought_and_the_owner_any() {
    let app = spawn().await;
    let (olivia, max) = (session(&app, "owner@acme.test").await, session(&app, "member@acme.test").await);
    let by_owner = buy(&app, &olivia, Some(T0 + DAY)).await;
    let by_member = buy(&app, &max, Some(T0 + DAY)).await;
    let cancel = |cookie: String, gift: String| {
        let app = &app;
        async move { post_as(app, &cookie, "/api/cancel_gift", &[("gift_id", &gift), ("role", "gifter")]).await }
    };
    let move_form = |gift: &str| {
        let at = (T0 + 2 * DAY).to_string();
        [("gift_id", gift.to_owned()), ("send_at", at), ("time_zone", "UTC".into()), ("utc_offset_minutes", "0".into())]
    };

    // The member sees the owner's gift without its buttons, and is refused when trying anyway.
    let (_, gifts) = get_as(&app, &max, "/api/my_gifts").await;
    let card = |id: &str| gifts["sent"].as_array().unwrap().iter().find(|g| g["id"] == id).cloned().unwrap();
    assert_eq!(
        (card(&by_owner)["can_cancel"].as_bool(), card(&by_owner)["can_reschedule"].as_bool()),
        (Some(false), Some(false))
    );
    assert_eq!(card(&by_member)["can_cancel"], true);
    let (status, body) = cancel(max.clone(), by_owner.clone()).await;
    assert_eq!(status, 403, "{body}");
    assert!(body["message"].as_str().unwrap().contains("person who bought"), "{body}");
    let fields = move_form(&by_owner);
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(post_as(&app, &max, "/api/reschedule_gift", &fields).await.0, 403);
    assert_eq!(app.state.engine.retrieve_gift(&by_owner).await.unwrap().gift.status, "scheduled");

    // The member cancels their own; the owner cancels anybody's.
    assert_eq!(cancel(max.clone(), by_member.clone()).await.0, 200);
    assert_eq!(cancel(olivia.clone(), by_owner.clone()).await.0, 200);
    for gift in [&by_owner, &by_member] {
        assert_eq!(app.state.engine.retrieve_gift(gift).await.unwrap().gift.status, "cancelled");
    }
}
