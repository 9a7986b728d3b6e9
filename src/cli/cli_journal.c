/*
 * cli_journal.c — `rekisteri journal verify`: reads the erasure journal
 * (core/journal.h), checks every line's MAC chain under the key file, and
 * says how many records it holds and how many of them the database does not
 * (erasures that never committed, or a database older than the journal).
 * Prints pseudonymous counts only; the journal holds no personal data.
 */
#include <stdio.h>
#include <string.h>

#include "cli/reg.h"
#include "core/journal.h"

struct absent {
    struct rk_store *store;
    int64_t n;
    rk_err err;
};

static int count_absent(void *ctx, const struct rk_journal_rec *r) {
    struct absent *a = ctx;
    bool has = false;
    a->err = rk_store_journal_has(a->store, r->id, &has);
    if (a->err != RK_OK)
        return 1;
    a->n += !has;
    return 0;
}

static int run_journal(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri journal verify\n\n"
        "Checks the erasure journal (--journal; default the database's path and\n"
        ".erasures): every line's MAC chain under the key file, switching to the\n"
        "next key generation at each key rotation marker. Prints how many\n"
        "records it holds and how many of them the database lacks (a restore would\n"
        "re-apply those). Exits 1 when a line was altered, removed or moved, naming\n"
        "it; a torn last line (a crash during an erasure that never committed) is\n"
        "reported, not an error.\n\n",
        NULL, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs != 1 || strcmp(env.args[0], "verify") != 0) {
        rk_cli_error("journal: expected 'journal verify'; see 'journal --help'");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    struct rk_error err = RK_ERROR_INIT;
    struct rk_journal_info info;
    struct absent a = {env.store, 0, RK_OK};
    rk_err e = rk_journal_read(env.journal, rk_reg_keys(env.reg), count_absent, &a, &info, &err);
    if (e == RK_OK && a.err != RK_OK)
        e = rk_error_set(&err, a.err, NULL, "cannot read the database: %s",
                         rk_store_errmsg(env.store));
    if (e != RK_OK) {
        rk_cli_error("journal verify: %s", err.message);
        rc = e == RK_ENOENT ? RK_EXIT_USAGE : RK_EXIT_FAIL;
    } else {
        printf("erasure journal %s: %lld records, the chain holds; %lld not in the database\n",
               env.journal, (long long)info.records, (long long)a.n);
        if (info.markers)
            printf("erasure journal %s: %lld key rotation marker(s) passed; it continues under key "
                   "generation %u\n",
                   env.journal, (long long)info.markers, (unsigned)info.generation);
        if (info.torn_line)
            printf("erasure journal %s: line %ld was torn by a crash and is ignored\n", env.journal,
                   info.torn_line);
    }
    rk_cli_env_close(&env);
    return rc;
}

const struct rk_cli_command rk_cli_journal = {
    .name = "journal",
    .summary = "verify the erasure journal that restores re-apply",
    .run = run_journal};
