-- E-mails an `email` offer option sends to the customer when accepted, written with the fulfillment and
-- delivered by the worker, retried with backoff, so a crash or a down mail server loses none.
CREATE TABLE engine_offer_emails (
    fulfillment_id   TEXT PRIMARY KEY REFERENCES engine_offer_fulfillments (id),
    to_address       TEXT NOT NULL,
    to_name          TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    last_error       TEXT,
    sent_at          INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX engine_offer_emails_due ON engine_offer_emails (next_attempt_at) WHERE status = 'pending';
