/*
 * sqlite_queues.c — the queues of the SQLite backend: the email outbox, the
 * art 19 recipient notices, the console's retries and audience rows, the
 * mail limit and the named leases. No claims: SQLite has one worker per database.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/* ---- The email outbox -------------------------------------------------------------------- */

static const char *const outbox_states[RK_OUTBOX__COUNT] = {"queued", "sent", "failed"};

rk_err sq_outbox_enqueue(struct rk_store *base, const struct rk_outbox_msg *m, int64_t *id) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = sq_run(s, S_OUTBOX_ENQUEUE,
                        SQ_ARGS(SQ_TEXT(m->message_id), SQ_TEXT(m->person_id), SQ_TEXT(m->kind),
                                SQ_TS(m->next_attempt_at ? m->next_attempt_at : m->created_at),
                                SQ_TS(m->created_at)));
    if (err == RK_OK && id)
        *id = sqlite3_last_insert_rowid(s->db);
    return err;
}

struct outbox_iter {
    rk_outbox_fn fn;
    void *ctx;
};

static int each_outbox(void *ctx, sqlite3_stmt *st) {
    struct outbox_iter *it = ctx;
    struct rk_outbox_msg m = {
        .id = sqlite3_column_int64(st, 0),
        .message_id = sq_col_text(st, 1),
        .person_id = sq_col_text(st, 2),
        .kind = sq_col_text(st, 3),
        .sealed = sqlite3_column_blob(st, 4),
        .sealed_len = (size_t)sqlite3_column_bytes(st, 4),
        .state = RK_OUTBOX_QUEUED,
        .attempts = sqlite3_column_int(st, 5),
        .created_at = sq_col_ts(st, 6),
        .next_attempt_at = sq_col_ts(st, 7),
        .last_error = sq_col_text(st, 8),
    };
    return it->fn(it->ctx, &m);
}

rk_err sq_outbox_due(struct rk_store *base, rk_ts now, int limit, rk_outbox_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct outbox_iter it = {fn, ctx};
    return sq_each(s, S_OUTBOX_DUE, SQ_ARGS(SQ_TS(now), SQ_INT(limit)), each_outbox, &it);
}

/* Binds error, cut to RK_OUTBOX_ERROR_MAX bytes at a UTF-8 character boundary. */
static void bind_error(sqlite3_stmt *st, int i, const char *error) {
    if (!error) {
        sqlite3_bind_null(st, i);
        return;
    }
    size_t n = strlen(error);
    if (n > RK_OUTBOX_ERROR_MAX) {
        n = RK_OUTBOX_ERROR_MAX;
        while (n > 0 && ((unsigned char)error[n] & 0xC0) == 0x80)
            n--;
    }
    sqlite3_bind_text(st, i, error, (int)n, SQLITE_TRANSIENT);
}

/* Runs one of the marks on message id: RK_ENOENT when it is not queued. */
static rk_err outbox_mark(struct sqlite_store *s, enum stmt which, int64_t id, rk_ts at,
                          const char *error) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, which, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    sq_bind_ts(st, 2, at);
    if (which != S_OUTBOX_SENT)
        bind_error(st, 3, error);
    err = sq_step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

rk_err sq_outbox_mark_sent(struct rk_store *base, int64_t id, rk_ts at) {
    return outbox_mark((struct sqlite_store *)base, S_OUTBOX_SENT, id, at, NULL);
}

rk_err sq_outbox_mark_retry(struct rk_store *base, int64_t id, rk_ts next, const char *error) {
    return outbox_mark((struct sqlite_store *)base, S_OUTBOX_RETRY, id, next, error);
}

rk_err sq_outbox_mark_failed(struct rk_store *base, int64_t id, rk_ts at, const char *error) {
    return outbox_mark((struct sqlite_store *)base, S_OUTBOX_FAILED, id, at, error);
}

rk_err sq_outbox_count(struct rk_store *base, enum rk_outbox_state state, int64_t *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    if ((unsigned)state >= RK_OUTBOX__COUNT)
        return RK_EINVAL;
    return sq_int(s, S_OUTBOX_COUNT, SQ_ARGS(SQ_TEXT(outbox_states[state])), out);
}

struct failure_iter {
    rk_outbox_failure_fn fn;
    void *ctx;
};

