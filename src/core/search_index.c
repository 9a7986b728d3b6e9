/*
 * search_index.c — folding names into words and keeping the word index
 * beside each entry (design in search.h, 1 and 2).
 */
#include "core/search_index.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- Folding ---------------------------------------------------------------------------- */

/* U+00C0..U+00FF: a base letter, ' ' for a separator, or a digit standing for two letters:
 * 3 ae, 4 th, 5 ss. */
static const char latin1[64 + 1] = "aaaaaa3ceeeeiiiidnooooo ouuuuy45"
                                   "aaaaaa3ceeeeiiiidnooooo ouuuuy4y";
/* U+0100..U+017F (Latin Extended-A): 1 ij, 2 oe. */
static const char latin_a[128 + 1] = "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii11jjkkk"
                                     "llllllllllnnnnnnnnnoooooo22rrrrrrssssssssttttttuuuuuuuuuuuu"
                                     "wwyyyzzzzzzs";

_Static_assert(sizeof latin1 == 65 && sizeof latin_a == 129, "one letter per code point");

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length (1 for a stray byte,
 * which then decodes as U+FFFD). */
static size_t utf8_next(const unsigned char *s, size_t n, unsigned *cp) {
    unsigned c = s[0];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || len > n) {
        *cp = 0xfffd;
        return 1;
    }
    unsigned v = len == 1 ? c : len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            *cp = 0xfffd;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3f);
    }
    if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
        v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
        *cp = 0xfffd; /* overlong, a surrogate or beyond Unicode: not a character */
        return 1;
    }
    *cp = v;
    return len;
}

/* What code point cp folds to: out gets up to 2 ASCII letters (returns their count), 0 for a
 * separator, -1 for a mark to drop, -2 for a letter of another script kept as it is. */
static int fold_cp(unsigned cp, char out[2]) {
    if (cp < 0x80) {
        if (cp >= 'A' && cp <= 'Z')
            cp += 'a' - 'A';
        if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
            out[0] = (char)cp;
            return 1;
        }
        return 0;
    }
    if (cp >= 0x300 && cp <= 0x36f) /* combining diacritical marks */
        return -1;
    char c;
    if (cp >= 0xc0 && cp <= 0xff)
        c = latin1[cp - 0xc0];
    else if (cp >= 0x100 && cp <= 0x17f)
        c = latin_a[cp - 0x100];
    else if (cp < 0xc0 || (cp >= 0x2000 && cp <= 0x206f) || cp == 0xfffd || cp == 0x3000)
        return 0; /* Latin-1 punctuation and symbols, general punctuation, stray bytes */
    else
        return -2;
    static const char *const pairs[] = {"ij", "oe", "ae", "th", "ss"};
    if (c == ' ')
        return 0;
    if (c >= '1' && c <= '5') {
        memcpy(out, pairs[c - '1'], 2);
        return 2;
    }
    out[0] = c;
    return 1;
}

size_t rk_fold(const char *in, char *out, size_t n) {
    const unsigned char *s = (const unsigned char *)in;
    size_t left = strlen(in), len = 0;
    bool gap = false; /* a separator since the last letter */
    while (left > 0) {
        unsigned cp;
        size_t k = utf8_next(s, left, &cp);
        char two[2];
        int r = fold_cp(cp, two);
        const char *add = two;
        size_t m = r > 0 ? (size_t)r : 0;
        if (r == -2) {
            add = (const char *)s;
            m = k;
        }
        if (r == 0)
            gap = len > 0;
        if (m > 0) {
            if (len + (gap ? 1 : 0) + m + 1 > n)
                break;
            if (gap)
                out[len++] = ' ';
            gap = false;
            memcpy(out + len, add, m);
            len += m;
        }
        s += k;
        left -= k;
    }
    out[len] = '\0';
    return len;
}

size_t rk_fold_words(const char *in, char (*words)[RK_SEARCH_WORD_MAX + 1], size_t max) {
    char folded[1024];
    rk_fold(in, folded, sizeof folded);
    size_t nw = 0;
    for (char *p = folded; *p && nw < max;) {
        size_t len = strcspn(p, " ");
        size_t keep = len;
        if (keep > RK_SEARCH_WORD_MAX) { /* cut on a character boundary */
            keep = RK_SEARCH_WORD_MAX;
            while (keep > 0 && ((unsigned char)p[keep] & 0xc0) == 0x80)
                keep--;
        }
        bool dup = false;
        for (size_t i = 0; i < nw && !dup; i++)
            dup = strncmp(words[i], p, keep) == 0 && words[i][keep] == '\0';
        if (!dup && keep > 0) {
            memcpy(words[nw], p, keep);
            words[nw++][keep] = '\0';
        }
        p += len;
        p += *p == ' ';
    }
    return nw;
}

bool rk_search_words_match(char (*q)[RK_SEARCH_WORD_MAX + 1], size_t nq,
                           char (*w)[RK_SEARCH_WORD_MAX + 1], size_t nw) {
    for (size_t i = 0; i < nq; i++) {
        size_t len = strlen(q[i]);
        bool found = false;
        for (size_t j = 0; j < nw && !found; j++)
            found = strncmp(w[j], q[i], len) == 0;
        if (!found)
            return false;
    }
    return true;
}

rk_err rk_search_index_entry(struct rk_store *st, const struct rk_entry *e) {
    char words[2 * RK_SEARCH_WORDS][RK_SEARCH_WORD_MAX + 1];
    struct rk_search_word w[2 * RK_SEARCH_WORDS];
    size_t n = 0;
    static const enum rk_field fields[] = {RK_F_NAME, RK_F_ORGANISATION};
    for (size_t f = 0; f < 2; f++) {
        if (!e->v[fields[f]])
            continue;
        size_t k = rk_fold_words(e->v[fields[f]], words + n, RK_SEARCH_WORDS);
        for (size_t i = 0; i < k; i++)
            w[n + i] = (struct rk_search_word){words[n + i], fields[f]};
        n += k;
    }
    return rk_store_search_put(st, e->person_id, e->register_id, w, n);
}
