/*
 * api_recipients.c — the console's view of the recipients whose connector is
 * a client (Mailchimp, Salesforce; connect/client.h): GET /api/v1/recipients
 * says for each whether it is configured, how its last sync passes went
 * (core/disclose.h keeps the row) and whom it refused; POST
 * /api/v1/recipients/{id}/sync is the console's "sync now", which clears the
 * recipient's back-off so that serve's sync thread (recipients_sync.c) takes
 * it at once, and wakes that thread. Both need the RECIPIENTS capability.
 * Nothing here names an address or a value: persons by their pseudonymous
 * id, errors as the sync stored them (status and code only), and a missing
 * credential by the name of its environment variable.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/time.h"
#include "connect/client.h"
#include "http/auth.h"
#include "http/handlers.h"
#include "http/recipients_sync.h"
#include "http/respond.h"
#include "http/service.h"

#define REFUSED_MAX 100 /* the refused persons listed per recipient */

static void put_ts(json_t *o, const char *key, rk_ts at) {
    char buf[RK_TS_LEN + 1];
    if (!at) {
        json_object_set_new(o, key, json_null());
        return;
    }
    rk_ts_format(at, buf);
    json_object_set_new(o, key, json_string(buf));
}

/* ---- GET /api/v1/recipients ---------------------------------------------------------------- */

static int sync_json(void *ctx, const struct rk_recipient_sync *rs) {
    json_t *o = json_pack("{s:i, s:s?, s:I, s:I, s:I, s:I}", "attempts", rs->attempts, "last_error",
                          rs->last_error && rs->last_error[0] ? rs->last_error : NULL, "added",
                          (json_int_t)rs->added, "changed", (json_int_t)rs->changed, "removed",
                          (json_int_t)rs->removed, "failed", (json_int_t)rs->failed);
    if (!o)
        return -1;
    put_ts(o, "last_pass_at", rs->last_pass_at);
    put_ts(o, "complete_at", rs->complete_at);
    put_ts(o, "next_at", rs->next_at);
    *(json_t **)ctx = o;
    return 0;
}

struct refused {
    json_t *list;
    bool more; /* a refused person beyond REFUSED_MAX */
};

static int refused_json(void *ctx, const struct rk_disclosure *d) {
    struct refused *f = ctx;
    if (!d->error)
        return 0;
    if (json_array_size(f->list) == REFUSED_MAX) {
        f->more = true;
        return 1; /* stops */
    }
    json_t *o = json_pack("{s:s, s:s}", "person", d->person_id, "error", d->error);
    if (!o)
        return 1;
    put_ts(o, "at", d->error_at);
    json_array_append_new(f->list, o);
    return 0;
}

/* The recipient r as the console shows it: new ref, NULL when the store failed. */
static json_t *recipient_json(struct rk_store *st, const struct rk_recipient *r) {
    struct rk_error why = RK_ERROR_INIT;
    struct rk_client *c = NULL;
    bool configured = rk_client_open(r, &c, &why) == RK_OK; /* reads the environment only */
    rk_client_close(c);
    json_t *sync = NULL;
    rk_err err = rk_store_recipient_sync_get(st, r->id, sync_json, &sync);
    if (err == RK_ENOENT)
        err = RK_OK;
    struct refused f = {.list = json_array(), .more = false};
    if (err == RK_OK)
        err = rk_store_disclosure_each(st, r->id, refused_json, &f);
    if (err != RK_OK) {
        json_decref(sync);
        json_decref(f.list);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:s, s:b, s:s?, s:o, s:o, s:b}", "id", r->id, "name",
                     r->name ? r->name : r->id, "connector",
                     rk_connector_type_id(r->connector.type), "configured", configured,
                     "not_configured", configured ? NULL : rk_error_msg(&why), "sync",
                     sync ? sync : json_null(), "refused", f.list, "refused_more", f.more);
}

/* Each client recipient of the declaration, in its order: configured, sync state, refusals. */
RK_HTTP_HANDLER(rk_http_get_recipients) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_RECIPIENTS, &t, NULL, &ret))
        return ret;
    json_t *list = json_array();
    for (size_t i = 0; i < s->decl->nrecipients; i++) {
        const struct rk_recipient *rc = &s->decl->recipients[i];
        if (!rk_client_speaks(rc))
            continue;
        json_t *o = recipient_json(rk_http_thread_store(s), rc);
        if (!o) {
            json_decref(list);
            return rk_http_error(c, r, 503, "unavailable",
                                 "the register's storage is not available");
        }
        json_array_append_new(list, o);
    }
    return rk_http_json(c, r, 200, json_pack("{s:o}", "recipients", list));
}

/* ---- POST /api/v1/recipients/{id}/sync ----------------------------------------------------- */

struct sync_now {
    const char *actor, *recipient;
    rk_ts at;
    bool found; /* the recipient had a sync row */
    struct rk_recipient_sync row;
    char last_error[RK_CONNECT_ERROR_MAX + 1];
};

static int copy_row(void *ctx, const struct rk_recipient_sync *rs) {
    struct sync_now *j = ctx;
    j->found = true;
    j->row = *rs;
    snprintf(j->last_error, sizeof j->last_error, "%s", rs->last_error ? rs->last_error : "");
    return 0;
}

/* In the writer: next_at back to 0 (the row otherwise as it was), and the audit event. */
static rk_err run_sync_now(struct rk_reg *reg, void *ctx) {
    struct sync_now *j = ctx;
    rk_reg_set_actor(reg, j->actor);
    j->found = false;
    rk_err err = rk_store_recipient_sync_get(rk_reg_store(reg), j->recipient, copy_row, j);
    if (err == RK_ENOENT)
        err = RK_OK; /* never synced: the next pass takes it anyway */
    else if (err == RK_OK && j->row.next_at) {
        j->row.recipient = j->recipient;
        j->row.last_error = j->last_error[0] ? j->last_error : NULL;
        j->row.next_at = 0;
        err = rk_store_recipient_sync_put(rk_reg_store(reg), &j->row);
    }
    char detail[96];
    snprintf(detail, sizeof detail, "recipient %.80s", j->recipient);
    if (err == RK_OK)
        err = rk_reg_audit(reg, "recipient.sync_now", NULL, detail, j->at);
    return err;
}

/* "Sync now": 202 {recipient, state: "queued"}; 404 for an unknown or non-client recipient. */
RK_HTTP_HANDLER(rk_http_post_recipient_sync) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_RECIPIENTS, &t, NULL, &ret))
        return ret;
    const struct rk_recipient *rc = rk_decl_recipient(s->decl, r->param[0]);
    if (!rc || !rk_client_speaks(rc))
        return rk_http_error(c, r, 404, "not_found",
                             "no recipient with this id has a mailchimp or salesforce connector");
    struct sync_now j = {.actor = t.name, .recipient = rc->id, .at = rk_time_now()};
    rk_err err = rk_writer_run(s->writer, run_sync_now, &j);
    if (err != RK_OK)
        return rk_http_reg_error(c, r, err, NULL);
    rk_http_sync_wake(s);
    return rk_http_json(c, r, 202, json_pack("{s:s, s:s}", "recipient", rc->id, "state", "queued"));
}
