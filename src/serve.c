/*
 * cli_serve.c — `rekisteri serve`: runs the HTTP service until SIGTERM or
 * SIGINT, then stops accepting, lets requests in progress finish and exits
 * 0. The signals are blocked in every thread and taken by the main thread
 * with sigwait(), so no handler runs inside libmicrohttpd's threads.
 *
 * Between signals the main thread watches the database's key generation
 * (every WATCH_MS): a `key rotate` run anywhere — on this machine or on
 * another instance's, against the same PostgreSQL database — is taken up
 * here within that time (core/rotate.h, "Running instances"):
 *
 *   database at the generation served ──────────────────────────► nothing
 *   database moved, and the key file here holds its generation and
 *     fingerprint ───► rk_http_rekey: the service takes the new key
 *   database moved, and the key file here does not (not copied yet) ───►
 *     logged once (key_behind), /healthz answers 503; the store refuses
 *     every write meanwhile (RK_ESTALE), so nothing is written under the
 *     retired key; the file is read again at each tick until it matches
 *
 * The key file is locked (shared) only while it is read, so that `key rotate`
 * may run on this machine while the service does.
 */
#include <errno.h>
#include <signal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "cli/cli.h"
#include "cli/reg.h"
#include "base/id.h"
#include "core/journal.h"
#include "keys/keys.h"
#include "core/rotate.h"
#include "core/search.h"
#include "base/time.h"
#include "http/consent_log.h"
#include "http/server.h"
#include "mail/mail.h"
#include "store/store.h"
#include "views/notice_digest.h"

#define WATCH_MS 250 /* how often the database's key generation is read */

/* The watcher's state: its own connection, and the generation the service holds. */
struct key_watch {
    const char *db, *key_file;
    struct rk_store *st;
    uint32_t gen;        /* the service's */
    uint32_t behind_gen; /* the database's generation last logged as behind; 0: none */
    bool open_logged;
};

/* One JSON line on stderr; text (a message naming generations and the key file's path,
 * never personal data) with quotes, backslashes and controls blanked. */
static void log_key(const char *event, uint32_t from, uint32_t to, const char *text) {
    char ts[RK_TS_LEN + 1], clean[384];
    size_t n = 0;
    for (const char *p = text; p && *p && n + 1 < sizeof clean; p++)
        clean[n++] = (char)(*p == '"' || *p == '\\' || (unsigned char)*p < 0x20 ? ' ' : *p);
    clean[n] = '\0';
    rk_ts_format(rk_time_now(), ts);
    fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"%s\",\"from\":%u,\"to\":%u,\"message\":\"%s\"}\n",
            ts, event, (unsigned)from, (unsigned)to, clean);
}

/* One tick: RK_OK, or the error that stopped the service (rk_http_rekey failed). */
static rk_err key_watch_tick(struct key_watch *w, struct rk_http_server *srv) {
    if (!w->st) {
        struct rk_store_options opt = {
            .synchronous = RK_SYNC_NORMAL, .cache_kib = 256, .mmap_kib = -1};
        if (rk_store_open(w->db, &opt, &w->st, NULL) != RK_OK) {
            rk_store_close(w->st);
            w->st = NULL;
            if (!w->open_logged)
                log_key("key_watch_failed", w->gen, 0, "cannot open the database; retrying");
            w->open_logged = true;
            return RK_OK;
        }
        w->open_logged = false;
    }
    uint32_t gen = 0;
    char fp[RK_FINGERPRINT_LEN + 1];
    if (rk_store_key_state_get(w->st, &gen, fp) != RK_OK) {
        rk_store_close(w->st); /* a lost connection: opened again next tick */
        w->st = NULL;
        return RK_OK;
    }
    if (gen == w->gen)
        return RK_OK;
    struct rk_keys k;
    struct rk_error msg = RK_ERROR_INIT;
    int fd = -1;
    rk_err e = rk_keys_lock(w->key_file, false, &fd, &msg);
    if (e == RK_EBUSY) /* a rotation on this machine is writing it: the next tick reads it */
        return RK_OK;
    if (e == RK_OK)
        e = rk_keys_load(w->key_file, &k, &msg);
    if (fd >= 0)
        close(fd);
    if (e == RK_OK)
        e = rk_rotate_check(w->st, &k, w->key_file, &msg);
    if (e != RK_OK) {
        sodium_memzero(&k, sizeof k);
        if (w->behind_gen != gen)
            log_key("key_behind", w->gen, gen, msg.message);
        w->behind_gen = gen;
        rk_http_key_behind(srv, true);
        return RK_OK;
    }
    e = rk_http_rekey(srv, &k, &msg);
    sodium_memzero(&k, sizeof k);
    if (e != RK_OK) {
        log_key("key_rekey_failed", w->gen, gen, msg.message);
        return e;
    }
    log_key("key_rotated", w->gen, gen, "the service took the rotated key");
    w->gen = gen;
    w->behind_gen = 0;
    return RK_OK;
}

