//! Chargebee Growth: custom fields, audiences, offers and plays (configuration), and at run time
//! personalized offers, offer events and offer fulfillments.
//!
//! Lifecycle of an offer for one customer and subscription: decided (a personalized offer row is
//! written the first time only) → viewed / dismissed (dismissal starts the cooldown) → accepted (a
//! fulfillment is created `in_progress`; the unique index allows one live fulfillment per offer, play and
//! subscription) → `completed` or `failed` (terminal; after 7 days untouched the engine fails it with
//! `external_fulfillment_failed`). A failed fulfillment no longer blocks, so the offer can be taken again.

pub mod admin;
pub mod cache;
pub mod config;
pub mod repo;
pub mod rules;
pub mod service;
pub mod stats;
