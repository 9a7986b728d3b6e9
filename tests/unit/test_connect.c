/*
 * test_connect.c — the connectors' pure parts (src/connect/payload.c and
 * mailchimp.c): the webhook body and its signature against a known HMAC,
 * UUID v4 ids, the OpenGDPR request body, the OpenGDPR status parser and
 * the Mailchimp webhook parser, with their refusals.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "connect/connect.h"
#include "base/id.h"

static void webhook_body_and_signature(void **state) {
    (void)state;
    rk_ts at = 0;
    assert_true(rk_ts_parse("2026-03-01T10:00:00Z", &at));
    struct rk_notice_row n = {.id = 7,
                              .person_id = "p123",
                              .kind = RK_NOTICE_ERASURE,
                              .identity_email = "matti@example.fi",
                              .created_at = at};
    struct rk_buf b;
    rk_buf_init(&b);
    assert_int_equal(rk_webhook_body(&n, &b), RK_OK);
    assert_string_equal(b.data, "{\"event\":\"erasure\",\"notice_id\":7,\"person_id\":\"p123\","
                                "\"request_id\":null,\"identity\":{\"email\":\"matti@example.fi\"},"
                                "\"occurred_at\":\"2026-03-01T10:00:00Z\"}");
    rk_buf_cleanup(&b);
    char sig[7 + 64 + 1];
    rk_webhook_sign("sekret", "1772359200", "{\"a\":1}", 7, sig);
    assert_string_equal(sig,
                        "sha256=010adcdb033af433cac9a314b7223606a9c5c70f7b4ac6ba486fe6c414c0b64b");
}

static void uuid_v4(void **state) {
    (void)state;
    char a[RK_UUID_LEN + 1], b[RK_UUID_LEN + 1];
    rk_uuid_v4(a);
    rk_uuid_v4(b);
    assert_true(rk_uuid_ok(a));
    assert_string_not_equal(a, b);
    assert_int_equal(a[14], '4');
    assert_non_null(strchr("89ab", a[19]));
    assert_false(rk_uuid_ok("not-a-uuid"));
    assert_false(rk_uuid_ok("a7551968-d5d6-44b2-9831-815ac901779g"));
    assert_true(rk_uuid_ok("a7551968-d5d6-44b2-9831-815ac9017798"));
}

static void opengdpr_request(void **state) {
    (void)state;
    struct rk_buf b;
    rk_buf_init(&b);
    assert_int_equal(rk_opengdpr_request_body("a7551968-d5d6-44b2-9831-815ac9017798",
                                              "matti@example.fi", RK_IDENTITY_SHA256, 0, &b),
                     RK_OK);
    assert_non_null(strstr(b.data, "\"subject_request_type\":\"erasure\""));
    assert_non_null(strstr(b.data, "\"identity_format\":\"sha256\""));
    assert_non_null(
        strstr(b.data, "d8cde54f1a50958d5b614a58320fc9d5ee1c1a8a7e560a29d2d0437487211239"));
    assert_null(strstr(b.data, "matti@"));
    assert_non_null(strstr(b.data, "\"submitted_time\":\"1970-01-01T00:00:00Z\""));
    rk_buf_cleanup(&b);
}

static void opengdpr_status(void **state) {
    (void)state;
    const char *id = "a7551968-d5d6-44b2-9831-815ac9017798";
    enum rk_opengdpr_status st = RK_OGDPR_CANCELLED;
    struct rk_error why = RK_ERROR_INIT;
    const char *ok = "{\"controller_id\":\"c\",\"subject_request_id\":"
                     "\"a7551968-d5d6-44b2-9831-815ac9017798\",\"request_status\":\"in_progress\"}";
    assert_int_equal(rk_opengdpr_parse_status(ok, strlen(ok), id, &st, &why), RK_OK);
    assert_int_equal(st, RK_OGDPR_IN_PROGRESS);
    const char *done = "{\"request_status\":\"completed\"}";
    assert_int_equal(rk_opengdpr_parse_status(done, strlen(done), id, &st, &why), RK_OK);
    assert_int_equal(st, RK_OGDPR_COMPLETED);
    static const struct {
        const char *body, *why;
    } bad[] = {
        {"", "not JSON"},
        {"[1]", "not a JSON object"},
        {"{}", "no request_status"},
        {"{\"request_status\":3}", "no request_status"},
        {"{\"request_status\":\"done\"}", "not one of"},
        {"{\"request_status\":\"pending\",\"subject_request_id\":\"x\"}", "another"},
        {"{\"request_status\":\"pending\",\"subject_request_id\":1}", "not a text"},
        {"{\"request_status\":\"pending\",\"request_status\":\"completed\"}", "not JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(
            rk_opengdpr_parse_status(bad[i].body, strlen(bad[i].body), id, &st, &why),
            RK_EPARSE);
        if (!strstr(why.message, bad[i].why))
            fail_msg("case %zu: expected '%s' in '%s'", i, bad[i].why, why.message);
    }
}

static void mailchimp_events(void **state) {
    (void)state;
    struct rk_mailchimp_event ev;
    struct rk_error why = RK_ERROR_INIT;
    const char *unsub = "type=unsubscribe&fired_at=2009-03-26+21%3A40%3A57&data%5Baction%5D="
                        "unsub&data%5Breason%5D=manual&data%5Bid%5D=8a25ff1d98&data%5Blist_id%5D="
                        "a6b5da1054&data%5Bemail%5D=api%2Bunsub%40mailchimp.com&data%5Bemail_type"
                        "%5D=html&data%5Bmerges%5D%5BEMAIL%5D=api%2Bunsub%40mailchimp.com";
    assert_int_equal(rk_mailchimp_parse(unsub, strlen(unsub), &ev, &why), RK_OK);
    assert_int_equal(ev.type, RK_MC_UNSUBSCRIBE);
    assert_string_equal(ev.list_id, "a6b5da1054");
    assert_string_equal(ev.email, "api+unsub@mailchimp.com");
    const char *up = "type=upemail&data[list_id]=L1&data[new_id]=51aa&"
                     "data[new_email]=new%40example.fi&data[old_email]=old%40example.fi";
    assert_int_equal(rk_mailchimp_parse(up, strlen(up), &ev, &why), RK_OK);
    assert_int_equal(ev.type, RK_MC_UPEMAIL);
    assert_string_equal(ev.old_email, "old@example.fi");
    assert_string_equal(ev.new_email, "new@example.fi");
    const char *prof = "type=profile&data[list_id]=L1&data[email]=a%40b.fi&"
                       "data[merges][FNAME]=Matti&data[merges][LNAME]=Meik%C3%A4l%C3%A4inen";
    assert_int_equal(rk_mailchimp_parse(prof, strlen(prof), &ev, &why), RK_OK);
    assert_int_equal(ev.type, RK_MC_PROFILE);
    assert_string_equal(ev.fname, "Matti");
    assert_string_equal(ev.lname, "Meikäläinen");
    const char *sub = "type=subscribe&data[list_id]=L1&data[email]=a%40b.fi";
    assert_int_equal(rk_mailchimp_parse(sub, strlen(sub), &ev, &why), RK_OK);
    assert_int_equal(ev.type, RK_MC_OTHER);

    static const struct {
        const char *body, *why;
    } bad[] = {
        {"data[list_id]=L1&data[email]=a%40b.fi", "no type"},
        {"type=unsubscribe&data[email]=a%40b.fi", "no data[list_id]"},
        {"type=cleaned&data[list_id]=L1", "no data[email]"},
        {"type=upemail&data[list_id]=L1&data[new_email]=n%40b.fi", "no data[old_email]"},
        {"type=upemail&data[list_id]=L1&data[old_email]=n%40b.fi", "no data[new_email]"},
        {"type=unsubscribe&data[list_id]=L1&data[email]=%ZZ", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(rk_mailchimp_parse(bad[i].body, strlen(bad[i].body), &ev, &why),
                         RK_EPARSE);
        if (!strstr(why.message, bad[i].why))
            fail_msg("case %zu: expected '%s' in '%s'", i, bad[i].why, why.message);
    }
    char longer[600] = "type=unsubscribe&data[list_id]=L1&data[email]=";
    memset(longer + strlen(longer), 'a', 300);
    assert_int_equal(rk_mailchimp_parse(longer, strlen(longer), &ev, &why), RK_EPARSE);
    assert_non_null(strstr(why.message, "data[email] is longer"));
    assert_null(strstr(why.message, "aaaa"));
}

int main(void) {
    if (rk_crypto_init() != RK_OK)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(webhook_body_and_signature), cmocka_unit_test(uuid_v4),
        cmocka_unit_test(opengdpr_request),           cmocka_unit_test(opengdpr_status),
        cmocka_unit_test(mailchimp_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
