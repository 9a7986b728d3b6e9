/*
 * cli_recipients.c — art 19 notices for operators and staff: `rekisteri
 * recipients list [--failed]` (counts by state; with --failed the notices
 * that need a person: failed and unsupported ones, by id, recipient, kind,
 * attempts and last error, never the identity), `recipients send` (deliver
 * what is due once and exit: cron and tests) and `recipients notify PERSON
 * --kind K [--request RID]` (queue a notice to every recipient of the
 * person's data by hand, through rk_notify_recipients).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/reg.h"
#include "connect/connect.h"
#include "core/notify.h"

static const char *const text_json[] = {"text", "json", NULL};

/* ---- recipients list ------------------------------------------------------------------- */

static int print_notice(void *ctx, const struct rk_notice_row *n) {
    struct rk_cli_listing *l = ctx;
    json_t *list = l->list;
    char created[RK_TS_LEN + 1];
    rk_ts_format(n->created_at, created);
    if (list)
        json_array_append_new(
            list, json_pack("{s:I, s:s, s:s, s:s, s:s, s:s?, s:i, s:s, s:s?, s:s?}", "id",
                            (json_int_t)n->id, "recipient", n->recipient, "kind",
                            rk_notice_kind_name(n->kind), "state", rk_notice_state_name(n->state),
                            "person", n->person_id, "request", n->request_id, "attempts",
                            n->attempts, "created_at", created, "remote_id", n->remote_id,
                            "last_error", n->last_error));
    else {
        char id[24], attempts[16];
        snprintf(id, sizeof id, "%lld", (long long)n->id);
        snprintf(attempts, sizeof attempts, "%d", n->attempts);
        rk_cli_table_row(&l->table,
                         (const char *const[]){id, n->recipient, rk_notice_kind_name(n->kind),
                                               rk_notice_state_name(n->state), attempts,
                                               n->person_id, n->last_error});
    }
    return 0;
}

