/*
 * test_decl.c — the declaration loader: the example loads with every fact in
 * place, and each kind of bad input is refused with file position and a
 * message that says what was expected.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "decl/labels.h"
#include "fixtures.h"
#include "testutil.h"

static void assert_contains(const char *hay, const char *needle) {
    if (!strstr(hay, needle))
        fail_msg("expected \"%s\" in \"%s\"", needle, hay);
}

static void example_loads_with_all_facts(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load_example();
    assert_string_equal(d->controller.name, "Smartum Oy");
    assert_string_equal(d->controller.business_id, "2780101-9");
    assert_string_equal(d->controller.address, "Yrjönkatu 11 B, 00120 Helsinki");
    assert_string_equal(d->controller.phone, "040 172 3700");
    assert_int_equal(d->drafted.y, 2018);
    assert_int_equal(d->drafted.m, 9);
    assert_int_equal(d->last_changed.d, 9);
    assert_int_equal(d->nexclusions, 1);
    assert_non_null(strstr(d->exclusions[0].text.fi, "Vaana"));

    assert_int_equal(d->npurposes, 2);
    const struct rk_purpose *p = rk_decl_purpose(d, "sales_promotion");
    assert_non_null(p);
    assert_int_equal(p->basis, RK_BASIS_CONSENT);
    assert_int_equal(p->consent_validity.n, 2);
    assert_int_equal(p->consent_validity.unit, 'y');
    assert_int_equal(p->withdrawal, RK_WITHDRAW_MESSAGE_LINK | RK_WITHDRAW_CONTACT);
    assert_int_equal(rk_decl_purpose(d, "customer_relationship")->basis, RK_BASIS_CONTRACT);

    const struct rk_register *m = rk_decl_register(d, "marketing");
    assert_non_null(m);
    const char *want[] = {"name", "phone", "email", "position", "interests"};
    assert_int_equal(m->ncategories, 5);
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(m->categories[i]->id, want[i]);
    assert_true(m->retention.declared);
    assert_int_equal(m->retention.until, RK_UNTIL_CONSENT_WITHDRAWN | RK_UNTIL_CONSENT_EXPIRED);
    const struct rk_register *c = rk_decl_register(d, "customer");
    assert_int_equal(c->ncategories, 8);
    assert_int_equal(c->npurposes, 2);

    assert_int_equal(d->nsources, 7);
    assert_int_equal(d->sources[6].kind, RK_SRC_PUBLIC_SOURCE);
    assert_string_equal(d->sources[6].detail.fi, "kunnan www-sivut");

    assert_int_equal(d->nrecipients, 2);
    const struct rk_recipient *r = rk_decl_recipient(d, "mailchimp");
    assert_string_equal(r->name, "The Rocket Science Group LLC d/b/a MailChimp");
    assert_string_equal(r->country, "US");
    assert_int_equal(r->transfer, RK_TRANSFER_PRIVACY_SHIELD);
    assert_int_equal(r->role, RK_ROLE_PROCESSOR);
    assert_int_equal(r->nregisters, 2);
    /* What each recipient receives (recipients[].shares). */
    assert_int_equal(r->nshares, 2);
    assert_int_equal(r->shares[1].ncategories, 2);
    assert_string_equal(r->shares[1].categories[1]->id, "email");
    r = rk_decl_recipient(d, "salesforce");
    assert_true(r->shares_by_register);
    assert_int_equal(rk_recipient_share(r, rk_decl_register(d, "customer"))->ncategories, 5);
    assert_int_equal(rk_recipient_share(r, rk_decl_register(d, "marketing"))->ncategories, 4);
    assert_true(rk_recipient_serves(r, rk_decl_purpose(d, "customer_relationship")));

    assert_true(d->cookies.declared);
    assert_int_equal(d->cookies.ncategories, 4);
    assert_true(d->cookies.categories[0].essential);
    const struct rk_cookie_category *an = &d->cookies.categories[1];
    assert_int_equal(an->nvendors, 3);
    assert_int_equal(an->consent_mode, RK_GCM_ANALYTICS_STORAGE);
    assert_string_equal(an->vendors[0].country, "US");
    assert_int_equal(an->vendors[0].transfer, RK_TRANSFER_DPF);
    assert_int_equal(an->vendors[0].ncookies, 2);
    assert_string_equal(an->vendors[0].cookies[1].name, "_ga_*");
    assert_int_equal(an->vendors[0].cookies[1].lifetime.n, 2);
    assert_int_equal(an->vendors[0].cookies[1].lifetime.unit, 'y');
    assert_int_equal(an->vendors[2].transfer, RK_TRANSFER_NONE); /* FI: in the EEA */
    assert_string_equal(d->cookies.categories[3].vendors[3].name, "Google Remarketing");
    assert_int_equal(d->cookies.categories[3].consent_mode,
                     RK_GCM_AD_STORAGE | RK_GCM_AD_USER_DATA | RK_GCM_AD_PERSONALIZATION);
    assert_int_equal(d->cookies.norigins, 1);
    assert_string_equal(d->cookies.origins[0], "https://www.smartum.fi");
    assert_string_equal(d->cookies.settings_url, "https://www.smartum.fi/#cookie-settings");
    assert_int_equal(d->cookies.consent_validity.n, 12);
    assert_int_equal(d->cookies.log_retention.unit, 'y');
    assert_int_equal(d->rights.verification, RK_VERIFY_IN_PERSON);
    assert_false(d->rights.automated_decisions);
    assert_string_equal(d->authority.name.fi, "Tietosuojavaltuutetun toimisto");
    rk_decl_free(d);
}

static void minimal_loads(void **state) {
    (void)state;
    rk_decl_free(rkt_parse(FX_MINIMAL));
}

static void unknown_key_is_refused_with_position(void **state) {
    (void)state;
    const char *msg = rkt_parse_fail(FX_MINIMAL "colour: blue\n");
    assert_contains(msg, "unknown key 'colour'");
    assert_contains(msg, "expected one of: rekisteri");
    /* The key is on the line after the fixture's last line. */
    char where[32];
    int lines = 0;
    for (const char *p = FX_MINIMAL; *p; p++)
        lines += *p == '\n';
    snprintf(where, sizeof where, "%d:1:", lines + 1);
    assert_true(strncmp(msg, where, strlen(where)) == 0);
}

static void unknown_nested_key_is_refused(void **state) {
    (void)state;
    const char *msg = rkt_parse_fail(FX_HEAD FX_RIGHTS FX_PURPOSES FX_REGISTERS
                                     "categories:\n"
                                     "  - {id: name, name: {fi: Nimi, en: Name}, colour: red}\n"
                                     "  - {id: email, name: {fi: S, en: E}}\n");
    assert_contains(msg, "category: unknown key 'colour'");
}

static void duplicate_id_is_refused(void **state) {
    (void)state;
    const char *msg = rkt_parse_fail(FX_HEAD FX_RIGHTS FX_PURPOSES FX_REGISTERS
                                     "categories:\n"
                                     "  - {id: name, name: {fi: Nimi, en: Name}}\n"
                                     "  - {id: email, name: {fi: S, en: E}}\n"
                                     "  - {id: name, name: {fi: Nimi, en: Name}}\n");
    assert_contains(msg, "duplicate id 'name' (first declared at line");
}

static void duplicate_key_is_refused(void **state) {
    (void)state;
    const char *msg = rkt_parse_fail(FX_MINIMAL "sources:\n"
                                                "  - kind: email\n"
                                                "    kind: phone\n"
                                                "    registers: [customer]\n");
    assert_contains(msg, "key 'kind' given twice");
}

static void undeclared_category_is_refused(void **state) {
    (void)state;
    const char *msg = rkt_parse_fail(FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES
                                     "registers:\n"
                                     "  - id: customer\n"
                                     "    name: {fi: A, en: C}\n"
                                     "    subjects: {fi: a, en: c}\n"
                                     "    categories: [name, invoices]\n"
                                     "    purposes: [service]\n");
    assert_contains(msg, "register.categories: 'invoices' is not a declared category");
}

static void undeclared_register_in_recipient_is_refused(void **state) {
    (void)state;
    const char *msg = rkt_parse_fail(FX_MINIMAL "recipients:\n"
                                                "  - id: crm\n"
                                                "    name: CRM Oy\n"
                                                "    role: processor\n"
                                                "    country: FI\n"
                                                "    registers: [customer, sales]\n");
    assert_contains(msg, "recipient.registers: 'sales' is not a declared register");
}

static void undeclared_purpose_is_refused(void **state) {
    (void)state;
    const char *msg =
        rkt_parse_fail(FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES "registers:\n"
                                                                   "  - id: customer\n"
                                                                   "    name: {fi: A, en: C}\n"
                                                                   "    subjects: {fi: a, en: c}\n"
                                                                   "    categories: [name, email]\n"
                                                                   "    purposes: [profiling]\n");
    assert_contains(msg, "'profiling' is not a declared purpose");
}

static void source_purpose_outside_its_registers_is_refused(void **state) {
    (void)state;
    const char *msg =
        rkt_parse_fail(FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES
                       "registers:\n"
                       "  - id: customer\n"
                       "    name: {fi: A, en: C}\n"
                       "    subjects: {fi: a, en: c}\n"
                       "    categories: [name, email]\n"
                       "    purposes: [service]\n"
                       "sources:\n"
                       "  - {kind: phone, registers: [customer], purposes: [marketing]}\n");
    assert_contains(msg, "'marketing' is not a purpose of any of this source's registers");
}

static void missing_required_key_is_refused(void **state) {
    (void)state;
    const char *msg = rkt_parse_fail(
        "rekisteri: 1\n"
        "controller: {name: X Oy, address: A, phone: '1'}\n" FX_RIGHTS FX_PURPOSES FX_CATEGORIES
            FX_REGISTERS "supervisory_authority: {name: {fi: T, en: O}}\n");
    assert_contains(msg, "controller: required key 'business_id' is missing");
}

static void text_needs_both_languages(void **state) {
    (void)state;
    const char *msg = rkt_parse_fail(FX_MINIMAL "provision: {fi: Annettava.}\n");
    assert_contains(msg, "provision: required key 'en' is missing");
    msg = rkt_parse_fail(FX_MINIMAL "provision: Annettava.\n");
    assert_contains(msg, "expected the text in Finnish and English");
}

static void bad_scalars_are_refused(void **state) {
    (void)state;
    assert_contains(rkt_parse_fail(FX_MINIMAL "transfers_note: {fi: a, en: b}\n"
                                              "recipients:\n"
                                              "  - {id: x, name: X, role: processor, country: usa,"
                                              " registers: [customer]}\n"),
                    "two-letter ISO 3166-1 country code");
    assert_contains(rkt_parse_fail(FX_MINIMAL "recipients:\n"
                                              "  - {id: x, name: X, role: owner, country: US,"
                                              " registers: [customer]}\n"),
                    "unknown value 'owner'; expected one of: processor, controller");
    assert_contains(rkt_parse_fail("rekisteri: 1\nnotice: {drafted: 2023-02-29}\n"),
                    "expected a date as YYYY-MM-DD");
    assert_contains(rkt_parse_fail(FX_HEAD FX_RIGHTS FX_CATEGORIES FX_REGISTERS
                                   "purposes:\n"
                                   "  - id: marketing\n"
                                   "    name: {fi: m, en: m}\n"
                                   "    basis: consent\n"
                                   "    consent: {validity: 2 years}\n"
                                   "  - {id: service, name: {fi: p, en: s}, basis: contract}\n"),
                    "expected a period such as 30d, 6m or 2y");
    assert_contains(rkt_parse_fail(FX_HEAD FX_RIGHTS FX_CATEGORIES FX_REGISTERS
                                   "purposes:\n"
                                   "  - {id: marketing, name: {fi: m, en: m}, basis: whim}\n"
                                   "  - {id: service, name: {fi: p, en: s}, basis: contract}\n"),
                    "unknown value 'whim'; expected one of: consent, contract");
    assert_contains(rkt_parse_fail(FX_HEAD FX_RIGHTS FX_CATEGORIES FX_REGISTERS
                                   "purposes:\n"
                                   "  - {id: Marketing, name: {fi: m, en: m}, basis: consent}\n"),
                    "'Marketing' is not a valid id");
    assert_contains(rkt_parse_fail(FX_MINIMAL "cookies: {categories: [{id: a, name: {fi: a, en: "
                                              "a}, essential: maybe, vendors: [X]}]}\n"),
                    "expected true or false");
    assert_contains(rkt_parse_fail("rekisteri: 2\n"), "unsupported declaration version");
}

