//! Pure decision rules: audiences over facts, and which play wins. No I/O, so every rule is unit-tested
//! and the same code serves the hot path and the studio's dry-run.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use growthkit_wire::OfferOption;

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

/// Whether every rule or any one rule must hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchType {
    All,
    Any,
}

/// How a rule compares a fact with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Is,
    IsNot,
    Contains,
    DoesNotContain,
    StartsWith,
    GreaterThan,
    AtLeast,
    LessThan,
    AtMost,
    IsOneOf,
    Exists,
    DoesNotExist,
}

impl Operator {
    pub const ALL: [Operator; 12] = [
        Operator::Is,
        Operator::IsNot,
        Operator::Contains,
        Operator::DoesNotContain,
        Operator::StartsWith,
        Operator::GreaterThan,
        Operator::AtLeast,
        Operator::LessThan,
        Operator::AtMost,
        Operator::IsOneOf,
        Operator::Exists,
        Operator::DoesNotExist,
    ];

    /// How the operator reads in explanations and the studio.
    pub fn phrase(self) -> &'static str {
        match self {
            Operator::Is => "is",
            Operator::IsNot => "is not",
            Operator::Contains => "contains",
            Operator::DoesNotContain => "does not contain",
            Operator::StartsWith => "starts with",
            Operator::GreaterThan => "is greater than",
            Operator::AtLeast => "is at least",
            Operator::LessThan => "is less than",
            Operator::AtMost => "is at most",
            Operator::IsOneOf => "is one of",
            Operator::Exists => "is present",
            Operator::DoesNotExist => "is absent",
        }
    }

    fn takes_value(self) -> bool {
        !matches!(self, Operator::Exists | Operator::DoesNotExist)
    }
}

/// One condition of an audience, e.g. `custom.has_advanced_analytics is false`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub property: String,
    pub operator: Operator,
    #[serde(default)]
    pub value: Value,
}

/// A rule-based cohort.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Audience {
    pub id: String,
    pub name: String,
    pub match_type: MatchType,
    pub rules: Vec<Rule>,
}

/// The type of a fact, which decides how rule values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DataType {
    Boolean,
    Number,
    String,
    List,
}

/// The built-in properties an audience rule can test, beside mapped custom fields.
pub const BUILT_IN_PROPERTIES: &[(&str, DataType)] = &[
    ("customer.id", DataType::String),
    ("customer.email", DataType::String),
    ("customer.first_name", DataType::String),
    ("customer.last_name", DataType::String),
    ("customer.company", DataType::String),
    ("subscription.id", DataType::String),
    ("subscription.status", DataType::String),
    ("subscription.plan_id", DataType::String),
    ("subscription.item_id", DataType::String),
    ("user.email", DataType::String),
    ("user.external_user_id", DataType::String),
    ("user.roles", DataType::List),
    ("request.locale", DataType::String),
    ("request.timezone", DataType::String),
    ("request.url", DataType::String),
    ("request.user_agent", DataType::String),
    ("request.referrer_url", DataType::String),
];

/// What is known about the request being decided: property → value. Absent properties are unknown.
#[derive(Debug, Clone, Default)]
pub struct Facts(HashMap<String, Value>);

impl Facts {
    pub fn set(&mut self, property: &str, value: impl Into<Value>) {
        self.0.insert(property.to_owned(), value.into());
    }

    /// Sets the property only when a value is present.
    pub fn set_opt(&mut self, property: &str, value: Option<&str>) {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            self.set(property, v);
        }
    }

    pub fn get(&self, property: &str) -> Option<&Value> {
        self.0.get(property).filter(|v| !v.is_null())
    }

    /// Reads a custom signal into its mapped type; a value that does not fit the type counts as absent.
    pub fn set_custom(&mut self, key: &str, data_type: DataType, raw: &Value) {
        if let Some(v) = coerce(raw, data_type) {
            self.set(key, v);
        }
    }
}

