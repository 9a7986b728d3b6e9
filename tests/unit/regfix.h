/*
 * regfix.h — the register fixture the unit tests over a real SQLite store
 * share: a key file, a migrated database in a fresh temporary folder, a
 * declaration and the register on top (actor "tester"), plus a second store
 * handle for counting rows through the store's census, a raw SQLite connection
 * for setting traps, and the helpers those tests use with them. With
 * RK_STORE_BACKEND=postgres (tests/unit/with_pg.sh) the database is a schema
 * of its own in RK_PG_URI's PostgreSQL database instead, and the raw
 * connection a libpq one (pg; raw stays NULL).
 *
 * Include after <setjmp.h>, <stdarg.h>, <stddef.h> and <cmocka.h>.
 */
#ifndef RK_REGFIX_H
#define RK_REGFIX_H

#include <libpq-fe.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/keys.h"
#include "core/reg_impl.h"
#include "core/register.h"

struct rkt_reg {
    char dir[64];
    struct rk_keys keys;
    struct rk_store *store;
    struct rk_decl *decl;
    struct rk_reg reg;
    struct rk_store *peer; /* a second handle on the same database: rkt_census counts through
                              it, so it sees what is committed, as another process would */
    sqlite3 *raw;          /* a raw connection to the same database: traps and file-level checks */
    PGconn *pg;            /* on PostgreSQL: the raw connection (raw is NULL) */
    char location[512];    /* what rk_store_open opened: a path, or a PostgreSQL URI */
    char schema[48];       /* on PostgreSQL: the schema of the test */
    struct rk_error msg;   /* for RKT_OK's calls */
};

/* As rkt_reg_setup over decl, which the fixture frees at teardown. */
int rkt_reg_setup_decl(void **state, const char *name, struct rk_decl *decl);
/* As rkt_reg_setup_decl with the register's actor (provenance, audit) actor, not "tester". */
int rkt_reg_setup_as(void **state, const char *name, struct rk_decl *decl, const char *actor);

/* The fixture in place, for a test's own fixture struct that holds a struct rkt_reg among
 * its fields: opens f (zeroed by the caller) as rkt_reg_setup_as does; rkt_reg_close closes
 * it and removes its folder, leaving f itself to the caller. */
int rkt_reg_open(struct rkt_reg *f, const char *name, struct rk_decl *decl, const char *actor);
void rkt_reg_close(struct rkt_reg *f);

/*
 * A cmocka setup: allocates the fixture into *state and opens it over the
 * declaration at RK_SOURCE_DIR/decl_path (database "t.db", key file "key");
 * name goes into the folder's name. 0, or -1 when anything fails.
 */
int rkt_reg_setup(void **state, const char *name, const char *decl_path);

/* The matching teardown: closes everything and removes the folder with every file in it. */
int rkt_reg_teardown(void **state);

/* The path of name inside the fixture's folder. */
void rkt_reg_path(const struct rkt_reg *f, const char *name, char *out, size_t n);

/* Fails the test at file:line unless got is RK_OK, printing the error and m's text. */
void rkt_must_at(const char *file, int line, rk_err got, const struct rk_error *m);
#define RKT_OK(f, call) rkt_must_at(__FILE__, __LINE__, (call), &(f)->msg)

/* Fails the test at file:line unless got is want and m's text holds fragment. */
void rkt_expect_at(const char *file, int line, rk_err got, rk_err want, const struct rk_error *m,
                   const char *fragment);
#define RKT_EXPECT(f, call, want, fragment)                                                        \
    rkt_expect_at(__FILE__, __LINE__, (call), (want), &(f)->msg, (fragment))

/* Empties m and returns it, for a call whose message is then looked at. */
struct rk_error *rkt_clear(struct rk_error *m);

/* An ISO 8601 instant or date; fails the test when it does not parse. */
rk_ts rkt_ts(const char *iso);
struct rk_date rkt_day(const char *iso);

/* The store's census (store.h: struct rk_census) of person_id, or of the whole store when
 * NULL, read through the peer handle (committed rows only); fails the test when the store
 * cannot answer. Count through this, not rkt_count. */
struct rk_census rkt_census(struct rkt_reg *f, const char *person_id);

/* The entries of register reg (every register when NULL), read through the store;
 * rkt_entries_with only those whose field holds value exactly (NULL: holds none). */
int64_t rkt_entries_in(struct rkt_reg *f, const char *reg);
int64_t rkt_entries_with(struct rkt_reg *f, const char *reg, enum rk_field field,
                         const char *value);

/* The provenance rows match accepts, read through provenance_get: ids are the store's
 * positive row ids, probed upward until as many rows as the census counts are seen. */
typedef bool (*rkt_prov_match)(const struct rk_provenance *p, const void *arg);
int64_t rkt_provenance_count(struct rkt_reg *f, rkt_prov_match match, const void *arg);

/*
 * Audit events read through the store (audit_scan on the peer handle). A pattern is SQL LIKE's:
 * '%' any run of characters, '_' one, ASCII letters matched without case; NULL matches all.
 * rkt_audit_count: the events of action (NULL: any) whose detail is detail (NULL: any);
 * rkt_audit_like: the same with detail matched as a pattern. rkt_audit_mentions: the events
 * whose actor or detail matches pattern (personal data must never be there).
 * rkt_audit_scan: calls fn for every event in order, for the checks no count expresses.
 */
int64_t rkt_audit_count(struct rkt_reg *f, const char *action, const char *detail);
int64_t rkt_audit_like(struct rkt_reg *f, const char *action, const char *pattern);
int64_t rkt_audit_mentions(struct rkt_reg *f, const char *pattern);
void rkt_audit_scan(struct rkt_reg *f, rk_audit_fn fn, void *ctx);
bool rkt_like(const char *text, const char *pattern);

/* The first column of the first row of sql on the raw connection (SQLite's or PostgreSQL's);
 * -1 when it fails. Only for the tests whose subject is the SQLite file itself, or values no
 * store op reads yet. */
int64_t rkt_count(struct rkt_reg *f, const char *sql);

/* The rows of table whose column's stored bytes hold text (no quote in it) anywhere: for the
 * tests whose subject is what lies at rest (a sealed value, a secret's hash), on SQLite's
 * file or PostgreSQL's schema alike. -1 when the query fails. */
int64_t rkt_rows_holding(struct rkt_reg *f, const char *table, const char *column,
                         const char *text);

/* Runs sql on the raw connection; fails the test when it fails. */
void rkt_exec(struct rkt_reg *f, const char *sql);

#endif
