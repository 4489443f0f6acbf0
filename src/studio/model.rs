//! Studio types shared by the server and the studio islands.

use serde::{Deserialize, Serialize};

use crate::gifts::model::GiftSettings;

/// Funnel of one offer: distinct personalized offers per stage; completed and failed count fulfillments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Funnel {
    pub offer_id: String,
    pub offer_name: String,
    pub decided: i64,
    pub viewed: i64,
    pub dismissed: i64,
    pub accepted: i64,
    pub completed: i64,
    pub failed: i64,
}

impl Funnel {
    /// The stages in funnel order, with their labels.
    pub fn stages(&self) -> [(&'static str, i64); 6] {
        [
            ("Decided", self.decided),
            ("Viewed", self.viewed),
            ("Dismissed", self.dismissed),
            ("Accepted", self.accepted),
            ("Completed", self.completed),
            ("Failed", self.failed),
        ]
    }
}

/// A fulfillment with what it was for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FulfillmentRow {
    pub id: String,
    pub offer_name: String,
    pub customer_id: String,
    pub subscription: String,
    pub status: String,
    pub error_message: Option<String>,
    pub created_at: i64,
}

/// The studio's front page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overview {
    pub funnels: Vec<Funnel>,
    pub fulfillments: Vec<FulfillmentRow>,
    /// The engine's current time.
    pub now: i64,
    /// How far the engine's clock is ahead of real time, in seconds.
    pub offset_seconds: i64,
    /// Set when billing is a Chargebee site (see [`Config::remote`]); the overview then shows what the app
    /// itself recorded.
    #[serde(default)]
    pub remote: Option<String>,
    /// The app's own record of upgrade acceptances, as (status, count).
    pub acceptances: Vec<(String, i64)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldView {
    pub id: String,
    pub label: String,
    pub data_type: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleView {
    pub property: String,
    pub operator: String,
    /// The value as typed: `false`, `80`, `en-US`, `a, b` for "is one of".
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceView {
    pub id: String,
    pub name: String,
    pub match_type: String,
    pub rules: Vec<RuleView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferEdit {
    pub id: String,
    pub name: String,
    pub title_html: String,
    pub description_html: String,
    pub option_id: String,
    pub option_label: String,
    pub redirect_url: String,
    /// The option's processing type: `url_redirect`, `billing_update`, `checkout` or `webhook`.
    pub processing_type: String,
    /// For a billing update or checkout: the plan price the subscription moves to.
    pub item_price_id: String,
    /// The copy as browsers get it (sanitized), for the first preview; ignored when saving.
    #[serde(default)]
    pub preview: PreviewHtml,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayView {
    pub id: String,
    pub name: String,
    pub play_type: String,
    pub audience_id: String,
    pub trigger: String,
    pub offer_id: String,
    pub priority: i64,
    pub status: String,
}

/// Everything the configuration pages edit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    pub fields: Vec<FieldView>,
    pub audiences: Vec<AudienceView>,
    pub offers: Vec<OfferEdit>,
    pub plays: Vec<PlayView>,
    /// Properties an audience rule may test (built-in and mapped custom fields).
    pub properties: Vec<String>,
    /// Operators as (value, words).
    pub operators: Vec<(String, String)>,
    pub dismiss_cooldown_hours: i64,
    pub offer_ttl_hours: i64,
    /// Plan prices a billing-update or checkout option can move to, as (id, label).
    pub plans: Vec<(String, String)>,
    /// Set when billing is a Chargebee site: Growth configuration lives there, and these editors (which
    /// edit the built-in engine) are read-only.
    #[serde(default)]
    pub remote: Option<String>,
}

/// One play's part in a dry-run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictView {
    pub play_name: String,
    pub priority: i64,
    pub offer_id: String,
    pub won: bool,
    pub reason: String,
}

/// A dry-run decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRunView {
    pub winner: Option<String>,
    pub verdicts: Vec<VerdictView>,
    /// Set when the decision came from a Chargebee site, which explains nothing and counts the decision.
    #[serde(default)]
    pub note: Option<String>,
}

/// An offer's copy after sanitizing, as a live preview shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewHtml {
    pub title_html: String,
    pub description_html: String,
}

/// A subscription row on `/studio/gifts`, with its gift when it is one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionRow {
    pub id: String,
    pub customer_id: String,
    pub plan: String,
    pub status: String,
    pub gift: Option<GiftRow>,
}

/// The gift behind a gift subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftRow {
    pub id: String,
    pub status: String,
    pub receiver_email: String,
    pub scheduled_at: i64,
    pub claim_expiry_date: Option<i64>,
}

/// The gift settings form as posted: checkboxes are present when on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GiftSettingsInput {
    pub enabled: Option<String>,
    pub auto_claim: Option<String>,
    pub no_expiry: Option<String>,
    pub claim_within_days: String,
    pub gifter_may_schedule: Option<String>,
    pub gifter_enters_shipping: Option<String>,
    pub gifter_may_cancel: Option<String>,
    pub recipient_may_cancel: Option<String>,
    pub reminder_after_days: String,
}

impl GiftSettingsInput {
    /// The settings, or which number could not be read (the ranges are checked where they are saved).
    pub fn parse(self) -> Result<GiftSettings, crate::error::AppError> {
        let days = |v: &str, what: &str| {
            v.trim().parse::<i64>().map_err(|_| crate::error::AppError::Invalid(format!("Enter the {what} in days.")))
        };
        Ok(GiftSettings {
            enabled: self.enabled.is_some(),
            auto_claim: self.auto_claim.is_some(),
            no_expiry: self.no_expiry.is_some(),
            claim_within_days: days(&self.claim_within_days, "claim window")?,
            gifter_may_schedule: self.gifter_may_schedule.is_some(),
            gifter_enters_shipping: self.gifter_enters_shipping.is_some(),
            gifter_may_cancel: self.gifter_may_cancel.is_some(),
            recipient_may_cancel: self.recipient_may_cancel.is_some(),
            reminder_after_days: days(&self.reminder_after_days, "reminder delay")?,
        })
    }
}

/// `/studio/gifts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftsConsole {
    pub subscriptions: Vec<SubscriptionRow>,
    pub settings: GiftSettings,
    pub now: i64,
    pub offset_seconds: i64,
    /// Set on a Chargebee site (see [`Config::remote`]): settings are read-only and time travel hidden.
    #[serde(default)]
    pub remote: Option<String>,
}
