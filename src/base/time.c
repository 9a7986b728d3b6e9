/*
 * time.c — instants, calendar dates and period arithmetic (see time.h).
 *
 * Everything is pure arithmetic on the proleptic Gregorian calendar (Howard
 * Hinnant's days-from-civil algorithms), so results depend on no locale, time
 * zone or C library; only rk_time_now looks at the clock. Text forms are
 * strict ISO 8601 in UTC with four-digit years 0001–9999.
 */
#include "base/time.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SECS_PER_DAY 86400

/* Floor division and the matching non-negative remainder (b > 0). */
static int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }
static int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int64_t y, int m) {
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to y-m-d; m must be 1..12, d may be any day offset. */
static int64_t days_from_civil(int64_t y, int m, int64_t d) {
    y -= m <= 2;
    int64_t era = floor_div(y, 400);
    int64_t yoe = y - era * 400;                                   /* [0, 399] */
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1; /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;           /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* The date z days after 1970-01-01. */
static struct rk_date civil_from_days(int64_t z) {
    z += 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                      /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);               /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                    /* [0, 11] */
    int d = (int)(doy - (153 * mp + 2) / 5 + 1);
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    return (struct rk_date){(int)(yoe + era * 400 + (m <= 2)), m, d};
}

/* Days since the epoch of any (y, m, d), months outside 1..12 carried into the year. */
static int64_t date_days(struct rk_date d) {
    int64_t months = (int64_t)d.y * 12 + (d.m - 1);
    return days_from_civil(floor_div(months, 12), (int)floor_mod(months, 12) + 1, d.d);
}

/* ---- Calendar dates ---------------------------------------------------- */

int rk_days_in_month(int y, int m) { return m >= 1 && m <= 12 ? month_days(y, m) : 0; }

bool rk_date_valid(struct rk_date d) {
    return d.y >= 1 && d.y <= 9999 && d.m >= 1 && d.m <= 12 && d.d >= 1 &&
           d.d <= month_days(d.y, d.m);
}

int rk_date_cmp(struct rk_date a, struct rk_date b) {
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    if (a.d != b.d)
        return a.d < b.d ? -1 : 1;
    return 0;
}

struct rk_date rk_date_add_days(struct rk_date d, int days) {
    return civil_from_days(date_days(d) + days);
}

static struct rk_date add_months(struct rk_date d, int64_t months) {
    int64_t total = (int64_t)d.y * 12 + (d.m - 1) + months;
    struct rk_date r = {(int)floor_div(total, 12), (int)floor_mod(total, 12) + 1, d.d};
    int last = month_days(r.y, r.m);
    if (r.d > last)
        r.d = last; /* Regulation 1182/71 art 3(2)(c): the last day of the month */
    return r;
}

struct rk_date rk_date_add_months(struct rk_date d, int months) {
    return add_months(d, months);
}

struct rk_date rk_date_add(struct rk_date d, struct rk_duration p) {
    switch (p.unit) {
    case 'd': return rk_date_add_days(d, p.n);
    case 'm': return add_months(d, p.n);
    case 'y': return add_months(d, (int64_t)p.n * 12);
    default: return d; /* not given (n == 0, unit unset) */
    }
}

/* ---- Text forms -------------------------------------------------------- */

/* Parses exactly n decimal digits at s. */
static bool parse_digits(const char *s, size_t n, int *out) {
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Writes v as exactly n decimal digits (v must fit). */
static void put_digits(char *out, size_t n, int v) {
    for (size_t i = n; i-- > 0; v /= 10)
        out[i] = (char)('0' + v % 10);
}

/* Parses the ten characters "YYYY-MM-DD" at s (no terminator check). */
static bool parse_date10(const char *s, struct rk_date *out) {
    struct rk_date d;
    if (!parse_digits(s, 4, &d.y) || s[4] != '-' || !parse_digits(s + 5, 2, &d.m) || s[7] != '-' ||
        !parse_digits(s + 8, 2, &d.d) || !rk_date_valid(d))
        return false;
    *out = d;
    return true;
}

bool rk_date_parse(const char *s, struct rk_date *out) {
    return s && strlen(s) == 10 && parse_date10(s, out);
}

void rk_date_iso(struct rk_date d, char out[11]) {
    if (d.y < 0 || d.y > 9999 || d.m < 0 || d.m > 99 || d.d < 0 || d.d > 99) {
        memcpy(out, "0000-00-00", 11); /* not a representable date */
        return;
    }
    put_digits(out, 4, d.y);
    out[4] = '-';
    put_digits(out + 5, 2, d.m);
    out[7] = '-';
    put_digits(out + 8, 2, d.d);
    out[10] = '\0';
}

/* ---- Instants ---------------------------------------------------------- */

struct rk_date rk_ts_date(rk_ts t) {
    return civil_from_days(floor_div(t, SECS_PER_DAY));
}

rk_ts rk_date_ts(struct rk_date d) { return date_days(d) * SECS_PER_DAY; }

void rk_ts_format(rk_ts t, char out[RK_TS_LEN + 1]) {
    /* The range four-digit years can show: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z. */
    const rk_ts min = days_from_civil(1, 1, 1) * SECS_PER_DAY;
    const rk_ts max = days_from_civil(9999, 12, 31) * SECS_PER_DAY + SECS_PER_DAY - 1;
    if (t < min)
        t = min;
    if (t > max)
        t = max;
    int secs = (int)floor_mod(t, SECS_PER_DAY);
    rk_date_iso(rk_ts_date(t), out);
    out[10] = 'T';
    put_digits(out + 11, 2, secs / 3600);
    out[13] = ':';
    put_digits(out + 14, 2, secs / 60 % 60);
    out[16] = ':';
    put_digits(out + 17, 2, secs % 60);
    out[19] = 'Z';
    out[20] = '\0';
}

bool rk_ts_parse(const char *s, rk_ts *out) {
    if (!s)
        return false;
    size_t n = strlen(s);
    struct rk_date d;
    int hh = 0, mm = 0, ss = 0;
    if (n == 10) {
        if (!parse_date10(s, &d))
            return false;
    } else if (n == RK_TS_LEN) {
        if (!parse_date10(s, &d) || s[10] != 'T' || !parse_digits(s + 11, 2, &hh) || s[13] != ':' ||
            !parse_digits(s + 14, 2, &mm) || s[16] != ':' || !parse_digits(s + 17, 2, &ss) ||
            s[19] != 'Z' || hh > 23 || mm > 59 || ss > 59)
            return false;
    } else {
        return false;
    }
    *out = rk_date_ts(d) + (rk_ts)hh * 3600 + (rk_ts)mm * 60 + ss;
    return true;
}

rk_ts rk_time_now(void) {
    const char *env = getenv("REKISTERI_NOW");
    rk_ts t;
    if (env && *env && rk_ts_parse(env, &t))
        return t;
    return (rk_ts)time(NULL);
}

rk_ts rk_ts_add(rk_ts t, struct rk_duration p) {
    struct rk_date d = rk_ts_date(t);
    rk_ts time_of_day = t - rk_date_ts(d);
    return rk_date_ts(rk_date_add(d, p)) + time_of_day;
}