/* A whole decimal number from min to max into *out. */
static bool number(const char *arg, long min, long max, long *out) {
    char *end;
    long v = strtol(arg, &end, 10);
    if (*end || arg[0] == '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static int run_serve(int argc, char **argv) {
    const char *listen = "127.0.0.1:8080", *decl_path = NULL, *db = NULL, *key_file = NULL,
               *public_url = NULL, *journal = NULL, *metrics_listen = NULL;
    char journal_buf[4096 + sizeof ".erasures"];
    double public_rate = 0;
    long request_timeout = 0, sweep_interval = 0, header_timeout = 0, sync_interval = 0;
    long session_idle = 0, session_max = 0;
    int max_per_address = 0;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = cores > 0 && cores <= 256 ? (unsigned)cores : 2;
    struct rk_cli_mail mo = {0};
    const char *threads_arg = NULL, *sweep_arg = NULL, *idle_arg = NULL, *max_arg = NULL,
               *request_timeout_arg = NULL, *header_timeout_arg = NULL, *per_address_arg = NULL,
               *rate_arg = NULL, *sync_arg = NULL;
    const struct rk_cli_opt opts[] = {
        {"listen", &listen, NULL},
        {"declaration", &decl_path, NULL},
        {"db", &db, NULL},
        {"key-file", &key_file, NULL},
        {"journal", &journal, NULL},
        {"smtp", &mo.smtp, NULL},
        {"mail-from", &mo.from, NULL},
        {"mail-reply-to", &mo.reply_to, NULL},
        {"smtp-user", &mo.user, NULL},
        {"smtp-password-file", &mo.password_file, NULL},
        {"smtp-starttls", NULL, &mo.starttls},
        {"public-url", &public_url, NULL},
        {"threads", &threads_arg, NULL},
        {"sweep-interval", &sweep_arg, NULL},
        {"sync-interval", &sync_arg, NULL},
        {"session-idle", &idle_arg, NULL},
        {"session-max", &max_arg, NULL},
        {"request-timeout", &request_timeout_arg, NULL},
        {"header-timeout", &header_timeout_arg, NULL},
        {"max-connections-per-address", &per_address_arg, NULL},
        {"metrics-listen", &metrics_listen, NULL},
        {"public-rate", &rate_arg, NULL},
        {NULL, NULL, NULL},
    };
    int first = 0;
    int prc = rk_cli_parse(
        argc, argv, opts,
        "usage: rekisteri serve [--listen ADDR:PORT] [--declaration FILE] [--db PATH|URI]\n"
        "                       [--key-file PATH] [--journal PATH] [--threads N]\n"
        "                       [--smtp URL [--mail-from ADDRESS]\n"
        "                       [--mail-reply-to ADDRESS]\n"
        "                       [--smtp-user USER --smtp-password-file FILE]\n"
        "                       [--smtp-starttls]] [--public-url URL]\n"
        "                       [--public-rate N] [--request-timeout SECONDS]\n"
        "                       [--header-timeout SECONDS]\n"
        "                       [--max-connections-per-address N]\n"
        "                       [--metrics-listen ADDR:PORT|off]\n"
        "                       [--sweep-interval SECONDS] [--sync-interval SECONDS]\n"
        "                       [--session-idle SECONDS] [--session-max SECONDS]\n"
        "\n"
        "Runs the service: /healthz, /metrics, the privacy notice at /privacy\n"
        "(?lang=fi|en or Accept-Language) and the staff API under /api/v1 (bearer\n"
        "tokens from 'rekisteri token create'). --listen defaults to\n"
        "127.0.0.1:8080; port 0 picks a free port. Prints the URL once listening;\n"
        "stops gracefully on SIGTERM or SIGINT. The declaration, database and key\n"
        "file come from the options, REKISTERI_DECLARATION, REKISTERI_DB and\n"
        "REKISTERI_KEY_FILE, or the defaults; without a database the API answers 503.\n"
        "Every erasure (art 17) is appended to the erasure journal, --journal or\n"
        "REKISTERI_ERASURE_JOURNAL (default: the database's path and .erasures).\n"
        "\n"
        "With --smtp the outbox is delivered through that relay (smtp://HOST:PORT,\n"
        "or smtps:// for TLS; file:///DIR writes each message into DIR instead;\n"
        "--smtp-starttls requires STARTTLS on smtp://), from --mail-from (default:\n"
        "the declaration's mail.from), replies going to --mail-reply-to (default:\n"
        "mail.reply_to, else controller.email, else controller.dpo.email);\n"
        "--smtp-user logs in with the password in the first line of\n"
        "--smtp-password-file. Without --smtp messages stay queued (see 'rekisteri\n"
        "outbox'). docs/email.md describes retries and the outbox states.\n"
        "\n"
        "The public side: the declaration's forms at /forms/{id} (double opt-in),\n"
        "/confirm/{token}, /preferences (the link by email), /preferences/{token} and\n"
        "one-click unsubscribe at\n"
        "/u/{token}. --public-url is the address people reach them at, used in\n"
        "the links of emails (e.g. https://rekisteri.example.fi; default the\n"
        "--listen address). --public-rate limits each client address to N\n"
        "requests a second on the public routes, in bursts of 4 N (at least 20);\n"
        "default 5, 0 for no limit (only behind a proxy that limits).\n"
        "--request-timeout closes connections idle that long, and requests\n"
        "whose body has not arrived whole by then (default 10 s).\n"
        "--header-timeout closes a connection whose request header block has not\n"
        "arrived whole that long after it connected or got its last answer\n"
        "(default 10 s).\n"
        "--max-connections-per-address caps the connections one client address may\n"
        "hold open (default 64; 0 for no cap, only behind a proxy that caps).\n"
        "/metrics is served on --listen when that is a loopback address (127/8),\n"
        "else only on --metrics-listen (default 127.0.0.1:9464), which also moves\n"
        "it from a loopback listener (behind a proxy); off serves it nowhere.\n"
        "--threads sets the request threads (1 to 256; default: one per CPU).\n"
        "--sweep-interval runs the retention sweep ('rekisteri sweep') every that\n"
        "many seconds (default 3600; 0: never, for when cron runs it).\n"
        "--sync-interval: seconds between the recipients' sync passes, which keep\n"
        "Mailchimp and Salesforce in step (default 30; docs/recipients.md).\n"
        "--session-idle and --session-max end a console session after that many\n"
        "seconds without a request (default 1800) and in any case (default 43200).\n"
        "The session cookie is Secure: sign-in needs an https --public-url, or\n"
        "http to 127.0.0.1 or localhost (browsers treat those as secure).\n"
        "\n"
        "A database that cannot be written (disk full, an I/O error) answers writes\n"
        "503 storage_unavailable with Retry-After until space returns; one the\n"
        "service may only read is served read-only: reads work, writes get the same\n"
        "503, no mail, notices, sweeps or syncs run (docs/operations.md)."
        "\n",
        NULL, &first);
    if (prc != RK_EXIT_OK)
        return prc < 0 ? RK_EXIT_OK : prc;
    if (first < argc) {
        rk_cli_error("serve takes no arguments, found '%s'; see 'rekisteri serve --help'",
                     argv[first]);
        return RK_EXIT_USAGE;
    }
    long n;
    if (threads_arg) {
        if (!number(threads_arg, 1, 256, &n)) {
            rk_cli_error("--threads: expected a number from 1 to 256");
            return RK_EXIT_USAGE;
        }
        threads = (unsigned)n;
    }
    if (sweep_arg) {
        if (!number(sweep_arg, 0, 604800L, &sweep_interval)) {
            rk_cli_error("--sweep-interval: expected seconds from 0 (never) to 604800");
            return RK_EXIT_USAGE;
        }
        if (sweep_interval == 0)
            sweep_interval = -1; /* never */
    }
    if (sync_arg && !number(sync_arg, 1, 3600, &sync_interval)) {
        rk_cli_error("--sync-interval: expected seconds from 1 to 3600");
        return RK_EXIT_USAGE;
    }
    if ((idle_arg && !number(idle_arg, 1, 30L * 86400, &session_idle)) ||
        (max_arg && !number(max_arg, 1, 30L * 86400, &session_max))) {
        rk_cli_error("%s: expected seconds from 1 to 2592000 (30 days)",
                     idle_arg && session_idle == 0 ? "--session-idle" : "--session-max");
        return RK_EXIT_USAGE;
    }
    if (request_timeout_arg && !number(request_timeout_arg, 1, 3600, &request_timeout)) {
        rk_cli_error("--request-timeout: expected seconds from 1 to 3600");
        return RK_EXIT_USAGE;
    }
    if (header_timeout_arg && !number(header_timeout_arg, 1, 3600, &header_timeout)) {
        rk_cli_error("--header-timeout: expected seconds from 1 to 3600");
        return RK_EXIT_USAGE;
    }
    if (per_address_arg) {
        if (!number(per_address_arg, 0, 1000, &n)) {
            rk_cli_error("--max-connections-per-address: expected a number from 1 to 1000, "
                         "or 0 for no cap");
            return RK_EXIT_USAGE;
        }
        max_per_address = n == 0 ? -1 : (int)n; /* 0: no cap */
    }
    if (rate_arg) {
        char *end;
        public_rate = strtod(rate_arg, &end);
        if (*end || rate_arg[0] == '\0' || public_rate < 0 || public_rate > 1e6) {
            rk_cli_error("--public-rate: expected requests a second, 0 for no limit");
            return RK_EXIT_USAGE;
        }
        if (public_rate == 0)
            public_rate = -1; /* no limit */
    }
    if (public_url &&
        ((strncmp(public_url, "https://", 8) != 0 && strncmp(public_url, "http://", 7) != 0) ||
         strlen(public_url) > 200 || strpbrk(public_url, " <>\"?#"))) {
        rk_cli_error("--public-url: expected an http(s) URL without query, such as "
                     "https://rekisteri.example.fi");
        return RK_EXIT_USAGE;
    }
    struct rk_smtp_config smtp;
    mo.from_later = true; /* the declaration's mail.from when not given */
    int rc = rk_cli_mail_config(&mo, &smtp);
    if (rc != RK_EXIT_OK)
        return rc;
    decl_path =
        rk_cli_env_or(decl_path, "REKISTERI_DECLARATION", "examples/smartum/declaration.yaml");
    db = rk_cli_env_or(db, "REKISTERI_DB", "var/rekisteri.db");
    key_file = rk_cli_env_or(key_file, "REKISTERI_KEY_FILE", "var/rekisteri.key");
    journal = rk_cli_journal_path(journal, db, key_file, journal_buf, sizeof journal_buf);
    struct rk_decl *d = NULL;
    rc = rk_cli_load_decl(decl_path, &d);
    if (rc == RK_EXIT_OK && smtp.url) {
        /* From and Reply-To: the options, else the declaration (mail:; Reply-To defaults to
         * the controller's email, else the DPO's). */
        if (!smtp.from)
            smtp.from = d->mail.from;
        if (!smtp.reply_to)
            smtp.reply_to = rk_decl_reply_to(d);
        if (!smtp.from) {
            rk_cli_error("--mail-from ADDRESS (or mail.from in the declaration) is required "
                         "with --smtp");
            rc = RK_EXIT_USAGE;
        } else if (smtp.reply_to && !rk_mail_address_ok(smtp.reply_to)) {
            rk_cli_error("the declaration's address for replies ('%s') is not an email address "
                         "(local-part@host, ASCII); set mail.reply_to or --mail-reply-to",
                         smtp.reply_to);
            rc = RK_EXIT_USAGE;
        }
        if (rc != RK_EXIT_OK)
            rk_decl_free(d);
    }
    if (rc != RK_EXIT_OK) {
        rk_cli_mail_cleanup(&mo);
        return rc;
    }

    /* The API needs the database and key; the public pages do not. */
    struct rk_keys keys;
    struct rk_error kerr = RK_ERROR_INIT;
    struct rk_error kload = RK_ERROR_INIT;
    bool api = rk_crypto_init() == RK_OK && rk_cli_db_present(db) &&
               rk_keys_load(key_file, &keys, &kload) == RK_OK;
    /* The key file is locked (shared) while it is read and checked against the database:
     * a key of another generation than the database's is refused. Not while serving: a
     * `key rotate` then reaches the service through the watcher (above). */
    int key_fd = -1;
    if (api && rk_keys_lock(key_file, false, &key_fd, &kload) != RK_OK) {
        rk_cli_error("serve: %s", kload.message);
        rk_cli_mail_cleanup(&mo);
        rk_decl_free(d);
        return RK_EXIT_USAGE;
    }
    bool read_only = false;
    if (api) {
        /* Can it be written? A write transaction begun and rolled back tells. When the file
         * or its directory is read-only, serve it for reading: writes are answered 503. */
        struct rk_store *st = NULL;
        struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL};
        struct rk_error msg = RK_ERROR_INIT;
        int from, to;
        struct rk_error open_err = RK_ERROR_INIT;
        rk_err e = rk_store_open(db, &opt, &st, &open_err);
        if (e == RK_OK)
            e = rk_store_migrate(st, &from, &to);
        rk_err w = e == RK_OK ? rk_store_begin(st) : e; /* busy (another writer) is writable */
        if (w == RK_OK)
            rk_store_rollback(st);
        else if (w == RK_ESTORAGE)
            e = w;
        if (e == RK_OK && rk_rotate_check(st, &keys, key_file, &msg) != RK_OK) {
            rk_cli_error("serve: %s", msg.message);
            rk_store_close(st);
            close(key_fd);
            rk_cli_mail_cleanup(&mo);
            rk_decl_free(d);
            return RK_EXIT_USAGE;
        }
        if (e == RK_OK) { /* a database from before migration 0014 (core/rotate.h S5) */
            struct rk_reg_room room;
            struct rk_reg *r = rk_reg_in(&room);
            int64_t sealed = 0;
            e = rk_notice_reg_init(r, d, st, &keys, "serve");
            if (e == RK_OK && (e = rk_rotate_seal_plain(r, &sealed, &msg)) != RK_OK)
                rk_cli_error("serve: %s", msg.message);
            int64_t indexed = 0; /* entries from before migration 0016 (core/search.h) */
            if (e == RK_OK && (e = rk_search_backfill(r, &indexed, &msg)) != RK_OK)
                rk_cli_error("serve: %s", msg.message);
            /* the cookie text's current version, for the consent log (http/consent_log.h) */
            if (e == RK_OK && (e = rk_consent_log_record_version(d, st, rk_time_now())) != RK_OK)
                rk_cli_error("serve: cannot record the consent version: %s", rk_store_errmsg(st));
            rk_reg_wipe(r);
            if (e != RK_OK) {
                rk_store_close(st);
                close(key_fd);
                rk_cli_mail_cleanup(&mo);
                rk_decl_free(d);
                return RK_EXIT_FAIL;
            }
        }
        /* why it cannot be written: the handle that holds it is closed next */
        const struct rk_error why = st ? *rk_store_error(st) : open_err;
        rk_store_close(st);
        st = NULL;
        if (e == RK_ESTORAGE) {
            opt.read_only = true;
            e = rk_store_open(db, &opt, &st, &open_err);
            if (e == RK_OK)
                e = rk_store_migrate(st, &from, &to); /* only checks: up to date needs no write */
            if (e != RK_OK && st)
                open_err = *rk_store_error(st);
            rk_store_close(st);
            read_only = e == RK_OK;
            if (read_only)
                rk_cli_error("serve: %s: %s; serving it read-only: reads and public pages "
                             "work, every write is answered 503",
                             db, why.message);
            else
                rk_cli_error("serve: %s: cannot be written, nor served read-only: %s",
                             rk_cli_db_shown(db), open_err.message);
        }
        api = e == RK_OK;
    }
    if (key_fd >= 0) {
        close(key_fd);
        key_fd = -1;
    }
    /* Erasures through the API append to the journal: a journal that cannot be created is
     * found now, not at the first erasure. */
    rk_err je =
        api && !read_only ? rk_journal_create(journal, rk_keys_generation(&keys), &kerr) : RK_OK;
    if (je != RK_OK && je != RK_ECONFLICT) {
        rk_cli_error("serve: %s", kerr.message);
        rk_cli_mail_cleanup(&mo);
        rk_decl_free(d);
        return RK_EXIT_FAIL;
    }

    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL); /* inherited by the server's threads */

    struct rk_http_server *srv = NULL;
    struct rk_error err = RK_ERROR_INIT;
    struct rk_http_config cfg = {.listen = listen,
                                 .decl = d,
                                 .threads = threads,
                                 .db = api ? db : NULL,
                                 .keys = api ? &keys : NULL,
                                 .smtp = smtp.url ? &smtp : NULL,
                                 .public_url = public_url,
                                 .public_rate = public_rate,
                                 .request_timeout = request_timeout,
                                 .header_timeout = header_timeout,
                                 .max_per_address = max_per_address,
                                 .metrics_listen = metrics_listen,
                                 .sweep_interval = sweep_interval,
                                 .sync_interval = sync_interval,
                                 .journal = journal,
                                 .read_only = read_only,
                                 .session_idle = session_idle,
                                 .session_max = session_max};
    if (smtp.url && !api)
        rk_cli_error("serve: no database (%s): nothing will be sent", rk_cli_db_shown(db));
    rk_err e = rk_http_start(&cfg, &srv, &err);
    if (e != RK_OK) {
        rk_cli_error("serve: %s", err.message);
        rk_cli_mail_cleanup(&mo);
        rk_decl_free(d);
        return e == RK_EINVAL ? RK_EXIT_USAGE : RK_EXIT_FAIL;
    }
    char host[64];
    snprintf(host, sizeof host, "%.*s", (int)(strrchr(listen, ':') - listen), listen);
    printf("listening on http://%s:%u/\n", host, rk_http_port(srv));
    if (rk_http_metrics_port(srv)) { /* /metrics on a listener of its own */
        const char *ml = metrics_listen ? metrics_listen : RK_HTTP_METRICS_LISTEN;
        printf("metrics on http://%.*s:%u/metrics\n", (int)(strrchr(ml, ':') - ml), ml,
               rk_http_metrics_port(srv));
    }
    if (public_url && strncmp(public_url, "http://", 7) == 0 &&
        strncmp(public_url + 7, "127.", 4) != 0 && strncmp(public_url + 7, "localhost", 9) != 0)
        rk_cli_error("serve: --public-url is plain http: browsers refuse the console's Secure "
                     "session cookie there, so signing in to /console/ needs https");
    fflush(stdout);
    char ts[RK_TS_LEN + 1];
    rk_ts_format(rk_time_now(), ts);
    fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"start\",\"port\":%u,\"api\":%s%s}\n", ts,
            rk_http_port(srv), api ? "true" : "false", read_only ? ",\"read_only\":true" : "");

    struct key_watch watch = {.db = db, .key_file = key_file};
    if (api) {
        watch.gen = rk_keys_generation(&keys);
        sodium_memzero(&keys, sizeof keys); /* the service holds its own copy */
    }
    int sig = 0;
    rc = RK_EXIT_OK;
    for (;;) {
        const struct timespec tick = {.tv_sec = 0, .tv_nsec = WATCH_MS * 1000000L};
        sig = api ? sigtimedwait(&stop, NULL, &tick) : sigwaitinfo(&stop, NULL);
        if (sig > 0)
            break;
        if (sig < 0 && errno != EAGAIN && errno != EINTR)
            break;
        if (api && sig < 0 && errno == EAGAIN && key_watch_tick(&watch, srv) != RK_OK) {
            rc = RK_EXIT_FAIL; /* the service could not take the new key: start afresh */
            break;
        }
    }
    rk_store_close(watch.st);
    rk_http_stop(srv);
    rk_ts_format(rk_time_now(), ts);
    fprintf(stderr, "{\"ts\":\"%s\",\"event\":\"stop\",\"signal\":%d}\n", ts, sig);
    rk_cli_mail_cleanup(&mo);
    rk_decl_free(d);
    return rc;
}

const struct rk_cli_command rk_cli_serve = {
    .name = "serve", .summary = "run the HTTP service", .run = run_serve};
