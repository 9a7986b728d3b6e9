/*
 * test_staff.c — the console's staff accounts (core/staff.h): the password
 * rules and the shipped list, argon2 hashing, secrets and CSRF tokens, the
 * back-off, session liveness (idle and absolute, with REKISTERI_NOW), and the
 * account's life over a real store: setup links, sign-in and its throttling,
 * and every change that must end the account's sessions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/staff.h"
#include "regfix.h"
#include "store/store.h"
#include "testutil.h"

#define T0 "2026-03-02T10:00:00Z"
#define PW "kolme iloista kirahvia"

/* ---- Pure rules ------------------------------------------------------------------------------ */

static void password_rules(void **state) {
    (void)state;
    const char *e = "matti.meikalainen@example.fi", *n = "Matti Meikäläinen";
    assert_int_equal(rk_staff_password_check(PW, e, n), RK_PW_OK);
    assert_int_equal(rk_staff_password_check("lyhyt sana", e, n), RK_PW_SHORT);
    assert_int_equal(rk_staff_password_check("ääkkösiä 12", e, n), RK_PW_SHORT); /* 11 chars */
    char longpw[400];
    memset(longpw, 'x', 300);
    memcpy(longpw, "q7!Zk", 5);
    longpw[300] = '\0';
    assert_int_equal(rk_staff_password_check(longpw, e, n), RK_PW_LONG);
    assert_int_equal(rk_staff_password_check("tab\there is bad", e, n), RK_PW_NOT_TEXT);
    assert_int_equal(rk_staff_password_check("\xff\xfe not utf-8 at all", e, n), RK_PW_NOT_TEXT);
    /* the email's local part, or a part of it, in any case */
    assert_int_equal(rk_staff_password_check("xMatti.Meikalainen9", e, n), RK_PW_EMAIL);
    assert_int_equal(rk_staff_password_check("hyvää meikalainen!!", e, n), RK_PW_EMAIL);
    /* the name, or a part of it, Finnish letters folded */
    assert_int_equal(rk_staff_password_check("minä olen MEIKÄLÄINEN", "x@example.fi", n),
                     RK_PW_NAME);
    assert_int_equal(rk_staff_password_check("mattimeikäläinen1", "x@example.fi", n), RK_PW_NAME);
    /* the list, also with digits and punctuation at the end */
    assert_int_equal(rk_staff_password_check("salasana1234", e, n), RK_PW_COMMON);
    assert_int_equal(rk_staff_password_check("Salasana2024!", e, n), RK_PW_COMMON);
    assert_int_equal(rk_staff_password_check("qwertyuiop123", e, n), RK_PW_COMMON);
    assert_int_equal(rk_staff_password_check("Jääkiekko2026", e, n), RK_PW_COMMON);
    assert_int_equal(rk_staff_password_check("aaaaaaaaaaaaaaa", e, n), RK_PW_COMMON);
    assert_int_equal(rk_staff_password_check("abababababababab", e, n), RK_PW_COMMON);
    assert_false(rk_staff_password_common(PW));
    /* each problem has words in both languages */
    for (int p = RK_PW_NOT_TEXT; p <= RK_PW_MISMATCH; p++) {
        assert_true(strlen(rk_staff_password_text((enum rk_pw_problem)p, RK_LANG_FI)) > 10);
        assert_true(strlen(rk_staff_password_text((enum rk_pw_problem)p, RK_LANG_EN)) > 10);
    }
}

static void hashing(void **state) {
    (void)state;
    char h[RK_STAFF_PWHASH_MAX + 1];
    assert_int_equal(rk_staff_password_hash(PW, h), RK_OK);
    assert_non_null(strstr(h, "$argon2id$"));
    assert_null(strstr(h, PW));
    assert_true(rk_staff_verify(h, PW));
    assert_false(rk_staff_verify(h, "kolme iloista kirahvia "));
    assert_false(rk_staff_verify(NULL, PW)); /* the dummy: runs, never matches */
    assert_false(rk_staff_verify("", ""));
}

