/*
 * service.h — what every file of the HTTP service shares and nothing outside
 * src/http/ sees: the server and request structs, the limits, the handler
 * signature (RK_HTTP_HANDLER) and the per-thread store (service.c). It
 * includes no other header of http/ but the writer's and the limiter's, so
 * that any module may include it without a cycle. rk_http_route_name and
 * rk_http_route_names are defined with the route table (server.c).
 */
#ifndef RK_HTTP_SERVICE_H
#define RK_HTTP_SERVICE_H

#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "base/tz.h"
#include "connect/connect.h"
#include "core/mail_limit.h"
#include "core/register.h"
#include "http/limiter.h"
#include "http/writer.h"
#include "keys/keys.h"
#include "mail/mail.h"
#include "util/buf.h"

#define RK_HTTP_MAX_BODY ((size_t)64 * 1024) /* unless the route sets its own limit */
#define RK_HTTP_MAX_IMPORT ((size_t)16 * 1024 * 1024) /* POST /api/v1/import */
#define RK_HTTP_MAX_ROUTES 128 /* server.c's routes, then "unknown" and "method_not_allowed" */
#define RK_HTTP_MAX_PARAMS 2  /* "{name}" segments in one route's path */
#define RK_HTTP_PARAM_MAX  256 /* longer than any id or link token (RK_LINK_MAX) */
#define RK_HTTP_NSTATUS  16 /* statuses counted apart in the metrics, the last "other" */
#define RK_HTTP_NBUCKETS 8  /* latency histogram buckets, +Inf apart */
#define RK_HTTP_STORES   64
#define RK_HTTP_REKEY_DRAIN_MS 5000 /* rk_http_rekey waits this long at most for requests */

/* The answer to a write the database could not take (disk full, read-only, I/O error). */
#define RK_HTTP_STORAGE_CODE "storage_unavailable"
#define RK_HTTP_STORAGE_MESSAGE                                                                    \
    "the database could not be written (disk full, read-only or failing); nothing was saved; "     \
    "try again later"
#define RK_HTTP_RETRY_AFTER "30" /* seconds, on every 503 */

struct rk_http_metrics {
    atomic_ulong requests[RK_HTTP_MAX_ROUTES][RK_HTTP_NSTATUS];
    atomic_ulong le[RK_HTTP_NBUCKETS + 1]; /* per bucket here; cumulative at output */
    atomic_ulong sum_us;
    atomic_ulong consents_given, consents_withdrawn;
    atomic_ulong mail_withheld[RK_MAILC__COUNT]; /* by the mail limit, by enum rk_mail_class */
};

/* conns.c: the connections, tracked for the header deadline (its design comment). */
struct rk_http_conn;
struct rk_http_conns {
    pthread_mutex_t lock;
    pthread_cond_t wake;              /* on CLOCK_MONOTONIC */
    struct rk_http_conn *head, *tail; /* waiting for a header block, the first due first */
    int64_t timeout_ns;               /* --header-timeout */
    int64_t timer_until;              /* ns: the timer sleeps until then; 0 while it runs */
    size_t open;                      /* connections between STARTED and CLOSED */
    atomic_ulong timeouts;            /* connections shut down for an overdue header block */
    bool initialised, running, stop;
    pthread_t thread;
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
    bool read_only;           /* the database cannot be written: reads only, writes 503 */
    struct rk_reg *reads;     /* the register rules for reads, in reads_room; copied per request
                                 onto the thread's store and the token's name (rk_reg_copy) */
    struct rk_reg_room reads_room;
    rk_limiter *limiter;      /* the public routes' rate limit per address; NULL: none */
    struct rk_http_conns conns; /* connections and the header deadline (conns.c) */
    bool metrics_here;        /* /metrics on this listener (loopback, no --metrics-listen) */
    struct MHD_Daemon *metrics_daemon; /* --metrics-listen: /metrics alone; NULL: none */
    unsigned metrics_port;    /* metrics_daemon's */
    struct rk_sender *sender; /* delivers the outbox (src/mail/sender.c); NULL without db */
    struct rk_deliverer *deliverer; /* art 19 notices to recipients (src/connect/); NULL without db */
    struct rk_http_syncer *syncer; /* the client recipients' sync (recipients_sync.c); NULL: none */
    long request_timeout;     /* seconds: idle connections, and a whole request's upload */
    long sweep_interval;      /* seconds between retention sweeps; 0: none */
    char public_url[256];     /* without a trailing '/' */
    char origin[256];         /* scheme://host[:port] of public_url: same-origin form posts */
    /* Data-subject requests: the controller's time zone (NULL without db), and the overdue
     * count kept by a timer thread (requests_overdue.c), not counted per scrape. */
    struct rk_tz *tz;
    atomic_long requests_overdue; /* -1 until first counted */
    pthread_t overdue_thread;
    bool overdue_running;
    pthread_mutex_t overdue_lock;
    pthread_cond_t overdue_wake;
    bool overdue_stop;
    /* Console sessions: their timeouts in seconds (core/staff.h; 0: the defaults). */
    long session_idle, session_max;
    bool mail_configured; /* --smtp given: setup links made by the API are emailed too */
    /* What rk_http_rekey starts again (server.c): the configuration it needs, kept from
     * rk_http_start (journal borrowed, as there; smtp copied when mail_configured). */
    const char *journal;
    long sync_interval;
    struct rk_smtp_config smtp;
    unsigned threads, per_address;
    atomic_bool key_behind; /* rk_http_key_behind: /healthz answers 503 */
    atomic_long in_flight;  /* requests between their request line and their end (server.c) */
};

/* One request's state between the handler's calls. */
struct rk_http_request {
    struct timespec start;
    const char *route;
    const char *url; /* borrowed from libmicrohttpd for the request's life */
    const char *method; /* borrowed from libmicrohttpd, as url */
    int route_index;
    char param[RK_HTTP_MAX_PARAMS][RK_HTTP_PARAM_MAX + 1]; /* the path's "{name}" segments */
    struct rk_buf body; /* up to max_body bytes */
    size_t max_body;    /* the route's limit, RK_HTTP_MAX_BODY by default */
    bool too_big;
    int status;
    bool begun;            /* the handler has been called: the head was checked (framing.c) */
    int found;             /* the route the first call matched (its index), or -1 for none ... */
    bool path_known;       /* ... and whether any route has its path (405 then; server.c) */
    const char *target_in; /* the request target in libmicrohttpd's buffer: where it lay */
    size_t target_len;
    char target[]; /* the request target as received, copied before it is decoded */
};

typedef enum MHD_Result rk_http_result;

#define RK_HTTP_HANDLER(name)                                                                      \
    rk_http_result name(struct rk_http_server *s, struct MHD_Connection *c,                        \
                        struct rk_http_request *r)

/* The name of route i in logs and metrics (the route table's template, or "unknown" and
 * "method_not_allowed" for the two pseudo-routes), and how many names there are. */
const char *rk_http_route_name(int i);
int rk_http_route_names(void);

/* This thread's connection to the store (NULL when there is none), closed by rk_http_stop. */
struct rk_store *rk_http_thread_store(struct rk_http_server *s);

#endif
