/*
 * hooks.c — inbound webhooks from recipients: Mailchimp's audience webhook at
 * /hooks/mailchimp/{secret}. The secret path segment is compared, in constant
 * time and against every declared Mailchimp list whatever the outcome, with
 * the value of each list's secret_env; a wrong one is 404 like any unknown
 * path. The body is interpreted by the pure parser rk_mailchimp_parse
 * (connect/mailchimp.c, fuzzed); the writes go through the writer, as actor
 * "mailchimp" with channel and provenance detail "mailchimp":
 * unsubscribe and cleaned withdraw the list's consent purpose, upemail
 * changes the email and profile the name in the recipient's registers that
 * hold the person. Nothing of the body reaches logs or errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "core/contact_input.h"
#include "core/disclose.h"
#include "connect/connect.h"
#include "base/contact.h"
#include "base/time.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/service.h"

#define MAX_PERSONS 8 /* persons sharing one email across registers */

/* The recipient whose Mailchimp secret is secret, or NULL; every list is compared. */
static const struct rk_recipient *by_secret(const struct rk_decl *d, const char *secret) {
    unsigned char want[crypto_generichash_BYTES], got[crypto_generichash_BYTES];
    crypto_generichash(got, sizeof got, (const unsigned char *)secret, strlen(secret), NULL, 0);
    const struct rk_recipient *found = NULL;
    for (size_t i = 0; i < d->nrecipients; i++) {
        const struct rk_recipient *r = &d->recipients[i];
        if (!r->mailchimp.declared)
            continue;
        const char *v = getenv(r->mailchimp.secret_env);
        if (!v || strlen(v) < 16)
            continue; /* unset or too short to guard anything: never matches */
        crypto_generichash(want, sizeof want, (const unsigned char *)v, strlen(v), NULL, 0);
        if (sodium_memcmp(want, got, sizeof want) == 0 && !found)
            found = r;
    }
    return found;
}

/* The persons holding the address, and whether each is in one of the recipient's registers:
 * the answer counts only those, so that it says nothing of registers Mailchimp is not given. */
struct persons {
    const struct rk_recipient *r;
    char id[MAX_PERSONS][RK_ID_LEN + 1];
    bool seen[MAX_PERSONS];
    int n;
};

static bool recipient_has(const struct rk_recipient *r, const char *register_id) {
    for (size_t i = 0; i < r->nregisters; i++)
        if (strcmp(r->registers[i]->id, register_id) == 0)
            return true;
    return false;
}

static int take_person(void *ctx, const struct rk_entry *e) {
    struct persons *p = ctx;
    int i = 0;
    while (i < p->n && strcmp(p->id[i], e->person_id) != 0)
        i++;
    if (i == p->n) {
        if (p->n == MAX_PERSONS)
            return 0;
        snprintf(p->id[p->n++], sizeof p->id[0], "%s", e->person_id);
        p->seen[i] = false;
    }
    p->seen[i] |= recipient_has(p->r, e->register_id);
    return 0;
}

struct hook_job {
    const struct rk_recipient *r;
    const struct rk_mailchimp_event *ev;
    const char *email;     /* normalised: the address the person is found by */
    const char *new_email; /* normalised: upemail */
    const char *name;      /* profile: "FNAME LNAME" or NULL */
    int persons, changed;  /* in the recipient's registers: the answer */
    int withdrawn;         /* consents withdrawn, wherever the person is held: the metric */
};

/* Writes c to the person's entry in every register of the recipient declaring the purpose. */
static rk_err update_person(struct rk_reg *reg, struct hook_job *j, const char *pid,
                            const struct rk_contact *c) {
    for (size_t i = 0; i < j->r->nregisters; i++) {
        const struct rk_register *rg = j->r->registers[i];
        if (!rk_register_has_purpose(rg, j->r->mailchimp.purpose))
            continue;
        struct rk_write w = {.register_id = rg->id,
                             .purpose = j->r->mailchimp.purpose->id,
                             .source = RK_SRC_WEB_FORM,
                             .source_detail = "mailchimp",
                             .at = rk_time_now()};
        struct rk_error msg;
        memset(&msg, 0, sizeof msg);
        rk_err err = rk_reg_person_update(reg, &w, pid, c, &msg);
        if (err == RK_OK)
            j->changed++;
        else if (err != RK_ENOENT && err != RK_EREFUSED && err != RK_ECONFLICT && err != RK_EINVAL)
            return err; /* storage: the group fails and Mailchimp retries */
    }
    return RK_OK;
}

