-- 0003_outbox.sql — the email outbox. A message is committed here (in the
-- same transaction as whatever caused it, e.g. a form submission) before any
-- delivery attempt, and is marked sent only after the relay accepted it, so
-- none is lost. message_id is the stable left part of the Message-ID header:
-- a retry after a crash carries the same id, so a duplicate is identifiable.
-- last_error never holds personal data (no addresses, no bodies).

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    message_id       TEXT NOT NULL UNIQUE,    -- 26-char random id, left of the '@'
    person_id        TEXT,                    -- pseudonymous person id, or NULL
    kind             TEXT NOT NULL,           -- "confirm", "test", ...
    recipient        TEXT NOT NULL,
    subject          TEXT NOT NULL,
    body             TEXT NOT NULL,           -- text/plain, UTF-8
    list_unsubscribe TEXT,                    -- the one-click URL (RFC 8058), or NULL
    state            TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    sent_at          TEXT,
    failed_at        TEXT
);

-- Due messages (state, then time) and counts by state.
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
