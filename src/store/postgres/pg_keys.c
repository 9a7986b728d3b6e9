/*
 * pg_keys.c — key rotation, sealed values in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_keys.c).
 */
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

/* ---- Key rotation (keyrotate) ---------------------------------------------------------- */

struct key_state_out {
    uint32_t *gen;
    char *fingerprint;
};

static bool row_key_state(const struct pg_row *r, void *out) {
    struct key_state_out *o = out;
    int64_t g = pg_col_int(r, 0);
    if (g < 1 || g > UINT32_MAX || !pg_col_copy(r, 1, o->fingerprint, RK_FINGERPRINT_LEN + 1))
        return false;
    *o->gen = (uint32_t)g;
    return true;
}

rk_err pg_key_state_get(struct rk_store *base, uint32_t *gen,
                        char fingerprint[RK_FINGERPRINT_LEN + 1]) {
    struct pg_store *s = (struct pg_store *)base;
    struct key_state_out o = {.gen = gen, .fingerprint = fingerprint};
    return pg_row(s, "SELECT generation, fingerprint FROM key_state WHERE one = 1", PG_NONE,
                  row_key_state, &o);
}

rk_err pg_key_state_set(struct rk_store *base, uint32_t gen, const char *fingerprint) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(s, "UPDATE key_state SET generation = $1, fingerprint = $2 WHERE one = 1",
                  PG_ARGS(PG_INT(gen), PG_TEXT(fingerprint)));
}

/* The lock, then the read, in one round trip; two statements, so that the read's snapshot
 * is taken after the lock is granted (READ COMMITTED: one per statement) and sees the
 * rotation that held it exclusively. No parameters: the simple protocol, as BEGIN is. */
rk_err pg_key_generation_hold(struct rk_store *base, bool exclusive, uint32_t *gen) {
    struct pg_store *s = (struct pg_store *)base;
    /* 8244683542831824898 is PG_LOCK_KEYGEN written out (the simple protocol binds none). */
    _Static_assert(PG_LOCK_KEYGEN == 8244683542831824898LL, "the key below is PG_LOCK_KEYGEN");
    static const char shared[] = "SELECT pg_advisory_xact_lock_shared(8244683542831824898); "
                                 "SELECT generation FROM key_state WHERE one = 1";
    static const char excl[] = "SELECT pg_advisory_xact_lock(8244683542831824898); "
                               "SELECT generation FROM key_state WHERE one = 1";
    PGresult *res = PQexec(s->conn, exclusive ? excl : shared);
    rk_err err = RK_OK;
    if (!res || PQresultStatus(res) != PGRES_TUPLES_OK)
        err = pg_fail(s, res);
    else if (PQntuples(res) != 1)
        err = rk_error_set(&s->base.error, RK_ENOENT, NULL, "the database has no key state");
    else {
        long long g = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        if (g < 1 || g > UINT32_MAX)
            err = rk_error_set(&s->base.error, RK_EIO, NULL,
                               "the database's key generation is out of range");
        else
            *gen = (uint32_t)g;
    }
    PQclear(res);
    return err;
}

/* Moves the suppression row of old (if any) to new under generation gen. SQLite's UPDATE OR
 * IGNORE: a row already at new leaves old's row where it is (no error, which would abort the
 * transaction here). */
static rk_err move_suppression(struct pg_store *s, const unsigned char *old,
                               const unsigned char *new, uint32_t gen, int64_t *moved) {
    int64_t n = 0;
    rk_err err = pg_run_count(
        s,
        "UPDATE suppression SET hash = $2::bytea, gen = $3 "
        "WHERE hash = $1::bytea AND ($1::bytea = $2::bytea OR NOT EXISTS "
        "(SELECT 1 FROM suppression t WHERE t.hash = $2::bytea))",
        PG_ARGS(PG_BLOB(old, RK_HASH_LEN), PG_BLOB(new, RK_HASH_LEN), PG_INT(gen)), &n);
    if (err == RK_OK)
        *moved += n;
    return err;
}

