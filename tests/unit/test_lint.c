/*
 * test_lint.c — every lint rule fires on a declaration that breaks it and
 * stays quiet on one that does not; the example gets exactly the findings
 * the source notice deserves.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "decl/lint.h"
#include "fixtures.h"
#include "testutil.h"

/* How many findings of rule the declaration in yaml gets. */
static size_t count_rule(const char *yaml, const char *rule) {
    struct rk_decl *d = rkt_parse(yaml);
    struct rk_findings f;
    rk_findings_init(&f);
    assert_int_equal(rk_lint_run(d, &f), RK_OK);
    size_t n = 0;
    for (size_t i = 0; i < f.n; i++)
        n += strcmp(f.items[i].rule, rule) == 0;
    rk_findings_cleanup(&f);
    rk_decl_free(d);
    return n;
}

#define RECIPIENT(country, transfer)                                                               \
    "recipients:\n"                                                                                \
    "  - id: crm\n"                                                                                \
    "    name: CRM Inc\n"                                                                          \
    "    role: processor\n"                                                                        \
    "    country: " country "\n" transfer "    registers: [customer]\n"

static void minimal_is_clean(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(FX_MINIMAL);
    struct rk_findings f;
    rk_findings_init(&f);
    assert_int_equal(rk_lint_run(d, &f), RK_OK);
    for (size_t i = 0; i < f.n; i++)
        print_message("unexpected finding %s: %s\n", f.items[i].rule, f.items[i].message);
    assert_int_equal(f.n, 0);
    rk_findings_cleanup(&f);
    rk_decl_free(d);
}

static void privacy_shield(void **state) {
    (void)state;
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: privacy_shield\n"),
                                "transfer-privacy-shield"),
                     1);
    assert_int_equal(
        count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: dpf\n"), "transfer-privacy-shield"),
        0);
}

static void transfer_mechanism_missing(void **state) {
    (void)state;
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("US", ""), "transfer-mechanism-missing"), 1);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("IN", ""), "transfer-mechanism-missing"), 1);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: scc\n"),
                                "transfer-mechanism-missing"),
                     0);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("SE", ""), "transfer-mechanism-missing"), 0);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("CH", ""), "transfer-mechanism-missing"), 0);
}

static void transfer_mechanism_invalid(void **state) {
    (void)state;
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: adequacy\n"),
                                "transfer-mechanism-invalid"),
                     1);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("IN", "    transfer: dpf\n"),
                                "transfer-mechanism-invalid"),
                     1);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("JP", "    transfer: adequacy\n"),
                                "transfer-mechanism-invalid"),
                     0);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: dpf\n"),
                                "transfer-mechanism-invalid"),
                     0);
    /* A country with an adequacy decision needs no declared mechanism: the law supplies it. */
    struct rk_decl *d = rkt_parse(FX_MINIMAL RECIPIENT("GB", ""));
    assert_int_equal(d->recipients[0].transfer, RK_TRANSFER_ADEQUACY);
    rk_decl_free(d);
}

static void legitimate_interest_missing(void **state) {
    (void)state;
    const char *base = FX_HEAD FX_RIGHTS FX_CATEGORIES FX_REGISTERS;
    char yaml[4096];
    snprintf(yaml, sizeof yaml, "%s%s", base,
             "purposes:\n"
             "  - {id: marketing, name: {fi: m, en: m}, basis: legitimate_interests}\n"
             "  - {id: service, name: {fi: p, en: s}, basis: contract}\n");
    assert_int_equal(count_rule(yaml, "legitimate-interest-missing"), 1);
    snprintf(yaml, sizeof yaml, "%s%s", base,
             "purposes:\n"
             "  - {id: marketing, name: {fi: m, en: m}, basis: legitimate_interests,\n"
             "     legitimate_interest: {fi: B2B-markkinointi, en: B2B marketing}}\n"
             "  - {id: service, name: {fi: p, en: s}, basis: contract}\n");
    assert_int_equal(count_rule(yaml, "legitimate-interest-missing"), 0);
}

