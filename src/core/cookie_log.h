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
 * it, under which version of the cookie text (http/consent_config.h), in which language, and
 * whether the browser sent Global Privacy Control.
 */
#ifndef RK_CORE_COOKIE_LOG_H
#define RK_CORE_COOKIE_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/time.h"
#include "decl/decl.h"
#include "util/err.h"

#define RK_COOKIE_ID_MIN      22   /* a consent id's length: 22..64 of A-Za-z0-9_- */
#define RK_COOKIE_ID_MAX      64
#define RK_COOKIE_VERSION_LEN 16   /* hex digits (RK_CONSENT_VERSION_LEN) */
#define RK_COOKIE_CHOICES_MAX 2048 /* the stored choices' text, bytes */
#define RK_COOKIE_BODY_MAX    4096 /* POST /consent/log's body, bytes */

enum rk_cookie_action {
    RK_COOKIE_ACCEPT_ALL, /* every non-essential category granted */
    RK_COOKIE_REJECT_ALL, /* none granted (also a GPC browser's standing choice) */
    RK_COOKIE_CUSTOM,     /* the visitor's own selection in the settings */
    RK_COOKIE_WITHDRAW,   /* a category granted before is taken back */
    RK_COOKIE__COUNT
};

/* One recorded choice. choices is the compact JSON object {"<category id>": true|false, …}
 * over every non-essential category of the version, in the declaration's order, as built by
 * the HTTP layer; the core and the store keep it as text. */
struct rk_cookie_choice {
    char consent_id[RK_COOKIE_ID_MAX + 1];
    rk_ts at; /* the server's time when it was recorded */
    enum rk_cookie_action action;
    char choices[RK_COOKIE_CHOICES_MAX + 1];
    char version[RK_COOKIE_VERSION_LEN + 1];
    enum rk_lang lang;
    bool gpc;
};

/* "accept_all", "reject_all", "custom", "withdraw". */
const char *rk_cookie_action_id(enum rk_cookie_action a);
/* The action named id (len bytes, not NUL-terminated); false for none. */
bool rk_cookie_action_parse(const char *id, size_t len, enum rk_cookie_action *out);

/* Whether s (len bytes) is a consent id: 22 to 64 characters of A-Z a-z 0-9 '_' '-'. */
bool rk_cookie_id_valid(const char *s, size_t len);
/* Whether s (len bytes) is a version: exactly 16 lowercase hex digits. */
bool rk_cookie_version_valid(const char *s, size_t len);

/*
 * Whether the granted flags (one per non-essential category, n of them) fit the action:
 * accept_all grants every category and reject_all none; custom and withdraw may be any
 * selection (a withdrawal leaves some or none granted). NULL, or a sentence naming what is
 * wrong in *why.
 */
bool rk_cookie_choices_fit(enum rk_cookie_action a, const bool *granted, size_t n,
                           const char **why);

/* The instant log rows recorded before which the sweep deletes, at now: now minus the
 * declared log_retention (cookies.log_retention, default 3 years). */
rk_ts rk_cookie_log_cutoff(const struct rk_cookies *ck, rk_ts now);

#endif