#define REHASH_BATCH 256

/* One entry read in a batch: its key, values and old hashes. */
struct rehash_row {
    int64_t person;
    char reg[RK_DECL_ID_MAX + 1];
    char v[2][RK_EMAIL_MAX + 1]; /* email, phone; "" when NULL */
    unsigned char old[2][RK_HASH_LEN];
    bool has[2], had[2];
};

struct entry_batch {
    struct rehash_row *rows;
    size_t n;
};

static int each_rehash_entry(void *ctx, const struct pg_row *r) {
    struct entry_batch *b = ctx;
    if (b->n >= REHASH_BATCH)
        return -1;
    struct rehash_row *row = &b->rows[b->n++];
    row->person = pg_col_int(r, 0);
    if (!pg_col_copy(r, 1, row->reg, sizeof row->reg))
        return -1;
    for (int k = 0; k < 2; k++) {
        row->has[k] = !pg_col_null(r, 2 + 2 * k);
        row->had[k] = pg_col_blob(r, 3 + 2 * k, row->old[k], RK_HASH_LEN);
        if (!pg_col_copy(r, 2 + 2 * k, row->v[k], sizeof row->v[k]))
            return -1;
    }
    return 0;
}

static rk_err rehash_entries(struct pg_store *s, uint32_t gen, rk_rehash_fn fn, void *ctx,
                             struct rk_rehash_counts *out) {
    static const enum rk_field fields[2] = {RK_F_EMAIL, RK_F_PHONE};
    struct entry_batch b = {.rows = calloc(REHASH_BATCH, sizeof *b.rows), .n = REHASH_BATCH};
    int64_t last_person = -1;
    char last_reg[RK_DECL_ID_MAX + 1] = "";
    rk_err err = b.rows ? RK_OK : RK_ENOMEM;
    /* Batches in primary key order after a cursor: the updates change no key, so none is
     * seen twice. The cursor and the order compare register under the same collation. */
    while (err == RK_OK && b.n == REHASH_BATCH) {
        b.n = 0;
        err = pg_each(s,
                      "SELECT person, register, email, email_hash, phone, phone_hash "
                      "FROM entry WHERE (person, register) > ($1, $2) "
                      "AND (email IS NOT NULL OR phone IS NOT NULL) "
                      "ORDER BY person, register LIMIT $3",
                      PG_ARGS(PG_INT(last_person), PG_TEXT(last_reg), PG_INT(REHASH_BATCH)),
                      each_rehash_entry, &b);
        for (size_t i = 0; i < b.n && err == RK_OK; i++) {
            struct rehash_row *r = &b.rows[i];
            unsigned char h[2][RK_HASH_LEN];
            for (int k = 0; k < 2; k++)
                if (r->has[k])
                    fn(ctx, fields[k], r->v[k], h[k]);
            for (int k = 0; k < 2 && err == RK_OK; k++)
                if (r->has[k] && r->had[k])
                    err = move_suppression(s, r->old[k], h[k], gen, &out->suppressions);
            if (err == RK_OK) {
                const struct pg_arg email =
                    r->has[0] ? (struct pg_arg)PG_BLOB(h[0], RK_HASH_LEN) : (struct pg_arg)PG_NULL;
                const struct pg_arg phone =
                    r->has[1] ? (struct pg_arg)PG_BLOB(h[1], RK_HASH_LEN) : (struct pg_arg)PG_NULL;
                err = pg_run(s,
                             "UPDATE entry SET email_hash = $3, phone_hash = $4 "
                             "WHERE person = $1 AND register = $2",
                             PG_ARGS(PG_INT(r->person), PG_TEXT(r->reg), email, phone));
            }
            out->entries++;
        }
        if (err == RK_OK && b.n > 0) {
            last_person = b.rows[b.n - 1].person;
            memcpy(last_reg, b.rows[b.n - 1].reg, sizeof last_reg);
        }
    }
    free(b.rows);
    return err;
}

