/*
 * server.c — libmicrohttpd set-up and the route table, the top module of
 * http/: it includes every handler's header and no other module includes
 * it. The shared response rules (security headers, JSON errors) are
 * respond.c's. Every request is logged as one JSON line on stderr with its
 * route (never its URL or query, which may carry personal data), status and
 * duration.
 *
 * libmicrohttpd 0.9.75 answers "Connection: close" when a response is queued
 * during the first call of the access handler, so each request is answered
 * on the second call; that keeps keep-alive working. The one exception is a
 * head that could frame its request in more than one way (framing.c): it is
 * refused on the first call, so that the connection closes and nothing sent
 * after it is read as a request.
 */
#include "http/api_people.h"
#include "http/answers.h"
#include "http/conns.h"
#include "http/framing.h"
#include "http/handlers.h"
#include "http/metrics.h"
#include "http/recipients_sync.h"
#include "http/requests_overdue.h"
#include "http/respond.h"
#include "http/server.h"
#include "http/service.h"
#include "http/api_console.h"
#include "http/api_staff.h"
#include "http/consent_log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>
#include <unistd.h>

#include "base/id.h"
#include "keys/keys.h"
#include "core/disclose.h"
#include "core/journal.h"
#include "core/request.h"
#include "base/time.h"
#include "views/notice.h"
#include "store/store.h"
#include "util/buf.h"
#include "http/console_pages.h"
#include "http/consent_script.h"
#include "http/public.h"
#include "views/notice_digest.h"

/* The default rate limit of public routes: RATE requests a second on average per address. */
#define RATE 5.0

/*
 * Each connection's memory (libmicrohttpd's pool): the request's header block
 * and its parsed headers, the read buffer a body streams through, and the
 * answer's status line and headers. libmicrohttpd 0.9.75 zeroes the pool after
 * every request (about one and a half times its size a request, by callgrind),
 * so its size is paid on every request: 16 KiB, which still takes a header
 * block of about 15 KiB (431 beyond; browsers' own limits on cookies are
 * smaller), instead of 32 KiB (bench/README.md, "The check, issue 18").
 */
#define CONN_MEMORY ((size_t)(16 * 1024))

/* ---- Routes ----------------------------------------------------------------------------- */

typedef rk_http_result (*route_fn)(struct rk_http_server *s, struct MHD_Connection *c,
                                   struct rk_http_request *r);

static rk_http_result get_healthz(struct rk_http_server *s, struct MHD_Connection *c,
                                  struct rk_http_request *r) {
    /* Out of service while this machine's key file is behind the database's (serve.c). */
    if (atomic_load(&s->key_behind))
        return rk_http_error(c, r, 503, "key_behind",
                             "the register's key was rotated and this instance's key file does "
                             "not hold the new generation yet; writes are refused until it does");
    static const char body[] = "{\"status\":\"ok\"}\n";
    return rk_http_respond(c, r, 200, "application/json", body, sizeof body - 1,
                           MHD_RESPMEM_PERSISTENT);
}

static rk_http_result get_privacy(struct rk_http_server *s, struct MHD_Connection *c,
                                  struct rk_http_request *r) {
    const struct rk_buf *b = &s->privacy[rk_http_lang(c)];
    return rk_http_respond(c, r, 200, "text/html; charset=utf-8", b->data, b->len,
                           MHD_RESPMEM_PERSISTENT);
}

/* Browsers ask for it on every page: nothing, rather than a 404 in every log. */
static rk_http_result get_favicon(struct rk_http_server *s, struct MHD_Connection *c,
                                  struct rk_http_request *r) {
    (void)s;
    return rk_http_respond(c, r, 204, NULL, "", 0, MHD_RESPMEM_PERSISTENT);
}

static rk_http_result get_metrics_route(struct rk_http_server *s, struct MHD_Connection *c,
                                        struct rk_http_request *r);
static rk_http_result get_openapi(struct rk_http_server *s, struct MHD_Connection *c,
                                  struct rk_http_request *r);

/*
 * The route table. A path is a template: "{name}" matches one non-empty
 * segment, captured into r->param[] in order. The template is the route's
 * name in logs and metrics, so a real path (which may hold a token or an id)
 * never reaches them. To add a route, add a row here and document it in
 * openapi.json (tests/unit/test_openapi.c checks the two agree).
 */
