/*
 * work.h — the unit of work: the one way the core opens and ends a write
 * transaction.
 *
 * Design.
 *  1. A batch is a transaction a caller opens over many core operations and
 *     ends itself: an import's rows, the service writer's group commit, a
 *     request's workflow step, the sweep's batches. rk_reg_batch_begin opens
 *     it and sets reg->in_batch; rk_reg_batch_commit or rk_reg_batch_rollback
 *     ends it and clears it.
 *  2. A unit of work is one core operation that writes (a person added, a
 *     consent recorded, an erasure, a journal record re-applied, ...). It is
 *     all or nothing:
 *
 *         struct rk_work w;
 *         rk_err err = rk_reg_work_begin(reg, &w);
 *         ... writes, each only while err == RK_OK ...
 *         err = rk_reg_work_end(reg, &w, err);
 *
 *     Inside a batch, rk_reg_work_begin joins it and begins nothing; outside,
 *     it begins a transaction of the unit's own. rk_reg_work_end commits only
 *     a transaction its unit began, and only when err is RK_OK; on any error
 *     it rolls that transaction back. Joined to a batch, it returns err
 *     unchanged for the batch's owner, who commits or rolls back the whole.
 *  3. A failed COMMIT (disk full, an I/O error, busy) still ends the
 *     transaction: it is rolled back before the error is returned. So when
 *     rk_reg_work_end or rk_reg_batch_commit returns, whatever the result, a
 *     transaction the unit or batch began is over, reg->in_batch is false and
 *     no later write can join a dead transaction.
 *  4. Nesting is by joining, never by savepoints: a unit inside a unit (an
 *     erasure inside a request's step, a consent withdrawn inside a sweep
 *     batch) joins the outermost, and only the outermost ends it. An inner
 *     unit's error must be passed on: the outer unit then rolls back the
 *     whole, the inner unit's writes with it. The core checks before it
 *     writes, so a refusal (RK_EREFUSED, RK_EINVAL) writes nothing and a
 *     batch owner may go on after one (an import counts refused rows).
 *  5. A rollback forgets what the handle remembered from the transaction
 *     (reg->last_prov, the provenance row the next write would reuse).
 *  6. An operation with no register handle (the key rotation's database
 *     step, which runs under the old and the new key) ends its store
 *     transaction with rk_work_store_end: the same rule, commit on success,
 *     rollback on failure, rollback after a failed COMMIT.
 */
#ifndef RK_WORK_H
#define RK_WORK_H

#include <stdbool.h>

#include "core/reg.h"

/* Batches (design 1, 3). */
RK_MUST_USE rk_err rk_reg_batch_begin(struct rk_reg *reg);
RK_MUST_USE rk_err rk_reg_batch_commit(struct rk_reg *reg);
void rk_reg_batch_rollback(struct rk_reg *reg);

/* Units of work (design 2, 3, 4). */
struct rk_work {
    bool own; /* this unit began the transaction */
};
RK_MUST_USE rk_err rk_reg_work_begin(struct rk_reg *reg, struct rk_work *w);
RK_MUST_USE rk_err rk_reg_work_end(struct rk_reg *reg, const struct rk_work *w, rk_err err);

/* Ends the store transaction s is in (design 6): commits when err is RK_OK, else rolls back;
 * a failed COMMIT is rolled back too. Returns err, or the COMMIT's error. */
RK_MUST_USE rk_err rk_work_store_end(struct rk_store *s, rk_err err);

#endif
