/*
 * pg_retention.c — what ran out, purges, the census in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_retention.c).
 *
 * SQLite's LIMIT -1 (no limit) is LIMIT NULL here: a limit <= 0 binds NULL. The ties of
 * an ORDER BY that SQLite broke by its index scan are broken explicitly, in the same
 * order (consent_state: its key (person, purpose); signup: its rowid).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

/* The limit of a listing or a purge: NULL (all) for limit <= 0. */
static struct pg_arg limit_arg(int limit) {
    return limit > 0 ? (struct pg_arg)PG_INT(limit) : (struct pg_arg)PG_NULL;
}

/* ---- Retention sweep ------------------------------------------------------------------- */

struct pair_iter {
    rk_person_purpose_fn fn;
    void *ctx;
};

static int each_pair(void *ctx, const struct pg_row *r) {
    struct pair_iter *it = ctx;
    const char *person = pg_col_text(r, 0), *purpose = pg_col_text(r, 1);
    if (!person || !purpose)
        return -1;
    return it->fn(it->ctx, person, purpose) ? 1 : 0;
}

rk_err pg_consents_run_out(struct rk_store *base, rk_ts now, int limit, rk_person_purpose_fn fn,
                           void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct pair_iter it = {.fn = fn, .ctx = ctx};
    return pg_each(s,
                   "SELECT p.id, c.purpose FROM consent_state c JOIN person p ON p.pk = c.person "
                   "WHERE c.state = 'live' AND c.expires_at IS NOT NULL AND c.expires_at <= $1 "
                   "ORDER BY c.expires_at, c.person, c.purpose LIMIT $2",
                   PG_ARGS(PG_TS(now), limit_arg(limit)), each_pair, &it);
}

rk_err pg_signups_run_out(struct rk_store *base, rk_ts now, int limit, rk_person_purpose_fn fn,
                          void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct pair_iter it = {.fn = fn, .ctx = ctx};
    return pg_each(s,
                   "SELECT p.id, s.purpose FROM signup s JOIN person p ON p.pk = s.person_id "
                   "WHERE s.expires_at <= $1 ORDER BY s.expires_at, s.rowid LIMIT $2",
                   PG_ARGS(PG_TS(now), limit_arg(limit)), each_pair, &it);
}

/* ---- Retention rules (retention) ------------------------------------------------------ */

struct retention_iter {
    rk_retention_fn fn;
    void *ctx;
};

static int each_retention_row(void *ctx, const struct pg_row *r) {
    struct retention_iter *it = ctx;
    struct rk_retention_row row = {.key = pg_col_int(r, 0),
                                   .since = pg_col_ts(r, 2),
                                   .restricted = pg_col_int(r, 3) != 0,
                                   .contracts = pg_col_int(r, 4),
                                   .open = pg_col_int(r, 5) > 0,
                                   .last_end = pg_col_date(r, 6)};
    if (!pg_col_copy(r, 1, row.person_id, sizeof row.person_id))
        return -1;
    return it->fn(it->ctx, &row) ? 1 : 0;
}

rk_err pg_retention_entries(struct rk_store *base, const char *register_id, int64_t after,
                            int limit, rk_retention_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct retention_iter it = {.fn = fn, .ctx = ctx};
    /* The entries of one register in person-key order after a cursor, each with its
     * person's contracts in that register. */
    return pg_each(
        s,
        "SELECT e.person, p.id, e.since, p.restricted, "
        "(SELECT count(*) FROM contract c WHERE c.person = e.person AND c.register = e.register), "
        "(SELECT count(*) FROM contract c WHERE c.person = e.person AND c.register = e.register "
        "AND c.end_date IS NULL), "
        "(SELECT max(c.end_date) FROM contract c WHERE c.person = e.person "
        "AND c.register = e.register) "
        "FROM entry e JOIN person p ON p.pk = e.person "
        "WHERE e.register = $1 AND e.person > $2 ORDER BY e.person LIMIT $3",
        PG_ARGS(PG_TEXT(register_id), PG_INT(after), limit_arg(limit)), each_retention_row, &it);
}

rk_err pg_kept_invoices_run_out(struct rk_store *base, struct rk_date today, int limit,
                                rk_person_purpose_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct pair_iter it = {.fn = fn, .ctx = ctx}; /* (invoice id, person id) */
    return pg_each(s,
                   "SELECT i.id, p.id FROM invoice i JOIN person p ON p.pk = i.person "
                   "WHERE i.restricted = 1 AND i.keep_until IS NOT NULL AND i.keep_until < $1 "
                   "ORDER BY i.keep_until, i.id LIMIT $2",
                   PG_ARGS(PG_DATE(today), limit_arg(limit)), each_pair, &it);
}

