/*
 * staff.h — the console's staff accounts: passwords, one-time set-password
 * links, sessions and the throttling of sign-ins. The CLI (`rekisteri staff`)
 * and the service (/console/login, /console/setup/{token}, the staff API) both
 * act through these functions, so the rules below hold whichever way in.
 *
 * Design.
 *
 * Invariants:
 *  1. Nothing stored signs anyone in. A password is kept only as an argon2id
 *     string (crypto_pwhash_str, libsodium's interactive limits); a setup
 *     link's and a session's 256-bit secret only as a keyed BLAKE2b hash under
 *     RK_SUBKEY_SESSION; a CSRF token is derived from the session's secret
 *     under the same subkey and never stored at all.
 *  2. A session is live only while its account is enabled, now is before its
 *     absolute end (created + max) and before last_seen + idle. last_seen is
 *     written at most once a minute (RK_STAFF_TOUCH_S), so idle is kept to the
 *     minute without a write per request.
 *  3. Every change of an account that matters for what it may do ends all its
 *     sessions in the same transaction: disabling it, changing its role,
 *     setting or resetting its password. Key rotation ends every session
 *     (core/rotate.c), and a hash under the old key would match nothing anyway.
 *  4. A setup link is single use and lives 24 hours (RK_STAFF_SETUP_S); an
 *     account has at most one: issuing a new one deletes the old.
 *  5. The audit chain names an account only as "staff:<id>"; its email and
 *     name, and passwords, are never in the chain, a log or an error message.
 *
 * Transitions of an account (each one audit event, in the same transaction):
 *
 *   from        event                       to          action
 *   —           staff add                   no password staff.added (+ setup link)
 *   no password setup link used / --password-file
 *                                           active      staff.password_set
 *   active      staff reset                 no password staff.reset (password and
 *                                                       sessions gone, new link)
 *   any         staff disable               disabled    staff.disabled (sessions and
 *                                                       links gone)
 *   disabled    staff enable                as before   staff.enabled
 *   any         staff role                  same        staff.role (sessions gone)
 *   active      sign-in                     same        staff.signin (a session)
 *   any         failed sign-in              same        staff.signin_failed
 *                                                       (+ staff.locked at back-off)
 *
 * Threats and what answers them:
 *  - Guessing passwords online: per attempted email (whether or not an account
 *    has it) and per client address, RK_STAFF_FREE_ACCOUNT resp.
 *    RK_STAFF_FREE_ADDRESS failures are free, then each failure locks the key
 *    for RK_STAFF_BACKOFF_S doubled per failure, up to RK_STAFF_BACKOFF_MAX_S.
 *    Keys are hashes (no email or address kept); rows a day old are pruned.
 *  - Finding which emails have accounts: an unknown account, a disabled one and
 *    a wrong password get the same answer after the same work — argon2 runs
 *    against a dummy hash when there is no password to check (rk_staff_verify)
 *    — and throttling applies to the attempted email, not the account.
 *  - Weak passwords: at least RK_STAFF_PW_MIN code points, not containing the
 *    email's local part or the name, not in the shipped list of common
 *    passwords (Finnish and English, common_passwords.txt, embedded).
 *  - Stolen database: see invariant 1. Stolen cookie: HttpOnly, SameSite=Strict,
 *    __Host- prefix (http/api_staff.c), idle and absolute timeouts.
 *  - Cross-site requests: SameSite=Strict plus, for state-changing requests by
 *    cookie, the CSRF token in a header and an Origin/Sec-Fetch-Site check
 *    (http/api.c, rk_http_authenticate).
 */
#ifndef RK_STAFF_H
#define RK_STAFF_H

#include <stdbool.h>
#include <stdint.h>

#include "keys/keys.h"
#include "store/store.h"

#define RK_STAFF_SECRET_LEN    43 /* 256 random bits, URL-safe base64 without padding */
#define RK_STAFF_PW_MIN        12 /* code points */
#define RK_STAFF_PW_MAX        256
#define RK_STAFF_SETUP_S       (24L * 3600)
#define RK_STAFF_IDLE_S        (30L * 60) /* the defaults of serve --session-idle, --session-max */
#define RK_STAFF_MAX_S         (12L * 3600)
#define RK_STAFF_TOUCH_S       60
#define RK_STAFF_FREE_ACCOUNT  5
#define RK_STAFF_FREE_ADDRESS  20
#define RK_STAFF_BACKOFF_S     15
#define RK_STAFF_BACKOFF_MAX_S 3600
#define RK_STAFF_ACTOR_LEN     (6 + RK_ID_LEN) /* "staff:" and the id */

