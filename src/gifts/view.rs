//! Gift pages: `/gift` (checkout), `/account/gifts` (gifts given and received), and
//! `/gift/claim/{token}` (the recipient's claim page). Pages render on the server; the checkout, the
//! claim form and each gift's actions are lazy islands.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{
    buy_gift, cancel_gift, claim_gift, gift_checkout, gift_claim, gift_payment, my_gifts, reschedule_gift,
};
use super::model::{
    AddressInput, CheckoutData, ClaimPage, ClaimableGift, GiftCard, GiftCheckoutInput, GiftRole, MAX_NOTE,
    MAX_SCHEDULE_DAYS, address_problem, parse_send_at, recipient_problem, status_label,
};
use crate::ui::card::CardFields;
use crate::ui::choice::{Choice, RadioChoices};
use crate::ui::feedback::loaded;
use crate::ui::format::{money, validate_card};
use crate::ui::payment::{CardInput, pay};

/// Date and time in the browser's own time zone, where the gifter chooses when the gift is sent.
mod local {
    /// The browser's time zone (IANA name).
    #[cfg(feature = "hydrate")]
    pub fn zone() -> String {
        let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
        js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_else(|| "UTC".into())
    }

    /// A `datetime-local` value (`2026-12-24T09:00`) as Unix seconds, with the zone's offset from UTC at
    /// that moment (minutes, east positive).
    #[cfg(feature = "hydrate")]
    pub fn parse(value: &str) -> Option<(i64, i64)> {
        let date = js_sys::Date::new(&value.into());
        let ms = date.get_time();
        (!value.is_empty() && ms.is_finite()).then(|| ((ms / 1000.0) as i64, -(date.get_timezone_offset() as i64)))
    }

    /// Unix seconds as a `datetime-local` value in the browser's zone.
    #[cfg(feature = "hydrate")]
    pub fn input_value(unix: i64) -> String {
        let d = js_sys::Date::new(&((unix as f64) * 1000.0).into());
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            d.get_full_year(),
            d.get_month() + 1,
            d.get_date(),
            d.get_hours(),
            d.get_minutes()
        )
    }

    // While rendering on the server the viewer's zone is unknown: UTC until the island hydrates.
    #[cfg(not(feature = "hydrate"))]
    pub fn zone() -> String {
        "UTC".into()
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn parse(value: &str) -> Option<(i64, i64)> {
        let (date, time) = value.split_once('T')?;
        let mut d = date.splitn(3, '-').map(|p| p.parse::<i64>().ok());
        let mut t = time.splitn(2, ':').map(|p| p.parse::<u32>().ok());
        let (y, mo, day) = (d.next()??, d.next()?? as u32, d.next()?? as u32);
        let (h, mi) = (t.next()??, t.next()??);
        Some((growthkit_clock::calendar::unix_from_civil(y, mo, day, h, mi), 0))
    }

    #[cfg(not(feature = "hydrate"))]
    pub fn input_value(unix: i64) -> String {
        let (y, mo, d, h, mi) = growthkit_clock::calendar::civil(unix);
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}")
    }
}

/// Reads a text input into `sig`.
fn bind(sig: RwSignal<String>) -> impl Fn(leptos::ev::Event) + Copy {
    move |ev| sig.set(event_target_value(&ev))
}

/// `/gift`: buy a gift subscription.
#[component]
pub fn GiftCheckoutPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| gift_checkout());
    view! {
        <Title text="Give a gift" />
        {loaded(data, "the gift plans", move |value| match value {
                    data if !data.enabled => view! {
                        <section class="card narrow" data-testid="gifts-off">
                            <h1>"Gift subscriptions"</h1>
                            <p>"Gift subscriptions are switched off at the moment. Please come back later."</p>
                        </section>
                    }.into_any(),
                    data => view! { <GiftCheckout data /> }.into_any(),
            })}
    }
}

/// The shipping address inputs' signals.
#[derive(Clone, Copy)]
struct AddressSignals([RwSignal<String>; 8]);

impl AddressSignals {
    fn new() -> Self {
        AddressSignals(std::array::from_fn(|_| RwSignal::new(String::new())))
    }

    fn value(&self) -> AddressInput {
        let [first_name, last_name, line1, line2, city, state, zip, country] = self.0.map(|s| s.get());
        AddressInput { first_name, last_name, line1, line2, city, state, zip, country }
    }
}

