/*
 * connect.h — telling recipients (art 19) and hearing back from them. The
 * connectors speak HTTP and JSON, so they live here and not in src/core/:
 * payload.c builds the webhook and OpenGDPR bodies and parses OpenGDPR status
 * answers (pure functions, fuzzed), http.c makes one request with libcurl and
 * classifies the answer, deliver.c is the deliverer (one pass, and a thread
 * like the mail sender), mailchimp.c interprets Mailchimp's webhook payload
 * (pure, fuzzed). docs/recipients.md describes the formats exactly.
 *
 * Nothing here logs or returns personal data: error texts are built from
 * status codes and libcurl's own messages, never from a response body.
 */
#ifndef RK_CONNECT_H
#define RK_CONNECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/keys.h"
#include "base/time.h"
#include "decl/decl.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"

#define RK_CONNECT_ERROR_MAX 300 /* as the store keeps last_error */
#define RK_UUID_LEN          36
#define RK_REMOTE_ID_MAX     64

/* ---- Payloads (payload.c): pure ----------------------------------------------------------- */

/* The error code of a recipient API's refusal by its HTTP status, the same for every client:
 * 400 and 422 RK_EINVAL, 401 and 403 RK_EREFUSED, 404 RK_ENOENT, 409 RK_ECONFLICT, 429 and
 * 5xx RK_EBUSY, anything else RK_EIO. */
rk_err rk_connect_status_err(long status);

/* "rectification", "erasure", "restriction", "restriction_lifted". */
const char *rk_notice_kind_name(enum rk_notice_kind k);
const char *rk_notice_state_name(enum rk_notice_state s);
/* The kind named s; false when none is. */
bool rk_notice_kind_parse(const char *s, enum rk_notice_kind *out);

/*
 * The webhook body (compact JSON, keys in this order): {"event", "notice_id",
 * "person_id", "request_id" (null when none), "identity": {"email" (null when
 * none)}, "occurred_at" (RFC 3339 UTC)}. Appends to out; RK_ENOMEM.
 */
RK_MUST_USE rk_err rk_webhook_body(const struct rk_notice_row *n, struct rk_buf *out);

/*
 * The signature header value for a webhook: "sha256=" and the lower-case hex
 * HMAC-SHA256 under secret of the timestamp (decimal Unix seconds), a '.',
 * and the body. out needs 7 + 64 + 1 bytes.
 */
void rk_webhook_sign(const char *secret, const char *timestamp, const char *body, size_t len,
                     char out[7 + 64 + 1]);

/* A new random UUID version 4 in lower-case text (libsodium's randombytes). */
void rk_uuid_v4(char out[RK_UUID_LEN + 1]);

/* Whether s is a UUID in the 8-4-4-4-12 hex form (any version, either case). */
bool rk_uuid_ok(const char *s);

/*
 * The OpenGDPR 1.0 erasure request body: subject_request_id, subject_request_type
 * "erasure", submitted_time, subject_identities [{identity_type "email",
 * identity_value, identity_format "raw"|"sha256"}], api_version "1.0". With
 * sha256, identity_value is the lower-case hex SHA-256 of the email. RK_ENOMEM.
 */
RK_MUST_USE rk_err rk_opengdpr_request_body(const char *request_id, const char *email,
                                            enum rk_identity_format format, rk_ts submitted,
                                            struct rk_buf *out);

enum rk_opengdpr_status {
    RK_OGDPR_PENDING,
    RK_OGDPR_IN_PROGRESS,
    RK_OGDPR_COMPLETED,
    RK_OGDPR_CANCELLED,
};

/*
 * Parses an OpenGDPR status response (section 8.3): a JSON object whose
 * "request_status" is pending, in_progress, completed or cancelled and whose
 * "subject_request_id", when present, equals expect_id (NULL: not checked).
 * Other members are ignored. RK_EPARSE with e saying why (never quoting the
 * body; where the member at fault when there is one) for anything else,
 * including more than 64 KiB. e may be NULL.
 */
RK_MUST_USE rk_err rk_opengdpr_parse_status(const char *body, size_t len, const char *expect_id,
                                            enum rk_opengdpr_status *out, struct rk_error *e);

/* ---- One HTTP request (http.c) ------------------------------------------------------------- */

enum rk_connect_outcome {
    RK_CONNECT_OK,        /* 2xx */
    RK_CONNECT_TRANSIENT, /* no connection, timeout, 408, 425, 429, 5xx: try again later */
    RK_CONNECT_PERMANENT, /* any other answer: sending again would not help */
};

struct rk_connect_request {
    const char *method; /* "GET", "POST", "PUT", "PATCH" or "DELETE" */
    const char *url;
    const char *const *headers; /* "Name: value" lines, NULL-terminated; may be NULL */
    const char *body;           /* the body (POST, PUT, PATCH; NULL: none) */
    size_t len;
    long connect_timeout_s, timeout_s; /* 0: 10 s and 30 s */
    size_t answer_max;                 /* bytes of the answer kept; 0: 64 KiB */
};

