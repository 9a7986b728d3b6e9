/*
 * test_time.c — instants and calendar dates (base/time.c): the strict ISO
 * 8601 forms, leap years, day arithmetic checked against a walk through the
 * calendar, and month arithmetic with the end-of-month rule of Regulation
 * 1182/71. REKISTERI_NOW is moved with setenv, as the other tests do.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/time.h"

#define D(y, m, d) ((struct rk_date){y, m, d})
/* The same as an initialiser, for static tables. */
#define DI(y, m, d)                                                                                \
    { y, m, d }

static void assert_date(struct rk_date got, struct rk_date want) {
    if (rk_date_cmp(got, want) != 0)
        print_error("got %04d-%02d-%02d, want %04d-%02d-%02d\n", got.y, got.m, got.d, want.y,
                    want.m, want.d);
    assert_int_equal(rk_date_cmp(got, want), 0);
}

/* ---- Instants ---------------------------------------------------------- */

static const struct {
    rk_ts t;
    const char *iso;
} known[] = {
    {0, "1970-01-01T00:00:00Z"},
    {-1, "1969-12-31T23:59:59Z"},
    {951782400, "2000-02-29T00:00:00Z"},
    {1709208000, "2024-02-29T12:00:00Z"},
    {1795627925, "2026-11-25T17:32:05Z"},
    {2147483648, "2038-01-19T03:14:08Z"},
    {-2203891200, "1900-03-01T00:00:00Z"},
    {-62135596800, "0001-01-01T00:00:00Z"},
    {253402300799, "9999-12-31T23:59:59Z"},
};

static void ts_format_known(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        char out[RK_TS_LEN + 1];
        rk_ts_format(known[i].t, out);
        assert_string_equal(out, known[i].iso);
        rk_ts t = 42;
        assert_true(rk_ts_parse(known[i].iso, &t));
        assert_int_equal(t, known[i].t);
    }
}

