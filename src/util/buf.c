/*
 * buf.c — rk_buf growth and the escaping helpers the renderers share.
 */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rk_buf_init(struct rk_buf *b) {
    b->data = NULL;
    b->len = b->cap = 0;
    b->oom = false;
}

void rk_buf_cleanup(struct rk_buf *b) {
    free(b->data);
    rk_buf_init(b);
}

void rk_buf_reset(struct rk_buf *b) {
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

static bool reserve(struct rk_buf *b, size_t extra) {
    if (b->oom)
        return false;
    if (b->len + extra + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) {
        if (cap > ((size_t)-1) / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void rk_buf_append(struct rk_buf *b, const char *s, size_t n) {
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void rk_buf_puts(struct rk_buf *b, const char *s) { rk_buf_append(b, s, strlen(s)); }

void rk_buf_putc(struct rk_buf *b, char c) { rk_buf_append(b, &c, 1); }

void rk_buf_sentence_gap(struct rk_buf *b) {
    bool ended = b->len > 0 && strchr(".!?", b->data[b->len - 1]) != NULL;
    rk_buf_puts(b, ended ? " " : ". ");
}

void rk_buf_printf(struct rk_buf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n)) {
        b->oom = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void rk_buf_put_html(struct rk_buf *b, const char *s) {
    for (; *s; s++) {
        switch (*s) {
        case '&': rk_buf_puts(b, "&amp;"); break;
        case '<': rk_buf_puts(b, "&lt;"); break;
        case '>': rk_buf_puts(b, "&gt;"); break;
        case '"': rk_buf_puts(b, "&quot;"); break;
        case '\'': rk_buf_puts(b, "&#39;"); break;
        default: rk_buf_putc(b, *s);
        }
    }
}

void rk_buf_put_html_bdi(struct rk_buf *b, const char *s) {
    if (!s[0])
        return; /* nothing to isolate; an empty element is an HTML warning */
    rk_buf_puts(b, "<bdi>");
    rk_buf_put_html(b, s);
    rk_buf_puts(b, "</bdi>");
}

void rk_buf_put_json_str(struct rk_buf *b, const char *s) {
    if (!s) {
        rk_buf_puts(b, "null");
        return;
    }
    rk_buf_putc(b, '"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            rk_buf_putc(b, '\\');
            rk_buf_putc(b, (char)c);
        } else if (c == '\n') {
            rk_buf_puts(b, "\\n");
        } else if (c < 0x20 || c == 0x7f) {
            rk_buf_printf(b, "\\u%04x", c);
        } else {
            rk_buf_putc(b, (char)c);
        }
    }
    rk_buf_putc(b, '"');
}

void rk_buf_put_md(struct rk_buf *b, const char *s) {
    for (; *s; s++) {
        if (strchr("\\`*_[]<>#|&", *s))
            rk_buf_putc(b, '\\');
        rk_buf_putc(b, *s);
    }
}

void rk_buf_put_csv(struct rk_buf *b, const char *s) {
    if (!strpbrk(s, ",\"\r\n")) {
        rk_buf_puts(b, s);
        return;
    }
    rk_buf_putc(b, '"');
    for (; *s; s++) {
        if (*s == '"')
            rk_buf_putc(b, '"');
        rk_buf_putc(b, *s);
    }
    rk_buf_putc(b, '"');
}

void rk_buf_put_csv_safe(struct rk_buf *b, const char *s) {
    if (*s && strchr("=+-@\t\r", *s)) {
        rk_buf_putc(b, '"');
        rk_buf_putc(b, '\'');
        for (; *s; s++) {
            if (*s == '"')
                rk_buf_putc(b, '"');
            rk_buf_putc(b, *s);
        }
        rk_buf_putc(b, '"');
        return;
    }
    rk_buf_put_csv(b, s);
}

rk_err rk_buf_status(const struct rk_buf *b) { return b->oom ? RK_ENOMEM : RK_OK; }
