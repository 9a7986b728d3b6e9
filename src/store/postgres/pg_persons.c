/*
 * pg_persons.c — persons, provenance and entries, the people search, the console counts and marks
 * in the PostgreSQL backend (the counterpart of src/store/sqlite/sqlite_persons.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

/* ---- Persons, provenance, entries ------------------------------------------------------ */

/* The columns of an entry (pg_row_to_entry reads them in this order) and their tables. */
#define ENTRY_COLS                                                                                 \
    "e.register, p.id, e.since, e.name, e.name_prov, e.email, e.email_hash, "                      \
    "e.email_prov, e.phone, e.phone_hash, e.phone_prov, e.position, e.position_prov, o.name, "     \
    "e.organisation_prov, e.interests, e.interests_prov "
#define ENTRY_FROM                                                                                 \
    "FROM entry e JOIN person p ON p.pk = e.person "                                               \
    "LEFT JOIN organisation o ON o.id = e.organisation_id "

rk_err pg_person_insert(struct rk_store *base, const char *id, rk_ts at) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(s, "INSERT INTO person (id, created_at) VALUES ($1, $2)",
                  PG_ARGS(PG_TEXT(id), PG_TS(at)));
}

struct flags {
    bool *restricted, *objected;
};

static bool row_flags(const struct pg_row *r, void *out) {
    struct flags *f = out;
    if (f->restricted)
        *f->restricted = pg_col_int(r, 0) != 0;
    if (f->objected)
        *f->objected = pg_col_int(r, 1) != 0;
    return true;
}

rk_err pg_person_exists(struct rk_store *base, const char *id, bool *restricted, bool *objected) {
    struct pg_store *s = (struct pg_store *)base;
    struct flags f = {restricted, objected};
    return pg_row(s, "SELECT restricted, objected FROM person WHERE id = $1", PG_ARGS(PG_TEXT(id)),
                  row_flags, &f);
}

static bool row_int(const struct pg_row *r, void *out) {
    *(int64_t *)out = pg_col_int(r, 0);
    return true;
}

rk_err pg_provenance_insert(struct rk_store *base, const struct rk_provenance *p, int64_t *id) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_row(s,
                  "INSERT INTO provenance (source_kind, detail, purpose, at, by) "
                  "VALUES ($1, $2, $3, $4, $5) RETURNING id",
                  PG_ARGS(PG_TEXT(rk_source_kind_id(p->source)), PG_TEXT(p->detail),
                          PG_TEXT(p->purpose), PG_TS(p->at), PG_TEXT(p->by)),
                  row_int, id);
}

static int source_from_id(const char *id) {
    for (int k = 0; k < RK_SRC__COUNT; k++)
        if (id && strcmp(rk_source_kind_id((enum rk_source_kind)k), id) == 0)
            return k;
    return -1;
}

struct prov_out {
    struct rk_provenance *p;
    struct pg_strbuf b;
};

static bool row_provenance(const struct pg_row *r, void *out) {
    struct prov_out *o = out;
    int kind = source_from_id(pg_col_text(r, 0));
    o->p->source = kind < 0 ? RK_SRC_OTHER_HANDOVER : (enum rk_source_kind)kind;
    o->p->detail = pg_keep_col(&o->b, r, 1);
    o->p->purpose = pg_keep_col(&o->b, r, 2);
    o->p->at = pg_col_ts(r, 3);
    o->p->by = pg_keep_col(&o->b, r, 4);
    return !o->b.overflow;
}

rk_err pg_provenance_get(struct rk_store *base, int64_t id, struct rk_provenance *out, char *buf,
                         size_t bufsz) {
    struct pg_store *s = (struct pg_store *)base;
    struct prov_out o = {out, {buf, bufsz, false}};
    return pg_row(s, "SELECT source_kind, detail, purpose, at, by FROM provenance WHERE id = $1",
                  PG_ARGS(PG_INT(id)), row_provenance, &o);
}

/* The id of the organisation named name, inserted when new. The per-handle cache is a hint
 * checked against the row: another instance may delete an organisation left unused (an
 * erasure, the sweep). Both reads lock the row against such a delete until this transaction
 * ends (FOR KEY SHARE), so the entry written next cites a row that stays. */
