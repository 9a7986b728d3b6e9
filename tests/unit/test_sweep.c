/*
 * test_sweep.c — the retention sweep (core/sweep.c) over a real SQLite store
 * with the example declaration (sales_promotion: consent valid 2 years): an
 * expired consent leaves the marketing register and the audience while a
 * live one stays; a dry run writes nothing; a second run does nothing; an
 * unconfirmed signup past its expiry is removed with its pending consent
 * expired; more than one batch is worked through.
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

#include "core/id.h"
#include "core/keys.h"
#include "core/register.h"
#include "core/sweep.h"
#include "testutil.h"

#define T0          "2025-01-15T10:00:00Z"
#define T0_PLUS_1Y  "2026-01-15T10:00:00Z"
#define AFTER_2Y    "2027-01-16T00:00:00Z"

struct fx {
    char dir[64];
    struct rk_keys keys;
    struct rk_store *store;
    struct rk_decl *decl;
    struct rk_reg reg;
    sqlite3 *raw; /* a second connection, for row counts */
    struct rk_msg msg;
};

static void path_in(const struct fx *f, const char *name, char *out, size_t n) {
    snprintf(out, n, "%s/%s", f->dir, name);
}

static int setup(void **state) {
    struct fx *f = calloc(1, sizeof *f);
    char path[128], err[256];
    int from = 0, to = 0;
    if (!f)
        return -1;
    *state = f;
    snprintf(f->dir, sizeof f->dir, "/tmp/rk-test-sweep-XXXXXX");
    if (rk_crypto_init() != RK_OK || !mkdtemp(f->dir))
        return -1;
    path_in(f, "key", path, sizeof path);
    if (rk_keys_create(path, err, sizeof err) != RK_OK ||
        rk_keys_load(path, &f->keys, err, sizeof err) != RK_OK)
        return -1;
    path_in(f, "t.db", path, sizeof path);
    if (rk_store_open(path, NULL, &f->store) != RK_OK ||
        rk_store_migrate(f->store, &from, &to) != RK_OK)
        return -1;
    if (sqlite3_open_v2(path, &f->raw, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return -1;
    sqlite3_busy_timeout(f->raw, 5000);
    f->decl = rkt_load("examples/smartum/declaration.yaml");
    return rk_reg_init(&f->reg, f->decl, f->store, &f->keys, "tester") == RK_OK ? 0 : -1;
}

static int teardown(void **state) {
    struct fx *f = *state;
    static const char *const files[] = {"t.db", "t.db-wal", "t.db-shm", "key"};
    char path[128];
    if (!f)
        return 0;
    sqlite3_close(f->raw);
    rk_store_close(f->store);
    rk_decl_free(f->decl);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        path_in(f, files[i], path, sizeof path);
        unlink(path);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

#define OK(call) must_at(__FILE__, __LINE__, (call), &f->msg)

static void must_at(const char *file, int line, rk_err got, const struct rk_msg *m) {
    if (got == RK_OK)
        return;
    print_error("%s:%d: %s: %s\n", file, line, rk_err_name(got), m->text);
    _fail(file, line);
}

static rk_ts ts(const char *iso) {
    rk_ts t = 0;
    if (!rk_ts_parse(iso, &t))
        fail_msg("bad instant %s", iso);
    return t;
}

static int64_t raw_count(struct fx *f, const char *sql) {
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    if (sqlite3_prepare_v2(f->raw, sql, -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
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
static void subscriber(struct fx *f, const char *email, rk_ts at, char id[RK_ID_LEN + 1]) {
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = "Tilaaja";
    c.v[RK_F_EMAIL] = email;
    struct rk_write w = {"marketing", "sales_promotion", RK_SRC_WEB_FORM, NULL, at};
    struct rk_consent_input in = consent_at(at);
    OK(rk_reg_person_add(&f->reg, &w, NULL, &c, &in, id, &f->msg));
}

static int count_entry(void *ctx, const struct rk_entry *e) {
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static int audience(struct fx *f, rk_ts now) {
    int n = 0;
    OK(rk_reg_audience(&f->reg, "sales_promotion", now, count_entry, &n, &f->msg));
    return n;
}

static enum rk_consent_status status_of(struct fx *f, const char *person) {
    struct rk_consent_state st;
    assert_int_equal(rk_store_consent_state_get(f->store, person, "sales_promotion", &st), RK_OK);
    return st.status;
}

static struct rk_sweep_counts sweep(struct fx *f, const char *at, bool dry_run) {
    struct rk_sweep_counts n;
    OK(rk_sweep_run(&f->reg, ts(at), dry_run, &n, &f->msg));
    return n;
}

static void expired_consent_leaves_register_and_audience(void **state) {
    struct fx *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    struct rk_entry e;
    subscriber(f, "old@example.fi", ts(T0), a);
    subscriber(f, "new@example.fi", ts(T0_PLUS_1Y), b);
    assert_int_equal(audience(f, ts(T0_PLUS_1Y)), 2);

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
    assert_int_equal(audience(f, ts(AFTER_2Y)), 1);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM consent_event WHERE event = 'expired'"), 1);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM audit WHERE action = "
                                  "'sweep.consent_expired' AND detail = 'sales_promotion'"),
                     1);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM audit WHERE action = 'sweep.run' AND "
                                  "detail LIKE 'consents_expired=1 signups_expired=0%'"),
                     1);
}

static void dry_run_writes_nothing(void **state) {
    struct fx *f = *state;
    char a[RK_ID_LEN + 1];
    struct rk_entry e;
    subscriber(f, "old@example.fi", ts(T0), a);
    int64_t audit = raw_count(f, "SELECT count(*) FROM audit");
    int64_t events = raw_count(f, "SELECT count(*) FROM consent_event");
    struct rk_sweep_counts n = sweep(f, AFTER_2Y, true);
    assert_int_equal(n.consents_expired, 1);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM audit"), audit);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM consent_event"), events);
    assert_int_equal(status_of(f, a), RK_CONSENT_LIVE);
    assert_int_equal(rk_store_entry_get(f->store, "marketing", a, &e), RK_OK);
}

static void second_run_is_a_noop(void **state) {
    struct fx *f = *state;
    char a[RK_ID_LEN + 1];
    subscriber(f, "old@example.fi", ts(T0), a);
    assert_int_equal(sweep(f, AFTER_2Y, false).consents_expired, 1);
    int64_t audit = raw_count(f, "SELECT count(*) FROM audit");
    int64_t events = raw_count(f, "SELECT count(*) FROM consent_event");
    struct rk_sweep_counts n = sweep(f, AFTER_2Y, false);
    assert_int_equal(n.consents_expired, 0);
    assert_int_equal(n.signups_expired, 0);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM audit"), audit);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM consent_event"), events);
    assert_int_equal(sweep(f, "2030-01-01T00:00:00Z", true).consents_expired, 0);
}

