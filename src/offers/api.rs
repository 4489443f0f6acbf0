//! Server functions for offers and the upgrade. Each authenticates, then hands over to the service.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::model::{Accepted, Gate, Paid, UpgradeView};
use crate::error::AppError;
use crate::ui::payment::PaymentStart;
use growthkit_wire::OfferEventType;

/// `GET /api/analytics_gate`: whether Advanced Analytics is unlocked, and the offer to show if not.
#[server(prefix = "/api", endpoint = "analytics_gate", input = GetUrl)]
pub async fn analytics_gate(page: String) -> Result<Gate, AppError> {
    use crate::request::{request_context, respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            let page = Some(page).filter(|p| p.len() <= 200).and_then(|p| growthkit_engine::safe_url::local_path(&p));
            let page = page.unwrap_or_else(|| "/app".into());
            super::service::gate(&state, &user, request_context(&page)).await
        }
        .await,
    )
}

/// `POST /api/offer_event` (`kind`: `viewed` | `dismissed`).
#[server(prefix = "/api", endpoint = "offer_event")]
pub async fn offer_event(personalized_offer_id: String, token: String, kind: OfferEventType) -> Result<(), AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::record_event(&state, &user, &personalized_offer_id, &token, kind).await
        }
        .await,
    )
}

/// `POST /api/accept_offer`: accepts an offer option; answers where to go next.
#[server(prefix = "/api", endpoint = "accept_offer")]
pub async fn accept_offer(
    personalized_offer_id: String,
    option_id: String,
    token: String,
) -> Result<Accepted, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::accept(&state, &user, &personalized_offer_id, &option_id, &token).await
        }
        .await,
    )
}

/// `GET /api/upgrade_status?fulfillment=…`: where an upgrade stands.
#[server(prefix = "/api", endpoint = "upgrade_status", input = GetUrl)]
pub async fn upgrade_status(fulfillment: String) -> Result<UpgradeView, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::upgrade_view(&state, &user, &fulfillment).await
        }
        .await,
    )
}

/// `POST /api/upgrade_payment`: a payment intent for the upgrade's price, for the browser to authorize.
#[server(prefix = "/api", endpoint = "upgrade_payment")]
pub async fn upgrade_payment(fulfillment: String) -> Result<PaymentStart, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::start_payment(&state, &user, &fulfillment).await
        }
        .await,
    )
}

/// `POST /api/pay_upgrade`: pays for the upgrade with the payment intent the browser authorized.
#[server(prefix = "/api", endpoint = "pay_upgrade")]
pub async fn pay_upgrade(fulfillment: String, payment_intent_id: String) -> Result<Paid, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::pay(&state, &user, &fulfillment, &payment_intent_id).await
        }
        .await,
    )
}
