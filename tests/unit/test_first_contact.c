/*
 * test_first_contact.c — the text for the first message to a person whose data came from a
 * public source or another controller (art 14(3), 21(4)): for the corrected example it names the
 * source, the categories taken from it, the legitimate interest and, under a heading of its own
 * after everything else, the absolute right to object to direct marketing; a source feeding a
 * legitimate interest without direct marketing gets art 21(1) and never the direct-marketing
 * words; a declaration without such a source, or a source number out of range, is refused;
 * both languages and both formats; rendering twice gives the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "views/first_contact.h"
#include "testutil.h"

#define CORRECTED "examples/smartum/corrected.yaml"

static char *render(const struct rk_decl *d, size_t which, enum rk_lang lang,
                    enum rk_first_contact_format f, const char *url) {
    struct rk_buf b;
    rk_buf_init(&b);
    assert_int_equal(rk_first_contact_render(d, which, lang, f, url, &b), RK_OK);
    assert_non_null(b.data);
    return b.data; /* the caller frees */
}

static void assert_says(const char *t, const char *s) {
    if (!strstr(t, s))
        fail_msg("missing: %s\n--- in ---\n%s", s, t);
}

static void assert_never_says(const char *t, const char *s) {
    if (strstr(t, s))
        fail_msg("should not say: %s\n--- in ---\n%s", s, t);
}

/* Where s first occurs in t; fails when it does not. */
static size_t at(const char *t, const char *s) {
    const char *p = strstr(t, s);
    if (!p)
        fail_msg("missing: %s\n--- in ---\n%s", s, t);
    return (size_t)(p - t);
}

static void corrected_in_finnish(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load(CORRECTED);
    assert_int_equal(rk_first_contact_count(d), 1);
    char *t = render(d, 0, RK_LANG_FI, RK_FIRST_CONTACT_MD, NULL);
    assert_says(t, "Smartum Oy (Y-tunnus 2780101-9)");
    assert_says(t, "Saimme tietosi seuraavasta lähteestä: kuntien verkkosivut (julkisesti "
                   "saatavilla oleva lähde)");
    assert_says(t, "saadut tiedot: Henkilön nimi, Asema, Yritys/organisaatio, Puhelinnumero, "
                   "Sähköpostiosoite");
    assert_says(t, "tarkoitukseen ”uusasiakashankinta julkisista lähteistä” (oikeusperuste: "
                   "rekisterinpitäjän tai kolmannen osapuolen oikeutettu etu, 6 art. 1 f)");
    assert_says(t, "Oikeutettu etumme: Palvelujemme tarjoaminen kunnille ja yrityksille");
    assert_says(t, "Salesforce (henkilötietojen käsittelijä, Yhdysvallat, siirtoperuste: EU–US Data "
                   "Privacy Framework");
    /* Mailchimp gets only the newsletter's audience, which this source does not feed. */
    assert_never_says(t, "MailChimp");
    assert_says(t, "Potentiaalisten asiakkaiden tietoja säilytetään enintään 12 kuukautta.");
    assert_says(t, "valituksen valvontaviranomaiselle");
    assert_says(t, "Saat koko tietosuojaselosteemme pyytämällä sitä meiltä.");
    /* Art 21(4): the objection under a heading of its own, after everything else. */
    size_t heading = at(t, "\n\n**Oikeutesi vastustaa**\n\n");
    size_t dm = at(t, "Sinulla on oikeus milloin tahansa ja maksutta vastustaa henkilötietojesi "
                      "käsittelyä suoramarkkinointia varten");
    assert_true(dm > heading);
    assert_true(at(t, "Riittää, että vastaat tähän viestiin ja kerrot vastustavasi.") > heading);
    assert_true(at(t, "valituksen valvontaviranomaiselle") < heading);
    assert_true(at(t, "oikeus saada pääsy tietoihisi") < heading);
    /* the rights sentence leaves the objection to its own paragraph */
    assert_never_says(t, "Vastustamisoikeus");
    free(t);
    rk_decl_free(d);
}

static void corrected_in_english_with_address(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load(CORRECTED);
    char *t = render(d, 1, RK_LANG_EN, RK_FIRST_CONTACT_TEXT, "https://example.fi/privacy");
    assert_says(t, "We obtained your data from the following source: municipalities' web pages "
                   "(a publicly available source) – categories obtained: Name, Position");
    assert_says(t, "Our legitimate interest: Offering our services to municipalities");
    assert_says(t, "Our full privacy notice is at https://example.fi/privacy.");
    size_t heading = at(t, "\n\nYour right to object\n");
    assert_true(at(t, "You have the right to object at any time and free of charge to the "
                      "processing of your personal data for direct marketing") > heading);
    assert_true(at(t, "It is enough to reply to this message and say that you object.") > heading);
    assert_never_says(t, "**"); /* plain text */
    assert_never_says(t, "ä");  /* no Finnish in the English text */
    free(t);
    rk_decl_free(d);
}

