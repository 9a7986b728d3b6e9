/*
 * normalize.h — turning what people type into the one form the register
 * stores: email addresses, phone numbers in E.164, and checked UTF-8 text.
 *
 * Every function either writes the normal form and returns RK_OK, or returns
 * RK_EINVAL and sets *why to a short English phrase saying what is wrong
 * ("has no '@'", "too many digits") without repeating the value itself, so
 * it can go into an error message without leaking personal data.
 */
#ifndef RK_NORMALIZE_H
#define RK_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

#define RK_EMAIL_MAX 254 /* bytes, RFC 5321 path limit */
#define RK_PHONE_MAX 16  /* "+" and at most 15 digits (E.164) */

/*
 * Normalises an email address: trims surrounding white space, lower-cases
 * the domain (the local part keeps its case), and checks the form: one '@',
 * a local part of 1–64 bytes of atext characters and dots (no leading,
 * trailing or double dot; UTF-8 allowed), a domain of dot-separated labels of
 * letters, digits and hyphens (1–63 bytes each, no leading or trailing
 * hyphen, at least two labels, an alphabetic top-level label of 2+ letters),
 * at most RK_EMAIL_MAX bytes in all. out must hold RK_EMAIL_MAX + 1 bytes.
 */
RK_MUST_USE rk_err rk_norm_email(const char *in, char out[RK_EMAIL_MAX + 1], const char **why);

/*
 * The matching key of a normalised email: the whole address lower-cased, so
 * that Matti.M@x.fi and matti.m@x.fi are one person for lookups and the
 * suppression list. out must hold RK_EMAIL_MAX + 1 bytes.
 */
void rk_email_key(const char *email, char out[RK_EMAIL_MAX + 1]);

/*
 * Normalises a phone number to E.164 ("+358401723700"). Accepts digits with
 * spaces, hyphens, dots, slashes and parentheses; a leading "+" or "00"
 * gives the country code; otherwise a leading "0" (trunk prefix) is replaced
 * by default_cc (digits only, e.g. "358" for Finland). "040 172 3700" →
 * "+358401723700". The result has 8–15 digits. out must hold RK_PHONE_MAX + 1.
 */
RK_MUST_USE rk_err rk_norm_phone(const char *in, const char *default_cc,
                                 char out[RK_PHONE_MAX + 1], const char **why);

/* True when the len bytes at s are well-formed UTF-8 (no overlongs, no
 * surrogates, nothing above U+10FFFF). */
bool rk_utf8_valid(const char *s, size_t len);

/* The number of code points in a valid UTF-8 string. */
size_t rk_utf8_length(const char *s);

/*
 * Checks a text field: valid UTF-8, no control characters (tab, CR and LF
 * only when multiline), at most max_chars code points after trimming
 * surrounding white space. On success *start and *len give the trimmed text
 * inside in (no copy is made).
 */
RK_MUST_USE rk_err rk_norm_text(const char *in, size_t max_chars, bool multiline,
                                const char **start, size_t *len, const char **why);

#endif
