//! Studio use cases: reading and saving Growth configuration through the engine, converting between
//! the engine's types and the studio's form-shaped ones.

use serde_json::Value;

use super::model::{
    AudienceView, Config, DryRunView, FieldView, FulfillmentRow, Funnel, GiftRow, GiftsConsole, OfferEdit, Overview,
    PlayView, RuleView, SubscriptionRow, VerdictView,
};
use crate::config::BillingBackend;
use crate::error::AppError;
use crate::gifts::model::GiftSettings;
use crate::state::AppState;
use growthkit_engine::Engine;
use growthkit_engine::growth::repo::PlayRecord;
use growthkit_engine::growth::rules::{
    Audience, BUILT_IN_PROPERTIES, DataType, MatchType, OfferDef, Operator, OptionDef, Rule, Verdict,
};
use growthkit_engine::growth::rules::{CustomField, GrowthSettings};
use growthkit_engine::growth::stats::{FulfillmentSummary, OfferFunnel};
use growthkit_wire::{ApiError, ListParams, OfferOption, PersonalizedOffersRequest, ProcessingLayout, ProcessingType};

/// The Chargebee site billing runs on, when it is not the built-in engine. A Chargebee client pointed at
/// this server's own engine (`CHARGEBEE_BASE_URL` = `GROWTHKIT_ENGINE_PUBLIC_URL`) still edits that engine.
pub fn remote_site(state: &AppState) -> Option<String> {
    match &state.config.billing {
        BillingBackend::Local => None,
        BillingBackend::Chargebee { base_url: Some(url), .. }
            if url.trim_end_matches('/') == state.config.engine_public_url.trim_end_matches('/') =>
        {
            None
        }
        BillingBackend::Chargebee { site, .. } => Some(site.clone()),
    }
}

/// Refuses a studio change while Growth configuration lives in a Chargebee site: the editors edit the
/// built-in engine, which the app is then not using.
pub fn editable(state: &AppState) -> Result<(), AppError> {
    match remote_site(state) {
        None => Ok(()),
        Some(site) => Err(AppError::Conflict(format!(
            "Growthkit uses the Chargebee site {site} (GROWTHKIT_BILLING=chargebee), so offers, audiences, plays \
             and gift settings are changed in Chargebee, not here."
        ))),
    }
}

/// Engine refusals in the studio are the admin's input errors, shown as they are.
fn refused(err: ApiError) -> AppError {
    if err.http_status_code >= 500 { AppError::Internal } else { AppError::Invalid(err.message) }
}

fn word<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

