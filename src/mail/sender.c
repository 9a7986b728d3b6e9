/*
 * sender.c — delivers the outbox: one pass hands each due message to the
 * relay and records the outcome at once; the sender thread runs a pass every
 * second, or sooner when woken, on its own store connection.
 *
 * Design.
 *
 *   States of an outbox row and who moves it (each move is one transaction,
 *   and a row leaves "queued" once: the store's marks apply to queued rows only):
 *
 *     (none) ──rk_mail_enqueue, in the caller's transaction──► queued
 *     queued ──relay answered 250 ─────── outbox_mark_sent ──► sent
 *     queued ──transient, attempts < max ─ outbox_mark_retry ─► queued
 *                                          (next_attempt_at = now + backoff)
 *     queued ──transient at max, or 5xx ─ outbox_mark_failed ─► failed
 *
 *   Backoff after n failed attempts: base·2^(n−1) (base 60 s unless the
 *   config says otherwise), at most 6 h; after max_attempts (10) the message
 *   is failed. A relay that cannot be reached at all (or refuses our login
 *   or STARTTLS) ends the pass after the message in hand, so one outage costs
 *   each message one attempt per backoff step, not one per second.
 *
 *   Invariants.
 *   1. Never lost: a message is committed before any attempt to send it and
 *      is marked sent only after the relay accepted it (250 to the end of
 *      data); every failure leaves it queued or failed, never deleted.
 *   2. At most once per commit: a row is attempted only while queued, one
 *      attempt at a time (one sender per database: `serve` or `outbox send`,
 *      not both at once).
 *   3. The crash window, honestly: between the relay's 250 and our commit
 *      of "sent" the process can die (SIGKILL, power). The row is then still
 *      queued and is sent again after the restart, so the recipient may get
 *      it twice. The retry carries the same Message-ID (the stored id at the
 *      domain of the From address) and the same Date, so the duplicate is
 *      identifiable and mail systems that deduplicate on Message-ID drop it.
 *      Closing the window entirely would need the relay to take part in a
 *      two-phase commit, which SMTP has no way to do.
 *   4. Stopping lets the message in hand finish (its attempt and its mark);
 *      libcurl's timeouts bound how long that takes.
 *   5. The same window while the database cannot be written (disk full,
 *      read-only): a message the relay accepted whose "sent" could not be
 *      committed is remembered (its row id, struct unrecorded) and never
 *      handed to the relay again by this thread; each pass only retries its
 *      mark. Without that it would go again every second until space
 *      returned. With UNRECORDED_MAX remembered, nothing more is sent.
 *   6. The content is sealed in the outbox (address, subject, body and
 *      unsubscribe URL; core/seal.h, core/rotate.h "Sealed values"). The
 *      sender is the one place that opens it, under the outbox subkey, just
 *      for the attempt: the plaintext and the composed message are wiped
 *      when the attempt ends. Sent clears the sealed value in the same
 *      statement (outbox_mark_sent); a retry keeps it, and so does failed
 *      (outbox_mark_failed), until the sweep deletes the row 30 days later,
 *      so that staff can send it again (POST /api/v1/outbox/{id}/retry). A value that does not open (altered, moved from another row, or a
 *      key that is not the database's) fails the message for good.
 *
 *   Logs name the outbox row id, the kind and the pseudonymous person id,
 *   never the recipient, subject or body.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "core/seal.h"
#include "mail/mail.h"

#define MAX_BACKOFF_S ((int64_t)6 * 3600)
#define BATCH         32 /* messages read per query */

#define UNRECORDED_MAX 64 /* sent but not recorded as sent (invariant 5) */

struct unrecorded {
    int64_t id[UNRECORDED_MAX];
    int n;
};

static bool unrecorded_has(const struct unrecorded *u, int64_t id) {
    for (int i = 0; u && i < u->n; i++)
        if (u->id[i] == id)
            return true;
    return false;
}

static void unrecorded_forget(struct unrecorded *u, int64_t id) {
    for (int i = 0; u && i < u->n; i++)
        if (u->id[i] == id) {
            u->id[i] = u->id[--u->n];
            return;
        }
}

