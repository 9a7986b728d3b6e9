/*
 * server.c — libmicrohttpd set-up, the route table and the shared response
 * rules. Every response carries the security headers; every error is JSON
 * {"error":{"code","message"}}; every request is logged as one JSON line on
 * stderr with its route (never its URL or query, which may carry personal
 * data), status and duration.
 *
 * libmicrohttpd 0.9.75 answers "Connection: close" when a response is queued
 * during the first call of the access handler, so each request is answered
 * on the second call; that keeps keep-alive working.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <stdatomic.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <pthread.h>

#include "core/id.h"
#include "core/keys.h"
#include "core/links.h"
#include "core/time.h"
#include "notice/notice.h"
#include "http/writer.h"
#include "store/store.h"
#include "util/buf.h"

#define MAX_BODY ((size_t)64 * 1024)

/* Metrics: requests by route and status, and a latency histogram. */
#define NROUTES    11 /* the routes[] below, then "unknown" and "method_not_allowed" */
#define MAX_STORES 64
static const int statuses[] = {200, 201, 204, 400, 401, 403, 404, 405, 413, 429, 500, 503, 0};
#define NSTATUS (sizeof statuses / sizeof statuses[0]) /* the last counts any other */
static const double buckets[] = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5};
#define NBUCKETS (sizeof buckets / sizeof buckets[0])

struct metrics {
    atomic_ulong requests[NROUTES][NSTATUS];
    atomic_ulong le[NBUCKETS + 1]; /* cumulative at output; here per bucket, last = +Inf */
    atomic_ulong sum_us;
    atomic_ulong consents_given, consents_withdrawn;
};

/*
 * Per-address rate limit of the public routes: a token bucket per client
 * address (IPv4 or IPv6, hashed into a fixed table; a collision only shares a
 * bucket). RATE requests a second on average, bursts of BURST.
 */
#define LIMIT_SLOTS 4096
#define RATE        5.0
#define BURST       20.0

struct bucket {
    unsigned char addr[16];
    double tokens;
    struct timespec last;
};

struct limiter {
    pthread_mutex_t lock;
    struct bucket slots[LIMIT_SLOTS];
};

struct rk_http_server {
    struct MHD_Daemon *daemon;
    struct metrics metrics;
    const struct rk_decl *decl;
    struct rk_buf privacy[2]; /* the notice as HTML, fi and en, rendered once */
    unsigned port;
    /* The API's storage: one connection per server thread, opened on first use. */
    const char *db;
    struct rk_keys keys;
    pthread_mutex_t lock;
    struct rk_store *stores[MAX_STORES];
    size_t nstores;
    struct rk_writer *writer; /* all writes go through it (group commit) */
    struct rk_reg reads;      /* the register rules for reads; store and actor set per request */
    struct limiter limiter;
};

static _Thread_local struct rk_store *thread_store;

/* One request's state between the handler's calls. */
struct request {
    struct timespec start;
    const char *route;
    const char *url; /* borrowed from libmicrohttpd for the request's life */
    int route_index;
    struct rk_buf body; /* up to MAX_BODY bytes */
    bool too_big;
    int status;
};

static const char *const security_headers[][2] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
     "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
    {"Cache-Control", "no-store"},
};

static enum MHD_Result respond(struct MHD_Connection *c, struct request *r, int status,
                               const char *type, const char *body, size_t len,
                               enum MHD_ResponseMemoryMode mode) {
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)body, mode);
    if (!resp)
        return MHD_NO;
    for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
        MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    r->status = status;
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* A JSON error; code is a short stable word, message a sentence without personal data. */
static enum MHD_Result error(struct MHD_Connection *c, struct request *r, int status,
                             const char *code, const char *message) {
    json_t *doc = json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!body)
        return MHD_NO;
    enum MHD_Result ret =
        respond(c, r, status, "application/json", body, strlen(body), MHD_RESPMEM_MUST_COPY);
    free(body);
    return ret;
}

