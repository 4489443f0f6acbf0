//! Credit ledger invariants under concurrency: 200 tasks × 50 mixed operations (grants from payment
//! events delivered several times at once, usage with repeated keys, adjustments both ways) on a real
//! SQLite file through the one-connection writer.

mod common;
#[path = "support/ledger_load.rs"]
mod ledger_load;

use growthkit::credits::repo;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn balances_equal_their_entries_never_go_negative_and_each_event_grants_once() {
    let app = common::spawn().await;
    let (pool, writer) = (&app.state.pool, &app.state.writer);
    ledger_load::open_accounts(pool, writer, 20).await;

    let tally = ledger_load::run(writer, 20, 200, 50).await;
    assert_eq!(tally.operations(), 10_000);

    let problems = repo::audit(pool).await.unwrap();
    assert!(problems.is_empty(), "{problems:?}");
    // Exactly one grant per distinct event, however many deliveries raced.
    let (grants, consumptions, adjustments) = ledger_load::entry_counts(pool).await;
    assert_eq!(grants, tally.events_sent.len(), "one grant per event");
    assert!(tally.grants == grants && tally.already_applied > 0, "duplicates were sent and refused");
    // What the tasks were told was appended is exactly what the ledger holds: nothing lost or extra.
    assert_eq!((consumptions, adjustments), (tally.consumptions, tally.adjustments));
    assert!(tally.insufficient > 0, "the workload reached empty balances, and they were refused");
    let (negative,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM credit_accounts WHERE balance < 0").fetch_one(pool).await.unwrap();
    assert_eq!(negative, 0);

    // The ledger is append-only: the database itself refuses edits and deletions.
    assert!(sqlx::query("UPDATE credit_ledger SET credits = 1").execute(pool).await.is_err());
    assert!(sqlx::query("DELETE FROM credit_ledger").execute(pool).await.is_err());
}
