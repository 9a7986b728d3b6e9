/*
 * sqlite_persons.c — persons, provenance and entries in the SQLite backend,
 * with the people search and the console's counts and marks.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/* ---- The person's internal key (issue 18; sqlite.h, struct sqlite_store's pks) ---------- */

static size_t pk_slot(const char *id) {
    uint32_t h = 2166136261u; /* FNV-1a: the ids are random already, any mixing will do */
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h % PK_CACHE;
}

static void pk_keep(struct sqlite_store *s, const char *id, int64_t pk) {
    size_t slot = pk_slot(id);
    if (strlen(id) >= sizeof s->pks[slot].id)
        return;
    s->pks[slot].pk = pk;
    memcpy(s->pks[slot].id, id, strlen(id) + 1);
}

int64_t sq_pk_hint(struct sqlite_store *s, const char *id) {
    if (!id)
        return 0;
    size_t slot = pk_slot(id);
    if (s->pks[slot].pk && strcmp(s->pks[slot].id, id) == 0)
        return s->pks[slot].pk;
    /* A miss: one probe of the id index now, so that the person's next statements hit. A
     * failed probe is no hint: the statement's own probe then answers (or fails) as before. */
    sqlite3_stmt *st = NULL;
    int64_t pk = 0;
    if (sq_prepare(s, S_PERSON_PK, &st) != RK_OK)
        return 0;
    sq_bind_text(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        pk = sqlite3_column_int64(st, 0);
    sq_done(st);
    if (pk)
        pk_keep(s, id, pk);
    return pk;
}

void sq_bind_pk(struct sqlite_store *s, sqlite3_stmt *st, int i, const char *id) {
    int64_t pk = sq_pk_hint(s, id);
    if (pk)
        sqlite3_bind_int64(st, i, pk);
    else
        sqlite3_bind_null(st, i);
}

void sq_pk_forget(struct sqlite_store *s) {
    for (int i = 0; i < PK_CACHE; i++)
        s->pks[i].pk = 0;
    s->fresh_pk = 0;
}

/* ---- Persons, provenance, entries ------------------------------------------------------ */

rk_err sq_person_insert(struct rk_store *base, const char *id, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = sq_run(s, S_PERSON_INSERT, SQ_ARGS(SQ_TEXT(id), SQ_TS(at)));
    if (err != RK_OK || !id)
        return err;
    int64_t pk = sqlite3_last_insert_rowid(s->db);
    pk_keep(s, id, pk);
    s->fresh_pk = 0;
    if (s->in_tx && strlen(id) < sizeof s->fresh_id) {
        s->fresh_pk = pk;
        memcpy(s->fresh_id, id, strlen(id) + 1);
    }
    return RK_OK;
}

rk_err sq_person_exists(struct rk_store *base, const char *id, bool *restricted, bool *objected) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_PERSON_EXISTS, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (restricted)
            *restricted = sqlite3_column_int(st, 0) != 0;
        if (objected)
            *objected = sqlite3_column_int(st, 1) != 0;
        err = RK_OK;
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}

rk_err sq_provenance_insert(struct rk_store *base, const struct rk_provenance *p, int64_t *id) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = sq_run(s, S_PROV_INSERT,
                        SQ_ARGS(SQ_TEXT(rk_source_kind_id(p->source)), SQ_TEXT(p->detail),
                                SQ_TEXT(p->purpose), SQ_TS(p->at), SQ_TEXT(p->by)));
    if (err == RK_OK)
        *id = sqlite3_last_insert_rowid(s->db);
    return err;
}

static int source_from_id(const char *id) {
    for (int k = 0; k < RK_SRC__COUNT; k++)
        if (id && strcmp(rk_source_kind_id((enum rk_source_kind)k), id) == 0)
            return k;
    return -1;
}

rk_err sq_provenance_get(struct rk_store *base, int64_t id, struct rk_provenance *out, char *buf,
                         size_t bufsz) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_PROV_GET, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct strbuf b = {buf, bufsz, false};
        int kind = source_from_id(sq_col_text(st, 0));
        out->source = kind < 0 ? RK_SRC_OTHER_HANDOVER : (enum rk_source_kind)kind;
        out->detail = sq_keep_col(&b, st, 1);
        out->purpose = sq_keep_col(&b, st, 2);
        out->at = sq_col_ts(st, 3);
        out->by = sq_keep_col(&b, st, 4);
        err = b.overflow ? sq_overflow(s) : RK_OK;
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}

