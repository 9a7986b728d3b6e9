/*
 * api_staff.h — the console's sign-in pages (/console/login, /console/logout,
 * /console/setup/{token}), the session cookie and its CSRF rule, and the staff
 * API routes of accounts and tokens (/api/v1/me, /api/v1/staff..., /api/v1/tokens...).
 * The rules are core/staff.h's; this file reads forms and cookies and answers.
 */
#ifndef RK_HTTP_API_STAFF_H
#define RK_HTTP_API_STAFF_H

#include "http/internal.h"

/* The session cookie's name: __Host- makes browsers insist on Secure, Path=/ and no Domain. */
#define RK_SESSION_COOKIE "__Host-rk_session"

/*
 * rk_http_authenticate's path for a request without an Authorization header:
 * the session cookie. Returns the account's role with t filled (t->name
 * "staff:<id>", the audit actor), or NULL after queueing the answer in *ret:
 * 401 invalid_session for a cookie naming no live session (unknown, signed
 * out, idle or past its absolute end, a disabled account), 403 csrf for a
 * state-changing method (POST, PATCH, PUT, DELETE) without the session's
 * X-CSRF-Token or from another origin (Origin equal to the service's origin,
 * or Sec-Fetch-Site: same-origin), 403 forbidden for a role no longer
 * declared. *tried is false (and nothing queued) when no session cookie came.
 */
const struct rk_role *rk_http_cookie_authenticate(struct rk_http_server *s,
                                                  struct MHD_Connection *c,
                                                  struct rk_http_request *r, struct rk_token *t,
                                                  rk_http_result *ret, bool *tried);

/* Forgets the session the last cookie authentication on this thread found. */
void rk_http_session_forget(void);

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
