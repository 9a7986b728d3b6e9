/*
 * client.h — a recipient's own API as rekisteri's sync, pull and art 19
 * deliverer see it: one interface, implemented once per connector type that
 * speaks a recipient's API (Mailchimp Marketing API 3.0:
 * mailchimp_client.c; Salesforce REST API: salesforce_client.c). The webhook
 * and OpenGDPR connectors are not clients: they only carry notices
 * (deliver.c).
 *
 * Design.
 *
 *   What a recipient holds of a person (enum rk_held) is one of three
 *   states, the same words for every recipient:
 *
 *     active      it holds the shared values and may use them
 *                 (Mailchimp: a subscribed member; Salesforce: a Contact
 *                 whose restriction field is false);
 *     restricted  art 18: it holds them and may only store them
 *                 (Mailchimp: unsubscribed and tagged with the connector's
 *                 restricted_tag; Salesforce: the restriction field true);
 *     inactive    it may no longer use them (Mailchimp: unsubscribed, kept
 *                 as Mailchimp wants so that no list import re-adds the
 *                 address; Salesforce: the Contact deleted).
 *
 *   Erasure is not a state: rk_client_erase removes the person for good
 *   (Mailchimp: actions/delete-permanent; Salesforce: DELETE by the external
 *   id), and core/notify.c's erasure notice is what calls it.
 *
 *   A put makes the recipient hold one person as want says; it is
 *   idempotent (sending the same put twice leaves the same result), so the
 *   crash window between the recipient's answer and rekisteri's record
 *   (worker.h invariant 3) costs a repeated call and nothing else. The
 *   values are only what the declaration's shares allow: the caller (the
 *   sync in core/disclose.c) fills rk_client_put.values with the shared
 *   fields alone, and a client sends nothing it was not given.
 *
 *   The key a recipient knows the person by: Salesforce, rekisteri's
 *   pseudonymous person id in the declared external id field; Mailchimp, the
 *   subscriber hash of the address. A client returns that key in
 *   rk_client_result.remote after every successful put, the caller keeps it
 *   (sealed) and hands it back in rk_client_put.remote: after a
 *   rectification of the address Mailchimp's member is moved (PATCH on the
 *   old hash), and a person who has left the register (no address any
 *   more) is unsubscribed by it.
 *
 *   Outcomes: ok; transient (no answer, a timeout, 429, 5xx; retry_after_s
 *   from Retry-After when the recipient said); permanent (the recipient
 *   refused this one person: a Mailchimp 400 "Member In Compliance State",
 *   a Salesforce FIELD_CUSTOM_VALIDATION_EXCEPTION). The caller stops a pass
 *   at the first transient outcome and tries again later (backing off); a
 *   permanent one is recorded against the person and the pass goes on. A
 *   401 is the client's own business first: Salesforce's client fetches a
 *   new token and tries once more; a second 401, or Mailchimp's, is
 *   permanent for the whole connector (the caller stops the pass too: see
 *   rk_client_result.stop).
 *
 *   Limits. A client is used by one thread at a time and makes one request
 *   at a time, so it holds at most one connection (Mailchimp allows 10).
 *   Clients never sleep: a 429's Retry-After is returned to the caller.
 *
 *   Secrets. The credentials come from the environment variables the
 *   declaration names (api_key_env, client_id_env, client_secret_env), are
 *   read at rk_client_open, kept in the client's memory only (wiped at
 *   close), and never written to a log, an error, the database or a
 *   process's arguments.
 *
 *   Errors never hold personal data: the texts name the HTTP status and the
 *   recipient's error code or title (Mailchimp's problem title, Salesforce's
 *   errorCode), never a value, an address, a response's detail or message.
 */
#ifndef RK_CLIENT_H
#define RK_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "base/contact.h"
#include "connect/connect.h"
#include "decl/decl.h"
#include "store/store.h"
#include "util/err.h"

#define RK_CLIENT_REMOTE_MAX 64 /* a remote key: a Mailchimp hash (32), a person id */

