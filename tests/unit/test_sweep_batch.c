/*
 * test_sweep_batch.c — the consent-expiry sweep's batch path (core/sweep.c,
 * rk_reg_consent_expire, the store ops consents_run_out_states and
 * entry_leave) over a real SQLite store with the example declaration: an
 * entry leaves with exactly the provenance rows and organisation nothing
 * else cites; a sweep writes what rk_reg_consent(RK_CE_EXPIRED) writes;
 * exactly RK_SWEEP_BATCH consents and one more are all expired; a failure in
 * the second batch leaves the first committed and the audit chain whole; a
 * refused row is skipped; the audit chain verifies after every sweep; batches sized by time
 * (rk_sweep_run_paced, rk_sweep_next_batch) grow while a batch commits inside its aim and
 * shrink when one takes longer, on a fake clock, and expire everything all the same.
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
#include "base/id.h"
#include "keys/keys.h"
#include "core/register.h"
#include "core/sweep.h"
#include "regfix.h"
#include "testutil.h"

#define T0       "2025-01-15T10:00:00Z"
#define AFTER_2Y "2027-01-16T00:00:00Z"

static int setup(void **state) {
    return rkt_reg_setup(state, "sweepb", "examples/smartum/declaration.yaml");
}

/* A person in `reg` (marketing or customer) for sales_promotion with a consent given at `at`;
 * org: an organisation name (customer only) or NULL. */
static void person(struct rkt_reg *f, const char *reg, const char *email, const char *org, rk_ts at,
                   char id[RK_ID_LEN + 1]) {
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = "Tilaaja";
    c.v[RK_F_EMAIL] = email;
    c.v[RK_F_ORGANISATION] = org;
    struct rk_write w = {reg, "sales_promotion", RK_SRC_WEB_FORM, NULL, at};
    struct rk_consent_input in = {.channel = "web_form", .form_id = "newsletter", .at = at};
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, &in, id, &f->msg));
}

/* n marketing subscribers given at T0, in one batch (their writes share a provenance row). */
static void subscribers(struct rkt_reg *f, int n) {
    char id[RK_ID_LEN + 1], email[64];
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    for (int i = 0; i < n; i++) {
        snprintf(email, sizeof email, "t%d@example.fi", i);
        person(f, "marketing", email, NULL, rkt_ts(T0), id);
    }
    RKT_OK(f, rk_reg_batch_commit(&f->reg));
}

static void chain_verifies(struct rkt_reg *f) {
    struct rk_audit_report rep;
    assert_int_equal(rk_audit_verify(f->store, &f->keys, &rep), RK_OK);
    assert_int_equal(rep.bad_seq, 0);
    assert_int_equal(rep.events, rkt_census(f, NULL).audit);
}

static rk_err leave(struct rkt_reg *f, const char *reg, const char *id, bool *left) {
    RKT_OK(f, rk_store_begin(f->store));
    rk_err err = rk_store_entry_leave(f->store, reg, id, left);
    RKT_OK(f, rk_store_commit(f->store));
    return err;
}

static void entry_leave_keeps_what_others_cite(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    bool left = false;
    struct rk_entry e;
    /* a and b written in one batch share a provenance row; c has its own. */
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    person(f, "customer", "a@example.fi", "Yritys Oy", rkt_ts(T0), a);
    person(f, "customer", "b@example.fi", "Yritys Oy", rkt_ts(T0), b);
    RKT_OK(f, rk_reg_batch_commit(&f->reg));
    person(f, "customer", "c@example.fi", "Toinen Oy", rkt_ts(T0) + 1, c);
    assert_int_equal(rkt_census(f, NULL).provenance, 2);
    assert_int_equal(rkt_census(f, NULL).organisations, 2);

    assert_int_equal(leave(f, "customer", a, &left), RK_OK);
    assert_true(left);
    assert_int_equal(rk_store_entry_get(f->store, "customer", a, &e), RK_ENOENT);
    assert_int_equal(rkt_census(f, NULL).provenance, 2); /* b cites it */
    assert_int_equal(rkt_census(f, NULL).organisations, 2);

    assert_int_equal(leave(f, "customer", b, &left), RK_OK);
    assert_true(left);
    assert_int_equal(rkt_census(f, NULL).provenance, 1);
    assert_int_equal(rkt_census(f, NULL).organisations, 1); /* Yritys Oy went, c's is left */
    /* Not in the register any more: nothing to do, no error. */
    assert_int_equal(leave(f, "customer", b, &left), RK_OK);
    assert_false(left);
    assert_int_equal(leave(f, "marketing", c, &left), RK_OK);
    assert_false(left);
    assert_int_equal(rk_store_entry_get(f->store, "customer", c, &e), RK_OK);
    assert_string_equal(e.v[RK_F_ORGANISATION], "Toinen Oy");
    assert_int_equal(rkt_census(f, NULL).organisations, 1);
    /* A deleted organisation id is not reused from the store's cache. */
    char d[RK_ID_LEN + 1];
    person(f, "customer", "d@example.fi", "Yritys Oy", rkt_ts(T0) + 2, d);
    RKT_OK(f, rk_store_entry_get(f->store, "customer", d, &e));
    assert_string_equal(e.v[RK_F_ORGANISATION], "Yritys Oy");
}

