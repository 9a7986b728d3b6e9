/*
 * reg_consent.c — the register's consent rules (see register.h): a consent
 * event given, confirmed, withdrawn or expired through the consent state
 * machine (core/consent.h), and the consent registers a person leaves when
 * their last live consent for one ends — one at a time, and in bulk for the
 * sweep. Shared checks and writes: reg_write.h.
 */
#include "core/register.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent.h"
#include "core/reg_impl.h"
#include "core/reg_write.h"

/* ---- Consent ------------------------------------------------------------------------------ */

/* The purpose of a consent event: declared, and resting on consent. */
static rk_err consent_purpose(struct rk_reg *reg, const char *purpose,
                              const struct rk_purpose **out, struct rk_error *msg) {
    const struct rk_purpose *p = rk_decl_purpose(reg->decl, purpose);
    if (!p)
        return rw_refuse(msg, "purpose '%s' is not declared", purpose);
    if (p->basis != RK_BASIS_CONSENT)
        return rw_refuse(msg, "purpose '%s' rests on %s, not on consent", p->id,
                         rk_basis_id(p->basis));
    *out = p;
    return RK_OK;
}

/* Deletes a person's entry in a register with the provenance rows and organisation name
 * nothing else uses any more, so that no value outlives the entry (none: RK_OK). */
static rk_err drop_entry(struct rk_reg *reg, const char *register_id, const char *person_id) {
    struct rk_entry *e = malloc(sizeof *e);
    if (!e)
        return RK_ENOMEM;
    rk_err err = rk_store_entry_get(reg->store, register_id, person_id, e);
    if (err == RK_OK)
        err = rk_store_entry_delete(reg->store, register_id, person_id);
    for (int f = 0; err == RK_OK && f < RK_F__COUNT; f++) {
        bool gone = false, seen = false;
        for (int g = 0; g < f; g++)
            seen |= e->prov[g] == e->prov[f];
        if (e->prov[f] && !seen) /* values written together share a row: one scan each */
            err = rk_store_provenance_delete_unused(reg->store, e->prov[f], &gone);
    }
    if (err == RK_OK && e->v[RK_F_ORGANISATION]) {
        bool gone = false;
        err = rk_store_organisation_delete_unused(reg->store, e->v[RK_F_ORGANISATION], &gone);
    }
    if (err == RK_OK && reg->last_prov.id)
        reg->last_prov.id = 0; /* it may be the row just deleted */
    free(e);
    return err == RK_ENOENT ? RK_OK : err;
}

/* After a consent stops being live, leaves the registers that hold people only on consent
 * when no other live consent keeps the person there. */
static rk_err leave_consent_registers(struct rk_reg *reg, const char *person_id, rk_ts now) {
    for (size_t i = 0; i < reg->decl->nregisters; i++) {
        const struct rk_register *r = &reg->decl->registers[i];
        if (!rw_consent_register(r))
            continue;
        bool kept = false;
        rk_err err = RK_OK;
        for (size_t j = 0; j < r->npurposes && !kept; j++) {
            struct rk_consent_state st;
            err = rk_store_consent_state_get(reg->store, person_id, r->purposes[j]->id, &st);
            if (err != RK_OK)
                return err;
            kept = rk_consent_effective(&st, now) == RK_CONSENT_LIVE;
        }
        if (kept)
            continue;
        if ((err = drop_entry(reg, r->id, person_id)) != RK_OK)
            return err;
    }
    return RK_OK;
}

