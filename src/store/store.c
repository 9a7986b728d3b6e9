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