static int collect_one(void *ctx, const char *person_id, const char *purpose,
                       const struct rk_consent_state *st) {
    (void)person_id;
    assert_string_equal(purpose, "sales_promotion");
    *(struct rk_consent_state *)ctx = *st;
    return 0;
}

static int count_rows(void *ctx, const char *person_id, const char *purpose,
                      const struct rk_consent_state *st) {
    (void)person_id, (void)purpose, (void)st;
    (*(int *)ctx)++;
    return 0;
}

static void run_out_states_match_the_state(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    person(f, "marketing", "a@example.fi", NULL, rkt_ts(T0), a);
    struct rk_consent_state listed = {0}, st;
    RKT_OK(f,
           rk_store_consents_run_out_states(f->store, rkt_ts(AFTER_2Y), 10, collect_one, &listed));
    RKT_OK(f, rk_store_consent_state_get(f->store, a, "sales_promotion", &st));
    assert_int_equal(listed.status, RK_CONSENT_LIVE);
    assert_int_equal(listed.since, st.since);
    assert_int_equal(listed.expires_at, st.expires_at);
    assert_int_equal(listed.last_seq, st.last_seq);
    assert_true(listed.renewal_pending == st.renewal_pending);
    int n = 0;
    RKT_OK(f, rk_store_consents_run_out_states(f->store, rkt_ts(T0), 10, count_rows, &n));
    assert_int_equal(n, 0); /* not run out yet */
    subscribers(f, 5);
    RKT_OK(f, rk_store_consents_run_out_states(f->store, rkt_ts(AFTER_2Y), 4, count_rows, &n));
    assert_int_equal(n, 4); /* the limit */
}

/* The person's expired ledger event as text, without its seq and person. */
struct event_text {
    char *out;
    size_t n;
    int found;
    int64_t max_seq; /* the person's newest event */
};

static int expired_event(void *ctx, const struct rk_consent_event *e) {
    struct event_text *t = ctx;
    if (e->seq > t->max_seq)
        t->max_seq = e->seq;
    if (e->kind != RK_CE_EXPIRED)
        return 0;
    char at[RK_TS_LEN + 1];
    rk_ts_format(e->at, at);
    snprintf(t->out, t->n, "%s|%d|%d|%d|%s|%s|%s|%s|%s|%s", e->purpose, (int)e->kind,
             (int)e->pending, (int)e->basis, e->notice_version ? e->notice_version : "NULL",
             e->notice_sha256, e->channel ? e->channel : "NULL",
             e->collector ? e->collector : "NULL", e->form_id ? e->form_id : "-", at);
    t->found++;
    return 0;
}

static int64_t event_row(struct rkt_reg *f, const char *person_id, char *out, size_t n) {
    struct event_text t = {out, n, 0, 0};
    RKT_OK(f, rk_store_consent_events(f->peer, person_id, expired_event, &t));
    assert_int_equal(t.found, 1);
    return t.max_seq;
}

/* Pairs of successive audit events: x's action, then y's, for the same person. */
struct audit_pairs {
    const char *x, *y;
    char prev_action[64], prev_person[RK_ID_LEN + 1];
    int64_t prev_seq, n;
};