rk_err rk_reg_consent(struct rk_reg *reg, const char *person_id, const char *purpose,
                      enum rk_consent_kind kind, const struct rk_consent_input *in,
                      struct rk_error *msg) {
    static const char *const refused[] = {
        [RK_CE_GIVEN] = "cannot be given now",
        [RK_CE_CONFIRMED] = "has no consent awaiting confirmation",
        [RK_CE_WITHDRAWN] = "has no live or pending consent to withdraw",
        [RK_CE_EXPIRED] = "has no consent that has run out",
    };
    const struct rk_purpose *p = NULL;
    rk_err err = consent_purpose(reg, purpose, &p, msg);
    if (err == RK_OK && !p)
        err = RK_EIO; /* unreachable: tells the analyzer */
    if (err != RK_OK)
        return err;
    bool objected = false;
    err = rk_store_person_exists(reg->store, person_id, NULL, &objected);
    if (err == RK_ENOENT) {
        return rk_error_set(msg, RK_ENOENT, NULL, "no person with id '%s'", person_id);
    }
    if (err != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    /* A restricted person (art 18) may withdraw, never give or confirm. */
    if ((kind == RK_CE_GIVEN || kind == RK_CE_CONFIRMED) &&
        (err = rw_check_person(reg, person_id, msg)) != RK_OK)
        return err;
    if (kind == RK_CE_GIVEN && objected)
        return rw_refuse(msg,
                         "person %s objected to direct marketing (art 21): no consent can be "
                         "recorded until the objection is lifted",
                         person_id);
    struct rk_consent_state st;
    if ((err = rk_store_consent_state_get(reg->store, person_id, p->id, &st)) != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    if (rk_consent_apply(&st, kind, in->pending, in->at, p->consent_validity) != RK_OK)
        return rw_refuse(msg, "person %s %s for purpose '%s' (it is %s)", person_id, refused[kind],
                         p->id, rk_consent_status_name(st.status));
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    err = rw_append_consent(reg, person_id, p, kind, in, &st);
    if (err == RK_OK && (kind == RK_CE_WITHDRAWN || kind == RK_CE_EXPIRED))
        err = leave_consent_registers(reg, person_id, in->at);
    char action[32];
    snprintf(action, sizeof action, "consent.%s", rk_consent_kind_name(kind));
    if ((err = rk_reg_work_end(reg, &tx, rw_audit(reg, err, action, person_id, p->id, in->at))) !=
        RK_OK)
        return rw_store_failed(reg->store, msg, err);
    return RK_OK;
}

/* ---- Consent expiry in bulk (sweepbench) ------------------------------------------------ */

/* Whether a person whose consent for `gone` just stopped being live is still kept in consent
 * register r by a live consent for another of its purposes. */
static rk_err kept_by_other(struct rk_reg *reg, const struct rk_register *r,
                            const struct rk_purpose *gone, const char *person_id, rk_ts now,
                            bool *kept) {
    *kept = false;
    for (size_t j = 0; j < r->npurposes && !*kept; j++) {
        if (r->purposes[j] == gone)
            continue;
        struct rk_consent_state st;
        rk_err err = rk_store_consent_state_get(reg->store, person_id, r->purposes[j]->id, &st);
        if (err != RK_OK)
            return err;
        *kept = rk_consent_effective(&st, now) == RK_CONSENT_LIVE;
    }
    return RK_OK;
}

rk_err rk_reg_consent_expire(struct rk_reg *reg, const char *person_id, const char *purpose,
                             const struct rk_consent_state *st, rk_ts at, struct rk_error *msg) {
    const struct rk_purpose *p = NULL;
    rk_err err = consent_purpose(reg, purpose, &p, msg);
    if (err == RK_OK && !p)
        err = RK_EIO; /* unreachable: tells the analyzer */
    if (err != RK_OK)
        return err;
    struct rk_consent_state next = *st;
    if (rk_consent_apply(&next, RK_CE_EXPIRED, false, at, p->consent_validity) != RK_OK)
        return rw_refuse(msg,
                         "person %s has no consent that has run out for purpose '%s' (it is %s)",
                         person_id, p->id, rk_consent_status_name(st->status));
    struct rk_consent_input in = {.channel = "retention_sweep", .lang = RK_LANG_FI, .at = at};
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    err = rw_append_consent(reg, person_id, p, RK_CE_EXPIRED, &in, &next);
    /* The registers holding people only on consent, as leave_consent_registers. */
    for (size_t i = 0; err == RK_OK && i < reg->decl->nregisters; i++) {
        const struct rk_register *r = &reg->decl->registers[i];
        bool kept = false, left = false;
        if (!rw_consent_register(r) ||
            (err = kept_by_other(reg, r, p, person_id, at, &kept)) != RK_OK || kept)
            continue;
        err = rk_store_entry_leave(reg->store, r->id, person_id, &left);
        if (err == RK_OK && left)
            reg->last_prov.id = 0; /* it may be a row just deleted */
    }
    if ((err = rk_reg_work_end(
             reg, &tx, rw_audit(reg, err, "consent.expired", person_id, p->id, at))) != RK_OK)
        return rw_store_failed(reg->store, msg, err);
    return RK_OK;
}