static void secrets_and_csrf(void **state) {
    (void)state;
    struct rk_keys k, k2;
    memset(&k, 1, sizeof k);
    memset(&k2, 2, sizeof k2);
    char a[RK_STAFF_SECRET_LEN + 1], b[RK_STAFF_SECRET_LEN + 1];
    rk_staff_secret_new(a);
    rk_staff_secret_new(b);
    assert_int_equal(strlen(a), RK_STAFF_SECRET_LEN);
    assert_true(rk_staff_secret_valid(a));
    assert_string_not_equal(a, b);
    assert_false(rk_staff_secret_valid("short"));
    assert_false(rk_staff_secret_valid("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")); /* '=' */
    char c1[RK_STAFF_SECRET_LEN + 1], c2[RK_STAFF_SECRET_LEN + 1], c3[RK_STAFF_SECRET_LEN + 1];
    rk_staff_csrf(&k, a, c1);
    rk_staff_csrf(&k, a, c2);
    assert_string_equal(c1, c2); /* derived, not stored */
    rk_staff_csrf(&k, b, c2);
    assert_string_not_equal(c1, c2);
    rk_staff_csrf(&k2, a, c3); /* another key (a rotation): another token */
    assert_string_not_equal(c1, c3);
    assert_string_not_equal(c1, a);
    unsigned char h1[RK_HASH_LEN], h2[RK_HASH_LEN];
    rk_staff_hash(&k, "session", a, h1);
    rk_staff_hash(&k, "setup", a, h2); /* kinds are separated */
    assert_memory_not_equal(h1, h2, RK_HASH_LEN);
}

static void backoff(void **state) {
    (void)state;
    for (int i = 0; i < RK_STAFF_FREE_ACCOUNT; i++)
        assert_int_equal(rk_staff_backoff(i, RK_STAFF_FREE_ACCOUNT), 0);
    assert_int_equal(rk_staff_backoff(5, 5), RK_STAFF_BACKOFF_S);
    assert_int_equal(rk_staff_backoff(6, 5), 2 * RK_STAFF_BACKOFF_S);
    assert_int_equal(rk_staff_backoff(7, 5), 4 * RK_STAFF_BACKOFF_S);
    assert_int_equal(rk_staff_backoff(40, 5), RK_STAFF_BACKOFF_MAX_S);
    assert_int_equal(rk_staff_backoff(1000000, 5), RK_STAFF_BACKOFF_MAX_S);
    assert_int_equal(rk_staff_backoff(19, RK_STAFF_FREE_ADDRESS), 0);
}

static void session_liveness(void **state) {
    (void)state;
    rk_ts t0 = rkt_ts(T0), idle_ends = 0;
    struct rk_staff_session x = {.created_at = t0, .last_seen = t0, .expires_at = t0 + 12L * 3600};
    struct rk_staff_limits l = {0, 0}; /* defaults: 30 min, 12 h */
    assert_true(rk_staff_session_live(&x, t0, &l, &idle_ends));
    assert_int_equal(idle_ends, t0 + 1800);
    assert_true(rk_staff_session_live(&x, t0 + 1799, &l, NULL));
    assert_false(rk_staff_session_live(&x, t0 + 1800, &l, NULL)); /* idle */
    x.last_seen = t0 + 12L * 3600 - 10;                           /* kept busy ... */
    assert_true(rk_staff_session_live(&x, t0 + 12L * 3600 - 1, &l, &idle_ends));
    assert_int_equal(idle_ends, t0 + 12L * 3600); /* never past the absolute end */
    assert_false(rk_staff_session_live(&x, t0 + 12L * 3600, &l, NULL)); /* ... ends at 12 h */
    struct rk_staff_limits shortl = {60, 120};
    x.last_seen = t0;
    assert_false(rk_staff_session_live(&x, t0 + 60, &shortl, NULL));
}

/* ---- Over a store ------------------------------------------------------------------------- */

