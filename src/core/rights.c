/*
 * rights.c — the data-subject rights (see rights.h and docs/rights.md).
 *
 * Erasure, the one hard part, runs in this order inside one transaction:
 *   1. read what is held (entries, contracts, invoices, consent purposes);
 *   2. queue the art 19 notices (they need the entries to find recipients);
 *   3. suppress every email and phone held (reason erasure), and append the
 *      erasure to the journal (core/journal.h), fsynced before the commit;
 *   4. delete entries, then provenance and organisation rows left unused;
 *   5. consent ledger and state: delete, except purposes declaring
 *      keep_evidence (ledger and its derived state stay, the person restricted);
 *   6. contracts and invoices: restrict what a legal obligation keeps,
 *      delete the rest; signups, outbox messages and tasks are deleted;
 *   7. delete the person when nothing is kept, else restrict the person;
 *   8. audit (pseudonymous id and counts only).
 * Invariant: after a commit, no table but invoice, contract and
 * consent_event (restricted, kept rows), suppression (hashes), audit
 * (pseudonymous) and recipient_notice (to be delivered) refers to the person.
 *
 * The retention sweep erases one register at a time (rk_rights_erase_from):
 * steps 2 (that register's recipients), 4 (its entry) and 6 (its contracts
 * and invoices) by the same code, no suppression, and rk_rights_settle for
 * steps 5 and 7 once the person is in no register.
 *
 * Access and portability: this file checks the person, gathers what the
 * record holds (struct rk_access_facts, the entry and record walks, the
 * portable values) and audits; the documents are written by views/ through
 * the caller's struct rk_rights_views (views/access.h).
 */
#include "core/rights.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/consent.h"
#include "core/journal.h"
#include "core/notify.h"
#include "core/reg_impl.h"
#include "decl/labels.h"
#include "mail/mail.h"

#define MAX_HELD 32 /* entries of one person: one per register */

/* ---- Shared ------------------------------------------------------------------------------ */

__attribute__((format(printf, 3, 4))) static rk_err say(struct rk_error *msg, rk_err err,
                                                        const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg->message, sizeof msg->message, fmt, ap);
    va_end(ap);
    return msg->code = err;
}

static rk_err store_failed(const struct rk_store *s, struct rk_error *msg, rk_err err) {
    if (!msg->message[0] && err == RK_ESTORAGE) /* the store's message names the cause */
        say(msg, err, "%s", rk_store_errmsg(s));
    else if (!msg->message[0])
        say(msg, err, "storage failed: %s (%s)", rk_err_str(err), rk_store_errmsg(s));
    return msg->code = err;
}

/* The person's flags; RK_ENOENT with a message when there is no such person. */
static rk_err person_flags(struct rk_reg *reg, const char *id, bool *restricted, bool *objected,
                           struct rk_error *msg) {
    rk_err err = rk_store_person_exists(reg->store, id, restricted, objected);
    if (err == RK_ENOENT)
        return say(msg, RK_ENOENT, "no person with id '%s'", id);
    return err == RK_OK ? RK_OK : store_failed(reg->store, msg, err);
}

/* The person's entries, copied (one per register). */
struct held {
    struct rk_entry *e[MAX_HELD];
    size_t n;
    bool oom;
};

static int hold_entry(void *ctx, const struct rk_entry *e) {
    struct held *h = ctx;
    if (h->n >= MAX_HELD)
        return 0;
    struct rk_entry *copy = malloc(sizeof *copy);
    if (!copy) {
        h->oom = true;
        return 1;
    }
    memcpy(copy, e, sizeof *copy);
    /* v[] points into e->buf: repoint into the copy's buffer. */
    for (int f = 0; f < RK_F__COUNT; f++)
        if (e->v[f])
            copy->v[f] = copy->buf + (e->v[f] - e->buf);
    h->e[h->n++] = copy;
    return 0;
}

static void held_free(struct held *h) {
    for (size_t i = 0; i < h->n; i++)
        free(h->e[i]);
    h->n = 0;
}

static rk_err load_held(struct rk_reg *reg, const char *person_id, struct held *h) {
    memset(h, 0, sizeof *h);
    rk_err err = rk_store_entries_of_person(reg->store, person_id, hold_entry, h);
    if (err == RK_OK && h->oom)
        err = RK_ENOMEM;
    if (err != RK_OK)
        held_free(h);
    return err;
}

static rk_err audit(struct rk_reg *reg, rk_ts at, const char *action, const char *person_id,
                    const char *detail) {
    return rk_audit_append(reg->store, &reg->keys, at, reg->actor, action, person_id, detail);
}

/* "request RID" or "staff", for audit details (the request id is pseudonymous). */
static void request_detail(const char *request_id, const char *what, char *out, size_t n) {
    int w = request_id ? snprintf(out, n, "%s; request %.60s", what, request_id)
                       : snprintf(out, n, "%s; staff", what);
    if (w < 0 && n)
        out[0] = '\0';
}

static const struct rk_category *register_kind(const struct rk_register *r,
                                               enum rk_category_kind k) {
    for (size_t i = 0; i < r->ncategories; i++)
        if (r->categories[i]->kind == k)
            return r->categories[i];
    return NULL;
}

/* ---- The access document's facts (views/access.c writes it) -------------------------------- */

struct has_scan {
    bool contracts, invoices;
};

static int has_contract(void *ctx, const struct rk_contract *c) {
    (void)c;
    ((struct has_scan *)ctx)->contracts = true;
    return 1;
}

static int has_invoice(void *ctx, const struct rk_invoice *i) {
    (void)i;
    ((struct has_scan *)ctx)->invoices = true;
    return 1;
}

rk_err rk_rights_walk_entries(const struct rk_access_facts *f, const struct rk_entry_visitor *v,
                              void *ctx) {
    char buf[1024];
    rk_err err = RK_OK;
    for (size_t i = 0; i < f->nentries && err == RK_OK; i++) {
        const struct rk_entry *e = f->entries[i];
        v->entry(ctx, e, false);
        for (int k = 0; k < RK_F__COUNT && err == RK_OK; k++) {
            if (!e->v[k])
                continue;
            struct rk_provenance p;
            bool has = e->prov[k] != 0;
            if (has) {
                err = rk_store_provenance_get(f->reg->store, e->prov[k], &p, buf, sizeof buf);
                if (err == RK_ENOENT) {
                    has = false;
                    err = RK_OK;
                }
            }
            if (err == RK_OK)
                v->value(ctx, e, (enum rk_field)k, has ? &p : NULL);
        }
        v->entry(ctx, e, true);
    }
    return err;
}

