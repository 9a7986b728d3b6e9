/*
 * lint.c — the lint rules and the table that runs them.
 *
 * Each rule is a small function that walks the declaration and calls lint_add()
 * for every problem it sees; the rules on the GDPR's finer points live in
 * lint_legal.c (lint_rules.h). To add a rule: write its check function, add a
 * row to the rules[] table with a new stable id (never reuse or rename one:
 * users suppress and search by id), and add a failing and a passing
 * declaration to tests/unit/test_lint.c and tests/decls/lint/.
 */
#include "decl/lint.h"
#include "decl/lint_rules.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rk_findings_init(struct rk_findings *f) { *f = (struct rk_findings){0}; }

void rk_findings_cleanup(struct rk_findings *f) {
    free(f->items);
    rk_findings_init(f);
}

const char *rk_severity_name(enum rk_severity s) {
    switch (s) {
    case RK_SEV_ERROR: return "error";
    case RK_SEV_WARNING: return "warning";
    default: return "note";
    }
}

void lint_add(struct rk_findings *out, const struct rk_lint_rule *rule, struct rk_loc loc,
              const char *fmt, ...) {
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        struct rk_finding *items = realloc(out->items, cap * sizeof *items);
        if (!items) {
            out->oom = true;
            return;
        }
        out->items = items;
        out->cap = cap;
    }
    struct rk_finding *f = &out->items[out->n++];
    f->rule = rule->id;
    f->severity = rule->severity;
    f->loc = loc;
    f->reference = rule->reference;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    out->count[rule->severity]++;
}

static int date_key(struct rk_date d) { return d.y * 10000 + d.m * 100 + d.d; }

bool lint_contains_ci(const char *hay, const char *needle) {
    size_t n = strlen(needle);
    for (; *hay; hay++) {
        size_t i = 0;
        while (i < n && hay[i] &&
               (hay[i] | (hay[i] >= 'A' && hay[i] <= 'Z' ? 0x20 : 0)) == needle[i])
            i++;
        if (i == n)
            return true;
    }
    return false;
}

/* ---- Transfers --------------------------------------------------------- */

void lint_each_party(const struct rk_decl *d, const struct rk_lint_rule *rule,
                     struct rk_findings *out, lint_party_fn fn) {
    for (size_t i = 0; i < d->nrecipients; i++) {
        const struct rk_recipient *r = &d->recipients[i];
        const struct lint_party p = {.kind = "recipient",
                                     .name = r->id,
                                     .country = r->country,
                                     .transfer = r->transfer,
                                     .loc = r->transfer_loc,
                                     .dpf_verified = r->dpf_verified,
                                     .safeguards_copy = &r->safeguards_copy};
        fn(d, &p, rule, out);
    }
    for (size_t i = 0; i < d->cookies.ncategories; i++)
        for (size_t j = 0; j < d->cookies.categories[i].nvendors; j++) {
            const struct rk_cookie_vendor *v = &d->cookies.categories[i].vendors[j];
            if (!v->country[0])
                continue;
            const struct lint_party p = {.kind = "cookie vendor",
                                         .name = v->name,
                                         .country = v->country,
                                         .transfer = v->transfer,
                                         .loc = v->transfer_loc,
                                         .dpf_verified = v->dpf_verified,
                                         .safeguards_copy = &v->safeguards_copy};
            fn(d, &p, rule, out);
        }
}

static void shield_one(const struct rk_decl *d, const struct lint_party *p,
                       const struct rk_lint_rule *rule, struct rk_findings *out) {
    const struct rk_date invalidated = {2020, 7, 16};
    if (p->transfer != RK_TRANSFER_PRIVACY_SHIELD)
        return;
    char changed[96] = "";
    if (d->last_changed.y && date_key(d->last_changed) >= date_key(invalidated)) {
        char date[32];
        rk_date_format(d->last_changed, RK_LANG_EN, date, sizeof date);
        snprintf(changed, sizeof changed, " (the notice was last changed %s, after it)", date);
    }
    lint_add(out, rule, p->loc,
             "%s '%s' (%s) rests its transfer on the EU-US Privacy Shield, which the Court "
             "of Justice invalidated on 16 July 2020%s; use the EU-US Data Privacy Framework if "
             "the %s is certified ('transfer: dpf' with 'dpf_verified: 2025-06-30', the day it "
             "was found on the DPF List) or standard contractual clauses ('transfer: scc' with "
             "'safeguards_copy')",
             p->kind, p->name, p->country, changed, p->kind);
}

