/*
 * normalize.c — the normal forms of what people type: email addresses,
 * E.164 phone numbers and checked UTF-8 text (see normalize.h).
 *
 * Everything here works on bytes with no locale: case folding is ASCII only
 * and a UTF-8 decoder rejects overlongs, surrogates and code points above
 * U+10FFFF. The `why` phrases are constant strings that never quote the
 * input, since the input is personal data.
 */
#include "base/normalize.h"

#include <assert.h>
#include <string.h>

#include "util/buf.h"
#include "util/utf8.h"

/* ---- Characters refused in text ---------------------------------------- */

/*
 * What a text field may hold. A value is what a person typed: letters of
 * every script, digits, punctuation, symbols, emoji, spaces and combining
 * marks are all allowed. Refused is what is not shown, or not text, yet
 * changes how the value is shown or compared: a name with U+202E prints
 * backwards after it ("Trojan Source"), one with a zero-width space looks
 * like a name already on file and is not, and a control character can drive
 * a terminal or split a line. The whole rule is this table (Unicode
 * categories Cc and Cf as of Unicode 15.1, and a few kin), the same for every
 * field and every way in; multi-line fields keep TAB, LF and CR.
 *
 *   code points                    what                        why refused
 *   U+0000–001F, U+007F–009F       C0, DEL and C1 controls     not text: ESC drives terminals, CR
 * and LF (Cc)                        split one-line values, NUL ends C strings U+061C, U+200E,
 * U+200F         bidi marks (ALM, LRM, RLM)  invisible; move the neutral characters around them to
 * the other side U+202A–U+202E, U+2066–U+2069   bidi embeddings, overrides  reorder everything
 * after them, to the and isolates                end of the line or paragraph U+00AD, U+180E,
 * U+200B,        soft hyphen, Mongolian      invisible: two values that look the same
 *   U+2060–U+2064, U+206A–U+206F,  vowel separator, zero-width are different, so a search or a
 *   U+FEFF                         space, word joiner,         duplicate check misses
 *                                  invisible operators,
 *                                  deprecated format chars, BOM
 *   U+200C, U+200D                 zero-width non-joiner and   as above, except between two letters
 * or joiner                      marks of a script that spells with them (Arabic, Syriac, N'Ko, the
 * Indic scripts, Sinhala, Myanmar, Khmer, Mongolian) and, the joiner, inside an emoji sequence
 * (👩‍💻) U+0600–0605, U+06DD, U+070F,   number and ayah signs that  format digits, never
 * part of a name; U+0890–0891, U+08E2, U+110BD,  span the digits after them  each renderer draws
 * them differently U+110CD U+FFF9–U+FFFB                  interlinear annotation      hide the text
 * between them U+13430–1343F, U+1BCA0–1BCA3,  hieroglyph, shorthand and   layout controls of
 * special notations U+1D173–1D17A                  musical format controls U+E0000–U+E007F tag
 * characters              an invisible copy of ASCII that hides text from people but not from
 * machines (the emoji subdivision flags, which use them, go too) U+2028, U+2029 line and paragraph
 * line breaks not written as line breaks separators U+FDD0–FDEF, U+xFFFE, U+xFFFF  noncharacters
 * not for interchange U+115F, U+1160, U+3164, U+FFA0 Hangul fillers              letters that show
 * as nothing: the usual way to make a blank name
 *
 * Not refused: private-use characters, unassigned code points (which need
 * tables of the Unicode version), variation selectors (emoji need U+FE0F) and
 * the combining grapheme joiner; ordinary spaces inside a value (U+00A0 and
 * the other Zs) are text.
 */
enum text_class {
    TC_OK,
    TC_CONTROL,
    TC_BIDI,
    TC_INVISIBLE,
    TC_JOINER,
    TC_SEPARATOR,
    TC_NONCHAR,
    TC_FILLER
};

