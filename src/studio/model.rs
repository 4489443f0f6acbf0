//! Studio types shared by the server and the studio islands.

use serde::{Deserialize, Serialize};

/// Funnel of one offer: distinct personalized offers per stage; completed and failed count fulfillments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
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
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
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
    /// The copy as browsers get it (sanitized), for the first preview.
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
}

/// An offer's copy after sanitizing, as a live preview shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewHtml {
    pub title_html: String,
    pub description_html: String,
}
