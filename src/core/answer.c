/*
 * answer.c — answers that reach the person (the design, its states,
 * invariants and threats are in answer.h): the status link's rule, storing a
 * completed request's documents sealed, the one-time code and the download
 * grant, each download audited, and the DPO's daily digest of requests due
 * soon or overdue.
 */
#include "core/answer.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/mail_limit.h"
#include "core/reg_impl.h"
#include "core/request.h"
#include "keys/seal.h"

static const struct {
    const char *name, *type;
} docs[RK_AD__COUNT] = {
    [RK_AD_ACCESS_HTML] = {"access.html", "text/html; charset=utf-8"},
    [RK_AD_ACCESS_JSON] = {"access.json", "application/json"},
    [RK_AD_PORTABILITY_JSON] = {"portability.json", "application/json"},
    [RK_AD_PORTABILITY_CSV] = {"portability.csv", "text/csv; charset=utf-8"},
};

const char *rk_answer_doc_name(enum rk_answer_doc d) {
    return (unsigned)d < RK_AD__COUNT ? docs[d].name : "?";
}

const char *rk_answer_doc_type(enum rk_answer_doc d) {
    return (unsigned)d < RK_AD__COUNT ? docs[d].type : "application/octet-stream";
}

int rk_answer_doc_parse(const char *name) {
    for (int i = 0; name && i < RK_AD__COUNT; i++)
        if (strcmp(name, docs[i].name) == 0)
            return i;
    return -1;
}

unsigned rk_answer_docs_of(enum rk_request_type t) {
    if (t == RK_RQ_ACCESS)
        return 1u << RK_AD_ACCESS_HTML | 1u << RK_AD_ACCESS_JSON;
    if (t == RK_RQ_PORTABILITY)
        return 1u << RK_AD_PORTABILITY_JSON | 1u << RK_AD_PORTABILITY_CSV;
    return 0;
}

/* ---- The status page ------------------------------------------------------------------------ */

rk_err rk_answer_status_link(const struct rk_keys *k, const struct rk_request *q, rk_ts now,
                             char out[RK_LINK_MAX]) {
    struct rk_link l = {.kind = RK_LINK_STATUS,
                        .expires = now + (rk_ts)RK_STATUS_LINK_DAYS * 86400};
    snprintf(l.person_id, sizeof l.person_id, "%s",
             q->person_id[0] ? q->person_id : RK_ANSWER_NOBODY);
    snprintf(l.purpose, sizeof l.purpose, "%s", q->id);
    return rk_link_make(k, &l, out);
}

struct rk_date rk_answer_status_until(const struct rk_request *q, const struct rk_tz *tz) {
    struct rk_date last = rk_request_effective_due(q);
    if (q->closed_at) {
        struct rk_date closed = rk_tz_date(tz, q->closed_at);
        if (rk_date_cmp(closed, last) > 0)
            last = closed;
    }
    return rk_date_add_days(last, RK_STATUS_DAYS);
}

/* ---- Hashes and seals ----------------------------------------------------------------------- */

/* Feeds a length-prefixed field, so that no two field lists hash alike. */
static void field(crypto_generichash_state *h, const char *v) {
    unsigned char len[4];
    size_t n = strlen(v);
    for (int i = 0; i < 4; i++)
        len[i] = (unsigned char)(n >> (8 * (3 - i)));
    crypto_generichash_update(h, len, sizeof len);
    crypto_generichash_update(h, (const unsigned char *)v, n);
}

/* The keyed hash of a code or grant (tag says which) of request id. */
static void secret_hash(const struct rk_keys *k, const char *tag, const char *request_id,
                        const char *secret, unsigned char out[RK_ANSWER_HASH_LEN]) {
    crypto_generichash_state h;
    crypto_generichash_init(&h, k->answer, sizeof k->answer, RK_ANSWER_HASH_LEN);
    field(&h, tag);
    field(&h, request_id);
    field(&h, secret);
    crypto_generichash_final(&h, out, RK_ANSWER_HASH_LEN);
}

/* The associated data of document name of request id. */
static void doc_ad(const char *request_id, const char *name, struct rk_seal_ad *out) {
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, sizeof out->h);
    field(&h, "rekisteri-answer-document");
    field(&h, request_id);
    field(&h, name);
    crypto_generichash_final(&h, out->h, sizeof out->h);
}

