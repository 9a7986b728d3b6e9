/*
 * requests_overdue.h — the timer thread counting overdue data-subject
 * requests for /metrics (requests_overdue.c).
 */
#ifndef RK_HTTP_REQUESTS_OVERDUE_H
#define RK_HTTP_REQUESTS_OVERDUE_H

#include "http/service.h"

/* requests_overdue.c: starts and stops the timer counting overdue requests */
RK_MUST_USE rk_err rk_http_overdue_start(struct rk_http_server *s);
void rk_http_overdue_stop(struct rk_http_server *s);
/* Asks for a recount now (after a request changed). */
void rk_http_overdue_poke(struct rk_http_server *s);

#endif
