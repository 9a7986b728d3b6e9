/*
 * consent_record.c — the consent record as ISO/IEC TS 27560:2023 JSON and as
 * text (see consent_record.h).
 *
 * Design. The JSON keeps 27560's four parts and its field names (clause
 * 6.3; the names as the W3C DPV guide "Consent Records and Receipts as per
 * ISO/IEC TS 27560:2023" lists them), in snake case:
 *
 *   header      schema_version, conforms_to, record_id, record_version,
 *               issued, language, pii_principal_id
 *   consent     the state now: state, in_force, consent_type, since,
 *               valid_until (27560 keeps the state in the events; this
 *               summary is theirs folded)
 *   processing  privacy_notice {version, url, languages}, purposes[]:
 *               {purpose_id, purpose, purpose_description, lawful_basis
 *               {id, article, text}, special_category_condition,
 *               pii_information[] {pii_type, name, kind,
 *               special_pii_category}, pii_controllers[], processing_method
 *               {profiling, direct_marketing}, retention_period[],
 *               consent_validity, recipient_third_parties[],
 *               processing_locations[], geographic_restrictions,
 *               jurisdiction, withdrawal_method, privacy_rights[],
 *               authority_party}
 *   parties[]   {party_id, party_role, party_type, party_name,
 *               party_identifier, party_address, party_email, party_phone,
 *               party_url, country, third_country, transfer}
 *   events[]    {event_id, event_time, event_type, event_state,
 *               ledger_event, pending, collection_method, form_id,
 *               entity_id, entity_role, agent, privacy_notice {version,
 *               sha256, language}, validity_duration, valid_until}
 *
 * event_type is 27560's consent type: "expressed_consent" (art 6(1)(a)) or
 * "explicit_consent" (art 9(2)(a)). event_state is what the event did
 * (core/consent_record.h). storage_locations is left out: the declaration
 * does not say where the controller's own storage is, and a record must not
 * say what the declaration does not support; processing_locations lists the
 * recipients' countries, which it does.
 *
 * Kantara's Consent Receipt v1.1 is not mixed in: its receipt is one consent
 * transaction (one consentTimestamp, one collectionMethod, a policyUrl and a
 * services[].purposes[] tree in camel case) where 27560 keeps the history of
 * events, and a "version": "KI-CR-v1.1.0" member would claim conformance to a
 * schema whose mandatory members this document does not have in its shape.
 */
#include "views/consent_record.h"

#include <stdio.h>
#include <string.h>

#include "core/consent.h"
#include "decl/labels.h"
#include "util/json.h"

#define SCHEMA_VERSION "rekisteri-consent-record/1"
#define CONFORMS_TO    "ISO/IEC TS 27560:2023"

static const char *lang_id(enum rk_lang l) { return l == RK_LANG_FI ? "fi" : "en"; }

static void set_str(json_t *o, const char *key, const char *v) {
    if (v && *v)
        json_object_set_new(o, key, json_string(v));
}

static void set_ts(json_t *o, const char *key, rk_ts t) {
    if (!t)
        return;
    char at[RK_TS_LEN + 1];
    rk_ts_format(t, at);
    json_object_set_new(o, key, json_string(at));
}

/* The buffer's text as a JSON string (the buffer is reset). */
static json_t *take(struct rk_buf *b) {
    json_t *s = json_string(b->data ? b->data : "");
    rk_buf_reset(b);
    return s;
}

/* An ISO 8601 duration: "P2Y", "P6M", "P30D". */
static void iso_duration(struct rk_duration d, char out[24]) {
    snprintf(out, 24, "P%d%c", d.n, d.unit == 'y' ? 'Y' : d.unit == 'm' ? 'M' : 'D');
}

static bool third_country(const char *country) { return country[0] && !rk_country_in_eea(country); }

static const char *consent_state(enum rk_consent_status s, bool renewal) {
    switch (s) {
    case RK_CONSENT_PENDING: return "requested";
    case RK_CONSENT_LIVE: return renewal ? "renewal_requested" : "given";
    case RK_CONSENT_WITHDRAWN: return "withdrawn";
    case RK_CONSENT_EXPIRED: return "expired";
    case RK_CONSENT_NONE: break;
    }
    return "none";
}

