/*
 * consent_script.c — GET /consent.js and GET /consent.css: the consent manager of
 * web/consent/ for the company's own website. The script is the embedded template with the
 * declaration's cookie configuration (rk_consent_config) and its version written in, built
 * once — on the first request after start, then kept for the life of the process, since the
 * declaration does not change while the service runs — and served from memory.
 */
#include "http/respond.h"
#include "http/service.h"
#include "http/consent_script.h"

#include <assert.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MARK  "__RK_CONFIG__"
#define VERSION_MARK "__RK_VERSION__"

rk_err rk_consent_script_build(const struct rk_decl *d, char **js, size_t *len,
                               char version[RK_CONSENT_VERSION_LEN + 1]) {
    char *config = NULL, v[RK_CONSENT_VERSION_LEN + 1];
    rk_err rc = rk_consent_config(d, &config, v);
    if (rc != RK_OK)
        return rc;
    const char *t = rk_consent_js_template;
    const char *cm = strstr(t, CONFIG_MARK), *vm = strstr(t, VERSION_MARK);
    assert(cm && vm && cm < vm); /* the template is ours: a build without the marks is a bug */
    struct rk_buf b;
    rk_buf_init(&b);
    rk_buf_append(&b, t, (size_t)(cm - t));
    /* The JSON as a JavaScript literal: U+2028 and U+2029 escaped for older parsers. */
    for (const char *p = config; *p; p++) {
        if ((unsigned char)p[0] == 0xe2 && (unsigned char)p[1] == 0x80 &&
            ((unsigned char)p[2] == 0xa8 || (unsigned char)p[2] == 0xa9)) {
            rk_buf_puts(&b, (unsigned char)p[2] == 0xa8 ? "\\u2028" : "\\u2029");
            p += 2;
        } else {
            rk_buf_putc(&b, *p);
        }
    }
    const char *after = cm + sizeof CONFIG_MARK - 1;
    rk_buf_append(&b, after, (size_t)(vm - after));
    rk_buf_puts(&b, v);
    rk_buf_puts(&b, vm + sizeof VERSION_MARK - 1);
    free(config);
    if (rk_buf_status(&b) != RK_OK) {
        rk_buf_cleanup(&b);
        return RK_ENOMEM;
    }
    *len = b.len;
    *js = b.data; /* handed over: the buffer is not cleaned up */
    memcpy(version, v, sizeof v);
    return RK_OK;
}

/* The script of the declaration last served; rebuilt only if the server's declaration is
 * another one (a process runs one service; tests may start several in turn). */
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static const struct rk_decl *cache_decl;
static char *cache_js;
static size_t cache_len;
static rk_err cache_rc;

static const char *const asset_headers[][2] = {
    {"Cache-Control", "public, max-age=300"},
    {"Cross-Origin-Resource-Policy", "cross-origin"},
    /* Public files: a site may load them with crossorigin (and integrity), and tools on the
     * site's pages (axe-core) may read the stylesheet. */
    {"Access-Control-Allow-Origin", "*"},
};
#define NASSET_HEADERS (sizeof asset_headers / sizeof asset_headers[0])

RK_HTTP_HANDLER(rk_http_get_consent_js) {
    pthread_mutex_lock(&cache_lock);
    if (cache_decl != s->decl || !cache_js) {
        char v[RK_CONSENT_VERSION_LEN + 1];
        char *js = NULL;
        size_t len = 0;
        cache_rc = rk_consent_script_build(s->decl, &js, &len, v);
        if (cache_rc == RK_OK) {
            free(cache_js);
            cache_js = js;
            cache_len = len;
        }
        cache_decl = cache_rc == RK_OK ? s->decl : NULL;
    }
    rk_err rc = cache_rc;
    rk_http_result ret;
    if (rc == RK_OK)
        ret = rk_http_respond_with(c, r, 200, "text/javascript; charset=utf-8", cache_js, cache_len,
                                   MHD_RESPMEM_MUST_COPY, asset_headers, NASSET_HEADERS);
    pthread_mutex_unlock(&cache_lock);
    if (rc == RK_ENOENT)
        return rk_http_error(c, r, 404, "not_found",
                             "the declaration has no cookies: section, so there is no consent "
                             "manager to serve");
    if (rc != RK_OK)
        return rk_http_error(c, r, 500, "internal", "the consent manager could not be built");
    return ret;
}

RK_HTTP_HANDLER(rk_http_get_consent_css) {
    if (!s->decl->cookies.declared)
        return rk_http_error(c, r, 404, "not_found",
                             "the declaration has no cookies: section, so there is no consent "
                             "manager to serve");
    return rk_http_respond_with(c, r, 200, "text/css; charset=utf-8", rk_consent_css,
                                rk_consent_css_len, MHD_RESPMEM_PERSISTENT, asset_headers,
                                NASSET_HEADERS);
}
