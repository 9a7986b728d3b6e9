/*
 * register.c — the write rules of the registers (see register.h): persons,
 * contracts and invoices, the suppression list, and the audit event of what
 * is not a write. What the rules share — the checks and the writes every rule
 * applies — is in reg_write.c (reg_write.h says how the rules are split);
 * consent events are in reg_consent.c, the audience in reg_audience.c.
 */
#include "core/register.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent.h"
#include "core/reg_impl.h"
#include "core/reg_write.h"
#include "core/view.h"

rk_err rk_reg_audit(struct rk_reg *reg, const char *action, const char *person_id,
                    const char *detail, rk_ts at) {
    struct rk_work tx;
    rk_err err = rk_reg_work_begin(reg, &tx);
    if (err == RK_OK)
        err = rk_reg_work_end(reg, &tx, rw_audit(reg, RK_OK, action, person_id, detail, at));
    return err;
}

bool rk_register_on_consent(const struct rk_register *r) { return rw_consent_register(r); }

/* ---- Persons ---------------------------------------------------------------------------- */

rk_err rk_reg_person_add(struct rk_reg *reg, const struct rk_write *w, const char *person_id,
                         const struct rk_contact *c, const struct rk_consent_input *consent,
                         char id_out[RK_ID_LEN + 1], struct rk_error *msg) {
    const struct rk_register *r = NULL;
    const struct rk_purpose *p = NULL;
    struct rk_consent_state st = {RK_CONSENT_NONE, 0, 0, false, 0};
    rk_err err = rw_check_write(reg, w, &r, &p, msg);
    if (err == RK_OK && !(r && p))
        err = RK_EIO; /* unreachable: tells the analyzer */
    if (err == RK_OK)
        err = rw_check_categories(r, c, msg);
    if (err != RK_OK)
        return err;
    if (!c->v[RK_F_NAME] && !c->v[RK_F_EMAIL] && !c->v[RK_F_PHONE])
        return rw_for_people(msg,
                             rw_refuse(msg, "a person needs at least a name, an email or a phone"),
                             "name", "Anna vähintään nimi, sähköpostiosoite tai puhelinnumero.");
    if (person_id) {
        if ((err = rw_check_person(reg, person_id, msg)) != RK_OK)
            return err;
        err = rw_entry_held(reg, r->id, person_id);
        if (err == RK_OK) {
            snprintf(msg->message, sizeof msg->message,
                     "person %s is already in register '%s'; use 'person update'", person_id,
                     r->id);
            return rw_for_people(msg, RK_ECONFLICT, "register",
                                 "Henkilö on jo tässä rekisterissä: muokkaa hänen tietojaan.");
        }
        if (err != RK_ENOENT)
            return rw_store_failed(reg->store, msg, err);
        if ((err = rk_store_consent_state_get(reg->store, person_id, p->id, &st)) != RK_OK)
            return rw_store_failed(reg->store, msg, err);
    }
    struct rw_hashes hs;
    rw_hash_contact(reg, c, &hs);
    if ((err = rw_check_suppressed(reg, &hs, msg)) != RK_OK ||
        (err = rw_check_unique(reg, r, person_id, &hs, msg)) != RK_OK)
        return err;
    bool live = rk_consent_effective(&st, w->at) == RK_CONSENT_LIVE;
    /* The consent given with the write is recorded when the person has no live one. */
    bool record_consent = p->basis == RK_BASIS_CONSENT && consent && !live;
    if (p->basis == RK_BASIS_CONSENT && !live && !(consent && !consent->pending))
        return rw_for_people(msg,
                             rw_refuse(msg,
                                       "purpose '%s' rests on consent and the person has no live "
                                       "consent for it: record the consent with the write",
                                       p->id),
                             "consent",
                             "Tämä käyttötarkoitus perustuu suostumukseen, eikä henkilöllä ole "
                             "voimassa olevaa suostumusta: kirjaa suostumus samalla.");
    if (p->basis == RK_BASIS_CONSENT && consent && !live &&
        rk_consent_apply(&st, RK_CE_GIVEN, false, consent->at, p->consent_validity) == RK_OK &&
        rk_consent_effective(&st, w->at) != RK_CONSENT_LIVE)
        return rw_for_people(msg,
                             rw_refuse(msg, "the consent given at that time has already expired"),
                             "consent", "Silloin annettu suostumus on jo vanhentunut.");

    /* Apply. */
    char id[RK_ID_LEN + 1];
    if (person_id)
        snprintf(id, sizeof id, "%s", person_id);
    else
        rk_id_new(id);
    /* Zeroed but for buf, which only a read fills: 8 KiB less to clear on every add. */
    struct rk_entry *e = malloc(sizeof *e);
    if (!e)
        return RK_ENOMEM;
    memset(e, 0, offsetof(struct rk_entry, buf));
    int64_t prov = 0;
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK) {
        free(e);
        return rw_store_failed(reg->store, msg, err);
    }
    if (!person_id)
        err = rk_store_person_insert(reg->store, id, w->at);
    if (err == RK_OK)
        err = rw_new_provenance(reg, w, &prov);
    if (err == RK_OK) {
        snprintf(e->person_id, sizeof e->person_id, "%s", id);
        snprintf(e->register_id, sizeof e->register_id, "%s", r->id);
        e->since = w->at;
        rw_set_fields(e, c, &hs, prov);
        err = rw_put_entry(reg, e);
    }
    if (err == RK_OK && record_consent)
        err = rw_append_consent(reg, id, p, RK_CE_GIVEN, consent, &st);
    if (err == RK_OK && !rk_source_from_subject(w->source)) {
        /* Art 14: inform the person within one month of collection. */
        struct rk_task t = {
            .kind = "art14_inform", .created_at = w->at, .detail = rk_source_kind_id(w->source)};
        rk_id_new(t.id);
        snprintf(t.person_id, sizeof t.person_id, "%s", id);
        t.due = rk_date_add_months(rk_ts_date(w->at), 1);
        err = rk_store_task_insert(reg->store, &t);
    }
    free(e);
    err = rk_reg_work_end(reg, &tx, rw_audit(reg, err, "person.add", id, r->id, w->at));
    if (err != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    if (id_out)
        snprintf(id_out, RK_ID_LEN + 1, "%s", id);
    return RK_OK;
}