static void consent_block_only_for_consent(void **state) {
    (void)state;
    assert_contains(rkt_parse_fail(FX_HEAD FX_RIGHTS FX_CATEGORIES FX_REGISTERS
                                   "purposes:\n"
                                   "  - {id: marketing, name: {fi: m, en: m}, basis: consent}\n"
                                   "  - id: service\n"
                                   "    name: {fi: p, en: s}\n"
                                   "    basis: contract\n"
                                   "    consent: {withdrawal: [contact]}\n"),
                    "purpose.consent: only for purposes with basis consent");
}

static void consent_keep_evidence(void **state) {
    (void)state;
    const char *purposes = "purposes:\n"
                           "  - id: marketing\n"
                           "    name: {fi: m, en: m}\n"
                           "    basis: consent\n"
                           "    consent: {withdrawal: [contact], keep_evidence: legal_claims}\n"
                           "  - {id: service, name: {fi: p, en: s}, basis: contract}\n";
    size_t n = strlen(FX_HEAD FX_RIGHTS FX_CATEGORIES FX_REGISTERS) + strlen(purposes) + 1;
    char *yaml = malloc(n);
    assert_non_null(yaml);
    snprintf(yaml, n, "%s%s", FX_HEAD FX_RIGHTS FX_CATEGORIES FX_REGISTERS, purposes);
    struct rk_decl *d = rkt_parse(yaml);
    assert_true(rk_decl_purpose(d, "marketing")->keep_consent_evidence);
    assert_false(rk_decl_purpose(d, "service")->keep_consent_evidence);
    rk_decl_free(d);
    free(yaml);
    assert_contains(rkt_parse_fail(FX_HEAD FX_RIGHTS FX_CATEGORIES FX_REGISTERS
                                   "purposes:\n"
                                   "  - id: marketing\n"
                                   "    name: {fi: m, en: m}\n"
                                   "    basis: consent\n"
                                   "    consent: {keep_evidence: forever}\n"
                                   "  - {id: service, name: {fi: p, en: s}, basis: contract}\n"),
                    "expected one of: legal_claims");
}

static void retention_needs_events_or_period(void **state) {
    (void)state;
    const char *head = FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES "registers:\n"
                                                                   "  - id: customer\n"
                                                                   "    name: {fi: A, en: C}\n"
                                                                   "    subjects: {fi: a, en: c}\n"
                                                                   "    categories: [name, email]\n"
                                                                   "    purposes: [service]\n";
    char yaml[4096];
    snprintf(yaml, sizeof yaml, "%s    retention: {until: []}\n", head);
    assert_contains(rkt_parse_fail(yaml), "register.retention.until: the list is empty");
    snprintf(yaml, sizeof yaml, "%s    retention: {grace: 6m, period: 2y}\n", head);
    assert_contains(rkt_parse_fail(yaml), "a grace period follows an event");
}

static void timezone_is_checked_and_defaulted(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(FX_MINIMAL);
    assert_string_equal(d->controller.timezone, "Europe/Helsinki");
    rk_decl_free(d);
    assert_contains(rkt_parse_fail("rekisteri: 1\ncontroller: {name: X, business_id: '1',"
                                   " address: A, phone: '1', timezone: Helsinki time}\n"),
                    "expected an IANA time zone name");
}

/* The consent manager's keys: each malformed value is a load error saying where and what. */
static void cookies_refusals(void **state) {
    (void)state;
#define CK(body) FX_MINIMAL "cookies:\n" body
#define CAT      "  categories:\n    - id: a\n      name: {fi: a, en: a}\n"
    assert_contains(rkt_parse_fail(CK(CAT "      vendors: [{name: V, cookies: [{name: \"a b\", "
                                          "lifetime: 1y}]}]\n")),
                    "is not a cookie name");
    assert_contains(rkt_parse_fail(CK(CAT "      vendors: [{name: V, cookies: [{name: \"*\", "
                                          "lifetime: 1y}]}]\n")),
                    "is not a cookie name");
    assert_contains(rkt_parse_fail(CK(CAT "      vendors: [{name: V, cookies: [{name: x, "
                                          "lifetime: forever}]}]\n")),
                    "lifetime (or session): expected a period");
    assert_contains(rkt_parse_fail(CK(CAT "      vendors: [{name: V, country: EU}]\n")),
                    "cookies.vendors.country: 'EU' is not a country");
    assert_contains(rkt_parse_fail(CK(CAT "      essential: true\n"
                                          "      consent_mode: [ad_storage]\n")),
                    "an essential category is always on");
    assert_contains(rkt_parse_fail(CK(CAT "      consent_mode: [cookies]\n")),
                    "cookies.categories.consent_mode");
    assert_contains(rkt_parse_fail(CK("  origins: [\"https://x.fi/path\"]\n" CAT)),
                    "cookies.origins: 'https://x.fi/path' is not an origin");
    assert_contains(rkt_parse_fail(CK("  settings_url: http://x.fi/\n" CAT)),
                    "cookies.settings_url: expected an https:// address");
    assert_contains(rkt_parse_fail(CK("  consent_validity: 13\n" CAT)),
                    "cookies.consent_validity: expected a period");
    assert_contains(rkt_parse_fail(CK(CAT "      services: [X]\n")), "services");
#undef CAT
#undef CK
}

static void cookies_need_categories(void **state) {
    (void)state;
    assert_contains(rkt_parse_fail(FX_MINIMAL "cookies: {description: {fi: e, en: c}}\n"),
                    "cookies: required key 'categories' is missing");
}

static void automated_decisions_need_logic(void **state) {
    (void)state;
    assert_contains(rkt_parse_fail(FX_HEAD FX_PURPOSES FX_CATEGORIES FX_REGISTERS
                                   "rights: {verification: [email_code], automated_logic:"
                                   " {fi: x, en: y}}\n"),
                    "only with 'automated_decisions: true'");
    assert_contains(rkt_parse_fail(FX_HEAD FX_PURPOSES FX_CATEGORIES FX_REGISTERS
                                   "rights: {verification: [email_code], automated_decisions: "
                                   "true}\n"),
                    "automated_logic must describe");
}

/* ---- The keys of issue 16 (decl_legal.c): each loads with its value, each refusal is
 * provoked ---- */

/* FX_MINIMAL with the purposes replaced by marketing (consent) plus P, one purpose's YAML. */
#define WITH_PURPOSE(p)                                                                            \
    FX_HEAD FX_RIGHTS FX_CATEGORIES FX_REGISTERS "purposes:\n"                                     \
                                                 "  - id: marketing\n"                             \
                                                 "    name: {fi: m, en: m}\n"                      \
                                                 "    basis: consent\n" p "  - id: service\n"      \
                                                 "    name: {fi: p, en: s}\n"                      \
                                                 "    basis: contract\n"

#define PROFILING                                                                                  \
    "    profiling:\n"                                                                             \
    "      what: {fi: kiinnostuksen kohteet, en: interests}\n"                                     \
    "      logic: {fi: käynnit sivuilla, en: visits to our pages}\n"                              \
    "      consequences: {fi: kohdennetut tarjoukset, en: targeted offers}\n"

static void profiling_loads(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(WITH_PURPOSE(PROFILING));
    const struct rk_profiling *pr = &rk_decl_purpose(d, "marketing")->profiling;
    assert_true(pr->declared);
    assert_string_equal(pr->what.en, "interests");
    assert_string_equal(pr->logic.fi, "käynnit sivuilla");
    assert_string_equal(pr->consequences.en, "targeted offers");
    assert_false(rk_decl_purpose(d, "service")->profiling.declared);
    assert_true(rk_decl_profiles(d));
    rk_decl_free(d);
    d = rkt_parse(FX_MINIMAL);
    assert_false(rk_decl_profiles(d));
    rk_decl_free(d);
}

static void profiling_refusals(void **state) {
    (void)state;
    static const char *const keys[] = {"what", "logic", "consequences"};
    for (size_t i = 0; i < 3; i++) {
        char prof[512] = "    profiling:\n";
        static const char *const lines[] = {"      what: {fi: a, en: a}\n",
                                            "      logic: {fi: b, en: b}\n",
                                            "      consequences: {fi: c, en: c}\n"};
        for (size_t k = 0; k < 3; k++)
            if (k != i)
                snprintf(prof + strlen(prof), sizeof prof - strlen(prof), "%s", lines[k]);
        char full[4096];
        snprintf(full, sizeof full, WITH_PURPOSE("%s"), prof);
        char want[96];
        snprintf(want, sizeof want, "purpose.profiling: required key '%s' is missing", keys[i]);
        assert_contains(rkt_parse_fail(full), want);
    }
    assert_contains(rkt_parse_fail(WITH_PURPOSE("    profiling: true\n")), "purpose.profiling");
    assert_contains(rkt_parse_fail(WITH_PURPOSE("    profiling: {what: x, logic: {fi: b, en: b},"
                                                " consequences: {fi: c, en: c}}\n")),
                    "purpose.profiling.what: expected the text in Finnish and English");
}

#define MARKETING(body) "    direct_marketing:\n" body

static void direct_marketing_loads(void **state) {
    (void)state;
    struct rk_decl *d =
        rkt_parse(WITH_PURPOSE(MARKETING("      channels: [email, sms, post]\n"
                                         "      audience: consumers\n"
                                         "      soft_opt_in:\n"
                                         "        products: {fi: lounasedut, en: lunch benefits}\n"
                                         "        opt_out_at_collection: true\n")));
    const struct rk_marketing *m = &rk_decl_purpose(d, "marketing")->marketing;
    assert_true(m->declared);
    assert_int_equal(m->channels, RK_CHANNEL_EMAIL | RK_CHANNEL_SMS | RK_CHANNEL_POST);
    assert_int_equal(m->audience, RK_AUDIENCE_CONSUMERS);
    assert_true(m->soft_opt_in);
    assert_string_equal(m->similar_products.en, "lunch benefits");
    assert_true(m->opt_out_at_collection);
    rk_decl_free(d);
    d = rkt_parse(WITH_PURPOSE(MARKETING("      channels: [phone]\n"
                                         "      audience: business\n")));
    m = &rk_decl_purpose(d, "marketing")->marketing;
    assert_int_equal(m->channels, RK_CHANNEL_PHONE);
    assert_int_equal(m->audience, RK_AUDIENCE_BUSINESS);
    assert_false(m->soft_opt_in);
    assert_false(rk_decl_purpose(d, "service")->marketing.declared);
    rk_decl_free(d);
    d = rkt_parse(WITH_PURPOSE(MARKETING("      channels: [email]\n"
                                         "      audience: both\n")));
    assert_int_equal(rk_decl_purpose(d, "marketing")->marketing.audience, RK_AUDIENCE_BOTH);
    rk_decl_free(d);
}

static void direct_marketing_refusals(void **state) {
    (void)state;
    assert_contains(rkt_parse_fail(WITH_PURPOSE(MARKETING("      channels: [email, fax]\n"
                                                          "      audience: consumers\n"))),
                    "purpose.direct_marketing.channels: unknown value 'fax'; expected one of: "
                    "email, sms, phone, post");
    assert_contains(rkt_parse_fail(WITH_PURPOSE(MARKETING("      channels: [email, email]\n"
                                                          "      audience: consumers\n"))),
                    "'email' listed twice");
    assert_contains(rkt_parse_fail(WITH_PURPOSE(MARKETING("      channels: []\n"
                                                          "      audience: consumers\n"))),
                    "purpose.direct_marketing.channels: the list is empty");
    assert_contains(rkt_parse_fail(WITH_PURPOSE(MARKETING("      channels: [email]\n"
                                                          "      audience: everyone\n"))),
                    "purpose.direct_marketing.audience: unknown value 'everyone'; expected one "
                    "of: consumers, business, both");
    assert_contains(rkt_parse_fail(WITH_PURPOSE(MARKETING("      audience: consumers\n"))),
                    "purpose.direct_marketing: required key 'channels' is missing");
    assert_contains(rkt_parse_fail(WITH_PURPOSE(MARKETING("      channels: [sms]\n"))),
                    "purpose.direct_marketing: required key 'audience' is missing");
    assert_contains(
        rkt_parse_fail(WITH_PURPOSE(MARKETING("      channels: [email]\n"
                                              "      audience: consumers\n"
                                              "      soft_opt_in:\n"
                                              "        opt_out_at_collection: true\n"))),
        "purpose.direct_marketing.soft_opt_in: required key 'products' is missing");
    assert_contains(
        rkt_parse_fail(WITH_PURPOSE(MARKETING("      channels: [email]\n"
                                              "      audience: consumers\n"
                                              "      soft_opt_in: {products: {fi: a, en: a}}\n"))),
        "purpose.direct_marketing.soft_opt_in: required key 'opt_out_at_collection' is missing");
    assert_contains(
        rkt_parse_fail(WITH_PURPOSE(MARKETING("      channels: [email]\n"
                                              "      audience: consumers\n"
                                              "      soft_opt_in: {products: {fi: a, en: a},"
                                              " opt_out_at_collection: maybe}\n"))),
        "opt_out_at_collection: expected true or false");
}

