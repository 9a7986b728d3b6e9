/*
 * test_import.c — the import row mapper (core/import.c): header names and
 * their Finnish aliases in any case, and the refusals of a header (unknown,
 * duplicate, empty, no contact column, data instead of a header); rows with
 * the wrong field count, normalised email and phone, rejected values named by
 * column without repeating the value, consent_at parsing and the future,
 * consent channels, and the text limits filling the scratch space.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/import.h"
#include "testutil.h"

#define NOW  "2026-01-15T12:00:00Z"
#define MAXF 16

/* Splits a comma-separated line (no quoting) into at most MAXF fields in buf. */
static size_t split(const char *line, char *buf, size_t bufsz, const char **fields) {
    size_t n = strlen(line);
    assert_true(n < bufsz);
    memcpy(buf, line, n + 1);
    size_t k = 0;
    fields[k++] = buf;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] == ',') {
            assert_true(k < MAXF);
            buf[i] = '\0';
            fields[k++] = buf + i + 1;
        }
    }
    return k;
}

static rk_err map_of(const char *header, struct rk_import_map *m, char *err, size_t errsz) {
    char buf[512];
    const char *f[MAXF];
    size_t n = split(header, buf, sizeof buf, f);
    struct rk_error e = RK_ERROR_INIT;
    rk_err rc = rk_import_map_parse(f, n, m, err ? &e : NULL);
    if (err && errsz)
        snprintf(err, errsz, "%s", e.message);
    return rc;
}

static struct rk_import_map must_map(const char *header) {
    struct rk_import_map m;
    char err[1024];
    if (map_of(header, &m, err, sizeof err) != RK_OK)
        fail_msg("header \"%s\" refused: %s", header, err);
    return m;
}

/* ---- header ------------------------------------------------------------------ */

