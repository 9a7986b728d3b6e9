/*
 * deliver.c — delivers art 19 notices to recipients through their
 * connectors: the recipients' transport of the outbox worker
 * (src/worker/worker.h), which lists the due notices, runs the pass, records
 * each outcome at once and runs the deliverer thread of `serve` (a pass every
 * second on its own store connection), as it does for the mail sender. This
 * file decides and makes one notice's attempt and says what to record.
 *
 * Design.
 *
 *   States of a recipient_notice row and who moves it (each move is one
 *   transaction; the store's marks apply to queued or pending rows only):
 *
 *     (none) ──rk_notify_recipients, in the changing transaction──► queued
 *     queued ──webhook answered 2xx ──────────── mark_done ───────► done
 *     queued ──OpenGDPR POST answered 2xx ────── mark_pending ────► pending (remote_id)
 *     pending ─status pending / in_progress ──── mark_pending ────► pending (next poll)
 *     pending ─status completed ──────────────── mark_done ───────► done
 *     queued|pending ─transient, attempts < max ─ mark_retry ─────► same state, later
 *     queued|pending ─permanent, transient at max, cancelled,
 *                     or pending beyond give_up_days ─ mark_final ► failed
 *     queued ──no connector, or one that cannot carry the kind ──► unsupported
 *
 *   A recipient whose connector is a client (client.h: mailchimp, salesforce):
 *
 *     queued ──erasure: rk_client_erase ok ──── mark_done ───────► done
 *     queued ──erasure: transient / permanent ── as a webhook's ─► queued later / failed
 *     queued|pending ─rectification, restriction, restriction_lifted: the sync
 *                     (cfg->synced) says WAIT ─ mark_pending ("") ► pending, asked again
 *                                                                   in 30 s
 *     queued|pending ─the sync says DONE ─────── mark_done ───────► done
 *     queued|pending ─the sync says FAILED ───── mark_final ──────► failed (its error)
 *     queued|pending ─the client is not configured (no or a bad
 *                     credential) ───────────── mark_wait ───────► same state, in 5 min
 *
 *   These recipients learn of a rectification or restriction through the
 *   sync (core/disclose.c), which puts the person's current state; the
 *   notice only waits for a complete sync pass that began after it, and its
 *   pending state has an empty remote id (no OpenGDPR request). The sync is
 *   asked when the outcome is recorded, in the recording transaction (the
 *   attempt has no store). Moving to pending costs one attempt (the store
 *   counts queued → pending); waiting there costs none and never fails the
 *   notice. An erasure is sent here, at once: the sync cannot, since the
 *   person is gone from the register.
 *
 *   A connector that is not configured never fails a notice: it waits, last
 *   error rk_client_open's "recipient 'x' is not configured: …", asked again
 *   every 5 minutes, its sealed identity kept (an erasure needs the
 *   address). The wait counts no attempt (mark_wait sets only the next time
 *   and the last error), so a connector configured after days of waiting
 *   starts with the notice's full count of attempts.
 *
 *   Backoff after n failed attempts: base·2^(n−1) (60 s), at most 6 h (the
 *   worker's rk_worker_retry, as for mail); after max_attempts (10) the notice fails.
 *   OpenGDPR status polls come every poll_s (300 s) and cost no attempt; a
 *   request still not completed after give_up_days (30) fails.
 *
 *   Invariants (the worker's, worker.h, hold as well).
 *   1. Never lost: a notice is committed with the change that caused it and
 *      is marked done only after the recipient acknowledged it.
 *   2. The identity is kept only as long as it is needed, and only sealed:
 *      rk_notify_recipients seals it to the notice's row (id, recipient,
 *      person) under the notice subkey (keys/seal.h; core/rotate.h "Sealed
 *      values"), and this file is the one place that opens it, for the
 *      attempt alone (its plaintext copy is wiped as soon as the attempt ends). Every
 *      move out of queued — done, pending, failed, unsupported — sets the
 *      sealed column to NULL in the same statement; a retry keeps it. A
 *      sealed identity that does not open (altered, moved from another row,
 *      a key that is not the database's) fails the notice for good: tell the
 *      recipient by hand.
 *   3. The crash window, honestly: a crash between the recipient's 2xx and
 *      our mark leaves the notice queued, and it is sent again. A webhook
 *      receiver sees the same notice_id twice (documented: deduplicate on
 *      it). An OpenGDPR processor gets a second erasure request with a new
 *      subject_request_id; erasing twice is harmless. HTTP cannot take part
 *      in our transaction, so the window cannot be closed.
 *   4. One deliverer per database (`serve` or `recipients send`), as with mail.
 *   5. The same window while the database cannot be written (disk full,
 *      read-only): an outcome that could not be recorded is remembered by
 *      the worker with its notice id and each pass only retries recording
 *      it, without asking the recipient again; without that it would be
 *      sent every second until space returned. With RK_WORKER_UNRECORDED_MAX
 *      remembered, nothing more is attempted.
 *
 *   Logs name the notice id, recipient id, kind and pseudonymous person id;
 *   never the email, the URL or a response body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "connect/client.h"
#include "connect/connect.h"
#include "keys/seal.h"
#include "worker/worker.h"

#define BATCH      500
#define DAY_S      ((int64_t)86400)
#define SECRET_MAX 4096
#define SYNC_WAIT_S         30  /* a notice waiting for the sync is asked again after this */
#define UNCONFIGURED_WAIT_S 300 /* a notice to a connector not configured, likewise */