#define LI_PURPOSE(extra)                                                                          \
    FX_HEAD FX_RIGHTS FX_CATEGORIES FX_REGISTERS                                                   \
        "purposes:\n"                                                                              \
        "  - id: marketing\n"                                                                      \
        "    name: {fi: m, en: m}\n"                                                               \
        "    basis: legitimate_interests\n"                                                        \
        "    legitimate_interest: {fi: myynti, en: sales}\n" extra                                 \
        "  - {id: service, name: {fi: p, en: s}, basis: contract}\n"

static void balancing_test_loads_and_refusals(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(
        LI_PURPOSE("    balancing_test: {fi: Punninta 2025 tietosuojavastaavalta, en: Test of "
                   "2025 from the DPO}\n"));
    assert_string_equal(rk_decl_purpose(d, "marketing")->balancing_test.en,
                        "Test of 2025 from the DPO");
    assert_false(rk_text_present(&rk_decl_purpose(d, "service")->balancing_test));
    rk_decl_free(d);
    assert_contains(rkt_parse_fail(WITH_PURPOSE("    balancing_test: {fi: a, en: b}\n")),
                    "purpose.balancing_test: only for basis legitimate_interests");
    assert_contains(rkt_parse_fail(LI_PURPOSE("    balancing_test: yes\n")),
                    "purpose.balancing_test: expected the text in Finnish and English");
}

/* FX_MINIMAL with one more category c (YAML of one list item) held by the customer register. */
#define WITH_CATEGORY(cat)                                                                         \
    FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES cat "registers:\n"                                 \
                                                    "  - id: customer\n"                           \
                                                    "    name: {fi: A, en: C}\n"                   \
                                                    "    subjects: {fi: a, en: c}\n"               \
                                                    "    categories: [name, email, extra]\n"       \
                                                    "    purposes: [marketing, service]\n"

static void special_categories_load(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(WITH_CATEGORY(
        "  - id: extra\n"
        "    name: {fi: Ruokavalio, en: Diet}\n"
        "    special: health\n"
        "    condition: explicit_consent\n"
        "    law: {fi: Tietosuojalaki 1050/2018 6 §, en: Data Protection Act 1050/2018 s 6}\n"));
    const struct rk_category *c = rk_decl_category(d, "extra");
    assert_int_equal(c->special, RK_SPECIAL_HEALTH);
    assert_int_equal(c->condition, RK_ART9_EXPLICIT_CONSENT);
    assert_int_equal(rk_art9_condition_letter(c->condition), 'a');
    assert_string_equal(c->law.fi, "Tietosuojalaki 1050/2018 6 §");
    assert_int_equal(rk_decl_category(d, "name")->special, RK_SPECIAL_NONE);
    assert_int_equal(rk_decl_category(d, "name")->condition, RK_ART9_NONE);
    rk_decl_free(d);
    d = rkt_parse(WITH_CATEGORY("  - id: extra\n"
                                "    name: {fi: Rikostaustaote, en: Criminal record extract}\n"
                                "    special: criminal_offences\n"
                                "    law: {fi: Tietosuojalaki 1050/2018 7 §, en: Data Protection "
                                "Act 1050/2018 s 7}\n"));
    c = rk_decl_category(d, "extra");
    assert_int_equal(c->special, RK_SPECIAL_CRIMINAL_OFFENCES);
    assert_int_equal(c->condition, RK_ART9_NONE);
    assert_string_equal(c->law.en, "Data Protection Act 1050/2018 s 7");
    rk_decl_free(d);
    /* Every condition and its letter of art 9(2). */
    for (int k = RK_ART9_EXPLICIT_CONSENT; k < RK_ART9__COUNT; k++) {
        char yaml[4096];
        snprintf(yaml, sizeof yaml,
                 WITH_CATEGORY("  - {id: extra, name: {fi: x, en: x}, special: "
                               "trade_union, condition: %s}\n"),
                 rk_art9_condition_id((enum rk_art9_condition)k));
        d = rkt_parse(yaml);
        assert_int_equal(rk_decl_category(d, "extra")->condition, k);
        assert_int_equal(rk_art9_condition_letter((enum rk_art9_condition)k), 'a' + k - 1);
        rk_decl_free(d);
    }
}

static void special_categories_refusals(void **state) {
    (void)state;
    assert_contains(rkt_parse_fail(WITH_CATEGORY(
                        "  - {id: extra, name: {fi: x, en: x}, special: shoe_size}\n")),
                    "category.special: unknown value 'shoe_size'; expected one of: ethnic_origin");
    assert_contains(rkt_parse_fail(WITH_CATEGORY("  - {id: extra, name: {fi: x, en: x}, special: "
                                                 "health, condition: because}\n")),
                    "category.condition: unknown value 'because'; expected one of: "
                    "explicit_consent");
    assert_contains(rkt_parse_fail(WITH_CATEGORY("  - {id: extra, name: {fi: x, en: x}, "
                                                 "condition: explicit_consent}\n")),
                    "category.condition: the art 9(2) condition is only for a category with "
                    "'special:'");
    assert_contains(rkt_parse_fail(WITH_CATEGORY("  - {id: extra, name: {fi: x, en: x}, special: "
                                                 "criminal_offences, condition: legal_claims}\n")),
                    "category.condition: art 9(2) conditions do not apply to criminal-offence "
                    "data (art 10)");
    assert_contains(rkt_parse_fail(WITH_CATEGORY("  - {id: extra, name: {fi: x, en: x}, law: "
                                                 "{fi: a, en: b}}\n")),
                    "category.law: the national provision is only for a category with "
                    "'special:'");
    assert_contains(rkt_parse_fail(WITH_CATEGORY("  - {id: extra, name: {fi: x, en: x}, special: "
                                                 "health, law: 1050/2018}\n")),
                    "category.law: expected the text in Finnish and English");
}

/* FX_MINIMAL with children: ch on the customer register. */
#define WITH_CHILDREN(ch) FX_MINIMAL "    children: " ch "\n"

static void children_load(void **state) {
    (void)state;
    struct rk_decl *d =
        rkt_parse(WITH_CHILDREN("{min_age: 10, online_service: true, age_verification: {fi: "
                                "syntymävuosi, en: year of birth}, parental_consent: {fi: "
                                "huoltajan sähköposti, en: the guardian's email}}"));
    const struct rk_children *ch = &rk_decl_register(d, "customer")->children;
    assert_true(ch->declared);
    assert_int_equal(ch->min_age, 10);
    assert_true(ch->online_service);
    assert_string_equal(ch->age_verification.en, "year of birth");
    assert_string_equal(ch->parental_consent.fi, "huoltajan sähköposti");
    rk_decl_free(d);
    d = rkt_parse(WITH_CHILDREN("{min_age: 17}"));
    ch = &rk_decl_register(d, "customer")->children;
    assert_int_equal(ch->min_age, 17);
    assert_false(ch->online_service);
    assert_false(rk_text_present(&ch->parental_consent));
    rk_decl_free(d);
    d = rkt_parse(FX_MINIMAL);
    assert_false(rk_decl_register(d, "customer")->children.declared);
    rk_decl_free(d);
}

static void children_refusals(void **state) {
    (void)state;
    assert_contains(rkt_parse_fail(WITH_CHILDREN("{min_age: 0}")),
                    "register.children.min_age: expected an age from 1 to 17");
    assert_contains(rkt_parse_fail(WITH_CHILDREN("{min_age: 18}")),
                    "register.children.min_age: 18 is not a child's age");
    assert_contains(rkt_parse_fail(WITH_CHILDREN("{min_age: ten}")),
                    "register.children.min_age: expected an age from 1 to 17");
    assert_contains(rkt_parse_fail(WITH_CHILDREN("{online_service: true}")),
                    "register.children: required key 'min_age' is missing");
    assert_contains(rkt_parse_fail(WITH_CHILDREN("{min_age: 13, online_service: often}")),
                    "register.children.online_service: expected true or false");
    assert_contains(rkt_parse_fail(WITH_CHILDREN("{min_age: 13, parents: yes}")),
                    "unknown key 'parents'");
}

static void source_name_and_categories(void **state) {
    (void)state;
    struct rk_decl *d =
        rkt_parse(FX_MINIMAL "sources:\n"
                             "  - kind: public_source\n"
                             "    name: {fi: Kaupungin verkkosivut, en: The city's web pages}\n"
                             "    categories: [name, email]\n"
                             "    registers: [customer]\n");
    assert_string_equal(d->sources[0].name.en, "The city's web pages");
    assert_int_equal(d->sources[0].ncategories, 2);
    assert_string_equal(d->sources[0].categories[1]->id, "email");
    rk_decl_free(d);
    assert_contains(rkt_parse_fail(FX_MINIMAL_WITH_EXTRA_CATEGORY
                                   "sources:\n"
                                   "  - {kind: public_source, categories: [name, fax], registers: "
                                   "[customer]}\n"),
                    "source.categories: 'fax' is not a category of any of this source's "
                    "registers");
    assert_contains(rkt_parse_fail(FX_MINIMAL "sources:\n"
                                              "  - {kind: public_source, categories: [shoes], "
                                              "registers: [customer]}\n"),
                    "source.categories: 'shoes' is not a declared category");
    assert_contains(rkt_parse_fail(FX_MINIMAL "sources:\n"
                                              "  - {kind: public_source, name: Kaupunki, "
                                              "registers: [customer]}\n"),
                    "source.name: expected the text in Finnish and English");
}

#define RECIPIENT(extra)                                                                           \
    FX_MINIMAL "recipients:\n"                                                                     \
               "  - {id: x, name: X Inc, role: processor, registers: [customer], " extra "}\n"
#define VENDOR(extra)                                                                              \
    FX_MINIMAL "cookies:\n"                                                                        \
               "  categories:\n"                                                                   \
               "    - id: a\n"                                                                     \
               "      name: {fi: a, en: a}\n"                                                      \
               "      vendors: [{name: V, " extra "}]\n"

static void transfer_extras_load(void **state) {
    (void)state;
    struct rk_decl *d =
        rkt_parse(RECIPIENT("country: US, transfer: dpf, dpf_verified: 2025-05-02"));
    const struct rk_recipient *r = rk_decl_recipient(d, "x");
    assert_int_equal(r->transfer, RK_TRANSFER_DPF);
    assert_int_equal(r->dpf_verified.y, 2025);
    assert_int_equal(r->dpf_verified.m, 5);
    assert_int_equal(r->dpf_verified.d, 2);
    assert_false(rk_text_present(&r->safeguards_copy));
    rk_decl_free(d);
    d = rkt_parse(RECIPIENT("country: IN, transfer: scc, safeguards_copy: {fi: pyydä "
                            "tietosuoja@example.fi, en: ask tietosuoja@example.fi}"));
    r = rk_decl_recipient(d, "x");
    assert_string_equal(r->country, "IN");
    assert_string_equal(r->safeguards_copy.fi, "pyydä tietosuoja@example.fi");
    assert_int_equal(r->dpf_verified.y, 0);
    rk_decl_free(d);
    d = rkt_parse(RECIPIENT("country: US, transfer: bcr, safeguards_copy: {fi: a, en: b}"));
    assert_string_equal(rk_decl_recipient(d, "x")->safeguards_copy.en, "b");
    rk_decl_free(d);
    d = rkt_parse(VENDOR("country: US, transfer: dpf, dpf_verified: 2024-11-30"));
    const struct rk_cookie_vendor *v = &d->cookies.categories[0].vendors[0];
    assert_int_equal(v->dpf_verified.y, 2024);
    assert_int_equal(v->dpf_verified.d, 30);
    rk_decl_free(d);
    d = rkt_parse(VENDOR("country: CN, transfer: scc, safeguards_copy: {fi: a, en: b}"));
    v = &d->cookies.categories[0].vendors[0];
    assert_string_equal(v->safeguards_copy.fi, "a");
    rk_decl_free(d);
}

