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

#include <stdio.h>
#include <stdlib.h>

#include "core/rights.h"
#include "views/notice.h"
#include "views/ropa.h"
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

/* ---- Never say something untrue (issue 16) --------------------------------------------------
 *
 * Each test below is named after a statement the texts used to make, or could make, without the
 * declaration's support. Each renders a small declaration that contradicts the statement and
 * checks that no text says it — the notice (Markdown and HTML, both languages), the record
 * (Markdown, CSV, JSON) and the art 22 answer the access document quotes — and, where the
 * statement is true, that it is still said. */

#define D_HEAD                                                                                     \
    "rekisteri: 1\n"                                                                               \
    "controller: {name: Testi Oy, business_id: 1234567-8, address: Katu 1, phone: '09 1'}\n"
#define D_CATS                                                                                     \
    "categories:\n"                                                                                \
    "  - {id: name, name: {fi: Nimi, en: Name}, kind: identity, from_subject: true}\n"
#define D_REG(purposes)                                                                            \
    "registers:\n"                                                                                 \
    "  - id: r\n"                                                                                  \
    "    name: {fi: Rekisteri, en: Register}\n"                                                    \
    "    subjects: {fi: asiakkaat, en: customers}\n"                                               \
    "    categories: [name]\n"                                                                     \
    "    purposes: [" purposes "]\n"
#define D_TAIL                                                                                     \
    "supervisory_authority:\n"                                                                     \
    "  name: {fi: Viranomainen, en: Authority}\n"
#define P_CONSENT "  - {id: news, name: {fi: uutiskirje, en: newsletter}, basis: consent}\n"
#define P_PROFILING                                                                                \
    "  - id: target\n"                                                                             \
    "    name: {fi: kohdentaminen, en: targeting}\n"                                               \
    "    basis: consent\n"                                                                         \
    "    profiling:\n"                                                                             \
    "      what: {fi: kiinnostuksesi, en: your interests}\n"                                       \
    "      logic: {fi: Päättelemme aiheet., en: We infer topics.}\n"                             \
    "      consequences: {fi: Näet valittuja mainoksia., en: You see chosen ads.}\n"
#define RIGHTS_NONE "rights: {verification: [in_person]}\n"
#define RIGHTS_ADM                                                                                 \
    "rights:\n"                                                                                    \
    "  verification: [in_person]\n"                                                                \
    "  automated_decisions: true\n"                                                                \
    "  automated_logic: {fi: Pisteytämme hakemukset., en: We score applications.}\n"              \
    "  automated_consequences: {fi: Hakemus voidaan hylätä., en: An application may be "         \
    "refused.}\n"                                                                                  \
    "  automated_basis: explicit_consent\n"                                                        \
    "  automated_safeguards: [human_intervention, express_view, contest]\n"

/* Every text of d, in both languages, concatenated: what a test greps. */
static char *all_texts(const struct rk_decl *d) {
    struct rk_buf b;
    rk_buf_init(&b);
    for (int l = RK_LANG_FI; l <= RK_LANG_EN; l++) {
        enum rk_lang lang = (enum rk_lang)l;
        for (int f = RK_NOTICE_MD; f <= RK_NOTICE_HTML; f++)
            assert_int_equal(rk_notice_render(d, lang, (enum rk_notice_format)f, &b), RK_OK);
        for (int f = RK_ROPA_CSV; f <= RK_ROPA_MD; f++)
            assert_int_equal(rk_ropa_render(d, lang, (enum rk_ropa_format)f, &b), RK_OK);
        rk_rights_automated_text(d, lang, &b);
    }
    rk_buf_putc(&b, '\0');
    assert_false(b.oom);
    return b.data;
}

static char *texts_of(const char *yaml) {
    struct rk_decl *d = rkt_parse(yaml);
    char *t = all_texts(d);
    rk_decl_free(d);
    return t;
}

static void assert_says(const char *texts, const char *s) {
    if (!strstr(texts, s))
        fail_msg("the texts lack \"%s\"", s);
}

static void assert_never_says(const char *texts, const char *s) {
    if (strstr(texts, s))
        fail_msg("the texts say \"%s\", which the declaration contradicts", s);
}

