/*
 * diag.c — collecting and printing diagnostics.
 */
#include "util/diag.h"

#include <stdarg.h>

void rk_diags_init(struct rk_diags *d, const char *file) {
    d->file = file;
    d->n = 0;
    d->dropped = 0;
}

void rk_diags_add(struct rk_diags *d, unsigned line, unsigned col, const char *fmt, ...) {
    if (d->n == RK_DIAG_MAX) {
        d->dropped++;
        return;
    }
    struct rk_diag *e = &d->items[d->n++];
    e->line = line;
    e->col = col;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
}

void rk_diags_print(const struct rk_diags *d, FILE *f) {
    for (size_t i = 0; i < d->n; i++) {
        const struct rk_diag *e = &d->items[i];
        if (e->line)
            fprintf(f, "%s:%u:%u: error: %s\n", d->file, e->line, e->col, e->msg);
        else
            fprintf(f, "%s: error: %s\n", d->file, e->msg);
    }
    if (d->dropped)
        fprintf(f, "%s: error: %zu more problems not shown\n", d->file, d->dropped);
}
