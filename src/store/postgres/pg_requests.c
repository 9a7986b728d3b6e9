/*
 * pg_requests.c — data-subject requests and answers in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_requests.c).
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

/* ---- Data-subject requests ----------------------------------------------------------------- */

static const char *const request_types[RK_RQ_TYPE__COUNT] = {
    "access",    "rectification",      "erasure",           "restriction", "portability",
    "objection", "automated_decision", "consent_withdrawal"};
static const char *const request_states[RK_RQS__COUNT] = {"received", "verified", "in_progress",
                                                          "completed", "rejected"};
static const char *const request_channels[RK_RQC__COUNT] = {"web", "email", "post", "in_person",
                                                            "api"};

/* The columns every request read selects, in the order row_to_request expects. */
#define REQUEST_COLS                                                                               \
    "id, type, status, channel, lang, person_id, email, phone, name, free_text, received_at, "     \
    "due, extended_due, extension_months, extension_reason, verification, verified_by, "           \
    "verified_at, document, rejection_reason, note, closed_at, created_by, received_on "
/* The states of an open request. */
#define OPEN_STATES "('received', 'verified', 'in_progress')"

/* The index of s in names (n of them), -1 when absent (a copy of SQLite's sq_index_of). */
static int index_of(const char *const *names, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (s && strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static bool fits(const char *v, size_t max) { return !v || strlen(v) <= max; }

static const char *verification_word(unsigned v) {
    return v == RK_VERIFY_IN_PERSON ? "in_person" : v == RK_VERIFY_EMAIL_CODE ? "email_code" : NULL;
}

/* Whether q can be written: known type, status and channel, texts within their bounds. */
static bool request_ok(const struct rk_request *q) {
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
        if (!fits(strs[i], RK_REQUEST_FIELD_MAX))
            return false;
    return fits(q->text, RK_REQUEST_TEXT_MAX);
}

static bool row_to_request(const struct pg_row *r, void *request) {
    struct rk_request *q = request;
    /* Columns: see REQUEST_COLS. */
    struct pg_strbuf b = {q->buf, sizeof q->buf, false};
    int type = index_of(request_types, RK_RQ_TYPE__COUNT, pg_col_text(r, 1));
    int status = index_of(request_states, RK_RQS__COUNT, pg_col_text(r, 2));
    int channel = index_of(request_channels, RK_RQC__COUNT, pg_col_text(r, 3));
    if (type < 0 || status < 0 || channel < 0 || !pg_col_copy(r, 0, q->id, sizeof q->id) ||
        !pg_col_copy(r, 5, q->person_id, sizeof q->person_id))
        return false;
    q->type = (enum rk_request_type)type;
    q->status = (enum rk_request_status)status;
    q->channel = (enum rk_request_channel)channel;
    const char *lang = pg_col_text(r, 4);
    q->lang = lang && strcmp(lang, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
    q->email = pg_keep_col(&b, r, 6);
    q->phone = pg_keep_col(&b, r, 7);
    q->name = pg_keep_col(&b, r, 8);
    q->text = pg_keep_col(&b, r, 9);
    q->received_at = pg_col_ts(r, 10);
    q->due = pg_col_date(r, 11);
    q->extended_due = pg_col_date(r, 12);
    q->extension_months = (int)pg_col_int(r, 13);
    q->extension_reason = pg_keep_col(&b, r, 14);
    const char *v = pg_col_text(r, 15);
    q->verification = !v                             ? 0
                      : strcmp(v, "in_person") == 0  ? RK_VERIFY_IN_PERSON
                      : strcmp(v, "email_code") == 0 ? RK_VERIFY_EMAIL_CODE
                                                     : 0;
    q->verified_by = pg_keep_col(&b, r, 16);
    q->verified_at = pg_col_ts(r, 17);
    q->document = pg_keep_col(&b, r, 18);
    q->rejection_reason = pg_keep_col(&b, r, 19);
    q->note = pg_keep_col(&b, r, 20);
    q->closed_at = pg_col_ts(r, 21);
    q->created_by = pg_keep_col(&b, r, 22);
    q->received_on = pg_col_date(r, 23);
    return !b.overflow;
}

rk_err pg_request_insert(struct rk_store *base, const struct rk_request *q) {
    struct pg_store *s = (struct pg_store *)base;
    if (!request_ok(q))
        return RK_ETOOBIG;
    /* A taken id is not an error in the transaction: core/request.c tries another id in the
     * same one, so the conflict is avoided, not raised. */
    int64_t n = 0;
    rk_err err = pg_run_count(
        s,
        "INSERT INTO request (id, type, status, channel, lang, person_id, email, phone, name, "
        "free_text, received_at, due, extended_due, extension_months, extension_reason, "
        "verification, verified_by, verified_at, document, rejection_reason, note, closed_at, "
        "created_by, received_on) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
        "$13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24) "
        "ON CONFLICT (id) DO NOTHING",
        PG_ARGS(PG_TEXT(q->id), PG_TEXT(request_types[q->type]), PG_TEXT(request_states[q->status]),
                PG_TEXT(request_channels[q->channel]), PG_TEXT(q->lang == RK_LANG_EN ? "en" : "fi"),
                PG_TEXT(q->person_id[0] ? q->person_id : NULL), PG_TEXT(q->email),
                PG_TEXT(q->phone), PG_TEXT(q->name), PG_TEXT(q->text), PG_TS(q->received_at),
                PG_DATE(q->due), PG_DATE(q->extended_due), PG_INT(q->extension_months),
                PG_TEXT(q->extension_reason), PG_TEXT(verification_word(q->verification)),
                PG_TEXT(q->verified_by), PG_TS(q->verified_at), PG_TEXT(q->document),
                PG_TEXT(q->rejection_reason), PG_TEXT(q->note), PG_TS(q->closed_at),
                PG_TEXT(q->created_by), PG_DATE(q->received_on)),
        &n);
    if (err == RK_OK && n == 0)
        err = rk_error_set(&s->base.error, RK_ECONFLICT, NULL, "a request with that id exists");
    return err;
}

rk_err pg_request_update(struct rk_store *base, const struct rk_request *q) {
    struct pg_store *s = (struct pg_store *)base;
    if (!request_ok(q))
        return RK_ETOOBIG;
    return pg_run_one(
        s,
        "UPDATE request SET status = $2, person_id = $3, extended_due = $4, "
        "extension_months = $5, extension_reason = $6, verification = $7, verified_by = $8, "
        "verified_at = $9, document = $10, rejection_reason = $11, note = $12, closed_at = $13 "
        "WHERE id = $1",
        PG_ARGS(PG_TEXT(q->id), PG_TEXT(request_states[q->status]),
                PG_TEXT(q->person_id[0] ? q->person_id : NULL), PG_DATE(q->extended_due),
                PG_INT(q->extension_months), PG_TEXT(q->extension_reason),
                PG_TEXT(verification_word(q->verification)), PG_TEXT(q->verified_by),
                PG_TS(q->verified_at), PG_TEXT(q->document), PG_TEXT(q->rejection_reason),
                PG_TEXT(q->note), PG_TS(q->closed_at)));
}

/* ---- answers awaiting download (migration 0017) ---- */

/* The code's and the grant's hashes, or NULL when there is none. */
static struct pg_arg code_arg(const struct rk_answer_row *a) {
    return a->has_code ? (struct pg_arg)PG_BLOB(a->code_hash, RK_ANSWER_HASH_LEN)
                       : (struct pg_arg)PG_NULL;
}

static struct pg_arg grant_arg(const struct rk_answer_row *a) {
    return a->has_grant ? (struct pg_arg)PG_BLOB(a->grant_hash, RK_ANSWER_HASH_LEN)
                        : (struct pg_arg)PG_NULL;
}

rk_err pg_answer_insert(struct rk_store *base, const struct rk_answer_row *a) {
    struct pg_store *s = (struct pg_store *)base;
    /* As pg_request_insert: the conflict is reported without failing the transaction. */
    int64_t n = 0;
    rk_err err = pg_run_count(
        s,
        "INSERT INTO answer (request_id, person_id, created_at, expires_at, code_hash, "
        "code_expires, code_tries, grant_hash, grant_expires, downloads) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (request_id) DO NOTHING",
        PG_ARGS(PG_TEXT(a->request_id), PG_TEXT(a->person_id), PG_TS(a->created_at),
                PG_TS(a->expires_at), code_arg(a), PG_TS(a->has_code ? a->code_expires : 0),
                PG_INT(a->code_tries), grant_arg(a), PG_TS(a->has_grant ? a->grant_expires : 0),
                PG_INT(a->downloads)),
        &n);
    if (err == RK_OK && n == 0)
        err = rk_error_set(&s->base.error, RK_ECONFLICT, NULL, "the request has an answer");
    return err;
}

rk_err pg_answer_update(struct rk_store *base, const struct rk_answer_row *a) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s,
                      "UPDATE answer SET code_hash = $2, code_expires = $3, code_tries = $4, "
                      "grant_hash = $5, grant_expires = $6, downloads = $7 WHERE request_id = $1",
                      PG_ARGS(PG_TEXT(a->request_id), code_arg(a),
                              PG_TS(a->has_code ? a->code_expires : 0), PG_INT(a->code_tries),
                              grant_arg(a), PG_TS(a->has_grant ? a->grant_expires : 0),
                              PG_INT(a->downloads)));
}

rk_err pg_answer_file_put(struct rk_store *base, const char *request_id, const char *name,
                          const unsigned char *sealed, size_t len) {
    struct pg_store *s = (struct pg_store *)base;
    if (len > (size_t)INT_MAX)
        return RK_ETOOBIG;
    return pg_run(s,
                  "INSERT INTO answer_file (request_id, name, sealed) VALUES ($1, $2, $3) "
                  "ON CONFLICT (request_id, name) DO UPDATE SET sealed = excluded.sealed",
                  PG_ARGS(PG_TEXT(request_id), PG_TEXT(name), PG_BLOB(sealed, len)));
}

static bool row_to_answer(const struct pg_row *r, void *out) {
    struct rk_answer_row a;
    memset(&a, 0, sizeof a);
    if (!pg_col_copy(r, 0, a.request_id, sizeof a.request_id) ||
        !pg_col_copy(r, 1, a.person_id, sizeof a.person_id))
        return false;
    a.created_at = pg_col_ts(r, 2);
    a.expires_at = pg_col_ts(r, 3);
    a.has_code = pg_col_blob(r, 4, a.code_hash, RK_ANSWER_HASH_LEN);
    if (!a.has_code)
        memset(a.code_hash, 0, sizeof a.code_hash);
    a.code_expires = pg_col_ts(r, 5);
    a.code_tries = (int)pg_col_int(r, 6);
    a.has_grant = pg_col_blob(r, 7, a.grant_hash, RK_ANSWER_HASH_LEN);
    if (!a.has_grant)
        memset(a.grant_hash, 0, sizeof a.grant_hash);
    a.grant_expires = pg_col_ts(r, 8);
    a.downloads = (int)pg_col_int(r, 9);
    *(struct rk_answer_row *)out = a;
    return true;
}

rk_err pg_answer_get(struct rk_store *base, const char *request_id, struct rk_answer_row *out) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_row(s,
                  "SELECT request_id, person_id, created_at, expires_at, code_hash, code_expires, "
                  "code_tries, grant_hash, grant_expires, downloads FROM answer "
                  "WHERE request_id = $1",
                  PG_ARGS(PG_TEXT(request_id)), row_to_answer, out);
}

