//! Signed tokens for values the server hands to the browser and must recognise when they come back
//! (e.g. "this offer was shown to this account"), so no table of handed-out values is needed.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use sqlx::SqlitePool;

const SECRET_KEY: &str = "signing_secret";

/// HMAC-SHA256 over the parts, keyed with the app's secret.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl Signer {
    pub fn new(key: &[u8]) -> Self {
        Signer { key: key.to_vec() }
    }

    fn mac(&self, parts: &[&str]) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes keys of any length");
        for part in parts {
            mac.update(part.as_bytes());
            mac.update(&[0]);
        }
        mac
    }

    /// A hex token binding the parts together.
    pub fn sign(&self, parts: &[&str]) -> String {
        self.mac(parts).finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Whether `token` was made by [`Signer::sign`] for exactly these parts (constant-time compare).
    pub fn verify(&self, parts: &[&str], token: &str) -> bool {
        let Some(bytes) = (0..token.len())
            .step_by(2)
            .map(|i| token.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
            .collect::<Option<Vec<u8>>>()
        else {
            return false;
        };
        self.mac(parts).verify_slice(&bytes).is_ok()
    }
}

/// The configured secret (`GROWTHKIT_SECRET`), or one generated on first start and kept in the database
/// so tokens survive restarts.
pub async fn load_or_create(pool: &SqlitePool, configured: Option<&str>) -> Result<Signer, sqlx::Error> {
    if let Some(secret) = configured {
        return Ok(Signer::new(secret.as_bytes()));
    }
    let mut fresh = [0u8; 32];
    rand::rng().fill_bytes(&mut fresh);
    let fresh: String = fresh.iter().map(|b| format!("{b:02x}")).collect();
    sqlx::query("INSERT INTO app_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
        .bind(SECRET_KEY)
        .bind(&fresh)
        .execute(pool)
        .await?;
    let (secret,): (String,) =
        sqlx::query_as("SELECT value FROM app_settings WHERE key = ?").bind(SECRET_KEY).fetch_one(pool).await?;
    Ok(Signer::new(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_parts_and_key() {
        let s = Signer::new(b"secret");
        let t = s.sign(&["acme", "offer_1"]);
        assert!(s.verify(&["acme", "offer_1"], &t));
        assert!(!s.verify(&["gina", "offer_1"], &t));
        assert!(!s.verify(&["acmeoffer_1"], &t));
        assert!(!Signer::new(b"other").verify(&["acme", "offer_1"], &t));
        assert!(!s.verify(&["acme", "offer_1"], "zz"));
        assert!(!s.verify(&["acme", "offer_1"], ""));
    }
}
