//! The gated Analytics page, the offer prompt (banner, modal, inline callout) and the upgrade page.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{accept_offer, analytics_gate, offer_event, pay_upgrade, upgrade_payment, upgrade_status};
use super::model::{Accepted, Gate, OfferView, Paid, Pattern, UpgradeStatus, UpgradeView};
use crate::ui::card::CardFields;
use crate::ui::feedback::loaded;
use crate::ui::format::{money, validate_card};
use crate::ui::icons::LockIcon;
use crate::ui::payment::{CardInput, pay};
use growthkit_wire::OfferEventType;

/// `/app/analytics`: the gated feature. Unlocked it shows the analytics; locked it shows what is behind
/// the lock, the offer as an inline callout, and a gated action that opens the offer as a modal.
#[component]
pub fn AnalyticsPage() -> impl IntoView {
    let gate = Resource::new(|| (), |_| analytics_gate("/app/analytics".into()));
    let upgraded = use_query_map().with_untracked(|q| q.get("upgraded").is_some());
    view! {
        <Title text="Advanced Analytics" />
        <header class="page-header">
            <h1>"Advanced Analytics"</h1>
            <p class="lead">"Cohorts, retention curves and custom reports across your whole workspace."</p>
        </header>
        {loaded(gate, "Advanced Analytics", move |value| match value {
                    Gate::Unlocked => view! { <AnalyticsBoard upgraded /> }.into_any(),
                    Gate::Locked { offer, notice } => view! { <LockedAnalytics offer notice /> }.into_any(),
            })}
    }
}

#[component]
fn LockedAnalytics(offer: Option<OfferView>, notice: Option<String>) -> impl IntoView {
    view! {
        <section class="card locked" data-testid="analytics-locked">
            <h2>
                <LockIcon />
                " Advanced Analytics is not part of your plan"
            </h2>
            <p>"Advanced dashboards, deeper insights and custom reports come with Growth Plus."</p>
            {notice.map(|n| view! { <p class="notice warn" role="status" data-testid="upgrade-notice">{n}</p> })}
            {offer
                .clone()
                .map(|offer| {
                    view! {
                        <OfferPrompt offer=offer.clone() pattern=Pattern::Inline />
                        <OfferPrompt offer pattern=Pattern::Modal />
                    }
                })}
        </section>
    }
}

/// The unlocked feature: a small board drawn on the server.
#[component]
fn AnalyticsBoard(upgraded: bool) -> impl IntoView {
    let weeks = [62, 58, 71, 77, 74, 83, 88, 91];
    let max = 100.0;
    let points: String = weeks
        .iter()
        .enumerate()
        .map(|(i, v)| format!("{},{}", 20 + i * 60, 180.0 - f64::from(*v) / max * 160.0))
        .collect::<Vec<_>>()
        .join(" ");
    view! {
        {upgraded
            .then(|| {
                view! {
                    <p class="notice success" role="status" data-testid="upgraded">
                        "Payment received — Advanced Analytics is now unlocked for your whole team."
                    </p>
                }
            })}
        <section class="card" data-testid="analytics-unlocked">
            <h2>"Weekly retention"</h2>
            <svg class="chart" viewBox="0 0 460 200" role="img" aria-label="Weekly retention rising from 62% to 91%">
                <polyline points=points fill="none" stroke="currentColor" stroke-width="3" />
            </svg>
            <table class="table">
                <thead>
                    <tr>
                        <th scope="col">"Cohort"</th>
                        <th scope="col">"Users"</th>
                        <th scope="col">"Week 4 retention"</th>
                    </tr>
                </thead>
                <tbody>
                    <tr><td>"September"</td><td>"1,204"</td><td>"74%"</td></tr>
                    <tr><td>"October"</td><td>"1,388"</td><td>"83%"</td></tr>
                    <tr><td>"November"</td><td>"1,512"</td><td>"91%"</td></tr>
                </tbody>
            </table>
        </section>
    }
}

