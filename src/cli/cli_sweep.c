/*
 * cli_sweep.c — `rekisteri sweep [--dry-run] [--now TIMESTAMP]`: the
 * retention sweep (core/sweep.c, core/retention.c) run once, for cron or a
 * systemd timer. Prints counts per rule only — never a person; the JSON adds
 * the pseudonymous ids of late tasks and requests — so the output can go to
 * a log or a ticket as it is.
 */
#include <jansson.h>
#include <stdio.h>
#include <time.h>

#include "cli/reg.h"
#include "core/sweep.h"

static const char *const text_json[] = {"text", "json", NULL};

/* The monotonic clock the sweep sizes its batches by (core/sweep.h), in microseconds. */
static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The retention rules' counts as text: numbers only, never a person. */
static void retention_text(const struct rk_sweep_counts *n, bool dry_run) {
    const struct rk_retention_counts *c = &n->retention;
    const char *del = dry_run ? "would delete" : "deleted";
    printf("  entries past retention  %s %lld (persons deleted %lld, records kept %lld, "
           "notices queued %lld)\n",
           dry_run ? "would erase" : "erased", (long long)c->entries_erased,
           (long long)c->persons_deleted, (long long)c->records_kept, (long long)c->notices_queued);
    if (c->held_restricted)
        printf("  held (restricted)       %lld\n", (long long)c->held_restricted);
    if (c->held_consent)
        printf("  held (live consent)     %lld\n", (long long)c->held_consent);
    if (c->held_request)
        printf("  held (open request)     %lld\n", (long long)c->held_request);
    printf("  kept records run out    %s %lld invoices, %lld contracts\n", del,
           (long long)c->invoices_deleted, (long long)c->contracts_deleted);
    printf("  finished mail           %s %lld\n", del, (long long)c->mail_deleted);
    printf("  finished notices        %s %lld\n", del, (long long)c->notices_deleted);
    printf("  cookie choices run out  %s %lld\n", del, (long long)c->consent_log_deleted);
    printf("  request answers run out %s %lld\n", del, (long long)c->answers_deleted);
    printf("  art 14 tasks overdue    %lld\n", (long long)c->art14_overdue);
    printf("  requests overdue        %lld, due within %d days %lld\n",
           (long long)c->requests_overdue, RK_RETENTION_SOON_DAYS, (long long)c->requests_due_soon);
    if (!dry_run && rk_retention_deleted_personal(c) && !n->checkpointed)
        printf("  write-ahead log         not checkpointed (another connection is reading)\n");
}

static json_t *flags_json(const struct rk_retention_flag *f, int count, bool with_overdue) {
    json_t *a = json_array();
    for (int i = 0; a && i < count; i++) {
        char due[11];
        rk_date_iso(f[i].due, due);
        json_t *o = json_pack("{s:s, s:s}", "id", f[i].id, "due", due);
        if (o && with_overdue)
            json_object_set_new(o, "overdue", json_boolean(f[i].overdue));
        json_array_append_new(a, o);
    }
    return a;
}

/* Adds the retention rules' counts and flags (pseudonymous task and request ids) to j. */
static json_t *retention_json(json_t *j, const struct rk_sweep_counts *n) {
    const struct rk_retention_counts *c = &n->retention;
    json_t *r =
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "entries_erased",
                  (json_int_t)c->entries_erased, "persons_deleted", (json_int_t)c->persons_deleted,
                  "records_kept", (json_int_t)c->records_kept, "notices_queued",
                  (json_int_t)c->notices_queued, "held_restricted", (json_int_t)c->held_restricted,
                  "held_consent", (json_int_t)c->held_consent, "held_request",
                  (json_int_t)c->held_request, "invoices_deleted", (json_int_t)c->invoices_deleted,
                  "contracts_deleted", (json_int_t)c->contracts_deleted, "mail_deleted",
                  (json_int_t)c->mail_deleted, "notices_deleted", (json_int_t)c->notices_deleted);
    if (r) {
        json_object_set_new(r, "consent_log_deleted", json_integer(c->consent_log_deleted));
        json_object_set_new(r, "answers_deleted", json_integer(c->answers_deleted));
    }
    json_t *f = json_pack(
        "{s:I, s:I, s:I, s:o, s:o}", "art14_overdue", (json_int_t)c->art14_overdue,
        "requests_overdue", (json_int_t)c->requests_overdue, "requests_due_soon",
        (json_int_t)c->requests_due_soon, "art14_tasks", flags_json(c->tasks, c->ntasks, false),
        "requests", flags_json(c->requests, c->nrequests, true));
    if (!j || !r || !f) {
        json_decref(j);
        json_decref(r);
        json_decref(f);
        return NULL;
    }
    json_object_set_new(j, "retention", r);
    json_object_set_new(j, "flags", f);
    json_object_set_new(j, "checkpointed", json_boolean(n->checkpointed));
    return j;
}

