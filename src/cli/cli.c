/*
 * cli.c — helpers shared by the command implementations.
 */
#include "cli/cli.h"

#include <jansson.h>

#include "util/json.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rk_cli_error(const char *fmt, ...) {
    va_list ap;
    fputs("rekisteri: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int rk_cli_load_decl(const char *path, struct rk_decl **out) {
    struct rk_diags diags;
    rk_diags_init(&diags, path);
    rk_err rc = rk_decl_load(path, &diags, out);
    if (rc == RK_OK)
        return RK_EXIT_OK;
    if (diags.n)
        rk_diags_print(&diags, stderr);
    else
        rk_cli_error("%s: %s", path, rk_err_str(rc));
    return rc == RK_ENOMEM ? RK_EXIT_FAIL : RK_EXIT_USAGE;
}

int rk_cli_write(const struct rk_buf *b) {
    if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) {
        rk_cli_error("cannot write output: %s", strerror(errno));
        return RK_EXIT_FAIL;
    }
    if (fflush(stdout) != 0) {
        rk_cli_error("cannot write output: %s", strerror(errno));
        return RK_EXIT_FAIL;
    }
    return RK_EXIT_OK;
}

int rk_cli_write_json(json_t *doc) {
    struct rk_buf b;
    rk_buf_init(&b);
    int rc = rk_buf_put_json(&b, doc) == RK_OK ? rk_cli_write(&b) : RK_EXIT_FAIL;
    rk_buf_cleanup(&b);
    return rc;
}

const char *rk_cli_env_or(const char *value, const char *var, const char *fallback) {
    if (value)
        return value;
    const char *e = getenv(var);
    return e && *e ? e : fallback;
}

bool rk_cli_parse_lang(const char *arg, enum rk_lang *out) {
    if (strcmp(arg, "fi") == 0)
        *out = RK_LANG_FI;
    else if (strcmp(arg, "en") == 0)
        *out = RK_LANG_EN;
    else {
        static const char *const langs[] = {"fi", "en"};
        return rk_cli_bad_value("--lang", "language", arg, langs, 2);
    }
    return true;
}

/* ---- the command table ------------------------------------------------------------------- */

static char cli_path[128] = "rekisteri";

const char *rk_cli_path(void) { return cli_path; }

static bool is_help(const char *a) { return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0; }

static void group_list(const struct rk_cli_command *c, FILE *f) {
    size_t w = 0;
    for (const struct rk_cli_sub *s = c->subs; s->name; s++)
        if (strlen(s->name) > w)
            w = strlen(s->name);
    fputs("subcommands:\n", f);
    for (const struct rk_cli_sub *s = c->subs; s->name; s++)
        fprintf(f, "  %-*s  %s\n", (int)w, s->name, s->summary);
}

int rk_cli_run(const struct rk_cli_command *c, int argc, char **argv) {
    snprintf(cli_path, sizeof cli_path, "rekisteri %s", c->name);
    if (!c->subs)
        return c->run(argc, argv);
    if (argc >= 2 && is_help(argv[1])) {
        printf("usage: rekisteri %s SUBCOMMAND [OPTIONS] [ARGS]\n\n%s.\n\n", c->name, c->summary);
        group_list(c, stdout);
        printf("\n'rekisteri %s SUBCOMMAND --help' describes a subcommand.\n", c->name);
        return RK_EXIT_OK;
    }
    const char *names[64];
    size_t n = 0;
    for (const struct rk_cli_sub *s = c->subs; s->name && n < 64; s++) {
        if (argc >= 2 && strcmp(argv[1], s->name) == 0) {
            snprintf(cli_path, sizeof cli_path, "rekisteri %s %s", c->name, s->name);
            return s->run ? s->run(argc - 1, argv + 1) : s->run_kind(argc - 1, argv + 1, s->kind);
        }
        names[n++] = s->name;
    }
    /* One line, as every refusal: what was expected, the nearest name, where the list is. */
    const char *near = argc >= 2 ? rk_cli_nearest(argv[1], names, n) : NULL;
    char hint[160] = "";
    if (near)
        snprintf(hint, sizeof hint, "; did you mean '%s %s'?", c->name, near);
    if (strstr(c->expected, "--help'"))
        rk_cli_error("%s%s", c->expected, hint);
    else
        rk_cli_error("%s; see 'rekisteri %s --help'%s", c->expected, c->name, hint);
    return RK_EXIT_USAGE;
}

