/*
 * reg_audience.c — who may be contacted (see register.h): the audience of a
 * purpose across the registers that declare it, and the answer to "may we
 * contact this person for this purpose now?" by the same rules. Reads only.
 */
#include "core/register.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent.h"
#include "core/reg_impl.h"
#include "core/reg_write.h"
#include "core/view.h"

/* ---- The audience ------------------------------------------------------------------------- */

/* Persons already emitted, so that one in two registers appears once. */
struct audience_ctx {
    rk_entry_fn fn;
    void *ctx;
    char (*seen)[RK_ID_LEN + 1];
    size_t cap, n;
    bool dedupe;
    bool oom;
};

static size_t id_slot(const char *id, size_t cap) {
    size_t h = 5381;
    for (const char *p = id; *p; p++)
        h = h * 33 + (unsigned char)*p;
    return h & (cap - 1);
}

static bool seen_add(struct audience_ctx *a, const char *id) {
    if (a->n * 2 >= a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        char(*seen)[RK_ID_LEN + 1] = calloc(cap, sizeof *seen);
        if (!seen) {
            a->oom = true;
            return false;
        }
        for (size_t i = 0; i < a->cap; i++) {
            if (!a->seen[i][0])
                continue;
            size_t j = id_slot(a->seen[i], cap);
            while (seen[j][0])
                j = (j + 1) & (cap - 1);
            memcpy(seen[j], a->seen[i], RK_ID_LEN + 1);
        }
        free(a->seen);
        a->seen = seen;
        a->cap = cap;
    }
    size_t j = id_slot(id, a->cap);
    while (a->seen[j][0]) {
        if (strcmp(a->seen[j], id) == 0)
            return false;
        j = (j + 1) & (a->cap - 1);
    }
    snprintf(a->seen[j], RK_ID_LEN + 1, "%s", id);
    a->n++;
    return true;
}

static int audience_entry(void *ctx, const struct rk_entry *e) {
    struct audience_ctx *a = ctx;
    if (a->dedupe && !seen_add(a, e->person_id))
        return a->oom ? 1 : 0;
    return a->fn(a->ctx, e);
}

rk_err rk_reg_audience(struct rk_reg *reg, const char *purpose, rk_ts now, rk_entry_fn fn,
                       void *ctx, struct rk_error *msg) {
    return rk_reg_audience_in(reg, purpose, now, NULL, NULL, fn, ctx, msg);
}

rk_err rk_reg_audience_in(struct rk_reg *reg, const char *purpose, rk_ts now,
                          rk_register_filter want, void *want_ctx, rk_entry_fn fn, void *ctx,
                          struct rk_error *msg) {
    const struct rk_purpose *p = rk_decl_purpose(reg->decl, purpose);
    if (!p)
        return rw_refuse(msg, "purpose '%s' is not declared", purpose);
    enum rk_audience_rule rule = p->basis == RK_BASIS_CONSENT    ? RK_AUDIENCE_LIVE_CONSENT
                                 : p->basis == RK_BASIS_CONTRACT ? RK_AUDIENCE_ACTIVE_CONTRACT
                                                                 : RK_AUDIENCE_ANY;
    size_t holders = 0;
    for (size_t i = 0; i < reg->decl->nregisters; i++)
        holders += rw_register_has_purpose(&reg->decl->registers[i], purpose) &&
                   (!want || want(want_ctx, &reg->decl->registers[i]));
    struct audience_ctx a = {fn, ctx, NULL, 0, 0, holders > 1, false};
    rk_err err = RK_OK;
    for (size_t i = 0; i < reg->decl->nregisters && err == RK_OK && !a.oom; i++) {
        const struct rk_register *r = &reg->decl->registers[i];
        if (rw_register_has_purpose(r, purpose) && (!want || want(want_ctx, r)))
            err = rk_store_audience(reg->store, r->id, purpose, rule, now, audience_entry, &a);
    }
    free(a.seen);
    if (a.oom)
        err = RK_ENOMEM;
    return err == RK_OK ? RK_OK : rw_store_failed(reg->store, msg, err);
}

/* ---- May we contact? ----------------------------------------------------------------------- */

struct may_scan {
    struct rk_reg *reg;
    const struct rk_view *view; /* NULL: every entry */
    enum rk_field by;
    const struct rk_purpose *p;
    rk_ts now;
    struct rk_contact_answer *out;
    rk_err err;
};

__attribute__((format(printf, 3, 4))) static void answer(struct rk_contact_answer *a, bool allowed,
                                                         const char *fmt, ...) {
    va_list ap;
    a->allowed = allowed;
    va_start(ap, fmt);
    vsnprintf(a->reason, sizeof a->reason, fmt, ap);
    va_end(ap);
}

