/*
 * cli_audit.c — `rekisteri audit verify|list`: checking the audit chain
 * (every hash recomputed under the key) and reading it, all of it or one
 * person's events. Events hold pseudonymous ids only, so the output can go
 * to a ticket or a regulator without redaction.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/reg.h"
#include "core/audit.h"

static const char *const text_json[] = {"text", "json", NULL};

static void hex(const unsigned char *h, size_t n, char *out) {
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static int audit_verify(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri audit verify [--format text|json]\n\n"
                              "Recomputes every hash of the audit chain with the key and checks\n"
                              "that each event links to the one before it. Exits 0 when the chain\n"
                              "holds, 1 naming the first event that does not.\n\n",
                              NULL, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs) {
        rk_cli_error("audit verify: takes no arguments");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK) {
        rk_cli_env_close(&env);
        return rc;
    }
    struct rk_audit_report rep;
    rk_err e = rk_audit_verify(env.store, &env.reg.keys, &rep);
    if (e != RK_OK) {
        rk_cli_error("audit verify: %s", rk_store_last_error());
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    char head[2 * RK_HASH_LEN + 1];
    hex(rep.head, RK_HASH_LEN, head);
    if (rk_cli_json(&env)) {
        json_t *doc = json_pack("{s:b, s:I, s:s}", "ok", rep.bad_seq == 0, "events",
                                (json_int_t)rep.events, "head", head);
        if (doc && rep.bad_seq) {
            json_object_set_new(doc, "bad_seq", json_integer(rep.bad_seq));
            json_object_set_new(doc, "reason", json_string(rep.reason));
        }
        rc = rk_cli_write_json(doc);
    } else if (rep.bad_seq == 0) {
        printf("audit chain holds: %lld events, head %s\n", (long long)rep.events, head);
    } else {
        rk_cli_error("audit chain broken at event %lld: %s (%lld events before it hold)",
                     (long long)rep.bad_seq, rep.reason, (long long)rep.events);
    }
    if (rc == RK_EXIT_OK && rep.bad_seq)
        rc = RK_EXIT_FAIL;
    rk_cli_env_close(&env);
    return rc;
}

struct list_ctx {
    json_t *list; /* NULL: text */
};

static int list_event(void *ctx, const struct rk_audit_event *e) {
    struct list_ctx *l = ctx;
    char at[RK_TS_LEN + 1];
    rk_ts_format(e->at, at);
    if (l->list)
        json_array_append_new(l->list,
                              json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?}", "seq",
                                        (json_int_t)e->seq, "at", at, "actor", e->actor, "action",
                                        e->action, "person", e->person_id, "detail", e->detail));
    else
        printf("%-8lld %s  %-16s %-20s %s%s%s\n", (long long)e->seq, at, e->actor, e->action,
               e->person_id ? e->person_id : "-", e->detail ? "  " : "",
               e->detail ? e->detail : "");
    return 0;
}

static int audit_list(int argc, char **argv) {
    const char *person = NULL, *from = NULL;
    const struct rk_cli_opt opts[] = {
        {"person", &person, NULL}, {"from", &from, NULL}, {NULL, 0, 0}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri audit list [--person ID] [--from SEQ] "
                              "[--format text|json]\n\n"
                              "Prints the audit events in order: sequence number, time, actor,\n"
                              "action, person id and detail; only one person's with --person.\n\n",
                              opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    long long first = 1;
    if (from) {
        char *end;
        first = strtoll(from, &end, 10);
        if (*end || first < 1) {
            rk_cli_error("--from: expected a sequence number (1 or more)");
            return RK_EXIT_USAGE;
        }
    }
    if (env.nargs || (person && !rk_id_valid(person))) {
        rk_cli_error(env.nargs ? "audit list: takes no arguments"
                               : "--person: expected a person id");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK) {
        rk_cli_env_close(&env);
        return rc;
    }
    struct list_ctx l = {rk_cli_json(&env) ? json_array() : NULL};
    rk_err e = rk_store_audit_scan(env.store, first, person, list_event, &l);
    if (e != RK_OK) {
        rk_cli_error("audit list: %s", rk_store_last_error());
        rc = RK_EXIT_FAIL;
    } else if (l.list) {
        rc = rk_cli_write_json(json_incref(l.list));
    }
    json_decref(l.list);
    rk_cli_env_close(&env);
    return rc;
}

static int run_audit(int argc, char **argv) {
    if (argc >= 2) {
        if (strcmp(argv[1], "verify") == 0)
            return audit_verify(argc - 1, argv + 1);
        if (strcmp(argv[1], "list") == 0)
            return audit_list(argc - 1, argv + 1);
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
            puts("usage: rekisteri audit verify|list ...; 'audit list --help' and so on");
            return RK_EXIT_OK;
        }
    }
    rk_cli_error("expected 'audit verify' or 'audit list'");
    return RK_EXIT_USAGE;
}

const struct rk_cli_command rk_cli_audit = {"audit", "verify and read the audit chain", run_audit};