static void header_names(void **state) {
    (void)state;
    static const struct {
        const char *header;
        enum rk_import_col col;
        int at;
    } cases[] = {
        {"name", RK_IC_NAME, 0},
        {"NIMI", RK_IC_NAME, 0},
        {" Name ", RK_IC_NAME, 0},
        {"name,email", RK_IC_EMAIL, 1},
        {"name,E-mail,x", RK_IC_EMAIL, -2}, /* refused: E-mail is not a name */
        {"nimi,S\xC3\xA4hk\xC3\xB6posti", RK_IC_EMAIL, 1},
        {"nimi,S\xC3\x84HK\xC3\x96POSTI", RK_IC_EMAIL, 1},
        {"phone,Puhelin", RK_IC_PHONE, -2}, /* refused: phone twice */
        {"puhelin", RK_IC_PHONE, 0},
        {"email,position", RK_IC_POSITION, 1},
        {"email,asema", RK_IC_POSITION, 1},
        {"email,organisation", RK_IC_ORGANISATION, 1},
        {"email,Organisaatio", RK_IC_ORGANISATION, 1},
        {"email,YRITYS", RK_IC_ORGANISATION, 1},
        {"email,interests", RK_IC_INTERESTS, 1},
        {"email,kiinnostukset", RK_IC_INTERESTS, 1},
        {"email,consent_at", RK_IC_CONSENT_AT, 1},
        {"email,Suostumus_Annettu", RK_IC_CONSENT_AT, 1},
        {"email,consent_at,consent_channel", RK_IC_CONSENT_CHANNEL, 2},
        {"email,consent_at,consent_evidence", RK_IC_CONSENT_EVIDENCE, 2},
        {"email,source_detail", RK_IC_SOURCE_DETAIL, 1},
        {"email,source_detail", RK_IC_CONSENT_AT, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rk_import_map m;
        char err[1024];
        rk_err rc = map_of(cases[i].header, &m, err, sizeof err);
        if (cases[i].at == -2) {
            assert_int_equal(rc, RK_EINVAL);
            continue;
        }
        if (rc != RK_OK)
            fail_msg("header \"%s\": %s", cases[i].header, err);
        assert_int_equal(m.at[cases[i].col], cases[i].at);
        assert_int_equal(rk_import_map_has(&m, cases[i].col), cases[i].at >= 0);
        if (cases[i].at >= 0)
            assert_int_equal(m.col[cases[i].at], cases[i].col);
    }
}

static void header_all_columns(void **state) {
    (void)state;
    struct rk_import_map m =
        must_map("name,email,phone,position,organisation,interests,consent_at,consent_channel,"
                 "consent_evidence,source_detail");
    assert_int_equal(m.ncols, RK_IC__COUNT);
    static const char *const ids[RK_IC__COUNT] = {
        "name",      "email",      "phone",           "position",         "organisation",
        "interests", "consent_at", "consent_channel", "consent_evidence", "source_detail"};
    for (int c = 0; c < RK_IC__COUNT; c++) {
        assert_int_equal(m.at[c], c);
        assert_string_equal(rk_import_col_id((enum rk_import_col)c), ids[c]);
        if (c < RK_F__COUNT)
            assert_string_equal(ids[c], rk_field_id((enum rk_field)c));
    }
}

static void header_refusals(void **state) {
    (void)state;
    static const struct {
        const char *header;
        const char *has[3]; /* substrings of the message */
        const char *lacks;  /* not in the message */
    } cases[] = {
        {"name,foo",
         {"column 2 of the header, \"foo\", is not a known column",
          "name (nimi), email (s\xC3\xA4hk\xC3\xB6posti), phone (puhelin)",
          "organisation (organisaatio, yritys)"},
         NULL},
        {"name,consent",
         {"\"consent\"",
          "consent_at (suostumus_annettu), consent_channel, consent_evidence, "
          "source_detail",
          NULL},
         NULL},
        {"email,s\xC3\xA4hk\xC3\xB6posti",
         {"columns 1 and 2 of the header both name email", NULL, NULL},
         NULL},
        {"nimi,email,name", {"columns 1 and 3 of the header both name name", NULL, NULL}, NULL},
        {"position,interests",
         {"the header names no contact column (name, email or phone)", NULL, NULL},
         NULL},
        {"source_detail",
         {"the header names no contact column (name, email or phone)", NULL, NULL},
         NULL},
        {"name,,email", {"column 2 of the header is empty", NULL, NULL}, NULL},
        {"name, ", {"column 2 of the header is empty", "remove the comma at the end", NULL}, NULL},
        {"email,consent_channel", {"no consent_at", NULL, NULL}, NULL},
        {"email,consent_evidence", {"no consent_at", NULL, NULL}, NULL},
        /* A file without a header: the values must not be repeated. */
        {"Matti Meik\xC3\xA4l\xC3\xA4inen,matti@example.fi",
         {"looks like data", NULL, NULL},
         "atti"},
        {"Matti,040 123 4567", {"looks like data", NULL, NULL}, "Matti"},
        {"name,"
         "a_very_long_column_name_that_goes_on_and_on_and_on_forever",
         {"\"a_very_long_column_name_that_goes_on_and...\"", NULL, NULL},
         NULL},
        {"name,bad\tname", {"\"bad?name\"", NULL, NULL}, NULL},
        {"nimi;s\xC3\xA4hk\xC3\xB6posti", {"separated by semicolons", NULL, NULL}, NULL},
        {"Matti;matti@example.fi", {"separated by semicolons", NULL, NULL}, "atti"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rk_import_map m;
        m.ncols = 99;
        char err[1024];
        assert_int_equal(map_of(cases[i].header, &m, err, sizeof err), RK_EINVAL);
        assert_int_equal(m.ncols, 99); /* not written */
        for (size_t j = 0; j < 3 && cases[i].has[j]; j++)
            if (!strstr(err, cases[i].has[j]))
                fail_msg("header \"%s\": \"%s\" does not contain \"%s\"", cases[i].header, err,
                         cases[i].has[j]);
        if (cases[i].lacks && strstr(err, cases[i].lacks))
            fail_msg("header \"%s\": \"%s\" repeats \"%s\"", cases[i].header, err, cases[i].lacks);
    }
    /* An empty record; a NULL error object. */
    struct rk_import_map m;
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_import_map_parse(NULL, 0, &m, &e), RK_EINVAL);
    assert_int_equal(e.code, RK_EINVAL);
    assert_string_equal(e.message, "the header is empty");
    assert_string_equal(e.where, "");
    assert_int_equal(map_of("x", &m, NULL, 0), RK_EINVAL);
}

/* ---- rows -------------------------------------------------------------------------- */

struct parsed {
    rk_err rc;
    struct rk_error e; /* where: the column, "" for the whole row; message: why */
};

static struct parsed parse(const struct rk_import_map *m, const char *line,
                           struct rk_import_row *row) {
    char buf[2048];
    const char *f[MAXF];
    size_t n = split(line, buf, sizeof buf, f);
    struct parsed p = {.e = RK_ERROR_INIT};
    snprintf(p.e.where, sizeof p.e.where, "unset");
    snprintf(p.e.message, sizeof p.e.message, "unset");
    p.rc = rk_import_row_parse(m, f, n, row, &p.e);
    return p;
}

static void row_good(void **state) {
    (void)state;
    struct rk_import_map m =
        must_map("nimi,sähköposti,puhelin,asema,yritys,kiinnostukset,suostumus_annettu,"
                 "consent_channel,consent_evidence,source_detail");
    struct rk_import_row *row = malloc(sizeof *row);
    assert_non_null(row);
    struct parsed p =
        parse(&m,
              " Matti Meikäläinen ,  Matti.M@EXAMPLE.FI ,040 123 4567,CEO,Esimerkki Oy,"
              "golf,2025-06-01,Web_Form, form 17 ,trade fair 2025",
              row);
    assert_int_equal(p.rc, RK_OK);
    assert_string_equal(row->contact.v[RK_F_NAME], "Matti Meikäläinen");
    assert_string_equal(row->contact.v[RK_F_EMAIL], "Matti.M@example.fi");
    assert_string_equal(row->contact.v[RK_F_PHONE], "+358401234567");
    assert_string_equal(row->contact.v[RK_F_POSITION], "CEO");
    assert_string_equal(row->contact.v[RK_F_ORGANISATION], "Esimerkki Oy");
    assert_string_equal(row->contact.v[RK_F_INTERESTS], "golf");
    assert_true(row->has_consent);
    rk_ts want;
    assert_true(rk_ts_parse("2025-06-01T00:00:00Z", &want));
    assert_true(row->consent_at == want);
    assert_true(row->has_channel);
    assert_int_equal(row->consent_channel, RK_SRC_WEB_FORM);
    assert_string_equal(row->consent_evidence, "form 17");
    assert_string_equal(row->source_detail, "trade fair 2025");

    /* Empty and blank cells are "not given". */
    p = parse(&m, ",m@example.fi,  ,,,,,,,", row);
    assert_int_equal(p.rc, RK_OK);
    assert_null(row->contact.v[RK_F_NAME]);
    assert_string_equal(row->contact.v[RK_F_EMAIL], "m@example.fi");
    for (int f = RK_F_PHONE; f < RK_F__COUNT; f++)
        assert_null(row->contact.v[f]);
    assert_false(row->has_consent);
    assert_false(row->has_channel);
    assert_null(row->consent_evidence);
    assert_null(row->source_detail);

    /* Only a phone, or only a name, is enough. */
    p = parse(&m, ",,+358 40 123 4567,,,,,,,", row);
    assert_int_equal(p.rc, RK_OK);
    assert_string_equal(row->contact.v[RK_F_PHONE], "+358401234567");
    p = parse(&m, "Maija,,,,,,,,,", row);
    assert_int_equal(p.rc, RK_OK);
    assert_string_equal(row->contact.v[RK_F_NAME], "Maija");

    /* consent_at as an instant; a consent without channel or evidence. */
    p = parse(&m, "Maija,,,,,,2026-01-15T12:00:00Z,,,", row);
    assert_int_equal(p.rc, RK_OK);
    assert_true(rk_ts_parse(NOW, &want));
    assert_true(row->consent_at == want);
    assert_false(row->has_channel);
    free(row);
}

static void row_refusals(void **state) {
    (void)state;
    struct rk_import_map m =
        must_map("name,email,phone,interests,consent_at,consent_channel,consent_evidence");
    static const struct {
        const char *line;
        const char *column; /* NULL: the whole row */
        const char *why;    /* NULL: any */
        const char *value;  /* must not appear in why */
    } cases[] = {
        {"a,b", NULL, "has a different number of fields than the header", NULL},
        {"a,b,c,d,e,f,g,h", NULL, "has a different number of fields than the header", NULL},
        {",,,golf,,,", NULL, "has no name, email or phone", NULL},
        {" , , ,,,,", NULL, "has no name, email or phone", NULL},
        {"Matti,matti.example.fi,,,,,", "email", NULL, "matti"},
        {"Matti,matti@@example.fi,,,,,", "email", NULL, "matti"},
        {"Matti,,12,,,,", "phone", NULL, "12"},
        {"Matti,,0401234567890123456789,,,,", "phone", NULL, "0401"},
        {"Matti\x01,,,,,,", "name", NULL, NULL},
        {"Matti,,,,2026-01-16,,", "consent_at", "is in the future", NULL},
        {"Matti,,,,2026-01-15T12:00:01Z,,", "consent_at", "is in the future", NULL},
        {"Matti,,,,15.1.2026,,", "consent_at", NULL, "15.1"},
        {"Matti,,,,2026-02-30,,", "consent_at", NULL, NULL},
        {"Matti,,,,2025-01-01 12:00,,", "consent_at", NULL, NULL},
        {"Matti,,,,2025-01-01T12:00:00Z and more text here,,", "consent_at", NULL, NULL},
        {"Matti,,,,2025-01-01,fax,", "consent_channel",
         "is not one of web_form, email, phone, contract, meeting, other_handover", NULL},
        {"Matti,,,,2025-01-01,public_source,", "consent_channel", NULL, NULL},
        {"Matti,,,,2025-01-01,third_party,", "consent_channel", NULL, NULL},
        {"Matti,,,,,web_form,", "consent_at",
         "is empty although consent_channel or consent_evidence is given", NULL},
        {"Matti,,,,,,form 17", "consent_at", NULL, NULL},
        /* The first invalid value from the left is reported. */
        {"Matti,bad,12,,,,", "email", NULL, NULL},
    };
    struct rk_import_row *row = malloc(sizeof *row);
    assert_non_null(row);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct parsed p = parse(&m, cases[i].line, row);
        if (p.rc != RK_EINVAL)
            fail_msg("row \"%s\" was not refused", cases[i].line);
        assert_int_equal(p.e.code, RK_EINVAL);
        assert_true(p.e.message[0] != '\0');
        if (cases[i].column)
            assert_string_equal(p.e.where, cases[i].column);
        else
            assert_string_equal(p.e.where, "");
        if (cases[i].why)
            assert_string_equal(p.e.message, cases[i].why);
        if (cases[i].value && strstr(p.e.message, cases[i].value))
            fail_msg("why \"%s\" repeats the value", p.e.message);
        /* A refused row is cleared. */
        for (int f = 0; f < RK_F__COUNT; f++)
            assert_null(row->contact.v[f]);
        assert_false(row->has_consent);
        assert_false(row->has_channel);
        assert_null(row->consent_evidence);
    }
    /* The error object may be NULL. */
    const char *f[1] = {"x"};
    assert_int_equal(rk_import_row_parse(&m, f, 1, row, NULL), RK_EINVAL);
    free(row);
}