rk_err sq_organisation_id(struct sqlite_store *s, const char *name, int64_t *id) {
    sqlite3_stmt *st = NULL;
    size_t h = 5381, len = strlen(name);
    for (size_t i = 0; i < len; i++)
        h = h * 33 + (unsigned char)name[i];
    bool cacheable = len < sizeof s->orgs[0].name;
    size_t slot = h % ORG_CACHE;
    rk_err err = RK_OK;
    if (cacheable && s->orgs[slot].id && strcmp(s->orgs[slot].name, name) == 0) {
        if ((err = sq_prepare(s, S_ORG_CHECK, &st)) != RK_OK)
            return err;
        sqlite3_bind_int64(st, 1, s->orgs[slot].id);
        sq_bind_text(st, 2, name);
        int rc = sqlite3_step(st);
        sq_done(st);
        if (rc == SQLITE_ROW) {
            *id = s->orgs[slot].id;
            return RK_OK;
        }
        if (rc != SQLITE_DONE)
            return sq_fail(s, rc);
        s->orgs[slot].id = 0; /* gone, or its id taken by another organisation */
    }
    err = sq_prepare(s, S_ORG_INSERT, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, name);
    if ((err = sq_step_done(s, st)) != RK_OK)
        return err;
    if ((err = sq_prepare(s, S_ORG_GET, &st)) != RK_OK)
        return err;
    sq_bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else
        err = rc == SQLITE_DONE ? RK_EIO : sq_fail(s, rc);
    sq_done(st);
    if (err == RK_OK && cacheable) {
        s->orgs[slot].id = *id;
        memcpy(s->orgs[slot].name, name, len + 1);
    }
    return err;
}

rk_err sq_entry_put(struct rk_store *base, const struct rk_entry *e) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    int64_t org = 0;
    rk_err err = RK_OK;
    if (e->v[RK_F_ORGANISATION] && (err = sq_organisation_id(s, e->v[RK_F_ORGANISATION], &org)))
        return err;
    if ((err = sq_prepare(s, S_ENTRY_PUT, &st)) != RK_OK)
        return err;
    sq_bind_text(st, 1, e->register_id);
    sq_bind_text(st, 2, e->person_id);
    sq_bind_ts(st, 3, e->since);
    sq_bind_text(st, 4, e->v[RK_F_NAME]);
    sq_bind_prov(st, 5, e->prov[RK_F_NAME]);
    sq_bind_text(st, 6, e->v[RK_F_EMAIL]);
    if (e->v[RK_F_EMAIL])
        sqlite3_bind_blob(st, 7, e->email_hash, RK_HASH_LEN, SQLITE_STATIC);
    sq_bind_prov(st, 8, e->prov[RK_F_EMAIL]);
    sq_bind_text(st, 9, e->v[RK_F_PHONE]);
    if (e->v[RK_F_PHONE])
        sqlite3_bind_blob(st, 10, e->phone_hash, RK_HASH_LEN, SQLITE_STATIC);
    sq_bind_prov(st, 11, e->prov[RK_F_PHONE]);
    sq_bind_text(st, 12, e->v[RK_F_POSITION]);
    sq_bind_prov(st, 13, e->prov[RK_F_POSITION]);
    sq_bind_prov(st, 14, org);
    sq_bind_prov(st, 15, e->prov[RK_F_ORGANISATION]);
    sq_bind_text(st, 16, e->v[RK_F_INTERESTS]);
    sq_bind_prov(st, 17, e->prov[RK_F_INTERESTS]);
    sq_bind_pk(s, st, 18, e->person_id);
    return sq_step_done(s, st);
}

rk_err sq_entry_get(struct rk_store *base, const char *reg, const char *person,
                    struct rk_entry *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_row(s, S_ENTRY_GET, SQ_ARGS(SQ_TEXT(reg), SQ_TEXT(person)), sq_row_to_entry, out);
}

rk_err sq_entry_delete(struct rk_store *base, const char *reg, const char *person) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run_one(s, S_ENTRY_DELETE, SQ_ARGS(SQ_TEXT(reg), SQ_TEXT(person)));
}