fn parse_word<T: serde::de::DeserializeOwned>(field: &str, s: &str) -> Result<T, AppError> {
    serde_json::from_value(Value::String(s.to_owned()))
        .map_err(|_| AppError::invalid(format!("{field}: {s:?} is not allowed")))
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(value_text).collect::<Vec<_>>().join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The overview: the engine's funnels and fulfillments, or, on a Chargebee site (whose Growth numbers are in
/// Chargebee), only what the app itself recorded.
pub async fn overview(state: &AppState) -> Result<Overview, AppError> {
    let engine = &state.engine;
    let remote = remote_site(state);
    let acceptances = crate::offers::repo::acceptance_counts(&state.pool).await?;
    if remote.is_some() {
        return Ok(Overview {
            funnels: Vec::new(),
            fulfillments: Vec::new(),
            now: state.clock.now(),
            offset_seconds: 0,
            remote,
            acceptances,
        });
    }
    Ok(Overview {
        funnels: engine.offer_funnels().await.map_err(refused)?.into_iter().map(funnel).collect(),
        fulfillments: engine.recent_fulfillments(50).await.map_err(refused)?.into_iter().map(fulfillment_row).collect(),
        now: engine.clock().now(),
        offset_seconds: engine.clock().offset(),
        remote,
        acceptances,
    })
}

fn funnel(f: OfferFunnel) -> Funnel {
    Funnel {
        offer_id: f.offer_id,
        offer_name: f.offer_name,
        decided: f.decided,
        viewed: f.viewed,
        dismissed: f.dismissed,
        accepted: f.accepted,
        completed: f.completed,
        failed: f.failed,
    }
}

fn fulfillment_row(f: FulfillmentSummary) -> FulfillmentRow {
    FulfillmentRow {
        id: f.id,
        offer_name: f.offer_name,
        customer_id: f.customer_id,
        subscription: f.subscription,
        status: f.status,
        error_message: f.error_message,
        created_at: f.created_at,
    }
}

pub async fn config(state: &AppState) -> Result<Config, AppError> {
    let engine = &state.engine;
    let fields = engine.custom_fields().await.map_err(refused)?;
    let mut properties: Vec<String> = BUILT_IN_PROPERTIES.iter().map(|(p, _)| (*p).to_owned()).collect();
    properties.extend(fields.iter().map(|f| f.key.clone()));
    let settings = engine.growth().settings;
    let plan_prices = ListParams::new().with("limit", "100").with("item_type[is]", "plan");
    let plans = engine
        .list_item_prices(&plan_prices)
        .await
        .map_err(refused)?
        .list
        .into_iter()
        .map(|p| {
            let label = format!("{} ({} {}.{:02})", p.name, p.currency_code, p.price / 100, p.price % 100);
            (p.id, label)
        })
        .collect();
    Ok(Config {
        remote: remote_site(state),
        plans,
        fields: fields
            .into_iter()
            .map(|f| FieldView { id: f.id, label: f.label, data_type: word(&f.data_type), key: f.key })
            .collect(),
        audiences: engine
            .audiences()
            .await
            .map_err(refused)?
            .into_iter()
            .map(|a| AudienceView {
                id: a.id,
                name: a.name,
                match_type: word(&a.match_type),
                rules: a
                    .rules
                    .iter()
                    .map(|r| RuleView {
                        property: r.property.clone(),
                        operator: word(&r.operator),
                        value: value_text(&r.value),
                    })
                    .collect(),
            })
            .collect(),
        offers: engine.offers().await.map_err(refused)?.into_iter().map(offer_edit).collect(),
        plays: engine
            .plays()
            .await
            .map_err(refused)?
            .into_iter()
            .map(|p| PlayView {
                id: p.id,
                name: p.name,
                play_type: word(&p.play_type),
                audience_id: p.audience_id.unwrap_or_default(),
                trigger: p.trigger,
                offer_id: p.offer_id,
                priority: p.priority,
                status: word(&p.status),
            })
            .collect(),
        properties,
        operators: Operator::ALL.iter().map(|o| (word(o), o.phrase().to_owned())).collect(),
        dismiss_cooldown_hours: settings.dismiss_cooldown_seconds / 3_600,
        offer_ttl_hours: settings.offer_ttl_seconds / 3_600,
    })
}

fn offer_edit(o: OfferDef) -> OfferEdit {
    let first = o.options.into_iter().next();
    let processing_type =
        first.as_ref().map(|f| f.shown.processing_type).unwrap_or(ProcessingType::UrlRedirect).as_str().to_owned();
    let item_price_id = first.as_ref().and_then(|f| f.item_price_id.clone()).unwrap_or_default();
    let first = first.map(|f| f.shown);
    OfferEdit {
        preview: super::model::PreviewHtml {
            title_html: crate::offers::sanitize::offer_html(&o.title_html),
            description_html: crate::offers::sanitize::offer_html(&o.description_html),
        },
        id: o.id,
        name: o.name,
        title_html: o.title_html,
        description_html: o.description_html,
        option_id: first.as_ref().map(|f| f.id.clone()).unwrap_or_default(),
        option_label: first.as_ref().map(|f| f.label.clone()).unwrap_or_default(),
        redirect_url: first.and_then(|f| f.redirect_url).unwrap_or_default(),
        processing_type,
        item_price_id,
    }
}

pub async fn save_field(engine: &Engine, f: FieldView) -> Result<(), AppError> {
    let data_type: DataType = parse_word("Type", &f.data_type)?;
    engine
        .save_custom_field(CustomField { id: f.id, label: f.label, data_type, key: f.key.trim().to_owned() })
        .await
        .map_err(refused)?;
    Ok(())
}

/// Reads a typed rule value the way the property's type needs it.
fn rule_value(engine: &Engine, rule: &RuleView, operator: Operator) -> Value {
    let text = rule.value.trim();
    if operator == Operator::IsOneOf {
        return Value::Array(text.split(',').map(|s| Value::String(s.trim().to_owned())).collect());
    }
    match engine.growth().property_type(&rule.property) {
        Some(DataType::Boolean) => match text.to_ascii_lowercase().as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(text.to_owned()),
        },
        Some(DataType::Number) => text
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(text.to_owned())),
        _ if text.is_empty() => Value::Null,
        _ => Value::String(text.to_owned()),
    }
}

