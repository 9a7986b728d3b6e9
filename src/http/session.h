/*
 * session.h — the console's session cookie as a way to authenticate
 * (rk_http_authenticate's path for a request without an Authorization
 * header). Defined with the sign-in pages in api_staff.c; declared apart so
 * that auth.c, which every handler uses, need not include the handlers of
 * api_staff.h.
 */
#ifndef RK_HTTP_SESSION_H
#define RK_HTTP_SESSION_H

#include "http/service.h"

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

#endif
