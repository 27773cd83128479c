-- 0001_init: accounts, the double-entry journal, checks, failed accepts,
-- idempotency records and websessions.
--
-- Conventions: money is INTEGER minor units; times are INTEGER unix
-- milliseconds (UTC); an entry's amount is signed (+ raises the account's
-- balance, - lowers it), so an account's balance is the sum of its entries
-- and every transaction's entries sum to zero. The stored balance is a cache
-- of that sum, kept in the same database transaction (Audit re-derives it).
-- The literal 5 below is ledger.MaxCodeFailures and 1000000000000000 is
-- ledger.MaxBalance.

CREATE TABLE accounts (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,            -- 'user:<userId>', 'escrow:checks', 'external:...'
    kind       TEXT    NOT NULL CHECK (kind IN ('user', 'escrow', 'external')),
    user_id    TEXT    UNIQUE,              -- one account per user
    currency   TEXT    NOT NULL CHECK (length(currency) BETWEEN 1 AND 8),
    balance    INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    UNIQUE (name, currency),                -- escrow and external accounts: one per currency
    CHECK ((kind = 'user') = (user_id IS NOT NULL)),
    CHECK (kind = 'external' OR balance >= 0),          -- invariant 2, in the schema
    CHECK (balance <= 1000000000000000 AND balance >= -4000000000000000000)
) STRICT;

CREATE TABLE checks (
    id               INTEGER PRIMARY KEY,
    number           TEXT    NOT NULL UNIQUE,
    -- The code is stored as issued, not hashed: the "active checks" API
    -- returns it to the check's creator. It is only 4 digits, so a hash
    -- would not protect it from anyone who can read the file anyway; the
    -- database file is created 0600 and guesses are limited by
    -- failed_attempts and the per-account failure limit.
    code             TEXT    NOT NULL,
    creator_account  INTEGER NOT NULL REFERENCES accounts (id),
    redeemer_account INTEGER REFERENCES accounts (id),
    amount           INTEGER NOT NULL CHECK (amount > 0 AND amount <= 1000000000000),
    currency         TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('active', 'used', 'expired', 'cancelled')),
    failed_attempts  INTEGER NOT NULL DEFAULT 0 CHECK (failed_attempts BETWEEN 0 AND 5),
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    resolved_at      INTEGER,
    CHECK ((status = 'active') = (resolved_at IS NULL)),
    CHECK ((status = 'used') = (redeemer_account IS NOT NULL)),
    CHECK (status <> 'used' OR resolved_at < expires_at),
    CHECK (expires_at > created_at)
) STRICT;

CREATE INDEX checks_due ON checks (expires_at) WHERE status = 'active';
CREATE INDEX checks_creator ON checks (creator_account, status);
CREATE INDEX checks_redeemer ON checks (redeemer_account) WHERE redeemer_account IS NOT NULL;

-- Invariant 6: a check's status only moves active -> used | expired | cancelled,
-- and what was issued never changes.
CREATE TRIGGER checks_status_monotonic BEFORE UPDATE OF status ON checks
WHEN OLD.status <> 'active' AND NEW.status <> OLD.status
BEGIN
    SELECT RAISE(ABORT, 'check status can only leave active');
END;

CREATE TRIGGER checks_immutable BEFORE UPDATE OF number, code, creator_account, amount, currency, created_at, expires_at ON checks
WHEN NEW.number IS NOT OLD.number OR NEW.code IS NOT OLD.code
  OR NEW.creator_account IS NOT OLD.creator_account OR NEW.amount IS NOT OLD.amount
  OR NEW.currency IS NOT OLD.currency OR NEW.created_at IS NOT OLD.created_at
  OR NEW.expires_at IS NOT OLD.expires_at
BEGIN
    SELECT RAISE(ABORT, 'a check''s issued fields are immutable');
END;

CREATE TRIGGER checks_attempts_monotonic BEFORE UPDATE OF failed_attempts ON checks
WHEN NEW.failed_attempts < OLD.failed_attempts
BEGIN
    SELECT RAISE(ABORT, 'failed_attempts never decreases');
END;

CREATE TRIGGER checks_no_delete BEFORE DELETE ON checks
BEGIN
    SELECT RAISE(ABORT, 'checks are never deleted');
END;

CREATE TABLE transactions (
    id         INTEGER PRIMARY KEY,
    kind       TEXT    NOT NULL CHECK (kind IN ('deposit', 'create', 'accept', 'cancel', 'expire')),
    check_id   INTEGER REFERENCES checks (id),
    ref        TEXT    UNIQUE,              -- a deposit's external reference
    created_at INTEGER NOT NULL,
    CHECK ((kind = 'deposit') = (check_id IS NULL))
) STRICT;

-- Invariant 3: a check has exactly one creating and at most one resolving
-- transaction, whatever the application code does.
CREATE UNIQUE INDEX transactions_one_create ON transactions (check_id) WHERE kind = 'create';
CREATE UNIQUE INDEX transactions_one_resolution ON transactions (check_id) WHERE kind IN ('accept', 'cancel', 'expire');

CREATE TABLE entries (
    id         INTEGER PRIMARY KEY,
    tx_id      INTEGER NOT NULL REFERENCES transactions (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    amount     INTEGER NOT NULL CHECK (amount <> 0)
) STRICT;

CREATE INDEX entries_tx ON entries (tx_id);
CREATE INDEX entries_account ON entries (account_id, tx_id);

-- The journal is append-only: mistakes are fixed by new transactions.
CREATE TRIGGER transactions_no_update BEFORE UPDATE ON transactions
BEGIN
    SELECT RAISE(ABORT, 'transactions are append-only');
END;
CREATE TRIGGER transactions_no_delete BEFORE DELETE ON transactions
BEGIN
    SELECT RAISE(ABORT, 'transactions are append-only');
END;
CREATE TRIGGER entries_no_update BEFORE UPDATE ON entries
BEGIN
    SELECT RAISE(ABORT, 'entries are append-only');
END;
CREATE TRIGGER entries_no_delete BEFORE DELETE ON entries
BEGIN
    SELECT RAISE(ABORT, 'entries are append-only');
END;

-- Failed accepts (unknown number, wrong code), for the per-account limit.
CREATE TABLE accept_failures (
    id      INTEGER PRIMARY KEY,
    user_id TEXT    NOT NULL,
    number  TEXT    NOT NULL,
    reason  TEXT    NOT NULL,
    at      INTEGER NOT NULL
) STRICT;

CREATE INDEX accept_failures_user_at ON accept_failures (user_id, at);
CREATE INDEX accept_failures_at ON accept_failures (at);

-- Idempotency records, written in the same transaction as the money they move.
CREATE TABLE idempotency (
    user_id      TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    hash         BLOB    NOT NULL,
    op           TEXT    NOT NULL CHECK (op IN ('create', 'accept', 'cancel')),
    check_number TEXT,
    outcome      TEXT    NOT NULL,          -- 'ok' or a recorded business error
    balance      INTEGER NOT NULL,          -- the caller's balance right after
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) STRICT, WITHOUT ROWID;

CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE websessions (
    id              TEXT    PRIMARY KEY,
    public_key      BLOB    NOT NULL,
    client_ip       TEXT    NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,       -- for deleted sessions: when they were deleted, at the latest
    state           TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'deleted')),
    user_id         TEXT,
    user_session_id TEXT,
    approved_at     INTEGER,
    CHECK (state <> 'approved' OR (user_id IS NOT NULL AND approved_at IS NOT NULL))
) STRICT;

CREATE INDEX websessions_expires ON websessions (expires_at);
