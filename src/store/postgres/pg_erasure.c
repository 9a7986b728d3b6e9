/*
 * pg_erasure.c — the deletes of erasure, the erasure journal in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_erasure.c), and the task list and its
 * close (sqlite_records.c's tasks_list and task_done).
 */
#include "store/postgres/pg.h"

/* The organisation ids cached per handle: a deleted id must not be reused. */
static void orgs_forget(struct pg_store *s) {
    for (int i = 0; i < PG_ORG_CACHE; i++)
        s->orgs[i].id = 0;
}

/* ---- Data-subject rights (migration 0008) ---------------------------------------------- */

rk_err pg_person_flags_set(struct rk_store *base, const char *id, bool restricted, bool objected) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "UPDATE person SET restricted = $2, objected = $3 WHERE id = $1",
                      PG_ARGS(PG_TEXT(id), PG_INT(restricted), PG_INT(objected)));
}

/* Counts a delete of a person's values in erasure_pending (pg/0004), so that the next
 * checkpoint rewrites them out of the table files (pg_open.c, pg_checkpoint). */
static rk_err count_erasure(struct pg_store *s) {
    return pg_run_one(s,
                      "UPDATE erasure_pending SET pending = pending + 1,"
                      " last_xid = pg_current_xact_id() WHERE one = 1",
                      PG_NONE);
}

/* The person goes, counted for the rewrite. */
rk_err pg_person_delete(struct rk_store *base, const char *id) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = pg_run_one(s, "DELETE FROM person WHERE id = $1", PG_ARGS(PG_TEXT(id)));
    return err == RK_OK ? count_erasure(s) : err;
}

rk_err pg_entries_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_count(s, "DELETE FROM entry WHERE person = " PK(1), PG_ARGS(PG_TEXT(person)), n);
}

static const char prov_delete_unused[] =
    "DELETE FROM provenance WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM entry WHERE "
    "name_prov = $1 OR email_prov = $1 OR phone_prov = $1 OR position_prov = $1 "
    "OR organisation_prov = $1 OR interests_prov = $1)";

rk_err pg_provenance_delete_unused(struct rk_store *base, int64_t id, bool *deleted) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t n = 0;
    rk_err err = pg_run_count(s, prov_delete_unused, PG_ARGS(PG_INT(id)), &n);
    if (err == RK_OK)
        *deleted = n > 0;
    return err;
}

rk_err pg_organisation_delete_unused(struct rk_store *base, const char *name, bool *deleted) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t n = 0;
    rk_err err = pg_run_count(s,
                              "DELETE FROM organisation WHERE name = $1 AND NOT EXISTS "
                              "(SELECT 1 FROM entry e WHERE e.organisation_id = organisation.id)",
                              PG_ARGS(PG_TEXT(name)), &n);
    if (err == RK_OK) {
        *deleted = n > 0;
        if (n > 0)
            orgs_forget(s);
    }
    return err;
}

rk_err pg_consent_delete(struct rk_store *base, const char *person, const char *purpose,
                         int64_t *n) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = pg_run(s,
                        "DELETE FROM consent_state WHERE person = " PK(
                            1) " AND ($2::text IS NULL OR purpose = $2::text)",
                        PG_ARGS(PG_TEXT(person), PG_TEXT(purpose)));
    if (err != RK_OK)
        return err;
    err = pg_run_count(s,
                       "DELETE FROM consent_event WHERE person = " PK(
                           1) " AND ($2::text IS NULL OR purpose = $2::text)",
                       PG_ARGS(PG_TEXT(person), PG_TEXT(purpose)), n);
    /* the events hold the form's address and browser: counted for the rewrite */
    return err == RK_OK && *n > 0 ? count_erasure(s) : err;
}

rk_err pg_contract_delete(struct rk_store *base, const char *id) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "DELETE FROM contract WHERE id = $1", PG_ARGS(PG_TEXT(id)));
}

rk_err pg_contract_restrict(struct rk_store *base, const char *id) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "UPDATE contract SET restricted = 1 WHERE id = $1", PG_ARGS(PG_TEXT(id)));
}

