-- App side of upgrade offers: what each account may use, and the offers its users accepted.

-- App-wide settings, e.g. the secret that signs offer tokens (generated on first start).
CREATE TABLE app_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Features an account has unlocked (the app's own entitlement flags).
CREATE TABLE entitlements (
    account_id  TEXT NOT NULL REFERENCES accounts(id),
    feature     TEXT NOT NULL,
    granted_at  INTEGER NOT NULL,
    source      TEXT NOT NULL,
    PRIMARY KEY (account_id, feature)
);

-- One row per acceptance of an offer by a user. The row is written before billing is called, and its id
-- is the idempotency key of the billing calls it makes, so a retry after a crash repeats the same key.
CREATE TABLE offer_acceptances (
    id                     TEXT PRIMARY KEY,
    account_id             TEXT NOT NULL REFERENCES accounts(id),
    user_id                TEXT NOT NULL REFERENCES users(id),
    personalized_offer_id  TEXT NOT NULL,
    option_id              TEXT NOT NULL,
    redirect_path          TEXT,               -- from the fulfillment billing created
    fulfillment_id         TEXT UNIQUE,        -- known once billing created the fulfillment
    status                 TEXT NOT NULL CHECK (status IN ('accepting', 'in_progress', 'completed', 'failed')),
    failure_reason         TEXT,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
);
-- A double click, or a second team member, cannot open a second acceptance of the same offer while one is
-- open or done; a failed one no longer blocks, so the user can try again.
CREATE UNIQUE INDEX offer_acceptances_one_open
    ON offer_acceptances (account_id, personalized_offer_id)
    WHERE status IN ('accepting', 'in_progress', 'completed');
CREATE INDEX offer_acceptances_open ON offer_acceptances (status, created_at);