int64_t rk_mail_backoff(int attempts, int base_s) {
    int64_t d = base_s > 0 ? base_s : 0;
    for (int i = 1; i < attempts && d < MAX_BACKOFF_S; i++)
        d *= 2;
    return d > MAX_BACKOFF_S ? MAX_BACKOFF_S : d;
}

/* ---- One pass ------------------------------------------------------------------------- */

/* A due message, copied out of the store's callback: still sealed. */
struct due {
    int64_t id;
    int attempts;
    rk_ts created_at;
    char *message_id, *person_id, *kind;
    unsigned char *sealed; /* NULL when the row holds none */
    size_t sealed_len;
};

struct due_list {
    struct due items[BATCH];
    int n;
    bool oom;
};

static char *dup_opt(const char *s, bool *oom) {
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
}

static void due_free(struct due *d) {
    free(d->message_id);
    free(d->person_id);
    free(d->kind);
    free(d->sealed);
}

static int collect(void *ctx, const struct rk_outbox_msg *m) {
    struct due_list *l = ctx;
    if (l->n == BATCH)
        return 1;
    struct due *d = &l->items[l->n++];
    d->id = m->id;
    d->attempts = m->attempts;
    d->created_at = m->created_at;
    d->message_id = dup_opt(m->message_id, &l->oom);
    d->person_id = dup_opt(m->person_id, &l->oom);
    d->kind = dup_opt(m->kind, &l->oom);
    if (m->sealed && m->sealed_len) {
        d->sealed = malloc(m->sealed_len);
        if (d->sealed) {
            memcpy(d->sealed, m->sealed, m->sealed_len);
            d->sealed_len = m->sealed_len;
        } else {
            l->oom = true;
        }
    }
    return l->oom ? 1 : 0;
}

/* Appends s to a JSON string body, with anything unusual replaced (log texts are ours). */
static void put_json_text(FILE *f, const char *s) {
    for (; s && *s; s++)
        fputc(*s == '"' || *s == '\\' || (unsigned char)*s < 0x20 ? '?' : *s, f);
}

static void log_outcome(const struct due *d, const char *result, int attempts, const char *error) {
    char ts[RK_TS_LEN + 1];
    rk_ts_format(rk_time_now(), ts);
    flockfile(stderr);
    fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"mail\",\"outbox_id\":%lld,\"kind\":\"", ts,
            (long long)d->id);
    put_json_text(stderr, d->kind);
    fputs("\"", stderr);
    if (d->person_id) {
        fputs(",\"person\":\"", stderr);
        put_json_text(stderr, d->person_id);
        fputs("\"", stderr);
    }
    fprintf(stderr, ",\"result\":\"%s\",\"attempts\":%d", result, attempts);
    if (error) {
        fputs(",\"error\":\"", stderr);
        put_json_text(stderr, error);
        fputs("\"", stderr);
    }
    fputs("}\n", stderr);
    funlockfile(stderr);
}

enum mark { MARK_SENT, MARK_RETRY, MARK_FAILED };

/* Records an outcome in its own transaction; a busy store is tried again for a while. */
static rk_err mark(struct rk_store *s, int64_t id, enum mark how, rk_ts at, const char *error) {
    rk_err err = RK_EBUSY;
    for (int i = 0; i < 5 && err == RK_EBUSY; i++) {
        err = rk_store_begin(s);
        if (err != RK_OK)
            continue;
        err = how == MARK_SENT    ? rk_store_outbox_mark_sent(s, id, at)
              : how == MARK_RETRY ? rk_store_outbox_mark_retry(s, id, at, error)
                                  : rk_store_outbox_mark_failed(s, id, at, error);
        if (err == RK_OK)
            err = rk_store_commit(s);
        if (err != RK_OK)
            rk_store_rollback(s);
    }
    return err;
}