static rk_err organisation_id(struct pg_store *s, const char *name, int64_t *id) {
    size_t h = 5381, len = strlen(name);
    for (size_t i = 0; i < len; i++)
        h = h * 33 + (unsigned char)name[i];
    bool cacheable = len < sizeof s->orgs[0].name;
    size_t slot = h % PG_ORG_CACHE;
    rk_err err = RK_OK;
    if (cacheable && s->orgs[slot].id && strcmp(s->orgs[slot].name, name) == 0) {
        err = pg_row(s, "SELECT id FROM organisation WHERE id = $1 AND name = $2 FOR KEY SHARE",
                     PG_ARGS(PG_INT(s->orgs[slot].id), PG_TEXT(name)), row_int, id);
        if (err != RK_ENOENT)
            return err;
        s->orgs[slot].id = 0; /* gone since it was cached */
    }
    err = pg_run(s, "INSERT INTO organisation (name) VALUES ($1) ON CONFLICT DO NOTHING",
                 PG_ARGS(PG_TEXT(name)));
    if (err == RK_OK)
        err = pg_row(s, "SELECT id FROM organisation WHERE name = $1 FOR KEY SHARE",
                     PG_ARGS(PG_TEXT(name)), row_int, id);
    if (err == RK_ENOENT)
        err = rk_error_set(&s->base.error, RK_EIO, NULL, "an organisation vanished");
    if (err == RK_OK && cacheable) {
        s->orgs[slot].id = *id;
        memcpy(s->orgs[slot].name, name, len + 1);
    }
    return err;
}

rk_err pg_entry_put(struct rk_store *base, const struct rk_entry *e) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t org = 0;
    rk_err err = RK_OK;
    if (e->v[RK_F_ORGANISATION] &&
        (err = organisation_id(s, e->v[RK_F_ORGANISATION], &org)) != RK_OK)
        return err;
    /* An upsert, not delete-and-insert: entry_search_gone must not fire on a change. */
    return pg_run(
        s,
        "INSERT INTO entry (register, person, since, name, name_prov, email, email_hash, "
        "email_prov, phone, phone_hash, phone_prov, position, position_prov, organisation_id, "
        "organisation_prov, interests, interests_prov) "
        "VALUES ($1, " PK(
            2) ", $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, "
               "$17) ON CONFLICT (register, person) DO UPDATE SET since = excluded.since, "
               "name = excluded.name, name_prov = excluded.name_prov, email = excluded.email, "
               "email_hash = excluded.email_hash, email_prov = excluded.email_prov, "
               "phone = excluded.phone, phone_hash = excluded.phone_hash, "
               "phone_prov = excluded.phone_prov, position = excluded.position, "
               "position_prov = excluded.position_prov, organisation_id = "
               "excluded.organisation_id, "
               "organisation_prov = excluded.organisation_prov, interests = excluded.interests, "
               "interests_prov = excluded.interests_prov",
        PG_ARGS(PG_TEXT(e->register_id), PG_TEXT(e->person_id), PG_TS(e->since),
                PG_TEXT(e->v[RK_F_NAME]), PG_PROV(e->prov[RK_F_NAME]), PG_TEXT(e->v[RK_F_EMAIL]),
                e->v[RK_F_EMAIL] ? (struct pg_arg)PG_BLOB(e->email_hash, RK_HASH_LEN)
                                 : (struct pg_arg)PG_NULL,
                PG_PROV(e->prov[RK_F_EMAIL]), PG_TEXT(e->v[RK_F_PHONE]),
                e->v[RK_F_PHONE] ? (struct pg_arg)PG_BLOB(e->phone_hash, RK_HASH_LEN)
                                 : (struct pg_arg)PG_NULL,
                PG_PROV(e->prov[RK_F_PHONE]), PG_TEXT(e->v[RK_F_POSITION]),
                PG_PROV(e->prov[RK_F_POSITION]), PG_PROV(org), PG_PROV(e->prov[RK_F_ORGANISATION]),
                PG_TEXT(e->v[RK_F_INTERESTS]), PG_PROV(e->prov[RK_F_INTERESTS])));
}

bool pg_row_to_entry(const struct pg_row *r, void *entry) {
    struct rk_entry *e = entry;
    /* Columns: see ENTRY_COLS. */
    static const int value_col[RK_F__COUNT] = {3, 5, 8, 11, 13, 15};
    static const int prov_col[RK_F__COUNT] = {4, 7, 10, 12, 14, 16};
    struct pg_strbuf b = {e->buf, sizeof e->buf, false};
    if (!pg_col_copy(r, 0, e->register_id, sizeof e->register_id) ||
        !pg_col_copy(r, 1, e->person_id, sizeof e->person_id))
        return false;
    e->since = pg_col_ts(r, 2);
    for (int f = 0; f < RK_F__COUNT; f++) {
        e->v[f] = pg_keep_col(&b, r, value_col[f]);
        e->prov[f] = pg_col_int(r, prov_col[f]);
    }
    if (!pg_col_blob(r, 6, e->email_hash, RK_HASH_LEN))
        memset(e->email_hash, 0, RK_HASH_LEN);
    if (!pg_col_blob(r, 9, e->phone_hash, RK_HASH_LEN))
        memset(e->phone_hash, 0, RK_HASH_LEN);
    return !b.overflow;
}

