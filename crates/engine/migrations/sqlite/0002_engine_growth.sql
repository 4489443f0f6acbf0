-- The built-in Chargebee-compatible engine. Its tables carry the `engine_` prefix: the app side never
-- reads them and reaches the engine only through the Billing port.

-- Engine-wide state that survives restarts: the time-travel offset and Growth settings.
CREATE TABLE engine_settings (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
);

-- Billing core, as far as offers need it (gifts and credit packs extend it).
CREATE TABLE engine_items (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    type        TEXT NOT NULL CHECK (type IN ('plan', 'addon', 'charge')),
    created_at  INTEGER NOT NULL
);

CREATE TABLE engine_item_prices (
    id           TEXT PRIMARY KEY,
    item_id      TEXT NOT NULL REFERENCES engine_items(id),
    name         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    price        INTEGER NOT NULL CHECK (price >= 0),  -- minor units
    period       INTEGER,
    period_unit  TEXT CHECK (period_unit IN ('day', 'week', 'month', 'year')),
    created_at   INTEGER NOT NULL
);

CREATE TABLE engine_customers (
    id          TEXT PRIMARY KEY,
    first_name  TEXT,
    last_name   TEXT,
    email       TEXT,
    company     TEXT,
    created_at  INTEGER NOT NULL
);

CREATE TABLE engine_subscriptions (
    id                  TEXT PRIMARY KEY,
    customer_id         TEXT NOT NULL REFERENCES engine_customers(id),
    plan_item_price_id  TEXT NOT NULL REFERENCES engine_item_prices(id),
    status              TEXT NOT NULL CHECK (status IN ('future', 'in_trial', 'active', 'non_renewing', 'paused', 'cancelled')),
    current_term_start  INTEGER,
    current_term_end    INTEGER,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER NOT NULL
);
CREATE INDEX engine_subscriptions_customer ON engine_subscriptions (customer_id);

-- Growth configuration.
CREATE TABLE engine_custom_fields (
    id          TEXT PRIMARY KEY,
    label       TEXT NOT NULL,
    data_type   TEXT NOT NULL CHECK (data_type IN ('boolean', 'number', 'string')),
    key         TEXT NOT NULL UNIQUE,           -- e.g. custom.has_advanced_analytics
    created_at  INTEGER NOT NULL
);

CREATE TABLE engine_audiences (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    match_type  TEXT NOT NULL CHECK (match_type IN ('all', 'any')),
    rules       TEXT NOT NULL,                  -- JSON array of {property, operator, value}
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE engine_offers (
    id                TEXT PRIMARY KEY,
    name              TEXT NOT NULL,
    title_html        TEXT NOT NULL,
    description_html  TEXT NOT NULL,
    options           TEXT NOT NULL,            -- JSON array of {id, label, processing_type, processing_layout, redirect_url}
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);

CREATE TABLE engine_plays (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    play_type    TEXT NOT NULL CHECK (play_type IN ('acquisition', 'expansion', 'retention')),
    audience_id  TEXT REFERENCES engine_audiences(id),   -- NULL targets everyone
    trigger      TEXT NOT NULL,
    offer_id     TEXT NOT NULL REFERENCES engine_offers(id),
    priority     INTEGER NOT NULL CHECK (priority >= 1),  -- 1 is the highest
    status       TEXT NOT NULL CHECK (status IN ('active', 'draft')),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);

-- One row per (offer, play, customer, subscription) ever decided; its id is derived from that tuple, so a
-- repeat decision writes nothing. subscription_key is the subscription id, or 'customer:<id>' without one.
CREATE TABLE engine_personalized_offers (
    id                TEXT PRIMARY KEY,
    offer_id          TEXT NOT NULL REFERENCES engine_offers(id),
    play_id           TEXT NOT NULL REFERENCES engine_plays(id),
    customer_id       TEXT NOT NULL REFERENCES engine_customers(id),
    subscription_key  TEXT NOT NULL,
    first_decided_at  INTEGER NOT NULL,
    dismissed_at      INTEGER,                  -- the latest dismissal; starts the cooldown
    UNIQUE (offer_id, play_id, customer_id, subscription_key)
);

CREATE TABLE engine_offer_events (
    id                     INTEGER PRIMARY KEY AUTOINCREMENT,
    personalized_offer_id  TEXT NOT NULL REFERENCES engine_personalized_offers(id),
    type                   TEXT NOT NULL CHECK (type IN ('viewed', 'dismissed', 'accepted', 'fulfilled', 'failed')),
    occurred_at            INTEGER NOT NULL
);
CREATE INDEX engine_offer_events_po ON engine_offer_events (personalized_offer_id, type);

CREATE TABLE engine_offer_fulfillments (
    id                     TEXT PRIMARY KEY,
    personalized_offer_id  TEXT NOT NULL REFERENCES engine_personalized_offers(id),
    option_id              TEXT NOT NULL,
    processing_type        TEXT NOT NULL,
    redirect_url           TEXT,
    status                 TEXT NOT NULL CHECK (status IN ('in_progress', 'completed', 'failed')),
    offer_id               TEXT NOT NULL,
    play_id                TEXT NOT NULL,
    subscription_key       TEXT NOT NULL,       -- subscription id, or 'customer:<id>' without one
    error_code             TEXT,
    error_message          TEXT,
    created_at             INTEGER NOT NULL,
    completed_at           INTEGER,
    failed_at              INTEGER
);
-- The acceptance rule lives here: while one fulfillment of an offer from a play is in progress or
-- completed for a subscription, no second one can exist (a second click, or a second team member).
-- A failed one no longer blocks, so the offer can be accepted again.
CREATE UNIQUE INDEX engine_offer_fulfillments_one_live
    ON engine_offer_fulfillments (offer_id, play_id, subscription_key)
    WHERE status IN ('in_progress', 'completed');
CREATE INDEX engine_offer_fulfillments_po ON engine_offer_fulfillments (personalized_offer_id);
CREATE INDEX engine_offer_fulfillments_open ON engine_offer_fulfillments (status, created_at);

-- Idempotency keys for POSTs to /api/v2 (30-minute window, as Chargebee documents).
CREATE TABLE engine_idempotency_keys (
    key           TEXT PRIMARY KEY,
    request_hash  TEXT NOT NULL,
    status        INTEGER,                      -- NULL while the first request is still running
    body          TEXT,
    created_at    INTEGER NOT NULL
);