static void ts_format_clamps(void **state) {
    (void)state;
    char out[RK_TS_LEN + 1];
    rk_ts_format(INT64_MAX, out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
    rk_ts_format(INT64_MIN, out);
    assert_string_equal(out, "0001-01-01T00:00:00Z");
    rk_ts_format(253402300800, out);
    assert_string_equal(out, "9999-12-31T23:59:59Z");
}

static void ts_round_trip(void **state) {
    (void)state;
    /* A stride that is not a multiple of a day, minute or year, over the whole range. */
    const rk_ts lo = -62135596800, hi = 253402300799, step = 7777777 + 13;
    size_t n = 0;
    for (rk_ts t = lo; t <= hi; t += step, n++) {
        char out[RK_TS_LEN + 1];
        rk_ts back;
        rk_ts_format(t, out);
        assert_int_equal(strlen(out), RK_TS_LEN);
        assert_true(rk_ts_parse(out, &back));
        assert_int_equal(back, t);
    }
    assert_true(n > 40000);
}

static void ts_parse_table(void **state) {
    (void)state;
    static const struct {
        const char *s;
        bool ok;
        rk_ts want;
    } cases[] = {
        {"2026-11-25T17:32:05Z", true, 1795627925},
        {"2026-11-25", true, 1795627925 - (17 * 3600 + 32 * 60 + 5)},
        {"1970-01-01", true, 0},
        {"2024-02-29T12:00:00Z", true, 1709208000},
        {"2026-11-25T23:59:59Z", true, 1795651199},
        {"2026-02-30", false, 0},
        {"2026-02-29", false, 0},
        {"2026-13-01", false, 0},
        {"2026-00-10", false, 0},
        {"2026-11-00", false, 0},
        {"2026-11-31", false, 0},
        {"0000-01-01", false, 0},
        {"2026-11-25T25:00:00Z", false, 0},
        {"2026-11-25T24:00:00Z", false, 0},
        {"2026-11-25T17:60:00Z", false, 0},
        {"2026-11-25T17:32:60Z", false, 0},
        {"2026-11-25T17:32:05Zx", false, 0},
        {"2026-11-25T17:32:05Z ", false, 0},
        {"2026-11-25x", false, 0},
        {"2026-11-25T17:32:05", false, 0},
        {"2026-11-25 17:32:05Z", false, 0},
        {"2026-11-25t17:32:05z", false, 0},
        {"2026-11-25T17:32:05+02:00", false, 0},
        {"2026-11-25T17:32:05.123Z", false, 0},
        {"2026-11-25T17:32Z", false, 0},
        {"2026-11-25T", false, 0},
        {"2026-1-05", false, 0},
        {"2026-01-5", false, 0},
        {"+2026-11-25", false, 0},
        {" 2026-11-25", false, 0},
        {"2026-11-25\n", false, 0},
        {"20261125", false, 0},
        {"2026/11/25", false, 0},
        {"2026-11-2a", false, 0},
        {"-026-11-25", false, 0},
        {"", false, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rk_ts t = 4242;
        bool ok = rk_ts_parse(cases[i].s, &t);
        if (ok != cases[i].ok)
            print_error("row %zu (%s): %s\n", i, cases[i].s, ok ? "accepted" : "refused");
        assert_int_equal(ok, cases[i].ok);
        assert_int_equal(t, ok ? cases[i].want : 4242);
    }
    rk_ts t;
    assert_false(rk_ts_parse(NULL, &t));
}

static void ts_date_and_back(void **state) {
    (void)state;
    assert_date(rk_ts_date(0), D(1970, 1, 1));
    assert_date(rk_ts_date(-1), D(1969, 12, 31));
    assert_date(rk_ts_date(-86400), D(1969, 12, 31));
    assert_date(rk_ts_date(-86401), D(1969, 12, 30));
    assert_date(rk_ts_date(1795627925), D(2026, 11, 25));
    assert_int_equal(rk_date_ts(D(2026, 11, 25)), 1795627925 - (17 * 3600 + 32 * 60 + 5));
    assert_int_equal(rk_date_ts(D(1969, 12, 31)), -86400);
}

static void now_override(void **state) {
    (void)state;
    rk_ts t;
    assert_int_equal(setenv("REKISTERI_NOW", "2026-11-25T17:32:05Z", 1), 0);
    assert_int_equal(rk_time_now(), 1795627925);
    assert_int_equal(setenv("REKISTERI_NOW", "2026-11-25", 1), 0);
    assert_true(rk_ts_parse("2026-11-25", &t));
    assert_int_equal(rk_time_now(), t);
    /* Unparsable or empty: the real clock. */
    static const char *const bad[] = {"garbage", "2026-02-30", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(setenv("REKISTERI_NOW", bad[i], 1), 0);
        rk_ts before = (rk_ts)time(NULL);
        rk_ts now = rk_time_now();
        rk_ts after = (rk_ts)time(NULL);
        assert_true(now >= before && now <= after);
    }
    assert_int_equal(unsetenv("REKISTERI_NOW"), 0);
    rk_ts before = (rk_ts)time(NULL);
    rk_ts now = rk_time_now();
    assert_true(now >= before && now <= (rk_ts)time(NULL));
}

/* ---- Calendar dates ---------------------------------------------------- */

static void date_validity(void **state) {
    (void)state;
    static const struct {
        struct rk_date d;
        bool ok;
    } cases[] = {
        {DI(2024, 2, 29), true},  {DI(2023, 2, 29), false}, {DI(2000, 2, 29), true},
        {DI(1900, 2, 29), false}, {DI(2100, 2, 29), false}, {DI(2400, 2, 29), true},
        {DI(2023, 2, 28), true},  {DI(2026, 4, 30), true},  {DI(2026, 4, 31), false},
        {DI(2026, 12, 31), true}, {DI(2026, 13, 1), false}, {DI(2026, 0, 1), false},
        {DI(2026, 1, 0), false},  {DI(2026, 1, -1), false}, {DI(0, 0, 0), false},
        {DI(0, 1, 1), false},     {DI(1, 1, 1), true},      {DI(9999, 12, 31), true},
        {DI(10000, 1, 1), false}, {DI(-1, 1, 1), false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (rk_date_valid(cases[i].d) != cases[i].ok)
            print_error("row %zu\n", i);
        assert_int_equal(rk_date_valid(cases[i].d), cases[i].ok);
    }
}

static void days_in_month(void **state) {
    (void)state;
    static const int common[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int m = 1; m <= 12; m++) {
        assert_int_equal(rk_days_in_month(2023, m), common[m - 1]);
        assert_int_equal(rk_days_in_month(2024, m), m == 2 ? 29 : common[m - 1]);
    }
    assert_int_equal(rk_days_in_month(1900, 2), 28);
    assert_int_equal(rk_days_in_month(2000, 2), 29);
    assert_int_equal(rk_days_in_month(2026, 0), 0);
    assert_int_equal(rk_days_in_month(2026, 13), 0);
}

static void date_parse_and_iso(void **state) {
    (void)state;
    struct rk_date d = D(1, 2, 3);
    assert_true(rk_date_parse("2024-02-29", &d));
    assert_date(d, D(2024, 2, 29));
    char out[11];
    rk_date_iso(d, out);
    assert_string_equal(out, "2024-02-29");
    rk_date_iso(D(5, 1, 9), out);
    assert_string_equal(out, "0005-01-09");
    static const char *const bad[] = {
        "2023-02-29", "2026-13-01",  "2026-02-30", "2026-11-25T00:00:00Z",
        "2026-11-2",  "2026-11-255", "",           "0000-01-01"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        d = D(1, 2, 3);
        assert_false(rk_date_parse(bad[i], &d));
        assert_date(d, D(1, 2, 3));
    }
    assert_false(rk_date_parse(NULL, &d));
}

static void date_compare(void **state) {
    (void)state;
    assert_int_equal(rk_date_cmp(D(2024, 2, 29), D(2024, 2, 29)), 0);
    assert_int_equal(rk_date_cmp(D(2024, 2, 29), D(2024, 3, 1)), -1);
    assert_int_equal(rk_date_cmp(D(2024, 3, 1), D(2024, 2, 29)), 1);
    assert_int_equal(rk_date_cmp(D(2023, 12, 31), D(2024, 1, 1)), -1);
    assert_int_equal(rk_date_cmp(D(2024, 1, 2), D(2024, 1, 1)), 1);
}

/* Walks day by day from 1600-01-01 to 2500-12-31 and checks add_days and ts against the walk. */
static void days_against_calendar_walk(void **state) {
    (void)state;
    struct rk_date d = D(1600, 1, 1);
    rk_ts t = rk_date_ts(d);
    assert_int_equal(t, -11676096000);
    while (d.y <= 2500) {
        struct rk_date next = d;
        if (++next.d > rk_days_in_month(next.y, next.m)) {
            next.d = 1;
            if (++next.m > 12)
                next.m = 1, next.y++;
        }
        assert_true(rk_date_valid(d));
        assert_date(rk_date_add_days(d, 1), next);
        assert_date(rk_date_add_days(next, -1), d);
        assert_date(rk_ts_date(t), d);
        assert_date(rk_ts_date(t + 86399), d);
        assert_int_equal(rk_date_ts(d), t);
        d = next;
        t += 86400;
    }
}

static void add_days(void **state) {
    (void)state;
    static const struct {
        struct rk_date from;
        int days;
        struct rk_date want;
    } cases[] = {
        {DI(2024, 2, 28), 1, DI(2024, 2, 29)},   {DI(2024, 2, 28), 2, DI(2024, 3, 1)},
        {DI(2023, 2, 28), 1, DI(2023, 3, 1)},    {DI(2023, 12, 31), 1, DI(2024, 1, 1)},
        {DI(2024, 3, 1), -1, DI(2024, 2, 29)},   {DI(2024, 1, 1), 366, DI(2025, 1, 1)},
        {DI(2025, 1, 1), 365, DI(2026, 1, 1)},   {DI(2026, 11, 25), 30, DI(2026, 12, 25)},
        {DI(2026, 11, 25), 0, DI(2026, 11, 25)}, {DI(2000, 1, 1), 146097, DI(2400, 1, 1)},
        {DI(1970, 1, 1), -719162, DI(1, 1, 1)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_date(rk_date_add_days(cases[i].from, cases[i].days), cases[i].want);
}

static void add_months(void **state) {
    (void)state;
    static const struct {
        struct rk_date from;
        int months;
        struct rk_date want;
    } cases[] = {
        /* 2024 is a leap year: the period ends on the last day of February. */
        {DI(2024, 1, 31), 1, DI(2024, 2, 29)},    {DI(2023, 1, 31), 1, DI(2023, 2, 28)},
        {DI(2024, 3, 31), -1, DI(2024, 2, 29)},   {DI(2023, 3, 31), -1, DI(2023, 2, 28)},
        {DI(2024, 3, 15), 1, DI(2024, 4, 15)},    {DI(2026, 3, 15), 1, DI(2026, 4, 15)},
        {DI(2024, 12, 15), 1, DI(2025, 1, 15)},   {DI(2025, 1, 15), -1, DI(2024, 12, 15)},
        {DI(2024, 5, 31), 1, DI(2024, 6, 30)},    {DI(2024, 8, 31), 6, DI(2025, 2, 28)},
        {DI(2024, 1, 31), 12, DI(2025, 1, 31)},   {DI(2024, 1, 31), -2, DI(2023, 11, 30)},
        {DI(2024, 1, 15), -13, DI(2022, 12, 15)}, {DI(2024, 2, 29), 24, DI(2026, 2, 28)},
        {DI(2024, 2, 29), 48, DI(2028, 2, 29)},   {DI(2024, 2, 29), 12, DI(2025, 2, 28)},
        {DI(2024, 1, 10), 24, DI(2026, 1, 10)},   {DI(2000, 1, 31), 1, DI(2000, 2, 29)},
        {DI(1900, 1, 31), 1, DI(1900, 2, 28)},    {DI(2026, 11, 25), 0, DI(2026, 11, 25)},
        {DI(2026, 1, 1), -12, DI(2025, 1, 1)},    {DI(2026, 1, 1), -1, DI(2025, 12, 1)},
        {DI(2026, 12, 1), 1, DI(2027, 1, 1)},     {DI(2026, 6, 30), 1200, DI(2126, 6, 30)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rk_date got = rk_date_add_months(cases[i].from, cases[i].months);
        if (rk_date_cmp(got, cases[i].want) != 0)
            print_error("row %zu\n", i);
        assert_date(got, cases[i].want);
    }
}

static void add_duration(void **state) {
    (void)state;
    static const struct {
        struct rk_date from;
        struct rk_duration p;
        struct rk_date want;
    } cases[] = {
        {DI(2024, 2, 29), {2, 'y'}, DI(2026, 2, 28)},
        {DI(2024, 2, 29), {4, 'y'}, DI(2028, 2, 29)},
        {DI(2024, 2, 29), {1, 'y'}, DI(2025, 2, 28)},
        {DI(2026, 11, 25), {6, 'm'}, DI(2027, 5, 25)},
        {DI(2026, 8, 31), {6, 'm'}, DI(2027, 2, 28)},
        {DI(2026, 11, 25), {30, 'd'}, DI(2026, 12, 25)},
        {DI(2024, 2, 1), {29, 'd'}, DI(2024, 3, 1)},
        {DI(2026, 11, 25), {0, '\0'}, DI(2026, 11, 25)}, /* not given */
        {DI(2026, 11, 25), {-1, 'y'}, DI(2025, 11, 25)},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_date(rk_date_add(cases[i].from, cases[i].p), cases[i].want);
}

static void ts_add(void **state) {
    (void)state;
    static const struct {
        const char *from;
        struct rk_duration p;
        const char *want;
    } cases[] = {
        {"2024-01-31T13:45:10Z", {1, 'm'}, "2024-02-29T13:45:10Z"},
        {"2024-02-29T23:59:59Z", {2, 'y'}, "2026-02-28T23:59:59Z"},
        {"2026-11-25T17:32:05Z", {30, 'd'}, "2026-12-25T17:32:05Z"},
        {"2026-11-25T00:00:00Z", {1, 'd'}, "2026-11-26T00:00:00Z"},
        {"1969-12-31T23:59:59Z", {1, 'd'}, "1970-01-01T23:59:59Z"},
        {"2026-11-25T17:32:05Z", {0, '\0'}, "2026-11-25T17:32:05Z"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        rk_ts t;
        char out[RK_TS_LEN + 1];
        assert_true(rk_ts_parse(cases[i].from, &t));
        rk_ts_format(rk_ts_add(t, cases[i].p), out);
        assert_string_equal(out, cases[i].want);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ts_format_known),
        cmocka_unit_test(ts_format_clamps),
        cmocka_unit_test(ts_round_trip),
        cmocka_unit_test(ts_parse_table),
        cmocka_unit_test(ts_date_and_back),
        cmocka_unit_test(now_override),
        cmocka_unit_test(date_validity),
        cmocka_unit_test(days_in_month),
        cmocka_unit_test(date_parse_and_iso),
        cmocka_unit_test(date_compare),
        cmocka_unit_test(days_against_calendar_walk),
        cmocka_unit_test(add_days),
        cmocka_unit_test(add_months),
        cmocka_unit_test(add_duration),
        cmocka_unit_test(ts_add),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
