/*
 * body.h — request bodies (body.c): the JSON parser every JSON handler
 * uses, the media-type check, and the parts of a staff write's body (its
 * register, purpose and source; its "values", normalised by
 * core/contact_input.h).
 */
#ifndef RK_HTTP_BODY_H
#define RK_HTTP_BODY_H

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>

#include "base/contact.h"
#include "core/contact_input.h"
#include "http/respond.h"
#include "http/service.h"

#define RK_JSON_MAX_DEPTH  16   /* nested objects and arrays */
#define RK_JSON_MAX_VALUES 1000 /* values in one document */
#define RK_JSON_MAX_STRING 4096 /* bytes of one text or key, decoded */
#define RK_JSON_MAX_NUMBER 64   /* characters of one number */
#define RK_JSON_KEY_SHOWN  40   /* keys up to this long (identifiers) are named in messages */
#define RK_JSON_ERR_MAX    320

/*
 * Parses len bytes of JSON (RFC 8259, UTF-8) under the limits above and
 * refuses duplicate keys and U+0000 in texts. On success *out is a new ref.
 * On failure RK_EPARSE with err's message (at most RK_JSON_ERR_MAX - 1 bytes)
 * naming the line, column and JSON pointer ("line 2, column 5 (at
 * /values/email): a key appears twice in one object"); keys are named only
 * when they are short identifiers, and values never. RK_ENOMEM, without a
 * message, when memory runs out. err may be NULL.
 */
RK_MUST_USE rk_err rk_json_parse(const char *data, size_t len, json_t **out, struct rk_error *err);
/*
 * Whether a Content-Type value (NULL: none was sent) is the media type want
 * ("application/json"), in any case, with no parameter but an optional
 * charset=utf-8 (RFC 9110 section 8.3).
 */
bool rk_http_media_type_is(const char *ct, const char *want);
/* The request body as a JSON object (new ref), or NULL after queueing the answer in *ret:
 * 415 unless the body was sent as application/json (rk_http_media_type_is), 400 when it is
 * not a JSON object within the limits. */
json_t *rk_http_json_body(struct MHD_Connection *c, struct rk_http_request *r,
                          rk_http_result *ret);
/* A text member of o (borrowed), NULL when absent; *bad set when present but not a text. */
const char *rk_http_member(json_t *o, const char *key, bool *bad);
/* The "values" object of a write, checked against the role for register_id and
 * normalised into c (its strings held by in, core/contact_input.h); false with out set. */
bool rk_http_parse_values(const struct rk_role *role, const char *register_id, json_t *values,
                          struct rk_contact *c, struct rk_contact_input *in,
                          struct rk_http_refusal *out);
/* Reads {register, purpose, source, source_detail?} into w (strings borrowed from doc) and
 * checks the role is granted the register; false with the refusal in *out. */
bool rk_http_parse_write(const struct rk_decl *d, const struct rk_role *role, json_t *doc,
                         struct rk_write *w, struct rk_http_refusal *out);

#endif
