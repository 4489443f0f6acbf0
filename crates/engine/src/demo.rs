//! Demo data for the engine: plans, the Acme customer and subscription, and the "Unlock Advanced
//! Analytics" expansion play from the seed. Seeded only into an engine without customers.

use serde_json::json;

use super::Engine;
use super::catalog::{self, NewItemPrice, PriceExtras};
use super::growth::repo::PlayRecord;
use super::growth::rules::CustomField;
use super::growth::rules::{Audience, DataType, MatchType, OfferDef, Operator, OptionDef, PlayStatus, PlayType, Rule};
use growthkit_wire::{CatalogVersion, OfferOption, ProcessingLayout, ProcessingType};

pub const ACME_CUSTOMER: &str = "demo_acme";
pub const ACME_SUBSCRIPTION: &str = "demo_acme_sub";
/// A second subscriber on the Growth plan, whose upgrade offer is paid through billing's hosted checkout.
pub const BETA_CUSTOMER: &str = "demo_beta";
pub const BETA_SUBSCRIPTION: &str = "demo_beta_sub";
pub const GROWTH_PLAN: &str = "growth-USD-monthly";
pub const GROWTH_PLUS_PLAN: &str = "growth-plus-USD-monthly";
pub const ANALYTICS_OFFER: &str = "offer_advanced_analytics";
pub const ANALYTICS_OPTION: &str = "unlock_now";
pub const ANALYTICS_PLAY: &str = "play_advanced_analytics";
pub const CREDITS_STARTER_PLAN: &str = "credits-starter-USD-monthly";
pub const CREDIT_PACK_500: &str = "credit-pack-500-USD";
pub const GIFT_PLAN_3_MONTHS: &str = "gift-growth-3m-USD";
pub const GIFT_PLAN_BOX: &str = "gift-growth-box-6m-USD";