/* ---- JSON ------------------------------------------------------------------------------------ */

static json_t *party(const char *id, const char *role, const char *type, const char *name) {
    json_t *p = json_object();
    set_str(p, "party_id", id);
    set_str(p, "party_role", role);
    set_str(p, "party_type", type);
    set_str(p, "party_name", name);
    return p;
}

static json_t *parties_json(const struct rk_consent_record *r, enum rk_lang lang) {
    const struct rk_decl *d = r->decl;
    json_t *list = json_array();
    json_t *c = party("controller", "controller", "legal_entity", d->controller.name);
    set_str(c, "party_identifier", d->controller.business_id);
    set_str(c, "party_address", d->controller.address);
    set_str(c, "party_email", d->controller.email);
    set_str(c, "party_phone", d->controller.phone);
    json_array_append_new(list, c);
    const struct rk_party *dpo = &d->controller.dpo;
    if (rk_label_contact_present(dpo)) {
        json_t *p = party("dpo", "data_protection_officer", "contact", dpo->name);
        set_str(p, "party_address", dpo->address);
        set_str(p, "party_email", dpo->email);
        set_str(p, "party_phone", dpo->phone);
        json_array_append_new(list, p);
    }
    for (size_t i = 0; i < r->nrecipients; i++) {
        const struct rk_recipient *rc = r->recipients[i];
        json_t *p = party(rc->id, rc->role == RK_ROLE_PROCESSOR ? "processor" : "third_party",
                          "recipient", rc->name);
        set_str(p, "country", rc->country);
        json_object_set_new(p, "third_country", json_boolean(third_country(rc->country)));
        if (third_country(rc->country))
            set_str(p, "transfer", rk_transfer_id(rc->transfer));
        if (rc->transfer == RK_TRANSFER_DPF && rc->dpf_verified.y) {
            char day[11];
            rk_date_iso(rc->dpf_verified, day);
            set_str(p, "dpf_verified", day);
        }
        json_array_append_new(list, p);
    }
    if (rk_text_present(&d->authority.name)) {
        json_t *p = party("authority", "supervisory_authority", "authority",
                          rk_text_get(&d->authority.name, lang));
        set_str(p, "party_address", d->authority.address);
        set_str(p, "party_email", d->authority.email);
        set_str(p, "party_phone", d->authority.phone);
        set_str(p, "party_url", d->authority.url);
        json_array_append_new(list, p);
    }
    return list;
}

static json_t *rights_json(const struct rk_consent_record *r, enum rk_lang lang) {
    const struct rk_purpose *p = r->purpose;
    json_t *list = json_array();
    json_array_append_new(
        list, json_pack("{s:s, s:s, s:s}", "right", "withdraw_consent", "article", "7(3)", "name",
                        RK_PICK(lang, "oikeus peruuttaa suostumus", "right to withdraw consent")));
    static const char *const ids[] = {"access",      "rectification", "erasure",  "restriction",
                                      "portability", "objection",     "automated"};
    for (int i = 0; i < RK_RIGHT__COUNT; i++) {
        /* Objection (art 21) to processing on consent is the art 21(2) objection to direct
         * marketing; art 22 only where such decisions are declared. */
        if ((i == RK_RIGHT_OBJECTION && !p->marketing.declared) ||
            (i == RK_RIGHT_AUTOMATED && !r->decl->rights.automated_decisions))
            continue;
        char art[16];
        snprintf(art, sizeof art, "%d%s", rk_label_right_article((enum rk_right)i),
                 i == RK_RIGHT_OBJECTION ? "(2)" : "");
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "right", ids[i], "article", art,
                                              "name", rk_label_right((enum rk_right)i, lang)));
    }
    json_array_append_new(
        list, json_pack("{s:s, s:s, s:s}", "right", "complaint", "article", "77", "name",
                        RK_PICK(lang, "oikeus tehdä valitus valvontaviranomaiselle",
                                "right to lodge a complaint with a supervisory authority")));
    return list;
}

