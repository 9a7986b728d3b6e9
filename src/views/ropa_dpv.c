/*
 * ropa_dpv.c — renders the record of processing activities (art 30(1)) of a
 * declaration as one JSON-LD document in the W3C Data Privacy Vocabulary (DPV
 * 2.x, with its eu-gdpr, loc and pd extensions), so that other tools can read
 * it. The mapping of each declaration field to a DPV term is in docs/ropa-dpv.md.
 *
 * The document is a "@graph" of nodes: the record (dpv:ROPA), the controller,
 * the shared nodes (purposes, categories, data subjects, sources, recipients,
 * security measures), then one dpv:Process per (register, purpose) pair — the
 * same entries as the other record formats. Nodes are blank nodes with labels
 * built from the declared ids ("_:purpose-marketing"), so the same declaration
 * gives the same bytes. Every text is given in Finnish and English as
 * language-tagged values. Where DPV has no term, a term of the rekisteri
 * namespace (rk:, RK_DPV_NS) is used, never an invented dpv: one.
 */
#include "views/ropa.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "decl/labels.h"
#include "util/json.h"

/* The writer's state: the declaration, and whether some allocation failed. */
struct dw {
    const struct rk_decl *d;
    bool oom;
};

/* ---- Building blocks ----------------------------------------------------- */

/* Sets o[key] = v (taking v); a NULL v or a failure marks w->oom. */
static void put(struct dw *w, json_t *o, const char *key, json_t *v) {
    if (!o || !v || json_object_set_new(o, key, v) != 0)
        w->oom = true;
}

/* Appends v to array a (taking v); a NULL v or a failure marks w->oom. */
static void push(struct dw *w, json_t *a, json_t *v) {
    if (!a || !v || json_array_append_new(a, v) != 0)
        w->oom = true;
}

/* Sets o[key] = a when a has elements; else releases a. */
static void put_list(struct dw *w, json_t *o, const char *key, json_t *a) {
    if (a && json_array_size(a) == 0)
        json_decref(a);
    else
        put(w, o, key, a);
}

static json_t *str(const char *s) /* new ref */ { return json_string(s); }

/* {"@id": iri} */
static json_t *ref(const char *iri) /* new ref */ { return json_pack("{s:s}", "@id", iri); }

/* The label of a blank node: "_:" kind, then each non-NULL part after a '-'. */
static json_t *bnode_id(const char *kind, const char *a, const char *b) /* new ref */ {
    struct rk_buf s;
    rk_buf_init(&s);
    rk_buf_printf(&s, "_:%s", kind);
    if (a)
        rk_buf_printf(&s, "-%s", a);
    if (b)
        rk_buf_printf(&s, "-%s", b);
    json_t *v = s.oom || !s.data ? NULL : json_string(s.data);
    rk_buf_cleanup(&s);
    return v;
}

/* {"@id": "_:kind-a-b"} */
static json_t *bref(const char *kind, const char *a, const char *b) /* new ref */ {
    json_t *id = bnode_id(kind, a, b);
    return id ? json_pack("{s:o}", "@id", id) : NULL;
}

/* A new node {"@id": "_:kind-a-b", "@type": type}. */
static json_t *node(const char *kind, const char *a, const char *b, const char *type)
/* new ref */ {
    json_t *id = bnode_id(kind, a, b);
    return id ? json_pack("{s:o, s:s}", "@id", id, "@type", type) : NULL;
}

/* A language-tagged value: {"@value": s, "@language": lang}. */
static json_t *tagged(const char *s, const char *lang) /* new ref */ {
    return json_pack("{s:s, s:s}", "@value", s, "@language", lang);
}

/* A text in both languages: [{"@value": fi, "@language": "fi"}, {... "en"}]. */
static json_t *both(const struct rk_text *t) /* new ref */ {
    return json_pack("[o, o]", tagged(t->fi, "fi"), tagged(t->en, "en"));
}

/* Sets o[key] to t in both languages when t is declared. */
static void put_text(struct dw *w, json_t *o, const char *key, const struct rk_text *t) {
    if (rk_text_present(t))
        put(w, o, key, both(t));
}

