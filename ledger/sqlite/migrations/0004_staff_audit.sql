-- The staff audit log: one row per read a support staff member made
-- (who, when, what, from where). Rows are only ever added: the triggers
-- refuse UPDATE and DELETE, and an INSERT OR REPLACE over an existing row
-- (whose implicit delete fires no DELETE trigger). Version 0003 belongs to
-- another change; the migrator applies whatever versions it has, in order,
-- gaps and all.
CREATE TABLE staff_reads (
    id        INTEGER PRIMARY KEY,
    at        INTEGER NOT NULL,
    staff     TEXT    NOT NULL CHECK (length(staff) BETWEEN 1 AND 128),
    action    TEXT    NOT NULL CHECK (action IN ('find', 'account', 'check')),
    subject   TEXT    NOT NULL CHECK (length(CAST(subject AS BLOB)) <= 256),
    client_ip TEXT    NOT NULL CHECK (length(CAST(client_ip AS BLOB)) <= 64)
) STRICT;

CREATE INDEX staff_reads_at ON staff_reads (at);

CREATE TRIGGER staff_reads_no_update BEFORE UPDATE ON staff_reads
BEGIN
    SELECT RAISE(ABORT, 'the staff audit log is append-only');
END;

CREATE TRIGGER staff_reads_no_delete BEFORE DELETE ON staff_reads
BEGIN
    SELECT RAISE(ABORT, 'the staff audit log is append-only');
END;

CREATE TRIGGER staff_reads_no_replace BEFORE INSERT ON staff_reads
WHEN EXISTS (SELECT 1 FROM staff_reads WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'the staff audit log is append-only');
END;
