/*
 * test_sweep.c — the retention sweep (core/sweep.c) over a real SQLite store
 * with the example declaration (sales_promotion: consent valid 2 years): an
 * expired consent leaves the marketing register and the audience while a
 * live one stays; a dry run writes nothing; a second run does nothing; an
 * unconfirmed signup past its expiry is removed, and a newcomer who never
 * confirmed is deleted wholly (person row and ledger); more than one batch is worked through;
 * a run while another holds the sweep lease is skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/id.h"
#include "keys/keys.h"
#include "core/register.h"
#include "core/sweep.h"
#include "regfix.h"
#include "testutil.h"

#define T0         "2025-01-15T10:00:00Z"
#define T0_PLUS_1Y "2026-01-15T10:00:00Z"
#define AFTER_2Y   "2027-01-16T00:00:00Z"

static int setup(void **state) {
    return rkt_reg_setup(state, "sweep", "examples/smartum/declaration.yaml");
}

static struct rk_consent_input consent_at(rk_ts at) {
    struct rk_consent_input in;
    memset(&in, 0, sizeof in);
    in.channel = "web_form";
    in.lang = RK_LANG_FI;
    in.form_id = "newsletter";
    in.at = at;
    return in;
}

/* A marketing subscriber whose consent was given at `at`. */
static void subscriber(struct rkt_reg *f, const char *email, rk_ts at, char id[RK_ID_LEN + 1]) {
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = "Tilaaja";
    c.v[RK_F_EMAIL] = email;
    struct rk_write w = {"marketing", "sales_promotion", RK_SRC_WEB_FORM, NULL, at};
    struct rk_consent_input in = consent_at(at);
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, &in, id, &f->msg));
}

static int count_entry(void *ctx, const struct rk_entry *e) {
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static int audience(struct rkt_reg *f, rk_ts now) {
    int n = 0;
    RKT_OK(f, rk_reg_audience(&f->reg, "sales_promotion", now, count_entry, &n, &f->msg));
    return n;
}

static enum rk_consent_status status_of(struct rkt_reg *f, const char *person) {
    struct rk_consent_state st;
    assert_int_equal(rk_store_consent_state_get(f->store, person, "sales_promotion", &st), RK_OK);
    return st.status;
}

static struct rk_sweep_counts sweep(struct rkt_reg *f, const char *at, bool dry_run) {
    struct rk_sweep_counts n;
    RKT_OK(f, rk_sweep_run(&f->reg, rkt_ts(at), dry_run, &n, &f->msg));
    return n;
}

static void expired_consent_leaves_register_and_audience(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    struct rk_entry e;
    subscriber(f, "old@example.fi", rkt_ts(T0), a);
    subscriber(f, "new@example.fi", rkt_ts(T0_PLUS_1Y), b);
    assert_int_equal(audience(f, rkt_ts(T0_PLUS_1Y)), 2);

    /* A second before the expiry nothing has run out. */
    struct rk_sweep_counts n = sweep(f, "2027-01-15T09:59:59Z", false);
    assert_int_equal(n.consents_expired, 0);
    assert_int_equal(status_of(f, a), RK_CONSENT_LIVE);

    n = sweep(f, AFTER_2Y, false);
    assert_int_equal(n.consents_expired, 1);
    assert_int_equal(n.signups_expired, 0);
    assert_int_equal(n.skipped, 0);
    assert_int_equal(status_of(f, a), RK_CONSENT_EXPIRED);
    assert_int_equal(rk_store_entry_get(f->store, "marketing", a, &e), RK_ENOENT);
    assert_int_equal(status_of(f, b), RK_CONSENT_LIVE);
    assert_int_equal(rk_store_entry_get(f->store, "marketing", b, &e), RK_OK);
    assert_int_equal(audience(f, rkt_ts(AFTER_2Y)), 1);
    assert_int_equal(rkt_census(f, NULL).consent_events_expired, 1);
    assert_int_equal(rkt_audit_count(f, "sweep.consent_expired", "sales_promotion"), 1);
    assert_int_equal(rkt_audit_like(f, "sweep.run", "consents_expired=1 signups_expired=0%"), 1);
}

static void dry_run_writes_nothing(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    struct rk_entry e;
    subscriber(f, "old@example.fi", rkt_ts(T0), a);
    int64_t audit = rkt_census(f, NULL).audit;
    int64_t events = rkt_census(f, NULL).consent_events;
    struct rk_sweep_counts n = sweep(f, AFTER_2Y, true);
    assert_int_equal(n.consents_expired, 1);
    assert_int_equal(rkt_census(f, NULL).audit, audit);
    assert_int_equal(rkt_census(f, NULL).consent_events, events);
    assert_int_equal(status_of(f, a), RK_CONSENT_LIVE);
    assert_int_equal(rk_store_entry_get(f->store, "marketing", a, &e), RK_OK);
}

static void second_run_is_a_noop(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    subscriber(f, "old@example.fi", rkt_ts(T0), a);
    assert_int_equal(sweep(f, AFTER_2Y, false).consents_expired, 1);
    int64_t audit = rkt_census(f, NULL).audit;
    int64_t events = rkt_census(f, NULL).consent_events;
    struct rk_sweep_counts n = sweep(f, AFTER_2Y, false);
    assert_int_equal(n.consents_expired, 0);
    assert_int_equal(n.signups_expired, 0);
    assert_int_equal(rkt_census(f, NULL).audit, audit);
    assert_int_equal(rkt_census(f, NULL).consent_events, events);
    assert_int_equal(sweep(f, "2030-01-01T00:00:00Z", true).consents_expired, 0);
}

/* An unconfirmed double opt-in signup as core/optin.c leaves it: a person, a pending consent
 * and the signup row, expiring 7 days after `at`. */
static void pending_signup(struct rkt_reg *f, const char *email, rk_ts at, char id[RK_ID_LEN + 1]) {
    rk_id_new(id);
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_store_person_insert(f->store, id, at));
    RKT_OK(f, rk_store_commit(f->store));
    struct rk_consent_input in = consent_at(at);
    in.pending = true;
    RKT_OK(f, rk_reg_consent(&f->reg, id, "sales_promotion", RK_CE_GIVEN, &in, &f->msg));
    struct rk_signup *u = calloc(1, sizeof *u);
    assert_non_null(u);
    snprintf(u->person_id, sizeof u->person_id, "%s", id);
    snprintf(u->purpose, sizeof u->purpose, "sales_promotion");
    snprintf(u->form_id, sizeof u->form_id, "newsletter");
    u->v[RK_F_EMAIL] = email;
    u->created_at = at;
    u->expires_at = at + (rk_ts)7 * 86400;
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_store_signup_put(f->store, u));
    RKT_OK(f, rk_store_commit(f->store));
    free(u);
}

