/*
 * notify.c — queues art 19 notices (see notify.h): the registers holding
 * the person are read first, then one notice per recipient of any of them
 * (a recipient of two registers is told once), and, unless one register is
 * named, per recipient the person's data was actually disclosed to
 * (core/disclose.h) though no register of it holds the person any more. The identity a notice
 * carries is sealed to its row under the notice subkey (keys/seal.h) in the same transaction, never
 * written in the clear; only the deliverer opens it.
 */
#include "core/notify.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/audit.h"
#include "core/reg_impl.h"
#include "keys/seal.h"

#define MAX_REGS 32

struct held {
    char regs[MAX_REGS][RK_DECL_ID_MAX + 1];
    size_t n;
    char disclosed[MAX_REGS][RK_DECL_ID_MAX + 1]; /* recipients holding the person's data */
    size_t ndisclosed;
    char email[RK_EMAIL_MAX + 1];
    const char *only; /* a register id, or NULL for all */
};

static int take(void *ctx, const struct rk_entry *e) {
    struct held *h = ctx;
    if (h->n < MAX_REGS && (!h->only || strcmp(h->only, e->register_id) == 0))
        snprintf(h->regs[h->n++], sizeof h->regs[0], "%s", e->register_id);
    if (!h->email[0] && e->v[RK_F_EMAIL])
        snprintf(h->email, sizeof h->email, "%s", e->v[RK_F_EMAIL]);
    return 0;
}

/* Seals email to notice n (its id, recipient and person) and stores it on the row. */
static rk_err seal_identity(struct rk_reg *reg, const struct rk_recipient_notice *n,
                            const char *email) {
    struct rk_seal_ad ad;
    unsigned char *v = NULL;
    size_t len = 0;
    rk_seal_ad_notice(n->id, n->recipient, n->person_id, &ad);
    rk_err err = rk_seal(reg->keys.notice, &ad, email, strlen(email), &v, &len);
    if (err == RK_OK)
        err = rk_store_sealed_set(reg->store, RK_SEALED_NOTICE, n->id, v, len);
    free(v);
    return err;
}

static int take_disclosed(void *ctx, const struct rk_disclosure *d) {
    struct held *h = ctx;
    if (h->ndisclosed < MAX_REGS && d->held != RK_HELD_NONE)
        snprintf(h->disclosed[h->ndisclosed++], sizeof h->disclosed[0], "%s", d->recipient);
    return 0;
}

static bool receives(const struct rk_recipient *r, const struct held *h) {
    for (size_t i = 0; i < h->ndisclosed; i++)
        if (strcmp(r->id, h->disclosed[i]) == 0)
            return true;
    for (size_t i = 0; i < r->nregisters; i++)
        for (size_t j = 0; j < h->n; j++)
            if (strcmp(r->registers[i]->id, h->regs[j]) == 0)
                return true;
    return false;
}

/* The registers holding the person (only register_id when given) into h, and without
 * register_id the recipients the person's data was disclosed to. */
static rk_err holding(struct rk_reg *reg, const char *person_id, const char *register_id,
                      struct held *h) {
    h->only = register_id;
    rk_err err = rk_store_entries_of_person(reg->store, person_id, take, h);
    if (err == RK_OK && !register_id)
        err = rk_store_disclosures_of_person(reg->store, person_id, take_disclosed, h);
    return err;
}

rk_err rk_notify_who(struct rk_reg *reg, const char *person_id, const char *register_id,
                     const struct rk_recipient **out, size_t max, size_t *n) {
    *n = 0;
    struct held *h = calloc(1, sizeof *h);
    if (!h)
        return RK_ENOMEM;
    rk_err err = holding(reg, person_id, register_id, h);
    for (size_t i = 0; err == RK_OK && i < reg->decl->nrecipients && *n < max; i++)
        if (receives(&reg->decl->recipients[i], h))
            out[(*n)++] = &reg->decl->recipients[i];
    sodium_memzero(h, sizeof *h);
    free(h);
    return err;
}

rk_err rk_notify_recipients(struct rk_reg *reg, const char *person_id, enum rk_notice_kind kind,
                            const char *request_id, rk_ts at, int *count) {
    return rk_notify_recipients_in(reg, person_id, NULL, kind, request_id, at, count);
}

