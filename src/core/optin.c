/*
 * optin.c — double opt-in.
 *
 * Design. For one person and a form's purpose:
 *
 *   state        held where                         consent state
 *   (none)       nothing                            NONE / WITHDRAWN / EXPIRED
 *   requested    signup row (values, form, lang)    PENDING (or LIVE + renewal pending)
 *   confirmed    entry in the form's register       LIVE
 *
 *   event \ state   (none)              requested              confirmed
 *   submit          → requested (mail)  → requested (mail,     → requested: a renewal
 *                                         values replaced)       (mail); entry kept
 *   confirm         invalid             → confirmed            already (nothing written)
 *   link expired    —                   invalid; the signup    —
 *                                       is left to the sweep
 *
 * Invariants:
 *   1. The form's register holds the person only with a live consent: values
 *      wait in the signup table until the link is followed.
 *   2. Every submission and confirmation is a consent ledger event carrying
 *      its evidence (form, consent text, IP, user agent).
 *   3. Suppressed addresses and objections get no mail and no record, but the
 *      same answer as everyone else.
 *   4. Checks run before the first write of a confirmation, so a refusal in
 *      the shared writer's group writes nothing.
 * rk_optin_submit and rk_optin_confirm are the only functions that change
 * these states.
 */
#include "core/optin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent.h"

static rk_err suppressed(struct rk_reg *reg, const struct rk_contact *c, bool *out) {
    *out = false;
    rk_err err = RK_OK;
    if (c->v[RK_F_EMAIL])
        err = rk_reg_is_suppressed(reg, RK_F_EMAIL, c->v[RK_F_EMAIL], out);
    if (err == RK_OK && !*out && c->v[RK_F_PHONE])
        err = rk_reg_is_suppressed(reg, RK_F_PHONE, c->v[RK_F_PHONE], out);
    return err;
}

rk_err rk_optin_submit(struct rk_reg *reg, const struct rk_optin_request *q,
                       char person_id[RK_ID_LEN + 1], bool *send, struct rk_msg *msg) {
    const struct rk_form *f = q->form;
    *send = false;
    if (!q->c.v[RK_F_EMAIL]) {
        snprintf(msg->text, sizeof msg->text, "an email address is needed");
        return RK_EINVAL;
    }
    bool sup = false;
    rk_err err = suppressed(reg, &q->c, &sup);
    if (err != RK_OK || sup)
        return err;
    struct rk_signup *u = calloc(1, sizeof *u);
    if (!u)
        return RK_ENOMEM;
    rk_keys_hash(&reg->keys, RK_F_EMAIL, q->c.v[RK_F_EMAIL], u->email_hash);
    bool created = false;
    err = rk_store_find_by_hash(reg->store, u->email_hash, NULL, person_id);
    if (err == RK_ENOENT)
        err = rk_store_signup_by_hash(reg->store, u->email_hash, person_id);
    if (err == RK_ENOENT) {
        rk_id_new(person_id);
        created = true;
        err = RK_OK;
    }
    bool restricted = false, objected = false;
    if (err == RK_OK && !created) {
        err = rk_store_person_exists(reg->store, person_id, &restricted, &objected);
        if (err == RK_OK && (restricted || objected)) { /* no mail, no record */
            free(u);
            return RK_OK;
        }
    }
    struct rk_work tx;
    if (err == RK_OK)
        err = rk_reg_work_begin(reg, &tx);
    if (err != RK_OK) {
        free(u);
        return err;
    }
    if (created)
        err = rk_store_person_insert(reg->store, person_id, q->at);
    const char *text = rk_text_get(&f->consent_text, q->lang);
    char evidence[RK_CONSENT_EVIDENCE_MAX + 1];
    snprintf(evidence, sizeof evidence, "%s", text ? text : "");
    struct rk_consent_input in = {.channel = "web_form",
                                  .pending = true,
                                  .lang = q->lang,
                                  .form_id = f->id,
                                  .ip = q->ip,
                                  .user_agent = q->user_agent,
                                  .evidence = evidence,
                                  .at = q->at};
    if (err == RK_OK)
        err = rk_reg_consent(reg, person_id, f->purpose->id, RK_CE_GIVEN, &in, msg);
    if (err == RK_OK) {
        snprintf(u->person_id, sizeof u->person_id, "%s", person_id);
        snprintf(u->purpose, sizeof u->purpose, "%s", f->purpose->id);
        snprintf(u->form_id, sizeof u->form_id, "%s", f->id);
        u->lang = q->lang;
        memcpy(u->v, q->c.v, sizeof u->v);
        u->created_at = q->at;
        u->expires_at = rk_ts_add(q->at, (struct rk_duration){RK_OPTIN_DAYS, 'd'});
        err = rk_store_signup_put(reg->store, u);
    }
    free(u);
    err = rk_reg_work_end(reg, &tx, err);
    if (err == RK_OK)
        *send = true;
    return err;
}

