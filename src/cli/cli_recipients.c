/*
 * cli_recipients.c — recipients for operators and staff: `rekisteri
 * recipients list [--failed]` (art 19 notices counted by state, and each
 * client recipient's sync; with --failed the notices that need a person:
 * failed and unsupported ones, by id, recipient, kind, attempts and last
 * error, never the identity), `recipients send` (deliver what is due once
 * and exit: cron and tests), `recipients notify PERSON --kind K [--request
 * RID]` (queue a notice to every recipient of the person's data by hand,
 * through rk_notify_recipients), `recipients sync RECIPIENT [--dry-run]`
 * (print what the recipient should hold and does not, then send it:
 * core/disclose.h) and `recipients pull RECIPIENT [--dry-run]` (move in the
 * people a recipient holds: core/pull.h).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/reg.h"
#include "connect/client.h"
#include "connect/connect.h"
#include "core/disclose.h"
#include "core/notify.h"
#include "core/pull.h"

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

/* The sync state of each client recipient (core/disclose.h), into doc's "sync" or as lines. */
struct sync_row {
    bool found;
    struct rk_recipient_sync v;
    char last_error[RK_CONNECT_ERROR_MAX + 1];
};

static int copy_sync(void *ctx, const struct rk_recipient_sync *rs) {
    struct sync_row *row = ctx;
    row->found = true;
    row->v = *rs;
    snprintf(row->last_error, sizeof row->last_error, "%s", rs->last_error ? rs->last_error : "");
    row->v.last_error = row->last_error;
    row->v.recipient = NULL;
    return 0;
}

struct refusals {
    json_t *list;
    const char *recipient;
    int n;
};

static int print_refusal(void *ctx, const struct rk_disclosure *d) {
    struct refusals *f = ctx;
    if (!d->error)
        return 0;
    f->n++;
    char at[RK_TS_LEN + 1];
    rk_ts_format(d->error_at, at);
    if (f->list)
        json_array_append_new(f->list,
                              json_pack("{s:s, s:s, s:s, s:s}", "recipient", f->recipient, "person",
                                        d->person_id, "at", at, "error", d->error));
    else
        printf("  %s %s %s: %s\n", f->recipient, d->person_id, at, d->error);
    return 0;
}

