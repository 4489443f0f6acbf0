//! What the engine serves to browsers, in place of Chargebee.js and the endpoints it calls: the card
//! script at `/js/v2/chargebee.js`, and `POST /js/v2/payment_intents/{id}/authorize`, where that script
//! sends the card. Both answer any origin (a merchant's pages load them cross-site, as they load
//! Chargebee.js) and take the site's publishable key, never the API key: the card reaches billing without
//! passing through the merchant's server.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use subtle::ConstantTimeEq;
use tower_http::cors::{Any, CorsLayer};

use super::form::Form;
use super::{ApiResult, Refusal, json};
use crate::Engine;
use crate::gateway::Card;
use growthkit_wire::ApiError;

const SCRIPT: &str = include_str!("../../assets/chargebee.js");

#[derive(Clone)]
struct BrowserState {
    engine: Arc<Engine>,
    publishable_key: Arc<str>,
}

/// The browser-facing routes, to merge at the root of the engine's own address.
pub fn router<S: Clone + Send + Sync + 'static>(engine: Arc<Engine>, publishable_key: &str) -> Router<S> {
    let state = BrowserState { engine: engine.clone(), publishable_key: publishable_key.into() };
    Router::new()
        .route("/js/v2/chargebee.js", get(script))
        .route("/js/v2/payment_intents/{id}/authorize", post(authorize))
        .layer(CorsLayer::new().allow_origin(Any).allow_methods(Any).allow_headers(Any))
        .with_state(state)
        // Hosted pages are visited, not fetched cross-site: no CORS.
        .merge(super::checkout_page::router(engine))
}

async fn script() -> impl IntoResponse {
    ([(CONTENT_TYPE, "text/javascript; charset=utf-8"), (CACHE_CONTROL, "public, max-age=300")], SCRIPT)
}

/// Authorizes the intent with the card in the form (`card[number]`, `card[expiry_month]`,
/// `card[expiry_year]`, `card[cvv]`) and answers `{payment_intent}`; a declined card answers the gateway's
/// 402 and the intent records the refusal.
async fn authorize(State(s): State<BrowserState>, Path(id): Path<String>, bytes: Bytes) -> ApiResult {
    let form = Form::parse(&bytes);
    let key = form.optional("publishable_key").unwrap_or_default();
    if !bool::from(key.as_bytes().ct_eq(s.publishable_key.as_bytes())) {
        return Err(Refusal(ApiError::unauthenticated()));
    }
    let c = form.card()?;
    let card = Card { number: c.number, expiry_month: c.expiry_month, expiry_year: c.expiry_year, cvv: c.cvv };
    json(serde_json::json!({ "payment_intent": s.engine.authorize_payment_intent(&id, &card).await? }))
}