struct entry_iter {
    rk_entry_fn fn;
    void *ctx;
    size_t rows;  /* rows passed to fn */
    bool stopped; /* fn returned non-zero */
    struct rk_entry e;
};

static int each_entry(void *ctx, sqlite3_stmt *st) {
    struct entry_iter *it = ctx;
    if (!sq_row_to_entry(st, &it->e))
        return -1;
    it->rows++;
    int r = it->fn(it->ctx, &it->e);
    it->stopped = r != 0;
    return r;
}

static rk_err iterate_entries(struct sqlite_store *s, sqlite3_stmt *st, rk_entry_fn fn, void *ctx) {
    struct entry_iter it = {.fn = fn, .ctx = ctx};
    return sq_step_rows(s, st, each_entry, &it);
}

rk_err sq_entries_of_person(struct rk_store *base, const char *person, rk_entry_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_ENTRIES_OF_PERSON, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, person);
    return iterate_entries(s, st, fn, ctx);
}

rk_err sq_find_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       const char *reg, char id[RK_ID_LEN + 1]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, reg ? S_FIND_HASH_REG : S_FIND_HASH, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    if (reg)
        sq_bind_text(st, 2, reg);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = sq_col_copy(st, 0, id, RK_ID_LEN + 1) ? RK_OK : RK_EIO;
    else
        err = rc == SQLITE_DONE ? RK_ENOENT : sq_fail(s, rc);
    sq_done(st);
    return err;
}

/* The email index first, then, only when it holds no entry with the hash, the phone index:
 * hashes of emails and of phones never collide (keys.c hashes "e..." and "p..."), so a hash
 * found among the emails is in no phone column, and the one probe it takes is the whole
 * answer, in register order as before. A lookup by email reads one index, not two. */
rk_err sq_entries_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                          rk_entry_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct entry_iter it = {.fn = fn, .ctx = ctx}; /* on the stack: no malloc per lookup */
    rk_err err = RK_OK;
    static const enum stmt probes[] = {S_ENTRIES_BY_HASH, S_ENTRIES_BY_PHONE_HASH};
    for (size_t i = 0; i < 2 && err == RK_OK && !it.rows && !it.stopped; i++) {
        sqlite3_stmt *st = NULL;
        if ((err = sq_prepare(s, probes[i], &st)) != RK_OK)
            break;
        sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
        err = sq_step_rows(s, st, each_entry, &it);
    }
    return err;
}

/* A deferred BEGIN: the snapshot is taken by the first read and held until read_end, so a
 * batch of lookups takes the WAL read lock once, not once per statement. A write
 * transaction (in_tx) or any other open one is refused. */
rk_err sq_read_begin(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    if (s->in_tx || !sqlite3_get_autocommit(s->db))
        return rk_error_set(&s->base.error, RK_EINVAL, NULL,
                            "a read transaction cannot start inside a transaction");
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_READ_BEGIN, &st);
    return err == RK_OK ? sq_step_done(s, st) : err;
}

rk_err sq_read_end(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    if (s->in_tx || sqlite3_get_autocommit(s->db))
        return rk_error_set(&s->base.error, RK_EINVAL, NULL, "no read transaction is open");
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_READ_END, &st);
    if (err == RK_OK)
        err = sq_step_done(s, st);
    if (!sqlite3_get_autocommit(s->db)) /* the COMMIT failed: end it all the same */
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

