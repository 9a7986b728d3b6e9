/*
 * body.c — the one JSON request-body parser of the service. Every JSON
 * handler reads its body through rk_http_json_body, which parses with the
 * limits below (jansson's own parser has no depth, count or length limits to
 * speak of, and its messages quote the text near an error, which may be
 * personal data). The parser builds jansson values directly in one pass; a
 * refusal names what was wrong and where — line, column (in characters) and
 * the JSON pointer of the member being read — and never repeats a value.
 * Every text value follows the text rule of base/normalize.h (rk_text_fault:
 * no control, direction-control or invisible format characters; tabs and
 * line breaks pass here), so a refused character is named with its pointer
 * on every JSON route alike.
 * Only a body sent as application/json is parsed at all: every staff route
 * with a body reads it here, so that one check answers 415 to any other
 * Content-Type (a form, text, multipart, none) before anything is done.
 */
#include <jansson.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/normalize.h"
#include "http/respond.h"
#include "http/body.h"
#include "http/service.h"

struct seg {
    bool is_index;
    bool between; /* in an object, between members: not part of the pointer */
    size_t index;
    char key[RK_JSON_KEY_SHOWN + 1]; /* "" when the key is not shown */
};

struct parser {
    const unsigned char *p, *end;
    const unsigned char *line_start;
    unsigned long line;
    size_t nvalues;
    size_t depth;
    struct seg path[RK_JSON_MAX_DEPTH + 1];
    struct rk_error *err; /* the caller's; NULL: only the code */
    bool failed;
    char *sbuf; /* RK_JSON_MAX_STRING + 4 bytes: the decoded string being read */
};

/* Length of the valid UTF-8 sequence at p (1..4), or 0 when it is not valid. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF)
        n = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else
        return 0;
    if ((size_t)(end - p) < n)
        return 0;
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return n;
}

/* Whether a key may appear in a JSON pointer in a message: a short identifier. */
static bool key_shown(const char *k, size_t n) {
    if (n == 0 || n > RK_JSON_KEY_SHOWN)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = k[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return false;
    }
    return true;
}

/* Records the first failure in ps->err; RK_EPARSE. */
__attribute__((format(printf, 2, 3))) static rk_err fail(struct parser *ps, const char *fmt, ...) {
    if (ps->failed)
        return RK_EPARSE;
    ps->failed = true;
    unsigned long col = 1;
    for (const unsigned char *q = ps->line_start; q < ps->p && q < ps->end; q++)
        col += (*q & 0xC0) != 0x80;
    struct rk_buf b;
    rk_buf_init(&b);
    rk_buf_printf(&b, "line %lu, column %lu", ps->line, col);
    bool pointer = false;
    for (size_t i = 1; i <= ps->depth; i++)
        pointer |= !ps->path[i].between;
    if (pointer) {
        rk_buf_puts(&b, " (at ");
        for (size_t i = 1; i <= ps->depth; i++) {
            if (ps->path[i].between)
                continue;
            if (ps->path[i].is_index)
                rk_buf_printf(&b, "/%zu", ps->path[i].index);
            else
                rk_buf_printf(&b, "/%s", ps->path[i].key[0] ? ps->path[i].key : "*");
        }
        rk_buf_puts(&b, ")");
    }
    rk_buf_puts(&b, ": ");
    char what[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    rk_buf_puts(&b, what);
    /* cut where the callers' RK_JSON_ERR_MAX buffers cut it, so answers keep their bytes */
    rk_err e = rk_error_set(ps->err, RK_EPARSE, NULL, "%.*s", RK_JSON_ERR_MAX - 1,
                            rk_buf_status(&b) == RK_OK && b.data ? b.data : "malformed JSON");
    rk_buf_cleanup(&b);
    return e;
}

static void skip_ws(struct parser *ps) {
    while (ps->p < ps->end) {
        unsigned char c = *ps->p;
        if (c == '\n') {
            ps->line++;
            ps->line_start = ++ps->p;
        } else if (c == ' ' || c == '\t' || c == '\r') {
            ps->p++;
        } else {
            break;
        }
    }
}

static int hex4(const unsigned char *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        int d;
        if (p[i] >= '0' && p[i] <= '9')
            d = p[i] - '0';
        else if (p[i] >= 'a' && p[i] <= 'f')
            d = p[i] - 'a' + 10;
        else if (p[i] >= 'A' && p[i] <= 'F')
            d = p[i] - 'A' + 10;
        else
            return -1;
        v = v * 16 + d;
    }
    return v;
}

