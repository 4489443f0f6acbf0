//! Read-through caches for the decision hot path: the customer/subscription facts and what is
//! remembered per customer and subscription (dismissals, acceptances). Every engine write that changes
//! them invalidates the entry; a short time-to-live bounds staleness when several processes share one
//! database (their writes cannot invalidate this process's entries). A decision racing a write may
//! show an offer for up to the TTL after it was dismissed or accepted elsewhere; acceptance itself is
//! decided by the database's unique index, never by these caches.

use std::sync::Arc;
use std::time::Duration;

use moka::sync::Cache;

use super::repo::OfferMemoryRow;
use crate::catalog::{Customer, SubscriptionFacts};

const TTL: Duration = Duration::from_secs(5);
const CAPACITY: u64 = 100_000;

pub type SubjectRow = Arc<(Customer, Option<SubscriptionFacts>)>;

/// The two caches. Cheap to clone.
#[derive(Clone)]
pub struct DecisionCache {
    /// (customer id, subscription id) → the customer and the subscription, as read together.
    pub subjects: Cache<(String, Option<String>), SubjectRow>,
    /// (customer id, subscription key) → the offers decided before for them.
    pub memory: Cache<(String, String), Arc<Vec<OfferMemoryRow>>>,
}

impl Default for DecisionCache {
    fn default() -> Self {
        DecisionCache {
            subjects: Cache::builder().max_capacity(CAPACITY).time_to_live(TTL).build(),
            memory: Cache::builder().max_capacity(CAPACITY).time_to_live(TTL).build(),
        }
    }
}

impl DecisionCache {
    /// Forgets what is remembered for one customer and subscription.
    pub fn forget_memory(&self, customer_id: &str, subscription_key: &str) {
        self.memory.invalidate(&(customer_id.to_owned(), subscription_key.to_owned()));
    }
}