/// Why demo seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineDemoError {
    #[error("seeding engine demo data: {0}")]
    Db(#[from] sqlx::Error),
    #[error("seeding engine demo data: {0}")]
    Refused(#[from] growthkit_wire::ApiError),
}

/// Seeds the demo catalog and Growth configuration when the engine has no customers yet.
pub async fn seed_if_empty(engine: &Engine) -> Result<bool, EngineDemoError> {
    let pool = engine.pool();
    let (customers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM engine_customers").fetch_one(pool).await?;
    if customers > 0 {
        return Ok(false);
    }
    let now = engine.clock().now();
    for (item_id, name, price_id, price) in [
        ("growth", "Growth", GROWTH_PLAN, 4_900),
        ("growth-plus", "Growth Plus (with Advanced Analytics)", GROWTH_PLUS_PLAN, 7_900),
    ] {
        catalog::insert_item_price(pool, &usd_plan(item_id, name, price_id, price, 1), now).await?;
    }
    catalog::insert_customer(pool, ACME_CUSTOMER, "Olivia", "Owner", "owner@acme.test", Some("Acme Analytics"), now)
        .await?;
    catalog::insert_active_subscription(pool, ACME_SUBSCRIPTION, ACME_CUSTOMER, GROWTH_PLAN, now).await?;
    catalog::insert_customer(pool, BETA_CUSTOMER, "Bea", "Baker", "owner@beta.test", Some("Beta Labs"), now).await?;
    catalog::insert_active_subscription(pool, BETA_SUBSCRIPTION, BETA_CUSTOMER, GROWTH_PLAN, now).await?;

    engine
        .save_custom_field(CustomField {
            id: "fld_has_advanced_analytics".into(),
            label: "Has advanced analytics".into(),
            data_type: DataType::Boolean,
            key: "custom.has_advanced_analytics".into(),
        })
        .await?;
    engine
        .save_audience(Audience {
            id: "aud_no_advanced_analytics".into(),
            name: "Has advanced analytics is false".into(),
            match_type: MatchType::All,
            rules: vec![Rule {
                property: "custom.has_advanced_analytics".into(),
                operator: Operator::Is,
                value: json!(false),
            }],
        })
        .await?;
    engine
        .save_offer(OfferDef {
            id: ANALYTICS_OFFER.into(),
            name: "Unlock Advanced Analytics".into(),
            title_html: r#"<div class="slate-p">Unlock Advanced Analytics</div>"#.into(),
            description_html:
                r#"<div class="slate-p">Get advanced dashboards, deeper insights, and <strong>custom reports</strong>.</div>"#
                    .into(),
            options: vec![OptionDef::new(OfferOption {
                id: ANALYTICS_OPTION.into(),
                label: "Unlock now".into(),
                processing_type: ProcessingType::UrlRedirect,
                processing_layout: Some(ProcessingLayout::FullPage),
                redirect_url: Some("/upgrade/analytics".into()),
            })],
        })
        .await?;
    engine
        .save_play(PlayRecord {
            id: ANALYTICS_PLAY.into(),
            name: "Advanced Analytics upsell".into(),
            play_type: PlayType::Expansion,
            audience_id: Some("aud_no_advanced_analytics".into()),
            trigger: "any_page_load".into(),
            offer_id: ANALYTICS_OFFER.into(),
            priority: 1,
            status: PlayStatus::Active,
            created_at: now,
        })
        .await?;
    Ok(true)
}

/// Plans and credit packs of the credit-pack flow (seed 002): a $0 base plan and one with a base fee, and
/// three per-unit packs whose metadata says how many credits one pack holds. On a 2.0 site the packs are
/// charge items in the credits family; on a 1.0 site, which has no families, they are non-recurring addons
/// and every credits plan and pack says its family in its metadata (`{"family": "credits"}`).
/// Added on every start when missing, so a database from before the flow existed gets them too.
pub async fn ensure_credit_catalog(engine: &Engine, family: &str) -> Result<(), EngineDemoError> {
    let now = engine.clock().now();
    let v1 = engine.catalog_version() == CatalogVersion::V1;
    let extras = |credits: Option<i64>| {
        let mut metadata = serde_json::Map::new();
        if v1 {
            metadata.insert("family".into(), json!(family));
        }
        if let Some(credits) = credits {
            metadata.insert("credits".into(), json!(credits));
        }
        PriceExtras {
            item_family_id: Some(family),
            per_unit: credits.is_some(),
            metadata: (!metadata.is_empty()).then_some(serde_json::Value::Object(metadata)),
            ..PriceExtras::default()
        }
    };
    for (item_id, name, price_id, price) in [
        ("credits-starter", "Starter", CREDITS_STARTER_PLAN, 0),
        ("credits-pro", "Pro", "credits-pro-USD-monthly", 1_900),
    ] {
        let plan = usd_plan(item_id, name, price_id, price, 1);
        catalog::ensure_item_price(engine.pool(), &plan, &extras(None), now).await?;
    }
    for (item_id, name, price_id, price, credits) in [
        ("credit-pack-100", "100 credits", "credit-pack-100-USD", 1_000, 100),
        ("credit-pack-500", "500 credits", CREDIT_PACK_500, 4_000, 500),
        ("credit-pack-2000", "2,000 credits", "credit-pack-2000-USD", 14_000, 2_000),
    ] {
        let pack = NewItemPrice {
            item_id,
            item_name: name,
            item_type: if v1 { "addon" } else { "charge" },
            price_id,
            currency: "USD",
            price,
            period: None,
            period_unit: None,
        };
        catalog::ensure_item_price(engine.pool(), &pack, &extras(Some(credits)), now).await?;
    }
    Ok(())
}

/// Gift plans (seed 001): non-renewing terms of the Growth plan bought as gifts, one of them shipping a
/// welcome box. Added on every start when missing.
pub async fn ensure_gift_plans(engine: &Engine) -> Result<(), EngineDemoError> {
    let now = engine.clock().now();
    for (item_id, name, price_id, price, months, shippable) in [
        ("gift-growth-3m", "Growth, 3-month gift", GIFT_PLAN_3_MONTHS, 12_000, 3, false),
        ("gift-growth-12m", "Growth, 12-month gift", "gift-growth-12m-USD", 39_900, 12, false),
        ("gift-growth-box-6m", "Growth, 6-month gift with welcome box", GIFT_PLAN_BOX, 22_900, 6, true),
    ] {
        let plan = usd_plan(item_id, name, price_id, price, months);
        let extras = PriceExtras { item_family_id: Some("gifts"), giftable: true, shippable, ..PriceExtras::default() };
        catalog::ensure_item_price(engine.pool(), &plan, &extras, now).await?;
    }
    Ok(())
}

/// A USD plan billed every `months` months.
fn usd_plan<'a>(item_id: &'a str, name: &'a str, price_id: &'a str, price: i64, months: i64) -> NewItemPrice<'a> {
    NewItemPrice {
        item_id,
        item_name: name,
        item_type: "plan",
        price_id,
        currency: "USD",
        price,
        period: Some(months),
        period_unit: Some("month"),
    }
}
