//! Custom field mappings and audiences.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use super::{StudioNav, outcome, with_config};
use crate::studio::api::{SaveField, save_audience};
use crate::studio::model::{AudienceView, Config, RuleView};

/// `/studio/audiences`: custom field mappings and audiences.
#[component]
pub fn StudioAudiencesPage() -> impl IntoView {
    view! {
        <Title text="Fields & audiences · Studio" />
        <StudioNav current="/studio/audiences" />
        {with_config(|c: Config| {
            let props = c.properties.clone();
            let ops = c.operators.clone();
            view! {
                <section class="card">
                    <h2>"Custom fields"</h2>
                    <table class="table">
                        <thead><tr><th scope="col">"Label"</th><th scope="col">"Key"</th><th scope="col">"Type"</th></tr></thead>
                        <tbody>
                            {c.fields.into_iter().map(|f| view! {
                                <tr><td>{f.label}</td><td><code>{f.key}</code></td><td>{f.data_type}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <FieldForm />
                </section>
                {c.audiences.into_iter().map(|a| view! { <AudienceEditor audience=a properties=props.clone() operators=ops.clone() /> }).collect_view()}
                <h2>"New audience"</h2>
                <AudienceEditor
                    audience=AudienceView { id: String::new(), name: String::new(), match_type: "all".into(), rules: vec![] }
                    properties=c.properties
                    operators=c.operators
                />
            }
        })}
    }
}

/// Maps a new custom field.
// Admin-only: loaded on demand from its own WASM chunk in split builds, so no one else downloads it.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
fn FieldForm() -> impl IntoView {
    let action = ServerAction::<SaveField>::new();
    view! {
        <h3>"Map a field"</h3>
        <ActionForm action>
            <input type="hidden" name="id" value="" />
            <div class="grid three">
                <div>
                    <label for="field-label">"Label"</label>
                    <input id="field-label" name="label" placeholder="Has advanced analytics" required />
                </div>
                <div>
                    <label for="field-key">"Key"</label>
                    <input id="field-key" name="key" placeholder="custom.has_advanced_analytics" required />
                </div>
                <div>
                    <label for="field-type">"Type"</label>
                    <select id="field-type" name="data_type">
                        <option value="boolean">"Boolean"</option>
                        <option value="number">"Number"</option>
                        <option value="string">"String"</option>
                    </select>
                </div>
            </div>
            <button type="submit" class="button" disabled=move || action.pending().get()>"Add field"</button>
        </ActionForm>
        {outcome(action.value())}
    }
}

/// Edits an audience: its match type and a list of rules.
// Admin-only: loaded on demand from its own WASM chunk in split builds, so no one else downloads it.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
fn AudienceEditor(audience: AudienceView, properties: Vec<String>, operators: Vec<(String, String)>) -> impl IntoView {
    let id = audience.id.clone();
    let key = if id.is_empty() { "new".to_owned() } else { id.clone() };
    let name = RwSignal::new(audience.name);
    let match_type = RwSignal::new(audience.match_type);
    let next = StoredValue::new(audience.rules.len());
    let rules = RwSignal::new(audience.rules.into_iter().enumerate().collect::<Vec<(usize, RuleView)>>());
    let status = RwSignal::new(None::<Result<&'static str, String>>);
    let properties = StoredValue::new(properties);
    let operators = StoredValue::new(operators);

    let add = move |_| {
        let n = next.get_value();
        next.set_value(n + 1);
        let property = properties.with_value(|p| p.first().cloned().unwrap_or_default());
        rules.update(|r| r.push((n, RuleView { property, operator: "is".into(), value: String::new() })));
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let list: Vec<RuleView> = rules.get_untracked().into_iter().map(|(_, r)| r).collect();
        let json = serde_json::to_string(&list).unwrap_or_default();
        let id = id.clone();
        spawn_local(async move {
            match save_audience(id.clone(), name.get_untracked(), match_type.get_untracked(), json).await {
                Ok(()) if id.is_empty() => {
                    let _ = window().location().reload();
                }
                Ok(()) => status.set(Some(Ok("Saved."))),
                Err(e) => status.set(Some(Err(e.to_string()))),
            }
        });
    };
    let edit = move |n: usize, f: fn(&mut RuleView, String)| {
        move |ev: leptos::ev::Event| {
            let v = event_target_value(&ev);
            rules.update(|r| {
                if let Some((_, rule)) = r.iter_mut().find(|(i, _)| *i == n) {
                    f(rule, v);
                }
            });
        }
    };
    view! {
        <section class="card" data-testid=format!("audience-{key}")>
            <form on:submit=save>
                <div class="grid two">
                    <div>
                        <label for=format!("aud-name-{key}")>"Audience name"</label>
                        <input id=format!("aud-name-{key}") prop:value=name on:input=move |ev| name.set(event_target_value(&ev)) />
                    </div>
                    <div>
                        <label for=format!("aud-match-{key}")>"Match"</label>
                        <select id=format!("aud-match-{key}") prop:value=match_type on:change=move |ev| match_type.set(event_target_value(&ev))>
                            <option value="all">"All rules"</option>
                            <option value="any">"Any rule"</option>
                        </select>
                    </div>
                </div>
                <For each=move || rules.get() key=|(n, _)| *n let((n, rule))>
                    <div class="rule-row">
                        <select aria-label="Property" prop:value=rule.property.clone() on:change=edit(n, |r, v| r.property = v)>
                            {properties.get_value().into_iter().map(|p| view! { <option value=p.clone()>{p.clone()}</option> }).collect_view()}
                        </select>
                        <select aria-label="Operator" prop:value=rule.operator.clone() on:change=edit(n, |r, v| r.operator = v)>
                            {operators.get_value().into_iter().map(|(v, w)| view! { <option value=v>{w}</option> }).collect_view()}
                        </select>
                        <input aria-label="Value" prop:value=rule.value.clone() on:input=edit(n, |r, v| r.value = v) />
                        <button type="button" class="button" aria-label="Remove rule" on:click=move |_| rules.update(|r| r.retain(|(i, _)| *i != n))>"Remove"</button>
                    </div>
                </For>
                <div class="offer-actions">
                    <button type="button" class="button" on:click=add>"Add rule"</button>
                    <button type="submit" class="button primary">"Save audience"</button>
                </div>
                {move || status.get().map(|s| match s {
                    Ok(m) => view! { <p class="notice success" role="status">{m}</p> }.into_any(),
                    Err(e) => view! { <p class="notice error" role="alert">{e}</p> }.into_any(),
                })}
            </form>
        </section>
    }
}
