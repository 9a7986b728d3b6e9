/*
 * test_ropa.c — the record of processing (art 30(1)): the example renders to
 * the golden files; there is one entry per (register, purpose) pair; the CSV
 * parses back (RFC 4180, quoted commas, quotes and newlines) to twelve fields
 * per row; the JSON is valid and carries the fields (a) to (g); output is
 * deterministic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "views/ropa.h"
#include "testutil.h"

#define EXAMPLE  "examples/smartum/declaration.yaml"
#define FULL     "tests/decls/full.yaml"
#define NCOLUMNS 15

static struct rk_buf render(const struct rk_decl *d, enum rk_lang lang, enum rk_ropa_format f) {
    struct rk_buf b;
    rk_buf_init(&b);
    assert_int_equal(rk_ropa_render(d, lang, f, &b), RK_OK);
    assert_non_null(b.data);
    return b;
}

static void golden(const char *yaml_path, const char *name, enum rk_lang lang,
                   enum rk_ropa_format f) {
    struct rk_decl *d = rkt_load(yaml_path);
    struct rk_buf b = render(d, lang, f);
    rkt_golden(name, b.data, b.len);
    rk_buf_cleanup(&b);
    rk_decl_free(d);
}

static void golden_example(void **state) {
    (void)state;
    golden(EXAMPLE, "ropa.fi.csv", RK_LANG_FI, RK_ROPA_CSV);
    golden(EXAMPLE, "ropa.en.csv", RK_LANG_EN, RK_ROPA_CSV);
    golden(EXAMPLE, "ropa.fi.json", RK_LANG_FI, RK_ROPA_JSON);
    golden(EXAMPLE, "ropa.en.json", RK_LANG_EN, RK_ROPA_JSON);
    golden(EXAMPLE, "ropa.fi.md", RK_LANG_FI, RK_ROPA_MD);
    golden(EXAMPLE, "ropa.en.md", RK_LANG_EN, RK_ROPA_MD);
}

static void golden_full(void **state) {
    (void)state;
    golden(FULL, "ropa-full.en.csv", RK_LANG_EN, RK_ROPA_CSV);
    golden(FULL, "ropa-full.fi.json", RK_LANG_FI, RK_ROPA_JSON);
    golden(FULL, "ropa-full.fi.md", RK_LANG_FI, RK_ROPA_MD);
}

/* ---- A small RFC 4180 reader ---------------------------------------------- */

struct csv {
    char *fields[16][NCOLUMNS + 4]; /* rows x fields, each malloc'ed */
    size_t nrows, nfields[16];
};

/* Reads one field starting at *p; leaves *p at the ',' or CRLF after it. */
static char *csv_field(const char **p) {
    const char *s = *p;
    char *f = malloc(strlen(s) + 1), *o = f;
    assert_non_null(f);
    if (*s == '"') {
        for (s++;; s++) {
            assert_true(*s != '\0'); /* an unterminated quote */
            if (*s == '"' && s[1] == '"')
                *o++ = *s++;
            else if (*s == '"')
                break;
            else
                *o++ = *s;
        }
        s++;
    } else {
        while (*s && *s != ',' && *s != '\r' && *s != '\n') {
            assert_true(*s != '"'); /* a quote in an unquoted field */
            *o++ = *s++;
        }
    }
    *o = '\0';
    *p = s;
    return f;
}

static void csv_parse(const char *s, struct csv *c) {
    memset(c, 0, sizeof *c);
    while (*s) {
        assert_true(c->nrows < 16);
        size_t r = c->nrows++;
        for (;;) {
            assert_true(c->nfields[r] < NCOLUMNS + 4);
            c->fields[r][c->nfields[r]++] = csv_field(&s);
            if (*s == ',') {
                s++;
                continue;
            }
            assert_true(s[0] == '\r' && s[1] == '\n'); /* every row ends with CRLF */
            s += 2;
            break;
        }
    }
}

/* The field at row r, column f; fails the test when there is none. */
static const char *cell(const struct csv *c, size_t r, size_t f) {
    if (r >= c->nrows || f >= c->nfields[r] || !c->fields[r][f]) {
        fail_msg("no CSV field at row %zu, column %zu", r, f);
        return "";
    }
    return c->fields[r][f];
}

