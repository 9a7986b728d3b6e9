/*
 * test_request.c — the data-subject request state machine (core/request.c)
 * and its deadlines. Every cell of the transition table is a row of cells[]:
 * the state before, the event, and the state after or the refusal (with the
 * request left unchanged). Then the event checks (reasons, months, methods,
 * documents), deadlines by Regulation 1182/71 (31 Jan → 28/29 Feb, leap
 * years, year ends), extension from receipt, and local dates in the
 * controller's zone (base/tz.c) around midnight and DST changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/audit.h"
#include "core/links.h"
#include "core/mail_limit.h"
#include "core/request.h"
#include "regfix.h"
#include "testutil.h"
#include "views/notice_digest.h"

#define BOTH (RK_VERIFY_IN_PERSON | RK_VERIFY_EMAIL_CODE)

static rk_ts ts(const char *iso) {
    rk_ts t = 0;
    if (!rk_ts_parse(iso, &t))
        fail_msg("bad instant in the test: %s", iso);
    return t;
}

static struct rk_date date(const char *iso) {
    struct rk_date d = {0, 0, 0};
    if (!rk_date_parse(iso, &d))
        fail_msg("bad date in the test: %s", iso);
    return d;
}

static void assert_date(struct rk_date d, const char *want) {
    char got[11];
    rk_date_iso(d, got);
    assert_string_equal(got, want);
}

/* A request received on 2026-01-31, in state st. */
static struct rk_request request_in(enum rk_request_status st) {
    struct rk_request q;
    memset(&q, 0, sizeof q);
    snprintf(q.id, sizeof q.id, "R-ABCDEFGH2345");
    q.type = RK_RQ_ACCESS;
    q.status = st;
    q.received_on = date("2026-01-31");
    q.received_at = ts("2026-01-31T10:00:00Z");
    q.due = rk_request_due(q.received_on);
    if (st != RK_RQS_RECEIVED) {
        q.verification = RK_VERIFY_IN_PERSON;
        q.verified_by = "dpo";
        q.document = "passport";
        q.verified_at = ts("2026-02-02T10:00:00Z");
    }
    return q;
}

static struct rk_request_event event(enum rk_request_event_kind k) {
    struct rk_request_event ev = {.kind = k,
                                  .at = ts("2026-02-10T12:00:00Z"),
                                  .by = "dpo",
                                  .method = RK_VERIFY_IN_PERSON,
                                  .document = "id_card",
                                  .months = 2,
                                  .reason = "many requests at once",
                                  .note = "sent the copy",
                                  .today = date("2026-02-10")};
    return ev;
}

#define REFUSED (-1)

static const struct cell {
    enum rk_request_status from;
    enum rk_request_event_kind ev;
    int to; /* a status, or REFUSED */
} cells[] = {
    {RK_RQS_RECEIVED, RK_RQE_VERIFY, RK_RQS_VERIFIED},
    {RK_RQS_RECEIVED, RK_RQE_START, REFUSED},
    {RK_RQS_RECEIVED, RK_RQE_EXTEND, RK_RQS_RECEIVED},
    {RK_RQS_RECEIVED, RK_RQE_COMPLETE, REFUSED},
    {RK_RQS_RECEIVED, RK_RQE_REJECT, RK_RQS_REJECTED},
    {RK_RQS_VERIFIED, RK_RQE_VERIFY, REFUSED},
    {RK_RQS_VERIFIED, RK_RQE_START, RK_RQS_IN_PROGRESS},
    {RK_RQS_VERIFIED, RK_RQE_EXTEND, RK_RQS_VERIFIED},
    {RK_RQS_VERIFIED, RK_RQE_COMPLETE, RK_RQS_COMPLETED},
    {RK_RQS_VERIFIED, RK_RQE_REJECT, RK_RQS_REJECTED},
    {RK_RQS_IN_PROGRESS, RK_RQE_VERIFY, REFUSED},
    {RK_RQS_IN_PROGRESS, RK_RQE_START, REFUSED},
    {RK_RQS_IN_PROGRESS, RK_RQE_EXTEND, RK_RQS_IN_PROGRESS},
    {RK_RQS_IN_PROGRESS, RK_RQE_COMPLETE, RK_RQS_COMPLETED},
    {RK_RQS_IN_PROGRESS, RK_RQE_REJECT, RK_RQS_REJECTED},
    {RK_RQS_COMPLETED, RK_RQE_VERIFY, REFUSED},
    {RK_RQS_COMPLETED, RK_RQE_START, REFUSED},
    {RK_RQS_COMPLETED, RK_RQE_EXTEND, REFUSED},
    {RK_RQS_COMPLETED, RK_RQE_COMPLETE, REFUSED},
    {RK_RQS_COMPLETED, RK_RQE_REJECT, REFUSED},
    {RK_RQS_REJECTED, RK_RQE_VERIFY, REFUSED},
    {RK_RQS_REJECTED, RK_RQE_START, REFUSED},
    {RK_RQS_REJECTED, RK_RQE_EXTEND, REFUSED},
    {RK_RQS_REJECTED, RK_RQE_COMPLETE, REFUSED},
    {RK_RQS_REJECTED, RK_RQE_REJECT, REFUSED},
};

