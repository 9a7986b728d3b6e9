/*
 * cli_consent_log.c — `rekisteri consent-log show ID` and `consent-log version`: the proof
 * of a website visitor's cookie choices (docs/cookies.md). show prints each recorded action of
 * a consent id (the id the visitor's cookie settings show) with the server's time, the
 * choices, the version of the cookie text, the language and GPC, and then the text of each
 * version: the categories, purposes and vendors the visitor was shown. It prints the same
 * document as GET /api/v1/consent-log/{id} with --json. version prints the current
 * declaration's version. A consent id is a browser's random id: nothing here is personal.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/reg.h"
#include "views/consent_config.h"
#include "views/records_json.h"
#include "core/cookie_log.h"

static const char *const text_json[] = {"text", "json", NULL};

static const char *en(json_t *text) {
    const char *s = json_string_value(json_object_get(text, "en"));
    return s ? s : "";
}

static void print_version(const char *version, json_t *v) {
    json_t *cfg = json_object_get(v, "config");
    printf("\nversion %s (first served %s): what the visitor was shown\n", version,
           json_string_value(json_object_get(v, "first_seen")));
    size_t i, j, k;
    json_t *cat, *vendor, *cookie;
    json_array_foreach(json_object_get(cfg, "categories"), i, cat) {
        printf("  %s [%s]%s\n", rk_cli_shown(en(json_object_get(cat, "name")), false),
               json_string_value(json_object_get(cat, "id")),
               json_is_true(json_object_get(cat, "essential")) ? " (essential, always on)" : "");
        json_t *purpose = json_object_get(cat, "purpose");
        if (json_is_object(purpose))
            printf("    %s\n", rk_cli_shown(en(purpose), false));
        json_array_foreach(json_object_get(cat, "vendors"), j, vendor) {
            json_t *country = json_object_get(vendor, "country_name");
            printf("    %s%s%s%s",
                   rk_cli_shown(json_string_value(json_object_get(vendor, "name")), false),
                   json_is_object(country) ? " (" : "",
                   json_is_object(country) ? en(country) : "", json_is_object(country) ? ")" : "");
            json_array_foreach(json_object_get(vendor, "cookies"), k, cookie)
                printf("%s %s %s", k ? "," : ":",
                       rk_cli_shown(json_string_value(json_object_get(cookie, "name")), false),
                       en(json_object_get(cookie, "lifetime")));
            printf("\n");
        }
    }
}

static void print_text(json_t *doc) {
    json_t *actions = json_object_get(doc, "actions");
    printf("consent id %s: %zu recorded %s\n\n",
           json_string_value(json_object_get(doc, "consent_id")), json_array_size(actions),
           json_array_size(actions) == 1 ? "action" : "actions");
    size_t i;
    json_t *a;
    json_array_foreach(actions, i, a) {
        printf("%s  %-10s  version %s  language %s  GPC %s\n",
               json_string_value(json_object_get(a, "at")),
               json_string_value(json_object_get(a, "action")),
               json_string_value(json_object_get(a, "version")),
               json_string_value(json_object_get(a, "lang")),
               json_is_true(json_object_get(a, "gpc")) ? "yes" : "no");
        const char *key;
        json_t *v;
        int n = 0;
        printf("  ");
        json_object_foreach(json_object_get(a, "choices"), key, v)
            printf("%s%s %s", n++ ? ", " : "", key, json_is_true(v) ? "granted" : "refused");
        printf("%s\n", n ? "" : "no categories");
    }
    const char *version;
    json_t *v;
    json_object_foreach(json_object_get(doc, "versions"), version, v)
        print_version(version, v);
}

static int show(int argc, char **argv) {
    bool as_json = false;
    const struct rk_cli_opt opts[] = {{"json", NULL, &as_json}, {NULL, 0, 0}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri consent-log show CONSENT_ID [--json | --format text|json]\n\n"
        "Prints every cookie choice recorded under a consent id (the id a visitor's cookie\n"
        "settings on the website show), oldest first: the server's time, the action\n"
        "(accept_all, reject_all, custom, withdraw), each category granted or refused, the\n"
        "version of the cookie text, the language and whether the browser sent Global\n"
        "Privacy Control; then, for each version, the categories, purposes, vendors and\n"
        "cookies the visitor was shown. Exits 1 when nothing is recorded under the id.\n\n",
        opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs != 1) {
        rk_cli_error("consent-log show: expected one consent id");
        return RK_EXIT_USAGE;
    }
    const char *id = env.args[0];
    if (!rk_cookie_id_valid(id, strlen(id))) {
        rk_cli_error("consent-log show: a consent id is 22 to 64 characters of A-Z, a-z, 0-9, "
                     "'_' and '-'");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    json_t *doc = NULL;
    rk_err e = rk_consent_log_document(env.store, id, &doc);
    if (e == RK_ENOENT) {
        rk_cli_error("consent-log show: nothing is recorded under this consent id");
        rc = RK_EXIT_FAIL;
    } else if (e != RK_OK) {
        rk_cli_error("consent-log show: %s", rk_store_errmsg(env.store));
        rc = RK_EXIT_FAIL;
    } else if (as_json || rk_cli_json(&env)) {
        rc = rk_cli_write_json(doc);
        doc = NULL;
    } else {
        print_text(doc);
    }
    json_decref(doc);
    rk_cli_env_close(&env);
    return rc;
}

static int version(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri consent-log version\n\n"
                              "Prints the version of the declaration's cookie text (16 hex\n"
                              "digits): what /consent.js gives the website and what each\n"
                              "choice logged under it names.\n\n",
                              NULL, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs) {
        rk_cli_error("consent-log version: takes no arguments");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    char *json = NULL, v[RK_CONSENT_VERSION_LEN + 1];
    rk_err e = rk_consent_config(env.decl, &json, v);
    if (e == RK_ENOENT) {
        rk_cli_error("consent-log version: the declaration has no cookies: section");
        rc = RK_EXIT_FAIL;
    } else if (e != RK_OK) {
        rk_cli_error("consent-log version: out of memory");
        rc = RK_EXIT_FAIL;
    } else {
        printf("%s\n", v);
    }
    free(json);
    rk_cli_env_close(&env);
    return rc;
}

static const struct rk_cli_sub consent_log_subs[] = {
    {.name = "show", .summary = "the cookie choice recorded under a consent id", .run = show},
    {.name = "version", .summary = "the cookie banner versions", .run = version},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_consent_log = {
    .name = "consent-log",
    .summary = "the website's cookie choices: look a consent id up",
    .subs = consent_log_subs,
    .expected = "expected 'consent-log show CONSENT_ID' or 'consent-log version'"};
