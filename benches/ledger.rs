//! Credit ledger throughput: `cargo bench --features ssr --bench ledger`.
//!
//! Boots the app's state on a temporary SQLite file (WAL, the one-connection ledger writer), opens 50
//! credit accounts and runs the mixed workload of `tests/support/ledger_load.rs` — grants from payment
//! events (many delivered twice, concurrently), usage with repeated keys, adjustments — from 64
//! concurrent tasks. It prints operations per second and per-operation latency, then checks every
//! invariant (balance = sum of entries, never negative, one grant per event) and says whether they held.
//! A measurement, not a test: it asserts nothing about speed. It stops by itself.

#[path = "../tests/support/ledger_load.rs"]
mod ledger_load;

use std::time::Instant;

use growthkit::config::Config;
use growthkit::credits::repo;
use growthkit::server;
use growthkit_clock::Clock;

const ACCOUNTS: usize = 50;
const TASKS: usize = 64;
const OPS_PER_TASK: usize = 500;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("ledger.db").display());
        let config = Config::from_lookup(|k| match k {
            "DATABASE_URL" => Some(url.clone()),
            "GROWTHKIT_DEMO_DATA" => Some("false".into()),
            _ => None,
        })
        .unwrap();
        let state = server::boot(config, Clock::system()).await.unwrap();
        ledger_load::open_accounts(&state.pool, &state.writer, ACCOUNTS).await;

        let started = Instant::now();
        let mut tally = ledger_load::run(&state.writer, ACCOUNTS, TASKS, OPS_PER_TASK).await;
        let elapsed = started.elapsed();

        tally.latencies.sort();
        let pct = |p: f64| tally.latencies[((tally.latencies.len() as f64 - 1.0) * p) as usize];
        let ops = tally.operations();
        println!(
            "ledger: {ops} operations from {TASKS} tasks on {ACCOUNTS} accounts in {:.2} s",
            elapsed.as_secs_f64()
        );
        println!("  throughput: {:.0} operations/s", ops as f64 / elapsed.as_secs_f64());
        println!("  latency: p50 {:.2} ms, p99 {:.2} ms", pct(0.50).as_secs_f64() * 1e3, pct(0.99).as_secs_f64() * 1e3);
        println!(
            "  appended: {} grants, {} uses, {} adjustments; refused: {} repeats, {} over the balance",
            tally.grants, tally.consumptions, tally.adjustments, tally.already_applied, tally.insufficient
        );
        let problems = repo::audit(&state.pool).await.unwrap();
        let (grants, ..) = ledger_load::entry_counts(&state.pool).await;
        if problems.is_empty() && grants == tally.events_sent.len() {
            println!("  invariants: all hold (balance = sum of entries, never negative, one grant per event)");
        } else {
            println!("  invariants BROKEN: {problems:?}; {grants} grants for {} events", tally.events_sent.len());
            std::process::exit(1);
        }
    });
}
