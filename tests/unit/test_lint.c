/*
 * test_lint.c — every lint rule fires on a declaration that breaks it and
 * stays quiet on one that does not (a near miss); the example gets exactly
 * the findings the source notice deserves.
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
    for (size_t i = 0; i < f.n; i++) {
        n += strcmp(f.items[i].rule, rule) == 0;
        /* no message is cut short: each ends with its fix */
        assert_true(strlen(f.items[i].message) < sizeof f.items[i].message - 1);
    }
    rk_findings_cleanup(&f);
    rk_decl_free(d);
    return n;
}

/* The first finding of rule for yaml: its message (copied to msg) and its loc; fails when
 * there is none. */
static struct rk_loc first_finding(const char *yaml, const char *rule, char *msg, size_t n) {
    struct rk_decl *d = rkt_parse(yaml);
    struct rk_findings f;
    rk_findings_init(&f);
    assert_int_equal(rk_lint_run(d, &f), RK_OK);
    struct rk_loc loc = {0, 0};
    for (size_t i = 0; i < f.n && !loc.line; i++)
        if (strcmp(f.items[i].rule, rule) == 0) {
            loc = f.items[i].loc;
            snprintf(msg, n, "%s", f.items[i].message);
        }
    assert_int_not_equal(loc.line, 0);
    rk_findings_cleanup(&f);
    rk_decl_free(d);
    return loc;
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
    assert_int_equal(
        count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: scc\n"), "transfer-mechanism-missing"),
        0);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("SE", ""), "transfer-mechanism-missing"), 0);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("CH", ""), "transfer-mechanism-missing"), 0);
}