static void not_used_for_profiling(void **state) {
    (void)state;
    char *t = texts_of(D_HEAD "purposes:\n" P_PROFILING D_CATS D_REG("target") RIGHTS_NONE D_TAIL);
    assert_never_says(t, "ei käytetä profilointiin");
    assert_never_says(t, "not used for profiling");
    assert_never_says(t, "eikä profilointiin");
    assert_never_says(t, "or profiling");
    assert_says(t, "Käsittelytarkoitukseen ”kohdentaminen” kuuluu profilointia (4 art. 4 kohta). "
                   "Arvioitavat tiedot: kiinnostuksesi. Käytetty logiikka: Päättelemme aiheet. "
                   "Merkitys ja seuraukset sinulle: Näet valittuja mainoksia.");
    assert_says(t, "The purpose “targeting” involves profiling (art 4(4)).");
    /* Profiling alone is no art 22 decision: that denial stays true. */
    assert_says(t, "We make no decisions based solely on automated processing");
    free(t);
    /* Where no purpose profiles, the denial is what the declaration says. */
    t = texts_of(D_HEAD "purposes:\n" P_CONSENT D_CATS D_REG("news") RIGHTS_NONE D_TAIL);
    assert_says(t, "Tietojasi ei käytetä profilointiin.");
    assert_says(t, "Your data is not used for profiling.");
    free(t);
}

static void no_automated_decisions(void **state) {
    (void)state;
    char *t = texts_of(D_HEAD "purposes:\n" P_CONSENT D_CATS D_REG("news") RIGHTS_ADM D_TAIL);
    assert_never_says(t, "Emme tee pelkästään automaattiseen");
    assert_never_says(t, "We make no decisions");
    assert_never_says(t, "not used for automated");
    assert_says(t, "Peruste: nimenomainen suostumuksesi (22 art. 2 c).");
    assert_says(t, "You have the right to obtain human intervention (a person reviews the "
                   "decision), to express your point of view and to contest the decision "
                   "(art 22(3)).");
    assert_says(t, "The significance and consequences for you: An application may be refused.");
    free(t);
}

static void not_transferred_outside_the_eea(void **state) {
    (void)state;
    static const char *const vendors[] = {
        "{name: Tracker, country: US, transfer: dpf}", /* outside */
        "Tracker",                                     /* its country is not declared */
    };
    for (size_t i = 0; i < 2; i++) {
        char yaml[2048];
        snprintf(yaml, sizeof yaml,
                 "%s"
                 "cookies:\n"
                 "  categories:\n"
                 "    - {id: a, name: {fi: A, en: A}, vendors: [%s]}\n",
                 D_HEAD "purposes:\n" P_CONSENT D_CATS D_REG("news") RIGHTS_NONE D_TAIL,
                 vendors[i]);
        char *t = texts_of(yaml);
        assert_never_says(t, "ei siirretä EU:n tai ETA:n ulkopuolelle");
        assert_never_says(t, "not transferred outside the EU or EEA");
        free(t);
    }
    char *t =
        texts_of(D_HEAD "purposes:\n" P_CONSENT D_CATS D_REG("news") RIGHTS_NONE D_TAIL
                 "cookies:\n"
                 "  categories:\n"
                 "    - {id: a, name: {fi: A, en: A}, vendors: [{name: Local, country: FI}]}\n");
    assert_says(t, "Personal data is not transferred outside the EU or EEA.");
    free(t);
}

static void no_other_recipients(void **state) {
    (void)state;
    char *t =
        texts_of(D_HEAD "purposes:\n" P_CONSENT D_CATS D_REG("news") RIGHTS_NONE D_TAIL
                 "cookies:\n"
                 "  categories:\n"
                 "    - {id: a, name: {fi: A, en: A}, vendors: [{name: Ads, country: FI}]}\n");
    assert_never_says(t, "We do not disclose personal data to other recipients.");
    assert_never_says(t, "Emme luovuta henkilötietoja muille vastaanottajille.");
    assert_says(t, "We do not disclose personal data to recipients other than the services "
                   "listed under cookies in section 2.");
    free(t);
}

