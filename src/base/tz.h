/*
 * tz.h — the controller's time zone, for the calendar dates the law counts
 * in (a request received at 23:30 UTC on 31 January is received on
 * 1 February in Helsinki). A zone is read once from the system's TZif file
 * (RFC 8536) into a struct and then consulted without locks, environment or
 * C library state, so any thread may ask for a local date: setenv("TZ") and
 * localtime_r would change the whole process's zone under other threads.
 */
#ifndef RK_TZ_H
#define RK_TZ_H

#include <stdbool.h>
#include <stdint.h>

#include "base/time.h"

#define RK_TZ_MAX_TRANS 400 /* transitions kept; zones hold far fewer past 1970 */

/* A POSIX TZ rule ("EET-2EEST,M3.5.0/3,M10.5.0/4"): a rule date and time of day. */
struct rk_tz_rule_date {
    char kind; /* 'M' month.week.day, 'J' Julian day 1..365 (no 29 Feb), 'D' day 0..365 */
    int m, w, d, n;
    int32_t secs; /* local time of day of the change; may be negative or above 24 h */
};

struct rk_tz {
    char name[64];
    int ntrans;
    int64_t trans[RK_TZ_MAX_TRANS]; /* instants, ascending */
    int32_t off[RK_TZ_MAX_TRANS];   /* UTC offset (seconds east) from trans[i] on */
    int32_t before;                 /* offset before the first transition */
    /* The footer rule for instants after the last transition. */
    bool has_rule, has_dst;
    int32_t std_off, dst_off; /* seconds east of UTC */
    struct rk_tz_rule_date start, end;
};

/*
 * Loads zone name (an IANA name such as "Europe/Helsinki", or "UTC") from the
 * TZif file under $TZDIR or /usr/share/zoneinfo. RK_EINVAL for a malformed
 * name, RK_ENOENT when the zone is not installed, RK_EPARSE for a file that is
 * not TZif. out is written only on success.
 */
RK_MUST_USE rk_err rk_tz_load(const char *name, struct rk_tz *out);

/* Sets up out from a POSIX TZ string alone (no transitions); RK_EPARSE when malformed. */
RK_MUST_USE rk_err rk_tz_from_posix(const char *rule, struct rk_tz *out);

/* The zone's offset from UTC (seconds east) at instant t. */
int32_t rk_tz_offset(const struct rk_tz *z, rk_ts t);

/* The calendar date in the zone at instant t. */
struct rk_date rk_tz_date(const struct rk_tz *z, rk_ts t);

#endif
