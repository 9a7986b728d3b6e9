/*
 * ropa.c — renders the record of processing activities (art 30(1)) of a
 * declaration as CSV, JSON or Markdown.
 *
 * CSV and Markdown share one flat form of an entry: each art 30(1) field as
 * plain text in a buffer (fill_entry), written out by csv_row or md_entry. JSON
 * is built as a jansson tree instead, so that ids, articles and lists keep
 * their structure for machine readers. The wording comes from labels.c, shared
 * with the privacy notice.
 */
#include "views/ropa.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "decl/labels.h"
#include "util/json.h"

/* ---- The flat form of an entry (CSV and Markdown) ------------------------ */

enum field {
    F_CONTROLLER,
    F_REPRESENTATIVE,
    F_DPO,
    F_REGISTER,
    F_PURPOSE,
    F_BASIS,
    F_PROFILING,
    F_MARKETING,
    F_SUBJECTS,
    F_DATA,
    F_SOURCES,
    F_RECIPIENTS,
    F_TRANSFERS,
    F_ERASURE,
    F_SECURITY,
    F__COUNT
};

static const struct {
    const char *column;  /* the CSV header, the same in every language */
    const char *fi, *en; /* the Markdown label */
} fields[F__COUNT] = {
    {"controller", "(a) Rekisterinpitäjä", "(a) Controller"},
    {"representative", "(a) Rekisterinpitäjän edustaja", "(a) Controller's representative"},
    {"dpo", "(a) Tietosuojavastaava", "(a) Data protection officer"},
    {"register", "Rekisteri", "Register"},
    {"purpose", "(b) Käsittelyn tarkoitus", "(b) Purpose of the processing"},
    {"legal_basis", "(b) Oikeusperuste", "(b) Legal basis"},
    {"profiling", "(b) Profilointi", "(b) Profiling"},
    {"direct_marketing", "(b) Suoramarkkinointi", "(b) Direct marketing"},
    {"data_subjects", "(c) Rekisteröityjen ryhmät", "(c) Categories of data subjects"},
    {"personal_data", "(c) Henkilötietoryhmät", "(c) Categories of personal data"},
    {"sources", "Tietolähteet (14 art.)", "Sources (art 14)"},
    {"recipients", "(d) Vastaanottajien ryhmät", "(d) Categories of recipients"},
    {"third_country_transfers", "(e) Siirrot kolmansiin maihin ja suojatoimet",
     "(e) Transfers to third countries and safeguards"},
    {"erasure_time_limits", "(f) Poistamisen määräajat", "(f) Time limits for erasure"},
    {"security_measures", "(g) Tekniset ja organisatoriset turvatoimet",
     "(g) Technical and organisational security measures"},
};

struct entry {
    struct rk_buf f[F__COUNT];
};

static bool has_register(const struct rk_recipient *rc, const struct rk_register *r) {
    for (size_t i = 0; i < rc->nregisters; i++)
        if (rc->registers[i] == r)
            return true;
    return false;
}

/* Appends "; " unless b is empty: the separator of several values in one field. */
static void next(struct rk_buf *b) {
    if (b->len > 0)
        rk_buf_puts(b, "; ");
}

/* As next(), but after a full sentence (ending with '.') only a space. */
static void next_sentence(struct rk_buf *b) {
    if (b->len > 0 && b->data[b->len - 1] == '.')
        rk_buf_putc(b, ' ');
    else
        next(b);
}

static void contact_field(const struct rk_party *c, enum rk_lang lang, struct rk_buf *b) {
    if (rk_label_contact_present(c))
        rk_label_contact(c, lang, b);
    else
        rk_buf_puts(b, rk_label_not_declared(lang));
}

static void basis_field(const struct rk_purpose *p, enum rk_lang lang, struct rk_buf *b) {
    rk_buf_puts(b, rk_label_basis(p->basis, lang));
    if (rk_text_present(&p->legitimate_interest))
        rk_buf_printf(b, "; %s: %s", RK_PICK(lang, "oikeutettu etu", "legitimate interest"),
                      rk_text_get(&p->legitimate_interest, lang));
    if (rk_text_present(&p->balancing_test)) {
        rk_buf_sentence_gap(b);
        rk_label_balancing(p, lang, b);
    }
}

