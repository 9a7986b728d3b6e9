/*
 * request_step.c — one step of a request's workflow (see request_step.h).
 */
#include "core/request_step.h"

#include "core/reg_impl.h"

#include <stdio.h>

/* The email of the step to the address on file (none: the step stands, told false). */
static rk_err tell(struct rk_reg *reg, struct rk_request_step *st, int mail, const char *token) {
    char to[RK_REQUEST_FIELD_MAX * 2 + 1];
    st->stage = RK_STEP_ADDRESS;
    rk_err err = rk_request_address(reg, st->q, to, sizeof to);
    if (err == RK_ENOENT)
        return RK_OK;
    if (err != RK_OK)
        return err;
    st->stage = RK_STEP_MAIL;
    err = rk_mail_request(reg->store, reg->decl, st->public_url, st->q, (enum rk_request_mail)mail,
                          to, token, &st->why);
    st->told = err == RK_OK;
    return err;
}

/* complete: the checks, then the right's effect. */
static rk_err complete(struct rk_reg *reg, struct rk_request_step *st, struct rk_error *msg) {
    rk_err err = rk_store_request_get(reg->store, st->id, st->q);
    if (err == RK_ENOENT)
        err = rk_error_set(msg, err, NULL, "no request with that id");
    bool grounds_bad = err == RK_OK && st->grounds && st->q->type != RK_RQ_OBJECTION;
    for (int pass = 0; pass < 2 && err == RK_OK; pass++) {
        if ((pass == 0) == st->grounds_first) {
            if (grounds_bad) {
                err = rk_error_set(msg, RK_EINVAL, NULL, "%s", st->grounds_refusal);
            }
        } else { /* the completion's own rules, on a copy, before any effect */
            struct rk_request probe = *st->q;
            err = rk_request_apply(&probe, st->ev, reg->decl->rights.verification, msg);
        }
    }
    if (err != RK_OK)
        return err;
    st->stage = RK_STEP_EFFECT;
    err = rk_request_fulfil(reg, st->q, st->grounds, st->rect_register, st->rect, st->ev->at,
                            st->ff, msg);
    if (err == RK_OK && !st->ev->note)
        st->ev->note = st->ff->done;
    return err;
}

rk_err rk_request_step(struct rk_reg *reg, struct rk_request_step *st, struct rk_error *msg) {
    st->stage = RK_STEP_CHECK;
    st->told = st->withheld = false;
    rk_error_clear(&st->why);
    if (st->email_code) {
        char to[RK_REQUEST_FIELD_MAX * 2 + 1], token[RK_LINK_MAX];
        rk_err err = rk_request_verification_link(reg, st->id, st->ev->at, st->q, to, sizeof to,
                                                  token, &st->withheld, msg);
        if (err != RK_OK)
            return err;
        st->stage = RK_STEP_MAIL;
        err = rk_mail_request(reg->store, reg->decl, st->public_url, st->q, RK_RQM_VERIFY, to,
                              token, &st->why);
        st->told = err == RK_OK;
        return err;
    }
    rk_err err = RK_OK;
    if (st->ev->kind == RK_RQE_COMPLETE && st->ff && (err = complete(reg, st, msg)) != RK_OK)
        return err;
    st->stage = RK_STEP_TRANSITION;
    if ((err = rk_request_transition(reg, st->id, st->ev, st->q, msg)) != RK_OK)
        return err;
    int mail = st->mail;
    if (st->ff && st->ff->answer_token[0])
        mail = RK_RQM_ANSWER; /* the documents await download: the link to the person */
    st->mail = mail;
    if (mail < 0)
        return RK_OK;
    return tell(reg, st, mail, mail == RK_RQM_ANSWER ? st->ff->answer_token : NULL);
}
