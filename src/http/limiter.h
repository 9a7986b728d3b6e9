/*
 * limiter.h — the per-address rate limit of the public routes: a token bucket
 * for each client key (an IPv4 address whole, an IPv6 address by its /64) in a
 * map of fixed capacity, sized once from a memory budget, with idle entries
 * evicted only when that cannot change an answer. Pure but for its mutex and
 * the clock, which the caller passes in; limiter.c holds the design.
 */
#ifndef RK_HTTP_LIMITER_H
#define RK_HTTP_LIMITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "util/err.h"

/* The table's memory budget when the configuration gives none: entries and index together. */
#define RK_LIMITER_BUDGET   ((size_t)8 * 1024 * 1024)
#define RK_LIMITER_HASH_KEY 16 /* bytes of the hash key (crypto_shorthash_KEYBYTES) */

typedef struct rk_limiter rk_limiter;

/* Whom a bucket belongs to: 16 bytes, IPv4 as ::ffff:a.b.c.d, IPv6 as its /64 then zeros. */
struct rk_limiter_key {
    unsigned char b[16];
};

struct rk_limiter_config {
    double rate;   /* tokens a second per key, > 0 */
    double burst;  /* the bucket's size, >= 1: a key unseen for burst/rate seconds has it all */
    size_t budget; /* bytes the table may take; 0: RK_LIMITER_BUDGET */
    /* RK_LIMITER_HASH_KEY bytes keying the hash (tests); NULL: random, once per limiter. */
    const unsigned char *hash_key;
};

enum rk_limit {
    RK_LIMIT_OK,    /* a token was taken */
    RK_LIMIT_EMPTY, /* the key's bucket is empty */
    RK_LIMIT_FULL,  /* the key is new and no entry may be evicted yet (limiter.c, invariant 5) */
};

struct rk_limiter_stats {
    size_t capacity;       /* entries the budget holds */
    size_t used;           /* entries in use (keys seen, not evicted) */
    size_t bytes;          /* memory the limiter holds, all of it allocated at creation */
    unsigned long evicted; /* entries reused for another key */
    unsigned long refused; /* RK_LIMIT_FULL answers */
};

/* The key of a client address (AF_INET, AF_INET6; an IPv4-mapped IPv6 address counts as IPv4);
 * any other family or NULL gives the all-zero key. */
void rk_limiter_key_of(const struct sockaddr *sa, struct rk_limiter_key *out);

/* A limiter under cfg (copied). RK_EINVAL when rate or burst is out of range or the budget
 * cannot hold one entry; RK_ENOMEM; RK_EIO when libsodium cannot be initialised. */
RK_MUST_USE rk_err rk_limiter_new(const struct rk_limiter_config *cfg, rk_limiter **out);

/* Frees l; NULL is a no-op. */
void rk_limiter_free(rk_limiter *l);

/*
 * Takes one token from key's bucket at time now (nanoseconds of a monotonic
 * clock; a time earlier than the key's last one counts as no time passed).
 * On RK_LIMIT_EMPTY and RK_LIMIT_FULL, *wait gets the seconds until a token
 * (or a free entry) will be there. Thread-safe.
 */
enum rk_limit rk_limiter_take(rk_limiter *l, const struct rk_limiter_key *key, int64_t now,
                              double *wait);

/* The limiter's figures (for /metrics and tests). Thread-safe. */
void rk_limiter_stats(rk_limiter *l, struct rk_limiter_stats *out);

/* The index bucket key hashes to, out of the number in *nbuckets: for tests that need
 * two keys sharing a chain. */
size_t rk_limiter_bucket(const rk_limiter *l, const struct rk_limiter_key *key, size_t *nbuckets);

#endif
