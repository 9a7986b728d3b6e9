/*
 * pg_disclosure.c — what recipients hold: disclosures and sync passes in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_disclosure.c).
 *
 * The INSERT ... SELECT statements cast their values: a parameter PostgreSQL meets only in a
 * SELECT list has no type of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

static const char *const held_names[RK_HELD__COUNT] = {"none", "active", "restricted", "inactive"};
/* The actions of a disclosure event (disclosure_event's CHECK). */
static const char *const event_actions[] = {"added", "changed", "restricted", "removed"};

#define DISCLOSURE_COLS                                                                            \
    "d.recipient, p.id, d.held, d.digest, d.remote_sealed, d.first_at, d.last_at, d.error, "       \
    "d.error_at "                                                                                  \
    "FROM disclosure d JOIN person p ON p.pk = d.person "

struct disclosure_iter {
    rk_disclosure_fn fn;
    void *ctx;
    bool found;
};

static int each_disclosure(void *ctx, const struct pg_row *r) {
    struct disclosure_iter *it = ctx;
    struct rk_disclosure d = {.recipient = pg_col_text(r, 0)};
    if (!pg_col_copy(r, 1, d.person_id, sizeof d.person_id))
        return -1;
    int h = -1;
    const char *held = pg_col_text(r, 2);
    for (int k = 0; held && k < RK_HELD__COUNT; k++)
        if (strcmp(held_names[k], held) == 0)
            h = k;
    if (h < 0)
        return -1;
    d.held = (enum rk_held)h;
    if (!pg_col_null(r, 3) && !pg_col_blob(r, 3, d.digest, sizeof d.digest))
        return -1;
    unsigned char *remote = NULL;
    size_t remote_len = 0;
    if (!pg_col_null(r, 4)) {
        if (!pg_col_blob_dup(r, 4, &remote, &remote_len))
            return -1;
        d.remote_sealed = remote;
        d.remote_sealed_len = remote_len;
    }
    d.first_at = pg_col_ts(r, 5);
    d.last_at = pg_col_ts(r, 6);
    d.error = pg_col_text(r, 7);
    d.error_at = pg_col_ts(r, 8);
    it->found = true;
    int stop = it->fn(it->ctx, &d) ? 1 : 0;
    free(remote);
    return stop;
}

rk_err pg_disclosure_get(struct rk_store *base, const char *recipient, const char *person_id,
                         rk_disclosure_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct disclosure_iter it = {.fn = fn, .ctx = ctx, .found = false};
    rk_err err =
        pg_each(s, "SELECT " DISCLOSURE_COLS "WHERE d.recipient = $1 AND d.person = " PK(2),
                PG_ARGS(PG_TEXT(recipient), PG_TEXT(person_id)), each_disclosure, &it);
    return err == RK_OK && !it.found ? RK_ENOENT : err;
}

rk_err pg_disclosure_each(struct rk_store *base, const char *recipient, rk_disclosure_fn fn,
                          void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct disclosure_iter it = {.fn = fn, .ctx = ctx, .found = false};
    /* In person-key order, as SQLite's scan of the (recipient, person) index gives them. */
    return pg_each(s, "SELECT " DISCLOSURE_COLS "WHERE d.recipient = $1 ORDER BY d.person",
                   PG_ARGS(PG_TEXT(recipient)), each_disclosure, &it);
}

rk_err pg_disclosures_of_person(struct rk_store *base, const char *person_id, rk_disclosure_fn fn,
                                void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct disclosure_iter it = {.fn = fn, .ctx = ctx, .found = false};
    return pg_each(s, "SELECT " DISCLOSURE_COLS "WHERE d.person = " PK(1) " ORDER BY d.recipient",
                   PG_ARGS(PG_TEXT(person_id)), each_disclosure, &it);
}

rk_err pg_disclosure_put(struct rk_store *base, const struct rk_disclosure *d) {
    struct pg_store *s = (struct pg_store *)base;
    if ((unsigned)d->held >= RK_HELD__COUNT || !d->recipient ||
        d->remote_sealed_len > (size_t)INT32_MAX)
        return RK_EINVAL;
    static const unsigned char zero[RK_DISCLOSURE_DIGEST_LEN];
    bool has_digest = memcmp(d->digest, zero, sizeof zero) != 0;
    struct pg_arg digest =
        has_digest ? (struct pg_arg)PG_BLOB(d->digest, sizeof d->digest) : (struct pg_arg)PG_NULL;
    struct pg_arg remote = d->remote_sealed
                               ? (struct pg_arg)PG_BLOB(d->remote_sealed, d->remote_sealed_len)
                               : (struct pg_arg)PG_NULL;
    /* INSERT ... SELECT: no row when the person is not there (RK_ENOENT). */
    return pg_run_one(
        s,
        "INSERT INTO disclosure (recipient, person, held, digest, remote_sealed, first_at, "
        "last_at) SELECT $1::text, pk, $3::text, $4::bytea, $5::bytea, $6::text, $7::text "
        "FROM person WHERE id = $2 "
        "ON CONFLICT (recipient, person) DO UPDATE SET held = excluded.held, "
        "digest = excluded.digest, remote_sealed = excluded.remote_sealed, "
        "first_at = coalesce(disclosure.first_at, excluded.first_at), last_at = excluded.last_at, "
        "error = NULL, error_at = NULL",
        PG_ARGS(PG_TEXT(d->recipient), PG_TEXT(d->person_id), PG_TEXT(held_names[d->held]), digest,
                remote, PG_TS(d->first_at), PG_TS(d->last_at)));
}

