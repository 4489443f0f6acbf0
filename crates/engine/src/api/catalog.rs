//! The product catalog: item families, items and item prices on a 2.0 site, plans and addons on 1.0.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;

use super::{ApiResult, ApiState, json, list_params, wrapped};
use growthkit_wire::CatalogVersion::{V1, V2};

pub(super) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/item_prices", get(list_item_prices))
        .route("/item_prices/{id}", get(retrieve_item_price))
        .route("/items", get(list_items))
        .route("/items/{id}", get(retrieve_item))
        .route("/item_families", get(list_item_families))
        .route("/item_families/{id}", get(retrieve_item_family))
        .route("/plans", get(list_plans))
        .route("/plans/{id}", get(retrieve_plan))
        .route("/addons", get(list_addons))
        .route("/addons/{id}", get(retrieve_addon))
}

async fn list_item_prices(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    s.engine.require_catalog(V2)?;
    wrapped("item_price", s.engine.list_item_prices(&list_params(q)).await?)
}

async fn retrieve_item_price(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    s.engine.require_catalog(V2)?;
    json(serde_json::json!({ "item_price": s.engine.retrieve_item_price(&id).await? }))
}

async fn list_items(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    s.engine.require_catalog(V2)?;
    wrapped("item", s.engine.list_items(&list_params(q)).await?)
}

async fn retrieve_item(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    s.engine.require_catalog(V2)?;
    json(serde_json::json!({ "item": s.engine.retrieve_item(&id).await? }))
}

async fn list_item_families(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    s.engine.require_catalog(V2)?;
    wrapped("item_family", s.engine.list_item_families(&list_params(q)).await?)
}

async fn retrieve_item_family(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    s.engine.require_catalog(V2)?;
    json(serde_json::json!({ "item_family": s.engine.retrieve_item_family(&id).await? }))
}

async fn list_plans(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    s.engine.require_catalog(V1)?;
    wrapped("plan", s.engine.list_plans(&list_params(q)).await?)
}

async fn retrieve_plan(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    s.engine.require_catalog(V1)?;
    json(serde_json::json!({ "plan": s.engine.retrieve_plan(&id).await? }))
}

async fn list_addons(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    s.engine.require_catalog(V1)?;
    wrapped("addon", s.engine.list_addons(&list_params(q)).await?)
}

async fn retrieve_addon(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    s.engine.require_catalog(V1)?;
    json(serde_json::json!({ "addon": s.engine.retrieve_addon(&id).await? }))
}
