/*
 * lint_legal.c — the lint rules on the GDPR's finer points and the Finnish law beside it:
 * special categories (art 9, 1050/2018 6 §) and criminal-offence data (art 10, 7 §), children
 * on online services (art 8, 5 §), automated decisions (art 22), profiling (art 4(4)), direct
 * marketing by electronic mail (917/2014 200 §) and on a contract basis (EDPB 2/2019), the
 * balancing test of legitimate interests, named indirect sources (art 14), stale Privacy Shield
 * text, the Data Privacy Framework, copies of safeguards, and accounting retention counted from
 * the financial period (1336/1997 2:10).
 *
 * Each check is run from the one rule table in lint.c (ids, severities and references are
 * there); each finding says what is wrong, the key to add with an example value, and points at
 * the item it is about.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "decl/lint.h"
#include "decl/lint_rules.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- Special categories and criminal-offence data ------------------------------------------ */

LINT_CHECK(lint_special_condition) {
    for (size_t i = 0; i < d->ncategories; i++) {
        const struct rk_category *c = &d->categories[i];
        if (c->special == RK_SPECIAL_NONE || c->special == RK_SPECIAL_CRIMINAL_OFFENCES ||
            c->condition != RK_ART9_NONE)
            continue;
        lint_add(out, rule, c->special_loc,
                 "category '%s' holds special-category data (%s), which art 9(1) forbids to "
                 "process unless an art 9(2) condition applies; name it: add 'condition: "
                 "explicit_consent' (or employment, vital_interests, not_for_profit, "
                 "made_public, legal_claims, substantial_public_interest, health_care, "
                 "public_health, archiving)",
                 c->id, rk_special_id(c->special));
    }
}

/* The art 9(2) conditions that apply only as Union or member-state law provides. */
static bool condition_needs_law(enum rk_art9_condition k) {
    return k == RK_ART9_EMPLOYMENT || k == RK_ART9_SUBSTANTIAL_PUBLIC_INTEREST ||
           k == RK_ART9_HEALTH_CARE || k == RK_ART9_PUBLIC_HEALTH || k == RK_ART9_ARCHIVING;
}

LINT_CHECK(lint_special_law) {
    for (size_t i = 0; i < d->ncategories; i++) {
        const struct rk_category *c = &d->categories[i];
        if (c->special == RK_SPECIAL_NONE || !condition_needs_law(c->condition) ||
            rk_text_present(&c->law))
            continue;
        lint_add(out, rule, c->special_loc,
                 "category '%s' rests on the condition %s (art 9(2)(%c)), which applies only as "
                 "Union or Finnish law provides; name the provision: add 'law: {fi: "
                 "Tietosuojalaki 1050/2018 6 §, en: Data Protection Act 1050/2018 section 6}' "
                 "(or the special act that allows it)",
                 c->id, rk_art9_condition_id(c->condition), rk_art9_condition_letter(c->condition));
    }
}

LINT_CHECK(lint_criminal_law) {
    for (size_t i = 0; i < d->ncategories; i++) {
        const struct rk_category *c = &d->categories[i];
        if (c->special != RK_SPECIAL_CRIMINAL_OFFENCES || rk_text_present(&c->law))
            continue;
        lint_add(out, rule, c->special_loc,
                 "category '%s' holds data on criminal convictions and offences, which may be "
                 "processed only under official authority or as a law providing safeguards "
                 "allows; name the provision: add 'law: {fi: Tietosuojalaki 1050/2018 7 §, en: "
                 "Data Protection Act 1050/2018 section 7}' (or the special act that allows it)",
                 c->id);
    }
}

/* ---- Children ------------------------------------------------------------------------------ */

