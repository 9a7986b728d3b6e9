/*
 * sender.c — delivers the outbox: the SMTP transport of the outbox worker
 * (src/worker/worker.h), which lists the due messages, runs the pass, records
 * each outcome at once and runs the sender thread (a pass every second, or
 * sooner when woken, on its own store connection). This file opens, composes
 * and hands one message to the relay, and says what to record.
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
 *   Invariants (the worker's, worker.h, hold as well).
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
 *      read-only): a message whose outcome could not be committed is
 *      remembered by the worker (its row id and outcome) and never handed to
 *      the relay again by this thread; each pass only retries its mark
 *      (logged as "recorded"). Without that it would go again every second
 *      until space returned. With RK_WORKER_UNRECORDED_MAX remembered,
 *      nothing more is sent.
 *   6. The content is sealed in the outbox (address, subject, body and
 *      unsubscribe URL; keys/seal.h, core/rotate.h "Sealed values"). The
 *      sender is the one place that opens it, under the outbox subkey, just
 *      for the attempt: the plaintext and the composed message are wiped
 *      when the attempt ends. Sent clears the sealed value in the same
 *      statement (outbox_mark_sent); a retry keeps it, and so does failed
 *      (outbox_mark_failed), until the sweep deletes the row 30 days later,
 *      so that staff can send it again (POST /api/v1/outbox/{id}/retry). A
 *      value that does not open (altered, moved from another row, or a key
 *      that is not the database's) fails the message for good.
 *
 *   Logs name the outbox row id, the kind and the pseudonymous person id,
 *   never the recipient, subject or body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "keys/seal.h"
#include "mail/mail.h"
#include "worker/worker.h"

#define BATCH 32 /* messages read per query */

/* ---- The transport: one message ---------------------------------------------------------- */

/* A due message, copied out of the store's callback: still sealed. */
struct due {
    int attempts;
    rk_ts created_at;
    char *message_id, *person_id, *kind;
    unsigned char *sealed; /* NULL when the row holds none */
    size_t sealed_len;
    int64_t id;
};

static void due_free(void *item) {
    struct due *d = item;
    free(d->message_id);
    free(d->person_id);
    free(d->kind);
    free(d->sealed);
}

static int collect(void *ctx, const struct rk_outbox_msg *m) {
    struct rk_worker_list *l = ctx;
    struct due *d = rk_worker_list_add(l, m->id);
    if (!d)
        return 1;
    d->id = m->id;
    d->attempts = m->attempts;
    d->created_at = m->created_at;
    d->message_id = rk_worker_list_strdup(l, m->message_id);
    d->person_id = rk_worker_list_strdup(l, m->person_id);
    d->kind = rk_worker_list_strdup(l, m->kind);
    d->sealed = rk_worker_list_memdup(l, m->sealed, m->sealed_len);
    d->sealed_len = d->sealed ? m->sealed_len : 0;
    return l->oom ? 1 : 0;
}

static rk_err list(struct rk_store *s, rk_ts now, struct rk_worker_list *out) {
    return rk_store_outbox_due(s, now, out->cap, collect, out);
}

/* One line per attempt: the row id, kind and pseudonymous person, never the content. */
static void log_outcome(const struct due *d, const char *result, int attempts, const char *error) {
    rk_worker_log_begin("mail");
    rk_worker_log_integer("outbox_id", (long long)d->id);
    rk_worker_log_text("kind", d->kind ? d->kind : "");
    rk_worker_log_text("person", d->person_id);
    rk_worker_log_text("result", result);
    rk_worker_log_integer("attempts", attempts);
    rk_worker_log_text("error", error);
    rk_worker_log_end();
}

/* What to record for one message. */
enum mark { MARK_SENT, MARK_RETRY, MARK_FAILED };

struct outcome {
    enum mark how;
    rk_ts at;        /* when it was sent or failed, or the next attempt */
    bool relay_down; /* the relay could not be reached: end the pass after this one */
    char error[RK_OUTBOX_ERROR_MAX + 1];
};

