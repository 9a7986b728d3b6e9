/*
 * test_consent_log.c — the cookie-consent log's rules and body reader (core/cookie_log.c,
 * http/consent_log.c): consent ids, actions and versions; which choices fit which action;
 * the retention cut-off; every refusal of rk_consent_log_parse with its code and field and
 * without repeating a value; the stored choices' text; recording the declaration's version
 * once; a consent id's document (CLI and API) with the text of its version; and today's
 * counts on the controller's local day around midnight.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/tz.h"
#include "views/consent_config.h"
#include "http/consent_log.h"
#include "views/records_json.h"
#include "regfix.h"
#include "testutil.h"
#include "core/cookie_log.h"

static const char *const ID = "AbCdEfGhIjKlMnOpQrStUv";
static const char *const V = "0123456789abcdef";

static void ids_actions_versions(void **state) {
    (void)state;
    assert_true(rk_cookie_id_valid(ID, 22));
    assert_true(rk_cookie_id_valid("a-b_c0123456789012345678", 24));
    assert_false(rk_cookie_id_valid(ID, 21)); /* too short */
    char long_id[66];
    memset(long_id, 'a', 65);
    long_id[65] = '\0';
    assert_true(rk_cookie_id_valid(long_id, 64));
    assert_false(rk_cookie_id_valid(long_id, 65));
    assert_false(rk_cookie_id_valid("AbCdEfGhIjKlMnOpQrStU=", 22));
    assert_false(rk_cookie_id_valid("AbCdEfGhIjKlMnOpQrSt\xc3\xa4", 22));
    assert_true(rk_cookie_version_valid(V, 16));
    assert_false(rk_cookie_version_valid("0123456789ABCDEF", 16));
    assert_false(rk_cookie_version_valid(V, 15));
    for (int a = 0; a < RK_COOKIE__COUNT; a++) {
        enum rk_cookie_action back;
        const char *id = rk_cookie_action_id((enum rk_cookie_action)a);
        assert_true(rk_cookie_action_parse(id, strlen(id), &back));
        assert_int_equal(back, a);
    }
    enum rk_cookie_action x;
    assert_false(rk_cookie_action_parse("accept", 6, &x));
    assert_false(rk_cookie_action_parse("accept_all_", 11, &x));
}

static void choices_fit_action(void **state) {
    (void)state;
    const bool all[3] = {true, true, true}, none[3] = {false, false, false},
               some[3] = {true, false, false};
    struct rk_error why = RK_ERROR_INIT;
    assert_true(rk_cookie_choices_fit(RK_COOKIE_ACCEPT_ALL, all, 3, &why));
    assert_false(rk_cookie_choices_fit(RK_COOKIE_ACCEPT_ALL, some, 3, &why));
    assert_string_equal(why.message, "accept_all grants every category: each choice must be true");
    assert_string_equal(why.where, "choices");
    assert_non_null(strstr(why.message, "accept_all"));
    assert_true(rk_cookie_choices_fit(RK_COOKIE_REJECT_ALL, none, 3, &why));
    assert_false(rk_cookie_choices_fit(RK_COOKIE_REJECT_ALL, some, 3, &why));
    assert_true(rk_cookie_choices_fit(RK_COOKIE_CUSTOM, some, 3, &why));
    assert_true(rk_cookie_choices_fit(RK_COOKIE_CUSTOM, none, 3, &why));
    assert_true(rk_cookie_choices_fit(RK_COOKIE_WITHDRAW, some, 3, &why));
    assert_true(rk_cookie_choices_fit(RK_COOKIE_WITHDRAW, none, 3, &why));
}

static void retention_cutoff(void **state) {
    (void)state;
    struct rk_cookies ck = {.declared = true}; /* log_retention not given: 3 years */
    assert_true(rk_cookie_log_cutoff(&ck, rkt_ts("2029-12-07T10:00:00Z")) ==
                rkt_ts("2026-12-07T10:00:00Z"));
    ck.log_retention = (struct rk_duration){13, 'm'};
    assert_true(rk_cookie_log_cutoff(&ck, rkt_ts("2027-03-31T00:00:00Z")) ==
                rkt_ts("2026-02-28T00:00:00Z")); /* the month's last day */
}