/// `raw` read as `data_type`, accepting the string forms clients often send ("false", "42").
pub fn coerce(raw: &Value, data_type: DataType) -> Option<Value> {
    match (data_type, raw) {
        (DataType::Boolean, Value::Bool(_)) => Some(raw.clone()),
        (DataType::Boolean, Value::String(s)) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        (DataType::Number, Value::Number(_)) => Some(raw.clone()),
        (DataType::Number, Value::String(s)) => {
            s.trim().parse::<f64>().ok().and_then(|n| serde_json::Number::from_f64(n).map(Value::Number))
        }
        (DataType::String, Value::String(_)) => Some(raw.clone()),
        (DataType::String, Value::Number(n)) => Some(Value::String(n.to_string())),
        (DataType::String, Value::Bool(b)) => Some(Value::String(b.to_string())),
        (DataType::List, Value::Array(_)) => Some(raw.clone()),
        _ => None,
    }
}

fn as_f64(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn as_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// Equality across the loose forms a rule value may be written in (text compares without case).
fn same(fact: &Value, expected: &Value) -> bool {
    match (fact, expected) {
        // The common case, compared without allocating.
        (Value::String(a), Value::String(b)) if a.is_ascii() && b.is_ascii() => a.eq_ignore_ascii_case(b),
        (Value::Bool(a), Value::Bool(b)) => a == b,
        (Value::Bool(b), _) => coerce(expected, DataType::Boolean) == Some(Value::Bool(*b)),
        (Value::Number(_), _) => matches!((as_f64(fact), as_f64(expected)), (Some(a), Some(b)) if a == b),
        (Value::Array(items), _) => items.iter().any(|item| same(item, expected)),
        _ => matches!((as_text(fact), as_text(expected)), (Some(a), Some(b)) if a == b),
    }
}

fn contains(fact: &Value, expected: &Value) -> bool {
    match fact {
        Value::Array(items) => items.iter().any(|item| same(item, expected)),
        _ => matches!((as_text(fact), as_text(expected)), (Some(a), Some(b)) if a.contains(&b)),
    }
}

fn compare(fact: &Value, expected: &Value, holds: fn(f64, f64) -> bool) -> bool {
    matches!((as_f64(fact), as_f64(expected)), (Some(a), Some(b)) if holds(a, b))
}

impl Rule {
    /// Whether the rule holds for `facts`. An unknown fact satisfies only `does_not_exist`: a signal that
    /// was not sent is not evidence either way.
    pub fn holds(&self, facts: &Facts) -> bool {
        let Some(fact) = facts.get(&self.property) else {
            return self.operator == Operator::DoesNotExist;
        };
        let v = &self.value;
        match self.operator {
            Operator::Exists => true,
            Operator::DoesNotExist => false,
            Operator::Is => same(fact, v),
            Operator::IsNot => !same(fact, v),
            Operator::Contains => contains(fact, v),
            Operator::DoesNotContain => !contains(fact, v),
            Operator::StartsWith => {
                matches!((as_text(fact), as_text(v)), (Some(a), Some(b)) if a.starts_with(&b))
            }
            Operator::GreaterThan => compare(fact, v, |a, b| a > b),
            Operator::AtLeast => compare(fact, v, |a, b| a >= b),
            Operator::LessThan => compare(fact, v, |a, b| a < b),
            Operator::AtMost => compare(fact, v, |a, b| a <= b),
            Operator::IsOneOf => match v {
                Value::Array(options) => options.iter().any(|o| same(fact, o)),
                Value::String(s) => s.split(',').any(|o| same(fact, &Value::String(o.trim().to_owned()))),
                _ => false,
            },
        }
    }

    /// The rule in words, e.g. `custom.has_advanced_analytics is false`.
    pub fn describe(&self) -> String {
        if self.operator.takes_value() {
            format!("{} {} {}", self.property, self.operator.phrase(), show(&self.value))
        } else {
            format!("{} {}", self.property, self.operator.phrase())
        }
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

impl Audience {
    /// `Ok` when the facts place the request in this audience; otherwise the rule that kept it out
    /// (for `all`, the first failing rule; for `any`, a note that none held).
    pub fn admits(&self, facts: &Facts) -> Result<(), String> {
        match self.match_type {
            MatchType::All => match self.rules.iter().find(|r| !r.holds(facts)) {
                None => Ok(()),
                Some(rule) => Err(format!("{} — {}", rule.describe(), observed(facts, &rule.property))),
            },
            MatchType::Any if self.rules.is_empty() || self.rules.iter().any(|r| r.holds(facts)) => Ok(()),
            MatchType::Any => {
                Err(format!("none of: {}", self.rules.iter().map(Rule::describe).collect::<Vec<_>>().join("; ")))
            }
        }
    }
}

fn observed(facts: &Facts, property: &str) -> String {
    match facts.get(property) {
        Some(v) => format!("it was {}", show(v)),
        None => "it was not sent".into(),
    }
}

/// An offer definition as the engine stores it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferDef {
    pub id: String,
    pub name: String,
    pub title_html: String,
    pub description_html: String,
    pub options: Vec<OptionDef>,
}

/// An option as configured: what the API shows, and what the engine does when it is accepted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionDef {
    #[serde(flatten)]
    pub shown: OfferOption,
    /// For `billing_update` and `checkout`: the plan price the subscription moves to. Chargebee keeps this
    /// in the Growth application; the API never shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item_price_id: Option<String>,
}

impl OptionDef {
    pub fn new(shown: OfferOption) -> Self {
        OptionDef { shown, item_price_id: None }
    }
}

/// Play categories, as in Chargebee Growth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayType {
    Acquisition,
    Expansion,
    Retention,
}

