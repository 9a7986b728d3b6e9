/*
 * api_records.c — the staff routes on contracts, invoices and the
 * suppression list. Contracts are held under a register's category of kind
 * contract and invoices under one of kind billing, so a role must be granted
 * such a category (sales in the example sees contracts, not invoices). The
 * suppression list spans every register: only a role granted every register
 * and category (the example's dpo) may add to it or query it.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/contact_input.h"
#include "base/time.h"
#include "http/auth.h"
#include "http/body.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/service.h"
#include "views/records_json.h"

static const char *const kind_words[] = {
    [RK_CAT_CONTRACT] = "contract", [RK_CAT_BILLING] = "billing"};

/* ---- Reading contracts and invoices ---------------------------------------------------------- */

struct records {
    struct rk_http_server *s;
    const struct rk_role *role;
    json_t *list;
};

static int change_json(void *ctx, const struct rk_contract_change *ch) {
    json_array_append_new(ctx, rk_contract_change_json(ch));
    return 0;
}

static int contract_json(void *ctx, const struct rk_contract *k) {
    struct records *rec = ctx;
    if (rk_http_role_kind(rec->s->decl, rec->role, k->register_id, RK_CAT_CONTRACT) != 1)
        return 0;
    char start[11], end[11] = "", created[RK_TS_LEN + 1];
    rk_date_iso(k->start, start);
    if (k->end.y)
        rk_date_iso(k->end, end);
    rk_ts_format(k->created_at, created);
    json_t *history = json_array();
    if (rk_store_contract_changes(rk_http_thread_store(rec->s), k->id, change_json, history) !=
        RK_OK) {
        json_decref(history);
        return -1;
    }
    json_array_append_new(
        rec->list, json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:o}", "id", k->id,
                             "register", k->register_id, "service", k->service, "start", start,
                             "end", k->end.y ? end : NULL, "status",
                             k->status == RK_CONTRACT_ACTIVE ? "active" : "ended", "created_at",
                             created, "created_by", k->created_by, "history", history));
    return 0;
}

static int invoice_json(void *ctx, const struct rk_invoice *i) {
    struct records *rec = ctx;
    if (rk_http_role_kind(rec->s->decl, rec->role, i->register_id, RK_CAT_BILLING) != 1)
        return 0;
    char date[11], keep[11] = "";
    rk_date_iso(i->date, date);
    if (i->keep_until.y)
        rk_date_iso(i->keep_until, keep);
    json_array_append_new(
        rec->list, json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s?, s:s?}", "id", i->id, "register",
                             i->register_id, "number", i->number, "date", date, "amount_cents",
                             (json_int_t)i->amount_cents, "currency", i->currency, "contract",
                             i->contract_id[0] ? i->contract_id : NULL, "keep_until",
                             i->keep_until.y ? keep : NULL));
    return 0;
}

/*
 * Authenticates; the role must be granted a category of the kind somewhere
 * (403) and see the person {id} (404). NULL after answering.
 */
static const struct rk_role *records_route(struct rk_http_server *s, struct MHD_Connection *c,
                                           struct rk_http_request *r, enum rk_category_kind kind,
                                           struct rk_token *t, rk_http_result *ret) {
    const struct rk_role *role = rk_http_authenticate(s, c, r, t, ret);
    if (!role)
        return NULL;
    if (!rk_http_role_kind_any(s->decl, role, kind)) {
        char msg[120];
        snprintf(msg, sizeof msg, "the token's role is granted no category of kind %s",
                 kind_words[kind]);
        *ret = rk_http_error(c, r, 403, "forbidden", msg);
        return NULL;
    }
    struct rk_http_refusal no = {.status = 0};
    if (!rk_http_see_person(s, role, r->param[0], &no)) {
        *ret = rk_http_refused(c, r, &no);
        return NULL;
    }
    return role;
}

/* The person's contracts, with their history, in registers whose contract category the role has. */
RK_HTTP_HANDLER(rk_http_get_contracts) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = records_route(s, c, r, RK_CAT_CONTRACT, &t, &ret);
    if (!role)
        return ret;
    struct records rec = {s, role, json_array()};
    if (rk_store_contracts_of_person(rk_http_thread_store(s), r->param[0], contract_json, &rec) !=
        RK_OK) {
        json_decref(rec.list);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    rk_http_audit(s, &t, "contract.read", r->param[0], NULL);
    return rk_http_json(c, r, 200, rec.list);
}