static void csv_free(struct csv *c) {
    for (size_t r = 0; r < c->nrows; r++)
        for (size_t f = 0; f < c->nfields[r]; f++)
            free(c->fields[r][f]);
}

static void csv_example(void **state) {
    (void)state;
    static const char *const header[NCOLUMNS] = {"controller",
                                                 "representative",
                                                 "dpo",
                                                 "register",
                                                 "purpose",
                                                 "legal_basis",
                                                 "profiling",
                                                 "direct_marketing",
                                                 "data_subjects",
                                                 "personal_data",
                                                 "sources",
                                                 "recipients",
                                                 "third_country_transfers",
                                                 "erasure_time_limits",
                                                 "security_measures"};
    struct rk_decl *d = rkt_load_example();
    struct rk_buf b = render(d, RK_LANG_FI, RK_ROPA_CSV);
    struct csv c;
    csv_parse(b.data, &c);
    assert_int_equal(c.nrows, 1 + 3); /* customer x 2 purposes + marketing x 1 */
    for (size_t r = 0; r < c.nrows; r++)
        assert_int_equal(c.nfields[r], NCOLUMNS);
    for (size_t i = 0; i < NCOLUMNS; i++)
        assert_string_equal(cell(&c, 0, i), header[i]);
    assert_string_equal(cell(&c, 1, 3), "Asiakasrekisteri");
    assert_string_equal(cell(&c, 2, 3), "Asiakasrekisteri");
    assert_string_equal(cell(&c, 3, 3), "Markkinointirekisteri");
    assert_string_equal(
        cell(&c, 1, 4),
        "myynnin edistäminen, markkinointiviestintä ja markkinoinnin kohdentaminen");
    assert_string_equal(cell(&c, 1, 5), "rekisteröidyn suostumus, 6 art. 1 a");
    assert_string_equal(cell(&c, 2, 5), "sopimus, jossa rekisteröity on osapuolena, 6 art. 1 b");
    assert_string_equal(cell(&c, 1, 1), "ei ilmoitettu");
    assert_string_equal(cell(&c, 1, 2), "ei ilmoitettu");
    assert_string_equal(cell(&c, 1, 14), "ei ilmoitettu");
    assert_non_null(strstr(cell(&c, 1, 0), "Smartum Oy (Y-tunnus 2780101-9)"));
    assert_non_null(strstr(cell(&c, 3, 9), "Rekisteröidyn antamat kiinnostustiedot"));
    assert_null(strstr(cell(&c, 3, 9), "Laskutustiedot")); /* not in the marketing register */
    assert_non_null(strstr(cell(&c, 1, 12), "Yhdysvallat: EU-U.S. Privacy Shield -järjestely"));
    assert_non_null(strstr(cell(&c, 1, 13), "2 vuotta"));
    assert_null(strstr(cell(&c, 2, 13), "2 vuotta")); /* consent validity: consent entries only */
    csv_free(&c);
    rk_buf_cleanup(&b);
    rk_decl_free(d);
}

/* Values with commas, quotes and newlines survive the round trip. */
static const char awkward_yaml[] =
    "rekisteri: 1\n"
    "controller:\n"
    "  name: \"Pilkku, \\\"Lainaus\\\" Oy\"\n"
    "  business_id: 1234567-8\n"
    "  address: Katu 1, 00100 Helsinki\n"
    "  phone: 09 123\n"
    "  dpo: {name: \"Dana, DPO\", email: dpo@example.fi}\n"
    "purposes:\n"
    "  - {id: a, name: {fi: \"yksi, kaksi\", en: \"one, two\"}, basis: contract}\n"
    "  - {id: b, name: {fi: kolme, en: three}, basis: legal_obligation}\n"
    "categories:\n"
    "  - {id: name, name: {fi: Nimi, en: Name}}\n"
    "registers:\n"
    "  - id: r\n"
    "    name: {fi: Rekisteri, en: Register}\n"
    "    subjects: {fi: asiakkaat, en: customers}\n"
    "    categories: [name]\n"
    "    purposes: [a, b]\n"
    "    retention: {period: 5y}\n"
    "recipients:\n"
    "  - {id: x, name: Kotimainen Oy, role: controller, country: FI, registers: [r]}\n"
    "rights: {verification: [email_code]}\n"
    "supervisory_authority:\n"
    "  name: {fi: Tietosuojavaltuutetun toimisto, en: Office of the Data Protection Ombudsman}\n"
    "security:\n"
    "  - fi: |\n"
    "      Rivi yksi,\n"
    "      rivi \"kaksi\"\n"
    "    en: |\n"
    "      Line one,\n"
    "      line \"two\"\n";