static const struct {
    unsigned long lo, hi;
    enum text_class cls;
} refused[] = {
    /* sorted, not overlapping */
    {0x0000, 0x001F, TC_CONTROL},     {0x007F, 0x009F, TC_CONTROL},
    {0x00AD, 0x00AD, TC_INVISIBLE},   {0x0600, 0x0605, TC_INVISIBLE},
    {0x061C, 0x061C, TC_BIDI},        {0x06DD, 0x06DD, TC_INVISIBLE},
    {0x070F, 0x070F, TC_INVISIBLE},   {0x0890, 0x0891, TC_INVISIBLE},
    {0x08E2, 0x08E2, TC_INVISIBLE},   {0x115F, 0x1160, TC_FILLER},
    {0x180E, 0x180E, TC_INVISIBLE},   {0x200B, 0x200B, TC_INVISIBLE},
    {0x200C, 0x200D, TC_JOINER},      {0x200E, 0x200F, TC_BIDI},
    {0x2028, 0x2029, TC_SEPARATOR},   {0x202A, 0x202E, TC_BIDI},
    {0x2060, 0x2064, TC_INVISIBLE},   {0x2066, 0x2069, TC_BIDI},
    {0x206A, 0x206F, TC_INVISIBLE},   {0x3164, 0x3164, TC_FILLER},
    {0xFDD0, 0xFDEF, TC_NONCHAR},     {0xFEFF, 0xFEFF, TC_INVISIBLE},
    {0xFFA0, 0xFFA0, TC_FILLER},      {0xFFF9, 0xFFFB, TC_INVISIBLE},
    {0x110BD, 0x110BD, TC_INVISIBLE}, {0x110CD, 0x110CD, TC_INVISIBLE},
    {0x13430, 0x1343F, TC_INVISIBLE}, {0x1BCA0, 0x1BCA3, TC_INVISIBLE},
    {0x1D173, 0x1D17A, TC_INVISIBLE}, {0xE0000, 0xE007F, TC_INVISIBLE},
};

/* The class of cp by the table alone (the joiners' context is checked apart). */
static inline enum text_class text_class(unsigned long cp) {
    if (cp >= 0x20 && cp < 0x7F)
        return TC_OK; /* printable ASCII: the common case */
    if (cp >= 0xA0 && cp < 0x0600)
        return cp == 0xAD ? TC_INVISIBLE : TC_OK; /* Latin, Greek, Cyrillic, Hebrew, … */
    if (cp > 0x3164 && cp < 0xFDD0)
        return TC_OK; /* CJK, Hangul syllables, …: no entry of the table lies between */
    if ((cp & 0xFFFEul) == 0xFFFEul)
        return TC_NONCHAR;
    size_t lo = 0, hi = sizeof refused / sizeof refused[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cp < refused[mid].lo)
            hi = mid;
        else if (cp > refused[mid].hi)
            lo = mid + 1;
        else
            return refused[mid].cls;
    }
    return TC_OK;
}

/* The scripts that spell with ZWNJ and ZWJ (their letters and marks). */
static bool joining_script(unsigned long cp) {
    return (cp >= 0x0600 && cp <= 0x08FF &&     /* Arabic, Syriac, N'Ko, Mandaic, … */
            !(cp >= 0x0780 && cp <= 0x07BF)) || /* … but not Thaana */
           (cp >= 0x0900 && cp <= 0x0DFF) ||    /* Devanagari … Sinhala */
           (cp >= 0x1000 && cp <= 0x109F) ||    /* Myanmar */
           (cp >= 0x1780 && cp <= 0x18AF) ||    /* Khmer, Mongolian */
           (cp >= 0xA8E0 && cp <= 0xA8FF) ||    /* Devanagari Extended */
           (cp >= 0xFB50 && cp <= 0xFDFF) ||    /* Arabic presentation forms A */
           (cp >= 0xFE70 && cp <= 0xFEFE);      /* Arabic presentation forms B */
}

/* Emoji and what follows an emoji inside a ZWJ sequence (VS16, skin tones are in the range). */
static bool emoji_part(unsigned long cp) {
    return (cp >= 0x2300 && cp <= 0x23FF) || (cp >= 0x2600 && cp <= 0x27BF) ||
           (cp >= 0x2B00 && cp <= 0x2BFF) || (cp >= 0x1F000 && cp <= 0x1FAFF) || cp == 0xFE0F;
}

/* Whether a joiner cp (ZWNJ or ZWJ) between prev and next belongs there (0: the text's end). */
static bool joiner_ok(unsigned long cp, unsigned long prev, unsigned long next) {
    if (text_class(prev) != TC_OK || text_class(next) != TC_OK)
        return false; /* U+0600, U+180E, another joiner: refused themselves */
    if (joining_script(prev) && joining_script(next))
        return true;
    return cp == 0x200D && emoji_part(prev) && emoji_part(next) && next != 0xFE0F;
}

