/*
 * cli_reg.c — the environment of the register commands (see reg.h) and the
 * commands `init` and `suppress`.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/contact_input.h"
#include "cli/reg.h"
#include "base/id.h"
#include "core/journal.h"
#include "core/rotate.h"
#include "core/search.h"
#include "views/notice_digest.h"

#define MAX_OPTS 32

/* The declaration of the open environment, for the offer after a refusal (rk_cli_refused). */
static const struct rk_decl *open_decl;

int rk_cli_env_parse(struct rk_cli_env *env, int argc, char **argv, const char *usage,
                     const struct rk_cli_opt *opts, const char *const *formats) {
    memset(env, 0, sizeof *env);
    env->key_fd = -1;
    struct rk_cli_opt all[MAX_OPTS + 8] = {
        {"db", &env->db, NULL},
        {"declaration", &env->declaration, NULL},
        {"key-file", &env->key_file, NULL},
        {"actor", &env->actor, NULL},
        {"format", &env->format, NULL},
        {"synchronous", &env->synchronous, NULL},
        {"journal", &env->journal, NULL},
    };
    size_t n = 7;
    for (size_t i = 0; opts && opts[i].name && i < MAX_OPTS; i++)
        all[n++] = opts[i];
    all[n] = (struct rk_cli_opt){NULL, NULL, NULL};
    int first = 0;
    int rc = rk_cli_parse(argc, argv, all, usage, RK_CLI_COMMON_HELP, &first);
    if (rc != RK_EXIT_OK)
        return rc;
    if (env->format) {
        size_t i = 0;
        while (formats && formats[i] && strcmp(formats[i], env->format) != 0)
            i++;
        if (!formats || !formats[i]) {
            if (formats)
                rk_cli_bad_value("--format", "format", env->format, formats, i);
            else
                rk_cli_error("--format: '%s' is not a format of '%s'; see '%s --help'", env->format,
                             rk_cli_path(), rk_cli_path());
            return RK_EXIT_USAGE;
        }
        env->format = formats[i];
    }
    if (env->synchronous && strcmp(env->synchronous, "normal") != 0 &&
        strcmp(env->synchronous, "full") != 0) {
        rk_cli_error("--synchronous: expected normal or full");
        return RK_EXIT_USAGE;
    }
    env->db = rk_cli_env_or(env->db, "REKISTERI_DB", "var/rekisteri.db");
    env->declaration = rk_cli_env_or(env->declaration, "REKISTERI_DECLARATION",
                                     "examples/smartum/declaration.yaml");
    env->key_file = rk_cli_env_or(env->key_file, "REKISTERI_KEY_FILE", "var/rekisteri.key");
    env->actor = rk_cli_env_or(env->actor, "REKISTERI_ACTOR", "cli");
    env->journal = rk_cli_journal_path(env->journal, env->db, env->key_file, env->journal_buf,
                                       sizeof env->journal_buf);
    if (!env->format)
        env->format = formats ? formats[0] : "text";
    env->nargs = argc - first;
    env->args = argv + first;
    return RK_EXIT_OK;
}

static int env_open(struct rk_cli_env *env);

int rk_cli_env_open(struct rk_cli_env *env) {
    int rc = env_open(env);
    if (rc != RK_EXIT_OK)
        rk_cli_env_close(env);
    return rc;
}

