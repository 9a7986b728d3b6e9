/*
 * worker.c — the outbox worker (design in worker.h): the due list, the
 * pass, recording each outcome in its own transaction, the outcomes the
 * thread could not record, and the thread with its wake and stop. The mail
 * sender and the art 19 deliverer are its two transports.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "worker/worker.h"

#define MAX_BACKOFF_S ((int64_t)6 * 3600)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result = CURLE_FAILED_INIT;

static void curl_init(void) { curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT); }

rk_err rk_worker_curl_init(void) {
    pthread_once(&curl_once, curl_init);
    return curl_init_result == CURLE_OK ? RK_OK : RK_EIO;
}

int64_t rk_worker_backoff(int attempts, int base_s) {
    int64_t d = base_s > 0 ? base_s : 0;
    for (int i = 1; i < attempts && d < MAX_BACKOFF_S; i++)
        d *= 2;
    return d > MAX_BACKOFF_S ? MAX_BACKOFF_S : d;
}

bool rk_worker_retry(int attempts, bool permanent, int base_s, int max_attempts, rk_ts now,
                     rk_ts *at, char *error, size_t errorsz) {
    int base = base_s > 0 ? base_s : 60;
    int max = max_attempts > 0 ? max_attempts : 10;
    if (!permanent && attempts < max) {
        *at = now + rk_worker_backoff(attempts, base);
        return true;
    }
    *at = now;
    if (!permanent && errorsz > 0) {
        char gave_up[512];
        snprintf(gave_up, sizeof gave_up, "gave up after %d attempts: %s", attempts, error);
        snprintf(error, errorsz, "%s", gave_up); /* cut to fit, as the store would */
    }
    return false;
}

/* ---- The due list ------------------------------------------------------------------------ */

void *rk_worker_list_add(struct rk_worker_list *l, int64_t id) {
    if (l->n == l->cap)
        return NULL;
    l->ids[l->n] = id;
    return l->items + (size_t)l->n++ * l->item_size;
}

char *rk_worker_list_strdup(struct rk_worker_list *l, const char *s) {
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        l->oom = true;
    return d;
}

unsigned char *rk_worker_list_memdup(struct rk_worker_list *l, const void *p, size_t n) {
    if (!p || !n)
        return NULL;
    unsigned char *d = malloc(n);
    if (d)
        memcpy(d, p, n);
    else
        l->oom = true;
    return d;
}

/* ---- Outcomes not yet recorded (invariant 4) ---------------------------------------------- */

struct unrecorded {
    int64_t id[RK_WORKER_UNRECORDED_MAX];
    unsigned char *outcomes; /* RK_WORKER_UNRECORDED_MAX of ops->outcome_size bytes */
    int n;
};

static int unrecorded_find(const struct unrecorded *u, int64_t id) {
    for (int i = 0; u && i < u->n; i++)
        if (u->id[i] == id)
            return i;
    return -1;
}

static void *unrecorded_at(const struct rk_worker_ops *ops, const struct unrecorded *u, int i) {
    return u->outcomes + (size_t)i * ops->outcome_size;
}

static void unrecorded_forget(const struct rk_worker_ops *ops, struct unrecorded *u, int k) {
    u->n--;
    u->id[k] = u->id[u->n];
    if (k != u->n)
        memcpy(unrecorded_at(ops, u, k), unrecorded_at(ops, u, u->n), ops->outcome_size);
}

/* ---- One pass ------------------------------------------------------------------------------ */

/* Records an outcome in its own transaction; a busy store is tried again for a while. */
static rk_err record(const struct rk_worker_ops *ops, struct rk_store *s, int64_t id,
                     const void *outcome) {
    rk_err err = RK_EBUSY;
    for (int i = 0; i < 5 && err == RK_EBUSY; i++) {
        err = rk_store_begin(s);
        if (err != RK_OK)
            continue;
        err = ops->record(s, id, outcome);
        if (err == RK_OK)
            err = rk_store_commit(s);
        if (err != RK_OK)
            rk_store_rollback(s);
    }
    return err;
}

struct pass {
    const struct rk_worker_ops *ops;
    const void *ctx;
    struct rk_store *s;
    void *report;
    char *error;
    size_t errorsz;
    struct unrecorded *u; /* NULL: a one-shot pass remembers nothing */
    const atomic_bool *stop;
    void *outcome; /* scratch, ops->outcome_size */
};

static rk_err unrecorded_error(const struct pass *p, int64_t id, rk_err err) {
    snprintf(p->error, p->errorsz, "cannot record the outcome of %s %lld: %s", p->ops->noun,
             (long long)id, rk_store_errmsg(p->s));
    return err;
}

