/*
 * optin.h — double opt-in through a declared web form: a submission is held
 * apart and records a pending consent; the emailed link confirms it, and only
 * then are the values written to the form's register.
 */
#ifndef RK_OPTIN_H
#define RK_OPTIN_H

#include "core/mail_limit.h"
#include "core/register.h"

#define RK_OPTIN_DAYS 7 /* how long a confirmation link and its signup stay valid */

/* One submission of a form: values normalised (rk_field_normalize), email given. */
struct rk_optin_request {
    const struct rk_form *form;
    struct rk_contact c;
    enum rk_lang lang;
    const char *ip, *user_agent; /* evidence; may be NULL */
    rk_ts at;
    /* Composes and queues the confirmation email (called with the person's id and the
     * address, inside the submission's transaction); NULL: none is composed. */
    rk_mail_queue_fn queue;
    void *queue_ctx;
};

/*
 * Records a submission: finds the person by email (in any register, or an
 * earlier unconfirmed submission) or creates one, records the consent as
 * given-pending with the form, consent text, IP and user agent, keeps the
 * values until confirmed, and has q->queue compose the confirmation email when
 * the mail limit allows (core/mail_limit.h). *mail says what became of the
 * mail: SENT, WITHHELD by the limit (the link of an earlier mail still
 * works), or NONE when the address or phone is suppressed or the person is
 * restricted or objected to direct marketing — then nothing at all is
 * recorded. Every case does the same lookups and the same writes (undone
 * where nothing may last) and is answered alike, so that the form reveals
 * nothing about who is on file, by its words or its time. person_id gets the
 * person's id ("" when nothing was recorded). Runs in reg's batch when it has
 * one; on any error every write it made there is undone, so the batch may go
 * on (a store error that fails the undo itself is returned as such).
 */
RK_MUST_USE rk_err rk_optin_submit(struct rk_reg *reg, const struct rk_optin_request *q,
                                   char person_id[RK_ID_LEN + 1], enum rk_mail_outcome *mail,
                                   struct rk_error *msg);

enum rk_optin_outcome {
    RK_OPTIN_CONFIRMED, /* consent live, values written to the register */
    RK_OPTIN_ALREADY,   /* nothing awaited confirmation and the consent is live */
    RK_OPTIN_INVALID,   /* nothing awaits confirmation: expired, withdrawn or erased */
};

/* Follows the link: see the design comment in optin.c. */
RK_MUST_USE rk_err rk_optin_confirm(struct rk_reg *reg, const char *person_id, const char *purpose,
                                    const char *ip, const char *user_agent, rk_ts at,
                                    enum rk_optin_outcome *out, struct rk_error *msg);

#endif
