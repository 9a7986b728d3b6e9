/*
 * api_requests.c — the staff routes of data-subject requests, for roles with
 * `requests: true` in the declaration (others 403):
 *
 *   GET  /api/v1/requests                 list (?status=S, ?overdue=true, ?due_within=N)
 *   POST /api/v1/requests                 record one {type, email|phone|person_id, ...}
 *   GET  /api/v1/requests/{id}            one request
 *   POST /api/v1/requests/{id}/verify     {method: in_person, document} | {method: email_code}
 *   POST /api/v1/requests/{id}/extend     {months, reason}; emails the person
 *   POST /api/v1/requests/{id}/complete   {note?}
 *   POST /api/v1/requests/{id}/reject     {reason}; emails the person
 *
 * Each write is one writer job holding the change, its audit event and any
 * email; reads are recorded in the audit chain under the token's name.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/answer.h"
#include "core/fulfil.h"
#include "core/request.h"
#include "core/request_step.h"
#include "http/auth.h"
#include "http/body.h"
#include "http/handlers.h"
#include "http/requests_overdue.h"
#include "http/respond.h"
#include "http/service.h"
#include "mail/mail.h"
#include "core/request_mail.h"
#include "views/access.h"
#include "views/records_json.h"

/*
 * The role of a token that may handle requests, or NULL after queueing 401/403 in *ret.
 *
 * A request concerns the person in every register: recording one matches the
 * address against all of them (the answer names the person), the listing and
 * each request name persons, and completing an access or portability request
 * hands over everything held. So, as for the suppression list, only a role
 * that sees everything (every register and category: rk_http_role_all) may
 * use these routes; `requests: true` on a narrower role is answered 403 for
 * every request alike, rather than filtered, which could not hide what
 * completing one discloses.
 */
static const struct rk_role *authorize(struct rk_http_server *s, struct MHD_Connection *c,
                                       struct rk_http_request *r, struct rk_token *t,
                                       rk_http_result *ret) {
    const struct rk_role *role = rk_http_authenticate(s, c, r, t, ret);
    if (!role)
        return NULL;
    if (!role->requests) {
        *ret = rk_http_error(c, r, 403, "forbidden",
                             "the token's role does not handle data-subject requests "
                             "(requests: true in the declaration)");
        return NULL;
    }
    if (!rk_http_role_all(s->decl, role)) {
        *ret = rk_http_error(c, r, 403, "forbidden",
                             "data-subject requests span every register: only a role granted "
                             "every register and category may handle them");
        return NULL;
    }
    if (!s->tz || !s->writer) {
        *ret = rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
        return NULL;
    }
    return role;
}

static struct rk_date today(struct rk_http_server *s) { return rk_tz_date(s->tz, rk_time_now()); }

/* ---- reads ---------------------------------------------------------------------------------- */

struct listing {
    json_t *list;
    struct rk_date today;
};

static int list_one(void *ctx, const struct rk_request *q) {
    struct listing *l = ctx;
    return json_array_append_new(l->list, rk_request_json(q, l->today)) == 0 ? 0 : -1;
}

RK_HTTP_HANDLER(rk_http_get_requests) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!authorize(s, c, r, &t, &ret))
        return ret;
    struct rk_request_filter f = {.status = -1};
    struct listing l = {json_array(), today(s)};
    const char *status = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status");
    const char *overdue = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "overdue");
    const char *within = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "due_within");
    if (status && (f.status = rk_request_status_parse(status)) < 0) {
        json_decref(l.list);
        return rk_http_error(c, r, 400, "bad_request",
                             "status: expected received, verified, in_progress, completed or "
                             "rejected");
    }
    if (within) {
        char *end = NULL;
        long days = strtol(within, &end, 10);
        if (end == within || (*end && strcmp(end, "d") != 0) || days < 0 || days > 3650) {
            json_decref(l.list);
            return rk_http_error(c, r, 400, "bad_request",
                                 "due_within: expected a number of days such as 7");
        }
        f.open_only = true;
        f.due_by = rk_date_add_days(l.today, (int)days);
    }
    if (overdue && strcmp(overdue, "true") == 0) {
        f.open_only = true;
        f.due_by = rk_date_add_days(l.today, -1);
    }
    struct rk_store *st = rk_http_thread_store(s);
    rk_err err = l.list && st ? rk_store_requests_list(st, &f, list_one, &l) : RK_EBUSY;
    if (err != RK_OK) {
        json_decref(l.list);
        return rk_http_reg_error(c, r, err, NULL);
    }
    char detail[32];
    snprintf(detail, sizeof detail, "%zu requests", json_array_size(l.list));
    rk_http_audit(s, &t, "request.list", NULL, detail);
    return rk_http_json(c, r, 200, json_pack("{s:o}", "requests", l.list));
}

