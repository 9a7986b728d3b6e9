/*
 * outbox.c — queueing a message: the one function callers use to send mail.
 * It checks the message as composing will (so a malformed message never
 * enters the outbox), gives it its stable random message id, and appends it
 * inside the caller's transaction; the sender (sender.c) delivers it after
 * the commit. The content (address, subject, body, unsubscribe URL) is sealed
 * to its row under the outbox subkey (keys/seal.h) before it reaches the
 * store; rk_mail_open, which only the sender calls, opens it again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/id.h"
#include "keys/seal.h"
#include "mail/mail.h"

/* The sealed plaintext (the layout migration 0014 writes too): recipient NUL subject NUL
 * body NUL list_unsubscribe ("" for none). */
static char *pack(const struct rk_outbox_msg *m, size_t *len) {
    const char *f[4] = {m->recipient, m->subject, m->body,
                        m->list_unsubscribe ? m->list_unsubscribe : ""};
    size_t n[4], total = 3;
    for (int i = 0; i < 4; i++)
        total += n[i] = strlen(f[i]);
    char *p = malloc(total + 1), *w = p;
    if (!p)
        return NULL;
    for (int i = 0; i < 4; i++) {
        memcpy(w, f[i], n[i]);
        w += n[i];
        *w++ = '\0'; /* the last one ends the buffer */
    }
    *len = total;
    return p;
}

rk_err rk_mail_enqueue(struct rk_store *s, const struct rk_outbox_msg *m, struct rk_error *e,
                       int64_t *id) {
    rk_err err = rk_mail_check(m, e);
    if (err != RK_OK)
        return err;
    if (m->person_id && !rk_id_valid(m->person_id))
        return rk_error_set(e, RK_EINVAL, "person", "person: not a person id");
    if (!s->mail_keyed)
        return rk_error_set(e, RK_EINVAL, NULL,
                            "no key to seal the message under (the store was not given one)");
    char mid[RK_ID_LEN + 1];
    rk_id_new(mid);
    struct rk_outbox_msg q = *m;
    q.message_id = mid;
    q.created_at = rk_time_now();
    q.next_attempt_at = q.created_at;
    q.attempts = 0;
    q.state = RK_OUTBOX_QUEUED;
    q.last_error = NULL;
    int64_t row = 0;
    size_t plen = 0, vlen = 0;
    unsigned char *v = NULL;
    char *plain = pack(m, &plen);
    struct rk_seal_ad ad;
    err = plain ? rk_store_outbox_enqueue(s, &q, &row) : RK_ENOMEM;
    if (err == RK_OK) {
        rk_seal_ad_outbox(row, mid, &ad);
        err = rk_seal(s->mail_key, &ad, plain, plen, &v, &vlen);
    }
    if (err == RK_OK)
        err = rk_store_sealed_set(s, RK_SEALED_OUTBOX, row, v, vlen);
    if (plain)
        sodium_memzero(plain, plen);
    free(plain);
    free(v);
    if (err != RK_OK)
        err = rk_error_set(e, err, NULL, "cannot queue the message: %s",
                           err == RK_ENOMEM ? rk_err_str(err) : rk_store_errmsg(s));
    else if (id)
        *id = row;
    return err;
}

rk_err rk_mail_open(const unsigned char key[RK_KEY_LEN], const struct rk_outbox_msg *m,
                    char **plain, size_t *plain_len, struct rk_mail_content *out) {
    struct rk_seal_ad ad;
    char *p = NULL;
    size_t n = 0;
    rk_seal_ad_outbox(m->id, m->message_id, &ad);
    rk_err err = rk_seal_open(key, &ad, m->sealed, m->sealed_len, &p, &n);
    if (err != RK_OK)
        return err;
    const char *f[4];
    size_t at = 0;
    for (int i = 0; i < 4; i++) { /* four fields, each ended by a NUL (the last by the buffer's) */
        if (at > n) {
            rk_seal_free(p, n);
            return RK_EPARSE;
        }
        f[i] = p + at;
        at += strlen(p + at) + 1;
    }
    if (at != n + 1) {
        rk_seal_free(p, n);
        return RK_EPARSE;
    }
    *out = (struct rk_mail_content){.recipient = f[0],
                                    .subject = f[1],
                                    .body = f[2],
                                    .list_unsubscribe = f[3][0] ? f[3] : NULL};
    *plain = p;
    *plain_len = n;
    return RK_OK;
}
