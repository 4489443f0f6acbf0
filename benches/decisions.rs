//! Decision throughput and latency, measured against the same server's bare JSON endpoint in one run.
//!
//! `cargo bench --features ssr --bench decisions` boots the real router on a temporary SQLite file,
//! seeds 100 plays (priorities 1–100, each with a two-rule audience) and 1,000 customers with
//! subscriptions, and serves on a loopback port. Then, with a fixed number of concurrent clients, it
//! measures for a fixed time (1) a bare JSON endpoint that only parses the same body and answers and
//! (2) `POST /api/v2/personalized_offers`, and finally (3) decisions at a fixed 1,000 requests/s. It
//! prints throughput and p50/p99 latency; it asserts nothing (this is a measurement, not a test).
//! Traffic goes to 127.0.0.1 only, and every phase stops by itself.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::routing::post;
use growthkit::config::{Config, DEFAULT_ENGINE_API_KEY};
use growthkit::server;
use growthkit_clock::Clock;
use growthkit_engine::catalog;
use growthkit_engine::growth::repo::PlayRecord;
use growthkit_engine::growth::rules::CustomField;
use growthkit_engine::growth::rules::{
    Audience, DataType, MatchType, OfferDef, Operator, OptionDef, PlayStatus, PlayType, Rule,
};
use growthkit_wire::{OfferOption, ProcessingType};
use serde_json::{Value, json};

const PLAYS: usize = 100;
const CUSTOMERS: usize = 1_000;
const CONCURRENCY: usize = 32;
const PHASE: Duration = Duration::from_secs(8);
const WARMUP: Duration = Duration::from_secs(2);
const RATE: u64 = 1_000;

fn main() {
    // The server gets its own runtime and threads; the load generator another, so neither starves.
    let server_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let base = server_rt.block_on(start_server(dir.path()));
    let client_rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    client_rt.block_on(measure(base));
    drop(server_rt);
}

async fn start_server(dir: &std::path::Path) -> String {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let config = Config::from_lookup(|k| match k {
        "DATABASE_URL" => Some(url.clone()),
        "GROWTHKIT_DEMO_DATA" => Some("false".into()),
        _ => None,
    })
    .unwrap();
    let state = server::boot(config, Clock::system()).await.unwrap();
    seed(&state).await;
    // The bare endpoint: same body, parsed and answered, no decision, behind the same layers.
    let bare = axum::Router::new().route(
        "/bench/bare",
        post(|Json(body): Json<Value>| async move { Json(json!({"ok": true, "customer_id": body["customer_id"]})) }),
    );
    let app = server::router_with(state, bare).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

async fn seed(state: &growthkit::state::AppState) {
    let engine = &state.engine;
    let pool = engine.pool();
    let now = engine.clock().now();
    let plan = catalog::NewItemPrice {
        item_id: "bench-plan",
        item_name: "Bench plan",
        item_type: "plan",
        price_id: "bench-plan-USD-monthly",
        currency: "USD",
        price: 1_000,
        period: Some(1),
        period_unit: Some("month"),
    };
    catalog::insert_item_price(pool, &plan, now).await.unwrap();
    for i in 0..CUSTOMERS {
        let id = format!("cus_{i}");
        catalog::insert_customer(pool, &id, "Bench", &format!("{i}"), &format!("c{i}@bench.test"), None, now)
            .await
            .unwrap();
        catalog::insert_active_subscription(pool, &format!("sub_{i}"), &id, "bench-plan-USD-monthly", now)
            .await
            .unwrap();
    }
    for (key, data_type) in [("custom.segment", DataType::String), ("custom.has_feature", DataType::Boolean)] {
        engine
            .save_custom_field(CustomField { id: String::new(), label: key.into(), data_type, key: key.into() })
            .await
            .unwrap();
    }
    for p in 1..=PLAYS {
        let audience = engine
            .save_audience(Audience {
                id: format!("aud_{p}"),
                name: format!("Segment {p}"),
                match_type: MatchType::All,
                rules: vec![
                    Rule { property: "custom.segment".into(), operator: Operator::Is, value: json!(format!("s{p}")) },
                    Rule { property: "custom.has_feature".into(), operator: Operator::Is, value: json!(false) },
                ],
            })
            .await
            .unwrap();
        let offer = engine
            .save_offer(OfferDef {
                id: format!("offer_{p}"),
                name: format!("Offer {p}"),
                title_html: format!("<div class=\"slate-p\">Offer {p}</div>"),
                description_html: "<div class=\"slate-p\">Upgrade now.</div>".into(),
                options: vec![OptionDef::new(OfferOption {
                    id: "go".into(),
                    label: "Go".into(),
                    processing_type: ProcessingType::UrlRedirect,
                    processing_layout: None,
                    redirect_url: Some("/upgrade".into()),
                })],
            })
            .await
            .unwrap();
        engine
            .save_play(PlayRecord {
                id: format!("play_{p}"),
                name: format!("Play {p}"),
                play_type: PlayType::Expansion,
                audience_id: Some(audience.id),
                trigger: "any_page_load".into(),
                offer_id: offer.id,
                priority: p as i64,
                status: PlayStatus::Active,
                created_at: 0,
            })
            .await
            .unwrap();
    }
}

/// A decision request for customer `i`. Each customer sits in one segment, so on average half the plays
/// are evaluated before the winner.
fn body(i: usize) -> Value {
    json!({
        "customer_id": format!("cus_{i}"),
        "subscription_id": format!("sub_{i}"),
        "custom": { "segment": format!("s{}", i % PLAYS + 1), "has_feature": false },
        "request_context": { "locale": "en-US", "timezone": "UTC", "url": "http://127.0.0.1/app", "user_agent": "bench" }
    })
}

struct Sample {
    requests: usize,
    errors: usize,
    elapsed: Duration,
    micros: Vec<u64>,
}

impl Sample {
    fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    fn percentile(&mut self, p: f64) -> f64 {
        self.micros.sort_unstable();
        let idx = ((self.micros.len() as f64 * p).ceil() as usize).clamp(1, self.micros.len()) - 1;
        self.micros[idx] as f64 / 1_000.0
    }
}

/// Closed loop: `CONCURRENCY` clients each send the next request as soon as the last one answered.
async fn closed_loop(client: &reqwest::Client, url: &str, duration: Duration) -> Sample {
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..CONCURRENCY {
        let (client, url) = (client.clone(), url.to_owned());
        tasks.push(tokio::spawn(async move {
            let (mut micros, mut errors, mut i) = (Vec::new(), 0usize, worker);
            while Instant::now() < deadline {
                let t = Instant::now();
                let res = client
                    .post(&url)
                    .basic_auth(DEFAULT_ENGINE_API_KEY, Some(""))
                    .json(&body(i % CUSTOMERS))
                    .send()
                    .await;
                match res {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        micros.push(t.elapsed().as_micros() as u64);
                    }
                    _ => errors += 1,
                }
                i += CONCURRENCY;
            }
            (micros, errors)
        }));
    }
    let mut sample = Sample { requests: 0, errors: 0, elapsed: Duration::ZERO, micros: Vec::new() };
    for t in tasks {
        let (micros, errors) = t.await.unwrap();
        sample.requests += micros.len();
        sample.errors += errors;
        sample.micros.extend(micros);
    }
    sample.elapsed = started.elapsed();
    sample
}

