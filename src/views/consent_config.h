/*
 * consent_config.h — what the website's consent manager (/consent.js) is told: the
 * declaration's cookies: section as one compact JSON object, and its version.
 *
 * The version is the first 16 hex digits of the BLAKE2b hash of that JSON text. Everything a
 * visitor is shown about cookies (categories, purposes, vendors, countries, cookie names and
 * lifetimes, the validity) is in the text and nothing else is (no URL of the deployment), so the
 * version changes exactly when what people agreed to changes: the browser asks again, and the
 * consent log records under which version each choice was made (docs/cookies.md).
 *
 * The JSON:
 *   {"controller": "Smartum Oy",
 *    "validity": {"n": 12, "unit": "m"},
 *    "categories": [{"id": "analytics", "essential": false,
 *                    "name": {"fi": …, "en": …}, "purpose": {"fi": …, "en": …} | null,
 *                    "signals": ["analytics_storage", …],          (Google Consent Mode v2)
 *                    "vendors": [{"name": …, "country": "US" | null,
 *                                 "country_name": {"fi": …, "en": …} | null,
 *                                 "cookies": [{"name": "_ga_*",
 *                                              "lifetime": {"fi": "2 vuotta", "en": "2 years"}}]}]}]}
 * A cookie name ending in '*' stands for every cookie with that prefix; a session cookie's
 * lifetime is {"fi": "istunto", "en": "session"}.
 */
#ifndef RK_HTTP_CONSENT_CONFIG_H
#define RK_HTTP_CONSENT_CONFIG_H

#include "decl/decl.h"

#define RK_CONSENT_VERSION_LEN 16

/* *json: a new NUL-terminated compact JSON text (release with free()); version: its hash in
 * hex. RK_ENOENT when the declaration has no cookies: section, RK_ENOMEM. */
RK_MUST_USE rk_err rk_consent_config(const struct rk_decl *d, char **json,
                                     char version[RK_CONSENT_VERSION_LEN + 1]);

#endif
