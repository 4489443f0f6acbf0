//! Changing the Growth configuration (the studio's job, as Chargebee's dashboard is there). Every save
//! validates, writes, then recompiles the in-memory configuration.

use super::config::GrowthConfig;
use super::repo::{self, PlayRecord};
use super::rules::{Audience, DataType, OfferDef, Operator};
use super::rules::{CustomField, GrowthSettings};
use crate::time::internal;
use crate::{Engine, ids};
use growthkit_wire::{ApiError, ProcessingType};

fn non_blank(param: &str, value: &str, max: usize) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::missing(param));
    }
    if value.chars().count() > max {
        return Err(ApiError::param(param, format!("{param} : cannot be more than {max} characters")));
    }
    Ok(())
}

fn fill_id(id: &mut String, prefix: &str) {
    if id.trim().is_empty() {
        *id = ids::random(prefix);
    }
}

/// A custom field key is `custom.` followed by lower-case letters, digits and underscores.
pub fn validate_custom_field(f: &CustomField) -> Result<(), ApiError> {
    non_blank("label", &f.label, 100)?;
    let name = f.key.strip_prefix("custom.").unwrap_or_default();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(ApiError::param("key", "key must look like custom.field_name (lower case, digits, _)"));
    }
    if f.data_type == DataType::List {
        return Err(ApiError::param("data_type", "data_type must be boolean, number or string"));
    }
    Ok(())
}

/// Rules must name a known property, and their values must suit its type.
pub fn validate_audience(a: &Audience, config: &GrowthConfig) -> Result<(), ApiError> {
    non_blank("name", &a.name, 100)?;
    if a.rules.is_empty() {
        return Err(ApiError::param("rules", "An audience needs at least one rule"));
    }
    for (i, rule) in a.rules.iter().enumerate() {
        let param = format!("rules[{i}]");
        let Some(data_type) = config.property_type(&rule.property) else {
            return Err(ApiError::param(&param, format!("Unknown property {}", rule.property)));
        };
        let value = &rule.value;
        let ok = match rule.operator {
            Operator::Exists | Operator::DoesNotExist => true,
            Operator::IsOneOf => value.is_array() || value.as_str().is_some_and(|s| !s.trim().is_empty()),
            Operator::GreaterThan | Operator::AtLeast | Operator::LessThan | Operator::AtMost => {
                data_type == DataType::Number && super::rules::coerce(value, DataType::Number).is_some()
            }
            Operator::StartsWith => value.as_str().is_some_and(|s| !s.is_empty()),
            Operator::Is | Operator::IsNot | Operator::Contains | Operator::DoesNotContain => {
                let want = if data_type == DataType::List { DataType::String } else { data_type };
                super::rules::coerce(value, want).is_some()
            }
        };
        if !ok {
            return Err(ApiError::param(
                &param,
                format!("{} {} needs a value of type {:?}", rule.property, rule.operator.phrase(), data_type)
                    .to_lowercase(),
            ));
        }
    }
    Ok(())
}

/// Offers need copy and at least one option. Each processing type needs what it acts on: a URL redirect
/// a local path or an http(s) URL; a billing update or checkout the plan price to move to (and a checkout
/// may name an http(s) page to return to, since its hosted page lives on billing's address; an e-mail's
/// link must be a full http(s) address too).
pub fn validate_offer(o: &OfferDef) -> Result<(), ApiError> {
    non_blank("name", &o.name, 100)?;
    non_blank("title", &o.title_html, 2_000)?;
    non_blank("description", &o.description_html, 10_000)?;
    if o.options.is_empty() {
        return Err(ApiError::param("options", "An offer needs at least one option"));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, opt) in o.options.iter().enumerate() {
        let param = format!("options[{i}]");
        let shown = &opt.shown;
        non_blank(&format!("{param}.id"), &shown.id, 50)?;
        non_blank(&format!("{param}.label"), &shown.label, 100)?;
        if !seen.insert(shown.id.as_str()) {
            return Err(ApiError::param(&param, format!("Option id {} is used twice", shown.id)));
        }
        let url = shown.redirect_url.as_deref().unwrap_or_default().trim();
        let local = crate::safe_url::local_path(url).is_some();
        let web = crate::safe_url::web_url(url).is_some();
        let url_param = format!("{param}.redirect_url");
        match shown.processing_type {
            ProcessingType::UrlRedirect if !local && !web => {
                return Err(ApiError::param(
                    &url_param,
                    "A URL redirect needs a path like /upgrade/analytics or an http(s) URL",
                ));
            }
            ProcessingType::BillingUpdate if !url.is_empty() && !local && !web => {
                return Err(ApiError::param(&url_param, "A billing update returns to a path or an http(s) URL"));
            }
            ProcessingType::Checkout if !url.is_empty() && !web => {
                return Err(ApiError::param(&url_param, "A checkout returns to an http(s) URL"));
            }
            ProcessingType::Email if !url.is_empty() && !web => {
                return Err(ApiError::param(&url_param, "An e-mail links to a full http(s) URL"));
            }
            _ => {}
        }
        if matches!(shown.processing_type, ProcessingType::BillingUpdate | ProcessingType::Checkout) {
            non_blank(&format!("{param}.item_price_id"), opt.item_price_id.as_deref().unwrap_or_default(), 100)?;
        }
    }
    Ok(())
}

