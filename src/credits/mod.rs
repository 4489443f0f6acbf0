//! Prepaid credit packs (seed 002). Lifecycle: checkout buys a plan with a credit pack → billing's
//! `payment_succeeded` webhook grants the pack's credits to the account's append-only ledger (once per
//! event) → running reports consumes credits → below the account's threshold a popup (once per
//! low-balance episode) offers "top up now" (invoice the pack now), "at renewal" (charge it with the
//! renewal invoice), "no" (cancel at term end, undoable) or "change" (another pack, charged now).

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod view;
