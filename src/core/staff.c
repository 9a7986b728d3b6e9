/*
 * staff.c — staff accounts, setup links, sessions and sign-in throttling
 * (design and invariants in staff.h). Everything here is rules over the store
 * interface: no SQL, no HTTP. The slow part of a sign-in (argon2) runs outside
 * any transaction: rk_staff_signin_plan reads, the caller verifies, and
 * rk_staff_signin_record writes the outcome.
 */
#include "core/staff.h"

#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "core/audit.h"
#include "base/id.h"
#include "base/normalize.h"

/* The embedded list (common_passwords.txt, by embed_file.cmake). */
extern const char *const rk_common_passwords;
extern const size_t rk_common_passwords_len;

/* ---- Passwords ------------------------------------------------------------------------------ */

/* ASCII letters lower-cased; other bytes as they are (the list is lower case). */
static void fold(const char *in, char *out, size_t n) {
    size_t k = 0;
    for (; *in && k + 1 < n; in++) {
        char c = *in;
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        out[k++] = c;
    }
    out[k] = '\0';
}

/* Lower-cases UTF-8 text for comparison: ASCII and the Finnish letters Å Ä Ö. */
static void fold_fi(const char *in, char *out, size_t n) {
    fold(in, out, n);
    for (char *p = out; p[0] && p[1]; p++) /* Å C3 85, Ä C3 84, Ö C3 96 → å C3 A5, ä A4, ö B6 */
        if ((unsigned char)p[0] == 0xC3 &&
            ((unsigned char)p[1] == 0x85 || (unsigned char)p[1] == 0x84 ||
             (unsigned char)p[1] == 0x96))
            p[1] = (char)((unsigned char)p[1] + 0x20);
}

static bool in_list(const char *w, size_t wl) {
    const char *p = rk_common_passwords, *end = p + rk_common_passwords_len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len && p[0] != '#' && len == wl && memcmp(p, w, wl) == 0)
            return true;
        p += len + 1;
    }
    return false;
}

bool rk_staff_password_common(const char *pw) {
    char f[RK_STAFF_PW_MAX * 4 + 1];
    fold_fi(pw, f, sizeof f);
    size_t n = strlen(f);
    if (in_list(f, n))
        return true;
    while (n && strchr("0123456789!?.,;:-_+*#@$%&/=()[]{}'\" ", f[n - 1]))
        n--;
    if (n && in_list(f, n))
        return true;
    /* Three or fewer distinct characters ("aaaaaaaaaaaa", "abababababab") */
    char seen[4];
    size_t ns = 0;
    for (const char *p = f; *p; p++) {
        if (memchr(seen, *p, ns))
            continue;
        if (ns == sizeof seen)
            return false;
        seen[ns++] = *p;
    }
    return ns < sizeof seen;
}

/* Whether folded text hay contains needle (folded too) of at least min bytes. */
static bool contains_part(const char *hay, const char *needle, size_t min) {
    char f[RK_STAFF_NAME_MAX * 4 + 1];
    fold_fi(needle, f, sizeof f);
    return strlen(f) >= min && strstr(hay, f) != NULL;
}

