//! Types the gift pages and server share, and the checks both run on what the gifter typed.

use serde::{Deserialize, Serialize};

use growthkit_clock::calendar::civil;
pub use growthkit_wire::GiftSettings;

/// The furthest ahead a gift's notification may be scheduled.
pub const MAX_SCHEDULE_DAYS: i64 = 365;
/// Longest personal message, in characters.
pub const MAX_NOTE: usize = 500;
/// Longest signature or name, in characters.
pub const MAX_NAME: usize = 100;

/// Which side of a gift a user acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GiftRole {
    Gifter,
    Recipient,
}

/// A gift plan on sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftPlan {
    pub id: String,
    pub name: String,
    /// Minor units, paid once by the gifter.
    pub price: i64,
    pub currency: String,
    /// "3 months", "12 months".
    pub period_label: String,
    /// Something is shipped to the recipient (an address is needed).
    pub shippable: bool,
}

/// What the gift checkout needs to render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutData {
    pub plans: Vec<GiftPlan>,
    /// Gifting is switched on for the site.
    pub enabled: bool,
    /// The gifter may choose when the recipient is notified (otherwise: at once).
    pub may_schedule: bool,
    /// The gifter enters the shipping address for shippable plans (otherwise the recipient does).
    pub gifter_enters_shipping: bool,
    /// Billing's current time (it may be ahead of the wall clock in a test system).
    pub now: i64,
    pub signature: String,
    /// Names this page view's purchase: a repeated click carries it, so it buys once.
    pub nonce: String,
}

/// A postal address as typed (all text; checked by [`address_problem`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AddressInput {
    pub first_name: String,
    pub last_name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub country: String,
}

impl AddressInput {
    pub fn is_blank(&self) -> bool {
        [&self.first_name, &self.last_name, &self.line1, &self.line2, &self.city, &self.state, &self.zip, &self.country]
            .iter()
            .all(|f| f.trim().is_empty())
    }
}

/// The gift checkout form (absent fields are empty, and reported as missing by the checks).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct GiftCheckoutInput {
    pub plan_id: String,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub note: String,
    pub signature: String,
    /// Unix seconds of the notification, or empty for "send now".
    pub send_at: String,
    /// The gifter's time zone (IANA name) and its offset from UTC at `send_at`, in minutes.
    pub time_zone: String,
    pub utc_offset_minutes: String,
    pub address: AddressInput,
    /// The payment intent the browser authorized with billing; empty while the checkout is being checked.
    pub payment_intent_id: String,
    pub nonce: String,
}

/// A finished purchase: where the confirmation is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftBought {
    pub gift_id: String,
    pub url: String,
}

/// A plain check of an e-mail address's shape (the server also parses it fully).
pub fn email_problem(email: &str) -> Option<String> {
    let email = email.trim();
    let ok = email.len() <= 70
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        });
    (!ok).then(|| "Enter the recipient's e-mail address, like name@example.com.".to_owned())
}

/// Checks the recipient, message and signature.
pub fn recipient_problem(i: &GiftCheckoutInput) -> Option<String> {
    if i.first_name.trim().is_empty() || i.last_name.trim().is_empty() {
        return Some("Enter the recipient's first and last name.".into());
    }
    if i.first_name.chars().count() > MAX_NAME || i.last_name.chars().count() > MAX_NAME {
        return Some(format!("Names can be at most {MAX_NAME} characters."));
    }
    if let Some(p) = email_problem(&i.email) {
        return Some(p);
    }
    if i.signature.trim().is_empty() {
        return Some("Sign your gift: enter the name the recipient will see.".into());
    }
    if i.signature.chars().count() > MAX_NAME {
        return Some(format!("The signature can be at most {MAX_NAME} characters."));
    }
    if i.note.chars().count() > MAX_NOTE {
        return Some(format!("The personal message can be at most {MAX_NOTE} characters."));
    }
    None
}