static const struct route {
    const char *method, *path;
    route_fn fn;
    bool limited; /* public: rate-limited per client address */
} routes[] = {
    // clang-format off
    {"GET",  "/healthz",                  get_healthz,              false},
    {"GET",  "/privacy",                  get_privacy,              true},
    {"GET",  "/metrics",                  get_metrics_route,        false},
    {"GET",  "/favicon.ico",              get_favicon,              false},
    {"GET",  "/console/login",            rk_http_get_console_login,  true},
    {"POST", "/console/login",            rk_http_post_console_login, true},
    {"POST", "/console/logout",           rk_http_post_console_logout, true},
    {"GET",  "/console/setup/{token}",    rk_http_get_console_setup,  true},
    {"POST", "/console/setup/{token}",    rk_http_post_console_setup, true},
    {"GET",  "/api/v1/me",                rk_http_get_me,           false},
    {"GET",  "/api/v1/staff",             rk_http_get_staff,        false},
    {"POST", "/api/v1/staff",             rk_http_post_staff,       false},
    {"POST", "/api/v1/staff/{id}/disable", rk_http_post_staff_disable, false},
    {"POST", "/api/v1/staff/{id}/enable", rk_http_post_staff_enable, false},
    {"POST", "/api/v1/staff/{id}/reset",  rk_http_post_staff_reset, false},
    {"POST", "/api/v1/staff/{id}/role",   rk_http_post_staff_role,  false},
    {"GET",  "/api/v1/staff/{id}/signins", rk_http_get_staff_signins, false},
    {"GET",  "/api/v1/tokens",            rk_http_get_tokens,       false},
    {"POST", "/api/v1/tokens/{name}/revoke", rk_http_post_token_revoke, false},
    {"GET",  "/api/v1/persons/{id}",      rk_http_get_person,       false},
    {"POST", "/api/v1/persons",           rk_http_post_persons,     false},
    {"GET",  "/u/{token}",                rk_http_get_unsubscribe,  true},
    {"POST", "/u/{token}",                rk_http_post_unsubscribe, true},
    {"GET",  "/api/v1/check",             rk_http_get_check,        false},
    {"GET",  "/api/v1/openapi.json",      get_openapi,              false},
    {"GET",  "/api/v1/persons",           rk_http_get_people,       false},
    {"GET",  "/api/v1/persons/{id}/record", rk_http_get_record,     false},
    {"GET",  "/api/v1/overview",          rk_http_get_overview,     false},
    {"POST", "/api/v1/audit/verify",      rk_http_post_audit_verify, false},
    {"PATCH", "/api/v1/persons/{id}",     rk_http_patch_person,     false},
    {"GET",  "/api/v1/persons/{id}/consents", rk_http_get_consents, false},
    {"POST", "/api/v1/persons/{id}/consents", rk_http_post_consent, false},
    {"POST", "/api/v1/persons/{id}/consents/{purpose}/withdraw", rk_http_post_withdraw, false},
    {"GET",  "/api/v1/persons/{id}/consents/{purpose}/record", rk_http_get_consent_record, false},
    {"GET",  "/api/v1/persons/{id}/contracts", rk_http_get_contracts, false},
    {"POST", "/api/v1/persons/{id}/contracts", rk_http_post_contract, false},
    {"PATCH", "/api/v1/contracts/{id}",   rk_http_patch_contract,   false},
    {"POST", "/api/v1/contracts/{id}/end", rk_http_post_contract_end, false},
    {"GET",  "/api/v1/persons/{id}/invoices", rk_http_get_invoices, false},
    {"POST", "/api/v1/persons/{id}/invoices", rk_http_post_invoice, false},
    {"POST", "/api/v1/suppressions",      rk_http_post_suppression, false},
    {"GET",  "/api/v1/suppressions/check", rk_http_get_suppression_check, false},
    {"GET",  "/api/v1/audience",          rk_http_get_audience,     false},
    {"POST", "/api/v1/import",            rk_http_post_import,      false},
    {"GET",  "/api/v1/persons/{id}/erasure", rk_http_get_erasure_preview, false},
    {"POST", "/api/v1/persons/{id}/erase", rk_http_post_erase,      false},
    {"POST", "/api/v1/persons/{id}/restrict", rk_http_post_restrict, false},
    {"POST", "/api/v1/persons/{id}/object", rk_http_post_object,    false},
    {"POST", "/api/v1/persons/{id}/entries", rk_http_post_entries,  false},
    {"POST", "/api/v1/imports/preview",   rk_http_post_imports_preview, false},
    {"POST", "/api/v1/imports",           rk_http_post_imports,     false},
    {"GET",  "/api/v1/imports/{id}",      rk_http_get_import_job,   false},
    {"GET",  "/api/v1/imports/{id}/rejects.csv", rk_http_get_import_rejects, false},
    {"GET",  "/api/v1/audience/summary",  rk_http_get_audience_summary, false},
    {"GET",  "/api/v1/outbox",            rk_http_get_outbox,       false},
    {"POST", "/api/v1/outbox/{id}/retry", rk_http_post_outbox_retry, false},
    {"GET",  "/api/v1/notices",           rk_http_get_notices,      false},
    {"POST", "/api/v1/notices/{id}/retry", rk_http_post_notice_retry, false},
    {"GET",  "/api/v1/recipients",        rk_http_get_recipients,   false},
    {"POST", "/api/v1/recipients/{id}/sync", rk_http_post_recipient_sync, false},
    {"GET",  "/api/v1/declaration/notice", rk_http_get_declaration_notice, false},
    {"GET",  "/api/v1/declaration/first-contact", rk_http_get_declaration_first_contact, false},
    {"GET",  "/api/v1/declaration/record", rk_http_get_declaration_record, false},
    {"GET",  "/api/v1/declaration/lint",  rk_http_get_declaration_lint, false},
    {"GET",  "/forms/{form}",             rk_http_get_form,         true},
    {"POST", "/forms/{form}",             rk_http_post_form,        true},
    {"OPTIONS", "/forms/{form}",          rk_http_options_form,     true},
    {"GET",  "/confirm/{token}",          rk_http_get_confirm,      true},
    {"POST", "/confirm/{token}",          rk_http_post_confirm,     true},
    {"GET",  "/receipt/{token}",          rk_http_get_receipt,      true},
    {"GET",  "/preferences/{token}",      rk_http_get_preferences,  true},
    {"POST", "/preferences/{token}",      rk_http_post_preferences, true},
    {"GET",  "/preferences",              rk_http_get_preferences_start,  true},
    {"POST", "/preferences",              rk_http_post_preferences_start, true},
    {"GET",  "/brand/{name}",             rk_http_get_brand,        false},
    {"GET",  "/requests",                 rk_http_get_requests_form, true},
    {"POST", "/requests",                 rk_http_post_requests_form, true},
    {"GET",  "/requests/verify/{token}",  rk_http_get_request_verify, true},
    {"POST", "/requests/verify/{token}",  rk_http_post_request_verify, true},
    {"GET",  "/requests/status/{token}",  rk_http_get_request_status, true},
    {"GET",  "/requests/answer/{token}",  rk_http_get_answer,       true},
    {"POST", "/requests/answer/{token}",  rk_http_post_answer,      true},
    {"GET",  "/requests/answer/{token}/{file}", rk_http_get_answer_file, true},
    {"GET",  "/api/v1/requests",          rk_http_get_requests,     false},
    {"POST", "/api/v1/requests",          rk_http_post_requests,    false},
    {"GET",  "/api/v1/requests/{id}",     rk_http_get_request,      false},
    {"POST", "/api/v1/requests/{id}/verify",   rk_http_post_request_verify_staff, false},
    {"POST", "/api/v1/requests/{id}/extend",   rk_http_post_request_extend,       false},
    {"POST", "/api/v1/requests/{id}/complete", rk_http_post_request_complete,     false},
    {"POST", "/api/v1/requests/{id}/reject",   rk_http_post_request_reject,       false},
    {"GET",  "/hooks/mailchimp/{secret}", rk_http_get_mailchimp_hook,  true},
    {"POST", "/hooks/mailchimp/{secret}", rk_http_post_mailchimp_hook, true},
    {"POST", "/consent/log",              rk_http_post_consent_log, true},
    {"OPTIONS", "/consent/log",           rk_http_options_consent_log, true},
    {"GET",  "/api/v1/consent-log/{id}",  rk_http_get_consent_log,  false},
    /* the console's pages (console.c) */
    {"GET",  "/",                         rk_http_get_front,        false},
    {"GET",  "/console",                  rk_http_get_console_bare, false},
    {"GET",  "/console/",                 rk_http_get_console,      false},
    {"GET",  "/console/assets/{name}",    rk_http_get_console_asset, false},
    /* the consent manager for the company's website (consent_script.c) */
    {"GET",  "/consent.js",               rk_http_get_consent_js,   true},
    {"GET",  "/consent.css",              rk_http_get_consent_css,  true},
    // clang-format on
};
#define NROUTES (sizeof routes / sizeof routes[0])
#define ROUTE_UNKNOWN ((int)NROUTES)
#define ROUTE_METHOD  ((int)NROUTES + 1)
_Static_assert(NROUTES + 2 <= RK_HTTP_MAX_ROUTES, "raise RK_HTTP_MAX_ROUTES");