static size_t put_utf8(char *out, unsigned long cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static bool too_long(struct parser *ps) {
    fail(ps, "a text is longer than %d bytes", RK_JSON_MAX_STRING);
    return false;
}

/* Reads a string at ps->p (the opening quote) into ps->sbuf; its length in *len. */
static bool parse_string(struct parser *ps, size_t *len) {
    size_t n = 0;
    ps->p++;
    for (;;) {
        if (ps->p >= ps->end) {
            fail(ps, "a text is not closed with '\"'");
            return false;
        }
        unsigned char c = *ps->p;
        if (c == '"') {
            ps->p++;
            break;
        }
        if (c < 0x20) {
            fail(ps, "a control character in a text must be escaped");
            return false;
        }
        if (c != '\\') {
            size_t k = utf8_seq(ps->p, ps->end);
            if (k == 0) {
                fail(ps, "not valid UTF-8");
                return false;
            }
            if (n + k > RK_JSON_MAX_STRING)
                return too_long(ps);
            memcpy(ps->sbuf + n, ps->p, k);
            n += k;
            ps->p += k;
            continue;
        }
        if (ps->end - ps->p < 2) {
            fail(ps, "a text is not closed with '\"'");
            return false;
        }
        unsigned char e = ps->p[1];
        static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
        const char *hit = e ? strchr(from, e) : NULL;
        if (hit) {
            if (n + 1 > RK_JSON_MAX_STRING)
                return too_long(ps);
            ps->sbuf[n++] = to[hit - from];
            ps->p += 2;
            continue;
        }
        if (e != 'u') {
            fail(ps, "an unknown escape in a text");
            return false;
        }
        int u = ps->end - ps->p >= 6 ? hex4(ps->p + 2) : -1;
        if (u < 0) {
            fail(ps, "\\u must be followed by four hexadecimal digits");
            return false;
        }
        unsigned long cp = (unsigned long)u;
        if (u >= 0xDC00 && u <= 0xDFFF) {
            fail(ps, "a \\u escape is an unpaired surrogate");
            return false;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            int lo =
                ps->end - ps->p >= 12 && ps->p[6] == '\\' && ps->p[7] == 'u' ? hex4(ps->p + 8) : -1;
            if (lo < 0xDC00 || lo > 0xDFFF) {
                fail(ps, "a \\u escape is an unpaired surrogate");
                return false;
            }
            cp = 0x10000 + (((unsigned long)u - 0xD800) << 10) + ((unsigned long)lo - 0xDC00);
            ps->p += 6;
        }
        if (cp == 0) {
            fail(ps, "a text holds U+0000, which is not accepted");
            return false;
        }
        char enc[4];
        size_t k = put_utf8(enc, cp);
        if (n + k > RK_JSON_MAX_STRING)
            return too_long(ps);
        memcpy(ps->sbuf + n, enc, k);
        n += k;
        ps->p += 6;
    }
    ps->sbuf[n] = '\0';
    *len = n;
    return true;
}

static bool literal(struct parser *ps, const char *word) {
    size_t n = strlen(word);
    if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) {
        fail(ps, "expected a value (an object, array, text, number, true, false or null)");
        return false;
    }
    ps->p += n;
    return true;
}

static json_t *parse_number(struct parser *ps) {
    const unsigned char *s = ps->p;
    bool real = false;
    if (ps->p < ps->end && *ps->p == '-')
        ps->p++;
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
        fail(ps, "expected a value (an object, array, text, number, true, false or null)");
        return NULL;
    }
    if (*ps->p == '0')
        ps->p++;
    else
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    if (ps->p < ps->end && *ps->p == '.') {
        real = true;
        ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
            fail(ps, "a number needs digits after '.'");
            return NULL;
        }
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
        real = true;
        ps->p++;
        if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-'))
            ps->p++;
        if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9') {
            fail(ps, "a number needs digits in its exponent");
            return NULL;
        }
        while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9')
            ps->p++;
    }
    size_t n = (size_t)(ps->p - s);
    char text[RK_JSON_MAX_NUMBER + 1];
    if (n > RK_JSON_MAX_NUMBER) {
        ps->p = s;
        fail(ps, "a number is longer than %d characters", RK_JSON_MAX_NUMBER);
        return NULL;
    }
    memcpy(text, s, n);
    text[n] = '\0';
    errno = 0;
    if (!real) {
        long long v = strtoll(text, NULL, 10);
        if (errno == 0)
            return json_integer((json_int_t)v);
    }
    errno = 0;
    double d = strtod(text, NULL);
    if (errno == ERANGE && (d == HUGE_VAL || d == -HUGE_VAL)) {
        ps->p = s;
        fail(ps, "a number is out of range");
        return NULL;
    }
    return json_real(d);
}

