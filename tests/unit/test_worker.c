/*
 * test_worker.c — the outbox worker (src/worker/worker.c) through a fake
 * transport over a real store: the retry backoff and the give-up rule, a
 * pass reading batch after batch, an outcome someone else recorded dropped,
 * one that could not be recorded ending the pass with a message naming it,
 * and the thread remembering outcomes it could not record: each is recorded
 * later without a second attempt. With RK_STORE_BACKEND=postgres the store is a
 * schema of its own in RK_PG_URI's database (testutil.h), as regfix's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "worker/worker.h"

static void backoff(void **state) {
    (void)state;
    assert_int_equal(rk_worker_backoff(1, 60), 60);
    assert_int_equal(rk_worker_backoff(2, 60), 120);
    assert_int_equal(rk_worker_backoff(3, 60), 240);
    assert_int_equal(rk_worker_backoff(9, 60), 15360);
    assert_int_equal(rk_worker_backoff(10, 60), 6 * 3600); /* capped */
    assert_int_equal(rk_worker_backoff(60, 60), 6 * 3600);
    assert_int_equal(rk_worker_backoff(3, 1), 4);
}

static void retry_or_give_up(void **state) {
    (void)state;
    char error[32] = "421 try later";
    rk_ts at = 0;
    assert_true(rk_worker_retry(2, false, 0, 0, 1000, &at, error, sizeof error));
    assert_int_equal(at, 1000 + 120); /* base 60 s by default */
    assert_string_equal(error, "421 try later");
    assert_false(rk_worker_retry(10, false, 60, 0, 1000, &at, error, sizeof error));
    assert_int_equal(at, 1000);
    assert_string_equal(error, "gave up after 10 attempts: 421 "); /* cut to fit */
    snprintf(error, sizeof error, "550 no such user");
    assert_false(rk_worker_retry(1, true, 60, 3, 1000, &at, error, sizeof error));
    assert_string_equal(error, "550 no such user");
}

/* ---- A fake transport: items 1..NITEMS, due until recorded -------------------------------- */

#define NITEMS 7

static struct {
    bool recorded[NITEMS + 1];
    int attempts[NITEMS + 1];
    int fail_records; /* the next this many records fail with fail_with */
    rk_err fail_with;
    int enoent_id;       /* recording this id answers RK_ENOENT (someone else did) */
    atomic_int again;    /* remembered outcomes recorded later */
    atomic_int finished; /* items recorded */
} fake;

struct item {
    int64_t id;
};

struct outcome {
    int64_t id;
};

struct report {
    int done;
};

static rk_err fake_list(struct rk_store *s, rk_ts now, struct rk_worker_list *out) {
    (void)s;
    (void)now;
    for (int64_t id = 1; id <= NITEMS; id++) {
        if (fake.recorded[id])
            continue;
        struct item *it = rk_worker_list_add(out, id);
        if (!it)
            break;
        it->id = id;
    }
    return RK_OK;
}

static void fake_free(void *item) { (void)item; }

static rk_err fake_attempt(const void *ctx, void *item, void *out) {
    (void)ctx;
    const struct item *it = item;
    struct outcome *o = out;
    fake.attempts[it->id]++;
    o->id = it->id;
    return RK_OK;
}

static rk_err fake_record(struct rk_store *s, int64_t id, const void *out) {
    (void)s;
    const struct outcome *o = out;
    assert_int_equal(o->id, id);
    if (fake.fail_records > 0) {
        fake.fail_records--;
        return fake.fail_with;
    }
    fake.recorded[id] = true;
    atomic_fetch_add(&fake.finished, 1);
    return id == fake.enoent_id ? RK_ENOENT : RK_OK;
}

static bool fake_done(const void *ctx, void *report, const void *item, const void *out, bool again,
                      rk_err recorded) {
    (void)ctx;
    (void)item;
    (void)out;
    (void)recorded;
    if (again)
        atomic_fetch_add(&fake.again, 1);
    else
        ((struct report *)report)->done++;
    return false;
}

static void fake_count(struct rk_store *s, atomic_llong counts[RK_WORKER_COUNTS]) {
    (void)s;
    atomic_store(&counts[0], atomic_load(&fake.finished));
}

static struct rk_worker_ops fake_ops = {
    .event = "fake",
    .noun = "item",
    .item_size = sizeof(struct item),
    .outcome_size = sizeof(struct outcome),
    .report_size = sizeof(struct report),
    .batch = 3,
    .refill = true,
    .list = fake_list,
    .item_free = fake_free,
    .attempt = fake_attempt,
    .record = fake_record,
    .done = fake_done,
    .count = fake_count,
};

struct fx {
    char dir[64], db[512];
    char schema[48]; /* on PostgreSQL: the schema of the test (db is its URI) */
    struct rk_store *s;
};

