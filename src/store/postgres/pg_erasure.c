/*
 * pg_erasure.c — the deletes of erasure, the erasure journal in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_erasure.c).
 */
#include "store/postgres/pg.h"

/* Not ported yet: each method refuses (pg_unbuilt); remove this with the last stub. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

rk_err pg_person_flags_set(struct rk_store *base, const char *id, bool restricted, bool objected) {
    return pg_unbuilt(base, "person_flags_set");
}

rk_err pg_person_delete(struct rk_store *base, const char *id) {
    return pg_unbuilt(base, "person_delete");
}

rk_err pg_entries_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    return pg_unbuilt(base, "entries_delete_person");
}

rk_err pg_provenance_delete_unused(struct rk_store *base, int64_t id, bool *deleted) {
    return pg_unbuilt(base, "provenance_delete_unused");
}

rk_err pg_organisation_delete_unused(struct rk_store *base, const char *name, bool *deleted) {
    return pg_unbuilt(base, "organisation_delete_unused");
}

rk_err pg_consent_delete(struct rk_store *base, const char *person, const char *purpose,
                         int64_t *n) {
    return pg_unbuilt(base, "consent_delete");
}

rk_err pg_contract_delete(struct rk_store *base, const char *id) {
    return pg_unbuilt(base, "contract_delete");
}

rk_err pg_contract_restrict(struct rk_store *base, const char *id) {
    return pg_unbuilt(base, "contract_restrict");
}

rk_err pg_invoice_delete(struct rk_store *base, const char *id) {
    return pg_unbuilt(base, "invoice_delete");
}

rk_err pg_invoice_restrict(struct rk_store *base, const char *id) {
    return pg_unbuilt(base, "invoice_restrict");
}

rk_err pg_signups_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    return pg_unbuilt(base, "signups_delete_person");
}

rk_err pg_outbox_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    return pg_unbuilt(base, "outbox_delete_person");
}

rk_err pg_tasks_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    return pg_unbuilt(base, "tasks_delete_person");
}

rk_err pg_tasks_list(struct rk_store *base, const char *kind, bool open_only, rk_task_fn fn,
                     void *ctx) {
    return pg_unbuilt(base, "tasks_list");
}

rk_err pg_task_done(struct rk_store *base, const char *id, rk_ts at) {
    return pg_unbuilt(base, "task_done");
}

rk_err pg_journal_mark(struct rk_store *base, const char *id, rk_ts at) {
    return pg_unbuilt(base, "journal_mark");
}

rk_err pg_journal_has(struct rk_store *base, const char *id, bool *out) {
    return pg_unbuilt(base, "journal_has");
}

rk_err pg_journal_ids(struct rk_store *base, rk_journal_id_fn fn, void *ctx) {
    return pg_unbuilt(base, "journal_ids");
}

rk_err pg_suppress_add_gen(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                           enum rk_field kind, enum rk_suppress_reason reason, rk_ts at,
                           uint32_t gen) {
    return pg_unbuilt(base, "suppress_add_gen");
}

rk_err pg_lookup_values(struct rk_store *base, rk_lookup_value_fn fn, void *ctx) {
    return pg_unbuilt(base, "lookup_values");
}

rk_err pg_entry_leave(struct rk_store *base, const char *reg, const char *person, bool *left) {
    return pg_unbuilt(base, "entry_leave");
}
