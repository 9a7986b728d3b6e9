-- pg/0002_claims.sql — claims on the two delivery queues, so that several `serve`
-- instances on one database send each message and each art 19 notice once
-- (docs/design-postgres.md (b), "Each message and notice once"). outbox_due and
-- recipient_notice_due set claimed_by (a random id of the store handle, pg_open.c) and
-- claim_until (an instant, text as every instant here) on the rows they hand out, in
-- one statement with FOR UPDATE SKIP LOCKED; a row whose claim has not run out is
-- skipped by every other handle; the marks apply only under the handle's own claim and
-- clear it. A handle that dies leaves its claims to run out (the lease: 60 s for mail,
-- 120 s for notices, REKISTERI_CLAIM_LEASE), then another instance takes them.
-- PostgreSQL only: SQLite has one worker per database and no claims.
ALTER TABLE outbox ADD COLUMN claimed_by text;
ALTER TABLE outbox ADD COLUMN claim_until text;
ALTER TABLE recipient_notice ADD COLUMN claimed_by text;
ALTER TABLE recipient_notice ADD COLUMN claim_until text;
-- The live claims of a handle (renewed while it works, released when it closes); a
-- marked row has none, so the index holds only what is in hand.
CREATE INDEX outbox_claimed ON outbox (claimed_by) WHERE claimed_by IS NOT NULL;
CREATE INDEX recipient_notice_claimed ON recipient_notice (claimed_by)
    WHERE claimed_by IS NOT NULL;
