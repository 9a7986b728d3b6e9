/*
 * arena.h — a bump allocator for data that lives and dies together.
 *
 * A loaded declaration is many small strings and arrays that are all freed at
 * once; an arena makes that one call and removes a whole class of leaks.
 * Allocation failure returns NULL; nothing is ever freed individually.
 */
#ifndef RK_ARENA_H
#define RK_ARENA_H

#include <stddef.h>

struct rk_arena_block;

struct rk_arena {
    struct rk_arena_block *head;
};

void rk_arena_init(struct rk_arena *a);
void rk_arena_cleanup(struct rk_arena *a);

/* Zeroed memory of n bytes aligned for any type, or NULL when out of memory. */
void *rk_arena_alloc(struct rk_arena *a, size_t n);

/* A copy of the n bytes at s, NUL-terminated, or NULL when out of memory. */
char *rk_arena_strndup(struct rk_arena *a, const char *s, size_t n);
char *rk_arena_strdup(struct rk_arena *a, const char *s);

#endif
