//! Sign-in and sign-out use cases.

use std::net::IpAddr;

use sqlx::SqlitePool;
use tower_sessions::Session;

use super::model::{CurrentUser, validate_credentials};
use super::throttle::Refused;
use super::{password, repo};
use crate::error::AppError;
use crate::state::AppState;

/// The session key holding the signed-in user's id.
const USER_ID: &str = "user_id";

/// A refused sign-in attempt: the error, and for a rate limit the seconds to wait (`Retry-After`).
pub type SignInError = (AppError, Option<u64>);

/// Checks the credentials and, if they match, starts a fresh session for the user. Attempts count
/// against `from` and the e-mail address before any password is checked.
pub async fn sign_in(
    state: &AppState,
    session: &Session,
    from: IpAddr,
    email: &str,
    pass: &str,
) -> Result<CurrentUser, SignInError> {
    validate_credentials(email, pass).map_err(|e| (e, None))?;
    let throttled = |refused| match refused {
        Refused::TooMany { retry_after } => (AppError::RateLimited, Some(retry_after)),
        Refused::Busy => (AppError::RateLimited, Some(1)),
    };
    state.login_throttle.attempt(from, email).map_err(throttled)?;
    verified(state, session, email, pass, state.login_throttle.check_slot().await.map_err(throttled)?)
        .await
        .map_err(|e| (e, None))
}

async fn verified(
    state: &AppState,
    session: &Session,
    email: &str,
    pass: &str,
    slot: tokio::sync::OwnedSemaphorePermit,
) -> Result<CurrentUser, AppError> {
    let pool = &state.pool;
    let found = repo::credentials_by_email(pool, email.trim()).await?;

    // Verify even when the e-mail is unknown, so both failures take the same time.
    let stored = found.as_ref().map(|c| c.password_hash.clone()).unwrap_or_else(|| password::decoy_hash().to_owned());
    let pass = pass.to_owned();
    let matches = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        password::verify(&pass, &stored)
    })
    .await
    .map_err(|e| AppError::internal("password check task", e))?;

    let Some(credentials) = found.filter(|_| matches) else {
        return Err(AppError::InvalidCredentials);
    };
    let user = repo::current_user(pool, &credentials.user_id).await?.ok_or(AppError::InvalidCredentials)?;

    // A new id at the privilege change: an id fixed before sign-in (session fixation) is worthless after it.
    session.cycle_id().await?;
    session.insert(USER_ID, &user.id).await?;
    Ok(user)
}

/// Ends the session: the stored record is deleted and the cookie cleared.
pub async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await?;
    Ok(())
}

/// The user this session belongs to, if any. A session whose user was deleted counts as signed out.
pub async fn user_from_session(pool: &SqlitePool, session: &Session) -> Result<Option<CurrentUser>, AppError> {
    let Some(user_id) = session.get::<String>(USER_ID).await? else {
        return Ok(None);
    };
    Ok(repo::current_user(pool, &user_id).await?)
}