/* A text written by a labels.c function in each language, as both(). */
static json_t *both_from(void (*fn)(const void *, enum rk_lang, struct rk_buf *),
                         const void *arg) /* new ref */ {
    struct rk_buf fi, en;
    rk_buf_init(&fi);
    rk_buf_init(&en);
    fn(arg, RK_LANG_FI, &fi);
    fn(arg, RK_LANG_EN, &en);
    json_t *v = NULL;
    if (!fi.oom && !en.oom && fi.data && en.data)
        v = json_pack("[o, o]", tagged(fi.data, "fi"), tagged(en.data, "en"));
    rk_buf_cleanup(&fi);
    rk_buf_cleanup(&en);
    return v;
}

/* {"@value": "YYYY-MM-DD", "@type": "xsd:date"} */
static json_t *date_value(struct rk_date day) /* new ref */ {
    char iso[11];
    rk_date_iso(day, iso);
    return json_pack("{s:s, s:s}", "@value", iso, "@type", "xsd:date");
}

/* {"@value": "P2Y", "@type": "xsd:duration"} */
static json_t *duration_value(struct rk_duration p) /* new ref */ {
    char iso[24];
    snprintf(iso, sizeof iso, "P%d%c", p.n, p.unit == 'y' ? 'Y' : p.unit == 'm' ? 'M' : 'D');
    return json_pack("{s:s, s:s}", "@value", iso, "@type", "xsd:duration");
}

/* ---- The vocabulary ------------------------------------------------------ */

static json_t *context(void) /* new ref */ {
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "dpv", "https://w3id.org/dpv#",
        "eu-gdpr", "https://w3id.org/dpv/legal/eu/gdpr#", "loc", "https://w3id.org/dpv/loc#", "pd",
        "https://w3id.org/dpv/pd#", "dct", "http://purl.org/dc/terms/", "rdf",
        "http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdfs",
        "http://www.w3.org/2000/01/rdf-schema#", "skos", "http://www.w3.org/2004/02/skos/core#",
        "xsd", "http://www.w3.org/2001/XMLSchema#", "rk", RK_DPV_NS);
}

/* The art 6(1) basis: eu-gdpr:A6-1-a .. A6-1-f. */
static const char *basis_iri(enum rk_basis b) {
    static const char *const iri[RK_BASIS__COUNT] = {
        "eu-gdpr:A6-1-a", "eu-gdpr:A6-1-b", "eu-gdpr:A6-1-c",
        "eu-gdpr:A6-1-d", "eu-gdpr:A6-1-e", "eu-gdpr:A6-1-f",
    };
    return (unsigned)b < RK_BASIS__COUNT ? iri[b] : NULL;
}

/* The art 9(2) condition: eu-gdpr:A9-2-a .. A9-2-j; NULL for none. */
static const char *art9_iri(enum rk_art9_condition c) {
    static const char *const iri[RK_ART9__COUNT] = {
        NULL,
        "eu-gdpr:A9-2-a",
        "eu-gdpr:A9-2-b",
        "eu-gdpr:A9-2-c",
        "eu-gdpr:A9-2-d",
        "eu-gdpr:A9-2-e",
        "eu-gdpr:A9-2-f",
        "eu-gdpr:A9-2-g",
        "eu-gdpr:A9-2-h",
        "eu-gdpr:A9-2-i",
        "eu-gdpr:A9-2-j",
    };
    return (unsigned)c < RK_ART9__COUNT ? iri[c] : NULL;
}

/* The legal basis of a transfer (chapter V); NULL when DPV has none for it. */
static const char *transfer_basis_iri(enum rk_transfer t) {
    switch (t) {
    case RK_TRANSFER_ADEQUACY:
    case RK_TRANSFER_DPF: /* the DPF is the art 45(3) adequacy decision (EU) 2023/1795 */
        return "eu-gdpr:A45-3";
    case RK_TRANSFER_SCC: return "eu-gdpr:A46-2-c";
    case RK_TRANSFER_BCR: return "eu-gdpr:A46-2-b";
    case RK_TRANSFER_DEROGATION:
        return "rk:Art49Derogation"; /* DPV names only the single points of art 49(1) */
    default: return NULL; /* none declared; the Privacy Shield is no basis since C-311/18 */
    }
}