/* ---- The body -------------------------------------------------------------------------------- */

static struct rk_decl *example;

static int load(void **state) {
    (void)state;
    example = rkt_load_example();
    return example ? 0 : -1;
}

static int unload(void **state) {
    (void)state;
    rk_decl_free(example);
    return 0;
}

static rk_err parse(const char *body, struct rk_cookie_choice *c, struct rk_consent_log_fault *f) {
    return rk_consent_log_parse(&example->cookies, body, strlen(body), c, f);
}

static void accepted(void **state) {
    (void)state;
    struct rk_cookie_choice c;
    struct rk_consent_log_fault f;
    char body[600];
    snprintf(body, sizeof body,
             "{\"gpc\":true,\"lang\":\"en\",\"version\":\"%s\",\"choices\":{\"marketing\":false,"
             "\"essential\":true,\"content_feedback\":true,\"analytics\":false},"
             "\"action\":\"custom\",\"consent_id\":\"%s\"}",
             V, ID);
    assert_int_equal(parse(body, &c, &f), RK_OK);
    assert_string_equal(c.consent_id, ID);
    assert_int_equal(c.action, RK_COOKIE_CUSTOM);
    assert_string_equal(c.version, V);
    assert_int_equal(c.lang, RK_LANG_EN);
    assert_true(c.gpc);
    assert_true(c.at == 0); /* the server sets it */
    /* every non-essential category, in the declaration's order, the essential one left out */
    assert_string_equal(c.choices,
                        "{\"analytics\":false,\"content_feedback\":true,\"marketing\":false}");
}

/* The refusal of body: its code and field, and a message not holding the marker. */
static void refused_at(const char *file, int line, const char *body, const char *code,
                       const char *field) {
    struct rk_cookie_choice c;
    struct rk_consent_log_fault f;
    rk_err err = parse(body, &c, &f);
    if (err != RK_EPARSE || !f.code || strcmp(f.code, code) != 0 || strcmp(f.field, field) != 0)
        fail_msg("%s:%d: want %s at '%s', got %d %s at '%s': %s", file, line, code, field, err,
                 f.code ? f.code : "-", f.field, f.message);
    assert_null(strstr(f.message, "MARKER"));
    assert_true(f.message[0] != '\0');
}
#define REFUSED(body, code, field) refused_at(__FILE__, __LINE__, body, code, field)

#define BODY(id, action, choices, version, lang, gpc)                                              \
    "{\"consent_id\":\"" id "\",\"action\":\"" action "\",\"choices\":" choices                    \
    ",\"version\":\"" version "\",\"lang\":\"" lang "\",\"gpc\":" gpc "}"
#define NONE "{\"analytics\":false,\"content_feedback\":false,\"marketing\":false}"
#define GOOD_ID "AbCdEfGhIjKlMnOpQrStUv"
#define GOOD_V "0123456789abcdef"

