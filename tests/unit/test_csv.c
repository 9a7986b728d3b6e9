/*
 * test_csv.c — the streaming CSV reader (util/csv.c): records and the lines
 * they start on across quoted line breaks, CRLF, lone CR and blank lines; a
 * byte-order mark split over feeds; feeding in chunks of every size gives the
 * same records as feeding all at once; broken limits and invalid UTF-8 reject
 * one record and reading goes on; malformed quoting stops with the line;
 * the callback can stop the reader.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/buf.h"
#include "util/csv.h"

/* ---- a recording callback ---------------------------------------------------- */

/*
 * Each record is written as "<line>[field][field]...\n", or "<line>!<row_error>\n".
 */
struct rec {
    struct rk_buf out;
    unsigned long stop_after; /* stop once this many records came; 0 = never */
    unsigned long count;
};

static int record(void *ctx, const char *const *fields, size_t n, unsigned long line,
                  const char *row_error) {
    struct rec *r = ctx;
    rk_buf_printf(&r->out, "%lu", line);
    if (row_error) {
        assert_int_equal(n, 0);
        rk_buf_printf(&r->out, "!%s", row_error);
    }
    for (size_t i = 0; i < n; i++) {
        assert_true(strlen(fields[i]) <= RK_CSV_MAX_FIELD);
        rk_buf_printf(&r->out, "[%s]", fields[i]);
    }
    rk_buf_putc(&r->out, '\n');
    r->count++;
    return r->stop_after && r->count >= r->stop_after;
}

struct result {
    char *records; /* malloc'd, "" when none */
    rk_err rc;
    struct rk_error err;
};

/* Reads len bytes at s fed in chunks of the given size (0: all at once). */
static struct result read_csv(const char *s, size_t len, size_t chunk) {
    struct result res = {.rc = RK_OK};
    struct rec r = {.stop_after = 0};
    rk_buf_init(&r.out);
    struct rk_csv_reader *rd = NULL;
    assert_int_equal(rk_csv_reader_new(record, &r, &rd), RK_OK);
    if (chunk == 0)
        chunk = len ? len : 1;
    for (size_t i = 0; i < len && res.rc == RK_OK; i += chunk) {
        size_t n = len - i < chunk ? len - i : chunk;
        res.rc = rk_csv_feed(rd, s + i, n, &res.err);
    }
    if (res.rc == RK_OK)
        res.rc = rk_csv_finish(rd, &res.err);
    rk_csv_reader_free(rd);
    assert_int_equal(rk_buf_status(&r.out), RK_OK);
    res.records = strdup(r.out.data ? r.out.data : "");
    assert_non_null(res.records);
    rk_buf_cleanup(&r.out);
    return res;
}

/*
 * Checks that s reads as want (records), with rc and, for an error, a
 * message containing err_has — fed all at once and in chunks of 1, 2, 3, 5, 7,
 * 64 and 4096 bytes.
 */
static void expect_len(const char *s, size_t len, const char *want, rk_err rc,
                       const char *err_has) {
    static const size_t chunks[] = {0, 1, 2, 3, 5, 7, 64, 4096};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        struct result res = read_csv(s, len, chunks[c]);
        if (strcmp(res.records, want) != 0 || res.rc != rc)
            fail_msg("chunk %zu: got records\n%s(rc %s: %s)\nwant\n%s(rc %s)", chunks[c],
                     res.records, rk_err_name(res.rc), res.err.message, want, rk_err_name(rc));
        if (err_has && !strstr(res.err.message, err_has))
            fail_msg("chunk %zu: error \"%s\" does not contain \"%s\"", chunks[c], res.err.message,
                     err_has);
        free(res.records);
    }
}

static void expect(const char *s, const char *want, rk_err rc, const char *err_has) {
    expect_len(s, strlen(s), want, rc, err_has);
}

/* ---- table ---------------------------------------------------------------------- */

