-- 0005_signup.sql — double opt-in: what a web form collected, held apart from
-- the registers until the person follows the emailed link (core/optin.c).
-- One row per person and purpose; a new submission replaces the old. The
-- row is deleted when confirmed; an unconfirmed one is worthless after
-- expires_at and is removed by the next submission or the retention sweep.

CREATE TABLE signup (
    person_id    INTEGER NOT NULL REFERENCES person(pk) ON DELETE CASCADE,
    purpose      TEXT NOT NULL,
    form_id      TEXT NOT NULL,
    lang         TEXT NOT NULL,               -- 'fi' or 'en': the pages and emails shown
    name         TEXT,
    email        TEXT NOT NULL,
    email_hash   BLOB NOT NULL,               -- keyed hash: finds a repeated submission
    phone        TEXT,
    position     TEXT,
    organisation TEXT,
    interests    TEXT,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    PRIMARY KEY (person_id, purpose)
);
CREATE INDEX signup_email ON signup (email_hash);