/// Open loop at a fixed rate. Latency is measured from each request's scheduled start, so a stall in
/// the server (or the generator) shows up instead of being hidden.
async fn fixed_rate(client: &reqwest::Client, url: &str, rate: u64, duration: Duration) -> Sample {
    let total = rate * duration.as_secs();
    let interval = Duration::from_nanos(1_000_000_000 / rate);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        let due = started + interval * n as u32;
        tokio::time::sleep_until(due.into()).await;
        let (client, url) = (client.clone(), url.to_owned());
        tasks.push(tokio::spawn(async move {
            let res = client
                .post(&url)
                .basic_auth(DEFAULT_ENGINE_API_KEY, Some(""))
                .json(&body(n as usize % CUSTOMERS))
                .send()
                .await;
            match res {
                Ok(r) if r.status().is_success() => {
                    let _ = r.bytes().await;
                    Some(due.elapsed().as_micros() as u64)
                }
                _ => None,
            }
        }));
    }
    let mut sample = Sample { requests: 0, errors: 0, elapsed: Duration::ZERO, micros: Vec::new() };
    for t in tasks {
        match t.await.unwrap() {
            Some(us) => sample.micros.push(us),
            None => sample.errors += 1,
        }
    }
    sample.requests = sample.micros.len();
    sample.elapsed = started.elapsed();
    sample
}

async fn measure(base: String) {
    let client = Arc::new(reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY * 2).build().unwrap());
    let bare = format!("{base}/bench/bare");
    let decide = format!("{base}/api/v2/personalized_offers");

    // Sanity: every customer gets exactly its segment's offer; this also records each first decision.
    for i in 0..CUSTOMERS {
        let res: Value = client
            .post(&decide)
            .basic_auth(DEFAULT_ENGINE_API_KEY, Some(""))
            .json(&body(i))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(res["personalized_offers"][0]["offer_id"], format!("offer_{}", i % PLAYS + 1));
    }
    closed_loop(&client, &bare, WARMUP).await;
    closed_loop(&client, &decide, WARMUP).await;

    let mut b = closed_loop(&client, &bare, PHASE).await;
    let mut d = closed_loop(&client, &decide, PHASE).await;
    let mut r = fixed_rate(&client, &decide, RATE, PHASE).await;

    println!(
        "\nDecision benchmark: {PLAYS} plays, {CUSTOMERS} customers, {CONCURRENCY} concurrent clients, {}s per phase, loopback",
        PHASE.as_secs()
    );
    println!("{:<34} {:>10} {:>9} {:>9} {:>7}", "phase", "req/s", "p50 ms", "p99 ms", "errors");
    println!(
        "{:<34} {:>10.0} {:>9.2} {:>9.2} {:>7}",
        "bare JSON endpoint",
        b.throughput(),
        b.percentile(0.50),
        b.percentile(0.99),
        b.errors
    );
    println!(
        "{:<34} {:>10.0} {:>9.2} {:>9.2} {:>7}",
        "POST /api/v2/personalized_offers",
        d.throughput(),
        d.percentile(0.50),
        d.percentile(0.99),
        d.errors
    );
    println!(
        "{:<34} {:>10.0} {:>9.2} {:>9.2} {:>7}",
        format!("decisions at {RATE} req/s (open loop)"),
        r.throughput(),
        r.percentile(0.50),
        r.percentile(0.99),
        r.errors
    );
    let ratio = d.throughput() / b.throughput();
    let p99 = r.percentile(0.99);
    println!(
        "decision/bare throughput: {:.0}% (goal ≥ 50%: {}); p99 at {RATE} req/s: {p99:.2} ms (goal ≤ 5 ms: {})",
        ratio * 100.0,
        if ratio >= 0.5 { "met" } else { "NOT met" },
        if p99 <= 5.0 { "met" } else { "NOT met" },
    );
}
