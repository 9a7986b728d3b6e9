/*
 * sqlite_consent.c — the consent ledger and its state, and the website's
 * cookie-consent log, in the SQLite backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite.h"

/* ---- Consent ------------------------------------------------------------------------- */

static const char *const consent_kinds[] = {"given", "confirmed", "withdrawn", "expired"};
const char *const sq_consent_states[RK_CONSENT_EXPIRED + 1] = {"none", "pending", "live",
                                                               "withdrawn", "expired"};

int sq_index_of(const char *const *names, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (s && strcmp(names[i], s) == 0)
            return i;
    return -1;
}

bool sq_fits(const char *v, size_t max) { return !v || strlen(v) <= max; }

rk_err sq_consent_append(struct rk_store *base, struct rk_consent_event *e) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if (!sq_fits(e->evidence, RK_CONSENT_EVIDENCE_MAX) ||
        !sq_fits(e->notice_version, RK_CONSENT_FIELD_MAX) ||
        !sq_fits(e->channel, RK_CONSENT_FIELD_MAX) ||
        !sq_fits(e->collector, RK_CONSENT_FIELD_MAX) ||
        !sq_fits(e->form_id, RK_CONSENT_FIELD_MAX) || !sq_fits(e->ip, RK_CONSENT_FIELD_MAX) ||
        !sq_fits(e->user_agent, RK_CONSENT_FIELD_MAX)) {
        return rk_error_set(&s->base.error, RK_ETOOBIG, NULL,
                            "a consent event field is longer than allowed");
    }
    rk_err err = sq_prepare(s, S_CONSENT_APPEND, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, e->person_id);
    sq_bind_text(st, 2, e->purpose);
    sq_bind_text(st, 3, consent_kinds[e->kind]);
    sqlite3_bind_int(st, 4, e->pending);
    sq_bind_text(st, 5, rk_basis_id(e->basis));
    sq_bind_text(st, 6, e->notice_version);
    sq_bind_text(st, 7, e->notice_sha256);
    sq_bind_text(st, 8, e->channel);
    sq_bind_text(st, 9, e->collector);
    sq_bind_text(st, 10, e->form_id);
    sq_bind_text(st, 11, e->ip);
    sq_bind_text(st, 12, e->user_agent);
    sq_bind_text(st, 13, e->evidence);
    sq_bind_ts(st, 14, e->at);
    sq_bind_pk(s, st, 15, e->person_id);
    err = sq_step_done(s, st);
    if (err == RK_OK)
        e->seq = sqlite3_last_insert_rowid(s->db);
    return err;
}

struct consent_iter {
    rk_consent_fn fn;
    void *ctx;
    struct rk_consent_event e;
};

static int each_consent(void *ctx, sqlite3_stmt *st) {
    struct consent_iter *it = ctx;
    struct rk_consent_event *e = &it->e;
    struct strbuf b = {e->buf, sizeof e->buf, false};
    e->seq = sqlite3_column_int64(st, 0);
    int kind = sq_index_of(consent_kinds, 4, sq_col_text(st, 3));
    int basis = -1;
    for (int i = 0; i < RK_BASIS__COUNT; i++)
        if (sq_col_text(st, 5) && strcmp(rk_basis_id((enum rk_basis)i), sq_col_text(st, 5)) == 0)
            basis = i;
    if (kind < 0 || basis < 0 || !sq_col_copy(st, 1, e->person_id, sizeof e->person_id) ||
        !sq_col_copy(st, 2, e->purpose, sizeof e->purpose) ||
        !sq_col_copy(st, 7, e->notice_sha256, sizeof e->notice_sha256))
        return -1;
    e->kind = (enum rk_consent_kind)kind;
    e->pending = sqlite3_column_int(st, 4) != 0;
    e->basis = (enum rk_basis)basis;
    e->notice_version = sq_keep_col(&b, st, 6);
    e->channel = sq_keep_col(&b, st, 8);
    e->collector = sq_keep_col(&b, st, 9);
    e->form_id = sq_keep_col(&b, st, 10);
    e->ip = sq_keep_col(&b, st, 11);
    e->user_agent = sq_keep_col(&b, st, 12);
    e->evidence = sq_keep_col(&b, st, 13);
    e->at = sq_col_ts(st, 14);
    if (b.overflow)
        return -1;
    return it->fn(it->ctx, e);
}

rk_err sq_consent_events(struct rk_store *base, const char *person, rk_consent_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_CONSENT_EVENTS, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, person);
    struct consent_iter *it = malloc(sizeof *it);
    if (!it) {
        sq_done(st);
        return RK_ENOMEM;
    }
    it->fn = fn;
    it->ctx = ctx;
    err = sq_step_rows(s, st, each_consent, it);
    free(it);
    return err;
}

/* A consent state from the five columns state, since, expires_at, renewal_pending and
 * last_seq starting at column i; false when the state is not one of consent_states. */
bool sq_row_to_consent_state(sqlite3_stmt *st, int i, struct rk_consent_state *out) {
    int state = sq_index_of(sq_consent_states, 5, sq_col_text(st, i));
    out->status = state < 0 ? RK_CONSENT_NONE : (enum rk_consent_status)state;
    out->since = sq_col_ts(st, i + 1);
    out->expires_at = sq_col_ts(st, i + 2);
    out->renewal_pending = sqlite3_column_int(st, i + 3) != 0;
    out->last_seq = sqlite3_column_int64(st, i + 4);
    return state >= 0;
}

