/*
 * api_console.c — the console's action routes (api_console.h): the erasure
 * preview and erasure, restriction and objection as the CLI's `rights`
 * commands do them, another register's entry for a person already held, the
 * audience summary, failed mail and art 19 notices with retry, and the
 * declaration's notice, record of processing and lint findings. Each handler
 * checks the role's capability first, parses, calls the core (writes through
 * the writer), and answers through server.c's helpers; no rule lives here.
 */
#include <jansson.h>
#include "http/auth.h"
#include "http/body.h"
#include "http/respond.h"
#include "http/service.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audience.h"
#include "core/notify.h"
#include "core/rights.h"
#include "base/time.h"
#include "decl/lint.h"
#include "http/api_console.h"
#include "views/first_contact.h"
#include "views/notice.h"
#include "views/ropa.h"

/* ---- Shared ---------------------------------------------------------------------------- */

static json_t *text_json(const struct rk_text *t) { /* new ref */
    return json_pack("{s:s?, s:s?}", "fi", t->fi, "en", t->en);
}

/* A register read for this request, in room: the server's rules, this thread's store, t as
 * actor. */
static struct rk_reg *request_reg(struct rk_reg_room *room, struct rk_http_server *s,
                                  const struct rk_token *t) {
    return rk_reg_copy(room, s->reads, rk_http_thread_store(s), t->name);
}

/* A positive decimal id of a row (outbox, notice); false for anything else. */
static bool row_id(const char *text, int64_t *out) {
    if (!text[0] || strlen(text) > 18)
        return false;
    int64_t v = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    *out = v;
    return v > 0;
}

/* One write handed to the writer: fn with the request's state in ctx, as actor. */
struct action {
    const char *actor;
    rk_err (*fn)(struct rk_reg *reg, struct action *a);
    const char *person_id;
    rk_ts at;
    struct rk_error msg;
    /* erase */
    struct rk_erase_report report;
    /* restrict / object */
    bool on, direct_marketing;
    const char *grounds;
    /* entries */
    struct rk_write w;
    struct rk_contact contact;
    struct rk_consent_input consent;
    bool has_consent;
    /* retries */
    int64_t row;
};

static rk_err run_action(struct rk_reg *reg, void *ctx) {
    struct action *a = ctx;
    rk_reg_set_actor(reg, a->actor); /* the writer thread runs one job at a time */
    return a->fn(reg, a);
}

/* ---- Erasure: preview and carrying it out ------------------------------------------------ */

/* Whether confirm is a name the person is held under (in any register). */
struct name_match {
    const char *confirm;
    bool match;
};

static int match_name(void *ctx, const struct rk_entry *e) {
    struct name_match *m = ctx;
    m->match |= e->v[RK_F_NAME] && strcmp(e->v[RK_F_NAME], m->confirm) == 0;
    return 0;
}

static json_t *plan_registers(const struct rk_erase_plan *p) { /* new ref */
    json_t *regs = json_array();
    for (size_t i = 0; i < p->nregisters; i++) {
        const struct rk_register *rg = p->registers[i];
        json_t *cats = json_array();
        for (size_t k = 0; k < rg->ncategories; k++) {
            const struct rk_category *cat = rg->categories[k];
            int f = rk_field_from_id(cat->id);
            if (f >= 0 && !(p->held[i] & (1u << f)))
                continue; /* a contact category this entry holds no value of */
            json_array_append_new(cats, json_pack("{s:s, s:o, s:s}", "id", cat->id, "name",
                                                  text_json(&cat->name), "kind",
                                                  rk_category_kind_id(cat->kind)));
        }
        json_array_append_new(regs, json_pack("{s:s, s:o, s:o}", "id", rg->id, "name",
                                              text_json(&rg->name), "categories", cats));
    }
    return regs;
}

/* The declared obligation of the first category of kind k in the plan's registers. */
static const struct rk_category *plan_kept_category(const struct rk_erase_plan *p,
                                                    enum rk_category_kind k) {
    for (size_t i = 0; i < p->nregisters; i++)
        for (size_t j = 0; j < p->registers[i]->ncategories; j++)
            if (p->registers[i]->categories[j]->kind == k &&
                p->registers[i]->categories[j]->erasure.rule == RK_ERASE_KEEP)
                return p->registers[i]->categories[j];
    return NULL;
}