static void check_privacy_shield(const struct rk_decl *d, const struct rk_lint_rule *rule,
                                 struct rk_findings *out) {
    lint_each_party(d, rule, out, shield_one);
}

static void missing_one(const struct rk_decl *d, const struct lint_party *p,
                        const struct rk_lint_rule *rule, struct rk_findings *out) {
    (void)d;
    if (p->transfer != RK_TRANSFER_NONE || rk_country_in_eea(p->country) ||
        rk_country_adequate(p->country))
        return;
    lint_add(out, rule, p->loc,
             "%s '%s' is in %s, outside the EEA, and no transfer mechanism is declared; "
             "add 'transfer:' (dpf, scc, bcr, adequacy or derogation)",
             p->kind, p->name, p->country);
}

static void check_transfer_missing(const struct rk_decl *d, const struct rk_lint_rule *rule,
                                   struct rk_findings *out) {
    lint_each_party(d, rule, out, missing_one);
}

static void fits_one(const struct rk_decl *d, const struct lint_party *p,
                     const struct rk_lint_rule *rule, struct rk_findings *out) {
    (void)d;
    bool us = strcmp(p->country, "US") == 0;
    /* dpf outside the US is transfer-dpf-not-us (lint_legal.c) */
    if (p->transfer == RK_TRANSFER_ADEQUACY && !rk_country_in_eea(p->country) &&
        !rk_country_adequate(p->country))
        lint_add(out, rule, p->loc, "%s '%s' claims an adequacy decision, but %s has none; %s",
                 p->kind, p->name, p->country,
                 us ? "for a US organisation certified under the EU-US Data Privacy Framework "
                      "declare 'transfer: dpf', else 'transfer: scc'"
                    : "declare the mechanism that applies, e.g. 'transfer: scc'");
}

static void check_mechanism_fits(const struct rk_decl *d, const struct rk_lint_rule *rule,
                                 struct rk_findings *out) {
    lint_each_party(d, rule, out, fits_one);
}

/* ---- What recipients receive (recipients[].shares) ------------------------ */

static bool register_holds(const struct rk_register *reg, const struct rk_category *cat) {
    for (size_t i = 0; i < reg->ncategories; i++)
        if (reg->categories[i] == cat)
            return true;
    return false;
}

static void check_share_held(const struct rk_decl *d, const struct rk_lint_rule *rule,
                             struct rk_findings *out) {
    for (size_t i = 0; i < d->nrecipients; i++) {
        const struct rk_recipient *r = &d->recipients[i];
        for (size_t k = 0; k < r->nshares; k++) {
            const struct rk_share *sh = &r->shares[k];
            for (size_t j = 0; j < sh->ncategories; j++)
                if (!register_holds(sh->reg, sh->categories[j]))
                    lint_add(out, rule, sh->loc,
                             "recipient '%s' shares category '%s', which register '%s' does not "
                             "hold; remove it from shares or add it to the register's categories",
                             r->id, sh->categories[j]->id, sh->reg->id);
        }
    }
}

static void check_shares_missing(const struct rk_decl *d, const struct rk_lint_rule *rule,
                                 struct rk_findings *out) {
    for (size_t i = 0; i < d->nrecipients; i++) {
        const struct rk_recipient *r = &d->recipients[i];
        if (r->nshares == 0 && (r->connector.type != RK_CONNECTOR_NONE || r->mailchimp.declared))
            lint_add(out, rule, r->loc,
                     "recipient '%s' has a %s but declares no shares; list what it receives, e.g. "
                     "shares: [name, email], so that nothing leaves undeclared",
                     r->id,
                     r->connector.type != RK_CONNECTOR_NONE ? "connector" : "mailchimp audience");
    }
}

