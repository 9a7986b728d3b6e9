/*
 * test_consent_script.c — the website's consent manager as the server builds it
 * (http/consent_script.c): the embedded template with the declaration's configuration and
 * version written in, nothing of the marks left, comments stripped at embedding, characters
 * that end a line in older JavaScript escaped, and nothing to build without a cookies: section.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "http/consent_script.h"
#include "fixtures.h"
#include "testutil.h"

static void example_script(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load_example();
    char *js = NULL, *config = NULL, v[RK_CONSENT_VERSION_LEN + 1], cv[RK_CONSENT_VERSION_LEN + 1];
    size_t len = 0;
    assert_int_equal(rk_consent_script_build(d, &js, &len, v), RK_OK);
    assert_int_equal(strlen(js), len);
    assert_int_equal(rk_consent_config(d, &config, cv), RK_OK);
    assert_string_equal(v, cv);
    assert_non_null(strstr(js, config)); /* the configuration as it is hashed */
    char vq[RK_CONSENT_VERSION_LEN + 3];
    snprintf(vq, sizeof vq, "'%s'", v);
    assert_non_null(strstr(js, vq));
    assert_null(strstr(js, "__RK_"));
    assert_null(strstr(js, "\n//")); /* full-line comments stripped at embedding */
    assert_null(strstr(js, "\n "));  /* and indentation */
    assert_null(strstr(js, "eval("));
    assert_null(strstr(js, "innerHTML"));
    assert_true(strncmp(js, "(function", 9) == 0);
    free(config);
    free(js);

    /* U+2028 and U+2029 in the declaration's text reach the script escaped */
    const char *name = d->controller.name;
    d->controller.name = "Line\xe2\x80\xa8Para\xe2\x80\xa9Oy";
    assert_int_equal(rk_consent_script_build(d, &js, &len, v), RK_OK);
    assert_non_null(strstr(js, "\"Line\\u2028Para\\u2029Oy\""));
    assert_null(strstr(js, "\xe2\x80\xa8"));
    free(js);
    d->controller.name = name;
    rk_decl_free(d);
}

static void stylesheet(void **state) {
    (void)state;
    assert_int_equal(strlen(rk_consent_css), rk_consent_css_len);
    assert_true(rk_consent_css_len > 100);
    assert_null(strstr(rk_consent_css, "/*"));
    assert_non_null(strstr(rk_consent_css, ".rkc-ban{"));
    assert_non_null(strstr(rk_consent_css, "position:fixed"));
}

static void no_cookies_section(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(FX_MINIMAL);
    char *js = NULL, v[RK_CONSENT_VERSION_LEN + 1];
    size_t len = 0;
    assert_int_equal(rk_consent_script_build(d, &js, &len, v), RK_ENOENT);
    assert_null(js);
    rk_decl_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example_script),
        cmocka_unit_test(stylesheet),
        cmocka_unit_test(no_cookies_section),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
