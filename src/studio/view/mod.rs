//! Studio pages, one file each. Tables and charts render on the server; editors are islands.
//!
//! Every studio editor is a lazy island (the attribute pair is explained in the crate's docs), so end
//! users never download the studio.

mod audiences;
mod dry_run;
mod gifts;
mod offers;
mod overview;
mod plays;

pub use audiences::StudioAudiencesPage;
pub use dry_run::StudioDryRunPage;
pub use gifts::StudioGiftsPage;
pub use offers::StudioOffersPage;
pub use overview::StudioOverviewPage;
pub use plays::StudioPlaysPage;

use leptos::prelude::*;

use crate::error::AppError;
use crate::studio::api::studio_config;
use crate::studio::model::Config;
use crate::ui::feedback::loaded;

/// Tabs across the studio pages.
#[component]
pub(super) fn StudioNav(current: &'static str) -> impl IntoView {
    let tabs = [
        ("/studio", "Overview"),
        ("/studio/offers", "Offers"),
        ("/studio/audiences", "Fields & audiences"),
        ("/studio/plays", "Plays & settings"),
        ("/studio/dry-run", "Dry run"),
        ("/studio/gifts", "Gifts"),
    ];
    view! {
        <header class="page-header">
            <h1>"Studio"</h1>
            <nav class="tabs" aria-label="Studio">
                {tabs
                    .into_iter()
                    .map(|(href, label)| {
                        let here = href == current;
                        view! {
                            <a href=href class:active=here aria-current=here.then_some("page")>
                                {label}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
        </header>
    }
}

/// Renders a page body once the studio configuration has loaded. On a Chargebee site the editors are
/// shown read-only under a notice: the configuration they edit is not the one in use.
pub(super) fn with_config<V: IntoView + 'static>(
    render: impl Fn(Config) -> V + Send + Sync + Copy + 'static,
) -> impl IntoView {
    let config = Resource::new(|| (), |_| studio_config());
    view! {
        {loaded(config, "the studio", move |c: Config| {
            let remote = c.remote.clone();
            view! {
                {remote.clone().map(|site| view! { <RemoteNotice site /> })}
                <fieldset class="bare" disabled=remote.is_some()>{render(c)}</fieldset>
            }
        })}
    }
}

/// Says where Growth configuration lives when billing is a Chargebee site.
#[component]
pub(super) fn RemoteNotice(site: String) -> impl IntoView {
    view! {
        <p class="notice" role="note" data-testid="studio-remote">
            "Growthkit uses the Chargebee site "<strong>{site}</strong>" (GROWTHKIT_BILLING=chargebee). Offers, "
            "audiences, plays and gift settings live there: change them in Chargebee's Growth app. What you see "
            "here is the built-in engine's copy, shown read-only."
        </p>
    }
}

/// Shows a form action's outcome; a success reloads the page so lists show the change.
pub(super) fn outcome<S>(value: S) -> impl IntoView
where
    S: Get<Value = Option<Result<(), AppError>>> + Copy + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            let _ = window().location().reload();
        }
    });
    move || match value.get() {
        Some(Err(e)) => Some(view! { <p class="notice error" role="alert">{e.to_string()}</p> }),
        _ => None,
    }
}