rk_err sq_find_by_name(struct rk_store *base, const char *fragment, rk_entry_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    char pattern[1024];
    size_t n = 0;
    /* LIKE metacharacters in the fragment match themselves. */
    for (const char *p = fragment; *p && n + 2 < sizeof pattern; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            pattern[n++] = '\\';
        pattern[n++] = *p;
    }
    pattern[n] = '\0';
    rk_err err = sq_prepare(s, S_FIND_NAME, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_text(st, 1, pattern, -1, SQLITE_TRANSIENT);
    return iterate_entries(s, st, fn, ctx);
}

/* ---- People search and overview (migration 0016) -------------------------------------- */

/* The person's old words in the register are deleted first, unless the person is the one
 * person_insert added in this transaction and has had no words written since (fresh_pk in
 * sqlite.h): then there are none to delete. The statements take the key's hint (PKH). */
rk_err sq_search_put(struct rk_store *base, const char *person, const char *register_id,
                     const struct rk_search_word *words, size_t n) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *del = NULL, *ins = NULL;
    bool fresh = s->in_tx && s->fresh_pk && person && strcmp(person, s->fresh_id) == 0;
    if (fresh)
        s->fresh_pk = 0; /* its words are being written now */
    rk_err err = fresh ? RK_OK : sq_prepare(s, S_SEARCH_DELETE, &del);
    if (err == RK_OK && n)
        err = sq_prepare(s, S_SEARCH_INSERT, &ins);
    if (err != RK_OK)
        return err;
    int64_t pk = sq_pk_hint(s, person);
    int rc;
    if (del) {
        sq_bind_text(del, 1, person);
        sq_bind_text(del, 2, register_id);
        if (pk)
            sqlite3_bind_int64(del, 3, pk);
        rc = sqlite3_step(del);
        sq_done(del);
        if (rc != SQLITE_DONE)
            return sq_fail(s, rc);
    }
    for (size_t i = 0; i < n; i++) {
        sq_bind_text(ins, 1, person);
        sq_bind_text(ins, 2, register_id);
        sq_bind_text(ins, 3, words[i].word);
        sqlite3_bind_int(ins, 4, (int)words[i].field);
        if (pk)
            sqlite3_bind_int64(ins, 5, pk);
        rc = sqlite3_step(ins);
        sq_done(ins);
        if (rc != SQLITE_DONE)
            return sq_fail(s, rc);
    }
    return RK_OK;
}

struct search_iter {
    rk_search_row_fn fn;
    void *ctx;
    int64_t last_pk;
    char last_key[128];
};

/* Columns: key, pk, id, created_at. Consecutive rows of one person under one key come once. */
static int each_search_row(void *ctx, sqlite3_stmt *st) {
    struct search_iter *it = ctx;
    const char *key = sq_col_text(st, 0);
    int64_t pk = sqlite3_column_int64(st, 1);
    if (!key)
        return -1;
    if (pk == it->last_pk && strcmp(key, it->last_key) == 0)
        return 0;
    it->last_pk = pk;
    snprintf(it->last_key, sizeof it->last_key, "%s", key);
    struct rk_search_row r = {pk, sq_col_text(st, 2), sq_col_ts(st, 3), key,
                              sqlite3_column_count(st) < 5 || sqlite3_column_int(st, 4) != 0};
    return r.person_id ? it->fn(it->ctx, &r) : -1;
}

/* Binds prefix p at parameter i and the first text after all with that prefix at i + 1. */
static void bind_prefix(sqlite3_stmt *st, int i, const char *p) {
    char hi[128];
    size_t n = strnlen(p, sizeof hi - 2);
    snprintf(hi, sizeof hi, "%.*s\xff", (int)n, p); /* no UTF-8 text holds 0xff */
    sqlite3_bind_text(st, i, p, (int)n, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, i + 1, hi, (int)n + 1, SQLITE_TRANSIENT);
}

rk_err sq_search_words(struct rk_store *base, const char *prefix, int field,
                       const char *const *also, size_t nalso, const char *after_word,
                       int64_t after_pk, rk_search_row_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    size_t n = strlen(prefix);
    if (n + 2 > 128)
        return RK_EINVAL;
    rk_err err = sq_prepare(s, S_SEARCH_WORDS, &st);
    if (err != RK_OK)
        return err;
    bind_prefix(st, 1, prefix); /* the range: from the prefix (or the cursor) to its end */
    if (after_word && strncmp(after_word, prefix, n) == 0)
        sq_bind_text(st, 1, after_word);
    else
        after_pk = -1;
    sqlite3_bind_int64(st, 3, after_pk);
    sqlite3_bind_int(st, 4, field);
    for (size_t i = 0; i < nalso && i < 2; i++)
        bind_prefix(st, 5 + 2 * (int)i, also[i]);
    struct search_iter it = {fn, ctx, -1, ""};
    return sq_step_rows(s, st, each_search_row, &it);
}

rk_err sq_search_count(struct rk_store *base, const char *prefix, int field, int64_t cap,
                       int64_t *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_SEARCH_COUNT, &st);
    if (err != RK_OK)
        return err;
    bind_prefix(st, 1, prefix);
    sqlite3_bind_int(st, 3, field);
    sqlite3_bind_int64(st, 4, cap);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        err = sq_fail(s, rc);
    sq_done(st);
    return err;
}

