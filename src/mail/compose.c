/*
 * compose.c — RFC 5322 messages from struct rk_mail: the headers (Subject as
 * RFC 2047 encoded-words when it is not plain ASCII, the RFC 8058 one-click
 * unsubscribe pair when there is a URL) and a quoted-printable UTF-8 body
 * (RFC 2045, lines of at most 76 characters), all with CRLF line ends.
 *
 * Every header value is checked before anything is written: CR or LF in a
 * value would let it start a header of its own (header injection), so such
 * a message is refused, never cleaned. Messages for people name the field
 * and the rule, never the value (it may be an address). Values are C
 * strings, so a NUL can only end them; callers decoding outside input (JSON
 * "\u0000") must refuse a NUL there.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mail/mail.h"

/* ---- Checks ----------------------------------------------------------------------------- */

static bool atext(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

/* A dot-atom of atext (RFC 5322 3.2.3) of 1..max bytes. */
static bool dot_atom(const char *s, size_t n, size_t max) {
    if (n == 0 || n > max || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (s[i + 1] == '.')
                return false;
        } else if (!atext((unsigned char)s[i])) {
            return false;
        }
    }
    return true;
}

/* A host name: labels of letters, digits and '-', not starting or ending with '-'. */
static bool host_ok(const char *s) {
    size_t n = strlen(s), label = 0;
    if (n == 0 || n > 253)
        return false;
    for (size_t i = 0; i <= n; i++) {
        char c = s[i];
        if (c == '.' || c == '\0') {
            if (label == 0 || label > 63 || s[i - 1] == '-')
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   (c == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

bool rk_mail_address_ok(const char *a) {
    if (!a)
        return false;
    const char *at = strrchr(a, '@');
    if (!at || strlen(a) > RK_MAIL_ADDRESS_MAX)
        return false;
    return dot_atom(a, (size_t)(at - a), 64) && host_ok(at + 1);
}

bool rk_mail_url_ok(const char *url) {
    if (!url || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
        return false;
    size_t n = strlen(url);
    if (n > RK_MAIL_URL_MAX || n <= 8)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c >= 0x7f || c == '<' || c == '>' || c == '"')
            return false;
    }
    return true;
}

/* Well-formed UTF-8 without overlongs or surrogates; CR and LF allowed only when lines. */
static bool utf8_ok(const char *s, bool lines) {
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned char c = *p;
        if (c < 0x80) {
            if ((c == '\r' || c == '\n') && !lines)
                return false;
            p++;
            continue;
        }
        int n;
        unsigned min;
        unsigned cp;
        if ((c & 0xE0) == 0xC0) {
            n = 1, min = 0x80, cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            n = 2, min = 0x800, cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            n = 3, min = 0x10000, cp = c & 0x07;
        } else {
            return false;
        }
        for (int i = 1; i <= n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        p += n + 1;
    }
    return true;
}

/* Refuses with RK_EINVAL: e gets "FIELD: text", where the field (the header or part). */
static rk_err refuse(struct rk_error *e, const char *field, const char *text) {
    return rk_error_set(e, RK_EINVAL, field, "%s: %s", field, text);
}

/* The checks shared by compose and enqueue: the recipient, subject, body and URL. */
static rk_err check_content(const char *to, const char *subject, const char *body, const char *url,
                            struct rk_error *e) {
    if (!to || strpbrk(to, "\r\n"))
        return refuse(e, "recipient", "a line break in a header value is refused");
    if (!rk_mail_address_ok(to))
        return refuse(e, "recipient", "not an email address (local-part@host, ASCII)");
    if (!subject || strpbrk(subject, "\r\n"))
        return refuse(e, "subject", "a line break in a header value is refused");
    if (strlen(subject) > RK_MAIL_SUBJECT_MAX || !utf8_ok(subject, false))
        return refuse(e, "subject", "expected UTF-8 text of at most 400 bytes");
    if (!body || strlen(body) > RK_MAIL_BODY_MAX || !utf8_ok(body, true))
        return refuse(e, "body", "expected UTF-8 text of at most 200000 bytes");
    if (url && strpbrk(url, "\r\n"))
        return refuse(e, "List-Unsubscribe", "a line break in a header value is refused");
    if (url && !rk_mail_url_ok(url))
        return refuse(e, "List-Unsubscribe",
                      "expected an http(s) URL without spaces or angle brackets");
    return RK_OK;
}

/* ---- Headers ---------------------------------------------------------------------------- */

void rk_mail_date(rk_ts t, char out[64]) {
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(out, 64, "Thu, 01 Jan 1970 00:00:00 +0000");
        return;
    }
    snprintf(out, 64, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday % 7], tm.tm_mday,
             months[tm.tm_mon % 12], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void put_base64(struct rk_buf *b, const unsigned char *p, size_t n) {
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        char quad[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63], '=', '='};
        if (i + 1 < n)
            quad[2] = b64[(v >> 6) & 63];
        if (i + 2 < n)
            quad[3] = b64[v & 63];
        rk_buf_append(b, quad, 4);
    }
}

/* Bytes of each encoded-word: 39 bytes are 52 base64 characters, so "Subject: " and
 * "=?UTF-8?B?...?=" fit in 76 columns, and so does every folded continuation line. */
#define WORD_BYTES 39

/*
 * Subject: as it is when it is printable ASCII that fits on one line, else
 * as base64 encoded-words (RFC 2047), each holding whole UTF-8 characters,
 * folded onto continuation lines.
 */
static void put_subject(struct rk_buf *b, const char *subject) {
    size_t n = strlen(subject);
    bool plain = n + 9 <= 76;
    for (size_t i = 0; i < n && plain; i++)
        plain = subject[i] >= 0x20 && subject[i] < 0x7f;
    /* A plain value that looks like an encoded-word would be decoded by readers. */
    if (plain && strstr(subject, "=?"))
        plain = false;
    rk_buf_puts(b, "Subject: ");
    if (plain) {
        rk_buf_puts(b, subject);
        rk_buf_puts(b, "\r\n");
        return;
    }
    const unsigned char *p = (const unsigned char *)subject;
    size_t i = 0;
    bool first = true;
    do {
        size_t take = n - i < WORD_BYTES ? n - i : WORD_BYTES;
        while (take > 0 && i + take < n && (p[i + take] & 0xC0) == 0x80)
            take--; /* never split a character */
        if (!first)
            rk_buf_puts(b, "\r\n ");
        rk_buf_puts(b, "=?UTF-8?B?");
        put_base64(b, p + i, take);
        rk_buf_puts(b, "?=");
        i += take;
        first = false;
    } while (i < n);
    rk_buf_puts(b, "\r\n");
}

/* ---- Body ------------------------------------------------------------------------------- */

/*
 * Appends one line (without its end) quoted-printable: printable ASCII but
 * '=' as it is, other bytes =XX, a space or tab at the end of the line
 * encoded, a leading "From " or "." protected; soft breaks ("=" CRLF) keep
 * every line at most 76 characters and never split an =XX.
 */
static void put_qp_line(struct rk_buf *b, const unsigned char *p, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = p[i];
        bool last = i + 1 == n;
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !last);
        if (col == 0 && (c == '.' || (c == 'F' && n - i >= 5 && memcmp(p + i, "From ", 5) == 0)))
            literal = false;
        size_t w = literal ? 1 : 3;
        /* Room for this token, plus the '=' of a soft break unless it ends the line. */
        if (col + w > (last ? 76u : 75u)) {
            rk_buf_puts(b, "=\r\n");
            col = 0;
            if (c == '.')
                literal = false, w = 3;
        }
        if (literal) {
            rk_buf_putc(b, (char)c);
        } else {
            rk_buf_putc(b, '=');
            rk_buf_putc(b, hex[c >> 4]);
            rk_buf_putc(b, hex[c & 15]);
        }
        col += w;
    }
}

