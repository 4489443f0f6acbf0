//! Nonces for page views and the idempotency keys derived from them, shared by every feature that
//! calls billing on a user's click: the same click (page view, action and parameters) always yields
//! the same key, so a repeat changes nothing; other parameters yield another key.

use rand::Rng;
use sha2::{Digest, Sha256};

/// A fresh page-view nonce: 16 lowercase hex digits.
pub fn nonce() -> String {
    format!("{:016x}", rand::rng().random::<u64>())
}

/// A random id with a readable prefix, e.g. `acc_3f2a…` (64 random bits).
pub fn random_id(prefix: &str) -> String {
    format!("{prefix}{:016x}", rand::rng().random::<u64>())
}

/// Whether `nonce` has the shape [`nonce`] gives.
pub fn valid_nonce(nonce: &str) -> bool {
    nonce.len() == 16 && nonce.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// `{prefix}_{32 hex}`: a digest of the parts, each one delimited so that no two lists collide.
pub fn request_key(prefix: &str, parts: &[&str]) -> String {
    format!("{prefix}_{}", &sha256_hex(parts)[..32])
}

/// The SHA-256 of the parts (each followed by a zero byte), as lowercase hex.
pub fn sha256_hex(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_and_keys() {
        assert!(valid_nonce(&nonce()));
        assert!(valid_nonce("0123456789abcdef"));
        assert!(!valid_nonce("0123456789ABCDEF"));
        assert!(!valid_nonce("0123"));
        assert!(!valid_nonce("0123456789abcdeg"));
        assert_eq!(request_key("gk", &["a", "b"]), request_key("gk", &["a", "b"]));
        assert_ne!(request_key("gk", &["ab", ""]), request_key("gk", &["a", "b"]));
        assert_eq!(request_key("gk", &["a"]).len(), 3 + 32);
    }
}
