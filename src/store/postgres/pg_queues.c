/*
 * pg_queues.c — the outbox, art 19 notices, the mail limit in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_queues.c), with the console's retries, the
 * audience rows (read in keyset batches), the check's contact rows and the named leases.
 *
 * Claims (migration pg/0002; docs/design-postgres.md (b)): several `serve` instances work
 * the two delivery queues of one database, so outbox_due and recipient_notice_due hand out
 * a row only with a claim. One statement picks the due rows nobody holds (no claim, a claim
 * run out, or this handle's own) with FOR UPDATE SKIP LOCKED and sets claimed_by (the
 * handle's random id, pg_open) and claim_until (now + the lease: 60 s for mail, 120 s for
 * notices, or REKISTERI_CLAIM_LEASE seconds for both). The marks apply only to a row that
 * is unclaimed or this handle's (claimed_by IS NULL OR claimed_by = $me) and clear the
 * claim, so an outcome recorded after another instance retook the row comes back
 * RK_ENOENT, which the worker drops (worker.h). While a handle works through a batch, a
 * successful mark renews its other claims once a third of the lease has passed; closing
 * the handle gives them up. Invariant: a row is in the hands of at most one live handle;
 * a dead one's rows are taken again once its lease has run out.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

/* ---- Helpers ------------------------------------------------------------------------------ */

/* A LIMIT value: a negative limit is no limit (SQLite's LIMIT -1; PostgreSQL refuses a
 * negative one, and LIMIT NULL is LIMIT ALL). */
static struct pg_arg limit_arg(int limit) {
    return limit < 0 ? (struct pg_arg)PG_NULL : (struct pg_arg)PG_INT(limit);
}

/* error cut to RK_OUTBOX_ERROR_MAX bytes at a UTF-8 character boundary, in buf (as SQLite's
 * bind_error); NULL stays NULL. */
static const char *cut_error(const char *error, char buf[RK_OUTBOX_ERROR_MAX + 1]) {
    if (!error)
        return NULL;
    size_t n = strlen(error);
    if (n <= RK_OUTBOX_ERROR_MAX)
        return error;
    n = RK_OUTBOX_ERROR_MAX;
    while (n > 0 && ((unsigned char)error[n] & 0xC0) == 0x80)
        n--;
    memcpy(buf, error, n);
    buf[n] = '\0';
    return buf;
}

/* A read of several statements under one snapshot when the caller has no transaction open
 * (as SQLite's S_READ_BEGIN / S_READ_END): *own says whether it began one. */