/* What is wrong with a proposed password (rk_staff_password_check). */
enum rk_pw_problem {
    RK_PW_OK,
    RK_PW_NOT_TEXT, /* not UTF-8, or holds a control character */
    RK_PW_SHORT,
    RK_PW_LONG,
    RK_PW_EMAIL,   /* equal to or containing the email's local part */
    RK_PW_NAME,    /* equal to or containing the name, or a part of it */
    RK_PW_COMMON,  /* in the list of common passwords */
    RK_PW_MISMATCH /* the two fields of a form differ (the pages' check) */
};

/* The checks on a new password for the account with this email and name. */
enum rk_pw_problem rk_staff_password_check(const char *pw, const char *email, const char *name);

/* The problem as a sentence for people, in Finnish or English. */
const char *rk_staff_password_text(enum rk_pw_problem p, enum rk_lang lang);

/* Whether pw (case-insensitively, trailing digits and punctuation aside) is in the list. */
bool rk_staff_password_common(const char *pw);

/* The argon2id string of pw (crypto_pwhash_str); RK_ENOMEM when it cannot be computed. */
RK_MUST_USE rk_err rk_staff_password_hash(const char *pw, char out[RK_STAFF_PWHASH_MAX + 1]);

/*
 * Whether pw matches stored (an argon2id string). With stored NULL or "" it
 * still runs argon2 against a dummy hash and answers false, so that every
 * failure costs the same time.
 */
bool rk_staff_verify(const char *stored, const char *pw);

/* A new 256-bit secret in URL-safe base64 (a session id or a setup link's token). */
void rk_staff_secret_new(char out[RK_STAFF_SECRET_LEN + 1]);

/* The keyed hash of text under the session subkey, separated by kind ("session", "setup",
 * "account", "address"). */
void rk_staff_hash(const struct rk_keys *k, const char *kind, const char *text,
                   unsigned char out[RK_HASH_LEN]);

/* The CSRF token of the session whose secret is sid (derived, never stored). */
void rk_staff_csrf(const struct rk_keys *k, const char *sid, char out[RK_STAFF_SECRET_LEN + 1]);

/* Whether s has the shape of a secret (RK_STAFF_SECRET_LEN base64url characters). */
bool rk_staff_secret_valid(const char *s);

/* Seconds a key is locked after its failures-th failure, free of them allowed; 0: none. */
int64_t rk_staff_backoff(int64_t failures, int free);

/* The session's timeouts. */
struct rk_staff_limits {
    int64_t idle, max; /* seconds; 0 takes the defaults */
};

/* Whether session x is live at now (invariant 2), and until when (idle and absolute). */
bool rk_staff_session_live(const struct rk_staff_session *x, rk_ts now,
                           const struct rk_staff_limits *l, rk_ts *idle_ends);

/* "staff:<id>", the account's name in the audit chain and as a request's actor. */
void rk_staff_actor(const char *id, char out[RK_STAFF_ACTOR_LEN + 1]);

/* The name of the staff account an actor "staff:<id>" names, for showing to staff (never for
 * the audit chain or a log): RK_ENOENT for any other actor or an account no longer held. */
RK_MUST_USE rk_err rk_staff_actor_name(struct rk_store *st, const char *actor, char *out,
                                       size_t n);

/* The stored form of an email: normalised and lower-cased (rk_norm_email, rk_email_key);
 * RK_EINVAL with why (may be NULL) as rk_norm_email leaves it. */
RK_MUST_USE rk_err rk_staff_email(const char *in, char out[RK_STAFF_EMAIL_MAX + 1],
                                  struct rk_error *why);

/* The set-password link of a setup token under public_url (no trailing '/'): out gets
 * "<public_url>/console/setup/<token>"; false when it does not fit. */
bool rk_staff_setup_url(const char *public_url, const char *token, char *out, size_t n);

/* The subject and body (Finnish, then English) of the email carrying a setup link to name. */
void rk_staff_setup_mail(const char *name, const char *url, char *subject, size_t subject_n,
                         char *body, size_t body_n);

/* ---- Changes (each inside the caller's write transaction, with its audit event) ---------- */

/*
 * Adds an account (email already rk_staff_email'd, name checked, role declared) with a
 * setup link into setup. RK_ECONFLICT when the email has an account. *out gets the account.
 */
