/*
 * notify.h — art 19: telling recipients. Every rectification, erasure and
 * restriction of a person's data queues a notice for each declared recipient
 * of each register that holds the person, in the same transaction as the
 * change, to be delivered by the recipient's connector.
 */
#ifndef RK_NOTIFY_H
#define RK_NOTIFY_H

#include "core/register.h"

/*
 * Queues kind for every recipient declared for a register holding person_id
 * now, and every recipient the person's data was disclosed to and that still
 * holds it (core/disclose.h; call it before an erasure deletes the entries), with the person's
 * email as the identity the recipient knows, sealed to the notice's row under
 * the notice subkey (keys/seal.h). request_id may be NULL. Runs in
 * reg's batch, or in its own transaction; *count gets the notices queued.
 */
RK_MUST_USE rk_err rk_notify_recipients(struct rk_reg *reg, const char *person_id,
                                        enum rk_notice_kind kind, const char *request_id, rk_ts at,
                                        int *count);

/* As rk_notify_recipients, telling only the recipients of register_id (NULL: of every
 * register holding the person): the retention sweep erases one register at a time. */
RK_MUST_USE rk_err rk_notify_recipients_in(struct rk_reg *reg, const char *person_id,
                                           const char *register_id, enum rk_notice_kind kind,
                                           const char *request_id, rk_ts at, int *count);

/*
 * The recipients rk_notify_recipients_in would tell now, without queueing anything (the
 * erasure preview): the declared recipients of register_id (NULL: of every register holding
 * person_id), each once, in declaration order, at most max of them into out; *n gets how
 * many. Errors only from the store.
 */
RK_MUST_USE rk_err rk_notify_who(struct rk_reg *reg, const char *person_id, const char *register_id,
                                 const struct rk_recipient **out, size_t max, size_t *n);

/*
 * A failed notice (id) queued again, due at at, for staff who fixed the cause (the
 * console's retry). Its identity was wiped when it failed, so it is sealed again from what
 * is held of the person now: RK_EREFUSED (msg) when the person is no longer held — an
 * erasure notice whose person is gone — since the recipient could not be told whom it is
 * about; tell them by hand. RK_ENOENT when no failed notice has the id. Runs in reg's
 * batch or its own transaction; audited as notice.retry (the notice id only).
 */
RK_MUST_USE rk_err rk_notify_retry(struct rk_reg *reg, int64_t id, rk_ts at, struct rk_error *msg);

#endif