#define REGISTER_WITHOUT_RETENTION                                                                 \
    "registers:\n"                                                                                 \
    "  - id: customer\n"                                                                           \
    "    name: {fi: Asiakasrekisteri, en: Customer register}\n"                                    \
    "    subjects: {fi: asiakkaat, en: customers}\n"                                               \
    "    categories: [name, email]\n"                                                              \
    "    purposes: [marketing, service]\n"

static void register_retention_missing(void **state) {
    (void)state;
    assert_int_equal(count_rule(FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES
                                    REGISTER_WITHOUT_RETENTION,
                                "register-retention-missing"),
                     1);
    assert_int_equal(count_rule(FX_MINIMAL, "register-retention-missing"), 0);
    /* A retention rule that says nothing is refused by the loader. */
    assert_non_null(strstr(rkt_parse_fail(FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES
                                              REGISTER_WITHOUT_RETENTION "    retention: {}\n"),
                           "say how long data is kept"));
}

static void consent_withdrawal_missing(void **state) {
    (void)state;
    assert_int_equal(count_rule(FX_HEAD FX_RIGHTS FX_CATEGORIES FX_REGISTERS
                                "purposes:\n"
                                "  - {id: marketing, name: {fi: m, en: m}, basis: consent,"
                                " consent: {validity: 2y}}\n"
                                "  - {id: service, name: {fi: p, en: s}, basis: contract}\n",
                                "consent-withdrawal-missing"),
                     1);
    assert_int_equal(count_rule(FX_MINIMAL, "consent-withdrawal-missing"), 0);
}

static void source_basis_mismatch(void **state) {
    (void)state;
    /* Public data feeding consent- and contract-based purposes only. */
    assert_int_equal(count_rule(FX_MINIMAL "sources:\n"
                                           "  - {kind: public_source, registers: [customer]}\n",
                                "source-basis-mismatch"),
                     1);
    assert_int_equal(count_rule(FX_MINIMAL "sources:\n"
                                           "  - {kind: public_source, registers: [customer],"
                                           " purposes: [marketing]}\n",
                                "source-basis-mismatch"),
                     1);
    /* The same source resting on a declared legitimate interest is fine. */
    assert_int_equal(count_rule(FX_HEAD FX_RIGHTS FX_CATEGORIES
                                "purposes:\n"
                                "  - id: acquisition\n"
                                "    name: {fi: asiakashankinta, en: customer acquisition}\n"
                                "    basis: legitimate_interests\n"
                                "    legitimate_interest: {fi: B2B-myynti, en: B2B sales}\n"
                                "registers:\n"
                                "  - id: customer\n"
                                "    name: {fi: A, en: C}\n"
                                "    subjects: {fi: a, en: c}\n"
                                "    categories: [name, email]\n"
                                "    purposes: [acquisition]\n"
                                "    retention: {prospects: 1y, until: [purpose_fulfilled]}\n"
                                "sources:\n"
                                "  - {kind: public_source, registers: [customer]}\n",
                                "source-basis-mismatch"),
                     0);
    /* Data from the person themself may rest on consent. */
    assert_int_equal(count_rule(FX_MINIMAL "sources:\n"
                                           "  - {kind: web_form, registers: [customer]}\n",
                                "source-basis-mismatch"),
                     0);
}

static void art14_note(void **state) {
    (void)state;
    assert_int_equal(count_rule(FX_MINIMAL "sources:\n"
                                           "  - {kind: third_party, registers: [customer]}\n",
                                "art14-inform-indirect"),
                     1);
    assert_int_equal(count_rule(FX_MINIMAL "sources:\n"
                                           "  - {kind: meeting, registers: [customer]}\n",
                                "art14-inform-indirect"),
                     0);
}

