/*
 * csv.c — the streaming CSV reader of csv.h: libcsv (strict mode) splits and
 * unquotes fields, and a small scanner in front of it finds where records
 * start and end so that line numbers stay right across quoted line breaks,
 * CRLF and chunk boundaries. Memory is bounded by the limits whatever the
 * input: libcsv's field buffer may not grow past FIELD_CAP, and at most one
 * record's fields are kept.
 */
#include "util/csv.h"

#include <assert.h>
#include <csv.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

/*
 * Design.
 *
 * The scanner sees every byte before libcsv does and keeps four facts:
 *   line       the 1-based line of the byte just scanned, a line break
 *              counting to the line it opens; CR, LF and CRLF each end a
 *              line (libcsv takes all three as record ends too);
 *   in_quotes  toggled by every '"'. Under CSV_STRICT this equals libcsv's
 *              "inside a quoted field": a quote opens a field only at its
 *              start, "" inside stays inside, and any other quote is a
 *              strict-mode error, after which nothing is read;
 *   in_record  a byte other than space, tab, CR or LF was seen since the last
 *              record ended (libcsv skips those between records, so blank
 *              lines are not records); rec_line is the line of that byte;
 *   skipping   the record broke the field-length limit and its remaining
 *              bytes are not given to libcsv.
 *
 * Invariants:
 *   1. A record ends exactly at a CR or LF outside quotes while in_record;
 *      the bytes up to and including it are handed to libcsv as one span,
 *      so libcsv's end-of-row callback can only come at a span's last byte
 *      and the record is delivered after csv_parse returns.
 *   2. Fields are stored only while the record has no row_error; after one,
 *      libcsv still parses (or the scanner skips) to the record end, and the
 *      record is delivered with the error and no fields.
 *   3. libcsv's entry buffer never exceeds FIELD_CAP bytes: capped_realloc
 *      refuses more, libcsv reports CSV_ENOMEM with the buffer at the cap,
 *      and the record becomes "field longer than ..." and is skipped; libcsv
 *      is reset (csv_fini without callbacks) when the record ends.
 *
 * Transitions of one byte c (besides counting lines):
 *   !in_record, c is space/tab/CR/LF    stay between records
 *   !in_record, any other c             in_record, rec_line = line
 *   c == '"'                            in_quotes = !in_quotes
 *   c is CR/LF, !in_quotes, in_record   feed span, deliver record, !in_record
 */

#define BOM "\xEF\xBB\xBF"

/* libcsv buffers a field, its closing quote and trailing blanks, plus a NUL. */
#define FIELD_CAP (RK_CSV_MAX_FIELD + 64)

#define STR2(x) #x
#define STR(x)  STR2(x)

#define ERR_FIELDS "more than " STR(RK_CSV_MAX_FIELDS) " fields"
#define ERR_LONG   "field longer than " STR(RK_CSV_MAX_FIELD) " bytes"
#define ERR_UTF8   "not valid UTF-8"
#define ERR_NUL    "contains a NUL byte"

#define MSG_QUOTING                                                                                \
    "malformed quoting: a field holding a quote, comma or line break must be enclosed in "         \
    "double quotes, with each quote inside it doubled (\"\")"
#define MSG_UNCLOSED                                                                               \
    "the quoted field opened on this line is never closed; end it with a double quote"

struct rk_csv_reader {
    struct csv_parser p;
    unsigned char opts; /* libcsv options in normal use */
    rk_csv_record_fn fn;
    void *ctx;

    /* Scanner state (see Design). */
    unsigned long line, rec_line, quote_line;
    bool prev_cr, in_quotes, in_record, skipping;
    unsigned bom_seen; /* BOM bytes matched at the start, 0..3 */
    bool bom_done;

    /* The current record: fields stored back to back, each NUL-terminated. */
    char *store;
    size_t store_len, store_cap;
    size_t off[RK_CSV_MAX_FIELDS];
    size_t nfields;
    const char *row_error;
    bool row_ended; /* libcsv's end-of-row callback came */
    bool nomem;     /* a callback could not allocate */

    bool stopped, finished;
    rk_err failed; /* RK_OK, or the error every later call repeats */
    char msg[256]; /* the message of failed */
    unsigned long failed_line;
};

static void *capped_realloc(void *ptr, size_t n) {
    if (n > FIELD_CAP)
        return NULL;
    return realloc(ptr, n);
}

/* ---- libcsv callbacks ------------------------------------------------------ */

