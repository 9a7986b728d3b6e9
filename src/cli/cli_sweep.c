/*
 * cli_sweep.c — `rekisteri sweep [--dry-run] [--now TIMESTAMP]`: the
 * retention sweep (core/sweep.c) run once, for cron or a systemd timer.
 * Prints counts per rule only — never a person — so the output can go to a
 * log or a ticket as it is.
 */
#include <jansson.h>
#include <stdio.h>

#include "cli/reg.h"
#include "core/sweep.h"

static const char *const text_json[] = {"text", "json", NULL};

static int run_sweep(int argc, char **argv) {
    const char *now_s = NULL;
    bool dry_run = false;
    const struct rk_cli_opt opts[] = {
        {"now", &now_s, NULL}, {"dry-run", NULL, &dry_run}, {NULL, 0, 0}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri sweep [--dry-run] [--now TIMESTAMP] "
                              "[--format text|json]\n\n"
                              "Acts on what the declaration says has run out: live consents past\n"
                              "their validity are expired (the person leaves the consent\n"
                              "registers, as on withdrawal) and unconfirmed double opt-in signups\n"
                              "past their expiry are deleted. Each action is audited; batches of\n"
                              "10000 per transaction. --dry-run only counts. --now (ISO 8601)\n"
                              "defaults to the current time (or REKISTERI_NOW).\n\n",
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
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK) {
        rk_cli_env_close(&env);
        return rc;
    }
    struct rk_sweep_counts n;
    struct rk_msg msg = {{0}, false};
    rk_err e = rk_sweep_run(&env.reg, now, dry_run, &n, &msg);
    if (e != RK_OK) {
        rk_cli_error("sweep: %s", msg.text);
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    char at[RK_TS_LEN + 1];
    rk_ts_format(now, at);
    if (rk_cli_json(&env)) {
        rc = rk_cli_write_json(json_pack("{s:s, s:b, s:I, s:I, s:I}", "now", at, "dry_run",
                                         dry_run, "consents_expired",
                                         (json_int_t)n.consents_expired, "signups_expired",
                                         (json_int_t)n.signups_expired, "skipped",
                                         (json_int_t)n.skipped));
    } else {
        const char *verb = dry_run ? "would expire" : "expired";
        printf("sweep at %s%s\n", at, dry_run ? " (dry run: nothing written)" : "");
        printf("  consents past validity  %s %lld\n", verb, (long long)n.consents_expired);
        printf("  unconfirmed signups     %s %lld\n", verb, (long long)n.signups_expired);
        if (n.skipped)
            printf("  skipped (refused)       %lld\n", (long long)n.skipped);
    }
    rk_cli_env_close(&env);
    return rc;
}

const struct rk_cli_command rk_cli_sweep = {"sweep", "expire run-out consents and signups",
                                            run_sweep};
