/*
 * err.h — the one status type of rekisteri.
 *
 * Every fallible function returns an rk_err. The codes come from one X-macro
 * table that also maps each code to the HTTP status the service answers with
 * and to a short message, so the three can never drift apart (libuv's habit).
 */
#ifndef RK_ERR_H
#define RK_ERR_H

/* X(name, http_status, message) */
#define RK_ERR_TABLE(X)                                                                            \
    X(RK_OK, 200, "ok")                                                                            \
    X(RK_ENOMEM, 500, "out of memory")                                                             \
    X(RK_EINVAL, 400, "invalid argument")                                                          \
    X(RK_EIO, 500, "input/output error")                                                           \
    X(RK_ENOENT, 404, "not found")                                                                 \
    X(RK_ETOOBIG, 413, "input too large")                                                          \
    X(RK_EPARSE, 400, "malformed input")                                                           \
    X(RK_EDECL, 422, "declaration is not valid")                                                  \
    X(RK_ECONFLICT, 409, "conflicts with a record that exists")                                    \
    X(RK_EREFUSED, 422, "refused by the declaration or the law")                                   \
    X(RK_EBUSY, 503, "storage busy or unavailable")                                                \
    X(RK_ESTORAGE, 503, "the database cannot be written (disk full, read-only or failing)")

typedef enum {
#define RK_X(name, status, msg) name,
    RK_ERR_TABLE(RK_X)
#undef RK_X
        RK_ERR__COUNT
} rk_err;

#define RK_MUST_USE __attribute__((warn_unused_result))

/* The message of an error code; never NULL. */
const char *rk_err_str(rk_err e);

/* The HTTP status an error code is answered with. */
int rk_err_http_status(rk_err e);

/* The symbolic name of an error code ("RK_EPARSE"). */
const char *rk_err_name(rk_err e);

#endif