/* The store's iterators, handing each row to the visitor. */
struct walk {
    const struct rk_access_facts *f;
    const struct rk_record_visitor *v;
    void *ctx;
};

static int walk_event(void *ctx, const struct rk_consent_event *e) {
    struct walk *w = ctx;
    w->v->consent_event(w->ctx, e);
    return 0;
}

static int walk_change(void *ctx, const struct rk_contract_change *c) {
    struct walk *w = ctx;
    w->v->contract_change(w->ctx, c);
    return 0;
}

static int walk_contract(void *ctx, const struct rk_contract *c) {
    struct walk *w = ctx;
    w->v->contract(w->ctx, c, false);
    rk_err err = rk_store_contract_changes(w->f->reg->store, c->id, walk_change, w);
    w->v->contract(w->ctx, c, true);
    return err != RK_OK;
}

static int walk_invoice(void *ctx, const struct rk_invoice *i) {
    struct walk *w = ctx;
    w->v->invoice(w->ctx, i);
    return 0;
}

static int walk_task(void *ctx, const struct rk_task_view *t) {
    struct walk *w = ctx;
    w->v->task(w->ctx, t);
    return 0;
}

static int walk_disclosure(void *ctx, const struct rk_disclosure_event *e) {
    struct walk *w = ctx;
    w->v->disclosure(w->ctx, e);
    return 0;
}

rk_err rk_rights_walk_records(const struct rk_access_facts *f, const struct rk_record_visitor *v,
                              void *ctx) {
    const struct rk_decl *decl = f->reg->decl;
    struct rk_store *s = f->reg->store;
    struct walk w = {.f = f, .v = v, .ctx = ctx};
    /* One snapshot for the whole record, so that its parts agree with each other (and one
     * transaction's start instead of one per read); a caller's write transaction is one
     * already. */
    bool own = !rk_reg_in_batch(f->reg);
    rk_err err = own ? rk_store_read_begin(s) : RK_OK;
    if (err != RK_OK)
        return err;
    v->part(ctx, RK_PART_CONSENT_EVENTS, false);
    err = rk_store_consent_events(s, f->person_id, walk_event, &w);
    v->part(ctx, RK_PART_CONSENT_EVENTS, true);
    v->part(ctx, RK_PART_CONSENT_STATES, false);
    for (size_t i = 0; i < decl->npurposes && err == RK_OK; i++) {
        struct rk_consent_state st;
        if (decl->purposes[i].basis != RK_BASIS_CONSENT)
            continue;
        err = rk_store_consent_state_get(s, f->person_id, decl->purposes[i].id, &st);
        if (err == RK_OK && st.status != RK_CONSENT_NONE)
            v->consent_state(ctx, decl->purposes[i].id, &st);
    }
    v->part(ctx, RK_PART_CONSENT_STATES, true);
    v->part(ctx, RK_PART_CONTRACTS, false);
    if (err == RK_OK)
        err = rk_store_contracts_of_person(s, f->person_id, walk_contract, &w);
    v->part(ctx, RK_PART_CONTRACTS, true);
    v->part(ctx, RK_PART_INVOICES, false);
    if (err == RK_OK)
        err = rk_store_invoices_of_person(s, f->person_id, walk_invoice, &w);
    v->part(ctx, RK_PART_INVOICES, true);
    v->part(ctx, RK_PART_TASKS, false);
    if (err == RK_OK)
        err = rk_store_tasks_of_person(s, f->person_id, walk_task, &w);
    v->part(ctx, RK_PART_TASKS, true);
    v->part(ctx, RK_PART_DISCLOSURES, false);
    if (err == RK_OK)
        err = rk_store_disclosure_events_of_person(s, f->person_id, walk_disclosure, &w);
    v->part(ctx, RK_PART_DISCLOSURES, true);
    if (own) {
        rk_err end = rk_store_read_end(s);
        if (err == RK_OK)
            err = end;
    }
    return err;
}

rk_err rk_rights_access(struct rk_reg *reg, const char *person_id, const char *request_id,
                        enum rk_lang lang, rk_ts at, const struct rk_rights_views *views,
                        struct rk_buf *json, struct rk_buf *html, struct rk_error *msg) {
    msg->message[0] = '\0';
    struct rk_access_facts f = {.reg = reg,
                                .person_id = person_id,
                                .request_id = request_id,
                                .lang = lang,
                                .at = at,
                                .restricted = false,
                                .objected = false,
                                .contracts = false,
                                .invoices = false,
                                .entries = NULL,
                                .nentries = 0};
    rk_err err = person_flags(reg, person_id, &f.restricted, &f.objected, msg);
    if (err != RK_OK)
        return err;
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(reg->store, msg, err);
    struct has_scan hs = {.contracts = false, .invoices = false};
    err = rk_store_contracts_of_person(reg->store, person_id, has_contract, &hs);
    if (err == RK_OK)
        err = rk_store_invoices_of_person(reg->store, person_id, has_invoice, &hs);
    f.contracts = hs.contracts;
    f.invoices = hs.invoices;
    f.entries = (const struct rk_entry *const *)h.e;
    f.nentries = h.n;
    if (err == RK_OK)
        err = views->access(&f, json, html);
    held_free(&h);
    if (err != RK_OK)
        return store_failed(reg->store, msg, err);
    char detail[RK_AUDIT_FIELD_MAX];
    request_detail(request_id, lang == RK_LANG_FI ? "fi" : "en", detail, sizeof detail);
    err = rk_reg_audit(reg, "rights.access", person_id, detail, at);
    return err == RK_OK ? RK_OK : store_failed(reg->store, msg, err);
}

/* ---- Portability -------------------------------------------------------------------------- */

/* The values the person provided, held for a purpose resting on consent or contract. */
static rk_err portable_values(struct rk_reg *reg, const struct held *h,
                              struct rk_portable_value *out, size_t *n) {
    char buf[1024];
    *n = 0;
    for (size_t i = 0; i < h->n; i++) {
        const struct rk_entry *e = h->e[i];
        for (int f = 0; f < RK_F__COUNT; f++) {
            struct rk_provenance p;
            if (!e->v[f] || !e->prov[f])
                continue;
            rk_err err = rk_store_provenance_get(reg->store, e->prov[f], &p, buf, sizeof buf);
            if (err == RK_ENOENT)
                continue;
            if (err != RK_OK)
                return err;
            const struct rk_purpose *pp = rk_decl_purpose(reg->decl, p.purpose);
            if (!rk_source_from_subject(p.source) || !pp ||
                (pp->basis != RK_BASIS_CONSENT && pp->basis != RK_BASIS_CONTRACT))
                continue;
            out[(*n)++] = (struct rk_portable_value){.entry = i,
                                                     .register_id = e->register_id,
                                                     .field = (enum rk_field)f,
                                                     .value = e->v[f],
                                                     .at = p.at,
                                                     .source = p.source};
        }
    }
    return RK_OK;
}

