/*
 * test_mailchimp_api.c — the Mailchimp Marketing API client's pure functions
 * (src/connect/mailchimp_api.c): the data centre and base URL from a key, the
 * subscriber hash, the member, tags and batch bodies, the problem JSON, member
 * page and batch status parsers — each with its refusals, and none of them
 * quoting the key or a person's data in an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "connect/mailchimp_api.h"

#define ALL_SHARED (RK_MC_SHARES(RK_F_EMAIL) | RK_MC_SHARES(RK_F_NAME) | RK_MC_SHARES(RK_F_PHONE))

static void datacenter(void **state) {
    (void)state;
    char dc[RK_MC_DC_MAX + 1];
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_mc_datacenter("0123456789abcdef0123456789abcdef-us6", dc, &e), RK_OK);
    assert_string_equal(dc, "us6");
    assert_int_equal(rk_mc_datacenter("Key1-us21", dc, &e), RK_OK);
    assert_string_equal(dc, "us21");
    char longest[RK_MC_KEY_MAX + 1];
    memset(longest, 'a', RK_MC_KEY_MAX - 4);
    memcpy(longest + RK_MC_KEY_MAX - 4, "-us1", 5);
    assert_int_equal(rk_mc_datacenter(longest, dc, &e), RK_OK);
    assert_string_equal(dc, "us1");

    char toolong[RK_MC_KEY_MAX + 2];
    memset(toolong, 'a', RK_MC_KEY_MAX - 3);
    memcpy(toolong + RK_MC_KEY_MAX - 3, "-us1", 5);
    static const struct {
        const char *key, *why;
    } bad[] = {
        {"", "is empty"},
        {"SECRETKEY0123", "no data centre suffix"},
        {"SECRETKEY0123-", "suffix is not"},
        {"-us6", "nothing before"},
        {"SECRETKEY0123-US6", "suffix is not"},
        {"SECRETKEY0123-6", "suffix is not"},
        {"SECRETKEY0123-us", "suffix is not"},
        {"SECRETKEY0123-us6x", "suffix is not"},
        {"SECRETKEY0123-us6 ", "suffix is not"},
        {"SECRET KEY0123-us6", "only letters and digits"},
        {"SECRETKEY0123-secretdc12345678901", "suffix is not"},
        {"SECRETKEY0123-us6.evil.example/", "suffix is not"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rk_error_clear(&e);
        assert_int_equal(rk_mc_datacenter(bad[i].key, dc, &e), RK_EINVAL);
        if (!strstr(e.message, bad[i].why))
            fail_msg("case %zu: expected '%s' in '%s'", i, bad[i].why, e.message);
        assert_string_equal(e.where, "api_key");
        assert_null(strstr(e.message, "SECRET"));
        assert_null(strstr(e.message, "secretdc"));
        assert_null(strstr(e.message, "evil"));
    }
    assert_int_equal(rk_mc_datacenter(NULL, dc, &e), RK_EINVAL);
    assert_int_equal(rk_mc_datacenter(toolong, dc, &e), RK_EINVAL);
    assert_non_null(strstr(e.message, "longer than 128"));
    assert_null(strstr(e.message, "aaaa"));
    assert_int_equal(rk_mc_datacenter("abc-us6", dc, NULL), RK_OK); /* e may be NULL */
}

static void base_url(void **state) {
    (void)state;
    char url[RK_MC_URL_MAX + 1];
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_mc_base_url("us6", url, &e), RK_OK);
    assert_string_equal(url, "https://us6.api.mailchimp.com/3.0");
    char dc[RK_MC_DC_MAX + 1] = "abcdefghijklmno1";
    assert_int_equal(rk_mc_base_url(dc, url, &e), RK_OK);
    assert_string_equal(url, "https://abcdefghijklmno1.api.mailchimp.com/3.0");
    static const char *const bad[] = {
        "", "us", "6", "us6/x", "evil.example#us6", "us6.x", "abcdefghijklmnop1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(rk_mc_base_url(bad[i], url, &e), RK_EINVAL);
    assert_int_equal(rk_mc_base_url(NULL, url, &e), RK_EINVAL);
    assert_string_equal(e.where, "dc");
}

