/*
 * auth.h — who is asking and what they may see (auth.c): the bearer token
 * or the console's session (session.h), the capabilities a route needs,
 * the audit of staff reads, and persons and contracts as the token's role
 * sees them.
 */
#ifndef RK_HTTP_AUTH_H
#define RK_HTTP_AUTH_H

#include "core/view.h"
#include "http/respond.h"
#include "http/service.h"

/* The role of the request's bearer token, or NULL after queueing the answer in *ret. */
const struct rk_role *rk_http_authenticate(struct rk_http_server *s, struct MHD_Connection *c,
                                           struct rk_http_request *r, struct rk_token *t,
                                           rk_http_result *ret);

/* rk_http_authenticate, then the capabilities cap (rk_cap bits, core/view.h) the route needs:
 * NULL after queueing 403 "forbidden" naming the one missing. *caps (when not NULL) gets all
 * the role has, for routes whose answer depends on them. */
const struct rk_role *rk_http_authorize(struct rk_http_server *s, struct MHD_Connection *c,
                                        struct rk_http_request *r, unsigned cap,
                                        struct rk_token *t, unsigned *caps, rk_http_result *ret);

/* Records a staff read in the audit chain through the writer (not awaited);
 * a failure is logged, without personal data, and counted. */
void rk_http_audit(struct rk_http_server *s, const struct rk_token *t, const char *action,
                   const char *person_id, const char *detail);
/* Whether the role is granted a register that declares purpose. */
bool rk_http_role_purpose(const struct rk_decl *d, const struct rk_role *role, const char *purpose);
/* In register reg_id: 1 when the role is granted a category of the kind, 0 when the register
 * declares one but the role is not granted it, -1 when the register declares none (or is not
 * declared). */
int rk_http_role_kind(const struct rk_decl *d, const struct rk_role *role, const char *reg_id,
                      enum rk_category_kind kind);
/* Whether the role is granted a category of the kind in any register. */
bool rk_http_role_kind_any(const struct rk_decl *d, const struct rk_role *role,
                           enum rk_category_kind kind);
/* Whether the role is granted every register with every category (the suppression list's rule). */
bool rk_http_role_all(const struct rk_decl *d, const struct rk_role *role);
/*
 * Persons and contracts as the token's role sees them (core/view.h): every
 * staff route taking a person id, contract id, email or phone goes through
 * these (or passes rk_http_view to the register's *_in reads), so that one
 * outside the role's registers or categories is answered exactly as an
 * unknown one. The table of routes and their verdicts is in
 * docs/ARCHITECTURE.md ("What a role sees").
 */
struct rk_view rk_http_view(const struct rk_http_server *s, const struct rk_role *role);
/* True when the role sees person id; false after the refusal in *no: 404 "no such person"
 * for unknown, malformed and unseen alike (one store read for each), 503. */
bool rk_http_see_person(struct rk_http_server *s, const struct rk_role *role, const char *id,
                        struct rk_http_refusal *no);
/* The contract id into *out when the role sees it (its register and a contract category
 * there); false after the refusal: 404 "no such contract" for unknown and unseen alike, 503. */
bool rk_http_see_contract(struct rk_http_server *s, const struct rk_role *role, const char *id,
                          struct rk_contract *out, struct rk_http_refusal *no);

#endif