static json_t *parse_value(struct parser *ps);

static json_t *parse_object(struct parser *ps) {
    json_t *o = json_object();
    if (!o)
        return NULL;
    ps->p++; /* '{' */
    ps->depth++;
    struct seg *seg = &ps->path[ps->depth];
    seg->is_index = false;
    seg->between = true;
    seg->key[0] = '\0';
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        ps->depth--;
        return o;
    }
    for (;;) {
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != '"') {
            fail(ps, "expected a key in quotes");
            goto bad;
        }
        const unsigned char *key_at = ps->p;
        size_t klen;
        if (!parse_string(ps, &klen))
            goto bad;
        if (key_shown(ps->sbuf, klen))
            memcpy(seg->key, ps->sbuf, klen + 1);
        else
            seg->key[0] = '\0';
        seg->between = false;
        if (json_object_get(o, ps->sbuf)) {
            ps->p = key_at;
            fail(ps, "a key appears twice in one object");
            goto bad;
        }
        char *key = strdup(ps->sbuf);
        if (!key) {
            fail(ps, "out of memory");
            goto bad;
        }
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') {
            free(key);
            fail(ps, "expected ':' after a key");
            goto bad;
        }
        ps->p++;
        json_t *v = parse_value(ps);
        if (!v || json_object_set_new(o, key, v) != 0) {
            free(key);
            fail(ps, "out of memory");
            goto bad;
        }
        free(key);
        seg->between = true;
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == '}') {
            ps->p++;
            break;
        }
        fail(ps, "expected ',' or '}' in an object");
        goto bad;
    }
    ps->depth--;
    return o;
bad:
    json_decref(o);
    return NULL;
}

static json_t *parse_array(struct parser *ps) {
    json_t *a = json_array();
    if (!a)
        return NULL;
    ps->p++; /* '[' */
    ps->depth++;
    struct seg *seg = &ps->path[ps->depth];
    seg->is_index = true;
    seg->between = false;
    seg->index = 0;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        ps->depth--;
        return a;
    }
    for (;;) {
        json_t *v = parse_value(ps);
        if (!v || json_array_append_new(a, v) != 0) {
            fail(ps, "out of memory");
            goto bad;
        }
        skip_ws(ps);
        if (ps->p < ps->end && *ps->p == ',') {
            ps->p++;
            seg->index++;
            continue;
        }
        if (ps->p < ps->end && *ps->p == ']') {
            ps->p++;
            break;
        }
        fail(ps, "expected ',' or ']' in an array");
        goto bad;
    }
    ps->depth--;
    return a;
bad:
    json_decref(a);
    return NULL;
}

static json_t *parse_value(struct parser *ps) {
    skip_ws(ps);
    if (++ps->nvalues > RK_JSON_MAX_VALUES) {
        fail(ps, "more than %d values in the document", RK_JSON_MAX_VALUES);
        return NULL;
    }
    if (ps->p >= ps->end) {
        fail(ps, "the document ends where a value was expected");
        return NULL;
    }
    switch (*ps->p) {
    case '{':
    case '[':
        if (ps->depth >= RK_JSON_MAX_DEPTH) {
            fail(ps, "nested deeper than %d levels", RK_JSON_MAX_DEPTH);
            return NULL;
        }
        return *ps->p == '{' ? parse_object(ps) : parse_array(ps);
    case '"': {
        size_t n;
        const unsigned char *at = ps->p;
        if (!parse_string(ps, &n))
            return NULL;
        /* Every text of a body follows the text rule of base/normalize.h (line breaks and tabs
         * allowed here; one-line fields refuse them later, by name). */
        const char *why = rk_text_fault(ps->sbuf, n, true);
        if (why) {
            ps->p = at;
            fail(ps, "the text %s", why);
            return NULL;
        }
        return json_stringn(ps->sbuf, n);
    }
    case 't': return literal(ps, "true") ? json_true() : NULL;
    case 'f': return literal(ps, "false") ? json_false() : NULL;
    case 'n': return literal(ps, "null") ? json_null() : NULL;
    default: return parse_number(ps);
    }
}

