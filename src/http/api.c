/*
 * api.c — the staff API under /api/v1: reading a person as the token's role
 * may see them, adding a person through the writer, and the "may we contact"
 * check. Handlers authenticate (auth.h), parse and check (body.h), call the
 * register rules (core/register.h), and answer through respond.h.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/id.h"
#include "base/time.h"
#include "http/api_staff.h"
#include "http/auth.h"
#include "http/body.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/service.h"

struct person_view {
    const struct rk_view *view;
    json_t *registers;
};

/* Each entry the role sees (rk_view_entries passes no other), with the values it may read. */
static int view_entry(void *ctx, const struct rk_entry *e) {
    struct person_view *v = ctx;
    json_t *values = json_object();
    for (int f = 0; f < RK_F__COUNT; f++)
        if (e->v[f] && rk_view_field(v->view, e->register_id, (enum rk_field)f))
            json_object_set_new(values, rk_field_id((enum rk_field)f), json_string(e->v[f]));
    json_array_append_new(v->registers,
                          json_pack("{s:s, s:o}", "register", e->register_id, "values", values));
    return 0;
}

/* GET /api/v1/persons/{id}: what the token's role may see of the person. */
rk_http_result rk_http_get_person(struct rk_http_server *s, struct MHD_Connection *c,
                                  struct rk_http_request *r) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    const char *id = r->param[0];
    if (!rk_id_valid(id))
        return rk_http_error(c, r, 404, "not_found", "no such person");
    struct rk_view view = rk_http_view(s, role);
    struct person_view v = {&view, json_array()};
    rk_err err = rk_view_entries(&view, rk_http_thread_store(s), id, view_entry, &v);
    if (err != RK_OK) {
        json_decref(v.registers);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    if (json_array_size(v.registers) == 0) { /* unknown, or nothing this role may see */
        json_decref(v.registers);
        return rk_http_error(c, r, 404, "not_found", "no such person");
    }
    rk_http_audit(s, &t, "person.read", id, NULL);
    json_t *doc = json_pack("{s:s, s:o}", "id", id, "registers", v.registers);
    char *body = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!body)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    ret = rk_http_respond(c, r, 200, "application/json", body, strlen(body), MHD_RESPMEM_MUST_COPY);
    free(body);
    return ret;
}

/* ---- POST /api/v1/persons ------------------------------------------------------------------ */

/* One person write, prepared by the request thread and run by the writer. */
struct add_job {
    const char *actor; /* the token's name: recorded as who wrote */
    struct rk_write w;
    struct rk_contact c;
    struct rk_consent_input consent;
    bool has_consent;
    char id[RK_ID_LEN + 1];
    struct rk_error msg;
};

static rk_err run_add(struct rk_reg *reg, void *ctx) {
    struct add_job *j = ctx;
    rk_reg_set_actor(reg, j->actor); /* the writer thread runs one job at a time */
    return rk_reg_person_add(reg, &j->w, NULL, &j->c, j->has_consent ? &j->consent : NULL, j->id,
                             &j->msg);
}

/* A string member of o, NULL when absent; *bad set when present but not a string. */
static const char *member(json_t *o, const char *key, bool *bad) {
    json_t *v = json_object_get(o, key);
    if (v && !json_is_string(v))
        *bad = true;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool source_kind(const char *id, enum rk_source_kind *out) {
    for (int k = 0; id && k < RK_SRC__COUNT; k++)
        if (strcmp(rk_source_kind_id((enum rk_source_kind)k), id) == 0) {
            *out = (enum rk_source_kind)k;
            return true;
        }
    return false;
}

/*
 * Body: {"register", "purpose", "source", "source_detail"?, "values": {field: text},
 * "consent"?: {"channel", "evidence"?}}. 201 {"id"} once committed.
 *
 * Always a new person (rk_reg_person_add with no person id): an email or
 * phone already held only in a register the role cannot see gets a person of
 * its own, and the answer is a fresh person's. Joining the entry to the
 * existing person would show the role that person's id, consent ledger and
 * restriction or objection (the register refuses those writes), and let a
 * consent-based write without consent through on another register's consent.
 * The only conflicts are in the register written (409, a person the role
 * sees) and the suppression list (422, the address, not a person).
 */
rk_http_result rk_http_post_persons(struct rk_http_server *s, struct MHD_Connection *c,
                                    struct rk_http_request *r) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    json_t *doc = rk_http_json_body(c, r, &ret);
    if (!doc)
        return ret;
    struct add_job *j = calloc(1, sizeof *j);
    struct rk_contact_input *bufs = calloc(1, sizeof *bufs);
    bool bad = false;
    int status = 0;
    const char *code = NULL;
    char msg[400] = "";
    if (!j || !bufs) {
        status = 500, code = "internal";
        snprintf(msg, sizeof msg, "out of memory");
        goto out;
    }
    j->actor = t.name;
    j->w.register_id = member(doc, "register", &bad);
    j->w.purpose = member(doc, "purpose", &bad);
    j->w.source_detail = member(doc, "source_detail", &bad);
    const char *source = member(doc, "source", &bad);
    json_t *values = json_object_get(doc, "values");
    json_t *consent = json_object_get(doc, "consent");
    if (bad || !j->w.register_id || !j->w.purpose || !source || !json_is_object(values) ||
        (consent && !json_is_object(consent))) {
        status = 400, code = "bad_request";
        snprintf(msg, sizeof msg,
                 "expected register, purpose and source as texts, values as an "
                 "object and consent, if given, as an object");
        goto out;
    }
    if (!source_kind(source, &j->w.source)) {
        status = 400, code = "bad_request";
        snprintf(msg, sizeof msg, "/source: not a source kind");
        goto out;
    }
    if (!rk_role_grants(role, j->w.register_id, NULL)) {
        status = 403, code = "forbidden";
        snprintf(msg, sizeof msg, "the token's role may not write to this register");
        goto out;
    }
    struct rk_http_refusal no = {.status = 0};
    if (!rk_http_parse_values(role, j->w.register_id, values, &j->c, bufs, &no)) {
        status = no.status, code = no.code;
        snprintf(msg, sizeof msg, "%s", no.message);
        snprintf(j->msg.where, sizeof j->msg.where, "%s", no.field);
        snprintf(j->msg.message_fi, sizeof j->msg.message_fi, "%s", no.fi);
        goto out;
    }
    j->w.at = rk_time_now();
    if (consent) {
        j->has_consent = true;
        j->consent.channel = member(consent, "channel", &bad);
        j->consent.evidence = member(consent, "evidence", &bad);
        j->consent.at = j->w.at;
        if (bad || !j->consent.channel) {
            status = 400, code = "bad_request";
            snprintf(msg, sizeof msg, "/consent: expected channel (and evidence) as texts");
            goto out;
        }
    }
    rk_err err = rk_writer_run(s->writer, run_add, j);
    if (err == RK_OK && j->has_consent)
        atomic_fetch_add(&s->metrics.consents_given, 1);
    if (err != RK_OK) {
        json_decref(doc);
        ret = rk_http_reg_error(c, r, err == RK_ETOOBIG ? RK_EINVAL : err, &j->msg);
        free(bufs);
        free(j);
        return ret;
    }
out:
    json_decref(doc);
    if (code) {
        ret = rk_http_error_for_people(c, r, status, code, msg, j ? j->msg.where : NULL,
                                       j ? j->msg.message_fi : NULL);
    } else {
        char body[64];
        int n = snprintf(body, sizeof body, "{\"id\":\"%s\"}\n", j->id);
        ret =
            rk_http_respond(c, r, 201, "application/json", body, (size_t)n, MHD_RESPMEM_MUST_COPY);
    }
    free(bufs);
    free(j);
    return ret;
}