/* Looks at one entry of the email or phone; stops at the first that allows contact. */
static int may_entry(void *ctx, const struct rk_contact_row *e) {
    struct may_scan *m = ctx;
    const struct rk_register *r = rk_decl_register(m->reg->decl, e->register_id);
    if (!r || !rw_register_has_purpose(r, m->p->id) ||
        (m->view && !rk_view_found(m->view, r->id, m->by)))
        return 0; /* read like the others, then passed over: unseen is as unknown */
    memcpy(m->out->person_id, e->person_id, sizeof m->out->person_id);
    if (e->restricted) {
        answer(m->out, false, "%s", "processing of this person is restricted (art 18)");
        return 1;
    }
    if (e->objected) {
        answer(m->out, false, "%s", "the person objected to direct marketing (art 21)");
        return 1;
    }
    if (m->p->basis == RK_BASIS_CONSENT) {
        const struct rk_consent_state *st = &e->consent;
        enum rk_consent_status now = rk_consent_effective(st, m->now);
        if (now == RK_CONSENT_LIVE) {
            char until[RK_TS_LEN + 1] = "";
            if (st->expires_at)
                rk_ts_format(st->expires_at, until);
            answer(m->out, true, st->expires_at ? "live consent until %s" : "live consent%s",
                   until);
            return 1;
        }
        answer(m->out, false, "no live consent for the purpose (it is %s)",
               rk_consent_status_name(now));
        return 0;
    }
    if (m->p->basis == RK_BASIS_CONTRACT) {
        enum rk_membership mem = RK_MEMBER_NONE;
        if ((m->err = rk_reg_membership(m->reg, r->id, e->person_id, m->now, &mem)))
            return 1;
        if (mem == RK_MEMBER_CUSTOMER) {
            answer(m->out, true, "%s", "a customer relationship (contract) is in effect");
            return 1;
        }
        answer(m->out, false, "%s", "no contract in effect");
        return 0;
    }
    answer(m->out, true, "held for the purpose on the basis %s", rk_basis_id(m->p->basis));
    return 1;
}

rk_err rk_reg_may_contact(struct rk_reg *reg, enum rk_field f, const char *value,
                          const char *purpose, rk_ts now, struct rk_contact_answer *out,
                          struct rk_error *msg) {
    return rk_reg_may_contact_in(reg, NULL, f, value, purpose, now, out, msg);
}

rk_err rk_reg_may_contact_in(struct rk_reg *reg, const struct rk_view *view, enum rk_field f,
                             const char *value, const char *purpose, rk_ts now,
                             struct rk_contact_answer *out, struct rk_error *msg) {
    const struct rk_purpose *p = rk_decl_purpose(reg->decl, purpose);
    if (!p) {
        return rk_error_set(msg, RK_EINVAL, NULL, "purpose '%s' is not declared", purpose);
    }
    char norm[RK_EMAIL_MAX + 1];
    struct rk_error why = RK_ERROR_INIT;
    if (f != RK_F_EMAIL && f != RK_F_PHONE)
        return RK_EINVAL;
    if ((f == RK_F_EMAIL ? rk_norm_email(value, norm, &why)
                         : rk_norm_phone(value, "358", norm, &why)) != RK_OK) {
        return rk_error_set(msg, RK_EINVAL, NULL, "the %s %s", rk_field_id(f), rk_error_msg(&why));
    }
    memset(out, 0, sizeof *out);
    answer(out, false, "%s", "not held in any register for this purpose");
    /* One store call: the suppression list, then each entry with its person's
     * restrictions and consent state, in one read transaction. */
    unsigned char h[RK_HASH_LEN];
    rk_keys_hash(&reg->keys, f, norm, h);
    struct may_scan m = {reg, view, f, p, now, out, RK_OK};
    bool suppressed = false;
    rk_err err = rk_store_contact_rows(reg->store, h, p->id, &suppressed, may_entry, &m);
    if (err == RK_OK)
        err = m.err;
    if (err == RK_OK && !suppressed && reg->keys.ngen > 1)
        err = rk_reg_is_suppressed(reg, f, norm, &suppressed);
    if (err != RK_OK) {
        memset(out, 0, sizeof *out);
        return rw_store_failed(reg->store, msg, err);
    }
    if (suppressed) {
        memset(out, 0, sizeof *out);
        answer(out, false, "%s", "on the suppression list (objection or erasure)");
    }
    return RK_OK;
}