/* Attempts one message and records the outcome; *stop_pass when the relay is down. */
static rk_err deliver(struct rk_store *s, const struct rk_sender_config *cfg, const struct due *d,
                      struct rk_sender_report *rep, bool *stop_pass, struct unrecorded *u) {
    int base = cfg->backoff_base_s > 0 ? cfg->backoff_base_s : 60;
    int max = cfg->max_attempts > 0 ? cfg->max_attempts : 10;
    const bool resent = unrecorded_has(u, d->id); /* sent already: only record it */
    if (!resent && u && u->n == UNRECORDED_MAX) {
        *stop_pass = true; /* invariant 5: nothing more until the marks go through */
        return RK_OK;
    }
    /* Invariant 6: the content is opened here, for this attempt only. */
    char *plain = NULL;
    size_t plain_len = 0;
    struct rk_mail_content c = {NULL, NULL, NULL, NULL};
    struct rk_outbox_msg row = {
        .id = d->id, .message_id = d->message_id, .sealed = d->sealed, .sealed_len = d->sealed_len};
    struct rk_smtp_outcome o = {.result = RK_SMTP_PERMANENT};
    rk_err err = resent ? RK_OK : rk_mail_open(cfg->keys->outbox, &row, &plain, &plain_len, &c);
    if (err == RK_EPARSE) {
        snprintf(o.error, sizeof o.error,
                 "the sealed message does not open (altered, or sealed under another key)");
        err = RK_EINVAL; /* failed for good: no attempt can send it */
    }
    struct rk_mail m = {.from = cfg->smtp.from,
                        .to = c.recipient,
                        .subject = c.subject,
                        .body = c.body,
                        .message_id = d->message_id,
                        .date = d->created_at,
                        .list_unsubscribe = c.list_unsubscribe,
                        .reply_to = cfg->smtp.reply_to};
    struct rk_buf b;
    rk_buf_init(&b);
    if (err == RK_OK && !resent)
        err = rk_mail_compose(&m, &b, o.error, sizeof o.error);
    if (resent) {
        o.result = RK_SMTP_SENT;
    } else if (err == RK_EINVAL) {
        o.result = RK_SMTP_PERMANENT; /* o.error says why; sending again cannot help */
    } else if (err == RK_OK) {
        err = rk_smtp_send(&cfg->smtp, c.recipient, b.data, b.len, &o);
    }
    if (b.data)
        sodium_memzero(b.data, b.len);
    rk_buf_cleanup(&b);
    rk_seal_free(plain, plain_len);
    if (err != RK_OK && err != RK_EINVAL)
        return err; /* out of memory: nothing was attempted, the message stays as it was */

    int attempts = d->attempts + 1;
    rk_ts now = rk_time_now();
    const char *result;
    if (o.result == RK_SMTP_SENT) {
        err = mark(s, d->id, MARK_SENT, now, NULL);
        if (err == RK_OK || err == RK_ENOENT)
            unrecorded_forget(u, d->id);
        else if (!resent && u)
            u->id[u->n++] = d->id;
        result = resent ? "recorded" : "sent";
        rep->sent += !resent;
    } else if (o.result == RK_SMTP_TRANSIENT && attempts < max) {
        err = mark(s, d->id, MARK_RETRY, now + rk_mail_backoff(attempts, base), o.error);
        result = "retry";
        rep->retried++;
    } else {
        if (o.result == RK_SMTP_TRANSIENT) {
            char gave_up[sizeof o.error + 64];
            snprintf(gave_up, sizeof gave_up, "gave up after %d attempts: %s", attempts, o.error);
            memcpy(o.error, gave_up, sizeof o.error - 1); /* cut to fit, as the store would */
            o.error[sizeof o.error - 1] = '\0';
        }
        err = mark(s, d->id, MARK_FAILED, now, o.error);
        result = "failed";
        rep->failed++;
    }
    if (o.result != RK_SMTP_SENT)
        snprintf(rep->error, sizeof rep->error, "%s", o.error);
    if (!cfg->quiet && !(resent && err != RK_OK))
        log_outcome(d, result, attempts, o.result == RK_SMTP_SENT ? NULL : o.error);
    if (err == RK_ENOENT)
        err = RK_OK; /* no longer queued: another sender recorded it (invariant 2 broken) */
    if (err != RK_OK) {
        /* Sent but not recorded: the crash window. It stays queued and goes again. */
        snprintf(rep->error, sizeof rep->error, "cannot record the outcome of message %lld: %s",
                 (long long)d->id, rk_store_last_error());
        return err;
    }
    if (o.relay_down) {
        rep->relay_down = true;
        *stop_pass = true;
    }
    return RK_OK;
}