/* The DPV data transfer tool of a mechanism, as a measure; NULL when none. */
static const char *transfer_tool_iri(enum rk_transfer t) {
    switch (t) {
    case RK_TRANSFER_SCC: return "eu-gdpr:SCCByCommission";
    case RK_TRANSFER_BCR: return "eu-gdpr:BindingCorporateRules";
    default: return NULL;
    }
}

/* The pd: concepts of a special category (art 9(1), art 10). */
static void special_pd(enum rk_special s, const char **a, const char **b) {
    static const char *const pd[RK_SPECIAL__COUNT][2] = {
        [RK_SPECIAL_ETHNIC_ORIGIN] = {"pd:Race", "pd:EthnicOrigin"},
        [RK_SPECIAL_POLITICAL] = {"pd:PoliticalOpinion", NULL},
        [RK_SPECIAL_RELIGION] = {"pd:Religion", "pd:PhilosophicalBelief"},
        [RK_SPECIAL_TRADE_UNION] = {"pd:TradeUnionMembership", NULL},
        [RK_SPECIAL_GENETIC] = {"pd:Genetic", NULL},
        [RK_SPECIAL_BIOMETRIC] = {"pd:Biometric", NULL},
        [RK_SPECIAL_HEALTH] = {"pd:Health", NULL},
        [RK_SPECIAL_SEX_LIFE] = {"pd:Sexual", NULL},
        [RK_SPECIAL_CRIMINAL_OFFENCES] = {"pd:Criminal", NULL},
    };
    *a = (unsigned)s < RK_SPECIAL__COUNT ? pd[s][0] : NULL;
    *b = (unsigned)s < RK_SPECIAL__COUNT ? pd[s][1] : NULL;
}

/*
 * The pd: concept a category is an instance of: by its special kind, else by a
 * well-known id, else by its kind; NULL when there is no obvious one.
 */
static const char *category_pd(const struct rk_category *c) {
    static const struct {
        const char *id, *pd;
    } by_id[] = {
        {"name", "pd:Name"},
        {"email", "pd:EmailAddress"},
        {"email_address", "pd:EmailAddress"},
        {"phone", "pd:TelephoneNumber"},
        {"telephone", "pd:TelephoneNumber"},
        {"mobile", "pd:TelephoneNumber"},
        {"address", "pd:PhysicalAddress"},
        {"postal_address", "pd:PhysicalAddress"},
        {"position", "pd:Job"},
        {"title", "pd:Job"},
        {"job_title", "pd:Job"},
        {"interests", "pd:Interest"},
        {"orders", "pd:Purchase"},
        {"purchases", "pd:Purchase"},
        {"ip_address", "pd:IPAddress"},
        {"birth_date", "pd:BirthDate"},
        {"age", "pd:Age"},
    };
    static const char *const by_kind[RK_CAT__COUNT] = {
        [RK_CAT_IDENTITY] = "pd:Identifying",
        [RK_CAT_CONTACT] = "pd:Contact",
        [RK_CAT_BILLING] = "pd:Financial",
        [RK_CAT_PREFERENCE] = "pd:Preference",
    };
    const char *a, *b;
    special_pd(c->special, &a, &b);
    if (a)
        return a;
    for (size_t i = 0; i < sizeof by_id / sizeof by_id[0]; i++)
        if (strcmp(c->id, by_id[i].id) == 0)
            return by_id[i].pd;
    return (unsigned)c->kind < RK_CAT__COUNT ? by_kind[c->kind] : NULL;
}

static const char *source_type(enum rk_source_kind k) {
    if (k == RK_SRC_PUBLIC_SOURCE)
        return "dpv:PublicDataSource";
    if (k == RK_SRC_THIRD_PARTY)
        return "dpv:ThirdPartyDataSource";
    return "dpv:DataSubjectDataSource";
}

/* ---- Shared nodes -------------------------------------------------------- */