/* 401 with the challenge RFC 6750 asks for. */
static enum MHD_Result unauthorized(struct MHD_Connection *c, struct request *r, const char *code,
                                    const char *message) {
    char body[512];
    int n = snprintf(body, sizeof body, "{\"error\":{\"code\":\"%s\",\"message\":\"%s\"}}\n", code,
                     message);
    struct MHD_Response *resp =
        MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    if (!resp)
        return MHD_NO;
    for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
        MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"rekisteri\"");
    r->status = 401;
    enum MHD_Result ret = MHD_queue_response(c, 401, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ?lang=fi|en, else the first of fi/en in Accept-Language, else Finnish. */
static enum rk_lang pick_lang(struct MHD_Connection *c) {
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    if (q)
        return strcmp(q, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
    const char *al = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Language");
    if (al) {
        const char *fi = strstr(al, "fi"), *en = strstr(al, "en");
        if (en && (!fi || en < fi))
            return RK_LANG_EN;
    }
    return RK_LANG_FI;
}

/* ---- Routes ----------------------------------------------------------------------------- */

typedef enum MHD_Result (*route_fn)(struct rk_http_server *s, struct MHD_Connection *c,
                                    struct request *r);

static enum MHD_Result get_healthz(struct rk_http_server *s, struct MHD_Connection *c,
                                   struct request *r) {
    (void)s;
    static const char body[] = "{\"status\":\"ok\"}\n";
    return respond(c, r, 200, "application/json", body, sizeof body - 1, MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result get_privacy(struct rk_http_server *s, struct MHD_Connection *c,
                                   struct request *r) {
    const struct rk_buf *b = &s->privacy[pick_lang(c)];
    return respond(c, r, 200, "text/html; charset=utf-8", b->data, b->len, MHD_RESPMEM_PERSISTENT);
}

static enum MHD_Result get_metrics(struct rk_http_server *s, struct MHD_Connection *c,
                                   struct request *r);
static enum MHD_Result get_person(struct rk_http_server *s, struct MHD_Connection *c,
                                  struct request *r);
static enum MHD_Result post_persons(struct rk_http_server *s, struct MHD_Connection *c,
                                    struct request *r);
static enum MHD_Result get_unsubscribe(struct rk_http_server *s, struct MHD_Connection *c,
                                       struct request *r);
static enum MHD_Result post_unsubscribe(struct rk_http_server *s, struct MHD_Connection *c,
                                        struct request *r);
static enum MHD_Result get_check(struct rk_http_server *s, struct MHD_Connection *c,
                                 struct request *r);
static enum MHD_Result get_openapi(struct rk_http_server *s, struct MHD_Connection *c,
                                   struct request *r);

/* A path ending in '/' matches every path it prefixes with one more segment. */
static const struct route {
    const char *method, *path;
    route_fn fn;
    bool limited; /* public: rate-limited per client address */
} routes[] = {
    // clang-format off
    {"GET",  "/healthz",              get_healthz,      false},
    {"GET",  "/privacy",              get_privacy,      true},
    {"GET",  "/metrics",              get_metrics,      false},
    {"GET",  "/api/v1/persons/",      get_person,       false},
    {"POST", "/api/v1/persons",       post_persons,     false},
    {"GET",  "/u/",                   get_unsubscribe,  true},
    {"POST", "/u/",                   post_unsubscribe, true},
    {"GET",  "/api/v1/check",         get_check,        false},
    {"GET",  "/api/v1/openapi.json",  get_openapi,      false},
    // clang-format on
};
#define ROUTE_UNKNOWN 9
#define ROUTE_METHOD  10
/* The name of each route in logs and metrics (templates: never a real path). */
static const char *const route_names[NROUTES] = {
    "/healthz",          "/privacy",   "/metrics",      "/api/v1/persons/{id}", "/api/v1/persons",
    "/u/{token}",        "/u/{token}", "/api/v1/check", "/api/v1/openapi.json", "unknown",
    "method_not_allowed"};

bool rk_http_route(size_t i, const char **method, const char **path) {
    if (i >= sizeof routes / sizeof routes[0])
        return false;
    *method = routes[i].method;
    *path = route_names[i];
    return true;
}

static enum MHD_Result get_openapi(struct rk_http_server *s, struct MHD_Connection *c,
                                   struct request *r) {
    (void)s;
    return respond(c, r, 200, "application/json", rk_openapi_json, rk_openapi_json_len,
                   MHD_RESPMEM_PERSISTENT);
}

/* Prometheus text exposition (version 0.0.4) of the counters. */
static enum MHD_Result get_metrics(struct rk_http_server *s, struct MHD_Connection *c,
                                   struct request *r) {
    struct rk_buf b;
    rk_buf_init(&b);
    rk_buf_puts(&b, "# HELP rekisteri_http_requests_total Requests answered, by route and "
                    "status.\n# TYPE rekisteri_http_requests_total counter\n");
    for (size_t i = 0; i < NROUTES; i++)
        for (size_t j = 0; j < NSTATUS; j++) {
            unsigned long n = atomic_load(&s->metrics.requests[i][j]);
            if (!n)
                continue;
            if (statuses[j])
                rk_buf_printf(&b, "rekisteri_http_requests_total{route=\"%s\",status=\"%d\"} %lu\n",
                              route_names[i], statuses[j], n);
            else
                rk_buf_printf(&b,
                              "rekisteri_http_requests_total{route=\"%s\",status=\"other\"} "
                              "%lu\n",
                              route_names[i], n);
        }
    rk_buf_puts(&b, "# HELP rekisteri_http_request_duration_seconds Time to answer a request.\n"
                    "# TYPE rekisteri_http_request_duration_seconds histogram\n");
    unsigned long cumulative = 0;
    for (size_t k = 0; k <= NBUCKETS; k++) {
        cumulative += atomic_load(&s->metrics.le[k]);
        if (k < NBUCKETS)
            rk_buf_printf(&b, "rekisteri_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n",
                          buckets[k], cumulative);
        else
            rk_buf_printf(&b, "rekisteri_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n",
                          cumulative);
    }
    rk_buf_printf(&b,
                  "rekisteri_http_request_duration_seconds_sum %.6f\n"
                  "rekisteri_http_request_duration_seconds_count %lu\n",
                  (double)atomic_load(&s->metrics.sum_us) / 1e6, cumulative);
    rk_buf_printf(
        &b,
        "# HELP rekisteri_consents_given_total Consents recorded through the service.\n"
        "# TYPE rekisteri_consents_given_total counter\n"
        "rekisteri_consents_given_total %lu\n"
        "# HELP rekisteri_consents_withdrawn_total Consents withdrawn through the service.\n"
        "# TYPE rekisteri_consents_withdrawn_total counter\n"
        "rekisteri_consents_withdrawn_total %lu\n"
        "# HELP rekisteri_writer_queue_depth Writes waiting for the writer.\n"
        "# TYPE rekisteri_writer_queue_depth gauge\n"
        "rekisteri_writer_queue_depth %zu\n",
        atomic_load(&s->metrics.consents_given), atomic_load(&s->metrics.consents_withdrawn),
        s->writer ? rk_writer_depth(s->writer) : 0);
    enum MHD_Result ret = rk_buf_status(&b) == RK_OK
                              ? respond(c, r, 200, "text/plain; version=0.0.4; charset=utf-8",
                                        b.data, b.len, MHD_RESPMEM_MUST_COPY)
                              : error(c, r, 500, "internal", "out of memory");
    rk_buf_cleanup(&b);
    return ret;
}

static void count(struct metrics *m, int route, int status, double seconds) {
    size_t j = 0;
    while (statuses[j] && statuses[j] != status)
        j++;
    atomic_fetch_add(&m->requests[route][j], 1);
    size_t k = 0;
    while (k < NBUCKETS && seconds > buckets[k])
        k++;
    atomic_fetch_add(&m->le[k], 1);
    atomic_fetch_add(&m->sum_us, (unsigned long)(seconds * 1e6));
}

static bool path_matches(const char *pattern, const char *url) {
    size_t n = strlen(pattern);
    if (pattern[n - 1] != '/')
        return strcmp(pattern, url) == 0;
    return strncmp(pattern, url, n) == 0 && url[n] && !strchr(url + n, '/');
}

static const struct route *find_route(const char *url, const char *method, bool *path_known) {
    *path_known = false;
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!path_matches(routes[i].path, url))
            continue;
        *path_known = true;
        if (strcmp(routes[i].method, method) == 0 ||
            (strcmp(method, "HEAD") == 0 && strcmp(routes[i].method, "GET") == 0))
            return &routes[i];
    }
    return NULL;
}

/* ---- The staff API ----------------------------------------------------------------------- */

/* This thread's connection to the store, opened on first use and closed by rk_http_stop. */
static struct rk_store *store_for_thread(struct rk_http_server *s) {
    if (thread_store || !s->db)
        return thread_store;
    struct rk_store_options opt = {RK_SYNC_NORMAL, 0};
    struct rk_store *st = NULL;
    if (rk_store_open(s->db, &opt, &st) != RK_OK)
        return NULL;
    pthread_mutex_lock(&s->lock);
    if (s->nstores == MAX_STORES) {
        pthread_mutex_unlock(&s->lock);
        rk_store_close(st);
        return NULL;
    }
    s->stores[s->nstores++] = st;
    pthread_mutex_unlock(&s->lock);
    thread_store = st;
    return st;
}

/*
 * The role of the request's bearer token, or NULL after queueing the answer
 * (401 without a valid token, 503 without storage) in *ret.
 */
static const struct rk_role *authenticate(struct rk_http_server *s, struct MHD_Connection *c,
                                          struct request *r, struct rk_token *t,
                                          enum MHD_Result *ret) {
    struct rk_store *st = store_for_thread(s);
    if (!st) {
        *ret = error(c, r, 503, "unavailable", "the register's storage is not available");
        return NULL;
    }
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h || strncmp(h, "Bearer ", 7) != 0 || strlen(h + 7) != RK_TOKEN_LEN) {
        *ret = unauthorized(c, r, "missing_token", "send 'Authorization: Bearer TOKEN'");
        return NULL;
    }
    unsigned char hash[RK_HASH_LEN];
    rk_keys_token_hash(&s->keys, h + 7, hash);
    rk_err err = rk_store_token_by_hash(st, hash, t);
    if (err == RK_ENOENT || (err == RK_OK && t->revoked_at)) {
        *ret = unauthorized(c, r, "invalid_token", "the token is not valid or was revoked");
        return NULL;
    }
    if (err != RK_OK) {
        *ret = error(c, r, 503, "unavailable", "the register's storage is not available");
        return NULL;
    }
    const struct rk_role *role = rk_decl_role(s->decl, t->role);
    if (!role)
        *ret = error(c, r, 403, "forbidden", "the token's role is no longer declared");
    return role;
}

struct person_view {
    const struct rk_role *role;
    json_t *registers;
};

static int view_entry(void *ctx, const struct rk_entry *e) {
    struct person_view *v = ctx;
    if (!rk_role_grants(v->role, e->register_id, NULL))
        return 0;
    json_t *values = json_object();
    for (int f = 0; f < RK_F__COUNT; f++)
        if (e->v[f] && rk_role_grants(v->role, e->register_id, rk_field_id((enum rk_field)f)))
            json_object_set_new(values, rk_field_id((enum rk_field)f), json_string(e->v[f]));
    json_array_append_new(v->registers,
                          json_pack("{s:s, s:o}", "register", e->register_id, "values", values));
    return 0;
}

/* GET /api/v1/persons/{id}: what the token's role may see of the person. */
static enum MHD_Result get_person(struct rk_http_server *s, struct MHD_Connection *c,
                                  struct request *r) {
    struct rk_token t;
    enum MHD_Result ret = MHD_NO;
    const struct rk_role *role = authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    const char *id = strrchr(r->url, '/') + 1;
    if (!rk_id_valid(id))
        return error(c, r, 404, "not_found", "no such person");
    struct person_view v = {role, json_array()};
    rk_err err = rk_store_entries_of_person(thread_store, id, view_entry, &v);
    if (err != RK_OK) {
        json_decref(v.registers);
        return error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    if (json_array_size(v.registers) == 0) { /* unknown, or nothing this role may see */
        json_decref(v.registers);
        return error(c, r, 404, "not_found", "no such person");
    }
    json_t *doc = json_pack("{s:s, s:o}", "id", id, "registers", v.registers);
    char *body = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!body)
        return error(c, r, 500, "internal", "out of memory");
    ret = respond(c, r, 200, "application/json", body, strlen(body), MHD_RESPMEM_MUST_COPY);
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
    struct rk_msg msg;
};

static rk_err run_add(struct rk_reg *reg, void *ctx) {
    struct add_job *j = ctx;
    reg->actor = j->actor; /* the writer thread runs one job at a time */
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
 */
static enum MHD_Result post_persons(struct rk_http_server *s, struct MHD_Connection *c,
                                    struct request *r) {
    struct rk_token t;
    enum MHD_Result ret = MHD_NO;
    const struct rk_role *role = authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    json_error_t jerr;
    json_t *doc =
        json_loadb(r->body.data ? r->body.data : "", r->body.len, JSON_REJECT_DUPLICATES, &jerr);
    if (!doc || !json_is_object(doc)) {
        char msg[160];
        snprintf(msg, sizeof msg, "expected a JSON object (line %d, column %d)",
                 doc ? 1 : jerr.line, doc ? 1 : jerr.column);
        json_decref(doc);
        return error(c, r, 400, "bad_json", msg);
    }
    struct add_job *j = calloc(1, sizeof *j);
    char(*bufs)[RK_INTERESTS_MAX * 4 + 1] = calloc(RK_F__COUNT, sizeof *bufs);
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
    const char *key;
    json_t *v;
    json_object_foreach(values, key, v) {
        int f = rk_field_from_id(key);
        const char *why = NULL;
        if (f < 0 || !json_is_string(v)) {
            status = 400, code = "bad_request";
            snprintf(msg, sizeof msg, "/values/%.40s: %s", key,
                     f < 0 ? "not a contact field" : "expected a text");
            goto out;
        }
        if (!rk_role_grants(role, j->w.register_id, key)) {
            status = 403, code = "forbidden";
            snprintf(msg, sizeof msg, "/values/%s: the token's role may not write this category",
                     key);
            goto out;
        }
        if (rk_field_normalize((enum rk_field)f, json_string_value(v), bufs[f], sizeof bufs[f],
                               &why) != RK_OK) {
            status = 400, code = "bad_request";
            snprintf(msg, sizeof msg, "/values/%s: the value %s", key, why);
            goto out;
        }
        j->c.v[f] = bufs[f];
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
    switch (err) {
    case RK_OK: break;
    case RK_EREFUSED: status = 422, code = "refused"; break;
    case RK_ECONFLICT: status = 409, code = "conflict"; break;
    case RK_ENOENT: status = 404, code = "not_found"; break;
    case RK_EINVAL:
    case RK_ETOOBIG: status = 400, code = "bad_request"; break;
    default: status = 503, code = "unavailable"; break;
    }
    if (err != RK_OK)
        snprintf(msg, sizeof msg, "%s", j->msg.text[0] ? j->msg.text : rk_err_str(err));
out:
    json_decref(doc);
    if (code) {
        ret = error(c, r, status, code, msg);
    } else {
        char body[64];
        int n = snprintf(body, sizeof body, "{\"id\":\"%s\"}\n", j->id);
        ret = respond(c, r, 201, "application/json", body, (size_t)n, MHD_RESPMEM_MUST_COPY);
    }
    free(bufs);
    free(j);
    return ret;
}

/* ---- One-click unsubscribe (RFC 8058) -------------------------------------------------------- */

/* A small complete HTML page: title, one paragraph, and optionally the unsubscribe button. */
static enum MHD_Result page(struct MHD_Connection *c, struct request *r, int status,
                            enum rk_lang lang, const char *title, const char *text, bool button) {
    struct rk_buf b;
    rk_buf_init(&b);
    rk_buf_printf(&b,
                  "<!doctype html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>",
                  lang == RK_LANG_FI ? "fi" : "en");
    rk_buf_put_html(&b, title);
    rk_buf_puts(&b, "</title>\n</head>\n<body>\n<main>\n<h1>");
    rk_buf_put_html(&b, title);
    rk_buf_puts(&b, "</h1>\n<p>");
    rk_buf_put_html(&b, text);
    rk_buf_puts(&b, "</p>\n");
    if (button) {
        rk_buf_puts(&b, "<form method=\"post\">\n<input type=\"hidden\" name=\"List-Unsubscribe\" "
                        "value=\"One-Click\">\n<button type=\"submit\">");
        rk_buf_put_html(&b, lang == RK_LANG_FI ? "Peru tilaus" : "Unsubscribe");
        rk_buf_puts(&b, "</button>\n</form>\n");
    }
    rk_buf_puts(&b, "</main>\n</body>\n</html>\n");
    enum MHD_Result ret = rk_buf_status(&b) == RK_OK
                              ? respond(c, r, status, "text/html; charset=utf-8", b.data, b.len,
                                        MHD_RESPMEM_MUST_COPY)
                              : MHD_NO;
    rk_buf_cleanup(&b);
    return ret;
}

/* The link in the URL, checked; false after answering with the "not valid" page. */
static bool unsubscribe_link(struct rk_http_server *s, struct MHD_Connection *c, struct request *r,
                             enum rk_lang lang, struct rk_link *l, const struct rk_purpose **p,
                             enum MHD_Result *ret) {
    const char *token = strrchr(r->url, '/') + 1;
    if (!s->writer || rk_link_check(&s->keys, token, rk_time_now(), l) != RK_OK ||
        l->kind != RK_LINK_UNSUBSCRIBE || !(*p = rk_decl_purpose(s->decl, l->purpose))) {
        *ret = page(
            c, r, 404, lang, lang == RK_LANG_FI ? "Linkki ei ole voimassa" : "Link not valid",
            lang == RK_LANG_FI ? "Tämä peruutuslinkki on vanhentunut tai virheellinen. Voit perua "
                                 "markkinointiluvan myös ottamalla yhteyttä rekisterinpitäjään."
                               : "This unsubscribe link has expired or is not valid. You can also "
                                 "withdraw your consent by contacting the controller.",
            false);
        return false;
    }
    return true;
}

/* GET shows a button and never unsubscribes: link scanners fetch with GET. */
static enum MHD_Result get_unsubscribe(struct rk_http_server *s, struct MHD_Connection *c,
                                       struct request *r) {
    enum rk_lang lang = pick_lang(c);
    struct rk_link l;
    const struct rk_purpose *p = NULL;
    enum MHD_Result ret = MHD_NO;
    if (!unsubscribe_link(s, c, r, lang, &l, &p, &ret))
        return ret;
    char text[600];
    snprintf(text, sizeof text,
             lang == RK_LANG_FI ? "Haluatko perua suostumuksesi käsittelytarkoitukseen: %s?"
                                : "Do you want to withdraw your consent for: %s?",
             rk_text_get(&p->name, lang));
    return page(c, r, 200, lang, lang == RK_LANG_FI ? "Peru tilaus" : "Unsubscribe", text, true);
}

struct one_click {
    bool found;
};

static enum MHD_Result one_click_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                       const char *filename, const char *content_type,
                                       const char *encoding, const char *data, uint64_t off,
                                       size_t size) {
    (void)kind, (void)filename, (void)content_type, (void)encoding;
    struct one_click *oc = cls;
    if (key && strcmp(key, "List-Unsubscribe") == 0 && off == 0 && size == 9 &&
        memcmp(data, "One-Click", 9) == 0)
        oc->found = true;
    return MHD_YES;
}

struct withdraw_job {
    const struct rk_link *l;
    bool withdrawn; /* false when there was nothing left to withdraw */
};

static rk_err run_withdraw(struct rk_reg *reg, void *ctx) {
    struct withdraw_job *wj = ctx;
    const struct rk_link *l = wj->l;
    reg->actor = "self"; /* the person themself, through their link */
    struct rk_consent_input in = {.channel = "unsubscribe_link", .at = rk_time_now()};
    struct rk_msg msg;
    memset(&msg, 0, sizeof msg);
    rk_err err = rk_reg_consent(reg, l->person_id, l->purpose, RK_CE_WITHDRAWN, &in, &msg);
    wj->withdrawn = err == RK_OK;
    /* Already withdrawn, or the person erased: nothing is left to withdraw. */
    return err == RK_EREFUSED || err == RK_ENOENT ? RK_OK : err;
}

/* POST with List-Unsubscribe=One-Click (urlencoded or multipart): withdraws at once,
 * no cookie or login, answers 200 without a redirect. */
static enum MHD_Result post_unsubscribe(struct rk_http_server *s, struct MHD_Connection *c,
                                        struct request *r) {
    enum rk_lang lang = pick_lang(c);
    struct rk_link l;
    const struct rk_purpose *p = NULL;
    enum MHD_Result ret = MHD_NO;
    if (!unsubscribe_link(s, c, r, lang, &l, &p, &ret))
        return ret;
    struct one_click oc = {false};
    struct MHD_PostProcessor *pp = MHD_create_post_processor(c, 1024, one_click_field, &oc);
    if (pp) {
        if (r->body.len)
            MHD_post_process(pp, r->body.data, r->body.len);
        MHD_destroy_post_processor(pp);
    }
    if (!oc.found)
        return error(c, r, 400, "bad_request",
                     "expected the form field List-Unsubscribe=One-Click (RFC 8058)");
    struct withdraw_job wj = {&l, false};
    if (rk_writer_run(s->writer, run_withdraw, &wj) != RK_OK)
        return page(c, r, 503, lang, lang == RK_LANG_FI ? "Yritä myöhemmin" : "Try again later",
                    lang == RK_LANG_FI ? "Peruutus ei onnistunut juuri nyt."
                                       : "The unsubscription could not be recorded just now.",
                    false);
    if (wj.withdrawn)
        atomic_fetch_add(&s->metrics.consents_withdrawn, 1);
    return page(c, r, 200, lang, lang == RK_LANG_FI ? "Tilaus peruttu" : "Unsubscribed",
                lang == RK_LANG_FI ? "Suostumuksesi on peruttu, eikä sinulle enää lähetetä "
                                     "markkinointiviestejä tähän tarkoitukseen."
                                   : "Your consent has been withdrawn; you will receive no more "
                                     "marketing messages for this purpose.",
                false);
}

/* ---- GET /api/v1/check?email=...|phone=...&purpose=... ----------------------------------------
 */

/* May this person be contacted for this purpose now? The token's role must be
 * granted a register that declares the purpose. */
static enum MHD_Result get_check(struct rk_http_server *s, struct MHD_Connection *c,
                                 struct request *r) {
    struct rk_token t;
    enum MHD_Result ret = MHD_NO;
    const struct rk_role *role = authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    const char *email = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "email");
    const char *phone = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "phone");
    const char *purpose = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "purpose");
    if (!purpose || !email == !phone)
        return error(c, r, 400, "bad_request", "give purpose and one of email or phone");
    bool granted = false;
    for (size_t i = 0; i < s->decl->nregisters && !granted; i++) {
        const struct rk_register *reg = &s->decl->registers[i];
        for (size_t j = 0; j < reg->npurposes && !granted; j++)
            granted =
                strcmp(reg->purposes[j]->id, purpose) == 0 && rk_role_grants(role, reg->id, NULL);
    }
    if (!granted && rk_decl_purpose(s->decl, purpose))
        return error(c, r, 403, "forbidden",
                     "the token's role is granted no register declaring this purpose");
    struct rk_reg reg = s->reads;
    reg.store = thread_store;
    reg.actor = t.name;
    struct rk_contact_answer a;
    struct rk_msg msg;
    memset(&msg, 0, sizeof msg);
    rk_err err = rk_reg_may_contact(&reg, email ? RK_F_EMAIL : RK_F_PHONE, email ? email : phone,
                                    purpose, rk_time_now(), &a, &msg);
    if (err == RK_EINVAL)
        return error(c, r, 400, "bad_request", msg.text);
    if (err != RK_OK)
        return error(c, r, 503, "unavailable", "the register's storage is not available");
    json_t *doc = json_pack("{s:b, s:s, s:s?}", "allowed", a.allowed, "reason", a.reason, "person",
                            a.person_id[0] ? a.person_id : NULL);
    char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
    json_decref(doc);
    if (!body)
        return error(c, r, 500, "internal", "out of memory");
    ret = respond(c, r, 200, "application/json", body, strlen(body), MHD_RESPMEM_MUST_COPY);
    free(body);
    return ret;
}

