/*
 * server.h — the HTTP service: GNU libmicrohttpd with an internal epoll
 * thread pool, bound to one address, answering through a route table.
 *
 * This is the first slice of the service (issue 4): the server's life cycle
 * (start on an address, report the port, stop gracefully), the response
 * rules every route shares (security headers, JSON errors, no personal data
 * in logs), the public pages /healthz, /privacy and /metrics, and the first
 * staff route: bearer tokens checked against the store, and GET
 * /api/v1/persons/{id} showing only what the token's role is granted.
 */
#ifndef RK_HTTP_SERVER_H
#define RK_HTTP_SERVER_H

#include <stdbool.h>
#include <stddef.h>

#include "decl/decl.h"
#include "util/err.h"

struct rk_http_server;

/* Where /metrics goes when --listen is not a loopback address and --metrics-listen is not
 * given: loopback only, on the port OpenTelemetry's Prometheus exporter uses by default. */
#define RK_HTTP_METRICS_LISTEN "127.0.0.1:9464"

struct rk_keys;
struct rk_smtp_config;

struct rk_http_config {
    const char *listen;         /* "127.0.0.1:8080"; port 0 picks a free one */
    const struct rk_decl *decl; /* borrowed; must outlive the server */
    unsigned threads;           /* 0: 2 */
    const char *db;             /* the database for /api/v1; NULL: the API answers 503 */
    const struct rk_keys *keys; /* with db: the key (copied) */
    /* With db: the relay the outbox is delivered through (copied; src/mail/mail.h).
     * NULL: nothing is sent and the outbox fills; the queue is still counted. */
    const struct rk_smtp_config *smtp;
    /* The address people reach the public pages at, for links in emails
     * ("https://rekisteri.example.fi"); NULL: http://ADDRESS:PORT of --listen. */
    const char *public_url;
    /* Requests a second per client address on the public routes (bursts of four
     * times as many, at least 20): 0 means the default 5, a negative value no limit. */
    double public_rate;
    /* Seconds a connection may sit idle, and a request may take to arrive
     * whole (slow clients are cut off); 0: 10. */
    long request_timeout;
    /* Seconds a connection may take to send a request's whole header block, counted from
     * when it connected or its last answer ended; later it is closed (a trickle does not
     * reset it, unlike request_timeout). 0: 10. */
    long header_timeout;
    /* Connections one client address may hold open at once (further ones are closed on
     * accept): 0 means the default 64, a negative value no cap. */
    int max_per_address;
    /* Where /metrics is served apart, "ADDRESS:PORT" (port 0 picks a free one), or "off"
     * for nowhere. NULL: on the main listener when it is a loopback address (127/8), else
     * apart on RK_HTTP_METRICS_LISTEN. Whenever it is served apart, the main listener
     * answers /metrics 404 like any unknown path. */
    const char *metrics_listen;
    /* Seconds between runs of the retention sweep (core/sweep.h) in the service:
     * 0 means an hour, a negative value never. */
    long sweep_interval;
    /* Seconds between sync passes of the recipients whose connector is a client (Mailchimp,
     * Salesforce; http/recipients_sync.c): 0 means 30. */
    long sync_interval;
    /* With db: the erasure journal every art 17 erasure is appended to (core/journal.h);
     * borrowed, must outlive the server. NULL: erasures are not journaled. */
    const char *journal;
    /* With db: the database cannot be written (cli_serve.c found it read-only). Reads and
     * the public pages work; every write is answered 503 storage_unavailable; no mail
     * or recipient notices are sent and no sweep runs. */
    bool read_only;
    /* Console sessions (core/staff.h): seconds a session may sit idle and may last in all;
     * 0 takes the defaults (30 minutes, 12 hours). */
    long session_idle, session_max;
};

/* Starts serving. err (may be NULL) gets a one-line reason on failure (bad address, port
 * in use). */
RK_MUST_USE rk_err rk_http_start(const struct rk_http_config *cfg, struct rk_http_server **out,
                                 struct rk_error *err);

/* The port the server is bound to. */
unsigned rk_http_port(const struct rk_http_server *s);

/* The port of the separate /metrics listener; 0 when there is none. */
unsigned rk_http_metrics_port(const struct rk_http_server *s);

/* The OpenAPI 3.1 document of the routes (src/http/openapi.json, embedded). */
extern const char *const rk_openapi_json;
extern const size_t rk_openapi_json_len;

/* The routes, for checking them against the document: the i-th route's
 * method and path template ("/api/v1/persons/{id}"); false past the last. */
bool rk_http_route(size_t i, const char **method, const char **path);

/*
 * Running instances and a rotated key (core/rotate.h, "Running instances"): serve.c watches
 * the database's key generation and calls these.
 *
 * rk_http_key_behind: the database has been rotated past the server's key and this machine's
 * key file does not hold the new generation yet: /healthz answers 503 (a load balancer takes
 * the instance out) until rk_http_rekey or false. Writes are refused by the store meanwhile
 * (RK_ESTALE, answered 503).
 *
 * rk_http_rekey: takes k (copied) as the server's key. Every part that holds the key is
 * stopped and started again around the swap, so no request and no worker ever mixes two
 * generations: the listener stops accepting (its socket stays open, so new connections wait
 * in the kernel's queue and are not refused), the requests in progress and the queued writes
 * finish, the writer, the mail sender, the recipients' deliverer and sync, the overdue timer
 * and the sweep stop; the erasure journal gets its marker for k's generation (when this
 * machine's lacks it); then all start again under k on the same socket. Metrics, the rate
 * limit and the /metrics listener carry on. On failure the server is stopped and cannot be
 * used (the caller exits: a supervisor starts it afresh); err says why.
 */
void rk_http_key_behind(struct rk_http_server *s, bool behind);
RK_MUST_USE rk_err rk_http_rekey(struct rk_http_server *s, const struct rk_keys *k,
                                 struct rk_error *err);

/* Stops accepting, lets the requests in progress finish, and frees the server. */
void rk_http_stop(struct rk_http_server *s);

#endif
