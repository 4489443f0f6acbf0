//! Gift subscriptions with their filters, notification dates, the site's gift settings and time travel.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use super::overview::TimeTravel;
use super::{StudioNav, outcome};
use crate::studio::api::{SaveGiftSettings, studio_gifts, studio_reschedule_gift};
use crate::studio::model::GiftsConsole;
use crate::ui::feedback::loaded;
use growthkit_clock::calendar::utc;

/// `/studio/gifts`: subscriptions with an "is gift" and a status filter, gift notification dates,
/// the site's gift settings, and time travel.
#[component]
pub fn StudioGiftsPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let filter = move || {
        query.with(|q| (q.get("is_gift").unwrap_or_else(|| "true".into()), q.get("status").unwrap_or_default()))
    };
    let data = Resource::new(filter, |(is_gift, status)| studio_gifts(is_gift, status));
    view! {
        <Title text="Gifts · Studio" />
        <StudioNav current="/studio/gifts" />
        {loaded(data, "gift subscriptions", move |g| { let (is_gift, status) = filter(); view! { <GiftsBody gifts=g is_gift status /> } })}
    }
}

#[component]
fn GiftsBody(gifts: GiftsConsole, is_gift: String, status: String) -> impl IntoView {
    let GiftsConsole { subscriptions, settings, now, offset_seconds, remote } = gifts;
    let read_only = remote.is_some();
    let option = |value: &'static str, label: &'static str, current: &str| {
        view! { <option value=value selected=current == value>{label}</option> }
    };
    view! {
        {remote.map(|site| view! { <super::RemoteNotice site /> })}
        <section class="card">
            <h2>"Subscriptions"</h2>
            <form method="get" action="/studio/gifts" class="row" data-testid="gift-filter">
                <div>
                    <label for="is-gift">"Is gift"</label>
                    <select id="is-gift" name="is_gift" data-testid="filter-is-gift">
                        {option("true", "True", &is_gift)}
                        {option("false", "False", &is_gift)}
                        {option("", "Any", &is_gift)}
                    </select>
                </div>
                <div>
                    <label for="sub-status">"Status"</label>
                    <select id="sub-status" name="status" data-testid="filter-status">
                        {option("", "Any", &status)}
                        {option("future", "Future", &status)}
                        {option("non_renewing", "Non renewing", &status)}
                        {option("active", "Active", &status)}
                        {option("cancelled", "Cancelled", &status)}
                    </select>
                </div>
                <button type="submit" class="button" data-testid="apply-filter">"Apply filter"</button>
            </form>
            {if subscriptions.is_empty() {
                view! { <p class="muted" data-testid="no-subscriptions">"No subscriptions match this filter."</p> }.into_any()
            } else {
                view! {
                    <table class="table" data-testid="gift-subscriptions">
                        <thead>
                            <tr>
                                <th scope="col">"Subscription"</th>
                                <th scope="col">"Plan"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Gift"</th>
                                <th scope="col">"Recipient"</th>
                                <th scope="col">"Notification"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {subscriptions.into_iter().map(|s| {
                                let gift = s.gift.clone();
                                view! {
                                    <tr data-testid="subscription-row" data-status=s.status.clone()>
                                        <td><code>{s.id.clone()}</code><br /><span class="muted small">{s.customer_id.clone()}</span></td>
                                        <td>{s.plan.clone()}</td>
                                        <td data-testid="subscription-status">{s.status.clone()}</td>
                                        <td data-testid="row-gift-status">{gift.as_ref().map(|g| g.status.clone()).unwrap_or_else(|| "—".into())}</td>
                                        <td>{gift.as_ref().map(|g| g.receiver_email.clone()).unwrap_or_default()}</td>
                                        <td>
                                            {gift.map(|g| {
                                                let scheduled = g.status == "scheduled";
                                                view! {
                                                    <span data-testid="row-notify">{utc(g.scheduled_at)}</span>
                                                    {scheduled.then(|| view! {
                                                        <StudioReschedule gift_id=g.id.clone() now before=g.claim_expiry_date />
                                                    })}
                                                }
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>"Gift settings"</h2>
            <fieldset class="bare" disabled=read_only>
                <GiftSettingsForm settings />
            </fieldset>
        </section>
        {(!read_only).then(|| view! {
            <section class="card">
                <h2>"Time travel"</h2>
                <TimeTravel now offset_seconds />
            </section>
        })}
    }
}

/// A new notification time for a scheduled gift, in hours from now.
// Admin-only: loaded on demand from its own WASM chunk in split builds.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
fn StudioReschedule(gift_id: String, now: i64, before: Option<i64>) -> impl IntoView {
    let gift_id = StoredValue::new(gift_id);
    let hours = RwSignal::new("24".to_owned());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let latest = before.map(|b| (b - now) / 3_600);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(h) = hours.get_untracked().trim().parse::<i64>() else {
            error.set(Some("Enter a whole number of hours.".into()));
            return;
        };
        if h < 1 {
            error.set(Some("Choose at least 1 hour from now.".into()));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match studio_reschedule_gift(gift_id.get_value(), now + h * 3_600).await {
                Ok(()) => {
                    let _ = window().location().reload();
                }
                Err(e) => {
                    error.set(Some(e.to_string()));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <form class="inline-form" on:submit=save data-testid="studio-reschedule">
            <label>
                "In "
                <input type="number" min="1" max=latest.map(|l| l.to_string()) class="narrow-input" data-testid="reschedule-hours"
                    on:input=move |ev| hours.set(event_target_value(&ev)) prop:value=hours />
                " hours"
            </label>
            <button type="submit" class="button" disabled=move || busy.get() data-testid="reschedule-save">"Change"</button>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        </form>
    }
}

/// The site's gift settings (Chargebee: Settings › Gift Subscription and its checkout options).
// Admin-only: loaded on demand from its own WASM chunk in split builds.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
fn GiftSettingsForm(settings: crate::gifts::model::GiftSettings) -> impl IntoView {
    let action = ServerAction::<SaveGiftSettings>::new();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let flag = |name: &'static str, label: &'static str, on: bool| {
        view! {
            <label class="check">
                <input type="checkbox" name=format!("input[{name}]") checked=on data-testid=format!("setting-{name}") />
                {label}
            </label>
        }
    };
    view! {
        <ActionForm action>
            <div class="grid two" data-testid="gift-settings" data-hydrated=move || hydrated.get().to_string()>
                {flag("enabled", "Gift subscriptions are on (turning off keeps existing gifts)", settings.enabled)}
                {flag("auto_claim", "Auto-claim on the notification date (no claim e-mail)", settings.auto_claim)}
                {flag("no_expiry", "Gifts never expire", settings.no_expiry)}
                {flag("gifter_may_schedule", "Gifters may choose when the gift is sent", settings.gifter_may_schedule)}
                {flag("gifter_enters_shipping", "Gifters enter the shipping address for shippable plans", settings.gifter_enters_shipping)}
                {flag("gifter_may_cancel", "Gifters may cancel until the recipient is notified", settings.gifter_may_cancel)}
                {flag("recipient_may_cancel", "Recipients may cancel their gift", settings.recipient_may_cancel)}
                <div>
                    <label for="claim-days">"All gifts must be claimed within (days, 1–365)"</label>
                    <input id="claim-days" name="input[claim_within_days]" type="number" min="1" max="365"
                        value=settings.claim_within_days data-testid="setting-claim-days" />
                </div>
                <div>
                    <label for="reminder-days">"Claim reminder after (days, 1–365)"</label>
                    <input id="reminder-days" name="input[reminder_after_days]" type="number" min="1" max="365"
                        value=settings.reminder_after_days data-testid="setting-reminder-days" />
                </div>
            </div>
            <button type="submit" class="button primary" data-testid="save-gift-settings"
                disabled=move || action.pending().get()>"Save gift settings"</button>
        </ActionForm>
        {outcome(action.value())}
    }
}