static bool reserve(struct rk_csv_reader *r, size_t need) {
    if (need <= r->store_cap)
        return true;
    size_t cap = r->store_cap ? r->store_cap : 1024;
    while (cap < need)
        cap *= 2;
    char *p = realloc(r->store, cap);
    if (!p)
        return false;
    r->store = p;
    r->store_cap = cap;
    return true;
}

static void on_field(void *field, size_t len, void *data) {
    struct rk_csv_reader *r = data;
    const char *s = field ? field : "";
    if (r->row_error)
        return;
    if (r->nfields == RK_CSV_MAX_FIELDS)
        r->row_error = ERR_FIELDS;
    else if (len > RK_CSV_MAX_FIELD)
        r->row_error = ERR_LONG;
    else if (memchr(s, '\0', len))
        r->row_error = ERR_NUL;
    else if (!rk_utf8_valid(s, len))
        r->row_error = ERR_UTF8;
    if (r->row_error)
        return;
    if (!reserve(r, r->store_len + len + 1)) {
        r->nomem = true;
        r->row_error = "out of memory"; /* stops storing; the feed fails with RK_ENOMEM */
        return;
    }
    if (len)
        memcpy(r->store + r->store_len, s, len);
    r->store[r->store_len + len] = '\0';
    r->off[r->nfields++] = r->store_len;
    r->store_len += len + 1;
}

static void on_row(int c, void *data) {
    (void)c;
    struct rk_csv_reader *r = data;
    r->row_ended = true;
}

/* ---- records ---------------------------------------------------------------- */

static rk_err repeat_failure(const struct rk_csv_reader *r, struct rk_error *e) {
    char where[32];
    snprintf(where, sizeof where, "line %lu", r->failed_line);
    return rk_error_set(e, r->failed, where, "%s", r->msg);
}

/* Records the failure (every later call repeats it) and writes "line N: what" to e. */
static rk_err fail(struct rk_csv_reader *r, rk_err rc, struct rk_error *e, unsigned long line,
                   const char *what) {
    r->failed = rc;
    r->failed_line = line;
    snprintf(r->msg, sizeof r->msg, "line %lu: %s", line, what);
    return repeat_failure(r, e);
}

/* Returns libcsv to "between records", dropping whatever it holds. */
static void reset_parser(struct rk_csv_reader *r) {
    /* Without CSV_STRICT_FINI, csv_fini always resets, even inside quotes. */
    csv_set_opts(&r->p, CSV_STRICT | CSV_APPEND_NULL);
    (void)csv_fini(&r->p, NULL, NULL, NULL);
    csv_set_opts(&r->p, r->opts);
}

/* Hands the finished record to the callback and clears it. */
static void deliver(struct rk_csv_reader *r) {
    const char *fields[RK_CSV_MAX_FIELDS];
    size_t n = 0;
    if (!r->row_error) {
        for (n = 0; n < r->nfields; n++)
            fields[n] = r->store + r->off[n];
    }
    if (r->fn(r->ctx, fields, n, r->rec_line, r->row_error) != 0)
        r->stopped = true;
    r->nfields = 0;
    r->store_len = 0;
    r->row_error = NULL;
    r->row_ended = false;
    r->in_record = false;
}

/* True when byte c ends a line: CR, or LF but for the LF of a CRLF. */
static bool ends_line(unsigned char c, bool prev_cr) {
    return c == '\r' || (c == '\n' && !prev_cr);
}

/* The line of byte n of a span that started on line0 (prev_cr0 as at its start). */
static unsigned long line_at(const unsigned char *s, size_t n, unsigned long line0, bool prev_cr0) {
    unsigned long line = line0;
    bool prev_cr = prev_cr0;
    for (size_t i = 0; i < n; i++) {
        line += ends_line(s[i], prev_cr);
        prev_cr = s[i] == '\r';
    }
    return line;
}

/* Gives a span to libcsv (unless the record is being skipped). */
static rk_err push(struct rk_csv_reader *r, const unsigned char *s, size_t n, unsigned long line0,
                   bool prev_cr0, struct rk_error *e) {
    if (r->skipping || n == 0)
        return RK_OK;
    size_t used = csv_parse(&r->p, s, n, on_field, on_row, r);
    if (r->nomem)
        return fail(r, RK_ENOMEM, e, r->rec_line, "out of memory");
    if (used == n)
        return RK_OK;
    if (csv_error(&r->p) == CSV_EPARSE)
        return fail(r, RK_EPARSE, e, line_at(s, used, line0, prev_cr0), MSG_QUOTING);
    if (csv_get_buffer_size(&r->p) < FIELD_CAP)
        return fail(r, RK_ENOMEM, e, r->rec_line, "out of memory");
    /* A field past the cap: reject the record and skip the rest of it. */
    if (!r->row_error)
        r->row_error = ERR_LONG;
    r->skipping = true;
    return RK_OK;
}

