//! Growth at run time: deciding offers, recording events, and the fulfillment state machine.

use serde::{Deserialize, Serialize};

use super::repo::{self, NewFulfillment, PersonalizedOfferRow};
use super::rules::{self, CompiledPlay, DecisionRules, Facts, OfferMemory, Verdict};
use crate::events::{self, Source};
use crate::hosted_pages::NewCheckout;
use crate::offer_emails::{self, OfferMail};
use crate::time::internal;
use crate::{Engine, catalog, ids};
use growthkit_wire::{
    ApiError, BILLING_UPDATE_FAILED, EXTERNAL_FULFILLMENT_FAILED, EventContent, FULFILLMENT_EXISTS,
    FulfillmentEnvelope, FulfillmentStatus, OfferContent, OfferEventType, OfferFulfillment, PaymentMethod,
    PersonalizedOffer, PersonalizedOffersRequest, PersonalizedOffersResponse, ProcessingType,
};

/// The event a `webhook` option's acceptance sends. Chargebee's SDKs list no event type for it, so the
/// name is the engine's own; its content carries the `offer_fulfillment`.
pub const OFFER_FULFILLMENT_CREATED: &str = "offer_fulfillment_created";

/// A fulfillment neither completed nor failed within this long is failed by the engine.
pub const FULFILLMENT_DEADLINE_SECONDS: i64 = 7 * 86_400;

/// Longest id Chargebee accepts for the ids posted here.
const MAX_ID: usize = 50;

/// One play's part in a dry-run decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlayVerdict {
    pub play_id: String,
    pub play_name: String,
    pub priority: i64,
    pub offer_id: String,
    pub verdict: Verdict,
}

/// A decision with its reasons, for the studio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DryRun {
    pub winner: Option<String>,
    pub plays: Vec<PlayVerdict>,
}

/// The customer and subscription a decision is about, with what is remembered for them.
struct Subject {
    customer_id: String,
    subscription_key: String,
    facts: Facts,
    /// Offers decided before for this customer and subscription (a handful at most).
    memory: std::sync::Arc<Vec<repo::OfferMemoryRow>>,
}

impl Subject {
    fn remembered(&self, play: &CompiledPlay) -> Option<&repo::OfferMemoryRow> {
        self.memory.iter().find(|m| m.play_id == play.id && m.offer_id == play.offer.id)
    }

    fn memory_of(&self, play: &CompiledPlay) -> OfferMemory {
        self.remembered(play)
            .map(|m| OfferMemory { dismissed_at: m.dismissed_at, accepted: m.accepted })
            .unwrap_or_default()
    }
}

/// The key fulfillments are unique on: the subscription, or the customer when there is none.
pub fn subscription_key(customer_id: &str, subscription_id: Option<&str>) -> String {
    match subscription_id {
        Some(s) if !s.is_empty() => s.to_owned(),
        _ => format!("customer:{customer_id}"),
    }
}

fn check_id(param: &str, value: &str) -> Result<(), ApiError> {
    if value.trim().is_empty() {
        return Err(ApiError::missing(param));
    }
    if value.len() > MAX_ID {
        return Err(ApiError::param(param, format!("{param} : cannot be more than {MAX_ID} characters")));
    }
    Ok(())
}

impl Engine {
    /// `POST /personalized_offers`: the offer of the highest-priority eligible play, or none.
    pub async fn personalized_offers(
        &self,
        req: &PersonalizedOffersRequest,
    ) -> Result<PersonalizedOffersResponse, ApiError> {
        let growth = self.growth();
        let subject = self.subject(req, &growth).await?;
        let now = self.clock.now();
        let decision = DecisionRules { now, dismiss_cooldown_seconds: growth.settings.dismiss_cooldown_seconds };
        // Every answer says until when it holds, an empty one too (Chargebee's SDK types require it).
        let expires_at = Some(now + growth.settings.offer_ttl_seconds);
        let Some(play) = rules::winner(&growth.plays, &subject.facts, |p| subject.memory_of(p), decision) else {
            return Ok(PersonalizedOffersResponse { personalized_offers: Vec::new(), expires_at });
        };
        let id = match subject.remembered(play) {
            Some(known) => known.id.clone(),
            None => self.record_first_decision(play, &subject, now).await?,
        };
        let offer = &play.offer;
        Ok(PersonalizedOffersResponse {
            personalized_offers: vec![PersonalizedOffer {
                id,
                offer_id: offer.id.clone(),
                content: OfferContent { title: offer.title_html.clone(), description: offer.description_html.clone() },
                options: offer.options.iter().map(|o| o.shown.clone()).collect(),
            }],
            expires_at,
        })
    }

