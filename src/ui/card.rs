//! The card inputs every payment form shares.

use leptos::prelude::*;

/// Card number, expiry month and year, and security code, bound to the given signals. Test ids are
/// `card-number`, `card-month`, `card-year` and `card-cvc`.
#[component]
pub fn CardFields(
    number: RwSignal<String>,
    month: RwSignal<String>,
    year: RwSignal<String>,
    cvc: RwSignal<String>,
) -> impl IntoView {
    let field = move |sig: RwSignal<String>| move |ev: leptos::ev::Event| sig.set(event_target_value(&ev));
    view! {
        <label for="card-number">"Card number"</label>
        <input id="card-number" inputmode="numeric" autocomplete="cc-number" placeholder="4111 1111 1111 1111"
            data-testid="card-number" on:input=field(number) prop:value=number />
        <div class="row card-row">
            <div>
                <label for="card-month">"Expiry month"</label>
                <input id="card-month" inputmode="numeric" autocomplete="cc-exp-month" placeholder="12"
                    data-testid="card-month" on:input=field(month) prop:value=month />
            </div>
            <div>
                <label for="card-year">"Expiry year"</label>
                <input id="card-year" inputmode="numeric" autocomplete="cc-exp-year" placeholder="2030"
                    data-testid="card-year" on:input=field(year) prop:value=year />
            </div>
            <div>
                <label for="card-cvc">"Security code"</label>
                <input id="card-cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123"
                    data-testid="card-cvc" on:input=field(cvc) prop:value=cvc />
            </div>
        </div>
    }
}