static int each_failure(void *ctx, sqlite3_stmt *st) {
    struct failure_iter *it = ctx;
    struct rk_outbox_failure f = {
        .id = sqlite3_column_int64(st, 0),
        .kind = sq_col_text(st, 1),
        .person_id = sq_col_text(st, 2),
        .attempts = sqlite3_column_int(st, 3),
        .last_error = sq_col_text(st, 4),
        .created_at = sq_col_ts(st, 5),
        .failed_at = sq_col_ts(st, 6),
    };
    return it->fn(it->ctx, &f);
}

rk_err sq_outbox_failed(struct rk_store *base, int limit, rk_outbox_failure_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct failure_iter it = {fn, ctx};
    return sq_each(s, S_OUTBOX_LIST_FAILED, SQ_ARGS(SQ_INT(limit)), each_failure, &it);
}

/* ---- The console's retries and audience summary (issue 12; store.h) ---- */

rk_err sq_outbox_requeue(struct rk_store *base, int64_t id, rk_ts now) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_OUTBOX_REQUEUE, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    sq_bind_ts(st, 2, now);
    if ((err = sq_step_done(s, st)) != RK_OK || sqlite3_changes(s->db) > 0)
        return err;
    /* Nothing changed: no failed message with the id, or one whose content is gone. */
    if ((err = sq_prepare(s, S_OUTBOX_FAILED_STATE, &st)) != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = sqlite3_column_int64(st, 0) > 0 ? RK_EREFUSED : RK_ENOENT;
    else
        err = sq_fail(s, rc);
    sq_done(st);
    return err;
}

struct audience_row_iter {
    rk_audience_row_fn fn;
    void *ctx;
};

static int each_audience_row(void *ctx, sqlite3_stmt *st) {
    static const enum rk_consent_status by_name[] = {RK_CONSENT_NONE, RK_CONSENT_PENDING,
                                                     RK_CONSENT_LIVE, RK_CONSENT_WITHDRAWN,
                                                     RK_CONSENT_EXPIRED};
    struct audience_row_iter *it = ctx;
    struct rk_audience_row r = {.restricted = sqlite3_column_int(st, 1) != 0,
                                .objected = sqlite3_column_int(st, 2) != 0,
                                .suppressed = sqlite3_column_int(st, 3) != 0,
                                .consent = RK_CONSENT_NONE};
    if (!sq_col_copy(st, 0, r.person_id, sizeof r.person_id))
        return -1;
    const char *state = sq_col_text(st, 4);
    for (size_t i = 0; state && i < sizeof by_name / sizeof by_name[0]; i++)
        if (strcmp(state, sq_consent_states[i]) == 0)
            r.consent = by_name[i];
    if (sqlite3_column_type(st, 5) != SQLITE_NULL)
        r.expires_at = sq_col_ts(st, 5);
    return it->fn(it->ctx, &r);
}

rk_err sq_audience_rows(struct rk_store *base, const char *register_id, const char *purpose,
                        rk_audience_row_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct audience_row_iter it = {fn, ctx};
    return sq_each(s, S_AUDIENCE_ROWS, SQ_ARGS(SQ_TEXT(register_id), SQ_TEXT(purpose)),
                   each_audience_row, &it);
}

struct contact_iter {
    rk_contact_row_fn fn;
    void *ctx;
    struct rk_contact_row row;
};

static int each_contact_row(void *ctx, sqlite3_stmt *st) {
    struct contact_iter *it = ctx;
    struct rk_contact_row *r = &it->row;
    if (!sq_col_copy(st, 0, r->register_id, sizeof r->register_id) ||
        !sq_col_copy(st, 1, r->person_id, sizeof r->person_id))
        return -1;
    r->restricted = sqlite3_column_int(st, 2) != 0;
    r->objected = sqlite3_column_int(st, 3) != 0;
    if (sqlite3_column_type(st, 4) == SQLITE_NULL)
        r->consent = (struct rk_consent_state){RK_CONSENT_NONE, 0, 0, false, 0};
    else if (!sq_row_to_consent_state(st, 4, &r->consent))
        return -1;
    return it->fn(it->ctx, r);
}

/* Runs one of the prepared transaction statements (BEGIN, COMMIT). */
static rk_err run_stmt(struct sqlite_store *s, enum stmt i) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, i, &st);
    return err == RK_OK ? sq_step_done(s, st) : err;
}

