-- 0001_register.sql — the customer and marketing registers.
--
-- Values are kept per (register, person): each register holds only the
-- categories its declaration grants, with a provenance row per value.
-- Email and phone are also kept as keyed BLAKE2b hashes (lookup and the
-- suppression list use those, never the plain text in an index). The consent
-- ledger is append-only (a trigger refuses updates); consent_state is its
-- derived current state, written in the same transaction as each event.
-- Tables refer to a person by an internal integer key, so the rows of new
-- persons append at the end of every table; only the public random id and the
-- email and phone hashes are inserted in random order. Every index costs an
-- insert per new person, so there are only those a lookup or a foreign key
-- needs. The *_prov columns carry no foreign key for the same reason:
-- provenance rows are append-only and written in the same transaction as the
-- values citing them.

CREATE TABLE person (
    pk          INTEGER PRIMARY KEY,       -- internal key: new persons append
    id          TEXT NOT NULL UNIQUE,      -- 26-char random base32, pseudonymous, public
    created_at  TEXT NOT NULL,
    restricted  INTEGER NOT NULL DEFAULT 0, -- art 18
    objected    INTEGER NOT NULL DEFAULT 0  -- art 21 objection to direct marketing
);

CREATE TABLE organisation (
    id    INTEGER PRIMARY KEY,
    name  TEXT NOT NULL UNIQUE
);

CREATE TABLE provenance (
    id           INTEGER PRIMARY KEY,
    source_kind  TEXT NOT NULL,            -- a declared source kind
    detail       TEXT,                     -- URL, form id, "phone call", ...
    purpose      TEXT NOT NULL,            -- the declared purpose of the write
    at           TEXT NOT NULL,
    by           TEXT NOT NULL             -- staff token name, or "self"
);

CREATE TABLE entry (
    register           TEXT NOT NULL,
    person             INTEGER NOT NULL REFERENCES person(pk) ON DELETE CASCADE,
    since              TEXT NOT NULL,
    name               TEXT,
    name_prov          INTEGER,
    email              TEXT,
    email_hash         BLOB,
    email_prov         INTEGER,
    phone              TEXT,
    phone_hash         BLOB,
    phone_prov         INTEGER,
    position           TEXT,
    position_prov      INTEGER,
    organisation_id    INTEGER REFERENCES organisation(id),
    organisation_prov  INTEGER,
    interests          TEXT,
    interests_prov     INTEGER,
    PRIMARY KEY (person, register)      -- a person's entries together; audiences scan
) WITHOUT ROWID;
CREATE INDEX entry_email ON entry(email_hash, register) WHERE email_hash IS NOT NULL;
CREATE INDEX entry_phone ON entry(phone_hash, register) WHERE phone_hash IS NOT NULL;

CREATE TABLE consent_event (
    seq             INTEGER PRIMARY KEY,
    person          INTEGER NOT NULL REFERENCES person(pk) ON DELETE CASCADE,
    purpose         TEXT NOT NULL,
    event           TEXT NOT NULL CHECK (event IN ('given', 'confirmed', 'withdrawn', 'expired')),
    pending         INTEGER NOT NULL DEFAULT 0, -- given: awaits double opt-in confirmation
    basis           TEXT NOT NULL,
    notice_version  TEXT NOT NULL,
    notice_sha256   TEXT NOT NULL,
    channel         TEXT NOT NULL,
    collector       TEXT NOT NULL,
    form_id         TEXT,
    ip              TEXT,
    user_agent      TEXT,
    evidence        TEXT,
    at              TEXT NOT NULL
);
CREATE INDEX consent_event_person ON consent_event(person);
CREATE TRIGGER consent_event_append_only BEFORE UPDATE ON consent_event
BEGIN
    SELECT RAISE(ABORT, 'the consent ledger is append-only');
END;

CREATE TABLE consent_state (
    purpose          TEXT NOT NULL,
    person           INTEGER NOT NULL REFERENCES person(pk) ON DELETE CASCADE,
    state            TEXT NOT NULL,
    since            TEXT,
    expires_at       TEXT,
    renewal_pending  INTEGER NOT NULL DEFAULT 0,
    last_seq         INTEGER NOT NULL,
    PRIMARY KEY (person, purpose)
) WITHOUT ROWID;

CREATE TABLE contract (
    id          TEXT PRIMARY KEY,
    person      INTEGER NOT NULL REFERENCES person(pk) ON DELETE CASCADE,
    register    TEXT NOT NULL,
    service     TEXT NOT NULL,
    start_date  TEXT NOT NULL,
    end_date    TEXT,
    status      TEXT NOT NULL CHECK (status IN ('active', 'ended')),
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL
);
CREATE INDEX contract_person ON contract(person);

CREATE TABLE contract_change (
    seq          INTEGER PRIMARY KEY,
    contract_id  TEXT NOT NULL REFERENCES contract(id) ON DELETE CASCADE,
    at           TEXT NOT NULL,
    by           TEXT NOT NULL,
    field        TEXT NOT NULL,
    old_value    TEXT,
    new_value    TEXT
);
CREATE INDEX contract_change_contract ON contract_change(contract_id, seq);

CREATE TABLE invoice (
    id            TEXT PRIMARY KEY,
    person        INTEGER NOT NULL REFERENCES person(pk) ON DELETE CASCADE,
    contract_id   TEXT REFERENCES contract(id) ON DELETE SET NULL,
    register      TEXT NOT NULL,
    number        TEXT NOT NULL UNIQUE,
    date          TEXT NOT NULL,
    amount_cents  INTEGER NOT NULL,
    currency      TEXT NOT NULL,
    keep_until    TEXT,                   -- statutory retention from the declaration
    created_at    TEXT NOT NULL,
    created_by    TEXT NOT NULL
);
CREATE INDEX invoice_person ON invoice(person);

CREATE TABLE suppression (
    hash    BLOB PRIMARY KEY,             -- keyed BLAKE2b of a normalised email or phone
    kind    TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    reason  TEXT NOT NULL CHECK (reason IN ('objection', 'erasure')),
    at      TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE task (
    id          TEXT PRIMARY KEY,
    person      INTEGER NOT NULL REFERENCES person(pk) ON DELETE CASCADE,
    kind        TEXT NOT NULL,            -- 'art14_inform'
    due         TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    done_at     TEXT,
    detail      TEXT
);
CREATE INDEX task_person ON task(person);
CREATE INDEX task_due ON task(due) WHERE done_at IS NULL;
