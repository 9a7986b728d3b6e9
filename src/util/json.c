/*
 * json.c — see json.h.
 */
#include "util/json.h"

#include <stdlib.h>

rk_err rk_buf_put_json(struct rk_buf *out, json_t *doc) {
    char *s = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(doc);
    if (!s)
        return RK_ENOMEM;
    rk_buf_puts(out, s);
    rk_buf_putc(out, '\n');
    free(s);
    return rk_buf_status(out);
}