static void subscriber_hash(void **state) {
    (void)state;
    char h[RK_MC_HASH_LEN + 1];
    struct rk_error e = RK_ERROR_INIT;
    /* The example of Mailchimp's documentation. */
    assert_int_equal(rk_mc_subscriber_hash("urist.mcvankab@freddiesjokes.com", h, &e), RK_OK);
    assert_string_equal(h, "62eeb292278cc15f5817cb78f7790b08");
    assert_int_equal(rk_mc_subscriber_hash(" \tUrist.McVankab@FreddiesJokes.COM\r\n", h, &e),
                     RK_OK);
    assert_string_equal(h, "62eeb292278cc15f5817cb78f7790b08");
    assert_int_equal(rk_mc_subscriber_hash("Matti.Meikalainen@example.fi", h, &e), RK_OK);
    assert_string_equal(h, "979fc7ff31d5c27253486514e5108d68");

    assert_int_equal(rk_mc_subscriber_hash("", h, &e), RK_EINVAL);
    assert_non_null(strstr(e.message, "empty"));
    assert_int_equal(rk_mc_subscriber_hash(" \t ", h, &e), RK_EINVAL);
    assert_int_equal(rk_mc_subscriber_hash(NULL, h, &e), RK_EINVAL);
    char longer[300];
    memset(longer, 'x', 255);
    longer[255] = '\0';
    longer[10] = '@';
    assert_int_equal(rk_mc_subscriber_hash(longer, h, &e), RK_EINVAL);
    assert_non_null(strstr(e.message, "longer than 254"));
    assert_null(strstr(e.message, "xxx"));
    longer[254] = '\0';
    assert_int_equal(rk_mc_subscriber_hash(longer, h, &e), RK_OK);
}

static const struct rk_contact anna = {.v = {[RK_F_NAME] = "Anna Maria Virtanen",
                                             [RK_F_EMAIL] = "anna@example.fi",
                                             [RK_F_PHONE] = "+358401234567",
                                             [RK_F_ORGANISATION] = "Smartum Oy",
                                             [RK_F_INTERESTS] = "sailing"}};

/* The member body for m; asserts it is built. */
static void body_is(const struct rk_mc_member_in *m, const char *want) {
    struct rk_buf b;
    rk_buf_init(&b);
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_mc_member_body(m, &b, &e), RK_OK);
    assert_string_equal(b.data, want);
    rk_buf_cleanup(&b);
}

static void member_body(void **state) {
    (void)state;
    body_is(&(struct rk_mc_member_in){.contact = &anna,
                                      .shares = ALL_SHARED,
                                      .status = RK_MC_ST_SUBSCRIBED,
                                      .status_if_new = RK_MC_ST_SUBSCRIBED},
            "{\"email_address\":\"anna@example.fi\",\"status_if_new\":\"subscribed\","
            "\"status\":\"subscribed\",\"merge_fields\":{\"FNAME\":\"Anna Maria\","
            "\"LNAME\":\"Virtanen\",\"PHONE\":\"+358401234567\"}}");
    /* Only what is shared leaves: the name and phone are held but not shared here. */
    body_is(&(struct rk_mc_member_in){.contact = &anna,
                                      .shares = RK_MC_SHARES(RK_F_EMAIL) |
                                                RK_MC_SHARES(RK_F_ORGANISATION) |
                                                RK_MC_SHARES(RK_F_INTERESTS),
                                      .status = RK_MC_ST_UNSUBSCRIBED},
            "{\"email_address\":\"anna@example.fi\",\"status\":\"unsubscribed\"}");
    body_is(
        &(struct rk_mc_member_in){.contact = &anna,
                                  .shares = RK_MC_SHARES(RK_F_EMAIL) | RK_MC_SHARES(RK_F_PHONE)},
        "{\"email_address\":\"anna@example.fi\",\"merge_fields\":{\"PHONE\":"
        "\"+358401234567\"}}");
    /* A one-word name is all FNAME; a shared field the person has no value for is not sent. */
    struct rk_contact one = {.v = {[RK_F_NAME] = "Äijä", [RK_F_EMAIL] = "a@example.fi"}};
    body_is(&(struct rk_mc_member_in){.contact = &one,
                                      .shares = ALL_SHARED,
                                      .status = RK_MC_ST_SUBSCRIBED,
                                      .status_if_new = RK_MC_ST_SUBSCRIBED},
            "{\"email_address\":\"a@example.fi\",\"status_if_new\":\"subscribed\","
            "\"status\":\"subscribed\",\"merge_fields\":{\"FNAME\":\"\xc3\x84ij\xc3\xa4\","
            "\"LNAME\":\"\"}}");
    /* Appends to what the buffer holds. */
    struct rk_buf b;
    rk_buf_init(&b);
    rk_buf_puts(&b, "x");
    struct rk_mc_member_in only = {.contact = &one, .shares = RK_MC_SHARES(RK_F_EMAIL)};
    assert_int_equal(rk_mc_member_body(&only, &b, NULL), RK_OK);
    assert_string_equal(b.data, "x{\"email_address\":\"a@example.fi\"}");
    rk_buf_cleanup(&b);
}

