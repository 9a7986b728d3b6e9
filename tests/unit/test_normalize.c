/*
 * test_normalize.c — tables of what people type and what the register makes
 * of it: email addresses, phone numbers, UTF-8 and text fields
 * (base/normalize.c), the contact fields built on them (base/contact.c), and
 * pseudonymous ids (base/id.c). Every refusal is checked to leave the output
 * untouched and to explain itself without quoting the input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/contact.h"
#include "base/id.h"
#include "base/normalize.h"
#include "util/buf.h"

#define SENTINEL 'Q'

/* A why phrase must exist and must not repeat the (personal) value. */
static void check_why(const char *why, const char *in) {
    assert_non_null(why);
    assert_true(why[0] != '\0');
    if (strlen(in) >= 3)
        assert_null(strstr(why, in));
    /* Every failing row below mentions this name somewhere in its value. */
    assert_null(strstr(why, "matti"));
}

/* ---- Email ------------------------------------------------------------- */

struct email_case {
    const char *in;
    const char *want; /* NULL: must be refused */
};

static const struct email_case email_cases[] = {
    /* accepted */
    {"matti.meikalainen@example.fi", "matti.meikalainen@example.fi"},
    {"  Matti.M@Example.FI \n", "Matti.M@example.fi"},
    {"\tmatti@EXAMPLE.fi\r\n", "matti@example.fi"},
    {"a@b.co", "a@b.co"},
    {"matti+news@mail.sub.example.com", "matti+news@mail.sub.example.com"},
    {"o'brien@example.ie", "o'brien@example.ie"},
    {"!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~@example.com"},
    {"matti_m-2@1st-example.fi", "matti_m-2@1st-example.fi"},
    {"jörg.müller@example.de", "jörg.müller@example.de"},
    {"Matti@XN--BCHER-KVA.example", "Matti@xn--bcher-kva.example"},
    {"matti@example.xn--p1ai", "matti@example.xn--p1ai"},
    {"matti@a-b.c-d.fi", "matti@a-b.c-d.fi"},
    {"MATTI@EXAMPLE.FI", "MATTI@example.fi"},
    /* refused */
    {"", NULL},
    {"   \t ", NULL},
    {"matti.example.fi", NULL},
    {"matti@x@example.fi", NULL},
    {"\"matti x\"@example.fi", NULL},
    {"\"matti@x\"@example.fi", NULL},
    {"@example.fi", NULL},
    {"matti@", NULL},
    {"matti@localhost", NULL},
    {".matti@example.fi", NULL},
    {"matti.@example.fi", NULL},
    {"mat..ti@example.fi", NULL},
    {"matti@example..fi", NULL},
    {"matti@.example.fi", NULL},
    {"matti@example.fi.", NULL},
    {"matti@-example.fi", NULL},
    {"matti@example-.fi", NULL},
    {"matti@exa_mple.fi", NULL},
    {"matti@example.f", NULL},
    {"matti@example.123", NULL},
    {"matti@192.168.0.1", NULL},
    {"matti@[192.168.0.1]", NULL},
    {"mat ti@example.fi", NULL},
    {"matti@exam ple.fi", NULL},
    {"matti@exa\tmple.fi", NULL},
    {"matti\x01@example.fi", NULL},
    {"matti\x7f@example.fi", NULL},
    {"matti\xc2\x85@example.fi", NULL}, /* U+0085, a C1 control */
    {"matti\xc3@example.fi", NULL},     /* truncated UTF-8 */
    {"matti\xc0\xae@example.fi", NULL}, /* overlong '.' */
    {"matti@bücher.de", NULL},          /* domain must be punycode */
    {"matti(x)@example.fi", NULL},
    {"matti,x@example.fi", NULL},
    {"matti\\x@example.fi", NULL},
    {"matti<x>@example.fi", NULL},
    {"matti@example.fi>", NULL},
    {"matti@xn--.fi", NULL},
};

static void email_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof email_cases / sizeof email_cases[0]; i++) {
        const struct email_case *c = &email_cases[i];
        char out[RK_EMAIL_MAX + 1];
        memset(out, SENTINEL, sizeof out);
        struct rk_error why = RK_ERROR_INIT;
        rk_err rc = rk_norm_email(c->in, out, &why);
        if (c->want) {
            if (rc != RK_OK)
                print_error("row %zu: refused (%s)\n", i, why.message[0] ? why.message : "?");
            assert_int_equal(rc, RK_OK);
            assert_string_equal(out, c->want);
        } else {
            if (rc == RK_OK)
                print_error("row %zu: accepted as %s\n", i, out);
            assert_int_equal(rc, RK_EINVAL);
            check_why(why.message, c->in);
            assert_int_equal(out[0], SENTINEL);
        }
    }
}

/* Fills n bytes of s with 'a', NUL-terminated afterwards by the caller. */
static char *fill(char *s, size_t n) {
    memset(s, 'a', n);
    return s + n;
}

