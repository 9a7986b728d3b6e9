/*
 * normalize.h — turning what people type into the one form the register
 * stores: email addresses, phone numbers in E.164, and checked UTF-8 text
 * (no control, direction-control or invisible format characters).
 *
 * Every function either writes the normal form and returns RK_OK (e not
 * written: the text rule runs on every imported value), or returns RK_EINVAL
 * with e (util/err.h; may be NULL) holding in message a short English phrase
 * saying what is wrong ("has no '@'", "too many digits") and in message_fi its
 * Finnish when it has one, without repeating the value itself, so it can go
 * into an error message without leaking personal data. The phrases are
 * predicates: "<the field's name> <phrase>" is the sentence; where is left to
 * the caller, who knows the field.
 */
#ifndef RK_NORMALIZE_H
#define RK_NORMALIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"
#include "util/utf8.h"

struct rk_buf;

#define RK_EMAIL_MAX 254 /* bytes, RFC 5321 path limit */
#define RK_PHONE_MAX 16  /* "+" and at most 15 digits (E.164) */

/*
 * Normalises an email address: trims surrounding white space, lower-cases
 * the domain (the local part keeps its case), and checks the form: one '@',
 * a local part of 1–64 bytes of atext characters and dots (no leading,
 * trailing or double dot; UTF-8 allowed), a domain of dot-separated labels of
 * letters, digits and hyphens (1–63 bytes each, no leading or trailing
 * hyphen, at least two labels, an alphabetic top-level label of 2+ letters),
 * at most RK_EMAIL_MAX bytes in all, and none of the characters refused in
 * text (rk_text_fault). out must hold RK_EMAIL_MAX + 1 bytes.
 */
RK_MUST_USE rk_err rk_norm_email(const char *in, char out[RK_EMAIL_MAX + 1], struct rk_error *e);

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
RK_MUST_USE rk_err rk_norm_phone(const char *in, const char *default_cc, char out[RK_PHONE_MAX + 1],
                                 struct rk_error *e);


/*
 * Checks a text field: valid UTF-8, none of the characters refused in text
 * (rk_text_fault), at most max_chars code points after trimming surrounding
 * white space. On success *start and *len give the trimmed text inside in (no
 * copy is made).
 */
RK_MUST_USE rk_err rk_norm_text(const char *in, size_t max_chars, bool multiline,
                                const char **start, size_t *len, struct rk_error *e);

/*
 * The rule every text field follows, whichever way it comes in (the table of
 * refused characters and the reason for each is in normalize.c): NULL when
 * the n bytes at s are valid UTF-8 holding no control character (tab, LF and
 * CR allowed when multiline), no direction control (U+202A–U+202E,
 * U+2066–U+2069, U+200E, U+200F, U+061C), no invisible format character (Cf:
 * zero-width space, soft hyphen, BOM, tag characters, …; a zero-width joiner
 * or non-joiner only inside the scripts and emoji written with one), no line
 * or paragraph separator, noncharacter or Hangul filler. Otherwise the reason,
 * a constant English phrase that never quotes the text ("contains a
 * direction-control character …"); rk_norm_why_fi gives its Finnish.
 */
const char *rk_text_fault(const char *s, size_t n, bool multiline);

/* The Finnish of a why phrase of rk_norm_text, rk_text_fault, rk_norm_email or rk_norm_phone,
 * or NULL for another phrase. Like the English, a predicate of the value ("ei sisällä
 * @-merkkiä"): "<the field's name> <phrase>." is a sentence. test_normalize checks that every
 * phrase those functions return has one. */
const char *rk_norm_why_fi(const char *why);

/*
 * Appends text to b for a terminal, with every character rk_text_fault
 * refuses (with multiline as given; a CR only before an LF) written visibly as
 * \uXXXX (\UXXXXXXXX above U+FFFF), a byte that is not UTF-8 as \xNN, and a
 * backslash as \\, so that a stored value from before the rule (or put in
 * the database by other means) can neither reorder nor hide what is printed
 * around it, and the escape of a character is never mistaken for text typed
 * the same. The text outputs of the CLI (person show and find, request
 * show, tasks list) print stored values this way; JSON, CSV and HTML outputs carry
 * the value as it is stored (HTML isolates it in <bdi>).
 */
void rk_text_put_visible(struct rk_buf *b, const char *text, bool multiline);

#endif
