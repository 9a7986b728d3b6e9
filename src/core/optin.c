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
 *   submit          → requested (mail¹) → requested (mail¹,    → requested: a renewal
 *                                         values replaced)       (mail¹); entry kept
 *   confirm         invalid             → confirmed            already (nothing written)
 *   link expired    —                   invalid; the signup    —
 *                                       is left to the sweep
 *
 *   ¹ when the mail limit allows (core/mail_limit.h): a resubmission within
 *     its interval queues nothing, and the link mailed before still confirms.
 *
 * Invariants:
 *   1. The form's register holds the person only with a live consent: values
 *      wait in the signup table until the link is followed.
 *   2. Every submission and confirmation is a consent ledger event carrying
 *      its evidence (form, consent text, IP, user agent).
 *   3. Suppressed addresses and objections get no mail and no record, but the
 *      same answer as everyone else, in the same time: a submission does the
 *      same lookups for every address, and for a refused one the same writes
 *      for a stand-in person with stand-in values, as shadow work undone
 *      before the unit ends (core/mail_limit.h).
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
#include "core/mail_limit.h"
#include "core/reg_impl.h"

/* Whether the email or the phone is suppressed: both looked up whatever the first says. */
static rk_err suppressed(struct rk_reg *reg, const struct rk_contact *c, bool *out) {
    bool email = false, phone = false;
    rk_err err = RK_OK;
    if (c->v[RK_F_EMAIL])
        err = rk_reg_is_suppressed(reg, RK_F_EMAIL, c->v[RK_F_EMAIL], &email);
    if (err == RK_OK && c->v[RK_F_PHONE])
        err = rk_reg_is_suppressed(reg, RK_F_PHONE, c->v[RK_F_PHONE], &phone);
    *out = email || phone;
    return err;
}

/* Nothing to compose (a caller that wants only the records, such as a test). */
static rk_err no_mail(struct rk_reg *reg, void *ctx, const char *person_id, const char *to) {
    (void)reg, (void)ctx, (void)person_id, (void)to;
    return RK_OK;
}

/* Stand-ins for every value of c (rk_shadow_value), in one allocation: *buf to free. */
static rk_err stand_ins(const struct rk_contact *c, struct rk_contact *out, char **buf) {
    size_t n = 0;
    for (int i = 0; i < RK_F__COUNT; i++)
        n += c->v[i] ? strlen(c->v[i]) + 1 : 0;
    char *p = *buf = malloc(n ? n : 1);
    if (!p)
        return RK_ENOMEM;
    for (int i = 0; i < RK_F__COUNT; i++) {
        out->v[i] = c->v[i] ? p : NULL;
        if (c->v[i]) {
            rk_shadow_value(c->v[i], p);
            p += strlen(p) + 1;
        }
    }
    return RK_OK;
}

rk_err rk_optin_submit(struct rk_reg *reg, const struct rk_optin_request *q,
                       char person_id[RK_ID_LEN + 1], enum rk_mail_outcome *mail,
                       struct rk_error *msg) {
    const struct rk_form *f = q->form;
    *mail = RK_MAIL_NONE;
    if (!q->c.v[RK_F_EMAIL]) {
        return rk_error_set(msg, RK_EINVAL, NULL, "an email address is needed");
    }
    /* The same lookups for every address, whatever the first of them finds. */
    struct rk_signup *u = calloc(1, sizeof *u);
    if (!u)
        return RK_ENOMEM;
    char pending_id[RK_ID_LEN + 1];
    bool sup = false, created = false, restricted = false, objected = false;
    rk_keys_hash(&reg->keys, RK_F_EMAIL, q->c.v[RK_F_EMAIL], u->email_hash);
    rk_err err = suppressed(reg, &q->c, &sup);
    if (err == RK_OK)
        err = rk_store_find_by_hash(reg->store, u->email_hash, NULL, person_id);
    rk_err pend = err == RK_OK || err == RK_ENOENT
                      ? rk_store_signup_by_hash(reg->store, u->email_hash, pending_id)
                      : err;
    if (err == RK_ENOENT && pend == RK_OK) {
        snprintf(person_id, RK_ID_LEN + 1, "%s", pending_id);
        err = RK_OK;
    } else if (err == RK_ENOENT && pend == RK_ENOENT) {
        rk_id_new(person_id);
        created = true;
        err = RK_OK;
    } else if (err == RK_OK && pend != RK_OK && pend != RK_ENOENT) {
        err = pend;
    }
    if (err == RK_OK) {
        err = rk_store_person_exists(reg->store, person_id, &restricted, &objected);
        err = err == RK_ENOENT && created ? RK_OK : err;
    }
    /* A refused address gets no mail and no record, but the same work: all of the writes
     * below, for a stand-in person with stand-in values, undone before the unit ends. Every
     * submission writes inside a savepoint, kept or undone, so that each pays alike for it. */
    bool refused = sup || restricted || objected;
    struct rk_contact c = q->c, stand_in;
    char *shadow = NULL;
    struct rk_work tx;
    if (err == RK_OK)
        err = rk_reg_work_begin(reg, &tx);
    if (err != RK_OK) {
        free(u);
        return err;
    }
    if ((err = stand_ins(&q->c, &stand_in, &shadow)) == RK_OK &&
        (err = rk_shadow_begin(reg)) == RK_OK && refused) {
        c = stand_in;
        rk_id_new(person_id);
        created = true;
        rk_keys_hash(&reg->keys, RK_F_EMAIL, c.v[RK_F_EMAIL], u->email_hash);
    }
    bool shadowing = err == RK_OK;
    if (err == RK_OK && created)
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
        memcpy(u->v, c.v, sizeof u->v);
        u->created_at = q->at;
        u->expires_at = rk_ts_add(q->at, (struct rk_duration){RK_OPTIN_DAYS, 'd'});
        err = rk_store_signup_put(reg->store, u);
    }
    struct rk_mail_job job = {.recipient = c.v[RK_F_EMAIL],
                              .person_id = person_id,
                              .at = q->at,
                              .refused = refused,
                              .queue = q->queue ? q->queue : no_mail,
                              .ctx = q->queue_ctx};
    enum rk_mail_outcome sent = RK_MAIL_NONE;
    if (err == RK_OK)
        err = rk_mail_limit_send(reg, &job, &sent);
    if (shadowing) {
        rk_err end = rk_shadow_end(reg, refused || err != RK_OK);
        err = err == RK_OK ? end : err;
    }
    if (refused)
        person_id[0] = '\0';
    free(shadow);
    free(u);
    err = rk_reg_work_end(reg, &tx, err);
    if (err == RK_OK)
        *mail = sent;
    return err;
}

rk_err rk_optin_confirm(struct rk_reg *reg, const char *person_id, const char *purpose,
                        const char *ip, const char *user_agent, rk_ts at,
                        enum rk_optin_outcome *out, struct rk_error *msg) {
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