/* A due notice, copied out of the store's callback; identity_email is set when opened. */
struct due {
    struct rk_notice_row r;
    char *recipient, *person_id, *request_id, *identity_email, *remote_id;
    size_t identity_len;
    unsigned char *sealed;
};

static void due_free(void *item) {
    struct due *d = item;
    free(d->recipient);
    free(d->person_id);
    free(d->request_id);
    rk_seal_free(d->identity_email, d->identity_len);
    free(d->remote_id);
    free(d->sealed);
}

static int collect(void *ctx, const struct rk_notice_row *r) {
    struct rk_worker_list *l = ctx;
    struct due *d = rk_worker_list_add(l, r->id);
    if (!d)
        return 1;
    d->r = *r;
    d->r.recipient = d->recipient = rk_worker_list_strdup(l, r->recipient);
    d->r.person_id = d->person_id = rk_worker_list_strdup(l, r->person_id);
    d->r.request_id = d->request_id = rk_worker_list_strdup(l, r->request_id);
    d->r.identity_email = d->identity_email = NULL;
    d->r.remote_id = d->remote_id = rk_worker_list_strdup(l, r->remote_id);
    d->r.last_error = NULL;
    d->r.sealed = d->sealed = rk_worker_list_memdup(l, r->sealed, r->sealed_len);
    d->r.sealed_len = d->sealed ? r->sealed_len : 0;
    return l->oom ? 1 : 0;
}

static rk_err list(struct rk_store *s, rk_ts now, struct rk_worker_list *out) {
    return rk_store_recipient_notice_due(s, now, out->cap, collect, out);
}

/* One line per attempt: ids, kind and pseudonymous person, never the email or a body. */
static void log_outcome(const struct due *d, const char *result, const char *error) {
    rk_worker_log_begin("recipient");
    rk_worker_log_integer("notice_id", (long long)d->r.id);
    rk_worker_log_text("recipient", d->recipient ? d->recipient : "");
    rk_worker_log_text("kind", rk_notice_kind_name(d->r.kind));
    rk_worker_log_text("person", d->person_id ? d->person_id : "");
    rk_worker_log_text("result", result);
    rk_worker_log_text("error", error);
    rk_worker_log_end();
}

/* What to record for one notice. */
enum act { ACT_DONE, ACT_PENDING, ACT_RETRY, ACT_FAILED, ACT_UNSUPPORTED, ACT_WAIT, ACT_SYNC };

struct outcome {
    enum act act;
    rk_ts at; /* next attempt or poll, or when it ended */
    char remote_id[RK_REMOTE_ID_MAX + 1];
    char error[RK_CONNECT_ERROR_MAX + 1];
    /* ACT_SYNC: the sync is asked when the outcome is recorded, in its transaction (the attempt
     * has no store), and the answer becomes ACT_DONE, ACT_FAILED or ACT_PENDING */
    rk_deliver_synced_fn synced;
    void *synced_ctx;
    char recipient[RK_DECL_ID_MAX + 1], person_id[RK_ID_LEN + 1];
    rk_ts since;
};

