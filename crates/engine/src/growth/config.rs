//! The Growth configuration compiled for deciding: plays sorted by priority with their audience and offer
//! resolved, and custom-field types. Rebuilt whenever the configuration changes.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::SqlitePool;

use super::repo;
use super::rules::{Audience, CompiledPlay, DataType, GrowthSettings, OfferDef, sort_by_priority};

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
