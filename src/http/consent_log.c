/*
 * consent_log.c — the cookie-consent log's routes (consent_log.h, docs/cookies.md):
 *
 *   OPTIONS /consent/log            the CORS preflight, for a declared website origin only
 *   POST    /consent/log            one choice from the consent manager: checked against the
 *                                   declared categories, stored with the server's time through
 *                                   the writer; 201 {"consent_id", "at"}
 *   GET     /api/v1/consent-log/{id}  staff (audit_trail): a consent id's choices with the text
 *                                   of each version the visitor saw
 *
 * The public route is rate-limited per address like every public route (server.c). A request
 * whose Origin is not one of cookies.origins (or that has none) is refused 403 without any
 * CORS header, so a browser on another site learns nothing. Nothing of the request but the
 * choice is kept: no address, no user agent, no Referer; the log line names only the route.
 */
#include <jansson.h>
#include "http/auth.h"
#include "http/body.h"
#include "http/respond.h"
#include "http/service.h"
#include "http/consent_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/time.h"
#include "base/tz.h"
#include "views/consent_config.h"
#include "views/records_json.h"
#include "core/cookie_log.h"

#define MAX_CATEGORIES 64 /* non-essential categories counted in one choice */

/* ---- The body ------------------------------------------------------------------------------- */

static const char *const members[] = {"consent_id", "action", "choices", "version", "lang", "gpc"};
#define NMEMBERS (sizeof members / sizeof members[0])

__attribute__((format(printf, 4, 5))) static rk_err
fault(struct rk_consent_log_fault *f, const char *code, const char *field, const char *fmt, ...) {
    f->code = code;
    snprintf(f->field, sizeof f->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->message, sizeof f->message, fmt, ap);
    va_end(ap);
    return RK_EPARSE;
}

/* Whether a key sent by the browser may be repeated in a message: a short identifier. */
static bool showable(const char *k) {
    size_t n = strlen(k);
    if (n == 0 || n > 40)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '_' ||
              k[i] == '-'))
            return false;
    return true;
}

static const struct rk_cookie_category *category(const struct rk_cookies *ck, const char *id) {
    for (size_t i = 0; i < ck->ncategories; i++)
        if (strcmp(ck->categories[i].id, id) == 0)
            return &ck->categories[i];
    return NULL;
}

/* choices: every key a declared category, every value a boolean, an essential one true, and
 * every non-essential category present; granted[] in declaration order of those. */
static rk_err read_choices(const struct rk_cookies *ck, json_t *choices, bool *granted, size_t *n,
                           struct rk_consent_log_fault *f) {
    if (!json_is_object(choices))
        return fault(f, "bad_choices", "choices",
                     "choices: expected an object of category id to true or false");
    const char *key;
    json_t *v;
    json_object_foreach(choices, key, v) {
        const struct rk_cookie_category *c = category(ck, key);
        if (!c)
            return showable(key) ? fault(f, "unknown_category", "choices",
                                         "choices: %s is not a declared cookie category", key)
                                 : fault(f, "unknown_category", "choices",
                                         "choices: a key is not a declared cookie category");
        char field[48];
        snprintf(field, sizeof field, "choices/%s", c->id);
        if (!json_is_boolean(v))
            return fault(f, "bad_choices", field, "choices/%s: expected true or false", c->id);
        if (c->essential && !json_is_true(v))
            return fault(f, "bad_choices", field,
                         "choices/%s: an essential category cannot be refused; leave it out",
                         c->id);
    }
    *n = 0;
    for (size_t i = 0; i < ck->ncategories; i++) {
        const struct rk_cookie_category *c = &ck->categories[i];
        if (c->essential)
            continue;
        json_t *given = json_object_get(choices, c->id);
        if (!given)
            return fault(f, "missing_category", "choices",
                         "choices: %s is missing; give every non-essential category", c->id);
        if (*n == MAX_CATEGORIES)
            return fault(f, "bad_choices", "choices", "choices: too many categories");
        granted[(*n)++] = json_is_true(given);
    }
    return RK_OK;
}

