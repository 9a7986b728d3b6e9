/*
 * sqlite_stmt.c — the statement helpers of the SQLite backend: errors,
 * lazily prepared cached statements, binding and column helpers, and the
 * run / one-row / each-row steps every method is built from.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/*
 * Maps an SQLite result code to rk_err and remembers the message. A database
 * that cannot be written (disk or file size limit full, read-only file or
 * directory, an I/O error) is RK_ESTORAGE, with the cause named first in the
 * message: the CLI prints it, the service logs it (neither holds personal data).
 */
rk_err sq_fail(struct sqlite_store *s, int rc) {
    const char *why = NULL;
    switch (rc & 0xff) {
    case SQLITE_FULL: why = "disk full"; break;
    case SQLITE_READONLY: why = "read-only"; break;
    case SQLITE_CANTOPEN: why = "a file cannot be opened"; break;
    case SQLITE_IOERR: why = "input/output error"; break;
    default: break;
    }
    int sys = why && s->db ? sqlite3_system_errno(s->db) : 0; /* ENOSPC, EFBIG, EROFS, ... */
    rk_err code;
    switch (rc & 0xff) {
    case SQLITE_NOMEM: code = RK_ENOMEM; break;
    case SQLITE_CONSTRAINT:
        code = rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ? RK_ECONFLICT
                                                                                    : RK_EINVAL;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: code = RK_EBUSY; break;
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR: code = RK_ESTORAGE; break;
    default: code = RK_EIO; break;
    }
    if (why)
        return rk_error_set(
            &s->base.error, code, NULL,
            "the database could not be written (%s%s%s); the transaction was rolled back "
            "(sqlite: %s)",
            why, sys ? ": " : "", sys ? strerror(sys) : "",
            s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    return rk_error_set(&s->base.error, code, NULL, "sqlite: %s",
                        s->db ? sqlite3_errmsg(s->db) : "");
}

rk_err sq_overflow(struct sqlite_store *s) {
    return rk_error_set(&s->base.error, RK_EIO, NULL, "a stored record does not fit its buffer");
}

rk_err sq_prepare(struct sqlite_store *s, enum stmt i, sqlite3_stmt **out) {
    if (!s->stmts[i]) {
        int rc =
            sqlite3_prepare_v3(s->db, sq_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[i], NULL);
        if (rc != SQLITE_OK)
            return sq_fail(s, rc);
    }
    *out = s->stmts[i];
    return RK_OK;
}

void sq_done(sqlite3_stmt *st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* ---- Binding helpers (NULL and 0 bind SQL NULL where noted) ---------------------------- */

void sq_bind_text(sqlite3_stmt *st, int i, const char *v) {
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

void sq_bind_ts(sqlite3_stmt *st, int i, rk_ts t) {
    char buf[RK_TS_LEN + 1];
    if (t == 0) {
        sqlite3_bind_null(st, i);
        return;
    }
    rk_ts_format(t, buf);
    sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
}

void sq_bind_date(sqlite3_stmt *st, int i, struct rk_date d) {
    char buf[11];
    if (d.y == 0) {
        sqlite3_bind_null(st, i);
        return;
    }
    rk_date_iso(d, buf);
    sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
}

void sq_bind_prov(sqlite3_stmt *st, int i, int64_t id) {
    if (id)
        sqlite3_bind_int64(st, i, id);
    else
        sqlite3_bind_null(st, i);
}

/* ---- Column helpers ------------------------------------------------------------------ */

const char *sq_col_text(sqlite3_stmt *st, int i) {
    return (const char *)sqlite3_column_text(st, i);
}

rk_ts sq_col_ts(sqlite3_stmt *st, int i) {
    rk_ts t = 0;
    const char *s = sq_col_text(st, i);
    if (s && !rk_ts_parse(s, &t))
        t = 0;
    return t;
}

struct rk_date sq_col_date(sqlite3_stmt *st, int i) {
    struct rk_date d = {0, 0, 0};
    const char *s = sq_col_text(st, i);
    if (s && !rk_date_parse(s, &d))
        d = (struct rk_date){0, 0, 0};
    return d;
}

/* Copies column i into dst (size n); false when it does not fit. */
bool sq_col_copy(sqlite3_stmt *st, int i, char *dst, size_t n) {
    const char *s = sq_col_text(st, i);
    size_t len = s ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (len >= n)
        return false;
    if (len)
        memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

const char *sq_keep(struct strbuf *b, const char *s, int len) {
    if (!s)
        return NULL;
    if ((size_t)len + 1 > b->left) {
        b->overflow = true;
        return NULL;
    }
    char *out = b->p;
    memcpy(out, s, (size_t)len);
    out[len] = '\0';
    b->p += len + 1;
    b->left -= (size_t)len + 1;
    return out;
}

const char *sq_keep_col(struct strbuf *b, sqlite3_stmt *st, int i) {
    return sq_keep(b, sq_col_text(st, i), sqlite3_column_bytes(st, i));
}

bool sq_row_to_entry(sqlite3_stmt *st, void *entry) {
    struct rk_entry *e = entry;
    /* Columns: see ENTRY_COLS. */
    static const int value_col[RK_F__COUNT] = {3, 5, 8, 11, 13, 15};
    static const int prov_col[RK_F__COUNT] = {4, 7, 10, 12, 14, 16};
    struct strbuf b = {e->buf, sizeof e->buf, false};
    if (!sq_col_copy(st, 0, e->register_id, sizeof e->register_id) ||
        !sq_col_copy(st, 1, e->person_id, sizeof e->person_id))
        return false;
    e->since = sq_col_ts(st, 2);
    for (int f = 0; f < RK_F__COUNT; f++) {
        e->v[f] = sq_keep_col(&b, st, value_col[f]);
        e->prov[f] = sqlite3_column_int64(st, prov_col[f]);
    }
    memset(e->email_hash, 0, RK_HASH_LEN);
    memset(e->phone_hash, 0, RK_HASH_LEN);
    if (sqlite3_column_bytes(st, 6) == RK_HASH_LEN)
        memcpy(e->email_hash, sqlite3_column_blob(st, 6), RK_HASH_LEN);
    if (sqlite3_column_bytes(st, 9) == RK_HASH_LEN)
        memcpy(e->phone_hash, sqlite3_column_blob(st, 9), RK_HASH_LEN);
    return !b.overflow;
}

/* Runs a statement expected to change rows (no result rows). */
rk_err sq_step_done(struct sqlite_store *s, sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    rk_err err = rc == SQLITE_DONE ? RK_OK : sq_fail(s, rc);
    sq_done(st);
    return err;
}

/* Steps through the rows of a query, calling each(ctx, st) per row until it returns non-zero. */
rk_err sq_step_rows(struct sqlite_store *s, sqlite3_stmt *st, int (*each)(void *, sqlite3_stmt *),
                    void *ctx) {
    int rc;
    rk_err err = RK_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int r = each(ctx, st);
        if (r < 0) {
            err = sq_overflow(s);
            break;
        }
        if (r > 0)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = sq_fail(s, rc);
    sq_done(st);
    return err;
}

/* ---- Statements by list: prepare, bind the values in order, step ------------------------ */

static void bind_arg(sqlite3_stmt *st, int i, const struct sq_arg *a) {
    switch (a->kind) {
    case SQ_K_TEXT: sq_bind_text(st, i, a->text); break;
    case SQ_K_TS: sq_bind_ts(st, i, a->ts); break;
    case SQ_K_DATE: sq_bind_date(st, i, a->date); break;
    case SQ_K_INT: sqlite3_bind_int64(st, i, a->i); break;
    case SQ_K_PROV: sq_bind_prov(st, i, a->i); break;
    case SQ_K_BLOB: sqlite3_bind_blob(st, i, a->blob, a->len, SQLITE_STATIC); break;
    case SQ_K_NULL: sqlite3_bind_null(st, i); break;
    }
}

rk_err sq_bound(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n,
                sqlite3_stmt **out) {
    rk_err err = sq_prepare(s, i, out);
    for (size_t k = 0; err == RK_OK && k < n; k++)
        bind_arg(*out, (int)k + 1, &a[k]);
    return err;
}

rk_err sq_run(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_bound(s, i, a, n, &st);
    return err != RK_OK ? err : sq_step_done(s, st);
}

rk_err sq_run_one(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n) {
    rk_err err = sq_run(s, i, a, n);
    return err == RK_OK && sqlite3_changes(s->db) == 0 ? RK_ENOENT : err;
}

rk_err sq_run_count(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n,
                    int64_t *changes) {
    rk_err err = sq_run(s, i, a, n);
    if (err == RK_OK)
        *changes = sqlite3_changes64(s->db);
    return err;
}

bool sq_row_id(sqlite3_stmt *st, void *id) { return sq_col_copy(st, 0, id, RK_ID_LEN + 1); }

rk_err sq_row(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n,
              bool (*row)(sqlite3_stmt *, void *), void *out) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_bound(s, i, a, n, &st);
    if (err != RK_OK)
        return err;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = row(st, out) ? RK_OK : sq_overflow(s);
    else
        err = rc == SQLITE_DONE ? RK_ENOENT : sq_fail(s, rc);
    sq_done(st);
    return err;
}

rk_err sq_int(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n, int64_t *out) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_bound(s, i, a, n, &st);
    if (err != RK_OK)
        return err;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        err = sq_fail(s, rc);
    sq_done(st);
    return err;
}

rk_err sq_each(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n,
               int (*each)(void *, sqlite3_stmt *), void *ctx) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_bound(s, i, a, n, &st);
    return err != RK_OK ? err : sq_step_rows(s, st, each, ctx);
}