static void check_share_purpose(const struct rk_decl *d, const struct rk_lint_rule *rule,
                                struct rk_findings *out) {
    for (size_t i = 0; i < d->nrecipients; i++) {
        const struct rk_recipient *r = &d->recipients[i];
        if (r->npurposes > 0 || r->mailchimp.purpose || r->connector.purpose)
            continue;
        const struct rk_register *reg = NULL;
        const struct rk_purpose *consent = NULL;
        for (size_t k = 0; !consent && k < r->nshares; k++)
            for (size_t j = 0; !consent && j < r->shares[k].reg->npurposes; j++)
                if (r->shares[k].reg->purposes[j]->basis == RK_BASIS_CONSENT) {
                    reg = r->shares[k].reg;
                    consent = reg->purposes[j];
                }
        if (consent)
            lint_add(
                out, rule, r->shares_loc,
                "recipient '%s' receives data of register '%s', whose purpose '%s' rests on "
                "consent, but names no purpose it serves; add purposes: [...] so that only the "
                "data of that purpose (and only while it lasts) is disclosed",
                r->id, reg->id, consent->id);
    }
}

/* ---- Website cookies (917/2014 §205) ------------------------------------ */

/* Vendors known to track visitors across sites or visits (matched case-insensitively as a
 * part of the declared name), and the cookies they set: exact names, or prefixes ('*'). */
static const char *const tracker_vendors[] = {
    "google analytics",
    "google ads",
    "google remarketing",
    "google tag manager",
    "doubleclick",
    "facebook",
    "meta pixel",
    "instagram",
    "linkedin",
    "twitter",
    "tiktok",
    "snapchat",
    "pinterest",
    "hotjar",
    "microsoft clarity",
    "bing ads",
    "microsoft advertising",
    "criteo",
    "adform",
    "leadfeeder",
    "hubspot",
    "mixpanel",
    "segment",
    "taboola",
    "outbrain",
};
static const char *const tracker_cookies[] = {
    "_ga*",
    "_gid",
    "_gat*",
    "_gcl_*",
    "_gac_*",
    "__utm*",
    "IDE",
    "DSID",
    "test_cookie",
    "NID",
    "_fbp",
    "_fbc",
    "fr",
    "li_*",
    "lidc",
    "bcookie",
    "bscookie",
    "UserMatchHistory",
    "personalization_id",
    "guest_id",
    "muc_ads",
    "_hj*",
    "_uet*",
    "_clck",
    "_clsk",
    "MUID",
    "_tt_*",
    "_ttp",
    "_pin_unauth",
    "_scid",
    "hubspotutk",
    "__hs*",
    "_lfa",
    "mp_*",
    "ajs_*",
};

/* The tracker cookie a declared cookie name is (its '*' meaning a prefix), or NULL. */
static const char *tracker_cookie(const char *name) {
    size_t n = strlen(name);
    if (n && name[n - 1] == '*')
        n--;
    for (size_t i = 0; i < sizeof tracker_cookies / sizeof tracker_cookies[0]; i++) {
        const char *t = tracker_cookies[i];
        size_t tn = strlen(t);
        if (t[tn - 1] == '*' ? n >= tn - 1 && strncmp(name, t, tn - 1) == 0
                             : n == tn && strncmp(name, t, n) == 0)
            return t;
    }
    return NULL;
}

static void check_essential_trackers(const struct rk_decl *d, const struct rk_lint_rule *rule,
                                     struct rk_findings *out) {
    for (size_t i = 0; i < d->cookies.ncategories; i++) {
        const struct rk_cookie_category *c = &d->cookies.categories[i];
        if (!c->essential)
            continue;
        for (size_t j = 0; j < c->nvendors; j++) {
            const struct rk_cookie_vendor *v = &c->vendors[j];
            const char *why = NULL;
            for (size_t k = 0; !why && k < sizeof tracker_vendors / sizeof tracker_vendors[0]; k++)
                if (lint_contains_ci(v->name, tracker_vendors[k]))
                    why = "is a vendor known to track visitors";
            for (size_t k = 0; !why && k < v->ncookies; k++)
                if (tracker_cookie(v->cookies[k].name))
                    why = "sets a tracking cookie";
            if (why)
                lint_add(out, rule, v->loc,
                         "cookie category '%s' is declared essential, but its vendor '%s' %s; "
                         "tracking is never strictly necessary: move the vendor to a category that "
                         "needs consent",
                         c->id, v->name, why);
        }
    }
}

/* Words that send people to their browser's settings to refuse cookies, fi and en. */
static const char *const browser_settings[] = {
    "browser setting",
    "browser's setting",
    "settings of your browser",
    "settings of the browser",
    "selaimen asetu",
    "selaimesi asetu",
    "selainasetu",
};

