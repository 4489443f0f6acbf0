//! `/credits`: checkout (plan + credit pack), then the balance, report runner, low-balance popup,
//! pending term-end top-ups, scheduled cancellation and ledger history.

use std::time::Duration;

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{
    credits_checkout, credits_choice, credits_payment, credits_threshold, load_credits, low_balance_seen, run_report,
};
use super::model::{
    CheckoutInput, ChoiceOutcome, CreditsOverview, CreditsState, LedgerLine, PackOption, PlanOption, REPORT_COST,
    TopUpChoice, check_threshold, checkout_problem, credits_text, parse_quantity, status_label,
};
use crate::ui::card::CardFields;
use crate::ui::choice::{Choice, RadioChoices};
use crate::ui::feedback::loaded;
use crate::ui::format::{money, validate_card};
use crate::ui::payment::{CardInput, pay};
use growthkit_clock::calendar::utc;

/// `/credits`: what the account has, or the checkout when it has nothing yet.
#[component]
pub fn CreditsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_credits());
    view! {
        <Title text="Credits" />
        {loaded(data, "your credits", move |value| match value {
                    CreditsOverview::Checkout { plans, packs, nonce, can_buy } => {
                        view! { <CreditCheckout plans packs nonce can_buy /> }.into_any()
                    }
                    CreditsOverview::Activating => view! { <CreditsActivating /> }.into_any(),
                    CreditsOverview::Active(state) => view! { <CreditsConsole state=*state /> }.into_any(),
            })}
    }
}

/// Runs `then` after `ms` milliseconds, in the browser.
fn after(ms: u64, then: impl FnOnce() + 'static) {
    set_timeout(then, Duration::from_millis(ms));
}

/// Plan, credit pack, quantity and card. The pack is required: the browser says so before anything is
/// sent, and the server refuses on its own too.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
pub fn CreditCheckout(plans: Vec<PlanOption>, packs: Vec<PackOption>, nonce: String, can_buy: bool) -> impl IntoView {
    let plan = RwSignal::new(plans.first().map(|p| p.id.clone()).unwrap_or_default());
    let pack = RwSignal::new(String::new());
    let quantity = RwSignal::new("1".to_owned());
    let number = RwSignal::new(String::new());
    let month = RwSignal::new(String::new());
    let year = RwSignal::new(String::new());
    let cvc = RwSignal::new(String::new());
    let attempted = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<String>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let plan_choices: Vec<Choice> = plans
        .iter()
        .map(|p| Choice {
            id: p.id.clone(),
            name: p.name.clone(),
            detail: format!("{} / {}", money(p.price, &p.currency), p.period_label),
        })
        .collect();
    let plans = StoredValue::new(plans);
    let packs = StoredValue::new(packs);
    let nonce = StoredValue::new(nonce);

    let problem = move || {
        checkout_problem(&plan.get(), &pack.get(), &quantity.get())
            .or_else(|| validate_card(&number.get(), &month.get(), &year.get(), &cvc.get()).err())
    };
    let total = move || {
        let plan_price = plans.with_value(|ps| ps.iter().find(|p| p.id == plan.get()).map(|p| p.price)).unwrap_or(0);
        let qty: i64 = quantity.get().trim().parse().unwrap_or(0);
        packs.with_value(|ps| {
            ps.iter()
                .find(|p| p.id == pack.get())
                .map(|p| (money(plan_price + p.price * qty.max(0), &p.currency), credits_text(p.credits * qty.max(0))))
        })
    };
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
        failure.set(None);
        let mut input = CheckoutInput {
            plan_id: plan.get_untracked(),
            pack_id: pack.get_untracked(),
            quantity: quantity.get_untracked(),
            payment_intent_id: String::new(),
            nonce: nonce.get_value(),
        };
        leptos::task::spawn_local(async move {
            let start = credits_payment(input.plan_id.clone(), input.pack_id.clone(), input.quantity.clone());
            input.payment_intent_id = match pay(start, &card).await {
                Ok(id) => id,
                Err(message) => {
                    failure.set(Some(message));
                    busy.set(false);
                    return;
                }
            };
            match credits_checkout(input).await {
                Ok(ChoiceOutcome { message, .. }) => {
                    done.set(Some(message));
                    after(600, || {
                        let _ = window().location().reload();
                    });
                }
                Err(err) => {
                    failure.set(Some(err.to_string()));
                    busy.set(false);
                }
            }
        });
    };
    let field = move |sig: RwSignal<String>| move |ev: leptos::ev::Event| sig.set(event_target_value(&ev));

    view! {
        <section class="card narrow" data-testid="credit-checkout" data-hydrated=move || hydrated.get().to_string()>
            <h1>"Buy credits"</h1>
            <p class="lead">"Choose a plan and a credit pack. Reports use " {REPORT_COST} " credits each."</p>
            {(!can_buy).then(|| view! {
                <p class="notice" data-testid="owner-only">"Only the account owner can buy credits."</p>
            })}
            <form on:submit=submit novalidate>
                <RadioChoices legend="Plan" name="plan" test_id_prefix="plan" options=plan_choices selected=plan />
                <div class="row">
                    <div>
                        <label for="pack">"Credit pack"</label>
                        <select id="pack" data-testid="pack" on:change=field(pack) prop:value=pack>
                            <option value="">"Choose a pack…"</option>
                            {packs.get_value().into_iter().map(|p| {
                                let label = format!("{} — {}", p.name, money(p.price, &p.currency));
                                view! { <option value=p.id.clone()>{label}</option> }
                            }).collect_view()}
                        </select>
                    </div>
                    <div>
                        <label for="quantity">"Packs"</label>
                        <input id="quantity" type="number" min="1" max="20" inputmode="numeric" data-testid="quantity"
                            on:input=field(quantity) prop:value=quantity />
                    </div>
                </div>
                <p class="total" data-testid="checkout-total" aria-live="polite">
                    {move || match total() {
                        Some((amount, credits)) => format!("Total today: {amount} for {credits} credits"),
                        None => "Choose a pack to see the total.".to_owned(),
                    }}
                </p>
                <CardFields number month year cvc />
                {move || attempted.get().then(problem).flatten().map(|p| view! {
                    <p class="notice error" role="alert" data-testid="checkout-problem">{p}</p>
                })}
                {move || failure.get().map(|f| view! {
                    <p class="notice error" role="alert" data-testid="checkout-error">{f}</p>
                })}
                {move || done.get().map(|d| view! {
                    <p class="notice success" role="status" data-testid="checkout-done">{d}</p>
                })}
                <button type="submit" class="button primary full" data-testid="checkout"
                    disabled=move || busy.get() || !can_buy>
                    {move || if busy.get() { "Processing payment…" } else { "Checkout" }}
                </button>
            </form>
            <p class="muted small">"Test cards: 4111 1111 1111 1111 (approved), 4000 0000 0000 0002 (declined)."</p>
        </section>
    }
}