static json_t *purpose_json(const struct rk_consent_record *r, const struct rk_cr_render *o,
                            struct rk_buf *b) {
    const struct rk_purpose *p = r->purpose;
    const struct rk_decl *d = r->decl;
    enum rk_lang lang = o->lang;
    json_t *j = json_object();
    set_str(j, "purpose_id", p->id);
    set_str(j, "purpose", rk_text_get(&p->name, lang));
    if (rk_text_present(&p->description))
        set_str(j, "purpose_description", rk_text_get(&p->description, lang));
    json_object_set_new(j, "lawful_basis",
                        json_pack("{s:s, s:s, s:s}", "id", rk_basis_id(p->basis), "article",
                                  rk_label_basis_article(p->basis), "text",
                                  rk_label_basis(p->basis, lang)));
    if (r->explicit_consent)
        set_str(j, "special_category_condition", "9(2)(a)");
    json_t *pii = json_array();
    for (size_t i = 0; i < r->ncategories; i++) {
        const struct rk_category *c = r->categories[i];
        json_t *cj = json_pack("{s:s, s:s, s:s}", "pii_type", c->id, "name",
                               rk_text_get(&c->name, lang), "kind", rk_category_kind_id(c->kind));
        if (c->special != RK_SPECIAL_NONE)
            set_str(cj, "special_pii_category", rk_special_id(c->special));
        json_array_append_new(pii, cj);
    }
    json_object_set_new(j, "pii_information", pii);
    json_object_set_new(j, "pii_controllers", json_pack("[s]", "controller"));
    json_t *method = json_object();
    if (p->profiling.declared)
        json_object_set_new(method, "profiling",
                            json_pack("{s:s, s:s, s:s}", "what",
                                      rk_text_get(&p->profiling.what, lang), "logic",
                                      rk_text_get(&p->profiling.logic, lang), "consequences",
                                      rk_text_get(&p->profiling.consequences, lang)));
    if (p->marketing.declared) {
        json_t *ch = json_array();
        for (unsigned i = 0; i < RK_CHANNEL__COUNT; i++)
            if (p->marketing.channels & (1u << i))
                json_array_append_new(ch, json_string(rk_channel_id((enum rk_channel)(1u << i))));
        json_object_set_new(method, "direct_marketing",
                            json_pack("{s:o, s:s}", "channels", ch, "audience",
                                      rk_audience_id(p->marketing.audience)));
    }
    json_object_set_new(j, "processing_method", method);
    json_t *keep = json_array();
    for (size_t g = 0; g < d->nregisters; g++) {
        const struct rk_register *reg = &d->registers[g];
        if (!rk_register_has_purpose(reg, p))
            continue;
        rk_label_retention(reg, lang, b);
        json_array_append_new(keep, json_pack("{s:s, s:o}", "register", reg->id, "text", take(b)));
    }
    json_object_set_new(j, "retention_period", keep);
    if (p->consent_validity.n) {
        char iso[24];
        iso_duration(p->consent_validity, iso);
        rk_label_consent_validity(p, lang, b);
        json_object_set_new(j, "consent_validity",
                            json_pack("{s:s, s:o}", "duration", iso, "text", take(b)));
    }
    json_t *rcp = json_array(), *loc = json_array();
    bool abroad = false;
    for (size_t i = 0; i < r->nrecipients; i++) {
        const struct rk_recipient *rc = r->recipients[i];
        json_array_append_new(rcp, json_string(rc->id));
        if (!rc->country[0])
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(r->recipients[k]->country, rc->country) == 0;
        if (!seen)
            json_array_append_new(loc, json_string(rc->country));
        abroad |= third_country(rc->country);
    }
    json_object_set_new(j, "recipient_third_parties", rcp);
    json_object_set_new(j, "processing_locations", loc);
    if (abroad) {
        json_t *g = json_array();
        for (size_t i = 0; i < r->nrecipients; i++) {
            const struct rk_recipient *rc = r->recipients[i];
            if (third_country(rc->country))
                json_array_append_new(g, json_pack("{s:s, s:s, s:s, s:s}", "party_id", rc->id,
                                                   "country", rc->country, "transfer",
                                                   rk_transfer_id(rc->transfer), "text",
                                                   rk_label_transfer(rc->transfer, lang)));
        }
        json_object_set_new(j, "geographic_restrictions", g);
    }
    set_str(j, "jurisdiction", "EU");
    set_str(j, "applicable_law", "Regulation (EU) 2016/679");
    json_t *w = json_object();
    json_t *ways = json_array();
    for (unsigned i = 0; i < RK_WITHDRAW__COUNT; i++)
        if (p->withdrawal & (1u << i))
            json_array_append_new(ways,
                                  json_string(rk_withdrawal_id((enum rk_withdrawal)(1u << i))));
    json_object_set_new(w, "channels", ways);
    rk_label_withdrawal_channels(p, lang, b);
    json_object_set_new(w, "text", take(b));
    if (o->public_url) {
        rk_buf_printf(b, "%s/preferences?lang=%s", o->public_url, lang_id(lang));
        json_object_set_new(w, "url", take(b));
    }
    json_object_set_new(j, "withdrawal_method", w);
    json_object_set_new(j, "privacy_rights", rights_json(r, lang));
    if (rk_text_present(&d->authority.name))
        set_str(j, "authority_party", "authority");
    return j;
}

