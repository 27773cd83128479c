-- 0002_payments: top-up orders, withdrawals, processed provider events and
-- the last TOTP step accepted per secret; four new transfer kinds
-- (PostgreSQL). The same model as ledger/sqlite/migrations/0002_payments.sql.
--
-- New kinds: 'topup' (an external inflow account -> a user, for an order),
-- 'withdraw' (a user -> the pending-outflow account), 'payout' (pending ->
-- the external outflow account, once the provider confirmed the transfer)
-- and 'refund' (pending -> the user, after a definite failure). A value
-- added with ALTER TYPE ... ADD VALUE cannot be used in the transaction
-- that adds it (this migration's), so the kind type is replaced by a new
-- one with the wider list, and the column converted; the partial indexes
-- that name kinds are dropped and made again around it. The pending-outflow accounts ('pending:briacoin-outflow')
-- are of kind 'escrow', shard 0: money held until an outcome is known.

ALTER TABLE transfers DROP CONSTRAINT transfers_shape;
DROP INDEX transfers_one_create;
DROP INDEX transfers_one_resolution;
ALTER TYPE transfer_kind RENAME TO transfer_kind_0001;
CREATE TYPE transfer_kind AS ENUM ('deposit', 'create', 'accept', 'cancel', 'expire',
                                   'topup', 'withdraw', 'payout', 'refund');
ALTER TABLE transfers ALTER COLUMN kind TYPE transfer_kind USING kind::text::transfer_kind;
DROP TYPE transfer_kind_0001;
CREATE UNIQUE INDEX transfers_one_create ON transfers (check_id) WHERE kind = 'create';
CREATE UNIQUE INDEX transfers_one_resolution ON transfers (check_id) WHERE kind IN ('accept', 'cancel', 'expire');

-- The order states, ranked for forward-only updates (ledger.OrderRank).
CREATE FUNCTION fastcheck_order_rank(status text) RETURNS integer LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE status WHEN 'new' THEN 1 WHEN 'part' THEN 2 WHEN 'close' THEN 4 ELSE 3 END
$$;

CREATE TABLE orders (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id    text   NOT NULL UNIQUE,    -- 32 hex, what the user sees
    provider     text   NOT NULL,           -- 'bank:sandbox', 'briacoin'
    external_id  text   NOT NULL,           -- the provider's id
    user_account bigint NOT NULL REFERENCES accounts (id),
    currency     currency_code NOT NULL,
    expected     bigint NOT NULL CHECK (expected > 0 AND expected <= 1000000000000000),
    paid_total   bigint NOT NULL DEFAULT 0 CHECK (paid_total >= 0 AND paid_total <= 1000000000000000),
    paid_native  bigint NOT NULL DEFAULT 0 CHECK (paid_native >= 0),
    credited     bigint NOT NULL DEFAULT 0,
    status       text   NOT NULL CHECK (status IN ('new', 'part', 'close', 'expired', 'declined')),
    source       text   NOT NULL CHECK (source LIKE 'external:%'),
    meta         text   NOT NULL DEFAULT '{}',
    idem_key     text,
    idem_hash    bytea,
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL,
    expires_at   bigint NOT NULL,
    checked_at   bigint NOT NULL,
    CONSTRAINT orders_provider_external UNIQUE (provider, external_id),
    CONSTRAINT orders_idem UNIQUE (user_account, idem_key),
    CONSTRAINT orders_credited CHECK (credited >= 0 AND credited <= paid_total),
    CHECK ((idem_key IS NULL) = (idem_hash IS NULL))
);

CREATE INDEX orders_open ON orders (provider, checked_at) WHERE status IN ('new', 'part');
CREATE INDEX orders_due ON orders (expires_at) WHERE status IN ('new', 'part');
CREATE INDEX orders_user ON orders (user_account, created_at);

-- Invariant 6 for orders: credited and paid never decrease, the status only
-- moves forward (an expired or declined order may still close), and what
-- was ordered never changes.
CREATE TRIGGER orders_guard BEFORE UPDATE ON orders FOR EACH ROW
WHEN (NEW.credited < OLD.credited OR NEW.paid_total < OLD.paid_total OR NEW.paid_native < OLD.paid_native
   OR fastcheck_order_rank(NEW.status) < fastcheck_order_rank(OLD.status)
   OR (NEW.status <> OLD.status AND OLD.status IN ('expired', 'declined') AND NEW.status <> 'close')
   OR NEW.id IS DISTINCT FROM OLD.id OR NEW.public_id IS DISTINCT FROM OLD.public_id
   OR NEW.provider IS DISTINCT FROM OLD.provider OR NEW.external_id IS DISTINCT FROM OLD.external_id
   OR NEW.user_account IS DISTINCT FROM OLD.user_account OR NEW.currency IS DISTINCT FROM OLD.currency
   OR NEW.expected IS DISTINCT FROM OLD.expected OR NEW.source IS DISTINCT FROM OLD.source
   OR NEW.created_at IS DISTINCT FROM OLD.created_at)
EXECUTE FUNCTION fastcheck_refuse('an order''s paid, credited and status only move forward, and its terms are immutable');
CREATE TRIGGER orders_no_delete BEFORE DELETE ON orders FOR EACH ROW
EXECUTE FUNCTION fastcheck_refuse('orders are never deleted');
CREATE TRIGGER orders_no_truncate BEFORE TRUNCATE ON orders FOR EACH STATEMENT
EXECUTE FUNCTION fastcheck_refuse('orders are never deleted');

CREATE TABLE withdrawals (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ref          text   NOT NULL UNIQUE,
    user_account bigint NOT NULL REFERENCES accounts (id),
    amount       amount_minor  NOT NULL,
    currency     currency_code NOT NULL,
    destination  text   NOT NULL,
    provider     text   NOT NULL,
    outflow      text   NOT NULL CHECK (outflow LIKE 'external:%'),
    status       text   NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'unknown')),
    txid         text,
    reason       text,
    meta         text   NOT NULL DEFAULT '{}',
    idem_key     text,
    idem_hash    bytea,
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL,
    attempted_at bigint,                    -- set, durably, before the transfer is sent
    CONSTRAINT withdrawals_idem UNIQUE (user_account, idem_key),
    CHECK ((idem_key IS NULL) = (idem_hash IS NULL)),
    CONSTRAINT withdrawals_claimed CHECK (status IN ('pending', 'failed') OR attempted_at IS NOT NULL)
);

