//! The studio's server functions over HTTP: only the product team may use them, and what they save is
//! what decisions then use.
#![cfg(feature = "ssr")]

mod common;

use common::{get_as, post_as, session, spawn};
use serde_json::json;

#[tokio::test]
async fn only_the_product_team_may_use_the_studio() {
    let app = spawn().await;
    let owner = session(&app, "owner@acme.test").await;
    for path in ["/api/studio/overview", "/api/studio/config"] {
        let (status, body) = get_as(&app, &owner, path).await;
        assert_eq!((status, body["kind"].as_str()), (403, Some("forbidden")), "{path}");
    }
    let (status, _) = post_as(&app, &owner, "/api/studio/travel", &[("hours", "24")]).await;
    assert_eq!(status, 403);
    assert_eq!(app.state.clock.offset(), 0, "nothing moved");
    let (status, _) = get_as(&app, "growthkit_session=nope", "/api/studio/config").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn fields_audiences_offers_and_plays_saved_in_the_studio_drive_decisions() {
    let app = spawn().await;
    let admin = session(&app, "studio@growthkit.test").await;

    let (status, body) = post_as(
        &app,
        &admin,
        "/api/studio/save_field",
        &[("id", ""), ("label", "Seats"), ("data_type", "number"), ("key", "custom.seats")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = post_as(
        &app,
        &admin,
        "/api/studio/save_field",
        &[("id", ""), ("label", "Bad"), ("data_type", "number"), ("key", "seats")],
    )
    .await;
    assert_eq!((status, body["kind"].as_str()), (422, Some("invalid")));
    assert!(body["message"].as_str().unwrap().contains("custom.field_name"));

    let rules = json!([{"property": "custom.seats", "operator": "at_least", "value": "10"}]).to_string();
    let (status, body) = post_as(
        &app,
        &admin,
        "/api/studio/save_audience",
        &[("id", "aud_big"), ("name", "Big teams"), ("match_type", "all"), ("rules", &rules)],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let bad_rules = json!([{"property": "custom.nope", "operator": "is", "value": "1"}]).to_string();
    let (status, body) = post_as(
        &app,
        &admin,
        "/api/studio/save_audience",
        &[("id", ""), ("name", "X"), ("match_type", "all"), ("rules", &bad_rules)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["message"].as_str().unwrap().contains("Unknown property custom.nope"));

    let offer = [
        ("offer[id]", "offer_seats"),
        ("offer[name]", "More seats"),
        ("offer[title_html]", "<p>Add seats</p>"),
        ("offer[description_html]", "<p>Your team is growing.</p>"),
        ("offer[option_id]", "add"),
        ("offer[option_label]", "Add seats"),
        ("offer[redirect_url]", "/upgrade/seats"),
        ("offer[processing_type]", "url_redirect"),
        ("offer[item_price_id]", ""),
    ];
    let (status, body) = post_as(&app, &admin, "/api/studio/save_offer", &offer).await;
    assert_eq!(status, 200, "{body}");
    // Addresses a browser would follow off the site, however they are disguised.
    for escape in ["javascript:alert(1)", "/\\evil.test/x", "/\t/evil.test", "//evil.test", "/\r\n/evil.test"] {
        let mut unsafe_redirect = offer;
        unsafe_redirect[6] = ("offer[redirect_url]", escape);
        let (status, _) = post_as(&app, &admin, "/api/studio/save_offer", &unsafe_redirect).await;
        assert_eq!(status, 422, "{escape:?}");
    }
    // A billing update needs a plan that exists; an unknown processing type is refused by name.
    let mut billing_update = offer;
    billing_update[7] = ("offer[processing_type]", "billing_update");
    let (status, body) = post_as(&app, &admin, "/api/studio/save_offer", &billing_update).await;
    assert_eq!(status, 422);
    assert!(body["message"].as_str().unwrap().contains("item_price_id"), "{body}");
    billing_update[8] = ("offer[item_price_id]", "no-such-price");
    let (status, body) = post_as(&app, &admin, "/api/studio/save_offer", &billing_update).await;
    assert_eq!(status, 422);
    assert!(body["message"].as_str().unwrap().contains("not a plan price"), "{body}");
    let mut unknown = offer;
    unknown[7] = ("offer[processing_type]", "carrier_pigeon");
    assert_eq!(post_as(&app, &admin, "/api/studio/save_offer", &unknown).await.0, 422);

    // Make room at the top: the demo play moves to priority 2 (an edit keeps its creation time).
    let demo = [
        ("play[id]", "play_advanced_analytics"),
        ("play[name]", "Advanced Analytics upsell"),
        ("play[play_type]", "expansion"),
        ("play[audience_id]", "aud_no_advanced_analytics"),
        ("play[trigger]", "any_page_load"),
        ("play[offer_id]", "offer_advanced_analytics"),
        ("play[priority]", "2"),
        ("play[status]", "active"),
    ];
    assert_eq!(post_as(&app, &admin, "/api/studio/save_play", &demo).await.0, 200);

    // A play above the demo play wins for big teams.
    let play = [
        ("play[id]", "play_seats"),
        ("play[name]", "Seats upsell"),
        ("play[play_type]", "expansion"),
        ("play[audience_id]", "aud_big"),
        ("play[trigger]", "any_page_load"),
        ("play[offer_id]", "offer_seats"),
        ("play[priority]", "1"),
        ("play[status]", "active"),
    ];
    let (status, body) = post_as(&app, &admin, "/api/studio/save_play", &play).await;
    assert_eq!(status, 200, "{body}");
    let (_, run) = post_as(
        &app,
        &admin,
        "/api/studio/dry_run",
        &[
            ("customer_id", "demo_acme"),
            ("subscription_id", "demo_acme_sub"),
            ("custom", "seats = 12\nhas_advanced_analytics = false"),
            ("locale", "en"),
        ],
    )
    .await;
    assert_eq!(run["winner"], "Seats upsell");
    let reasons: Vec<&str> =
        run["verdicts"].as_array().unwrap().iter().map(|v| v["reason"].as_str().unwrap()).collect();
    assert!(reasons.contains(&"Lost: lower priority than Seats upsell"), "{reasons:?}");

    let (_, run) = post_as(
        &app,
        &admin,
        "/api/studio/dry_run",
        &[
            ("customer_id", "demo_acme"),
            ("subscription_id", "demo_acme_sub"),
            ("custom", "seats = 3\nhas_advanced_analytics = false"),
            ("locale", "en"),
        ],
    )
    .await;
    assert_eq!(run["winner"], "Advanced Analytics upsell");
    assert!(run["verdicts"][0]["reason"].as_str().unwrap().contains("custom.seats is at least"), "{run}");

    // A draft play does not serve.
    let mut draft = play;
    draft[7] = ("play[status]", "draft");
    post_as(&app, &admin, "/api/studio/save_play", &draft).await;
    let (_, run) = post_as(
        &app,
        &admin,
        "/api/studio/dry_run",
        &[
            ("customer_id", "demo_acme"),
            ("subscription_id", "demo_acme_sub"),
            ("custom", "seats = 12\nhas_advanced_analytics = false"),
            ("locale", ""),
        ],
    )
    .await;
    assert_eq!(run["winner"], "Advanced Analytics upsell");
    assert_eq!(run["verdicts"][0]["reason"], "Lost: the play is a draft");

    let (_, config) = get_as(&app, &admin, "/api/studio/config").await;
    assert_eq!(config["plays"].as_array().unwrap().len(), 2);
    assert_eq!(config["fields"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn saving_an_offer_keeps_options_the_form_does_not_show() {
    let app = spawn().await;
    let admin = session(&app, "studio@growthkit.test").await;
    let mut def = app.state.engine.offers().await.unwrap().remove(0);
    let mut second = def.options[0].clone();
    second.shown.id = "talk_to_sales".into();
    second.shown.label = "Talk to sales".into();
    def.options.push(second);
    app.state.engine.save_offer(def.clone()).await.unwrap();

    let form = [
        ("offer[id]", def.id.as_str()),
        ("offer[name]", "Renamed"),
        ("offer[title_html]", "<p>New title</p>"),
        ("offer[description_html]", "<p>New text</p>"),
        ("offer[option_id]", "unlock_now"),
        ("offer[option_label]", "Unlock today"),
        ("offer[redirect_url]", "/upgrade/analytics"),
        ("offer[processing_type]", "url_redirect"),
        ("offer[item_price_id]", ""),
    ];
    let (status, _) = post_as(&app, &admin, "/api/studio/save_offer", &form).await;
    assert_eq!(status, 200);
    let saved = app.state.engine.offers().await.unwrap().remove(0);
    assert_eq!(saved.name, "Renamed");
    assert_eq!(saved.options.len(), 2);
    assert_eq!(saved.options[0].shown.label, "Unlock today");
    assert_eq!(saved.options[1].shown.id, "talk_to_sales");
}

#[tokio::test]
async fn settings_previews_and_time_travel() {
    let app = spawn().await;
    let admin = session(&app, "studio@growthkit.test").await;
    let (status, _) = post_as(
        &app,
        &admin,
        "/api/studio/save_settings",
        &[("dismiss_cooldown_hours", "1"), ("offer_ttl_hours", "2")],
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(app.state.engine.growth().settings.dismiss_cooldown_seconds, 3_600);
    let (status, _) = post_as(
        &app,
        &admin,
        "/api/studio/save_settings",
        &[("dismiss_cooldown_hours", "-1"), ("offer_ttl_hours", "2")],
    )
    .await;
    assert_eq!(status, 422);

    let (_, preview) = post_as(
        &app,
        &admin,
        "/api/studio/preview",
        &[
            ("title_html", "<b onclick=x>Hi</b><script>1</script>"),
            ("description_html", "<a href=\"javascript:x\">y</a>"),
        ],
    )
    .await;
    assert_eq!(preview["title_html"], "<b>Hi</b>");
    assert_eq!(preview["description_html"], "<a rel=\"noopener noreferrer\">y</a>");

    let before = app.state.clock.now();
    let (status, now) = post_as(&app, &admin, "/api/studio/travel", &[("hours", "48")]).await;
    assert_eq!(status, 200);
    assert_eq!(now, json!(before + 48 * 3_600));
    let (status, _) = post_as(&app, &admin, "/api/studio/travel", &[("hours", "0")]).await;
    assert_eq!(status, 422);
    let (_, overview) = get_as(&app, &admin, "/api/studio/overview").await;
    assert_eq!(overview["offset_seconds"], 48 * 3_600);
    assert_eq!(overview["funnels"][0]["offer_id"], "offer_advanced_analytics");
}

#[tokio::test]
async fn on_a_chargebee_site_the_studio_reads_only_and_decides_through_the_site() {
    // The "site" is another Growthkit's billing address, reached through the Chargebee client.
    let site = spawn().await;
    let app = common::spawn_with(&[
        ("GROWTHKIT_BILLING", "chargebee"),
        ("CHARGEBEE_SITE", "acme-test"),
        ("CHARGEBEE_API_KEY", common::API_KEY),
        ("CHARGEBEE_PUBLISHABLE_KEY", "test_growthkit_publishable_key"),
        ("CHARGEBEE_BASE_URL", &site.engine_base),
    ])
    .await;
    let admin = session(&app, "studio@growthkit.test").await;
    let (status, config) = get_as(&app, &admin, "/api/studio/config").await;
    assert_eq!((status, config["remote"].as_str()), (200, Some("acme-test")));

    let offer = [
        ("offer[id]", "offer_advanced_analytics"),
        ("offer[name]", "Changed here"),
        ("offer[title_html]", "<p>T</p>"),
        ("offer[description_html]", "<p>D</p>"),
        ("offer[option_id]", "unlock_now"),
        ("offer[option_label]", "Go"),
        ("offer[redirect_url]", "/upgrade/analytics"),
        ("offer[processing_type]", "url_redirect"),
        ("offer[item_price_id]", ""),
    ];
    let (status, body) = post_as(&app, &admin, "/api/studio/save_offer", &offer).await;
    assert_eq!(status, 409);
    assert!(body["message"].as_str().unwrap().contains("are changed in Chargebee, not here"), "{body}");
    assert_ne!(app.state.engine.offers().await.unwrap()[0].name, "Changed here");
    let (status, _) = post_as(&app, &admin, "/api/studio/travel", &[("hours", "24")]).await;
    assert_eq!(status, 409, "time travel is the site's");
    assert_eq!(app.state.clock.offset(), 0);

    // The dry run asks the site for a real decision, and says it cannot explain it.
    let form = [
        ("customer_id", "demo_acme"),
        ("subscription_id", "demo_acme_sub"),
        ("custom", "has_advanced_analytics = false"),
        ("locale", ""),
    ];
    let (status, run) = post_as(&app, &admin, "/api/studio/dry_run", &form).await;
    assert_eq!(status, 200, "{run}");
    assert_eq!(run["winner"], "offer_advanced_analytics");
    assert!(run["note"].as_str().unwrap().contains("Chargebee"));

    // The overview shows what the app recorded, and the pages say where the configuration lives.
    let (_, overview) = get_as(&app, &admin, "/api/studio/overview").await;
    assert_eq!(overview["remote"], "acme-test");
    assert!(overview["funnels"].as_array().unwrap().is_empty());
    let page = common::client()
        .get(app.url("/studio/offers"))
        .header("cookie", &admin)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(r#"data-testid="studio-remote""#), "the notice is shown");
    let fieldset = page.split("<fieldset").nth(1).and_then(|f| f.split('>').next()).unwrap_or_default();
    assert!(fieldset.contains("disabled"), "the editors are read-only: {fieldset}");
    let (_, gifts) = get_as(&app, &admin, "/api/studio/gifts?is_gift=&status=").await;
    assert_eq!(gifts["remote"], "acme-test", "the gifts console knows too: no time travel, settings read-only");
    let (status, _) = post_as(&app, &admin, "/api/studio/reschedule_gift", &[("gift_id", "x"), ("send_at", "1")]).await;
    assert_eq!(status, 409);
}