static json_t *kept_item(const char *what, int64_t count, const char *until, const char *why,
                         const struct rk_category *cat) { /* new ref */
    json_t *o = json_pack("{s:s, s:I, s:s?, s:s}", "what", what, "count", (json_int_t)count,
                          "until", until, "why", why);
    if (o && cat && rk_text_present(&cat->erasure.obligation))
        json_object_set_new(o, "obligation", text_json(&cat->erasure.obligation));
    if (o && cat && cat->erasure.keep_years)
        json_object_set_new(o, "keep_years", json_integer(cat->erasure.keep_years));
    return o;
}

/* GET /api/v1/persons/{id}/erasure: what an erasure would delete, keep (and why), tell. */
RK_HTTP_HANDLER(rk_http_get_erasure_preview) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authorize(s, c, r, RK_CAP_RIGHTS, &t, NULL, &ret);
    if (!role)
        return ret;
    struct rk_http_refusal no = {0};
    if (!rk_http_see_person(s, role, r->param[0], &no))
        return rk_http_refused(c, r, &no);
    struct rk_reg_room room;
    struct rk_reg *reg = request_reg(&room, s, &t);
    struct rk_erase_plan *p = malloc(sizeof *p);
    struct rk_error msg = RK_ERROR_INIT;
    if (!p)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    rk_err err = rk_rights_erase_plan(reg, r->param[0], rk_time_now(), p, &msg);
    if (err != RK_OK) {
        free(p);
        return rk_http_reg_error(c, r, err, &msg);
    }
    const struct rk_erase_report *k = &p->counts;
    char until[11] = "";
    if (k->invoices_until.y)
        rk_date_iso(k->invoices_until, until);
    json_t *keep = json_array();
    if (k->invoices_kept)
        json_array_append_new(keep, kept_item("invoices", k->invoices_kept, until, k->invoices_why,
                                              plan_kept_category(p, RK_CAT_BILLING)));
    if (k->contracts_kept)
        json_array_append_new(keep,
                              kept_item("contracts", k->contracts_kept, NULL, k->contracts_why,
                                        plan_kept_category(p, RK_CAT_CONTRACT)));
    if (k->consent_events_kept)
        json_array_append_new(
            keep, kept_item("consent_events", k->consent_events_kept, NULL, k->consent_why, NULL));
    json_t *recipients = json_array();
    for (size_t i = 0; i < p->nrecipients; i++)
        json_array_append_new(recipients, json_pack("{s:s, s:s?, s:s}", "id", p->recipients[i]->id,
                                                    "name", p->recipients[i]->name, "country",
                                                    p->recipients[i]->country));
    json_t *doc = json_pack(
        "{s:s, s:b, s:b, s:{s:o, s:I, s:I, s:I, s:I}, s:o, s:o, s:{s:b, s:b}, s:b}", "person",
        r->param[0], "restricted", p->restricted, "objected", p->objected, "delete", "registers",
        plan_registers(p), "entries", (json_int_t)k->entries, "consent_events",
        (json_int_t)k->consent_events, "contracts", (json_int_t)k->contracts, "invoices",
        (json_int_t)k->invoices, "keep", keep, "recipients", recipients, "suppress", "email",
        p->email, "phone", p->phone, "person_deleted", k->person_deleted);
    /* What goes only because no keep rule is declared for its category: the console warns. */
    if (doc && (p->invoices_undeclared || p->contracts_undeclared || p->invoices_unmarked))
        json_object_set_new(
            doc, "no_retention_declared",
            json_pack("{s:I, s:I, s:I}", "invoices", (json_int_t)p->invoices_undeclared,
                      "invoices_recorded_before_rule", (json_int_t)p->invoices_unmarked,
                      "contracts", (json_int_t)p->contracts_undeclared));
    free(p);
    rk_http_audit(s, &t, "rights.erase_preview", r->param[0], NULL);
    return rk_http_json(c, r, 200, doc);
}

