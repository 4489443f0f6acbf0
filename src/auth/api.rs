//! Server functions for sign-in. Each is a public HTTP endpoint under `/api`.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::model::{CurrentUser, DemoLogin};
use crate::error::AppError;

/// `POST /api/login` (form fields `email`, `password`, optional `next`). Starts a session and redirects
/// to `next` (a local path) or `/app`.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(email: String, password: String, next: Option<String>) -> Result<(), AppError> {
    use crate::request::{client_address, respond, retry_after, session, state};
    respond(
        async {
            let state = state()?;
            let from = client_address(&state).await;
            let signed_in = super::service::sign_in(&state, &session().await?, from, &email, &password).await;
            if let Err((err, wait)) = signed_in {
                wait.into_iter().for_each(retry_after);
                return Err(err);
            }
            leptos_axum::redirect(&super::model::safe_next_path(next.as_deref()));
            Ok(())
        }
        .await,
    )
}

/// `POST /api/logout`. Ends the session and redirects to the sign-in page.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    use crate::request::{respond, session};
    respond(
        async {
            super::service::sign_out(&session().await?).await?;
            leptos_axum::redirect("/login?signed_out=1");
            Ok(())
        }
        .await,
    )
}

/// `GET /api/me`: the signed-in user, or `None` when nobody is signed in.
#[server(prefix = "/api", endpoint = "me", input = GetUrl)]
pub async fn fetch_current_user() -> Result<Option<CurrentUser>, AppError> {
    use crate::request::{respond, session, state};
    respond(
        async {
            let state = state()?;
            super::service::user_from_session(&state.pool, &session().await?).await
        }
        .await,
    )
}

/// `GET /api/demo_logins`: the demo users to offer on the sign-in page, empty unless demo data is on.
#[server(prefix = "/api", endpoint = "demo_logins", input = GetUrl)]
pub async fn demo_logins() -> Result<Vec<DemoLogin>, AppError> {
    use crate::request::{respond, state};
    respond(state().map(|state| {
        // The password is shown only where demo data can be: a server listening on loopback alone.
        if !state.config.demo_data || !state.config.addr.ip().is_loopback() {
            return Vec::new();
        }
        crate::demo::DEMO_USERS
            .iter()
            .map(|u| DemoLogin {
                email: u.email.into(),
                name: u.name.into(),
                password: crate::demo::DEMO_PASSWORD.into(),
            })
            .collect()
    }))
}