static int audit_pair(void *ctx, const struct rk_audit_event *e) {
    struct audit_pairs *p = ctx;
    if (e->seq == p->prev_seq + 1 && strcmp(p->prev_action, p->x) == 0 &&
        strcmp(e->action, p->y) == 0 && e->person_id && strcmp(e->person_id, p->prev_person) == 0)
        p->n++;
    p->prev_seq = e->seq;
    snprintf(p->prev_action, sizeof p->prev_action, "%s", e->action);
    snprintf(p->prev_person, sizeof p->prev_person, "%s", e->person_id ? e->person_id : "");
    return 0;
}

/* The distinct persons of one action's audit events. */
struct audit_persons {
    const char *action;
    char (*ids)[RK_ID_LEN + 1];
    size_t n, cap;
};

static int audit_person(void *ctx, const struct rk_audit_event *e) {
    struct audit_persons *p = ctx;
    if (strcmp(e->action, p->action) != 0 || !e->person_id)
        return 0;
    assert_true(p->n < p->cap);
    snprintf(p->ids[p->n++], sizeof p->ids[0], "%s", e->person_id);
    return 0;
}

static int cmp_id(const void *a, const void *b) { return strcmp(a, b); }

static int64_t distinct_persons(struct rkt_reg *f, const char *action) {
    size_t cap = (size_t)rkt_audit_count(f, action, NULL) + 1;
    struct audit_persons p = {action, calloc(cap, sizeof *p.ids), 0, cap};
    assert_non_null(p.ids);
    rkt_audit_scan(f, audit_person, &p);
    qsort(p.ids, p.n, sizeof *p.ids, cmp_id);
    int64_t n = 0;
    for (size_t i = 0; i < p.n; i++)
        n += i == 0 || strcmp(p.ids[i], p.ids[i - 1]) != 0;
    free(p.ids);
    return n;
}

static void sweep_writes_what_rk_reg_consent_writes(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], ea[512], eb[512];
    struct rk_entry e;
    person(f, "marketing", "a@example.fi", NULL, rkt_ts(T0), a);
    person(f, "marketing", "b@example.fi", NULL, rkt_ts(T0) + 1, b);
    /* b the old way, a by the sweep, at the same instant. */
    struct rk_consent_input in = {.channel = "retention_sweep", .lang = RK_LANG_FI};
    in.at = rkt_ts(AFTER_2Y);
    RKT_OK(f, rk_reg_consent(&f->reg, b, "sales_promotion", RK_CE_EXPIRED, &in, &f->msg));
    struct rk_sweep_counts n;
    RKT_OK(f, rk_sweep_run(&f->reg, rkt_ts(AFTER_2Y), false, &n, &f->msg));
    assert_int_equal(n.consents_expired, 1);
    int64_t last_a = event_row(f, a, ea, sizeof ea);
    int64_t last_b = event_row(f, b, eb, sizeof eb);
    assert_string_equal(ea, eb);
    struct rk_consent_state sa, sb;
    RKT_OK(f, rk_store_consent_state_get(f->store, a, "sales_promotion", &sa));
    RKT_OK(f, rk_store_consent_state_get(f->store, b, "sales_promotion", &sb));
    assert_int_equal(sa.status, RK_CONSENT_EXPIRED);
    assert_int_equal(sa.status, sb.status);
    assert_int_equal(sa.expires_at - sb.expires_at, -1);
    assert_false(sa.renewal_pending);
    /* a and b are the only persons: the newest of their events is the ledger's newest */
    assert_int_equal(rkt_census(f, NULL).persons, 2);
    assert_int_equal(sa.last_seq, last_a > last_b ? last_a : last_b);
    assert_int_equal(rk_store_entry_get(f->store, "marketing", a, &e), RK_ENOENT);
    assert_int_equal(rk_store_entry_get(f->store, "marketing", b, &e), RK_ENOENT);
    assert_int_equal(rkt_census(f, NULL).provenance, 0);
    assert_int_equal(rkt_audit_count(f, "consent.expired", "sales_promotion"), 2);
    /* The sweep's two events for a, in order: consent.expired, then sweep.consent_expired. */
    struct audit_pairs pairs = {.x = "consent.expired", .y = "sweep.consent_expired"};
    rkt_audit_scan(f, audit_pair, &pairs);
    assert_int_equal(pairs.n, 1);
    chain_verifies(f);
}

