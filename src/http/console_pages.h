/*
 * console_pages.h — the routes that serve the staff console (console.c): the
 * front page at /, the app shell at /console/ and its hashed assets.
 */
#ifndef RK_HTTP_CONSOLE_PAGES_H
#define RK_HTTP_CONSOLE_PAGES_H

#include "http/service.h"

RK_HTTP_HANDLER(rk_http_get_front);
RK_HTTP_HANDLER(rk_http_get_console);
RK_HTTP_HANDLER(rk_http_get_console_bare);
RK_HTTP_HANDLER(rk_http_get_console_asset);

#endif
