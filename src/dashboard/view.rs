//! The dashboard page.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{Dashboard, load_dashboard};
use crate::offers::model::{Gate, Pattern};
use crate::offers::view::OfferPrompt;
use crate::ui::feedback::loaded;
use crate::ui::icons::LockIcon;

/// `/app`: the signed-in user's workspace.
#[component]
pub fn DashboardPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_dashboard());
    view! {
        <Title text="Dashboard" />
        {loaded(data, "your workspace", |d| view! { <DashboardBody data=d /> })}
    }
}

#[component]
fn DashboardBody(data: Dashboard) -> impl IntoView {
    let Dashboard { user, team, billing, analytics, credits } = data;
    let (banner, unlocked) = match analytics {
        Gate::Unlocked => (None, true),
        Gate::Locked { offer, .. } => (offer, false),
    };
    let first_name = user.name.split_whitespace().next().unwrap_or(&user.name).to_owned();
    let team_size = team.len();
    view! {
        {banner.map(|offer| view! { <OfferPrompt offer pattern=Pattern::Banner /> })}
        <header class="page-header">
            <h1 data-testid="dashboard-heading">{format!("Welcome, {first_name}")}</h1>
            <p class="lead">
                <span data-testid="dashboard-account">{user.account_name.clone()}</span>
                " · "
                <span data-testid="dashboard-role">{user.role.label()}</span>
            </p>
        </header>
        <div class="grid">
            <section class="card" aria-labelledby="you-heading">
                <h2 id="you-heading">"You"</h2>
                <dl class="facts">
                    <dt>"Name"</dt>
                    <dd data-testid="dashboard-name">{user.name.clone()}</dd>
                    <dt>"E-mail"</dt>
                    <dd data-testid="dashboard-email">{user.email.clone()}</dd>
                    <dt>"Role"</dt>
                    <dd>{user.role.label()}</dd>
                    <dt>"Studio access"</dt>
                    <dd>{if user.is_admin { "Yes" } else { "No" }}</dd>
                </dl>
                <form method="post" action="/api/logout">
                    <button type="submit" class="button">"Sign out"</button>
                </form>
            </section>
            <section class="card" aria-labelledby="team-heading">
                <h2 id="team-heading">
                    {user.account_name.clone()}
                    <span class="muted small">
                        {format!(" · {team_size} {}", if team_size == 1 { "member" } else { "members" })}
                    </span>
                </h2>
                <table class="table" data-testid="team-table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"E-mail"</th>
                            <th scope="col">"Role"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {team
                            .into_iter()
                            .map(|m| {
                                view! {
                                    <tr>
                                        <td>{m.name}</td>
                                        <td>{m.email}</td>
                                        <td>{m.role.label()}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                <p class="muted small">"Everyone in an account shares its subscription."</p>
            </section>
            <section class="card" aria-labelledby="features-heading">
                <h2 id="features-heading">"Features"</h2>
                <p>
                    <a href="/app/analytics" data-testid="feature-analytics">"Advanced Analytics"</a>
                    {if unlocked {
                        view! { " — unlocked" }.into_any()
                    } else {
                        view! { " — " <LockIcon /> " on Growth Plus" }.into_any()
                    }}
                </p>
            </section>
            <section class="card" aria-labelledby="credits-heading">
                <h2 id="credits-heading">"Credits"</h2>
                {match credits {
                    Some(balance) => view! {
                        <p><strong data-testid="dashboard-credits">{crate::credits::model::credits_text(balance)}</strong>" credits. "
                            <a href="/credits">"Run reports and top up"</a></p>
                    }.into_any(),
                    None => view! { <p>"Prepaid credits for reports. " <a href="/credits">"Buy a credit pack"</a></p> }.into_any(),
                }}
            </section>
            <section class="card" aria-labelledby="billing-heading">
                <h2 id="billing-heading">"Billing"</h2>
                <p>"Billing calls go to the " <strong data-testid="dashboard-billing">{billing}</strong> "."</p>
            </section>
        </div>
    }
}