static void transfer_mechanism_invalid(void **state) {
    (void)state;
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: adequacy\n"),
                                "transfer-mechanism-invalid"),
                     1);
    /* dpf outside the US is transfer-dpf-not-us's alone */
    assert_int_equal(
        count_rule(FX_MINIMAL RECIPIENT("IN", "    transfer: dpf\n"), "transfer-mechanism-invalid"),
        0);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("IN", "    transfer: adequacy\n"),
                                "transfer-mechanism-invalid"),
                     1);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("JP", "    transfer: adequacy\n"),
                                "transfer-mechanism-invalid"),
                     0);
    assert_int_equal(
        count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: dpf\n"), "transfer-mechanism-invalid"),
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
    assert_int_equal(
        count_rule(FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES REGISTER_WITHOUT_RETENTION,
                   "register-retention-missing"),
        1);
    assert_int_equal(count_rule(FX_MINIMAL, "register-retention-missing"), 0);
    /* A retention rule that says nothing is refused by the loader. */
    assert_non_null(
        strstr(rkt_parse_fail(FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES REGISTER_WITHOUT_RETENTION
                              "    retention: {}\n"),
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
    /* Data from another controller feeding a purpose that markets directly. */
    assert_int_equal(
        count_rule(
            FX_HEAD FX_RIGHTS
            "purposes:\n"
            "  - id: marketing\n"
            "    name: {fi: m, en: m}\n"
            "    basis: consent\n"
            "    consent: {withdrawal: [message_link]}\n"
            "    direct_marketing: {channels: [email], audience: business}\n"
            "  - {id: service, name: {fi: p, en: s}, basis: contract}\n" FX_CATEGORIES FX_REGISTERS
            "sources:\n"
            "  - {kind: third_party, registers: [customer]}\n",
            "art14-inform-indirect"),
        1);
    /* Not for marketing: rekisteri's art14_inform tasks carry the duty; no note. */
    assert_int_equal(count_rule(FX_MINIMAL "sources:\n"
                                           "  - {kind: third_party, registers: [customer]}\n",
                                "art14-inform-indirect"),
                     0);
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
    assert_int_equal(count_rule(FX_MINIMAL "mail_limits: {min_interval: 1min, per_day: 24}\n",
                                "mail-limits-lax"),
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
    const char *no_security =
        "rekisteri: 1\n"
        "controller: {name: X Oy, business_id: 1234567-8, address: A,"
        " phone: '1'}\n"
        "supervisory_authority: {name: {fi: T, en: O}}\n" FX_RIGHTS FX_PURPOSES FX_CATEGORIES
            FX_REGISTERS;
    assert_int_equal(count_rule(no_security, "security-measures-missing"), 1);
    assert_int_equal(count_rule(no_security, "notice-date-missing"), 1);
    assert_int_equal(count_rule(FX_MINIMAL, "security-measures-missing"), 0);
    assert_int_equal(count_rule(FX_MINIMAL, "notice-date-missing"), 0);
}

/* A cookies: section: an essential category with VENDOR, a consent one with CONSENT_VENDORS. */
#define COOKIES(description, essential_vendors, consent_vendors)                                   \
    "cookies:\n" description "  categories:\n"                                                     \
    "    - id: essential\n"                                                                        \
    "      name: {fi: Välttämättömät, en: Necessary}\n"                                       \
    "      essential: true\n" essential_vendors "    - id: analytics\n"                            \
    "      name: {fi: Analytiikka, en: Analytics}\n" consent_vendors
#define OWN_COOKIE                                                                                 \
    "      vendors: [{name: Esimerkki Oy, country: FI, cookies: [{name: rk_consent, "              \
    "lifetime: 12m}]}]\n"
#define GA_DPF "      vendors: [{name: Google Analytics, country: US, transfer: dpf}]\n"

static void cookie_essential_tracker(void **state) {
    (void)state;
    const char *rule = "cookie-essential-tracker";
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE, GA_DPF), rule), 0);
    /* by the vendor's name */
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("",
                                      "      vendors: [{name: Google Tag Manager, country: "
                                      "US, transfer: dpf}]\n",
                                      GA_DPF),
                   rule),
        1);
    /* by a cookie, exact or by prefix, whoever the vendor says it is */
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("",
                                      "      vendors: [{name: Oma, country: FI, cookies: "
                                      "[{name: _ga_*, lifetime: 2y}]}]\n",
                                      GA_DPF),
                   rule),
        1);
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("",
                                      "      vendors: [{name: Oma, country: FI, cookies: "
                                      "[{name: _fbp, lifetime: 90d}]}]\n",
                                      GA_DPF),
                   rule),
        1);
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("",
                                      "      vendors: [{name: Oma, country: FI, cookies: "
                                      "[{name: frontend_lang, lifetime: 1y}]}]\n",
                                      GA_DPF),
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
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE, GA_DPF), "transfer-mechanism-missing"), 0);
    assert_int_equal(
        count_rule(
            FX_MINIMAL COOKIES("", OWN_COOKIE, "      vendors: [{name: Tracker, country: US}]\n"),
            "transfer-mechanism-missing"),
        1);
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE,
                                                   "      vendors: [{name: Tracker, country: "
                                                   "US, transfer: privacy_shield}]\n"),
                                "transfer-privacy-shield"),
                     1);
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE,
                                      "      vendors: [{name: Tracker, country: IN, transfer: "
                                      "dpf}]\n"),
                   "transfer-dpf-not-us"),
        1);
    assert_int_equal(
        count_rule(
            FX_MINIMAL COOKIES("", OWN_COOKIE, "      vendors: [{name: Survey, country: PL}]\n"),
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

/* ---- the rules of lint_legal.c ---- */

/* The minimal declaration with category CAT (id extra) added and held by the customer
 * register. */
#define WITH_CATEGORY(cat)                                                                         \
    FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES cat "registers:\n"                                 \
                                                    "  - id: customer\n"                           \
                                                    "    name: {fi: A, en: C}\n"                   \
                                                    "    subjects: {fi: a, en: c}\n"               \
                                                    "    categories: [name, email, extra]\n"       \
                                                    "    purposes: [marketing, service]\n"         \
                                                    "    retention: {until: [relationship_end]}\n"
#define HEALTH(more)   "  - {id: extra, name: {fi: T, en: H}, special: health" more "}\n"
#define CRIMINAL(more) "  - {id: extra, name: {fi: R, en: C}, special: criminal_offences" more "}\n"
#define LAW            ", law: {fi: Tietosuojalaki 1050/2018 6 §, en: Data Protection Act section 6}"

static void special_category_condition_missing(void **state) {
    (void)state;
    const char *rule = "special-category-condition-missing";
    assert_int_equal(count_rule(WITH_CATEGORY(HEALTH("")), rule), 1);
    assert_int_equal(count_rule(WITH_CATEGORY(HEALTH(", condition: explicit_consent")), rule), 0);
    /* criminal-offence data is art 10's, with no art 9(2) condition to name */
    assert_int_equal(count_rule(WITH_CATEGORY(CRIMINAL("")), rule), 0);
    /* the finding points at special: and names the kind */
    char msg[1024];
    const char *yaml = WITH_CATEGORY(HEALTH(""));
    struct rk_loc loc = first_finding(yaml, rule, msg, sizeof msg);
    struct rk_decl *d = rkt_parse(yaml);
    assert_int_equal(loc.line, rk_decl_category(d, "extra")->special_loc.line);
    assert_int_equal(loc.col, rk_decl_category(d, "extra")->special_loc.col);
    rk_decl_free(d);
    assert_non_null(strstr(msg, "(health)"));
    assert_non_null(strstr(msg, "'condition: explicit_consent'"));
}

static void special_category_law_missing(void **state) {
    (void)state;
    const char *rule = "special-category-law-missing";
    assert_int_equal(count_rule(WITH_CATEGORY(HEALTH(", condition: health_care")), rule), 1);
    assert_int_equal(count_rule(WITH_CATEGORY(HEALTH(", condition: employment")), rule), 1);
    assert_int_equal(count_rule(WITH_CATEGORY(HEALTH(", condition: archiving")), rule), 1);
    assert_int_equal(count_rule(WITH_CATEGORY(HEALTH(", condition: health_care" LAW)), rule), 0);
    /* explicit consent rests on no law */
    assert_int_equal(count_rule(WITH_CATEGORY(HEALTH(", condition: explicit_consent")), rule), 0);
    /* no condition at all is special-category-condition-missing's alone */
    assert_int_equal(count_rule(WITH_CATEGORY(HEALTH("")), rule), 0);
    char msg[1024];
    first_finding(WITH_CATEGORY(HEALTH(", condition: health_care")), rule, msg, sizeof msg);
    assert_non_null(strstr(msg, "art 9(2)(h)"));
    assert_non_null(strstr(msg, "'law: {fi: Tietosuojalaki 1050/2018 6 §"));
}

static void criminal_data_law_missing(void **state) {
    (void)state;
    const char *rule = "criminal-data-law-missing";
    assert_int_equal(count_rule(WITH_CATEGORY(CRIMINAL("")), rule), 1);
    assert_int_equal(count_rule(WITH_CATEGORY(CRIMINAL(LAW)), rule), 0);
    assert_int_equal(count_rule(WITH_CATEGORY(HEALTH("")), rule), 0);
}

/* The minimal declaration whose customer register (purposes marketing on consent, service)
 * declares children: CH. */
#define WITH_CHILDREN(ch) FX_MINIMAL "    children: " ch "\n"
#define VERIFY            ", age_verification: {fi: Syntymäaika kysytään., en: Birth date asked.}"
#define PARENT            ", parental_consent: {fi: Huoltaja vahvistaa., en: A parent confirms.}"

static void children_consent_art8(void **state) {
    (void)state;
    const char *rule = "children-consent-art8";
    /* under 13 without the parent's consent */
    assert_int_equal(
        count_rule(WITH_CHILDREN("{min_age: 10, online_service: true" VERIFY "}"), rule), 1);
    /* no age verification, at any age */
    assert_int_equal(count_rule(WITH_CHILDREN("{min_age: 15, online_service: true}"), rule), 1);
    assert_int_equal(
        count_rule(WITH_CHILDREN("{min_age: 10, online_service: true" VERIFY PARENT "}"), rule), 0);
    /* from 13 a child consents alone (1050/2018 5 §) */
    assert_int_equal(
        count_rule(WITH_CHILDREN("{min_age: 13, online_service: true" VERIFY "}"), rule), 0);
    /* not an online service offered to them */
    assert_int_equal(count_rule(WITH_CHILDREN("{min_age: 10, online_service: false}"), rule), 0);
    assert_int_equal(count_rule(WITH_CHILDREN("{min_age: 10}"), rule), 0);
    /* no purpose on consent */
    assert_int_equal(count_rule(FX_HEAD FX_RIGHTS FX_PURPOSES FX_CATEGORIES
                                "registers:\n"
                                "  - id: customer\n"
                                "    name: {fi: A, en: C}\n"
                                "    subjects: {fi: a, en: c}\n"
                                "    categories: [name, email]\n"
                                "    purposes: [service]\n"
                                "    retention: {until: [contract_end]}\n"
                                "    children: {min_age: 10, online_service: true}\n"
                                "  - id: other\n"
                                "    name: {fi: M, en: O}\n"
                                "    subjects: {fi: m, en: o}\n"
                                "    categories: [email]\n"
                                "    purposes: [marketing]\n"
                                "    retention: {until: [consent_withdrawn]}\n",
                                rule),
                     0);
    /* both missing: one finding that names both fixes */
    char msg[1024];
    first_finding(WITH_CHILDREN("{min_age: 7, online_service: true}"), rule, msg, sizeof msg);
    assert_non_null(strstr(msg, "'parental_consent: {"));
    assert_non_null(strstr(msg, "'age_verification: {"));
    assert_non_null(strstr(msg, "purpose 'marketing'"));
    assert_int_equal(count_rule(WITH_CHILDREN("{min_age: 7, online_service: true}"), rule), 1);
}

#define WITH_RIGHTS(r)                                                                             \
    FX_HEAD "rights:\n  verification: [in_person, email_code]\n" r FX_PURPOSES FX_CATEGORIES       \
        FX_REGISTERS
#define ADM "  automated_decisions: true\n  automated_logic: {fi: Pisteytys., en: A score.}\n"
#define CONSQ                                                                                      \
    "  automated_consequences: {fi: Tilaus voi hylkääntyä., en: An order may be refused.}\n"

static void automated_decision_basis_missing(void **state) {
    (void)state;
    const char *rule = "automated-decision-basis-missing";
    assert_int_equal(count_rule(WITH_RIGHTS(ADM CONSQ), rule), 1);
    assert_int_equal(count_rule(WITH_RIGHTS(ADM CONSQ "  automated_basis: law\n"), rule), 0);
    assert_int_equal(count_rule(WITH_RIGHTS("  automated_decisions: false\n"), rule), 0);
}

static void automated_decision_safeguards_missing(void **state) {
    (void)state;
    const char *rule = "automated-decision-safeguards-missing";
    const char *some = WITH_RIGHTS(ADM CONSQ "  automated_basis: contract\n"
                                             "  automated_safeguards: [human_intervention]\n");
    assert_int_equal(count_rule(some, rule), 1);
    char msg[1024];
    first_finding(some, rule, msg, sizeof msg);
    assert_non_null(strstr(msg, "missing: express_view, contest"));
    assert_int_equal(
        count_rule(WITH_RIGHTS(ADM CONSQ "  automated_basis: explicit_consent\n"), rule), 1);
    assert_int_equal(
        count_rule(WITH_RIGHTS(ADM CONSQ "  automated_basis: contract\n"
                                         "  automated_safeguards: [human_intervention, "
                                         "express_view, contest]\n"),
                   rule),
        0);
    /* authorised by law: the law lays the safeguards down (art 22(2)(b)) */
    assert_int_equal(count_rule(WITH_RIGHTS(ADM CONSQ "  automated_basis: law\n"), rule), 0);
    /* without a basis, automated-decision-basis-missing speaks */
    assert_int_equal(count_rule(WITH_RIGHTS(ADM CONSQ), rule), 0);
}

static void automated_decision_consequences_missing(void **state) {
    (void)state;
    const char *rule = "automated-decision-consequences-missing";
    assert_int_equal(count_rule(WITH_RIGHTS(ADM "  automated_basis: law\n"), rule), 1);
    assert_int_equal(count_rule(WITH_RIGHTS(ADM CONSQ "  automated_basis: law\n"), rule), 0);
    assert_int_equal(count_rule(FX_MINIMAL, rule), 0);
}

/* The minimal declaration with purpose P (id extra) added to the customer register. */
#define WITH_PURPOSE(p)                                                                            \
    FX_HEAD FX_RIGHTS FX_PURPOSES p FX_CATEGORIES                                                  \
        "  - {id: orders, name: {fi: Tilaukset, en: Orders}, kind: contract}\n"                    \
        "registers:\n"                                                                             \
        "  - id: customer\n"                                                                       \
        "    name: {fi: A, en: C}\n"                                                               \
        "    subjects: {fi: a, en: c}\n"                                                           \
        "    categories: [name, email, orders]\n"                                                  \
        "    purposes: [marketing, service, extra]\n"                                              \
        "    retention: {until: [relationship_end]}\n"
#define PURPOSE(name, basis, more) "  - id: extra\n    name: " name "\n    basis: " basis "\n" more
#define LI_MORE                                                                                    \
    "    legitimate_interest: {fi: oma markkinointi, en: own marketing}\n"                         \
    "    balancing_test: {fi: Dokumentoitu., en: Documented.}\n"
#define PROFILING                                                                                  \
    "    profiling: {what: {fi: w, en: w}, logic: {fi: l, en: l}, consequences: {fi: c, en: c}}\n"
#define MARKETING(ch, aud, more)                                                                   \
    "    direct_marketing:\n      channels: " ch "\n      audience: " aud "\n" more
#define SOFT(opt_out)                                                                              \
    "      soft_opt_in: {products: {fi: omat palvelut, en: own services}, "                        \
    "opt_out_at_collection: " opt_out "}\n"

static void profiling_undisclosed(void **state) {
    (void)state;
    const char *rule = "profiling-undisclosed";
    const char *seg = WITH_PURPOSE(PURPOSE("{fi: Asiakkaiden segmentointi, en: segmentation}",
                                           "legitimate_interests", LI_MORE));
    assert_int_equal(count_rule(seg, rule), 1);
    char msg[1024];
    first_finding(seg, rule, msg, sizeof msg);
    assert_non_null(strstr(msg, "purpose 'extra' says 'segmentointi' in its name (fi)"));
    assert_non_null(strstr(msg, "'profiling: {what:"));
    /* in the description, in capitals, in English */
    assert_int_equal(
        count_rule(WITH_PURPOSE(PURPOSE("{fi: mainonta, en: advertising}", "legitimate_interests",
                                        LI_MORE "    description: {fi: Mainontaa., "
                                                "en: PROFILING of visitors.}\n")),
                   rule),
        1);
    assert_int_equal(count_rule(WITH_PURPOSE(PURPOSE("{fi: kohdennettu mainonta, en: targeted ads}",
                                                     "legitimate_interests", LI_MORE PROFILING)),
                                rule),
                     0);
    /* no sign: "markkinointi" and "strategy" are not about evaluating people */
    assert_int_equal(count_rule(WITH_PURPOSE(PURPOSE("{fi: markkinointi, en: strategy}",
                                                     "legitimate_interests", LI_MORE)),
                                rule),
                     0);
    /* a cookie category granting ad_personalization, with no profiling declared anywhere */
#define ADS "      consent_mode: [ad_storage, ad_personalization]\n" GA_DPF
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE, ADS), rule), 1);
    first_finding(FX_MINIMAL COOKIES("", OWN_COOKIE, ADS), rule, msg, sizeof msg);
    assert_non_null(strstr(msg, "cookie category 'analytics' grants ad_personalization"));
    assert_int_equal(count_rule(WITH_PURPOSE(PURPOSE("{fi: mainonta, en: ads}",
                                                     "legitimate_interests", LI_MORE PROFILING))
                                    COOKIES("", OWN_COOKIE, ADS),
                                rule),
                     0);
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE, "      consent_mode: [ad_storage]\n" GA_DPF),
                   rule),
        0);
}