/* ACT_SYNC: asks the sync and turns o into what it says. */
static rk_err ask_sync(struct rk_store *s, struct outcome *o) {
    enum rk_sync_says says = RK_SYNC_WAIT;
    o->error[0] = '\0';
    rk_err err = o->synced(o->synced_ctx, s, o->recipient, o->person_id, o->since, &says, o->error,
                           sizeof o->error);
    if (err != RK_OK)
        return err;
    if (says == RK_SYNC_DONE) {
        o->act = ACT_DONE;
    } else if (says == RK_SYNC_FAILED) {
        o->act = ACT_FAILED;
        if (!o->error[0])
            snprintf(o->error, sizeof o->error, "the recipient refused the person's last put");
    } else {
        o->act = ACT_PENDING;
        o->at += SYNC_WAIT_S;
        o->remote_id[0] = '\0';
    }
    return RK_OK;
}

/* Records an outcome, inside the transaction the worker opened. */
static rk_err record(struct rk_store *s, int64_t id, const void *out) {
    const struct outcome *o = out;
    if (o->act == ACT_SYNC) {
        /* the worker's own scratch (not const): the answer is written back for done() */
        struct outcome *w = (struct outcome *)out;
        rk_err err = ask_sync(s, w);
        if (err != RK_OK)
            return err;
    }
    switch (o->act) {
    case ACT_DONE: return rk_store_recipient_notice_mark_done(s, id, o->at);
    case ACT_PENDING: return rk_store_recipient_notice_mark_pending(s, id, o->remote_id, o->at);
    case ACT_RETRY:
    case ACT_WAIT: return rk_store_recipient_notice_mark_wait(s, id, o->at, o->error);
    case ACT_FAILED:
        return rk_store_recipient_notice_mark_final(s, id, RK_NOTICE_FAILED, o->at, o->error);
    case ACT_UNSUPPORTED:
    case ACT_SYNC: break;
    }
    return rk_store_recipient_notice_mark_final(s, id, RK_NOTICE_UNSUPPORTED, o->at, o->error);
}

/* A failed attempt: retried later, or failed at the last attempt or when permanent. */
static void failed_attempt(const struct rk_deliver_config *cfg, const struct due *d, bool permanent,
                           rk_ts now, struct outcome *o) {
    o->act = rk_worker_retry(d->r.attempts + 1, permanent, cfg->backoff_base_s, cfg->max_attempts,
                             now, &o->at, o->error, sizeof o->error)
                 ? ACT_RETRY
                 : ACT_FAILED;
}

/* Sends a request whose body holds the identity, wipes and frees the body, and judges the
 * answer: ok (2xx), permanent (a refusal worth no retry) or neither, with the error. */
static rk_err post(const struct rk_connect_request *call, struct rk_buf *body, struct outcome *o,
                   bool *ok, bool *permanent) {
    struct rk_connect_answer a;
    rk_err err = rk_connect_http(call, &a);
    sodium_memzero(body->data, body->len);
    rk_buf_cleanup(body);
    rk_buf_cleanup(&a.body);
    if (err != RK_OK)
        return err;
    *ok = a.outcome == RK_CONNECT_OK;
    *permanent = a.outcome == RK_CONNECT_PERMANENT;
    snprintf(o->error, sizeof o->error, "%s", a.error);
    return RK_OK;
}

/* The connector's secret from its environment variable; false with o->error set. */
static bool secret_of(const struct rk_connector *k, const char **out, struct outcome *o) {
    const char *v = getenv(k->secret_env);
    if (!v || !*v || strlen(v) > SECRET_MAX) {
        snprintf(o->error, sizeof o->error,
                 "environment variable %s (the connector's secret) is not set", k->secret_env);
        return false;
    }
    *out = v;
    return true;
}

