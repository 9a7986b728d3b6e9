/*
 * err.h — the one status type of rekisteri, and the one error object that
 * carries its detail.
 *
 * Every fallible function returns an rk_err. The codes come from one X-macro
 * table that also maps each code to the HTTP status the service answers with
 * and to a short message, so the three can never drift apart (libuv's habit).
 *
 * The detail of a failure — what a person or a log line is told — travels in
 * one struct rk_error the caller owns and passes down as the last argument
 * (struct rk_error *e). It replaces the channels that grew one by one: a
 * char *err/errsz or char *why/whysz buffer, a const char **why phrase, the
 * register's old struct rk_msg and the store's thread-local last error.
 *
 *   code        the rk_err returned, so the status (rk_err_http_status) and
 *               the detail never disagree;
 *   where       for input, the place the refusal concerns: a field or
 *               option id ("email"), a JSON member path, "line 3"; "" when
 *               the error is not about one place. Never holds a value;
 *   message     the English sentence or phrase, exactly as the CLI prints it
 *               and the API answers it (byte for byte what the old channel
 *               held); "" when there is none (rk_error_msg then gives the
 *               code's own message);
 *   message_fi  the same for people in Finnish (the console), "" when there
 *               is none and the English stands;
 *   flags       bits owned by the layer that sets them, for the little a
 *               caller branches on besides the code. The register's
 *               "refused by the suppression list", which imports count
 *               apart, is such a bit: RK_ERROR_SUPPRESSED in core/reg.h;
 *               util/ defines none. rk_error_set leaves flags alone,
 *               rk_error_clear zeroes them.
 *
 * Rules. A function writes *e only when it fails (the hot paths — the text
 * rule runs on every imported value — pay nothing on success), and returns
 * the code it wrote: `return rk_error_set(e, RK_EINVAL, "email", "…%s", x);`.
 * e may be NULL: a caller that wants only the code passes NULL, and every
 * rk_error_* function accepts it. A layer that adds context to an error from
 * below rewrites message/where in place (rk_error_set with "%s" of its own
 * copy), never quoting personal data. The sizes fit the longest message
 * rekisteri writes (a key file's path of a few hundred bytes included); a
 * longer one is cut as snprintf cuts, as the old buffers were.
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
    X(RK_EDECL, 422, "declaration is not valid")                                                   \
    X(RK_ECONFLICT, 409, "conflicts with a record that exists")                                    \
    X(RK_EREFUSED, 422, "refused by the declaration or the law")                                   \
    X(RK_EBUSY, 503, "storage busy or unavailable")                                                \
    X(RK_ESTORAGE, 503, "the database cannot be written (disk full, read-only or failing)")        \
    X(RK_ESTALE, 503, "the register's key was rotated; this process holds an older generation")

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


#define RK_ERROR_WHERE_MAX 64
#define RK_ERROR_MSG_MAX 512
#define RK_ERROR_FI_MAX 400

struct rk_error {
    rk_err code;                      /* RK_OK until something fails */
    unsigned flags;                   /* bits of the layer that sets them (see above) */
    char where[RK_ERROR_WHERE_MAX];   /* field id, member path, "line 3"; "" for none */
    char message[RK_ERROR_MSG_MAX];   /* English; "" for none */
    char message_fi[RK_ERROR_FI_MAX]; /* Finnish, for people; "" for none */
};

/* An empty error (code RK_OK, every string ""), for a declaration:
 * struct rk_error e = RK_ERROR_INIT; */
#define RK_ERROR_INIT {.code = RK_OK, .flags = 0, .where = "", .message = "", .message_fi = ""}

/*
 * Records a failure in e (NULL: nothing is written): the code, the place
 * (where NULL: ""), and the English message formatted from fmt (NULL: "").
 * message_fi is cleared; flags are kept. Returns code.
 */
RK_MUST_USE rk_err rk_error_set(struct rk_error *e, rk_err code, const char *where, const char *fmt,
                                ...) __attribute__((format(printf, 4, 5)));

/* Sets e's Finnish sentence from fmt (e NULL: nothing). */
void rk_error_set_fi(struct rk_error *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Empties e (NULL: nothing): RK_OK, no flags, every string "". */
void rk_error_clear(struct rk_error *e);

/* e's English message; when it has none, the code's own (rk_err_str), or "" for RK_OK or
 * e NULL. Never NULL. */
const char *rk_error_msg(const struct rk_error *e);

/* e's Finnish sentence, or NULL when it has none (the English stands). */
const char *rk_error_fi(const struct rk_error *e);

#endif