#define HEAD                                                                                       \
    "rekisteri: 1\n"                                                                               \
    "controller:\n"                                                                                \
    "  name: Testi Oy\n"                                                                           \
    "  business_id: 1234567-8\n"                                                                   \
    "  address: Katu 1\n"                                                                          \
    "  phone: '09 1'\n"                                                                            \
    "  dpo: {name: Tiina Tietosuoja, email: dpo@testi.fi}\n"
#define CATS                                                                                       \
    "categories:\n"                                                                                \
    "  - {id: name, name: {fi: Nimi, en: Name}, kind: identity}\n"                                 \
    "  - {id: title, name: {fi: Titteli, en: Title}, kind: identity}\n"
#define REG(purposes)                                                                              \
    "registers:\n"                                                                                 \
    "  - id: r\n"                                                                                  \
    "    name: {fi: Rekisteri, en: Register}\n"                                                    \
    "    subjects: {fi: asiakkaat, en: customers}\n"                                               \
    "    categories: [name, title]\n"                                                              \
    "    purposes: [" purposes "]\n"                                                               \
    "    retention: {until: [relationship_end]}\n"
#define TAIL                                                                                       \
    "rights: {verification: [in_person]}\n"                                                        \
    "supervisory_authority:\n"                                                                     \
    "  name: {fi: Viranomainen, en: Authority}\n"

/* A purchased list feeding a legitimate interest without direct marketing: 21(1) only. */
static const char li_only[] =
    HEAD "purposes:\n"
         "  - id: research\n"
         "    name: {fi: markkinatutkimus, en: market research}\n"
         "    basis: legitimate_interests\n"
         "    legitimate_interest: {fi: Markkinan tunteminen, en: Knowing the market}\n"
         "  - id: news\n"
         "    name: {fi: uutiskirje, en: newsletter}\n"
         "    basis: consent\n"
         "    direct_marketing: {channels: [email], audience: consumers}\n" CATS REG(
             "research, news") "sources:\n"
                               "  - kind: web_form\n"
                               "    registers: [r]\n"
                               "  - kind: third_party\n"
                               "    name: {fi: Osoitepalvelu Oy, en: Address Service Ltd}\n"
                               "    categories: [name]\n"
                               "    registers: [r]\n"
                               "    purposes: [research]\n" TAIL;

static void legitimate_interest_without_marketing(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(li_only);
    assert_int_equal(rk_first_contact_count(d), 1);
    char *fi = render(d, 0, RK_LANG_FI, RK_FIRST_CONTACT_MD, NULL);
    assert_says(fi, "Osoitepalvelu Oy (toinen rekisterinpitäjä) – saadut tiedot: Nimi.");
    assert_never_says(fi, "Titteli"); /* only what came from the source */
    assert_says(fi, "Tietosuojavastaavamme: Tiina Tietosuoja, sähköposti dpo@testi.fi.");
    assert_never_says(fi, "uutiskirje"); /* a purpose the source does not feed */
    size_t heading = at(fi, "**Oikeutesi vastustaa**");
    assert_true(at(fi, "erityiseen tilanteeseesi liittyvällä perusteella") > heading);
    assert_true(at(fi, "Voit vastustaa vastaamalla tähän viestiin tai ottamalla meihin "
                       "yhteyttä.") > heading);
    assert_never_says(fi, "suoramarkkinointi");
    /* the newsletter rests on consent, so the declaration gives portability (art 20) */
    assert_says(fi, "(15–18 ja 20 art.)");
    char *en = render(d, 1, RK_LANG_EN, RK_FIRST_CONTACT_MD, NULL);
    assert_says(en, "Address Service Ltd (another controller) – categories obtained: Name.");
    assert_says(en, "**Your right to object**");
    assert_says(en, "on grounds relating to your particular situation");
    assert_never_says(en, "direct marketing");
    free(fi);
    free(en);
    rk_decl_free(d);
}

/* No indirect source: nothing to write, and nothing is written; a number out of range too. */
static void refused_without_an_indirect_source(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(
        HEAD "purposes:\n"
             "  - {id: news, name: {fi: uutiskirje, en: newsletter}, "
             "basis: consent}\n" CATS REG("news") "sources:\n"
                                                  "  - {kind: web_form, registers: [r]}\n" TAIL);
    assert_int_equal(rk_first_contact_count(d), 0);
    struct rk_buf b;
    rk_buf_init(&b);
    assert_int_equal(rk_first_contact_render(d, 0, RK_LANG_FI, RK_FIRST_CONTACT_MD, NULL, &b),
                     RK_ENOENT);
    assert_int_equal(b.len, 0);
    rk_decl_free(d);
    d = rkt_load(CORRECTED);
    assert_int_equal(rk_first_contact_render(d, 2, RK_LANG_EN, RK_FIRST_CONTACT_MD, NULL, &b),
                     RK_ENOENT);
    assert_int_equal(b.len, 0);
    rk_buf_cleanup(&b);
    rk_decl_free(d);
}