static void transition_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
        const struct cell *c = &cells[i];
        struct rk_request q = request_in(c->from), before = q;
        struct rk_request_event ev = event(c->ev);
        struct rk_error why = RK_ERROR_INIT;
        rk_err err = rk_request_apply(&q, &ev, BOTH, &why);
        if (c->to == REFUSED) {
            if (err != RK_EREFUSED)
                fail_msg("cell %zu (%s, %s): want refused, got %s", i,
                         rk_request_status_name(c->from), rk_request_event_name(c->ev),
                         rk_err_name(err));
            assert_true(why.message[0] != '\0');
            assert_memory_equal(&q, &before, sizeof q);
            continue;
        }
        if (err != RK_OK)
            fail_msg("cell %zu (%s, %s): refused: %s", i, rk_request_status_name(c->from),
                     rk_request_event_name(c->ev), why.message);
        assert_int_equal(q.status, c->to);
        switch (c->ev) {
        case RK_RQE_VERIFY:
            assert_int_equal(q.verification, RK_VERIFY_IN_PERSON);
            assert_string_equal(q.document, "id_card");
            assert_string_equal(q.verified_by, "dpo");
            assert_true(q.verified_at == ev.at);
            break;
        case RK_RQE_EXTEND:
            assert_int_equal(q.extension_months, 2);
            assert_string_equal(q.extension_reason, "many requests at once");
            assert_date(q.extended_due, "2026-04-30"); /* 31 Jan + 3 months */
            assert_date(q.due, "2026-02-28");          /* unchanged */
            break;
        case RK_RQE_COMPLETE:
            assert_string_equal(q.note, "sent the copy");
            assert_true(q.closed_at == ev.at);
            assert_int_not_equal(q.verification, 0); /* invariant 1 */
            break;
        case RK_RQE_REJECT:
            assert_string_equal(q.rejection_reason, "many requests at once");
            assert_true(q.closed_at == ev.at);
            break;
        default: break;
        }
    }
}

static void table_is_complete(void **state) {
    (void)state;
    int seen[RK_RQS__COUNT][RK_RQE__COUNT] = {{0}};
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++)
        seen[cells[i].from][cells[i].ev]++;
    for (int s = 0; s < RK_RQS__COUNT; s++)
        for (int e = 0; e < RK_RQE__COUNT; e++)
            assert_int_equal(seen[s][e], 1);
}

static int count_one(void *ctx, const struct rk_request *q) {
    (void)q;
    ++*(int *)ctx;
    return 0;
}

static rk_err try(struct rk_request *q, struct rk_request_event ev, unsigned allowed) {
    struct rk_error why = RK_ERROR_INIT;
    struct rk_request before = *q;
    rk_err err = rk_request_apply(q, &ev, allowed, &why);
    if (err != RK_OK) {
        assert_true(why.message[0] != '\0');
        assert_memory_equal(q, &before, sizeof *q);
    }
    return err;
}

