/*
 * diag.h — diagnostics: what was wrong with an input, and where.
 *
 * Loaders collect every problem they can find (up to a limit) rather than
 * stopping at the first, so a person fixes a file in one pass. Each entry
 * carries file:line:column (1-based; 0 when the position is unknown) and a
 * complete sentence saying what was found and what was expected.
 */
#ifndef RK_DIAG_H
#define RK_DIAG_H

#include <stddef.h>
#include <stdio.h>

#define RK_DIAG_MAX 50

struct rk_diag {
    unsigned line, col;
    char msg[256];
};

struct rk_diags {
    const char *file; /* borrowed; the name used in messages */
    struct rk_diag items[RK_DIAG_MAX];
    size_t n;
    size_t dropped; /* problems beyond RK_DIAG_MAX */
};

void rk_diags_init(struct rk_diags *d, const char *file);
void rk_diags_add(struct rk_diags *d, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes one "file:line:col: error: msg" line per diagnostic. */
void rk_diags_print(const struct rk_diags *d, FILE *f);

#endif
