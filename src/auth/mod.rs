//! Sign-in, sessions and the signed-in user.
//!
//! A session starts at sign-in (the session id is rotated then, so an id planted before sign-in is
//! useless), lives in the database through tower-sessions, and ends at sign-out (the record is deleted
//! and the cookie cleared). Pages under `/app` and `/studio` are guarded before they render.

pub mod api;
pub mod model;
pub mod view;

#[cfg(feature = "ssr")]
pub mod guard;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod throttle;