static void email_lengths(void **state) {
    (void)state;
    char in[400], out[RK_EMAIL_MAX + 1];
    struct rk_error why = RK_ERROR_INIT;

    /* Local part: 64 bytes are fine, 65 are not. */
    char *p = fill(in, 64);
    memcpy(p, "@example.fi", 12);
    assert_int_equal(rk_norm_email(in, out, &why), RK_OK);
    p = fill(in, 65);
    memcpy(p, "@example.fi", 12);
    assert_int_equal(rk_norm_email(in, out, &why), RK_EINVAL);

    /* Domain label: 63 bytes are fine, 64 are not. */
    p = in;
    *p++ = 'x';
    *p++ = '@';
    p = fill(p, 63);
    memcpy(p, ".fi", 4);
    assert_int_equal(rk_norm_email(in, out, &why), RK_OK);
    p = in + 2;
    p = fill(p, 64);
    memcpy(p, ".fi", 4);
    assert_int_equal(rk_norm_email(in, out, &why), RK_EINVAL);

    /* Total: 64 + 1 + 63 + 1 + 63 + 1 + 58 + 1 + 2 = 254 bytes are fine, 255 are not. */
    for (size_t extra = 0; extra < 2; extra++) {
        p = fill(in, 64);
        *p++ = '@';
        p = fill(p, 63);
        *p++ = '.';
        p = fill(p, 63);
        *p++ = '.';
        p = fill(p, 58 + extra);
        memcpy(p, ".fi", 4);
        assert_int_equal(strlen(in), 254 + extra);
        memset(out, SENTINEL, sizeof out);
        rk_err rc = rk_norm_email(in, out, &why);
        if (extra == 0) {
            assert_int_equal(rc, RK_OK);
            assert_int_equal(strlen(out), 254);
        } else {
            assert_int_equal(rc, RK_EINVAL);
            assert_int_equal(out[0], SENTINEL);
        }
    }

    /* Surrounding white space does not count towards the limits. */
    p = in;
    *p++ = ' ';
    p = fill(p, 64);
    memcpy(p, "@example.fi   ", 15);
    assert_int_equal(rk_norm_email(in, out, &why), RK_OK);
    assert_int_equal(strlen(out), 64 + 11);
}

static void email_why_is_null_safe(void **state) {
    (void)state;
    char out[RK_EMAIL_MAX + 1];
    assert_int_equal(rk_norm_email("no at sign", out, NULL), RK_EINVAL);
}

static void email_key(void **state) {
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Matti.M@x.fi", "matti.m@x.fi"},
        {"matti.m@x.fi", "matti.m@x.fi"},
        {"MATTI@EXAMPLE.FI", "matti@example.fi"},
        {"Jörg@x.de", "jörg@x.de"}, /* ASCII folding only; UTF-8 bytes are kept */
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[RK_EMAIL_MAX + 1];
        rk_email_key(cases[i].in, out);
        assert_string_equal(out, cases[i].want);
    }
    /* Two spellings of one address meet at one key. */
    char a[RK_EMAIL_MAX + 1], b[RK_EMAIL_MAX + 1], ka[RK_EMAIL_MAX + 1], kb[RK_EMAIL_MAX + 1];
    struct rk_error why = RK_ERROR_INIT;
    assert_int_equal(rk_norm_email(" Matti.M@X.FI", a, &why), RK_OK);
    assert_int_equal(rk_norm_email("matti.m@x.fi", b, &why), RK_OK);
    assert_string_not_equal(a, b);
    rk_email_key(a, ka);
    rk_email_key(b, kb);
    assert_string_equal(ka, kb);
}

/* ---- Phone ------------------------------------------------------------- */

struct phone_case {
    const char *in;
    const char *cc;
    const char *want; /* NULL: must be refused */
};

static const struct phone_case phone_cases[] = {
    /* accepted */
    {"040 172 3700", "358", "+358401723700"},
    {"+358 40 172 3700", "358", "+358401723700"},
    {"00358401723700", "358", "+358401723700"},
    {"00358 40 172 3700", "358", "+358401723700"},
    {"(09) 123 4567", "358", "+35891234567"},
    {"+1 (415) 555-2671", "358", "+14155552671"},
    {"040-172-3700", "358", "+358401723700"},
    {"040.172.3700", "358", "+358401723700"},
    {"040/172 3700", "358", "+358401723700"},
    {"  +358401723700 \n", "358", "+358401723700"},
    {"+358 (0)40 172 3700", "358", "+358401723700"},
    {"+44 (0)20 7946 0958", "358", "+442079460958"},
    {"(+358) 40 172 3700", "358", "+358401723700"},
    {"+ 358 40 172 3700", "358", "+358401723700"},
    {"(0)40 172 3700", "358", "+358401723700"},
    {"030 1234567", "49", "+49301234567"},
    {"0046 8 123 456 78", "358", "+46812345678"},
    {"+123456789012345", "358", "+123456789012345"},
    {"+1234567 8", "358", "+12345678"},
    {"0912345", "358", "+358912345"},
    /* refused */
    {"", "358", NULL},
    {"  ", "358", NULL},
    {"()-", "358", NULL},
    {"+", "358", NULL},
    {"0", "358", NULL},
    {"00", "358", NULL},
    {"+1234567", "358", NULL},
    {"09123", "358", NULL},
    {"+1234567890123456", "358", NULL},
    {"040 172 3700 1234 5678", "358", NULL},
    {"1234567890123456789012345678901234567890", "358", NULL},
    {"12345678", "358", NULL},
    {"401723700", "358", NULL},
    {"040 172 3700 ext 5", "358", NULL},
    {"O40 172 3700", "358", NULL},
    {"040#1723700", "358", NULL},
    {"040_172_3700", "358", NULL},
    {"040+1723700", "358", NULL},
    {"++358401723700", "358", NULL},
    {"358+401723700", "358", NULL},
    {"+0358401723700", "358", NULL},
    {"000358401723700", "358", NULL},
    {"\xef\xbc\x90\xef\xbc\x94\xef\xbc\x90 172 3700", "358", NULL}, /* full-width digits */
    {"040\t172\t3700", "358", NULL},
    {"040 172 3700", "", NULL},    /* no default country code */
    {"040 172 3700", "0x1", NULL}, /* not a country code */
};

