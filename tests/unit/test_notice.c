/*
 * test_notice.c — the privacy notice: the example renders to the golden files
 * in both languages and formats; every fact of the source notice
 * (shared/seed/FACTS.md) reappears in the Finnish output; declared text is
 * escaped in HTML and Markdown; the HTML is a complete document with the six
 * sections in order; no section is empty; output is deterministic.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "views/notice.h"
#include "testutil.h"

/* Renders d; fails the test unless rendering succeeds. The caller frees the buffer. */
static struct rk_buf render(const struct rk_decl *d, enum rk_lang lang, enum rk_notice_format f) {
    struct rk_buf b;
    rk_buf_init(&b);
    assert_int_equal(rk_notice_render(d, lang, f, &b), RK_OK);
    assert_non_null(b.data);
    return b;
}

static size_t count(const char *hay, const char *needle) {
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void golden(const char *yaml_path, const char *name, enum rk_lang lang,
                   enum rk_notice_format f) {
    struct rk_decl *d = rkt_load(yaml_path);
    struct rk_buf b = render(d, lang, f);
    rkt_golden(name, b.data, b.len);
    rk_buf_cleanup(&b);
    rk_decl_free(d);
}

#define EXAMPLE "examples/smartum/declaration.yaml"
#define FULL    "tests/decls/full.yaml"

static void golden_example(void **state) {
    (void)state;
    golden(EXAMPLE, "notice.fi.md", RK_LANG_FI, RK_NOTICE_MD);
    golden(EXAMPLE, "notice.en.md", RK_LANG_EN, RK_NOTICE_MD);
    golden(EXAMPLE, "notice.fi.html", RK_LANG_FI, RK_NOTICE_HTML);
    golden(EXAMPLE, "notice.en.html", RK_LANG_EN, RK_NOTICE_HTML);
}

/* The declaration with every field: every branch of the renderer, in both languages. */
static void golden_full(void **state) {
    (void)state;
    golden(FULL, "notice-full.fi.md", RK_LANG_FI, RK_NOTICE_MD);
    golden(FULL, "notice-full.en.md", RK_LANG_EN, RK_NOTICE_MD);
    golden(FULL, "notice-full.fi.html", RK_LANG_FI, RK_NOTICE_HTML);
    golden(FULL, "notice-full.en.html", RK_LANG_EN, RK_NOTICE_HTML);
}

/* Every fact of shared/seed/FACTS.md, as the Finnish notice must word it. */
static const char *const facts_fi[] = {
    /* Header */
    "informointivelvoitteensa",
    "30.9.2018",
    "9.12.2020",
    "Vaana",
    "henkilötietojen käsittelijä ja asiakas rekisterinpitäjä",
    /* 1. Controller */
    "Smartum Oy",
    "Y-tunnus",
    "2780101-9",
    "Yrjönkatu 11 B, 00120 Helsinki",
    "040 172 3700",
    /* 2. Legal bases and purposes */
    "rekisteröidyn suostumus, 6 art. 1 a",
    "sopimus, jossa rekisteröity on osapuolena, 6 art. 1 b",
    "myynnin edistäminen",
    "asiakassuhteen elinkaaren hallinta",
    "asiakassuhteen ylläpito",
    "palautteen keruu",
    "palvelujemme kehittäminen",
    "markkinoinnin kohdentaminen",
    "voi milloin tahansa peruuttaa",
    "klikkaamalla uutiskirjeen tai markkinointiviestin linkkiä",
    "ilmoittamalla siitä kohdan 1 yhteystietoja käyttämällä",
    "ellei ole muuta oikeusperustetta käsittelylle",
    "evästeiden",
    "IP-osoitteita",
    "selaimen asetuksista",
    "upotettu sisältö",
    "Analytiikkaan",
    "Google Analytics",
    "Google Tag Manager",
    "Leadfeeder",
    "palautteen keruuseen",
    "Survicate",
    "Outgrow",
    "Markkinoinnin kohdentamiseen",
    "Facebook Pixel",
    "Twitter Universal Tag",
    "LinkedIn Pixel",
    "Google Remarketing",
    /* 3. Categories and retention */
    "Asiakasrekisteri",
    "asiakassuhteessa olevat henkilöt",
    "Markkinointirekisteri",
    "markkinointiluvan antaneet henkilöt",
    "Henkilön nimi",
    "Asema",
    "Yritys/organisaatio",
    "Puhelinnumero",
    "Sähköpostiosoite",
    "Tiedot tilatuista palveluista ja niiden muutoksista",
    "Laskutustiedot",
    "Muut asiakassuhteeseen ja tilattuihin palveluihin liittyvät tiedot",
    "Rekisteröidyn antamat kiinnostustiedot",
    "Rekisteröidyltä itseltään",
    "asiakassuhteen ajan",
    "sopimuksen voimassaolon ajan",
    "kunnes rekisteröity peruuttaa suostumuksensa",
    "2 vuotta",
    /* 4. Sources */
    "www-lomakkeet",
    "sähköposti",
    "puhelin",
    "sopimukset",
    "asiakastapaamiset",
    "muut tilanteet, joissa asiakas luovuttaa tietojaan",
    "yleisesti saatavilla olevat lähteet",
    "kunnan www-sivut",
    "asiakashankintaa varten",
    "henkilötiedot annettava",
    "emme voi taata palvelun laatua",
    /* 5. Recipients and transfers */
    "EU:n tai ETA:n ulkopuolelle",
    "Salesforce",
    "The Rocket Science Group LLC d/b/a MailChimp",
    "Yhdysvallat",
    "Privacy Shield",
    /* 6. Rights */
    "art 15",
    "art 16",
    "art 17",
    "art 18",
    "art 20",
    "art 21",
    "art 22",
    "Oikeus saada pääsy",
    "oikaisemiseen",
    "tietojen poistamiseen",
    "käsittelyn rajoittamiseen",
    "Oikeus siirtää tiedot",
    "Vastustamisoikeus",
    "profilointia",
    "henkilökohtaisesti",
    "kohdassa 1 ilmoitettuun osoitteeseen",
    "henkilöllisyystodistu",
    "valitus",
    "valvontaviranomaiselle",
    "Tietosuojavaltuutetun toimisto",
};

static void assert_facts(const char *out, const char *what) {
    for (size_t i = 0; i < sizeof facts_fi / sizeof facts_fi[0]; i++)
        if (!strstr(out, facts_fi[i]))
            fail_msg("the Finnish %s notice lacks the fact \"%s\"", what, facts_fi[i]);
}

static void facts_in_finnish(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load_example();
    struct rk_buf md = render(d, RK_LANG_FI, RK_NOTICE_MD);
    struct rk_buf html = render(d, RK_LANG_FI, RK_NOTICE_HTML);
    assert_facts(md.data, "Markdown");
    assert_facts(html.data, "HTML");
    rk_buf_cleanup(&md);
    rk_buf_cleanup(&html);
    rk_decl_free(d);
}

static void facts_in_english(void **state) {
    (void)state;
    static const char *const facts_en[] = {
        "Smartum Oy",
        "Business ID",
        "2780101-9",
        "30 September 2018",
        "9 December 2020",
        "consent of the data subject, art 6(1)(a)",
        "contract to which the data subject is party, art 6(1)(b)",
        "Google Remarketing",
        "2 years",
        "municipal web pages",
        "United States",
        "EU-U.S. Privacy Shield",
        "identity document",
        "Office of the Data Protection Ombudsman",
        "art 22",
    };
    struct rk_decl *d = rkt_load_example();
    struct rk_buf md = render(d, RK_LANG_EN, RK_NOTICE_MD);
    for (size_t i = 0; i < sizeof facts_en / sizeof facts_en[0]; i++)
        if (!strstr(md.data, facts_en[i]))
            fail_msg("the English notice lacks \"%s\"", facts_en[i]);
    rk_buf_cleanup(&md);
    rk_decl_free(d);
}

/* A declaration whose every kind of declared text carries HTML and Markdown metacharacters. */
static const char hostile_yaml[] =
    "rekisteri: 1\n"
    "notice: {intro: {fi: \"Esittely <b>*tähti*</b>\", en: \"Intro <b>*star*</b>\"}}\n"
    "controller:\n"
    "  name: \"<script>&\\\"'\"\n"
    "  business_id: 1234567-8\n"
    "  address: \"Katu [1](javascript:x) _a_\"\n"
    "  phone: \"# 09 123\"\n"
    "purposes:\n"
    "  - id: marketing\n"
    "    name: {fi: \"<img src=x onerror=alert(1)>\", en: \"`code` | pipe\"}\n"
    "    basis: consent\n"
    "    consent: {validity: 1y, withdrawal: [message_link]}\n"
    "categories:\n"
    "  - {id: name, name: {fi: \"Nimi & <i>\", en: \"Name & <i>\"}, kind: identity}\n"
    "registers:\n"
    "  - id: customer\n"
    "    name: {fi: \"Rekisteri \\\"x\\\"\", en: \"Register 'x'\"}\n"
    "    subjects: {fi: asiakkaat, en: customers}\n"
    "    categories: [name]\n"
    "    purposes: [marketing]\n"
    "    retention: {until: [consent_withdrawn]}\n"
    "cookies:\n"
    "  categories:\n"
    "    - {id: a, name: {fi: A, en: A}, vendors: [\"</li><script>x</script>\"]}\n"
    "rights: {verification: [in_person]}\n"
    "supervisory_authority:\n"
    "  name: {fi: \"Viranomainen <x>\", en: \"Authority <x>\"}\n"
    "  url: \"javascript:alert(1)\"\n";

static void html_escapes_declared_text(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(hostile_yaml);
    struct rk_buf b = render(d, RK_LANG_FI, RK_NOTICE_HTML);
    assert_non_null(strstr(b.data, "&lt;script&gt;&amp;&quot;&#39;"));
    assert_non_null(strstr(b.data, "<title>Tietosuojaseloste – &lt;script&gt;&amp;&quot;&#39;"));
    assert_non_null(strstr(b.data, "&lt;img src=x onerror=alert(1)&gt;"));
    assert_non_null(strstr(b.data, "Nimi &amp; &lt;i&gt;"));
    assert_non_null(strstr(b.data, "Rekisteri &quot;x&quot;"));
    assert_non_null(strstr(b.data, "&lt;/li&gt;&lt;script&gt;x&lt;/script&gt;"));
    assert_null(strstr(b.data, "<script"));
    assert_null(strstr(b.data, "<img"));
    assert_null(strstr(b.data, "<i>"));
    assert_null(strstr(b.data, "<b>"));
    assert_null(strstr(b.data, "href=\"javascript")); /* only http(s) URLs become links */
    rk_buf_cleanup(&b);
    rk_decl_free(d);
}

static void markdown_escapes_declared_text(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(hostile_yaml);
    struct rk_buf fi = render(d, RK_LANG_FI, RK_NOTICE_MD);
    struct rk_buf en = render(d, RK_LANG_EN, RK_NOTICE_MD);
    assert_non_null(strstr(fi.data, "- \\<script\\>\\&\"'\n"));
    assert_non_null(strstr(fi.data, "Esittely \\<b\\>\\*tähti\\*\\</b\\>"));
    assert_non_null(strstr(fi.data, "Katu \\[1\\](javascript:x) \\_a\\_"));
    assert_non_null(strstr(fi.data, "Puhelin: \\# 09 123"));
    assert_non_null(strstr(en.data, "\\`code\\` \\| pipe"));
    assert_null(strstr(fi.data, "<script>"));
    assert_null(strstr(en.data, "*star*"));
    rk_buf_cleanup(&fi);
    rk_buf_cleanup(&en);
    rk_decl_free(d);
}

/* No tag carries an attribute starting with "on" (onclick=, onerror= ...). */
static void assert_no_event_handlers(const char *html) {
    for (const char *t = strchr(html, '<'); t; t = strchr(t + 1, '<')) {
        const char *end = strchr(t, '>');
        assert_non_null(end);
        for (const char *p = t; p + 3 < end; p++)
            if (p[0] == ' ' && p[1] == 'o' && p[2] == 'n')
                fail_msg("event handler attribute in %.*s", (int)(end - t + 1), t);
    }
}

static void html_is_a_complete_document(void **state) {
    (void)state;
    static const char *const h2[] = {"<h2>1. ", "<h2>2. ", "<h2>3. ",
                                     "<h2>4. ", "<h2>5. ", "<h2>6. "};
    struct rk_decl *d = rkt_load_example();
    for (int lang = RK_LANG_FI; lang <= RK_LANG_EN; lang++) {
        struct rk_buf b = render(d, (enum rk_lang)lang, RK_NOTICE_HTML);
        const char *s = b.data;
        assert_true(strncmp(s, "<!doctype html>\n", 16) == 0);
        assert_non_null(
            strstr(s, lang == RK_LANG_FI ? "<html lang=\"fi\">" : "<html lang=\"en\">"));
        assert_non_null(strstr(s, "<meta charset=\"utf-8\">"));
        assert_non_null(strstr(s, "<meta name=\"viewport\""));
        assert_int_equal(count(s, "<title>"), 1);
        assert_int_equal(count(s, "<h1>"), 1);
        assert_int_equal(count(s, "<main>"), 1);
        assert_int_equal(count(s, "<h2>"), 7); /* the six sections and "What you can do here" */
        /* No dead end: the forms, the preferences and the request form (issue 13). */
        assert_non_null(strstr(s, "<a href=\"/forms/newsletter?lang="));
        assert_non_null(strstr(s, "<a href=\"/preferences?lang="));
        assert_non_null(strstr(s, "<a href=\"/requests?lang="));
        assert_int_equal(count(s, "<ul>"), count(s, "</ul>"));
        assert_int_equal(count(s, "<li>"), count(s, "</li>"));
        assert_int_equal(count(s, "<p>"), count(s, "</p>"));
        assert_null(strstr(s, "style="));
        assert_null(strstr(s, "<script"));
        assert_no_event_handlers(s);
        const char *prev = s;
        for (size_t i = 0; i < 6; i++) {
            const char *h = strstr(prev, h2[i]);
            if (!h) {
                fail_msg("section %zu missing or out of order", i + 1);
                return;
            }
            prev = h;
        }
        size_t n = strlen(s);
        assert_true(n > 30 && strcmp(s + n - 24, "</main>\n</body>\n</html>\n") == 0);
        rk_buf_cleanup(&b);
    }
    rk_decl_free(d);
}

/* Every heading of the Markdown is followed by some text before the next
 * heading of the same or a higher level: no section is empty. */
static void assert_no_empty_section(const char *md) {
    const char *line = md;
    int open = 0; /* level of the last heading not yet followed by text */
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        int level = 0;
        while (level < (int)len && line[level] == '#')
            level++;
        if (level > 0 && line[level] == ' ') {
            if (open && level <= open)
                fail_msg("empty section before: %.*s", (int)len, line);
            open = level;
        } else if (len > 0) {
            open = 0;
        }
        line = end ? end + 1 : line + len;
    }
    assert_int_equal(open, 0);
}

