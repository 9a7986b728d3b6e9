/*
 * links.h — signed, expiring links for data subjects: one-click unsubscribe,
 * double opt-in confirmation, the preferences page, the consent receipt and
 * the identity verification of a data-subject request. A link token carries its
 * kind, the person's pseudonymous id, the purpose and an expiry, and an
 * HMAC (libsodium crypto_auth, under a subkey of the register's key), so it
 * cannot be forged or altered and names no personal data. Tokens are URL-safe.
 */
#ifndef RK_LINKS_H
#define RK_LINKS_H

#include "keys/keys.h"

#define RK_LINK_MAX 200 /* longest token, with its NUL */

enum rk_link_kind {
    RK_LINK_UNSUBSCRIBE = 'u', /* /u/TOKEN: withdraw the consent for purpose */
    RK_LINK_CONFIRM = 'c',     /* /confirm/TOKEN: double opt-in for purpose */
    RK_LINK_PREFERENCES = 'p', /* /preferences/TOKEN: every consent purpose; purpose "*" */
    RK_LINK_VERIFY = 'v',      /* /requests/verify/TOKEN: email_code identity verification of the
                                  data-subject request whose id is in purpose */
    RK_LINK_STATUS = 's',      /* /requests/status/TOKEN: the request's status page; purpose: the
                                  request id; person id RK_ANSWER_NOBODY when unmatched */
    RK_LINK_ANSWER = 'a',      /* /requests/answer/TOKEN: the download of a request's answer
                                  documents (core/answer.h); purpose: the request id */
    RK_LINK_RECEIPT = 'r',     /* /receipt/TOKEN: the person's consent record for purpose as JSON
                                  (core/consent_record.h), linked from the welcome email */
};

struct rk_link {
    enum rk_link_kind kind;
    char person_id[RK_ID_LEN + 1];
    char purpose[RK_DECL_ID_MAX + 1];
    rk_ts expires;
};

/* Writes the token for l to out (RK_LINK_MAX bytes). */
RK_MUST_USE rk_err rk_link_make(const struct rk_keys *k, const struct rk_link *l,
                                char out[RK_LINK_MAX]);

/* Checks a token: RK_OK with *out filled, or RK_EINVAL (malformed or forged) or
 * RK_ENOENT (expired at now, or made under a retired key generation and not an
 * unsubscribe link: see links.c). */
RK_MUST_USE rk_err rk_link_check(const struct rk_keys *k, const char *token, rk_ts now,
                                 struct rk_link *out);

#endif
