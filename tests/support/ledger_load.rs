//! A mixed ledger workload shared by the invariants test and the ledger benchmark: many concurrent
//! tasks granting (payment events, some delivered twice and concurrently), consuming and adjusting
//! credits on a set of accounts, each operation through `credits::repo::apply` on a real SQLite file.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use growthkit::credits::repo::{self, Applied, Entry};
use sqlx::SqlitePool;

/// What the tasks saw, to compare with what the database holds.
#[derive(Debug, Default)]
pub struct Tally {
    pub grants: usize,
    pub consumptions: usize,
    pub adjustments: usize,
    pub already_applied: usize,
    pub insufficient: usize,
    pub events_sent: HashSet<String>,
    pub latencies: Vec<Duration>,
}

impl Tally {
    pub fn operations(&self) -> usize {
        self.latencies.len()
    }

    fn merge(&mut self, other: Tally) {
        self.grants += other.grants;
        self.consumptions += other.consumptions;
        self.adjustments += other.adjustments;
        self.already_applied += other.already_applied;
        self.insufficient += other.insufficient;
        self.events_sent.extend(other.events_sent);
        self.latencies.extend(other.latencies);
    }
}

pub fn account_id(i: usize) -> String {
    format!("load_{i:03}")
}

/// Creates `n` accounts, each with an empty credits row.
pub async fn open_accounts(pool: &SqlitePool, writer: &SqlitePool, n: usize) {
    let mut tx = pool.begin().await.unwrap();
    for i in 0..n {
        growthkit::auth::repo::insert_account(&mut tx, &account_id(i), "Load test", 0).await.unwrap();
    }
    tx.commit().await.unwrap();
    for i in 0..n {
        repo::open_account(writer, &account_id(i), &format!("cus_load_{i}"), 0).await.unwrap();
    }
}

/// A small deterministic generator, so every run does the same work.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

/// Runs `tasks` concurrent tasks of `ops` operations each over `accounts` accounts.
pub async fn run(writer: &SqlitePool, accounts: usize, tasks: usize, ops: usize) -> Tally {
    let mut handles = Vec::new();
    for task in 0..tasks {
        let writer = writer.clone();
        handles.push(tokio::spawn(async move {
            let mut rng = Lcg(task as u64 + 1);
            let mut tally = Tally::default();
            for op in 0..ops {
                let roll = rng.next(100);
                let started = Instant::now();
                let applied = if roll < 30 {
                    // Payment events: a pool shared by all tasks, so many are delivered more than once,
                    // often at the same moment. An event always names the same account and amount.
                    let n = rng.next((tasks * ops / 8).max(1) as u64) as usize;
                    let event = format!("ev_load_{n}");
                    let account = account_id(n % accounts);
                    let credits = 100 * (1 + (n % 5) as i64);
                    let entry = Entry::Grant { event_id: &event, credits, description: "load grant" };
                    let applied = repo::apply(&writer, &account, &entry, 1).await.unwrap();
                    tally.events_sent.insert(event);
                    if matches!(applied, Applied::Done { .. }) {
                        tally.grants += 1;
                    }
                    applied
                } else if roll < 80 {
                    // Usage; one in ten repeats the previous key (a double click).
                    let key_op = if rng.next(10) == 0 { op.saturating_sub(1) } else { op };
                    let key = format!("use_{task}_{key_op}");
                    let entry =
                        Entry::Consumption { key: &key, credits: 1 + rng.next(60) as i64, description: "load use" };
                    let applied = repo::apply(&writer, &account_id(task % accounts), &entry, 1).await.unwrap();
                    if matches!(applied, Applied::Done { .. }) {
                        tally.consumptions += 1;
                    }
                    applied
                } else {
                    let key = format!("adj_{task}_{op}");
                    let credits = rng.next(61) as i64 - 30;
                    let credits = if credits == 0 { 1 } else { credits };
                    let entry = Entry::Adjustment { key: &key, credits, description: "load adjustment" };
                    let applied = repo::apply(&writer, &account_id((task + op) % accounts), &entry, 1).await.unwrap();
                    if matches!(applied, Applied::Done { .. }) {
                        tally.adjustments += 1;
                    }
                    applied
                };
                tally.latencies.push(started.elapsed());
                match applied {
                    Applied::AlreadyApplied => tally.already_applied += 1,
                    Applied::Insufficient { .. } => tally.insufficient += 1,
                    Applied::UnknownAccount => panic!("every load account exists"),
                    Applied::Done { .. } => {}
                }
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for h in handles {
        total.merge(h.await.unwrap());
    }
    total
}

/// Entries of each kind in the ledger: (grants, consumptions, adjustments).
pub async fn entry_counts(pool: &SqlitePool) -> (usize, usize, usize) {
    let count = |kind: &'static str| async move {
        sqlx::query_as::<_, (i64,)>("SELECT COUNT(*) FROM credit_ledger WHERE kind = ?")
            .bind(kind)
            .fetch_one(pool)
            .await
            .unwrap()
            .0 as usize
    };
    (count("grant").await, count("consumption").await, count("adjustment").await)
}
