/*
 * regfix.c — the shared register fixture of the unit tests (regfix.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regfix.h"
#include "testutil.h"
#include "views/notice_digest.h"

void rkt_reg_path(const struct rkt_reg *f, const char *name, char *out, size_t n) {
    snprintf(out, n, "%s/%s", f->dir, name);
}

int rkt_reg_setup(void **state, const char *name, const char *decl_path) {
    return rkt_reg_setup_decl(state, name, rkt_load(decl_path));
}

int rkt_reg_setup_decl(void **state, const char *name, struct rk_decl *decl) {
    return rkt_reg_setup_as(state, name, decl, "tester");
}

int rkt_reg_setup_as(void **state, const char *name, struct rk_decl *decl, const char *actor) {
    struct rkt_reg *f = calloc(1, sizeof *f);
    if (!f) {
        rk_decl_free(decl);
        return -1;
    }
    *state = f;
    return rkt_reg_open(f, name, decl, actor);
}

int rkt_reg_open(struct rkt_reg *f, const char *name, struct rk_decl *decl, const char *actor) {
    char path[128];
    struct rk_error err = RK_ERROR_INIT;
    int from = 0, to = 0;
    f->decl = decl;
    snprintf(f->dir, sizeof f->dir, "/tmp/rk-test-%.16s-XXXXXX", name);
    if (rk_crypto_init() != RK_OK || !mkdtemp(f->dir))
        return -1;
    rkt_reg_path(f, "key", path, sizeof path);
    if (rk_keys_create(path, &err) != RK_OK || rk_keys_load(path, &f->keys, &err) != RK_OK) {
        print_error("key: %s\n", err.message);
        return -1;
    }
    rkt_reg_path(f, "t.db", f->location, sizeof f->location);
    if (rkt_backend_pg() &&
        !rkt_pg_schema_new(f->schema, sizeof f->schema, f->location, sizeof f->location))
        return -1;
    struct rk_error serr = RK_ERROR_INIT;
    if (rk_store_open(f->location, NULL, &f->store, &serr) != RK_OK ||
        rk_store_migrate(f->store, &from, &to) != RK_OK) {
        print_error("store: %s\n", f->store ? rk_store_errmsg(f->store) : serr.message);
        return -1;
    }
    const struct rk_store_options small = {.cache_kib = 1024, .mmap_kib = -1};
    if (rk_store_open(f->location, &small, &f->peer, &serr) != RK_OK) {
        print_error("store: %s\n", serr.message);
        return -1;
    }
    if (f->schema[0]) {
        f->pg = PQconnectdb(f->location);
        if (PQstatus(f->pg) != CONNECTION_OK)
            return -1;
    } else {
        if (sqlite3_open_v2(f->location, &f->raw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
            return -1;
        sqlite3_busy_timeout(f->raw, 5000);
    }
    return rk_notice_reg_init(&f->reg, f->decl, f->store, &f->keys, actor) == RK_OK ? 0 : -1;
}

int rkt_reg_teardown(void **state) {
    struct rkt_reg *f = *state;
    if (!f)
        return 0;
    rkt_reg_close(f);
    free(f);
    return 0;
}

void rkt_reg_close(struct rkt_reg *f) {
    sqlite3_close(f->raw);
    f->raw = NULL;
    if (f->pg)
        PQfinish(f->pg);
    f->pg = NULL;
    rk_store_close(f->peer);
    f->peer = NULL;
    rk_store_close(f->store);
    f->store = NULL;
    rk_decl_free(f->decl);
    f->decl = NULL;
    rkt_pg_schema_drop(f->schema);
    f->schema[0] = '\0';
    DIR *d = f->dir[0] ? opendir(f->dir) : NULL;
    for (struct dirent *e; d && (e = readdir(d));) {
        char path[sizeof f->dir + 256 + 2];
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", f->dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    if (f->dir[0])
        rmdir(f->dir);
}

void rkt_must_at(const char *file, int line, rk_err got, const struct rk_error *m) {
    if (got == RK_OK)
        return;
    print_error("%s:%d: %s: %s\n", file, line, rk_err_name(got), m->message);
    _fail(file, line);
}

void rkt_expect_at(const char *file, int line, rk_err got, rk_err want, const struct rk_error *m,
                   const char *fragment) {
    if (got == want && strstr(m->message, fragment))
        return;
    print_error("%s:%d: got %s \"%s\"; want %s with \"%s\"\n", file, line, rk_err_name(got),
                m->message, rk_err_name(want), fragment);
    _fail(file, line);
}

struct rk_error *rkt_clear(struct rk_error *m) {
    *m = (struct rk_error)RK_ERROR_INIT;
    return m;
}

rk_ts rkt_ts(const char *iso) {
    rk_ts t = 0;
    if (!rk_ts_parse(iso, &t))
        fail_msg("bad instant %s", iso);
    return t;
}

struct rk_date rkt_day(const char *iso) {
    struct rk_date d = {0, 0, 0};
    if (!rk_date_parse(iso, &d))
        fail_msg("bad date %s", iso);
    return d;
}

struct rk_census rkt_census(struct rkt_reg *f, const char *person_id) {
    struct rk_census c;
    memset(&c, 0, sizeof c);
    rk_err err = rk_store_census(f->peer, person_id, &c);
    if (err != RK_OK)
        fail_msg("census: %s (%s)", rk_err_name(err), rk_store_errmsg(f->peer));
    return c;
}

struct entries_in {
    const char *reg;
    int field; /* -1: any entry */
    const char *value;
    int64_t n;
};

static int entry_in(void *ctx, const struct rk_entry *e) {
    struct entries_in *c = ctx;
    if (c->reg && strcmp(e->register_id, c->reg) != 0)
        return 0;
    if (c->field >= 0) {
        const char *v = e->v[c->field];
        if (c->value ? !v || strcmp(v, c->value) != 0 : v != NULL)
            return 0;
    }
    c->n++;
    return 0;
}

