//! Offers: each one editable, previewed as banner, inline callout and modal with live, sanitized copy.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use super::{StudioNav, with_config};
use crate::studio::api::{preview_offer, save_offer};
use crate::studio::model::{Config, OfferEdit, PreviewHtml};

/// `/studio/offers`: every offer, editable, previewed in all three patterns.
#[component]
pub fn StudioOffersPage() -> impl IntoView {
    view! {
        <Title text="Offers · Studio" />
        <StudioNav current="/studio/offers" />
        {with_config(|c: Config| {
            let blank = OfferEdit {
                id: String::new(),
                name: String::new(),
                title_html: String::new(),
                description_html: String::new(),
                option_id: String::new(),
                option_label: "Accept".into(),
                redirect_url: "/upgrade/analytics".into(),
                preview: PreviewHtml::default(),
            };
            view! {
                {c.offers.into_iter().map(|offer| view! { <OfferEditor offer /> }).collect_view()}
                <h2>"New offer"</h2>
                <OfferEditor offer=blank />
            }
        })}
    }
}

/// Static frames showing offer copy as a banner, an inline callout and a modal.
#[component]
fn OfferPreviews(preview: RwSignal<PreviewHtml>, label: Signal<String>) -> impl IntoView {
    let frame = move |class: &'static str, testid: &'static str| {
        view! {
            <div class=format!("offer {class}") data-testid=testid>
                <div class="offer-title" inner_html=move || preview.get().title_html></div>
                <div class="offer-description" inner_html=move || preview.get().description_html></div>
                <div class="offer-actions">
                    <span class="button primary">{move || label.get()}</span>
                    <span class="button">"Maybe later"</span>
                </div>
            </div>
        }
    };
    view! {
        <div class="previews">
            <div>
                <h3 class="small muted">"Banner"</h3>
                {frame("banner", "preview-banner")}
            </div>
            <div>
                <h3 class="small muted">"Inline callout"</h3>
                {frame("inline", "preview-inline")}
            </div>
            <div>
                <h3 class="small muted">"Modal"</h3>
                <div class="modal-frame">{frame("modal", "preview-modal")}</div>
            </div>
        </div>
    }
}

/// Edits one offer; the previews follow the copy as it is typed (sanitized by the server).
// Admin-only: loaded on demand from its own WASM chunk in split builds, so no one else downloads it.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
fn OfferEditor(offer: OfferEdit) -> impl IntoView {
    let id = offer.id.clone();
    let is_new = id.is_empty();
    let name = RwSignal::new(offer.name);
    let title = RwSignal::new(offer.title_html);
    let description = RwSignal::new(offer.description_html);
    let option_id = offer.option_id;
    let label = RwSignal::new(offer.option_label);
    let redirect = RwSignal::new(offer.redirect_url);
    let preview = RwSignal::new(offer.preview);
    let status = RwSignal::new(None::<Result<&'static str, String>>);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    let generation = StoredValue::new(0u64);
    Effect::new(move |_| hydrated.set(true));

    let refresh = move || {
        let this = generation.get_value() + 1;
        generation.set_value(this);
        let (t, d) = (title.get_untracked(), description.get_untracked());
        spawn_local(async move {
            if let Ok(p) = preview_offer(t, d).await
                && generation.get_value() == this
            {
                preview.set(p);
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let (id, option_id) = (id.clone(), option_id.clone());
        spawn_local(async move {
            let result = save_offer(
                id,
                name.get_untracked(),
                title.get_untracked(),
                description.get_untracked(),
                option_id,
                label.get_untracked(),
                redirect.get_untracked(),
            )
            .await;
            busy.set(false);
            match result {
                Ok(()) if is_new => {
                    let _ = window().location().reload();
                }
                Ok(()) => status.set(Some(Ok("Saved."))),
                Err(e) => status.set(Some(Err(e.to_string()))),
            }
        });
    };
    let text = move |sig: RwSignal<String>, live: bool| {
        move |ev: leptos::ev::Event| {
            sig.set(event_target_value(&ev));
            status.set(None);
            if live {
                refresh();
            }
        }
    };
    let key = if is_new { "new".to_owned() } else { offer.id.clone() };
    view! {
        <section class="card offer-editor" data-testid=format!("offer-editor-{key}") data-hydrated=move || hydrated.get().to_string()>
            <form on:submit=save>
                <div class="grid two">
                    <div>
                        <label for=format!("name-{key}")>"Name"</label>
                        <input id=format!("name-{key}") prop:value=name on:input=text(name, false) required />
                        <label for=format!("title-{key}")>"Title (HTML)"</label>
                        <textarea id=format!("title-{key}") rows="2" prop:value=title on:input=text(title, true) data-testid="offer-title-input"></textarea>
                        <label for=format!("desc-{key}")>"Description (HTML)"</label>
                        <textarea id=format!("desc-{key}") rows="3" prop:value=description on:input=text(description, true)></textarea>
                        <div class="grid two">
                            <div>
                                <label for=format!("label-{key}")>"Button label"</label>
                                <input id=format!("label-{key}") prop:value=label on:input=text(label, false) />
                            </div>
                            <div>
                                <label for=format!("url-{key}")>"Redirect URL"</label>
                                <input id=format!("url-{key}") prop:value=redirect on:input=text(redirect, false) />
                            </div>
                        </div>
                        <p class="muted small">"Processing: URL redirect — our own upgrade flow fulfils it."</p>
                        <button type="submit" class="button primary" disabled=move || busy.get()>
                            {if is_new { "Create offer" } else { "Save offer" }}
                        </button>
                        {move || status.get().map(|s| match s {
                            Ok(m) => view! { <p class="notice success" role="status">{m}</p> }.into_any(),
                            Err(e) => view! { <p class="notice error" role="alert">{e}</p> }.into_any(),
                        })}
                    </div>
                    <OfferPreviews preview label=Signal::derive(move || label.get()) />
                </div>
            </form>
        </section>
    }
}
