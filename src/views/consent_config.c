/*
 * consent_config.c — the declaration's cookies: section as the consent manager's
 * configuration (consent_config.h has the shape and why the version is a hash of it).
 */
#include "views/consent_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

static json_t *text(const struct rk_text *t) {
    if (!rk_text_present(t))
        return json_null();
    return json_pack("{s:s,s:s}", "fi", t->fi, "en", t->en);
}

static json_t *lifetime(struct rk_duration d) {
    if (d.n == 0)
        return json_pack("{s:s,s:s}", "fi", "istunto", "en", "session");
    char fi[64], en[64];
    rk_duration_format(d, RK_LANG_FI, fi, sizeof fi);
    rk_duration_format(d, RK_LANG_EN, en, sizeof en);
    return json_pack("{s:s,s:s}", "fi", fi, "en", en);
}

static json_t *vendor(const struct rk_cookie_vendor *v) {
    json_t *cookies = json_array();
    for (size_t i = 0; cookies && i < v->ncookies; i++)
        if (json_array_append_new(cookies, json_pack("{s:s,s:o}", "name", v->cookies[i].name,
                                                     "lifetime",
                                                     lifetime(v->cookies[i].lifetime))) != 0) {
            json_decref(cookies);
            return NULL;
        }
    const char *cc = v->country[0] ? v->country : NULL;
    json_t *names = cc ? json_pack("{s:s,s:s}", "fi", rk_country_name(cc, RK_LANG_FI), "en",
                                   rk_country_name(cc, RK_LANG_EN))
                       : json_null();
    return json_pack("{s:s,s:s?,s:o,s:o}", "name", v->name, "country", cc, "country_name", names,
                     "cookies", cookies);
}

static json_t *category(const struct rk_cookie_category *c) {
    json_t *signals = json_array(), *vendors = json_array();
    for (unsigned b = 0; signals && b < RK_GCM__COUNT; b++)
        if (c->consent_mode & (1u << b))
            json_array_append_new(signals,
                                  json_string(rk_consent_signal_id((enum rk_consent_signal)(1u << b))));
    for (size_t i = 0; vendors && i < c->nvendors; i++) {
        json_t *v = vendor(&c->vendors[i]);
        if (!v || json_array_append_new(vendors, v) != 0) {
            json_decref(signals);
            json_decref(vendors);
            return NULL;
        }
    }
    return json_pack("{s:s,s:b,s:o,s:o,s:o,s:o}", "id", c->id, "essential", c->essential, "name",
                     text(&c->name), "purpose", text(&c->purpose), "signals", signals, "vendors",
                     vendors);
}

rk_err rk_consent_config(const struct rk_decl *d, char **json,
                         char version[RK_CONSENT_VERSION_LEN + 1]) {
    *json = NULL;
    version[0] = '\0';
    const struct rk_cookies *ck = &d->cookies;
    if (!ck->declared)
        return RK_ENOENT;
    json_t *cats = json_array();
    for (size_t i = 0; cats && i < ck->ncategories; i++) {
        json_t *c = category(&ck->categories[i]);
        if (!c || json_array_append_new(cats, c) != 0) {
            json_decref(cats);
            return RK_ENOMEM;
        }
    }
    char unit[2] = {ck->consent_validity.unit, '\0'};
    json_t *doc = json_pack("{s:s,s:{s:i,s:s},s:o}", "controller", d->controller.name, "validity",
                            "n", ck->consent_validity.n, "unit", unit, "categories", cats);
    char *s = doc ? json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!s)
        return RK_ENOMEM;
    unsigned char h[crypto_generichash_BYTES_MIN]; /* 16 bytes; the version shows the first 8 */
    crypto_generichash(h, sizeof h, (const unsigned char *)s, strlen(s), NULL, 0);
    sodium_bin2hex(version, RK_CONSENT_VERSION_LEN + 1, h, RK_CONSENT_VERSION_LEN / 2);
    *json = s;
    return RK_OK;
}