static void marketing_email_consent_missing(void **state) {
    (void)state;
    const char *rule = "marketing-email-consent-missing";
    assert_int_equal(
        count_rule(WITH_PURPOSE(PURPOSE("{fi: u, en: n}", "legitimate_interests",
                                        LI_MORE MARKETING("[email]", "consumers", ""))),
                   rule),
        1);
    assert_int_equal(count_rule(WITH_PURPOSE(PURPOSE("{fi: u, en: n}", "legitimate_interests",
                                                     LI_MORE MARKETING("[sms, post]", "both", ""))),
                                rule),
                     1);
    /* to work addresses only (917/2014 202 §), by post, on consent, or under the soft opt-in */
    assert_int_equal(count_rule(WITH_PURPOSE(PURPOSE("{fi: u, en: n}", "legitimate_interests",
                                                     LI_MORE MARKETING("[email]", "business", ""))),
                                rule),
                     0);
    assert_int_equal(
        count_rule(WITH_PURPOSE(PURPOSE("{fi: u, en: n}", "legitimate_interests",
                                        LI_MORE MARKETING("[post, phone]", "consumers", ""))),
                   rule),
        0);
    assert_int_equal(
        count_rule(WITH_PURPOSE(PURPOSE("{fi: u, en: n}", "consent",
                                        "    consent: {withdrawal: [message_link]}\n" MARKETING(
                                            "[email]", "consumers", ""))),
                   rule),
        0);
    assert_int_equal(
        count_rule(WITH_PURPOSE(PURPOSE("{fi: u, en: n}", "legitimate_interests",
                                        LI_MORE MARKETING("[email]", "consumers", SOFT("true")))),
                   rule),
        0);
}

