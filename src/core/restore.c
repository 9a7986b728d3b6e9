/*
 * restore.c — re-applying the erasure journal to a restored database (see
 * restore.h; the design is numbered in core/journal.h): the journal read and
 * verified whole, the containment check, then each record the database lacks
 * erased again through the rights (rk_rights_erase), its hashes suppressed
 * and its id marked, one unit of work per record.
 */
#include "core/restore.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/reg_impl.h"
#include "core/rights.h"

/* ---- Replay -------------------------------------------------------------------------------- */

struct recs {
    struct rk_journal_rec *v;
    size_t n, cap;
};

static int keep_rec(void *ctx, const struct rk_journal_rec *r) {
    struct recs *rs = ctx;
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? rs->cap * 2 : 64;
        struct rk_journal_rec *v = realloc(rs->v, cap * sizeof *v);
        if (!v)
            return 1;
        rs->v = v;
        rs->cap = cap;
    }
    rs->v[rs->n++] = *r;
    return 0;
}

static int cmp_id(const void *a, const void *b) { return strcmp(a, b); }

/* The database's record ids, each checked against the sorted journal ids. */
struct contain {
    const char (*ids)[RK_ID_LEN + 1];
    size_t n;
    char missing[RK_ID_LEN + 1];
    int64_t count;
};

static int check_contained(void *ctx, const char *id) {
    struct contain *c = ctx;
    if (!c->n || !bsearch(id, c->ids, c->n, sizeof c->ids[0], cmp_id)) {
        if (!c->count)
            snprintf(c->missing, sizeof c->missing, "%s", id);
        c->count++;
    }
    return 0;
}

/* The persons a record names: its person id and every holder of one of its hashes. */
struct targets {
    char id[RK_JOURNAL_HASHES_MAX * 2 + 1][RK_ID_LEN + 1];
    size_t n;
};

static void add_target(struct targets *t, const char *id) {
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->id[i], id) == 0)
            return;
    if (t->n < sizeof t->id / sizeof t->id[0])
        snprintf(t->id[t->n++], sizeof t->id[0], "%s", id);
}

static int target_entry(void *ctx, const struct rk_entry *e) {
    add_target(ctx, e->person_id);
    return 0;
}

/*
 * The held values whose hash under an older generation is one a record of
 * that generation names (design 10): found by one pass over the held values
 * per such generation, since the database holds only current hashes.
 */
struct old_hit {
    uint32_t gen;
    unsigned char h[RK_HASH_LEN];
    char person_id[RK_ID_LEN + 1];
};

struct old_hits {
    struct old_hit *v;
    size_t n, cap;
    /* during a pass: the generation, its lookup subkey and the sorted hashes wanted */
    uint32_t gen;
    struct rk_keys keys;
    unsigned char (*want)[RK_HASH_LEN];
    size_t nwant;
    bool oom;
};

static int cmp_hash(const void *a, const void *b) { return memcmp(a, b, RK_HASH_LEN); }

static int old_hit_value(void *ctx, const char *person_id, enum rk_field f, const char *value) {
    struct old_hits *o = ctx;
    unsigned char h[RK_HASH_LEN];
    rk_keys_hash(&o->keys, f, value, h);
    if (!bsearch(h, o->want, o->nwant, sizeof o->want[0], cmp_hash))
        return 0;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        struct old_hit *v = realloc(o->v, cap * sizeof *v);
        if (!v) {
            o->oom = true;
            return 1;
        }
        o->v = v;
        o->cap = cap;
    }
    struct old_hit *hit = &o->v[o->n++];
    hit->gen = o->gen;
    memcpy(hit->h, h, RK_HASH_LEN);
    snprintf(hit->person_id, sizeof hit->person_id, "%s", person_id);
    return 0;
}

/* One pass over the held values per generation older than the database's that a record to
 * re-apply (todo) is of. */
