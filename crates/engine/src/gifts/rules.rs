//! The gift state machine and the rules for a new gift's options, free of I/O so every transition and
//! every refusal is unit-tested.
//!
//! ```text
//! scheduled ──notify──▶ unclaimed ──claim──▶ claimed
//!     │  ▲                  │ └────expire──▶ expired
//!     │  └─reschedule       │
//!     └──────cancel─────────┴──────────────▶ cancelled
//! ```

use growthkit_wire::ApiError;
use growthkit_wire::GiftSettings;

/// A gift's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiftStatus {
    Scheduled,
    Unclaimed,
    Claimed,
    Cancelled,
    Expired,
}

impl GiftStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            GiftStatus::Scheduled => "scheduled",
            GiftStatus::Unclaimed => "unclaimed",
            GiftStatus::Claimed => "claimed",
            GiftStatus::Cancelled => "cancelled",
            GiftStatus::Expired => "expired",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Scheduled, Self::Unclaimed, Self::Claimed, Self::Cancelled, Self::Expired]
            .into_iter()
            .find(|g| g.as_str() == s)
    }
}

/// Something that can happen to a gift.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiftAction {
    /// The notification time arrived: the recipient is told.
    Notify,
    Claim,
    Cancel,
    /// The claim window closed.
    Expire,
    /// A new notification time.
    Reschedule,
}

/// The status after `action`, or why it is refused from `from`.
pub fn transition(from: GiftStatus, action: GiftAction) -> Result<GiftStatus, String> {
    use GiftAction::*;
    use GiftStatus::*;
    match (from, action) {
        (Scheduled, Notify) => Ok(Unclaimed),
        (Unclaimed, Claim) => Ok(Claimed),
        (Scheduled | Unclaimed, Cancel) => Ok(Cancelled),
        (Unclaimed, Expire) => Ok(Expired),
        (Scheduled, Reschedule) => Ok(Scheduled),
        (Scheduled, Claim) => Err("The gift cannot be claimed before the recipient is notified".into()),
        (Claimed, Claim) => Err("The gift has already been claimed".into()),
        (Cancelled | Expired, Claim) => Err(format!("The gift is {}; it can no longer be claimed", from.as_str())),
        (_, Cancel) => {
            Err(format!("The gift is {}; only scheduled or unclaimed gifts can be cancelled", from.as_str()))
        }
        (_, Reschedule) => Err(format!("The gift is {}; only scheduled gifts can be rescheduled", from.as_str())),
        (_, Notify) => Err(format!("The gift is {}; it was notified already", from.as_str())),
        (_, Expire) => Err(format!("The gift is {}; only unclaimed gifts expire", from.as_str())),
    }
}

/// A new gift's options after settings and parameters are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GiftOptions {
    pub scheduled_at: i64,
    pub auto_claim: bool,
    pub no_expiry: bool,
    pub claim_expiry_date: Option<i64>,
}

/// Combines the request's `auto_claim`, `no_expiry` and `claim_expiry_date` with the site defaults, as
/// Chargebee documents: parameters override settings; `no_expiry` cannot go with `auto_claim`; a
/// `claim_expiry_date` is refused with either, and must be after `scheduled_at` (which, when given, must
/// be in the future; absent, the recipient is notified now).
pub fn gift_options(
    settings: &GiftSettings,
    scheduled_at: Option<i64>,
    auto_claim: Option<bool>,
    no_expiry: Option<bool>,
    claim_expiry_date: Option<i64>,
    now: i64,
) -> Result<GiftOptions, ApiError> {
    if !settings.enabled {
        return Err(ApiError::invalid_state(None, "Gifting is disabled for this site"));
    }
    let scheduled_at = match scheduled_at {
        Some(at) if at <= now => return Err(ApiError::param("scheduled_at", "scheduled_at : must be in the future")),
        Some(at) => at,
        None => now,
    };
    let auto_claim = auto_claim.unwrap_or(settings.auto_claim);
    if auto_claim && no_expiry == Some(true) {
        return Err(ApiError::param("no_expiry", "no_expiry : cannot be true when auto_claim is true"));
    }
    let no_expiry = no_expiry.unwrap_or(settings.no_expiry && !auto_claim);
    if let Some(date) = claim_expiry_date {
        if auto_claim || no_expiry {
            return Err(ApiError::param(
                "claim_expiry_date",
                "claim_expiry_date : must be empty when auto_claim or no_expiry is set",
            ));
        }
        if date <= scheduled_at {
            return Err(ApiError::param("claim_expiry_date", "claim_expiry_date : must be after scheduled_at"));
        }
    }
    let claim_expiry_date = if auto_claim || no_expiry {
        None
    } else {
        Some(claim_expiry_date.unwrap_or(scheduled_at + settings.claim_within_days * 86_400))
    };
    Ok(GiftOptions { scheduled_at, auto_claim, no_expiry, claim_expiry_date })
}