static rk_err do_erase(struct rk_reg *reg, struct action *a) {
    return rk_rights_erase(reg, a->person_id, NULL, a->at, &a->report, &a->msg);
}

/* POST /api/v1/persons/{id}/erase {"confirm": the person's id or name}. */
RK_HTTP_HANDLER(rk_http_post_erase) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authorize(s, c, r, RK_CAP_RIGHTS, &t, NULL, &ret);
    if (!role)
        return ret;
    json_t *doc = rk_http_json_body(c, r, &ret);
    if (!doc)
        return ret;
    bool bad = false;
    const char *confirm = rk_http_member(doc, "confirm", &bad);
    struct rk_http_refusal no = {0};
    struct name_match name = {confirm, false};
    struct action *a = calloc(1, sizeof *a);
    if (!a) {
        json_decref(doc);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    if (bad || !confirm) {
        ret = rk_http_error(c, r, 400, "bad_request",
                            "/confirm: expected the person's id or name as a text");
        goto out;
    }
    if (!rk_http_see_person(s, role, r->param[0], &no)) {
        ret = rk_http_refused(c, r, &no);
        goto out;
    }
    struct rk_store *st = rk_http_thread_store(s);
    if (rk_store_entries_of_person(st, r->param[0], match_name, &name) != RK_OK) {
        ret = rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
        goto out;
    }
    if (strcmp(confirm, r->param[0]) != 0 && !name.match) {
        ret = rk_http_error(c, r, 422, "confirm_mismatch",
                            "/confirm: type the person's id or their name exactly as held to "
                            "confirm the erasure; nothing was erased");
        goto out;
    }
    a->actor = t.name;
    a->fn = do_erase;
    a->person_id = r->param[0];
    a->at = rk_time_now();
    rk_err err = rk_writer_run(s->writer, run_action, a);
    if (err != RK_OK) {
        ret = rk_http_reg_error(c, r, err, &a->msg);
        goto out;
    }
    const struct rk_erase_report *k = &a->report;
    char until[11] = "";
    if (k->invoices_until.y)
        rk_date_iso(k->invoices_until, until);
    ret = rk_http_json(
        c, r, 200,
        json_pack("{s:s, s:b, s:{s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:s?}, s:i, "
                  "s:i}",
                  "person", r->param[0], "person_deleted", k->person_deleted, "deleted", "entries",
                  (json_int_t)k->entries, "consent_events", (json_int_t)k->consent_events,
                  "contracts", (json_int_t)k->contracts, "invoices", (json_int_t)k->invoices,
                  "outbox", (json_int_t)k->outbox, "tasks", (json_int_t)k->tasks, "kept",
                  "invoices", (json_int_t)k->invoices_kept, "contracts",
                  (json_int_t)k->contracts_kept, "consent_events",
                  (json_int_t)k->consent_events_kept, "invoices_until", until[0] ? until : NULL,
                  "suppressed", k->suppressed, "recipient_notices", k->notices));
out:
    json_decref(doc);
    free(a);
    return ret;
}

/* ---- Restriction and objection ------------------------------------------------------------ */

static rk_err do_restrict(struct rk_reg *reg, struct action *a) {
    return rk_rights_restrict(reg, a->person_id, NULL, a->on, a->at, &a->msg);
}

static rk_err do_object(struct rk_reg *reg, struct action *a) {
    return rk_rights_object(reg, a->person_id, NULL, a->direct_marketing, a->grounds, a->at,
                            &a->msg);
}

/* Runs a (fn set) on the person of r after the RIGHTS check and the view; answers ok_doc. */
static rk_http_result person_action(struct rk_http_server *s, struct MHD_Connection *c,
                                    struct rk_http_request *r, const struct rk_role *role,
                                    struct action *a, json_t *ok_doc) {
    struct rk_http_refusal no = {0};
    if (!rk_http_see_person(s, role, r->param[0], &no)) {
        json_decref(ok_doc);
        return rk_http_refused(c, r, &no);
    }
    a->person_id = r->param[0];
    a->at = rk_time_now();
    rk_err err = rk_writer_run(s->writer, run_action, a);
    if (err != RK_OK) {
        json_decref(ok_doc);
        return rk_http_reg_error(c, r, err, &a->msg);
    }
    return rk_http_json(c, r, 200, ok_doc);
}