rk_err pg_invoice_delete(struct rk_store *base, const char *id) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "DELETE FROM invoice WHERE id = $1", PG_ARGS(PG_TEXT(id)));
}

rk_err pg_invoice_restrict(struct rk_store *base, const char *id) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "UPDATE invoice SET restricted = 1 WHERE id = $1", PG_ARGS(PG_TEXT(id)));
}

rk_err pg_signups_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_count(s, "DELETE FROM signup WHERE person_id = " PK(1), PG_ARGS(PG_TEXT(person)),
                        n);
}

rk_err pg_outbox_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_count(s, "DELETE FROM outbox WHERE person_id = $1", PG_ARGS(PG_TEXT(person)), n);
}

rk_err pg_tasks_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_count(s, "DELETE FROM task WHERE person = " PK(1), PG_ARGS(PG_TEXT(person)), n);
}

struct task_iter {
    rk_task_fn fn;
    void *ctx;
};

static int each_listed_task(void *ctx, const struct pg_row *r) {
    struct task_iter *it = ctx;
    struct rk_task_view t = {.id = pg_col_text(r, 0),
                             .kind = pg_col_text(r, 1),
                             .detail = pg_col_text(r, 2),
                             .due = pg_col_date(r, 3),
                             .created_at = pg_col_ts(r, 4),
                             .done_at = pg_col_ts(r, 5),
                             .person_id = pg_col_text(r, 6)};
    return it->fn(it->ctx, &t);
}

rk_err pg_tasks_list(struct rk_store *base, const char *kind, bool open_only, rk_task_fn fn,
                     void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct task_iter it = {.fn = fn, .ctx = ctx};
    /* Ties of due date by id in byte order, as SQLite's (whatever the database's collation). */
    return pg_each(s,
                   "SELECT t.id, t.kind, t.detail, t.due, t.created_at, t.done_at, p.id "
                   "FROM task t JOIN person p ON p.pk = t.person "
                   "WHERE ($1::text IS NULL OR t.kind = $1::text) "
                   "AND ($2::bigint = 0 OR t.done_at IS NULL) "
                   "ORDER BY t.due, t.id COLLATE \"C\"",
                   PG_ARGS(PG_TEXT(kind), PG_INT(open_only)), each_listed_task, &it);
}

rk_err pg_task_done(struct rk_store *base, const char *id, rk_ts at) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "UPDATE task SET done_at = $2 WHERE id = $1 AND done_at IS NULL",
                      PG_ARGS(PG_TEXT(id), PG_TS(at)));
}

/* ---- erasure journal (journal) ----------------------------------------------------------- */

rk_err pg_journal_mark(struct rk_store *base, const char *id, rk_ts at) {
    struct pg_store *s = (struct pg_store *)base;
    /* at is the instant in Unix seconds (an integer column, as on SQLite). */
    return pg_run(s,
                  "INSERT INTO erasure_journal (id, at) VALUES ($1, $2) "
                  "ON CONFLICT DO NOTHING",
                  PG_ARGS(PG_TEXT(id), PG_INT(at)));
}

static bool row_found(const struct pg_row *r, void *out) {
    (void)r;
    *(bool *)out = true;
    return true;
}

rk_err pg_journal_has(struct rk_store *base, const char *id, bool *out) {
    struct pg_store *s = (struct pg_store *)base;
    bool found = false;
    rk_err err = pg_row(s, "SELECT 1 FROM erasure_journal WHERE id = $1", PG_ARGS(PG_TEXT(id)),
                        row_found, &found);
    if (err == RK_ENOENT)
        err = RK_OK;
    if (err == RK_OK)
        *out = found;
    return err;
}

struct journal_iter {
    rk_journal_id_fn fn;
    void *ctx;
};

static int each_journal_id(void *ctx, const struct pg_row *r) {
    struct journal_iter *it = ctx;
    const char *id = pg_col_text(r, 0);
    if (!id)
        return -1;
    return it->fn(it->ctx, id) ? 1 : 0;
}

