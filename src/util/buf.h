/*
 * buf.h — a growable byte buffer, the output sink of every renderer.
 *
 * Renderers append text to an rk_buf and the caller writes it out once, so a
 * failure half-way never leaves half a document on stdout. After an allocation
 * failure the buffer remembers it (oom) and further appends do nothing; check
 * it once at the end with rk_buf_status().
 */
#ifndef RK_BUF_H
#define RK_BUF_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

struct rk_buf {
    char *data; /* always NUL-terminated when len > 0 */
    size_t len, cap;
    bool oom;
};

void rk_buf_init(struct rk_buf *b);
void rk_buf_cleanup(struct rk_buf *b);
void rk_buf_reset(struct rk_buf *b);

void rk_buf_append(struct rk_buf *b, const char *s, size_t n);
void rk_buf_puts(struct rk_buf *b, const char *s);
void rk_buf_putc(struct rk_buf *b, char c);
void rk_buf_printf(struct rk_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Ends a sentence before another: ". ", or only " " when b already ends with '.', '!' or '?'
 * (a declared text that ends its own sentence). */
void rk_buf_sentence_gap(struct rk_buf *b);

/* Appends s with &, <, >, " and ' escaped for HTML text and attributes. */
void rk_buf_put_html(struct rk_buf *b, const char *s);

/* Appends s as rk_buf_put_html does, inside <bdi>…</bdi>: for a value a person gave (a name,
 * an email), whose direction is its own, so that whatever it holds — right-to-left letters, or
 * a direction control stored before the text rule (base/normalize.h) refused them — cannot
 * reorder the page around it. An empty s writes nothing. */
void rk_buf_put_html_bdi(struct rk_buf *b, const char *s);

/* Appends s with Markdown's inline metacharacters backslash-escaped. */
void rk_buf_put_md(struct rk_buf *b, const char *s);

/* Appends s as one RFC 4180 CSV field (quoted when needed). */
void rk_buf_put_csv(struct rk_buf *b, const char *s);

/* Appends s as a CSV field for spreadsheets: a cell starting with =, +, -, @,
 * tab or carriage return is prefixed with ' so that it is never run as a
 * formula (CSV injection), then quoted as rk_buf_put_csv does. */
void rk_buf_put_csv_safe(struct rk_buf *b, const char *s);

/* Appends s as a quoted JSON string (RFC 8259: ", \ and control characters
 * escaped; UTF-8 passed through), or null when s is NULL. For the core, which
 * writes JSON without jansson; the CLI and service use util/json.h. */
void rk_buf_put_json_str(struct rk_buf *b, const char *s);

/* RK_ENOMEM if any append failed, else RK_OK. */
RK_MUST_USE rk_err rk_buf_status(const struct rk_buf *b);

#endif
