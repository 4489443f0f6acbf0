//! The decision dry run: why each play would win or lose for a given request.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use super::StudioNav;
use crate::studio::api::dry_run;
use crate::studio::model::DryRunView;

/// `/studio/dry-run`: why each play would win or lose for a given request.
#[component]
pub fn StudioDryRunPage() -> impl IntoView {
    view! {
        <Title text="Dry run · Studio" />
        <StudioNav current="/studio/dry-run" />
        <section class="card">
            <p class="muted">"Decide for a made-up request without recording anything: every play with the reason it won or lost."</p>
            <DryRun />
        </section>
    }
}

// Admin-only: loaded on demand from its own WASM chunk in split builds, so no one else downloads it.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
fn DryRun() -> impl IntoView {
    let customer = RwSignal::new("demo_acme".to_owned());
    let subscription = RwSignal::new("demo_acme_sub".to_owned());
    let custom = RwSignal::new("has_advanced_analytics = false".to_owned());
    let locale = RwSignal::new("en-US".to_owned());
    let result = RwSignal::new(None::<Result<DryRunView, String>>);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        spawn_local(async move {
            let r = dry_run(
                customer.get_untracked(),
                subscription.get_untracked(),
                custom.get_untracked(),
                locale.get_untracked(),
            )
            .await;
            result.set(Some(r.map_err(|e| e.to_string())));
            busy.set(false);
        });
    };
    let bind = move |sig: RwSignal<String>| move |ev: leptos::ev::Event| sig.set(event_target_value(&ev));
    view! {
        <form on:submit=run data-testid="dry-run" data-hydrated=move || hydrated.get().to_string()>
            <div class="grid three">
                <div>
                    <label for="dr-customer">"Customer id"</label>
                    <input id="dr-customer" prop:value=customer on:input=bind(customer) />
                </div>
                <div>
                    <label for="dr-sub">"Subscription id"</label>
                    <input id="dr-sub" prop:value=subscription on:input=bind(subscription) />
                </div>
                <div>
                    <label for="dr-locale">"Locale"</label>
                    <input id="dr-locale" prop:value=locale on:input=bind(locale) />
                </div>
            </div>
            <label for="dr-custom">"Custom signals (one name = value per line)"</label>
            <textarea id="dr-custom" rows="3" prop:value=custom on:input=bind(custom) data-testid="dry-run-custom"></textarea>
            <button type="submit" class="button primary" disabled=move || busy.get()>"Run decision"</button>
        </form>
        {move || result.get().map(|r| match r {
            Err(e) => view! { <p class="notice error" role="alert">{e}</p> }.into_any(),
            Ok(d) => view! {
                <p data-testid="dry-run-winner">
                    {match d.winner {
                        Some(w) => format!("Winner: {w}"),
                        None => "No offer: every play lost.".to_owned(),
                    }}
                </p>
                {d.note.map(|n| view! { <p class="muted small" data-testid="dry-run-note">{n}</p> })}
                <table class="table" data-testid="dry-run-table">
                    <thead><tr><th scope="col">"Priority"</th><th scope="col">"Play"</th><th scope="col">"Offer"</th><th scope="col">"Verdict"</th></tr></thead>
                    <tbody>
                        {d.verdicts.into_iter().map(|v| view! {
                            <tr class:won=v.won>
                                <td>{v.priority}</td>
                                <td>{v.play_name}</td>
                                <td><code>{v.offer_id}</code></td>
                                <td>{v.reason}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        })}
    }
}