rk_err pg_kept_contracts(struct rk_store *base, const char *after, int limit, rk_contract_fn fn,
                         void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct pg_contract_iter it = {.fn = fn, .ctx = ctx};
    return pg_each(s,
                   "SELECT c.id, p.id, c.register, c.service, c.start_date, c.end_date, "
                   "c.status, c.created_at, c.created_by FROM contract c "
                   "JOIN person p ON p.pk = c.person WHERE c.restricted = 1 AND c.id > $1 "
                   "AND NOT EXISTS (SELECT 1 FROM invoice i WHERE i.contract_id = c.id) "
                   "ORDER BY c.id LIMIT $2",
                   PG_ARGS(PG_TEXT(after ? after : ""), limit_arg(limit)), pg_each_contract, &it);
}

/* Deletes at most limit rows older than before with statement del, or counts them all with
 * statement count when dry_run. */
static rk_err purge(struct rk_store *base, const char *del, const char *count, rk_ts before,
                    int limit, bool dry_run, int64_t *n) {
    struct pg_store *s = (struct pg_store *)base;
    if (dry_run)
        return pg_int(s, count, PG_ARGS(PG_TS(before)), n);
    return pg_run_count(s, del, PG_ARGS(PG_TS(before), limit_arg(limit)), n);
}

rk_err pg_outbox_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run, int64_t *n) {
    return purge(base,
                 "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox "
                 "WHERE state IN ('sent', 'failed') "
                 "AND coalesce(sent_at, failed_at, created_at) < $1 ORDER BY id LIMIT $2)",
                 "SELECT count(*) FROM outbox WHERE state IN ('sent', 'failed') "
                 "AND coalesce(sent_at, failed_at, created_at) < $1",
                 before, limit, dry_run, n);
}

rk_err pg_answer_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run, int64_t *n) {
    return purge(base,
                 "DELETE FROM answer WHERE request_id IN (SELECT request_id FROM answer "
                 "WHERE expires_at <= $1 ORDER BY expires_at, request_id LIMIT $2)",
                 "SELECT count(*) FROM answer WHERE expires_at <= $1", before, limit, dry_run, n);
}

rk_err pg_recipient_notice_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                                 int64_t *n) {
    return purge(base,
                 "DELETE FROM recipient_notice WHERE id IN (SELECT id FROM recipient_notice "
                 "WHERE state IN ('done', 'unsupported') "
                 "AND coalesce(done_at, created_at) < $1 ORDER BY id LIMIT $2)",
                 "SELECT count(*) FROM recipient_notice WHERE state IN ('done', 'unsupported') "
                 "AND coalesce(done_at, created_at) < $1",
                 before, limit, dry_run, n);
}

rk_err pg_consent_log_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                            int64_t *n) {
    return purge(base,
                 "DELETE FROM consent_log WHERE seq IN (SELECT seq FROM consent_log "
                 "WHERE at < $1 ORDER BY at, seq LIMIT $2)",
                 "SELECT count(*) FROM consent_log WHERE at < $1", before, limit, dry_run, n);
}

/* ---- Consent expiry in bulk (sweepbench) ------------------------------------------------ */

struct state_iter {
    rk_consent_state_fn fn;
    void *ctx;
};

static int each_state(void *ctx, const struct pg_row *r) {
    struct state_iter *it = ctx;
    const char *person = pg_col_text(r, 0), *purpose = pg_col_text(r, 1);
    struct rk_consent_state cs;
    if (!person || !purpose || !pg_row_to_consent_state(r, 2, &cs))
        return -1;
    return it->fn(it->ctx, person, purpose, &cs) ? 1 : 0;
}

rk_err pg_consents_run_out_states(struct rk_store *base, rk_ts now, int limit,
                                  rk_consent_state_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct state_iter it = {.fn = fn, .ctx = ctx};
    /* pg_consents_run_out with the state's five columns (pg_row_to_consent_state). */
    return pg_each(s,
                   "SELECT p.id, c.purpose, c.state, c.since, c.expires_at, c.renewal_pending, "
                   "c.last_seq FROM consent_state c JOIN person p ON p.pk = c.person "
                   "WHERE c.state = 'live' AND c.expires_at IS NOT NULL AND c.expires_at <= $1 "
                   "ORDER BY c.expires_at, c.person, c.purpose LIMIT $2",
                   PG_ARGS(PG_TS(now), limit_arg(limit)), each_state, &it);
}

