/*
 * mailchimp.c — what a Mailchimp audience webhook says, as a pure function
 * over the urlencoded body (util/form.h does the decoding): the event type,
 * the list, and the addresses or names it carries. The HTTP handler
 * (http/hooks.c) decides what to do with it; fuzz/fuzz_mailchimp.c feeds it
 * arbitrary bodies.
 */
#include <stdio.h>
#include <string.h>

#include "connect/connect.h"
#include "util/form.h"

struct parse {
    struct rk_mailchimp_event *ev;
    bool has_type, has_list, has_email, has_old, has_new;
    const char *bad; /* a field too long */
};

static int put(char *dst, size_t n, const char *v, bool *has, struct parse *p, const char *name) {
    if (strlen(v) >= n) {
        p->bad = name;
        return 1;
    }
    memcpy(dst, v, strlen(v) + 1);
    *has = true;
    return 0;
}

static int field(void *ctx, const char *name, const char *value) {
    struct parse *p = ctx;
    struct rk_mailchimp_event *ev = p->ev;
    bool ignored = false;
    if (strcmp(name, "type") == 0) {
        static const char *const types[] = {"unsubscribe", "cleaned", "upemail", "profile"};
        ev->type = RK_MC_OTHER;
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (strcmp(value, types[i]) == 0)
                ev->type = (enum rk_mailchimp_type)i;
        p->has_type = true;
        return 0;
    }
    if (strcmp(name, "data[list_id]") == 0)
        return put(ev->list_id, sizeof ev->list_id, value, &p->has_list, p, "data[list_id]");
    if (strcmp(name, "data[email]") == 0)
        return put(ev->email, sizeof ev->email, value, &p->has_email, p, "data[email]");
    if (strcmp(name, "data[old_email]") == 0)
        return put(ev->old_email, sizeof ev->old_email, value, &p->has_old, p, "data[old_email]");
    if (strcmp(name, "data[new_email]") == 0)
        return put(ev->new_email, sizeof ev->new_email, value, &p->has_new, p, "data[new_email]");
    if (strcmp(name, "data[merges][FNAME]") == 0)
        return put(ev->fname, sizeof ev->fname, value, &ignored, p, "data[merges][FNAME]");
    if (strcmp(name, "data[merges][LNAME]") == 0)
        return put(ev->lname, sizeof ev->lname, value, &ignored, p, "data[merges][LNAME]");
    return 0; /* fired_at, data[id], data[merges][EMAIL], data[reason], ...: not needed */
}

rk_err rk_mailchimp_parse(const char *body, size_t len, struct rk_mailchimp_event *out,
                          struct rk_error *e) {
    memset(out, 0, sizeof *out);
    out->type = RK_MC_OTHER;
    struct parse p = {.ev = out};
    rk_err err = rk_form_parse(body, len, field, &p, e);
    if (err == RK_EREFUSED)
        return rk_error_set(e, RK_EPARSE, p.bad, "%s is longer than %d bytes",
                            p.bad ? p.bad : "a field", RK_MC_VALUE_MAX);
    if (err != RK_OK)
        return err == RK_ENOMEM ? err : RK_EPARSE;
    const char *missing = !p.has_type   ? "type"
                          : !p.has_list ? "data[list_id]"
                          : (out->type == RK_MC_UNSUBSCRIBE || out->type == RK_MC_CLEANED ||
                             out->type == RK_MC_PROFILE) &&
                                  !p.has_email
                              ? "data[email]"
                          : out->type == RK_MC_UPEMAIL && !p.has_old ? "data[old_email]"
                          : out->type == RK_MC_UPEMAIL && !p.has_new ? "data[new_email]"
                                                                     : NULL;
    if (missing) {
        return rk_error_set(e, RK_EPARSE, missing, "the Mailchimp webhook body has no %s", missing);
    }
    return RK_OK;
}