LINT_CHECK(lint_children) {
    for (size_t i = 0; i < d->nregisters; i++) {
        const struct rk_register *r = &d->registers[i];
        const struct rk_children *ch = &r->children;
        if (!ch->declared || !ch->online_service)
            continue;
        const struct rk_purpose *consent = NULL;
        for (size_t p = 0; !consent && p < r->npurposes; p++)
            if (r->purposes[p]->basis == RK_BASIS_CONSENT)
                consent = r->purposes[p];
        if (!consent)
            continue;
        bool young = ch->min_age < RK_CHILD_CONSENT_AGE_FI;
        bool parent = young && !rk_text_present(&ch->parental_consent);
        bool verify = !rk_text_present(&ch->age_verification);
        if (!parent && !verify)
            continue;
        lint_add(out, rule, ch->loc,
                 "register '%s' offers an online service directly to children from age %d and "
                 "rests purpose '%s' on consent%s%s",
                 r->id, ch->min_age, consent->id,
                 parent ? "; under 13 a child's consent is valid only when the holder of parental "
                          "responsibility gives or authorises it: add 'parental_consent: {fi: "
                          "Huoltaja vahvistaa suostumuksen sähköpostiinsa lähetetyllä linkillä., "
                          "en: A parent confirms the consent through a link sent to their "
                          "email.}'"
                        : "",
                 !verify ? ""
                 : young ? "; the controller must make reasonable efforts to verify the age and "
                           "that a parent consented: add 'age_verification: {fi: Syntymäaika "
                           "kysytään rekisteröityessä ja alle 13-vuotiaan huoltaja vahvistaa "
                           "sen., en: The date of birth is asked at sign-up and a parent "
                           "confirms it for a child under 13.}'"
                         : "; the controller must make reasonable efforts to verify the age: "
                           "add 'age_verification: {fi: Syntymäaika kysytään rekisteröityessä., "
                           "en: The date of birth is asked at sign-up.}'");
    }
}

/* ---- Automated decisions (art 22) ---------------------------------------------------------- */

LINT_CHECK(lint_adm_basis) {
    const struct rk_rights *r = &d->rights;
    if (r->automated_decisions && r->automated_basis == RK_ADM_NONE)
        lint_add(out, rule, r->loc,
                 "rights.automated_decisions is true but no art 22(2) exception is declared; a "
                 "decision based solely on automated processing with legal or similarly "
                 "significant effect is allowed only when necessary for a contract with the "
                 "person, authorised by law, or on their explicit consent: add "
                 "'automated_basis: contract' (or law, explicit_consent)");
}

LINT_CHECK(lint_adm_safeguards) {
    const struct rk_rights *r = &d->rights;
    if (!r->automated_decisions ||
        (r->automated_basis != RK_ADM_CONTRACT && r->automated_basis != RK_ADM_EXPLICIT_CONSENT))
        return;
    unsigned missing = RK_ADM_SAFEGUARDS_ALL & ~r->automated_safeguards;
    if (!missing)
        return;
    char names[96] = "";
    size_t len = 0;
    for (unsigned b = 0; b < RK_ADM_SAFEGUARD__COUNT; b++)
        if (missing & (1u << b)) {
            int n = snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "",
                             rk_adm_safeguard_id((enum rk_adm_safeguard)(1u << b)));
            if (n > 0 && (size_t)n < sizeof names - len)
                len += (size_t)n;
        }
    lint_add(out, rule, r->loc,
             "automated decisions rest on %s, so art 22(3) requires at least the right to obtain "
             "human intervention, to express one's point of view and to contest the decision; "
             "missing: %s: declare 'automated_safeguards: [human_intervention, express_view, "
             "contest]'",
             r->automated_basis == RK_ADM_CONTRACT ? "a contract" : "explicit consent", names);
}

LINT_CHECK(lint_adm_consequences) {
    const struct rk_rights *r = &d->rights;
    if (r->automated_decisions && !rk_text_present(&r->automated_consequences))
        lint_add(out, rule, r->loc,
                 "rights.automated_decisions is true but the significance and the envisaged "
                 "consequences of the decisions are not declared, so neither the notice nor the "
                 "access answer can tell them: add 'automated_consequences: {fi: Hakemus voidaan "
                 "hylätä ilman ihmisen arviota., en: An application may be refused without "
                 "review by a person.}'");
}

/* ---- Profiling ----------------------------------------------------------------------------- */

/* Words that say a purpose evaluates people (matched case-insensitively, fi and en). */
static const char *const profiling_words[] = {"target", "kohdenta", "profil", "segment"};

