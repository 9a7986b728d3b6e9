/*
 * api_staff.h — the console's sign-in pages (/console/login, /console/logout,
 * /console/setup/{token}), the session cookie and its CSRF rule, and the staff
 * API routes of accounts and tokens (/api/v1/me, /api/v1/staff..., /api/v1/tokens...).
 * The rules are core/staff.h's; this file reads forms and cookies and answers.
 */
#ifndef RK_HTTP_API_STAFF_H
#define RK_HTTP_API_STAFF_H

#include "http/service.h"

RK_HTTP_HANDLER(rk_http_get_console_login);
RK_HTTP_HANDLER(rk_http_post_console_login);
RK_HTTP_HANDLER(rk_http_post_console_logout);
RK_HTTP_HANDLER(rk_http_get_console_setup);
RK_HTTP_HANDLER(rk_http_post_console_setup);
RK_HTTP_HANDLER(rk_http_get_me);
RK_HTTP_HANDLER(rk_http_get_staff);
RK_HTTP_HANDLER(rk_http_post_staff);
RK_HTTP_HANDLER(rk_http_post_staff_disable);
RK_HTTP_HANDLER(rk_http_post_staff_enable);
RK_HTTP_HANDLER(rk_http_post_staff_reset);
RK_HTTP_HANDLER(rk_http_post_staff_role);
RK_HTTP_HANDLER(rk_http_get_staff_signins);
RK_HTTP_HANDLER(rk_http_get_tokens);
RK_HTTP_HANDLER(rk_http_post_token_revoke);

#endif