static int setup(void **state) {
    struct fx *fx = calloc(1, sizeof *fx);
    if (!fx)
        return -1;
    snprintf(fx->dir, sizeof fx->dir, "/tmp/rk-worker-test-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    snprintf(fx->db, sizeof fx->db, "%s/t.db", fx->dir);
    if (rkt_backend_pg() &&
        !rkt_pg_schema_new(fx->schema, sizeof fx->schema, fx->db, sizeof fx->db))
        return -1;
    if (rk_store_open(fx->db, NULL, &fx->s, NULL) != RK_OK)
        return -1;
    memset(&fake, 0, sizeof fake);
    fake.fail_with = RK_ESTORAGE;
    fake_ops.batch = 3;
    fake_ops.refill = true;
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    struct fx *fx = *state;
    rk_store_close(fx->s);
    rkt_pg_schema_drop(fx->schema);
    char path[sizeof fx->db + 8];
    const char *suffix[] = {"", "-wal", "-shm"};
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s%s", fx->db, suffix[i]);
        unlink(path);
    }
    rmdir(fx->dir);
    free(fx);
    return 0;
}

static void nap(void) { nanosleep(&(struct timespec){.tv_nsec = 20000000L}, NULL); }

static void pass_reads_batch_after_batch(void **state) {
    struct fx *fx = *state;
    struct report rep = {.done = 99};
    char error[200] = "";
    fake.enoent_id = 4; /* recorded by someone else: not an error */
    assert_int_equal(rk_worker_pass(&fake_ops, NULL, fx->s, &rep, error, sizeof error), RK_OK);
    assert_int_equal(rep.done, NITEMS); /* zeroed first, then 3 + 3 + 1 */
    for (int id = 1; id <= NITEMS; id++) {
        assert_true(fake.recorded[id]);
        assert_int_equal(fake.attempts[id], 1);
    }
    assert_string_equal(error, "");
}

static void pass_without_refill_reads_once(void **state) {
    struct fx *fx = *state;
    struct report rep;
    char error[200] = "";
    fake_ops.refill = false;
    assert_int_equal(rk_worker_pass(&fake_ops, NULL, fx->s, &rep, error, sizeof error), RK_OK);
    assert_int_equal(rep.done, 3);
    assert_false(fake.recorded[4]);
}

static void pass_ends_on_an_unrecorded_outcome(void **state) {
    struct fx *fx = *state;
    struct report rep;
    char error[200] = "";
    fake.fail_records = 5; /* more than the five tries of a busy store */
    fake.fail_with = RK_EBUSY;
    assert_int_equal(rk_worker_pass(&fake_ops, NULL, fx->s, &rep, error, sizeof error), RK_EBUSY);
    assert_int_equal(fake.attempts[1], 1);
    assert_int_equal(fake.attempts[2], 0); /* the pass ended */
    assert_non_null(strstr(error, "cannot record the outcome of item 1"));
    assert_int_equal(rep.done, 1); /* counted and logged as made */
    /* Four busy answers: the fifth try records it. */
    fake.fail_records = 4;
    assert_int_equal(rk_worker_pass(&fake_ops, NULL, fx->s, &rep, error, sizeof error), RK_OK);
    assert_true(fake.recorded[1]);
    assert_int_equal(fake.attempts[1], 2); /* a one-shot pass remembers nothing */
}

static void thread_records_later_without_a_second_attempt(void **state) {
    struct fx *fx = *state;
    fake.fail_records = 3; /* the disk is full for three records */
    struct rk_worker *w = NULL;
    assert_int_equal(rk_worker_start(&fake_ops, NULL, fx->db, true, 0, &w), RK_OK);
    for (int i = 0; i < 200 && atomic_load(&fake.finished) < NITEMS; i++) {
        rk_worker_wake(w);
        nap();
    }
    for (int i = 0; i < 200 && rk_worker_count(w, 0) < NITEMS; i++)
        nap();
    assert_int_equal(rk_worker_count(w, 0), NITEMS);
    assert_int_equal(rk_worker_count(w, 1), -1); /* never counted */
    rk_worker_stop(w);
    for (int id = 1; id <= NITEMS; id++)
        assert_int_equal(fake.attempts[id], 1);
    assert_int_equal(atomic_load(&fake.again), 1); /* item 1, recorded at its fourth try */
}

static void thread_that_only_counts(void **state) {
    struct fx *fx = *state;
    struct rk_worker *w = NULL;
    assert_int_equal(rk_worker_start(&fake_ops, NULL, fx->db, false, 0, &w), RK_OK);
    for (int i = 0; i < 200 && rk_worker_count(w, 0) < 0; i++)
        nap();
    assert_int_equal(rk_worker_count(w, 0), 0);
    rk_worker_stop(w);
    assert_int_equal(fake.attempts[1], 0);
    assert_int_equal(rk_worker_count(NULL, 0), -1);
    rk_worker_stop(NULL);
    rk_worker_wake(NULL);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(backoff),
        cmocka_unit_test(retry_or_give_up),
        cmocka_unit_test_setup_teardown(pass_reads_batch_after_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(pass_without_refill_reads_once, setup, teardown),
        cmocka_unit_test_setup_teardown(pass_ends_on_an_unrecorded_outcome, setup, teardown),
        cmocka_unit_test_setup_teardown(thread_records_later_without_a_second_attempt, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(thread_that_only_counts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
