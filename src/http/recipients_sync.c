/*
 * recipients_sync.c — the recipients' sync in `serve`. One thread, on its own
 * store connection and register handle (actor "sync"), runs a sync pass
 * (rk_sync_recipient, core/disclose.h) for every recipient whose connector
 * is a client, every interval seconds (default 30, `serve
 * --sync-interval`), so that a consent given, withdrawn or run out, an
 * objection, a restriction or a rectification reaches Mailchimp and
 * Salesforce within a minute.
 *
 *   A recipient whose credentials are not in the environment is "not
 *   configured": logged once, skipped, tried again each pass (the variable
 *   may be set by a restart only, but the log says what to do). Its art 19
 *   notices wait (connect/deliver.c).
 *   A pass that stopped on a transient answer (429, 5xx, no answer) sets the
 *   recipient's next_at (Retry-After or back-off) in the store; this thread
 *   skips the recipient until then.
 *   A pass logs one JSON line per recipient when it did something or
 *   failed: counts, complete, and the error (status and code only, never
 *   personal data or a credential).
 *
 * One sync per database: the pass of `rekisteri recipients sync` and this
 * thread may overlap; each put is idempotent and each outcome is recorded in
 * its own transaction, so the worst an overlap costs is a repeated call.
 */
#include "http/recipients_sync.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connect/client.h"
#include "core/disclose.h"
#include "views/notice_digest.h"
#include "worker/worker.h"

#define DEFAULT_INTERVAL 30

struct rk_http_syncer {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop;
    bool woken; /* rk_http_sync_wake: a pass is wanted now */
    long interval;
    struct rk_http_server *s;
    bool *unconfigured_logged; /* one per recipient */
};

static int next_at_of(void *ctx, const struct rk_recipient_sync *rs) {
    *(rk_ts *)ctx = rs->next_at;
    return 0;
}

static void log_pass(const struct rk_recipient *r, const struct rk_sync_report *rep, rk_err err,
                     const struct rk_error *e) {
    rk_worker_log_begin("recipient_sync");
    rk_worker_log_text("recipient", r->id);
    rk_worker_log_integer("add", rep->add);
    rk_worker_log_integer("change", rep->change);
    rk_worker_log_integer("restrict", rep->restrict_);
    rk_worker_log_integer("remove", rep->remove);
    rk_worker_log_integer("sent", rep->sent);
    rk_worker_log_integer("failed", rep->failed);
    rk_worker_log_text("complete", rep->complete ? "true" : "false");
    if (err != RK_OK)
        rk_worker_log_text("error", rk_error_msg(e));
    else if (rep->error[0])
        rk_worker_log_text("error", rep->error);
    rk_worker_log_end();
}

static void pass(struct rk_http_syncer *y, struct rk_store *st) {
    struct rk_http_server *s = y->s;
    const struct rk_decl *decl = s->decl;
    struct rk_reg_room room;
    struct rk_reg *reg = rk_reg_in(&room);
    if (rk_notice_reg_init(reg, decl, st, &s->keys, "sync") != RK_OK)
        return;
    for (size_t i = 0; i < decl->nrecipients; i++) {
        const struct rk_recipient *r = &decl->recipients[i];
        if (!rk_client_speaks(r))
            continue;
        rk_ts now = rk_time_now(), next = 0;
        if (rk_store_recipient_sync_get(st, r->id, next_at_of, &next) == RK_OK && next > now)
            continue; /* backing off after a transient answer */
        struct rk_error e = RK_ERROR_INIT;
        struct rk_client *c = NULL;
        rk_err err = rk_client_open(r, &c, &e);
        if (err == RK_EREFUSED) {
            if (!y->unconfigured_logged[i]) {
                rk_worker_log_begin("recipient_sync");
                rk_worker_log_text("recipient", r->id);
                rk_worker_log_text("error", rk_error_msg(&e));
                rk_worker_log_end();
                y->unconfigured_logged[i] = true;
            }
            continue;
        }
        y->unconfigured_logged[i] = false;
        struct rk_sync_report rep;
        memset(&rep, 0, sizeof rep);
        if (err == RK_OK) {
            struct rk_sync_options o = {.dry_run = false};
            err = rk_sync_recipient(reg, r, c, now, &o, &rep, &e);
        }
        rk_client_close(c);
        if (err != RK_OK || rep.add || rep.change || rep.restrict_ || rep.remove || rep.error[0])
            log_pass(r, &rep, err, &e);
    }
    rk_reg_wipe(reg);
}