/* POST /api/v1/persons/{id}/restrict {"lift"?: bool}: art 18, as `rights restrict`. */
RK_HTTP_HANDLER(rk_http_post_restrict) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authorize(s, c, r, RK_CAP_RIGHTS, &t, NULL, &ret);
    if (!role)
        return ret;
    json_t *doc = rk_http_json_body(c, r, &ret);
    if (!doc)
        return ret;
    json_t *lift = json_object_get(doc, "lift");
    struct action a = {.actor = t.name, .fn = do_restrict};
    if (lift && !json_is_boolean(lift)) {
        ret = rk_http_error(c, r, 400, "bad_request", "/lift: expected true or false");
    } else {
        a.on = !json_is_true(lift);
        ret = person_action(s, c, r, role, &a,
                            json_pack("{s:s, s:b}", "id", r->param[0], "restricted", a.on));
    }
    json_decref(doc);
    return ret;
}

/* POST /api/v1/persons/{id}/object {"purpose"?: a consent-based purpose | "direct_marketing":
 * true} or {"grounds": text}: art 21, as `rights object`. */
RK_HTTP_HANDLER(rk_http_post_object) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authorize(s, c, r, RK_CAP_RIGHTS, &t, NULL, &ret);
    if (!role)
        return ret;
    json_t *doc = rk_http_json_body(c, r, &ret);
    if (!doc)
        return ret;
    bool bad = false;
    const char *purpose = rk_http_member(doc, "purpose", &bad);
    const char *grounds = rk_http_member(doc, "grounds", &bad);
    json_t *dm = json_object_get(doc, "direct_marketing");
    const struct rk_purpose *p = purpose ? rk_decl_purpose(s->decl, purpose) : NULL;
    struct action a = {.actor = t.name, .fn = do_object, .grounds = grounds};
    a.direct_marketing = json_is_true(dm) || purpose;
    if (bad || (dm && !json_is_boolean(dm))) {
        ret = rk_http_error(c, r, 400, "bad_request",
                            "expected purpose and grounds as texts and direct_marketing as true "
                            "or false");
    } else if (a.direct_marketing == (grounds != NULL)) {
        ret = rk_http_error(c, r, 400, "bad_request",
                            "give either the marketing purpose objected to (purpose, or "
                            "direct_marketing: true) or the person's grounds (grounds)");
    } else if (purpose && (!p || p->basis != RK_BASIS_CONSENT)) {
        ret = rk_http_error(c, r, 422, "refused",
                            "/purpose: not a declared purpose resting on consent (direct "
                            "marketing); an objection to other processing gives its grounds");
    } else if (grounds && (!grounds[0] || strlen(grounds) > 2000)) {
        ret = rk_http_error(c, r, 400, "bad_request", "/grounds: 1 to 2000 bytes of text");
    } else {
        ret = person_action(
            s, c, r, role, &a,
            json_pack("{s:s, s:s}", "id", r->param[0], "outcome",
                      a.direct_marketing ? "direct_marketing_stopped" : "review_task"));
    }
    json_decref(doc);
    return ret;
}

/* ---- Another register for a person already held ----------------------------------------- */

static rk_err do_entry(struct rk_reg *reg, struct action *a) {
    return rk_reg_person_add(reg, &a->w, a->person_id, &a->contact,
                             a->has_consent ? &a->consent : NULL, NULL, &a->msg);
}

/* POST /api/v1/persons/{id}/entries {register, purpose, source, source_detail?, values,
 * consent?: {channel, evidence?}}: as POST /api/v1/persons, for a person the role sees. */
