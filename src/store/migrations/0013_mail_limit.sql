-- 0013_mail_limit.sql — the mail limit (core/mail_limit.h): one row per mail
-- queued to an address on someone else's say-so (a form's confirmation, a
-- request receipt, an email_code link), so that no address is sent more than
-- the declaration's mail_limits allow. The recipient is a keyed hash of the
-- normalised address under a subkey of its own (core/keys.h): it matches the
-- same address again and nothing else in the database; the address itself is
-- never kept here. Rows older than a day are deleted by every write.
CREATE TABLE mail_limit (
    recipient  BLOB NOT NULL,      -- keyed hash (RK_SUBKEY_MAIL_LIMIT)
    at         INTEGER NOT NULL    -- when the mail was queued, Unix seconds
);
CREATE INDEX mail_limit_recipient ON mail_limit (recipient, at);
CREATE INDEX mail_limit_at ON mail_limit (at);
