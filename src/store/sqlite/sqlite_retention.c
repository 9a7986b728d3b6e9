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

/* ---- Consent expiry set-based (issue 18) ----------------------------------------------
 * One batch in a dozen statements instead of seven per consent: the batch's consents into
 * temp.sweep_gone (by the person's internal key, so no statement looks a public id up), the
 * ledger events in one INSERT ... SELECT, the states in one UPDATE ... FROM, and per consent
 * register the leavers, the provenance rows and organisations they cited, their entries,
 * then the rows no entry cites any more. The temp tables hold keys only (no personal data)
 * and live in memory (temp_store); they are emptied at the start and the end of each call. */

static const char expire_tables[] =
    "CREATE TEMP TABLE IF NOT EXISTS sweep_purpose (register TEXT NOT NULL, purpose TEXT NOT "
    "NULL); CREATE TEMP TABLE IF NOT EXISTS sweep_gone (ord INTEGER PRIMARY KEY, person INTEGER "
    "NOT NULL, purpose TEXT NOT NULL, since TEXT, expires_at TEXT, seq INTEGER); "
    "CREATE TEMP TABLE IF NOT EXISTS sweep_leave (person INTEGER PRIMARY KEY); "
    "CREATE TEMP TABLE IF NOT EXISTS sweep_prov (id INTEGER PRIMARY KEY); "
    "CREATE TEMP TABLE IF NOT EXISTS sweep_org (id INTEGER PRIMARY KEY); ";
static const char expire_clear[] =
    "DELETE FROM temp.sweep_purpose; DELETE FROM temp.sweep_gone; DELETE FROM temp.sweep_leave; "
    "DELETE FROM temp.sweep_prov; DELETE FROM temp.sweep_org;";

static rk_err exec_sql(struct sqlite_store *s, const char *sql) {
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? RK_OK : sq_fail(s, rc);
}

static rk_err expire_purposes(struct sqlite_store *s, const char *reg, const char *const *p,
                              size_t n) {
    rk_err err = RK_OK;
    for (size_t i = 0; err == RK_OK && i < n; i++)
        err = sq_run(s, S_EXPIRE_PURPOSE, SQ_ARGS(SQ_TEXT(reg), SQ_TEXT(p[i])));
    return err;
}

/* The persons of the batch leave consent register r (see store.h). */
static rk_err expire_leave(struct sqlite_store *s, const struct rk_expiry_register *r, rk_ts now) {
    rk_err err = exec_sql(s, "DELETE FROM temp.sweep_leave");
    if (err == RK_OK)
        err = expire_purposes(s, r->id, r->purposes, r->npurposes);
    if (err == RK_OK)
        err = sq_run(s, S_EXPIRE_LEAVERS, SQ_ARGS(SQ_TEXT(r->id), SQ_TS(now)));
    if (err == RK_OK)
        err = sq_run(s, S_EXPIRE_PROVS, SQ_ARGS(SQ_TEXT(r->id)));
    if (err == RK_OK)
        err = sq_run(s, S_EXPIRE_ORGS, SQ_ARGS(SQ_TEXT(r->id)));
    return err == RK_OK ? sq_run(s, S_EXPIRE_ENTRIES, SQ_ARGS(SQ_TEXT(r->id))) : err;
}

static rk_err expire_batch(struct sqlite_store *s, rk_ts now, int limit, const struct rk_expiry *x,
                           int64_t *n) {
    const struct rk_consent_event *e = x->event;
    int64_t base = 0, picked = 0, agree = 0, orgs = 0;
    rk_err err = expire_purposes(s, "", x->purposes, x->npurposes);
    if (err == RK_OK)
        err = sq_run_count(s, S_EXPIRE_PICK, SQ_ARGS(SQ_TS(now), SQ_INT(limit)), &picked);
    if (err != RK_OK || picked == 0)
        return err;
    if ((err = sq_int(s, S_EXPIRE_SEQ, NULL, 0, &base)) != RK_OK ||
        (err = sq_run(s, S_EXPIRE_EVENTS,
                      SQ_ARGS(SQ_TEXT(rk_basis_id(e->basis)), SQ_TEXT(e->notice_version),
                              SQ_TEXT(e->notice_sha256), SQ_TEXT(e->channel), SQ_TEXT(e->collector),
                              SQ_TS(e->at)))) != RK_OK ||
        (err = sq_run(s, S_EXPIRE_SEQS, SQ_ARGS(SQ_INT(base)))) != RK_OK ||
        (err = sq_int(s, S_EXPIRE_CHECK, NULL, 0, &agree)) != RK_OK)
        return err;
    if (agree != picked) /* cannot happen (rowids of one insert follow on); fail safe */
        return rk_error_set(&s->base.error, RK_EIO, NULL,
                            "consents_expire: %lld of %lld events where expected", (long long)agree,
                            (long long)picked);
    if ((err = sq_run(s, S_EXPIRE_STATES, NULL, 0)) != RK_OK)
        return err;
    for (size_t i = 0; err == RK_OK && i < x->nregisters; i++)
        err = expire_leave(s, &x->registers[i], now);
    if (err == RK_OK)
        err = sq_run(s, S_EXPIRE_PROV_DROP, NULL, 0);
    if (err == RK_OK)
        err = sq_run_count(s, S_EXPIRE_ORG_DROP, NULL, 0, &orgs);
    for (int i = 0; err == RK_OK && orgs > 0 && i < ORG_CACHE; i++)
        s->orgs[i].id = 0; /* a deleted id must not be reused */
    *n = picked;
    return err;
}

rk_err sq_consents_expire(struct rk_store *base, rk_ts now, int limit, const struct rk_expiry *x,
                          rk_consent_state_fn fn, void *ctx, int64_t *n) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    *n = 0;
    if (limit <= 0 || !x->event)
        return rk_error_set(&s->base.error, RK_EINVAL, NULL, "consents_expire: no limit");
    rk_err err = exec_sql(s, expire_tables);
    if (err == RK_OK)
        err = exec_sql(s, expire_clear);
    if (err == RK_OK)
        err = expire_batch(s, now, limit, x, n);
    struct state_iter it = {fn, ctx};
    if (err == RK_OK && *n > 0)
        err = sq_each(s, S_EXPIRE_LIST, NULL, 0, each_state, &it);
    rk_err clear = exec_sql(s, expire_clear);
    return err != RK_OK ? err : clear;
}

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
