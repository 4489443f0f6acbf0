//! Configuration from environment variables. Every setting has a default that makes a bare
//! `target/debug/growthkit` from the repository root work, so nothing here is required.

use std::net::SocketAddr;

use crate::ui::payment::CardScript;
use growthkit_wire::CatalogVersion;

/// Which billing system the app talks to through the Billing port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BillingBackend {
    /// The embedded Chargebee-compatible engine, in process (default).
    Local,
    /// Real Chargebee (or any server speaking its wire format) over HTTPS. Pages load the card script from
    /// `js_url` and authorize payments with `publishable_key`.
    Chargebee { site: String, api_key: String, base_url: Option<String>, publishable_key: String, js_url: String },
}

/// Chargebee.js, where real sites' pages load it from.
pub const CHARGEBEE_JS: &str = "https://js.chargebee.com/v2/chargebee.js";

/// Everything the server needs to start, read once in `main`.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`; a missing SQLite file (and its folder) is created.
    pub database_url: String,
    /// `GROWTHKIT_ADDR`: where the HTTP server listens.
    pub addr: SocketAddr,
    /// `GROWTHKIT_BILLING` (`local` | `chargebee`) with `CHARGEBEE_SITE`, `CHARGEBEE_API_KEY`, `CHARGEBEE_BASE_URL`.
    pub billing: BillingBackend,
    /// `GROWTHKIT_PRODUCT_CATALOG` (`v2` by default, or `v1`): the product catalog version of the site the
    /// embedded engine emulates, fixed when its database is created. (Against real Chargebee the site's own
    /// version applies, read from `GET /configurations`.)
    pub catalog: CatalogVersion,
    /// `GROWTHKIT_API_KEY`: the key clients present (HTTP Basic user name) to the engine's `/api/v2` API.
    pub engine_api_key: String,
    /// `GROWTHKIT_ENGINE_ADDR`: where the embedded engine serves as a billing site of its own (its API, the
    /// card script and the endpoint browsers send cards to), apart from this app's address.
    pub engine_addr: SocketAddr,
    /// `GROWTHKIT_ENGINE_PUBLIC_URL`: how browsers reach that address (default: it, over HTTP).
    pub engine_public_url: String,
    /// `GROWTHKIT_PUBLISHABLE_KEY`: the embedded engine's publishable key, which pages pass to its card script.
    pub publishable_key: String,
    /// `GROWTHKIT_DEMO_DATA`: seed demo accounts and users into an empty database (default on).
    pub demo_data: bool,
    /// `GROWTHKIT_SECRET`: signs tokens handed to browsers. Unset, one is generated and kept in the database.
    pub secret: Option<String>,
    /// `GROWTHKIT_SECURE_COOKIES`: mark the session cookie `Secure`. Off by default because the default
    /// listen address is plain HTTP on loopback; turn it on behind TLS.
    pub secure_cookies: bool,
    /// `GROWTHKIT_WEBHOOK_USER` and `GROWTHKIT_WEBHOOK_PASSWORD`: the HTTP Basic credentials billing must
    /// present at `/webhooks/chargebee` (set the same pair in Chargebee's webhook settings).
    pub webhook_user: String,
    pub webhook_password: String,
    /// `GROWTHKIT_CREDITS_FAMILY`: the item family whose plans and addons are sold with credit packs.
    pub credits_family: String,
    /// `GROWTHKIT_UPGRADE_PLAN`: the plan (item price id) the Advanced Analytics upgrade sells; its name and
    /// price are read from the catalog.
    pub upgrade_plan: String,
    /// `SMTP_URL` (`smtp://host:port`, `smtps://user:pass@host`): where e-mail is delivered. Unset, e-mails
    /// are kept in the outbox (`/outbox`) only.
    pub smtp_url: Option<String>,
    /// `GROWTHKIT_MAIL_FROM`: the sender of every e-mail.
    pub mail_from: String,
    /// `GROWTHKIT_PUBLIC_URL`: how users reach this server, for links in e-mails (default: the listen
    /// address over HTTP).
    pub public_url: String,
    /// `GROWTHKIT_CLIENT_IP_HEADER`: the header a reverse proxy puts the client's address in
    /// (`X-Forwarded-For`, `X-Real-IP`); unset, the peer address is the client's.
    pub client_ip_header: Option<String>,
}