static int env_open(struct rk_cli_env *env) {
    struct rk_error err = RK_ERROR_INIT;
    struct rk_keys keys;
    if (rk_crypto_init() != RK_OK) {
        rk_cli_error("cannot initialise libsodium");
        return RK_EXIT_FAIL;
    }
    int rc = rk_cli_load_decl(env->declaration, &env->decl);
    if (rc != RK_EXIT_OK)
        return rc;
    rk_err e = RK_OK;
    if (env->key_fd < 0)
        e = rk_keys_lock(env->key_file, false, &env->key_fd, &err);
    if (e == RK_OK)
        e = rk_keys_load(env->key_file, &keys, &err);
    if (e != RK_OK) {
        rk_cli_error("%s", err.message);
        return e == RK_ENOENT || e == RK_EINVAL || e == RK_EBUSY ? RK_EXIT_USAGE : RK_EXIT_FAIL;
    }
    if (!rk_cli_db_present(env->db)) {
        rk_cli_error("no database at %s: create it with 'rekisteri init'", env->db);
        return RK_EXIT_USAGE;
    }
    /* Writes are checked against the key's generation (store.h): a rotation elsewhere while
     * this command runs stops its writes, never lets them go in under the retired key. */
    struct rk_store_options opt = {
        .synchronous =
            env->synchronous && env->synchronous[0] == 'f' ? RK_SYNC_FULL : RK_SYNC_NORMAL,
        .key_generation = env->any_generation ? 0 : rk_keys_generation(&keys),
        .existing = true}; /* only `init` makes a register (a URI's database may be empty) */
    int from, to;
    struct rk_error open_err = RK_ERROR_INIT;
    rk_err oe = rk_store_open(env->db, &opt, &env->store, &open_err);
    if (oe == RK_OK)
        oe = rk_store_migrate(env->store, &from, &to);
    if (oe != RK_OK) {
        rk_cli_error("%s: %s%s", rk_cli_db_shown(env->db),
                     oe == RK_ENOENT ? "" : "cannot open the database: ",
                     env->store ? rk_store_errmsg(env->store) : open_err.message);
        return oe == RK_ENOENT ? RK_EXIT_USAGE : RK_EXIT_FAIL;
    }
    struct rk_error msg = RK_ERROR_INIT;
    if (!env->any_generation && rk_rotate_check(env->store, &keys, env->key_file, &msg) != RK_OK) {
        sodium_memzero(&keys, sizeof keys);
        rk_cli_error("%s", msg.message);
        return RK_EXIT_USAGE;
    }
    env->reg = rk_reg_in(&env->reg_room);
    if ((e = rk_notice_reg_init(env->reg, env->decl, env->store, &keys, env->actor)) != RK_OK) {
        rk_cli_error("cannot set up the register: %s", rk_err_str(e));
        return RK_EXIT_FAIL;
    }
    rk_reg_set_journal(env->reg, env->journal);
    open_decl = env->decl;
    /* Queued notices and mail of a database from before migration 0014 are sealed now,
     * before anything reads them (core/rotate.h, "Sealed values" S5). */
    int64_t sealed = 0;
    if (rk_rotate_seal_plain(env->reg, &sealed, &msg) != RK_OK) {
        rk_cli_error("%s", msg.message);
        return RK_EXIT_FAIL;
    }
    if (sealed > 0)
        fprintf(stderr,
                "rekisteri: sealed %lld queued notices and messages left readable by an "
                "older version\n",
                (long long)sealed);
    /* Entries written before migration 0016 get their words in the people search index
     * once (core/search.h). */
    int64_t indexed = 0;
    if (rk_search_backfill(env->reg, &indexed, &msg) != RK_OK) {
        rk_cli_error("%s", msg.message);
        return RK_EXIT_FAIL;
    }
    return RK_EXIT_OK;
}

bool rk_cli_db_present(const char *db) {
    if (strncmp(db, "sqlite:", 7) == 0)
        db += 7;
    else if (strstr(db, "://"))
        return true;
    struct stat st;
    return stat(db, &st) == 0;
}

const char *rk_cli_journal_path(const char *opt, const char *db, const char *key_file, char *buf,
                                size_t n) {
    const char *p = rk_cli_env_or(opt, RK_JOURNAL_ENV, NULL);
    if (p && p[0])
        return p;
    if (strncmp(db, "sqlite:", 7) == 0)
        db += 7;
    else if (strstr(db, "://"))
        db = key_file; /* a URI names no place for a file */
    snprintf(buf, n, "%s%s", db, RK_JOURNAL_SUFFIX);
    return buf;
}

