/*
 * pg_records.c — contracts, invoices, suppression, tasks, signups in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_records.c).
 */
#include "store/postgres/pg.h"

/* Not ported yet: each method refuses (pg_unbuilt); remove this with the last stub. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

rk_err pg_contract_insert(struct rk_store *base, const struct rk_contract *c) {
    return pg_unbuilt(base, "contract_insert");
}

rk_err pg_contract_get(struct rk_store *base, const char *id, struct rk_contract *out) {
    return pg_unbuilt(base, "contract_get");
}

rk_err pg_contract_update(struct rk_store *base, const struct rk_contract *c) {
    return pg_unbuilt(base, "contract_update");
}

rk_err pg_contract_change_append(struct rk_store *base, const char *contract, rk_ts at,
                                 const char *by, const char *field, const char *old_value,
                                 const char *new_value) {
    return pg_unbuilt(base, "contract_change_append");
}

rk_err pg_contracts_of_person(struct rk_store *base, const char *person, rk_contract_fn fn,
                              void *ctx) {
    return pg_unbuilt(base, "contracts_of_person");
}

rk_err pg_invoice_insert(struct rk_store *base, const struct rk_invoice *i) {
    return pg_unbuilt(base, "invoice_insert");
}

rk_err pg_invoices_of_person(struct rk_store *base, const char *person, rk_invoice_fn fn,
                             void *ctx) {
    return pg_unbuilt(base, "invoices_of_person");
}

rk_err pg_suppress_add(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       enum rk_field kind, enum rk_suppress_reason reason, rk_ts at) {
    return pg_unbuilt(base, "suppress_add");
}

rk_err pg_suppressed(struct rk_store *base, const unsigned char hash[RK_HASH_LEN], bool *out) {
    return pg_unbuilt(base, "suppressed");
}

rk_err pg_task_insert(struct rk_store *base, const struct rk_task *t) {
    return pg_unbuilt(base, "task_insert");
}

rk_err pg_tasks_count(struct rk_store *base, const char *kind, int64_t *out) {
    return pg_unbuilt(base, "tasks_count");
}

rk_err pg_contract_changes(struct rk_store *base, const char *contract, rk_change_fn fn,
                           void *ctx) {
    return pg_unbuilt(base, "contract_changes");
}

rk_err pg_tasks_of_person(struct rk_store *base, const char *person, rk_task_fn fn, void *ctx) {
    return pg_unbuilt(base, "tasks_of_person");
}

rk_err pg_signup_put(struct rk_store *base, const struct rk_signup *u) {
    return pg_unbuilt(base, "signup_put");
}

rk_err pg_signup_get(struct rk_store *base, const char *person_id, const char *purpose,
                     struct rk_signup *out) {
    return pg_unbuilt(base, "signup_get");
}

rk_err pg_signup_delete(struct rk_store *base, const char *person_id, const char *purpose) {
    return pg_unbuilt(base, "signup_delete");
}

rk_err pg_signup_by_hash(struct rk_store *base, const unsigned char h[RK_HASH_LEN],
                         char person_id[RK_ID_LEN + 1]) {
    return pg_unbuilt(base, "signup_by_hash");
}
