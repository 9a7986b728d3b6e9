/*
 * decl_legal.c — the parts of the declaration the GDPR's finer rules turn on
 * (docs/declaration.md): profiling and direct marketing per purpose, special
 * categories and criminal-offence data per category, children per register,
 * the Data Privacy Framework check and the copy of the safeguards per
 * recipient, real ISO 3166-1 countries, and the financial year the accounting
 * retention counts from. The linter (lint_legal.c) judges what is read here;
 * this file only checks that each value is well-formed and where it may stand.
 */
#include <stdio.h>
#include <string.h>

#include "decl/schema.h"

/* ---- Countries -------------------------------------------------------------------------- */

/* Every officially assigned ISO 3166-1 alpha-2 code, in order. */
static const char iso3166[] =
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ "
    "BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS "
    "GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ "
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV "
    "SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW";

bool rk_country_assigned(const char *code) {
    if (strlen(code) != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z')
        return false;
    for (const char *p = iso3166; *p; p += p[2] ? 3 : 2)
        if (p[0] == code[0] && p[1] == code[1])
            return true;
    return false;
}

bool dl_get_country(struct ctx *c, const ynode *n, const char *what, char out[3]) {
    if (!dl_is_text(c, n, what))
        return false;
    const char *cc = n->str;
    if (rk_country_assigned(cc)) {
        out[0] = cc[0], out[1] = cc[1], out[2] = '\0';
        return true;
    }
    /* The codes people write that ISO does not assign to a country. */
    if (strcmp(cc, "EU") == 0 || strcmp(cc, "EEA") == 0 || strcmp(cc, "ETA") == 0)
        ERR_AT(c, n,
               "%s: '%s' is not a country; name the country where the recipient keeps or can "
               "reach the data, as an ISO 3166-1 code (e.g. IE, DE, SE). A recipient in an EU or "
               "EEA country needs no transfer mechanism",
               what, cc);
    else if (strcmp(cc, "UK") == 0)
        ERR_AT(c, n, "%s: 'UK' is not an ISO 3166-1 code; the United Kingdom is GB", what);
    else if (strcmp(cc, "EL") == 0)
        ERR_AT(c, n, "%s: 'EL' is the EU's abbreviation, not an ISO 3166-1 code; Greece is GR",
               what);
    else
        ERR_AT(c, n,
               "%s: expected a two-letter ISO 3166-1 country code in capitals, e.g. FI or US, "
               "found '%.20s'",
               what, cc);
    return false;
}

/* ---- Transfers ---------------------------------------------------------------------------- */

void dl_parse_transfer_extras(struct ctx *c, const char *what, const ynode *dpf, const ynode *copy,
                              enum rk_transfer transfer, struct rk_date *dpf_verified,
                              struct rk_text *safeguards_copy) {
    char w[96];
    if (dpf) {
        snprintf(w, sizeof w, "%s.dpf_verified", what);
        if (transfer != RK_TRANSFER_DPF)
            ERR_AT(c, dpf,
                   "%s: only with 'transfer: dpf' (the day the organisation was found on the "
                   "Data Privacy Framework List)",
                   w);
        else
            dl_get_date(c, dpf, w, dpf_verified);
    }
    if (copy) {
        snprintf(w, sizeof w, "%s.safeguards_copy", what);
        if (transfer != RK_TRANSFER_SCC && transfer != RK_TRANSFER_BCR)
            ERR_AT(c, copy,
                   "%s: only with 'transfer: scc' or 'transfer: bcr' (how a person gets a copy "
                   "of the clauses or rules, art 13(1)(f))",
                   w);
        else
            dl_get_text(c, copy, w, safeguards_copy);
    }
}

/* ---- Purposes: profiling and direct marketing ---------------------------------------------- */

void dl_parse_profiling(struct ctx *c, const ynode *n, struct rk_profiling *p) {
    static const char *const keys[] = {"!what", "!logic", "!consequences"};
    const ynode *v[3];
    p->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "purpose.profiling", keys, v))
        return;
    p->declared = true;
    if (v[0])
        dl_get_text(c, v[0], "purpose.profiling.what", &p->what);
    if (v[1])
        dl_get_text(c, v[1], "purpose.profiling.logic", &p->logic);
    if (v[2])
        dl_get_text(c, v[2], "purpose.profiling.consequences", &p->consequences);
}