rk_err sq_consent_state_get(struct rk_store *base, const char *person, const char *purpose,
                            struct rk_consent_state *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_CONSENT_STATE_GET, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, person);
    sq_bind_text(st, 2, purpose);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        err = sq_row_to_consent_state(st, 0, out) ? RK_OK : RK_EIO;
    } else if (rc == SQLITE_DONE) {
        *out = (struct rk_consent_state){RK_CONSENT_NONE, 0, 0, false, 0};
    } else {
        err = sq_fail(s, rc);
    }
    sq_done(st);
    return err;
}

rk_err sq_consent_state_put(struct rk_store *base, const char *person, const char *purpose,
                            const struct rk_consent_state *stt) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    int64_t pk = sq_pk_hint(s, person);
    return sq_run(s, S_CONSENT_STATE_PUT,
                  SQ_ARGS(SQ_TEXT(person), SQ_TEXT(purpose),
                          SQ_TEXT(sq_consent_states[stt->status]), SQ_TS(stt->since),
                          SQ_TS(stt->expires_at), SQ_INT(stt->renewal_pending),
                          SQ_INT(stt->last_seq), {.kind = pk ? SQ_K_INT : SQ_K_NULL, .i = pk}));
}

/* ---- The cookie-consent log (migration 0018) -------------------------------------------- */

rk_err sq_consent_version_put(struct rk_store *base, const char *version, const char *config,
                              rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    return sq_run(s, S_CONSENT_VERSION_PUT, SQ_ARGS(SQ_TEXT(version), SQ_TEXT(config), SQ_TS(at)));
}

struct version_iter {
    const char *version;
    rk_consent_version_fn fn;
    void *ctx;
    bool found;
};

static int each_version(void *ctx, sqlite3_stmt *st) {
    struct version_iter *it = ctx;
    it->found = true;
    const char *config = sq_col_text(st, 0);
    return it->fn(it->ctx, it->version, config ? config : "", sq_col_ts(st, 1));
}

rk_err sq_consent_version_get(struct rk_store *base, const char *version, rk_consent_version_fn fn,
                              void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_CONSENT_VERSION_GET, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, version);
    struct version_iter it = {version, fn, ctx, false};
    err = sq_step_rows(s, st, each_version, &it);
    return err == RK_OK && !it.found ? RK_ENOENT : err;
}

rk_err sq_consent_log_add(struct rk_store *base, const struct rk_cookie_choice *c) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = sq_run(s, S_CONSENT_LOG_ADD,
                        SQ_ARGS(SQ_TEXT(c->consent_id), SQ_TS(c->at),
                                SQ_TEXT(rk_cookie_action_id(c->action)), SQ_TEXT(c->choices),
                                SQ_TEXT(c->version), SQ_TEXT(c->lang == RK_LANG_FI ? "fi" : "en"),
                                SQ_INT(c->gpc ? 1 : 0)));
    if (err == RK_OK && sqlite3_changes(s->db) == 0) {
        return rk_error_set(&s->base.error, RK_EINVAL, NULL, "the consent version is not known");
    }
    return err;
}

struct choice_iter {
    const char *consent_id;
    rk_cookie_choice_fn fn;
    void *ctx;
    bool found;
};

static int each_choice(void *ctx, sqlite3_stmt *st) {
    struct choice_iter *it = ctx;
    struct rk_cookie_choice c;
    memset(&c, 0, sizeof c);
    snprintf(c.consent_id, sizeof c.consent_id, "%s", it->consent_id);
    c.at = sq_col_ts(st, 0);
    const char *action = sq_col_text(st, 1);
    if (!action || !rk_cookie_action_parse(action, strlen(action), &c.action) ||
        !sq_col_copy(st, 2, c.choices, sizeof c.choices) ||
        !sq_col_copy(st, 3, c.version, sizeof c.version))
        return -1;
    const char *lang = sq_col_text(st, 4);
    c.lang = lang && strcmp(lang, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
    c.gpc = sqlite3_column_int(st, 5) != 0;
    it->found = true;
    return it->fn(it->ctx, &c);
}

rk_err sq_consent_log_get(struct rk_store *base, const char *consent_id, rk_cookie_choice_fn fn,
                          void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_CONSENT_LOG_GET, &st);
    if (err != RK_OK)
        return err;
    sq_bind_text(st, 1, consent_id);
    struct choice_iter it = {consent_id, fn, ctx, false};
    err = sq_step_rows(s, st, each_choice, &it);
    return err == RK_OK && !it.found ? RK_ENOENT : err;
}

rk_err sq_consent_log_counts(struct rk_store *base, rk_ts from, rk_ts to,
                             int64_t counts[RK_COOKIE__COUNT]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = sq_prepare(s, S_CONSENT_LOG_COUNTS, &st);
    if (err != RK_OK)
        return err;
    sq_bind_ts(st, 1, from);
    sq_bind_ts(st, 2, to);
    for (int i = 0; i < RK_COOKIE__COUNT; i++)
        counts[i] = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *a = sq_col_text(st, 0);
        enum rk_cookie_action act;
        if (a && rk_cookie_action_parse(a, strlen(a), &act))
            counts[act] = sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_DONE)
        err = sq_fail(s, rc);
    sq_done(st);
    return err;
}