rk_err rk_rights_portability(struct rk_reg *reg, const char *person_id, const char *request_id,
                             rk_ts at, const struct rk_rights_views *views, struct rk_buf *json,
                             struct rk_buf *csv, struct rk_error *msg) {
    msg->message[0] = '\0';
    bool restricted = false;
    rk_err err = person_flags(reg, person_id, &restricted, NULL, msg);
    if (err != RK_OK)
        return err;
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(reg->store, msg, err);
    struct rk_portable_value *v = calloc(h.n * RK_F__COUNT + 1, sizeof *v);
    size_t n = 0;
    err = v ? portable_values(reg, &h, v, &n) : RK_ENOMEM;
    if (err == RK_OK) {
        struct rk_portability_facts f = {.person_id = person_id, .at = at, .values = v, .n = n};
        err = views->portability(&f, json, csv);
    }
    free(v);
    held_free(&h);
    if (err != RK_OK)
        return store_failed(reg->store, msg, err);
    char detail[RK_AUDIT_FIELD_MAX];
    request_detail(request_id, "export", detail, sizeof detail);
    err = rk_reg_audit(reg, "rights.portability", person_id, detail, at);
    return err == RK_OK ? RK_OK : store_failed(reg->store, msg, err);
}

/* ---- Automated decisions' answer ---------------------------------------------------------- */

/* The same words as the notice's and the access document's (decl/labels.c): profiling per
 * purpose (art 4(4), 15(1)(h)), never denied while a purpose declares it, then the art 22
 * decisions, denied only while rights.automated_decisions is false. */
void rk_rights_automated_text(const struct rk_decl *decl, enum rk_lang lang, struct rk_buf *out) {
    rk_label_automated_answer(decl, lang, out);
}

/* ---- Rectification ------------------------------------------------------------------------ */

/* The purpose and source of a rectification in register r: the person's own word, through
 * a declared source from the person; a purpose not resting on consent is preferred. */
static bool rectify_write(struct rk_reg *reg, const struct rk_register *r, const char *person_id,
                          rk_ts at, struct rk_write *w) {
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < r->npurposes; i++) {
            const struct rk_purpose *p = r->purposes[i];
            if ((pass == 0) != (p->basis != RK_BASIS_CONSENT))
                continue;
            if (p->basis == RK_BASIS_CONSENT) {
                struct rk_consent_state st;
                if (rk_store_consent_state_get(reg->store, person_id, p->id, &st) != RK_OK ||
                    rk_consent_effective(&st, at) != RK_CONSENT_LIVE)
                    continue;
            }
            /* The person handing data over in a request, in order of likeness. */
            static const enum rk_source_kind kinds[] = {RK_SRC_OTHER_HANDOVER, RK_SRC_EMAIL,
                                                        RK_SRC_PHONE,          RK_SRC_MEETING,
                                                        RK_SRC_WEB_FORM,       RK_SRC_CONTRACT};
            for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
                if (!rk_decl_source_allowed(reg->decl, kinds[k], r, p))
                    continue;
                w->register_id = r->id;
                w->purpose = p->id;
                w->source = kinds[k];
                return true;
            }
        }
    return false;
}

/* Deletes provenance rows in ids[0..n) and organisation names no entry uses any more. */
static rk_err drop_unused(struct rk_reg *reg, const int64_t *ids, size_t n, char (*orgs)[256],
                          size_t norgs, int64_t *prov_out, int64_t *org_out) {
    rk_err err = RK_OK;
    reg->last_prov.id = 0; /* the next write must not reuse a row deleted here */
    for (size_t i = 0; i < n && err == RK_OK; i++) {
        bool dup = false, gone = false;
        for (size_t k = 0; k < i; k++)
            dup |= ids[k] == ids[i];
        if (dup || !ids[i])
            continue;
        err = rk_store_provenance_delete_unused(reg->store, ids[i], &gone);
        if (err == RK_OK && gone && prov_out)
            (*prov_out)++;
    }
    for (size_t i = 0; i < norgs && err == RK_OK; i++) {
        bool gone = false;
        err = rk_store_organisation_delete_unused(reg->store, orgs[i], &gone);
        if (err == RK_OK && gone && org_out)
            (*org_out)++;
    }
    return err;
}

/* The provenance ids and organisation names of the held entries (fields where mask is set). */
struct olds {
    int64_t prov[MAX_HELD * RK_F__COUNT];
    size_t nprov;
    char orgs[MAX_HELD][256];
    size_t norgs;
};

static void collect_olds(const struct held *h, const bool mask[RK_F__COUNT],
                         const char *register_id, struct olds *o) {
    for (size_t i = 0; i < h->n; i++) {
        const struct rk_entry *e = h->e[i];
        if (register_id && strcmp(e->register_id, register_id) != 0)
            continue;
        for (int f = 0; f < RK_F__COUNT; f++) {
            if (!mask[f] || !e->v[f])
                continue;
            o->prov[o->nprov++] = e->prov[f];
            if (f == RK_F_ORGANISATION && o->norgs < MAX_HELD)
                snprintf(o->orgs[o->norgs++], sizeof o->orgs[0], "%s", e->v[f]);
        }
    }
}