static rk_err audit(struct rk_reg *reg, const char *action, const char *person_id,
                    const char *request_id, const char *extra, rk_ts at) {
    char detail[96];
    snprintf(detail, sizeof detail, "%s%s%s", request_id, extra ? " " : "", extra ? extra : "");
    return rk_audit_append(reg->store, &reg->keys, at, reg->actor, action,
                           person_id && person_id[0] ? person_id : NULL, detail);
}

/* ---- Storing an answer ---------------------------------------------------------------------- */

rk_err rk_answer_store(struct rk_reg *reg, const struct rk_request *q,
                       const struct rk_buf *const d[RK_AD__COUNT], rk_ts now,
                       char token[RK_LINK_MAX], rk_ts *expires, struct rk_error *msg) {
    if (!q->person_id[0] || !rk_request_id_valid(q->id)) {
        return rk_error_set(msg, RK_EINVAL, NULL, "an answer is stored only for a matched request");
    }
    struct rk_answer_row a;
    memset(&a, 0, sizeof a);
    snprintf(a.request_id, sizeof a.request_id, "%s", q->id);
    snprintf(a.person_id, sizeof a.person_id, "%s", q->person_id);
    a.created_at = now;
    a.expires_at = now + (rk_ts)RK_ANSWER_DAYS * 86400;
    rk_err err = rk_store_answer_insert(reg->store, &a);
    for (int i = 0; i < RK_AD__COUNT && err == RK_OK; i++) {
        if (!d[i] || !d[i]->len)
            continue;
        struct rk_seal_ad ad;
        doc_ad(q->id, docs[i].name, &ad);
        unsigned char *sealed = NULL;
        size_t n = 0;
        err = rk_seal(reg->keys.answer, &ad, d[i]->data, d[i]->len, &sealed, &n);
        if (err == RK_OK)
            err = rk_store_answer_file_put(reg->store, q->id, docs[i].name, sealed, n);
        free(sealed);
    }
    if (err == RK_OK)
        err = audit(reg, "answer.stored", q->person_id, q->id, NULL, now);
    struct rk_link l = {.kind = RK_LINK_ANSWER, .expires = a.expires_at};
    snprintf(l.person_id, sizeof l.person_id, "%s", q->person_id);
    snprintf(l.purpose, sizeof l.purpose, "%s", q->id);
    if (err == RK_OK)
        err = rk_link_make(&reg->keys, &l, token);
    if (err == RK_OK)
        *expires = a.expires_at;
    else if (!msg->message[0])
        err = rk_error_set(msg, err, NULL, "the answer's documents could not be stored (%s)",
                           rk_err_str(err));
    return err;
}

/* ---- The code and the grant ----------------------------------------------------------------- */

void rk_answer_new_code(const struct rk_keys *k, struct rk_answer_row *a, rk_ts now,
                        char code[RK_ANSWER_CODE_DIGITS + 1]) {
    snprintf(code, RK_ANSWER_CODE_DIGITS + 1, "%06u", (unsigned)randombytes_uniform(1000000));
    secret_hash(k, "code", a->request_id, code, a->code_hash);
    a->has_code = true;
    a->code_expires = now + RK_ANSWER_CODE_SECONDS;
    a->code_tries = 0;
}

/* Whether s is exactly the digits of a code (spaces around and inside are the caller's). */
static bool code_shape(const char *s) {
    size_t n = 0;
    for (; s[n]; n++)
        if (s[n] < '0' || s[n] > '9')
            return false;
    return n == RK_ANSWER_CODE_DIGITS;
}

enum rk_code_verdict rk_answer_check_code(const struct rk_keys *k, struct rk_answer_row *a,
                                          const char *code, rk_ts now) {
    if (!a->has_code)
        return a->code_tries >= RK_ANSWER_CODE_TRIES ? RK_CODE_LOCKED : RK_CODE_NONE;
    if (now >= a->code_expires) {
        a->has_code = false;
        return RK_CODE_EXPIRED;
    }
    unsigned char h[RK_ANSWER_HASH_LEN];
    secret_hash(k, "code", a->request_id, code, h);
    if (code_shape(code) && sodium_memcmp(h, a->code_hash, sizeof h) == 0) {
        a->has_code = false;
        a->code_tries = 0;
        return RK_CODE_RIGHT;
    }
    if (++a->code_tries >= RK_ANSWER_CODE_TRIES) {
        a->has_code = false; /* void: even the right code is refused now */
        return RK_CODE_LOCKED;
    }
    return RK_CODE_WRONG;
}

