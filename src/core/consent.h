/*
 * consent.h — the consent lifecycle: what each ledger event does to the
 * current state of one person's consent for one purpose.
 *
 * The ledger (store: consent_event) is the truth and is append-only; the
 * current state is a fold of its events through rk_consent_apply(), stored
 * beside it (consent_state) in the same transaction so that audiences need
 * not replay ledgers. rk_consent_effective() adds the one thing a stored
 * state cannot know: that time has passed its expiry.
 */
#ifndef RK_CONSENT_H
#define RK_CONSENT_H

#include "store/store.h"

/*
 * Applies event kind (with its pending flag, at instant at) to *st, given the
 * purpose's declared validity (n == 0: consent does not expire). Returns
 * RK_OK with *st updated, or RK_EREFUSED when the event is not allowed in
 * the current state (see the transition table in consent.c), leaving *st
 * unchanged.
 */
RK_MUST_USE rk_err rk_consent_apply(struct rk_consent_state *st, enum rk_consent_kind kind,
                                    bool pending, rk_ts at, struct rk_duration validity);

/* The status at instant now: a live consent past its expiry is expired. */
enum rk_consent_status rk_consent_effective(const struct rk_consent_state *st, rk_ts now);

const char *rk_consent_status_name(enum rk_consent_status s); /* "live", ... */
const char *rk_consent_kind_name(enum rk_consent_kind k);     /* "given", ... */

#endif