/// The engine API key used when `GROWTHKIT_API_KEY` is unset. Documented in the README; for local use only.
pub const DEFAULT_ENGINE_API_KEY: &str = "test_growthkit_local_key";

/// Webhook credentials used when unset. Documented in the README; for local use only.
pub const DEFAULT_WEBHOOK_USER: &str = "growthkit";
pub const DEFAULT_WEBHOOK_PASSWORD: &str = "test_growthkit_webhook_password";

/// The demo catalog's Growth Plus plan, which includes Advanced Analytics.
pub const DEFAULT_UPGRADE_PLAN: &str = "growth-plus-USD-monthly";

/// A setting that is present but unusable. Start-up stops with this message.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(String);

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads settings through `get`, so tests can supply their own environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let database_url = get("DATABASE_URL").unwrap_or_else(|| "sqlite://data/growthkit.db".into());
        let addr = get("GROWTHKIT_ADDR").or_else(|| get("LEPTOS_SITE_ADDR")).unwrap_or_else(|| "127.0.0.1:3000".into());
        let addr = addr.parse().map_err(|_| ConfigError(format!("GROWTHKIT_ADDR must be host:port, got {addr:?}")))?;

        let billing = match get("GROWTHKIT_BILLING").as_deref().unwrap_or("local") {
            "local" => BillingBackend::Local,
            "chargebee" => {
                let site = get("CHARGEBEE_SITE")
                    .ok_or_else(|| ConfigError("GROWTHKIT_BILLING=chargebee needs CHARGEBEE_SITE".into()))?;
                let api_key = get("CHARGEBEE_API_KEY")
                    .ok_or_else(|| ConfigError("GROWTHKIT_BILLING=chargebee needs CHARGEBEE_API_KEY".into()))?;
                let publishable_key = get("CHARGEBEE_PUBLISHABLE_KEY").ok_or_else(|| {
                    ConfigError("GROWTHKIT_BILLING=chargebee needs CHARGEBEE_PUBLISHABLE_KEY (for Chargebee.js)".into())
                })?;
                let base_url = get("CHARGEBEE_BASE_URL").map(|u| u.trim_end_matches('/').to_owned());
                // A server standing in for Chargebee serves its own card script, as the engine does.
                let js_url = get("CHARGEBEE_JS_URL").unwrap_or_else(|| match &base_url {
                    Some(base) => format!("{base}/js/v2/chargebee.js"),
                    None => CHARGEBEE_JS.into(),
                });
                BillingBackend::Chargebee { site, api_key, base_url, publishable_key, js_url }
            }
            other => {
                return Err(ConfigError(format!("GROWTHKIT_BILLING must be `local` or `chargebee`, got {other:?}")));
            }
        };

        let catalog = match get("GROWTHKIT_PRODUCT_CATALOG") {
            None => CatalogVersion::default(),
            Some(v) => CatalogVersion::parse(&v)
                .ok_or_else(|| ConfigError(format!("GROWTHKIT_PRODUCT_CATALOG must be v1 or v2, got {v:?}")))?,
        };

        let engine_addr = get("GROWTHKIT_ENGINE_ADDR").unwrap_or_else(|| "127.0.0.1:3001".into());
        let engine_addr: SocketAddr = engine_addr
            .parse()
            .map_err(|_| ConfigError(format!("GROWTHKIT_ENGINE_ADDR must be host:port, got {engine_addr:?}")))?;

        let public_url = match get("GROWTHKIT_PUBLIC_URL") {
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => url,
            Some(url) => {
                return Err(ConfigError(format!("GROWTHKIT_PUBLIC_URL must start with http(s)://, got {url:?}")));
            }
            None => format!("http://{addr}"),
        };
        let config = Config {
            engine_addr,
            engine_public_url: match get("GROWTHKIT_ENGINE_PUBLIC_URL") {
                Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                    url.trim_end_matches('/').to_owned()
                }
                Some(url) => {
                    return Err(ConfigError(format!(
                        "GROWTHKIT_ENGINE_PUBLIC_URL must start with http(s)://, got {url:?}"
                    )));
                }
                None => format!("http://{engine_addr}"),
            },
            publishable_key: get("GROWTHKIT_PUBLISHABLE_KEY")
                .unwrap_or_else(|| growthkit_engine::sandbox::DEFAULT_PUBLISHABLE_KEY.into()),
            database_url,
            catalog,
            addr,
            billing,
            engine_api_key: get("GROWTHKIT_API_KEY").unwrap_or_else(|| DEFAULT_ENGINE_API_KEY.into()),
            demo_data: flag(&get, "GROWTHKIT_DEMO_DATA", true)?,
            secret: get("GROWTHKIT_SECRET"),
            secure_cookies: flag(&get, "GROWTHKIT_SECURE_COOKIES", public_url.starts_with("https://"))?,
            webhook_user: get("GROWTHKIT_WEBHOOK_USER").unwrap_or_else(|| DEFAULT_WEBHOOK_USER.into()),
            webhook_password: get("GROWTHKIT_WEBHOOK_PASSWORD").unwrap_or_else(|| DEFAULT_WEBHOOK_PASSWORD.into()),
            credits_family: get("GROWTHKIT_CREDITS_FAMILY").unwrap_or_else(|| "credits".into()),
            upgrade_plan: get("GROWTHKIT_UPGRADE_PLAN").unwrap_or_else(|| DEFAULT_UPGRADE_PLAN.into()),
            smtp_url: get("SMTP_URL"),
            mail_from: get("GROWTHKIT_MAIL_FROM").unwrap_or_else(|| "Growthkit <gifts@growthkit.localhost>".into()),
            public_url,
            client_ip_header: get("GROWTHKIT_CLIENT_IP_HEADER"),
        };
        config.refuse_public_defaults(flag(&get, "GROWTHKIT_ALLOW_INSECURE_DEFAULTS", false)?)?;
        Ok(config)
    }

    /// Off loopback, the documented defaults are everyone's secrets: the engine API key, the webhook
    /// password, and demo users whose password is in the README. Start-up stops on any of them unless the
    /// operator forces it with `GROWTHKIT_ALLOW_INSECURE_DEFAULTS=true`, and then each is warned about.
    fn refuse_public_defaults(&self, forced: bool) -> Result<(), ConfigError> {
        let exposed = !self.addr.ip().is_loopback() || !self.engine_addr.ip().is_loopback();
        let mut problems = Vec::new();
        if self.engine_api_key == DEFAULT_ENGINE_API_KEY {
            problems.push("GROWTHKIT_API_KEY is the documented default");
        }
        if self.webhook_password == DEFAULT_WEBHOOK_PASSWORD {
            problems.push("GROWTHKIT_WEBHOOK_PASSWORD is the documented default");
        }
        if self.demo_data {
            problems.push("GROWTHKIT_DEMO_DATA is on (demo users sign in with a published password)");
        }
        if !exposed || problems.is_empty() {
            return Ok(());
        }
        if forced {
            for problem in &problems {
                tracing::warn!("serving beyond loopback although {problem} (GROWTHKIT_ALLOW_INSECURE_DEFAULTS)");
            }
            return Ok(());
        }
        Err(ConfigError(format!(
            "refusing to listen beyond loopback ({}) because {}; set them, or GROWTHKIT_ALLOW_INSECURE_DEFAULTS=true",
            self.addr,
            problems.join(", ")
        )))
    }
}