static void refusals(void **state) {
    (void)state;
    REFUSED("{\"consent_id\":", "bad_json", "");
    REFUSED("[\"MARKER\"]", "bad_json", "");
    REFUSED("{\"consent_id\":\"MARKER\\u0001\"}", "bad_json", "");
    REFUSED("{\"MARKER\":1}", "unknown_member", "");        /* not shown: not an identifier */
    REFUSED("{\"ip\":\"1.2.3.4\"}", "unknown_member", "ip"); /* named: a short identifier */
    REFUSED("{\"consent_id\":\"" GOOD_ID "\"}", "missing_member", "action");
    REFUSED(BODY("MARKER", "custom", NONE, GOOD_V, "fi", "false"), "bad_consent_id", "consent_id");
    REFUSED("{\"consent_id\":7,\"action\":\"custom\",\"choices\":" NONE ",\"version\":\"" GOOD_V
            "\",\"lang\":\"fi\",\"gpc\":false}",
            "bad_consent_id", "consent_id");
    REFUSED(BODY(GOOD_ID, "MARKER", NONE, GOOD_V, "fi", "false"), "bad_action", "action");
    REFUSED(BODY(GOOD_ID, "custom", NONE, "MARKER", "fi", "false"), "bad_version", "version");
    REFUSED(BODY(GOOD_ID, "custom", NONE, GOOD_V, "sv", "false"), "bad_lang", "lang");
    REFUSED(BODY(GOOD_ID, "custom", NONE, GOOD_V, "fi", "\"no\""), "bad_gpc", "gpc");
    REFUSED(BODY(GOOD_ID, "custom", "[]", GOOD_V, "fi", "false"), "bad_choices", "choices");
    REFUSED(BODY(GOOD_ID, "custom",
                 "{\"analytics\":false,\"content_feedback\":false,\"marketing\":false,"
                 "\"MARKER\":true}",
                 GOOD_V, "fi", "false"),
            "unknown_category", "choices");
    REFUSED(BODY(GOOD_ID, "custom", "{\"analytics\":false,\"content_feedback\":false}", GOOD_V,
                 "fi", "false"),
            "missing_category", "choices");
    REFUSED(BODY(GOOD_ID, "custom",
                 "{\"analytics\":1,\"content_feedback\":false,\"marketing\":false}", GOOD_V, "fi",
                 "false"),
            "bad_choices", "choices/analytics");
    REFUSED(BODY(GOOD_ID, "custom",
                 "{\"essential\":false,\"analytics\":false,\"content_feedback\":false,"
                 "\"marketing\":false}",
                 GOOD_V, "fi", "false"),
            "bad_choices", "choices/essential");
    REFUSED(BODY(GOOD_ID, "accept_all",
                 "{\"analytics\":true,\"content_feedback\":false,\"marketing\":true}", GOOD_V,
                 "fi", "false"),
            "bad_choices", "choices");
    REFUSED(BODY(GOOD_ID, "reject_all",
                 "{\"analytics\":true,\"content_feedback\":false,\"marketing\":false}", GOOD_V,
                 "fi", "false"),
            "bad_choices", "choices");
    char big[RK_COOKIE_BODY_MAX + 2];
    memset(big, ' ', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    REFUSED(big, "too_large", "");
}

/* ---- Versions, the document and the counts, over a real store -------------------------------- */

static int store_up(void **state) {
    return rkt_reg_setup(state, "consentlog", "examples/smartum/declaration.yaml");
}

static int take_first_seen(void *ctx, const char *version, const char *config, rk_ts first) {
    (void)version;
    (void)config;
    *(rk_ts *)ctx = first;
    return 0;
}

static void add(struct rkt_reg *f, const char *id, enum rk_cookie_action a, const char *version,
                rk_ts at) {
    struct rk_cookie_choice c = {.action = a, .at = at, .lang = RK_LANG_FI};
    snprintf(c.consent_id, sizeof c.consent_id, "%s", id);
    snprintf(c.version, sizeof c.version, "%s", version);
    snprintf(c.choices, sizeof c.choices, "{\"analytics\":%s,\"content_feedback\":false,"
                                          "\"marketing\":false}",
             a == RK_COOKIE_REJECT_ALL ? "false" : "true");
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_store_consent_log_add(f->store, &c));
    RKT_OK(f, rk_store_commit(f->store));
}