RK_HTTP_HANDLER(rk_http_post_entries) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authorize(s, c, r, RK_CAP_ADD, &t, NULL, &ret);
    if (!role)
        return ret;
    json_t *doc = rk_http_json_body(c, r, &ret);
    if (!doc)
        return ret;
    struct action *a = calloc(1, sizeof *a);
    struct rk_contact_input *bufs = calloc(1, sizeof *bufs);
    struct rk_http_refusal no = {0};
    json_t *consent = json_object_get(doc, "consent");
    bool bad = false;
    if (!a || !bufs) {
        ret = rk_http_error(c, r, 500, "internal", "out of memory");
        goto out;
    }
    if (consent && !json_is_object(consent)) {
        ret = rk_http_error(c, r, 400, "bad_request", "/consent: expected an object");
        goto out;
    }
    if (!rk_http_parse_write(s->decl, role, doc, &a->w, &no) ||
        !rk_http_parse_values(role, a->w.register_id, json_object_get(doc, "values"), &a->contact,
                              bufs, &no) ||
        !rk_http_see_person(s, role, r->param[0], &no)) {
        ret = rk_http_refused(c, r, &no);
        goto out;
    }
    a->actor = t.name;
    a->fn = do_entry;
    a->w.at = rk_time_now();
    a->person_id = r->param[0];
    if (consent) {
        a->has_consent = true;
        a->consent.channel = rk_http_member(consent, "channel", &bad);
        a->consent.evidence = rk_http_member(consent, "evidence", &bad);
        a->consent.at = a->w.at;
        if (bad || !a->consent.channel) {
            ret = rk_http_error(c, r, 400, "bad_request",
                                "/consent: expected channel (and evidence) as texts");
            goto out;
        }
    }
    rk_err err = rk_writer_run(s->writer, run_action, a);
    if (err != RK_OK)
        ret = rk_http_reg_error(c, r, err, &a->msg);
    else
        ret = rk_http_json(
            c, r, 201, json_pack("{s:s, s:s}", "id", r->param[0], "register", a->w.register_id));
out:
    json_decref(doc);
    free(bufs);
    free(a);
    return ret;
}

/* ---- Audience summary --------------------------------------------------------------------- */

/* GET /api/v1/audience/summary?purpose=P: the count and the exclusions, the role's registers. */
RK_HTTP_HANDLER(rk_http_get_audience_summary) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authorize(s, c, r, RK_CAP_AUDIENCE, &t, NULL, &ret);
    if (!role)
        return ret;
    const char *purpose = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "purpose");
    if (!purpose)
        return rk_http_error(c, r, 400, "bad_request", "give ?purpose=ID");
    if (rk_decl_purpose(s->decl, purpose) && !rk_http_role_purpose(s->decl, role, purpose))
        return rk_http_error(c, r, 403, "forbidden",
                             "the role is granted no register declaring this purpose");
    struct rk_reg_room room;
    struct rk_reg *reg = request_reg(&room, s, &t);
    struct rk_view view = rk_http_view(s, role);
    struct rk_audience_summary sum;
    struct rk_error msg = RK_ERROR_INIT;
    rk_err err =
        rk_audience_summarize(reg, purpose, rk_time_now(), rk_view_filter, &view, &sum, &msg);
    if (err == RK_EINVAL)
        return rk_http_error(c, r, 400, "bad_request", msg.message);
    if (err != RK_OK)
        return rk_http_reg_error(c, r, err, &msg);
    json_t *excluded = json_object();
    static const enum rk_audience_ex order[] = {RK_EX_NO_CONSENT, RK_EX_EXPIRED,  RK_EX_WITHDRAWN,
                                                RK_EX_RESTRICTED, RK_EX_OBJECTED, RK_EX_SUPPRESSED};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
        json_object_set_new(excluded, rk_audience_ex_id(order[i]),
                            json_integer((json_int_t)sum.excluded[order[i]]));
    rk_http_audit(s, &t, "audience.summary", NULL, purpose);
    return rk_http_json(c, r, 200,
                        json_pack("{s:s, s:I, s:o}", "purpose", purpose, "count",
                                  (json_int_t)sum.count, "excluded", excluded));
}

/* ---- Failed mail and recipient notices ---------------------------------------------------- */

/* The class of a stored last error: its first word ("smtp", "connect", "http", "refused"). */
static void error_class(const char *e, char *out, size_t n) {
    size_t k = 0;
    for (; e && e[k] && k + 1 < n && k < 32; k++) {
        char ch = e[k];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            break;
        out[k] = ch;
    }
    out[k] = '\0';
}