static void phone_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof phone_cases / sizeof phone_cases[0]; i++) {
        const struct phone_case *c = &phone_cases[i];
        char out[RK_PHONE_MAX + 1];
        memset(out, SENTINEL, sizeof out);
        struct rk_error why = RK_ERROR_INIT;
        rk_err rc = rk_norm_phone(c->in, c->cc, out, &why);
        if (c->want) {
            if (rc != RK_OK)
                print_error("row %zu: refused (%s)\n", i, why.message[0] ? why.message : "?");
            assert_int_equal(rc, RK_OK);
            assert_string_equal(out, c->want);
        } else {
            if (rc == RK_OK)
                print_error("row %zu: accepted as %s\n", i, out);
            assert_int_equal(rc, RK_EINVAL);
            check_why(why.message, c->in);
            assert_int_equal(out[0], SENTINEL);
        }
    }
}

static void phone_reasons(void **state) {
    (void)state;
    char out[RK_PHONE_MAX + 1];
    struct rk_error why = RK_ERROR_INIT;
    assert_int_equal(rk_norm_phone("401723700", "358", out, &why), RK_EINVAL);
    assert_non_null(strstr(why.message, "needs a country code or a leading 0"));
    assert_int_equal(rk_norm_phone("+1234567890123456", "358", out, &why), RK_EINVAL);
    assert_non_null(strstr(why.message, "too many digits"));
    assert_int_equal(rk_norm_phone("+1234567", "358", out, &why), RK_EINVAL);
    assert_non_null(strstr(why.message, "too few digits"));
    assert_int_equal(rk_norm_phone("040 172 3700", NULL, out, &why), RK_EINVAL);
}

/* ---- UTF-8 ------------------------------------------------------------- */

struct utf8_case {
    const char *s;
    size_t len;
    bool valid;
};

#define U(lit, ok)                                                                                 \
    { (lit), sizeof(lit) - 1, (ok) }

static const struct utf8_case utf8_cases[] = {
    U("", true),
    U("abc", true),
    U("a\0b", true),                      /* U+0000 is a character like any other here */
    U("\xc3\xa4", true),                  /* U+00E4 */
    U("\xc2\x80", true),                  /* U+0080, smallest 2-byte */
    U("\xdf\xbf", true),                  /* U+07FF */
    U("\xe0\xa0\x80", true),              /* U+0800, smallest 3-byte */
    U("\xe2\x82\xac", true),              /* U+20AC */
    U("\xed\x9f\xbf", true),              /* U+D7FF, below the surrogates */
    U("\xee\x80\x80", true),              /* U+E000, above them */
    U("\xef\xbf\xbf", true),              /* U+FFFF */
    U("\xf0\x90\x80\x80", true),          /* U+10000, smallest 4-byte */
    U("\xf0\x9f\x98\x80", true),          /* U+1F600 */
    U("\xf4\x8f\xbf\xbf", true),          /* U+10FFFF */
    U("\xc0\xaf", false),                 /* overlong '/' */
    U("\xc1\xbf", false),                 /* overlong U+007F */
    U("\xe0\x80\xaf", false),             /* overlong '/' in 3 bytes */
    U("\xe0\x9f\xbf", false),             /* overlong U+07FF */
    U("\xf0\x80\x80\xaf", false),         /* overlong '/' in 4 bytes */
    U("\xf0\x8f\xbf\xbf", false),         /* overlong U+FFFF */
    U("\xed\xa0\x80", false),             /* U+D800, a surrogate */
    U("\xed\xbf\xbf", false),             /* U+DFFF */
    U("\xed\xa0\xbd\xed\xb8\x80", false), /* CESU-8 surrogate pair */
    U("\xf4\x90\x80\x80", false),         /* U+110000 */
    U("\xf5\x80\x80\x80", false),
    U("\xf8\x88\x80\x80\x80", false), /* 5-byte form */
    U("\xfe", false),
    U("\xff", false),
    U("\x80", false), /* lone continuation */
    U("a\xbf", false),
    U("\xc3", false), /* truncated */
    U("\xe2\x82", false),
    U("\xf0\x9f\x98", false),
    U("abc\xf0\x9f", false),
    U("\xc3\x28", false), /* bad continuation */
    U("\xe2\x28\xa1", false),
    U("\xf0\x9f\x28\x80", false),
};

static void utf8_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof utf8_cases / sizeof utf8_cases[0]; i++) {
        if (rk_utf8_valid(utf8_cases[i].s, utf8_cases[i].len) != utf8_cases[i].valid)
            print_error("row %zu: expected %s\n", i, utf8_cases[i].valid ? "valid" : "invalid");
        assert_int_equal(rk_utf8_valid(utf8_cases[i].s, utf8_cases[i].len), utf8_cases[i].valid);
    }
    /* len bounds the check: a truncated sequence past len is not looked at. */
    assert_true(rk_utf8_valid("ab\xc3", 2));
    assert_false(rk_utf8_valid("\xe2\x82\xac", 2));
}

