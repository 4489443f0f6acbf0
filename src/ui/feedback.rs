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

/// The one way a page waits for its data: while `data` loads, "Loading {what}…"; then `render` with the
/// value, or the error note if loading failed. Server-rendered pages stream the result in place.
pub fn loaded<T, V>(
    data: Resource<Result<T, AppError>>,
    what: &'static str,
    render: impl Fn(T) -> V + Send + Sync + Clone + 'static,
) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    V: IntoView + 'static,
{
    view! {
        <Suspense fallback=move || view! { <Loading what /> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match data.await {
                        Ok(value) => render(value).into_any(),
                        Err(error) => view! { <ErrorNote error /> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