rk_err pg_disclosure_fail(struct rk_store *base, const char *recipient, const char *person_id,
                          const char *error, rk_ts at) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(
        s,
        "INSERT INTO disclosure (recipient, person, held, error, error_at) "
        "SELECT $1::text, pk, 'none', $3::text, $4::text FROM person WHERE id = $2 "
        "ON CONFLICT (recipient, person) DO UPDATE SET error = excluded.error, "
        "error_at = excluded.error_at",
        PG_ARGS(PG_TEXT(recipient), PG_TEXT(person_id), PG_TEXT(error ? error : ""), PG_TS(at)));
}

rk_err pg_disclosure_event_add(struct rk_store *base, const char *person_id, const char *recipient,
                               const char *action, const char *categories, rk_ts at) {
    struct pg_store *s = (struct pg_store *)base;
    if (!action || !recipient)
        return RK_EINVAL;
    /* The table's CHECK, asked before the insert: a refused action is RK_EINVAL and the
     * caller's transaction carries on (a failed statement would abort it here). */
    bool known = false;
    for (size_t k = 0; k < sizeof event_actions / sizeof event_actions[0]; k++)
        known = known || strcmp(event_actions[k], action) == 0;
    if (!known)
        return rk_error_set(&s->base.error, RK_EINVAL, NULL, "no such disclosure action");
    return pg_run_one(s,
                      "INSERT INTO disclosure_event (person, recipient, action, categories, at) "
                      "SELECT pk, $2::text, $3::text, $4::text, $5::text FROM person "
                      "WHERE id = $1",
                      PG_ARGS(PG_TEXT(person_id), PG_TEXT(recipient), PG_TEXT(action),
                              PG_TEXT(categories ? categories : ""), PG_TS(at)));
}

struct event_iter {
    rk_disclosure_event_fn fn;
    void *ctx;
};

static int each_event(void *ctx, const struct pg_row *r) {
    struct event_iter *it = ctx;
    struct rk_disclosure_event ev = {.recipient = pg_col_text(r, 0),
                                     .action = pg_col_text(r, 1),
                                     .categories = pg_col_text(r, 2),
                                     .at = pg_col_ts(r, 3)};
    return it->fn(it->ctx, &ev) ? 1 : 0;
}

rk_err pg_disclosure_events_of_person(struct rk_store *base, const char *person_id,
                                      rk_disclosure_event_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct event_iter it = {.fn = fn, .ctx = ctx};
    return pg_each(s,
                   "SELECT recipient, action, categories, at FROM disclosure_event "
                   "WHERE person = " PK(1) " ORDER BY seq",
                   PG_ARGS(PG_TEXT(person_id)), each_event, &it);
}

struct sync_iter {
    rk_recipient_sync_fn fn;
    void *ctx;
    bool found;
};

static int each_sync(void *ctx, const struct pg_row *r) {
    struct sync_iter *it = ctx;
    struct rk_recipient_sync rs = {.recipient = pg_col_text(r, 0),
                                   .last_pass_at = pg_col_ts(r, 1),
                                   .complete_at = pg_col_ts(r, 2),
                                   .next_at = pg_col_ts(r, 3),
                                   .attempts = (int)pg_col_int(r, 4),
                                   .last_error = pg_col_text(r, 5),
                                   .added = pg_col_int(r, 6),
                                   .changed = pg_col_int(r, 7),
                                   .removed = pg_col_int(r, 8),
                                   .failed = pg_col_int(r, 9)};
    it->found = true;
    return it->fn(it->ctx, &rs) ? 1 : 0;
}

rk_err pg_recipient_sync_get(struct rk_store *base, const char *recipient, rk_recipient_sync_fn fn,
                             void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct sync_iter it = {.fn = fn, .ctx = ctx, .found = false};
    rk_err err = pg_each(s,
                         "SELECT recipient, last_pass_at, complete_at, next_at, attempts, "
                         "last_error, added, changed, removed, failed FROM recipient_sync "
                         "WHERE recipient = $1",
                         PG_ARGS(PG_TEXT(recipient)), each_sync, &it);
    return err == RK_OK && !it.found ? RK_ENOENT : err;
}

rk_err pg_recipient_sync_put(struct rk_store *base, const struct rk_recipient_sync *rs) {
    struct pg_store *s = (struct pg_store *)base;
    if (!rs->recipient)
        return RK_EINVAL;
    return pg_run(s,
                  "INSERT INTO recipient_sync (recipient, last_pass_at, complete_at, next_at, "
                  "attempts, last_error, added, changed, removed, failed) "
                  "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) "
                  "ON CONFLICT (recipient) DO UPDATE SET last_pass_at = excluded.last_pass_at, "
                  "complete_at = excluded.complete_at, next_at = excluded.next_at, "
                  "attempts = excluded.attempts, last_error = excluded.last_error, "
                  "added = excluded.added, changed = excluded.changed, "
                  "removed = excluded.removed, failed = excluded.failed",
                  PG_ARGS(PG_TEXT(rs->recipient), PG_TS(rs->last_pass_at), PG_TS(rs->complete_at),
                          PG_TS(rs->next_at), PG_INT(rs->attempts), PG_TEXT(rs->last_error),
                          PG_INT(rs->added), PG_INT(rs->changed), PG_INT(rs->removed),
                          PG_INT(rs->failed)));
}
