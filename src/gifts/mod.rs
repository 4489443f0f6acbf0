//! Gift subscriptions (seed 001), app side. Lifecycle: the gifter picks a gift plan, the recipient, a
//! message and when the recipient hears of it, and pays → billing creates the gift (`scheduled`) →
//! at the chosen time it becomes `unclaimed` and the recipient gets an e-mail with a single-use claim
//! link (or, with auto-claim, it is claimed at once) → the recipient claims it on `/gift/claim/{token}`
//! and the gift subscription starts (non-renewing, cancelled at term end) → or the claim window closes
//! (`expired`) → or the gifter cancels while scheduled (`cancelled`). Billing's gift events drive the six
//! e-mails, each written once to the outbox however often an event arrives.

pub mod api;
pub mod model;
#[cfg(feature = "ssr")]
pub mod repo;
#[cfg(feature = "ssr")]
pub mod service;
pub mod view;