/// Checks a new notification time for a scheduled gift: after now and, when the gift expires, before that.
pub fn reschedule_ok(new_at: i64, now: i64, claim_expiry_date: Option<i64>) -> Result<(), ApiError> {
    if new_at <= now {
        return Err(ApiError::param("scheduled_at", "scheduled_at : must be in the future"));
    }
    if let Some(expiry) = claim_expiry_date
        && new_at >= expiry
    {
        return Err(ApiError::param("scheduled_at", "scheduled_at : must be before the gift's claim expiry date"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::GiftAction::*;
    use super::GiftStatus::*;
    use super::*;

    const ALL: [GiftStatus; 5] = [Scheduled, Unclaimed, Claimed, Cancelled, Expired];
    const ACTIONS: [GiftAction; 5] = [Notify, Claim, Cancel, Expire, Reschedule];

    #[test]
    fn every_allowed_transition() {
        assert_eq!(transition(Scheduled, Notify), Ok(Unclaimed));
        assert_eq!(transition(Unclaimed, Claim), Ok(Claimed));
        assert_eq!(transition(Scheduled, Cancel), Ok(Cancelled));
        assert_eq!(transition(Unclaimed, Cancel), Ok(Cancelled));
        assert_eq!(transition(Unclaimed, Expire), Ok(Expired));
        assert_eq!(transition(Scheduled, Reschedule), Ok(Scheduled));
    }

    #[test]
    fn every_other_pair_is_refused_with_a_reason() {
        let allowed = [
            (Scheduled, Notify),
            (Unclaimed, Claim),
            (Scheduled, Cancel),
            (Unclaimed, Cancel),
            (Unclaimed, Expire),
            (Scheduled, Reschedule),
        ];
        let mut refused = 0;
        for from in ALL {
            for action in ACTIONS {
                if allowed.contains(&(from, action)) {
                    continue;
                }
                let reason = transition(from, action).unwrap_err();
                assert!(!reason.is_empty(), "{from:?} {action:?}");
                refused += 1;
            }
        }
        assert_eq!(refused, 19);
        assert!(transition(Claimed, Claim).unwrap_err().contains("already been claimed"));
        assert!(transition(Expired, Claim).unwrap_err().contains("expired"));
        assert!(transition(Cancelled, Claim).unwrap_err().contains("cancelled"));
    }

    #[test]
    fn statuses_round_trip() {
        for s in ALL {
            assert_eq!(GiftStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(GiftStatus::parse("lost"), None);
    }

    /// A new site's settings: recipients claim within 30 days.
    fn settings() -> GiftSettings {
        GiftSettings::default()
    }

    const NOW: i64 = 1_000_000;

    #[test]
    fn defaults_come_from_the_settings() {
        let o = gift_options(&settings(), None, None, None, None, NOW).unwrap();
        assert_eq!(
            o,
            GiftOptions {
                scheduled_at: NOW,
                auto_claim: false,
                no_expiry: false,
                claim_expiry_date: Some(NOW + 30 * 86_400)
            }
        );
        let mut s = settings();
        s.auto_claim = true;
        s.no_expiry = true;
        let o = gift_options(&s, Some(NOW + 10), None, None, None, NOW).unwrap();
        assert_eq!((o.auto_claim, o.no_expiry, o.claim_expiry_date), (true, false, None));
        s.auto_claim = false;
        let o = gift_options(&s, None, None, None, None, NOW).unwrap();
        assert_eq!((o.no_expiry, o.claim_expiry_date), (true, None));
    }

    #[test]
    fn parameters_override_settings_within_chargebee_rules() {
        let s = settings();
        let o = gift_options(&s, Some(NOW + 100), Some(false), Some(false), Some(NOW + 200), NOW).unwrap();
        assert_eq!(o.claim_expiry_date, Some(NOW + 200));
        let param = |r: Result<GiftOptions, ApiError>| r.unwrap_err().param;
        assert_eq!(param(gift_options(&s, Some(NOW), None, None, None, NOW)).as_deref(), Some("scheduled_at"));
        assert_eq!(param(gift_options(&s, None, Some(true), Some(true), None, NOW)).as_deref(), Some("no_expiry"));
        assert_eq!(
            param(gift_options(&s, None, Some(true), None, Some(NOW + 5), NOW)).as_deref(),
            Some("claim_expiry_date")
        );
        assert_eq!(
            param(gift_options(&s, None, None, Some(true), Some(NOW + 5), NOW)).as_deref(),
            Some("claim_expiry_date")
        );
        assert_eq!(
            param(gift_options(&s, Some(NOW + 100), None, None, Some(NOW + 100), NOW)).as_deref(),
            Some("claim_expiry_date")
        );
        let mut off = settings();
        off.enabled = false;
        assert_eq!(
            gift_options(&off, None, None, None, None, NOW).unwrap_err().api_error_code,
            "invalid_state_for_request"
        );
    }

    #[test]
    fn settings_ranges() {
        let mut s = settings();
        assert!(s.validate().is_ok());
        s.claim_within_days = 0;
        assert!(s.validate().is_err());
        s.claim_within_days = 365;
        assert!(s.validate().is_ok());
        s.claim_within_days = 366;
        assert!(s.validate().is_err());
        s.claim_within_days = 30;
        s.reminder_after_days = 0;
        assert!(s.validate().is_err());
    }

    #[test]
    fn a_new_notification_time_lies_between_now_and_expiry() {
        assert!(reschedule_ok(NOW + 1, NOW, Some(NOW + 10)).is_ok());
        assert!(reschedule_ok(NOW, NOW, Some(NOW + 10)).is_err());
        assert!(reschedule_ok(NOW + 10, NOW, Some(NOW + 10)).is_err());
        assert!(reschedule_ok(NOW + 1_000_000, NOW, None).is_ok());
    }
}