rk_err pg_entry_get(struct rk_store *base, const char *reg, const char *person,
                    struct rk_entry *out) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_row(s,
                  "SELECT " ENTRY_COLS ENTRY_FROM "WHERE e.person = " PK(2) " AND e.register = $1",
                  PG_ARGS(PG_TEXT(reg), PG_TEXT(person)), pg_row_to_entry, out);
}

rk_err pg_entry_delete(struct rk_store *base, const char *reg, const char *person) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "DELETE FROM entry WHERE person = " PK(2) " AND register = $1",
                      PG_ARGS(PG_TEXT(reg), PG_TEXT(person)));
}

/* Text in SQLite's order (bytes, as memcmp) whatever the database's collation. */
#define BYTES " COLLATE \"C\""

/* ---- UTF-8 (PostgreSQL refuses text that is not) ----------------------------------------- */

/* The code point of the UTF-8 sequence at u and its length; -1 when it is not one. */
static long utf8_char(const unsigned char *u, int *len) {
    static const long least[5] = {0, 0, 0x80, 0x800, 0x10000};
    long cp = 0;
    int n = 0;
    if (u[0] < 0x80) {
        *len = 1;
        return u[0];
    }
    if ((u[0] & 0xE0) == 0xC0) {
        n = 2;
        cp = u[0] & 0x1F;
    } else if ((u[0] & 0xF0) == 0xE0) {
        n = 3;
        cp = u[0] & 0x0F;
    } else if ((u[0] & 0xF8) == 0xF0) {
        n = 4;
        cp = u[0] & 0x07;
    } else {
        return -1;
    }
    for (int k = 1; k < n; k++) {
        if ((u[k] & 0xC0) != 0x80) /* also stops at the terminating NUL */
            return -1;
        cp = cp << 6 | (u[k] & 0x3F);
    }
    if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
        return -1;
    *len = n;
    return cp;
}

static size_t utf8_put(long cp, char *out) {
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | cp >> 6);
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | cp >> 12);
        o[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | cp >> 18);
    o[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
    o[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Whether t is UTF-8 text (PostgreSQL refuses any other text, aborting the transaction). */
static bool utf8_ok(const char *t) {
    const unsigned char *u = (const unsigned char *)t;
    int len = 0;
    for (size_t i = 0; u[i]; i += (size_t)len)
        if (utf8_char(u + i, &len) < 0)
            return false;
    return true;
}

/* ---- Reading entries --------------------------------------------------------------------- */

/* The column of e.person when a walk selects it after ENTRY_COLS. */
#define ENTRY_KEY_COL 17
/* Rows of a big walk (entries_all, audience) per statement: a PGresult holds all its rows. */
#define BATCH 10000

struct entry_iter {
    rk_entry_fn fn;
    void *ctx;
    bool stopped;      /* the callback returned non-zero */
    int rows;          /* rows of the last statement */
    int key_col;       /* with batches: the column of e.person; -1 otherwise */
    int64_t last_key;  /* e.person of the last row */
    struct rk_entry e; /* large: the iterator is malloc'd */
};

static int each_entry(void *ctx, const struct pg_row *r) {
    struct entry_iter *it = ctx;
    it->rows++;
    if (it->key_col >= 0)
        it->last_key = pg_col_int(r, it->key_col);
    if (!pg_row_to_entry(r, &it->e))
        return -1;
    int rc = it->fn(it->ctx, &it->e);
    if (rc != 0)
        it->stopped = true;
    return rc;
}

static struct entry_iter *entry_iter_new(rk_entry_fn fn, void *ctx, int key_col) {
    struct entry_iter *it = malloc(sizeof *it);
    if (it) {
        it->fn = fn;
        it->ctx = ctx;
        it->stopped = false;
        it->rows = 0;
        it->key_col = key_col;
        it->last_key = INT64_MIN;
    }
    return it;
}

/* Calls fn for each row (ENTRY_COLS) of one statement. */
static rk_err iterate_entries(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n,
                              rk_entry_fn fn, void *ctx) {
    struct entry_iter *it = entry_iter_new(fn, ctx, -1);
    if (!it)
        return RK_ENOMEM;
    rk_err err = pg_each(s, sql, a, n, each_entry, it);
    free(it);
    return err;
}

rk_err pg_entries_of_person(struct rk_store *base, const char *person, rk_entry_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    return iterate_entries(
        s, "SELECT " ENTRY_COLS ENTRY_FROM "WHERE e.person = " PK(1) " ORDER BY e.register" BYTES,
        PG_ARGS(PG_TEXT(person)), fn, ctx);
}

rk_err pg_find_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       const char *reg, char id[RK_ID_LEN + 1]) {
    struct pg_store *s = (struct pg_store *)base;
    /* One indexed probe per column, as on SQLite. Without a register the least id; with
     * one an email match before a phone match, then the older person (SQLite: rowid). */
    if (!reg)
        return pg_row(s,
                      "SELECT id FROM (SELECT p.id FROM entry e JOIN person p ON p.pk = e.person "
                      "WHERE e.email_hash = $1 UNION ALL SELECT p.id FROM entry e "
                      "JOIN person p ON p.pk = e.person WHERE e.phone_hash = $1) u "
                      "ORDER BY id" BYTES " LIMIT 1",
                      PG_ARGS(PG_BLOB(hash, RK_HASH_LEN)), pg_row_id, id);
    return pg_row(
        s,
        "SELECT id FROM (SELECT p.id, 0 AS src, e.person FROM entry e "
        "JOIN person p ON p.pk = e.person WHERE e.email_hash = $1 AND e.register = $2 "
        "UNION ALL SELECT p.id, 1, e.person FROM entry e JOIN person p ON p.pk = e.person "
        "WHERE e.phone_hash = $1 AND e.register = $2) u ORDER BY src, person LIMIT 1",
        PG_ARGS(PG_BLOB(hash, RK_HASH_LEN), PG_TEXT(reg)), pg_row_id, id);
}

rk_err pg_entries_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                          rk_entry_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    /* By register; within one, email matches first, then by person (SQLite's index order). */
    return iterate_entries(
        s,
        "SELECT * FROM (SELECT " ENTRY_COLS ", 0 AS src, e.person AS pkey " ENTRY_FROM
        "WHERE e.email_hash = $1 UNION ALL SELECT " ENTRY_COLS ", 1, e.person " ENTRY_FROM
        "WHERE e.phone_hash = $1) u ORDER BY u.register" BYTES ", u.src, u.pkey",
        PG_ARGS(PG_BLOB(hash, RK_HASH_LEN)), fn, ctx);
}

