/*
 * consent_record.c — gathering a consent record (see consent_record.h).
 *
 * Design. ISO/IEC TS 27560:2023 structures a consent record in four parts;
 * this is where each of ours comes from (the renderer, views/consent_record.c,
 * writes them under 27560's field names; docs/consent-records.md has the
 * table):
 *
 *   header      record_id: person id and purpose id — one record per
 *               (person, purpose), the pair whose ledger it folds;
 *               record version: the last event's ledger sequence number;
 *               pii_principal_id: the person's pseudonymous id.
 *   processing  the purpose (its name, description, lawful basis art
 *               6(1)(a), and art 9(2)(a) when a special category processed
 *               for it rests on explicit consent), the categories of the
 *               registers declaring it (pii_information), profiling and
 *               direct-marketing channels (processing_method), retention,
 *               the recipients serving it with their countries and transfer
 *               mechanisms (recipient_third_parties, processing_locations),
 *               how to withdraw (withdrawal_method) — all from the loaded
 *               declaration, which is what the notice says.
 *   parties     the controller (and DPO) from the declaration.
 *   events      the ledger's events for the purpose, oldest first, each
 *               folded through rk_consent_apply so that its event_state is
 *               the state it put the consent in: requested (double opt-in
 *               awaiting the link), given (given, or confirmed by the link),
 *               renewal_requested, renewed, withdrawn, expired. Each keeps
 *               its time, how (channel, form), by whom (the person themself
 *               or the controller's named staff), the notice version and the
 *               SHA-256 of the notice text shown.
 *
 * Invariants:
 *   1. No personal data but the pseudonymous id: the person's values are
 *      never read, and the ledger's IP address, user agent and evidence
 *      text are left out. The record proves the consent by the ledger's
 *      facts (when, how, which notice text by hash), so it can be handed to
 *      the person or a third party without exposing anything more.
 *   2. The fold here is the one the register made: the record's state
 *      equals the stored consent state (the same rk_consent_apply), and the
 *      status is the effective one at made_at (a consent past its expiry is
 *      expired even before the sweep records it).
 *   3. Nothing is written. The callers audit the read.
 */
#include "core/consent_record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/id.h"
#include "core/consent.h"
#include "core/reg_impl.h"

const char *rk_cr_state_name(enum rk_cr_state s) {
    static const char *const names[] = {
        [RK_CR_REQUESTED] = "requested",
        [RK_CR_GIVEN] = "given",
        [RK_CR_RENEWAL_REQUESTED] = "renewal_requested",
        [RK_CR_RENEWED] = "renewed",
        [RK_CR_WITHDRAWN] = "withdrawn",
        [RK_CR_EXPIRED] = "expired",
    };
    return (unsigned)s < RK_CR__COUNT ? names[s] : "?";
}

void rk_consent_record_free(struct rk_consent_record *r) {
    if (!r)
        return;
    free(r->categories);
    free(r->recipients);
    free(r->events);
    r->categories = NULL;
    r->recipients = NULL;
    r->events = NULL;
    r->ncategories = r->nrecipients = r->nevents = 0;
}

/* The categories of the registers declaring p, each once; whether one rests on explicit
 * consent (art 9(2)(a)). */
static rk_err gather_categories(struct rk_consent_record *r) {
    const struct rk_decl *d = r->decl;
    r->categories = calloc(d->ncategories ? d->ncategories : 1, sizeof(const struct rk_category *));
    if (!r->categories)
        return RK_ENOMEM;
    for (size_t c = 0; c < d->ncategories; c++) {
        const struct rk_category *cat = &d->categories[c];
        bool held = false;
        for (size_t g = 0; g < d->nregisters && !held; g++) {
            const struct rk_register *reg = &d->registers[g];
            if (!rk_register_has_purpose(reg, r->purpose))
                continue;
            for (size_t k = 0; k < reg->ncategories && !held; k++)
                held = reg->categories[k] == cat;
        }
        if (!held)
            continue;
        r->categories[r->ncategories++] = cat;
        if (cat->special != RK_SPECIAL_NONE && cat->condition == RK_ART9_EXPLICIT_CONSENT)
            r->explicit_consent = true;
    }
    return RK_OK;
}

/* The recipients of the purpose's data: those naming it among their purposes, and those
 * naming no purposes that receive a register declaring it. */
static rk_err gather_recipients(struct rk_consent_record *r) {
    const struct rk_decl *d = r->decl;
    r->recipients =
        calloc(d->nrecipients ? d->nrecipients : 1, sizeof(const struct rk_recipient *));
    if (!r->recipients)
        return RK_ENOMEM;
    for (size_t i = 0; i < d->nrecipients; i++) {
        const struct rk_recipient *rc = &d->recipients[i];
        bool serves = rk_recipient_serves(rc, r->purpose);
        bool named = rc->npurposes > 0 || rc->mailchimp.declared;
        for (size_t g = 0; !serves && !named && g < rc->nregisters; g++)
            serves = rk_register_has_purpose(rc->registers[g], r->purpose);
        if (serves)
            r->recipients[r->nrecipients++] = rc;
    }
    return RK_OK;
}

struct fold {
    struct rk_consent_record *r;
    const struct rk_reg *reg;
    struct rk_consent_state st;
    size_t cap;
    rk_err err;
};

