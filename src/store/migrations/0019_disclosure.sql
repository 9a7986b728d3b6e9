-- 0019_disclosure.sql — what each recipient with a client connector (Mailchimp,
-- Salesforce: connect/client.h) holds of each person, as rekisteri last disclosed
-- it, and the history of those disclosures (core/disclose.h has the sync).
--
-- disclosure: one row per recipient and person: the state the recipient holds
-- (none, active, restricted, inactive), a keyed digest of the state and the
-- values sent (BLAKE2b-128 under a key derived from the key file: no value can
-- be read back from it), the key the recipient knows the person by, sealed
-- (keys/seal.h, bound to the recipient and the person), when it was first and
-- last disclosed, and the recipient's last permanent refusal (no personal data).
--
-- disclosure_event: one row per put the recipient accepted: added, changed,
-- restricted or removed, with the category ids it carried. What the person is
-- told under art 15(1)(c): to whom, what and when.
--
-- Both follow the person (ON DELETE CASCADE): an erasure removes them, and the
-- erasure's art 19 notice is what tells the recipient.
--
-- recipient_sync: one row per recipient: the last pass, the last complete pass
-- (the deliverer's question "has a complete pass begun since?"), when to try
-- again after an incomplete one, and the last pass's counts. No personal data.

CREATE TABLE disclosure (
    id            INTEGER PRIMARY KEY,   -- the sealed values' listing cursor (key rotation)
    recipient     TEXT NOT NULL,
    person        INTEGER NOT NULL REFERENCES person(pk) ON DELETE CASCADE,
    held          TEXT NOT NULL CHECK (held IN ('none', 'active', 'restricted', 'inactive')),
    digest        BLOB CHECK (digest IS NULL OR length(digest) = 16),
    remote_sealed BLOB,
    first_at      TEXT,
    last_at       TEXT,
    error         TEXT,                  -- the last permanent refusal (no personal data)
    error_at      TEXT,
    UNIQUE (recipient, person)
);
CREATE INDEX disclosure_person ON disclosure (person);

CREATE TABLE disclosure_event (
    seq        INTEGER PRIMARY KEY,
    person     INTEGER NOT NULL REFERENCES person(pk) ON DELETE CASCADE,
    recipient  TEXT NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('added', 'changed', 'restricted', 'removed')),
    categories TEXT NOT NULL,
    at         TEXT NOT NULL
);
CREATE INDEX disclosure_event_person ON disclosure_event (person, seq);

CREATE TABLE recipient_sync (
    recipient    TEXT PRIMARY KEY,
    last_pass_at TEXT,
    complete_at  TEXT,
    next_at      TEXT,
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    added        INTEGER NOT NULL DEFAULT 0,
    changed      INTEGER NOT NULL DEFAULT 0,
    removed      INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
