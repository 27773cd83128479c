-- 0002_payments: top-up orders, withdrawals, processed provider events and
-- the last TOTP step accepted per secret; four new transaction kinds.
--
-- New kinds: 'topup' (an external inflow account -> a user, for an order),
-- 'withdraw' (a user -> the pending-outflow account), 'payout' (pending ->
-- the external outflow account, once the provider confirmed the transfer)
-- and 'refund' (pending -> the user, after a definite failure). SQLite
-- cannot alter a CHECK constraint, so the transactions table is rebuilt
-- here with the wider kind list and two new foreign keys (order_id,
-- withdrawal_id), and entries with it (its foreign key must name the new
-- table). The rebuild copies every row with its id, keeps the
-- append-only triggers and indexes, and runs in the migration's one
-- transaction with foreign keys on: entries is dropped before
-- transactions, so no reference is ever dangling. 0001 stays as released.
--
-- The pending-outflow accounts ('pending:briacoin-outflow') are of kind
-- 'escrow': money held until an outcome is known, like a check's.

CREATE TABLE orders (
    id           INTEGER PRIMARY KEY,
    public_id    TEXT    NOT NULL UNIQUE,   -- 32 hex, what the user sees
    provider     TEXT    NOT NULL,          -- 'bank:sandbox', 'briacoin'
    external_id  TEXT    NOT NULL,          -- the provider's id
    user_account INTEGER NOT NULL REFERENCES accounts (id),
    currency     TEXT    NOT NULL,
    expected     INTEGER NOT NULL CHECK (expected > 0 AND expected <= 1000000000000000),
    paid_total   INTEGER NOT NULL DEFAULT 0 CHECK (paid_total >= 0 AND paid_total <= 1000000000000000),
    paid_native  INTEGER NOT NULL DEFAULT 0 CHECK (paid_native >= 0),
    credited     INTEGER NOT NULL DEFAULT 0 CHECK (credited >= 0 AND credited <= paid_total),
    status       TEXT    NOT NULL CHECK (status IN ('new', 'part', 'close', 'expired', 'declined')),
    source       TEXT    NOT NULL CHECK (source LIKE 'external:%'),
    meta         TEXT    NOT NULL DEFAULT '{}',
    idem_key     TEXT,
    idem_hash    BLOB,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    checked_at   INTEGER NOT NULL,
    UNIQUE (provider, external_id),
    UNIQUE (user_account, idem_key),
    CHECK ((idem_key IS NULL) = (idem_hash IS NULL))
) STRICT;

CREATE INDEX orders_open ON orders (provider, checked_at) WHERE status IN ('new', 'part');
CREATE INDEX orders_due ON orders (expires_at) WHERE status IN ('new', 'part');
CREATE INDEX orders_user ON orders (user_account, created_at);

-- Invariant 6 for orders: credited and paid never decrease, the status only
-- moves forward (ledger.OrderRank), and what was ordered never changes.
CREATE TRIGGER orders_monotonic BEFORE UPDATE ON orders
WHEN NEW.credited < OLD.credited OR NEW.paid_total < OLD.paid_total OR NEW.paid_native < OLD.paid_native
  OR (CASE NEW.status WHEN 'new' THEN 1 WHEN 'part' THEN 2 WHEN 'close' THEN 4 ELSE 3 END)
   < (CASE OLD.status WHEN 'new' THEN 1 WHEN 'part' THEN 2 WHEN 'close' THEN 4 ELSE 3 END)
  OR (NEW.status <> OLD.status AND OLD.status IN ('expired', 'declined') AND NEW.status <> 'close')
BEGIN
    SELECT RAISE(ABORT, 'an order''s paid, credited and status only move forward');
END;

CREATE TRIGGER orders_immutable BEFORE UPDATE OF public_id, provider, external_id, user_account, currency, expected, source, created_at ON orders
WHEN NEW.public_id IS NOT OLD.public_id OR NEW.provider IS NOT OLD.provider OR NEW.external_id IS NOT OLD.external_id
  OR NEW.user_account IS NOT OLD.user_account OR NEW.currency IS NOT OLD.currency OR NEW.expected IS NOT OLD.expected
  OR NEW.source IS NOT OLD.source OR NEW.created_at IS NOT OLD.created_at
BEGIN
    SELECT RAISE(ABORT, 'an order''s terms are immutable');
END;

CREATE TRIGGER orders_no_delete BEFORE DELETE ON orders
BEGIN
    SELECT RAISE(ABORT, 'orders are never deleted');
END;

CREATE TABLE withdrawals (
    id           INTEGER PRIMARY KEY,
    ref          TEXT    NOT NULL UNIQUE,
    user_account INTEGER NOT NULL REFERENCES accounts (id),
    amount       INTEGER NOT NULL CHECK (amount > 0 AND amount <= 1000000000000000),
    currency     TEXT    NOT NULL,
    destination  TEXT    NOT NULL,
    provider     TEXT    NOT NULL,
    outflow      TEXT    NOT NULL CHECK (outflow LIKE 'external:%'),
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'unknown')),
    txid         TEXT,
    reason       TEXT,
    meta         TEXT    NOT NULL DEFAULT '{}',
    idem_key     TEXT,
    idem_hash    BLOB,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    attempted_at INTEGER,                   -- set, durably, before the transfer is sent
    UNIQUE (user_account, idem_key),
    CHECK ((idem_key IS NULL) = (idem_hash IS NULL)),
    CHECK (status IN ('pending', 'failed') OR attempted_at IS NOT NULL)
) STRICT;