static void utf8_length(void **state) {
    (void)state;
    assert_int_equal(rk_utf8_length(""), 0);
    assert_int_equal(rk_utf8_length("abc"), 3);
    assert_int_equal(rk_utf8_length("Meikäläinen"), 11);
    assert_int_equal(rk_utf8_length("\xe2\x82\xac"), 1);
    assert_int_equal(rk_utf8_length("\xf0\x9f\x98\x80!"), 2);
}

/* ---- Text -------------------------------------------------------------- */

struct text_case {
    const char *in;
    size_t max;
    bool multiline;
    const char *want; /* NULL: must be refused */
};

static const struct text_case text_cases[] = {
    {"  Matti Meikäläinen  ", 200, false, "Matti Meikäläinen"},
    {"\n Matti \r\n", 200, false, "Matti"},
    {"", 10, false, ""},
    {" \t ", 10, false, ""},
    {"Matti\tM", 200, true, "Matti\tM"},
    {"line 1\nline 2\r\n", 200, true, "line 1\nline 2"},
    {"äää", 3, false, "äää"},
    {"  abc  ", 3, false, "abc"},
    {"\xf0\x9f\x98\x80", 1, false, "\xf0\x9f\x98\x80"},
    {"Matti\tM", 200, false, NULL},
    {"line 1\nline 2", 200, false, NULL},
    {"line 1\rline 2", 200, false, NULL},
    {"Matti\x7f", 200, false, NULL},
    {"Matti\x7f", 200, true, NULL},
    {"Matti\xc2\x85", 200, true, NULL}, /* U+0085 NEL */
    {"Matti\x1b[31m", 200, true, NULL},
    {"Matti\x01", 200, true, NULL},
    {"Matti\vx", 200, true, NULL},
    {"äää", 2, false, NULL},
    {"abcd", 3, false, NULL},
    {"Matti\xc3", 200, false, NULL},
    {"Matti\xed\xa0\x80", 200, false, NULL},
};

static void text_table(void **state) {
    (void)state;
    for (size_t i = 0; i < sizeof text_cases / sizeof text_cases[0]; i++) {
        const struct text_case *c = &text_cases[i];
        const char *start = NULL;
        struct rk_error why = RK_ERROR_INIT;
        size_t len = 12345;
        rk_err rc = rk_norm_text(c->in, c->max, c->multiline, &start, &len, &why);
        if (c->want) {
            if (rc != RK_OK)
                print_error("row %zu: refused (%s)\n", i, why.message[0] ? why.message : "?");
            assert_int_equal(rc, RK_OK);
            assert_int_equal(len, strlen(c->want));
            assert_memory_equal(start, c->want, len);
            assert_true(start >= c->in && start + len <= c->in + strlen(c->in));
        } else {
            if (rc == RK_OK)
                print_error("row %zu: accepted\n", i);
            assert_int_equal(rc, RK_EINVAL);
            assert_null(start);
            assert_int_equal(len, 12345);
            check_why(why.message, c->in);
        }
    }
}

static void text_limits(void **state) {
    (void)state;
    char s[1000];
    const char *start;
    struct rk_error why = RK_ERROR_INIT;
    size_t len;
    /* 200 code points of two bytes each: 400 bytes, within a 200-character limit. */
    for (size_t i = 0; i < 200; i++)
        memcpy(s + 2 * i, "\xc3\xa4", 2);
    s[400] = '\0';
    assert_int_equal(rk_norm_text(s, 200, false, &start, &len, &why), RK_OK);
    assert_int_equal(len, 400);
    memcpy(s + 400, "a", 2);
    assert_int_equal(rk_norm_text(s, 200, false, &start, &len, &why), RK_EINVAL);
    /* ASCII: exactly the limit, and one more. */
    memset(s, 'a', 200);
    s[200] = '\0';
    assert_int_equal(rk_norm_text(s, 200, false, &start, &len, &why), RK_OK);
    s[200] = 'a';
    s[201] = '\0';
    assert_int_equal(rk_norm_text(s, 200, false, &start, &len, &why), RK_EINVAL);
}

/* ---- Characters refused in text ---------------------------------------- */

/* UTF-8 of cp (1–4 bytes) and a NUL into out. */
static void utf8_put(unsigned long cp, char out[5]) {
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp, o[1] = 0;
    } else if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6), o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        o[2] = 0;
    } else if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F)), o[3] = 0;
    } else {
        o[0] = (unsigned char)(0xF0 | cp >> 18);
        o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F)), o[4] = 0;
    }
}

/* Each class of the table, and every Cc and Cf code point of Unicode 15.1, with the word its
 * reason must hold. */
static const struct {
    unsigned long lo, hi;
    const char *word;
} refused_chars[] = {
    {0x0001, 0x0008, "control"},        {0x000B, 0x000C, "control"},
    {0x000E, 0x001F, "control"},        {0x007F, 0x009F, "control"},
    {0x061C, 0x061C, "direction"},      {0x200E, 0x200F, "direction"},
    {0x202A, 0x202E, "direction"},      {0x2066, 0x2069, "direction"},
    {0x00AD, 0x00AD, "invisible"},      {0x0600, 0x0605, "invisible"},
    {0x06DD, 0x06DD, "invisible"},      {0x070F, 0x070F, "invisible"},
    {0x0890, 0x0891, "invisible"},      {0x08E2, 0x08E2, "invisible"},
    {0x180E, 0x180E, "invisible"},      {0x200B, 0x200B, "invisible"},
    {0x2060, 0x2064, "invisible"},      {0x206A, 0x206F, "invisible"},
    {0xFEFF, 0xFEFF, "invisible"},      {0xFFF9, 0xFFFB, "invisible"},
    {0x110BD, 0x110BD, "invisible"},    {0x110CD, 0x110CD, "invisible"},
    {0x13430, 0x1343F, "invisible"},    {0x1BCA0, 0x1BCA3, "invisible"},
    {0x1D173, 0x1D17A, "invisible"},    {0xE0000, 0xE007F, "invisible"},
    {0x200C, 0x200D, "joiner"},         {0x2028, 0x2029, "separator"},
    {0xFDD0, 0xFDEF, "noncharacter"},   {0xFFFE, 0xFFFF, "noncharacter"},
    {0x1FFFE, 0x1FFFF, "noncharacter"}, {0x10FFFE, 0x10FFFF, "noncharacter"},
    {0x115F, 0x1160, "filler"},         {0x3164, 0x3164, "filler"},
    {0xFFA0, 0xFFA0, "filler"},
};

