/*
 * test_writer.c — the service's single writer: jobs from many threads are
 * run in groups, each caller returns only after its group committed, a
 * refused job does not spoil its group, and stopping finishes what is queued.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/writer.h"
#include "testutil.h"

#define THREADS 8
#define PER_THREAD 25

struct fixture {
    char dir[64], db[96], key[96];
    struct rk_decl *decl;
    struct rk_keys keys;
    struct rk_writer *w;
};

static int setup(void **state) {
    struct fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/rk-writer-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->db, sizeof f->db, "%s/t.db", f->dir);
    snprintf(f->key, sizeof f->key, "%s/k", f->dir);
    char err[300];
    assert_int_equal(rk_keys_create(f->key, err, sizeof err), RK_OK);
    assert_int_equal(rk_keys_load(f->key, &f->keys, err, sizeof err), RK_OK);
    struct rk_store *s = NULL;
    int from, to;
    assert_int_equal(rk_store_open(f->db, NULL, &s), RK_OK);
    assert_int_equal(rk_store_migrate(s, &from, &to), RK_OK);
    rk_store_close(s);
    f->decl = rkt_load_example();
    assert_int_equal(rk_writer_start(f->db, NULL, f->decl, &f->keys, &f->w), RK_OK);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fixture *f = *state;
    rk_writer_stop(f->w);
    rk_decl_free(f->decl);
    const char *files[] = {"t.db", "t.db-wal", "t.db-shm", "k"};
    for (size_t i = 0; i < 4; i++) {
        char p[160];
        snprintf(p, sizeof p, "%s/%s", f->dir, files[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

struct add {
    char name[32], email[64];
    struct rk_contact c;
    char id[RK_ID_LEN + 1];
    struct rk_msg msg;
};

static rk_err run_add(struct rk_reg *reg, void *ctx) {
    struct add *a = ctx;
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_PHONE, NULL,
                         rk_time_now()};
    return rk_reg_person_add(reg, &w, NULL, &a->c, NULL, a->id, &a->msg);
}

struct worker {
    struct rk_writer *w;
    int n, ok, refused;
    int base;
};

static void *work(void *arg) {
    struct worker *wk = arg;
    for (int i = 0; i < wk->n; i++) {
        struct add a = {0};
        int k = wk->base + i;
        snprintf(a.name, sizeof a.name, "Henkilö %d", k);
        /* Every fifth person repeats an email: refused as a duplicate, or first. */
        snprintf(a.email, sizeof a.email, "p%d@example.fi", k % 5 == 4 ? k - 1 : k);
        a.c.v[RK_F_NAME] = a.name;
        a.c.v[RK_F_EMAIL] = a.email;
        rk_err e = rk_writer_run(wk->w, run_add, &a);
        if (e == RK_OK)
            wk->ok++;
        else if (e == RK_ECONFLICT)
            wk->refused++;
    }
    return NULL;
}

static int count_entry(void *ctx, const struct rk_entry *e) {
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static void many_threads_all_committed(void **state) {
    struct fixture *f = *state;
    pthread_t t[THREADS];
    struct worker wk[THREADS];
    for (int i = 0; i < THREADS; i++) {
        wk[i] = (struct worker){f->w, PER_THREAD, 0, 0, i * PER_THREAD};
        assert_int_equal(pthread_create(&t[i], NULL, work, &wk[i]), 0);
    }
    int ok = 0, refused = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(t[i], NULL);
        ok += wk[i].ok;
        refused += wk[i].refused;
    }
    assert_int_equal(ok + refused, THREADS * PER_THREAD);
    assert_int_equal(refused, THREADS * PER_THREAD / 5); /* the repeated emails */

    /* Every acknowledged write is in the database, seen by another connection. */
    struct rk_store *s = NULL;
    assert_int_equal(rk_store_open(f->db, NULL, &s), RK_OK);
    int n = 0;
    assert_int_equal(rk_store_find_by_name(s, "Henkilö", count_entry, &n), RK_OK);
    rk_store_close(s);
    assert_int_equal(n, ok);
}

static rk_err refuse_job(struct rk_reg *reg, void *ctx) {
    (void)reg;
    (void)ctx;
    return RK_EREFUSED;
}

static void refused_job_keeps_others(void **state) {
    struct fixture *f = *state;
    struct add a = {0};
    snprintf(a.name, sizeof a.name, "Yksin");
    a.c.v[RK_F_NAME] = a.name;
    assert_int_equal(rk_writer_run(f->w, refuse_job, NULL), RK_EREFUSED);
    assert_int_equal(rk_writer_run(f->w, run_add, &a), RK_OK);
    struct rk_store *s = NULL;
    assert_int_equal(rk_store_open(f->db, NULL, &s), RK_OK);
    bool restricted;
    assert_int_equal(rk_store_person_exists(s, a.id, &restricted, NULL), RK_OK);
    rk_store_close(s);
}

int main(void) {
    assert_int_equal(rk_crypto_init(), RK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(many_threads_all_committed, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_job_keeps_others, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
