/*
 * test_work.c — the core's unit of work (rk_reg_work_begin / rk_reg_work_end, rk_work_store_end)
 * when a COMMIT fails. A storage error is injected through the store itself:
 * the fixture's store gets a copy of its ops table whose commit fails, as a
 * disk that fills at COMMIT does, leaving the backend's transaction open.
 * Every core operation that opens its own transaction must then roll it back,
 * so that the register is not left "in a batch" and the next operation
 * commits normally instead of silently joining a dead transaction.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/notify.h"
#include "core/optin.h"
#include "core/request.h"
#include "base/id.h"
#include "base/tz.h"
#include "regfix.h"
#include "store/store.h"
#include "testutil.h"

#define T0 "2026-03-02T10:00:00Z"

/* ---- The injected failure ----------------------------------------------------------------- */

static const struct rk_store_ops *real_ops;
static struct rk_store_ops flaky_ops;
static int commits_to_fail;

/* A COMMIT that fails without ending the transaction, as SQLITE_FULL or SQLITE_IOERR can. */
static rk_err flaky_commit(struct rk_store *s) {
    if (commits_to_fail > 0) {
        commits_to_fail--;
        return RK_ESTORAGE;
    }
    return real_ops->commit(s);
}

static int setup(void **state) {
    if (rkt_reg_setup(state, "work", "examples/smartum/declaration.yaml") != 0)
        return -1;
    struct rkt_reg *f = *state;
    real_ops = f->store->ops;
    flaky_ops = *real_ops;
    flaky_ops.commit = flaky_commit;
    f->store->ops = &flaky_ops;
    commits_to_fail = 0;
    return 0;
}

static int teardown(void **state) {
    struct rkt_reg *f = *state;
    f->store->ops = real_ops;
    return rkt_reg_teardown(state);
}

#define MSG (rkt_clear(&f->msg))

/* ---- Each operation with a transaction of its own ----------------------------------------- */

static struct rk_optin_request signup(struct rkt_reg *f, const char *email) {
    struct rk_optin_request q;
    memset(&q, 0, sizeof q);
    q.form = rk_decl_form(f->decl, "newsletter");
    assert_non_null(q.form);
    q.c.v[RK_F_EMAIL] = email;
    q.lang = RK_LANG_FI;
    q.at = rkt_ts(T0);
    return q;
}

static void optin_after_failed_commit(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    enum rk_mail_outcome send = RK_MAIL_NONE;
    struct rk_optin_request q = signup(f, "eka@example.fi");
    commits_to_fail = 1;
    assert_int_equal(rk_optin_submit(&f->reg, &q, id, &send, MSG), RK_ESTORAGE);
    assert_false(f->reg.in_batch);
    assert_int_equal(send, RK_MAIL_NONE);
    assert_int_equal(rkt_census(f, NULL).signups, 0);

    q = signup(f, "toka@example.fi");
    RKT_OK(f, rk_optin_submit(&f->reg, &q, id, &send, MSG));
    assert_false(f->reg.in_batch);
    assert_int_equal(send, RK_MAIL_SENT);
    /* committed: another connection sees it */
    assert_int_equal(rkt_census(f, NULL).signups, 1);
}

static void request_after_failed_commit(void **state) {
    struct rkt_reg *f = *state;
    struct rk_tz tz;
    RKT_OK(f, rk_request_load_tz(f->decl, &tz, MSG));
    struct rk_request_input in = {.type = RK_RQ_ACCESS,
                                  .channel = RK_RQC_WEB,
                                  .email = "maija@example.fi",
                                  .now = rkt_ts(T0)};
    struct rk_request q;
    commits_to_fail = 1;
    assert_int_equal(rk_request_create(&f->reg, &tz, &in, &q, MSG), RK_ESTORAGE);
    assert_false(f->reg.in_batch);
    assert_int_equal(rkt_census(f, NULL).requests, 0);

    RKT_OK(f, rk_request_create(&f->reg, &tz, &in, &q, MSG));
    assert_false(f->reg.in_batch);
    assert_int_equal(rkt_census(f, NULL).requests, 1);
}

static void add_customer(struct rkt_reg *f, const char *email, char id[RK_ID_LEN + 1]) {
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = "Maija Meikäläinen";
    c.v[RK_F_EMAIL] = email;
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, id, MSG));
}

static void notify_after_failed_commit(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    add_customer(f, "maija@example.fi", id);
    int n = 0;
    commits_to_fail = 1;
    assert_int_equal(
        rk_notify_recipients(&f->reg, id, RK_NOTICE_RECTIFICATION, NULL, rkt_ts(T0), &n),
        RK_ESTORAGE);
    assert_false(f->reg.in_batch);
    assert_int_equal(rkt_census(f, NULL).notices, 0);

    RKT_OK(f, rk_notify_recipients(&f->reg, id, RK_NOTICE_RECTIFICATION, NULL, rkt_ts(T0), &n));
    assert_true(n > 0);
    assert_false(f->reg.in_batch);
    assert_int_equal(rkt_census(f, NULL).notices, n);
}

static void register_write_after_failed_commit(void **state) {
    struct rkt_reg *f = *state;
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = "Matti";
    char id[RK_ID_LEN + 1];
    commits_to_fail = 1;
    assert_int_equal(rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, id, MSG), RK_ESTORAGE);
    assert_false(f->reg.in_batch);
    assert_int_equal(rkt_census(f, NULL).persons, 0);

    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, id, MSG));
    assert_int_equal(rkt_census(f, NULL).persons, 1);
}

/* ---- Inside a batch ----------------------------------------------------------------------- */

/* A unit joins the caller's batch and commits nothing; the batch's failed COMMIT ends it. */
static void unit_joins_batch_and_failed_batch_ends(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    enum rk_mail_outcome send = RK_MAIL_NONE;
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    struct rk_optin_request q = signup(f, "eka@example.fi");
    RKT_OK(f, rk_optin_submit(&f->reg, &q, id, &send, MSG));
    assert_true(f->reg.in_batch); /* still the caller's */
    commits_to_fail = 1;
    assert_int_equal(rk_reg_batch_commit(&f->reg), RK_ESTORAGE);
    assert_false(f->reg.in_batch); /* rolled back, not left open */
    assert_int_equal(rkt_census(f, NULL).signups, 0);

    q = signup(f, "toka@example.fi");
    RKT_OK(f, rk_optin_submit(&f->reg, &q, id, &send, MSG));
    assert_int_equal(rkt_census(f, NULL).signups, 1);
}

/* ---- Without a register handle ----------------------------------------------------------- */

/* rk_work_store_end (the key rotation's database step): a failed COMMIT is rolled back, so the
 * write is gone and the next transaction begins and commits normally. */
static void store_end_after_failed_commit(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    rk_id_new(id);
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_store_person_insert(f->store, id, rkt_ts(T0)));
    commits_to_fail = 1;
    assert_int_equal(rk_work_store_end(f->store, RK_OK), RK_ESTORAGE);
    assert_int_equal(rkt_census(f, NULL).persons, 0);

    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_store_person_insert(f->store, id, rkt_ts(T0)));
    RKT_OK(f, rk_work_store_end(f->store, RK_OK));
    assert_int_equal(rkt_census(f, NULL).persons, 1);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(optin_after_failed_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(request_after_failed_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(notify_after_failed_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(register_write_after_failed_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(unit_joins_batch_and_failed_batch_ends, setup, teardown),
        cmocka_unit_test_setup_teardown(store_end_after_failed_commit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