static rk_err webhook(const struct rk_connector *k, const struct due *d, struct outcome *o,
                      bool *ok, bool *permanent) {
    const char *secret = NULL;
    *ok = *permanent = false;
    if (!secret_of(k, &secret, o))
        return RK_OK;
    struct rk_buf body;
    rk_buf_init(&body);
    rk_err err = rk_webhook_body(&d->r, &body);
    if (err != RK_OK) {
        rk_buf_cleanup(&body);
        return err;
    }
    char ts[32], sig[7 + 64 + 1], h_ts[64], h_sig[128], h_id[64];
    snprintf(ts, sizeof ts, "%lld", (long long)rk_time_now());
    rk_webhook_sign(secret, ts, body.data, body.len, sig);
    snprintf(h_ts, sizeof h_ts, "X-Rekisteri-Timestamp: %s", ts);
    snprintf(h_sig, sizeof h_sig, "X-Rekisteri-Signature: %s", sig);
    snprintf(h_id, sizeof h_id, "X-Rekisteri-Notice: %lld", (long long)d->r.id);
    const char *headers[] = {"Content-Type: application/json", h_ts, h_sig, h_id, NULL};
    struct rk_connect_request call = {
        .method = "POST", .url = k->url, .headers = headers, .body = body.data, .len = body.len};
    return post(&call, &body, o, ok, permanent);
}

/* "{url}/opengdpr_requests" and, with id, "/{id}". */
static void opengdpr_url(const struct rk_connector *k, const char *id, char *out, size_t n) {
    size_t len = strlen(k->url);
    while (len && k->url[len - 1] == '/')
        len--;
    snprintf(out, n, "%.*s/opengdpr_requests%s%s", (int)len, k->url, id ? "/" : "", id ? id : "");
}

