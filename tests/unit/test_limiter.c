/*
 * test_limiter.c — the per-address rate limit (src/http/limiter.c): keys that
 * share an index chain never reset each other's bucket; a flood of 100,000
 * distinct addresses stays within the memory budget and is answered right;
 * an evicted entry comes back full only once it would have refilled anyway,
 * so that against an unbounded map of buckets the limiter answers the same.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "http/limiter.h"

#define RATE  5.0
#define BURST 20.0
#define SEC   INT64_C(1000000000)

static const unsigned char hash_key[RK_LIMITER_HASH_KEY] = "rekisteri-test16";

static rk_limiter *make(size_t budget) {
    struct rk_limiter_config cfg = {
        .rate = RATE, .burst = BURST, .budget = budget, .hash_key = hash_key};
    rk_limiter *l = NULL;
    assert_int_equal(rk_limiter_new(&cfg, &l), RK_OK);
    return l;
}

static struct rk_limiter_key v4(uint32_t host_order) {
    struct sockaddr_in sa = {.sin_family = AF_INET};
    sa.sin_addr.s_addr = htonl(host_order);
    struct rk_limiter_key k;
    rk_limiter_key_of((struct sockaddr *)&sa, &k);
    return k;
}

static struct rk_limiter_key v4s(const char *text) {
    struct in_addr a;
    assert_int_equal(inet_pton(AF_INET, text, &a), 1);
    return v4(ntohl(a.s_addr));
}

static struct rk_limiter_key v6s(const char *text) {
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    assert_int_equal(inet_pton(AF_INET6, text, &sa.sin6_addr), 1);
    struct rk_limiter_key k;
    rk_limiter_key_of((struct sockaddr *)&sa, &k);
    return k;
}

static enum rk_limit take(rk_limiter *l, struct rk_limiter_key k, int64_t now) {
    double wait = -1;
    enum rk_limit v = rk_limiter_take(l, &k, now, &wait);
    if (v != RK_LIMIT_OK)
        assert_true(wait > 0);
    return v;
}

/* Two keys alternating at one instant: each gets its burst, and not one token more. */
static void alternate(rk_limiter *l, struct rk_limiter_key a, struct rk_limiter_key b,
                      int64_t now) {
    int ok[2] = {0, 0};
    for (int i = 0; i < 100; i++)
        ok[i % 2] += take(l, i % 2 ? b : a, now) == RK_LIMIT_OK;
    assert_int_equal(ok[0], (int)BURST);
    assert_int_equal(ok[1], (int)BURST);
}

/* The pair of the issue (colliding slots in the old table), then pairs found to share an
 * index chain in this one: never 100 of 100, always 20 each. */
static void colliding_keys_never_reset_each_other(void **state) {
    (void)state;
    rk_limiter *l = make(0);
    alternate(l, v4s("127.0.0.33"), v4s("127.0.1.0"), SEC);
    /* Find three pairs of addresses on one chain (there are nbuckets chains). */
    size_t nb = 0;
    rk_limiter_bucket(l, &(struct rk_limiter_key){{0}}, &nb);
    int pairs = 0;
    for (uint32_t a = 0x0a000000; pairs < 3 && a < 0x0a000000 + 4 * nb; a++) {
        struct rk_limiter_key ka = v4(a);
        size_t ba = rk_limiter_bucket(l, &ka, NULL);
        for (uint32_t b = a + 1; b < a + 2048; b++) {
            struct rk_limiter_key kb = v4(b);
            if (rk_limiter_bucket(l, &kb, NULL) == ba) {
                alternate(l, ka, kb, 2 * SEC);
                pairs++;
                a = b;
                break;
            }
        }
    }
    assert_int_equal(pairs, 3);
    rk_limiter_free(l);

    /* A table of a few entries on fewer chains: every chain holds several keys. */
    l = make(1024);
    struct rk_limiter_stats st;
    rk_limiter_stats(l, &st);
    assert_true(st.capacity >= 4 && st.capacity <= 64);
    for (int round = 0; round < (int)BURST; round++)
        for (uint32_t k = 0; k < st.capacity; k++)
            assert_int_equal(take(l, v4(0xc0000200 + k), SEC), RK_LIMIT_OK);
    for (uint32_t k = 0; k < st.capacity; k++)
        assert_int_equal(take(l, v4(0xc0000200 + k), SEC), RK_LIMIT_EMPTY);
    rk_limiter_free(l);
}

