/*
 * pg_consent.c — the consent ledger and the cookie-consent log in the PostgreSQL backend
 * (the counterpart of src/store/sqlite/sqlite_consent.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg.h"

/* ---- Consent ------------------------------------------------------------------------- */

static const char *const consent_kinds[] = {"given", "confirmed", "withdrawn", "expired"};
const char *const pg_consent_states[RK_CONSENT_EXPIRED + 1] = {"none", "pending", "live",
                                                               "withdrawn", "expired"};

static int index_of(const char *const *names, int n, const char *v) {
    for (int i = 0; i < n; i++)
        if (v && strcmp(names[i], v) == 0)
            return i;
    return -1;
}

static bool fits(const char *v, size_t max) { return !v || strlen(v) <= max; }

static bool row_seq(const struct pg_row *r, void *out) {
    *(int64_t *)out = pg_col_int(r, 0);
    return true;
}

rk_err pg_consent_append(struct rk_store *base, struct rk_consent_event *e) {
    struct pg_store *s = (struct pg_store *)base;
    if (!fits(e->evidence, RK_CONSENT_EVIDENCE_MAX) ||
        !fits(e->notice_version, RK_CONSENT_FIELD_MAX) || !fits(e->channel, RK_CONSENT_FIELD_MAX) ||
        !fits(e->collector, RK_CONSENT_FIELD_MAX) || !fits(e->form_id, RK_CONSENT_FIELD_MAX) ||
        !fits(e->ip, RK_CONSENT_FIELD_MAX) || !fits(e->user_agent, RK_CONSENT_FIELD_MAX)) {
        return rk_error_set(&s->base.error, RK_ETOOBIG, NULL,
                            "a consent event field is longer than allowed");
    }
    int64_t seq = 0;
    rk_err err =
        pg_row(s,
               "INSERT INTO consent_event (person, purpose, event, pending, basis, notice_version, "
               "notice_sha256, channel, collector, form_id, ip, user_agent, evidence, at) "
               "VALUES (" PK(1) ", $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
                                "RETURNING seq",
               PG_ARGS(PG_TEXT(e->person_id), PG_TEXT(e->purpose), PG_TEXT(consent_kinds[e->kind]),
                       PG_INT(e->pending ? 1 : 0), PG_TEXT(rk_basis_id(e->basis)),
                       PG_TEXT(e->notice_version), PG_TEXT(e->notice_sha256), PG_TEXT(e->channel),
                       PG_TEXT(e->collector), PG_TEXT(e->form_id), PG_TEXT(e->ip),
                       PG_TEXT(e->user_agent), PG_TEXT(e->evidence), PG_TS(e->at)),
               row_seq, &seq);
    if (err == RK_OK)
        e->seq = seq;
    return err;
}

struct consent_iter {
    rk_consent_fn fn;
    void *ctx;
    struct rk_consent_event e;
};

static int each_consent(void *ctx, const struct pg_row *r) {
    struct consent_iter *it = ctx;
    struct rk_consent_event *e = &it->e;
    struct pg_strbuf b = {e->buf, sizeof e->buf, false};
    e->seq = pg_col_int(r, 0);
    int kind = index_of(consent_kinds, 4, pg_col_text(r, 3));
    int basis = -1;
    const char *basis_id = pg_col_text(r, 5);
    for (int i = 0; i < RK_BASIS__COUNT; i++)
        if (basis_id && strcmp(rk_basis_id((enum rk_basis)i), basis_id) == 0)
            basis = i;
    if (kind < 0 || basis < 0 || !pg_col_copy(r, 1, e->person_id, sizeof e->person_id) ||
        !pg_col_copy(r, 2, e->purpose, sizeof e->purpose) ||
        !pg_col_copy(r, 7, e->notice_sha256, sizeof e->notice_sha256))
        return -1;
    e->kind = (enum rk_consent_kind)kind;
    e->pending = pg_col_int(r, 4) != 0;
    e->basis = (enum rk_basis)basis;
    e->notice_version = pg_keep_col(&b, r, 6);
    e->channel = pg_keep_col(&b, r, 8);
    e->collector = pg_keep_col(&b, r, 9);
    e->form_id = pg_keep_col(&b, r, 10);
    e->ip = pg_keep_col(&b, r, 11);
    e->user_agent = pg_keep_col(&b, r, 12);
    e->evidence = pg_keep_col(&b, r, 13);
    e->at = pg_col_ts(r, 14);
    if (b.overflow)
        return -1;
    return it->fn(it->ctx, e);
}