static void marketing_soft_opt_in_incomplete(void **state) {
    (void)state;
    const char *rule = "marketing-soft-opt-in-incomplete";
    assert_int_equal(
        count_rule(WITH_PURPOSE(PURPOSE("{fi: u, en: n}", "legitimate_interests",
                                        LI_MORE MARKETING("[email]", "consumers", SOFT("false")))),
                   rule),
        1);
    assert_int_equal(
        count_rule(WITH_PURPOSE(PURPOSE("{fi: u, en: n}", "legitimate_interests",
                                        LI_MORE MARKETING("[email]", "consumers", SOFT("true")))),
                   rule),
        0);
    /* a register of marketing contacts only: no customers the exception could cover */
    assert_int_equal(count_rule(FX_HEAD FX_RIGHTS FX_PURPOSES PURPOSE(
                                    "{fi: u, en: n}", "legitimate_interests",
                                    LI_MORE MARKETING("[email]", "consumers", SOFT("true")))
                                    FX_CATEGORIES "registers:\n"
                                                  "  - id: customer\n"
                                                  "    name: {fi: A, en: C}\n"
                                                  "    subjects: {fi: a, en: c}\n"
                                                  "    categories: [name, email]\n"
                                                  "    purposes: [marketing, service, extra]\n"
                                                  "    retention: {until: [relationship_end]}\n",
                                rule),
                     1);
}