static const struct {
    const char *en, *fi;
} text_why[] = {
    [TC_CONTROL] = {"contains a line break, tab or other control character",
                    "sisältää rivinvaihdon, sarkaimen tai muun ohjausmerkin"},
    [TC_BIDI] = {"contains a direction-control character (U+061C, U+200E, U+200F, U+202A–U+202E "
                 "or U+2066–U+2069), which makes the text show in another order than it is "
                 "written; remove it",
                 "sisältää tekstin suuntaa ohjaavan merkin (U+061C, U+200E, U+200F, "
                 "U+202A–U+202E tai U+2066–U+2069), joka näyttää tekstin eri järjestyksessä kuin "
                 "se on kirjoitettu; poista merkki"},
    [TC_INVISIBLE] = {"contains an invisible format character (such as a zero-width space, "
                      "soft hyphen, byte order mark or tag character); remove it",
                      "sisältää näkymättömän muotoilumerkin (esimerkiksi leveydettömän "
                      "välilyönnin, tavutusvihjeen, BOM-merkin tai tagimerkin); poista merkki"},
    [TC_JOINER] = {"contains a zero-width joiner or non-joiner outside the scripts and emoji "
                   "that are written with one; remove it",
                   "sisältää leveydettömän liittäjän tai erottajan muualla kuin kirjoitusjärjes"
                   "telmässä tai emojissa, joka sitä käyttää; poista merkki"},
    [TC_SEPARATOR] = {"contains a line or paragraph separator (U+2028, U+2029)",
                      "sisältää rivin- tai kappaleenerottimen (U+2028, U+2029)"},
    [TC_NONCHAR] = {"contains a noncharacter (such as U+FFFE or U+FFFF), which is not text",
                    "sisältää ei-merkin (esimerkiksi U+FFFE tai U+FFFF), joka ei ole tekstiä"},
    [TC_FILLER] = {"contains a Hangul filler, a letter that shows as nothing; remove it",
                   "sisältää hangul-täytemerkin, joka ei näy; poista merkki"},
};
/* The other phrases of text checks, with their Finnish (rk_norm_why_fi). */
#define WHY_CONTROL_ML "contains a control character" /* multi-line: tab and breaks allowed */
static const char *const other_why[][2] = {
    {WHY_CONTROL_ML, "sisältää ohjausmerkin"},
    {"is not valid UTF-8", "ei ole kelvollista UTF-8-tekstiä"},
    {"is empty", "on tyhjä"},
    {"is too long", "on liian pitkä"},
    /* rk_norm_email */
    {"is longer than 254 bytes", "on liian pitkä (yli 254 tavua)"},
    {"contains a space or a control character", "sisältää välilyönnin tai ohjausmerkin"},
    {"has a quoted local part, which is not supported",
     "sisältää lainausmerkein kirjoitetun osan, jota ei tueta"},
    {"has more than one '@'", "sisältää useamman kuin yhden @-merkin"},
    {"has no '@'", "ei sisällä @-merkkiä"},
    {"has an empty local part (before the '@')", "ei sisällä mitään ennen @-merkkiä"},
    {"has a local part (before the '@') longer than 64 bytes",
     "sisältää ennen @-merkkiä yli 64 tavua"},
    {"has a local part that starts or ends with a dot",
     "alkaa pisteellä tai siinä on piste juuri ennen @-merkkiä"},
    {"has two dots in a row", "sisältää kaksi pistettä peräkkäin"},
    {"has a character not allowed before the '@'",
     "sisältää ennen @-merkkiä merkin, joka ei ole sallittu"},
    {"has an empty domain (after the '@')", "ei sisällä mitään @-merkin jälkeen"},
    {"has a domain without a dot", "ei sisällä pistettä @-merkin jälkeen"},
    {"has an empty label in the domain (two dots in a row, or a dot at an end)",
     "sisältää @-merkin jälkeen kaksi pistettä peräkkäin tai pisteen lopussa"},
    {"has a domain label longer than 63 bytes", "sisältää verkkotunnuksessa yli 63 tavun osan"},
    {"has a domain with characters other than ASCII letters, digits and hyphens (write "
     "international names in punycode, xn--)",
     "sisältää verkkotunnuksessa muita merkkejä kuin kirjaimia a–z, numeroita ja "
     "yhdysmerkkejä (kirjoita kansainväliset nimet punycode-muodossa, xn--)"},
    {"has a domain label that starts or ends with a hyphen",
     "sisältää verkkotunnuksessa osan, joka alkaa tai päättyy yhdysmerkkiin"},
    {"has a top-level domain that is not at least two letters",
     "päättyy verkkotunnukseen, jonka viimeinen osa ei ole vähintään kaksi kirjainta"},
    /* rk_norm_phone */
    {"has too many digits", "sisältää liian monta numeroa"},
    {"has a '+' that is not at the start", "sisältää +-merkin muualla kuin alussa"},
    {"contains letters", "sisältää kirjaimia"},
    {"contains a character other than digits, '+', spaces, hyphens, dots, slashes and "
     "parentheses",
     "sisältää muita merkkejä kuin numeroita, +-merkin, välilyöntejä, yhdysmerkkejä, "
     "pisteitä, vinoviivoja ja sulkeita"},
    {"has no digits", "ei sisällä numeroita"},
    {"needs a country code (no valid default country code is set)",
     "tarvitsee maatunnuksen (esimerkiksi +358)"},
    {"needs a country code or a leading 0", "tarvitsee maatunnuksen (+358) tai alkunollan"},
    {"has a country code that starts with 0", "sisältää maatunnuksen, joka alkaa nollalla"},
    {"has too few digits", "sisältää liian vähän numeroita"},
    /* rk_field_normalize's own, without Finnish (a caller's mistake, never a person's) */
    {"is not a known contact field", NULL},
    {"does not fit in the space reserved for it", NULL},
};