/* Handles one due item; *end_pass when the transport asks to stop after it. */
static rk_err step(const struct pass *p, int64_t id, void *item, bool *end_pass) {
    const struct rk_worker_ops *ops = p->ops;
    int k = unrecorded_find(p->u, id);
    if (k >= 0) { /* attempted already: only record the outcome (invariant 4) */
        rk_err err = record(ops, p->s, id, unrecorded_at(ops, p->u, k));
        if (err == RK_OK)
            ops->done(p->ctx, p->report, item, unrecorded_at(ops, p->u, k), true, err);
        if (err == RK_OK || err == RK_ENOENT)
            unrecorded_forget(ops, p->u, k);
        return err == RK_OK || err == RK_ENOENT ? RK_OK : unrecorded_error(p, id, err);
    }
    if (p->u && p->u->n == RK_WORKER_UNRECORDED_MAX)
        return RK_ESTORAGE; /* ends the pass: nothing more until those are recorded */
    memset(p->outcome, 0, ops->outcome_size);
    rk_err err = ops->attempt(p->ctx, item, p->outcome);
    if (err != RK_OK)
        return err; /* nothing was attempted: the item stays as it was */
    err = record(ops, p->s, id, p->outcome);
    if (err != RK_OK && err != RK_ENOENT && p->u) {
        p->u->id[p->u->n] = id;
        memcpy(unrecorded_at(ops, p->u, p->u->n++), p->outcome, ops->outcome_size);
    }
    bool end = ops->done(p->ctx, p->report, item, p->outcome, false, err);
    if (err == RK_ENOENT)
        err = RK_OK; /* no longer due: another worker recorded it (invariant 2 broken) */
    if (err != RK_OK)
        return unrecorded_error(p, id, err); /* the crash window: it stays due */
    *end_pass = end;
    return RK_OK;
}

static rk_err pass(const struct pass *p) {
    const struct rk_worker_ops *ops = p->ops;
    memset(p->report, 0, ops->report_size);
    struct rk_worker_list l = {.item_size = ops->item_size, .cap = ops->batch};
    l.items = calloc((size_t)ops->batch, ops->item_size);
    l.ids = calloc((size_t)ops->batch, sizeof *l.ids);
    rk_err err = l.items && l.ids ? RK_OK : RK_ENOMEM;
    bool end_pass = false;
    while (err == RK_OK && !end_pass && !(p->stop && atomic_load(p->stop))) {
        memset(l.items, 0, (size_t)ops->batch * ops->item_size);
        l.n = 0;
        err = ops->list(p->s, rk_time_now(), &l);
        if (err == RK_OK && l.oom)
            err = RK_ENOMEM;
        for (int i = 0; err == RK_OK && i < l.n && !end_pass; i++) {
            if (p->stop && atomic_load(p->stop))
                break;
            err = step(p, l.ids[i], l.items + (size_t)i * ops->item_size, &end_pass);
        }
        for (int i = 0; i < l.n; i++)
            ops->item_free(l.items + (size_t)i * ops->item_size);
        if (!ops->refill || l.n < l.cap)
            break; /* no more due now (retried ones are due later) */
    }
    free(l.items);
    free(l.ids);
    return err;
}

rk_err rk_worker_pass(const struct rk_worker_ops *ops, const void *ctx, struct rk_store *s,
                      void *report, char *error, size_t errorsz) {
    void *outcome = malloc(ops->outcome_size);
    if (!outcome)
        return RK_ENOMEM;
    struct pass p = {.ops = ops,
                     .ctx = ctx,
                     .s = s,
                     .report = report,
                     .error = error,
                     .errorsz = errorsz,
                     .outcome = outcome};
    rk_err err = pass(&p);
    free(outcome);
    return err;
}

/* ---- The thread ---------------------------------------------------------------------------- */

#define ERROR_MAX 512

struct rk_worker {
    const struct rk_worker_ops *ops;
    const void *ctx;
    char *db;
    bool deliver;
    uint32_t key_generation; /* rk_store_options: its writes refused once rotated past it */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool wake;
    atomic_bool stop;
    atomic_llong counts[RK_WORKER_COUNTS];
    struct unrecorded unrecorded; /* the thread's alone */
    void *report, *outcome;       /* the thread's scratch */
    char error[ERROR_MAX];
};

void rk_worker_log(const char *event, const char *what) {
    char ts[RK_TS_LEN + 1];
    rk_ts_format(rk_time_now(), ts);
    fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"%s\",%s}\n", ts, event, what);
}

void rk_worker_log_begin(const char *event) {
    char ts[RK_TS_LEN + 1];
    rk_ts_format(rk_time_now(), ts);
    flockfile(stderr);
    fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"%s\"", ts, event);
}

