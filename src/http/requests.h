/*
 * requests.h — what the CLI and the staff API share about data-subject
 * requests: their JSON shape, so `rekisteri request show --format json` and
 * GET /api/v1/requests/{id} answer alike.
 */
#ifndef RK_HTTP_REQUESTS_H
#define RK_HTTP_REQUESTS_H

#include <jansson.h>

#include "store/store.h"

/* q as a JSON object (new ref; NULL when out of memory); today decides "overdue". The contact
 * details and text are personal data: callers audit the read. */
json_t *rk_request_json(const struct rk_request *q, struct rk_date today);

#endif
