/*
 * names.c — the declaration's spelling of each enum value, and the small
 * formatting helpers (durations, dates) that every renderer shares.
 */
#include <stdio.h>

#include "decl/decl.h"

static const char *basis_ids[RK_BASIS__COUNT] = {
    "consent",         "contract",    "legal_obligation",
    "vital_interests", "public_task", "legitimate_interests",
};

const char *rk_basis_id(enum rk_basis b) {
    return (unsigned)b < RK_BASIS__COUNT ? basis_ids[b] : "?";
}

char rk_basis_letter(enum rk_basis b) {
    static const char letters[RK_BASIS__COUNT + 1] = "abcdef";
    if ((unsigned)b >= RK_BASIS__COUNT)
        return '?';
    return letters[b];
}

/* Bit-set enums: the id of the single bit set in v. */
static const char *bit_id(unsigned v, const char *const *ids, unsigned n) {
    for (unsigned i = 0; i < n; i++)
        if (v == 1u << i)
            return ids[i];
    return "?";
}

const char *rk_withdrawal_id(enum rk_withdrawal w) {
    static const char *const ids[RK_WITHDRAW__COUNT] = {"message_link", "contact",
                                                        "preferences_page", "email"};
    return bit_id(w, ids, RK_WITHDRAW__COUNT);
}

const char *rk_category_kind_id(enum rk_category_kind k) {
    static const char *const ids[RK_CAT__COUNT] = {"identity",   "contact",   "contract", "billing",
                                                   "preference", "technical", "other"};
    return (unsigned)k < RK_CAT__COUNT ? ids[k] : "?";
}

const char *rk_retention_event_id(enum rk_retention_event e) {
    static const char *const ids[RK_UNTIL__COUNT] = {"relationship_end", "contract_end",
                                                     "consent_withdrawn", "consent_expired",
                                                     "purpose_fulfilled"};
    return bit_id(e, ids, RK_UNTIL__COUNT);
}

const char *rk_source_kind_id(enum rk_source_kind k) {
    static const char *const ids[RK_SRC__COUNT] = {"web_form",      "email",      "phone",
                                                   "contract",      "meeting",    "other_handover",
                                                   "public_source", "third_party"};
    return (unsigned)k < RK_SRC__COUNT ? ids[k] : "?";
}

const char *rk_role_id(enum rk_recipient_role r) {
    return r == RK_ROLE_PROCESSOR ? "processor" : "controller";
}

const char *rk_connector_type_id(enum rk_connector_type t) {
    switch (t) {
    case RK_CONNECTOR_WEBHOOK: return "webhook";
    case RK_CONNECTOR_OPENGDPR: return "opengdpr";
    case RK_CONNECTOR_MAILCHIMP: return "mailchimp";
    case RK_CONNECTOR_SALESFORCE: return "salesforce";
    case RK_CONNECTOR_NONE: break;
    }
    return "none";
}

const char *rk_identity_format_id(enum rk_identity_format f) {
    return f == RK_IDENTITY_SHA256 ? "sha256" : "raw";
}

const char *rk_transfer_id(enum rk_transfer t) {
    static const char *const ids[RK_TRANSFER__COUNT] = {
        "none", "adequacy", "dpf", "scc", "bcr", "derogation", "privacy_shield"};
    return (unsigned)t < RK_TRANSFER__COUNT ? ids[t] : "?";
}

const char *rk_verification_id(enum rk_verification v) {
    static const char *const ids[RK_VERIFY__COUNT] = {"in_person", "email_code"};
    return bit_id(v, ids, RK_VERIFY__COUNT);
}

const char *rk_consent_signal_id(enum rk_consent_signal s) {
    static const char *const ids[RK_GCM__COUNT] = {"ad_storage", "analytics_storage",
                                                   "ad_user_data", "ad_personalization"};
    return bit_id(s, ids, RK_GCM__COUNT);
}

const char *rk_channel_id(enum rk_channel c) {
    static const char *const ids[RK_CHANNEL__COUNT] = {"email", "sms", "phone", "post"};
    return bit_id(c, ids, RK_CHANNEL__COUNT);
}

const char *rk_audience_id(enum rk_audience a) {
    static const char *const ids[RK_AUDIENCE__COUNT] = {"consumers", "business", "both"};
    return (unsigned)a < RK_AUDIENCE__COUNT ? ids[a] : "?";
}

const char *rk_special_id(enum rk_special s) {
    static const char *const ids[RK_SPECIAL__COUNT] = {
        "none",   "ethnic_origin", "political_opinions", "religious_beliefs", "trade_union",
        "genetic", "biometric",    "health",             "sex_life",          "criminal_offences"};
    return (unsigned)s < RK_SPECIAL__COUNT ? ids[s] : "?";
}

const char *rk_art9_condition_id(enum rk_art9_condition c) {
    static const char *const ids[RK_ART9__COUNT] = {"none",
                                                    "explicit_consent",
                                                    "employment",
                                                    "vital_interests",
                                                    "not_for_profit",
                                                    "made_public",
                                                    "legal_claims",
                                                    "substantial_public_interest",
                                                    "health_care",
                                                    "public_health",
                                                    "archiving"};
    return (unsigned)c < RK_ART9__COUNT ? ids[c] : "?";
}

char rk_art9_condition_letter(enum rk_art9_condition c) {
    static const char letters[RK_ART9__COUNT + 1] = "?abcdefghij";
    if ((unsigned)c >= RK_ART9__COUNT)
        return '?';
    return letters[c];
}

const char *rk_adm_basis_id(enum rk_adm_basis b) {
    static const char *const ids[RK_ADM__COUNT] = {"none", "contract", "law", "explicit_consent"};
    return (unsigned)b < RK_ADM__COUNT ? ids[b] : "?";
}

const char *rk_adm_safeguard_id(enum rk_adm_safeguard s) {
    static const char *const ids[RK_ADM_SAFEGUARD__COUNT] = {"human_intervention", "express_view",
                                                             "contest"};
    return bit_id(s, ids, RK_ADM_SAFEGUARD__COUNT);
}

void rk_duration_format(struct rk_duration d, enum rk_lang lang, char *out, size_t n) {
    const char *unit;
    bool one = d.n == 1;
    switch (d.unit) {
    case 'y':
        unit = lang == RK_LANG_FI ? (one ? "vuosi" : "vuotta") : (one ? "year" : "years");
        break;
    case 'm':
        unit = lang == RK_LANG_FI ? (one ? "kuukausi" : "kuukautta") : (one ? "month" : "months");
        break;
    default: unit = lang == RK_LANG_FI ? (one ? "päivä" : "päivää") : (one ? "day" : "days"); break;
    }
    snprintf(out, n, "%d %s", d.n, unit);
}

void rk_date_format(struct rk_date d, enum rk_lang lang, char *out, size_t n) {
    static const char *const months[12] = {"January",   "February", "March",    "April",
                                           "May",       "June",     "July",     "August",
                                           "September", "October",  "November", "December"};
    if (d.y == 0 || d.m < 1 || d.m > 12) {
        snprintf(out, n, "-");
        return;
    }
    if (lang == RK_LANG_FI)
        snprintf(out, n, "%d.%d.%d", d.d, d.m, d.y);
    else
        snprintf(out, n, "%d %s %d", d.d, months[d.m - 1], d.y);
}