static void billing_retention_missing(void **state) {
    (void)state;
    const char *regs = "registers:\n"
                       "  - id: customer\n"
                       "    name: {fi: A, en: C}\n"
                       "    subjects: {fi: a, en: c}\n"
                       "    categories: [name, email, billing]\n"
                       "    purposes: [service]\n"
                       "    retention: {until: [contract_end]}\n";
    char yaml[4096];
    snprintf(yaml, sizeof yaml, "%s%s%s  - {id: billing, name: {fi: L, en: B}, kind: billing}\n%s",
             FX_HEAD FX_RIGHTS, FX_PURPOSES, FX_CATEGORIES, regs);
    assert_int_equal(count_rule(yaml, "billing-retention-missing"), 1);
    snprintf(yaml, sizeof yaml,
             "%s%s%s  - id: billing\n"
             "    name: {fi: L, en: B}\n"
             "    kind: billing\n"
             "    erasure:\n"
             "      keep_years: 6\n"
             "      from: end_of_calendar_year\n"
             "      obligation: {fi: Kirjanpitolaki 2:10, en: Accounting Act 2:10}\n%s",
             FX_HEAD FX_RIGHTS, FX_PURPOSES, FX_CATEGORIES, regs);
    assert_int_equal(count_rule(yaml, "billing-retention-missing"), 0);
    struct rk_decl *d = rkt_parse(yaml);
    const struct rk_category *c = rk_decl_category(d, "billing");
    assert_int_equal(c->erasure.rule, RK_ERASE_KEEP);
    assert_int_equal(c->erasure.keep_years, 6);
    assert_int_equal(c->erasure.from, RK_FROM_END_OF_CALENDAR_YEAR);
    rk_decl_free(d);
}

static void verification_in_person_only(void **state) {
    (void)state;
    assert_int_equal(count_rule(FX_HEAD FX_PURPOSES FX_CATEGORIES FX_REGISTERS
                                "rights: {verification: [in_person]}\n",
                                "verification-in-person-only"),
                     1);
    assert_int_equal(count_rule(FX_MINIMAL, "verification-in-person-only"), 0);
}

static void mail_limits_lax(void **state) {
    (void)state;
    assert_int_equal(count_rule(FX_MINIMAL "mail_limits: {min_interval: 30s}\n", "mail-limits-lax"),
                     1);
    assert_int_equal(count_rule(FX_MINIMAL "mail_limits: {per_day: 100}\n", "mail-limits-lax"), 1);
    assert_int_equal(
        count_rule(FX_MINIMAL "mail_limits: {min_interval: 1min, per_day: 24}\n", "mail-limits-lax"),
        0);
    assert_int_equal(count_rule(FX_MINIMAL, "mail-limits-lax"), 0);
}

static void branding_accent_contrast(void **state) {
    (void)state;
    /* #767676 is the lightest grey with 4.5:1 on white; #777777 falls just short. */
    assert_true(rk_contrast_on_white("#767676") >= 4.5);
    assert_true(rk_contrast_on_white("#777777") < 4.5);
    assert_true(rk_contrast_on_white("#000000") > 20.9);
    assert_int_equal(
        count_rule(FX_MINIMAL "branding: {accent: '#ffcc00'}\n", "branding-accent-contrast"), 1);
    assert_int_equal(
        count_rule(FX_MINIMAL "branding: {accent: '#0b5394'}\n", "branding-accent-contrast"), 0);
    assert_int_equal(count_rule(FX_MINIMAL, "branding-accent-contrast"), 0);
}

static void mail_reply_to_missing(void **state) {
    (void)state;
    /* A mail section (or forms) without any address for replies. */
    assert_int_equal(
        count_rule(FX_MINIMAL "mail: {from: news@example.fi}\n", "mail-reply-to-missing"), 1);
    assert_int_equal(count_rule(FX_MINIMAL "mail: {from: news@example.fi, reply_to: "
                                           "help@example.fi}\n",
                                "mail-reply-to-missing"),
                     0);
    assert_int_equal(count_rule(FX_MINIMAL, "mail-reply-to-missing"), 0);
}

