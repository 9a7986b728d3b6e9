/*
 * pg_disclosure.c — what recipients hold: disclosures and sync passes in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_disclosure.c).
 */
#include "store/postgres/pg.h"

/* Not ported yet: each method refuses (pg_unbuilt); remove this with the last stub. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

rk_err pg_disclosure_get(struct rk_store *base, const char *recipient, const char *person_id,
                         rk_disclosure_fn fn, void *ctx) {
    return pg_unbuilt(base, "disclosure_get");
}

rk_err pg_disclosure_each(struct rk_store *base, const char *recipient, rk_disclosure_fn fn,
                          void *ctx) {
    return pg_unbuilt(base, "disclosure_each");
}

rk_err pg_disclosures_of_person(struct rk_store *base, const char *person_id, rk_disclosure_fn fn,
                                void *ctx) {
    return pg_unbuilt(base, "disclosures_of_person");
}

rk_err pg_disclosure_put(struct rk_store *base, const struct rk_disclosure *d) {
    return pg_unbuilt(base, "disclosure_put");
}

rk_err pg_disclosure_fail(struct rk_store *base, const char *recipient, const char *person_id,
                          const char *error, rk_ts at) {
    return pg_unbuilt(base, "disclosure_fail");
}

rk_err pg_disclosure_event_add(struct rk_store *base, const char *person_id, const char *recipient,
                               const char *action, const char *categories, rk_ts at) {
    return pg_unbuilt(base, "disclosure_event_add");
}

rk_err pg_disclosure_events_of_person(struct rk_store *base, const char *person_id,
                                      rk_disclosure_event_fn fn, void *ctx) {
    return pg_unbuilt(base, "disclosure_events_of_person");
}

rk_err pg_recipient_sync_get(struct rk_store *base, const char *recipient, rk_recipient_sync_fn fn,
                             void *ctx) {
    return pg_unbuilt(base, "recipient_sync_get");
}

rk_err pg_recipient_sync_put(struct rk_store *base, const struct rk_recipient_sync *rs) {
    return pg_unbuilt(base, "recipient_sync_put");
}
