/*
 * tz.c — reading a TZif file and answering "what is the local date at this
 * instant?" (see tz.h). Only the version 2+ block (64-bit transition times)
 * and its footer are used; the footer's POSIX rule answers for instants
 * after the last listed transition, which for a "slim" file is most of them.
 * Leap seconds are ignored (civil time does not count them).
 */
#include "base/tz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZIF_MAX ((size_t)256 * 1024)

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) {
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* ---- POSIX TZ rules ---------------------------------------------------------------------- */

static const char *parse_name(const char *p) {
    if (*p == '<') {
        const char *q = strchr(p, '>');
        return q && q > p + 1 ? q + 1 : NULL;
    }
    const char *q = p;
    while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'))
        q++;
    return q - p >= 3 ? q : NULL;
}

static const char *parse_num(const char *p, int max, int *out) {
    int v = 0, n = 0;
    while (*p >= '0' && *p <= '9' && n < 4) {
        v = v * 10 + (*p++ - '0');
        n++;
    }
    if (!n || v > max)
        return NULL;
    *out = v;
    return p;
}

/* [+-]hh[:mm[:ss]] as seconds (positive: the sign as written). */
static const char *parse_hms(const char *p, int maxh, int32_t *out) {
    int sign = 1, h = 0, m = 0, s = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (!(p = parse_num(p, maxh, &h)))
        return NULL;
    if (*p == ':' && !(p = parse_num(p + 1, 59, &m)))
        return NULL;
    if (p && *p == ':' && !(p = parse_num(p + 1, 59, &s)))
        return NULL;
    *out = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *parse_rule_date(const char *p, struct rk_tz_rule_date *r) {
    memset(r, 0, sizeof *r);
    r->secs = 7200; /* 02:00 unless given */
    if (*p == 'M') {
        r->kind = 'M';
        if (!(p = parse_num(p + 1, 12, &r->m)) || r->m < 1 || *p != '.' ||
            !(p = parse_num(p + 1, 5, &r->w)) || r->w < 1 || *p != '.' ||
            !(p = parse_num(p + 1, 6, &r->d)))
            return NULL;
    } else if (*p == 'J') {
        r->kind = 'J';
        if (!(p = parse_num(p + 1, 365, &r->n)) || r->n < 1)
            return NULL;
    } else {
        r->kind = 'D';
        if (!(p = parse_num(p, 365, &r->n)))
            return NULL;
    }
    if (*p == '/' && !(p = parse_hms(p + 1, 167, &r->secs)))
        return NULL;
    return p;
}

rk_err rk_tz_from_posix(const char *rule, struct rk_tz *out) {
    struct rk_tz z;
    memset(&z, 0, sizeof z);
    int32_t v = 0;
    const char *p = parse_name(rule);
    if (!p || !(p = parse_hms(p, 24, &v)))
        return RK_EPARSE;
    z.std_off = -v; /* POSIX counts west of Greenwich as positive */
    z.has_rule = true;
    if (*p) {
        if (!(p = parse_name(p)))
            return RK_EPARSE;
        z.has_dst = true;
        z.dst_off = z.std_off + 3600;
        if (*p && *p != ',') {
            if (!(p = parse_hms(p, 24, &v)))
                return RK_EPARSE;
            z.dst_off = -v;
        }
        if (*p != ',' || !(p = parse_rule_date(p + 1, &z.start)) || *p != ',' ||
            !(p = parse_rule_date(p + 1, &z.end)))
            return RK_EPARSE;
    }
    if (*p)
        return RK_EPARSE;
    snprintf(z.name, sizeof z.name, "%s", rule);
    z.before = z.std_off;
    *out = z;
    return RK_OK;
}

/* The UTC instant of a rule date in year y, its time of day counted at local offset off. */
static rk_ts rule_instant(const struct rk_tz_rule_date *r, int y, int32_t off) {
    struct rk_date d = {y, 1, 1};
    if (r->kind == 'M') {
        struct rk_date first = {y, r->m, 1};
        /* Weekday of the first: 1970-01-01 was a Thursday (4). */
        int64_t days = rk_date_ts(first) / 86400;
        int wd = (int)(((days + 4) % 7 + 7) % 7);
        int day = 1 + (r->d - wd + 7) % 7 + (r->w - 1) * 7;
        int last = rk_days_in_month(y, r->m);
        while (day > last)
            day -= 7;
        d = (struct rk_date){y, r->m, day};
    } else if (r->kind == 'J') {
        int n = r->n; /* 1..365, 29 February never counted */
        bool leap = rk_days_in_month(y, 2) == 29;
        d = rk_date_add_days(d, n - 1 + (leap && n >= 60));
    } else {
        d = rk_date_add_days(d, r->n);
    }
    return rk_date_ts(d) + r->secs - off;
}

static int32_t rule_offset(const struct rk_tz *z, rk_ts t) {
    if (!z->has_dst)
        return z->std_off;
    int y = rk_ts_date(t + z->std_off).y;
    rk_ts start = rule_instant(&z->start, y, z->std_off);
    rk_ts end = rule_instant(&z->end, y, z->dst_off);
    bool dst = start < end ? t >= start && t < end : !(t >= end && t < start);
    return dst ? z->dst_off : z->std_off;
}

int32_t rk_tz_offset(const struct rk_tz *z, rk_ts t) {
    if (z->ntrans == 0 || t < z->trans[0])
        return z->ntrans == 0 && z->has_rule ? rule_offset(z, t) : z->before;
    if (t >= z->trans[z->ntrans - 1] && z->has_rule)
        return rule_offset(z, t);
    int lo = 0, hi = z->ntrans - 1; /* the last transition at or before t */
    while (lo < hi) {
        int mid = (lo + hi + 1) / 2;
        if (z->trans[mid] <= t)
            lo = mid;
        else
            hi = mid - 1;
    }
    return z->off[lo];
}

struct rk_date rk_tz_date(const struct rk_tz *z, rk_ts t) {
    return rk_ts_date(t + rk_tz_offset(z, t));
}

/* ---- TZif -------------------------------------------------------------------------------- */

static bool name_ok(const char *name) {
    size_t n = strlen(name);
    if (n == 0 || n >= 64 || name[0] == '/' || strstr(name, ".."))
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = name[i];
        if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
              ch == '/' || ch == '_' || ch == '-' || ch == '+'))
            return false;
    }
    return true;
}