rk_err sq_search_people(struct rk_store *base, rk_ts since, rk_ts before, int64_t before_pk,
                        rk_search_row_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_SEARCH_PEOPLE, &st);
    if (err != RK_OK)
        return err;
    if (since)
        sq_bind_ts(st, 1, since);
    else
        sqlite3_bind_text(st, 1, "", 0, SQLITE_STATIC);
    if (before) {
        sq_bind_ts(st, 2, before);
        sqlite3_bind_int64(st, 3, before_pk);
    } else {
        sqlite3_bind_text(st, 2, "~", 1, SQLITE_STATIC); /* after every ISO 8601 instant */
        sqlite3_bind_int64(st, 3, INT64_MAX);
    }
    struct search_iter it = {fn, ctx, -1, ""};
    return sq_step_rows(s, st, each_search_row, &it);
}

rk_err sq_search_built(struct rk_store *base, bool *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_SEARCH_BUILT, &st);
    if (err != RK_OK)
        return err;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0) != 0;
    else
        err = rc == SQLITE_DONE ? RK_EIO : sq_fail(s, rc);
    sq_done(st);
    return err;
}

/* Runs statement i, which returns no rows and binds nothing. */
static rk_err run_plain(struct sqlite_store *s, enum stmt i) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, i, &st);
    if (err != RK_OK)
        return err;
    int rc = sqlite3_step(st);
    sq_done(st);
    return rc == SQLITE_DONE ? RK_OK : sq_fail(s, rc);
}

rk_err sq_search_built_set(struct rk_store *base) {
    return run_plain((struct sqlite_store *)base, S_SEARCH_BUILT_SET);
}

rk_err sq_entries_all(struct rk_store *base, rk_entry_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_ENTRIES_ALL, &st);
    return err != RK_OK ? err : iterate_entries(s, st, fn, ctx);
}

struct counter_iter {
    rk_counter_fn fn;
    void *ctx;
};

/* Columns: week (or NULL), name, three counts. */
static int each_counter(void *ctx, sqlite3_stmt *st) {
    struct counter_iter *it = ctx;
    struct rk_counter_row r = {
        sq_col_text(st, 0),
        sq_col_text(st, 1),
        {sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4)}};
    return r.name ? it->fn(it->ctx, &r) : -1;
}

static rk_err counters(struct sqlite_store *s, enum stmt i, const char *from, rk_counter_fn fn,
                       void *ctx) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, i, &st);
    if (err != RK_OK)
        return err;
    if (from)
        sq_bind_text(st, 1, from);
    struct counter_iter it = {fn, ctx};
    return sq_step_rows(s, st, each_counter, &it);
}

rk_err sq_register_counts(struct rk_store *base, rk_counter_fn fn, void *ctx) {
    return counters((struct sqlite_store *)base, S_REGISTER_COUNTS, NULL, fn, ctx);
}

rk_err sq_purpose_counts(struct rk_store *base, rk_counter_fn fn, void *ctx) {
    return counters((struct sqlite_store *)base, S_PURPOSE_COUNTS, NULL, fn, ctx);
}

rk_err sq_consent_weeks(struct rk_store *base, const char *from, rk_counter_fn fn, void *ctx) {
    return counters((struct sqlite_store *)base, S_CONSENT_WEEKS, from, fn, ctx);
}

rk_err sq_console_mark_get(struct rk_store *base, const char *what, struct rk_console_mark *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_MARK_GET, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, what);
    memset(out, 0, sizeof *out);
    out->ok = -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->at = sq_col_ts(st, 0);
        out->seq = sqlite3_column_int64(st, 1);
        if (!sq_col_copy(st, 2, out->detail, sizeof out->detail))
            err = sq_overflow(s);
        out->ok = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 3);
    } else if (rc != SQLITE_DONE) {
        err = sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}

rk_err sq_console_mark_set(struct rk_store *base, const char *what,
                           const struct rk_console_mark *m) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_MARK_SET, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, what);
    sq_bind_ts(st, 2, m->at);
    sqlite3_bind_int64(st, 3, m->seq);
    sq_bind_text(st, 4, m->detail);
    if (m->ok < 0)
        sqlite3_bind_null(st, 5);
    else
        sqlite3_bind_int(st, 5, m->ok);
    int rc = sqlite3_step(st);
    sq_done(st);
    return rc == SQLITE_DONE ? RK_OK : sq_fail(s, rc);
}

