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

struct rk_jw rk_jw_start(struct rk_buf *b) {
    struct rk_jw w = {.b = b, .depth = 0, .first = {true}};
    return w;
}

static void jw_key(struct rk_jw *w, const char *key) {
    if (!w->b)
        return;
    if (!w->first[w->depth])
        rk_buf_putc(w->b, ',');
    w->first[w->depth] = false;
    if (key) {
        rk_buf_put_json_str(w->b, key);
        rk_buf_putc(w->b, ':');
    }
}

void rk_jw_open(struct rk_jw *w, const char *key, char c) {
    jw_key(w, key);
    if (!w->b)
        return;
    rk_buf_putc(w->b, c);
    if (w->depth < 31)
        w->first[++w->depth] = true;
}

void rk_jw_close(struct rk_jw *w, char c) {
    if (!w->b)
        return;
    rk_buf_putc(w->b, c);
    if (w->depth > 0)
        w->depth--;
}

void rk_jw_str(struct rk_jw *w, const char *key, const char *v) {
    jw_key(w, key);
    if (w->b)
        rk_buf_put_json_str(w->b, v);
}

void rk_jw_int(struct rk_jw *w, const char *key, int64_t v) {
    jw_key(w, key);
    if (w->b)
        rk_buf_printf(w->b, "%lld", (long long)v);
}

void rk_jw_bool(struct rk_jw *w, const char *key, bool v) {
    jw_key(w, key);
    if (w->b)
        rk_buf_puts(w->b, v ? "true" : "false");
}
