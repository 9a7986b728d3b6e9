/*
 * normalize.c — the normal forms of what people type: email addresses,
 * E.164 phone numbers and checked UTF-8 text (see normalize.h).
 *
 * Everything here works on bytes with no locale: case folding is ASCII only
 * and a UTF-8 decoder rejects overlongs, surrogates and code points above
 * U+10FFFF. The `why` phrases are constant strings that never quote the
 * input, since the input is personal data.
 */
#include "core/normalize.h"

#include <assert.h>
#include <string.h>

/* ---- UTF-8 ------------------------------------------------------------- */

/*
 * Decodes the code point at s[0..len) into *cp and returns its length in
 * bytes, or 0 when the bytes there are not well-formed UTF-8 (RFC 3629).
 */
static size_t utf8_decode(const unsigned char *s, size_t len, unsigned long *cp) {
    unsigned char c = s[0];
    size_t n;
    unsigned long v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2, v = c & 0x1Fu, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3, v = c & 0x0Fu, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4, v = c & 0x07u, min = 0x10000;
    } else {
        return 0; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0u) != 0x80u)
            return 0;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFFul || (v >= 0xD800ul && v <= 0xDFFFul))
        return 0;
    *cp = v;
    return n;
}

bool rk_utf8_valid(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned long cp;
        size_t n = utf8_decode(p + i, len - i, &cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

size_t rk_utf8_length(const char *s) {
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        n += (*p & 0xC0u) != 0x80u;
    return n;
}

/* C0 controls, DEL and the C1 controls U+0080..U+009F. */
static bool is_control(unsigned long cp) { return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F); }

static bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* Narrows [*s, *s + *n) to exclude surrounding ASCII white space. */
static void trim(const char **s, size_t *n) {
    while (*n > 0 && is_space((*s)[0]))
        (*s)++, (*n)--;
    while (*n > 0 && is_space((*s)[*n - 1]))
        (*n)--;
}

static void set_why(const char **why, const char *msg) {
    if (why)
        *why = msg;
}

static char ascii_lower(char c) {
    if (c >= 'A' && c <= 'Z')
        c = (char)(c - 'A' + 'a');
    return c;
}

static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* ---- Email ------------------------------------------------------------- */

/* RFC 5322 atext, ASCII part; bytes >= 0x80 (UTF-8, RFC 6531) are allowed separately. */
static bool is_atext(char c) {
    return is_alpha(c) || is_digit(c) || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* Checks the local part [s, s + n); NULL when it is fine, else the reason. */
static const char *check_local(const char *s, size_t n) {
    if (n == 0)
        return "has an empty local part (before the '@')";
    if (n > 64)
        return "has a local part (before the '@') longer than 64 bytes";
    if (s[0] == '.' || s[n - 1] == '.')
        return "has a local part that starts or ends with a dot";
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '.') {
            if (s[i + 1] == '.')
                return "has two dots in a row";
        } else if ((unsigned char)c < 0x80 && !is_atext(c)) {
            return "has a character not allowed before the '@'";
        }
    }
    return NULL;
}

/* True when the label [s, s + n) is an IDNA A-label ("xn--" and letters, digits, hyphens). */
static bool is_a_label(const char *s, size_t n) {
    return n > 4 && ascii_lower(s[0]) == 'x' && ascii_lower(s[1]) == 'n' && s[2] == '-' &&
           s[3] == '-';
}