static void transfer_extras_refusals(void **state) {
    (void)state;
    assert_contains(rkt_parse_fail(RECIPIENT("country: US, transfer: scc, dpf_verified: "
                                             "2025-05-02")),
                    "recipient.dpf_verified: only with 'transfer: dpf'");
    assert_contains(rkt_parse_fail(RECIPIENT("country: US, dpf_verified: 2025-05-02")),
                    "recipient.dpf_verified: only with 'transfer: dpf'");
    assert_contains(rkt_parse_fail(RECIPIENT("country: US, transfer: dpf, dpf_verified: "
                                             "2025-02-30")),
                    "recipient.dpf_verified: expected a date as YYYY-MM-DD");
    assert_contains(rkt_parse_fail(RECIPIENT("country: US, transfer: dpf, dpf_verified: yes")),
                    "recipient.dpf_verified: expected a date as YYYY-MM-DD");
    assert_contains(rkt_parse_fail(RECIPIENT("country: US, transfer: dpf, safeguards_copy: "
                                             "{fi: a, en: b}")),
                    "recipient.safeguards_copy: only with 'transfer: scc' or 'transfer: bcr'");
    assert_contains(rkt_parse_fail(RECIPIENT("country: JP, safeguards_copy: {fi: a, en: b}")),
                    "recipient.safeguards_copy: only with 'transfer: scc' or 'transfer: bcr'");
    assert_contains(rkt_parse_fail(RECIPIENT("country: IN, transfer: scc, safeguards_copy: "
                                             "ask us")),
                    "recipient.safeguards_copy: expected the text in Finnish and English");
    assert_contains(rkt_parse_fail(VENDOR("country: US, transfer: scc, dpf_verified: "
                                          "2025-05-02")),
                    "cookies.vendors.dpf_verified: only with 'transfer: dpf'");
    assert_contains(rkt_parse_fail(VENDOR("country: US, transfer: dpf, dpf_verified: 2025-5-2")),
                    "cookies.vendors.dpf_verified: expected a date as YYYY-MM-DD");
    assert_contains(rkt_parse_fail(VENDOR("country: US, transfer: dpf, safeguards_copy: "
                                          "{fi: a, en: b}")),
                    "cookies.vendors.safeguards_copy: only with 'transfer: scc' or "
                    "'transfer: bcr'");
}

/* A country is an officially assigned ISO 3166-1 code; what people write instead is refused
 * with what to write. */
static void countries_are_iso_3166_1(void **state) {
    (void)state;
    static const char *const wheres[] = {"recipient.country", "cookies.vendors.country"};
    for (int w = 0; w < 2; w++) {
        char yaml[4096];
        struct {
            const char *code, *want;
        } const cases[] = {
            {"EU", "'EU' is not a country; name the country where the recipient keeps"},
            {"EEA", "'EEA' is not a country"},
            {"ETA", "'ETA' is not a country"},
            {"UK", "'UK' is not an ISO 3166-1 code; the United Kingdom is GB"},
            {"EL", "'EL' is the EU's abbreviation, not an ISO 3166-1 code; Greece is GR"},
            {"XX", "expected a two-letter ISO 3166-1 country code in capitals, e.g. FI or US, "
                   "found 'XX'"},
            {"fi", "found 'fi'"},
            {"FIN", "found 'FIN'"},
        };
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            char extra[64];
            snprintf(extra, sizeof extra, "country: %s", cases[i].code);
            if (w == 0)
                snprintf(yaml, sizeof yaml, RECIPIENT("%s"), extra);
            else
                snprintf(yaml, sizeof yaml, VENDOR("%s"), extra);
            const char *msg = rkt_parse_fail(yaml);
            assert_contains(msg, wheres[w]);
            assert_contains(msg, cases[i].want);
        }
    }
    assert_true(rk_country_assigned("GB"));
    assert_true(rk_country_assigned("AX"));
    assert_true(rk_country_assigned("ZW"));
    assert_true(rk_country_assigned("AD"));
    assert_false(rk_country_assigned("EU"));
    assert_false(rk_country_assigned("UK"));
    assert_false(rk_country_assigned("XK")); /* user-assigned, not official */
    assert_false(rk_country_assigned("gb"));
    assert_false(rk_country_assigned("G"));
    /* A real country outside the table of names still loads (the notice prints its code). */
    struct rk_decl *d = rkt_parse(RECIPIENT("country: AQ, transfer: derogation"));
    assert_string_equal(rk_decl_recipient(d, "x")->country, "AQ");
    rk_decl_free(d);
    d = rkt_parse(VENDOR("country: GB"));
    assert_int_equal(d->cookies.categories[0].vendors[0].transfer, RK_TRANSFER_ADEQUACY);
    rk_decl_free(d);
}

#define RIGHTS(r) FX_HEAD FX_PURPOSES FX_CATEGORIES FX_REGISTERS "rights:\n" r
#define ADM_ON                                                                                     \
    "  verification: [email_code]\n"                                                               \
    "  automated_decisions: true\n"                                                                \
    "  automated_logic: {fi: pisteytys, en: scoring}\n"

static void automated_decision_keys(void **state) {
    (void)state;
    struct rk_decl *d =
        rkt_parse(RIGHTS(ADM_ON "  automated_consequences: {fi: luotto evätään, en: credit is "
                                "refused}\n"
                                "  automated_basis: contract\n"
                                "  automated_safeguards: [human_intervention, express_view, "
                                "contest]\n"));
    assert_true(d->rights.automated_decisions);
    assert_string_equal(d->rights.automated_consequences.en, "credit is refused");
    assert_int_equal(d->rights.automated_basis, RK_ADM_CONTRACT);
    assert_int_equal(d->rights.automated_safeguards, RK_ADM_SAFEGUARDS_ALL);
    rk_decl_free(d);
    d = rkt_parse(RIGHTS(ADM_ON "  automated_basis: explicit_consent\n"
                                "  automated_safeguards: [contest]\n"));
    assert_int_equal(d->rights.automated_basis, RK_ADM_EXPLICIT_CONSENT);
    assert_int_equal(d->rights.automated_safeguards, RK_ADM_CONTEST);
    rk_decl_free(d);
    d = rkt_parse(RIGHTS(ADM_ON "  automated_basis: law\n"));
    assert_int_equal(d->rights.automated_basis, RK_ADM_LAW);
    assert_int_equal(d->rights.automated_safeguards, 0);
    rk_decl_free(d);
    d = rkt_parse(FX_MINIMAL);
    assert_int_equal(d->rights.automated_basis, RK_ADM_NONE);
    rk_decl_free(d);
}

static void automated_decision_refusals(void **state) {
    (void)state;
    static const char *const lines[] = {"  automated_consequences: {fi: a, en: b}\n",
                                        "  automated_basis: contract\n",
                                        "  automated_safeguards: [contest]\n"};
    static const char *const keys[] = {"automated_consequences", "automated_basis",
                                       "automated_safeguards"};
    for (size_t i = 0; i < 3; i++) {
        char yaml[4096], want[96];
        snprintf(yaml, sizeof yaml, RIGHTS("  verification: [email_code]\n%s"), lines[i]);
        snprintf(want, sizeof want, "rights.%s: only with 'automated_decisions: true'", keys[i]);
        assert_contains(rkt_parse_fail(yaml), want);
        snprintf(yaml, sizeof yaml,
                 RIGHTS("  verification: [email_code]\n  automated_decisions: false\n%s"),
                 lines[i]);
        assert_contains(rkt_parse_fail(yaml), want);
    }
    assert_contains(rkt_parse_fail(RIGHTS(ADM_ON "  automated_basis: legitimate_interests\n")),
                    "rights.automated_basis: unknown value 'legitimate_interests'; expected one "
                    "of: contract, law, explicit_consent");
    assert_contains(rkt_parse_fail(RIGHTS(ADM_ON "  automated_safeguards: [appeal]\n")),
                    "rights.automated_safeguards: unknown value 'appeal'; expected one of: "
                    "human_intervention, express_view, contest");
    assert_contains(rkt_parse_fail(RIGHTS(ADM_ON "  automated_safeguards: [contest, contest]\n")),
                    "'contest' listed twice");
    assert_contains(rkt_parse_fail(RIGHTS(ADM_ON "  automated_safeguards: contest\n")),
                    "rights.automated_safeguards: expected a list");
}

#define WITH_FY(v)                                                                                 \
    "rekisteri: 1\n"                                                                               \
    "controller: {name: X Oy, business_id: '1', address: A, phone: '1', financial_year_end: " v    \
    "}\n"

static void financial_year_end_loads_and_refusals(void **state) {
    (void)state;
    char yaml[4096];
    snprintf(yaml, sizeof yaml, "%s", FX_MINIMAL);
    char *at = strstr(yaml, "  phone: 09 123 4567\n");
    assert_non_null(at);
    const char *fy = "  financial_year_end: \"06-30\"\n";
    at += strlen("  phone: 09 123 4567\n");
    memmove(at + strlen(fy), at, strlen(at) + 1);
    memcpy(at, fy, strlen(fy));
    struct rk_decl *d = rkt_parse(yaml);
    assert_int_equal(d->controller.financial_year_end.m, 6);
    assert_int_equal(d->controller.financial_year_end.d, 30);
    rk_decl_free(d);
    static const char *const bad[] = {"\"6-30\"",  "\"02-30\"", "\"13-01\"", "\"00-10\"",
                                      "\"06-00\"", "\"06/30\"", "\"0a-30\"", "[6, 30]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char y[512];
        snprintf(y, sizeof y, WITH_FY("%s"), bad[i]);
        assert_contains(rkt_parse_fail(y), "controller.financial_year_end: expected the last day "
                                           "of the financial year as MM-DD");
    }
    char y[512];
    snprintf(y, sizeof y, WITH_FY("%s"), "\"02-30\"");
    assert_contains(rkt_parse_fail(y), "found '02-30'");
    /* 29 February is a year end (in other years the 28th, rk_financial_period_end). */
    snprintf(yaml, sizeof yaml, "%s", FX_MINIMAL);
    at = strstr(yaml, "  phone: 09 123 4567\n") + strlen("  phone: 09 123 4567\n");
    fy = "  financial_year_end: 02-29\n";
    memmove(at + strlen(fy), at, strlen(at) + 1);
    memcpy(at, fy, strlen(fy));
    d = rkt_parse(yaml);
    assert_int_equal(d->controller.financial_year_end.m, 2);
    assert_int_equal(d->controller.financial_year_end.d, 29);
    rk_decl_free(d);
}

static void erasure_from_end_of_financial_period(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(WITH_CATEGORY(
        "  - id: extra\n"
        "    name: {fi: Laskut, en: Invoices}\n"
        "    kind: billing\n"
        "    erasure: {keep_years: 6, from: end_of_financial_period, obligation: {fi: "
        "Kirjanpitolaki 1336/1997 2:10, en: Accounting Act 1336/1997 2:10}}\n"));
    const struct rk_category *c = rk_decl_category(d, "extra");
    assert_int_equal(c->erasure.rule, RK_ERASE_KEEP);
    assert_int_equal(c->erasure.from, RK_FROM_END_OF_FINANCIAL_PERIOD);
    rk_decl_free(d);
    assert_contains(rkt_parse_fail(WITH_CATEGORY("  - id: extra\n"
                                                 "    name: {fi: Laskut, en: Invoices}\n"
                                                 "    erasure: {keep_years: 6, from: "
                                                 "end_of_fiscal_year}\n")),
                    "category.erasure.from: unknown value 'end_of_fiscal_year'; expected one of: "
                    "event, end_of_calendar_year, end_of_financial_period");
}

/* What the notice, the record and the access answer say of a keep counted from the financial
 * period: the Accounting Act's own words, never "from when the data was recorded". */