static int setup(void **state) {
    setenv("REKISTERI_NOW", T0, 1);
    return rkt_reg_setup(state, "staff", "examples/smartum/declaration.yaml");
}

static int teardown(void **state) {
    unsetenv("REKISTERI_NOW");
    return rkt_reg_teardown(state);
}

/* Adds an account with PW as its password; returns it in *a. */
static void add_account(struct rkt_reg *f, const char *email, const char *role,
                        struct rk_staff *a) {
    char setup[RK_STAFF_SECRET_LEN + 1], h[RK_STAFF_PWHASH_MAX + 1];
    rk_ts now = rk_time_now();
    assert_int_equal(rk_staff_password_hash(PW, h), RK_OK);
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_staff_add(f->store, &f->keys, email, "Dora Dpo", role, now, "cli", a, setup));
    RKT_OK(f, rk_staff_password_set(f->store, &f->keys, a, h, now, "cli"));
    RKT_OK(f, rk_store_commit(f->store));
}

/* A sign-in from address, as the service does it; the result, and the session's secret. */
/* Every account's sign-in history, counting the successes (ok) or the failures. */
struct signin_count {
    struct rkt_reg *f;
    bool ok;
    int64_t n;
};

static int count_signin(void *ctx, const struct rk_staff_signin *e) {
    struct signin_count *c = ctx;
    c->n += e->ok == c->ok;
    return 0;
}

static int signins_of(void *ctx, const struct rk_staff *a) {
    struct signin_count *c = ctx;
    RKT_OK(c->f, rk_store_staff_signins(c->f->peer, a->id, 1000, count_signin, c));
    return 0;
}

static int64_t signins(struct rkt_reg *f, bool ok) {
    struct signin_count c = {f, ok, 0};
    RKT_OK(f, rk_store_staff_list(f->peer, signins_of, &c));
    return c.n;
}

static enum rk_signin_result sign_in(struct rkt_reg *f, const char *email, const char *pw,
                                     const char *address, char sid[RK_STAFF_SECRET_LEN + 1],
                                     const char **reason) {
    rk_ts now = rk_time_now();
    struct rk_signin_plan p;
    struct rk_staff_session x;
    struct rk_staff_limits l = {0, 0};
    RKT_OK(f, rk_staff_signin_plan(f->store, &f->keys, email, address, now, &p));
    bool ok = rk_staff_verify(p.found ? p.account.password : NULL, pw);
    enum rk_signin_result r = rk_staff_signin_result(&p, ok, now, reason);
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_staff_signin_record(f->store, &f->keys, &p, r, *reason, "loopback", now, &l, sid,
                                     &x));
    RKT_OK(f, rk_store_commit(f->store));
    return r;
}

static rk_err session_of(struct rkt_reg *f, const char *sid, struct rk_staff *a) {
    struct rk_staff_session x;
    struct rk_staff_limits l = {0, 0};
    rk_ts idle = 0;
    bool touch = false;
    return rk_staff_session(f->store, &f->keys, sid, rk_time_now(), &l, &x, a, &idle, &touch);
}

