/*
 * fuzz_search.c — libFuzzer target for the people search's parsers of
 * outside input (core/search.c): the `after` cursor and the folding of a
 * query into words. For any bytes: a cursor that parses formats back to the
 * same text and parses again to the same cursor; folding writes valid UTF-8
 * holding no ASCII capital, no double space and nothing beyond its buffer;
 * every word is non-empty and at most RK_SEARCH_WORD_MAX bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/normalize.h"
#include "core/search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096 || memchr(data, 0, size))
        return 0;
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct rk_search_cursor c, back;
    if (rk_search_cursor_parse(s, &c)) {
        char out[RK_SEARCH_CURSOR_MAX];
        rk_search_cursor_format(&c, out);
        if (strcmp(out, s) != 0 || !rk_search_cursor_parse(out, &back) || back.pk != c.pk ||
            back.kind != c.kind || strcmp(back.key, c.key) != 0)
            abort();
    }
    char folded[64];
    size_t n = rk_fold(s, folded, sizeof folded);
    if (n >= sizeof folded || strlen(folded) != n || !rk_utf8_valid(folded, n) ||
        strstr(folded, "  ") || (n && (folded[0] == ' ' || folded[n - 1] == ' ')))
        abort();
    for (size_t i = 0; i < n; i++)
        if (folded[i] >= 'A' && folded[i] <= 'Z')
            abort();
    char words[RK_SEARCH_WORDS][RK_SEARCH_WORD_MAX + 1];
    size_t nw = rk_fold_words(s, words, RK_SEARCH_WORDS);
    for (size_t i = 0; i < nw; i++)
        if (!words[i][0] || strlen(words[i]) > RK_SEARCH_WORD_MAX ||
            !rk_utf8_valid(words[i], strlen(words[i])))
            abort();
    free(s);
    return 0;
}