/*
 * The class of the code point at s[i] (length k, value cp) inside the valid
 * UTF-8 text s[0..n), given the code point before it (0 at the start).
 */
static inline enum text_class class_at(const unsigned char *s, size_t n, size_t i, size_t k,
                                       unsigned long cp, unsigned long prev, bool multiline) {
    enum text_class c = text_class(cp);
    if (c == TC_CONTROL && multiline && (cp == '\t' || cp == '\n' || cp == '\r'))
        return TC_OK;
    if (c == TC_JOINER) {
        unsigned long next = 0;
        if (i + k < n && rk_utf8_decode(s + i + k, n - i - k, &next) == 0)
            next = 0;
        if (joiner_ok(cp, prev, next))
            return TC_OK;
    }
    return c;
}

static const char *class_why(enum text_class c, bool multiline) {
    return c == TC_CONTROL && multiline ? WHY_CONTROL_ML : text_why[c].en;
}

const char *rk_text_fault(const char *text, size_t n, bool multiline) {
    const unsigned char *s = (const unsigned char *)text;
    unsigned long prev = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] >= 0x20 && s[i] < 0x7F) { /* printable ASCII, without decoding */
            prev = s[i++];
            continue;
        }
        unsigned long cp;
        size_t k = rk_utf8_decode(s + i, n - i, &cp);
        if (k == 0)
            return "is not valid UTF-8";
        enum text_class c = class_at(s, n, i, k, cp, prev, multiline);
        if (c != TC_OK)
            return class_why(c, multiline);
        prev = cp;
        i += k;
    }
    return NULL;
}

const char *rk_norm_why_fi(const char *why) {
    if (!why)
        return NULL;
    for (size_t c = 1; c < sizeof text_why / sizeof text_why[0]; c++)
        if (strcmp(why, text_why[c].en) == 0)
            return text_why[c].fi;
    for (size_t i = 0; i < sizeof other_why / sizeof other_why[0]; i++)
        if (strcmp(why, other_why[i][0]) == 0)
            return other_why[i][1];
    return NULL;
}

