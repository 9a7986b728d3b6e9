/*
 * restore.h — what a restore does to the database it brings back: re-applies
 * the erasure journal (core/journal.h, design 6, 7, 8 and 10), so that a
 * restored register never brings back a person who was erased after the
 * backup was taken. Above both the journal (the file) and the rights (the
 * erasure it re-applies), which do not know of it.
 */
#ifndef RK_RESTORE_H
#define RK_RESTORE_H

#include <stdint.h>

#include "core/journal.h"
#include "core/register.h"

/* What a replay did. */
struct rk_replay_report {
    int64_t records;    /* in the journal */
    int64_t contained;  /* already in the database: skipped */
    int64_t reapplied;  /* re-applied now */
    int64_t persons;    /* persons erased while re-applying */
    int64_t suppressed; /* hashes newly put on the suppression list */
    long torn_line;     /* as in rk_journal_info */
};

/*
 * Re-applies to reg's database (not in a batch) every record of the journal
 * at path it does not hold (design 6, 7, 8), each in its own transaction,
 * audited as reg->actor at instant at. Verifies the whole journal first.
 * RK_ENOENT: no journal; RK_EPARSE: a bad line (nothing changed);
 * RK_EREFUSED: the database holds a record the journal lacks (nothing
 * changed); storage errors as they come (records re-applied before stay).
 * err gets a one-line reason.
 */
RK_MUST_USE rk_err rk_restore_replay(struct rk_reg *reg, const char *path, rk_ts at,
                                     struct rk_replay_report *out, struct rk_error *err);

#endif
