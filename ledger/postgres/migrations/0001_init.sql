-- 0001_init: accounts, the double-entry journal, checks, failed accepts,
-- idempotency records and websessions (PostgreSQL).
--
-- The same model as the SQLite schema (ledger/sqlite/migrations/0001_init.sql):
-- money is bigint minor units; times are bigint unix milliseconds (UTC); an
-- account's balance is the sum of the transfers into it minus the sum of
-- the transfers out of it. The stored balance is a cache of that sum, kept
-- in the same database transaction (Audit re-derives it). The literal 5 below
-- is ledger.MaxCodeFailures and 1000000000000000 is ledger.MaxBalance.
--
-- Differences from SQLite:
--   - escrow is sharded: each currency has several 'escrow:checks' accounts
--     (column shard), and a check records the shard that holds its money, so
--     concurrent creates and accepts do not queue on one hot row. Audit sums
--     the shards.
--   - the journal is one table of transfers (a debit and a credit of one
--     amount in one row) instead of transactions and their entries; the
--     audit counts two entries per transfer.
--   - the guards are triggers that RAISE, also on TRUNCATE.

-- fastcheck_refuse is the body of every guard trigger: it aborts the
-- statement with the message given as the trigger's argument.
CREATE FUNCTION fastcheck_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END
$$;

