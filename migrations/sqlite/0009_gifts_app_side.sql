-- Gifts, app side: what the app remembers of the gifts bought through it (the gifter's time zone, for
-- showing times as they chose them), the claim links it hands out, and the outbox of every e-mail it
-- writes.

CREATE TABLE gift_purchases (
    gift_id             TEXT PRIMARY KEY,
    account_id          TEXT NOT NULL REFERENCES accounts(id),
    user_id             TEXT NOT NULL REFERENCES users(id),
    -- IANA name as the browser reported it, and its offset from UTC at the notification time.
    time_zone           TEXT NOT NULL,
    utc_offset_minutes  INTEGER NOT NULL CHECK (utc_offset_minutes BETWEEN -840 AND 840),
    created_at          INTEGER NOT NULL
);
CREATE INDEX gift_purchases_account ON gift_purchases (account_id, created_at);

-- A claim link's token is shown once (in the recipient's e-mail); only its SHA-256 is kept to look it
-- up. One link per gift; used_at is set by the claim that used it.
CREATE TABLE gift_claim_links (
    token_hash  TEXT PRIMARY KEY,
    gift_id     TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    used_at     INTEGER
);

-- Every e-mail the app writes. (topic, kind) is unique, so an event delivered twice, or a restart in
-- the middle of handling one, never writes a message twice. A message waits until due_at (claim
-- reminders), is then sent by SMTP when configured, or kept here only.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    topic       TEXT NOT NULL,            -- what it is about, e.g. a gift id
    kind        TEXT NOT NULL,            -- which message, e.g. gift_order_confirmation
    to_address  TEXT NOT NULL,
    to_name     TEXT NOT NULL,
    subject     TEXT NOT NULL,
    body        TEXT NOT NULL,
    link        TEXT,                     -- the message's call to action, also in the body
    due_at      INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('waiting', 'sending', 'sent', 'kept', 'skipped', 'failed')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    claimed_at  INTEGER,
    sent_at     INTEGER,
    created_at  INTEGER NOT NULL,
    UNIQUE (topic, kind)
);
CREATE INDEX outbox_due ON outbox (status, due_at);
CREATE INDEX outbox_recipient ON outbox (to_address COLLATE NOCASE, due_at);
