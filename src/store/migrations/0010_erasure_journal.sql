-- 0010_erasure_journal.sql — which records of the erasure journal (core/journal.h,
-- a file outside the database) this database contains: written in the same
-- transaction as the art 17 erasure it records, or when `rekisteri restore`
-- re-applies a record. A restore re-applies exactly the journal records its
-- backup lacks. id is the record's random id, at its instant; nothing else.

CREATE TABLE erasure_journal (
    id TEXT PRIMARY KEY,
    at INTEGER NOT NULL
) WITHOUT ROWID;