static rk_err run_hook(struct rk_reg *reg, void *ctx) {
    struct hook_job *j = ctx;
    rk_reg_set_actor(reg, "mailchimp");
    unsigned char h[RK_HASH_LEN];
    rk_keys_hash(rk_reg_keys(reg), RK_F_EMAIL, j->email, h);
    struct persons ps = {.r = j->r, .n = 0};
    rk_err err = rk_store_entries_by_hash(rk_reg_store(reg), h, take_person, &ps);
    if (err != RK_OK)
        return err;
    for (int i = 0; i < ps.n; i++)
        j->persons += ps.seen[i];
    for (int i = 0; i < ps.n && err == RK_OK; i++) {
        const char *pid = ps.id[i];
        struct rk_contact c;
        memset(&c, 0, sizeof c);
        switch (j->ev->type) {
        case RK_MC_UNSUBSCRIBE:
        case RK_MC_CLEANED: {
            struct rk_consent_input in = {.channel = "mailchimp",
                                          .evidence = j->ev->type == RK_MC_CLEANED
                                                          ? "mailchimp:cleaned"
                                                          : "mailchimp:unsubscribe",
                                          .at = rk_time_now()};
            struct rk_error msg;
            memset(&msg, 0, sizeof msg);
            /* The person's withdrawal holds for every entry of the address, but only those in
             * the recipient's registers are counted in the answer. */
            err = rk_reg_consent(reg, pid, j->r->mailchimp.purpose->id, RK_CE_WITHDRAWN, &in, &msg);
            if (err == RK_OK) {
                j->withdrawn++;
                j->changed += ps.seen[i];
            } else if (err == RK_EREFUSED || err == RK_ENOENT || err == RK_EINVAL) {
                err = RK_OK; /* already withdrawn, or nothing to withdraw */
            }
            /* Mailchimp holds the member unsubscribed already: the sync must not send it back
             * (core/disclose.h). */
            if (err == RK_OK)
                err = rk_disclose_heard(reg, j->r, pid, RK_HELD_INACTIVE, in.at);
            break;
        }
        case RK_MC_UPEMAIL:
            c.v[RK_F_EMAIL] = j->new_email;
            err = update_person(reg, j, pid, &c);
            /* Mailchimp holds the new values already: not sent back (core/disclose.h) */
            if (err == RK_OK)
                err = rk_disclose_heard(reg, j->r, pid, RK_HELD_ACTIVE, rk_time_now());
            break;
        case RK_MC_PROFILE:
            c.v[RK_F_NAME] = j->name;
            if (j->name)
                err = update_person(reg, j, pid, &c);
            if (j->name && err == RK_OK)
                err = rk_disclose_heard(reg, j->r, pid, RK_HELD_ACTIVE, rk_time_now());
            break;
        case RK_MC_OTHER: break;
        }
    }
    return err;
}

static rk_http_result hook_answer(struct MHD_Connection *c, struct rk_http_request *r,
                                  const char *result, int persons, int changed) {
    char body[160];
    int n = snprintf(body, sizeof body, "{\"result\":\"%s\",\"persons\":%d,\"changed\":%d}\n",
                     result, persons, changed);
    return rk_http_respond(c, r, 200, "application/json", body, (size_t)n, MHD_RESPMEM_MUST_COPY);
}