/* Takes one token from the client's bucket; false (and the seconds to wait) when empty. */
static bool rate_ok(struct limiter *l, struct MHD_Connection *c, unsigned *retry_after) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    unsigned char addr[16] = {0};
    if (ci && ci->client_addr) {
        if (ci->client_addr->sa_family == AF_INET)
            memcpy(addr, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, 4);
        else if (ci->client_addr->sa_family == AF_INET6)
            memcpy(addr, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, 16);
    }
    size_t h = 5381;
    for (size_t i = 0; i < sizeof addr; i++)
        h = h * 33 + addr[i];
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    pthread_mutex_lock(&l->lock);
    struct bucket *b = &l->slots[h % LIMIT_SLOTS];
    if (memcmp(b->addr, addr, sizeof addr) != 0 || (b->last.tv_sec == 0 && b->last.tv_nsec == 0)) {
        memcpy(b->addr, addr, sizeof addr);
        b->tokens = BURST;
    } else {
        double dt =
            (double)(now.tv_sec - b->last.tv_sec) + (double)(now.tv_nsec - b->last.tv_nsec) / 1e9;
        b->tokens = b->tokens + dt * RATE > BURST ? BURST : b->tokens + dt * RATE;
    }
    b->last = now;
    bool ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    else
        *retry_after = (unsigned)((1.0 - b->tokens) / RATE) + 1;
    pthread_mutex_unlock(&l->lock);
    return ok;
}