CREATE INDEX withdrawals_open ON withdrawals (created_at) WHERE status IN ('pending', 'unknown');
CREATE INDEX withdrawals_user ON withdrawals (user_account, created_at);

-- A withdrawal leaves pending (or unknown) once, for sent or failed, and
-- never comes back; what was asked never changes.
CREATE TRIGGER withdrawals_status_monotonic BEFORE UPDATE OF status ON withdrawals
WHEN NEW.status <> OLD.status AND (OLD.status IN ('sent', 'failed') OR NEW.status = 'pending'
  OR (OLD.status = 'unknown' AND NEW.status NOT IN ('sent', 'failed')))
BEGIN
    SELECT RAISE(ABORT, 'a withdrawal''s status only moves pending -> unknown -> sent | failed');
END;

CREATE TRIGGER withdrawals_immutable BEFORE UPDATE OF ref, user_account, amount, currency, destination, provider, outflow, created_at ON withdrawals
WHEN NEW.ref IS NOT OLD.ref OR NEW.user_account IS NOT OLD.user_account OR NEW.amount IS NOT OLD.amount
  OR NEW.currency IS NOT OLD.currency OR NEW.destination IS NOT OLD.destination OR NEW.provider IS NOT OLD.provider
  OR NEW.outflow IS NOT OLD.outflow OR NEW.created_at IS NOT OLD.created_at
BEGIN
    SELECT RAISE(ABORT, 'a withdrawal''s terms are immutable');
END;

CREATE TRIGGER withdrawals_no_delete BEFORE DELETE ON withdrawals
BEGIN
    SELECT RAISE(ABORT, 'withdrawals are never deleted');
END;

-- Provider events already processed (webhook event ids, callback digests):
-- a second delivery finds its row and changes nothing.
CREATE TABLE provider_events (
    provider    TEXT    NOT NULL,
    event_id    TEXT    NOT NULL,
    order_id    INTEGER REFERENCES orders (id),
    received_at INTEGER NOT NULL,
    PRIMARY KEY (provider, event_id)
) STRICT, WITHOUT ROWID;

-- The last TOTP step accepted per secret (RFC 6238 §5.2: a code is used
-- once). secret_id is a hash of the secret, never the secret.
CREATE TABLE totp_steps (
    secret_id TEXT    PRIMARY KEY,
    step      INTEGER NOT NULL CHECK (step >= 0)
) STRICT, WITHOUT ROWID;

-- The rebuild of transactions and entries.
CREATE TABLE transactions_new (
    id            INTEGER PRIMARY KEY,
    kind          TEXT    NOT NULL CHECK (kind IN ('deposit', 'create', 'accept', 'cancel', 'expire',
                                                   'topup', 'withdraw', 'payout', 'refund')),
    check_id      INTEGER REFERENCES checks (id),
    order_id      INTEGER REFERENCES orders (id),
    withdrawal_id INTEGER REFERENCES withdrawals (id),
    ref           TEXT    UNIQUE,           -- a deposit's or a top-up credit's reference
    created_at    INTEGER NOT NULL,
    CHECK ((kind IN ('create', 'accept', 'cancel', 'expire')) = (check_id IS NOT NULL)),
    CHECK ((kind = 'topup') = (order_id IS NOT NULL)),
    CHECK ((kind IN ('withdraw', 'payout', 'refund')) = (withdrawal_id IS NOT NULL))
) STRICT;

INSERT INTO transactions_new (id, kind, check_id, ref, created_at)
    SELECT id, kind, check_id, ref, created_at FROM transactions ORDER BY id;

CREATE TABLE entries_new (
    id         INTEGER PRIMARY KEY,
    tx_id      INTEGER NOT NULL REFERENCES transactions_new (id),
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    amount     INTEGER NOT NULL CHECK (amount <> 0)
) STRICT;

INSERT INTO entries_new (id, tx_id, account_id, amount)
    SELECT id, tx_id, account_id, amount FROM entries ORDER BY id;

DROP TABLE entries;
DROP TABLE transactions;
ALTER TABLE transactions_new RENAME TO transactions;
ALTER TABLE entries_new RENAME TO entries;

CREATE UNIQUE INDEX transactions_one_create ON transactions (check_id) WHERE kind = 'create';
CREATE UNIQUE INDEX transactions_one_resolution ON transactions (check_id) WHERE kind IN ('accept', 'cancel', 'expire');
-- A withdrawal has exactly one debit and at most one outcome.
CREATE UNIQUE INDEX transactions_one_withdraw ON transactions (withdrawal_id) WHERE kind = 'withdraw';
CREATE UNIQUE INDEX transactions_one_outcome ON transactions (withdrawal_id) WHERE kind IN ('payout', 'refund');
CREATE INDEX transactions_order ON transactions (order_id) WHERE order_id IS NOT NULL;

CREATE INDEX entries_tx ON entries (tx_id);
CREATE INDEX entries_account ON entries (account_id, tx_id);

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
