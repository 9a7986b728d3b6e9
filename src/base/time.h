/*
 * time.h — instants and calendar dates as the register uses them.
 *
 * Instants are seconds since the Unix epoch (UTC), stored and printed as
 * ISO 8601 "2026-11-25T17:32:05Z" so that text order is time order. Calendar
 * dates (contract start, invoice date, deadlines) are struct rk_date. Month
 * arithmetic follows Regulation 1182/71 art 3: a period of months ends on the
 * same day of the later month, or on its last day when that day does not
 * exist (31 Jan + 1 month = 28/29 Feb).
 */
#ifndef RK_TIME_H
#define RK_TIME_H

#include <stdbool.h>
#include <stdint.h>

#include "util/err.h"

/* A calendar date. */
struct rk_date {
    int y, m, d; /* y == 0: not given */
};

/* A period such as "2y", "6m" or "30d". n == 0: not given. */
struct rk_duration {
    int n;
    char unit; /* 'd', 'm' or 'y' */
};

#define RK_TS_LEN 20 /* "YYYY-MM-DDTHH:MM:SSZ" */

typedef int64_t rk_ts;

/* Now, or the instant in REKISTERI_NOW (ISO 8601) when set — tests move time with it. */
rk_ts rk_time_now(void);

void rk_ts_format(rk_ts t, char out[RK_TS_LEN + 1]);
/* Parses "YYYY-MM-DDTHH:MM:SSZ" (also "YYYY-MM-DD", as midnight UTC). */
RK_MUST_USE bool rk_ts_parse(const char *s, rk_ts *out);

/* The UTC calendar date of an instant. */
struct rk_date rk_ts_date(rk_ts t);
/* Midnight UTC at the start of a date. */
rk_ts rk_date_ts(struct rk_date d);

bool rk_date_valid(struct rk_date d);
/* Parses "YYYY-MM-DD" into a valid date. */
RK_MUST_USE bool rk_date_parse(const char *s, struct rk_date *out);
/* Writes "YYYY-MM-DD" (11 bytes with the NUL). */
void rk_date_iso(struct rk_date d, char out[11]);
/* -1, 0 or 1 as a is before, equal to or after b. */
int rk_date_cmp(struct rk_date a, struct rk_date b);

int rk_days_in_month(int y, int m);
struct rk_date rk_date_add_days(struct rk_date d, int days);
/* Adds months per Regulation 1182/71 (end-of-month clamp). */
struct rk_date rk_date_add_months(struct rk_date d, int months);
/* Adds a declared period: days, months or years (years are 12 months). */
struct rk_date rk_date_add(struct rk_date d, struct rk_duration p);
/* The instant p after t, keeping the time of day (calendar arithmetic on the date). */
rk_ts rk_ts_add(rk_ts t, struct rk_duration p);

#endif