impl Engine {
    pub async fn custom_fields(&self) -> Result<Vec<CustomField>, ApiError> {
        repo::custom_fields(&self.pool).await.map_err(internal)
    }

    pub async fn audiences(&self) -> Result<Vec<Audience>, ApiError> {
        repo::audiences(&self.pool).await.map_err(internal)
    }

    pub async fn offers(&self) -> Result<Vec<OfferDef>, ApiError> {
        repo::offers(&self.pool).await.map_err(internal)
    }

    pub async fn plays(&self) -> Result<Vec<PlayRecord>, ApiError> {
        repo::plays(&self.pool).await.map_err(internal)
    }

    async fn recompile(&self) -> Result<(), ApiError> {
        self.reload_growth().await.map_err(internal)
    }

    /// Creates (empty id) or updates a custom field mapping.
    pub async fn save_custom_field(&self, mut f: CustomField) -> Result<CustomField, ApiError> {
        fill_id(&mut f.id, "fld_");
        validate_custom_field(&f)?;
        match repo::upsert_custom_field(&self.pool, &f, self.clock.now()).await {
            Err(e) if e.as_database_error().is_some_and(|d| d.is_unique_violation()) => {
                return Err(ApiError::param("key", format!("{} is already mapped", f.key)));
            }
            other => other.map_err(internal)?,
        }
        self.recompile().await?;
        Ok(f)
    }

    /// Creates (empty id) or updates an audience.
    pub async fn save_audience(&self, mut a: Audience) -> Result<Audience, ApiError> {
        fill_id(&mut a.id, "aud_");
        validate_audience(&a, &self.growth())?;
        repo::upsert_audience(&self.pool, &a, self.clock.now()).await.map_err(internal)?;
        self.recompile().await?;
        Ok(a)
    }

    /// Creates (empty id) or updates an offer.
    pub async fn save_offer(&self, mut o: OfferDef) -> Result<OfferDef, ApiError> {
        fill_id(&mut o.id, "offer_");
        validate_offer(&o)?;
        for (i, opt) in o.options.iter().enumerate() {
            if let Some(wanted) = &opt.item_price_id
                && !self.is_plan_price(wanted).await?
            {
                return Err(ApiError::param(
                    &format!("options[{i}].item_price_id"),
                    format!("{wanted} is not a plan price in the catalog"),
                ));
            }
        }
        repo::upsert_offer(&self.pool, &o, self.clock.now()).await.map_err(internal)?;
        self.recompile().await?;
        Ok(o)
    }

    /// Creates (empty id) or updates a play; its audience (if any) and offer must exist.
    pub async fn save_play(&self, mut p: PlayRecord) -> Result<PlayRecord, ApiError> {
        fill_id(&mut p.id, "play_");
        non_blank("name", &p.name, 100)?;
        non_blank("trigger", &p.trigger, 100)?;
        if p.priority < 1 {
            return Err(ApiError::param("priority", "priority must be 1 or more (1 is the highest)"));
        }
        let audiences = self.audiences().await?;
        if let Some(aud) = &p.audience_id
            && !audiences.iter().any(|a| &a.id == aud)
        {
            return Err(ApiError::param("audience_id", format!("Audience {aud} does not exist")));
        }
        if !self.offers().await?.iter().any(|o| o.id == p.offer_id) {
            return Err(ApiError::param("offer_id", format!("Offer {} does not exist", p.offer_id)));
        }
        let now = self.clock.now();
        if p.created_at == 0 {
            p.created_at = now;
        }
        repo::upsert_play(&self.pool, &p, now).await.map_err(internal)?;
        self.recompile().await?;
        Ok(p)
    }