/* ---- Consent expiry in a batch, set-based (issue 18) ------------------------------------
 * consents_expire in a few statements whatever the batch's size, as SQLite's: one statement
 * picks the batch (locking its states: a consent renewed meanwhile by another connection drops
 * out), inserts its "expired" ledger events in the pick's order and updates its states
 * (data-modifying CTEs), returning each consent with the person's key and the new event's
 * seq, in the ledger's order; then, per consent register, one statement deletes the entries of
 * the batch's persons who hold no live consent for any of its purposes, returning how many and
 * the provenance rows and organisations they cited, and two more delete those of them no
 * remaining entry cites. The entries deleted are counted for the rewrite (erasure_pending), as
 * entry_leave counts each. The batch's keys travel as one array parameter ('{1,2,...}'), the
 * purposes as one newline-separated text. */

struct gone {
    int64_t pk;
    char person[RK_ID_LEN + 1];
    char purpose[RK_DECL_ID_MAX + 1];
    struct rk_consent_state st;
};

struct gone_list {
    struct gone *rows;
    int n, cap;
    int64_t states; /* the states the statement updated: one per event, or the batch fails */
};

static int collect_gone(void *ctx, const struct pg_row *r) {
    struct gone_list *l = ctx;
    if (l->n >= l->cap)
        return -1;
    struct gone *g = &l->rows[l->n];
    g->pk = pg_col_int(r, 0);
    l->states = pg_col_int(r, 8);
    if (!pg_col_copy(r, 1, g->person, sizeof g->person) ||
        !pg_col_copy(r, 2, g->purpose, sizeof g->purpose) || !pg_row_to_consent_state(r, 3, &g->st))
        return -1;
    l->n++;
    return 0;
}

/* The purposes, newline-separated, in a malloc'd string (NULL: out of memory). */
static char *joined(const char *const *p, size_t n) {
    size_t len = 1;
    for (size_t i = 0; i < n; i++)
        len += strlen(p[i]) + 1;
    char *out = malloc(len), *at = out;
    for (size_t i = 0; out && i < n; i++) {
        size_t k = strlen(p[i]);
        memcpy(at, p[i], k);
        at += k;
        *at++ = i + 1 < n ? '\n' : '\0';
    }
    if (out && n == 0)
        *out = '\0';
    return out;
}

/* The batch's person keys as an array literal, "{1,2,3}", malloc'd (NULL: out of memory). */
static char *pk_array(const struct gone_list *l) {
    size_t cap = (size_t)l->n * 21 + 3, at = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
    out[at++] = '{';
    for (int i = 0; i < l->n; i++)
        at +=
            (size_t)snprintf(out + at, cap - at, "%s%lld", i ? "," : "", (long long)l->rows[i].pk);
    snprintf(out + at, cap - at, "}");
    return out;
}

/* Pick, events and states in one statement ($1 now, $2 limit, $3 the purposes, $4-$9 the
 * event's basis, notice version and digest, channel, collector and at). */
static const char expire_pick[] =
    "WITH pick AS (SELECT c.person, c.purpose, c.since, c.expires_at FROM consent_state c "
    "WHERE c.state = 'live' AND c.expires_at IS NOT NULL AND c.expires_at <= $1 "
    "AND c.purpose = ANY (string_to_array($3, E'\\n')) "
    "ORDER BY c.expires_at, c.person, c.purpose LIMIT $2 FOR UPDATE), "
    "ev AS (INSERT INTO consent_event (person, purpose, event, pending, basis, notice_version, "
    "notice_sha256, channel, collector, at) SELECT person, purpose, 'expired', 0, $4, $5, $6, "
    "$7, $8, $9 FROM pick ORDER BY expires_at, person, purpose RETURNING seq, person, purpose), "
    "st AS (UPDATE consent_state c SET state = 'expired', renewal_pending = 0, last_seq = ev.seq "
    "FROM ev WHERE c.person = ev.person AND c.purpose = ev.purpose RETURNING c.person) "
    "SELECT ev.person, p.id, ev.purpose, 'expired', pick.since, pick.expires_at, 0, ev.seq, "
    "(SELECT count(*) FROM st) FROM ev JOIN pick ON pick.person = ev.person "
    "AND pick.purpose = ev.purpose JOIN person p ON p.pk = ev.person ORDER BY ev.seq";

