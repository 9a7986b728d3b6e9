/*
 * testutil.c — see testutil.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <libpq-fe.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

static char *path_of(const char *relpath) {
    size_t n = strlen(RK_SOURCE_DIR) + strlen(relpath) + 2;
    char *p = malloc(n);
    assert_non_null(p);
    snprintf(p, n, "%s/%s", RK_SOURCE_DIR, relpath);
    return p;
}

char *rkt_read(const char *relpath, size_t *len) {
    char *path = path_of(relpath);
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("cannot open %s", path);
    free(path);
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    assert_non_null(buf);
    size_t r;
    while ((r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

struct rk_decl *rkt_load(const char *relpath) {
    char *path = path_of(relpath);
    struct rk_diags diags;
    rk_diags_init(&diags, path);
    struct rk_decl *d = NULL;
    rk_err rc = rk_decl_load(path, &diags, &d);
    if (rc != RK_OK)
        rk_diags_print(&diags, stderr);
    free(path);
    if (rc != RK_OK)
        fail_msg("declaration %s did not load: %s", relpath, rk_err_str(rc));
    return d;
}

struct rk_decl *rkt_load_example(void) {
    return rkt_load("examples/smartum/declaration.yaml");
}

struct rk_decl *rkt_parse(const char *yaml) {
    struct rk_diags diags;
    rk_diags_init(&diags, "test.yaml");
    struct rk_decl *d = NULL;
    rk_err rc = rk_decl_parse("test.yaml", yaml, strlen(yaml), &diags, &d);
    if (rc != RK_OK) {
        rk_diags_print(&diags, stderr);
        fail_msg("test declaration did not load: %s", rk_err_str(rc));
    }
    return d;
}

const char *rkt_parse_fail(const char *yaml) {
    static char msg[RK_DIAG_MAX * 300];
    struct rk_diags diags;
    rk_diags_init(&diags, "test.yaml");
    struct rk_decl *d = NULL;
    rk_err rc = rk_decl_parse("test.yaml", yaml, strlen(yaml), &diags, &d);
    if (rc == RK_OK) {
        rk_decl_free(d);
        fail_msg("declaration loaded but was expected to fail");
    }
    assert_true(diags.n > 0);
    size_t used = 0;
    for (size_t i = 0; i < diags.n && used < sizeof msg; i++) {
        int w = snprintf(msg + used, sizeof msg - used, "%s%u:%u: %s", i ? "\n" : "",
                         diags.items[i].line, diags.items[i].col, diags.items[i].msg);
        if (w > 0)
            used += (size_t)w;
    }
    return msg;
}

void rkt_golden(const char *name, const char *got, size_t len) {
    size_t n = strlen("tests/golden/") + strlen(name) + 1;
    char *rel = malloc(n);
    assert_non_null(rel);
    snprintf(rel, n, "tests/golden/%s", name);
    const char *update = getenv("RK_UPDATE_GOLDEN");
    if (update && strcmp(update, "1") == 0) {
        char *path = path_of(rel);
        FILE *f = fopen(path, "wb");
        if (!f)
            fail_msg("cannot write %s", path);
        fwrite(got, 1, len, f);
        fclose(f);
        free(path);
        free(rel);
        return;
    }
    size_t wlen;
    char *want = rkt_read(rel, &wlen);
    if (wlen != len || memcmp(want, got, len) != 0) {
        size_t i = 0;
        while (i < len && i < wlen && want[i] == got[i])
            i++;
        fail_msg("output differs from tests/golden/%s at byte %zu (got %zu bytes, want %zu); "
                 "rerun with RK_UPDATE_GOLDEN=1 if the change is intended",
                 name, i, len, wlen);
    }
    free(want);
    free(rel);
}

/* ---- PostgreSQL scratch schemas ------------------------------------------------------ */

bool rkt_backend_pg(void) {
    const char *b = getenv("RK_STORE_BACKEND");
    return b && strcmp(b, "postgres") == 0;
}

/* Runs sql (no values: names the tests made) on a connection of its own to RK_PG_URI. */
static bool pg_admin(const char *sql) {
    const char *uri = getenv("RK_PG_URI");
    if (!uri) {
        fprintf(stderr, "postgres: RK_PG_URI is not set (tests/unit/with_pg.sh sets it)\n");
        return false;
    }
    PGconn *c = PQconnectdb(uri);
    bool ok = PQstatus(c) == CONNECTION_OK;
    if (ok) {
        PGresult *r = PQexec(c, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK;
        PQclear(r);
    }
    if (!ok)
        fprintf(stderr, "postgres: %s", PQerrorMessage(c));
    PQfinish(c);
    return ok;
}

bool rkt_pg_schema_new(char *schema, size_t n, char *location, size_t ln) {
    static int seq;
    char sql[160];
    const char *uri = getenv("RK_PG_URI");
    snprintf(schema, n, "rk_t%ld_%d", (long)getpid(), ++seq);
    snprintf(sql, sizeof sql, "CREATE SCHEMA %s", schema);
    if (!uri || !pg_admin(sql))
        return false;
    snprintf(location, ln, "%s%soptions=-csearch_path%%3D%s", uri, strchr(uri, '?') ? "&" : "?",
             schema);
    return true;
}

void rkt_pg_schema_drop(const char *schema) {
    char sql[160];
    if (!schema || !schema[0])
        return;
    snprintf(sql, sizeof sql, "SET client_min_messages = warning; DROP SCHEMA IF EXISTS %s CASCADE",
             schema);
    (void)pg_admin(sql);
}
