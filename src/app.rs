//! The HTML shell, the route table and the pages that belong to no feature.

use leptos::prelude::*;
use leptos_meta::{MetaTags, Title, provide_meta_context};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{SsrMode, path};

use crate::auth::view::LoginPage;
use crate::credits::view::CreditsPage;
use crate::dashboard::view::DashboardPage;
use crate::gifts::view::{ClaimGiftPage, GiftCheckoutPage, MyGiftsPage};
use crate::mail::view::OutboxPage;
use crate::offers::view::{AnalyticsPage, UpgradePage};
use crate::studio::view::{
    StudioAudiencesPage, StudioDryRunPage, StudioGiftsPage, StudioOffersPage, StudioOverviewPage, StudioPlaysPage,
};
use crate::ui::layout::Layout;

/// The document around every page.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <link rel="stylesheet" id="leptos" href="/pkg/growthkit.css" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The application: layout and routes. Every route renders completely on the server before it is sent
/// (`SsrMode::Async`), so the largest element never waits for WASM and pages work without it.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    view! {
        <Title formatter=|page: String| if page.is_empty() { "Growthkit".to_owned() } else { format!("{page} · Growthkit") } />
        <Router>
            <Layout>
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Landing ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/app") view=DashboardPage ssr=SsrMode::Async />
                    <Route path=path!("/app/analytics") view=AnalyticsPage ssr=SsrMode::Async />
                    <Route path=path!("/upgrade/analytics") view=UpgradePage ssr=SsrMode::Async />
                    <Route path=path!("/credits") view=CreditsPage ssr=SsrMode::Async />
                    <Route path=path!("/gift") view=GiftCheckoutPage ssr=SsrMode::Async />
                    <Route path=path!("/gift/claim/:token") view=ClaimGiftPage ssr=SsrMode::Async />
                    <Route path=path!("/account/gifts") view=MyGiftsPage ssr=SsrMode::Async />
                    <Route path=path!("/outbox") view=OutboxPage ssr=SsrMode::Async />
                    <Route path=path!("/studio/gifts") view=StudioGiftsPage ssr=SsrMode::Async />
                    <Route path=path!("/studio") view=StudioOverviewPage ssr=SsrMode::Async />
                    <Route path=path!("/studio/offers") view=StudioOffersPage ssr=SsrMode::Async />
                    <Route path=path!("/studio/audiences") view=StudioAudiencesPage ssr=SsrMode::Async />
                    <Route path=path!("/studio/plays") view=StudioPlaysPage ssr=SsrMode::Async />
                    <Route path=path!("/studio/dry-run") view=StudioDryRunPage ssr=SsrMode::Async />
                </Routes>
            </Layout>
        </Router>
    }
}

/// `/`: what Growthkit is, and the way in.
#[component]
fn Landing() -> impl IntoView {
    view! {
        <Title text="" />
        <section class="hero" data-testid="landing">
            <h1>"Grow revenue from inside your product"</h1>
            <p class="lead">
                "Personalized upgrade offers at the moment a user hits a paid feature, gift subscriptions, "
                "and prepaid credit packs — self-hosted, with a built-in Chargebee-compatible billing engine."
            </p>
            <p>
                <a class="button primary" href="/app">"Open your workspace"</a>
            </p>
        </section>
        <section class="features">
            <article class="card">
                <h2>"Upgrade offers"</h2>
                <p>"Audiences, plays and priorities decide one offer, shown as a banner, modal or inline callout."</p>
            </article>
            <article class="card">
                <h2>"Gift subscriptions"</h2>
                <p>"Buy now, notify the recipient later, and let them claim with one link."</p>
            </article>
            <article class="card">
                <h2>"Prepaid credits"</h2>
                <p>"Sell credit packs, track the balance, and offer a top-up before it runs out."</p>
            </article>
        </section>
    }
}

/// Any unknown path: a real 404, with a way back.
#[component]
fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="card narrow" data-testid="not-found">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. It may have moved, or the link may be mistyped."</p>
            <p>
                <a class="button" href="/">"Go to the start page"</a>
            </p>
        </section>
    }
}