/* A DPO or representative: {"@type": type, dpv:hasName, dpv:hasAddress, dpv:hasContact}. */
static json_t *party(struct dw *w, const struct rk_party *p, const char *kind, const char *type)
/* new ref */ {
    json_t *o = node(kind, NULL, NULL, type);
    if (p->name)
        put(w, o, "dpv:hasName", str(p->name));
    if (p->address)
        put(w, o, "dpv:hasAddress", str(p->address));
    json_t *contact = json_array();
    if (p->phone)
        push(w, contact, str(p->phone));
    if (p->email)
        push(w, contact, str(p->email));
    put_list(w, o, "dpv:hasContact", contact);
    return o;
}

static json_t *controller(struct dw *w) /* new ref */ {
    const struct rk_controller *c = &w->d->controller;
    json_t *o = node("controller", NULL, NULL, "dpv:DataController");
    put(w, o, "dpv:hasName", str(c->name));
    if (c->business_id)
        put(w, o, "dpv:hasIdentifier", str(c->business_id));
    if (c->address)
        put(w, o, "dpv:hasAddress", str(c->address));
    json_t *contact = json_array();
    if (c->phone)
        push(w, contact, str(c->phone));
    if (c->email)
        push(w, contact, str(c->email));
    put_list(w, o, "dpv:hasContact", contact);
    if (rk_label_contact_present(&c->dpo))
        put(w, o, "dpv:hasDataProtectionOfficer",
            party(w, &c->dpo, "dpo", "dpv:DataProtectionOfficer"));
    if (rk_label_contact_present(&c->representative))
        put(w, o, "dpv:hasRepresentative",
            party(w, &c->representative, "representative", "dpv:Representative"));
    if (c->financial_year_end.m != 0) { /* not declared: the calendar year */
        char md[16];
        snprintf(md, sizeof md, "--%02d-%02d", c->financial_year_end.m, c->financial_year_end.d);
        put(w, o, "rk:financialYearEnd",
            json_pack("{s:s, s:s}", "@value", md, "@type", "xsd:gMonthDay"));
    }
    return o;
}

static json_t *purpose(struct dw *w, const struct rk_purpose *p) /* new ref */ {
    json_t *o = node("purpose", p->id, NULL, "dpv:Purpose");
    put(w, o, "dct:identifier", str(p->id));
    put(w, o, "rdfs:label", both(&p->name));
    put_text(w, o, "dct:description", &p->description);
    if (p->marketing.declared) {
        const struct rk_marketing *m = &p->marketing;
        put(w, o, "skos:broader", ref("dpv:DirectMarketing"));
        json_t *ch = json_array();
        for (unsigned bit = 0; bit < RK_CHANNEL__COUNT; bit++)
            if (m->channels & (1u << bit))
                push(w, ch, str(rk_channel_id((enum rk_channel)(1u << bit))));
        put(w, o, "rk:marketingChannel", ch);
        put(w, o, "rk:marketingAudience", str(rk_audience_id(m->audience)));
        put(w, o, "rk:softOptIn", json_boolean(m->soft_opt_in));
        put_text(w, o, "rk:similarProducts", &m->similar_products);
    }
    return o;
}

struct keep_arg {
    const struct rk_decl *d; /* its financial year, for end_of_financial_period */
    const struct rk_category *c;
};

static void erasure_rule_label(const void *arg, enum rk_lang lang, struct rk_buf *out) {
    const struct keep_arg *a = arg;
    rk_label_erasure(a->d, a->c, lang, out);
}