/* IPv4 is keyed whole, IPv6 by its /64; an IPv4-mapped IPv6 address is the IPv4 one. */
static void keys_of_addresses(void **state) {
    (void)state;
    struct rk_limiter_key a = v6s("2001:db8:1:2:aaaa::1"), b = v6s("2001:db8:1:2:bbbb::9"),
                          c = v6s("2001:db8:1:3::1"), m = v6s("::ffff:192.0.2.7"),
                          d = v4s("192.0.2.7"), e = v4s("192.0.2.8");
    assert_memory_equal(a.b, b.b, sizeof a.b);
    assert_memory_not_equal(a.b, c.b, sizeof a.b);
    assert_memory_equal(m.b, d.b, sizeof m.b);
    assert_memory_not_equal(d.b, e.b, sizeof d.b);
    struct rk_limiter_key none;
    rk_limiter_key_of(NULL, &none);
    assert_memory_not_equal(none.b, d.b, sizeof d.b);
    /* One /64 shares one bucket. */
    rk_limiter *l = make(0);
    for (int i = 0; i < (int)BURST; i++)
        assert_int_equal(take(l, i % 2 ? a : b, SEC), RK_LIMIT_OK);
    assert_int_equal(take(l, a, SEC), RK_LIMIT_EMPTY);
    assert_int_equal(take(l, c, SEC), RK_LIMIT_OK);
    rk_limiter_free(l);
}

/* 100,000 distinct addresses: within the default budget (8 MiB) every one is held; in a
 * small budget the table stays at its size, reusing entries that have refilled, and
 * refuses newcomers only while none has. */
static void flood_stays_within_budget(void **state) {
    (void)state;
    rk_limiter *l = make(0);
    struct rk_limiter_stats st;
    for (uint32_t i = 0; i < 100000; i++)
        assert_int_equal(take(l, v4(0x0a000000 + i), SEC), RK_LIMIT_OK);
    rk_limiter_stats(l, &st);
    assert_true(st.bytes <= (size_t)8 * 1024 * 1024);
    assert_true(st.capacity >= 100000);
    assert_int_equal(st.used, 100000);
    assert_int_equal(st.evicted, 0);
    for (uint32_t i = 0; i < 100000; i += 997) /* each still has its burst less one */
        assert_int_equal(take(l, v4(0x0a000000 + i), SEC), RK_LIMIT_OK);
    rk_limiter_free(l);

    /* 64 KiB, and the addresses arriving slowly enough that the idlest is always full
     * again: all answered, none refused, the table at its capacity. */
    const size_t small = (size_t)64 * 1024;
    l = make(small);
    rk_limiter_stats(l, &st);
    const size_t cap = st.capacity;
    assert_true(cap > 100 && cap < 2000);
    const int64_t step = (int64_t)(BURST / RATE * (double)SEC) / (int64_t)cap + 1;
    int64_t now = SEC;
    for (uint32_t i = 0; i < 100000; i++, now += step)
        assert_int_equal(take(l, v4(0x0b000000 + i), now), RK_LIMIT_OK);
    rk_limiter_stats(l, &st);
    assert_true(st.bytes <= small);
    assert_int_equal(st.used, cap);
    assert_int_equal(st.evicted, 100000 - cap);
    assert_int_equal(st.refused, 0);

    /* All at one instant: once the table is full of buckets not yet refilled, newcomers
     * are refused, and the addresses in the table are answered as before. */
    now += 10 * SEC;
    uint32_t ok = 0, full = 0;
    for (uint32_t i = 0; i < 100000; i++) {
        enum rk_limit v = take(l, v4(0x0c000000 + i), now);
        ok += v == RK_LIMIT_OK;
        full += v == RK_LIMIT_FULL;
    }
    assert_int_equal(ok, cap);
    assert_int_equal(full, 100000 - cap);
    rk_limiter_stats(l, &st);
    assert_true(st.bytes <= small);
    assert_int_equal(st.refused, 100000 - cap);
    for (int i = 1; i < (int)BURST; i++) /* the first newcomer still holds its bucket */
        assert_int_equal(take(l, v4(0x0c000000), now), RK_LIMIT_OK);
    assert_int_equal(take(l, v4(0x0c000000), now), RK_LIMIT_EMPTY);
    /* Once the idlest has refilled (burst/rate seconds), a newcomer gets an entry. */
    now += (int64_t)(BURST / RATE * (double)SEC);
    assert_int_equal(take(l, v4(0x0d000000), now), RK_LIMIT_OK);
    rk_limiter_free(l);
}

/* A drained address pushed to the idlest end is not evicted until it has refilled: a
 * newcomer meanwhile is refused; once it is full, the newcomer takes its entry, and the
 * address comes back to a full bucket, as it would have had anyway. */
