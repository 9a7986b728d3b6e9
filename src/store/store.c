/*
 * store.c — picks the backend for a location. "sqlite:PATH" or a plain path
 * open the embedded SQLite store; "postgresql://..." will open the PostgreSQL
 * backend once it exists.
 */
#include <string.h>

#include "store/store.h"

rk_err rk_store_open(const char *location, const struct rk_store_options *opt,
                     struct rk_store **out) {
    if (strncmp(location, "sqlite:", 7) == 0)
        location += 7;
    else if (strstr(location, "://"))
        return RK_EINVAL; /* no other backend yet */
    return rk_store_sqlite_ops.open(location, opt, out);
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
