//! `/outbox`: the e-mails the app has written, newest first.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::outbox;
use crate::ui::feedback::loaded;
use growthkit_clock::calendar::utc;

#[component]
pub fn OutboxPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| outbox());
    view! {
        <Title text="Outbox" />
        <header class="page-header">
            <h1>"Outbox"</h1>
        </header>
        {loaded(data, "the outbox", move |view| {
                        let scope = if view.everyone { "every e-mail Growthkit has written" } else { "e-mails sent to you" };
                        let delivery = if view.smtp { "delivered by SMTP" } else { "kept here only (no SMTP server is configured)" };
                        view! {
                            <p class="muted" data-testid="outbox-scope">{format!("Showing {scope}, {delivery}.")}</p>
                            {if view.messages.is_empty() {
                                view! { <p class="card" data-testid="outbox-empty">"No e-mails yet."</p> }.into_any()
                            } else {
                                view.messages.into_iter().map(|m| view! {
                                    <article class="card mail" data-testid="outbox-message" data-kind=m.kind.clone()
                                        data-to=m.to_address.clone()>
                                        <header>
                                            <h2 data-testid="outbox-subject">{m.subject.clone()}</h2>
                                            <p class="muted small">
                                                {format!("To {} <{}> · {} · {}", m.to_name, m.to_address, utc(m.due_at), m.status)}
                                            </p>
                                        </header>
                                        <pre class="mail-body">{m.body.clone()}</pre>
                                        {m.link.clone().map(|l| view! {
                                            <p><a class="button" href=l data-testid="outbox-link">"Open the link"</a></p>
                                        })}
                                    </article>
                                }).collect_view().into_any()
                            }}
                        }.into_any()
                })}
    }
}