/* The stored text of the choices: {"<id>": true|false, …} in the declaration's order. */
static rk_err choices_text(const struct rk_cookies *ck, const bool *granted, char *out,
                           size_t size) {
    size_t used = 0, k = 0;
    int w = snprintf(out, size, "{");
    used += (size_t)w;
    for (size_t i = 0; i < ck->ncategories && used < size; i++) {
        const struct rk_cookie_category *c = &ck->categories[i];
        if (c->essential)
            continue;
        w = snprintf(out + used, size - used, "%s\"%s\":%s", k ? "," : "", c->id,
                     granted[k] ? "true" : "false");
        used += (size_t)(w < 0 ? 0 : w);
        k++;
    }
    if (used < size)
        used += (size_t)snprintf(out + used, size - used, "}");
    return used < size ? RK_OK : RK_ENOMEM;
}

rk_err rk_consent_log_parse(const struct rk_cookies *ck, const char *data, size_t len,
                            struct rk_cookie_choice *out, struct rk_consent_log_fault *f) {
    memset(out, 0, sizeof *out);
    f->code = NULL;
    f->field[0] = f->message[0] = '\0';
    if (len > RK_COOKIE_BODY_MAX)
        return fault(f, "too_large", "", "the body is larger than 4096 bytes");
    json_t *doc = NULL;
    struct rk_error err = RK_ERROR_INIT;
    rk_err e = rk_json_parse(data, len, &doc, &err);
    if (e == RK_ENOMEM)
        return e;
    if (e != RK_OK)
        return fault(f, "bad_json", "", "%s", err.message);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return fault(f, "bad_json", "", "line 1, column 1: expected a JSON object");
    }
    const char *key;
    json_t *v;
    json_object_foreach(doc, key, v) {
        size_t i = 0;
        while (i < NMEMBERS && strcmp(members[i], key) != 0)
            i++;
        if (i == NMEMBERS) {
            e = showable(key) ? fault(f, "unknown_member", key, "%s: not a member of a consent "
                                      "record (consent_id, action, choices, version, lang, gpc)",
                                      key)
                              : fault(f, "unknown_member", "",
                                      "a member is not one of consent_id, action, choices, "
                                      "version, lang, gpc");
            goto out;
        }
    }
    for (size_t i = 0; i < NMEMBERS; i++)
        if (!json_object_get(doc, members[i])) {
            e = fault(f, "missing_member", members[i], "%s: missing", members[i]);
            goto out;
        }
    json_t *id = json_object_get(doc, "consent_id");
    if (!json_is_string(id) || !rk_cookie_id_valid(json_string_value(id), json_string_length(id))) {
        e = fault(f, "bad_consent_id", "consent_id",
                  "consent_id: expected 22 to 64 characters of A-Z, a-z, 0-9, '_' and '-'");
        goto out;
    }
    memcpy(out->consent_id, json_string_value(id), json_string_length(id) + 1);
    json_t *action = json_object_get(doc, "action");
    if (!json_is_string(action) || !rk_cookie_action_parse(json_string_value(action),
                                                           json_string_length(action),
                                                           &out->action)) {
        e = fault(f, "bad_action", "action",
                  "action: expected accept_all, reject_all, custom or withdraw");
        goto out;
    }
    json_t *version = json_object_get(doc, "version");
    if (!json_is_string(version) ||
        !rk_cookie_version_valid(json_string_value(version), json_string_length(version))) {
        e = fault(f, "bad_version", "version",
                  "version: expected the 16 lowercase hex digits of the consent text's version");
        goto out;
    }
    memcpy(out->version, json_string_value(version), RK_COOKIE_VERSION_LEN + 1);
    json_t *lang = json_object_get(doc, "lang");
    const char *l = json_is_string(lang) ? json_string_value(lang) : "";
    if (strcmp(l, "fi") != 0 && strcmp(l, "en") != 0) {
        e = fault(f, "bad_lang", "lang", "lang: expected fi or en");
        goto out;
    }
    out->lang = l[0] == 'f' ? RK_LANG_FI : RK_LANG_EN;
    json_t *gpc = json_object_get(doc, "gpc");
    if (!json_is_boolean(gpc)) {
        e = fault(f, "bad_gpc", "gpc", "gpc: expected true or false");
        goto out;
    }
    out->gpc = json_is_true(gpc);
    bool granted[MAX_CATEGORIES];
    size_t n = 0;
    if ((e = read_choices(ck, json_object_get(doc, "choices"), granted, &n, f)) != RK_OK)
        goto out;
    struct rk_error why = RK_ERROR_INIT;
    if (!rk_cookie_choices_fit(out->action, granted, n, &why)) {
        e = fault(f, "bad_choices", "choices", "choices: %s", rk_error_msg(&why));
        goto out;
    }
    if (choices_text(ck, granted, out->choices, sizeof out->choices) != RK_OK) {
        e = fault(f, "bad_choices", "choices", "choices: too many categories to record");
        goto out;
    }
    e = RK_OK;
