/*
 * conns.h — the connections, tracked from STARTED to CLOSED for the header
 * deadline (conns.c has the design).
 */
#ifndef RK_HTTP_CONNS_H
#define RK_HTTP_CONNS_H

#include "http/service.h"

/* conns.c: the MHD_OPTION_NOTIFY_CONNECTION callback (cls: the server) tracking each
 * connection from STARTED to CLOSED. */
void rk_http_on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                           enum MHD_ConnectionNotificationCode toe);
/* The request's header block is whole (the access handler's first call): off the deadline. */
void rk_http_conn_header_done(struct rk_http_server *s, struct MHD_Connection *connection);
/* The request is over (NOTIFY_COMPLETED): the next one's header block is now awaited. */
void rk_http_conn_request_done(struct rk_http_server *s, struct MHD_Connection *connection);
/* Connections open on the service's listeners. */
size_t rk_http_conns_open(struct rk_http_server *s);
/* Starts the timer closing connections whose header block is not whole header_timeout
 * seconds after it began to be awaited; before the daemons start. */
RK_MUST_USE rk_err rk_http_conns_start(struct rk_http_server *s, long header_timeout);
/* Stops it; after the daemons have stopped. A no-op when it never started. */
void rk_http_conns_stop(struct rk_http_server *s);

#endif