static void no_empty_sections(void **state) {
    (void)state;
    const char *paths[] = {EXAMPLE, FULL};
    for (size_t i = 0; i < 2; i++) {
        struct rk_decl *d = rkt_load(paths[i]);
        for (int lang = RK_LANG_FI; lang <= RK_LANG_EN; lang++) {
            struct rk_buf b = render(d, (enum rk_lang)lang, RK_NOTICE_MD);
            assert_no_empty_section(b.data);
            assert_int_equal(count(b.data, "\n## "), 6);
            assert_int_equal(count(b.data, "\n\n\n"), 0);
            assert_true(b.data[b.len - 1] == '\n' && b.data[b.len - 2] != '\n');
            rk_buf_cleanup(&b);
        }
        rk_decl_free(d);
    }
}

/* A declaration with no sources, recipients or cookies still says something in each section. */
static void minimal_sections_are_not_empty(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(hostile_yaml);
    struct rk_buf b = render(d, RK_LANG_FI, RK_NOTICE_MD);
    assert_no_empty_section(b.data);
    assert_non_null(strstr(b.data, "Tietolähteitä ei ole ilmoitettu."));
    /* Its one cookie vendor gets data from the site and declares no country: neither "no
     * recipients" nor "no transfers" is what the declaration says. */
    assert_non_null(strstr(b.data, "Emme luovuta henkilötietoja muille vastaanottajille kuin "
                                   "kohdan 2 evästeissä luetelluille palveluille."));
    assert_null(strstr(b.data, "Henkilötietoja ei siirretä EU:n tai ETA:n ulkopuolelle."));
    assert_non_null(strstr(b.data, "EU:n yleisen tietosuoja-asetuksen mukainen oikeusperuste "
                                   "henkilötietojen käsittelylle on:"));
    rk_buf_cleanup(&b);
    rk_decl_free(d);
}

