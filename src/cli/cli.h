/*
 * cli.h — what the command implementations share: exit codes, the command
 * table entry, and loading a declaration with its errors printed.
 *
 * Commands are thin: parse options, call the library, render, write. Every
 * command prints its own --help; errors are one line each on stderr.
 */
#ifndef RK_CLI_H
#define RK_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decl/decl.h"
#include "util/buf.h"

/* Exit statuses of every command. */
enum {
    RK_EXIT_OK = 0,
    RK_EXIT_FAIL = 1,  /* lint errors found, or a failure not caused by the input */
    RK_EXIT_USAGE = 2, /* bad input: options, files, declarations */
};

/*
 * The command table. A command is either a leaf (run set, subs NULL: it parses
 * its own options, usually through rk_cli_env_parse's option table) or a group
 * (subs set): `rekisteri GROUP SUB ...` runs the subcommand named SUB with argv[0]
 * = SUB. rk_cli_run dispatches both: a group's --help lists its subcommands one
 * line each; a missing or unknown subcommand prints the group's `expected` line,
 * suggests the nearest name and lists them; exit 2.
 */
struct rk_cli_sub {
    const char *name;    /* NULL ends the table */
    const char *summary; /* one line, for `rekisteri GROUP --help` */
    int (*run)(int argc, char **argv);
    /* Or, for subcommands that are one function told which they are (consent give,
     * confirm, withdraw): run_kind(argc, argv, kind). */
    int (*run_kind)(int argc, char **argv, int kind);
    int kind;
};

struct rk_cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* a leaf command; NULL for a group */
    const struct rk_cli_sub *subs;     /* a group's subcommands; NULL for a leaf */
    const char
        *expected; /* a group's refusal when no subcommand is named (without "rekisteri: ") */
};

/* One option of a command: --name VALUE (value != NULL) or --name (flag != NULL). A
 * command's options are a table of these ended by a NULL name. */
struct rk_cli_opt {
    const char *name;
    const char **value;
    bool *flag;
};

/*
 * Parses argv (argv[0] the command's name) against opts with getopt_long (--name VALUE,
 * --name=VALUE, an unambiguous prefix; options and arguments in any order) and --help/-h.
 * Any other argument that begins with one '-' is an argument, not an option (a consent id
 * may begin with '-'), unless it is an option's name with one dash ("-json"), which is
 * refused naming the option meant. "--" ends the options. The positional arguments are
 * moved behind the options in argv.
 * Returns RK_EXIT_OK with *first the index of the first positional argument; -1 after
 * printing usage and then more (either may be NULL) on --help; RK_EXIT_USAGE after one line:
 * "unknown option '--foo'; see 'rekisteri person add --help'" or "option '--x' needs a value".
 */
int rk_cli_parse(int argc, char **argv, const struct rk_cli_opt *opts, const char *usage,
                 const char *more, int *first);

/* Runs a command of the table (argv[0] is its name): the leaf's run, or the group's
 * subcommand. Sets the command path that rk_cli_path() returns. */
int rk_cli_run(const struct rk_cli_command *c, int argc, char **argv);

/* The command being run, as the user types it: "rekisteri person add"; for the
 * "see '... --help'" of every refusal. */
const char *rk_cli_path(void);

/* Edit distance (insertions, deletions, substitutions, transpositions) between a and b. */
size_t rk_cli_distance(const char *a, const char *b);
/* The name in names (n of them) nearest to word when it is near enough to be a likely
 * misspelling (about one edit in three letters), else NULL. */
const char *rk_cli_nearest(const char *word, const char *const *names, size_t n);

/*
 * Refuses an enumerated value: "OPT: unknown WHAT 'value'; expected a, b or c" and, when
 * one is near, "; did you mean 'b'?". Always returns false, for `return rk_cli_bad_value(...)`.
 */
bool rk_cli_bad_value(const char *opt, const char *what, const char *value,
                      const char *const *names, size_t n);

/*
 * For a refusal naming an undeclared register, purpose or role (what: "register",
 * "purpose", "role"): "; expected a, b or c; did you mean 'b'?" written into b (reset
 * first) and returned, to end the refusal's line; "" when it cannot be said.
 */
const char *rk_cli_declared(struct rk_buf *b, const struct rk_decl *d, const char *what,
                            const char *value);

/*
 * A table of text rows printed with aligned columns: each column but the last is
 * padded to its widest cell (in characters), at least its minimum width, and followed
 * by its `after` text (the separator or a fixed word: " attempts "). Rows are kept
 * until rk_cli_table_print, so nothing reaches standard output before the whole table
 * is known.
 */