/* Whether c is a byte of a word: a letter, a digit, or part of a UTF-8 character. */
static bool word_byte(char c) {
    unsigned char u = (unsigned char)c;
    return u >= 0x80 || (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9');
}

/* The first word of text containing one of profiling_words: its start and length, or NULL. */
static const char *profiling_word(const char *text, int *len) {
    if (!text)
        return NULL;
    for (const char *p = text; *p; p++) {
        if (p != text && word_byte(p[-1]))
            continue; /* only at the start of a word */
        const char *end = p;
        while (word_byte(*end))
            end++;
        char word[64];
        size_t n = (size_t)(end - p) < sizeof word - 1 ? (size_t)(end - p) : sizeof word - 1;
        memcpy(word, p, n);
        word[n] = '\0';
        for (size_t k = 0; k < COUNT(profiling_words); k++)
            if (lint_contains_ci(word, profiling_words[k])) {
                *len = (int)(end - p);
                return p;
            }
        if (end > p)
            p = end - 1;
    }
    return NULL;
}

#define PROFILING_FIX                                                                              \
    "add 'profiling: {what: {fi: ..., en: ...}, logic: {fi: ..., en: ...}, consequences: {fi: "    \
    "..., en: ...}}' saying what is evaluated (e.g. 'the interests you gave and what you do on "   \
    "our website'), how, and what follows for the person"

LINT_CHECK(lint_profiling) {
    /* A purpose that says it targets or profiles, but declares no profiling itself. */
    for (size_t i = 0; i < d->npurposes; i++) {
        const struct rk_purpose *p = &d->purposes[i];
        if (p->profiling.declared)
            continue;
        const struct {
            const char *text, *what;
        } texts[] = {{p->name.fi, "name (fi)"},
                     {p->name.en, "name (en)"},
                     {p->description.fi, "description (fi)"},
                     {p->description.en, "description (en)"}};
        for (size_t t = 0; t < COUNT(texts); t++) {
            int len = 0;
            const char *w = profiling_word(texts[t].text, &len);
            if (!w)
                continue;
            lint_add(out, rule, p->loc,
                     "purpose '%s' says '%.*s' in its %s, a sign of profiling (an automated "
                     "evaluation of personal aspects), but declares no profiling, so the notice "
                     "and the access answer would say none is done; " PROFILING_FIX,
                     p->id, len > 40 ? 40 : len, w, texts[t].what);
            break;
        }
    }
    /* Personalised advertising through the website's cookies profiles the visitor. */
    if (rk_decl_profiles(d))
        return;
    for (size_t i = 0; i < d->cookies.ncategories; i++) {
        const struct rk_cookie_category *c = &d->cookies.categories[i];
        if (c->essential || !(c->consent_mode & RK_GCM_AD_PERSONALIZATION))
            continue;
        lint_add(out, rule, c->loc,
                 "cookie category '%s' grants ad_personalization (advertising personalised by "
                 "the visitor's behaviour), which is profiling, but no purpose declares profiling, "
                 "so the notice and the access answer would say none is done; on the purpose the "
                 "advertising serves, " PROFILING_FIX,
                 c->id);
    }
}

/* ---- Direct marketing (917/2014 200-202 §) ----------------------------------------------- */

LINT_CHECK(lint_marketing_consent) {
    for (size_t i = 0; i < d->npurposes; i++) {
        const struct rk_purpose *p = &d->purposes[i];
        const struct rk_marketing *m = &p->marketing;
        if (!m->declared || !(m->channels & RK_CHANNELS_ELECTRONIC) ||
            m->audience == RK_AUDIENCE_BUSINESS || p->basis == RK_BASIS_CONSENT || m->soft_opt_in)
            continue;
        unsigned el = m->channels & RK_CHANNELS_ELECTRONIC;
        lint_add(out, rule, m->loc,
                 "purpose '%s' sends direct marketing by %s to %s on %s; electronic direct "
                 "marketing to natural persons needs their prior consent: declare 'basis: "
                 "consent' (with 'consent: {withdrawal: [message_link]}'), or, for the "
                 "controller's own similar products to existing customers, 'soft_opt_in: "
                 "{products: {fi: omat vastaavat palvelumme, en: our own similar services}, "
                 "opt_out_at_collection: true}'",
                 p->id,
                 el == RK_CHANNELS_ELECTRONIC ? "email and SMS"
                 : el == RK_CHANNEL_EMAIL     ? "email"
                                              : "SMS",
                 m->audience == RK_AUDIENCE_BOTH ? "consumers and businesses" : "consumers",
                 rk_basis_id(p->basis));
    }
}

/* Whether a register that holds purpose p holds a category of kind contract (customers). */
static bool purpose_has_customers(const struct rk_decl *d, const struct rk_purpose *p) {
    for (size_t i = 0; i < d->nregisters; i++) {
        const struct rk_register *r = &d->registers[i];
        bool holds = rk_register_has_purpose(r, p);
        for (size_t k = 0; holds && k < r->ncategories; k++)
            if (r->categories[k]->kind == RK_CAT_CONTRACT)
                return true;
    }
    return false;
}

LINT_CHECK(lint_soft_opt_in) {
    for (size_t i = 0; i < d->npurposes; i++) {
        const struct rk_purpose *p = &d->purposes[i];
        const struct rk_marketing *m = &p->marketing;
        if (!m->declared || !m->soft_opt_in)
            continue;
        if (!m->opt_out_at_collection)
            lint_add(out, rule, m->soft_opt_in_loc,
                     "purpose '%s' relies on the soft opt-in, but the customer cannot refuse the "
                     "marketing when the address is collected (opt_out_at_collection: false); "
                     "the exception holds only if refusing was free and easy then and is in "
                     "every message: offer the refusal at collection and declare "
                     "'opt_out_at_collection: true', or ask for consent (basis: consent)",
                     p->id);
        if (!purpose_has_customers(d, p))
            lint_add(out, rule, m->soft_opt_in_loc,
                     "purpose '%s' relies on the soft opt-in, which covers only customers whose "
                     "address the controller got in a sale, but no register holding the purpose "
                     "keeps customer data (a category with 'kind: contract'); add the purpose "
                     "to the customer register (e.g. one holding 'orders' of kind contract), or "
                     "ask for consent (basis: consent)",
                     p->id);
    }
}

LINT_CHECK(lint_marketing_contract) {
    for (size_t i = 0; i < d->npurposes; i++) {
        const struct rk_purpose *p = &d->purposes[i];
        if (p->marketing.declared && p->basis == RK_BASIS_CONTRACT)
            lint_add(out, rule, p->loc,
                     "purpose '%s' does direct marketing on 'basis: contract', but a contract "
                     "covers only what is objectively necessary to perform it, never marketing: "
                     "rest the marketing on consent ('basis: consent') or on legitimate "
                     "interests ('basis: legitimate_interests' with 'legitimate_interest' and "
                     "'balancing_test'), as a purpose of its own",
                     p->id);
    }
}

/* ---- Legitimate interests ------------------------------------------------------------------ */

LINT_CHECK(lint_balancing_test) {
    for (size_t i = 0; i < d->npurposes; i++) {
        const struct rk_purpose *p = &d->purposes[i];
        if (p->basis == RK_BASIS_LEGITIMATE_INTERESTS && !rk_text_present(&p->balancing_test))
            lint_add(out, rule, p->loc,
                     "purpose '%s' rests on legitimate interests but does not say where the "
                     "balancing test is documented; the controller must be able to show that "
                     "its interest is not overridden by the person's: add 'balancing_test: {fi: "
                     "Tasapainotesti on dokumentoitu; saat sen pyytämällä., en: The balancing "
                     "test is documented; you can ask for it.}'",
                     p->id);
    }
}

/* ---- Indirect sources (art 14) ------------------------------------------------------------- */

/* The source as messages name it: its kind and, when declared, its name or else its detail
 * ("'public_source' (municipal web pages)"). */
static void source_label(const struct rk_source *s, char *buf, size_t n) {
    const struct rk_text *t = rk_text_present(&s->name) ? &s->name : &s->detail;
    if (rk_text_present(t))
        snprintf(buf, n, "'%s' (%.60s)", rk_source_kind_id(s->kind), t->en);
    else
        snprintf(buf, n, "'%s'", rk_source_kind_id(s->kind));
}

LINT_CHECK(lint_source_name) {
    for (size_t i = 0; i < d->nsources; i++) {
        const struct rk_source *s = &d->sources[i];
        if (rk_source_from_subject(s->kind) || rk_text_present(&s->name))
            continue;
        char label[96];
        source_label(s, label, sizeof label);
        lint_add(out, rule, s->loc,
                 "source %s obtains data not from the person, but does not name the source; the "
                 "notice must say from which source the data comes: add 'name: {fi: Helsingin "
                 "kaupungin verkkosivut, en: City of Helsinki website}'",
                 label);
    }
}

LINT_CHECK(lint_source_categories) {
    for (size_t i = 0; i < d->nsources; i++) {
        const struct rk_source *s = &d->sources[i];
        if (rk_source_from_subject(s->kind) || s->ncategories > 0)
            continue;
        char label[96], example[96] = "name, email";
        source_label(s, label, sizeof label);
        if (s->nregisters && s->registers[0]->ncategories) {
            const struct rk_register *r = s->registers[0];
            snprintf(example, sizeof example, "%.40s%s%.40s", r->categories[0]->id,
                     r->ncategories > 1 ? ", " : "",
                     r->ncategories > 1 ? r->categories[1]->id : "");
        }
        lint_add(out, rule, s->loc,
                 "source %s obtains data not from the person, but does not say which categories "
                 "of data it gives; the notice must list them: add 'categories: [%s]' (the "
                 "categories of its registers obtained from it)",
                 label, example);
    }
}

/* ---- Stale transfer text ------------------------------------------------------------------- */

/* How texts name the invalidated EU-US Privacy Shield ("Privacy Shield -järjestely",
 * "privacyshield.gov"), matched case-insensitively. */
static const char *const shield_words[] = {"privacy shield", "privacy-shield", "privacyshield"};

static bool mentions_shield(const char *s) {
    for (size_t k = 0; s && k < COUNT(shield_words); k++)
        if (lint_contains_ci(s, shield_words[k]))
            return true;
    return false;
}

struct stale {
    const struct rk_lint_rule *rule;
    struct rk_findings *out;
};

/* One finding when fi or en (either may be NULL) mentions the Privacy Shield; what (a printf
 * format) names the text, formatted only then. */
__attribute__((format(printf, 5, 6))) static void stale_text(struct stale *st, struct rk_loc loc,
                                                             const char *fi, const char *en,
                                                             const char *what, ...) {
    bool f = mentions_shield(fi), e = mentions_shield(en);
    if (!f && !e)
        return;
    char label[160];
    va_list ap;
    va_start(ap, what);
    vsnprintf(label, sizeof label, what, ap);
    va_end(ap);
    if (!loc.line)
        loc = (struct rk_loc){1, 1};
    lint_add(st->out, st->rule, loc,
             "%s%s mentions the EU-US Privacy Shield, which the Court of Justice invalidated on "
             "16 July 2020; whatever the transfers now rest on, this text tells people of a "
             "mechanism that no longer exists: rewrite it to name the one used now (e.g. 'the "
             "EU-US Data Privacy Framework; certifications at "
             "https://www.dataprivacyframework.gov/list', or 'standard contractual clauses')",
             label,
             !(fi && en) ? "" /* a plain string: no language to name */
             : f && e    ? " (fi, en)"
             : f         ? " (fi)"
                         : " (en)");
}

/* stale_text over t, named "<item> '<id>' <field>", or field alone when item is NULL. */
static void stale_rk(struct stale *st, struct rk_loc loc, const struct rk_text *t, const char *item,
                     const char *id, const char *field) {
    if (item)
        stale_text(st, loc, t->fi, t->en, "%s '%s' %s", item, id, field);
    else
        stale_text(st, loc, t->fi, t->en, "%s", field);
}

static void stale_purposes(const struct rk_decl *d, struct stale *st) {
    for (size_t i = 0; i < d->npurposes; i++) {
        const struct rk_purpose *p = &d->purposes[i];
        const struct rk_profiling *pr = &p->profiling;
        stale_rk(st, p->loc, &p->name, "purpose", p->id, "name");
        stale_rk(st, p->loc, &p->description, "purpose", p->id, "description");
        stale_rk(st, p->loc, &p->legitimate_interest, "purpose", p->id, "legitimate_interest");
        stale_rk(st, p->loc, &p->balancing_test, "purpose", p->id, "balancing_test");
        stale_rk(st, pr->loc, &pr->what, "purpose", p->id, "profiling.what");
        stale_rk(st, pr->loc, &pr->logic, "purpose", p->id, "profiling.logic");
        stale_rk(st, pr->loc, &pr->consequences, "purpose", p->id, "profiling.consequences");
        stale_rk(st, p->marketing.soft_opt_in_loc, &p->marketing.similar_products, "purpose", p->id,
                 "soft_opt_in.products");
    }
}

static void stale_data(const struct rk_decl *d, struct stale *st) {
    for (size_t i = 0; i < d->ncategories; i++) {
        const struct rk_category *c = &d->categories[i];
        stale_rk(st, c->loc, &c->name, "category", c->id, "name");
        stale_rk(st, c->loc, &c->erasure.obligation, "category", c->id, "erasure.obligation");
        stale_rk(st, c->special_loc, &c->law, "category", c->id, "law");
        for (size_t k = 0; k < c->nchoices; k++)
            stale_text(st, c->loc, c->choices[k].name.fi, c->choices[k].name.en,
                       "category '%s' choice '%s'", c->id, c->choices[k].id);
    }
    for (size_t i = 0; i < d->nregisters; i++) {
        const struct rk_register *r = &d->registers[i];
        stale_rk(st, r->loc, &r->name, "register", r->id, "name");
        stale_rk(st, r->loc, &r->subjects, "register", r->id, "subjects");
        stale_rk(st, r->retention.loc, &r->retention.text, "register", r->id, "retention.text");
        stale_rk(st, r->children.loc, &r->children.age_verification, "register", r->id,
                 "children.age_verification");
        stale_rk(st, r->children.loc, &r->children.parental_consent, "register", r->id,
                 "children.parental_consent");
    }
    for (size_t i = 0; i < d->nsources; i++) {
        const struct rk_source *s = &d->sources[i];
        const char *kind = rk_source_kind_id(s->kind);
        stale_text(st, s->loc, s->name.fi, s->name.en, "source %s name", kind);
        stale_text(st, s->loc, s->detail.fi, s->detail.en, "source %s detail", kind);
        stale_text(st, s->loc, s->note.fi, s->note.en, "source %s note", kind);
    }
}

static void stale_transfers(const struct rk_decl *d, struct stale *st) {
    for (size_t i = 0; i < d->nrecipients; i++) {
        const struct rk_recipient *r = &d->recipients[i];
        stale_text(st, r->loc, r->name, NULL, "recipient '%s' name", r->id);
        stale_rk(st, r->loc, &r->purpose, "recipient", r->id, "purpose");
        stale_rk(st, r->transfer_loc, &r->safeguards_copy, "recipient", r->id, "safeguards_copy");
    }
    stale_rk(st, d->transfers_note_loc, &d->transfers_note, NULL, NULL, "transfers_note");
    const struct rk_cookies *ck = &d->cookies;
    stale_rk(st, ck->loc, &ck->description, NULL, NULL, "cookies.description");
    for (size_t i = 0; i < ck->ncategories; i++) {
        const struct rk_cookie_category *c = &ck->categories[i];
        stale_rk(st, c->loc, &c->name, "cookie category", c->id, "name");
        stale_rk(st, c->loc, &c->purpose, "cookie category", c->id, "purpose");
        for (size_t k = 0; k < c->nvendors; k++) {
            const struct rk_cookie_vendor *v = &c->vendors[k];
            stale_text(st, v->loc, v->name, NULL, "cookie vendor '%.60s' name", v->name);
            stale_text(st, v->transfer_loc, v->safeguards_copy.fi, v->safeguards_copy.en,
                       "cookie vendor '%.60s' safeguards_copy", v->name);
        }
    }
}

static void stale_service(const struct rk_decl *d, struct stale *st) {
    const struct rk_controller *ct = &d->controller;
    stale_text(st, ct->loc, ct->name, NULL, "controller.name");
    stale_text(st, ct->loc, ct->address, NULL, "controller.address");
    const struct {
        const struct rk_party *party;
        const char *what;
    } parties[] = {{&ct->dpo, "controller.dpo"},
                   {&ct->representative, "controller.representative"}};
    for (size_t i = 0; i < COUNT(parties); i++) {
        stale_text(st, ct->loc, parties[i].party->name, NULL, "%s.name", parties[i].what);
        stale_text(st, ct->loc, parties[i].party->address, NULL, "%s.address", parties[i].what);
    }
    stale_rk(st, d->intro_loc, &d->intro, NULL, NULL, "notice.intro");
    for (size_t i = 0; i < d->nexclusions; i++)
        stale_rk(st, d->exclusions[i].loc, &d->exclusions[i].text, "out_of_scope",
                 d->exclusions[i].id, "text");
    stale_rk(st, d->provision_loc, &d->provision, NULL, NULL, "provision");
    const struct rk_rights *r = &d->rights;
    stale_rk(st, r->loc, &r->instructions, NULL, NULL, "rights.instructions");
    stale_rk(st, r->loc, &r->automated_logic, NULL, NULL, "rights.automated_logic");
    stale_rk(st, r->loc, &r->automated_consequences, NULL, NULL, "rights.automated_consequences");
    /* the authority's section has no loc of its own: reported at 1:1 */
    stale_rk(st, (struct rk_loc){1, 1}, &d->authority.name, NULL, NULL,
             "supervisory_authority.name");
    stale_text(st, (struct rk_loc){1, 1}, d->authority.address, NULL,
               "supervisory_authority.address");
    stale_text(st, (struct rk_loc){1, 1}, d->authority.url, NULL, "supervisory_authority.url");
    for (size_t i = 0; i < d->nsecurity; i++)
        stale_text(st, d->security_loc, d->security[i].fi, d->security[i].en, "security item %zu",
                   i + 1);
    for (size_t i = 0; i < d->nroles; i++)
        stale_rk(st, d->roles[i].loc, &d->roles[i].name, "role", d->roles[i].id, "name");
    for (size_t i = 0; i < d->nforms; i++) {
        const struct rk_form *f = &d->forms[i];
        stale_rk(st, f->loc, &f->name, "form", f->id, "name");
        stale_rk(st, f->loc, &f->consent_text, "form", f->id, "consent_text");
        for (size_t k = 0; k < f->nfields; k++)
            stale_text(st, f->loc, f->labels[k].fi, f->labels[k].en, "form '%s' label of '%s'",
                       f->id, f->fields[k]->id);
    }
    const struct rk_branding *b = &d->branding;
    if (b->name != ct->name)
        stale_text(st, b->loc, b->name, NULL, "branding.name");
    for (size_t i = 0; i < b->nlinks; i++) {
        stale_text(st, b->loc, b->links[i].label.fi, b->links[i].label.en,
                   "branding link %zu label", i + 1);
        stale_text(st, b->loc, b->links[i].url, NULL, "branding link %zu url", i + 1);
    }
}

LINT_CHECK(lint_stale_text) {
    struct stale st = {.rule = rule, .out = out};
    stale_service(d, &st);
    stale_purposes(d, &st);
    stale_data(d, &st);
    stale_transfers(d, &st);
}

/* ---- The Data Privacy Framework and copies of safeguards ----------------------------------- */

static void dpf_not_us_one(const struct rk_decl *d, const struct lint_party *p,
                           const struct rk_lint_rule *rule, struct rk_findings *out) {
    (void)d;
    if (p->transfer == RK_TRANSFER_DPF && strcmp(p->country, "US") != 0)
        lint_add(out, rule, p->loc,
                 "%s '%s' is in %s, but the EU-US Data Privacy Framework covers only "
                 "organisations in the United States certified under it; declare the mechanism "
                 "that applies there, e.g. 'transfer: scc' with 'safeguards_copy'%s",
                 p->kind, p->name, p->country,
                 rk_country_adequate(p->country) ? " (or 'transfer: adequacy': the country has an "
                                                   "adequacy decision)"
                                                 : "");
}

LINT_CHECK(lint_dpf_not_us) { lint_each_party(d, rule, out, dpf_not_us_one); }

static void dpf_unverified_one(const struct rk_decl *d, const struct lint_party *p,
                               const struct rk_lint_rule *rule, struct rk_findings *out) {
    (void)d;
    const struct rk_date in_force = {2023, 7, 10}; /* decision (EU) 2023/1795 */
    /* outside the US the DPF does not apply at all: transfer-dpf-not-us says so */
    if (p->transfer != RK_TRANSFER_DPF || strcmp(p->country, "US") != 0)
        return;
    if (!p->dpf_verified.y)
        lint_add(out, rule, p->loc,
                 "%s '%s' rests on the EU-US Data Privacy Framework, but the declaration does not "
                 "say when it was found on the DPF List; only certified organisations are covered "
                 "and certifications lapse: check https://www.dataprivacyframework.gov/list and "
                 "add 'dpf_verified: 2025-06-30' (the day you checked)",
                 p->kind, p->name);
    else if (rk_date_cmp(p->dpf_verified, in_force) < 0)
        lint_add(out, rule, p->loc,
                 "%s '%s' was found on the DPF List on %04d-%02d-%02d, before the EU-US Data "
                 "Privacy Framework took effect on 10 July 2023, so that was no check of it: "
                 "check https://www.dataprivacyframework.gov/list and declare the day, e.g. "
                 "'dpf_verified: 2025-06-30'",
                 p->kind, p->name, p->dpf_verified.y, p->dpf_verified.m, p->dpf_verified.d);
}

LINT_CHECK(lint_dpf_unverified) { lint_each_party(d, rule, out, dpf_unverified_one); }

static void safeguards_copy_one(const struct rk_decl *d, const struct lint_party *p,
                                const struct rk_lint_rule *rule, struct rk_findings *out) {
    if ((p->transfer != RK_TRANSFER_SCC && p->transfer != RK_TRANSFER_BCR) ||
        rk_text_present(p->safeguards_copy))
        return;
    const char *email = rk_decl_reply_to(d);
    bool scc = p->transfer == RK_TRANSFER_SCC;
    lint_add(out, rule, p->loc,
             "%s '%s' (%s) is transferred to under %s, but the notice does not say how to get a "
             "copy of them or where they are available: add 'safeguards_copy: {fi: Jäljennöksen "
             "%s saa pyytämällä osoitteesta %.80s., en: A copy of the %s can be requested from "
             "%.80s.}'",
             p->kind, p->name, p->country,
             scc ? "standard contractual clauses" : "binding corporate rules",
             scc ? "vakiotietosuojalausekkeista" : "yritystä koskevista sitovista säännöistä",
             email ? email : "tietosuoja@esimerkki.fi",
             scc ? "standard contractual clauses" : "binding corporate rules",
             email ? email : "tietosuoja@esimerkki.fi");
}

LINT_CHECK(lint_safeguards_copy) { lint_each_party(d, rule, out, safeguards_copy_one); }

/* ---- The financial year (Kirjanpitolaki 1336/1997 2:10) ------------------------------------- */

LINT_CHECK(lint_financial_period) {
    int m = d->controller.financial_year_end.m, day = d->controller.financial_year_end.d;
    if (m == 0 || (m == 12 && day == 31))
        return;
    for (size_t i = 0; i < d->ncategories; i++) {
        const struct rk_category *c = &d->categories[i];
        if (c->erasure.rule != RK_ERASE_KEEP || c->erasure.from != RK_FROM_END_OF_CALENDAR_YEAR)
            continue;
        lint_add(out, rule, c->loc,
                 "category '%s' is kept %d years from the end of the calendar year, but the "
                 "financial year ends on %02d-%02d; the Accounting Act counts from the end of the "
                 "year in which the financial period ended: use 'from: end_of_financial_period'",
                 c->id, c->erasure.keep_years, m, day);
    }
}
