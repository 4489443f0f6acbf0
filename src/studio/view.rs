//! Studio pages. Tables and charts render on the server; editors are islands.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_meta::Title;

use super::api::{
    SaveField, SaveGiftSettings, SavePlay, SaveSettings, dry_run, preview_offer, save_audience, save_offer,
    studio_config, studio_gifts, studio_overview, studio_reschedule_gift, travel,
};
use super::model::{
    AudienceView, Config, DryRunView, Funnel, GiftsConsole, OfferEdit, Overview, PlayView, PreviewHtml, RuleView,
};
use crate::error::AppError;
use crate::ui::feedback::{ErrorNote, Loading};
use growthkit_clock::calendar::utc;

/// Tabs across the studio pages.
#[component]
fn StudioNav(current: &'static str) -> impl IntoView {
    let tabs = [
        ("/studio", "Overview"),
        ("/studio/offers", "Offers"),
        ("/studio/audiences", "Fields & audiences"),
        ("/studio/plays", "Plays & settings"),
        ("/studio/dry-run", "Dry run"),
        ("/studio/gifts", "Gifts"),
    ];
    view! {
        <header class="page-header">
            <h1>"Studio"</h1>
            <nav class="tabs" aria-label="Studio">
                {tabs
                    .into_iter()
                    .map(|(href, label)| {
                        let here = href == current;
                        view! {
                            <a href=href class:active=here aria-current=here.then_some("page")>
                                {label}
                            </a>
                        }
                    })
                    .collect_view()}
            </nav>
        </header>
    }
}

