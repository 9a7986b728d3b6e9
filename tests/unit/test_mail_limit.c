/*
 * test_mail_limit.c — the mail limit (core/mail_limit.h) over a real store:
 * the rule (one mail per min_interval and per_day in 24 hours per recipient,
 * across kinds; staff bound by per_day only), what it keeps (keyed hashes,
 * pruned after a day), shadow work (undone writes, earlier ones untouched),
 * rk_mail_limit_send's three outcomes, a double opt-in flood (sixty
 * submissions, one mail, every submission recorded; refused addresses leave
 * nothing), and the declaration's mail_limits with its positioned errors.
 * Time moves through the instants given, as REKISTERI_NOW moves the CLI's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/mail_limit.h"
#include "core/optin.h"
#include "fixtures.h"
#include "mail/mail.h"
#include "regfix.h"
#include "testutil.h"

#define T0 "2026-03-02T10:00:00Z"

static int setup(void **state) {
    return rkt_reg_setup(state, "maillimit", "examples/smartum/declaration.yaml");
}

/* One rk_mail_limit_take in a transaction of its own. */
static bool may_send(struct rkt_reg *f, const char *email, enum rk_mail_by by, rk_ts at) {
    struct rk_work w;
    bool may = false;
    RKT_OK(f, rk_reg_work_begin(&f->reg, &w));
    rk_err err = rk_mail_limit_take(&f->reg, email, by, at, &may);
    RKT_OK(f, rk_reg_work_end(&f->reg, &w, err));
    return may;
}

static void public_interval_and_day(void **state) {
    struct rkt_reg *f = *state;
    rk_ts t = rkt_ts(T0);
    assert_true(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t));
    /* within 10 minutes: withheld, whatever the spelling of the address */
    assert_false(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t + 1));
    assert_false(may_send(f, "Maija@Example.FI", RK_MAIL_BY_PUBLIC, t + 599));
    /* another address has a budget of its own */
    assert_true(may_send(f, "matti@example.fi", RK_MAIL_BY_PUBLIC, t + 1));
    /* ten minutes on, the next; five in all in 24 hours */
    for (int i = 1; i < 5; i++)
        assert_true(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t + (rk_ts)600 * i));
    assert_false(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t + (rk_ts)600 * 5));
    assert_false(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t + 86399));
    /* once the first is a day old, one more */
    assert_true(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t + 86400));
    assert_false(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t + 86401));
}

static void staff_bound_by_day_only(void **state) {
    struct rkt_reg *f = *state;
    rk_ts t = rkt_ts(T0);
    assert_true(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t));
    /* a receipt, then staff send a verification link a minute later */
    assert_true(may_send(f, "maija@example.fi", RK_MAIL_BY_STAFF, t + 60));
    /* the staff's mail counts: the public waits ten minutes from it */
    assert_false(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t + 600));
    assert_true(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t + 660));
    assert_true(may_send(f, "maija@example.fi", RK_MAIL_BY_STAFF, t + 661));
    assert_true(may_send(f, "maija@example.fi", RK_MAIL_BY_STAFF, t + 662));
    /* five in a day for staff too */
    assert_false(may_send(f, "maija@example.fi", RK_MAIL_BY_STAFF, t + 663));
}

static void declared_limits(void **state) {
    struct rkt_reg *f = *state;
    rk_ts t = rkt_ts(T0);
    struct rk_decl *d = (struct rk_decl *)f->decl;
    d->mail_limits.min_interval = 90;
    d->mail_limits.per_day = 2;
    assert_true(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t));
    assert_false(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t + 89));
    assert_true(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t + 90));
    assert_false(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t + 900));
}

/* The table holds one row per mail, keyed hashes only, and a day's rows at most. */
static void keeps_hashes_and_prunes(void **state) {
    struct rkt_reg *f = *state;
    rk_ts t = rkt_ts(T0);
    assert_true(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t));
    assert_false(may_send(f, "maija@example.fi", RK_MAIL_BY_PUBLIC, t + 1)); /* no row */
    assert_int_equal(rkt_census(f, NULL).mail_limits, 1);
    /* What the row holds is the subject here (bytes at rest, not a count): raw SQL on purpose. */
    assert_int_equal(rkt_count(f, "SELECT length(recipient) FROM mail_limit"), RK_HASH_LEN);
    assert_int_equal(rkt_count(f, "SELECT count(*) FROM mail_limit WHERE "
                                  "CAST(recipient AS TEXT) LIKE '%maija%'"),
                     0);
    /* not the person index's hash: its own subkey */
    unsigned char lookup[RK_HASH_LEN], mail[RK_HASH_LEN];
    rk_keys_hash(&f->keys, RK_F_EMAIL, "maija@example.fi", lookup);
    rk_keys_mail_hash(&f->keys, "maija@example.fi", mail);
    assert_memory_not_equal(lookup, mail, RK_HASH_LEN);
    /* a row a day old goes with the next row written, of any recipient */
    assert_true(may_send(f, "matti@example.fi", RK_MAIL_BY_PUBLIC, t + 86399));
    assert_int_equal(rkt_census(f, NULL).mail_limits, 2);
    assert_true(may_send(f, "liisa@example.fi", RK_MAIL_BY_PUBLIC, t + 86400));
    assert_int_equal(rkt_census(f, NULL).mail_limits, 2);
}

