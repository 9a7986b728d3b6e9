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
 * now (call it before an erasure deletes the entries), with the person's
 * email as the identity the recipient knows, sealed to the notice's row under
 * the notice subkey (core/seal.h). request_id may be NULL. Runs in
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

#endif
