/*
 * framing.c — the framing check every request passes before anything else
 * (framing.h says why). The rules are those of RFC 9112 that decide where a
 * request ends, applied strictly, plus what libmicrohttpd 0.9.75 reads
 * differently from other parsers; each refusal says what was wrong without
 * repeating the request.
 *
 * Design. A head is refused (400 unless said) when:
 *   1. the method is not a token, the target is missing or holds a control
 *      character, a space or DEL, or an encoded NUL (%00, which the library
 *      decodes and C strings end at);
 *   2. a field name is not a token, or a field value holds a control
 *      character other than HTAB, or DEL (a bare CR, a NUL, ...);
 *   3. the layout is known and some byte of the head belongs to no part: the
 *      request line is not METHOD SP TARGET SP VERSION, a line ends other than
 *      in CR LF or LF, or bytes lie between a value and the next line. The
 *      library stores values as C strings, so a NUL byte cuts a value short
 *      and the rest of the line is lost; a folded (obs-fold) line leaves its
 *      continuation between the lines too. Both show up here and only here;
 *   4. an HTTP/1.1 request has no Host, or any request more than one, or a
 *      Host that is not a host[:port];
 *   5. Content-Length appears more than once, or is not only digits;
 *   6. Transfer-Encoding appears beside Content-Length, in an HTTP/1.0
 *      request, or on more than one line; its last coding is not chunked, or
 *      chunked appears twice; another coding before chunked is 501 (none is
 *      implemented); the value is not exactly "chunked" (the library compares
 *      the whole value, so " chunked" or "chunked " would be read as a body
 *      running to the end of the connection);
 *   7. Authorization or Content-Type appears more than once (the service
 *      reads the first, a proxy may read the last).
 * Bodies, limits and media types are the routes' business, not this check's.
 *
 * libmicrohttpd 0.9.75 parses the head in place in its read buffer (it
 * overwrites each line end and separator with NULs) and hands out pointers
 * into it, so rk_http_head_ok, the part of this file that reads a head out of
 * it, can tell where each part lay from those pointers and the head's size,
 * and the layout check can read the bytes between the lines. Only a run of
 * NUL bytes right before a line end leaves no trace (and hides nothing but
 * NULs). Should a later version copy the parts elsewhere, the offsets would
 * not add up and every request be refused, loudly, before a byte between
 * them is read, rather than a NUL be missed quietly.
 */
#include "http/framing.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/service.h"

static bool is_alnum(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* tchar of RFC 9110 section 5.6.2. */
static bool is_tchar(unsigned char c) {
    switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~': return true;
    default: return is_alnum(c);
    }
}

static bool is_token(const char *s, size_t n) {
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)s[i]))
            return false;
    return true;
}

/* A field value's bytes: VCHAR, obs-text, SP and HTAB (RFC 9110 section 5.5). */
static bool value_clean(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7F)
            return false;
    }
    return true;
}

static bool target_clean(const char *s, size_t n) {
    if (n == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= 0x20 || c == 0x7F)
            return false;
        if (c == '%' && i + 2 < n && s[i + 1] == '0' && s[i + 2] == '0')
            return false;
    }
    return true;
}

/* host [":" port] of RFC 3986: reg-name, IPv4 or an IP literal in brackets; may be empty. */
static bool host_clean(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        switch ((unsigned char)s[i]) {
        case '-':
        case '.':
        case '_':
        case '~':
        case '%':
        case '!':
        case '$':
        case '&':
        case '\'':
        case '(':
        case ')':
        case '*':
        case '+':
        case ',':
        case ';':
        case '=':
        case ':':
        case '[':
        case ']': break;
        default:
            if (!is_alnum((unsigned char)s[i]))
                return false;
        }
    }
    return true;
}

/* Whether the n bytes at s are the literal word, ignoring ASCII case (the C locale's). */
#define same_word(s, n, word) ((n) == sizeof(word) - 1 && strncasecmp(s, word, n) == 0)

