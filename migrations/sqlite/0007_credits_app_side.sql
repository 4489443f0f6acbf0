-- The app's side of prepaid credits: which billing customer and subscription an account's credits come
-- from, the pack its top-ups buy, and its balance, kept in the same transaction as every ledger entry.
CREATE TABLE credit_accounts (
    account_id        TEXT PRIMARY KEY REFERENCES accounts(id),
    customer_id       TEXT NOT NULL UNIQUE,
    subscription_id   TEXT,
    pack_id           TEXT,
    pack_quantity     INTEGER NOT NULL DEFAULT 1 CHECK (pack_quantity >= 1),
    balance           INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
    low_threshold     INTEGER NOT NULL DEFAULT 100 CHECK (low_threshold >= 0),
    -- A low-balance episode starts when the balance falls below the threshold and ends when it rises to
    -- it again; the popup is offered once per episode (prompted_episode catches up with low_episode).
    is_low            INTEGER NOT NULL DEFAULT 0 CHECK (is_low IN (0, 1)),
    low_episode       INTEGER NOT NULL DEFAULT 0,
    prompted_episode  INTEGER NOT NULL DEFAULT 0,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

-- Append-only: a correction is a new adjustment entry, never an edit. Grants carry the payment event
-- they come from (one grant per event, whatever the webhook delivery does); consumptions and
-- adjustments carry the caller's operation key (one entry per key).
CREATE TABLE credit_ledger (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id     TEXT NOT NULL REFERENCES credit_accounts(account_id),
    kind           TEXT NOT NULL CHECK (kind IN ('grant', 'consumption', 'adjustment')),
    credits        INTEGER NOT NULL CHECK (credits <> 0),
    balance_after  INTEGER NOT NULL CHECK (balance_after >= 0),
    event_id       TEXT,
    operation_key  TEXT,
    description    TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    CHECK (kind <> 'grant' OR (event_id IS NOT NULL AND credits > 0)),
    CHECK (kind <> 'consumption' OR credits < 0)
);
CREATE UNIQUE INDEX credit_ledger_one_grant_per_event ON credit_ledger (event_id) WHERE event_id IS NOT NULL;
CREATE UNIQUE INDEX credit_ledger_one_entry_per_key ON credit_ledger (account_id, operation_key)
    WHERE operation_key IS NOT NULL;
CREATE INDEX credit_ledger_account ON credit_ledger (account_id, id);
CREATE TRIGGER credit_ledger_no_update BEFORE UPDATE ON credit_ledger
BEGIN SELECT RAISE(ABORT, 'credit_ledger is append-only'); END;
CREATE TRIGGER credit_ledger_no_delete BEFORE DELETE ON credit_ledger
BEGIN SELECT RAISE(ABORT, 'credit_ledger is append-only'); END;

-- Checkout and top-up choices, written before the billing call: the key is the idempotency key sent
-- with it, so a repeated click or a retry after a crash repeats the same request and changes nothing.
CREATE TABLE credit_actions (
    key          TEXT PRIMARY KEY,
    account_id   TEXT NOT NULL REFERENCES accounts(id),
    kind         TEXT NOT NULL CHECK (kind IN ('checkout', 'top_up_now', 'at_renewal', 'stop', 'change', 'undo_stop')),
    pack_id      TEXT,
    quantity     INTEGER,
    status       TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    message      TEXT,
    created_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX credit_actions_account ON credit_actions (account_id, created_at);