static void check_browser_settings(const struct rk_decl *d, const struct rk_lint_rule *rule,
                                   struct rk_findings *out) {
    const struct rk_text *t = &d->cookies.description;
    const char *texts[2] = {t->fi, t->en};
    for (int l = 0; l < 2; l++)
        for (size_t k = 0; texts[l] && k < sizeof browser_settings / sizeof browser_settings[0];
             k++)
            if (lint_contains_ci(texts[l], browser_settings[k])) {
                lint_add(
                    out, rule, d->cookies.loc,
                    "the cookie description (%s) tells people to manage or refuse cookies in "
                    "their browser's settings; browser settings are not consent: say that the "
                    "site asks first and that the choice can be changed in the cookie settings",
                    l == 0 ? "fi" : "en");
                return;
            }
}

static void check_vendors_missing(const struct rk_decl *d, const struct rk_lint_rule *rule,
                                  struct rk_findings *out) {
    for (size_t i = 0; i < d->cookies.ncategories; i++) {
        const struct rk_cookie_category *c = &d->cookies.categories[i];
        if (!c->essential && c->nvendors == 0)
            lint_add(
                out, rule, c->loc,
                "cookie category '%s' needs consent but names no vendor; people must see whose "
                "cookies they accept: add 'vendors:'",
                c->id);
    }
}

/* ---- Retention --------------------------------------------------------- */

static void check_retention(const struct rk_decl *d, const struct rk_lint_rule *rule,
                            struct rk_findings *out) {
    for (size_t i = 0; i < d->nregisters; i++) {
        const struct rk_register *r = &d->registers[i];
        if (!r->retention.declared)
            lint_add(
                out, rule, r->loc,
                "register '%s' has no retention rule; declare 'retention:' with the events that "
                "end the keeping ('until') or a fixed 'period'",
                r->id);
    }
}

static void check_billing_retention(const struct rk_decl *d, const struct rk_lint_rule *rule,
                                    struct rk_findings *out) {
    for (size_t i = 0; i < d->ncategories; i++) {
        const struct rk_category *c = &d->categories[i];
        if (c->kind == RK_CAT_BILLING && c->erasure.rule != RK_ERASE_KEEP)
            lint_add(
                out, rule, c->loc,
                "category '%s' holds billing data but declares no statutory retention; invoices "
                "are accounting vouchers kept 6 years from the end of the year in which the "
                "financial period ended (Kirjanpitolaki 1336/1997 2:10): declare 'erasure: "
                "{keep_years: 6, from: end_of_financial_period, obligation: {fi: Kirjanpitolaki "
                "1336/1997 2:10, en: Accounting Act 1336/1997 2:10}}'",
                c->id);
    }
}

/* ---- Consent ----------------------------------------------------------- */

static void check_withdrawal(const struct rk_decl *d, const struct rk_lint_rule *rule,
                             struct rk_findings *out) {
    for (size_t i = 0; i < d->npurposes; i++) {
        const struct rk_purpose *p = &d->purposes[i];
        if (p->basis == RK_BASIS_CONSENT && p->withdrawal == 0)
            lint_add(
                out, rule, p->loc,
                "purpose '%s' rests on consent but declares no way to withdraw it; withdrawing "
                "must be as easy as giving consent: add 'consent: {withdrawal: [message_link, "
                "contact]}'",
                p->id);
    }
}

static void check_legitimate_interest(const struct rk_decl *d, const struct rk_lint_rule *rule,
                                      struct rk_findings *out) {
    for (size_t i = 0; i < d->npurposes; i++) {
        const struct rk_purpose *p = &d->purposes[i];
        if (p->basis == RK_BASIS_LEGITIMATE_INTERESTS && !rk_text_present(&p->legitimate_interest))
            lint_add(
                out, rule, p->loc,
                "purpose '%s' rests on legitimate interests but does not say which; the notice "
                "must name the interest: add 'legitimate_interest: {fi: ..., en: ...}'",
                p->id);
    }
}

/* ---- Sources and legal bases ------------------------------------------- */

/* Whether data the person never handed over can rest on basis b. */
static bool basis_covers_indirect(enum rk_basis b) {
    return b != RK_BASIS_CONSENT && b != RK_BASIS_CONTRACT;
}