static void statutory_keeps_and_retention(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load(FULL);
    struct rk_buf fi = render(d, RK_LANG_FI, RK_NOTICE_MD);
    struct rk_buf en = render(d, RK_LANG_EN, RK_NOTICE_MD);
    assert_non_null(strstr(fi.data, "Laskut: säilytetään 6 vuotta sen kalenterivuoden "
                                    "päättymisestä, jona tieto kirjattiin"));
    assert_non_null(strstr(fi.data, "Kirjanpitolaki 1336/1997 2:10"));
    assert_non_null(strstr(fi.data, "Tämän jälkeen tietoja säilytetään vielä 6 kuukautta"));
    assert_non_null(strstr(fi.data, "Potentiaalisten asiakkaiden tietoja säilytetään enintään "
                                    "1 vuosi."));
    assert_non_null(strstr(fi.data, "Tietoja säilytetään kuitenkin enintään 3 vuotta."));
    assert_non_null(strstr(fi.data, "Tietoja säilytetään, kunnes rekisteröity peruuttaa"));
    assert_non_null(strstr(en.data, "Invoices: kept for 6 years from the end of the calendar "
                                    "year"));
    assert_non_null(strstr(en.data, "Accounting Act 1336/1997 2:10"));
    assert_non_null(strstr(en.data, "The logic involved: We score leads."));
    rk_buf_cleanup(&fi);
    rk_buf_cleanup(&en);
    rk_decl_free(d);
}