void rk_cli_env_close(struct rk_cli_env *env) {
    if (env->key_fd >= 0)
        close(env->key_fd);
    env->key_fd = -1;
    rk_store_close(env->store);
    env->store = NULL;
    if (open_decl == env->decl)
        open_decl = NULL;
    rk_decl_free(env->decl);
    env->decl = NULL;
}

int rk_cli_env_open_one(struct rk_cli_env *env, const char *what) {
    if (env->nargs == 1)
        return rk_cli_env_open(env);
    rk_cli_error("%s: expected one %s", what, strchr(what, ' ') ? "argument" : "ID");
    rk_cli_env_close(env);
    return RK_EXIT_USAGE;
}

int rk_cli_exit_for(rk_err err) {
    switch (err) {
    case RK_EINVAL:
    case RK_EREFUSED:
    case RK_ECONFLICT:
    case RK_ENOENT:
    case RK_EPARSE:
    case RK_ETOOBIG: return RK_EXIT_USAGE;
    default: return RK_EXIT_FAIL;
    }
}

/* When text refuses an undeclared register or purpose ("purpose 'x' is not declared", the
 * core's words), the declared ones as rk_cli_declared says them into b; else "". */
static const char *offer_after(struct rk_buf *b, const char *text) {
    static const char *const kinds[] = {"register", "purpose"};
    for (size_t k = 0; k < 2; k++) {
        char head[16];
        snprintf(head, sizeof head, "%s '", kinds[k]);
        const char *p = strstr(text, head);
        const char *end = p ? strstr(p + strlen(head), "' is not declared") : NULL;
        /* Only the refusal that ends there: "source 'x' is not declared for register 'y'"
         * names a register that is declared. */
        if (!end || strcmp(end, "' is not declared") != 0 || end - p > 200 ||
            (p != text && p[-1] != ' '))
            continue;
        char value[201];
        snprintf(value, sizeof value, "%.*s", (int)(end - p - (ptrdiff_t)strlen(head)),
                 p + strlen(head));
        return rk_cli_declared(b, open_decl, kinds[k], value);
    }
    return "";
}

int rk_cli_refused(const char *what, rk_err err, const struct rk_error *msg) {
    struct rk_buf b;
    rk_buf_init(&b);
    rk_cli_error("%s: %s%s", what, msg->message[0] ? msg->message : rk_err_str(err),
                 msg->message[0] ? offer_after(&b, msg->message) : "");
    rk_buf_cleanup(&b);
    return rk_cli_exit_for(err);
}

bool rk_cli_role(const struct rk_cli_env *env, const char *role) {
    if (rk_decl_role(env->decl, role))
        return true;
    struct rk_buf b;
    rk_buf_init(&b);
    rk_cli_error("--role: role '%s' is not declared (the declaration's 'roles')%s",
                 rk_cli_shown(role, false), rk_cli_declared(&b, env->decl, "role", role));
    rk_buf_cleanup(&b);
    return false;
}

bool rk_cli_source(const char *opt, const char *arg, enum rk_source_kind *out) {
    for (int k = 0; k < RK_SRC__COUNT; k++)
        if (strcmp(rk_source_kind_id((enum rk_source_kind)k), arg) == 0) {
            *out = (enum rk_source_kind)k;
            return true;
        }
    const char *names[RK_SRC__COUNT];
    for (int k = 0; k < RK_SRC__COUNT; k++)
        names[k] = rk_source_kind_id((enum rk_source_kind)k);
    return rk_cli_bad_value(opt, "source kind", arg, names, RK_SRC__COUNT);
}

const char *rk_cli_shown(const char *s, bool multiline) {
    static struct rk_buf ring[8];
    static size_t next;
    if (!s)
        return NULL;
    struct rk_buf *b = &ring[next++ % 8];
    rk_buf_reset(b);
    rk_buf_puts(b, "");
    rk_text_put_visible(b, s, multiline);
    return rk_buf_status(b) == RK_OK && b->data ? b->data : "(out of memory)";
}

