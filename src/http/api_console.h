/*
 * api_console.h — the staff API routes the console's pages need beyond
 * reading and writing persons (issue 12): the erasure preview and the rights
 * as actions, adding a person to another register, imports as jobs, the
 * audience summary, failed mail and recipient notices with retry, and the
 * declaration's published documents and lint. Every route checks its
 * capability (core/view.h: rk_view_caps) and answers 403 without it; the
 * rules stay in core/. Handlers are in api_console.c and api_import.c.
 */
#ifndef RK_HTTP_API_CONSOLE_H
#define RK_HTTP_API_CONSOLE_H

#include "http/service.h"

/* api_console.c */
RK_HTTP_HANDLER(rk_http_get_erasure_preview);
RK_HTTP_HANDLER(rk_http_post_erase);
RK_HTTP_HANDLER(rk_http_post_restrict);
RK_HTTP_HANDLER(rk_http_post_object);
RK_HTTP_HANDLER(rk_http_post_entries);
RK_HTTP_HANDLER(rk_http_get_audience_summary);
RK_HTTP_HANDLER(rk_http_get_outbox);
RK_HTTP_HANDLER(rk_http_post_outbox_retry);
RK_HTTP_HANDLER(rk_http_get_notices);
RK_HTTP_HANDLER(rk_http_post_notice_retry);
RK_HTTP_HANDLER(rk_http_get_declaration_notice);
RK_HTTP_HANDLER(rk_http_get_declaration_first_contact);
RK_HTTP_HANDLER(rk_http_get_declaration_record);
RK_HTTP_HANDLER(rk_http_get_declaration_lint);

/* api_import.c: imports as jobs (a thread each, batches through the writer) and the preview. */
RK_HTTP_HANDLER(rk_http_post_imports_preview);
RK_HTTP_HANDLER(rk_http_post_imports);
RK_HTTP_HANDLER(rk_http_get_import_job);
RK_HTTP_HANDLER(rk_http_get_import_rejects);
/* Stops s's running import jobs between batches and waits for them (before the writer
 * stops); forgets s's finished ones. */
void rk_http_imports_stop(struct rk_http_server *s);

#endif