/* Mailchimp checks a webhook URL with a GET when it is saved: 200 for a right secret. */
RK_HTTP_HANDLER(rk_http_get_mailchimp_hook) {
    if (!by_secret(s->decl, r->param[0]))
        return rk_http_error(c, r, 404, "not_found", "no such page");
    return hook_answer(c, r, "ok", 0, 0);
}

RK_HTTP_HANDLER(rk_http_post_mailchimp_hook) {
    const struct rk_recipient *rc = by_secret(s->decl, r->param[0]);
    if (!rc)
        return rk_http_error(c, r, 404, "not_found", "no such page");
    if (!s->writer)
        return rk_http_error(c, r, 503, "unavailable", "the service has no database");
    struct rk_mailchimp_event *ev = calloc(1, sizeof *ev);
    if (!ev)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    struct rk_error why = RK_ERROR_INIT;
    rk_http_result ret;
    struct rk_contact_input *in = NULL; /* [0]: the address and the name; [1]: the new one */
    if (rk_mailchimp_parse(r->body.data ? r->body.data : "", r->body.len, ev, &why) != RK_OK) {
        ret = rk_http_error(c, r, 400, "bad_request", why.message);
        goto out;
    }
    if (strcmp(ev->list_id, rc->mailchimp.list_id) != 0) {
        ret = rk_http_error(c, r, 400, "unknown_list",
                            "data[list_id] is not the Mailchimp list declared for this webhook");
        goto out;
    }
    if (ev->type == RK_MC_OTHER) {
        ret = hook_answer(c, r, "ignored", 0, 0);
        goto out;
    }
    in = calloc(2, sizeof *in);
    if (!in) {
        ret = rk_http_error(c, r, 500, "internal", "out of memory");
        goto out;
    }
    const char *raw = ev->type == RK_MC_UPEMAIL ? ev->old_email : ev->email;
    if (rk_contact_input_add(&in[0], RK_F_EMAIL, raw) != RK_OK) {
        ret = rk_http_error(c, r, 400, "bad_request",
                            ev->type == RK_MC_UPEMAIL ? "data[old_email] is not an email address"
                                                      : "data[email] is not an email address");
        goto out;
    }
    if (ev->type == RK_MC_UPEMAIL &&
        rk_contact_input_add(&in[1], RK_F_EMAIL, ev->new_email) != RK_OK) {
        ret = rk_http_error(c, r, 400, "bad_request", "data[new_email] is not an email address");
        goto out;
    }
    const char *name_value = NULL;
    if (ev->type == RK_MC_PROFILE && (ev->fname[0] || ev->lname[0])) {
        char joined[2 * RK_MC_VALUE_MAX + 2];
        snprintf(joined, sizeof joined, "%s%s%s", ev->fname,
                 ev->fname[0] && ev->lname[0] ? " " : "", ev->lname);
        if (rk_contact_input_add(&in[0], RK_F_NAME, joined) != RK_OK) {
            char msg[320];
            snprintf(msg, sizeof msg,
                     "data[merges][FNAME] and [LNAME] do not make a valid name: %s",
                     rk_error_msg(&in[0].error));
            ret = rk_http_error(c, r, 400, "bad_request", msg);
            goto out;
        }
        name_value = in[0].c.v[RK_F_NAME];
    }
    struct hook_job j = {.r = rc,
                         .ev = ev,
                         .email = in[0].c.v[RK_F_EMAIL],
                         .new_email = ev->type == RK_MC_UPEMAIL ? in[1].c.v[RK_F_EMAIL] : NULL,
                         .name = name_value};
    if (rk_writer_run(s->writer, run_hook, &j) != RK_OK) {
        ret = rk_http_error(c, r, 503, "unavailable", "the change could not be recorded now");
        goto out;
    }
    if (j.withdrawn)
        atomic_fetch_add(&s->metrics.consents_withdrawn, (unsigned long)j.withdrawn);
    ret = hook_answer(c, r, "ok", j.persons, j.changed);
out:
    if (in)
        sodium_memzero(in, 2 * sizeof *in);
    free(in);
    sodium_memzero(ev, sizeof *ev);
    free(ev);
    return ret;
}