void rk_answer_new_grant(const struct rk_keys *k, struct rk_answer_row *a, rk_ts now,
                         char grant[RK_ANSWER_GRANT_LEN + 1]) {
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(grant, RK_ANSWER_GRANT_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
    secret_hash(k, "grant", a->request_id, grant, a->grant_hash);
    a->has_grant = true;
    a->grant_expires = now + RK_ANSWER_GRANT_SECONDS;
}

bool rk_answer_grant_ok(const struct rk_keys *k, const struct rk_answer_row *a, const char *grant,
                        rk_ts now) {
    if (!a->has_grant || !grant || now >= a->grant_expires || now >= a->expires_at ||
        strlen(grant) != RK_ANSWER_GRANT_LEN)
        return false;
    unsigned char h[RK_ANSWER_HASH_LEN];
    secret_hash(k, "grant", a->request_id, grant, h);
    return sodium_memcmp(h, a->grant_hash, sizeof h) == 0;
}

/* ---- The steps over a register -------------------------------------------------------------- */

rk_err rk_answer_get(struct rk_reg *reg, const char *request_id, rk_ts now,
                     struct rk_answer_row *out) {
    struct rk_answer_row a;
    rk_err err = rk_store_answer_get(reg->store, request_id, &a);
    if (err == RK_OK && now >= a.expires_at)
        err = RK_ENOENT; /* the window has passed, swept or not */
    if (err == RK_OK)
        *out = a;
    return err;
}

rk_err rk_answer_send_code(struct rk_reg *reg, const char *request_id, rk_ts now,
                           struct rk_request *q, char *to, size_t tosz,
                           char code[RK_ANSWER_CODE_DIGITS + 1], bool *withheld) {
    struct rk_answer_row a;
    *withheld = false;
    rk_err err = rk_answer_get(reg, request_id, now, &a);
    if (err == RK_OK)
        err = rk_store_request_get(reg->store, request_id, q);
    if (err == RK_OK)
        err = rk_request_address(reg, q, to, tosz);
    bool may = false;
    if (err == RK_OK)
        err = rk_mail_limit_take(reg, to, RK_MAIL_BY_PUBLIC, now, &may);
    if (err == RK_OK && !may) {
        *withheld = true;
        return RK_EREFUSED;
    }
    if (err != RK_OK)
        return err;
    rk_answer_new_code(&reg->keys, &a, now, code);
    err = rk_store_answer_update(reg->store, &a);
    if (err == RK_OK)
        err = audit(reg, "answer.code_sent", a.person_id, a.request_id, NULL, now);
    return err;
}

rk_err rk_answer_enter_code(struct rk_reg *reg, const char *request_id, const char *code, rk_ts now,
                            enum rk_code_verdict *verdict, char grant[RK_ANSWER_GRANT_LEN + 1]) {
    struct rk_answer_row a;
    rk_err err = rk_answer_get(reg, request_id, now, &a);
    if (err != RK_OK)
        return err;
    bool had = a.has_code;
    enum rk_code_verdict v = rk_answer_check_code(&reg->keys, &a, code, now);
    const char *action = NULL;
    switch (v) {
    case RK_CODE_RIGHT:
        rk_answer_new_grant(&reg->keys, &a, now, grant);
        action = "answer.opened";
        break;
    case RK_CODE_WRONG: action = "answer.code_wrong"; break;
    case RK_CODE_LOCKED: action = had ? "answer.locked" : NULL; break;
    case RK_CODE_EXPIRED:
    case RK_CODE_NONE: break;
    }
    if (v != RK_CODE_NONE && !(v == RK_CODE_LOCKED && !had))
        err = rk_store_answer_update(reg->store, &a);
    if (err == RK_OK && action)
        err = audit(reg, action, a.person_id, a.request_id, NULL, now);
    if (err == RK_OK)
        *verdict = v;
    return err;
}

/* Opens a sealed document with the current subkey, then each older generation's. */
static rk_err open_doc(const struct rk_keys *k, const struct rk_seal_ad *ad,
                       const unsigned char *sealed, size_t n, char **out, size_t *len) {
    rk_err err = rk_seal_open(k->answer, ad, sealed, n, out, len);
    for (size_t i = 1; err == RK_EPARSE && i < k->ngen && i < RK_KEYGEN_MAX; i++) {
        unsigned char key[RK_KEY_LEN];
        rk_keys_derive(&k->gen[i], RK_SUBKEY_ANSWER, key);
        err = rk_seal_open(key, ad, sealed, n, out, len);
        sodium_memzero(key, sizeof key);
    }
    return err;
}

rk_err rk_answer_download(struct rk_reg *reg, const char *request_id, const char *grant,
                          enum rk_answer_doc doc, rk_ts now, char **out, size_t *len) {
    struct rk_answer_row a;
    rk_err err = rk_answer_get(reg, request_id, now, &a);
    if (err != RK_OK)
        return err;
    if (!rk_answer_grant_ok(&reg->keys, &a, grant, now))
        return RK_EREFUSED;
    unsigned char *sealed = NULL;
    size_t n = 0;
    if ((unsigned)doc >= RK_AD__COUNT)
        return RK_ENOENT;
    err = rk_store_answer_file_get(reg->store, request_id, docs[doc].name, &sealed, &n);
    if (err != RK_OK)
        return err;
    struct rk_seal_ad ad;
    doc_ad(request_id, docs[doc].name, &ad);
    char *plain = NULL;
    size_t plen = 0;
    err = open_doc(&reg->keys, &ad, sealed, n, &plain, &plen);
    free(sealed);
    if (err != RK_OK)
        return err == RK_EPARSE ? RK_EIO : err;
    a.downloads++;
    err = rk_store_answer_update(reg->store, &a);
    if (err == RK_OK)
        err = audit(reg, "answer.download", a.person_id, a.request_id, docs[doc].name, now);
    if (err != RK_OK) {
        rk_seal_free(plain, plen);
        return err;
    }
    *out = plain;
    *len = plen;
    return RK_OK;
}

/* ---- The DPO's digest ----------------------------------------------------------------------- */

#define DIGEST_MARK "digest"

rk_err rk_answer_digest_due(struct rk_store *st, struct rk_date today, bool *due) {
    struct rk_console_mark m;
    rk_err err = rk_store_console_mark_get(st, DIGEST_MARK, &m);
    if (err == RK_ENOENT) {
        *due = true;
        return RK_OK;
    }
    if (err != RK_OK)
        return err;
    struct rk_date last = {0, 0, 0};
    *due = !rk_date_parse(m.detail, &last) || rk_date_cmp(last, today) < 0;
    return RK_OK;
}

static int collect(void *ctx, const struct rk_request *q) {
    struct rk_digest *d = ctx;
    struct rk_date due = rk_request_effective_due(q);
    bool overdue = rk_date_cmp(due, d->today) < 0;
    if (overdue)
        d->overdue++;
    else
        d->due_soon++;
    if (d->n < RK_DIGEST_MAX) {
        struct rk_digest_line *l = &d->line[d->n++];
        snprintf(l->id, sizeof l->id, "%s", q->id);
        l->type = q->type;
        l->due = due;
        l->overdue = overdue;
    }
    return 0;
}

rk_err rk_answer_digest_collect(struct rk_store *st, struct rk_date today, struct rk_digest *out) {
    memset(out, 0, sizeof *out);
    out->today = today;
    struct rk_request_filter f = {
        .status = -1, .open_only = true, .due_by = rk_date_add_days(today, RK_DIGEST_SOON_DAYS)};
    return rk_store_requests_list(st, &f, collect, out);
}

rk_err rk_answer_digest_mark(struct rk_store *st, struct rk_date today, rk_ts now) {
    struct rk_console_mark m;
    memset(&m, 0, sizeof m);
    m.at = now;
    m.ok = 1;
    rk_date_iso(today, m.detail);
    return rk_store_console_mark_set(st, DIGEST_MARK, &m);
}

struct staff_walk {
    const struct rk_decl *d;
    void (*fn)(void *ctx, const char *address);
    void *ctx;
    int n;
};

static int each_staff(void *ctx, const struct rk_staff *a) {
    struct staff_walk *w = ctx;
    const struct rk_role *role = rk_decl_role(w->d, a->role);
    if (!a->disabled && role && role->requests && a->email[0]) {
        w->fn(w->ctx, a->email);
        w->n++;
    }
    return 0;
}

int rk_answer_digest_recipients(const struct rk_decl *d, struct rk_store *st,
                                void (*fn)(void *ctx, const char *address), void *ctx) {
    if (d->controller.dpo.email && d->controller.dpo.email[0]) {
        fn(ctx, d->controller.dpo.email);
        return 1;
    }
    struct staff_walk w = {d, fn, ctx, 0};
    if (rk_store_staff_list(st, each_staff, &w) != RK_OK)
        return -1;
    return w.n;
}
