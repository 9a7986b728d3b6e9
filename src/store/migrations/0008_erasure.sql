-- 0008_erasure.sql — art 17(3) and art 18: what erasure keeps under a legal
-- obligation (invoices for the Accounting Act period, contracts a
-- declaration keeps for legal claims) stays, marked restricted: only stored,
-- never processed for anything else (core/rights.c).

ALTER TABLE invoice ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE contract ADD COLUMN restricted INTEGER NOT NULL DEFAULT 0;
