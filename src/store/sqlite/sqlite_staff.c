/*
 * sqlite_staff.c — the audit chain, staff tokens and staff accounts
 * (sessions, setup links, throttling, sign-ins) in the SQLite backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/*
 * The chain's end. Inside a write transaction, after this transaction's first append, it is
 * the (seq, hash) that append and each later one wrote (audit_head_*), not read back. Why
 * that is never stale: the transaction is BEGIN IMMEDIATE, so it holds the database's one
 * write lock from before its first read of the end to its COMMIT or ROLLBACK and no other
 * connection appends meanwhile; everything that can remove an appended row forgets the
 * cached end (sq_begin, sq_commit, sq_rollback, an undone savepoint in sq_savepoint_end, a
 * failed insert); and a transaction SQLite rolled back by itself (an I/O error, a full disk)
 * leaves autocommit on, which the test below sees.
 */
rk_err sq_audit_last(struct rk_store *base, int64_t *seq, unsigned char hash[RK_HASH_LEN]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if (s->audit_head_ok && s->in_tx && !sqlite3_get_autocommit(s->db)) {
        *seq = s->audit_head_seq;
        memcpy(hash, s->audit_head_hash, RK_HASH_LEN);
        return RK_OK;
    }
    rk_err err = sq_prepare(s, S_AUDIT_LAST, &st);
    if (err != RK_OK)
        return err;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        if (sqlite3_column_bytes(st, 1) == RK_HASH_LEN)
            memcpy(hash, sqlite3_column_blob(st, 1), RK_HASH_LEN);
        else
            err = RK_EIO;
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}

rk_err sq_audit_insert(struct rk_store *base, const struct rk_audit_event *e) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = sq_run(s, S_AUDIT_INSERT,
                        SQ_ARGS(SQ_INT(e->seq), SQ_TS(e->at), SQ_TEXT(e->actor), SQ_TEXT(e->action),
                                SQ_TEXT(e->person_id), SQ_TEXT(e->detail),
                                SQ_BLOB(e->prev, RK_HASH_LEN), SQ_BLOB(e->hash, RK_HASH_LEN)));
    s->audit_head_ok = err == RK_OK && s->in_tx;
    if (s->audit_head_ok) {
        s->audit_head_seq = e->seq;
        memcpy(s->audit_head_hash, e->hash, RK_HASH_LEN);
    }
    return err;
}

struct audit_iter {
    rk_audit_fn fn;
    void *ctx;
};

/* Copies column i into e->buf at *used; NULL stays NULL. */
static bool audit_col(sqlite3_stmt *st, int i, struct rk_audit_event *e, size_t *used,
                      const char **out) {
    const char *v = sq_col_text(st, i);
    *out = NULL;
    if (!v)
        return true;
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    if (*used + n + 1 > sizeof e->buf)
        return false;
    memcpy(e->buf + *used, v, n + 1);
    *out = e->buf + *used;
    *used += n + 1;
    return true;
}

static int each_audit(void *ctx, sqlite3_stmt *st) {
    struct audit_iter *it = ctx;
    struct rk_audit_event e;
    size_t used = 0;
    e.seq = sqlite3_column_int64(st, 0);
    e.at = sq_col_ts(st, 1);
    if (!audit_col(st, 2, &e, &used, &e.actor) || !audit_col(st, 3, &e, &used, &e.action) ||
        !audit_col(st, 4, &e, &used, &e.person_id) || !audit_col(st, 5, &e, &used, &e.detail))
        return -1;
    /* A damaged row reads with zero hashes, which verification reports. */
    memset(e.prev, 0, RK_HASH_LEN);
    memset(e.hash, 0, RK_HASH_LEN);
    if (sqlite3_column_bytes(st, 6) == RK_HASH_LEN)
        memcpy(e.prev, sqlite3_column_blob(st, 6), RK_HASH_LEN);
    if (sqlite3_column_bytes(st, 7) == RK_HASH_LEN)
        memcpy(e.hash, sqlite3_column_blob(st, 7), RK_HASH_LEN);
    return it->fn(it->ctx, &e);
}

