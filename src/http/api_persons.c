/*
 * api_persons.c — the staff routes on persons and their consents: update
 * (the search is api_people.c), the consent ledger, giving and withdrawing
 * consent; and the small helpers every staff handler shares (role questions, write bodies, mapping
 * the register's refusals to statuses). Handlers check the token's role,
 * parse, and hand writes to the single writer; the rules live in
 * core/register.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent.h"
#include "base/id.h"
#include "base/normalize.h"
#include "base/time.h"
#include "core/view.h"
#include "http/internal.h"

/* ---- Shared helpers ------------------------------------------------------------------------ */

rk_http_result rk_http_json(struct MHD_Connection *c, struct rk_http_request *r, int status,
                            json_t *doc) {
    char *body = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!body)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    rk_http_result ret = rk_http_respond(c, r, status, "application/json", body, strlen(body),
                                         MHD_RESPMEM_MUST_COPY);
    free(body);
    return ret;
}

rk_http_result rk_http_reg_error(struct MHD_Connection *c, struct rk_http_request *r, rk_err err,
                                 const struct rk_msg *msg) {
    int status;
    const char *code;
    switch (err) {
    case RK_EREFUSED: status = 422, code = "refused"; break;
    case RK_ECONFLICT: status = 409, code = "conflict"; break;
    case RK_ENOENT: status = 404, code = "not_found"; break;
    case RK_EINVAL:
    case RK_EPARSE:
    case RK_ETOOBIG: status = 400, code = "bad_request"; break;
    case RK_ENOMEM: status = 500, code = "internal"; break;
    default: status = 503, code = "unavailable"; break;
    }
    const char *text = msg && msg->text[0] ? msg->text : rk_err_str(err);
    if (status >= 500) {
        text = status == 500 ? "out of memory" : "the register's storage is not available";
        msg = NULL;
    }
    return rk_http_error_for_people(c, r, status, code, text, msg ? msg->field : NULL,
                                    msg ? msg->fi : NULL);
}

rk_http_result rk_http_refused(struct MHD_Connection *c, struct rk_http_request *r,
                               const struct rk_http_refusal *no) {
    return rk_http_error_for_people(c, r, no->status, no->code, no->message, no->field, no->fi);
}

bool rk_http_role_purpose(const struct rk_decl *d, const struct rk_role *role,
                          const char *purpose) {
    for (size_t i = 0; i < d->nregisters; i++) {
        const struct rk_register *reg = &d->registers[i];
        for (size_t j = 0; j < reg->npurposes; j++)
            if (strcmp(reg->purposes[j]->id, purpose) == 0 && rk_role_grants(role, reg->id, NULL))
                return true;
    }
    return false;
}

int rk_http_role_kind(const struct rk_decl *d, const struct rk_role *role, const char *reg_id,
                      enum rk_category_kind kind) {
    const struct rk_register *reg = rk_decl_register(d, reg_id);
    int access = -1;
    for (size_t i = 0; reg && i < reg->ncategories && access < 1; i++)
        if (reg->categories[i]->kind == kind)
            access = rk_role_grants(role, reg->id, reg->categories[i]->id) ? 1 : 0;
    return access;
}

bool rk_http_role_kind_any(const struct rk_decl *d, const struct rk_role *role,
                           enum rk_category_kind kind) {
    for (size_t i = 0; i < d->nregisters; i++)
        if (rk_http_role_kind(d, role, d->registers[i].id, kind) == 1)
            return true;
    return false;
}

bool rk_http_role_all(const struct rk_decl *d, const struct rk_role *role) {
    struct rk_view v = {d, role};
    return rk_view_all(&v);
}

struct rk_view rk_http_view(const struct rk_http_server *s, const struct rk_role *role) {
    return (struct rk_view){s->decl, role};
}

bool rk_http_see_person(struct rk_http_server *s, const struct rk_role *role, const char *id,
                        struct rk_http_refusal *no) {
    struct rk_view v = rk_http_view(s, role);
    bool seen = false;
    struct rk_store *st = rk_http_thread_store(s);
    if (!st || rk_view_person(&v, st, id, &seen) != RK_OK) {
        rk_http_refuse(no, 503, "unavailable", "the register's storage is not available");
        return false;
    }
    if (!seen)
        rk_http_refuse(no, 404, "not_found", "no such person");
    return seen;
}

