/*
 * test_mail.c — composing messages (src/mail/compose.c): the exact headers,
 * RFC 2047 subjects and quoted-printable bodies for Finnish text, lines of at
 * most 76 characters, the RFC 8058 pair, and refusal of header injection and
 * malformed addresses; also the SMTP URL check, and opening a queued
 * message's sealed content (rk_mail_open): its four fields back, on its own
 * row only, and anything but four fields refused. The retry backoff is the
 * outbox worker's (test_worker.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/id.h"
#include "keys/seal.h"
#include "mail/mail.h"

static rk_ts at(const char *iso) {
    rk_ts t = 0;
    if (!rk_ts_parse(iso, &t))
        fail_msg("bad instant in the test: %s", iso);
    return t;
}

static struct rk_mail base(void) {
    return (struct rk_mail){.from = "noreply@example.fi",
                            .to = "matti@example.fi",
                            .subject = "Welcome",
                            .body = "Hello.\n",
                            .message_id = "abcdefghijklmnopqrstuvwxyz",
                            .date = at("2026-03-01T10:00:00Z"),
                            .list_unsubscribe = NULL};
}

/* Composes m, failing the test on error; the caller frees the result. */
static char *compose(const struct rk_mail *m) {
    struct rk_buf b;
    rk_buf_init(&b);
    struct rk_error why = RK_ERROR_INIT;
    rk_err err = rk_mail_compose(m, &b, &why);
    if (err != RK_OK)
        fail_msg("compose: %s: %s", rk_err_name(err), why.message);
    char *s = strdup(b.data ? b.data : "");
    rk_buf_cleanup(&b);
    if (!s)
        abort();
    return s;
}

/* Every line ends in CRLF and has at most 76 characters before it. */
static void assert_lines_fit(const char *msg) {
    const char *p = msg;
    while (*p) {
        const char *crlf = strstr(p, "\r\n");
        assert_non_null(crlf);
        if ((size_t)(crlf - p) > 76)
            fail_msg("line of %zu characters: %.*s", (size_t)(crlf - p), (int)(crlf - p), p);
        assert_null(memchr(p, '\n', (size_t)(crlf - p)));
        p = crlf + 2;
    }
}

static int hexval(char c) { return c >= 'A' ? c - 'A' + 10 : c - '0'; }

/* Decodes a quoted-printable body (CRLF lines) back to LF text. */
static char *qp_decode(const char *qp) {
    char *out = calloc(1, strlen(qp) + 1);
    if (!out)
        abort();
    size_t n = 0;
    for (const char *p = qp; *p;) {
        if (p[0] == '=' && p[1] == '\r' && p[2] == '\n') {
            p += 3;
        } else if (p[0] == '=') {
            out[n++] = (char)(hexval(p[1]) * 16 + hexval(p[2]));
            p += 3;
        } else if (p[0] == '\r' && p[1] == '\n') {
            out[n++] = '\n';
            p += 2;
        } else {
            out[n++] = *p++;
        }
    }
    return out;
}

static const char *body_of(const char *msg) {
    const char *b = strstr(msg, "\r\n\r\n");
    assert_non_null(b);
    return b + 4;
}

static void exact_message(void **state) {
    (void)state;
    struct rk_mail m = base();
    m.list_unsubscribe = "https://rekisteri.example.fi/u/TOKEN123";
    char *got = compose(&m);
    assert_string_equal(got, "Date: Sun, 01 Mar 2026 10:00:00 +0000\r\n"
                             "From: noreply@example.fi\r\n"
                             "To: matti@example.fi\r\n"
                             "Subject: Welcome\r\n"
                             "Message-ID: <abcdefghijklmnopqrstuvwxyz@example.fi>\r\n"
                             "List-Unsubscribe: <https://rekisteri.example.fi/u/TOKEN123>\r\n"
                             "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
                             "MIME-Version: 1.0\r\n"
                             "Content-Type: text/plain; charset=utf-8\r\n"
                             "Content-Transfer-Encoding: quoted-printable\r\n"
                             "\r\n"
                             "Hello.\r\n");
    free(got);
    /* Without a URL, no List-Unsubscribe headers at all. */
    m.list_unsubscribe = NULL;
    got = compose(&m);
    assert_null(strstr(got, "List-Unsubscribe"));
    assert_null(strstr(got, "Reply-To"));
    free(got);
    /* Reply-To after From, when given (issue 13: "reply to this message" reaches a person). */
    m.reply_to = "asiakaspalvelu@example.fi";
    got = compose(&m);
    assert_non_null(strstr(got, "From: noreply@example.fi\r\nReply-To: asiakaspalvelu@example.fi\r\n"
                                "To: matti@example.fi\r\n"));
    free(got);
}