/// An offer shown as a banner, an inline callout, or a modal behind a gated action. Sends `viewed` once
/// per display and `dismissed` on "Maybe later" or close; the accept button is disabled at the first click.
// Only pages with an offer need it: loaded on demand from its own WASM chunk.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
pub fn OfferPrompt(offer: OfferView, pattern: Pattern) -> impl IntoView {
    let open = RwSignal::new(pattern != Pattern::Modal);
    let dismissed = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let message = RwSignal::new(None::<String>);
    let hydrated = RwSignal::new(false);
    let viewed_this_display = StoredValue::new(false);
    let offer = StoredValue::new(offer);
    let trigger = NodeRef::<leptos::html::Button>::new();
    let first = NodeRef::<leptos::html::Button>::new();
    let last = NodeRef::<leptos::html::Button>::new();

    let send = move |kind: OfferEventType| {
        let o = offer.get_value();
        if o.preview {
            return;
        }
        spawn_local(async move {
            // Events are reporting only: a lost one must not disturb the user.
            let _ = offer_event(o.personalized_offer_id, o.token, kind).await;
        });
    };
    Effect::new(move |_| {
        hydrated.set(true);
        if open.get() && !viewed_this_display.get_value() {
            viewed_this_display.set_value(true);
            send(OfferEventType::Viewed);
            if pattern == Pattern::Modal
                && let Some(b) = first.get_untracked()
            {
                let _ = b.focus();
            }
        }
    });

    let dismiss = move || {
        if dismissed.get_untracked() {
            return;
        }
        dismissed.set(true);
        open.set(false);
        send(OfferEventType::Dismissed);
        if let Some(t) = trigger.get_untracked() {
            let _ = t.focus();
        }
    };
    let accept = move |option_id: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        message.set(None);
        let o = offer.get_value();
        if o.preview {
            message.set(Some("Preview: accepting does nothing here.".into()));
            busy.set(false);
            return;
        }
        spawn_local(async move {
            match accept_offer(o.personalized_offer_id, option_id, o.token).await {
                Ok(Accepted::Continue { url }) => {
                    let _ = window().location().set_href(&url);
                }
                // Stay disabled: there is nothing left to accept.
                Ok(Accepted::AlreadyAccepted { message: m }) => message.set(Some(m)),
                Err(err) => {
                    message.set(Some(err.to_string()));
                    busy.set(false);
                }
            }
        });
    };
    // Keeps Tab inside the open modal; Esc closes it (a dismissal).
    let trap = move |ev: leptos::ev::KeyboardEvent| {
        if pattern != Pattern::Modal {
            return;
        }
        if ev.key() == "Escape" {
            ev.prevent_default();
            dismiss();
            return;
        }
        if ev.key() != "Tab" {
            return;
        }
        let (Some(first), Some(last)) = (first.get_untracked(), last.get_untracked()) else { return };
        let active = document().active_element();
        let is = |el: &leptos::web_sys::HtmlButtonElement| {
            active.as_ref().is_some_and(|a| {
                AsRef::<wasm_bindgen::JsValue>::as_ref(a) == AsRef::<wasm_bindgen::JsValue>::as_ref(el)
            })
        };
        if ev.shift_key() && is(&first) {
            ev.prevent_default();
            let _ = last.focus();
        } else if !ev.shift_key() && is(&last) {
            ev.prevent_default();
            let _ = first.focus();
        }
    };

    let o = offer.get_value();
    let title_id = format!("offer-title-{}", pattern.as_str());
    let desc_id = format!("offer-desc-{}", pattern.as_str());
    let body = view! {
        <button
            node_ref=first
            type="button"
            class="offer-close"
            aria-label="Close offer"
            data-testid="offer-close"
            on:click=move |_| dismiss()
        >
            "×"
        </button>
        <div class="offer-title" id=title_id.clone() inner_html=o.title_html.clone()></div>
        <div class="offer-description" id=desc_id.clone() inner_html=o.description_html.clone()></div>
        <div class="offer-actions">
            {o
                .options
                .iter()
                .map(|opt| {
                    let id = opt.id.clone();
                    view! {
                        <button
                            type="button"
                            class="button primary"
                            data-testid="offer-accept"
                            disabled=move || busy.get()
                            aria-busy=move || busy.get().to_string()
                            on:click=move |_| accept(id.clone())
                        >
                            {let label = opt.label.clone();
                            move || if busy.get() && message.get().is_none() { "Unlocking…".to_owned() } else { label.clone() }}
                        </button>
                    }
                })
                .collect_view()}
            <button
                node_ref=last
                type="button"
                class="button"
                data-testid="offer-dismiss"
                disabled=move || busy.get()
                on:click=move |_| dismiss()
            >
                "Maybe later"
            </button>
        </div>
        {move || message.get().map(|m| view! { <p class="notice warn" role="alert" data-testid="offer-message">{m}</p> })}
    };

    let root_class = format!("offer-root offer-{}", pattern.as_str());
    view! {
        <div
            class=root_class
            data-testid=format!("offer-{}", pattern.as_str())
            data-hydrated=move || hydrated.get().to_string()
        >
            {(pattern == Pattern::Modal)
                .then(|| {
                    view! {
                        <button
                            node_ref=trigger
                            type="button"
                            class="button"
                            data-testid="gated-action"
                            on:click=move |_| {
                                if !dismissed.get_untracked() {
                                    viewed_this_display.set_value(false);
                                    open.set(true);
                                }
                            }
                        >
                            <LockIcon />
                            " Create custom report"
                        </button>
                        <p class="muted small" hidden=move || !dismissed.get()>
                            "Custom reports need Advanced Analytics."
                        </p>
                    }
                })}
            {match pattern {
                Pattern::Modal => {
                    view! {
                        <div class="modal-backdrop" hidden=move || !open.get()>
                            <div
                                class="offer modal"
                                role="dialog"
                                aria-modal="true"
                                aria-labelledby=title_id
                                aria-describedby=desc_id
                                data-testid="offer-dialog"
                                on:keydown=trap
                            >
                                {body}
                            </div>
                        </div>
                    }
                        .into_any()
                }
                Pattern::Banner => {
                    view! {
                        <section class="offer banner" aria-labelledby=title_id hidden=move || !open.get()>
                            {body}
                        </section>
                    }
                        .into_any()
                }
                Pattern::Inline => {
                    view! {
                        <aside class="offer inline" aria-labelledby=title_id hidden=move || !open.get()>
                            {body}
                        </aside>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}

/// `/upgrade/analytics?fulfillment=…`: our own upgrade — pay for Growth Plus with a test card — or, for an
/// option billing (or our webhook) fulfils, the upgrade's progress.
#[component]
pub fn UpgradePage() -> impl IntoView {
    // `id` is the hosted checkout page billing sends the customer back from.
    let fulfillment =
        use_query_map().with_untracked(|q| q.get("fulfillment").or_else(|| q.get("id")).unwrap_or_default());
    let status = Resource::new(move || fulfillment.clone(), upgrade_status);
    view! {
        <Title text="Upgrade to Growth Plus" />
        {loaded(status, "your upgrade", |view| view! { <UpgradeBody view /> })}
    }
}

#[component]
fn UpgradeBody(view: UpgradeView) -> impl IntoView {
    let price = format!("{} / month", money(view.price, &view.currency));
    view! {
        <section class="card narrow" data-testid="upgrade">
            <h1>{format!("Upgrade to {}", view.plan_name)}</h1>
            <p class="lead">"Unlock Advanced Analytics for everyone in your account."</p>
            <p class="price" data-testid="upgrade-price">{price}</p>
            {match view.status {
                UpgradeStatus::Completed => {
                    view! {
                        <p class="notice success" data-testid="upgrade-completed">
                            "This upgrade is complete. "
                            <a href="/app/analytics">"Open Advanced Analytics"</a>
                        </p>
                    }
                        .into_any()
                }
                UpgradeStatus::InProgress if !view.pays_here => {
                    view! {
                        <p class="notice" role="status" data-testid="upgrade-applying">
                            "Applying your upgrade… This page updates by itself."
                        </p>
                        <UpgradeWatcher fulfillment=view.fulfillment_id.clone() />
                    }
                        .into_any()
                }
                UpgradeStatus::Failed if !view.pays_here => {
                    view! {
                        <p class="notice error" role="alert" data-testid="upgrade-failed">
                            {view.failure_reason.clone().unwrap_or_default()}
                        </p>
                        <p><a href="/app/analytics">"Back to Analytics"</a></p>
                    }
                        .into_any()
                }
                status => {
                    let reason = view.failure_reason.clone();
                    view! {
                        {(status == UpgradeStatus::Failed)
                            .then(|| {
                                view! {
                                    <p class="notice error" role="alert" data-testid="upgrade-failed">
                                        {reason.unwrap_or_default()}
                                        " You can try again below."
                                    </p>
                                }
                            })}
                        <PaymentForm fulfillment=view.fulfillment_id.clone() />
                        <details class="test-cards">
                            <summary>"Test cards"</summary>
                            <ul>
                                <li><code>"4111 1111 1111 1111"</code>" — approved"</li>
                                <li><code>"4000 0000 0000 0002"</code>" — declined"</li>
                                <li><code>"4000 0000 0000 9995"</code>" — insufficient funds"</li>
                            </ul>
                            <p class="muted small">"Any future expiry date and any 3-digit security code."</p>
                        </details>
                    }
                        .into_any()
                }
            }}
        </section>
    }
}

/// Asks where the upgrade stands every two seconds and reloads the page once it is finished.
#[island]
fn UpgradeWatcher(fulfillment: String) -> impl IntoView {
    let ready = RwSignal::new(false);
    Effect::new(move |_| {
        ready.set(true);
        watch(fulfillment.clone());
    });
    view! { <span hidden data-testid="upgrade-watching" data-hydrated=move || ready.get().to_string()></span> }
}

fn watch(fulfillment: String) {
    set_timeout(
        move || {
            spawn_local(async move {
                match upgrade_status(fulfillment.clone()).await {
                    Ok(view) if view.status != UpgradeStatus::InProgress => {
                        let _ = window().location().reload();
                    }
                    _ => watch(fulfillment),
                }
            })
        },
        std::time::Duration::from_secs(2),
    );
}

/// The card form. Checked as the user types; the Pay button is disabled at the first click.
// Only the upgrade page needs it: loaded on demand from its own WASM chunk.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
pub fn PaymentForm(fulfillment: String) -> impl IntoView {
    let number = RwSignal::new(String::new());
    let month = RwSignal::new(String::new());
    let year = RwSignal::new(String::new());
    let cvc = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let attempted = RwSignal::new(false);
    let outcome = RwSignal::new(None::<String>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let fulfillment = StoredValue::new(fulfillment);
    let problem = move || validate_card(&number.get(), &month.get(), &year.get(), &cvc.get()).err();

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        attempted.set(true);
        if busy.get_untracked() || problem().is_some() {
            return;
        }
        let Ok(card) = CardInput::checked(
            &number.get_untracked(),
            &month.get_untracked(),
            &year.get_untracked(),
            &cvc.get_untracked(),
        ) else {
            return;
        };
        busy.set(true);
        outcome.set(None);
        spawn_local(async move {
            let intent = match pay(upgrade_payment(fulfillment.get_value()), &card).await {
                Ok(id) => id,
                Err(message) => {
                    outcome.set(Some(message));
                    busy.set(false);
                    return;
                }
            };
            match pay_upgrade(fulfillment.get_value(), intent).await {
                Ok(Paid::Unlocked { url }) => {
                    let _ = window().location().set_href(&url);
                }
                Ok(Paid::Failed { reason }) => {
                    outcome.set(Some(format!(
                        "{reason} Nothing was charged. Check the card or use another, then pay again."
                    )));
                    busy.set(false);
                }
                Err(err) => {
                    outcome.set(Some(err.to_string()));
                    busy.set(false);
                }
            }
        });
    };

    view! {
        <form class="payment-form" on:submit=submit novalidate data-testid="payment-form" data-hydrated=move || hydrated.get().to_string()>
            <CardFields number month year cvc />
            {move || {
                attempted.get().then(problem).flatten().map(|p| view! { <p class="notice error" role="alert" data-testid="card-error">{p}</p> })
            }}
            {move || outcome.get().map(|o| view! { <p class="notice error" role="alert" data-testid="payment-error">{o}</p> })}
            <button type="submit" class="button primary full" disabled=move || busy.get() data-testid="pay">
                {move || if busy.get() { "Processing payment…" } else { "Pay and unlock" }}
            </button>
        </form>
    }
}