/* §5 says what each recipient receives (recipients[].shares), in the reader's language:
 * the list once (also for a mapping of one register; the example's Salesforce shows the
 * per-register form in the golden files); nothing when not declared. */
static void recipients_show_shares(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load(FULL);
    struct rk_buf fi = render(d, RK_LANG_FI, RK_NOTICE_MD);
    struct rk_buf en = render(d, RK_LANG_EN, RK_NOTICE_MD);
    struct rk_buf html = render(d, RK_LANG_EN, RK_NOTICE_HTML);
    assert_int_equal(count(fi.data, ". Luovutettavat tiedot: Nimi, Sähköposti. "), 1); /* crm */
    assert_int_equal(count(fi.data, ". Luovutettavat tiedot: Nimi, Sähköposti, Kiinnostukset. "),
                     1); /* mailer */
    assert_int_equal(count(en.data, ". Data disclosed: Name, Email. "), 1);
    assert_int_equal(count(en.data, ". Data disclosed: Name, Email, Interests. "), 1);
    assert_int_equal(count(html.data, "Data disclosed: "), 2);
    /* books and support declare no shares: no such sentence for them */
    assert_int_equal(count(en.data, "Data disclosed"), 2);
    rk_buf_cleanup(&fi);
    rk_buf_cleanup(&en);
    rk_buf_cleanup(&html);
    rk_decl_free(d);
    /* The example's Salesforce receives different categories from its two registers. */
    d = rkt_load(EXAMPLE);
    fi = render(d, RK_LANG_FI, RK_NOTICE_MD);
    en = render(d, RK_LANG_EN, RK_NOTICE_MD);
    assert_int_equal(count(fi.data, "Sähköpostiosoite (Asiakasrekisteri); Henkilön nimi, Asema, "
                                    "Puhelinnumero, Sähköpostiosoite (Markkinointirekisteri)"),
                     1);
    assert_int_equal(count(en.data, "Email address (Customer register); Name, Position, Phone "
                                    "number, Email address (Marketing register)"),
                     1);
    rk_buf_cleanup(&fi);
    rk_buf_cleanup(&en);
    rk_decl_free(d);
}