/// When the recipient is notified: `None` is now; otherwise after `now` and within
/// [`MAX_SCHEDULE_DAYS`].
pub fn parse_send_at(send_at: &str, now: i64) -> Result<Option<i64>, String> {
    let send_at = send_at.trim();
    if send_at.is_empty() {
        return Ok(None);
    }
    let at: i64 = send_at.parse().map_err(|_| "Choose a date and time for the gift e-mail.".to_owned())?;
    check_send_at(at, now).map(Some)
}

/// A notification time (Unix seconds): after `now` and within [`MAX_SCHEDULE_DAYS`] of it.
pub fn check_send_at(at: i64, now: i64) -> Result<i64, String> {
    if at <= now {
        return Err("The notification time is in the past. Choose a later date and time.".into());
    }
    if at > now.saturating_add(MAX_SCHEDULE_DAYS * 86_400) {
        return Err(format!("Choose a date within {MAX_SCHEDULE_DAYS} days from today."));
    }
    Ok(at)
}

/// Checks a shipping address.
pub fn address_problem(a: &AddressInput) -> Option<String> {
    let missing = [
        (&a.first_name, "first name"),
        (&a.last_name, "last name"),
        (&a.line1, "street address"),
        (&a.city, "city"),
        (&a.zip, "postal code"),
    ]
    .into_iter()
    .find(|(v, _)| v.trim().is_empty());
    if let Some((_, what)) = missing {
        return Some(format!("Enter the shipping address's {what}."));
    }
    let country = a.country.trim();
    if country.len() != 2 || !country.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some("Enter the country as a two-letter code, like US or DE.".into());
    }
    let fields = [&a.first_name, &a.last_name, &a.line1, &a.line2, &a.city, &a.state, &a.zip];
    if fields.iter().any(|f| f.chars().count() > MAX_NAME) {
        return Some(format!("Address lines can be at most {MAX_NAME} characters."));
    }
    None
}

/// A time zone name as browsers report it (`Europe/Berlin`, `UTC`), and a plausible UTC offset.
pub fn parse_zone(name: &str, offset_minutes: &str) -> Result<(String, i64), String> {
    check_zone(name, offset_minutes.trim().parse().ok())
}

/// A time zone as the browser reports it: an IANA-shaped name and its UTC offset (−14 h to +14 h).
pub fn check_zone(name: &str, offset_minutes: Option<i64>) -> Result<(String, i64), String> {
    let name = name.trim();
    let valid_name =
        !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || "/_+-".contains(c));
    let offset = offset_minutes.filter(|m| (-840..=840).contains(m));
    match (valid_name, offset) {
        (true, Some(offset)) => Ok((name.to_owned(), offset)),
        _ => Err("Your browser's time zone could not be read. Reload the page and try again.".into()),
    }
}

/// `2026-12-24 09:00 (Europe/Berlin)`: a time as the gifter chose it.
pub fn local_time(unix: i64, offset_minutes: i64, zone: &str) -> String {
    let (y, mo, d, h, mi) = civil(unix + offset_minutes * 60);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02} ({zone})")
}

/// What the gift's status means, in words.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "scheduled" => "Scheduled",
        "unclaimed" => "Waiting to be claimed",
        "claimed" => "Claimed",
        "cancelled" => "Cancelled",
        "expired" => "Expired",
        _ => "Unknown",
    }
}

/// One step of a gift's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineStep {
    pub status: String,
    pub at: String,
}

/// A gift as the gifter's and recipient's pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftCard {
    pub id: String,
    pub plan_name: String,
    pub status: String,
    pub receiver_name: String,
    pub receiver_email: String,
    pub signature: String,
    pub note: Option<String>,
    pub scheduled_at: i64,
    /// `scheduled_at` in the gifter's time zone.
    pub notify_label: String,
    pub claim_expiry: Option<String>,
    pub subscription_status: String,
    /// When the gift subscription ends (once claimed).
    pub ends: Option<String>,
    pub timeline: Vec<TimelineStep>,
    pub can_cancel: bool,
    pub can_reschedule: bool,
    /// Latest allowed new notification time (the claim expiry), Unix seconds.
    pub reschedule_before: Option<i64>,
}