rk_err rk_optin_confirm(struct rk_reg *reg, const char *person_id, const char *purpose,
                        const char *ip, const char *user_agent, rk_ts at,
                        enum rk_optin_outcome *out, struct rk_msg *msg) {
    *out = RK_OPTIN_INVALID;
    struct rk_signup *u = calloc(1, sizeof *u);
    if (!u)
        return RK_ENOMEM;
    struct rk_consent_state st = {RK_CONSENT_NONE, 0, 0, false, 0};
    rk_err err = rk_store_signup_get(reg->store, person_id, purpose, u);
    if (err == RK_ENOENT || (err == RK_OK && at >= u->expires_at)) {
        err = rk_store_consent_state_get(reg->store, person_id, purpose, &st);
        if (err == RK_OK && rk_consent_effective(&st, at) == RK_CONSENT_LIVE && !st.renewal_pending)
            *out = RK_OPTIN_ALREADY;
        free(u);
        return err == RK_ENOENT ? RK_OK : err;
    }
    const struct rk_form *f = err == RK_OK ? rk_decl_form(reg->decl, u->form_id) : NULL;
    if (err != RK_OK || !f || strcmp(f->purpose->id, purpose) != 0) {
        free(u);
        return err; /* the form is no longer declared: nothing can be confirmed */
    }
    /* Checks before the first write: the address may meanwhile belong to
     * another person of the register, or be suppressed. */
    struct rk_contact c;
    memcpy(c.v, u->v, sizeof c.v);
    unsigned char h[RK_HASH_LEN];
    char other[RK_ID_LEN + 1];
    bool sup = false, restricted = false, objected = false;
    rk_keys_hash(&reg->keys, RK_F_EMAIL, c.v[RK_F_EMAIL], h);
    err = suppressed(reg, &c, &sup);
    if (err == RK_OK)
        err = rk_store_person_exists(reg->store, person_id, &restricted, &objected);
    if (err == RK_OK && !sup && !restricted && !objected) {
        err = rk_store_find_by_hash(reg->store, h, f->reg->id, other);
        if (err == RK_OK && strcmp(other, person_id) != 0) {
            *out = RK_OPTIN_ALREADY; /* held under another id: leave both as they are */
            free(u);
            return RK_OK;
        }
        err = err == RK_ENOENT ? RK_OK : err;
    } else if (err == RK_OK) {
        free(u);
        return RK_OK; /* suppressed, restricted or objected meanwhile: invalid */
    }
    struct rk_entry *e = err == RK_OK ? calloc(1, sizeof *e) : NULL;
    bool exists = false;
    if (err == RK_OK && !e)
        err = RK_ENOMEM;
    if (err == RK_OK) {
        err = rk_store_entry_get(reg->store, f->reg->id, person_id, e);
        exists = err == RK_OK;
        err = err == RK_ENOENT ? RK_OK : err;
    }
    free(e);
    struct rk_work tx;
    if (err == RK_OK)
        err = rk_reg_work_begin(reg, &tx);
    if (err != RK_OK) {
        free(u);
        return err;
    }
    struct rk_consent_input in = {.channel = "web_form",
                                  .lang = u->lang,
                                  .form_id = f->id,
                                  .ip = ip,
                                  .user_agent = user_agent,
                                  .evidence = "double opt-in: confirmation link followed",
                                  .at = at};
    err = rk_reg_consent(reg, person_id, purpose, RK_CE_CONFIRMED, &in, msg);
    struct rk_write w = {f->reg->id, purpose, RK_SRC_WEB_FORM, f->id, at};
    if (err == RK_OK)
        err = exists ? rk_reg_person_update(reg, &w, person_id, &c, msg)
                     : rk_reg_person_add(reg, &w, person_id, &c, NULL, NULL, msg);
    if (err == RK_OK)
        err = rk_store_signup_delete(reg->store, person_id, purpose);
    free(u);
    err = rk_reg_work_end(reg, &tx, err);
    if (err == RK_OK)
        *out = RK_OPTIN_CONFIRMED;
    return err;
}