static int fold_event(void *ctx, const struct rk_consent_event *e) {
    struct fold *f = ctx;
    struct rk_consent_record *r = f->r;
    if (strcmp(e->purpose, r->purpose->id) != 0)
        return 0;
    if (r->nevents == f->cap) {
        size_t cap = f->cap ? f->cap * 2 : 8;
        struct rk_cr_event *grown = realloc(r->events, cap * sizeof *grown);
        if (!grown) {
            f->err = RK_ENOMEM;
            return 1;
        }
        r->events = grown;
        f->cap = cap;
    }
    struct rk_cr_event *ev = &r->events[r->nevents++];
    memset(ev, 0, sizeof *ev);
    bool was_live = f->st.status == RK_CONSENT_LIVE;
    /* The ledger holds only events its state machine allowed (consent.c, invariant 3); one it
     * would refuse now (a declaration whose validity changed) leaves the state as it was. */
    rk_err applied =
        rk_consent_apply(&f->st, e->kind, e->pending, e->at, r->purpose->consent_validity);
    (void)applied;
    switch (e->kind) {
    case RK_CE_GIVEN:
        ev->state = e->pending ? (was_live ? RK_CR_RENEWAL_REQUESTED : RK_CR_REQUESTED)
                               : (was_live ? RK_CR_RENEWED : RK_CR_GIVEN);
        break;
    case RK_CE_CONFIRMED: ev->state = was_live ? RK_CR_RENEWED : RK_CR_GIVEN; break;
    case RK_CE_WITHDRAWN: ev->state = RK_CR_WITHDRAWN; break;
    case RK_CE_EXPIRED: ev->state = RK_CR_EXPIRED; break;
    }
    if ((ev->state == RK_CR_GIVEN || ev->state == RK_CR_RENEWED) && f->st.status == RK_CONSENT_LIVE)
        ev->valid_until = f->st.expires_at;
    ev->seq = e->seq;
    ev->at = e->at;
    ev->kind = e->kind;
    ev->pending = e->pending;
    snprintf(ev->channel, sizeof ev->channel, "%s", e->channel ? e->channel : "");
    snprintf(ev->collector, sizeof ev->collector, "%s", e->collector ? e->collector : "");
    snprintf(ev->form_id, sizeof ev->form_id, "%s", e->form_id ? e->form_id : "");
    snprintf(ev->notice_version, sizeof ev->notice_version, "%s",
             e->notice_version ? e->notice_version : "");
    snprintf(ev->notice_sha256, sizeof ev->notice_sha256, "%s", e->notice_sha256);
    ev->by_subject = strcmp(ev->collector, "self") == 0;
    ev->notice_lang = strcmp(e->notice_sha256, f->reg->notice_sha256[RK_LANG_FI]) == 0 ? RK_LANG_FI
                      : strcmp(e->notice_sha256, f->reg->notice_sha256[RK_LANG_EN]) == 0
                          ? RK_LANG_EN
                          : -1;
    return 0;
}

rk_err rk_consent_record_get(struct rk_reg *reg, const char *person_id, const char *purpose,
                             rk_ts now, struct rk_consent_record *out, struct rk_error *e) {
    memset(out, 0, sizeof *out);
    out->decl = reg->decl;
    out->made_at = now;
    out->purpose = rk_decl_purpose(reg->decl, purpose);
    if (!out->purpose)
        return rk_error_set(e, RK_EINVAL, "purpose", "purpose '%s' is not declared", purpose);
    if (out->purpose->basis != RK_BASIS_CONSENT)
        return rk_error_set(e, RK_EINVAL, "purpose", "purpose '%s' rests on %s, not on consent",
                            out->purpose->id, rk_basis_id(out->purpose->basis));
    if (!rk_id_valid(person_id))
        return rk_error_set(e, RK_ENOENT, "person", "no person with that id");
    rk_err err = rk_store_person_exists(reg->store, person_id, NULL, NULL);
    if (err == RK_ENOENT)
        return rk_error_set(e, RK_ENOENT, "person", "no person with that id");
    if (err != RK_OK)
        return rk_error_set(e, err, NULL, "%s", rk_store_errmsg(reg->store));
    snprintf(out->person_id, sizeof out->person_id, "%s", person_id);
    snprintf(out->notice_version_now, sizeof out->notice_version_now, "%s", reg->notice_version);
    struct fold f = {.r = out, .reg = reg, .st = {.status = RK_CONSENT_NONE}};
    err = rk_store_consent_events(reg->store, person_id, fold_event, &f);
    if (err == RK_OK)
        err = f.err;
    if (err != RK_OK)
        return rk_error_set(e, err, NULL, "%s",
                            err == RK_ENOMEM ? rk_err_str(err) : rk_store_errmsg(reg->store));
    if (out->nevents == 0)
        return rk_error_set(e, RK_ENOENT, "consent",
                            "no consent for purpose '%s' is recorded for this person",
                            out->purpose->id);
    /* The stored state is the fold (consent.h); read it so that a record never disagrees with
     * what audiences and checks see. */
    struct rk_consent_state st;
    if ((err = rk_store_consent_state_get(reg->store, person_id, out->purpose->id, &st)) != RK_OK)
        return rk_error_set(e, err, NULL, "%s", rk_store_errmsg(reg->store));
    out->status = rk_consent_effective(&st, now);
    /* since: when the consent came into the state it is in. The stored since is that of the
     * last confirmation (or request); a withdrawn or expired consent dates from the event that
     * ended it, or, past its expiry before the sweep recorded it, from the expiry itself. */
    out->since = st.since;
    if (out->status == RK_CONSENT_WITHDRAWN ||
        (out->status == RK_CONSENT_EXPIRED && st.status == RK_CONSENT_EXPIRED))
        out->since = out->events[out->nevents - 1].at;
    else if (out->status == RK_CONSENT_EXPIRED)
        out->since = st.expires_at;
    out->expires_at = st.expires_at;
    out->renewal_pending = st.renewal_pending;
    out->last_seq = out->events[out->nevents - 1].seq;
    if ((err = gather_categories(out)) != RK_OK || (err = gather_recipients(out)) != RK_OK)
        return rk_error_set(e, err, NULL, "%s", rk_err_str(err));
    return RK_OK;
}