static rk_err read_begin(struct pg_store *s, bool *own) {
    *own = !s->in_tx && PQtransactionStatus(s->conn) == PQTRANS_IDLE;
    return *own ? pg_script(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") : RK_OK;
}

/* Ends the read of read_begin: commits it, or after a failure (err) rolls it back keeping
 * the failure's message. */
static rk_err read_end(struct pg_store *s, bool own, rk_err err) {
    if (!own)
        return err;
    if (err != RK_OK) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
        return err;
    }
    err = pg_script(s, "COMMIT");
    if (err != RK_OK && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        PQclear(PQexec(s->conn, "ROLLBACK"));
    return err;
}

/* ---- Claims -------------------------------------------------------------------------------- */

#define MAIL_LEASE_S   60  /* a mail attempt is bounded by the relay's 60 s timeout */
#define NOTICE_LEASE_S 120 /* a notice's HTTP timeout plus margin */

/* The lease of a claim in seconds: REKISTERI_CLAIM_LEASE when it is a positive number of
 * seconds (tests shorten it), else dflt. */
static int64_t claim_lease(int64_t dflt) {
    const char *v = getenv("REKISTERI_CLAIM_LEASE");
    if (!v || !*v)
        return dflt;
    char *end = NULL;
    long long n = strtoll(v, &end, 10);
    return end && *end == '\0' && n > 0 && n <= 86400 ? (int64_t)n : dflt;
}

/* After a successful mark, inside its transaction: the handle's other claims on the table
 * renewed for another lease once a third of it has passed since the last renewal, so a
 * batch that takes longer than one lease stays in this handle's hands. */
static rk_err claims_renew(struct pg_store *s, const char *sql, int64_t dflt) {
    int64_t lease = claim_lease(dflt);
    rk_ts now = rk_time_now();
    if (now - s->claims_renewed < lease / 3)
        return RK_OK;
    rk_err err = pg_run(s, sql, PG_ARGS(PG_TEXT(s->me), PG_TS(now + lease)));
    if (err == RK_OK)
        s->claims_renewed = now;
    return err;
}

/* A mark's statement, then the renewal of the table's other claims when it applied. */
static rk_err mark(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n,
                   const char *renew, int64_t lease) {
    rk_err err = pg_run_one(s, sql, a, n);
    return err == RK_OK ? claims_renew(s, renew, lease) : err;
}

#define OUTBOX_RENEW "UPDATE outbox SET claim_until = $2 WHERE claimed_by = $1 AND state = 'queued'"
#define NOTICE_RENEW                                                                               \
    "UPDATE recipient_notice SET claim_until = $2 WHERE claimed_by = $1 "                          \
    "AND state IN ('queued', 'pending')"
/* The marks' condition on the claim: $1 is always the row's id, ME the handle's id. */
#define UNDER_CLAIM(me) "(claimed_by IS NULL OR claimed_by = " me ")"

void pg_claims_release(struct pg_store *s) {
    if (!s->claimed || PQstatus(s->conn) != CONNECTION_OK ||
        PQtransactionStatus(s->conn) != PQTRANS_IDLE)
        return;
    (void)pg_run(s, "UPDATE outbox SET claimed_by = NULL, claim_until = NULL WHERE claimed_by = $1",
                 PG_ARGS(PG_TEXT(s->me)));
    (void)pg_run(s,
                 "UPDATE recipient_notice SET claimed_by = NULL, claim_until = NULL "
                 "WHERE claimed_by = $1",
                 PG_ARGS(PG_TEXT(s->me)));
    s->claimed = false;
}

/* ---- The email outbox -------------------------------------------------------------------- */

static const char *const outbox_states[RK_OUTBOX__COUNT] = {"queued", "sent", "failed"};

static bool row_id(const struct pg_row *r, void *out) {
    *(int64_t *)out = pg_col_int(r, 0);
    return true;
}

rk_err pg_outbox_enqueue(struct rk_store *base, const struct rk_outbox_msg *m, int64_t *id) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t row = 0;
    rk_err err = pg_row(s,
                        "INSERT INTO outbox (message_id, person_id, kind, next_attempt_at, "
                        "created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                        PG_ARGS(PG_TEXT(m->message_id), PG_TEXT(m->person_id), PG_TEXT(m->kind),
                                PG_TS(m->next_attempt_at ? m->next_attempt_at : m->created_at),
                                PG_TS(m->created_at)),
                        row_id, &row);
    if (err == RK_OK && id)
        *id = row;
    return err;
}

struct outbox_iter {
    rk_outbox_fn fn;
    void *ctx;
    rk_err err; /* RK_ENOMEM: a sealed content could not be copied */
};

static int each_outbox(void *ctx, const struct pg_row *r) {
    struct outbox_iter *it = ctx;
    unsigned char *sealed = NULL;
    size_t sealed_len = 0;
    if (!pg_col_null(r, 4) && !pg_col_blob_dup(r, 4, &sealed, &sealed_len)) {
        it->err = RK_ENOMEM;
        return 1;
    }
    struct rk_outbox_msg m = {
        .id = pg_col_int(r, 0),
        .message_id = pg_col_text(r, 1),
        .person_id = pg_col_text(r, 2),
        .kind = pg_col_text(r, 3),
        .sealed = sealed,
        .sealed_len = sealed_len,
        .state = RK_OUTBOX_QUEUED,
        .attempts = (int)pg_col_int(r, 5),
        .created_at = pg_col_ts(r, 6),
        .next_attempt_at = pg_col_ts(r, 7),
        .last_error = pg_col_text(r, 8),
    };
    int rc = it->fn(it->ctx, &m);
    free(sealed);
    return rc;
}

