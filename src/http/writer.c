/*
 * writer.c — a queue, a mutex and one thread. A job of rk_writer_run lives
 * on the stack of the request thread that waits for it; one of
 * rk_writer_submit in storage its caller keeps until its done function has
 * run. The writer takes every job queued when it wakes (up to GROUP_MAX),
 * runs them in one transaction, commits, and then calls each asynchronous
 * job's done function (outside the lock), marks each waiting job done and
 * broadcasts.
 *
 * Audit notes (reads recorded by rk_writer_note) ride along: the writer
 * appends every note queued when it wakes in the same transaction as the
 * group, without anyone waiting for it. A note is lost only if the process
 * dies before that transaction commits (milliseconds); a caller that queues
 * faster than the writer drains waits once NOTES_MAX are pending.
 *
 * When the database cannot be written (disk full, a file size limit, a
 * read-only file, an I/O error: RK_ESTORAGE), the group is rolled back and
 * every job in it gets the error; the writer logs one line with the cause
 * (never personal data), counts the jobs, logs the notes it could not record
 * (pseudonymous, like the chain), and goes on with the next group, so writes
 * succeed again as soon as the space returns — no restart. The request
 * threads learn through rk_writer_failed_here() that their answer should be
 * the service's "storage_unavailable" 503.
 */
#include "http/writer.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/time.h"
#include "store/store.h"
#include "views/notice_digest.h"

#define GROUP_MAX 256
#define NOTES_MAX 65536

struct note {
    struct note *next;
    rk_ts at;
    char *actor, *action, *person_id, *detail; /* in the same allocation */
};

struct rk_writer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake; /* the writer: jobs queued, or stop */
    pthread_cond_t done; /* the request threads: a group finished */
    struct rk_write_job *head, *tail;
    struct note *notes, *notes_tail;
    size_t nnotes;
    bool stopping;
    bool quiescing;       /* rk_writer_quiesce: no more rk_writer_submit */
    size_t async_pending; /* submitted jobs whose done has not returned yet */
    struct rk_store *store;
    struct rk_reg *reg; /* in reg_room (core/reg.h) */
    struct rk_reg_room reg_room;
    atomic_ulong storage_failures; /* jobs answered RK_ESTORAGE */
    atomic_bool unwritable;        /* the last group failed with RK_ESTORAGE */
};

static _Thread_local bool failed_here; /* this thread's last job got RK_ESTORAGE */

/* A storage failure part-way through a job leaves the group's transaction unusable; so does
 * a key rotated past this process's (RK_ESTALE: the group's begin refused it). */
static bool storage_failed(rk_err e) {
    return e == RK_ENOMEM || e == RK_EIO || e == RK_EBUSY || e == RK_ESTORAGE || e == RK_ESTALE;
}

/* One log line per event; text is the store's message, which names no person. */
static void log_storage(const char *event, const char *text, size_t jobs, size_t notes) {
    char ts[RK_TS_LEN + 1], clean[256];
    size_t n = 0;
    for (const char *p = text; *p && n + 1 < sizeof clean; p++)
        clean[n++] = (char)(*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 ? ' ' : *p);
    clean[n] = '\0';
    rk_ts_format(rk_time_now(), ts);
    fprintf(stderr,
            "{\"ts\":\"%s\",\"event\":\"%s\",\"jobs\":%zu,\"notes_lost\":%zu,\"message\":\"%s\"}\n",
            ts, event, jobs, notes, clean);
}

/* Notes of a failed group: the chain cannot hold them, so the log does (pseudonymous ids). */
static void log_lost_notes(const struct note *n) {
    char ts[RK_TS_LEN + 1];
    for (; n; n = n->next) {
        rk_ts_format(n->at, ts);
        fprintf(stderr,
                "{\"ts\":\"%s\",\"event\":\"audit_note_lost\",\"actor\":\"%s\",\"action\":"
                "\"%s\",\"person\":\"%s\",\"detail\":\"%s\"}\n",
                ts, n->actor, n->action, n->person_id ? n->person_id : "",
                n->detail ? n->detail : "");
    }
}

