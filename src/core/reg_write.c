/*
 * reg_write.c — what the register's write rules share (see reg_write.h):
 * refusals, the checks against the declaration, the suppression list and
 * duplicates, and the writes every rule applies (provenance, the entry and
 * its search words, a consent event, the audit event).
 */
#include "core/reg_write.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/reg_impl.h"
#include "core/search_index.h"

rk_err rw_refuse(struct rk_error *msg, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg->message, sizeof msg->message, fmt, ap);
    va_end(ap);
    msg->where[0] = msg->message_fi[0] = '\0';
    return msg->code = RK_EREFUSED;
}

/* Adds to a refusal already in msg the field it concerns and its Finnish, for people; err is
 * passed through. */
rk_err rw_for_people(struct rk_error *msg, rk_err err, const char *field, const char *fi) {
    snprintf(msg->where, sizeof msg->where, "%s", field ? field : "");
    snprintf(msg->message_fi, sizeof msg->message_fi, "%s", fi);
    return msg->code = err;
}

rk_err rw_store_failed(const struct rk_store *s, struct rk_error *msg, rk_err err) {
    if (err == RK_ESTORAGE) /* the store's message names the cause: disk full, read-only */
        snprintf(msg->message, sizeof msg->message, "%s", rk_store_errmsg(s));
    else
        snprintf(msg->message, sizeof msg->message, "storage failed: %s (%s)", rk_err_str(err),
                 rk_store_errmsg(s));
    return msg->code = err;
}

rk_err rw_audit(struct rk_reg *reg, rk_err err, const char *action, const char *person_id,
                const char *detail, rk_ts at) {
    if (err != RK_OK)
        return err;
    return rk_audit_append(reg->store, &reg->keys, at, reg->actor, action, person_id, detail);
}

/* ---- Checks against the declaration ----------------------------------------------------- */

bool rw_register_has_purpose(const struct rk_register *r, const char *purpose) {
    for (size_t i = 0; i < r->npurposes; i++)
        if (strcmp(r->purposes[i]->id, purpose) == 0)
            return true;
    return false;
}

static const struct rk_category *register_category(const struct rk_register *r, const char *id) {
    for (size_t i = 0; i < r->ncategories; i++)
        if (strcmp(r->categories[i]->id, id) == 0)
            return r->categories[i];
    return NULL;
}

const struct rk_category *rw_register_kind(const struct rk_register *r, enum rk_category_kind k) {
    for (size_t i = 0; i < r->ncategories; i++)
        if (r->categories[i]->kind == k)
            return r->categories[i];
    return NULL;
}

/* Checks register, purpose and source of a write; sets *reg_out and *purpose_out. */
rk_err rw_check_write(struct rk_reg *reg, const struct rk_write *w,
                      const struct rk_register **reg_out, const struct rk_purpose **purpose_out,
                      struct rk_error *msg) {
    const struct rk_register *r =
        w->register_id ? rk_decl_register(reg->decl, w->register_id) : NULL;
    if (!r)
        return rw_refuse(msg, "register '%s' is not declared",
                         w->register_id ? w->register_id : "");
    if (!w->purpose)
        return rw_refuse(msg, "a write must name its purpose; register '%s' declares: %s%s", r->id,
                         r->purposes[0]->id, r->npurposes > 1 ? ", ..." : "");
    const struct rk_purpose *p = rk_decl_purpose(reg->decl, w->purpose);
    if (!p)
        return rw_refuse(msg, "purpose '%s' is not declared", w->purpose);
    if (!rw_register_has_purpose(r, w->purpose))
        return rw_refuse(msg, "purpose '%s' is not a declared purpose of register '%s'", p->id,
                         r->id);
    if (!rk_decl_source_allowed(reg->decl, w->source, r, p))
        return rw_refuse(msg, "source '%s' is not declared for register '%s' and purpose '%s'",
                         rk_source_kind_id(w->source), r->id, p->id);
    if (rk_text_field_check("source_detail", w->source_detail, false, msg) != RK_OK)
        return RK_EINVAL;

    *reg_out = r;
    *purpose_out = p;
    return RK_OK;
}

