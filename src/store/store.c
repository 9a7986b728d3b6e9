/*
 * store.c — the backend-neutral part of the store: picks the backend for a
 * location by its scheme (a table of {scheme, ops}: "sqlite:PATH" or a plain
 * path open the embedded SQLite store; "postgresql://..." and "postgres://..."
 * libpq URIs, the PostgreSQL backend), reads a handle's
 * last error, and the vocabulary the rows carry as text.
 */
#include <stdbool.h>
#include <string.h>

#include "store/store.h"

const struct rk_error *rk_store_error(const struct rk_store *s) {
    static const struct rk_error none = RK_ERROR_INIT;
    return s ? &s->error : &none;
}

const char *rk_store_errmsg(const struct rk_store *s) { return rk_store_error(s)->message; }

/* The backends by scheme; the first whose prefix the location starts with is taken. */
static const struct backend {
    const char *prefix;             /* "sqlite:", "postgresql://" */
    bool strip;                     /* hand the backend the location without the prefix */
    const char *name;               /* for the error when it is not built */
    const struct rk_store_ops *ops; /* NULL: not built yet */
} backends[] = {
    {.prefix = "sqlite:", .strip = true, .name = "SQLite", .ops = &rk_store_sqlite_ops},
    {.prefix = "postgresql://", .strip = false, .name = "PostgreSQL", .ops = &rk_store_pg_ops},
    {.prefix = "postgres://", .strip = false, .name = "PostgreSQL", .ops = &rk_store_pg_ops},
};

/* The backend of location and the location it is handed (the scheme stripped, for
 * "sqlite:"); a plain path is SQLite's. RK_EINVAL, with the reason in e, for a scheme
 * without a built backend. */
static rk_err pick(const char *location, const struct rk_store_ops **ops, const char **rest,
                   struct rk_error *e) {
    for (size_t i = 0; i < sizeof backends / sizeof backends[0]; i++) {
        const struct backend *b = &backends[i];
        size_t n = strlen(b->prefix);
        if (strncmp(location, b->prefix, n) != 0)
            continue;
        if (!b->ops) {
            return rk_error_set(e, RK_EINVAL, NULL,
                                "the %s backend is not built yet: give --db a path or sqlite:PATH",
                                b->name);
        }
        *ops = b->ops;
        *rest = b->strip ? location + n : location;
        return RK_OK;
    }
    if (strstr(location, "://")) {
        return rk_error_set(e, RK_EINVAL, NULL,
                            "no store backend for this scheme: give --db a path or sqlite:PATH");
    }
    *ops = &rk_store_sqlite_ops;
    *rest = location;
    return RK_OK;
}

rk_err rk_store_open(const char *location, const struct rk_store_options *opt,
                     struct rk_store **out, struct rk_error *e) {
    const struct rk_store_ops *ops = NULL;
    const char *rest = NULL;
    *out = NULL; /* a caller that reads the detail from the handle or from e can tell */
    if (pick(location, &ops, &rest, e) != RK_OK || !ops)
        return RK_EINVAL; /* pick refuses with RK_EINVAL only */
    rk_err err = ops->open(rest, opt, out, e);
    if (err == RK_OK) {
        (*out)->key_generation = opt ? opt->key_generation : 0;
        (*out)->existing = opt && opt->existing;
    }
    return err;
}

rk_err rk_store_begin(struct rk_store *s) {
    rk_err err = s->ops->begin(s);
    if (err != RK_OK || s->key_generation == 0)
        return err;
    uint32_t gen = 0;
    err = s->ops->key_generation_hold(s, false, &gen);
    if (err == RK_OK && gen != s->key_generation)
        err = rk_error_set(&s->error, RK_ESTALE, NULL,
                           "the register's key was rotated to generation %u, and this process "
                           "holds generation %u: nothing was written; a command is run again, "
                           "'serve' loads the rotated key file by itself",
                           (unsigned)gen, (unsigned)s->key_generation);
    if (err != RK_OK)
        s->ops->rollback(s);
    return err;
}

rk_err rk_store_key_state_set(struct rk_store *s, uint32_t gen, const char *fingerprint) {
    rk_err err = s->ops->key_state_set(s, gen, fingerprint);
    if (err == RK_OK && s->key_generation != 0)
        s->key_generation = gen;
    return err;
}

rk_err rk_store_check_file(const char *location, struct rk_error *e) {
    const struct rk_store_ops *ops = NULL;
    const char *rest = NULL;
    if (pick(location, &ops, &rest, e) != RK_OK || !ops)
        return RK_EINVAL; /* pick refuses with RK_EINVAL only */
    return ops->check_file(rest, e);
}

rk_err rk_store_remove_side_files(const char *location, struct rk_error *e) {
    const struct rk_store_ops *ops = NULL;
    const char *rest = NULL;
    if (pick(location, &ops, &rest, e) != RK_OK || !ops)
        return RK_EINVAL; /* pick refuses with RK_EINVAL only */
    return ops->remove_side_files(rest, e);
}

/* Appends the len bytes at p to buf (size n) at *o, as far as they fit. */
static void put(char *buf, size_t n, size_t *o, const char *p, size_t len) {
    for (size_t i = 0; i < len && *o + 1 < n; i++)
        buf[(*o)++] = p[i];
}

/* The location without its secrets, for messages: a URI's password ("user:PASSWORD@host")
 * and the value of a "password=" query parameter become "***"; a path is shown as it is. */
const char *rk_store_location_shown(const char *location, char *buf, size_t n) {
    const char *scheme = strstr(location, "://");
    if (!scheme || n == 0)
        return location;
    size_t o = 0;
    const char *auth = scheme + 3;
    size_t end = strcspn(auth, "/?"); /* the authority: [user[:password]@]host[:port] */
    const char *at = memchr(auth, '@', end);
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    const char *p = location;
    if (colon) {
        put(buf, n, &o, p, (size_t)(colon + 1 - p));
        put(buf, n, &o, "***", 3);
        p = at;
    }
    while (*p) {
        size_t run = strcspn(p + 1, "?&") + 1; /* up to the next parameter */
        put(buf, n, &o, p, run);
        const char *next = p + run;
        if (*next && strncmp(next + 1, "password=", 9) == 0) {
            put(buf, n, &o, next, 10);
            put(buf, n, &o, "***", 3);
            next += 10 + strcspn(next + 10, "&");
        }
        p = next;
    }
    buf[o] = '\0';
    return buf;
}

/* ---- Vocabulary the rows carry as text ---- */

static const char *const action_ids[RK_COOKIE__COUNT] = {"accept_all", "reject_all", "custom",
                                                         "withdraw"};

const char *rk_cookie_action_id(enum rk_cookie_action a) {
    return (unsigned)a < RK_COOKIE__COUNT ? action_ids[a] : "unknown";
}

bool rk_cookie_action_parse(const char *id, size_t len, enum rk_cookie_action *out) {
    for (int i = 0; i < RK_COOKIE__COUNT; i++)
        if (strlen(action_ids[i]) == len && memcmp(action_ids[i], id, len) == 0) {
            *out = (enum rk_cookie_action)i;
            return true;
        }
    return false;
}