static void channels(void **state) {
    (void)state;
    struct rk_import_map m = must_map("email,consent_at,consent_channel");
    struct rk_import_row *row = malloc(sizeof *row);
    assert_non_null(row);
    static const struct {
        const char *value;
        enum rk_source_kind kind;
    } ok[] = {
        {"web_form", RK_SRC_WEB_FORM}, {"email", RK_SRC_EMAIL},
        {"phone", RK_SRC_PHONE},       {"contract", RK_SRC_CONTRACT},
        {"meeting", RK_SRC_MEETING},   {"other_handover", RK_SRC_OTHER_HANDOVER},
        {" MEETING ", RK_SRC_MEETING},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "a@example.fi,2025-01-01,%s", ok[i].value);
        struct parsed p = parse(&m, line, row);
        assert_int_equal(p.rc, RK_OK);
        assert_true(row->has_channel);
        assert_int_equal(row->consent_channel, ok[i].kind);
    }
    static const char *const bad[] = {
        "web form",    "webform", "public_source",
        "third_party", "?",       "web_form_and_a_lot_more_text_after_it_that_is_long"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char line[128];
        snprintf(line, sizeof line, "a@example.fi,2025-01-01,%s", bad[i]);
        struct parsed p = parse(&m, line, row);
        assert_int_equal(p.rc, RK_EINVAL);
        assert_string_equal(p.e.where, "consent_channel");
    }
    free(row);
}