out:
    json_decref(doc);
    return e;
}

/* ---- Versions --------------------------------------------------------------------------------- */

rk_err rk_consent_log_record_version(const struct rk_decl *d, struct rk_store *st, rk_ts now) {
    char *json = NULL, version[RK_CONSENT_VERSION_LEN + 1];
    rk_err err = rk_consent_config(d, &json, version);
    if (err == RK_ENOENT)
        return RK_OK;
    if (err != RK_OK)
        return err;
    if ((err = rk_store_begin(st)) == RK_OK) {
        err = rk_store_consent_version_put(st, version, json, now);
        if (err == RK_OK)
            err = rk_store_commit(st);
        else
            rk_store_rollback(st);
    }
    free(json);
    return err;
}

/* ---- POST /consent/log ------------------------------------------------------------------------ */

/* The request's Origin when it is one of cookies.origins, else NULL. */
static const char *allowed_origin(const struct rk_http_server *s, struct MHD_Connection *c) {
    const char *o = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    const struct rk_cookies *ck = &s->decl->cookies;
    for (size_t i = 0; o && ck->declared && i < ck->norigins; i++)
        if (strcmp(ck->origins[i], o) == 0)
            return o;
    return NULL;
}

/* A JSON answer readable by the page on origin: {"error": …} or the record. */
static rk_http_result answer(struct MHD_Connection *c, struct rk_http_request *r, int status,
                             const char *origin, json_t *doc) {
    char *body = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!body)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    const char *const h[][2] = {{"Access-Control-Allow-Origin", origin}, {"Vary", "Origin"}};
    rk_http_result ret = rk_http_respond_with(c, r, status, "application/json", body,
                                              strlen(body), MHD_RESPMEM_MUST_COPY, h, 2);
    free(body);
    return ret;
}

static rk_http_result refuse(struct MHD_Connection *c, struct rk_http_request *r, int status,
                             const char *origin, const char *code, const char *field,
                             const char *message) {
    json_t *e = json_pack("{s:s,s:s}", "code", code, "message", message);
    if (e && field && field[0])
        json_object_set_new(e, "field", json_string(field));
    return answer(c, r, status, origin, e ? json_pack("{s:o}", "error", e) : NULL);
}

RK_HTTP_HANDLER(rk_http_options_consent_log) {
    const char *origin = allowed_origin(s, c);
    if (!origin)
        return rk_http_error(c, r, 403, "origin_not_allowed",
                             "this origin is not among the declared cookies.origins");
    const char *const h[][2] = {{"Access-Control-Allow-Origin", origin},
                                {"Access-Control-Allow-Methods", "POST"},
                                {"Access-Control-Allow-Headers", "Content-Type"},
                                {"Access-Control-Max-Age", "600"},
                                {"Vary", "Origin"}};
    return rk_http_respond_with(c, r, 204, NULL, "", 0, MHD_RESPMEM_PERSISTENT, h, 5);
}

struct log_job {
    struct rk_cookie_choice *choice;
    const char *config; /* the current version's config, recorded when not known yet */
    const char *current;
};

static rk_err run_log(struct rk_reg *reg, void *ctx) {
    struct log_job *j = ctx;
    rk_err err =
        rk_store_consent_version_put(rk_reg_store(reg), j->current, j->config, j->choice->at);
    return err == RK_OK ? rk_store_consent_log_add(rk_reg_store(reg), j->choice) : err;
}

