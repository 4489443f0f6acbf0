//! Sign-in and sign-out use cases.

use sqlx::SqlitePool;
use tower_sessions::Session;

use super::model::{CurrentUser, validate_credentials};
use super::{password, repo};
use crate::error::AppError;

/// The session key holding the signed-in user's id.
const USER_ID: &str = "user_id";

/// Checks the credentials and, if they match, starts a fresh session for the user.
pub async fn sign_in(pool: &SqlitePool, session: &Session, email: &str, pass: &str) -> Result<CurrentUser, AppError> {
    validate_credentials(email, pass)?;
    let found = repo::credentials_by_email(pool, email.trim()).await?;

    // Verify even when the e-mail is unknown, so both failures take the same time.
    let stored = found.as_ref().map(|c| c.password_hash.clone()).unwrap_or_else(|| password::decoy_hash().to_owned());
    let pass = pass.to_owned();
    let matches = tokio::task::spawn_blocking(move || password::verify(&pass, &stored))
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