static void privacy_shield_as_a_valid_basis(void **state) {
    (void)state;
    char *t = texts_of(D_HEAD "purposes:\n" P_CONSENT D_CATS D_REG("news") RIGHTS_NONE D_TAIL
                       "recipients:\n"
                       "  - {id: x, name: X Inc, role: processor, country: US, transfer: "
                       "privacy_shield, registers: [r]}\n");
    size_t n = 0;
    for (const char *p = strstr(t, "Privacy Shield"); p; p = strstr(p + 1, "Privacy Shield"), n++)
        if (strncmp(p, "Privacy Shield -järjestely, joka ei ole ollut pätevä siirtoperuste", 66) !=
                0 &&
            strncmp(p, "Privacy Shield, which has not been a valid basis for transfers", 62) != 0)
            fail_msg("Privacy Shield without saying it is no valid basis: %.80s", p);
    assert_true(n >= 6); /* notice md and html, record md, csv and json, in both languages */
    free(t);
}

static void kept_from_when_recorded(void **state) {
    (void)state;
    static const char cats[] =
        "categories:\n"
        "  - {id: name, name: {fi: Nimi, en: Name}, kind: identity}\n"
        "  - id: vouchers\n"
        "    name: {fi: Tositteet, en: Vouchers}\n"
        "    kind: billing\n"
        "    erasure: {keep_years: 6, from: end_of_financial_period, obligation: {fi: KPL, en: "
        "AA}}\n";
    static const char reg[] = "registers:\n"
                              "  - id: r\n"
                              "    name: {fi: Rekisteri, en: Register}\n"
                              "    subjects: {fi: asiakkaat, en: customers}\n"
                              "    categories: [name, vouchers]\n"
                              "    purposes: [news]\n";
    char yaml[2048];
    snprintf(yaml, sizeof yaml, "%s  financial_year_end: \"06-30\"\npurposes:\n%s%s%s%s%s",
             "rekisteri: 1\ncontroller:\n  name: Testi Oy\n  business_id: 1234567-8\n"
             "  address: Katu 1\n  phone: '09 1'\n",
             P_CONSENT, cats, reg, RIGHTS_NONE, D_TAIL);
    char *t = texts_of(yaml);
    assert_never_says(t, "Tositteet: säilytetään 6 vuotta tiedon kirjaamisesta");
    assert_never_says(t, "Vouchers: kept for 6 years from when the data was recorded");
    assert_says(t, "Tositteet: säilytetään 6 vuotta sen kalenterivuoden päättymisestä, jonka "
                   "aikana kirjauksen tilikausi päättyi (tilikausi päättyy 30.6.)");
    assert_says(t, "Vouchers: kept for 6 years from the end of the calendar year in which the "
                   "financial period of the record ended (financial year ends 30.6.)");
    free(t);
    /* Without financial_year_end the period is the calendar year, and the text says so. */
    snprintf(yaml, sizeof yaml, "%spurposes:\n%s%s%s%s%s", D_HEAD, P_CONSENT, cats, reg,
             RIGHTS_NONE, D_TAIL);
    t = texts_of(yaml);
    assert_says(t, "(the financial year is the calendar year)");
    free(t);
}

static void rights_that_do_not_apply(void **state) {
    (void)state;
    /* Only a legal obligation: no portability (art 20), nothing to object to (art 21). */
    char *t = texts_of(D_HEAD "purposes:\n"
                              "  - {id: books, name: {fi: kirjanpito, en: bookkeeping}, basis: "
                              "legal_obligation}\n" D_CATS D_REG("books") RIGHTS_NONE D_TAIL);
    assert_never_says(t, "Oikeus siirtää tiedot");
    assert_never_says(t, "Right to data portability");
    assert_never_says(t, "Vastustamisoikeus");
    assert_never_says(t, "Right to object");
    assert_never_says(t, "Your right to object");
    assert_says(t, "Oikeus tietojen oikaisemiseen (art 16)");
    free(t);
}

static void art22_called_objection_to_profiling(void **state) {
    (void)state;
    char *t = texts_of(D_HEAD "purposes:\n" P_PROFILING D_CATS D_REG("target") RIGHTS_NONE D_TAIL);
    assert_never_says(t, "Oikeus vastustaa profilointia");
    assert_says(t, "Oikeus olla joutumatta sellaisen päätöksen kohteeksi, joka perustuu "
                   "pelkästään automaattiseen käsittelyyn, kuten profilointiin (art 22)");
    free(t);
}