rk_err pg_outbox_due(struct rk_store *base, rk_ts now, int limit, rk_outbox_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct outbox_iter it = {.fn = fn, .ctx = ctx, .err = RK_OK};
    /* The claim: one statement; RETURNING has no order, so the rows are sorted after. */
    rk_err err = pg_each(s,
                         "WITH c AS (UPDATE outbox SET claimed_by = $3, claim_until = $4 "
                         "WHERE id IN (SELECT id FROM outbox WHERE state = 'queued' "
                         "AND next_attempt_at <= $1 AND (claim_until IS NULL "
                         "OR claim_until < $1 OR claimed_by = $3) "
                         "ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
                         "RETURNING id, message_id, person_id, kind, sealed, attempts, "
                         "created_at, next_attempt_at, last_error) "
                         "SELECT * FROM c ORDER BY next_attempt_at, id",
                         PG_ARGS(PG_TS(now), limit_arg(limit), PG_TEXT(s->me),
                                 PG_TS(now + claim_lease(MAIL_LEASE_S))),
                         each_outbox, &it);
    if (err == RK_OK) {
        s->claimed = true;
        s->claims_renewed = now;
    }
    if (err == RK_OK && it.err != RK_OK)
        err = rk_error_set(&base->error, it.err, NULL, "out of memory reading the outbox");
    return err;
}

/* The marks apply to a queued message unclaimed or claimed by this handle only: RK_ENOENT
 * otherwise (pg_run_one). Each ends the claim. */
rk_err pg_outbox_mark_sent(struct rk_store *base, int64_t id, rk_ts at) {
    struct pg_store *s = (struct pg_store *)base;
    return mark(s,
                "UPDATE outbox SET state = 'sent', sent_at = $2, attempts = attempts + 1, "
                "sealed = NULL, claimed_by = NULL, claim_until = NULL "
                "WHERE id = $1 AND state = 'queued' AND " UNDER_CLAIM("$3"),
                PG_ARGS(PG_INT(id), PG_TS(at), PG_TEXT(s->me)), OUTBOX_RENEW, MAIL_LEASE_S);
}

rk_err pg_outbox_mark_retry(struct rk_store *base, int64_t id, rk_ts next, const char *error) {
    struct pg_store *s = (struct pg_store *)base;
    char buf[RK_OUTBOX_ERROR_MAX + 1];
    return mark(s,
                "UPDATE outbox SET next_attempt_at = $2, last_error = $3, "
                "attempts = attempts + 1, claimed_by = NULL, claim_until = NULL "
                "WHERE id = $1 AND state = 'queued' AND " UNDER_CLAIM("$4"),
                PG_ARGS(PG_INT(id), PG_TS(next), PG_TEXT(cut_error(error, buf)), PG_TEXT(s->me)),
                OUTBOX_RENEW, MAIL_LEASE_S);
}

/* A failed message keeps its sealed content until the sweep deletes the row, so that staff
 * can send it again (outbox_requeue). */
rk_err pg_outbox_mark_failed(struct rk_store *base, int64_t id, rk_ts at, const char *error) {
    struct pg_store *s = (struct pg_store *)base;
    char buf[RK_OUTBOX_ERROR_MAX + 1];
    return mark(s,
                "UPDATE outbox SET state = 'failed', failed_at = $2, last_error = $3, "
                "attempts = attempts + 1, claimed_by = NULL, claim_until = NULL "
                "WHERE id = $1 AND state = 'queued' AND " UNDER_CLAIM("$4"),
                PG_ARGS(PG_INT(id), PG_TS(at), PG_TEXT(cut_error(error, buf)), PG_TEXT(s->me)),
                OUTBOX_RENEW, MAIL_LEASE_S);
}

rk_err pg_outbox_count(struct rk_store *base, enum rk_outbox_state state, int64_t *out) {
    struct pg_store *s = (struct pg_store *)base;
    if ((unsigned)state >= RK_OUTBOX__COUNT)
        return RK_EINVAL;
    return pg_int(s, "SELECT count(*) FROM outbox WHERE state = $1",
                  PG_ARGS(PG_TEXT(outbox_states[state])), out);
}

struct failure_iter {
    rk_outbox_failure_fn fn;
    void *ctx;
};

