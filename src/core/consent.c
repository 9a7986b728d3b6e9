/*
 * consent.c — the consent state machine.
 *
 * Design. One state per (person, purpose):
 *
 *   NONE       no consent was ever recorded
 *   PENDING    given through double opt-in, awaiting the confirmation link
 *   LIVE       given (or confirmed); valid until expires_at (if the purpose
 *              declares a validity) or until withdrawn
 *   WITHDRAWN  the person withdrew it
 *   EXPIRED    its validity ran out, or a pending request was never confirmed
 *
 * Invariants:
 *   1. Only LIVE consents count: audiences and checks ask
 *      rk_consent_effective(st, now) == LIVE.
 *   2. since and expires_at are those of the latest confirmation of a LIVE
 *      consent: validity runs from when the consent took effect.
 *   3. Every change of state is caused by exactly one ledger event, and an
 *      event that would not change anything lawful is refused, so the ledger
 *      never holds an event its state machine rejected.
 *   4. WITHDRAWN and EXPIRED are not final: a new "given" starts again.
 *
 * Transitions (rk_consent_apply is the one function that performs them):
 *
 *   state \ event   given        given(pending)      confirmed     withdrawn   expired
 *   NONE            LIVE         PENDING             refused       refused     refused
 *   PENDING         LIVE         PENDING (again)     LIVE          WITHDRAWN   EXPIRED
 *   LIVE            LIVE (renew) LIVE, renewal pend. LIVE (renew)† WITHDRAWN   EXPIRED‡
 *   WITHDRAWN       LIVE         PENDING             refused       refused     refused
 *   EXPIRED         LIVE         PENDING             refused       refused     refused
 *
 *   † only when a renewal is pending; refused otherwise.
 *   ‡ only when at >= expires_at; refused while the consent is still valid.
 */
#include "core/consent.h"

static void make_live(struct rk_consent_state *st, rk_ts at, struct rk_duration validity) {
    st->status = RK_CONSENT_LIVE;
    st->since = at;
    st->expires_at = validity.n ? rk_ts_add(at, validity) : 0;
    st->renewal_pending = false;
}

rk_err rk_consent_apply(struct rk_consent_state *st, enum rk_consent_kind kind, bool pending,
                        rk_ts at, struct rk_duration validity) {
    enum rk_consent_status s = st->status;
    switch (kind) {
    case RK_CE_GIVEN:
        if (!pending) {
            make_live(st, at, validity);
        } else if (s == RK_CONSENT_LIVE) {
            st->renewal_pending = true;
        } else {
            st->status = RK_CONSENT_PENDING;
            st->since = at;
            st->expires_at = 0;
        }
        return RK_OK;
    case RK_CE_CONFIRMED:
        if (s == RK_CONSENT_PENDING || (s == RK_CONSENT_LIVE && st->renewal_pending)) {
            make_live(st, at, validity);
            return RK_OK;
        }
        return RK_EREFUSED;
    case RK_CE_WITHDRAWN:
        if (s != RK_CONSENT_PENDING && s != RK_CONSENT_LIVE)
            return RK_EREFUSED;
        st->status = RK_CONSENT_WITHDRAWN;
        st->renewal_pending = false;
        return RK_OK;
    case RK_CE_EXPIRED:
        if (s == RK_CONSENT_PENDING ||
            (s == RK_CONSENT_LIVE && st->expires_at && at >= st->expires_at)) {
            st->status = RK_CONSENT_EXPIRED;
            st->renewal_pending = false;
            return RK_OK;
        }
        return RK_EREFUSED;
    }
    return RK_EREFUSED;
}

enum rk_consent_status rk_consent_effective(const struct rk_consent_state *st, rk_ts now) {
    if (st->status == RK_CONSENT_LIVE && st->expires_at && now >= st->expires_at)
        return RK_CONSENT_EXPIRED;
    return st->status;
}

const char *rk_consent_status_name(enum rk_consent_status s) {
    static const char *const names[] = {"none", "pending", "live", "withdrawn", "expired"};
    return (unsigned)s < 5 ? names[s] : "?";
}

const char *rk_consent_kind_name(enum rk_consent_kind k) {
    static const char *const names[] = {"given", "confirmed", "withdrawn", "expired"};
    return (unsigned)k < 4 ? names[k] : "?";
}
