/*
 * search_index.h — the people search's words: folding names and
 * organisations into words (design 1 of search.h) and keeping the word index
 * beside every entry the core writes (design 2). Below both the write rules
 * (core/register.c indexes each entry it writes) and the search itself
 * (core/search.c matches query words against them), so neither depends on
 * the other.
 */
#ifndef RK_SEARCH_INDEX_H
#define RK_SEARCH_INDEX_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

#define RK_SEARCH_WORD_MAX 32 /* bytes of one folded word */
#define RK_SEARCH_WORDS    16 /* words kept of one value / used of one query */

/* Folds UTF-8 text in into out (size n > 0, always terminated): words of the rule above
 * separated by one space. Returns the length written. */
size_t rk_fold(const char *in, char *out, size_t n);

/* Splits in (raw text) into at most max folded words. Returns the number of words. */
size_t rk_fold_words(const char *in, char (*words)[RK_SEARCH_WORD_MAX + 1], size_t max);

/* Whether every one of the nq query words is a prefix of one of the nw words. */
bool rk_search_words_match(char (*q)[RK_SEARCH_WORD_MAX + 1], size_t nq,
                           char (*w)[RK_SEARCH_WORD_MAX + 1], size_t nw);

/* Replaces the words of entry e in the index (design 2). Called by the core's write path
 * inside its unit of work. */
RK_MUST_USE rk_err rk_search_index_entry(struct rk_store *st, const struct rk_entry *e);

#endif