-- Kinds and states are enums, and one-column rules are domains: PostgreSQL
-- caches a domain's checks, while it re-reads a table's CHECK constraints
-- for every statement that writes the table (a tenth of a check
-- operation's CPU went there). Rules that relate columns stay CHECKs.
CREATE TYPE account_kind AS ENUM ('user', 'escrow', 'external');
CREATE TYPE check_status AS ENUM ('active', 'used', 'expired', 'cancelled');
CREATE TYPE transfer_kind AS ENUM ('deposit', 'create', 'accept', 'cancel', 'expire');
CREATE DOMAIN currency_code AS text CHECK (length(VALUE) BETWEEN 1 AND 8);
CREATE DOMAIN escrow_shard AS smallint CHECK (VALUE BETWEEN 0 AND 1023);
CREATE DOMAIN amount_minor AS bigint CHECK (VALUE > 0 AND VALUE <= 1000000000000);
CREATE DOMAIN balance_minor AS bigint
    CONSTRAINT accounts_balance_limit CHECK (VALUE <= 1000000000000000 AND VALUE >= -4000000000000000000);
CREATE DOMAIN code_failures AS integer CHECK (VALUE BETWEEN 0 AND 5);

-- fastcheck_assert aborts the statement unless ok. The one-statement
-- writes end with it: every step of their chain of CTEs wrote (or none
-- did), so no statement can half-apply a money move even if an id it was
-- given is wrong.
CREATE FUNCTION fastcheck_assert(ok boolean, what text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    IF ok IS NOT TRUE THEN
        RAISE EXCEPTION '% would write partially; refused', what USING ERRCODE = 'assert_failure';
    END IF;
    RETURN true;
END
$$;

CREATE TABLE accounts (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text     NOT NULL,            -- 'user:<userId>', 'escrow:checks', 'external:...'
    kind       account_kind  NOT NULL,
    shard      escrow_shard  NOT NULL DEFAULT 0,
    user_id    text          UNIQUE,         -- one account per user
    currency   currency_code NOT NULL,
    balance    balance_minor NOT NULL DEFAULT 0,
    created_at bigint        NOT NULL,
    CONSTRAINT accounts_name_currency_shard UNIQUE (name, currency, shard),
    CONSTRAINT accounts_identity CHECK ((kind = 'user') = (user_id IS NOT NULL) AND (kind = 'escrow' OR shard = 0)),
    -- Invariant 2, in the schema. The names are mapped to ledger errors.
    CONSTRAINT accounts_balance_nonnegative CHECK (kind = 'external' OR balance >= 0)
);

-- An account's identity (name, kind, shard, user_id, currency) is not
-- guarded by a trigger: a BEFORE UPDATE row trigger on this table, the
-- hottest of all, cost a sixth of the CPU of a check operation (it locks
-- and fetches the row again). The CHECKs above keep kind, user_id and
-- shard consistent, and Audit finds a transfer or check whose accounts are
-- in different currencies.
CREATE TRIGGER accounts_no_delete BEFORE DELETE ON accounts FOR EACH ROW
EXECUTE FUNCTION fastcheck_refuse('accounts are never deleted');
CREATE TRIGGER accounts_no_truncate BEFORE TRUNCATE ON accounts FOR EACH STATEMENT
EXECUTE FUNCTION fastcheck_refuse('accounts are never deleted');

CREATE TABLE checks (
    id               bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    number           text    NOT NULL CONSTRAINT checks_number_key UNIQUE,
    -- The code is stored as issued, not hashed: the "active checks" API
    -- returns it to the check's creator. It is only 4 digits; guesses are
    -- limited by failed_attempts and the per-account failure limit.
    code             text    NOT NULL,
    creator_account  bigint  NOT NULL REFERENCES accounts (id),
    escrow_account   bigint  NOT NULL REFERENCES accounts (id),   -- the escrow shard holding the money
    redeemer_account bigint  REFERENCES accounts (id),
    amount           amount_minor  NOT NULL,
    currency         currency_code NOT NULL,
    status           check_status  NOT NULL,
    failed_attempts  code_failures NOT NULL DEFAULT 0,
    created_at       bigint        NOT NULL,
    expires_at       bigint        NOT NULL,
    resolved_at      bigint,
    CONSTRAINT checks_lifecycle CHECK ((status = 'active') = (resolved_at IS NULL)
        AND (status = 'used') = (redeemer_account IS NOT NULL)
        AND (status <> 'used' OR resolved_at < expires_at)
        AND expires_at > created_at)
);

CREATE INDEX checks_due ON checks (expires_at) WHERE status = 'active';
CREATE INDEX checks_creator ON checks (creator_account, status);
CREATE INDEX checks_redeemer ON checks (redeemer_account) WHERE redeemer_account IS NOT NULL;

-- Invariant 6: a check's status only moves active -> used | expired | cancelled,
-- failed_attempts never decreases, and what was issued never changes. One
-- trigger whose WHEN is true only for a forbidden change.
CREATE TRIGGER checks_guard BEFORE UPDATE ON checks FOR EACH ROW
WHEN ((OLD.status <> 'active' AND NEW.status IS DISTINCT FROM OLD.status)
   OR NEW.failed_attempts < OLD.failed_attempts
   OR NEW.id IS DISTINCT FROM OLD.id OR NEW.number IS DISTINCT FROM OLD.number OR NEW.code IS DISTINCT FROM OLD.code
   OR NEW.creator_account IS DISTINCT FROM OLD.creator_account OR NEW.escrow_account IS DISTINCT FROM OLD.escrow_account
   OR NEW.amount IS DISTINCT FROM OLD.amount OR NEW.currency IS DISTINCT FROM OLD.currency
   OR NEW.created_at IS DISTINCT FROM OLD.created_at OR NEW.expires_at IS DISTINCT FROM OLD.expires_at
   OR (OLD.redeemer_account IS NOT NULL AND NEW.redeemer_account IS DISTINCT FROM OLD.redeemer_account)
   OR (OLD.resolved_at IS NOT NULL AND NEW.resolved_at IS DISTINCT FROM OLD.resolved_at))
EXECUTE FUNCTION fastcheck_refuse('a check''s status only leaves active, its failed attempts only grow, and what was issued is immutable');
CREATE TRIGGER checks_no_delete BEFORE DELETE ON checks FOR EACH ROW
EXECUTE FUNCTION fastcheck_refuse('checks are never deleted');
CREATE TRIGGER checks_no_truncate BEFORE TRUNCATE ON checks FOR EACH STATEMENT
EXECUTE FUNCTION fastcheck_refuse('checks are never deleted');

-- The journal. Each row is one balanced transfer of double entry: amount
-- leaves debit_account and enters credit_account (two entries, one row, as
-- in TigerBeetle), so a transaction cannot be unbalanced. The balances of
-- both accounts right after the transfer are recorded with it: per
-- account, the transfers ordered by id replay its balance (ids are drawn
-- while both accounts' rows are locked, so they follow each account's
-- commit order), and a replayed deposit reports credit_balance.
CREATE TABLE transfers (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind           transfer_kind NOT NULL,
    check_id       bigint REFERENCES checks (id),
    ref            text,                     -- a deposit's external reference
    debit_account  bigint NOT NULL REFERENCES accounts (id),
    credit_account bigint NOT NULL REFERENCES accounts (id),
    amount         amount_minor NOT NULL,
    debit_balance  bigint NOT NULL,          -- the debited account's balance right after
    credit_balance bigint NOT NULL,          -- the credited account's balance right after
    created_at     bigint NOT NULL,
    CONSTRAINT transfers_shape CHECK ((kind = 'deposit') = (check_id IS NULL) AND debit_account <> credit_account)
);

CREATE UNIQUE INDEX transfers_ref ON transfers (ref) WHERE ref IS NOT NULL;
-- Invariant 3: a check has exactly one creating and at most one resolving
-- transfer, whatever the application code does.
CREATE UNIQUE INDEX transfers_one_create ON transfers (check_id) WHERE kind = 'create';
CREATE UNIQUE INDEX transfers_one_resolution ON transfers (check_id) WHERE kind IN ('accept', 'cancel', 'expire');

-- The journal is append-only: mistakes are fixed by new transfers.
CREATE TRIGGER transfers_append_only BEFORE UPDATE OR DELETE ON transfers FOR EACH ROW
EXECUTE FUNCTION fastcheck_refuse('the journal is append-only');
CREATE TRIGGER transfers_no_truncate BEFORE TRUNCATE ON transfers FOR EACH STATEMENT
EXECUTE FUNCTION fastcheck_refuse('the journal is append-only');

-- Failed accepts (unknown number, wrong code), for the per-account limit.
CREATE TABLE accept_failures (
    id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id text   NOT NULL,
    number  text   NOT NULL,
    reason  text   NOT NULL,
    at      bigint NOT NULL
);

CREATE INDEX accept_failures_user_at ON accept_failures (user_id, at);
CREATE INDEX accept_failures_at ON accept_failures (at);

-- Idempotency records, written in the same transaction as the money they move.
CREATE TABLE idempotency (
    user_id      text   NOT NULL,
    key          text   NOT NULL,
    hash         bytea  NOT NULL,
    op           text   NOT NULL CHECK (op IN ('create', 'accept', 'cancel')),
    check_number text,
    outcome      text   NOT NULL,           -- 'ok' or a recorded business error
    balance      bigint NOT NULL,           -- the caller's balance right after
    created_at   bigint NOT NULL,
    CONSTRAINT idempotency_pkey PRIMARY KEY (user_id, key)
);

CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE websessions (
    id              text   PRIMARY KEY,
    public_key      bytea  NOT NULL,
    client_ip       text   NOT NULL,
    created_at      bigint NOT NULL,
    expires_at      bigint NOT NULL,        -- for deleted sessions: when they were deleted, at the latest
    state           text   NOT NULL CHECK (state IN ('pending', 'approved', 'deleted')),
    user_id         text,
    user_session_id text,
    approved_at     bigint,
    CHECK (state <> 'approved' OR (user_id IS NOT NULL AND approved_at IS NOT NULL))
);

CREATE INDEX websessions_expires ON websessions (expires_at);