/* Art 21(4): the objection under its own heading, with only what the declaration supports. */
static void objection_apart_and_as_declared(void **state) {
    (void)state;
    char *t = texts_of(
        D_HEAD
        "purposes:\n"
        "  - id: sales\n"
        "    name: {fi: myynti, en: sales}\n"
        "    basis: legitimate_interests\n"
        "    legitimate_interest: {fi: myynti, en: sales}\n"
        "    balancing_test: {fi: Muistio 1/2026, en: Memo 1/2026}\n"
        "    direct_marketing: {channels: [phone], audience: consumers}\n" D_CATS D_REG("sales")
            RIGHTS_NONE D_TAIL);
    assert_says(t, "### Oikeutesi vastustaa käsittelyä\n\nSinulla on oikeus milloin tahansa "
                   "vastustaa henkilötietojesi käsittelyä erityiseen tilanteeseesi");
    assert_says(t, "<h3>Your right to object</h3>");
    assert_says(t, "to the processing of your personal data for direct marketing (art 21(2) and "
                   "(3)). This concerns the purpose: “sales”.");
    /* No profiling declared, no link in a message (phone): neither is claimed. */
    assert_never_says(t, "including profiling related to it");
    assert_never_says(t, "unsubscribe link");
    assert_says(t, "You can object by contacting us.");
    assert_says(t, "The balancing test of our legitimate interest against your interests is "
                   "documented: Memo 1/2026.");
    /* Phone marketing to consumers on legitimate interests: no claim of consent or opt-out. */
    assert_never_says(t, "only with your prior consent");
    assert_never_says(t, "in every message");
    free(t);
}

static void transfer_safeguards_as_declared(void **state) {
    (void)state;
    char *t = texts_of(D_HEAD "purposes:\n" P_CONSENT D_CATS D_REG("news") RIGHTS_NONE D_TAIL
                       "recipients:\n"
                       "  - {id: a, name: A Inc, role: processor, country: US, transfer: dpf, "
                       "dpf_verified: 2026-11-30, registers: [r]}\n"
                       "  - {id: b, name: B Inc, role: processor, country: US, transfer: dpf, "
                       "registers: [r]}\n"
                       "  - {id: c, name: C Ltd, role: processor, country: IN, transfer: bcr, "
                       "safeguards_copy: {fi: Pyydä meiltä., en: Ask us.}, registers: [r]}\n");
    assert_says(t, "A Inc (United States, outside the EU and EEA) – processor. Register: "
                   "Register. Transfer mechanism: the recipient is certified under the EU-US "
                   "Data Privacy Framework (decision (EU) 2023/1795); checked on the DPF List on "
                   "30 November 2026.");
    /* B declares no check: the text claims none. */
    assert_says(t, "B Inc, United States: EU–US Data Privacy Framework (Commission decision (EU) "
                   "2023/1795)");
    /* notice md and html, record csv and md (the JSON has dpf_verified as a date) */
    assert_int_equal(count(t, "checked on the DPF List"), 4);
    assert_says(t, "binding corporate rules (art 47); how to get a copy of the safeguards: Ask "
                   "us.");
    free(t);
}

static void children_as_declared(void **state) {
    (void)state;
    char *t = texts_of(D_HEAD "purposes:\n" P_CONSENT D_CATS D_REG(
        "news") "    children:\n"
                "      min_age: 9\n"
                "      online_service: true\n"
                "      parental_consent: {fi: Huoltaja vahvistaa., en: A parent confirms.}\n"
                "      age_verification: {fi: Kysymme iän., en: We ask the age.}\n" RIGHTS_NONE
                           D_TAIL);
    assert_says(t, "The data subjects include children: the youngest are 9 years old. We offer "
                   "information society services directly to children. Below the age of 13, "
                   "consent is given or authorised by the holder of parental responsibility "
                   "(art 8, Data Protection Act 1050/2018 §5): A parent confirms. How age is "
                   "verified: We ask the age.");
    free(t);
    t = texts_of(D_HEAD "purposes:\n" P_CONSENT D_CATS D_REG(
        "news") "    children: {min_age: 15}\n" RIGHTS_NONE D_TAIL);
    assert_says(t, "nuorimmat ovat 15-vuotiaita.");
    assert_never_says(t, "Tarjoamme tietoyhteiskunnan palveluja");
    assert_never_says(t, "huoltajansa");
    free(t);
}

