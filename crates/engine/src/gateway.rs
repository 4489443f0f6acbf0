//! The engine's test payment gateway: synchronous, with fixed test cards, like a Chargebee test site's.
//!
//! | Card number           | Outcome                               |
//! |-----------------------|---------------------------------------|
//! | 4111 1111 1111 1111   | approved                              |
//! | 4242 4242 4242 4242   | approved                              |
//! | 4000 0000 0000 0002   | declined (`card_declined`)            |
//! | 4000 0000 0000 9995   | declined (`insufficient_funds`)       |
//!
//! Any other number is refused as not a test card; an expiry in the past is refused as expired.

use serde::{Deserialize, Serialize};

use growthkit_wire::ApiError;

/// Card details as Chargebee's `card[...]` parameters carry them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub number: String,
    pub expiry_month: u32,
    pub expiry_year: u32,
    pub cvv: String,
}

impl Card {
    /// The number without spaces or dashes.
    pub fn digits(&self) -> String {
        self.number.chars().filter(|c| c.is_ascii_digit()).collect()
    }

    /// `************1111`, safe to store and show.
    pub fn masked(&self) -> String {
        let d = self.digits();
        let last4 = if d.len() >= 4 { &d[d.len() - 4..] } else { "" };
        format!("************{last4}")
    }
}

/// Why the gateway declined a well-formed card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decline {
    CardDeclined,
    InsufficientFunds,
}

impl Decline {
    pub fn code(self) -> &'static str {
        match self {
            Decline::CardDeclined => "card_declined",
            Decline::InsufficientFunds => "insufficient_funds",
        }
    }

    /// Chargebee's `error_cause_id` for the decline.
    pub fn cause_id(self) -> &'static str {
        match self {
            Decline::CardDeclined => "gateway.general.decline",
            Decline::InsufficientFunds => "gateway.insufficient_funds",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Decline::CardDeclined => "The card was declined by the bank.",
            Decline::InsufficientFunds => "The card has insufficient funds.",
        }
    }

    /// Chargebee's 402 payment error for this decline.
    pub fn to_api_error(self) -> ApiError {
        ApiError {
            message: format!("Payment failed: {}", self.message()),
            error_type: Some(growthkit_wire::ErrorType::Payment),
            api_error_code: "payment_processing_failed".into(),
            param: None,
            error_cause_id: Some(self.cause_id().into()),
            http_status_code: 402,
        }
    }
}

/// Checks the card's form (number, expiry against `now`, CVV) before any charge.
pub fn validate(card: &Card, now: i64) -> Result<(), ApiError> {
    let digits = card.digits();
    if digits.len() < 12 || digits.len() > 19 {
        return Err(ApiError::param("card[number]", "The card number is invalid."));
    }
    if !(1..=12).contains(&card.expiry_month) {
        return Err(ApiError::param("card[expiry_month]", "The expiry month must be 1 to 12."));
    }
    let (year, month) = year_month(now);
    if (card.expiry_year, card.expiry_month) < (year, month) {
        return Err(ApiError::param("card[expiry_year]", "The card has expired."));
    }
    let cvv = card.cvv.trim();
    if !(3..=4).contains(&cvv.len()) || !cvv.chars().all(|c| c.is_ascii_digit()) {
        return Err(ApiError::param("card[cvv]", "The CVV must be 3 or 4 digits."));
    }
    Ok(())
}

/// The test gateway's answer for a valid card.
pub fn authorize(card: &Card) -> Result<Result<(), Decline>, ApiError> {
    match card.digits().as_str() {
        "4111111111111111" | "4242424242424242" => Ok(Ok(())),
        "4000000000000002" => Ok(Err(Decline::CardDeclined)),
        "4000000000009995" => Ok(Err(Decline::InsufficientFunds)),
        _ => Err(ApiError::param("card[number]", "Only test cards are accepted by the test gateway.")),
    }
}

/// The UTC calendar year and month of a Unix time.
fn year_month(unix: i64) -> (u32, u32) {
    let (year, month, ..) = growthkit_clock::calendar::civil(unix);
    (year as u32, month)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(number: &str, month: u32, year: u32) -> Card {
        Card { number: number.into(), expiry_month: month, expiry_year: year, cvv: "123".into() }
    }

    #[test]
    fn calendar_month_of_unix_times() {
        assert_eq!(year_month(0), (1970, 1));
        assert_eq!(year_month(1_700_000_000), (2023, 11));
        assert_eq!(year_month(951_782_400), (2000, 2)); // 2000-02-29
        assert_eq!(year_month(1_798_761_599), (2026, 12)); // 2026-12-31 23:59:59
    }

    #[test]
    fn test_cards_behave_as_documented() {
        assert_eq!(authorize(&card("4111 1111 1111 1111", 12, 2030)).unwrap(), Ok(()));
        assert_eq!(authorize(&card("4000-0000-0000-0002", 12, 2030)).unwrap(), Err(Decline::CardDeclined));
        assert_eq!(authorize(&card("4000000000009995", 12, 2030)).unwrap(), Err(Decline::InsufficientFunds));
        assert!(authorize(&card("5555555555554444", 12, 2030)).is_err());
    }

    #[test]
    fn card_form_is_checked() {
        let now = 1_700_000_000; // November 2023
        assert!(validate(&card("4111111111111111", 11, 2023), now).is_ok());
        assert_eq!(
            validate(&card("4111111111111111", 10, 2023), now).unwrap_err().param.as_deref(),
            Some("card[expiry_year]")
        );
        assert!(validate(&card("4111", 11, 2030), now).is_err());
        assert!(validate(&card("4111111111111111", 13, 2030), now).is_err());
        let mut c = card("4111111111111111", 1, 2030);
        c.cvv = "12a".into();
        assert_eq!(validate(&c, now).unwrap_err().param.as_deref(), Some("card[cvv]"));
        assert_eq!(c.masked(), "************1111");
    }
}