static void check_source_basis(const struct rk_decl *d, const struct rk_lint_rule *rule,
                               struct rk_findings *out) {
    for (size_t i = 0; i < d->nsources; i++) {
        const struct rk_source *s = &d->sources[i];
        if (rk_source_from_subject(s->kind))
            continue;
        bool covered = false;
        if (s->npurposes) {
            for (size_t p = 0; p < s->npurposes; p++)
                covered |= basis_covers_indirect(s->purposes[p]->basis);
        } else {
            for (size_t r = 0; r < s->nregisters; r++)
                for (size_t p = 0; p < s->registers[r]->npurposes; p++)
                    covered |= basis_covers_indirect(s->registers[r]->purposes[p]->basis);
        }
        if (!covered)
            lint_add(
                out, rule, s->loc,
                "data from source '%s' is not given by the person, but the purposes it feeds rest "
                "only on consent or contract, which the person never gave for it; feed it a "
                "purpose with 'basis: legitimate_interests' (art 6(1)(f)), its "
                "'legitimate_interest' and 'balancing_test', or stop collecting from this source",
                rk_source_kind_id(s->kind));
    }
}

/*
 * Data from a source not the person's, used for direct marketing: the first message is the
 * first communication, which must carry the art 14 information (14(3)(b)) and bring the right
 * to object to the person's attention, clearly and separately (21(4)). rekisteri opens an
 * art14_inform task, due in a month, for every person added from such a source; what the
 * declaration must say of the source is source-name-missing's and source-categories-missing's.
 */
static void check_art14(const struct rk_decl *d, const struct rk_lint_rule *rule,
                        struct rk_findings *out) {
    for (size_t i = 0; i < d->nsources; i++) {
        const struct rk_source *s = &d->sources[i];
        if (rk_source_from_subject(s->kind))
            continue;
        const struct rk_purpose *marketing = NULL;
        if (s->npurposes) {
            for (size_t p = 0; !marketing && p < s->npurposes; p++)
                if (s->purposes[p]->marketing.declared)
                    marketing = s->purposes[p];
        } else {
            for (size_t r = 0; !marketing && r < s->nregisters; r++)
                for (size_t p = 0; !marketing && p < s->registers[r]->npurposes; p++)
                    if (s->registers[r]->purposes[p]->marketing.declared)
                        marketing = s->registers[r]->purposes[p];
        }
        if (marketing)
            lint_add(out, rule, s->loc,
                     "data from source '%s' is not collected from the person and feeds direct "
                     "marketing (purpose '%s'): inform each person within one month, or in the "
                     "first message if that comes sooner, and let that message bring the right "
                     "to object to their attention, clearly and separately from other "
                     "information; rekisteri opens an art14_inform task, due in a month, for "
                     "each person added from this source",
                     rk_source_kind_id(s->kind), marketing->id);
    }
}

/* ---- Categories, rights, record ---------------------------------------- */

static void check_unused_category(const struct rk_decl *d, const struct rk_lint_rule *rule,
                                  struct rk_findings *out) {
    for (size_t i = 0; i < d->ncategories; i++) {
        const struct rk_category *c = &d->categories[i];
        bool used = false;
        for (size_t r = 0; r < d->nregisters && !used; r++)
            for (size_t k = 0; k < d->registers[r].ncategories && !used; k++)
                used = d->registers[r].categories[k] == c;
        if (!used)
            lint_add(out, rule, c->loc,
                     "category '%s' is declared but no register holds it; add it to a register's "
                     "categories or remove it",
                     c->id);
    }
}

static void check_verification(const struct rk_decl *d, const struct rk_lint_rule *rule,
                               struct rk_findings *out) {
    if (d->rights.verification == RK_VERIFY_IN_PERSON)
        lint_add(out, rule, d->rights.loc,
                 "identity can be verified only in person; requiring a visit is disproportionate "
                 "when the person can be identified otherwise: add 'email_code' (a code sent to an "
                 "address already on file)");
}

static void check_security(const struct rk_decl *d, const struct rk_lint_rule *rule,
                           struct rk_findings *out) {
    if (d->nsecurity == 0)
        lint_add(out, rule, (struct rk_loc){1, 1},
                 "no security measures are declared, so the record of processing lacks item (g); "
                 "add 'security:' with the technical and organisational measures (art 32)");
}