/* The sources of (r, p): the person's own by kind, the others by name with what they give. */
static void sources_field(const struct rk_decl *d, const struct rk_register *r,
                          const struct rk_purpose *p, enum rk_lang lang, struct rk_buf *b) {
    for (size_t i = 0; i < d->nsources; i++) {
        const struct rk_source *s = &d->sources[i];
        if (!rk_source_feeds(s, r, p))
            continue;
        next(b);
        if (rk_source_from_subject(s->kind))
            rk_buf_puts(b, rk_label_source(s->kind, lang));
        else
            rk_label_source_named(s, lang, b);
    }
    if (b->len == 0)
        rk_buf_puts(b, rk_label_not_declared(lang));
}

/* (d) and (e): the recipients of r, and those of them outside the EEA. */
static void recipient_fields(const struct rk_decl *d, const struct rk_register *r,
                             enum rk_lang lang, struct rk_buf *recipients,
                             struct rk_buf *transfers) {
    for (size_t i = 0; i < d->nrecipients; i++) {
        const struct rk_recipient *rc = &d->recipients[i];
        if (!has_register(rc, r))
            continue;
        const char *country = rk_country_name(rc->country, lang);
        next(recipients);
        rk_buf_printf(recipients, "%s (%s, %s", rc->name, rk_label_role(rc->role, lang), country);
        const struct rk_share *sh = rk_recipient_share(rc, r);
        for (size_t k = 0; sh && k < sh->ncategories; k++)
            rk_buf_printf(recipients, "%s%s",
                          k ? ", " : RK_PICK(lang, "; vastaanottaa: ", "; receives: "),
                          rk_text_get(&sh->categories[k]->name, lang));
        rk_buf_putc(recipients, ')');
        if (rk_country_in_eea(rc->country))
            continue;
        next(transfers);
        rk_buf_printf(transfers, "%s, %s: ", rc->name, country);
        rk_label_transfer_detail(rc->transfer, rc->dpf_verified, &rc->safeguards_copy, lang,
                                 transfers);
    }
    if (recipients->len == 0)
        rk_buf_puts(recipients, RK_PICK(lang, "ei vastaanottajia", "none"));
    if (transfers->len == 0)
        rk_buf_puts(transfers, RK_PICK(lang, "ei siirtoja", "none"));
}

static void fill_entry(const struct rk_decl *d, const struct rk_register *r,
                       const struct rk_purpose *p, enum rk_lang lang, struct entry *e) {
    rk_label_controller(&d->controller, lang, &e->f[F_CONTROLLER]);
    contact_field(&d->controller.representative, lang, &e->f[F_REPRESENTATIVE]);
    contact_field(&d->controller.dpo, lang, &e->f[F_DPO]);
    rk_buf_puts(&e->f[F_REGISTER], rk_text_get(&r->name, lang));
    rk_buf_puts(&e->f[F_PURPOSE], rk_text_get(&p->name, lang));
    basis_field(p, lang, &e->f[F_BASIS]);
    rk_label_profiling(p, lang, &e->f[F_PROFILING]);
    if (e->f[F_PROFILING].len == 0)
        rk_buf_puts(&e->f[F_PROFILING], RK_PICK(lang, "ei profilointia", "none"));
    rk_label_marketing(p, lang, &e->f[F_MARKETING]);
    if (e->f[F_MARKETING].len == 0)
        rk_buf_puts(&e->f[F_MARKETING], RK_PICK(lang, "ei suoramarkkinointia", "none"));
    rk_buf_puts(&e->f[F_SUBJECTS], rk_text_get(&r->subjects, lang));
    if (r->children.declared) {
        rk_buf_puts(&e->f[F_SUBJECTS], ". ");
        rk_label_children(r, lang, &e->f[F_SUBJECTS]);
    }
    for (size_t i = 0; i < r->ncategories; i++) {
        next(&e->f[F_DATA]);
        if (r->categories[i]->special != RK_SPECIAL_NONE)
            rk_label_special_category(r->categories[i], lang, &e->f[F_DATA]);
        else
            rk_buf_puts(&e->f[F_DATA], rk_text_get(&r->categories[i]->name, lang));
    }
    sources_field(d, r, p, lang, &e->f[F_SOURCES]);
    recipient_fields(d, r, lang, &e->f[F_RECIPIENTS], &e->f[F_TRANSFERS]);
    rk_label_erasure_limits(d, r, p, lang, &e->f[F_ERASURE]);
    for (size_t i = 0; i < d->nsecurity; i++) {
        next_sentence(&e->f[F_SECURITY]);
        rk_buf_puts(&e->f[F_SECURITY], rk_text_get(&d->security[i], lang));
    }
    if (d->nsecurity == 0)
        rk_buf_puts(&e->f[F_SECURITY], rk_label_not_declared(lang));
}