static void marketing_contract_basis(void **state) {
    (void)state;
    const char *rule = "marketing-contract-basis";
    assert_int_equal(count_rule(WITH_PURPOSE(PURPOSE("{fi: t, en: o}", "contract",
                                                     MARKETING("[post]", "consumers", ""))),
                                rule),
                     1);
    assert_int_equal(count_rule(WITH_PURPOSE(PURPOSE("{fi: t, en: o}", "legitimate_interests",
                                                     LI_MORE MARKETING("[post]", "consumers", ""))),
                                rule),
                     0);
    /* a contract-based purpose that does not market */
    assert_int_equal(count_rule(FX_MINIMAL, rule), 0);
}

static void legitimate_interest_balancing_missing(void **state) {
    (void)state;
    const char *rule = "legitimate-interest-balancing-missing";
    assert_int_equal(count_rule(WITH_PURPOSE(PURPOSE(
                                    "{fi: t, en: o}", "legitimate_interests",
                                    "    legitimate_interest: {fi: oma etu, en: own interest}\n")),
                                rule),
                     1);
    assert_int_equal(
        count_rule(WITH_PURPOSE(PURPOSE("{fi: t, en: o}", "legitimate_interests", LI_MORE)), rule),
        0);
    assert_int_equal(count_rule(FX_MINIMAL, rule), 0);
}

#define SOURCE(more) FX_MINIMAL "sources:\n  - {kind: third_party, registers: [customer]" more "}\n"
#define SRC_NAME     ", name: {fi: Postin osoitepalvelu, en: Posti's address service}"

static void source_name_missing(void **state) {
    (void)state;
    const char *rule = "source-name-missing";
    assert_int_equal(count_rule(SOURCE(""), rule), 1);
    assert_int_equal(count_rule(SOURCE(", detail: {fi: osoitteet, en: addresses}"), rule), 1);
    assert_int_equal(count_rule(SOURCE(SRC_NAME), rule), 0);
    assert_int_equal(
        count_rule(FX_MINIMAL "sources:\n  - {kind: web_form, registers: [customer]}\n", rule), 0);
}

static void source_categories_missing(void **state) {
    (void)state;
    const char *rule = "source-categories-missing";
    assert_int_equal(count_rule(SOURCE(SRC_NAME), rule), 1);
    char msg[1024];
    first_finding(SOURCE(SRC_NAME), rule, msg, sizeof msg);
    assert_non_null(strstr(msg, "'third_party' (Posti's address service)"));
    assert_non_null(strstr(msg, "'categories: [name, email]'"));
    assert_int_equal(count_rule(SOURCE(SRC_NAME ", categories: [email]"), rule), 0);
    assert_int_equal(
        count_rule(FX_MINIMAL "sources:\n  - {kind: meeting, registers: [customer]}\n", rule), 0);
}

