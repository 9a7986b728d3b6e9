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

#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/id.h"
#include "core/keys.h"
#include "core/time.h"
#include "http/server.h"
#include "store/store.h"

static int run_serve(int argc, char **argv) {
    const char *listen = "127.0.0.1:8080", *decl_path = NULL, *db = NULL, *key_file = NULL;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = cores > 0 && cores <= 256 ? (unsigned)cores : 2;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            puts("usage: rekisteri serve [--listen ADDR:PORT] [--declaration FILE] [--db PATH]\n"
                 "                       [--key-file PATH] [--threads N]\n"
                 "\n"
                 "Runs the service: /healthz, /metrics, the privacy notice at /privacy\n"
                 "(?lang=fi|en or Accept-Language) and the staff API under /api/v1 (bearer\n"
                 "tokens from 'rekisteri token create'). --listen defaults to\n"
                 "127.0.0.1:8080; port 0 picks a free port. Prints the URL once listening;\n"
                 "stops gracefully on SIGTERM or SIGINT. The declaration, database and key\n"
                 "file come from the options, REKISTERI_DECLARATION, REKISTERI_DB and\n"
                 "REKISTERI_KEY_FILE, or the defaults; without a database the API answers 503.\n"
                 "--threads sets the request threads (1 to 256; default: one per CPU).");
            return RK_EXIT_OK;
        }
        if (i + 1 < argc && strcmp(argv[i], "--listen") == 0)
            listen = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--declaration") == 0)
            decl_path = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--db") == 0)
            db = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--key-file") == 0)
            key_file = argv[++i];
        else if (i + 1 < argc && strcmp(argv[i], "--threads") == 0) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 256) {
                rk_cli_error("--threads: expected a number from 1 to 256");
                return RK_EXIT_USAGE;
            }
            threads = (unsigned)n;
        }
        else {
            rk_cli_error("serve: unknown option or missing value '%s'; see 'serve --help'",
                         argv[i]);
            return RK_EXIT_USAGE;
        }
    }
    decl_path =
        rk_cli_env_or(decl_path, "REKISTERI_DECLARATION", "examples/smartum/declaration.yaml");
    db = rk_cli_env_or(db, "REKISTERI_DB", "var/rekisteri.db");
    key_file = rk_cli_env_or(key_file, "REKISTERI_KEY_FILE", "var/rekisteri.key");
    struct rk_decl *d = NULL;
    int rc = rk_cli_load_decl(decl_path, &d);
    if (rc != RK_EXIT_OK)
        return rc;

    /* The API needs the database and key; the public pages do not. */
    struct rk_keys keys;
    char kerr[400];
    struct stat sb;
    bool api = rk_crypto_init() == RK_OK && stat(db, &sb) == 0 &&
               rk_keys_load(key_file, &keys, kerr, sizeof kerr) == RK_OK;
    if (api) {
        struct rk_store *st = NULL;
        struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL};
        int from, to;
        api = rk_store_open(db, &opt, &st) == RK_OK && rk_store_migrate(st, &from, &to) == RK_OK;
        rk_store_close(st);
    }

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* inherited by the server's threads */

    struct rk_http_server *srv = NULL;
    char err[300];
    struct rk_http_config cfg = {listen, d, threads, api ? db : NULL, api ? &keys : NULL};
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
    fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"start\",\"port\":%u,\"api\":%s}\n", ts,
            rk_http_port(srv), api ? "true" : "false");

    int sig = 0;
    sigwait(&stop, &sig);
    rk_http_stop(srv);
    rk_ts_format(rk_time_now(), ts);
    fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"stop\",\"signal\":%d}\n", ts, sig);
    rk_decl_free(d);
    return RK_EXIT_OK;
}

const struct rk_cli_command rk_cli_serve = {"serve", "run the HTTP service", run_serve};