rk_err rk_rights_rectify(struct rk_reg *reg, const char *person_id, const char *request_id,
                         const char *register_id, const struct rk_contact *c, rk_ts at,
                         struct rk_error *msg) {
    msg->message[0] = '\0';
    bool restricted = false, any = false, mask[RK_F__COUNT];
    rk_err err = person_flags(reg, person_id, &restricted, NULL, msg);
    if (err != RK_OK)
        return err;
    if (restricted)
        return say(msg, RK_EREFUSED,
                   "person %s is restricted (art 18): lift the restriction before rectifying",
                   person_id);
    for (int f = 0; f < RK_F__COUNT; f++)
        any |= (mask[f] = c->v[f] != NULL);
    if (!any)
        return say(msg, RK_EINVAL, "a rectification needs at least one corrected value");
    if (register_id && !rk_decl_register(reg->decl, register_id))
        return say(msg, RK_EREFUSED, "register '%s' is not declared", register_id);
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(reg->store, msg, err);
    struct olds *o = calloc(1, sizeof *o);
    if (!o) {
        held_free(&h);
        return RK_ENOMEM;
    }
    collect_olds(&h, mask, register_id, o);
    char detail[128];
    if (request_id)
        snprintf(detail, sizeof detail, "data subject request #%.80s", request_id);
    else
        snprintf(detail, sizeof detail, "data subject request");
    struct rk_work tx;
    int written = 0, notices = 0;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK) {
        free(o);
        held_free(&h);
        return store_failed(reg->store, msg, err);
    }
    /* Recipients first: they know the person by the email before the change. */
    err = rk_notify_recipients(reg, person_id, RK_NOTICE_RECTIFICATION, request_id, at, &notices);
    for (size_t i = 0; i < h.n && err == RK_OK; i++) {
        const struct rk_register *r = rk_decl_register(reg->decl, h.e[i]->register_id);
        if (!r || (register_id && strcmp(r->id, register_id) != 0))
            continue;
        struct rk_contact sub;
        bool some = false;
        memset(&sub, 0, sizeof sub);
        for (int f = 0; f < RK_F__COUNT; f++) {
            bool declared = false;
            for (size_t k = 0; k < r->ncategories; k++)
                declared |= strcmp(r->categories[k]->id, rk_field_id((enum rk_field)f)) == 0;
            if (c->v[f] && declared) {
                sub.v[f] = c->v[f];
                some = true;
            }
        }
        if (!some)
            continue;
        struct rk_write w = {.source_detail = detail, .at = at};
        if (!rectify_write(reg, r, person_id, at, &w)) {
            err = say(msg, RK_EREFUSED,
                      "register '%s' declares no source from the person for a purpose the "
                      "person is held for",
                      r->id);
            break;
        }
        err = rk_reg_person_update(reg, &w, person_id, &sub, msg);
        written += err == RK_OK;
    }
    if (err == RK_OK && written == 0)
        err = say(msg, RK_EREFUSED,
                  register_id ? "person %s is not in register '%s' or it holds none of the "
                                "categories given"
                              : "person %s is in no register holding the categories given%s",
                  person_id, register_id ? register_id : "");
    if (err == RK_OK)
        err = drop_unused(reg, o->prov, o->nprov, o->orgs, o->norgs, NULL, NULL);
    char adetail[RK_AUDIT_FIELD_MAX];
    request_detail(request_id, register_id ? register_id : "all registers", adetail,
                   sizeof adetail);
    if (err == RK_OK)
        err = audit(reg, at, "rights.rectify", person_id, adetail);
    err = rk_reg_work_end(reg, &tx, err);
    free(o);
    held_free(&h);
    return err == RK_OK ? RK_OK : store_failed(reg->store, msg, err);
}

/* ---- Erasure ------------------------------------------------------------------------------ */

struct ids {
    char id[64][RK_ID_LEN + 1];
    bool keep[64];
    bool undeclared[64]; /* not kept because its category declares no keep rule */
    bool unmarked[64];   /* invoices: not kept because recorded before the rule, no keep_until */
    struct rk_date until[64];
    size_t n;
    bool overflow;
};

struct erase_scan {
    struct rk_reg *reg;
    struct ids contracts, invoices;
    struct rk_date today;
    struct rk_erase_report *out;
    const char *register_id; /* only this register's contracts and invoices; NULL: all */
};

static int scan_contract(void *ctx, const struct rk_contract *c) {
    struct erase_scan *s = ctx;
    if (s->register_id && strcmp(c->register_id, s->register_id) != 0)
        return 0;
    if (s->contracts.n >= 64) {
        s->contracts.overflow = true;
        return 1;
    }
    size_t i = s->contracts.n++;
    snprintf(s->contracts.id[i], sizeof s->contracts.id[i], "%s", c->id);
    const struct rk_register *r = rk_decl_register(s->reg->decl, c->register_id);
    const struct rk_category *cat = r ? register_kind(r, RK_CAT_CONTRACT) : NULL;
    s->contracts.keep[i] = cat && cat->erasure.rule == RK_ERASE_KEEP;
    s->contracts.undeclared[i] = !s->contracts.keep[i];
    if (s->contracts.keep[i] && !s->out->contracts_why[0])
        snprintf(s->out->contracts_why, sizeof s->out->contracts_why,
                 "kept %d years, restricted to the obligation: %s", cat->erasure.keep_years,
                 rk_text_present(&cat->erasure.obligation) ? cat->erasure.obligation.en
                                                           : "a legal obligation");
    return 0;
}

static int scan_invoice(void *ctx, const struct rk_invoice *inv) {
    struct erase_scan *s = ctx;
    if (s->register_id && strcmp(inv->register_id, s->register_id) != 0)
        return 0;
    if (s->invoices.n >= 64) {
        s->invoices.overflow = true;
        return 1;
    }
    size_t i = s->invoices.n++;
    snprintf(s->invoices.id[i], sizeof s->invoices.id[i], "%s", inv->id);
    s->invoices.keep[i] = inv->keep_until.y && rk_date_cmp(inv->keep_until, s->today) >= 0;
    s->invoices.until[i] = inv->keep_until;
    const struct rk_register *r = rk_decl_register(s->reg->decl, inv->register_id);
    const struct rk_category *cat = r ? register_kind(r, RK_CAT_BILLING) : NULL;
    bool rule = cat && cat->erasure.rule == RK_ERASE_KEEP;
    s->invoices.undeclared[i] = !inv->keep_until.y && !rule;
    s->invoices.unmarked[i] = !inv->keep_until.y && rule;
    if (s->invoices.keep[i] && !s->out->invoices_why[0]) {
        snprintf(s->out->invoices_why, sizeof s->out->invoices_why,
                 "kept until the statutory period ends, restricted to the obligation: %s",
                 cat && rk_text_present(&cat->erasure.obligation) ? cat->erasure.obligation.en
                                                                  : "a legal obligation");
    }
    return 0;
}

/* Consent purposes with events for the person. */
struct consent_scan {
    char purposes[16][RK_DECL_ID_MAX + 1];
    int64_t events[16];
    size_t n;
};

static int scan_consent(void *ctx, const struct rk_consent_event *e) {
    struct consent_scan *s = ctx;
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->purposes[i], e->purpose) == 0) {
            s->events[i]++;
            return 0;
        }
    if (s->n < 16) {
        s->events[s->n] = 1;
        snprintf(s->purposes[s->n++], sizeof s->purposes[0], "%s", e->purpose);
    }
    return 0;
}

