/*
 * cli_decl.c — the commands that read a declaration: validate, lint, notice
 * (with --first-contact, the first message's text of art 14(3)) and ropa. Each
 * parses its options, loads the declaration (load errors exit 2), calls the
 * library, and writes the whole output at once.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "decl/lint.h"
#include "views/first_contact.h"
#include "views/notice.h"
#include "views/ropa.h"
#include "util/json.h"

/* Options every declaration command takes; format indexes the command's fmts[]. */
struct opts {
    enum rk_lang lang;
    int format;
    const char *file;
    bool rules;
};

static int parse_opts(int argc, char **argv, const char *usage, const char *const *fmts,
                      bool lang_allowed, bool rules_allowed, struct opts *o) {
    const char *lang = NULL, *format = NULL;
    bool rules = false;
    /* An option the command does not take is unknown to it: it is left out of the table. */
    struct rk_cli_opt opts[4] = {{"format", &format, NULL}};
    size_t n = 1;
    if (lang_allowed)
        opts[n++] = (struct rk_cli_opt){"lang", &lang, NULL};
    if (rules_allowed)
        opts[n++] = (struct rk_cli_opt){"rules", NULL, &rules};
    opts[n] = (struct rk_cli_opt){NULL, NULL, NULL};
    o->lang = RK_LANG_FI;
    o->format = 0;
    o->file = NULL;
    int first = 0;
    int rc = rk_cli_parse(argc, argv, opts, usage, NULL, &first);
    if (rc != RK_EXIT_OK)
        return rc;
    if (lang && !rk_cli_parse_lang(lang, &o->lang))
        return RK_EXIT_USAGE;
    if (format) {
        size_t i = 0;
        while (fmts[i] && strcmp(fmts[i], format) != 0)
            i++;
        if (!fmts[i]) {
            rk_cli_bad_value("--format", "format", format, fmts, i);
            return RK_EXIT_USAGE;
        }
        o->format = (int)i;
    }
    o->rules = rules;
    if (o->rules && first == argc)
        return RK_EXIT_OK;
    if (first != argc - 1) {
        rk_cli_error("%s: expected one declaration FILE; see '%s --help'",
                     first == argc ? "missing FILE" : "too many arguments", rk_cli_path());
        return RK_EXIT_USAGE;
    }
    o->file = argv[first];
    return RK_EXIT_OK;
}

/* ---- validate ---------------------------------------------------------- */

static int run_validate(int argc, char **argv) {
    static const char *const fmts[] = {"text", NULL};
    struct opts o;
    struct rk_decl *d = NULL;
    int rc =
        parse_opts(argc, argv,
                   "usage: rekisteri validate FILE\n"
                   "\n"
                   "Checks that FILE is a well-formed declaration: known keys, required\n"
                   "fields, unique ids, references to declared ids. Prints every problem as\n"
                   "FILE:LINE:COLUMN: error: ... and exits 2, or prints a summary and exits 0.\n",
                   fmts, false, false, &o);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if ((rc = rk_cli_load_decl(o.file, &d)) != RK_EXIT_OK)
        return rc;
    printf("%s: ok: %zu purposes, %zu categories, %zu registers, %zu sources, %zu recipients\n",
           o.file, d->npurposes, d->ncategories, d->nregisters, d->nsources, d->nrecipients);
    rk_decl_free(d);
    return RK_EXIT_OK;
}

/* ---- lint -------------------------------------------------------------- */

/* Errors first, then warnings, then notes; within each, in file order. */
static int cmp_finding(const void *a, const void *b) {
    const struct rk_finding *x = a, *y = b;
    if (x->severity != y->severity)
        return (int)y->severity - (int)x->severity;
    if (x->loc.line != y->loc.line)
        return x->loc.line < y->loc.line ? -1 : 1;
    if (x->loc.col != y->loc.col)
        return x->loc.col < y->loc.col ? -1 : 1;
    return strcmp(x->rule, y->rule);
}

