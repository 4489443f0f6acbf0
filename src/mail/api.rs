//! Server function for the outbox page.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::model::OutboxView;
use crate::error::AppError;

/// `GET /api/outbox`: the newest e-mails — all of them for the product team, else those sent to the
/// signed-in user.
#[server(prefix = "/api", endpoint = "outbox", input = GetUrl)]
pub async fn outbox() -> Result<OutboxView, AppError> {
    use crate::request::{respond, signed_in};
    respond(
        async {
            let (state, user) = signed_in().await?;
            let to = (!user.is_admin).then_some(user.email.as_str());
            let messages = super::repo::visible(&state.pool, to, state.clock.now(), 100)
                .await
                .map_err(|e| AppError::internal("reading the outbox", e))?;
            Ok(OutboxView { messages, everyone: user.is_admin, smtp: state.mailer.is_some() })
        }
        .await,
    )
}