static enum MHD_Result too_many(struct MHD_Connection *c, struct request *r, unsigned retry) {
    static const char body[] =
        "{\"error\":{\"code\":\"rate_limited\",\"message\":\"too many requests; try again "
        "later\"}}\n";
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
    if (!resp)
        return MHD_NO;
    char secs[16];
    snprintf(secs, sizeof secs, "%u", retry);
    for (size_t i = 0; i < sizeof security_headers / sizeof security_headers[0]; i++)
        MHD_add_response_header(resp, security_headers[i][0], security_headers[i][1]);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    r->status = 429;
    enum MHD_Result ret = MHD_queue_response(c, 429, resp);
    MHD_destroy_response(resp);
    return ret;
}

/* ---- libmicrohttpd callbacks --------------------------------------------------------------- */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **state) {
    (void)version;
    struct rk_http_server *s = cls;
    struct request *r = *state;
    if (!r) { /* first call: only set up, answer on the next one (keep-alive) */
        r = calloc(1, sizeof *r);
        if (!r)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &r->start);
        r->route = "unknown";
        r->route_index = ROUTE_UNKNOWN;
        *state = r;
        return MHD_YES;
    }
    if (*upload_size) { /* keep the body up to MAX_BODY; count the rest, refuse when done */
        if (r->body.len + *upload_size <= MAX_BODY)
            rk_buf_append(&r->body, upload_data, *upload_size);
        else
            r->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    bool path_known;
    const struct route *rt = find_route(url, method, &path_known);
    if (r->too_big)
        return error(c, r, 413, "too_large", "the request body is too large");
    if (!rt) {
        if (path_known) {
            r->route = "method_not_allowed";
            r->route_index = ROUTE_METHOD;
            return error(c, r, 405, "method_not_allowed", "this path does not take that method");
        }
        return error(c, r, 404, "not_found", "no such page");
    }
    r->route = route_names[rt - routes];
    r->route_index = (int)(rt - routes);
    r->url = url;
    unsigned retry = 0;
    if (rt->limited && !rate_ok(&s->limiter, c, &retry))
        return too_many(c, r, retry);
    return rt->fn(s, c, r);
}

