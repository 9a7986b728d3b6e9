/*
 * receipt.c — GET /receipt/{token}: the person's own copy of their consent
 * record (ISO/IEC TS 27560:2023; core/consent_record.h), reached through the
 * signed receipt link (core/links.h, kind RK_LINK_RECEIPT) of the welcome
 * email sent after double opt-in (forms.c).
 *
 * The answer is the JSON the staff get from GET /api/v1/persons/{id}/consents/
 * {purpose}/record, without the staff's names (the controller stands for
 * them), as an attachment that is never cached: a document for the person to
 * keep, so no page is needed. The link names only the pseudonymous id and the
 * purpose, and the record holds no personal data beyond that id, so a
 * forwarded link exposes nothing but the consent's own history. A forged or
 * altered token is 404, an expired one 410 (JSON errors, as the API's); the
 * route is rate-limited per address as every public route (server.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/time.h"
#include "core/consent_record.h"
#include "core/links.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/service.h"
#include "views/consent_record.h"

RK_HTTP_HANDLER(rk_http_get_receipt) {
    struct rk_link l;
    rk_ts now = rk_time_now();
    struct rk_store *st = s->writer ? rk_http_thread_store(s) : NULL;
    rk_err err = st ? rk_link_check(&s->keys, r->param[0], now, &l) : RK_EINVAL;
    if (err == RK_OK && (l.kind != RK_LINK_RECEIPT || !rk_decl_purpose(s->decl, l.purpose)))
        err = RK_EINVAL;
    if (err == RK_ENOENT)
        return rk_http_error(c, r, 410, "expired",
                             "this receipt link has expired; the controller can send a new one");
    if (err != RK_OK)
        return rk_http_error(c, r, 404, "not_found", "this receipt link is not valid");
    struct rk_reg_room room;
    struct rk_reg *reg = rk_reg_copy(&room, s->reads, st, "self");
    struct rk_consent_record rec;
    struct rk_error msg = RK_ERROR_INIT;
    err = rk_consent_record_get(reg, l.person_id, l.purpose, now, &rec, &msg);
    json_t *doc = NULL;
    if (err == RK_OK) {
        struct rk_cr_render o = {
            .lang = rk_http_lang(c), .public_url = s->public_url, .for_subject = true};
        if (!(doc = rk_consent_record_json(&rec, &o)))
            err = RK_ENOMEM;
    }
    rk_consent_record_free(&rec);
    /* Erased since, or the purpose no longer rests on consent: nothing to show. */
    if (err == RK_ENOENT || err == RK_EINVAL)
        return rk_http_error(c, r, 404, "not_found", "no consent is recorded for this link");
    if (err != RK_OK)
        return rk_http_error(
            c, r, err == RK_ENOMEM ? 500 : 503, err == RK_ENOMEM ? "internal" : "unavailable",
            err == RK_ENOMEM ? "out of memory" : "the register's storage is not available");
    char *body = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (!body)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    char disposition[RK_DECL_ID_MAX + 64];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"consent-record-%s.json\"",
             l.purpose);
    const char *const hdr[][2] = {{"Content-Disposition", disposition}};
    rk_http_result ret = rk_http_respond_with(c, r, 200, "application/json", body, strlen(body),
                                              MHD_RESPMEM_MUST_COPY, hdr, 1);
    free(body);
    return ret;
}