RK_HTTP_HANDLER(rk_http_get_request) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!authorize(s, c, r, &t, &ret))
        return ret;
    struct rk_request *q = calloc(1, sizeof *q);
    struct rk_store *st = rk_http_thread_store(s);
    rk_err err = !q                                 ? RK_ENOMEM
                 : !st                              ? RK_EBUSY
                 : rk_request_id_valid(r->param[0]) ? rk_store_request_get(st, r->param[0], q)
                                                    : RK_ENOENT;
    if (err == RK_OK) {
        char detail[64];
        snprintf(detail, sizeof detail, "%s %s", q->id, rk_request_type_name(q->type));
        rk_http_audit(s, &t, "request.read", q->person_id[0] ? q->person_id : NULL, detail);
        ret = rk_http_json(c, r, 200, rk_request_json(q, today(s)));
    } else {
        struct rk_error msg = RK_ERROR_INIT;
        err = rk_error_set(&msg, err, NULL, "no request has that id");
        ret = rk_http_reg_error(c, r, err, &msg);
    }
    free(q);
    return ret;
}

/* ---- writes --------------------------------------------------------------------------------- */

struct job {
    struct rk_http_server *s;
    const char *actor, *id;
    struct rk_request_input in; /* new */
    struct rk_request_event ev; /* transitions */
    int mail;                   /* enum rk_request_mail, or -1 */
    bool email_code;            /* verify by link */
    struct rk_request q;
    struct rk_error msg;
    bool told;
    bool withheld;             /* the mail limit held the mail back (core/mail_limit.h) */
    const char *grounds;       /* complete: an objection to other processing */
    struct rk_fulfilment *ff;  /* complete: what carrying out the right produced */
    const char *rect_register; /* complete, rectification: where (NULL: everywhere held) */
    struct rk_contact rect;    /* complete, rectification: the corrected values */
    bool has_rect;
};

/* Queues the job's email to the person, when there is an address; errors after the first
 * write fail the group rather than leave half a step in it. */
static rk_err tell(struct rk_reg *reg, struct job *j, const char *to, const char *token) {
    rk_err err = rk_mail_request(rk_reg_store(reg), j->s->decl, j->s->public_url, &j->q,
                                 (enum rk_request_mail)j->mail, to, token, NULL);
    j->told = err == RK_OK;
    return err == RK_OK ? RK_OK : RK_EIO;
}

static rk_err run_new(struct rk_reg *reg, void *ctx) {
    struct job *j = ctx;
    rk_reg_set_actor(reg, j->actor);
    rk_err err = rk_request_create(reg, j->s->tz, &j->in, &j->q, &j->msg);
    char to[RK_REQUEST_FIELD_MAX * 2 + 1];
    bool may = false;
    if (err == RK_OK && j->q.email && rk_request_address(reg, &j->q, to, sizeof to) == RK_OK) {
        /* The receipt counts against the address's mail limit like the public form's. */
        if ((err = rk_mail_limit_take(reg, to, RK_MAIL_BY_STAFF, j->in.now, &may)) != RK_OK)
            return RK_EIO; /* after the request's writes: fail the group rather than keep half */
        j->withheld = !may;
        char status[RK_LINK_MAX]; /* the receipt links the status page (core/answer.h) */
        if (may && rk_answer_status_link(rk_reg_keys(reg), &j->q, j->in.now, status) != RK_OK)
            return RK_EIO;
        if (may)
            err = tell(reg, j, to, status);
    }
    return err;
}

static rk_err run_step(struct rk_reg *reg, void *ctx) {
    struct job *j = ctx;
    rk_reg_set_actor(reg, j->actor);
    struct rk_request_step st = {.id = j->id,
                                 .ev = &j->ev,
                                 .mail = j->mail,
                                 .email_code = j->email_code,
                                 .public_url = j->s->public_url,
                                 .ff = j->ff,
                                 .grounds = j->grounds,
                                 .grounds_refusal = "/grounds: for objection requests only",
                                 .grounds_first = false,
                                 .rect_register = j->rect_register,
                                 .rect = j->has_rect ? &j->rect : NULL,
                                 .q = &j->q};
    rk_err err = rk_request_step(reg, &st, &j->msg);
    j->mail = st.mail;
    j->told = st.told;
    j->withheld = st.withheld;
    /* after the first write: fail the group rather than keep half a step in it */
    if (err != RK_OK && (st.stage == RK_STEP_ADDRESS || st.stage == RK_STEP_MAIL ||
                         (st.stage == RK_STEP_TRANSITION && j->ff)))
        return RK_EIO;
    return err;
}