/* ---- Shadow work and rk_mail_limit_send ------------------------------------------------- */

static rk_err queue_test_mail(struct rk_reg *reg, void *ctx, const char *person_id,
                              const char *recipient) {
    int *calls = ctx;
    (*calls)++;
    struct rk_outbox_msg m = {.person_id = person_id,
                              .kind = "confirm",
                              .recipient = recipient,
                              .subject = "Vahvista",
                              .body = "Avaa linkki.\n"};
    int64_t id = 0;
    return rk_mail_enqueue(reg->store, &m, NULL, &id);
}

static enum rk_mail_outcome send_one(struct rkt_reg *f, const char *to, rk_ts at, bool refused,
                                     int *calls) {
    struct rk_work w;
    enum rk_mail_outcome out = RK_MAIL_NONE;
    struct rk_mail_job job = {
        .recipient = to, .at = at, .refused = refused, .queue = queue_test_mail, .ctx = calls};
    RKT_OK(f, rk_reg_work_begin(&f->reg, &w));
    rk_err err = rk_mail_limit_send(&f->reg, &job, &out);
    RKT_OK(f, rk_reg_work_end(&f->reg, &w, err));
    return out;
}

static void send_outcomes(void **state) {
    struct rkt_reg *f = *state;
    rk_ts t = rkt_ts(T0);
    int calls = 0;
    assert_int_equal(send_one(f, "maija@example.fi", t, false, &calls), RK_MAIL_SENT);
    assert_int_equal(rkt_census(f, NULL).outbox, 1);
    assert_int_equal(rkt_census(f, NULL).mail_limits, 1);
    /* withheld: the mail is composed and queued all the same (the same work), then undone */
    assert_int_equal(send_one(f, "maija@example.fi", t + 60, false, &calls), RK_MAIL_WITHHELD);
    /* refused: never sent, whatever the budget */
    assert_int_equal(send_one(f, "matti@example.fi", t, true, &calls), RK_MAIL_NONE);
    assert_int_equal(calls, 3);
    assert_int_equal(rkt_census(f, NULL).outbox, 1);
    assert_int_equal(rkt_census(f, NULL).mail_limits, 1);
    /* matti's budget is untouched by the refused mail */
    assert_int_equal(send_one(f, "matti@example.fi", t + 1, false, &calls), RK_MAIL_SENT);
}

static void shadow_undoes_only_its_own(void **state) {
    struct rkt_reg *f = *state;
    rk_ts t = rkt_ts(T0);
    int calls = 0;
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    assert_int_equal(send_one(f, "maija@example.fi", t, false, &calls), RK_MAIL_SENT);
    RKT_OK(f, rk_shadow_begin(&f->reg));
    RKT_OK(f, rk_store_person_insert(f->store, "aaaaaaaaaaaaaaaaaaaaaaaaaa", t));
    RKT_OK(f, rk_shadow_begin(&f->reg)); /* nested */
    RKT_OK(f, rk_store_person_insert(f->store, "bbbbbbbbbbbbbbbbbbbbbbbbbb", t));
    RKT_OK(f, rk_shadow_end(&f->reg, true));
    RKT_OK(f, rk_shadow_end(&f->reg, false)); /* the outer keeps its write */
    RKT_OK(f, rk_shadow_begin(&f->reg));
    RKT_OK(f, rk_store_person_insert(f->store, "cccccccccccccccccccccccccc", t));
    RKT_OK(f, rk_shadow_end(&f->reg, true));
    RKT_OK(f, rk_reg_batch_commit(&f->reg));
    assert_int_equal(rkt_census(f, NULL).outbox, 1);
    assert_int_equal(rkt_census(f, "aaaaaaaaaaaaaaaaaaaaaaaaaa").persons, 1);
    assert_int_equal(rkt_census(f, "bbbbbbbbbbbbbbbbbbbbbbbbbb").persons, 0);
    assert_int_equal(rkt_census(f, "cccccccccccccccccccccccccc").persons, 0);
    /* outside a transaction there is nothing to shadow */
    assert_int_not_equal(rk_shadow_begin(&f->reg), RK_OK);
}

