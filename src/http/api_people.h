/*
 * api_people.h — the staff console's people and overview routes
 * (api_people.c): the people search with filters and keyset paging, a
 * person's whole record with provenance, the overview's counters, and
 * recording a verification of the audit chain.
 */
#ifndef RK_API_PEOPLE_H
#define RK_API_PEOPLE_H

#include "http/service.h"

RK_HTTP_HANDLER(rk_http_get_people);       /* GET /api/v1/persons */
RK_HTTP_HANDLER(rk_http_get_record);       /* GET /api/v1/persons/{id}/record */
RK_HTTP_HANDLER(rk_http_get_overview);     /* GET /api/v1/overview */
RK_HTTP_HANDLER(rk_http_post_audit_verify); /* POST /api/v1/audit/verify */

#endif