RK_MUST_USE rk_err rk_staff_add(struct rk_store *st, const struct rk_keys *k, const char *email,
                                const char *name, const char *role, rk_ts now, const char *actor,
                                struct rk_staff *out, char setup[RK_STAFF_SECRET_LEN + 1]);

/* Stores the password hash of account a (sessions and links end): staff.password_set. */
RK_MUST_USE rk_err rk_staff_password_set(struct rk_store *st, const struct rk_keys *k,
                                         struct rk_staff *a, const char *hash, rk_ts now,
                                         const char *actor);

/* Clears a's password, ends its sessions and issues a new link into setup: staff.reset. */
RK_MUST_USE rk_err rk_staff_reset(struct rk_store *st, const struct rk_keys *k, struct rk_staff *a,
                                  rk_ts now, const char *actor,
                                  char setup[RK_STAFF_SECRET_LEN + 1]);

/* Disables (sessions and links end) or enables a: staff.disabled / staff.enabled. */
RK_MUST_USE rk_err rk_staff_set_disabled(struct rk_store *st, const struct rk_keys *k,
                                         struct rk_staff *a, bool disabled, rk_ts now,
                                         const char *actor);

/* Gives a the role (declared; the caller checks), ending its sessions: staff.role. */
RK_MUST_USE rk_err rk_staff_set_role(struct rk_store *st, const struct rk_keys *k,
                                     struct rk_staff *a, const char *role, rk_ts now,
                                     const char *actor);

/* The account of a live setup link into *out; RK_ENOENT for unknown, used or expired. */
RK_MUST_USE rk_err rk_staff_setup_account(struct rk_store *st, const struct rk_keys *k,
                                          const char *token, rk_ts now, struct rk_staff *out);

/* ---- Signing in ---------------------------------------------------------------------------- */

/* What the reads before the password check found (rk_staff_signin_plan). */
struct rk_signin_plan {
    bool found; /* an account has the email */
    struct rk_staff account;
    unsigned char account_key[RK_HASH_LEN], address_key[RK_HASH_LEN];
    rk_ts locked_until; /* the later of the two keys' locks; 0: none */
};

enum rk_signin_result { RK_SIGNIN_OK, RK_SIGNIN_FAILED, RK_SIGNIN_THROTTLED };

/*
 * Reads what a sign-in by email from address (a text naming the client's
 * address or its network, e.g. "ip:192.0.2.1") needs: the account, if any,
 * and the locks of the email's and the address's throttle keys.
 */
RK_MUST_USE rk_err rk_staff_signin_plan(struct rk_store *st, const struct rk_keys *k,
                                        const char *email, const char *address, rk_ts now,
                                        struct rk_signin_plan *out);

/* The outcome, given whether the password matched (rk_staff_verify, always run). */
enum rk_signin_result rk_staff_signin_result(const struct rk_signin_plan *p, bool password_ok,
                                             rk_ts now, const char **reason);

/*
 * Records the outcome (a write transaction): on failure the throttles count
 * (not while throttled), a lock starts past the free failures, the account's
 * history and the audit chain get the failure (staff.signin_failed, and
 * staff.locked when the account's lock starts; an unknown account is audited
 * as actor "anonymous" with no detail that names it); on success the email's
 * throttle is cleared, a session is stored (*out, its secret in sid), and
 * staff.signin is audited. address_class ("loopback", "private", "public")
 * goes into the history.
 */
RK_MUST_USE rk_err rk_staff_signin_record(struct rk_store *st, const struct rk_keys *k,
                                          struct rk_signin_plan *p, enum rk_signin_result r,
                                          const char *reason, const char *address_class, rk_ts now,
                                          const struct rk_staff_limits *l,
                                          char sid[RK_STAFF_SECRET_LEN + 1],
                                          struct rk_staff_session *out);

/*
 * The live session whose secret is sid and its account (RK_ENOENT for an
 * unknown, ended or expired session, or a disabled account); *idle_ends gets
 * when it ends if idle. Reads only; *touch says whether last_seen is due to be
 * written (rk_store_staff_session_touch).
 */
RK_MUST_USE rk_err rk_staff_session(struct rk_store *st, const struct rk_keys *k, const char *sid,
                                    rk_ts now, const struct rk_staff_limits *l,
                                    struct rk_staff_session *x, struct rk_staff *a,
                                    rk_ts *idle_ends, bool *touch);

/* Ends the session whose secret is sid: staff.signout. RK_ENOENT when there is none. */
RK_MUST_USE rk_err rk_staff_signout(struct rk_store *st, const struct rk_keys *k, const char *sid,
                                    rk_ts now);

#endif