static json_t *category(struct dw *w, const struct rk_category *c) /* new ref */ {
    json_t *o = node("category", c->id, NULL, "dpv:PersonalData");
    if (c->special != RK_SPECIAL_NONE)
        put(w, o, "@type",
            json_pack("[s, s]", "dpv:PersonalData",
                      c->special == RK_SPECIAL_CRIMINAL_OFFENCES
                          ? "dpv:SensitivePersonalData"
                          : "dpv:SpecialCategoryPersonalData"));
    put(w, o, "dct:identifier", str(c->id));
    put(w, o, "rdfs:label", both(&c->name));
    const char *pd = category_pd(c), *pd2 = NULL, *unused;
    if (c->special != RK_SPECIAL_NONE)
        special_pd(c->special, &unused, &pd2);
    if (pd && pd2)
        put(w, o, "skos:broader", json_pack("[o, o]", ref(pd), ref(pd2)));
    else if (pd)
        put(w, o, "skos:broader", ref(pd));
    put(w, o, "rk:categoryKind", str(rk_category_kind_id(c->kind)));
    if (c->special != RK_SPECIAL_NONE)
        put(w, o, "rk:specialCategory", str(rk_special_id(c->special)));
    if (c->erasure.rule == RK_ERASE_KEEP) {
        json_t *keep = json_pack("{s:s}", "@type", "dpv:StorageDuration");
        put(w, keep, "dpv:hasDuration",
            json_pack("{s:s, s:o}", "@type", "dpv:TemporalDuration", "rdf:value",
                      duration_value((struct rk_duration){c->erasure.keep_years, 'y'})));
        struct keep_arg arg = {.d = w->d, .c = c};
        put(w, keep, "dct:description", both_from(erasure_rule_label, &arg));
        put(w, o, "dpv:hasStorageCondition", keep);
    }
    return o;
}

static void source_label(const void *s, enum rk_lang lang, struct rk_buf *out) {
    rk_buf_puts(out, rk_label_source(((const struct rk_source *)s)->kind, lang));
}

static json_t *source(struct dw *w, const struct rk_source *s, size_t n) /* new ref */ {
    char num[24];
    snprintf(num, sizeof num, "%zu", n);
    json_t *o = node("source", num, NULL, source_type(s->kind));
    put(w, o, "rk:sourceKind", str(rk_source_kind_id(s->kind)));
    put(w, o, "rdfs:label", both_from(source_label, s));
    put_text(w, o, "dpv:hasName", &s->name);
    put_text(w, o, "dct:description", &s->detail);
    put_text(w, o, "rdfs:comment", &s->note);
    json_t *cats = json_array();
    for (size_t i = 0; i < s->ncategories; i++)
        push(w, cats, bref("category", s->categories[i]->id, NULL));
    put_list(w, o, "dpv:hasPersonalData", cats);
    return o;
}

static json_t *recipient(struct dw *w, const struct rk_recipient *rc) /* new ref */ {
    json_t *o = node("recipient", rc->id, NULL, "dpv:Recipient");
    put(w, o, "@type",
        json_pack("[s, s]", "dpv:Recipient",
                  rc->role == RK_ROLE_PROCESSOR ? "dpv:DataProcessor" : "dpv:DataController"));
    put(w, o, "dct:identifier", str(rc->id));
    put(w, o, "dpv:hasName", str(rc->name));
    put(w, o, "rk:role", str(rk_role_id(rc->role)));
    char iri[16];
    snprintf(iri, sizeof iri, "loc:%.2s", rc->country);
    put(w, o, "dpv:hasCountry", ref(iri));
    put_text(w, o, "dct:description", &rc->purpose);
    return o;
}

/* ---- Processes ----------------------------------------------------------- */

static bool has_register(const struct rk_recipient *rc, const struct rk_register *r) {
    for (size_t i = 0; i < rc->nregisters; i++)
        if (rc->registers[i] == r)
            return true;
    return false;
}

/* A third-country transfer to rc: a dpv:CrossBorderTransfer. */
static json_t *transfer(struct dw *w, const struct rk_recipient *rc) /* new ref */ {
    json_t *o = json_pack("{s:s}", "@type", "dpv:CrossBorderTransfer");
    put(w, o, "dpv:hasRecipient", bref("recipient", rc->id, NULL));
    char iri[16];
    snprintf(iri, sizeof iri, "loc:%.2s", rc->country);
    put(w, o, "dpv:hasThirdCountry", ref(iri));
    const char *basis = transfer_basis_iri(rc->transfer), *tool = transfer_tool_iri(rc->transfer);
    if (basis)
        put(w, o, "dpv:hasLegalBasis", ref(basis));
    if (tool)
        put(w, o, "dpv:hasTechnicalOrganisationalMeasure", ref(tool));
    put(w, o, "rk:transferMechanism", str(rk_transfer_id(rc->transfer)));
    if (rc->transfer == RK_TRANSFER_DPF && rc->dpf_verified.y != 0)
        put(w, o, "rk:dpfVerified", date_value(rc->dpf_verified));
    put_text(w, o, "rk:safeguardsCopy", &rc->safeguards_copy);
    return o;
}