static const char *channel_id(unsigned i) { return rk_channel_id((enum rk_channel)(1u << i)); }
static const char *audience_id(unsigned i) { return rk_audience_id((enum rk_audience)i); }

void dl_parse_marketing(struct ctx *c, const ynode *n, struct rk_marketing *m) {
    static const char *const keys[] = {"!channels", "!audience", "soft_opt_in"};
    const ynode *v[3];
    m->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "purpose.direct_marketing", keys, v))
        return;
    m->declared = true;
    if (v[0] && dl_get_list(c, v[0], "purpose.direct_marketing.channels", true))
        m->channels = dl_get_bits(c, v[0], "purpose.direct_marketing.channels", channel_id,
                                  RK_CHANNEL__COUNT);
    if (v[1]) {
        int a = dl_get_enum(c, v[1], "purpose.direct_marketing.audience", audience_id,
                            RK_AUDIENCE__COUNT);
        if (a >= 0)
            m->audience = (enum rk_audience)a;
    }
    if (!v[2])
        return;
    static const char *const skeys[] = {"!products", "!opt_out_at_collection"};
    const ynode *sv[2];
    m->soft_opt_in_loc = dl_loc_of(v[2]);
    if (!FIELDS(c, v[2], "purpose.direct_marketing.soft_opt_in", skeys, sv))
        return;
    m->soft_opt_in = true;
    if (sv[0])
        dl_get_text(c, sv[0], "purpose.direct_marketing.soft_opt_in.products",
                    &m->similar_products);
    if (sv[1])
        dl_get_bool(c, sv[1], "purpose.direct_marketing.soft_opt_in.opt_out_at_collection",
                    &m->opt_out_at_collection);
}

/* ---- Categories: special categories and criminal-offence data ------------------------------- */

static const char *special_id(unsigned i) { return rk_special_id((enum rk_special)(i + 1)); }
static const char *condition_id(unsigned i) {
    return rk_art9_condition_id((enum rk_art9_condition)(i + 1));
}

void dl_parse_special(struct ctx *c, const ynode *special, const ynode *condition, const ynode *law,
                      struct rk_category *cat) {
    if (special) {
        cat->special_loc = dl_loc_of(special);
        int s = dl_get_enum(c, special, "category.special", special_id, RK_SPECIAL__COUNT - 1);
        if (s >= 0)
            cat->special = (enum rk_special)(s + 1);
    } else {
        cat->special_loc = cat->loc;
    }
    if (condition) {
        if (!special)
            ERR_AT(c, condition,
                   "category.condition: the art 9(2) condition is only for a category with "
                   "'special:' (art 9(1))");
        else if (cat->special == RK_SPECIAL_CRIMINAL_OFFENCES)
            ERR_AT(c, condition,
                   "category.condition: art 9(2) conditions do not apply to criminal-offence "
                   "data (art 10); name the law that authorises it with 'law:'");
        int k = dl_get_enum(c, condition, "category.condition", condition_id, RK_ART9__COUNT - 1);
        if (k >= 0)
            cat->condition = (enum rk_art9_condition)(k + 1);
    }
    if (law) {
        if (!special)
            ERR_AT(c, law,
                   "category.law: the national provision is only for a category with "
                   "'special:' (art 9, art 10)");
        dl_get_text(c, law, "category.law", &cat->law);
    }
}

/* ---- Registers: children ------------------------------------------------------------------- */

