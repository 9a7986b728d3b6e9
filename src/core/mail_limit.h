/*
 * mail_limit.h — how many mails one address may be sent on someone else's
 * say-so. A public form lets anyone name any address: without a limit, sixty
 * posts of the newsletter form sent sixty mails to one inbox. Every mail an
 * outsider (or a staff token) can cause to an address — a form's
 * confirmation link, a data-subject request's receipt, an email_code
 * verification link — asks the one rule here first, and all three share one
 * budget per recipient: at most one mail per mail_limits.min_interval and
 * mail_limits.per_day in any 24 hours (the declaration; 10 minutes and 5 by
 * default; a staff member's mails count too, bound by per_day only). The
 * recipient is known only by a keyed hash of the normalised address under a
 * subkey of its own (keys/keys.h); the address is never kept.
 *
 * Not limited: mails that follow from the person's own act on a link they
 * were sent (the welcome after confirming) and those the law requires
 * (an extension's or a rejection's reasons, art 12(3) and 12(4)).
 */
#ifndef RK_MAIL_LIMIT_H
#define RK_MAIL_LIMIT_H

#include "core/register.h"

/* The kinds of limited mail, for the counters of /metrics. */
enum rk_mail_class {
    RK_MAILC_CONFIRMATION,    /* a form's double opt-in link (core/optin.h) */
    RK_MAILC_REQUEST_RECEIPT, /* a data-subject request's receipt */
    RK_MAILC_VERIFICATION,    /* a request's email_code link (core/request.h) */
    RK_MAILC_PREFERENCES,     /* the preferences link asked for at /preferences */
    RK_MAILC_ANSWER_CODE,     /* the one-time code that opens a request's answer (core/answer.h) */
    RK_MAILC__COUNT
};

/* "confirmation", "request_receipt", "verification", "preferences_link", "answer_code". */
const char *rk_mail_class_name(enum rk_mail_class c);

enum rk_mail_outcome {
    RK_MAIL_SENT,     /* queued, and counted against the recipient's budget */
    RK_MAIL_WITHHELD, /* over the budget: nothing queued or counted */
    RK_MAIL_NONE,     /* no mail was to go at all (a refused address): nothing queued */
};

/*
 * Who causes a mail. The public (a form, the request form) is bound by both
 * limits. A staff member (a token or the CLI: a request entered by staff, an
 * email_code link) acts deliberately and on the record, often minutes after
 * the person's own request was receipted, so is bound by per_day only; the
 * staff's mails count against the budget all the same.
 */
enum rk_mail_by { RK_MAIL_BY_PUBLIC, RK_MAIL_BY_STAFF };

/*
 * The rule: may a limited mail caused by `by` go to the normalised address
 * email at `at`? When it may, records it (inside the caller's unit of work:
 * the record commits or rolls back with the mail) and sets *may; otherwise
 * writes nothing. The limits are reg->decl->mail_limits. Store errors as they
 * come.
 */
RK_MUST_USE rk_err rk_mail_limit_take(struct rk_reg *reg, const char *email, enum rk_mail_by by,
                                      rk_ts at, bool *may);

/* Queues one mail to recipient (normalised) about person_id (may be NULL), inside the caller's
 * transaction: composes it and calls rk_mail_enqueue. */
typedef rk_err (*rk_mail_queue_fn)(struct rk_reg *reg, void *ctx, const char *person_id,
                                   const char *recipient);

/* A limited mail caused by the public, which an answer to the public must not give away. */
struct rk_mail_job {
    const char *recipient; /* normalised email */
    const char *person_id; /* passed to queue; may be NULL */
    rk_ts at;
    bool refused; /* no mail may go at all (a suppressed address): shadow work only */
    rk_mail_queue_fn queue;
    void *ctx;
};

/*
 * Decides with the rule above and queues the mail, in the same time whether
 * it goes or not (see the design comment in mail_limit.c): the bookkeeping
 * and queue() run either way, as shadow work that is undone when the mail is
 * withheld or refused. *out says which. Inside the caller's unit of work.
 * Errors of queue() or the store as they come (the caller's unit rolls back).
 */
RK_MUST_USE rk_err rk_mail_limit_send(struct rk_reg *reg, const struct rk_mail_job *job,
                                      enum rk_mail_outcome *out);

/*
 * Shadow work: writes whose effect must not last, run so that a path that
 * must leave nothing takes as long as one that writes. Between
 * rk_shadow_begin and rk_shadow_end (inside a unit of work; pairs nest)
 * writes go to the store as usual; rk_shadow_end keeps them, or with undo
 * undoes every one of them, leaving the unit's earlier writes as they were.
 */
RK_MUST_USE rk_err rk_shadow_begin(struct rk_reg *reg);
RK_MUST_USE rk_err rk_shadow_end(struct rk_reg *reg, bool undo);

/*
 * A stand-in for a value in shadow work: value with every ASCII letter and
 * digit replaced by 'x', so that the stand-in has the same length and form (an
 * address stays an address) but holds nothing of the person. out has room for
 * strlen(value) + 1 bytes.
 */
void rk_shadow_value(const char *value, char *out);

#endif
