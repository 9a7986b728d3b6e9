/*
 * client.c — the recipient client interface (client.h): choosing the
 * implementation by the connector's type, and the calls through its table.
 */
#include "connect/client.h"

#include <stdio.h>
#include <string.h>

static const char *const held_names[RK_HELD__COUNT] = {"none", "active", "restricted", "inactive"};

const char *rk_held_name(enum rk_held h) {
    return (unsigned)h < RK_HELD__COUNT ? held_names[h] : "";
}

bool rk_held_parse(const char *s, enum rk_held *out) {
    for (int i = 0; s && i < RK_HELD__COUNT; i++)
        if (strcmp(s, held_names[i]) == 0) {
            *out = (enum rk_held)i;
            return true;
        }
    return false;
}

bool rk_client_speaks(const struct rk_recipient *r) {
    return r && (r->connector.type == RK_CONNECTOR_MAILCHIMP ||
                 r->connector.type == RK_CONNECTOR_SALESFORCE);
}

rk_err rk_client_open(const struct rk_recipient *r, struct rk_client **out, struct rk_error *e) {
    *out = NULL;
    if (r && r->connector.type == RK_CONNECTOR_MAILCHIMP)
        return rk_mc_client_open(r, out, e);
    if (r && r->connector.type == RK_CONNECTOR_SALESFORCE)
        return rk_sf_client_open(r, out, e);
    return rk_error_set(e, RK_EINVAL, "connector",
                        "recipient '%s' has no mailchimp or salesforce connector", r ? r->id : "");
}

void rk_client_close(struct rk_client *c) {
    if (c)
        c->ops->close(c);
}

rk_err rk_client_put(struct rk_client *c, const struct rk_client_put *p,
                     struct rk_client_result *r) {
    memset(r, 0, sizeof *r);
    return c->ops->put(c, p, r);
}

rk_err rk_client_put_many(struct rk_client *c, const struct rk_client_put *p, size_t n,
                          struct rk_client_result *r, rk_client_progress_fn progress, void *ctx) {
    memset(r, 0, n * sizeof *r);
    return c->ops->put_many(c, p, n, r, progress, ctx);
}

rk_err rk_client_erase(struct rk_client *c, const char *person_id, const char *email,
                       struct rk_client_result *r) {
    memset(r, 0, sizeof *r);
    return c->ops->erase(c, person_id, email, r);
}

bool rk_client_remote(const struct rk_client *c, const struct rk_client_put *p,
                      char out[RK_CLIENT_REMOTE_MAX + 1]) {
    out[0] = '\0';
    return c->ops->remote && c->ops->remote(c, p, out);
}

bool rk_client_links(const struct rk_client *c) { return c && c->ops->link; }

rk_err rk_client_link(struct rk_client *c, const char *remote, const char *person_id,
                      struct rk_client_result *r) {
    memset(r, 0, sizeof *r);
    if (!rk_client_links(c)) {
        r->outcome = RK_CONNECT_PERMANENT;
        snprintf(r->error, sizeof r->error, "this connector type does not link");
        return RK_EINVAL;
    }
    return c->ops->link(c, remote, person_id, r);
}

rk_err rk_client_pull(struct rk_client *c, rk_client_pull_fn fn, void *ctx, struct rk_error *e) {
    return c->ops->pull(c, fn, ctx, e);
}