/// Shown between payment and the payment event: checks until the first credits arrive.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
pub fn CreditsActivating() -> impl IntoView {
    let gave_up = RwSignal::new(false);
    Effect::new(move |_| wait_for_activation(20, gave_up));
    view! {
        <section class="card narrow" data-testid="credits-activating">
            <h1>"Activating your credits"</h1>
            <p aria-live="polite">
                {move || if gave_up.get() {
                    "The payment went through; billing has not confirmed it yet. Reload this page in a minute."
                } else {
                    "Payment received. Your credits appear as soon as billing confirms the payment…"
                }}
            </p>
        </section>
    }
}

fn wait_for_activation(tries: u32, gave_up: RwSignal<bool>) {
    if tries == 0 {
        gave_up.set(true);
        return;
    }
    after(700, move || {
        leptos::task::spawn_local(async move {
            match load_credits().await {
                Ok(CreditsOverview::Activating) | Err(_) => wait_for_activation(tries - 1, gave_up),
                Ok(_) => {
                    let _ = window().location().reload();
                }
            }
        });
    });
}

/// Balance, report runner, top-up choices (the low-balance popup), pending charges and history.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
pub fn CreditsConsole(state: CreditsState) -> impl IntoView {
    let state = RwSignal::new(state);
    let note = RwSignal::new(None::<(bool, String)>);
    let running = RwSignal::new(false);
    let popup_open = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    // The popup opens by itself once per low-balance episode; the server hands out each episode once.
    Effect::new(move |_| {
        if let Some(episode) = state.with(|s| s.prompt_episode) {
            popup_open.set(true);
            leptos::task::spawn_local(async move {
                let _ = low_balance_seen(episode).await;
            });
        }
    });

    let refresh = move || {
        leptos::task::spawn_local(async move {
            if let Ok(CreditsOverview::Active(fresh)) = load_credits().await {
                state.set(*fresh);
            }
        });
    };
    let run = move |_| {
        if running.get_untracked() {
            return;
        }
        running.set(true);
        note.set(None);
        let nonce = state.with_untracked(|s| s.nonce.clone());
        leptos::task::spawn_local(async move {
            match run_report(nonce).await {
                Ok(r) => {
                    state.update(|s| s.balance = r.balance);
                    note.set(Some((true, r.message)));
                }
                Err(err) => note.set(Some((false, err.to_string()))),
            }
            running.set(false);
            refresh();
        });
    };
    let s = move || state.get();

    view! {
        <div class="credits" data-testid="credits-console" data-hydrated=move || hydrated.get().to_string()>
            <header class="page-header">
                <h1>"Credits"</h1>
                <p class="lead">{move || format!("{} plan", s().plan_name)}" · "
                    <span data-testid="subscription-status" data-status=move || s().subscription_status>
                        {move || status_label(&s().subscription_status)}
                    </span>
                </p>
            </header>
            <div class="grid">
                <section class="card" aria-labelledby="balance-heading">
                    <h2 id="balance-heading">"Balance"</h2>
                    <p class="balance">
                        <span data-testid="credit-balance">{move || credits_text(s().balance)}</span>" credits"
                    </p>
                    {move || s().is_low.then(|| view! {
                        <p class="badge warning" data-testid="low-balance">
                            {format!("Below your alert level of {}", credits_text(s().low_threshold))}
                        </p>
                    })}
                    <button class="button primary" on:click=run disabled=move || running.get() data-testid="run-report">
                        {move || if running.get() { "Running report…".to_owned() } else { format!("Run report ({REPORT_COST} credits)") }}
                    </button>
                    {move || note.get().map(|(ok, text)| view! {
                        <p class=if ok { "notice success" } else { "notice error" } role="status" data-testid="report-note">{text}</p>
                    })}
                    {move || (s().can_buy && s().subscription_status != "cancelled").then(|| view! {
                        <p><button class="button" on:click=move |_| popup_open.set(true) data-testid="open-top-up">"Top up…"</button></p>
                    })}
                    <ThresholdForm state />
                </section>
                <section class="card" aria-labelledby="plan-heading">
                    <h2 id="plan-heading">"Plan and top-ups"</h2>
                    <dl class="facts">
                        <dt>"Top-up pack"</dt>
                        <dd data-testid="top-up-pack">{move || s().pack.map(|p| format!("{} × {}", s().pack_quantity, p.name)).unwrap_or_else(|| "—".into())}</dd>
                        <dt>{move || if s().cancels_at.is_some() { "Ends" } else { "Renews" }}</dt>
                        <dd>{move || s().current_term_end.map(utc).unwrap_or_else(|| "—".into())}</dd>
                    </dl>
                    {move || s().cancels_at.map(|at| view! {
                        <div class="notice" data-testid="cancellation-scheduled">
                            {format!("Your plan ends on {}. ", utc(at))}
                            <UndoStop state note />
                        </div>
                    })}
                    <h3>"Waiting for renewal"</h3>
                    {move || {
                        let pending = s().pending;
                        if pending.is_empty() {
                            view! { <p class="muted" data-testid="no-pending">"No top-ups scheduled."</p> }.into_any()
                        } else {
                            view! {
                                <ul data-testid="pending-charges">
                                    {pending.into_iter().map(|c| view! {
                                        <li>{format!("{} credits ({} × {}) — {} at {}", credits_text(c.credits), c.packs, c.description, money(c.amount, &c.currency), utc(c.at))}</li>
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }
                    }}
                </section>
            </div>
            <section class="card" aria-labelledby="history-heading">
                <h2 id="history-heading">"History"</h2>
                <History lines=Signal::derive(move || s().history) />
            </section>
            <TopUpDialog state open=popup_open />
        </div>
    }
}

#[component]
fn History(lines: Signal<Vec<LedgerLine>>) -> impl IntoView {
    view! {
        <table class="table" data-testid="ledger">
            <thead>
                <tr><th scope="col">"When"</th><th scope="col">"What"</th><th scope="col" class="num">"Credits"</th><th scope="col" class="num">"Balance"</th></tr>
            </thead>
            <tbody>
                {move || lines.get().into_iter().map(|l| {
                    let change = if l.credits > 0 { format!("+{}", credits_text(l.credits)) } else { credits_text(l.credits) };
                    view! {
                        <tr data-kind=l.kind.clone()>
                            <td>{utc(l.created_at)}</td>
                            <td>{l.description.clone()}</td>
                            <td class="num">{change}</td>
                            <td class="num">{credits_text(l.balance_after)}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn ThresholdForm(state: RwSignal<CreditsState>) -> impl IntoView {
    let value = RwSignal::new(state.with_untracked(|s| s.low_threshold.to_string()));
    let message = RwSignal::new(None::<(bool, String)>);
    let busy = RwSignal::new(false);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let threshold = match check_threshold(value.get_untracked().trim().parse().ok()) {
            Ok(t) => t,
            Err(problem) => {
                message.set(Some((false, problem)));
                return;
            }
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            match credits_threshold(threshold).await {
                Ok(()) => {
                    message.set(Some((true, "Saved.".into())));
                    if let Ok(CreditsOverview::Active(fresh)) = load_credits().await {
                        state.set(*fresh);
                    }
                }
                Err(err) => message.set(Some((false, err.to_string()))),
            }
            busy.set(false);
        });
    };
    view! {
        <form class="inline-form" on:submit=save>
            <label for="threshold">"Alert me below"</label>
            <input id="threshold" inputmode="numeric" data-testid="threshold" prop:value=value
                on:input=move |ev| value.set(event_target_value(&ev)) />
            <button class="button" type="submit" disabled=move || busy.get() data-testid="save-threshold">"Save"</button>
            {move || message.get().map(|(ok, text)| view! {
                <span class=if ok { "muted" } else { "error-text" } role="status">{text}</span>
            })}
        </form>
    }
}

#[component]
fn UndoStop(state: RwSignal<CreditsState>, note: RwSignal<Option<(bool, String)>>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let undo = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let nonce = state.with_untracked(|s| s.nonce.clone());
        leptos::task::spawn_local(async move {
            match credits_choice(TopUpChoice::UndoStop, String::new(), None, nonce).await {
                Ok(o) => note.set(Some((true, o.message))),
                Err(err) => note.set(Some((false, err.to_string()))),
            }
            if let Ok(CreditsOverview::Active(fresh)) = load_credits().await {
                state.set(*fresh);
            }
            busy.set(false);
        });
    };
    view! {
        <button class="button" on:click=undo disabled=move || busy.get() data-testid="undo-stop">
            {move || if busy.get() { "Keeping your plan…" } else { "Keep my plan" }}
        </button>
    }
}

/// The low-balance popup: four choices, all disabled from the first click until the dialog is closed.
#[component]
fn TopUpDialog(state: RwSignal<CreditsState>, open: RwSignal<bool>) -> impl IntoView {
    let busy = RwSignal::new(None::<TopUpChoice>);
    let used = RwSignal::new(false);
    let outcome = RwSignal::new(None::<(bool, String)>);
    let changing = RwSignal::new(false);
    let pack = RwSignal::new(String::new());
    let quantity = RwSignal::new("1".to_owned());
    let first = NodeRef::<leptos::html::Button>::new();
    let close_button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if open.get() {
            // A fresh opening offers the choices again (with the page's newest nonce).
            used.set(false);
            outcome.set(None);
            changing.set(false);
            if let Some(b) = first.get() {
                let _ = b.focus();
            }
        }
    });
    let close = move || {
        open.set(false);
        busy.set(None);
    };
    let choose = move |choice: TopUpChoice| {
        if used.get_untracked() {
            return;
        }
        if choice == TopUpChoice::Change && !changing.get_untracked() {
            changing.set(true);
            return;
        }
        let (p, q) = (pack.get_untracked(), quantity.get_untracked());
        let q = if choice == TopUpChoice::Change {
            match parse_quantity(&q) {
                Ok(n) => Some(n),
                Err(problem) => {
                    outcome.set(Some((false, problem)));
                    return;
                }
            }
        } else {
            None
        };
        used.set(true);
        busy.set(Some(choice));
        let before = state.with_untracked(|s| s.balance);
        let nonce = state.with_untracked(|s| s.nonce.clone());
        leptos::task::spawn_local(async move {
            match credits_choice(choice, p, q, nonce).await {
                Ok(o) => {
                    outcome.set(Some((true, o.message)));
                    if o.awaiting_credits {
                        wait_for_credits(before, 15, state);
                    }
                }
                Err(err) => outcome.set(Some((false, err.to_string()))),
            }
            busy.set(None);
            // The choices are spent: keyboard focus goes to the way out.
            if let Some(b) = close_button.get_untracked() {
                let _ = b.focus();
            }
            if let Ok(CreditsOverview::Active(fresh)) = load_credits().await {
                state.update(|s| {
                    // Keep the episode already shown from reopening the popup.
                    *s = CreditsState { prompt_episode: None, ..*fresh };
                });
            }
        });
    };
    let label = move |choice: TopUpChoice, idle: &'static str, working: &'static str| {
        move || if busy.get() == Some(choice) { working } else { idle }
    };
    let offer = move || {
        state.with(|s| match &s.pack {
            Some(p) => format!(
                "{} × {} ({} credits) for {}",
                s.pack_quantity,
                p.name,
                credits_text(p.credits * s.pack_quantity),
                money(p.price * s.pack_quantity, &p.currency)
            ),
            None => "your pack".into(),
        })
    };
    // Esc closes from anywhere: after a click the focused button is disabled, so focus may be on the page.
    let escape = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && open.get_untracked() {
            close();
        }
    });
    on_cleanup(move || escape.remove());
    view! {
        <div class="modal-backdrop" hidden=move || !open.get()>
            <div class="offer modal" role="dialog" aria-modal="true" aria-labelledby="top-up-title" data-testid="top-up-popup">
                <button node_ref=close_button class="offer-close" aria-label="Close" on:click=move |_| close() data-testid="popup-close">"×"</button>
                <h2 id="top-up-title">"Running low on credits"</h2>
                <p>{move || format!("You have {} credits left. Top up with {}?", credits_text(state.with(|s| s.balance)), offer())}</p>
                <div class="actions stack">
                    <button node_ref=first class="button primary" disabled=move || used.get() data-testid="cta-top-up-now"
                        on:click=move |_| choose(TopUpChoice::TopUpNow)>{label(TopUpChoice::TopUpNow, "Yes, top up now", "Charging…")}</button>
                    <button class="button" disabled=move || used.get() data-testid="cta-at-renewal"
                        on:click=move |_| choose(TopUpChoice::AtRenewal)>{label(TopUpChoice::AtRenewal, "At renewal", "Scheduling…")}</button>
                    <button class="button" disabled=move || used.get() data-testid="cta-stop"
                        on:click=move |_| choose(TopUpChoice::Stop)>{label(TopUpChoice::Stop, "No, stop at the end of my term", "Cancelling…")}</button>
                    <button class="button" disabled=move || used.get() || changing.get() data-testid="cta-change"
                        on:click=move |_| choose(TopUpChoice::Change)>"Change pack"</button>
                </div>
                {move || changing.get().then(|| view! {
                    <div class="row change-pack" data-testid="change-pack">
                        <div>
                            <label for="change-pack">"Pack"</label>
                            <select id="change-pack" data-testid="change-pack-select" prop:value=pack
                                on:change=move |ev| pack.set(event_target_value(&ev))>
                                <option value="">"Choose a pack…"</option>
                                {state.with_untracked(|s| s.packs.clone()).into_iter().map(|p| {
                                    let text = format!("{} — {}", p.name, money(p.price, &p.currency));
                                    view! { <option value=p.id.clone()>{text}</option> }
                                }).collect_view()}
                            </select>
                        </div>
                        <div>
                            <label for="change-quantity">"Packs"</label>
                            <input id="change-quantity" type="number" min="1" max="20" data-testid="change-quantity"
                                prop:value=quantity on:input=move |ev| quantity.set(event_target_value(&ev)) />
                        </div>
                        <button class="button primary" disabled=move || used.get() || pack.get().is_empty()
                            data-testid="cta-change-buy" on:click=move |_| choose(TopUpChoice::Change)>
                            {label(TopUpChoice::Change, "Buy now", "Charging…")}
                        </button>
                    </div>
                })}
                {move || outcome.get().map(|(ok, text)| view! {
                    <p class=if ok { "notice success" } else { "notice error" } role="status" data-testid="popup-outcome">{text}</p>
                })}
            </div>
        </div>
    }
}

/// After a payment, checks a few times for the credits its event grants, updating the balance.
fn wait_for_credits(before: i64, tries: u32, state: RwSignal<CreditsState>) {
    if tries == 0 {
        return;
    }
    after(700, move || {
        leptos::task::spawn_local(async move {
            match load_credits().await {
                Ok(CreditsOverview::Active(fresh)) if fresh.balance > before => {
                    state.update(|s| *s = CreditsState { prompt_episode: None, ..*fresh });
                }
                _ => wait_for_credits(before, tries - 1, state),
            }
        });
    });
}
