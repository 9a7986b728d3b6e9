/*
 * search.c — one page of the people search and the backfill of the word
 * index (design in search.h; the folding and the index's writes are in
 * search_index.c). Pure C over the store's interface: the SQL of the walks
 * is in store_sqlite.c.
 */
#include "core/search.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent.h"
#include "core/reg_impl.h"

/* ---- Cursors ---------------------------------------------------------------------------- */

bool rk_search_cursor_parse(const char *s, struct rk_search_cursor *out) {
    struct rk_search_cursor c;
    memset(&c, 0, sizeof c);
    if (!s || (s[0] != 'w' && s[0] != 'a'))
        return false;
    c.kind = s[0];
    const char *p = s + 1;
    size_t digits = strspn(p, "0123456789");
    if (digits == 0 || digits > 18 || p[digits] != '.' || (digits > 1 && p[0] == '0'))
        return false; /* one spelling per cursor: no leading zero */
    for (size_t i = 0; i < digits; i++)
        c.pk = c.pk * 10 + (p[i] - '0');
    p += digits + 1;
    size_t len = strlen(p);
    if (c.kind == 'w') {
        if (len == 0 || len % 2 || len / 2 > RK_SEARCH_WORD_MAX ||
            strspn(p, "0123456789abcdef") != len)
            return false;
        for (size_t i = 0; i < len / 2; i++) {
            unsigned hi = (unsigned)(p[2 * i] <= '9' ? p[2 * i] - '0' : p[2 * i] - 'a' + 10);
            unsigned lo = (unsigned)(p[2 * i + 1] <= '9' ? p[2 * i + 1] - '0' : p[2 * i + 1] - 'a' + 10);
            c.key[i] = (char)(hi << 4 | lo);
            if (c.key[i] == '\0')
                return false;
        }
    } else {
        rk_ts t;
        if (len != RK_TS_LEN || !rk_ts_parse(p, &t))
            return false;
        memcpy(c.key, p, len + 1);
    }
    *out = c;
    return true;
}

