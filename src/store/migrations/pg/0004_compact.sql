-- pg/0004_compact.sql — the erasures not yet made final in the database's files
-- (docs/design-postgres.md (c)). A deleted row's bytes stay in its table's and
-- indexes' pages until they happen to be overwritten; plain VACUUM leaves them
-- where the freed tuple was the page's last-inserted one. The store's checkpoint
-- (pg_open.c, pg_checkpoint) rewrites the tables that can hold a person's values
-- (VACUUM FULL) when this counter says erasures happened since its last rewrite,
-- then takes back the count it saw.
--
-- pending:  erasures (person deletes, pg_erasure.c) not yet rewritten away.
-- last_xid: the transaction of the newest of them: a rewrite keeps a deleted row
--           that a snapshot older than it may still see, so the checkpoint waits
--           until no open transaction, replication slot or standby (feedback) is
--           older (its xmin at or before last_xid).
CREATE TABLE erasure_pending (
    one       bigint PRIMARY KEY CHECK (one = 1),
    pending   bigint NOT NULL,
    last_xid  xid8
);
INSERT INTO erasure_pending (one, pending, last_xid) VALUES (1, 0, NULL);
