/*
 * main.c — the rekisteri command: finds the command named by the first
 * argument and runs it. Each command lives in src/cli/ and owns its options,
 * its --help and its exit status (see cli/cli.h).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"

static const struct rk_cli_command *const commands[] = {
    &rk_cli_validate, &rk_cli_lint,     &rk_cli_notice,  &rk_cli_ropa,
    &rk_cli_init,     &rk_cli_person,   &rk_cli_consent, &rk_cli_contract,
    &rk_cli_invoice,  &rk_cli_import,   &rk_cli_audience, &rk_cli_suppress,
    &rk_cli_serve,    &rk_cli_token,    &rk_cli_link,    &rk_cli_audit,
    &rk_cli_outbox,   &rk_cli_mail,    &rk_cli_request,
    &rk_cli_rights,   &rk_cli_tasks,   &rk_cli_recipients, &rk_cli_sweep,
    &rk_cli_backup,   &rk_cli_restore,  &rk_cli_journal,
    &rk_cli_key,      &rk_cli_staff,   &rk_cli_consent_log,
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *f) {
    fputs("usage: rekisteri COMMAND [OPTIONS] [ARGS]\n"
          "\n"
          "rekisteri keeps a company's customer and marketing registers the way its\n"
          "declaration says, and prints the privacy notice and the record of processing.\n"
          "\n"
          "commands:\n",
          f);
    for (size_t i = 0; i < NCOMMANDS; i++)
        fprintf(f, "  %-10s %s\n", commands[i]->name, commands[i]->summary);
    fputs("\n'rekisteri COMMAND --help' describes a command.\n"
          "exit status: 0 ok, 1 findings or failure, 2 bad input\n",
          f);
}

int main(int argc, char **argv) {
    /* Everything rekisteri creates (database, key, reject files) may hold personal data. */
    umask(077);
    /* A file size limit (ulimit -f) must make a write fail (EFBIG, reported like a full
     * disk: exit 1, nothing half-written, or 503 in serve), not kill the process. */
    signal(SIGXFSZ, SIG_IGN);
    if (argc < 2) {
        usage(stderr);
        return RK_EXIT_USAGE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return RK_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("rekisteri %s\n", RK_VERSION);
        return RK_EXIT_OK;
    }
    const char *names[NCOMMANDS];
    for (size_t i = 0; i < NCOMMANDS; i++) {
        if (strcmp(commands[i]->name, name) == 0)
            return rk_cli_run(commands[i], argc - 1, argv + 1);
        names[i] = commands[i]->name;
    }
    const char *near = rk_cli_nearest(name, names, NCOMMANDS);
    if (near)
        rk_cli_error("unknown command '%s'; did you mean '%s'? 'rekisteri --help' lists the "
                     "commands",
                     name, near);
    else
        rk_cli_error("unknown command '%s'; 'rekisteri --help' lists the commands", name);
    return RK_EXIT_USAGE;
}
