/*
 * fulfil.c — a completed request's effect (see fulfil.h): one switch over
 * the request types, each case one call into core/rights.c.
 */
#include "core/fulfil.h"

#include <stdio.h>
#include <string.h>

#include "core/answer.h"
#include "core/consent.h"
#include "core/reg_impl.h"

void rk_fulfilment_init(struct rk_fulfilment *f) {
    memset(f, 0, sizeof *f);
    rk_buf_init(&f->json);
    rk_buf_init(&f->html);
    rk_buf_init(&f->csv);
    rk_buf_init(&f->text);
}

void rk_fulfilment_cleanup(struct rk_fulfilment *f) {
    rk_buf_cleanup(&f->json);
    rk_buf_cleanup(&f->html);
    rk_buf_cleanup(&f->csv);
    rk_buf_cleanup(&f->text);
}

/* Withdraws every live or pending consent of the person, through the ledger. */
static rk_err withdraw_all(struct rk_reg *reg, const struct rk_request *q, rk_ts at, int *n,
                           struct rk_error *msg) {
    rk_err err = RK_OK;
    for (size_t i = 0; i < reg->decl->npurposes && err == RK_OK; i++) {
        const struct rk_purpose *p = &reg->decl->purposes[i];
        struct rk_consent_state st;
        if (p->basis != RK_BASIS_CONSENT)
            continue;
        err = rk_store_consent_state_get(reg->store, q->person_id, p->id, &st);
        if (err != RK_OK || (st.status != RK_CONSENT_LIVE && st.status != RK_CONSENT_PENDING))
            continue;
        struct rk_consent_input in = {
            .channel = "request", .evidence = "data subject request", .lang = q->lang, .at = at};
        err = rk_reg_consent(reg, q->person_id, p->id, RK_CE_WITHDRAWN, &in, msg);
        if (err == RK_OK)
            (*n)++;
    }
    return err;
}

rk_err rk_request_fulfil(struct rk_reg *reg, const struct rk_request *q, const char *grounds,
                         const char *rect_register, const struct rk_contact *rect, rk_ts at,
                         struct rk_fulfilment *f, struct rk_error *msg) {
    if (!reg->in_batch)
        return RK_EINVAL;
    if (!q->person_id[0]) {
        snprintf(f->done, sizeof f->done,
                 "no person on file matches the request: no personal data is held");
        if (q->type == RK_RQ_AUTOMATED_DECISION)
            return rk_rights_automated(reg, NULL, q->id, q->lang, at, &f->text, msg);
        return RK_OK;
    }
    const char *p = q->person_id;
    rk_err err = RK_OK;
    switch (q->type) {
    case RK_RQ_ACCESS:
        err = rk_rights_access(reg, p, q->id, q->lang, at, f->views, &f->json, &f->html, msg);
        snprintf(f->done, sizeof f->done, "the access document (art 15) was produced");
        break;
    case RK_RQ_PORTABILITY:
        err = rk_rights_portability(reg, p, q->id, at, f->views, &f->json, &f->csv, msg);
        snprintf(f->done, sizeof f->done, "the portable copy (art 20) was produced");
        break;
    case RK_RQ_ERASURE:
        err = rk_rights_erase(reg, p, q->id, at, &f->erase, msg);
        if (err == RK_OK) /* the request keeps no copy of what it erased */
            err = rk_store_request_redact(reg->store, q->id);
        snprintf(f->done, sizeof f->done, "the person was erased (art 17)%s",
                 f->erase.invoices_kept ? "; invoices kept and restricted under a legal obligation"
                                        : "");
        break;
    case RK_RQ_RESTRICTION:
        err = rk_rights_restrict(reg, p, q->id, true, at, msg);
        if (err == RK_EREFUSED) /* already restricted: the request is answered all the same */
            err = RK_OK;
        snprintf(f->done, sizeof f->done, "processing is restricted (art 18)");
        break;
    case RK_RQ_OBJECTION:
        err = rk_rights_object(reg, p, q->id, !grounds, grounds, at, msg);
        snprintf(f->done, sizeof f->done, "%s",
                 grounds ? "the objection (art 21(1)) awaits a staff decision as a task"
                         : "direct marketing stopped (art 21(3)): consents withdrawn, suppressed");
        break;
    case RK_RQ_CONSENT_WITHDRAWAL:
        err = withdraw_all(reg, q, at, &f->withdrawn, msg);
        snprintf(f->done, sizeof f->done, "%d consent(s) withdrawn", f->withdrawn);
        break;
    case RK_RQ_AUTOMATED_DECISION:
        err = rk_rights_automated(reg, p, q->id, q->lang, at, &f->text, msg);
        snprintf(f->done, sizeof f->done, "the art 22 answer was produced");
        break;
    case RK_RQ_RECTIFICATION:
        if (rect)
            err = rk_rights_rectify(reg, p, q->id, rect_register, rect, at, msg);
        snprintf(f->done, sizeof f->done, "%s",
                 rect ? "the values were rectified (art 16)"
                      : "rectification recorded (values corrected with 'rights rectify')");
        break;
    case RK_RQ_TYPE__COUNT: err = RK_EINVAL; break;
    }
    if (err == RK_OK && (rk_buf_status(&f->json) != RK_OK || rk_buf_status(&f->html) != RK_OK ||
                         rk_buf_status(&f->csv) != RK_OK || rk_buf_status(&f->text) != RK_OK))
        err = RK_ENOMEM;
    /* The answer reaches the person by email (art 12(3)): the documents stored sealed for the
     * download window. A request without an address (in person, post) is handed over as before. */
    if (err == RK_OK && rk_answer_docs_of(q->type) && q->email && q->email[0]) {
        const struct rk_buf *d[RK_AD__COUNT] = {
            [RK_AD_ACCESS_HTML] = q->type == RK_RQ_ACCESS ? &f->html : NULL,
            [RK_AD_ACCESS_JSON] = q->type == RK_RQ_ACCESS ? &f->json : NULL,
            [RK_AD_PORTABILITY_JSON] = q->type == RK_RQ_PORTABILITY ? &f->json : NULL,
            [RK_AD_PORTABILITY_CSV] = q->type == RK_RQ_PORTABILITY ? &f->csv : NULL};
        err = rk_answer_store(reg, q, d, at, f->answer_token, &f->answer_expires, msg);
    }
    return err;
}