/// Whether a play is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlayStatus {
    Active,
    Draft,
}

/// A play with its audience and offer resolved, ready to decide with.
#[derive(Debug, Clone)]
pub struct CompiledPlay {
    pub id: String,
    pub name: String,
    pub play_type: PlayType,
    /// 1 is the highest; ties go to the older play.
    pub priority: i64,
    pub status: PlayStatus,
    /// `None` targets everyone.
    pub audience: Option<Arc<Audience>>,
    pub offer: Arc<OfferDef>,
    pub created_at: i64,
}

/// What the engine remembers about one (offer, play) for the customer and subscription being decided.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OfferMemory {
    /// The latest dismissal, which starts the cooldown.
    pub dismissed_at: Option<i64>,
    /// A fulfillment is in progress or completed.
    pub accepted: bool,
}

/// Why a play did or did not supply the offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Won,
    Draft,
    NotInAudience { rule: String },
    CoolingDown { until: i64 },
    AlreadyAccepted,
    LowerPriority { winner_play_id: String },
}

/// Time-dependent settings of a decision.
#[derive(Debug, Clone, Copy)]
pub struct DecisionRules {
    pub now: i64,
    pub dismiss_cooldown_seconds: i64,
}

/// Whether `play` could supply its offer, ignoring the other plays.
pub fn eligibility(
    play: &CompiledPlay,
    facts: &Facts,
    memory: OfferMemory,
    rules: DecisionRules,
) -> Result<(), Verdict> {
    if play.status == PlayStatus::Draft {
        return Err(Verdict::Draft);
    }
    if let Some(audience) = &play.audience {
        audience.admits(facts).map_err(|rule| Verdict::NotInAudience { rule })?;
    }
    if memory.accepted {
        return Err(Verdict::AlreadyAccepted);
    }
    if let Some(dismissed) = memory.dismissed_at {
        let until = dismissed + rules.dismiss_cooldown_seconds;
        if rules.now < until {
            return Err(Verdict::CoolingDown { until });
        }
    }
    Ok(())
}

/// The winning play: the first eligible one in `plays`, which must be sorted by priority (see
/// [`sort_by_priority`]). This is the hot path: it stops at the first winner.
pub fn winner<'a>(
    plays: &'a [CompiledPlay],
    facts: &Facts,
    memory: impl Fn(&CompiledPlay) -> OfferMemory,
    rules: DecisionRules,
) -> Option<&'a CompiledPlay> {
    plays.iter().find(|p| eligibility(p, facts, memory(p), rules).is_ok())
}

/// Every play with its verdict, for the studio's dry-run.
pub fn explain(
    plays: &[CompiledPlay],
    facts: &Facts,
    memory: impl Fn(&CompiledPlay) -> OfferMemory,
    rules: DecisionRules,
) -> Vec<(String, Verdict)> {
    let mut winner: Option<&str> = None;
    plays
        .iter()
        .map(|p| {
            let verdict = match (eligibility(p, facts, memory(p), rules), winner) {
                (Err(v), _) => v,
                (Ok(()), Some(w)) => Verdict::LowerPriority { winner_play_id: w.to_owned() },
                (Ok(()), None) => {
                    winner = Some(&p.id);
                    Verdict::Won
                }
            };
            (p.id.clone(), verdict)
        })
        .collect()
}