    /// Changes the dismissal cooldown and offer lifetime.
    pub async fn save_growth_settings(&self, s: GrowthSettings) -> Result<GrowthSettings, ApiError> {
        if !(0..=365 * 86_400).contains(&s.dismiss_cooldown_seconds) {
            return Err(ApiError::param("dismiss_cooldown_seconds", "The cooldown must be between 0 and 365 days"));
        }
        if !(60..=30 * 86_400).contains(&s.offer_ttl_seconds) {
            return Err(ApiError::param("offer_ttl_seconds", "Offers must live between a minute and 30 days"));
        }
        repo::save_settings(&self.pool, &s).await.map_err(internal)?;
        self.recompile().await?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::growth::rules::{MatchType, OptionDef, Rule};
    use growthkit_wire::OfferOption;
    use serde_json::json;

    fn config_with_field() -> GrowthConfig {
        let mut c = GrowthConfig::default();
        c.custom_fields.insert("custom.has_advanced_analytics".into(), DataType::Boolean);
        c.custom_fields.insert("custom.usage".into(), DataType::Number);
        c
    }

    fn audience(rules: Vec<Rule>) -> Audience {
        Audience { id: "a".into(), name: "A".into(), match_type: MatchType::All, rules }
    }

    #[test]
    fn custom_field_keys_are_checked() {
        let mut f = CustomField {
            id: "f".into(),
            label: "Has advanced analytics".into(),
            data_type: DataType::Boolean,
            key: "custom.has_advanced_analytics".into(),
        };
        assert!(validate_custom_field(&f).is_ok());
        f.key = "has_advanced_analytics".into();
        assert_eq!(validate_custom_field(&f).unwrap_err().param.as_deref(), Some("key"));
        f.key = "custom.Bad Key".into();
        assert!(validate_custom_field(&f).is_err());
    }

    #[test]
    fn audience_rules_need_known_properties_and_fitting_values() {
        let c = config_with_field();
        let ok = audience(vec![Rule {
            property: "custom.has_advanced_analytics".into(),
            operator: Operator::Is,
            value: json!(false),
        }]);
        assert!(validate_audience(&ok, &c).is_ok());
        let unknown = audience(vec![Rule { property: "custom.nope".into(), operator: Operator::Is, value: json!(1) }]);
        assert!(validate_audience(&unknown, &c).unwrap_err().message.contains("Unknown property"));
        let wrong_type = audience(vec![Rule {
            property: "custom.usage".into(),
            operator: Operator::GreaterThan,
            value: json!("x"),
        }]);
        assert_eq!(validate_audience(&wrong_type, &c).unwrap_err().param.as_deref(), Some("rules[0]"));
        let text_gt = audience(vec![Rule {
            property: "customer.email".into(),
            operator: Operator::GreaterThan,
            value: json!(3),
        }]);
        assert!(validate_audience(&text_gt, &c).is_err());
        assert!(validate_audience(&audience(vec![]), &c).is_err());
    }

    #[test]
    fn offers_need_copy_options_and_safe_redirects() {
        let mut o = OfferDef {
            id: "o".into(),
            name: "Unlock".into(),
            title_html: "<p>Unlock</p>".into(),
            description_html: "<p>More</p>".into(),
            options: vec![OptionDef::new(OfferOption {
                id: "opt".into(),
                label: "Unlock now".into(),
                processing_type: ProcessingType::UrlRedirect,
                processing_layout: None,
                redirect_url: Some("/upgrade/analytics".into()),
            })],
        };
        assert!(validate_offer(&o).is_ok());
        o.options[0].shown.redirect_url = Some("javascript:alert(1)".into());
        assert!(validate_offer(&o).is_err());
        o.options[0].shown.redirect_url = Some("//evil.test".into());
        assert!(validate_offer(&o).is_err());
        o.options[0].shown.redirect_url = Some("https://app.example.com/upgrade".into());
        assert!(validate_offer(&o).is_ok());

        // Billing updates and checkouts need the plan they move to; a checkout returns only to a web address.
        o.options[0].shown.processing_type = ProcessingType::BillingUpdate;
        let err = validate_offer(&o).unwrap_err();
        assert_eq!(err.param.as_deref(), Some("options[0].item_price_id"));
        o.options[0].item_price_id = Some("pro-USD-monthly".into());
        assert!(validate_offer(&o).is_ok());
        o.options[0].shown.processing_type = ProcessingType::Checkout;
        o.options[0].shown.redirect_url = Some("/upgrade/analytics".into());
        assert_eq!(validate_offer(&o).unwrap_err().param.as_deref(), Some("options[0].redirect_url"));
        o.options[0].shown.redirect_url = None;
        assert!(validate_offer(&o).is_ok());
        // An e-mail's link is followed from an inbox: only a full web address works there.
        o.options[0].shown.processing_type = ProcessingType::Email;
        o.options[0].shown.redirect_url = Some("/upgrade/analytics".into());
        assert_eq!(validate_offer(&o).unwrap_err().param.as_deref(), Some("options[0].redirect_url"));
        o.options[0].shown.redirect_url = Some("https://app.example.com/upgrade".into());
        assert!(validate_offer(&o).is_ok());
        o.options.push(o.options[0].clone());
        assert!(validate_offer(&o).unwrap_err().message.contains("used twice"));
    }
}
