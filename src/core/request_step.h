/*
 * request_step.h — one step of a data-subject request's workflow, the one
 * the CLI (`rekisteri request verify|start|extend|reject|complete`) and the
 * staff API (POST /api/v1/requests/{id}/verify|extend|reject|complete) both
 * take. The edges parse their input and render the outcome; rk_request_step
 * runs the step inside the caller's batch (its transaction, or the writer's
 * group) and writes nothing else.
 *
 * The transitions and what each records and sends:
 *   verify, email_code   rk_request_verification_link: refused unless the declaration
 *                        allows email_code, the request awaits verification and the
 *                        matched person has an email on file and the mail limit allows
 *                        one (withheld then set); records the mail against the limit and
 *                        "request.verification_sent"; queues RK_RQM_VERIFY with the link
 *                        to that address. The request is verified when the link is followed.
 *   complete             reads the request; checks the completion's own rules on a copy
 *                        first (rk_request_apply: verified when the declaration asks, not
 *                        closed) and that grounds go only with an objection (the order of
 *                        the two checks is the edge's: grounds_first); then carries out the
 *                        right (core/fulfil.h: rk_request_fulfil, the documents, erasure,
 *                        …) whose sentence becomes the note when none was given; then the
 *                        transition as below. When the documents were stored for download
 *                        the email is RK_RQM_ANSWER with the link.
 *   any other            (start, verify in person, extend, reject) rk_request_transition:
 *                        the state change and its audit event, refused as rk_request_apply
 *                        refuses (msg says why).
 *   then                 the step's email (mail, or the answer's) through
 *                        core/request_mail.h to the address on file; none on file: told
 *                        stays false and the step stands (staff tell the person by post).
 * On an error, stage says how far the step got (the caller rolls its batch back): the
 * edges answer differently for an error after the first write (the API fails the group
 * with RK_EIO; the CLI names the failure).
 */
#ifndef RK_REQUEST_STEP_H
#define RK_REQUEST_STEP_H

#include <stdbool.h>

#include "core/fulfil.h"
#include "core/request.h"
#include "core/request_mail.h"
#include "mail/mail.h"

enum rk_step_stage {
    RK_STEP_CHECK,      /* reading and checking: nothing written */
    RK_STEP_EFFECT,     /* complete: carrying out the right */
    RK_STEP_TRANSITION, /* recording the state change */
    RK_STEP_ADDRESS,    /* finding the address on file */
    RK_STEP_MAIL,       /* queueing the email (why says what was wrong with the address) */
};

struct rk_request_step {
    /* in */
    const char *id;                /* the request */
    struct rk_request_event *ev;   /* kind, at, by, today, …; complete may set its note */
    int mail;                      /* enum rk_request_mail after the step, -1 none */
    bool email_code;               /* verify: by link (ev->kind RK_RQE_VERIFY) */
    const char *public_url;        /* roots the links in the email */
    struct rk_fulfilment *ff;      /* complete: what carrying out the right produced */
    const char *grounds;           /* complete: an objection to other processing */
    const char *grounds_refusal;   /* complete: the message when grounds do not apply */
    bool grounds_first;            /* complete: check grounds before the completion rules */
    const char *rect_register;     /* complete, rectification: where (NULL: all held) */
    const struct rk_contact *rect; /* complete, rectification: the values (NULL: none) */
    /* out */
    struct rk_request *q;      /* the request after the step (caller's storage) */
    bool told;                 /* the email was queued */
    bool withheld;             /* the mail limit held the verification link back */
    enum rk_step_stage stage;  /* how far it got */
    struct rk_error why;       /* RK_STEP_MAIL: what was wrong with the address */
};

/* Runs st's step in reg's batch; msg says why for a refusal. See above. */
RK_MUST_USE rk_err rk_request_step(struct rk_reg *reg, struct rk_request_step *st,
                                   struct rk_error *msg);

#endif