#define RK_CLI_MAXOPTS 48

/*
 * A single-dash argument other than -h is a value, not an option. rekisteri has no short
 * option but -h, and ids a person copies from elsewhere begin with '-': a consent id is
 * base64url, so one in 64 begins with it, and `consent-log show -AbC…` must find it rather
 * than refuse '-A' as an unknown option. The one exception is a long option's name written
 * with one dash (`-json`), which is refused as an unknown option that names the option meant,
 * so that a slip of the finger is not taken for an id.
 */
static bool single_dash_value(const char *a) {
    return a[0] == '-' && a[1] && a[1] != '-' && strcmp(a, "-h") != 0;
}

static const char *long_named(const char *a, const struct option *longopts) {
    size_t n = strcspn(a + 1, "=");
    for (const struct option *o = longopts; o->name; o++)
        if (strlen(o->name) == n && strncmp(o->name, a + 1, n) == 0)
            return o->name;
    return NULL;
}

int rk_cli_parse(int argc, char **argv, const struct rk_cli_opt *opts, const char *usage,
                 const char *more, int *first) {
    /* getopt gives back opts[i] as O_FIRST + i: below that, 1 is an argument, 'h', ':' and
     * '?' its own answers. */
    enum { O_FIRST = 256, O_HELP = O_FIRST + RK_CLI_MAXOPTS };
    struct option longopts[RK_CLI_MAXOPTS + 2];
    size_t n = 0;
    for (; opts && opts[n].name && n < RK_CLI_MAXOPTS; n++)
        longopts[n] = (struct option){.name = opts[n].name,
                                      .has_arg = opts[n].value ? required_argument : no_argument,
                                      .flag = NULL,
                                      .val = O_FIRST + (int)n};
    longopts[n++] =
        (struct option){.name = "help", .has_arg = no_argument, .flag = NULL, .val = O_HELP};
    longopts[n] = (struct option){.name = NULL, .has_arg = 0, .flag = NULL, .val = 0};
    /* getopt reads av, a copy of argv in which a single-dash argument it is about to read is
     * given from its second character, so that it is an argument to getopt too. "-" first in
     * the optstring: getopt hands arguments back in order (ch 1) instead of moving them, so
     * av's indexes stay argv's. The positional ones are moved behind the options at the end,
     * as getopt's own permutation would: args[0..nargs) collects them, rest the others. */
    char **av = malloc(((size_t)argc * 3 + 1) * sizeof *av);
    if (!av) {
        rk_cli_error("out of memory");
        return RK_EXIT_FAIL;
    }
    char **args = av + argc + 1, **rest = args + argc;
    for (int i = 0; i < argc; i++)
        av[i] = argv[i];
    av[argc] = NULL;
    int nargs = 0, rc = RK_EXIT_OK;
    optind = 0; /* not 1: glibc reads the optstring afresh only at 0 */
    opterr = 0;
    for (;;) {
        int at = optind ? optind : 1; /* what getopt reads next (no -hh: that is a value) */
        if (at < argc && single_dash_value(argv[at]) && av[at] == argv[at]) {
            const char *meant = long_named(argv[at], longopts);
            if (meant) {
                rk_cli_error("unknown option '%s'; did you mean '--%s'? see '%s --help'",
                             argv[at], meant, rk_cli_path());
                rc = RK_EXIT_USAGE;
                goto done;
            }
            av[at] = argv[at] + 1;
        }
        int ch = getopt_long(argc, av, "-:h", longopts, NULL);
        if (ch == -1)
            break;
        if (ch == 1) {
            args[nargs++] = argv[optind - 1];
        } else if (ch >= O_FIRST && ch < O_HELP && opts) {
            const struct rk_cli_opt *o = &opts[ch - O_FIRST];
            if (o->value)
                *o->value = optarg;
            else
                *o->flag = true;
        } else if (ch == 'h' || ch == O_HELP) {
            if (usage)
                fputs(usage, stdout);
            if (more)
                fputs(more, stdout);
            rc = -1;
            goto done;
        } else if (ch == ':') {
            rk_cli_error("option '%s' needs a value; see '%s --help'", argv[optind - 1],
                         rk_cli_path());
            rc = RK_EXIT_USAGE;
            goto done;
        } else {
            rk_cli_error("unknown option '%s'; see '%s --help'", argv[optind - 1], rk_cli_path());
            rc = RK_EXIT_USAGE;
            goto done;
        }
    }
    /* argv[1..optind) holds options, their values, a final "--" and the collected arguments
     * (the same pointers, in the same order); what follows optind is positional as it
     * stands. Options first, then the collected arguments, just before it. */
    int nrest = 0;
    for (int i = 1, j = 0; i < optind; i++) {
        if (j < nargs && argv[i] == args[j])
            j++;
        else
            rest[nrest++] = argv[i];
    }
    int k = 1;
    for (int i = 0; i < nrest; i++)
        argv[k++] = rest[i];
    *first = k;
    for (int i = 0; i < nargs; i++)
        argv[k++] = args[i];
done:
    free(av);
    return rc;
}

