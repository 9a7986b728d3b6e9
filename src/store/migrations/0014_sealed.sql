-- 0014_sealed.sql — queued notices and mail hold what names the person only
-- sealed (core/seal.h; the design is in core/rotate.h, "Sealed values"). A
-- recipient notice's identity (the email the recipient knows the person by)
-- and a queued message's address, subject, body and unsubscribe URL move into
-- one column, `sealed`: XChaCha20-Poly1305 under the key file's notice or
-- outbox subkey, bound to the row. It is set to NULL (secure_delete
-- overwrites the bytes) as soon as the row no longer needs it: a notice done,
-- pending at the recipient, failed or unsupported; a message sent or failed.
--
-- SQL cannot seal: the plaintext of rows still queued is moved into `sealed`
-- behind the marker byte 00 (RK_SEAL_PLAIN), and the first command or `serve`
-- that opens the database with its key seals it (rk_rotate_seal_plain, in
-- one transaction) before anything else reads it. The old plaintext columns
-- are dropped; finished rows lose their plaintext here.
-- The outbox's plaintext, in the order the sender reads it back:
--   recipient 00 subject 00 body 00 list_unsubscribe (empty for none).

ALTER TABLE recipient_notice ADD COLUMN sealed BLOB;
UPDATE recipient_notice SET sealed = CAST(X'00' || identity_email AS BLOB)
    WHERE state = 'queued' AND identity_email IS NOT NULL;
ALTER TABLE recipient_notice DROP COLUMN identity_email;

ALTER TABLE outbox ADD COLUMN sealed BLOB;
UPDATE outbox SET sealed = CAST(X'00' || recipient || X'00' || subject || X'00' || body || X'00'
                                || coalesce(list_unsubscribe, '') AS BLOB)
    WHERE state = 'queued';
ALTER TABLE outbox DROP COLUMN recipient;
ALTER TABLE outbox DROP COLUMN subject;
ALTER TABLE outbox DROP COLUMN body;
ALTER TABLE outbox DROP COLUMN list_unsubscribe;
