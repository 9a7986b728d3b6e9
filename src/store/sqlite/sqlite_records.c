/*
 * sqlite_records.c — contracts, invoices, suppression, tasks and signups
 * awaiting confirmation in the SQLite backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/* ---- Contracts and invoices ------------------------------------------------------------ */

static void bind_contract(sqlite3_stmt *st, const struct rk_contract *c) {
    sq_bind_text(st, 1, c->id);
    sq_bind_text(st, 2, c->person_id);
    sq_bind_text(st, 3, c->register_id);
    sq_bind_text(st, 4, c->service);
    sq_bind_date(st, 5, c->start);
    sq_bind_date(st, 6, c->end);
    sq_bind_text(st, 7, c->status == RK_CONTRACT_ACTIVE ? "active" : "ended");
    sq_bind_ts(st, 8, c->created_at);
    sq_bind_text(st, 9, c->created_by);
}

static bool row_to_contract(sqlite3_stmt *st, struct rk_contract *c) {
    c->start = sq_col_date(st, 4);
    c->end = sq_col_date(st, 5);
    c->status = sq_col_text(st, 6) && strcmp(sq_col_text(st, 6), "active") == 0 ? RK_CONTRACT_ACTIVE
                                                                                : RK_CONTRACT_ENDED;
    c->created_at = sq_col_ts(st, 7);
    return sq_col_copy(st, 0, c->id, sizeof c->id) &&
           sq_col_copy(st, 1, c->person_id, sizeof c->person_id) &&
           sq_col_copy(st, 2, c->register_id, sizeof c->register_id) &&
           sq_col_copy(st, 3, c->service, sizeof c->service) &&
           sq_col_copy(st, 8, c->created_by, sizeof c->created_by);
}

rk_err sq_contract_insert(struct rk_store *base, const struct rk_contract *c) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_CONTRACT_INSERT, &st);
    if (err != RK_OK)
        return err;
    bind_contract(st, c);
    return sq_step_done(s, st);
}

rk_err sq_contract_get(struct rk_store *base, const char *id, struct rk_contract *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_CONTRACT_GET, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = row_to_contract(st, out) ? RK_OK : RK_EIO;
    else
        err = rc == SQLITE_DONE ? RK_ENOENT : sq_fail(s, rc);
    sq_done(st);
    return err;
}

rk_err sq_contract_update(struct rk_store *base, const struct rk_contract *c) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err =
        sq_run(s, S_CONTRACT_UPDATE,
               SQ_ARGS(SQ_TEXT(c->id), SQ_TEXT(c->service), SQ_DATE(c->start), SQ_DATE(c->end),
                       SQ_TEXT(c->status == RK_CONTRACT_ACTIVE ? "active" : "ended")));
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

rk_err sq_contract_change_append(struct rk_store *base, const char *contract, rk_ts at,
                                 const char *by, const char *field, const char *old_value,
                                 const char *new_value) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run(s, S_CONTRACT_CHANGE,
                  SQ_ARGS(SQ_TEXT(contract), SQ_TS(at), SQ_TEXT(by), SQ_TEXT(field),
                          SQ_TEXT(old_value), SQ_TEXT(new_value)));
}

int sq_each_contract(void *ctx, sqlite3_stmt *st) {
    struct contract_iter *it = ctx;
    if (!row_to_contract(st, &it->c))
        return -1;
    return it->fn(it->ctx, &it->c);
}

rk_err sq_contracts_of_person(struct rk_store *base, const char *person, rk_contract_fn fn,
                              void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct contract_iter it = {.fn = fn, .ctx = ctx};
    return sq_each(s, S_CONTRACTS_OF_PERSON, SQ_ARGS(SQ_TEXT(person)), sq_each_contract, &it);
}

rk_err sq_invoice_insert(struct rk_store *base, const struct rk_invoice *i) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run(s, S_INVOICE_INSERT,
                  SQ_ARGS(SQ_TEXT(i->id), SQ_TEXT(i->person_id),
                          SQ_TEXT(i->contract_id[0] ? i->contract_id : NULL),
                          SQ_TEXT(i->register_id), SQ_TEXT(i->number), SQ_DATE(i->date),
                          SQ_INT(i->amount_cents), SQ_TEXT(i->currency), SQ_DATE(i->keep_until),
                          SQ_TS(i->created_at), SQ_TEXT(i->created_by)));
}

