//! Plays by priority, and the Growth settings (dismissal cooldown, offer lifetime).

use leptos::prelude::*;
use leptos_meta::Title;

use super::{StudioNav, outcome, with_config};
use crate::studio::api::{SavePlay, SaveSettings};
use crate::studio::model::{Config, PlayView};

/// `/studio/plays`: plays by priority, and Growth settings.
#[component]
pub fn StudioPlaysPage() -> impl IntoView {
    view! {
        <Title text="Plays · Studio" />
        <StudioNav current="/studio/plays" />
        {with_config(|c: Config| {
            let audiences: Vec<(String, String)> = c.audiences.iter().map(|a| (a.id.clone(), a.name.clone())).collect();
            let offers: Vec<(String, String)> = c.offers.iter().map(|o| (o.id.clone(), o.name.clone())).collect();
            let blank = PlayView {
                id: String::new(),
                name: String::new(),
                play_type: "expansion".into(),
                audience_id: String::new(),
                trigger: "any_page_load".into(),
                offer_id: offers.first().map(|o| o.0.clone()).unwrap_or_default(),
                priority: c.plays.len() as i64 + 1,
                status: "draft".into(),
            };
            view! {
                <section class="card">
                    <h2>"Settings"</h2>
                    <SettingsForm cooldown=c.dismiss_cooldown_hours ttl=c.offer_ttl_hours />
                </section>
                {c.plays.into_iter().map(|p| view! { <PlayEditor play=p audiences=audiences.clone() offers=offers.clone() /> }).collect_view()}
                <h2>"New play"</h2>
                <PlayEditor play=blank audiences offers />
            }
        })}
    }
}

/// Edits one play.
// Admin-only: loaded on demand from its own WASM chunk in split builds, so no one else downloads it.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
fn PlayEditor(play: PlayView, audiences: Vec<(String, String)>, offers: Vec<(String, String)>) -> impl IntoView {
    let action = ServerAction::<SavePlay>::new();
    let key = if play.id.is_empty() { "new".to_owned() } else { play.id.clone() };
    let select = |options: Vec<(String, String)>, current: String| {
        options
            .into_iter()
            .map(|(v, label)| {
                let selected = v == current;
                view! { <option value=v selected=selected>{label}</option> }
            })
            .collect_view()
    };
    let section_id = format!("play-{key}");
    let [name_id, priority_id, status_id, type_id, aud_id, offer_id] =
        ["name", "priority", "status", "type", "aud", "offer"].map(|f| format!("play-{f}-{key}"));
    view! {
        <section class="card" data-testid=section_id>
            <ActionForm action>
                <input type="hidden" name="play[id]" value=play.id.clone() />
                <div class="grid three">
                    <div>
                        <label for=name_id.clone()>"Name"</label>
                        <input id=name_id name="play[name]" value=play.name required />
                    </div>
                    <div>
                        <label for=priority_id.clone()>"Priority (1 is highest)"</label>
                        <input id=priority_id name="play[priority]" type="number" min="1" value=play.priority />
                    </div>
                    <div>
                        <label for=status_id.clone()>"Status"</label>
                        <select id=status_id name="play[status]">
                            {select(vec![("active".into(), "Active".into()), ("draft".into(), "Draft".into())], play.status)}
                        </select>
                    </div>
                    <div>
                        <label for=type_id.clone()>"Type"</label>
                        <select id=type_id name="play[play_type]">
                            {select(
                                vec![
                                    ("acquisition".into(), "Acquisition".into()),
                                    ("expansion".into(), "Expansion".into()),
                                    ("retention".into(), "Retention".into()),
                                ],
                                play.play_type,
                            )}
                        </select>
                    </div>
                    <div>
                        <label for=aud_id.clone()>"Audience"</label>
                        <select id=aud_id name="play[audience_id]">
                            {select(
                                std::iter::once((String::new(), "Everyone".to_owned())).chain(audiences).collect(),
                                play.audience_id,
                            )}
                        </select>
                    </div>
                    <div>
                        <label for=offer_id.clone()>"Offer"</label>
                        <select id=offer_id name="play[offer_id]">{select(offers, play.offer_id)}</select>
                    </div>
                </div>
                <input type="hidden" name="play[trigger]" value=play.trigger />
                <button type="submit" class="button primary" disabled=move || action.pending().get()>"Save play"</button>
            </ActionForm>
            {outcome(action.value())}
        </section>
    }
}

/// Dismissal cooldown and offer lifetime.
// Admin-only: loaded on demand from its own WASM chunk in split builds, so no one else downloads it.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
fn SettingsForm(cooldown: i64, ttl: i64) -> impl IntoView {
    let action = ServerAction::<SaveSettings>::new();
    view! {
        <ActionForm action>
            <div class="grid two">
                <div>
                    <label for="cooldown">"Cooldown after a dismissal (hours)"</label>
                    <input id="cooldown" name="dismiss_cooldown_hours" type="number" min="0" value=cooldown />
                </div>
                <div>
                    <label for="ttl">"Offer lifetime, expires_at (hours)"</label>
                    <input id="ttl" name="offer_ttl_hours" type="number" min="1" value=ttl />
                </div>
            </div>
            <button type="submit" class="button" disabled=move || action.pending().get()>"Save settings"</button>
        </ActionForm>
        {outcome(action.value())}
    }
}