/* The record-end byte has been pushed: deliver the record. */
static void end_record(struct rk_csv_reader *r) {
    if (r->skipping) {
        reset_parser(r);
        r->skipping = false;
    } else {
        assert(r->row_ended);
    }
    deliver(r);
}

/* Runs the scanner over len bytes (past any BOM) and feeds libcsv. */
static rk_err consume(struct rk_csv_reader *r, const unsigned char *s, size_t len,
                      struct rk_error *e) {
    size_t start = 0;
    unsigned long line0 = r->line;
    bool prev_cr0 = r->prev_cr;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = s[i];
        bool brk = c == '\r' || c == '\n';
        r->line += ends_line(c, r->prev_cr);
        r->prev_cr = c == '\r';
        if (!r->in_record) {
            if (brk || c == ' ' || c == '\t')
                continue;
            r->in_record = true;
            r->rec_line = r->line;
        }
        if (c == '"') {
            r->in_quotes = !r->in_quotes;
            if (r->in_quotes)
                r->quote_line = r->line;
        } else if (brk && !r->in_quotes) {
            rk_err rc = push(r, s + start, i + 1 - start, line0, prev_cr0, e);
            if (rc != RK_OK)
                return rc;
            end_record(r);
            if (r->stopped)
                return RK_OK;
            start = i + 1;
            line0 = r->line;
            prev_cr0 = r->prev_cr;
        }
    }
    return push(r, s + start, len - start, line0, prev_cr0, e);
}

/* ---- API ------------------------------------------------------------------------ */

rk_err rk_csv_reader_new(rk_csv_record_fn fn, void *ctx, struct rk_csv_reader **out) {
    assert(fn && out);
    struct rk_csv_reader *r = calloc(1, sizeof *r);
    if (!r)
        return RK_ENOMEM;
    r->opts = CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL;
    if (csv_init(&r->p, r->opts) != 0) {
        free(r);
        return RK_ENOMEM;
    }
    csv_set_realloc_func(&r->p, capped_realloc);
    csv_set_blk_size(&r->p, 1024);
    r->fn = fn;
    r->ctx = ctx;
    r->line = 1;
    *out = r;
    return RK_OK;
}

void rk_csv_reader_free(struct rk_csv_reader *r) {
    if (!r)
        return;
    csv_free(&r->p);
    free(r->store);
    free(r);
}

rk_err rk_csv_feed(struct rk_csv_reader *r, const char *data, size_t len, struct rk_error *e) {
    assert(r && !r->finished && (data || len == 0));
    if (r->failed != RK_OK)
        return repeat_failure(r, e);
    if (r->stopped)
        return RK_OK;
    const unsigned char *s = (const unsigned char *)data;
    if (!r->bom_done) {
        while (len > 0 && r->bom_seen < 3 && s[0] == (unsigned char)BOM[r->bom_seen]) {
            r->bom_seen++;
            s++;
            len--;
        }
        if (r->bom_seen < 3 && len == 0)
            return RK_OK; /* all of it may still be a BOM */
        r->bom_done = true;
        if (r->bom_seen < 3) { /* not a BOM after all: its bytes are data */
            rk_err rc = consume(r, (const unsigned char *)BOM, r->bom_seen, e);
            if (rc != RK_OK || r->stopped)
                return rc;
        }
    }
    return consume(r, s, len, e);
}

rk_err rk_csv_finish(struct rk_csv_reader *r, struct rk_error *e) {
    assert(r && !r->finished);
    if (r->failed != RK_OK)
        return repeat_failure(r, e);
    if (r->stopped)
        return RK_OK;
    if (!r->bom_done) {
        r->bom_done = true;
        rk_err rc = consume(r, (const unsigned char *)BOM, r->bom_seen, e);
        if (rc != RK_OK || r->stopped)
            return rc;
    }
    r->finished = true;
    if (r->in_quotes)
        return fail(r, RK_EPARSE, e, r->quote_line, MSG_UNCLOSED);
    if (!r->in_record)
        return RK_OK;
    if (r->skipping) {
        end_record(r);
        return RK_OK;
    }
    if (csv_fini(&r->p, on_field, on_row, r) != 0)
        return fail(r, RK_EPARSE, e, r->rec_line, MSG_UNCLOSED);
    if (r->nomem)
        return fail(r, RK_ENOMEM, e, r->rec_line, "out of memory");
    end_record(r);
    return RK_OK;
}

int rk_csv_stopped(const struct rk_csv_reader *r) { return r->stopped; }
