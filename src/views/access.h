/*
 * access.h — the documents of the rights of access (art 15: JSON and an HTML
 * page, access.c) and portability (art 20: JSON and CSV, portability.c).
 * core/rights.c checks the person, gathers what the record holds and audits;
 * these write it. Callers hand rk_rights_documents to rk_rights_access,
 * rk_rights_portability and (through struct rk_fulfilment) rk_request_fulfil.
 */
#ifndef RK_VIEWS_ACCESS_H
#define RK_VIEWS_ACCESS_H

#include "core/rights.h"

/* The two documents, as core/rights.h's views. */
extern const struct rk_rights_views rk_rights_documents;

/* Art 20: the portable values as a JSON object and as CSV (either NULL). */
RK_MUST_USE rk_err rk_portability_document(const struct rk_portability_facts *f,
                                           struct rk_buf *json, struct rk_buf *csv);

#endif