/* The batch's persons ($1) who hold no live consent at $4 for any of register $2's purposes
 * ($3) leave it: how many entries, and the distinct provenance rows and organisations they
 * cited (array literals). */
static const char expire_leave[] =
    "WITH leave AS (SELECT DISTINCT g.pk FROM unnest($1::bigint[]) AS g(pk) "
    "WHERE NOT EXISTS (SELECT 1 FROM consent_state c WHERE c.person = g.pk "
    "AND c.purpose = ANY (string_to_array($3, E'\\n')) AND c.state = 'live' "
    "AND (c.expires_at IS NULL OR c.expires_at > $4))), "
    "del AS (DELETE FROM entry e USING leave l WHERE e.register = $2 AND e.person = l.pk "
    "RETURNING e.name_prov, e.email_prov, e.phone_prov, e.position_prov, e.organisation_prov, "
    "e.interests_prov, e.organisation_id) "
    "SELECT (SELECT count(*) FROM del), "
    "(SELECT coalesce(array_agg(DISTINCT v), '{}')::text FROM del, LATERAL (VALUES "
    "(name_prov), (email_prov), (phone_prov), (position_prov), (organisation_prov), "
    "(interests_prov)) AS t(v) WHERE v IS NOT NULL), "
    "(SELECT coalesce(array_agg(DISTINCT organisation_id), '{}')::text FROM del "
    "WHERE organisation_id IS NOT NULL)";

struct left {
    int64_t entries;
    char *provs, *orgs; /* malloc'd array literals */
};

static bool row_left(const struct pg_row *r, void *out) {
    struct left *l = out;
    const char *p = pg_col_text(r, 1), *o = pg_col_text(r, 2);
    l->entries = pg_col_int(r, 0);
    l->provs = strdup(p ? p : "{}");
    l->orgs = strdup(o ? o : "{}");
    return l->provs && l->orgs;
}

/* The batch's persons (pks) leave consent register r (store.h). */
static rk_err leave_register(struct pg_store *s, const struct rk_expiry_register *r,
                             const char *pks, rk_ts now) {
    char *purposes = joined(r->purposes, r->npurposes);
    if (!purposes)
        return RK_ENOMEM;
    struct left l = {0};
    rk_err err =
        pg_row(s, expire_leave,
               PG_ARGS(PG_TEXT(pks), PG_TEXT(r->id), PG_TEXT(purposes), PG_TS(now)), row_left, &l);
    free(purposes);
    if (err == RK_OK && l.entries > 0) /* the entries' values: counted for the rewrite */
        err = pg_run_one(s,
                         "UPDATE erasure_pending SET pending = pending + $1,"
                         " last_xid = pg_current_xact_id() WHERE one = 1",
                         PG_ARGS(PG_INT(l.entries)));
    if (err == RK_OK && l.entries > 0)
        err = pg_run(s,
                     "DELETE FROM provenance p WHERE p.id = ANY ($1::bigint[]) AND NOT EXISTS "
                     "(SELECT 1 FROM entry WHERE name_prov = p.id OR email_prov = p.id OR "
                     "phone_prov = p.id OR position_prov = p.id OR organisation_prov = p.id OR "
                     "interests_prov = p.id)",
                     PG_ARGS(PG_TEXT(l.provs)));
    int64_t orgs = 0;
    if (err == RK_OK && l.entries > 0)
        err = pg_run_count(s,
                           "DELETE FROM organisation o WHERE o.id = ANY ($1::bigint[]) AND NOT "
                           "EXISTS (SELECT 1 FROM entry e WHERE e.organisation_id = o.id)",
                           PG_ARGS(PG_TEXT(l.orgs)), &orgs);
    for (int i = 0; err == RK_OK && orgs > 0 && i < PG_ORG_CACHE; i++)
        s->orgs[i].id = 0; /* a deleted id must not be reused */
    free(l.provs);
    free(l.orgs);
    return err;
}

