//! E-mail: every message the app writes goes into the outbox table first, in the same step that decides
//! to send it, so a crash or a repeated event never loses or doubles one. The sender then delivers due
//! messages over SMTP (lettre) when `SMTP_URL` is set, and otherwise keeps them in the outbox only;
//! `/outbox` shows them either way.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod sender;
#[cfg(feature = "ssr")]
pub mod smtp;
pub mod view;