/// Orders plays for deciding: priority 1 first, then the older play, then by id so the order is total.
pub fn sort_by_priority(plays: &mut [CompiledPlay]) {
    plays.sort_by(|a, b| (a.priority, a.created_at, &a.id).cmp(&(b.priority, b.created_at, &b.id)));
}

#[cfg(test)]
mod tests {
    use super::*;
    use growthkit_wire::ProcessingType;
    use serde_json::json;

    fn rule(property: &str, operator: Operator, value: Value) -> Rule {
        Rule { property: property.into(), operator, value }
    }

    fn facts(pairs: &[(&str, Value)]) -> Facts {
        let mut f = Facts::default();
        for (k, v) in pairs {
            f.set(k, v.clone());
        }
        f
    }

    fn offer(id: &str) -> Arc<OfferDef> {
        Arc::new(OfferDef {
            id: id.into(),
            name: id.into(),
            title_html: "t".into(),
            description_html: "d".into(),
            options: vec![OptionDef::new(OfferOption {
                id: "opt".into(),
                label: "Go".into(),
                processing_type: ProcessingType::UrlRedirect,
                processing_layout: None,
                redirect_url: Some("/upgrade".into()),
            })],
        })
    }

    fn play(id: &str, priority: i64, audience: Option<Audience>) -> CompiledPlay {
        CompiledPlay {
            id: id.into(),
            name: id.into(),
            play_type: PlayType::Expansion,
            priority,
            status: PlayStatus::Active,
            audience: audience.map(Arc::new),
            offer: offer(&format!("offer_{id}")),
            created_at: 0,
        }
    }

    fn no_analytics() -> Audience {
        Audience {
            id: "aud".into(),
            name: "has advanced analytics is false".into(),
            match_type: MatchType::All,
            rules: vec![rule("custom.has_advanced_analytics", Operator::Is, json!(false))],
        }
    }

    const RULES: DecisionRules = DecisionRules { now: 1_000, dismiss_cooldown_seconds: 100 };

    #[test]
    fn boolean_rules_accept_json_and_string_forms() {
        let r = rule("custom.x", Operator::Is, json!(false));
        assert!(r.holds(&facts(&[("custom.x", json!(false))])));
        assert!(!r.holds(&facts(&[("custom.x", json!(true))])));
        assert!(rule("custom.x", Operator::Is, json!("false")).holds(&facts(&[("custom.x", json!(false))])));
        let mut f = Facts::default();
        f.set_custom("custom.x", DataType::Boolean, &json!("FALSE"));
        assert!(r.holds(&f));
    }

    #[test]
    fn an_unsent_signal_matches_nothing_but_does_not_exist() {
        let empty = Facts::default();
        assert!(!rule("custom.x", Operator::Is, json!(false)).holds(&empty));
        assert!(!rule("custom.x", Operator::IsNot, json!(true)).holds(&empty));
        assert!(rule("custom.x", Operator::DoesNotExist, Value::Null).holds(&empty));
        assert!(!rule("custom.x", Operator::Exists, Value::Null).holds(&empty));
    }

    #[test]
    fn text_and_number_operators() {
        let f = facts(&[
            ("customer.email", json!("Ada@Example.com")),
            ("custom.usage", json!(82)),
            ("user.roles", json!(["admin", "billing"])),
            ("subscription.status", json!("active")),
        ]);
        assert!(rule("customer.email", Operator::Is, json!("ada@example.com")).holds(&f));
        assert!(rule("customer.email", Operator::Contains, json!("example")).holds(&f));
        assert!(rule("customer.email", Operator::StartsWith, json!("ada@")).holds(&f));
        assert!(rule("customer.email", Operator::DoesNotContain, json!("acme")).holds(&f));
        assert!(rule("custom.usage", Operator::GreaterThan, json!(80)).holds(&f));
        assert!(rule("custom.usage", Operator::AtLeast, json!("82")).holds(&f));
        assert!(!rule("custom.usage", Operator::LessThan, json!(82)).holds(&f));
        assert!(rule("custom.usage", Operator::AtMost, json!(82.0)).holds(&f));
        assert!(rule("user.roles", Operator::Contains, json!("admin")).holds(&f));
        assert!(!rule("user.roles", Operator::Contains, json!("owner")).holds(&f));
        assert!(rule("subscription.status", Operator::IsOneOf, json!(["in_trial", "active"])).holds(&f));
        assert!(rule("subscription.status", Operator::IsOneOf, json!("future, active")).holds(&f));
        assert!(!rule("custom.usage", Operator::GreaterThan, json!("lots")).holds(&f));
    }

