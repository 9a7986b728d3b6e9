/*
 * err.c — tables behind rk_err_str() and friends, generated from the one
 * RK_ERR_TABLE in err.h.
 */
#include "util/err.h"

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