static rk_http_result answer(struct rk_http_server *s, struct MHD_Connection *c,
                             struct rk_http_request *r, struct job *j, rk_err err, int status) {
    if (j->withheld && (err == RK_OK || err == RK_EREFUSED)) /* a receipt, or a link refused */
        atomic_fetch_add(&s->metrics.mail_withheld[j->email_code ? RK_MAILC_VERIFICATION
                                                                 : RK_MAILC_REQUEST_RECEIPT],
                         1);
    if (err != RK_OK && j->withheld)
        return rk_http_error(c, r, 429, "mail_limit", j->msg.message);
    if (err != RK_OK)
        return rk_http_reg_error(c, r, err, &j->msg);
    if (j->told && s->sender)
        rk_sender_wake(s->sender);
    rk_http_overdue_poke(s);
    json_t *doc = rk_request_json(&j->q, today(s));
    if (doc && j->mail >= 0)
        json_object_set_new(doc, "person_notified", json_boolean(j->told));
    if (doc && j->ff) {
        struct rk_fulfilment *f = j->ff;
        json_t *docs = json_object();
        json_object_set_new(doc, "done", json_string(f->done));
        if (f->json.len)
            json_object_set_new(docs,
                                j->q.type == RK_RQ_ACCESS ? "access.json" : "portability.json",
                                json_loadb(f->json.data, f->json.len, 0, NULL));
        if (f->html.len)
            json_object_set_new(docs, "access.html", json_stringn(f->html.data, f->html.len));
        if (f->csv.len)
            json_object_set_new(docs, "portability.csv", json_stringn(f->csv.data, f->csv.len));
        if (f->text.len)
            json_object_set_new(docs, "automated.txt", json_stringn(f->text.data, f->text.len));
        if (f->answer_token[0]) { /* emailed as a download link (core/answer.h) */
            char ts[RK_TS_LEN + 1];
            rk_ts_format(f->answer_expires, ts);
            json_object_set_new(doc, "download_until", json_string(ts));
        }
        if (json_object_size(docs))
            json_object_set_new(doc, "documents", docs);
        else
            json_decref(docs);
    }
    return rk_http_json(c, r, status, doc);
}

RK_HTTP_HANDLER(rk_http_post_requests) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!authorize(s, c, r, &t, &ret))
        return ret;
    json_t *doc = rk_http_json_body(c, r, &ret);
    if (!doc)
        return ret;
    struct job *j = calloc(1, sizeof *j);
    if (!j) {
        json_decref(doc);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    bool bad = false;
    const char *type = rk_http_member(doc, "type", &bad);
    const char *channel = rk_http_member(doc, "channel", &bad);
    const char *received = rk_http_member(doc, "received", &bad);
    const char *lang = rk_http_member(doc, "lang", &bad);
    j->s = s;
    j->actor = t.name;
    j->mail = RK_RQM_RECEIPT;
    j->in =
        (struct rk_request_input){.email = rk_http_member(doc, "email", &bad),
                                  .phone = rk_http_member(doc, "phone", &bad),
                                  .name = rk_http_member(doc, "name", &bad),
                                  .text = rk_http_member(doc, "text", &bad),
                                  .person_id = rk_http_member(doc, "person_id", &bad),
                                  .lang = lang && strcmp(lang, "en") == 0 ? RK_LANG_EN : RK_LANG_FI,
                                  .now = rk_time_now()};
    int ty = rk_request_type_parse(type), ch = rk_request_channel_parse(channel ? channel : "api");
    if (bad)
        ret = rk_http_error(c, r, 400, "bad_request",
                            "type, email, phone, person_id, name, text, channel, received and "
                            "lang are texts");
    else if (ty < 0)
        ret = rk_http_error(c, r, 400, "bad_request",
                            "/type: expected access, rectification, erasure, restriction, "
                            "portability, objection, automated_decision or consent_withdrawal");
    else if (ch < 0)
        ret = rk_http_error(c, r, 400, "bad_request",
                            "/channel: expected web, email, post, in_person or api");
    else if (received && !rk_date_parse(received, &j->in.received))
        ret = rk_http_error(c, r, 400, "bad_request", "/received: expected a date YYYY-MM-DD");
    else {
        j->in.type = (enum rk_request_type)ty;
        j->in.channel = (enum rk_request_channel)ch;
        ret = answer(s, c, r, j, rk_writer_run(s->writer, run_new, j), 201);
    }
    free(j);
    json_decref(doc);
    return ret;
}