static void csv_quotes_round_trip(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(awkward_yaml);
    struct rk_buf b = render(d, RK_LANG_EN, RK_ROPA_CSV);
    struct csv c;
    csv_parse(b.data, &c);
    assert_int_equal(c.nrows, 1 + 2);
    for (size_t r = 0; r < c.nrows; r++)
        assert_int_equal(c.nfields[r], NCOLUMNS);
    assert_non_null(strstr(cell(&c, 1, 0), "Pilkku, \"Lainaus\" Oy (business ID 1234567-8)"));
    assert_string_equal(cell(&c, 1, 2), "Dana, DPO, email dpo@example.fi");
    assert_string_equal(cell(&c, 1, 4), "one, two");
    assert_string_equal(cell(&c, 2, 4), "three");
    assert_string_equal(cell(&c, 1, 12), "none"); /* the only recipient is in the EEA */
    assert_string_equal(cell(&c, 1, 11), "Kotimainen Oy (controller, Finland)");
    assert_string_equal(cell(&c, 1, 13), "The data is kept for at most 5 years.");
    assert_string_equal(cell(&c, 1, 14), "Line one,\nline \"two\"\n");
    csv_free(&c);
    rk_buf_cleanup(&b);
    rk_decl_free(d);
}

/* ---- JSON ----------------------------------------------------------------- */

static json_t *load_json(const struct rk_buf *b) /* new ref */ {
    json_error_t err;
    json_t *root = json_loads(b->data, 0, &err);
    if (!root)
        fail_msg("invalid JSON at line %d: %s", err.line, err.text);
    return root;
}

static void json_example(void **state) {
    (void)state;
    static const char *const keys[] = {"register",      "purpose",       "legal_basis",
                                       "data_subjects", "personal_data", "recipients",
                                       "transfers",     "erasure",       "security_measures"};
    struct rk_decl *d = rkt_load_example();
    struct rk_buf b = render(d, RK_LANG_EN, RK_ROPA_JSON);
    json_t *root = load_json(&b);
    json_t *rec = json_object_get(root, "record_of_processing");
    assert_non_null(rec);
    assert_string_equal(json_string_value(json_object_get(rec, "language")), "en");
    json_t *ctl = json_object_get(rec, "controller"); /* (a) */
    assert_string_equal(json_string_value(json_object_get(ctl, "name")), "Smartum Oy");
    assert_string_equal(json_string_value(json_object_get(ctl, "business_id")), "2780101-9");
    assert_true(json_is_null(json_object_get(ctl, "dpo")));
    assert_true(json_is_null(json_object_get(ctl, "representative")));
    json_t *entries = json_object_get(rec, "entries");
    assert_int_equal(json_array_size(entries), 3);
    for (size_t i = 0; i < json_array_size(entries); i++)
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            if (!json_object_get(json_array_get(entries, i), keys[k]))
                fail_msg("entry %zu lacks %s", i, keys[k]);
    json_t *e0 = json_array_get(entries, 0);
    json_t *basis = json_object_get(e0, "legal_basis"); /* (b) */
    assert_string_equal(json_string_value(json_object_get(basis, "id")), "consent");
    assert_string_equal(json_string_value(json_object_get(basis, "article")), "6(1)(a)");
    assert_string_equal(json_string_value(json_object_get(json_object_get(e0, "register"), "id")),
                        "customer");
    assert_int_equal(json_array_size(json_object_get(e0, "personal_data")), 8); /* (c) */
    assert_int_equal(json_array_size(json_object_get(e0, "recipients")), 2);    /* (d) */
    json_t *t0 = json_array_get(json_object_get(e0, "transfers"), 0);           /* (e) */
    assert_string_equal(json_string_value(json_object_get(t0, "mechanism")), "privacy_shield");
    assert_string_equal(json_string_value(json_object_get(t0, "country")), "US");
    assert_non_null(strstr(json_string_value(json_object_get(e0, "erasure")), "2 years")); /* (f) */
    assert_int_equal(json_array_size(json_object_get(e0, "security_measures")), 0);        /* (g) */
    json_t *e2 = json_array_get(entries, 2);
    assert_string_equal(json_string_value(json_object_get(json_object_get(e2, "register"), "id")),
                        "marketing");
    assert_int_equal(json_array_size(json_object_get(e2, "personal_data")), 5);
    json_decref(root);
    rk_buf_cleanup(&b);
    rk_decl_free(d);
}

