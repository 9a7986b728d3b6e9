/*
 * outbox.c — queueing a message: the one function callers use to send mail.
 * It checks the message as composing will (so a malformed message never
 * enters the outbox), gives it its stable random message id, and appends it
 * inside the caller's transaction; the sender (sender.c) delivers it after
 * the commit.
 */
#include <stdio.h>
#include <string.h>

#include "core/id.h"
#include "mail/mail.h"

rk_err rk_mail_enqueue(struct rk_store *s, const struct rk_outbox_msg *m, char *why, size_t whysz,
                       int64_t *id) {
    rk_err err = rk_mail_check(m, why, whysz);
    if (err != RK_OK)
        return err;
    if (m->person_id && !rk_id_valid(m->person_id)) {
        snprintf(why, whysz, "person: not a person id");
        return RK_EINVAL;
    }
    char mid[RK_ID_LEN + 1];
    rk_id_new(mid);
    struct rk_outbox_msg q = *m;
    q.message_id = mid;
    q.created_at = rk_time_now();
    q.next_attempt_at = q.created_at;
    q.attempts = 0;
    q.state = RK_OUTBOX_QUEUED;
    q.last_error = NULL;
    err = rk_store_outbox_enqueue(s, &q, id);
    if (err != RK_OK)
        snprintf(why, whysz, "cannot queue the message: %s", rk_store_last_error());
    return err;
}