/* REPEATABLE READ READ ONLY, as audience_all's own: one snapshot (taken by the first
 * statement) over every read until read_end; in_tx keeps the ops from opening their own.
 * Any write inside it fails (READ ONLY). */
rk_err pg_read_begin(struct rk_store *base) {
    struct pg_store *s = (struct pg_store *)base;
    if (s->in_tx || PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        return rk_error_set(&s->base.error, RK_EINVAL, NULL,
                            "a read transaction cannot start inside a transaction");
    rk_err err = pg_script(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    s->in_tx = s->in_read = err == RK_OK;
    return err;
}

rk_err pg_read_end(struct rk_store *base) {
    struct pg_store *s = (struct pg_store *)base;
    if (!s->in_tx || !s->in_read) {
        s->in_read = false;
        return rk_error_set(&s->base.error, RK_EINVAL, NULL, "no read transaction is open");
    }
    /* Read only: COMMIT and ROLLBACK end it alike; a failed read aborted it, and then
     * COMMIT answers "ROLLBACK", which loses nothing here. */
    rk_err err = pg_script(s, "COMMIT");
    if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        PQclear(PQexec(s->conn, "ROLLBACK"));
    s->in_tx = s->in_read = false;
    return err;
}

rk_err pg_find_by_name(struct rk_store *base, const char *fragment, rk_entry_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    char pattern[1024];
    size_t n = 0;
    /* Text that is not UTF-8 is in no name (and PostgreSQL would refuse it). */
    if (!utf8_ok(fragment))
        return RK_OK;
    /* LIKE metacharacters in the fragment match themselves. */
    for (const char *p = fragment; *p && n + 2 < sizeof pattern; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            pattern[n++] = '\\';
        pattern[n++] = *p;
    }
    pattern[n] = '\0';
    /* A fragment cut to the buffer loses its last character's stray bytes. */
    while (n > 0 && !utf8_ok(pattern))
        pattern[--n] = '\0';
    /* SQLite's LIKE folds the case of ASCII letters only: so does translate (ILIKE would
     * fold every letter). */
    return iterate_entries(
        s,
        "SELECT " ENTRY_COLS ENTRY_FROM
        "WHERE translate(e.name, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') "
        "LIKE '%' || translate($1, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') "
        "|| '%' ESCAPE '\\' ORDER BY p.id" BYTES ", e.register" BYTES " LIMIT 1000",
        PG_ARGS(PG_TEXT(pattern)), fn, ctx);
}

/* ---- People search and overview (migration 0016) -------------------------------------- */

rk_err pg_search_put(struct rk_store *base, const char *person, const char *register_id,
                     const struct rk_search_word *words, size_t n) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = pg_run(s, "DELETE FROM search_token WHERE person = " PK(1) " AND register = $2",
                        PG_ARGS(PG_TEXT(person), PG_TEXT(register_id)));
    for (size_t i = 0; err == RK_OK && i < n; i++)
        err = pg_run(s,
                     "INSERT INTO search_token (token, person, register, field) "
                     "VALUES ($3, " PK(1) ", $2, $4) ON CONFLICT DO NOTHING",
                     PG_ARGS(PG_TEXT(person), PG_TEXT(register_id), PG_TEXT(words[i].word),
                             PG_INT((int64_t)words[i].field)));
    return err;
}

struct search_iter {
    rk_search_row_fn fn;
    void *ctx;
    int64_t last_pk;
    char last_key[128];
};

/* Columns: key, pk, id, created_at (and whether the other prefixes match). Consecutive rows
 * of one person under one key come once. */
static int each_search_row(void *ctx, const struct pg_row *r) {
    struct search_iter *it = ctx;
    const char *key = pg_col_text(r, 0);
    int64_t pk = pg_col_int(r, 1);
    if (!key)
        return -1;
    if (pk == it->last_pk && strcmp(key, it->last_key) == 0)
        return 0;
    it->last_pk = pk;
    snprintf(it->last_key, sizeof it->last_key, "%s", key);
    struct rk_search_row row = {
        .pk = pk,
        .person_id = pg_col_text(r, 2),
        .added = pg_col_ts(r, 3),
        .key = key,
        .others = PQnfields(r->res) < 5 || pg_col_int(r, 4) != 0,
    };
    return row.person_id ? it->fn(it->ctx, &row) : -1;
}

/*
 * A word prefix as a range of search_token's key, compared byte-wise (COLLATE "C", SQLite's
 * order). SQLite binds the prefix and the prefix + 0xff; PostgreSQL refuses a byte 0xff in
 * text, so the end here is the least text after every text that starts with the prefix: the
 * prefix with its last character replaced by the next code point (UTF-8's byte order is the
 * order of code points), dropping last characters that have none (U+10FFFF). No end (NULL)
 * for the empty prefix: every word.
 */
#define PREFIX_MAX 128
struct range {
    char lo[PREFIX_MAX];
    char hi[PREFIX_MAX + 4];
    bool end; /* hi holds the end */
};

/* The range of prefix p (its first PREFIX_MAX - 2 bytes, as SQLite's bind_prefix); false
 * when p is not UTF-8. */
static bool range_of(const char *p, struct range *r) {
    size_t n = strnlen(p, PREFIX_MAX - 2), start[PREFIX_MAX], chars = 0;
    const unsigned char *u = (const unsigned char *)r->lo;
    int len = 0;
    memcpy(r->lo, p, n);
    r->lo[n] = '\0';
    r->end = false;
    for (size_t i = 0; i < n; i += (size_t)len) {
        if (utf8_char(u + i, &len) < 0)
            return false;
        start[chars++] = i;
    }
    while (chars > 0) {
        size_t k = start[--chars];
        long cp = utf8_char(u + k, &len) + 1;
        if (cp == 0xD800)
            cp = 0xE000;
        if (cp > 0x10FFFF)
            continue;
        memcpy(r->hi, r->lo, k);
        r->hi[k + utf8_put(cp, r->hi + k)] = '\0';
        r->end = true;
        break;
    }
    return true;
}

static rk_err not_utf8(struct pg_store *s) {
    return rk_error_set(&s->base.error, RK_EINVAL, NULL, "a search word is not UTF-8 text");
}

rk_err pg_search_words(struct rk_store *base, const char *prefix, int field,
                       const char *const *also, size_t nalso, const char *after_word,
                       int64_t after_pk, rk_search_row_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    size_t n = strlen(prefix);
    if (n + 2 > PREFIX_MAX)
        return RK_EINVAL;
    struct range r = {.end = false}, a[2] = {{.end = false}, {.end = false}};
    if (!range_of(prefix, &r))
        return not_utf8(s);
    /* The range: from the prefix (or the cursor) to its end. */
    const char *from = r.lo;
    if (after_word && strncmp(after_word, prefix, n) == 0) {
        if (!utf8_ok(after_word))
            return not_utf8(s);
        from = after_word;
    } else {
        after_pk = -1;
    }
    for (size_t i = 0; i < nalso && i < 2; i++)
        if (!range_of(also[i], &a[i]))
            return not_utf8(s);
    struct search_iter it = {fn, ctx, -1, ""};
#define ALSO(lo, hi)                                                                               \
    "(" lo "::text IS NULL OR EXISTS (SELECT 1 FROM search_token a WHERE a.person = t.person "     \
    "AND a.token" BYTES " >= " lo " AND (" hi "::text IS NULL OR a.token" BYTES " < " hi ")))"
    return pg_each(s,
                   "SELECT t.token, t.person, p.id, p.created_at, " ALSO("$5", "$6") " AND " ALSO(
                       "$7", "$8") " FROM search_token t JOIN person p ON p.pk = t.person "
                                   "WHERE (t.token" BYTES ", t.person) > ($1, $3::bigint) "
                                   "AND ($2::text IS NULL OR t.token" BYTES " < $2) "
                                   "AND ($4::bigint < 0 OR t.field = $4) ORDER BY t.token" BYTES
                                   ", t.person",
                   PG_ARGS(PG_TEXT(from), PG_TEXT(r.end ? r.hi : NULL), PG_INT(after_pk),
                           PG_INT(field), PG_TEXT(nalso > 0 ? a[0].lo : NULL),
                           PG_TEXT(nalso > 0 && a[0].end ? a[0].hi : NULL),
                           PG_TEXT(nalso > 1 ? a[1].lo : NULL),
                           PG_TEXT(nalso > 1 && a[1].end ? a[1].hi : NULL)),
                   each_search_row, &it);
#undef ALSO
}

rk_err pg_search_count(struct rk_store *base, const char *prefix, int field, int64_t cap,
                       int64_t *out) {
    struct pg_store *s = (struct pg_store *)base;
    struct range r = {.end = false};
    if (!range_of(prefix, &r))
        return not_utf8(s);
    /* SQLite's LIMIT takes a negative cap as none; PostgreSQL's takes NULL. */
    return pg_int(s,
                  "SELECT count(*) FROM (SELECT 1 FROM search_token WHERE token" BYTES " >= $1 "
                  "AND ($2::text IS NULL OR token" BYTES " < $2) "
                  "AND ($3::bigint < 0 OR field = $3) LIMIT $4::bigint) c",
                  PG_ARGS(PG_TEXT(r.lo), PG_TEXT(r.end ? r.hi : NULL), PG_INT(field),
                          cap < 0 ? (struct pg_arg)PG_NULL : (struct pg_arg)PG_INT(cap)),
                  out);
}

rk_err pg_search_people(struct rk_store *base, rk_ts since, rk_ts before, int64_t before_pk,
                        rk_search_row_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct search_iter it = {fn, ctx, -1, ""};
    /* Newest first over person_created; pk breaks ties. No cursor: no upper bound (SQLite
     * binds "~", after every instant). Instants are text of one fixed form, ordered alike
     * in any collation, so created_at keeps the index's. */
    return pg_each(s,
                   "SELECT created_at, pk, id, created_at FROM person WHERE created_at >= $1 "
                   "AND ($2::text IS NULL OR (created_at, pk) < ($2, $3::bigint)) "
                   "ORDER BY created_at DESC, pk DESC",
                   PG_ARGS(since ? (struct pg_arg)PG_TS(since) : (struct pg_arg)PG_TEXT(""),
                           PG_TS(before), PG_INT(before ? before_pk : INT64_MAX)),
                   each_search_row, &it);
}

rk_err pg_search_built(struct rk_store *base, bool *out) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t built = 0;
    rk_err err = pg_int(s, "SELECT built FROM search_state WHERE one = 1", PG_NONE, &built);
    if (err == RK_OK)
        *out = built != 0;
    return err;
}