rk_err rk_json_parse(const char *data, size_t len, json_t **out, struct rk_error *err) {
    struct parser ps = {.p = (const unsigned char *)data,
                        .end = (const unsigned char *)data + len,
                        .line_start = (const unsigned char *)data,
                        .line = 1,
                        .err = err};
    /* UTF-8 first, so that a bad byte is named as such wherever it is. */
    for (const unsigned char *q = ps.p; q < ps.end;) {
        size_t k = utf8_seq(q, ps.end);
        if (k == 0) {
            ps.p = q;
            fail(&ps, "not valid UTF-8");
            return RK_EPARSE;
        }
        if (*q == '\n') {
            ps.line++;
            ps.line_start = q + 1;
        }
        q += k;
    }
    ps.line = 1;
    ps.line_start = ps.p;
    skip_ws(&ps);
    if (ps.p >= ps.end) {
        fail(&ps, "the body is empty; expected a JSON document");
        return RK_EPARSE;
    }
    ps.sbuf = malloc(RK_JSON_MAX_STRING + 4);
    if (!ps.sbuf)
        return rk_error_set(err, RK_ENOMEM, NULL, NULL);
    json_t *doc = parse_value(&ps);
    if (doc) {
        skip_ws(&ps);
        if (ps.p < ps.end) {
            fail(&ps, "unexpected text after the JSON document");
            json_decref(doc);
            doc = NULL;
        }
    } else if (!ps.failed) {
        fail(&ps, "out of memory");
    }
    free(ps.sbuf);
    if (!doc)
        return RK_EPARSE;
    *out = doc;
    return RK_OK;
}

/* Whether the n bytes at s are word, ignoring ASCII case (the program keeps the C locale). */
static bool same_ci(const char *s, size_t n, const char *word) {
    return strlen(word) == n && strncasecmp(s, word, n) == 0;
}

bool rk_http_media_type_is(const char *ct, const char *want) {
    if (!ct)
        return false;
    size_t n = strcspn(ct, "; \t");
    if (!same_ci(ct, n, want))
        return false;
    const char *p = ct + n;
    for (;;) { /* *( OWS ";" OWS [ parameter ] ) OWS */
        p += strspn(p, " \t");
        if (*p == '\0')
            return true;
        if (*p++ != ';')
            return false;
        p += strspn(p, " \t");
        if (*p == '\0' || *p == ';')
            continue;
        size_t k = strcspn(p, "=; \t");
        if (!same_ci(p, k, "charset") || p[k] != '=')
            return false;
        p += k + 1;
        size_t v = strcspn(p, "; \t");
        if (!same_ci(p, v, "utf-8") && !same_ci(p, v, "\"utf-8\""))
            return false;
        p += v;
    }
}

json_t *rk_http_json_body(struct MHD_Connection *c, struct rk_http_request *r,
                          rk_http_result *ret) {
    /* Before the body is read at all: a body sent as a form or as text is not taken for JSON. */
    const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!rk_http_media_type_is(type, "application/json")) {
        *ret = rk_http_error(c, r, 415, "unsupported_media_type",
                             "send the body as Content-Type: application/json");
        return NULL;
    }
    struct rk_error err = RK_ERROR_INIT;
    json_t *doc = NULL;
    rk_err e = rk_json_parse(r->body.data ? r->body.data : "", r->body.len, &doc, &err);
    if (e == RK_ENOMEM) {
        *ret = rk_http_error(c, r, 500, "internal", "out of memory");
        return NULL;
    }
    if (e != RK_OK) {
        *ret = rk_http_error(c, r, 400, "bad_json", err.message);
        return NULL;
    }
    if (!json_is_object(doc)) {
        json_decref(doc);
        *ret = rk_http_error(c, r, 400, "bad_json", "line 1, column 1: expected a JSON object");
        return NULL;
    }
    return doc;
}