static void run_group(struct rk_writer *w, struct rk_write_job *group, struct note *notes) {
    rk_err err = rk_reg_batch_begin(w->reg);
    for (struct note *n = notes; n && err == RK_OK; n = n->next) {
        rk_reg_set_actor(w->reg, n->actor);
        err = rk_reg_audit(w->reg, n->action, n->person_id, n->detail, n->at);
    }
    for (struct rk_write_job *j = group; j; j = j->next) {
        j->result = err == RK_OK ? j->fn(w->reg, j->ctx) : err;
        if (err == RK_OK && storage_failed(j->result))
            err = j->result;
    }
    if (err == RK_OK)
        err = rk_reg_batch_commit(w->reg);
    if (err != RK_OK) {
        const char *why = rk_store_errmsg(w->store); /* before the rollback's own statements */
        char text[256];
        snprintf(text, sizeof text, "%s", why ? why : "");
        if (rk_reg_in_batch(w->reg))
            rk_reg_batch_rollback(w->reg);
        size_t njobs = 0, nnotes = 0;
        for (struct rk_write_job *j = group; j; j = j->next) {
            if (j->result == RK_OK || storage_failed(j->result))
                j->result = err;
            njobs += j->result == err;
        }
        for (const struct note *n = notes; n; n = n->next)
            nnotes++;
        if (err == RK_ESTORAGE) {
            atomic_fetch_add(&w->storage_failures, njobs);
            atomic_store(&w->unwritable, true);
            log_storage("storage_unwritable", text, njobs, nnotes);
        }
        log_lost_notes(notes);
    } else if (atomic_exchange(&w->unwritable, false)) {
        log_storage("storage_writable", "the database can be written again", 0, 0);
    }
}

static void *writer_main(void *arg) {
    struct rk_writer *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->head && !w->notes && !w->stopping)
            pthread_cond_wait(&w->wake, &w->lock);
        if (!w->head && !w->notes && w->stopping)
            break;
        /* Take up to GROUP_MAX jobs (the rest wait for the next group) and every note. */
        struct rk_write_job *group = w->head;
        if (group) {
            struct rk_write_job *last = group;
            for (int n = 1; n < GROUP_MAX && last->next; n++)
                last = last->next;
            w->head = last->next;
            if (!w->head)
                w->tail = NULL;
            last->next = NULL;
        }
        struct note *notes = w->notes;
        w->notes = w->notes_tail = NULL;
        w->nnotes = 0;
        pthread_mutex_unlock(&w->lock);
        run_group(w, group, notes);
        while (notes) {
            struct note *next = notes->next;
            free(notes);
            notes = next;
        }
        /* The asynchronous jobs' answers (their storage is their owners' again once done
         * returns, so next is read first); the waiting jobs are set aside for the lock. */
        struct rk_write_job *waiting = NULL;
        size_t answered = 0;
        for (struct rk_write_job *j = group; j;) {
            struct rk_write_job *next = j->next;
            if (j->done_fn) {
                j->done_fn(j->ctx, j->result);
                answered++;
            } else {
                j->next = waiting;
                waiting = j;
            }
            j = next;
        }
        pthread_mutex_lock(&w->lock);
        w->async_pending -= answered;
        for (struct rk_write_job *j = waiting; j;) {
            struct rk_write_job *next = j->next; /* j may be gone once done is seen */
            j->done = true;
            j = next;
        }
        pthread_cond_broadcast(&w->done);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static rk_err start(const char *db, const char *journal, const struct rk_decl *d,
                    const struct rk_keys *k, bool read_only, struct rk_writer **out) {
    struct rk_writer *w = calloc(1, sizeof *w);
    if (!w)
        return RK_ENOMEM;
    w->reg = rk_reg_in(&w->reg_room);
    atomic_store(&w->unwritable, read_only);
    /* A bounded page cache (a group's dirty pages fit) and no memory map, so that
     * the server's RSS stays bounded whatever the register's size. */
    struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL,
                                   .cache_kib = 16384,
                                   .mmap_kib = -1,
                                   .read_only = read_only,
                                   .key_generation = read_only ? 0 : rk_keys_generation(k)};
    rk_err err = rk_store_open(db, &opt, &w->store, NULL);
    if (err == RK_OK)
        err = rk_notice_reg_init(w->reg, d, w->store, k, "api");
    rk_reg_set_journal(w->reg, journal);
    if (err != RK_OK) {
        rk_store_close(w->store);
        free(w);
        return err;
    }
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    pthread_cond_init(&w->done, NULL);
    if (pthread_create(&w->thread, NULL, writer_main, w) != 0) {
        rk_store_close(w->store);
        free(w);
        return RK_EIO;
    }
    *out = w;
    return RK_OK;
}

