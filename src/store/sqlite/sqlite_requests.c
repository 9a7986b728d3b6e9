/*
 * sqlite_requests.c — data-subject requests and the answers awaiting
 * download in the SQLite backend.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/* ---- Data-subject requests ----------------------------------------------------------------- */

static const char *const request_types[RK_RQ_TYPE__COUNT] = {
    "access",    "rectification",      "erasure",           "restriction", "portability",
    "objection", "automated_decision", "consent_withdrawal"};
static const char *const request_states[RK_RQS__COUNT] = {"received", "verified", "in_progress",
                                                          "completed", "rejected"};
static const char *const request_channels[RK_RQC__COUNT] = {"web", "email", "post", "in_person",
                                                            "api"};

static const char *verification_word(unsigned v) {
    return v == RK_VERIFY_IN_PERSON ? "in_person" : v == RK_VERIFY_EMAIL_CODE ? "email_code" : NULL;
}

/* Binds every column of q as the insert and update number them. */
static bool bind_request(sqlite3_stmt *st, const struct rk_request *q) {
    if ((unsigned)q->type >= RK_RQ_TYPE__COUNT || (unsigned)q->status >= RK_RQS__COUNT ||
        (unsigned)q->channel >= RK_RQC__COUNT)
        return false;
    const char *strs[] = {q->email,
                          q->phone,
                          q->name,
                          q->extension_reason,
                          q->verified_by,
                          q->document,
                          q->rejection_reason,
                          q->note,
                          q->created_by};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (!sq_fits(strs[i], RK_REQUEST_FIELD_MAX))
            return false;
    if (!sq_fits(q->text, RK_REQUEST_TEXT_MAX))
        return false;
    sq_bind_text(st, 1, q->id);
    sq_bind_text(st, 2, request_types[q->type]);
    sq_bind_text(st, 3, request_states[q->status]);
    sq_bind_text(st, 4, request_channels[q->channel]);
    sq_bind_text(st, 5, q->lang == RK_LANG_EN ? "en" : "fi");
    sq_bind_text(st, 6, q->person_id[0] ? q->person_id : NULL);
    sq_bind_text(st, 7, q->email);
    sq_bind_text(st, 8, q->phone);
    sq_bind_text(st, 9, q->name);
    sq_bind_text(st, 10, q->text);
    sq_bind_ts(st, 11, q->received_at);
    sq_bind_date(st, 12, q->due);
    sq_bind_date(st, 13, q->extended_due);
    sqlite3_bind_int(st, 14, q->extension_months);
    sq_bind_text(st, 15, q->extension_reason);
    sq_bind_text(st, 16, verification_word(q->verification));
    sq_bind_text(st, 17, q->verified_by);
    sq_bind_ts(st, 18, q->verified_at);
    sq_bind_text(st, 19, q->document);
    sq_bind_text(st, 20, q->rejection_reason);
    sq_bind_text(st, 21, q->note);
    sq_bind_ts(st, 22, q->closed_at);
    sq_bind_text(st, 23, q->created_by);
    sq_bind_date(st, 24, q->received_on);
    return true;
}