/* verify, extend, complete, reject: a JSON body (optional for complete), then run_step. */
static rk_http_result step(struct rk_http_server *s, struct MHD_Connection *c,
                           struct rk_http_request *r, enum rk_request_event_kind kind) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = authorize(s, c, r, &t, &ret);
    if (!role)
        return ret;
    json_t *doc = NULL;
    if (kind != RK_RQE_COMPLETE || r->body.len > 0) {
        if (!(doc = rk_http_json_body(c, r, &ret)))
            return ret;
    } else {
        doc = json_object();
    }
    struct job *j = calloc(1, sizeof *j);
    if (!j) {
        json_decref(doc);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    bool bad = false;
    j->s = s;
    j->actor = t.name;
    j->id = r->param[0];
    j->mail = kind == RK_RQE_EXTEND   ? RK_RQM_EXTENDED
              : kind == RK_RQE_REJECT ? RK_RQM_REJECTED
                                      : -1;
    j->ev = (struct rk_request_event){.kind = kind,
                                      .at = rk_time_now(),
                                      .by = t.name,
                                      .reason = rk_http_member(doc, "reason", &bad),
                                      .note = rk_http_member(doc, "note", &bad),
                                      .document = rk_http_member(doc, "document", &bad)};
    j->ev.today = rk_tz_date(s->tz, j->ev.at);
    struct rk_fulfilment ff;
    rk_fulfilment_init(&ff);
    ff.views = &rk_rights_documents;
    struct rk_contact_input *bufs = NULL;
    struct rk_http_refusal refusal = {.status = 0};
    if (kind == RK_RQE_COMPLETE) {
        j->grounds = rk_http_member(doc, "grounds", &bad);
        j->rect_register = rk_http_member(doc, "register", &bad);
        j->ff = &ff;
        json_t *values = json_object_get(doc, "values");
        if (values && !bad) {
            bufs = calloc(1, sizeof *bufs);
            if (!bufs || !j->rect_register ||
                !rk_http_parse_values(role, j->rect_register, values, &j->rect, bufs, &refusal)) {
                if (!refusal.status)
                    rk_http_refuse(&refusal, 400, "bad_request",
                                   "/register: the register whose values /values corrects");
            } else {
                j->has_rect = true;
            }
        }
    }
    int status = 200;
    if (kind == RK_RQE_EXTEND) {
        json_t *m = json_object_get(doc, "months");
        if (!json_is_integer(m))
            bad = true;
        else
            j->ev.months = (int)json_integer_value(m);
    }
    if (kind == RK_RQE_VERIFY) {
        const char *method = rk_http_member(doc, "method", &bad);
        if (method && strcmp(method, "in_person") == 0) {
            j->ev.method = RK_VERIFY_IN_PERSON;
        } else if (method && strcmp(method, "email_code") == 0) {
            j->ev.method = RK_VERIFY_EMAIL_CODE;
            j->email_code = true;
            j->mail = RK_RQM_VERIFY;
            status = 202; /* verified when the person follows the link */
        } else {
            bad = true;
        }
    }
    if (refusal.status)
        ret = rk_http_error(c, r, refusal.status, refusal.code ? refusal.code : "bad_request",
                            refusal.message);
    else if (bad)
        ret = rk_http_error(c, r, 400, "bad_request",
                            kind == RK_RQE_VERIFY ? "/method: expected in_person (with /document) "
                                                    "or email_code"
                            : kind == RK_RQE_EXTEND ? "/months: expected 1 or 2, and /reason a text"
                                                    : "reason, note and grounds are texts");
    else
        ret = answer(s, c, r, j, rk_writer_run(s->writer, run_step, j), status);
    rk_fulfilment_cleanup(&ff);
    free(bufs);
    free(j);
    json_decref(doc);
    return ret;
}

RK_HTTP_HANDLER(rk_http_post_request_verify_staff) { return step(s, c, r, RK_RQE_VERIFY); }
RK_HTTP_HANDLER(rk_http_post_request_extend) { return step(s, c, r, RK_RQE_EXTEND); }
RK_HTTP_HANDLER(rk_http_post_request_complete) { return step(s, c, r, RK_RQE_COMPLETE); }
RK_HTTP_HANDLER(rk_http_post_request_reject) { return step(s, c, r, RK_RQE_REJECT); }