rk_err rk_reg_person_update(struct rk_reg *reg, const struct rk_write *w, const char *person_id,
                            const struct rk_contact *c, struct rk_error *msg) {
    const struct rk_register *r = NULL;
    const struct rk_purpose *p = NULL;
    rk_err err = rw_check_write(reg, w, &r, &p, msg);
    if (err == RK_OK && !(r && p))
        err = RK_EIO; /* unreachable: tells the analyzer */
    if (err == RK_OK)
        err = rw_check_categories(r, c, msg);
    if (err == RK_OK)
        err = rw_check_person(reg, person_id, msg);
    if (err != RK_OK)
        return err;
    struct rk_entry *e = malloc(sizeof *e);
    if (!e)
        return RK_ENOMEM;
    err = rk_store_entry_get(reg->store, r->id, person_id, e);
    if (err == RK_ENOENT) {
        free(e);
        return rk_error_set(msg, RK_ENOENT, NULL, "person %s is not in register '%s'", person_id,
                            r->id);
    }
    if (err != RK_OK) {
        free(e);
        return rw_store_failed(reg->store, msg, err);
    }
    struct rk_consent_state st;
    struct rw_hashes hs;
    rw_hash_contact(reg, c, &hs);
    if ((err = rw_check_suppressed(reg, &hs, msg)) == RK_OK &&
        (err = rw_check_unique(reg, r, person_id, &hs, msg)) == RK_OK &&
        p->basis == RK_BASIS_CONSENT) {
        err = rk_store_consent_state_get(reg->store, person_id, p->id, &st);
        if (err != RK_OK)
            err = rw_store_failed(reg->store, msg, err);
        else if (rk_consent_effective(&st, w->at) != RK_CONSENT_LIVE)
            err = rw_refuse(msg,
                            "purpose '%s' rests on consent and person %s has no live consent "
                            "for it",
                            p->id, person_id);
    }
    int64_t prov = 0;
    struct rk_work tx;
    if (err == RK_OK && (err = rk_reg_work_begin(reg, &tx)) == RK_OK) {
        err = rw_new_provenance(reg, w, &prov);
        if (err == RK_OK) {
            rw_set_fields(e, c, &hs, prov);
            err = rw_put_entry(reg, e);
        }
        if ((err = rk_reg_work_end(
                 reg, &tx, rw_audit(reg, err, "person.update", person_id, r->id, w->at))) != RK_OK)
            rw_store_failed(reg->store, msg, err);
    }
    free(e);
    return err;
}

