/*
 * auth.c — who is asking and what they may see: the bearer token (cached per
 * thread for a second) or the console's session cookie (session.h), the
 * capability a route needs, the audit of staff reads, and persons and
 * contracts as the token's role sees them (core/view.h), so that one outside
 * the role's registers or categories is answered exactly as an unknown one.
 */
#include "http/respond.h"
#include "http/service.h"
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/auth.h"
#include "http/session.h"
#include "store/store.h"

/*
 * Valid tokens seen lately, per server thread (no lock): the token's keyed
 * hash (never the token) with its stored record, for TOKEN_TTL_NS. A token
 * revoked with `rekisteri token revoke` therefore stops working within
 * TOKEN_TTL_NS on every thread; unknown and revoked tokens are never cached,
 * so they always reach the store. The cache dies with the thread, which
 * rk_http_stop ends.
 */
#define TOKEN_CACHE  16
#define TOKEN_TTL_NS 1000000000LL /* 1 s */

static _Thread_local struct {
    unsigned char hash[RK_HASH_LEN];
    struct rk_token token;
    long long expires_ns; /* CLOCK_MONOTONIC; 0: empty */
} token_cache[TOKEN_CACHE];

static long long monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The stored record of the token whose keyed hash is hash, from the cache or the store. */
static rk_err token_lookup(struct rk_store *st, const unsigned char hash[RK_HASH_LEN],
                           struct rk_token *out) {
    long long now = monotonic_ns();
    size_t slot = hash[0] % TOKEN_CACHE; /* the hash is keyed BLAKE2b: its bytes are uniform */
    if (token_cache[slot].expires_ns > now &&
        memcmp(token_cache[slot].hash, hash, RK_HASH_LEN) == 0) {
        *out = token_cache[slot].token;
        return RK_OK;
    }
    rk_err err = rk_store_token_by_hash(st, hash, out);
    if (err == RK_OK && !out->revoked_at) {
        memcpy(token_cache[slot].hash, hash, RK_HASH_LEN);
        token_cache[slot].token = *out;
        token_cache[slot].expires_ns = now + TOKEN_TTL_NS;
    }
    return err;
}

/*
 * The role of the request's bearer token, or NULL after queueing the answer
 * (401 without a valid token, 503 without storage) in *ret. Valid tokens are
 * cached for a second (token_lookup). A request without an Authorization
 * header may instead carry the console's session cookie: then the session
 * decides, with the CSRF rule for state-changing methods
 * (rk_http_cookie_authenticate, api_staff.c). A bearer token wins over a cookie.
 */
const struct rk_role *rk_http_authenticate(struct rk_http_server *s, struct MHD_Connection *c,
                                           struct rk_http_request *r, struct rk_token *t,
                                           rk_http_result *ret) {
    struct rk_store *st = rk_http_thread_store(s);
    if (!st) {
        *ret = rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
        return NULL;
    }
    rk_http_session_forget();
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!h) { /* the console: the session cookie, with its CSRF rule (api_staff.c) */
        bool tried = false;
        const struct rk_role *role = rk_http_cookie_authenticate(s, c, r, t, ret, &tried);
        if (tried)
            return role;
    }
    if (!h || strncmp(h, "Bearer ", 7) != 0 || strlen(h + 7) != RK_TOKEN_LEN) {
        *ret = rk_http_unauthorized(c, r, "missing_token", "send 'Authorization: Bearer TOKEN'");
        return NULL;
    }
    unsigned char hash[RK_HASH_LEN];
    rk_keys_token_hash(&s->keys, h + 7, hash);
    rk_err err = token_lookup(st, hash, t);
    if (err == RK_ENOENT || (err == RK_OK && t->revoked_at)) {
        *ret = rk_http_unauthorized(c, r, "invalid_token", "the token is not valid or was revoked");
        return NULL;
    }
    if (err != RK_OK) {
        *ret = rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
        return NULL;
    }
    const struct rk_role *role = rk_decl_role(s->decl, t->role);
    if (!role)
        *ret = rk_http_error(c, r, 403, "forbidden", "the token's role is no longer declared");
    return role;
}

