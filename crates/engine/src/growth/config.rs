//! The Growth configuration compiled for deciding: plays sorted by priority with their audience and offer
//! resolved, and custom-field types. Rebuilt whenever the configuration changes.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;

use super::repo;
use super::rules::{Audience, CompiledPlay, DataType, OfferDef, sort_by_priority};

/// Engine-wide Growth settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrowthSettings {
    /// How long a dismissed offer stays hidden from that customer and subscription.
    pub dismiss_cooldown_seconds: i64,
    /// How long a decided offer may be shown before the client should ask again (`expires_at`).
    pub offer_ttl_seconds: i64,
}

impl Default for GrowthSettings {
    fn default() -> Self {
        GrowthSettings { dismiss_cooldown_seconds: 3 * 86_400, offer_ttl_seconds: 86_400 }
    }
}

/// A mapped custom field, e.g. "Has advanced analytics" → `custom.has_advanced_analytics` (boolean).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomField {
    pub id: String,
    pub label: String,
    pub data_type: DataType,
    pub key: String,
}

/// Everything a decision needs, in memory.
#[derive(Debug, Clone, Default)]
pub struct GrowthConfig {
    /// Every play, highest priority first (drafts included, for explanations).
    pub plays: Vec<CompiledPlay>,
    /// Custom field key (`custom.x`) → type.
    pub custom_fields: HashMap<String, DataType>,
    pub settings: GrowthSettings,
}

impl GrowthConfig {
    /// The type of a property an audience rule may test: a built-in one or a mapped custom field.
    pub fn property_type(&self, property: &str) -> Option<DataType> {
        super::rules::BUILT_IN_PROPERTIES
            .iter()
            .find(|(p, _)| *p == property)
            .map(|(_, t)| *t)
            .or_else(|| self.custom_fields.get(property).copied())
    }
}

/// Reads and compiles the configuration.
pub async fn load(pool: &SqlitePool) -> Result<GrowthConfig, sqlx::Error> {
    let audiences: HashMap<String, Arc<Audience>> =
        repo::audiences(pool).await?.into_iter().map(|a| (a.id.clone(), Arc::new(a))).collect();
    let offers: HashMap<String, Arc<OfferDef>> =
        repo::offers(pool).await?.into_iter().map(|o| (o.id.clone(), Arc::new(o))).collect();
    let mut plays = Vec::new();
    for p in repo::plays(pool).await? {
        // Foreign keys guarantee the offer exists; a missing audience id means "everyone".
        let Some(offer) = offers.get(&p.offer_id).cloned() else { continue };
        plays.push(CompiledPlay {
            audience: p.audience_id.as_ref().and_then(|id| audiences.get(id).cloned()),
            offer,
            id: p.id,
            name: p.name,
            play_type: p.play_type,
            priority: p.priority,
            status: p.status,
            created_at: p.created_at,
        });
    }
    sort_by_priority(&mut plays);
    let custom_fields = repo::custom_fields(pool).await?.into_iter().map(|f| (f.key, f.data_type)).collect();
    Ok(GrowthConfig { plays, custom_fields, settings: repo::settings(pool).await? })
}
