/*
 * test_seal.c — sealing a value to its row (keys/seal.c): a round trip of
 * empty, short and long plaintexts; a fresh nonce each time; and every way an
 * open must fail: another row (each field of the associated data, and fields
 * whose bytes only shift between them), another key, a flipped byte anywhere,
 * a cut or lengthened value, migration 0014's plaintext marker, another
 * version. Plus the subkeys the key file derives for notices and mail: one
 * per use and per generation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "base/id.h"
#include "keys/keys.h"
#include "keys/seal.h"

static unsigned char key[RK_KEY_LEN], other[RK_KEY_LEN];

static int setup(void **state) {
    (void)state;
    if (rk_crypto_init() != RK_OK)
        return -1;
    randombytes_buf(key, sizeof key);
    randombytes_buf(other, sizeof other);
    return 0;
}

/* Seals text for ad under k; the caller frees *out. */
static size_t seal(const unsigned char *k, const struct rk_seal_ad *ad, const char *text,
                   size_t len, unsigned char **out) {
    size_t n = 0;
    assert_int_equal(rk_seal(k, ad, text, len, out, &n), RK_OK);
    assert_int_equal(n, len + RK_SEAL_OVERHEAD);
    return n;
}

/* Whether v opens for ad under k, and to exactly want (len bytes) when it does. */
static rk_err opens(const unsigned char *k, const struct rk_seal_ad *ad, const unsigned char *v,
                    size_t n, const char *want, size_t len) {
    char *plain = NULL;
    size_t got = 0;
    rk_err err = rk_seal_open(k, ad, v, n, &plain, &got);
    if (err == RK_OK) {
        assert_int_equal(got, len);
        assert_memory_equal(plain, want, len);
        assert_int_equal(plain[got], '\0');
    } else {
        assert_null(plain);
    }
    rk_seal_free(plain, got);
    return err;
}

static void round_trip(void **state) {
    (void)state;
    struct rk_seal_ad ad;
    rk_seal_ad_notice(7, "salesforce", "aaaaaaaaaaaaaaaaaaaaaaaaaa", &ad);
    size_t sizes[] = {0, 1, 22, 4096, 200000};
    char *text = malloc(200000);
    assert_non_null(text);
    for (size_t i = 0; i < 200000; i++)
        text[i] = (char)('a' + i % 26);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *v = NULL;
        size_t n = seal(key, &ad, text, sizes[i], &v);
        assert_int_equal(v[0], RK_SEAL_V1);
        assert_int_equal(opens(key, &ad, v, n, text, sizes[i]), RK_OK);
        free(v);
    }
    /* Binary plaintext (NULs inside) comes back whole. */
    unsigned char *v = NULL;
    static const char bin[] = "to@x\0subject\0body\0";
    size_t n = seal(key, &ad, bin, sizeof bin - 1, &v);
    assert_int_equal(opens(key, &ad, v, n, bin, sizeof bin - 1), RK_OK);
    free(v);
    free(text);
    unsigned char *big = NULL;
    size_t big_len = 0;
    char one = 'x';
    assert_int_equal(rk_seal(key, &ad, &one, RK_SEAL_MAX + 1, &big, &big_len), RK_ETOOBIG);
    assert_null(big);
}

/* Two seals of the same value differ (a random nonce each), and neither shows it. */
static void fresh_nonce_no_plaintext(void **state) {
    (void)state;
    struct rk_seal_ad ad;
    static const char email[] = "zygmunt.qwerty@example.org";
    rk_seal_ad_outbox(1, "m1", &ad);
    unsigned char *a = NULL, *b = NULL;
    size_t na = seal(key, &ad, email, sizeof email - 1, &a);
    size_t nb = seal(key, &ad, email, sizeof email - 1, &b);
    assert_int_equal(na, nb);
    assert_true(memcmp(a, b, na) != 0);
    assert_true(memcmp(a + 1, b + 1, RK_SEAL_NONCE_LEN) != 0);
    for (size_t i = 0; i + 6 <= na; i++)
        assert_true(memcmp(a + i, "zygmun", 6) != 0);
    free(a);
    free(b);
}

/* A value sealed for one row does not open for another: each field of the associated data
 * counts, the domain counts, and bytes moved from one field to the next count. */
