/*
 * metrics.h — the counts behind GET /metrics (metrics.c; the route's handler
 * is in handlers.h).
 */
#ifndef RK_HTTP_METRICS_H
#define RK_HTTP_METRICS_H

#include "http/service.h"

/* Counts one answered request. */
void rk_http_metrics_count(struct rk_http_metrics *m, int route, int status, double seconds);

#endif
