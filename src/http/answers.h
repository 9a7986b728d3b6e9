/*
 * answers.h — the handlers of src/http/answers.c: the public status page of a
 * data-subject request and the download of its answer behind a one-time code
 * (core/answer.h). Declared here rather than in internal.h, which they include.
 */
#ifndef RK_HTTP_ANSWERS_H
#define RK_HTTP_ANSWERS_H

#include "http/service.h"

#define RK_ANSWER_COOKIE "rk_answer" /* the download grant, after the right code */

RK_HTTP_HANDLER(rk_http_get_request_status);
RK_HTTP_HANDLER(rk_http_get_answer);
RK_HTTP_HANDLER(rk_http_post_answer);
RK_HTTP_HANDLER(rk_http_get_answer_file);

/* The housekeeping thread's daily step (requests_overdue.c calls it after each sweep): queues
 * the DPO's digest once per local day (core/answer.h) and wakes the sender. */
void rk_http_digest_once(struct rk_http_server *s, struct rk_store *st);

#endif