rk_err pg_search_built_set(struct rk_store *base) {
    return pg_run((struct pg_store *)base, "UPDATE search_state SET built = 1 WHERE one = 1",
                  PG_NONE);
}

rk_err pg_entries_all(struct rk_store *base, rk_entry_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    /* In (person, register) order, in batches of whole persons: the persons of the next
     * BATCH entries after the last person read. */
    struct entry_iter *it = entry_iter_new(fn, ctx, ENTRY_KEY_COL);
    if (!it)
        return RK_ENOMEM;
    rk_err err = RK_OK;
    do {
        it->rows = 0;
        err = pg_each(s,
                      "SELECT " ENTRY_COLS ", e.person " ENTRY_FROM
                      "WHERE e.person > $1 AND e.person <= (SELECT max(person) FROM "
                      "(SELECT person FROM entry WHERE person > $1 ORDER BY person LIMIT $2) b) "
                      "ORDER BY e.person, e.register" BYTES,
                      PG_ARGS(PG_INT(it->last_key), PG_INT(BATCH)), each_entry, it);
    } while (err == RK_OK && !it->stopped && it->rows > 0);
    free(it);
    return err;
}

struct counter_iter {
    rk_counter_fn fn;
    void *ctx;
};

/* Columns: week (or NULL), name, three counts. */
static int each_counter(void *ctx, const struct pg_row *r) {
    struct counter_iter *it = ctx;
    struct rk_counter_row row = {
        .week = pg_col_text(r, 0),
        .name = pg_col_text(r, 1),
        .n = {pg_col_int(r, 2), pg_col_int(r, 3), pg_col_int(r, 4)},
    };
    return row.name ? it->fn(it->ctx, &row) : -1;
}