static int each_failure(void *ctx, const struct pg_row *r) {
    struct failure_iter *it = ctx;
    struct rk_outbox_failure f = {
        .id = pg_col_int(r, 0),
        .kind = pg_col_text(r, 1),
        .person_id = pg_col_text(r, 2),
        .attempts = (int)pg_col_int(r, 3),
        .last_error = pg_col_text(r, 4),
        .created_at = pg_col_ts(r, 5),
        .failed_at = pg_col_ts(r, 6),
    };
    return it->fn(it->ctx, &f);
}

rk_err pg_outbox_failed(struct rk_store *base, int limit, rk_outbox_failure_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct failure_iter it = {.fn = fn, .ctx = ctx};
    return pg_each(s,
                   "SELECT id, kind, person_id, attempts, last_error, created_at, failed_at "
                   "FROM outbox WHERE state = 'failed' "
                   "ORDER BY failed_at DESC, id DESC LIMIT $1",
                   PG_ARGS(limit_arg(limit)), each_failure, &it);
}

/* ---- The console's retries and audience summary (issue 12; store.h) ---- */

rk_err pg_outbox_requeue(struct rk_store *base, int64_t id, rk_ts now) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t changes = 0;
    rk_err err = pg_run_count(s,
                              "UPDATE outbox SET state = 'queued', next_attempt_at = $2, "
                              "failed_at = NULL WHERE id = $1 AND state = 'failed' "
                              "AND sealed IS NOT NULL",
                              PG_ARGS(PG_INT(id), PG_TS(now)), &changes);
    if (err != RK_OK || changes > 0)
        return err;
    /* Nothing changed: no failed message with the id, or one whose content is gone. */
    int64_t failed = 0;
    err = pg_int(s, "SELECT count(*) FROM outbox WHERE id = $1 AND state = 'failed'",
                 PG_ARGS(PG_INT(id)), &failed);
    if (err != RK_OK)
        return err;
    return failed > 0 ? RK_EREFUSED : RK_ENOENT;
}

static int consent_index(const char *state) {
    for (int i = 0; state && i <= RK_CONSENT_EXPIRED; i++)
        if (strcmp(state, pg_consent_states[i]) == 0)
            return i;
    return -1;
}

/* The audience rows are read in batches of this many, keyset-paged on the person's key. */
#define AUDIENCE_BATCH 10000

struct audience_row_iter {
    rk_audience_row_fn fn;
    void *ctx;
    int64_t after; /* the key of the last person read */
    int rows;      /* rows of this batch */
    bool stopped;  /* fn returned non-zero */
};

static int each_audience_row(void *ctx, const struct pg_row *r) {
    struct audience_row_iter *it = ctx;
    it->rows++;
    it->after = pg_col_int(r, 6);
    int state = consent_index(pg_col_text(r, 4));
    struct rk_audience_row a = {.restricted = pg_col_int(r, 1) != 0,
                                .objected = pg_col_int(r, 2) != 0,
                                .suppressed = pg_col_int(r, 3) != 0,
                                .consent =
                                    state < 0 ? RK_CONSENT_NONE : (enum rk_consent_status)state,
                                .expires_at = pg_col_ts(r, 5)};
    if (!pg_col_copy(r, 0, a.person_id, sizeof a.person_id))
        return -1;
    int rc = it->fn(it->ctx, &a);
    if (rc != 0)
        it->stopped = true;
    return rc;
}

/* Every entry of the register in the order of the entry's key (person, register), as
 * SQLite's scan of its WITHOUT ROWID entry table gives them: by person key. */
rk_err pg_audience_rows(struct rk_store *base, const char *register_id, const char *purpose,
                        rk_audience_row_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct audience_row_iter it = {.fn = fn, .ctx = ctx, .after = INT64_MIN};
    bool own = false;
    rk_err err = read_begin(s, &own);
    if (err != RK_OK)
        return err;
    do {
        it.rows = 0;
        err = pg_each(s,
                      "SELECT p.id, p.restricted, p.objected, "
                      "(e.email_hash IS NOT NULL AND EXISTS (SELECT 1 FROM suppression s "
                      "WHERE s.hash = e.email_hash)) OR (e.phone_hash IS NOT NULL AND EXISTS "
                      "(SELECT 1 FROM suppression s WHERE s.hash = e.phone_hash)), "
                      "c.state, c.expires_at, e.person "
                      "FROM entry e JOIN person p ON p.pk = e.person "
                      "LEFT JOIN consent_state c ON c.person = e.person AND c.purpose = $2 "
                      "WHERE e.register = $1 AND e.person > $3 "
                      "ORDER BY e.person LIMIT $4",
                      PG_ARGS(PG_TEXT(register_id), PG_TEXT(purpose), PG_INT(it.after),
                              PG_INT(AUDIENCE_BATCH)),
                      each_audience_row, &it);
    } while (err == RK_OK && !it.stopped && it.rows == AUDIENCE_BATCH);
    return read_end(s, own, err);
}

