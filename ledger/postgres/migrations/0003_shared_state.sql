-- 0003_shared_state: withdrawal leases and the transfer slot, used
-- signature nonces and rate-limit buckets: the state that replicas behind
-- one load balancer share (PostgreSQL; the same as
-- ledger/sqlite/migrations/0003_shared_state.sql).
--
-- A withdrawal is worked on by whoever holds its lease (claimed_by,
-- lease_until in unix ms): a sender, or a reconciler finding out what
-- became of it. An attempted withdrawal whose lease has ended was
-- interrupted. At most one withdrawal per provider holds the transfer
-- slot (leased or attempted while pending, or unknown), so transfers never
-- overlap and a balance comparison tells what became of one.
ALTER TABLE withdrawals ADD COLUMN claimed_by text, ADD COLUMN lease_until bigint;

CREATE UNIQUE INDEX withdrawals_transfer_slot ON withdrawals (provider)
    WHERE status = 'unknown' OR (status = 'pending' AND (attempted_at IS NOT NULL OR claimed_by IS NOT NULL));

-- Signature nonces already used, kept until their signature expires.
-- Unlogged would be faster, but a replayed nonce after a crash must stay
-- refused while its signature is valid.
CREATE TABLE nonces (
    key   text   PRIMARY KEY,
    until bigint NOT NULL
);

CREATE INDEX nonces_until ON nonces (until);

-- Rate-limit token buckets: tokens left at last (unix ms); ok is whether
-- the last take succeeded; full_at is when the bucket is full again (and
-- may be purged).
CREATE TABLE rate_buckets (
    key    text             PRIMARY KEY,
    tokens double precision NOT NULL,
    last   bigint           NOT NULL,
    ok      boolean          NOT NULL,
    full_at bigint           NOT NULL
);

CREATE INDEX rate_buckets_full ON rate_buckets (full_at);
