/*
 * pg_stmt.c — the statement helpers of the PostgreSQL backend: errors by
 * SQLSTATE, values bound from a list (text, or binary for blobs), and the
 * run / one-row / each-row steps every method is built from, with the column
 * readers of a text-format result.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

/* ---- Errors --------------------------------------------------------------------------- */

/* The code of a SQLSTATE (see pg.h). */
static rk_err code_of(const char *state) {
    if (!state)
        return RK_ESTORAGE; /* no result: the connection is gone */
    if (strcmp(state, "23505") == 0)
        return RK_ECONFLICT;
    if (strncmp(state, "23", 2) == 0)
        return RK_EINVAL;
    if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 || strcmp(state, "55P03") == 0)
        return RK_EBUSY;
    if (strcmp(state, "53100") == 0 || strncmp(state, "08", 2) == 0 ||
        strcmp(state, "25006") == 0 || strcmp(state, "57P01") == 0)
        return RK_ESTORAGE; /* disk full, connection lost, read-only, shut down */
    if (strcmp(state, "53200") == 0)
        return RK_ENOMEM;
    return RK_EIO;
}

rk_err pg_fail(struct pg_store *s, const PGresult *res) {
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    /* The primary message only: a unique violation's DETAIL would quote the key. */
    const char *msg = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = s->conn ? PQerrorMessage(s->conn) : "no connection";
    rk_err code = code_of(state);
    if (code == RK_ESTORAGE)
        return rk_error_set(&s->base.error, code, NULL,
                            "the database could not be written (%s); the transaction was rolled "
                            "back (postgresql%s%s)",
                            msg, state ? " " : "", state ? state : "");
    return rk_error_set(&s->base.error, code, NULL, "postgresql %s: %s", state ? state : "", msg);
}

rk_err pg_overflow(struct pg_store *s) {
    return rk_error_set(&s->base.error, RK_EIO, NULL, "a stored record does not fit its buffer");
}

/* ---- Running statements ------------------------------------------------------------- */

/* Room for the text of the values of one statement: a number or an instant each. */
#define ARG_TEXT 24
#define MAX_ARGS 40

rk_err pg_exec(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n,
               PGresult **out) {
    const char *values[MAX_ARGS];
    int lengths[MAX_ARGS], formats[MAX_ARGS];
    char text[MAX_ARGS][ARG_TEXT];
    *out = NULL;
    if (n > MAX_ARGS)
        return rk_error_set(&s->base.error, RK_EINVAL, NULL, "a statement has too many values");
    for (size_t k = 0; k < n; k++) {
        values[k] = NULL;
        lengths[k] = 0;
        formats[k] = 0;
        switch (a[k].kind) {
        case PG_K_TEXT: values[k] = a[k].text; break;
        case PG_K_TS:
            if (a[k].ts != 0) {
                rk_ts_format(a[k].ts, text[k]);
                values[k] = text[k];
            }
            break;
        case PG_K_DATE:
            if (a[k].date.y != 0) {
                rk_date_iso(a[k].date, text[k]);
                values[k] = text[k];
            }
            break;
        case PG_K_PROV:
            if (a[k].i == 0)
                break;
            /* fall through */
        case PG_K_INT:
            snprintf(text[k], sizeof text[k], "%lld", (long long)a[k].i);
            values[k] = text[k];
            break;
        case PG_K_BLOB:
            values[k] = a[k].blob ? a[k].blob : "";
            lengths[k] = a[k].len;
            formats[k] = 1;
            break;
        case PG_K_NULL: break;
        }
    }
    /* A read-only handle's statement outside a transaction runs in one of its own, READ
     * ONLY (pg_open.c). */
    bool wrap = s->read_only && !s->in_tx && PQtransactionStatus(s->conn) == PQTRANS_IDLE;
    if (wrap) {
        rk_err err = pg_script(s, "BEGIN READ ONLY");
        if (err != RK_OK)
            return err;
    }
    PGresult *res = PQexecParams(s->conn, sql, (int)n, NULL, values, lengths, formats, 0);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rk_err err = pg_fail(s, res);
        PQclear(res);
        if (wrap)
            PQclear(PQexec(s->conn, "ROLLBACK"));
        return err;
    }
    if (wrap) {
        rk_err err = pg_script(s, "COMMIT");
        if (err != RK_OK) {
            PQclear(res);
            return err;
        }
    }
    *out = res;
    return RK_OK;
}

rk_err pg_script(struct pg_store *s, const char *sql) {
    PGresult *res = PQexec(s->conn, sql);
    ExecStatusType st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    rk_err err = RK_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_EMPTY_QUERY)
        err = pg_fail(s, res);
    PQclear(res);
    return err;
}

static int64_t changed(PGresult *res) {
    const char *t = PQcmdTuples(res);
    return t && *t ? strtoll(t, NULL, 10) : 0;
}

rk_err pg_run(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n) {
    PGresult *res = NULL;
    rk_err err = pg_exec(s, sql, a, n, &res);
    PQclear(res);
    return err;
}

rk_err pg_run_count(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n,
                    int64_t *changes) {
    PGresult *res = NULL;
    rk_err err = pg_exec(s, sql, a, n, &res);
    if (err == RK_OK)
        *changes = changed(res);
    PQclear(res);
    return err;
}