static void verify_checks(void **state) {
    (void)state;
    struct rk_request q = request_in(RK_RQS_RECEIVED);
    struct rk_request_event ev = event(RK_RQE_VERIFY);
    ev.method = RK_VERIFY_EMAIL_CODE;
    assert_int_equal(try(&q, ev, RK_VERIFY_IN_PERSON), RK_EINVAL); /* not declared */
    ev.method = 0;
    assert_int_equal(try(&q, ev, BOTH), RK_EINVAL);
    ev.method = RK_VERIFY_IN_PERSON;
    ev.document = NULL;
    assert_int_equal(try(&q, ev, BOTH), RK_EINVAL);
    ev.document = "AB1234567"; /* a number is not a document type */
    assert_int_equal(try(&q, ev, BOTH), RK_EINVAL);
    ev.document = "driving_licence";
    assert_int_equal(try(&q, ev, RK_VERIFY_IN_PERSON), RK_OK);
    assert_string_equal(q.document, "driving_licence");
    /* email_code records no document */
    q = request_in(RK_RQS_RECEIVED);
    ev.method = RK_VERIFY_EMAIL_CODE;
    ev.by = "self";
    assert_int_equal(try(&q, ev, BOTH), RK_OK);
    assert_null(q.document);
    assert_string_equal(q.verified_by, "self");
}

static void extend_checks(void **state) {
    (void)state;
    struct rk_request q = request_in(RK_RQS_VERIFIED);
    struct rk_request_event ev = event(RK_RQE_EXTEND);
    ev.months = 0;
    assert_int_equal(try(&q, ev, BOTH), RK_EINVAL);
    ev.months = 3;
    assert_int_equal(try(&q, ev, BOTH), RK_EINVAL);
    ev.months = 1;
    ev.reason = "  ";
    assert_int_equal(try(&q, ev, BOTH), RK_EINVAL);
    ev.reason = NULL;
    assert_int_equal(try(&q, ev, BOTH), RK_EINVAL);
    ev.reason = "complex";
    ev.today = date("2026-03-01"); /* after the first month */
    assert_int_equal(try(&q, ev, BOTH), RK_EREFUSED);
    ev.today = date("2026-02-28"); /* the last day of the first month */
    assert_int_equal(try(&q, ev, BOTH), RK_OK);
    assert_date(q.extended_due, "2026-03-31"); /* 31 Jan + 2 months */
    assert_date(rk_request_effective_due(&q), "2026-03-31");
    /* once only: neither a second month nor a second extension */
    ev.today = date("2026-02-20");
    assert_int_equal(try(&q, ev, BOTH), RK_EREFUSED);
    ev.months = 2;
    assert_int_equal(try(&q, ev, BOTH), RK_EREFUSED);
}

static void reject_and_complete_checks(void **state) {
    (void)state;
    struct rk_request q = request_in(RK_RQS_RECEIVED);
    struct rk_request_event ev = event(RK_RQE_REJECT);
    ev.reason = "";
    assert_int_equal(try(&q, ev, BOTH), RK_EINVAL);
    ev.reason = "identity not verifiable";
    assert_int_equal(try(&q, ev, BOTH), RK_OK);
    q = request_in(RK_RQS_VERIFIED);
    ev = event(RK_RQE_COMPLETE);
    ev.note = " ";
    assert_int_equal(try(&q, ev, BOTH), RK_OK);
    assert_null(q.note); /* a blank note is no note */
}

