/*
 * records_json.h — a record as JSON, in one place: the CLI and the staff API
 * both call these, so `rekisteri … --format json` and the API answer alike.
 * Every function returns a new reference (NULL when out of memory). The
 * values are personal data: callers audit the read.
 */
#ifndef RK_VIEWS_RECORDS_JSON_H
#define RK_VIEWS_RECORDS_JSON_H

#include <jansson.h>

#include "store/store.h"

/* A data-subject request (`request show`, GET /api/v1/requests/{id}): absent values left out
 * rather than null, dates YYYY-MM-DD, instants ISO 8601 UTC; today decides "overdue". */
json_t *rk_request_json(const struct rk_request *q, struct rk_date today);

/* A consent event of the ledger (`person show`, GET /api/v1/persons/{id}/consents):
 * {seq, purpose, event, pending, basis, notice_version, notice_sha256, channel, collector,
 * at} and form_id, ip, user_agent, evidence when recorded. */
json_t *rk_consent_event_json(const struct rk_consent_event *e);

/* A change of a contract: {at, by, field, old, new} (old, new null when absent). */
json_t *rk_contract_change_json(const struct rk_contract_change *c);

/*
 * A consent id's website consent log as one document (new ref in *out), for
 * `rekisteri consent-log show` and GET /api/v1/consent-log/{id}:
 *   {"consent_id": …, "actions": [{"at", "action", "choices": {…}, "version", "lang", "gpc"}],
 *    "versions": {"<version>": {"first_seen": …, "config": {the consent manager's config}}}}
 * RK_ENOENT for an id with no rows (or not a consent id), RK_ENOMEM, or the store's error.
 */
RK_MUST_USE rk_err rk_consent_log_document(struct rk_store *st, const char *consent_id,
                                           json_t **out);

#endif