rk_err pg_consents_expire(struct rk_store *base, rk_ts now, int limit, const struct rk_expiry *x,
                          rk_consent_state_fn fn, void *ctx, int64_t *n) {
    struct pg_store *s = (struct pg_store *)base;
    *n = 0;
    if (limit <= 0 || !x->event)
        return rk_error_set(&s->base.error, RK_EINVAL, NULL, "consents_expire: no limit");
    const struct rk_consent_event *e = x->event;
    if (!e->notice_version || !e->channel || !e->collector ||
        strlen(e->notice_version) > RK_CONSENT_FIELD_MAX ||
        strlen(e->channel) > RK_CONSENT_FIELD_MAX || strlen(e->collector) > RK_CONSENT_FIELD_MAX)
        return rk_error_set(&s->base.error, RK_ETOOBIG, NULL,
                            "a consent event field is longer than allowed");
    struct gone_list l = {calloc((size_t)limit, sizeof(struct gone)), 0, limit, 0};
    char *purposes = joined(x->purposes, x->npurposes), *pks = NULL;
    rk_err err = l.rows && purposes ? RK_OK : RK_ENOMEM;
    if (err == RK_OK)
        err = pg_each(s, expire_pick,
                      PG_ARGS(PG_TS(now), PG_INT(limit), PG_TEXT(purposes),
                              PG_TEXT(rk_basis_id(e->basis)), PG_TEXT(e->notice_version),
                              PG_TEXT(e->notice_sha256), PG_TEXT(e->channel), PG_TEXT(e->collector),
                              PG_TS(e->at)),
                      collect_gone, &l);
    if (err == RK_OK && l.states != l.n) /* cannot happen (the states were picked); fail safe */
        err = rk_error_set(&s->base.error, RK_EIO, NULL,
                           "consents_expire: %lld states for %d events", (long long)l.states, l.n);
    if (err == RK_OK && l.n > 0 && !(pks = pk_array(&l)))
        err = RK_ENOMEM;
    for (size_t i = 0; err == RK_OK && l.n > 0 && i < x->nregisters; i++)
        err = leave_register(s, &x->registers[i], pks, now);
    for (int i = 0; err == RK_OK && i < l.n; i++)
        if (fn(ctx, l.rows[i].person, l.rows[i].purpose, &l.rows[i].st))
            break;
    if (err == RK_OK)
        *n = l.n;
    free(pks);
    free(purposes);
    free(l.rows);
    return err;
}

/* ---- The census ---------------------------------------------------------------------- */

/* One row, the columns in struct rk_census's order (RK_CENSUS_FIELDS). */
static const char census_all[] =
    "SELECT (SELECT count(*) FROM person), "
    "(SELECT count(*) FROM person WHERE restricted = 1), "
    "(SELECT count(*) FROM person WHERE objected = 1), "
    "(SELECT count(*) FROM entry), "
    "(SELECT count(*) FROM provenance), "
    "(SELECT count(*) FROM provenance p WHERE NOT EXISTS (SELECT 1 FROM entry e WHERE p.id "
    "IN (e.name_prov, e.email_prov, e.phone_prov, e.position_prov, e.organisation_prov, "
    "e.interests_prov))), "
    "(SELECT count(*) FROM organisation), "
    "(SELECT count(*) FROM organisation o WHERE NOT EXISTS (SELECT 1 FROM entry e "
    "WHERE e.organisation_id = o.id)), "
    "(SELECT count(*) FROM consent_event), "
    "(SELECT count(*) FROM consent_event WHERE event = 'expired'), "
    "(SELECT count(*) FROM consent_state), "
    "(SELECT count(*) FROM consent_state WHERE state = 'live'), "
    "(SELECT count(*) FROM contract), "
    "(SELECT count(*) FROM contract WHERE restricted = 1), "
    "(SELECT count(*) FROM contract_change), "
    "(SELECT count(*) FROM invoice), "
    "(SELECT count(*) FROM invoice WHERE restricted = 1), "
    "(SELECT count(*) FROM signup), "
    "(SELECT count(*) FROM outbox), "
    "(SELECT count(*) FROM outbox WHERE state = 'queued'), "
    "(SELECT count(*) FROM task), "
    "(SELECT count(*) FROM task WHERE done_at IS NULL), "
    "(SELECT count(*) FROM request), "
    "(SELECT count(*) FROM recipient_notice), "
    "(SELECT count(*) FROM recipient_notice WHERE state = 'queued'), "
    "(SELECT count(*) FROM answer), "
    "(SELECT count(*) FROM answer_file), "
    "(SELECT count(*) FROM audit), "
    "(SELECT count(*) FROM suppression), "
    "(SELECT count(*) FROM suppression WHERE reason = 'objection'), "
    "(SELECT count(*) FROM mail_limit), "
    "(SELECT count(*) FROM search_token), "
    "(SELECT count(*) FROM staff), "
    "(SELECT count(*) FROM staff_session), "
    "(SELECT count(*) FROM disclosure), "
    "(SELECT count(*) FROM disclosure_event)";