static void shadow_stand_in(void **state) {
    (void)state;
    char out[64];
    rk_shadow_value("Maija.Meik-0@Example.FI", out);
    assert_string_equal(out, "xxxxx.xxxx-x@xxxxxxx.xx");
    assert_true(rk_mail_address_ok(out));
    rk_shadow_value("+358401234567", out);
    assert_string_equal(out, "+xxxxxxxxxxxx");
}

/* ---- The double opt-in under a flood ---------------------------------------------------- */

static struct rk_optin_request signup(struct rkt_reg *f, const char *email, rk_ts at, int *calls) {
    struct rk_optin_request q;
    memset(&q, 0, sizeof q);
    q.form = rk_decl_form(f->decl, "newsletter");
    assert_non_null(q.form);
    q.c.v[RK_F_EMAIL] = email;
    q.lang = RK_LANG_FI;
    q.at = at;
    q.queue = queue_test_mail;
    q.queue_ctx = calls;
    return q;
}

static void optin_flood_one_mail(void **state) {
    struct rkt_reg *f = *state;
    rk_ts t = rkt_ts(T0);
    int calls = 0, sent = 0, withheld = 0;
    char id[RK_ID_LEN + 1];
    for (int i = 0; i < 60; i++) {
        enum rk_mail_outcome out = RK_MAIL_NONE;
        struct rk_optin_request q = signup(f, "uhri@example.fi", t + i, &calls);
        RKT_OK(f, rk_optin_submit(&f->reg, &q, id, &out, &f->msg));
        sent += out == RK_MAIL_SENT;
        withheld += out == RK_MAIL_WITHHELD;
    }
    assert_int_equal(sent, 1);
    assert_int_equal(withheld, 59);
    assert_int_equal(rkt_census(f, NULL).outbox, 1);
    /* every submission is recorded as before: one person, sixty pending consents */
    assert_int_equal(rkt_census(f, NULL).persons, 1);
    assert_int_equal(rkt_census(f, NULL).signups, 1);
    assert_int_equal(rkt_census(f, NULL).consent_events, 60);
    /* ten minutes after the mail, the next submission mails again */
    enum rk_mail_outcome out = RK_MAIL_NONE;
    struct rk_optin_request q = signup(f, "uhri@example.fi", t + 600, &calls);
    RKT_OK(f, rk_optin_submit(&f->reg, &q, id, &out, &f->msg));
    assert_int_equal(out, RK_MAIL_SENT);
    assert_int_equal(rkt_census(f, NULL).outbox, 2);
}

/* A refused address does all the work of a submission and keeps nothing of it. */
static void optin_refused_leaves_nothing(void **state) {
    struct rkt_reg *f = *state;
    rk_ts t = rkt_ts(T0);
    int calls = 0;
    char id[RK_ID_LEN + 1];
    RKT_OK(f, rk_reg_suppress(&f->reg, RK_F_EMAIL, "kielto@example.fi", RK_SUPPRESS_OBJECTION, t,
                              &f->msg));
    int64_t audit = rkt_census(f, NULL).audit;
    enum rk_mail_outcome out = RK_MAIL_SENT;
    struct rk_optin_request q = signup(f, "kielto@example.fi", t, &calls);
    RKT_OK(f, rk_optin_submit(&f->reg, &q, id, &out, &f->msg));
    assert_int_equal(out, RK_MAIL_NONE);
    assert_string_equal(id, "");
    assert_int_equal(calls, 1); /* composed, as for anyone, then undone */
    struct rk_census c = rkt_census(f, NULL);
    assert_int_equal(c.persons, 0);
    assert_int_equal(c.signups, 0);
    assert_int_equal(c.consent_events, 0);
    assert_int_equal(c.outbox, 0);
    assert_int_equal(c.mail_limits, 0);
    assert_int_equal(rkt_census(f, NULL).audit, audit);
    /* and the next write's audit chain is sound: a submission after it commits normally */
    q = signup(f, "uusi@example.fi", t + 1, &calls);
    RKT_OK(f, rk_optin_submit(&f->reg, &q, id, &out, &f->msg));
    assert_int_equal(out, RK_MAIL_SENT);
    assert_int_equal(rkt_census(f, NULL).audit, audit + 1);
}