static void category_unused(void **state) {
    (void)state;
    assert_int_equal(count_rule(FX_MINIMAL_WITH_EXTRA_CATEGORY, "category-unused"), 1);
    assert_int_equal(count_rule(FX_MINIMAL, "category-unused"), 0);
}

static void security_and_dates(void **state) {
    (void)state;
    const char *no_security = "rekisteri: 1\n"
                              "controller: {name: X Oy, business_id: 1234567-8, address: A,"
                              " phone: '1'}\n"
                              "supervisory_authority: {name: {fi: T, en: O}}\n" FX_RIGHTS
                                  FX_PURPOSES FX_CATEGORIES FX_REGISTERS;
    assert_int_equal(count_rule(no_security, "security-measures-missing"), 1);
    assert_int_equal(count_rule(no_security, "notice-date-missing"), 1);
    assert_int_equal(count_rule(FX_MINIMAL, "security-measures-missing"), 0);
    assert_int_equal(count_rule(FX_MINIMAL, "notice-date-missing"), 0);
}

/* A cookies: section: an essential category with VENDOR, a consent one with CONSENT_VENDORS. */
#define COOKIES(description, essential_vendors, consent_vendors)                                   \
    "cookies:\n" description "  categories:\n"                                                     \
    "    - id: essential\n"                                                                       \
    "      name: {fi: Välttämättömät, en: Necessary}\n"                                           \
    "      essential: true\n" essential_vendors                                                    \
    "    - id: analytics\n"                                                                       \
    "      name: {fi: Analytiikka, en: Analytics}\n" consent_vendors
#define OWN_COOKIE                                                                                 \
    "      vendors: [{name: Esimerkki Oy, country: FI, cookies: [{name: rk_consent, "             \
    "lifetime: 12m}]}]\n"
#define GA_DPF "      vendors: [{name: Google Analytics, country: US, transfer: dpf}]\n"

static void cookie_essential_tracker(void **state) {
    (void)state;
    const char *rule = "cookie-essential-tracker";
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE, GA_DPF), rule), 0);
    /* by the vendor's name */
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("", "      vendors: [{name: Google Tag Manager, country: "
                                          "US, transfer: dpf}]\n", GA_DPF),
                   rule),
        1);
    /* by a cookie, exact or by prefix, whoever the vendor says it is */
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("", "      vendors: [{name: Oma, country: FI, cookies: "
                                          "[{name: _ga_*, lifetime: 2y}]}]\n", GA_DPF),
                   rule),
        1);
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("", "      vendors: [{name: Oma, country: FI, cookies: "
                                          "[{name: _fbp, lifetime: 90d}]}]\n", GA_DPF),
                   rule),
        1);
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("", "      vendors: [{name: Oma, country: FI, cookies: "
                                          "[{name: frontend_lang, lifetime: 1y}]}]\n", GA_DPF),
                   rule),
        0); /* 'fr' is a tracker only as the whole name */
}

static void cookie_browser_settings(void **state) {
    (void)state;
    const char *rule = "cookie-browser-settings";
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("  description: {fi: Käytämme evästeitä., "
                                                   "en: We use cookies.}\n",
                                                   OWN_COOKIE, GA_DPF),
                                rule),
                     0);
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("  description: {fi: Evästeet voi kytkeä pois "
                                                   "selaimen asetuksista., en: We use cookies.}\n",
                                                   OWN_COOKIE, GA_DPF),
                                rule),
                     1);
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("  description: {fi: Käytämme evästeitä., "
                                                   "en: Cookies can be disabled in the Browser "
                                                   "Settings.}\n",
                                                   OWN_COOKIE, GA_DPF),
                                rule),
                     1);
}

static void cookie_vendors_missing(void **state) {
    (void)state;
    const char *rule = "cookie-vendors-missing";
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE, GA_DPF), rule), 0);
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE, ""), rule), 1);
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("", "", GA_DPF), rule), 0); /* essential */
}