RK_HTTP_HANDLER(rk_http_post_consent_log) {
    const char *origin = allowed_origin(s, c);
    if (!origin)
        return rk_http_error(c, r, 403, "origin_not_allowed",
                             "this origin is not among the declared cookies.origins");
    if (!s->writer)
        return refuse(c, r, 503, origin, "unavailable", NULL, "the service has no database");
    if (r->body.len > RK_COOKIE_BODY_MAX)
        return refuse(c, r, 413, origin, "too_large", NULL, "the body is larger than 4096 bytes");
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!rk_http_media_type_is(type, "application/json"))
        return refuse(c, r, 415, origin, "unsupported_media_type", NULL,
                      "send the body as Content-Type: application/json");
    struct rk_cookie_choice *choice = calloc(1, sizeof *choice);
    struct rk_consent_log_fault f;
    char *config = NULL, current[RK_CONSENT_VERSION_LEN + 1];
    rk_http_result ret;
    if (!choice || rk_consent_config(s->decl, &config, current) != RK_OK) {
        ret = refuse(c, r, 500, origin, "internal", NULL, "out of memory");
        goto out;
    }
    rk_err e = rk_consent_log_parse(&s->decl->cookies, r->body.data ? r->body.data : "",
                                    r->body.len, choice, &f);
    if (e != RK_OK) {
        ret = e == RK_ENOMEM ? refuse(c, r, 500, origin, "internal", NULL, "out of memory")
                             : refuse(c, r, 400, origin, f.code, f.field, f.message);
        goto out;
    }
    choice->at = rk_time_now();
    struct log_job j = {choice, config, current};
    e = rk_writer_run(s->writer, run_log, &j);
    if (e == RK_EINVAL) {
        ret = refuse(c, r, 400, origin, "unknown_version", "version",
                     "version: not a version of this site's cookie text; load /consent.js again");
        goto out;
    }
    if (e != RK_OK) {
        ret = refuse(c, r, 503, origin, RK_HTTP_STORAGE_CODE, NULL,
                     "the choice could not be recorded now; try again later");
        goto out;
    }
    char at[RK_TS_LEN + 1];
    rk_ts_format(choice->at, at);
    ret = answer(c, r, 201, origin,
                 json_pack("{s:s,s:s}", "consent_id", choice->consent_id, "at", at));
out:
    free(config);
    free(choice);
    return ret;
}

/* ---- The lookup ------------------------------------------------------------------------------- */

RK_HTTP_HANDLER(rk_http_get_consent_log) {
    struct rk_token t;
    rk_http_result ret;
    if (!rk_http_authorize(s, c, r, RK_CAP_AUDIT_TRAIL, &t, NULL, &ret))
        return ret;
    struct rk_store *st = rk_http_thread_store(s);
    if (!st)
        return rk_http_error(c, r, 503, "unavailable", "the service has no database");
    json_t *doc = NULL;
    rk_err err = rk_consent_log_document(st, r->param[0], &doc);
    if (err == RK_ENOENT)
        return rk_http_error(c, r, 404, "not_found", "no choice is recorded under this consent id");
    if (err != RK_OK)
        return rk_http_error(c, r, err == RK_ENOMEM ? 500 : 503, "unavailable",
                             "the consent log could not be read");
    rk_http_audit(s, &t, "consent_log.read", NULL, r->param[0]); /* a browser's random id */
    return rk_http_json(c, r, 200, doc);
}

/* ---- Daily counts ----------------------------------------------------------------------------- */

rk_err rk_consent_log_day_counts(struct rk_store *st, const struct rk_tz *tz, rk_ts now,
                                 int64_t counts[RK_COOKIE__COUNT]) {
    struct rk_date today = tz ? rk_tz_date(tz, now) : rk_ts_date(now);
    rk_ts midnight = rk_date_ts(today), next = rk_date_ts(rk_date_add_days(today, 1));
    if (tz) { /* local midnight: the offset in force then (a change happens at night, not 0:00) */
        midnight -= rk_tz_offset(tz, midnight - rk_tz_offset(tz, now));
        next -= rk_tz_offset(tz, next - rk_tz_offset(tz, now));
    }
    return rk_store_consent_log_counts(st, midnight, next, counts);
}
