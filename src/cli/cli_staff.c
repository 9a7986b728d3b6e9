/*
 * cli_staff.c — `rekisteri staff add|list|disable|enable|reset|role`: the
 * console's staff accounts (core/staff.h). `add` and `reset` print a one-time
 * set-password link as the last line of their output (and queue it by email
 * with --mail); `add --password-file F` sets the password at once, for
 * automation. Every change is an audit event naming the account "staff:<id>".
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/reg.h"
#include "base/normalize.h"
#include "core/staff.h"
#include "mail/mail.h"
#include <sodium.h>

static const char *const text_json[] = {"text", "json", NULL};

/* The public URL links are made under: --public-url, REKISTERI_PUBLIC_URL, or serve's default. */
static const char *public_url(const char *opt, char *buf, size_t n) {
    const char *u = opt ? opt : getenv("REKISTERI_PUBLIC_URL");
    if (!u || !*u)
        u = "http://127.0.0.1:8080";
    snprintf(buf, n, "%s", u);
    size_t len = strlen(buf);
    while (len && buf[len - 1] == '/')
        buf[--len] = '\0';
    return buf;
}

static bool url_ok(const char *u) {
    return (strncmp(u, "http://", 7) == 0 || strncmp(u, "https://", 8) == 0) &&
           !strpbrk(u, "?# \t\r\n<>\"");
}

/* Reads the password from path: the file's first line, without its line end. */
static bool read_password(const char *path, char *out, size_t n) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!f) {
        rk_cli_error("--password-file: cannot open %s: %s", path, strerror(errno));
        return false;
    }
    bool ok = fgets(out, (int)n, f) != NULL;
    if (f != stdin)
        fclose(f);
    if (!ok) {
        rk_cli_error("--password-file: %s is empty; put the password on its first line", path);
        return false;
    }
    size_t len = strcspn(out, "\r\n");
    if (out[len] == '\0' && len + 1 >= n) {
        rk_cli_error("--password-file: the password is longer than %d characters", RK_STAFF_PW_MAX);
        return false;
    }
    out[len] = '\0';
    return true;
}

/* Finds the account by email; false after the error (exit status in *rc). */
static bool find(struct rk_cli_env *env, const char *what, const char *email, struct rk_staff *a,
                 int *rc) {
    char key[RK_STAFF_EMAIL_MAX + 1];
    struct rk_error why = RK_ERROR_INIT;
    if (rk_staff_email(email, key, &why) != RK_OK) {
        rk_cli_error("%s: '%s' is not an email address (%s)", what, rk_cli_shown(email, false),
                     why.message[0] ? why.message : "malformed");
        *rc = RK_EXIT_USAGE;
        return false;
    }
    rk_err e = rk_store_staff_get(env->store, key, true, a);
    if (e == RK_ENOENT) {
        rk_cli_error("%s: no staff account has the email %s; 'staff list' shows them", what,
                     rk_cli_shown(key, false));
        *rc = RK_EXIT_USAGE;
        return false;
    }
    if (e != RK_OK) {
        rk_cli_error("%s: %s", what, rk_store_errmsg(env->store));
        *rc = RK_EXIT_FAIL;
        return false;
    }
    return true;
}

/* Queues the setup link to the account's email (inside the caller's transaction). */
static rk_err mail_link(struct rk_cli_env *env, const struct rk_staff *a, const char *url) {
    char subject[128], body[2048];
    struct rk_error why = RK_ERROR_INIT;
    rk_staff_setup_mail(a->name, url, subject, sizeof subject, body, sizeof body);
    struct rk_outbox_msg m = {
        .kind = "staff_setup", .recipient = a->email, .subject = subject, .body = body};
    int64_t id = 0;
    rk_err e = rk_mail_enqueue(env->store, &m, &why, &id);
    if (e != RK_OK)
        rk_cli_error("--mail: the link could not be queued: %s",
                     why.message[0] ? why.message : rk_err_str(e));
    return e;
}