static void setup_link_single_use_and_expiring(void **state) {
    struct rkt_reg *f = *state;
    struct rk_staff a, b;
    char setup[RK_STAFF_SECRET_LEN + 1], h[RK_STAFF_PWHASH_MAX + 1];
    rk_ts now = rk_time_now();
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_staff_add(f->store, &f->keys, "anna@example.fi", "Anna", "sales", now, "cli", &a,
                           setup));
    assert_int_equal(
        rk_staff_add(f->store, &f->keys, "anna@example.fi", "Anna", "sales", now, "cli", &b, setup),
        RK_ECONFLICT);
    RKT_OK(f, rk_store_commit(f->store));
    RKT_OK(f, rk_staff_setup_account(f->store, &f->keys, setup, now, &b));
    assert_string_equal(b.id, a.id);
    assert_string_equal(b.password, ""); /* invited: no password yet */
    /* only its keyed hash is stored: the bytes at rest are the subject, read with SQL */
    assert_int_equal(rkt_rows_holding(f, "staff_setup", "hash", setup), 0);
    /* expires after 24 hours */
    assert_int_equal(rk_staff_setup_account(f->store, &f->keys, setup, now + 24L * 3600, &b),
                     RK_ENOENT);
    assert_int_equal(rk_staff_setup_account(f->store, &f->keys, "nonsense", now, &b), RK_ENOENT);
    /* used once */
    assert_int_equal(rk_staff_password_hash(PW, h), RK_OK);
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_staff_password_set(f->store, &f->keys, &a, h, now, "staff:x"));
    RKT_OK(f, rk_store_commit(f->store));
    assert_int_equal(rk_staff_setup_account(f->store, &f->keys, setup, now, &b), RK_ENOENT);
    /* audited by id, never the email or name */
    assert_int_equal(rkt_audit_count(f, "staff.added", NULL) +
                         rkt_audit_count(f, "staff.password_set", NULL),
                     2);
    assert_int_equal(rkt_audit_mentions(f, "%anna%"), 0);
}

static void signin_and_the_three_failures(void **state) {
    struct rkt_reg *f = *state;
    struct rk_staff a, got;
    add_account(f, "dora@example.fi", "dpo", &a);
    char sid[RK_STAFF_SECRET_LEN + 1];
    const char *reason = NULL;
    assert_int_equal(sign_in(f, "Dora@Example.FI", PW, "ip4:127.0.0.1", sid, &reason),
                     RK_SIGNIN_OK);
    RKT_OK(f, session_of(f, sid, &got));
    assert_string_equal(got.id, a.id);
    assert_int_equal(rkt_audit_count(f, "staff.signin", NULL), 1);
    /* the secret is not stored: the bytes at rest are the subject, read with SQL */
    assert_int_equal(rkt_rows_holding(f, "staff_session", "hash", sid), 0);
    /* unknown, wrong password, disabled: one result */
    char s2[RK_STAFF_SECRET_LEN + 1];
    assert_int_equal(sign_in(f, "nobody@example.fi", PW, "ip4:10.0.0.1", s2, &reason),
                     RK_SIGNIN_FAILED);
    assert_int_equal(sign_in(f, "dora@example.fi", "wrong password!", "ip4:10.0.0.2", s2, &reason),
                     RK_SIGNIN_FAILED);
    assert_string_equal(reason, "password");
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_staff_set_disabled(f->store, &f->keys, &a, true, rk_time_now(), "cli"));
    RKT_OK(f, rk_store_commit(f->store));
    assert_int_equal(sign_in(f, "dora@example.fi", PW, "ip4:10.0.0.3", s2, &reason),
                     RK_SIGNIN_FAILED);
    assert_string_equal(reason, "disabled");
    /* disabling ended the session */
    assert_int_equal(session_of(f, sid, &got), RK_ENOENT);
    assert_int_equal(rkt_census(f, NULL).staff_sessions, 0);
    /* the history: one success, two failures of the account (the unknown one has none) */
    assert_int_equal(signins(f, true), 1);
    assert_int_equal(signins(f, false), 2);
    assert_int_equal(rkt_audit_count(f, "staff.signin_failed", NULL), 3);
    assert_int_equal(rkt_audit_mentions(f, "%example%"), 0);
}

