/*
 * records_json.c — a record as JSON (records_json.h), shared by the CLI and
 * the staff API.
 */
#include "views/records_json.h"

#include <string.h>

#include "core/consent.h"
#include "core/cookie_log.h"
#include "core/request.h"

/* ---- A data-subject request ------------------------------------------------------------------ */

static void set_str(json_t *o, const char *k, const char *v) {
    if (v)
        json_object_set_new(o, k, json_string(v));
}

static void set_ts(json_t *o, const char *k, rk_ts t) {
    char b[RK_TS_LEN + 1];
    if (!t)
        return;
    rk_ts_format(t, b);
    json_object_set_new(o, k, json_string(b));
}

static void set_date(json_t *o, const char *k, struct rk_date d) {
    char b[11];
    if (!d.y)
        return;
    rk_date_iso(d, b);
    json_object_set_new(o, k, json_string(b));
}

json_t *rk_request_json(const struct rk_request *q, struct rk_date today) {
    json_t *o = json_object();
    if (!o)
        return NULL;
    set_str(o, "id", q->id);
    set_str(o, "type", rk_request_type_name(q->type));
    set_str(o, "status", rk_request_status_name(q->status));
    set_str(o, "channel", rk_request_channel_name(q->channel));
    set_str(o, "lang", q->lang == RK_LANG_EN ? "en" : "fi");
    set_str(o, "person_id", q->person_id[0] ? q->person_id : NULL);
    json_t *contact = json_object();
    set_str(contact, "email", q->email);
    set_str(contact, "phone", q->phone);
    set_str(contact, "name", q->name);
    json_object_set_new(o, "contact", contact);
    set_str(o, "text", q->text);
    set_ts(o, "received_at", q->received_at);
    set_date(o, "received_on", q->received_on);
    set_date(o, "due", q->due);
    set_date(o, "extended_due", q->extended_due);
    if (q->extension_months)
        json_object_set_new(o, "extension_months", json_integer(q->extension_months));
    set_str(o, "extension_reason", q->extension_reason);
    if (q->verification) {
        json_t *v = json_object();
        set_str(v, "method", rk_verification_id((enum rk_verification)q->verification));
        set_str(v, "by", q->verified_by);
        set_ts(v, "at", q->verified_at);
        set_str(v, "document", q->document);
        json_object_set_new(o, "verification", v);
    }
    set_str(o, "rejection_reason", q->rejection_reason);
    set_str(o, "note", q->note);
    set_ts(o, "closed_at", q->closed_at);
    set_str(o, "created_by", q->created_by);
    json_object_set_new(o, "overdue", json_boolean(rk_request_overdue(q, today)));
    return o;
}

/* ---- Consent events and contract changes ----------------------------------------------------- */

json_t *rk_consent_event_json(const struct rk_consent_event *e) {
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
    return j;
}

json_t *rk_contract_change_json(const struct rk_contract_change *c) {
    char at[RK_TS_LEN + 1];
    rk_ts_format(c->at, at);
    return json_pack("{s:s, s:s, s:s, s:s?, s:s?}", "at", at, "by", c->by, "field", c->field, "old",
                     c->old_value, "new", c->new_value);
}

/* ---- The website consent log of one consent id ----------------------------------------------- */

struct doc_build {
    struct rk_store *st;
    json_t *actions, *versions;
    rk_err err;
};

static int add_version(void *ctx, const char *version, const char *config, rk_ts first_seen) {
    struct doc_build *b = ctx;
    char at[RK_TS_LEN + 1];
    rk_ts_format(first_seen, at);
    json_t *cfg = json_loads(config, 0, NULL);
    if (json_object_set_new(
            b->versions, version,
            json_pack("{s:s,s:o}", "first_seen", at, "config", cfg ? cfg : json_null())) != 0)
        b->err = RK_ENOMEM;
    return 0;
}

static int add_action(void *ctx, const struct rk_cookie_choice *x) {
    struct doc_build *b = ctx;
    char at[RK_TS_LEN + 1];
    rk_ts_format(x->at, at);
    json_t *choices = json_loads(x->choices, 0, NULL);
    if (json_array_append_new(
            b->actions, json_pack("{s:s,s:s,s:o,s:s,s:s,s:b}", "at", at, "action",
                                  rk_cookie_action_id(x->action), "choices",
                                  choices ? choices : json_object(), "version", x->version, "lang",
                                  x->lang == RK_LANG_FI ? "fi" : "en", "gpc", x->gpc)) != 0)
        b->err = RK_ENOMEM;
    return 0;
}

rk_err rk_consent_log_document(struct rk_store *st, const char *consent_id, json_t **out) {
    *out = NULL;
    if (!rk_cookie_id_valid(consent_id, strlen(consent_id)))
        return RK_ENOENT;
    struct doc_build b = {st, json_array(), json_object(), RK_OK};
    rk_err err = b.actions && b.versions ? RK_OK : RK_ENOMEM;
    if (err == RK_OK)
        err = rk_store_consent_log_get(st, consent_id, add_action, &b);
    for (size_t i = 0; err == RK_OK && i < json_array_size(b.actions); i++) {
        const char *v = json_string_value(json_object_get(json_array_get(b.actions, i), "version"));
        if (v && !json_object_get(b.versions, v))
            err = rk_store_consent_version_get(st, v, add_version, &b);
    }
    if (err == RK_OK)
        err = b.err;
    if (err == RK_OK) {
        *out = json_pack("{s:s,s:o,s:o}", "consent_id", consent_id, "actions", b.actions,
                         "versions", b.versions);
        return *out ? RK_OK : RK_ENOMEM;
    }
    json_decref(b.actions);
    json_decref(b.versions);
    return err;
}
