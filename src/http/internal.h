/*
 * internal.h — what the files of the HTTP service share and nothing outside
 * src/http/ sees: the server and request structs, the response helpers that
 * keep every answer uniform (security headers, JSON errors), authentication,
 * the per-thread store, and the route handlers of api.c and unsubscribe.c.
 */
#ifndef RK_HTTP_INTERNAL_H
#define RK_HTTP_INTERNAL_H

#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>

#include "keys/keys.h"
#include "core/mail_limit.h"
#include "base/tz.h"
#include "core/register.h"
#include "core/view.h"
#include "http/framing.h"
#include "http/limiter.h"
#include "http/server.h"
#include "http/writer.h"
#include "connect/connect.h"
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
    struct rk_reg reads;      /* the register rules for reads; store and actor set per request */
    rk_limiter *limiter;      /* the public routes' rate limit per address; NULL: none */
    struct rk_http_conns conns; /* connections and the header deadline (conns.c) */
    bool metrics_here;        /* /metrics on this listener (loopback, no --metrics-listen) */
    struct MHD_Daemon *metrics_daemon; /* --metrics-listen: /metrics alone; NULL: none */
    unsigned metrics_port;    /* metrics_daemon's */
    struct rk_sender *sender; /* delivers the outbox (src/mail/sender.c); NULL without db */
    struct rk_deliverer *deliverer; /* art 19 notices to recipients (src/connect/); NULL without db */
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
    const char *target_in; /* the request target in libmicrohttpd's buffer: where it lay */
    size_t target_len;
    char target[]; /* the request target as received, copied before it is decoded */
};

typedef enum MHD_Result rk_http_result;

/*
 * framing.c: whether the head of c's request frames it in exactly one way
 * (http/framing.h), read out of libmicrohttpd on the handler's first call:
 * the fields with their lengths, and where each part lay in the head. False
 * with the refusal in *out (500 when memory runs out).
 */
bool rk_http_head_ok(struct MHD_Connection *c, const char *method, const char *version,
                     const struct rk_http_request *r, struct rk_http_verdict *out);

#define RK_HTTP_HANDLER(name)                                                                      \
    rk_http_result name(struct rk_http_server *s, struct MHD_Connection *c,                        \
                        struct rk_http_request *r)

/* The name of route i in logs and metrics (the route table's template, or "unknown" and
 * "method_not_allowed" for the two pseudo-routes), and how many names there are. */
const char *rk_http_route_name(int i);
int rk_http_route_names(void);

/* metrics.c: counts one answered request; answers GET /metrics with the exposition. */
void rk_http_metrics_count(struct rk_http_metrics *m, int route, int status, double seconds);
rk_http_result rk_http_get_metrics(struct rk_http_server *s, struct MHD_Connection *c,
                                   struct rk_http_request *r);

/* Queues a response with the security headers; body is copied or kept per mode. */
rk_http_result rk_http_respond(struct MHD_Connection *c, struct rk_http_request *r, int status,
                               const char *type, const char *body, size_t len,
                               enum MHD_ResponseMemoryMode mode);
/* As rk_http_respond, with n more headers (name, value). */
rk_http_result rk_http_respond_with(struct MHD_Connection *c, struct rk_http_request *r, int status,
                                    const char *type, const char *body, size_t len,
                                    enum MHD_ResponseMemoryMode mode,
                                    const char *const (*headers)[2], size_t n);
/* Queues resp (taken; NULL answers MHD_NO) with the security headers and the content type. */
rk_http_result rk_http_queue(struct MHD_Connection *c, struct rk_http_request *r, int status,
                             const char *type, struct MHD_Response *resp);
/* A JSON error; code is a short stable word, message a sentence without personal data. */
rk_http_result rk_http_error(struct MHD_Connection *c, struct rk_http_request *r, int status,
                             const char *code, const char *message);
/* As rk_http_error, with what people are shown (the console): the field the error concerns
 * and the error as a Finnish sentence, each left out when NULL or empty. Never a value. */
rk_http_result rk_http_error_for_people(struct MHD_Connection *c, struct rk_http_request *r,
                                        int status, const char *code, const char *message,
                                        const char *field, const char *fi);
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

/* rk_http_authenticate, then the capabilities cap (rk_cap bits, core/view.h) the route needs:
 * NULL after queueing 403 "forbidden" naming the one missing. *caps (when not NULL) gets all
 * the role has, for routes whose answer depends on them. */
const struct rk_role *rk_http_authorize(struct rk_http_server *s, struct MHD_Connection *c,
                                        struct rk_http_request *r, unsigned cap,
                                        struct rk_token *t, unsigned *caps, rk_http_result *ret);

/* Records a staff read in the audit chain through the writer (not awaited);
 * a failure is logged, without personal data, and counted. */
void rk_http_audit(struct rk_http_server *s, const struct rk_token *t, const char *action,
                   const char *person_id, const char *detail);

