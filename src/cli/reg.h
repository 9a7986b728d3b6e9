/*
 * reg.h — what the register commands share: the options every one of them
 * takes (--db, --declaration, --key-file, --actor, --format), opening the
 * declaration, store and key as one struct rk_reg, and printing refusals.
 */
#ifndef RK_CLI_REG_H
#define RK_CLI_REG_H

#include <stdbool.h>

#include "cli/cli.h"
#include "core/register.h"

struct rk_cli_env {
    const char *db, *declaration, *key_file, *actor, *format, *synchronous;
    struct rk_decl *decl;
    struct rk_store *store;
    struct rk_reg *reg; /* set up by rk_cli_env_open, in reg_room (core/reg.h) */
    struct rk_reg_room reg_room;
    int nargs; /* positional arguments after the options */
    char **args;
    /* The erasure journal (core/journal.h): --journal, REKISTERI_ERASURE_JOURNAL, or
     * <db>.erasures; set as reg's journal by rk_cli_env_open. */
    const char *journal;
    char journal_buf[4096 + sizeof ".erasures"];
    /* Key rotation (cli_key.c): the descriptor holding the key file's lock
     * (-1: none), and whether a key file of another generation than the
     * database's is let through (key rotate, restore). */
    int key_fd;
    bool any_generation;
};

/*
 * Parses argv: the common options, then opts (NULL-terminated by name). Fills
 * env from the options, the environment (REKISTERI_DB, REKISTERI_DECLARATION,
 * REKISTERI_KEY_FILE, REKISTERI_ACTOR) and defaults. Prints usage on --help.
 * Returns RK_EXIT_OK, -1 after --help, or RK_EXIT_USAGE.
 */
int rk_cli_env_parse(struct rk_cli_env *env, int argc, char **argv, const char *usage,
                     const struct rk_cli_opt *opts, const char *const *formats);

/* Loads the declaration and key, opens and migrates the store, sets up env->reg.
 * Holds a shared lock on the key file until rk_cli_env_close (none when
 * env->key_fd is already open), so that `key rotate` refuses meanwhile, and
 * refuses a key file of another generation than the database's. */
int rk_cli_env_open(struct rk_cli_env *env); /* closes env itself when it fails */
void rk_cli_env_close(struct rk_cli_env *env);

/* For commands taking exactly one ID: checks that, then opens env. On failure
 * prints why, closes env and returns the exit status; RK_EXIT_OK otherwise. */
int rk_cli_env_open_one(struct rk_cli_env *env, const char *what);

/* Prints a refused or failed write: one line, exit status for err. */
int rk_cli_refused(const char *what, rk_err err, const struct rk_error *msg);

/* The exit status for an rk_err: bad input (2) or failure (1). */
int rk_cli_exit_for(rk_err err);

/* Whether role is declared; false after "--role: role 'x' is not declared" and the declared
 * roles. */
bool rk_cli_role(const struct rk_cli_env *env, const char *role);

/* Parses a source kind id ("web_form"); false after an error message naming the option. */
bool rk_cli_source(const char *opt, const char *arg, enum rk_source_kind *out);
/* Checks a text option by the text rule (rk_text_field_check: no control, direction-control or
 * invisible format characters; breaks only when multiline); false after an error message naming
 * the option. NULL passes. */
bool rk_cli_text(const char *opt, const char *arg, bool multiline);
/*
 * A stored value made safe for a terminal (rk_text_put_visible: characters the text rule
 * refuses written as \uXXXX, a backslash as \\), for the text outputs; NULL gives NULL. The
 * string lives in one of eight rotating buffers: valid until eight more calls, enough for the
 * arguments of one printf.
 */
const char *rk_cli_shown(const char *s, bool multiline);
/* Parses a date YYYY-MM-DD or an instant; false after an error message naming the option. */
bool rk_cli_date(const char *opt, const char *arg, struct rk_date *out);
bool rk_cli_instant(const char *opt, const char *arg, rk_ts *out);

/* Whether the database at db is there to open: its file exists (a plain path or
 * "sqlite:PATH"), or db is a URI (postgresql://...: a server's, reached when opened). */
bool rk_cli_db_present(const char *db);

/* The erasure journal's path: opt, else REKISTERI_ERASURE_JOURNAL, else db (without a
 * "sqlite:" scheme) with .erasures appended; for a PostgreSQL URI (which names no file) the
 * key file's path with .erasures appended, in buf (size n). */
const char *rk_cli_journal_path(const char *opt, const char *db, const char *key_file, char *buf,
                                size_t n);

/* The database's location as messages show it: a URI's password hidden
 * (rk_store_location_shown), in a buffer the next call reuses. */
const char *rk_cli_db_shown(const char *db);

/* `rekisteri consent record` (cli_consent_record.c), a subcommand of `consent` (cli_person.c). */
int rk_cli_consent_record(int argc, char **argv);

/* True when --format json was given. */
static inline bool rk_cli_json(const struct rk_cli_env *env) {
    return env->format && env->format[0] == 'j';
}

#define RK_CLI_COMMON_HELP                                                                         \
    "common options:\n"                                                                            \
    "  --db PATH|URI        the database: a SQLite file, or a postgresql:// URI\n"                 \
    "                       (REKISTERI_DB; default var/rekisteri.db)\n"                            \
    "  --declaration FILE   the declaration (REKISTERI_DECLARATION;\n"                             \
    "                       default examples/smartum/declaration.yaml)\n"                          \
    "  --key-file PATH      the key file (REKISTERI_KEY_FILE; default var/rekisteri.key)\n"        \
    "  --actor NAME         who is writing, recorded as provenance (REKISTERI_ACTOR; default "     \
    "cli)\n"                                                                                       \
    "  --synchronous normal|full  SQLite durability (default normal: WAL, safe on crashes)\n"      \
    "  --journal PATH       the erasure journal (REKISTERI_ERASURE_JOURNAL; default\n"             \
    "                       the database's path, for PostgreSQL the key file's, with\n"            \
    "                       .erasures appended)\n"

#endif
