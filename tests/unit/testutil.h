/*
 * testutil.h — helpers shared by the cmocka unit tests: loading declarations
 * from the source tree and comparing output with golden files.
 *
 * Include after <setjmp.h>, <stdarg.h>, <stddef.h> and <cmocka.h>.
 */
#ifndef RK_TESTUTIL_H
#define RK_TESTUTIL_H

#include <stddef.h>

#include "decl/decl.h"

/* The whole file at RK_SOURCE_DIR/relpath, NUL-terminated (free()); fails the test if unreadable. */
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

#endif