static void transfer_stale_text(void **state) {
    (void)state;
    const char *rule = "transfer-stale-text";
    /* the mechanism is fixed; the texts still speak of the Privacy Shield: one finding each */
    const char *yaml = FX_HEAD FX_RIGHTS
        "purposes:\n"
        "  - id: marketing\n"
        "    name: {fi: markkinointi, en: marketing}\n"
        "    description: {fi: Privacy Shield -järjestelyn mukaisesti., en: As before.}\n"
        "    basis: consent\n"
        "    consent: {withdrawal: [message_link]}\n"
        "  - {id: service, name: {fi: palvelu, en: service}, basis: contract}\n" FX_CATEGORIES
            FX_REGISTERS RECIPIENT(
                "US",
                "    transfer: dpf\n    dpf_verified: 2025-06-30\n") "transfers_note: {fi: Katso "
                                                                     "www.PrivacyShield.gov., en: "
                                                                     "See www.privacyshield.gov.}\n"
                                                                     "provision: {fi: Ei mitään., "
                                                                     "en: Under the EU-US "
                                                                     "privacy-shield.}\n";
    assert_int_equal(count_rule(yaml, rule), 3);
    assert_int_equal(count_rule(yaml, "transfer-privacy-shield"), 0);
    struct rk_decl *d = rkt_parse(yaml);
    struct rk_findings f;
    rk_findings_init(&f);
    assert_int_equal(rk_lint_run(d, &f), RK_OK);
    bool description = false, note = false, provision = false;
    for (size_t i = 0; i < f.n; i++) {
        const struct rk_finding *x = &f.items[i];
        if (strcmp(x->rule, rule) != 0)
            continue;
        if (strstr(x->message, "purpose 'marketing' description (fi) mentions")) {
            description = true;
            assert_int_equal(x->loc.line, rk_decl_purpose(d, "marketing")->loc.line);
        }
        if (strstr(x->message, "transfers_note (fi, en) mentions")) {
            note = true;
            assert_int_equal(x->loc.line, d->transfers_note_loc.line);
        }
        if (strstr(x->message, "provision (en) mentions")) {
            provision = true;
            assert_int_equal(x->loc.line, d->provision_loc.line);
        }
    }
    assert_true(description && note && provision);
    rk_findings_cleanup(&f);
    rk_decl_free(d);
    /* elsewhere: a form's consent text, a cookie text, a vendor's name, the out-of-scope text */
    assert_int_equal(
        count_rule(FX_MINIMAL COOKIES("  description: {fi: Evästeet., en: Privacy Shield.}\n",
                                      OWN_COOKIE,
                                      "      vendors: [{name: Shield (privacy shield) Inc, "
                                      "country: US, transfer: dpf}]\n"),
                   rule),
        2);
    /* a form's consent text and a field's label */
    const char *form = FX_MINIMAL "sources:\n  - {kind: web_form, registers: [customer]}\n"
                                  "forms:\n"
                                  "  - id: news\n"
                                  "    name: {fi: Uutiset, en: News}\n"
                                  "    register: customer\n"
                                  "    purpose: marketing\n"
                                  "    fields:\n"
                                  "      - {category: email, label: {fi: Sposti, en: Email "
                                  "(Privacy Shield)}}\n"
                                  "    required: [email]\n"
                                  "    consent_text: {fi: Tiedot siirretään Privacy Shield "
                                  "-järjestelyn nojalla., en: Data goes under the Privacy "
                                  "Shield.}\n";
    assert_int_equal(count_rule(form, rule), 2);
    char msg[1024];
    first_finding(form, rule, msg, sizeof msg);
    assert_non_null(strstr(msg, "form 'news' "));
    assert_non_null(strstr(msg, "(fi, en) mentions") || strstr(msg, "(en) mentions"));
    assert_int_equal(count_rule(FX_MINIMAL "out_of_scope:\n  - {id: x, text: {fi: Privacy Shield, "
                                           "en: n}}\n",
                                rule),
                     1);
    /* the successor and the word privacy alone are fine */
    assert_int_equal(count_rule(FX_MINIMAL "transfers_note: {fi: EU:n ja Yhdysvaltojen välinen "
                                           "tietosuojakehys, en: the EU-US Data Privacy "
                                           "Framework (privacy and data shielding)}\n",
                                rule),
                     0);
}

static void transfer_dpf_not_us(void **state) {
    (void)state;
    const char *rule = "transfer-dpf-not-us";
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("IN", "    transfer: dpf\n"), rule), 1);
    char msg[1024];
    first_finding(FX_MINIMAL RECIPIENT("JP", "    transfer: dpf\n"), rule, msg, sizeof msg);
    assert_non_null(strstr(msg, "'transfer: adequacy'")); /* Japan has a decision */
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: dpf\n"), rule), 0);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("IN", "    transfer: scc\n"), rule), 0);
}

static void transfer_dpf_unverified(void **state) {
    (void)state;
    const char *rule = "transfer-dpf-unverified";
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: dpf\n"), rule), 1);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: dpf\n"
                                                           "    dpf_verified: 2025-06-30\n"),
                                rule),
                     0);
    /* outside the US the DPF does not apply at all: transfer-dpf-not-us says so */
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("IN", "    transfer: dpf\n"), rule), 0);
    /* a "check" from before the DPF existed (it took effect on 10 July 2023) */
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: dpf\n"
                                                           "    dpf_verified: 2023-07-09\n"),
                                rule),
                     1);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: dpf\n"
                                                           "    dpf_verified: 2023-07-10\n"),
                                rule),
                     0);
    /* cookie vendors alike */
    assert_int_equal(count_rule(FX_MINIMAL COOKIES("", OWN_COOKIE, GA_DPF), rule), 1);
}

static void transfer_safeguards_copy_missing(void **state) {
    (void)state;
    const char *rule = "transfer-safeguards-copy-missing";
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("IN", "    transfer: scc\n"), rule), 1);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("IN", "    transfer: bcr\n"), rule), 1);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("IN", "    transfer: scc\n"
                                                           "    safeguards_copy: {fi: Pyydä "
                                                           "meiltä., en: Ask us.}\n"),
                                rule),
                     0);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("US", "    transfer: dpf\n"), rule), 0);
    assert_int_equal(count_rule(FX_MINIMAL RECIPIENT("SE", ""), rule), 0);
}

/* A head whose controller declares financial_year_end FYE, and a billing category kept from
 * FROM. */
