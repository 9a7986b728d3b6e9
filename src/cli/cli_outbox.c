/*
 * cli_outbox.c — the email outbox for operators: `rekisteri outbox list
 * [--failed]` (counts by state; failed messages by id, kind, attempts and
 * error, never the recipient), `rekisteri outbox send` (deliver what is due
 * once and exit: for cron and tests) and `rekisteri mail test --to ADDRESS`
 * (queue a test message to check the SMTP settings). The SMTP options are
 * parsed here for `serve` too (rk_cli_mail_config).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "cli/reg.h"
#include "mail/mail.h"

static const char *const text_json[] = {"text", "json", NULL};

#define SMTP_HELP                                                                                  \
    "  --smtp URL               the relay: smtp://HOST:PORT, or smtps://HOST:PORT for TLS;\n"     \
    "                           file:///DIR writes each message into DIR instead (.eml)\n"       \
    "  --mail-from ADDRESS      the sender address (envelope and From), required with --smtp\n"    \
    "  --smtp-user USER         log in as USER, with the password in --smtp-password-file\n"       \
    "  --smtp-password-file F   the file holding the password (one line)\n"                        \
    "  --smtp-starttls          require STARTTLS on smtp:// (refuse to send in clear)\n"

/* Reads the first line of path into out; false after a message (never the password). */
static bool read_password(const char *path, char *out, size_t n) {
    FILE *f = fopen(path, "r");
    if (!f) {
        rk_cli_error("--smtp-password-file: cannot open %s: %s", path, strerror(errno));
        return false;
    }
    bool ok = fgets(out, (int)n, f) != NULL;
    fclose(f);
    size_t len = ok ? strcspn(out, "\r\n") : 0;
    if (ok)
        out[len] = '\0';
    if (!ok || len == 0 || len >= n - 1) {
        rk_cli_error("--smtp-password-file: %s must hold the password on its first line "
                     "(1 to %zu bytes)",
                     path, n - 2);
        return false;
    }
    return true;
}

int rk_cli_mail_config(struct rk_cli_mail *o, struct rk_smtp_config *out) {
    memset(out, 0, sizeof *out);
    if (!o->smtp) {
        if (o->user || o->password_file || o->starttls || o->from || o->reply_to) {
            rk_cli_error("--mail-from, --mail-reply-to, --smtp-user, --smtp-password-file and "
                         "--smtp-starttls need --smtp URL");
            return RK_EXIT_USAGE;
        }
        return RK_EXIT_OK;
    }
    struct rk_error why = RK_ERROR_INIT;
    if (!rk_smtp_url_ok(o->smtp, &why)) {
        rk_cli_error("--smtp: %s", why.message);
        return RK_EXIT_USAGE;
    }
    if (!o->from && !o->from_later) {
        rk_cli_error("--mail-from ADDRESS is required with --smtp");
        return RK_EXIT_USAGE;
    }
    if (o->from && !rk_mail_address_ok(o->from)) {
        rk_cli_error("--mail-from: '%s' is not an email address (local-part@host, ASCII)", o->from);
        return RK_EXIT_USAGE;
    }
    if (o->reply_to && !rk_mail_address_ok(o->reply_to)) {
        rk_cli_error("--mail-reply-to: '%s' is not an email address (local-part@host, ASCII)",
                     o->reply_to);
        return RK_EXIT_USAGE;
    }
    if (!o->user != !o->password_file) {
        rk_cli_error("--smtp-user and --smtp-password-file go together");
        return RK_EXIT_USAGE;
    }
    if (o->password_file && !read_password(o->password_file, o->password, sizeof o->password))
        return RK_EXIT_USAGE;
    if (o->starttls && strncmp(o->smtp, "smtps://", 8) == 0) {
        rk_cli_error("--smtp-starttls is for smtp:// URLs; smtps:// is TLS from the start");
        return RK_EXIT_USAGE;
    }
    *out = (struct rk_smtp_config){.url = o->smtp,
                                   .user = o->user,
                                   .password = o->password_file ? o->password : NULL,
                                   .starttls = o->starttls,
                                   .from = o->from,
                                   .reply_to = o->reply_to};
    return RK_EXIT_OK;
}

void rk_cli_mail_cleanup(struct rk_cli_mail *o) { sodium_memzero(o->password, sizeof o->password); }

/* ---- outbox list ----------------------------------------------------------------------- */

static int print_failure(void *ctx, const struct rk_outbox_failure *f) {
    struct rk_cli_listing *l = ctx;
    json_t *list = l->list;
    char failed[RK_TS_LEN + 1] = "";
    if (f->failed_at)
        rk_ts_format(f->failed_at, failed);
    if (list)
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s?, s:i, s:s?, s:s?}", "id", (json_int_t)f->id, "kind",
                            f->kind, "person", f->person_id, "attempts", f->attempts, "failed_at",
                            f->failed_at ? failed : NULL, "last_error", f->last_error));
    else {
        char id[24], attempts[16];
        snprintf(id, sizeof id, "%lld", (long long)f->id);
        snprintf(attempts, sizeof attempts, "%d", f->attempts);
        rk_cli_table_row(&l->table,
                         (const char *const[]){id, f->kind, attempts, failed,
                                               f->person_id ? f->person_id : "-", f->last_error});
    }
    return 0;
}

