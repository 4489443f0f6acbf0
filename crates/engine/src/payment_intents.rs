//! Payment intents, as Chargebee's 3DS flow uses them: the merchant's server creates one for an amount
//! (`POST /payment_intents`), the browser authorizes it with the card straight against billing (Chargebee.js
//! there, the engine's card script here, see `api::browser`), and the server passes only its id to the call
//! that charges, which consumes it. The merchant's server never sees the card.
//!
//! An intent lives 30 minutes unless consumed. A refused attempt leaves it `inited` with the refusal as its
//! active attempt, so the card can be corrected and tried again on the same intent.

use sqlx::SqliteConnection;

use super::gateway::{self, Card, Decline};
use super::time::internal;
use super::{Engine, ids};
use growthkit_wire::{ApiError, NewPaymentIntent, PaymentAttempt, PaymentIntent, Timestamp};

/// How long an intent can be authorized and consumed.
pub const LIFETIME_SECONDS: i64 = 30 * 60;

/// The largest amount an intent may carry, in minor units (ten billion in major units).
const MAX_AMOUNT: i64 = 1_000_000_000_000;

const COLUMNS: &str =
    "id, status, amount, currency_code, customer_id, attempt_id, attempt_status, error_code, error_text,
     attempted_at, expires_at, created_at, modified_at";

#[derive(sqlx::FromRow)]
struct IntentRow {
    id: String,
    status: String,
    amount: i64,
    currency_code: String,
    customer_id: Option<String>,
    attempt_id: Option<String>,
    attempt_status: Option<String>,
    error_code: Option<String>,
    error_text: Option<String>,
    attempted_at: Option<i64>,
    expires_at: i64,
    created_at: i64,
    modified_at: i64,
}

impl IntentRow {
    /// The intent as Chargebee shows it at `now`: past its expiry an unconsumed intent reads `expired`.
    fn into_wire(self, now: Timestamp) -> PaymentIntent {
        let expired = self.status != "consumed" && now >= self.expires_at;
        let active_payment_attempt = match (self.attempt_status, self.attempted_at) {
            (Some(status), Some(at)) => Some(PaymentAttempt {
                id: self.attempt_id,
                status,
                error_code: self.error_code,
                error_text: self.error_text,
                created_at: at,
                modified_at: at,
            }),
            _ => None,
        };
        PaymentIntent {
            status: if expired { "expired".into() } else { self.status },
            id: self.id,
            amount: self.amount,
            currency_code: self.currency_code,
            customer_id: self.customer_id,
            gateway_account_id: Some(TEST_GATEWAY_ACCOUNT.into()),
            gateway: Some("chargebee".into()),
            payment_method_type: Some("card".into()),
            expires_at: self.expires_at,
            created_at: self.created_at,
            modified_at: self.modified_at,
            active_payment_attempt,
        }
    }
}

/// The one gateway account of the engine's site (Chargebee's test gateway).
const TEST_GATEWAY_ACCOUNT: &str = "gw_growthkit_test";

async fn row(conn: &mut SqliteConnection, id: &str) -> Result<IntentRow, ApiError> {
    sqlx::query_as::<_, IntentRow>(&format!("SELECT {COLUMNS} FROM engine_payment_intents WHERE id = ?"))
        .bind(id)
        .fetch_optional(conn)
        .await
        .map_err(internal)?
        .ok_or_else(|| ApiError::not_found("payment_intent[id]", format!("Payment intent {id} not found")))
}

