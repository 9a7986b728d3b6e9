/*
 * audit.c — hashing, appending and verifying the audit chain (see audit.h).
 *
 * The hash input is a fixed encoding, so no two different events hash alike:
 * a version tag, seq and at as 8-byte big-endian integers, each string as a
 * 4-byte length and its bytes (NULL as length 0xffffffff), then prev.
 *
 * Key generations (core/rotate.h): the chain starts under the audit subkey
 * of the generation the database was created at (found by hashing the first
 * row under each generation the key file holds). A key.rotated event, hashed under the generation
 * it ends, names the next one and its fingerprint in its detail
 * ("generation=N fingerprint=HEX ..."); the rows after it are hashed under
 * that generation. Verifying switches keys there, and needs every generation
 * the chain passed through in the key file.
 */
#include "core/audit.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TAG "rekisteri-audit-1"

static void put_u64(crypto_generichash_state *h, uint64_t v) {
    unsigned char b[8];
    for (int i = 7; i >= 0; i--, v >>= 8)
        b[i] = (unsigned char)(v & 0xff);
    crypto_generichash_update(h, b, sizeof b);
}

static void put_str(crypto_generichash_state *h, const char *s) {
    uint32_t n = s ? (uint32_t)strlen(s) : 0xffffffffu;
    unsigned char b[4] = {(unsigned char)(n >> 24), (unsigned char)(n >> 16),
                          (unsigned char)(n >> 8), (unsigned char)n};
    crypto_generichash_update(h, b, sizeof b);
    if (s)
        crypto_generichash_update(h, (const unsigned char *)s, strlen(s));
}

/* The keyed state after the tag: the same for every event, so a long
 * verification computes it once and copies it per event. */
static void hash_start(const struct rk_keys *k, crypto_generichash_state *h) {
    crypto_generichash_init(h, k->audit, sizeof k->audit, RK_HASH_LEN);
    crypto_generichash_update(h, (const unsigned char *)TAG, sizeof TAG);
}

static void hash_from(const crypto_generichash_state *start, const struct rk_audit_event *e,
                      unsigned char out[RK_HASH_LEN]) {
    crypto_generichash_state h = *start;
    put_u64(&h, (uint64_t)e->seq);
    put_u64(&h, (uint64_t)e->at);
    put_str(&h, e->actor);
    put_str(&h, e->action);
    put_str(&h, e->person_id);
    put_str(&h, e->detail);
    crypto_generichash_update(&h, e->prev, RK_HASH_LEN);
    crypto_generichash_final(&h, out, RK_HASH_LEN);
}

void rk_audit_hash(const struct rk_keys *k, const struct rk_audit_event *e,
                   unsigned char out[RK_HASH_LEN]) {
    crypto_generichash_state start;
    hash_start(k, &start);
    hash_from(&start, e, out);
}

static bool field_ok(const char *s) { return !s || strlen(s) <= RK_AUDIT_FIELD_MAX; }

rk_err rk_audit_append(struct rk_store *s, const struct rk_keys *k, rk_ts at, const char *actor,
                       const char *action, const char *person_id, const char *detail) {
    if (!actor || !action || !field_ok(actor) || !field_ok(action) || !field_ok(detail) ||
        (person_id && strlen(person_id) > RK_ID_LEN))
        return RK_ETOOBIG;
    struct rk_audit_event e = {
        .at = at, .actor = actor, .action = action, .person_id = person_id, .detail = detail};
    int64_t last = 0;
    rk_err err = rk_store_audit_last(s, &last, e.prev);
    if (err == RK_ENOENT)
        memset(e.prev, 0, RK_HASH_LEN);
    else if (err != RK_OK)
        return err;
    e.seq = last + 1;
    rk_audit_hash(k, &e, e.hash);
    return rk_store_audit_insert(s, &e);
}

struct verify_ctx {
    crypto_generichash_state start;
    const struct rk_keys *keys;
    struct rk_audit_report *out;
};

/* The first row: the chain starts under the generation the database was
 * created at (1, or a later one for a database created after a rotation).
 * Finds the generation whose audit key hashes it to its hash; false when none. */
static bool find_start(struct verify_ctx *v, const struct rk_audit_event *e) {
    for (size_t i = 0; i < v->keys->ngen && i < RK_KEYGEN_MAX; i++) {
        struct rk_keys sub;
        crypto_generichash_state start;
        unsigned char h[RK_HASH_LEN];
        rk_keys_of(&v->keys->gen[i], &sub);
        hash_start(&sub, &start);
        sodium_memzero(&sub, sizeof sub);
        hash_from(&start, e, h);
        if (sodium_memcmp(h, e->hash, RK_HASH_LEN) == 0) {
            v->start = start;
            return true;
        }
    }
    return false;
}

