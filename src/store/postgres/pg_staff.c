/*
 * pg_staff.c — the audit chain, tokens, staff accounts in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_staff.c).
 */
#include "store/postgres/pg.h"

/* Not ported yet: each method refuses (pg_unbuilt); remove this with the last stub. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

rk_err pg_audit_last(struct rk_store *base, int64_t *seq, unsigned char hash[RK_HASH_LEN]) {
    return pg_unbuilt(base, "audit_last");
}

rk_err pg_audit_insert(struct rk_store *base, const struct rk_audit_event *e) {
    return pg_unbuilt(base, "audit_insert");
}

rk_err pg_audit_scan(struct rk_store *base, int64_t from, const char *person_id, rk_audit_fn fn,
                     void *ctx) {
    return pg_unbuilt(base, "audit_scan");
}

rk_err pg_token_insert(struct rk_store *base, const struct rk_token *t,
                       const unsigned char hash[RK_HASH_LEN]) {
    return pg_unbuilt(base, "token_insert");
}

rk_err pg_token_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                        struct rk_token *out) {
    return pg_unbuilt(base, "token_by_hash");
}

rk_err pg_token_revoke(struct rk_store *base, const char *name, rk_ts at) {
    return pg_unbuilt(base, "token_revoke");
}

rk_err pg_tokens_list(struct rk_store *base, rk_token_fn fn, void *ctx) {
    return pg_unbuilt(base, "tokens_list");
}

rk_err pg_staff_insert(struct rk_store *base, const struct rk_staff *a) {
    return pg_unbuilt(base, "staff_insert");
}

rk_err pg_staff_get(struct rk_store *base, const char *key, bool by_email, struct rk_staff *out) {
    return pg_unbuilt(base, "staff_get");
}

rk_err pg_staff_update(struct rk_store *base, const struct rk_staff *a) {
    return pg_unbuilt(base, "staff_update");
}

rk_err pg_staff_list(struct rk_store *base, rk_staff_fn fn, void *ctx) {
    return pg_unbuilt(base, "staff_list");
}

rk_err pg_staff_setup_put(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                          const char *staff_id, rk_ts expires) {
    return pg_unbuilt(base, "staff_setup_put");
}

rk_err pg_staff_setup_get(struct rk_store *base, const unsigned char hash[RK_HASH_LEN], rk_ts now,
                          char staff_id[RK_ID_LEN + 1]) {
    return pg_unbuilt(base, "staff_setup_get");
}

rk_err pg_staff_setup_clear(struct rk_store *base, const char *staff_id) {
    return pg_unbuilt(base, "staff_setup_clear");
}

rk_err pg_staff_session_put(struct rk_store *base, const struct rk_staff_session *x) {
    return pg_unbuilt(base, "staff_session_put");
}

rk_err pg_staff_session_get(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                            struct rk_staff_session *out) {
    return pg_unbuilt(base, "staff_session_get");
}

rk_err pg_staff_session_touch(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                              rk_ts at) {
    return pg_unbuilt(base, "staff_session_touch");
}

rk_err pg_staff_session_delete(struct rk_store *base, const unsigned char hash[RK_HASH_LEN]) {
    return pg_unbuilt(base, "staff_session_delete");
}

rk_err pg_staff_sessions_clear(struct rk_store *base, const char *staff_id, int64_t *n) {
    return pg_unbuilt(base, "staff_sessions_clear");
}

rk_err pg_staff_throttle_get(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                             int64_t *failures, rk_ts *locked_until) {
    return pg_unbuilt(base, "staff_throttle_get");
}

rk_err pg_staff_throttle_fail(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                              rk_ts now, rk_ts prune_before, int64_t *failures) {
    return pg_unbuilt(base, "staff_throttle_fail");
}

rk_err pg_staff_throttle_lock(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                              rk_ts until) {
    return pg_unbuilt(base, "staff_throttle_lock");
}

rk_err pg_staff_throttle_clear(struct rk_store *base, const unsigned char key[RK_HASH_LEN]) {
    return pg_unbuilt(base, "staff_throttle_clear");
}

rk_err pg_staff_signin_add(struct rk_store *base, const char *staff_id,
                           const struct rk_staff_signin *e) {
    return pg_unbuilt(base, "staff_signin_add");
}

rk_err pg_staff_signins(struct rk_store *base, const char *staff_id, int limit,
                        rk_staff_signin_fn fn, void *ctx) {
    return pg_unbuilt(base, "staff_signins");
}