static json_t *event_json(const struct rk_consent_record *r, const struct rk_cr_event *e,
                          const struct rk_cr_render *o) {
    json_t *j = json_object();
    json_object_set_new(j, "event_id", json_integer(e->seq));
    set_ts(j, "event_time", e->at);
    set_str(j, "event_type", r->explicit_consent ? "explicit_consent" : "expressed_consent");
    set_str(j, "event_state", rk_cr_state_name(e->state));
    set_str(j, "ledger_event", rk_consent_kind_name(e->kind));
    json_object_set_new(j, "pending", json_boolean(e->pending));
    set_str(j, "collection_method", e->channel);
    set_str(j, "form_id", e->form_id);
    set_str(j, "entity_id", e->by_subject ? r->person_id : "controller");
    set_str(j, "entity_role", e->by_subject ? "pii_principal" : "controller");
    if (!e->by_subject && !o->for_subject)
        set_str(j, "agent", e->collector);
    json_t *n = json_object();
    set_str(n, "version", e->notice_version);
    set_str(n, "sha256", e->notice_sha256);
    if (e->notice_lang >= 0)
        set_str(n, "language", lang_id((enum rk_lang)e->notice_lang));
    json_object_set_new(j, "privacy_notice", n);
    if (e->valid_until) {
        char iso[24];
        iso_duration(r->purpose->consent_validity, iso);
        set_str(j, "validity_duration", iso);
        set_ts(j, "valid_until", e->valid_until);
    }
    return j;
}