static void exactly_one_batch(void **state) {
    struct rkt_reg *f = *state;
    subscribers(f, RK_SWEEP_BATCH);
    struct rk_sweep_counts n;
    RKT_OK(f, rk_sweep_run(&f->reg, rkt_ts(AFTER_2Y), false, &n, &f->msg));
    assert_int_equal(n.consents_expired, RK_SWEEP_BATCH);
    assert_int_equal(n.skipped, 0);
    assert_int_equal(rkt_census(f, NULL).entries, 0);
    assert_int_equal(rkt_census(f, NULL).consent_states_live, 0);
    RKT_OK(f, rk_sweep_run(&f->reg, rkt_ts(AFTER_2Y), false, &n, &f->msg));
    assert_int_equal(n.consents_expired, 0);
    chain_verifies(f);
}

static void one_batch_and_one_more(void **state) {
    struct rkt_reg *f = *state;
    subscribers(f, RK_SWEEP_BATCH + 1);
    int64_t audit = rkt_census(f, NULL).audit;
    struct rk_sweep_counts n;
    RKT_OK(f, rk_sweep_run(&f->reg, rkt_ts(AFTER_2Y), false, &n, &f->msg));
    assert_int_equal(n.consents_expired, RK_SWEEP_BATCH + 1);
    assert_int_equal(rkt_census(f, NULL).consent_events_expired, RK_SWEEP_BATCH + 1);
    assert_int_equal(rkt_census(f, NULL).entries, 0);
    assert_int_equal(rkt_census(f, NULL).provenance, 0);
    assert_int_equal(rkt_census(f, NULL).audit, audit + 2 * ((int64_t)RK_SWEEP_BATCH + 1) + 1);
    assert_int_equal(distinct_persons(f, "sweep.consent_expired"), RK_SWEEP_BATCH + 1);
    chain_verifies(f); /* after a sweep of two batches, 2 * (RK_SWEEP_BATCH + 1) + 1 events */
}

static void failure_in_second_batch_keeps_the_first(void **state) {
    struct rkt_reg *f = *state;
    enum { N = RK_SWEEP_BATCH + 5 };
    subscribers(f, N);
    int64_t audit = rkt_census(f, NULL).audit;
    /* The store fails at the first expired event past the first batch (a counter, so that
     * the check costs nothing per row). A trap in the database: raw SQL on purpose. */
    char sql[768];
    if (f->pg) /* the same trap in PostgreSQL's words */
        snprintf(sql, sizeof sql,
                 "CREATE TABLE expired_n (n INTEGER); INSERT INTO expired_n VALUES (0); "
                 "CREATE FUNCTION fail_late() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN "
                 "IF (SELECT n FROM expired_n) >= %d THEN RAISE EXCEPTION 'disk on fire'; "
                 "END IF; UPDATE expired_n SET n = n + 1; RETURN NEW; END$$; "
                 "CREATE TRIGGER fail_late BEFORE INSERT ON consent_event FOR EACH ROW "
                 "WHEN (NEW.event = 'expired') EXECUTE FUNCTION fail_late()",
                 RK_SWEEP_BATCH);
    else
        snprintf(sql, sizeof sql,
                 "CREATE TABLE expired_n (n INTEGER); INSERT INTO expired_n VALUES (0); "
                 "CREATE TRIGGER fail_late BEFORE INSERT ON consent_event "
                 "WHEN NEW.event = 'expired' AND (SELECT n FROM expired_n) >= %d "
                 "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END; "
                 "CREATE TRIGGER count_expired AFTER INSERT ON consent_event "
                 "WHEN NEW.event = 'expired' BEGIN UPDATE expired_n SET n = n + 1; END",
                 RK_SWEEP_BATCH);
    rkt_exec(f, sql);
    struct rk_sweep_counts n;
    assert_int_not_equal(rk_sweep_run(&f->reg, rkt_ts(AFTER_2Y), false, &n, &f->msg), RK_OK);
    assert_true(strlen(f->msg.message) > 0);
    assert_int_equal(n.consents_expired, RK_SWEEP_BATCH);
    assert_int_equal(rkt_census(f, NULL).consent_events_expired, RK_SWEEP_BATCH);
    assert_int_equal(rkt_census(f, NULL).consent_states_live, 5);
    assert_int_equal(rkt_census(f, NULL).entries, 5);
    assert_int_equal(rkt_census(f, NULL).audit, audit + 2 * (int64_t)RK_SWEEP_BATCH);
    assert_int_equal(rkt_audit_count(f, "sweep.run", NULL), 0);
    chain_verifies(f);
    /* Once the cause is gone, the next run finishes the work. */
    rkt_exec(f, f->pg ? "DROP TRIGGER fail_late ON consent_event" : "DROP TRIGGER fail_late");
    memset(&f->msg, 0, sizeof f->msg);
    RKT_OK(f, rk_sweep_run(&f->reg, rkt_ts(AFTER_2Y), false, &n, &f->msg));
    assert_int_equal(n.consents_expired, 5);
    assert_int_equal(rkt_census(f, NULL).entries, 0);
    chain_verifies(f);
}