struct contact_iter {
    rk_contact_row_fn fn;
    void *ctx;
    struct rk_contact_row row;
};

static int each_contact_row(void *ctx, const struct pg_row *r) {
    struct contact_iter *it = ctx;
    struct rk_contact_row *c = &it->row;
    if (!pg_col_copy(r, 0, c->register_id, sizeof c->register_id) ||
        !pg_col_copy(r, 1, c->person_id, sizeof c->person_id))
        return -1;
    c->restricted = pg_col_int(r, 2) != 0;
    c->objected = pg_col_int(r, 3) != 0;
    if (pg_col_null(r, 4)) {
        c->consent = (struct rk_consent_state){RK_CONSENT_NONE, 0, 0, false, 0};
    } else {
        if (!pg_row_to_consent_state(r, 4, &c->consent))
            return -1;
    }
    return it->fn(it->ctx, c);
}

/* Registers in byte order (COLLATE "C"), as SQLite's BINARY collation orders them. */
rk_err pg_contact_rows(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       const char *purpose, bool *suppressed, rk_contact_row_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    bool own = false;
    rk_err err = read_begin(s, &own);
    if (err != RK_OK)
        return err;
    int64_t sup = 0;
    err = pg_int(s, "SELECT count(*) FROM suppression WHERE hash = $1",
                 PG_ARGS(PG_BLOB(hash, RK_HASH_LEN)), &sup);
    if (err == RK_OK && sup == 0) {
        struct contact_iter it = {.fn = fn, .ctx = ctx};
        err = pg_each(s,
                      "SELECT e.register, p.id, p.restricted, p.objected, c.state, c.since, "
                      "c.expires_at, c.renewal_pending, c.last_seq "
                      "FROM (SELECT register, person FROM entry WHERE email_hash = $1 "
                      "UNION ALL SELECT register, person FROM entry WHERE phone_hash = $1) e "
                      "JOIN person p ON p.pk = e.person "
                      "LEFT JOIN consent_state c ON c.person = e.person AND c.purpose = $2 "
                      "ORDER BY e.register COLLATE \"C\"",
                      PG_ARGS(PG_BLOB(hash, RK_HASH_LEN), PG_TEXT(purpose)), each_contact_row, &it);
    }
    err = read_end(s, own, err);
    if (err == RK_OK)
        *suppressed = sup > 0;
    return err;
}

/* ---- Art 19 notices ---------------------------------------------------------------------- */

static const char *const notice_kinds[RK_NOTICE__COUNT] = {"rectification", "erasure",
                                                           "restriction", "restriction_lifted"};
static const char *const notice_states[RK_NOTICE_STATE__COUNT] = {"queued", "pending", "done",
                                                                  "failed", "unsupported"};

rk_err pg_recipient_notice_add(struct rk_store *base, struct rk_recipient_notice *n) {
    struct pg_store *s = (struct pg_store *)base;
    if ((unsigned)n->kind >= RK_NOTICE__COUNT)
        return RK_EINVAL;
    int64_t id = 0;
    rk_err err =
        pg_row(s,
               "INSERT INTO recipient_notice (recipient, person_id, kind, request_id, "
               "next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $5) "
               "RETURNING id",
               PG_ARGS(PG_TEXT(n->recipient), PG_TEXT(n->person_id), PG_TEXT(notice_kinds[n->kind]),
                       PG_TEXT(n->request_id), PG_TS(n->created_at)),
               row_id, &id);
    if (err == RK_OK)
        n->id = id;
    return err;
}

static int name_index(const char *const *names, int n, const char *s) {
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return 0;
}

