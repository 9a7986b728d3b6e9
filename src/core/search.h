/*
 * search.h — finding people for the staff console: folding names and
 * organisations into words that match regardless of case and Latin
 * diacritics ("meikalainen" finds "Meikäläinen"), keeping the word index
 * (table search_token, migration 0016) beside every entry the core writes,
 * and walking it a page at a time.
 *
 * Design:
 *  1. Folding is one pure function (rk_fold): ASCII lowercased, the letters
 *     of Latin-1 and Latin Extended-A mapped to their base letters (å ä ö →
 *     a a o, æ → ae, ß → ss, ł → l), combining marks dropped; anything else
 *     that is not a letter or digit of those blocks separates words; other
 *     scripts are kept as they are. A word is at most RK_SEARCH_WORD_MAX bytes.
 *  2. The index holds the words of an entry's name and organisation. The core
 *     writes it right after each entry (rk_search_index_entry, inside the same
 *     unit of work); an entry's words go with the entry (a trigger), and with
 *     the person on erasure.
 *  3. A page never scans the register: it walks one index (the words with the
 *     longest query word as prefix, or persons newest first) from a keyset
 *     cursor and stops after `limit` persons or RK_SEARCH_EXAMINE candidates,
 *     whichever comes first; the cursor then says where to go on.
 *  4. What the role sees decides (core/view.h): a candidate is shown only when
 *     every query word is a prefix of a word of a name or organisation the
 *     role sees, in a register the role sees; the filters (register,
 *     organisation, consent state for a purpose, added since) are checked on
 *     the same seen entries.
 */
#ifndef RK_SEARCH_H
#define RK_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/register.h"
#include "core/search_index.h"
#include "core/view.h"
#include "store/store.h"

#define RK_SEARCH_EXAMINE 2000 /* candidates one page may examine */
#define RK_SEARCH_LIMIT_MAX 100
#define RK_SEARCH_CURSOR_MAX (2 + 20 + 1 + 2 * RK_SEARCH_WORD_MAX + 1)

/* A keyset cursor: where the last page stopped in the index it walked. */
struct rk_search_cursor {
    char kind;   /* 'w': the word index; 'a': persons by when added */
    int64_t pk;  /* the person's internal key */
    char key[2 * RK_SEARCH_WORD_MAX + 1]; /* 'w': the word; 'a': the instant, ISO 8601 */
};

/* Parses a cursor from outside (the `after` parameter); false for anything malformed. */
bool rk_search_cursor_parse(const char *s, struct rk_search_cursor *out);

/* Formats c into out (RK_SEARCH_CURSOR_MAX bytes): "w<pk>.<hex word>" or "a<pk>.<instant>". */
void rk_search_cursor_format(const struct rk_search_cursor *c, char *out);

enum rk_search_consent {
    RK_SEARCH_CONSENT_ANY,
    RK_SEARCH_CONSENT_GIVEN, /* live now */
    RK_SEARCH_CONSENT_WITHDRAWN,
    RK_SEARCH_CONSENT_EXPIRED,
    RK_SEARCH_CONSENT_NONE,  /* never given (or only pending) */
};

struct rk_search_query {
    const char *q;            /* words of a name or organisation; NULL: everyone */
    const char *register_id;  /* NULL: any seen register */
    const char *organisation; /* words of the organisation; NULL: any */
    const char *purpose;      /* with consent */
    enum rk_search_consent consent;
    rk_ts since;              /* added at or after; 0: any time */
    const struct rk_search_cursor *after; /* NULL: the first page */
    size_t limit;             /* 1..RK_SEARCH_LIMIT_MAX */
    rk_ts now;
};

/* One person found: the entries the view sees (values unfiltered: the caller leaves out the
 * fields rk_view_field refuses). Non-zero return stops. */
typedef int (*rk_search_hit_fn)(void *ctx, const char *person_id, rk_ts added,
                                const struct rk_entry *entries, size_t n);

/*
 * Runs one page of q as view sees it (design above), calling fn for each person in index
 * order. *more is set when there may be more (then *next holds where to go on). Errors:
 * RK_EINVAL (msg says why: no word to search by), or the store's.
 */
RK_MUST_USE rk_err rk_search_persons(struct rk_reg *reg, const struct rk_view *view,
                                     const struct rk_search_query *q, rk_search_hit_fn fn,
                                     void *ctx, bool *more, struct rk_search_cursor *next,
                                     struct rk_error *msg);

/* Copies entry src into dst, its values pointing into dst's own buffer (an entry handed to a
 * callback lives only during the call). */
void rk_search_entry_copy(struct rk_entry *dst, const struct rk_entry *src);

/* Indexes every entry once, for a database written before migration 0016 (nothing when it
 * has been done); *indexed is the number of entries indexed. One transaction. */
RK_MUST_USE rk_err rk_search_backfill(struct rk_reg *reg, int64_t *indexed, struct rk_error *msg);

#endif