static const struct {
    const char *name, *in, *want;
    rk_err rc;
    const char *err_has;
} cases[] = {
    {"lf", "a,b\nc,d\n", "1[a][b]\n2[c][d]\n", RK_OK, NULL},
    {"crlf", "a,b\r\nc,d\r\n", "1[a][b]\n2[c][d]\n", RK_OK, NULL},
    {"lone cr", "a\rb\r", "1[a]\n2[b]\n", RK_OK, NULL},
    {"no final newline", "a,b\nc,d", "1[a][b]\n2[c][d]\n", RK_OK, NULL},
    {"empty input", "", "", RK_OK, NULL},
    {"only blank lines", "\n\r\n  \n\t\n", "", RK_OK, NULL},
    {"blank lines skipped", "\n\na,b\n\n   \n\r\nc,d\n\n", "3[a][b]\n7[c][d]\n", RK_OK, NULL},
    {"empty fields", ",\na,,b\n", "1[][]\n2[a][][b]\n", RK_OK, NULL},
    {"unquoted blanks trimmed", " a , b \n", "1[a][b]\n", RK_OK, NULL},
    {"quoted blanks kept", "\" a \",b\n", "1[ a ][b]\n", RK_OK, NULL},
    {"blank after closing quote", "\"a\"  ,b\n", "1[a][b]\n", RK_OK, NULL},
    {"quoted comma and quotes", "\"a,b\",\"say \"\"hi\"\"\"\n", "1[a,b][say \"hi\"]\n", RK_OK,
     NULL},
    {"quoted newline", "a,\"x\ny\"\nb,c\n", "1[a][x\ny]\n3[b][c]\n", RK_OK, NULL},
    {"quoted crlf", "a,\"x\r\ny\"\r\nb,c\r\n", "1[a][x\r\ny]\n3[b][c]\n", RK_OK, NULL},
    {"many quoted lines", "h\n\"1\n2\n3\n\n5\"\nz\n", "1[h]\n2[1\n2\n3\n\n5]\n7[z]\n", RK_OK, NULL},
    {"quoted empty", "\"\",\"\"\"\"\n", "1[][\"]\n", RK_OK, NULL},
    {"bom",
     "\xEF\xBB\xBF"
     "a,b\n",
     "1[a][b]\n", RK_OK, NULL},
    {"bom only", "\xEF\xBB\xBF", "", RK_OK, NULL},
    {"bom then blank", "\xEF\xBB\xBF\r\nx\r\n", "2[x]\n", RK_OK, NULL},
    {"second bom is data", "\xEF\xBB\xBF\xEF\xBB\xBFx\n", "1[\xEF\xBB\xBFx]\n", RK_OK, NULL},
    {"partial bom is data", "\xEF\xBBx\n", "1!not valid UTF-8\n", RK_OK, NULL},
    {"partial bom at end", "\xEF\xBB", "1!not valid UTF-8\n", RK_OK, NULL},
    {"utf8", "nimi,s\xC3\xA4hk\xC3\xB6posti\n", "1[nimi][s\xC3\xA4hk\xC3\xB6posti]\n", RK_OK, NULL},
    {"invalid utf8 rejects the row", "a\n\xFF,b\nc\n", "1[a]\n2!not valid UTF-8\n3[c]\n", RK_OK,
     NULL},
    {"overlong utf8", "\xC0\xAF\nb\n", "1!not valid UTF-8\n2[b]\n", RK_OK, NULL},
    {"invalid utf8 in quotes", "\"x\n\xED\xA0\x80\"\nb\n", "1!not valid UTF-8\n3[b]\n", RK_OK,
     NULL},
    {"quote in unquoted field", "a,b\nc\"d,e\n", "1[a][b]\n", RK_EPARSE, "line 2:"},
    {"text after closing quote", "a\n\"x\ny\"z\n", "1[a]\n", RK_EPARSE, "line 3:"},
    {"quote after closing quote and blank", "\"x\" \"\n", "", RK_EPARSE, "line 1:"},
    {"error after crlf lines", "a\r\nb\r\n\r\n\"q\"x\r\n", "1[a]\n2[b]\n", RK_EPARSE, "line 4:"},
    {"unclosed quote", "a\n\"abc\n\ndef", "1[a]\n", RK_EPARSE, "line 2:"},
    {"unclosed quote after field", "a,\"b\n", "", RK_EPARSE, "line 1:"},
};

static void table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        print_message("case: %s\n", cases[i].name);
        expect(cases[i].in, cases[i].want, cases[i].rc, cases[i].err_has);
    }
}

static void nul_byte(void **state) {
    (void)state;
    static const char in[] = "a\0b,c\nd\n";
    expect_len(in, sizeof in - 1, "1!contains a NUL byte\n2[d]\n", RK_OK, NULL);
}

/* ---- BOM split, chunking ------------------------------------------------------------ */