rk_err sq_contact_rows(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       const char *purpose, bool *suppressed, rk_contact_row_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    /* One read transaction: one snapshot and one lock for both statements. */
    bool own = !s->in_tx && sqlite3_get_autocommit(s->db);
    rk_err err = own ? run_stmt(s, S_READ_BEGIN) : RK_OK;
    if (err != RK_OK)
        return err;
    bool sup = false;
    err = sq_suppressed(base, hash, &sup);
    sqlite3_stmt *st = NULL;
    if (err == RK_OK && !sup)
        err = sq_prepare(s, S_CONTACT_ROWS, &st);
    if (st) {
        struct contact_iter it = {.fn = fn, .ctx = ctx};
        sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
        sq_bind_text(st, 2, purpose);
        err = sq_step_rows(s, st, each_contact_row, &it);
    }
    if (own) {
        rk_err end = run_stmt(s, S_READ_END);
        if (end != RK_OK && !sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        if (err == RK_OK)
            err = end;
    }
    if (err == RK_OK)
        *suppressed = sup;
    return err;
}

rk_err sq_recipient_notice_add(struct rk_store *base, struct rk_recipient_notice *n) {
    static const char *const kinds[RK_NOTICE__COUNT] = {"rectification", "erasure", "restriction",
                                                        "restriction_lifted"};
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if ((unsigned)n->kind >= RK_NOTICE__COUNT)
        return RK_EINVAL;
    rk_err err = sq_prepare(s, S_NOTICE_ADD, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, n->recipient);
    sq_bind_text(st, 2, n->person_id);
    sq_bind_text(st, 3, kinds[n->kind]);
    sq_bind_text(st, 4, n->request_id);
    sq_bind_ts(st, 5, n->created_at);
    err = sq_step_done(s, st);
    if (err == RK_OK)
        n->id = sqlite3_last_insert_rowid(s->db);
    return err;
}

/* ---- Art 19 notice delivery ------------------------------------------------------------------ */

static const char *const notice_kinds[RK_NOTICE__COUNT] = {"rectification", "erasure",
                                                           "restriction", "restriction_lifted"};
static const char *const notice_states[RK_NOTICE_STATE__COUNT] = {"queued", "pending", "done",
                                                                  "failed", "unsupported"};

static int name_index(const char *const *names, int n, const char *s) {
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return 0;
}

struct notice_iter {
    rk_notice_fn fn;
    void *ctx;
    bool identity;
};

static int each_notice(void *ctx, sqlite3_stmt *st) {
    struct notice_iter *it = ctx;
    struct rk_notice_row n = {
        .id = sqlite3_column_int64(st, 0),
        .recipient = sq_col_text(st, 1),
        .person_id = sq_col_text(st, 2),
        .request_id = sq_col_text(st, 3),
        .remote_id = sq_col_text(st, 4),
        .last_error = sq_col_text(st, 5),
        .kind = (enum rk_notice_kind)name_index(notice_kinds, RK_NOTICE__COUNT, sq_col_text(st, 6)),
        .state = (enum rk_notice_state)name_index(notice_states, RK_NOTICE_STATE__COUNT,
                                                  sq_col_text(st, 7)),
        .attempts = sqlite3_column_int(st, 8),
        .created_at = sq_col_ts(st, 9),
        .next_attempt_at = sq_col_ts(st, 10),
        .done_at = sqlite3_column_type(st, 11) == SQLITE_NULL ? 0 : sq_col_ts(st, 11),
        .sealed = it->identity ? sqlite3_column_blob(st, 12) : NULL,
        .sealed_len = it->identity ? (size_t)sqlite3_column_bytes(st, 12) : 0,
    };
    return it->fn(it->ctx, &n);
}

rk_err sq_recipient_notice_due(struct rk_store *base, rk_ts now, int limit, rk_notice_fn fn,
                               void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct notice_iter it = {fn, ctx, true};
    return sq_each(s, S_NOTICE_DUE, SQ_ARGS(SQ_TS(now), SQ_INT(limit)), each_notice, &it);
}

/* Steps an UPDATE of one notice: RK_ENOENT when it is no longer queued or pending. */
static rk_err notice_update(struct sqlite_store *s, sqlite3_stmt *st) {
    rk_err err = sq_step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

rk_err sq_recipient_notice_mark_done(struct rk_store *base, int64_t id, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_NOTICE_DONE, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    sq_bind_ts(st, 2, at);
    return notice_update(s, st);
}

rk_err sq_recipient_notice_mark_pending(struct rk_store *base, int64_t id, const char *remote_id,
                                        rk_ts next) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_NOTICE_PENDING, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    sq_bind_text(st, 2, remote_id);
    sq_bind_ts(st, 3, next);
    return notice_update(s, st);
}

rk_err sq_recipient_notice_mark_retry(struct rk_store *base, int64_t id, rk_ts next,
                                      const char *error) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_NOTICE_RETRY, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    sq_bind_ts(st, 2, next);
    bind_error(st, 3, error);
    return notice_update(s, st);
}

