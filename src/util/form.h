/*
 * form.h — application/x-www-form-urlencoded bodies (WHATWG URL standard,
 * "application/x-www-form-urlencoded parsing"), as posted by HTML forms.
 */
#ifndef RK_FORM_H
#define RK_FORM_H

#include <stddef.h>

#include "util/err.h"

#define RK_FORM_MAX_PAIRS 64
#define RK_FORM_MAX_VALUE 4096 /* bytes of one decoded name or value */

/* Called per name=value pair, decoded and NUL-terminated; non-zero stops with RK_EREFUSED. */
typedef int (*rk_form_fn)(void *ctx, const char *name, const char *value);

/*
 * Splits body on '&', each pair on its first '=', turns '+' into a space and
 * decodes %XX. Refuses (RK_EPARSE, e saying which pair — where "field N" —
 * and what, never its contents) a malformed escape, a NUL, text that is not
 * UTF-8, more than RK_FORM_MAX_PAIRS pairs or a part longer than
 * RK_FORM_MAX_VALUE. Empty pairs ("a=1&&b=2") are skipped. e may be NULL; it
 * is not written for RK_EREFUSED (the callback's refusal is the caller's).
 */
RK_MUST_USE rk_err rk_form_parse(const char *body, size_t len, rk_form_fn fn, void *ctx,
                                 struct rk_error *e);

#endif
