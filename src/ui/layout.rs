//! The page frame: header with navigation and account menu, main content, footer.

use leptos::prelude::*;

use crate::auth::api::fetch_current_user;

/// Wraps every page.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let user = Resource::new(|| (), |_| fetch_current_user());
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <header class="site-header">
            <nav class="nav container" aria-label="Main">
                <a class="brand" href="/">
                    <span class="brand-mark" aria-hidden="true">"◆"</span>
                    "Growthkit"
                </a>
                <div class="nav-links">
                    <Suspense fallback=|| ()>
                        {move || Suspend::new(async move {
                            match user.await {
                                Ok(Some(u)) => {
                                    view! {
                                        <a href="/app">"Dashboard"</a>
                                        <a href="/app/analytics">"Analytics"</a>
                                        <a href="/credits" data-testid="nav-credits">"Credits"</a>
                                        <a href="/account/gifts" data-testid="nav-gifts">"Gifts"</a>
                                        <a href="/outbox" data-testid="nav-outbox">"Outbox"</a>
                                        {u.is_admin.then(|| view! { <a href="/studio" data-testid="nav-studio">"Studio"</a> })}
                                        <UserMenu name=u.name email=u.email account=u.account_name />
                                    }
                                        .into_any()
                                }
                                _ => {
                                    view! {
                                        <a class="button primary" href="/login" data-testid="nav-sign-in">
                                            "Sign in"
                                        </a>
                                    }
                                        .into_any()
                                }
                            }
                        })}
                    </Suspense>
                </div>
            </nav>
        </header>
        <main id="main" class="container">
            {children()}
        </main>
        <footer class="site-footer container">
            <p>"Growthkit — self-hosted monetization, with a built-in Chargebee-compatible engine."</p>
        </footer>
    }
}

/// The signed-in user's menu: who is signed in, and sign-out. A disclosure button (Enter/Space toggle,
/// Esc closes and returns focus). `data-hydrated` turns true once the island is live, for tests.
#[island]
pub fn UserMenu(name: String, email: String, account: String) -> impl IntoView {
    let open = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let button = NodeRef::<leptos::html::Button>::new();
    let initials: String = name.split_whitespace().filter_map(|w| w.chars().next()).take(2).collect();

    let close_on_escape = move |ev: leptos::ev::KeyboardEvent| {
        if ev.key() == "Escape" && open.get_untracked() {
            open.set(false);
            if let Some(b) = button.get_untracked() {
                let _ = b.focus();
            }
        }
    };

    view! {
        <div
            class="user-menu"
            data-testid="user-menu"
            data-hydrated=move || hydrated.get().to_string()
            on:keydown=close_on_escape
        >
            <button
                node_ref=button
                type="button"
                class="user-menu-button"
                aria-haspopup="true"
                aria-controls="user-menu-panel"
                aria-expanded=move || open.get().to_string()
                data-testid="user-menu-button"
                on:click=move |_| open.update(|o| *o = !*o)
            >
                <span class="avatar" aria-hidden="true">
                    {initials}
                </span>
                <span class="user-name">{name}</span>
            </button>
            <div id="user-menu-panel" class="user-menu-panel" hidden=move || !open.get() data-testid="user-menu-panel">
                <p class="muted small">"Signed in as"</p>
                <p>
                    <strong>{email}</strong>
                </p>
                <p class="muted small">{account}</p>
                <form method="post" action="/api/logout">
                    <button type="submit" class="button full" data-testid="sign-out">
                        "Sign out"
                    </button>
                </form>
            </div>
        </div>
    }
}
