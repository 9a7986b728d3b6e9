/*
 * cookie_log.c — the rules of the website's cookie-consent log (cookie_log.h): consent ids,
 * actions, whether choices fit their action, and when a row has been kept long enough.
 */
#include "core/cookie_log.h"

#include <string.h>

bool rk_cookie_id_valid(const char *s, size_t len) {
    if (len < RK_COOKIE_ID_MIN || len > RK_COOKIE_ID_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool rk_cookie_version_valid(const char *s, size_t len) {
    if (len != RK_COOKIE_VERSION_LEN)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

bool rk_cookie_choices_fit(enum rk_cookie_action a, const bool *granted, size_t n,
                           struct rk_error *why) {
    size_t on = 0;
    for (size_t i = 0; i < n; i++)
        on += granted[i];
    const char *bad = a == RK_COOKIE_ACCEPT_ALL && on != n
                          ? "accept_all grants every category: each choice must be true"
                      : a == RK_COOKIE_REJECT_ALL && on != 0
                          ? "reject_all grants no category: each choice must be false"
                          : NULL;
    return !bad || rk_error_set(why, RK_EINVAL, "choices", "%s", bad) == RK_OK; /* false */
}

rk_ts rk_cookie_log_cutoff(const struct rk_cookies *ck, rk_ts now) {
    struct rk_duration keep = ck->log_retention.n > 0 ? ck->log_retention : RK_COOKIE_LOG_DEFAULT;
    keep.n = -keep.n;
    return rk_ts_add(now, keep);
}
