/*
 * sqlite_keys.c — key rotation (key state, re-hashing, revoking tokens) and
 * sealed values in the SQLite backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/* ---- Key rotation (keyrotate) ---------------------------------------------------------- */

rk_err sq_key_state_get(struct rk_store *base, uint32_t *gen,
                        char fingerprint[RK_FINGERPRINT_LEN + 1]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_KEY_STATE_GET, &st);
    if (err != RK_OK)
        return err;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int64_t g = sqlite3_column_int64(st, 0);
        if (g < 1 || g > UINT32_MAX || !sq_col_copy(st, 1, fingerprint, RK_FINGERPRINT_LEN + 1))
            err = sq_overflow(s);
        else
            *gen = (uint32_t)g;
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}

rk_err sq_key_state_set(struct rk_store *base, uint32_t gen, const char *fingerprint) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run(s, S_KEY_STATE_SET, SQ_ARGS(SQ_INT(gen), SQ_TEXT(fingerprint)));
}

/* The write transaction's BEGIN IMMEDIATE holds the database's write lock, which a
 * rotation needs too: reading the generation is holding it. */
rk_err sq_key_generation_hold(struct rk_store *base, bool exclusive, uint32_t *gen) {
    (void)exclusive;
    char fingerprint[RK_FINGERPRINT_LEN + 1];
    return sq_key_state_get(base, gen, fingerprint);
}

