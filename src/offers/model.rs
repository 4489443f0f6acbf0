//! Types shared by the server and the offer islands.

use serde::{Deserialize, Serialize};

/// The gated feature this flow unlocks.
pub const ADVANCED_ANALYTICS: &str = "advanced_analytics";

/// How an offer is presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pattern {
    Banner,
    Modal,
    Inline,
}

impl Pattern {
    pub const ALL: [Pattern; 3] = [Pattern::Banner, Pattern::Modal, Pattern::Inline];

    pub fn as_str(self) -> &'static str {
        match self {
            Pattern::Banner => "banner",
            Pattern::Modal => "modal",
            Pattern::Inline => "inline",
        }
    }
}

/// A call to action of an offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferButton {
    pub id: String,
    pub label: String,
}

/// An offer ready to show: sanitized HTML, and a token proving it was served to this account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferView {
    pub personalized_offer_id: String,
    pub title_html: String,
    pub description_html: String,
    pub options: Vec<OfferButton>,
    /// Signs (account, personalized offer); events and acceptance must present it.
    pub token: String,
    /// A preview (studio): buttons do nothing and no events are sent.
    pub preview: bool,
}

/// What the gated Analytics page shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Gate {
    /// The account has the feature.
    Unlocked,
    /// Locked: maybe an offer, maybe a note about an upgrade already under way.
    Locked { offer: Option<OfferView>, notice: Option<String> },
}

/// The result of pressing an offer's accept button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Accepted {
    /// Go on to the upgrade page.
    Continue { url: String },
    /// Someone (another team member) already accepted this offer.
    AlreadyAccepted { message: String },
}

/// Where an upgrade stands, for the upgrade page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpgradeView {
    pub fulfillment_id: String,
    pub status: UpgradeStatus,
    pub failure_reason: Option<String>,
    /// Whether the customer pays on our upgrade page (a URL-redirect option); otherwise billing or our
    /// server applies the upgrade and the page only follows it.
    pub pays_here: bool,
    pub plan_name: String,
    /// Minor units.
    pub price: i64,
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpgradeStatus {
    InProgress,
    Completed,
    Failed,
}

/// The result of paying for an upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Paid {
    /// Paid and unlocked: go here.
    Unlocked { url: String },
    /// The payment or provisioning failed; the fulfillment is failed with this reason. Paying again
    /// starts a new attempt.
    Failed { reason: String },
}