const struct rk_role *rk_http_authorize(struct rk_http_server *s, struct MHD_Connection *c,
                                        struct rk_http_request *r, unsigned cap,
                                        struct rk_token *t, unsigned *caps, rk_http_result *ret) {
    const struct rk_role *role = rk_http_authenticate(s, c, r, t, ret);
    if (!role)
        return NULL;
    struct rk_view v = rk_http_view(s, role);
    unsigned have = rk_view_caps(&v);
    if (caps)
        *caps = have;
    if ((have & cap) == cap)
        return role;
    unsigned i = 0;
    while (i + 1 < RK_CAP__COUNT && !(cap & ~have & (1u << i)))
        i++;
    char msg[160];
    snprintf(msg, sizeof msg, "the role may not do this: it lacks the capability '%s'",
             rk_cap_name(i));
    *ret = rk_http_error(c, r, 403, "forbidden", msg);
    return NULL;
}

void rk_http_audit(struct rk_http_server *s, const struct rk_token *t, const char *action,
                   const char *person_id, const char *detail) {
    if (!s->writer || rk_writer_note(s->writer, t->name, action, person_id, detail) != RK_OK)
        fprintf(stderr, "{\"event\":\"audit_failed\",\"action\":\"%s\"}\n", action);
}

bool rk_http_role_purpose(const struct rk_decl *d, const struct rk_role *role,
                          const char *purpose) {
    for (size_t i = 0; i < d->nregisters; i++) {
        const struct rk_register *reg = &d->registers[i];
        for (size_t j = 0; j < reg->npurposes; j++)
            if (strcmp(reg->purposes[j]->id, purpose) == 0 && rk_role_grants(role, reg->id, NULL))
                return true;
    }
    return false;
}

int rk_http_role_kind(const struct rk_decl *d, const struct rk_role *role, const char *reg_id,
                      enum rk_category_kind kind) {
    const struct rk_register *reg = rk_decl_register(d, reg_id);
    int access = -1;
    for (size_t i = 0; reg && i < reg->ncategories && access < 1; i++)
        if (reg->categories[i]->kind == kind)
            access = rk_role_grants(role, reg->id, reg->categories[i]->id) ? 1 : 0;
    return access;
}

bool rk_http_role_kind_any(const struct rk_decl *d, const struct rk_role *role,
                           enum rk_category_kind kind) {
    for (size_t i = 0; i < d->nregisters; i++)
        if (rk_http_role_kind(d, role, d->registers[i].id, kind) == 1)
            return true;
    return false;
}

bool rk_http_role_all(const struct rk_decl *d, const struct rk_role *role) {
    struct rk_view v = {d, role};
    return rk_view_all(&v);
}

struct rk_view rk_http_view(const struct rk_http_server *s, const struct rk_role *role) {
    return (struct rk_view){s->decl, role};
}

bool rk_http_see_person(struct rk_http_server *s, const struct rk_role *role, const char *id,
                        struct rk_http_refusal *no) {
    struct rk_view v = rk_http_view(s, role);
    bool seen = false;
    struct rk_store *st = rk_http_thread_store(s);
    if (!st || rk_view_person(&v, st, id, &seen) != RK_OK) {
        rk_http_refuse(no, 503, "unavailable", "the register's storage is not available");
        return false;
    }
    if (!seen)
        rk_http_refuse(no, 404, "not_found", "no such person");
    return seen;
}

bool rk_http_see_contract(struct rk_http_server *s, const struct rk_role *role, const char *id,
                          struct rk_contract *out, struct rk_http_refusal *no) {
    struct rk_view v = rk_http_view(s, role);
    struct rk_store *st = rk_http_thread_store(s);
    rk_err err = st ? rk_view_contract(&v, st, id, out) : RK_EBUSY;
    if (err == RK_ENOENT)
        rk_http_refuse(no, 404, "not_found", "no such contract");
    else if (err != RK_OK)
        rk_http_refuse(no, 503, "unavailable", "the register's storage is not available");
    return err == RK_OK;
}
