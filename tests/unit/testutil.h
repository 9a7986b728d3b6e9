/*
 * testutil.h — helpers shared by the cmocka unit tests: loading declarations
 * from the source tree and comparing output with golden files.
 *
 * Include after <setjmp.h>, <stdarg.h>, <stddef.h> and <cmocka.h>.
 */
#ifndef RK_TESTUTIL_H
#define RK_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "decl/decl.h"

/* The whole file at RK_SOURCE_DIR/relpath, NUL-terminated (free()); fails the test if unreadable.
 */
char *rkt_read(const char *relpath, size_t *len);

/* Loads RK_SOURCE_DIR/relpath; fails the test (printing the diagnostics) if it does not load. */
struct rk_decl *rkt_load(const char *relpath);

/* The example declaration, examples/smartum/declaration.yaml. */
struct rk_decl *rkt_load_example(void);

/* Parses YAML text; fails the test if it does not load. */
struct rk_decl *rkt_parse(const char *yaml);

/* Parses YAML text expected to fail; returns its diagnostics, one per line,
 * each "line:col: msg", in a static buffer; fails the test if it loads. */
const char *rkt_parse_fail(const char *yaml);

/* Compares len bytes at got with the golden file RK_SOURCE_DIR/tests/golden/name.
 * With RK_UPDATE_GOLDEN=1 in the environment it rewrites the golden file instead. */
void rkt_golden(const char *name, const char *got, size_t len);

/*
 * The backend the store-taking tests run on: PostgreSQL when RK_STORE_BACKEND is
 * "postgres" (tests/unit/with_pg.sh sets it with RK_PG_URI), SQLite otherwise.
 * rkt_pg_schema_new creates an empty schema of its own (name into schema, size n) in
 * RK_PG_URI's database and writes into location (size ln) the URI that puts it first on the
 * search_path; false (with the reason printed) when it cannot. rkt_pg_schema_drop drops it
 * with everything in it.
 */
bool rkt_backend_pg(void);
bool rkt_pg_schema_new(char *schema, size_t n, char *location, size_t ln);
void rkt_pg_schema_drop(const char *schema);

#endif
