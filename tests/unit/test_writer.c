/*
 * test_writer.c — the service's single writer: jobs from many threads are
 * run in groups, each caller returns only after its group committed, a
 * refused job does not spoil its group, and stopping finishes what is queued.
 * Submitted jobs (rk_writer_submit) are answered exactly once, after their
 * group committed, and rk_writer_quiesce waits for every answer and turns
 * later submissions away.
 * A database that cannot be written (a file size limit, a read-only
 * connection) fails the job with RK_ESTORAGE, and the writer recovers.
 * With RK_STORE_BACKEND=postgres the database is a schema of its own in RK_PG_URI's
 * database (testutil.h), as regfix's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "http/writer.h"
#include "testutil.h"

#define THREADS    8
#define PER_THREAD 25

struct fixture {
    char dir[64], db[512], key[96];
    char schema[48]; /* on PostgreSQL: the schema of the test (db is its URI) */
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
    if (rkt_backend_pg())
        assert_true(rkt_pg_schema_new(f->schema, sizeof f->schema, f->db, sizeof f->db));
    struct rk_error err = RK_ERROR_INIT;
    assert_int_equal(rk_keys_create(f->key, &err), RK_OK);
    assert_int_equal(rk_keys_load(f->key, &f->keys, &err), RK_OK);
    struct rk_store *s = NULL;
    int from, to;
    assert_int_equal(rk_store_open(f->db, NULL, &s, NULL), RK_OK);
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
    rkt_pg_schema_drop(f->schema);
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
    struct rk_error msg;
};

static rk_err run_add(struct rk_reg *reg, void *ctx) {
    struct add *a = ctx;
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_PHONE, NULL, rk_time_now()};
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

/* Submitted jobs: many in flight at once, each answered once after its commit (the person is
 * there when done runs), quiesce waits for them all and refuses the next. */
#define SUBMITTED 200
struct submitted {
    struct add a; /* first: run_add's ctx is the submitted job */
    struct rk_write_job wj;
    const char *db;
    int calls;
    rk_err result;
    bool seen; /* the person, read from another connection inside done */
};

static void submitted_done(void *ctx, rk_err result) {
    struct submitted *s = ctx;
    s->calls++;
    s->result = result;
    struct rk_store *st = NULL;
    if (result == RK_OK && rk_store_open(s->db, NULL, &st, NULL) == RK_OK) {
        bool r = false, o = false;
        s->seen = rk_store_person_exists(st, s->a.id, &r, &o) == RK_OK;
        rk_store_close(st);
    }
}

static void submitted_answered_once(void **state) {
    struct fixture *f = *state;
    struct submitted *js = calloc(SUBMITTED, sizeof *js);
    assert_non_null(js);
    for (int i = 0; i < SUBMITTED; i++) {
        struct submitted *s = &js[i];
        s->db = f->db;
        snprintf(s->a.name, sizeof s->a.name, "Henkilö %d", i);
        snprintf(s->a.email, sizeof s->a.email, "s%d@example.fi", i);
        s->a.c.v[RK_F_NAME] = s->a.name;
        s->a.c.v[RK_F_EMAIL] = s->a.email;
        assert_true(rk_writer_submit(f->w, &s->wj, run_add, submitted_done, s));
    }
    rk_writer_quiesce(f->w); /* returns once every done has returned */
    for (int i = 0; i < SUBMITTED; i++) {
        assert_int_equal(js[i].calls, 1);
        assert_int_equal(js[i].result, RK_OK);
        assert_true(js[i].seen);
    }
    struct submitted late = {.db = f->db};
    assert_false(rk_writer_submit(f->w, &late.wj, run_add, submitted_done, &late));
    assert_int_equal(late.calls, 0);
    /* rk_writer_run goes on working after quiesce. */
    struct add a = {0};
    snprintf(a.email, sizeof a.email, "after@example.fi");
    a.c.v[RK_F_EMAIL] = a.email;
    assert_int_equal(rk_writer_run(f->w, run_add, &a), RK_OK);
    free(js);
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
    assert_int_equal(rk_store_open(f->db, NULL, &s, NULL), RK_OK);
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
    assert_int_equal(rk_store_open(f->db, NULL, &s, NULL), RK_OK);
    bool restricted;
    assert_int_equal(rk_store_person_exists(s, a.id, &restricted, NULL), RK_OK);
    rk_store_close(s);
}

