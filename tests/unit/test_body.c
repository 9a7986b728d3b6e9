/*
 * test_body.c — the service's JSON request-body parser (src/http/body.c):
 * documents within the limits parse to the same values jansson would give;
 * each limit and each malformation is refused with a message naming line,
 * column and JSON pointer, and never repeating a value; and a body is read
 * only when its Content-Type is application/json.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "http/body.h"

static struct rk_error err = RK_ERROR_INIT;

static json_t *parse_ok(const char *text) {
    json_t *doc = NULL;
    rk_err e = rk_json_parse(text, strlen(text), &doc, &err);
    if (e != RK_OK)
        fail_msg("%s: %s", text, err.message);
    return doc;
}

/* len SIZE_MAX: strlen(text). */
static void refused(const char *text, size_t len, const char *want) {
    json_t *doc = NULL;
    if (len == SIZE_MAX)
        len = strlen(text);
    assert_int_equal(rk_json_parse(text, len, &doc, &err), RK_EPARSE);
    assert_null(doc);
    if (strcmp(err.message, want) != 0)
        fail_msg("got \"%s\", want \"%s\"", err.message, want);
}

static void parses_like_jansson(void **state) {
    (void)state;
    const char *text =
        "{\"a\": [1, -2.5e3, true, false, null], \"b\": \"\\u00e4\\ud83d\\ude00\\n\","
        " \"c\": {}, \"d\": [],  \"e\": 1234567890123}";
    json_t *mine = parse_ok(text);
    json_error_t je;
    json_t *theirs = json_loads(text, 0, &je);
    assert_non_null(theirs);
    assert_true(json_equal(mine, theirs));
    json_decref(mine);
    json_decref(theirs);
}

static void refusals_name_the_place(void **state) {
    (void)state;
    refused("{\"register\":\"a\",\"register\":\"b\"}", SIZE_MAX,
            "line 1, column 17 (at /register): a key appears twice in one object");
    refused("{\n  \"values\": {\"name\": \"\xff\"}}", SIZE_MAX,
            "line 2, column 23: not valid UTF-8");
    refused("{\"values\": {\"email\": tru}}", SIZE_MAX,
            "line 1, column 22 (at /values/email): expected a value (an object, array, text, "
            "number, true, false or null)");
    refused("", SIZE_MAX, "line 1, column 1: the body is empty; expected a JSON document");
    refused("{} x", SIZE_MAX, "line 1, column 4: unexpected text after the JSON document");
    refused("{\"x\": \"\\u0000\"}", SIZE_MAX,
            "line 1, column 8 (at /x): a text holds U+0000, which is "
            "not accepted");
    refused("[\"\\udc00\"]", SIZE_MAX,
            "line 1, column 3 (at /0): a \\u escape is an unpaired surrogate");
    refused("{\"matti@example.fi\": 1,}", SIZE_MAX, "line 1, column 24: expected a key in quotes");
    refused("{\"matti@example.fi\": x}", SIZE_MAX,
            "line 1, column 22 (at /*): expected a value (an object, array, text, number, true, "
            "false or null)");
}

/* Every text value follows the text rule (base/normalize.h), named by its pointer, whether the
 * character is written raw or as a \u escape; line breaks and tabs pass (one-line fields refuse
 * them later, by name), and so do ordinary scripts and emoji. */