static int run_sweep(int argc, char **argv) {
    const char *now_s = NULL;
    bool dry_run = false;
    const struct rk_cli_opt opts[] = {
        {"now", &now_s, NULL}, {"dry-run", NULL, &dry_run}, {NULL, 0, 0}};
    struct rk_cli_env env;
    int rc =
        rk_cli_env_parse(&env, argc, argv,
                         "usage: rekisteri sweep [--dry-run] [--now TIMESTAMP] "
                         "[--format text|json]\n\n"
                         "Acts on what the declaration says has run out: live consents past\n"
                         "their validity are expired (the person leaves the consent\n"
                         "registers, as on withdrawal) and unconfirmed double opt-in signups\n"
                         "past their expiry are deleted; entries past their register's\n"
                         "retention are erased (recipients told, kept records restricted,\n"
                         "a person left with nothing deleted); kept invoices and contracts\n"
                         "past their statutory period are deleted; sent mail and finished\n"
                         "recipient notices are deleted after 30 days. Late art 14 tasks and\n"
                         "requests due within 7 days are reported, not changed. Each action\n"
                         "is audited; consents in batches sized to hold the write lock\n"
                         "about a second each (10000 to 200000), 10000 signups or 1000 other\n"
                         "rows per transaction. --dry-run only counts. One sweep at a time per\n"
                         "database: while another holds the sweep lease, this one says so\n"
                         "and does nothing (exit 0).\n"
                         "--now (ISO 8601) defaults to the current time (or REKISTERI_NOW).\n\n",
                         opts, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    rk_ts now = rk_time_now();
    if (now_s && !rk_ts_parse(now_s, &now)) {
        rk_cli_error("--now: expected an instant such as 2027-01-15T10:00:00Z");
        return RK_EXIT_USAGE;
    }
    if (env.nargs) {
        rk_cli_error("sweep: takes no arguments");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    struct rk_sweep_counts n;
    struct rk_error msg = RK_ERROR_INIT;
    struct rk_sweep_pace pace = RK_SWEEP_PACE_CLI(mono_us);
    rk_err e = rk_sweep_run_paced(env.reg, now, dry_run, &pace, &n, &msg);
    if (e != RK_OK) {
        rk_cli_error("sweep: %s", msg.message);
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    char at[RK_TS_LEN + 1];
    rk_ts_format(now, at);
    if (n.elsewhere) { /* not a failure: the other run does the work */
        if (rk_cli_json(&env))
            rc = rk_cli_write_json(json_pack("{s:s, s:b, s:b}", "now", at, "dry_run", dry_run,
                                             "running_elsewhere", 1));
        else
            printf("sweep: another sweep is running (it holds the sweep lease); nothing done\n");
        rk_cli_env_close(&env);
        return rc;
    }
    if (rk_cli_json(&env)) {
        json_t *j = json_pack("{s:s, s:b, s:I, s:I, s:I}", "now", at, "dry_run", dry_run,
                              "consents_expired", (json_int_t)n.consents_expired, "signups_expired",
                              (json_int_t)n.signups_expired, "skipped", (json_int_t)n.skipped);
        rc = rk_cli_write_json(retention_json(j, &n));
    } else {
        const char *verb = dry_run ? "would expire" : "expired";
        printf("sweep at %s%s\n", at, dry_run ? " (dry run: nothing written)" : "");
        printf("  consents past validity  %s %lld\n", verb, (long long)n.consents_expired);
        printf("  unconfirmed signups     %s %lld\n", verb, (long long)n.signups_expired);
        if (n.skipped)
            printf("  skipped (refused)       %lld\n", (long long)n.skipped);
        retention_text(&n, dry_run);
    }
    rk_cli_env_close(&env);
    return rc;
}

const struct rk_cli_command rk_cli_sweep = {
    .name = "sweep", .summary = "apply the declared retention", .run = run_sweep};
