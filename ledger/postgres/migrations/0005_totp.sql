-- 0005_totp: authenticator apps enrolled by phone identities, for approving
-- a login from a phone's browser (ledger.TOTP). The same model as SQLite's
-- 0005_totp.sql. Numbered 0005: versions 0002 to 0004 belong to other
-- changes; the migrator applies whichever versions are missing, in order,
-- so the gap is harmless.
--
-- phone_totp holds one enrolment per user: the handle a person types on the
-- approve page (unique), the base32 secret, and the last time step accepted
-- (-1 before the first), which only grows. phone_totp_failures holds the
-- recent wrong codes per user, for the failure limit. Times are bigint unix
-- milliseconds, as in 0001.

CREATE TABLE phone_totp (
    user_id    text   PRIMARY KEY,
    handle     text   NOT NULL UNIQUE CHECK (length(handle) BETWEEN 3 AND 32 AND handle = lower(handle)),
    secret     text   NOT NULL CHECK (length(secret) BETWEEN 1 AND 128),
    last_step  bigint NOT NULL DEFAULT -1 CHECK (last_step >= -1),
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);

CREATE TABLE phone_totp_failures (
    user_id text   NOT NULL REFERENCES phone_totp (user_id) ON DELETE CASCADE,
    at      bigint NOT NULL
);

CREATE INDEX phone_totp_failures_user_at ON phone_totp_failures (user_id, at);