/* Rule 3: whether every byte of the head lies in a part or a line end. */
static bool layout_ok(const struct rk_http_head *h) {
    size_t mlen = strlen(h->method), vlen = strlen(h->version);
    if (h->target_at != mlen + 1 || h->version_at < h->target_at ||
        h->version_at - h->target_at != h->target_len + 1 || h->version_at > h->size ||
        h->size - h->version_at < vlen)
        return false;
    /* The offsets first, reading nothing: each line starts one or two bytes (LF, CR LF)
     * after the text of the line before, and lies within the head. */
    size_t end = h->version_at + vlen; /* where the current line's text ends */
    for (size_t i = 0; i < h->nfields; i++) {
        const struct rk_http_field *f = &h->fields[i];
        if (f->at <= end || f->at - end > 2)
            return false;
        if (f->value_at < f->at || f->value_at - f->at <= f->name_len || /* name, colon, OWS */
            f->value_at > h->size || h->size - f->value_at < f->value_len)
            return false;
        end = f->value_at + f->value_len;
    }
    if (h->size - end < 2 || h->size - end > 4) /* the last line's end, then the empty line */
        return false;
    /* Then the line ends' bytes, which the library overwrote with NULs: anything else there
     * is what followed a NUL byte in a line, lost to the library's C strings. */
    end = h->version_at + vlen;
    for (size_t i = 0; i <= h->nfields; i++) {
        size_t next = i < h->nfields ? h->fields[i].at : h->size;
        for (size_t j = end; j < next; j++)
            if (h->bytes[j] != '\0')
                return false;
        if (i < h->nfields)
            end = h->fields[i].value_at + h->fields[i].value_len;
    }
    return true;
}

static bool refuse(struct rk_http_verdict *out, int status, const char *code, const char *reason) {
    out->status = status;
    out->code = code;
    out->reason = reason;
    return false;
}

#define BAD(reason) refuse(out, 400, "bad_request", reason)

/* Rule 6, given the one Transfer-Encoding line's value. */
static bool transfer_coding_ok(const char *v, size_t n, struct rk_http_verdict *out) {
    size_t chunked = 0, others = 0;
    bool last_chunked = false;
    for (size_t i = 0; i <= n;) {
        size_t j = i;
        while (j < n && v[j] != ',')
            j++;
        size_t a = i, b = j;
        while (a < b && (v[a] == ' ' || v[a] == '\t'))
            a++;
        while (b > a && (v[b - 1] == ' ' || v[b - 1] == '\t'))
            b--;
        if (b > a) {
            last_chunked = same_word(v + a, b - a, "chunked");
            if (last_chunked)
                chunked++;
            else
                others++;
        }
        i = j + 1;
    }
    if (chunked + others == 0)
        return BAD("Transfer-Encoding is empty");
    if (!last_chunked)
        return BAD("the last transfer coding of a request must be chunked");
    if (chunked > 1)
        return BAD("Transfer-Encoding names chunked more than once");
    if (others)
        return refuse(out, 501, "not_implemented",
                      "only the chunked transfer coding is implemented; send the body without "
                      "other transfer codings");
    if (!same_word(v, n, "chunked"))
        return BAD("write Transfer-Encoding as exactly \"chunked\"");
    return true;
}