static void wrong_row_fails(void **state) {
    (void)state;
    struct rk_seal_ad ad, x;
    static const char email[] = "maija@example.fi";
    rk_seal_ad_notice(42, "salesforce", "aaaaaaaaaaaaaaaaaaaaaaaaaa", &ad);
    unsigned char *v = NULL;
    size_t n = seal(key, &ad, email, sizeof email - 1, &v);
    assert_int_equal(opens(key, &ad, v, n, email, sizeof email - 1), RK_OK);
    rk_seal_ad_notice(43, "salesforce", "aaaaaaaaaaaaaaaaaaaaaaaaaa", &x);
    assert_int_equal(opens(key, &x, v, n, email, 0), RK_EPARSE);
    rk_seal_ad_notice(42, "mailchimp", "aaaaaaaaaaaaaaaaaaaaaaaaaa", &x);
    assert_int_equal(opens(key, &x, v, n, email, 0), RK_EPARSE);
    rk_seal_ad_notice(42, "salesforce", "bbbbbbbbbbbbbbbbbbbbbbbbbb", &x);
    assert_int_equal(opens(key, &x, v, n, email, 0), RK_EPARSE);
    rk_seal_ad_notice(42, "salesforc", "eaaaaaaaaaaaaaaaaaaaaaaaaaa", &x); /* shifted */
    assert_int_equal(opens(key, &x, v, n, email, 0), RK_EPARSE);
    rk_seal_ad_notice(42, "salesforce", NULL, &x);
    assert_int_equal(opens(key, &x, v, n, email, 0), RK_EPARSE);
    rk_seal_ad_notice(42, "salesforce", "", &x); /* NULL and "" differ too */
    struct rk_seal_ad y;
    rk_seal_ad_notice(42, "salesforce", NULL, &y);
    assert_true(memcmp(x.h, y.h, sizeof x.h) != 0);
    rk_seal_ad_outbox(42, "salesforce", &x); /* another table, same fields */
    assert_int_equal(opens(key, &x, v, n, email, 0), RK_EPARSE);
    free(v);
    /* The outbox binds the row id and the message id. */
    rk_seal_ad_outbox(5, "aaaaaaaaaaaaaaaaaaaaaaaaaa", &ad);
    n = seal(key, &ad, email, sizeof email - 1, &v);
    rk_seal_ad_outbox(6, "aaaaaaaaaaaaaaaaaaaaaaaaaa", &x);
    assert_int_equal(opens(key, &x, v, n, email, 0), RK_EPARSE);
    rk_seal_ad_outbox(5, "baaaaaaaaaaaaaaaaaaaaaaaaa", &x);
    assert_int_equal(opens(key, &x, v, n, email, 0), RK_EPARSE);
    assert_int_equal(opens(key, &ad, v, n, email, sizeof email - 1), RK_OK);
    free(v);
}

static void wrong_key_fails(void **state) {
    (void)state;
    struct rk_seal_ad ad;
    static const char email[] = "maija@example.fi";
    rk_seal_ad_outbox(9, "m9", &ad);
    unsigned char *v = NULL;
    size_t n = seal(key, &ad, email, sizeof email - 1, &v);
    assert_int_equal(opens(other, &ad, v, n, email, 0), RK_EPARSE);
    free(v);
}

/* Any flipped byte (version, nonce, ciphertext, tag), a cut, an extra byte, the plaintext
 * marker or another version: refused, nothing returned. */
static void tampering_fails(void **state) {
    (void)state;
    struct rk_seal_ad ad;
    static const char email[] = "maija@example.fi";
    rk_seal_ad_notice(1, "salesforce", "p", &ad);
    unsigned char *v = NULL;
    size_t n = seal(key, &ad, email, sizeof email - 1, &v);
    for (size_t i = 0; i < n; i++) {
        v[i] ^= 0x01;
        assert_int_equal(opens(key, &ad, v, n, email, 0), RK_EPARSE);
        v[i] ^= 0x01;
    }
    assert_int_equal(opens(key, &ad, v, n - 1, email, 0), RK_EPARSE);
    unsigned char *longer = malloc(n + 1);
    assert_non_null(longer);
    memcpy(longer, v, n);
    longer[n] = 0;
    assert_int_equal(opens(key, &ad, longer, n + 1, email, 0), RK_EPARSE);
    free(longer);
    assert_int_equal(opens(key, &ad, v, RK_SEAL_OVERHEAD - 1, email, 0), RK_EPARSE);
    assert_int_equal(opens(key, &ad, NULL, 0, email, 0), RK_EPARSE);
    v[0] = RK_SEAL_PLAIN;
    assert_int_equal(opens(key, &ad, v, n, email, 0), RK_EPARSE);
    v[0] = 2;
    assert_int_equal(opens(key, &ad, v, n, email, 0), RK_EPARSE);
    v[0] = RK_SEAL_V1;
    assert_int_equal(opens(key, &ad, v, n, email, sizeof email - 1), RK_OK);
    free(v);
}

/* The notice and outbox subkeys: derived from the master key, distinct from each other and
 * from every other use, and different in each generation. */
static void subkeys_per_use_and_generation(void **state) {
    (void)state;
    struct rk_keygen g1 = {.number = 1}, g2 = {.number = 2};
    randombytes_buf(g1.master, sizeof g1.master);
    randombytes_buf(g2.master, sizeof g2.master);
    struct rk_keys a, b;
    rk_keys_of(&g1, &a);
    rk_keys_of(&g2, &b);
    const unsigned char *uses[] = {a.lookup, a.token, a.links, a.audit, a.backup, a.journal};
    for (size_t i = 0; i < sizeof uses / sizeof uses[0]; i++) {
        assert_true(memcmp(a.notice, uses[i], RK_KEY_LEN) != 0);
        assert_true(memcmp(a.outbox, uses[i], RK_KEY_LEN) != 0);
    }
    assert_true(memcmp(a.notice, a.outbox, RK_KEY_LEN) != 0);
    assert_true(memcmp(a.notice, b.notice, RK_KEY_LEN) != 0);
    assert_true(memcmp(a.outbox, b.outbox, RK_KEY_LEN) != 0);
    unsigned char d[RK_KEY_LEN];
    rk_keys_derive(&g1, RK_SUBKEY_NOTICE, d);
    assert_memory_equal(d, a.notice, RK_KEY_LEN);
    rk_keys_derive(&g1, RK_SUBKEY_OUTBOX, d);
    assert_memory_equal(d, a.outbox, RK_KEY_LEN);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),      cmocka_unit_test(fresh_nonce_no_plaintext),
        cmocka_unit_test(wrong_row_fails), cmocka_unit_test(wrong_key_fails),
        cmocka_unit_test(tampering_fails), cmocka_unit_test(subkeys_per_use_and_generation),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