static rk_err pass(struct rk_store *s, const struct rk_sender_config *cfg, const atomic_bool *stop,
                   struct rk_sender_report *rep, struct unrecorded *u) {
    memset(rep, 0, sizeof *rep);
    if (!cfg->keys)
        return RK_EINVAL; /* nothing could be opened */
    rk_err err = RK_OK;
    bool stop_pass = false;
    while (err == RK_OK && !stop_pass && !(stop && atomic_load(stop))) {
        struct due_list *l = calloc(1, sizeof *l);
        if (!l)
            return RK_ENOMEM;
        err = rk_store_outbox_due(s, rk_time_now(), BATCH, collect, l);
        if (err == RK_OK && l->oom)
            err = RK_ENOMEM;
        int n = l->n;
        for (int i = 0; err == RK_OK && i < n && !stop_pass; i++) {
            if (stop && atomic_load(stop))
                break;
            err = deliver(s, cfg, &l->items[i], rep, &stop_pass, u);
        }
        for (int i = 0; i < n; i++)
            due_free(&l->items[i]);
        free(l);
        if (n < BATCH)
            break; /* no more due now (retried ones are due later) */
    }
    return err;
}

rk_err rk_sender_pass(struct rk_store *s, const struct rk_sender_config *cfg,
                      struct rk_sender_report *out) {
    return pass(s, cfg, NULL, out, NULL);
}

/* ---- The thread ----------------------------------------------------------------------- */

struct rk_sender {
    struct rk_sender_config cfg; /* strings point into the copies below */
    char *db, *url, *user, *password, *from, *reply_to;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool wake;
    atomic_bool stop;
    atomic_llong queued, failed;
    struct unrecorded unrecorded; /* the thread's alone */
    struct rk_keys keys;          /* cfg.keys points here; wiped when the thread is freed */
};

static void log_event(const char *what) {
    char ts[RK_TS_LEN + 1];
    rk_ts_format(rk_time_now(), ts);
    fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"mail\",%s}\n", ts, what);
}

static void count(struct rk_sender *sn, struct rk_store *s) {
    int64_t q = 0, f = 0;
    if (rk_store_outbox_count(s, RK_OUTBOX_QUEUED, &q) == RK_OK &&
        rk_store_outbox_count(s, RK_OUTBOX_FAILED, &f) == RK_OK) {
        atomic_store(&sn->queued, q);
        atomic_store(&sn->failed, f);
    }
}

static void *run(void *arg) {
    struct rk_sender *sn = arg;
    struct rk_store *s = NULL;
    bool store_error_logged = false;
    while (!atomic_load(&sn->stop)) {
        if (!s) {
            struct rk_store_options opt = {
                .synchronous = RK_SYNC_NORMAL, .cache_kib = 2048, .mmap_kib = -1};
            if (rk_store_open(sn->cfg.db, &opt, &s) != RK_OK) {
                s = NULL;
                if (!store_error_logged)
                    log_event("\"error\":\"cannot open the database; retrying\"");
                store_error_logged = true;
            }
        }
        if (s) {
            if (sn->cfg.smtp.url) {
                struct rk_sender_report rep;
                int before = sn->unrecorded.n;
                rk_err err = pass(s, &sn->cfg, &sn->stop, &rep, &sn->unrecorded);
                if (err != RK_OK && (err != RK_ESTORAGE || sn->unrecorded.n > before)) {
                    char line[RK_OUTBOX_ERROR_MAX + 64];
                    snprintf(line, sizeof line, "\"error\":\"pass ended: %s\"", rk_err_name(err));
                    log_event(line);
                }
            }
            count(sn, s);
        }
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += 1;
        pthread_mutex_lock(&sn->lock);
        while (!sn->wake && !atomic_load(&sn->stop))
            if (pthread_cond_timedwait(&sn->cond, &sn->lock, &until) != 0)
                break;
        sn->wake = false;
        pthread_mutex_unlock(&sn->lock);
    }
    rk_store_close(s);
    return NULL;
}

