//! Server functions for gifts. Buying and the gift pages need a signed-in user; the claim endpoints
//! are open to whoever holds the claim link, which is the recipient's proof.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::model::{AddressInput, CheckoutData, ClaimPage, GiftBought, GiftCheckoutInput, GiftRole, GiftsOverview};
use crate::error::AppError;
use crate::ui::payment::PaymentStart;

/// `GET /api/gift_checkout`: gift plans and what the checkout may ask.
#[server(prefix = "/api", endpoint = "gift_checkout", input = GetUrl)]
pub async fn gift_checkout() -> Result<CheckoutData, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::checkout_data(&state, &user).await
        }
        .await,
    )
}

/// `POST /api/gift_payment`: checks the gift checkout and answers a payment intent for the plan's price, for
/// the browser to authorize.
#[server(prefix = "/api", endpoint = "gift_payment")]
pub async fn gift_payment(input: GiftCheckoutInput) -> Result<PaymentStart, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, _user) = signed_in().await?;
            super::service::start_payment(&state, &input).await
        }
        .await,
    )
}

/// `POST /api/buy_gift`: pays for a gift (with the authorized intent) and schedules it.
#[server(prefix = "/api", endpoint = "buy_gift")]
pub async fn buy_gift(input: GiftCheckoutInput) -> Result<GiftBought, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::buy(&state, &user, input).await
        }
        .await,
    )
}

/// `GET /api/my_gifts`: gifts given by the user's account and received by the user.
#[server(prefix = "/api", endpoint = "my_gifts", input = GetUrl)]
pub async fn my_gifts() -> Result<GiftsOverview, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::my_gifts(&state, &user).await
        }
        .await,
    )
}

/// `POST /api/cancel_gift`: `role` is `gifter` (a scheduled gift) or `recipient`.
#[server(prefix = "/api", endpoint = "cancel_gift")]
pub async fn cancel_gift(gift_id: String, role: GiftRole) -> Result<String, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            match role {
                GiftRole::Gifter => super::service::cancel_as_gifter(&state, &user, &gift_id).await,
                GiftRole::Recipient => super::service::cancel_as_recipient(&state, &user, &gift_id).await,
            }
        }
        .await,
    )
}

/// `POST /api/reschedule_gift`: a new notification time (Unix seconds) for a scheduled gift.
#[server(prefix = "/api", endpoint = "reschedule_gift")]
pub async fn reschedule_gift(
    gift_id: String,
    send_at: i64,
    time_zone: String,
    utc_offset_minutes: i64,
) -> Result<String, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::reschedule(&state, &user, &gift_id, send_at, &time_zone, utc_offset_minutes).await
        }
        .await,
    )
}

/// `GET /api/gift_claim?token=…`: the gift behind a claim link.
#[server(prefix = "/api", endpoint = "gift_claim", input = GetUrl)]
pub async fn gift_claim(token: String) -> Result<ClaimPage, AppError> {
    use crate::request::{respond, state};
    respond(async { super::service::claim_page(&state()?, &token).await }.await)
}

/// `POST /api/claim_gift`: claims the gift behind a link, with a shipping address when one is needed.
#[server(prefix = "/api", endpoint = "claim_gift")]
pub async fn claim_gift(token: String, address: Option<AddressInput>) -> Result<ClaimPage, AppError> {
    use crate::request::{respond, state};
    respond(async { super::service::claim(&state()?, &token, address.unwrap_or_default()).await }.await)
}