static void eviction_waits_for_refill(void **state) {
    (void)state;
    rk_limiter *l = make(1024);
    struct rk_limiter_stats st;
    rk_limiter_stats(l, &st);
    const struct rk_limiter_key a = v4s("198.51.100.1");
    int64_t t = 100 * SEC;
    for (int i = 0; i < (int)BURST; i++)
        assert_int_equal(take(l, a, t), RK_LIMIT_OK);
    assert_int_equal(take(l, a, t), RK_LIMIT_EMPTY);
    for (uint32_t k = 1; k < st.capacity; k++) /* the table full; a the idlest */
        assert_int_equal(take(l, v4(0xc6336400 + 1 + k), t), RK_LIMIT_OK);
    double wait = 0;
    struct rk_limiter_key n = v4s("203.0.113.9");
    assert_int_equal(rk_limiter_take(l, &n, t + 3 * SEC, &wait), RK_LIMIT_FULL);
    assert_true(wait > 0.9 && wait < 1.1); /* a is full 4 s after it drained */
    assert_int_equal(rk_limiter_take(l, &n, t + 4 * SEC - 1000, &wait), RK_LIMIT_FULL);
    assert_int_equal(take(l, n, t + 4 * SEC), RK_LIMIT_OK); /* a evicted now */
    rk_limiter_stats(l, &st);
    assert_int_equal(st.evicted, 1);
    /* a returns: a full bucket (the next idlest entry has refilled too, so it gets one). */
    for (int i = 0; i < (int)BURST; i++)
        assert_int_equal(take(l, a, t + 4 * SEC), RK_LIMIT_OK);
    assert_int_equal(take(l, a, t + 4 * SEC), RK_LIMIT_EMPTY);
    rk_limiter_free(l);
}

/* A reference: one bucket per key, never evicted. */
struct model {
    double tokens[64];
    int64_t last[64];
    bool seen[64];
};

static enum rk_limit model_take(struct model *m, int k, int64_t now) {
    if (!m->seen[k]) {
        m->seen[k] = true;
        m->tokens[k] = BURST;
        m->last[k] = now;
    }
    if (now > m->last[k]) {
        m->tokens[k] += (double)(now - m->last[k]) * RATE / 1e9;
        if (m->tokens[k] > BURST)
            m->tokens[k] = BURST;
        m->last[k] = now;
    }
    if (m->tokens[k] >= 1.0) {
        m->tokens[k] -= 1.0;
        return RK_LIMIT_OK;
    }
    return RK_LIMIT_EMPTY;
}

/* Random traffic of 64 addresses through a table of a few entries: every answer but a
 * refused newcomer's is the unbounded model's (eviction changes no answer). */
static void answers_as_an_unbounded_map(void **state) {
    (void)state;
    rk_limiter *l = make(1024);
    struct rk_limiter_stats st;
    rk_limiter_stats(l, &st);
    assert_true(st.capacity < 64);
    struct model m;
    memset(&m, 0, sizeof m);
    uint64_t rnd = 0x9e3779b97f4a7c15u;
    int64_t now = SEC;
    unsigned long answered = 0, refused = 0, empty = 0;
    for (int i = 0; i < 200000; i++) {
        rnd = rnd * 6364136223846793005u + 1442695040888963407u;
        int k = (int)((rnd >> 33) % 64);
        if ((rnd >> 20) % 2 == 0) /* two addresses busier than the rest */
            k = (int)((rnd >> 40) % 2);
        if ((rnd >> 50) % 64 == 0) /* now and then a pause of up to 5 s */
            now += (int64_t)((rnd >> 12) % 5000) * 1000000;
        else /* else 0 to 9 ms */
            now += (int64_t)((rnd >> 12) % 10) * 1000000;
        struct rk_limiter_key key = v4(0x0a0a0000 + (uint32_t)k);
        double wait = 0;
        enum rk_limit got = rk_limiter_take(l, &key, now, &wait);
        if (got == RK_LIMIT_FULL) { /* not admitted: the model is not asked either */
            refused++;
            continue;
        }
        enum rk_limit want = model_take(&m, k, now);
        if (got != want)
            fail_msg("take %d (address %d at %lld ns): %d, the unbounded map says %d", i, k,
                     (long long)now, got, want);
        answered++;
        empty += got == RK_LIMIT_EMPTY;
    }
    rk_limiter_stats(l, &st);
    print_message("%lu answered (%lu empty), %lu refused, %lu evicted\n", answered, empty, refused,
                  st.evicted);
    /* The traffic did exercise eviction, refusals and empty buckets. */
    assert_true(st.evicted > 1000);
    assert_true(refused > 0 && refused < answered);
    assert_true(empty > 1000);
    rk_limiter_free(l);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(colliding_keys_never_reset_each_other),
        cmocka_unit_test(keys_of_addresses),
        cmocka_unit_test(flood_stays_within_budget),
        cmocka_unit_test(eviction_waits_for_refill),
        cmocka_unit_test(answers_as_an_unbounded_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
