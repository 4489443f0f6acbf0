//! Loading and error states, so every page shows them the same way.

use leptos::prelude::*;

use crate::error::AppError;

/// A failed load or action, announced to screen readers.
#[component]
pub fn ErrorNote(
    /// What went wrong (its text is safe to show).
    error: AppError,
) -> impl IntoView {
    view! {
        <div class="notice error" role="alert" data-testid="error-note">
            {error.to_string()}
        </div>
    }
}

/// Placeholder while data loads.
#[component]
pub fn Loading(
    /// What is loading, e.g. "your workspace".
    #[prop(into)]
    what: String,
) -> impl IntoView {
    view! {
        <p class="loading" aria-busy="true">
            {format!("Loading {what}…")}
        </p>
    }
}