/* Two indirect sources: one text each, in order, or the one asked for. */
static void each_source_or_one(void **state) {
    (void)state;
    static const char two[] = HEAD
        "purposes:\n"
        "  - id: research\n"
        "    name: {fi: markkinatutkimus, en: market research}\n"
        "    basis: legitimate_interests\n"
        "    legitimate_interest: {fi: Markkinan tunteminen, en: Knowing the market}\n" CATS REG(
            "research") "sources:\n"
                        "  - {kind: third_party, name: {fi: Lista A, en: List A}, categories: "
                        "[name], "
                        "registers: [r]}\n"
                        "  - {kind: public_source, name: {fi: Lista B, en: List B}, categories: "
                        "[title], "
                        "registers: [r]}\n" TAIL;
    struct rk_decl *d = rkt_parse(two);
    assert_int_equal(rk_first_contact_count(d), 2);
    char *all = render(d, 0, RK_LANG_EN, RK_FIRST_CONTACT_MD, NULL);
    assert_true(at(all, "List A (another controller)") < at(all, "\n---\n"));
    assert_true(at(all, "\n---\n") < at(all, "List B (a publicly available source)"));
    char *second = render(d, 2, RK_LANG_EN, RK_FIRST_CONTACT_MD, NULL);
    assert_never_says(second, "List A");
    assert_says(second, "List B (a publicly available source) – categories obtained: Title.");
    free(all);
    free(second);
    rk_decl_free(d);
}

/* The notice's address: an autolink in Markdown, as it is in text; anything but a plain http(s)
 * address refused. */
static void notice_address(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load(CORRECTED);
    char *t = render(d, 0, RK_LANG_FI, RK_FIRST_CONTACT_MD, "https://example.fi/tieto_suoja");
    assert_says(t, "Koko tietosuojaselosteemme on luettavissa osoitteessa "
                   "<https://example.fi/tieto_suoja>.\n");
    assert_never_says(t, "pyytämällä sitä meiltä");
    free(t);
    static const char *const refused[] = {"javascript:alert(1)", "https://a.fi/<script>",
                                          "https://a.fi/x y", "ftp://a.fi/", "https://a.fi/\"x"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        assert_false(rk_first_contact_url_ok(refused[i]));
        struct rk_buf b;
        rk_buf_init(&b);
        assert_int_equal(
            rk_first_contact_render(d, 0, RK_LANG_EN, RK_FIRST_CONTACT_MD, refused[i], &b),
            RK_EINVAL);
        assert_int_equal(b.len, 0);
        rk_buf_cleanup(&b);
    }
    assert_true(rk_first_contact_url_ok("http://localhost:8080/privacy?lang=fi"));
    rk_decl_free(d);
}

/* Markdown metacharacters in declared text are escaped. */
static void markdown_escapes(void **state) {
    (void)state;
    struct rk_decl *d =
        rkt_parse(HEAD "purposes:\n"
                       "  - {id: research, name: {fi: \"*tutkimus*\", en: \"*research*\"}, basis: "
                       "legitimate_interests}\n" CATS REG(
                           "research") "sources:\n"
                                       "  - {kind: third_party, name: {fi: \"[A](javascript:x)\", "
                                       "en: \"[A](javascript:x)\"}, "
                                       "categories: [name], registers: [r]}\n" TAIL);
    char *t = render(d, 0, RK_LANG_EN, RK_FIRST_CONTACT_MD, NULL);
    assert_never_says(t, "[A](javascript:x)");
    assert_never_says(t, "“*research*”");
    free(t);
    rk_decl_free(d);
}

static void deterministic(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load(CORRECTED);
    for (int lang = RK_LANG_FI; lang <= RK_LANG_EN; lang++) {
        char *a = render(d, 0, (enum rk_lang)lang, RK_FIRST_CONTACT_MD, NULL);
        char *b = render(d, 0, (enum rk_lang)lang, RK_FIRST_CONTACT_MD, NULL);
        assert_string_equal(a, b);
        free(a);
        free(b);
    }
    rk_decl_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corrected_in_finnish),
        cmocka_unit_test(corrected_in_english_with_address),
        cmocka_unit_test(legitimate_interest_without_marketing),
        cmocka_unit_test(refused_without_an_indirect_source),
        cmocka_unit_test(each_source_or_one),
        cmocka_unit_test(notice_address),
        cmocka_unit_test(markdown_escapes),
        cmocka_unit_test(deterministic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