#define NOTICE_COLS                                                                                \
    "id, recipient, person_id, request_id, remote_id, last_error, kind, state, attempts, "         \
    "created_at, next_attempt_at, done_at"

struct notice_iter {
    rk_notice_fn fn;
    void *ctx;
    bool identity; /* column 12 is the sealed identity */
    bool found;
    rk_err err; /* RK_ENOMEM: a sealed identity could not be copied */
};

static int each_notice(void *ctx, const struct pg_row *r) {
    struct notice_iter *it = ctx;
    unsigned char *sealed = NULL;
    size_t sealed_len = 0;
    if (it->identity && !pg_col_null(r, 12) && !pg_col_blob_dup(r, 12, &sealed, &sealed_len)) {
        it->err = RK_ENOMEM;
        return 1;
    }
    it->found = true;
    struct rk_notice_row n = {
        .id = pg_col_int(r, 0),
        .recipient = pg_col_text(r, 1),
        .person_id = pg_col_text(r, 2),
        .request_id = pg_col_text(r, 3),
        .remote_id = pg_col_text(r, 4),
        .last_error = pg_col_text(r, 5),
        .kind = (enum rk_notice_kind)name_index(notice_kinds, RK_NOTICE__COUNT, pg_col_text(r, 6)),
        .state = (enum rk_notice_state)name_index(notice_states, RK_NOTICE_STATE__COUNT,
                                                  pg_col_text(r, 7)),
        .attempts = (int)pg_col_int(r, 8),
        .created_at = pg_col_ts(r, 9),
        .next_attempt_at = pg_col_ts(r, 10),
        .done_at = pg_col_ts(r, 11), /* 0 for NULL */
        .sealed = sealed,
        .sealed_len = sealed_len,
    };
    int rc = it->fn(it->ctx, &n);
    free(sealed);
    return rc;
}

/* The result of a walk of notices: its failure, or the iterator's. */
static rk_err notice_walk_end(struct pg_store *s, rk_err err, const struct notice_iter *it) {
    if (err == RK_OK && it->err != RK_OK)
        err = rk_error_set(&s->base.error, it->err, NULL, "out of memory reading the notices");
    return err;
}

rk_err pg_recipient_notice_due(struct rk_store *base, rk_ts now, int limit, rk_notice_fn fn,
                               void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct notice_iter it = {.fn = fn, .ctx = ctx, .identity = true};
    /* The claim, as pg_outbox_due's. */
    rk_err err = pg_each(s,
                         "WITH c AS (UPDATE recipient_notice SET claimed_by = $3, "
                         "claim_until = $4 WHERE id IN (SELECT id FROM recipient_notice "
                         "WHERE state IN ('queued', 'pending') AND next_attempt_at <= $1 "
                         "AND (claim_until IS NULL OR claim_until < $1 OR claimed_by = $3) "
                         "ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
                         "RETURNING " NOTICE_COLS ", sealed) "
                         "SELECT * FROM c ORDER BY next_attempt_at, id",
                         PG_ARGS(PG_TS(now), limit_arg(limit), PG_TEXT(s->me),
                                 PG_TS(now + claim_lease(NOTICE_LEASE_S))),
                         each_notice, &it);
    if (err == RK_OK) {
        s->claimed = true;
        s->claims_renewed = now;
    }
    return notice_walk_end(s, err, &it);
}

/* The marks apply to a queued or pending notice unclaimed or claimed by this handle only:
 * RK_ENOENT otherwise (pg_run_one); each ends the claim. SQLite's `attempts + (state = 'queued')`
 * adds a boolean; here it is a CASE. */
rk_err pg_recipient_notice_mark_done(struct rk_store *base, int64_t id, rk_ts at) {
    struct pg_store *s = (struct pg_store *)base;
    return mark(s,
                "UPDATE recipient_notice SET state = 'done', done_at = $2, "
                "sealed = NULL, last_error = NULL, claimed_by = NULL, claim_until = NULL, "
                "attempts = attempts + CASE WHEN state = 'queued' THEN 1 ELSE 0 END "
                "WHERE id = $1 AND state IN ('queued', 'pending') AND " UNDER_CLAIM("$3"),
                PG_ARGS(PG_INT(id), PG_TS(at), PG_TEXT(s->me)), NOTICE_RENEW, NOTICE_LEASE_S);
}