rk_err pg_register_counts(struct rk_store *base, rk_counter_fn fn, void *ctx) {
    struct counter_iter it = {fn, ctx};
    return pg_each((struct pg_store *)base,
                   "SELECT NULL::text, register, persons, 0, 0 FROM register_count "
                   "ORDER BY register" BYTES,
                   PG_NONE, each_counter, &it);
}

rk_err pg_purpose_counts(struct rk_store *base, rk_counter_fn fn, void *ctx) {
    struct counter_iter it = {fn, ctx};
    return pg_each((struct pg_store *)base,
                   "SELECT NULL::text, purpose, live, 0, 0 FROM purpose_count "
                   "ORDER BY purpose" BYTES,
                   PG_NONE, each_counter, &it);
}

rk_err pg_consent_weeks(struct rk_store *base, const char *from, rk_counter_fn fn, void *ctx) {
    struct counter_iter it = {fn, ctx};
    return pg_each((struct pg_store *)base,
                   "SELECT week, purpose, given, withdrawn, expired FROM consent_week "
                   "WHERE week" BYTES " >= $1 ORDER BY week" BYTES ", purpose" BYTES,
                   PG_ARGS(PG_TEXT(from)), each_counter, &it);
}

static bool row_mark(const struct pg_row *r, void *out) {
    struct rk_console_mark *m = out;
    m->at = pg_col_ts(r, 0);
    m->seq = pg_col_int(r, 1);
    m->ok = pg_col_null(r, 3) ? -1 : (int)pg_col_int(r, 3);
    return pg_col_copy(r, 2, m->detail, sizeof m->detail);
}

