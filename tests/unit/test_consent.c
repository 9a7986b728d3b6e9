/*
 * test_consent.c — the consent state machine (core/consent.c). Every cell of
 * the transition table is a row of cells[] below: the state before (with its
 * renewal flag and expiry), the event (with its pending flag), and what must
 * come out — status, since, expires_at and renewal_pending on success, or
 * RK_EREFUSED with the state left byte-for-byte unchanged. Then expiry as
 * rk_consent_effective sees it, consents that never expire, and folds of
 * realistic ledgers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/consent.h"
#include "testutil.h"

#define NSTATES 5

static const struct rk_duration TWO_YEARS = {2, 'y'};
static const struct rk_duration NO_EXPIRY = {0, 0};

static rk_ts ts(const char *iso) {
    rk_ts t = 0;
    if (!rk_ts_parse(iso, &t))
        fail_msg("bad instant in the test: %s", iso);
    return t;
}

/* The instant every event of the table happens at, and when the state before began. */
#define AT     "2026-03-10T09:15:00Z"
#define BEFORE "2024-06-01T14:00:00Z"

/* The expiry of the state before an event. */
enum expiry {
    EXP_NONE,   /* expires_at 0 */
    EXP_FUTURE, /* still valid at AT */
    EXP_NOW,    /* expires exactly at AT */
    EXP_PAST,   /* ran out before AT */
};

/* What since and expires_at must be after an allowed event. */
enum times {
    KEEP,    /* as before */
    LIVE_AT, /* since = AT, expires_at = AT + validity */
    PEND_AT, /* since = AT, expires_at = 0 */
};

/* One cell of the table; the flags are ints (0/1) so that rows pack without padding. */
struct cell {
    enum rk_consent_status from;
    int renewal; /* renewal_pending before */
    enum expiry exp;
    enum rk_consent_kind kind;
    int pending;
    rk_err rc;
    enum rk_consent_status to;
    enum times times;
    int renewal_after;
};

/* Short names for the table only. */
#define NONE    RK_CONSENT_NONE
#define PENDING RK_CONSENT_PENDING
#define LIVE    RK_CONSENT_LIVE
#define WDRAWN  RK_CONSENT_WITHDRAWN
#define EXPIRED RK_CONSENT_EXPIRED
#define E_GIV   RK_CE_GIVEN
#define E_CONF  RK_CE_CONFIRMED
#define E_WDR   RK_CE_WITHDRAWN
#define E_EXP   RK_CE_EXPIRED
#define REFUSED RK_EREFUSED, NONE, KEEP, 0