/* Puts every email and phone of the held entries on the suppression list. */
static rk_err suppress_held(struct rk_reg *reg, const struct held *h,
                            enum rk_suppress_reason reason, rk_ts at, int *count) {
    static const enum rk_field fields[2] = {RK_F_EMAIL, RK_F_PHONE};
    rk_err err = RK_OK;
    for (size_t i = 0; i < h->n && err == RK_OK; i++)
        for (int k = 0; k < 2 && err == RK_OK; k++) {
            const unsigned char *hash =
                fields[k] == RK_F_EMAIL ? h->e[i]->email_hash : h->e[i]->phone_hash;
            bool already = false;
            if (!h->e[i]->v[fields[k]])
                continue;
            err = rk_store_suppressed(reg->store, hash, &already);
            if (err == RK_OK && !already) {
                err = rk_store_suppress_add(reg->store, hash, fields[k], reason, at);
                if (err == RK_OK && count)
                    (*count)++;
            }
        }
    return err;
}

/* Suppresses the email of each pending signup of the person. */
static rk_err suppress_signups(struct rk_reg *reg, const char *person_id, rk_ts at, int *count) {
    struct rk_signup *u = malloc(sizeof *u);
    rk_err err = u ? RK_OK : RK_ENOMEM;
    for (size_t i = 0; i < reg->decl->npurposes && err == RK_OK; i++) {
        bool already = false;
        err = rk_store_signup_get(reg->store, person_id, reg->decl->purposes[i].id, u);
        if (err == RK_ENOENT) {
            err = RK_OK;
            continue;
        }
        if (err == RK_OK && u->v[RK_F_EMAIL]) {
            unsigned char h[RK_HASH_LEN];
            rk_keys_hash(&reg->keys, RK_F_EMAIL, u->v[RK_F_EMAIL], h);
            err = rk_store_suppressed(reg->store, h, &already);
            if (err == RK_OK && !already) {
                err = rk_store_suppress_add(reg->store, h, RK_F_EMAIL, RK_SUPPRESS_ERASURE, at);
                (*count)++;
            }
        }
    }
    free(u);
    return err;
}

/* The rule of step 5: whether the consent ledger of purpose stays as evidence. */
static bool consent_kept(const struct rk_decl *d, const char *purpose) {
    const struct rk_purpose *p = rk_decl_purpose(d, purpose);
    return p && p->keep_consent_evidence;
}

/* Step 1, for the erasure and its preview alike: the person's contracts and invoices (each
 * with its keep decision, scan_contract and scan_invoice) and consent purposes. */
static rk_err scan_held(struct rk_reg *reg, const char *person_id, struct erase_scan *s,
                        struct consent_scan *cs, struct rk_error *msg) {
    rk_err err = rk_store_contracts_of_person(reg->store, person_id, scan_contract, s);
    if (err == RK_OK)
        err = rk_store_invoices_of_person(reg->store, person_id, scan_invoice, s);
    if (err == RK_OK)
        err = rk_store_consent_events(reg->store, person_id, scan_consent, cs);
    if (err == RK_OK && (s->contracts.overflow || s->invoices.overflow))
        err = say(msg, RK_ETOOBIG,
                  "person %s has more than 64 contracts or invoices; erase "
                  "them in parts",
                  person_id);
    return err;
}

/* The rule of step 7: the person row stays (restricted) when anything is kept. */
static bool erase_keeps(const struct rk_erase_report *r) {
    return r->contracts_kept || r->invoices_kept || r->consent_why[0];
}

/* Step 5: the consent ledger of each purpose in cs is deleted, unless the purpose keeps
 * evidence (art 17(3)(e)): then ledger and state stay and out->consent_why says so. */
static rk_err erase_consent(struct rk_reg *reg, const char *person_id,
                            const struct consent_scan *cs, struct rk_erase_report *out) {
    rk_err err = RK_OK;
    for (size_t i = 0; i < cs->n && err == RK_OK; i++) {
        int64_t n = 0;
        if (consent_kept(reg->decl, cs->purposes[i])) {
            /* The ledger (and the state derived from it) stays as evidence only; the
             * person is restricted, so no audience or check counts it. */
            out->consent_events_kept += cs->events[i];
            snprintf(out->consent_why, sizeof out->consent_why,
                     "consent evidence kept for legal claims (art 17(3)(e)), restricted");
            continue;
        }
        err = rk_store_consent_delete(reg->store, person_id, cs->purposes[i], &n);
        out->consent_events += n;
    }
    return err;
}

/* Step 6: the scanned contracts and invoices by their category's rule: kept ones restricted,
 * the rest deleted. */
static rk_err erase_records(struct rk_reg *reg, const struct erase_scan *s,
                            struct rk_erase_report *out) {
    rk_err err = RK_OK;
    for (size_t i = 0; i < s->contracts.n && err == RK_OK; i++) {
        if (s->contracts.keep[i]) {
            err = rk_store_contract_restrict(reg->store, s->contracts.id[i]);
            out->contracts_kept++;
        } else {
            err = rk_store_contract_delete(reg->store, s->contracts.id[i]);
            out->contracts++;
        }
    }
    for (size_t i = 0; i < s->invoices.n && err == RK_OK; i++) {
        if (s->invoices.keep[i]) {
            err = rk_store_invoice_restrict(reg->store, s->invoices.id[i]);
            out->invoices_kept++;
            if (rk_date_cmp(s->invoices.until[i], out->invoices_until) > 0)
                out->invoices_until = s->invoices.until[i];
        } else {
            err = rk_store_invoice_delete(reg->store, s->invoices.id[i]);
            out->invoices++;
        }
    }
    return err;
}

/* Step 6, the rest: signups, outbox messages and tasks of the person. */
static rk_err erase_leftovers(struct rk_reg *reg, const char *person_id,
                              struct rk_erase_report *out) {
    rk_err err = rk_store_signups_delete_person(reg->store, person_id, &out->signups);
    if (err == RK_OK)
        err = rk_store_outbox_delete_person(reg->store, person_id, &out->outbox);
    if (err == RK_OK)
        err = rk_store_tasks_delete_person(reg->store, person_id, &out->tasks);
    if (err == RK_OK) /* an access answer awaiting download holds a copy of what is erased */
        err = rk_store_answer_delete_person(reg->store, person_id, &out->answers);
    return err;
}