static rk_err find_old_hits(struct rk_reg *reg, const struct recs *rs, const bool *todo,
                            struct old_hits *o) {
    uint32_t cur = rk_keys_generation(&reg->keys);
    rk_err e = RK_OK;
    for (size_t i = 0; i < reg->keys.ngen && e == RK_OK; i++) {
        const struct rk_keygen *g = &reg->keys.gen[i];
        if (g->number >= cur)
            continue;
        o->nwant = 0;
        for (size_t j = 0; j < rs->n; j++)
            if (todo[j] && rs->v[j].gen == g->number)
                o->nwant += rs->v[j].nhashes;
        if (!o->nwant)
            continue;
        o->want = malloc(o->nwant * sizeof o->want[0]);
        if (!o->want)
            return RK_ENOMEM;
        o->nwant = 0;
        for (size_t j = 0; j < rs->n; j++)
            for (size_t k = 0; todo[j] && rs->v[j].gen == g->number && k < rs->v[j].nhashes; k++)
                memcpy(o->want[o->nwant++], rs->v[j].hashes[k].h, RK_HASH_LEN);
        qsort(o->want, o->nwant, sizeof o->want[0], cmp_hash);
        o->gen = g->number;
        rk_keys_of(g, &o->keys);
        e = rk_store_lookup_values(reg->store, old_hit_value, o);
        if (e == RK_OK && o->oom)
            e = RK_ENOMEM;
        sodium_memzero(&o->keys, sizeof o->keys);
        free(o->want);
        o->want = NULL;
    }
    return e;
}

static rk_err find_targets(struct rk_reg *reg, const struct rk_journal_rec *r,
                           const struct old_hits *o, struct targets *t) {
    t->n = 0;
    bool restricted = false, objected = false;
    rk_err e = r->person_id[0]
                   ? rk_store_person_exists(reg->store, r->person_id, &restricted, &objected)
                   : RK_ENOENT;
    if (e == RK_OK)
        add_target(t, r->person_id);
    else if (e != RK_ENOENT)
        return e;
    e = RK_OK;
    for (size_t i = 0; i < r->nhashes; i++)
        for (size_t j = 0; j < o->n; j++)
            if (o->v[j].gen == r->gen && memcmp(o->v[j].h, r->hashes[i].h, RK_HASH_LEN) == 0)
                add_target(t, o->v[j].person_id);
    for (size_t i = 0; i < r->nhashes && e == RK_OK; i++) {
        e = rk_store_entries_by_hash(reg->store, r->hashes[i].h, target_entry, t);
        char id[RK_ID_LEN + 1];
        if (e == RK_OK && r->hashes[i].field == RK_F_EMAIL) {
            e = rk_store_signup_by_hash(reg->store, r->hashes[i].h, id);
            if (e == RK_OK)
                add_target(t, id);
            else if (e == RK_ENOENT)
                e = RK_OK;
        }
    }
    return e;
}

/* Re-applies one record in its own unit of work (the replay runs outside any batch). */
static rk_err reapply(struct rk_reg *reg, const struct rk_journal_rec *r, rk_ts at,
                      const struct old_hits *o, struct targets *t, struct rk_replay_report *out,
                      struct rk_error *err) {
    struct rk_error msg = RK_ERROR_INIT;
    struct rk_erase_report *rep = malloc(sizeof *rep);
    struct rk_work w;
    rk_err e = rep ? rk_reg_work_begin(reg, &w) : RK_ENOMEM;
    if (e != RK_OK) {
        free(rep);
        return e;
    }
    int64_t persons = 0, suppressed = 0;
    e = find_targets(reg, r, o, t);
    for (size_t i = 0; i < t->n && e == RK_OK; i++) {
        e = rk_rights_erase(reg, t->id[i], NULL, at, rep, &msg);
        persons += e == RK_OK;
        if (e == RK_ENOENT) /* erased already with an earlier target (one of its hashes) */
            e = RK_OK;
    }
    for (size_t i = 0; i < r->nhashes && e == RK_OK; i++) {
        bool already = false;
        e = rk_store_suppressed(reg->store, r->hashes[i].h, &already);
        if (e == RK_OK && !already) {
            e = rk_store_suppress_add_gen(reg->store, r->hashes[i].h, r->hashes[i].field,
                                          RK_SUPPRESS_ERASURE, at, r->gen);
            suppressed++;
        }
    }
    if (e == RK_OK)
        e = rk_store_journal_mark(reg->store, r->id, r->at);
    if (e == RK_OK) {
        char detail[160], when[RK_TS_LEN + 1];
        rk_ts_format(r->at, when);
        snprintf(detail, sizeof detail, "record %s of %s; erased %lld persons, suppressed %lld",
                 r->id, when, (long long)persons, (long long)suppressed);
        e = rk_reg_audit(reg, "journal.reapplied", r->person_id[0] ? r->person_id : NULL, detail,
                         at);
    }
    if ((e = rk_reg_work_end(reg, &w, e)) != RK_OK) {
        e = rk_error_set(err, e, NULL, "cannot re-apply erasure journal record %s (line %ld): %s",
                         r->id, r->line,
                 msg.message[0]                             ? msg.message
                 : rk_store_errmsg(reg->store)[0] ? rk_store_errmsg(reg->store)
                                                          : rk_err_str(e));
    } else {
        out->reapplied++;
        out->persons += persons;
        out->suppressed += suppressed;
    }
    free(rep);
    return e;
}