bool sq_row_to_request(sqlite3_stmt *st, void *request) {
    struct rk_request *q = request;
    /* Columns: see REQUEST_COLS. */
    struct strbuf b = {q->buf, sizeof q->buf, false};
    int type = sq_index_of(request_types, RK_RQ_TYPE__COUNT, sq_col_text(st, 1));
    int status = sq_index_of(request_states, RK_RQS__COUNT, sq_col_text(st, 2));
    int channel = sq_index_of(request_channels, RK_RQC__COUNT, sq_col_text(st, 3));
    if (type < 0 || status < 0 || channel < 0 || !sq_col_copy(st, 0, q->id, sizeof q->id) ||
        !sq_col_copy(st, 5, q->person_id, sizeof q->person_id))
        return false;
    q->type = (enum rk_request_type)type;
    q->status = (enum rk_request_status)status;
    q->channel = (enum rk_request_channel)channel;
    const char *lang = sq_col_text(st, 4);
    q->lang = lang && strcmp(lang, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
    q->email = sq_keep_col(&b, st, 6);
    q->phone = sq_keep_col(&b, st, 7);
    q->name = sq_keep_col(&b, st, 8);
    q->text = sq_keep_col(&b, st, 9);
    q->received_at = sq_col_ts(st, 10);
    q->due = sq_col_date(st, 11);
    q->extended_due = sq_col_date(st, 12);
    q->extension_months = sqlite3_column_int(st, 13);
    q->extension_reason = sq_keep_col(&b, st, 14);
    const char *v = sq_col_text(st, 15);
    q->verification = !v                             ? 0
                      : strcmp(v, "in_person") == 0  ? RK_VERIFY_IN_PERSON
                      : strcmp(v, "email_code") == 0 ? RK_VERIFY_EMAIL_CODE
                                                     : 0;
    q->verified_by = sq_keep_col(&b, st, 16);
    q->verified_at = sq_col_ts(st, 17);
    q->document = sq_keep_col(&b, st, 18);
    q->rejection_reason = sq_keep_col(&b, st, 19);
    q->note = sq_keep_col(&b, st, 20);
    q->closed_at = sq_col_ts(st, 21);
    q->created_by = sq_keep_col(&b, st, 22);
    q->received_on = sq_col_date(st, 23);
    return !b.overflow;
}

rk_err sq_request_insert(struct rk_store *base, const struct rk_request *q) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_REQUEST_INSERT, &st);
    if (err != RK_OK)
        return err;
    if (!bind_request(st, q)) {
        sq_done(st);
        return RK_ETOOBIG;
    }
    return sq_step_done(s, st);
}

rk_err sq_request_update(struct rk_store *base, const struct rk_request *q) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_REQUEST_UPDATE, &st);
    if (err != RK_OK)
        return err;
    if (!bind_request(st, q)) {
        sq_done(st);
        return RK_ETOOBIG;
    }
    err = sq_step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

/* ---- answers awaiting download (migration 0017) ---- */

static void bind_answer(sqlite3_stmt *st, const struct rk_answer_row *a) {
    sq_bind_text(st, 1, a->request_id);
    sq_bind_text(st, 2, a->person_id);
    sq_bind_ts(st, 3, a->created_at);
    sq_bind_ts(st, 4, a->expires_at);
    if (a->has_code)
        sqlite3_bind_blob(st, 5, a->code_hash, RK_ANSWER_HASH_LEN, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    sq_bind_ts(st, 6, a->has_code ? a->code_expires : 0);
    sqlite3_bind_int(st, 7, a->code_tries);
    if (a->has_grant)
        sqlite3_bind_blob(st, 8, a->grant_hash, RK_ANSWER_HASH_LEN, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 8);
    sq_bind_ts(st, 9, a->has_grant ? a->grant_expires : 0);
    sqlite3_bind_int(st, 10, a->downloads);
}

rk_err sq_answer_insert(struct rk_store *base, const struct rk_answer_row *a) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_ANSWER_INSERT, &st);
    if (err != RK_OK)
        return err;
    bind_answer(st, a);
    return sq_step_done(s, st);
}

rk_err sq_answer_update(struct rk_store *base, const struct rk_answer_row *a) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_ANSWER_UPDATE, &st);
    if (err != RK_OK)
        return err;
    bind_answer(st, a);
    err = sq_step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

rk_err sq_answer_file_put(struct rk_store *base, const char *request_id, const char *name,
                          const unsigned char *sealed, size_t len) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if (len > (size_t)INT_MAX)
        return RK_ETOOBIG;
    rk_err err = sq_prepare(s, S_ANSWER_FILE_PUT, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, request_id);
    sq_bind_text(st, 2, name);
    sqlite3_bind_blob(st, 3, sealed, (int)len, SQLITE_STATIC);
    return sq_step_done(s, st);
}

/* Copies a blob column of exactly RK_ANSWER_HASH_LEN bytes; false for NULL or another length. */
static bool col_hash(sqlite3_stmt *st, int i, unsigned char out[RK_ANSWER_HASH_LEN]) {
    if (sqlite3_column_type(st, i) != SQLITE_BLOB ||
        sqlite3_column_bytes(st, i) != RK_ANSWER_HASH_LEN)
        return false;
    memcpy(out, sqlite3_column_blob(st, i), RK_ANSWER_HASH_LEN);
    return true;
}