/* Ends a write: commit or roll back, and the exit status. */
static int finish(struct rk_cli_env *env, const char *what, rk_err e) {
    if (e == RK_OK)
        e = rk_store_commit(env->store);
    else
        rk_store_rollback(env->store);
    if (e == RK_OK)
        return RK_EXIT_OK;
    if (e == RK_ECONFLICT) {
        rk_cli_error("%s: a staff account with this email exists; 'staff list' shows it", what);
        return RK_EXIT_USAGE;
    }
    rk_cli_error("%s: %s", what, e == RK_EINVAL ? "refused" : rk_store_errmsg(env->store));
    return rk_cli_exit_for(e);
}

static int staff_add(int argc, char **argv) {
    const char *email = NULL, *name = NULL, *role = NULL, *pwfile = NULL, *url_opt = NULL;
    bool mail = false;
    const struct rk_cli_opt opts[] = {{"email", &email, NULL},
                                      {"name", &name, NULL},
                                      {"role", &role, NULL},
                                      {"password-file", &pwfile, NULL},
                                      {"public-url", &url_opt, NULL},
                                      {"mail", NULL, &mail},
                                      {NULL, 0, 0}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri staff add --email EMAIL --name NAME --role ROLE\n"
        "                           [--password-file FILE] [--public-url URL] [--mail]\n"
        "\n"
        "Adds a staff account of the console with a role of the declaration and prints\n"
        "a one-time link to set its password (valid 24 hours) as the last line.\n"
        "--mail also queues the link to EMAIL (sent by 'serve --smtp' or 'outbox send').\n"
        "--password-file sets the password from the file's first line instead (for\n"
        "automation; '-' reads standard input). Passwords: at least 12 characters, not\n"
        "containing the email's local part or the name, not a common password.\n"
        "--public-url (REKISTERI_PUBLIC_URL; default http://127.0.0.1:8080) is where\n"
        "the console is reached.\n\n",
        opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs || !email || !name || !role) {
        rk_cli_error("staff add: expected --email, --name and --role");
        return RK_EXIT_USAGE;
    }
    char key[RK_STAFF_EMAIL_MAX + 1], urlbuf[512], password[RK_STAFF_PW_MAX * 4 + 2] = "";
    const char *start = NULL;
    struct rk_error why = RK_ERROR_INIT;
    size_t nlen = 0;
    if (rk_staff_email(email, key, &why) != RK_OK) {
        rk_cli_error("--email: not an email address (%s)",
                     why.message[0] ? why.message : "malformed");
        return RK_EXIT_USAGE;
    }
    if (rk_norm_text(name, RK_STAFF_NAME_MAX, false, &start, &nlen, &why) != RK_OK || nlen == 0) {
        rk_cli_error("--name: %s", nlen == 0 && !why.message[0] ? "empty" : why.message);
        return RK_EXIT_USAGE;
    }
    char nm[RK_STAFF_NAME_MAX * 4 + 1];
    snprintf(nm, sizeof nm, "%.*s", (int)nlen, start);
    const char *base = public_url(url_opt, urlbuf, sizeof urlbuf);
    if (!url_ok(base)) {
        rk_cli_error("--public-url: expected an http(s) URL without query, such as "
                     "https://rekisteri.example.fi");
        return RK_EXIT_USAGE;
    }
    if (pwfile) {
        if (!read_password(pwfile, password, sizeof password))
            return RK_EXIT_USAGE;
        enum rk_pw_problem p = rk_staff_password_check(password, key, nm);
        if (p != RK_PW_OK) {
            rk_cli_error("--password-file: %s", rk_staff_password_text(p, RK_LANG_EN));
            sodium_memzero(password, sizeof password);
            return RK_EXIT_USAGE;
        }
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    if (!rk_cli_role(&env, role)) {
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    char hash[RK_STAFF_PWHASH_MAX + 1] = "";
    if (pwfile && rk_staff_password_hash(password, hash) != RK_OK) {
        rk_cli_error("staff add: out of memory hashing the password");
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    sodium_memzero(password, sizeof password);
    struct rk_staff a;
    char setup[RK_STAFF_SECRET_LEN + 1], url[600];
    rk_ts now = rk_time_now();
    rk_err e = rk_store_begin(env.store);
    if (e == RK_OK) {
        e = rk_staff_add(env.store, rk_reg_keys(env.reg), key, nm, role, now, env.actor, &a, setup);
        if (e == RK_OK && pwfile)
            e = rk_staff_password_set(env.store, rk_reg_keys(env.reg), &a, hash, now, env.actor);
        if (e == RK_OK && !rk_staff_setup_url(base, setup, url, sizeof url))
            e = RK_ETOOBIG;
        if (e == RK_OK && mail && !pwfile)
            e = mail_link(&env, &a, url);
        rc = finish(&env, "staff add", e);
    } else {
        rc = finish(&env, "staff add", e);
    }
    if (rc == RK_EXIT_OK) {
        printf("added staff account %s (%s, role %s)\n", a.id, rk_cli_shown(a.email, false),
               a.role);
        if (pwfile)
            printf("password set; sign in at %s/console/login\n", base);
        else
            printf("%s\n", url);
    }
    rk_cli_env_close(&env);
    return rc;
}

static int print_staff(void *ctx, const struct rk_staff *a) {
    struct rk_cli_listing *l = ctx;
    json_t *list = l->list;
    char created[RK_TS_LEN + 1], last[RK_TS_LEN + 1] = "";
    rk_ts_format(a->created_at, created);
    if (a->last_signin)
        rk_ts_format(a->last_signin, last);
    const char *state = a->disabled ? "disabled" : a->password[0] ? "active" : "invited";
    if (list)
        json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s?}", "id", a->id,
                                              "email", a->email, "name", a->name, "role", a->role,
                                              "state", state, "created", created, "last_signin",
                                              a->last_signin ? last : NULL));
    else
        rk_cli_table_row(&l->table,
                         (const char *const[]){a->id, rk_cli_shown(a->email, false), a->role, state,
                                               rk_cli_shown(a->name, false)});
    return 0;
}