    #[test]
    fn all_needs_every_rule_and_names_the_one_that_failed() {
        let aud = Audience {
            id: "a".into(),
            name: "a".into(),
            match_type: MatchType::All,
            rules: vec![
                rule("subscription.status", Operator::Is, json!("active")),
                rule("custom.has_advanced_analytics", Operator::Is, json!(false)),
            ],
        };
        let f = facts(&[("subscription.status", json!("active")), ("custom.has_advanced_analytics", json!(true))]);
        let why = aud.admits(&f).unwrap_err();
        assert_eq!(why, "custom.has_advanced_analytics is false — it was true");
        let f = facts(&[("subscription.status", json!("active"))]);
        assert!(aud.admits(&f).unwrap_err().ends_with("it was not sent"));
    }

    #[test]
    fn any_needs_one_rule() {
        let aud = Audience {
            id: "a".into(),
            name: "a".into(),
            match_type: MatchType::Any,
            rules: vec![
                rule("request.locale", Operator::Is, json!("de")),
                rule("request.locale", Operator::Is, json!("fr")),
            ],
        };
        assert!(aud.admits(&facts(&[("request.locale", json!("fr"))])).is_ok());
        assert!(aud.admits(&facts(&[("request.locale", json!("en"))])).unwrap_err().starts_with("none of"));
    }

    #[test]
    fn the_highest_priority_eligible_play_wins() {
        let mut plays = vec![play("low", 5, None), play("high", 1, Some(no_analytics())), play("mid", 3, None)];
        sort_by_priority(&mut plays);
        let f = facts(&[("custom.has_advanced_analytics", json!(false))]);
        assert_eq!(winner(&plays, &f, |_| OfferMemory::default(), RULES).unwrap().id, "high");
        // Out of the audience, the next priority wins.
        let f = facts(&[("custom.has_advanced_analytics", json!(true))]);
        assert_eq!(winner(&plays, &f, |_| OfferMemory::default(), RULES).unwrap().id, "mid");
    }

    #[test]
    fn equal_priorities_go_to_the_older_play() {
        let mut a = play("a", 2, None);
        a.created_at = 50;
        let mut b = play("b", 2, None);
        b.created_at = 10;
        let mut plays = vec![a, b];
        sort_by_priority(&mut plays);
        assert_eq!(plays[0].id, "b");
    }

    #[test]
    fn drafts_cooldowns_and_acceptances_are_skipped() {
        let mut draft = play("draft", 1, None);
        draft.status = PlayStatus::Draft;
        let plays = vec![draft, play("cool", 2, None), play("taken", 3, None), play("open", 4, None)];
        let memory = |p: &CompiledPlay| match p.id.as_str() {
            "cool" => OfferMemory { dismissed_at: Some(950), accepted: false },
            "taken" => OfferMemory { dismissed_at: None, accepted: true },
            _ => OfferMemory::default(),
        };
        let verdicts = explain(&plays, &Facts::default(), memory, RULES);
        assert_eq!(verdicts[0].1, Verdict::Draft);
        assert_eq!(verdicts[1].1, Verdict::CoolingDown { until: 1_050 });
        assert_eq!(verdicts[2].1, Verdict::AlreadyAccepted);
        assert_eq!(verdicts[3].1, Verdict::Won);
        // Once the cooldown is over the dismissed play is eligible again and outranks the rest.
        let later = DecisionRules { now: 1_050, ..RULES };
        assert_eq!(winner(&plays, &Facts::default(), memory, later).unwrap().id, "cool");
    }

    #[test]
    fn explain_marks_eligible_losers_as_lower_priority() {
        let plays = vec![play("first", 1, None), play("second", 2, None)];
        let verdicts = explain(&plays, &Facts::default(), |_| OfferMemory::default(), RULES);
        assert_eq!(verdicts[0].1, Verdict::Won);
        assert_eq!(verdicts[1].1, Verdict::LowerPriority { winner_play_id: "first".into() });
    }

    #[test]
    fn no_eligible_play_means_no_offer() {
        let plays = vec![play("p", 1, Some(no_analytics()))];
        assert!(winner(&plays, &Facts::default(), |_| OfferMemory::default(), RULES).is_none());
    }
}
