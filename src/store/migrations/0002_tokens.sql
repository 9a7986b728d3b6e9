-- 0002_tokens.sql — staff bearer tokens. A token is shown once when created;
-- only its keyed BLAKE2b hash is kept, so the database never holds a usable
-- token. A revoked token stays listed (who had access, and until when).

CREATE TABLE token (
    name        TEXT PRIMARY KEY,          -- who or what holds it, e.g. "anna" or "crm-sync"
    role        TEXT NOT NULL,             -- a role id of the declaration
    hash        BLOB NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);
