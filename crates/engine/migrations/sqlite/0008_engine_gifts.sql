-- Gift subscriptions in the engine: giftable (and shippable) items, the site's gift settings, gifts with
-- their timeline, and the link from a gift subscription to its gift.
ALTER TABLE engine_items ADD COLUMN is_giftable INTEGER NOT NULL DEFAULT 0 CHECK (is_giftable IN (0, 1));
ALTER TABLE engine_items ADD COLUMN is_shippable INTEGER NOT NULL DEFAULT 0 CHECK (is_shippable IN (0, 1));
ALTER TABLE engine_subscriptions ADD COLUMN gift_id TEXT;

-- One row: the site's gift settings (Chargebee's Settings › Gift Subscription), changeable in the studio.
CREATE TABLE engine_gift_settings (
    id                      INTEGER PRIMARY KEY CHECK (id = 1),
    enabled                 INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    auto_claim              INTEGER NOT NULL DEFAULT 0 CHECK (auto_claim IN (0, 1)),
    no_expiry               INTEGER NOT NULL DEFAULT 0 CHECK (no_expiry IN (0, 1)),
    claim_within_days       INTEGER NOT NULL DEFAULT 30 CHECK (claim_within_days BETWEEN 1 AND 365),
    gifter_may_schedule     INTEGER NOT NULL DEFAULT 1 CHECK (gifter_may_schedule IN (0, 1)),
    gifter_enters_shipping  INTEGER NOT NULL DEFAULT 1 CHECK (gifter_enters_shipping IN (0, 1)),
    gifter_may_cancel       INTEGER NOT NULL DEFAULT 1 CHECK (gifter_may_cancel IN (0, 1)),
    recipient_may_cancel    INTEGER NOT NULL DEFAULT 0 CHECK (recipient_may_cancel IN (0, 1)),
    reminder_after_days     INTEGER NOT NULL DEFAULT 3 CHECK (reminder_after_days BETWEEN 1 AND 365),
    updated_at              INTEGER NOT NULL DEFAULT 0
);
INSERT INTO engine_gift_settings (id) VALUES (1);

CREATE TABLE engine_gifts (
    id                    TEXT PRIMARY KEY,
    status                TEXT NOT NULL CHECK (status IN ('scheduled', 'unclaimed', 'claimed', 'cancelled', 'expired')),
    scheduled_at          INTEGER NOT NULL,
    auto_claim            INTEGER NOT NULL CHECK (auto_claim IN (0, 1)),
    no_expiry             INTEGER NOT NULL CHECK (no_expiry IN (0, 1)),
    claim_expiry_date     INTEGER,
    gifter_customer_id    TEXT NOT NULL REFERENCES engine_customers(id),
    gifter_invoice_id     TEXT NOT NULL REFERENCES engine_invoices(id),
    signature             TEXT NOT NULL,
    note                  TEXT,
    receiver_customer_id  TEXT NOT NULL REFERENCES engine_customers(id),
    receiver_first_name   TEXT NOT NULL,
    receiver_last_name    TEXT NOT NULL,
    receiver_email        TEXT NOT NULL,
    subscription_id       TEXT NOT NULL UNIQUE REFERENCES engine_subscriptions(id),
    shipping_address      TEXT,                  -- JSON object in Chargebee's address shape
    resource_version      INTEGER NOT NULL,
    created_at            INTEGER NOT NULL,
    updated_at            INTEGER NOT NULL,
    -- A claim window only without no_expiry and auto_claim, and it ends after the notification.
    CHECK (claim_expiry_date IS NULL OR claim_expiry_date > scheduled_at),
    CHECK (NOT (auto_claim = 1 AND no_expiry = 1))
);
CREATE INDEX engine_gifts_due ON engine_gifts (status, scheduled_at);
CREATE INDEX engine_gifts_expiry ON engine_gifts (status, claim_expiry_date);
CREATE INDEX engine_gifts_gifter ON engine_gifts (gifter_customer_id);
CREATE INDEX engine_gifts_receiver ON engine_gifts (receiver_email);

CREATE TABLE engine_gift_timelines (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    gift_id      TEXT NOT NULL REFERENCES engine_gifts(id),
    status       TEXT NOT NULL,
    occurred_at  INTEGER NOT NULL
);
CREATE INDEX engine_gift_timelines_gift ON engine_gift_timelines (gift_id, id);