#define FY_DECL(fye, from)                                                                         \
    "rekisteri: 1\n"                                                                               \
    "notice: {drafted: 2024-01-15, last_changed: 2025-03-01}\n"                                    \
    "controller: {name: X Oy, business_id: 1234567-8, address: A, phone: '1'" fye "}\n"            \
    "supervisory_authority: {name: {fi: T, en: O}}\n"                                              \
    "security: [{fi: S, en: S}]\n" FX_RIGHTS FX_PURPOSES FX_CATEGORIES "  - id: extra\n"           \
    "    name: {fi: L, en: B}\n"                                                                   \
    "    kind: billing\n"                                                                          \
    "    erasure: {keep_years: 6, from: " from ", obligation: {fi: KPL 2:10, en: AA 2:10}}\n"      \
    "registers:\n"                                                                                 \
    "  - {id: customer, name: {fi: A, en: C}, subjects: {fi: a, en: c}, categories: [name, "       \
    "email, "                                                                                      \
    "extra], purposes: [marketing, service], retention: {until: [relationship_end]}}\n"

static void billing_retention_calendar_year(void **state) {
    (void)state;
    const char *rule = "billing-retention-calendar-year";
    assert_int_equal(
        count_rule(FY_DECL(", financial_year_end: '06-30'", "end_of_calendar_year"), rule), 1);
    char msg[1024];
    first_finding(FY_DECL(", financial_year_end: '06-30'", "end_of_calendar_year"), rule, msg,
                  sizeof msg);
    assert_non_null(strstr(msg, "ends on 06-30"));
    assert_non_null(strstr(msg, "'from: end_of_financial_period'"));
    assert_int_equal(
        count_rule(FY_DECL(", financial_year_end: '06-30'", "end_of_financial_period"), rule), 0);
    /* the calendar year as the financial year, declared or not */
    assert_int_equal(
        count_rule(FY_DECL(", financial_year_end: '12-31'", "end_of_calendar_year"), rule), 0);
    assert_int_equal(count_rule(FY_DECL("", "end_of_calendar_year"), rule), 0);
    /* the missing keep rule's fix names the financial period too */
    first_finding(WITH_CATEGORY("  - {id: extra, name: {fi: L, en: B}, kind: billing}\n"),
                  "billing-retention-missing", msg, sizeof msg);
    assert_non_null(strstr(msg, "from: end_of_financial_period"));
}

/*
 * The fix a finding suggests, pasted as it is into the declaration, silences the rule: FMT is
 * a declaration with one %s where each snippet of the message starting with KEYS[i] (quoted in
 * it: 'KEY: VALUE') goes, after BEFORE (", " in a flow mapping, else the indent of a line).
 */
/* fmt with its one "%s" replaced by insert, into out. */
static void splice(const char *fmt, const char *insert, char *out, size_t n) {
    const char *at = strstr(fmt, "%s");
    assert_non_null(at);
    snprintf(out, n, "%.*s%s%s", (int)(at - fmt), fmt, insert, at + 2);
}

static void fix_silences(const char *fmt, const char *rule, const char *before,
                         const char *const *keys, size_t nkeys) {
    char bad[4096], msg[1024], fix[1024] = "", good[6144];
    splice(fmt, "", bad, sizeof bad);
    first_finding(bad, rule, msg, sizeof msg);
    for (size_t k = 0; k < nkeys; k++) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "'%s: ", keys[k]);
        const char *at = strstr(msg, quoted);
        const char *end = at ? strchr(at + 1, '\'') : NULL;
        if (!at || !end) {
            fail_msg("%s: no %s...' in: %s", rule, quoted, msg);
            return;
        }
        size_t len = strlen(fix);
        snprintf(fix + len, sizeof fix - len, "%s%.*s%s", before, (int)(end - at - 1), at + 1,
                 before[0] == ',' ? "" : "\n"); /* in a flow mapping, or a line of a block */
    }
    splice(fmt, fix, good, sizeof good);
    if (count_rule(good, rule) != 0)
        print_message("%s still fires on:\n%s\n", rule, good);
    assert_int_equal(count_rule(good, rule), 0);
}

static void fixes_silence_their_rules(void **state) {
    (void)state;
    static const char *const law[] = {"law"}, *const condition[] = {"condition"},
                             *const children[] = {"parental_consent", "age_verification"},
                             *const consequences[] = {"automated_consequences"},
                             *const basis[] = {"automated_basis"},
                             *const balancing[] = {"balancing_test"}, *const name[] = {"name"},
                             *const categories[] = {"categories"},
                             *const copy[] = {"safeguards_copy"},
                             *const verified[] = {"dpf_verified"}, *const soft[] = {"soft_opt_in"},
                             *const profiling[] = {"profiling"};
    fix_silences(WITH_CATEGORY("  - {id: extra, name: {fi: T, en: H}, special: health%s}\n"),
                 "special-category-condition-missing", ", ", condition, 1);
    fix_silences(WITH_CATEGORY("  - {id: extra, name: {fi: T, en: H}, special: health, "
                               "condition: health_care%s}\n"),
                 "special-category-law-missing", ", ", law, 1);
    fix_silences(WITH_CATEGORY("  - {id: extra, name: {fi: R, en: C}, special: "
                               "criminal_offences%s}\n"),
                 "criminal-data-law-missing", ", ", law, 1);
    fix_silences(WITH_CHILDREN("{min_age: 7, online_service: true%s}"), "children-consent-art8",
                 ", ", children, 2);
    fix_silences(WITH_CHILDREN("{min_age: 15, online_service: true%s}"), "children-consent-art8",
                 ", ", children + 1, 1);
    fix_silences(WITH_RIGHTS(ADM CONSQ "%s"), "automated-decision-basis-missing", "  ", basis, 1);
    fix_silences(WITH_RIGHTS(ADM "  automated_basis: law\n%s"),
                 "automated-decision-consequences-missing", "  ", consequences, 1);
    fix_silences(WITH_PURPOSE(PURPOSE("{fi: segmentointi, en: segmentation}",
                                      "legitimate_interests", LI_MORE "%s")),
                 "profiling-undisclosed", "    ", profiling, 1);
    fix_silences(WITH_PURPOSE(PURPOSE("{fi: u, en: n}", "legitimate_interests",
                                      LI_MORE MARKETING("[email]", "consumers", "%s"))),
                 "marketing-email-consent-missing", "      ", soft, 1);
    fix_silences(WITH_PURPOSE(PURPOSE("{fi: t, en: o}", "legitimate_interests",
                                      "    legitimate_interest: {fi: oma etu, en: own}\n%s")),
                 "legitimate-interest-balancing-missing", "    ", balancing, 1);
    fix_silences(SOURCE("%s"), "source-name-missing", ", ", name, 1);
    fix_silences(SOURCE(SRC_NAME "%s"), "source-categories-missing", ", ", categories, 1);
    fix_silences(FX_MINIMAL RECIPIENT("IN", "    transfer: scc\n%s"),
                 "transfer-safeguards-copy-missing", "    ", copy, 1);
    fix_silences(FX_MINIMAL RECIPIENT("US", "    transfer: dpf\n%s"), "transfer-dpf-unverified",
                 "    ", verified, 1);
}

