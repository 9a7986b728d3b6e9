/*
 * cookie_log.h — the rules of the website's cookie-consent log (issue 13 C): what one
 * recorded choice is, which consent ids and actions exist, and when a set of choices fits
 * its action. No JSON and no storage here: src/http/consent_log.c reads the browser's
 * POST /consent/log into a struct rk_cookie_choice and checks it with these rules, the
 * store (migration 0018) keeps it, and the retention sweep (core/retention.c) deletes it
 * after the declared cookies.log_retention.
 *
 * A consent id is made by the visitor's browser (random, kept in its rk_consent cookie); it
 * identifies a browser, not a person, and is the only key of the log. The log holds no IP
 * address, user agent or anything else of the visitor: the choice, when the server received
 * it, under which version of the cookie text (views/consent_config.h), in which language, and
 * whether the browser sent Global Privacy Control.
 */
#ifndef RK_CORE_COOKIE_LOG_H
#define RK_CORE_COOKIE_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "base/time.h"
#include "decl/decl.h"
#include "store/store.h"
#include "util/err.h"


/* Whether s (len bytes) is a consent id: 22 to 64 characters of A-Z a-z 0-9 '_' '-'. */
bool rk_cookie_id_valid(const char *s, size_t len);
/* Whether s (len bytes) is a version: exactly 16 lowercase hex digits. */
bool rk_cookie_version_valid(const char *s, size_t len);

/*
 * Whether the granted flags (one per non-essential category, n of them) fit the action:
 * accept_all grants every category and reject_all none; custom and withdraw may be any
 * selection (a withdrawal leaves some or none granted). When not, false with why (may be
 * NULL) holding a sentence naming what is wrong (RK_EINVAL, where "choices").
 */
bool rk_cookie_choices_fit(enum rk_cookie_action a, const bool *granted, size_t n,
                           struct rk_error *why);

/* The instant log rows recorded before which the sweep deletes, at now: now minus the
 * declared log_retention (cookies.log_retention, default 3 years). */
rk_ts rk_cookie_log_cutoff(const struct rk_cookies *ck, rk_ts now);

#endif
