/*
 * cli_link.c — `rekisteri link unsubscribe PERSON --purpose P [--days N]`:
 * prints the signed one-click unsubscribe path (/u/TOKEN) that every
 * marketing message carries in List-Unsubscribe (RFC 8058). The mailer uses
 * the same function; the command is for operators and tests.
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
    if (argc < 2 || strcmp(argv[1], "unsubscribe") != 0) {
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            puts("usage: rekisteri link unsubscribe PERSON --purpose P [--days N]");
            return RK_EXIT_OK;
        }
        rk_cli_error("expected 'link unsubscribe'");
        return RK_EXIT_USAGE;
    }
    int rc = rk_cli_env_parse(&env, argc - 1, argv + 1,
                              "usage: rekisteri link unsubscribe PERSON --purpose P [--days N]\n"
                              "\n"
                              "Prints the one-click unsubscribe path /u/TOKEN for the person and\n"
                              "consent purpose, valid N days (default 365): a GET shows a page\n"
                              "with a button, a POST with List-Unsubscribe=One-Click withdraws\n"
                              "the consent at once (RFC 8058).\n\n",
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
    if (!purpose) {
        rk_cli_error("link unsubscribe: --purpose is required");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open_one(&env, "link unsubscribe")) != RK_EXIT_OK)
        return rc;
    const struct rk_purpose *p = rk_decl_purpose(env.decl, purpose);
    rk_err e = rk_store_person_exists(env.store, env.args[0], NULL, NULL);
    if (!p || p->basis != RK_BASIS_CONSENT || e != RK_OK) {
        rk_cli_error("link unsubscribe: %s", !p || p->basis != RK_BASIS_CONSENT
                                                 ? "the purpose is not a declared "
                                                   "consent-based purpose"
                                                 : "no person with that id");
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    struct rk_link l = {.kind = RK_LINK_UNSUBSCRIBE,
                        .expires = rk_ts_add(rk_time_now(), (struct rk_duration){(int)n, 'd'})};
    snprintf(l.person_id, sizeof l.person_id, "%s", env.args[0]);
    snprintf(l.purpose, sizeof l.purpose, "%s", purpose);
    char token[RK_LINK_MAX];
    if (rk_link_make(&env.reg.keys, &l, token) != RK_OK) {
        rk_cli_error("link unsubscribe: cannot make the link");
        rc = RK_EXIT_FAIL;
    } else {
        printf("/u/%s\n", token);
    }
    rk_cli_env_close(&env);
    return rc;
}

const struct rk_cli_command rk_cli_link = {"link", "make a signed unsubscribe link", run_link};
