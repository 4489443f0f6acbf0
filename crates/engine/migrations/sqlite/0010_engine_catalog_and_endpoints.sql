-- Item families as their own resource (Chargebee's GET /item_families), the item fields Chargebee
-- lists: metadata, and updated_at on items, item prices and customers for sort_by[…]=updated_at.
CREATE TABLE engine_item_families (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    description  TEXT,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
INSERT INTO engine_item_families (id, name, created_at, updated_at)
    SELECT item_family_id, item_family_id, MIN(created_at), MIN(created_at) FROM engine_items GROUP BY item_family_id;

ALTER TABLE engine_items ADD COLUMN metadata TEXT;               -- JSON object
ALTER TABLE engine_items ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE engine_items SET updated_at = created_at;
ALTER TABLE engine_item_prices ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE engine_item_prices SET updated_at = created_at;
ALTER TABLE engine_customers ADD COLUMN updated_at INTEGER NOT NULL DEFAULT 0;
UPDATE engine_customers SET updated_at = created_at;

-- Webhook endpoints as Chargebee's API manages them (POST /webhook_endpoints …).
ALTER TABLE engine_webhook_endpoints ADD COLUMN name TEXT NOT NULL DEFAULT '';
UPDATE engine_webhook_endpoints SET name = id;
ALTER TABLE engine_webhook_endpoints ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1));
ALTER TABLE engine_webhook_endpoints ADD COLUMN primary_url INTEGER NOT NULL DEFAULT 0 CHECK (primary_url IN (0, 1));
ALTER TABLE engine_webhook_endpoints ADD COLUMN enabled_events TEXT;  -- JSON array of event types; NULL is all
