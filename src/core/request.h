/*
 * request.h — data-subject requests (arts 12-22): intake, identity
 * verification, deadlines in the controller's time zone, extension,
 * completion and rejection. The state machine and its one transition
 * function are pure (rk_request_apply); the rk_request_* operations taking a
 * struct rk_reg store each step and record it in the audit chain in the same
 * transaction. What a completed request does to the data (an erasure, an
 * access document) is core/rights.h's business, not this file's.
 */
#ifndef RK_REQUEST_H
#define RK_REQUEST_H

#include "core/register.h"
#include "core/links.h"
#include "base/tz.h"

#define RK_REQUEST_LINK_DAYS  7 /* how long an email_code verification link is valid */
#define RK_REQUEST_EXTEND_MAX 2 /* further months (art 12(3)) */

enum rk_request_event_kind {
    RK_RQE_VERIFY,   /* identity verified: method (and document for in_person) */
    RK_RQE_START,    /* staff begin acting on it */
    RK_RQE_EXTEND,   /* deadline extended by months with a reason */
    RK_RQE_COMPLETE, /* answered; an optional note */
    RK_RQE_REJECT,   /* declined (art 12(5), or identity not verifiable) with a reason */
    RK_RQE__COUNT
};

/* One event: which fields matter depends on kind. Strings are borrowed and must outlive the
 * request they are applied to (it points at them). */
struct rk_request_event {
    enum rk_request_event_kind kind;
    rk_ts at;
    const char *by;       /* staff actor, or "self" for the person following the link */
    unsigned method;      /* VERIFY: one enum rk_verification bit */
    const char *document; /* VERIFY in_person: passport | id_card | driving_licence | other */
    int months;           /* EXTEND: 1 or 2 */
    const char *reason;   /* EXTEND, REJECT: required */
    const char *note;     /* COMPLETE: optional */
    struct rk_date today; /* the local date at `at` (EXTEND: within the first month) */
};

/*
 * The one function that changes a request's state (see the transition table
 * in request.c). allowed is the declaration's rights.verification bit set.
 * RK_OK with *q updated; RK_EREFUSED when the event is not allowed in q's
 * state; RK_EINVAL when the event itself is malformed (no reason, months not
 * 1 or 2, a method the declaration does not allow, an unknown document).
 * On failure *q is unchanged and why (NULL: only the code) says what was
 * wrong and what to do, a sentence without personal data.
 */
RK_MUST_USE rk_err rk_request_apply(struct rk_request *q, const struct rk_request_event *ev,
                                    unsigned allowed, struct rk_error *why);

/* The deadline of a request received on local date d: one month later (Reg 1182/71). */
struct rk_date rk_request_due(struct rk_date received);
/* The due date in force: the extended one when extended. */
struct rk_date rk_request_effective_due(const struct rk_request *q);
bool rk_request_open(const struct rk_request *q);
/* Open and past its effective due date on local date today. */
bool rk_request_overdue(const struct rk_request *q, struct rk_date today);

/* Names as the CLI, the API and the database spell them; parsers return -1 for unknown. */
const char *rk_request_type_name(enum rk_request_type t);
int rk_request_type_parse(const char *s);
const char *rk_request_status_name(enum rk_request_status s);
int rk_request_status_parse(const char *s);
const char *rk_request_channel_name(enum rk_request_channel c);
int rk_request_channel_parse(const char *s);
const char *rk_request_event_name(enum rk_request_event_kind k); /* "verified", ... */
bool rk_request_document_valid(const char *doc);
/* Whether s has the shape of a request id ("R-" and 12 of A-Z, 2-7). */
bool rk_request_id_valid(const char *s);

/* ---- The workflow over a register (store + audit chain) ---------------------------------- */

/* A new request as given: contact and text as written by the person. */
struct rk_request_input {
    enum rk_request_type type;
    enum rk_request_channel channel;
    enum rk_lang lang;
    const char *email, *phone, *name, *text; /* any may be NULL; an email or phone, or person_id */
    const char *person_id;                   /* staff: already known person; NULL otherwise */
    struct rk_date received;                 /* y == 0: received now (the local date of now) */
    rk_ts now;
};

/*
 * Records a new request: checks the input (a way to reach the person, a
 * receipt date not in the future, texts within limits), draws its random id,
 * matches the person by the keyed hash of the email or phone (never storing
 * only the hash), computes the deadline from the local date of receipt in
 * zone tz, inserts it and appends "request.received" to the audit chain.
 * Runs in reg's batch when it has one. *out holds the stored request (its
 * strings borrowed from in). RK_EINVAL / RK_EREFUSED with msg saying why.
 */
RK_MUST_USE rk_err rk_request_create(struct rk_reg *reg, const struct rk_tz *tz,
                                     const struct rk_request_input *in, struct rk_request *out,
                                     struct rk_error *msg);

/*
 * Loads request id, applies ev (rk_request_apply, with the declaration's
 * verification methods), stores it and appends "request.<event>" to the audit
 * chain, all in one transaction (reg's batch when it has one). *out holds the
 * request after the event. RK_ENOENT for no such request.
 */
RK_MUST_USE rk_err rk_request_transition(struct rk_reg *reg, const char *id,
                                         const struct rk_request_event *ev, struct rk_request *out,
                                         struct rk_error *msg);

/*
 * Prepares an email_code verification of request id: refuses unless the
 * declaration allows email_code, the request awaits verification and is
 * matched to a person with an email address on file, and the mail limit
 * (core/mail_limit.h) allows a mail to that address now — else RK_EREFUSED
 * with *withheld set (may be NULL) and msg saying when to try again, nothing
 * written. Writes that address (from the register, never the one the request
 * gave) to email and the link token to token, records the mail against the
 * limit and appends "request.verification_sent". The caller queues the email
 * in the same transaction.
 */
RK_MUST_USE rk_err rk_request_verification_link(struct rk_reg *reg, const char *id, rk_ts now,
                                                struct rk_request *out, char *email, size_t emailsz,
                                                char token[RK_LINK_MAX], bool *withheld,
                                                struct rk_error *msg);

/*
 * Where to write to the person about q: the email the request gave
 * (normalised), else the first address on file for the matched person.
 * RK_ENOENT when there is none (tell the person by post).
 */
RK_MUST_USE rk_err rk_request_address(struct rk_reg *reg, const struct rk_request *q, char *out,
                                      size_t n);

/* Loads the declaration's controller.timezone (Europe/Helsinki when not declared); RK_ENOENT
 * etc. with msg saying what to do. */
RK_MUST_USE rk_err rk_request_load_tz(const struct rk_decl *d, struct rk_tz *out,
                                      struct rk_error *msg);

#endif