/* body.c: the JSON request-body parser every JSON handler uses. */
#define RK_JSON_MAX_DEPTH  16   /* nested objects and arrays */
#define RK_JSON_MAX_VALUES 1000 /* values in one document */
#define RK_JSON_MAX_STRING 4096 /* bytes of one text or key, decoded */
#define RK_JSON_MAX_NUMBER 64   /* characters of one number */
#define RK_JSON_KEY_SHOWN  40   /* keys up to this long (identifiers) are named in messages */
#define RK_JSON_ERR_MAX    320

/*
 * Parses len bytes of JSON (RFC 8259, UTF-8) under the limits above and
 * refuses duplicate keys and U+0000 in texts. On success *out is a new ref.
 * On failure RK_EPARSE with a message in err (errsz bytes) naming the line,
 * column and JSON pointer ("line 2, column 5 (at /values/email): a key
 * appears twice in one object"); keys are named only when they are short
 * identifiers, and values never. RK_ENOMEM when memory runs out.
 */
RK_MUST_USE rk_err rk_json_parse(const char *data, size_t len, json_t **out, char *err,
                                 size_t errsz);
/*
 * Whether a Content-Type value (NULL: none was sent) is the media type want
 * ("application/json"), in any case, with no parameter but an optional
 * charset=utf-8 (RFC 9110 section 8.3).
 */
bool rk_http_media_type_is(const char *ct, const char *want);
/* The request body as a JSON object (new ref), or NULL after queueing the answer in *ret:
 * 415 unless the body was sent as application/json (rk_http_media_type_is), 400 when it is
 * not a JSON object within the limits. */
json_t *rk_http_json_body(struct MHD_Connection *c, struct rk_http_request *r,
                          rk_http_result *ret);

/* api_persons.c: what the staff handlers share. */
/* A refusal being prepared: status, stable code, message without personal data. */
struct rk_http_refusal {
    int status;
    const char *code; /* NULL: none */
    char message[400];
    char field[32]; /* the body member it concerns, for people ("email"); "": none */
    char fi[400];   /* the refusal as a Finnish sentence, for people; "": none */
};
/* Answers the refusal: {"error":{"code","message","field"?,"fi"?}}. */
rk_http_result rk_http_refused(struct MHD_Connection *c, struct rk_http_request *r,
                               const struct rk_http_refusal *no);
__attribute__((format(printf, 4, 5))) void rk_http_refuse(struct rk_http_refusal *out, int status,
                                                          const char *code, const char *fmt, ...);
/* Answers with doc rendered compactly (takes the reference). */
rk_http_result rk_http_json(struct MHD_Connection *c, struct rk_http_request *r, int status,
                            json_t *doc);
/* Answers a register refusal: 422 refused, 409 conflict, 404, 400, 503 (msg's sentence). */
rk_http_result rk_http_reg_error(struct MHD_Connection *c, struct rk_http_request *r, rk_err err,
                                 const struct rk_msg *msg);
/* Whether the role is granted a register that declares purpose. */
bool rk_http_role_purpose(const struct rk_decl *d, const struct rk_role *role, const char *purpose);
/* In register reg_id: 1 when the role is granted a category of the kind, 0 when the register
 * declares one but the role is not granted it, -1 when the register declares none (or is not
 * declared). */
int rk_http_role_kind(const struct rk_decl *d, const struct rk_role *role, const char *reg_id,
                      enum rk_category_kind kind);
/* Whether the role is granted a category of the kind in any register. */
bool rk_http_role_kind_any(const struct rk_decl *d, const struct rk_role *role,
                           enum rk_category_kind kind);
/* Whether the role is granted every register with every category (the suppression list's rule). */
bool rk_http_role_all(const struct rk_decl *d, const struct rk_role *role);
/*
 * Persons and contracts as the token's role sees them (core/view.h): every
 * staff route taking a person id, contract id, email or phone goes through
 * these (or passes rk_http_view to the register's *_in reads), so that one
 * outside the role's registers or categories is answered exactly as an
 * unknown one. The table of routes and their verdicts is in
 * docs/ARCHITECTURE.md ("What a role sees").
 */
struct rk_view rk_http_view(const struct rk_http_server *s, const struct rk_role *role);
/* True when the role sees person id; false after the refusal in *no: 404 "no such person"
 * for unknown, malformed and unseen alike (one store read for each), 503. */
bool rk_http_see_person(struct rk_http_server *s, const struct rk_role *role, const char *id,
                        struct rk_http_refusal *no);
/* The contract id into *out when the role sees it (its register and a contract category
 * there); false after the refusal: 404 "no such contract" for unknown and unseen alike, 503. */
bool rk_http_see_contract(struct rk_http_server *s, const struct rk_role *role, const char *id,
                          struct rk_contract *out, struct rk_http_refusal *no);
/* A text member of o (borrowed), NULL when absent; *bad set when present but not a text. */
const char *rk_http_member(json_t *o, const char *key, bool *bad);
/* The "values" object of a write, checked against the role for register_id and
 * normalised into c (strings in bufs, RK_F__COUNT of them); false with out set. */
