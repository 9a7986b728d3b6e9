/*
 * cli_import.c — `rekisteri import` (CSV into a register, row by row under
 * the declaration's rules) and `rekisteri audience` (who may be contacted
 * for a purpose now, as CSV or JSON, streamed).
 *
 * Import commits in batches; the progress line and the summary count only
 * committed rows, so a failure part-way never loses a row reported imported.
 * Rejected rows go to a reject file as line, column and reason — never the
 * row's data, which stays in the input file the operator already holds.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/reg.h"
#include "core/import.h"
#include "util/csv.h"

struct import {
    struct rk_cli_env *env;
    struct rk_write w;
    const struct rk_purpose *purpose;
    const char *default_detail;
    struct rk_import_reader rd; /* the header's map and the rows read (core/import.h) */
    bool header_failed;
    struct rk_error refusal; /* the header's or the last row's (core/import.h) */
    FILE *rejects;
    const char *rejects_path;
    long batch, in_batch;
    long long bytes_read, bytes_total; /* for the progress line */
    unsigned long imported, committed, rejected, suppressed;
    bool tty;
    rk_err fatal;
    struct rk_import_row *row;
};

static void reject(struct import *im, unsigned long line, const char *column, const char *why) {
    struct rk_buf b;
    im->rejected++;
    if (!im->rejects)
        return;
    rk_buf_init(&b);
    rk_buf_printf(&b, "%lu,", line);
    rk_buf_put_csv(&b, column ? column : "");
    rk_buf_putc(&b, ',');
    rk_buf_put_csv(&b, why);
    rk_buf_putc(&b, '\n');
    if (rk_buf_status(&b) == RK_OK)
        fwrite(b.data, 1, b.len, im->rejects);
    rk_buf_cleanup(&b);
}

static void progress(struct import *im, bool last) {
    if (!im->tty)
        return;
    int pct = im->bytes_total > 0 ? (int)(100 * im->bytes_read / im->bytes_total) : 100;
    fprintf(stderr, "\rimport: %3d%% %lu rows read, %lu imported, %lu rejected, %lu suppressed%s",
            last ? 100 : pct, im->rd.rows, im->committed, im->rejected, im->suppressed,
            last ? "\n" : "");
}

static rk_err commit_batch(struct import *im) {
    rk_err err = rk_reg_batch_commit(im->env->reg);
    if (err != RK_OK)
        return err;
    im->committed = im->imported;
    im->in_batch = 0;
    progress(im, false);
    return rk_reg_batch_begin(im->env->reg);
}

static int on_record(void *ctx, const char *const *fields, size_t n, unsigned long line,
                     const char *row_error) {
    struct import *im = ctx;
    struct rk_import_row *row = im->row;
    struct rk_error *why = &im->refusal;
    switch (rk_import_step(&im->rd, fields, n, line, row_error, row, why)) {
    case RK_IMPORT_HEADER: return 0;
    case RK_IMPORT_BAD_HEADER: im->header_failed = true; return 1;
    case RK_IMPORT_REJECT:
        reject(im, line, why->where[0] ? why->where : NULL, rk_error_msg(why));
        return 0;
    case RK_IMPORT_ROW: break;
    }
    struct rk_write w = im->w;
    w.source_detail = row->source_detail ? row->source_detail : im->default_detail;
    struct rk_consent_input consent = {.at = row->consent_at, .evidence = row->consent_evidence};
    consent.channel = rk_source_kind_id(row->has_channel ? row->consent_channel : w.source);
    bool needs_consent = im->rd.needs_consent;
    struct rk_error msg = RK_ERROR_INIT;
    rk_err err = rk_reg_person_add(im->env->reg, &w, NULL, &row->contact,
                                   needs_consent ? &consent : NULL, NULL, &msg);
    if (err == RK_OK) {
        im->imported++;
        if (++im->in_batch >= im->batch && (im->fatal = commit_batch(im)) != RK_OK)
            return 1;
    } else if (msg.flags & RK_ERROR_SUPPRESSED) {
        im->suppressed++;
    } else if (err == RK_EREFUSED || err == RK_ECONFLICT || err == RK_EINVAL) {
        reject(im, line, NULL, msg.message);
    } else {
        im->fatal = err;
        return 1;
    }
    return 0;
}