/* An unconfirmed double opt-in signup as core/optin.c leaves it: a person, a pending consent
 * and the signup row, expiring 7 days after `at`. */
static void pending_signup(struct fx *f, const char *email, rk_ts at, char id[RK_ID_LEN + 1]) {
    rk_id_new(id);
    OK(rk_store_begin(f->store));
    OK(rk_store_person_insert(f->store, id, at));
    OK(rk_store_commit(f->store));
    struct rk_consent_input in = consent_at(at);
    in.pending = true;
    OK(rk_reg_consent(&f->reg, id, "sales_promotion", RK_CE_GIVEN, &in, &f->msg));
    struct rk_signup *u = calloc(1, sizeof *u);
    assert_non_null(u);
    snprintf(u->person_id, sizeof u->person_id, "%s", id);
    snprintf(u->purpose, sizeof u->purpose, "sales_promotion");
    snprintf(u->form_id, sizeof u->form_id, "newsletter");
    u->v[RK_F_EMAIL] = email;
    u->created_at = at;
    u->expires_at = at + (rk_ts)7 * 86400;
    OK(rk_store_begin(f->store));
    OK(rk_store_signup_put(f->store, u));
    OK(rk_store_commit(f->store));
    free(u);
}

static void expired_signup_removed(void **state) {
    struct fx *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    pending_signup(f, "slow@example.fi", ts(T0), a);
    pending_signup(f, "fresh@example.fi", ts(T0) + (rk_ts)5 * 86400, b);
    assert_int_equal(status_of(f, a), RK_CONSENT_PENDING);

    struct rk_sweep_counts n = sweep(f, "2025-01-23T00:00:00Z", true);
    assert_int_equal(n.signups_expired, 1);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM signup"), 2);

    n = sweep(f, "2025-01-23T00:00:00Z", false);
    assert_int_equal(n.signups_expired, 1);
    assert_int_equal(n.consents_expired, 0);
    struct rk_signup *u = calloc(1, sizeof *u);
    assert_non_null(u);
    assert_int_equal(rk_store_signup_get(f->store, a, "sales_promotion", u), RK_ENOENT);
    assert_int_equal(rk_store_signup_get(f->store, b, "sales_promotion", u), RK_OK);
    free(u);
    assert_int_equal(status_of(f, a), RK_CONSENT_EXPIRED);
    assert_int_equal(status_of(f, b), RK_CONSENT_PENDING);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM audit WHERE action = "
                                  "'sweep.signup_expired' AND detail = 'sales_promotion'"),
                     1);
    assert_int_equal(sweep(f, "2025-01-23T00:00:00Z", false).signups_expired, 0);
}

static void more_than_one_batch(void **state) {
    struct fx *f = *state;
    enum { N = RK_SWEEP_BATCH + 7 };
    char id[RK_ID_LEN + 1], email[64];
    OK(rk_reg_batch_begin(&f->reg));
    for (int i = 0; i < N; i++) {
        snprintf(email, sizeof email, "t%d@example.fi", i);
        subscriber(f, email, ts(T0), id);
    }
    OK(rk_reg_batch_commit(&f->reg));
    assert_int_equal(sweep(f, AFTER_2Y, true).consents_expired, N);
    struct rk_sweep_counts n = sweep(f, AFTER_2Y, false);
    assert_int_equal(n.consents_expired, N);
    assert_int_equal(raw_count(f, "SELECT count(*) FROM entry WHERE register = 'marketing'"), 0);
    assert_int_equal(audience(f, ts(AFTER_2Y)), 0);
    assert_int_equal(sweep(f, AFTER_2Y, false).consents_expired, 0);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(expired_consent_leaves_register_and_audience),
        T(dry_run_writes_nothing),
        T(second_run_is_a_noop),
        T(expired_signup_removed),
        T(more_than_one_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