rk_err pg_run_one(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n) {
    int64_t c = 0;
    rk_err err = pg_run_count(s, sql, a, n, &c);
    return err == RK_OK && c == 0 ? RK_ENOENT : err;
}

rk_err pg_row(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n,
              bool (*row)(const struct pg_row *, void *), void *out) {
    PGresult *res = NULL;
    rk_err err = pg_exec(s, sql, a, n, &res);
    if (err != RK_OK)
        return err;
    if (PQntuples(res) == 0)
        err = RK_ENOENT;
    else
        err = row(&(struct pg_row){.res = res, .i = 0}, out) ? RK_OK : pg_overflow(s);
    PQclear(res);
    return err;
}

bool pg_row_id(const struct pg_row *r, void *id) { return pg_col_copy(r, 0, id, RK_ID_LEN + 1); }

rk_err pg_int(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n, int64_t *out) {
    PGresult *res = NULL;
    rk_err err = pg_exec(s, sql, a, n, &res);
    if (err != RK_OK)
        return err;
    if (PQntuples(res) == 0)
        err = rk_error_set(&s->base.error, RK_EIO, NULL, "a count returned no row");
    else
        *out = pg_col_int(&(struct pg_row){.res = res, .i = 0}, 0);
    PQclear(res);
    return err;
}

rk_err pg_each(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n,
               int (*each)(void *, const struct pg_row *), void *ctx) {
    PGresult *res = NULL;
    rk_err err = pg_exec(s, sql, a, n, &res);
    if (err != RK_OK)
        return err;
    int rows = PQntuples(res);
    for (int i = 0; i < rows; i++) {
        int r = each(ctx, &(struct pg_row){.res = res, .i = i});
        if (r < 0) {
            err = pg_overflow(s);
            break;
        }
        if (r > 0)
            break;
    }
    PQclear(res);
    return err;
}

/* ---- Columns ---------------------------------------------------------------------------- */

bool pg_col_null(const struct pg_row *r, int i) { return PQgetisnull(r->res, r->i, i) != 0; }

const char *pg_col_text(const struct pg_row *r, int i) {
    return pg_col_null(r, i) ? NULL : PQgetvalue(r->res, r->i, i);
}

int pg_col_len(const struct pg_row *r, int i) {
    return pg_col_null(r, i) ? 0 : PQgetlength(r->res, r->i, i);
}

int64_t pg_col_int(const struct pg_row *r, int i) {
    const char *t = pg_col_text(r, i);
    if (!t)
        return 0;
    if (strcmp(t, "t") == 0) /* a boolean expression */
        return 1;
    if (strcmp(t, "f") == 0)
        return 0;
    return strtoll(t, NULL, 10);
}

rk_ts pg_col_ts(const struct pg_row *r, int i) {
    rk_ts t = 0;
    const char *v = pg_col_text(r, i);
    if (v && !rk_ts_parse(v, &t))
        t = 0;
    return t;
}

struct rk_date pg_col_date(const struct pg_row *r, int i) {
    struct rk_date d = {0, 0, 0};
    const char *v = pg_col_text(r, i);
    if (v && !rk_date_parse(v, &d))
        d = (struct rk_date){0, 0, 0};
    return d;
}

bool pg_col_copy(const struct pg_row *r, int i, char *dst, size_t n) {
    const char *v = pg_col_text(r, i);
    size_t len = v ? (size_t)pg_col_len(r, i) : 0;
    if (len >= n)
        return false;
    if (len)
        memcpy(dst, v, len);
    dst[len] = '\0';
    return true;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The bytes of a bytea column in hex output ("\x0a1b..."): its length, or -1 when it is
 * not that form. With dst, decodes into it (room for the length). */
static long unhex(const char *v, size_t vlen, unsigned char *dst) {
    if (vlen < 2 || v[0] != '\\' || v[1] != 'x' || (vlen - 2) % 2)
        return -1;
    size_t n = (vlen - 2) / 2;
    for (size_t k = 0; dst && k < n; k++) {
        int hi = hexval(v[2 + 2 * k]), lo = hexval(v[3 + 2 * k]);
        if (hi < 0 || lo < 0)
            return -1;
        dst[k] = (unsigned char)(hi << 4 | lo);
    }
    return (long)n;
}

bool pg_col_blob(const struct pg_row *r, int i, void *dst, size_t n) {
    const char *v = pg_col_text(r, i);
    if (!v)
        return false;
    size_t vlen = (size_t)pg_col_len(r, i);
    if (unhex(v, vlen, NULL) != (long)n)
        return false;
    return unhex(v, vlen, dst) == (long)n;
}

bool pg_col_blob_dup(const struct pg_row *r, int i, unsigned char **out, size_t *len) {
    const char *v = pg_col_text(r, i);
    *out = NULL;
    *len = 0;
    if (!v)
        return false;
    size_t vlen = (size_t)pg_col_len(r, i);
    long n = unhex(v, vlen, NULL);
    if (n < 0)
        return false;
    unsigned char *p = malloc(n ? (size_t)n : 1);
    if (!p || unhex(v, vlen, p) != n) {
        free(p);
        return false;
    }
    *out = p;
    *len = (size_t)n;
    return true;
}

const char *pg_keep(struct pg_strbuf *b, const char *s, int len) {
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

const char *pg_keep_col(struct pg_strbuf *b, const struct pg_row *r, int i) {
    return pg_keep(b, pg_col_text(r, i), pg_col_len(r, i));
}
