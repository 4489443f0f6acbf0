//! Product catalog 1.0 as the app sees the catalog: a 1.0 site's plans and addons read as the item prices
//! (and gift plans as the items) the rest of the app works with, so only this client knows which version
//! the site runs.
//!
//! A 1.0 site has no item families; its plans and addons name theirs in `meta_data` (`{"family": "credits"}`).

use growthkit_wire::{Addon, Item, ItemPrice, ItemPriceQuery, ItemQuery, ListParams, Plan};

/// The item price a plan is on 2.0 (Chargebee's migration keeps the plan's id for it).
pub(super) fn plan_price(p: Plan) -> ItemPrice {
    ItemPrice {
        item_id: p.id.clone(),
        item_family_id: family(p.meta_data.as_ref()),
        id: p.id,
        name: p.name,
        item_type: "plan".into(),
        currency_code: p.currency_code,
        price: p.price,
        period: Some(p.period),
        period_unit: Some(p.period_unit),
        pricing_model: p.pricing_model,
        status: p.status,
        metadata: p.meta_data,
        created_at: None,
        updated_at: Some(p.updated_at),
    }
}

/// The item price an addon is on 2.0; a non-recurring one has no period.
pub(super) fn addon_price(a: Addon) -> ItemPrice {
    let recurring = a.charge_type == "recurring";
    ItemPrice {
        item_id: a.id.clone(),
        item_family_id: family(a.meta_data.as_ref()),
        id: a.id,
        name: a.name,
        item_type: "addon".into(),
        currency_code: a.currency_code,
        price: a.price,
        period: a.period.filter(|_| recurring),
        period_unit: Some(a.period_unit).filter(|_| recurring),
        pricing_model: a.pricing_model,
        status: a.status,
        metadata: a.meta_data,
        created_at: None,
        updated_at: Some(a.updated_at),
    }
}

/// The item a plan is on 2.0, with the plan's gift flags.
pub(super) fn plan_item(p: Plan) -> Item {
    Item {
        item_family_id: family(p.meta_data.as_ref()).unwrap_or_default(),
        id: p.id,
        name: p.name,
        item_type: "plan".into(),
        status: p.status,
        is_giftable: p.giftable,
        is_shippable: p.is_shippable,
        enabled_for_checkout: p.enabled_in_hosted_pages,
        enabled_in_portal: p.enabled_in_portal,
        item_applicability: p.addon_applicability,
        metered: false,
        metadata: p.meta_data,
        updated_at: p.updated_at,
    }
}

fn family(meta: Option<&serde_json::Value>) -> Option<String> {
    meta?.get("family")?.as_str().map(str::to_owned)
}

/// Which 1.0 lists answer an item price query: plans for `plan`, addons for `addon` or `charge`, both for
/// none. Filters 1.0 lists lack (the family) are applied to the answer by [`keeps`].
pub(super) fn price_lists(query: &ItemPriceQuery) -> Vec<(&'static str, ListParams)> {
    let ids = (!query.item_ids.is_empty()).then(|| serde_json::to_string(&query.item_ids).unwrap_or_default());
    let params = || ListParams::new().with("limit", "100").with_some("id[in]", ids.as_deref());
    let wanted = query.item_type.as_deref();
    let mut lists = Vec::new();
    if matches!(wanted, None | Some("plan")) {
        lists.push(("plans", params()));
    }
    if matches!(wanted, None | Some("addon" | "charge")) {
        lists.push(("addons", params()));
    }
    lists
}

/// Whether a price read from a 1.0 list meets the parts of the query the list could not filter.
pub(super) fn keeps(query: &ItemPriceQuery, price: &ItemPrice) -> bool {
    query.item_family_id.is_none() || query.item_family_id == price.item_family_id
}

/// The plans answering an item query (gift plans are plans with `giftable` on 1.0).
pub(super) fn plan_params(query: &ItemQuery) -> Option<ListParams> {
    if !matches!(query.item_type.as_deref(), None | Some("plan")) {
        return None;
    }
    let giftable = query.giftable.map(|g| if g { "true" } else { "false" });
    Some(ListParams::new().with("limit", "100").with_some("giftable[is]", giftable))
}
