-- 0004_audit.sql — the audit chain: one row per read or write of personal
-- data (and per staff action), naming the actor, the action and the
-- person's pseudonymous id, never personal data. Each row carries the keyed
-- hash of its predecessor and its own (core/audit.c), so a removed, altered
-- or reordered row breaks every hash after it. Rows are only ever appended.

CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY,   -- 1, 2, 3, ... in append order
    at         TEXT NOT NULL,
    actor      TEXT NOT NULL,         -- staff token name, CLI --actor, or "self"
    action     TEXT NOT NULL,         -- "person.add", "person.read", "consent.withdrawn", ...
    person_id  TEXT,                  -- pseudonymous id, or NULL
    detail     TEXT,                  -- register, purpose, count: never personal data
    prev       BLOB NOT NULL,         -- hash of the row before (32 zero bytes for the first)
    hash       BLOB NOT NULL
);
