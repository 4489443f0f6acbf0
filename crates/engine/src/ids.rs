//! Identifiers the engine hands out.

use rand::Rng;
use sha2::{Digest, Sha256};

/// A random id with a readable prefix, e.g. `ful_3f2a…` (64 random bits: collisions are not a concern).
pub fn random(prefix: &str) -> String {
    let bits: u64 = rand::rng().random();
    format!("{prefix}{bits:016x}")
}

/// A personalized offer id, `<offer_id>_<8 hex>`, derived from what makes it unique so repeat decisions
/// yield the same id. `attempt` varies the hash in the rare case of a clash with another tuple.
pub fn personalized_offer(
    offer_id: &str,
    play_id: &str,
    customer_id: &str,
    subscription_key: &str,
    attempt: u32,
) -> String {
    let mut hasher = Sha256::new();
    for part in [offer_id, play_id, customer_id, subscription_key] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher.update(attempt.to_le_bytes());
    let digest = hasher.finalize();
    format!("{offer_id}_{:02x}{:02x}{:02x}{:02x}", digest[0], digest[1], digest[2], digest[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personalized_offer_ids_are_stable_and_distinct() {
        let a = personalized_offer("offer", "play", "cus", "sub", 0);
        assert_eq!(a, personalized_offer("offer", "play", "cus", "sub", 0));
        assert!(a.starts_with("offer_") && a.len() == "offer_".len() + 8);
        assert_ne!(a, personalized_offer("offer", "play", "cus", "sub2", 0));
        assert_ne!(a, personalized_offer("offer", "play", "cus", "sub", 1));
        // Part boundaries matter: ("ab","c") and ("a","bc") differ.
        assert_ne!(personalized_offer("o", "ab", "c", "s", 0), personalized_offer("o", "a", "bc", "s", 0));
    }

    #[test]
    fn random_ids_carry_their_prefix() {
        let id = random("ful_");
        assert!(id.starts_with("ful_") && id.len() == 20);
        assert_ne!(id, random("ful_"));
    }
}