static void erasure_label_from_financial_period(void **state) {
    (void)state;
    struct rk_category cat = {.name = {.fi = "Laskut", .en = "Invoices"},
                              .erasure = {.rule = RK_ERASE_KEEP,
                                          .keep_years = 6,
                                          .from = RK_FROM_END_OF_FINANCIAL_PERIOD}};
    struct rk_buf b;
    rk_buf_init(&b);
    rk_label_erasure(NULL, &cat, RK_LANG_FI, &b);
    assert_contains(b.data, "Laskut: säilytetään 6 vuotta sen kalenterivuoden päättymisestä, "
                            "jonka aikana kirjauksen tilikausi päättyi");
    rk_buf_cleanup(&b);
    rk_buf_init(&b);
    rk_label_erasure(NULL, &cat, RK_LANG_EN, &b);
    assert_contains(b.data, "Invoices: kept for 6 years from the end of the calendar year in which "
                            "the financial period of the record ended");
    assert_null(strstr(b.data, "recorded"));
    rk_buf_cleanup(&b);
}

static struct rk_date day(int y, int m, int d) { return (struct rk_date){y, m, d}; }

static void assert_day(struct rk_date got, int y, int m, int d) {
    if (got.y != y || got.m != m || got.d != d)
        fail_msg("expected %04d-%02d-%02d, got %04d-%02d-%02d", y, m, d, got.y, got.m, got.d);
}

/* The financial period a day falls in (Kirjanpitolaki 1336/1997 1:4): the calendar year unless
 * controller.financial_year_end says otherwise; a year ending 29 February ends on the 28th in
 * other years. */
static void financial_period_end(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(FX_MINIMAL);
    assert_int_equal(d->controller.financial_year_end.m, 0);
    assert_day(rk_financial_period_end(d, day(2024, 1, 1)), 2024, 12, 31);
    assert_day(rk_financial_period_end(d, day(2024, 12, 31)), 2024, 12, 31);
    d->controller.financial_year_end.m = 6, d->controller.financial_year_end.d = 30;
    assert_day(rk_financial_period_end(d, day(2024, 8, 1)), 2025, 6, 30);
    assert_day(rk_financial_period_end(d, day(2024, 5, 1)), 2024, 6, 30);
    assert_day(rk_financial_period_end(d, day(2024, 6, 30)), 2024, 6, 30);
    assert_day(rk_financial_period_end(d, day(2024, 7, 1)), 2025, 6, 30);
    d->controller.financial_year_end.m = 2, d->controller.financial_year_end.d = 29;
    assert_day(rk_financial_period_end(d, day(2023, 2, 28)), 2023, 2, 28);
    assert_day(rk_financial_period_end(d, day(2023, 3, 1)), 2024, 2, 29);
    assert_day(rk_financial_period_end(d, day(2024, 3, 1)), 2025, 2, 28);
    rk_decl_free(d);
}

/* The one rule for until when a kept category stays (the invoice and contract writes and the
 * retention sweep all use it): from the event, from the end of its calendar year, or from the
 * end of the calendar year in which its financial period ended. */
static void category_keep_until(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(FX_MINIMAL);
    struct rk_category cat = {.erasure = {.rule = RK_ERASE_KEEP,
                                          .keep_years = 6,
                                          .from = RK_FROM_END_OF_FINANCIAL_PERIOD}};
    /* No financial year declared: the calendar year. */
    assert_day(rk_category_keep_until(d, &cat, day(2024, 8, 1)), 2030, 12, 31);
    d->controller.financial_year_end.m = 6, d->controller.financial_year_end.d = 30;
    assert_day(rk_category_keep_until(d, &cat, day(2024, 8, 1)), 2031, 12, 31);
    assert_day(rk_category_keep_until(d, &cat, day(2024, 5, 1)), 2030, 12, 31);
    d->controller.financial_year_end.m = 2, d->controller.financial_year_end.d = 29;
    assert_day(rk_category_keep_until(d, &cat, day(2023, 2, 28)), 2029, 12, 31);
    assert_day(rk_category_keep_until(d, &cat, day(2023, 3, 1)), 2030, 12, 31);
    /* The other starting points do not look at the financial year. */
    cat.erasure.from = RK_FROM_END_OF_CALENDAR_YEAR;
    assert_day(rk_category_keep_until(d, &cat, day(2024, 8, 1)), 2030, 12, 31);
    cat.erasure.from = RK_FROM_EVENT;
    assert_day(rk_category_keep_until(d, &cat, day(2024, 8, 1)), 2030, 8, 1);
    assert_day(rk_category_keep_until(d, &cat, day(2024, 2, 29)), 2030, 2, 28);
    /* Not kept, or no day: nothing. */
    assert_day(rk_category_keep_until(d, &cat, day(0, 0, 0)), 0, 0, 0);
    cat.erasure.rule = RK_ERASE_DELETE;
    assert_day(rk_category_keep_until(d, &cat, day(2024, 8, 1)), 0, 0, 0);
    rk_decl_free(d);
}

static void empty_and_non_mapping_are_refused(void **state) {
    (void)state;
    assert_contains(rkt_parse_fail(""), "the declaration is empty");
    assert_contains(rkt_parse_fail("# only a comment\n"), "the declaration is empty");
    assert_contains(rkt_parse_fail("just some words\n"), "expected a mapping");
    assert_contains(rkt_parse_fail("- a\n- b\n"), "expected a mapping");
}

static void malformed_yaml_is_refused_with_position(void **state) {
    (void)state;
    const char *msg = rkt_parse_fail("rekisteri: 1\ncontroller: {name: [unclosed\n");
    assert_contains(msg, "not valid YAML");
    assert_true(msg[0] >= '1' && msg[0] <= '9');
    assert_contains(rkt_parse_fail("rekisteri: 1\n---\nrekisteri: 1\n"), "second one");
    assert_contains(rkt_parse_fail("rekisteri: !!int 1\n"), "tags");
    assert_contains(rkt_parse_fail("rekisteri: *nowhere\n"), "refers to no anchor");
}

static void binary_is_refused(void **state) {
    (void)state;
    static const char bin[] = "rekisteri: 1\n\x00\x01\x02\xff";
    struct rk_diags diags;
    struct rk_decl *d = NULL;
    rk_diags_init(&diags, "bin");
    assert_int_equal(rk_decl_parse("bin", bin, sizeof bin - 1, &diags, &d), RK_EDECL);
    assert_non_null(strstr(diags.items[0].msg, "NUL byte"));
    assert_int_equal(diags.items[0].line, 2);
    assert_contains(rkt_parse_fail("rekisteri: 1\nx: \xff\xfe\n"), "not UTF-8");
}

static void alias_bomb_is_refused(void **state) {
    (void)state;
    /* Nine levels of ten aliases each would be a billion nodes. */
    char yaml[2048] = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n";
    for (int i = 1; i < 10; i++) {
        size_t n = strlen(yaml);
        snprintf(yaml + n, sizeof yaml - n,
                 "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i,
                 i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    }
    assert_contains(rkt_parse_fail(yaml), "once aliases are expanded");
}

static void small_aliases_are_allowed(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES
                                  "registers:\n"
                                  "  - id: customer\n"
                                  "    name: {fi: Asiakasrekisteri, en: Customer register}\n"
                                  "    subjects: &subj {fi: asiakkaat, en: customers}\n"
                                  "    categories: &cats [name, email]\n"
                                  "    purposes: [marketing, service]\n"
                                  "    retention: {until: [relationship_end]}\n"
                                  "  - id: marketing\n"
                                  "    name: {fi: Markkinointirekisteri, en: Marketing register}\n"
                                  "    subjects: *subj\n"
                                  "    categories: *cats\n"
                                  "    purposes: [marketing]\n"
                                  "    retention: {until: [consent_withdrawn]}\n");
    assert_int_equal(rk_decl_register(d, "marketing")->ncategories, 2);
    assert_string_equal(rk_decl_register(d, "marketing")->subjects.en, "customers");
    rk_decl_free(d);
}

static void deep_nesting_is_refused(void **state) {
    (void)state;
    char yaml[600];
    size_t n = 0;
    n += (size_t)snprintf(yaml, sizeof yaml, "rekisteri: ");
    for (int i = 0; i < 200; i++)
        yaml[n++] = '[';
    yaml[n] = '\0';
    assert_contains(rkt_parse_fail(yaml), "nesting deeper than 64 levels");
}

static void many_problems_are_all_reported(void **state) {
    (void)state;
    struct rk_diags diags;
    struct rk_decl *d = NULL;
    const char *yaml = FX_MINIMAL "colour: blue\nshape: round\n";
    rk_diags_init(&diags, "t");
    assert_int_equal(rk_decl_parse("t", yaml, strlen(yaml), &diags, &d), RK_EDECL);
    assert_int_equal(diags.n, 2);
}

static void file_errors(void **state) {
    (void)state;
    struct rk_diags diags;
    struct rk_decl *d = NULL;
    rk_diags_init(&diags, "/nonexistent/decl.yaml");
    assert_int_equal(rk_decl_load("/nonexistent/decl.yaml", &diags, &d), RK_ENOENT);
    assert_non_null(strstr(diags.items[0].msg, "cannot open"));
    rk_diags_init(&diags, "/");
    assert_int_equal(rk_decl_load("/", &diags, &d), RK_EIO);
    assert_non_null(strstr(diags.items[0].msg, "not a regular file"));
}

static void roles_grant_registers_and_categories(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load_example();
    assert_int_equal(d->nroles, 3);
    const struct rk_role *sales = rk_decl_role(d, "sales");
    const struct rk_role *mk = rk_decl_role(d, "marketing");
    const struct rk_role *dpo = rk_decl_role(d, "dpo");
    assert_non_null(sales);
    assert_true(rk_role_grants(sales, "customer", "email"));
    assert_false(rk_role_grants(sales, "customer", "billing")); /* sales sees no billing */
    assert_false(rk_role_grants(sales, "marketing", NULL));
    assert_true(rk_role_grants(mk, "marketing", "interests"));
    assert_false(rk_role_grants(mk, "customer", NULL));
    assert_false(rk_role_grants(mk, "marketing", "billing")); /* not held there at all */
    assert_true(rk_role_grants(dpo, "customer", "billing"));
    assert_true(dpo->requests);
    assert_false(sales->requests);
    rk_decl_free(d);
}

static void role_errors(void **state) {
    (void)state;
    assert_contains(rkt_parse_fail(FX_MINIMAL
                                   "roles:\n"
                                   "  - {id: a, name: {fi: A, en: A}, registers: [sales]}\n"),
                    "role.registers: 'sales' is not a declared register");
    assert_contains(rkt_parse_fail(FX_MINIMAL
                                   "roles:\n"
                                   "  - {id: a, name: {fi: A, en: A}, registers: [customer],"
                                   " categories: [iban]}\n"),
                    "'iban' is not a declared category");
    assert_contains(rkt_parse_fail(FX_MINIMAL_WITH_EXTRA_CATEGORY
                                   "roles:\n"
                                   "  - {id: a, name: {fi: A, en: A}, registers: [customer],"
                                   " categories: [fax]}\n"),
                    "'fax' is held by none of this role's registers");
    assert_contains(rkt_parse_fail(FX_MINIMAL
                                   "roles:\n"
                                   "  - {id: a, name: {fi: A, en: A}, registers: [customer]}\n"
                                   "  - {id: a, name: {fi: B, en: B}, registers: [customer]}\n"),
                    "roles: duplicate id 'a'");
}

/* ---- Forms ------------------------------------------------------------------------------- */

#define FX_WEB "sources:\n  - {kind: web_form, registers: [customer]}\n"
#define FORM_HEAD                                                                                  \
    "forms:\n  - id: news\n    name: {fi: Uutiset, en: News}\n    register: customer\n"
#define FORM_TEXT "    consent_text: {fi: Saa lähettää., en: May send.}\n"

