/*
 * cli_serve.c — `rekisteri serve`: runs the HTTP service until SIGTERM or
 * SIGINT, then stops accepting, lets requests in progress finish and exits
 * 0. The signals are blocked in every thread and taken by the main thread
 * with sigwait(), so no handler runs inside libmicrohttpd's threads.
 */
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/time.h"
#include "http/server.h"

static int run_serve(int argc, char **argv) {
    const char *listen = "127.0.0.1:8080", *decl_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts("usage: rekisteri serve [--listen ADDR:PORT] [--declaration FILE]\n"
                 "\n"
                 "Runs the service: GET /healthz and the privacy notice at /privacy\n"
                 "(?lang=fi|en or Accept-Language). --listen defaults to 127.0.0.1:8080;\n"
                 "port 0 picks a free port. Prints the URL once listening; stops\n"
                 "gracefully on SIGTERM or SIGINT. The declaration comes from\n"
                 "--declaration or REKISTERI_DECLARATION (default the example).");
            return RK_EXIT_OK;
        }
        if (i + 1 < argc && strcmp(argv[i], "--listen") == 0)
            listen = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--declaration") == 0)
            decl_path = argv[++i];
        else {
            rk_cli_error("serve: unknown option or missing value '%s'; see 'serve --help'",
                         argv[i]);
            return RK_EXIT_USAGE;
        }
    }
    if (!decl_path) {
        const char *env = getenv("REKISTERI_DECLARATION");
        decl_path = env && *env ? env : "examples/smartum/declaration.yaml";
    }
    struct rk_decl *d = NULL;
    int rc = rk_cli_load_decl(decl_path, &d);
    if (rc != RK_EXIT_OK)
        return rc;

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* inherited by the server's threads */

    struct rk_http_server *srv = NULL;
    char err[300];
    struct rk_http_config cfg = {listen, d, 2};
    rk_err e = rk_http_start(&cfg, &srv, err, sizeof err);
    if (e != RK_OK) {
        rk_cli_error("serve: %s", err);
        rk_decl_free(d);
        return e == RK_EINVAL ? RK_EXIT_USAGE : RK_EXIT_FAIL;
    }
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(listen, ':') - listen), listen);
    printf("listening on http://%s:%u/\n", host, rk_http_port(srv));
    fflush(stdout);
    char ts[RK_TS_LEN + 1];
    rk_ts_format(rk_time_now(), ts);
    fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"start\",\"port\":%u}\n", ts, rk_http_port(srv));

    int sig = 0;
    sigwait(&stop, &sig);
    rk_http_stop(srv);
    rk_ts_format(rk_time_now(), ts);
    fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"stop\",\"signal\":%d}\n", ts, sig);
    rk_decl_free(d);
    return RK_EXIT_OK;
}

const struct rk_cli_command rk_cli_serve = {"serve", "run the HTTP service", run_serve};
