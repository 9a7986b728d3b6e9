/*
 * cli_link.c — `rekisteri link unsubscribe PERSON --purpose P [--days N]`
 * prints the signed one-click unsubscribe path (/u/TOKEN) that every
 * marketing message carries in List-Unsubscribe (RFC 8058); `rekisteri link
 * preferences PERSON [--days N]` the path of the person's preferences page;
 * `rekisteri link receipt PERSON --purpose P [--days N]` the path of the
 * person's consent receipt (/receipt/TOKEN: their consent record as JSON,
 * http/receipt.c), for a person told of it otherwise than by the welcome
 * email.
 * The service's emails use the same function; the command is for operators
 * putting the links into their own mailings, and for tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/reg.h"
#include "core/links.h"

static int run_link(int argc, char **argv) {
    const char *purpose = NULL, *days = NULL;
    const struct rk_cli_opt opts[] = {
        {"purpose", &purpose, NULL}, {"days", &days, NULL}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    bool prefs = argc >= 2 && strcmp(argv[1], "preferences") == 0;
    bool receipt = argc >= 2 && strcmp(argv[1], "receipt") == 0;
    if (argc < 2 || (strcmp(argv[1], "unsubscribe") != 0 && !prefs && !receipt)) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            puts("usage: rekisteri link unsubscribe PERSON --purpose P [--days N]\n"
                 "       rekisteri link preferences PERSON [--days N]\n"
                 "       rekisteri link receipt PERSON --purpose P [--days N]");
            return RK_EXIT_OK;
        }
        rk_cli_error("expected 'link unsubscribe', 'link preferences' or 'link receipt'");
        return RK_EXIT_USAGE;
    }
    int rc =
        rk_cli_env_parse(&env, argc - 1, argv + 1,
                         prefs     ? "usage: rekisteri link preferences PERSON [--days N]\n"
                                     "\n"
                                     "Prints the path /preferences/TOKEN of the person's page for\n"
                                     "switching each consent purpose on or off, valid N days\n"
                                     "(default 365).\n\n"
                         : receipt ? "usage: rekisteri link receipt PERSON --purpose P [--days N]\n"
                                     "\n"
                                     "Prints the path /receipt/TOKEN of the person's consent\n"
                                     "receipt for the purpose, valid N days (default 365): their\n"
                                     "consent record (ISO/IEC TS 27560) as a JSON file.\n\n"
                                   : "usage: rekisteri link unsubscribe PERSON --purpose P [--days "
                                     "N]\n"
                                     "\n"
                                     "Prints the one-click unsubscribe path /u/TOKEN for the\n"
                                     "person and consent purpose, valid N days (default 365): a\n"
                                     "GET shows a page with a button, a POST with\n"
                                     "List-Unsubscribe=One-Click withdraws the consent at once\n"
                                     "(RFC 8058).\n\n",
                         opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    long n = 365;
    if (days) {
        char *end;
        n = strtol(days, &end, 10);
        if (*end || n < 1 || n > 3650) {
            rk_cli_error("--days: expected a number from 1 to 3650");
            return RK_EXIT_USAGE;
        }
    }
    if (prefs && purpose) {
        rk_cli_error("link preferences: takes no --purpose (the page shows every purpose)");
        return RK_EXIT_USAGE;
    }
    const char *what = prefs ? "link preferences" : receipt ? "link receipt" : "link unsubscribe";
    if (!prefs && !purpose) {
        rk_cli_error("%s: --purpose is required", what);
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open_one(&env, what)) != RK_EXIT_OK)
        return rc;
    const struct rk_purpose *p = prefs ? NULL : rk_decl_purpose(env.decl, purpose);
    rk_err e = rk_store_person_exists(env.store, env.args[0], NULL, NULL);
    if (prefs && e != RK_OK) {
        rk_cli_error("link preferences: no person with that id");
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    if (!prefs && (!p || p->basis != RK_BASIS_CONSENT || e != RK_OK)) {
        rk_cli_error("%s: %s", what,
                     !p || p->basis != RK_BASIS_CONSENT ? "the purpose is not a declared "
                                                          "consent-based purpose"
                                                        : "no person with that id");
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    struct rk_link l = {.kind = prefs     ? RK_LINK_PREFERENCES
                                : receipt ? RK_LINK_RECEIPT
                                          : RK_LINK_UNSUBSCRIBE,
                        .expires = rk_ts_add(rk_time_now(), (struct rk_duration){(int)n, 'd'})};
    snprintf(l.person_id, sizeof l.person_id, "%s", env.args[0]);
    snprintf(l.purpose, sizeof l.purpose, "%s", prefs ? "*" : purpose);
    char token[RK_LINK_MAX];
    if (rk_link_make(rk_reg_keys(env.reg), &l, token) != RK_OK) {
        rk_cli_error("link: cannot make the link");
        rc = RK_EXIT_FAIL;
    } else {
        printf("%s%s\n", prefs ? "/preferences/" : receipt ? "/receipt/" : "/u/", token);
    }
    rk_cli_env_close(&env);
    return rc;
}

const struct rk_cli_command rk_cli_link = {
    .name = "link",
    .summary = "make a signed unsubscribe, preferences or consent receipt link",
    .run = run_link};
