/*
 * sqlite_retention.c — what ran out (consents, signups, kept invoices and
 * contracts), the purges and the census of the SQLite backend.
 */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/* ---- Retention sweep ------------------------------------------------------------------- */

struct pair_iter {
    rk_person_purpose_fn fn;
    void *ctx;
};

static int each_pair(void *ctx, sqlite3_stmt *st) {
    struct pair_iter *it = ctx;
    const char *person = sq_col_text(st, 0), *purpose = sq_col_text(st, 1);
    if (!person || !purpose)
        return -1;
    return it->fn(it->ctx, person, purpose) ? 1 : 0;
}

static rk_err run_out(struct rk_store *base, enum stmt which, rk_ts now, int limit,
                      rk_person_purpose_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct pair_iter it = {fn, ctx};
    return sq_each(s, which, SQ_ARGS(SQ_TS(now), SQ_INT(limit > 0 ? limit : -1)), each_pair, &it);
}

rk_err sq_consents_run_out(struct rk_store *base, rk_ts now, int limit, rk_person_purpose_fn fn,
                           void *ctx) {
    return run_out(base, S_CONSENTS_RUN_OUT, now, limit, fn, ctx);
}

rk_err sq_signups_run_out(struct rk_store *base, rk_ts now, int limit, rk_person_purpose_fn fn,
                          void *ctx) {
    return run_out(base, S_SIGNUPS_RUN_OUT, now, limit, fn, ctx);
}

/* ---- Retention rules (retention) ------------------------------------------------------ */

struct retention_iter {
    rk_retention_fn fn;
    void *ctx;
};

static int each_retention_row(void *ctx, sqlite3_stmt *st) {
    struct retention_iter *it = ctx;
    struct rk_retention_row r = {.key = sqlite3_column_int64(st, 0),
                                 .since = sq_col_ts(st, 2),
                                 .restricted = sqlite3_column_int(st, 3) != 0,
                                 .contracts = sqlite3_column_int64(st, 4),
                                 .open = sqlite3_column_int64(st, 5) > 0,
                                 .last_end = sq_col_date(st, 6)};
    if (!sq_col_copy(st, 1, r.person_id, sizeof r.person_id))
        return -1;
    return it->fn(it->ctx, &r) ? 1 : 0;
}

rk_err sq_retention_entries(struct rk_store *base, const char *register_id, int64_t after,
                            int limit, rk_retention_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct retention_iter it = {fn, ctx};
    return sq_each(s, S_RETENTION_ENTRIES,
                   SQ_ARGS(SQ_TEXT(register_id), SQ_INT(after), SQ_INT(limit > 0 ? limit : -1)),
                   each_retention_row, &it);
}

rk_err sq_kept_invoices_run_out(struct rk_store *base, struct rk_date today, int limit,
                                rk_person_purpose_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_KEPT_INVOICES_RUN_OUT, &st);
    if (err != RK_OK)
        return err;
    sq_bind_date(st, 1, today);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    struct pair_iter it = {fn, ctx}; /* (invoice id, person id) */
    return sq_step_rows(s, st, each_pair, &it);
}

rk_err sq_kept_contracts(struct rk_store *base, const char *after, int limit, rk_contract_fn fn,
                         void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct contract_iter it = {.fn = fn, .ctx = ctx};
    return sq_each(s, S_KEPT_CONTRACTS,
                   SQ_ARGS(SQ_TEXT(after ? after : ""), SQ_INT(limit > 0 ? limit : -1)),
                   sq_each_contract, &it);
}

/* Deletes at most limit rows older than before with statement del, or counts them all with
 * statement count when dry_run. */
static rk_err purge(struct sqlite_store *s, enum stmt del, enum stmt count, rk_ts before, int limit,
                    bool dry_run, int64_t *n) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, dry_run ? count : del, &st);
    if (err != RK_OK)
        return err;
    sq_bind_ts(st, 1, before);
    if (dry_run) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            *n = sqlite3_column_int64(st, 0);
        else
            err = sq_fail(s, rc);
        sq_done(st);
        return err;
    }
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    err = sq_step_done(s, st);
    if (err == RK_OK)
        *n = sqlite3_changes64(s->db);
    return err;
}

rk_err sq_outbox_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run, int64_t *n) {
    return purge((struct sqlite_store *)base, S_OUTBOX_PURGE, S_OUTBOX_PURGE_COUNT, before, limit,
                 dry_run, n);
}

rk_err sq_answer_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run, int64_t *n) {
    return purge((struct sqlite_store *)base, S_ANSWER_PURGE, S_ANSWER_PURGE_COUNT, before, limit,
                 dry_run, n);
}

rk_err sq_recipient_notice_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                                 int64_t *n) {
    return purge((struct sqlite_store *)base, S_NOTICE_PURGE, S_NOTICE_PURGE_COUNT, before, limit,
                 dry_run, n);
}

rk_err sq_consent_log_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                            int64_t *n) {
    return purge((struct sqlite_store *)base, S_CONSENT_LOG_PURGE, S_CONSENT_LOG_PURGE_COUNT,
                 before, limit, dry_run, n);
}

/* ---- Consent expiry in bulk (sweepbench) ------------------------------------------------ */

struct state_iter {
    rk_consent_state_fn fn;
    void *ctx;
};

static int each_state(void *ctx, sqlite3_stmt *st) {
    struct state_iter *it = ctx;
    const char *person = sq_col_text(st, 0), *purpose = sq_col_text(st, 1);
    struct rk_consent_state cs;
    if (!person || !purpose || !sq_row_to_consent_state(st, 2, &cs))
        return -1;
    return it->fn(it->ctx, person, purpose, &cs) ? 1 : 0;
}

rk_err sq_consents_run_out_states(struct rk_store *base, rk_ts now, int limit,
                                  rk_consent_state_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct state_iter it = {fn, ctx};
    return sq_each(s, S_CONSENTS_RUN_OUT_STATES,
                   SQ_ARGS(SQ_TS(now), SQ_INT(limit > 0 ? limit : -1)), each_state, &it);
}

/* Deletes the provenance row id unless an entry still cites it (indexes of migration 0012). */
/* ---- The census ---------------------------------------------------------------------- */

rk_err sq_census(struct rk_store *base, const char *person_id, struct rk_census *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, person_id ? S_CENSUS_PERSON : S_CENSUS_ALL, &st);
    if (err != RK_OK)
        return err;
    if (person_id)
        sq_bind_text(st, 1, person_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct rk_census c;
        int col = 0;
#define CENSUS_READ(f) c.f = sqlite3_column_int64(st, col++);
        RK_CENSUS_FIELDS(CENSUS_READ)
#undef CENSUS_READ
        assert(col == sqlite3_column_count(st));
        *out = c;
    } else {
        err = sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}