bool rk_http_parse_values(const struct rk_role *role, const char *register_id, json_t *values,
                          struct rk_contact *c, char (*bufs)[RK_INTERESTS_MAX * 4 + 1],
                          struct rk_http_refusal *out);
/* Reads {register, purpose, source, source_detail?} into w (strings borrowed from doc) and
 * checks the role is granted the register; false with the refusal in *out. */
bool rk_http_parse_write(const struct rk_decl *d, const struct rk_role *role, json_t *doc,
                         struct rk_write *w, struct rk_http_refusal *out);
RK_HTTP_HANDLER(rk_http_patch_person);
RK_HTTP_HANDLER(rk_http_get_consents);
RK_HTTP_HANDLER(rk_http_post_consent);
RK_HTTP_HANDLER(rk_http_post_withdraw);
/* api_records.c */
RK_HTTP_HANDLER(rk_http_get_contracts);
RK_HTTP_HANDLER(rk_http_post_contract);
RK_HTTP_HANDLER(rk_http_patch_contract);
RK_HTTP_HANDLER(rk_http_post_contract_end);
RK_HTTP_HANDLER(rk_http_get_invoices);
RK_HTTP_HANDLER(rk_http_post_invoice);
RK_HTTP_HANDLER(rk_http_post_suppression);
RK_HTTP_HANDLER(rk_http_get_suppression_check);
/* api_export.c */
RK_HTTP_HANDLER(rk_http_get_audience);
/* api_import.c */
RK_HTTP_HANDLER(rk_http_post_import);

/* api.c */
RK_HTTP_HANDLER(rk_http_get_person);
RK_HTTP_HANDLER(rk_http_post_persons);
RK_HTTP_HANDLER(rk_http_get_check);
/* pages.c: the small HTML pages of the public side, all in one shape. */
struct rk_page {
    struct rk_buf b;
    enum rk_lang lang;
};
/* Appends the links to the public pages' stylesheet (web/public/public.css, embedded) and,
 * when the declaration brands the pages, the brand stylesheet after it (http/public.h). */
void rk_page_put_stylesheet(struct rk_buf *b);
/* (The notice, a whole document, is dressed by rk_page_dress: http/public.h.) */
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
/* As rk_page_end, with n more headers (name, value). */
rk_http_result rk_page_end_with(struct rk_page *p, struct MHD_Connection *c,
                                struct rk_http_request *r, int status,
                                const char *const (*headers)[2], size_t n);
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
/* hooks.c: inbound webhooks (Mailchimp). */
RK_HTTP_HANDLER(rk_http_get_mailchimp_hook);
RK_HTTP_HANDLER(rk_http_post_mailchimp_hook);
/* unsubscribe.c */
RK_HTTP_HANDLER(rk_http_get_unsubscribe);
RK_HTTP_HANDLER(rk_http_post_unsubscribe);
/* requests_public.c */
RK_HTTP_HANDLER(rk_http_get_requests_form);
RK_HTTP_HANDLER(rk_http_post_requests_form);
RK_HTTP_HANDLER(rk_http_get_request_verify);
RK_HTTP_HANDLER(rk_http_post_request_verify);
/* api_requests.c */
RK_HTTP_HANDLER(rk_http_get_requests);
RK_HTTP_HANDLER(rk_http_post_requests);
RK_HTTP_HANDLER(rk_http_get_request);
RK_HTTP_HANDLER(rk_http_post_request_verify_staff);
RK_HTTP_HANDLER(rk_http_post_request_extend);
RK_HTTP_HANDLER(rk_http_post_request_complete);
RK_HTTP_HANDLER(rk_http_post_request_reject);
/* conns.c: the MHD_OPTION_NOTIFY_CONNECTION callback (cls: the server) tracking each
 * connection from STARTED to CLOSED. */
void rk_http_on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                           enum MHD_ConnectionNotificationCode toe);
/* The request's header block is whole (the access handler's first call): off the deadline. */
void rk_http_conn_header_done(struct rk_http_server *s, struct MHD_Connection *connection);
/* The request is over (NOTIFY_COMPLETED): the next one's header block is now awaited. */
void rk_http_conn_request_done(struct rk_http_server *s, struct MHD_Connection *connection);
/* Connections open on the service's listeners. */
size_t rk_http_conns_open(struct rk_http_server *s);
/* Starts the timer closing connections whose header block is not whole header_timeout
 * seconds after it began to be awaited; before the daemons start. */
RK_MUST_USE rk_err rk_http_conns_start(struct rk_http_server *s, long header_timeout);
/* Stops it; after the daemons have stopped. A no-op when it never started. */
void rk_http_conns_stop(struct rk_http_server *s);
/* requests_overdue.c: starts and stops the timer counting overdue requests */
RK_MUST_USE rk_err rk_http_overdue_start(struct rk_http_server *s);
void rk_http_overdue_stop(struct rk_http_server *s);
/* Asks for a recount now (after a request changed). */
void rk_http_overdue_poke(struct rk_http_server *s);

#endif