static int run_import(int argc, char **argv) {
    const char *reg = NULL, *source = NULL, *detail = NULL, *purpose = NULL, *rejects = NULL,
               *batch = NULL;
    const struct rk_cli_opt opts[] = {
        {"register", &reg, NULL},    {"source", &source, NULL},   {"source-detail", &detail, NULL},
        {"purpose", &purpose, NULL}, {"rejects", &rejects, NULL}, {"batch", &batch, NULL},
        {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri import --register R --source KIND [--source-detail TEXT]\n"
        "                        [--purpose P] [--rejects FILE] FILE.csv\n"
        "\n"
        "Imports persons from an RFC 4180 CSV file (UTF-8; a BOM is fine) whose header\n"
        "row names the columns (docs/import.md). Each row is checked like any write:\n"
        "rejected rows go to the reject file (default FILE.csv.rejects) with their line\n"
        "and reason; suppressed people are skipped and counted. Data from a public\n"
        "source creates an art 14 task to inform the person within a month. A purpose\n"
        "resting on consent needs a consent_at column.\n"
        "Exit status: 0 all rows imported, 1 some rows rejected or a failure, 2 bad input.\n\n"
        "  --purpose P      default: the register's only purpose\n"
        "  --batch N        rows per transaction (default 10000)\n\n",
        opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    struct import im = {.env = &env, .batch = 10000, .tty = isatty(STDERR_FILENO)};
    char rejects_default[4200];
    FILE *in = NULL;
    struct rk_buf offer;
    rk_buf_init(&offer);
    if (env.nargs != 1 || !reg || !source) {
        rk_cli_error("import: expected --register, --source and one FILE.csv");
        return RK_EXIT_USAGE;
    }
    if (!rk_cli_source("--source", source, &im.w.source) ||
        !rk_cli_text("--source-detail", detail, false))
        return RK_EXIT_USAGE;
    if (batch) {
        char *end;
        long b = strtol(batch, &end, 10);
        if (*end || b < 1 || b > 1000000) {
            rk_cli_error("--batch: expected a number from 1 to 1000000");
            return RK_EXIT_USAGE;
        }
        im.batch = b;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        goto out;
    rc = RK_EXIT_USAGE;
    const struct rk_register *r = rk_decl_register(env.decl, reg);
    if (!r) {
        rk_cli_error("--register: register '%s' is not declared%s", reg,
                     rk_cli_declared(&offer, env.decl, "register", reg));
        goto out;
    }
    if (!purpose && r->npurposes != 1) {
        rk_cli_error("--purpose: register '%s' has %zu purposes; name the one this data is for",
                     reg, r->npurposes);
        goto out;
    }
    im.purpose = rk_decl_purpose(env.decl, purpose ? purpose : r->purposes[0]->id);
    if (!im.purpose) {
        rk_cli_error("--purpose: purpose '%s' is not declared%s", purpose,
                     rk_cli_declared(&offer, env.decl, "purpose", purpose));
        goto out;
    }
    im.w = (struct rk_write){r->id, im.purpose->id, im.w.source, NULL, rk_time_now()};
    im.rd.needs_consent = im.purpose->basis == RK_BASIS_CONSENT;
    im.default_detail = detail;
    in = fopen(env.args[0], "rb");
    if (!in) {
        rk_cli_error("%s: cannot open: %s", env.args[0], strerror(errno));
        goto out;
    }
    snprintf(rejects_default, sizeof rejects_default, "%s.rejects", env.args[0]);
    im.rejects_path = rejects ? rejects : rejects_default;
    im.rejects = fopen(im.rejects_path, "w");
    if (!im.rejects) {
        rk_cli_error("%s: cannot create the reject file: %s", im.rejects_path, strerror(errno));
        rc = RK_EXIT_FAIL;
        goto out;
    }
    fputs("line,column,reason\n", im.rejects);
    im.row = malloc(sizeof *im.row);
    struct rk_csv_reader *csv = NULL;
    struct rk_error err = RK_ERROR_INIT;
    rk_err e = im.row ? rk_csv_reader_new(on_record, &im, &csv) : RK_ENOMEM;
    if (e == RK_OK)
        e = rk_reg_batch_begin(env.reg);
    char *chunk = malloc(1 << 16);
    size_t got;
    struct stat st;
    if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode))
        im.bytes_total = st.st_size;
    while (e == RK_OK && chunk && !rk_csv_stopped(csv) && (got = fread(chunk, 1, 1 << 16, in))) {
        im.bytes_read += (long long)got;
        e = rk_csv_feed(csv, chunk, got, &err);
    }
    if (e == RK_OK && !chunk)
        e = RK_ENOMEM;
    if (e == RK_OK && ferror(in)) {
        e = rk_error_set(&err, RK_EIO, NULL, "read error: %s", strerror(errno));
    }
    if (e == RK_OK && !rk_csv_stopped(csv))
        e = rk_csv_finish(csv, &err);
    free(chunk);
    rk_csv_reader_free(csv);
    if (e == RK_OK && im.fatal == RK_OK && !im.header_failed && rk_reg_in_batch(env.reg))
        e = commit_batch(&im);
    if (rk_reg_in_batch(env.reg))
        rk_reg_batch_rollback(env.reg);
    progress(&im, true);
    if (im.header_failed || (e == RK_OK && im.fatal == RK_OK && !im.rd.have_map)) {
        rk_cli_error("%s: %s", env.args[0],
                     im.header_failed ? rk_error_msg(&im.refusal)
                                      : "the file is empty: expected a header row");
        rc = RK_EXIT_USAGE;
    } else if (e != RK_OK || im.fatal != RK_OK) {
        rk_cli_error("%s: stopped: %s; %lu rows imported before it", env.args[0],
                     err.message[0] ? err.message : rk_store_errmsg(env.store), im.committed);
        rc = e == RK_EPARSE ? RK_EXIT_USAGE : RK_EXIT_FAIL;
    } else {
        printf("%s: %lu rows: %lu imported, %lu rejected (see %s), %lu suppressed\n", env.args[0],
               im.rd.rows, im.committed, im.rejected, im.rejects_path, im.suppressed);
        rc = im.rejected ? RK_EXIT_FAIL : RK_EXIT_OK;
    }
out:
    if (in)
        fclose(in);
    if (im.rejects && fclose(im.rejects) != 0 && rc == RK_EXIT_OK) {
        rk_cli_error("%s: cannot write the reject file", im.rejects_path);
        rc = RK_EXIT_FAIL;
    }
    free(im.row);
    rk_buf_cleanup(&offer);
    rk_cli_env_close(&env);
    return rc;
}

/* ---- audience ------------------------------------------------------------------------------- */

struct audience {
    FILE *out;
    bool json;
    bool started; /* the header is out: written with the first row, or at the end */
    unsigned long n;
    struct rk_buf line;
};

/* The CSV header or the JSON array's "[": only once the purpose has been accepted, so that a
 * refused command writes nothing to standard output. */
static void audience_start(struct audience *a) {
    if (!a->started)
        fputs(a->json ? "[" : "id,name,email,phone,position,organisation\r\n", a->out);
    a->started = true;
}

static const enum rk_field columns[] = {RK_F_NAME, RK_F_EMAIL, RK_F_PHONE, RK_F_POSITION,
                                        RK_F_ORGANISATION};

static int audience_row(void *ctx, const struct rk_entry *e) {
    struct audience *a = ctx;
    audience_start(a);
    rk_buf_reset(&a->line);
    if (a->json) {
        json_t *o = json_object();
        json_object_set_new(o, "id", json_string(e->person_id));
        for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++)
            if (e->v[columns[i]])
                json_object_set_new(o, rk_field_id(columns[i]), json_string(e->v[columns[i]]));
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_decref(o);
        if (!s)
            return 1;
        rk_buf_puts(&a->line, a->n ? ",\n" : "\n");
        rk_buf_puts(&a->line, s);
        free(s);
    } else {
        rk_buf_puts(&a->line, e->person_id);
        for (size_t i = 0; i < sizeof columns / sizeof columns[0]; i++) {
            rk_buf_putc(&a->line, ',');
            rk_buf_put_csv_safe(&a->line, e->v[columns[i]] ? e->v[columns[i]] : "");
        }
        rk_buf_puts(&a->line, "\r\n");
    }
    a->n++;
    return rk_buf_status(&a->line) != RK_OK ||
           fwrite(a->line.data, 1, a->line.len, a->out) != a->line.len;
}