bool rk_cli_text(const char *opt, const char *arg, bool multiline) {
    struct rk_error msg = RK_ERROR_INIT;
    if (rk_text_field_check(opt, arg, multiline, &msg) == RK_OK)
        return true;
    rk_cli_error("%s", rk_error_msg(&msg));
    return false;
}

bool rk_cli_date(const char *opt, const char *arg, struct rk_date *out) {
    if (rk_date_parse(arg, out))
        return true;
    rk_cli_error("%s: expected a date as YYYY-MM-DD, found '%s'", opt, arg);
    return false;
}

bool rk_cli_instant(const char *opt, const char *arg, rk_ts *out) {
    if (rk_ts_parse(arg, out))
        return true;
    rk_cli_error("%s: expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, found '%s'", opt, arg);
    return false;
}

const char *rk_cli_db_shown(const char *db) {
    static char buf[4096];
    return rk_store_location_shown(db, buf, sizeof buf);
}

/* ---- init ---------------------------------------------------------------------------- */

/* Creates the folder holding path when it is missing (one level, like var/); a
 * "sqlite:" location's path after its scheme, nothing for a URI (postgresql://...). */
static bool make_parent(const char *path) {
    if (strncmp(path, "sqlite:", 7) == 0)
        path += 7;
    else if (strstr(path, "://"))
        return true;
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return true;
    *slash = '\0';
    if (mkdir(dir, 0700) == 0 || errno == EEXIST)
        return true;
    rk_cli_error("cannot create the folder %s: %s", dir, strerror(errno));
    return false;
}

