//! Collecting money on the test gateway: the customer's card on file (saved at checkout and charged
//! later for top-ups and renewals) and the record of every attempt, paid or declined.

use sqlx::SqliteConnection;

use super::gateway::{self, Card, Decline};
use super::ids;
use growthkit_wire::{ApiError, MaskedCard, PaymentMethod, PaymentSource, Transaction};

/// The card a charge will use, once the call's payment method is resolved.
pub(crate) struct Funding {
    pub card: Card,
    /// Authorized already, through a payment intent: the gateway is not asked again.
    authorized: bool,
    /// Given with this call (a card or an intent), so kept as the customer's payment source once paid.
    pub keep: bool,
}

impl Funding {
    /// The gateway's answer for this charge.
    pub fn outcome(&self) -> Result<Result<(), Decline>, ApiError> {
        if self.authorized { Ok(Ok(())) } else { gateway::authorize(&self.card) }
    }
}

/// Resolves how `customer_id` pays `amount` in `currency` now, inside the caller's transaction: a given card
/// is checked, an intent is consumed (undone if the transaction is), and the card on file must exist.
pub(crate) async fn funding(
    conn: &mut SqliteConnection,
    method: &PaymentMethod,
    customer_id: &str,
    amount: i64,
    currency: &str,
    now: i64,
) -> Result<Funding, ApiError> {
    match method {
        PaymentMethod::Card(c) => {
            let card = Card {
                number: c.number.clone(),
                expiry_month: c.expiry_month,
                expiry_year: c.expiry_year,
                cvv: c.cvv.clone(),
            };
            gateway::validate(&card, now)?;
            Ok(Funding { card, authorized: false, keep: true })
        }
        PaymentMethod::Intent(id) => {
            let card = super::payment_intents::consume(conn, id, customer_id, amount, currency, now).await?;
            Ok(Funding { card, authorized: true, keep: true })
        }
        PaymentMethod::OnFile => {
            let card = card_on_file(conn, customer_id)
                .await
                .map_err(super::time::internal)?
                .ok_or_else(ApiError::no_payment_method)?;
            Ok(Funding { card, authorized: false, keep: false })
        }
    }
}

/// Saves `card` as the customer's primary payment source, replacing the previous primary one.
pub(crate) async fn save_card(
    conn: &mut SqliteConnection,
    customer_id: &str,
    card: &Card,
    now: i64,
) -> Result<String, sqlx::Error> {
    let id = ids::random("pm_");
    sqlx::query(
        "INSERT INTO engine_payment_sources
             (id, customer_id, gateway_token, masked_number, expiry_month, expiry_year, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&id)
    .bind(customer_id)
    .bind(card.digits())
    .bind(card.masked())
    .bind(i64::from(card.expiry_month))
    .bind(i64::from(card.expiry_year))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE engine_customers SET primary_payment_source_id = ? WHERE id = ?")
        .bind(&id)
        .bind(customer_id)
        .execute(&mut *conn)
        .await?;
    Ok(id)
}

/// The customer's primary card, if there is one.
pub(crate) async fn card_on_file(conn: &mut SqliteConnection, customer_id: &str) -> Result<Option<Card>, sqlx::Error> {
    let row: Option<(String, i64, i64)> = sqlx::query_as(
        "SELECT p.gateway_token, p.expiry_month, p.expiry_year
         FROM engine_customers c JOIN engine_payment_sources p ON p.id = c.primary_payment_source_id
         WHERE c.id = ?",
    )
    .bind(customer_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(number, month, year)| Card {
        number,
        expiry_month: u32::try_from(month).unwrap_or(1),
        expiry_year: u32::try_from(year).unwrap_or(1970),
        // The gateway does not check a stored card's CVV (nor does a real one on a merchant-initiated charge).
        cvv: "000".into(),
    }))
}

/// What one payment attempt is for.
pub(crate) struct Payment<'a> {
    pub customer_id: &'a str,
    pub subscription_id: Option<&'a str>,
    pub amount: i64,
    pub currency: &'a str,
}

/// The transaction for an attempt whose outcome the gateway gave (see `gateway::authorize`).
pub(crate) fn transaction(payment: &Payment<'_>, card: &Card, outcome: Result<(), Decline>, now: i64) -> Transaction {
    Transaction {
        id: ids::random("txn_"),
        customer_id: payment.customer_id.into(),
        subscription_id: payment.subscription_id.map(str::to_owned),
        transaction_type: "payment".into(),
        status: if outcome.is_ok() { "success" } else { "failure" }.into(),
        amount: payment.amount,
        currency_code: payment.currency.into(),
        date: now,
        masked_card_number: Some(card.masked()),
        error_code: outcome.err().map(|d| d.code().to_owned()),
    }
}

/// Records an attempt, linked to the invoice it paid (or tried to pay) when there is one. The invoice
/// row must exist already.
pub(crate) async fn record(
    conn: &mut SqliteConnection,
    txn: &Transaction,
    invoice_id: Option<&str>,
    decline: Option<Decline>,
) -> Result<(), ApiError> {
    sqlx::query(
        "INSERT INTO engine_transactions (id, customer_id, invoice_id, amount, currency_code, status, masked_card,
             error_code, error_text, occurred_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&txn.id)
    .bind(&txn.customer_id)
    .bind(invoice_id)
    .bind(txn.amount)
    .bind(&txn.currency_code)
    .bind(&txn.status)
    .bind(txn.masked_card_number.as_deref().unwrap_or_default())
    .bind(&txn.error_code)
    .bind(decline.map(Decline::message))
    .bind(txn.date)
    .execute(conn)
    .await
    .map_err(super::time::internal)?;
    Ok(())
}

impl crate::Engine {
    /// `POST /payment_sources/create_card`: verifies the card with the gateway and keeps it as the customer's
    /// primary payment source. A declined card is a 402 and nothing is kept.
    pub async fn create_card(&self, customer_id: &str, card: &Card) -> Result<PaymentSource, ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(crate::time::internal)?;
        crate::customers::require(&mut tx, customer_id, "customer_id").await?;
        super::gateway::validate(card, now)?;
        if let Err(Decline::CardDeclined) = super::gateway::authorize(card)? {
            // A verification only fails for a card that can never pay; a short balance shows at the charge.
            return Err(Decline::CardDeclined.to_api_error());
        }
        let id = save_card(&mut tx, customer_id, card, now).await.map_err(crate::time::internal)?;
        tx.commit().await.map_err(crate::time::internal)?;
        let digits = card.digits();
        Ok(PaymentSource {
            id,
            customer_id: customer_id.to_owned(),
            source_type: "card".into(),
            status: "valid".into(),
            card: MaskedCard {
                last4: digits[digits.len().saturating_sub(4)..].to_owned(),
                masked_number: card.masked(),
                expiry_month: card.expiry_month,
                expiry_year: card.expiry_year,
            },
        })
    }
}