/* clang-format off */
static const struct cell cells[] = {
    /* before: state, renewal, expiry    event, pending   result: rc, state, times, renewal */
    {NONE,    0, EXP_NONE,   E_GIV,  0, RK_OK, LIVE,    LIVE_AT, 0},
    {NONE,    0, EXP_NONE,   E_GIV,  1, RK_OK, PENDING, PEND_AT, 0},
    {NONE,    0, EXP_NONE,   E_CONF, 0, REFUSED},
    {NONE,    0, EXP_NONE,   E_WDR,  0, REFUSED},
    {NONE,    0, EXP_NONE,   E_EXP,  0, REFUSED},

    {PENDING, 0, EXP_NONE,   E_GIV,  0, RK_OK, LIVE,    LIVE_AT, 0},
    {PENDING, 0, EXP_NONE,   E_GIV,  1, RK_OK, PENDING, PEND_AT, 0}, /* pending again */
    {PENDING, 0, EXP_NONE,   E_CONF, 0, RK_OK, LIVE,    LIVE_AT, 0},
    {PENDING, 0, EXP_NONE,   E_WDR,  0, RK_OK, WDRAWN,  KEEP,    0},
    {PENDING, 0, EXP_NONE,   E_EXP,  0, RK_OK, EXPIRED, KEEP,    0},

    /* LIVE, no renewal pending, still valid at the event */
    {LIVE,    0, EXP_FUTURE, E_GIV,  0, RK_OK, LIVE,    LIVE_AT, 0}, /* renew */
    {LIVE,    0, EXP_FUTURE, E_GIV,  1, RK_OK, LIVE,    KEEP,    1}, /* renewal pending */
    {LIVE,    0, EXP_FUTURE, E_CONF, 0, REFUSED},                    /* † */
    {LIVE,    0, EXP_FUTURE, E_WDR,  0, RK_OK, WDRAWN,  KEEP,    0},
    {LIVE,    0, EXP_FUTURE, E_EXP,  0, REFUSED},                    /* ‡ still valid */
    /* LIVE with a renewal pending, still valid */
    {LIVE,    1, EXP_FUTURE, E_GIV,  0, RK_OK, LIVE,    LIVE_AT, 0},
    {LIVE,    1, EXP_FUTURE, E_GIV,  1, RK_OK, LIVE,    KEEP,    1},
    {LIVE,    1, EXP_FUTURE, E_CONF, 0, RK_OK, LIVE,    LIVE_AT, 0}, /* † */
    {LIVE,    1, EXP_FUTURE, E_WDR,  0, RK_OK, WDRAWN,  KEEP,    0},
    {LIVE,    1, EXP_FUTURE, E_EXP,  0, REFUSED},
    /* LIVE whose validity ran out before the event (stored LIVE, effectively EXPIRED) */
    {LIVE,    0, EXP_PAST,   E_GIV,  0, RK_OK, LIVE,    LIVE_AT, 0},
    {LIVE,    0, EXP_PAST,   E_GIV,  1, RK_OK, LIVE,    KEEP,    1},
    {LIVE,    0, EXP_PAST,   E_CONF, 0, REFUSED},
    {LIVE,    0, EXP_PAST,   E_WDR,  0, RK_OK, WDRAWN,  KEEP,    0},
    {LIVE,    0, EXP_PAST,   E_EXP,  0, RK_OK, EXPIRED, KEEP,    0}, /* ‡ */
    {LIVE,    1, EXP_PAST,   E_CONF, 0, RK_OK, LIVE,    LIVE_AT, 0},
    {LIVE,    1, EXP_PAST,   E_EXP,  0, RK_OK, EXPIRED, KEEP,    0},
    /* LIVE expiring exactly at the event: at >= expires_at */
    {LIVE,    0, EXP_NOW,    E_EXP,  0, RK_OK, EXPIRED, KEEP,    0},
    /* LIVE that never expires */
    {LIVE,    0, EXP_NONE,   E_GIV,  0, RK_OK, LIVE,    LIVE_AT, 0},
    {LIVE,    0, EXP_NONE,   E_CONF, 0, REFUSED},
    {LIVE,    0, EXP_NONE,   E_WDR,  0, RK_OK, WDRAWN,  KEEP,    0},
    {LIVE,    0, EXP_NONE,   E_EXP,  0, REFUSED},

    {WDRAWN,  0, EXP_FUTURE, E_GIV,  0, RK_OK, LIVE,    LIVE_AT, 0},
    {WDRAWN,  0, EXP_FUTURE, E_GIV,  1, RK_OK, PENDING, PEND_AT, 0},
    {WDRAWN,  0, EXP_FUTURE, E_CONF, 0, REFUSED},
    {WDRAWN,  0, EXP_FUTURE, E_WDR,  0, REFUSED},
    {WDRAWN,  0, EXP_PAST,   E_EXP,  0, REFUSED},

    {EXPIRED, 0, EXP_PAST,   E_GIV,  0, RK_OK, LIVE,    LIVE_AT, 0},
    {EXPIRED, 0, EXP_PAST,   E_GIV,  1, RK_OK, PENDING, PEND_AT, 0},
    {EXPIRED, 0, EXP_PAST,   E_CONF, 0, REFUSED},
    {EXPIRED, 0, EXP_PAST,   E_WDR,  0, REFUSED},
    {EXPIRED, 0, EXP_PAST,   E_EXP,  0, REFUSED},
};
/* clang-format on */