bool rk_http_see_contract(struct rk_http_server *s, const struct rk_role *role, const char *id,
                          struct rk_contract *out, struct rk_http_refusal *no) {
    struct rk_view v = rk_http_view(s, role);
    struct rk_store *st = rk_http_thread_store(s);
    rk_err err = st ? rk_view_contract(&v, st, id, out) : RK_EBUSY;
    if (err == RK_ENOENT)
        rk_http_refuse(no, 404, "not_found", "no such contract");
    else if (err != RK_OK)
        rk_http_refuse(no, 503, "unavailable", "the register's storage is not available");
    return err == RK_OK;
}

const char *rk_http_member(json_t *o, const char *key, bool *bad) {
    json_t *v = json_object_get(o, key);
    if (v && !json_is_string(v))
        *bad = true;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

bool rk_http_parse_write(const struct rk_decl *d, const struct rk_role *role, json_t *doc,
                         struct rk_write *w, struct rk_http_refusal *out) {
    bool bad = false;
    memset(w, 0, sizeof *w);
    w->register_id = rk_http_member(doc, "register", &bad);
    w->purpose = rk_http_member(doc, "purpose", &bad);
    w->source_detail = rk_http_member(doc, "source_detail", &bad);
    const char *source = rk_http_member(doc, "source", &bad);
    w->at = rk_time_now();
    if (bad || !w->register_id || !w->purpose || !source) {
        rk_http_refuse(out, 400, "bad_request",
                       "expected register, purpose and source (and source_detail, if given) as "
                       "texts: every write names them");
        return false;
    }
    bool known = false;
    for (int k = 0; k < RK_SRC__COUNT && !known; k++)
        if (strcmp(rk_source_kind_id((enum rk_source_kind)k), source) == 0) {
            w->source = (enum rk_source_kind)k;
            known = true;
        }
    if (!known) {
        rk_http_refuse(out, 400, "bad_request",
                       "/source: not a source kind; expected web_form, email, phone, contract, "
                       "meeting, other_handover, public_source or third_party");
        return false;
    }
    if (!rk_role_grants(role, w->register_id, NULL)) {
        rk_http_refuse(out, 403, "forbidden", "the token's role may not write to this register");
        return false;
    }
    if (!rk_decl_purpose(d, w->purpose)) { /* refused here so that the message need not quote it */
        rk_http_refuse(out, 422, "refused", "/purpose: not a declared purpose");
        return false;
    }
    return true;
}

void rk_http_refuse(struct rk_http_refusal *out, int status, const char *code, const char *fmt,
                    ...) {
    va_list ap;
    out->status = status;
    out->code = code;
    va_start(ap, fmt);
    vsnprintf(out->message, sizeof out->message, fmt, ap);
    va_end(ap);
    out->field[0] = out->fi[0] = '\0';
}

/* The Finnish name of category id in register_id as the role holds it (the id when the
 * declaration names none). */
static const char *category_fi(const struct rk_role *role, const char *register_id,
                               const char *id) {
    for (size_t i = 0; i < role->nregisters; i++) {
        const struct rk_register *reg = role->registers[i];
        if (strcmp(reg->id, register_id) != 0)
            continue;
        for (size_t k = 0; k < reg->ncategories; k++)
            if (strcmp(reg->categories[k]->id, id) == 0 && reg->categories[k]->name.fi)
                return reg->categories[k]->name.fi;
    }
    return id;
}

/* The "values" object of a write, checked against the role and normalised into c. */
bool rk_http_parse_values(const struct rk_role *role, const char *register_id, json_t *values,
                          struct rk_contact *c, char (*bufs)[RK_INTERESTS_MAX * 4 + 1],
                          struct rk_http_refusal *out) {
    const char *key;
    json_t *v;
    memset(c, 0, sizeof *c);
    if (!json_is_object(values)) {
        rk_http_refuse(out, 400, "bad_request", "/values: expected an object of fields");
        return false;
    }
    json_object_foreach(values, key, v) {
        int f = rk_field_from_id(key);
        struct rk_error why = RK_ERROR_INIT;
        if (f < 0 || !json_is_string(v)) {
            rk_http_refuse(out, 400, "bad_request", "/values/%.40s: %s", key,
                           f < 0 ? "not a contact field" : "expected a text");
            return false;
        }
        if (!rk_role_grants(role, register_id, key)) {
            rk_http_refuse(out, 403, "forbidden",
                           "/values/%s: the token's role may not write this category", key);
            return false;
        }
        if (rk_field_normalize((enum rk_field)f, json_string_value(v), bufs[f], sizeof bufs[f],
                               &why) != RK_OK) {
            rk_http_refuse(out, 400, "bad_request", "/values/%s: the value %s", key,
                           rk_error_msg(&why));
            snprintf(out->field, sizeof out->field, "%s", key);
            const char *fi = rk_error_fi(&why);
            if (fi)
                snprintf(out->fi, sizeof out->fi, "%s %s.", category_fi(role, register_id, key),
                         fi);
            return false;
        }
        c->v[f] = bufs[f];
    }
    return true;
}

/* ---- GET /api/v1/persons?q=...: the people search, in api_people.c ---------------------- */

/* ---- PATCH /api/v1/persons/{id} ------------------------------------------------------------ */

struct update_job {
    const char *actor, *person;
    struct rk_write w;
    struct rk_contact c;
    struct rk_msg msg;
};

static rk_err run_update(struct rk_reg *reg, void *ctx) {
    struct update_job *j = ctx;
    reg->actor = j->actor;
    return rk_reg_person_update(reg, &j->w, j->person, &j->c, &j->msg);
}

/* Body {register, purpose, source, source_detail?, values}: sets those fields in one register. */
RK_HTTP_HANDLER(rk_http_patch_person) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    if (!rk_id_valid(r->param[0]))
        return rk_http_error(c, r, 404, "not_found", "no such person");
    json_t *doc = rk_http_json_body(c, r, &ret);
    if (!doc)
        return ret;
    struct update_job *j = calloc(1, sizeof *j);
    char(*bufs)[RK_INTERESTS_MAX * 4 + 1] = calloc(RK_F__COUNT, sizeof *bufs);
    struct rk_http_refusal no = {.status = 0};
    if (!j || !bufs) {
        rk_http_refuse(&no, 500, "internal", "out of memory");
    } else if (rk_http_parse_write(s->decl, role, doc, &j->w, &no) &&
               rk_http_parse_values(role, j->w.register_id, json_object_get(doc, "values"), &j->c,
                                    bufs, &no) &&
               rk_http_see_person(s, role, r->param[0], &no)) {
        j->actor = t.name;
        j->person = r->param[0];
        rk_err err = rk_writer_run(s->writer, run_update, j);
        if (err != RK_OK)
            ret = rk_http_reg_error(c, r, err, &j->msg);
        else
            ret = rk_http_json(c, r, 200, json_pack("{s:s}", "id", r->param[0]));
    }
    if (no.code)
        ret = rk_http_refused(c, r, &no);
    json_decref(doc);
    free(bufs);
    free(j);
    return ret;
}

