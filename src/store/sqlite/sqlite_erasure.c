/*
 * sqlite_erasure.c — the deletes and restrictions of erasure and the
 * erasure journal's marks in the SQLite backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/* ---- Data-subject rights (migration 0008) ---------------------------------------------- */

/* Runs statement i with text parameters a (and b, may be NULL); *changed gets the rows changed. */
static rk_err change_rows(struct sqlite_store *s, enum stmt i, const char *a, const char *b,
                          int64_t *changed) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, i, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, a);
    if (sqlite3_bind_parameter_count(st) >= 2)
        sq_bind_text(st, 2, b);
    err = sq_step_done(s, st);
    if (err == RK_OK && changed)
        *changed = sqlite3_changes64(s->db);
    return err;
}

/* As change_rows for a statement that must change one row: RK_ENOENT when none. */
static rk_err change_one(struct sqlite_store *s, enum stmt i, const char *a, const char *b) {
    int64_t n = 0;
    rk_err err = change_rows(s, i, a, b, &n);
    return err == RK_OK && n == 0 ? RK_ENOENT : err;
}

rk_err sq_person_flags_set(struct rk_store *base, const char *id, bool restricted, bool objected) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err =
        sq_run(s, S_PERSON_FLAGS, SQ_ARGS(SQ_TEXT(id), SQ_INT(restricted), SQ_INT(objected)));
    return err == RK_OK && sqlite3_changes(s->db) == 0 ? RK_ENOENT : err;
}

rk_err sq_person_delete(struct rk_store *base, const char *id) {
    return change_one((struct sqlite_store *)base, S_PERSON_DELETE, id, NULL);
}

rk_err sq_entries_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    return change_rows((struct sqlite_store *)base, S_ENTRIES_DELETE_PERSON, person, NULL, n);
}

rk_err sq_provenance_delete_unused(struct rk_store *base, int64_t id, bool *deleted) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = sq_run(s, S_PROV_DELETE_UNUSED, SQ_ARGS(SQ_INT(id)));
    if (err == RK_OK)
        *deleted = sqlite3_changes(s->db) > 0;
    return err;
}

rk_err sq_organisation_delete_unused(struct rk_store *base, const char *name, bool *deleted) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    int64_t n = 0;
    rk_err err = change_rows(s, S_ORG_DELETE_UNUSED, name, NULL, &n);
    if (err == RK_OK) {
        *deleted = n > 0;
        for (int i = 0; n > 0 && i < ORG_CACHE; i++) /* a deleted id must not be reused */
            s->orgs[i].id = 0;
    }
    return err;
}

rk_err sq_consent_delete(struct rk_store *base, const char *person, const char *purpose,
                         int64_t *n) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = change_rows(s, S_CONSENT_STATES_DELETE, person, purpose, NULL);
    return err == RK_OK ? change_rows(s, S_CONSENT_EVENTS_DELETE, person, purpose, n) : err;
}

rk_err sq_contract_delete(struct rk_store *base, const char *id) {
    return change_one((struct sqlite_store *)base, S_CONTRACT_DELETE, id, NULL);
}

rk_err sq_contract_restrict(struct rk_store *base, const char *id) {
    return change_one((struct sqlite_store *)base, S_CONTRACT_RESTRICT, id, NULL);
}

rk_err sq_invoice_delete(struct rk_store *base, const char *id) {
    return change_one((struct sqlite_store *)base, S_INVOICE_DELETE, id, NULL);
}

rk_err sq_invoice_restrict(struct rk_store *base, const char *id) {
    return change_one((struct sqlite_store *)base, S_INVOICE_RESTRICT, id, NULL);
}

rk_err sq_signups_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    return change_rows((struct sqlite_store *)base, S_SIGNUPS_DELETE_PERSON, person, NULL, n);
}

rk_err sq_outbox_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    return change_rows((struct sqlite_store *)base, S_OUTBOX_DELETE_PERSON, person, NULL, n);
}

rk_err sq_tasks_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    return change_rows((struct sqlite_store *)base, S_TASKS_DELETE_PERSON, person, NULL, n);
}

