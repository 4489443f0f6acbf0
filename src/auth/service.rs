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

/// A user to add from the command line, with an account of their own (`growthkit create-user`).
pub struct NewMember {
    pub email: String,
    pub name: String,
    pub account_name: String,
    pub password: String,
    pub admin: bool,
}

/// Creates an account and its owner. The e-mail must be free and the password at least 12 characters.
pub async fn create_owner(pool: &SqlitePool, new: &NewMember, now: i64) -> Result<String, AppError> {
    validate_credentials(&new.email, &new.password)?;
    if new.password.chars().count() < 12 {
        return Err(AppError::invalid("Choose a password of at least 12 characters."));
    }
    let (name, account_name) = (new.name.trim(), new.account_name.trim());
    if name.is_empty() || name.len() > 100 || account_name.is_empty() || account_name.len() > 100 {
        return Err(AppError::invalid("Give a name and an account name of 1 to 100 characters."));
    }
    let email = new.email.trim().to_lowercase();
    if repo::credentials_by_email(pool, &email).await?.is_some() {
        return Err(AppError::Conflict(format!("There is already a user with the e-mail {email}.")));
    }
    let pass = new.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash(&pass))
        .await
        .map_err(|e| AppError::internal("password hashing task", e))?
        .map_err(|e| AppError::internal("password hashing", e))?;
    let (account_id, user_id) = (crate::keys::random_id("acct_"), crate::keys::random_id("usr_"));
    let mut tx = pool.begin().await?;
    repo::insert_account(&mut tx, &account_id, account_name, now).await?;
    let user = repo::NewUser {
        id: &user_id,
        account_id: &account_id,
        email: &email,
        name,
        password_hash: &hash,
        role: super::model::Role::Owner,
        is_admin: new.admin,
    };
    repo::insert_user(&mut tx, &user, now).await?;
    tx.commit().await?;
    Ok(user_id)
}
