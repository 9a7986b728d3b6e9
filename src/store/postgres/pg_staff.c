/*
 * pg_staff.c — the audit chain, tokens, staff accounts in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_staff.c).
 *
 * The audit chain (docs/design-postgres.md (b), "One audit chain"): inside a
 * write transaction the first audit_last locks the one row of audit_head
 * (SELECT ... FOR UPDATE), which serialises the appends of every instance until
 * commit, and caches it in the handle (as the SQLite backend caches its chain's
 * end); audit_insert appends the row and refreshes the cache, and the head row
 * is moved once, to the transaction's last row, by pg_audit_head_flush just
 * before its COMMIT (pg_commit). Outside a transaction (a read: audit verify,
 * audit head) audit_last reads the last row of audit without a lock, and
 * audit_insert appends the row and moves audit_head in one statement.
 * audit_head's seq 0 and NULL hash mean an empty chain: RK_ENOENT, as SQLite's.
 *
 * Why the cached end is never stale: it is taken under the head row's lock
 * (or by the UPDATE of that row) and the lock is held by this transaction
 * until its COMMIT or ROLLBACK, so no other transaction of any instance
 * appends in between; every end of the transaction (pg_begin, pg_commit,
 * pg_rollback) and every undone savepoint (which may release a lock taken
 * inside it and removes the rows appended inside it) forgets the cache.
 *
 * Why the head row is moved at commit, not by each append: every UPDATE of the
 * one row inside one transaction leaves a row version that the next UPDATE
 * steps over (none can be pruned before the transaction ends), so the k-th
 * append of a transaction cost O(k) and a batch O(n^2) (one row updated
 * 1,000 / 4,000 / 16,000 times in one transaction: 20 ms / 0.45 s / 6.5 s).
 * Until the flush the head row lags this transaction's own appends, which
 * only this transaction can see: audit_head_dirty says so, and an audit_last
 * that must read the end again (after an undone savepoint) takes the later of
 * the head row and the transaction's last row of audit.
 *
 * Lists ordered by a text key (tokens by name, staff by email) sort with
 * COLLATE "C": byte order, as SQLite's, whatever the database's collation.
 */
#include <string.h>

#include "store/postgres/pg.h"

/*
 * A unique conflict its caller may carry on from in the same transaction (rk_staff_add
 * answers RK_ECONFLICT for a known email and the transaction goes on): the insert is
 * ON CONFLICT DO NOTHING and an unchanged table is RK_ECONFLICT, because a failed
 * statement would abort the whole transaction on PostgreSQL.
 */
static rk_err conflict(struct pg_store *s, const char *what) {
    return rk_error_set(&s->base.error, RK_ECONFLICT, NULL, "%s", what);
}

/* ---- The audit chain ----------------------------------------------------------------- */

struct audit_head {
    int64_t seq;
    unsigned char hash[RK_HASH_LEN];
    bool empty;   /* seq 0 and hash NULL: no event yet (audit_head only) */
    bool damaged; /* a hash that is not RK_HASH_LEN bytes */
};

static bool row_audit_head(const struct pg_row *r, void *out) {
    struct audit_head *h = out;
    h->seq = pg_col_int(r, 0);
    h->empty = h->seq == 0 && pg_col_null(r, 1);
    h->damaged = !h->empty && !pg_col_blob(r, 1, h->hash, RK_HASH_LEN);
    return true;
}