static void example_findings(void **state) {
    (void)state;
    struct rk_decl *d = rkt_load_example();
    struct rk_findings f;
    rk_findings_init(&f);
    assert_int_equal(rk_lint_run(d, &f), RK_OK);
    size_t shield = 0, source = 0, name = 0, cats = 0, stale = 0, unverified = 0, copy = 0;
    for (size_t i = 0; i < f.n; i++) {
        const char *rule = f.items[i].rule;
        if (strcmp(rule, "transfer-privacy-shield") == 0) {
            shield++;
            assert_non_null(strstr(f.items[i].message, "16 July 2020"));
            assert_non_null(strstr(f.items[i].message, "last changed 9 December 2020"));
        }
        source += strcmp(rule, "source-basis-mismatch") == 0;
        name += strcmp(rule, "source-name-missing") == 0;
        cats += strcmp(rule, "source-categories-missing") == 0;
        if (strcmp(rule, "transfer-stale-text") == 0) {
            stale++;
            assert_non_null(strstr(f.items[i].message, "transfers_note (fi, en)"));
            assert_int_equal(f.items[i].loc.line, d->transfers_note_loc.line);
        }
        unverified += strcmp(rule, "transfer-dpf-unverified") == 0;
        copy += strcmp(rule, "transfer-safeguards-copy-missing") == 0;
        /* profiling is declared; the marketing is by consent */
        assert_string_not_equal(rule, "profiling-undisclosed");
        assert_string_not_equal(rule, "marketing-email-consent-missing");
    }
    assert_int_equal(shield, 2); /* Salesforce and MailChimp */
    assert_int_equal(source, 1); /* municipal web pages under consent */
    assert_int_equal(name, 1);   /* ... not named */
    assert_int_equal(cats, 1);   /* ... nor what they give */
    assert_int_equal(stale, 1);  /* transfers_note's privacyshield.gov */
    assert_int_equal(f.count[RK_SEV_ERROR], 6);
    /* the five cookie vendors on the DPF (Google Analytics, Tag Manager, Facebook Pixel, LinkedIn
     * Pixel, Google Remarketing) never checked on the list, and the two on SCC (Outgrow,
     * Twitter) without a copy */
    assert_int_equal(unverified, 5);
    assert_int_equal(copy, 2);
    /* and billing, in person, security, and the cookie text's browser settings (kept as the
     * source notice says it) */
    assert_int_equal(f.count[RK_SEV_WARNING], 11);
    assert_int_equal(f.count[RK_SEV_NOTE], 1); /* prospects from public sources, marketed to */
    rk_findings_cleanup(&f);
    rk_decl_free(d);
}

static void rule_ids_are_unique_and_stable(void **state) {
    (void)state;
    size_t n;
    const struct rk_lint_rule *rules = rk_lint_rules(&n);
    assert_true(n >= 41);
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
        cmocka_unit_test(special_category_condition_missing),
        cmocka_unit_test(special_category_law_missing),
        cmocka_unit_test(criminal_data_law_missing),
        cmocka_unit_test(children_consent_art8),
        cmocka_unit_test(automated_decision_basis_missing),
        cmocka_unit_test(automated_decision_safeguards_missing),
        cmocka_unit_test(automated_decision_consequences_missing),
        cmocka_unit_test(profiling_undisclosed),
        cmocka_unit_test(marketing_email_consent_missing),
        cmocka_unit_test(marketing_soft_opt_in_incomplete),
        cmocka_unit_test(marketing_contract_basis),
        cmocka_unit_test(legitimate_interest_balancing_missing),
        cmocka_unit_test(source_name_missing),
        cmocka_unit_test(source_categories_missing),
        cmocka_unit_test(transfer_stale_text),
        cmocka_unit_test(transfer_dpf_not_us),
        cmocka_unit_test(transfer_dpf_unverified),
        cmocka_unit_test(transfer_safeguards_copy_missing),
        cmocka_unit_test(billing_retention_calendar_year),
        cmocka_unit_test(fixes_silence_their_rules),
        cmocka_unit_test(example_findings),
        cmocka_unit_test(rule_ids_are_unique_and_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
