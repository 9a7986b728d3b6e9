/*
 * pg_requests.c — data-subject requests and answers in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_requests.c).
 */
#include "store/postgres/pg.h"

/* Not ported yet: each method refuses (pg_unbuilt); remove this with the last stub. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

rk_err pg_request_insert(struct rk_store *base, const struct rk_request *q) {
    return pg_unbuilt(base, "request_insert");
}

rk_err pg_request_update(struct rk_store *base, const struct rk_request *q) {
    return pg_unbuilt(base, "request_update");
}

rk_err pg_answer_insert(struct rk_store *base, const struct rk_answer_row *a) {
    return pg_unbuilt(base, "answer_insert");
}

rk_err pg_answer_update(struct rk_store *base, const struct rk_answer_row *a) {
    return pg_unbuilt(base, "answer_update");
}

rk_err pg_answer_file_put(struct rk_store *base, const char *request_id, const char *name,
                          const unsigned char *sealed, size_t len) {
    return pg_unbuilt(base, "answer_file_put");
}

rk_err pg_answer_get(struct rk_store *base, const char *request_id, struct rk_answer_row *out) {
    return pg_unbuilt(base, "answer_get");
}

rk_err pg_answer_file_get(struct rk_store *base, const char *request_id, const char *name,
                          unsigned char **out, size_t *len) {
    return pg_unbuilt(base, "answer_file_get");
}

rk_err pg_answer_delete_person(struct rk_store *base, const char *person_id, int64_t *n) {
    return pg_unbuilt(base, "answer_delete_person");
}

rk_err pg_request_redact(struct rk_store *base, const char *id) {
    return pg_unbuilt(base, "request_redact");
}

rk_err pg_request_get(struct rk_store *base, const char *id, struct rk_request *out) {
    return pg_unbuilt(base, "request_get");
}

rk_err pg_requests_list(struct rk_store *base, const struct rk_request_filter *f, rk_request_fn fn,
                        void *ctx) {
    return pg_unbuilt(base, "requests_list");
}

rk_err pg_requests_of_person(struct rk_store *base, const char *person_id, rk_request_fn fn,
                             void *ctx) {
    return pg_unbuilt(base, "requests_of_person");
}

rk_err pg_requests_overdue(struct rk_store *base, struct rk_date today, int64_t *out) {
    return pg_unbuilt(base, "requests_overdue");
}

rk_err pg_requests_open_of_person(struct rk_store *base, const char *person_id, int64_t *out) {
    return pg_unbuilt(base, "requests_open_of_person");
}