#undef NONE
#undef PENDING
#undef LIVE
#undef WDRAWN
#undef EXPIRED
#undef E_GIV
#undef E_CONF
#undef E_WDR
#undef E_EXP
#undef REFUSED

/* "live/renewal/past + given(pending)": the row, for failure messages. */
static const char *describe(const struct cell *c) {
    static const char *const exp[] = {"/no-expiry", "/valid", "/ends-now", "/past"};
    static char buf[96];
    snprintf(buf, sizeof buf, "%s%s%s + %s%s", rk_consent_status_name(c->from),
             c->renewal ? "/renewal" : "", c->from == RK_CONSENT_LIVE ? exp[c->exp] : "",
             rk_consent_kind_name(c->kind), c->pending ? "(pending)" : "");
    return buf;
}

/* The state before an event of the table (padding zeroed, so memcmp compares it). */
static void state_before(const struct cell *c, struct rk_consent_state *st) {
    memset(st, 0, sizeof *st);
    st->status = c->from;
    st->renewal_pending = c->renewal;
    st->last_seq = c->from == RK_CONSENT_NONE ? 0 : 41;
    if (c->from == RK_CONSENT_NONE)
        return;
    st->since = ts(BEFORE);
    switch (c->exp) {
    case EXP_NONE: st->expires_at = 0; break;
    case EXP_FUTURE: st->expires_at = rk_ts_add(ts(BEFORE), TWO_YEARS); break;
    case EXP_NOW: st->expires_at = ts(AT); break;
    case EXP_PAST: st->expires_at = ts(AT) - 86400; break;
    }
    if (c->from == RK_CONSENT_PENDING)
        st->expires_at = 0;
}

/* The object representation of a state, to check that a refusal changes no byte of it. */
struct snapshot {
    unsigned char b[sizeof(struct rk_consent_state)];
};

static struct snapshot snap(const struct rk_consent_state *st) {
    struct snapshot s;
    memcpy(s.b, st, sizeof s.b);
    return s;
}

static bool unchanged(const struct rk_consent_state *st, const struct snapshot *before) {
    struct snapshot now = snap(st);
    return memcmp(now.b, before->b, sizeof now.b) == 0;
}

static bool same_state(const struct rk_consent_state *a, const struct rk_consent_state *b) {
    return a->status == b->status && a->since == b->since && a->expires_at == b->expires_at &&
           a->renewal_pending == b->renewal_pending && a->last_seq == b->last_seq;
}

static void transition_table(void **state) {
    (void)state;
    const rk_ts at = ts(AT);
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        const struct cell *c = &cells[i];
        struct rk_consent_state st, before;
        state_before(c, &st);
        state_before(c, &before);
        const struct snapshot bytes = snap(&st);
        rk_err rc = rk_consent_apply(&st, c->kind, c->pending, at, TWO_YEARS);
        if (rc != c->rc)
            fail_msg("%s: returned %s, want %s", describe(c), rk_err_name(rc), rk_err_name(c->rc));
        if (rc != RK_OK) {
            if (!unchanged(&st, &bytes))
                fail_msg("%s: a refused event changed the state", describe(c));
            continue;
        }
        if (st.status != c->to)
            fail_msg("%s: status %s, want %s", describe(c), rk_consent_status_name(st.status),
                     rk_consent_status_name(c->to));
        rk_ts since = before.since, expires = before.expires_at;
        if (c->times == LIVE_AT) {
            since = at;
            expires = rk_ts_add(at, TWO_YEARS);
        } else if (c->times == PEND_AT) {
            since = at;
            expires = 0;
        }
        if (st.since != since || st.expires_at != expires)
            fail_msg("%s: since %lld expires_at %lld, want %lld and %lld", describe(c),
                     (long long)st.since, (long long)st.expires_at, (long long)since,
                     (long long)expires);
        if (st.renewal_pending != c->renewal_after)
            fail_msg("%s: renewal_pending %d, want %d", describe(c), st.renewal_pending,
                     c->renewal_after);
        /* The sequence number is the caller's to set, from the ledger. */
        if (st.last_seq != before.last_seq)
            fail_msg("%s: last_seq changed", describe(c));
    }
}