rk_err pg_console_mark_get(struct rk_store *base, const char *what, struct rk_console_mark *out) {
    memset(out, 0, sizeof *out);
    out->ok = -1;
    rk_err err = pg_row((struct pg_store *)base,
                        "SELECT at, seq, detail, ok FROM console_mark WHERE what = $1",
                        PG_ARGS(PG_TEXT(what)), row_mark, out);
    return err == RK_ENOENT ? RK_OK : err;
}

rk_err pg_console_mark_set(struct rk_store *base, const char *what,
                           const struct rk_console_mark *m) {
    /* SQLite's INSERT OR REPLACE: the whole row. */
    return pg_run((struct pg_store *)base,
                  "INSERT INTO console_mark (what, at, seq, detail, ok) "
                  "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (what) DO UPDATE SET at = excluded.at, "
                  "seq = excluded.seq, detail = excluded.detail, ok = excluded.ok",
                  PG_ARGS(PG_TEXT(what), PG_TS(m->at), PG_INT(m->seq), PG_TEXT(m->detail),
                          m->ok < 0 ? (struct pg_arg)PG_NULL : (struct pg_arg)PG_INT(m->ok)));
}

/* The entries a message may go to (art 18, art 21, suppression), whatever the legal basis. */
#define AUDIENCE_MAY                                                                               \
    "p.restricted = 0 AND p.objected = 0 "                                                         \
    "AND (e.email_hash IS NULL OR NOT EXISTS "                                                     \
    "(SELECT 1 FROM suppression s WHERE s.hash = e.email_hash)) "                                  \
    "AND (e.phone_hash IS NULL OR NOT EXISTS "                                                     \
    "(SELECT 1 FROM suppression s WHERE s.hash = e.phone_hash)) "
/* Those of register $1. */
#define AUDIENCE_WHERE "WHERE e.register = $1 AND " AUDIENCE_MAY
/* After the rule: the next batch, in SQLite's order (its scan of entry's key). */
#define AUDIENCE_NEXT "AND e.person > $4 ORDER BY e.person LIMIT $5"