/* The person's invoices in registers whose billing category the role has. */
RK_HTTP_HANDLER(rk_http_get_invoices) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = records_route(s, c, r, RK_CAT_BILLING, &t, &ret);
    if (!role)
        return ret;
    struct records rec = {s, role, json_array()};
    if (rk_store_invoices_of_person(rk_http_thread_store(s), r->param[0], invoice_json, &rec) !=
        RK_OK) {
        json_decref(rec.list);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    rk_http_audit(s, &t, "invoice.read", r->param[0], NULL);
    return rk_http_json(c, r, 200, rec.list);
}

/* ---- Writing contracts and invoices ---------------------------------------------------------- */

struct record_job {
    const char *actor, *person, *contract;
    struct rk_write w;
    const char *service, *field, *value, *number, *currency;
    struct rk_date start, end, date;
    int64_t cents;
    enum { ADD_CONTRACT, CHANGE_CONTRACT, END_CONTRACT, ADD_INVOICE } op;
    char id[RK_ID_LEN + 1];
    struct rk_error msg;
};

static rk_err run_record(struct rk_reg *reg, void *ctx) {
    struct record_job *j = ctx;
    rk_reg_set_actor(reg, j->actor);
    switch (j->op) {
    case ADD_CONTRACT:
        return rk_reg_contract_add(reg, &j->w, j->person, j->service, j->start, j->end, j->id,
                                   &j->msg);
    case CHANGE_CONTRACT:
        return rk_reg_contract_change(reg, j->contract, j->field, j->value, rk_time_now(), &j->msg);
    case END_CONTRACT: return rk_reg_contract_end(reg, j->contract, j->end, rk_time_now(), &j->msg);
    case ADD_INVOICE:
        return rk_reg_invoice_add(reg, &j->w, j->person, j->contract, j->number, j->date, j->cents,
                                  j->currency, j->id, &j->msg);
    }
    return RK_EINVAL;
}

/* A date member; false (with the refusal) when present and malformed, or absent and required. */
static bool date_member(json_t *doc, const char *key, bool required, struct rk_date *out,
                        struct rk_http_refusal *no) {
    bool bad = false;
    const char *v = rk_http_member(doc, key, &bad);
    if (!v && !bad && !required)
        return true;
    if (bad || !v || !rk_date_parse(v, out)) {
        rk_http_refuse(no, 400, "bad_request", "/%s: expected a date as YYYY-MM-DD", key);
        return false;
    }
    return true;
}

/* Checks the write's register against the role for a category of the kind. */
static bool kind_granted(struct rk_http_server *s, const struct rk_role *role, const char *reg_id,
                         enum rk_category_kind kind, struct rk_http_refusal *no) {
    if (rk_http_role_kind(s->decl, role, reg_id, kind) == 0) {
        rk_http_refuse(no, 403, "forbidden",
                       "the token's role is not granted the %s category of this register",
                       kind_words[kind]);
        return false;
    }
    return true; /* a register declaring none is refused by the register rules (422) */
}

static bool contract_body(json_t *doc, struct record_job *j, struct rk_http_refusal *no) {
    bool bad = false;
    j->service = rk_http_member(doc, "service", &bad);
    if (bad || !j->service || !j->service[0] || strlen(j->service) > 800) {
        rk_http_refuse(no, 400, "bad_request", "/service: expected a text of 1 to 800 bytes");
        return false;
    }
    return true;
}

static bool invoice_body(bool bad, struct record_job *j, json_t *amount,
                         struct rk_http_refusal *no) {
    if (bad || !j->number || !j->number[0] || strlen(j->number) > 64) {
        rk_http_refuse(no, 400, "bad_request",
                       "/number, /currency, /contract: expected texts, the number of 1 to 64 "
                       "bytes");
        return false;
    }
    if (!json_is_integer(amount) || json_integer_value(amount) > 10000000000000LL ||
        json_integer_value(amount) < -10000000000000LL) {
        rk_http_refuse(no, 400, "bad_request", "/amount_cents: expected a whole number of cents");
        return false;
    }
    if (strlen(j->currency) != 3 || strspn(j->currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != 3) {
        rk_http_refuse(no, 400, "bad_request",
                       "/currency: expected a three-letter ISO 4217 code such as EUR");
        return false;
    }
    return true;
}

static rk_http_result run_job(struct rk_http_server *s, struct MHD_Connection *c,
                              struct rk_http_request *r, struct record_job *j, int status) {
    rk_err err = rk_writer_run(s->writer, run_record, j);
    if (err != RK_OK)
        return rk_http_reg_error(c, r, err, &j->msg);
    return rk_http_json(c, r, status, json_pack("{s:s}", "id", j->id));
}

/* Body {register, purpose, source, source_detail?, service, start, end?}. */
RK_HTTP_HANDLER(rk_http_post_contract) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    json_t *doc = rk_http_json_body(c, r, &ret);
    if (!doc)
        return ret;
    struct record_job j = {.actor = t.name, .person = r->param[0], .op = ADD_CONTRACT};
    struct rk_http_refusal no = {.status = 0};
    if (rk_http_parse_write(s->decl, role, doc, &j.w, &no) &&
        kind_granted(s, role, j.w.register_id, RK_CAT_CONTRACT, &no) &&
        contract_body(doc, &j, &no) && date_member(doc, "start", true, &j.start, &no) &&
        date_member(doc, "end", false, &j.end, &no))
        rk_http_see_person(s, role, j.person, &no);
    ret = no.code ? rk_http_refused(c, r, &no) : run_job(s, c, r, &j, 201);
    json_decref(doc);
    return ret;
}