/* Fills e for (r, p); false when memory ran out. Clean up e with entry_cleanup either way. */
static bool entry_make(const struct rk_decl *d, const struct rk_register *r,
                       const struct rk_purpose *p, enum rk_lang lang, struct entry *e) {
    for (int i = 0; i < F__COUNT; i++)
        rk_buf_init(&e->f[i]);
    fill_entry(d, r, p, lang, e);
    for (int i = 0; i < F__COUNT; i++)
        if (e->f[i].oom || !e->f[i].data)
            return false;
    return true;
}

static void entry_cleanup(struct entry *e) {
    for (int i = 0; i < F__COUNT; i++)
        rk_buf_cleanup(&e->f[i]);
}

/* ---- CSV ----------------------------------------------------------------- */

static void csv_header(struct rk_buf *out) {
    for (int i = 0; i < F__COUNT; i++) {
        if (i > 0)
            rk_buf_putc(out, ',');
        rk_buf_puts(out, fields[i].column);
    }
    rk_buf_puts(out, "\r\n");
}

static void csv_row(const struct entry *e, struct rk_buf *out) {
    for (int i = 0; i < F__COUNT; i++) {
        if (i > 0)
            rk_buf_putc(out, ',');
        rk_buf_put_csv(out, e->f[i].data);
    }
    rk_buf_puts(out, "\r\n");
}

/* ---- Markdown ------------------------------------------------------------ */

static void md_intro(const struct rk_decl *d, enum rk_lang lang, struct rk_buf *out) {
    rk_buf_puts(out, RK_PICK(lang, "# Seloste käsittelytoimista\n\n",
                             "# Record of processing activities\n\n"));
    rk_buf_puts(out, RK_PICK(lang, "Rekisterinpitäjä: ", "Controller: "));
    rk_label_put_md_line(out, d->controller.name);
    rk_buf_puts(out, RK_PICK(lang,
                             ". EU:n yleisen tietosuoja-asetuksen 30 artiklan 1 kohdan mukainen "
                             "seloste, jossa kukin käsittelytoimi on rekisterin ja "
                             "käsittelytarkoituksen yhdistelmä.\n",
                             ". The record under article 30(1) of the EU General Data Protection "
                             "Regulation, in which each processing activity is a combination of "
                             "a register and a purpose.\n"));
}

static void md_entry(const struct entry *e, size_t n, enum rk_lang lang, struct rk_buf *out) {
    rk_buf_printf(out, "\n## %zu. ", n);
    rk_label_put_md_line(out, e->f[F_REGISTER].data);
    rk_buf_puts(out, " – ");
    rk_label_put_md_line(out, e->f[F_PURPOSE].data);
    rk_buf_puts(out, "\n\n");
    for (int i = 0; i < F__COUNT; i++) {
        rk_buf_printf(out, "- **%s:** ", RK_PICK(lang, fields[i].fi, fields[i].en));
        rk_label_put_md_line(out, e->f[i].data);
        rk_buf_putc(out, '\n');
    }
}