rk_err rk_notify_recipients_in(struct rk_reg *reg, const char *person_id, const char *register_id,
                               enum rk_notice_kind kind, const char *request_id, rk_ts at,
                               int *count) {
    *count = 0;
    struct held *h = calloc(1, sizeof *h);
    if (!h)
        return RK_ENOMEM;
    rk_err err = holding(reg, person_id, register_id, h);
    struct rk_work tx = {.own = false}; /* nothing begun while the read failed */
    if (err == RK_OK)
        err = rk_reg_work_begin(reg, &tx);
    for (size_t i = 0; err == RK_OK && i < reg->decl->nrecipients; i++) {
        const struct rk_recipient *r = &reg->decl->recipients[i];
        if (!receives(r, h))
            continue;
        struct rk_recipient_notice n = {.recipient = r->id,
                                        .person_id = person_id,
                                        .kind = kind,
                                        .request_id = request_id,
                                        .created_at = at};
        err = rk_store_recipient_notice_add(reg->store, &n);
        if (err == RK_OK && h->email[0])
            err = seal_identity(reg, &n, h->email);
        if (err == RK_OK)
            (*count)++;
    }
    err = rk_reg_work_end(reg, &tx, err);
    sodium_memzero(h, sizeof *h);
    free(h);
    return err;
}

/* ---- Retry (the console) ---------------------------------------------------------------- */

struct notice_copy {
    bool found, failed;
    char recipient[RK_DECL_ID_MAX + 1];
    char person_id[RK_ID_LEN + 1];
    char request_id[RK_ID_LEN + 1];
    enum rk_notice_kind kind;
    rk_ts created_at;
};

static int copy_notice(void *ctx, const struct rk_notice_row *n) {
    struct notice_copy *c = ctx;
    c->found = true;
    c->failed = n->state == RK_NOTICE_FAILED;
    snprintf(c->recipient, sizeof c->recipient, "%s", n->recipient ? n->recipient : "");
    snprintf(c->person_id, sizeof c->person_id, "%s", n->person_id ? n->person_id : "");
    snprintf(c->request_id, sizeof c->request_id, "%s", n->request_id ? n->request_id : "");
    c->kind = n->kind;
    c->created_at = n->created_at;
    return 1;
}

rk_err rk_notify_retry(struct rk_reg *reg, int64_t id, rk_ts at, struct rk_error *msg) {
    msg->message[0] = '\0';
    struct notice_copy c = {.found = false};
    struct held *h = calloc(1, sizeof *h);
    if (!h)
        return RK_ENOMEM;
    struct rk_work tx = {.own = false};
    rk_err err = rk_reg_work_begin(reg, &tx);
    if (err == RK_OK)
        err = rk_store_recipient_notice_get(reg->store, id, copy_notice, &c);
    if (err == RK_OK && !c.failed)
        err = RK_ENOENT;
    if (err == RK_OK)
        err = holding(reg, c.person_id, NULL, h);
    if (err == RK_OK && h->n == 0) {
        err = rk_error_set(
            msg, RK_EREFUSED, NULL,
            "notice %lld cannot be sent again: the person is no longer held (erased), so "
            "the recipient could not be told whom it is about; tell them by hand",
            (long long)id);
    }
    if (err == RK_OK)
        err = rk_store_recipient_notice_requeue(reg->store, id, at);
    if (err == RK_OK && h->email[0]) {
        struct rk_recipient_notice n = {.id = id,
                                        .recipient = c.recipient,
                                        .person_id = c.person_id,
                                        .kind = c.kind,
                                        .request_id = c.request_id[0] ? c.request_id : NULL,
                                        .created_at = c.created_at};
        err = seal_identity(reg, &n, h->email);
    }
    if (err == RK_OK) {
        char detail[32];
        snprintf(detail, sizeof detail, "notice %lld", (long long)id);
        err = rk_audit_append(reg->store, &reg->keys, at, reg->actor, "notice.retry", c.person_id,
                              detail);
    }
    err = rk_reg_work_end(reg, &tx, err);
    if (err == RK_ENOENT)
        err = rk_error_set(msg, err, NULL, "no failed notice with id %lld", (long long)id);
    sodium_memzero(h, sizeof *h);
    free(h);
    return err;
}