static void check_notice_dates(const struct rk_decl *d, const struct rk_lint_rule *rule,
                               struct rk_findings *out) {
    if (!d->last_changed.y)
        lint_add(
            out, rule, (struct rk_loc){1, 1},
            "the notice has no 'last_changed' date; people cannot tell which version they read "
            "(add notice: {last_changed: YYYY-MM-DD})");
}

/* ---- The mail limit ---------------------------------------------------- */

#define LAX_INTERVAL 60 /* seconds: below this, the interval hardly slows a flood */
#define LAX_PER_DAY  24 /* more than one an hour on average */

static void check_mail_limits(const struct rk_decl *d, const struct rk_lint_rule *rule,
                              struct rk_findings *out) {
    const struct rk_mail_limits *m = &d->mail_limits;
    if (m->loc.line && (m->min_interval < LAX_INTERVAL || m->per_day > LAX_PER_DAY))
        lint_add(out, rule, m->loc,
                 "mail_limits lets anyone have %d mails a day, %ld seconds apart, sent to any "
                 "address through the public forms; keep min_interval at least 1min and per_day at "
                 "most %d (the defaults are 10min and 5)",
                 m->per_day, m->min_interval, LAX_PER_DAY);
}

/* ---- Branding and mail --------------------------------------------------- */

/* The relative luminance of one sRGB channel (WCAG 2.2, "relative luminance"). */
static double channel(unsigned v) {
    double c = v / 255.0;
    if (c <= 0.04045)
        return c / 12.92;
    double x = (c + 0.055) / 1.055, y = x * x; /* x^2.4 without libm: x^2 * x^0.4 */
    double r = 1.0;                            /* x^0.4 by Newton's method on r^5 = x^2 */
    for (int i = 0; i < 40; i++)
        r -= (r * r * r * r * r - y) / (5 * r * r * r * r);
    return y * r;
}

double rk_contrast_on_white(const char *hex) {
    unsigned rgb[3];
    for (int i = 0; i < 3; i++) {
        unsigned v = 0;
        for (int k = 1; k <= 2; k++) {
            char ch = hex[1 + 2 * i + k - 1];
            v = v * 16 + (unsigned)(ch <= '9' ? ch - '0' : (ch | 0x20) - 'a' + 10);
        }
        rgb[i] = v;
    }
    double l = 0.2126 * channel(rgb[0]) + 0.7152 * channel(rgb[1]) + 0.0722 * channel(rgb[2]);
    return 1.05 / (l + 0.05);
}

static void check_accent(const struct rk_decl *d, const struct rk_lint_rule *rule,
                         struct rk_findings *out) {
    const char *a = d->branding.accent;
    if (!a[0])
        return;
    double ratio = rk_contrast_on_white(a);
    if (ratio < 4.5)
        lint_add(
            out, rule, d->branding.accent_loc,
            "branding.accent %s has a contrast of %.2f:1 against white; links and buttons in it "
            "on white, and white text on it, need at least 4.5:1 (WCAG 2.2 AA): choose a darker "
            "colour",
            a, ratio);
}

static void check_reply_to(const struct rk_decl *d, const struct rk_lint_rule *rule,
                           struct rk_findings *out) {
    /* Only where the service mails the public: a declaration with forms or a mail section. */
    if (!rk_decl_reply_to(d) && (d->nforms > 0 || d->mail.loc.line))
        lint_add(
            out, rule, d->controller.loc,
            "no address for replies: the request receipt asks people to reply to it, but neither "
            "mail.reply_to, controller.email nor controller.dpo.email is declared");
}

