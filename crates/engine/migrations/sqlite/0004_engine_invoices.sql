-- Invoices and payment transactions of the engine's billing core. Amounts are integer minor units.
CREATE TABLE engine_invoices (
    id               TEXT PRIMARY KEY,
    customer_id      TEXT NOT NULL REFERENCES engine_customers(id),
    subscription_id  TEXT REFERENCES engine_subscriptions(id),
    status           TEXT NOT NULL CHECK (status IN ('paid', 'payment_due', 'not_paid', 'voided', 'pending')),
    currency_code    TEXT NOT NULL,
    total            INTEGER NOT NULL CHECK (total >= 0),
    amount_paid      INTEGER NOT NULL CHECK (amount_paid >= 0),
    amount_due       INTEGER NOT NULL CHECK (amount_due >= 0),
    line_items       TEXT NOT NULL,            -- JSON array in Chargebee's line_item shape
    date             INTEGER NOT NULL,
    paid_at          INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX engine_invoices_customer ON engine_invoices (customer_id, date);
CREATE INDEX engine_invoices_subscription ON engine_invoices (subscription_id, date);

-- Every attempt on the test gateway, successful or not.
CREATE TABLE engine_transactions (
    id             TEXT PRIMARY KEY,
    customer_id    TEXT NOT NULL REFERENCES engine_customers(id),
    invoice_id     TEXT REFERENCES engine_invoices(id),
    amount         INTEGER NOT NULL CHECK (amount >= 0),
    currency_code  TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('success', 'failure')),
    masked_card    TEXT NOT NULL,
    error_code     TEXT,
    error_text     TEXT,
    occurred_at    INTEGER NOT NULL
);
CREATE INDEX engine_transactions_customer ON engine_transactions (customer_id, occurred_at);