static void bom_split(void **state) {
    (void)state;
    static const char *const parts[][3] = {
        {"\xEF", "\xBB",
         "\xBF"
         "a\n"},
        {"\xEF\xBB", "\xBF", "a\n"},
        {"\xEF",
         "\xBB\xBF"
         "a",
         "\n"},
        {"", "\xEF\xBB\xBF", "a\n"},
    };
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        struct rec r = {.stop_after = 0};
        rk_buf_init(&r.out);
        struct rk_csv_reader *rd = NULL;
        struct rk_error err = RK_ERROR_INIT;
        assert_int_equal(rk_csv_reader_new(record, &r, &rd), RK_OK);
        for (size_t j = 0; j < 3; j++)
            assert_int_equal(rk_csv_feed(rd, parts[i][j], strlen(parts[i][j]), &err),
                             RK_OK);
        assert_int_equal(rk_csv_finish(rd, &err), RK_OK);
        assert_string_equal(r.out.data, "1[a]\n");
        rk_csv_reader_free(rd);
        rk_buf_cleanup(&r.out);
    }
}

/* A larger mixed file read byte by byte and at every chunk size up to 40 gives the same. */
static void chunk_sizes_agree(void **state) {
    (void)state;
    static const char in[] = "\xEF\xBB\xBFname,email,interests\r\n"
                             "\"Meik\xC3\xA4l\xC3\xA4inen, Matti\",m@example.fi,\"a\r\nb\"\r\n"
                             "\r\n"
                             "x,\"\"\"q\"\"\",\xFF\r\n"
                             "  y  ,z,\"\"\r\n"
                             "last,row,\"no newline\"";
    struct result whole = read_csv(in, sizeof in - 1, 0);
    assert_int_equal(whole.rc, RK_OK);
    assert_string_equal(whole.records, "1[name][email][interests]\n"
                                       "2[Meik\xC3\xA4l\xC3\xA4inen, Matti][m@example.fi][a\r\nb]\n"
                                       "5!not valid UTF-8\n"
                                       "6[y][z][]\n"
                                       "7[last][row][no newline]\n");
    for (size_t chunk = 1; chunk <= 40; chunk++) {
        struct result res = read_csv(in, sizeof in - 1, chunk);
        assert_int_equal(res.rc, RK_OK);
        assert_string_equal(res.records, whole.records);
        free(res.records);
    }
    free(whole.records);
}

/* ---- limits ---------------------------------------------------------------------------- */