rk_err pg_audit_last(struct rk_store *base, int64_t *seq, unsigned char hash[RK_HASH_LEN]) {
    struct pg_store *s = (struct pg_store *)base;
    struct audit_head h = {.seq = 0};
    rk_err err = RK_OK;
    if (s->in_tx && s->audit_head_ok) {
        h.seq = s->audit_head_seq;
        h.empty = h.seq == 0;
        memcpy(h.hash, s->audit_head_hash, RK_HASH_LEN);
    } else if (s->in_tx) {
        /* The head row's lock is held until commit or rollback: no other transaction
         * of any instance computes the next seq meanwhile. */
        err = pg_row(s, "SELECT seq, hash FROM audit_head WHERE one = 1 FOR UPDATE", PG_NONE,
                     row_audit_head, &h);
        if (err == RK_ENOENT)
            return rk_error_set(&s->base.error, RK_EIO, NULL, "the audit chain's head is missing");
        if (err == RK_OK && !h.damaged && s->audit_head_dirty) {
            /* This transaction appended rows the head row does not show yet (flushed at
             * commit); the ones an undone savepoint left are read back under the lock. */
            struct audit_head own = {.seq = 0};
            rk_err e2 = pg_row(s, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", PG_NONE,
                               row_audit_head, &own);
            if (e2 != RK_OK && e2 != RK_ENOENT)
                err = e2;
            else if (e2 == RK_OK && own.seq > h.seq) {
                h = own;
                h.empty = false; /* a row of audit is an event, whatever its values */
            }
        }
        if (err == RK_OK && !h.damaged) {
            s->audit_head_ok = true;
            s->audit_head_seq = h.seq;
            memcpy(s->audit_head_hash, h.hash, RK_HASH_LEN);
        }
    } else {
        err = pg_row(s, "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", PG_NONE,
                     row_audit_head, &h);
        h.empty = false; /* a row of audit is an event, whatever its values */
    }
    if (err != RK_OK)
        return err;
    if (h.empty)
        return RK_ENOENT;
    if (h.damaged)
        return rk_error_set(&s->base.error, RK_EIO, NULL,
                            "the audit chain's last hash is not %d bytes", RK_HASH_LEN);
    *seq = h.seq;
    memcpy(hash, h.hash, RK_HASH_LEN);
    return RK_OK;
}

rk_err pg_audit_insert(struct rk_store *base, const struct rk_audit_event *e) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = RK_OK;
    if (s->in_tx && s->audit_head_ok) {
        /* The head row is locked by this transaction (audit_last): the row alone now, the
         * head once at commit (pg_audit_head_flush). */
        err = pg_run(s,
                     "INSERT INTO audit (seq, at, actor, action, person_id, detail, prev, hash) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                     PG_ARGS(PG_INT(e->seq), PG_TS(e->at), PG_TEXT(e->actor), PG_TEXT(e->action),
                             PG_TEXT(e->person_id), PG_TEXT(e->detail),
                             PG_BLOB(e->prev, RK_HASH_LEN), PG_BLOB(e->hash, RK_HASH_LEN)));
        s->audit_head_dirty = s->audit_head_dirty || err == RK_OK;
        s->audit_head_ok = err == RK_OK;
        if (s->audit_head_ok) {
            s->audit_head_seq = e->seq;
            memcpy(s->audit_head_hash, e->hash, RK_HASH_LEN);
        }
        return err;
    }
    /* One statement: the row and the head move together, outside a transaction or in one
     * that has not locked the head (the UPDATE takes the lock).
     * The head never moves back (a row below it would be a bug that audit.seq's
     * primary key reports, RK_ECONFLICT, not a reason to rewind). */
    err = pg_run(
        s,
        "WITH a AS (INSERT INTO audit (seq, at, actor, action, person_id, detail, prev, hash) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING seq, hash) "
        "UPDATE audit_head h SET seq = a.seq, hash = a.hash FROM a "
        "WHERE h.one = 1 AND h.seq < a.seq",
        PG_ARGS(PG_INT(e->seq), PG_TS(e->at), PG_TEXT(e->actor), PG_TEXT(e->action),
                PG_TEXT(e->person_id), PG_TEXT(e->detail), PG_BLOB(e->prev, RK_HASH_LEN),
                PG_BLOB(e->hash, RK_HASH_LEN)));
    /* The UPDATE holds the head's row lock until commit, so the cache stays valid. */
    s->audit_head_ok = err == RK_OK && s->in_tx;
    if (s->audit_head_ok) {
        s->audit_head_seq = e->seq;
        memcpy(s->audit_head_hash, e->hash, RK_HASH_LEN);
    }
    return err;
}