static void finnish_text(void **state) {
    (void)state;
    struct rk_mail m = base();
    m.subject = "Vahvista tilauksesi – ä ö å";
    m.body = "Hei ä ö å – kiitos\nRivi 2\n";
    char *got = compose(&m);
    assert_non_null(
        strstr(got, "\r\nSubject: =?UTF-8?B?VmFodmlzdGEgdGlsYXVrc2VzaSDigJMgw6Qgw7Ygw6U=?=\r\n"));
    assert_string_equal(body_of(got), "Hei =C3=A4 =C3=B6 =C3=A5 =E2=80=93 kiitos\r\nRivi 2\r\n");
    assert_lines_fit(got);
    free(got);
}

static void long_lines(void **state) {
    (void)state;
    char body[2000], subject[420];
    size_t n = 0;
    for (int i = 0; i < 300; i++)
        body[n++] = 'a';
    body[n++] = '\n';
    for (int i = 0; i < 100; i++) { /* ä: every byte encoded */
        body[n++] = (char)0xC3;
        body[n++] = (char)0xA4;
    }
    body[n++] = '\n';
    memcpy(body + n, "trailing space \n=equals\n.dot\nFrom here\n", 40);
    n += 40;
    body[n] = '\0';
    n = 0;
    for (int i = 0; i < 30; i++) { /* "Tilaus ö " thirty times: several encoded-words */
        memcpy(subject + n, "Tilaus \xc3\xb6 ", 10);
        n += 10;
    }
    subject[n - 1] = '\0';
    struct rk_mail m = base();
    m.body = body;
    m.subject = subject;
    char *got = compose(&m);
    assert_lines_fit(got);
    char *decoded = qp_decode(body_of(got));
    assert_string_equal(decoded, body);
    free(decoded);
    /* The special cases are protected. */
    assert_non_null(strstr(got, "trailing space=20\r\n"));
    assert_non_null(strstr(got, "\r\n=3Dequals\r\n"));
    assert_non_null(strstr(got, "\r\n=2Edot\r\n"));
    assert_non_null(strstr(got, "\r\n=46rom here\r\n"));
    /* The subject is folded into encoded-words, each on a line of its own. */
    const char *s = strstr(got, "Subject: =?UTF-8?B?");
    assert_non_null(s);
    assert_non_null(strstr(s, "?=\r\n =?UTF-8?B?"));
    free(got);
}

/* compose refuses m with RK_EINVAL; why names field and does not contain secret. */
static void assert_refused(const struct rk_mail *m, const char *field, const char *secret) {
    struct rk_buf b;
    rk_buf_init(&b);
    rk_buf_puts(&b, "kept");
    struct rk_error why = RK_ERROR_INIT;
    rk_err err = rk_mail_compose(m, &b, &why);
    if (err != RK_EINVAL)
        fail_msg("%s: accepted (%s)", field, rk_err_name(err));
    if (strncmp(why.message, field, strlen(field)) != 0)
        fail_msg("the message does not name %s: %s", field, why.message);
    if (strncmp(why.message, why.where, strlen(why.where)) != 0 || !why.where[0])
        fail_msg("where (%s) is not the field the message names: %s", why.where, why.message);
    if (secret && strstr(why.message, secret))
        fail_msg("the message repeats the value: %s", why.message);
    assert_string_equal(b.data, "kept"); /* nothing half-written */
    rk_buf_cleanup(&b);
}

