/*
 * request_mail.h — the emails of a data-subject request (receipt, verification, extension,
 * rejection, the answer's link and code) and the DPO's daily digest, composed by core in the
 * request's language and queued through the mail transport (mail/mail.h) inside the
 * caller's transaction.
 */
#ifndef RK_CORE_REQUEST_MAIL_H
#define RK_CORE_REQUEST_MAIL_H

#include <stddef.h>

#include "core/request.h"
#include "decl/decl.h"
#include "store/store.h"
#include "util/err.h"

enum rk_request_mail {
    RK_RQM_RECEIPT,  /* to the address given: the id and the deadline */
    RK_RQM_VERIFY,   /* to the address on file: the email_code link (token) */
    RK_RQM_EXTENDED, /* the extension and its reason (art 12(3)) */
    RK_RQM_REJECTED, /* the reason and the right to complain (art 12(4)) */
    RK_RQM_ANSWER,   /* to the request's address: the download link (token), 14 days */
    RK_RQM_ANSWER_CODE, /* to the same address: the one-time code (token holds it), 10 minutes */
};

/* The request type in words ("erasure", "tietojen poistaminen"). */
const char *rk_request_type_label(enum rk_request_type t, enum rk_lang lang);

/*
 * Composes the email of kind about request q in its language and queues it to
 * recipient with rk_mail_enqueue, inside the caller's transaction. public_url
 * (no trailing '/') roots the links; token is the verification link's token
 * (RK_RQM_VERIFY), the status link's (RK_RQM_RECEIPT; NULL: no status link), the answer
 * link's (RK_RQM_ANSWER) or the one-time code (RK_RQM_ANSWER_CODE). RK_EINVAL with why for a
 * malformed recipient.
 */
RK_MUST_USE rk_err rk_mail_request(struct rk_store *s, const struct rk_decl *d,
                                   const char *public_url, const struct rk_request *q,
                                   enum rk_request_mail kind, const char *recipient,
                                   const char *token, struct rk_error *why);

struct rk_digest;
/*
 * The DPO's daily digest (core/answer.h): the requests overdue and due within 7 days, by id,
 * type and due date only, in Finnish and English, queued to recipient inside the caller's
 * transaction. RK_EINVAL with why for a malformed recipient.
 */
RK_MUST_USE rk_err rk_mail_digest(struct rk_store *s, const struct rk_decl *d,
                                  const char *public_url, const struct rk_digest *g,
                                  const char *recipient, struct rk_error *why);

#endif
