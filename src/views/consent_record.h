/*
 * consent_record.h — a consent record (core/consent_record.h) rendered as
 * JSON in the structure of ISO/IEC TS 27560:2023, or as text for people.
 * `rekisteri consent record`, GET /api/v1/persons/{id}/consents/{purpose}/record
 * and the person's receipt link (GET /receipt/{token}) all call these, so the
 * three answer alike. The field mapping is in consent_record.c and
 * docs/consent-records.md.
 */
#ifndef RK_VIEWS_CONSENT_RECORD_H
#define RK_VIEWS_CONSENT_RECORD_H

#include <jansson.h>
#include <stdbool.h>

#include "core/consent_record.h"
#include "util/buf.h"

struct rk_cr_render {
    enum rk_lang lang;      /* of the texts (purpose names, retention, labels) */
    const char *public_url; /* the service's public URL without a trailing '/', for the notice
                               and the preferences page; NULL: the URLs are left out */
    bool for_subject;       /* the person's own receipt: staff names are left out (the
                               controller stands for them) */
};

/* The record as a JSON document (a new reference; NULL when out of memory). */
json_t *rk_consent_record_json(const struct rk_consent_record *r, const struct rk_cr_render *o);

/* The record as JSON (indented, the project's JSON writer) or, json false, as text for people,
 * appended to out: RK_OK or RK_ENOMEM. */
RK_MUST_USE rk_err rk_consent_record_render(const struct rk_consent_record *r,
                                            const struct rk_cr_render *o, bool json,
                                            struct rk_buf *out);

#endif
