/*
 * limiter.c — per-key token buckets in a hash map of fixed capacity, for the
 * rate limit of the public routes (server.c keys them by client address). The
 * map is allocated once from a memory budget and never grows; when it is full
 * an idle entry is reused, but only one whose bucket would be full again by
 * now, so eviction never changes an answer. The clock is the caller's.
 *
 * Design
 *
 * The map: entries[1..capacity] (key, tokens, last touch, links), an index of
 * nbuckets chain heads (a power of two, at most capacity, so a chain holds under
 * two entries on average), and one list through all entries in use ordered by
 * last touch (entries[0] is its sentinel: next is the idlest, prev the latest).
 * Entry number 0 means "none" everywhere, so a zeroed allocation is an empty map.
 * A key's bucket is SipHash-2-4 (crypto_shorthash) of the key under a hash key
 * drawn at random per limiter.
 *
 * Invariants
 *  1. An entry is found only by comparing its whole key: keys sharing a chain are
 *     separate entries, and one key can never reset, refill or drain another's
 *     bucket. (The table this replaces hashed addresses into slots and reset a
 *     slot when its owner differed, so two colliding addresses taking turns each
 *     found a full bucket: issue 11, item 2.)
 *  2. All memory is allocated by rk_limiter_new: at most the budget, however many
 *     keys are seen.
 *  3. Every entry in use is on the touch list, in the order of its last touch
 *     (the order threads took the lock; their clocks, read before it, may differ
 *     by the time the lock took, which changes which entry is looked at first and
 *     nothing else).
 *  4. Eviction changes no answer. An entry is reused only when its bucket would be
 *     full by now (tokens + (now - last) * rate >= burst): the state a new entry
 *     starts in. A key whose entry was reused therefore comes back to the bucket
 *     it would have had had it been kept; the limiter answers as an unbounded map
 *     would. Every entry is full again at most burst/rate seconds after its last
 *     touch (4 s at the service's defaults).
 *  5. When the idlest entry is not yet full, a key not in the map is refused
 *     (RK_LIMIT_FULL, with the time until the idlest is full) rather than given a
 *     bucket that evicting someone else's would pay for. That needs more than
 *     capacity distinct keys within burst/rate seconds: at the 8 MiB budget
 *     (about 160,000 entries) and the default rate, over 40,000 new addresses a
 *     second, more new connections than the service's connection limit admits.
 *     Keys already in the map are answered as before; refusals are counted.
 *
 * Threats
 *  - Addresses chosen to collide: the hash key is secret, and (1) makes a
 *    collision cost a comparison, not a bucket.
 *  - A flood of distinct addresses to exhaust memory: (2).
 *  - Many addresses used to evict one's own entry and come back full: (4).
 *  - An IPv6 host rotating its interface identifier: its /64 is one key.
 */
#include "http/limiter.h"

#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <netinet/in.h>
#include <sodium.h>

struct entry {
    unsigned char key[16];
    int64_t last;        /* ns: the last touch */
    double tokens;       /* at last */
    uint32_t chain;      /* the next entry in this entry's index chain; 0: none */
    uint32_t prev, next; /* the touch list */
    uint32_t bucket;     /* the index chain it is on */
};

struct rk_limiter {
    pthread_mutex_t lock;
    double rate, burst;
    unsigned char hash_key[RK_LIMITER_HASH_KEY];
    size_t capacity, used, nbuckets, bytes;
    unsigned long evicted, refused;
    uint32_t *buckets;     /* nbuckets chain heads */
    struct entry *entries; /* capacity + 1; entries[0] is the touch list's sentinel */
};

_Static_assert(sizeof(struct entry) == 48, "an entry is 48 bytes: the budget assumes so");
_Static_assert(RK_LIMITER_HASH_KEY == crypto_shorthash_KEYBYTES, "SipHash takes 16-byte keys");