impl Config {
    /// Where pages load the card script from and how they start it: the engine's own script on its address,
    /// or Chargebee.js for the configured site.
    pub fn card_script(&self) -> CardScript {
        match &self.billing {
            BillingBackend::Local => CardScript {
                src: format!("{}/js/v2/chargebee.js", self.engine_public_url),
                site: "growthkit-local".into(),
                publishable_key: self.publishable_key.clone(),
                domain: Some(self.engine_public_url.clone()),
            },
            BillingBackend::Chargebee { site, base_url, publishable_key, js_url, .. } => CardScript {
                src: js_url.clone(),
                site: site.clone(),
                publishable_key: publishable_key.clone(),
                domain: base_url.clone(),
            },
        }
    }
}

impl Config {
    /// The hosts (with a port when not the default) billing's own pages live on, the only ones a browser is
    /// sent to off this site: the built-in engine's public address, or the Chargebee site.
    pub fn billing_hosts(&self) -> Vec<String> {
        let base = match &self.billing {
            BillingBackend::Local => Some(self.engine_public_url.clone()),
            BillingBackend::Chargebee { base_url: Some(url), .. } => Some(url.clone()),
            BillingBackend::Chargebee { site, base_url: None, .. } => Some(format!("https://{site}.chargebee.com")),
        };
        base.as_deref().and_then(growthkit_engine::safe_url::authority_of).into_iter().collect()
    }
}