static void member_body_refusals(void **state) {
    (void)state;
    struct rk_buf b;
    rk_buf_init(&b);
    struct rk_error e = RK_ERROR_INIT;
    struct rk_mc_member_in m = {
        .contact = &anna, .shares = RK_MC_SHARES(RK_F_NAME), .status = RK_MC_ST_SUBSCRIBED};
    assert_int_equal(rk_mc_member_body(&m, &b, &e), RK_EREFUSED);
    assert_string_equal(e.where, "email");
    assert_non_null(strstr(e.message, "not shared"));
    struct rk_contact none = {.v = {[RK_F_NAME] = "Anna"}};
    m = (struct rk_mc_member_in){.contact = &none, .shares = ALL_SHARED};
    assert_int_equal(rk_mc_member_body(&m, &b, &e), RK_EREFUSED);
    assert_non_null(strstr(e.message, "no email"));
    m = (struct rk_mc_member_in){.contact = NULL, .shares = ALL_SHARED};
    assert_int_equal(rk_mc_member_body(&m, &b, &e), RK_EREFUSED);
    static const enum rk_mc_status never[] = {RK_MC_ST_CLEANED, RK_MC_ST_PENDING,
                                              RK_MC_ST_TRANSACTIONAL, RK_MC_ST_ARCHIVED,
                                              RK_MC_ST__COUNT};
    for (size_t i = 0; i < sizeof never / sizeof never[0]; i++) {
        m = (struct rk_mc_member_in){.contact = &anna, .shares = ALL_SHARED, .status = never[i]};
        assert_int_equal(rk_mc_member_body(&m, &b, &e), RK_EINVAL);
        assert_string_equal(e.where, "status");
        m = (struct rk_mc_member_in){
            .contact = &anna, .shares = ALL_SHARED, .status_if_new = never[i]};
        assert_int_equal(rk_mc_member_body(&m, &b, &e), RK_EINVAL);
        assert_string_equal(e.where, "status_if_new");
    }
    struct rk_contact bad_name = {.v = {[RK_F_NAME] = "Ann\xff Secret", [RK_F_EMAIL] = "a@b.fi"}};
    m = (struct rk_mc_member_in){.contact = &bad_name, .shares = ALL_SHARED};
    assert_int_equal(rk_mc_member_body(&m, &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "name");
    assert_null(strstr(e.message, "Secret"));
    struct rk_contact bad_email = {.v = {[RK_F_EMAIL] = "secret\xc3@b.fi"}};
    m = (struct rk_mc_member_in){.contact = &bad_email, .shares = ALL_SHARED};
    assert_int_equal(rk_mc_member_body(&m, &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "email");
    assert_null(strstr(e.message, "secret"));
    struct rk_contact bad_phone = {.v = {[RK_F_EMAIL] = "a@b.fi", [RK_F_PHONE] = "+358\x80"}};
    m = (struct rk_mc_member_in){.contact = &bad_phone, .shares = ALL_SHARED};
    assert_int_equal(rk_mc_member_body(&m, &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "phone");
    assert_int_equal(b.len, 0); /* nothing was appended by a refusal */
    rk_buf_cleanup(&b);
}

static void tags_body(void **state) {
    (void)state;
    struct rk_buf b;
    rk_buf_init(&b);
    struct rk_error e = RK_ERROR_INIT;
    const char *one[] = {"rekisteri: restricted"};
    assert_int_equal(rk_mc_tags_body(one, 1, true, &b, &e), RK_OK);
    assert_string_equal(b.data,
                        "{\"tags\":[{\"name\":\"rekisteri: restricted\",\"status\":\"active\"}]}");
    rk_buf_reset(&b);
    const char *two[] = {"a", "b"};
    assert_int_equal(rk_mc_tags_body(two, 2, false, &b, &e), RK_OK);
    assert_string_equal(b.data, "{\"tags\":[{\"name\":\"a\",\"status\":\"inactive\"},"
                                "{\"name\":\"b\",\"status\":\"inactive\"}]}");
    rk_buf_reset(&b);

    assert_int_equal(rk_mc_tags_body(one, 0, true, &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "tags");
    const char *many[51];
    for (size_t i = 0; i < 51; i++)
        many[i] = "t";
    assert_int_equal(rk_mc_tags_body(many, 50, true, &b, &e), RK_OK);
    rk_buf_reset(&b);
    assert_int_equal(rk_mc_tags_body(many, 51, true, &b, &e), RK_EINVAL);
    char longname[102];
    memset(longname, 'n', 101);
    longname[101] = '\0';
    const char *bad[][2] = {{"ok", ""}, {"ok", NULL}, {"ok", longname}, {"ok", "\xff"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(rk_mc_tags_body(bad[i], 2, true, &b, &e), RK_EINVAL);
        assert_string_equal(e.where, "tags[1]");
    }
    longname[100] = '\0';
    const char *hundred[] = {longname};
    assert_int_equal(rk_mc_tags_body(hundred, 1, true, &b, &e), RK_OK);
    rk_buf_cleanup(&b);
}

static void batch_body(void **state) {
    (void)state;
    struct rk_buf b;
    rk_buf_init(&b);
    struct rk_error e = RK_ERROR_INIT;
    const struct rk_mc_op ops[] = {
        {.method = "PUT",
         .path = "/lists/L1/members/62eeb292278cc15f5817cb78f7790b08",
         .body = "{\"email_address\":\"a@b.fi\",\"status\":\"subscribed\"}",
         .operation_id = "n7"},
        {.method = "POST", .path = "/lists/L1/members/h/actions/delete-permanent"},
    };
    assert_int_equal(rk_mc_batch_body(ops, 2, &b, &e), RK_OK);
    assert_string_equal(
        b.data,
        "{\"operations\":[{\"method\":\"PUT\",\"path\":\"/lists/L1/members/"
        "62eeb292278cc15f5817cb78f7790b08\",\"operation_id\":\"n7\",\"body\":\"{\\\"email_"
        "address\\\":\\\"a@b.fi\\\",\\\"status\\\":\\\"subscribed\\\"}\"},"
        "{\"method\":\"POST\",\"path\":\"/lists/L1/members/h/actions/delete-permanent\"}]}");
    rk_buf_reset(&b);

    assert_int_equal(rk_mc_batch_body(ops, 0, &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "operations");
    assert_int_equal(rk_mc_batch_body(ops, 1001, &b, &e), RK_EINVAL);
    static const struct {
        struct rk_mc_op op;
        const char *where;
    } bad[] = {
        {{.method = "HEAD", .path = "/ping"}, "operations[1].method"},
        {{.method = NULL, .path = "/ping"}, "operations[1].method"},
        {{.method = "put", .path = "/ping"}, "operations[1].method"},
        {{.method = "GET", .path = "ping"}, "operations[1].path"},
        {{.method = "GET", .path = NULL}, "operations[1].path"},
        {{.method = "GET", .path = "/p\xff"}, "operations[1].path"},
        {{.method = "PUT", .path = "/p", .body = "[1]"}, "operations[1].body"},
        {{.method = "PUT", .path = "/p", .body = "{\"a\":"}, "operations[1].body"},
        {{.method = "PUT", .path = "/p", .body = "{\"a\":1,\"a\":2}"}, "operations[1].body"},
        {{.method = "PUT", .path = "/p", .operation_id = "\xc3"}, "operations[1].operation_id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rk_mc_op two[] = {ops[0], bad[i].op};
        rk_error_clear(&e);
        assert_int_equal(rk_mc_batch_body(two, 2, &b, &e), RK_EINVAL);
        if (strcmp(e.where, bad[i].where) != 0)
            fail_msg("case %zu: where '%s', expected '%s'", i, e.where, bad[i].where);
    }
    assert_int_equal(b.len, 0);
    rk_buf_cleanup(&b);
}

static void problem_error(void **state) {
    (void)state;
    struct rk_error e = RK_ERROR_INIT;
    struct rk_mc_problem p;
    /* As Mailchimp answers a PUT of an address it refuses; the detail quotes the address. */
    const char *exists =
        "{\"type\":\"https://mailchimp.com/developer/marketing/docs/errors/\","
        "\"title\":\"Member Exists\",\"status\":400,"
        "\"detail\":\"matti@example.fi is already a list member.\","
        "\"instance\":\"2b7c3c2e-0a9b-4a1b-8d33-5c5d1d1e0f00\","
        "\"errors\":[{\"field\":\"email_address\",\"message\":\"matti@example.fi\"}]}";
    assert_int_equal(rk_mc_problem_error(400, exists, strlen(exists), &p, &e), RK_EINVAL);
    assert_string_equal(e.message, "Mailchimp answered 400 Member Exists "
                                   "(https://mailchimp.com/developer/marketing/docs/errors/)");
    assert_int_equal(p.status, 400);
    assert_string_equal(p.title, "Member Exists");
    assert_string_equal(p.type, "https://mailchimp.com/developer/marketing/docs/errors/");
    assert_null(strstr(e.message, "matti"));
    assert_null(strstr(e.message, "2b7c3c2e"));

    static const struct {
        long http;
        const char *body, *message;
        rk_err code;
    } cases[] = {
        {401, "{\"title\":\"API Key Invalid\",\"status\":401,\"detail\":\"x\"}",
         "Mailchimp answered 401 API Key Invalid", RK_EREFUSED},
        {403, "{\"title\":\"Forbidden\",\"status\":403}", "Mailchimp answered 403 Forbidden",
         RK_EREFUSED},
        {404, "{\"title\":\"Resource Not Found\",\"status\":404}",
         "Mailchimp answered 404 Resource Not Found", RK_ENOENT},
        {429, "", "Mailchimp answered 429 (no body)", RK_EBUSY},
        {502, "<html>Bad gateway</html>",
         "Mailchimp answered 502 (a body that is not problem JSON)", RK_EBUSY},
        {500, "[]", "Mailchimp answered 500 (a body that is not problem JSON)", RK_EBUSY},
        /* The body's status wins over the HTTP one (a proxy may change it). */
        {200, "{\"title\":\"Invalid Resource\",\"status\":422}",
         "Mailchimp answered 422 Invalid Resource", RK_EINVAL},
        {418, "{\"title\":\"Odd\",\"status\":\"418\"}", "Mailchimp answered 418 Odd", RK_EIO},
        {400, "{\"title\":\"x@y.fi\",\"status\":400}",
         "Mailchimp answered 400 (no usable title or type)", RK_EINVAL},
        {400, "{\"title\":\"Bad\\nLine\",\"type\":\"t\",\"status\":400}",
         "Mailchimp answered 400 (t)", RK_EINVAL},
        {400, "{\"title\":\"\xc3\xa4\",\"status\":400}",
         "Mailchimp answered 400 (no usable title or type)", RK_EINVAL},
        {400, "{\"title\":7,\"type\":[],\"status\":400}",
         "Mailchimp answered 400 (no usable title or type)", RK_EINVAL},
        {400, "{\"title\":\"A\",\"title\":\"B\"}",
         "Mailchimp answered 400 (a body that is not problem JSON)", RK_EINVAL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rk_error_clear(&e);
        rk_err got =
            rk_mc_problem_error(cases[i].http, cases[i].body, strlen(cases[i].body), NULL, &e);
        if (got != cases[i].code || strcmp(e.message, cases[i].message) != 0)
            fail_msg("case %zu: %s '%s'", i, rk_err_name(got), e.message);
    }
    char title[RK_MC_TITLE_MAX + 40];
    int n = snprintf(title, sizeof title, "{\"status\":400,\"title\":\"");
    memset(title + n, 'T', RK_MC_TITLE_MAX + 1);
    snprintf(title + n + RK_MC_TITLE_MAX + 1, sizeof title - (size_t)n - RK_MC_TITLE_MAX - 1,
             "\"}");
    assert_int_equal(rk_mc_problem_error(400, title, strlen(title), &p, &e), RK_EINVAL);
    assert_string_equal(p.title, "");
    assert_int_equal(rk_mc_problem_error(503, NULL, 0, &p, NULL), RK_EBUSY);
    assert_int_equal(p.status, 503);
    static char huge[RK_MC_BODY_MAX + 2];
    memset(huge, ' ', sizeof huge);
    assert_int_equal(rk_mc_problem_error(500, huge, sizeof huge, NULL, &e), RK_EBUSY);
    assert_non_null(strstr(e.message, "longer than 64 KiB"));
}

static const char page_json[] =
    "{\"members\":[{\"id\":\"h1\",\"email_address\":\"anna@example.fi\",\"status\":"
    "\"subscribed\",\"merge_fields\":{\"FNAME\":\"Anna\",\"LNAME\":\"Virtanen\",\"PHONE\":\"\","
    "\"BIRTHDAY\":\"01/02\"},\"ip_signup\":\"192.0.2.1\",\"timestamp_signup\":"
    "\"2024-03-01T10:00:00+00:00\",\"ip_opt\":\"192.0.2.1\",\"timestamp_opt\":"
    "\"2024-03-01T10:05:00+00:00\",\"tags\":[{\"id\":1,\"name\":\"x\"}]},"
    "{\"email_address\":\"old@example.fi\",\"status\":\"cleaned\",\"merge_fields\":{},"
    "\"ip_signup\":\"\",\"timestamp_signup\":\"\"},"
    "{\"email_address\":\"u@example.fi\",\"status\":\"unsubscribed\",\"merge_fields\":null,"
    "\"ip_opt\":null}],"
    "\"list_id\":\"L1\",\"total_items\":1234}";

static void members_page(void **state) {
    (void)state;
    struct rk_mc_page p;
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_mc_parse_members(page_json, strlen(page_json), &p, &e), RK_OK);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.total_items, 1234);
    const struct rk_mc_member *m = &p.members[0];
    assert_string_equal(m->email, "anna@example.fi");
    assert_int_equal(m->status, RK_MC_ST_SUBSCRIBED);
    assert_string_equal(m->fname, "Anna");
    assert_string_equal(m->lname, "Virtanen");
    assert_string_equal(m->phone, "");
    assert_string_equal(m->ip_signup, "192.0.2.1");
    assert_string_equal(m->timestamp_signup, "2024-03-01T10:00:00+00:00");
    assert_string_equal(m->ip_opt, "192.0.2.1");
    assert_string_equal(m->timestamp_opt, "2024-03-01T10:05:00+00:00");
    assert_int_equal(p.members[1].status, RK_MC_ST_CLEANED);
    assert_string_equal(p.members[1].fname, "");
    assert_string_equal(p.members[1].timestamp_opt, "");
    assert_int_equal(p.members[2].status, RK_MC_ST_UNSUBSCRIBED);
    assert_string_equal(p.members[2].ip_opt, "");
    assert_string_equal(p.members[2].lname, "");
    rk_mc_page_free(&p);
    assert_null(p.members);
    rk_mc_page_free(&p); /* twice is harmless */

    const char *empty = "{\"members\":[]}";
    assert_int_equal(rk_mc_parse_members(empty, strlen(empty), &p, &e), RK_OK);
    assert_int_equal(p.n, 0);
    assert_int_equal(p.total_items, -1);
    rk_mc_page_free(&p);
    assert_string_equal(rk_mc_status_name(RK_MC_ST_TRANSACTIONAL), "transactional");
    assert_string_equal(rk_mc_status_name(RK_MC_ST_ARCHIVED), "archived");
    assert_string_equal(rk_mc_status_name(RK_MC_ST_NONE), "");
    assert_string_equal(rk_mc_status_name(RK_MC_ST__COUNT), "");
}

static void members_page_refusals(void **state) {
    (void)state;
    struct rk_mc_page p;
    struct rk_error e = RK_ERROR_INIT;
    static const struct {
        const char *body, *where, *why;
    } bad[] = {
        {"", "", "not JSON"},
        {"[]", "", "not an object"},
        {"{}", "members", "no members array"},
        {"{\"members\":{}}", "members", "no members array"},
        {"{\"members\":[],\"total_items\":-1}", "total_items", "non-negative"},
        {"{\"members\":[],\"total_items\":\"7\"}", "total_items", "non-negative"},
        {"{\"members\":[7]}", "members[0]", "not an object"},
        {"{\"members\":[{\"status\":\"subscribed\"}]}", "members[0].email_address",
         "no email_address"},
        {"{\"members\":[{\"email_address\":\"\",\"status\":\"subscribed\"}]}",
         "members[0].email_address", "no email_address"},
        {"{\"members\":[{\"email_address\":\"secret@example.fi\",\"status\":\"gone\"}]}",
         "members[0].status", "not one Mailchimp defines"},
        {"{\"members\":[{\"email_address\":\"secret@example.fi\"}]}", "members[0].status",
         "not one"},
        {"{\"members\":[{\"email_address\":\"a@b.fi\",\"status\":\"subscribed\"},"
         "{\"email_address\":\"secret@example.fi\",\"status\":\"subscribed\",\"ip_signup\":1}]}",
         "members[1].ip_signup", "not a text"},
        {"{\"members\":[{\"email_address\":\"secret@example.fi\",\"status\":\"pending\","
         "\"merge_fields\":[]}]}",
         "members[0].merge_fields", "not an object"},
        {"{\"members\":[{\"email_address\":\"secret@example.fi\",\"status\":\"archived\","
         "\"merge_fields\":{\"FNAME\":{\"x\":\"Secret\"}}}]}",
         "members[0].merge_fields.FNAME", "not a text"},
        {"{\"members\":[],\"members\":[]}", "", "not JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rk_error_clear(&e);
        assert_int_equal(rk_mc_parse_members(bad[i].body, strlen(bad[i].body), &p, &e), RK_EPARSE);
        if (strcmp(e.where, bad[i].where) != 0 || !strstr(e.message, bad[i].why))
            fail_msg("case %zu: where '%s' message '%s'", i, e.where, e.message);
        assert_null(strstr(e.message, "secret"));
        assert_null(strstr(e.message, "Secret"));
        assert_null(p.members);
        assert_int_equal(p.n, 0);
        rk_mc_page_free(&p);
    }
}

static void batch_status(void **state) {
    (void)state;
    struct rk_mc_batch b;
    struct rk_error e = RK_ERROR_INIT;
    const char *pending = "{\"id\":\"123abc\",\"status\":\"pending\",\"total_operations\":0,"
                          "\"finished_operations\":0,\"errored_operations\":0,"
                          "\"submitted_at\":\"2026-01-01T10:00:00+00:00\",\"_links\":[]}";
    assert_int_equal(rk_mc_parse_batch(pending, strlen(pending), &b, &e), RK_OK);
    assert_string_equal(b.id, "123abc");
    assert_int_equal(b.state, RK_MC_BATCH_PENDING);
    assert_int_equal(b.total_operations, 0);
    const char *done = "{\"id\":\"123abc\",\"status\":\"finished\",\"total_operations\":500,"
                       "\"finished_operations\":500,\"errored_operations\":3,"
                       "\"response_body_url\":\"https://example.invalid/r.tar.gz\"}";
    assert_int_equal(rk_mc_parse_batch(done, strlen(done), &b, &e), RK_OK);
    assert_int_equal(b.state, RK_MC_BATCH_FINISHED);
    assert_int_equal(b.total_operations, 500);
    assert_int_equal(b.finished_operations, 500);
    assert_int_equal(b.errored_operations, 3);
    static const struct {
        const char *body;
        enum rk_mc_batch_state state;
    } states[] = {{"{\"id\":\"a\",\"status\":\"preprocessing\"}", RK_MC_BATCH_PREPROCESSING},
                  {"{\"id\":\"a\",\"status\":\"started\"}", RK_MC_BATCH_STARTED},
                  {"{\"id\":\"a\",\"status\":\"finalizing\"}", RK_MC_BATCH_FINALIZING}};
    for (size_t i = 0; i < sizeof states / sizeof states[0]; i++) {
        assert_int_equal(rk_mc_parse_batch(states[i].body, strlen(states[i].body), &b, &e), RK_OK);
        assert_int_equal(b.state, states[i].state);
        assert_int_equal(b.finished_operations, 0);
    }

    char longid[RK_MC_BATCH_ID_MAX + 40];
    int n = snprintf(longid, sizeof longid, "{\"status\":\"pending\",\"id\":\"");
    memset(longid + n, 'i', RK_MC_BATCH_ID_MAX + 1);
    snprintf(longid + n + RK_MC_BATCH_ID_MAX + 1, 3, "\"}");
    const struct {
        const char *body, *where;
    } bad[] = {
        {"nope", ""},
        {"[1]", ""},
        {"{\"status\":\"pending\"}", "id"},
        {"{\"id\":\"\",\"status\":\"pending\"}", "id"},
        {"{\"id\":5,\"status\":\"pending\"}", "id"},
        {"{\"id\":\"a\\u0001\",\"status\":\"pending\"}", "id"},
        {"{\"id\":\"a\"}", "status"},
        {"{\"id\":\"a\",\"status\":\"done\"}", "status"},
        {"{\"id\":\"a\",\"status\":\"pending\",\"total_operations\":-1}", "total_operations"},
        {"{\"id\":\"a\",\"status\":\"pending\",\"errored_operations\":1.5}", "errored_operations"},
        {"{\"id\":\"a\",\"status\":\"pending\",\"total_operations\":2,"
         "\"finished_operations\":3}",
         "finished_operations"},
        {"{\"id\":\"a\",\"status\":\"pending\",\"errored_operations\":1}", "finished_operations"},
        {longid, "id"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rk_error_clear(&e);
        memset(&b, 0x5a, sizeof b);
        assert_int_equal(rk_mc_parse_batch(bad[i].body, strlen(bad[i].body), &b, &e), RK_EPARSE);
        if (strcmp(e.where, bad[i].where) != 0)
            fail_msg("case %zu: where '%s' (%s)", i, e.where, e.message);
        assert_int_equal(b.id[0], 0x5a); /* out untouched on failure */
    }
    static char huge[RK_MC_BODY_MAX + 1];
    memset(huge, ' ', sizeof huge);
    assert_int_equal(rk_mc_parse_batch(huge, sizeof huge, &b, &e), RK_EPARSE);
    assert_non_null(strstr(e.message, "longer than 64 KiB"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(datacenter),           cmocka_unit_test(base_url),
        cmocka_unit_test(subscriber_hash),      cmocka_unit_test(member_body),
        cmocka_unit_test(member_body_refusals), cmocka_unit_test(tags_body),
        cmocka_unit_test(batch_body),           cmocka_unit_test(problem_error),
        cmocka_unit_test(members_page),         cmocka_unit_test(members_page_refusals),
        cmocka_unit_test(batch_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
