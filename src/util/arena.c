/*
 * arena.c — blocks of at least 16 KiB chained from the newest; a request
 * larger than a block gets a block of its own.
 */
#include "util/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_SIZE ((size_t)16 * 1024)

struct rk_arena_block {
    struct rk_arena_block *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
};

void rk_arena_init(struct rk_arena *a) { a->head = NULL; }

void rk_arena_cleanup(struct rk_arena *a) {
    struct rk_arena_block *b = a->head;
    while (b) {
        struct rk_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
}

void *rk_arena_alloc(struct rk_arena *a, size_t n) {
    const size_t align = alignof(max_align_t);
    if (n > SIZE_MAX - align)
        return NULL;
    n = (n + align - 1) & ~(align - 1);
    if (n == 0)
        n = align;
    struct rk_arena_block *b = a->head;
    if (!b || b->size - b->used < n) {
        size_t size = n > BLOCK_SIZE ? n : BLOCK_SIZE;
        b = malloc(sizeof *b + size);
        if (!b)
            return NULL;
        b->used = 0;
        b->size = size;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    memset(p, 0, n);
    return p;
}

char *rk_arena_strndup(struct rk_arena *a, const char *s, size_t n) {
    if (n == SIZE_MAX)
        return NULL;
    char *p = rk_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *rk_arena_strdup(struct rk_arena *a, const char *s) {
    return rk_arena_strndup(a, s, strlen(s));
}