/* Appends n copies of the 4-byte character U+1F600 to b. */
static void put_wide(char *b, size_t *used, size_t n) {
    for (size_t i = 0; i < n; i++) {
        memcpy(b + *used, "\xF0\x9F\x98\x80", 4);
        *used += 4;
    }
    b[*used] = '\0';
}

/* Every text field at its limit in 4-byte characters fits the scratch space. */
static void text_limits(void **state) {
    (void)state;
    struct rk_import_map m = must_map("name,position,organisation,interests,consent_at,"
                                      "consent_evidence,source_detail");
    static const size_t limits[] = {
        RK_NAME_MAX, RK_POSITION_MAX,    RK_ORGANISATION_MAX, RK_INTERESTS_MAX,
        0,           RK_IMPORT_TEXT_MAX, RK_IMPORT_TEXT_MAX};
    char *vals[7];
    const char *f[7];
    for (size_t i = 0; i < 7; i++) {
        vals[i] = malloc(4 * RK_INTERESTS_MAX + 8);
        assert_non_null(vals[i]);
        size_t used = 0;
        put_wide(vals[i], &used, limits[i]);
        f[i] = vals[i];
    }
    f[4] = "2025-01-01";
    struct rk_import_row *row = malloc(sizeof *row);
    assert_non_null(row);
    struct rk_error e = RK_ERROR_INIT;
    assert_int_equal(rk_import_row_parse(&m, f, 7, row, &e), RK_OK);
    assert_string_equal(row->contact.v[RK_F_NAME], vals[0]);
    assert_string_equal(row->contact.v[RK_F_POSITION], vals[1]);
    assert_string_equal(row->contact.v[RK_F_ORGANISATION], vals[2]);
    assert_string_equal(row->contact.v[RK_F_INTERESTS], vals[3]);
    assert_string_equal(row->consent_evidence, vals[5]);
    assert_string_equal(row->source_detail, vals[6]);

    /* One character more is refused, naming the column. */
    size_t used = strlen(vals[6]);
    put_wide(vals[6], &used, 1);
    assert_int_equal(rk_import_row_parse(&m, f, 7, row, &e), RK_EINVAL);
    assert_string_equal(e.where, "source_detail");
    assert_string_equal(e.message, "is too long");
    used = strlen(vals[0]);
    put_wide(vals[0], &used, 1);
    assert_int_equal(rk_import_row_parse(&m, f, 7, row, &e), RK_EINVAL);
    assert_string_equal(e.where, "name");

    /* Evidence and detail are one line. */
    f[0] = "x";
    f[6] = "two\nlines";
    assert_int_equal(rk_import_row_parse(&m, f, 7, row, &e), RK_EINVAL);
    assert_string_equal(e.where, "source_detail");
    for (size_t i = 0; i < 7; i++)
        free(vals[i]);
    free(row);
}

int main(void) {
    setenv("REKISTERI_NOW", NOW, 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_names),    cmocka_unit_test(header_all_columns),
        cmocka_unit_test(header_refusals), cmocka_unit_test(row_good),
        cmocka_unit_test(row_refusals),    cmocka_unit_test(channels),
        cmocka_unit_test(text_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
