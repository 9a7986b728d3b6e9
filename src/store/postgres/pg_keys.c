/*
 * pg_keys.c — key rotation, sealed values in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_keys.c).
 */
#include "store/postgres/pg.h"

/* Not ported yet: each method refuses (pg_unbuilt); remove this with the last stub. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

rk_err pg_key_state_get(struct rk_store *base, uint32_t *gen,
                        char fingerprint[RK_FINGERPRINT_LEN + 1]) {
    return pg_unbuilt(base, "key_state_get");
}

rk_err pg_key_state_set(struct rk_store *base, uint32_t gen, const char *fingerprint) {
    return pg_unbuilt(base, "key_state_set");
}

rk_err pg_key_rehash(struct rk_store *base, uint32_t gen, rk_rehash_fn fn, void *ctx,
                     struct rk_rehash_counts *out) {
    return pg_unbuilt(base, "key_rehash");
}

rk_err pg_tokens_revoke_all(struct rk_store *base, rk_ts at, int64_t *n) {
    return pg_unbuilt(base, "tokens_revoke_all");
}

rk_err pg_suppression_generations(struct rk_store *base, rk_gen_count_fn fn, void *ctx) {
    return pg_unbuilt(base, "suppression_generations");
}

rk_err pg_sealed_set(struct rk_store *base, enum rk_sealed_table table, int64_t id,
                     const unsigned char *sealed, size_t len) {
    return pg_unbuilt(base, "sealed_set");
}

rk_err pg_sealed_list(struct rk_store *base, enum rk_sealed_table table, int64_t after,
                      bool plain_only, int limit, rk_sealed_fn fn, void *ctx) {
    return pg_unbuilt(base, "sealed_list");
}
