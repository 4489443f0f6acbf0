//! The studio's front page: each offer's funnel, the latest fulfillments and time travel.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use super::StudioNav;
use crate::studio::api::{studio_overview, travel};
use crate::studio::model::{Funnel, Overview};
use crate::ui::feedback::loaded;
use growthkit_clock::calendar::utc;

/// `/studio`: funnels, latest fulfillments and time travel.
#[component]
pub fn StudioOverviewPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| studio_overview());
    view! {
        <Title text="Studio" />
        <StudioNav current="/studio" />
        {loaded(overview, "the studio", |o| view! { <OverviewBody overview=o /> })}
    }
}

#[component]
fn OverviewBody(overview: Overview) -> impl IntoView {
    let Overview { funnels, fulfillments, now, offset_seconds, remote, acceptances } = overview;
    if let Some(site) = remote {
        return view! { <RemoteOverview site acceptances /> }.into_any();
    }
    view! {
        <div class="grid">
            <section class="card" aria-labelledby="time-heading">
                <h2 id="time-heading">"Engine time"</h2>
                <TimeTravel now offset_seconds />
            </section>
        </div>
        {funnels
            .into_iter()
            .map(|f| view! { <FunnelCard funnel=f /> })
            .collect_view()}
        <section class="card" aria-labelledby="fulfillments-heading">
            <h2 id="fulfillments-heading">"Latest fulfillments"</h2>
            {if fulfillments.is_empty() {
                view! { <p class="muted">"No offer has been accepted yet."</p> }.into_any()
            } else {
                view! {
                    <table class="table" data-testid="studio-fulfillments">
                        <thead>
                            <tr>
                                <th scope="col">"Fulfillment"</th>
                                <th scope="col">"Offer"</th>
                                <th scope="col">"Subscription"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Created"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {fulfillments
                                .into_iter()
                                .map(|f| {
                                    let row = format!("fulfillment-{}", f.id);
                                    view! {
                                        <tr data-testid=row>
                                            <td><code>{f.id}</code></td>
                                            <td>{f.offer_name}</td>
                                            <td>{f.subscription}</td>
                                            <td>
                                                <span class=format!("status status-{}", f.status)>{f.status.clone()}</span>
                                                {f.error_message.map(|m| view! { <div class="muted small">{m}</div> })}
                                            </td>
                                            <td>{utc(f.created_at)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
    }
    .into_any()
}

/// On a Chargebee site: the app's own record of upgrades. Funnels, fulfillments and time travel are the
/// site's, in Chargebee.
#[component]
fn RemoteOverview(site: String, acceptances: Vec<(String, i64)>) -> impl IntoView {
    view! {
        <super::RemoteNotice site />
        <section class="card" aria-labelledby="recorded-heading">
            <h2 id="recorded-heading">"Upgrades this app recorded"</h2>
            {if acceptances.is_empty() {
                view! { <p class="muted">"No offer has been accepted yet."</p> }.into_any()
            } else {
                view! {
                    <table class="table" data-testid="studio-acceptances">
                        <thead><tr><th scope="col">"Status"</th><th scope="col">"Acceptances"</th></tr></thead>
                        <tbody>
                            {acceptances
                                .into_iter()
                                .map(|(status, count)| view! { <tr><td>{status}</td><td>{count}</td></tr> })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
            <p class="muted small">"Funnels, fulfillments and time travel (on test sites) are in Chargebee."</p>
        </section>
    }
}

/// One offer's funnel as a table and a bar chart.
#[component]
fn FunnelCard(funnel: Funnel) -> impl IntoView {
    let stages = funnel.stages();
    let max = stages.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let bar_height = 26;
    let chart_height = stages.len() as i64 * (bar_height + 8);
    view! {
        <section class="card funnel" data-testid=format!("funnel-{}", funnel.offer_id)>
            <h2>{format!("Funnel · {}", funnel.offer_name)}</h2>
            <div class="funnel-body">
                <table class="table">
                    <tbody>
                        {stages
                            .iter()
                            .map(|(label, n)| {
                                view! {
                                    <tr data-testid=format!("funnel-{}", label.to_lowercase())>
                                        <th scope="row">{*label}</th>
                                        <td class="num">{*n}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                <svg
                    class="funnel-chart"
                    viewBox=format!("0 0 420 {chart_height}")
                    role="img"
                    aria-label=format!("Funnel of {}", funnel.offer_name)
                >
                    {stages
                        .iter()
                        .enumerate()
                        .map(|(i, (label, n))| {
                            let y = i as i64 * (bar_height + 8);
                            let width = 10 + (300 * n / max);
                            view! {
                                <g>
                                    <text x="0" y=y + 18 class="chart-label">{*label}</text>
                                    <rect x="90" y=y width=width height=bar_height rx="4" class=format!("bar bar-{}", label.to_lowercase()) />
                                    <text x=95 + width y=y + 18 class="chart-value">{*n}</text>
                                </g>
                            }
                        })
                        .collect_view()}
                </svg>
            </div>
        </section>
    }
}

/// Moves the engine's clock forward; everything time-based follows.
// Admin-only: loaded on demand from its own WASM chunk in split builds, so no one else downloads it.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
pub(super) fn TimeTravel(now: i64, offset_seconds: i64) -> impl IntoView {
    let now = RwSignal::new(now);
    let offset = RwSignal::new(offset_seconds);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let go = move |hours: i64| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match travel(hours).await {
                Ok(t) => {
                    offset.update(|o| *o += t - now.get_untracked());
                    now.set(t);
                    error.set(None);
                    // Funnels and fulfillments changed with time: show them as they are now.
                    let _ = window().location().reload();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <div data-testid="time-travel">
            <p>
                "Now: " <strong data-testid="engine-now">{move || utc(now.get())}</strong>
                <span class="muted small">
                    {move || format!(" ({} days ahead of real time)", offset.get() / 86_400)}
                </span>
            </p>
            <div class="offer-actions">
                {[(24, "+1 day"), (72, "+3 days"), (192, "+8 days"), (720, "+30 days")]
                    .into_iter()
                    .map(|(h, label)| {
                        view! {
                            <button type="button" class="button" disabled=move || busy.get() on:click=move |_| go(h)>
                                {label}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        </div>
    }
}