rk_err pg_audience(struct rk_store *base, const char *reg, const char *purpose,
                   enum rk_audience_rule rule, rk_ts now, rk_entry_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    static const char consent[] =
        "SELECT " ENTRY_COLS ", e.person " ENTRY_FROM
        "JOIN consent_state c ON c.person = e.person AND c.purpose = $2 " AUDIENCE_WHERE
        "AND c.state = 'live' AND (c.expires_at IS NULL OR c.expires_at > $3) " AUDIENCE_NEXT;
    static const char contract[] = "SELECT " ENTRY_COLS ", e.person " ENTRY_FROM AUDIENCE_WHERE
                                   "AND EXISTS (SELECT 1 FROM contract k WHERE k.person = e.person "
                                   "AND k.register = e.register "
                                   "AND (k.end_date IS NULL OR k.end_date >= substr($3, 1, 10))) "
                                   "AND $2::text IS NOT NULL " AUDIENCE_NEXT;
    static const char any[] = "SELECT " ENTRY_COLS ", e.person " ENTRY_FROM AUDIENCE_WHERE
                              "AND $2::text IS NOT NULL AND $3::text IS NOT NULL " AUDIENCE_NEXT;
    const char *sql = rule == RK_AUDIENCE_LIVE_CONSENT      ? consent
                      : rule == RK_AUDIENCE_ACTIVE_CONTRACT ? contract
                                                            : any;
    /* One register: e.person is the key, in batches of BATCH rows. */
    struct entry_iter *it = entry_iter_new(fn, ctx, ENTRY_KEY_COL);
    if (!it)
        return RK_ENOMEM;
    rk_err err = RK_OK;
    do {
        it->rows = 0;
        err = pg_each(s, sql,
                      PG_ARGS(PG_TEXT(reg), PG_TEXT(purpose), PG_TS(now), PG_INT(it->last_key),
                              PG_INT(BATCH)),
                      each_entry, it);
    } while (err == RK_OK && !it->stopped && it->rows == BATCH);
    free(it);
    return err;
}

/* ---- The audience in one pass (issue 18; store.h audience_all) ---------------------------- */

/* Those of any register. */
#define AUDIENCE_ALL_WHERE "WHERE " AUDIENCE_MAY
/* After the rule: the next batch, by person and then register (SQLite's key order). */
#define AUDIENCE_ALL_NEXT                                                                          \
    "AND (e.person > $3 OR (e.person = $3 AND e.register" BYTES " > $4::text" BYTES ")) "          \
    "ORDER BY e.person, e.register" BYTES " LIMIT $5"

rk_err pg_audience_all(struct rk_store *base, const char *purpose, enum rk_audience_rule rule,
                       rk_ts now, rk_entry_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    static const char consent[] =
        "SELECT " ENTRY_COLS ", e.person " ENTRY_FROM
        "JOIN consent_state c ON c.person = e.person AND c.purpose = $1 " AUDIENCE_ALL_WHERE
        "AND c.state = 'live' AND (c.expires_at IS NULL OR c.expires_at > $2) " AUDIENCE_ALL_NEXT;
    static const char contract[] = "SELECT " ENTRY_COLS ", e.person " ENTRY_FROM AUDIENCE_ALL_WHERE
                                   "AND EXISTS (SELECT 1 FROM contract k WHERE k.person = e.person "
                                   "AND k.register = e.register "
                                   "AND (k.end_date IS NULL OR k.end_date >= substr($2, 1, 10))) "
                                   "AND $1::text IS NOT NULL " AUDIENCE_ALL_NEXT;
    static const char any[] =
        "SELECT " ENTRY_COLS ", e.person " ENTRY_FROM AUDIENCE_ALL_WHERE
        "AND $1::text IS NOT NULL AND $2::text IS NOT NULL " AUDIENCE_ALL_NEXT;
    const char *sql = rule == RK_AUDIENCE_LIVE_CONSENT      ? consent
                      : rule == RK_AUDIENCE_ACTIVE_CONTRACT ? contract
                                                            : any;
    struct entry_iter *it = entry_iter_new(fn, ctx, ENTRY_KEY_COL);
    if (!it)
        return RK_ENOMEM;
    it->e.register_id[0] = '\0';
    /* One read transaction unless one is open: every batch sees one snapshot. */
    bool own = !s->in_tx;
    rk_err err = own ? pg_script(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") : RK_OK;
    while (err == RK_OK) {
        char last_reg[sizeof it->e.register_id];
        memcpy(last_reg, it->e.register_id, sizeof last_reg);
        it->rows = 0;
        err = pg_each(s, sql,
                      PG_ARGS(PG_TEXT(purpose), PG_TS(now), PG_INT(it->last_key), PG_TEXT(last_reg),
                              PG_INT(BATCH)),
                      each_entry, it);
        if (it->stopped || it->rows < BATCH)
            break;
    }
    if (own) {
        rk_err end = pg_script(s, err == RK_OK ? "COMMIT" : "ROLLBACK");
        if (err == RK_OK)
            err = end;
    }
    free(it);
    return err;
}