/* Routes that take a larger body than RK_HTTP_MAX_BODY. */
static const struct {
    route_fn fn;
    size_t max;
} body_limits[] = {
    {rk_http_post_import, RK_HTTP_MAX_IMPORT},
    {rk_http_post_imports, RK_HTTP_MAX_IMPORT},
};

static size_t max_body(const struct route *rt) {
    for (size_t i = 0; rt && i < sizeof body_limits / sizeof body_limits[0]; i++)
        if (body_limits[i].fn == rt->fn)
            return body_limits[i].max;
    return RK_HTTP_MAX_BODY;
}

const char *rk_http_route_name(int i) {
    if (i == ROUTE_UNKNOWN)
        return "unknown";
    if (i == ROUTE_METHOD)
        return "method_not_allowed";
    return routes[i].path;
}

int rk_http_route_names(void) { return ROUTE_METHOD + 1; }

bool rk_http_route(size_t i, const char **method, const char **path) {
    if (i >= NROUTES)
        return false;
    *method = routes[i].method;
    *path = routes[i].path;
    return true;
}

static rk_http_result get_openapi(struct rk_http_server *s, struct MHD_Connection *c,
                                  struct rk_http_request *r) {
    (void)s;
    return rk_http_respond(c, r, 200, "application/json", rk_openapi_json, rk_openapi_json_len,
                           MHD_RESPMEM_PERSISTENT);
}

/* GET /metrics on the main listener: the metrics when they are served here, else the
 * answer of any unknown path (they are on --metrics-listen, or nowhere). */
static rk_http_result get_metrics_route(struct rk_http_server *s, struct MHD_Connection *c,
                                        struct rk_http_request *r) {
    if (s->metrics_here)
        return rk_http_get_metrics(s, c, r);
    r->route_index = ROUTE_UNKNOWN;
    r->route = rk_http_route_name(ROUTE_UNKNOWN);
    return rk_http_error(c, r, 404, "not_found", "no such page");
}