static void marketing_as_declared(void **state) {
    (void)state;
    char *t =
        texts_of(D_HEAD "purposes:\n"
                        "  - id: offers\n"
                        "    name: {fi: tarjoukset, en: offers}\n"
                        "    basis: legitimate_interests\n"
                        "    legitimate_interest: {fi: myynti, en: sales}\n"
                        "    direct_marketing:\n"
                        "      channels: [email]\n"
                        "      audience: consumers\n"
                        "      soft_opt_in: {products: {fi: lounasedut, en: lunch benefits}, "
                        "opt_out_at_collection: true}\n" D_CATS D_REG("offers") RIGHTS_NONE D_TAIL);
    assert_says(t,
                "markkinoimme omia vastaavia tuotteitamme sähköpostitse ilman erillistä "
                "suostumusta: lounasedut (laki sähköisen viestinnän palveluista 917/2014, 200 § 2 "
                "mom.). Voit "
                "kieltää sen maksutta jokaisessa viestissä, ja saatoit kieltää sen jo "
                "yhteystietojesi keräämisen yhteydessä.");
    assert_never_says(t, "only with your prior consent");
    free(t);
}

static void special_categories_with_their_condition(void **state) {
    (void)state;
    char *t =
        texts_of(D_HEAD "purposes:\n" P_CONSENT "categories:\n"
                        "  - {id: name, name: {fi: Nimi, en: Name}, kind: identity}\n"
                        "  - {id: diet, name: {fi: Ruokavalio, en: Diet}, kind: other, special: "
                        "health, condition: explicit_consent, law: {fi: TSL 6 §, en: DPA §6}}\n"
                        "registers:\n"
                        "  - id: r\n"
                        "    name: {fi: Rekisteri, en: Register}\n"
                        "    subjects: {fi: asiakkaat, en: customers}\n"
                        "    categories: [name, diet]\n"
                        "    purposes: [news]\n" RIGHTS_NONE D_TAIL);
    assert_says(t, "Diet (data concerning health, special category of personal data, art 9; "
                   "condition: explicit consent of the data subject, art 9(2)(a); national law: "
                   "DPA §6)");
    assert_says(t, "Ruokavalio (terveyttä koskevat tiedot, erityinen henkilötietoryhmä, 9 art.; "
                   "käsittelyn edellytys: rekisteröidyn nimenomainen suostumus, 9 art. 2 a; "
                   "kansallinen säännös: TSL 6 §)");
    free(t);
}

/* A declared text that ends its own sentence ("… perusteella.") is not given a second full
 * stop: corrected.yaml's interests and balancing tests end with one. */
static void no_double_full_stop(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load("examples/smartum/corrected.yaml");
    for (int lang = 0; lang < 2; lang++)
        for (int f = 0; f < 2; f++) {
            struct rk_buf b = render(d, (enum rk_lang)lang, (enum rk_notice_format)f);
            assert_non_null(strstr(b.data, lang == RK_LANG_FI ? "perusteella. Oikeutetun"
                                                               : "used. The balancing"));
            assert_null(strstr(b.data, ".. "));
            rk_buf_cleanup(&b);
        }
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
        cmocka_unit_test(not_used_for_profiling),
        cmocka_unit_test(no_automated_decisions),
        cmocka_unit_test(not_transferred_outside_the_eea),
        cmocka_unit_test(no_other_recipients),
        cmocka_unit_test(privacy_shield_as_a_valid_basis),
        cmocka_unit_test(kept_from_when_recorded),
        cmocka_unit_test(rights_that_do_not_apply),
        cmocka_unit_test(art22_called_objection_to_profiling),
        cmocka_unit_test(objection_apart_and_as_declared),
        cmocka_unit_test(transfer_safeguards_as_declared),
        cmocka_unit_test(children_as_declared),
        cmocka_unit_test(marketing_as_declared),
        cmocka_unit_test(special_categories_with_their_condition),
        cmocka_unit_test(no_double_full_stop),
        cmocka_unit_test(deterministic),
        cmocka_unit_test(appends_to_buffer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