static void expired_signup_removed(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    pending_signup(f, "slow@example.fi", rkt_ts(T0), a);
    pending_signup(f, "fresh@example.fi", rkt_ts(T0) + (rk_ts)5 * 86400, b);
    assert_int_equal(status_of(f, a), RK_CONSENT_PENDING);

    struct rk_sweep_counts n = sweep(f, "2025-01-23T00:00:00Z", true);
    assert_int_equal(n.signups_expired, 1);
    assert_int_equal(rkt_census(f, NULL).signups, 2);

    n = sweep(f, "2025-01-23T00:00:00Z", false);
    assert_int_equal(n.signups_expired, 1);
    assert_int_equal(n.consents_expired, 0);
    struct rk_signup *u = calloc(1, sizeof *u);
    assert_non_null(u);
    assert_int_equal(rk_store_signup_get(f->store, a, "sales_promotion", u), RK_ENOENT);
    assert_int_equal(rk_store_signup_get(f->store, b, "sales_promotion", u), RK_OK);
    free(u);
    /* The newcomer who never confirmed was in no register: nothing of them is kept. */
    assert_int_equal(rkt_census(f, a).persons, 0);
    assert_int_equal(rkt_census(f, NULL).consent_events, 1); /* b's */
    assert_int_equal(rkt_audit_count(f, "sweep.person_deleted", "signup_expired"), 1);
    assert_int_equal(status_of(f, b), RK_CONSENT_PENDING);
    assert_int_equal(rkt_audit_count(f, "sweep.signup_expired", "sales_promotion"), 1);
    assert_int_equal(sweep(f, "2025-01-23T00:00:00Z", false).signups_expired, 0);
}

static void more_than_one_batch(void **state) {
    struct rkt_reg *f = *state;
    enum { N = RK_SWEEP_BATCH + 7 };
    char id[RK_ID_LEN + 1], email[64];
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    for (int i = 0; i < N; i++) {
        snprintf(email, sizeof email, "t%d@example.fi", i);
        subscriber(f, email, rkt_ts(T0), id);
    }
    RKT_OK(f, rk_reg_batch_commit(&f->reg));
    assert_int_equal(sweep(f, AFTER_2Y, true).consents_expired, N);
    struct rk_sweep_counts n = sweep(f, AFTER_2Y, false);
    assert_int_equal(n.consents_expired, N);
    assert_int_equal(rkt_entries_in(f, "marketing"), 0);
    assert_int_equal(audience(f, rkt_ts(AFTER_2Y)), 0);
    assert_int_equal(sweep(f, AFTER_2Y, false).consents_expired, 0);
}

/* One sweep at a time: while another holds the store's lease "sweep" a run does nothing and
 * says so (skipped, not failed); once it is free the run works and gives the lease up. A dry
 * run writes nothing and needs no lease. */
static void held_lease_skips_the_run(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    subscriber(f, "old@example.fi", rkt_ts(T0), a);
    int64_t audit = rkt_census(f, NULL).audit;
    rk_ts wall = rk_time_now();
    bool got = false;
    assert_int_equal(rk_store_lease_take(f->store, "sweep", "another-instance", wall,
                                         wall + RK_SWEEP_LEASE_S, &got),
                     RK_OK);
    assert_true(got);
    struct rk_sweep_counts n = sweep(f, AFTER_2Y, false);
    assert_true(n.elsewhere);
    assert_int_equal(n.consents_expired, 0);
    assert_int_equal(status_of(f, a), RK_CONSENT_LIVE);
    assert_int_equal(rkt_census(f, NULL).audit, audit);
    n = sweep(f, AFTER_2Y, true);
    assert_false(n.elsewhere);
    assert_int_equal(n.consents_expired, 1);

    assert_int_equal(rk_store_lease_drop(f->store, "sweep", "another-instance"), RK_OK);
    n = sweep(f, AFTER_2Y, false);
    assert_false(n.elsewhere);
    assert_int_equal(n.consents_expired, 1);
    assert_int_equal(status_of(f, a), RK_CONSENT_EXPIRED);
    /* The run gave the lease up: another takes it at once. */
    assert_int_equal(rk_store_lease_take(f->store, "sweep", "another-instance", wall,
                                         wall + RK_SWEEP_LEASE_S, &got),
                     RK_OK);
    assert_true(got);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, rkt_reg_teardown)
    const struct CMUnitTest tests[] = {
        T(expired_consent_leaves_register_and_audience),
        T(dry_run_writes_nothing),
        T(second_run_is_a_noop),
        T(expired_signup_removed),
        T(more_than_one_batch),
        T(held_lease_skips_the_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
