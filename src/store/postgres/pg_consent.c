/*
 * pg_consent.c — the consent ledger and the cookie-consent log in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_consent.c).
 */
#include "store/postgres/pg.h"

/* Not ported yet: each method refuses (pg_unbuilt); remove this with the last stub. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

rk_err pg_consent_append(struct rk_store *base, struct rk_consent_event *e) {
    return pg_unbuilt(base, "consent_append");
}

rk_err pg_consent_events(struct rk_store *base, const char *person, rk_consent_fn fn, void *ctx) {
    return pg_unbuilt(base, "consent_events");
}

rk_err pg_consent_state_get(struct rk_store *base, const char *person, const char *purpose,
                            struct rk_consent_state *out) {
    return pg_unbuilt(base, "consent_state_get");
}

rk_err pg_consent_state_put(struct rk_store *base, const char *person, const char *purpose,
                            const struct rk_consent_state *stt) {
    return pg_unbuilt(base, "consent_state_put");
}

rk_err pg_consent_version_put(struct rk_store *base, const char *version, const char *config,
                              rk_ts at) {
    return pg_unbuilt(base, "consent_version_put");
}

rk_err pg_consent_version_get(struct rk_store *base, const char *version, rk_consent_version_fn fn,
                              void *ctx) {
    return pg_unbuilt(base, "consent_version_get");
}

rk_err pg_consent_log_add(struct rk_store *base, const struct rk_cookie_choice *c) {
    return pg_unbuilt(base, "consent_log_add");
}

rk_err pg_consent_log_get(struct rk_store *base, const char *consent_id, rk_cookie_choice_fn fn,
                          void *ctx) {
    return pg_unbuilt(base, "consent_log_get");
}

rk_err pg_consent_log_counts(struct rk_store *base, rk_ts from, rk_ts to,
                             int64_t counts[RK_COOKIE__COUNT]) {
    return pg_unbuilt(base, "consent_log_counts");
}