/* One signup read in a batch: its row id (the rowid column), email and old hash. */
struct signup_row {
    int64_t rowid;
    char email[RK_EMAIL_MAX + 1];
    unsigned char old[RK_HASH_LEN];
    bool had;
};

struct signup_batch {
    struct signup_row *rows;
    size_t n;
};

static int each_rehash_signup(void *ctx, const struct pg_row *r) {
    struct signup_batch *b = ctx;
    if (b->n >= REHASH_BATCH)
        return -1;
    struct signup_row *row = &b->rows[b->n++];
    row->rowid = pg_col_int(r, 0);
    row->had = pg_col_blob(r, 2, row->old, RK_HASH_LEN);
    return pg_col_copy(r, 1, row->email, sizeof row->email) ? 0 : -1;
}

static rk_err rehash_signups(struct pg_store *s, uint32_t gen, rk_rehash_fn fn, void *ctx,
                             struct rk_rehash_counts *out) {
    struct signup_batch b = {.rows = calloc(REHASH_BATCH, sizeof *b.rows), .n = REHASH_BATCH};
    int64_t last = 0;
    rk_err err = b.rows ? RK_OK : RK_ENOMEM;
    while (err == RK_OK && b.n == REHASH_BATCH) {
        b.n = 0;
        err = pg_each(s,
                      "SELECT rowid, email, email_hash FROM signup WHERE rowid > $1 "
                      "ORDER BY rowid LIMIT $2",
                      PG_ARGS(PG_INT(last), PG_INT(REHASH_BATCH)), each_rehash_signup, &b);
        for (size_t i = 0; i < b.n && err == RK_OK; i++) {
            unsigned char h[RK_HASH_LEN];
            fn(ctx, RK_F_EMAIL, b.rows[i].email, h);
            if (b.rows[i].had)
                err = move_suppression(s, b.rows[i].old, h, gen, &out->suppressions);
            if (err == RK_OK)
                err = pg_run(s, "UPDATE signup SET email_hash = $2 WHERE rowid = $1",
                             PG_ARGS(PG_INT(b.rows[i].rowid), PG_BLOB(h, RK_HASH_LEN)));
            out->signups++;
        }
        if (err == RK_OK && b.n > 0)
            last = b.rows[b.n - 1].rowid;
    }
    free(b.rows);
    return err;
}

rk_err pg_key_rehash(struct rk_store *base, uint32_t gen, rk_rehash_fn fn, void *ctx,
                     struct rk_rehash_counts *out) {
    struct pg_store *s = (struct pg_store *)base;
    struct rk_rehash_counts c = {.entries = 0, .signups = 0, .suppressions = 0};
    rk_err err = rehash_entries(s, gen, fn, ctx, &c);
    if (err == RK_OK)
        err = rehash_signups(s, gen, fn, ctx, &c);
    if (err == RK_OK)
        *out = c;
    return err;
}

rk_err pg_tokens_revoke_all(struct rk_store *base, rk_ts at, int64_t *n) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_count(s, "UPDATE token SET revoked_at = $1 WHERE revoked_at IS NULL",
                        PG_ARGS(PG_TS(at)), n);
}

struct gen_iter {
    rk_gen_count_fn fn;
    void *ctx;
};

static int each_gen(void *ctx, const struct pg_row *r) {
    struct gen_iter *it = ctx;
    int64_t g = pg_col_int(r, 0);
    if (g < 0 || g > UINT32_MAX)
        return -1;
    it->fn(it->ctx, (uint32_t)g, pg_col_int(r, 1));
    return 0;
}

rk_err pg_suppression_generations(struct rk_store *base, rk_gen_count_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct gen_iter it = {.fn = fn, .ctx = ctx};
    return pg_each(s, "SELECT gen, count(*) FROM suppression GROUP BY gen ORDER BY gen", PG_NONE,
                   each_gen, &it);
}