/* A cookie vendor outside the EEA goes through the recipients' transfer rules. */
static void cookie_vendor_transfers(void **state) {
    (void)state;
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE, GA_DPF),
                                "transfer-mechanism-missing"),
                     0);
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE,
                                      "      vendors: [{name: Tracker, country: US}]\n"),
                   "transfer-mechanism-missing"),
        1);
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE, "      vendors: [{name: Tracker, country: "
                                                      "US, transfer: privacy_shield}]\n"),
                   "transfer-privacy-shield"),
        1);
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE,
                                      "      vendors: [{name: Tracker, country: IN, transfer: "
                                      "dpf}]\n"),
                   "transfer-mechanism-invalid"),
        1);
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE,
                                                   "      vendors: [{name: Survey, country: PL}]\n"),
                                "transfer-mechanism-missing"),
                     0);
}

/* ---- recipients[].shares ---- */

#define CRM  RECIPIENT("FI", "")
#define HOOK "    connector: {type: webhook, url: 'https://x.fi/h', secret_env: HOOK}\n"

static void recipient_share_not_held(void **state) {
    (void)state;
    const char *yaml = FX_MINIMAL_WITH_EXTRA_CATEGORY CRM "    shares: [name, fax]\n"
                                                          "    purposes: [service]\n";
    assert_int_equal(count_rule(yaml, "recipient-share-not-held"), 1);
    /* The finding points at the shares list and names the category and the register. */
    struct rk_decl *d = rkt_parse(yaml);
    struct rk_findings f;
    rk_findings_init(&f);
    assert_int_equal(rk_lint_run(d, &f), RK_OK);
    size_t hits = 0;
    for (size_t i = 0; i < f.n; i++) {
        if (strcmp(f.items[i].rule, "recipient-share-not-held") != 0)
            continue;
        hits++;
        assert_int_equal(f.items[i].severity, RK_SEV_ERROR);
        assert_int_equal(f.items[i].loc.line, rk_decl_recipient(d, "crm")->shares_loc.line);
        assert_non_null(strstr(f.items[i].message, "category 'fax'"));
        assert_non_null(strstr(f.items[i].message, "register 'customer'"));
    }
    assert_int_equal(hits, 1);
    rk_findings_cleanup(&f);
    rk_decl_free(d);
    /* The map form is judged per register. */
    assert_int_equal(count_rule(FX_MINIMAL_WITH_EXTRA_CATEGORY CRM "    shares: {customer: [fax]}\n"
                                                                   "    purposes: [service]\n",
                                "recipient-share-not-held"),
                     1);
    assert_int_equal(count_rule(FX_MINIMAL CRM "    shares: {customer: [name, email]}\n"
                                               "    purposes: [service]\n",
                                "recipient-share-not-held"),
                     0);
}

static void recipient_shares_missing(void **state) {
    (void)state;
    assert_int_equal(count_rule(FX_MINIMAL CRM HOOK, "recipient-shares-missing"), 1);
    assert_int_equal(
        count_rule(FX_MINIMAL CRM
                   "    mailchimp: {list_id: abc, secret_env: S, purpose: marketing}\n",
                   "recipient-shares-missing"),
        1);
    assert_int_equal(count_rule(FX_MINIMAL CRM HOOK "    shares: [email]\n"
                                                    "    purposes: [marketing]\n",
                                "recipient-shares-missing"),
                     0);
    /* Without a connector nothing is sent automatically: the rule stays quiet. */
    assert_int_equal(count_rule(FX_MINIMAL CRM, "recipient-shares-missing"), 0);
}

