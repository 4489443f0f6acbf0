//! The product catalog (2.0): item families, items and item prices.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::routing::get;

use super::{ApiResult, ApiState, json, list_params, wrapped};

pub(super) fn routes() -> Router<ApiState> {
    Router::new()
        .route("/item_prices", get(list_item_prices))
        .route("/item_prices/{id}", get(retrieve_item_price))
        .route("/items", get(list_items))
        .route("/items/{id}", get(retrieve_item))
        .route("/item_families", get(list_item_families))
        .route("/item_families/{id}", get(retrieve_item_family))
}

async fn list_item_prices(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    wrapped("item_price", s.engine.list_item_prices(&list_params(q)).await?)
}

async fn retrieve_item_price(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "item_price": s.engine.retrieve_item_price(&id).await? }))
}

async fn list_items(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    wrapped("item", s.engine.list_items(&list_params(q)).await?)
}

async fn retrieve_item(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "item": s.engine.retrieve_item(&id).await? }))
}

async fn list_item_families(State(s): State<ApiState>, RawQuery(q): RawQuery) -> ApiResult {
    wrapped("item_family", s.engine.list_item_families(&list_params(q)).await?)
}

async fn retrieve_item_family(State(s): State<ApiState>, Path(id): Path<String>) -> ApiResult {
    json(serde_json::json!({ "item_family": s.engine.retrieve_item_family(&id).await? }))
}
