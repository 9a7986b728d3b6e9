/*
 * test_err.c — the status codes' tables and the one error object (util/err.h):
 * setting returns the code, NULL is accepted everywhere, a long message is cut
 * and stays NUL-terminated, the Finnish and the flags live as the design says.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "util/err.h"

static void codes_have_status_and_name(void **state) {
    (void)state;
    assert_int_equal(rk_err_http_status(RK_EINVAL), 400);
    assert_int_equal(rk_err_http_status(RK_ESTORAGE), 503);
    assert_string_equal(rk_err_name(RK_EPARSE), "RK_EPARSE");
    assert_string_equal(rk_err_str(RK_ENOENT), "not found");
    assert_string_equal(rk_err_str(RK_ERR__COUNT), "unknown error");
}

static void set_returns_the_code(void **state) {
    (void)state;
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(e.code, RK_OK);
    assert_string_equal(rk_error_msg(&e), ""); /* nothing failed: nothing to say */
    assert_null(rk_error_fi(&e));
    assert_int_equal(rk_error_set(&e, RK_EINVAL, "email", "the value %s", "has no '@'"),
                     RK_EINVAL);
    assert_int_equal(e.code, RK_EINVAL);
    assert_string_equal(e.where, "email");
    assert_string_equal(e.message, "the value has no '@'");
    assert_string_equal(rk_error_msg(&e), "the value has no '@'");
    rk_error_set_fi(&e, "Sähköpostiosoite %s.", "ei sisällä @-merkkiä");
    assert_string_equal(rk_error_fi(&e), "Sähköpostiosoite ei sisällä @-merkkiä.");
    /* A second failure replaces the first whole: no Finnish of the old one stays. */
    e.flags = 1u;
    assert_int_equal(rk_error_set(&e, RK_ENOENT, NULL, NULL), RK_ENOENT);
    assert_string_equal(e.where, "");
    assert_string_equal(e.message, "");
    assert_null(rk_error_fi(&e));
    assert_string_equal(rk_error_msg(&e), "not found"); /* the code's own message */
    assert_int_equal(e.flags, 1u);                       /* flags are the setter's layer's */
    rk_error_clear(&e);
    assert_int_equal(e.code, RK_OK);
    assert_int_equal(e.flags, 0u);
    assert_string_equal(rk_error_msg(&e), "");
}

static void null_is_accepted(void **state) {
    (void)state;
    assert_int_equal(rk_error_set(NULL, RK_EPARSE, "line 3", "line %d: malformed", 3), RK_EPARSE);
    rk_error_set_fi(NULL, "ei");
    rk_error_clear(NULL);
    assert_string_equal(rk_error_msg(NULL), "");
    assert_null(rk_error_fi(NULL));
}

static void long_text_is_cut(void **state) {
    (void)state;
    char big[2 * RK_ERROR_MSG_MAX];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_error_set(&e, RK_EIO, big, "%s", big), RK_EIO);
    assert_int_equal(strlen(e.message), RK_ERROR_MSG_MAX - 1); /* cut, NUL-terminated */
    assert_int_equal(strlen(e.where), RK_ERROR_WHERE_MAX - 1);
    rk_error_set_fi(&e, "%s", big);
    assert_int_equal(strlen(e.message_fi), RK_ERROR_FI_MAX - 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codes_have_status_and_name),
        cmocka_unit_test(set_returns_the_code),
        cmocka_unit_test(null_is_accepted),
        cmocka_unit_test(long_text_is_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