/// A postal address. Test ids are `address-<field>`.
#[component]
fn AddressFields(address: AddressSignals, #[prop(into)] legend: String) -> impl IntoView {
    let fields = [
        ("first_name", "First name", "given-name"),
        ("last_name", "Last name", "family-name"),
        ("line1", "Street address", "address-line1"),
        ("line2", "Apartment, suite (optional)", "address-line2"),
        ("city", "City", "address-level2"),
        ("state", "State or region (optional)", "address-level1"),
        ("zip", "Postal code", "postal-code"),
        ("country", "Country (two letters, e.g. US)", "country"),
    ];
    view! {
        <fieldset class="address" data-testid="address">
            <legend>{legend}</legend>
            <div class="grid two">
                {fields.into_iter().zip(address.0).map(|((name, label, auto), sig)| {
                    let id = format!("address-{name}");
                    view! {
                        <div>
                            <label for=id.clone()>{label}</label>
                            <input id=id.clone() autocomplete=auto data-testid=id on:input=bind(sig) prop:value=sig />
                        </div>
                    }
                }).collect_view()}
            </div>
        </fieldset>
    }
}

/// Gift plan, recipient, message, when to send, shipping address (shippable plans) and payment. Every
/// rule is checked here before anything is sent, and again by the server.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
pub fn GiftCheckout(data: CheckoutData) -> impl IntoView {
    let CheckoutData { plans, may_schedule, gifter_enters_shipping, now, signature: default_signature, nonce, .. } =
        data;
    let plan = RwSignal::new(plans.first().map(|p| p.id.clone()).unwrap_or_default());
    let [first_name, last_name, email, note] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let signature = RwSignal::new(default_signature);
    let later = RwSignal::new(false);
    let send_at = RwSignal::new(String::new());
    let zone = RwSignal::new("UTC".to_owned());
    let address = AddressSignals::new();
    let [number, month, year, cvc] = std::array::from_fn(|_| RwSignal::new(String::new()));
    let attempted = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        zone.set(local::zone());
        // Suggest tomorrow at the same hour, in the gifter's own zone.
        send_at.set(local::input_value(now + 86_400 - now.rem_euclid(60)));
        hydrated.set(true);
    });
    let plan_choices: Vec<Choice> = plans
        .iter()
        .map(|p| Choice {
            id: p.id.clone(),
            name: p.name.clone(),
            detail: format!(
                "{} · {}{}",
                money(p.price, &p.currency),
                p.period_label,
                if p.shippable { " · includes a shipped welcome box" } else { "" }
            ),
        })
        .collect();
    let plans = StoredValue::new(plans);
    let nonce = StoredValue::new(nonce);
    let shippable =
        move || gifter_enters_shipping && plans.with_value(|ps| ps.iter().any(|p| p.id == plan.get() && p.shippable));

    // The notification as Unix seconds and the zone's offset then; empty for "now".
    let when = move || -> Result<(String, i64), String> {
        if !later.get() {
            return Ok((String::new(), 0));
        }
        let (at, offset) = local::parse(&send_at.get()).ok_or("Choose a date and time for the gift e-mail.")?;
        parse_send_at(&at.to_string(), now)?;
        Ok((at.to_string(), offset))
    };
    let input = move || GiftCheckoutInput {
        plan_id: plan.get(),
        first_name: first_name.get(),
        last_name: last_name.get(),
        email: email.get(),
        note: note.get(),
        signature: signature.get(),
        send_at: String::new(),
        time_zone: zone.get(),
        utc_offset_minutes: "0".into(),
        address: if shippable() { address.value() } else { AddressInput::default() },
        payment_intent_id: String::new(),
        nonce: nonce.get_value(),
    };
    let problem = move || {
        let i = input();
        if i.plan_id.is_empty() {
            return Some("Choose a gift plan.".to_owned());
        }
        recipient_problem(&i)
            .or_else(|| when().err())
            .or_else(|| shippable().then(|| address_problem(&i.address)).flatten())
            .or_else(|| validate_card(&number.get(), &month.get(), &year.get(), &cvc.get()).err())
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        attempted.set(true);
        if busy.get_untracked() || problem().is_some() {
            return;
        }
        let Ok((at, offset)) = when() else { return };
        let mut i = input();
        i.send_at = at;
        // Without a scheduled time the offset is today's.
        i.utc_offset_minutes = if i.send_at.is_empty() {
            local::parse(&local::input_value(now)).map_or(0, |(_, o)| o).to_string()
        } else {
            offset.to_string()
        };
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
        spawn_local(async move {
            i.payment_intent_id = match pay(gift_payment(i.clone()), &card).await {
                Ok(id) => id,
                Err(message) => {
                    failure.set(Some(message));
                    busy.set(false);
                    return;
                }
            };
            match buy_gift(i).await {
                Ok(bought) => {
                    let _ = window().location().set_href(&bought.url);
                }
                Err(err) => {
                    failure.set(Some(err.to_string()));
                    busy.set(false);
                }
            }
        });
    };
    let min = local::input_value(now);
    let max = local::input_value(now + MAX_SCHEDULE_DAYS * 86_400);
    let field = |id: &'static str, label: &'static str, sig: RwSignal<String>, kind: &'static str| {
        view! {
            <div>
                <label for=id>{label}</label>
                <input id=id type=kind data-testid=id on:input=bind(sig) prop:value=sig />
            </div>
        }
    };

    view! {
        <section class="card narrow" data-testid="gift-checkout" data-hydrated=move || hydrated.get().to_string()>
            <h1>"Give a subscription"</h1>
            <p class="lead">"Pay now; we e-mail the recipient when you choose, and they claim it with one link."</p>
            <form on:submit=submit novalidate>
                <RadioChoices legend="Gift plan" name="gift-plan" test_id_prefix="gift-plan" options=plan_choices
                    selected=plan />
                <fieldset>
                    <legend>"Recipient"</legend>
                    <div class="grid two">
                        {field("recipient-first-name", "First name", first_name, "text")}
                        {field("recipient-last-name", "Last name", last_name, "text")}
                    </div>
                    {field("recipient-email", "E-mail", email, "email")}
                </fieldset>
                <label for="gift-note">"Personal message (optional)"</label>
                <textarea id="gift-note" rows="3" maxlength=MAX_NOTE data-testid="gift-note"
                    on:input=bind(note) prop:value=note></textarea>
                <p class="muted small">{move || format!("{} of {MAX_NOTE} characters", note.get().chars().count())}</p>
                {field("gift-signature", "Signed by", signature, "text")}
                <fieldset class="choices">
                    <legend>"When should we tell them?"</legend>
                    <label class="choice">
                        <input type="radio" name="gift-when" checked=true data-testid="send-now"
                            on:change=move |_| later.set(false) />
                        <span>"Right away"</span>
                    </label>
                    {may_schedule.then(|| view! {
                        <label class="choice">
                            <input type="radio" name="gift-when" data-testid="send-later"
                                on:change=move |_| later.set(true) />
                            <span>"On a date I choose"</span>
                        </label>
                        <div hidden=move || !later.get()>
                            <label for="send-at">{move || format!("Date and time ({})", zone.get())}</label>
                            <input id="send-at" type="datetime-local" data-testid="send-at" min=min max=max
                                on:input=bind(send_at) prop:value=send_at />
                            <p class="muted small" data-testid="send-zone">
                                {move || format!("Times are in your time zone, {}.", zone.get())}
                            </p>
                        </div>
                    })}
                </fieldset>
                {move || shippable().then(|| view! { <AddressFields address legend="Ship the welcome box to" /> })}
                <CardFields number month year cvc />
                {move || attempted.get().then(problem).flatten().map(|p| view! {
                    <p class="notice error" role="alert" data-testid="gift-problem">{p}</p>
                })}
                {move || failure.get().map(|f| view! {
                    <p class="notice error" role="alert" data-testid="gift-error">{f}</p>
                })}
                <button type="submit" class="button primary full" data-testid="buy-gift" disabled=move || busy.get()>
                    {move || if busy.get() { "Processing payment…" } else { "Pay and send gift" }}
                </button>
            </form>
            <p class="muted small">"Test cards: 4111 1111 1111 1111 (approved), 4000 0000 0000 0002 (declined)."</p>
        </section>
    }
}