    /// The same decision, with every play's verdict; writes nothing.
    pub async fn dry_run(&self, req: &PersonalizedOffersRequest) -> Result<DryRun, ApiError> {
        let growth = self.growth();
        let subject = self.subject(req, &growth).await?;
        let decision =
            DecisionRules { now: self.clock.now(), dismiss_cooldown_seconds: growth.settings.dismiss_cooldown_seconds };
        let verdicts = rules::explain(&growth.plays, &subject.facts, |p| subject.memory_of(p), decision);
        let plays: Vec<PlayVerdict> = growth
            .plays
            .iter()
            .zip(verdicts)
            .map(|(p, (_, verdict))| PlayVerdict {
                play_id: p.id.clone(),
                play_name: p.name.clone(),
                priority: p.priority,
                offer_id: p.offer.id.clone(),
                verdict,
            })
            .collect();
        let winner = plays.iter().find(|p| p.verdict == Verdict::Won).map(|p| p.play_id.clone());
        Ok(DryRun { winner, plays })
    }

    /// Gathers the facts about the request: customer, subscription, custom signals, user and context.
    async fn subject(
        &self,
        req: &PersonalizedOffersRequest,
        growth: &super::config::GrowthConfig,
    ) -> Result<Subject, ApiError> {
        check_id("customer_id", &req.customer_id)?;
        if let Some(s) = &req.subscription_id {
            check_id("subscription_id", s)?;
        }
        let key = (req.customer_id.clone(), req.subscription_id.clone());
        let subject = match self.cache.subjects.get(&key) {
            Some(hit) => hit,
            None => {
                let row = catalog::decision_subject(&self.pool, &req.customer_id, req.subscription_id.as_deref())
                    .await
                    .map_err(internal)?
                    .ok_or_else(|| ApiError::not_found("customer_id", format!("{} not found", req.customer_id)))?;
                let row = std::sync::Arc::new(row);
                self.cache.subjects.insert(key, row.clone());
                row
            }
        };
        let (customer, subscription) = (&subject.0, subject.1.clone());

        let mut facts = Facts::default();
        facts.set("customer.id", customer.id.as_str());
        facts.set_opt("customer.email", customer.email.as_deref());
        facts.set_opt("customer.first_name", customer.first_name.as_deref());
        facts.set_opt("customer.last_name", customer.last_name.as_deref());
        facts.set_opt("customer.company", customer.company.as_deref());

        if let Some(subscription_id) = req.subscription_id.as_deref() {
            let sub = subscription
                .ok_or_else(|| ApiError::not_found("subscription_id", format!("{subscription_id} not found")))?;
            if sub.customer_id != customer.id {
                return Err(ApiError::param("subscription_id", "The subscription does not belong to this customer"));
            }
            facts.set("subscription.id", sub.id);
            facts.set("subscription.status", sub.status);
            facts.set("subscription.plan_id", sub.plan_id);
            facts.set("subscription.item_id", sub.item_id);
        }

        facts.set_opt("user.email", req.email.as_deref());
        facts.set_opt("user.external_user_id", req.external_user_id.as_deref());
        if !req.roles.is_empty() {
            facts.set("user.roles", req.roles.clone());
        }
        if let Some(ctx) = &req.request_context {
            facts.set_opt("request.locale", ctx.locale.as_deref());
            facts.set_opt("request.timezone", ctx.timezone.as_deref());
            facts.set_opt("request.url", ctx.url.as_deref());
            facts.set_opt("request.user_agent", ctx.user_agent.as_deref());
            facts.set_opt("request.referrer_url", ctx.referrer_url.as_deref());
        }
        // Only mapped custom fields count, read as their mapped type (as Chargebee ignores unmapped data).
        for (name, raw) in &req.custom {
            let key = format!("custom.{name}");
            if let Some(data_type) = growth.custom_fields.get(&key) {
                facts.set_custom(&key, *data_type, raw);
            }
        }

        let subscription_key = subscription_key(&customer.id, req.subscription_id.as_deref());
        let memory_key = (customer.id.clone(), subscription_key.clone());
        let rows = match self.cache.memory.get(&memory_key) {
            Some(hit) => hit,
            None => {
                let rows = std::sync::Arc::new(
                    repo::offer_memory(&self.pool, &customer.id, &subscription_key).await.map_err(internal)?,
                );
                self.cache.memory.insert(memory_key, rows.clone());
                rows
            }
        };
        Ok(Subject { customer_id: customer.id.clone(), subscription_key, facts, memory: rows })
    }

