/*
 * test_framing.c — the framing check (src/http/framing.c): heads that frame
 * their request in one way pass; each rule's refusal is provoked with the raw
 * bytes a client would send, parsed as libmicrohttpd 0.9.75 parses them
 * (fuzz/mhd_head.h), so that what the library loses (a NUL byte cuts a value
 * short) is tested as the service meets it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fuzz/mhd_head.h"
#include "http/framing.h"

/* The verdict on a raw head of n bytes (SIZE_MAX: strlen); fails when the library refuses it. */
static bool verdict(const char *raw, size_t n, struct rk_http_verdict *v) {
    if (n == SIZE_MAX)
        n = strlen(raw);
    struct mhd_head m;
    if (!mhd_head_parse((const uint8_t *)raw, n, &m))
        fail_msg("libmicrohttpd would refuse this head itself: %s", raw);
    bool ok = rk_http_framing_ok(&m.head, v);
    free(m.buf);
    return ok;
}

static void passes(const char *raw) {
    struct rk_http_verdict v = {0, NULL, NULL};
    if (!verdict(raw, SIZE_MAX, &v))
        fail_msg("refused (%d, %s): %s", v.status, v.reason, raw);
}

/* want: a part of the reason. */
static void refused_n(const char *raw, size_t n, int status, const char *want) {
    struct rk_http_verdict v = {0, NULL, NULL};
    if (verdict(raw, n, &v))
        fail_msg("passed: %s", raw);
    assert_int_equal(v.status, status);
    assert_non_null(v.code);
    if (!strstr(v.reason, want))
        fail_msg("reason \"%s\" lacks \"%s\"", v.reason, want);
}

static void refused(const char *raw, int status, const char *want) {
    refused_n(raw, SIZE_MAX, status, want);
}

static void well_framed_heads_pass(void **state) {
    (void)state;
    passes("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    passes("GET /healthz HTTP/1.0\r\n\r\n"); /* HTTP/1.0 needs no Host */
    passes("GET /privacy?lang=en HTTP/1.1\r\nHost: rekisteri.example.fi:8443\r\n\r\n");
    passes("GET / HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n");
    passes("POST /api/v1/persons HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n"
           "Content-Type: application/json\r\nAuthorization: Bearer abc\r\n\r\n");
    passes("POST /forms/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    passes("POST /forms/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:   CHUNKED\r\n\r\n");
    /* Bare LF line ends, no space or many after the colon, empty and padded values. */
    passes("GET / HTTP/1.1\nHost:x\nX-A:    v  \nX-B:\nX-C: \n\n");
    passes("GET / HTTP/1.1\r\nHost: x\nX-A: v\r\n\n");
    passes("GET / HTTP/1.1\r\nHost: x\r\nX-Name: \xc3\xa4iti\tja\r\n\r\n"); /* obs-text, HTAB */
    passes("\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"); /* an empty line before the request */
    passes("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n");
    passes("GET /a%20b%0A HTTP/1.1\r\nHost: \r\n\r\n"); /* encoded bytes other than NUL */
}

static void content_length_once_and_alone(void **state) {
    (void)state;
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nContent-Length: 40\r\n\r\n", 400,
            "more than one Content-Length");
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\ncontent-length: 5\r\n\r\n", 400,
            "more than one Content-Length");
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n",
            400, "both Content-Length and Transfer-Encoding");
    refused(
        "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: -1\r\n\r\n",
        400, "not a number");
}

static void transfer_codings(void **state) {
    (void)state;
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
            "only the chunked transfer coding");
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: identity,chunked\r\n\r\n", 501,
            "only the chunked");
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400,
            "last transfer coding of a request must be chunked");
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400,
            "must be chunked");
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400,
            "more than once");
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked \r\n\r\n", 400,
            "exactly \"chunked\"");
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: ,chunked\r\n\r\n", 400,
            "exactly \"chunked\"");
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\r\n\r\n", 400, "empty");
    refused("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
            "Transfer-Encoding: chunked\r\n\r\n",
            400, "more than one Transfer-Encoding");
    refused("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0");
}