void rk_search_cursor_format(const struct rk_search_cursor *c, char *out) {
    int n = snprintf(out, RK_SEARCH_CURSOR_MAX, "%c%lld.", c->kind, (long long)c->pk);
    if (n < 0 || (size_t)n >= RK_SEARCH_CURSOR_MAX)
        return;
    if (c->kind == 'a') {
        snprintf(out + n, RK_SEARCH_CURSOR_MAX - (size_t)n, "%s", c->key);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    size_t at = (size_t)n;
    for (const unsigned char *k = (const unsigned char *)c->key;
         *k && at + 3 <= RK_SEARCH_CURSOR_MAX; k++) {
        out[at++] = hex[*k >> 4];
        out[at++] = hex[*k & 15];
    }
    out[at] = '\0';
}

/* ---- Indexing a database from before the index ----------------------------------------- */

struct backfill {
    struct rk_store *st;
    int64_t n;
    rk_err err;
};

static int backfill_entry(void *ctx, const struct rk_entry *e) {
    struct backfill *b = ctx;
    b->err = rk_search_index_entry(b->st, e);
    b->n++;
    return b->err != RK_OK;
}

rk_err rk_search_backfill(struct rk_reg *reg, int64_t *indexed, struct rk_error *msg) {
    bool built = true;
    *indexed = 0;
    rk_err err = rk_store_search_built(reg->store, &built);
    if (err != RK_OK || built) {
        if (err != RK_OK)
            err = rk_error_set(msg, err, NULL, "the search index: %s", rk_store_errmsg(reg->store));
        return err;
    }
    struct backfill b = {reg->store, 0, RK_OK};
    struct rk_work tx;
    if ((err = rk_reg_work_begin(reg, &tx)) == RK_OK) {
        err = rk_store_entries_all(reg->store, backfill_entry, &b);
        if (err == RK_OK)
            err = b.err;
        if (err == RK_OK)
            err = rk_store_search_built_set(reg->store);
        err = rk_reg_work_end(reg, &tx, err);
    }
    if (err != RK_OK)
        err = rk_error_set(msg, err, NULL, "indexing the entries for search: %s",
                           rk_store_errmsg(reg->store));
    else
        *indexed = b.n;
    return err;
}

/* ---- One page --------------------------------------------------------------------------- */

struct page {
    struct rk_reg *reg;
    const struct rk_view *view;
    const struct rk_search_query *q;
    char (*qw)[RK_SEARCH_WORD_MAX + 1];
    size_t nq;
    char (*ow)[RK_SEARCH_WORD_MAX + 1];
    size_t no;
    rk_search_hit_fn fn;
    void *ctx;
    struct rk_entry *entries; /* one per register */
    size_t nentries, cap;
    size_t shown, examined;
    bool more;
    struct rk_search_cursor last; /* the last candidate examined */
    char kind;
    char seen[RK_SEARCH_LIMIT_MAX][RK_ID_LEN + 1]; /* persons shown on this page */
    rk_err err;
};

void rk_search_entry_copy(struct rk_entry *dst, const struct rk_entry *src) {
    memcpy(dst, src, sizeof *dst);
    for (int f = 0; f < RK_F__COUNT; f++)
        if (src->v[f] && src->v[f] >= src->buf && src->v[f] < src->buf + sizeof src->buf)
            dst->v[f] = dst->buf + (src->v[f] - src->buf);
}

static int take_entry(void *ctx, const struct rk_entry *e) {
    struct page *p = ctx;
    if (p->nentries < p->cap)
        rk_search_entry_copy(&p->entries[p->nentries++], e);
    return 0;
}

/* The words of field f of the seen entries (f visible there) into w; returns the count. */
static size_t seen_words(const struct page *p, enum rk_field f,
                         char (*w)[RK_SEARCH_WORD_MAX + 1], size_t max) {
    size_t n = 0;
    for (size_t i = 0; i < p->nentries && n < max; i++) {
        const struct rk_entry *e = &p->entries[i];
        if (e->v[f] && rk_view_field(p->view, e->register_id, f))
            n += rk_fold_words(e->v[f], w + n, max - n);
    }
    return n;
}

#define SEEN_WORDS ((size_t)RK_SEARCH_WORDS * 4) /* words of one field over a person's entries */

static bool consent_matches(struct page *p, const char *person_id) {
    if (p->q->consent == RK_SEARCH_CONSENT_ANY || !p->q->purpose)
        return true;
    struct rk_consent_state st;
    if ((p->err = rk_store_consent_state_get(p->reg->store, person_id, p->q->purpose, &st)) !=
        RK_OK)
        return false;
    enum rk_consent_status now = rk_consent_effective(&st, p->q->now);
    switch (p->q->consent) {
    case RK_SEARCH_CONSENT_GIVEN: return now == RK_CONSENT_LIVE;
    case RK_SEARCH_CONSENT_WITHDRAWN: return now == RK_CONSENT_WITHDRAWN;
    case RK_SEARCH_CONSENT_EXPIRED: return now == RK_CONSENT_EXPIRED;
    case RK_SEARCH_CONSENT_NONE: return now == RK_CONSENT_NONE || now == RK_CONSENT_PENDING;
    default: return true;
    }
}

/* Whether the candidate passes the view and every filter (design 4). */
static bool candidate_matches(struct page *p, const char *person_id, rk_ts added) {
    if (p->q->since && added < p->q->since)
        return false;
    p->nentries = 0;
    if ((p->err = rk_view_entries(p->view, p->reg->store, person_id, take_entry, p)) != RK_OK ||
        p->nentries == 0)
        return false;
    if (p->q->register_id) {
        bool in = false;
        for (size_t i = 0; i < p->nentries && !in; i++)
            in = strcmp(p->entries[i].register_id, p->q->register_id) == 0;
        if (!in)
            return false;
    }
    char words[2 * SEEN_WORDS][RK_SEARCH_WORD_MAX + 1]; /* names' words, then organisations' */
    if (p->nq > 0) {
        size_t n = seen_words(p, RK_F_NAME, words, SEEN_WORDS);
        n += seen_words(p, RK_F_ORGANISATION, words + n, SEEN_WORDS);
        if (!rk_search_words_match(p->qw, p->nq, words, n))
            return false;
    }
    if (p->no > 0) {
        size_t n = seen_words(p, RK_F_ORGANISATION, words, SEEN_WORDS);
        if (!rk_search_words_match(p->ow, p->no, words, n))
            return false;
    }
    return consent_matches(p, person_id);
}

static int each_candidate(void *ctx, const struct rk_search_row *r) {
    struct page *p = ctx;
    if (p->shown == p->q->limit || p->examined == RK_SEARCH_EXAMINE) {
        p->more = true;
        return 1;
    }
    p->examined++;
    p->last.kind = p->kind;
    p->last.pk = r->pk;
    snprintf(p->last.key, sizeof p->last.key, "%s", r->key);
    if (!r->others)
        return 0; /* lacks another query word: counted, so that the walk stays bounded */
    for (size_t i = 0; i < p->shown; i++)
        if (strcmp(p->seen[i], r->person_id) == 0)
            return 0; /* found again under another word */
    if (!candidate_matches(p, r->person_id, r->added))
        return p->err != RK_OK;
    snprintf(p->seen[p->shown++], RK_ID_LEN + 1, "%s", r->person_id);
    return p->fn(p->ctx, r->person_id, r->added, p->entries, p->nentries) ? 1 : 0;
}

/* The word of n with the fewest words in the index under it (counted up to a cap, so a
 * common prefix costs a bounded read): the narrowest walk. */
static rk_err rarest(struct rk_store *st, char (*w)[RK_SEARCH_WORD_MAX + 1], size_t n, int field,
                     size_t *out) {
    int64_t best = INT64_MAX;
    *out = 0;
    for (size_t i = 0; i < n && n > 1; i++) {
        int64_t c = 0;
        rk_err err = rk_store_search_count(st, w[i], field, 20000, &c);
        if (err != RK_OK)
            return err;
        if (c < best || (c == best && strlen(w[i]) > strlen(w[*out])))
            best = c, *out = i;
    }
    return RK_OK;
}

rk_err rk_search_persons(struct rk_reg *reg, const struct rk_view *view,
                         const struct rk_search_query *q, rk_search_hit_fn fn, void *ctx,
                         bool *more, struct rk_search_cursor *next, struct rk_error *msg) {
    struct page *p = calloc(1, sizeof *p);
    char(*qw)[RK_SEARCH_WORD_MAX + 1] = calloc((size_t)2 * RK_SEARCH_WORDS, sizeof *qw);
    size_t cap = reg->decl->nregisters ? reg->decl->nregisters : 1;
    struct rk_entry *entries = calloc(cap, sizeof *entries);
    rk_err err = RK_OK;
    if (!p || !qw || !entries) {
        err = RK_ENOMEM;
        goto out;
    }
    *p = (struct page){.reg = reg, .view = view, .q = q, .qw = qw, .ow = qw + RK_SEARCH_WORDS,
                       .fn = fn, .ctx = ctx, .entries = entries, .cap = cap};
    p->nq = q->q ? rk_fold_words(q->q, p->qw, RK_SEARCH_WORDS) : 0;
    p->no = q->organisation ? rk_fold_words(q->organisation, p->ow, RK_SEARCH_WORDS) : 0;
    if ((q->q && p->nq == 0) || (q->organisation && p->no == 0)) {
        err = rk_error_set(msg, RK_EINVAL, NULL,
                           "%s holds no letter or digit to search by: give a part of a name or an "
                           "organisation",
                           q->q && p->nq == 0 ? "q" : "organisation");
        goto out;
    }
    const struct rk_search_cursor *after = q->after;
    if (p->nq > 0 || p->no > 0) {
        p->kind = 'w';
        char(*by)[RK_SEARCH_WORD_MAX + 1] = p->nq > 0 ? p->qw : p->ow;
        int field = p->nq > 0 ? -1 : (int)RK_F_ORGANISATION;
        size_t i = 0;
        if (after && after->kind != 'w')
            after = NULL;
        /* A cursor names a word of the walk it came from: go on with that walk. */
        for (size_t k = 0; after && k < (p->nq > 0 ? p->nq : p->no); k++)
            if (strncmp(after->key, by[k], strlen(by[k])) == 0)
                i = k + 1;
        if (i > 0)
            i--;
        else if ((err = rarest(reg->store, by, p->nq > 0 ? p->nq : p->no, field, &i)) != RK_OK)
            goto failed;
        /* Two more query words narrow the walk in the index (a necessary condition: each
         * candidate is still checked against what the role sees). */
        const char *also[2];
        size_t nalso = 0, nby = p->nq > 0 ? p->nq : p->no;
        for (size_t k = 0; k < nby && nalso < 2; k++)
            if (k != i)
                also[nalso++] = by[k];
        err = rk_store_search_words(reg->store, by[i], field, also, nalso, after ? after->key : NULL,
                                    after ? after->pk : 0, each_candidate, p);
    } else {
        p->kind = 'a';
        rk_ts before = 0;
        if (after && (after->kind != 'a' || !rk_ts_parse(after->key, &before)))
            after = NULL, before = 0;
        err = rk_store_search_people(reg->store, q->since, before, after ? after->pk : 0,
                                     each_candidate, p);
    }
    if (err == RK_OK)
        err = p->err;
failed:
    if (err != RK_OK) {
        err = rk_error_set(msg, err, NULL, "the register's storage is not available");
        goto out;
    }
    *more = p->more;
    if (p->more)
        *next = p->last;
out:
    free(entries);
    free(qw);
    free(p);
    return err;
}