rk_err pg_consent_events(struct rk_store *base, const char *person, rk_consent_fn fn, void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct consent_iter *it = malloc(sizeof *it);
    if (!it)
        return RK_ENOMEM;
    it->fn = fn;
    it->ctx = ctx;
    rk_err err = pg_each(s,
                         "SELECT seq, $1::text, purpose, event, pending, basis, notice_version, "
                         "notice_sha256, channel, collector, form_id, ip, user_agent, evidence, "
                         "at FROM consent_event WHERE person = " PK(1) " ORDER BY seq",
                         PG_ARGS(PG_TEXT(person)), each_consent, it);
    free(it);
    return err;
}

bool pg_row_to_consent_state(const struct pg_row *r, int i, struct rk_consent_state *out) {
    int state = index_of(pg_consent_states, RK_CONSENT_EXPIRED + 1, pg_col_text(r, i));
    out->status = state < 0 ? RK_CONSENT_NONE : (enum rk_consent_status)state;
    out->since = pg_col_ts(r, i + 1);
    out->expires_at = pg_col_ts(r, i + 2);
    out->renewal_pending = pg_col_int(r, i + 3) != 0;
    out->last_seq = pg_col_int(r, i + 4);
    return state >= 0;
}

/* A row reader of pg_row: the consent state from column 0 on. */
static bool row_consent_state(const struct pg_row *r, void *out) {
    return pg_row_to_consent_state(r, 0, out);
}

rk_err pg_consent_state_get(struct rk_store *base, const char *person, const char *purpose,
                            struct rk_consent_state *out) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = pg_row(s,
                        "SELECT state, since, expires_at, renewal_pending, last_seq "
                        "FROM consent_state WHERE person = " PK(1) " AND purpose = $2",
                        PG_ARGS(PG_TEXT(person), PG_TEXT(purpose)), row_consent_state, out);
    if (err == RK_ENOENT) {
        *out = (struct rk_consent_state){.status = RK_CONSENT_NONE};
        err = RK_OK;
    }
    return err;
}

rk_err pg_consent_state_put(struct rk_store *base, const char *person, const char *purpose,
                            const struct rk_consent_state *stt) {
    struct pg_store *s = (struct pg_store *)base;
    /* An upsert: the consent_live_* triggers count live states by the row changes. */
    return pg_run(s,
                  "INSERT INTO consent_state (person, purpose, state, since, expires_at, "
                  "renewal_pending, last_seq) VALUES (" PK(1) ", $2, $3, $4, $5, $6, $7) "
                                                              "ON CONFLICT (person, purpose) DO "
                                                              "UPDATE SET state = excluded.state, "
                                                              "since = excluded.since, "
                                                              "expires_at = excluded.expires_at, "
                                                              "renewal_pending = "
                                                              "excluded.renewal_pending, "
                                                              "last_seq = excluded.last_seq",
                  PG_ARGS(PG_TEXT(person), PG_TEXT(purpose),
                          PG_TEXT(pg_consent_states[stt->status]), PG_TS(stt->since),
                          PG_TS(stt->expires_at), PG_INT(stt->renewal_pending ? 1 : 0),
                          PG_INT(stt->last_seq)));
}

/* ---- The cookie-consent log (migration 0018) -------------------------------------------- */

rk_err pg_consent_version_put(struct rk_store *base, const char *version, const char *config,
                              rk_ts at) {
    struct pg_store *s = (struct pg_store *)base;
    return pg_run(s,
                  "INSERT INTO consent_version (version, config, first_seen) VALUES ($1, $2, $3) "
                  "ON CONFLICT DO NOTHING",
                  PG_ARGS(PG_TEXT(version), PG_TEXT(config), PG_TS(at)));
}

struct version_iter {
    const char *version;
    rk_consent_version_fn fn;
    void *ctx;
    bool found;
};