static void put_ts(json_t *o, const char *key, rk_ts at) {
    char buf[RK_TS_LEN + 1];
    if (!at) {
        json_object_set_new(o, key, json_null());
        return;
    }
    rk_ts_format(at, buf);
    json_object_set_new(o, key, json_string(buf));
}

static bool state_failed(struct MHD_Connection *c) {
    const char *state = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "state");
    return !state || strcmp(state, "failed") == 0;
}

static int list_failure(void *ctx, const struct rk_outbox_failure *f) {
    char cls[40];
    error_class(f->last_error, cls, sizeof cls);
    json_t *o = json_pack("{s:I, s:s, s:s?, s:i, s:s, s:s?}", "id", (json_int_t)f->id, "kind",
                          f->kind ? f->kind : "", "person", f->person_id, "attempts", f->attempts,
                          "error_class", cls, "last_error", f->last_error);
    if (o) {
        put_ts(o, "created", f->created_at);
        put_ts(o, "failed", f->failed_at);
    }
    return json_array_append_new(ctx, o) != 0;
}

/* GET /api/v1/outbox?state=failed: failed messages, newest first; never an address. */
RK_HTTP_HANDLER(rk_http_get_outbox) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_RECIPIENTS, &t, NULL, &ret))
        return ret;
    if (!state_failed(c))
        return rk_http_error(c, r, 400, "bad_request", "state: only 'failed' is listed");
    json_t *list = json_array();
    rk_err err = rk_store_outbox_failed(rk_http_thread_store(s), 500, list_failure, list);
    if (err != RK_OK) {
        json_decref(list);
        return rk_http_reg_error(c, r, err, NULL);
    }
    return rk_http_json(c, r, 200, json_pack("{s:o}", "messages", list));
}

static rk_err do_outbox_retry(struct rk_reg *reg, struct action *a) {
    rk_err err = rk_store_outbox_requeue(rk_reg_store(reg), a->row, a->at);
    if (err == RK_EREFUSED)
        snprintf(a->msg.message, sizeof a->msg.message,
                 "message %lld cannot be sent again: its content was wiped when it failed "
                 "(sealed mail is kept only while it can be sent); send it anew from where it "
                 "began",
                 (long long)a->row);
    else if (err == RK_ENOENT)
        snprintf(a->msg.message, sizeof a->msg.message, "no failed message with id %lld",
                 (long long)a->row);
    char detail[40];
    snprintf(detail, sizeof detail, "outbox %lld", (long long)a->row);
    if (err == RK_OK)
        err = rk_reg_audit(reg, "outbox.retry", NULL, detail, a->at);
    return err;
}

static rk_err do_notice_retry(struct rk_reg *reg, struct action *a) {
    return rk_notify_retry(reg, a->row, a->at, &a->msg);
}

static rk_http_result retry(struct rk_http_server *s, struct MHD_Connection *c,
                            struct rk_http_request *r,
                            rk_err (*fn)(struct rk_reg *, struct action *)) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_RECIPIENTS, &t, NULL, &ret))
        return ret;
    struct action a = {.actor = t.name, .fn = fn, .at = rk_time_now()};
    if (!row_id(r->param[0], &a.row))
        return rk_http_error(c, r, 404, "not_found", "no such message or notice");
    rk_err err = rk_writer_run(s->writer, run_action, &a);
    if (err == RK_EREFUSED)
        return rk_http_error(c, r, 409, "cannot_retry", a.msg.message);
    if (err != RK_OK)
        return rk_http_reg_error(c, r, err, &a.msg);
    return rk_http_json(c, r, 202,
                        json_pack("{s:I, s:s}", "id", (json_int_t)a.row, "state", "queued"));
}

RK_HTTP_HANDLER(rk_http_post_outbox_retry) { return retry(s, c, r, do_outbox_retry); }
RK_HTTP_HANDLER(rk_http_post_notice_retry) { return retry(s, c, r, do_notice_retry); }

