//! The server's half of a card payment (the browser's is `ui::payment`): a payment intent for the amount
//! due, created before the card is typed into billing's script, and afterwards billing's own record of
//! whether it was authorized. The server never handles the card.

use crate::billing::BillingError;
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::payment::PaymentStart;
use growthkit_wire::{ApiError, NewPaymentIntent, PaymentMethod};

/// A new intent for `amount` minor units of `currency`, with the script the page authorizes it with.
pub async fn start(state: &AppState, amount: i64, currency: &str) -> Result<PaymentStart, AppError> {
    let req = NewPaymentIntent { amount, currency_code: currency.to_owned(), customer_id: None };
    let intent = state.billing.create_payment_intent(&req).await?;
    Ok(PaymentStart { script: state.config.card_script(), intent })
}

/// What billing says of an intent the browser was to authorize.
pub enum Authorization {
    /// Pay with it. (Consumed already is a repeat of the call that charged it, which billing answers again
    /// under its idempotency key, or refuses.)
    Ready(PaymentMethod),
    /// The card was declined: billing's 402 with the gateway's reason.
    Declined(ApiError),
}

/// Billing's record of intent `raw_id` (as the browser sent it). An intent never authorized asks for the
/// card again.
pub async fn authorization(state: &AppState, raw_id: &str) -> Result<Authorization, AppError> {
    let id = raw_id.trim();
    let well_formed =
        (1..=100).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c));
    if !well_formed {
        return Err(AppError::invalid("Enter the card details and pay again."));
    }
    let intent = state.billing.retrieve_payment_intent(id).await?;
    if intent.status == "consumed" {
        return Ok(Authorization::Ready(PaymentMethod::Intent(intent.id)));
    }
    match intent.unusable() {
        None => Ok(Authorization::Ready(PaymentMethod::Intent(intent.id))),
        Some(decline) if decline.http_status_code == 402 => Ok(Authorization::Declined(decline)),
        Some(_) => Err(AppError::invalid(
            "The card was not authorized. Check the card details and pay again; nothing was charged.",
        )),
    }
}

/// [`authorization`], with a decline as the error the browser shows.
pub async fn authorized(state: &AppState, raw_id: &str) -> Result<PaymentMethod, AppError> {
    match authorization(state, raw_id).await? {
        Authorization::Ready(payment) => Ok(payment),
        Authorization::Declined(decline) => Err(BillingError::Refused(decline).into()),
    }
}