fn flag(get: &impl Fn(&str) -> Option<String>, key: &str, default: bool) -> Result<bool, ConfigError> {
    match get(key).map(|v| v.to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => Ok(true),
        Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => Ok(false),
        Some(v) => Err(ConfigError(format!("{key} must be true or false, got {v:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let env: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| env.get(k).cloned())
    }

    #[test]
    fn bare_start_has_working_defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.database_url, "sqlite://data/growthkit.db");
        assert_eq!(c.addr.to_string(), "127.0.0.1:3000");
        assert_eq!(c.billing, BillingBackend::Local);
        assert_eq!(c.catalog, CatalogVersion::V2);
        assert!(c.demo_data);
        assert!(!c.secure_cookies);
        assert_eq!(c.smtp_url, None);
        assert_eq!(c.public_url, "http://127.0.0.1:3000");
        assert_eq!(c.card_script().src, "http://127.0.0.1:3001/js/v2/chargebee.js");
    }

    #[test]
    fn chargebee_backend_needs_site_and_key() {
        let err = config(&[("GROWTHKIT_BILLING", "chargebee")]).unwrap_err();
        assert!(err.to_string().contains("CHARGEBEE_SITE"));
        let site = [("GROWTHKIT_BILLING", "chargebee"), ("CHARGEBEE_SITE", "acme-test"), ("CHARGEBEE_API_KEY", "k")];
        assert!(config(&site).unwrap_err().to_string().contains("CHARGEBEE_PUBLISHABLE_KEY"));
        let c = config(&[&site[..], &[("CHARGEBEE_PUBLISHABLE_KEY", "test_pk")]].concat()).unwrap();
        assert!(matches!(c.billing, BillingBackend::Chargebee { ref site, .. } if site == "acme-test"));
        let script = c.card_script();
        assert_eq!((script.src.as_str(), script.domain), (CHARGEBEE_JS, None));
        let local = config(
            &[&site[..], &[("CHARGEBEE_PUBLISHABLE_KEY", "pk"), ("CHARGEBEE_BASE_URL", "http://127.0.0.1:9/")]]
                .concat(),
        )
        .unwrap()
        .card_script();
        assert_eq!(local.src, "http://127.0.0.1:9/js/v2/chargebee.js");
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        assert!(config(&[("GROWTHKIT_ADDR", "nowhere")]).unwrap_err().to_string().contains("GROWTHKIT_ADDR"));
        assert!(config(&[("GROWTHKIT_BILLING", "stripe")]).is_err());
        let err = config(&[("GROWTHKIT_PRODUCT_CATALOG", "v3")]).unwrap_err().to_string();
        assert!(err.contains("GROWTHKIT_PRODUCT_CATALOG"));
        assert_eq!(config(&[("GROWTHKIT_PRODUCT_CATALOG", "V1")]).unwrap().catalog, CatalogVersion::V1);
        assert!(config(&[("GROWTHKIT_DEMO_DATA", "maybe")]).unwrap_err().to_string().contains("GROWTHKIT_DEMO_DATA"));
    }

    #[test]
    fn public_defaults_stop_a_start_beyond_loopback() {
        let err = config(&[("GROWTHKIT_ADDR", "0.0.0.0:3000")]).unwrap_err().to_string();
        for named in ["GROWTHKIT_API_KEY", "GROWTHKIT_WEBHOOK_PASSWORD", "GROWTHKIT_DEMO_DATA"] {
            assert!(err.contains(named), "{err}");
        }
        let engine_exposed = config(&[("GROWTHKIT_ENGINE_ADDR", "0.0.0.0:3001")]).unwrap_err().to_string();
        assert!(engine_exposed.contains("GROWTHKIT_API_KEY"), "{engine_exposed}");
        let set = [
            ("GROWTHKIT_ADDR", "0.0.0.0:3000"),
            ("GROWTHKIT_API_KEY", "live_key_of_our_own"),
            ("GROWTHKIT_WEBHOOK_PASSWORD", "a long webhook password"),
            ("GROWTHKIT_DEMO_DATA", "false"),
            ("GROWTHKIT_PUBLIC_URL", "https://app.example.com"),
        ];
        let c = config(&set).unwrap();
        assert!(c.secure_cookies, "an https public URL means Secure cookies");
        assert!(config(&[("GROWTHKIT_ADDR", "0.0.0.0:3000"), ("GROWTHKIT_ALLOW_INSECURE_DEFAULTS", "true")]).is_ok());
    }
}