/// `/account/gifts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GiftsOverview {
    pub sent: Vec<GiftCard>,
    pub received: Vec<GiftCard>,
    pub now: i64,
}

/// A gift as its claim page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimableGift {
    pub plan_name: String,
    pub period_label: String,
    pub receiver_first_name: String,
    pub signature: String,
    pub note: Option<String>,
    pub claim_by: Option<String>,
    /// Ask the recipient for a shipping address before claiming.
    pub needs_address: bool,
}

/// What `/gift/claim/{token}` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClaimPage {
    /// Ready to claim.
    Open(ClaimableGift),
    /// Claimed: the subscription runs until `ends`.
    Claimed { plan_name: String, ends: Option<String> },
    /// Cannot be claimed (already claimed with this link, expired, cancelled, unknown link).
    Closed { message: String },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> GiftCheckoutInput {
        GiftCheckoutInput {
            first_name: "Rita".into(),
            last_name: "Recipient".into(),
            email: "rita@demo.test".into(),
            signature: "Gina".into(),
            ..GiftCheckoutInput::default()
        }
    }

    #[test]
    fn recipient_and_message_rules() {
        assert_eq!(recipient_problem(&input()), None);
        assert!(recipient_problem(&GiftCheckoutInput { last_name: " ".into(), ..input() }).is_some());
        for bad in ["rita", "rita@", "@demo.test", "ri ta@demo.test", "rita@demo", "rita@demo."] {
            assert!(recipient_problem(&GiftCheckoutInput { email: bad.into(), ..input() }).is_some(), "{bad}");
        }
        assert!(recipient_problem(&GiftCheckoutInput { signature: "".into(), ..input() }).is_some());
        assert!(recipient_problem(&GiftCheckoutInput { note: "x".repeat(MAX_NOTE + 1), ..input() }).is_some());
        assert_eq!(recipient_problem(&GiftCheckoutInput { note: "é".repeat(MAX_NOTE), ..input() }), None);
    }

    #[test]
    fn notification_time_is_now_or_within_a_year() {
        let now = 1_700_000_000;
        assert_eq!(parse_send_at("", now), Ok(None));
        assert_eq!(parse_send_at("1700003600", now), Ok(Some(1_700_003_600)));
        assert!(parse_send_at("1700000000", now).unwrap_err().contains("past"));
        assert!(parse_send_at("1600000000", now).unwrap_err().contains("past"));
        assert!(parse_send_at(&(now + 366 * 86_400).to_string(), now).unwrap_err().contains("365"));
        assert!(parse_send_at("tomorrow", now).is_err());
    }

    #[test]
    fn addresses_need_their_fields_and_a_country_code() {
        let a = AddressInput {
            first_name: "Rita".into(),
            last_name: "R".into(),
            line1: "1 Main St".into(),
            city: "Springfield".into(),
            zip: "12345".into(),
            country: "US".into(),
            ..AddressInput::default()
        };
        assert_eq!(address_problem(&a), None);
        assert!(address_problem(&AddressInput { city: "".into(), ..a.clone() }).unwrap().contains("city"));
        assert!(address_problem(&AddressInput { country: "USA".into(), ..a.clone() }).is_some());
        assert!(AddressInput::default().is_blank());
        assert!(!a.is_blank());
    }

    #[test]
    fn zones_and_local_times() {
        assert_eq!(parse_zone("Europe/Berlin", "60"), Ok(("Europe/Berlin".into(), 60)));
        assert!(parse_zone("Europe/Berlin<script>", "60").is_err());
        assert!(parse_zone("UTC", "900").is_err());
        assert_eq!(local_time(1_700_000_000, 60, "Europe/Berlin"), "2023-11-14 23:13 (Europe/Berlin)");
        assert_eq!(local_time(1_700_000_000, -300, "America/New_York"), "2023-11-14 17:13 (America/New_York)");
    }
}