/* enum rk_held, what a recipient holds of a person (above), is in store/store.h, which keeps
 * it per person and recipient. */

/* "none", "active", "restricted", "inactive"; "" out of range. */
const char *rk_held_name(enum rk_held h);
/* The state named s; false when none is. */
bool rk_held_parse(const char *s, enum rk_held *out);

/* One person, as the recipient should hold them. */
struct rk_client_put {
    const char *person_id;           /* rekisteri's pseudonymous id */
    const struct rk_contact *values; /* the shared fields only (NULL: none); may be NULL for
                                        INACTIVE when the person holds no values any more */
    enum rk_held want;               /* ACTIVE, RESTRICTED or INACTIVE */
    enum rk_held was;                /* what was last disclosed; NONE: never */
    const char *remote;              /* the key returned by the last successful put; "" or NULL:
                                        none */
};

struct rk_client_result {
    enum rk_connect_outcome outcome;
    bool stop;          /* the connector cannot work at all (bad credentials, a 401 after a
                           new token, a 403): stop the pass, whatever the outcome */
    long status;        /* the HTTP status of the deciding answer; 0 when none came */
    long retry_after_s; /* transient: when the recipient asked to wait (0: back off) */
    char remote[RK_CLIENT_REMOTE_MAX + 1]; /* ok: the key the recipient now knows the person
                                              by ("" when it holds nothing any more) */
    char error[RK_CONNECT_ERROR_MAX + 1];  /* not ok: why, without personal data */
};

/* Progress of a long call: done of total units (members, records) so far. */
typedef void (*rk_client_progress_fn)(void *ctx, long long done, long long total);

/* One person as the recipient holds them, read by a pull. Strings are "" when absent and
 * valid only during the callback. */
enum rk_pulled_status {
    RK_PULLED_ACTIVE,       /* Mailchimp subscribed; every Salesforce Contact */
    RK_PULLED_UNSUBSCRIBED, /* Mailchimp unsubscribed: a suppression, not a person */
    RK_PULLED_CLEANED,      /* Mailchimp cleaned (bounced): a suppression, not a person */
    RK_PULLED_OTHER,        /* pending, transactional, archived: not imported */
};

struct rk_client_pulled {
    enum rk_pulled_status status;
    const char *email, *name, *phone, *position, *organisation; /* raw, as the recipient has
                                                                   them */
    const char *remote;    /* the key the recipient knows them by (Mailchimp: the hash;
                              Salesforce: the Contact Id) */
    const char *person_id; /* Salesforce: the external id field's value when set; else "" */
    const char *signup_at, *signup_ip, *opt_at, *opt_ip; /* Mailchimp's opt-in evidence:
                                                            timestamp_signup, ip_signup,
                                                            timestamp_opt, ip_opt as written */
};

/* Called per pulled person with the progress; non-zero stops the pull, which then returns
 * RK_EREFUSED with e untouched (the caller keeps its own reason). */
typedef int (*rk_client_pull_fn)(void *ctx, const struct rk_client_pulled *p, long long done,
                                 long long total);

struct rk_client;