/* A reason or note may span lines, but holds no direction control or invisible character. */
static void reasons_follow_the_text_rule(void **state) {
    (void)state;
    struct rk_request q = request_in(RK_RQS_RECEIVED);
    struct rk_request_event ev = event(RK_RQE_REJECT);
    struct rk_error why = RK_ERROR_INIT;
    ev.reason = "identity not \xe2\x80\xae"
                "verifiable";
    assert_int_equal(rk_request_apply(&q, &ev, BOTH, &why), RK_EINVAL);
    assert_non_null(strstr(why.message, "reason: contains a direction-control character"));
    assert_int_equal(q.status, RK_RQS_RECEIVED);
    ev.reason = "identity\nnot verifiable";
    assert_int_equal(try(&q, ev, BOTH), RK_OK);
    q = request_in(RK_RQS_VERIFIED);
    ev = event(RK_RQE_COMPLETE);
    ev.note = "sent by post\xe2\x80\x8b";
    assert_int_equal(rk_request_apply(&q, &ev, BOTH, &why), RK_EINVAL);
    assert_non_null(strstr(why.message, "note: contains an invisible format character"));
    q = request_in(RK_RQS_VERIFIED);
    ev = event(RK_RQE_EXTEND);
    ev.months = 1;
    ev.today = date("2026-02-01");
    ev.reason = "complex\x1b[2J";
    assert_int_equal(rk_request_apply(&q, &ev, BOTH, &why), RK_EINVAL);
    assert_non_null(strstr(why.message, "reason: contains a control character"));
}

