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
                processing_type: "url_redirect".into(),
                item_price_id: String::new(),
                preview: PreviewHtml::default(),
            };
            let plans = c.plans;
            view! {
                {c.offers.into_iter().map(|offer| view! { <OfferEditor offer plans=plans.clone() /> }).collect_view()}
                <h2>"New offer"</h2>
                <OfferEditor offer=blank plans />
            }
        })}
    }
}

/// The processing types an option can have, as (value, words).
const PROCESSING: [(&str, &str); 5] = [
    ("url_redirect", "URL redirect (our own upgrade page)"),
    ("billing_update", "Billing update (billing changes the plan)"),
    ("checkout", "Checkout (billing's hosted page)"),
    ("webhook", "Webhook (our server fulfils)"),
    ("email", "E-mail (billing mails the offer)"),
];

fn processing_note(kind: &str) -> &'static str {
    match kind {
        "billing_update" => {
            "Billing moves the subscription to the plan with the card on file; the redirect URL is where the customer waits."
        }
        "checkout" => {
            "The customer pays on billing's hosted page, then returns to the redirect URL (a full http(s) address)."
        }
        "webhook" => {
            "Billing sends offer_fulfillment_created to our webhook; our server upgrades with the card on file."
        }
        _ => "The customer goes to the redirect URL, pays there, and our server completes the fulfillment.",
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
fn OfferEditor(offer: OfferEdit, plans: Vec<(String, String)>) -> impl IntoView {
    let id = offer.id.clone();
    let is_new = id.is_empty();
    let name = RwSignal::new(offer.name);
    let title = RwSignal::new(offer.title_html);
    let description = RwSignal::new(offer.description_html);
    let option_id = offer.option_id;
    let label = RwSignal::new(offer.option_label);
    let redirect = RwSignal::new(offer.redirect_url);
    let processing = RwSignal::new(offer.processing_type);
    let plan = RwSignal::new(offer.item_price_id);
    let needs_plan = move || matches!(processing.get().as_str(), "billing_update" | "checkout");
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
            let offer = OfferEdit {
                id,
                name: name.get_untracked(),
                title_html: title.get_untracked(),
                description_html: description.get_untracked(),
                option_id,
                option_label: label.get_untracked(),
                redirect_url: redirect.get_untracked(),
                processing_type: processing.get_untracked(),
                item_price_id: plan.get_untracked(),
                preview: PreviewHtml::default(),
            };
            let result = save_offer(offer).await;
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
                        <div class="grid two">
                            <div>
                                <label for=format!("processing-{key}")>"Processing"</label>
                                <select id=format!("processing-{key}") prop:value=processing on:change=text(processing, false)>
                                    {PROCESSING.iter().map(|(value, words)| view! { <option value=*value>{*words}</option> }).collect_view()}
                                </select>
                            </div>
                            <div>
                                <label for=format!("plan-{key}")>"Plan to move to"</label>
                                <select id=format!("plan-{key}") prop:value=plan on:change=text(plan, false) disabled=move || !needs_plan()>
                                    <option value="">"—"</option>
                                    {plans.into_iter().map(|(id, words)| view! { <option value=id>{words}</option> }).collect_view()}
                                </select>
                            </div>
                        </div>
                        <p class="muted small">{move || processing_note(&processing.get())}</p>
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
