/*
 * work.c — batches and units of work over the store's transactions (design
 * in work.h).
 */
#include "core/work.h"

#include "core/reg_impl.h"

rk_err rk_work_store_end(struct rk_store *s, rk_err err) {
    if (err == RK_OK && (err = rk_store_commit(s)) == RK_OK)
        return RK_OK;
    rk_store_rollback(s); /* a failed COMMIT still ends the transaction */
    return err;
}

rk_err rk_reg_batch_begin(struct rk_reg *reg) {
    rk_err err = rk_store_begin(reg->store);
    reg->in_batch = err == RK_OK;
    return err;
}

rk_err rk_reg_batch_commit(struct rk_reg *reg) {
    rk_err err = rk_store_commit(reg->store);
    if (err == RK_OK)
        reg->in_batch = false;
    else
        rk_reg_batch_rollback(reg); /* a failed COMMIT still ends the transaction */
    return err;
}

void rk_reg_batch_rollback(struct rk_reg *reg) {
    rk_store_rollback(reg->store);
    reg->in_batch = false;
    reg->last_prov.id = 0;
}

rk_err rk_reg_work_begin(struct rk_reg *reg, struct rk_work *w) {
    w->own = !reg->in_batch;
    return w->own ? rk_reg_batch_begin(reg) : RK_OK;
}

rk_err rk_reg_work_end(struct rk_reg *reg, const struct rk_work *w, rk_err err) {
    if (!w->own)
        return err;
    if (err == RK_OK)
        return rk_reg_batch_commit(reg); /* rolls back itself when the COMMIT fails */
    rk_reg_batch_rollback(reg);
    return err;
}