static void json_full(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load(FULL);
    struct rk_buf b = render(d, RK_LANG_FI, RK_ROPA_JSON);
    json_t *root = load_json(&b);
    json_t *rec = json_object_get(root, "record_of_processing");
    json_t *ctl = json_object_get(rec, "controller");
    assert_string_equal(json_string_value(json_object_get(json_object_get(ctl, "dpo"), "email")),
                        "dpo@example.fi");
    json_t *entries = json_object_get(rec, "entries");
    assert_int_equal(json_array_size(entries), 4); /* customer x 3 + marketing x 1 */
    json_t *e0 = json_array_get(entries, 0);
    /* Of crm (US), books (FI) and support (IN), the transfers are the two outside the EEA. */
    assert_int_equal(json_array_size(json_object_get(e0, "recipients")), 3);
    assert_int_equal(json_array_size(json_object_get(e0, "transfers")), 2);
    assert_non_null(
        strstr(json_string_value(json_object_get(e0, "erasure")), "Kirjanpitolaki 1336/1997 2:10"));
    assert_int_equal(json_array_size(json_object_get(e0, "security_measures")), 2);
    /* What crm receives (recipients[].shares), named in the reader's language; books
     * declares no shares: null. */
    json_t *crm = json_array_get(json_object_get(e0, "recipients"), 0);
    assert_string_equal(json_string_value(json_object_get(crm, "id")), "crm");
    json_t *shares = json_object_get(crm, "shares");
    assert_int_equal(json_array_size(shares), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(shares, 1), "id")),
                        "email");
    assert_string_equal(json_string_value(json_object_get(json_array_get(shares, 1), "name")),
                        "Sähköposti");
    json_t *books = json_array_get(json_object_get(e0, "recipients"), 1);
    assert_true(json_is_null(json_object_get(books, "shares")));
    json_t *acq = json_object_get(json_array_get(entries, 2), "legal_basis");
    assert_string_equal(json_string_value(json_object_get(acq, "article")), "6(1)(f)");
    assert_string_equal(json_string_value(json_object_get(acq, "legitimate_interest")),
                        "B2B-myynti <yrityksille>");
    assert_string_equal(json_string_value(json_object_get(acq, "balancing_test")),
                        "Punninta 2/2025 <saatavilla pyynnöstä>");
    /* The acquisition entry: direct marketing with the soft opt-in, no profiling, the sources
     * by name with what each gives (the public one is declared for this purpose only). */
    json_t *e2 = json_array_get(entries, 2);
    assert_true(json_is_null(json_object_get(e2, "profiling")));
    json_t *dm = json_object_get(e2, "direct_marketing");
    assert_int_equal(json_array_size(json_object_get(dm, "channels")), 3);
    assert_string_equal(json_string_value(json_object_get(dm, "audience")), "both");
    assert_true(
        json_is_true(json_object_get(json_object_get(dm, "soft_opt_in"), "opt_out_at_collection")));
    json_t *srcs = json_object_get(e2, "sources");
    json_t *pub = json_array_get(srcs, json_array_size(srcs) - 2);
    assert_string_equal(json_string_value(json_object_get(pub, "kind")), "public_source");
    assert_true(json_is_true(json_object_get(pub, "publicly_available")));
    assert_int_equal(json_array_size(json_object_get(pub, "categories")), 2);
    assert_int_equal(json_array_size(json_object_get(e0, "sources")), 7); /* not the public one */
    /* The special category of the customer register, with its law; its transfers' checks. */
    json_t *data = json_object_get(e0, "personal_data");
    json_t *bg = json_object_get(json_array_get(data, json_array_size(data) - 1), "special");
    assert_string_equal(json_string_value(json_object_get(bg, "id")), "criminal_offences");
    assert_true(json_is_null(json_object_get(bg, "condition")));
    assert_string_equal(json_string_value(json_object_get(bg, "law")),
                        "Tietosuojalaki 1050/2018 7 §");
    json_t *t0 = json_array_get(json_object_get(e0, "transfers"), 0);
    assert_string_equal(json_string_value(json_object_get(t0, "dpf_verified")), "2026-11-02");
    json_t *t1 = json_array_get(json_object_get(e0, "transfers"), 1);
    assert_non_null(json_string_value(json_object_get(t1, "safeguards_copy")));
    /* The marketing entry: profiling, and the register's children. */
    json_t *e3 = json_array_get(entries, 3);
    json_t *pr = json_object_get(e3, "profiling");
    assert_string_equal(json_string_value(json_object_get(pr, "logic")),
                        "Pisteytämme kiinnostuksen aiheittain.");
    json_t *ch = json_object_get(e3, "children");
    assert_int_equal(json_integer_value(json_object_get(ch, "min_age")), 10);
    assert_true(json_is_true(json_object_get(ch, "online_service")));
    json_decref(root);
    rk_buf_cleanup(&b);
    rk_decl_free(d);
}

