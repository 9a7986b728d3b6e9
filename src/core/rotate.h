/*
 * rotate.h — rotating the register's key (`rekisteri key rotate`): a new
 * generation of the master key becomes current, the old one is kept in the
 * key file as retired, and the database is brought under the new one in one
 * transaction. Rotate when the key may have leaked (a lost laptop, a leaver
 * who could read it, a backup of the key file in the wrong place) or on a
 * schedule.
 *
 * What rotation does to each use of the key (the subkeys of keys/keys.h),
 * assuming the old key may be in someone else's hands:
 *
 *   subkey   held as                 on rotation
 *   lookup   entry/signup hashes     recomputed from the values still held;
 *            suppression hashes      a suppression of a value still held moves
 *                                    to the new key; one whose value is gone
 *                                    (erased, objected) cannot be recomputed, so
 *                                    it keeps its generation and lookups check
 *                                    the current and every retired generation:
 *                                    a suppression is never lost
 *   token    staff token hashes      cannot be recomputed (only hashes are
 *                                    kept): every live token is revoked and
 *                                    staff get new ones (`token create`)
 *   session  staff sessions, setup   cannot be recomputed: every session ends
 *            links, sign-in throttles (deleted in the rotation's transaction,
 *            and CSRF tokens         and a hash under the old key matches
 *                                    nothing anyway): everyone signs in again;
 *                                    setup links stop working (`staff reset`)
 *   links    links sent in emails    a retired key still verifies one-click
 *                                    unsubscribe links (withdrawing must keep
 *                                    working, art 7(3), and it only takes data
 *                                    away); confirm, preferences and request
 *                                    verification links answer as expired, with
 *                                    the page saying how to get a new one
 *   audit    the hash chain          a key.rotated event, hashed under the old
 *                                    key, names the new generation and its
 *                                    fingerprint (never the key); the events
 *                                    after it are hashed under the new key;
 *                                    `audit verify` switches keys there, so
 *                                    exported heads keep verifying
 *   backup   backup files            new backups are sealed under the new key;
 *                                    restore tries the current, then the
 *                                    retired keys (file format unchanged)
 *   journal  the erasure journal's   a marker line, MACed under the old key,
 *            MAC chain (file)        names the new generation and its
 *                                    fingerprint; the lines after it are MACed
 *                                    under the new key; records keep their
 *                                    generation's lookup hashes, which a
 *                                    restore's replay matches by hashing the
 *                                    held values under it (core/journal.h 9, 10)
 *   mail_limit  the mail limit's     not recomputed (no address is kept): rows
 *            recipient hashes        under the old key stop matching, so each
 *                                    recipient's budget starts afresh once, and
 *                                    they are pruned within a day (core/mail_limit.h)
 *   notice   sealed identities of    re-sealed in the rotation's transaction:
 *            queued art 19 notices   opened under the old generation's subkey,
 *   outbox   sealed content of       sealed under the new one (a new nonce);
 *            queued mail             see "Sealed values" below
 *
 * The database records its generation (table key_state, migration 0011), so
 * a key file and a database that do not belong together are refused. A
 * restored backup older than the key file's current generation is brought
 * forward the same way (rk_rotate_db from its generation).
 *
 * Order of writes, and the crash windows (K = the key file, K.new beside it):
 *   1. the rotated key file is written to K.new (0600, synced);
 *   2. the database transaction commits (generation N+1);
 *   2b. the erasure journal gets its marker for N+1 (appended and fsynced;
 *      none when there is no journal file);
 *   3. K.new is renamed over K and the folder synced.
 * A crash before 2 leaves the database at N and K at N: K.new was never
 * used, and the next `key rotate` removes it and starts again. A crash
 * between 2 and 3 leaves the database at N+1 and K at N: every command
 * refuses to run, and `key rotate` finishes by appending the journal's marker
 * unless it is there already (rk_journal_advance is idempotent) and renaming
 * K.new (after checking its fingerprint against the database's). The old K is never changed in
 * place, so a backup copy of it stays valid for the databases it made.
 * `key rotate` commits with synchronous=FULL; were the commit lost anyway
 * (the database older than K), the next `key rotate` brings the database
 * forward under the retired key K still holds.
 *
 * Running instances (issue 17: "a rotated key takes effect on every instance
 * within a second"). Processes that hold the key while a rotation commits —
 * `serve` on this machine or, on PostgreSQL, on others with their own copy of
 * the key file, and long commands — must never write under the retired key:
 * an entry hashed under it would not be found, a value sealed under it would
 * not open (and the sender would fail its message for good).
 *  R1. Every write transaction of a handle opened with a key generation
 *      (rk_store_options.key_generation: serve's writer, workers, timers;
 *      every command but `key rotate` and `restore`) reads the database's
 *      generation first and holds it until it ends (rk_store_begin,
 *      key_generation_hold: PostgreSQL's advisory lock shared, SQLite's write
 *      lock); another generation than its own is RK_ESTALE, rolled back.
 *  R2. The rotation's transaction holds it exclusively before it reads a
 *      row: it waits for the write transactions in progress (whose rows it
 *      then re-hashes and re-seals), and those that begin later wait for its
 *      commit and then find the new generation (R1). So no row under the old
 *      generation is committed after the rotation.
 *  R3. `serve` reads the generation every 250 ms (src/serve.c). Moved, and
 *      its key file holds the new generation and fingerprint: it swaps the
 *      key in with every keyed part stopped (rk_http_rekey: no request or
 *      worker mixes two generations) and appends the journal's marker.
 *      Moved, and the file does not (another machine rotated; not copied
 *      yet): /healthz answers 503 and writes are refused (R1) until it does.
 *  R4. Reads in the window (at most 250 ms, or until the file arrives) use
 *      the old key: a token hashed under it matches nothing (rotation revoked
 *      every token anyway), an email lookup finds nobody — answers that err
 *      towards "not found", never towards another person's data.
 * The window's cost: a write landing between the rotation's commit and the
 * swap is refused (503, Retry-After), and a message whose send straddles the
 * swap is sent again after its claim runs out, like a crash between the
 * relay's answer and the commit (worker/worker.h, invariant 3).
 *
 * Sealed values (migration 0014; keys/seal.h). A queued art 19 notice must
 * keep the email its recipient knows the person by, and a queued message its
 * address and text, after the person is erased: they are how the erasure is
 * passed on and how the person is answered. They are kept sealed, never in
 * the clear:
 *
 *   table             sealed                      sealed by / opened by
 *   recipient_notice  the identity (email)        rk_notify_recipients / the
 *                                                 deliverer (connect/deliver.c)
 *   outbox            recipient, subject, body,   rk_mail_enqueue / the sender
 *                     list_unsubscribe            (mail/sender.c)
 *
 * with XChaCha20-Poly1305 under the notice or outbox subkey (KDF ids 7, 8),
 * a random 24-byte nonce per value, and as associated data the row's id and
 * what else names it (a notice's recipient and person id, a message's
 * message id).
 *
 * Invariants.
 *  S1. No plaintext is written: the row is inserted without the value and the
 *      sealed value set on it (its id is the associated data) in the same
 *      transaction, so neither the database, its WAL, nor a backup (which
 *      copies the database as it is) ever holds it in the clear. Only
 *      migration 0014 leaves plaintext behind, marked (byte 0), for S5.
 *  S2. Every sealed value in the database is under the subkey of the
 *      database's key generation (key_state). Sealing uses the register's
 *      current generation, which rk_rotate_check makes the database's before
 *      any command or `serve` writes; rotation re-seals every value in the
 *      same transaction that moves key_state, so the two never disagree in a
 *      committed state.
 *  S3. Opened in one place each, for one attempt: the deliverer and the
 *      sender. The plaintext lives in their memory only while the attempt
 *      runs and is wiped after it (sodium_memzero).
 *  S4. Wiped when no longer needed: the statement that moves a notice to
 *      done, pending, failed or unsupported, or a message to sent or failed,
 *      sets the sealed column to NULL; secure_delete overwrites the freed
 *      bytes, and the 30-day purge of finished rows (core/retention.c) has
 *      nothing of the person left to remove.
 *  S5. Databases from before 0014: the migration moves the plaintext of
 *      queued rows behind the marker byte (SQL cannot seal) and drops the old
 *      columns; rk_rotate_seal_plain, run by every command and by `serve`
 *      right after opening (cli/cli_reg.c, src/serve.c), seals them under
 *      the database's generation in one transaction before anything reads
 *      them. rk_seal_open refuses the marker, so a row missed would fail
 *      rather than be sent from plaintext.
 *
 * Threats.
 *  - A stolen database file (or WAL, or backup) without the key file: the
 *    sealed values are ciphertext under a key derived from the key file; it
 *    reveals no address, name or text. What stays readable is pseudonymous:
 *    the person id, the recipient id, the kind, the states and times.
 *  - Moving a sealed value to another row (to have an erasure notice carry
 *    someone else's email, or a message go to another address): the value's
 *    associated data names its row, so it does not open there; the deliverer
 *    or sender fails that row for good ("does not open"), never sends it.
 *  - Altering a sealed value: the Poly1305 tag fails; the same.
 *  - Someone with the key file and the database has everything, as before.
 *
 * Crash windows during rotation. Re-sealing is inside rk_rotate_db's one
 * transaction (step 2 above): a crash before its commit leaves every value
 * under generation N with the database at N; after it, every value under
 * N+1 with the database at N+1. Between 2 and 3 (database at N+1, key file
 * at N) every command and `serve` refuse to run, so nothing opens a value
 * with the wrong key; `key rotate` finishes with K.new, which holds N+1. A
 * restored backup at an older generation is re-sealed when it is brought
 * forward (the same rk_rotate_db). A value that does not open under the old
 * subkey (altered) is left as it is and counted (rk_rotate_report.unopened):
 * it fails at delivery, as it would have without the rotation.
 */