/* add number k (a fresh name and email) through w */
static rk_err add_one(struct rk_writer *w, int k, struct add *a) {
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "Täysi %d", k);
    snprintf(a->email, sizeof a->email, "full%d@example.fi", k);
    a->c.v[RK_F_NAME] = a->name;
    a->c.v[RK_F_EMAIL] = a->email;
    return rk_writer_run(w, run_add, a);
}

/* A file size limit (as a full disk) fails writes with RK_ESTORAGE; lifted, writes work again. */
static void unwritable_then_recovers(void **state) {
    struct fixture *f = *state;
    /* The full disk is a file size limit on the SQLite file and its WAL: PostgreSQL's files
     * belong to its server, which no limit of this process reaches. */
    if (rkt_backend_pg()) {
        skip();
    }
    struct add a;
    assert_int_equal(add_one(f->w, 0, &a), RK_OK);
    assert_true(rk_writer_writable(f->w));
    char wal[sizeof f->db + 8];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    struct stat sb;
    assert_int_equal(stat(wal, &sb), 0);
    struct rlimit old, cap;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    cap = old;
    cap.rlim_cur = sb.st_size > 32768 ? (rlim_t)sb.st_size : 32768; /* the -shm is 32 KiB */
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &cap), 0);
    rk_err e = RK_OK;
    int ok = 1, k = 1;
    for (; k < 200 && e == RK_OK; k++)
        if ((e = add_one(f->w, k, &a)) == RK_OK)
            ok++;
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    assert_int_equal(e, RK_ESTORAGE);
    assert_true(rk_writer_failed_here());
    assert_false(rk_writer_writable(f->w));
    assert_int_equal(rk_writer_storage_failures(f->w), 1);
    char failed_email[64];
    snprintf(failed_email, sizeof failed_email, "%s", a.email);

    assert_int_equal(add_one(f->w, k, &a), RK_OK); /* no restart */
    ok++;
    assert_false(rk_writer_failed_here());
    assert_true(rk_writer_writable(f->w));
    struct rk_store *s = NULL;
    assert_int_equal(rk_store_open(f->db, NULL, &s, NULL), RK_OK);
    int n = 0;
    assert_int_equal(rk_store_find_by_name(s, "Täysi", count_entry, &n), RK_OK);
    rk_store_close(s);
    assert_int_equal(n, ok); /* every acknowledged add, and not the failed one */
}

/* A writer on a read-only connection answers every job RK_ESTORAGE and keeps running. */
static void read_only_writer(void **state) {
    struct fixture *f = *state;
    struct rk_writer *ro = NULL;
    assert_int_equal(rk_writer_start_read_only(f->db, f->decl, &f->keys, &ro), RK_OK);
    assert_false(rk_writer_writable(ro));
    struct add a;
    for (int k = 0; k < 3; k++)
        assert_int_equal(add_one(ro, k, &a), RK_ESTORAGE);
    assert_true(rk_writer_failed_here());
    assert_int_equal(rk_writer_storage_failures(ro), 3);
    rk_writer_forget_here();
    assert_false(rk_writer_failed_here());
    rk_writer_stop(ro);
    assert_int_equal(add_one(f->w, 9, &a), RK_OK); /* the read-write writer is unharmed */
}

int main(void) {
    assert_int_equal(rk_crypto_init(), RK_OK);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(many_threads_all_committed, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_job_keeps_others, setup, teardown),
        cmocka_unit_test_setup_teardown(submitted_answered_once, setup, teardown),
        cmocka_unit_test_setup_teardown(unwritable_then_recovers, setup, teardown),
        cmocka_unit_test_setup_teardown(read_only_writer, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