static void forms_load(void **state) {
    (void)state;
    struct rk_decl *d =
        rkt_parse(FX_MINIMAL FX_WEB FORM_HEAD
                  "    purpose: marketing\n    fields: [email, name]\n"
                  "    required: [email]\n"
                  "    origins: ['https://www.example.fi', 'http://localhost:8080']\n" FORM_TEXT);
    const struct rk_form *f = rk_decl_form(d, "news");
    assert_non_null(f);
    assert_string_equal(f->reg->id, "customer");
    assert_string_equal(f->purpose->id, "marketing");
    assert_int_equal(f->nfields, 2);
    assert_true(rk_form_origin_allowed(f, "https://www.example.fi"));
    assert_true(rk_form_origin_allowed(f, "http://localhost:8080"));
    assert_false(rk_form_origin_allowed(f, "https://evil.example"));
    assert_false(rk_form_origin_allowed(f, "https://www.example.fi.evil.example"));
    assert_null(rk_decl_form(d, "other"));
    rk_decl_free(d);
}

static void form_errors(void **state) {
    (void)state;
    /* The purpose must rest on consent. */
    const char *msg = rkt_parse_fail(FX_MINIMAL FX_WEB FORM_HEAD
                                     "    purpose: service\n    fields: [email]\n" FORM_TEXT);
    assert_non_null(strstr(msg, "must rest on consent"));
    /* Email is needed for the confirmation link. */
    msg = rkt_parse_fail(FX_MINIMAL FX_WEB FORM_HEAD
                         "    purpose: marketing\n    fields: [name]\n" FORM_TEXT);
    assert_non_null(strstr(msg, "needs 'email'"));
    /* Required fields must be collected. */
    msg = rkt_parse_fail(
        FX_MINIMAL_WITH_EXTRA_CATEGORY FX_WEB FORM_HEAD
        "    purpose: marketing\n    fields: [email]\n    required: [name]\n" FORM_TEXT);
    assert_non_null(strstr(msg, "'name' is not among the form's fields"));
    /* A field the register does not hold, and one that is not a contact field. */
    msg = rkt_parse_fail(FX_MINIMAL_WITH_EXTRA_CATEGORY FX_WEB FORM_HEAD
                         "    purpose: marketing\n    fields: [email, fax]\n" FORM_TEXT);
    assert_non_null(strstr(msg, "does not hold category 'fax'"));
    assert_non_null(strstr(msg, "not a contact field"));
    /* Origins: no path, https (http only for localhost). */
    msg =
        rkt_parse_fail(FX_MINIMAL FX_WEB FORM_HEAD
                       "    purpose: marketing\n    fields: [email]\n"
                       "    origins: ['https://example.fi/form', 'http://example.fi']\n" FORM_TEXT);
    assert_non_null(strstr(msg, "'https://example.fi/form' is not an origin"));
    assert_non_null(strstr(msg, "'http://example.fi' is not an origin"));
    /* Without a web_form source for the register. */
    msg = rkt_parse_fail(FX_MINIMAL FORM_HEAD
                         "    purpose: marketing\n    fields: [email]\n" FORM_TEXT);
    assert_non_null(strstr(msg, "no source of kind web_form"));
    /* Undeclared register. */
    msg = rkt_parse_fail(FX_MINIMAL FX_WEB
                         "forms:\n  - id: news\n    name: {fi: U, en: N}\n    register: nope\n"
                         "    purpose: marketing\n    fields: [email]\n" FORM_TEXT);
    assert_non_null(strstr(msg, "'nope' is not a declared register"));
}

/* ---- Labels, choices, branding and mail (issue 13 A) -------------------------------------- */

#define FX_INTERESTS_CATEGORIES                                                                    \
    "categories:\n"                                                                                \
    "  - {id: name, name: {fi: Nimi, en: Name}, kind: identity, from_subject: true}\n"             \
    "  - {id: email, name: {fi: Sähköposti, en: Email}, kind: contact, from_subject: true}\n"    \
    "  - id: interests\n    name: {fi: Kiinnostustiedot, en: Interests}\n"                         \
    "    choices:\n      - {id: lunch, name: {fi: Lounas, en: Lunch}}\n"                           \
    "      - {id: events, name: {fi: Tapahtumat, en: Events}}\n"
#define FX_INTERESTS_REGISTERS                                                                     \
    "registers:\n  - id: customer\n    name: {fi: A, en: C}\n    subjects: {fi: a, en: c}\n"       \
    "    categories: [name, email, interests]\n    purposes: [marketing, service]\n"               \
    "    retention: {until: [relationship_end]}\n"

static void labels_and_choices_load(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(
        FX_HEAD FX_RIGHTS FX_PURPOSES FX_INTERESTS_CATEGORIES FX_INTERESTS_REGISTERS FX_WEB
            FORM_HEAD
        "    purpose: marketing\n    fields:\n      - {category: email, label: {fi: Osoite, "
        "en: Address}}\n      - name\n      - interests\n" FORM_TEXT);
    const struct rk_form *f = rk_decl_form(d, "news");
    assert_int_equal(f->nfields, 3);
    assert_string_equal(rk_form_label(f, 0, RK_LANG_FI), "Osoite");
    assert_string_equal(rk_form_label(f, 0, RK_LANG_EN), "Address");
    assert_string_equal(rk_form_label(f, 1, RK_LANG_FI), "Nimi"); /* the category's name */
    const struct rk_category *cat = f->fields[2];
    assert_int_equal(cat->nchoices, 2);
    assert_string_equal(rk_category_choice(cat, "events")->name.en, "Events");
    assert_null(rk_category_choice(cat, "golf"));
    /* Branding defaults to the controller's name; no reply-to declared here. */
    assert_string_equal(d->branding.name, "Esimerkki Oy");
    assert_null(rk_decl_reply_to(d));
    rk_decl_free(d);

    /* The example: labels for people, the interests as choices, its branding and mail. */
    d = rkt_load_example();
    f = rk_decl_form(d, "newsletter");
    assert_string_equal(rk_form_label(f, 0, RK_LANG_FI), "Sähköpostiosoite");
    assert_true(f->fields[2]->nchoices >= 3);
    assert_string_equal(d->branding.accent, "#5b2a86");
    assert_true(d->branding.nlinks >= 1);
    assert_string_equal(rk_decl_reply_to(d), "asiakaspalvelu@smartum.fi");
    assert_string_equal(d->mail.from, "uutiskirje@smartum.fi");
    rk_decl_free(d);
}

static void labels_choices_branding_errors(void **state) {
    (void)state;
    /* Choices only on interests. */
    const char *msg = rkt_parse_fail(FX_HEAD FX_RIGHTS FX_PURPOSES
                                     "categories:\n  - id: email\n    name: {fi: S, en: E}\n"
                                     "    choices: [{id: a, name: {fi: A, en: A}}]\n" FX_REGISTERS);
    assert_non_null(strstr(msg, "only the category 'interests' can offer choices"));
    /* A field entry's category must be declared; a label must be fi/en. */
    msg = rkt_parse_fail(FX_MINIMAL FX_WEB FORM_HEAD
                         "    purpose: marketing\n    fields:\n      - {category: nope}\n"
                         "      - {category: email, label: Osoite}\n" FORM_TEXT);
    assert_non_null(strstr(msg, "'nope' is not a declared category"));
    assert_non_null(strstr(msg, "form.fields.label: expected the text in Finnish and English"));
    /* The accent is #rrggbb; links are http(s); files are relative, without "..". */
    msg = rkt_parse_fail(FX_MINIMAL "branding:\n  accent: blue\n  links:\n"
                                    "    - {label: {fi: A, en: A}, url: 'javascript:alert(1)'}\n"
                                    "  logo: ../secret.png\n  stylesheet: /etc/x.css\n");
    assert_non_null(strstr(msg, "branding.accent: expected a colour"));
    assert_non_null(strstr(msg, "branding.links.url: expected an https://"));
    assert_non_null(strstr(msg, "branding.logo: expected a file path relative"));
    assert_non_null(strstr(msg, "branding.stylesheet: expected a file path relative"));
    /* Mail addresses. */
    msg = rkt_parse_fail(FX_MINIMAL "mail: {from: not-an-address, reply_to: 'a@b@c.fi'}\n");
    assert_non_null(strstr(msg, "mail.from: expected one email address"));
    assert_non_null(strstr(msg, "mail.reply_to: expected one email address"));
}

