/*
 * cli_key.c — `rekisteri key rotate` and `rekisteri key show`: rotating the
 * register's key (core/rotate.h says what rotation does to each use) and
 * listing its generations. Neither ever prints key material: generations are
 * named by number, creation time and fingerprint.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/reg.h"
#include "core/rotate.h"

static const char *const text_json[] = {"text", "json", NULL};

static void say_rotated(const struct rk_rotate_report *r) {
    switch (r->step) {
    case RK_ROTATE_FINISH:
        printf("finished the interrupted rotation: the key file is at generation %u "
               "(fingerprint %s), as the database\n",
               (unsigned)r->to, r->fingerprint);
        return;
    case RK_ROTATE_CATCH_UP:
        printf("brought the database forward from key generation %u to %u (fingerprint %s); "
               "no new key was made\n",
               (unsigned)r->from, (unsigned)r->to, r->fingerprint);
        break;
    case RK_ROTATE_NEW:
        printf("rotated the key: generation %u -> %u (fingerprint %s); generation %u is kept "
               "as retired\n",
               (unsigned)r->from, (unsigned)r->to, r->fingerprint, (unsigned)r->from);
        break;
    }
    printf("  lookup  %lld entries and %lld signups re-hashed, %lld suppressions moved; "
           "suppressions of values no longer held keep matching under their generation\n",
           (long long)r->rehashed.entries, (long long)r->rehashed.signups,
           (long long)r->rehashed.suppressions);
    printf("  token   %lld staff tokens REVOKED (their hashes cannot be remade)\n",
           (long long)r->tokens_revoked);
    printf("  links   unsubscribe links sent earlier keep working; confirmation, preferences "
           "and verification links sent earlier now answer as expired\n");
    printf("  audit   key.rotated ends generation %u in the chain; 'rekisteri audit verify' "
           "walks both\n",
           (unsigned)r->from);
    printf("  backup  new backups are sealed under generation %u; older ones restore while "
           "the key file keeps their generation\n",
           (unsigned)r->to);
    printf("  sealed  %lld queued notice identities and messages re-sealed under generation "
           "%u%s\n",
           (long long)r->resealed, (unsigned)r->to,
           r->unopened ? "; some did not open under the old key (altered?) and stay as they "
                         "were: they will fail at delivery"
                       : "");
    printf("  journal %s\n", r->journal_marked
                                 ? "the erasure journal marks the new generation; 'rekisteri "
                                   "journal verify' walks both"
                                 : "the erasure journal was at this generation already, or there "
                                   "is none");
    if (r->tokens_revoked > 0)
        fprintf(stderr, "rekisteri: every staff token was revoked: give each holder a new one with "
                        "'rekisteri token create --name NAME --role ROLE'\n");
    printf("back up the key file now, and start 'rekisteri serve' again\n");
}

static int run_rotate(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri key rotate [options]\n\n"
        "Makes a new generation of the key current and keeps the old one in the key\n"
        "file as retired. In one transaction, email and phone hashes are recomputed,\n"
        "EVERY STAFF TOKEN IS REVOKED and the audit chain records key.rotated; the\n"
        "erasure journal (--journal) gets a marker for the new generation. It refuses\n"
        "while another rekisteri command holds the key file; a running 'serve' (here or\n"
        "on another machine on the same PostgreSQL database) takes the new generation\n"
        "within a second of finding it in its key file, and refuses writes until then.\n"
        "The new key file is written beside the old one (KEY.new) and renamed\n"
        "after the database committed; after a crash, run it again to finish. A\n"
        "database older than the key file (a restored backup) is brought forward.\n"
        "See docs/operations.md, 'Rotating the key'.\n\n",
        NULL, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs) {
        rk_cli_error("key rotate: takes no arguments");
        return RK_EXIT_USAGE;
    }
    struct rk_error err = RK_ERROR_INIT;
    if (rk_crypto_init() != RK_OK) {
        rk_cli_error("cannot initialise libsodium");
        return RK_EXIT_FAIL;
    }
    rk_err e = rk_keys_lock(env.key_file, true, &env.key_fd, &err);
    if (e != RK_OK) {
        rk_cli_error("key rotate: %s", err.message);
        return e == RK_EIO ? RK_EXIT_FAIL : RK_EXIT_USAGE;
    }
    env.any_generation = true;
    /* The commit is synced before the key file is renamed (rotate.h). */
    env.synchronous = "full";
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    struct rk_rotate_report rep;
    struct rk_error msg = RK_ERROR_INIT;
    e = rk_rotate(env.store, env.key_file, env.journal, rk_time_now(), env.actor, &rep, &msg);
    rk_cli_env_close(&env);
    if (e != RK_OK) {
        rk_cli_error("key rotate: %s", msg.message);
        return e == RK_ECONFLICT || e == RK_ETOOBIG || e == RK_EINVAL ? RK_EXIT_USAGE
                                                                      : RK_EXIT_FAIL;
    }
    say_rotated(&rep);
    return RK_EXIT_OK;
}