/* ---- erasure journal (journal) ----------------------------------------------------------- */

rk_err sq_journal_mark(struct rk_store *base, const char *id, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run(s, S_JOURNAL_MARK, SQ_ARGS(SQ_TEXT(id), SQ_INT(at)));
}

rk_err sq_journal_has(struct rk_store *base, const char *id, bool *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_JOURNAL_HAS, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        *out = rc == SQLITE_ROW;
    else
        err = sq_fail(s, rc);
    sq_done(st);
    return err;
}

struct journal_iter {
    rk_journal_id_fn fn;
    void *ctx;
};

static int each_journal_id(void *ctx, sqlite3_stmt *st) {
    struct journal_iter *it = ctx;
    const char *id = sq_col_text(st, 0);
    if (!id)
        return -1;
    return it->fn(it->ctx, id) ? 1 : 0;
}

rk_err sq_journal_ids(struct rk_store *base, rk_journal_id_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct journal_iter it = {fn, ctx};
    return sq_each(s, S_JOURNAL_IDS, NULL, 0, each_journal_id, &it);
}

/* ---- erasure journal across key rotations (journalgen) ------------------------------------ */

rk_err sq_suppress_add_gen(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                           enum rk_field kind, enum rk_suppress_reason reason, rk_ts at,
                           uint32_t gen) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run(s, S_SUPPRESS_ADD_GEN,
                  SQ_ARGS(SQ_BLOB(hash, RK_HASH_LEN),
                          SQ_TEXT(kind == RK_F_PHONE ? "phone" : "email"),
                          SQ_TEXT(reason == RK_SUPPRESS_ERASURE ? "erasure" : "objection"),
                          SQ_TS(at), SQ_INT(gen)));
}

struct value_iter {
    rk_lookup_value_fn fn;
    void *ctx;
};

static int each_value(void *ctx, sqlite3_stmt *st) {
    struct value_iter *it = ctx;
    const char *person = sq_col_text(st, 0);
    if (!person)
        return -1;
    static const enum rk_field fields[2] = {RK_F_EMAIL, RK_F_PHONE};
    for (int k = 0; k < 2; k++) {
        const char *v = sq_col_text(st, 1 + k);
        if (v && it->fn(it->ctx, person, fields[k], v))
            return 1;
    }
    return 0;
}

rk_err sq_lookup_values(struct rk_store *base, rk_lookup_value_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct value_iter it = {fn, ctx};
    return sq_each(s, S_LOOKUP_VALUES, NULL, 0, each_value, &it);
}

static rk_err prov_drop(struct sqlite_store *s, int64_t id) {
    return sq_run(s, S_PROV_DELETE_UNUSED, SQ_ARGS(SQ_INT(id)));
}

rk_err sq_entry_leave(struct rk_store *base, const char *reg, const char *person, bool *left) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    int64_t cited[7] = {0}; /* the six *_prov columns, then organisation_id */
    rk_err err = sq_prepare(s, S_ENTRY_LEAVE, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, reg);
    sq_bind_text(st, 2, person);
    int rc = sqlite3_step(st);
    *left = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        for (int i = 0; i < 7; i++)
            cited[i] = sqlite3_column_int64(st, i); /* NULL reads as 0 */
        rc = sqlite3_step(st);
    }
    err = rc == SQLITE_DONE ? RK_OK : sq_fail(s, rc);
    sq_done(st);
    /* Values written together share a provenance row: each distinct row once. */
    for (int i = 0; err == RK_OK && i < 6; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= cited[j] == cited[i];
        if (cited[i] && !seen)
            err = prov_drop(s, cited[i]);
    }
    if (err == RK_OK && cited[6] && (err = sq_prepare(s, S_ORG_DELETE_UNUSED_ID, &st)) == RK_OK) {
        sqlite3_bind_int64(st, 1, cited[6]);
        err = sq_step_done(s, st);
        for (int i = 0; err == RK_OK && sqlite3_changes(s->db) > 0 && i < ORG_CACHE; i++)
            s->orgs[i].id = 0; /* a deleted id must not be reused */
    }
    return err;
}