static void lint_text(const char *file, const struct rk_findings *f, struct rk_buf *out) {
    for (size_t i = 0; i < f->n; i++) {
        const struct rk_finding *x = &f->items[i];
        rk_buf_printf(out, "%s:%u:%u: %s [%s]: %s\n    see: %s\n", file, x->loc.line, x->loc.col,
                      rk_severity_name(x->severity), x->rule, x->message, x->reference);
    }
    rk_buf_printf(out, "%s: %zu error%s, %zu warning%s, %zu note%s\n", file, f->count[RK_SEV_ERROR],
                  f->count[RK_SEV_ERROR] == 1 ? "" : "s", f->count[RK_SEV_WARNING],
                  f->count[RK_SEV_WARNING] == 1 ? "" : "s", f->count[RK_SEV_NOTE],
                  f->count[RK_SEV_NOTE] == 1 ? "" : "s");
}

static rk_err lint_json(const char *file, const struct rk_findings *f, struct rk_buf *out) {
    json_t *items = json_array(); /* new ref */
    for (size_t i = 0; items && i < f->n; i++) {
        const struct rk_finding *x = &f->items[i];
        json_array_append_new(items,
                              json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "rule", x->rule,
                                        "severity", rk_severity_name(x->severity), "line",
                                        (json_int_t)x->loc.line, "column", (json_int_t)x->loc.col,
                                        "message", x->message, "reference", x->reference));
    }
    json_t *doc = json_pack("{s:s, s:o, s:{s:I, s:I, s:I}}", "file", file, "findings", items,
                            "summary", "errors", (json_int_t)f->count[RK_SEV_ERROR], "warnings",
                            (json_int_t)f->count[RK_SEV_WARNING], "notes",
                            (json_int_t)f->count[RK_SEV_NOTE]); /* new ref; takes items */
    return rk_buf_put_json(out, doc);
}

static void list_rules(struct rk_buf *out) {
    size_t n;
    const struct rk_lint_rule *rules = rk_lint_rules(&n);
    int width = 0; /* the longest id, so that the columns line up */
    for (size_t i = 0; i < n; i++)
        width = (int)strlen(rules[i].id) > width ? (int)strlen(rules[i].id) : width;
    for (size_t i = 0; i < n; i++)
        rk_buf_printf(out, "%-*s %-8s %s (%s)\n", width, rules[i].id,
                      rk_severity_name(rules[i].severity), rules[i].summary, rules[i].reference);
}

static int run_lint(int argc, char **argv) {
    static const char *const fmts[] = {"text", "json", NULL};
    struct opts o;
    struct rk_decl *d = NULL;
    struct rk_findings f;
    struct rk_buf out;
    int rc =
        parse_opts(argc, argv,
                   "usage: rekisteri lint [--format text|json] FILE\n"
                   "       rekisteri lint --rules\n"
                   "\n"
                   "Checks the processing declared in FILE against the GDPR and Finnish law:\n"
                   "transfers, retention, consent withdrawal, legal bases of sources, and more.\n"
                   "Each finding names its rule id, severity, FILE:LINE:COLUMN and the law.\n"
                   "--rules lists every rule. Exit status: 0 no errors (warnings allowed),\n"
                   "1 errors found, 2 FILE is not a valid declaration.\n",
                   fmts, false, true, &o);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    rk_buf_init(&out);
    rk_findings_init(&f);
    if (o.rules) {
        list_rules(&out);
        rc = rk_buf_status(&out) == RK_OK ? rk_cli_write(&out) : RK_EXIT_FAIL;
        goto out;
    }
    if ((rc = rk_cli_load_decl(o.file, &d)) != RK_EXIT_OK)
        goto out;
    rk_err err = rk_lint_run(d, &f);
    if (err == RK_OK) {
        if (f.n) /* no findings: items is NULL, which qsort may not be given */
            qsort(f.items, f.n, sizeof *f.items, cmp_finding);
        if (o.format == 1) /* json */
            err = lint_json(o.file, &f, &out);
        else
            lint_text(o.file, &f, &out);
    }
    if (err == RK_OK)
        err = rk_buf_status(&out);
    if (err != RK_OK) {
        rk_cli_error("lint: %s", rk_err_str(err));
        rc = RK_EXIT_FAIL;
        goto out;
    }
    rc = rk_cli_write(&out);
    if (rc == RK_EXIT_OK && f.count[RK_SEV_ERROR] > 0)
        rc = RK_EXIT_FAIL;
out:
    rk_findings_cleanup(&f);
    rk_buf_cleanup(&out);
    rk_decl_free(d);
    return rc;
}

