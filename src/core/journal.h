/*
 * journal.h — the erasure journal: an append-only file, outside the
 * database, recording every art 17 erasure (rk_rights_erase) so that
 * `rekisteri restore` can re-apply the erasures made after its backup was
 * taken, and a restored register never brings back a person who was erased.
 * This module is the file: its format, writing, reading and verifying it,
 * and the record an erasure appends. Replaying it (6-8, 10) is
 * core/restore.h's, which uses the rights; the journal does not, so an
 * erasure (core/rights.c) can append to it without a cycle.
 *
 * Design.
 *  1. Where: a file of its own, because it must survive the loss of the
 *     database (that is when backups are restored). By default beside the
 *     database (<db>.erasures); --journal PATH or REKISTERI_ERASURE_JOURNAL
 *     put it elsewhere, and docs/operations.md tells the operator to keep it
 *     on another disk and back it up with the key file. `rekisteri init`
 *     creates it (the header alone); the first append creates it too.
 *  2. What: the line "rekisteri-erasures 1", then one line per erasure:
 *         ID AT PERSON HASHES MAC
 *     ID is a random record id (base/id.h), AT the instant (rk_ts, decimal),
 *     PERSON the pseudonymous person id, HASHES "-" or a comma-separated list
 *     of "e" or "p" and 64 hex digits: the keyed hashes (lookup subkey,
 *     keys/keys.h) of the person's emails and phones — the values the
 *     suppression list holds, never an email or phone itself. No personal
 *     data is in the file.
 *  3. Authentication: MAC = keyed BLAKE2b-256 under the key file's journal
 *     subkey (KDF id 6) of the previous record's MAC (32 zero bytes for the
 *     first) and the line up to the space before MAC. The chain catches an
 *     altered, inserted, reordered or removed line and names it; a journal
 *     written under another key fails at its first record. Cutting records
 *     off the end is not caught by the chain; the restore's containment check
 *     (7) catches it when the backup holds a record that was cut off.
 *  4. Order: the hook (rk_journal_erasure) runs inside the erasure's
 *     transaction, before anything is deleted: it marks the record id in the
 *     database (table erasure_journal, migration 0010), then appends the line
 *     and fsyncs the file, all before the commit. A crash or failure between
 *     the append and the commit leaves a record whose erasure did not commit:
 *     a restore then erases a person who asked to be erased — harmless. The
 *     other order could lose an erasure. Appenders (the service's writer and
 *     any CLI) take an exclusive flock on the file. A journal that cannot be
 *     written fails the erasure with RK_EIO, a storage failure, so that a
 *     transaction shared with other writes (the service's group commit) is
 *     rolled back whole rather than committing half an erasure.
 *  5. A torn last line (a crash in the middle of an append, before the
 *     fsync returned, so before the commit) is tolerated: readers report it
 *     and ignore it; the next append cuts it off under the lock first.
 *  6. Replay (rk_restore_replay, core/restore.h, by `restore` on the
 *     decrypted copy before it is put in place): the whole journal is read
 *     and verified first (a bad line refuses the restore, nothing written).
 *     Each record whose id the restored database does not hold is
 *     re-applied in its own transaction (one unit of work, core/work.h)
 *     as reg->actor ("restore"): the person with the journaled id and every
 *     person whose entry or pending signup has one of the hashes are erased by
 *     the same rules (rk_rights_erase, not journaled again), every hash is put
 *     on the suppression list (reason erasure), the record id is marked, and
 *     journal.reapplied is audited. Records the database holds were erased
 *     before the backup was taken and are skipped: a person erased then and
 *     added again later stays. Replaying twice changes nothing more.
 *  7. Containment: every record id the restored database holds must be in the
 *     journal; otherwise the journal is not this register's or was cut short,
 *     and the restore is refused (--no-journal overrides, as for a missing
 *     journal).
 *  8. Art 19: re-applying an erasure queues the recipient notices again.
 *     Notices queued by the original erasure lived in the lost database, so
 *     whether they went out is unknown; telling a recipient twice to erase is
 *     harmless (erasure is idempotent there), never telling it is not.
 *     Within one database a record is applied once (6), so no notice is
 *     queued twice by the journal itself.
 *  9. Key generations (core/rotate.h). What depends on the key generation, and
 *     what each part does about it:
 *
 *       part              generation-dependent        across a rotation
 *       header            the generation the file     "rekisteri-erasures 1" starts in
 *                         starts in                   generation 1 (files from before
 *                                                     rotation existed read as before);
 *                                                     "rekisteri-erasures 2 GEN" in GEN
 *       MAC chain         subkey 6 of a generation    `key rotate` appends the marker
 *                                                     "key AT GEN FP MAC": MACed, chained,
 *                                                     under the OLD generation's key, it
 *                                                     names the new generation and its
 *                                                     fingerprint; the lines after it are
 *                                                     MACed under the new one. Readers
 *                                                     switch keys there, taking retired
 *                                                     keys from the key file; a marker
 *                                                     naming a generation the key file
 *                                                     does not hold, not newer, or with
 *                                                     another fingerprint is refused by
 *                                                     its line
 *       record hashes     lookup subkey of the        kept as written: each record's
 *                         record's generation         generation is the one its line is
 *                                                     under (rk_journal_rec.gen); replay
 *                                                     matches them as in 10
 *       suppressions      suppression.gen             a record's hashes are suppressed
 *       from a replay                                 under the record's generation, which
 *                                                     suppression checks look at
 *
 *     The marker goes in after the rotation's database commit and before the
 *     key file is renamed (rotate.h); a re-run of `key rotate` after a crash
 *     appends it when missing, never twice (the journal's tail generation is
 *     the header's, a marker's, or the one whose key verifies the last
 *     record). An append finding the journal under an older generation than
 *     the key file's (a rotation run with another --journal) writes the marker
 *     first, so the chain never breaks.
 * 10. Replaying a record older than the database's generation (a journal
 *     line from before a rotation, into a database a restore brought
 *     forward): the person is matched by the journaled id, which rotation
 *     does not change; its hashes cannot be matched against the database's
 *     current hashes, so the held emails and phones (entries and pending
 *     signups) are hashed under that generation's lookup key — one pass over
 *     them per such generation, only when records of it are re-applied — and
 *     every holder of a journaled hash is erased too.
 */
