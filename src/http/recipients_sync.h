/*
 * recipients_sync.h — the thread of `serve` that keeps the recipients whose
 * connector is a client (Mailchimp, Salesforce; connect/client.h) in step
 * with the registers (core/disclose.h), recipients_sync.c.
 */
#ifndef RK_HTTP_RECIPIENTS_SYNC_H
#define RK_HTTP_RECIPIENTS_SYNC_H

#include "http/service.h"

/* Starts the thread when the declaration has a client recipient and the database may be
 * written; otherwise does nothing. */
RK_MUST_USE rk_err rk_http_sync_start(struct rk_http_server *s, long interval_s);
/* Finishes the pass in hand (its call in flight, bounded by the client's timeouts) and
 * stops the thread. */
void rk_http_sync_stop(struct rk_http_server *s);
/* Starts the next pass now rather than at the end of the interval (the console's "sync now",
 * api_recipients.c); a pass in hand finishes first. No-op when the thread does not run. */
void rk_http_sync_wake(struct rk_http_server *s);

#endif
