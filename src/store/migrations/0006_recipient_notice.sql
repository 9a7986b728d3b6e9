-- 0006_recipient_notice.sql — art 19: each recipient of a register is told of
-- every rectification, erasure and restriction affecting data it received.
-- One row per recipient and event, queued in the same transaction as the
-- change (core/notify.c) and delivered by a connector (webhook, OpenGDPR).
-- identity_email is what the recipient knows the person by; it is kept only
-- until the notice is delivered.

CREATE TABLE recipient_notice (
    id              INTEGER PRIMARY KEY,
    recipient       TEXT NOT NULL,            -- a recipient id of the declaration
    person_id       TEXT NOT NULL,            -- pseudonymous id (no foreign key: erasure
                                              -- removes the person, the notice stays)
    kind            TEXT NOT NULL,            -- rectification | erasure | restriction | restriction_lifted
    request_id      TEXT,                     -- the data-subject request behind it, if any
    identity_email  TEXT,                     -- normalised email, NULL once delivered
    state           TEXT NOT NULL DEFAULT 'queued', -- queued | pending | done | failed
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    remote_id       TEXT,                     -- the recipient's id for it (OpenGDPR request)
    last_error      TEXT,                     -- never personal data
    created_at      TEXT NOT NULL,
    done_at         TEXT
);
CREATE INDEX recipient_notice_due ON recipient_notice (state, next_attempt_at);
