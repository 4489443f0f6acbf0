//! Formatting and checks for money and cards, shared by every feature and by server and browser.

/// Formats minor units of a currency, e.g. 7900 USD → "$79.00".
pub fn money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    let symbol = match currency {
        "USD" => "$",
        "EUR" => "€",
        "GBP" => "£",
        _ => "",
    };
    let suffix = if symbol.is_empty() { format!(" {currency}") } else { String::new() };
    format!("{sign}{symbol}{}.{:02}{suffix}", abs / 100, abs % 100)
}

/// The card form's fields, checked in the browser and again on the server.
pub fn validate_card(number: &str, month: &str, year: &str, cvc: &str) -> Result<(u32, u32), String> {
    let digits: String = number.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    if digits.len() < 12 || digits.len() > 19 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("Enter the card number (12 to 19 digits).".into());
    }
    let month: u32 =
        month.trim().parse().ok().filter(|m| (1..=12).contains(m)).ok_or("Enter the expiry month (1–12).")?;
    let year: u32 =
        year.trim().parse().ok().filter(|y| (2000..=2100).contains(y)).ok_or("Enter the expiry year, e.g. 2030.")?;
    let cvc = cvc.trim();
    if !(3..=4).contains(&cvc.len()) || !cvc.chars().all(|c| c.is_ascii_digit()) {
        return Err("Enter the 3 or 4 digit security code.".into());
    }
    Ok((month, year))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_in_minor_units() {
        assert_eq!(money(7_900, "USD"), "$79.00");
        assert_eq!(money(5, "EUR"), "€0.05");
        assert_eq!(money(-1_234, "GBP"), "-£12.34");
        assert_eq!(money(100, "SEK"), "1.00 SEK");
    }

    #[test]
    fn card_fields_are_checked() {
        assert_eq!(validate_card("4111 1111 1111 1111", "12", "2030", "123"), Ok((12, 2030)));
        assert!(validate_card("4111", "12", "2030", "123").is_err());
        assert!(validate_card("4111 1111 1111 111x", "12", "2030", "123").is_err());
        assert!(validate_card("4111111111111111", "13", "2030", "123").is_err());
        assert!(validate_card("4111111111111111", "12", "30", "123").is_err());
        assert!(validate_card("4111111111111111", "12", "2030", "12").is_err());
    }
}
