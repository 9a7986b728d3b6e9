/*
 * audience.c — the audience summary (see audience.h). Each entry of each
 * register declaring the purpose gets one verdict, in or excluded for its
 * first reason; a person in several registers is folded to one verdict by
 * sorting the verdicts by person id, so the count agrees with the export,
 * which also takes each person once.
 */
#include "core/audience.h"

#include "core/reg_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const exclusion_ids[RK_EX__COUNT] = {"restricted", "objected", "suppressed",
                                                        "withdrawn",  "expired",  "no_consent"};

const char *rk_audience_ex_id(enum rk_audience_ex e) {
    return (unsigned)e < RK_EX__COUNT ? exclusion_ids[e] : "?";
}

int rk_audience_exclusion(const struct rk_audience_row *r, rk_ts now) {
    if (r->restricted)
        return RK_EX_RESTRICTED;
    if (r->objected)
        return RK_EX_OBJECTED;
    if (r->suppressed)
        return RK_EX_SUPPRESSED;
    switch (r->consent) {
    case RK_CONSENT_WITHDRAWN: return RK_EX_WITHDRAWN;
    case RK_CONSENT_EXPIRED: return RK_EX_EXPIRED;
    case RK_CONSENT_LIVE: return r->expires_at && r->expires_at <= now ? RK_EX_EXPIRED : -1;
    default: return RK_EX_NO_CONSENT;
    }
}

/* One entry's verdict: -1 in, else an enum rk_audience_ex. */
struct verdict {
    char person_id[RK_ID_LEN + 1];
    int why;
};

struct gather {
    struct verdict *v;
    size_t n, cap;
    rk_ts now;
    bool oom;
};

static int gather_row(void *ctx, const struct rk_audience_row *r) {
    struct gather *g = ctx;
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 1024;
        struct verdict *v = realloc(g->v, cap * sizeof *v);
        if (!v) {
            g->oom = true;
            return 1;
        }
        g->v = v;
        g->cap = cap;
    }
    struct verdict *v = &g->v[g->n++];
    memcpy(v->person_id, r->person_id, sizeof v->person_id);
    v->why = rk_audience_exclusion(r, g->now);
    return 0;
}

static int by_person(const void *a, const void *b) {
    return strcmp(((const struct verdict *)a)->person_id, ((const struct verdict *)b)->person_id);
}

static bool has_purpose(const struct rk_register *r, const char *purpose) {
    for (size_t i = 0; i < r->npurposes; i++)
        if (strcmp(r->purposes[i]->id, purpose) == 0)
            return true;
    return false;
}

rk_err rk_audience_summarize(struct rk_reg *reg, const char *purpose, rk_ts now,
                             rk_register_filter want, void *want_ctx,
                             struct rk_audience_summary *out, struct rk_error *msg) {
    const struct rk_purpose *p = rk_decl_purpose(reg->decl, purpose);
    if (!p || p->basis != RK_BASIS_CONSENT) {
        return rk_error_set(
            msg, RK_EINVAL, NULL,
            p ? "purpose '%s' does not rest on consent: its audience is everyone held "
                "for it (or under contract), with no consent to be missing"
              : "purpose '%s' is not declared",
            purpose);
    }
    struct gather g = {.now = now};
    rk_err err = RK_OK;
    for (size_t i = 0; i < reg->decl->nregisters && err == RK_OK && !g.oom; i++) {
        const struct rk_register *r = &reg->decl->registers[i];
        if (has_purpose(r, purpose) && (!want || want(want_ctx, r)))
            err = rk_store_audience_rows(reg->store, r->id, purpose, gather_row, &g);
    }
    if (err == RK_OK && g.oom)
        err = RK_ENOMEM;
    if (err != RK_OK) {
        free(g.v);
        err = rk_error_set(msg, err, NULL, "%s", rk_store_errmsg(reg->store));
        return err;
    }
    if (g.n)
        qsort(g.v, g.n, sizeof *g.v, by_person);
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < g.n;) {
        int best = g.v[i].why;
        size_t j = i + 1;
        for (; j < g.n && strcmp(g.v[j].person_id, g.v[i].person_id) == 0; j++)
            if (best >= 0 && (g.v[j].why < 0 || g.v[j].why < best))
                best = g.v[j].why;
        if (best < 0)
            out->count++;
        else
            out->excluded[best]++;
        i = j;
    }
    free(g.v);
    return RK_OK;
}