/// Takes the authorized intent `id` for a charge of `amount` in `currency` to `customer_id`, inside the
/// caller's transaction (rolled back with it), and answers the card it was authorized with.
pub(crate) async fn consume(
    conn: &mut SqliteConnection,
    id: &str,
    customer_id: &str,
    amount: i64,
    currency: &str,
    now: Timestamp,
) -> Result<Card, ApiError> {
    let param = "payment_intent[id]";
    let intent = row(&mut *conn, id).await?.into_wire(now);
    if let Some(problem) = intent.unusable() {
        return Err(problem);
    }
    if intent.customer_id.as_deref().is_some_and(|c| c != customer_id) {
        return Err(ApiError::param(param, "The payment intent belongs to another customer."));
    }
    if intent.amount != amount || !intent.currency_code.eq_ignore_ascii_case(currency) {
        return Err(ApiError::param(
            param,
            format!(
                "The payment intent is for {} {} but {amount} {currency} is due.",
                intent.amount, intent.currency_code
            ),
        ));
    }
    let card: (String, i64, i64) = sqlx::query_as(
        "UPDATE engine_payment_intents SET status = 'consumed', modified_at = ?
         WHERE id = ? AND status = 'authorized'
         RETURNING gateway_token, expiry_month, expiry_year",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await
    .map_err(internal)?
    .ok_or_else(|| ApiError::param(param, "The payment intent was used meanwhile."))?;
    Ok(Card {
        number: card.0,
        expiry_month: u32::try_from(card.1).unwrap_or(1),
        expiry_year: u32::try_from(card.2).unwrap_or(1970),
        // Authorized already; the gateway does not ask again when the charge is captured.
        cvv: "000".into(),
    })
}

impl Engine {
    /// `POST /payment_intents`.
    pub async fn create_payment_intent(&self, req: &NewPaymentIntent) -> Result<PaymentIntent, ApiError> {
        if !(0..=MAX_AMOUNT).contains(&req.amount) {
            return Err(ApiError::param("amount", format!("amount must be between 0 and {MAX_AMOUNT}")));
        }
        let currency = req.currency_code.trim();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
            return Err(ApiError::param("currency_code", "currency_code must be a three-letter ISO 4217 code"));
        }
        let now = self.clock.now();
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        if let Some(customer) = &req.customer_id {
            crate::customers::require(&mut conn, customer, "customer_id").await?;
        }
        let id = ids::random("pi_");
        sqlx::query(
            "INSERT INTO engine_payment_intents (id, status, amount, currency_code, customer_id, expires_at, created_at,
                 modified_at)
             VALUES (?, 'inited', ?, ?, ?, ?, ?, ?)",
        )
        .bind(&id)
        .bind(req.amount)
        .bind(currency.to_ascii_uppercase())
        .bind(&req.customer_id)
        .bind(now + LIFETIME_SECONDS)
        .bind(now)
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(internal)?;
        Ok(row(&mut conn, &id).await?.into_wire(now))
    }

    /// `GET /payment_intents/{id}`.
    pub async fn payment_intent(&self, id: &str) -> Result<PaymentIntent, ApiError> {
        let mut conn = self.pool.acquire().await.map_err(internal)?;
        Ok(row(&mut conn, id).await?.into_wire(self.clock.now()))
    }

    /// The browser's authorization of intent `id` with `card` (what Chargebee.js' `handleCardPayment` does
    /// against a real site). An approved card makes the intent `authorized`; a declined one records the
    /// refusal on the intent, which stays `inited`, and answers the gateway's 402. A card the gateway
    /// cannot read is a 400 naming the field, and no attempt.
    pub async fn authorize_payment_intent(&self, id: &str, card: &Card) -> Result<PaymentIntent, ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(internal)?;
        let intent = row(&mut tx, id).await?.into_wire(now);
        if intent.status != "inited" {
            return Err(ApiError::invalid_state(
                Some("payment_intent[id]"),
                format!("The payment intent is {}; only an inited one can be authorized.", intent.status),
            ));
        }
        gateway::validate(card, now)?;
        let outcome = gateway::authorize(card)?;
        let (status, attempt_status, decline) = match outcome {
            Ok(()) => ("authorized", "authorized", None),
            Err(decline) => ("inited", "refused", Some(decline)),
        };
        sqlx::query(
            "UPDATE engine_payment_intents
             SET status = ?, attempt_id = ?, attempt_status = ?, error_code = ?, error_text = ?, attempted_at = ?,
                 modified_at = ?, gateway_token = ?, masked_number = ?, expiry_month = ?, expiry_year = ?
             WHERE id = ?",
        )
        .bind(status)
        .bind(ids::random("pa_"))
        .bind(attempt_status)
        .bind(decline.map(Decline::code))
        .bind(decline.map(Decline::message))
        .bind(now)
        .bind(now)
        .bind(decline.is_none().then(|| card.digits()))
        .bind(card.masked())
        .bind(i64::from(card.expiry_month))
        .bind(i64::from(card.expiry_year))
        .bind(id)
        .execute(&mut *tx)
        .await
        .map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        match decline {
            Some(decline) => Err(decline.to_api_error()),
            None => self.payment_intent(id).await,
        }
    }
}