static int staff_list(int argc, char **argv) {
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv,
                              "usage: rekisteri staff list [--format text|json]\n\n"
                              "Lists the staff accounts: id, email, role, state (invited: no\n"
                              "password set yet, active, disabled) and name.\n\n",
                              NULL, text_json);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    static const struct rk_cli_col cols[] = {{0, "  "}, {32, " "}, {16, " "}, {8, " "}, {0, NULL}};
    struct rk_cli_listing l;
    rk_cli_listing_init(&l, rk_cli_json(&env), 5, cols);
    rk_err e = rk_store_staff_list(env.store, print_staff, &l);
    if (e != RK_OK)
        rk_cli_error("staff list: %s", rk_store_errmsg(env.store));
    rc = rk_cli_listing_end(&l, e == RK_OK ? RK_EXIT_OK : RK_EXIT_FAIL);
    rk_cli_env_close(&env);
    return rc;
}

enum change { DISABLE, ENABLE, RESET, ROLE };

static int staff_change(int argc, char **argv, int what) {
    static const char *const usage[] = {
        ("usage: rekisteri staff disable EMAIL\n\n"
         "Disables the account: its sessions end at once and it cannot sign in until\n"
         "'staff enable'.\n\n"),
        ("usage: rekisteri staff enable EMAIL\n\nEnables a disabled account again.\n\n"),
        ("usage: rekisteri staff reset EMAIL [--public-url URL] [--mail]\n\n"
         "Clears the account's password, ends its sessions and prints a new one-time\n"
         "link to set a password (valid 24 hours) as the last line; --mail also queues\n"
         "it to the account's email.\n\n"),
        ("usage: rekisteri staff role EMAIL --role ROLE\n\n"
         "Gives the account another role of the declaration; its sessions end.\n\n")};
    static const char *const names[] = {"staff disable", "staff enable", "staff reset",
                                        "staff role"};
    const char *role = NULL, *url_opt = NULL;
    bool mail = false;
    struct rk_cli_opt opts[4] = {{NULL, 0, 0}, {NULL, 0, 0}, {NULL, 0, 0}, {NULL, 0, 0}};
    if (what == ROLE)
        opts[0] = (struct rk_cli_opt){"role", &role, NULL};
    if (what == RESET) {
        opts[0] = (struct rk_cli_opt){"public-url", &url_opt, NULL};
        opts[1] = (struct rk_cli_opt){"mail", NULL, &mail};
    }
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(&env, argc, argv, usage[what], opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs != 1 || (what == ROLE && !role)) {
        rk_cli_error("%s: expected EMAIL%s", names[what], what == ROLE ? " and --role" : "");
        return RK_EXIT_USAGE;
    }
    char urlbuf[512], setup[RK_STAFF_SECRET_LEN + 1], url[600];
    const char *base = public_url(url_opt, urlbuf, sizeof urlbuf);
    if (what == RESET && !url_ok(base)) {
        rk_cli_error("--public-url: expected an http(s) URL without query");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    struct rk_staff a;
    if (what == ROLE && !rk_cli_role(&env, role)) {
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    if (!find(&env, names[what], env.args[0], &a, &rc)) {
        rk_cli_env_close(&env);
        return rc;
    }
    if (what == RESET && a.disabled) {
        rk_cli_error("staff reset: the account is disabled; 'staff enable' it first");
        rk_cli_env_close(&env);
        return RK_EXIT_USAGE;
    }
    rk_ts now = rk_time_now();
    rk_err e = rk_store_begin(env.store);
    if (e == RK_OK) {
        switch (what) {
        case DISABLE:
        case ENABLE:
            e = rk_staff_set_disabled(env.store, rk_reg_keys(env.reg), &a, what == DISABLE, now,
                                      env.actor);
            break;
        case RESET:
            e = rk_staff_reset(env.store, rk_reg_keys(env.reg), &a, now, env.actor, setup);
            if (e == RK_OK && !rk_staff_setup_url(base, setup, url, sizeof url))
                e = RK_ETOOBIG;
            if (e == RK_OK && mail)
                e = mail_link(&env, &a, url);
            break;
        case ROLE:
            e = rk_staff_set_role(env.store, rk_reg_keys(env.reg), &a, role, now, env.actor);
            break;
        }
    }
    rc = finish(&env, names[what], e);
    if (rc == RK_EXIT_OK) {
        switch (what) {
        case DISABLE: printf("disabled %s; its sessions ended\n", a.id); break;
        case ENABLE: printf("enabled %s\n", a.id); break;
        case RESET: printf("reset %s; its sessions ended\n%s\n", a.id, url); break;
        case ROLE: printf("%s now has role %s; its sessions ended\n", a.id, a.role); break;
        }
    }
    rk_cli_env_close(&env);
    return rc;
}

static const struct rk_cli_sub staff_subs[] = {
    {.name = "add", .summary = "add a staff account", .run = staff_add},
    {.name = "list", .summary = "list the staff accounts", .run = staff_list},
    {.name = "disable", .summary = "disable an account", .run_kind = staff_change, .kind = DISABLE},
    {.name = "enable",
     .summary = "enable an account again",
     .run_kind = staff_change,
     .kind = ENABLE},
    {.name = "reset",
     .summary = "reset an account's password",
     .run_kind = staff_change,
     .kind = RESET},
    {.name = "role", .summary = "change an account's role", .run_kind = staff_change, .kind = ROLE},
    {.name = NULL, .summary = NULL, .run = NULL},
};

const struct rk_cli_command rk_cli_staff = {
    .name = "staff",
    .summary = "the console's staff accounts: add, list, disable, enable, reset, role",
    .subs = staff_subs,
    .expected = "expected 'staff add', 'list', 'disable', 'enable', 'reset' or 'role'"};
