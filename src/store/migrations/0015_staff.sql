-- 0015_staff.sql — staff accounts of the console (core/staff.h). An account is
-- a member of staff, not a data subject: its email and name are kept to sign in
-- and to be listed, and never written to the audit chain (events name the
-- account as "staff:<id>"). Passwords are kept only as argon2id strings
-- (crypto_pwhash_str); setup links and sessions only as keyed hashes
-- (RK_SUBKEY_SESSION), so the database holds nothing that signs anyone in.
CREATE TABLE staff (
    id           TEXT PRIMARY KEY,              -- random public id (core/id.h)
    email        TEXT NOT NULL UNIQUE,          -- normalised (lower-case domain)
    name         TEXT NOT NULL,
    role         TEXT NOT NULL,                 -- a role id of the declaration
    password     TEXT,                          -- crypto_pwhash_str; NULL: none set yet
    disabled     INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at   TEXT NOT NULL,
    last_signin  TEXT
);

-- One-time set-password links: the keyed hash of the link's secret, 24 hours.
CREATE TABLE staff_setup (
    hash        BLOB PRIMARY KEY,
    staff_id    TEXT NOT NULL REFERENCES staff (id),
    expires_at  TEXT NOT NULL
);
CREATE INDEX staff_setup_staff ON staff_setup (staff_id);

-- Signed-in sessions: the keyed hash of the cookie's 256-bit secret.
CREATE TABLE staff_session (
    hash        BLOB PRIMARY KEY,
    staff_id    TEXT NOT NULL REFERENCES staff (id),
    created_at  TEXT NOT NULL,
    last_seen   TEXT NOT NULL,                  -- for the idle timeout (kept to the minute)
    expires_at  TEXT NOT NULL                   -- the absolute timeout
);
CREATE INDEX staff_session_staff ON staff_session (staff_id);

-- Failed sign-ins per attempted account and per client address: the keyed hash
-- of the email or of the address's class, never either.
CREATE TABLE staff_throttle (
    key           BLOB PRIMARY KEY,
    failures      INTEGER NOT NULL,
    locked_until  INTEGER NOT NULL,             -- Unix seconds; 0: not locked
    updated_at    INTEGER NOT NULL              -- Unix seconds; rows a day old are pruned
);
CREATE INDEX staff_throttle_updated ON staff_throttle (updated_at);

-- Each account's sign-in history (the console's Staff page shows the last 50):
-- when, whether it succeeded, the reason of a failure, and the class of the
-- client address (loopback, private, public) — not the address.
CREATE TABLE staff_signin (
    seq         INTEGER PRIMARY KEY,
    staff_id    TEXT NOT NULL REFERENCES staff (id),
    at          TEXT NOT NULL,
    ok          INTEGER NOT NULL CHECK (ok IN (0, 1)),
    reason      TEXT NOT NULL,
    address     TEXT NOT NULL
);
CREATE INDEX staff_signin_staff ON staff_signin (staff_id, seq);