/// Renders a page body once the studio configuration has loaded.
fn with_config<V: IntoView + 'static>(render: impl Fn(Config) -> V + Send + Sync + Copy + 'static) -> impl IntoView {
    let config = Resource::new(|| (), |_| studio_config());
    view! {
        <Suspense fallback=|| view! { <Loading what="the studio" /> }>
            {move || Suspend::new(async move {
                match config.await {
                    Ok(c) => render(c).into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// `/studio`: funnels, latest fulfillments and time travel.
#[component]
pub fn StudioOverviewPage() -> impl IntoView {
    let overview = Resource::new(|| (), |_| studio_overview());
    view! {
        <Title text="Studio" />
        <StudioNav current="/studio" />
        <Suspense fallback=|| view! { <Loading what="the studio" /> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Ok(o) => view! { <OverviewBody overview=o /> }.into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn OverviewBody(overview: Overview) -> impl IntoView {
    let Overview { funnels, fulfillments, now, offset_seconds } = overview;
    view! {
        <div class="grid">
            <section class="card" aria-labelledby="time-heading">
                <h2 id="time-heading">"Engine time"</h2>
                <TimeTravel now offset_seconds />
            </section>
        </div>
        {funnels
            .into_iter()
            .map(|f| view! { <FunnelCard funnel=f /> })
            .collect_view()}
        <section class="card" aria-labelledby="fulfillments-heading">
            <h2 id="fulfillments-heading">"Latest fulfillments"</h2>
            {if fulfillments.is_empty() {
                view! { <p class="muted">"No offer has been accepted yet."</p> }.into_any()
            } else {
                view! {
                    <table class="table" data-testid="studio-fulfillments">
                        <thead>
                            <tr>
                                <th scope="col">"Fulfillment"</th>
                                <th scope="col">"Offer"</th>
                                <th scope="col">"Subscription"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Created"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {fulfillments
                                .into_iter()
                                .map(|f| {
                                    let row = format!("fulfillment-{}", f.id);
                                    view! {
                                        <tr data-testid=row>
                                            <td><code>{f.id}</code></td>
                                            <td>{f.offer_name}</td>
                                            <td>{f.subscription}</td>
                                            <td>
                                                <span class=format!("status status-{}", f.status)>{f.status.clone()}</span>
                                                {f.error_message.map(|m| view! { <div class="muted small">{m}</div> })}
                                            </td>
                                            <td>{utc(f.created_at)}</td>
                                        </tr>
                                    }
                                })
                                .collect_view()}
                        </tbody>
                    </table>
                }
                    .into_any()
            }}
        </section>
    }
}

/// One offer's funnel as a table and a bar chart.
#[component]
fn FunnelCard(funnel: Funnel) -> impl IntoView {
    let stages = funnel.stages();
    let max = stages.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
    let bar_height = 26;
    let chart_height = stages.len() as i64 * (bar_height + 8);
    view! {
        <section class="card funnel" data-testid=format!("funnel-{}", funnel.offer_id)>
            <h2>{format!("Funnel · {}", funnel.offer_name)}</h2>
            <div class="funnel-body">
                <table class="table">
                    <tbody>
                        {stages
                            .iter()
                            .map(|(label, n)| {
                                view! {
                                    <tr data-testid=format!("funnel-{}", label.to_lowercase())>
                                        <th scope="row">{*label}</th>
                                        <td class="num">{*n}</td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
                <svg
                    class="funnel-chart"
                    viewBox=format!("0 0 420 {chart_height}")
                    role="img"
                    aria-label=format!("Funnel of {}", funnel.offer_name)
                >
                    {stages
                        .iter()
                        .enumerate()
                        .map(|(i, (label, n))| {
                            let y = i as i64 * (bar_height + 8);
                            let width = 10 + (300 * n / max);
                            view! {
                                <g>
                                    <text x="0" y=y + 18 class="chart-label">{*label}</text>
                                    <rect x="90" y=y width=width height=bar_height rx="4" class=format!("bar bar-{}", label.to_lowercase()) />
                                    <text x=95 + width y=y + 18 class="chart-value">{*n}</text>
                                </g>
                            }
                        })
                        .collect_view()}
                </svg>
            </div>
        </section>
    }
}

/// Moves the engine's clock forward; everything time-based follows.
// Admin-only: loaded on demand from its own WASM chunk in split builds, so no one else downloads it.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
fn TimeTravel(now: i64, offset_seconds: i64) -> impl IntoView {
    let now = RwSignal::new(now);
    let offset = RwSignal::new(offset_seconds);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let go = move |hours: i64| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match travel(hours).await {
                Ok(t) => {
                    offset.update(|o| *o += t - now.get_untracked());
                    now.set(t);
                    error.set(None);
                    // Funnels and fulfillments changed with time: show them as they are now.
                    let _ = window().location().reload();
                }
                Err(e) => error.set(Some(e.to_string())),
            }
            busy.set(false);
        });
    };
    view! {
        <div data-testid="time-travel">
            <p>
                "Now: " <strong data-testid="engine-now">{move || utc(now.get())}</strong>
                <span class="muted small">
                    {move || format!(" ({} days ahead of real time)", offset.get() / 86_400)}
                </span>
            </p>
            <div class="offer-actions">
                {[(24, "+1 day"), (72, "+3 days"), (192, "+8 days"), (720, "+30 days")]
                    .into_iter()
                    .map(|(h, label)| {
                        view! {
                            <button type="button" class="button" disabled=move || busy.get() on:click=move |_| go(h)>
                                {label}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        </div>
    }
}

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

/// Shows a form action's outcome; a success reloads the page so lists show the change.
fn outcome<S>(value: S) -> impl IntoView
where
    S: Get<Value = Option<Result<(), AppError>>> + Copy + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if matches!(value.get(), Some(Ok(_))) {
            let _ = window().location().reload();
        }
    });
    move || match value.get() {
        Some(Err(e)) => Some(view! { <p class="notice error" role="alert">{e.to_string()}</p> }),
        _ => None,
    }
}

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

/// `/studio/dry-run`: why each play would win or lose for a given request.
#[component]
pub fn StudioDryRunPage() -> impl IntoView {
    view! {
        <Title text="Dry run · Studio" />
        <StudioNav current="/studio/dry-run" />
        <section class="card">
            <p class="muted">"Decide for a made-up request without recording anything: every play with the reason it won or lost."</p>
            <DryRun />
        </section>
    }
}

// Admin-only: loaded on demand from its own WASM chunk in split builds, so no one else downloads it.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
fn DryRun() -> impl IntoView {
    let customer = RwSignal::new("demo_acme".to_owned());
    let subscription = RwSignal::new("demo_acme_sub".to_owned());
    let custom = RwSignal::new("has_advanced_analytics = false".to_owned());
    let locale = RwSignal::new("en-US".to_owned());
    let result = RwSignal::new(None::<Result<DryRunView, String>>);
    let busy = RwSignal::new(false);
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        spawn_local(async move {
            let r = dry_run(
                customer.get_untracked(),
                subscription.get_untracked(),
                custom.get_untracked(),
                locale.get_untracked(),
            )
            .await;
            result.set(Some(r.map_err(|e| e.to_string())));
            busy.set(false);
        });
    };
    let bind = move |sig: RwSignal<String>| move |ev: leptos::ev::Event| sig.set(event_target_value(&ev));
    view! {
        <form on:submit=run data-testid="dry-run" data-hydrated=move || hydrated.get().to_string()>
            <div class="grid three">
                <div>
                    <label for="dr-customer">"Customer id"</label>
                    <input id="dr-customer" prop:value=customer on:input=bind(customer) />
                </div>
                <div>
                    <label for="dr-sub">"Subscription id"</label>
                    <input id="dr-sub" prop:value=subscription on:input=bind(subscription) />
                </div>
                <div>
                    <label for="dr-locale">"Locale"</label>
                    <input id="dr-locale" prop:value=locale on:input=bind(locale) />
                </div>
            </div>
            <label for="dr-custom">"Custom signals (one name = value per line)"</label>
            <textarea id="dr-custom" rows="3" prop:value=custom on:input=bind(custom) data-testid="dry-run-custom"></textarea>
            <button type="submit" class="button primary" disabled=move || busy.get()>"Run decision"</button>
        </form>
        {move || result.get().map(|r| match r {
            Err(e) => view! { <p class="notice error" role="alert">{e}</p> }.into_any(),
            Ok(d) => view! {
                <p data-testid="dry-run-winner">
                    {match d.winner {
                        Some(w) => format!("Winner: {w}"),
                        None => "No offer: every play lost.".to_owned(),
                    }}
                </p>
                <table class="table" data-testid="dry-run-table">
                    <thead><tr><th scope="col">"Priority"</th><th scope="col">"Play"</th><th scope="col">"Offer"</th><th scope="col">"Verdict"</th></tr></thead>
                    <tbody>
                        {d.verdicts.into_iter().map(|v| view! {
                            <tr class:won=v.won>
                                <td>{v.priority}</td>
                                <td>{v.play_name}</td>
                                <td><code>{v.offer_id}</code></td>
                                <td>{v.reason}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any(),
        })}
    }
}

/// `/studio/gifts`: subscriptions with an "is gift" and a status filter, gift notification dates,
/// the site's gift settings, and time travel.
#[component]
pub fn StudioGiftsPage() -> impl IntoView {
    let query = leptos_router::hooks::use_query_map();
    let filter = move || {
        query.with(|q| (q.get("is_gift").unwrap_or_else(|| "true".into()), q.get("status").unwrap_or_default()))
    };
    let data = Resource::new(filter, |(is_gift, status)| studio_gifts(is_gift, status));
    view! {
        <Title text="Gifts · Studio" />
        <StudioNav current="/studio/gifts" />
        <Suspense fallback=|| view! { <Loading what="gift subscriptions" /> }>
            {move || Suspend::new(async move {
                let (is_gift, status) = filter();
                match data.await {
                    Ok(g) => view! { <GiftsBody gifts=g is_gift status /> }.into_any(),
                    Err(error) => view! { <ErrorNote error /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn GiftsBody(gifts: GiftsConsole, is_gift: String, status: String) -> impl IntoView {
    let GiftsConsole { subscriptions, settings, now, offset_seconds } = gifts;
    let option = |value: &'static str, label: &'static str, current: &str| {
        view! { <option value=value selected=current == value>{label}</option> }
    };
    view! {
        <section class="card">
            <h2>"Subscriptions"</h2>
            <form method="get" action="/studio/gifts" class="row" data-testid="gift-filter">
                <div>
                    <label for="is-gift">"Is gift"</label>
                    <select id="is-gift" name="is_gift" data-testid="filter-is-gift">
                        {option("true", "True", &is_gift)}
                        {option("false", "False", &is_gift)}
                        {option("", "Any", &is_gift)}
                    </select>
                </div>
                <div>
                    <label for="sub-status">"Status"</label>
                    <select id="sub-status" name="status" data-testid="filter-status">
                        {option("", "Any", &status)}
                        {option("future", "Future", &status)}
                        {option("non_renewing", "Non renewing", &status)}
                        {option("active", "Active", &status)}
                        {option("cancelled", "Cancelled", &status)}
                    </select>
                </div>
                <button type="submit" class="button" data-testid="apply-filter">"Apply filter"</button>
            </form>
            {if subscriptions.is_empty() {
                view! { <p class="muted" data-testid="no-subscriptions">"No subscriptions match this filter."</p> }.into_any()
            } else {
                view! {
                    <table class="table" data-testid="gift-subscriptions">
                        <thead>
                            <tr>
                                <th scope="col">"Subscription"</th>
                                <th scope="col">"Plan"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Gift"</th>
                                <th scope="col">"Recipient"</th>
                                <th scope="col">"Notification"</th>
                            </tr>
                        </thead>
                        <tbody>
                            {subscriptions.into_iter().map(|s| {
                                let gift = s.gift.clone();
                                view! {
                                    <tr data-testid="subscription-row" data-status=s.status.clone()>
                                        <td><code>{s.id.clone()}</code><br /><span class="muted small">{s.customer_id.clone()}</span></td>
                                        <td>{s.plan.clone()}</td>
                                        <td data-testid="subscription-status">{s.status.clone()}</td>
                                        <td data-testid="row-gift-status">{gift.as_ref().map(|g| g.status.clone()).unwrap_or_else(|| "—".into())}</td>
                                        <td>{gift.as_ref().map(|g| g.receiver_email.clone()).unwrap_or_default()}</td>
                                        <td>
                                            {gift.map(|g| {
                                                let scheduled = g.status == "scheduled";
                                                view! {
                                                    <span data-testid="row-notify">{utc(g.scheduled_at)}</span>
                                                    {scheduled.then(|| view! {
                                                        <StudioReschedule gift_id=g.id.clone() now before=g.claim_expiry_date />
                                                    })}
                                                }
                                            })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any()
            }}
        </section>
        <section class="card">
            <h2>"Gift settings"</h2>
            <GiftSettingsForm settings />
        </section>
        <section class="card">
            <h2>"Time travel"</h2>
            <TimeTravel now offset_seconds />
        </section>
    }
}

/// A new notification time for a scheduled gift, in hours from now.
// Admin-only: loaded on demand from its own WASM chunk in split builds.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
fn StudioReschedule(gift_id: String, now: i64, before: Option<i64>) -> impl IntoView {
    let gift_id = StoredValue::new(gift_id);
    let hours = RwSignal::new("24".to_owned());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let latest = before.map(|b| (b - now) / 3_600);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(h) = hours.get_untracked().trim().parse::<i64>() else {
            error.set(Some("Enter a whole number of hours.".into()));
            return;
        };
        if h < 1 {
            error.set(Some("Choose at least 1 hour from now.".into()));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match studio_reschedule_gift(gift_id.get_value(), now + h * 3_600).await {
                Ok(()) => {
                    let _ = window().location().reload();
                }
                Err(e) => {
                    error.set(Some(e.to_string()));
                    busy.set(false);
                }
            }
        });
    };
    view! {
        <form class="inline-form" on:submit=save data-testid="studio-reschedule">
            <label>
                "In "
                <input type="number" min="1" max=latest.map(|l| l.to_string()) class="narrow-input" data-testid="reschedule-hours"
                    on:input=move |ev| hours.set(event_target_value(&ev)) prop:value=hours />
                " hours"
            </label>
            <button type="submit" class="button" disabled=move || busy.get() data-testid="reschedule-save">"Change"</button>
            {move || error.get().map(|e| view! { <p class="notice error" role="alert">{e}</p> })}
        </form>
    }
}

/// The site's gift settings (Chargebee: Settings › Gift Subscription and its checkout options).
// Admin-only: loaded on demand from its own WASM chunk in split builds.
#[cfg_attr(feature = "hydrate", island(lazy))]
#[cfg_attr(not(feature = "hydrate"), island)]
fn GiftSettingsForm(settings: crate::gifts::model::GiftSettings) -> impl IntoView {
    let action = ServerAction::<SaveGiftSettings>::new();
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));
    let flag = |name: &'static str, label: &'static str, on: bool| {
        view! {
            <label class="check">
                <input type="checkbox" name=format!("input[{name}]") checked=on data-testid=format!("setting-{name}") />
                {label}
            </label>
        }
    };
    view! {
        <ActionForm action>
            <div class="grid two" data-testid="gift-settings" data-hydrated=move || hydrated.get().to_string()>
                {flag("enabled", "Gift subscriptions are on (turning off keeps existing gifts)", settings.enabled)}
                {flag("auto_claim", "Auto-claim on the notification date (no claim e-mail)", settings.auto_claim)}
                {flag("no_expiry", "Gifts never expire", settings.no_expiry)}
                {flag("gifter_may_schedule", "Gifters may choose when the gift is sent", settings.gifter_may_schedule)}
                {flag("gifter_enters_shipping", "Gifters enter the shipping address for shippable plans", settings.gifter_enters_shipping)}
                {flag("gifter_may_cancel", "Gifters may cancel until the recipient is notified", settings.gifter_may_cancel)}
                {flag("recipient_may_cancel", "Recipients may cancel their gift", settings.recipient_may_cancel)}
                <div>
                    <label for="claim-days">"All gifts must be claimed within (days, 1–365)"</label>
                    <input id="claim-days" name="input[claim_within_days]" type="number" min="1" max="365"
                        value=settings.claim_within_days data-testid="setting-claim-days" />
                </div>
                <div>
                    <label for="reminder-days">"Claim reminder after (days, 1–365)"</label>
                    <input id="reminder-days" name="input[reminder_after_days]" type="number" min="1" max="365"
                        value=settings.reminder_after_days data-testid="setting-reminder-days" />
                </div>
            </div>
            <button type="submit" class="button primary" data-testid="save-gift-settings"
                disabled=move || action.pending().get()>"Save gift settings"</button>
        </ActionForm>
        {outcome(action.value())}
    }
}
