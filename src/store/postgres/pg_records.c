/*
 * pg_records.c — contracts, invoices, suppression, tasks, signups in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_records.c).
 */
#include <stdio.h>
#include <string.h>

#include "store/postgres/pg.h"

/* ---- Contracts and invoices ------------------------------------------------------------ */

bool pg_row_to_contract(const struct pg_row *r, void *out) {
    struct rk_contract *c = out;
    c->start = pg_col_date(r, 4);
    c->end = pg_col_date(r, 5);
    const char *status = pg_col_text(r, 6);
    c->status = status && strcmp(status, "active") == 0 ? RK_CONTRACT_ACTIVE : RK_CONTRACT_ENDED;
    c->created_at = pg_col_ts(r, 7);
    return pg_col_copy(r, 0, c->id, sizeof c->id) &&
           pg_col_copy(r, 1, c->person_id, sizeof c->person_id) &&
           pg_col_copy(r, 2, c->register_id, sizeof c->register_id) &&
           pg_col_copy(r, 3, c->service, sizeof c->service) &&
           pg_col_copy(r, 8, c->created_by, sizeof c->created_by);
}

static const char *contract_status(enum rk_contract_status st) {
    return st == RK_CONTRACT_ACTIVE ? "active" : "ended";
}

rk_err pg_contract_insert(struct rk_store *base, const struct rk_contract *c) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(s,
                  "INSERT INTO contract (id, person, register, service, start_date, end_date, "
                  "status, created_at, created_by) "
                  "VALUES ($1, " PK(2) ", $3, $4, $5, $6, $7, $8, $9)",
                  PG_ARGS(PG_TEXT(c->id), PG_TEXT(c->person_id), PG_TEXT(c->register_id),
                          PG_TEXT(c->service), PG_DATE(c->start), PG_DATE(c->end),
                          PG_TEXT(contract_status(c->status)), PG_TS(c->created_at),
                          PG_TEXT(c->created_by)));
}

rk_err pg_contract_get(struct rk_store *base, const char *id, struct rk_contract *out) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_row(s,
                  "SELECT k.id, p.id, k.register, k.service, k.start_date, k.end_date, "
                  "k.status, k.created_at, k.created_by FROM contract k "
                  "JOIN person p ON p.pk = k.person WHERE k.id = $1",
                  PG_ARGS(PG_TEXT(id)), pg_row_to_contract, out);
}

rk_err pg_contract_update(struct rk_store *base, const struct rk_contract *c) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s,
                      "UPDATE contract SET service = $2, start_date = $3, end_date = $4, "
                      "status = $5 WHERE id = $1",
                      PG_ARGS(PG_TEXT(c->id), PG_TEXT(c->service), PG_DATE(c->start),
                              PG_DATE(c->end), PG_TEXT(contract_status(c->status))));
}

rk_err pg_contract_change_append(struct rk_store *base, const char *contract, rk_ts at,
                                 const char *by, const char *field, const char *old_value,
                                 const char *new_value) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(s,
                  "INSERT INTO contract_change (contract_id, at, by, field, old_value, new_value) "
                  "VALUES ($1, $2, $3, $4, $5, $6)",
                  PG_ARGS(PG_TEXT(contract), PG_TS(at), PG_TEXT(by), PG_TEXT(field),
                          PG_TEXT(old_value), PG_TEXT(new_value)));
}

int pg_each_contract(void *ctx, const struct pg_row *r) {
    struct pg_contract_iter *it = ctx;
    if (!pg_row_to_contract(r, &it->c))
        return -1;
    return it->fn(it->ctx, &it->c);
}

rk_err pg_contracts_of_person(struct rk_store *base, const char *person, rk_contract_fn fn,
                              void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct pg_contract_iter it = {.fn = fn, .ctx = ctx};
    return pg_each(
        s,
        "SELECT id, $1::text, register, service, start_date, end_date, status, "
        "created_at, created_by FROM contract WHERE person = " PK(1) " ORDER BY start_date, id",
        PG_ARGS(PG_TEXT(person)), pg_each_contract, &it);
}

/* A number (or id) already recorded is refused without a failed statement, which would abort
 * the whole transaction (a batch's other rows with it): ON CONFLICT DO NOTHING, and no row
 * inserted is RK_ECONFLICT, as SQLite's unique constraint. */
rk_err pg_invoice_insert(struct rk_store *base, const struct rk_invoice *i) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t n = 0;
    rk_err err = pg_run_count(
        s,
        "INSERT INTO invoice (id, person, contract_id, register, number, date, "
        "amount_cents, currency, keep_until, created_at, created_by) "
        "VALUES ($1, " PK(2) ", $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
        PG_ARGS(PG_TEXT(i->id), PG_TEXT(i->person_id),
                PG_TEXT(i->contract_id[0] ? i->contract_id : NULL), PG_TEXT(i->register_id),
                PG_TEXT(i->number), PG_DATE(i->date), PG_INT(i->amount_cents), PG_TEXT(i->currency),
                PG_DATE(i->keep_until), PG_TS(i->created_at), PG_TEXT(i->created_by)),
        &n);
    if (err == RK_OK && n == 0)
        err = rk_error_set(&s->base.error, RK_ECONFLICT, NULL,
                           "an invoice with this number is already recorded");
    return err;
}