static void due_dates(void **state) {
    (void)state;
    static const char *const cases[][2] = {
        {"2026-01-31", "2026-02-28"}, {"2028-01-31", "2028-02-29"}, /* leap year */
        {"2100-01-31", "2100-02-28"},                               /* not a leap year */
        {"2000-01-30", "2000-02-29"}, {"2026-03-15", "2026-04-15"}, {"2026-03-31", "2026-04-30"},
        {"2026-12-31", "2027-01-31"}, /* year end */
        {"2026-12-01", "2027-01-01"}, {"2026-02-28", "2026-03-28"}, {"2028-02-29", "2028-03-29"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_date(rk_request_due(date(cases[i][0])), cases[i][1]);
}

static void extended_due_from_receipt(void **state) {
    (void)state;
    struct rk_request q = request_in(RK_RQS_VERIFIED);
    q.received_on = date("2026-11-30");
    q.due = rk_request_due(q.received_on);
    assert_date(q.due, "2026-12-30");
    struct rk_request_event ev = event(RK_RQE_EXTEND);
    ev.today = date("2026-12-01");
    assert_int_equal(try(&q, ev, BOTH), RK_OK);
    assert_date(q.extended_due, "2027-02-28"); /* across the year end, clamped */
}

static void overdue(void **state) {
    (void)state;
    struct rk_request q = request_in(RK_RQS_VERIFIED);
    assert_false(rk_request_overdue(&q, date("2026-02-28"))); /* due day itself: in time */
    assert_true(rk_request_overdue(&q, date("2026-03-01")));
    q.extended_due = date("2026-04-30");
    assert_false(rk_request_overdue(&q, date("2026-03-01")));
    q.status = RK_RQS_COMPLETED;
    assert_false(rk_request_overdue(&q, date("2027-01-01")));
}

static void helsinki_rule(void **state) {
    (void)state;
    struct rk_tz z;
    assert_int_equal(rk_tz_from_posix("EET-2EEST,M3.5.0/3,M10.5.0/4", &z), RK_OK);
    /* Winter: UTC+2. 22:30 UTC on 31 Jan is 00:30 on 1 Feb in Helsinki. */
    assert_int_equal(rk_tz_offset(&z, ts("2026-01-31T22:30:00Z")), 7200);
    assert_date(rk_tz_date(&z, ts("2026-01-31T22:30:00Z")), "2026-02-01");
    assert_date(rk_tz_date(&z, ts("2026-01-31T21:59:59Z")), "2026-01-31");
    /* Summer: UTC+3, from 01:00 UTC on the last Sunday of March (29 Mar 2026). */
    assert_int_equal(rk_tz_offset(&z, ts("2026-03-29T00:59:59Z")), 7200);
    assert_int_equal(rk_tz_offset(&z, ts("2026-03-29T01:00:00Z")), 10800);
    assert_date(rk_tz_date(&z, ts("2026-06-30T21:00:00Z")), "2026-07-01");
    /* Back to UTC+2 at 01:00 UTC on the last Sunday of October (25 Oct 2026). */
    assert_int_equal(rk_tz_offset(&z, ts("2026-10-25T00:59:59Z")), 10800);
    assert_int_equal(rk_tz_offset(&z, ts("2026-10-25T01:00:00Z")), 7200);
    /* New Year's Eve late in the evening UTC is already next year in Helsinki. */
    assert_date(rk_tz_date(&z, ts("2026-12-31T23:00:00Z")), "2027-01-01");
    /* Southern hemisphere and a zone without DST */
    assert_int_equal(rk_tz_from_posix("AEST-10AEDT,M10.1.0,M4.1.0/3", &z), RK_OK);
    assert_int_equal(rk_tz_offset(&z, ts("2026-01-15T00:00:00Z")), 11 * 3600);
    assert_int_equal(rk_tz_offset(&z, ts("2026-07-15T00:00:00Z")), 10 * 3600);
    assert_int_equal(rk_tz_from_posix("<-03>3", &z), RK_OK);
    assert_int_equal(rk_tz_offset(&z, ts("2026-07-15T00:00:00Z")), -3 * 3600);
    assert_int_equal(rk_tz_from_posix("EET-2EEST,M3", &z), RK_EPARSE);
    assert_int_equal(rk_tz_from_posix("", &z), RK_EPARSE);
}

static void helsinki_file(void **state) {
    (void)state;
    struct rk_tz z;
    assert_int_equal(rk_tz_load("../etc/passwd", &z), RK_EINVAL);
    assert_int_equal(rk_tz_load("No/Such_Zone", &z), RK_ENOENT);
    rk_err err = rk_tz_load("Europe/Helsinki", &z);
    if (err == RK_ENOENT)
        skip(); /* tzdata not installed */
    assert_int_equal(err, RK_OK);
    assert_int_equal(rk_tz_offset(&z, ts("2026-01-31T22:30:00Z")), 7200);
    assert_int_equal(rk_tz_offset(&z, ts("2026-07-01T12:00:00Z")), 10800);
    assert_int_equal(rk_tz_offset(&z, ts("1990-07-01T12:00:00Z")), 10800);
    assert_int_equal(rk_tz_offset(&z, ts("2040-01-01T12:00:00Z")), 7200);
    assert_date(rk_tz_date(&z, ts("2026-01-31T22:30:00Z")), "2026-02-01");
    /* A request received then is due on 1 March, not on 28 February. */
    assert_date(rk_request_due(rk_tz_date(&z, ts("2026-01-31T22:30:00Z"))), "2026-03-01");
}

static void names(void **state) {
    (void)state;
    static const char *const types[] = {
        "access",    "rectification",      "erasure",           "restriction", "portability",
        "objection", "automated_decision", "consent_withdrawal"};
    for (int i = 0; i < RK_RQ_TYPE__COUNT; i++) {
        assert_string_equal(rk_request_type_name((enum rk_request_type)i), types[i]);
        assert_int_equal(rk_request_type_parse(types[i]), i);
    }
    assert_int_equal(rk_request_type_parse("complaint"), -1);
    assert_int_equal(rk_request_status_parse("in_progress"), RK_RQS_IN_PROGRESS);
    assert_int_equal(rk_request_channel_parse("post"), RK_RQC_POST);
    assert_true(rk_request_id_valid("R-ABCDEFGH2345"));
    assert_false(rk_request_id_valid("R-abcdefgh2345"));
    assert_false(rk_request_id_valid("R-ABCDEFGH234"));
    assert_false(rk_request_id_valid("X-ABCDEFGH2345"));
    assert_false(rk_request_id_valid(NULL));
}

/* ---- The workflow over a real store ------------------------------------------------------ */

struct fx {
    struct rkt_reg r; /* regfix.h: the register, actor "anna" */
    struct rk_tz tz;
    char person[RK_ID_LEN + 1];
};

static int setup(void **state) {
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    *state = f;
    /* verification: in_person, email_code */
    if (rkt_reg_open(&f->r, "request", rkt_load("tests/decls/full.yaml"), "anna") != 0 ||
        rk_tz_from_posix("EET-2EEST,M3.5.0/3,M10.5.0/4", &f->tz) != RK_OK)
        return -1;
    struct rk_write w = {.register_id = "customer",
                         .purpose = "service",
                         .source = RK_SRC_EMAIL,
                         .at = ts("2026-01-02T10:00:00Z")};
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = "Maija Meikäläinen";
    c.v[RK_F_EMAIL] = "maija@example.fi";
    struct rk_error msg;
    return rk_reg_person_add(&f->r.reg, &w, NULL, &c, NULL, f->person, &msg) == RK_OK ? 0 : -1;
}

static int teardown(void **state) {
    struct fx *f = *state;
    if (!f)
        return 0;
    rkt_reg_close(&f->r);
    free(f);
    return 0;
}

struct trail {
    int n;
    char last[RK_AUDIT_FIELD_MAX + 1], detail[RK_AUDIT_FIELD_MAX + 1], actor[64];
    char person[RK_ID_LEN + 1];
};

static int each_event(void *ctx, const struct rk_audit_event *e) {
    struct trail *t = ctx;
    t->n++;
    snprintf(t->last, sizeof t->last, "%s", e->action);
    snprintf(t->detail, sizeof t->detail, "%s", e->detail ? e->detail : "");
    snprintf(t->actor, sizeof t->actor, "%s", e->actor);
    snprintf(t->person, sizeof t->person, "%s", e->person_id ? e->person_id : "");
    return 0;
}

static struct trail trail_of(struct fx *f) {
    struct trail t;
    memset(&t, 0, sizeof t);
    if (rk_store_audit_scan(f->r.store, 1, NULL, each_event, &t) != RK_OK)
        fail_msg("audit scan: %s", rk_store_errmsg(f->r.store));
    return t;
}

static void create_matches_and_audits(void **state) {
    struct fx *f = *state;
    struct rk_request_input in = {.type = RK_RQ_ERASURE,
                                  .channel = RK_RQC_WEB,
                                  .email = "Maija@Example.FI",
                                  .text = "Poistakaa tietoni",
                                  .now = ts("2026-01-31T22:30:00Z")}; /* 1 Feb in Helsinki */
    struct rk_request q;
    struct rk_error msg;
    int before = trail_of(f).n;
    assert_int_equal(rk_request_create(&f->r.reg, &f->tz, &in, &q, &msg), RK_OK);
    assert_true(rk_request_id_valid(q.id));
    assert_string_equal(q.person_id, f->person);      /* matched through the keyed hash */
    assert_string_equal(q.email, "Maija@Example.FI"); /* kept as written */
    assert_date(q.received_on, "2026-02-01");
    assert_date(q.due, "2026-03-01");
    struct trail t = trail_of(f);
    assert_int_equal(t.n, before + 1);
    assert_string_equal(t.last, "request.received");
    assert_string_equal(t.actor, "anna");
    assert_string_equal(t.person, f->person);
    assert_true(strncmp(t.detail, q.id, RK_REQUEST_ID_LEN) == 0);
    assert_null(strstr(t.detail, "aija")); /* no personal data in the chain */

    /* Stored as returned. */
    struct rk_request got;
    assert_int_equal(rk_store_request_get(f->r.store, q.id, &got), RK_OK);
    assert_string_equal(got.person_id, f->person);
    assert_date(got.due, "2026-03-01");

    /* Unmatched contact: kept, person empty. */
    in.email = "someone.else@example.fi";
    assert_int_equal(rk_request_create(&f->r.reg, &f->tz, &in, &q, &msg), RK_OK);
    assert_string_equal(q.person_id, "");
}

static void create_refusals_write_nothing(void **state) {
    struct fx *f = *state;
    int before = trail_of(f).n;
    struct rk_request q;
    struct rk_error msg;
    struct rk_request_input in = {.type = RK_RQ_ACCESS,
                                  .channel = RK_RQC_POST,
                                  .email = "a@example.fi",
                                  .received = date("2026-02-02"),
                                  .now = ts("2026-02-01T12:00:00Z")};
    assert_int_equal(rk_request_create(&f->r.reg, &f->tz, &in, &q, &msg), RK_EINVAL);
    assert_non_null(strstr(msg.message, "future"));
    in.received = date("2026-02-01");
    in.email = NULL;
    assert_int_equal(rk_request_create(&f->r.reg, &f->tz, &in, &q, &msg), RK_EINVAL);
    in.person_id = "aaaaaaaaaaaaaaaaaaaaaaaaaa";
    assert_int_equal(rk_request_create(&f->r.reg, &f->tz, &in, &q, &msg), RK_ENOENT);
    /* The texts as written by the person follow the text rule; the name is one line. */
    in.person_id = NULL;
    in.email = "a@example.fi";
    static const struct {
        const char *email, *phone, *name, *text, *want;
    } texts[] = {
        {"a\xe2\x80\xae@example.fi", NULL, NULL, NULL, "email: contains a direction-control"},
        {NULL, "040\xe2\x80\x8b" "1234567", NULL, NULL, "phone: contains an invisible format"},
        {NULL, NULL, "Matti \xe2\x81\xa7nenokkiV", NULL, "name: contains a direction-control"},
        {NULL, NULL, "Matti\nMeikäläinen", NULL, "name: contains a line break"},
        {NULL, NULL, NULL, "rivi 1\nrivi \xf3\xa0\x81\x81", "text: contains an invisible format"},
    };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        in.email = texts[i].email ? texts[i].email : "a@example.fi";
        in.phone = texts[i].phone;
        in.name = texts[i].name;
        in.text = texts[i].text;
        assert_int_equal(rk_request_create(&f->r.reg, &f->tz, &in, &q, &msg), RK_EINVAL);
        if (!strstr(msg.message, texts[i].want))
            fail_msg("row %zu: %s", i, msg.message);
        assert_null(strstr(msg.message, "nenokkiV"));
    }
    assert_int_equal(trail_of(f).n, before);
    int n = 0;
    struct rk_request_filter all = {.status = -1};
    assert_int_equal(rk_store_requests_list(f->r.store, &all, count_one, &n), RK_OK);
    assert_int_equal(n, 0);
}

static void transitions_stored_and_audited(void **state) {
    struct fx *f = *state;
    struct rk_request q, got;
    struct rk_error msg;
    struct rk_request_input in = {.type = RK_RQ_ACCESS,
                                  .channel = RK_RQC_POST,
                                  .person_id = f->person,
                                  .received = date("2026-01-31"),
                                  .now = ts("2026-02-03T09:00:00Z")};
    assert_int_equal(rk_request_create(&f->r.reg, &f->tz, &in, &q, &msg), RK_OK);
    assert_date(q.due, "2026-02-28");
    int before = trail_of(f).n;

    /* Refused: nothing stored, nothing audited. */
    struct rk_request_event ev = event(RK_RQE_COMPLETE);
    assert_int_equal(rk_request_transition(&f->r.reg, q.id, &ev, &got, &msg), RK_EREFUSED);
    assert_non_null(strstr(msg.message, "not verified"));
    assert_int_equal(trail_of(f).n, before);
    assert_int_equal(rk_store_request_get(f->r.store, q.id, &got), RK_OK);
    assert_int_equal(got.status, RK_RQS_RECEIVED);

    ev = event(RK_RQE_VERIFY);
    assert_int_equal(rk_request_transition(&f->r.reg, q.id, &ev, &got, &msg), RK_OK);
    assert_string_equal(trail_of(f).last, "request.verified");
    ev = event(RK_RQE_EXTEND); /* from the stored date of receipt: 31 Jan + 3 months */
    assert_int_equal(rk_request_transition(&f->r.reg, q.id, &ev, &got, &msg), RK_OK);
    assert_date(got.extended_due, "2026-04-30");
    assert_string_equal(got.extension_reason, "many requests at once");
    ev = event(RK_RQE_COMPLETE);
    assert_int_equal(rk_request_transition(&f->r.reg, q.id, &ev, &got, &msg), RK_OK);
    assert_int_equal(rk_store_request_get(f->r.store, q.id, &got), RK_OK);
    assert_int_equal(got.status, RK_RQS_COMPLETED);
    assert_string_equal(got.document, "id_card");
    assert_string_equal(got.verified_by, "dpo");
    struct trail t = trail_of(f);
    assert_int_equal(t.n, before + 3);
    assert_string_equal(t.last, "request.completed");
    assert_int_equal(rk_request_transition(&f->r.reg, "R-AAAAAAAAAAAA", &ev, &got, &msg), RK_ENOENT);
    assert_int_equal(rk_request_transition(&f->r.reg, "nonsense", &ev, &got, &msg), RK_ENOENT);
}

static void verification_link(void **state) {
    struct fx *f = *state;
    struct rk_request q, got;
    struct rk_error msg;
    char email[200], token[RK_LINK_MAX];
    rk_ts now = ts("2026-02-03T09:00:00Z");
    /* The address the request gave is not used: the one on file is. */
    struct rk_request_input in = {.type = RK_RQ_ACCESS,
                                  .channel = RK_RQC_EMAIL,
                                  .person_id = f->person,
                                  .email = "attacker@example.com",
                                  .now = now};
    assert_int_equal(rk_request_create(&f->r.reg, &f->tz, &in, &q, &msg), RK_OK);
    bool withheld = true;
    assert_int_equal(rk_request_verification_link(&f->r.reg, q.id, now, &got, email, sizeof email,
                                                  token, &withheld, &msg),
                     RK_OK);
    assert_false(withheld);
    assert_string_equal(email, "maija@example.fi");
    assert_string_equal(trail_of(f).last, "request.verification_sent");
    struct rk_link l;
    assert_int_equal(rk_link_check(&f->r.keys, token, now, &l), RK_OK);
    assert_int_equal(l.kind, RK_LINK_VERIFY);
    assert_string_equal(l.purpose, q.id);
    assert_string_equal(l.person_id, f->person);
    assert_int_equal(rk_link_check(&f->r.keys, token, now + (rk_ts)RK_REQUEST_LINK_DAYS * 86400, &l),
                     RK_ENOENT);

    /* Staff may send links minutes apart, but no more than per_day (5) a day to one address:
     * the sixth is refused and writes nothing; a day after the first, one goes again. */
    for (int i = 1; i < RK_MAIL_PER_DAY_DEFAULT; i++)
        assert_int_equal(rk_request_verification_link(&f->r.reg, q.id, now + (rk_ts)60 * i, &got, email,
                                                      sizeof email, token, &withheld, &msg),
                         RK_OK);
    int events = trail_of(f).n;
    assert_int_equal(rk_request_verification_link(&f->r.reg, q.id, now + 300, &got, email,
                                                  sizeof email, token, &withheld, &msg),
                     RK_EREFUSED);
    assert_true(withheld);
    assert_non_null(strstr(msg.message, "mail_limits.per_day"));
    assert_null(strstr(msg.message, "maija"));
    assert_int_equal(trail_of(f).n, events);
    assert_int_equal(rk_request_verification_link(&f->r.reg, q.id, now + 86400, &got, email,
                                                  sizeof email, token, &withheld, &msg),
                     RK_OK);
    assert_false(withheld);

    /* Unmatched: refused, and not for the mail limit. */
    in.person_id = NULL;
    in.email = "nobody@example.fi";
    assert_int_equal(rk_request_create(&f->r.reg, &f->tz, &in, &q, &msg), RK_OK);
    assert_int_equal(rk_request_verification_link(&f->r.reg, q.id, now, &got, email, sizeof email,
                                                  token, &withheld, &msg),
                     RK_EREFUSED);
    assert_false(withheld);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transition_table),
        cmocka_unit_test(table_is_complete),
        cmocka_unit_test(verify_checks),
        cmocka_unit_test(extend_checks),
        cmocka_unit_test(reject_and_complete_checks),
        cmocka_unit_test(reasons_follow_the_text_rule),
        cmocka_unit_test(due_dates),
        cmocka_unit_test(extended_due_from_receipt),
        cmocka_unit_test(overdue),
        cmocka_unit_test(helsinki_rule),
        cmocka_unit_test(helsinki_file),
        cmocka_unit_test(names),
        cmocka_unit_test_setup_teardown(create_matches_and_audits, setup, teardown),
        cmocka_unit_test_setup_teardown(create_refusals_write_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(transitions_stored_and_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(verification_link, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