/* Every state of the table appears with every event. */
static void table_is_complete(void **state) {
    (void)state;
    bool seen[NSTATES][RK_CE_EXPIRED + 1][2] = {{{false}}};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++)
        seen[cells[i].from][cells[i].kind][cells[i].pending != 0] = true;
    for (int s = 0; s < NSTATES; s++) {
        for (int k = 0; k <= RK_CE_EXPIRED; k++) {
            if (!seen[s][k][0])
                fail_msg("no row for %s + %s", rk_consent_status_name((enum rk_consent_status)s),
                         rk_consent_kind_name((enum rk_consent_kind)k));
        }
        if (!seen[s][RK_CE_GIVEN][1])
            fail_msg("no row for %s + given(pending)",
                     rk_consent_status_name((enum rk_consent_status)s));
    }
}

/* The pending flag means something only on "given": other events ignore it. */
static void pending_flag_ignored_by_other_events(void **state) {
    (void)state;
    const rk_ts at = ts(AT);
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        const struct cell *c = &cells[i];
        if (c->kind == RK_CE_GIVEN)
            continue;
        struct rk_consent_state a, b;
        state_before(c, &a);
        state_before(c, &b);
        rk_err ra = rk_consent_apply(&a, c->kind, false, at, TWO_YEARS);
        rk_err rb = rk_consent_apply(&b, c->kind, true, at, TWO_YEARS);
        if (ra != rb || !same_state(&a, &b))
            fail_msg("%s: the pending flag changed the outcome", describe(c));
    }
}

/* Validity runs by the calendar (Regulation 1182/71), keeping the time of day. */
static void validity_by_calendar(void **state) {
    (void)state;
    struct rk_consent_state st = {RK_CONSENT_NONE, 0, 0, false, 0};
    assert_int_equal(
        rk_consent_apply(&st, RK_CE_GIVEN, false, ts("2024-02-29T10:30:00Z"), TWO_YEARS), RK_OK);
    assert_int_equal(st.since, ts("2024-02-29T10:30:00Z"));
    assert_int_equal(st.expires_at, ts("2026-02-28T10:30:00Z"));
    struct rk_duration six_months = {6, 'm'};
    assert_int_equal(
        rk_consent_apply(&st, RK_CE_GIVEN, false, ts("2025-08-31T23:59:59Z"), six_months), RK_OK);
    assert_int_equal(st.expires_at, ts("2026-02-28T23:59:59Z"));
    struct rk_duration thirty_days = {30, 'd'};
    assert_int_equal(
        rk_consent_apply(&st, RK_CE_GIVEN, false, ts("2026-01-15T08:00:00Z"), thirty_days), RK_OK);
    assert_int_equal(st.expires_at, ts("2026-02-14T08:00:00Z"));
}

static void effective_around_expiry(void **state) {
    (void)state;
    const rk_ts at = ts(AT);
    struct rk_consent_state st = {RK_CONSENT_NONE, 0, 0, false, 0};
    assert_int_equal(rk_consent_apply(&st, RK_CE_GIVEN, false, at, TWO_YEARS), RK_OK);
    const rk_ts end = st.expires_at;
    assert_int_equal(end, ts("2028-03-10T09:15:00Z"));
    assert_int_equal(rk_consent_effective(&st, at), RK_CONSENT_LIVE);
    assert_int_equal(rk_consent_effective(&st, end - 1), RK_CONSENT_LIVE);
    assert_int_equal(rk_consent_effective(&st, end), RK_CONSENT_EXPIRED);
    assert_int_equal(rk_consent_effective(&st, end + 1), RK_CONSENT_EXPIRED);
    assert_int_equal(rk_consent_effective(&st, end + (rk_ts)400 * 86400), RK_CONSENT_EXPIRED);
    /* Asking does not change the stored state. */
    assert_int_equal(st.status, RK_CONSENT_LIVE);

    /* Only a live consent expires by time; other states are what they are. */
    struct rk_consent_state other = st;
    const enum rk_consent_status others[] = {RK_CONSENT_NONE, RK_CONSENT_PENDING,
                                             RK_CONSENT_WITHDRAWN, RK_CONSENT_EXPIRED};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        other.status = others[i];
        assert_int_equal(rk_consent_effective(&other, end - 1), others[i]);
        assert_int_equal(rk_consent_effective(&other, end + 1), others[i]);
    }
}

