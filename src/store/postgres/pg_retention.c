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

/* ---- Consent expiry in a batch (issue 18) -----------------------------------------------
 * consents_expire: the batch listed with the states (purposes among x->purposes, passed as
 * one newline-separated text), then per consent the writes of rk_reg_consent_expire through
 * this backend's own methods: the event, the state, and the consent registers left. */

struct gone {
    char person[RK_ID_LEN + 1];
    char purpose[RK_DECL_ID_MAX + 1];
    struct rk_consent_state st;
};

struct gone_list {
    struct gone *rows;
    int n, cap;
};

static int collect_gone(void *ctx, const struct pg_row *r) {
    struct gone_list *l = ctx;
    struct gone *g = &l->rows[l->n];
    if (l->n >= l->cap || !pg_col_copy(r, 0, g->person, sizeof g->person) ||
        !pg_col_copy(r, 1, g->purpose, sizeof g->purpose) || !pg_row_to_consent_state(r, 2, &g->st))
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

/* Whether person holds a live consent (at now) for one of register r's purposes other than
 * gone (just expired). */
static rk_err kept_in(struct rk_store *base, const struct rk_expiry_register *r, const char *person,
                      const char *gone, rk_ts now, bool *kept) {
    *kept = false;
    for (size_t j = 0; j < r->npurposes && !*kept; j++) {
        struct rk_consent_state st;
        if (strcmp(r->purposes[j], gone) == 0)
            continue;
        rk_err err = pg_consent_state_get(base, person, r->purposes[j], &st);
        if (err != RK_OK)
            return err;
        *kept = st.status == RK_CONSENT_LIVE && (!st.expires_at || now < st.expires_at);
    }
    return RK_OK;
}

static rk_err expire_one(struct rk_store *base, const struct rk_expiry *x, rk_ts now,
                         struct gone *g, struct rk_consent_event *ev) {
    memcpy(ev, x->event, sizeof *ev);
    snprintf(ev->person_id, sizeof ev->person_id, "%s", g->person);
    snprintf(ev->purpose, sizeof ev->purpose, "%s", g->purpose);
    ev->kind = RK_CE_EXPIRED;
    ev->pending = false;
    ev->form_id = ev->ip = ev->user_agent = ev->evidence = NULL;
    rk_err err = pg_consent_append(base, ev);
    g->st.status = RK_CONSENT_EXPIRED;
    g->st.renewal_pending = false;
    g->st.last_seq = ev->seq;
    if (err == RK_OK)
        err = pg_consent_state_put(base, g->person, g->purpose, &g->st);
    for (size_t i = 0; err == RK_OK && i < x->nregisters; i++) {
        bool kept = false, left = false;
        if ((err = kept_in(base, &x->registers[i], g->person, g->purpose, now, &kept)) == RK_OK &&
            !kept)
            err = pg_entry_leave(base, x->registers[i].id, g->person, &left);
    }
    return err;
}

rk_err pg_consents_expire(struct rk_store *base, rk_ts now, int limit, const struct rk_expiry *x,
                          rk_consent_state_fn fn, void *ctx, int64_t *n) {
    struct pg_store *s = (struct pg_store *)base;
    *n = 0;
    if (limit <= 0 || !x->event)
        return rk_error_set(&s->base.error, RK_EINVAL, NULL, "consents_expire: no limit");
    struct gone_list l = {calloc((size_t)limit, sizeof(struct gone)), 0, limit};
    struct rk_consent_event *ev = malloc(sizeof *ev);
    char *purposes = joined(x->purposes, x->npurposes);
    rk_err err = l.rows && ev && purposes ? RK_OK : RK_ENOMEM;
    if (err == RK_OK)
        err = pg_each(s,
                      "SELECT p.id, c.purpose, c.state, c.since, c.expires_at, "
                      "c.renewal_pending, c.last_seq FROM consent_state c "
                      "JOIN person p ON p.pk = c.person WHERE c.state = 'live' "
                      "AND c.expires_at IS NOT NULL AND c.expires_at <= $1 "
                      "AND c.purpose = ANY (string_to_array($3, E'\\n')) "
                      "ORDER BY c.expires_at, c.person, c.purpose LIMIT $2",
                      PG_ARGS(PG_TS(now), PG_INT(limit), PG_TEXT(purposes)), collect_gone, &l);
    for (int i = 0; err == RK_OK && i < l.n; i++)
        err = expire_one(base, x, now, &l.rows[i], ev);
    for (int i = 0; err == RK_OK && i < l.n; i++)
        if (fn(ctx, l.rows[i].person, l.rows[i].purpose, &l.rows[i].st))
            break;
    if (err == RK_OK)
        *n = l.n;
    free(purposes);
    free(ev);
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
