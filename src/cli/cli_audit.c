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

/* The first event from seq on: its hash, for comparing with an exported head. */
struct at_seq {
    int64_t seq;
    bool found;
    unsigned char hash[RK_HASH_LEN];
};

static int take_first(void *ctx, const struct rk_audit_event *e) {
    struct at_seq *a = ctx;
    a->found = e->seq == a->seq;
    memcpy(a->hash, e->hash, RK_HASH_LEN);
    return 1;
}

/* Parses "SEQ:HEX" as printed by `audit head`; false when malformed. */
static bool parse_head(const char *s, int64_t *seq, unsigned char hash[RK_HASH_LEN]) {
    char *end;
    long long n = strtoll(s, &end, 10);
    if (end == s || *end != ':' || n < 1 || strlen(end + 1) != (size_t)2 * RK_HASH_LEN)
        return false;
    for (size_t i = 0; i < RK_HASH_LEN; i++) {
        unsigned v;
        if (sscanf(end + 1 + 2 * i, "%2x", &v) != 1)
            return false;
        hash[i] = (unsigned char)v;
    }
    *seq = n;
    return true;
}

static int audit_verify(int argc, char **argv) {
    const char *head_arg = NULL;
    const struct rk_cli_opt opts[] = {{"head", &head_arg, NULL}, {NULL, 0, 0}};
    struct rk_cli_env env;
    int rc =
        rk_cli_env_parse(&env, argc, argv,
                         "usage: rekisteri audit verify [--head SEQ:HASH] [--format text|json]\n\n"
                         "Recomputes every hash of the audit chain with the key and checks\n"
                         "that each event links to the one before it. Exits 0 when the chain\n"
                         "holds, 1 naming the first event that does not. With --head (as\n"
                         "printed by 'audit head' and kept elsewhere) the chain must also\n"
                         "still hold that event unchanged, which shows a truncated tail.\n\n",
                         opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct at_seq want = {0, false, {0}};
    unsigned char want_hash[RK_HASH_LEN];
    if (env.nargs) {
        rk_cli_error("audit verify: takes no arguments");
        return RK_EXIT_USAGE;
    }
    if (head_arg && !parse_head(head_arg, &want.seq, want_hash)) {
        rk_cli_error("--head: expected SEQ:HASH as printed by 'rekisteri audit head'");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    struct rk_audit_report rep;
    rk_err e = rk_audit_verify(env.store, rk_reg_keys(env.reg), &rep);
    if (e == RK_OK && head_arg && rep.bad_seq == 0) {
        e = rk_store_audit_scan(env.store, want.seq, NULL, take_first, &want);
        if (e == RK_OK && (!want.found || memcmp(want.hash, want_hash, RK_HASH_LEN) != 0)) {
            rep.bad_seq = want.seq;
            snprintf(rep.reason, sizeof rep.reason, "%s",
                     want.found ? "it differs from the exported head: the chain was rewritten"
                                : "the exported head is gone: the chain was truncated");
        }
    }
    if (e != RK_OK) {
        rk_cli_error("audit verify: %s", rk_store_errmsg(env.store));
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    /* What the staff console shows as "last verified" (core/audit.h). */
    struct rk_work tx;
    rk_err rec = rk_reg_work_begin(env.reg, &tx);
    if (rec == RK_OK)
        rec =
            rk_reg_work_end(env.reg, &tx, rk_audit_record_verified(env.store, &rep, rk_time_now()));
    if (rec != RK_OK)
        fprintf(stderr, "rekisteri: audit verify: the result could not be recorded: %s\n",
                rk_store_errmsg(env.store));
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

static int audit_head(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri audit head [--format text|json]\n\n"
                              "Prints the last event of the audit chain as SEQ:HASH. Keep it\n"
                              "outside the database (a ticket, another machine, paper): 'audit\n"
                              "verify --head SEQ:HASH' then shows whether events up to it were\n"
                              "removed or rewritten since.\n\n",
                              NULL, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs) {
        rk_cli_error("audit head: takes no arguments");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    int64_t seq = 0;
    unsigned char h[RK_HASH_LEN];
    rk_err e = rk_store_audit_last(env.store, &seq, h);
    char hexh[2 * RK_HASH_LEN + 1];
    if (e == RK_ENOENT) {
        rk_cli_error("audit head: the audit chain is empty");
        rc = RK_EXIT_FAIL;
    } else if (e != RK_OK) {
        rk_cli_error("audit head: %s", rk_store_errmsg(env.store));
        rc = RK_EXIT_FAIL;
    } else {
        hex(h, RK_HASH_LEN, hexh);
        if (rk_cli_json(&env))
            rc = rk_cli_write_json(json_pack("{s:I, s:s}", "seq", (json_int_t)seq, "hash", hexh));
        else
            printf("%lld:%s\n", (long long)seq, hexh);
    }
    rk_cli_env_close(&env);
    return rc;
}

struct list_ctx {
    struct rk_cli_listing out;
    rk_ts since; /* 0: from the first */
};

static int list_event(void *ctx, const struct rk_audit_event *e) {
    struct list_ctx *l = ctx;
    char at[RK_TS_LEN + 1];
    if (e->at < l->since)
        return 0;
    rk_ts_format(e->at, at);
    if (l->out.list)
        json_array_append_new(l->out.list,
                              json_pack("{s:I, s:s, s:s, s:s, s:s?, s:s?}", "seq",
                                        (json_int_t)e->seq, "at", at, "actor", e->actor, "action",
                                        e->action, "person", e->person_id, "detail", e->detail));
    else {
        char seq[24];
        snprintf(seq, sizeof seq, "%lld", (long long)e->seq);
        struct rk_buf last;
        rk_buf_init(&last);
        rk_buf_printf(&last, "%s%s%s", e->person_id ? e->person_id : "-", e->detail ? "  " : "",
                      e->detail ? e->detail : "");
        if (rk_buf_status(&last) != RK_OK)
            l->out.table.oom = true;
        else
            rk_cli_table_row(&l->out.table,
                             (const char *const[]){seq, at, e->actor, e->action, last.data});
        rk_buf_cleanup(&last);
    }
    return 0;
}

static int audit_list(int argc, char **argv) {
    const char *person = NULL, *from = NULL, *since = NULL;
    const struct rk_cli_opt opts[] = {
        {"person", &person, NULL}, {"from", &from, NULL}, {"since", &since, NULL}, {NULL, 0, 0}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri audit list|show [--person ID] [--from SEQ] "
                              "[--since TIME] [--format text|json]\n\n"
                              "Prints the audit events in order: sequence number, time, actor,\n"
                              "action, person id and detail; only one person's with --person.\n\n",
                              opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    rk_ts since_ts = 0;
    if (since && !rk_cli_instant("--since", since, &since_ts))
        return RK_EXIT_USAGE;
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
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    static const struct rk_cli_col cols[] = {{8, " "}, {0, "  "}, {16, " "}, {20, " "}, {0, NULL}};
    struct list_ctx l = {.since = since_ts};
    rk_cli_listing_init(&l.out, rk_cli_json(&env), 5, cols);
    rk_err e = rk_store_audit_scan(env.store, first, person, list_event, &l);
    if (e != RK_OK)
        rk_cli_error("audit list: %s", rk_store_errmsg(env.store));
    rc = rk_cli_listing_end(&l.out, e == RK_OK ? RK_EXIT_OK : RK_EXIT_FAIL);
    rk_cli_env_close(&env);
    return rc;
}

static const struct rk_cli_sub audit_subs[] = {
    {.name = "verify", .summary = "check the audit chain, entry by entry", .run = audit_verify},
    {.name = "head", .summary = "print the chain head, to keep elsewhere", .run = audit_head},
    {.name = "list", .summary = "list the audit entries", .run = audit_list},
    {.name = "show", .summary = "the same as list", .run = audit_list},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_audit = {
    .name = "audit",
    .summary = "verify and read the audit chain",
    .subs = audit_subs,
    .expected = "expected 'audit verify', 'audit head' or 'audit list'"};