/// `/account/gifts`: gifts the account gave and gifts the user received, each with its history.
#[component]
pub fn MyGiftsPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| my_gifts());
    let ordered = use_query_map().with_untracked(|q| q.get("ordered"));
    view! {
        <Title text="Your gifts" />
        <header class="page-header">
            <h1>"Your gifts"</h1>
            <p><a class="button primary" href="/gift" data-testid="give-gift">"Give a gift"</a></p>
        </header>
        {ordered.map(|_| view! {
            <p class="notice success" role="status" data-testid="gift-ordered">
                "Thank you! Your gift is paid and booked; the confirmation is on its way to your inbox."
            </p>
        })}
        {loaded(data, "your gifts", move |gifts| {
                        let now = gifts.now;
                        view! {
                            <section data-testid="gifts-sent">
                                <h2>"Gifts you gave"</h2>
                                {if gifts.sent.is_empty() {
                                    view! { <p class="muted" data-testid="no-gifts-sent">"You have not given a gift yet."</p> }.into_any()
                                } else {
                                    gifts.sent.into_iter().map(|g| view! { <GiftCardView gift=g role=GiftRole::Gifter now /> }).collect_view().into_any()
                                }}
                            </section>
                            <section data-testid="gifts-received">
                                <h2>"Gifts you received"</h2>
                                {if gifts.received.is_empty() {
                                    view! { <p class="muted">"No gifts for you yet."</p> }.into_any()
                                } else {
                                    gifts.received.into_iter().map(|g| view! { <GiftCardView gift=g role=GiftRole::Recipient now /> }).collect_view().into_any()
                                }}
                            </section>
                        }.into_any()
                })}
    }
}