static void injection_refused(void **state) {
    (void)state;
    struct rk_mail m = base();
    m.subject = "Hi\r\nBcc: victim@example.com";
    assert_refused(&m, "subject", "victim");
    m = base();
    m.subject = "Hi\nBcc: victim@example.com";
    assert_refused(&m, "subject", "victim");
    m = base();
    m.to = "matti@example.fi\r\nBcc: victim@example.com";
    assert_refused(&m, "recipient", "victim");
    m = base();
    m.from = "noreply@example.fi\nX: y";
    assert_refused(&m, "From", NULL);
    m = base();
    m.reply_to = "help@example.fi\r\nBcc: victim@example.com";
    assert_refused(&m, "Reply-To", "victim");
    m = base();
    m.reply_to = "Help Desk <help@example.fi>";
    assert_refused(&m, "Reply-To", NULL);
    m = base();
    m.list_unsubscribe = "https://x.example/u/a\r\nBcc: victim@example.com";
    assert_refused(&m, "List-Unsubscribe", "victim");
    m = base();
    m.list_unsubscribe = "javascript:alert(1)";
    assert_refused(&m, "List-Unsubscribe", NULL);
    m = base();
    m.list_unsubscribe = "https://x.example/u/a>, <mailto:x@y";
    assert_refused(&m, "List-Unsubscribe", NULL);
    m = base();
    m.message_id = "abc>\r\nX-Evil: 1";
    assert_refused(&m, "Message-ID", NULL);
    m = base();
    m.subject = "\xff\xfe not UTF-8";
    assert_refused(&m, "subject", NULL);
    m = base();
    m.body = "overlong \xc0\xaf";
    assert_refused(&m, "body", NULL);
}

static void malformed_addresses(void **state) {
    (void)state;
    static const char *const bad[] = {"",
                                      "matti",
                                      "@example.fi",
                                      "matti@",
                                      "a@b@example.fi",
                                      "<a@b.fi>",
                                      "Matti <a@b.fi>",
                                      "a b@example.fi",
                                      "a..b@example.fi",
                                      ".a@example.fi",
                                      "a@-x.fi",
                                      "a@x-.fi",
                                      "a@ex ample.fi",
                                      "ä@example.fi",
                                      "a@example..fi",
                                      "a,b@example.fi"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (rk_mail_address_ok(bad[i]))
            fail_msg("accepted as an address: \"%s\"", bad[i]);
        struct rk_mail m = base();
        m.to = bad[i];
        assert_refused(&m, "recipient", NULL);
    }
    static const char *const good[] = {"matti@example.fi", "first.last+tag@mail.example.co.uk",
                                       "x@localhost", "o'brien@example.ie"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!rk_mail_address_ok(good[i]))
            fail_msg("refused as an address: \"%s\"", good[i]);
}

static void check_for_enqueue(void **state) {
    (void)state;
    struct rk_error why = RK_ERROR_INIT;
    struct rk_outbox_msg m = {
        .kind = "confirm", .recipient = "a@example.fi", .subject = "s", .body = "b"};
    assert_int_equal(rk_mail_check(&m, &why), RK_OK);
    m.kind = "Confirm!";
    assert_int_equal(rk_mail_check(&m, &why), RK_EINVAL);
    assert_non_null(strstr(why.message, "kind"));
    m.kind = "test";
    m.recipient = "not an address";
    assert_int_equal(rk_mail_check(&m, &why), RK_EINVAL);
    assert_null(strstr(why.message, "not an address"));
}