/*
 * The contract {id} if the role sees it: its register and a category of kind
 * contract there (core/view.h). A contract held where the role lacks either
 * is 404 like an unknown id, not 403: a 403 would confirm it exists. False
 * after the refusal in *no.
 */
static bool contract_visible(struct rk_http_server *s, const struct rk_role *role, const char *id,
                             struct rk_http_refusal *no) {
    struct rk_contract k;
    return rk_http_see_contract(s, role, id, &k, no);
}

/* Body {field: service|start|end, value}: one field change, kept in the contract's history. */
RK_HTTP_HANDLER(rk_http_patch_contract) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    json_t *doc = rk_http_json_body(c, r, &ret);
    if (!doc)
        return ret;
    struct record_job j = {.actor = t.name, .contract = r->param[0], .op = CHANGE_CONTRACT};
    struct rk_http_refusal no = {.status = 0};
    bool bad = false;
    j.field = rk_http_member(doc, "field", &bad);
    j.value = rk_http_member(doc, "value", &bad);
    snprintf(j.id, sizeof j.id, "%.26s", r->param[0]);
    if (bad || !j.field || !j.value)
        rk_http_refuse(&no, 400, "bad_request",
                       "expected field (service, start or end) and value as texts");
    else if (strcmp(j.field, "service") != 0 && strcmp(j.field, "start") != 0 &&
             strcmp(j.field, "end") != 0)
        rk_http_refuse(&no, 400, "bad_request", "/field: expected service, start or end");
    else if (strlen(j.value) > 800)
        rk_http_refuse(&no, 400, "bad_request", "/value: at most 800 bytes");
    else
        contract_visible(s, role, r->param[0], &no);
    ret = no.code ? rk_http_refused(c, r, &no) : run_job(s, c, r, &j, 200);
    json_decref(doc);
    return ret;
}

/* Body optional {date?}: ends the contract on date (default today). */
RK_HTTP_HANDLER(rk_http_post_contract_end) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    json_t *doc = r->body.len ? rk_http_json_body(c, r, &ret) : json_object();
    if (!doc)
        return ret;
    struct record_job j = {.actor = t.name, .contract = r->param[0], .op = END_CONTRACT};
    struct rk_http_refusal no = {.status = 0};
    j.end = rk_ts_date(rk_time_now());
    snprintf(j.id, sizeof j.id, "%.26s", r->param[0]);
    if (date_member(doc, "date", false, &j.end, &no))
        contract_visible(s, role, r->param[0], &no);
    ret = no.code ? rk_http_refused(c, r, &no) : run_job(s, c, r, &j, 200);
    json_decref(doc);
    return ret;
}

/* Body {register, purpose, source, source_detail?, number, date, amount_cents, currency?,
 * contract?}. */
RK_HTTP_HANDLER(rk_http_post_invoice) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    json_t *doc = rk_http_json_body(c, r, &ret);
    if (!doc)
        return ret;
    struct record_job j = {.actor = t.name, .person = r->param[0], .op = ADD_INVOICE};
    struct rk_http_refusal no = {.status = 0};
    bool bad = false;
    j.number = rk_http_member(doc, "number", &bad);
    j.currency = rk_http_member(doc, "currency", &bad);
    j.contract = rk_http_member(doc, "contract", &bad);
    json_t *amount = json_object_get(doc, "amount_cents");
    if (!j.currency)
        j.currency = "EUR";
    if (rk_http_parse_write(s->decl, role, doc, &j.w, &no) &&
        kind_granted(s, role, j.w.register_id, RK_CAT_BILLING, &no) &&
        invoice_body(bad, &j, amount, &no) && date_member(doc, "date", true, &j.date, &no))
        rk_http_see_person(s, role, j.person, &no);
    if (!no.code) {
        j.cents = (int64_t)json_integer_value(amount);
        if (j.contract) /* a contract the role does not see is unknown, whoever holds it */
            contract_visible(s, role, j.contract, &no);
    }
    ret = no.code ? rk_http_refused(c, r, &no) : run_job(s, c, r, &j, 201);
    json_decref(doc);
    return ret;
}