/* ---- notice and ropa --------------------------------------------------- */

static int render(int argc, char **argv, const char *usage, const char *const *fmts,
                  rk_err (*fn)(const struct rk_decl *, enum rk_lang, int, struct rk_buf *)) {
    struct opts o;
    struct rk_decl *d = NULL;
    struct rk_buf out;
    int rc = parse_opts(argc, argv, usage, fmts, true, false, &o);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if ((rc = rk_cli_load_decl(o.file, &d)) != RK_EXIT_OK)
        return rc;
    rk_buf_init(&out);
    rk_err err = fn(d, o.lang, o.format, &out);
    if (err != RK_OK) {
        rk_cli_error("%s: %s", argv[0], rk_err_str(err));
        rc = RK_EXIT_FAIL;
    } else {
        rc = rk_cli_write(&out);
    }
    rk_buf_cleanup(&out);
    rk_decl_free(d);
    return rc;
}

static rk_err notice_fn(const struct rk_decl *d, enum rk_lang lang, int fmt, struct rk_buf *out) {
    return rk_notice_render(d, lang, fmt == 0 ? RK_NOTICE_MD : RK_NOTICE_HTML, out);
}

static rk_err ropa_fn(const struct rk_decl *d, enum rk_lang lang, int fmt, struct rk_buf *out) {
    static const enum rk_ropa_format map[] = {RK_ROPA_CSV, RK_ROPA_JSON, RK_ROPA_MD};
    if (fmt == 3) /* dpv: both languages in one document; --lang does not apply */
        return rk_ropa_render_dpv(d, out);
    return rk_ropa_render(d, lang, map[fmt], out);
}

static const char notice_usage[] =
    "usage: rekisteri notice [--lang fi|en] [--format md|html] FILE\n"
    "       rekisteri notice --first-contact [--source N] [--lang fi|en] [--format md|text]\n"
    "                        [--notice-url URL] FILE\n"
    "\n"
    "Prints the privacy notice (GDPR art 13-14) generated from the declaration in\n"
    "FILE, in Finnish (default) or English, as Markdown (default) or a complete\n"
    "HTML page.\n"
    "\n"
    "--first-contact prints instead the text for the first message to a person whose\n"
    "data came from a public source or another controller (art 14(3)): who we are,\n"
    "where the data came from, what, why and on what basis, recipients, how long, the\n"
    "rights, and last, under a heading of its own, the right to object (art 21(4)).\n"
    "One text per such source, or the N-th of them (1-based) with --source N.\n"
    "--notice-url says where the full notice is; without it the text says it can be\n"
    "asked for. Exit status 2 when FILE has no such source or N is out of range.\n";