/* Moves the suppression row of old (if any) to new under generation gen. */
static rk_err move_suppression(struct sqlite_store *s, const void *old, const unsigned char *new,
                               uint32_t gen, int64_t *moved) {
    rk_err err = sq_run(s, S_REHASH_SUPPRESSION,
                        SQ_ARGS(SQ_BLOB(old, RK_HASH_LEN), SQ_BLOB(new, RK_HASH_LEN), SQ_INT(gen)));
    if (err == RK_OK)
        *moved += sqlite3_changes(s->db);
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

static rk_err rehash_entries(struct sqlite_store *s, uint32_t gen, rk_rehash_fn fn, void *ctx,
                             struct rk_rehash_counts *out) {
    static const enum rk_field fields[2] = {RK_F_EMAIL, RK_F_PHONE};
    struct rehash_row *rows = calloc(REHASH_BATCH, sizeof *rows);
    int64_t last_person = -1;
    char last_reg[RK_DECL_ID_MAX + 1] = "";
    rk_err err = rows ? RK_OK : RK_ENOMEM;
    for (size_t n = REHASH_BATCH; err == RK_OK && n == REHASH_BATCH;) {
        sqlite3_stmt *st = NULL;
        n = 0;
        if ((err = sq_prepare(s, S_REHASH_ENTRIES, &st)) != RK_OK)
            break;
        sqlite3_bind_int64(st, 1, last_person);
        sqlite3_bind_text(st, 2, last_reg, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 3, REHASH_BATCH);
        int rc;
        while (err == RK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct rehash_row *r = &rows[n++];
            r->person = sqlite3_column_int64(st, 0);
            if (!sq_col_copy(st, 1, r->reg, sizeof r->reg))
                err = sq_overflow(s);
            for (int k = 0; k < 2 && err == RK_OK; k++) {
                r->has[k] = sqlite3_column_type(st, 2 + 2 * k) != SQLITE_NULL;
                r->had[k] = sqlite3_column_bytes(st, 3 + 2 * k) == RK_HASH_LEN;
                if (!sq_col_copy(st, 2 + 2 * k, r->v[k], sizeof r->v[k]))
                    err = sq_overflow(s);
                else if (r->had[k])
                    memcpy(r->old[k], sqlite3_column_blob(st, 3 + 2 * k), RK_HASH_LEN);
            }
        }
        if (err == RK_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            err = sq_fail(s, rc);
        sq_done(st);
        for (size_t i = 0; i < n && err == RK_OK; i++) {
            struct rehash_row *r = &rows[i];
            unsigned char h[2][RK_HASH_LEN];
            for (int k = 0; k < 2; k++)
                if (r->has[k])
                    fn(ctx, fields[k], r->v[k], h[k]);
            for (int k = 0; k < 2 && err == RK_OK; k++)
                if (r->has[k] && r->had[k])
                    err = move_suppression(s, r->old[k], h[k], gen, &out->suppressions);
            if (err == RK_OK && (err = sq_prepare(s, S_REHASH_ENTRY_SET, &st)) == RK_OK) {
                sqlite3_bind_int64(st, 1, r->person);
                sq_bind_text(st, 2, r->reg);
                for (int k = 0; k < 2; k++)
                    if (r->has[k])
                        sqlite3_bind_blob(st, 3 + k, h[k], RK_HASH_LEN, SQLITE_TRANSIENT);
                    else
                        sqlite3_bind_null(st, 3 + k);
                err = sq_step_done(s, st);
            }
            out->entries++;
        }
        if (n > 0) {
            last_person = rows[n - 1].person;
            memcpy(last_reg, rows[n - 1].reg, sizeof last_reg);
        }
    }
    free(rows);
    return err;
}

static rk_err rehash_signups(struct sqlite_store *s, uint32_t gen, rk_rehash_fn fn, void *ctx,
                             struct rk_rehash_counts *out) {
    struct row {
        int64_t rowid;
        char email[RK_EMAIL_MAX + 1];
        unsigned char old[RK_HASH_LEN];
        bool had;
    } *rows = calloc(REHASH_BATCH, sizeof *rows);
    int64_t last = 0;
    rk_err err = rows ? RK_OK : RK_ENOMEM;
    for (size_t n = REHASH_BATCH; err == RK_OK && n == REHASH_BATCH;) {
        sqlite3_stmt *st = NULL;
        n = 0;
        if ((err = sq_prepare(s, S_REHASH_SIGNUPS, &st)) != RK_OK)
            break;
        sqlite3_bind_int64(st, 1, last);
        sqlite3_bind_int(st, 2, REHASH_BATCH);
        int rc;
        while (err == RK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct row *r = &rows[n++];
            r->rowid = sqlite3_column_int64(st, 0);
            r->had = sqlite3_column_bytes(st, 2) == RK_HASH_LEN;
            if (!sq_col_copy(st, 1, r->email, sizeof r->email))
                err = sq_overflow(s);
            else if (r->had)
                memcpy(r->old, sqlite3_column_blob(st, 2), RK_HASH_LEN);
        }
        if (err == RK_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            err = sq_fail(s, rc);
        sq_done(st);
        for (size_t i = 0; i < n && err == RK_OK; i++) {
            unsigned char h[RK_HASH_LEN];
            fn(ctx, RK_F_EMAIL, rows[i].email, h);
            if (rows[i].had)
                err = move_suppression(s, rows[i].old, h, gen, &out->suppressions);
            if (err == RK_OK && (err = sq_prepare(s, S_REHASH_SIGNUP_SET, &st)) == RK_OK) {
                sqlite3_bind_int64(st, 1, rows[i].rowid);
                sqlite3_bind_blob(st, 2, h, RK_HASH_LEN, SQLITE_TRANSIENT);
                err = sq_step_done(s, st);
            }
            out->signups++;
        }
        if (n > 0)
            last = rows[n - 1].rowid;
    }
    free(rows);
    return err;
}

rk_err sq_key_rehash(struct rk_store *base, uint32_t gen, rk_rehash_fn fn, void *ctx,
                     struct rk_rehash_counts *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct rk_rehash_counts c = {0, 0, 0};
    rk_err err = rehash_entries(s, gen, fn, ctx, &c);
    if (err == RK_OK)
        err = rehash_signups(s, gen, fn, ctx, &c);
    if (err == RK_OK)
        *out = c;
    return err;
}

rk_err sq_tokens_revoke_all(struct rk_store *base, rk_ts at, int64_t *n) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = sq_run(s, S_TOKENS_REVOKE_ALL, SQ_ARGS(SQ_TS(at)));
    if (err == RK_OK)
        *n = sqlite3_changes(s->db);
    return err;
}

struct gen_iter {
    rk_gen_count_fn fn;
    void *ctx;
};

static int each_gen(void *ctx, sqlite3_stmt *st) {
    struct gen_iter *it = ctx;
    int64_t g = sqlite3_column_int64(st, 0);
    if (g < 0 || g > UINT32_MAX)
        return -1;
    it->fn(it->ctx, (uint32_t)g, sqlite3_column_int64(st, 1));
    return 0;
}

rk_err sq_suppression_generations(struct rk_store *base, rk_gen_count_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct gen_iter it = {fn, ctx};
    return sq_each(s, S_SUPPRESSION_GENS, NULL, 0, each_gen, &it);
}

/* ---- Sealed values (migration 0014) ----------------------------------------------------- */

rk_err sq_sealed_set(struct rk_store *base, enum rk_sealed_table table, int64_t id,
                     const unsigned char *sealed, size_t len) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if ((unsigned)table >= RK_SEALED__COUNT || len > (size_t)INT32_MAX)
        return RK_EINVAL;
    static const enum stmt set[RK_SEALED__COUNT] = {
        [RK_SEALED_NOTICE] = S_SEALED_SET_NOTICE,
        [RK_SEALED_OUTBOX] = S_SEALED_SET_OUTBOX,
        [RK_SEALED_DISCLOSURE] = S_SEALED_SET_DISCLOSURE,
    };
    rk_err err = sq_prepare(s, set[table], &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    if (sealed)
        sqlite3_bind_blob(st, 2, sealed, (int)len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    err = sq_step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

struct sealed_iter {
    rk_sealed_fn fn;
    void *ctx;
};

static int each_sealed(void *ctx, sqlite3_stmt *st) {
    struct sealed_iter *it = ctx;
    struct rk_sealed_row r = {.id = sqlite3_column_int64(st, 0),
                              .recipient = sq_col_text(st, 1),
                              .person_id = sq_col_text(st, 2),
                              .message_id = sq_col_text(st, 3),
                              .sealed = sqlite3_column_blob(st, 4),
                              .len = (size_t)sqlite3_column_bytes(st, 4)};
    return it->fn(it->ctx, &r) ? 1 : 0;
}

rk_err sq_sealed_list(struct rk_store *base, enum rk_sealed_table table, int64_t after,
                      bool plain_only, int limit, rk_sealed_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if ((unsigned)table >= RK_SEALED__COUNT)
        return RK_EINVAL;
    static const enum stmt list[RK_SEALED__COUNT] = {
        [RK_SEALED_NOTICE] = S_SEALED_LIST_NOTICE,
        [RK_SEALED_OUTBOX] = S_SEALED_LIST_OUTBOX,
        [RK_SEALED_DISCLOSURE] = S_SEALED_LIST_DISCLOSURE,
    };
    rk_err err = sq_prepare(s, list[table], &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, plain_only);
    sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
    struct sealed_iter it = {fn, ctx};
    return sq_step_rows(s, st, each_sealed, &it);
}
