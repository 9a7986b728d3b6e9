/*
 * api_persons.c — the staff routes on persons and their consents: update
 * (the search is api_people.c), the consent ledger, one consent as an
 * ISO/IEC TS 27560 record, giving and withdrawing consent. Handlers check the token's role
 * (auth.h), parse (body.h), and hand writes to the single writer; the rules live in
 * core/register.c.
 */
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent.h"
#include "core/consent_record.h"
#include "base/id.h"
#include "base/normalize.h"
#include "base/time.h"
#include "core/view.h"
#include "http/auth.h"
#include "http/body.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/service.h"
#include "views/consent_record.h"
#include "views/records_json.h"

/* ---- GET /api/v1/persons?q=...: the people search, in api_people.c ---------------------- */

/* ---- PATCH /api/v1/persons/{id} ------------------------------------------------------------ */

struct update_job {
    const char *actor, *person;
    struct rk_write w;
    struct rk_contact c;
    struct rk_error msg;
};

static rk_err run_update(struct rk_reg *reg, void *ctx) {
    struct update_job *j = ctx;
    rk_reg_set_actor(reg, j->actor);
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
    struct rk_contact_input *bufs = calloc(1, sizeof *bufs);
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
    json_t *j = rk_consent_event_json(e);
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

/* GET /api/v1/persons/{id}/consents/{purpose}/record[?lang=fi|en]: the person's consent for the
 * purpose as an ISO/IEC TS 27560 consent record, the document `rekisteri consent record --format
 * json` prints (views/consent_record.h). 404 for a person the role does not see, a purpose not
 * declared or not resting on consent, and a consent never recorded; 403 for a purpose of no
 * register the role is granted. */
RK_HTTP_HANDLER(rk_http_get_consent_record) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = person_route(s, c, r, &t, &ret);
    if (!role)
        return ret;
    const char *purpose = r->param[1];
    const struct rk_purpose *p = rk_decl_purpose(s->decl, purpose);
    if (!p || p->basis != RK_BASIS_CONSENT)
        return rk_http_error(c, r, 404, "not_found",
                             p ? "the purpose does not rest on consent"
                               : "no such purpose in the declaration");
    if (!rk_http_role_purpose(s->decl, role, p->id))
        return rk_http_error(c, r, 403, "forbidden",
                             "the token's role is granted no register declaring this purpose");
    struct rk_reg_room room;
    struct rk_reg *reg = rk_reg_copy(&room, s->reads, rk_http_thread_store(s), t.name);
    struct rk_consent_record rec;
    struct rk_error msg = RK_ERROR_INIT;
    rk_err err = rk_consent_record_get(reg, r->param[0], p->id, rk_time_now(), &rec, &msg);
    json_t *doc = NULL;
    if (err == RK_OK) {
        struct rk_cr_render o = {.lang = rk_http_lang(c), .public_url = s->public_url};
        if (!(doc = rk_consent_record_json(&rec, &o)))
            err = RK_ENOMEM;
    }
    rk_consent_record_free(&rec);
    if (err == RK_ENOENT)
        return rk_http_error(c, r, 404, "not_found",
                             strcmp(msg.where, "consent") == 0
                                 ? "no consent for the purpose is recorded for this person"
                                 : "no such person");
    if (err == RK_ENOMEM)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    if (err != RK_OK)
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    rk_http_audit(s, &t, "consent.read", r->param[0], p->id);
    return rk_http_json(c, r, 200, doc);
}

struct consent_job {
    const char *actor, *person, *purpose;
    enum rk_consent_kind kind;
    struct rk_consent_input in;
    struct rk_error msg;
};

static rk_err run_consent(struct rk_reg *reg, void *ctx) {
    struct consent_job *j = ctx;
    rk_reg_set_actor(reg, j->actor);
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