bool rk_http_framing_ok(const struct rk_http_head *h, struct rk_http_verdict *out) {
    /* 1. The request line. */
    if (!is_token(h->method, strlen(h->method)))
        return BAD("the method is not a token");
    if (!h->target || !target_clean(h->target, h->target_len))
        return BAD("the request target is missing or holds a control character, a space or an "
                   "encoded NUL (%00)");
    /* 2. Field names and values. */
    for (size_t i = 0; i < h->nfields; i++) {
        if (!is_token(h->fields[i].name, h->fields[i].name_len))
            return BAD("a header field name is empty or holds a character a token may not");
        if (!value_clean(h->fields[i].value, h->fields[i].value_len))
            return BAD("a header field value holds a control character (a bare CR, a NUL)");
    }
    /* 3. Nothing outside the parts. */
    if (h->bytes && !layout_ok(h))
        return BAD("the request head holds bytes outside its lines (a NUL byte, a folded header "
                   "line, or more than one space in the request line)");
    /* 4-7. The fields that frame the request or must not be doubled. */
    const struct rk_http_field *host = NULL, *length = NULL, *coding = NULL;
    size_t hosts = 0, lengths = 0, codings = 0, auths = 0, types = 0;
    for (size_t i = 0; i < h->nfields; i++) {
        const struct rk_http_field *f = &h->fields[i];
        if (same_word(f->name, f->name_len, "Host")) {
            hosts++;
            host = f;
        } else if (same_word(f->name, f->name_len, "Content-Length")) {
            lengths++;
            length = f;
        } else if (same_word(f->name, f->name_len, "Transfer-Encoding")) {
            codings++;
            coding = f;
        } else if (same_word(f->name, f->name_len, "Authorization")) {
            auths++;
        } else if (same_word(f->name, f->name_len, "Content-Type")) {
            types++;
        }
    }
    bool http10 = strcmp(h->version, "HTTP/1.0") == 0;
    if (hosts > 1 || (hosts == 0 && !http10))
        return BAD("an HTTP/1.1 request needs exactly one Host header field");
    if (host && !host_clean(host->value, host->value_len))
        return BAD("the Host header field is not a host name or address with an optional port");
    if (lengths > 1)
        return BAD("the request has more than one Content-Length");
    if (length) {
        bool digits = length->value_len > 0;
        for (size_t i = 0; i < length->value_len; i++)
            digits &= length->value[i] >= '0' && length->value[i] <= '9';
        if (!digits)
            return BAD("Content-Length is not a number of bytes");
    }
    if (codings && lengths)
        return BAD("the request has both Content-Length and Transfer-Encoding");
    if (codings && http10)
        return BAD("an HTTP/1.0 request cannot use Transfer-Encoding");
    if (codings > 1)
        return BAD("the request has more than one Transfer-Encoding line");
    if (coding && !transfer_coding_ok(coding->value, coding->value_len, out))
        return false;
    if (auths > 1)
        return BAD("the request has more than one Authorization header field");
    if (types > 1)
        return BAD("the request has more than one Content-Type header field");
    return true;
}

/* ---- Reading the head out of libmicrohttpd ---------------------------------------------- */

struct collect {
    struct rk_http_field *fields;
    size_t n, cap;
    const char *base; /* the request line's first byte */
    size_t size;
};

/* p's offset in the head; SIZE_MAX (which the layout check refuses) when it lies outside. */
static size_t offset(const struct collect *k, const char *p) {
    uintptr_t a = (uintptr_t)p, b = (uintptr_t)k->base;
    return a >= b && a - b <= k->size ? (size_t)(a - b) : SIZE_MAX;
}

static enum MHD_Result collect_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                     size_t key_size, const char *value, size_t value_size) {
    (void)kind;
    struct collect *k = cls;
    if (k->n == k->cap)
        return MHD_NO;
    k->fields[k->n++] = (struct rk_http_field){
        .name = key,
        .name_len = key_size,
        .value = value ? value : "",
        .value_len = value ? value_size : 0,
        .at = offset(k, key),
        .value_at = value ? offset(k, value) : SIZE_MAX,
    };
    return MHD_YES;
}

bool rk_http_head_ok(struct MHD_Connection *c, const char *method, const char *version,
                     const struct rk_http_request *r, struct rk_http_verdict *out) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_REQUEST_HEADER_SIZE);
    struct collect k = {.base = method, .size = ci ? ci->header_size : 0};
    struct rk_http_field few[32]; /* enough for any browser's request: no allocation */
    int n = MHD_get_connection_values_n(c, MHD_HEADER_KIND, NULL, NULL);
    if (n > 0) {
        k.cap = (size_t)n;
        k.fields = k.cap <= sizeof few / sizeof few[0] ? few : calloc(k.cap, sizeof *k.fields);
        if (!k.fields) {
            *out = (struct rk_http_verdict){500, "internal", "out of memory"};
            return false;
        }
        (void)MHD_get_connection_values_n(c, MHD_HEADER_KIND, collect_field, &k);
    }
    struct rk_http_head h = {
        .method = method,
        .version = version,
        .target = r->target_in ? r->target : NULL,
        .target_len = r->target_len,
        .fields = k.fields,
        .nfields = k.n,
        .bytes = k.size ? method : NULL,
        .size = k.size,
        .target_at = r->target_in ? offset(&k, r->target_in) : SIZE_MAX,
        .version_at = offset(&k, version),
    };
    bool ok = rk_http_framing_ok(&h, out);
    if (k.fields != few)
        free(k.fields);
    return ok;
}
