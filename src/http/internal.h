/*
 * internal.h — what the files of the HTTP service share and nothing outside
 * src/http/ sees: the server and request structs, the response helpers that
 * keep every answer uniform (security headers, JSON errors), authentication,
 * the per-thread store, and the route handlers of api.c and unsubscribe.c.
 */
#ifndef RK_HTTP_INTERNAL_H
#define RK_HTTP_INTERNAL_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "core/keys.h"
#include "core/register.h"
#include "http/server.h"
#include "http/writer.h"
#include "mail/mail.h"
#include "util/buf.h"

#define RK_HTTP_MAX_BODY ((size_t)64 * 1024)
#define RK_HTTP_MAX_ROUTES 64 /* server.c's routes, then "unknown" and "method_not_allowed" */
#define RK_HTTP_MAX_PARAMS 2  /* "{name}" segments in one route's path */
#define RK_HTTP_PARAM_MAX  256 /* longer than any id or link token (RK_LINK_MAX) */
#define RK_HTTP_NSTATUS  13 /* statuses counted apart in the metrics, the last "other" */
#define RK_HTTP_NBUCKETS 8  /* latency histogram buckets, +Inf apart */
#define RK_HTTP_STORES   64

struct rk_http_metrics {
    atomic_ulong requests[RK_HTTP_MAX_ROUTES][RK_HTTP_NSTATUS];
    atomic_ulong le[RK_HTTP_NBUCKETS + 1]; /* per bucket here; cumulative at output */
    atomic_ulong sum_us;
    atomic_ulong consents_given, consents_withdrawn;
};

/*
 * Per-address rate limit of the public routes: a token bucket per client
 * address (IPv4 or IPv6, hashed into a fixed table; a collision only shares a
 * bucket).
 */
#define RK_HTTP_LIMIT_SLOTS 4096

struct rk_http_bucket {
    unsigned char addr[16];
    double tokens;
    struct timespec last;
};

struct rk_http_limiter {
    pthread_mutex_t lock;
    double rate; /* requests a second per address; bursts of 4 × rate, at least 20; 0: off */
    struct rk_http_bucket slots[RK_HTTP_LIMIT_SLOTS];
};

struct rk_http_server {
    struct MHD_Daemon *daemon;
    struct rk_http_metrics metrics;
    const struct rk_decl *decl;
    struct rk_buf privacy[2]; /* the notice as HTML, fi and en, rendered once */
    unsigned port;
    /* The API's storage: one connection per server thread, opened on first use. */
    const char *db;
    struct rk_keys keys;
    pthread_mutex_t lock;
    struct rk_store *stores[RK_HTTP_STORES];
    size_t nstores;
    struct rk_writer *writer; /* all writes go through it (group commit) */
    struct rk_reg reads;      /* the register rules for reads; store and actor set per request */
    struct rk_http_limiter limiter;
    struct rk_sender *sender; /* delivers the outbox (src/mail/sender.c); NULL without db */
    char public_url[256];     /* without a trailing '/' */
    char origin[256];         /* scheme://host[:port] of public_url: same-origin form posts */
};

/* One request's state between the handler's calls. */
struct rk_http_request {
    struct timespec start;
    const char *route;
    const char *url; /* borrowed from libmicrohttpd for the request's life */
    int route_index;
    char param[RK_HTTP_MAX_PARAMS][RK_HTTP_PARAM_MAX + 1]; /* the path's "{name}" segments */
    struct rk_buf body; /* up to RK_HTTP_MAX_BODY bytes */
    bool too_big;
    int status;
};

typedef enum MHD_Result rk_http_result;
#define RK_HTTP_HANDLER(name)                                                                      \
    rk_http_result name(struct rk_http_server *s, struct MHD_Connection *c,                        \
                        struct rk_http_request *r)

/* Queues a response with the security headers; body is copied or kept per mode. */
rk_http_result rk_http_respond(struct MHD_Connection *c, struct rk_http_request *r, int status,
                               const char *type, const char *body, size_t len,
                               enum MHD_ResponseMemoryMode mode);
/* As rk_http_respond, with n more headers (name, value). */
rk_http_result rk_http_respond_with(struct MHD_Connection *c, struct rk_http_request *r, int status,
                                    const char *type, const char *body, size_t len,
                                    enum MHD_ResponseMemoryMode mode,
                                    const char *const (*headers)[2], size_t n);
/* A JSON error; code is a short stable word, message a sentence without personal data. */
rk_http_result rk_http_error(struct MHD_Connection *c, struct rk_http_request *r, int status,
                             const char *code, const char *message);
/* 401 with the challenge RFC 6750 asks for. */
rk_http_result rk_http_unauthorized(struct MHD_Connection *c, struct rk_http_request *r,
                                    const char *code, const char *message);
/* ?lang=fi|en, else the first of fi/en in Accept-Language, else Finnish. */
enum rk_lang rk_http_lang(struct MHD_Connection *c);
/* This thread's connection to the store (NULL when there is none), closed by rk_http_stop. */
struct rk_store *rk_http_thread_store(struct rk_http_server *s);
/* The role of the request's bearer token, or NULL after queueing the answer in *ret. */
const struct rk_role *rk_http_authenticate(struct rk_http_server *s, struct MHD_Connection *c,
                                           struct rk_http_request *r, struct rk_token *t,
                                           rk_http_result *ret);

/* Records a staff read in the audit chain through the writer (not awaited);
 * a failure is logged, without personal data, and counted. */
void rk_http_audit(struct rk_http_server *s, const struct rk_token *t, const char *action,
                   const char *person_id, const char *detail);

/* api.c */
RK_HTTP_HANDLER(rk_http_get_person);
RK_HTTP_HANDLER(rk_http_post_persons);
RK_HTTP_HANDLER(rk_http_get_check);
/* pages.c: the small HTML pages of the public side, all in one shape. */
struct rk_page {
    struct rk_buf b;
    enum rk_lang lang;
};
/* Starts a page: the head, <main> and the title as <h1>. */
void rk_page_begin(struct rk_page *p, enum rk_lang lang, const char *title);
/* A paragraph of text (escaped). */
void rk_page_text(struct rk_page *p, const char *text);
/* A POST form to the same URL with hidden fields (name, value pairs, n of them) and a button. */
void rk_page_button(struct rk_page *p, const char *const (*hidden)[2], size_t n,
                    const char *label);
/* Finishes the page, queues it with status, and frees it. */
rk_http_result rk_page_end(struct rk_page *p, struct MHD_Connection *c, struct rk_http_request *r,
                           int status);
/* The client's address as text, for consent evidence (empty when unknown). */
void rk_http_client_ip(struct MHD_Connection *c, char *out, size_t n);

/* forms.c */
RK_HTTP_HANDLER(rk_http_get_form);
RK_HTTP_HANDLER(rk_http_post_form);
RK_HTTP_HANDLER(rk_http_options_form);
RK_HTTP_HANDLER(rk_http_get_confirm);
RK_HTTP_HANDLER(rk_http_post_confirm);
/* preferences.c */
RK_HTTP_HANDLER(rk_http_get_preferences);
RK_HTTP_HANDLER(rk_http_post_preferences);
/* unsubscribe.c */
RK_HTTP_HANDLER(rk_http_get_unsubscribe);
RK_HTTP_HANDLER(rk_http_post_unsubscribe);

#endif