void rk_text_put_visible(struct rk_buf *b, const char *text, bool multiline) {
    const unsigned char *s = (const unsigned char *)text;
    size_t n = strlen(text), i = 0, run = 0;
    unsigned long prev = 0;
    while (i < n) {
        unsigned long cp;
        size_t k = rk_utf8_decode(s + i, n - i, &cp);
        bool plain = k > 0 && cp != '\\' && class_at(s, n, i, k, cp, prev, multiline) == TC_OK &&
                     (cp != '\r' || s[i + 1] == '\n'); /* a lone CR would overwrite the line */
        if (plain) {
            prev = cp;
            i += k;
            continue;
        }
        rk_buf_append(b, text + run, i - run);
        if (k == 0) {
            rk_buf_printf(b, "\\x%02X", s[i]);
            k = 1;
            cp = 0;
        } else if (cp == '\\') {
            rk_buf_puts(b, "\\\\");
        } else if (cp <= 0xFFFF) {
            rk_buf_printf(b, "\\u%04lX", cp);
        } else {
            rk_buf_printf(b, "\\U%08lX", cp);
        }
        prev = cp;
        i += k;
        run = i;
    }
    rk_buf_append(b, text + run, n - run);
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

/* Refuses with RK_EINVAL: e (may be NULL) gets the phrase why and its Finnish. Only a
 * refusal writes e, so the text rule costs nothing more on a good value. */
static rk_err refuse(struct rk_error *e, const char *why) {
    const char *fi = e ? rk_norm_why_fi(why) : NULL;
    rk_err rc = rk_error_set(e, RK_EINVAL, NULL, "%s", why);
    if (fi)
        rk_error_set_fi(e, "%s", fi);
    return rc;
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

rk_err rk_norm_email(const char *in, char out[RK_EMAIL_MAX + 1], struct rk_error *e) {
    assert(in != NULL && out != NULL);
    const char *s = in;
    size_t n = strlen(in);
    trim(&s, &n);
    if (n == 0) {
        return refuse(e, "is empty");
    }
    if (n > RK_EMAIL_MAX) {
        return refuse(e, "is longer than 254 bytes");
    }
    if (!rk_utf8_valid(s, n)) {
        return refuse(e, "is not valid UTF-8");
    }
    const char *at = NULL;
    size_t i = 0;
    unsigned long prev = 0;
    while (i < n) {
        unsigned long cp;
        size_t k = rk_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        assert(k > 0); /* validated above */
        if (is_control(cp) || cp == ' ') {
            return refuse(e, "contains a space or a control character");
        }
        enum text_class c = class_at((const unsigned char *)s, n, i, k, cp, prev, false);
        if (c != TC_OK) {
            return refuse(e, class_why(c, false));
        }
        prev = cp;
        if (cp == '"') {
            return refuse(e, "has a quoted local part, which is not supported");
        }
        if (cp == '@') {
            if (at) {
                return refuse(e, "has more than one '@'");
            }
            at = s + i;
        }
        i += k;
    }
    if (!at) {
        return refuse(e, "has no '@'");
    }
    size_t local_len = (size_t)(at - s);
    const char *msg = check_local(s, local_len);
    if (!msg)
        msg = check_domain(at + 1, n - local_len - 1);
    if (msg) {
        return refuse(e, msg);
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
                     struct rk_error *e) {
    assert(in != NULL && out != NULL);
    const char *s = in;
    size_t n = strlen(in);
    trim(&s, &n);
    if (n == 0) {
        return refuse(e, "is empty");
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
                return refuse(e, "has too many digits");
            }
            dig[nd++] = c;
        } else if (c == '+') {
            if (plus || nd > 0) {
                return refuse(e, "has a '+' that is not at the start");
            }
            plus = true;
        } else if (c == '(' && i + 2 < n && s[i + 1] == '0' && s[i + 2] == ')' &&
                   (plus || nd > 0) && paren0 == (size_t)-1) {
            paren0 = nd;
        } else if (is_phone_separator(c)) {
            continue;
        } else if (is_alpha(c)) {
            return refuse(e, "contains letters");
        } else {
            return refuse(e, "contains a character other than digits, '+', spaces, hyphens, dots, "
                         "slashes and parentheses");
        }
    }
    if (nd == 0) {
        return refuse(e, "has no digits");
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
            return refuse(e, "needs a country code (no valid default country code is set)");
        }
        cc = default_cc;
        rest += 1, nrest -= 1;
    } else {
        return refuse(e, "needs a country code or a leading 0");
    }
    if (nrest > 0 && cc[0] == '\0' && rest[0] == '0') {
        return refuse(e, "has a country code that starts with 0");
    }
    size_t ncc = strlen(cc);
    size_t total = ncc + nrest;
    if (total < PHONE_MIN_DIGITS) {
        return refuse(e, "has too few digits");
    }
    if (total > PHONE_MAX_DIGITS) {
        return refuse(e, "has too many digits");
    }
    out[0] = '+';
    memcpy(out + 1, cc, ncc);
    memcpy(out + 1 + ncc, rest, nrest);
    out[1 + total] = '\0';
    return RK_OK;
}

/* ---- Text -------------------------------------------------------------- */

rk_err rk_norm_text(const char *in, size_t max_chars, bool multiline, const char **start,
                    size_t *len, struct rk_error *e) {
    assert(in != NULL && start != NULL && len != NULL);
    const char *s = in;
    size_t n = strlen(in);
    if (!rk_utf8_valid(s, n)) {
        return refuse(e, "is not valid UTF-8");
    }
    trim(&s, &n);
    size_t chars = 0;
    unsigned long prev = 0;
    for (size_t i = 0; i < n;) {
        unsigned char b = (unsigned char)s[i];
        if (b >= 0x20 && b < 0x7F) { /* printable ASCII, without decoding */
            prev = b;
            i++;
            chars++;
            continue;
        }
        unsigned long cp;
        size_t k = rk_utf8_decode((const unsigned char *)s + i, n - i, &cp);
        assert(k > 0); /* validated above */
        enum text_class c = class_at((const unsigned char *)s, n, i, k, cp, prev, multiline);
        if (c != TC_OK) {
            return refuse(e, class_why(c, multiline));
        }
        prev = cp;
        i += k;
        chars++;
    }
    if (chars > max_chars) {
        return refuse(e, "is too long");
    }
    *start = s;
    *len = n;
    return RK_OK;
}