rk_err sq_audit_scan(struct rk_store *base, int64_t from, const char *person_id, rk_audit_fn fn,
                     void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, person_id ? S_AUDIT_SCAN_PERSON : S_AUDIT_SCAN, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, from);
    if (person_id)
        sq_bind_text(st, 2, person_id);
    struct audit_iter it = {fn, ctx};
    return sq_step_rows(s, st, each_audit, &it);
}

static bool row_to_token(sqlite3_stmt *st, void *token) {
    struct rk_token *t = token;
    t->created_at = sq_col_ts(st, 2);
    t->revoked_at = sq_col_ts(st, 3);
    return sq_col_copy(st, 0, t->name, sizeof t->name) &&
           sq_col_copy(st, 1, t->role, sizeof t->role);
}

rk_err sq_token_insert(struct rk_store *base, const struct rk_token *t,
                       const unsigned char hash[RK_HASH_LEN]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run(s, S_TOKEN_INSERT,
                  SQ_ARGS(SQ_TEXT(t->name), SQ_TEXT(t->role), SQ_BLOB(hash, RK_HASH_LEN),
                          SQ_TS(t->created_at)));
}

rk_err sq_token_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                        struct rk_token *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_row(s, S_TOKEN_BY_HASH, SQ_ARGS(SQ_BLOB(hash, RK_HASH_LEN)), row_to_token, out);
}

rk_err sq_token_revoke(struct rk_store *base, const char *name, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run_one(s, S_TOKEN_REVOKE, SQ_ARGS(SQ_TEXT(name), SQ_TS(at)));
}

struct token_iter {
    rk_token_fn fn;
    void *ctx;
};

static int each_token(void *ctx, sqlite3_stmt *st) {
    struct token_iter *it = ctx;
    struct rk_token t;
    if (!row_to_token(st, &t))
        return -1;
    return it->fn(it->ctx, &t);
}

rk_err sq_tokens_list(struct rk_store *base, rk_token_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct token_iter it = {fn, ctx};
    return sq_each(s, S_TOKENS_LIST, NULL, 0, each_token, &it);
}

/* ---- Staff accounts (migration 0015) ---- */

static bool row_to_staff(sqlite3_stmt *st, void *staff) {
    struct rk_staff *a = staff;
    a->disabled = sqlite3_column_int(st, 5) != 0;
    a->created_at = sq_col_ts(st, 6);
    a->last_signin = sq_col_ts(st, 7);
    return sq_col_copy(st, 0, a->id, sizeof a->id) &&
           sq_col_copy(st, 1, a->email, sizeof a->email) &&
           sq_col_copy(st, 2, a->name, sizeof a->name) &&
           sq_col_copy(st, 3, a->role, sizeof a->role) &&
           sq_col_copy(st, 4, a->password, sizeof a->password);
}

static void bind_staff(sqlite3_stmt *st, const struct rk_staff *a) {
    sq_bind_text(st, 1, a->id);
    sq_bind_text(st, 2, a->email);
    sq_bind_text(st, 3, a->name);
    sq_bind_text(st, 4, a->role);
    sq_bind_text(st, 5, a->password[0] ? a->password : NULL);
    sqlite3_bind_int(st, 6, a->disabled ? 1 : 0);
    sq_bind_ts(st, 7, a->created_at);
    sq_bind_ts(st, 8, a->last_signin);
}

rk_err sq_staff_insert(struct rk_store *base, const struct rk_staff *a) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_STAFF_INSERT, &st);
    if (err != RK_OK)
        return err;
    bind_staff(st, a);
    return sq_step_done(s, st);
}