/* The same for one person; -1 for the kinds that belong to no one person. SQLite's
 * `IN me` (a table name) is `IN (SELECT pk FROM me)` here. */
#define ME "(SELECT pk FROM me)"
static const char census_person[] =
    "WITH me(pk) AS (SELECT pk FROM person WHERE id = $1), "
    "prov(id) AS (SELECT name_prov FROM entry WHERE person IN " ME " UNION "
    "SELECT email_prov FROM entry WHERE person IN " ME " UNION "
    "SELECT phone_prov FROM entry WHERE person IN " ME " UNION "
    "SELECT position_prov FROM entry WHERE person IN " ME " UNION "
    "SELECT organisation_prov FROM entry WHERE person IN " ME " UNION "
    "SELECT interests_prov FROM entry WHERE person IN " ME ") "
    "SELECT (SELECT count(*) FROM me), "
    "(SELECT count(*) FROM person WHERE pk IN " ME " AND restricted = 1), "
    "(SELECT count(*) FROM person WHERE pk IN " ME " AND objected = 1), "
    "(SELECT count(*) FROM entry WHERE person IN " ME "), "
    "(SELECT count(*) FROM provenance WHERE id IN (SELECT id FROM prov)), "
    "-1, "
    "(SELECT count(DISTINCT organisation_id) FROM entry WHERE person IN " ME "), "
    "-1, "
    "(SELECT count(*) FROM consent_event WHERE person IN " ME "), "
    "(SELECT count(*) FROM consent_event WHERE person IN " ME " AND event = 'expired'), "
    "(SELECT count(*) FROM consent_state WHERE person IN " ME "), "
    "(SELECT count(*) FROM consent_state WHERE person IN " ME " AND state = 'live'), "
    "(SELECT count(*) FROM contract WHERE person IN " ME "), "
    "(SELECT count(*) FROM contract WHERE person IN " ME " AND restricted = 1), "
    "(SELECT count(*) FROM contract_change WHERE contract_id IN "
    "(SELECT id FROM contract WHERE person IN " ME ")), "
    "(SELECT count(*) FROM invoice WHERE person IN " ME "), "
    "(SELECT count(*) FROM invoice WHERE person IN " ME " AND restricted = 1), "
    "(SELECT count(*) FROM signup WHERE person_id IN " ME "), "
    "(SELECT count(*) FROM outbox WHERE person_id = $1), "
    "(SELECT count(*) FROM outbox WHERE person_id = $1 AND state = 'queued'), "
    "(SELECT count(*) FROM task WHERE person IN " ME "), "
    "(SELECT count(*) FROM task WHERE person IN " ME " AND done_at IS NULL), "
    "(SELECT count(*) FROM request WHERE person_id = $1), "
    "(SELECT count(*) FROM recipient_notice WHERE person_id = $1), "
    "(SELECT count(*) FROM recipient_notice WHERE person_id = $1 AND state = 'queued'), "
    "(SELECT count(*) FROM answer WHERE person_id = $1), "
    "(SELECT count(*) FROM answer_file WHERE request_id IN "
    "(SELECT request_id FROM answer WHERE person_id = $1)), "
    "(SELECT count(*) FROM audit WHERE person_id = $1), "
    "-1, -1, -1, "
    "(SELECT count(*) FROM search_token WHERE person IN " ME "), "
    "-1, -1, "
    "(SELECT count(*) FROM disclosure WHERE person IN " ME "), "
    "(SELECT count(*) FROM disclosure_event WHERE person IN " ME ")";
#undef ME

static bool row_to_census(const struct pg_row *r, void *out) {
    struct rk_census c;
    int col = 0;
#define CENSUS_READ(f) c.f = pg_col_int(r, col++);
    RK_CENSUS_FIELDS(CENSUS_READ)
#undef CENSUS_READ
    if (col != PQnfields(r->res))
        return false;
    *(struct rk_census *)out = c;
    return true;
}

rk_err pg_census(struct rk_store *base, const char *person_id, struct rk_census *out) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = person_id
                     ? pg_row(s, census_person, PG_ARGS(PG_TEXT(person_id)), row_to_census, out)
                     : pg_row(s, census_all, PG_NONE, row_to_census, out);
    if (err == RK_ENOENT) /* the census is one row, always */
        err = rk_error_set(&s->base.error, RK_EIO, NULL, "the census returned no row");
    return err;
}
