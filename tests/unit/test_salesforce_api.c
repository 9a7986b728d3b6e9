/*
 * test_salesforce_api.c — the Salesforce REST API client's pure functions
 * (src/connect/salesforce_api.c): the token request and answer, the Contact
 * body and its field mapping, the error answer, the query page, the Bulk API
 * 2.0 job body, job info, batch CSV and failedResults CSV — each with its
 * refusals, and none of them quoting a secret or a person's data in an error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "connect/salesforce_api.h"

#define ALL_SHARED                                                                                 \
    (RK_SF_SHARES(RK_F_NAME) | RK_SF_SHARES(RK_F_EMAIL) | RK_SF_SHARES(RK_F_PHONE) |               \
     RK_SF_SHARES(RK_F_POSITION) | RK_SF_SHARES(RK_F_ORGANISATION))

/* Fails unless the error's message holds want and none of the secrets. */
static void says(const struct rk_error *e, const char *want, const char *secret) {
    if (!strstr(e->message, want))
        fail_msg("expected '%s' in '%s'", want, e->message);
    if (secret && strstr(e->message, secret))
        fail_msg("'%s' leaks into '%s'", secret, e->message);
}

static void field_names(void **state) {
    (void)state;
    assert_true(rk_sf_field_name_ok("Rekisteri_Id__c"));
    assert_true(rk_sf_field_name_ok("Email"));
    assert_true(rk_sf_field_name_ok("A1"));
    const char *bad[] = {"", "1abc", "_a", "a__b", "a_", "a b", "a-b", "Rek__c_", "a.b", NULL};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (rk_sf_field_name_ok(bad[i]))
            fail_msg("case %zu accepted", i);
    char longest[RK_SF_FIELD_MAX + 2];
    memset(longest, 'a', sizeof longest - 1);
    longest[RK_SF_FIELD_MAX] = '\0';
    assert_true(rk_sf_field_name_ok(longest));
    longest[RK_SF_FIELD_MAX] = 'a';
    longest[RK_SF_FIELD_MAX + 1] = '\0';
    assert_false(rk_sf_field_name_ok(longest));
}

static void token_body(void **state) {
    (void)state;
    struct rk_buf b;
    rk_buf_init(&b);
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_sf_token_body("3MVG9.id", "s3cr&t =x", &b, &e), RK_OK);
    assert_string_equal(b.data, "grant_type=client_credentials&client_id=3MVG9.id&client_secret="
                                "s3cr%26t%20%3Dx");
    rk_buf_reset(&b);
    assert_int_equal(rk_sf_token_body("", "SECRET", &b, &e), RK_EINVAL);
    says(&e, "client_id is empty", "SECRET");
    assert_int_equal(rk_sf_token_body("id", NULL, &b, &e), RK_EINVAL);
    says(&e, "client_secret is empty", NULL);
    assert_int_equal(rk_sf_token_body("id", "SECRET\n", &b, &e), RK_EINVAL);
    says(&e, "control character", "SECRET");
    char big[RK_SF_CRED_MAX + 2];
    memset(big, 'S', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_int_equal(rk_sf_token_body(big, "x", &b, &e), RK_EINVAL);
    says(&e, "longer than", "SSSS");
    assert_string_equal(e.where, "client_id");
    rk_buf_cleanup(&b);
}