static rk_err list_syncs(struct rk_cli_env *env, json_t *doc, bool failed) {
    json_t *arr = doc ? json_array() : NULL, *refused = doc && failed ? json_array() : NULL;
    rk_err err = RK_OK;
    bool any = false;
    for (size_t i = 0; i < env->decl->nrecipients && err == RK_OK; i++) {
        const struct rk_recipient *r = &env->decl->recipients[i];
        if (!rk_client_speaks(r))
            continue;
        struct sync_row row = {.found = false};
        err = rk_store_recipient_sync_get(env->store, r->id, copy_sync, &row);
        if (err == RK_ENOENT)
            err = RK_OK;
        if (err != RK_OK)
            break;
        struct rk_error why = RK_ERROR_INIT;
        struct rk_client *c = NULL;
        bool configured = rk_client_open(r, &c, &why) == RK_OK;
        rk_client_close(c);
        char last[RK_TS_LEN + 1] = "", complete[RK_TS_LEN + 1] = "", next[RK_TS_LEN + 1] = "";
        if (row.v.last_pass_at)
            rk_ts_format(row.v.last_pass_at, last);
        if (row.v.complete_at)
            rk_ts_format(row.v.complete_at, complete);
        if (row.v.next_at)
            rk_ts_format(row.v.next_at, next);
        if (arr) {
            json_array_append_new(
                arr,
                json_pack("{s:s, s:s, s:b, s:s?, s:s?, s:s?, s:s?, s:I, s:I, s:I, s:I, s:s?}",
                          "recipient", r->id, "connector", rk_connector_type_id(r->connector.type),
                          "configured", configured, "not_configured",
                          configured ? NULL : rk_error_msg(&why), "last_pass_at",
                          last[0] ? last : NULL, "complete_at", complete[0] ? complete : NULL,
                          "next_at", next[0] ? next : NULL, "added", (json_int_t)row.v.added,
                          "changed", (json_int_t)row.v.changed, "removed",
                          (json_int_t)row.v.removed, "failed", (json_int_t)row.v.failed,
                          "last_error", row.last_error[0] ? row.last_error : NULL));
        } else {
            if (!any)
                printf("\nsync (recipient, connector, state):\n");
            if (!configured)
                printf("  %s %s: %s\n", r->id, rk_connector_type_id(r->connector.type),
                       rk_error_msg(&why));
            else if (!row.found)
                printf("  %s %s: not synced yet\n", r->id, rk_connector_type_id(r->connector.type));
            else
                printf("  %s %s: last pass %s, complete %s; added %lld, changed %lld, removed "
                       "%lld, refused %lld%s%s%s%s\n",
                       r->id, rk_connector_type_id(r->connector.type), last,
                       complete[0] ? complete : "never", (long long)row.v.added,
                       (long long)row.v.changed, (long long)row.v.removed, (long long)row.v.failed,
                       next[0] ? "; next " : "", next, row.last_error[0] ? "; last error: " : "",
                       row.last_error);
        }
        any = true;
        if (failed) {
            struct refusals f = {.list = refused, .recipient = r->id};
            if (!refused)
                printf("  persons %s refused (recipient, person, when, error):\n", r->id);
            err = rk_store_disclosure_each(env->store, r->id, print_refusal, &f);
        }
    }
    if (doc && any) {
        json_object_set_new(doc, "sync", arr);
        arr = NULL;
        if (refused) {
            json_object_set_new(doc, "refused", refused);
            refused = NULL;
        }
    }
    json_decref(arr);
    json_decref(refused);
    return err;
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
        "is never shown.\n"
        "For each Mailchimp or Salesforce recipient it then shows the sync: whether\n"
        "its credentials are set, the last pass, the last complete one, the counts and\n"
        "the last error; with --failed also each person the recipient refused (person\n"
        "id, when, the recipient's error code).\n\n",
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
    if (e == RK_OK && doc)
        e = list_syncs(&env, doc, failed);
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
        fflush(stdout);
        if (rc == RK_EXIT_OK && list_syncs(&env, NULL, failed) != RK_OK) {
            rk_cli_error("recipients list: %s", rk_store_errmsg(env.store));
            rc = RK_EXIT_FAIL;
        }
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
    cfg.synced = rk_disclose_synced;
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

/* ---- recipients sync and pull ---------------------------------------------------------- */

/* The recipient named id, which must speak a client (Mailchimp, Salesforce); NULL after
 * saying why. */
static const struct rk_recipient *client_recipient(const struct rk_decl *d, const char *cmd,
                                                   const char *id) {
    const struct rk_recipient *r = rk_decl_recipient(d, id);
    if (!r) {
        const char *names[64];
        size_t n = 0;
        for (size_t i = 0; i < d->nrecipients && n < 64; i++)
            if (rk_client_speaks(&d->recipients[i]))
                names[n++] = d->recipients[i].id;
        const char *near = rk_cli_nearest(id, names, n);
        rk_cli_error("recipients %s: no recipient '%s' is declared%s%s%s", cmd, id,
                     near ? "; did you mean '" : "", near ? near : "", near ? "'?" : "");
        return NULL;
    }
    if (!rk_client_speaks(r)) {
        rk_cli_error("recipients %s: recipient '%s' has %s connector; only mailchimp and "
                     "salesforce connectors are synced (its notices go out with 'recipients "
                     "send')",
                     cmd, id,
                     r->connector.type == RK_CONNECTOR_NONE
                         ? "no"
                         : rk_connector_type_id(r->connector.type));
        return NULL;
    }
    return r;
}

/* The names of the fields set in a mask, "name,email", into out. */
static const char *field_list(unsigned fields, char *out, size_t n) {
    size_t len = 0;
    out[0] = '\0';
    for (int f = 0; f < RK_F__COUNT; f++)
        if (fields & (1u << f))
            len += (size_t)snprintf(out + len, len < n ? n - len : 0, "%s%s", len ? "," : "",
                                    rk_field_id((enum rk_field)f));
    return out;
}

struct sync_out {
    struct rk_cli_listing l;
    bool json;
};

static int print_diff(void *ctx, const struct rk_sync_diff *df) {
    struct sync_out *o = ctx;
    char fields[128];
    field_list(df->fields, fields, sizeof fields);
    if (o->l.list)
        json_array_append_new(o->l.list,
                              json_pack("{s:s, s:s, s:s, s:s, s:s}", "action", df->action, "person",
                                        df->person_id, "was", rk_held_name(df->was), "want",
                                        rk_held_name(df->want), "fields", fields));
    else
        rk_cli_table_row(&o->l.table, (const char *const[]){df->action, df->person_id, fields});
    return 0;
}

static void progress(void *ctx, long long done, long long total) {
    (void)ctx;
    if (total > 0)
        fprintf(stderr, "sent %lld of %lld\n", done, total);
}

static int recipients_sync(int argc, char **argv) {
    bool dry_run = false;
    const struct rk_cli_opt opts[] = {{"dry-run", NULL, &dry_run}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri recipients sync RECIPIENT [--dry-run] [--format text|json]\n"
        "\n"
        "Compares what RECIPIENT (a mailchimp or salesforce connector) should hold with\n"
        "what rekisteri last disclosed to it, prints the differences (add, change,\n"
        "restrict, remove: the person id and the fields that would be sent; never a\n"
        "value), and then sends them, each outcome recorded at once. With --dry-run\n"
        "it only prints. Only the categories the declaration's shares name are ever\n"
        "sent. 'serve' runs the same sync every 30 s (--sync-interval); this command\n"
        "is for the first sync, a repair, or cron. The credentials come from the\n"
        "environment variables the connector names. Exits 1 when the recipient\n"
        "refused or could not be reached before everything was sent (run it again:\n"
        "every call is idempotent).\n\n",
        opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if ((rc = rk_cli_env_open_one(&env, "recipients sync RECIPIENT")) != RK_EXIT_OK)
        return rc;
    const struct rk_recipient *r = client_recipient(env.decl, "sync", env.args[0]);
    if (!r) {
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    struct rk_error e = RK_ERROR_INIT;
    struct rk_client *c = NULL;
    rk_err err = dry_run ? RK_OK : rk_client_open(r, &c, &e);
    if (err != RK_OK) {
        rk_cli_error("recipients sync: %s", rk_error_msg(&e));
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    static const struct rk_cli_col cols[] = {{9, " "}, {26, " "}, {0, NULL}, {0, NULL}};
    struct sync_out out = {.json = rk_cli_json(&env)};
    rk_cli_listing_init(&out.l, out.json, 3, cols);
    struct rk_sync_options o = {.dry_run = dry_run,
                                .each = print_diff,
                                .each_ctx = &out,
                                .progress = out.json ? NULL : progress};
    struct rk_sync_report rep;
    memset(&rep, 0, sizeof rep);
    err = rk_sync_recipient(env.reg, r, c, rk_time_now(), &o, &rep, &e);
    rk_client_close(c);
    if (err != RK_OK) {
        rk_cli_error("recipients sync: %s", rk_error_msg(&e));
        rc = rk_cli_listing_end(&out.l, RK_EXIT_FAIL);
        rk_cli_env_close(&env);
        return rc;
    }
    if (out.json) {
        json_t *doc = json_pack(
            "{s:s, s:b, s:o, s:{s:I, s:I, s:I, s:I, s:I}, s:I, s:I, s:I, s:b, s:s?}", "recipient",
            r->id, "dry_run", dry_run, "differences", json_incref(out.l.list), "plan", "add",
            (json_int_t)rep.add, "change", (json_int_t)rep.change, "restrict",
            (json_int_t)rep.restrict_, "remove", (json_int_t)rep.remove, "unchanged",
            (json_int_t)rep.unchanged, "sent", (json_int_t)rep.sent, "adopted",
            (json_int_t)rep.adopted, "failed", (json_int_t)rep.failed, "complete", rep.complete,
            "error", rep.error[0] ? rep.error : NULL);
        json_decref(out.l.list);
        out.l.list = NULL;
        rc = rk_cli_write_json(doc);
    } else {
        rc = rk_cli_table_print(&out.l.table);
        printf("%s: to add %lld, to change %lld, to restrict %lld, to remove %lld, unchanged "
               "%lld\n",
               r->id, rep.add, rep.change, rep.restrict_, rep.remove, rep.unchanged);
        if (!dry_run)
            printf("sent %lld, failed %lld; %s\n", rep.sent, rep.failed,
                   rep.complete ? "complete" : "not complete");
    }
    rk_cli_table_cleanup(&out.l.table);
    json_decref(out.l.list);
    if (rc == RK_EXIT_OK && !dry_run && (!rep.complete || rep.failed)) {
        rk_cli_error("recipients sync: %s%s",
                     rep.complete ? "the recipient refused some: " : "not complete: ",
                     rep.error[0] ? rep.error : "see 'recipients list --failed'");
        rc = RK_EXIT_FAIL;
    }
    rk_cli_env_close(&env);
    return rc;
}

/* The persons a pull found the recipient already holding as rekisteri would have it: the
 * sync right after records them without sending (rk_sync_options.adopt). */
struct adoptee {
    char id[RK_ID_LEN + 1];
    enum rk_held held;
};

struct adopted {
    struct adoptee *v;
    size_t n, cap;
    bool oom;
};

static rk_err adopt_add(void *ctx, const char *person_id, enum rk_held held) {
    struct adopted *a = ctx;
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 1024;
        struct adoptee *v = realloc(a->v, cap * sizeof *v);
        if (!v) {
            a->oom = true;
            return RK_ENOMEM;
        }
        a->v = v;
        a->cap = cap;
    }
    snprintf(a->v[a->n].id, sizeof a->v[a->n].id, "%s", person_id);
    a->v[a->n++].held = held;
    return RK_OK;
}

static int adoptee_cmp(const void *a, const void *b) {
    return strcmp(((const struct adoptee *)a)->id, ((const struct adoptee *)b)->id);
}

static bool adopt_has(void *ctx, const char *person_id, enum rk_held want) {
    const struct adopted *a = ctx;
    struct adoptee key = {.held = want};
    snprintf(key.id, sizeof key.id, "%s", person_id);
    const struct adoptee *hit = a->n ? bsearch(&key, a->v, a->n, sizeof *a->v, adoptee_cmp) : NULL;
    return hit && hit->held == want;
}

static void pull_progress(void *ctx, long long done, long long total) {
    (void)ctx;
    if (total > 0)
        fprintf(stderr, "read %lld of %lld\n", done, total);
    else
        fprintf(stderr, "read %lld\n", done);
}

static int recipients_pull(int argc, char **argv) {
    bool dry_run = false;
    const char *source = NULL;
    const struct rk_cli_opt opts[] = {
        {"dry-run", NULL, &dry_run}, {"source", &source, NULL}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri recipients pull RECIPIENT [--dry-run] [--source KIND]\n"
        "                                 [--format text|json]\n"
        "\n"
        "Moves in the people RECIPIENT already holds, once, when the company adopts\n"
        "rekisteri. From Mailchimp: every subscribed member of the audience becomes a\n"
        "person in the register of the connector's purpose with a consent whose time\n"
        "and evidence come from Mailchimp's opt-in fields; unsubscribed and cleaned\n"
        "members become suppressions, not persons. From Salesforce: every Contact\n"
        "becomes a person in the customer register, and one without the external id\n"
        "is given it (linked). Everything passes the import's\n"
        "rules (rejects with reasons, suppressions, art 14 tasks where the data did\n"
        "not come from the person), and what was read is recorded as disclosed, so the\n"
        "sync right after it changes nothing; the pull then runs that sync for anyone\n"
        "the recipient did not hold. --dry-run reads and checks, writes nothing and\n"
        "sends nothing. --source names the declared source kind the provenance gives\n"
        "(default web_form for Mailchimp, third_party for Salesforce). Progress goes\n"
        "to standard error.\n\n",
        opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if ((rc = rk_cli_env_open_one(&env, "recipients pull RECIPIENT")) != RK_EXIT_OK)
        return rc;
    const struct rk_recipient *r = client_recipient(env.decl, "pull", env.args[0]);
    enum rk_source_kind kind = RK_SRC_THIRD_PARTY;
    if (!r || (source && !rk_cli_source("--source", source, &kind))) {
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    struct rk_error e = RK_ERROR_INIT;
    struct rk_client *c = NULL;
    rk_err err = rk_client_open(r, &c, &e);
    if (err != RK_OK) {
        rk_cli_error("recipients pull: %s", rk_error_msg(&e));
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    bool json = rk_cli_json(&env);
    struct adopted a = {.n = 0};
    struct rk_pull_options po = {.dry_run = dry_run,
                                 .progress = json ? NULL : pull_progress,
                                 .adopted = adopt_add,
                                 .adopted_ctx = &a,
                                 .has_source = source != NULL,
                                 .source = kind};
    struct rk_pull_report pr;
    memset(&pr, 0, sizeof pr);
    err = rk_pull_recipient(env.reg, r, c, &po, &pr, &e);
    struct rk_sync_report sr;
    memset(&sr, 0, sizeof sr);
    if (err == RK_OK && a.oom)
        err = rk_error_set(&e, RK_ENOMEM, NULL, "out of memory");
    if (err == RK_OK && !dry_run) {
        if (a.n)
            qsort(a.v, a.n, sizeof *a.v, adoptee_cmp);
        struct rk_sync_options so = {.adopt = adopt_has, .adopt_ctx = &a};
        err = rk_sync_recipient(env.reg, r, c, rk_time_now(), &so, &sr, &e);
    }
    rk_client_close(c);
    free(a.v);
    for (size_t i = 0; i < pr.nreasons; i++)
        rk_cli_error("recipients pull: rejected %s", pr.reasons[i]);
    for (size_t i = 0; i < pr.nlink_reasons; i++)
        rk_cli_error("recipients pull: %s", pr.link_reasons[i]);
    if (err != RK_OK) {
        rk_cli_error("recipients pull: %s", rk_error_msg(&e));
        rk_cli_env_close(&env);
        return rk_cli_exit_for(err);
    }
    if (json) {
        rc = rk_cli_write_json(json_pack(
            "{s:s, s:b, s:s?, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, "
            "s:I, s:b}}",
            "recipient", r->id, "dry_run", dry_run, "register", pr.register_id, "read",
            (json_int_t)pr.read, "imported", (json_int_t)pr.imported, "matched",
            (json_int_t)pr.matched, "suppressed", (json_int_t)pr.suppressed, "withdrawn",
            (json_int_t)pr.withdrawn, "refused_suppressed", (json_int_t)pr.refused_suppressed,
            "rejected", (json_int_t)pr.rejected, "skipped", (json_int_t)pr.skipped, "art14_tasks",
            (json_int_t)pr.art14_tasks, "linked", (json_int_t)pr.linked, "unlinked",
            (json_int_t)pr.unlinked, "sync", "adopted", (json_int_t)sr.adopted, "sent",
            (json_int_t)sr.sent, "failed", (json_int_t)sr.failed, "complete", sr.complete));
    } else {
        printf("%s%s: read %lld into %s; new persons %lld, matched %lld, suppressed %lld, "
               "rejected %lld, refused as suppressed here %lld, skipped %lld, art 14 tasks "
               "%lld\n",
               dry_run ? "dry run: " : "", r->id, pr.read, pr.register_id ? pr.register_id : "-",
               pr.imported, pr.matched, pr.suppressed, pr.rejected, pr.refused_suppressed,
               pr.skipped, pr.art14_tasks);
        if (pr.linked || pr.unlinked)
            printf("%s %lld Contacts to their persons, %lld left unlinked\n",
                   dry_run ? "would link" : "linked", pr.linked, pr.unlinked);
        if (!dry_run)
            printf("then synced: recorded as held %lld, sent %lld, failed %lld; %s\n", sr.adopted,
                   sr.sent, sr.failed, sr.complete ? "complete" : "not complete");
    }
    if (rc == RK_EXIT_OK && !dry_run && (!sr.complete || sr.failed)) {
        rk_cli_error("recipients pull: the sync after it did not finish: %s",
                     sr.error[0] ? sr.error : "see 'recipients list --failed'");
        rc = RK_EXIT_FAIL;
    }
    rk_cli_env_close(&env);
    return rc;
}

static const struct rk_cli_sub recipients_subs[] = {
    {.name = "list", .summary = "list the notices to recipients", .run = recipients_list},
    {.name = "send", .summary = "deliver the queued notices", .run = recipients_send},
    {.name = "notify", .summary = "queue notices for a person's changes", .run = recipients_notify},
    {.name = "sync",
     .summary = "bring a Mailchimp or Salesforce recipient in step",
     .run = recipients_sync},
    {.name = "pull", .summary = "move in the people a recipient holds", .run = recipients_pull},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_recipients = {
    .name = "recipients",
    .summary = "recipients: notices (art 19), sync and pull: list, send, notify, sync, pull",
    .subs = recipients_subs,
    .expected = "expected 'recipients list', 'recipients send', 'recipients notify', "
                "'recipients sync' or 'recipients pull'"};