/* Parses a TZif image into z (name already set). */
static rk_err parse_tzif(const unsigned char *p, size_t n, struct rk_tz *z) {
    if (n < 44 || memcmp(p, "TZif", 4) != 0)
        return RK_EPARSE;
    uint32_t c[6]; /* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
    for (size_t i = 0; i < 6; i++)
        c[i] = be32(p + 20 + 4 * i);
    if (p[4] < '2')
        return RK_EPARSE; /* version 1 files (32-bit times only) are not read */
    size_t v1 = (size_t)c[3] * 5 + (size_t)c[4] * 6 + c[5] + (size_t)c[2] * 8 + c[1] + c[0];
    if (44 + v1 + 44 > n)
        return RK_EPARSE;
    const unsigned char *h = p + 44 + v1;
    if (memcmp(h, "TZif", 4) != 0)
        return RK_EPARSE;
    for (size_t i = 0; i < 6; i++)
        c[i] = be32(h + 20 + 4 * i);
    size_t timecnt = c[3], typecnt = c[4];
    size_t need = timecnt * 9 + typecnt * 6 + c[5] + (size_t)c[2] * 12 + c[1] + c[0];
    if (typecnt == 0 || (size_t)(h + 44 - p) + need > n || c[3] > 100000)
        return RK_EPARSE;
    const unsigned char *times = h + 44, *idx = times + timecnt * 8, *types = idx + timecnt;
    size_t skip = timecnt > RK_TZ_MAX_TRANS ? timecnt - RK_TZ_MAX_TRANS : 0; /* keep the newest */
    z->ntrans = 0;
    for (size_t i = skip; i < timecnt; i++) {
        if (idx[i] >= typecnt)
            return RK_EPARSE;
        z->trans[z->ntrans] = be64(times + 8 * i);
        z->off[z->ntrans++] = (int32_t)be32(types + (size_t)6 * idx[i]);
    }
    z->before = (int32_t)be32(types); /* type 0 (RFC 8536 3.2) */
    if (skip)
        z->before = z->off[0];
    const unsigned char *foot = h + 44 + need, *end = p + n;
    if (foot < end && *foot == '\n') {
        const unsigned char *nl = memchr(foot + 1, '\n', (size_t)(end - foot - 1));
        if (nl && nl > foot + 1 && nl - foot < 128) {
            char rule[128];
            memcpy(rule, foot + 1, (size_t)(nl - foot - 1));
            rule[nl - foot - 1] = '\0';
            struct rk_tz r;
            if (rk_tz_from_posix(rule, &r) == RK_OK) {
                z->has_rule = true;
                z->has_dst = r.has_dst;
                z->std_off = r.std_off;
                z->dst_off = r.dst_off;
                z->start = r.start;
                z->end = r.end;
            }
        }
    }
    return RK_OK;
}

rk_err rk_tz_load(const char *name, struct rk_tz *out) {
    if (!name || !name_ok(name))
        return RK_EINVAL;
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return RK_ENOENT;
    rk_err err = RK_ENOMEM;
    unsigned char *buf = malloc(TZIF_MAX);
    struct rk_tz *z = calloc(1, sizeof *z);
    if (!buf || !z)
        goto out;
    size_t n = fread(buf, 1, TZIF_MAX, f);
    snprintf(z->name, sizeof z->name, "%s", name);
    err = n == TZIF_MAX ? RK_EPARSE : parse_tzif(buf, n, z);
    if (err == RK_OK)
        *out = *z;
out:
    fclose(f);
    free(buf);
    free(z);
    return err;
}