    /// Writes the personalized offer the first time it is decided and returns its id. Concurrent first
    /// decisions agree on one row; a hash clash with another tuple moves to the next attempt.
    async fn record_first_decision(&self, play: &CompiledPlay, s: &Subject, now: i64) -> Result<String, ApiError> {
        self.cache.forget_memory(&s.customer_id, &s.subscription_key);
        for attempt in 0..8 {
            let id = ids::personalized_offer(&play.offer.id, &play.id, &s.customer_id, &s.subscription_key, attempt);
            repo::insert_personalized_offer(
                &self.pool,
                &id,
                &play.offer.id,
                &play.id,
                &s.customer_id,
                &s.subscription_key,
                now,
            )
            .await
            .map_err(internal)?;
            let stored =
                repo::personalized_offer_id(&self.pool, &play.offer.id, &play.id, &s.customer_id, &s.subscription_key)
                    .await
                    .map_err(internal)?;
            if let Some(stored) = stored {
                return Ok(stored);
            }
        }
        tracing::error!(offer = %play.offer.id, "could not allocate a personalized offer id");
        Err(ApiError::internal())
    }

    async fn known_offer(&self, personalized_offer_id: &str) -> Result<PersonalizedOfferRow, ApiError> {
        check_id("personalized_offer_id", personalized_offer_id)?;
        repo::personalized_offer(&self.pool, personalized_offer_id)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::not_found("personalized_offer_id", format!("{personalized_offer_id} not found")))
    }

    /// `POST /offer_events`: records `viewed` or `dismissed`; a dismissal starts the cooldown.
    pub async fn record_offer_event(&self, personalized_offer_id: &str, kind: OfferEventType) -> Result<(), ApiError> {
        let po = self.known_offer(personalized_offer_id).await?;
        let now = self.clock.now();
        let mut tx = self.pool.begin().await.map_err(internal)?;
        let kind = match kind {
            OfferEventType::Viewed => "viewed",
            OfferEventType::Dismissed => "dismissed",
        };
        repo::insert_event(&mut tx, &po.id, kind, now).await.map_err(internal)?;
        if kind == "dismissed" {
            repo::set_dismissed(&mut tx, &po.id, now).await.map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        if kind == "dismissed" {
            self.cache.forget_memory(&po.customer_id, &po.subscription_key);
        }
        Ok(())
    }

    /// `POST /offer_fulfillments`: accepts the offer. At most one live fulfillment exists per offer, play
    /// and subscription — the database's unique index decides races, not a read before the write. Then the
    /// option's processing type acts: a billing update moves the subscription to the option's plan with the
    /// card on file and finishes the fulfillment; a checkout answers with a hosted page to pay on; a webhook
    /// option sends `offer_fulfillment_created` to the webhook endpoints; an e-mail option mails the offer to
    /// the customer; a URL redirect leaves the work to the merchant (who fulfils the last three).
    pub async fn create_fulfillment(
        &self,
        personalized_offer_id: &str,
        option_id: &str,
    ) -> Result<FulfillmentEnvelope, ApiError> {
        check_id("option_id", option_id)?;
        let po = self.known_offer(personalized_offer_id).await?;
        let growth = self.growth();
        let offer = growth
            .plays
            .iter()
            .find(|p| p.id == po.play_id)
            .map(|p| p.offer.clone())
            .filter(|o| o.id == po.offer_id)
            .ok_or_else(|| {
                ApiError::invalid_state(Some("personalized_offer_id"), "The offer is no longer available")
            })?;
        let option = offer
            .options
            .iter()
            .find(|o| o.shown.id == option_id)
            .ok_or_else(|| ApiError::param("option_id", format!("{option_id} is not an option of this offer")))?;
        let kind = option.shown.processing_type;
        let subscription_id = po.subscription_id().map(str::to_owned);
        if kind == ProcessingType::Checkout && subscription_id.is_none() {
            return Err(ApiError::invalid_state(
                Some("personalized_offer_id"),
                "A checkout option needs an offer decided for a subscription",
            ));
        }

        let id = ids::random("ful_");
        let now = self.clock.now();
        // The answer shows the return address only where Chargebee's does (billing update, URL redirect).
        let shown_redirect = match kind {
            ProcessingType::BillingUpdate | ProcessingType::UrlRedirect => option.shown.redirect_url.as_deref(),
            _ => None,
        };
        let mut tx = self.pool.begin().await.map_err(internal)?;
        let new =
            NewFulfillment { id: &id, po: &po, option_id, processing_type: kind, redirect_url: shown_redirect, now };
        match repo::insert_fulfillment(&mut tx, &new).await {
            Ok(()) => {}
            Err(err) if err.as_database_error().is_some_and(|e| e.is_unique_violation()) => {
                return Err(ApiError::invalid_state(Some("personalized_offer_id"), FULFILLMENT_EXISTS));
            }
            Err(err) => return Err(internal(err)),
        }
        repo::insert_event(&mut tx, &po.id, "accepted", now).await.map_err(internal)?;
        let fresh = OfferFulfillment {
            id: id.clone(),
            personalized_offer_id: po.id.clone(),
            option_id: option_id.to_owned(),
            processing_type: kind,
            status: FulfillmentStatus::InProgress,
            redirect_url: shown_redirect.map(str::to_owned),
            created_at: Some(now),
            completed_at: None,
            failed_at: None,
            error: None,
        };
        let mut hosted_page = None;
        match kind {
            ProcessingType::Checkout => {
                let checkout = NewCheckout {
                    fulfillment_id: &id,
                    subscription_id: subscription_id.as_deref().unwrap_or_default(),
                    item_price_id: option.item_price_id.as_deref().unwrap_or_default(),
                    redirect_url: option.shown.redirect_url.as_deref(),
                };
                hosted_page = Some(self.open_checkout(&mut tx, &checkout, now).await?);
            }
            ProcessingType::Webhook => {
                let content = EventContent { offer_fulfillment: Some(fresh.clone()), ..EventContent::default() };
                events::record(&mut tx, OFFER_FULFILLMENT_CREATED, Source::Api, &content, now).await?;
            }
            ProcessingType::Email => {
                let customer = crate::customers::read(&mut tx, &po.customer_id).await?;
                let mail = OfferMail {
                    fulfillment_id: &id,
                    title_html: &offer.title_html,
                    description_html: &offer.description_html,
                    label: &option.shown.label,
                    link: option.shown.redirect_url.as_deref(),
                };
                offer_emails::queue(&mut tx, &customer, &mail, now).await?;
            }
            _ => {}
        }
        tx.commit().await.map_err(internal)?;
        self.kick_webhooks();
        self.cache.forget_memory(&po.customer_id, &po.subscription_key);

        if kind == ProcessingType::BillingUpdate {
            let target = option.item_price_id.as_deref().unwrap_or_default();
            let outcome = match &subscription_id {
                None => Err("The offer was decided without a subscription to change.".to_owned()),
                Some(sub) => {
                    self.change_plan(sub, target, &PaymentMethod::OnFile).await.map(drop).map_err(|e| e.message)
                }
            };
            self.finish_fulfillment(&id, outcome.map_err(|m| (BILLING_UPDATE_FAILED, m))).await?;
        }
        Ok(FulfillmentEnvelope { offer_fulfillment: self.retrieve_fulfillment(&id).await?, hosted_page })
    }

    /// Completes (`Ok`) or fails (with an error code and message) a fulfillment still in progress, and
    /// logs `fulfilled` or `failed`. Returns whether it moved; a finished fulfillment never changes.
    pub(crate) async fn finish_fulfillment(
        &self,
        id: &str,
        outcome: Result<(), (&str, String)>,
    ) -> Result<bool, ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin().await.map_err(internal)?;
        let (moved, event) = match &outcome {
            Ok(()) => (repo::complete_fulfillment(&mut tx, id, now).await, "fulfilled"),
            Err((code, message)) => (repo::fail_fulfillment(&mut tx, id, code, message, now).await, "failed"),
        };
        if !moved.map_err(internal)? {
            return Ok(false);
        }
        let Some(po_id) = repo::fulfillment_offer(&mut tx, id).await.map_err(internal)? else {
            return Err(ApiError::internal());
        };
        repo::insert_event(&mut tx, &po_id, event, now).await.map_err(internal)?;
        tx.commit().await.map_err(internal)?;
        if let Some(po) = repo::personalized_offer(&self.pool, &po_id).await.map_err(internal)? {
            self.cache.forget_memory(&po.customer_id, &po.subscription_key);
        }
        Ok(true)
    }

    /// `GET /offer_fulfillments/{id}`. A fulfillment past its 7-day deadline is failed first, so the
    /// answer never depends on whether the worker has run yet.
    pub async fn retrieve_fulfillment(&self, id: &str) -> Result<OfferFulfillment, ApiError> {
        check_id("id", id)?;
        let found = repo::fulfillment(&self.pool, id)
            .await
            .map_err(internal)?
            .ok_or_else(|| ApiError::not_found("id", format!("{id} not found")))?;
        if found.status == FulfillmentStatus::InProgress
            && found.created_at.is_some_and(|at| at + FULFILLMENT_DEADLINE_SECONDS <= self.clock.now())
        {
            self.expire_stale_fulfillments().await?;
            return repo::fulfillment(&self.pool, id).await.map_err(internal)?.ok_or_else(ApiError::internal);
        }
        Ok(found)
    }

    /// `POST /offer_fulfillments/{id}`: `completed`, or `failed` with a reason. Terminal states never change.
    pub async fn update_fulfillment(
        &self,
        id: &str,
        status: FulfillmentStatus,
        failure_reason: Option<&str>,
    ) -> Result<OfferFulfillment, ApiError> {
        let current = self.retrieve_fulfillment(id).await?;
        let reason = failure_reason.map(str::trim).filter(|r| !r.is_empty());
        if status == FulfillmentStatus::Failed && reason.is_none() {
            return Err(ApiError::missing("failure_reason"));
        }
        if reason.is_some_and(|r| r.len() > 1_000) {
            return Err(ApiError::param("failure_reason", "failure_reason : cannot be more than 1000 characters"));
        }
        let outcome = match status {
            FulfillmentStatus::Completed => Ok(()),
            FulfillmentStatus::Failed => Err((EXTERNAL_FULFILLMENT_FAILED, reason.unwrap_or_default().to_owned())),
            FulfillmentStatus::InProgress => {
                return Err(ApiError::param("status", "status must be completed or failed"));
            }
        };
        if !self.finish_fulfillment(id, outcome).await? {
            return Err(ApiError::invalid_state(
                Some("status"),
                format!("The fulfillment is already {}; a finished fulfillment cannot change", current.status.as_str()),
            ));
        }
        self.retrieve_fulfillment(id).await
    }

    /// Fails every fulfillment left in progress for 7 days, as Chargebee does.
    pub async fn expire_stale_fulfillments(&self) -> Result<(), ApiError> {
        let now = self.clock.now();
        let mut tx = self.pool.begin().await.map_err(internal)?;
        let failed = repo::fail_stale_fulfillments(
            &mut tx,
            now - FULFILLMENT_DEADLINE_SECONDS,
            EXTERNAL_FULFILLMENT_FAILED,
            "The fulfillment was not marked completed or failed within 7 days.",
            now,
        )
        .await
        .map_err(internal)?;
        for po_id in &failed {
            repo::insert_event(&mut tx, po_id, "failed", now).await.map_err(internal)?;
        }
        tx.commit().await.map_err(internal)?;
        if !failed.is_empty() {
            self.cache.memory.invalidate_all();
            tracing::info!(count = failed.len(), "failed fulfillments past their 7-day deadline");
        }
        Ok(())
    }
}