/* After a verified key.rotated event: switches v to the generation it names.
 * Returns why it cannot, or NULL. */
static const char *switch_generation(struct verify_ctx *v, const char *detail) {
    const char *g = detail ? strstr(detail, "generation=") : NULL;
    const char *f = detail ? strstr(detail, "fingerprint=") : NULL;
    if (!g || !f)
        return "a key.rotated event without its generation and fingerprint";
    char *end = NULL;
    unsigned long n = strtoul(g + strlen("generation="), &end, 10);
    f += strlen("fingerprint=");
    if (end == g + strlen("generation=") || n == 0 || n > UINT32_MAX ||
        strspn(f, "0123456789abcdef") != RK_FINGERPRINT_LEN)
        return "a key.rotated event without its generation and fingerprint";
    if (v->keys->ngen == 0)
        return "the key file holds no generations: it cannot verify past a rotation";
    const struct rk_keygen *kg = rk_keys_find(v->keys, (uint32_t)n);
    if (!kg) {
        snprintf(v->out->reason, sizeof v->out->reason,
                 "the chain continues under key generation %lu, which the key file does not hold",
                 n);
        return v->out->reason;
    }
    char fp[RK_FINGERPRINT_LEN + 1];
    rk_keys_fingerprint(kg, fp);
    if (memcmp(fp, f, RK_FINGERPRINT_LEN) != 0)
        return "the key file's generation differs from the one the chain rotated to";
    struct rk_keys sub;
    rk_keys_of(kg, &sub);
    hash_start(&sub, &v->start);
    sodium_memzero(&sub, sizeof sub);
    return NULL;
}

static int verify_one(void *ctx, const struct rk_audit_event *e) {
    struct verify_ctx *v = ctx;
    struct rk_audit_report *r = v->out;
    unsigned char h[RK_HASH_LEN];
    const char *why = NULL;
    if (e->seq != r->events + 1)
        why = "a row is missing before this one";
    else if (sodium_memcmp(e->prev, r->head, RK_HASH_LEN) != 0)
        why = "it does not link to the row before it";
    else if (r->events == 0 && v->keys->ngen > 0 && !find_start(v, e))
        why = "its contents do not match its hash under any key generation of the key file";
    else {
        hash_from(&v->start, e, h);
        if (sodium_memcmp(h, e->hash, RK_HASH_LEN) != 0)
            why = "its contents do not match its hash";
        else if (strcmp(e->action, "key.rotated") == 0)
            why = switch_generation(v, e->detail);
    }
    if (why) {
        r->bad_seq = e->seq;
        if (why != r->reason)
            snprintf(r->reason, sizeof r->reason, "%s", why);
        return 1;
    }
    r->events++;
    memcpy(r->head, e->hash, RK_HASH_LEN);
    return 0;
}

rk_err rk_audit_verify(struct rk_store *s, const struct rk_keys *k, struct rk_audit_report *out) {
    memset(out, 0, sizeof *out);
    struct verify_ctx v = {.keys = k, .out = out};
    hash_start(k, &v.start);
    rk_err err = rk_store_audit_scan(s, 1, NULL, verify_one, &v);
    if (err != RK_OK)
        return err;
    if (out->bad_seq == 0) {
        /* Rows removed from the end are caught by comparing with the last row. */
        int64_t last = 0;
        unsigned char h[RK_HASH_LEN];
        err = rk_store_audit_last(s, &last, h);
        if (err == RK_OK && last != out->events) {
            out->bad_seq = last;
            snprintf(out->reason, sizeof out->reason, "rows are out of order");
        } else if (err == RK_ENOENT) {
            err = RK_OK;
        }
    }
    return err;
}

rk_err rk_audit_record_verified(struct rk_store *s, const struct rk_audit_report *rep, rk_ts at) {
    struct rk_console_mark m;
    unsigned char head[RK_HASH_LEN];
    memset(&m, 0, sizeof m);
    rk_err err = rk_store_audit_last(s, &m.seq, head);
    if (err == RK_ENOENT)
        m.seq = 0, err = RK_OK;
    if (err != RK_OK)
        return err;
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < RK_HASH_LEN; i++) {
        m.detail[2 * i] = hex[rep->head[i] >> 4];
        m.detail[2 * i + 1] = hex[rep->head[i] & 15];
    }
    m.detail[(size_t)2 * RK_HASH_LEN] = '\0';
    m.at = at;
    m.ok = rep->bad_seq == 0;
    if (m.seq > rep->events)
        m.seq = rep->events; /* appended meanwhile: the verified head is the last row checked */
    return rk_store_console_mark_set(s, "audit_verify", &m);
}
