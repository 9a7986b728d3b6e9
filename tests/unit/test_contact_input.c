/*
 * test_contact_input.c — raw contact values becoming struct rk_contact
 * (core/contact_input.c), the one place every edge goes through: each field
 * normalised by its rule into the input's own buffers, fields not given left
 * NULL, the first refusal (in field order) naming the field and the reason
 * without the value; and rk_import_step (core/import.c), the per-record step
 * the CLI's import and the API's share: the header, row counts, refusals and
 * the consent rule.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "core/contact_input.h"
#include "core/import.h"

static void reads_given_fields(void **state) {
    (void)state;
    struct rk_contact_input *in = calloc(1, sizeof *in);
    assert_non_null(in);
    const char *raw[RK_F__COUNT] = {[RK_F_NAME] = "  Maija Meikäläinen ",
                                    [RK_F_EMAIL] = "Maija@Example.FI"};
    assert_int_equal(rk_contact_input_read(in, raw), RK_OK);
    assert_string_equal(in->c.v[RK_F_NAME], "Maija Meikäläinen");
    assert_non_null(in->c.v[RK_F_EMAIL]);
    assert_null(strchr(in->c.v[RK_F_EMAIL], ' '));
    assert_null(in->c.v[RK_F_PHONE]);
    assert_null(in->c.v[RK_F_INTERESTS]);
    free(in);
}

static void refusal_names_field(void **state) {
    (void)state;
    struct rk_contact_input *in = calloc(1, sizeof *in);
    assert_non_null(in);
    const char *raw[RK_F__COUNT] = {[RK_F_NAME] = "Maija", [RK_F_EMAIL] = "no-at-sign",
                                    [RK_F_PHONE] = "not a phone"};
    assert_int_equal(rk_contact_input_read(in, raw), RK_EINVAL);
    assert_int_equal(in->field, RK_F_EMAIL); /* the first in field order */
    assert_string_equal(in->error.where, "email");
    assert_true(in->error.message[0] != '\0');
    assert_null(strstr(in->error.message, "no-at-sign")); /* never the value */
    /* One pair at a time, as the JSON body and the form give them. */
    rk_contact_input_init(in);
    assert_int_equal(rk_contact_input_add(in, RK_F_PHONE, "040 123 4567"), RK_OK);
    assert_string_equal(in->c.v[RK_F_PHONE], "+358401234567");
    assert_int_equal(rk_contact_input_add(in, RK_F_NAME, "   "), RK_EINVAL);
    assert_int_equal(in->field, RK_F_NAME);
    assert_string_equal(rk_error_msg(&in->error), "is empty");
    assert_null(in->c.v[RK_F_NAME]);
    free(in);
}

static void import_steps(void **state) {
    (void)state;
    struct rk_import_reader rd = {.needs_consent = true};
    struct rk_import_row *row = calloc(1, sizeof *row);
    assert_non_null(row);
    struct rk_error e = RK_ERROR_INIT;
    /* The header's CSV fault names the line. */
    assert_int_equal(rk_import_step(&rd, NULL, 0, 1, "has a stray quote", row, &e),
                     RK_IMPORT_BAD_HEADER);
    assert_string_equal(e.message, "line 1: the header has a stray quote");
    const char *header[] = {"name", "email", "consent_at"};
    assert_int_equal(rk_import_step(&rd, header, 3, 1, NULL, row, &e), RK_IMPORT_HEADER);
    assert_true(rd.have_map);
    assert_int_equal(rd.rows, 0);
    const char *good[] = {"Maija", "maija@example.fi", "2025-01-01T00:00:00Z"};
    assert_int_equal(rk_import_step(&rd, good, 3, 2, NULL, row, &e), RK_IMPORT_ROW);
    const char *no_consent[] = {"Matti", "matti@example.fi", ""};
    assert_int_equal(rk_import_step(&rd, no_consent, 3, 3, NULL, row, &e), RK_IMPORT_REJECT);
    assert_string_equal(e.where, "consent_at");
    assert_string_equal(e.message, "no consent recorded for a consent-based purpose");
    assert_int_equal(rk_import_step(&rd, good, 2, 4, NULL, row, &e), RK_IMPORT_REJECT);
    assert_string_equal(e.where, "");
    assert_string_equal(e.message, "has a different number of fields than the header");
    assert_int_equal(rk_import_step(&rd, NULL, 0, 5, "is cut short", row, &e), RK_IMPORT_REJECT);
    assert_string_equal(e.message, "is cut short");
    assert_int_equal(rd.rows, 4);
    free(row);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_given_fields),
        cmocka_unit_test(refusal_names_field),
        cmocka_unit_test(import_steps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