struct file_out {
    unsigned char *p;
    size_t len;
    bool ok;
};

static bool row_to_file(const struct pg_row *r, void *out) {
    struct file_out *f = out;
    f->ok = pg_col_blob_dup(r, 0, &f->p, &f->len); /* sealed is NOT NULL: false is memory */
    return true;
}

rk_err pg_answer_file_get(struct rk_store *base, const char *request_id, const char *name,
                          unsigned char **out, size_t *len) {
    struct pg_store *s = (struct pg_store *)base;
    struct file_out f = {.p = NULL, .len = 0, .ok = false};
    rk_err err = pg_row(s, "SELECT sealed FROM answer_file WHERE request_id = $1 AND name = $2",
                        PG_ARGS(PG_TEXT(request_id), PG_TEXT(name)), row_to_file, &f);
    if (err != RK_OK)
        return err;
    if (!f.ok)
        return RK_ENOMEM;
    *out = f.p;
    *len = f.len;
    return RK_OK;
}

rk_err pg_answer_delete_person(struct rk_store *base, const char *person_id, int64_t *n) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_count(s, "DELETE FROM answer WHERE person_id = $1", PG_ARGS(PG_TEXT(person_id)),
                        n);
}

rk_err pg_request_redact(struct rk_store *base, const char *id) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s,
                      "UPDATE request SET email = NULL, phone = NULL, name = NULL, "
                      "free_text = NULL WHERE id = $1",
                      PG_ARGS(PG_TEXT(id)));
}

