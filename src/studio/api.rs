//! Studio server functions. Every one requires a signed-in product-team member.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use super::model::{Config, DryRunView, Overview, PreviewHtml};
use crate::error::AppError;

/// `GET /api/studio/overview`: funnels, latest fulfillments, the engine's time.
#[server(prefix = "/api/studio", endpoint = "overview", input = GetUrl)]
pub async fn studio_overview() -> Result<Overview, AppError> {
    use crate::request::{admin, respond};
    respond(async { super::service::overview(&admin().await?.0).await }.await)
}

/// `GET /api/studio/config`: everything the configuration pages edit.
#[server(prefix = "/api/studio", endpoint = "config", input = GetUrl)]
pub async fn studio_config() -> Result<Config, AppError> {
    use crate::request::{admin, respond};
    respond(async { super::service::config(&admin().await?.0).await }.await)
}

/// `POST /api/studio/save_field`: creates (empty id) or updates a custom field mapping.
#[server(prefix = "/api/studio", endpoint = "save_field")]
pub async fn save_field(id: String, label: String, data_type: String, key: String) -> Result<(), AppError> {
    use crate::request::{respond, studio_editor};
    respond(
        async {
            super::service::save_field(
                &studio_editor().await?.0.engine,
                super::model::FieldView { id, label, data_type, key },
            )
            .await
        }
        .await,
    )
}

/// `POST /api/studio/save_audience` (`rules` is a JSON list of `{property, operator, value}`).
#[server(prefix = "/api/studio", endpoint = "save_audience")]
pub async fn save_audience(id: String, name: String, match_type: String, rules: String) -> Result<(), AppError> {
    use crate::request::{respond, studio_editor};
    respond(
        async {
            let (state, _) = studio_editor().await?;
            let rules: Vec<super::model::RuleView> =
                serde_json::from_str(&rules).map_err(|_| AppError::invalid("The rules could not be read."))?;
            super::service::save_audience(&state.engine, super::model::AudienceView { id, name, match_type, rules })
                .await
        }
        .await,
    )
}

/// `POST /api/studio/save_offer` (form fields `offer[id]`, `offer[name]`, …): creates (empty id) or updates an
/// offer's copy and first option.
#[server(prefix = "/api/studio", endpoint = "save_offer")]
pub async fn save_offer(offer: super::model::OfferEdit) -> Result<(), AppError> {
    use crate::request::{respond, studio_editor};
    respond(async { super::service::save_offer(&studio_editor().await?.0.engine, offer).await }.await)
}

/// `POST /api/studio/save_play` (form fields `play[id]`, `play[name]`, …): creates or updates a play.
#[server(prefix = "/api/studio", endpoint = "save_play")]
pub async fn save_play(play: super::model::PlayView) -> Result<(), AppError> {
    use crate::request::{respond, studio_editor};
    respond(async { super::service::save_play(&studio_editor().await?.0.engine, play).await }.await)
}

/// `POST /api/studio/save_settings`: dismissal cooldown and offer lifetime, in hours.
#[server(prefix = "/api/studio", endpoint = "save_settings")]
pub async fn save_settings(dismiss_cooldown_hours: i64, offer_ttl_hours: i64) -> Result<(), AppError> {
    use crate::request::{respond, studio_editor};
    respond(
        async {
            super::service::save_settings(&studio_editor().await?.0.engine, dismiss_cooldown_hours, offer_ttl_hours)
                .await
        }
        .await,
    )
}

/// `POST /api/studio/preview`: offer copy as the browser will get it (sanitized), for live previews.
#[server(prefix = "/api/studio", endpoint = "preview")]
pub async fn preview_offer(title_html: String, description_html: String) -> Result<PreviewHtml, AppError> {
    use crate::offers::sanitize::offer_html;
    use crate::request::{admin, respond};
    respond(
        async {
            admin().await?;
            Ok(PreviewHtml { title_html: offer_html(&title_html), description_html: offer_html(&description_html) })
        }
        .await,
    )
}

/// `POST /api/studio/dry_run`: decides for a made-up request without recording anything.
#[server(prefix = "/api/studio", endpoint = "dry_run")]
pub async fn dry_run(
    customer_id: String,
    subscription_id: String,
    custom: String,
    locale: String,
) -> Result<DryRunView, AppError> {
    use crate::request::{admin, respond};
    respond(
        async {
            let (state, _) = admin().await?;
            super::service::dry_run(&state, customer_id, subscription_id, &custom, locale).await
        }
        .await,
    )
}

/// `POST /api/studio/travel`: moves the engine's clock forward by `hours` and runs what came due.
#[server(prefix = "/api/studio", endpoint = "travel")]
pub async fn travel(hours: i64) -> Result<i64, AppError> {
    use crate::request::{admin, respond};
    respond(async { super::service::travel(&admin().await?.0, hours).await }.await)
}

/// `GET /api/studio/gifts?is_gift=…&status=…`: subscriptions (gift ones with their gift), gift settings
/// and the engine's time. `is_gift` is `true`, `false` or empty (all); `status` a subscription status or
/// empty.
#[server(prefix = "/api/studio", endpoint = "gifts", input = GetUrl)]
pub async fn studio_gifts(is_gift: String, status: String) -> Result<super::model::GiftsConsole, AppError> {
    use crate::request::{admin, respond};
    respond(
        async {
            let (state, _) = admin().await?;
            let mut console = super::service::gifts(&state.engine, &is_gift, &status).await?;
            console.remote = super::service::remote_site(&state);
            Ok(console)
        }
        .await,
    )
}

/// `POST /api/studio/save_gift_settings` (`input[...]`; a checkbox is present, with any value, when on).
#[server(prefix = "/api/studio", endpoint = "save_gift_settings")]
pub async fn save_gift_settings(input: super::model::GiftSettingsInput) -> Result<(), AppError> {
    use crate::request::{respond, studio_editor};
    respond(
        async {
            let (state, _) = studio_editor().await?;
            super::service::save_gift_settings(&state.engine, input.parse()?).await
        }
        .await,
    )
}

/// `POST /api/studio/reschedule_gift`: a scheduled gift's new notification time (Unix seconds).
#[server(prefix = "/api/studio", endpoint = "reschedule_gift")]
pub async fn studio_reschedule_gift(gift_id: String, send_at: i64) -> Result<(), AppError> {
    use crate::request::{respond, studio_editor};
    respond(async { super::service::reschedule_gift(&studio_editor().await?.0.engine, &gift_id, send_at).await }.await)
}
