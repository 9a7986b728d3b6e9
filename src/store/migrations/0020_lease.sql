-- 0020_lease.sql — named leases: one holder of a job at a time (the retention sweep
-- takes "sweep": core/sweep.c), so that two `serve` on one database, or `serve` and
-- `rekisteri sweep`, never sweep at once. A lease is free when it has no row or its
-- `until` (an instant, "YYYY-MM-DDTHH:MM:SSZ") is before now; the holder renews it while
-- it works and deletes it when done; a holder that dies leaves it to run out. The same
-- table as PostgreSQL's pg/0003_lease.sql.
CREATE TABLE lease (
    name   TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    until  TEXT NOT NULL
) WITHOUT ROWID;
