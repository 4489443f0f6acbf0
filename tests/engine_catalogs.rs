//! One product catalog version per site: the engine says which in `GET /configurations`, serves that
//! version's endpoints, answers the other version's with Chargebee's `configuration_incompatible`, and keeps
//! the version its database was created with.
#![cfg(feature = "ssr")]

mod common;

use common::{TestApp, api_get, client, spawn, spawn_with, test_config};
use growthkit::config::Config;
use growthkit_clock::Clock;
use serde_json::Value;

/// Every endpoint only one version has: (method, path).
const V1_ONLY: &[(&str, &str)] = &[
    ("GET", "plans"),
    ("GET", "plans/growth-USD-monthly"),
    ("GET", "addons"),
    ("GET", "addons/credit-pack-500-USD"),
    ("POST", "subscriptions"),
    ("POST", "customers/demo_acme/subscriptions"),
    ("POST", "subscriptions/demo_acme_sub"),
    ("POST", "subscriptions/demo_acme_sub/cancel"),
    ("POST", "subscriptions/demo_acme_sub/charge_addon_at_term_end"),
    ("POST", "invoices/charge_addon"),
    ("POST", "gifts"),
];
const V2_ONLY: &[(&str, &str)] = &[
    ("GET", "item_prices"),
    ("GET", "item_prices/growth-USD-monthly"),
    ("GET", "items"),
    ("GET", "items/growth"),
    ("GET", "item_families"),
    ("GET", "item_families/credits"),
    ("POST", "customers/demo_acme/subscription_for_items"),
    ("POST", "subscriptions/demo_acme_sub/update_for_items"),
    ("POST", "subscriptions/demo_acme_sub/cancel_for_items"),
    ("POST", "invoices/create_for_charge_items_and_charges"),
    ("POST", "unbilled_charges/create"),
    ("POST", "gifts/create_for_items"),
];

async fn call(app: &TestApp, method: &str, path: &str) -> (u16, Value) {
    let url = app.url(&format!("/api/v2/{path}"));
    let req = if method == "GET" { client().get(url) } else { client().post(url).form(&[("x", "1")]) };
    let res = req.basic_auth(common::API_KEY, Some("")).send().await.unwrap();
    (res.status().as_u16(), res.json().await.unwrap())
}

async fn catalog_version(app: &TestApp) -> Value {
    let body: Value = api_get(app, "configurations").await.json().await.unwrap();
    body["configurations"][0]["product_catalog_version"].clone()
}

/// Every endpoint of `refused` answers 400 `configuration_incompatible` with Chargebee's message.
async fn assert_refused(app: &TestApp, refused: &[(&str, &str)], called: &str, site: &str) {
    for (method, path) in refused {
        let (status, body) = call(app, method, path).await;
        assert_eq!((status, body["api_error_code"].as_str()), (400, Some("configuration_incompatible")), "{path}");
        let message = body["message"].as_str().unwrap();
        assert!(message.contains(&format!("calling product catalog {called} API endpoint")), "{message}");
        assert!(message.ends_with(&format!("using product catalog {site}")), "{message}");
    }
}

#[tokio::test]
async fn a_v2_site_refuses_every_v1_endpoint() {
    let app = spawn().await;
    assert_eq!(catalog_version(&app).await, "v2");
    assert_refused(&app, V1_ONLY, "1.0", "2.0").await;
    let (status, _) = call(&app, "GET", "item_prices/growth-USD-monthly").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_v1_site_refuses_every_v2_endpoint() {
    let app = spawn_with(&[("GROWTHKIT_PRODUCT_CATALOG", "v1")]).await;
    assert_eq!(catalog_version(&app).await, "v1");
    assert_refused(&app, V2_ONLY, "2.0", "1.0").await;
}

#[tokio::test]
async fn v1_plans_and_addons_carry_the_demo_catalog_with_their_filters() {
    let app = spawn_with(&[("GROWTHKIT_PRODUCT_CATALOG", "v1")]).await;
    let body: Value = api_get(&app, "plans?giftable[is]=true&limit=2").await.json().await.unwrap();
    let gifts: Vec<&str> = body["list"].as_array().unwrap().iter().map(|e| e["plan"]["id"].as_str().unwrap()).collect();
    assert_eq!(gifts, ["gift-growth-3m-USD", "gift-growth-12m-USD"]);
    assert!(body["next_offset"].is_string(), "a third gift plan is on the next page");
    let box_plan: Value = api_get(&app, "plans/gift-growth-box-6m-USD").await.json().await.unwrap();
    assert_eq!(
        (box_plan["plan"]["is_shippable"].as_bool(), box_plan["plan"]["period"].as_i64()),
        (Some(true), Some(6))
    );

    let body: Value = api_get(&app, "addons?charge_type[is]=non_recurring").await.json().await.unwrap();
    let packs = body["list"].as_array().unwrap();
    assert_eq!(packs.len(), 3);
    let pack = &packs[1]["addon"];
    assert_eq!((pack["id"].as_str(), pack["type"].as_str()), (Some("credit-pack-500-USD"), Some("quantity")));
    assert_eq!(pack["meta_data"], serde_json::json!({ "family": "credits", "credits": 500 }));
    assert_eq!(pack["period_unit"], "not_applicable");

    for unsupported in ["plans?item_family_id[is]=credits", "addons?giftable[is]=true", "plans?price[starts_with]=1"] {
        let res = api_get(&app, unsupported).await;
        assert_eq!(res.status(), 400, "{unsupported}");
    }
    let missing: Value = api_get(&app, "addons/nope").await.json().await.unwrap();
    assert_eq!(
        (missing["api_error_code"].as_str(), missing["param"].as_str()),
        (Some("resource_not_found"), Some("addon_id"))
    );
}

#[tokio::test]
async fn a_site_keeps_the_catalog_version_it_was_created_with() {
    let app = spawn().await;
    let config = Config { catalog: growthkit_wire::CatalogVersion::V1, ..test_config(&app.db_path) };
    let err = growthkit::server::boot(config, Clock::fixed(common::T0)).await.err().expect("refused");
    let message = err.to_string();
    assert!(
        message.contains("product catalog v2 site") && message.contains("GROWTHKIT_PRODUCT_CATALOG=v1"),
        "{message}"
    );
}