/* Every refused code point, alone and inside a Latin name, in every way a text comes in:
 * one-line and multi-line text fields, a name, and an email's local part. */
static void text_refused_characters(void **state) {
    (void)state;
    for (size_t r = 0; r < sizeof refused_chars / sizeof refused_chars[0]; r++) {
        for (unsigned long cp = refused_chars[r].lo; cp <= refused_chars[r].hi; cp++) {
            char ch[5], in[64], email[64], buf[128];
            utf8_put(cp, ch);
            snprintf(in, sizeof in, "Matti %sMeikäläinen", ch);
            snprintf(email, sizeof email, "matti%s@example.fi", ch);
            for (int ml = 0; ml < 2; ml++) {
                const char *start = NULL;
                struct rk_error why = RK_ERROR_INIT;
                size_t len = 0;
                if (rk_norm_text(in, 200, ml, &start, &len, &why) != RK_EINVAL)
                    fail_msg("U+%04lX accepted (multiline %d)", cp, ml);
                check_why(why.message, in);
                assert_non_null(strstr(why.message, refused_chars[r].word));
                assert_string_equal(rk_text_fault(in, strlen(in), ml), why.message);
                assert_non_null(rk_norm_why_fi(why.message));
                assert_string_equal(why.message_fi, rk_norm_why_fi(why.message));
                assert_int_equal(why.code, RK_EINVAL);
            }
            struct rk_error why = RK_ERROR_INIT;
            memset(buf, SENTINEL, sizeof buf);
            if (rk_field_normalize(RK_F_NAME, in, buf, sizeof buf, &why) != RK_EINVAL)
                fail_msg("U+%04lX accepted in a name", cp);
            assert_int_equal(buf[0], SENTINEL);
            if (rk_field_normalize(RK_F_EMAIL, email, buf, sizeof buf, &why) != RK_EINVAL)
                fail_msg("U+%04lX accepted in an email", cp);
            assert_int_equal(buf[0], SENTINEL);
        }
    }
    /* Tab, LF and CR: refused in one line, kept in many. */
    const char *start;
    struct rk_error why = RK_ERROR_INIT;
    size_t len;
    assert_int_equal(rk_norm_text("a\tb\r\nc", 200, false, &start, &len, &why), RK_EINVAL);
    assert_int_equal(rk_norm_text("a\tb\r\nc", 200, true, &start, &len, &why), RK_OK);
    assert_null(rk_text_fault("a\tb\r\nc", 6, true));
    assert_non_null(rk_text_fault("a\tb\r\nc", 6, false));
    /* A multi-line contact field refuses the same format characters as a one-line one. */
    char buf[64];
    assert_int_equal(rk_field_normalize(RK_F_INTERESTS,
                                        "purjehdus\n\xe2\x80\xae"
                                        "shakki",
                                        buf, sizeof buf, &why),
                     RK_EINVAL);
    assert_non_null(strstr(why.message, "direction"));
}

/* Ordinary text of every script is accepted as it is, in a name and a multi-line field. */
static void text_ordinary_scripts(void **state) {
    (void)state;
    static const char *const ok[] = {
        "Matti Meikäläinen",                /* Finnish */
        "Ääkkönen Öhman Åberg",             /* Finnish and Swedish capitals */
        "Ma\xcc\x88tti a\xcc\x88o\xcc\x88", /* combining diaeresis (decomposed ä, ö) */
        "Zoë Ñúñez Łukasz Øvergård",        /* Latin with diacritics */
        "Дмитрий Шостакович",               /* Cyrillic */
        "Νίκος Καζαντζάκης",                /* Greek */
        "محمد عبد الله",                    /* Arabic */
        "דוד בן-גוריון",                    /* Hebrew */
        "שָׁלוֹם",                             /* Hebrew with points (combining) */
        "王小明",                           /* CJK */
        "山田 太郎",                        /* Japanese */
        "김민준",                           /* Hangul syllables */
        "สมชาย ใจดี",                        /* Thai (combining vowels) */
        "देवनागरी नाम",                      /* Devanagari */
        "\xd9\x85\xdb\x8c\xe2\x80\x8c\xd8\xae\xd9\x88\xd8\xa7\xd9\x87\xd9\x85", /* Persian: ZWNJ */
        "\xe0\xa4\x95\xe0\xa5\x8d\xe2\x80\x8d\xe0\xa4\xb7", /* Devanagari: virama ZWJ */
        "Matti 😀 🇫🇮",                                       /* emoji, a flag */
        "👩\xe2\x80\x8d💻 👍🏽",                    /* ZWJ sequence, skin tone */
        "🏳\xef\xb8\x8f\xe2\x80\x8d🌈",                 /* VS16 ZWJ */
        "❤\xef\xb8\x8f\xe2\x80\x8d🔥",                       /* VS16 ZWJ */
        "O'Brien-Smith, Jr. (Esimerkki Oy) #1 50 % & <b>",  /* punctuation and symbols */
        "Matti\xc2\xa0Meikäläinen",                         /* a no-break space */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        const char *start = NULL;
        struct rk_error why = RK_ERROR_INIT;
        size_t len = 0;
        for (int ml = 0; ml < 2; ml++) {
            if (rk_norm_text(ok[i], 200, ml, &start, &len, &why) != RK_OK)
                fail_msg("row %zu refused: %s", i, why.message[0] ? why.message : "?");
            assert_int_equal(len, strlen(ok[i]));
        }
        assert_null(rk_text_fault(ok[i], strlen(ok[i]), false));
        char buf[256];
        assert_int_equal(rk_field_normalize(RK_F_NAME, ok[i], buf, sizeof buf, &why), RK_OK);
        assert_string_equal(buf, ok[i]);
        struct rk_buf b;
        rk_buf_init(&b);
        rk_text_put_visible(&b, ok[i], false);
        assert_int_equal(rk_buf_status(&b), RK_OK);
        assert_string_equal(b.data, ok[i]);
        rk_buf_cleanup(&b);
    }
}