static void throttled_per_account_then_released(void **state) {
    struct rkt_reg *f = *state;
    struct rk_staff a;
    add_account(f, "dora@example.fi", "dpo", &a);
    char sid[RK_STAFF_SECRET_LEN + 1];
    const char *reason = NULL;
    for (int i = 0; i < RK_STAFF_FREE_ACCOUNT; i++) { /* from different addresses */
        char addr[32];
        snprintf(addr, sizeof addr, "ip4:192.0.2.%d", i);
        assert_int_equal(sign_in(f, "dora@example.fi", "wrong password!", addr, sid, &reason),
                         RK_SIGNIN_FAILED);
    }
    assert_int_equal(rkt_audit_count(f, "staff.locked", NULL), 1);
    /* now even the right password is throttled, and so is an unknown email after as many */
    assert_int_equal(sign_in(f, "dora@example.fi", PW, "ip4:198.51.100.1", sid, &reason),
                     RK_SIGNIN_THROTTLED);
    assert_string_equal(reason, "locked");
    for (int i = 0; i < RK_STAFF_FREE_ACCOUNT; i++)
        (void)sign_in(f, "ghost@example.fi", "wrong password!", "ip4:198.51.100.2", sid, &reason);
    assert_int_equal(sign_in(f, "ghost@example.fi", "x", "ip4:198.51.100.3", sid, &reason),
                     RK_SIGNIN_THROTTLED);
    /* the back-off passes */
    char later[RK_TS_LEN + 1];
    rk_ts_format(rkt_ts(T0) + RK_STAFF_BACKOFF_S + 1, later);
    setenv("REKISTERI_NOW", later, 1);
    assert_int_equal(sign_in(f, "dora@example.fi", PW, "ip4:198.51.100.1", sid, &reason),
                     RK_SIGNIN_OK);
    /* a success clears the account's count: the next failure is free again */
    assert_int_equal(
        sign_in(f, "dora@example.fi", "wrong password!", "ip4:198.51.100.9", sid, &reason),
        RK_SIGNIN_FAILED);
    assert_int_equal(sign_in(f, "dora@example.fi", PW, "ip4:198.51.100.1", sid, &reason),
                     RK_SIGNIN_OK);
}

static void throttled_per_address(void **state) {
    struct rkt_reg *f = *state;
    char sid[RK_STAFF_SECRET_LEN + 1], email[64];
    const char *reason = NULL;
    for (int i = 0; i < RK_STAFF_FREE_ADDRESS; i++) { /* a different email each time */
        snprintf(email, sizeof email, "user%d@example.fi", i);
        assert_int_equal(sign_in(f, email, "wrong password!", "ip4:203.0.113.7", sid, &reason),
                         RK_SIGNIN_FAILED);
    }
    assert_int_equal(sign_in(f, "fresh@example.fi", "x", "ip4:203.0.113.7", sid, &reason),
                     RK_SIGNIN_THROTTLED);
    assert_int_equal(sign_in(f, "fresh@example.fi", "x", "ip4:203.0.113.8", sid, &reason),
                     RK_SIGNIN_FAILED); /* another address is not held up */
}