rk_err pg_journal_ids(struct rk_store *base, rk_journal_id_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct journal_iter it = {.fn = fn, .ctx = ctx};
    /* In byte order, as SQLite's (whatever the database's collation). */
    return pg_each(s, "SELECT id FROM erasure_journal ORDER BY id COLLATE \"C\"", PG_NONE,
                   each_journal_id, &it);
}

/* ---- erasure journal across key rotations (journalgen) ------------------------------------ */

rk_err pg_suppress_add_gen(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                           enum rk_field kind, enum rk_suppress_reason reason, rk_ts at,
                           uint32_t gen) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(s,
                  "INSERT INTO suppression (hash, kind, reason, at, gen) "
                  "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                  PG_ARGS(PG_BLOB(hash, RK_HASH_LEN),
                          PG_TEXT(kind == RK_F_PHONE ? "phone" : "email"),
                          PG_TEXT(reason == RK_SUPPRESS_ERASURE ? "erasure" : "objection"),
                          PG_TS(at), PG_INT(gen)));
}

struct value_iter {
    rk_lookup_value_fn fn;
    void *ctx;
};

static int each_value(void *ctx, const struct pg_row *r) {
    struct value_iter *it = ctx;
    const char *person = pg_col_text(r, 0);
    if (!person)
        return -1;
    static const enum rk_field fields[2] = {RK_F_EMAIL, RK_F_PHONE};
    for (int k = 0; k < 2; k++) {
        const char *v = pg_col_text(r, 1 + k);
        if (v && it->fn(it->ctx, person, fields[k], v))
            return 1;
    }
    return 0;
}

rk_err pg_lookup_values(struct rk_store *base, rk_lookup_value_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct value_iter it = {.fn = fn, .ctx = ctx};
    return pg_each(s,
                   "SELECT p.id, e.email, e.phone FROM entry e "
                   "JOIN person p ON p.pk = e.person "
                   "WHERE e.email IS NOT NULL OR e.phone IS NOT NULL "
                   "UNION ALL SELECT p.id, u.email, NULL FROM signup u "
                   "JOIN person p ON p.pk = u.person_id WHERE u.email IS NOT NULL",
                   PG_NONE, each_value, &it);
}

/* The provenance rows and the organisation an entry cited: the six *_prov columns, then
 * organisation_id (0 for NULL). */
static bool row_cited(const struct pg_row *r, void *out) {
    int64_t *cited = out;
    for (int i = 0; i < 7; i++)
        cited[i] = pg_col_int(r, i);
    return true;
}

rk_err pg_entry_leave(struct rk_store *base, const char *reg, const char *person, bool *left) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t cited[7] = {0};
    rk_err err = pg_row(s,
                        "DELETE FROM entry WHERE register = $1 AND person = " PK(
                            2) " RETURNING name_prov, email_prov, phone_prov, position_prov, "
                               "organisation_prov, interests_prov, organisation_id",
                        PG_ARGS(PG_TEXT(reg), PG_TEXT(person)), row_cited, cited);
    *left = err == RK_OK;
    if (err == RK_ENOENT)
        return RK_OK;
    if (err == RK_OK) /* the entry's values (retention): counted for the rewrite */
        err = count_erasure(s);
    /* Values written together share a provenance row: each distinct row once. */
    for (int i = 0; err == RK_OK && i < 6; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= cited[j] == cited[i];
        if (cited[i] && !seen)
            err = pg_run(s, prov_delete_unused, PG_ARGS(PG_INT(cited[i])));
    }
    if (err == RK_OK && cited[6]) {
        int64_t n = 0;
        err = pg_run_count(s,
                           "DELETE FROM organisation WHERE id = $1 AND NOT EXISTS "
                           "(SELECT 1 FROM entry e WHERE e.organisation_id = $1)",
                           PG_ARGS(PG_INT(cited[6])), &n);
        if (err == RK_OK && n > 0)
            orgs_forget(s);
    }
    return err;
}