/* The joiners only between letters of a script that spells with them, or inside an emoji. */
static void text_joiner_context(void **state) {
    (void)state;
    static const char *const refused_here[] = {
        "Ma\xe2\x80\x8dtti",                        /* ZWJ between Latin letters */
        "Ma\xe2\x80\x8ctti",                        /* ZWNJ between Latin letters */
        "\xe2\x80\x8cMatti",                        /* at the start */
        "\xd9\x85\xdb\x8c\xe2\x80\x8c",             /* Persian, at the end */
        "\xd9\x85\xdb\x8c\xe2\x80\x8c Matti",       /* Persian, then a space */
        "😀\xe2\x80\x8c😀",                           /* ZWNJ between emoji */
        "😀\xe2\x80\x8d",                            /* ZWJ after an emoji, at the end */
        "😀\xe2\x80\x8dMatti",                       /* ZWJ between an emoji and a letter */
        "王\xe2\x80\x8d明",                         /* CJK */
        "\xd9\x85\xe2\x80\x8c\xe2\x80\x8c\xd9\x85", /* two in a row */
    };
    for (size_t i = 0; i < sizeof refused_here / sizeof refused_here[0]; i++) {
        const char *why = rk_text_fault(refused_here[i], strlen(refused_here[i]), true);
        if (!why || !strstr(why, "joiner"))
            fail_msg("row %zu: %s", i, why ? why : "accepted");
    }
}