/* Every given field must be a category the register declares. */
rk_err rw_check_categories(const struct rk_register *r, const struct rk_contact *c,
                           struct rk_error *msg) {
    for (int f = 0; f < RK_F__COUNT; f++)
        if (c->v[f] && !register_category(r, rk_field_id((enum rk_field)f)))
            return rw_refuse(msg, "category '%s' is not declared for register '%s'",
                             rk_field_id((enum rk_field)f), r->id);
    return RK_OK;
}

static const enum rk_field hashed[2] = {RK_F_EMAIL, RK_F_PHONE};

void rw_hash_contact(struct rk_reg *reg, const struct rk_contact *c, struct rw_hashes *out) {
    for (int i = 0; i < 2; i++) {
        out->has[i] = c->v[hashed[i]] != NULL;
        out->n[i] = 0;
        if (out->has[i]) {
            out->n[i] = rk_keys_hash_all(&reg->keys, hashed[i], c->v[hashed[i]], out->all[i]);
            memcpy(out->h[i], out->all[i][0], RK_HASH_LEN);
        }
    }
}

rk_err rw_check_suppressed(struct rk_reg *reg, const struct rw_hashes *hs, struct rk_error *msg) {
    for (int i = 0; i < 2; i++) {
        bool hit = false;
        if (!hs->has[i])
            continue;
        for (size_t g = 0; g < hs->n[i] && !hit; g++) {
            rk_err err = rk_store_suppressed(reg->store, hs->all[i][g], &hit);
            if (err != RK_OK)
                return rw_store_failed(reg->store, msg, err);
        }
        if (hit) {
            msg->flags |= RK_ERROR_SUPPRESSED;
            return rw_for_people(msg,
                                 rw_refuse(msg,
                                           "the %s is on the suppression list (the person objected "
                                           "or was erased)",
                                           rk_field_id(hashed[i])),
                                 rk_field_id(hashed[i]),
                                 hashed[i] == RK_F_EMAIL
                                     ? "Sähköpostiosoite on estolistalla: henkilö on vastustanut "
                                       "käsittelyä tai hänen tietonsa on poistettu."
                                     : "Puhelinnumero on estolistalla: henkilö on vastustanut "
                                       "käsittelyä tai hänen tietonsa on poistettu.");
        }
    }
    return RK_OK;
}

/* Refuses an email or phone that another person already has in the register. */
rk_err rw_check_unique(struct rk_reg *reg, const struct rk_register *r, const char *self,
                       const struct rw_hashes *hs, struct rk_error *msg) {
    for (int i = 0; i < 2; i++) {
        char other[RK_ID_LEN + 1];
        if (!hs->has[i])
            continue;
        rk_err err = rk_store_find_by_hash(reg->store, hs->h[i], r->id, other);
        if (err == RK_ENOENT)
            continue;
        if (err != RK_OK)
            return rw_store_failed(reg->store, msg, err);
        if (!self || strcmp(self, other) != 0) {
            snprintf(msg->message, sizeof msg->message,
                     "a person with this %s is already in register '%s' (person %s)",
                     rk_field_id(hashed[i]), r->id, other);
            return rw_for_people(msg, RK_ECONFLICT, rk_field_id(hashed[i]),
                                 hashed[i] == RK_F_EMAIL
                                     ? "Rekisterissä on jo henkilö, jolla on tämä sähköpostiosoite."
                                     : "Rekisterissä on jo henkilö, jolla on tämä puhelinnumero.");
        }
    }
    return RK_OK;
}

rk_err rw_entry_held(struct rk_reg *reg, const char *register_id, const char *person_id) {
    struct rk_entry *e = malloc(sizeof *e);
    if (!e)
        return RK_ENOMEM;
    rk_err err = rk_store_entry_get(reg->store, register_id, person_id, e);
    free(e);
    return err;
}

