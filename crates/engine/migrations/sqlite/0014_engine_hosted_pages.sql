-- Hosted checkout pages opened by a `checkout` offer option: the customer pays on billing's own address
-- for the plan the option moves their subscription to, then returns to the merchant's page.
CREATE TABLE engine_hosted_pages (
    id               TEXT PRIMARY KEY,
    type             TEXT NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('created', 'requested', 'succeeded', 'cancelled', 'acknowledged')),
    failure_reason   TEXT,
    fulfillment_id   TEXT NOT NULL REFERENCES engine_offer_fulfillments (id),
    subscription_id  TEXT NOT NULL,
    item_price_id    TEXT NOT NULL,
    redirect_url     TEXT,
    expires_at       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);
CREATE INDEX engine_hosted_pages_open ON engine_hosted_pages (expires_at) WHERE state IN ('created', 'requested');