/* Checks the domain [s, s + n); NULL when it is fine, else the reason. */
static const char *check_domain(const char *s, size_t n) {
    if (n == 0)
        return "has an empty domain (after the '@')";
    if (memchr(s, '.', n) == NULL)
        return "has a domain without a dot";
    size_t start = 0;
    for (;;) {
        size_t end = start;
        while (end < n && s[end] != '.')
            end++;
        size_t len = end - start;
        const char *label = s + start;
        if (len == 0)
            return "has an empty label in the domain (two dots in a row, or a dot at an end)";
        if (len > 63)
            return "has a domain label longer than 63 bytes";
        for (size_t i = 0; i < len; i++) {
            char c = label[i];
            if (!is_alpha(c) && !is_digit(c) && c != '-')
                return "has a domain with characters other than ASCII letters, digits and "
                       "hyphens (write international names in punycode, xn--)";
        }
        if (label[0] == '-' || label[len - 1] == '-')
            return "has a domain label that starts or ends with a hyphen";
        if (end == n) {
            /* The top-level label: 2+ letters, or an internationalised one in punycode. */
            bool alpha = len >= 2;
            for (size_t i = 0; i < len && alpha; i++)
                alpha = is_alpha(label[i]);
            if (!alpha && !is_a_label(label, len))
                return "has a top-level domain that is not at least two letters";
            return NULL;
        }
        start = end + 1;
    }
}

rk_err rk_norm_email(const char *in, char out[RK_EMAIL_MAX + 1], const char **why) {
    assert(in != NULL && out != NULL);
    const char *s = in;
    size_t n = strlen(in);
    trim(&s, &n);
    if (n == 0) {
        set_why(why, "is empty");
        return RK_EINVAL;
    }
    if (n > RK_EMAIL_MAX) {
        set_why(why, "is longer than 254 bytes");
        return RK_EINVAL;
    }
    if (!rk_utf8_valid(s, n)) {
        set_why(why, "is not valid UTF-8");
        return RK_EINVAL;
    }
    const char *at = NULL;
    size_t i = 0;
    while (i < n) {
        unsigned long cp;
        size_t k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        assert(k > 0); /* validated above */
        if (is_control(cp) || cp == ' ') {
            set_why(why, "contains a space or a control character");
            return RK_EINVAL;
        }
        if (cp == '"') {
            set_why(why, "has a quoted local part, which is not supported");
            return RK_EINVAL;
        }
        if (cp == '@') {
            if (at) {
                set_why(why, "has more than one '@'");
                return RK_EINVAL;
            }
            at = s + i;
        }
        i += k;
    }
    if (!at) {
        set_why(why, "has no '@'");
        return RK_EINVAL;
    }
    size_t local_len = (size_t)(at - s);
    const char *msg = check_local(s, local_len);
    if (!msg)
        msg = check_domain(at + 1, n - local_len - 1);
    if (msg) {
        set_why(why, msg);
        return RK_EINVAL;
    }
    memcpy(out, s, n);
    for (i = local_len + 1; i < n; i++)
        out[i] = ascii_lower(s[i]);
    out[n] = '\0';
    return RK_OK;
}

void rk_email_key(const char *email, char out[RK_EMAIL_MAX + 1]) {
    assert(email != NULL && out != NULL);
    size_t i = 0;
    for (; i < RK_EMAIL_MAX && email[i]; i++)
        out[i] = ascii_lower(email[i]);
    out[i] = '\0';
}

/* ---- Phone ------------------------------------------------------------- */

#define PHONE_MIN_DIGITS 8
#define PHONE_MAX_DIGITS 15

static bool is_phone_separator(char c) {
    return c == ' ' || c == '-' || c == '.' || c == '/' || c == '(' || c == ')';
}

static bool valid_cc(const char *cc) {
    size_t n = strlen(cc);
    if (n < 1 || n > 3 || cc[0] == '0')
        return false;
    for (size_t i = 0; i < n; i++)
        if (!is_digit(cc[i]))
            return false;
    return true;
}

/*
 * Besides the separators, one "(0)" after the start of an international
 * number ("+358 (0)40 …", a common way to show the trunk prefix) is dropped;
 * in a national number it is an ordinary leading 0.
 */