static void put_body(struct rk_buf *b, const char *body) {
    const char *p = body;
    while (*p) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        size_t len = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
        put_qp_line(b, (const unsigned char *)p, len);
        rk_buf_puts(b, "\r\n");
        p += nl ? n + 1 : n;
    }
}

/* ---- The message ------------------------------------------------------------------------ */

rk_err rk_mail_compose(const struct rk_mail *m, struct rk_buf *out, struct rk_error *e) {
    if (!m->from || strpbrk(m->from, "\r\n"))
        return refuse(e, "From", "a line break in a header value is refused");
    if (!rk_mail_address_ok(m->from))
        return refuse(e, "From", "not an email address (local-part@host, ASCII)");
    if (m->reply_to && (strpbrk(m->reply_to, "\r\n") || !rk_mail_address_ok(m->reply_to)))
        return refuse(e, "Reply-To", "not an email address (local-part@host, ASCII)");
    rk_err err = check_content(m->to, m->subject, m->body, m->list_unsubscribe, e);
    if (err != RK_OK)
        return err;
    if (!m->message_id || !dot_atom(m->message_id, strlen(m->message_id), 128))
        return refuse(e, "Message-ID", "expected a dot-atom of at most 128 characters");

    struct rk_buf b;
    rk_buf_init(&b);
    char date[64];
    rk_mail_date(m->date, date);
    rk_buf_printf(&b, "Date: %s\r\nFrom: %s\r\n", date, m->from);
    if (m->reply_to)
        rk_buf_printf(&b, "Reply-To: %s\r\n", m->reply_to);
    rk_buf_printf(&b, "To: %s\r\n", m->to);
    put_subject(&b, m->subject);
    rk_buf_printf(&b, "Message-ID: <%s@%s>\r\n", m->message_id, strrchr(m->from, '@') + 1);
    if (m->list_unsubscribe)
        rk_buf_printf(&b,
                      "List-Unsubscribe: <%s>\r\n"
                      "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                      m->list_unsubscribe);
    rk_buf_puts(&b, "MIME-Version: 1.0\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\n"
                    "Content-Transfer-Encoding: quoted-printable\r\n"
                    "\r\n");
    put_body(&b, m->body);
    err = rk_buf_status(&b);
    if (err == RK_OK)
        rk_buf_append(out, b.data, b.len);
    rk_buf_cleanup(&b);
    return err == RK_OK ? rk_buf_status(out) : err;
}

/* ---- Queueing (the checks live here; outbox.c adds the id and the store) ---------------- */

rk_err rk_mail_check(const struct rk_outbox_msg *m, struct rk_error *e) {
    size_t k = m->kind ? strlen(m->kind) : 0;
    if (k == 0 || k > RK_OUTBOX_KIND_MAX || strspn(m->kind, "abcdefghijklmnopqrstuvwxyz_") != k)
        return refuse(e, "kind", "expected a short word of a-z and '_'");
    return check_content(m->recipient, m->subject, m->body, m->list_unsubscribe, e);
}