rk_err rw_check_person(struct rk_reg *reg, const char *person_id, struct rk_error *msg) {
    bool restricted = false;
    rk_err err = rk_store_person_exists(reg->store, person_id, &restricted, NULL);
    if (err == RK_ENOENT) {
        return rk_error_set(msg, RK_ENOENT, NULL, "no person with id '%s'", person_id);
    }
    if (err != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    if (restricted)
        return rw_for_people(msg,
                             rw_refuse(msg,
                                       "person %s is restricted (art 18): only lifting the "
                                       "restriction is allowed",
                                       person_id),
                             NULL,
                             "Henkilön tietojen käsittelyä on rajoitettu (art. 18): vain "
                             "rajoituksen poistaminen on sallittu.");
    return RK_OK;
}

/* The purposes of register r all rest on consent: it holds people only while consenting. */
bool rw_consent_register(const struct rk_register *r) {
    for (size_t i = 0; i < r->npurposes; i++)
        if (r->purposes[i]->basis != RK_BASIS_CONSENT)
            return false;
    return r->npurposes > 0;
}

/* ---- Applying writes ------------------------------------------------------------------ */

rk_err rw_new_provenance(struct rk_reg *reg, const struct rk_write *w, int64_t *id) {
    const char *detail = w->source_detail ? w->source_detail : "";
    if (reg->last_prov.id && reg->last_prov.source == w->source && reg->last_prov.at == w->at &&
        strcmp(reg->last_prov.detail, detail) == 0 &&
        strcmp(reg->last_prov.purpose, w->purpose) == 0 &&
        strcmp(reg->last_prov.by, reg->actor) == 0) {
        *id = reg->last_prov.id;
        return RK_OK;
    }
    struct rk_provenance p = {w->source, w->source_detail, w->purpose, w->at, reg->actor};
    rk_err err = rk_store_provenance_insert(reg->store, &p, id);
    reg->last_prov.id = 0;
    if (err == RK_OK && strlen(detail) < sizeof reg->last_prov.detail &&
        strlen(w->purpose) < sizeof reg->last_prov.purpose &&
        strlen(reg->actor) < sizeof reg->last_prov.by) {
        reg->last_prov.id = *id;
        reg->last_prov.source = w->source;
        reg->last_prov.at = w->at;
        snprintf(reg->last_prov.detail, sizeof reg->last_prov.detail, "%s", detail);
        snprintf(reg->last_prov.purpose, sizeof reg->last_prov.purpose, "%s", w->purpose);
        snprintf(reg->last_prov.by, sizeof reg->last_prov.by, "%s", reg->actor);
    }
    return err;
}

/* Copies the given fields of c (and their hashes) into e with provenance prov. */
void rw_set_fields(struct rk_entry *e, const struct rk_contact *c, const struct rw_hashes *hs,
                   int64_t prov) {
    for (int f = 0; f < RK_F__COUNT; f++) {
        if (!c->v[f])
            continue;
        e->v[f] = c->v[f];
        e->prov[f] = prov;
    }
    if (hs->has[0])
        memcpy(e->email_hash, hs->h[0], RK_HASH_LEN);
    if (hs->has[1])
        memcpy(e->phone_hash, hs->h[1], RK_HASH_LEN);
}

rk_err rw_append_consent(struct rk_reg *reg, const char *person_id, const struct rk_purpose *p,
                         enum rk_consent_kind kind, const struct rk_consent_input *in,
                         struct rk_consent_state *st) {
    /* Zeroed but for buf, which only a read fills: 6 KiB less to clear on every write. */
    struct rk_consent_event *e = malloc(sizeof *e);
    if (!e)
        return RK_ENOMEM;
    memset(e, 0, offsetof(struct rk_consent_event, buf));
    snprintf(e->person_id, sizeof e->person_id, "%s", person_id);
    snprintf(e->purpose, sizeof e->purpose, "%s", p->id);
    snprintf(e->notice_sha256, sizeof e->notice_sha256, "%s",
             reg->notice_sha256[in->lang == RK_LANG_EN]);
    e->kind = kind;
    e->pending = kind == RK_CE_GIVEN && in->pending;
    e->basis = p->basis;
    e->notice_version = reg->notice_version;
    e->channel = in->channel;
    e->collector = reg->actor;
    e->form_id = in->form_id;
    e->ip = in->ip;
    e->user_agent = in->user_agent;
    e->evidence = in->evidence;
    e->at = in->at;
    rk_err err = rk_store_consent_append(reg->store, e);
    if (err == RK_OK) {
        st->last_seq = e->seq;
        err = rk_store_consent_state_put(reg->store, person_id, p->id, st);
    }
    free(e);
    return err;
}

/* Writes entry e and its words in the people search index (core/search.h, design 2). */
rk_err rw_put_entry(struct rk_reg *reg, const struct rk_entry *e) {
    rk_err err = rk_store_entry_put(reg->store, e);
    return err == RK_OK ? rk_search_index_entry(reg->store, e) : err;
}