static int outbox_list(int argc, char **argv) {
    bool failed = false;
    const struct rk_cli_opt opts[] = {{"failed", NULL, &failed}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri outbox list [--failed] [--format text|json]\n"
                              "\n"
                              "Counts the outbox's messages by state (queued, sent, failed);\n"
                              "with --failed also lists the failed ones, newest first: outbox\n"
                              "id, kind, attempts, when, person id and the last error. The\n"
                              "recipient, subject and body are never shown.\n\n",
                              opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs) {
        rk_cli_error("outbox list: takes no arguments");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    static const char *const names[RK_OUTBOX__COUNT] = {"queued", "sent", "failed"};
    int64_t n[RK_OUTBOX__COUNT] = {0};
    rk_err e = RK_OK;
    for (int i = 0; i < RK_OUTBOX__COUNT && e == RK_OK; i++)
        e = rk_store_outbox_count(env.store, (enum rk_outbox_state)i, &n[i]);
    json_t *doc = rk_cli_json(&env) ? json_object() : NULL;
    static const struct rk_cli_col count_cols[] = {{7, " "}, {0, NULL}};
    static const struct rk_cli_col cols[] = {{8, " "},        {10, " attempts "}, {3, " "},
                                             {0, " person "}, {0, ": "},          {0, NULL}};
    struct rk_cli_table counts;
    struct rk_cli_listing l = {.list = doc && failed ? json_array() : NULL};
    rk_cli_table_init(&counts, 2, count_cols);
    rk_cli_table_init(&l.table, 6, cols);
    if (e == RK_OK) {
        rk_cli_counts(doc, &counts, names, n, RK_OUTBOX__COUNT);
        if (failed)
            e = rk_store_outbox_failed(env.store, 1000, print_failure, &l);
    }
    if (e != RK_OK) {
        rk_cli_error("outbox list: %s", rk_store_errmsg(env.store));
        rc = RK_EXIT_FAIL;
    } else if (doc) {
        if (l.list)
            json_object_set(doc, "failed_messages", l.list);
        rc = rk_cli_write_json(json_incref(doc));
    } else {
        rc = rk_cli_table_print(&counts);
        if (rc == RK_EXIT_OK && failed && n[RK_OUTBOX_FAILED])
            printf("\nfailed messages (id, kind, attempts, when, person, last error):\n");
        if (rc == RK_EXIT_OK)
            rc = rk_cli_table_print(&l.table);
    }
    rk_cli_table_cleanup(&counts);
    rk_cli_table_cleanup(&l.table);
    json_decref(l.list);
    json_decref(doc);
    rk_cli_env_close(&env);
    return rc;
}

/* ---- outbox send ----------------------------------------------------------------------- */

static int outbox_send(int argc, char **argv) {
    struct rk_cli_mail mo = {0};
    const char *retry_base = NULL;
    const struct rk_cli_opt opts[] = {{"smtp", &mo.smtp, NULL},
                                      {"mail-from", &mo.from, NULL},
                                      {"mail-reply-to", &mo.reply_to, NULL},
                                      {"smtp-user", &mo.user, NULL},
                                      {"smtp-password-file", &mo.password_file, NULL},
                                      {"smtp-starttls", NULL, &mo.starttls},
                                      {"retry-base", &retry_base, NULL},
                                      {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri outbox send --smtp URL --mail-from ADDRESS [--mail-reply-to ADDRESS]\n"
        "                             [--smtp-user USER\n"
        "                             --smtp-password-file FILE] [--smtp-starttls]\n"
        "                             [--retry-base SECONDS]\n"
        "\n"
        "Delivers the messages due now, one by one, and exits: for cron, or instead of\n"
        "the sender of 'serve --smtp' (run one or the other, not both). A message the\n"
        "relay refuses for now (no connection, 4xx) is tried again later with\n"
        "exponential backoff (--retry-base, default 60 s, doubling up to 6 h; failed\n"
        "after 10 attempts); one refused for good (5xx) is failed at once. Prints how\n"
        "many were sent, retried and failed; exit 1 when the relay could not be reached.\n"
        "\n" SMTP_HELP "\n",
        opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_sender_config cfg = {.quiet = false}; /* one JSON line per attempt on stderr */
    if (env.nargs) {
        rk_cli_error("outbox send: takes no arguments");
        return RK_EXIT_USAGE;
    }
    if (!mo.smtp) {
        rk_cli_error("outbox send: --smtp URL is required");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_mail_config(&mo, &cfg.smtp)) != RK_EXIT_OK)
        return rc;
    if (retry_base) {
        char *end;
        long v = strtol(retry_base, &end, 10);
        if (*end || end == retry_base || v < 1 || v > 86400) {
            rk_cli_error("--retry-base: expected seconds from 1 to 86400");
            rk_cli_mail_cleanup(&mo);
            return RK_EXIT_USAGE;
        }
        cfg.backoff_base_s = (int)v;
    }
    if (rk_smtp_global_init() != RK_OK) {
        rk_cli_error("outbox send: cannot initialise libcurl");
        rk_cli_mail_cleanup(&mo);
        return RK_EXIT_FAIL;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK) {
        rk_cli_env_close(&env);
        rk_cli_mail_cleanup(&mo);
        return rc;
    }
    cfg.db = env.db;
    cfg.keys = rk_reg_keys(env.reg);
    /* Replies go where serve sends them: the declaration's address unless --mail-reply-to. */
    const char *reply_to = rk_decl_reply_to(env.decl);
    if (!cfg.smtp.reply_to && reply_to && rk_mail_address_ok(reply_to))
        cfg.smtp.reply_to = reply_to;
    struct rk_sender_report rep;
    rk_err e = rk_sender_pass(env.store, &cfg, &rep);
    printf("sent %d, retried %d, failed %d\n", rep.sent, rep.retried, rep.failed);
    if (e != RK_OK) {
        rk_cli_error("outbox send: %s", rep.error[0] ? rep.error : rk_store_errmsg(env.store));
        rc = RK_EXIT_FAIL;
    } else if (rep.relay_down) {
        rk_cli_error("outbox send: the relay could not be reached or refused the login (%s); "
                     "the messages stay queued",
                     rep.error);
        rc = RK_EXIT_FAIL;
    } else if (rep.retried || rep.failed) {
        rk_cli_error("outbox send: last error: %s", rep.error);
    }
    rk_cli_env_close(&env);
    rk_cli_mail_cleanup(&mo);
    return rc;
}

static const struct rk_cli_sub outbox_subs[] = {
    {.name = "list", .summary = "list the queued email", .run = outbox_list},
    {.name = "send", .summary = "deliver the queued email over SMTP", .run = outbox_send},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_outbox = {.name = "outbox",
                                             .summary = "list and deliver queued email",
                                             .subs = outbox_subs,
                                             .expected = "expected 'outbox list' or 'outbox send'"};

/* ---- mail test ------------------------------------------------------------------------- */

static int mail_test(int argc, char **argv) {
    const char *to = NULL, *subject = NULL, *unsub = NULL;
    const struct rk_cli_opt opts[] = {{"to", &to, NULL},
                                      {"subject", &subject, NULL},
                                      {"list-unsubscribe", &unsub, NULL},
                                      {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri mail test --to ADDRESS [--subject TEXT] [--list-unsubscribe URL]\n"
        "\n"
        "Queues a test message to ADDRESS (kind 'test'), to check the SMTP settings:\n"
        "a running 'serve --smtp' sends it within a second, or run 'outbox send'.\n"
        "--list-unsubscribe adds the RFC 8058 one-click headers with URL, to see\n"
        "how a marketing message looks. Prints the outbox id.\n\n",
        opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs || !to) {
        rk_cli_error("mail test: expected --to ADDRESS");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    struct rk_outbox_msg m = {
        .kind = "test",
        .recipient = to,
        .subject = subject ? subject : "rekisteri: test message",
        .body = "This is a test message from rekisteri, sent to check the SMTP settings.\n"
                "Tämä on rekisterin testiviesti SMTP-asetusten tarkistamiseksi.\n",
        .list_unsubscribe = unsub};
    struct rk_error why = RK_ERROR_INIT;
    int64_t id = 0;
    rk_err e = rk_store_begin(env.store);
    if (e == RK_OK) {
        e = rk_mail_enqueue(env.store, &m, &why, &id);
        if (e == RK_OK)
            e = rk_store_commit(env.store);
        else
            rk_store_rollback(env.store);
    } else {
        e = rk_error_set(&why, e, NULL, "%s", rk_store_errmsg(env.store));
    }
    if (e != RK_OK) {
        rk_cli_error("mail test: %s", why.message[0] ? why.message : rk_store_errmsg(env.store));
        rc = rk_cli_exit_for(e);
    } else {
        printf("%lld\n", (long long)id);
        fprintf(stderr,
                "queued test message %lld; 'rekisteri outbox send' or a running "
                "'serve --smtp' delivers it\n",
                (long long)id);
    }
    rk_cli_env_close(&env);
    return rc;
}

static const struct rk_cli_sub mail_subs[] = {
    {.name = "test", .summary = "queue a test email", .run = mail_test},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_mail = {.name = "mail",
                                           .summary = "queue a test email",
                                           .subs = mail_subs,
                                           .expected = "expected 'mail test'"};
