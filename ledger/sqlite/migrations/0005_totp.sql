-- 0005_totp: authenticator apps enrolled by phone identities, for approving
-- a login from a phone's browser (ledger.TOTP). Numbered 0005: versions
-- 0003 and 0004 belong to other changes; the migrator applies whichever
-- versions are missing, in order, so the gap is harmless.
--
-- phone_totp holds one enrolment per user: the handle a person types on the
-- approve page (unique), the base32 secret, and the last time step accepted
-- (-1 before the first), which only grows. phone_totp_failures holds the
-- recent wrong codes per user, for the failure limit.

CREATE TABLE phone_totp (
    user_id    TEXT    PRIMARY KEY,
    handle     TEXT    NOT NULL UNIQUE CHECK (length(handle) BETWEEN 3 AND 32 AND handle = lower(handle)),
    secret     TEXT    NOT NULL CHECK (length(secret) BETWEEN 1 AND 128),
    last_step  INTEGER NOT NULL DEFAULT -1 CHECK (last_step >= -1),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE phone_totp_failures (
    user_id TEXT    NOT NULL REFERENCES phone_totp (user_id) ON DELETE CASCADE,
    at      INTEGER NOT NULL
) STRICT;

CREATE INDEX phone_totp_failures_user_at ON phone_totp_failures (user_id, at);