rk_err rk_rights_erase(struct rk_reg *reg, const char *person_id, const char *request_id, rk_ts at,
                       struct rk_erase_report *out, struct rk_error *msg) {
    msg->message[0] = '\0';
    bool restricted = false, objected = false;
    rk_err err = person_flags(reg, person_id, &restricted, &objected, msg);
    if (err != RK_OK)
        return err;
    memset(out, 0, sizeof *out);
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(reg->store, msg, err);
    struct erase_scan *s = calloc(1, sizeof *s);
    struct olds *o = calloc(1, sizeof *o);
    struct consent_scan cs = {.n = 0};
    struct rk_work tx;
    if (!s || !o) {
        err = RK_ENOMEM;
        goto out;
    }
    s->reg = reg;
    s->today = rk_ts_date(at);
    s->out = out;
    /* 1. What is held. */
    err = scan_held(reg, person_id, s, &cs, msg);
    if (err != RK_OK)
        goto out;
    bool mask[RK_F__COUNT];
    for (int f = 0; f < RK_F__COUNT; f++)
        mask[f] = true;
    collect_olds(&h, mask, NULL, o);
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK)
        goto out;
    /* 2. Recipients, while the entries still say who holds the person. */
    err = rk_notify_recipients(reg, person_id, RK_NOTICE_ERASURE, request_id, at, &out->notices);
    /* 3. The suppression list, before anything is deleted: the entries' emails and phones,
     * and the email of a form submission never confirmed. */
    if (err == RK_OK)
        err = suppress_held(reg, &h, RK_SUPPRESS_ERASURE, at, &out->suppressed);
    if (err == RK_OK)
        err = suppress_signups(reg, person_id, at, &out->suppressed);
    /* The erasure journal (core/journal.h), while the entries still hold the hashes. */
    if (err == RK_OK)
        err = rk_journal_erasure(reg, person_id, at, msg);
    /* 4. Entries and what only they used. */
    if (err == RK_OK)
        err = rk_store_entries_delete_person(reg->store, person_id, &out->entries);
    if (err == RK_OK)
        err = drop_unused(reg, o->prov, o->nprov, o->orgs, o->norgs, &out->provenance,
                          &out->organisations);
    /* 5. The consent ledger, per purpose. */
    if (err == RK_OK)
        err = erase_consent(reg, person_id, &cs, out);
    /* 6. Contracts and invoices by their category's rule; the rest of the person's rows. */
    if (err == RK_OK)
        err = erase_records(reg, s, out);
    if (err == RK_OK)
        err = erase_leftovers(reg, person_id, out);
    /* 7. The person: gone, or kept restricted beside what is kept. */
    bool kept = erase_keeps(out);
    if (err == RK_OK && kept)
        err = rk_store_person_flags_set(reg->store, person_id, true, objected);
    else if (err == RK_OK)
        err = rk_store_person_delete(reg->store, person_id);
    out->person_deleted = err == RK_OK && !kept;
    /* 8. The audit chain: counts only. */
    char detail[RK_AUDIT_FIELD_MAX];
    char what[64];
    snprintf(what, sizeof what, "deleted %lld entries; kept %lld invoices, %lld contracts",
             (long long)out->entries, (long long)out->invoices_kept,
             (long long)out->contracts_kept);
    request_detail(request_id, what, detail, sizeof detail);
    if (err == RK_OK)
        err = audit(reg, at, "rights.erase", person_id, detail);
    err = rk_reg_work_end(reg, &tx, err);
out:
    free(s);
    free(o);
    held_free(&h);
    if (err != RK_OK) {
        out->person_deleted = false;
        return store_failed(reg->store, msg, err);
    }
    return RK_OK;
}

/* ---- The erasure preview ------------------------------------------------------------------ */

rk_err rk_rights_erase_plan(struct rk_reg *reg, const char *person_id, rk_ts at,
                            struct rk_erase_plan *out, struct rk_error *msg) {
    msg->message[0] = '\0';
    bool restricted = false, objected = false;
    rk_err err = person_flags(reg, person_id, &restricted, &objected, msg);
    if (err != RK_OK)
        return err;
    memset(out, 0, sizeof *out);
    out->restricted = restricted;
    out->objected = objected;
    struct rk_erase_report *r = &out->counts;
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(reg->store, msg, err);
    struct erase_scan *s = calloc(1, sizeof *s);
    struct consent_scan cs = {.n = 0};
    if (!s) {
        err = RK_ENOMEM;
        goto out;
    }
    s->reg = reg;
    s->today = rk_ts_date(at);
    s->out = r;
    if ((err = scan_held(reg, person_id, s, &cs, msg)) != RK_OK)
        goto out;
    /* Step 4: the entries, with the values held in each. */
    for (size_t i = 0; i < h.n && out->nregisters < RK_ERASE_PLAN_MAX; i++) {
        const struct rk_register *rg = rk_decl_register(reg->decl, h.e[i]->register_id);
        if (!rg)
            continue;
        unsigned bits = 0;
        for (int f = 0; f < RK_F__COUNT; f++)
            if (h.e[i]->v[f])
                bits |= 1u << f;
        out->email |= h.e[i]->v[RK_F_EMAIL] != NULL;
        out->phone |= h.e[i]->v[RK_F_PHONE] != NULL;
        out->registers[out->nregisters] = rg;
        out->held[out->nregisters++] = bits;
    }
    r->entries = (int64_t)h.n;
    /* Step 5 by its rule. */
    for (size_t i = 0; i < cs.n; i++) {
        if (consent_kept(reg->decl, cs.purposes[i])) {
            r->consent_events_kept += cs.events[i];
            snprintf(r->consent_why, sizeof r->consent_why,
                     "consent evidence kept for legal claims (art 17(3)(e)), restricted");
        } else {
            r->consent_events += cs.events[i];
        }
    }
    /* Step 6 by the scanned keep decisions. */
    for (size_t i = 0; i < s->contracts.n; i++) {
        s->contracts.keep[i] ? r->contracts_kept++ : r->contracts++;
        out->contracts_undeclared += s->contracts.undeclared[i];
    }
    for (size_t i = 0; i < s->invoices.n; i++) {
        if (!s->invoices.keep[i]) {
            r->invoices++;
            out->invoices_undeclared += s->invoices.undeclared[i];
            out->invoices_unmarked += s->invoices.unmarked[i];
            continue;
        }
        r->invoices_kept++;
        if (rk_date_cmp(s->invoices.until[i], r->invoices_until) > 0)
            r->invoices_until = s->invoices.until[i];
    }
    /* Step 7 by its rule; step 2's recipients; step 3's suppression (held values). */
    r->person_deleted = !erase_keeps(r);
    err =
        rk_notify_who(reg, person_id, NULL, out->recipients, RK_ERASE_PLAN_MAX, &out->nrecipients);
    r->notices = (int)out->nrecipients;
    r->suppressed = (int)out->email + (int)out->phone;
out:
    free(s);
    held_free(&h);
    return err == RK_OK ? RK_OK : store_failed(reg->store, msg, err);
}

