/*
 * json.h — the one way rekisteri writes a JSON document: indented by two,
 * keys in insertion order, a newline at the end. Keeping it in one place
 * keeps every command's and renderer's JSON alike.
 *
 * The documents of the rights (views/access.c, views/portability.c) are
 * written compact, in one pass beside their HTML or CSV, with the streaming
 * writer below (struct rk_jw): no tree is built, strings are escaped by
 * rk_buf_put_json_str.
 */
#ifndef RK_JSON_H
#define RK_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

/* Appends doc to out and takes (releases) the reference; doc may be NULL
 * (an allocation failed while building it), which gives RK_ENOMEM. */
RK_MUST_USE rk_err rk_buf_put_json(struct rk_buf *out, json_t *doc);

/* A compact JSON writer over an rk_buf: keys and values in call order, commas
 * placed for the caller. b NULL writes nothing (a document not asked for).
 * Nesting deeper than 31 is not tracked. */
struct rk_jw {
    struct rk_buf *b;
    int depth;
    bool first[32];
};

/* A writer at the top level of b (NULL: writes nothing). */
struct rk_jw rk_jw_start(struct rk_buf *b);
/* Opens an object ('{') or array ('[') as member key (NULL: an array element or the top). */
void rk_jw_open(struct rk_jw *w, const char *key, char c);
/* Closes it with c ('}' or ']'). */
void rk_jw_close(struct rk_jw *w, char c);
/* A string member (v NULL: null), an integer, a boolean. */
void rk_jw_str(struct rk_jw *w, const char *key, const char *v);
void rk_jw_int(struct rk_jw *w, const char *key, int64_t v);
void rk_jw_bool(struct rk_jw *w, const char *key, bool v);

#endif