/* ---- GET /api/v1/check?email=...|phone=...&purpose=... ----------------------------------------
 */

/* Copies s into out (size n) as the inside of a JSON string; cut short if it does not fit. */
static void json_escape(const char *s, char *out, size_t n) {
    size_t k = 0;
    for (; *s && k + 7 < n; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            out[k++] = '\\';
            out[k++] = (char)ch;
        } else if (ch < 0x20) {
            k += (size_t)snprintf(out + k, n - k, "\\u%04x", ch);
        } else {
            out[k++] = (char)ch;
        }
    }
    out[k] = '\0';
}

/* May this person be contacted for this purpose now? The token's role must be
 * granted a register that declares the purpose. */
rk_http_result rk_http_get_check(struct rk_http_server *s, struct MHD_Connection *c,
                                 struct rk_http_request *r) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    const char *email = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "email");
    const char *phone = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "phone");
    const char *purpose = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "purpose");
    if (!purpose || !email == !phone)
        return rk_http_error(c, r, 400, "bad_request", "give purpose and one of email or phone");
    bool granted = false;
    for (size_t i = 0; i < s->decl->nregisters && !granted; i++) {
        const struct rk_register *reg = &s->decl->registers[i];
        for (size_t j = 0; j < reg->npurposes && !granted; j++)
            granted =
                strcmp(reg->purposes[j]->id, purpose) == 0 && rk_role_grants(role, reg->id, NULL);
    }
    if (!granted && rk_decl_purpose(s->decl, purpose))
        return rk_http_error(c, r, 403, "forbidden",
                             "the token's role is granted no register declaring this purpose");
    struct rk_reg_room room;
    struct rk_reg *reg = rk_reg_copy(&room, s->reads, rk_http_thread_store(s), t.name);
    struct rk_contact_answer a;
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    /* As the role sees the register: a person held only where it cannot see is answered as an
     * unknown address (no id, the same reason), after the same reads. */
    struct rk_view view = rk_http_view(s, role);
    rk_err err = rk_reg_may_contact_in(reg, &view, email ? RK_F_EMAIL : RK_F_PHONE,
                                       email ? email : phone, purpose, rk_time_now(), &a, &msg);
    if (err == RK_EINVAL)
        return rk_http_error(c, r, 400, "bad_request", msg.message);
    if (err != RK_OK)
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    if (a.person_id[0])
        rk_http_audit(s, &t, "person.check", a.person_id, purpose);
    /* Formatted on the stack: the answer is small and this route is the hot one. */
    char reason[2 * sizeof a.reason], body[sizeof reason + RK_ID_LEN + 64];
    json_escape(a.reason, reason, sizeof reason);
    int n = a.person_id[0]
                ? snprintf(body, sizeof body, "{\"allowed\":%s,\"reason\":\"%s\",\"person\":\"%s\"}",
                           a.allowed ? "true" : "false", reason, a.person_id)
                : snprintf(body, sizeof body, "{\"allowed\":%s,\"reason\":\"%s\"}",
                           a.allowed ? "true" : "false", reason);
    if (n < 0 || (size_t)n >= sizeof body)
        return rk_http_error(c, r, 500, "internal", "the answer does not fit");
    return rk_http_respond(c, r, 200, "application/json", body, (size_t)n, MHD_RESPMEM_MUST_COPY);
}
