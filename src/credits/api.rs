//! Server functions for credits. Each authenticates, then hands over to the service.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::model::{CheckoutInput, ChoiceOutcome, CreditsOverview, ReportRun, TopUpChoice};
use crate::error::AppError;
use crate::ui::payment::PaymentStart;

/// `GET /api/credits`: the credits page's state (checkout, activating, or balance and choices).
#[server(prefix = "/api", endpoint = "credits", input = GetUrl)]
pub async fn load_credits() -> Result<CreditsOverview, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::overview(&state, &user).await
        }
        .await,
    )
}

/// `POST /api/credits_payment`: a payment intent for the checkout's total, for the browser to authorize.
#[server(prefix = "/api", endpoint = "credits_payment")]
pub async fn credits_payment(plan_id: String, pack_id: String, quantity: String) -> Result<PaymentStart, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::start_payment(&state, &user, &plan_id, &pack_id, &quantity).await
        }
        .await,
    )
}

/// `POST /api/credits_checkout`: buys a plan with a credit pack, paid with the authorized payment intent.
#[server(prefix = "/api", endpoint = "credits_checkout")]
pub async fn credits_checkout(input: CheckoutInput) -> Result<ChoiceOutcome, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::checkout(&state, &user, input).await
        }
        .await,
    )
}

/// `POST /api/credits_choice`: top up now, at renewal, stop at term end, change pack, or undo a stop.
#[server(prefix = "/api", endpoint = "credits_choice")]
pub async fn credits_choice(
    choice: TopUpChoice,
    pack_id: String,
    // Packs to buy with `change`; the other choices take the pack and quantity bought last.
    quantity: Option<i64>,
    nonce: String,
) -> Result<ChoiceOutcome, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::choose(&state, &user, choice, &pack_id, quantity, &nonce).await
        }
        .await,
    )
}

/// `POST /api/run_report`: runs a report, using credits.
#[server(prefix = "/api", endpoint = "run_report")]
pub async fn run_report(nonce: String) -> Result<ReportRun, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::run_report(&state, &user, &nonce).await
        }
        .await,
    )
}

/// `POST /api/low_balance_seen`: the low-balance popup was shown for this episode.
#[server(prefix = "/api", endpoint = "low_balance_seen")]
pub async fn low_balance_seen(episode: i64) -> Result<(), AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::acknowledge_prompt(&state, &user, episode).await
        }
        .await,
    )
}

/// `POST /api/credits_threshold`: the balance below which the popup is offered.
#[server(prefix = "/api", endpoint = "credits_threshold")]
pub async fn credits_threshold(threshold: i64) -> Result<(), AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            super::service::set_threshold(&state, &user, threshold).await
        }
        .await,
    )
}
