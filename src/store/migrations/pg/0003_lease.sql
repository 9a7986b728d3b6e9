-- pg/0003_lease.sql — named leases: one holder of a job at a time across instances
-- (the retention sweep takes "sweep": core/sweep.c). The same table as SQLite's
-- migration 0020_lease.sql. A lease is free when it has no row or its `until` (an
-- instant, text) is before now; the holder renews it while it works and deletes it when
-- done; a holder that dies leaves it to run out.
CREATE TABLE lease (
    name   text PRIMARY KEY,
    holder text NOT NULL,
    until  text NOT NULL
);