#ifndef RK_ROTATE_H
#define RK_ROTATE_H

#include "keys/keys.h"
#include "core/register.h"

enum rk_rotate_step {
    RK_ROTATE_NEW,      /* a new generation was made and the database moved to it */
    RK_ROTATE_CATCH_UP, /* the database (e.g. a restored backup) was brought forward */
    RK_ROTATE_FINISH,   /* an interrupted rotation was finished (K.new renamed) */
};

struct rk_rotate_report {
    enum rk_rotate_step step;
    uint32_t from, to;                        /* generations */
    char fingerprint[RK_FINGERPRINT_LEN + 1]; /* of generation to */
    struct rk_rehash_counts rehashed;
    int64_t tokens_revoked;
    int64_t sessions_ended; /* staff console sessions (core/staff.h) */
    bool journal_marked; /* a marker was appended to the erasure journal now */
    int64_t resealed;    /* sealed notice identities and queued messages re-sealed */
    int64_t unopened;    /* sealed values that did not open under the old key, left as they were */
};

/*
 * Moves the database from key generation `from` (which k must hold) to k's
 * current one in one transaction: re-hashes entries and signups, moves the
 * suppressions of held values, re-seals the sealed values (notices, outbox),
 * revokes every staff token, appends key.rotated (hashed under generation
 * from's audit key) and records the new generation.
 * RK_ECONFLICT when the database is not at `from`. msg says why on failure.
 */