/* notice --first-contact: the art 14(3) and 21(4) text for each indirect source, or one. */
static int first_contact(const char *lang_arg, const char *format, const char *source,
                         const char *url, const char *file) {
    static const char *const fmts[] = {"md", "text", NULL};
    enum rk_lang lang = RK_LANG_FI;
    if (lang_arg && !rk_cli_parse_lang(lang_arg, &lang))
        return RK_EXIT_USAGE;
    size_t f = 0;
    while (format && fmts[f] && strcmp(fmts[f], format) != 0)
        f++;
    if (format && !fmts[f]) {
        rk_cli_bad_value("--format", "format", format, fmts, f);
        return RK_EXIT_USAGE;
    }
    unsigned long which = 0;
    if (source) {
        char *end = NULL;
        which = strtoul(source, &end, 10);
        if (!*source || *end || which == 0 || source[0] == '-') {
            rk_cli_error("--source: expected a number from 1, got '%s'", source);
            return RK_EXIT_USAGE;
        }
    }
    if (url && !rk_first_contact_url_ok(url)) {
        rk_cli_error("--notice-url: expected an http:// or https:// address without spaces, "
                     "quotes or angle brackets, got '%s'",
                     url);
        return RK_EXIT_USAGE;
    }
    struct rk_decl *d = NULL;
    int rc = rk_cli_load_decl(file, &d);
    if (rc != RK_EXIT_OK)
        return rc;
    size_t n = rk_first_contact_count(d);
    if (n == 0) {
        rk_cli_error("%s: no source of kind public_source or third_party: every person gave "
                     "their data themself, so there is no first message to inform them (art 14)",
                     file);
        rk_decl_free(d);
        return RK_EXIT_USAGE;
    }
    if (which > n) {
        rk_cli_error("--source %lu: %s has %zu source%s of kind public_source or third_party",
                     which, file, n, n == 1 ? "" : "s");
        rk_decl_free(d);
        return RK_EXIT_USAGE;
    }
    struct rk_buf out;
    rk_buf_init(&out);
    rk_err err = rk_first_contact_render(
        d, which, lang, f == 1 ? RK_FIRST_CONTACT_TEXT : RK_FIRST_CONTACT_MD, url, &out);
    if (err != RK_OK) {
        rk_cli_error("notice: %s", rk_err_str(err));
        rc = RK_EXIT_FAIL;
    } else {
        rc = rk_cli_write(&out);
    }
    rk_buf_cleanup(&out);
    rk_decl_free(d);
    return rc;
}

static int run_notice(int argc, char **argv) {
    static const char *const fmts[] = {"md", "html", NULL};
    bool first = false;
    const char *source = NULL, *url = NULL, *lang = NULL, *format = NULL;
    /* --first-contact has options of its own; look for it before the common parsing. */
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        first |= strcmp(argv[i], "--first-contact") == 0;
    if (!first)
        return render(argc, argv, notice_usage, fmts, notice_fn);
    const struct rk_cli_opt opts[] = {{"first-contact", NULL, &first}, {"source", &source, NULL},
                                      {"notice-url", &url, NULL},      {"lang", &lang, NULL},
                                      {"format", &format, NULL},       {NULL, NULL, NULL}};
    int pos = 0;
    int rc = rk_cli_parse(argc, argv, opts, notice_usage, NULL, &pos);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (pos != argc - 1) {
        rk_cli_error("%s: expected one declaration FILE; see '%s --help'",
                     pos == argc ? "missing FILE" : "too many arguments", rk_cli_path());
        return RK_EXIT_USAGE;
    }
    return first_contact(lang, format, source, url, argv[pos]);
}

static int run_ropa(int argc, char **argv) {
    static const char *const fmts[] = {"csv", "json", "md", "dpv", NULL};
    return render(argc, argv,
                  "usage: rekisteri ropa [--lang fi|en] [--format csv|json|md|dpv] FILE\n"
                  "\n"
                  "Prints the record of processing activities (GDPR art 30(1)) generated from\n"
                  "the declaration in FILE: one entry per register and purpose, with the fields\n"
                  "(a)-(g). Finnish (default) or English; CSV (default), JSON or Markdown.\n"
                  "dpv: JSON-LD in the W3C Data Privacy Vocabulary, one dpv:Process per entry,\n"
                  "every text in both languages (--lang is accepted and has no effect).\n",
                  fmts, ropa_fn);
}

const struct rk_cli_command rk_cli_validate = {
    .name = "validate", .summary = "check that a declaration is well formed", .run = run_validate};
const struct rk_cli_command rk_cli_lint = {
    .name = "lint", .summary = "check a declaration against the law", .run = run_lint};
const struct rk_cli_command rk_cli_notice = {
    .name = "notice", .summary = "print the privacy notice", .run = run_notice};
const struct rk_cli_command rk_cli_ropa = {
    .name = "ropa", .summary = "print the record of processing (art 30)", .run = run_ropa};
