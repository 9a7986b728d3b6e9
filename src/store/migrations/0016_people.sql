-- 0016_people.sql — the staff console's people search and overview, at any
-- register size without a full scan per page view.
--
-- search_token holds the folded words (core/search.c: lowercase, Latin
-- diacritics stripped) of each entry's name and organisation, written by the
-- core's write path beside the entry and deleted with it (the trigger below; a
-- person's erasure deletes the entries, secure_delete overwrites the bytes). A
-- word prefix is one range of the primary key. search_state says whether the
-- entries written before this migration have been indexed (the core does it
-- once after opening, rk_search_backfill).
--
-- The overview's figures are counters kept by triggers in the same
-- transaction as the rows they count, so reading them is a handful of rows:
-- persons per register, consent events per ISO week (its Monday) and purpose,
-- live consents per purpose, the last retention sweep (from its audit event)
-- and the last verification of the audit chain. Counters equal a recount of
-- the tables at every commit (tests/unit/test_people.c checks).

CREATE TABLE search_token (
    token     TEXT NOT NULL,              -- one folded word, at most 32 bytes
    person    INTEGER NOT NULL REFERENCES person(pk) ON DELETE CASCADE,
    register  TEXT NOT NULL,
    field     INTEGER NOT NULL,           -- enum rk_field: name or organisation
    PRIMARY KEY (token, person, register, field)
) WITHOUT ROWID;
CREATE INDEX search_token_person ON search_token(person, token);
CREATE TRIGGER entry_search_gone AFTER DELETE ON entry
BEGIN
    DELETE FROM search_token WHERE person = OLD.person AND register = OLD.register;
END;
CREATE TABLE search_state (
    one    INTEGER PRIMARY KEY CHECK (one = 1),
    built  INTEGER NOT NULL
);
INSERT INTO search_state VALUES (1, 0);

-- The people list, newest first, keyset-paged on (created_at, pk).
CREATE INDEX person_created ON person(created_at);
-- A person's audit trail (the person record) without reading the whole chain.
CREATE INDEX audit_person ON audit(person_id, seq) WHERE person_id IS NOT NULL;

CREATE TABLE register_count (
    register  TEXT PRIMARY KEY,
    persons   INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO register_count SELECT register, count(*) FROM entry GROUP BY register;
-- entry_put is INSERT OR REPLACE: a replaced entry fires no delete trigger (recursive
-- triggers are off), so only an entry that is not there yet counts.
CREATE TRIGGER entry_count_in BEFORE INSERT ON entry
WHEN NOT EXISTS (SELECT 1 FROM entry WHERE person = NEW.person AND register = NEW.register)
BEGIN
    INSERT INTO register_count (register, persons) VALUES (NEW.register, 1)
        ON CONFLICT (register) DO UPDATE SET persons = persons + 1;
END;
CREATE TRIGGER entry_count_out AFTER DELETE ON entry
BEGIN
    UPDATE register_count SET persons = persons - 1 WHERE register = OLD.register;
END;

CREATE TABLE consent_week (
    week       TEXT NOT NULL,             -- the Monday of the ISO week, YYYY-MM-DD (UTC)
    purpose    TEXT NOT NULL,
    given      INTEGER NOT NULL,          -- given (not pending) or confirmed
    withdrawn  INTEGER NOT NULL,
    expired    INTEGER NOT NULL,
    PRIMARY KEY (week, purpose)
) WITHOUT ROWID;
INSERT INTO consent_week
    SELECT date(at, '-6 days', 'weekday 1'), purpose,
           sum((event = 'given' AND pending = 0) OR event = 'confirmed'),
           sum(event = 'withdrawn'), sum(event = 'expired')
    FROM consent_event GROUP BY 1, 2;
CREATE TRIGGER consent_week_in AFTER INSERT ON consent_event
BEGIN
    INSERT INTO consent_week (week, purpose, given, withdrawn, expired)
    VALUES (date(NEW.at, '-6 days', 'weekday 1'), NEW.purpose,
            (NEW.event = 'given' AND NEW.pending = 0) OR NEW.event = 'confirmed',
            NEW.event = 'withdrawn', NEW.event = 'expired')
    ON CONFLICT (week, purpose) DO UPDATE SET given = given + excluded.given,
        withdrawn = withdrawn + excluded.withdrawn, expired = expired + excluded.expired;
END;
CREATE TRIGGER consent_week_out AFTER DELETE ON consent_event
BEGIN
    UPDATE consent_week
    SET given = given - ((OLD.event = 'given' AND OLD.pending = 0) OR OLD.event = 'confirmed'),
        withdrawn = withdrawn - (OLD.event = 'withdrawn'),
        expired = expired - (OLD.event = 'expired')
    WHERE week = date(OLD.at, '-6 days', 'weekday 1') AND purpose = OLD.purpose;
    -- a week left with nothing says nothing either (an erased person's week leaves no trace)
    DELETE FROM consent_week WHERE week = date(OLD.at, '-6 days', 'weekday 1')
        AND purpose = OLD.purpose AND given = 0 AND withdrawn = 0 AND expired = 0;
END;

CREATE TABLE purpose_count (
    purpose  TEXT PRIMARY KEY,
    live     INTEGER NOT NULL             -- consent_state rows in state 'live'
) WITHOUT ROWID;
INSERT INTO purpose_count SELECT purpose, count(*) FROM consent_state
    WHERE state = 'live' GROUP BY purpose;
-- consent_state is written with INSERT OR REPLACE: the row replaced is subtracted here.
CREATE TRIGGER consent_live_in BEFORE INSERT ON consent_state
BEGIN
    INSERT INTO purpose_count (purpose, live)
    VALUES (NEW.purpose, (NEW.state = 'live') - (SELECT count(*) FROM consent_state
            WHERE person = NEW.person AND purpose = NEW.purpose AND state = 'live'))
    ON CONFLICT (purpose) DO UPDATE SET live = live + excluded.live;
END;
CREATE TRIGGER consent_live_out AFTER DELETE ON consent_state WHEN OLD.state = 'live'
BEGIN
    UPDATE purpose_count SET live = live - 1 WHERE purpose = OLD.purpose;
END;
CREATE TRIGGER consent_live_upd AFTER UPDATE OF state ON consent_state
WHEN (OLD.state = 'live') <> (NEW.state = 'live')
BEGIN
    UPDATE purpose_count SET live = live + (NEW.state = 'live') - (OLD.state = 'live')
    WHERE purpose = NEW.purpose;
END;

-- The last retention sweep that did anything (its sweep.run audit event) and the last
-- verification of the audit chain (rekisteri audit verify, POST /api/v1/audit/verify).
CREATE TABLE console_mark (
    what    TEXT PRIMARY KEY,             -- 'sweep' | 'audit_verify'
    at      TEXT NOT NULL,
    seq     INTEGER,                      -- the audit event / the head verified
    detail  TEXT,                         -- the sweep's counts / the head's hash (hex)
    ok      INTEGER                       -- audit_verify: whether the chain held
) WITHOUT ROWID;
INSERT INTO console_mark (what, at, seq, detail)
    SELECT 'sweep', at, seq, detail FROM audit WHERE action = 'sweep.run'
    ORDER BY seq DESC LIMIT 1;
CREATE TRIGGER audit_sweep_mark AFTER INSERT ON audit WHEN NEW.action = 'sweep.run'
BEGIN
    INSERT OR REPLACE INTO console_mark (what, at, seq, detail)
    VALUES ('sweep', NEW.at, NEW.seq, NEW.detail);
END;