rk_err sq_staff_get(struct rk_store *base, const char *key, bool by_email, struct rk_staff *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_row(s, by_email ? S_STAFF_BY_EMAIL : S_STAFF_BY_ID, SQ_ARGS(SQ_TEXT(key)),
                  row_to_staff, out);
}

rk_err sq_staff_update(struct rk_store *base, const struct rk_staff *a) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run_one(s, S_STAFF_UPDATE,
                      SQ_ARGS(SQ_TEXT(a->id), SQ_TEXT(a->name), SQ_TEXT(a->role),
                              SQ_TEXT(a->password[0] ? a->password : NULL),
                              SQ_INT(a->disabled ? 1 : 0), SQ_TS(a->last_signin)));
}

struct staff_iter {
    rk_staff_fn fn;
    void *ctx;
};

static int each_staff(void *ctx, sqlite3_stmt *st) {
    struct staff_iter *it = ctx;
    struct rk_staff a;
    if (!row_to_staff(st, &a))
        return -1;
    return it->fn(it->ctx, &a);
}

rk_err sq_staff_list(struct rk_store *base, rk_staff_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct staff_iter it = {fn, ctx};
    return sq_each(s, S_STAFF_LIST, NULL, 0, each_staff, &it);
}

rk_err sq_staff_setup_put(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                          const char *staff_id, rk_ts expires) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run(s, S_STAFF_SETUP_PUT,
                  SQ_ARGS(SQ_BLOB(hash, RK_HASH_LEN), SQ_TEXT(staff_id), SQ_TS(expires)));
}

rk_err sq_staff_setup_get(struct rk_store *base, const unsigned char hash[RK_HASH_LEN], rk_ts now,
                          char staff_id[RK_ID_LEN + 1]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_STAFF_SETUP_GET, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    sq_bind_ts(st, 2, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = sq_col_copy(st, 0, staff_id, RK_ID_LEN + 1) ? RK_OK : sq_overflow(s);
    else
        err = rc == SQLITE_DONE ? RK_ENOENT : sq_fail(s, rc);
    sq_done(st);
    return err;
}

/* Runs statement i with one text (NULL binds nothing) and the number of rows it changed. */
static rk_err run_text(struct sqlite_store *s, enum stmt i, const char *text, int64_t *n) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, i, &st);
    if (err != RK_OK)
        return err;
    if (text)
        sq_bind_text(st, 1, text);
    err = sq_step_done(s, st);
    if (err == RK_OK && n)
        *n = sqlite3_changes(s->db);
    return err;
}

/* Runs statement i with one hash and optionally an instant; RK_ENOENT when no row changed. */
static rk_err run_hash(struct sqlite_store *s, enum stmt i, const unsigned char h[RK_HASH_LEN],
                       rk_ts at) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, i, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, h, RK_HASH_LEN, SQLITE_STATIC);
    if (i == S_STAFF_THROTTLE_LOCK)
        sqlite3_bind_int64(st, 2, at);
    else if (at)
        sq_bind_ts(st, 2, at);
    err = sq_step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

rk_err sq_staff_setup_clear(struct rk_store *base, const char *staff_id) {
    return run_text((struct sqlite_store *)base, S_STAFF_SETUP_CLEAR, staff_id, NULL);
}

rk_err sq_staff_session_put(struct rk_store *base, const struct rk_staff_session *x) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_STAFF_SESSIONS_PRUNE, &st); /* sessions past their absolute end */
    if (err != RK_OK)
        return err;
    sq_bind_ts(st, 1, x->created_at);
    if ((err = sq_step_done(s, st)) != RK_OK ||
        (err = sq_prepare(s, S_STAFF_SESSION_PUT, &st)) != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, x->hash, RK_HASH_LEN, SQLITE_STATIC);
    sq_bind_text(st, 2, x->staff_id);
    sq_bind_ts(st, 3, x->created_at);
    sq_bind_ts(st, 4, x->last_seen);
    sq_bind_ts(st, 5, x->expires_at);
    return sq_step_done(s, st);
}