rk_err sq_audience(struct rk_store *base, const char *reg, const char *purpose,
                   enum rk_audience_rule rule, rk_ts now, rk_entry_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    enum stmt which = rule == RK_AUDIENCE_LIVE_CONSENT      ? S_AUDIENCE_CONSENT
                      : rule == RK_AUDIENCE_ACTIVE_CONTRACT ? S_AUDIENCE_CONTRACT
                                                            : S_AUDIENCE_ANY;
    rk_err err = sq_prepare(s, which, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, reg);
    sq_bind_text(st, 2, purpose);
    sq_bind_ts(st, 3, now);
    return iterate_entries(s, st, fn, ctx);
}

/* ---- The audience in one pass (issue 18) ----------------------------------------------- */

/* One of the merged scans: its statement and the key (column 0) of its current row. */
struct scan {
    sqlite3_stmt *st;
    int64_t key; /* INT64_MAX once done */
};

static rk_err scan_next(struct sqlite_store *s, struct scan *c) {
    int rc = sqlite3_step(c->st);
    if (rc == SQLITE_ROW) {
        c->key = sqlite3_column_int64(c->st, 0);
        return RK_OK;
    }
    c->key = INT64_MAX;
    return rc == SQLITE_DONE ? RK_OK : sq_fail(s, rc);
}

/* Moves c to its first row whose key is at least key; *at: whether that key is key. */
static rk_err scan_to(struct sqlite_store *s, struct scan *c, int64_t key, bool *at) {
    rk_err err = RK_OK;
    while (err == RK_OK && c->key < key)
        err = scan_next(s, c);
    *at = c->key == key;
    return err;
}

static rk_err run_read_stmt(struct sqlite_store *s, enum stmt i) {
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, i, &st);
    return err == RK_OK ? sq_step_done(s, st) : err;
}

/* The suppression list in memory for one walk, sorted as SQLite compares BLOBs (memcmp
 * of equal lengths), read in the walk's transaction: the entries' scan then tests each
 * hash here instead of by two correlated subqueries per entry. Only when the list is
 * short (SUPPRESSED_MAX hashes, 2 MiB: the server's exports stay within their memory)
 * and every hash is a BLOB of RK_HASH_LEN bytes, so that equality here is SQLite's. */
enum { SUPPRESSED_MAX = 65536 };

struct suppressed {
    unsigned char (*h)[RK_HASH_LEN];
    size_t n;
    bool usable; /* false: the scan keeps the SQL probes */
};

static int hash_cmp(const void *a, const void *b) { return memcmp(a, b, RK_HASH_LEN); }

static rk_err suppressed_load(struct sqlite_store *s, struct suppressed *sup) {
    sqlite3_stmt *st = NULL;
    size_t cap = 0;
    sup->usable = false;
    rk_err err = sq_prepare(s, S_AUDIENCE_SUPPRESSED, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)SUPPRESSED_MAX + 1);
    bool usable = true;
    int rc = SQLITE_DONE;
    while (usable && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_BLOB ||
            sqlite3_column_bytes(st, 0) != RK_HASH_LEN || sup->n == SUPPRESSED_MAX) {
            usable = false;
            break;
        }
        if (sup->n == cap) {
            size_t more = cap ? cap * 2 : 256;
            void *h = realloc(sup->h, more * sizeof *sup->h);
            if (!h) {
                sq_done(st);
                return RK_ENOMEM;
            }
            sup->h = h;
            cap = more;
        }
        memcpy(sup->h[sup->n++], sqlite3_column_blob(st, 0), RK_HASH_LEN);
    }
    if (usable && rc != SQLITE_DONE)
        err = sq_fail(s, rc);
    sq_done(st);
    sup->usable = usable && err == RK_OK;
    if (sup->usable && sup->n > 1) /* in key order already; sorted here all the same */
        qsort(sup->h, sup->n, sizeof *sup->h, hash_cmp);
    return err;
}

/* Whether column col of the entry's row is a suppressed hash (NULL never is). */
static bool suppressed_has(const struct suppressed *sup, sqlite3_stmt *st, int col) {
    if (!sup->n || sqlite3_column_type(st, col) != SQLITE_BLOB ||
        sqlite3_column_bytes(st, col) != RK_HASH_LEN)
        return false;
    return bsearch(sqlite3_column_blob(st, col), sup->h, sup->n, sizeof *sup->h, hash_cmp) != NULL;
}