static void deterministic(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load(FULL);
    for (int f = RK_NOTICE_MD; f <= RK_NOTICE_HTML; f++) {
        struct rk_buf a = render(d, RK_LANG_FI, (enum rk_notice_format)f);
        struct rk_buf b = render(d, RK_LANG_FI, (enum rk_notice_format)f);
        assert_int_equal(a.len, b.len);
        assert_memory_equal(a.data, b.data, a.len);
        rk_buf_cleanup(&a);
        rk_buf_cleanup(&b);
    }
    rk_decl_free(d);
}

/* The renderer appends: what is already in the buffer stays. */
static void appends_to_buffer(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load_example();
    struct rk_buf b;
    rk_buf_init(&b);
    rk_buf_puts(&b, "prefix\n");
    assert_int_equal(rk_notice_render(d, RK_LANG_FI, RK_NOTICE_MD, &b), RK_OK);
    assert_true(strncmp(b.data, "prefix\n\n# Tietosuojaseloste\n", 28) == 0);
    rk_buf_cleanup(&b);
    rk_decl_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(golden_example),
        cmocka_unit_test(golden_full),
        cmocka_unit_test(facts_in_finnish),
        cmocka_unit_test(facts_in_english),
        cmocka_unit_test(html_escapes_declared_text),
        cmocka_unit_test(markdown_escapes_declared_text),
        cmocka_unit_test(html_is_a_complete_document),
        cmocka_unit_test(no_empty_sections),
        cmocka_unit_test(minimal_sections_are_not_empty),
        cmocka_unit_test(statutory_keeps_and_retention),
        cmocka_unit_test(recipients_show_shares),
        cmocka_unit_test(deterministic),
        cmocka_unit_test(appends_to_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