rk_err sq_answer_get(struct rk_store *base, const char *request_id, struct rk_answer_row *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_ANSWER_GET, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, request_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct rk_answer_row a;
        memset(&a, 0, sizeof a);
        bool ok = sq_col_copy(st, 0, a.request_id, sizeof a.request_id) &&
                  sq_col_copy(st, 1, a.person_id, sizeof a.person_id);
        a.created_at = sq_col_ts(st, 2);
        a.expires_at = sq_col_ts(st, 3);
        a.has_code = col_hash(st, 4, a.code_hash);
        a.code_expires = sq_col_ts(st, 5);
        a.code_tries = sqlite3_column_int(st, 6);
        a.has_grant = col_hash(st, 7, a.grant_hash);
        a.grant_expires = sq_col_ts(st, 8);
        a.downloads = sqlite3_column_int(st, 9);
        if (ok)
            *out = a;
        else
            err = sq_overflow(s);
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}

rk_err sq_answer_file_get(struct rk_store *base, const char *request_id, const char *name,
                          unsigned char **out, size_t *len) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_ANSWER_FILE_GET, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, request_id);
    sq_bind_text(st, 2, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int n = sqlite3_column_bytes(st, 0);
        const void *p = sqlite3_column_blob(st, 0);
        unsigned char *copy = malloc(n > 0 ? (size_t)n : 1);
        if (!copy) {
            err = RK_ENOMEM;
        } else {
            if (n > 0)
                memcpy(copy, p, (size_t)n);
            *out = copy;
            *len = (size_t)n;
        }
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}

rk_err sq_answer_delete_person(struct rk_store *base, const char *person_id, int64_t *n) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run_count(s, S_ANSWER_DELETE_PERSON, SQ_ARGS(SQ_TEXT(person_id)), n);
}

rk_err sq_request_redact(struct rk_store *base, const char *id) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run_one(s, S_REQUEST_REDACT, SQ_ARGS(SQ_TEXT(id)));
}

rk_err sq_request_get(struct rk_store *base, const char *id, struct rk_request *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_row(s, S_REQUEST_GET, SQ_ARGS(SQ_TEXT(id)), sq_row_to_request, out);
}

struct request_iter {
    rk_request_fn fn;
    void *ctx;
    struct rk_request q;
};

static int each_request(void *ctx, sqlite3_stmt *st) {
    struct request_iter *it = ctx;
    if (!sq_row_to_request(st, &it->q))
        return -1;
    return it->fn(it->ctx, &it->q);
}

rk_err sq_requests_list(struct rk_store *base, const struct rk_request_filter *f, rk_request_fn fn,
                        void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_REQUESTS_LIST, &st);
    if (err != RK_OK)
        return err;
    struct request_iter *it = malloc(sizeof *it);
    if (!it)
        return RK_ENOMEM;
    it->fn = fn;
    it->ctx = ctx;
    sq_bind_text(st, 1,
                 f->status >= 0 && f->status < RK_RQS__COUNT ? request_states[f->status] : NULL);
    sqlite3_bind_int(st, 2, f->open_only);
    sq_bind_date(st, 3, f->due_by);
    err = sq_step_rows(s, st, each_request, it);
    free(it);
    return err;
}

/* (People search and overview, migration 0016: beside the request list it reuses.) */
rk_err sq_requests_of_person(struct rk_store *base, const char *person_id, rk_request_fn fn,
                             void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_REQUESTS_OF_PERSON, &st);
    if (err != RK_OK)
        return err;
    struct request_iter *it = malloc(sizeof *it);
    if (!it) {
        sq_done(st);
        return RK_ENOMEM;
    }
    it->fn = fn;
    it->ctx = ctx;
    sq_bind_text(st, 1, person_id);
    err = sq_step_rows(s, st, each_request, it);
    free(it);
    return err;
}

rk_err sq_requests_overdue(struct rk_store *base, struct rk_date today, int64_t *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_int(s, S_REQUESTS_OVERDUE, SQ_ARGS(SQ_DATE(today)), out);
}

rk_err sq_requests_open_of_person(struct rk_store *base, const char *person_id, int64_t *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_int(s, S_REQUESTS_OPEN_OF_PERSON, SQ_ARGS(SQ_TEXT(person_id)), out);
}