/* CSV or Markdown: one flat entry per (register, purpose). */
static rk_err render_flat(const struct rk_decl *d, enum rk_lang lang, enum rk_ropa_format fmt,
                          struct rk_buf *out) {
    size_t n = 0;
    if (fmt == RK_ROPA_CSV)
        csv_header(out);
    else
        md_intro(d, lang, out);
    for (size_t i = 0; i < d->nregisters; i++) {
        const struct rk_register *r = &d->registers[i];
        for (size_t j = 0; j < r->npurposes; j++) {
            struct entry e;
            bool ok = entry_make(d, r, r->purposes[j], lang, &e);
            if (ok && fmt == RK_ROPA_CSV)
                csv_row(&e, out);
            else if (ok)
                md_entry(&e, ++n, lang, out);
            entry_cleanup(&e);
            if (!ok)
                return RK_ENOMEM;
        }
    }
    return rk_buf_status(out);
}

/* ---- JSON ---------------------------------------------------------------- */

/* Appends v to array a; false (and v released) on failure. */
static bool push(json_t *a, json_t *v) { return json_array_append_new(a, v) == 0; }

static json_t *contact_json(const struct rk_party *c) /* new ref */ {
    if (!rk_label_contact_present(c))
        return json_null();
    return json_pack("{s:s?, s:s?, s:s?, s:s?}", "name", c->name, "address", c->address, "phone",
                     c->phone, "email", c->email);
}

static json_t *controller_json(const struct rk_controller *c) /* new ref */ {
    return json_pack("{s:s, s:s?, s:s?, s:s?, s:s?, s:o, s:o}", "name", c->name, "business_id",
                     c->business_id, "address", c->address, "phone", c->phone, "email", c->email,
                     "representative", contact_json(&c->representative), "dpo",
                     contact_json(&c->dpo));
}

static json_t *named_json(const char *id, const struct rk_text *name, enum rk_lang lang)
/* new ref */ {
    return json_pack("{s:s, s:s}", "id", id, "name", rk_text_get(name, lang));
}

static json_t *basis_json(const struct rk_purpose *p, enum rk_lang lang) /* new ref */ {
    return json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "id", rk_basis_id(p->basis), "article",
                     rk_label_basis_article(p->basis), "label", rk_label_basis(p->basis, lang),
                     "legitimate_interest", rk_text_get(&p->legitimate_interest, lang),
                     "balancing_test", rk_text_get(&p->balancing_test, lang));
}

/* A sentence of labels.c as a JSON string (new ref), or NULL when memory runs out. */
static json_t *label_json(void (*fn)(const struct rk_purpose *, enum rk_lang, struct rk_buf *),
                          const struct rk_purpose *p, enum rk_lang lang) {
    struct rk_buf b;
    rk_buf_init(&b);
    fn(p, lang, &b);
    rk_buf_putc(&b, '\0');
    json_t *s = b.oom || !b.data ? NULL : json_string(b.data);
    rk_buf_cleanup(&b);
    return s;
}

/* Art 4(4): the purpose's profiling, or null. */
static json_t *profiling_json(const struct rk_purpose *p, enum rk_lang lang) /* new ref */ {
    const struct rk_profiling *pr = &p->profiling;
    if (!pr->declared)
        return json_null();
    return json_pack("{s:s, s:s, s:s, s:o}", "what", rk_text_get(&pr->what, lang), "logic",
                     rk_text_get(&pr->logic, lang), "consequences",
                     rk_text_get(&pr->consequences, lang), "text",
                     label_json(rk_label_profiling, p, lang));
}

