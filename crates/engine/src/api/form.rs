//! Form parameters, Chargebee's encoding for its billing API.

use axum::body::Bytes;

use growthkit_clock::MAX_TIMESTAMP;
use growthkit_wire::{AddonCharge, AddonQuantity, ApiError, CardDetails, PaymentMethod, ShippingAddress};

/// Form parameters (`application/x-www-form-urlencoded`, Chargebee's billing API encoding) by name,
/// bracketed names included as written, e.g. `card[number]`.
pub(super) struct Form(std::collections::HashMap<String, String>);

impl Form {
    pub(super) fn parse(bytes: &Bytes) -> Self {
        Form(form_urlencoded::parse(bytes).into_owned().collect())
    }

    pub(super) fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()).ok_or_else(|| ApiError::missing(name))
    }

    pub(super) fn number(&self, name: &str) -> Result<u32, ApiError> {
        self.required(name)?.parse().map_err(|_| ApiError::param(name, format!("{name} : must be a number")))
    }

    pub(super) fn optional(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(|v| v.trim()).filter(|v| !v.is_empty())
    }

    pub(super) fn integer(&self, name: &str) -> Result<i64, ApiError> {
        self.required(name)?.parse().map_err(|_| ApiError::param(name, format!("{name} : must be an integer")))
    }

    /// `true`/`false` (absent is `false`).
    pub(super) fn boolean(&self, name: &str) -> Result<bool, ApiError> {
        match self.optional(name) {
            None | Some("false") => Ok(false),
            Some("true") => Ok(true),
            Some(_) => Err(ApiError::param(name, format!("{name} : must be true or false"))),
        }
    }

    /// An array parameter, `name[0]`, `name[1]`, … while present.
    pub(super) fn list(&self, name: &str) -> Vec<String> {
        (0..).map_while(|i| self.optional(&format!("{name}[{i}]")).map(str::to_owned)).collect()
    }

    /// An optional `true`/`false` (absent is `None`).
    pub(super) fn optional_boolean(&self, name: &str) -> Result<Option<bool>, ApiError> {
        self.optional(name).map(|_| self.boolean(name)).transpose()
    }

    /// A Unix timestamp, 0 to [`MAX_TIMESTAMP`].
    pub(super) fn timestamp(&self, name: &str) -> Result<i64, ApiError> {
        timestamp_in_range(name, self.integer(name)?)
    }

    pub(super) fn optional_timestamp(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.optional(name).map(|_| self.timestamp(name)).transpose()
    }

    /// `shipping_address[...]`, when any of its fields is given.
    pub(super) fn shipping_address(&self) -> Result<Option<ShippingAddress>, ApiError> {
        if !self.0.keys().any(|k| k.starts_with("shipping_address[")) {
            return Ok(None);
        }
        let field = |f: &str| self.required(&format!("shipping_address[{f}]")).map(str::to_owned);
        let optional = |f: &str| self.optional(&format!("shipping_address[{f}]")).map(str::to_owned);
        Ok(Some(ShippingAddress {
            first_name: field("first_name")?,
            last_name: field("last_name")?,
            line1: field("line1")?,
            line2: optional("line2"),
            city: field("city")?,
            state: optional("state"),
            zip: field("zip")?,
            country: field("country")?,
        }))
    }

    pub(super) fn card(&self) -> Result<CardDetails, ApiError> {
        Ok(CardDetails {
            number: self.required("card[number]")?.to_owned(),
            expiry_month: self.number("card[expiry_month]")?,
            expiry_year: self.number("card[expiry_year]")?,
            cvv: self.required("card[cvv]")?.to_owned(),
        })
    }

    /// `addons[id][i]` with `addons[quantity][i]` (default 1), for i = 0, 1, … while present.
    pub(super) fn addons(&self) -> Result<Vec<AddonQuantity>, ApiError> {
        self.quantities(|i| format!("addons[id][{i}]"), |i| format!("addons[quantity][{i}]"))
    }

    /// How the call pays: `payment_intent[id]` (authorized in the browser), `card[...]`, or, with neither,
    /// the customer's payment source on file.
    pub(super) fn payment(&self) -> Result<PaymentMethod, ApiError> {
        match (self.optional("payment_intent[id]"), self.optional("card[number]")) {
            (Some(_), Some(_)) => {
                Err(ApiError::param("payment_intent[id]", "Pass either payment_intent[id] or card[...], not both"))
            }
            (Some(id), None) => Ok(PaymentMethod::Intent(id.to_owned())),
            (None, Some(_)) => Ok(PaymentMethod::Card(self.card()?)),
            (None, None) => Ok(PaymentMethod::OnFile),
        }
    }

    /// `{list}[item_price_id][i]` with `{list}[quantity][i]` (default 1), for i = 0, 1, … while present:
    /// the item prices of a 2.0 call (`subscription_items`, `item_prices`).
    pub(super) fn item_prices(&self, list: &str) -> Result<Vec<AddonQuantity>, ApiError> {
        self.quantities(|i| format!("{list}[item_price_id][{i}]"), |i| format!("{list}[quantity][{i}]"))
    }

    /// Ids with their quantities (default 1) under the names `id(i)` and `quantity(i)`, while present.
    fn quantities(
        &self,
        id: impl Fn(usize) -> String,
        quantity: impl Fn(usize) -> String,
    ) -> Result<Vec<AddonQuantity>, ApiError> {
        let mut found = Vec::new();
        for i in 0.. {
            let Some(value) = self.optional(&id(i)) else { break };
            let qty_name = quantity(i);
            let quantity = match self.optional(&qty_name) {
                None => 1,
                Some(_) => self.integer(&qty_name)?,
            };
            found.push(AddonQuantity { id: value.to_owned(), quantity });
        }
        Ok(found)
    }

    /// One addon charge's `addon_id` and `addon_quantity` (required: credit packs are quantity-based).
    pub(super) fn addon_charge(&self, subscription_id: &str) -> Result<AddonCharge, ApiError> {
        Ok(AddonCharge {
            subscription_id: subscription_id.to_owned(),
            addon_id: self.required("addon_id")?.to_owned(),
            addon_quantity: self.integer("addon_quantity")?,
        })
    }
}

/// Chargebee's 400 for a timestamp outside 0..=[`MAX_TIMESTAMP`] (year 9999).
pub(super) fn timestamp_in_range(name: &str, value: i64) -> Result<i64, ApiError> {
    if (0..=MAX_TIMESTAMP).contains(&value) {
        Ok(value)
    } else {
        Err(ApiError::param(name, format!("{name} : must be a Unix time from 0 to {MAX_TIMESTAMP} (year 9999)")))
    }
}