rk_err pg_audit_head_flush(struct pg_store *s) {
    if (!s->audit_head_dirty)
        return RK_OK;
    s->audit_head_dirty = false;
    /* The transaction's last row, whatever a savepoint undid; the row lock is this
     * transaction's since its first audit_last. */
    return pg_run(s,
                  "UPDATE audit_head h SET seq = a.seq, hash = a.hash "
                  "FROM (SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1) a "
                  "WHERE h.one = 1 AND h.seq < a.seq",
                  PG_NONE);
}

struct audit_iter {
    rk_audit_fn fn;
    void *ctx;
};

static int each_audit(void *ctx, const struct pg_row *r) {
    struct audit_iter *it = ctx;
    struct rk_audit_event e;
    struct pg_strbuf b = {e.buf, sizeof e.buf, false};
    e.seq = pg_col_int(r, 0);
    e.at = pg_col_ts(r, 1);
    e.actor = pg_keep_col(&b, r, 2);
    e.action = pg_keep_col(&b, r, 3);
    e.person_id = pg_keep_col(&b, r, 4);
    e.detail = pg_keep_col(&b, r, 5);
    if (b.overflow)
        return -1;
    /* A damaged row reads with zero hashes, which verification reports. */
    if (!pg_col_blob(r, 6, e.prev, RK_HASH_LEN))
        memset(e.prev, 0, RK_HASH_LEN);
    if (!pg_col_blob(r, 7, e.hash, RK_HASH_LEN))
        memset(e.hash, 0, RK_HASH_LEN);
    return it->fn(it->ctx, &e);
}

rk_err pg_audit_scan(struct rk_store *base, int64_t from, const char *person_id, rk_audit_fn fn,
                     void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct audit_iter it = {fn, ctx};
    if (person_id)
        return pg_each(s,
                       "SELECT seq, at, actor, action, person_id, detail, prev, hash FROM audit "
                       "WHERE seq >= $1 AND person_id = $2 ORDER BY seq",
                       PG_ARGS(PG_INT(from), PG_TEXT(person_id)), each_audit, &it);
    return pg_each(s,
                   "SELECT seq, at, actor, action, person_id, detail, prev, hash FROM audit "
                   "WHERE seq >= $1 ORDER BY seq",
                   PG_ARGS(PG_INT(from)), each_audit, &it);
}

/* ---- Tokens -------------------------------------------------------------------------- */

#define TOKEN_COLS "name, role, created_at, revoked_at"

static bool row_to_token(const struct pg_row *r, void *token) {
    struct rk_token *t = token;
    t->created_at = pg_col_ts(r, 2);
    t->revoked_at = pg_col_ts(r, 3);
    return pg_col_copy(r, 0, t->name, sizeof t->name) && pg_col_copy(r, 1, t->role, sizeof t->role);
}

rk_err pg_token_insert(struct rk_store *base, const struct rk_token *t,
                       const unsigned char hash[RK_HASH_LEN]) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t n = 0;
    rk_err err =
        pg_run_count(s,
                     "INSERT INTO token (name, role, hash, created_at) VALUES ($1, $2, $3, $4) "
                     "ON CONFLICT DO NOTHING",
                     PG_ARGS(PG_TEXT(t->name), PG_TEXT(t->role), PG_BLOB(hash, RK_HASH_LEN),
                             PG_TS(t->created_at)),
                     &n);
    return err == RK_OK && n == 0 ? conflict(s, "a token with this name or hash exists") : err;
}

rk_err pg_token_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                        struct rk_token *out) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_row(s, "SELECT " TOKEN_COLS " FROM token WHERE hash = $1",
                  PG_ARGS(PG_BLOB(hash, RK_HASH_LEN)), row_to_token, out);
}

rk_err pg_token_revoke(struct rk_store *base, const char *name, rk_ts at) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "UPDATE token SET revoked_at = $2 WHERE name = $1 AND revoked_at IS NULL",
                      PG_ARGS(PG_TEXT(name), PG_TS(at)));
}