/* Logs the finished request: route, status and duration; never the URL. */
static void on_completed(void *cls, struct MHD_Connection *c, void **state,
                         enum MHD_RequestTerminationCode why) {
    struct rk_http_server *s = cls;
    (void)c;
    struct request *r = *state;
    if (!r)
        return;
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ms = (double)(end.tv_sec - r->start.tv_sec) * 1e3 +
                (double)(end.tv_nsec - r->start.tv_nsec) / 1e6;
    count(&s->metrics, r->route_index, r->status, ms / 1e3);
    char ts[RK_TS_LEN + 1];
    rk_ts_format(rk_time_now(), ts);
    fprintf(stderr,
            "{\"ts\":\"%s\",\"event\":\"request\",\"route\":\"%s\",\"status\":%d,"
            "\"ms\":%.3f%s}\n",
            ts, r->route, r->status, ms,
            why == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : ",\"aborted\":true");
    rk_buf_cleanup(&r->body);
    free(r);
    *state = NULL;
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

rk_err rk_http_start(const struct rk_http_config *cfg, struct rk_http_server **out, char *err,
                     size_t errsz) {
    struct sockaddr_in sa;
    if (!parse_listen(cfg->listen, &sa)) {
        snprintf(err, errsz, "--listen: expected an IPv4 ADDRESS:PORT such as 127.0.0.1:8080");
        return RK_EINVAL;
    }
    struct rk_http_server *s = calloc(1, sizeof *s);
    if (!s)
        return RK_ENOMEM;
    s->decl = cfg->decl;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->limiter.lock, NULL);
    if (cfg->db && cfg->keys) {
        s->db = cfg->db;
        s->keys = *cfg->keys;
        if (rk_reg_init(&s->reads, cfg->decl, NULL, cfg->keys, "api") != RK_OK ||
            rk_writer_start(cfg->db, cfg->decl, cfg->keys, &s->writer) != RK_OK) {
            snprintf(err, errsz, "cannot open the database %s for writing", cfg->db);
            rk_http_stop(s);
            return RK_EIO;
        }
    }
    for (int lang = 0; lang < 2; lang++) {
        rk_buf_init(&s->privacy[lang]);
        if (rk_notice_render(cfg->decl, (enum rk_lang)lang, RK_NOTICE_HTML, &s->privacy[lang]) !=
            RK_OK) {
            rk_http_stop(s);
            return RK_ENOMEM;
        }
    }
    s->daemon = MHD_start_daemon(
        MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC, 0, NULL, NULL, on_request, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_THREAD_POOL_SIZE,
        (unsigned)(cfg->threads ? cfg->threads : 2), MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)1000, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        (size_t)(32 * 1024), MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_END);
    if (!s->daemon) {
        snprintf(err, errsz, "cannot listen on %s (address in use or not available)", cfg->listen);
        rk_http_stop(s);
        return RK_EIO;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : ntohs(sa.sin_port);
    *out = s;
    return RK_OK;
}

unsigned rk_http_port(const struct rk_http_server *s) { return s->port; }

void rk_http_stop(struct rk_http_server *s) {
    if (!s)
        return;
    if (s->daemon) {
        MHD_quiesce_daemon(s->daemon); /* stop accepting; requests in progress finish */
        MHD_stop_daemon(s->daemon);
    }
    rk_writer_stop(s->writer); /* after the requests that use it have finished */
    for (int lang = 0; lang < 2; lang++)
        rk_buf_cleanup(&s->privacy[lang]);
    for (size_t i = 0; i < s->nstores; i++)
        rk_store_close(s->stores[i]);
    pthread_mutex_destroy(&s->lock);
    pthread_mutex_destroy(&s->limiter.lock);
    free(s);
}