/* The logo and stylesheet are read beside the declaration by rk_decl_load only. */
static void branding_files(void **state) {
    (void)state;
    char dir[] = "/tmp/rk-brand-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], yaml[4096];
    snprintf(yaml, sizeof yaml, "%s%s", FX_MINIMAL,
             "branding:\n  name: Esimerkki\n  logo: logo.svg\n  stylesheet: own.css\n"
             "  accent: '#0B5394'\n");
    snprintf(path, sizeof path, "%s/decl.yaml", dir);
    FILE *f = fopen(path, "w");
    fputs(yaml, f);
    fclose(f);
    /* Missing files: a diagnostic at the key. */
    struct rk_diags diags;
    rk_diags_init(&diags, "decl.yaml");
    struct rk_decl *d = NULL;
    assert_int_equal(rk_decl_load(path, &diags, &d), RK_EDECL);
    assert_true(diags.n >= 2);
    assert_non_null(strstr(diags.items[0].msg, "branding.logo: cannot read 'logo.svg'"));
    /* Present: read, typed, the accent lower-cased. */
    snprintf(path, sizeof path, "%s/logo.svg", dir);
    f = fopen(path, "w");
    fputs("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 10\"></svg>", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/own.css", dir);
    f = fopen(path, "w");
    fputs("h1 { letter-spacing: .01em; }\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/decl.yaml", dir);
    rk_diags_init(&diags, "decl.yaml");
    assert_int_equal(rk_decl_load(path, &diags, &d), RK_OK);
    assert_string_equal(d->branding.logo_type, "image/svg+xml");
    assert_true(d->branding.logo_len > 10);
    assert_non_null(strstr(d->branding.stylesheet_data, "letter-spacing"));
    assert_string_equal(d->branding.accent, "#0b5394");
    rk_decl_free(d);
    /* Not an image, and too big. */
    snprintf(path, sizeof path, "%s/logo.svg", dir);
    f = fopen(path, "w");
    for (int i = 0; i < 110 * 1024; i++)
        fputc('x', f);
    fclose(f);
    snprintf(path, sizeof path, "%s/decl.yaml", dir);
    rk_diags_init(&diags, "decl.yaml");
    assert_int_equal(rk_decl_load(path, &diags, &d), RK_EDECL);
    assert_non_null(strstr(diags.items[0].msg, "larger than 100 KB"));
    snprintf(path, sizeof path, "%s/logo.svg", dir);
    f = fopen(path, "w");
    fputs("GIF89a", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/decl.yaml", dir);
    rk_diags_init(&diags, "decl.yaml");
    assert_int_equal(rk_decl_load(path, &diags, &d), RK_EDECL);
    assert_non_null(strstr(diags.items[0].msg, "not a PNG, SVG, JPEG or WebP image"));
    const char *names[] = {"logo.svg", "own.css", "decl.yaml"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        remove(path);
    }
    rmdir(dir);
}

/* ---- Recipients' connectors and the Mailchimp hook --------------------------------------- */

#define RCP_HEAD                                                                                   \
    "recipients:\n  - id: mc\n    name: Mailchimp\n    role: processor\n    country: US\n"         \
    "    transfer: dpf\n    registers: [customer]\n"

static void connectors_load(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(
        FX_MINIMAL RCP_HEAD
        "    connector: {type: webhook, url: 'https://hooks.example.fi/rk', secret_env: MC_HOOK}\n"
        "    mailchimp: {list_id: a1b2c3, secret_env: MC_INBOUND, purpose: marketing}\n"
        "  - id: crm\n    name: CRM\n    role: processor\n    country: FI\n"
        "    registers: [customer]\n"
        "    connector: {type: opengdpr, url: 'http://127.0.0.1:9000/', secret_env: CRM_TOKEN,\n"
        "                identity_format: sha256}\n");
    const struct rk_recipient *r = rk_decl_recipient(d, "mc");
    assert_int_equal(r->connector.type, RK_CONNECTOR_WEBHOOK);
    assert_string_equal(r->connector.url, "https://hooks.example.fi/rk");
    assert_string_equal(r->connector.secret_env, "MC_HOOK");
    assert_true(r->mailchimp.declared);
    assert_string_equal(r->mailchimp.list_id, "a1b2c3");
    assert_string_equal(r->mailchimp.purpose->id, "marketing");
    r = rk_decl_recipient(d, "crm");
    assert_int_equal(r->connector.type, RK_CONNECTOR_OPENGDPR);
    assert_int_equal(r->connector.identity_format, RK_IDENTITY_SHA256);
    assert_false(r->mailchimp.declared);
    rk_decl_free(d);
}

static void connector_errors(void **state) {
    (void)state;
    static const struct {
        const char *yaml, *expect;
    } cases[] = {
        {"    connector: {type: ftp, url: 'https://x.fi', secret_env: S}\n",
         "recipient.connector.type: "},
        {"    connector: {url: 'https://x.fi', secret_env: S}\n", "required key 'type'"},
        {"    connector: {type: webhook, secret_env: S}\n", "required key 'url'"},
        {"    connector: {type: webhook, url: 'https://x.fi'}\n", "required key 'secret_env'"},
        {"    connector: {type: webhook, url: 'http://x.fi/h', secret_env: S}\n",
         "expected an https:// URL"},
        {"    connector: {type: webhook, url: 'ftp://x.fi', secret_env: S}\n",
         "expected an https:// URL"},
        {"    connector: {type: webhook, url: 'https://x.fi/a b', secret_env: S}\n",
         "expected an https:// URL"},
        {"    connector: {type: webhook, url: 'https://u@x.fi/', secret_env: S}\n",
         "expected an https:// URL"},
        {"    connector: {type: webhook, url: 'https://x.fi/', secret_env: 'hunter2!'}\n",
         "never the secret itself"},
        {"    connector: {type: webhook, url: 'https://x.fi/', secret_env: S,\n"
         "                identity_format: sha256}\n",
         "only an opengdpr connector takes it"},
        {"    connector: {type: opengdpr, url: 'https://x.fi/', secret_env: S,\n"
         "                identity_format: md5}\n",
         "recipient.connector.identity_format: "},
        {"    connector: {type: webhook, url: 'https://x.fi/', secret_env: S, retries: 3}\n",
         "unknown key 'retries'"},
        {"    connector: webhook\n", "expected a mapping"},
        {"    mailchimp: {list_id: abc, secret_env: S}\n", "required key 'purpose'"},
        {"    mailchimp: {list_id: abc, purpose: marketing}\n", "required key 'secret_env'"},
        {"    mailchimp: {secret_env: S, purpose: marketing}\n", "required key 'list_id'"},
        {"    mailchimp: {list_id: 'a-b', secret_env: S, purpose: marketing}\n",
         "expected the audience id"},
        {"    mailchimp: {list_id: abc, secret_env: s, purpose: marketing}\n",
         "never the secret itself"},
        {"    mailchimp: {list_id: abc, secret_env: S, purpose: service}\n",
         "must rest on consent"},
        {"    mailchimp: {list_id: abc, secret_env: S, purpose: nope}\n",
         "'nope' is not a declared purpose"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[4096];
        snprintf(yaml, sizeof yaml, "%s%s%s", FX_MINIMAL, RCP_HEAD, cases[i].yaml);
        const char *msg = rkt_parse_fail(yaml);
        if (!strstr(msg, cases[i].expect))
            fail_msg("case %zu: expected '%s' in: %s", i, cases[i].expect, msg);
    }
    /* Two recipients on one Mailchimp list. */
    const char *msg = rkt_parse_fail(
        FX_MINIMAL RCP_HEAD "    mailchimp: {list_id: abc, secret_env: S, purpose: marketing}\n"
                            "  - id: mc2\n    name: M2\n    role: processor\n    country: FI\n"
                            "    registers: [customer]\n"
                            "    mailchimp: {list_id: abc, secret_env: T, purpose: marketing}\n");
    assert_non_null(strstr(msg, "already declared by recipient 'mc'"));
    /* A purpose none of the recipient's registers declares. */
    msg = rkt_parse_fail(FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES FX_REGISTERS
                         "  - id: other\n    name: {fi: M, en: O}\n    subjects: {fi: m, en: o}\n"
                         "    categories: [email]\n    purposes: [service]\n"
                         "    retention: {period: 1y}\n"
                         "recipients:\n  - id: mc\n    name: M\n    role: processor\n"
                         "    country: FI\n    registers: [other]\n"
                         "    mailchimp: {list_id: abc, secret_env: S, purpose: marketing}\n");
    assert_non_null(strstr(msg, "none of this recipient's registers declares"));
}

/* ---- recipients[].shares and recipients[].purposes ---- */

/* FX_MINIMAL plus a second register (email only, the contract purpose). */
#define FX_TWO_REGISTERS                                                                           \
    FX_MINIMAL "  - id: other\n    name: {fi: Muu, en: Other}\n    subjects: {fi: m, en: o}\n"     \
               "    categories: [email]\n    purposes: [service]\n"                                \
               "    retention: {period: 1y}\n"
#define RCP_TWO                                                                                    \
    "recipients:\n  - id: crm\n    name: CRM\n    role: processor\n    country: FI\n"              \
    "    registers: [customer, other]\n"

/* "LINE:COL: " (1-based) of the first occurrence of needle at or after from in yaml. */
static const char *pos_of(const char *yaml, const char *from, const char *needle) {
    static char out[32];
    const char *at = strstr(from, needle);
    assert_non_null(at);
    unsigned line = 1, col = 1;
    for (const char *p = yaml; p < at; p++, col++)
        if (*p == '\n') {
            line++;
            col = 0;
        }
    snprintf(out, sizeof out, "%u:%u: ", line, col);
    return out;
}

static void shares_load(void **state) {
    (void)state;
    /* The list form applies to every register of the recipient. */
    struct rk_decl *d = rkt_parse(FX_TWO_REGISTERS RCP_TWO "    shares: [email]\n"
                                                           "    purposes: [service]\n");
    const struct rk_recipient *r = rk_decl_recipient(d, "crm");
    assert_int_equal(r->nshares, 2);
    assert_false(r->shares_by_register);
    for (size_t i = 0; i < 2; i++) {
        const struct rk_share *sh = rk_recipient_share(r, r->registers[i]);
        assert_ptr_equal(sh->reg, r->registers[i]);
        assert_int_equal(sh->ncategories, 1);
        assert_string_equal(sh->categories[0]->id, "email");
    }
    assert_true(rk_recipient_serves(r, rk_decl_purpose(d, "service")));
    assert_false(rk_recipient_serves(r, rk_decl_purpose(d, "marketing")));
    rk_decl_free(d);

    /* The map form: each register its own list, in the order of registers. */
    d = rkt_parse(FX_TWO_REGISTERS RCP_TWO
                  "    shares: {other: [email], customer: [name, email]}\n");
    r = rk_decl_recipient(d, "crm");
    assert_true(r->shares_by_register);
    const struct rk_share *sh = rk_recipient_share(r, rk_decl_register(d, "customer"));
    assert_int_equal(sh->ncategories, 2);
    assert_string_equal(sh->categories[0]->id, "name");
    assert_string_equal(sh->categories[1]->id, "email");
    sh = rk_recipient_share(r, rk_decl_register(d, "other"));
    assert_int_equal(sh->ncategories, 1);
    assert_ptr_equal(&r->shares[1], sh);
    assert_int_equal(r->npurposes, 0);
    rk_decl_free(d);

    /* Not declared: no shares; mailchimp.purpose counts as a purpose served. */
    d = rkt_parse(FX_MINIMAL RCP_HEAD
                  "    mailchimp: {list_id: a1b2c3, secret_env: MC_INBOUND, purpose: marketing}\n");
    r = rk_decl_recipient(d, "mc");
    assert_int_equal(r->nshares, 0);
    assert_null(rk_recipient_share(r, r->registers[0]));
    assert_true(rk_recipient_serves(r, rk_decl_purpose(d, "marketing")));
    rk_decl_free(d);
}

static void shares_errors(void **state) {
    (void)state;
    static const struct {
        const char *yaml, *at, *expect;
    } cases[] = {
        {"    shares: [name, fax]\n", "fax", "recipient.shares: 'fax' is not a declared category"},
        {"    shares: []\n", "[]", "recipient.shares: the list is empty"},
        {"    shares: email\n", "email",
         "recipient.shares: expected a list of category ids or a mapping"},
        {"    shares: {customer: [email], nope: [email]}\n", "nope",
         "recipient.shares: 'nope' is not a declared register"},
        {"    shares: {customer: [email], other: [email], third: [email]}\n", "third",
         "recipient.shares: register 'third' is not among this recipient's registers"},
        {"    shares: {customer: [email]}\n", "{",
         "recipient.shares: nothing declared for register 'other'"},
        {"    shares: {customer: [email], other: [fax]}\n", "fax",
         "recipient.shares: 'fax' is not a declared category"},
        {"    shares: {customer: [email], other: []}\n", "[]",
         "recipient.shares: the list is empty"},
        {"    purposes: [nope]\n", "nope", "recipient.purposes: 'nope' is not a declared purpose"},
        {"    purposes: [gone]\n", "[",
         "recipient.purposes: none of this recipient's registers declares purpose 'gone'"},
        {"    purposes: service\n", "service", "recipient.purposes: expected a list"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[4096];
        snprintf(
            yaml, sizeof yaml, "%s%s%s",
            FX_HEAD FX_RIGHTS FX_PURPOSES
            "  - {id: gone, name: {fi: p, en: g}, basis: contract}\n" FX_CATEGORIES FX_REGISTERS
            "  - {id: other, name: {fi: M, en: O}, subjects: {fi: m, en: o}, categories: "
            "[email], purposes: [service], retention: {period: 1y}}\n"
            "  - {id: third, name: {fi: K, en: T}, subjects: {fi: k, en: t}, categories: "
            "[email], purposes: [service], retention: {period: 1y}}\n"
            "  - {id: gone_reg, name: {fi: G, en: G}, subjects: {fi: g, en: g}, categories: "
            "[email], purposes: [gone], retention: {period: 1y}}\n",
            RCP_TWO, cases[i].yaml);
        const char *msg = rkt_parse_fail(yaml);
        char want[512];
        snprintf(want, sizeof want, "%s%s",
                 pos_of(yaml, strstr(yaml, cases[i].yaml) + 4, cases[i].at), cases[i].expect);
        if (!strstr(msg, want))
            fail_msg("case %zu: expected '%s' in: %s", i, want, msg);
    }
}

/* ---- Client connectors: mailchimp and salesforce (issue 15) ---- */

#define MC_CONN "    connector: {type: mailchimp, list_id: a1b2c3, api_key_env: MC_KEY"
#define SF_CONN                                                                                    \
    "    connector: {type: salesforce, instance_url: 'https://x.my.salesforce.com',\n"             \
    "                client_id_env: SF_ID, client_secret_env: SF_SECRET,\n"                        \
    "                external_id_field: Rekisteri_Id__c, restriction_field: Restricted__c"

static void client_connectors_load(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(FX_MINIMAL RCP_HEAD MC_CONN
                                  ", purpose: marketing}\n"
                                  "    shares: [name, email]\n"
                                  "  - id: crm\n    name: CRM\n    role: processor\n"
                                  "    country: FI\n    registers: [customer]\n" SF_CONN "}\n"
                                  "    shares: [name, email]\n");
    const struct rk_recipient *r = rk_decl_recipient(d, "mc");
    assert_int_equal(r->connector.type, RK_CONNECTOR_MAILCHIMP);
    assert_string_equal(r->connector.list_id, "a1b2c3");
    assert_string_equal(r->connector.api_key_env, "MC_KEY");
    assert_null(r->connector.url);
    assert_string_equal(r->connector.purpose->id, "marketing");
    assert_string_equal(r->connector.restricted_tag, "rekisteri: restricted");
    assert_true(rk_recipient_serves(r, r->connector.purpose));
    r = rk_decl_recipient(d, "crm");
    assert_int_equal(r->connector.type, RK_CONNECTOR_SALESFORCE);
    assert_string_equal(r->connector.url, "https://x.my.salesforce.com");
    assert_string_equal(r->connector.client_id_env, "SF_ID");
    assert_string_equal(r->connector.client_secret_env, "SF_SECRET");
    assert_string_equal(r->connector.external_id_field, "Rekisteri_Id__c");
    assert_string_equal(r->connector.restriction_field, "Restricted__c");
    assert_string_equal(r->connector.api_version, "60.0");
    assert_null(r->connector.token_url);
    assert_null(r->connector.purpose);
    rk_decl_free(d);

    /* The optional keys; the purpose from the recipient's mailchimp hook. */
    d = rkt_parse(FX_MINIMAL RCP_HEAD MC_CONN
                  ", url: 'http://127.0.0.1:8080/3.0',\n"
                  "                restricted_tag: Kielletty}\n"
                  "    mailchimp: {list_id: a1b2c3, secret_env: S, "
                  "purpose: marketing}\n"
                  "  - id: crm\n    name: CRM\n    role: processor\n"
                  "    country: FI\n    registers: [customer]\n" SF_CONN
                  ",\n                api_version: '61.0', token_url: 'https://login.x.com/t'}\n");
    r = rk_decl_recipient(d, "mc");
    assert_string_equal(r->connector.url, "http://127.0.0.1:8080/3.0");
    assert_string_equal(r->connector.restricted_tag, "Kielletty");
    assert_string_equal(r->connector.purpose->id, "marketing");
    r = rk_decl_recipient(d, "crm");
    assert_string_equal(r->connector.api_version, "61.0");
    assert_string_equal(r->connector.token_url, "https://login.x.com/t");
    rk_decl_free(d);
}

static void client_connector_errors(void **state) {
    (void)state;
    static const struct {
        const char *yaml, *expect;
    } cases[] = {
        /* mailchimp: required keys, keys of other types, values */
        {"    connector: {type: mailchimp, api_key_env: K, purpose: marketing}\n",
         "required key 'list_id' is missing (a mailchimp connector needs it)"},
        {"    connector: {type: mailchimp, list_id: abc, purpose: marketing}\n",
         "required key 'api_key_env' is missing"},
        {MC_CONN "}\n", "a mailchimp connector subscribes the audience of a purpose"},
        {MC_CONN ", purpose: marketing, secret_env: S}\n",
         "recipient.connector.secret_env: a mailchimp connector does not take this key"},
        {MC_CONN ", purpose: marketing, external_id_field: X__c}\n",
         "recipient.connector.external_id_field: a mailchimp connector does not take this key"},
        {MC_CONN ", purpose: marketing, identity_format: raw}\n",
         "recipient.connector.identity_format: a mailchimp connector does not take this key"},
        {"    connector: {type: mailchimp, list_id: 'a-b', api_key_env: K, purpose: marketing}\n",
         "recipient.connector.list_id: expected the audience id"},
        {"    connector: {type: mailchimp, list_id: abc, api_key_env: 'sk-123', purpose: "
         "marketing}\n",
         "recipient.connector.api_key_env: expected the name of an environment variable"},
        {MC_CONN ", purpose: marketing, url: 'http://api.mailchimp.com/3.0'}\n",
         "recipient.connector.url: expected an https:// URL"},
        {MC_CONN ", purpose: marketing, restricted_tag: ''}\n",
         "recipient.connector.restricted_tag: "},
        {MC_CONN ", purpose: nope}\n", "'nope' is not a declared purpose"},
        {MC_CONN ", purpose: service}\n",
         "recipient.connector.purpose: 'service' rests on contract"},
        {MC_CONN ", purpose: marketing}\n    mailchimp: {list_id: zzz, secret_env: S, purpose: "
                 "marketing}\n",
         "recipient.connector.list_id: 'a1b2c3' is not the audience of this recipient's "
         "mailchimp hook ('zzz')"},
        {MC_CONN ", purpose: marketing}\n    shares: [name]\n",
         "shares from register 'customer' do not include email"},
        /* salesforce */
        {"    connector: {type: salesforce, client_id_env: I, client_secret_env: S,\n"
         "                external_id_field: E__c, restriction_field: R__c}\n",
         "required key 'instance_url' is missing (a salesforce connector needs it)"},
        {"    connector: {type: salesforce, instance_url: 'https://x.fi', client_secret_env: S,\n"
         "                external_id_field: E__c, restriction_field: R__c}\n",
         "required key 'client_id_env' is missing"},
        {"    connector: {type: salesforce, instance_url: 'https://x.fi', client_id_env: I,\n"
         "                external_id_field: E__c, restriction_field: R__c}\n",
         "required key 'client_secret_env' is missing"},
        {"    connector: {type: salesforce, instance_url: 'https://x.fi', client_id_env: I,\n"
         "                client_secret_env: S, restriction_field: R__c}\n",
         "required key 'external_id_field' is missing"},
        {"    connector: {type: salesforce, instance_url: 'https://x.fi', client_id_env: I,\n"
         "                client_secret_env: S, external_id_field: E__c}\n",
         "required key 'restriction_field' is missing"},
        {SF_CONN ", url: 'https://x.fi'}\n",
         "recipient.connector.url: a salesforce connector does not take this key"},
        {SF_CONN ", list_id: abc}\n",
         "recipient.connector.list_id: a salesforce connector does not take this key"},
        {SF_CONN ", purpose: marketing}\n",
         "recipient.connector.purpose: a salesforce connector does not take this key"},
        {"    connector: {type: salesforce, instance_url: 'http://x.my.salesforce.com',\n"
         "                client_id_env: I, client_secret_env: S,\n"
         "                external_id_field: E__c, restriction_field: R__c}\n",
         "recipient.connector.instance_url: expected an https:// URL"},
        {"    connector: {type: salesforce, instance_url: 'https://x.fi', client_id_env: i,\n"
         "                client_secret_env: S, external_id_field: E__c, restriction_field: "
         "R__c}\n",
         "recipient.connector.client_id_env: expected the name of an environment variable"},
        {"    connector: {type: salesforce, instance_url: 'https://x.fi', client_id_env: I,\n"
         "                client_secret_env: S, external_id_field: 'Id; DROP',\n"
         "                restriction_field: R__c}\n",
         "recipient.connector.external_id_field: expected a Contact field's API name"},
        {"    connector: {type: salesforce, instance_url: 'https://x.fi', client_id_env: I,\n"
         "                client_secret_env: S, external_id_field: E__c, restriction_field: "
         "_R}\n",
         "recipient.connector.restriction_field: expected a Contact field's API name"},
        {"    connector: {type: salesforce, instance_url: 'https://x.fi', client_id_env: I,\n"
         "                client_secret_env: S, external_id_field: E__c, restriction_field: "
         "E__c}\n",
         "must be another field than external_id_field"},
        {"    connector: {type: salesforce, instance_url: 'https://x.fi', client_id_env: I,\n"
         "                client_secret_env: S, external_id_field: A__B__c, restriction_field: "
         "R__c}\n",
         "recipient.connector.external_id_field: expected a Contact field's API name"},
        {"    connector: {type: salesforce, instance_url: 'https://x.fi', client_id_env: I,\n"
         "                client_secret_env: S, external_id_field: E__c, restriction_field: "
         "R_}\n",
         "recipient.connector.restriction_field: expected a Contact field's API name"},
        {SF_CONN ", token_url: 'https://x.fi/"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaaaaaaaaaa"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                 "aaaaaaaaaaaa"
                 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'}\n",
         "recipient.connector.token_url: at most 255 bytes"},
        {SF_CONN ", api_version: v60}\n", "recipient.connector.api_version: expected"},
        {SF_CONN ", api_version: '60.5'}\n", "recipient.connector.api_version: expected"},
        {SF_CONN ", token_url: 'ftp://x.fi/t'}\n",
         "recipient.connector.token_url: expected an https:// URL"},
        /* the hooks refuse the clients' keys */
        {"    connector: {type: webhook, url: 'https://x.fi/', secret_env: S, list_id: abc}\n",
         "recipient.connector.list_id: a webhook connector does not take this key"},
        {"    connector: {type: opengdpr, url: 'https://x.fi/', secret_env: S,\n"
         "                client_id_env: I}\n",
         "recipient.connector.client_id_env: a opengdpr connector does not take this key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char yaml[4096];
        snprintf(yaml, sizeof yaml, "%s%s%s", FX_MINIMAL, RCP_HEAD, cases[i].yaml);
        const char *msg = rkt_parse_fail(yaml);
        if (!strstr(msg, cases[i].expect))
            fail_msg("case %zu: expected '%s' in: %s", i, cases[i].expect, msg);
    }
    /* The position is the connector's (a required key missing) or the key's. */
    const char *yaml = FX_MINIMAL RCP_HEAD "    connector: {type: mailchimp, list_id: abc,\n"
                                           "                api_key_env: K, purpose: service}\n";
    const char *msg = rkt_parse_fail(yaml);
    assert_non_null(strstr(msg, pos_of(yaml, yaml + strlen(FX_MINIMAL), "service}")));
    /* A purpose none of the recipient's registers declares. */
    msg = rkt_parse_fail(FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES FX_REGISTERS
                         "  - id: other\n    name: {fi: M, en: O}\n    subjects: {fi: m, en: o}\n"
                         "    categories: [email]\n    purposes: [service]\n"
                         "    retention: {period: 1y}\n"
                         "recipients:\n  - id: mc\n    name: M\n    role: processor\n"
                         "    country: FI\n    registers: [other]\n" MC_CONN
                         ", purpose: marketing}\n");
    assert_non_null(strstr(msg, "recipient.connector.purpose: none of this recipient's registers "
                                "declares purpose 'marketing'"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example_loads_with_all_facts),
        cmocka_unit_test(minimal_loads),
        cmocka_unit_test(unknown_key_is_refused_with_position),
        cmocka_unit_test(unknown_nested_key_is_refused),
        cmocka_unit_test(duplicate_id_is_refused),
        cmocka_unit_test(duplicate_key_is_refused),
        cmocka_unit_test(undeclared_category_is_refused),
        cmocka_unit_test(undeclared_register_in_recipient_is_refused),
        cmocka_unit_test(undeclared_purpose_is_refused),
        cmocka_unit_test(source_purpose_outside_its_registers_is_refused),
        cmocka_unit_test(missing_required_key_is_refused),
        cmocka_unit_test(text_needs_both_languages),
        cmocka_unit_test(bad_scalars_are_refused),
        cmocka_unit_test(consent_block_only_for_consent),
        cmocka_unit_test(consent_keep_evidence),
        cmocka_unit_test(automated_decisions_need_logic),
        cmocka_unit_test(retention_needs_events_or_period),
        cmocka_unit_test(timezone_is_checked_and_defaulted),
        cmocka_unit_test(cookies_need_categories),
        cmocka_unit_test(cookies_refusals),
        cmocka_unit_test(profiling_loads),
        cmocka_unit_test(profiling_refusals),
        cmocka_unit_test(direct_marketing_loads),
        cmocka_unit_test(direct_marketing_refusals),
        cmocka_unit_test(balancing_test_loads_and_refusals),
        cmocka_unit_test(special_categories_load),
        cmocka_unit_test(special_categories_refusals),
        cmocka_unit_test(children_load),
        cmocka_unit_test(children_refusals),
        cmocka_unit_test(source_name_and_categories),
        cmocka_unit_test(transfer_extras_load),
        cmocka_unit_test(transfer_extras_refusals),
        cmocka_unit_test(countries_are_iso_3166_1),
        cmocka_unit_test(automated_decision_keys),
        cmocka_unit_test(automated_decision_refusals),
        cmocka_unit_test(financial_year_end_loads_and_refusals),
        cmocka_unit_test(erasure_from_end_of_financial_period),
        cmocka_unit_test(erasure_label_from_financial_period),
        cmocka_unit_test(financial_period_end),
        cmocka_unit_test(category_keep_until),
        cmocka_unit_test(empty_and_non_mapping_are_refused),
        cmocka_unit_test(malformed_yaml_is_refused_with_position),
        cmocka_unit_test(binary_is_refused),
        cmocka_unit_test(alias_bomb_is_refused),
        cmocka_unit_test(small_aliases_are_allowed),
        cmocka_unit_test(deep_nesting_is_refused),
        cmocka_unit_test(many_problems_are_all_reported),
        cmocka_unit_test(file_errors),
        cmocka_unit_test(roles_grant_registers_and_categories),
        cmocka_unit_test(role_errors),
        cmocka_unit_test(forms_load),
        cmocka_unit_test(form_errors),
        cmocka_unit_test(labels_and_choices_load),
        cmocka_unit_test(labels_choices_branding_errors),
        cmocka_unit_test(branding_files),
        cmocka_unit_test(connectors_load),
        cmocka_unit_test(connector_errors),
        cmocka_unit_test(client_connectors_load),
        cmocka_unit_test(client_connector_errors),
        cmocka_unit_test(shares_load),
        cmocka_unit_test(shares_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
