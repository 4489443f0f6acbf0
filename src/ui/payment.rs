//! Card payments authorized in the browser, straight with billing: the server creates a payment intent for
//! the amount, this page hands the card to billing's script (Chargebee.js, or the engine's stand-in for it),
//! and the server then receives only the intent's id. Card data never reaches Growthkit's server.

use serde::{Deserialize, Serialize};

use growthkit_wire::PaymentIntent;

/// Where billing's card script comes from and how a page starts it (`Chargebee.init`'s options).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardScript {
    pub src: String,
    pub site: String,
    pub publishable_key: String,
    /// Where the script sends the card when that is not Chargebee's own domain for the site.
    pub domain: Option<String>,
}

/// A payment for the browser to authorize: billing's intent and the script that authorizes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentStart {
    pub script: CardScript,
    pub intent: PaymentIntent,
}

/// The card as the form holds it, checked by `format::validate_card`.
#[derive(Debug, Clone)]
pub struct CardInput {
    pub number: String,
    pub expiry_month: u32,
    pub expiry_year: u32,
    pub cvv: String,
}

impl CardInput {
    /// The form's four fields, or the message for the first one that is wrong.
    pub fn checked(number: &str, month: &str, year: &str, cvc: &str) -> Result<Self, String> {
        let (expiry_month, expiry_year) = super::format::validate_card(number, month, year, cvc)?;
        let number = number.chars().filter(char::is_ascii_digit).collect();
        Ok(CardInput { number, expiry_month, expiry_year, cvv: cvc.trim().to_owned() })
    }
}

/// A whole card payment from the page: the server's `start` (a server function creating the intent), then
/// the card authorized with billing. Answers the intent's id for the server function that charges.
pub async fn pay<E: std::fmt::Display>(
    start: impl std::future::Future<Output = Result<PaymentStart, E>>,
    card: &CardInput,
) -> Result<String, String> {
    let start = start.await.map_err(|e| e.to_string())?;
    authorize(&start, card).await
}

/// Authorizes `start`'s intent with `card` through billing's script and answers the intent's id for the
/// server, which reads the outcome from billing itself (a declined card included). An error is something
/// the user must fix first — a card field billing would not take — or billing could not be reached.
#[cfg(feature = "hydrate")]
pub async fn authorize(start: &PaymentStart, card: &CardInput) -> Result<String, String> {
    let id = start.intent.id.clone();
    browser::authorize(start, card).await.map(|()| id.clone()).or_else(|err| match err {
        browser::Failure::Card(message) => Err(message),
        browser::Failure::Unreachable => {
            Err("The payment service could not be reached. Check your connection and try again.".into())
        }
        browser::Failure::Refused => Ok(id.clone()),
    })
}

/// Event handlers run only in the browser; the server build needs the name to compile them.
#[cfg(not(feature = "hydrate"))]
pub async fn authorize(_start: &PaymentStart, _card: &CardInput) -> Result<String, String> {
    Err("Card payments are authorized in the browser.".into())
}

#[cfg(feature = "hydrate")]
mod browser {
    use js_sys::{Function, JSON, Object, Promise, Reflect};
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_futures::JsFuture;

    use super::{CardInput, PaymentStart};

    pub enum Failure {
        /// Billing refused a card field; its message says which.
        Card(String),
        /// Billing answered the attempt with a refusal (a decline); the intent records it.
        Refused,
        /// The script or billing did not answer.
        Unreachable,
    }

    pub async fn authorize(start: &PaymentStart, card: &CardInput) -> Result<(), Failure> {
        load_script(&start.script.src).await.map_err(|_| Failure::Unreachable)?;
        let handler = handler(start).await.map_err(|_| Failure::Unreachable)?;
        let info = object(&[(
            "card",
            object(&[
                ("number", card.number.as_str().into()),
                ("expiryMonth", card.expiry_month.into()),
                ("expiryYear", card.expiry_year.into()),
                ("cvv", card.cvv.as_str().into()),
            ]),
        )]);
        let pay = method(&handler, "handleCardPayment").map_err(|_| Failure::Unreachable)?;
        let promise = pay.call1(&handler, &info).and_then(|p| p.dyn_into::<Promise>());
        let Ok(promise) = promise else { return Err(Failure::Unreachable) };
        match JsFuture::from(promise).await {
            Ok(_) => Ok(()),
            Err(err) => Err(classify(&err)),
        }
    }

    fn classify(err: &JsValue) -> Failure {
        let text = |name: &str| Reflect::get(err, &name.into()).ok().and_then(|v| v.as_string());
        let status = Reflect::get(err, &"http_status_code".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        match (text("param"), text("message")) {
            (Some(param), Some(message)) if param.starts_with("card[") => Failure::Card(message),
            // A fetch that never got an answer.
            _ if status == 0.0 && text("type").is_none() && err.is_instance_of::<js_sys::TypeError>() => {
                Failure::Unreachable
            }
            _ => Failure::Refused,
        }
    }

    /// `Chargebee.init(…).load3DSHandler()` with the intent set.
    async fn handler(start: &PaymentStart) -> Result<JsValue, JsValue> {
        let chargebee = Reflect::get(&leptos::prelude::window(), &"Chargebee".into())?;
        let mut options = vec![
            ("site", start.script.site.as_str().into()),
            ("publishableKey", start.script.publishable_key.as_str().into()),
        ];
        if let Some(domain) = &start.script.domain {
            options.push(("domain", domain.as_str().into()));
        }
        let instance = method(&chargebee, "init")?.call1(&chargebee, &object(&options))?;
        let loading = method(&instance, "load3DSHandler")?.call0(&instance)?.dyn_into::<Promise>()?;
        let handler = JsFuture::from(loading).await?;
        let intent = JSON::parse(&serde_json::to_string(&start.intent).map_err(|e| JsValue::from(e.to_string()))?)?;
        method(&handler, "setPaymentIntent")?.call1(&handler, &intent)?;
        Ok(handler)
    }

    /// Adds the script to the page once; later payments on the same page reuse it.
    async fn load_script(src: &str) -> Result<(), JsValue> {
        let window = leptos::prelude::window();
        if Reflect::get(&window, &"Chargebee".into())?.is_object() {
            return Ok(());
        }
        let document = leptos::prelude::document();
        let script = document.create_element("script")?;
        script.set_attribute("src", src)?;
        let loaded = Promise::new(&mut |resolve, reject| {
            let on_load = Closure::once_into_js(move || resolve.call0(&JsValue::NULL));
            let on_error = Closure::once_into_js(move || reject.call0(&JsValue::NULL));
            let _ = script.add_event_listener_with_callback("load", on_load.unchecked_ref());
            let _ = script.add_event_listener_with_callback("error", on_error.unchecked_ref());
        });
        document.body().ok_or_else(|| JsValue::from("no body"))?.append_child(&script)?;
        JsFuture::from(loaded).await.map(|_| ())
    }

    fn method(target: &JsValue, name: &str) -> Result<Function, JsValue> {
        Reflect::get(target, &name.into())?.dyn_into::<Function>()
    }

    fn object(fields: &[(&str, JsValue)]) -> JsValue {
        let o = Object::new();
        for (name, value) in fields {
            let _ = Reflect::set(&o, &(*name).into(), value);
        }
        o.into()
    }
}