struct rk_connect_answer {
    enum rk_connect_outcome outcome;
    long status;        /* 0 when no answer came */
    struct rk_buf body; /* up to answer_max bytes of the answer; caller cleans it up */
    bool cut;           /* the answer was longer than answer_max: body holds its start */
    long retry_after_s; /* a 429's or 503's Retry-After in seconds; 0 when none */
    char error[RK_CONNECT_ERROR_MAX + 1]; /* what happened, never from the body */
};

/* Initialises libcurl once per process (rk_worker_curl_init, shared with the mail sender). */
RK_MUST_USE rk_err rk_connect_global_init(void);

/* Makes the request; RK_OK whenever it was attempted (the outcome in *out, whose
 * body the caller cleans up with rk_buf_cleanup), RK_ENOMEM when it cannot be set up. */
RK_MUST_USE rk_err rk_connect_http(const struct rk_connect_request *call,
                                   struct rk_connect_answer *out);

/* ---- Delivering notices (deliver.c) ------------------------------------------------------ */

/*
 * The recipients whose connector is a client (client.h: mailchimp, salesforce) learn of a
 * rectification, restriction or its lifting through the sync (core/disclose.h), which puts
 * the person's current state; their notice is done once the sync has. The deliverer asks
 * through this callback, which the core provides (rk_disclose_synced): WAIT while no
 * complete sync pass of the recipient began after since (the notice's creation), FAILED
 * (error: the recipient's refusal, no personal data) when the person's last put was refused,
 * DONE otherwise (also when the person was never disclosed to the recipient).
 */
enum rk_sync_says { RK_SYNC_WAIT, RK_SYNC_DONE, RK_SYNC_FAILED };
typedef rk_err (*rk_deliver_synced_fn)(void *ctx, struct rk_store *s, const char *recipient,
                                       const char *person_id, rk_ts since, enum rk_sync_says *out,
                                       char *error, size_t errorsz);

struct rk_deliver_config {
    rk_deliver_synced_fn synced; /* NULL: such notices wait */
    void *synced_ctx;
    const char *db;             /* the store; the thread opens its own connection */
    const struct rk_decl *decl; /* borrowed: the recipients and their connectors */
    const struct rk_keys *keys; /* identities open under keys->notice; the thread copies it */
    int backoff_base_s;         /* first retry delay; 0: 60 s; doubles, capped at 6 h */
    int max_attempts;           /* 0: 10 */
    int poll_s;                 /* OpenGDPR status polls; 0: 300 s; negative: at once */
    int give_up_days;           /* a request still pending after this many days fails; 0: 30 */
    bool quiet;                 /* no per-notice log lines */
};

struct rk_deliver_report {
    int delivered, pending, completed, retried, failed, unsupported;
    char error[RK_CONNECT_ERROR_MAX + 1]; /* the last failure's text */
};

/*
 * Delivers the notices due now (at most 500, oldest first) through their
 * recipients' connectors, each outcome recorded in its own transaction right
 * after its attempt; pending OpenGDPR requests are polled. Store errors end
 * the pass with the error.
 */
RK_MUST_USE rk_err rk_deliver_pass(struct rk_store *s, const struct rk_deliver_config *cfg,
                                   struct rk_deliver_report *out);

struct rk_deliverer;

/* Starts the thread (cfg->db copied; cfg->decl borrowed and must outlive it). */
RK_MUST_USE rk_err rk_deliverer_start(const struct rk_deliver_config *cfg,
                                      struct rk_deliverer **out);
/* Counts of the last pass (-1 before the first); NULL: -1. */
int64_t rk_deliverer_count(const struct rk_deliverer *d, enum rk_notice_state state);
/* Finishes the notice in hand, stops the thread and frees it. NULL: no-op. */
void rk_deliverer_stop(struct rk_deliverer *d);

/* ---- The Mailchimp webhook (mailchimp.c): pure ------------------------------------------- */

enum rk_mailchimp_type {
    RK_MC_UNSUBSCRIBE,
    RK_MC_CLEANED,
    RK_MC_UPEMAIL,
    RK_MC_PROFILE,
    RK_MC_OTHER, /* subscribe, campaign: acknowledged, nothing done */
};

#define RK_MC_VALUE_MAX 254

struct rk_mailchimp_event {
    enum rk_mailchimp_type type;
    char list_id[65];
    char email[RK_MC_VALUE_MAX + 1];     /* unsubscribe, cleaned, profile: data[email] */
    char old_email[RK_MC_VALUE_MAX + 1]; /* upemail: data[old_email] */
    char new_email[RK_MC_VALUE_MAX + 1]; /* upemail: data[new_email] */
    char fname[RK_MC_VALUE_MAX + 1];     /* profile: data[merges][FNAME], "" when absent */
    char lname[RK_MC_VALUE_MAX + 1];     /* profile: data[merges][LNAME] */
};

/*
 * Interprets a Mailchimp webhook body (application/x-www-form-urlencoded:
 * type, fired_at, data[...]). Requires type and data[list_id]; unsubscribe,
 * cleaned and profile need data[email]; upemail needs data[old_email] and
 * data[new_email]. Values are copied as given (normalising is the caller's).
 * RK_EPARSE with e (where and message naming the field, never a value)
 * otherwise. e may be NULL.
 */
RK_MUST_USE rk_err rk_mailchimp_parse(const char *body, size_t len, struct rk_mailchimp_event *out,
                                      struct rk_error *e);

#endif
