//! The sign-in page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{Login, demo_logins};
use crate::error::AppError;

/// `/login`: the sign-in form, with a notice after sign-out and the demo users when demo data is on.
#[component]
pub fn LoginPage() -> impl IntoView {
    let query = use_query_map();
    let (next, error, signed_out) = query.with_untracked(|q| {
        (
            q.get("next").unwrap_or_default(),
            q.get("error").and_then(|kind| AppError::message_for_kind(&kind)),
            q.get("signed_out").is_some(),
        )
    });
    let demos = Resource::new(|| (), |_| demo_logins());

    view! {
        <Title text="Sign in" />
        <section class="card narrow">
            <h1>"Sign in"</h1>
            {signed_out
                .then(|| {
                    view! {
                        <p class="notice success" role="status" data-testid="signed-out">
                            "You have been signed out."
                        </p>
                    }
                })}
            <LoginForm next error />
        </section>
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                let users = demos.await.unwrap_or_default();
                (!users.is_empty())
                    .then(|| {
                        view! {
                            <section class="card narrow demo-logins" data-testid="demo-logins">
                                <h2>"Demo users"</h2>
                                <p class="muted">
                                    "Every demo user's password is "
                                    <code>{users[0].password.clone()}</code>
                                    "."
                                </p>
                                <ul>
                                    {users
                                        .into_iter()
                                        .map(|u| {
                                            view! {
                                                <li>
                                                    <code>{u.email}</code>
                                                    " — "
                                                    {u.name}
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </section>
                        }
                    })
            })}
        </Suspense>
    }
}

/// The sign-in form. Works as a plain HTML form before (or without) WASM; once hydrated it submits in
/// place, shows errors inline and disables the button while signing in.
// Only the sign-in page needs it: loaded on demand from its own WASM chunk.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
pub fn LoginForm(
    /// Local path to go to after sign-in.
    next: String,
    /// An error from a previous attempt without JavaScript.
    error: Option<String>,
) -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let pending = login.pending();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let message = move || match login.value().get() {
        Some(Err(err)) => Some(err.to_string()),
        Some(Ok(())) => None,
        None => error.clone(),
    };

    view! {
        <div class="login-form" data-testid="login-form" data-hydrated=move || hydrated.get().to_string()>
            <ActionForm action=login>
                <input type="hidden" name="next" value=next />
                <label for="email">"E-mail"</label>
                <input
                    id="email"
                    name="email"
                    type="email"
                    autocomplete="username"
                    required
                    autofocus
                    data-testid="login-email"
                />
                <label for="password">"Password"</label>
                <input
                    id="password"
                    name="password"
                    type="password"
                    autocomplete="current-password"
                    required
                    data-testid="login-password"
                />
                {move || {
                    message()
                        .map(|m| {
                            view! {
                                <p class="notice error" role="alert" data-testid="login-error">
                                    {m}
                                </p>
                            }
                        })
                }}
                <button type="submit" class="button primary full" disabled=pending data-testid="login-submit">
                    {move || if pending.get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
        </div>
    }
}