/* Stored values shown on a terminal: what the rule refuses is written out visibly. */
static void text_put_visible(void **state) {
    (void)state;
    static const struct {
        const char *in, *want;
    } cases[] = {
        {"Matti \xe2\x80\xaenenokkiV", "Matti \\u202EnenokkiV"},
        {"a\xe2\x81\xa6"
         "b\xe2\x81\xa9",
         "a\\u2066b\\u2069"},
        {"line\nbreak\ttab\x1b[31m", "line\\u000Abreak\\u0009tab\\u001B[31m"},
        {"zero\xe2\x80\x8bwidth\xc2\xad", "zero\\u200Bwidth\\u00AD"},
        {"tag\xf3\xa0\x81\x81", "tag\\U000E0041"},
        {"Ma\xe2\x80\x8dtti", "Ma\\u200Dtti"},
        {"back\\slash \\u202E", "back\\\\slash \\\\u202E"},
        {"bad \xff byte \xc3", "bad \\xFF byte \\xC3"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct rk_buf b;
        rk_buf_init(&b);
        rk_buf_puts(&b, "");
        rk_text_put_visible(&b, cases[i].in, false);
        assert_int_equal(rk_buf_status(&b), RK_OK);
        assert_string_equal(b.data ? b.data : "", cases[i].want);
        rk_buf_cleanup(&b);
    }
    /* Multi-line: tabs, line feeds and CR LF stay; a lone CR (which would overwrite the line) and
     * the rest do not. */
    struct rk_buf b;
    rk_buf_init(&b);
    rk_text_put_visible(&b, "rivi 1\r\nrivi 2\ttab\rCR\x1b\xe2\x80\xae", true);
    assert_int_equal(rk_buf_status(&b), RK_OK);
    assert_string_equal(b.data, "rivi 1\r\nrivi 2\ttab\\u000DCR\\u001B\\u202E");
    rk_buf_cleanup(&b);
    /* A joiner kept only while its neighbours are: U+0600 is escaped, so is the joiner after it. */
    rk_buf_init(&b);
    rk_text_put_visible(&b, "\xd8\x80\xe2\x80\x8c\xd9\x85", false);
    assert_string_equal(b.data, "\\u0600\\u200C\xd9\x85");
    rk_buf_cleanup(&b);
}

/* The Finnish of the text reasons the public pages show. */
static void text_why_finnish(void **state) {
    (void)state;
    const char *why = rk_text_fault("a\xe2\x80\xae", 4, false);
    assert_non_null(why);
    assert_non_null(strstr(rk_norm_why_fi(why), "suuntaa"));
    assert_string_equal(rk_norm_why_fi("is empty"), "on tyhjä");
    assert_string_equal(rk_norm_why_fi("has no '@'"), "ei sisällä @-merkkiä");
    assert_null(rk_norm_why_fi("no such phrase"));
    assert_null(rk_norm_why_fi(NULL));
}

/* 100 letters, to build overlong parts of addresses. */
#define RK_TEST_AS                                                                                 \
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "aaaaaaaa"

/* Every reason an email or a phone number is refused with has its Finnish (the console and the
 * API's "fi" show it beside the field). */
static void email_phone_why_finnish(void **state) {
    (void)state;
    char long_local[80], long_label[90], long_all[300];
    snprintf(long_local, sizeof long_local, "%.65s@example.fi", RK_TEST_AS);
    snprintf(long_label, sizeof long_label, "a@%.64s.fi", RK_TEST_AS);
    snprintf(long_all, sizeof long_all, "%.250s@example.fi", RK_TEST_AS RK_TEST_AS RK_TEST_AS);
    const char *const emails[] = {
        "", long_all, "a b@example.fi", "\"a\"@example.fi", "a@b@example.fi", "example.fi",
        "@example.fi", long_local, ".a@example.fi", "a..b@example.fi", "a(b@example.fi",
        "a@", "a@localhost", "a@example..fi", long_label, "a@\xc3\xa4.fi", "a@-x.fi",
        "a@example.f", "\xff@example.fi",
    };
    for (size_t i = 0; i < sizeof emails / sizeof emails[0]; i++) {
        char out[RK_EMAIL_MAX + 1];
        struct rk_error why = RK_ERROR_INIT;
        if (rk_norm_email(emails[i], out, &why) == RK_OK)
            fail_msg("email %zu was accepted", i);
        if (!why.message[0] || !rk_norm_why_fi(why.message))
            fail_msg("email %zu: no Finnish for '%s'", i, why.message[0] ? why.message : "(none)");
    }
    const char *const phones[] = {
        "", "+3584012345678901234", "040+1234567", "040abc1234", "040#1234567", "-- --",
        "40 123 4567", "+0123456789", "012",
    };
    for (size_t i = 0; i < sizeof phones / sizeof phones[0]; i++) {
        char out[RK_PHONE_MAX + 1];
        struct rk_error why = RK_ERROR_INIT;
        if (rk_norm_phone(phones[i], "358", out, &why) == RK_OK)
            fail_msg("phone %zu was accepted", i);
        if (!why.message[0] || !rk_norm_why_fi(why.message))
            fail_msg("phone %zu: no Finnish for '%s'", i, why.message[0] ? why.message : "(none)");
    }
    char out[RK_PHONE_MAX + 1];
    struct rk_error why = RK_ERROR_INIT;
    assert_int_not_equal(rk_norm_phone("40 123 4567", "", out, &why), RK_OK);
    assert_non_null(rk_norm_why_fi(why.message));
}

/* ---- Contact fields ---------------------------------------------------- */

static void field_ids(void **state) {
    (void)state;
    static const char *const ids[RK_F__COUNT] = {"name",     "email",        "phone",
                                                 "position", "organisation", "interests"};
    for (int f = 0; f < RK_F__COUNT; f++) {
        assert_string_equal(rk_field_id((enum rk_field)f), ids[f]);
        assert_int_equal(rk_field_from_id(ids[f]), f);
    }
    assert_int_equal(rk_field_from_id("Email"), -1);
    assert_int_equal(rk_field_from_id(""), -1);
    assert_int_equal(rk_field_from_id("address"), -1);
    assert_int_equal(rk_field_from_id(NULL), -1);
}

static void field_normalize(void **state) {
    (void)state;
    static const struct {
        enum rk_field f;
        const char *raw, *want;
    } cases[] = {
        {RK_F_EMAIL, " Matti.M@Example.FI ", "Matti.M@example.fi"},
        {RK_F_PHONE, "040 172 3700", "+358401723700"},
        {RK_F_NAME, "  Matti Meikäläinen ", "Matti Meikäläinen"},
        {RK_F_POSITION, "CEO\n", "CEO"},
        {RK_F_ORGANISATION, "Esimerkki Oy", "Esimerkki Oy"},
        {RK_F_INTERESTS, "sailing\nchess\n", "sailing\nchess"},
        {RK_F_EMAIL, "matti@", NULL},
        {RK_F_PHONE, "401723700", NULL},
        {RK_F_NAME, "Matti\nMeikäläinen", NULL},
        {RK_F_NAME, "   ", NULL},
        {RK_F_ORGANISATION, "Oy\x01", NULL},
        {RK_F_INTERESTS, "", NULL},
        {RK_F_INTERESTS, "bad \xff byte", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[512];
        memset(buf, SENTINEL, sizeof buf);
        struct rk_error why = RK_ERROR_INIT;
        rk_err rc = rk_field_normalize(cases[i].f, cases[i].raw, buf, sizeof buf, &why);
        if (cases[i].want) {
            assert_int_equal(rc, RK_OK);
            assert_string_equal(buf, cases[i].want);
        } else {
            assert_int_equal(rc, RK_EINVAL);
            assert_true(why.message[0] != '\0');
            assert_string_equal(why.where, rk_field_id(cases[i].f)); /* the field it concerns */
            assert_int_equal(buf[0], SENTINEL);
        }
    }
}

static void field_limits(void **state) {
    (void)state;
    static const struct {
        enum rk_field f;
        size_t max;
    } limits[] = {
        {RK_F_NAME, RK_NAME_MAX},
        {RK_F_POSITION, RK_POSITION_MAX},
        {RK_F_ORGANISATION, RK_ORGANISATION_MAX},
        {RK_F_INTERESTS, RK_INTERESTS_MAX},
    };
    static char raw[RK_INTERESTS_MAX + 2], buf[RK_INTERESTS_MAX + 2];
    for (size_t i = 0; i < sizeof limits / sizeof limits[0]; i++) {
        struct rk_error why = RK_ERROR_INIT;
        memset(raw, 'x', limits[i].max);
        raw[limits[i].max] = '\0';
        assert_int_equal(rk_field_normalize(limits[i].f, raw, buf, sizeof buf, &why), RK_OK);
        assert_int_equal(strlen(buf), limits[i].max);
        raw[limits[i].max] = 'x';
        raw[limits[i].max + 1] = '\0';
        assert_int_equal(rk_field_normalize(limits[i].f, raw, buf, sizeof buf, &why), RK_EINVAL);
    }
}

static void field_buffer_too_small(void **state) {
    (void)state;
    struct rk_error why = RK_ERROR_INIT;
    char buf[8];
    memset(buf, SENTINEL, sizeof buf);
    assert_int_equal(rk_field_normalize(RK_F_NAME, "Matti Meikäläinen", buf, sizeof buf, &why),
                     RK_ETOOBIG);
    assert_true(why.message[0] != '\0');
    assert_int_equal(buf[0], SENTINEL);
    assert_int_equal(rk_field_normalize(RK_F_EMAIL, "matti@example.fi", buf, sizeof buf, &why),
                     RK_ETOOBIG);
    assert_int_equal(rk_field_normalize(RK_F_PHONE, "040 172 3700", buf, sizeof buf, &why),
                     RK_ETOOBIG);
    assert_int_equal(buf[0], SENTINEL);
    /* Exactly enough: seven bytes and the NUL. */
    assert_int_equal(rk_field_normalize(RK_F_NAME, " Matti M ", buf, sizeof buf, &why), RK_OK);
    assert_string_equal(buf, "Matti M");
}

/* ---- Ids --------------------------------------------------------------- */

#define NIDS 1000

static int cmp_id(const void *a, const void *b) { return strcmp(a, b); }

static void ids_random(void **state) {
    (void)state;
    assert_int_equal(rk_crypto_init(), RK_OK);
    assert_int_equal(rk_crypto_init(), RK_OK); /* again: harmless */
    static char ids[NIDS][RK_ID_LEN + 1];
    bool seen_first[32] = {false};
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    for (size_t i = 0; i < NIDS; i++) {
        memset(ids[i], SENTINEL, sizeof ids[i]);
        rk_id_new(ids[i]);
        assert_int_equal(strlen(ids[i]), RK_ID_LEN);
        assert_true(rk_id_valid(ids[i]));
        assert_int_equal(strspn(ids[i], alphabet), RK_ID_LEN);
        /* 128 bits in 26 characters: the last carries 3 bits and two zero bits. */
        assert_non_null(strchr("aeimquy4", ids[i][RK_ID_LEN - 1]));
        seen_first[strchr(alphabet, ids[i][0]) - alphabet] = true;
    }
    /* Every character shows up in the first position (chance of a miss: ~1e-12). */
    for (size_t c = 0; c < 32; c++)
        assert_true(seen_first[c]);
    qsort(ids, NIDS, sizeof ids[0], cmp_id);
    for (size_t i = 1; i < NIDS; i++)
        assert_string_not_equal(ids[i - 1], ids[i]);
}

static void ids_valid(void **state) {
    (void)state;
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {"abcdefghijklmnopqrstuvwxyz", true},   {"22222222222222222222222222", true},
        {"7777777777777777777777777q", true},   {"abcdefghijklmnopqrstuvwxy", false},
        {"abcdefghijklmnopqrstuvwxyza", false}, {"Abcdefghijklmnopqrstuvwxyz", false},
        {"abcdefghijklmnopqrstuvwxy1", false},  {"abcdefghijklmnopqrstuvwxy8", false},
        {"abcdefghijklmnopqrstuvwxy0", false},  {"abcdefghijklmnopqrstuvwxy=", false},
        {"abcdefghijklm opqrstuvwxyz", false},  {"", false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(rk_id_valid(cases[i].s), cases[i].ok);
    assert_false(rk_id_valid(NULL));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(email_table),
        cmocka_unit_test(email_lengths),
        cmocka_unit_test(email_why_is_null_safe),
        cmocka_unit_test(email_key),
        cmocka_unit_test(phone_table),
        cmocka_unit_test(phone_reasons),
        cmocka_unit_test(utf8_table),
        cmocka_unit_test(utf8_length),
        cmocka_unit_test(text_table),
        cmocka_unit_test(text_limits),
        cmocka_unit_test(text_refused_characters),
        cmocka_unit_test(text_ordinary_scripts),
        cmocka_unit_test(text_joiner_context),
        cmocka_unit_test(text_put_visible),
        cmocka_unit_test(text_why_finnish),
        cmocka_unit_test(email_phone_why_finnish),
        cmocka_unit_test(field_ids),
        cmocka_unit_test(field_normalize),
        cmocka_unit_test(field_limits),
        cmocka_unit_test(field_buffer_too_small),
        cmocka_unit_test(ids_random),
        cmocka_unit_test(ids_valid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