/* The rules, grouped by subject; ids are stable (never rename or reuse one). */
static const struct rk_lint_rule rules[] = {
    /* transfers */
    {"transfer-privacy-shield", RK_SEV_ERROR,
     "a transfer rests on the EU-US Privacy Shield, invalid since 16 July 2020",
     "CJEU C-311/18 (Schrems II); GDPR art 44-46", check_privacy_shield},
    {"transfer-mechanism-missing", RK_SEV_ERROR,
     "a recipient outside the EEA has no transfer mechanism", "GDPR art 44-46",
     check_transfer_missing},
    {"transfer-mechanism-invalid", RK_SEV_ERROR,
     "a transfer claims an adequacy decision for a country that has none", "GDPR art 45",
     check_mechanism_fits},
    {"transfer-dpf-not-us", RK_SEV_ERROR,
     "a recipient or cookie vendor outside the United States is declared under the EU-US DPF",
     "Commission Implementing Decision (EU) 2023/1795", lint_dpf_not_us},
    {"transfer-dpf-unverified", RK_SEV_WARNING,
     "a transfer under the DPF does not say when (since 10 July 2023) the organisation was found "
     "on the DPF List",
     "Decision (EU) 2023/1795; GDPR art 5(2)", lint_dpf_unverified},
    {"transfer-safeguards-copy-missing", RK_SEV_WARNING,
     "a transfer under SCC or BCR does not say how to get a copy of the safeguards",
     "GDPR art 13(1)(f), 14(1)(f)", lint_safeguards_copy},
    {"transfer-stale-text", RK_SEV_ERROR,
     "a text of the declaration still mentions the EU-US Privacy Shield",
     "CJEU C-311/18 (16 July 2020)", lint_stale_text},
    /* retention */
    {"register-retention-missing", RK_SEV_ERROR, "a register has no retention rule",
     "GDPR art 5(1)(e), 13(2)(a)", check_retention},
    {"billing-retention-missing", RK_SEV_WARNING, "billing data has no statutory retention",
     "Kirjanpitolaki 1336/1997 2:10; GDPR art 17(3)(b)", check_billing_retention},
    {"billing-retention-calendar-year", RK_SEV_WARNING,
     "data is kept from the end of the calendar year, but the financial year ends on another day",
     "Kirjanpitolaki 1336/1997 2:10", lint_financial_period},
    /* legal bases */
    {"consent-withdrawal-missing", RK_SEV_ERROR,
     "a consent-based purpose declares no way to withdraw consent", "GDPR art 7(3)",
     check_withdrawal},
    {"legitimate-interest-missing", RK_SEV_ERROR,
     "a purpose on legitimate interests does not state the interest", "GDPR art 13(1)(d), 14(2)(b)",
     check_legitimate_interest},
    {"legitimate-interest-balancing-missing", RK_SEV_WARNING,
     "a purpose on legitimate interests does not say where its balancing test is documented",
     "GDPR art 6(1)(f), 5(2)", lint_balancing_test},
    /* special categories and children */
    {"special-category-condition-missing", RK_SEV_ERROR,
     "a special category of data has no art 9(2) condition", "GDPR art 9(1)-(2)",
     lint_special_condition},
    {"special-category-law-missing", RK_SEV_WARNING,
     "an art 9(2) condition that rests on Union or member-state law names no law",
     "GDPR art 9(2)(b), (g)-(j); Tietosuojalaki 1050/2018 6 §", lint_special_law},
    {"criminal-data-law-missing", RK_SEV_ERROR,
     "data on criminal convictions and offences names no law that authorises it",
     "GDPR art 10; Tietosuojalaki 1050/2018 7 §", lint_criminal_law},
    {"children-consent-art8", RK_SEV_ERROR,
     "an online service for children rests on consent without the art 8 rules",
     "GDPR art 8; Tietosuojalaki 1050/2018 5 §", lint_children},
    /* automated decisions and profiling */
    {"automated-decision-basis-missing", RK_SEV_ERROR,
     "automated decisions are declared without their art 22(2) exception", "GDPR art 22(1)-(2)",
     lint_adm_basis},
    {"automated-decision-safeguards-missing", RK_SEV_ERROR,
     "automated decisions on contract or explicit consent lack an art 22(3) safeguard",
     "GDPR art 22(3)", lint_adm_safeguards},
    {"automated-decision-consequences-missing", RK_SEV_WARNING,
     "automated decisions are declared without their envisaged consequences",
     "GDPR art 13(2)(f), 15(1)(h)", lint_adm_consequences},
    {"profiling-undisclosed", RK_SEV_ERROR,
     "there are signs of profiling (personalised ads, targeting) but it is not declared",
     "GDPR art 4(4), 13(2)(f), 15(1)(h), 21(2); EDPB Guidelines 8/2020", lint_profiling},
    /* direct marketing */
    {"marketing-email-consent-missing", RK_SEV_ERROR,
     "email or SMS marketing to consumers has neither consent nor the soft opt-in",
     "Tietoyhteiskuntakaari 917/2014 200 §", lint_marketing_consent},
    {"marketing-soft-opt-in-incomplete", RK_SEV_ERROR,
     "the soft opt-in is claimed without the opt-out at collection or without customers",
     "Tietoyhteiskuntakaari 917/2014 200 § 2 mom.", lint_soft_opt_in},
    {"marketing-contract-basis", RK_SEV_ERROR, "direct marketing rests on a contract",
     "GDPR art 6(1)(b); EDPB Guidelines 2/2019", lint_marketing_contract},
    /* sources */
    {"source-basis-mismatch", RK_SEV_ERROR,
     "a source not from the person feeds only consent- or contract-based purposes",
     "GDPR art 6(1), 14", check_source_basis},
    {"source-name-missing", RK_SEV_ERROR, "a source not from the person is not named",
     "GDPR art 14(2)(f)", lint_source_name},
    {"source-categories-missing", RK_SEV_ERROR,
     "a source not from the person does not list the categories obtained from it",
     "GDPR art 14(1)(d)", lint_source_categories},
    /* rights, categories, record */
    {"verification-in-person-only", RK_SEV_WARNING,
     "identity verification for requests is possible only in person",
     "GDPR art 12(2), 12(6); EDPB Guidelines 01/2022", check_verification},
    {"category-unused", RK_SEV_WARNING, "a category is declared but held by no register",
     "GDPR art 5(1)(c)", check_unused_category},
    {"security-measures-missing", RK_SEV_WARNING,
     "no security measures are declared for the record of processing", "GDPR art 30(1)(g), 32",
     check_security},
    {"notice-date-missing", RK_SEV_WARNING, "the notice has no last-changed date", "GDPR art 12(1)",
     check_notice_dates},
    /* cookies */
    {"cookie-essential-tracker", RK_SEV_ERROR,
     "an essential cookie category has a tracking vendor or cookie",
     "Information Society Code 917/2014 §205; ePrivacy Directive 2002/58/EC art 5(3)",
     check_essential_trackers},
    {"cookie-browser-settings", RK_SEV_WARNING,
     "the cookie description points to browser settings, which are not consent",
     "Information Society Code 917/2014 §205 (Traficom's guidance); GDPR art 4(11), 7",
     check_browser_settings},
    {"cookie-vendors-missing", RK_SEV_WARNING,
     "a cookie category that needs consent names no vendor",
     "GDPR art 13(1)(e); Information Society Code 917/2014 §205", check_vendors_missing},
    /* the service */
    {"mail-limits-lax", RK_SEV_WARNING, "the mail limit lets the public forms flood an inbox",
     "GDPR art 25(1), 32(1)", check_mail_limits},
    {"branding-accent-contrast", RK_SEV_ERROR,
     "the accent colour is too light for links and buttons on white", "WCAG 2.2 SC 1.4.3",
     check_accent},
    {"mail-reply-to-missing", RK_SEV_WARNING, "replies to the service's mail have nowhere to go",
     "GDPR art 12(2)", check_reply_to},
    /* recipients */
    {"recipient-share-not-held", RK_SEV_ERROR,
     "a recipient shares a category its register does not hold", "GDPR art 5(1)(c), 13(1)(e)",
     check_share_held},
    {"recipient-shares-missing", RK_SEV_ERROR,
     "a recipient with a connector or a Mailchimp audience does not declare what it receives",
     "GDPR art 5(1)(c), 25(2)", check_shares_missing},
    {"recipient-purpose-missing", RK_SEV_ERROR,
     "a recipient receives data of a register with a consent-based purpose but names no purpose",
     "GDPR art 5(1)(b), 6(1)(a)", check_share_purpose},
    {"art14-inform-indirect", RK_SEV_NOTE,
     "data from a source other than the person feeds direct marketing: inform by the first "
     "message, with the right to object",
     "GDPR art 14(3), 21(4)", check_art14},
};

const struct rk_lint_rule *rk_lint_rules(size_t *count) {
    *count = sizeof rules / sizeof rules[0];
    return rules;
}

rk_err rk_lint_run(const struct rk_decl *d, struct rk_findings *out) {
    for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
        rules[i].check(d, &rules[i], out);
    return out->oom ? RK_ENOMEM : RK_OK;
}
