/*
 * reg_audience.c — who may be contacted (see register.h): the audience of a
 * purpose across the registers that declare it, and the answer to "may we
 * contact this person for this purpose now?" by the same rules. Reads only.
 */
#include "core/register.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent.h"
#include "core/reg_impl.h"
#include "core/reg_write.h"
#include "core/view.h"

/* ---- The audience ------------------------------------------------------------------------- */

/*
 * One pass over every register (the store's audience_all): a person's entries come
 * together, so that a person held in several of the purpose's registers is emitted once
 * without remembering who was: the entry of the first such register in the declaration's
 * order that is in the audience, as when the registers were walked one after another.
 */
struct audience_ctx {
    rk_entry_fn fn;
    void *ctx;
    const char **regs; /* the registers taken, in the declaration's order */
    size_t nregs;
    char person[RK_ID_LEN + 1]; /* whose entries are coming */
    bool emitted;               /* person's entry is out */
    size_t held_rank;           /* held is the entry of regs[held_rank]; nregs: none */
    struct rk_entry *held;      /* a later register's entry, until the person's last */
    bool stopped;               /* fn returned non-zero: nothing more is emitted */
    bool oom;
};

/* The rank of register id among the taken ones; nregs when it is not taken. */
static size_t reg_rank(const struct audience_ctx *a, const char *id) {
    for (size_t i = 0; i < a->nregs; i++)
        if (strcmp(a->regs[i], id) == 0)
            return i;
    return a->nregs;
}

/* Copies an entry read by the store, its values pointing into its own buffer. */
static void entry_copy(struct rk_entry *dst, const struct rk_entry *src) {
    memcpy(dst, src, sizeof *dst);
    uintptr_t lo = (uintptr_t)src->buf, hi = lo + sizeof src->buf;
    for (int f = 0; f < RK_F__COUNT; f++) {
        uintptr_t v = (uintptr_t)src->v[f];
        if (src->v[f] && v >= lo && v < hi)
            dst->v[f] = dst->buf + (v - lo);
    }
}

/* Emits the held entry of the person whose entries have ended. */
static int audience_flush(struct audience_ctx *a) {
    if (a->emitted || a->held_rank == a->nregs)
        return 0;
    a->emitted = true;
    a->stopped = a->fn(a->ctx, a->held) != 0;
    return a->stopped;
}

static int audience_entry(void *ctx, const struct rk_entry *e) {
    struct audience_ctx *a = ctx;
    size_t rank = reg_rank(a, e->register_id);
    if (rank == a->nregs)
        return 0;
    if (strcmp(a->person, e->person_id) != 0) {
        int r = audience_flush(a);
        if (r)
            return r;
        memcpy(a->person, e->person_id, sizeof a->person);
        a->emitted = false;
        a->held_rank = a->nregs;
    }
    if (a->emitted || rank >= a->held_rank)
        return 0;
    if (rank == 0) { /* no entry can come before it */
        a->emitted = true;
        a->stopped = a->fn(a->ctx, e) != 0;
        return a->stopped;
    }
    if (!a->held && !(a->held = malloc(sizeof *a->held))) {
        a->oom = true;
        return 1;
    }
    entry_copy(a->held, e);
    a->held_rank = rank;
    return 0;
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
    struct audience_ctx a = {.fn = fn, .ctx = ctx};
    if (reg->decl->nregisters && !(a.regs = calloc(reg->decl->nregisters, sizeof *a.regs)))
        return rw_store_failed(reg->store, msg, RK_ENOMEM);
    for (size_t i = 0; i < reg->decl->nregisters; i++) {
        const struct rk_register *r = &reg->decl->registers[i];
        if (rw_register_has_purpose(r, purpose) && (!want || want(want_ctx, r)))
            a.regs[a.nregs++] = r->id;
    }
    a.held_rank = a.nregs;
    rk_err err = RK_OK;
    if (a.nregs) {
        err = rk_store_audience_all(reg->store, purpose, rule, now, audience_entry, &a);
        if (err == RK_OK && !a.oom && !a.stopped)
            (void)audience_flush(&a); /* the last person's held entry */
    }
    free(a.held);
    free(a.regs);
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
