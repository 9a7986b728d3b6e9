/*
 * request_json.c — the JSON shape of a data-subject request (requests.h):
 * absent values are left out rather than null, dates are YYYY-MM-DD and
 * instants ISO 8601 UTC.
 */
#include "http/requests.h"

#include "core/request.h"

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