/* The walk itself: the entries' scan, with the persons' (and, for consent, the live
 * consents') merged in by the person's key; sup: the suppression test in memory (NULL:
 * the scan's SQL made it). */
static rk_err audience_merge(struct sqlite_store *s, struct scan *e, struct scan *p, struct scan *c,
                             const struct suppressed *sup, rk_entry_fn fn, void *ctx,
                             struct rk_entry *out) {
    enum { KEY_COL = 17, EMAIL_HASH_COL = 6, PHONE_HASH_COL = 9 }; /* AUDIENCE_ALL_COLS */
    rk_err err = RK_OK;
    int rc;
    while ((rc = sqlite3_step(e->st)) == SQLITE_ROW) {
        if (sup && (suppressed_has(sup, e->st, EMAIL_HASH_COL) ||
                    suppressed_has(sup, e->st, PHONE_HASH_COL)))
            continue;
        int64_t key = sqlite3_column_int64(e->st, KEY_COL);
        bool at = false;
        if ((err = scan_to(s, p, key, &at)) != RK_OK)
            return err;
        if (!at)
            continue; /* restricted, objecting (or gone) */
        if (c && ((err = scan_to(s, c, key, &at)) != RK_OK || !at)) {
            if (err != RK_OK)
                return err;
            continue; /* no live consent */
        }
        if (!sq_row_to_entry(e->st, out) ||
            !sq_col_copy(p->st, 1, out->person_id, sizeof out->person_id))
            return sq_overflow(s);
        if (fn(ctx, out) != 0)
            return RK_OK;
    }
    return rc == SQLITE_DONE ? RK_OK : sq_fail(s, rc);
}

rk_err sq_audience_all(struct rk_store *base, const char *purpose, enum rk_audience_rule rule,
                       rk_ts now, rk_entry_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct rk_entry *out = malloc(sizeof *out);
    if (!out)
        return RK_ENOMEM;
    /* One read transaction: the three scans see one snapshot. */
    bool own = !s->in_tx && sqlite3_get_autocommit(s->db);
    rk_err err = own ? run_read_stmt(s, S_READ_BEGIN) : RK_OK;
    struct scan e = {NULL, 0}, p = {NULL, 0}, c = {NULL, 0};
    struct suppressed sup = {NULL, 0, false};
    bool consent = rule == RK_AUDIENCE_LIVE_CONSENT;
    bool contract = rule == RK_AUDIENCE_ACTIVE_CONTRACT;
    if (err == RK_OK)
        err = suppressed_load(s, &sup);
    if (err == RK_OK)
        err = sq_prepare(s,
                         sup.usable ? (contract ? S_AUDIENCE_ALL_CONTRACT_UNSUPPRESSED
                                                : S_AUDIENCE_ALL_ENTRIES_UNSUPPRESSED)
                                    : (contract ? S_AUDIENCE_ALL_CONTRACT : S_AUDIENCE_ALL_ENTRIES),
                         &e.st);
    if (err == RK_OK && contract)
        sq_bind_ts(e.st, 1, now);
    if (err == RK_OK && (err = sq_prepare(s, S_AUDIENCE_ALL_PERSONS, &p.st)) == RK_OK)
        err = scan_next(s, &p);
    if (err == RK_OK && consent && (err = sq_prepare(s, S_AUDIENCE_ALL_CONSENTS, &c.st)) == RK_OK) {
        sq_bind_text(c.st, 1, purpose);
        sq_bind_ts(c.st, 2, now);
        err = scan_next(s, &c);
    }
    if (err == RK_OK)
        err =
            audience_merge(s, &e, &p, consent ? &c : NULL, sup.usable ? &sup : NULL, fn, ctx, out);
    if (e.st)
        sq_done(e.st);
    if (p.st)
        sq_done(p.st);
    if (c.st)
        sq_done(c.st);
    if (own) {
        rk_err end = sqlite3_get_autocommit(s->db) ? RK_OK : run_read_stmt(s, S_READ_END);
        if (end != RK_OK && !sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        if (err == RK_OK)
            err = end;
    }
    free(sup.h);
    free(out);
    return err;
}
