/*
 * fulfil.h — carrying out a data-subject request: completing a verified
 * request runs its right's effect (core/rights.h) on the matched person in
 * the same transaction as the completion, so a request is never marked
 * answered without its effect, nor an effect left without its request.
 */
#ifndef RK_FULFIL_H
#define RK_FULFIL_H

#include "core/links.h"
#include "core/rights.h"
#include "util/buf.h"

/* What a fulfilment produced: documents for the person, and what was done. */
struct rk_fulfilment {
    /* set by the caller after rk_fulfilment_init: who writes the access and portability
     * documents (views/access.h: &rk_rights_documents) */
    const struct rk_rights_views *views;
    struct rk_buf json, html, csv,
        text;                     /* access: json+html; portability: json+csv; art 22: text */
    struct rk_erase_report erase; /* erasure */
    int withdrawn;                /* consent withdrawal: consents withdrawn */
    char done[240];               /* one sentence, no personal data */
    /* access, portability with an email on the request: the documents are stored sealed for
     * download (core/answer.h) and the person is to be emailed this link token (the caller
     * queues the mail in the same transaction); "" otherwise. */
    char answer_token[RK_LINK_MAX];
    rk_ts answer_expires;
};

void rk_fulfilment_init(struct rk_fulfilment *f);
void rk_fulfilment_cleanup(struct rk_fulfilment *f);

/*
 * Runs the effect of request q's right for its matched person, in reg's
 * batch (the caller then records the completion in the same batch):
 *   access             the art 15 document (json, html) in q's language
 *   portability        what the person provided (json, csv)
 *   erasure            rk_rights_erase; the request's own copy of the contact
 *                      details and text is forgotten too
 *   restriction        rk_rights_restrict (on)
 *   objection          rk_rights_object: to direct marketing unless grounds
 *                      are given, which make it a task for staff to weigh
 *   consent_withdrawal every live or pending consent withdrawn
 *   automated_decision the art 22 answer (text)
 *   rectification      rk_rights_rectify with the corrected values rect in
 *                      rect_register (NULL: every register holding them);
 *                      without rect, the values were written with `rights
 *                      rectify --request ID` first and completing records it
 * An access or portability request that gave an email address also has its documents
 * stored sealed for download (core/answer.h): answer_token is then the link to email.
 * A request matched to no one holds no data: done says so and nothing runs.
 * Must run inside a batch (RK_EINVAL otherwise).
 */
RK_MUST_USE rk_err rk_request_fulfil(struct rk_reg *reg, const struct rk_request *q,
                                     const char *grounds, const char *rect_register,
                                     const struct rk_contact *rect, rk_ts at,
                                     struct rk_fulfilment *f, struct rk_error *msg);

#endif
