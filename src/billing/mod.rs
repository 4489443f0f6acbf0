//! The Billing port: the only way the app side reaches billing. Two adapters will sit behind it — the
//! embedded Chargebee-compatible engine called in process, and a reqwest client speaking Chargebee's wire
//! format to real Chargebee or to this server's own `/api/v2`. The app never reads engine tables.

use crate::config::BillingBackend;

/// Operations the app needs from a billing system. Feature work adds methods here.
pub trait Billing: Send + Sync {
    /// A short human description of where billing calls go, for the dashboard and logs.
    fn describe(&self) -> String;
}

/// The embedded engine, called in process.
pub struct LocalEngine;

impl Billing for LocalEngine {
    fn describe(&self) -> String {
        "built-in engine (embedded)".into()
    }
}

/// Chargebee over HTTPS (or any server with its wire format, via `base_url`).
pub struct ChargebeeClient {
    base_url: String,
}

impl ChargebeeClient {
    /// Points at `https://{site}.chargebee.com` unless `base_url` overrides it.
    pub fn new(site: &str, base_url: Option<&str>) -> Self {
        let base_url = base_url.map(str::to_owned).unwrap_or_else(|| format!("https://{site}.chargebee.com"));
        ChargebeeClient { base_url }
    }
}

impl Billing for ChargebeeClient {
    fn describe(&self) -> String {
        format!("Chargebee API at {}", self.base_url)
    }
}

/// Builds the adapter the configuration asks for.
pub fn from_config(backend: &BillingBackend) -> std::sync::Arc<dyn Billing> {
    match backend {
        BillingBackend::Local => std::sync::Arc::new(LocalEngine),
        BillingBackend::Chargebee { site, base_url, .. } => {
            std::sync::Arc::new(ChargebeeClient::new(site, base_url.as_deref()))
        }
    }
}