/*
 * Whether url fits the template; fills the captures of its "{name}" segments
 * when it does. A capture longer than RK_HTTP_PARAM_MAX does not fit.
 */
static bool path_matches(const char *tpl, const char *url, char param[][RK_HTTP_PARAM_MAX + 1]) {
    int np = 0;
    while (*tpl && *url) {
        if (*tpl == '{') {
            const char *close = strchr(tpl, '}');
            size_t n = strcspn(url, "/");
            if (!close || n == 0 || n > RK_HTTP_PARAM_MAX || np == RK_HTTP_MAX_PARAMS)
                return false;
            memcpy(param[np], url, n);
            param[np++][n] = '\0';
            tpl = close + 1;
            url += n;
        } else if (*tpl++ != *url++) {
            return false;
        }
    }
    return *tpl == '\0' && *url == '\0';
}

static const struct route *find_route(const char *url, const char *method, bool *path_known,
                                      struct rk_http_request *r) {
    *path_known = false;
    for (size_t i = 0; i < NROUTES; i++) {
        if (!path_matches(routes[i].path, url, r->param))
            continue;
        *path_known = true;
        if (strcmp(routes[i].method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
            return &routes[i];
    }
    return NULL;
}

/* Takes one token from the client's bucket (limiter.c); false, with the seconds to wait, when
 * there is none. */
static bool rate_ok(rk_limiter *l, struct MHD_Connection *c, unsigned *retry_after) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    struct rk_limiter_key key;
    rk_limiter_key_of(ci ? ci->client_addr : NULL, &key);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double wait = 0;
    if (rk_limiter_take(l, &key, (int64_t)now.tv_sec * 1000000000 + now.tv_nsec, &wait) ==
        RK_LIMIT_OK)
        return true;
    *retry_after = wait >= 3600 ? 3600 : (unsigned)wait + 1;
    return false;
}

/* ---- libmicrohttpd callbacks --------------------------------------------------------------- */

/*
 * Called once the request line is read, before its target is decoded: sets up
 * the request's state (the handler's *state) with a copy of the target as
 * received, for the framing check.
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *c) {
    struct rk_http_server *s = cls;
    (void)c;
    size_t n = uri ? strlen(uri) : 0;
    struct rk_http_request *r = calloc(1, sizeof *r + n + 1);
    if (!r)
        return NULL; /* the handler answers MHD_NO: the connection closes */
    atomic_fetch_add(&s->in_flight, 1); /* until on_completed (rk_http_rekey waits for them) */
    clock_gettime(CLOCK_MONOTONIC, &r->start);
    r->route = "unknown";
    r->route_index = ROUTE_UNKNOWN;
    r->target_in = uri;
    r->target_len = n;
    memcpy(r->target, uri ? uri : "", n + 1);
    return r;
}

/*
 * The handler's first call for a request (its header block is whole): takes the
 * connection off the header deadline (conns.c) and checks the framing. False after
 * queueing, in *refused, the refusal of a head that frames its request in more than one
 * way; libmicrohttpd then closes the connection.
 */
static bool head_ok(struct rk_http_server *s, struct MHD_Connection *c, const char *method,
                    const char *version, struct rk_http_request *r, rk_http_result *refused) {
    r->begun = true;
    rk_http_conn_header_done(s, c); /* the header block is whole: off its deadline */
    struct rk_http_verdict v;
    if (rk_http_head_ok(c, method, version, r, &v))
        return true;
    r->route = "malformed";
    *refused = rk_http_error(c, r, v.status, v.code, v.reason);
    return false;
}

static rk_http_result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_size, void **state) {
    struct rk_http_server *s = cls;
    struct rk_http_request *r = *state;
    if (!r)
        return MHD_NO;
    if (!r->begun) { /* first call: check the framing, else answer on the next one (keep-alive) */
        rk_http_result refused;
        if (!head_ok(s, c, method, version, r, &refused))
            return refused;
        /* matched once: the second call (and every body call in between) reuses it */
        const struct route *rt = find_route(url, method, &r->path_known, r);
        r->found = rt ? (int)(rt - routes) : -1;
        r->max_body = max_body(rt);
        return MHD_YES;
    }
    if (*upload_size) { /* keep the body up to the route's limit; count the rest, refuse when done */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - r->start.tv_sec > s->request_timeout) {
            r->status = 408; /* a body trickling in too slowly: close the connection */
            r->route = "timeout";
            return MHD_NO;
        }
        if (r->body.len + *upload_size <= r->max_body)
            rk_buf_append(&r->body, upload_data, *upload_size);
        else
            r->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    const struct route *rt = r->found >= 0 ? &routes[r->found] : NULL;
    const bool path_known = r->path_known;
    if (r->too_big)
        return rk_http_error(c, r, 413, "too_large", "the request body is too large");
    if (!rt) {
        if (path_known) {
            r->route_index = ROUTE_METHOD;
            r->route = rk_http_route_name(ROUTE_METHOD);
            return rk_http_error(c, r, 405, "method_not_allowed",
                                 "this path does not take that method");
        }
        return rk_http_error(c, r, 404, "not_found", "no such page");
    }
    r->route_index = (int)(rt - routes);
    r->route = rk_http_route_name(r->route_index);
    r->url = url;
    r->method = method;
    unsigned retry = 0;
    if (rt->limited && s->limiter && !rate_ok(s->limiter, c, &retry))
        return rk_http_too_many(c, r, retry);
    rk_writer_forget_here(); /* rk_http_error asks whether this request's write failed */
    return rt->fn(s, c, r);
}