static void sessions_end_on_changes_and_expiry(void **state) {
    struct rkt_reg *f = *state;
    struct rk_staff a, got;
    add_account(f, "dora@example.fi", "dpo", &a);
    char sid[RK_STAFF_SECRET_LEN + 1], s2[RK_STAFF_SECRET_LEN + 1], setup[RK_STAFF_SECRET_LEN + 1];
    const char *reason = NULL;
    /* a role change ends it */
    assert_int_equal(sign_in(f, "dora@example.fi", PW, "a", sid, &reason), RK_SIGNIN_OK);
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_staff_set_role(f->store, &f->keys, &a, "sales", rk_time_now(), "cli"));
    RKT_OK(f, rk_store_commit(f->store));
    assert_int_equal(session_of(f, sid, &got), RK_ENOENT);
    /* a reset ends it and the password no longer works */
    assert_int_equal(sign_in(f, "dora@example.fi", PW, "a", sid, &reason), RK_SIGNIN_OK);
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_staff_reset(f->store, &f->keys, &a, rk_time_now(), "cli", setup));
    RKT_OK(f, rk_store_commit(f->store));
    assert_int_equal(session_of(f, sid, &got), RK_ENOENT);
    assert_int_equal(sign_in(f, "dora@example.fi", PW, "a", s2, &reason), RK_SIGNIN_FAILED);
    assert_string_equal(reason, "no_password");
    char h[RK_STAFF_PWHASH_MAX + 1];
    assert_int_equal(rk_staff_password_hash(PW, h), RK_OK);
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_staff_setup_account(f->store, &f->keys, setup, rk_time_now(), &a));
    RKT_OK(f, rk_staff_password_set(f->store, &f->keys, &a, h, rk_time_now(), "staff:x"));
    RKT_OK(f, rk_store_commit(f->store));
    /* sign-out ends only that session */
    assert_int_equal(sign_in(f, "dora@example.fi", PW, "a", sid, &reason), RK_SIGNIN_OK);
    assert_int_equal(sign_in(f, "dora@example.fi", PW, "a", s2, &reason), RK_SIGNIN_OK);
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_staff_signout(f->store, &f->keys, sid, rk_time_now()));
    RKT_OK(f, rk_store_commit(f->store));
    assert_int_equal(session_of(f, sid, &got), RK_ENOENT);
    RKT_OK(f, session_of(f, s2, &got));
    /* idle: 29 minutes later it lives, 30 minutes after its last use it does not */
    char t[RK_TS_LEN + 1];
    rk_ts_format(rkt_ts(T0) + 29L * 60, t);
    setenv("REKISTERI_NOW", t, 1);
    RKT_OK(f, session_of(f, s2, &got));
    rk_ts_format(rkt_ts(T0) + 30L * 60, t);
    setenv("REKISTERI_NOW", t, 1);
    assert_int_equal(session_of(f, s2, &got), RK_ENOENT);
    /* key rotation's clear ends every session */
    assert_int_equal(sign_in(f, "dora@example.fi", PW, "a", sid, &reason), RK_SIGNIN_OK);
    int64_t n = 0;
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_store_staff_sessions_clear(f->store, NULL, &n));
    RKT_OK(f, rk_store_commit(f->store));
    assert_true(n >= 1);
    assert_int_equal(session_of(f, sid, &got), RK_ENOENT);
}

static void touch_is_due_once_a_minute(void **state) {
    struct rkt_reg *f = *state;
    struct rk_staff a;
    add_account(f, "dora@example.fi", "dpo", &a);
    char sid[RK_STAFF_SECRET_LEN + 1];
    const char *reason = NULL;
    assert_int_equal(sign_in(f, "dora@example.fi", PW, "a", sid, &reason), RK_SIGNIN_OK);
    struct rk_staff_session x;
    struct rk_staff_limits l = {0, 0};
    rk_ts idle = 0;
    bool touch = true;
    RKT_OK(f,
           rk_staff_session(f->store, &f->keys, sid, rkt_ts(T0) + 30, &l, &x, &a, &idle, &touch));
    assert_false(touch);
    RKT_OK(f,
           rk_staff_session(f->store, &f->keys, sid, rkt_ts(T0) + 61, &l, &x, &a, &idle, &touch));
    assert_true(touch);
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_store_staff_session_touch(f->store, x.hash, rkt_ts(T0) + 1700));
    RKT_OK(f, rk_store_commit(f->store));
    /* kept alive past the first half hour by use */
    RKT_OK(f,
           rk_staff_session(f->store, &f->keys, sid, rkt_ts(T0) + 3000, &l, &x, &a, &idle, &touch));
    assert_int_equal(idle, rkt_ts(T0) + 1700 + 1800);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(password_rules),
        cmocka_unit_test(hashing),
        cmocka_unit_test(secrets_and_csrf),
        cmocka_unit_test(backoff),
        cmocka_unit_test(session_liveness),
        cmocka_unit_test_setup_teardown(setup_link_single_use_and_expiring, setup, teardown),
        cmocka_unit_test_setup_teardown(signin_and_the_three_failures, setup, teardown),
        cmocka_unit_test_setup_teardown(throttled_per_account_then_released, setup, teardown),
        cmocka_unit_test_setup_teardown(throttled_per_address, setup, teardown),
        cmocka_unit_test_setup_teardown(sessions_end_on_changes_and_expiry, setup, teardown),
        cmocka_unit_test_setup_teardown(touch_is_due_once_a_minute, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