/* ---- Consents ------------------------------------------------------------------------------ */

struct ledger {
    const struct rk_decl *decl;
    const struct rk_role *role;
    json_t *list;
};

static int ledger_event(void *ctx, const struct rk_consent_event *e) {
    struct ledger *l = ctx;
    if (!rk_http_role_purpose(l->decl, l->role, e->purpose))
        return 0;
    char at[RK_TS_LEN + 1];
    rk_ts_format(e->at, at);
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:s}", "seq", (json_int_t)e->seq, "purpose",
        e->purpose, "event", rk_consent_kind_name(e->kind), "pending", e->pending, "basis",
        rk_basis_id(e->basis), "notice_version", e->notice_version, "notice_sha256",
        e->notice_sha256, "channel", e->channel, "collector", e->collector, "at", at);
    if (e->form_id)
        json_object_set_new(j, "form_id", json_string(e->form_id));
    if (e->ip)
        json_object_set_new(j, "ip", json_string(e->ip));
    if (e->user_agent)
        json_object_set_new(j, "user_agent", json_string(e->user_agent));
    if (e->evidence)
        json_object_set_new(j, "evidence", json_string(e->evidence));
    json_array_append_new(l->list, j);
    return 0;
}

/* Authenticates and checks that the role sees the person {id}; NULL after answering. */
static const struct rk_role *person_route(struct rk_http_server *s, struct MHD_Connection *c,
                                          struct rk_http_request *r, struct rk_token *t,
                                          rk_http_result *ret) {
    const struct rk_role *role = rk_http_authenticate(s, c, r, t, ret);
    if (!role)
        return NULL;
    struct rk_http_refusal no = {.status = 0};
    if (!rk_http_see_person(s, role, r->param[0], &no)) {
        *ret = rk_http_refused(c, r, &no);
        return NULL;
    }
    return role;
}

/* The consent ledger, oldest first: the events of purposes the role's registers declare. */
RK_HTTP_HANDLER(rk_http_get_consents) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = person_route(s, c, r, &t, &ret);
    if (!role)
        return ret;
    struct ledger l = {s->decl, role, json_array()};
    rk_err err = rk_store_consent_events(rk_http_thread_store(s), r->param[0], ledger_event, &l);
    if (err != RK_OK) {
        json_decref(l.list);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    rk_http_audit(s, &t, "consent.read", r->param[0], NULL);
    return rk_http_json(c, r, 200, l.list);
}

