-- 0004_staff_audit: the staff audit log (PostgreSQL), as in
-- ledger/sqlite/migrations/0004_staff_audit.sql: one row per read a support
-- staff member made (who, when, what, from where). Rows are only ever
-- added: triggers refuse UPDATE, DELETE and TRUNCATE. Version 0003 belongs
-- to another change; the migrator applies the versions it has, in order.
CREATE TABLE staff_reads (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at        bigint NOT NULL,
    staff     text   NOT NULL CHECK (octet_length(staff) BETWEEN 1 AND 128),
    action    text   NOT NULL CHECK (action IN ('find', 'account', 'check')),
    subject   text   NOT NULL CHECK (octet_length(subject) <= 256),
    client_ip text   NOT NULL CHECK (octet_length(client_ip) <= 64)
);

CREATE INDEX staff_reads_at ON staff_reads (at);

CREATE TRIGGER staff_reads_append_only BEFORE UPDATE OR DELETE ON staff_reads FOR EACH ROW
EXECUTE FUNCTION fastcheck_refuse('the staff audit log is append-only');
CREATE TRIGGER staff_reads_no_truncate BEFORE TRUNCATE ON staff_reads FOR EACH STATEMENT
EXECUTE FUNCTION fastcheck_refuse('the staff audit log is append-only');

-- Finding accounts by userId prefix is a range scan in byte order, which
-- the database's collation may not follow: this index is in "C" order.
CREATE INDEX accounts_user_id_bytes ON accounts (user_id COLLATE "C") WHERE user_id IS NOT NULL;
