/*
 * pg_retention.c — what ran out, purges, the census in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_retention.c).
 */
#include "store/postgres/pg.h"

/* Not ported yet: each method refuses (pg_unbuilt); remove this with the last stub. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

rk_err pg_consents_run_out(struct rk_store *base, rk_ts now, int limit, rk_person_purpose_fn fn,
                           void *ctx) {
    return pg_unbuilt(base, "consents_run_out");
}

rk_err pg_signups_run_out(struct rk_store *base, rk_ts now, int limit, rk_person_purpose_fn fn,
                          void *ctx) {
    return pg_unbuilt(base, "signups_run_out");
}

rk_err pg_retention_entries(struct rk_store *base, const char *register_id, int64_t after,
                            int limit, rk_retention_fn fn, void *ctx) {
    return pg_unbuilt(base, "retention_entries");
}

rk_err pg_kept_invoices_run_out(struct rk_store *base, struct rk_date today, int limit,
                                rk_person_purpose_fn fn, void *ctx) {
    return pg_unbuilt(base, "kept_invoices_run_out");
}

rk_err pg_kept_contracts(struct rk_store *base, const char *after, int limit, rk_contract_fn fn,
                         void *ctx) {
    return pg_unbuilt(base, "kept_contracts");
}

rk_err pg_outbox_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run, int64_t *n) {
    return pg_unbuilt(base, "outbox_purge");
}

rk_err pg_answer_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run, int64_t *n) {
    return pg_unbuilt(base, "answer_purge");
}

rk_err pg_recipient_notice_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                                 int64_t *n) {
    return pg_unbuilt(base, "recipient_notice_purge");
}

rk_err pg_consent_log_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                            int64_t *n) {
    return pg_unbuilt(base, "consent_log_purge");
}

rk_err pg_consents_run_out_states(struct rk_store *base, rk_ts now, int limit,
                                  rk_consent_state_fn fn, void *ctx) {
    return pg_unbuilt(base, "consents_run_out_states");
}

rk_err pg_census(struct rk_store *base, const char *person_id, struct rk_census *out) {
    return pg_unbuilt(base, "census");
}
