/*
 * err.c — tables behind rk_err_str() and friends, generated from the one
 * RK_ERR_TABLE in err.h, and the small functions of struct rk_error.
 */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>

static const struct {
    const char *name;
    int status;
    const char *msg;
} table[] = {
#define RK_X(name, status, msg) {#name, status, msg},
    RK_ERR_TABLE(RK_X)
#undef RK_X
};

const char *rk_err_str(rk_err e) {
    if ((unsigned)e >= RK_ERR__COUNT)
        return "unknown error";
    return table[e].msg;
}

int rk_err_http_status(rk_err e) {
    if ((unsigned)e >= RK_ERR__COUNT)
        return 500;
    return table[e].status;
}

const char *rk_err_name(rk_err e) {
    if ((unsigned)e >= RK_ERR__COUNT)
        return "RK_EUNKNOWN";
    return table[e].name;
}

rk_err rk_error_set(struct rk_error *e, rk_err code, const char *where, const char *fmt, ...) {
    if (!e)
        return code;
    e->code = code;
    snprintf(e->where, sizeof e->where, "%s", where ? where : "");
    e->message[0] = '\0';
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof e->message, fmt, ap);
        va_end(ap);
    }
    e->message_fi[0] = '\0';
    return code;
}

void rk_error_set_fi(struct rk_error *e, const char *fmt, ...) {
    if (!e)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->message_fi, sizeof e->message_fi, fmt, ap);
    va_end(ap);
}

void rk_error_clear(struct rk_error *e) {
    if (!e)
        return;
    e->code = RK_OK;
    e->flags = 0;
    e->where[0] = e->message[0] = e->message_fi[0] = '\0';
}

const char *rk_error_msg(const struct rk_error *e) {
    if (!e)
        return "";
    return e->message[0] ? e->message : e->code != RK_OK ? rk_err_str(e->code) : "";
}

const char *rk_error_fi(const struct rk_error *e) {
    return e && e->message_fi[0] ? e->message_fi : NULL;
}