static void smtp_urls(void **state) {
    (void)state;
    struct rk_error why = RK_ERROR_INIT;
    assert_true(rk_smtp_url_ok("smtp://127.0.0.1:2525", &why));
    assert_true(rk_smtp_url_ok("smtps://mail.example.fi", &why));
    assert_true(rk_smtp_url_ok("smtp://mail.example.fi:587/rekisteri.example.fi", &why));
    assert_false(rk_smtp_url_ok("http://mail.example.fi", &why));
    assert_false(rk_smtp_url_ok("smtp://", &why));
    assert_false(rk_smtp_url_ok("smtp://host:0", &why));
    assert_false(rk_smtp_url_ok("smtp://host:99999", &why));
    assert_false(rk_smtp_url_ok("smtp://host:25x", &why));
    assert_false(rk_smtp_url_ok("smtp://user:secret@host", &why));
    assert_null(strstr(why.message, "secret"));
    assert_false(rk_smtp_url_ok("smtp://ho st", &why));
}

/* A row as outbox_due reads it, its content len bytes of plain sealed for row 3 / "mid3". */
static struct rk_outbox_msg sealed_row(const unsigned char *key, const char *plain, size_t len,
                                       unsigned char **v) {
    struct rk_seal_ad ad;
    size_t n = 0;
    rk_seal_ad_outbox(3, "mid3", &ad);
    assert_int_equal(rk_seal(key, &ad, plain, len, v, &n), RK_OK);
    return (struct rk_outbox_msg){.id = 3, .message_id = "mid3", .sealed = *v, .sealed_len = n};
}

static void open_sealed_content(void **state) {
    (void)state;
    unsigned char key[RK_KEY_LEN], *v = NULL;
    char *plain = NULL;
    size_t n = 0;
    struct rk_mail_content c;
    assert_int_equal(rk_crypto_init(), RK_OK);
    memset(key, 7, sizeof key);
    static const char with_url[] = "a@example.fi\0Hei\0Body\nline\0https://x.fi/u/t";
    struct rk_outbox_msg m = sealed_row(key, with_url, sizeof with_url - 1, &v);
    assert_int_equal(rk_mail_open(key, &m, &plain, &n, &c), RK_OK);
    assert_string_equal(c.recipient, "a@example.fi");
    assert_string_equal(c.subject, "Hei");
    assert_string_equal(c.body, "Body\nline");
    assert_string_equal(c.list_unsubscribe, "https://x.fi/u/t");
    rk_seal_free(plain, n);
    /* On another row it does not open. */
    m.id = 4;
    assert_int_equal(rk_mail_open(key, &m, &plain, &n, &c), RK_EPARSE);
    m.id = 3;
    m.message_id = "mid4";
    assert_int_equal(rk_mail_open(key, &m, &plain, &n, &c), RK_EPARSE);
    free(v);
    static const char no_url[] = "a@example.fi\0Hei\0Body\0";
    m = sealed_row(key, no_url, sizeof no_url - 1, &v);
    assert_int_equal(rk_mail_open(key, &m, &plain, &n, &c), RK_OK);
    assert_null(c.list_unsubscribe);
    assert_string_equal(c.body, "Body");
    rk_seal_free(plain, n);
    free(v);
    static const char *const bad[] = {"a@example.fi\0Hei\0Body", "a@example.fi", "a\0b\0c\0d\0e",
                                      ""};
    static const size_t bad_len[] = {21, 12, 9, 0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        m = sealed_row(key, bad[i], bad_len[i], &v);
        assert_int_equal(rk_mail_open(key, &m, &plain, &n, &c), RK_EPARSE);
        free(v);
    }
    m.sealed = NULL; /* a queued row without content */
    m.sealed_len = 0;
    assert_int_equal(rk_mail_open(key, &m, &plain, &n, &c), RK_EPARSE);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_message),
        cmocka_unit_test(finnish_text),
        cmocka_unit_test(long_lines),
        cmocka_unit_test(injection_refused),
        cmocka_unit_test(malformed_addresses),
        cmocka_unit_test(check_for_enqueue),
        cmocka_unit_test(smtp_urls),
        cmocka_unit_test(open_sealed_content),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