struct invoice_iter {
    rk_invoice_fn fn;
    void *ctx;
    struct rk_invoice i;
};

static int each_invoice(void *ctx, const struct pg_row *r) {
    struct invoice_iter *it = ctx;
    struct rk_invoice *i = &it->i;
    i->date = pg_col_date(r, 5);
    i->amount_cents = pg_col_int(r, 6);
    i->keep_until = pg_col_date(r, 8);
    i->created_at = pg_col_ts(r, 9);
    i->restricted = pg_col_int(r, 11) != 0;
    if (!pg_col_copy(r, 0, i->id, sizeof i->id) ||
        !pg_col_copy(r, 1, i->person_id, sizeof i->person_id) ||
        !pg_col_copy(r, 2, i->contract_id, sizeof i->contract_id) ||
        !pg_col_copy(r, 3, i->register_id, sizeof i->register_id) ||
        !pg_col_copy(r, 4, i->number, sizeof i->number) ||
        !pg_col_copy(r, 7, i->currency, sizeof i->currency) ||
        !pg_col_copy(r, 10, i->created_by, sizeof i->created_by))
        return -1;
    return it->fn(it->ctx, i);
}

rk_err pg_invoices_of_person(struct rk_store *base, const char *person, rk_invoice_fn fn,
                             void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct invoice_iter it = {.fn = fn, .ctx = ctx};
    return pg_each(s,
                   "SELECT id, $1::text, contract_id, register, number, date, amount_cents, "
                   "currency, keep_until, created_at, created_by, restricted FROM invoice "
                   "WHERE person = " PK(1) " ORDER BY date, number",
                   PG_ARGS(PG_TEXT(person)), each_invoice, &it);
}

/* ---- Suppression, tasks ---------------------------------------------------------------- */

rk_err pg_suppress_add(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       enum rk_field kind, enum rk_suppress_reason reason, rk_ts at) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(
        s,
        "INSERT INTO suppression (hash, kind, reason, at, gen) "
        "VALUES ($1, $2, $3, $4, (SELECT generation FROM key_state)) ON CONFLICT DO NOTHING",
        PG_ARGS(PG_BLOB(hash, RK_HASH_LEN), PG_TEXT(kind == RK_F_PHONE ? "phone" : "email"),
                PG_TEXT(reason == RK_SUPPRESS_ERASURE ? "erasure" : "objection"), PG_TS(at)));
}

static bool row_any(const struct pg_row *r, void *out) {
    (void)r;
    (void)out;
    return true;
}

rk_err pg_suppressed(struct rk_store *base, const unsigned char hash[RK_HASH_LEN], bool *out) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = pg_row(s, "SELECT 1 FROM suppression WHERE hash = $1",
                        PG_ARGS(PG_BLOB(hash, RK_HASH_LEN)), row_any, NULL);
    if (err == RK_OK || err == RK_ENOENT) {
        *out = err == RK_OK;
        err = RK_OK;
    }
    return err;
}

rk_err pg_task_insert(struct rk_store *base, const struct rk_task *t) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(s,
                  "INSERT INTO task (id, person, kind, due, created_at, detail) "
                  "VALUES ($1, " PK(2) ", $3, $4, $5, $6)",
                  PG_ARGS(PG_TEXT(t->id), PG_TEXT(t->person_id), PG_TEXT(t->kind), PG_DATE(t->due),
                          PG_TS(t->created_at), PG_TEXT(t->detail)));
}

rk_err pg_tasks_count(struct rk_store *base, const char *kind, int64_t *out) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_int(s, "SELECT count(*) FROM task WHERE kind = $1 AND done_at IS NULL",
                  PG_ARGS(PG_TEXT(kind)), out);
}

struct change_iter {
    rk_change_fn fn;
    void *ctx;
};

static int each_change(void *ctx, const struct pg_row *r) {
    struct change_iter *it = ctx;
    struct rk_contract_change c = {.at = pg_col_ts(r, 0),
                                   .by = pg_col_text(r, 1),
                                   .field = pg_col_text(r, 2),
                                   .old_value = pg_col_text(r, 3),
                                   .new_value = pg_col_text(r, 4)};
    return it->fn(it->ctx, &c);
}

rk_err pg_contract_changes(struct rk_store *base, const char *contract, rk_change_fn fn,
                           void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct change_iter it = {.fn = fn, .ctx = ctx};
    return pg_each(s,
                   "SELECT at, by, field, old_value, new_value FROM contract_change "
                   "WHERE contract_id = $1 ORDER BY seq",
                   PG_ARGS(PG_TEXT(contract)), each_change, &it);
}

