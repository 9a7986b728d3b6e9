/*
 * pg_queues.c — the outbox, art 19 notices, the mail limit in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_queues.c).
 */
#include "store/postgres/pg.h"

/* Not ported yet: each method refuses (pg_unbuilt); remove this with the last stub. */
#pragma GCC diagnostic ignored "-Wunused-parameter"

rk_err pg_outbox_enqueue(struct rk_store *base, const struct rk_outbox_msg *m, int64_t *id) {
    return pg_unbuilt(base, "outbox_enqueue");
}

rk_err pg_outbox_due(struct rk_store *base, rk_ts now, int limit, rk_outbox_fn fn, void *ctx) {
    return pg_unbuilt(base, "outbox_due");
}

rk_err pg_outbox_mark_sent(struct rk_store *base, int64_t id, rk_ts at) {
    return pg_unbuilt(base, "outbox_mark_sent");
}

rk_err pg_outbox_mark_retry(struct rk_store *base, int64_t id, rk_ts next, const char *error) {
    return pg_unbuilt(base, "outbox_mark_retry");
}

rk_err pg_outbox_mark_failed(struct rk_store *base, int64_t id, rk_ts at, const char *error) {
    return pg_unbuilt(base, "outbox_mark_failed");
}

rk_err pg_outbox_count(struct rk_store *base, enum rk_outbox_state state, int64_t *out) {
    return pg_unbuilt(base, "outbox_count");
}

rk_err pg_outbox_failed(struct rk_store *base, int limit, rk_outbox_failure_fn fn, void *ctx) {
    return pg_unbuilt(base, "outbox_failed");
}

rk_err pg_outbox_requeue(struct rk_store *base, int64_t id, rk_ts now) {
    return pg_unbuilt(base, "outbox_requeue");
}

rk_err pg_audience_rows(struct rk_store *base, const char *register_id, const char *purpose,
                        rk_audience_row_fn fn, void *ctx) {
    return pg_unbuilt(base, "audience_rows");
}

rk_err pg_contact_rows(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       const char *purpose, bool *suppressed, rk_contact_row_fn fn, void *ctx) {
    return pg_unbuilt(base, "contact_rows");
}

rk_err pg_recipient_notice_add(struct rk_store *base, struct rk_recipient_notice *n) {
    return pg_unbuilt(base, "recipient_notice_add");
}

rk_err pg_recipient_notice_due(struct rk_store *base, rk_ts now, int limit, rk_notice_fn fn,
                               void *ctx) {
    return pg_unbuilt(base, "recipient_notice_due");
}

rk_err pg_recipient_notice_mark_done(struct rk_store *base, int64_t id, rk_ts at) {
    return pg_unbuilt(base, "recipient_notice_mark_done");
}

rk_err pg_recipient_notice_mark_pending(struct rk_store *base, int64_t id, const char *remote_id,
                                        rk_ts next) {
    return pg_unbuilt(base, "recipient_notice_mark_pending");
}

rk_err pg_recipient_notice_mark_wait(struct rk_store *base, int64_t id, rk_ts next,
                                     const char *error) {
    return pg_unbuilt(base, "recipient_notice_mark_wait");
}

rk_err pg_recipient_notice_mark_retry(struct rk_store *base, int64_t id, rk_ts next,
                                      const char *error) {
    return pg_unbuilt(base, "recipient_notice_mark_retry");
}

rk_err pg_recipient_notice_mark_final(struct rk_store *base, int64_t id, enum rk_notice_state state,
                                      rk_ts at, const char *error) {
    return pg_unbuilt(base, "recipient_notice_mark_final");
}

rk_err pg_recipient_notice_count(struct rk_store *base, enum rk_notice_state state, int64_t *out) {
    return pg_unbuilt(base, "recipient_notice_count");
}

rk_err pg_recipient_notice_list(struct rk_store *base, enum rk_notice_state state, int limit,
                                rk_notice_fn fn, void *ctx) {
    return pg_unbuilt(base, "recipient_notice_list");
}

rk_err pg_recipient_notice_get(struct rk_store *base, int64_t id, rk_notice_fn fn, void *ctx) {
    return pg_unbuilt(base, "recipient_notice_get");
}

rk_err pg_recipient_notice_requeue(struct rk_store *base, int64_t id, rk_ts now) {
    return pg_unbuilt(base, "recipient_notice_requeue");
}

rk_err pg_mail_limit_count(struct rk_store *base, const unsigned char recipient[RK_HASH_LEN],
                           rk_ts since, int64_t *n, rk_ts *last) {
    return pg_unbuilt(base, "mail_limit_count");
}

rk_err pg_mail_limit_add(struct rk_store *base, const unsigned char recipient[RK_HASH_LEN],
                         rk_ts at, rk_ts prune_before) {
    return pg_unbuilt(base, "mail_limit_add");
}