static int list_notice(void *ctx, const struct rk_notice_row *n) {
    static const char *const kinds[] = {"rectification", "erasure", "restriction"};
    char cls[40];
    error_class(n->last_error, cls, sizeof cls);
    json_t *o = json_pack("{s:I, s:s, s:s, s:s?, s:i, s:s, s:s?}", "id", (json_int_t)n->id,
                          "recipient", n->recipient ? n->recipient : "", "kind",
                          (unsigned)n->kind < 3 ? kinds[n->kind] : "?", "person", n->person_id,
                          "attempts", n->attempts, "error_class", cls, "last_error", n->last_error);
    if (o) {
        put_ts(o, "created", n->created_at);
        put_ts(o, "failed", n->done_at);
    }
    return json_array_append_new(ctx, o) != 0;
}

/* GET /api/v1/notices?state=failed: failed art 19 notices, newest first; no identity. */
RK_HTTP_HANDLER(rk_http_get_notices) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_RECIPIENTS, &t, NULL, &ret))
        return ret;
    if (!state_failed(c))
        return rk_http_error(c, r, 400, "bad_request", "state: only 'failed' is listed");
    json_t *list = json_array();
    rk_err err = rk_store_recipient_notice_list(rk_http_thread_store(s), RK_NOTICE_FAILED, 500,
                                                list_notice, list);
    if (err != RK_OK) {
        json_decref(list);
        return rk_http_reg_error(c, r, err, NULL);
    }
    return rk_http_json(c, r, 200, json_pack("{s:o}", "notices", list));
}

/* ---- The declaration ------------------------------------------------------------------------ */

/* ?lang=fi|en (rk_http_lang's rule: then Accept-Language, then Finnish); false on another. */
static bool lang_arg(struct MHD_Connection *c, enum rk_lang *out) {
    const char *lang = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    if (lang && strcmp(lang, "fi") != 0 && strcmp(lang, "en") != 0)
        return false;
    *out = rk_http_lang(c);
    return true;
}

static rk_http_result send_buf(struct MHD_Connection *c, struct rk_http_request *r,
                               struct rk_buf *b, const char *type, const char *filename) {
    if (rk_buf_status(b) != RK_OK) {
        rk_buf_cleanup(b);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    char disposition[96];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s\"", filename);
    const char *const headers[][2] = {{"Content-Disposition", disposition}};
    rk_http_result ret = rk_http_respond_with(c, r, 200, type, b->data ? b->data : "", b->len,
                                              MHD_RESPMEM_MUST_COPY, headers, filename ? 1 : 0);
    rk_buf_cleanup(b);
    return ret;
}

/* GET /api/v1/declaration/notice?lang=fi|en: the privacy notice as published (HTML). */
RK_HTTP_HANDLER(rk_http_get_declaration_notice) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_DECLARATION, &t, NULL, &ret))
        return ret;
    enum rk_lang lang;
    if (!lang_arg(c, &lang))
        return rk_http_error(c, r, 400, "bad_request", "lang: expected fi or en");
    const struct rk_buf *b = &s->privacy[lang];
    return rk_http_respond(c, r, 200, "text/html; charset=utf-8", b->data, b->len,
                           MHD_RESPMEM_PERSISTENT);
}

/* GET /api/v1/declaration/first-contact?lang=fi|en&source=N: the text for the first message to
 * a person whose data came from a public source or another controller (art 14(3), 21(4)), as
 * Markdown: for the N-th such source (1-based), or one text for each. */
RK_HTTP_HANDLER(rk_http_get_declaration_first_contact) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_DECLARATION, &t, NULL, &ret))
        return ret;
    enum rk_lang lang;
    if (!lang_arg(c, &lang))
        return rk_http_error(c, r, 400, "bad_request", "lang: expected fi or en");
    size_t n = rk_first_contact_count(s->decl);
    const char *source = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "source");
    unsigned long which = 0;
    if (source) {
        char *end = NULL;
        which = strtoul(source, &end, 10);
        if (!*source || *end || source[0] == '-' || which == 0 || (n > 0 && which > n))
            return rk_http_error(c, r, 400, "bad_request",
                                 "source: expected the number of a source of kind public_source "
                                 "or third_party, from 1");
    }
    if (n == 0)
        return rk_http_error(c, r, 404, "not_found",
                             "the declaration has no source of kind public_source or third_party");
    struct rk_buf b;
    rk_buf_init(&b);
    if (rk_first_contact_render(s->decl, which, lang, RK_FIRST_CONTACT_MD, NULL, &b) != RK_OK) {
        rk_buf_cleanup(&b);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    ret = rk_http_respond(c, r, 200, "text/markdown; charset=utf-8", b.data, b.len,
                          MHD_RESPMEM_MUST_COPY);
    rk_buf_cleanup(&b);
    return ret;
}