struct task_iter {
    rk_task_fn fn;
    void *ctx;
};

static int each_task(void *ctx, const struct pg_row *r) {
    struct task_iter *it = ctx;
    struct rk_task_view t = {.id = pg_col_text(r, 0),
                             .kind = pg_col_text(r, 1),
                             .detail = pg_col_text(r, 2),
                             .due = pg_col_date(r, 3),
                             .created_at = pg_col_ts(r, 4),
                             .done_at = pg_col_ts(r, 5),
                             .person_id = NULL};
    return it->fn(it->ctx, &t);
}

rk_err pg_tasks_of_person(struct rk_store *base, const char *person, rk_task_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct task_iter it = {.fn = fn, .ctx = ctx};
    return pg_each(s,
                   "SELECT id, kind, detail, due, created_at, done_at FROM task "
                   "WHERE person = " PK(1) " ORDER BY due, id",
                   PG_ARGS(PG_TEXT(person)), each_task, &it);
}

/* ---- Signups awaiting confirmation ----------------------------------------------------- */

rk_err pg_signup_put(struct rk_store *base, const struct rk_signup *u) {
    struct pg_store *s = (struct pg_store *)base;
    /* An upsert on the primary key, as SQLite's INSERT OR REPLACE (the row keeps its rowid,
     * where SQLite's replaced row got a new one). */
    return pg_run(
        s,
        "INSERT INTO signup (person_id, purpose, form_id, lang, name, email, phone, position, "
        "organisation, interests, created_at, expires_at, email_hash) "
        "VALUES (" PK(1) ", $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) "
                         "ON CONFLICT (person_id, purpose) DO UPDATE SET "
                         "form_id = excluded.form_id, lang = excluded.lang, "
                         "name = excluded.name, email = excluded.email, "
                         "phone = excluded.phone, position = excluded.position, "
                         "organisation = excluded.organisation, "
                         "interests = excluded.interests, created_at = excluded.created_at, "
                         "expires_at = excluded.expires_at, email_hash = excluded.email_hash",
        /* The values in the order of rk_field: name, email, phone, position, organisation,
         * interests. */
        PG_ARGS(PG_TEXT(u->person_id), PG_TEXT(u->purpose), PG_TEXT(u->form_id),
                PG_TEXT(u->lang == RK_LANG_EN ? "en" : "fi"), PG_TEXT(u->v[RK_F_NAME]),
                PG_TEXT(u->v[RK_F_EMAIL]), PG_TEXT(u->v[RK_F_PHONE]), PG_TEXT(u->v[RK_F_POSITION]),
                PG_TEXT(u->v[RK_F_ORGANISATION]), PG_TEXT(u->v[RK_F_INTERESTS]),
                PG_TS(u->created_at), PG_TS(u->expires_at), PG_BLOB(u->email_hash, RK_HASH_LEN)));
}

static bool row_signup(const struct pg_row *r, void *out) {
    struct rk_signup *u = out;
    const char *lang = pg_col_text(r, 1);
    u->lang = lang && strcmp(lang, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
    u->created_at = pg_col_ts(r, 8);
    u->expires_at = pg_col_ts(r, 9);
    struct pg_strbuf b = {u->buf, sizeof u->buf, false};
    for (int f = 0; f < RK_F__COUNT; f++)
        u->v[f] = pg_keep_col(&b, r, 2 + f);
    return pg_col_copy(r, 0, u->form_id, sizeof u->form_id) && !b.overflow;
}

rk_err pg_signup_get(struct rk_store *base, const char *person_id, const char *purpose,
                     struct rk_signup *out) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = pg_row(s,
                        "SELECT form_id, lang, name, email, phone, position, organisation, "
                        "interests, created_at, expires_at FROM signup "
                        "WHERE person_id = " PK(1) " AND purpose = $2",
                        PG_ARGS(PG_TEXT(person_id), PG_TEXT(purpose)), row_signup, out);
    if (err == RK_OK) {
        snprintf(out->person_id, sizeof out->person_id, "%s", person_id);
        snprintf(out->purpose, sizeof out->purpose, "%s", purpose);
    }
    return err;
}

rk_err pg_signup_delete(struct rk_store *base, const char *person_id, const char *purpose) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "DELETE FROM signup WHERE person_id = " PK(1) " AND purpose = $2",
                      PG_ARGS(PG_TEXT(person_id), PG_TEXT(purpose)));
}

rk_err pg_signup_by_hash(struct rk_store *base, const unsigned char h[RK_HASH_LEN],
                         char person_id[RK_ID_LEN + 1]) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_row(s,
                  "SELECT p.id FROM signup s JOIN person p ON p.pk = s.person_id "
                  "WHERE s.email_hash = $1 ORDER BY s.created_at DESC LIMIT 1",
                  PG_ARGS(PG_BLOB(h, RK_HASH_LEN)), pg_row_id, person_id);
}
