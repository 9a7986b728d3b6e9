/*
 * json.h — the one way rekisteri writes a JSON document: indented by two,
 * keys in insertion order, a newline at the end. Keeping it in one place
 * keeps every command's and renderer's JSON alike.
 */
#ifndef RK_JSON_H
#define RK_JSON_H

#include <jansson.h>

#include "util/buf.h"

/* Appends doc to out and takes (releases) the reference; doc may be NULL
 * (an allocation failed while building it), which gives RK_ENOMEM. */
RK_MUST_USE rk_err rk_buf_put_json(struct rk_buf *out, json_t *doc);

#endif