static int recipients_list(int argc, char **argv) {
    bool failed = false;
    const struct rk_cli_opt opts[] = {{"failed", NULL, &failed}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri recipients list [--failed] [--format text|json]\n"
        "\n"
        "Counts the art 19 notices to recipients by state (queued, pending, done,\n"
        "failed, unsupported). With --failed also lists those that need a person,\n"
        "newest first: failed (refused, or given up after the last attempt) and\n"
        "unsupported (no connector, or one that cannot carry the kind), each with its\n"
        "id, recipient, kind, attempts, person id and last error. The person's email\n"
        "is never shown.\n\n",
        opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs) {
        rk_cli_error("recipients list: takes no arguments");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    int64_t n[RK_NOTICE_STATE__COUNT] = {0};
    rk_err e = RK_OK;
    for (int i = 0; i < RK_NOTICE_STATE__COUNT && e == RK_OK; i++)
        e = rk_store_recipient_notice_count(env.store, (enum rk_notice_state)i, &n[i]);
    json_t *doc = rk_cli_json(&env) ? json_object() : NULL;
    static const struct rk_cli_col count_cols[] = {{11, " "}, {0, NULL}};
    static const struct rk_cli_col cols[] = {
        {6, " "}, {12, " "}, {14, " "}, {11, " attempts "}, {3, " person "}, {0, ": "}, {0, NULL}};
    struct rk_cli_table counts;
    struct rk_cli_listing l = {.list = doc && failed ? json_array() : NULL};
    rk_cli_table_init(&counts, 2, count_cols);
    rk_cli_table_init(&l.table, 7, cols);
    if (e == RK_OK) {
        const char *names[RK_NOTICE_STATE__COUNT];
        for (int i = 0; i < RK_NOTICE_STATE__COUNT; i++)
            names[i] = rk_notice_state_name((enum rk_notice_state)i);
        rk_cli_counts(doc, &counts, names, n, RK_NOTICE_STATE__COUNT);
        if (failed) {
            e = rk_store_recipient_notice_list(env.store, RK_NOTICE_FAILED, 1000, print_notice, &l);
            if (e == RK_OK)
                e = rk_store_recipient_notice_list(env.store, RK_NOTICE_UNSUPPORTED, 1000,
                                                   print_notice, &l);
        }
    }
    if (e != RK_OK) {
        rk_cli_error("recipients list: %s", rk_store_errmsg(env.store));
        rc = RK_EXIT_FAIL;
    } else if (doc) {
        if (l.list)
            json_object_set(doc, "failed_notices", l.list);
        rc = rk_cli_write_json(json_incref(doc));
    } else {
        rc = rk_cli_table_print(&counts);
        if (rc == RK_EXIT_OK && failed && (n[RK_NOTICE_FAILED] || n[RK_NOTICE_UNSUPPORTED]))
            printf("\nnotices to pass on by hand (id, recipient, kind, state, attempts, "
                   "person, last error):\n");
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

/* ---- recipients send ------------------------------------------------------------------- */

static bool seconds(const char *opt, const char *arg, long min, long max, int *out) {
    char *end;
    long v = strtol(arg, &end, 10);
    if (*end || end == arg || v < min || v > max) {
        rk_cli_error("%s: expected seconds from %ld to %ld", opt, min, max);
        return false;
    }
    *out = (int)v;
    return true;
}

static int recipients_send(int argc, char **argv) {
    const char *retry_base = NULL, *poll = NULL;
    const struct rk_cli_opt opts[] = {
        {"retry-base", &retry_base, NULL}, {"poll-interval", &poll, NULL}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri recipients send [--retry-base SECONDS] [--poll-interval SECONDS]\n"
        "\n"
        "Delivers the art 19 notices due now through the recipients' connectors and\n"
        "exits: for cron, or instead of the deliverer of 'serve' (run one or the\n"
        "other, not both). A webhook gets a signed JSON POST; an OpenGDPR recipient an\n"
        "erasure request, whose status is polled on later runs until completed\n"
        "(--poll-interval, default 300 s; 0 polls on the next run). Transient failures\n"
        "are retried with exponential backoff (--retry-base, default 60 s, doubling up\n"
        "to 6 h; failed after 10 attempts). Secrets come from the environment\n"
        "variables the declaration names. Prints what happened.\n\n",
        opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct rk_deliver_config cfg = {.quiet = false};
    if (env.nargs) {
        rk_cli_error("recipients send: takes no arguments");
        return RK_EXIT_USAGE;
    }
    if (retry_base && !seconds("--retry-base", retry_base, 1, 86400, &cfg.backoff_base_s))
        return RK_EXIT_USAGE;
    if (poll && !seconds("--poll-interval", poll, 0, 86400, &cfg.poll_s))
        return RK_EXIT_USAGE;
    if (poll && cfg.poll_s == 0)
        cfg.poll_s = -1; /* at once */
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    cfg.db = env.db;
    cfg.decl = env.decl;
    cfg.keys = rk_reg_keys(env.reg);
    struct rk_deliver_report rep;
    rk_err e = rk_deliver_pass(env.store, &cfg, &rep);
    printf("delivered %d, pending %d, completed %d, retried %d, failed %d, unsupported %d\n",
           rep.delivered, rep.pending, rep.completed, rep.retried, rep.failed, rep.unsupported);
    if (e != RK_OK) {
        rk_cli_error("recipients send: %s", rep.error[0] ? rep.error : rk_err_name(e));
        rc = RK_EXIT_FAIL;
    } else if (rep.retried || rep.failed || rep.unsupported) {
        rk_cli_error("recipients send: last error: %s", rep.error);
    }
    rk_cli_env_close(&env);
    return rc;
}

/* ---- recipients notify ----------------------------------------------------------------- */

static int recipients_notify(int argc, char **argv) {
    const char *kind = NULL, *request = NULL;
    const struct rk_cli_opt opts[] = {
        {"kind", &kind, NULL}, {"request", &request, NULL}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri recipients notify PERSON --kind KIND [--request RID]\n"
        "\n"
        "Queues an art 19 notice of KIND (rectification, erasure, restriction,\n"
        "restriction_lifted) for every recipient declared for a register holding\n"
        "PERSON, with the person's email as the identity the recipient knows. For a\n"
        "change made outside rekisteri; rekisteri's own rectifications, erasures and\n"
        "restrictions queue their notices themselves. Prints how many were queued.\n\n",
        opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    enum rk_notice_kind k;
    if (!kind || !rk_notice_kind_parse(kind, &k)) {
        rk_cli_error("recipients notify: --kind must be rectification, erasure, restriction or "
                     "restriction_lifted");
        return RK_EXIT_USAGE;
    }
    if (request && (strlen(request) > 64 || request[strspn(request, "abcdefghijklmnopqrstuvwxyz"
                                                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                                    "0123456789-_")] != '\0')) {
        rk_cli_error("recipients notify: --request must be an id (letters, digits, '-', '_')");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open_one(&env, "recipients notify PERSON")) != RK_EXIT_OK)
        return rc;
    const char *person = env.args[0];
    bool restricted = false, objected = false;
    rk_err e = rk_store_person_exists(env.store, person, &restricted, &objected);
    int count = 0;
    if (e == RK_OK)
        e = rk_notify_recipients(env.reg, person, k, request, rk_time_now(), &count);
    if (e == RK_ENOENT) {
        rk_cli_error("recipients notify: no person %s", person);
        rc = RK_EXIT_USAGE;
    } else if (e != RK_OK) {
        rk_cli_error("recipients notify: %s", rk_store_errmsg(env.store));
        rc = RK_EXIT_FAIL;
    } else {
        printf("%d\n", count);
        fprintf(stderr, "queued %d notice%s of %s\n", count, count == 1 ? "" : "s", kind);
    }
    rk_cli_env_close(&env);
    return rc;
}

static const struct rk_cli_sub recipients_subs[] = {
    {.name = "list", .summary = "list the notices to recipients", .run = recipients_list},
    {.name = "send", .summary = "deliver the queued notices", .run = recipients_send},
    {.name = "notify", .summary = "queue notices for a person's changes", .run = recipients_notify},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_recipients = {
    .name = "recipients",
    .summary = "tell recipients of changes (art 19): list, send, notify",
    .subs = recipients_subs,
    .expected = "expected 'recipients list', 'recipients send' or 'recipients notify'"};