#[component]
fn GiftCardView(gift: GiftCard, role: GiftRole, now: i64) -> impl IntoView {
    let actions = (gift.can_cancel || gift.can_reschedule).then(|| {
        view! {
            <GiftActions
                gift_id=gift.id.clone()
                role
                can_cancel=gift.can_cancel
                can_reschedule=gift.can_reschedule
                now
                before=gift.reschedule_before
            />
        }
    });
    let who = if role == GiftRole::Gifter {
        format!("For {} <{}>", gift.receiver_name, gift.receiver_email)
    } else {
        format!("From {}", gift.signature)
    };
    view! {
        <article class="card gift" data-testid="gift-card" data-gift-id=gift.id.clone() data-status=gift.status.clone()>
            <header class="gift-head">
                <h3>{gift.plan_name.clone()}</h3>
                <span class=format!("badge status-{}", gift.status) data-testid="gift-status">{status_label(&gift.status)}</span>
            </header>
            <p>{who}</p>
            {gift.note.clone().map(|n| view! { <blockquote class="gift-note">{n}</blockquote> })}
            <dl class="facts">
                <dt>"Recipient notified"</dt>
                <dd data-testid="gift-notify">{gift.notify_label.clone()}</dd>
                {gift.claim_expiry.clone().map(|e| view! { <dt>"Claim by"</dt><dd>{e}</dd> })}
                {gift.ends.clone().map(|e| view! { <dt>"Subscription ends"</dt><dd>{e}</dd> })}
            </dl>
            <ol class="timeline" data-testid="gift-timeline" aria-label="History">
                {gift.timeline.iter().map(|t| view! { <li><strong>{t.status.clone()}</strong>" · "{t.at.clone()}</li> }).collect_view()}
            </ol>
            {actions}
        </article>
    }
}

/// Cancel (with a confirmation step) and change the notification date.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
pub fn GiftActions(
    gift_id: String,
    role: GiftRole,
    can_cancel: bool,
    can_reschedule: bool,
    now: i64,
    before: Option<i64>,
) -> impl IntoView {
    let gift_id = StoredValue::new(gift_id);
    let role = StoredValue::new(role);
    let confirming = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let send_at = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let note = RwSignal::new(None::<(bool, String)>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| {
        send_at.set(local::input_value(now + 86_400 - now.rem_euclid(60)));
        hydrated.set(true);
    });
    let done = move |result: Result<String, crate::error::AppError>| match result {
        Ok(message) => {
            note.set(Some((true, message)));
            let _ = window().location().reload();
        }
        Err(err) => {
            note.set(Some((false, err.to_string())));
            busy.set(false);
        }
    };
    let cancel = move |_| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move { done(cancel_gift(gift_id.get_value(), role.get_value()).await) });
    };
    let move_date = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Some((at, offset)) = local::parse(&send_at.get_untracked()) else {
            note.set(Some((false, "Choose the new date and time.".into())));
            return;
        };
        if let Err(problem) = parse_send_at(&at.to_string(), now) {
            note.set(Some((false, problem)));
            return;
        }
        busy.set(true);
        spawn_local(async move { done(reschedule_gift(gift_id.get_value(), at, local::zone(), offset).await) });
    };
    let max = local::input_value(before.map_or(now + MAX_SCHEDULE_DAYS * 86_400, |b| b - 60));
    view! {
        <div class="gift-actions" data-testid="gift-actions" data-hydrated=move || hydrated.get().to_string()>
            {can_reschedule.then(|| view! {
                <button type="button" class="button" data-testid="change-date" aria-expanded=move || editing.get().to_string()
                    on:click=move |_| editing.update(|e| *e = !*e)>"Change date"</button>
            })}
            {can_cancel.then(|| view! {
                <button type="button" class="button danger" data-testid="cancel-gift" hidden=move || confirming.get()
                    on:click=move |_| confirming.set(true)>"Cancel gift"</button>
                <span hidden=move || !confirming.get() role="group" aria-label="Confirm cancellation">
                    "Cancel this gift? "
                    <button type="button" class="button danger" data-testid="confirm-cancel" disabled=move || busy.get()
                        on:click=cancel>{move || if busy.get() { "Cancelling…" } else { "Yes, cancel it" }}</button>
                    <button type="button" class="button" on:click=move |_| confirming.set(false)>"Keep it"</button>
                </span>
            })}
            {move || editing.get().then(|| view! {
                <form class="row" on:submit=move_date>
                    <div>
                        <label for="new-send-at">{format!("New date and time ({})", local::zone())}</label>
                        <input id="new-send-at" type="datetime-local" data-testid="new-send-at" max=max.clone()
                            on:input=bind(send_at) prop:value=send_at />
                    </div>
                    <button type="submit" class="button primary" data-testid="save-date" disabled=move || busy.get()>
                        {move || if busy.get() { "Saving…" } else { "Save date" }}
                    </button>
                </form>
            })}
            {move || note.get().map(|(ok, text)| view! {
                <p class=if ok { "notice success" } else { "notice error" } role="alert" data-testid="gift-action-note">{text}</p>
            })}
        </div>
    }
}