/* 917/2014: the purpose's direct marketing, or null. */
static json_t *marketing_json(const struct rk_purpose *p, enum rk_lang lang) /* new ref */ {
    const struct rk_marketing *m = &p->marketing;
    if (!m->declared)
        return json_null();
    json_t *channels = json_array();
    for (unsigned i = 0; channels && i < RK_CHANNEL__COUNT; i++)
        if ((m->channels & (1u << i)) &&
            !push(channels, json_string(rk_channel_id((enum rk_channel)(1u << i))))) {
            json_decref(channels);
            return NULL;
        }
    json_t *soft = m->soft_opt_in ? json_pack("{s:s, s:b}", "products",
                                              rk_text_get(&m->similar_products, lang),
                                              "opt_out_at_collection", m->opt_out_at_collection)
                                  : json_null();
    return json_pack("{s:o, s:s, s:o, s:o}", "channels", channels, "audience",
                     rk_audience_id(m->audience), "soft_opt_in", soft, "text",
                     label_json(rk_label_marketing, p, lang));
}

/* Art 8: the register's children, or null. */
static json_t *children_json(const struct rk_register *r, enum rk_lang lang) /* new ref */ {
    const struct rk_children *ch = &r->children;
    if (!ch->declared)
        return json_null();
    return json_pack("{s:i, s:b, s:s?, s:s?}", "min_age", ch->min_age, "online_service",
                     ch->online_service, "age_verification",
                     rk_text_get(&ch->age_verification, lang), "parental_consent",
                     rk_text_get(&ch->parental_consent, lang));
}