pub async fn save_audience(engine: &Engine, a: AudienceView) -> Result<(), AppError> {
    let match_type: MatchType = parse_word("Match", &a.match_type)?;
    let mut rules = Vec::new();
    for r in &a.rules {
        let operator: Operator = parse_word("Operator", &r.operator)?;
        rules.push(Rule { property: r.property.clone(), operator, value: rule_value(engine, r, operator) });
    }
    engine.save_audience(Audience { id: a.id, name: a.name, match_type, rules }).await.map_err(refused)?;
    Ok(())
}

/// Saves an offer from the studio form, which edits the first option. Further options, and the first
/// option's layout, are kept as they were.
pub async fn save_offer(engine: &Engine, o: OfferEdit) -> Result<(), AppError> {
    let existing = engine.offers().await.map_err(refused)?.into_iter().find(|e| !o.id.is_empty() && e.id == o.id);
    let mut options = existing.map(|e| e.options).unwrap_or_default();
    let processing_type: ProcessingType = parse_word("Processing", &o.processing_type)?;
    let first = OptionDef {
        shown: OfferOption {
            id: if o.option_id.trim().is_empty() { "accept".to_owned() } else { o.option_id.trim().to_owned() },
            label: o.option_label,
            processing_type,
            processing_layout: options
                .first()
                .map(|f| f.shown.processing_layout)
                .unwrap_or(Some(ProcessingLayout::FullPage)),
            redirect_url: Some(o.redirect_url.trim().to_owned()).filter(|u| !u.is_empty()),
        },
        item_price_id: Some(o.item_price_id.trim().to_owned())
            .filter(|p| !p.is_empty())
            .filter(|_| matches!(processing_type, ProcessingType::BillingUpdate | ProcessingType::Checkout)),
    };
    match options.first_mut() {
        Some(slot) => *slot = first,
        None => options.push(first),
    }
    engine
        .save_offer(OfferDef {
            id: o.id,
            name: o.name,
            title_html: o.title_html,
            description_html: o.description_html,
            options,
        })
        .await
        .map_err(refused)?;
    Ok(())
}

pub async fn save_play(engine: &Engine, p: PlayView) -> Result<(), AppError> {
    let existing = engine.plays().await.map_err(refused)?.into_iter().find(|e| e.id == p.id);
    engine
        .save_play(PlayRecord {
            play_type: parse_word("Play type", &p.play_type)?,
            status: parse_word("Status", &p.status)?,
            audience_id: Some(p.audience_id).filter(|a| !a.is_empty()),
            created_at: existing.map(|e| e.created_at).unwrap_or(0),
            id: p.id,
            name: p.name,
            trigger: p.trigger,
            offer_id: p.offer_id,
            priority: p.priority,
        })
        .await
        .map_err(refused)?;
    Ok(())
}

pub async fn save_settings(engine: &Engine, cooldown_hours: i64, ttl_hours: i64) -> Result<(), AppError> {
    let settings = GrowthSettings {
        dismiss_cooldown_seconds: cooldown_hours.saturating_mul(3_600),
        offer_ttl_seconds: ttl_hours.saturating_mul(3_600),
    };
    engine.save_growth_settings(settings).await.map_err(refused)?;
    Ok(())
}