/* A heap string of n copies of c. */
static char *repeat(char c, size_t n) {
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* Joins the parts into a heap string. */
static char *join(const char *const *parts, size_t n) {
    size_t len = 0;
    for (size_t i = 0; i < n; i++)
        len += strlen(parts[i]);
    char *s = malloc(len + 1);
    assert_non_null(s);
    s[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = strlen(parts[i]);
        memcpy(s + used, parts[i], k);
        used += k;
    }
    s[used] = '\0';
    return s;
}

static void too_many_fields(void **state) {
    (void)state;
    char *max = repeat(',', RK_CSV_MAX_FIELDS - 1);               /* 64 empty fields */
    char *over = repeat(',', RK_CSV_MAX_FIELDS);                  /* 65 */
    char *way_over = repeat(',', (size_t)10 * RK_CSV_MAX_FIELDS); /* 641 */
    const char *parts[] = {"a\n", over, "\n\"q\nq\",", way_over, "\nb\n", max, "\nc"};
    char *in = join(parts, sizeof parts / sizeof parts[0]);
    struct rk_buf want;
    rk_buf_init(&want);
    rk_buf_puts(&want, "1[a]\n2!more than 64 fields\n3!more than 64 fields\n5[b]\n6");
    for (int i = 0; i < RK_CSV_MAX_FIELDS; i++)
        rk_buf_puts(&want, "[]");
    rk_buf_puts(&want, "\n7[c]\n");
    expect(in, want.data, RK_OK, NULL);
    rk_buf_cleanup(&want);
    free(in);
    free(max);
    free(over);
    free(way_over);
}

static void field_lengths(void **state) {
    (void)state;
    char *max = repeat('x', RK_CSV_MAX_FIELD);
    char *over = repeat('x', RK_CSV_MAX_FIELD + 1);
    char *huge = repeat('y', 300000);
    /* A huge quoted field with line breaks: skipped, and the lines still counted. */
    char *huge_ml = repeat('z', 300000);
    for (size_t i = 1000; i < 300000; i += 1000)
        huge_ml[i] = i % 2000 ? '\n' : '\r';
    huge_ml[2500] = ',';                          /* a comma inside the quotes */
    huge_ml[3500] = '"', huge_ml[3501] = '"';     /* a doubled quote libcsv reads */
    huge_ml[100500] = '"', huge_ml[100501] = '"'; /* one the skipping scanner reads */
    const char *parts[] = {"a,", max,     "\n\"", max,     "\"\nb,",    over, ",c\n",
                           huge, "\nd\n", "e,\"", huge_ml, "\",f\ng\n", huge};
    char *in = join(parts, sizeof parts / sizeof parts[0]);
    struct rk_buf want;
    rk_buf_init(&want);
    rk_buf_printf(&want,
                  "1[a][%s]\n2[%s]\n3!field longer than 4096 bytes\n"
                  "4!field longer than 4096 bytes\n5[d]\n6!field longer than 4096 bytes\n"
                  "%d[g]\n%d!field longer than 4096 bytes\n",
                  max, max, 6 + 299 + 1, 6 + 299 + 2);
    expect(in, want.data, RK_OK, NULL);

    /* Unclosed at the end of input inside a huge field: still a parse error. */
    const char *parts2[] = {"a\n\"", huge};
    char *in2 = join(parts2, 2);
    expect(in2, "1[a]\n", RK_EPARSE, "line 2:");

    rk_buf_cleanup(&want);
    free(in);
    free(in2);
    free(max);
    free(over);
    free(huge);
    free(huge_ml);
}

/* ---- errors and stopping ------------------------------------------------------------------ */

static void error_repeats(void **state) {
    (void)state;
    struct rec r = {.stop_after = 0};
    rk_buf_init(&r.out);
    struct rk_csv_reader *rd = NULL;
    struct rk_error err = RK_ERROR_INIT, again = RK_ERROR_INIT;
    assert_int_equal(rk_csv_reader_new(record, &r, &rd), RK_OK);
    assert_int_equal(rk_csv_feed(rd, "a\nb\"c\n", 6, &err), RK_EPARSE);
    assert_non_null(strstr(err.message, "line 2: malformed quoting"));
    assert_int_equal(err.code, RK_EPARSE);
    assert_string_equal(err.where, "line 2");
    assert_int_equal(rk_csv_feed(rd, "d\n", 2, &again), RK_EPARSE); /* repeated, whole */
    assert_string_equal(again.message, err.message);
    assert_string_equal(again.where, "line 2");
    assert_int_equal(rk_csv_finish(rd, NULL), RK_EPARSE);
    assert_string_equal(r.out.data, "1[a]\n");
    rk_csv_reader_free(rd);
    rk_buf_cleanup(&r.out);
}

static void stop_from_callback(void **state) {
    (void)state;
    static const size_t chunks[] = {1, 3, 100};
    for (size_t c = 0; c < sizeof chunks / sizeof chunks[0]; c++) {
        struct rec r = {.stop_after = 2};
        rk_buf_init(&r.out);
        struct rk_csv_reader *rd = NULL;
        struct rk_error err = RK_ERROR_INIT;
        static const char in[] = "a\nb\nc\nd\"\n";
        assert_int_equal(rk_csv_reader_new(record, &r, &rd), RK_OK);
        assert_false(rk_csv_stopped(rd));
        for (size_t i = 0; i < sizeof in - 1; i += chunks[c]) {
            size_t n = sizeof in - 1 - i < chunks[c] ? sizeof in - 1 - i : chunks[c];
            assert_int_equal(rk_csv_feed(rd, in + i, n, &err), RK_OK);
        }
        assert_true(rk_csv_stopped(rd));
        assert_int_equal(rk_csv_feed(rd, "\"", 1, &err), RK_OK); /* ignored */
        assert_int_equal(rk_csv_finish(rd, &err), RK_OK);
        assert_string_equal(r.out.data, "1[a]\n2[b]\n");
        rk_csv_reader_free(rd);
        rk_buf_cleanup(&r.out);
    }
}

/* Stopping on the last record, which only finish delivers. */
static void stop_at_finish(void **state) {
    (void)state;
    struct rec r = {.stop_after = 1};
    rk_buf_init(&r.out);
    struct rk_csv_reader *rd = NULL;
    struct rk_error err = RK_ERROR_INIT;
    assert_int_equal(rk_csv_reader_new(record, &r, &rd), RK_OK);
    assert_int_equal(rk_csv_feed(rd, "only", 4, &err), RK_OK);
    assert_false(rk_csv_stopped(rd));
    assert_int_equal(rk_csv_finish(rd, &err), RK_OK);
    assert_true(rk_csv_stopped(rd));
    assert_string_equal(r.out.data, "1[only]\n");
    rk_csv_reader_free(rd);
    rk_buf_cleanup(&r.out);
    rk_csv_reader_free(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),           cmocka_unit_test(nul_byte),
        cmocka_unit_test(bom_split),       cmocka_unit_test(chunk_sizes_agree),
        cmocka_unit_test(too_many_fields), cmocka_unit_test(field_lengths),
        cmocka_unit_test(error_repeats),   cmocka_unit_test(stop_from_callback),
        cmocka_unit_test(stop_at_finish),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