rk_err pg_request_get(struct rk_store *base, const char *id, struct rk_request *out) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_row(s, "SELECT " REQUEST_COLS "FROM request WHERE id = $1", PG_ARGS(PG_TEXT(id)),
                  row_to_request, out);
}

struct request_iter {
    rk_request_fn fn;
    void *ctx;
    struct rk_request q;
};

static int each_request(void *ctx, const struct pg_row *r) {
    struct request_iter *it = ctx;
    if (!row_to_request(r, &it->q))
        return -1;
    return it->fn(it->ctx, &it->q);
}

rk_err pg_requests_list(struct rk_store *base, const struct rk_request_filter *f, rk_request_fn fn,
                        void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct request_iter *it = malloc(sizeof *it);
    if (!it)
        return RK_ENOMEM;
    it->fn = fn;
    it->ctx = ctx;
    rk_err err = pg_each(
        s,
        "SELECT " REQUEST_COLS "FROM request WHERE ($1::text IS NULL OR status = $1) "
        "AND ($2::bigint = 0 OR status IN " OPEN_STATES ") "
        "AND ($3::text IS NULL OR coalesce(extended_due, due) <= $3) ORDER BY received_at, id",
        PG_ARGS(
            PG_TEXT(f->status >= 0 && f->status < RK_RQS__COUNT ? request_states[f->status] : NULL),
            PG_INT(f->open_only), PG_DATE(f->due_by)),
        each_request, it);
    free(it);
    return err;
}

/* (People search and overview, migration 0016: beside the request list it reuses.) */
rk_err pg_requests_of_person(struct rk_store *base, const char *person_id, rk_request_fn fn,
                             void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct request_iter *it = malloc(sizeof *it);
    if (!it)
        return RK_ENOMEM;
    it->fn = fn;
    it->ctx = ctx;
    rk_err err = pg_each(s,
                         "SELECT " REQUEST_COLS "FROM request WHERE person_id = $1 "
                         "ORDER BY received_at, id",
                         PG_ARGS(PG_TEXT(person_id)), each_request, it);
    free(it);
    return err;
}

rk_err pg_requests_overdue(struct rk_store *base, struct rk_date today, int64_t *out) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_int(s,
                  "SELECT count(*) FROM request WHERE status IN " OPEN_STATES
                  " AND coalesce(extended_due, due) < $1",
                  PG_ARGS(PG_DATE(today)), out);
}

rk_err pg_requests_open_of_person(struct rk_store *base, const char *person_id, int64_t *out) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_int(s, "SELECT count(*) FROM request WHERE person_id = $1 AND status IN " OPEN_STATES,
                  PG_ARGS(PG_TEXT(person_id)), out);
}