struct gen_rows {
    uint32_t gen[RK_KEYGEN_MAX + 1];
    int64_t rows[RK_KEYGEN_MAX + 1];
    size_t n;
};

static void count_gen(void *ctx, uint32_t gen, int64_t rows) {
    struct gen_rows *g = ctx;
    if (g->n < RK_KEYGEN_MAX + 1) {
        g->gen[g->n] = gen;
        g->rows[g->n++] = rows;
    }
}

static int64_t rows_of(const struct gen_rows *g, uint32_t gen) {
    for (size_t i = 0; i < g->n; i++)
        if (g->gen[i] == gen)
            return g->rows[i];
    return 0;
}

static int run_show(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri key show [--format text|json]\n\n"
                              "Lists the key file's generations — number, current or retired,\n"
                              "creation time and fingerprint, never the key — with the number\n"
                              "of suppression rows each still holds, and the generation the\n"
                              "database is at. Exits 1 when the key file does not belong to\n"
                              "the database, saying what to run.\n\n",
                              NULL, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs) {
        rk_cli_error("key show: takes no arguments");
        return RK_EXIT_USAGE;
    }
    env.any_generation = true;
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    uint32_t db_gen = 0;
    char db_fp[RK_FINGERPRINT_LEN + 1];
    struct gen_rows rows = {.n = 0};
    if (rk_store_key_state_get(env.store, &db_gen, db_fp) != RK_OK ||
        rk_store_suppression_generations(env.store, count_gen, &rows) != RK_OK) {
        rk_cli_error("key show: %s", rk_store_errmsg(env.store));
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    const struct rk_keys *k = rk_reg_keys(env.reg);
    json_t *gens = rk_cli_json(&env) ? json_array() : NULL;
    static const struct rk_cli_col cols[] = {
        {10, "  "}, {8, "  "}, {20, "  "}, {16, "  "}, {0, NULL}};
    struct rk_cli_table table;
    rk_cli_table_init(&table, 5, cols);
    rk_cli_table_row(&table, (const char *const[]){"generation", "state", "created", "fingerprint",
                                                   "suppressions"});
    for (size_t i = 0; i < k->ngen; i++) {
        char ts[RK_TS_LEN + 1] = "unknown", fp[RK_FINGERPRINT_LEN + 1];
        if (k->gen[i].created > 0)
            rk_ts_format(k->gen[i].created, ts);
        rk_keys_fingerprint(&k->gen[i], fp);
        const char *state = i == 0 ? "current" : "retired";
        int64_t n = rows_of(&rows, k->gen[i].number);
        if (gens)
            json_array_append_new(gens,
                                  json_pack("{s:I, s:s, s:s?, s:s, s:I}", "generation",
                                            (json_int_t)k->gen[i].number, "state", state, "created",
                                            k->gen[i].created > 0 ? ts : NULL, "fingerprint", fp,
                                            "suppressions", (json_int_t)n));
        else {
            char num[16], count[24];
            snprintf(num, sizeof num, "%u", (unsigned)k->gen[i].number);
            snprintf(count, sizeof count, "%lld", (long long)n);
            rk_cli_table_row(&table, (const char *const[]){num, state, ts, fp, count});
        }
    }
    struct rk_error msg = RK_ERROR_INIT;
    bool match = rk_rotate_check(env.store, k, env.key_file, &msg) == RK_OK;
    if (gens) {
        rc = rk_cli_write_json(json_pack("{s:o, s:I, s:b}", "generations", gens, "database",
                                         (json_int_t)db_gen, "matches", match));
    } else {
        rc = rk_cli_table_print(&table);
        printf("database: key generation %u%s\n", (unsigned)db_gen,
               match ? "" : " (does not match the key file: see below)");
        if (!match)
            printf("%s\n", msg.message);
    }
    rk_cli_table_cleanup(&table);
    rk_cli_env_close(&env);
    return rc == RK_EXIT_OK && !match ? RK_EXIT_FAIL : rc;
}

static const struct rk_cli_sub key_subs[] = {
    {.name = "rotate", .summary = "move to a new key generation", .run = run_rotate},
    {.name = "show", .summary = "show the key generations", .run = run_show},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_key = {
    .name = "key",
    .summary = "rotate the key, show its generations",
    .subs = key_subs,
    .expected = "key: expected 'rotate' or 'show'; see 'rekisteri key --help'"};