/* ---- The parts of a staff write's body -------------------------------------------------- */

const char *rk_http_member(json_t *o, const char *key, bool *bad) {
    json_t *v = json_object_get(o, key);
    if (v && !json_is_string(v))
        *bad = true;
    return json_is_string(v) ? json_string_value(v) : NULL;
}

bool rk_http_parse_write(const struct rk_decl *d, const struct rk_role *role, json_t *doc,
                         struct rk_write *w, struct rk_http_refusal *out) {
    bool bad = false;
    memset(w, 0, sizeof *w);
    w->register_id = rk_http_member(doc, "register", &bad);
    w->purpose = rk_http_member(doc, "purpose", &bad);
    w->source_detail = rk_http_member(doc, "source_detail", &bad);
    const char *source = rk_http_member(doc, "source", &bad);
    w->at = rk_time_now();
    if (bad || !w->register_id || !w->purpose || !source) {
        rk_http_refuse(out, 400, "bad_request",
                       "expected register, purpose and source (and source_detail, if given) as "
                       "texts: every write names them");
        return false;
    }
    bool known = false;
    for (int k = 0; k < RK_SRC__COUNT && !known; k++)
        if (strcmp(rk_source_kind_id((enum rk_source_kind)k), source) == 0) {
            w->source = (enum rk_source_kind)k;
            known = true;
        }
    if (!known) {
        rk_http_refuse(out, 400, "bad_request",
                       "/source: not a source kind; expected web_form, email, phone, contract, "
                       "meeting, other_handover, public_source or third_party");
        return false;
    }
    if (!rk_role_grants(role, w->register_id, NULL)) {
        rk_http_refuse(out, 403, "forbidden", "the token's role may not write to this register");
        return false;
    }
    if (!rk_decl_purpose(d, w->purpose)) { /* refused here so that the message need not quote it */
        rk_http_refuse(out, 422, "refused", "/purpose: not a declared purpose");
        return false;
    }
    return true;
}

/* The Finnish name of category id in register_id as the role holds it (the id when the
 * declaration names none). */
static const char *category_fi(const struct rk_role *role, const char *register_id,
                               const char *id) {
    for (size_t i = 0; i < role->nregisters; i++) {
        const struct rk_register *reg = role->registers[i];
        if (strcmp(reg->id, register_id) != 0)
            continue;
        for (size_t k = 0; k < reg->ncategories; k++)
            if (strcmp(reg->categories[k]->id, id) == 0 && reg->categories[k]->name.fi)
                return reg->categories[k]->name.fi;
    }
    return id;
}

/* The "values" object of a write, checked against the role and normalised into c. */
bool rk_http_parse_values(const struct rk_role *role, const char *register_id, json_t *values,
                          struct rk_contact *c, struct rk_contact_input *in,
                          struct rk_http_refusal *out) {
    const char *key;
    json_t *v;
    rk_contact_input_init(in);
    *c = in->c;
    if (!json_is_object(values)) {
        rk_http_refuse(out, 400, "bad_request", "/values: expected an object of fields");
        return false;
    }
    json_object_foreach(values, key, v) {
        int f = rk_field_from_id(key);
        if (f < 0 || !json_is_string(v)) {
            rk_http_refuse(out, 400, "bad_request", "/values/%.40s: %s", key,
                           f < 0 ? "not a contact field" : "expected a text");
            return false;
        }
        if (!rk_role_grants(role, register_id, key)) {
            rk_http_refuse(out, 403, "forbidden",
                           "/values/%s: the token's role may not write this category", key);
            return false;
        }
        if (rk_contact_input_add(in, (enum rk_field)f, json_string_value(v)) != RK_OK) {
            rk_http_refuse(out, 400, "bad_request", "/values/%s: the value %s", key,
                           rk_error_msg(&in->error));
            snprintf(out->field, sizeof out->field, "%s", key);
            const char *fi = rk_error_fi(&in->error);
            if (fi)
                snprintf(out->fi, sizeof out->fi, "%s %s.", category_fi(role, register_id, key),
                         fi);
            return false;
        }
    }
    *c = in->c;
    return true;
}