/// `/gift/claim/{token}`: the link from the recipient's e-mail.
#[component]
pub fn ClaimGiftPage() -> impl IntoView {
    let token = use_params_map().with_untracked(|p| p.get("token").unwrap_or_default());
    let t = token.clone();
    let data = Resource::new(move || t.clone(), gift_claim);
    view! {
        <Title text="Claim your gift" />
        {loaded(data, "your gift", move |page| match page {
            ClaimPage::Open(gift) => view! { <ClaimOpen token=token.clone() gift /> }.into_any(),
            ClaimPage::Claimed { plan_name, ends } => view! {
                <section class="card narrow" data-testid="gift-claimed">
                    <h1>"Your gift is active"</h1>
                    <p>{format!("You have claimed {plan_name}.")}</p>
                    {ends.map(|e| view! { <p>{format!("It runs until {e}.")}</p> })}
                    <p class="muted small">"This claim link has been used."</p>
                </section>
            }.into_any(),
            ClaimPage::Closed { message } => view! {
                <section class="card narrow" data-testid="gift-closed">
                    <h1>"This gift cannot be claimed"</h1>
                    <p class="notice" role="status" data-testid="gift-closed-reason">{message}</p>
                </section>
            }.into_any(),
        })}
    }
}

#[component]
fn ClaimOpen(token: String, gift: ClaimableGift) -> impl IntoView {
    view! {
        <section class="card narrow" data-testid="gift-claim">
            <h1>{format!("{}, you have a gift", gift.receiver_first_name)}</h1>
            <p class="lead">{format!("{} gave you {} ({}).", gift.signature, gift.plan_name, gift.period_label)}</p>
            {gift.note.map(|n| view! { <blockquote class="gift-note" data-testid="claim-note">{n}</blockquote> })}
            {gift.claim_by.map(|b| view! { <p class="muted">{format!("Claim it by {b}.")}</p> })}
            <ClaimForm token needs_address=gift.needs_address />
        </section>
    }
}

/// Claims the gift, with a shipping address when the plan ships something and the gifter gave none.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
pub fn ClaimForm(token: String, needs_address: bool) -> impl IntoView {
    let token = StoredValue::new(token);
    let address = AddressSignals::new();
    let busy = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let a = if needs_address { address.value() } else { AddressInput::default() };
        if needs_address && let Some(problem) = address_problem(&a) {
            failure.set(Some(problem));
            return;
        }
        busy.set(true);
        failure.set(None);
        spawn_local(async move {
            match claim_gift(token.get_value(), Some(a)).await {
                Ok(_) => {
                    let _ = window().location().reload();
                }
                Err(err) => {
                    failure.set(Some(err.to_string()));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <form on:submit=submit novalidate data-testid="claim-form" data-hydrated=move || hydrated.get().to_string()>
            {needs_address.then(|| view! { <AddressFields address legend="Where should we ship your welcome box?" /> })}
            {move || failure.get().map(|f| view! { <p class="notice error" role="alert" data-testid="claim-error">{f}</p> })}
            <button type="submit" class="button primary full" data-testid="claim-gift" disabled=move || busy.get()>
                {move || if busy.get() { "Claiming…" } else { "Claim my gift" }}
            </button>
        </form>
    }
}