/* Appends text to the line at *k, as much as fits before end. */
static void put_text(char *line, size_t *k, size_t end, const char *text) {
    for (; *text && *k < end; text++)
        line[(*k)++] = *text;
}

/* Appends n (>= 0) in decimal, at least width digits. */
static void put_number(char *line, size_t *k, size_t end, long long n, int width) {
    char digits[24];
    int d = 0;
    do {
        digits[d++] = (char)('0' + n % 10);
        n /= 10;
    } while ((n > 0 || d < width) && d < (int)sizeof digits);
    while (d > 0 && *k < end)
        line[(*k)++] = digits[--d];
}

/*
 * One request's log line, {"ts","event":"request","route","status","ms"[,"aborted"]}, put
 * together by hand and written with one call: the busiest routes log every request, and
 * printf's formatting (the float above all) cost more than the rest of the line. ms has
 * three decimals, rounded, as %.3f gave. The route is a template from the table (or one of
 * the fixed pseudo-routes), never the URL.
 */
static void log_request(const char *route, int status, long long ns, bool aborted) {
    static _Thread_local struct {
        rk_ts second;
        char text[RK_TS_LEN + 1];
    } ts = {.second = -1};
    rk_ts now = rk_time_now();
    if (now != ts.second) {
        rk_ts_format(now, ts.text);
        ts.second = now;
    }
    char line[512];
    const size_t end = sizeof line - 1; /* room for the newline */
    size_t k = 0;
    long long us = ns < 0 ? 0 : (ns + 500) / 1000; /* thousandths of a millisecond */
    put_text(line, &k, end, "{\"ts\":\"");
    put_text(line, &k, end, ts.text);
    put_text(line, &k, end, "\",\"event\":\"request\",\"route\":\"");
    put_text(line, &k, end, route);
    put_text(line, &k, end, "\",\"status\":");
    if (status < 0) {
        put_text(line, &k, end, "-");
        status = -status;
    }
    put_number(line, &k, end, status, 1);
    put_text(line, &k, end, ",\"ms\":");
    put_number(line, &k, end, us / 1000, 1);
    put_text(line, &k, end, ".");
    put_number(line, &k, end, us % 1000, 3);
    if (aborted)
        put_text(line, &k, end, ",\"aborted\":true");
    put_text(line, &k, end, "}");
    line[k++] = '\n';
    fwrite(line, 1, k, stderr);
}

/* Logs the finished request: route, status and duration; never the URL. */
static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why) {
    struct rk_http_server *s = cls;
    rk_http_conn_request_done(s, c); /* the next request's header block is awaited now */
    struct rk_http_request *r = *state;
    if (!r)
        return;
    atomic_fetch_sub(&s->in_flight, 1);
    if (!r->begun) { /* libmicrohttpd answered the head itself, or the client left during it */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(c, MHD_CONNECTION_INFO_HTTP_STATUS);
        r->status = ci ? (int)ci->http_status : 0;
        r->route = "malformed";
        if (!r->status) { /* nothing was answered: nothing to log */
            free(r);
            *state = NULL;
            return;
        }
    }
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    long long ns =
        (long long)(end.tv_sec - r->start.tv_sec) * 1000000000LL + (end.tv_nsec - r->start.tv_nsec);
    rk_http_metrics_count(&s->metrics, r->route_index, r->status, (double)ns / 1e9);
    log_request(r->route, r->status, ns, why != MHD_REQUEST_TERMINATED_COMPLETED_OK);
    rk_buf_cleanup(&r->body);
    free(r);
    *state = NULL;
}

/* The access handler of the --metrics-listen listener: GET (or HEAD) /metrics and nothing
 * else, logged and counted as on the main listener. */
static rk_http_result on_metrics_request(void *cls, struct MHD_Connection *c, const char *url,
                                         const char *method, const char *version,
                                         const char *upload_data, size_t *upload_size,
                                         void **state) {
    (void)upload_data;
    struct rk_http_server *s = cls;
    struct rk_http_request *r = *state;
    if (!r)
        return MHD_NO;
    if (!r->begun) { /* first call: check the framing, else answer on the next one (keep-alive) */
        rk_http_result refused;
        return head_ok(s, c, method, version, r, &refused) ? MHD_YES : refused;
    }
    if (*upload_size) { /* no route here takes a body */
        r->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(url, "/metrics") != 0)
        return rk_http_error(c, r, 404, "not_found", "no such page");
    for (size_t i = 0; i < NROUTES; i++)
        if (routes[i].fn == get_metrics_route) {
            r->route_index = (int)i;
            r->route = rk_http_route_name((int)i);
        }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return rk_http_error(c, r, 405, "method_not_allowed",
                             "this path does not take that method");
    if (r->too_big)
        return rk_http_error(c, r, 413, "too_large", "the request body is too large");
    return rk_http_get_metrics(s, c, r);
}

/* ---- Life cycle ------------------------------------------------------------------------------ */