rk_err rk_writer_start(const char *db, const char *journal, const struct rk_decl *d,
                       const struct rk_keys *k, struct rk_writer **out) {
    return start(db, journal, d, k, false, out);
}

rk_err rk_writer_start_read_only(const char *db, const struct rk_decl *d, const struct rk_keys *k,
                                 struct rk_writer **out) {
    return start(db, NULL, d, k, true, out); /* no erasure is written: no journal */
}

rk_err rk_writer_run(struct rk_writer *w, rk_write_fn fn, void *ctx) {
    struct rk_write_job j = {.fn = fn, .ctx = ctx, .result = RK_OK};
    pthread_mutex_lock(&w->lock);
    if (w->stopping) {
        pthread_mutex_unlock(&w->lock);
        return RK_EBUSY;
    }
    if (w->tail)
        w->tail->next = &j;
    else
        w->head = &j;
    w->tail = &j;
    pthread_cond_signal(&w->wake);
    while (!j.done)
        pthread_cond_wait(&w->done, &w->lock);
    pthread_mutex_unlock(&w->lock);
    failed_here = j.result == RK_ESTORAGE;
    return j.result;
}

bool rk_writer_submit(struct rk_writer *w, struct rk_write_job *job, rk_write_fn fn,
                      rk_write_done_fn done, void *ctx) {
    *job = (struct rk_write_job){.fn = fn, .ctx = ctx, .done_fn = done, .result = RK_OK};
    pthread_mutex_lock(&w->lock);
    if (w->stopping || w->quiescing) {
        pthread_mutex_unlock(&w->lock);
        return false;
    }
    if (w->tail)
        w->tail->next = job;
    else
        w->head = job;
    w->tail = job;
    w->async_pending++;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    return true;
}

void rk_writer_quiesce(struct rk_writer *w) {
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->quiescing = true;
    while (w->async_pending)
        pthread_cond_wait(&w->done, &w->lock);
    pthread_mutex_unlock(&w->lock);
}

bool rk_writer_failed_here(void) { return failed_here; }

void rk_writer_result_here(rk_err result) { failed_here = result == RK_ESTORAGE; }

void rk_writer_forget_here(void) { failed_here = false; }

unsigned long rk_writer_storage_failures(struct rk_writer *w) {
    return atomic_load(&w->storage_failures);
}

bool rk_writer_writable(struct rk_writer *w) { return !atomic_load(&w->unwritable); }

static char *copy_in(char **at, const char *s) {
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *dst = *at;
    memcpy(dst, s, n);
    *at += n;
    return dst;
}

rk_err rk_writer_note(struct rk_writer *w, const char *actor, const char *action,
                      const char *person_id, const char *detail) {
    size_t len = sizeof(struct note) + strlen(actor) + strlen(action) + 2 +
                 (person_id ? strlen(person_id) + 1 : 0) + (detail ? strlen(detail) + 1 : 0);
    struct note *n = malloc(len);
    if (!n)
        return RK_ENOMEM;
    char *at = (char *)(n + 1);
    n->next = NULL;
    n->at = rk_time_now();
    n->actor = copy_in(&at, actor);
    n->action = copy_in(&at, action);
    n->person_id = copy_in(&at, person_id);
    n->detail = copy_in(&at, detail);
    pthread_mutex_lock(&w->lock);
    while (w->nnotes >= NOTES_MAX && !w->stopping)
        pthread_cond_wait(&w->done, &w->lock);
    if (w->stopping) {
        pthread_mutex_unlock(&w->lock);
        free(n);
        return RK_EBUSY;
    }
    if (w->notes_tail)
        w->notes_tail->next = n;
    else
        w->notes = n;
    w->notes_tail = n;
    w->nnotes++;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    return RK_OK;
}

size_t rk_writer_depth(struct rk_writer *w) {
    size_t n = 0;
    pthread_mutex_lock(&w->lock);
    for (const struct rk_write_job *j = w->head; j; j = j->next)
        n++;
    pthread_mutex_unlock(&w->lock);
    return n;
}

void rk_writer_stop(struct rk_writer *w) {
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stopping = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_cond_destroy(&w->wake);
    pthread_cond_destroy(&w->done);
    pthread_mutex_destroy(&w->lock);
    rk_store_close(w->store);
    free(w);
}
