/*
 * sqlite_disclosure.c — what recipients hold (migration 0019; core/disclose.h): the
 * disclosure rows (one per recipient and person), the history of accepted puts and each
 * recipient's sync passes.
 */
#include <string.h>

#include "store/sqlite/sqlite.h"

static const char *const held_names[RK_HELD__COUNT] = {"none", "active", "restricted", "inactive"};

struct disclosure_iter {
    rk_disclosure_fn fn;
    void *ctx;
    bool found;
};

static int each_disclosure(void *ctx, sqlite3_stmt *st) {
    struct disclosure_iter *it = ctx;
    struct rk_disclosure d = {.recipient = sq_col_text(st, 0)};
    if (!sq_col_copy(st, 1, d.person_id, sizeof d.person_id))
        return -1;
    int h = sq_index_of(held_names, RK_HELD__COUNT, sq_col_text(st, 2));
    if (h < 0)
        return -1;
    d.held = (enum rk_held)h;
    if (sqlite3_column_type(st, 3) == SQLITE_BLOB) {
        if (sqlite3_column_bytes(st, 3) != (int)sizeof d.digest)
            return -1;
        memcpy(d.digest, sqlite3_column_blob(st, 3), sizeof d.digest);
    }
    if (sqlite3_column_type(st, 4) == SQLITE_BLOB) {
        d.remote_sealed = sqlite3_column_blob(st, 4);
        d.remote_sealed_len = (size_t)sqlite3_column_bytes(st, 4);
    }
    d.first_at = sq_col_ts(st, 5);
    d.last_at = sq_col_ts(st, 6);
    d.error = sq_col_text(st, 7);
    d.error_at = sq_col_ts(st, 8);
    it->found = true;
    return it->fn(it->ctx, &d) ? 1 : 0;
}

rk_err sq_disclosure_get(struct rk_store *base, const char *recipient, const char *person_id,
                         rk_disclosure_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct disclosure_iter it = {fn, ctx, false};
    rk_err err = sq_each(s, S_DISCLOSURE_GET, SQ_ARGS(SQ_TEXT(recipient), SQ_TEXT(person_id)),
                         each_disclosure, &it);
    return err == RK_OK && !it.found ? RK_ENOENT : err;
}

rk_err sq_disclosure_each(struct rk_store *base, const char *recipient, rk_disclosure_fn fn,
                          void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct disclosure_iter it = {fn, ctx, false};
    return sq_each(s, S_DISCLOSURE_EACH, SQ_ARGS(SQ_TEXT(recipient)), each_disclosure, &it);
}

rk_err sq_disclosures_of_person(struct rk_store *base, const char *person_id, rk_disclosure_fn fn,
                                void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct disclosure_iter it = {fn, ctx, false};
    return sq_each(s, S_DISCLOSURES_OF_PERSON, SQ_ARGS(SQ_TEXT(person_id)), each_disclosure, &it);
}

rk_err sq_disclosure_put(struct rk_store *base, const struct rk_disclosure *d) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    if ((unsigned)d->held >= RK_HELD__COUNT || !d->recipient ||
        d->remote_sealed_len > (size_t)INT32_MAX)
        return RK_EINVAL;
    static const unsigned char zero[RK_DISCLOSURE_DIGEST_LEN];
    bool has_digest = memcmp(d->digest, zero, sizeof zero) != 0;
    struct sq_arg digest =
        has_digest ? (struct sq_arg)SQ_BLOB(d->digest, sizeof d->digest) : (struct sq_arg)SQ_NULL;
    struct sq_arg remote = d->remote_sealed
                               ? (struct sq_arg)SQ_BLOB(d->remote_sealed, d->remote_sealed_len)
                               : (struct sq_arg)SQ_NULL;
    return sq_run_one(s, S_DISCLOSURE_PUT,
                      SQ_ARGS(SQ_TEXT(d->recipient), SQ_TEXT(d->person_id),
                              SQ_TEXT(held_names[d->held]), digest, remote, SQ_TS(d->first_at),
                              SQ_TS(d->last_at)));
}

rk_err sq_disclosure_fail(struct rk_store *base, const char *recipient, const char *person_id,
                          const char *error, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run_one(
        s, S_DISCLOSURE_FAIL,
        SQ_ARGS(SQ_TEXT(recipient), SQ_TEXT(person_id), SQ_TEXT(error ? error : ""), SQ_TS(at)));
}

rk_err sq_disclosure_event_add(struct rk_store *base, const char *person_id, const char *recipient,
                               const char *action, const char *categories, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    if (!action || !recipient)
        return RK_EINVAL;
    return sq_run_one(s, S_DISCLOSURE_EVENT_ADD,
                      SQ_ARGS(SQ_TEXT(person_id), SQ_TEXT(recipient), SQ_TEXT(action),
                              SQ_TEXT(categories ? categories : ""), SQ_TS(at)));
}

struct event_iter {
    rk_disclosure_event_fn fn;
    void *ctx;
};

static int each_event(void *ctx, sqlite3_stmt *st) {
    struct event_iter *it = ctx;
    struct rk_disclosure_event ev = {.recipient = sq_col_text(st, 0),
                                     .action = sq_col_text(st, 1),
                                     .categories = sq_col_text(st, 2),
                                     .at = sq_col_ts(st, 3)};
    return it->fn(it->ctx, &ev) ? 1 : 0;
}

rk_err sq_disclosure_events_of_person(struct rk_store *base, const char *person_id,
                                      rk_disclosure_event_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct event_iter it = {fn, ctx};
    return sq_each(s, S_DISCLOSURE_EVENTS_OF_PERSON, SQ_ARGS(SQ_TEXT(person_id)), each_event, &it);
}

struct sync_iter {
    rk_recipient_sync_fn fn;
    void *ctx;
    bool found;
};

static int each_sync(void *ctx, sqlite3_stmt *st) {
    struct sync_iter *it = ctx;
    struct rk_recipient_sync rs = {.recipient = sq_col_text(st, 0),
                                   .last_pass_at = sq_col_ts(st, 1),
                                   .complete_at = sq_col_ts(st, 2),
                                   .next_at = sq_col_ts(st, 3),
                                   .attempts = sqlite3_column_int(st, 4),
                                   .last_error = sq_col_text(st, 5),
                                   .added = sqlite3_column_int64(st, 6),
                                   .changed = sqlite3_column_int64(st, 7),
                                   .removed = sqlite3_column_int64(st, 8),
                                   .failed = sqlite3_column_int64(st, 9)};
    it->found = true;
    return it->fn(it->ctx, &rs) ? 1 : 0;
}

rk_err sq_recipient_sync_get(struct rk_store *base, const char *recipient, rk_recipient_sync_fn fn,
                             void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct sync_iter it = {fn, ctx, false};
    rk_err err = sq_each(s, S_RECIPIENT_SYNC_GET, SQ_ARGS(SQ_TEXT(recipient)), each_sync, &it);
    return err == RK_OK && !it.found ? RK_ENOENT : err;
}

rk_err sq_recipient_sync_put(struct rk_store *base, const struct rk_recipient_sync *rs) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    if (!rs->recipient)
        return RK_EINVAL;
    return sq_run(s, S_RECIPIENT_SYNC_PUT,
                  SQ_ARGS(SQ_TEXT(rs->recipient), SQ_TS(rs->last_pass_at), SQ_TS(rs->complete_at),
                          SQ_TS(rs->next_at), SQ_INT(rs->attempts), SQ_TEXT(rs->last_error),
                          SQ_INT(rs->added), SQ_INT(rs->changed), SQ_INT(rs->removed),
                          SQ_INT(rs->failed)));
}