static void *sync_main(void *arg) {
    struct rk_http_syncer *y = arg;
    struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL,
                                   .cache_kib = 8192,
                                   .mmap_kib = -1,
                                   .key_generation = rk_keys_generation(&y->s->keys)};
    struct rk_store *st = NULL;
    while (rk_store_open(y->s->db, &opt, &st, NULL) != RK_OK) {
        rk_worker_log("recipient_sync", "\"error\":\"cannot open the database\"");
        pthread_mutex_lock(&y->lock);
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += y->interval;
        if (!y->stop)
            pthread_cond_timedwait(&y->wake, &y->lock, &until);
        bool stop = y->stop;
        pthread_mutex_unlock(&y->lock);
        if (stop)
            return NULL;
    }
    pthread_mutex_lock(&y->lock);
    while (!y->stop) {
        pthread_mutex_unlock(&y->lock);
        pass(y, st);
        pthread_mutex_lock(&y->lock);
        if (y->stop)
            break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += y->interval;
        while (!y->stop && !y->woken) /* a wake during the pass is not lost */
            if (pthread_cond_timedwait(&y->wake, &y->lock, &until) != 0)
                break;
        y->woken = false;
    }
    pthread_mutex_unlock(&y->lock);
    rk_store_close(st);
    return NULL;
}

rk_err rk_http_sync_start(struct rk_http_server *s, long interval_s) {
    bool any = false;
    for (size_t i = 0; i < s->decl->nrecipients; i++)
        any |= rk_client_speaks(&s->decl->recipients[i]);
    if (!any || !s->db || s->read_only)
        return RK_OK;
    if (rk_connect_global_init() != RK_OK)
        return RK_EIO;
    struct rk_http_syncer *y = calloc(1, sizeof *y);
    if (!y)
        return RK_ENOMEM;
    y->unconfigured_logged = calloc(s->decl->nrecipients, sizeof *y->unconfigured_logged);
    if (!y->unconfigured_logged) {
        free(y);
        return RK_ENOMEM;
    }
    y->s = s;
    y->interval = interval_s > 0 ? interval_s : DEFAULT_INTERVAL;
    pthread_mutex_init(&y->lock, NULL);
    pthread_cond_init(&y->wake, NULL);
    if (pthread_create(&y->thread, NULL, sync_main, y) != 0) {
        free(y->unconfigured_logged);
        free(y);
        return RK_EIO;
    }
    s->syncer = y;
    return RK_OK;
}

void rk_http_sync_wake(struct rk_http_server *s) {
    struct rk_http_syncer *y = s->syncer;
    if (!y)
        return;
    pthread_mutex_lock(&y->lock);
    y->woken = true;
    pthread_cond_signal(&y->wake);
    pthread_mutex_unlock(&y->lock);
}

void rk_http_sync_stop(struct rk_http_server *s) {
    struct rk_http_syncer *y = s->syncer;
    if (!y)
        return;
    pthread_mutex_lock(&y->lock);
    y->stop = true;
    pthread_cond_signal(&y->wake);
    pthread_mutex_unlock(&y->lock);
    pthread_join(y->thread, NULL);
    pthread_mutex_destroy(&y->lock);
    pthread_cond_destroy(&y->wake);
    free(y->unconfigured_logged);
    free(y);
    s->syncer = NULL;
}