static void token_answer(void **state) {
    (void)state;
    struct rk_sf_token t;
    struct rk_error e = RK_ERROR_INIT;
    const char *good = "{\"access_token\":\"00DTOKEN!abc.def\",\"instance_url\":"
                       "\"https://x.my.salesforce.com/\",\"id\":\"https://login/id/1\","
                       "\"token_type\":\"Bearer\",\"issued_at\":\"1701993600000\","
                       "\"signature\":\"sig\"}";
    assert_int_equal(rk_sf_parse_token(good, strlen(good), &t, &e), RK_OK);
    assert_string_equal(t.access_token, "00DTOKEN!abc.def");
    assert_string_equal(t.instance_url, "https://x.my.salesforce.com");
    assert_true(t.issued_at_ms == 1701993600000LL);
    const char *min = "{\"access_token\":\"T\",\"instance_url\":\"http://127.0.0.1:9\"}";
    assert_int_equal(rk_sf_parse_token(min, strlen(min), &t, &e), RK_OK);
    assert_true(t.issued_at_ms == 0);
    static const struct {
        const char *body, *where, *why;
    } bad[] = {
        {"", "", "not JSON"},
        {"[]", "", "not an object"},
        {"{\"instance_url\":\"https://x\"}", "access_token", "access_token is not"},
        {"{\"access_token\":\"SECRET TOKEN\",\"instance_url\":\"https://x\"}", "access_token",
         "printable"},
        {"{\"access_token\":\"\",\"instance_url\":\"https://x\"}", "access_token", "1 to"},
        {"{\"access_token\":7,\"instance_url\":\"https://x\"}", "access_token", "1 to"},
        {"{\"access_token\":\"SECRET\"}", "instance_url", "instance_url is not"},
        {"{\"access_token\":\"SECRET\",\"instance_url\":\"ftp://x\"}", "instance_url", "http"},
        {"{\"access_token\":\"SECRET\",\"instance_url\":\"https://\"}", "instance_url", "http"},
        {"{\"access_token\":\"SECRET\",\"instance_url\":\"https://a b\"}", "instance_url", "http"},
        {"{\"access_token\":\"SECRET\",\"instance_url\":\"https:///\"}", "instance_url", "http"},
        {"{\"access_token\":\"SECRET\",\"instance_url\":\"https://x\",\"token_type\":\"MAC\"}",
         "token_type", "not Bearer"},
        {"{\"access_token\":\"SECRET\",\"instance_url\":\"https://x\",\"issued_at\":17}",
         "issued_at", "digits"},
        {"{\"access_token\":\"SECRET\",\"instance_url\":\"https://x\",\"issued_at\":\"1x\"}",
         "issued_at", "digits"},
        {"{\"access_token\":\"SECRET\",\"access_token\":\"x\",\"instance_url\":\"https://x\"}", "",
         "not JSON"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rk_error_clear(&e);
        if (rk_sf_parse_token(bad[i].body, strlen(bad[i].body), &t, &e) != RK_EPARSE)
            fail_msg("case %zu accepted", i);
        says(&e, bad[i].why, "SECRET");
        assert_string_equal(e.where, bad[i].where);
        assert_string_equal(t.access_token, "");
    }
    char big[RK_SF_BODY_MAX + 2];
    memset(big, ' ', sizeof big);
    assert_int_equal(rk_sf_parse_token(big, sizeof big, &t, &e), RK_EPARSE);
    says(&e, "longer than", NULL);
}

static void contact_body(void **state) {
    (void)state;
    struct rk_contact c = {.v = {[RK_F_NAME] = "Anna Maria Virtanen",
                                 [RK_F_EMAIL] = "anna@example.fi",
                                 [RK_F_PHONE] = "+358401234567",
                                 [RK_F_POSITION] = "CTO",
                                 [RK_F_ORGANISATION] = "Esimerkki Oy",
                                 [RK_F_INTERESTS] = "never sent"}};
    struct rk_buf b;
    rk_buf_init(&b);
    struct rk_error e = RK_ERROR_INIT;
    struct rk_sf_contact_in in = {.contact = &c,
                                  .shares = ALL_SHARED | RK_SF_SHARES(RK_F_INTERESTS),
                                  .restricted = false,
                                  .restriction_field = "Processing_Restricted__c"};
    assert_int_equal(rk_sf_contact_body(&in, &b, &e), RK_OK);
    assert_string_equal(b.data,
                        "{\"FirstName\":\"Anna Maria\",\"LastName\":\"Virtanen\",\"Email\":"
                        "\"anna@example.fi\",\"Phone\":\"+358401234567\",\"Title\":\"CTO\","
                        "\"Department\":\"Esimerkki Oy\",\"Processing_Restricted__c\":false}");
    /* Only the email shared: LastName is the placeholder, nothing else is sent. */
    rk_buf_reset(&b);
    in.shares = RK_SF_SHARES(RK_F_EMAIL);
    in.restricted = true;
    assert_int_equal(rk_sf_contact_body(&in, &b, &e), RK_OK);
    assert_string_equal(b.data, "{\"LastName\":\"[rekisteri]\",\"Email\":\"anna@example.fi\","
                                "\"Processing_Restricted__c\":true}");
    /* Shared but absent: cleared; a one-word name is all LastName. */
    struct rk_contact one = {.v = {[RK_F_NAME] = "Madonna"}};
    in.contact = &one;
    in.shares = RK_SF_SHARES(RK_F_NAME) | RK_SF_SHARES(RK_F_PHONE);
    rk_buf_reset(&b);
    assert_int_equal(rk_sf_contact_body(&in, &b, &e), RK_OK);
    assert_string_equal(b.data, "{\"FirstName\":null,\"LastName\":\"Madonna\",\"Phone\":null,"
                                "\"Processing_Restricted__c\":true}");
    /* No values at all, name shared. */
    in.contact = NULL;
    rk_buf_reset(&b);
    assert_int_equal(rk_sf_contact_body(&in, &b, &e), RK_OK);
    assert_string_equal(b.data, "{\"FirstName\":null,\"LastName\":\"[rekisteri]\",\"Phone\":null,"
                                "\"Processing_Restricted__c\":true}");
    /* Refusals. */
    in.restriction_field = "Bad Field";
    assert_int_equal(rk_sf_contact_body(&in, &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "restriction_field");
    in.restriction_field = "R__c";
    struct rk_contact bad = {.v = {[RK_F_EMAIL] = "\xff@x.fi"}};
    in.contact = &bad;
    in.shares = RK_SF_SHARES(RK_F_EMAIL);
    assert_int_equal(rk_sf_contact_body(&in, &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "email");
    says(&e, "not UTF-8", "@x.fi");
    struct rk_contact badname = {.v = {[RK_F_NAME] = "A \xff"}};
    in.contact = &badname;
    in.shares = RK_SF_SHARES(RK_F_NAME);
    assert_int_equal(rk_sf_contact_body(&in, &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "name");
    rk_buf_cleanup(&b);
}

static void problem_error(void **state) {
    (void)state;
    struct rk_error e = RK_ERROR_INIT;
    struct rk_sf_problem p;
    const char *one = "[{\"message\":\"anna@example.fi is bad\",\"errorCode\":"
                      "\"INVALID_EMAIL_ADDRESS\",\"fields\":[\"Email\"]}]";
    assert_int_equal(rk_sf_problem_error(400, one, strlen(one), &p, &e), RK_EINVAL);
    assert_string_equal(e.message, "Salesforce answered 400 INVALID_EMAIL_ADDRESS");
    assert_string_equal(p.code, "INVALID_EMAIL_ADDRESS");
    const char *many = "[{\"errorCode\":\"A\"},{\"errorCode\":\"B\"},{\"errorCode\":\"A\"},"
                       "{\"errorCode\":\"C\"},{\"errorCode\":\"D\"},{\"errorCode\":\"x@y\"},7]";
    assert_int_equal(rk_sf_problem_error(400, many, strlen(many), &p, &e), RK_EINVAL);
    assert_string_equal(e.message, "Salesforce answered 400 A, B, C and 1 more");
    assert_string_equal(p.code, "A");
    const char *oauth = "{\"error\":\"invalid_client\",\"error_description\":\"SECRET\"}";
    assert_int_equal(rk_sf_problem_error(400, oauth, strlen(oauth), &p, &e), RK_EINVAL);
    assert_string_equal(e.message, "Salesforce answered 400 invalid_client");
    const char *sess = "[{\"message\":\"Session expired\",\"errorCode\":\"INVALID_SESSION_ID\"}]";
    assert_int_equal(rk_sf_problem_error(401, sess, strlen(sess), &p, &e), RK_EREFUSED);
    const char *lim = "[{\"message\":\"limit\",\"errorCode\":\"REQUEST_LIMIT_EXCEEDED\"}]";
    assert_int_equal(rk_sf_problem_error(403, lim, strlen(lim), &p, &e), RK_EBUSY);
    const char *nf = "[{\"errorCode\":\"NOT_FOUND\",\"message\":\"x\"}]";
    assert_int_equal(rk_sf_problem_error(404, nf, strlen(nf), &p, &e), RK_ENOENT);
    const char *dup = "[{\"errorCode\":\"DUPLICATE_VALUE\"}]";
    assert_int_equal(rk_sf_problem_error(409, dup, strlen(dup), &p, &e), RK_ECONFLICT);
    assert_int_equal(rk_sf_problem_error(503, NULL, 0, &p, &e), RK_EBUSY);
    assert_string_equal(e.message, "Salesforce answered 503 (no body)");
    assert_int_equal(rk_sf_problem_error(429, "<html>", 6, &p, &e), RK_EBUSY);
    says(&e, "not a Salesforce error", NULL);
    const char *nocode = "[{\"message\":\"anna@example.fi\",\"errorCode\":\"has space\"}]";
    assert_int_equal(rk_sf_problem_error(418, nocode, strlen(nocode), &p, &e), RK_EIO);
    assert_string_equal(e.message, "Salesforce answered 418 (no usable errorCode)");
    assert_string_equal(p.code, "");
    char big[RK_SF_BODY_MAX + 2];
    memset(big, ' ', sizeof big);
    assert_int_equal(rk_sf_problem_error(500, big, sizeof big, &p, &e), RK_EBUSY);
    says(&e, "longer than", NULL);
}

static void query_page(void **state) {
    (void)state;
    struct rk_error e = RK_ERROR_INIT;
    struct rk_sf_page p;
    const char *page =
        "{\"totalSize\":3,\"done\":false,\"nextRecordsUrl\":"
        "\"/services/data/v60.0/query/01gD0000002HU6KIAW-2000\",\"records\":["
        "{\"attributes\":{\"type\":\"Contact\"},\"Id\":\"003D000000QV9n2IAD\",\"FirstName\":"
        "\"Anna\",\"LastName\":\"Virtanen\",\"Email\":\"anna@example.fi\",\"Phone\":null,"
        "\"Title\":\"CTO\",\"Department\":\"R&D\",\"Rek__c\":\"abcdefghijklmnopqrstuvwxyz\"},"
        "{\"Id\":\"003D000000QV9n3\",\"LastName\":\"Solo\"}]}";
    assert_int_equal(rk_sf_parse_query(page, strlen(page), "Rek__c", &p, &e), RK_OK);
    assert_int_equal(p.n, 2);
    assert_false(p.done);
    assert_true(p.total_size == 3);
    assert_string_equal(p.next_url, "/services/data/v60.0/query/01gD0000002HU6KIAW-2000");
    assert_string_equal(p.records[0].first_name, "Anna");
    assert_string_equal(p.records[0].phone, "");
    assert_string_equal(p.records[0].department, "R&D");
    assert_string_equal(p.records[0].external_id, "abcdefghijklmnopqrstuvwxyz");
    assert_string_equal(p.records[1].email, "");
    assert_string_equal(p.records[1].external_id, "");
    rk_sf_page_free(&p);
    const char *last = "{\"totalSize\":0,\"done\":true,\"records\":[]}";
    assert_int_equal(rk_sf_parse_query(last, strlen(last), "Rek__c", &p, &e), RK_OK);
    assert_true(p.done);
    assert_string_equal(p.next_url, "");
    rk_sf_page_free(&p);
    static const struct {
        const char *body, *where;
    } bad[] = {
        {"{", ""},
        {"[]", ""},
        {"{\"done\":true,\"records\":[]}", "totalSize"},
        {"{\"totalSize\":-1,\"done\":true,\"records\":[]}", "totalSize"},
        {"{\"totalSize\":0,\"done\":\"yes\",\"records\":[]}", "done"},
        {"{\"totalSize\":0,\"done\":true}", "records"},
        {"{\"totalSize\":0,\"done\":false,\"records\":[]}", "nextRecordsUrl"},
        {"{\"totalSize\":0,\"done\":false,\"nextRecordsUrl\":\"https://evil/x\",\"records\":[]}",
         "nextRecordsUrl"},
        {"{\"totalSize\":0,\"done\":false,\"nextRecordsUrl\":\"/services/data/../x\","
         "\"records\":[]}",
         "nextRecordsUrl"},
        {"{\"totalSize\":1,\"done\":true,\"records\":[7]}", "records[0]"},
        {"{\"totalSize\":1,\"done\":true,\"records\":[{\"Id\":\"short\"}]}", "records[0].Id"},
        {"{\"totalSize\":1,\"done\":true,\"records\":[{\"Id\":\"003D000000QV9n2\",\"Email\":"
         "[\"anna@example.fi\"]}]}",
         "records[0].Email"},
        {"{\"totalSize\":1,\"done\":true,\"records\":[{\"Id\":\"003D000000QV9n2\",\"Rek__c\":1}]}",
         "records[0].Rek__c"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rk_error_clear(&e);
        if (rk_sf_parse_query(bad[i].body, strlen(bad[i].body), "Rek__c", &p, &e) != RK_EPARSE)
            fail_msg("case %zu accepted", i);
        if (strcmp(e.where, bad[i].where) != 0)
            fail_msg("case %zu: where '%s', not '%s'", i, e.where, bad[i].where);
        says(&e, "", "anna@");
        assert_null(p.records);
    }
    assert_int_equal(rk_sf_parse_query(last, strlen(last), "bad field", &p, &e), RK_EINVAL);
}

static void job(void **state) {
    (void)state;
    struct rk_buf b;
    rk_buf_init(&b);
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_sf_job_body("Rek__c", &b, &e), RK_OK);
    assert_string_equal(b.data, "{\"object\":\"Contact\",\"externalIdFieldName\":\"Rek__c\","
                                "\"contentType\":\"CSV\",\"operation\":\"upsert\","
                                "\"lineEnding\":\"LF\"}");
    assert_int_equal(rk_sf_job_body("x\",\"y", &b, &e), RK_EINVAL);
    rk_buf_cleanup(&b);
    struct rk_sf_job j;
    const char *info = "{\"id\":\"750R0000000zlh9IAA\",\"state\":\"JobComplete\","
                       "\"numberRecordsProcessed\":10,\"numberRecordsFailed\":2,\"object\":"
                       "\"Contact\"}";
    assert_int_equal(rk_sf_parse_job(info, strlen(info), &j, &e), RK_OK);
    assert_string_equal(j.id, "750R0000000zlh9IAA");
    assert_int_equal(j.state, RK_SF_JOB_COMPLETE);
    assert_true(j.processed == 10 && j.failed == 2);
    for (int s = RK_SF_JOB_OPEN; s <= RK_SF_JOB_ABORTED; s++) {
        char t[128];
        snprintf(t, sizeof t, "{\"id\":\"750R0000000zlh9\",\"state\":\"%s\"}",
                 rk_sf_job_state_name((enum rk_sf_job_state)s));
        assert_int_equal(rk_sf_parse_job(t, strlen(t), &j, &e), RK_OK);
        assert_int_equal(j.state, s);
    }
    assert_string_equal(rk_sf_job_state_name((enum rk_sf_job_state)9), "");
    static const struct {
        const char *body, *where;
    } bad[] = {
        {"nope", ""},
        {"{\"state\":\"Open\"}", "id"},
        {"{\"id\":\"750R0000000zlh9IAA/x\",\"state\":\"Open\"}", "id"},
        {"{\"id\":\"750R0000000zlh9\",\"state\":\"Done\"}", "state"},
        {"{\"id\":\"750R0000000zlh9\"}", "state"},
        {"{\"id\":\"750R0000000zlh9\",\"state\":\"Open\",\"numberRecordsProcessed\":-1}",
         "numberRecordsProcessed"},
        {"{\"id\":\"750R0000000zlh9\",\"state\":\"Open\",\"numberRecordsFailed\":\"1\"}",
         "numberRecordsFailed"},
        {"{\"id\":\"750R0000000zlh9\",\"state\":\"Open\",\"numberRecordsProcessed\":1,"
         "\"numberRecordsFailed\":2}",
         "numberRecordsFailed"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rk_error_clear(&e);
        if (rk_sf_parse_job(bad[i].body, strlen(bad[i].body), &j, &e) != RK_EPARSE)
            fail_msg("case %zu accepted", i);
        if (strcmp(e.where, bad[i].where) != 0)
            fail_msg("case %zu: where '%s', not '%s'", i, e.where, bad[i].where);
    }
}

static void batch_csv(void **state) {
    (void)state;
    struct rk_contact a = {.v = {[RK_F_NAME] = "Anna Virtanen",
                                 [RK_F_EMAIL] = "anna@example.fi",
                                 [RK_F_ORGANISATION] = "Oy \"Esim\", Ab",
                                 [RK_F_INTERESTS] = "never"}};
    struct rk_contact b2 = {.v = {[RK_F_EMAIL] = "b@example.fi", [RK_F_POSITION] = "line\nbreak"}};
    struct rk_sf_row rows[] = {{.person_id = "aaaa", .contact = &a, .restricted = false},
                               {.person_id = "bbbb", .contact = &b2, .restricted = true},
                               {.person_id = "cccc", .contact = NULL, .restricted = false}};
    struct rk_buf b;
    rk_buf_init(&b);
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_sf_batch_csv(rows, 3, ALL_SHARED, "Rek__c", "R__c", &b, &e), RK_OK);
    assert_string_equal(b.data,
                        "Rek__c,FirstName,LastName,Email,Phone,Title,Department,R__c\n"
                        "aaaa,Anna,Virtanen,anna@example.fi,#N/A,#N/A,\"Oy \"\"Esim\"\", "
                        "Ab\",false\n"
                        "bbbb,#N/A,[rekisteri],b@example.fi,#N/A,\"line\nbreak\",#N/A,true\n"
                        "cccc,#N/A,[rekisteri],#N/A,#N/A,#N/A,#N/A,false\n");
    rk_buf_reset(&b);
    assert_int_equal(rk_sf_batch_csv(rows, 1, RK_SF_SHARES(RK_F_EMAIL), "Rek__c", "R__c", &b, &e),
                     RK_OK);
    assert_string_equal(b.data,
                        "Rek__c,LastName,Email,R__c\naaaa,[rekisteri],anna@example.fi,false\n");
    assert_int_equal(rk_sf_batch_csv(rows, 0, ALL_SHARED, "Rek__c", "R__c", &b, &e), RK_EINVAL);
    says(&e, "1 to 10000", NULL);
    assert_int_equal(rk_sf_batch_csv(rows, 10001, ALL_SHARED, "Rek__c", "R__c", &b, &e), RK_EINVAL);
    assert_int_equal(rk_sf_batch_csv(rows, 1, ALL_SHARED, "Rek c", "R__c", &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "external_id_field");
    assert_int_equal(rk_sf_batch_csv(rows, 1, ALL_SHARED, "Rek__c", "", &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "restriction_field");
    struct rk_sf_row badid[] = {{.person_id = "aa,a", .contact = NULL}};
    assert_int_equal(rk_sf_batch_csv(badid, 1, ALL_SHARED, "Rek__c", "R__c", &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "rows[0].person_id");
    struct rk_contact na = {.v = {[RK_F_PHONE] = "#N/A"}};
    struct rk_contact bad8 = {.v = {[RK_F_EMAIL] = "x\xfe@y.fi"}};
    struct rk_sf_row badv[] = {{.person_id = "a", .contact = &a},
                               {.person_id = "b", .contact = &na}};
    assert_int_equal(rk_sf_batch_csv(badv, 2, ALL_SHARED, "Rek__c", "R__c", &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "rows[1].phone");
    badv[1].contact = &bad8;
    assert_int_equal(rk_sf_batch_csv(badv, 2, ALL_SHARED, "Rek__c", "R__c", &b, &e), RK_EINVAL);
    assert_string_equal(e.where, "rows[1].email");
    says(&e, "UTF-8", "@y.fi");
    rk_buf_cleanup(&b);
}

struct seen {
    char ids[8][32], codes[8][RK_SF_CODE_MAX + 1];
    int n, stop_at;
};

static int on_failed(void *ctx, const char *person_id, const char *code) {
    struct seen *s = ctx;
    if (s->n == s->stop_at)
        return 1;
    snprintf(s->ids[s->n], sizeof s->ids[0], "%s", person_id);
    snprintf(s->codes[s->n], sizeof s->codes[0], "%s", code);
    s->n++;
    return 0;
}

static void failed_results(void **state) {
    (void)state;
    struct rk_error e = RK_ERROR_INIT;
    struct seen s = {.stop_at = -1};
    const char *csv = "\"sf__Id\",\"sf__Error\",Rek__c,LastName,Email\n"
                      "\"\",\"INVALID_EMAIL_ADDRESS:Email: invalid email address: bad:--\",aaaa,"
                      "X,bad\n"
                      ",\"some words, no code\",bbbb,Y,z@z\n";
    assert_int_equal(rk_sf_parse_failed(csv, strlen(csv), "Rek__c", on_failed, &s, &e), RK_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.ids[0], "aaaa");
    assert_string_equal(s.codes[0], "INVALID_EMAIL_ADDRESS");
    assert_string_equal(s.ids[1], "bbbb");
    assert_string_equal(s.codes[1], "");
    s = (struct seen){.stop_at = 1};
    assert_int_equal(rk_sf_parse_failed(csv, strlen(csv), "Rek__c", on_failed, &s, &e),
                     RK_EREFUSED);
    s = (struct seen){.stop_at = -1};
    const char *header_only = "sf__Id,sf__Error,Rek__c\n";
    assert_int_equal(
        rk_sf_parse_failed(header_only, strlen(header_only), "Rek__c", on_failed, &s, &e), RK_OK);
    assert_int_equal(s.n, 0);
    static const struct {
        const char *body, *why;
    } bad[] = {
        {"", "no header"},
        {"sf__Id,Rek__c\n,a\n", "no sf__Error"},
        {"sf__Id,sf__Error\n,a\n", "no sf__Error or external id"},
        {"sf__Error,Rek__c\nX:y,a,anna@example.fi\n", "3 fields"},
        {"sf__Error,Rek__c\n\"X:y,anna@example.fi\n", "line"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        rk_error_clear(&e);
        if (rk_sf_parse_failed(bad[i].body, strlen(bad[i].body), "Rek__c", on_failed, &s, &e) !=
            RK_EPARSE)
            fail_msg("case %zu accepted", i);
        says(&e, bad[i].why, "anna@");
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(field_names),
        cmocka_unit_test(token_body),
        cmocka_unit_test(token_answer),
        cmocka_unit_test(contact_body),
        cmocka_unit_test(problem_error),
        cmocka_unit_test(query_page),
        cmocka_unit_test(job),
        cmocka_unit_test(batch_csv),
        cmocka_unit_test(failed_results),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
