/*
 * test_consent_config.c — the consent manager's configuration from the declaration's
 * cookies: section: what it carries, and a version that changes exactly when what visitors
 * are shown changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "views/consent_config.h"
#include "fixtures.h"
#include "testutil.h"

static void example_config(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load_example();
    char *s = NULL, v[RK_CONSENT_VERSION_LEN + 1];
    assert_int_equal(rk_consent_config(d, &s, v), RK_OK);
    assert_int_equal(strlen(v), RK_CONSENT_VERSION_LEN);
    assert_int_equal(strspn(v, "0123456789abcdef"), RK_CONSENT_VERSION_LEN);
    json_error_t err;
    json_t *j = json_loads(s, 0, &err);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(j, "controller")), "Smartum Oy");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "validity"), "n")), 12);
    json_t *cats = json_object_get(j, "categories");
    assert_int_equal(json_array_size(cats), 4);
    assert_true(json_is_true(json_object_get(json_array_get(cats, 0), "essential")));
    json_t *an = json_array_get(cats, 1);
    assert_string_equal(json_string_value(json_object_get(an, "id")), "analytics");
    assert_string_equal(json_string_value(json_array_get(json_object_get(an, "signals"), 0)),
                        "analytics_storage");
    json_t *ga = json_array_get(json_object_get(an, "vendors"), 0);
    assert_string_equal(json_string_value(json_object_get(ga, "country")), "US");
    json_t *ck = json_array_get(json_object_get(ga, "cookies"), 1);
    assert_string_equal(json_string_value(json_object_get(ck, "name")), "_ga_*");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(ck, "lifetime"), "fi")), "2 vuotta");
    /* nothing of the deployment: no URL */
    assert_null(strstr(s, "http"));
    json_decref(j);

    /* the same declaration, the same version */
    char *s2 = NULL, v2[RK_CONSENT_VERSION_LEN + 1];
    assert_int_equal(rk_consent_config(d, &s2, v2), RK_OK);
    assert_string_equal(v, v2);
    free(s2);

    /* a cookie's lifetime changes: the version changes */
    struct rk_duration *lt = &d->cookies.categories[1].vendors[0].cookies[0].lifetime;
    lt->n = 3;
    assert_int_equal(rk_consent_config(d, &s2, v2), RK_OK);
    assert_string_not_equal(v, v2);
    free(s2);
    free(s);
    rk_decl_free(d);
}

static void no_cookies_section(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(FX_MINIMAL);
    char *s = (char *)"x", v[RK_CONSENT_VERSION_LEN + 1];
    assert_int_equal(rk_consent_config(d, &s, v), RK_ENOENT);
    assert_null(s);
    rk_decl_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example_config),
        cmocka_unit_test(no_cookies_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