static void no_validity_never_expires(void **state) {
    (void)state;
    const rk_ts at = ts(AT);
    struct rk_consent_state st = {RK_CONSENT_NONE, 0, 0, false, 0};
    assert_int_equal(rk_consent_apply(&st, RK_CE_GIVEN, false, at, NO_EXPIRY), RK_OK);
    assert_int_equal(st.status, RK_CONSENT_LIVE);
    assert_int_equal(st.since, at);
    assert_int_equal(st.expires_at, 0);
    assert_int_equal(rk_consent_effective(&st, at), RK_CONSENT_LIVE);
    assert_int_equal(rk_consent_effective(&st, ts("2999-12-31T23:59:59Z")), RK_CONSENT_LIVE);

    /* An "expired" event for it is refused at any time. */
    const struct snapshot before = snap(&st);
    assert_int_equal(
        rk_consent_apply(&st, RK_CE_EXPIRED, false, ts("2999-12-31T23:59:59Z"), NO_EXPIRY),
        RK_EREFUSED);
    assert_true(unchanged(&st, &before));

    /* Double opt-in without validity: confirmed live, still without expiry. */
    struct rk_consent_state p = {RK_CONSENT_NONE, 0, 0, false, 0};
    assert_int_equal(rk_consent_apply(&p, RK_CE_GIVEN, true, at, NO_EXPIRY), RK_OK);
    assert_int_equal(rk_consent_apply(&p, RK_CE_CONFIRMED, false, at + 60, NO_EXPIRY), RK_OK);
    assert_int_equal(p.status, RK_CONSENT_LIVE);
    assert_int_equal(p.since, at + 60);
    assert_int_equal(p.expires_at, 0);
}

struct ledger_event {
    enum rk_consent_kind kind;
    bool pending;
    const char *at;
};

static struct rk_consent_state fold(const struct ledger_event *ev, size_t n) {
    struct rk_consent_state st = {RK_CONSENT_NONE, 0, 0, false, 0};
    for (size_t i = 0; i < n; i++) {
        rk_err rc = rk_consent_apply(&st, ev[i].kind, ev[i].pending, ts(ev[i].at), TWO_YEARS);
        if (rc != RK_OK)
            fail_msg("event %zu (%s at %s) refused", i, rk_consent_kind_name(ev[i].kind), ev[i].at);
        st.last_seq = (int64_t)i + 1;
    }
    return st;
}