/* Opens, composes and hands one message to the relay; fills the outcome. */
static rk_err attempt(const void *ctx, void *item, void *out) {
    const struct rk_sender_config *cfg = ctx;
    const struct due *d = item;
    struct outcome *o = out;
    /* Invariant 6: the content is opened here, for this attempt only. */
    char *plain = NULL;
    size_t plain_len = 0;
    struct rk_mail_content c = {NULL, NULL, NULL, NULL};
    struct rk_outbox_msg row = {
        .id = d->id, .message_id = d->message_id, .sealed = d->sealed, .sealed_len = d->sealed_len};
    struct rk_smtp_outcome so = {.result = RK_SMTP_PERMANENT};
    rk_err err = rk_mail_open(cfg->keys->outbox, &row, &plain, &plain_len, &c);
    if (err == RK_EPARSE) {
        snprintf(so.error, sizeof so.error,
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
    struct rk_error why = RK_ERROR_INIT;
    if (err == RK_OK && (err = rk_mail_compose(&m, &b, &why)) != RK_OK)
        snprintf(so.error, sizeof so.error, "%s", rk_error_msg(&why));
    if (err == RK_EINVAL)
        so.result = RK_SMTP_PERMANENT; /* so.error says why; sending again cannot help */
    else if (err == RK_OK)
        err = rk_smtp_send(&cfg->smtp, c.recipient, b.data, b.len, &so);
    if (b.data)
        sodium_memzero(b.data, b.len);
    rk_buf_cleanup(&b);
    rk_seal_free(plain, plain_len);
    if (err != RK_OK && err != RK_EINVAL)
        return err; /* out of memory: nothing was attempted, the message stays as it was */

    rk_ts now = rk_time_now();
    o->relay_down = so.relay_down;
    snprintf(o->error, sizeof o->error, "%s", so.error);
    if (so.result == RK_SMTP_SENT) {
        o->how = MARK_SENT;
        o->at = now;
    } else if (rk_worker_retry(d->attempts + 1, so.result == RK_SMTP_PERMANENT, cfg->backoff_base_s,
                               cfg->max_attempts, now, &o->at, o->error, sizeof o->error)) {
        o->how = MARK_RETRY;
    } else {
        o->how = MARK_FAILED;
    }
    return RK_OK;
}

static rk_err record(struct rk_store *s, int64_t id, const void *out) {
    const struct outcome *o = out;
    switch (o->how) {
    case MARK_SENT: return rk_store_outbox_mark_sent(s, id, o->at);
    case MARK_RETRY: return rk_store_outbox_mark_retry(s, id, o->at, o->error);
    case MARK_FAILED: break;
    }
    return rk_store_outbox_mark_failed(s, id, o->at, o->error);
}

static bool done(const void *ctx, void *report, const void *item, const void *out, bool again,
                 rk_err recorded) {
    static const char *const results[] = {"sent", "retry", "failed"};
    const struct rk_sender_config *cfg = ctx;
    struct rk_sender_report *rep = report;
    const struct due *d = item;
    const struct outcome *o = out;
    if (again) { /* sent before and now recorded (worker.h, invariant 4) */
        if (!cfg->quiet)
            log_outcome(d, "recorded", d->attempts + 1, NULL);
        return false;
    }
    rep->sent += o->how == MARK_SENT;
    rep->retried += o->how == MARK_RETRY;
    rep->failed += o->how == MARK_FAILED;
    if (o->how != MARK_SENT)
        snprintf(rep->error, sizeof rep->error, "%s", o->error);
    if (!cfg->quiet)
        log_outcome(d, results[o->how], d->attempts + 1, o->how == MARK_SENT ? NULL : o->error);
    if (o->relay_down && (recorded == RK_OK || recorded == RK_ENOENT)) {
        rep->relay_down = true;
        return true;
    }
    return false;
}

static void count(struct rk_store *s, atomic_llong counts[RK_WORKER_COUNTS]) {
    int64_t q = 0, f = 0;
    if (rk_store_outbox_count(s, RK_OUTBOX_QUEUED, &q) == RK_OK &&
        rk_store_outbox_count(s, RK_OUTBOX_FAILED, &f) == RK_OK) {
        atomic_store(&counts[0], q);
        atomic_store(&counts[1], f);
    }
}

static const struct rk_worker_ops smtp_ops = {
    .event = "mail",
    .noun = "message",
    .item_size = sizeof(struct due),
    .outcome_size = sizeof(struct outcome),
    .report_size = sizeof(struct rk_sender_report),
    .batch = BATCH,
    .refill = true,
    .list = list,
    .item_free = due_free,
    .attempt = attempt,
    .record = record,
    .done = done,
    .count = count,
};

rk_err rk_sender_pass(struct rk_store *s, const struct rk_sender_config *cfg,
                      struct rk_sender_report *out) {
    memset(out, 0, sizeof *out);
    if (!cfg->keys)
        return RK_EINVAL; /* nothing could be opened */
    return rk_worker_pass(&smtp_ops, cfg, s, out, out->error, sizeof out->error);
}

/* ---- The thread ----------------------------------------------------------------------- */

struct rk_sender {
    struct rk_worker *w;
    struct rk_sender_config cfg; /* strings point into the copies below */
    char *url, *user, *password, *from, *reply_to;
    struct rk_keys keys; /* cfg.keys points here; wiped when the thread is freed */
};

static void sender_free(struct rk_sender *sn) {
    sodium_memzero(&sn->keys, sizeof sn->keys);
    free(sn->url);
    free(sn->user);
    if (sn->password)
        sodium_memzero(sn->password, strlen(sn->password));
    free(sn->password);
    free(sn->from);
    free(sn->reply_to);
    free(sn);
}

static char *dup_opt(const char *s, bool *oom) {
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = true;
    return d;
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
    sn->cfg.db = NULL; /* the worker keeps its own copy */
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
    rk_err err = rk_worker_start(&smtp_ops, &sn->cfg, cfg->db, cfg->smtp.url != NULL,
                                 cfg->keys ? rk_keys_generation(cfg->keys) : 0, &sn->w);
    if (err != RK_OK) {
        sender_free(sn);
        return err;
    }
    rk_worker_log("mail", sn->cfg.smtp.url
                              ? "\"sending\":true"
                              : "\"sending\":false,\"message\":\"no SMTP relay configured "
                                "(--smtp): messages stay queued in the outbox\"");
    *out = sn;
    return RK_OK;
}

void rk_sender_wake(struct rk_sender *sn) { rk_worker_wake(sn ? sn->w : NULL); }

int64_t rk_sender_queued(const struct rk_sender *sn) {
    return rk_worker_count(sn ? sn->w : NULL, 0);
}

int64_t rk_sender_failed(const struct rk_sender *sn) {
    return rk_worker_count(sn ? sn->w : NULL, 1);
}

void rk_sender_stop(struct rk_sender *sn) {
    if (!sn)
        return;
    rk_worker_stop(sn->w); /* finishes the message in hand */
    sender_free(sn);
}