static bool parse_listen(const char *listen, struct sockaddr_in *sa) {
    char host[64];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host)
        return false;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || colon[1] == '\0' || port < 0 || port > 65535)
        return false;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1;
}

/* The address of the public pages in links, and its origin for same-origin form posts. */
static void set_public_url(struct rk_http_server *s, const struct rk_http_config *cfg,
                           unsigned port) {
    if (cfg->public_url)
        snprintf(s->public_url, sizeof s->public_url, "%s", cfg->public_url);
    else
        snprintf(s->public_url, sizeof s->public_url, "http://%.*s:%u",
                 (int)(strrchr(cfg->listen, ':') - cfg->listen), cfg->listen, port);
    size_t n = strlen(s->public_url);
    while (n && s->public_url[n - 1] == '/')
        s->public_url[--n] = '\0';
    const char *host = strstr(s->public_url, "://");
    const char *slash = host ? strchr(host + 3, '/') : NULL;
    size_t olen = !host ? 0 : slash ? (size_t)(slash - s->public_url) : n;
    snprintf(s->origin, sizeof s->origin, "%.*s", (int)olen, s->public_url);
}

/* Where /metrics is served (RK_HTTP_METRICS_LISTEN's comment): sets *here, and *apart to
 * the address of its own listener or NULL. False when --metrics-listen cannot be read. */
static bool metrics_place(const struct rk_http_config *cfg, const struct sockaddr_in *main,
                          bool *here, struct sockaddr_in *apart, bool *has_apart) {
    const bool loopback = (ntohl(main->sin_addr.s_addr) >> 24) == 127;
    const char *ml = cfg->metrics_listen ? cfg->metrics_listen
                     : loopback          ? NULL
                                         : RK_HTTP_METRICS_LISTEN;
    *here = !ml;
    *has_apart = ml && strcmp(ml, "off") != 0;
    return !*has_apart || parse_listen(ml, apart);
}

/* The parts that hold the key (rk_http_rekey stops and starts them around a swap): the
 * reads' register, the writer, the outbox's sender, the recipients' deliverer and sync,
 * and the overdue timer with the sweep. */
static rk_err start_keyed(struct rk_http_server *s, struct rk_error *err) {
    if (rk_notice_reg_init(s->reads, s->decl, NULL, &s->keys, "api") != RK_OK ||
        (s->read_only ? rk_writer_start_read_only(s->db, s->decl, &s->keys, &s->writer)
                      : rk_writer_start(s->db, s->journal, s->decl, &s->keys, &s->writer)) != RK_OK)
        return rk_error_set(err, RK_EIO, NULL, "cannot open the database %s%s", s->db,
                            s->read_only ? " for reading" : " for writing");
    /* The outbox's sender: delivers through the relay, or only counts. Not over a read-only
     * database: a message sent could not be marked sent, and would go again every pass. */
    if (!s->read_only) {
        struct rk_sender_config mail = {.db = s->db, .keys = &s->keys};
        if (s->mail_configured)
            mail.smtp = s->smtp;
        if (rk_sender_start(&mail, &s->sender) != RK_OK)
            return rk_error_set(err, RK_EIO, NULL, "cannot start the mail sender");
        struct rk_deliver_config notices = {
            .db = s->db, .decl = s->decl, .keys = &s->keys, .synced = rk_disclose_synced};
        if (rk_deliverer_start(&notices, &s->deliverer) != RK_OK)
            return rk_error_set(err, RK_EIO, NULL, "cannot start the recipients' deliverer");
        if (rk_http_sync_start(s, s->sync_interval) != RK_OK)
            return rk_error_set(err, RK_EIO, NULL, "cannot start the recipients' sync");
    }
    if (rk_http_overdue_start(s) != RK_OK)
        return rk_error_set(err, RK_EIO, NULL, "cannot start the requests' timer");
    return RK_OK;
}

/* Their stop, in the order the requests and the writes need: after the listener. */
static void stop_keyed(struct rk_http_server *s) {
    rk_http_overdue_stop(s);
    rk_http_imports_stop(s);   /* import jobs write through the writer */
    rk_writer_stop(s->writer); /* after the requests that use it have finished */
    s->writer = NULL;
    rk_sender_stop(s->sender); /* finishes the message in hand */
    s->sender = NULL;
    rk_http_sync_stop(s);            /* finishes the call in hand */
    rk_deliverer_stop(s->deliverer); /* finishes the notice in hand */
    s->deliverer = NULL;
}

/* The main listener: on sa, or on the socket fd a quiesced one left (rk_http_rekey). The
 * header deadline (conns.c) and the cap per address keep slow clients from one address from
 * holding the connection limit (issue 11, item 4). */
static struct MHD_Daemon *start_main(struct rk_http_server *s, const struct sockaddr_in *sa,
                                     MHD_socket fd) {
    /* Where to listen, as an option array: each option's argument keeps its own type. */
    struct MHD_OptionItem where[] = {
        fd == MHD_INVALID_SOCKET
            ? (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, (void *)sa}
            : (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, (intptr_t)fd, NULL},
        {MHD_OPTION_END, 0, NULL}};
    return MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_ALLOW_SUSPEND_RESUME, 0, NULL, NULL,
        on_request, s, MHD_OPTION_ARRAY, where, MHD_OPTION_THREAD_POOL_SIZE, s->threads,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->request_timeout, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)1000, MHD_OPTION_PER_IP_CONNECTION_LIMIT, s->per_address,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        s, MHD_OPTION_NOTIFY_CONNECTION, rk_http_on_connection, s, MHD_OPTION_URI_LOG_CALLBACK,
        on_uri, s, MHD_OPTION_END);
}

