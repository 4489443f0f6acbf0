//! The studio: where the product team (admins) configures Growth — custom fields, audiences, offers, plays
//! and settings — previews every offer in all three patterns, dry-runs decisions with the reason each
//! play won or lost, reads each offer's funnel, and moves the engine's clock (time travel). It is the
//! built-in engine's own console, as Chargebee's dashboard is for Chargebee.

pub mod api;
pub mod model;
pub mod view;

#[cfg(feature = "ssr")]
pub mod service;