/* ---- suggestions ------------------------------------------------------------------------- */

size_t rk_cli_distance(const char *a, const char *b) {
    /* Damerau-Levenshtein (optimal string alignment) over bytes, three rows. */
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return la > lb ? la : lb;
    size_t rows[3][65];
    size_t *pp = rows[0], *p = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        p[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t d = p[j] + 1;
            if (cur[j - 1] + 1 < d)
                d = cur[j - 1] + 1;
            if (p[j - 1] + cost < d)
                d = p[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && pp[j - 2] + 1 < d)
                d = pp[j - 2] + 1;
            cur[j] = d;
        }
        size_t *t = pp;
        pp = p;
        p = cur;
        cur = t;
    }
    return p[lb];
}

const char *rk_cli_nearest(const char *word, const char *const *names, size_t n) {
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = rk_cli_distance(word, names[i]);
        if (d < bestd) {
            bestd = d;
            best = names[i];
        }
    }
    size_t len = strlen(word);
    size_t limit = len < 3 ? 1 : (len + 2) / 3;
    return best && bestd > 0 && bestd <= limit ? best : NULL;
}

/* "a, b or c" and, when one is near value, "; did you mean 'b'?" into b. */
static const char *offer(struct rk_buf *b, const char *value, const char *const *names, size_t n) {
    rk_buf_puts(b, "");
    for (size_t i = 0; i < n; i++)
        rk_buf_printf(b, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ", names[i]);
    if (n == 0)
        rk_buf_puts(b, "none");
    const char *near = rk_cli_nearest(value, names, n);
    if (near)
        rk_buf_printf(b, "; did you mean '%s'?", near);
    return rk_buf_status(b) == RK_OK && b->data ? b->data : "(out of memory)";
}

bool rk_cli_bad_value(const char *opt, const char *what, const char *value,
                      const char *const *names, size_t n) {
    struct rk_buf b;
    rk_buf_init(&b);
    rk_cli_error("%s: unknown %s '%s'; expected %s", opt, what, value, offer(&b, value, names, n));
    rk_buf_cleanup(&b);
    return false;
}

const char *rk_cli_declared(struct rk_buf *b, const struct rk_decl *d, const char *what,
                            const char *value) {
    rk_buf_puts(b, "");
    if (!d || !value)
        return "";
    bool reg = strcmp(what, "register") == 0, purpose = strcmp(what, "purpose") == 0;
    size_t n = reg ? d->nregisters : purpose ? d->npurposes : d->nroles;
    const char **names = calloc(n ? n : 1, sizeof *names);
    if (!names)
        return "";
    for (size_t i = 0; i < n; i++)
        names[i] = reg ? d->registers[i].id : purpose ? d->purposes[i].id : d->roles[i].id;
    struct rk_buf list;
    rk_buf_init(&list);
    rk_buf_printf(b, "; expected %s", offer(&list, value, names, n));
    rk_buf_cleanup(&list);
    free(names);
    return rk_buf_status(b) == RK_OK && b->data ? b->data : "";
}

/* ---- aligned tables ---------------------------------------------------------------------- */

void rk_cli_table_init(struct rk_cli_table *t, size_t ncols, const struct rk_cli_col *cols) {
    memset(t, 0, sizeof *t);
    t->ncols = ncols < RK_CLI_TABLE_MAXCOLS ? ncols : RK_CLI_TABLE_MAXCOLS;
    t->cols = cols;
}

void rk_cli_table_row(struct rk_cli_table *t, const char *const *cells) {
    if (t->oom)
        return;
    if (t->nrows == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 16;
        char **c = realloc(t->cells, cap * t->ncols * sizeof *c);
        if (!c) {
            t->oom = true;
            return;
        }
        t->cells = c;
        t->cap = cap;
    }
    char **row = t->cells + t->nrows * t->ncols;
    for (size_t i = 0; i < t->ncols; i++) {
        row[i] = strdup(cells[i] ? cells[i] : "");
        if (!row[i])
            t->oom = true;
    }
    t->nrows++;
}

/* Characters (UTF-8 code points) in s. */
static size_t width(const char *s) {
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

int rk_cli_table_print(struct rk_cli_table *t) {
    int rc = RK_EXIT_OK;
    if (t->oom) {
        rk_cli_error("out of memory");
        rc = RK_EXIT_FAIL;
    }
    size_t w[RK_CLI_TABLE_MAXCOLS];
    for (size_t i = 0; i < t->ncols; i++) {
        w[i] = t->cols[i].min;
        for (size_t r = 0; rc == RK_EXIT_OK && r < t->nrows; r++) {
            size_t cw = width(t->cells[r * t->ncols + i]);
            if (cw > w[i])
                w[i] = cw;
        }
    }
    for (size_t r = 0; rc == RK_EXIT_OK && r < t->nrows; r++) {
        char **row = t->cells + r * t->ncols;
        for (size_t i = 0; i < t->ncols; i++) {
            fputs(row[i], stdout);
            if (i + 1 < t->ncols) {
                for (size_t k = width(row[i]); k < w[i]; k++)
                    fputc(' ', stdout);
                fputs(t->cols[i].after ? t->cols[i].after : " ", stdout);
            }
        }
        fputc('\n', stdout);
    }
    if (rc == RK_EXIT_OK && fflush(stdout) != 0) {
        rk_cli_error("cannot write output: %s", strerror(errno));
        rc = RK_EXIT_FAIL;
    }
    rk_cli_table_cleanup(t);
    return rc;
}

void rk_cli_table_cleanup(struct rk_cli_table *t) {
    for (size_t i = 0; t->cells && i < t->nrows * t->ncols; i++)
        free(t->cells[i]);
    free(t->cells);
    t->cells = NULL;
    t->nrows = t->cap = 0;
}

void rk_cli_listing_init(struct rk_cli_listing *l, bool json, size_t ncols,
                         const struct rk_cli_col *cols) {
    rk_cli_table_init(&l->table, ncols, cols);
    l->list = json ? json_array() : NULL;
}

int rk_cli_listing_end(struct rk_cli_listing *l, int rc) {
    if (rc == RK_EXIT_OK)
        rc = l->list ? rk_cli_write_json(json_incref(l->list)) : rk_cli_table_print(&l->table);
    rk_cli_table_cleanup(&l->table);
    json_decref(l->list);
    l->list = NULL;
    return rc;
}

void rk_cli_counts(json_t *doc, struct rk_cli_table *t, const char *const *names, const int64_t *n,
                   size_t k) {
    for (size_t i = 0; i < k; i++) {
        char count[24];
        snprintf(count, sizeof count, "%lld", (long long)n[i]);
        if (doc)
            json_object_set_new(doc, names[i], json_integer((json_int_t)n[i]));
        else { /* a counts table has two columns; the rest stay empty */
            const char *cells[RK_CLI_TABLE_MAXCOLS] = {names[i], count};
            rk_cli_table_row(t, cells);
        }
    }
}