static int each_version(void *ctx, const struct pg_row *r) {
    struct version_iter *it = ctx;
    it->found = true;
    const char *config = pg_col_text(r, 0);
    return it->fn(it->ctx, it->version, config ? config : "", pg_col_ts(r, 1));
}

rk_err pg_consent_version_get(struct rk_store *base, const char *version, rk_consent_version_fn fn,
                              void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct version_iter it = {version, fn, ctx, false};
    rk_err err = pg_each(s, "SELECT config, first_seen FROM consent_version WHERE version = $1",
                         PG_ARGS(PG_TEXT(version)), each_version, &it);
    return err == RK_OK && !it.found ? RK_ENOENT : err;
}

rk_err pg_consent_log_add(struct rk_store *base, const struct rk_cookie_choice *c) {
    struct pg_store *s = (struct pg_store *)base;
    int64_t n = 0;
    /* An unknown version inserts nothing (no failed statement: the caller's transaction
     * carries on), as on SQLite. */
    rk_err err = pg_run_count(
        s,
        "INSERT INTO consent_log (consent_id, at, action, choices, version, lang, gpc) "
        "SELECT $1::text, $2::text, $3::text, $4::text, $5::text, $6::text, $7::bigint "
        "WHERE EXISTS (SELECT 1 FROM consent_version WHERE version = $5::text)",
        PG_ARGS(PG_TEXT(c->consent_id), PG_TS(c->at), PG_TEXT(rk_cookie_action_id(c->action)),
                PG_TEXT(c->choices), PG_TEXT(c->version),
                PG_TEXT(c->lang == RK_LANG_FI ? "fi" : "en"), PG_INT(c->gpc ? 1 : 0)),
        &n);
    if (err == RK_OK && n == 0)
        return rk_error_set(&s->base.error, RK_EINVAL, NULL, "the consent version is not known");
    return err;
}

struct choice_iter {
    const char *consent_id;
    rk_cookie_choice_fn fn;
    void *ctx;
    bool found;
};

static int each_choice(void *ctx, const struct pg_row *r) {
    struct choice_iter *it = ctx;
    struct rk_cookie_choice c;
    memset(&c, 0, sizeof c);
    snprintf(c.consent_id, sizeof c.consent_id, "%s", it->consent_id);
    c.at = pg_col_ts(r, 0);
    const char *action = pg_col_text(r, 1);
    if (!action || !rk_cookie_action_parse(action, strlen(action), &c.action) ||
        !pg_col_copy(r, 2, c.choices, sizeof c.choices) ||
        !pg_col_copy(r, 3, c.version, sizeof c.version))
        return -1;
    const char *lang = pg_col_text(r, 4);
    c.lang = lang && strcmp(lang, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
    c.gpc = pg_col_int(r, 5) != 0;
    it->found = true;
    return it->fn(it->ctx, &c);
}

rk_err pg_consent_log_get(struct rk_store *base, const char *consent_id, rk_cookie_choice_fn fn,
                          void *ctx) {
    struct pg_store *s = (struct pg_store *)base;
    struct choice_iter it = {consent_id, fn, ctx, false};
    rk_err err = pg_each(s,
                         "SELECT at, action, choices, version, lang, gpc FROM consent_log "
                         "WHERE consent_id = $1 ORDER BY seq",
                         PG_ARGS(PG_TEXT(consent_id)), each_choice, &it);
    return err == RK_OK && !it.found ? RK_ENOENT : err;
}

static int each_count(void *ctx, const struct pg_row *r) {
    int64_t *counts = ctx;
    const char *a = pg_col_text(r, 0);
    enum rk_cookie_action act;
    if (a && rk_cookie_action_parse(a, strlen(a), &act))
        counts[act] = pg_col_int(r, 1);
    return 0;
}

rk_err pg_consent_log_counts(struct rk_store *base, rk_ts from, rk_ts to,
                             int64_t counts[RK_COOKIE__COUNT]) {
    struct pg_store *s = (struct pg_store *)base;
    for (int i = 0; i < RK_COOKIE__COUNT; i++)
        counts[i] = 0;
    return pg_each(s,
                   "SELECT action, count(*) FROM consent_log WHERE at >= $1 AND at < $2 "
                   "GROUP BY action",
                   PG_ARGS(PG_TS(from), PG_TS(to)), each_count, counts);
}
