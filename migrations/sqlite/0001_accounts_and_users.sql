-- Accounts are the paying unit (a company, a household). Users sign in and belong to exactly one account;
-- in B2B several users share one account and therefore one subscription.
CREATE TABLE accounts (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    account_id     TEXT NOT NULL REFERENCES accounts(id),
    email          TEXT NOT NULL,
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    -- owner: manages the account and its billing; member: uses the product.
    role           TEXT NOT NULL CHECK (role IN ('owner', 'member')),
    -- Product-team access to the studio (offer config, previews, time travel).
    is_admin       INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    created_at     INTEGER NOT NULL
);

-- Sign-in looks users up by e-mail, case-insensitively; the index also makes e-mails unique that way.
CREATE UNIQUE INDEX users_email_unique ON users (lower(email));
CREATE INDEX users_account ON users (account_id);