rk_err sq_staff_session_get(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                            struct rk_staff_session *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_STAFF_SESSION_GET, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memcpy(out->hash, hash, RK_HASH_LEN);
        out->created_at = sq_col_ts(st, 1);
        out->last_seen = sq_col_ts(st, 2);
        out->expires_at = sq_col_ts(st, 3);
        err = sq_col_copy(st, 0, out->staff_id, sizeof out->staff_id) ? RK_OK : sq_overflow(s);
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}

rk_err sq_staff_session_touch(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                              rk_ts at) {
    return run_hash((struct sqlite_store *)base, S_STAFF_SESSION_TOUCH, hash, at);
}

rk_err sq_staff_session_delete(struct rk_store *base, const unsigned char hash[RK_HASH_LEN]) {
    return run_hash((struct sqlite_store *)base, S_STAFF_SESSION_DELETE, hash, 0);
}

rk_err sq_staff_sessions_clear(struct rk_store *base, const char *staff_id, int64_t *n) {
    return run_text((struct sqlite_store *)base,
                    staff_id ? S_STAFF_SESSIONS_CLEAR : S_STAFF_SESSIONS_CLEAR_ALL, staff_id, n);
}

rk_err sq_staff_throttle_get(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                             int64_t *failures, rk_ts *locked_until) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_STAFF_THROTTLE_GET, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, key, RK_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        *failures = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        *locked_until = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    } else {
        err = sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}

rk_err sq_staff_throttle_fail(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                              rk_ts now, rk_ts prune_before, int64_t *failures) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_STAFF_THROTTLE_PRUNE, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, prune_before);
    if ((err = sq_step_done(s, st)) != RK_OK ||
        (err = sq_prepare(s, S_STAFF_THROTTLE_FAIL, &st)) != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, key, RK_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *failures = sqlite3_column_int64(st, 0);
        rc = sqlite3_step(st);
    }
    err = rc == SQLITE_DONE ? RK_OK : sq_fail(s, rc);
    sq_done(st);
    return err;
}

rk_err sq_staff_throttle_lock(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                              rk_ts until) {
    return run_hash((struct sqlite_store *)base, S_STAFF_THROTTLE_LOCK, key, until);
}

rk_err sq_staff_throttle_clear(struct rk_store *base, const unsigned char key[RK_HASH_LEN]) {
    rk_err err = run_hash((struct sqlite_store *)base, S_STAFF_THROTTLE_CLEAR, key, 0);
    return err == RK_ENOENT ? RK_OK : err;
}

rk_err sq_staff_signin_add(struct rk_store *base, const char *staff_id,
                           const struct rk_staff_signin *e) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run(s, S_STAFF_SIGNIN_ADD,
                  SQ_ARGS(SQ_TEXT(staff_id), SQ_TS(e->at), SQ_INT(e->ok ? 1 : 0),
                          SQ_TEXT(e->reason), SQ_TEXT(e->address)));
}

struct signin_iter {
    rk_staff_signin_fn fn;
    void *ctx;
};

static int each_signin(void *ctx, sqlite3_stmt *st) {
    struct signin_iter *it = ctx;
    struct rk_staff_signin e;
    e.at = sq_col_ts(st, 0);
    e.ok = sqlite3_column_int(st, 1) != 0;
    if (!sq_col_copy(st, 2, e.reason, sizeof e.reason) ||
        !sq_col_copy(st, 3, e.address, sizeof e.address))
        return -1;
    return it->fn(it->ctx, &e);
}

rk_err sq_staff_signins(struct rk_store *base, const char *staff_id, int limit,
                        rk_staff_signin_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct signin_iter it = {fn, ctx};
    return sq_each(s, S_STAFF_SIGNINS, SQ_ARGS(SQ_TEXT(staff_id), SQ_INT(limit)), each_signin, &it);
}