/* ---- Erasure when retention ends ------------------------------------------------------------ */

/* What else the person still has once an entry is gone: entries, contracts, invoices, signups. */
struct remains {
    bool entries, records, signup;
};

static int any_entry(void *ctx, const struct rk_entry *e) {
    (void)e;
    ((struct remains *)ctx)->entries = true;
    return 1;
}

static int any_contract(void *ctx, const struct rk_contract *c) {
    (void)c;
    ((struct remains *)ctx)->records = true;
    return 1;
}

static int any_invoice(void *ctx, const struct rk_invoice *i) {
    (void)i;
    ((struct remains *)ctx)->records = true;
    return 1;
}

static rk_err what_remains(struct rk_reg *reg, const char *person_id, struct remains *r) {
    memset(r, 0, sizeof *r);
    rk_err err = rk_store_entries_of_person(reg->store, person_id, any_entry, r);
    if (err == RK_OK && !r->entries)
        err = rk_store_contracts_of_person(reg->store, person_id, any_contract, r);
    if (err == RK_OK && !r->entries && !r->records)
        err = rk_store_invoices_of_person(reg->store, person_id, any_invoice, r);
    struct rk_signup *u = NULL;
    if (err == RK_OK && !r->entries && !r->records && !(u = malloc(sizeof *u)))
        err = RK_ENOMEM;
    for (size_t i = 0; u && err == RK_OK && !r->signup && i < reg->decl->npurposes; i++) {
        err = rk_store_signup_get(reg->store, person_id, reg->decl->purposes[i].id, u);
        r->signup = err == RK_OK;
        if (err == RK_ENOENT)
            err = RK_OK;
    }
    free(u);
    return err;
}

rk_err rk_rights_settle(struct rk_reg *reg, const char *person_id, struct rk_erase_report *out) {
    bool restricted = false, objected = false;
    struct remains r;
    rk_err err = rk_store_person_exists(reg->store, person_id, &restricted, &objected);
    if (err == RK_ENOENT)
        return RK_OK;
    if (err == RK_OK)
        err = what_remains(reg, person_id, &r);
    if (err != RK_OK || r.entries || r.signup)
        return err;
    if (r.records) /* kept under a legal obligation only: stored, never processed (art 18) */
        return restricted ? RK_OK
                          : rk_store_person_flags_set(reg->store, person_id, true, objected);
    struct consent_scan cs = {.n = 0};
    err = rk_store_consent_events(reg->store, person_id, scan_consent, &cs);
    if (err == RK_OK)
        err = erase_consent(reg, person_id, &cs, out);
    if (err == RK_OK)
        err = erase_leftovers(reg, person_id, out);
    if (err == RK_OK && out->consent_why[0])
        err = restricted ? RK_OK : rk_store_person_flags_set(reg->store, person_id, true, objected);
    else if (err == RK_OK)
        err = rk_store_person_delete(reg->store, person_id);
    out->person_deleted = err == RK_OK && !out->consent_why[0];
    return err;
}

rk_err rk_rights_erase_from(struct rk_reg *reg, const char *person_id, const char *register_id,
                            rk_ts at, struct rk_erase_report *out, struct rk_error *msg) {
    msg->message[0] = '\0';
    memset(out, 0, sizeof *out);
    struct rk_entry *e = malloc(sizeof *e);
    struct erase_scan *s = calloc(1, sizeof *s);
    struct rk_work tx;
    rk_err err = e && s ? RK_OK : RK_ENOMEM;
    if (err == RK_OK &&
        (err = rk_store_entry_get(reg->store, register_id, person_id, e)) == RK_ENOENT) {
        err = say(msg, RK_ENOENT, "person %s is not in register '%s'", person_id, register_id);
        goto out;
    }
    if (err != RK_OK)
        goto out;
    s->reg = reg;
    s->today = rk_ts_date(at);
    s->out = out;
    s->register_id = register_id;
    err = rk_store_contracts_of_person(reg->store, person_id, scan_contract, s);
    if (err == RK_OK)
        err = rk_store_invoices_of_person(reg->store, person_id, scan_invoice, s);
    if (err == RK_OK && (s->contracts.overflow || s->invoices.overflow))
        err = say(msg, RK_ETOOBIG,
                  "person %s has more than 64 contracts or invoices in register '%s'", person_id,
                  register_id);
    if (err != RK_OK || (err = rk_reg_work_begin(reg, &tx)) != RK_OK)
        goto out;
    /* Recipients of this register first, while the entry still says who holds the person. */
    err = rk_notify_recipients_in(reg, person_id, register_id, RK_NOTICE_ERASURE, NULL, at,
                                  &out->notices);
    if (err == RK_OK)
        err = rk_store_entry_delete(reg->store, register_id, person_id);
    if (err == RK_OK) {
        out->entries = 1;
        struct held h = {.n = 1};
        struct olds o = {.nprov = 0};
        bool mask[RK_F__COUNT];
        for (int f = 0; f < RK_F__COUNT; f++)
            mask[f] = true;
        h.e[0] = e;
        collect_olds(&h, mask, NULL, &o);
        err = drop_unused(reg, o.prov, o.nprov, o.orgs, o.norgs, &out->provenance,
                          &out->organisations);
    }
    if (err == RK_OK)
        err = erase_records(reg, s, out);
    if (err == RK_OK)
        err = rk_rights_settle(reg, person_id, out);
    err = rk_reg_work_end(reg, &tx, err);
out:
    free(s);
    free(e);
    if (err != RK_OK) {
        out->person_deleted = false;
        return store_failed(reg->store, msg, err);
    }
    return RK_OK;
}

/* ---- Restriction -------------------------------------------------------------------------- */

static const char lift_subject[] = "Tietojesi käsittelyn rajoitus päättyy / Restriction of "
                                   "processing lifted";
static const char lift_body[] =
    "Hei,\n\n"
    "pyysit, että henkilötietojesi käsittelyä rajoitetaan (EU:n tietosuoja-asetuksen 18 "
    "artikla). Rajoitus poistetaan nyt, ja tietojasi käsitellään jälleen niiden "
    "tarkoitusten mukaisesti, jotka tietosuojaselosteessamme kerrotaan.\n\n"
    "Hello,\n\n"
    "you asked us to restrict the processing of your personal data (GDPR article 18). The "
    "restriction is now lifted, and your data will again be processed for the purposes our "
    "privacy notice describes.\n";

