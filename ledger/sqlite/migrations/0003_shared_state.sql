-- 0003_shared_state: withdrawal leases and the transfer slot. (The used
-- signature nonces and the rate-limit buckets, which PostgreSQL keeps in
-- tables for its replicas, live in the one SQLite process's memory:
-- ledger.MemShared.)
--
-- A withdrawal is worked on by whoever holds its lease (claimed_by,
-- lease_until in unix ms): a sender, or a reconciler finding out what
-- became of it. An attempted withdrawal whose lease has ended was
-- interrupted. At most one withdrawal per provider holds the transfer
-- slot (leased or attempted while pending, or unknown), so transfers never
-- overlap and a balance comparison tells what became of one.
ALTER TABLE withdrawals ADD COLUMN claimed_by TEXT;
ALTER TABLE withdrawals ADD COLUMN lease_until INTEGER;

CREATE UNIQUE INDEX withdrawals_transfer_slot ON withdrawals (provider)
    WHERE status = 'unknown' OR (status = 'pending' AND (attempted_at IS NOT NULL OR claimed_by IS NOT NULL));