static int run_audience(int argc, char **argv) {
    static const char *const formats[] = {"csv", "json", NULL};
    const char *purpose = NULL;
    const struct rk_cli_opt opts[] = {{"purpose", &purpose, NULL}, {NULL, NULL, NULL}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri audience --purpose P [--format csv|json]\n"
        "\n"
        "Prints everyone who may be contacted for purpose P now: in a register that\n"
        "declares P, with a live consent (or an active contract, or an entry, as P's\n"
        "legal basis requires), not restricted, not objected, not suppressed. CSV cells\n"
        "that a spreadsheet would run as formulas are prefixed with '.\n\n",
        opts, formats);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs || !purpose) {
        rk_cli_error("audience: expected --purpose and no arguments");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    static char outbuf[1 << 20];
    setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf);
    struct audience a = {.out = stdout, .json = strcmp(env.format, "json") == 0};
    rk_buf_init(&a.line);
    struct rk_error msg = RK_ERROR_INIT;
    rk_ts now = rk_time_now();
    rk_err e = rk_reg_audience(env.reg, purpose, now, audience_row, &a, &msg);
    if (e == RK_OK) {
        char detail[RK_DECL_ID_MAX + 32];
        snprintf(detail, sizeof detail, "%s: %lu persons", purpose, a.n);
        if ((e = rk_reg_audit(env.reg, "audience.export", NULL, detail, now)) != RK_OK)
            e = rk_error_set(&msg, e, NULL, "%s", rk_store_errmsg(env.store));
    }
    if (e == RK_OK)
        audience_start(&a); /* an empty audience still gets its header */
    if (a.json && a.started)
        fputs(a.n ? "\n]\n" : "]\n", stdout);
    rk_buf_cleanup(&a.line);
    if (e != RK_OK)
        rc = rk_cli_refused("audience", e, &msg);
    else if (fflush(stdout) != 0 || ferror(stdout)) {
        rk_cli_error("audience: cannot write the output: %s", strerror(errno));
        rc = RK_EXIT_FAIL;
    }
    rk_cli_env_close(&env);
    return rc;
}

const struct rk_cli_command rk_cli_import = {
    .name = "import", .summary = "import persons from a CSV file", .run = run_import};
const struct rk_cli_command rk_cli_audience = {
    .name = "audience", .summary = "who may be contacted for a purpose now", .run = run_audience};