struct consent_job {
    const char *actor, *person, *purpose;
    enum rk_consent_kind kind;
    struct rk_consent_input in;
    struct rk_msg msg;
};

static rk_err run_consent(struct rk_reg *reg, void *ctx) {
    struct consent_job *j = ctx;
    reg->actor = j->actor;
    return rk_reg_consent(reg, j->person, j->purpose, j->kind, &j->in, &j->msg);
}

/* Reads the evidence members of a consent body; false with the refusal in *no. */
static bool parse_consent(json_t *doc, struct consent_job *j, struct rk_http_refusal *no) {
    bool bad = false;
    const char *channel = rk_http_member(doc, "channel", &bad);
    j->in.evidence = rk_http_member(doc, "evidence", &bad);
    j->in.form_id = rk_http_member(doc, "form_id", &bad);
    const char *lang = rk_http_member(doc, "lang", &bad);
    const char *at = rk_http_member(doc, "at", &bad);
    json_t *pending = json_object_get(doc, "pending");
    if (bad || (pending && !json_is_boolean(pending))) {
        rk_http_refuse(no, 400, "bad_request",
                       "expected channel, evidence, form_id, lang and at as texts and pending as "
                       "true or false");
        return false;
    }
    if (channel)
        j->in.channel = channel;
    j->in.pending = json_is_true(pending);
    j->in.at = rk_time_now();
    if (lang && strcmp(lang, "fi") != 0 && strcmp(lang, "en") != 0) {
        rk_http_refuse(no, 400, "bad_request", "/lang: expected fi or en");
        return false;
    }
    j->in.lang = lang && strcmp(lang, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
    if (at && !rk_ts_parse(at, &j->in.at)) {
        rk_http_refuse(no, 400, "bad_request", "/at: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
        return false;
    }
    if (strlen(j->in.channel) == 0 || strlen(j->in.channel) > 64 ||
        (j->in.evidence && strlen(j->in.evidence) > 500) ||
        (j->in.form_id && strlen(j->in.form_id) > 64)) {
        rk_http_refuse(no, 400, "bad_request",
                       "channel and form_id may be 64 and evidence 500 bytes at most");
        return false;
    }
    return true;
}

static rk_http_result consent_write(struct rk_http_server *s, struct MHD_Connection *c,
                                    struct rk_http_request *r, enum rk_consent_kind kind) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    json_t *doc = NULL;
    if (kind == RK_CE_GIVEN || r->body.len > 0) {
        if (!(doc = rk_http_json_body(c, r, &ret)))
            return ret;
    } else {
        doc = json_object();
    }
    struct consent_job j = {.actor = t.name, .person = r->param[0], .kind = kind};
    j.in.channel = kind == RK_CE_GIVEN ? "phone" : "email"; /* as `rekisteri consent` */
    struct rk_http_refusal no = {.status = 0};
    bool bad = false;
    j.purpose = kind == RK_CE_GIVEN ? rk_http_member(doc, "purpose", &bad) : r->param[1];
    if (bad || !j.purpose) {
        rk_http_refuse(&no, 400, "bad_request", "/purpose: expected the purpose as a text");
    } else if (parse_consent(doc, &j, &no)) {
        if (rk_decl_purpose(s->decl, j.purpose) && !rk_http_role_purpose(s->decl, role, j.purpose))
            rk_http_refuse(&no, 403, "forbidden",
                           "the token's role is granted no register declaring this purpose");
        else
            rk_http_see_person(s, role, j.person, &no);
    }
    if (!no.code) {
        rk_err err = rk_writer_run(s->writer, run_consent, &j);
        if (err != RK_OK) {
            ret = rk_http_reg_error(c, r, err, &j.msg);
        } else {
            atomic_fetch_add(kind == RK_CE_GIVEN ? &s->metrics.consents_given
                                                 : &s->metrics.consents_withdrawn,
                             1);
            ret = rk_http_json(c, r, kind == RK_CE_GIVEN ? 201 : 200,
                               json_pack("{s:s, s:s, s:s}", "person", j.person, "purpose",
                                         j.purpose, "event", rk_consent_kind_name(kind)));
        }
    } else {
        ret = rk_http_refused(c, r, &no);
    }
    json_decref(doc);
    return ret;
}

/* Body {purpose, channel?, evidence?, form_id?, lang?, at?, pending?}. */
RK_HTTP_HANDLER(rk_http_post_consent) { return consent_write(s, c, r, RK_CE_GIVEN); }

/* Body optional {channel?, evidence?, at?}. */
RK_HTTP_HANDLER(rk_http_post_withdraw) { return consent_write(s, c, r, RK_CE_WITHDRAWN); }