rk_err pg_recipient_notice_mark_pending(struct rk_store *base, int64_t id, const char *remote_id,
                                        rk_ts next) {
    struct pg_store *s = (struct pg_store *)base;
    return mark(s,
                "UPDATE recipient_notice SET "
                "attempts = attempts + CASE WHEN state = 'queued' THEN 1 ELSE 0 END, "
                "state = 'pending', remote_id = $2, next_attempt_at = $3, "
                "sealed = NULL, last_error = NULL, claimed_by = NULL, claim_until = NULL "
                "WHERE id = $1 AND state IN ('queued', 'pending') AND " UNDER_CLAIM("$4"),
                PG_ARGS(PG_INT(id), PG_TEXT(remote_id), PG_TS(next), PG_TEXT(s->me)), NOTICE_RENEW,
                NOTICE_LEASE_S);
}

rk_err pg_recipient_notice_mark_wait(struct rk_store *base, int64_t id, rk_ts next,
                                     const char *error) {
    struct pg_store *s = (struct pg_store *)base;
    char buf[RK_OUTBOX_ERROR_MAX + 1];
    return mark(s,
                "UPDATE recipient_notice SET next_attempt_at = $2, last_error = $3, "
                "claimed_by = NULL, claim_until = NULL "
                "WHERE id = $1 AND state IN ('queued', 'pending') AND " UNDER_CLAIM("$4"),
                PG_ARGS(PG_INT(id), PG_TS(next), PG_TEXT(cut_error(error, buf)), PG_TEXT(s->me)),
                NOTICE_RENEW, NOTICE_LEASE_S);
}

rk_err pg_recipient_notice_mark_retry(struct rk_store *base, int64_t id, rk_ts next,
                                      const char *error) {
    struct pg_store *s = (struct pg_store *)base;
    char buf[RK_OUTBOX_ERROR_MAX + 1];
    return mark(s,
                "UPDATE recipient_notice SET next_attempt_at = $2, last_error = $3, "
                "attempts = attempts + 1, claimed_by = NULL, claim_until = NULL "
                "WHERE id = $1 AND state IN ('queued', 'pending') AND " UNDER_CLAIM("$4"),
                PG_ARGS(PG_INT(id), PG_TS(next), PG_TEXT(cut_error(error, buf)), PG_TEXT(s->me)),
                NOTICE_RENEW, NOTICE_LEASE_S);
}

rk_err pg_recipient_notice_mark_final(struct rk_store *base, int64_t id, enum rk_notice_state state,
                                      rk_ts at, const char *error) {
    struct pg_store *s = (struct pg_store *)base;
    if (state != RK_NOTICE_FAILED && state != RK_NOTICE_UNSUPPORTED)
        return RK_EINVAL;
    char buf[RK_OUTBOX_ERROR_MAX + 1];
    return mark(s,
                "UPDATE recipient_notice SET state = $4, done_at = $2, last_error = $3, "
                "sealed = NULL, attempts = attempts + 1, claimed_by = NULL, claim_until = NULL "
                "WHERE id = $1 AND state IN ('queued', 'pending') AND " UNDER_CLAIM("$5"),
                PG_ARGS(PG_INT(id), PG_TS(at), PG_TEXT(cut_error(error, buf)),
                        PG_TEXT(notice_states[state]), PG_TEXT(s->me)),
                NOTICE_RENEW, NOTICE_LEASE_S);
}

rk_err pg_recipient_notice_count(struct rk_store *base, enum rk_notice_state state, int64_t *out) {
    struct pg_store *s = (struct pg_store *)base;
    if ((unsigned)state >= RK_NOTICE_STATE__COUNT)
        return RK_EINVAL;
    return pg_int(s, "SELECT count(*) FROM recipient_notice WHERE state = $1",
                  PG_ARGS(PG_TEXT(notice_states[state])), out);
}

