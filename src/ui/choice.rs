//! A list of radio choices (plans, packs), as every checkout shows them.

use leptos::prelude::*;

/// One option: its id, name, and a detail shown at the end of the line (price, period).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub id: String,
    pub name: String,
    pub detail: String,
}

/// Radio buttons in a fieldset, bound to `selected` (an option's id). Each input's test id is
/// `{test_id_prefix}-{id}`.
#[component]
pub fn RadioChoices(
    #[prop(into)] legend: String,
    /// The radio group's name.
    name: &'static str,
    test_id_prefix: &'static str,
    options: Vec<Choice>,
    selected: RwSignal<String>,
) -> impl IntoView {
    view! {
        <fieldset class="choices">
            <legend>{legend}</legend>
            {options.into_iter().map(|o| {
                let id = o.id.clone();
                view! {
                    <label class="choice">
                        <input type="radio" name=name value=o.id.clone() checked=selected.get_untracked() == o.id
                            data-testid=format!("{test_id_prefix}-{}", o.id)
                            on:change=move |_| selected.set(id.clone()) />
                        <span>{o.name}</span>
                        <span class="muted">{o.detail}</span>
                    </label>
                }
            }).collect_view()}
        </fieldset>
    }
}