void dl_parse_children(struct ctx *c, const ynode *n, struct rk_children *ch) {
    static const char *const keys[] = {"!min_age", "online_service", "age_verification",
                                       "parental_consent"};
    const ynode *v[4];
    ch->loc = dl_loc_of(n);
    if (!FIELDS(c, n, "register.children", keys, v))
        return;
    ch->declared = true;
    int age = 0;
    if (v[0] && v[0]->type == RK_Y_SCALAR && dl_parse_uint(v[0]->str, v[0]->len, 150, &age) &&
        age >= 18)
        ERR_AT(c, v[0],
               "register.children.min_age: %d is not a child's age (a child is under 18); leave "
               "'children' out when the register's subjects are all adults",
               age);
    else if (v[0] && !(v[0]->type == RK_Y_SCALAR &&
                       dl_parse_uint(v[0]->str, v[0]->len, 17, &ch->min_age) && ch->min_age >= 1))
        ERR_AT(c, v[0], "register.children.min_age: expected an age from 1 to 17");
    if (v[1])
        dl_get_bool(c, v[1], "register.children.online_service", &ch->online_service);
    if (v[2])
        dl_get_text(c, v[2], "register.children.age_verification", &ch->age_verification);
    if (v[3])
        dl_get_text(c, v[3], "register.children.parental_consent", &ch->parental_consent);
}

/* ---- Controller: the financial year ---------------------------------------------------------- */

void dl_parse_financial_year_end(struct ctx *c, const ynode *n, struct rk_controller *ct) {
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int m, d;
    if (n->type == RK_Y_SCALAR && n->len == 5 && n->str[2] == '-' &&
        dl_parse_uint(n->str, 2, 12, &m) && dl_parse_uint(n->str + 3, 2, 31, &d) && m >= 1 &&
        d >= 1 && d <= mdays[m - 1]) {
        ct->financial_year_end.m = m;
        ct->financial_year_end.d = d;
        return;
    }
    ERR_AT(c, n,
           "controller.financial_year_end: expected the last day of the financial year as MM-DD, "
           "e.g. 06-30 or 12-31, found '%.40s'",
           n->type == RK_Y_SCALAR ? n->str : dl_type_name(n));
}

/* ---- Queries ------------------------------------------------------------------------------- */

bool rk_decl_profiles(const struct rk_decl *d) {
    for (size_t i = 0; i < d->npurposes; i++)
        if (d->purposes[i].profiling.declared)
            return true;
    return false;
}

static int month_days(int y, int m) {
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : mdays[m - 1];
}

/* The day the financial period with the declared end month and day ends in year y. */
static struct rk_date period_end_in(int m, int d, int y) {
    int last = month_days(y, m);
    return (struct rk_date){y, m, d > last ? last : d};
}

struct rk_date rk_financial_period_end(const struct rk_decl *d, struct rk_date day) {
    int m = d->controller.financial_year_end.m, dd = d->controller.financial_year_end.d;
    if (m == 0)
        m = 12, dd = 31;
    struct rk_date end = period_end_in(m, dd, day.y);
    return rk_date_cmp(day, end) <= 0 ? end : period_end_in(m, dd, day.y + 1);
}

struct rk_date rk_category_keep_until(const struct rk_decl *d, const struct rk_category *cat,
                                      struct rk_date day) {
    if (cat->erasure.rule != RK_ERASE_KEEP || day.y == 0)
        return (struct rk_date){0, 0, 0};
    struct rk_date from = day;
    switch (cat->erasure.from) {
    case RK_FROM_EVENT: break;
    case RK_FROM_END_OF_CALENDAR_YEAR: from = (struct rk_date){day.y, 12, 31}; break;
    case RK_FROM_END_OF_FINANCIAL_PERIOD:
        from = (struct rk_date){rk_financial_period_end(d, day).y, 12, 31};
        break;
    }
    return rk_date_add_months(from, 12 * cat->erasure.keep_years);
}
