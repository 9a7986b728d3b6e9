/*
 * requests_overdue.c — counting overdue data-subject requests for /metrics.
 * A thread of its own, on its own store connection, counts the open requests
 * past their due date in the controller's time zone: at start, every
 * OVERDUE_INTERVAL seconds and when a request changes (rk_http_overdue_poke),
 * so a scrape reads a number and never queries the database. It logs the
 * count (a number only, no ids) as one JSON line at start and once a day.
 *
 * The same thread runs the retention sweep (core/sweep.h) every
 * --sweep-interval seconds (default an hour), as actor "sweep", logging each
 * run's counts; its small transactions take the database's write lock in
 * turn with the writer's groups (the busy timeout waits for it). A run skipped because
 * another sweep holds the lease (core/sweep.h) logs "sweep_skipped".
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/request.h"
#include "core/sweep.h"
#include "http/answers.h"
#include "http/requests_overdue.h"
#include "http/service.h"
#include "views/notice_digest.h"

#define OVERDUE_INTERVAL 60

static void count_once(struct rk_http_server *s, struct rk_store *st, struct rk_date *logged) {
    struct rk_date today = rk_tz_date(s->tz, rk_time_now());
    int64_t n = 0;
    if (rk_store_requests_overdue(st, today, &n) != RK_OK) {
        fprintf(stderr, "{\"event\":\"requests_overdue_failed\"}\n");
        return;
    }
    atomic_store(&s->requests_overdue, (long)n);
    if (rk_date_cmp(*logged, today) != 0) {
        char ts[RK_TS_LEN + 1];
        rk_ts_format(rk_time_now(), ts);
        fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"requests_overdue\",\"count\":%lld}\n", ts,
                (long long)n);
        *logged = today;
    }
}

/* The monotonic clock the sweep sizes its batches by (core/sweep.h), in microseconds. */
static int64_t sweep_clock_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void sweep_once(struct rk_http_server *s, struct rk_store *st) {
    struct rk_reg_room room;
    struct rk_reg *reg = rk_reg_in(&room);
    struct rk_sweep_counts n;
    memset(&n, 0, sizeof n);
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    rk_err err = rk_notice_reg_init(reg, s->decl, st, &s->keys, "sweep");
    struct rk_sweep_pace pace = RK_SWEEP_PACE_SERVICE(sweep_clock_us);
    if (err == RK_OK)
        err = rk_sweep_run_paced(reg, rk_time_now(), false, &pace, &n, &msg);
    char ts[RK_TS_LEN + 1];
    rk_ts_format(rk_time_now(), ts);
    if (err == RK_OK && n.elsewhere) { /* another instance sweeps: skipped, not failed */
        fprintf(stderr,
                "{\"ts\":\"%s\",\"event\":\"sweep_skipped\",\"reason\":\"another sweep "
                "holds the sweep lease\"}\n",
                ts);
        return;
    }
    fprintf(stderr,
            "{\"ts\":\"%s\",\"event\":\"sweep\",\"ok\":%s,\"consents_expired\":%lld,"
            "\"signups_expired\":%lld,\"skipped\":%lld,\"entries_erased\":%lld,"
            "\"persons_deleted\":%lld,\"records_deleted\":%lld,\"mail_deleted\":%lld,"
            "\"notices_deleted\":%lld,\"art14_overdue\":%lld,\"requests_overdue\":%lld,"
            "\"requests_due_soon\":%lld,\"consent_log_deleted\":%lld,\"answers_deleted\":%lld}\n",
            ts, err == RK_OK ? "true" : "false", (long long)n.consents_expired,
            (long long)n.signups_expired, (long long)n.skipped,
            (long long)n.retention.entries_erased, (long long)n.retention.persons_deleted,
            (long long)n.retention.invoices_deleted + (long long)n.retention.contracts_deleted,
            (long long)n.retention.mail_deleted, (long long)n.retention.notices_deleted,
            (long long)n.retention.art14_overdue, (long long)n.retention.requests_overdue,
            (long long)n.retention.requests_due_soon, (long long)n.retention.consent_log_deleted,
            (long long)n.retention.answers_deleted);
}

static void *overdue_main(void *arg) {
    struct rk_http_server *s = arg;
    struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL,
                                   .cache_kib = 2048,
                                   .mmap_kib = -1,
                                   .read_only = s->read_only,
                                   .key_generation =
                                       s->read_only ? 0 : rk_keys_generation(&s->keys)};
    struct rk_store *st = NULL;
    if (rk_store_open(s->db, &opt, &st, NULL) != RK_OK) {
        fprintf(stderr, "{\"event\":\"requests_overdue_failed\"}\n");
        return NULL;
    }
    struct rk_date logged = {0, 0, 0};
    struct timespec last_sweep = {0, 0};
    long wait = s->sweep_interval > 0 && s->sweep_interval < OVERDUE_INTERVAL ? s->sweep_interval
                                                                              : OVERDUE_INTERVAL;
    pthread_mutex_lock(&s->overdue_lock);
    while (!s->overdue_stop) {
        pthread_mutex_unlock(&s->overdue_lock);
        count_once(s, st, &logged);
        struct timespec mono;
        clock_gettime(CLOCK_MONOTONIC, &mono);
        if (s->sweep_interval > 0 &&
            (last_sweep.tv_sec == 0 || mono.tv_sec - last_sweep.tv_sec >= s->sweep_interval)) {
            sweep_once(s, st);
            rk_http_digest_once(s, st); /* the DPO's digest, once per local day */
            last_sweep = mono;
        }
        pthread_mutex_lock(&s->overdue_lock);
        if (s->overdue_stop)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += wait;
        pthread_cond_timedwait(&s->overdue_wake, &s->overdue_lock, &until);
    }
    pthread_mutex_unlock(&s->overdue_lock);
    rk_store_close(st);
    return NULL;
}

rk_err rk_http_overdue_start(struct rk_http_server *s) {
    atomic_store(&s->requests_overdue, -1L);
    if (!s->db || !s->tz)
        return RK_OK;
    s->overdue_stop = false;
    if (pthread_create(&s->overdue_thread, NULL, overdue_main, s) != 0)
        return RK_EIO;
    s->overdue_running = true;
    return RK_OK;
}

void rk_http_overdue_poke(struct rk_http_server *s) {
    if (!s->overdue_running)
        return;
    pthread_mutex_lock(&s->overdue_lock);
    pthread_cond_signal(&s->overdue_wake);
    pthread_mutex_unlock(&s->overdue_lock);
}

void rk_http_overdue_stop(struct rk_http_server *s) {
    if (!s->overdue_running)
        return;
    pthread_mutex_lock(&s->overdue_lock);
    s->overdue_stop = true;
    pthread_cond_signal(&s->overdue_wake);
    pthread_mutex_unlock(&s->overdue_lock);
    pthread_join(s->overdue_thread, NULL);
    s->overdue_running = false;
}