#ifndef RK_JOURNAL_H
#define RK_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "core/register.h"

#define RK_JOURNAL_MAGIC      "rekisteri-erasures 1\n"
#define RK_JOURNAL_MAGIC2     "rekisteri-erasures 2" /* then " GEN\n" (design 9) */
#define RK_JOURNAL_HASHES_MAX 64
#define RK_JOURNAL_ENV        "REKISTERI_ERASURE_JOURNAL"
#define RK_JOURNAL_SUFFIX     ".erasures"

struct rk_journal_hash {
    enum rk_field field; /* RK_F_EMAIL or RK_F_PHONE */
    unsigned char h[RK_HASH_LEN];
};

struct rk_journal_rec {
    char id[RK_ID_LEN + 1];
    rk_ts at;
    char person_id[RK_ID_LEN + 1];
    size_t nhashes;
    struct rk_journal_hash hashes[RK_JOURNAL_HASHES_MAX];
    long line;    /* reads: the line number in the file */
    uint32_t gen; /* reads: the key generation the line is under (design 9) */
};

/* What a read found besides the records. */
struct rk_journal_info {
    int64_t records;
    long torn_line;      /* the line number of a torn last line that was ignored; 0: none */
    int64_t markers;     /* key generation markers passed */
    uint32_t generation; /* the generation the journal ends in */
};

/*
 * Creates the journal at path holding only its header, starting in key
 * generation gen (mode 0600, synced). RK_ECONFLICT when a file is there
 * already (it is left alone).
 */
RK_MUST_USE rk_err rk_journal_create(const char *path, uint32_t gen, struct rk_error *err);

/*
 * Brings the journal at path to k's current generation (design 9): appends
 * and fsyncs the marker, MACed under the generation the journal continues in,
 * when that is older; does nothing when it is current already or there is no
 * file. *marked (may be NULL) says whether a marker was written. RK_EPARSE
 * when the journal's tail is not under a generation of k (err says which).
 */
RK_MUST_USE rk_err rk_journal_advance(const char *path, const struct rk_keys *k, rk_ts at,
                                      bool *marked, struct rk_error *err);

/*
 * Appends r (id, at, person_id, hashes; line and gen ignored) to the journal
 * at path, chained and MACed under k->journal (after a marker when the
 * journal is under an older generation), and fsyncs it, under an exclusive lock.
 * Creates the file when missing and cuts off a torn last line first. RK_EPARSE
 * when path is not a journal; RK_EIO when it cannot be written. err gets a
 * one-line reason (a path, never personal data).
 */
RK_MUST_USE rk_err rk_journal_append(const char *path, const struct rk_keys *k,
                                     const struct rk_journal_rec *r, struct rk_error *err);

/* Called per record in file order; a non-zero return stops the read (RK_OK). */
typedef int (*rk_journal_fn)(void *ctx, const struct rk_journal_rec *r);

/*
 * Reads and verifies the journal at path, calling fn (may be NULL) for each
 * record. RK_ENOENT when there is no file; RK_EPARSE, with err naming
 * path:line and what is wrong, for a line that is malformed or fails the MAC
 * chain (records before it have been passed to fn). A torn last line is not
 * an error: info->torn_line names it. info may be NULL.
 */
RK_MUST_USE rk_err rk_journal_read(const char *path, const struct rk_keys *k, rk_journal_fn fn,
                                   void *ctx, struct rk_journal_info *info, struct rk_error *err);

/*
 * The hook in rk_rights_erase, inside its transaction and before anything is
 * deleted: with reg->journal set, collects the keyed hashes of the person's
 * emails and phones (entries and pending signups), marks a new record id in
 * the database and appends the record to the journal (fsynced). Without
 * reg->journal it does nothing. RK_EIO, msg saying why, when the journal
 * cannot be written: the erasure is then rolled back.
 */
RK_MUST_USE rk_err rk_journal_erasure(struct rk_reg *reg, const char *person_id, rk_ts at,
                                      struct rk_error *msg);

#endif