json_t *rk_consent_record_json(const struct rk_consent_record *r, const struct rk_cr_render *o) {
    struct rk_buf b;
    rk_buf_init(&b);
    json_t *doc = json_object();
    set_str(doc, "schema_version", SCHEMA_VERSION);
    set_str(doc, "conforms_to", CONFORMS_TO);
    rk_buf_printf(&b, "%s/%s", r->person_id, r->purpose->id);
    json_object_set_new(doc, "record_id", take(&b));
    json_object_set_new(doc, "record_version", json_integer(r->last_seq));
    set_ts(doc, "issued", r->made_at);
    set_str(doc, "language", lang_id(o->lang));
    set_str(doc, "pii_principal_id", r->person_id);
    json_t *now = json_object();
    set_str(now, "state", consent_state(r->status, r->renewal_pending));
    json_object_set_new(now, "in_force", json_boolean(r->status == RK_CONSENT_LIVE));
    set_str(now, "consent_type", r->explicit_consent ? "explicit_consent" : "expressed_consent");
    set_ts(now, "since", r->since);
    if (r->status == RK_CONSENT_LIVE || r->status == RK_CONSENT_EXPIRED)
        set_ts(now, "valid_until", r->expires_at);
    json_object_set_new(doc, "consent", now);
    json_t *proc = json_object();
    json_t *notice = json_object();
    set_str(notice, "version", r->notice_version_now);
    if (o->public_url) {
        rk_buf_printf(&b, "%s/privacy", o->public_url);
        json_object_set_new(notice, "url", take(&b));
    }
    json_object_set_new(notice, "languages", json_pack("[s, s]", "fi", "en"));
    json_object_set_new(proc, "privacy_notice", notice);
    json_t *purposes = json_array();
    json_array_append_new(purposes, purpose_json(r, o, &b));
    json_object_set_new(proc, "purposes", purposes);
    json_object_set_new(doc, "processing", proc);
    json_object_set_new(doc, "parties", parties_json(r, o->lang));
    json_t *events = json_array();
    for (size_t i = 0; i < r->nevents; i++)
        json_array_append_new(events, event_json(r, &r->events[i], o));
    json_object_set_new(doc, "events", events);
    bool oom = rk_buf_status(&b) != RK_OK;
    rk_buf_cleanup(&b);
    if (oom) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

/* ---- Text ------------------------------------------------------------------------------------ */

static const char *state_words(enum rk_cr_state s, enum rk_lang lang) {
    switch (s) {
    case RK_CR_REQUESTED:
        return RK_PICK(lang, "pyydetty, odottaa vahvistusta", "requested, awaiting confirmation");
    case RK_CR_GIVEN: return RK_PICK(lang, "annettu", "given");
    case RK_CR_RENEWAL_REQUESTED: return RK_PICK(lang, "uusimista pyydetty", "renewal requested");
    case RK_CR_RENEWED: return RK_PICK(lang, "uusittu", "renewed");
    case RK_CR_WITHDRAWN: return RK_PICK(lang, "peruttu", "withdrawn");
    case RK_CR_EXPIRED: return RK_PICK(lang, "vanhentunut", "expired");
    case RK_CR__COUNT: break;
    }
    return "?";
}

static const char *status_words(const struct rk_consent_record *r, enum rk_lang lang) {
    switch (r->status) {
    case RK_CONSENT_PENDING: return RK_PICK(lang, "odottaa vahvistusta", "awaiting confirmation");
    case RK_CONSENT_LIVE:
        return r->renewal_pending ? RK_PICK(lang, "voimassa, uusiminen odottaa vahvistusta",
                                            "in force, renewal awaiting confirmation")
                                  : RK_PICK(lang, "voimassa", "in force");
    case RK_CONSENT_WITHDRAWN: return RK_PICK(lang, "peruttu", "withdrawn");
    case RK_CONSENT_EXPIRED: return RK_PICK(lang, "vanhentunut", "expired");
    case RK_CONSENT_NONE: break;
    }
    return RK_PICK(lang, "ei suostumusta", "no consent");
}

/* "Label:   value": the label padded to 20 characters (not bytes: the labels are UTF-8). */
static void line(struct rk_buf *out, const char *label, const char *value) {
    size_t chars = 0;
    for (const char *c = label; *c; c++)
        chars += ((unsigned char)*c & 0xC0) != 0x80;
    rk_buf_puts(out, label);
    for (; chars < 21; chars++)
        rk_buf_putc(out, ' ');
    rk_buf_puts(out, value);
    rk_buf_putc(out, '\n');
}

static void render_text(const struct rk_consent_record *r, const struct rk_cr_render *o,
                        struct rk_buf *out) {
    enum rk_lang lang = o->lang;
    const struct rk_purpose *p = r->purpose;
    struct rk_buf b;
    rk_buf_init(&b);
    char at[RK_TS_LEN + 1], until[RK_TS_LEN + 1];
    rk_buf_printf(out, "%s (%s)\n\n", RK_PICK(lang, "Suostumustiedot", "Consent record"),
                  CONFORMS_TO);
    rk_buf_printf(&b, "%s/%s (%s %lld)", r->person_id, p->id, RK_PICK(lang, "versio", "version"),
                  (long long)r->last_seq);
    line(out, RK_PICK(lang, "Tunniste:", "Record:"), b.data);
    rk_buf_reset(&b);
    line(out, RK_PICK(lang, "Rekisteröity:", "Data subject:"), r->person_id);
    rk_label_controller(&r->decl->controller, lang, &b);
    line(out, RK_PICK(lang, "Rekisterinpitäjä:", "Controller:"), b.data ? b.data : "");
    rk_buf_reset(&b);
    line(out, RK_PICK(lang, "Käyttötarkoitus:", "Purpose:"), rk_text_get(&p->name, lang));
    rk_buf_printf(&b, "%s%s", rk_label_basis(p->basis, lang),
                  r->explicit_consent ? RK_PICK(lang, "; nimenomainen suostumus, 9 art. 2 a",
                                                "; explicit consent, art 9(2)(a)")
                                      : "");
    line(out, RK_PICK(lang, "Oikeusperuste:", "Lawful basis:"), b.data);
    rk_buf_reset(&b);
    rk_buf_puts(&b, status_words(r, lang));
    if (r->since && r->status != RK_CONSENT_NONE) {
        rk_ts_format(r->since, at);
        rk_buf_printf(&b, RK_PICK(lang, ", %s alkaen", ", since %s"), at);
    }
    if (r->expires_at && (r->status == RK_CONSENT_LIVE || r->status == RK_CONSENT_EXPIRED)) {
        rk_ts_format(r->expires_at, until);
        rk_buf_printf(&b, RK_PICK(lang, ", voimassa %s asti", ", valid until %s"), until);
    }
    line(out, RK_PICK(lang, "Tila:", "State:"), b.data);
    rk_buf_reset(&b);
    for (size_t i = 0; i < r->ncategories; i++)
        rk_buf_printf(&b, "%s%s", i ? ", " : "", rk_text_get(&r->categories[i]->name, lang));
    line(out, RK_PICK(lang, "Tiedot:", "Personal data:"), r->ncategories ? b.data : "-");
    rk_buf_reset(&b);
    for (size_t i = 0; i < r->nrecipients; i++) {
        const struct rk_recipient *rc = r->recipients[i];
        rk_buf_printf(&b, "%s%s", i ? "; " : "", rc->name);
        if (rc->country[0])
            rk_buf_printf(&b, " (%s%s%s)", rk_country_name(rc->country, lang),
                          third_country(rc->country) ? ", " : "",
                          third_country(rc->country) ? rk_label_transfer(rc->transfer, lang) : "");
    }
    line(out, RK_PICK(lang, "Vastaanottajat:", "Recipients:"), r->nrecipients ? b.data : "-");
    rk_buf_reset(&b);
    rk_label_withdrawal_channels(p, lang, &b);
    line(out, RK_PICK(lang, "Peruminen:", "Withdrawal:"), b.data ? b.data : "");
    rk_buf_reset(&b);
    rk_buf_printf(&b, "%s %s", RK_PICK(lang, "versio", "version"), r->notice_version_now);
    if (o->public_url)
        rk_buf_printf(&b, ", %s/privacy?lang=%s", o->public_url, lang_id(lang));
    line(out, RK_PICK(lang, "Tietosuojaseloste:", "Privacy notice:"), b.data);
    rk_buf_reset(&b);
    rk_buf_printf(out, "\n%s\n", RK_PICK(lang, "Tapahtumat:", "Events:"));
    for (size_t i = 0; i < r->nevents; i++) {
        const struct rk_cr_event *e = &r->events[i];
        rk_ts_format(e->at, at);
        rk_buf_printf(out, "  %s  %s; %s %s", at, state_words(e->state, lang),
                      RK_PICK(lang, "tapa:", "how:"), e->channel);
        if (e->form_id[0])
            rk_buf_printf(out, " (%s)", e->form_id);
        rk_buf_printf(out, "; %s %s", RK_PICK(lang, "kuka:", "by:"),
                      e->by_subject    ? RK_PICK(lang, "rekisteröity itse", "the data subject")
                      : o->for_subject ? RK_PICK(lang, "rekisterinpitäjä", "the controller")
                                       : e->collector);
        rk_buf_printf(out, "; %s %s%s%s, SHA-256 %.12s…", RK_PICK(lang, "seloste", "notice"),
                      e->notice_version, e->notice_lang >= 0 ? " " : "",
                      e->notice_lang >= 0 ? lang_id((enum rk_lang)e->notice_lang) : "",
                      e->notice_sha256);
        if (e->valid_until) {
            rk_ts_format(e->valid_until, until);
            rk_buf_printf(out, RK_PICK(lang, "; voimassa %s asti", "; valid until %s"), until);
        }
        rk_buf_putc(out, '\n');
    }
    rk_buf_cleanup(&b);
}

rk_err rk_consent_record_render(const struct rk_consent_record *r, const struct rk_cr_render *o,
                                bool json, struct rk_buf *out) {
    if (json)
        return rk_buf_put_json(out, rk_consent_record_json(r, o));
    render_text(r, o, out);
    return rk_buf_status(out);
}