void rk_worker_log_text(const char *name, const char *text) {
    if (!text)
        return;
    fprintf(stderr, ",\"%s\":\"", name);
    for (const char *c = text; *c; c++)
        fputc(*c == '"' || *c == '\\' || (unsigned char)*c < 0x20 ? '?' : *c, stderr);
    fputc('"', stderr);
}

void rk_worker_log_integer(const char *name, long long v) {
    fprintf(stderr, ",\"%s\":%lld", name, v);
}

void rk_worker_log_end(void) {
    fputs("}\n", stderr);
    funlockfile(stderr);
}

static void *run(void *arg) {
    struct rk_worker *w = arg;
    struct rk_store *s = NULL;
    bool store_error_logged = false;
    /* The queue is counted for /metrics after an idle second's pass, and after a woken pass
     * only when the last count is a second old: a count reads the whole queue (all of it
     * when the relay is down), and under a stream of wakes (one a form submission) counting
     * after every pass cost the server a sixth of its CPU (issue 18). */
    bool timed_out = true;
    struct timespec counted = {0, 0};
    while (!atomic_load(&w->stop)) {
        if (!s) {
            struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL,
                                           .cache_kib = 2048,
                                           .mmap_kib = -1,
                                           .key_generation = w->key_generation};
            if (rk_store_open(w->db, &opt, &s, NULL) != RK_OK) {
                s = NULL;
                if (!store_error_logged)
                    rk_worker_log(w->ops->event,
                                  "\"error\":\"cannot open the database; retrying\"");
                store_error_logged = true;
            }
        }
        if (s) {
            if (w->deliver) {
                struct pass p = {.ops = w->ops,
                                 .ctx = w->ctx,
                                 .s = s,
                                 .report = w->report,
                                 .error = w->error,
                                 .errorsz = sizeof w->error,
                                 .u = &w->unrecorded,
                                 .stop = &w->stop,
                                 .outcome = w->outcome};
                int before = w->unrecorded.n;
                rk_err err = pass(&p);
                if (err != RK_OK && (err != RK_ESTORAGE || w->unrecorded.n > before)) {
                    char line[128];
                    snprintf(line, sizeof line, "\"error\":\"pass ended: %s\"", rk_err_name(err));
                    rk_worker_log(w->ops->event, line);
                }
            }
            struct timespec now;
            clock_gettime(CLOCK_MONOTONIC, &now);
            if (timed_out || now.tv_sec - counted.tv_sec > 1 ||
                (now.tv_sec - counted.tv_sec == 1 && now.tv_nsec >= counted.tv_nsec)) {
                w->ops->count(s, w->counts);
                counted = now;
            }
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_mutex_lock(&w->lock);
        timed_out = false;
        while (!w->wake && !atomic_load(&w->stop))
            if (pthread_cond_timedwait(&w->cond, &w->lock, &until) != 0) {
                timed_out = true;
                break;
            }
        w->wake = false;
        pthread_mutex_unlock(&w->lock);
    }
    rk_store_close(s);
    return NULL;
}

static void worker_free(struct rk_worker *w) {
    free(w->db);
    free(w->report);
    free(w->outcome);
    free(w->unrecorded.outcomes);
    free(w);
}

rk_err rk_worker_start(const struct rk_worker_ops *ops, const void *ctx, const char *db,
                       bool deliver, uint32_t key_generation, struct rk_worker **out) {
    if (!db)
        return RK_EINVAL;
    struct rk_worker *w = calloc(1, sizeof *w);
    if (!w)
        return RK_ENOMEM;
    w->ops = ops;
    w->ctx = ctx;
    w->deliver = deliver;
    w->key_generation = key_generation;
    w->db = strdup(db);
    w->report = calloc(1, ops->report_size);
    w->outcome = calloc(1, ops->outcome_size);
    w->unrecorded.outcomes = calloc(RK_WORKER_UNRECORDED_MAX, ops->outcome_size);
    if (!w->db || !w->report || !w->outcome || !w->unrecorded.outcomes) {
        worker_free(w);
        return RK_ENOMEM;
    }
    atomic_init(&w->stop, false);
    for (int i = 0; i < RK_WORKER_COUNTS; i++)
        atomic_init(&w->counts[i], -1);
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->cond, NULL);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        pthread_cond_destroy(&w->cond);
        worker_free(w);
        return RK_EIO;
    }
    *out = w;
    return RK_OK;
}

void rk_worker_wake(struct rk_worker *w) {
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->wake = true;
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
}

int64_t rk_worker_count(const struct rk_worker *w, int i) {
    return w && i >= 0 && i < RK_WORKER_COUNTS ? atomic_load(&w->counts[i]) : -1;
}

void rk_worker_stop(struct rk_worker *w) {
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    atomic_store(&w->stop, true);
    pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    pthread_cond_destroy(&w->cond);
    worker_free(w);
}
