-- 0017_answers.sql — answers that reach the person (issue 13 B; core/answer.h):
-- the documents of a completed access or portability request, sealed under
-- their own subkey (RK_SUBKEY_ANSWER) to their request and name, kept for the
-- download window (14 days) and deleted by the retention sweep after it; the
-- one-time code that opens them (a keyed hash only, its expiry and the wrong
-- tries); and the short grant a right code gives (a hash of the browser's
-- cookie). (The date the DPO's digest was last sent is a console_mark row,
-- 'digest'.)
-- No address and no document in plain text: the row names the request and the
-- person's pseudonymous id.

CREATE TABLE answer (
    request_id    TEXT PRIMARY KEY,          -- the request's public id "R-…"
    person_id     TEXT NOT NULL,             -- pseudonymous id of the matched person
    created_at    TEXT NOT NULL,             -- instant, UTC
    expires_at    TEXT NOT NULL,             -- end of the download window
    code_hash     BLOB,                      -- keyed hash of the current one-time code; NULL: none
    code_expires  TEXT,
    code_tries    INTEGER NOT NULL DEFAULT 0, -- wrong codes entered against the current code
    grant_hash    BLOB,                      -- keyed hash of the download grant (cookie)
    grant_expires TEXT,
    downloads     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX answer_expires ON answer (expires_at);

CREATE TABLE answer_file (
    request_id TEXT NOT NULL,                -- answer.request_id
    name       TEXT NOT NULL,                -- access.html | access.json | portability.json |
                                             -- portability.csv
    sealed     BLOB NOT NULL,                -- core/seal.h, associated data: request id and name
    PRIMARY KEY (request_id, name)
);

-- An answer's documents go with it (the sweep deletes the answer row).
CREATE TRIGGER answer_files_gone AFTER DELETE ON answer
BEGIN
    DELETE FROM answer_file WHERE request_id = OLD.request_id;
END;