/* ---- The suppression list -------------------------------------------------------------------- */

struct suppress_job {
    enum rk_field f;
    const char *actor;
    char value[RK_EMAIL_MAX + 1];
    enum rk_suppress_reason reason;
    struct rk_error msg;
};

static rk_err run_suppress(struct rk_reg *reg, void *ctx) {
    struct suppress_job *j = ctx;
    rk_reg_set_actor(reg, j->actor);
    return rk_reg_suppress(reg, j->f, j->value, j->reason, rk_time_now(), &j->msg);
}

/* One of email or phone, normalised into j; false with the refusal. */
static bool contact_of(const char *email, const char *phone, struct suppress_job *j,
                       struct rk_http_refusal *no) {
    if (!email == !phone) {
        rk_http_refuse(no, 400, "bad_request", "give one of email or phone");
        return false;
    }
    struct rk_contact_input *in = calloc(1, sizeof *in);
    if (!in) {
        rk_http_refuse(no, 500, "internal", "out of memory");
        return false;
    }
    j->f = email ? RK_F_EMAIL : RK_F_PHONE;
    bool ok = rk_contact_input_add(in, j->f, email ? email : phone) == RK_OK;
    if (ok)
        snprintf(j->value, sizeof j->value, "%s", in->c.v[j->f]);
    else
        rk_http_refuse(no, 400, "bad_request", "%s: the value %s", rk_field_id(j->f),
                       rk_error_msg(&in->error));
    free(in);
    return ok;
}

static const struct rk_role *suppression_route(struct rk_http_server *s, struct MHD_Connection *c,
                                               struct rk_http_request *r, struct rk_token *t,
                                               rk_http_result *ret) {
    const struct rk_role *role = rk_http_authenticate(s, c, r, t, ret);
    if (role && !rk_http_role_all(s->decl, role)) {
        *ret = rk_http_error(c, r, 403, "forbidden",
                             "the suppression list spans every register: only a role granted "
                             "every register and category may use it");
        return NULL;
    }
    return role;
}

/* Body {email | phone, reason?: objection|erasure}: puts the address on the list (as a hash). */
RK_HTTP_HANDLER(rk_http_post_suppression) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!suppression_route(s, c, r, &t, &ret))
        return ret;
    json_t *doc = rk_http_json_body(c, r, &ret);
    if (!doc)
        return ret;
    struct suppress_job j = {.actor = t.name, .reason = RK_SUPPRESS_OBJECTION};
    struct rk_http_refusal no = {.status = 0};
    bool bad = false;
    const char *email = rk_http_member(doc, "email", &bad);
    const char *phone = rk_http_member(doc, "phone", &bad);
    const char *reason = rk_http_member(doc, "reason", &bad);
    if (bad)
        rk_http_refuse(&no, 400, "bad_request", "expected email, phone and reason as texts");
    else if (reason && strcmp(reason, "objection") != 0 && strcmp(reason, "erasure") != 0)
        rk_http_refuse(&no, 400, "bad_request", "/reason: expected objection or erasure");
    else if (contact_of(email, phone, &j, &no) && reason && reason[0] == 'e')
        j.reason = RK_SUPPRESS_ERASURE;
    if (no.code) {
        ret = rk_http_refused(c, r, &no);
    } else {
        rk_err err = rk_writer_run(s->writer, run_suppress, &j);
        ret = err != RK_OK ? rk_http_reg_error(c, r, err, &j.msg)
                           : rk_http_json(c, r, 201, json_pack("{s:b}", "suppressed", 1));
    }
    json_decref(doc);
    return ret;
}

/* ?email=...|phone=...: whether the address is on the list. */
RK_HTTP_HANDLER(rk_http_get_suppression_check) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!suppression_route(s, c, r, &t, &ret))
        return ret;
    struct suppress_job j = {.actor = t.name};
    struct rk_http_refusal no = {.status = 0};
    if (!contact_of(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "email"),
                    MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "phone"), &j, &no))
        return rk_http_refused(c, r, &no);
    struct rk_reg_room room;
    struct rk_reg *reg =
        rk_reg_copy(&room, s->reads, rk_http_thread_store(s), rk_reg_actor(s->reads));
    bool hit = false;
    if (rk_reg_is_suppressed(reg, j.f, j.value, &hit) != RK_OK)
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    rk_http_audit(s, &t, "suppression.check", NULL, rk_field_id(j.f));
    return rk_http_json(c, r, 200, json_pack("{s:b}", "suppressed", hit));
}