rk_err sq_recipient_notice_mark_wait(struct rk_store *base, int64_t id, rk_ts next,
                                     const char *error) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_NOTICE_WAIT, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    sq_bind_ts(st, 2, next);
    bind_error(st, 3, error);
    return notice_update(s, st);
}

rk_err sq_recipient_notice_mark_final(struct rk_store *base, int64_t id, enum rk_notice_state state,
                                      rk_ts at, const char *error) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if (state != RK_NOTICE_FAILED && state != RK_NOTICE_UNSUPPORTED)
        return RK_EINVAL;
    rk_err err = sq_prepare(s, S_NOTICE_FINAL, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    sq_bind_ts(st, 2, at);
    bind_error(st, 3, error);
    sq_bind_text(st, 4, notice_states[state]);
    return notice_update(s, st);
}

rk_err sq_recipient_notice_count(struct rk_store *base, enum rk_notice_state state, int64_t *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    if ((unsigned)state >= RK_NOTICE_STATE__COUNT)
        return RK_EINVAL;
    return sq_int(s, S_NOTICE_COUNT, SQ_ARGS(SQ_TEXT(notice_states[state])), out);
}

rk_err sq_recipient_notice_list(struct rk_store *base, enum rk_notice_state state, int limit,
                                rk_notice_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    bool all = (unsigned)state >= RK_NOTICE_STATE__COUNT;
    rk_err err = sq_prepare(s, all ? S_NOTICE_LIST_ALL : S_NOTICE_LIST, &st);
    if (err != RK_OK)
        return err;
    if (all)
        sqlite3_bind_null(st, 1);
    else
        sq_bind_text(st, 1, notice_states[state]);
    sqlite3_bind_int(st, 2, limit);
    struct notice_iter it = {fn, ctx, false};
    return sq_step_rows(s, st, each_notice, &it);
}

/* The console's notice retries (issue 12; beside the notice rows they read). */
rk_err sq_recipient_notice_get(struct rk_store *base, int64_t id, rk_notice_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_NOTICE_GET, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    struct notice_iter it = {fn, ctx, false};
    bool found = false;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        found = true;
        (void)each_notice(&it, st);
    } else if (rc != SQLITE_DONE) {
        err = sq_fail(s, rc);
    }
    sq_done(st);
    return err == RK_OK && !found ? RK_ENOENT : err;
}

rk_err sq_recipient_notice_requeue(struct rk_store *base, int64_t id, rk_ts now) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_NOTICE_REQUEUE, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    sq_bind_ts(st, 2, now);
    return notice_update(s, st);
}

/* ---- the mail limit (mail_limit) --------------------------------------------------------- */

rk_err sq_mail_limit_count(struct rk_store *base, const unsigned char recipient[RK_HASH_LEN],
                           rk_ts since, int64_t *n, rk_ts *last) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_MAIL_LIMIT_COUNT, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, recipient, RK_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        *last = sqlite3_column_int64(st, 1);
    } else {
        err = sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}

rk_err sq_mail_limit_add(struct rk_store *base, const unsigned char recipient[RK_HASH_LEN],
                         rk_ts at, rk_ts prune_before) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_MAIL_LIMIT_PRUNE, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, prune_before);
    if ((err = sq_step_done(s, st)) != RK_OK ||
        (err = sq_prepare(s, S_MAIL_LIMIT_ADD, &st)) != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, recipient, RK_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, at);
    return sq_step_done(s, st);
}

/* ---- Leases (lease; migration 0020) ------------------------------------------------------ */

rk_err sq_lease_take(struct rk_store *base, const char *name, const char *holder, rk_ts now,
                     rk_ts until, bool *got) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    int64_t changes = 0;
    rk_err err =
        sq_run_count(s, S_LEASE_TAKE,
                     SQ_ARGS(SQ_TEXT(name), SQ_TEXT(holder), SQ_TS(now), SQ_TS(until)), &changes);
    if (err == RK_OK)
        *got = changes > 0;
    return err;
}

rk_err sq_lease_drop(struct rk_store *base, const char *name, const char *holder) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run_one(s, S_LEASE_DROP, SQ_ARGS(SQ_TEXT(name), SQ_TEXT(holder)));
}