RK_MUST_USE rk_err rk_rotate_db(struct rk_store *s, const struct rk_keys *k, uint32_t from,
                                rk_ts at, const char *actor, struct rk_rotate_report *out,
                                struct rk_error *msg);

/*
 * `key rotate` on the key file at key_path (which the caller holds locked
 * exclusively), the database s and the erasure journal at journal (NULL or
 * a missing file: none): a new generation, a catch-up or the finish of an
 * interrupted rotation, as the state of the files says (see the crash
 * windows above). msg says why on failure and what to do.
 */
RK_MUST_USE rk_err rk_rotate(struct rk_store *s, const char *key_path, const char *journal,
                             rk_ts now, const char *actor, struct rk_rotate_report *out,
                             struct rk_error *msg);

/*
 * Checks that k belongs to the database s: its current generation is the
 * database's, with the same fingerprint. Otherwise RK_ECONFLICT and msg says
 * what happened and which command puts it right.
 */
RK_MUST_USE rk_err rk_rotate_check(struct rk_store *s, const struct rk_keys *k,
                                   const char *key_path, struct rk_error *msg);

/*
 * Seals the plaintext migration 0014 left in queued notices and mail (S5
 * above) under the subkeys of the database's key generation, which reg's key
 * must hold (otherwise nothing is done: rk_rotate_check says why), in one
 * unit of work, then checkpoints the log (best effort); *sealed gets how
 * many. Without such rows it only reads (no transaction). A store error rolls
 * everything back; msg says why.
 */
RK_MUST_USE rk_err rk_rotate_seal_plain(struct rk_reg *reg, int64_t *sealed, struct rk_error *msg);

#endif
