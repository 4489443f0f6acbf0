-- Billing core for credit packs: item families and metadata (credits per pack), per-unit addon prices,
-- cards on file, term-end (unbilled) charges, scheduled cancellation, and events delivered as webhooks.
ALTER TABLE engine_items ADD COLUMN item_family_id TEXT NOT NULL DEFAULT 'default';
ALTER TABLE engine_item_prices ADD COLUMN pricing_model TEXT NOT NULL DEFAULT 'flat_fee'
    CHECK (pricing_model IN ('flat_fee', 'per_unit'));
ALTER TABLE engine_item_prices ADD COLUMN metadata TEXT;         -- JSON object, as Chargebee's `metadata`
ALTER TABLE engine_subscriptions ADD COLUMN cancelled_at INTEGER; -- when it was (or, non_renewing, will be) cancelled

-- The test gateway's vault: a customer's card on file. Only test card numbers ever reach it (the
-- gateway refuses any other), so keeping the number is what a real gateway's token would be.
CREATE TABLE engine_payment_sources (
    id             TEXT PRIMARY KEY,
    customer_id    TEXT NOT NULL REFERENCES engine_customers(id),
    gateway_token  TEXT NOT NULL,
    masked_number  TEXT NOT NULL,
    expiry_month   INTEGER NOT NULL,
    expiry_year    INTEGER NOT NULL,
    created_at     INTEGER NOT NULL
);
ALTER TABLE engine_customers ADD COLUMN primary_payment_source_id TEXT REFERENCES engine_payment_sources(id);

-- Charges waiting for the subscription's next invoice (charge_addon_at_term_end). `invoice_id` is set
-- when the renewal (or final) invoice bills them; a billed charge is never billed again.
CREATE TABLE engine_unbilled_charges (
    id               TEXT PRIMARY KEY,
    subscription_id  TEXT NOT NULL REFERENCES engine_subscriptions(id),
    customer_id      TEXT NOT NULL REFERENCES engine_customers(id),
    entity_type      TEXT NOT NULL,
    entity_id        TEXT NOT NULL,
    description      TEXT NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity >= 1),
    unit_amount      INTEGER NOT NULL CHECK (unit_amount >= 0),
    amount           INTEGER NOT NULL CHECK (amount >= 0),
    currency_code    TEXT NOT NULL,
    date_from        INTEGER NOT NULL,
    date_to          INTEGER NOT NULL,
    invoice_id       TEXT REFERENCES engine_invoices(id),
    created_at       INTEGER NOT NULL
);
CREATE INDEX engine_unbilled_charges_open ON engine_unbilled_charges (subscription_id) WHERE invoice_id IS NULL;
CREATE INDEX engine_subscriptions_due ON engine_subscriptions (status, current_term_end);

-- Events, in Chargebee's event shape (content is the JSON object of the resources involved).
CREATE TABLE engine_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    event_type   TEXT NOT NULL,
    source       TEXT NOT NULL,
    occurred_at  INTEGER NOT NULL,
    content      TEXT NOT NULL
);
CREATE INDEX engine_events_type ON engine_events (event_type, occurred_at);

CREATE TABLE engine_webhook_endpoints (
    id          TEXT PRIMARY KEY,
    url         TEXT NOT NULL,
    username    TEXT,
    password    TEXT,
    created_at  INTEGER NOT NULL
);

-- One row per event and endpoint. A sender claims a due row by bumping `attempts` (compare-and-set) and
-- moving `next_attempt_at` to the following retry before it sends, so a crash mid-send retries later
-- instead of losing the event, and two senders never send the same attempt.
CREATE TABLE engine_webhook_deliveries (
    event_id          TEXT NOT NULL REFERENCES engine_events(id),
    endpoint_id       TEXT NOT NULL REFERENCES engine_webhook_endpoints(id),
    status            TEXT NOT NULL CHECK (status IN ('scheduled', 'succeeded', 'failed')),
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_attempt_at   INTEGER NOT NULL,
    last_http_status  INTEGER,
    last_error        TEXT,
    delivered_at      INTEGER,
    PRIMARY KEY (event_id, endpoint_id)
);
CREATE INDEX engine_webhook_deliveries_due ON engine_webhook_deliveries (status, next_attempt_at);