static void sender_free(struct rk_sender *sn) {
    sodium_memzero(&sn->keys, sizeof sn->keys);
    free(sn->db);
    free(sn->url);
    free(sn->user);
    if (sn->password)
        sodium_memzero(sn->password, strlen(sn->password));
    free(sn->password);
    free(sn->from);
    free(sn->reply_to);
    free(sn);
}

rk_err rk_sender_start(const struct rk_sender_config *cfg, struct rk_sender **out) {
    if (!cfg->db || (cfg->smtp.url && (!cfg->smtp.from || !cfg->keys)))
        return RK_EINVAL;
    if (cfg->smtp.url && rk_smtp_global_init() != RK_OK)
        return RK_EIO;
    struct rk_sender *sn = calloc(1, sizeof *sn);
    if (!sn)
        return RK_ENOMEM;
    bool oom = false;
    sn->cfg = *cfg;
    sn->cfg.db = sn->db = dup_opt(cfg->db, &oom);
    sn->cfg.smtp.url = sn->url = dup_opt(cfg->smtp.url, &oom);
    sn->cfg.smtp.user = sn->user = dup_opt(cfg->smtp.user, &oom);
    sn->cfg.smtp.password = sn->password = dup_opt(cfg->smtp.password, &oom);
    sn->cfg.smtp.from = sn->from = dup_opt(cfg->smtp.from, &oom);
    sn->cfg.smtp.reply_to = sn->reply_to = dup_opt(cfg->smtp.reply_to, &oom);
    if (cfg->keys) {
        sn->keys = *cfg->keys;
        sn->cfg.keys = &sn->keys;
    }
    if (oom) {
        sender_free(sn);
        return RK_ENOMEM;
    }
    atomic_init(&sn->stop, false);
    atomic_init(&sn->queued, -1);
    atomic_init(&sn->failed, -1);
    pthread_mutex_init(&sn->lock, NULL);
    pthread_cond_init(&sn->cond, NULL);
    if (pthread_create(&sn->thread, NULL, run, sn) != 0) {
        pthread_mutex_destroy(&sn->lock);
        pthread_cond_destroy(&sn->cond);
        sender_free(sn);
        return RK_EIO;
    }
    log_event(sn->cfg.smtp.url
                  ? "\"sending\":true"
                  : "\"sending\":false,\"message\":\"no SMTP relay configured (--smtp): "
                    "messages stay queued in the outbox\"");
    *out = sn;
    return RK_OK;
}

void rk_sender_wake(struct rk_sender *sn) {
    if (!sn)
        return;
    pthread_mutex_lock(&sn->lock);
    sn->wake = true;
    pthread_cond_signal(&sn->cond);
    pthread_mutex_unlock(&sn->lock);
}

int64_t rk_sender_queued(const struct rk_sender *sn) { return sn ? atomic_load(&sn->queued) : -1; }

int64_t rk_sender_failed(const struct rk_sender *sn) { return sn ? atomic_load(&sn->failed) : -1; }

void rk_sender_stop(struct rk_sender *sn) {
    if (!sn)
        return;
    pthread_mutex_lock(&sn->lock);
    atomic_store(&sn->stop, true);
    pthread_cond_signal(&sn->cond);
    pthread_mutex_unlock(&sn->lock);
    pthread_join(sn->thread, NULL);
    pthread_mutex_destroy(&sn->lock);
    pthread_cond_destroy(&sn->cond);
    sender_free(sn);
}
