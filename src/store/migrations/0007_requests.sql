-- 0007_requests.sql — data-subject requests (arts 12-22) and their workflow
-- (core/request.c: the state machine). The contact details and free text are
-- kept as the person wrote them; the person is matched through the keyed
-- hash index of the registers, so person_id stays NULL until a match. Every
-- transition is also an event in the audit chain, which names the request by
-- its random id and never repeats what is stored here.

CREATE TABLE request (
    id                TEXT PRIMARY KEY,          -- random public id "R-xxxxxxxxxxxx"
    type              TEXT NOT NULL,             -- access | rectification | erasure | restriction |
                                                 -- portability | objection | automated_decision |
                                                 -- consent_withdrawal
    status            TEXT NOT NULL,             -- received | verified | in_progress |
                                                 -- completed | rejected
    channel           TEXT NOT NULL,             -- web | email | post | in_person | api
    lang              TEXT NOT NULL,             -- 'fi' or 'en': the emails to the person
    person_id         TEXT,                      -- pseudonymous id once matched (no foreign key:
                                                 -- an erasure must not take the request with it)
    email             TEXT,
    phone             TEXT,
    name              TEXT,
    free_text         TEXT,
    received_at       TEXT NOT NULL,             -- instant, UTC
    received_on       TEXT NOT NULL,             -- YYYY-MM-DD: the local date of receipt
    due               TEXT NOT NULL,             -- YYYY-MM-DD in the controller's time zone
    extended_due      TEXT,
    extension_months  INTEGER NOT NULL DEFAULT 0,
    extension_reason  TEXT,
    verification      TEXT,                      -- in_person | email_code
    verified_by       TEXT,
    verified_at       TEXT,
    document          TEXT,                      -- passport | id_card | driving_licence | other
    rejection_reason  TEXT,
    note              TEXT,
    closed_at         TEXT,
    created_by        TEXT NOT NULL
);
CREATE INDEX request_open_due ON request (status, due);
CREATE INDEX request_person ON request (person_id);