rk_err rk_norm_phone(const char *in, const char *default_cc, char out[RK_PHONE_MAX + 1],
                     const char **why) {
    assert(in != NULL && out != NULL);
    const char *s = in;
    size_t n = strlen(in);
    trim(&s, &n);
    if (n == 0) {
        set_why(why, "is empty");
        return RK_EINVAL;
    }
    /* Raw digits: room for "00" and a trunk 0 around the 15 digits E.164 allows. */
    char dig[PHONE_MAX_DIGITS + 4];
    size_t nd = 0;
    bool plus = false;
    size_t paren0 = (size_t)-1; /* index in dig of the 0 written as "(0)" */
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (is_digit(c)) {
            if (nd == sizeof dig) {
                set_why(why, "has too many digits");
                return RK_EINVAL;
            }
            dig[nd++] = c;
        } else if (c == '+') {
            if (plus || nd > 0) {
                set_why(why, "has a '+' that is not at the start");
                return RK_EINVAL;
            }
            plus = true;
        } else if (c == '(' && i + 2 < n && s[i + 1] == '0' && s[i + 2] == ')' &&
                   (plus || nd > 0) && paren0 == (size_t)-1) {
            paren0 = nd;
        } else if (is_phone_separator(c)) {
            continue;
        } else if (is_alpha(c)) {
            set_why(why, "contains letters");
            return RK_EINVAL;
        } else {
            set_why(why, "contains a character other than digits, '+', spaces, hyphens, dots, "
                         "slashes and parentheses");
            return RK_EINVAL;
        }
    }
    if (nd == 0) {
        set_why(why, "has no digits");
        return RK_EINVAL;
    }
    const char *cc = "";
    const char *rest = dig;
    size_t nrest = nd;
    bool international = plus || (nd >= 2 && dig[0] == '0' && dig[1] == '0');
    if (international && paren0 != (size_t)-1 && paren0 < nd) {
        memmove(dig + paren0, dig + paren0 + 1, nd - paren0 - 1);
        nrest = --nd;
    }
    if (plus) {
        /* dig already starts with the country code. */
    } else if (international) {
        rest += 2, nrest -= 2;
    } else if (dig[0] == '0') {
        if (!default_cc || !valid_cc(default_cc)) {
            set_why(why, "needs a country code (no valid default country code is set)");
            return RK_EINVAL;
        }
        cc = default_cc;
        rest += 1, nrest -= 1;
    } else {
        set_why(why, "needs a country code or a leading 0");
        return RK_EINVAL;
    }
    if (nrest > 0 && cc[0] == '\0' && rest[0] == '0') {
        set_why(why, "has a country code that starts with 0");
        return RK_EINVAL;
    }
    size_t ncc = strlen(cc);
    size_t total = ncc + nrest;
    if (total < PHONE_MIN_DIGITS) {
        set_why(why, "has too few digits");
        return RK_EINVAL;
    }
    if (total > PHONE_MAX_DIGITS) {
        set_why(why, "has too many digits");
        return RK_EINVAL;
    }
    out[0] = '+';
    memcpy(out + 1, cc, ncc);
    memcpy(out + 1 + ncc, rest, nrest);
    out[1 + total] = '\0';
    return RK_OK;
}

/* ---- Text -------------------------------------------------------------- */

rk_err rk_norm_text(const char *in, size_t max_chars, bool multiline, const char **start,
                    size_t *len, const char **why) {
    assert(in != NULL && start != NULL && len != NULL);
    const char *s = in;
    size_t n = strlen(in);
    if (!rk_utf8_valid(s, n)) {
        set_why(why, "is not valid UTF-8");
        return RK_EINVAL;
    }
    trim(&s, &n);
    size_t chars = 0;
    for (size_t i = 0; i < n;) {
        unsigned long cp;
        size_t k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        assert(k > 0); /* validated above */
        if (is_control(cp) && !(multiline && (cp == '\t' || cp == '\r' || cp == '\n'))) {
            set_why(why, multiline ? "contains a control character"
                                   : "contains a line break, tab or other control character");
            return RK_EINVAL;
        }
        i += k;
        chars++;
    }
    if (chars > max_chars) {
        set_why(why, "is too long");
        return RK_EINVAL;
    }
    *start = s;
    *len = n;
    return RK_OK;
}