/* What one connector type implements. */
struct rk_client_ops {
    const char *type; /* "mailchimp", "salesforce" */
    /* The puts the sync sends at once when at least batch_min wait (0: never): the batch
     * or bulk path, at most batch_max a call. */
    size_t batch_min, batch_max;
    rk_err (*put)(struct rk_client *c, const struct rk_client_put *p, struct rk_client_result *r);
    /* n puts at once (Mailchimp: POST /batches, polled until finished; Salesforce: a Bulk
     * API 2.0 ingest job), r[i] for p[i]; progress as it goes (may be NULL). Returns an
     * error only when nothing could be attempted (RK_ENOMEM); the outcomes are in r. */
    rk_err (*put_many)(struct rk_client *c, const struct rk_client_put *p, size_t n,
                       struct rk_client_result *r, rk_client_progress_fn progress, void *ctx);
    /* Erases the person for good: email is the address the notice sealed (Mailchimp),
     * person_id the external id (Salesforce). Nothing held there is ok. */
    rk_err (*erase)(struct rk_client *c, const char *person_id, const char *email,
                    struct rk_client_result *r);
    /* Reads everyone the recipient holds, page by page. RK_EIO (e: status and code) when the
     * recipient cannot be read; RK_EPARSE when an answer is malformed. */
    rk_err (*pull)(struct rk_client *c, rk_client_pull_fn fn, void *ctx, struct rk_error *e);
    /* The key the recipient knows p's person by, as a put would return it in
     * rk_client_result.remote, without a call (an adopted person: core/disclose.h); false
     * when p gives none (Mailchimp: no address). */
    bool (*remote)(const struct rk_client *c, const struct rk_client_put *p,
                   char out[RK_CLIENT_REMOTE_MAX + 1]);
    /* Tells the recipient that what it knows by its own key `remote` (a pulled person's
     * rk_client_pulled.remote) is person_id, so that later puts find it instead of making a
     * second one (Salesforce: PATCH /sobjects/Contact/{Id} with the external id field set to
     * person_id; result.remote the person id). Outcomes as a put's; an error only for
     * RK_ENOMEM. NULL when the type needs none (Mailchimp: the hash of the address is the
     * key already). */
    rk_err (*link)(struct rk_client *c, const char *remote, const char *person_id,
                   struct rk_client_result *r);
    void (*close)(struct rk_client *c);
};

/* Every client begins with this. */
struct rk_client {
    const struct rk_client_ops *ops;
    const struct rk_recipient *recipient; /* borrowed from the declaration */
};

/*
 * The client of r's connector, its credentials read from the environment now. RK_EINVAL
 * (e: "recipient 'mailchimp' has no mailchimp or salesforce connector") when r's connector
 * is not a client; RK_EREFUSED with e "recipient 'mailchimp' is not configured: environment
 * variable REKISTERI_MAILCHIMP_API_KEY is not set" when a credential is missing or unusable
 * (never quoting it); RK_ENOMEM.
 */
RK_MUST_USE rk_err rk_client_open(const struct rk_recipient *r, struct rk_client **out,
                                  struct rk_error *e);

/* Whether r's connector type is one a client speaks (mailchimp, salesforce). */
bool rk_client_speaks(const struct rk_recipient *r);

/* Closes c, wiping its credentials. NULL: no-op. */
void rk_client_close(struct rk_client *c);

/* The calls, through c->ops. */
RK_MUST_USE rk_err rk_client_put(struct rk_client *c, const struct rk_client_put *p,
                                 struct rk_client_result *r);
RK_MUST_USE rk_err rk_client_put_many(struct rk_client *c, const struct rk_client_put *p, size_t n,
                                      struct rk_client_result *r, rk_client_progress_fn progress,
                                      void *ctx);
RK_MUST_USE rk_err rk_client_erase(struct rk_client *c, const char *person_id, const char *email,
                                   struct rk_client_result *r);
RK_MUST_USE rk_err rk_client_pull(struct rk_client *c, rk_client_pull_fn fn, void *ctx,
                                  struct rk_error *e);
bool rk_client_remote(const struct rk_client *c, const struct rk_client_put *p,
                      char out[RK_CLIENT_REMOTE_MAX + 1]);
/* Whether c's type links pulled persons (rk_client_ops.link is set). */
bool rk_client_links(const struct rk_client *c);
/* c->ops->link; RK_EINVAL (r: a permanent outcome saying so) when the type has none. */
RK_MUST_USE rk_err rk_client_link(struct rk_client *c, const char *remote, const char *person_id,
                                  struct rk_client_result *r);

/* The implementations (the files named above): open as rk_client_open, for their type. */
RK_MUST_USE rk_err rk_mc_client_open(const struct rk_recipient *r, struct rk_client **out,
                                     struct rk_error *e);
RK_MUST_USE rk_err rk_sf_client_open(const struct rk_recipient *r, struct rk_client **out,
                                     struct rk_error *e);

#endif