rk_err rk_http_start(const struct rk_http_config *cfg, struct rk_http_server **out,
                     struct rk_error *err) {
    struct sockaddr_in sa, msa;
    bool metrics_here, metrics_apart;
    if (!parse_listen(cfg->listen, &sa)) {
        return rk_error_set(err, RK_EINVAL, NULL, "--listen: expected an IPv4 ADDRESS:PORT such as 127.0.0.1:8080");
    }
    if (!metrics_place(cfg, &sa, &metrics_here, &msa, &metrics_apart)) {
        return rk_error_set(err, RK_EINVAL, NULL, "--metrics-listen: expected an IPv4 ADDRESS:PORT such as %s, or off",
                 RK_HTTP_METRICS_LISTEN);
    }
    struct rk_http_server *s = calloc(1, sizeof *s);
    if (!s)
        return RK_ENOMEM;
    s->decl = cfg->decl;
    s->reads = rk_reg_in(&s->reads_room); /* zeroed, set up below when there is a database */
    s->metrics_here = metrics_here;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->overdue_lock, NULL);
    pthread_cond_init(&s->overdue_wake, NULL);
    atomic_store(&s->requests_overdue, -1L);
    s->request_timeout = cfg->request_timeout > 0 ? cfg->request_timeout : 10;
    s->sweep_interval = cfg->sweep_interval < 0 ? 0
                        : cfg->sweep_interval   ? cfg->sweep_interval
                                                : 3600;
    s->session_idle = cfg->session_idle;
    s->session_max = cfg->session_max;
    s->mail_configured = cfg->smtp != NULL;
    set_public_url(s, cfg, ntohs(sa.sin_port)); /* before the first request can arrive */
    if (cfg->public_rate >= 0) {                /* bursts of 4 × rate, at least 20 */
        double rate = cfg->public_rate == 0 ? RATE : cfg->public_rate;
        struct rk_limiter_config lc = {.rate = rate, .burst = rate * 4 < 20 ? 20 : rate * 4};
        if (rk_limiter_new(&lc, &s->limiter) != RK_OK) {
            rk_err e = rk_error_set(err, RK_ENOMEM, NULL, "cannot set up the rate limit");
            rk_http_stop(s);
            return e;
        }
    }
    if (cfg->db && cfg->keys) {
        s->db = cfg->db;
        s->keys = *cfg->keys;
        s->read_only = cfg->read_only;
        if (s->read_only)
            s->sweep_interval = 0; /* nothing could be swept */
        s->journal = cfg->journal;
        s->sync_interval = cfg->sync_interval;
        if (cfg->smtp)
            s->smtp = *cfg->smtp;
        /* data-subject requests: deadlines in the controller's time zone */
        struct rk_error msg = RK_ERROR_INIT;
        s->tz = calloc(1, sizeof *s->tz);
        if (!s->tz || rk_request_load_tz(cfg->decl, s->tz, &msg) != RK_OK) {
            rk_err e = rk_error_set(err, RK_EIO, NULL, "%s",
                                    s->tz && msg.message[0] ? msg.message : "cannot start");
            rk_http_stop(s);
            return e;
        }
        if (start_keyed(s, err) != RK_OK) {
            rk_err e = err ? err->code : RK_EIO;
            rk_http_stop(s);
            return e;
        }
    }
    if (rk_page_brand_init(cfg->decl) != RK_OK) { /* the public pages' branding (pages.c) */
        rk_http_stop(s);
        return RK_ENOMEM;
    }
    for (int lang = 0; lang < 2; lang++) {
        rk_buf_init(&s->privacy[lang]);
        if (rk_notice_render(cfg->decl, (enum rk_lang)lang, RK_NOTICE_HTML, &s->privacy[lang]) !=
                RK_OK ||
            !rk_page_dress(&s->privacy[lang], (enum rk_lang)lang, "/privacy")) {
            rk_http_stop(s);
            return RK_ENOMEM;
        }
    }
    const long header_timeout = cfg->header_timeout > 0 ? cfg->header_timeout : 10;
    const unsigned per_address = cfg->max_per_address < 0    ? 0 /* libmicrohttpd: no cap */
                                 : cfg->max_per_address == 0 ? 64
                                                             : (unsigned)cfg->max_per_address;
    if (rk_http_conns_start(s, header_timeout) != RK_OK) {
        rk_err e = rk_error_set(err, RK_EIO, NULL, "cannot start the header deadline's timer");
        rk_http_stop(s);
        return e;
    }
    if (metrics_apart) { /* before the main listener: a port in use stops the start here */
        s->metrics_daemon = MHD_start_daemon(
            MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC, 0, NULL, NULL, on_metrics_request, s,
            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&msa, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)s->request_timeout, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
            MHD_OPTION_PER_IP_CONNECTION_LIMIT, per_address, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_NOTIFY_CONNECTION,
            rk_http_on_connection, s, MHD_OPTION_URI_LOG_CALLBACK, on_uri, s, MHD_OPTION_END);
        const union MHD_DaemonInfo *mi =
            s->metrics_daemon ? MHD_get_daemon_info(s->metrics_daemon, MHD_DAEMON_INFO_BIND_PORT)
                              : NULL;
        if (!mi) {
            rk_err e = rk_error_set(
                err, RK_EIO, NULL,
                "cannot listen on %s for /metrics (address in use or not available); "
                "choose another with --metrics-listen ADDRESS:PORT",
                cfg->metrics_listen ? cfg->metrics_listen : RK_HTTP_METRICS_LISTEN);
            rk_http_stop(s);
            return e;
        }
        s->metrics_port = mi->port;
    }
    s->threads = cfg->threads ? cfg->threads : 2;
    s->per_address = per_address;
    s->daemon = start_main(s, &sa, MHD_INVALID_SOCKET);
    if (!s->daemon) {
        rk_err e = rk_error_set(err, RK_EIO, NULL, "cannot listen on %s (address in use or not available)", cfg->listen);
        rk_http_stop(s);
        return e;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : ntohs(sa.sin_port);
    if (!cfg->public_url && sa.sin_port == 0)
        set_public_url(s, cfg, s->port); /* port 0: known only now */
    *out = s;
    return RK_OK;
}