/* Art 14: the sources of (r, p) with their names, public or not, and categories obtained. */
static json_t *sources_json(const struct rk_decl *d, const struct rk_register *r,
                            const struct rk_purpose *p, enum rk_lang lang) /* new ref */ {
    json_t *a = json_array();
    for (size_t i = 0; a && i < d->nsources; i++) {
        const struct rk_source *s = &d->sources[i];
        if (!rk_source_feeds(s, r, p))
            continue;
        json_t *cats = json_array();
        for (size_t k = 0; cats && k < s->ncategories; k++)
            if (!push(cats, json_string(s->categories[k]->id))) {
                json_decref(cats);
                cats = NULL;
            }
        if (!push(a, json_pack("{s:s, s:s, s:s?, s:b, s:b, s:o}", "kind",
                               rk_source_kind_id(s->kind), "label", rk_label_source(s->kind, lang),
                               "name", rk_text_get(&s->name, lang), "from_subject",
                               rk_source_from_subject(s->kind), "publicly_available",
                               s->kind == RK_SRC_PUBLIC_SOURCE, "categories", cats))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *personal_data_json(const struct rk_register *r, enum rk_lang lang) /* new ref */ {
    json_t *a = json_array();
    for (size_t i = 0; a && i < r->ncategories; i++) {
        const struct rk_category *c = r->categories[i];
        bool special = c->special != RK_SPECIAL_NONE;
        json_t *sp =
            special ? json_pack("{s:s, s:s, s:s?, s:s?, s:s}", "id", rk_special_id(c->special),
                                "label", rk_label_special(c->special, lang), "condition",
                                c->condition != RK_ART9_NONE ? rk_art9_condition_id(c->condition)
                                                             : NULL,
                                "law", rk_text_get(&c->law, lang), "condition_label",
                                rk_label_art9_condition(c->condition, lang))
                    : json_null();
        if (!push(a,
                  json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", c->id, "name",
                            rk_text_get(&c->name, lang), "kind", rk_category_kind_id(c->kind),
                            "kind_label", rk_label_category_kind(c->kind, lang), "special", sp))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The categories rc receives from r (recipients[].shares), or null when it declares none. */
static json_t *shares_json(const struct rk_recipient *rc, const struct rk_register *r,
                           enum rk_lang lang) /* new ref */ {
    const struct rk_share *sh = rk_recipient_share(rc, r);
    if (!sh)
        return json_null();
    json_t *a = json_array();
    for (size_t i = 0; a && i < sh->ncategories; i++)
        if (!push(a, named_json(sh->categories[i]->id, &sh->categories[i]->name, lang))) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* (d) when transfers is false, else (e): the recipients of r outside the EEA. */
static json_t *recipients_json(const struct rk_decl *d, const struct rk_register *r,
                               enum rk_lang lang, bool transfers) /* new ref */ {
    json_t *a = json_array();
    for (size_t i = 0; a && i < d->nrecipients; i++) {
        const struct rk_recipient *rc = &d->recipients[i];
        if (!has_register(rc, r) || (transfers && rk_country_in_eea(rc->country)))
            continue;
        char dpf[11] = "";
        if (rc->dpf_verified.y)
            rk_date_iso(rc->dpf_verified, dpf);
        json_t *v =
            transfers
                ? json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}", "recipient", rc->id, "country",
                            rc->country, "country_name", rk_country_name(rc->country, lang),
                            "mechanism", rk_transfer_id(rc->transfer), "label",
                            rk_label_transfer(rc->transfer, lang), "dpf_verified",
                            dpf[0] ? dpf : NULL, "safeguards_copy",
                            rk_text_get(&rc->safeguards_copy, lang))
                : json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "id", rc->id, "name", rc->name,
                            "role", rk_role_id(rc->role), "role_label",
                            rk_label_role(rc->role, lang), "country", rc->country, "country_name",
                            rk_country_name(rc->country, lang), "shares", shares_json(rc, r, lang));
        if (!push(a, v)) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *security_json(const struct rk_decl *d, enum rk_lang lang) /* new ref */ {
    json_t *a = json_array();
    for (size_t i = 0; a && i < d->nsecurity; i++) {
        if (!push(a, json_string(rk_text_get(&d->security[i], lang)))) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *entry_json(const struct rk_decl *d, const struct rk_register *r,
                          const struct rk_purpose *p, enum rk_lang lang) /* new ref */ {
    struct rk_buf erasure;
    rk_buf_init(&erasure);
    rk_label_erasure_limits(d, r, p, lang, &erasure);
    json_t *e = NULL;
    if (!erasure.oom && erasure.data)
        e = json_pack("{s:o, s:o, s:o, s:s, s:o, s:o, s:o, s:s, s:o}", "register",
                      named_json(r->id, &r->name, lang), "purpose",
                      named_json(p->id, &p->name, lang), "legal_basis", basis_json(p, lang),
                      "data_subjects", rk_text_get(&r->subjects, lang), "personal_data",
                      personal_data_json(r, lang), "recipients", recipients_json(d, r, lang, false),
                      "transfers", recipients_json(d, r, lang, true), "erasure", erasure.data,
                      "security_measures", security_json(d, lang));
    if (e && (json_object_set_new(e, "profiling", profiling_json(p, lang)) != 0 ||
              json_object_set_new(e, "direct_marketing", marketing_json(p, lang)) != 0 ||
              json_object_set_new(e, "children", children_json(r, lang)) != 0 ||
              json_object_set_new(e, "sources", sources_json(d, r, p, lang)) != 0)) {
        json_decref(e);
        e = NULL;
    }
    rk_buf_cleanup(&erasure);
    return e;
}

static json_t *ropa_json(const struct rk_decl *d, enum rk_lang lang) /* new ref */ {
    json_t *entries = json_array();
    for (size_t i = 0; entries && i < d->nregisters; i++) {
        const struct rk_register *r = &d->registers[i];
        for (size_t j = 0; j < r->npurposes; j++) {
            if (!push(entries, entry_json(d, r, r->purposes[j], lang))) {
                json_decref(entries);
                return NULL;
            }
        }
    }
    return json_pack("{s:{s:s, s:s, s:o, s:o}}", "record_of_processing", "language",
                     RK_PICK(lang, "fi", "en"), "title",
                     RK_PICK(lang, "Seloste käsittelytoimista", "Record of processing activities"),
                     "controller", controller_json(&d->controller), "entries", entries);
}

/* ---- Entry point --------------------------------------------------------- */

rk_err rk_ropa_render(const struct rk_decl *d, enum rk_lang lang, enum rk_ropa_format fmt,
                      struct rk_buf *out) {
    if (fmt == RK_ROPA_JSON)
        return rk_buf_put_json(out, ropa_json(d, lang));
    return render_flat(d, lang, fmt, out);
}