static rk_err opengdpr_submit(const struct rk_connector *k, const struct due *d, struct outcome *o,
                              bool *ok, bool *permanent) {
    const char *secret = NULL;
    *ok = *permanent = false;
    if (!secret_of(k, &secret, o))
        return RK_OK;
    char id[RK_UUID_LEN + 1];
    rk_uuid_v4(id);
    struct rk_buf body;
    rk_buf_init(&body);
    rk_err err =
        rk_opengdpr_request_body(id, d->identity_email, k->identity_format, d->r.created_at, &body);
    if (err != RK_OK) {
        rk_buf_cleanup(&body);
        return err;
    }
    char url[RK_CONNECTOR_URL_MAX + 64], auth[SECRET_MAX + 32];
    opengdpr_url(k, NULL, url, sizeof url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", secret);
    const char *headers[] = {"Content-Type: application/json", "Accept: application/json", auth,
                             NULL};
    struct rk_connect_request call = {
        .method = "POST", .url = url, .headers = headers, .body = body.data, .len = body.len};
    err = post(&call, &body, o, ok, permanent);
    sodium_memzero(auth, sizeof auth);
    if (err != RK_OK)
        return err;
    if (*ok)
        snprintf(o->remote_id, sizeof o->remote_id, "%s", id);
    return RK_OK;
}

static rk_err opengdpr_poll(const struct rk_connector *k, const struct due *d, struct outcome *o,
                            enum rk_opengdpr_status *status, bool *ok, bool *permanent) {
    const char *secret = NULL;
    *ok = *permanent = false;
    if (!secret_of(k, &secret, o))
        return RK_OK;
    char url[RK_CONNECTOR_URL_MAX + 64 + RK_REMOTE_ID_MAX], auth[SECRET_MAX + 32];
    opengdpr_url(k, d->remote_id, url, sizeof url);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", secret);
    const char *headers[] = {"Accept: application/json", auth, NULL};
    struct rk_connect_request call = {.method = "GET", .url = url, .headers = headers};
    struct rk_connect_answer a;
    rk_err err = rk_connect_http(&call, &a);
    sodium_memzero(auth, sizeof auth);
    if (err == RK_OK) {
        snprintf(o->error, sizeof o->error, "%s", a.error);
        *permanent = a.outcome == RK_CONNECT_PERMANENT;
        if (a.outcome == RK_CONNECT_OK) {
            struct rk_error why = RK_ERROR_INIT;
            if (rk_opengdpr_parse_status(a.body.data ? a.body.data : "", a.body.len, d->remote_id,
                                         status, &why) == RK_OK)
                *ok = true;
            else /* a malformed answer may be passing: try again later */
                snprintf(o->error, sizeof o->error, "status of request %s: %s", d->remote_id,
                         rk_error_msg(&why));
        }
    }
    rk_buf_cleanup(&a.body);
    return err;
}

/* Opens d's sealed identity (when it holds one) into d->identity_email. RK_EPARSE, with
 * o failed for good, when it does not open; RK_ENOMEM. */
static rk_err open_identity(const struct rk_deliver_config *cfg, struct due *d, rk_ts now,
                            struct outcome *o) {
    if (!d->sealed || d->identity_email)
        return RK_OK;
    struct rk_seal_ad ad;
    rk_seal_ad_notice(d->r.id, d->recipient, d->person_id, &ad);
    rk_err err = rk_seal_open(cfg->keys->notice, &ad, d->sealed, d->r.sealed_len,
                              &d->identity_email, &d->identity_len);
    if (err == RK_OK)
        d->r.identity_email = d->identity_email;
    else if (err == RK_EPARSE) {
        o->act = ACT_FAILED;
        o->at = now;
        snprintf(o->error, sizeof o->error,
                 "the sealed identity does not open (altered, or sealed under another key): "
                 "tell the recipient by hand");
    }
    return err;
}

/* The connector cannot be used now (not configured): the notice waits, never failing for it. */
static void wait_unconfigured(const struct rk_error *e, rk_ts now, struct outcome *o) {
    o->act = ACT_WAIT;
    o->at = now + UNCONFIGURED_WAIT_S;
    snprintf(o->error, sizeof o->error, "%s", rk_error_msg(e)); /* "… is not configured: …" */
}

/* A rectification, restriction or its lifting to a client connector: done when the sync has
 * put the person's state (cfg->synced, asked as the outcome is recorded), else waiting. */
static void wait_for_sync(const struct rk_deliver_config *cfg, const struct due *d, rk_ts now,
                          struct outcome *o) {
    o->at = now;
    if (!cfg->synced) {
        o->act = ACT_PENDING;
        o->at = now + SYNC_WAIT_S;
        return;
    }
    o->act = ACT_SYNC;
    o->synced = cfg->synced;
    o->synced_ctx = cfg->synced_ctx;
    o->since = d->r.created_at;
    snprintf(o->recipient, sizeof o->recipient, "%s", d->recipient);
    snprintf(o->person_id, sizeof o->person_id, "%s", d->person_id);
}

/* One notice to a recipient whose connector is a client (client.h). */
static rk_err client_attempt(const struct rk_deliver_config *cfg, struct due *d,
                             const struct rk_recipient *r, rk_ts now, struct outcome *o) {
    struct rk_client *c = NULL;
    struct rk_error e = RK_ERROR_INIT;
    rk_err err = rk_client_open(r, &c, &e);
    if (err == RK_EREFUSED) {
        wait_unconfigured(&e, now, o);
        return RK_OK;
    }
    if (err != RK_OK)
        return err;
    if (d->r.kind != RK_NOTICE_ERASURE) {
        rk_client_close(c);
        wait_for_sync(cfg, d, now, o);
        return RK_OK;
    }
    if ((err = open_identity(cfg, d, now, o)) != RK_OK) {
        rk_client_close(c);
        return err == RK_EPARSE ? RK_OK : err;
    }
    struct rk_client_result res;
    err = rk_client_erase(c, d->person_id, d->identity_email, &res);
    rk_client_close(c);
    if (err != RK_OK)
        return err;
    if (res.outcome == RK_CONNECT_OK) {
        o->act = ACT_DONE;
        return RK_OK;
    }
    snprintf(o->error, sizeof o->error, "%s", res.error);
    failed_attempt(cfg, d, res.outcome == RK_CONNECT_PERMANENT, now, o);
    if (o->act == ACT_RETRY && res.retry_after_s > 0 && now + res.retry_after_s > o->at)
        o->at = now + res.retry_after_s;
    return RK_OK;
}

/* Decides and performs one notice's attempt; fills o. */
static rk_err attempt(const struct rk_deliver_config *cfg, struct due *d, rk_ts now,
                      struct outcome *o) {
    const struct rk_recipient *r = rk_decl_recipient(cfg->decl, d->recipient);
    const struct rk_connector *k = r ? &r->connector : NULL;
    bool ok = false, permanent = false;
    rk_err err = RK_OK;
    o->at = now;
    if (!r) {
        o->act = ACT_UNSUPPORTED;
        snprintf(o->error, sizeof o->error, "recipient '%s' is no longer declared: tell it by hand",
                 d->recipient);
        return RK_OK;
    }
    if (k->type == RK_CONNECTOR_NONE) {
        o->act = ACT_UNSUPPORTED;
        snprintf(o->error, sizeof o->error, "recipient '%s' has no connector: tell it by hand",
                 d->recipient);
        return RK_OK;
    }
    if (rk_client_speaks(r))
        return client_attempt(cfg, d, r, now, o);
    if (k->type == RK_CONNECTOR_WEBHOOK) {
        if ((err = open_identity(cfg, d, now, o)) != RK_OK)
            return err == RK_EPARSE ? RK_OK : err;
        err = webhook(k, d, o, &ok, &permanent);
        if (err == RK_OK && ok)
            o->act = ACT_DONE;
        else if (err == RK_OK)
            failed_attempt(cfg, d, permanent, now, o);
        return err;
    }
    /* OpenGDPR 1.0 knows access, portability and erasure requests only. */
    if (d->r.state == RK_NOTICE_QUEUED && d->r.kind != RK_NOTICE_ERASURE) {
        o->act = ACT_UNSUPPORTED;
        snprintf(o->error, sizeof o->error,
                 "not supported by connector: OpenGDPR 1.0 has no %s request; tell the "
                 "recipient by hand",
                 rk_notice_kind_name(d->r.kind));
        return RK_OK;
    }
    if (d->r.state == RK_NOTICE_QUEUED) {
        if ((err = open_identity(cfg, d, now, o)) != RK_OK)
            return err == RK_EPARSE ? RK_OK : err;
        if (!d->identity_email) {
            o->act = ACT_UNSUPPORTED;
            snprintf(o->error, sizeof o->error,
                     "no email to identify the person by in an OpenGDPR request: tell the "
                     "recipient by hand");
            return RK_OK;
        }
        err = opengdpr_submit(k, d, o, &ok, &permanent);
        if (err == RK_OK && ok) {
            o->act = ACT_PENDING;
            o->at = now + (cfg->poll_s > 0 ? cfg->poll_s : cfg->poll_s < 0 ? 0 : 300);
        } else if (err == RK_OK) {
            failed_attempt(cfg, d, permanent, now, o);
        }
        return err;
    }
    /* Pending: poll. */
    enum rk_opengdpr_status st = RK_OGDPR_PENDING;
    err = opengdpr_poll(k, d, o, &st, &ok, &permanent);
    if (err != RK_OK)
        return err;
    int days = cfg->give_up_days > 0 ? cfg->give_up_days : 30;
    if (!ok) {
        failed_attempt(cfg, d, permanent, now, o);
    } else if (st == RK_OGDPR_COMPLETED) {
        o->act = ACT_DONE;
    } else if (st == RK_OGDPR_CANCELLED) {
        o->act = ACT_FAILED;
        snprintf(o->error, sizeof o->error, "the recipient cancelled OpenGDPR request %s",
                 d->remote_id);
    } else if (now - d->r.created_at > days * DAY_S) {
        o->act = ACT_FAILED;
        snprintf(o->error, sizeof o->error, "OpenGDPR request %s not completed within %d days",
                 d->remote_id, days);
    } else {
        o->act = ACT_PENDING;
        o->at = now + (cfg->poll_s > 0 ? cfg->poll_s : cfg->poll_s < 0 ? 0 : 300);
        snprintf(o->remote_id, sizeof o->remote_id, "%s", d->remote_id);
    }
    return RK_OK;
}

/* The worker's attempt: one notice, its identity open for the attempt alone (invariant 2). */
static rk_err attempt_one(const void *ctx, void *item, void *out) {
    struct due *d = item;
    rk_err err = attempt(ctx, d, rk_time_now(), out);
    rk_seal_free(d->identity_email, d->identity_len);
    d->identity_email = NULL;
    d->r.identity_email = NULL;
    return err; /* out of memory: nothing recorded, the notice stays as it was */
}

static bool done(const void *ctx, void *report, const void *item, const void *out, bool again,
                 rk_err recorded) {
    static const char *const results[] = {"done",        "pending", "retry",  "failed",
                                          "unsupported", "waiting", "unasked"};
    const struct rk_deliver_config *cfg = ctx;
    struct rk_deliver_report *rep = report;
    const struct due *d = item;
    const struct outcome *o = out;
    (void)recorded;
    if (again)
        return false; /* a remembered outcome, now recorded: counted and logged when made */
    bool was_pending = d->r.state == RK_NOTICE_PENDING;
    switch (o->act) {
    case ACT_DONE:
        if (was_pending)
            rep->completed++;
        else
            rep->delivered++;
        break;
    case ACT_PENDING: rep->pending++; break;
    case ACT_RETRY: rep->retried++; break;
    case ACT_FAILED: rep->failed++; break;
    case ACT_UNSUPPORTED: rep->unsupported++; break;
    case ACT_WAIT: rep->pending++; break; /* not configured: waits, never fails for it */
    case ACT_SYNC: break;                 /* the sync could not be asked: nothing recorded */
    }
    bool error = o->act == ACT_RETRY || o->act == ACT_FAILED || o->act == ACT_UNSUPPORTED ||
                 o->act == ACT_WAIT;
    if (error)
        snprintf(rep->error, sizeof rep->error, "%s", o->error);
    if (!cfg->quiet && !(o->act == ACT_PENDING && was_pending))
        log_outcome(d, results[o->act], error ? o->error : NULL);
    return false;
}

_Static_assert(RK_NOTICE_STATE__COUNT <= RK_WORKER_COUNTS, "a count per notice state");

static void count(struct rk_store *s, atomic_llong counts[RK_WORKER_COUNTS]) {
    for (int i = 0; i < RK_NOTICE_STATE__COUNT; i++) {
        int64_t n = 0;
        if (rk_store_recipient_notice_count(s, (enum rk_notice_state)i, &n) == RK_OK)
            atomic_store(&counts[i], n);
    }
}

static const struct rk_worker_ops connector_ops = {
    .event = "recipient",
    .noun = "notice",
    .item_size = sizeof(struct due),
    .outcome_size = sizeof(struct outcome),
    .report_size = sizeof(struct rk_deliver_report),
    .batch = BATCH,
    .refill = false, /* a poll may be due again at once (poll_s < 0) */
    .list = list,
    .item_free = due_free,
    .attempt = attempt_one,
    .record = record,
    .done = done,
    .count = count,
};

rk_err rk_deliver_pass(struct rk_store *s, const struct rk_deliver_config *cfg,
                       struct rk_deliver_report *out) {
    if (rk_connect_global_init() != RK_OK)
        return RK_EIO;
    memset(out, 0, sizeof *out);
    if (!cfg->keys)
        return RK_EINVAL; /* no identity could be opened */
    return rk_worker_pass(&connector_ops, cfg, s, out, out->error, sizeof out->error);
}

/* ---- The thread ----------------------------------------------------------------------- */

struct rk_deliverer {
    struct rk_worker *w;
    struct rk_deliver_config cfg;
    struct rk_keys keys; /* cfg.keys points here; wiped when the thread is freed */
};

rk_err rk_deliverer_start(const struct rk_deliver_config *cfg, struct rk_deliverer **out) {
    if (!cfg->db || !cfg->decl || !cfg->keys)
        return RK_EINVAL;
    if (rk_connect_global_init() != RK_OK)
        return RK_EIO;
    struct rk_deliverer *dv = calloc(1, sizeof *dv);
    if (!dv)
        return RK_ENOMEM;
    dv->cfg = *cfg;
    dv->cfg.db = NULL; /* the worker keeps its own copy */
    dv->keys = *cfg->keys;
    dv->cfg.keys = &dv->keys;
    rk_err err = rk_worker_start(&connector_ops, &dv->cfg, cfg->db, true,
                                 rk_keys_generation(cfg->keys), &dv->w);
    if (err != RK_OK) {
        sodium_memzero(&dv->keys, sizeof dv->keys);
        free(dv);
        return err;
    }
    *out = dv;
    return RK_OK;
}

int64_t rk_deliverer_count(const struct rk_deliverer *dv, enum rk_notice_state state) {
    return dv && (unsigned)state < RK_NOTICE_STATE__COUNT ? rk_worker_count(dv->w, (int)state) : -1;
}

void rk_deliverer_stop(struct rk_deliverer *dv) {
    if (!dv)
        return;
    rk_worker_stop(dv->w); /* finishes the notice in hand */
    sodium_memzero(&dv->keys, sizeof dv->keys);
    free(dv);
}