static rk_err refuse_mail(struct rk_reg *reg, void *ctx, const char *person_id, const char *to) {
    (void)reg, (void)ctx, (void)person_id, (void)to;
    return RK_EINVAL; /* as rk_mail_enqueue refuses an address it cannot send to */
}

/* In a writer's batch, a submission that fails after its writes leaves none of them behind,
 * and the batch's other writes commit. */
static void optin_failure_undone_in_batch(void **state) {
    struct rkt_reg *f = *state;
    rk_ts t = rkt_ts(T0);
    int calls = 0;
    char id[RK_ID_LEN + 1];
    enum rk_mail_outcome out = RK_MAIL_NONE;
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    struct rk_optin_request q = signup(f, "eka@example.fi", t, &calls);
    RKT_OK(f, rk_optin_submit(&f->reg, &q, id, &out, &f->msg));
    q = signup(f, "toka@example.fi", t, &calls);
    q.queue = refuse_mail;
    assert_int_equal(rk_optin_submit(&f->reg, &q, id, &out, &f->msg), RK_EINVAL);
    assert_true(f->reg.in_batch);
    RKT_OK(f, rk_reg_batch_commit(&f->reg));
    assert_int_equal(rkt_census(f, NULL).persons, 1);
    assert_int_equal(rkt_census(f, NULL).signups, 1);
    assert_int_equal(rkt_census(f, NULL).consent_events, 1);
    assert_int_equal(rkt_census(f, NULL).outbox, 1);
    assert_int_equal(rkt_census(f, NULL).mail_limits, 1);
}

/* ---- The declaration -------------------------------------------------------------------- */

static unsigned lines_of(const char *s) {
    unsigned n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static void declaration_mail_limits(void **state) {
    (void)state;
    struct rk_decl *d = rkt_parse(FX_MINIMAL);
    assert_int_equal(d->mail_limits.min_interval, 600);
    assert_int_equal(d->mail_limits.per_day, 5);
    rk_decl_free(d);
    d = rkt_parse(FX_MINIMAL "mail_limits: {min_interval: 90s, per_day: 3}\n");
    assert_int_equal(d->mail_limits.min_interval, 90);
    assert_int_equal(d->mail_limits.per_day, 3);
    rk_decl_free(d);
    d = rkt_parse(FX_MINIMAL "mail_limits:\n  min_interval: 2h\n");
    assert_int_equal(d->mail_limits.min_interval, 7200);
    assert_int_equal(d->mail_limits.per_day, 5);
    rk_decl_free(d);

    char want[64];
    unsigned line = lines_of(FX_MINIMAL) + 2;
    const char *msg = rkt_parse_fail(FX_MINIMAL "mail_limits:\n  min_interval: 10m\n");
    snprintf(want, sizeof want, "%u:17: mail_limits.min_interval", line);
    assert_non_null(strstr(msg, want));
    assert_non_null(strstr(msg, "write 10min for minutes"));
    msg = rkt_parse_fail(FX_MINIMAL "mail_limits:\n  min_interval: 25h\n");
    assert_non_null(strstr(msg, "out of range"));
    msg = rkt_parse_fail(FX_MINIMAL "mail_limits:\n  min_interval: 0s\n");
    assert_non_null(strstr(msg, "out of range"));
    msg = rkt_parse_fail(FX_MINIMAL "mail_limits:\n  min_interval: soon\n");
    assert_non_null(strstr(msg, "expected a time such as 90s, 10min or 1h"));
    msg = rkt_parse_fail(FX_MINIMAL "mail_limits:\n  per_day: 0\n");
    snprintf(want, sizeof want, "%u:12: mail_limits.per_day", line);
    assert_non_null(strstr(msg, want));
    msg = rkt_parse_fail(FX_MINIMAL "mail_limits:\n  per_day: 1001\n");
    assert_non_null(strstr(msg, "from 1 to 1000"));
    msg = rkt_parse_fail(FX_MINIMAL "mail_limits:\n  per_hour: 3\n");
    assert_non_null(strstr(msg, "unknown key 'per_hour'"));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(public_interval_and_day, setup, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(staff_bound_by_day_only, setup, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(declared_limits, setup, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(keeps_hashes_and_prunes, setup, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(send_outcomes, setup, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(shadow_undoes_only_its_own, setup, rkt_reg_teardown),
        cmocka_unit_test(shadow_stand_in),
        cmocka_unit_test_setup_teardown(optin_flood_one_mail, setup, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(optin_refused_leaves_nothing, setup, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(optin_failure_undone_in_batch, setup, rkt_reg_teardown),
        cmocka_unit_test(declaration_mail_limits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