/* The register's special categories, each a sub-process with its art 9(2) condition. */
static void special_processes(struct dw *w, const struct rk_register *r, json_t *list) {
    for (size_t i = 0; i < r->ncategories; i++) {
        const struct rk_category *c = r->categories[i];
        if (c->special == RK_SPECIAL_NONE)
            continue;
        json_t *o = json_pack("{s:s}", "@type", "dpv:Process");
        put(w, o, "dpv:hasPersonalData", bref("category", c->id, NULL));
        const char *cond = art9_iri(c->condition);
        if (cond)
            put(w, o, "dpv:hasLegalBasis", ref(cond));
        if (rk_text_present(&c->law)) {
            json_t *law = json_pack("{s:s}", "@type", "dpv:Law");
            put(w, law, "dct:title", both(&c->law));
            put(w, o, "dpv:hasApplicableLaw", law);
        }
        push(w, list, o);
    }
}

struct erasure_arg {
    const struct rk_decl *d;
    const struct rk_register *r;
    const struct rk_purpose *p;
};

static void erasure_label(const void *arg, enum rk_lang lang, struct rk_buf *out) {
    const struct erasure_arg *a = arg;
    rk_label_erasure_limits(a->d, a->r, a->p, lang, out);
}

static json_t *storage(struct dw *w, const struct rk_register *r, const struct rk_purpose *p)
/* new ref */ {
    const struct rk_retention *rt = &r->retention;
    json_t *o = json_pack("{s:s}", "@type", "dpv:StorageDuration");
    json_t *durations = json_array();
    if (rt->declared && rt->until) {
        json_t *ev = json_array();
        for (unsigned bit = 0; bit < RK_UNTIL__COUNT; bit++)
            if (rt->until & (1u << bit))
                push(w, ev, str(rk_retention_event_id((enum rk_retention_event)(1u << bit))));
        json_t *u = json_pack("{s:s}", "@type", "dpv:UntilEventDuration");
        put(w, u, "rk:retentionEvent", ev);
        if (rt->grace.n)
            put(w, u, "rk:gracePeriod", duration_value(rt->grace));
        push(w, durations, u);
    }
    if (rt->declared && rt->period.n)
        push(w, durations,
             json_pack("{s:s, s:o}", "@type", "dpv:TemporalDuration", "rdf:value",
                       duration_value(rt->period)));
    put_list(w, o, "dpv:hasDuration", durations);
    struct erasure_arg arg = {.d = w->d, .r = r, .p = p};
    put(w, o, "dct:description", both_from(erasure_label, &arg));
    return o;
}

static json_t *profiling(struct dw *w, const struct rk_profiling *pr) /* new ref */ {
    json_t *o = json_pack("{s:s}", "@type", "dpv:Profiling");
    put(w, o, "dct:description", both(&pr->what));
    put(w, o, "rk:logic", both(&pr->logic));
    json_t *cons = json_pack("{s:s}", "@type", "dpv:Consequence");
    put(w, cons, "dct:description", both(&pr->consequences));
    put(w, o, "dpv:hasConsequence", cons);
    return o;
}

static void title_label(const void *arg, enum rk_lang lang, struct rk_buf *out) {
    const struct erasure_arg *a = arg;
    rk_buf_printf(out, "%s – %s", rk_text_get(&a->r->name, lang), rk_text_get(&a->p->name, lang));
}

