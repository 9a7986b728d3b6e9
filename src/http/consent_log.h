/*
 * consent_log.h — the server half of the website's cookie consent (issue 13 C,
 * docs/cookies.md): the consent manager on the company's site reports each choice to
 * POST /consent/log (CORS from the declared cookies.origins only), which is checked here and
 * kept in the consent log (core/cookie_log.h, migration 0018); staff look a consent id up
 * through GET /api/v1/consent-log/{id} or `rekisteri consent-log show`; /metrics and the
 * overview count today's choices per action.
 */
#ifndef RK_HTTP_CONSENT_LOG_H
#define RK_HTTP_CONSENT_LOG_H

#include <jansson.h>

#include "core/cookie_log.h"
#include "http/body.h"
#include "http/service.h"
#include "store/store.h"

/* What is wrong with a body: a stable code, the member it concerns and a sentence naming
 * it. Never a value the browser sent (a member's or category's name only when it is a
 * short identifier). */
struct rk_consent_log_fault {
    const char *code; /* "bad_json", "bad_consent_id", "unknown_category", … */
    char field[48];   /* "consent_id", "choices", "choices/analytics", …; "" for the body */
    char message[RK_JSON_ERR_MAX + 80];
};

/*
 * Reads a POST /consent/log body (len bytes of JSON) against the declared cookie
 * categories into out: consent id, action, the choices over every non-essential category
 * (as JSON text, in the declaration's order), version, language and GPC. out->at is left 0
 * (the server sets it). Whether the version is known is for the store to say. RK_EPARSE
 * with *fault set for a body that does not follow the protocol, RK_ENOMEM.
 */
RK_MUST_USE rk_err rk_consent_log_parse(const struct rk_cookies *ck, const char *data, size_t len,
                                        struct rk_cookie_choice *out,
                                        struct rk_consent_log_fault *fault);

/* Records the declaration's current consent version (rk_consent_config) in the store when
 * it is not there yet, in a transaction of its own; RK_OK without a cookies: section. */
RK_MUST_USE rk_err rk_consent_log_record_version(const struct rk_decl *d, struct rk_store *st,
                                                 rk_ts now);

/* The choices recorded per action on the local day (time zone tz) of now. */
RK_MUST_USE rk_err rk_consent_log_day_counts(struct rk_store *st, const struct rk_tz *tz, rk_ts now,
                                             int64_t counts[RK_COOKIE__COUNT]);

RK_HTTP_HANDLER(rk_http_post_consent_log);    /* POST /consent/log */
RK_HTTP_HANDLER(rk_http_options_consent_log); /* OPTIONS /consent/log: the CORS preflight */
RK_HTTP_HANDLER(rk_http_get_consent_log);     /* GET /api/v1/consent-log/{id} */

#endif