void rk_limiter_key_of(const struct sockaddr *sa, struct rk_limiter_key *out) {
    memset(out, 0, sizeof *out);
    if (!sa)
        return;
    if (sa->sa_family == AF_INET) {
        out->b[10] = out->b[11] = 0xff;
        memcpy(out->b + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
    } else if (sa->sa_family == AF_INET6) {
        const unsigned char *a = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        memcpy(out->b, a, memcmp(a, mapped, sizeof mapped) == 0 ? 16 : 8);
    }
}

rk_err rk_limiter_new(const struct rk_limiter_config *cfg, rk_limiter **out) {
    if (!(cfg->rate > 0) || !(cfg->burst >= 1) || !isfinite(cfg->rate) || !isfinite(cfg->burst))
        return RK_EINVAL;
    size_t budget = cfg->budget ? cfg->budget : RK_LIMITER_BUDGET;
    /* One entry per key, one chain head per index bucket; entries[0] is the sentinel. */
    size_t fixed = sizeof(struct rk_limiter) + sizeof(struct entry);
    if (budget < fixed + sizeof(struct entry) + sizeof(uint32_t))
        return RK_EINVAL;
    size_t capacity = (budget - fixed) / (sizeof(struct entry) + sizeof(uint32_t));
    if (capacity > UINT32_MAX - 1)
        capacity = UINT32_MAX - 1;
    size_t nbuckets = 1;
    while (nbuckets * 2 <= capacity)
        nbuckets *= 2;
    if (sodium_init() < 0)
        return RK_EIO;
    rk_limiter *l = calloc(1, sizeof *l);
    if (!l)
        return RK_ENOMEM;
    pthread_mutex_init(&l->lock, NULL);
    /* Zeroed memory is an empty map (entry 0 means none): the pages are touched only as
     * keys arrive. */
    l->entries = calloc(capacity + 1, sizeof *l->entries);
    l->buckets = calloc(nbuckets, sizeof *l->buckets);
    if (!l->entries || !l->buckets) {
        rk_limiter_free(l);
        return RK_ENOMEM;
    }
    l->rate = cfg->rate;
    l->burst = cfg->burst;
    if (cfg->hash_key)
        memcpy(l->hash_key, cfg->hash_key, sizeof l->hash_key);
    else
        randombytes_buf(l->hash_key, sizeof l->hash_key);
    l->capacity = capacity;
    l->nbuckets = nbuckets;
    l->bytes = sizeof *l + (capacity + 1) * sizeof *l->entries + nbuckets * sizeof *l->buckets;
    *out = l;
    return RK_OK;
}

void rk_limiter_free(rk_limiter *l) {
    if (!l)
        return;
    pthread_mutex_destroy(&l->lock);
    free(l->entries);
    free(l->buckets);
    free(l);
}

size_t rk_limiter_bucket(const rk_limiter *l, const struct rk_limiter_key *key, size_t *nbuckets) {
    unsigned char h[crypto_shorthash_BYTES];
    crypto_shorthash(h, key->b, sizeof key->b, l->hash_key);
    uint64_t v;
    memcpy(&v, h, sizeof v);
    if (nbuckets)
        *nbuckets = l->nbuckets;
    return (size_t)(v & (l->nbuckets - 1));
}

/* The touch list: unlink entry i, and link it as the latest. */
static void unlink_touch(struct entry *e, uint32_t i) {
    e[e[i].prev].next = e[i].next;
    e[e[i].next].prev = e[i].prev;
}

static void link_latest(struct entry *e, uint32_t i) {
    e[i].prev = e[0].prev;
    e[i].next = 0;
    e[e[0].prev].next = i;
    e[0].prev = i;
}

/* Takes entry i off its index chain. */
static void unlink_chain(rk_limiter *l, uint32_t i) {
    uint32_t *p = &l->buckets[l->entries[i].bucket];
    while (*p != i)
        p = &l->entries[*p].chain;
    *p = l->entries[i].chain;
}

/* The tokens entry i holds at now (its bucket refilled since its last touch). */
static double tokens_at(const rk_limiter *l, const struct entry *en, int64_t now) {
    if (now <= en->last)
        return en->tokens;
    double t = en->tokens + (double)(now - en->last) * l->rate / 1e9;
    return t > l->burst ? l->burst : t;
}

enum rk_limit rk_limiter_take(rk_limiter *l, const struct rk_limiter_key *key, int64_t now,
                              double *wait) {
    size_t b = rk_limiter_bucket(l, key, NULL);
    pthread_mutex_lock(&l->lock);
    struct entry *e = l->entries;
    uint32_t i = l->buckets[b];
    while (i && memcmp(e[i].key, key->b, sizeof key->b) != 0)
        i = e[i].chain;
    if (i) { /* known: refill since the last touch */
        e[i].tokens = tokens_at(l, &e[i], now);
        if (now > e[i].last)
            e[i].last = now;
        unlink_touch(e, i);
    } else {
        if (l->used < l->capacity) {
            i = (uint32_t)++l->used;
        } else { /* reuse the idlest entry, only when that changes no answer (invariant 4) */
            i = e[0].next;
            double missing = l->burst - tokens_at(l, &e[i], now);
            if (missing > 0) {
                l->refused++;
                *wait = missing / l->rate;
                pthread_mutex_unlock(&l->lock);
                return RK_LIMIT_FULL;
            }
            unlink_chain(l, i);
            unlink_touch(e, i);
            l->evicted++;
        }
        memcpy(e[i].key, key->b, sizeof key->b);
        e[i].tokens = l->burst;
        e[i].last = now;
        e[i].bucket = (uint32_t)b;
        e[i].chain = l->buckets[b];
        l->buckets[b] = i;
    }
    link_latest(e, i);
    enum rk_limit verdict = RK_LIMIT_OK;
    if (e[i].tokens >= 1.0) {
        e[i].tokens -= 1.0;
    } else {
        *wait = (1.0 - e[i].tokens) / l->rate;
        verdict = RK_LIMIT_EMPTY;
    }
    pthread_mutex_unlock(&l->lock);
    return verdict;
}

void rk_limiter_stats(rk_limiter *l, struct rk_limiter_stats *out) {
    pthread_mutex_lock(&l->lock);
    out->capacity = l->capacity;
    out->used = l->used;
    out->bytes = l->bytes;
    out->evicted = l->evicted;
    out->refused = l->refused;
    pthread_mutex_unlock(&l->lock);
}