static void recipient_purpose_missing(void **state) {
    (void)state;
    /* The customer register's marketing purpose rests on consent. */
    assert_int_equal(
        count_rule(FX_MINIMAL CRM "    shares: [email]\n", "recipient-purpose-missing"), 1);
    assert_int_equal(count_rule(FX_MINIMAL CRM "    shares: [email]\n    purposes: [service]\n",
                                "recipient-purpose-missing"),
                     0);
    assert_int_equal(
        count_rule(FX_MINIMAL CRM
                   "    shares: [email]\n"
                   "    mailchimp: {list_id: abc, secret_env: S, purpose: marketing}\n",
                   "recipient-purpose-missing"),
        0);
    /* A mailchimp connector's purpose is the purpose it serves. */
    assert_int_equal(count_rule(FX_MINIMAL CRM "    shares: [email]\n"
                                               "    connector: {type: mailchimp, list_id: abc, "
                                               "api_key_env: K, purpose: marketing}\n",
                                "recipient-purpose-missing"),
                     0);
    /* A register without a consent-based purpose needs no named purpose. */
    assert_int_equal(
        count_rule(FX_MINIMAL "  - {id: other, name: {fi: M, en: O}, subjects: {fi: m, en: o}, "
                              "categories: [email], purposes: [service], retention: {period: 1y}}\n"
                              "recipients:\n  - {id: crm, name: CRM, role: processor, country: FI,"
                              " registers: [other], shares: [email]}\n",
                   "recipient-purpose-missing"),
        0);
}

static void example_findings(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load_example();
    struct rk_findings f;
    rk_findings_init(&f);
    assert_int_equal(rk_lint_run(d, &f), RK_OK);
    size_t shield = 0, source = 0;
    for (size_t i = 0; i < f.n; i++) {
        if (strcmp(f.items[i].rule, "transfer-privacy-shield") == 0) {
            shield++;
            assert_non_null(strstr(f.items[i].message, "16 July 2020"));
            assert_non_null(strstr(f.items[i].message, "last changed 9 December 2020"));
        }
        source += strcmp(f.items[i].rule, "source-basis-mismatch") == 0;
    }
    assert_int_equal(shield, 2); /* Salesforce and MailChimp */
    assert_int_equal(source, 1); /* municipal web pages under consent */
    assert_int_equal(f.count[RK_SEV_ERROR], 3);
    /* billing, in person, security, and the cookie text's browser settings (kept as the
     * source notice says it) */
    assert_int_equal(f.count[RK_SEV_WARNING], 4);
    assert_int_equal(f.count[RK_SEV_NOTE], 1);
    rk_findings_cleanup(&f);
    rk_decl_free(d);
}

static void rule_ids_are_unique_and_stable(void **state) {
    (void)state;
    size_t n;
    const struct rk_lint_rule *rules = rk_lint_rules(&n);
    assert_true(n >= 13);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(rules[i].check);
        assert_true(strlen(rules[i].reference) > 0);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(rules[i].id, rules[j].id);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(minimal_is_clean),
        cmocka_unit_test(privacy_shield),
        cmocka_unit_test(transfer_mechanism_missing),
        cmocka_unit_test(transfer_mechanism_invalid),
        cmocka_unit_test(legitimate_interest_missing),
        cmocka_unit_test(register_retention_missing),
        cmocka_unit_test(consent_withdrawal_missing),
        cmocka_unit_test(source_basis_mismatch),
        cmocka_unit_test(art14_note),
        cmocka_unit_test(billing_retention_missing),
        cmocka_unit_test(verification_in_person_only),
        cmocka_unit_test(mail_limits_lax),
        cmocka_unit_test(category_unused),
        cmocka_unit_test(branding_accent_contrast),
        cmocka_unit_test(mail_reply_to_missing),
        cmocka_unit_test(security_and_dates),
        cmocka_unit_test(cookie_essential_tracker),
        cmocka_unit_test(cookie_browser_settings),
        cmocka_unit_test(cookie_vendors_missing),
        cmocka_unit_test(cookie_vendor_transfers),
        cmocka_unit_test(recipient_share_not_held),
        cmocka_unit_test(recipient_shares_missing),
        cmocka_unit_test(recipient_purpose_missing),
        cmocka_unit_test(example_findings),
        cmocka_unit_test(rule_ids_are_unique_and_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