static void refused_row_is_skipped(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    subscribers(f, 2);
    person(f, "marketing", "a@example.fi", NULL, rkt_ts(T0), a);
    /* A live, run-out consent for a purpose the declaration no longer has: a row no register
     * operation would write, so it is planted with raw SQL. */
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO consent_state (purpose, person, state, since, expires_at, last_seq) "
             "SELECT 'old_purpose', pk, 'live', '2020-01-01T00:00:00Z', "
             "'2022-01-01T00:00:00Z', 0 FROM person WHERE id = '%s'",
             a); /* a generated id, test data only */
    rkt_exec(f, sql);
    struct rk_sweep_counts n;
    RKT_OK(f, rk_sweep_run(&f->reg, rkt_ts(AFTER_2Y), true, &n, &f->msg));
    assert_int_equal(n.consents_expired, 3);
    assert_int_equal(n.skipped, 1);
    RKT_OK(f, rk_sweep_run(&f->reg, rkt_ts(AFTER_2Y), false, &n, &f->msg));
    assert_int_equal(n.consents_expired, 3);
    assert_int_equal(n.skipped, 1);
    assert_int_equal(rkt_census(f, NULL).consent_states_live, 1);
    assert_int_equal(rkt_census(f, NULL).consent_events_expired, 3);
    chain_verifies(f);
}

/* ---- Batches sized by time (sweep.h) ---- */

static int64_t fake_us, fake_step_us; /* the fake clock advances fake_step_us a reading */

static int64_t fake_clock(void) { return fake_us += fake_step_us; }

static void next_batch_follows_the_clock(void **state) {
    (void)state;
    struct rk_sweep_pace p = {
        .first = 1000, .min = 100, .max = 20000, .aim_us = 250000, .clock = fake_clock};
    assert_int_equal(rk_sweep_next_batch(&p, 1000, 125000), 2000); /* half the aim: doubled */
    assert_int_equal(rk_sweep_next_batch(&p, 1000, 200000), 1250); /* in proportion */
    assert_int_equal(rk_sweep_next_batch(&p, 1000, 1), 2000);      /* never more than twice */
    assert_int_equal(rk_sweep_next_batch(&p, 1000, 0), 2000);
    assert_int_equal(rk_sweep_next_batch(&p, 1000, 250000), 1000); /* at the aim: held */
    assert_int_equal(rk_sweep_next_batch(&p, 1000, RK_SWEEP_BUSY_US / 2), 1000); /* held */
    assert_int_equal(rk_sweep_next_batch(&p, 1000, 5000000), 100);  /* past the bound: cut */
    assert_int_equal(rk_sweep_next_batch(&p, 2000, 2500001), 199);  /* in proportion */
    assert_int_equal(rk_sweep_next_batch(&p, 1000, 10000000), 100); /* never below min */
    assert_int_equal(rk_sweep_next_batch(&p, 15000, 1000), 20000);  /* never above max */
    p.aim_us = 60 * 1000000L; /* an aim above half the busy timeout counts as that half */
    assert_int_equal(rk_sweep_next_batch(&p, 1000, RK_SWEEP_BUSY_US / 4), 2000);
    assert_int_equal(rk_sweep_next_batch(&p, 1000, RK_SWEEP_BUSY_US / 2), 1000);
    assert_int_equal(rk_sweep_next_batch(&p, 1000, RK_SWEEP_BUSY_US), 500);
    p.clock = NULL; /* no clock: the batch stays, within [min, max] */
    assert_int_equal(rk_sweep_next_batch(&p, 1000, 1), 1000);
    assert_int_equal(rk_sweep_next_batch(&p, 50000, 1), 20000);
    /* the shipped paces aim at most at half the busy timeout */
    struct rk_sweep_pace cli = RK_SWEEP_PACE_CLI(fake_clock), svc = RK_SWEEP_PACE_SERVICE(NULL);
    assert_true(cli.aim_us <= RK_SWEEP_BUSY_US / 2 && svc.aim_us <= RK_SWEEP_BUSY_US / 2);
    assert_true(cli.min >= 1 && cli.min <= cli.first && cli.first <= cli.max);
    assert_true(svc.min >= 1 && svc.min <= svc.first && svc.first <= svc.max);
}