static int run_init(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri init [options]\n"
                              "\n"
                              "Creates the database (or brings its schema up to date) and, when\n"
                              "it does not exist, the key file (mode 0600) whose secret keys the\n"
                              "email/phone index and the suppression list, and the erasure\n"
                              "journal (--journal) restores re-apply erasures from. Checks the\n"
                              "declaration.\n"
                              "Run it again at any time: it never replaces an existing key.\n\n",
                              NULL, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs) {
        rk_cli_error("init takes no arguments; see 'init --help'");
        return RK_EXIT_USAGE;
    }
    struct rk_error err = RK_ERROR_INIT;
    if (rk_crypto_init() != RK_OK)
        return RK_EXIT_FAIL;
    if ((rc = rk_cli_load_decl(env.declaration, &env.decl)) != RK_EXIT_OK)
        return rc;
    if (!make_parent(env.key_file) || !make_parent(env.db)) {
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    struct rk_error kerr = RK_ERROR_INIT;
    rk_err e = rk_keys_create(env.key_file, &kerr);
    bool new_key = e == RK_OK;
    if (e != RK_OK && e != RK_ECONFLICT) {
        rk_cli_error("%s", kerr.message);
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    struct rk_keys keys;
    if (rk_keys_load(env.key_file, &keys, &kerr) != RK_OK) {
        rk_cli_error("%s", kerr.message);
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL};
    int from = 0, to = 0;
    struct rk_error open_err = RK_ERROR_INIT;
    if (rk_store_open(env.db, &opt, &env.store, &open_err) != RK_OK ||
        rk_store_migrate(env.store, &from, &to) != RK_OK) {
        rk_cli_error("%s: cannot create the database: %s", rk_cli_db_shown(env.db),
                     env.store ? rk_store_errmsg(env.store) : open_err.message);
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    /* A new database starts at the key file's current generation. */
    if (from == 0 && keys.ngen > 0 && keys.gen[0].number != 1) {
        char fp[RK_FINGERPRINT_LEN + 1];
        rk_keys_fingerprint(&keys.gen[0], fp);
        if (rk_store_key_state_set(env.store, keys.gen[0].number, fp) != RK_OK) {
            rk_cli_error("%s: cannot record the key generation: %s", rk_cli_db_shown(env.db),
                         rk_store_errmsg(env.store));
            rk_cli_env_close(&env);
            return RK_EXIT_FAIL;
        }
    }
    uint32_t gen = rk_keys_generation(&keys);
    sodium_memzero(&keys, sizeof keys);
    printf("database %s: schema %d%s\n", rk_cli_db_shown(env.db), to,
           from == to ? " (up to date)" : "");
    printf("key file %s: %s\n", env.key_file, new_key ? "created (mode 0600): back it up" : "kept");
    e = rk_journal_create(env.journal, gen, &err);
    if (e != RK_OK && e != RK_ECONFLICT) {
        rk_cli_error("%s", err.message);
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    printf("erasure journal %s: %s\n", env.journal,
           e == RK_OK ? "created: keep it on another disk, back it up with the key file" : "kept");
    printf("declaration %s: ok\n", env.declaration);
    rk_cli_env_close(&env);
    return RK_EXIT_OK;
}

/* ---- suppress ----------------------------------------------------------------------------- */

static int run_suppress(int argc, char **argv) {
    const char *email = NULL, *phone = NULL, *reason = "objection";
    const struct rk_cli_opt opts[] = {
        {"email", &email, NULL}, {"phone", &phone, NULL}, {"reason", &reason, NULL}, {NULL, 0, 0}};
    struct rk_cli_env env;
    int rc =
        rk_cli_env_parse(&env, argc, argv,
                         "usage: rekisteri suppress add|check (--email E | --phone P) "
                         "[--reason objection|erasure]\n"
                         "\n"
                         "Puts an email or phone on the suppression list (as a keyed hash),\n"
                         "or checks whether it is there. Imports and captures skip suppressed\n"
                         "people. 'check' exits 0 when listed, 1 when not.\n\n",
                         opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    bool add = env.nargs == 1 && strcmp(env.args[0], "add") == 0;
    if (!(add || (env.nargs == 1 && strcmp(env.args[0], "check") == 0)) || !email == !phone) {
        rk_cli_error("expected 'suppress add' or 'suppress check' with one of --email or --phone");
        return RK_EXIT_USAGE;
    }
    enum rk_suppress_reason why = RK_SUPPRESS_OBJECTION;
    static const char *const reasons[] = {"objection", "erasure"};
    if (strcmp(reason, "erasure") == 0)
        why = RK_SUPPRESS_ERASURE;
    else if (strcmp(reason, "objection") != 0)
        return rk_cli_bad_value("--reason", "reason", reason, reasons, 2), RK_EXIT_USAGE;
    enum rk_field f = email ? RK_F_EMAIL : RK_F_PHONE;
    struct rk_contact_input values; /* core/contact_input.h */
    rk_contact_input_init(&values);
    if (rk_contact_input_add(&values, f, email ? email : phone) != RK_OK) {
        rk_cli_error("--%s: the value %s", rk_field_id(f), rk_error_msg(&values.error));
        return RK_EXIT_USAGE;
    }
    const char *norm = values.c.v[f];
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    struct rk_error msg = RK_ERROR_INIT;
    rk_err e;
    if (add) {
        e = rk_reg_suppress(env.reg, f, norm, why, rk_time_now(), &msg);
        rc = e == RK_OK ? RK_EXIT_OK : rk_cli_refused("suppress", e, &msg);
        if (e == RK_OK)
            printf("suppressed\n");
    } else {
        bool hit = false;
        e = rk_reg_is_suppressed(env.reg, f, norm, &hit);
        if (e != RK_OK)
            rc = RK_EXIT_FAIL;
        else {
            printf("%s\n", hit ? "suppressed" : "not suppressed");
            rc = hit ? RK_EXIT_OK : RK_EXIT_FAIL;
        }
    }
    rk_cli_env_close(&env);
    return rc;
}

const struct rk_cli_command rk_cli_init = {
    .name = "init", .summary = "create the database and the key file", .run = run_init};
const struct rk_cli_command rk_cli_suppress = {
    .name = "suppress", .summary = "add to or check the suppression list", .run = run_suppress};