#define RK_CLI_TABLE_MAXCOLS 8
struct rk_cli_col {
    size_t min;
    const char *after; /* NULL for the last column */
};
struct rk_cli_table {
    size_t ncols;
    const struct rk_cli_col *cols;
    char **cells; /* ncols per row */
    size_t nrows, cap;
    bool oom;
};
void rk_cli_table_init(struct rk_cli_table *t, size_t ncols, const struct rk_cli_col *cols);
/* Adds a row of t->ncols cells (copied; NULL is empty). */
void rk_cli_table_row(struct rk_cli_table *t, const char *const *cells);
/* Prints the rows to stdout and releases them; RK_EXIT_OK or RK_EXIT_FAIL. */
int rk_cli_table_print(struct rk_cli_table *t);
void rk_cli_table_cleanup(struct rk_cli_table *t);

/* A listing in either shape: a JSON array (--format json: list set) or the aligned table. */
struct rk_cli_listing {
    struct json_t *list;
    struct rk_cli_table table;
};
void rk_cli_listing_init(struct rk_cli_listing *l, bool json, size_t ncols,
                         const struct rk_cli_col *cols);
/* With rc RK_EXIT_OK writes the listing out; releases it; returns the exit status. */
int rk_cli_listing_end(struct rk_cli_listing *l, int rc);

/* Counts by state (`outbox list`, `recipients list`): k of them set in the JSON object doc
 * as "name": n, or, doc NULL, added to t as the rows "name n". */
void rk_cli_counts(struct json_t *doc, struct rk_cli_table *t, const char *const *names,
                   const int64_t *n, size_t k);

extern const struct rk_cli_command rk_cli_lint, rk_cli_notice, rk_cli_ropa, rk_cli_validate;
extern const struct rk_cli_command rk_cli_init, rk_cli_person, rk_cli_consent, rk_cli_contract,
    rk_cli_invoice, rk_cli_import, rk_cli_audience, rk_cli_suppress, rk_cli_serve,
    rk_cli_token, rk_cli_link, rk_cli_audit;
extern const struct rk_cli_command rk_cli_request;
extern const struct rk_cli_command rk_cli_outbox, rk_cli_mail;
extern const struct rk_cli_command rk_cli_rights, rk_cli_tasks;
extern const struct rk_cli_command rk_cli_recipients;
extern const struct rk_cli_command rk_cli_sweep;
extern const struct rk_cli_command rk_cli_backup, rk_cli_restore;
extern const struct rk_cli_command rk_cli_journal;
extern const struct rk_cli_command rk_cli_key;
extern const struct rk_cli_command rk_cli_staff;
extern const struct rk_cli_command rk_cli_consent_log;

/* Prints "rekisteri: msg" on stderr. */
void rk_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Loads the declaration at path, printing every problem on stderr. Returns
 * the exit status to use: RK_EXIT_OK with *out set, or RK_EXIT_USAGE.
 */
int rk_cli_load_decl(const char *path, struct rk_decl **out);

/* Writes the buffer to stdout; RK_EXIT_OK, or RK_EXIT_FAIL on a write error. */
int rk_cli_write(const struct rk_buf *b);

/* Writes a JSON document to stdout (indented) and releases it; exit status. */
struct json_t;
int rk_cli_write_json(struct json_t *doc); /* takes doc */

/* value if given, else the environment variable var if set and non-empty, else fallback. */
const char *rk_cli_env_or(const char *value, const char *var, const char *fallback);

/* Parses --lang fi|en; false after an error message. */
bool rk_cli_parse_lang(const char *arg, enum rk_lang *out);

/* The SMTP options of `serve` and `outbox send` (cli_outbox.c). */
struct rk_cli_mail {
    const char *smtp, *from, *user, *password_file;
    const char *reply_to; /* --mail-reply-to */
    bool from_later;      /* serve: --mail-from may come from the declaration (mail.from) */
    bool starttls;
    char password[512]; /* read from password_file; wiped by rk_cli_mail_cleanup */
};
struct rk_smtp_config;
/* Checks the options and fills out (out->url NULL without --smtp): RK_EXIT_OK, or
 * RK_EXIT_USAGE after a message. out points into o, which must outlive it. */
int rk_cli_mail_config(struct rk_cli_mail *o, struct rk_smtp_config *out);
void rk_cli_mail_cleanup(struct rk_cli_mail *o);

#endif