struct token_iter {
    rk_token_fn fn;
    void *ctx;
};

static int each_token(void *ctx, const struct pg_row *r) {
    struct token_iter *it = ctx;
    struct rk_token t;
    if (!row_to_token(r, &t))
        return -1;
    return it->fn(it->ctx, &t);
}

rk_err pg_tokens_list(struct rk_store *base, rk_token_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct token_iter it = {fn, ctx};
    return pg_each(s, "SELECT " TOKEN_COLS " FROM token ORDER BY name COLLATE \"C\"", PG_NONE,
                   each_token, &it);
}

/* ---- Staff accounts (migration 0015) --------------------------------------------------- */

#define STAFF_COLS "id, email, name, role, password, disabled, created_at, last_signin"

static bool row_to_staff(const struct pg_row *r, void *staff) {
    struct rk_staff *a = staff;
    a->disabled = pg_col_int(r, 5) != 0;
    a->created_at = pg_col_ts(r, 6);
    a->last_signin = pg_col_ts(r, 7);
    /* A NULL password (none set yet) reads as "". */
    return pg_col_copy(r, 0, a->id, sizeof a->id) && pg_col_copy(r, 1, a->email, sizeof a->email) &&
           pg_col_copy(r, 2, a->name, sizeof a->name) &&
           pg_col_copy(r, 3, a->role, sizeof a->role) &&
           pg_col_copy(r, 4, a->password, sizeof a->password);
}

rk_err pg_staff_insert(struct rk_store *base, const struct rk_staff *a) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t n = 0;
    rk_err err = pg_run_count(
        s,
        "INSERT INTO staff (" STAFF_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
        "ON CONFLICT DO NOTHING",
        PG_ARGS(PG_TEXT(a->id), PG_TEXT(a->email), PG_TEXT(a->name), PG_TEXT(a->role),
                PG_TEXT(a->password[0] ? a->password : NULL), PG_INT(a->disabled ? 1 : 0),
                PG_TS(a->created_at), PG_TS(a->last_signin)),
        &n);
    return err == RK_OK && n == 0 ? conflict(s, "an account with this email or id exists") : err;
}

rk_err pg_staff_get(struct rk_store *base, const char *key, bool by_email, struct rk_staff *out) {
    struct pg_store *s = (struct pg_store *)base;
    if (by_email)
        return pg_row(s, "SELECT " STAFF_COLS " FROM staff WHERE email = $1", PG_ARGS(PG_TEXT(key)),
                      row_to_staff, out);
    return pg_row(s, "SELECT " STAFF_COLS " FROM staff WHERE id = $1", PG_ARGS(PG_TEXT(key)),
                  row_to_staff, out);
}

rk_err pg_staff_update(struct rk_store *base, const struct rk_staff *a) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s,
                      "UPDATE staff SET name = $2, role = $3, password = $4, disabled = $5, "
                      "last_signin = $6 WHERE id = $1",
                      PG_ARGS(PG_TEXT(a->id), PG_TEXT(a->name), PG_TEXT(a->role),
                              PG_TEXT(a->password[0] ? a->password : NULL),
                              PG_INT(a->disabled ? 1 : 0), PG_TS(a->last_signin)));
}

struct staff_iter {
    rk_staff_fn fn;
    void *ctx;
};

static int each_staff(void *ctx, const struct pg_row *r) {
    struct staff_iter *it = ctx;
    struct rk_staff a;
    if (!row_to_staff(r, &a))
        return -1;
    return it->fn(it->ctx, &a);
}

rk_err pg_staff_list(struct rk_store *base, rk_staff_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct staff_iter it = {fn, ctx};
    return pg_each(s, "SELECT " STAFF_COLS " FROM staff ORDER BY email COLLATE \"C\"", PG_NONE,
                   each_staff, &it);
}

/* ---- Set-password links ---------------------------------------------------------------- */