static int64_t entries_count(struct rkt_reg *f, struct entries_in *c) {
    rk_err err = rk_store_entries_all(f->peer, entry_in, c);
    if (err != RK_OK)
        fail_msg("entries: %s (%s)", rk_err_name(err), rk_store_errmsg(f->peer));
    return c->n;
}

int64_t rkt_entries_in(struct rkt_reg *f, const char *reg) {
    struct entries_in c = {reg, -1, NULL, 0};
    return entries_count(f, &c);
}

int64_t rkt_entries_with(struct rkt_reg *f, const char *reg, enum rk_field field,
                         const char *value) {
    struct entries_in c = {reg, (int)field, value, 0};
    return entries_count(f, &c);
}

int64_t rkt_provenance_count(struct rkt_reg *f, rkt_prov_match match, const void *arg) {
    int64_t total = rkt_census(f, NULL).provenance, seen = 0, n = 0;
    char buf[1024];
    for (int64_t id = 1; seen < total; id++) {
        struct rk_provenance p;
        rk_err err = rk_store_provenance_get(f->peer, id, &p, buf, sizeof buf);
        if (err == RK_ENOENT) {
            if (id > 1000000)
                fail_msg("provenance: %lld rows not found", (long long)(total - seen));
            continue;
        }
        if (err != RK_OK)
            fail_msg("provenance %lld: %s", (long long)id, rk_err_name(err));
        seen++;
        n += match(&p, arg);
    }
    return n;
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

bool rkt_like(const char *t, const char *p) {
    if (!p)
        return true;
    if (!t)
        return false;
    for (; *p; p++, t++) {
        if (*p == '%') {
            for (const char *r = t;; r++) {
                if (rkt_like(r, p + 1))
                    return true;
                if (!*r)
                    return false;
            }
        }
        if (!*t || (*p != '_' && lower((unsigned char)*p) != lower((unsigned char)*t)))
            return false;
    }
    return *t == '\0';
}

void rkt_audit_scan(struct rkt_reg *f, rk_audit_fn fn, void *ctx) {
    rk_err err = rk_store_audit_scan(f->peer, 0, NULL, fn, ctx);
    if (err != RK_OK)
        fail_msg("audit scan: %s (%s)", rk_err_name(err), rk_store_errmsg(f->peer));
}

struct audit_match {
    const char *action, *detail, *mention;
    bool like; /* detail is a pattern */
    int64_t n;
};

static int audit_match(void *ctx, const struct rk_audit_event *e) {
    struct audit_match *m = ctx;
    if (m->mention) {
        m->n += rkt_like(e->actor, m->mention) || rkt_like(e->detail, m->mention);
        return 0;
    }
    bool detail = !m->detail || (m->like ? rkt_like(e->detail, m->detail)
                                         : e->detail && strcmp(e->detail, m->detail) == 0);
    m->n += (!m->action || strcmp(e->action, m->action) == 0) && detail;
    return 0;
}

int64_t rkt_audit_count(struct rkt_reg *f, const char *action, const char *detail) {
    struct audit_match m = {action, detail, NULL, false, 0};
    rkt_audit_scan(f, audit_match, &m);
    return m.n;
}

int64_t rkt_audit_like(struct rkt_reg *f, const char *action, const char *pattern) {
    struct audit_match m = {action, pattern, NULL, true, 0};
    rkt_audit_scan(f, audit_match, &m);
    return m.n;
}

int64_t rkt_audit_mentions(struct rkt_reg *f, const char *pattern) {
    struct audit_match m = {NULL, NULL, pattern, false, 0};
    rkt_audit_scan(f, audit_match, &m);
    return m.n;
}

int64_t rkt_count(struct rkt_reg *f, const char *sql) {
    if (f->pg) {
        PGresult *r = PQexec(f->pg, sql);
        int64_t v = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0
                        ? strtoll(PQgetvalue(r, 0, 0), NULL, 10)
                        : -1;
        PQclear(r);
        return v;
    }
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int64_t rkt_rows_holding(struct rkt_reg *f, const char *table, const char *column,
                         const char *text) {
    char sql[512];
    if (strchr(text, '\'') || strchr(text, '\\'))
        fail_msg("rkt_rows_holding: a quote or backslash in %s", text);
    if (!f->pg) {
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM %s WHERE instr(CAST(%s AS BLOB), CAST('%s' AS BLOB)) > 0",
                 table, column, text);
        return rkt_count(f, sql);
    }
    /* PostgreSQL: bytes (bytea) are searched as bytes, text as text. */
    snprintf(sql, sizeof sql,
             "SELECT CASE WHEN data_type = 'bytea' THEN 1 ELSE 0 END FROM "
             "information_schema.columns WHERE table_schema = current_schema() AND "
             "table_name = '%s' AND column_name = '%s'",
             table, column);
    int64_t bytea = rkt_count(f, sql);
    if (bytea < 0)
        return -1;
    if (bytea)
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM %s WHERE position(convert_to('%s', 'UTF8') IN %s) > 0",
                 table, text, column);
    else
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s WHERE strpos(%s, '%s') > 0", table,
                 column, text);
    return rkt_count(f, sql);
}

void rkt_exec(struct rkt_reg *f, const char *sql) {
    if (f->pg) {
        PGresult *r = PQexec(f->pg, sql);
        bool ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        PQclear(r);
        if (!ok)
            fail_msg("%s: %s", sql, PQerrorMessage(f->pg));
        return;
    }
    char *err = NULL;
    if (sqlite3_exec(f->raw, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err ? err : "?");
    sqlite3_free(err);
}