/* Passes on the entries found by field `by` that the view sees (core/view.h, rule 4). */
struct found {
    const struct rk_view *view;
    enum rk_field by;
    rk_entry_fn fn;
    void *ctx;
};

static int found_entry(void *ctx, const struct rk_entry *e) {
    struct found *x = ctx;
    if (x->view && !rk_view_found(x->view, e->register_id, x->by))
        return 0;
    return x->fn(x->ctx, e);
}

rk_err rk_reg_person_find(struct rk_reg *reg, const char *query, rk_entry_fn fn, void *ctx,
                          struct rk_error *msg) {
    return rk_reg_person_find_in(reg, NULL, query, fn, ctx, msg);
}

rk_err rk_reg_person_find_in(struct rk_reg *reg, const struct rk_view *view, const char *query,
                             rk_entry_fn fn, void *ctx, struct rk_error *msg) {
    char norm[RK_EMAIL_MAX + 1];
    struct rk_error why = RK_ERROR_INIT;
    struct found x = {view, RK_F_NAME, fn, ctx};
    if (strchr(query, '@'))
        x.by = RK_F_EMAIL;
    else if (strspn(query, "+0123456789 -()./") == strlen(query) && strpbrk(query, "0123456789"))
        x.by = RK_F_PHONE;
    else
        return rk_store_find_by_name(reg->store, query, found_entry, &x);
    rk_err err = x.by == RK_F_EMAIL ? rk_norm_email(query, norm, &why)
                                    : rk_norm_phone(query, "358", norm, &why);
    if (err != RK_OK) {
        return rk_error_set(msg, RK_EINVAL, NULL, "the %s to find %s", rk_field_id(x.by),
                            rk_error_msg(&why));
    }
    unsigned char h[RK_HASH_LEN];
    rk_keys_hash(&reg->keys, x.by, norm, h);
    err = rk_store_entries_by_hash(reg->store, h, found_entry, &x);
    return err == RK_OK ? RK_OK : rw_store_failed(reg->store, msg, err);
}

/* ---- Membership, contracts, invoices ------------------------------------------------------- */

const char *rk_membership_name(enum rk_membership m) {
    static const char *const names[] = {"none", "prospect", "customer", "consented"};
    return (unsigned)m < 4 ? names[m] : "?";
}

struct membership_scan {
    const char *register_id;
    struct rk_date today;
    struct rk_duration grace;
    bool customer;
};

static int scan_contract(void *ctx, const struct rk_contract *c) {
    struct membership_scan *m = ctx;
    if (strcmp(c->register_id, m->register_id) != 0)
        return 0;
    /* A contract is in effect until its end date, whatever was recorded when;
     * the customer relationship lasts the register's grace period beyond it. */
    struct rk_date until = c->end;
    if (until.y && m->grace.n)
        until = rk_date_add(until, m->grace);
    if (!until.y || rk_date_cmp(m->today, until) <= 0)
        m->customer = true;
    return m->customer;
}

