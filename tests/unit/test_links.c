/*
 * test_links.c — signed data-subject links: a link made with the key checks
 * back to the same person, purpose and expiry; any changed character, another
 * key, a past expiry or garbage is refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/links.h"

static struct rk_keys keys, other;

static struct rk_link sample(void) {
    struct rk_link l = {.kind = RK_LINK_UNSUBSCRIBE, .expires = 2000000000};
    rk_id_new(l.person_id);
    snprintf(l.purpose, sizeof l.purpose, "sales_promotion");
    return l;
}

static void round_trip(void **state) {
    (void)state;
    struct rk_link l = sample(), got;
    char token[RK_LINK_MAX];
    assert_int_equal(rk_link_make(&keys, &l, token), RK_OK);
    assert_true(strspn(token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
                strlen(token));
    assert_int_equal(rk_link_check(&keys, token, 1900000000, &got), RK_OK);
    assert_int_equal(got.kind, RK_LINK_UNSUBSCRIBE);
    assert_string_equal(got.person_id, l.person_id);
    assert_string_equal(got.purpose, "sales_promotion");
    assert_true(got.expires == l.expires);
}

static void any_change_is_refused(void **state) {
    (void)state;
    struct rk_link l = sample(), got;
    char token[RK_LINK_MAX];
    assert_int_equal(rk_link_make(&keys, &l, token), RK_OK);
    size_t n = strlen(token);
    for (size_t i = 0; i < n; i++) {
        char t[RK_LINK_MAX];
        memcpy(t, token, n + 1);
        t[i] = t[i] == 'A' ? 'B' : 'A';
        rk_err e = rk_link_check(&keys, t, 1900000000, &got);
        /* The last character may only carry padding bits that decode alike. */
        if (i < n - 1)
            assert_int_equal(e, RK_EINVAL);
    }
    assert_int_equal(rk_link_check(&other, token, 1900000000, &got), RK_EINVAL);
}

static void expiry_and_garbage(void **state) {
    (void)state;
    struct rk_link l = sample(), got;
    char token[RK_LINK_MAX];
    assert_int_equal(rk_link_make(&keys, &l, token), RK_OK);
    assert_int_equal(rk_link_check(&keys, token, 2000000000, &got), RK_ENOENT);
    const char *bad[] = {"", "x", "!!!!", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rk_link_check(&keys, bad[i], 0, &got), RK_EINVAL);
    char longer[RK_LINK_MAX * 2];
    memset(longer, 'A', sizeof longer - 1);
    longer[sizeof longer - 1] = '\0';
    assert_int_equal(rk_link_check(&keys, longer, 0, &got), RK_EINVAL);
    l.purpose[0] = '\0';
    assert_int_equal(rk_link_make(&keys, &l, token), RK_EINVAL);
}

int main(void) {
    char dir[] = "/tmp/rk-links-XXXXXX", a[64], b[64];
    struct rk_error err = RK_ERROR_INIT;
    assert_int_equal(rk_crypto_init(), RK_OK);
    assert_non_null(mkdtemp(dir));
    snprintf(a, sizeof a, "%s/a", dir);
    snprintf(b, sizeof b, "%s/b", dir);
    assert_int_equal(rk_keys_create(a, &err), RK_OK);
    assert_int_equal(rk_keys_create(b, &err), RK_OK);
    assert_int_equal(rk_keys_load(a, &keys, &err), RK_OK);
    assert_int_equal(rk_keys_load(b, &other, &err), RK_OK);
    unlink(a);
    unlink(b);
    rmdir(dir);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip),
        cmocka_unit_test(any_change_is_refused),
        cmocka_unit_test(expiry_and_garbage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