rk_err pg_staff_setup_put(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                          const char *staff_id, rk_ts expires) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(s, "INSERT INTO staff_setup (hash, staff_id, expires_at) VALUES ($1, $2, $3)",
                  PG_ARGS(PG_BLOB(hash, RK_HASH_LEN), PG_TEXT(staff_id), PG_TS(expires)));
}

rk_err pg_staff_setup_get(struct rk_store *base, const unsigned char hash[RK_HASH_LEN], rk_ts now,
                          char staff_id[RK_ID_LEN + 1]) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_row(s, "SELECT staff_id FROM staff_setup WHERE hash = $1 AND expires_at > $2",
                  PG_ARGS(PG_BLOB(hash, RK_HASH_LEN), PG_TS(now)), pg_row_id, staff_id);
}

rk_err pg_staff_setup_clear(struct rk_store *base, const char *staff_id) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(s, "DELETE FROM staff_setup WHERE staff_id = $1", PG_ARGS(PG_TEXT(staff_id)));
}

/* ---- Sessions ------------------------------------------------------------------------- */

rk_err pg_staff_session_put(struct rk_store *base, const struct rk_staff_session *x) {
    struct pg_store *s = (struct pg_store *)base;
    /* Sessions past their absolute end go first. */
    rk_err err = pg_run(s, "DELETE FROM staff_session WHERE expires_at <= $1",
                        PG_ARGS(PG_TS(x->created_at)));
    if (err != RK_OK)
        return err;
    return pg_run(s,
                  "INSERT INTO staff_session (hash, staff_id, created_at, last_seen, expires_at) "
                  "VALUES ($1, $2, $3, $4, $5)",
                  PG_ARGS(PG_BLOB(x->hash, RK_HASH_LEN), PG_TEXT(x->staff_id), PG_TS(x->created_at),
                          PG_TS(x->last_seen), PG_TS(x->expires_at)));
}

static bool row_to_session(const struct pg_row *r, void *session) {
    struct rk_staff_session *x = session;
    x->created_at = pg_col_ts(r, 1);
    x->last_seen = pg_col_ts(r, 2);
    x->expires_at = pg_col_ts(r, 3);
    return pg_col_copy(r, 0, x->staff_id, sizeof x->staff_id);
}

rk_err pg_staff_session_get(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                            struct rk_staff_session *out) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = pg_row(s,
                        "SELECT staff_id, created_at, last_seen, expires_at FROM staff_session "
                        "WHERE hash = $1",
                        PG_ARGS(PG_BLOB(hash, RK_HASH_LEN)), row_to_session, out);
    if (err == RK_OK)
        memcpy(out->hash, hash, RK_HASH_LEN);
    return err;
}

rk_err pg_staff_session_touch(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                              rk_ts at) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "UPDATE staff_session SET last_seen = $2 WHERE hash = $1",
                      PG_ARGS(PG_BLOB(hash, RK_HASH_LEN), PG_TS(at)));
}

rk_err pg_staff_session_delete(struct rk_store *base, const unsigned char hash[RK_HASH_LEN]) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "DELETE FROM staff_session WHERE hash = $1",
                      PG_ARGS(PG_BLOB(hash, RK_HASH_LEN)));
}

rk_err pg_staff_sessions_clear(struct rk_store *base, const char *staff_id, int64_t *n) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t changes = 0;
    rk_err err = staff_id ? pg_run_count(s, "DELETE FROM staff_session WHERE staff_id = $1",
                                         PG_ARGS(PG_TEXT(staff_id)), &changes)
                          : pg_run_count(s, "DELETE FROM staff_session", PG_NONE, &changes);
    if (err == RK_OK && n)
        *n = changes;
    return err;
}

/* ---- Sign-in throttle (instants in Unix seconds, bigint columns) ------------------------ */

struct throttle {
    int64_t failures, locked_until;
};