unsigned rk_http_port(const struct rk_http_server *s) { return s->port; }

unsigned rk_http_metrics_port(const struct rk_http_server *s) { return s->metrics_port; }

void rk_http_key_behind(struct rk_http_server *s, bool behind) {
    atomic_store(&s->key_behind, behind);
}

rk_err rk_http_rekey(struct rk_http_server *s, const struct rk_keys *k, struct rk_error *err) {
    if (!s->db || !s->daemon)
        return rk_error_set(err, RK_EINVAL, NULL, "the service has no database to rekey");
    /* The listener's socket stays open and bound: connections queue in the kernel meanwhile. */
    MHD_socket fd = MHD_quiesce_daemon(s->daemon);
    if (fd == MHD_INVALID_SOCKET)
        return rk_error_set(err, RK_EIO, NULL, "cannot pause the listener to take the new key");
    /* The requests already accepted are answered, under the old key, before the listener
     * stops (stopping closes every connection): each is counted from its request line to
     * its end (on_uri, on_completed); a moment's grace lets a connection accepted just
     * before the pause send its request line. Bounded: a client that keeps sending on a
     * kept-alive connection is cut after RK_HTTP_REKEY_DRAIN_MS. */
    const struct timespec nap = {.tv_sec = 0, .tv_nsec = 10 * 1000000L};
    for (int ms = 0; ms < RK_HTTP_REKEY_DRAIN_MS && (ms < 50 || atomic_load(&s->in_flight) > 0);
         ms += 10)
        nanosleep(&nap, NULL);
    rk_writer_quiesce(s->writer); /* no connection left suspended on a write (forms.c) */
    MHD_stop_daemon(s->daemon);
    s->daemon = NULL;
    stop_keyed(s);
    rk_reg_wipe(s->reads);
    s->keys = *k;
    rk_err e = RK_OK;
    struct rk_error jerr = RK_ERROR_INIT;
    if (s->journal && !s->read_only &&
        rk_journal_advance(s->journal, &s->keys, rk_time_now(), NULL, &jerr) != RK_OK)
        e = rk_error_set(err, RK_EIO, NULL, "the erasure journal cannot follow the rotation: %s",
                         jerr.message);
    if (e == RK_OK)
        e = start_keyed(s, err);
    if (e == RK_OK && !(s->daemon = start_main(s, NULL, fd)))
        e = rk_error_set(err, RK_EIO, NULL, "cannot listen again after taking the new key");
    if (e != RK_OK) {
        if (!s->daemon)
            close(fd);
        return e;
    }
    atomic_store(&s->key_behind, false);
    return RK_OK;
}

void rk_http_stop(struct rk_http_server *s) {
    if (!s)
        return;
    if (s->daemon) {
        MHD_quiesce_daemon(s->daemon); /* stop accepting; requests in progress finish */
        rk_writer_quiesce(s->writer);  /* no connection left suspended on a write (forms.c) */
        MHD_stop_daemon(s->daemon);
    }
    if (s->metrics_daemon) {
        MHD_quiesce_daemon(s->metrics_daemon);
        MHD_stop_daemon(s->metrics_daemon);
    }
    rk_http_conns_stop(s); /* after the daemons: their CLOSED notifications take its lock */
    rk_limiter_free(s->limiter);
    stop_keyed(s);
    free(s->tz);
    rk_reg_wipe(s->reads);
    sodium_memzero(&s->keys, sizeof s->keys);
    sodium_memzero(&s->smtp, sizeof s->smtp);
    for (int lang = 0; lang < 2; lang++)
        rk_buf_cleanup(&s->privacy[lang]);
    rk_page_brand_cleanup(s->decl);
    for (size_t i = 0; i < s->nstores; i++)
        rk_store_close(s->stores[i]);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->overdue_lock);
    pthread_cond_destroy(&s->overdue_wake);
    free(s);
}
