/*
 * consent_script.h — the website's consent manager as the server serves it: web/consent/
 * consent.js with the declaration's cookie configuration and its version written in
 * (views/consent_config.h), and its stylesheet, at GET /consent.js and GET /consent.css.
 * The browser half of the protocol with POST /consent/log is in docs/cookies.md.
 */
#ifndef RK_HTTP_CONSENT_SCRIPT_H
#define RK_HTTP_CONSENT_SCRIPT_H

#include <stddef.h>

#include "decl/decl.h"
#include "views/consent_config.h"
#include "http/service.h"

/* The embedded files (generated at build by src/http/embed_consent.cmake: comments and
 * indentation stripped). The script holds the marks __RK_CONFIG__ and __RK_VERSION__. */
extern const char *const rk_consent_js_template;
extern const size_t rk_consent_js_template_len;
extern const char *const rk_consent_css;
extern const size_t rk_consent_css_len;

/* *js: a new NUL-terminated script for d (release with free()), *len its length, version the
 * configuration's version. RK_ENOENT when d has no cookies: section, RK_ENOMEM. */
RK_MUST_USE rk_err rk_consent_script_build(const struct rk_decl *d, char **js, size_t *len,
                                           char version[RK_CONSENT_VERSION_LEN + 1]);

/* GET /consent.js and GET /consent.css: public, cacheable for five minutes, loadable from
 * another origin (Cross-Origin-Resource-Policy: cross-origin); 404 without a cookies: section. */
RK_HTTP_HANDLER(rk_http_get_consent_js);
RK_HTTP_HANDLER(rk_http_get_consent_css);

#endif