rk_err rk_restore_replay(struct rk_reg *reg, const char *path, rk_ts at,
                         struct rk_replay_report *out, struct rk_error *err) {
    memset(out, 0, sizeof *out);
    if (reg->in_batch)
        return RK_EINVAL;
    struct recs rs = {NULL, 0, 0};
    struct rk_journal_info info = {.records = 0};
    char(*ids)[RK_ID_LEN + 1] = NULL;
    struct targets *t = malloc(sizeof *t);
    const char *journal = reg->journal;
    rk_err e = t ? rk_journal_read(path, &reg->keys, keep_rec, &rs, &info, err) : RK_ENOMEM;
    if (e == RK_OK && rs.n != (size_t)info.records)
        e = RK_ENOMEM;
    out->records = info.records;
    out->torn_line = info.torn_line;
    /* 7. Every record the database holds must be in the journal. */
    if (e == RK_OK && rs.n && !(ids = malloc(rs.n * sizeof *ids)))
        e = RK_ENOMEM;
    for (size_t i = 0; e == RK_OK && i < rs.n; i++)
        memcpy(ids[i], rs.v[i].id, sizeof ids[i]);
    if (e == RK_OK && rs.n)
        qsort(ids, rs.n, sizeof ids[0], cmp_id);
    struct contain c = {.ids = (const char(*)[RK_ID_LEN + 1]) ids, .n = rs.n, .count = 0};
    if (e == RK_OK && (e = rk_store_journal_ids(reg->store, check_contained, &c)) != RK_OK)
        e = rk_error_set(err, e, NULL, "cannot read the database's erasure records: %s",
                         rk_store_errmsg(reg->store));
    if (e == RK_OK && c.count) {
        e = rk_error_set(err, RK_EREFUSED, NULL,
                         "the database holds %lld erasure record(s) the journal %s lacks (first: "
                         "%s): it is another register's journal or was cut short",
                         (long long)c.count, path, c.missing);
    }
    /* 6. Re-apply what the database lacks, not journaling it again; 10. records of an older
     * key generation than the database's find their persons through the values held. */
    bool *todo = e == RK_OK ? calloc(rs.n + 1, sizeof *todo) : NULL;
    if (e == RK_OK && !todo)
        e = RK_ENOMEM;
    for (size_t i = 0; e == RK_OK && i < rs.n; i++) {
        bool has = false;
        e = rk_store_journal_has(reg->store, rs.v[i].id, &has);
        if (e != RK_OK)
            e = rk_error_set(err, e, NULL, "cannot read the database's erasure records: %s",
                             rk_store_errmsg(reg->store));
        else if (has)
            out->contained++;
        todo[i] = !has;
    }
    struct old_hits o = {.v = NULL, .n = 0};
    if (e == RK_OK && (e = find_old_hits(reg, &rs, todo, &o)) != RK_OK && e != RK_ENOMEM)
        e = rk_error_set(err, e, NULL, "cannot read the database's entries: %s",
                         rk_store_errmsg(reg->store));
    reg->journal = NULL;
    for (size_t i = 0; e == RK_OK && i < rs.n; i++)
        if (todo[i])
            e = reapply(reg, &rs.v[i], at, &o, t, out, err);
    reg->journal = journal;
    if (e == RK_ENOMEM)
        e = rk_error_set(err, e, NULL, "out of memory");
    free(o.v);
    free(todo);
    free(ids);
    free(rs.v);
    free(t);
    return e;
}
