/*
 * cli_token.c — `rekisteri token create|list|revoke`: the staff bearer
 * tokens of the service. A token is printed once, when it is created; the
 * database keeps only its keyed hash, its holder's name and its role (a role
 * of the declaration, which decides what the token may see).
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cli/reg.h"
#include "core/audit.h"

static const char *const text_json[] = {"text", "json", NULL};

static int token_create(int argc, char **argv) {
    const char *name = NULL, *role = NULL;
    const struct rk_cli_opt opts[] = {{"name", &name, NULL}, {"role", &role, NULL}, {NULL, 0, 0}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri token create --name NAME --role ROLE\n"
                              "\n"
                              "Creates a bearer token for the service and prints it once: store\n"
                              "it at once, it cannot be shown again. ROLE is a role of the\n"
                              "declaration; NAME (lower-case letters, digits, '_', '-', '.') says\n"
                              "who holds it and is how the token is revoked.\n\n",
                              opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs || !name || !role) {
        rk_cli_error("token create: expected --name and --role");
        return RK_EXIT_USAGE;
    }
    size_t n = strlen(name);
    if (n == 0 || n > RK_DECL_ID_MAX ||
        strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_-.") != n) {
        rk_cli_error("--name: expected 1 to %d lower-case letters, digits, '_', '-' or '.'",
                     RK_DECL_ID_MAX);
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    if (!rk_cli_role(&env, role)) {
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    char token[RK_TOKEN_LEN + 1];
    unsigned char hash[RK_HASH_LEN];
    struct rk_token t = {.created_at = rk_time_now()};
    snprintf(t.name, sizeof t.name, "%s", name);
    snprintf(t.role, sizeof t.role, "%s", role);
    rk_token_new(token);
    rk_keys_token_hash(rk_reg_keys(env.reg), token, hash);
    rk_err e = rk_store_begin(env.store);
    if (e == RK_OK) {
        e = rk_store_token_insert(env.store, &t, hash);
        if (e == RK_OK)
            e = rk_audit_append(env.store, rk_reg_keys(env.reg), t.created_at, env.actor,
                                "token.create", NULL, t.name);
        if (e == RK_OK)
            e = rk_store_commit(env.store);
        else
            rk_store_rollback(env.store);
    }
    if (e == RK_ECONFLICT) {
        rk_cli_error("token create: a token named '%s' exists; revoke it or choose another name",
                     name);
        rc = RK_EXIT_USAGE;
    } else if (e != RK_OK) {
        rk_cli_error("token create: %s", rk_store_errmsg(env.store));
        rc = RK_EXIT_FAIL;
    } else {
        printf("%s\n", token);
        fprintf(stderr, "token '%s' (role %s) created: this is the only time it is shown\n", name,
                role);
    }
    rk_cli_env_close(&env);
    return rc;
}

static int print_token(void *ctx, const struct rk_token *t) {
    struct rk_cli_listing *l = ctx;
    json_t *list = l->list;
    char created[RK_TS_LEN + 1], revoked[RK_TS_LEN + 1] = "";
    rk_ts_format(t->created_at, created);
    if (t->revoked_at)
        rk_ts_format(t->revoked_at, revoked);
    if (list)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s?}", "name", t->name, "role",
                                              t->role, "created_at", created, "revoked_at",
                                              t->revoked_at ? revoked : NULL));
    else {
        char when[2 * RK_TS_LEN + 32];
        snprintf(when, sizeof when, "created %s%s%s", created, t->revoked_at ? ", revoked " : "",
                 revoked);
        rk_cli_table_row(&l->table, (const char *const[]){t->name, t->role, when});
    }
    return 0;
}

static int token_list(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri token list [--format text|json]\n\n"
                              "Lists the tokens: name, role, when created and revoked.\n\n",
                              NULL, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    static const struct rk_cli_col cols[] = {{24, " "}, {16, " "}, {0, NULL}};
    struct rk_cli_listing l;
    rk_cli_listing_init(&l, rk_cli_json(&env), 3, cols);
    rk_err e = rk_store_tokens_list(env.store, print_token, &l);
    if (e != RK_OK)
        rk_cli_error("token list: %s", rk_store_errmsg(env.store));
    rc = rk_cli_listing_end(&l, e == RK_OK ? RK_EXIT_OK : RK_EXIT_FAIL);
    rk_cli_env_close(&env);
    return rc;
}

static int token_revoke(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri token revoke NAME\n\n"
                              "Revokes the token held by NAME at once; it stays listed.\n\n",
                              NULL, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if ((rc = rk_cli_env_open_one(&env, "token revoke NAME")) != RK_EXIT_OK)
        return rc;
    rk_err e = rk_store_begin(env.store);
    if (e == RK_OK) {
        rk_ts now = rk_time_now();
        e = rk_store_token_revoke(env.store, env.args[0], now);
        if (e == RK_OK)
            e = rk_audit_append(env.store, rk_reg_keys(env.reg), now, env.actor, "token.revoke",
                                NULL, env.args[0]);
        if (e == RK_OK)
            e = rk_store_commit(env.store);
        else
            rk_store_rollback(env.store);
    }
    if (e == RK_ENOENT) {
        rk_cli_error("token revoke: no valid token named '%s'", env.args[0]);
        rc = RK_EXIT_USAGE;
    } else if (e != RK_OK) {
        rk_cli_error("token revoke: %s", rk_store_errmsg(env.store));
        rc = RK_EXIT_FAIL;
    } else {
        printf("revoked %s\n", env.args[0]);
    }
    rk_cli_env_close(&env);
    return rc;
}

static const struct rk_cli_sub token_subs[] = {
    {.name = "create", .summary = "create a bearer token, shown once", .run = token_create},
    {.name = "list", .summary = "list the tokens", .run = token_list},
    {.name = "revoke", .summary = "revoke a token", .run = token_revoke},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_token = {
    .name = "token",
    .summary = "create, list and revoke staff tokens",
    .subs = token_subs,
    .expected = "expected 'token create', 'token list' or 'token revoke'"};
