//! The one error type the browser ever sees.
//!
//! Every server function returns `Result<_, AppError>`. Variants carry only text that is safe to show a
//! user; anything internal (SQL errors, I/O, panics in a blocking task) is logged on the server once, where
//! it happens, and reaches the browser as [`AppError::Internal`].

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A user-facing failure with an HTTP status. The `Display` text is what the UI shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "message", rename_all = "snake_case")]
pub enum AppError {
    /// No signed-in user where one is required.
    #[error("Please sign in to continue.")]
    Unauthenticated,
    /// Sign-in with an unknown e-mail or a wrong password (one message for both, so it reveals neither).
    #[error("That e-mail and password do not match an account.")]
    InvalidCredentials,
    /// Signed in, but not allowed to do this; the message may say who is (see [`AppError::forbidden`]).
    #[error("{0}")]
    Forbidden(String),
    /// The thing asked for does not exist (or is not visible to this user).
    #[error("{0}")]
    NotFound(String),
    /// Input that fails validation; the message names the field and the rule.
    #[error("{0}")]
    Invalid(String),
    /// The request is valid but clashes with the current state (already accepted, already claimed…).
    #[error("{0}")]
    Conflict(String),
    /// A request body over the size limit.
    #[error("That request is too large.")]
    TooLarge,
    /// Too many requests in a short time.
    #[error("Too many attempts. Please wait a minute and try again.")]
    RateLimited,
    /// Billing could not be reached or answered with its own failure; nothing was changed.
    #[error("Billing could not be reached. Nothing changed; please try again.")]
    Unavailable,
    /// A failure on our side; details are in the server log only.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The browser could not reach the server or read its answer.
    #[error("Could not reach the server. Check your connection and try again.")]
    Network,
}

impl AppError {
    /// The HTTP status a server function answers with when it fails with this error.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated | AppError::InvalidCredentials => 401,
            AppError::Forbidden(_) => 403,
            AppError::NotFound(_) => 404,
            AppError::Invalid(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::TooLarge => 413,
            AppError::RateLimited => 429,
            AppError::Internal => 500,
            AppError::Network => 502,
            AppError::Unavailable => 503,
        }
    }

    /// A stable, snake_case name for the variant (also its `kind` on the wire).
    pub fn kind(&self) -> &'static str {
        match self {
            AppError::Unauthenticated => "unauthenticated",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Invalid(_) => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::TooLarge => "too_large",
            AppError::RateLimited => "rate_limited",
            AppError::Internal => "internal",
            AppError::Network => "network",
            AppError::Unavailable => "unavailable",
        }
    }

    /// The message to show for a page reached with `?error=<kind>` (after a form post without
    /// JavaScript failed). Only known kinds map to text, so the query string cannot inject wording.
    pub fn message_for_kind(kind: &str) -> Option<String> {
        let err = match kind {
            "unauthenticated" => AppError::Unauthenticated,
            "invalid_credentials" => AppError::InvalidCredentials,
            "forbidden" => AppError::forbidden(),
            "not_found" => AppError::NotFound("That could not be found.".into()),
            "invalid" => AppError::invalid("Please check the form and try again."),
            "conflict" => AppError::Conflict("That has already been done.".into()),
            "too_large" => AppError::TooLarge,
            "rate_limited" => AppError::RateLimited,
            "internal" => AppError::Internal,
            "unavailable" => AppError::Unavailable,
            _ => return None,
        };
        Some(err.to_string())
    }

    /// Access refused, with the general message.
    pub fn forbidden() -> Self {
        AppError::Forbidden("You do not have access to this.".into())
    }

    /// Shorthand for a validation failure.
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::Invalid(message.into())
    }

    /// Logs an internal failure with its context and returns the safe variant. Call it exactly where the
    /// failure is first seen, so each one is logged once.
    #[cfg(feature = "ssr")]
    #[track_caller]
    pub fn internal(context: &str, err: impl std::fmt::Display) -> Self {
        let at = std::panic::Location::caller();
        tracing::error!(%at, "{context}: {err}");
        AppError::Internal
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server these are a request we could not read: the caller's to fix, never retried.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Deserialization(msg) => {
                if msg.contains("length limit") {
                    AppError::TooLarge
                } else {
                    AppError::invalid("The request was incomplete or malformed.")
                }
            }
            // In the browser, an answer that never came or could not be read.
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Request(_) | ServerFnErrorErr::Deserialization(_) => AppError::Network,
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => {
                AppError::invalid("The request was incomplete or malformed.")
            }
            other => {
                #[cfg(feature = "ssr")]
                tracing::error!("server function plumbing failed: {other}");
                #[cfg(not(feature = "ssr"))]
                let _ = other;
                AppError::Internal
            }
        }
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    #[track_caller]
    fn from(err: sqlx::Error) -> Self {
        AppError::internal("database", err)
    }
}

#[cfg(feature = "ssr")]
impl From<tower_sessions::session::Error> for AppError {
    #[track_caller]
    fn from(err: tower_sessions::session::Error) -> Self {
        AppError::internal("session store", err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_match_meaning() {
        assert_eq!(AppError::Unauthenticated.status(), 401);
        assert_eq!(AppError::forbidden().status(), 403);
        assert_eq!(AppError::Unavailable.status(), 503);
        assert_eq!(AppError::NotFound("x".into()).status(), 404);
        assert_eq!(AppError::invalid("x").status(), 422);
        assert_eq!(AppError::Internal.status(), 500);
    }

    #[test]
    fn error_kinds_map_back_to_fixed_messages_only() {
        let kind = AppError::InvalidCredentials.kind();
        assert_eq!(AppError::message_for_kind(kind), Some(AppError::InvalidCredentials.to_string()));
        assert_eq!(AppError::message_for_kind("<script>"), None);
    }

    #[test]
    fn round_trips_through_the_wire_format() {
        let err = AppError::invalid("E-mail is required.");
        let back = AppError::de(err.ser());
        assert_eq!(back, err);
        assert_eq!(back.to_string(), "E-mail is required.");
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn unreadable_requests_are_the_callers_to_fix() {
        let big = AppError::from_server_fn_error(ServerFnErrorErr::Request("length limit exceeded".into()));
        assert_eq!((big.status(), big.kind()), (413, "too_large"));
        let garbled = AppError::from_server_fn_error(ServerFnErrorErr::Deserialization("invalid utf-8".into()));
        assert_eq!(garbled.status(), 422);
    }

    #[test]
    fn plumbing_errors_never_carry_internal_text() {
        let err = AppError::from_server_fn_error(ServerFnErrorErr::ServerError("SELECT * leaked".into()));
        assert_eq!(err, AppError::Internal);
        assert!(!err.to_string().contains("SELECT"));
    }
}
