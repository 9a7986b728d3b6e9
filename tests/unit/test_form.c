/*
 * test_form.c — the urlencoded body parser (util/form.c): decoding, the
 * refusals with their reasons, and the limits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "util/form.h"

struct pairs {
    int n;
    char text[1024];
};

static int collect(void *ctx, const char *name, const char *value) {
    struct pairs *p = ctx;
    size_t used = strlen(p->text);
    snprintf(p->text + used, sizeof p->text - used, "[%s=%s]", name, value);
    p->n++;
    return 0;
}

static rk_err parse(const char *body, struct pairs *p, struct rk_error *why) {
    memset(p, 0, sizeof *p);
    rk_error_clear(why);
    rk_err rc = rk_form_parse(body, strlen(body), collect, p, why);
    if (rc == RK_EPARSE && strncmp(why->message, "field ", 6) == 0)
        assert_int_equal(strncmp(why->message, why->where, strlen(why->where)), 0); /* "field N" */
    return rc;
}

static void decodes(void **state) {
    (void)state;
    struct pairs p;
    struct rk_error why = RK_ERROR_INIT;
    assert_int_equal(parse("email=matti%40example.fi&name=Matti+Meik%C3%A4l%C3%A4inen", &p, &why),
                     RK_OK);
    assert_string_equal(p.text, "[email=matti@example.fi][name=Matti Meikäläinen]");
    assert_int_equal(parse("a=1&&b&=x&c=", &p, &why), RK_OK);
    assert_string_equal(p.text, "[a=1][b=][=x][c=]");
    assert_int_equal(parse("x=a%3Db%26c", &p, &why), RK_OK);
    assert_string_equal(p.text, "[x=a=b&c]");
    assert_int_equal(parse("", &p, &why), RK_OK);
    assert_int_equal(p.n, 0);
}

static void refuses(void **state) {
    (void)state;
    struct pairs p;
    struct rk_error why = RK_ERROR_INIT;
    assert_int_equal(parse("a=1&x=%zz", &p, &why), RK_EPARSE);
    assert_string_equal(why.message, "field 2: its value has a '%' not followed by two hex digits");
    assert_int_equal(parse("x%4=1", &p, &why), RK_EPARSE);
    assert_non_null(strstr(why.message, "field 1: its name"));
    assert_int_equal(parse("x=%00", &p, &why), RK_EPARSE);
    assert_non_null(strstr(why.message, "NUL"));
    assert_int_equal(parse("x=%ff", &p, &why), RK_EPARSE);
    assert_non_null(strstr(why.message, "UTF-8"));
    char many[1024] = "";
    for (int i = 0; i < RK_FORM_MAX_PAIRS + 1; i++)
        memcpy(many + (size_t)4 * (size_t)i, "a=1&", 5);
    assert_int_equal(parse(many, &p, &why), RK_EPARSE);
    assert_non_null(strstr(why.message, "more than"));
    static char longer[RK_FORM_MAX_VALUE + 16];
    memset(longer, 'a', sizeof longer - 1);
    longer[0] = 'v';
    longer[1] = '=';
    assert_int_equal(parse(longer, &p, &why), RK_EPARSE);
    assert_non_null(strstr(why.message, "too long"));
}

static int stop(void *ctx, const char *name, const char *value) {
    (void)ctx, (void)value;
    return strcmp(name, "bad") == 0;
}

static void callback_stops(void **state) {
    (void)state;
    assert_int_equal(rk_form_parse("a=1&bad=2&c=3", 13, stop, NULL, NULL), RK_EREFUSED);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes),
        cmocka_unit_test(refuses),
        cmocka_unit_test(callback_stops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