static void texts_follow_the_text_rule(void **state) {
    (void)state;
    refused("{\"values\": {\"name\": \"Matti \xe2\x80\xaenenokkiV\"}}", SIZE_MAX,
            "line 1, column 21 (at /values/name): the text contains a direction-control character "
            "(U+061C, U+200E, U+200F, U+202A–U+202E or U+2066–U+2069), which makes the text show "
            "in another order than it is written; remove it");
    refused("{\"values\": {\"name\": \"Matti \\u202enenokkiV\"}}", SIZE_MAX,
            "line 1, column 21 (at /values/name): the text contains a direction-control character "
            "(U+061C, U+200E, U+200F, U+202A–U+202E or U+2066–U+2069), which makes the text show "
            "in another order than it is written; remove it");
    refused("{\"service\": \"Lounas\\u200b\"}", SIZE_MAX,
            "line 1, column 13 (at /service): the text contains an invisible format character "
            "(such as a zero-width space, soft hyphen, byte order mark or tag character); remove "
            "it");
    refused("[\"a\\u0007\"]", SIZE_MAX,
            "line 1, column 2 (at /0): the text contains a control character");
    json_t *doc =
        parse_ok("{\"text\": \"rivi 1\\nrivi 2\\t\", \"name\": \"محمد \xf0\x9f\x91\xa9\xe2\x80\x8d"
                 "\xf0\x9f\x92\xbb 王\"}");
    assert_string_equal(json_string_value(json_object_get(doc, "text")), "rivi 1\nrivi 2\t");
    json_decref(doc);
}

static void limits(void **state) {
    (void)state;
    char buf[8192];
    /* 16 levels parse; 17 do not. */
    memset(buf, '[', 16);
    memset(buf + 16, ']', 16);
    json_decref(parse_ok((buf[32] = '\0', buf)));
    memset(buf, '[', 17);
    memset(buf + 17, ']', 17);
    json_t *doc = NULL;
    assert_int_equal(rk_json_parse(buf, 34, &doc, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, "nested deeper than 16 levels"));
    /* 1000 values parse (the array and 999 numbers); 1001 do not. */
    size_t n = 0;
    buf[n++] = '[';
    for (int i = 0; i < 1000; i++) {
        buf[n++] = '1';
        buf[n++] = ',';
    }
    buf[n - 1] = ']';
    assert_int_equal(rk_json_parse(buf, n, &doc, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, "more than 1000 values"));
    buf[n - 3] = ']';
    json_decref(parse_ok((buf[n - 2] = '\0', buf)));
    /* A text of 4096 bytes parses; 4097 do not, and the message holds none of it. */
    buf[0] = '"';
    memset(buf + 1, 'q', 4096);
    buf[4097] = '"';
    buf[4098] = '\0';
    json_decref(parse_ok(buf));
    buf[4097] = 'q';
    buf[4098] = '"';
    assert_int_equal(rk_json_parse(buf, 4099, &doc, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, "longer than 4096 bytes"));
    assert_null(strstr(err.message, "qq"));
}

/* Staff bodies are read only when sent as application/json (body.c, issue 11 item 6). */
static void media_types(void **state) {
    (void)state;
    const char *json[] = {"application/json",
                          "Application/JSON",
                          "application/json; charset=utf-8",
                          "application/json;charset=UTF-8",
                          "application/json ; charset=\"utf-8\" ",
                          "application/json;"};
    for (size_t i = 0; i < sizeof json / sizeof json[0]; i++)
        if (!rk_http_media_type_is(json[i], "application/json"))
            fail_msg("refused: %s", json[i]);
    const char *other[] = {NULL,
                           "",
                           "text/plain",
                           "application/x-www-form-urlencoded",
                           "multipart/form-data; boundary=x",
                           "application/jsonx",
                           "application/json-patch+json",
                           "application/json; charset=latin1",
                           "application/json; charset=utf-8x",
                           "application/json; boundary=x",
                           "application/json, text/plain",
                           "text/json"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (rk_http_media_type_is(other[i], "application/json"))
            fail_msg("accepted: %s", other[i] ? other[i] : "(none)");
    assert_true(rk_http_media_type_is("text/csv; charset=utf-8", "text/csv"));
    assert_false(rk_http_media_type_is("text/csvx", "text/csv"));
    assert_false(rk_http_media_type_is(NULL, "text/csv"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parses_like_jansson),
        cmocka_unit_test(refusals_name_the_place),
        cmocka_unit_test(limits),
        cmocka_unit_test(texts_follow_the_text_rule),
        cmocka_unit_test(media_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