/* ---- Markdown ------------------------------------------------------------- */

static size_t count(const char *hay, const char *needle) {
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void markdown_example(void **state) {
    (void)state;
    static const char *const letters[] = {"(a)", "(b)", "(c)", "(d)", "(e)", "(f)", "(g)"};
    struct rk_decl *d = rkt_load_example();
    for (int lang = RK_LANG_FI; lang <= RK_LANG_EN; lang++) {
        struct rk_buf b = render(d, (enum rk_lang)lang, RK_ROPA_MD);
        assert_int_equal(count(b.data, "\n## "), 3);
        assert_true(strncmp(b.data,
                            lang == RK_LANG_FI ? "# Seloste käsittelytoimista\n"
                                               : "# Record of processing activities\n",
                            20) == 0);
        for (size_t i = 0; i < 7; i++)
            assert_true(count(b.data, letters[i]) >= 3); /* in each of the three entries */
        rk_buf_cleanup(&b);
    }
    rk_decl_free(d);
}

/* Record (d) says what each recipient receives from the entry's register. */
static void recipients_show_shares(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load(FULL);
    struct rk_buf fi = render(d, RK_LANG_FI, RK_ROPA_MD);
    struct rk_buf en = render(d, RK_LANG_EN, RK_ROPA_CSV);
    /* crm in each of the three customer entries, mailer in the marketing one */
    assert_int_equal(count(fi.data, "; vastaanottaa: Nimi, Sähköposti)"), 3);
    assert_int_equal(count(fi.data, "; vastaanottaa: Nimi, Sähköposti, Kiinnostukset)"), 1);
    assert_int_equal(count(en.data, "; receives: Name, Email)"), 3);
    assert_int_equal(count(en.data, "; receives: Name, Email, Interests)"), 1);
    assert_int_equal(count(en.data, "receives:"), 4); /* books and support declare none */
    rk_buf_cleanup(&fi);
    rk_buf_cleanup(&en);
    rk_decl_free(d);
}

static void deterministic(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load(FULL);
    for (int f = RK_ROPA_CSV; f <= RK_ROPA_MD; f++) {
        struct rk_buf a = render(d, RK_LANG_EN, (enum rk_ropa_format)f);
        struct rk_buf b = render(d, RK_LANG_EN, (enum rk_ropa_format)f);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        rk_buf_cleanup(&a);
        rk_buf_cleanup(&b);
    }
    rk_decl_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(golden_example),   cmocka_unit_test(golden_full),
        cmocka_unit_test(csv_example),      cmocka_unit_test(csv_quotes_round_trip),
        cmocka_unit_test(json_example),     cmocka_unit_test(json_full),
        cmocka_unit_test(markdown_example), cmocka_unit_test(recipients_show_shares),
        cmocka_unit_test(deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
