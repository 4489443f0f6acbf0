//! Types the credits pages and server share, and the pure rules behind them.

use serde::{Deserialize, Serialize};

/// Credits one report run uses (the product's documented metered action).
pub const REPORT_COST: i64 = 25;
/// The most packs one purchase may buy.
pub const MAX_PACKS: i64 = 20;

/// A plan offered with credit packs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanOption {
    pub id: String,
    pub name: String,
    /// Minor units per period.
    pub price: i64,
    pub currency: String,
    pub period_label: String,
}

/// A credit pack: a quantity-based addon giving `credits` per pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackOption {
    pub id: String,
    pub name: String,
    pub credits: i64,
    /// Minor units per pack.
    pub price: i64,
    pub currency: String,
}

/// One ledger entry as the history shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct LedgerLine {
    pub id: i64,
    pub kind: String,
    pub credits: i64,
    pub balance_after: i64,
    pub description: String,
    pub created_at: i64,
}

/// A top-up waiting for the renewal invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingCharge {
    pub description: String,
    pub packs: i64,
    pub credits: i64,
    pub amount: i64,
    pub currency: String,
    pub at: i64,
}

/// The credits page for an account with a credit subscription.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditsState {
    pub balance: i64,
    pub low_threshold: i64,
    pub is_low: bool,
    /// Set when the low-balance popup is due (once per episode): the episode to acknowledge.
    pub prompt_episode: Option<i64>,
    pub plan_name: String,
    pub subscription_status: String,
    pub current_term_end: Option<i64>,
    /// When a scheduled cancellation takes effect.
    pub cancels_at: Option<i64>,
    /// The pack top-ups buy, and how many of it.
    pub pack: Option<PackOption>,
    pub pack_quantity: i64,
    pub packs: Vec<PackOption>,
    pub pending: Vec<PendingCharge>,
    pub history: Vec<LedgerLine>,
    /// Names this page view's requests: a repeated click carries the same nonce, so it changes nothing.
    pub nonce: String,
    pub can_buy: bool,
}

/// What `/credits` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum CreditsOverview {
    /// No credit subscription yet: the checkout.
    Checkout {
        plans: Vec<PlanOption>,
        packs: Vec<PackOption>,
        nonce: String,
        can_buy: bool,
    },
    /// Bought, waiting for the payment event that grants the first credits.
    Activating,
    Active(Box<CreditsState>),
}

/// The checkout form as sent: plan, pack and quantity, the payment intent the browser authorized with
/// billing (the card itself never comes here), and the page view's nonce.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutInput {
    pub plan_id: String,
    pub pack_id: String,
    pub quantity: String,
    pub payment_intent_id: String,
    pub nonce: String,
}

/// The popup's and credits page's choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopUpChoice {
    /// "Yes, top up now": invoice the pack now.
    TopUpNow,
    /// "At renewal": charge the pack with the renewal invoice.
    AtRenewal,
    /// "No": cancel the subscription at the end of its term.
    Stop,
    /// "Change": another pack and quantity, charged now.
    Change,
    /// Take back a scheduled cancellation.
    UndoStop,
}

impl TopUpChoice {
    pub fn as_str(self) -> &'static str {
        match self {
            TopUpChoice::TopUpNow => "top_up_now",
            TopUpChoice::AtRenewal => "at_renewal",
            TopUpChoice::Stop => "stop",
            TopUpChoice::Change => "change",
            TopUpChoice::UndoStop => "undo_stop",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::TopUpNow, Self::AtRenewal, Self::Stop, Self::Change, Self::UndoStop]
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// The answer to a top-up choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOutcome {
    pub message: String,
    /// A payment was made: the credits arrive with its event.
    pub awaiting_credits: bool,
}

/// The answer to a report run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportRun {
    pub balance: i64,
    pub message: String,
}

/// How a subscription status reads on the page.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "active" => "Active",
        "non_renewing" => "Ends at term end",
        "cancelled" => "Cancelled",
        "in_trial" => "In trial",
        "future" => "Starts later",
        "paused" => "Paused",
        _ => "Unknown",
    }
}

/// The pack quantity field: a whole number from 1 to [`MAX_PACKS`].
pub fn parse_quantity(text: &str) -> Result<i64, String> {
    check_quantity(text.trim().parse::<i64>().ok())
}

/// The highest low-balance threshold accepted.
pub const MAX_THRESHOLD: i64 = 1_000_000;

/// A low-balance threshold, which must be 0 to [`MAX_THRESHOLD`] credits.
pub fn check_threshold(threshold: Option<i64>) -> Result<i64, String> {
    threshold
        .filter(|t| (0..=MAX_THRESHOLD).contains(t))
        .ok_or_else(|| format!("Enter a whole number of credits from 0 to {}.", credits_text(MAX_THRESHOLD)))
}

/// A number of packs, which must be 1 to [`MAX_PACKS`].
pub fn check_quantity(quantity: Option<i64>) -> Result<i64, String> {
    quantity.filter(|q| (1..=MAX_PACKS).contains(q)).ok_or_else(|| format!("Choose from 1 to {MAX_PACKS} packs."))
}

/// Checkout's own rule, checked in the browser and again on the server: a plan and a pack are chosen.
pub fn checkout_problem(plan: &str, pack: &str, quantity: &str) -> Option<String> {
    if plan.is_empty() {
        return Some("Choose a plan.".into());
    }
    if pack.is_empty() {
        return Some("Choose a credit pack: a plan comes with at least one pack of credits.".into());
    }
    parse_quantity(quantity).err()
}

/// `1,234` style grouping for credit counts.
pub fn credits_text(credits: i64) -> String {
    let digits = credits.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if credits < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checkout_needs_a_plan_and_a_pack() {
        assert!(checkout_problem("", "pack", "1").unwrap().contains("plan"));
        assert!(checkout_problem("plan", "", "1").unwrap().contains("credit pack"));
        assert!(checkout_problem("plan", "pack", "0").is_some());
        assert!(checkout_problem("plan", "pack", "21").is_some());
        assert!(checkout_problem("plan", "pack", "two").is_some());
        assert_eq!(checkout_problem("plan", "pack", " 3 "), None);
    }

    #[test]
    fn choices_round_trip() {
        for c in [
            TopUpChoice::TopUpNow,
            TopUpChoice::AtRenewal,
            TopUpChoice::Stop,
            TopUpChoice::Change,
            TopUpChoice::UndoStop,
        ] {
            assert_eq!(TopUpChoice::parse(c.as_str()), Some(c));
        }
        assert_eq!(TopUpChoice::parse("refund"), None);
    }

    #[test]
    fn credit_counts_are_grouped() {
        assert_eq!(credits_text(0), "0");
        assert_eq!(credits_text(950), "950");
        assert_eq!(credits_text(1_000), "1,000");
        assert_eq!(credits_text(-25), "-25");
        assert_eq!(credits_text(1_234_567), "1,234,567");
    }
}