rk_err rk_reg_membership(struct rk_reg *reg, const char *register_id, const char *person_id,
                         rk_ts now, enum rk_membership *out) {
    const struct rk_register *r = rk_decl_register(reg->decl, register_id);
    if (!r)
        return RK_EINVAL;
    rk_err err = rw_entry_held(reg, register_id, person_id);
    if (err == RK_ENOENT) {
        *out = RK_MEMBER_NONE;
        return RK_OK;
    }
    if (err != RK_OK)
        return err;
    if (rw_consent_register(r)) {
        *out = RK_MEMBER_CONSENTED;
        return RK_OK;
    }
    struct membership_scan m = {register_id, rk_ts_date(now), r->retention.grace, false};
    err = rk_store_contracts_of_person(reg->store, person_id, scan_contract, &m);
    if (err == RK_OK)
        *out = m.customer ? RK_MEMBER_CUSTOMER : RK_MEMBER_PROSPECT;
    return err;
}

/* The person must be in a register that declares a category of kind k. */
static rk_err check_held(struct rk_reg *reg, const struct rk_write *w, const char *person_id,
                         enum rk_category_kind k, const struct rk_register **r_out,
                         const struct rk_category **cat_out, struct rk_error *msg) {
    const struct rk_purpose *p = NULL;
    const struct rk_register *r = NULL;
    rk_err err = rw_check_write(reg, w, &r, &p, msg);
    if (err != RK_OK)
        return err;
    if (!r)
        return RK_EIO; /* unreachable: tells the analyzer */
    const struct rk_category *cat = rw_register_kind(r, k);
    if (!cat)
        return rw_refuse(msg, "register '%s' declares no category of kind %s", r->id,
                         rk_category_kind_id(k));
    if ((err = rw_check_person(reg, person_id, msg)) != RK_OK)
        return err;
    err = rw_entry_held(reg, r->id, person_id);
    if (err == RK_ENOENT) {
        return rk_error_set(msg, RK_ENOENT, NULL,
                            "person %s is not in register '%s'; add them first", person_id, r->id);
    }
    if (err != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    *r_out = r;
    *cat_out = cat;
    return RK_OK;
}

rk_err rk_reg_contract_add(struct rk_reg *reg, const struct rk_write *w, const char *person_id,
                           const char *service, struct rk_date start, struct rk_date end,
                           char id_out[RK_ID_LEN + 1], struct rk_error *msg) {
    const struct rk_register *r = NULL;
    const struct rk_category *cat = NULL;
    rk_err err = check_held(reg, w, person_id, RK_CAT_CONTRACT, &r, &cat, msg);
    if (err == RK_OK && !(r && cat))
        err = RK_EIO; /* unreachable: tells the analyzer */
    if (err != RK_OK)
        return err;
    if (rk_text_field_check("service", service, false, msg) != RK_OK)
        return RK_EINVAL;
    if (end.y && rk_date_cmp(end, start) < 0)
        return rw_refuse(msg, "the contract ends before it starts");
    struct rk_contract c = {.start = start, .end = end, .created_at = w->at};
    c.status =
        end.y && rk_date_cmp(end, rk_ts_date(w->at)) < 0 ? RK_CONTRACT_ENDED : RK_CONTRACT_ACTIVE;
    rk_id_new(c.id);
    snprintf(c.person_id, sizeof c.person_id, "%s", person_id);
    snprintf(c.register_id, sizeof c.register_id, "%s", r->id);
    snprintf(c.service, sizeof c.service, "%s", service);
    snprintf(c.created_by, sizeof c.created_by, "%s", reg->actor);
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    err = rk_store_contract_insert(reg->store, &c);
    if ((err = rk_reg_work_end(
             reg, &tx, rw_audit(reg, err, "contract.add", person_id, c.id, w->at))) != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    snprintf(id_out, RK_ID_LEN + 1, "%s", c.id);
    return RK_OK;
}

static rk_err change_contract(struct rk_reg *reg, struct rk_contract *c, const char *field,
                              const char *old_value, const char *new_value, rk_ts at,
                              struct rk_error *msg) {
    struct rk_work tx;
    rk_err err = rk_reg_work_begin(reg, &tx);
    if (err == RK_OK) {
        err = rk_store_contract_update(reg->store, c);
        if (err == RK_OK)
            err = rk_store_contract_change_append(reg->store, c->id, at, reg->actor, field,
                                                  old_value, new_value);
        err = rk_reg_work_end(reg, &tx,
                              rw_audit(reg, err, "contract.change", c->person_id, c->id, at));
    }
    return err == RK_OK ? RK_OK : rw_store_failed(reg->store, msg, err);
}

static rk_err load_contract(struct rk_reg *reg, const char *id, struct rk_contract *c,
                            struct rk_error *msg) {
    rk_err err = rk_store_contract_get(reg->store, id, c);
    if (err == RK_ENOENT) {
        return rk_error_set(msg, RK_ENOENT, NULL, "no contract with id '%s'", id);
    }
    if (err != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    return rw_check_person(reg, c->person_id, msg);
}

rk_err rk_reg_contract_change(struct rk_reg *reg, const char *contract_id, const char *field,
                              const char *value, rk_ts at, struct rk_error *msg) {
    struct rk_contract c;
    char old_value[801], new_value[801];
    rk_err err = load_contract(reg, contract_id, &c, msg);
    if (err != RK_OK)
        return err;
    snprintf(new_value, sizeof new_value, "%s", value);
    if (strcmp(field, "service") == 0) {
        if (rk_text_field_check("value", value, false, msg) != RK_OK)
            return RK_EINVAL;
        snprintf(old_value, sizeof old_value, "%s", c.service);
        snprintf(c.service, sizeof c.service, "%s", value);
    } else if (strcmp(field, "start") == 0 || strcmp(field, "end") == 0) {
        struct rk_date d;
        if (!rk_date_parse(value, &d)) {
            return rk_error_set(msg, RK_EINVAL, NULL, "%s: expected a date as YYYY-MM-DD", field);
        }
        struct rk_date *slot = field[0] == 's' ? &c.start : &c.end;
        if (slot->y)
            rk_date_iso(*slot, old_value);
        else
            old_value[0] = '\0';
        *slot = d;
        if (c.end.y && rk_date_cmp(c.end, c.start) < 0)
            return rw_refuse(msg, "the contract would end before it starts");
    } else {
        return rk_error_set(msg, RK_EINVAL, NULL,
                            "unknown contract field '%s'; expected service, start or end", field);
    }
    return change_contract(reg, &c, field, old_value[0] ? old_value : NULL, new_value, at, msg);
}

rk_err rk_reg_contract_end(struct rk_reg *reg, const char *contract_id, struct rk_date end,
                           rk_ts at, struct rk_error *msg) {
    struct rk_contract c;
    char old_end[11] = "", new_end[11];
    rk_err err = load_contract(reg, contract_id, &c, msg);
    if (err != RK_OK)
        return err;
    if (c.status == RK_CONTRACT_ENDED)
        return rw_refuse(msg, "contract %s has already ended", contract_id);
    if (rk_date_cmp(end, c.start) < 0)
        return rw_refuse(msg, "the contract would end before it starts");
    if (c.end.y)
        rk_date_iso(c.end, old_end);
    rk_date_iso(end, new_end);
    c.end = end;
    c.status = RK_CONTRACT_ENDED;
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) == RK_OK) {
        err = rk_store_contract_update(reg->store, &c);
        if (err == RK_OK)
            err = rk_store_contract_change_append(reg->store, c.id, at, reg->actor, "end",
                                                  old_end[0] ? old_end : NULL, new_end);
        if (err == RK_OK)
            err = rk_store_contract_change_append(reg->store, c.id, at, reg->actor, "status",
                                                  "active", "ended");
        err = rk_reg_work_end(reg, &tx, rw_audit(reg, err, "contract.end", c.person_id, c.id, at));
    }
    return err == RK_OK ? RK_OK : rw_store_failed(reg->store, msg, err);
}

rk_err rk_reg_invoice_add(struct rk_reg *reg, const struct rk_write *w, const char *person_id,
                          const char *contract_id, const char *number, struct rk_date date,
                          int64_t amount_cents, const char *currency, char id_out[RK_ID_LEN + 1],
                          struct rk_error *msg) {
    const struct rk_register *r = NULL;
    const struct rk_category *cat = NULL;
    rk_err err = check_held(reg, w, person_id, RK_CAT_BILLING, &r, &cat, msg);
    if (err == RK_OK && !(r && cat))
        err = RK_EIO; /* unreachable: tells the analyzer */
    if (err != RK_OK)
        return err;
    if (rk_text_field_check("number", number, false, msg) != RK_OK ||
        rk_text_field_check("currency", currency, false, msg) != RK_OK)
        return RK_EINVAL;
    struct rk_invoice inv = {.date = date, .amount_cents = amount_cents, .created_at = w->at};
    if (contract_id) {
        struct rk_contract c;
        if ((err = load_contract(reg, contract_id, &c, msg)) != RK_OK)
            return err;
        if (strcmp(c.person_id, person_id) != 0)
            return rw_refuse(msg, "contract %s belongs to another person", contract_id);
        snprintf(inv.contract_id, sizeof inv.contract_id, "%s", contract_id);
    }
    inv.keep_until = rk_category_keep_until(reg->decl, cat, date);
    rk_id_new(inv.id);
    snprintf(inv.person_id, sizeof inv.person_id, "%s", person_id);
    snprintf(inv.register_id, sizeof inv.register_id, "%s", r->id);
    snprintf(inv.number, sizeof inv.number, "%s", number);
    snprintf(inv.currency, sizeof inv.currency, "%s", currency);
    snprintf(inv.created_by, sizeof inv.created_by, "%s", reg->actor);
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    err = rk_reg_work_end(reg, &tx,
                          rw_audit(reg, rk_store_invoice_insert(reg->store, &inv), "invoice.add",
                                   person_id, inv.id, w->at));
    if (err == RK_ECONFLICT) {
        err = rk_error_set(msg, err, NULL, "invoice number '%s' is already recorded", number);
        return err;
    }
    if (err != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    snprintf(id_out, RK_ID_LEN + 1, "%s", inv.id);
    return RK_OK;
}

/* ---- Suppression and audience ---------------------------------------------------------------- */

/* Under the current key generation and every retired one: a suppression made
 * before a rotation, of a value no longer held, keeps its old hash. */
rk_err rk_reg_is_suppressed(struct rk_reg *reg, enum rk_field f, const char *value, bool *out) {
    unsigned char h[RK_KEYGEN_MAX][RK_HASH_LEN];
    size_t n = rk_keys_hash_all(&reg->keys, f, value, h);
    bool hit = false;
    rk_err err = RK_OK;
    for (size_t i = 0; i < n && !hit && err == RK_OK; i++)
        err = rk_store_suppressed(reg->store, h[i], &hit);
    if (err == RK_OK)
        *out = hit;
    return err;
}

rk_err rk_reg_suppress(struct rk_reg *reg, enum rk_field f, const char *value,
                       enum rk_suppress_reason reason, rk_ts at, struct rk_error *msg) {
    unsigned char h[RK_HASH_LEN];
    rk_keys_hash(&reg->keys, f, value, h);
    struct rk_work tx;
    rk_err err = rk_reg_work_begin(reg, &tx);
    if (err == RK_OK)
        err = rk_reg_work_end(reg, &tx,
                              rw_audit(reg, rk_store_suppress_add(reg->store, h, f, reason, at),
                                       "suppression.add", NULL, rk_field_id(f), at));
    return err == RK_OK ? RK_OK : rw_store_failed(reg->store, msg, err);
}
