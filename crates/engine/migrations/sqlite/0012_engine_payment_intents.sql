-- Payment intents (POST /payment_intents): created by a merchant's server, authorized by the browser with
-- the card through the engine's card script, consumed by the one call that charges. The card the browser
-- authorized with is kept here (as the test gateway's token) until the consuming call saves it as the
-- customer's payment source.
CREATE TABLE engine_payment_intents (
    id              TEXT PRIMARY KEY,
    status          TEXT NOT NULL CHECK (status IN ('inited', 'authorized', 'consumed', 'expired')),
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    currency_code   TEXT NOT NULL,
    customer_id     TEXT,
    gateway_token   TEXT,
    masked_number   TEXT,
    expiry_month    INTEGER,
    expiry_year     INTEGER,
    attempt_id      TEXT,
    attempt_status  TEXT CHECK (attempt_status IN ('authorized', 'refused')),
    error_code      TEXT,
    error_text      TEXT,
    attempted_at    INTEGER,
    expires_at      INTEGER NOT NULL,
    created_at      INTEGER NOT NULL,
    modified_at     INTEGER NOT NULL
);