static json_t *process(struct dw *w, const struct rk_register *r, const struct rk_purpose *p)
/* new ref */ {
    const struct rk_decl *d = w->d;
    json_t *o = node("process", r->id, p->id, "dpv:Process");
    struct rk_buf ident;
    rk_buf_init(&ident);
    rk_buf_printf(&ident, "%s/%s", r->id, p->id);
    put(w, o, "dct:identifier", ident.oom || !ident.data ? NULL : str(ident.data));
    rk_buf_cleanup(&ident);
    struct erasure_arg arg = {.d = w->d, .r = r, .p = p};
    put(w, o, "dct:title", both_from(title_label, &arg));
    put(w, o, "rk:register", str(r->id));
    put(w, o, "dpv:hasDataController", bref("controller", NULL, NULL));
    put(w, o, "dpv:hasPurpose", bref("purpose", p->id, NULL));
    put(w, o, "dpv:hasLegalBasis", ref(basis_iri(p->basis)));
    put_text(w, o, "rk:legitimateInterest", &p->legitimate_interest);
    if (rk_text_present(&p->balancing_test)) {
        json_t *lia = json_pack("{s:s}", "@type", "dpv:LegitimateInterestAssessment");
        put(w, lia, "dct:description", both(&p->balancing_test));
        put(w, o, "dpv:hasOrganisationalMeasure", lia);
    }

    json_t *subjects = json_array();
    push(w, subjects, bref("subjects", r->id, NULL));
    if (r->children.declared)
        push(w, subjects, bref("children", r->id, NULL));
    put(w, o, "dpv:hasDataSubject", subjects);

    json_t *cats = json_array();
    for (size_t i = 0; i < r->ncategories; i++)
        push(w, cats, bref("category", r->categories[i]->id, NULL));
    put_list(w, o, "dpv:hasPersonalData", cats);

    json_t *sources = json_array();
    for (size_t i = 0; i < d->nsources; i++) {
        if (!rk_source_feeds(&d->sources[i], r, p))
            continue;
        char num[24];
        snprintf(num, sizeof num, "%zu", i + 1);
        push(w, sources, bref("source", num, NULL));
    }
    put_list(w, o, "dpv:hasDataSource", sources);

    json_t *recipients = json_array(), *processing = json_array();
    if (p->profiling.declared)
        push(w, processing, profiling(w, &p->profiling));
    for (size_t i = 0; i < d->nrecipients; i++) {
        const struct rk_recipient *rc = &d->recipients[i];
        if (!has_register(rc, r))
            continue;
        push(w, recipients, bref("recipient", rc->id, NULL));
        if (!rk_country_in_eea(rc->country))
            push(w, processing, transfer(w, rc));
    }
    put_list(w, o, "dpv:hasRecipient", recipients);
    put_list(w, o, "dpv:hasProcessing", processing);

    put(w, o, "dpv:hasStorageCondition", storage(w, r, p));

    json_t *tom = json_array();
    for (size_t i = 0; i < d->nsecurity; i++) {
        char num[24];
        snprintf(num, sizeof num, "%zu", i + 1);
        push(w, tom, bref("measure", num, NULL));
    }
    put_list(w, o, "dpv:hasTechnicalOrganisationalMeasure", tom);

    json_t *sub = json_array();
    special_processes(w, r, sub);
    put_list(w, o, "dpv:hasProcess", sub);
    return o;
}

/* The register's data subjects, and its children when declared. */
static void subject_nodes(struct dw *w, const struct rk_register *r, json_t *graph) {
    json_t *o = node("subjects", r->id, NULL, "dpv:DataSubject");
    put(w, o, "rdfs:label", both(&r->subjects));
    push(w, graph, o);
    if (!r->children.declared)
        return;
    const struct rk_children *ch = &r->children;
    json_t *c = node("children", r->id, NULL, "dpv:Child");
    put(w, c, "@type", json_pack("[s, s]", "dpv:DataSubject", "dpv:Child"));
    put(w, c, "rk:minimumAge", json_integer(ch->min_age));
    put(w, c, "rk:onlineService", json_boolean(ch->online_service));
    put_text(w, c, "rk:ageVerification", &ch->age_verification);
    put_text(w, c, "rk:parentalConsent", &ch->parental_consent);
    push(w, graph, c);
}

