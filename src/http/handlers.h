/*
 * handlers.h — the route handlers the route table (server.c) names, by the
 * file that defines them. Handlers of files with a header of their own
 * (api_staff.h, api_people.h, api_console.h, answers.h, consent_log.h,
 * consent_script.h, console_pages.h, public.h) are declared there.
 */
#ifndef RK_HTTP_HANDLERS_H
#define RK_HTTP_HANDLERS_H

#include "http/service.h"

/* metrics.c: GET /metrics, the exposition. */
RK_HTTP_HANDLER(rk_http_get_metrics);
RK_HTTP_HANDLER(rk_http_patch_person);
RK_HTTP_HANDLER(rk_http_get_consents);
RK_HTTP_HANDLER(rk_http_get_consent_record);
RK_HTTP_HANDLER(rk_http_get_receipt); /* receipt.c */
RK_HTTP_HANDLER(rk_http_post_consent);
RK_HTTP_HANDLER(rk_http_post_withdraw);
/* api_records.c */
RK_HTTP_HANDLER(rk_http_get_contracts);
RK_HTTP_HANDLER(rk_http_post_contract);
RK_HTTP_HANDLER(rk_http_patch_contract);
RK_HTTP_HANDLER(rk_http_post_contract_end);
RK_HTTP_HANDLER(rk_http_get_invoices);
RK_HTTP_HANDLER(rk_http_post_invoice);
RK_HTTP_HANDLER(rk_http_post_suppression);
RK_HTTP_HANDLER(rk_http_get_suppression_check);
/* api_export.c */
RK_HTTP_HANDLER(rk_http_get_audience);
/* api_import.c */
RK_HTTP_HANDLER(rk_http_post_import);
/* api.c */
RK_HTTP_HANDLER(rk_http_get_person);
RK_HTTP_HANDLER(rk_http_post_persons);
RK_HTTP_HANDLER(rk_http_get_check);
/* forms.c */
RK_HTTP_HANDLER(rk_http_get_form);
RK_HTTP_HANDLER(rk_http_post_form);
RK_HTTP_HANDLER(rk_http_options_form);
RK_HTTP_HANDLER(rk_http_get_confirm);
RK_HTTP_HANDLER(rk_http_post_confirm);
/* preferences.c */
RK_HTTP_HANDLER(rk_http_get_preferences);
RK_HTTP_HANDLER(rk_http_post_preferences);
/* hooks.c: inbound webhooks (Mailchimp). */
RK_HTTP_HANDLER(rk_http_get_mailchimp_hook);
RK_HTTP_HANDLER(rk_http_post_mailchimp_hook);
/* unsubscribe.c */
RK_HTTP_HANDLER(rk_http_get_unsubscribe);
RK_HTTP_HANDLER(rk_http_post_unsubscribe);
/* requests_public.c */
RK_HTTP_HANDLER(rk_http_get_requests_form);
RK_HTTP_HANDLER(rk_http_post_requests_form);
RK_HTTP_HANDLER(rk_http_get_request_verify);
RK_HTTP_HANDLER(rk_http_post_request_verify);
/* api_requests.c */
RK_HTTP_HANDLER(rk_http_get_requests);
RK_HTTP_HANDLER(rk_http_post_requests);
RK_HTTP_HANDLER(rk_http_get_request);
RK_HTTP_HANDLER(rk_http_post_request_verify_staff);
RK_HTTP_HANDLER(rk_http_post_request_extend);
RK_HTTP_HANDLER(rk_http_post_request_complete);
RK_HTTP_HANDLER(rk_http_post_request_reject);
/* api_recipients.c: the client recipients' connectors, sync state and refusals; "sync now". */
RK_HTTP_HANDLER(rk_http_get_recipients);
RK_HTTP_HANDLER(rk_http_post_recipient_sync);

#endif