/* ---- Sealed values (migration 0014) ----------------------------------------------------- */

rk_err pg_sealed_set(struct rk_store *base, enum rk_sealed_table table, int64_t id,
                     const unsigned char *sealed, size_t len) {
    struct pg_store *s = (struct pg_store *)base;
    if ((unsigned)table >= RK_SEALED__COUNT || len > (size_t)INT32_MAX)
        return RK_EINVAL;
    static const char *const set[RK_SEALED__COUNT] = {
        [RK_SEALED_NOTICE] = "UPDATE recipient_notice SET sealed = $2 "
                             "WHERE id = $1 AND state = 'queued'",
        [RK_SEALED_OUTBOX] = "UPDATE outbox SET sealed = $2 WHERE id = $1 AND state = 'queued'",
        [RK_SEALED_DISCLOSURE] = "UPDATE disclosure SET remote_sealed = $2 "
                                 "WHERE id = $1 AND remote_sealed IS NOT NULL",
    };
    const struct pg_arg value =
        sealed ? (struct pg_arg)PG_BLOB(sealed, len) : (struct pg_arg)PG_NULL;
    return pg_run_one(s, set[table], PG_ARGS(PG_INT(id), value));
}

struct sealed_iter {
    rk_sealed_fn fn;
    void *ctx;
};

static int each_sealed(void *ctx, const struct pg_row *r) {
    struct sealed_iter *it = ctx;
    unsigned char *sealed = NULL;
    size_t len = 0;
    if (!pg_col_blob_dup(r, 4, &sealed, &len))
        return -1;
    struct rk_sealed_row row = {.id = pg_col_int(r, 0),
                                .recipient = pg_col_text(r, 1),
                                .person_id = pg_col_text(r, 2),
                                .message_id = pg_col_text(r, 3),
                                .sealed = sealed,
                                .len = len};
    int stop = it->fn(it->ctx, &row);
    free(sealed);
    return stop ? 1 : 0;
}

rk_err pg_sealed_list(struct rk_store *base, enum rk_sealed_table table, int64_t after,
                      bool plain_only, int limit, rk_sealed_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    if ((unsigned)table >= RK_SEALED__COUNT)
        return RK_EINVAL;
    /* Plaintext of migration 0014: marker byte 0. LIMIT NULL is no limit. */
    static const char *const list[RK_SEALED__COUNT] = {
        [RK_SEALED_NOTICE] = "SELECT id, recipient, person_id, NULL, sealed FROM recipient_notice "
                             "WHERE id > $1 AND sealed IS NOT NULL "
                             "AND ($2::bigint = 0 OR substr(sealed, 1, 1) = '\\x00'::bytea) "
                             "ORDER BY id LIMIT $3",
        [RK_SEALED_OUTBOX] = "SELECT id, NULL, person_id, message_id, sealed FROM outbox "
                             "WHERE id > $1 AND sealed IS NOT NULL "
                             "AND ($2::bigint = 0 OR substr(sealed, 1, 1) = '\\x00'::bytea) "
                             "ORDER BY id LIMIT $3",
        [RK_SEALED_DISCLOSURE] =
            "SELECT d.id, d.recipient, p.id, NULL, d.remote_sealed FROM disclosure d "
            "JOIN person p ON p.pk = d.person WHERE d.id > $1 AND d.remote_sealed IS NOT NULL "
            "AND ($2::bigint = 0 OR substr(d.remote_sealed, 1, 1) = '\\x00'::bytea) "
            "ORDER BY d.id LIMIT $3",
    };
    const struct pg_arg lim = limit > 0 ? (struct pg_arg)PG_INT(limit) : (struct pg_arg)PG_NULL;
    struct sealed_iter it = {.fn = fn, .ctx = ctx};
    return pg_each(s, list[table], PG_ARGS(PG_INT(after), PG_INT(plain_only), lim), each_sealed,
                   &it);
}