/* A sweep paced on the fake clock: every consent expired, two audit events each, the
 * batches as the rule sizes them. */
static struct rk_sweep_counts paced(struct rkt_reg *f, int n, int first, int64_t step_us) {
    subscribers(f, n);
    int64_t audit = rkt_census(f, NULL).audit;
    fake_us = 0;
    fake_step_us = step_us;
    struct rk_sweep_pace p = {
        .first = first, .min = 10, .max = 100, .aim_us = 1000000, .clock = fake_clock};
    struct rk_sweep_counts c;
    RKT_OK(f, rk_sweep_run_paced(&f->reg, rkt_ts(AFTER_2Y), false, &p, &c, &f->msg));
    assert_int_equal(c.consents_expired, n);
    assert_int_equal(rkt_census(f, NULL).consent_states_live, 0);
    assert_int_equal(rkt_census(f, NULL).entries, 0);
    assert_int_equal(rkt_census(f, NULL).audit, audit + 2 * (int64_t)n + 1);
    assert_int_equal(distinct_persons(f, "sweep.consent_expired"), n);
    assert_int_equal(c.batch_longest_us, step_us);
    chain_verifies(f);
    return c;
}

static void paced_batches_grow_while_quick(void **state) {
    /* 10 µs a batch: 10, 20, 40, 80, then 100 (max) five times, then the last 50 */
    struct rk_sweep_counts c = paced(*state, 700, 10, 10);
    assert_int_equal(c.consent_batches, 10);
    assert_int_equal(c.batch_largest, 100);
}

static void paced_batches_held_then_cut(void **state) {
    /* 2 s a batch against an aim of 1 s, inside the bound: held at 100, the last with 50 */
    struct rk_sweep_counts c = paced(*state, 250, 100, 2000000);
    assert_int_equal(c.consent_batches, 3);
    assert_int_equal(c.batch_largest, 100);
}

static void paced_batches_cut_while_slow(void **state) {
    /* 5 s a batch, past the bound (2.5 s): 100, 20, then 10 (min) eight times and the last
     * with 5 */
    struct rk_sweep_counts c = paced(*state, 205, 100, 5000000);
    assert_int_equal(c.consent_batches, 11);
    assert_int_equal(c.batch_largest, 100);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, rkt_reg_teardown)
    const struct CMUnitTest tests[] = {
        T(entry_leave_keeps_what_others_cite),
        T(run_out_states_match_the_state),
        T(sweep_writes_what_rk_reg_consent_writes),
        T(exactly_one_batch),
        T(one_batch_and_one_more),
        T(failure_in_second_batch_keeps_the_first),
        T(refused_row_is_skipped),
        T(paced_batches_grow_while_quick),
        T(paced_batches_held_then_cut),
        T(paced_batches_cut_while_slow),
        cmocka_unit_test(next_batch_follows_the_clock),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
