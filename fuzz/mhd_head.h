/*
 * mhd_head.h — a model of how libmicrohttpd 0.9.75 parses a request head in
 * place (src/microhttpd/connection.c: get_next_header_line,
 * parse_initial_message_line, process_header_line, parse_connection_headers),
 * for fuzz_framing.c and tests/unit/test_framing.c. It turns raw bytes into
 * the rk_http_head the service's handler would see, with the same losses: a
 * NUL ends a C string, a line ends at CR LF or a bare LF, and separators are
 * overwritten with NULs in place. Heads the library refuses itself are refused
 * here too. Header-only: static functions.
 */
#ifndef RK_FUZZ_MHD_HEAD_H
#define RK_FUZZ_MHD_HEAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/framing.h"

#define MHD_HEAD_MAX_FIELDS 64

struct mhd_head {
    char *buf; /* the head's bytes, changed in place as the library does */
    struct rk_http_field fields[MHD_HEAD_MAX_FIELDS];
    struct rk_http_head head;
    size_t start; /* where the request line starts in the bytes given */
};

/* The next line at *pos (its end zeroed); NULL when no line ends before n. */
static char *mhd_line(char *b, size_t n, size_t *pos, size_t *len) {
    for (size_t i = *pos; i < n; i++) {
        if (b[i] == '\r' && i + 1 < n && b[i + 1] == '\n') {
            char *line = b + *pos;
            *len = i - *pos;
            b[i] = b[i + 1] = '\0';
            *pos = i + 2;
            return line;
        }
        if (b[i] == '\n') {
            char *line = b + *pos;
            *len = i - *pos;
            b[i] = '\0';
            *pos = i + 1;
            return line;
        }
    }
    return NULL;
}

static bool mhd_digits(const char *s) {
    if (!*s)
        return false;
    size_t n = 0;
    for (; *s; s++, n++)
        if (*s < '0' || *s > '9')
            return false;
    return n <= 19; /* what fits in 64 bits, near enough */
}

/*
 * Parses the head at the start of data as the library would. True with *out
 * filled (free out->buf); false when the library would answer the head itself
 * (no request line, bad version, a line without a colon, an unparsable
 * Content-Length, too many fields for this model) or the head is incomplete.
 */
static bool mhd_head_parse(const uint8_t *data, size_t size, struct mhd_head *out) {
    memset(out, 0, sizeof *out);
    char *b = malloc(size + 1);
    if (!b)
        return false;
    memcpy(b, data, size);
    b[size] = '\0';
    out->buf = b;
    size_t pos = 0, len = 0;
    char *line;
    do { /* empty lines before the request line are skipped */
        line = mhd_line(b, size, &pos, &len);
    } while (line && len == 0);
    if (!line)
        goto refused;
    char *sp = memchr(line, ' ', len);
    if (!sp)
        goto refused;
    *sp = '\0';
    char *uri = sp + 1;
    while (uri < line + len && *uri == ' ')
        uri++;
    if (uri == line + len)
        goto refused; /* no target and no version */
    char *v = line + len - 1;
    while (v > uri && *v == ' ')
        v--;
    while (v > uri && *v != ' ')
        v--;
    if (v == uri)
        goto refused; /* no version */
    *v = '\0';
    char *version = v + 1;
    size_t vlen = (size_t)(line + len - version);
    if (vlen != 8 || strncmp(version, "HTTP/1.", 7) != 0 || version[7] < '0' || version[7] > '9')
        goto refused;
    out->head.method = line;
    out->head.version = version;
    out->head.target = uri;
    out->head.target_len = strlen(uri);
    out->head.target_at = (size_t)(uri - line);
    out->head.version_at = (size_t)(version - line);
    size_t n = 0;
    for (;;) {
        char *f = mhd_line(b, size, &pos, &len);
        if (!f)
            goto refused; /* the head never ends */
        if (len == 0)
            break;
        if (f[0] == ' ' || f[0] == '\t') { /* obs-fold: the continuation stays in the buffer */
            if (n == 0)
                goto refused;
            continue;
        }
        char *colon = strchr(f, ':');
        if (!colon || n == MHD_HEAD_MAX_FIELDS)
            goto refused;
        *colon = '\0';
        char *value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        out->fields[n++] = (struct rk_http_field){
            f, strlen(f), value, strlen(value), (size_t)(f - line), (size_t)(value - line)};
    }
    out->head.fields = out->fields;
    out->head.nfields = n;
    out->start = (size_t)(line - b);
    out->head.bytes = line;
    out->head.size = pos - out->start;
    /* parse_connection_headers: Content-Length is read only without Transfer-Encoding. */
    const char *te = NULL, *cl = NULL;
    for (size_t i = n; i-- > 0;) {
        if (strcasecmp(out->fields[i].name, "Transfer-Encoding") == 0)
            te = out->fields[i].value;
        if (strcasecmp(out->fields[i].name, "Content-Length") == 0)
            cl = out->fields[i].value;
    }
    if (!te && cl && !mhd_digits(cl))
        goto refused;
    return true;
refused:
    free(b);
    out->buf = NULL;
    return false;
}

#endif