/* Newest first; a state past the last is every state. */
rk_err pg_recipient_notice_list(struct rk_store *base, enum rk_notice_state state, int limit,
                                rk_notice_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct notice_iter it = {.fn = fn, .ctx = ctx, .identity = false};
    bool all = (unsigned)state >= RK_NOTICE_STATE__COUNT;
    rk_err err = pg_each(s,
                         "SELECT " NOTICE_COLS " FROM recipient_notice "
                         "WHERE ($1::text IS NULL OR state = $1) ORDER BY id DESC LIMIT $2",
                         PG_ARGS(PG_TEXT(all ? NULL : notice_states[state]), limit_arg(limit)),
                         each_notice, &it);
    return notice_walk_end(s, err, &it);
}

/* The console's notice retries (issue 12; beside the notice rows they read). */
rk_err pg_recipient_notice_get(struct rk_store *base, int64_t id, rk_notice_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct notice_iter it = {.fn = fn, .ctx = ctx, .identity = false};
    rk_err err = pg_each(s, "SELECT " NOTICE_COLS " FROM recipient_notice WHERE id = $1",
                         PG_ARGS(PG_INT(id)), each_notice, &it);
    err = notice_walk_end(s, err, &it);
    return err == RK_OK && !it.found ? RK_ENOENT : err;
}

#undef NOTICE_COLS

rk_err pg_recipient_notice_requeue(struct rk_store *base, int64_t id, rk_ts now) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s,
                      "UPDATE recipient_notice SET state = 'queued', next_attempt_at = $2, "
                      "done_at = NULL WHERE id = $1 AND state = 'failed'",
                      PG_ARGS(PG_INT(id), PG_TS(now)));
}

/* ---- The mail limit (mail_limit; `at` is Unix seconds, an integer) --------------------- */

struct limit_out {
    int64_t *n;
    rk_ts *last;
};

static bool row_limit(const struct pg_row *r, void *out) {
    struct limit_out *o = out;
    *o->n = pg_col_int(r, 0);
    *o->last = (rk_ts)pg_col_int(r, 1);
    return true;
}

rk_err pg_mail_limit_count(struct rk_store *base, const unsigned char recipient[RK_HASH_LEN],
                           rk_ts since, int64_t *n, rk_ts *last) {
    struct pg_store *s = (struct pg_store *)base;
    struct limit_out o = {.n = n, .last = last};
    rk_err err = pg_row(s,
                        "SELECT count(*), coalesce(max(at), 0) FROM mail_limit "
                        "WHERE recipient = $1 AND at >= $2",
                        PG_ARGS(PG_BLOB(recipient, RK_HASH_LEN), PG_INT(since)), row_limit, &o);
    if (err == RK_ENOENT) /* an aggregate always has its row */
        err = rk_error_set(&base->error, RK_EIO, NULL, "a count returned no row");
    return err;
}

rk_err pg_mail_limit_add(struct rk_store *base, const unsigned char recipient[RK_HASH_LEN],
                         rk_ts at, rk_ts prune_before) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = pg_run(s, "DELETE FROM mail_limit WHERE at < $1", PG_ARGS(PG_INT(prune_before)));
    if (err != RK_OK)
        return err;
    return pg_run(s, "INSERT INTO mail_limit (recipient, at) VALUES ($1, $2)",
                  PG_ARGS(PG_BLOB(recipient, RK_HASH_LEN), PG_INT(at)));
}

/* ---- Leases (lease; migration pg/0003) ---------------------------------------------------- */

rk_err pg_lease_take(struct rk_store *base, const char *name, const char *holder, rk_ts now,
                     rk_ts until, bool *got) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t changes = 0;
    rk_err err =
        pg_run_count(s,
                     "INSERT INTO lease (name, holder, until) VALUES ($1, $2, $4) "
                     "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                     "until = excluded.until WHERE lease.until < $3 "
                     "OR lease.holder = $2",
                     PG_ARGS(PG_TEXT(name), PG_TEXT(holder), PG_TS(now), PG_TS(until)), &changes);
    if (err == RK_OK)
        *got = changes > 0;
    return err;
}

rk_err pg_lease_drop(struct rk_store *base, const char *name, const char *holder) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run_one(s, "DELETE FROM lease WHERE name = $1 AND holder = $2",
                      PG_ARGS(PG_TEXT(name), PG_TEXT(holder)));
}