/* GET /api/v1/declaration/record?format=csv|json|md|dpv&lang=fi|en: art 30 record, a download
 * (dpv: W3C DPV JSON-LD, both languages in one document, so lang does not change it). */
RK_HTTP_HANDLER(rk_http_get_declaration_record) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_DECLARATION, &t, NULL, &ret))
        return ret;
    enum rk_lang lang;
    if (!lang_arg(c, &lang))
        return rk_http_error(c, r, 400, "bad_request", "lang: expected fi or en");
    const char *format = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "format");
    static const struct {
        const char *name, *type, *file[2];
        enum rk_ropa_format fmt;
    } formats[] = {
        {"csv", "text/csv; charset=utf-8", {"seloste.csv", "record.csv"}, RK_ROPA_CSV},
        {"json", "application/json", {"seloste.json", "record.json"}, RK_ROPA_JSON},
        {"md", "text/markdown; charset=utf-8", {"seloste.md", "record.md"}, RK_ROPA_MD},
    };
    if (format && strcmp(format, "dpv") == 0) {
        struct rk_buf b;
        rk_buf_init(&b);
        if (rk_ropa_render_dpv(s->decl, &b) != RK_OK) {
            rk_buf_cleanup(&b);
            return rk_http_error(c, r, 500, "internal", "out of memory");
        }
        return send_buf(c, r, &b, "application/ld+json",
                        lang == RK_LANG_EN ? "record.jsonld" : "seloste.jsonld");
    }
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        if (strcmp(format ? format : "csv", formats[i].name) != 0)
            continue;
        struct rk_buf b;
        rk_buf_init(&b);
        if (rk_ropa_render(s->decl, lang, formats[i].fmt, &b) != RK_OK) {
            rk_buf_cleanup(&b);
            return rk_http_error(c, r, 500, "internal", "out of memory");
        }
        return send_buf(c, r, &b, formats[i].type, formats[i].file[lang == RK_LANG_EN]);
    }
    return rk_http_error(c, r, 400, "bad_request", "format: expected csv, json, md or dpv");
}

static int by_severity(const void *a, const void *b) {
    const struct rk_finding *x = a, *y = b;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    if (x->loc.line != y->loc.line)
        return x->loc.line < y->loc.line ? -1 : 1;
    return x->loc.col < y->loc.col ? -1 : x->loc.col > y->loc.col;
}

/* GET /api/v1/declaration/lint: the running declaration's findings, errors first. */
RK_HTTP_HANDLER(rk_http_get_declaration_lint) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_DECLARATION, &t, NULL, &ret))
        return ret;
    struct rk_findings f;
    rk_findings_init(&f);
    if (rk_lint_run(s->decl, &f) != RK_OK || f.oom) {
        rk_findings_cleanup(&f);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    if (f.n)
        qsort(f.items, f.n, sizeof *f.items, by_severity);
    json_t *list = json_array();
    for (size_t i = 0; i < f.n; i++) {
        const struct rk_finding *x = &f.items[i];
        json_array_append_new(list,
                              json_pack("{s:s, s:s, s:s, s:s?, s:I, s:I}", "severity",
                                        rk_severity_name(x->severity), "rule", x->rule, "message",
                                        x->message, "reference", x->reference, "line",
                                        (json_int_t)x->loc.line, "column", (json_int_t)x->loc.col));
    }
    rk_findings_cleanup(&f);
    return rk_http_json(c, r, 200, json_pack("{s:o}", "findings", list));
}