static bool row_throttle(const struct pg_row *r, void *out) {
    struct throttle *t = out;
    t->failures = pg_col_int(r, 0);
    t->locked_until = pg_col_int(r, 1);
    return true;
}

rk_err pg_staff_throttle_get(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                             int64_t *failures, rk_ts *locked_until) {
    struct pg_store *s = (struct pg_store *)base;
    struct throttle t = {0, 0};
    rk_err err = pg_row(s, "SELECT failures, locked_until FROM staff_throttle WHERE key = $1",
                        PG_ARGS(PG_BLOB(key, RK_HASH_LEN)), row_throttle, &t);
    if (err == RK_ENOENT)
        err = RK_OK; /* an unknown key: no failures, not locked */
    if (err == RK_OK) {
        *failures = t.failures;
        *locked_until = t.locked_until;
    }
    return err;
}

static bool row_count(const struct pg_row *r, void *out) {
    *(int64_t *)out = pg_col_int(r, 0);
    return true;
}

rk_err pg_staff_throttle_fail(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                              rk_ts now, rk_ts prune_before, int64_t *failures) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = pg_run(s, "DELETE FROM staff_throttle WHERE updated_at < $1",
                        PG_ARGS(PG_INT(prune_before)));
    if (err != RK_OK)
        return err;
    return pg_row(s,
                  "INSERT INTO staff_throttle (key, failures, locked_until, updated_at) "
                  "VALUES ($1, 1, 0, $2) ON CONFLICT (key) DO UPDATE SET "
                  "failures = staff_throttle.failures + 1, updated_at = excluded.updated_at "
                  "RETURNING failures",
                  PG_ARGS(PG_BLOB(key, RK_HASH_LEN), PG_INT(now)), row_count, failures);
}

rk_err pg_staff_throttle_lock(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                              rk_ts until) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "UPDATE staff_throttle SET locked_until = $2 WHERE key = $1",
                      PG_ARGS(PG_BLOB(key, RK_HASH_LEN), PG_INT(until)));
}

rk_err pg_staff_throttle_clear(struct rk_store *base, const unsigned char key[RK_HASH_LEN]) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(s, "DELETE FROM staff_throttle WHERE key = $1",
                  PG_ARGS(PG_BLOB(key, RK_HASH_LEN)));
}

/* ---- Sign-in log ------------------------------------------------------------------------ */

rk_err pg_staff_signin_add(struct rk_store *base, const char *staff_id,
                           const struct rk_staff_signin *e) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(s,
                  "INSERT INTO staff_signin (staff_id, at, ok, reason, address) "
                  "VALUES ($1, $2, $3, $4, $5)",
                  PG_ARGS(PG_TEXT(staff_id), PG_TS(e->at), PG_INT(e->ok ? 1 : 0),
                          PG_TEXT(e->reason), PG_TEXT(e->address)));
}

struct signin_iter {
    rk_staff_signin_fn fn;
    void *ctx;
};

static int each_signin(void *ctx, const struct pg_row *r) {
    struct signin_iter *it = ctx;
    struct rk_staff_signin e;
    e.at = pg_col_ts(r, 0);
    e.ok = pg_col_int(r, 1) != 0;
    if (!pg_col_copy(r, 2, e.reason, sizeof e.reason) ||
        !pg_col_copy(r, 3, e.address, sizeof e.address))
        return -1;
    return it->fn(it->ctx, &e);
}

rk_err pg_staff_signins(struct rk_store *base, const char *staff_id, int limit,
                        rk_staff_signin_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct signin_iter it = {fn, ctx};
    /* A negative limit is none, as SQLite's LIMIT -1 (PostgreSQL's LIMIT NULL). */
    return pg_each(s,
                   "SELECT at, ok, reason, address FROM staff_signin WHERE staff_id = $1 "
                   "ORDER BY seq DESC LIMIT $2",
                   PG_ARGS(PG_TEXT(staff_id),
                           limit < 0 ? (struct pg_arg)PG_NULL : (struct pg_arg)PG_INT(limit)),
                   each_signin, &it);
}