/// Decides for a made-up request and explains every play. `custom` holds `key = value` lines.
pub async fn dry_run(
    state: &AppState,
    customer_id: String,
    subscription_id: String,
    custom: &str,
    locale: String,
) -> Result<DryRunView, AppError> {
    let mut signals = serde_json::Map::new();
    for line in custom.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| AppError::invalid(format!("Custom signals are `name = value` lines; {line:?} is not")))?;
        let key = key.trim().trim_start_matches("custom.");
        signals.insert(key.to_owned(), Value::String(value.trim().to_owned()));
    }
    let request = PersonalizedOffersRequest {
        customer_id,
        subscription_id: Some(subscription_id).filter(|s| !s.trim().is_empty()),
        custom: signals,
        request_context: Some(growthkit_wire::RequestContext {
            locale: Some(locale).filter(|l| !l.trim().is_empty()),
            ..Default::default()
        }),
        ..Default::default()
    };
    if remote_site(state).is_some() {
        let decided = state.billing.personalized_offers(&request).await?;
        return Ok(DryRunView {
            winner: decided.personalized_offers.first().map(|o| o.offer_id.clone()),
            verdicts: Vec::new(),
            note: Some(
                "Decided by your Chargebee site, which does not explain its decisions and counts this one.".into(),
            ),
        });
    }
    let engine = &state.engine;
    let run = engine.dry_run(&request).await.map_err(refused)?;
    let names: std::collections::HashMap<String, String> =
        run.plays.iter().map(|p| (p.play_id.clone(), p.play_name.clone())).collect();
    Ok(DryRunView {
        winner: run.winner.and_then(|w| names.get(&w).cloned()),
        verdicts: run
            .plays
            .into_iter()
            .map(|p| VerdictView {
                won: p.verdict == Verdict::Won,
                reason: match &p.verdict {
                    Verdict::Won => "Won: highest-priority eligible play".into(),
                    Verdict::Draft => "Lost: the play is a draft".into(),
                    Verdict::NotInAudience { rule } => format!("Lost: not in the audience — {rule}"),
                    Verdict::CoolingDown { until } => {
                        format!("Lost: dismissed; cooling down until {}", growthkit_clock::calendar::utc(*until))
                    }
                    Verdict::AlreadyAccepted => "Lost: already accepted for this subscription".into(),
                    Verdict::LowerPriority { winner_play_id } => format!(
                        "Lost: lower priority than {}",
                        names.get(winner_play_id).cloned().unwrap_or_else(|| winner_play_id.clone())
                    ),
                },
                play_name: p.play_name,
                priority: p.priority,
                offer_id: p.offer_id,
            })
            .collect(),
        note: None,
    })
}

/// Time travel from the studio: moves the engine's clock, then runs every rule that came due, the
/// app's reconciliation included, so the effects are visible at once.
pub async fn travel(state: &AppState, hours: i64) -> Result<i64, AppError> {
    if !(1..=24 * 400).contains(&hours) {
        return Err(AppError::invalid("Travel between 1 hour and 400 days forward."));
    }
    editable(state)?;
    state.engine.travel_by(hours * 3_600).await.map_err(refused)?;
    crate::jobs::run_due_work(state).await;
    Ok(state.clock.now())
}

/// Subscriptions for `/studio/gifts`, filtered as Chargebee's subscription list is ("is gift", status).
pub async fn gifts(engine: &Engine, is_gift: &str, status: &str) -> Result<GiftsConsole, AppError> {
    let is_gift = match is_gift {
        "true" | "false" => Some(is_gift),
        "" => None,
        _ => return Err(AppError::invalid("Filter gifts by yes, no or all.")),
    };
    const STATUSES: &[&str] = &["future", "active", "non_renewing", "cancelled", "in_trial", "paused"];
    let status = match status {
        "" => None,
        s if STATUSES.contains(&s) => Some(s),
        _ => return Err(AppError::invalid("Choose one of the listed statuses.")),
    };
    let mut rows = Vec::new();
    let params = ListParams::new()
        .with("limit", "100")
        .with_some("gift_id[is_present]", is_gift)
        .with_some("status[is]", status);
    for s in engine.list_subscriptions(&params).await.map_err(refused)?.list {
        let gift = match &s.gift_id {
            Some(id) => {
                let g = engine.retrieve_gift(id).await.map_err(refused)?.gift;
                Some(GiftRow {
                    id: g.id,
                    status: g.status,
                    receiver_email: g.gift_receiver.email,
                    scheduled_at: g.scheduled_at,
                    claim_expiry_date: g.claim_expiry_date,
                })
            }
            None => None,
        };
        rows.push(SubscriptionRow {
            plan: s.subscription_items.first().map(|i| i.item_price_id.clone()).unwrap_or_default(),
            id: s.id,
            customer_id: s.customer_id,
            status: s.status,
            gift,
        });
    }
    Ok(GiftsConsole {
        subscriptions: rows,
        settings: engine.gift_settings().await.map_err(refused)?,
        now: engine.clock().now(),
        offset_seconds: engine.clock().offset(),
        remote: None,
    })
}

/// Saves the site's gift settings (existing gifts keep the options they were created with).
pub async fn save_gift_settings(engine: &Engine, settings: GiftSettings) -> Result<(), AppError> {
    engine.save_gift_settings(&settings).await.map_err(refused)
}

/// Moves a scheduled gift's notification (between now and its claim expiry).
pub async fn reschedule_gift(engine: &Engine, gift_id: &str, send_at: i64) -> Result<(), AppError> {
    engine.update_gift(gift_id, send_at).await.map(|_| ()).map_err(refused)
}