struct invoice_iter {
    rk_invoice_fn fn;
    void *ctx;
    struct rk_invoice i;
};

static int each_invoice(void *ctx, sqlite3_stmt *st) {
    struct invoice_iter *it = ctx;
    struct rk_invoice *i = &it->i;
    i->date = sq_col_date(st, 5);
    i->amount_cents = sqlite3_column_int64(st, 6);
    i->keep_until = sq_col_date(st, 8);
    i->created_at = sq_col_ts(st, 9);
    i->restricted = sqlite3_column_int(st, 11) != 0;
    if (!sq_col_copy(st, 0, i->id, sizeof i->id) ||
        !sq_col_copy(st, 1, i->person_id, sizeof i->person_id) ||
        !sq_col_copy(st, 2, i->contract_id, sizeof i->contract_id) ||
        !sq_col_copy(st, 3, i->register_id, sizeof i->register_id) ||
        !sq_col_copy(st, 4, i->number, sizeof i->number) ||
        !sq_col_copy(st, 7, i->currency, sizeof i->currency) ||
        !sq_col_copy(st, 10, i->created_by, sizeof i->created_by))
        return -1;
    return it->fn(it->ctx, i);
}

rk_err sq_invoices_of_person(struct rk_store *base, const char *person, rk_invoice_fn fn,
                             void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct invoice_iter it = {.fn = fn, .ctx = ctx};
    return sq_each(s, S_INVOICES_OF_PERSON, SQ_ARGS(SQ_TEXT(person)), each_invoice, &it);
}

/* ---- Suppression, tasks, audience ------------------------------------------------------ */

rk_err sq_suppress_add(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       enum rk_field kind, enum rk_suppress_reason reason, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run(
        s, S_SUPPRESS_ADD,
        SQ_ARGS(SQ_BLOB(hash, RK_HASH_LEN), SQ_TEXT(kind == RK_F_PHONE ? "phone" : "email"),
                SQ_TEXT(reason == RK_SUPPRESS_ERASURE ? "erasure" : "objection"), SQ_TS(at)));
}

rk_err sq_suppressed(struct rk_store *base, const unsigned char hash[RK_HASH_LEN], bool *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_SUPPRESSED, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        *out = rc == SQLITE_ROW;
    else
        err = sq_fail(s, rc);
    sq_done(st);
    return err;
}

rk_err sq_task_insert(struct rk_store *base, const struct rk_task *t) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run(s, S_TASK_INSERT,
                  SQ_ARGS(SQ_TEXT(t->id), SQ_TEXT(t->person_id), SQ_TEXT(t->kind), SQ_DATE(t->due),
                          SQ_TS(t->created_at), SQ_TEXT(t->detail)));
}

rk_err sq_tasks_count(struct rk_store *base, const char *kind, int64_t *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_int(s, S_TASKS_COUNT, SQ_ARGS(SQ_TEXT(kind)), out);
}

struct change_iter {
    rk_change_fn fn;
    void *ctx;
};

static int each_change(void *ctx, sqlite3_stmt *st) {
    struct change_iter *it = ctx;
    struct rk_contract_change c = {sq_col_ts(st, 0), sq_col_text(st, 1), sq_col_text(st, 2),
                                   sq_col_text(st, 3), sq_col_text(st, 4)};
    return it->fn(it->ctx, &c);
}

rk_err sq_contract_changes(struct rk_store *base, const char *contract, rk_change_fn fn,
                           void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct change_iter it = {fn, ctx};
    return sq_each(s, S_CONTRACT_CHANGES, SQ_ARGS(SQ_TEXT(contract)), each_change, &it);
}

struct task_iter {
    rk_task_fn fn;
    void *ctx;
};