static void fold_realistic_ledger(void **state) {
    (void)state;
    const struct ledger_event ledger[] = {
        {RK_CE_GIVEN, true, "2024-05-02T10:00:00Z"},      /* web form, double opt-in */
        {RK_CE_CONFIRMED, false, "2024-05-02T10:07:31Z"}, /* clicked the link */
        {RK_CE_WITHDRAWN, false, "2025-01-10T16:45:00Z"}, /* unsubscribe link */
        {RK_CE_GIVEN, false, "2025-09-18T12:00:00Z"},     /* signed up again at a fair */
    };
    struct rk_consent_state st = fold(ledger, 4);
    assert_int_equal(st.status, RK_CONSENT_LIVE);
    assert_int_equal(st.since, ts("2025-09-18T12:00:00Z"));
    assert_int_equal(st.expires_at, ts("2027-09-18T12:00:00Z"));
    assert_false(st.renewal_pending);
    assert_int_equal(st.last_seq, 4);
    assert_int_equal(rk_consent_effective(&st, ts("2026-06-01T00:00:00Z")), RK_CONSENT_LIVE);
    assert_int_equal(rk_consent_effective(&st, ts("2027-09-18T12:00:00Z")), RK_CONSENT_EXPIRED);

    /* Partial folds pass through the expected states. */
    assert_int_equal(fold(ledger, 1).status, RK_CONSENT_PENDING);
    assert_int_equal(fold(ledger, 2).status, RK_CONSENT_LIVE);
    assert_int_equal(fold(ledger, 2).expires_at, ts("2026-05-02T10:07:31Z"));
    assert_int_equal(fold(ledger, 3).status, RK_CONSENT_WITHDRAWN);
}

/* A renewal by double opt-in restarts validity from the confirmation. */
static void fold_renewal(void **state) {
    (void)state;
    const struct ledger_event ledger[] = {
        {RK_CE_GIVEN, false, "2023-04-01T08:00:00Z"},
        {RK_CE_GIVEN, true, "2025-03-01T08:00:00Z"},      /* renewal asked */
        {RK_CE_CONFIRMED, false, "2025-03-03T19:20:00Z"}, /* and confirmed */
    };
    struct rk_consent_state st = fold(ledger, 2);
    assert_int_equal(st.status, RK_CONSENT_LIVE);
    assert_true(st.renewal_pending);
    assert_int_equal(st.since, ts("2023-04-01T08:00:00Z"));
    assert_int_equal(st.expires_at, ts("2025-04-01T08:00:00Z"));
    st = fold(ledger, 3);
    assert_int_equal(st.status, RK_CONSENT_LIVE);
    assert_false(st.renewal_pending);
    assert_int_equal(st.since, ts("2025-03-03T19:20:00Z"));
    assert_int_equal(st.expires_at, ts("2027-03-03T19:20:00Z"));

    /* An unconfirmed request expires; a second confirmation is refused. */
    const struct ledger_event lapsed[] = {
        {RK_CE_GIVEN, true, "2025-03-01T08:00:00Z"},
        {RK_CE_EXPIRED, false, "2025-03-31T08:00:00Z"},
    };
    st = fold(lapsed, 2);
    assert_int_equal(st.status, RK_CONSENT_EXPIRED);
    assert_int_equal(
        rk_consent_apply(&st, RK_CE_CONFIRMED, false, ts("2025-04-01T08:00:00Z"), TWO_YEARS),
        RK_EREFUSED);
}

static void names(void **state) {
    (void)state;
    assert_string_equal(rk_consent_status_name(RK_CONSENT_NONE), "none");
    assert_string_equal(rk_consent_status_name(RK_CONSENT_PENDING), "pending");
    assert_string_equal(rk_consent_status_name(RK_CONSENT_LIVE), "live");
    assert_string_equal(rk_consent_status_name(RK_CONSENT_WITHDRAWN), "withdrawn");
    assert_string_equal(rk_consent_status_name(RK_CONSENT_EXPIRED), "expired");
    assert_string_equal(rk_consent_kind_name(RK_CE_GIVEN), "given");
    assert_string_equal(rk_consent_kind_name(RK_CE_CONFIRMED), "confirmed");
    assert_string_equal(rk_consent_kind_name(RK_CE_WITHDRAWN), "withdrawn");
    assert_string_equal(rk_consent_kind_name(RK_CE_EXPIRED), "expired");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transition_table),
        cmocka_unit_test(table_is_complete),
        cmocka_unit_test(pending_flag_ignored_by_other_events),
        cmocka_unit_test(validity_by_calendar),
        cmocka_unit_test(effective_around_expiry),
        cmocka_unit_test(no_validity_never_expires),
        cmocka_unit_test(fold_realistic_ledger),
        cmocka_unit_test(fold_renewal),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