static void host_exactly_once(void **state) {
    (void)state;
    refused("GET /healthz HTTP/1.1\r\n\r\n", 400, "exactly one Host");
    refused("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "exactly one Host");
    refused("GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n", 400, "exactly one Host");
    refused("GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "Host header field is not");
    refused("GET / HTTP/1.1\r\nHost: a/b@c\r\n\r\n", 400, "Host header field is not");
}

static void control_characters(void **state) {
    (void)state;
    refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400, "bare CR");
    refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\r\n\r\n", 400, "bare CR");
    refused("GET / HTTP/1.1\r\nHost: x\r\nX\rA: a\r\n\r\n", 400, "field name");
    refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01\r\n\r\n", 400, "control character");
    refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7f\r\n\r\n", 400, "control character");
    refused("GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400, "field name"); /* space before colon */
    refused("GET / HTTP/1.1\r\nHost: x\r\n: x\r\n\r\n", 400, "field name");
    refused("G(ET / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "method");
    refused("GET /privacy%00 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "%00");
    refused("GET /privacy?lang=en%00x HTTP/1.1\r\nHost: x\r\n\r\n", 400, "%00");
    refused("GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400, "space");
    refused("GET /a\rb HTTP/1.1\r\nHost: x\r\n\r\n", 400, "control character");
    refused("GET /a\tb HTTP/1.1\r\nHost: x\r\n\r\n", 400, "control character");
}

/* NUL bytes end the library's C strings: what follows is lost, and only the layout shows it. */
static void nul_bytes_through_the_layout(void **state) {
    (void)state;
    static const char auth[] = "GET /api/v1/persons HTTP/1.1\r\nHost: x\r\n"
                               "Authorization: Bearer abc\0def\r\nAccept: */*\r\n\r\n";
    refused_n(auth, sizeof auth - 1, 400, "outside its lines");
    static const char last[] = "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\0\r\n\r\n";
    refused_n(last, sizeof last - 1, 400, "outside its lines");
    static const char target[] = "GET /privacy\0/x HTTP/1.1\r\nHost: x\r\n\r\n";
    refused_n(target, sizeof target - 1, 400, "outside its lines");
    static const char method[] = "GE\0T / HTTP/1.1\r\nHost: x\r\n\r\n";
    refused_n(method, sizeof method - 1, 400, "outside its lines");
    static const char host[] = "GET / HTTP/1.1\r\nHost: x\0y\r\n\r\n";
    refused_n(host, sizeof host - 1, 400, "outside its lines");
    static const char tail[] = "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\0d\n\n";
    refused_n(tail, sizeof tail - 1, 400, "outside its lines"); /* as long as CR LF CR LF */
    /* NULs alone before a LF leave no trace, and hide nothing but NULs. */
    static const char nuls[] = "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0\nX-B: b\r\n\r\n";
    struct rk_http_verdict v;
    assert_true(verdict(nuls, sizeof nuls - 1, &v));
    refused("GET /  HTTP/1.1\r\nHost: x\r\n\r\n", 400, "space"); /* two spaces: "/ " */
    refused("GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400, "more than one space");
    refused("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n", 400, "folded");
}

/* Where the library gives lengths that show a NUL, or no layout, the value rule catches it. */
static void nul_in_a_value_without_layout(void **state) {
    (void)state;
    struct rk_http_field f[] = {{"Host", 4, "x", 1, 0, 0},
                                {"Authorization", 13, "Bearer a\0b", 10, 0, 0}};
    struct rk_http_head h = {.method = "GET",
                             .version = "HTTP/1.1",
                             .target = "/",
                             .target_len = 1,
                             .fields = f,
                             .nfields = 2};
    struct rk_http_verdict v;
    assert_false(rk_http_framing_ok(&h, &v));
    assert_int_equal(v.status, 400);
    h.nfields = 1;
    assert_true(rk_http_framing_ok(&h, &v));
    h.target = NULL;
    assert_false(rk_http_framing_ok(&h, &v));
    assert_non_null(strstr(v.reason, "missing"));
}

static void doubled_singletons(void **state) {
    (void)state;
    refused(
        "GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n",
        400, "more than one Authorization");
    refused("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n"
            "Content-Type: application/json\r\n\r\n",
            400, "more than one Content-Type");
}

/* What the library answers itself, before the handler runs (see docs/operations.md). */
static void library_refusals(void **state) {
    (void)state;
    const char *own[] = {
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        "GET / HTTP/2.0\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: x\r\nno colon\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++) {
        struct mhd_head m;
        if (mhd_head_parse((const uint8_t *)own[i], strlen(own[i]), &m)) {
            free(m.buf);
            fail_msg("the model lets through: %s", own[i]);
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(well_framed_heads_pass),
        cmocka_unit_test(content_length_once_and_alone),
        cmocka_unit_test(transfer_codings),
        cmocka_unit_test(host_exactly_once),
        cmocka_unit_test(control_characters),
        cmocka_unit_test(nul_bytes_through_the_layout),
        cmocka_unit_test(nul_in_a_value_without_layout),
        cmocka_unit_test(doubled_singletons),
        cmocka_unit_test(library_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