static void version_and_document(void **state) {
    struct rkt_reg *f = *state;
    char *json = NULL, v[RK_CONSENT_VERSION_LEN + 1];
    RKT_OK(f, rk_consent_config(f->decl, &json, v));
    rk_ts t0 = rkt_ts("2026-12-01T09:00:00Z");
    RKT_OK(f, rk_consent_log_record_version(f->decl, f->store, t0));
    RKT_OK(f, rk_consent_log_record_version(f->decl, f->store, t0 + 3600)); /* kept once */
    rk_ts first = 0;
    RKT_OK(f, rk_store_consent_version_get(f->store, v, take_first_seen, &first));
    assert_true(first == t0);
    add(f, ID, RK_COOKIE_CUSTOM, v, t0 + 60);
    add(f, ID, RK_COOKIE_REJECT_ALL, v, t0 + 120);
    json_t *doc = NULL;
    RKT_OK(f, rk_consent_log_document(f->store, ID, &doc));
    assert_string_equal(json_string_value(json_object_get(doc, "consent_id")), ID);
    json_t *actions = json_object_get(doc, "actions");
    assert_int_equal(json_array_size(actions), 2);
    json_t *a0 = json_array_get(actions, 0);
    assert_string_equal(json_string_value(json_object_get(a0, "action")), "custom");
    assert_string_equal(json_string_value(json_object_get(a0, "at")), "2026-12-01T09:01:00Z");
    assert_true(json_is_true(json_object_get(json_object_get(a0, "choices"), "analytics")));
    assert_false(json_is_true(json_object_get(a0, "gpc")));
    json_t *ver = json_object_get(json_object_get(doc, "versions"), v);
    assert_non_null(ver);
    assert_string_equal(json_string_value(json_object_get(ver, "first_seen")),
                        "2026-12-01T09:00:00Z");
    char *config = json_dumps(json_object_get(ver, "config"), JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(config, json); /* the very text the version is the hash of */
    free(config);
    json_decref(doc);
    assert_int_equal(rk_consent_log_document(f->store, "Nobody_000000000000000000", &doc),
                     RK_ENOENT);
    assert_int_equal(rk_consent_log_document(f->store, "bad id", &doc), RK_ENOENT);
    free(json);
}

/* Today is the controller's local day: Helsinki's midnight is 22:00 or 21:00 UTC. */
static void counts_on_the_local_day(void **state) {
    struct rkt_reg *f = *state;
    struct rk_tz z;
    assert_int_equal(rk_tz_from_posix("EET-2EEST,M3.5.0/3,M10.5.0/4", &z), RK_OK);
    char *json = NULL, v[RK_CONSENT_VERSION_LEN + 1];
    RKT_OK(f, rk_consent_config(f->decl, &json, v));
    free(json);
    RKT_OK(f, rk_consent_log_record_version(f->decl, f->store, rkt_ts("2026-12-01T00:00:00Z")));
    add(f, "before-midnight-00000001", RK_COOKIE_ACCEPT_ALL, v, rkt_ts("2026-12-06T21:59:59Z"));
    add(f, "after-midnight-000000001", RK_COOKIE_ACCEPT_ALL, v, rkt_ts("2026-12-06T22:00:00Z"));
    add(f, "after-midnight-000000002", RK_COOKIE_REJECT_ALL, v, rkt_ts("2026-12-07T21:59:59Z"));
    add(f, "next-day-0000000000000001", RK_COOKIE_REJECT_ALL, v, rkt_ts("2026-12-07T22:00:00Z"));
    int64_t n[RK_COOKIE__COUNT];
    RKT_OK(f, rk_consent_log_day_counts(f->store, &z, rkt_ts("2026-12-07T12:00:00Z"), n));
    assert_int_equal(n[RK_COOKIE_ACCEPT_ALL], 1);
    assert_int_equal(n[RK_COOKIE_REJECT_ALL], 1);
    assert_int_equal(n[RK_COOKIE_CUSTOM], 0);
    assert_int_equal(n[RK_COOKIE_WITHDRAW], 0);
    /* summer time: midnight is 21:00 UTC */
    add(f, "summer-before-0000000001", RK_COOKIE_CUSTOM, v, rkt_ts("2027-07-01T20:59:59Z"));
    add(f, "summer-after-00000000001", RK_COOKIE_WITHDRAW, v, rkt_ts("2027-07-01T21:00:00Z"));
    RKT_OK(f, rk_consent_log_day_counts(f->store, &z, rkt_ts("2027-07-02T08:00:00Z"), n));
    assert_int_equal(n[RK_COOKIE_CUSTOM], 0);
    assert_int_equal(n[RK_COOKIE_WITHDRAW], 1);
}

int main(void) {
    const struct CMUnitTest pure[] = {
        cmocka_unit_test(ids_actions_versions),
        cmocka_unit_test(choices_fit_action),
        cmocka_unit_test(retention_cutoff),
        cmocka_unit_test(accepted),
        cmocka_unit_test(refusals),
    };
    const struct CMUnitTest stored[] = {
        cmocka_unit_test_setup_teardown(version_and_document, store_up, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(counts_on_the_local_day, store_up, rkt_reg_teardown),
    };
    int failed = cmocka_run_group_tests_name("rules and body", pure, load, unload);
    return failed + cmocka_run_group_tests_name("stored", stored, NULL, NULL);
}