enum rk_pw_problem rk_staff_password_check(const char *pw, const char *email, const char *name) {
    size_t len = strlen(pw);
    if (!rk_utf8_valid(pw, len))
        return RK_PW_NOT_TEXT;
    for (const char *p = pw; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return RK_PW_NOT_TEXT;
    size_t cps = rk_utf8_length(pw);
    if (cps < RK_STAFF_PW_MIN)
        return RK_PW_SHORT;
    if (cps > RK_STAFF_PW_MAX)
        return RK_PW_LONG;
    char f[RK_STAFF_PW_MAX * 4 + 1];
    fold_fi(pw, f, sizeof f);
    if (email && *email) {
        char local[RK_STAFF_EMAIL_MAX + 1];
        snprintf(local, sizeof local, "%s", email);
        char *at = strchr(local, '@');
        if (at)
            *at = '\0';
        if (contains_part(f, email, 1) || contains_part(f, local, 3))
            return RK_PW_EMAIL;
        /* and each part of the local part ("matti.meikalainen") of four bytes or more */
        for (char *part = local; part && *part;) {
            char *dot = strpbrk(part, "._-+");
            if (dot)
                *dot = '\0';
            if (contains_part(f, part, 4))
                return RK_PW_EMAIL;
            part = dot ? dot + 1 : NULL;
        }
    }
    if (name && *name) {
        char whole[RK_STAFF_NAME_MAX * 4 + 1], parts[RK_STAFF_NAME_MAX * 4 + 1];
        size_t k = 0;
        for (const char *p = name; *p && k + 1 < sizeof whole; p++)
            if (*p != ' ')
                whole[k++] = *p;
        whole[k] = '\0';
        char nospace[RK_STAFF_PW_MAX * 4 + 1];
        k = 0;
        for (const char *p = f; *p && k + 1 < sizeof nospace; p++)
            if (*p != ' ')
                nospace[k++] = *p;
        nospace[k] = '\0';
        if (contains_part(nospace, whole, 3))
            return RK_PW_NAME;
        snprintf(parts, sizeof parts, "%s", name);
        for (char *part = parts; part && *part;) {
            char *sp = strpbrk(part, " -");
            if (sp)
                *sp = '\0';
            if (contains_part(f, part, 4))
                return RK_PW_NAME;
            part = sp ? sp + 1 : NULL;
        }
    }
    if (rk_staff_password_common(pw))
        return RK_PW_COMMON;
    return RK_PW_OK;
}

const char *rk_staff_password_text(enum rk_pw_problem p, enum rk_lang lang) {
    bool fi = lang == RK_LANG_FI;
    switch (p) {
    case RK_PW_OK: return "";
    case RK_PW_NOT_TEXT:
        return fi ? "Salasanassa on merkkejä, joita ei voi käyttää (esimerkiksi rivinvaihto)."
                  : "The password contains characters that cannot be used (such as a line break).";
    case RK_PW_SHORT:
        return fi ? "Salasanassa on oltava vähintään 12 merkkiä."
                  : "The password must be at least 12 characters long.";
    case RK_PW_LONG:
        return fi ? "Salasanassa saa olla enintään 256 merkkiä."
                  : "The password must be at most 256 characters long.";
    case RK_PW_EMAIL:
        return fi ? "Salasana ei saa sisältää sähköpostiosoitettasi."
                  : "The password must not contain your email address.";
    case RK_PW_NAME:
        return fi ? "Salasana ei saa sisältää nimeäsi."
                  : "The password must not contain your name.";
    case RK_PW_COMMON:
        return fi ? "Salasana on liian yleinen ja helppo arvata. Valitse toinen, esimerkiksi "
                    "neljä satunnaista sanaa."
                  : "The password is too common and easy to guess. Choose another, for example "
                    "four random words.";
    case RK_PW_MISMATCH: return fi ? "Salasanat eivät ole samat." : "The passwords do not match.";
    }
    return "";
}

rk_err rk_staff_password_hash(const char *pw, char out[RK_STAFF_PWHASH_MAX + 1]) {
    _Static_assert(crypto_pwhash_STRBYTES <= RK_STAFF_PWHASH_MAX + 1, "room for the hash");
    if (crypto_pwhash_str_alg(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return RK_ENOMEM;
    return RK_OK;
}

static char dummy_hash[RK_STAFF_PWHASH_MAX + 1];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void) {
    char pw[RK_STAFF_SECRET_LEN + 1];
    rk_staff_secret_new(pw);
    if (rk_staff_password_hash(pw, dummy_hash) != RK_OK)
        dummy_hash[0] = '\0';
}

bool rk_staff_verify(const char *stored, const char *pw) {
    bool real = stored && stored[0];
    if (!real)
        pthread_once(&dummy_once, make_dummy);
    const char *h = real ? stored : dummy_hash;
    bool ok = h[0] && crypto_pwhash_str_verify(h, pw, strlen(pw)) == 0;
    return real && ok;
}

/* ---- Secrets, hashes, tokens ------------------------------------------------------------- */

void rk_staff_secret_new(char out[RK_STAFF_SECRET_LEN + 1]) {
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, RK_STAFF_SECRET_LEN + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

bool rk_staff_secret_valid(const char *s) {
    size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
    return n == RK_STAFF_SECRET_LEN && s[n] == '\0';
}

void rk_staff_hash(const struct rk_keys *k, const char *kind, const char *text,
                   unsigned char out[RK_HASH_LEN]) {
    crypto_generichash_state h;
    crypto_generichash_init(&h, k->session, sizeof k->session, RK_HASH_LEN);
    crypto_generichash_update(&h, (const unsigned char *)kind, strlen(kind) + 1); /* with NUL */
    crypto_generichash_update(&h, (const unsigned char *)text, strlen(text));
    crypto_generichash_final(&h, out, RK_HASH_LEN);
}

void rk_staff_csrf(const struct rk_keys *k, const char *sid, char out[RK_STAFF_SECRET_LEN + 1]) {
    unsigned char h[RK_HASH_LEN];
    rk_staff_hash(k, "csrf", sid, h);
    sodium_bin2base64(out, RK_STAFF_SECRET_LEN + 1, h, sizeof h,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
}

int64_t rk_staff_backoff(int64_t failures, int free) {
    if (failures < free)
        return 0;
    int64_t s = RK_STAFF_BACKOFF_S;
    for (int64_t i = free; i < failures && s < RK_STAFF_BACKOFF_MAX_S; i++)
        s *= 2;
    return s < RK_STAFF_BACKOFF_MAX_S ? s : RK_STAFF_BACKOFF_MAX_S;
}

static void limits_of(const struct rk_staff_limits *l, int64_t *idle, int64_t *max) {
    *idle = l && l->idle > 0 ? l->idle : RK_STAFF_IDLE_S;
    *max = l && l->max > 0 ? l->max : RK_STAFF_MAX_S;
}

bool rk_staff_session_live(const struct rk_staff_session *x, rk_ts now,
                           const struct rk_staff_limits *l, rk_ts *idle_ends) {
    int64_t idle, max;
    limits_of(l, &idle, &max);
    rk_ts ends = x->last_seen + idle;
    if (ends > x->expires_at)
        ends = x->expires_at;
    if (idle_ends)
        *idle_ends = ends;
    return now < x->expires_at && now < x->last_seen + idle;
}

void rk_staff_actor(const char *id, char out[RK_STAFF_ACTOR_LEN + 1]) {
    snprintf(out, RK_STAFF_ACTOR_LEN + 1, "staff:%s", id);
}

rk_err rk_staff_actor_name(struct rk_store *st, const char *actor, char *out, size_t n) {
    if (!actor || strncmp(actor, "staff:", 6) != 0 || !rk_id_valid(actor + 6))
        return RK_ENOENT;
    struct rk_staff a;
    rk_err e = rk_store_staff_get(st, actor + 6, false, &a);
    if (e == RK_OK)
        snprintf(out, n, "%s", a.name);
    return e;
}

rk_err rk_staff_email(const char *in, char out[RK_STAFF_EMAIL_MAX + 1], struct rk_error *why) {
    char norm[RK_EMAIL_MAX + 1];
    rk_err e = rk_norm_email(in, norm, why);
    if (e != RK_OK)
        return RK_EINVAL;
    rk_email_key(norm, out);
    return RK_OK;
}

bool rk_staff_setup_url(const char *public_url, const char *token, char *out, size_t n) {
    int w = snprintf(out, n, "%s/console/setup/%s", public_url, token);
    return w > 0 && (size_t)w < n;
}

void rk_staff_setup_mail(const char *name, const char *url, char *subject, size_t subject_n,
                         char *body, size_t body_n) {
    snprintf(subject, subject_n, "Rekisteri: aseta salasanasi / set your password");
    snprintf(body, body_n,
             "Hei %s,\n\n"
             "sinulle on tehty tunnus rekisterin hallintaan. Aseta salasanasi tästä\n"
             "linkistä 24 tunnin kuluessa (linkki toimii kerran):\n\n%s\n\n"
             "Jos et odottanut tätä viestiä, älä avaa linkkiä.\n\n"
             "---\n\n"
             "Hello %s,\n\n"
             "an account for the register's console was made for you. Set your password\n"
             "at this link within 24 hours (it works once):\n\n%s\n\n"
             "If you did not expect this message, do not open the link.\n",
             name, url, name, url);
}

/* ---- Changes ------------------------------------------------------------------------------ */

static rk_err audit(struct rk_store *st, const struct rk_keys *k, rk_ts now, const char *actor,
                    const char *action, const char *id, const char *extra) {
    char detail[160];
    snprintf(detail, sizeof detail, "staff:%s%s%s", id, extra ? " " : "", extra ? extra : "");
    return rk_audit_append(st, k, now, actor, action, NULL, detail);
}

static rk_err issue_setup(struct rk_store *st, const struct rk_keys *k, const char *id, rk_ts now,
                          char setup[RK_STAFF_SECRET_LEN + 1]) {
    unsigned char h[RK_HASH_LEN];
    rk_err e = rk_store_staff_setup_clear(st, id);
    if (e != RK_OK)
        return e;
    rk_staff_secret_new(setup);
    rk_staff_hash(k, "setup", setup, h);
    return rk_store_staff_setup_put(st, h, id, now + RK_STAFF_SETUP_S);
}

rk_err rk_staff_add(struct rk_store *st, const struct rk_keys *k, const char *email,
                    const char *name, const char *role, rk_ts now, const char *actor,
                    struct rk_staff *out, char setup[RK_STAFF_SECRET_LEN + 1]) {
    struct rk_staff a;
    memset(&a, 0, sizeof a);
    if (strlen(email) > RK_STAFF_EMAIL_MAX || strlen(name) > (size_t)RK_STAFF_NAME_MAX * 4 ||
        strlen(role) > RK_DECL_ID_MAX)
        return RK_ETOOBIG;
    rk_id_new(a.id);
    snprintf(a.email, sizeof a.email, "%s", email);
    snprintf(a.name, sizeof a.name, "%s", name);
    snprintf(a.role, sizeof a.role, "%s", role);
    a.created_at = now;
    char extra[RK_DECL_ID_MAX + 8];
    snprintf(extra, sizeof extra, "role=%s", role);
    rk_err e = rk_store_staff_insert(st, &a);
    if (e == RK_OK)
        e = issue_setup(st, k, a.id, now, setup);
    if (e == RK_OK)
        e = audit(st, k, now, actor, "staff.added", a.id, extra);
    if (e == RK_OK)
        *out = a;
    return e;
}

/* Ends every session of a. */
static rk_err end_sessions(struct rk_store *st, const struct rk_staff *a) {
    int64_t n = 0;
    return rk_store_staff_sessions_clear(st, a->id, &n);
}

rk_err rk_staff_password_set(struct rk_store *st, const struct rk_keys *k, struct rk_staff *a,
                             const char *hash, rk_ts now, const char *actor) {
    struct rk_staff b = *a;
    snprintf(b.password, sizeof b.password, "%s", hash);
    rk_err e = rk_store_staff_update(st, &b);
    if (e == RK_OK)
        e = rk_store_staff_setup_clear(st, b.id);
    if (e == RK_OK)
        e = end_sessions(st, &b);
    if (e == RK_OK)
        e = audit(st, k, now, actor, "staff.password_set", b.id, NULL);
    if (e == RK_OK)
        *a = b;
    return e;
}

rk_err rk_staff_reset(struct rk_store *st, const struct rk_keys *k, struct rk_staff *a, rk_ts now,
                      const char *actor, char setup[RK_STAFF_SECRET_LEN + 1]) {
    struct rk_staff b = *a;
    b.password[0] = '\0';
    rk_err e = rk_store_staff_update(st, &b);
    if (e == RK_OK)
        e = end_sessions(st, &b);
    if (e == RK_OK)
        e = issue_setup(st, k, b.id, now, setup);
    if (e == RK_OK)
        e = audit(st, k, now, actor, "staff.reset", b.id, NULL);
    if (e == RK_OK)
        *a = b;
    return e;
}

rk_err rk_staff_set_disabled(struct rk_store *st, const struct rk_keys *k, struct rk_staff *a,
                             bool disabled, rk_ts now, const char *actor) {
    struct rk_staff b = *a;
    b.disabled = disabled;
    rk_err e = rk_store_staff_update(st, &b);
    if (e == RK_OK && disabled)
        e = end_sessions(st, &b);
    if (e == RK_OK && disabled)
        e = rk_store_staff_setup_clear(st, b.id);
    if (e == RK_OK)
        e = audit(st, k, now, actor, disabled ? "staff.disabled" : "staff.enabled", b.id, NULL);
    if (e == RK_OK)
        *a = b;
    return e;
}

rk_err rk_staff_set_role(struct rk_store *st, const struct rk_keys *k, struct rk_staff *a,
                         const char *role, rk_ts now, const char *actor) {
    struct rk_staff b = *a;
    if (strlen(role) > RK_DECL_ID_MAX)
        return RK_ETOOBIG;
    snprintf(b.role, sizeof b.role, "%s", role);
    char extra[RK_DECL_ID_MAX + 8];
    snprintf(extra, sizeof extra, "role=%s", role);
    rk_err e = rk_store_staff_update(st, &b);
    if (e == RK_OK)
        e = end_sessions(st, &b);
    if (e == RK_OK)
        e = audit(st, k, now, actor, "staff.role", b.id, extra);
    if (e == RK_OK)
        *a = b;
    return e;
}

rk_err rk_staff_setup_account(struct rk_store *st, const struct rk_keys *k, const char *token,
                              rk_ts now, struct rk_staff *out) {
    if (!rk_staff_secret_valid(token))
        return RK_ENOENT;
    unsigned char h[RK_HASH_LEN];
    char id[RK_ID_LEN + 1];
    rk_staff_hash(k, "setup", token, h);
    rk_err e = rk_store_staff_setup_get(st, h, now, id);
    if (e == RK_OK)
        e = rk_store_staff_get(st, id, false, out);
    if (e == RK_OK && out->disabled)
        e = RK_ENOENT;
    return e;
}

/* ---- Signing in ---------------------------------------------------------------------------- */

rk_err rk_staff_signin_plan(struct rk_store *st, const struct rk_keys *k, const char *email,
                            const char *address, rk_ts now, struct rk_signin_plan *out) {
    struct rk_signin_plan p;
    memset(&p, 0, sizeof p);
    char key[RK_STAFF_EMAIL_MAX + 1];
    if (rk_staff_email(email, key, NULL) != RK_OK) /* malformed: as an unknown account */
        snprintf(key, sizeof key, "%.*s", RK_STAFF_EMAIL_MAX, email);
    rk_staff_hash(k, "account", key, p.account_key);
    rk_staff_hash(k, "address", address, p.address_key);
    int64_t fa = 0, fb = 0;
    rk_ts la = 0, lb = 0;
    rk_err e = rk_store_staff_get(st, key, true, &p.account);
    if (e == RK_OK)
        p.found = true;
    else if (e != RK_ENOENT)
        return e;
    if ((e = rk_store_staff_throttle_get(st, p.account_key, &fa, &la)) != RK_OK ||
        (e = rk_store_staff_throttle_get(st, p.address_key, &fb, &lb)) != RK_OK)
        return e;
    p.locked_until = la > lb ? la : lb;
    if (p.locked_until <= now)
        p.locked_until = 0;
    *out = p;
    return RK_OK;
}

enum rk_signin_result rk_staff_signin_result(const struct rk_signin_plan *p, bool password_ok,
                                             rk_ts now, const char **reason) {
    if (p->locked_until > now) {
        *reason = "locked";
        return RK_SIGNIN_THROTTLED;
    }
    if (!p->found) {
        *reason = "unknown";
        return RK_SIGNIN_FAILED;
    }
    if (p->account.disabled) {
        *reason = "disabled";
        return RK_SIGNIN_FAILED;
    }
    if (!p->account.password[0]) {
        *reason = "no_password";
        return RK_SIGNIN_FAILED;
    }
    if (!password_ok) {
        *reason = "password";
        return RK_SIGNIN_FAILED;
    }
    *reason = "ok";
    return RK_SIGNIN_OK;
}

/* One more failure of key: locked past the free failures. *locked says whether a lock began. */
static rk_err count_failure(struct rk_store *st, const unsigned char key[RK_HASH_LEN], int free,
                            rk_ts now, bool *locked) {
    int64_t n = 0;
    rk_err e = rk_store_staff_throttle_fail(st, key, now, now - 24L * 3600, &n);
    int64_t wait = e == RK_OK ? rk_staff_backoff(n, free) : 0;
    *locked = wait > 0;
    if (e == RK_OK && wait > 0)
        e = rk_store_staff_throttle_lock(st, key, now + wait);
    return e;
}

rk_err rk_staff_signin_record(struct rk_store *st, const struct rk_keys *k,
                              struct rk_signin_plan *p, enum rk_signin_result r, const char *reason,
                              const char *address_class, rk_ts now, const struct rk_staff_limits *l,
                              char sid[RK_STAFF_SECRET_LEN + 1], struct rk_staff_session *out) {
    char actor[RK_STAFF_ACTOR_LEN + 1] = "anonymous";
    if (p->found)
        rk_staff_actor(p->account.id, actor);
    struct rk_staff_signin h = {.at = now, .ok = r == RK_SIGNIN_OK};
    snprintf(h.reason, sizeof h.reason, "%s", reason);
    snprintf(h.address, sizeof h.address, "%s", address_class);
    rk_err e = RK_OK;
    if (r != RK_SIGNIN_OK) {
        bool locked = false, addr_locked = false;
        if (r == RK_SIGNIN_FAILED) {
            e = count_failure(st, p->account_key, RK_STAFF_FREE_ACCOUNT, now, &locked);
            if (e == RK_OK)
                e = count_failure(st, p->address_key, RK_STAFF_FREE_ADDRESS, now, &addr_locked);
        }
        if (e == RK_OK && p->found)
            e = rk_store_staff_signin_add(st, p->account.id, &h);
        if (e == RK_OK) {
            char detail[64];
            snprintf(detail, sizeof detail, "reason=%s", reason);
            e = rk_audit_append(st, k, now, actor, "staff.signin_failed", NULL, detail);
        }
        if (e == RK_OK && locked && p->found)
            e = audit(st, k, now, actor, "staff.locked", p->account.id, NULL);
        return e;
    }
    int64_t idle, max;
    limits_of(l, &idle, &max);
    struct rk_staff_session x;
    memset(&x, 0, sizeof x);
    rk_staff_secret_new(sid);
    rk_staff_hash(k, "session", sid, x.hash);
    snprintf(x.staff_id, sizeof x.staff_id, "%s", p->account.id);
    x.created_at = x.last_seen = now;
    x.expires_at = now + max;
    struct rk_staff a = p->account;
    a.last_signin = now;
    e = rk_store_staff_throttle_clear(st, p->account_key);
    if (e == RK_OK)
        e = rk_store_staff_session_put(st, &x);
    if (e == RK_OK)
        e = rk_store_staff_update(st, &a);
    if (e == RK_OK)
        e = rk_store_staff_signin_add(st, a.id, &h);
    if (e == RK_OK)
        e = audit(st, k, now, actor, "staff.signin", a.id, NULL);
    if (e == RK_OK) {
        p->account = a;
        *out = x;
    }
    return e;
}

rk_err rk_staff_session(struct rk_store *st, const struct rk_keys *k, const char *sid, rk_ts now,
                        const struct rk_staff_limits *l, struct rk_staff_session *x,
                        struct rk_staff *a, rk_ts *idle_ends, bool *touch) {
    if (!rk_staff_secret_valid(sid))
        return RK_ENOENT;
    unsigned char h[RK_HASH_LEN];
    rk_staff_hash(k, "session", sid, h);
    struct rk_staff_session s;
    struct rk_staff acc;
    rk_err e = rk_store_staff_session_get(st, h, &s);
    if (e == RK_OK && !rk_staff_session_live(&s, now, l, idle_ends))
        e = RK_ENOENT;
    if (e == RK_OK)
        e = rk_store_staff_get(st, s.staff_id, false, &acc);
    if (e == RK_OK && acc.disabled)
        e = RK_ENOENT;
    if (e == RK_OK) {
        *touch = now - s.last_seen >= RK_STAFF_TOUCH_S;
        *x = s;
        *a = acc;
    }
    return e;
}

rk_err rk_staff_signout(struct rk_store *st, const struct rk_keys *k, const char *sid, rk_ts now) {
    if (!rk_staff_secret_valid(sid))
        return RK_ENOENT;
    unsigned char h[RK_HASH_LEN];
    rk_staff_hash(k, "session", sid, h);
    struct rk_staff_session s;
    rk_err e = rk_store_staff_session_get(st, h, &s);
    if (e == RK_OK)
        e = rk_store_staff_session_delete(st, h);
    if (e == RK_OK) {
        char actor[RK_STAFF_ACTOR_LEN + 1];
        rk_staff_actor(s.staff_id, actor);
        e = audit(st, k, now, actor, "staff.signout", s.staff_id, NULL);
    }
    return e;
}