/* Automated decision-making with legal or similar effect (art 22), when declared. */
static json_t *adm(struct dw *w) /* new ref */ {
    const struct rk_rights *rt = &w->d->rights;
    static const char *const right[RK_ADM_SAFEGUARD__COUNT] = {
        "eu-gdpr:A22-3-a", /* human intervention */
        "eu-gdpr:A22-3-b", /* expressing one's point of view */
        "eu-gdpr:A22-3-c", /* contesting the decision */
    };
    json_t *o = node("automated-decisions", NULL, NULL, "dpv:AutomatedDecisionMaking");
    put_text(w, o, "dct:description", &rt->automated_logic);
    if (rk_text_present(&rt->automated_consequences)) {
        json_t *cons = json_pack("{s:s}", "@type", "dpv:Consequence");
        put(w, cons, "dct:description", both(&rt->automated_consequences));
        put(w, o, "dpv:hasConsequence", cons);
    }
    if (rt->automated_basis != RK_ADM_NONE)
        put(w, o, "rk:art22Basis", str(rk_adm_basis_id(rt->automated_basis)));
    json_t *rights = json_array();
    for (unsigned bit = 0; bit < RK_ADM_SAFEGUARD__COUNT; bit++)
        if (rt->automated_safeguards & (1u << bit))
            push(w, rights, ref(right[bit]));
    put_list(w, o, "dpv:hasRight", rights);
    return o;
}

static json_t *document(struct dw *w) /* new ref */ {
    const struct rk_decl *d = w->d;
    json_t *graph = json_array();

    json_t *rec = node("ropa", NULL, NULL, "dpv:ROPA");
    put(w, rec, "dct:title",
        json_pack("[o, o]", tagged("Seloste käsittelytoimista", "fi"),
                  tagged("Record of processing activities", "en")));
    put(w, rec, "dpv:hasDataController", bref("controller", NULL, NULL));
    json_t *procs = json_array();
    for (size_t i = 0; i < d->nregisters; i++)
        for (size_t j = 0; j < d->registers[i].npurposes; j++)
            push(w, procs, bref("process", d->registers[i].id, d->registers[i].purposes[j]->id));
    put(w, rec, "dpv:hasProcess", procs);
    if (d->rights.automated_decisions)
        put(w, rec, "rk:automatedDecisionMaking", bref("automated-decisions", NULL, NULL));
    push(w, graph, rec);

    push(w, graph, controller(w));
    for (size_t i = 0; i < d->npurposes; i++)
        push(w, graph, purpose(w, &d->purposes[i]));
    for (size_t i = 0; i < d->ncategories; i++)
        if (rk_label_category_used(d, &d->categories[i]))
            push(w, graph, category(w, &d->categories[i]));
    for (size_t i = 0; i < d->nregisters; i++)
        subject_nodes(w, &d->registers[i], graph);
    for (size_t i = 0; i < d->nsources; i++)
        push(w, graph, source(w, &d->sources[i], i + 1));
    for (size_t i = 0; i < d->nrecipients; i++)
        push(w, graph, recipient(w, &d->recipients[i]));
    for (size_t i = 0; i < d->nsecurity; i++) {
        char num[24];
        snprintf(num, sizeof num, "%zu", i + 1);
        json_t *m = node("measure", num, NULL, "dpv:TechnicalOrganisationalMeasure");
        put(w, m, "dct:description", both(&d->security[i]));
        push(w, graph, m);
    }
    if (d->rights.automated_decisions)
        push(w, graph, adm(w));
    for (size_t i = 0; i < d->nregisters; i++)
        for (size_t j = 0; j < d->registers[i].npurposes; j++)
            push(w, graph, process(w, &d->registers[i], d->registers[i].purposes[j]));

    json_t *doc = json_object();
    put(w, doc, "@context", context());
    put(w, doc, "@graph", graph);
    return doc;
}

rk_err rk_ropa_render_dpv(const struct rk_decl *d, struct rk_buf *out) {
    struct dw w = {.d = d, .oom = false};
    json_t *doc = document(&w);
    if (w.oom) {
        json_decref(doc);
        return RK_ENOMEM;
    }
    return rk_buf_put_json(out, doc);
}
