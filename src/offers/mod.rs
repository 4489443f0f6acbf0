//! Entitlement-gated upgrade offers, the app side.
//!
//! A signed-in user opens a gated feature (Advanced Analytics). Without the entitlement, the app asks
//! billing for a personalized offer (customer, subscription, `custom.has_advanced_analytics = false`, the
//! request's context), sanitizes its HTML and shows it as a banner (dashboard), an inline callout (next to
//! the locked feature) or a modal (on a gated action). Each display posts `viewed`; "Maybe later" or
//! closing posts `dismissed`. Accepting writes an acceptance row, then creates the fulfillment with the
//! row's id as idempotency key, and sends the user to our upgrade page. Paying there changes the plan on
//! the test gateway, grants the entitlement and marks the fulfillment completed; a decline or a
//! provisioning error marks it failed with the reason, and the user may try again. Acceptances left
//! in progress for a day are failed by the reconciliation job ("abandoned").

pub mod api;
pub mod model;
pub mod view;

#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod sanitize;
#[cfg(feature = "ssr")]
pub mod service;
