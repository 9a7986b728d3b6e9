/*
 * rotate.h — rotating the register's key (`rekisteri key rotate`): a new
 * generation of the master key becomes current, the old one is kept in the
 * key file as retired, and the database is brought under the new one in one
 * transaction. Rotate when the key may have leaked (a lost laptop, a leaver
 * who could read it, a backup of the key file in the wrong place) or on a
 * schedule.
 *
 * What rotation does to each use of the key (the subkeys of core/keys.h),
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
 */
#ifndef RK_ROTATE_H
#define RK_ROTATE_H

#include "core/keys.h"
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
    bool journal_marked; /* a marker was appended to the erasure journal now */
};

/*
 * Moves the database from key generation `from` (which k must hold) to k's
 * current one in one transaction: re-hashes entries and signups, moves the
 * suppressions of held values, revokes every staff token, appends key.rotated
 * (hashed under generation from's audit key) and records the new generation.
 * RK_ECONFLICT when the database is not at `from`. msg says why on failure.
 */
RK_MUST_USE rk_err rk_rotate_db(struct rk_store *s, const struct rk_keys *k, uint32_t from,
                                rk_ts at, const char *actor, struct rk_rotate_report *out,
                                struct rk_msg *msg);

/*
 * `key rotate` on the key file at key_path (which the caller holds locked
 * exclusively), the database s and the erasure journal at journal (NULL or
 * a missing file: none): a new generation, a catch-up or the finish of an
 * interrupted rotation, as the state of the files says (see the crash
 * windows above). msg says why on failure and what to do.
 */
RK_MUST_USE rk_err rk_rotate(struct rk_store *s, const char *key_path, const char *journal,
                             rk_ts now, const char *actor, struct rk_rotate_report *out,
                             struct rk_msg *msg);

/*
 * Checks that k belongs to the database s: its current generation is the
 * database's, with the same fingerprint. Otherwise RK_ECONFLICT and msg says
 * what happened and which command puts it right.
 */
RK_MUST_USE rk_err rk_rotate_check(struct rk_store *s, const struct rk_keys *k,
                                   const char *key_path, struct rk_msg *msg);

#endif
