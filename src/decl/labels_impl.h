/*
 * labels_impl.h — what labels.c and labels_legal.c share and nobody else needs:
 * the table of Finnish and English pairs, the bit index of a single-bit enum, and
 * the start of a sentence. Deliberately does not include labels.h (the layers
 * check refuses an include cycle between the modules of a folder).
 */
#ifndef RK_LABELS_IMPL_H
#define RK_LABELS_IMPL_H

#include "decl/decl.h"
#include "util/buf.h"

struct pair {
    const char *fi, *en;
};

static inline const char *get(const struct pair *table, unsigned n, unsigned i, enum rk_lang lang) {
    if (i >= n)
        return "?";
    return lang == RK_LANG_FI ? table[i].fi : table[i].en;
}

/* The index of the single bit set in v, or n when v is not one of the n bits. */
static inline unsigned bit_index(unsigned v, unsigned n) {
    for (unsigned i = 0; i < n; i++)
        if (v == 1u << i)
            return i;
    return n;
}

/* Starts a new sentence: a space unless it is the first thing written since start. */
static inline void sentence(struct rk_buf *out, size_t start) {
    if (out->len > start)
        rk_buf_putc(out, ' ');
}

#endif