static int each_task(void *ctx, sqlite3_stmt *st) {
    struct task_iter *it = ctx;
    struct rk_task_view t = {sq_col_text(st, 0),
                             sq_col_text(st, 1),
                             sq_col_text(st, 2),
                             sq_col_date(st, 3),
                             sq_col_ts(st, 4),
                             sq_col_ts(st, 5),
                             NULL};
    return it->fn(it->ctx, &t);
}

rk_err sq_tasks_of_person(struct rk_store *base, const char *person, rk_task_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct task_iter it = {fn, ctx};
    return sq_each(s, S_TASKS_OF_PERSON, SQ_ARGS(SQ_TEXT(person)), each_task, &it);
}

static int each_listed_task(void *ctx, sqlite3_stmt *st) {
    struct task_iter *it = ctx;
    struct rk_task_view t = {sq_col_text(st, 0), sq_col_text(st, 1), sq_col_text(st, 2),
                             sq_col_date(st, 3), sq_col_ts(st, 4),   sq_col_ts(st, 5),
                             sq_col_text(st, 6)};
    return it->fn(it->ctx, &t);
}

rk_err sq_tasks_list(struct rk_store *base, const char *kind, bool open_only, rk_task_fn fn,
                     void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct task_iter it = {fn, ctx};
    return sq_each(s, S_TASKS_LIST, SQ_ARGS(SQ_TEXT(kind), SQ_INT(open_only)), each_listed_task,
                   &it);
}

rk_err sq_task_done(struct rk_store *base, const char *id, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = sq_run(s, S_TASK_DONE, SQ_ARGS(SQ_TEXT(id), SQ_TS(at)));
    return err == RK_OK && sqlite3_changes(s->db) == 0 ? RK_ENOENT : err;
}

rk_err sq_signup_put(struct rk_store *base, const struct rk_signup *u) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_SIGNUP_PUT, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, u->person_id);
    sq_bind_text(st, 2, u->purpose);
    sq_bind_text(st, 3, u->form_id);
    sq_bind_text(st, 4, u->lang == RK_LANG_EN ? "en" : "fi");
    for (int f = 0; f < RK_F__COUNT;
         f++) /* name, email, phone, position, organisation, interests */
        sq_bind_text(st, 5 + f, u->v[f]);
    sq_bind_ts(st, 11, u->created_at);
    sq_bind_ts(st, 12, u->expires_at);
    sqlite3_bind_blob(st, 13, u->email_hash, RK_HASH_LEN, SQLITE_STATIC);
    return sq_step_done(s, st);
}

rk_err sq_signup_get(struct rk_store *base, const char *person_id, const char *purpose,
                     struct rk_signup *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_SIGNUP_GET, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, person_id);
    sq_bind_text(st, 2, purpose);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(out->person_id, sizeof out->person_id, "%s", person_id);
        snprintf(out->purpose, sizeof out->purpose, "%s", purpose);
        const char *lang = sq_col_text(st, 1);
        out->lang = lang && strcmp(lang, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
        out->created_at = sq_col_ts(st, 8);
        out->expires_at = sq_col_ts(st, 9);
        size_t used = 0;
        bool fits = sq_col_copy(st, 0, out->form_id, sizeof out->form_id);
        for (int f = 0; f < RK_F__COUNT; f++) {
            const char *v = sq_col_text(st, 2 + f);
            out->v[f] = NULL;
            if (!v)
                continue;
            size_t n = (size_t)sqlite3_column_bytes(st, 2 + f);
            if (used + n + 1 > sizeof out->buf) {
                fits = false;
                break;
            }
            memcpy(out->buf + used, v, n + 1);
            out->v[f] = out->buf + used;
            used += n + 1;
        }
        err = fits ? RK_OK : sq_overflow(s);
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}

rk_err sq_signup_delete(struct rk_store *base, const char *person_id, const char *purpose) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run_one(s, S_SIGNUP_DELETE, SQ_ARGS(SQ_TEXT(person_id), SQ_TEXT(purpose)));
}

rk_err sq_signup_by_hash(struct rk_store *base, const unsigned char h[RK_HASH_LEN],
                         char person_id[RK_ID_LEN + 1]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_row(s, S_SIGNUP_BY_HASH, SQ_ARGS(SQ_BLOB(h, RK_HASH_LEN)), sq_row_id, person_id);
}
