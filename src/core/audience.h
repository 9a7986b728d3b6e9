/*
 * audience.h — why people are not in a consent-based purpose's audience: the
 * console's audience page shows the count rk_reg_audience would export beside
 * the count of each reason for leaving a person out. The reasons follow the
 * audience rules (core/register.h) in the order they decide: restricted
 * (art 18), objected (art 21), suppressed, then the consent — withdrawn,
 * expired (run out, whether or not the sweep has marked it yet), none
 * (never given, or given and not yet confirmed).
 */
#ifndef RK_AUDIENCE_H
#define RK_AUDIENCE_H

#include "core/register.h"

enum rk_audience_ex {
    RK_EX_RESTRICTED,
    RK_EX_OBJECTED,
    RK_EX_SUPPRESSED,
    RK_EX_WITHDRAWN,
    RK_EX_EXPIRED,
    RK_EX_NO_CONSENT,
    RK_EX__COUNT
};

/* "restricted", "objected", "suppressed", "withdrawn", "expired", "no_consent". */
const char *rk_audience_ex_id(enum rk_audience_ex e);

struct rk_audience_summary {
    int64_t count;                  /* in the audience: as rk_reg_audience_in would export */
    int64_t excluded[RK_EX__COUNT]; /* persons left out, each under its first reason */
};

/*
 * Which reason leaves the entry r out of purpose's audience at now, or -1 when it is in:
 * the rule of the audience (live consent not run out; not restricted, objected or
 * suppressed), for one entry.
 */
int rk_audience_exclusion(const struct rk_audience_row *r, rk_ts now);

/*
 * Counts purpose's audience and its exclusions over the registers declaring it for which
 * want(want_ctx, register) is true (want NULL: all). A person held in several such
 * registers counts once: in the audience when any entry is, else under the first reason
 * (in the order of enum rk_audience_ex) of any of their entries. RK_EINVAL (msg) when purpose
 * is not declared or does not rest on consent. Reads only.
 */
RK_MUST_USE rk_err rk_audience_summarize(struct rk_reg *reg, const char *purpose, rk_ts now,
                                         rk_register_filter want, void *want_ctx,
                                         struct rk_audience_summary *out, struct rk_error *msg);

#endif