CREATE INDEX withdrawals_open ON withdrawals (created_at) WHERE status IN ('pending', 'unknown');
CREATE INDEX withdrawals_user ON withdrawals (user_account, created_at);

-- A withdrawal leaves pending (or unknown) once, for sent or failed, and
-- never comes back; what was asked never changes.
CREATE TRIGGER withdrawals_guard BEFORE UPDATE ON withdrawals FOR EACH ROW
WHEN ((NEW.status <> OLD.status AND (OLD.status IN ('sent', 'failed') OR NEW.status = 'pending'
        OR (OLD.status = 'unknown' AND NEW.status NOT IN ('sent', 'failed'))))
   OR NEW.id IS DISTINCT FROM OLD.id OR NEW.ref IS DISTINCT FROM OLD.ref
   OR NEW.user_account IS DISTINCT FROM OLD.user_account OR NEW.amount IS DISTINCT FROM OLD.amount
   OR NEW.currency IS DISTINCT FROM OLD.currency OR NEW.destination IS DISTINCT FROM OLD.destination
   OR NEW.provider IS DISTINCT FROM OLD.provider OR NEW.outflow IS DISTINCT FROM OLD.outflow
   OR NEW.created_at IS DISTINCT FROM OLD.created_at)
EXECUTE FUNCTION fastcheck_refuse('a withdrawal''s status only moves pending -> unknown -> sent | failed, and its terms are immutable');
CREATE TRIGGER withdrawals_no_delete BEFORE DELETE ON withdrawals FOR EACH ROW
EXECUTE FUNCTION fastcheck_refuse('withdrawals are never deleted');
CREATE TRIGGER withdrawals_no_truncate BEFORE TRUNCATE ON withdrawals FOR EACH STATEMENT
EXECUTE FUNCTION fastcheck_refuse('withdrawals are never deleted');

-- Provider events already processed (webhook event ids, callback digests):
-- a second delivery finds its row and changes nothing.
CREATE TABLE provider_events (
    provider    text   NOT NULL,
    event_id    text   NOT NULL,
    order_id    bigint REFERENCES orders (id),
    received_at bigint NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- The last TOTP step accepted per secret (RFC 6238 §5.2: a code is used
-- once). secret_id is a hash of the secret, never the secret.
CREATE TABLE totp_steps (
    secret_id text   PRIMARY KEY,
    step      bigint NOT NULL CHECK (step >= 0)
);

-- The journal links a transfer to its check, order or withdrawal.
ALTER TABLE transfers
    ADD COLUMN order_id bigint REFERENCES orders (id),
    ADD COLUMN withdrawal_id bigint REFERENCES withdrawals (id),
    ADD CONSTRAINT transfers_shape CHECK (
        (kind IN ('create', 'accept', 'cancel', 'expire')) = (check_id IS NOT NULL)
        AND (kind = 'topup') = (order_id IS NOT NULL)
        AND (kind IN ('withdraw', 'payout', 'refund')) = (withdrawal_id IS NOT NULL)
        AND debit_account <> credit_account);

-- A withdrawal has exactly one debit and at most one outcome.
CREATE UNIQUE INDEX transfers_one_withdraw ON transfers (withdrawal_id) WHERE kind = 'withdraw';
CREATE UNIQUE INDEX transfers_one_outcome ON transfers (withdrawal_id) WHERE kind IN ('payout', 'refund');
CREATE INDEX transfers_order ON transfers (order_id) WHERE order_id IS NOT NULL;