rk_err rk_rights_restrict(struct rk_reg *reg, const char *person_id, const char *request_id,
                          bool on, rk_ts at, struct rk_error *msg) {
    msg->message[0] = '\0';
    bool restricted = false, objected = false;
    rk_err err = person_flags(reg, person_id, &restricted, &objected, msg);
    if (err != RK_OK)
        return err;
    if (restricted == on)
        return say(msg, RK_EREFUSED, "person %s is %s restricted", person_id,
                   on ? "already" : "not");
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(reg->store, msg, err);
    const char *email = NULL;
    for (size_t i = 0; i < h.n && !email; i++)
        email = h.e[i]->v[RK_F_EMAIL];
    struct rk_work tx;
    int notices = 0;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK) {
        held_free(&h);
        return store_failed(reg->store, msg, err);
    }
    if (!on && email) {
        /* Art 18(3): the person is told before the restriction is lifted. */
        struct rk_outbox_msg m = {.person_id = person_id,
                                  .kind = "restriction_lifted",
                                  .recipient = email,
                                  .subject = lift_subject,
                                  .body = lift_body,
                                  .created_at = at};
        struct rk_error why = RK_ERROR_INIT;
        int64_t id = 0;
        err = rk_mail_enqueue(reg->store, &m, &why, &id);
        if (err == RK_EINVAL)
            say(msg, err, "the email telling the person cannot be queued: %s", rk_error_msg(&why));
    } else if (!on) {
        struct rk_task t = {.kind = "restriction_lift_inform",
                            .created_at = at,
                            .due = rk_ts_date(at),
                            .detail = "no email held: tell the person before processing resumes"};
        rk_id_new(t.id);
        snprintf(t.person_id, sizeof t.person_id, "%s", person_id);
        err = rk_store_task_insert(reg->store, &t);
    }
    if (err == RK_OK)
        err = rk_notify_recipients(reg, person_id,
                                   on ? RK_NOTICE_RESTRICTION : RK_NOTICE_RESTRICTION_LIFTED,
                                   request_id, at, &notices);
    if (err == RK_OK)
        err = rk_store_person_flags_set(reg->store, person_id, on, objected);
    char detail[RK_AUDIT_FIELD_MAX];
    request_detail(request_id, on ? "on" : "lifted", detail, sizeof detail);
    if (err == RK_OK)
        err = audit(reg, at, on ? "rights.restrict" : "rights.restrict_lift", person_id, detail);
    err = rk_reg_work_end(reg, &tx, err);
    held_free(&h);
    return err == RK_OK ? RK_OK : store_failed(reg->store, msg, err);
}

/* ---- Objection ---------------------------------------------------------------------------- */

rk_err rk_rights_object(struct rk_reg *reg, const char *person_id, const char *request_id,
                        bool direct_marketing, const char *grounds, rk_ts at,
                        struct rk_error *msg) {
    msg->message[0] = '\0';
    bool restricted = false, objected = false;
    rk_err err = person_flags(reg, person_id, &restricted, &objected, msg);
    if (err != RK_OK)
        return err;
    if (!direct_marketing && (!grounds || !grounds[0]))
        return say(msg, RK_EINVAL,
                   "an objection to other processing needs the person's grounds (art 21(1))");
    if (rk_text_field_check("grounds", grounds, true, msg) != RK_OK)
        return RK_EINVAL;
    struct held h;
    if ((err = load_held(reg, person_id, &h)) != RK_OK)
        return store_failed(reg->store, msg, err);
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK) {
        held_free(&h);
        return store_failed(reg->store, msg, err);
    }
    if (direct_marketing) {
        /* Absolute (art 21(3)): every consent for marketing ends now. */
        for (size_t i = 0; i < reg->decl->npurposes && err == RK_OK; i++) {
            const struct rk_purpose *p = &reg->decl->purposes[i];
            struct rk_consent_state st;
            if (p->basis != RK_BASIS_CONSENT)
                continue;
            err = rk_store_consent_state_get(reg->store, person_id, p->id, &st);
            if (err != RK_OK || (st.status != RK_CONSENT_LIVE && st.status != RK_CONSENT_PENDING))
                continue;
            struct rk_consent_input in = {.channel = "objection",
                                          .evidence = request_id ? "art 21 objection (request)"
                                                                 : "art 21 objection",
                                          .at = at};
            err = rk_reg_consent(reg, person_id, p->id, RK_CE_WITHDRAWN, &in, msg);
        }
        if (err == RK_OK)
            err = suppress_held(reg, &h, RK_SUPPRESS_OBJECTION, at, NULL);
        if (err == RK_OK)
            err = rk_store_person_flags_set(reg->store, person_id, restricted, true);
    } else {
        struct rk_task t = {.kind = "objection_review",
                            .created_at = at,
                            .due = rk_date_add_months(rk_ts_date(at), 1),
                            .detail = grounds};
        rk_id_new(t.id);
        snprintf(t.person_id, sizeof t.person_id, "%s", person_id);
        err = rk_store_task_insert(reg->store, &t);
    }
    char detail[RK_AUDIT_FIELD_MAX];
    request_detail(request_id, direct_marketing ? "direct_marketing" : "other", detail,
                   sizeof detail);
    if (err == RK_OK)
        err = audit(reg, at, "rights.object", person_id, detail);
    err = rk_reg_work_end(reg, &tx, err);
    held_free(&h);
    return err == RK_OK ? RK_OK : store_failed(reg->store, msg, err);
}

/* ---- Automated decisions ------------------------------------------------------------------ */

rk_err rk_rights_automated(struct rk_reg *reg, const char *person_id, const char *request_id,
                           enum rk_lang lang, rk_ts at, struct rk_buf *out, struct rk_error *msg) {
    msg->message[0] = '\0';
    rk_err err = RK_OK;
    if (person_id && (err = person_flags(reg, person_id, NULL, NULL, msg)) != RK_OK)
        return err;
    rk_rights_automated_text(reg->decl, lang, out);
    rk_buf_putc(out, '\n');
    if ((err = rk_buf_status(out)) != RK_OK)
        return err;
    if (!person_id)
        return RK_OK;
    char detail[RK_AUDIT_FIELD_MAX];
    request_detail(request_id, reg->decl->rights.automated_decisions ? "exists" : "none", detail,
                   sizeof detail);
    err = rk_reg_audit(reg, "rights.automated", person_id, detail, at);
    return err == RK_OK ? RK_OK : store_failed(reg->store, msg, err);
}
