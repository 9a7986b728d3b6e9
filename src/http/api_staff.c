/*
 * api_staff.c — signing in to the console and the staff API of accounts and
 * tokens (api_staff.h). The pages are server-rendered in the shell of
 * http/console.h, work without script and answer in the reader's language
 * (?lang, else Accept-Language). Every write goes through the writer; the
 * argon2 check of a sign-in runs on the request's thread, outside any
 * transaction (core/staff.h, "Signing in").
 *
 * The cookie: "__Host-rk_session=<256-bit secret>; Path=/; HttpOnly;
 * SameSite=Strict" and Secure whenever the public URL is https or a loopback
 * address (browsers treat http://127.0.0.1 and http://localhost as secure
 * contexts and keep Secure cookies from them). On plain http to any other
 * host a browser refuses the cookie, so signing in needs https there; serve
 * says so at start.
 */
#include <jansson.h>
#include "http/auth.h"
#include "http/body.h"
#include "http/respond.h"
#include "http/service.h"
#include "http/session.h"
#include "http/api_staff.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/audit.h"
#include "base/normalize.h"
#include "core/staff.h"
#include "http/console.h"
#include "util/cookie.h"
#include "util/form.h"

/* The session the last cookie authentication on this thread found (for GET /api/v1/me). */
static _Thread_local struct {
    bool valid;
    char sid[RK_STAFF_SECRET_LEN + 1];
    struct rk_staff account;
    struct rk_staff_session session;
    rk_ts idle_ends;
} last;

void rk_http_session_forget(void) { sodium_memzero(&last, sizeof last); }

static struct rk_staff_limits limits_of(const struct rk_http_server *s) {
    return (struct rk_staff_limits){s->session_idle, s->session_max};
}

/* Whether the cookie gets Secure: an https public URL, or http to a loopback host. */
static bool cookie_secure(const struct rk_http_server *s) {
    if (strncmp(s->public_url, "https://", 8) == 0)
        return true;
    const char *h = s->public_url + (strncmp(s->public_url, "http://", 7) == 0 ? 7 : 0);
    return strncmp(h, "127.", 4) == 0 || strncmp(h, "localhost", 9) == 0 ||
           strncmp(h, "[::1]", 5) == 0;
}

/* Whether the request comes from the service's own pages: Origin equal to its origin, or
 * Sec-Fetch-Site same-origin. With neither header sent, allow_absent decides (a client that
 * is not a browser sends neither; a browser sends Origin with every POST). */
static bool same_origin(const struct rk_http_server *s, struct MHD_Connection *c,
                        bool allow_absent) {
    const char *o = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    const char *sfs = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Sec-Fetch-Site");
    if (o && strcmp(o, s->origin) == 0)
        return !sfs || strcmp(sfs, "same-origin") == 0 || strcmp(sfs, "none") == 0;
    if (sfs && strcmp(sfs, "same-origin") == 0)
        return !o; /* an Origin of another site is refused even with the header */
    return allow_absent && !o && !sfs;
}

static bool state_changing(const char *method) {
    return method && (strcmp(method, "POST") == 0 || strcmp(method, "PATCH") == 0 ||
                      strcmp(method, "PUT") == 0 || strcmp(method, "DELETE") == 0);
}

/* Constant-time comparison of two NUL-terminated texts of possibly different lengths. */
static bool same_secret(const char *a, const char *b) {
    size_t n = strlen(a);
    return a[0] && n == strlen(b) && sodium_memcmp(a, b, n) == 0;
}

/* The client's address as a throttle key text (IPv6 by its /64) and its class. */
static void client_address(struct MHD_Connection *c, char *key, size_t n, const char **cls) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    *cls = "unknown";
    snprintf(key, n, "unknown");
    if (sa && sa->sa_family == AF_INET) {
        const unsigned char *b =
            (const unsigned char *)&((const struct sockaddr_in *)(const void *)sa)->sin_addr;
        snprintf(key, n, "ip4:%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
        *cls = b[0] == 127 ? "loopback"
               : b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
                       (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254)
                   ? "private"
                   : "public";
    } else if (sa && sa->sa_family == AF_INET6) {
        const unsigned char *b = ((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
        static const unsigned char loop[16] = {[15] = 1};
        snprintf(key, n, "ip6:%02x%02x%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5],
                 b[6], b[7]);
        *cls = memcmp(b, loop, 16) == 0                                           ? "loopback"
               : (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ? "private"
                                                                                  : "public";
    }
}

/* ---- Writer jobs ------------------------------------------------------------------------ */

enum job_kind {
    J_SIGNIN,
    J_SIGNOUT,
    J_TOUCH,
    J_SETUP,
    J_ADD,
    J_DISABLE,
    J_ENABLE,
    J_RESET,
    J_ROLE,
    J_REVOKE
};

struct job {
    enum job_kind kind;
    const struct rk_keys *keys;
    rk_ts now;
    const char *actor;
    /* J_SIGNIN */
    struct rk_signin_plan *plan;
    enum rk_signin_result result;
    const char *reason, *address_class;
    struct rk_staff_limits limits;
    char sid[RK_STAFF_SECRET_LEN + 1];
    /* J_SIGNOUT, J_TOUCH: the session's secret or hash */
    const char *secret;
    unsigned char hash[RK_HASH_LEN];
    /* J_SETUP: the link's token and the new password's hash */
    const char *token;
    char pwhash[RK_STAFF_PWHASH_MAX + 1];
    /* J_ADD and the account changes */
    const char *id, *email, *name, *role;
    struct rk_staff account;
    char setup[RK_STAFF_SECRET_LEN + 1];
    const char *public_url;
    bool mail;
};

static rk_err queue_setup_mail(struct rk_store *st, const struct job *j) {
    char url[600], subject[128], body[2048];
    if (!rk_staff_setup_url(j->public_url, j->setup, url, sizeof url))
        return RK_ETOOBIG;
    rk_staff_setup_mail(j->account.name, url, subject, sizeof subject, body, sizeof body);
    struct rk_outbox_msg m = {
        .kind = "staff_setup", .recipient = j->account.email, .subject = subject, .body = body};
    int64_t id = 0;
    return rk_mail_enqueue(st, &m, NULL, &id);
}

static rk_err run_job(struct rk_reg *reg, void *ctx) {
    struct job *j = ctx;
    struct rk_store *st = rk_reg_store(reg);
    rk_err e = RK_OK;
    switch (j->kind) {
    case J_SIGNIN: {
        struct rk_staff_session x;
        return rk_staff_signin_record(st, j->keys, j->plan, j->result, j->reason, j->address_class,
                                      j->now, &j->limits, j->sid, &x);
    }
    case J_SIGNOUT: return rk_staff_signout(st, j->keys, j->secret, j->now);
    case J_TOUCH: return rk_store_staff_session_touch(st, j->hash, j->now);
    case J_SETUP: {
        struct rk_staff a;
        char actor[RK_STAFF_ACTOR_LEN + 1];
        if ((e = rk_staff_setup_account(st, j->keys, j->token, j->now, &a)) != RK_OK)
            return e;
        rk_staff_actor(a.id, actor);
        return rk_staff_password_set(st, j->keys, &a, j->pwhash, j->now, actor);
    }
    case J_ADD:
        e = rk_staff_add(st, j->keys, j->email, j->name, j->role, j->now, j->actor, &j->account,
                         j->setup);
        if (e == RK_OK && j->mail)
            e = queue_setup_mail(st, j);
        return e;
    case J_REVOKE:
        e = rk_store_token_revoke(st, j->id, j->now);
        if (e == RK_OK)
            e = rk_audit_append(st, j->keys, j->now, j->actor, "token.revoke", NULL, j->id);
        return e;
    default: break;
    }
    if ((e = rk_store_staff_get(st, j->id, false, &j->account)) != RK_OK)
        return e;
    switch (j->kind) {
    case J_DISABLE:
    case J_ENABLE:
        return rk_staff_set_disabled(st, j->keys, &j->account, j->kind == J_DISABLE, j->now,
                                     j->actor);
    case J_RESET:
        if (j->account.disabled)
            return RK_EREFUSED;
        e = rk_staff_reset(st, j->keys, &j->account, j->now, j->actor, j->setup);
        if (e == RK_OK && j->mail)
            e = queue_setup_mail(st, j);
        return e;
    case J_ROLE: return rk_staff_set_role(st, j->keys, &j->account, j->role, j->now, j->actor);
    default: return RK_EINVAL;
    }
}

/* ---- Cookie authentication -------------------------------------------------------------- */

const struct rk_role *rk_http_cookie_authenticate(struct rk_http_server *s,
                                                  struct MHD_Connection *c,
                                                  struct rk_http_request *r, struct rk_token *t,
                                                  rk_http_result *ret, bool *tried) {
    char sid[RK_STAFF_SECRET_LEN + 8];
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
    *tried = rk_cookie_get(h, RK_SESSION_COOKIE, sid, sizeof sid);
    if (!*tried)
        return NULL;
    struct rk_store *st = rk_http_thread_store(s);
    struct rk_staff_limits l = limits_of(s);
    struct rk_staff_session x;
    struct rk_staff a;
    rk_ts now = rk_time_now(), idle_ends = 0;
    bool touch = false;
    rk_err e = rk_staff_session(st, &s->keys, sid, now, &l, &x, &a, &idle_ends, &touch);
    if (e == RK_ENOENT) {
        *ret = rk_http_unauthorized(c, r, "invalid_session",
                                    "the session has ended or expired; sign in again at "
                                    "/console/login");
        return NULL;
    }
    if (e != RK_OK) {
        *ret = rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
        return NULL;
    }
    if (state_changing(r->method)) {
        char csrf[RK_STAFF_SECRET_LEN + 1];
        rk_staff_csrf(&s->keys, sid, csrf);
        const char *sent = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
        if (!sent || !same_secret(sent, csrf) || !same_origin(s, c, false)) {
            *ret = rk_http_error(c, r, 403, "csrf",
                                 "a change by the console's session needs the session's "
                                 "X-CSRF-Token header (from GET /api/v1/me) and must come from "
                                 "the service's own origin");
            return NULL;
        }
    }
    if (touch && s->writer) { /* idle kept to the minute; a failure only shortens the session */
        struct job j = {.kind = J_TOUCH, .keys = &s->keys, .now = now};
        memcpy(j.hash, x.hash, RK_HASH_LEN);
        if (rk_writer_run(s->writer, run_job, &j) == RK_OK)
            x.last_seen = now;
        (void)rk_staff_session_live(&x, now, &l, &idle_ends);
        rk_writer_forget_here();
    }
    memset(t, 0, sizeof *t);
    rk_staff_actor(a.id, t->name);
    snprintf(t->role, sizeof t->role, "%s", a.role);
    t->created_at = x.created_at;
    last.valid = true;
    snprintf(last.sid, sizeof last.sid, "%.43s", sid);
    last.account = a;
    last.session = x;
    last.idle_ends = idle_ends;
    const struct rk_role *role = rk_decl_role(s->decl, a.role);
    if (!role)
        *ret = rk_http_error(c, r, 403, "forbidden", "the account's role is no longer declared");
    return role;
}

/* ---- Pages ---------------------------------------------------------------------------------- */

struct words {
    const char *signin_title, *email, *password, *signin_button, *problem, *wrong, *throttled,
        *throttled2, *missing_email, *missing_password, *signed_out_title, *signed_out,
        *signin_link, *setup_title, *setup_intro, *new_password, *again, *setup_button, *setup_hint,
        *setup_gone_title, *setup_gone, *setup_done_title, *setup_done, *bad_form, *csrf_title,
        *csrf, *error_prefix, *account, *needs_https;
};

static const struct words fi = {
    "Kirjaudu sisään",
    "Sähköpostiosoite",
    "Salasana",
    "Kirjaudu sisään",
    "Tarkista tiedot",
    "Sähköpostiosoite tai salasana on väärin.",
    "Liian monta epäonnistunutta kirjautumista. Yritä uudelleen ",
    " minuutin kuluttua.",
    "Anna sähköpostiosoite.",
    "Anna salasana.",
    "Olet kirjautunut ulos",
    "Istuntosi on päättynyt. Sulje selain, jos käytät yhteistä tietokonetta.",
    "Kirjaudu uudelleen sisään",
    "Aseta salasana",
    "Valitse salasana tunnukselle",
    "Uusi salasana",
    "Salasana uudelleen",
    "Aseta salasana",
    "Vähintään 12 merkkiä. Ei nimeäsi, sähköpostiosoitettasi eikä yleistä salasanaa. Helpoin "
    "tapa on neljä satunnaista sanaa.",
    "Linkki ei ole voimassa",
    "Linkki on vanhentunut tai jo käytetty. Pyydä ylläpitäjältä uusi linkki (rekisteri staff "
    "reset).",
    "Salasana on asetettu",
    "Voit nyt kirjautua sisään uudella salasanallasi.",
    "Lomaketta ei voitu lukea. Lähetä se uudelleen sivulta.",
    "Pyyntö hylättiin",
    "Pyyntö ei tullut tämän palvelun omalta sivulta. Palaa konsoliin ja yritä uudelleen.",
    "Virhe: ",
    "Tunnus",
    "Kirjautuminen vaatii https-yhteyden: palvelun osoite on salaamaton http, eivätkä selaimet "
    "hyväksy istuntoevästettä sen kautta. Pyydä ylläpitäjää asettamaan https-osoite "
    "(serve --public-url).",
};

static const struct words en = {
    "Sign in",
    "Email address",
    "Password",
    "Sign in",
    "There is a problem",
    "The email address or password is wrong.",
    "Too many failed sign-ins. Try again in ",
    " minutes.",
    "Enter your email address.",
    "Enter your password.",
    "You have signed out",
    "Your session has ended. Close the browser if you use a shared computer.",
    "Sign in again",
    "Set your password",
    "Choose a password for the account",
    "New password",
    "Password again",
    "Set password",
    "At least 12 characters. Not your name, your email address or a common password. The "
    "easiest way is four random words.",
    "The link is not valid",
    "The link has expired or was used already. Ask an administrator for a new link (rekisteri "
    "staff reset).",
    "Your password is set",
    "You can now sign in with your new password.",
    "The form could not be read. Send it again from the page.",
    "The request was refused",
    "The request did not come from this service's own page. Go back to the console and try "
    "again.",
    "Error: ",
    "Account",
    "Signing in needs https: this service's address is plain http, and browsers refuse the "
    "session cookie over it. Ask the administrator for an https address (serve --public-url).",
};

static const struct words *words_for(enum rk_lang lang) { return lang == RK_LANG_FI ? &fi : &en; }

static const char *lang_code(enum rk_lang lang) { return lang == RK_LANG_FI ? "fi" : "en"; }

/* One field error: its id and message. */
struct field_error {
    const char *field, *message;
};

/* Starts a page; with errors the title starts "Virhe: " and an error summary links to each. */
static void page_begin(struct rk_buf *b, enum rk_lang lang, const char *title,
                       const struct field_error *errs, size_t nerr) {
    const struct words *w = words_for(lang);
    char full[200];
    snprintf(full, sizeof full, "%s%s", nerr ? w->error_prefix : "", title);
    rk_console_page_begin(b, lang, full);
    if (!nerr)
        return;
    rk_buf_puts(b, "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" "
                   "aria-labelledby=\"error-summary-title\">\n<h2 id=\"error-summary-title\">");
    rk_buf_put_html(b, w->problem);
    rk_buf_puts(b, "</h2>\n<ul>\n");
    for (size_t i = 0; i < nerr; i++) {
        rk_buf_printf(b, "<li><a href=\"#%s\">", errs[i].field);
        rk_buf_put_html(b, errs[i].message);
        rk_buf_puts(b, "</a></li>\n");
    }
    rk_buf_puts(b, "</ul>\n</div>\n");
}

static const char *error_of(const struct field_error *errs, size_t nerr, const char *field) {
    for (size_t i = 0; i < nerr; i++)
        if (strcmp(errs[i].field, field) == 0)
            return errs[i].message;
    return NULL;
}

/* A labelled input; its error message beside it, and aria-invalid, when it has one. */
static void field(struct rk_buf *b, const char *id, const char *label, const char *type,
                  const char *autocomplete, const char *value, const char *hint,
                  const struct field_error *errs, size_t nerr) {
    const char *err = error_of(errs, nerr, id);
    rk_buf_printf(b, "<div class=\"field%s\">\n<label for=\"%s\">", err ? " field-error" : "", id);
    rk_buf_put_html(b, label);
    rk_buf_puts(b, "</label>\n");
    if (hint) {
        rk_buf_printf(b, "<p class=\"hint\" id=\"%s-hint\">", id);
        rk_buf_put_html(b, hint);
        rk_buf_puts(b, "</p>\n");
    }
    if (err) {
        rk_buf_printf(b, "<p class=\"error-message\" id=\"%s-error\">", id);
        rk_buf_put_html(b, err);
        rk_buf_puts(b, "</p>\n");
    }
    rk_buf_printf(b, "<input id=\"%s\" name=\"%s\" type=\"%s\" autocomplete=\"%s\"", id, id, type,
                  autocomplete);
    if (value) {
        rk_buf_puts(b, " value=\"");
        rk_buf_put_html(b, value);
        rk_buf_puts(b, "\"");
    }
    if (hint || err) {
        rk_buf_puts(b, " aria-describedby=\"");
        if (hint)
            rk_buf_printf(b, "%s-hint", id);
        if (err)
            rk_buf_printf(b, "%s%s-error", hint ? " " : "", id);
        rk_buf_puts(b, "\"");
    }
    if (err)
        rk_buf_puts(b, " aria-invalid=\"true\"");
    rk_buf_puts(b, " required>\n</div>\n");
}

/* Finishes the page and queues it with status and n extra headers. */
static rk_http_result page_end(struct rk_buf *b, enum rk_lang lang, struct MHD_Connection *c,
                               struct rk_http_request *r, int status,
                               const char *const (*headers)[2], size_t n) {
    rk_console_page_end(b, lang);
    rk_http_result ret =
        rk_buf_status(b) == RK_OK
            ? rk_http_respond_with(c, r, status, "text/html; charset=utf-8", b->data, b->len,
                                   MHD_RESPMEM_MUST_COPY, headers, n)
            : MHD_NO;
    rk_buf_cleanup(b);
    return ret;
}

/* A page of one paragraph and a link onward. */
static rk_http_result message_page(struct MHD_Connection *c, struct rk_http_request *r,
                                   enum rk_lang lang, int status, const char *title,
                                   const char *text, const char *link, const char *link_text,
                                   const char *const (*headers)[2], size_t n) {
    struct rk_buf b;
    rk_buf_init(&b);
    page_begin(&b, lang, title, NULL, 0);
    rk_buf_puts(&b, "<p>");
    rk_buf_put_html(&b, text);
    rk_buf_puts(&b, "</p>\n");
    if (link) {
        rk_buf_printf(&b, "<p><a href=\"%s?lang=%s\">", link, lang_code(lang));
        rk_buf_put_html(&b, link_text);
        rk_buf_puts(&b, "</a></p>\n");
    }
    return page_end(&b, lang, c, r, status, headers, n);
}

static rk_http_result login_page(const struct rk_http_server *s, struct MHD_Connection *c,
                                 struct rk_http_request *r, enum rk_lang lang, int status,
                                 const char *email, const struct field_error *errs, size_t nerr,
                                 const char *const (*headers)[2], size_t n) {
    const struct words *w = words_for(lang);
    struct rk_buf b;
    rk_buf_init(&b);
    page_begin(&b, lang, w->signin_title, errs, nerr);
    if (!cookie_secure(s)) { /* browsers would drop the cookie: say so rather than loop */
        rk_buf_puts(&b, "<p class=\"warning\">");
        rk_buf_put_html(&b, w->needs_https);
        rk_buf_puts(&b, "</p>\n");
    }
    rk_buf_printf(&b, "<form method=\"post\" action=\"/console/login?lang=%s\" novalidate>\n",
                  lang_code(lang));
    field(&b, "email", w->email, "email", "username", email, NULL, errs, nerr);
    field(&b, "password", w->password, "password", "current-password", NULL, NULL, errs, nerr);
    rk_buf_puts(&b, "<button type=\"submit\">");
    rk_buf_put_html(&b, w->signin_button);
    rk_buf_puts(&b, "</button>\n</form>\n");
    rk_buf_printf(&b, "<p lang=\"%s\"><a href=\"/console/login?lang=%s\">%s</a></p>\n",
                  lang == RK_LANG_FI ? "en" : "fi", lang == RK_LANG_FI ? "en" : "fi",
                  lang == RK_LANG_FI ? "In English" : "Suomeksi");
    return page_end(&b, lang, c, r, status, headers, n);
}

RK_HTTP_HANDLER(rk_http_get_console_login) {
    (void)s;
    return login_page(s, c, r, rk_http_lang(c), 200, NULL, NULL, 0, NULL, 0);
}

/* The fields of the console's forms. */
struct form {
    char email[RK_STAFF_EMAIL_MAX + 1];
    char password[RK_STAFF_PW_MAX * 4 + 1], password2[RK_STAFF_PW_MAX * 4 + 1];
    char csrf[RK_STAFF_SECRET_LEN + 1];
    bool too_long;
};

static int take(void *ctx, const char *name, const char *value) {
    struct form *f = ctx;
    char *dst = NULL;
    size_t n = 0;
    if (strcmp(name, "email") == 0)
        dst = f->email, n = sizeof f->email;
    else if (strcmp(name, "password") == 0)
        dst = f->password, n = sizeof f->password;
    else if (strcmp(name, "password2") == 0)
        dst = f->password2, n = sizeof f->password2;
    else if (strcmp(name, "csrf") == 0)
        dst = f->csrf, n = sizeof f->csrf;
    if (!dst)
        return 0; /* other fields are ignored */
    if (strlen(value) >= n)
        f->too_long = true;
    snprintf(dst, n, "%s", value);
    return 0;
}

/* Reads an urlencoded form body into f; false when it is not one. */
static bool read_form(struct MHD_Connection *c, struct rk_http_request *r, struct form *f) {
    memset(f, 0, sizeof *f);
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (r->body.len && (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0))
        return false;
    return rk_form_parse(r->body.data ? r->body.data : "", r->body.len, take, f, NULL) == RK_OK;
}

static void wipe(struct form *f) { sodium_memzero(f, sizeof *f); }

RK_HTTP_HANDLER(rk_http_post_console_login) {
    enum rk_lang lang = rk_http_lang(c);
    const struct words *w = words_for(lang);
    if (!same_origin(s, c, true))
        return message_page(c, r, lang, 403, w->csrf_title, w->csrf, "/console/login",
                            w->signin_link, NULL, 0);
    struct form f;
    if (!read_form(c, r, &f)) {
        wipe(&f);
        struct field_error e = {"email", w->bad_form};
        return login_page(s, c, r, lang, 400, NULL, &e, 1, NULL, 0);
    }
    struct field_error errs[2];
    size_t nerr = 0;
    if (!f.email[0])
        errs[nerr++] = (struct field_error){"email", w->missing_email};
    if (!f.password[0])
        errs[nerr++] = (struct field_error){"password", w->missing_password};
    if (nerr) {
        rk_http_result ret = login_page(s, c, r, lang, 400, f.email, errs, nerr, NULL, 0);
        wipe(&f);
        return ret;
    }
    struct rk_store *st = rk_http_thread_store(s);
    if (!st || !s->writer) {
        wipe(&f);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    char addr[64];
    const char *cls;
    client_address(c, addr, sizeof addr, &cls);
    rk_ts now = rk_time_now();
    struct rk_signin_plan plan;
    rk_err e = rk_staff_signin_plan(st, &s->keys, f.email, addr, now, &plan);
    if (e != RK_OK) {
        wipe(&f);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    /* Always one argon2 run: the real hash, or the dummy for no account or no password. */
    bool ok = rk_staff_verify(plan.found ? plan.account.password : NULL, f.password);
    struct job j = {.kind = J_SIGNIN,
                    .keys = &s->keys,
                    .now = now,
                    .plan = &plan,
                    .address_class = cls,
                    .limits = limits_of(s)};
    j.result = rk_staff_signin_result(&plan, ok, now, &j.reason);
    e = rk_writer_run(s->writer, run_job, &j);
    char email[RK_STAFF_EMAIL_MAX + 1];
    snprintf(email, sizeof email, "%s", f.email);
    wipe(&f);
    if (e != RK_OK) {
        sodium_memzero(j.sid, sizeof j.sid);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    if (j.result == RK_SIGNIN_THROTTLED) {
        long long secs = (long long)(plan.locked_until - now);
        char retry[24], msg[200];
        snprintf(retry, sizeof retry, "%lld", secs > 0 ? secs : 1);
        snprintf(msg, sizeof msg, "%s%lld%s", w->throttled,
                 (secs + 59) / 60 > 0 ? (secs + 59) / 60 : 1, w->throttled2);
        const char *const hdr[][2] = {{"Retry-After", retry}};
        struct field_error er = {"email", msg};
        return login_page(s, c, r, lang, 429, email, &er, 1, hdr, 1);
    }
    if (j.result == RK_SIGNIN_FAILED) {
        struct field_error er = {"email", w->wrong};
        return login_page(s, c, r, lang, 401, email, &er, 1, NULL, 0);
    }
    char cookie[256];
    snprintf(cookie, sizeof cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict%s", RK_SESSION_COOKIE,
             j.sid, cookie_secure(s) ? "; Secure" : "");
    sodium_memzero(j.sid, sizeof j.sid);
    const char *const hdr[][2] = {{"Set-Cookie", cookie}, {"Location", "/console/"}};
    static const char body[] =
        "<!doctype html><title>303</title><a href=\"/console/\">/console/</a>\n";
    rk_http_result ret = rk_http_respond_with(c, r, 303, "text/html; charset=utf-8", body,
                                              sizeof body - 1, MHD_RESPMEM_PERSISTENT, hdr, 2);
    sodium_memzero(cookie, sizeof cookie);
    return ret;
}

RK_HTTP_HANDLER(rk_http_post_console_logout) {
    enum rk_lang lang = rk_http_lang(c);
    const struct words *w = words_for(lang);
    char sid[RK_STAFF_SECRET_LEN + 8];
    bool has = rk_cookie_get(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie"),
                             RK_SESSION_COOKIE, sid, sizeof sid);
    struct form f;
    bool form_ok = read_form(c, r, &f);
    if (has && rk_staff_secret_valid(sid)) {
        char csrf[RK_STAFF_SECRET_LEN + 1];
        rk_staff_csrf(&s->keys, sid, csrf);
        const char *hdr = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token");
        bool token_ok = (hdr && same_secret(hdr, csrf)) || (form_ok && same_secret(f.csrf, csrf));
        wipe(&f);
        if (!token_ok || !same_origin(s, c, false))
            return message_page(c, r, lang, 403, w->csrf_title, w->csrf, "/console/", "/console/",
                                NULL, 0);
        if (s->writer) {
            struct job j = {
                .kind = J_SIGNOUT, .keys = &s->keys, .now = rk_time_now(), .secret = sid};
            rk_err e = rk_writer_run(s->writer, run_job, &j);
            if (e != RK_OK && e != RK_ENOENT)
                return rk_http_error(c, r, 503, "unavailable",
                                     "the register's storage is not available");
        }
    } else {
        wipe(&f);
    }
    char cookie[160];
    snprintf(cookie, sizeof cookie, "%s=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict%s",
             RK_SESSION_COOKIE, cookie_secure(s) ? "; Secure" : "");
    const char *const hdr[][2] = {{"Set-Cookie", cookie}};
    return message_page(c, r, lang, 200, w->signed_out_title, w->signed_out, "/console/login",
                        w->signin_link, hdr, 1);
}

static rk_http_result setup_page(struct MHD_Connection *c, struct rk_http_request *r,
                                 enum rk_lang lang, int status, const char *token,
                                 const struct rk_staff *a, const struct field_error *errs,
                                 size_t nerr) {
    const struct words *w = words_for(lang);
    struct rk_buf b;
    rk_buf_init(&b);
    page_begin(&b, lang, w->setup_title, errs, nerr);
    rk_buf_puts(&b, "<p>");
    rk_buf_put_html(&b, w->setup_intro);
    rk_buf_puts(&b, " <strong>");
    rk_buf_put_html(&b, a->email);
    rk_buf_puts(&b, "</strong>.</p>\n");
    rk_buf_printf(&b, "<form method=\"post\" action=\"/console/setup/%s?lang=%s\" novalidate>\n",
                  token, lang_code(lang));
    /* the account's email for password managers, not sent as a field that matters */
    rk_buf_puts(&b, "<input type=\"hidden\" name=\"email\" autocomplete=\"username\" value=\"");
    rk_buf_put_html(&b, a->email);
    rk_buf_puts(&b, "\">\n");
    field(&b, "password", w->new_password, "password", "new-password", NULL, w->setup_hint, errs,
          nerr);
    field(&b, "password2", w->again, "password", "new-password", NULL, NULL, errs, nerr);
    rk_buf_puts(&b, "<button type=\"submit\">");
    rk_buf_put_html(&b, w->setup_button);
    rk_buf_puts(&b, "</button>\n</form>\n");
    return page_end(&b, lang, c, r, status, NULL, 0);
}

RK_HTTP_HANDLER(rk_http_get_console_setup) {
    enum rk_lang lang = rk_http_lang(c);
    const struct words *w = words_for(lang);
    struct rk_store *st = rk_http_thread_store(s);
    if (!st)
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    struct rk_staff a;
    rk_err e = rk_staff_setup_account(st, &s->keys, r->param[0], rk_time_now(), &a);
    if (e == RK_ENOENT)
        return message_page(c, r, lang, 404, w->setup_gone_title, w->setup_gone, NULL, NULL, NULL,
                            0);
    if (e != RK_OK)
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    return setup_page(c, r, lang, 200, r->param[0], &a, NULL, 0);
}

RK_HTTP_HANDLER(rk_http_post_console_setup) {
    enum rk_lang lang = rk_http_lang(c);
    const struct words *w = words_for(lang);
    if (!same_origin(s, c, true))
        return message_page(c, r, lang, 403, w->csrf_title, w->csrf, NULL, NULL, NULL, 0);
    struct rk_store *st = rk_http_thread_store(s);
    if (!st || !s->writer)
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    rk_ts now = rk_time_now();
    struct rk_staff a;
    rk_err e = rk_staff_setup_account(st, &s->keys, r->param[0], now, &a);
    if (e == RK_ENOENT)
        return message_page(c, r, lang, 404, w->setup_gone_title, w->setup_gone, NULL, NULL, NULL,
                            0);
    if (e != RK_OK)
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    struct form f;
    struct field_error er[1];
    enum rk_pw_problem p = RK_PW_OK;
    bool unreadable = !read_form(c, r, &f);
    if (unreadable) {
        er[0] = (struct field_error){"password", w->bad_form};
    } else {
        p = f.too_long ? RK_PW_LONG : rk_staff_password_check(f.password, a.email, a.name);
        if (p == RK_PW_OK && strcmp(f.password, f.password2) != 0)
            p = RK_PW_MISMATCH;
        if (p != RK_PW_OK)
            er[0] = (struct field_error){p == RK_PW_MISMATCH ? "password2" : "password",
                                         rk_staff_password_text(p, lang)};
    }
    if (p != RK_PW_OK || unreadable) {
        wipe(&f);
        return setup_page(c, r, lang, 422, r->param[0], &a, er, 1);
    }
    struct job j = {.kind = J_SETUP, .keys = &s->keys, .now = now, .token = r->param[0]};
    e = rk_staff_password_hash(f.password, j.pwhash);
    wipe(&f);
    if (e == RK_OK)
        e = rk_writer_run(s->writer, run_job, &j);
    sodium_memzero(j.pwhash, sizeof j.pwhash);
    if (e == RK_ENOENT)
        return message_page(c, r, lang, 404, w->setup_gone_title, w->setup_gone, NULL, NULL, NULL,
                            0);
    if (e != RK_OK)
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    return message_page(c, r, lang, 200, w->setup_done_title, w->setup_done, "/console/login",
                        w->signin_button, NULL, 0);
}

/* ---- GET /api/v1/me ----------------------------------------------------------------------- */

static json_t *text_of(const struct rk_text *t) {
    return json_pack("{s:s?, s:s?}", "fi", t->fi, "en", t->en);
}

static json_t *ts_json(rk_ts t) {
    char buf[RK_TS_LEN + 1];
    if (!t)
        return json_null();
    rk_ts_format(t, buf);
    return json_string(buf);
}

RK_HTTP_HANDLER(rk_http_get_me) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    const struct rk_role *role = rk_http_authenticate(s, c, r, &t, &ret);
    if (!role)
        return ret;
    struct rk_view view = rk_http_view(s, role);
    unsigned caps = rk_view_caps(&view);
    json_t *capa = json_array(), *regs = json_array(), *purposes = json_array();
    for (unsigned i = 0; i < RK_CAP__COUNT; i++)
        if (caps & (1u << i))
            json_array_append_new(capa, json_string(rk_cap_name(i)));
    const struct rk_decl *d = s->decl;
    for (size_t i = 0; i < d->nregisters; i++) {
        const struct rk_register *g = &d->registers[i];
        if (!rk_view_register(&view, g->id))
            continue;
        json_t *cats = json_array();
        for (size_t k = 0; k < g->ncategories; k++) {
            const struct rk_category *cat = g->categories[k];
            if (!rk_role_grants(role, g->id, cat->id))
                continue;
            int f = rk_field_from_id(cat->id);
            json_array_append_new(
                cats,
                json_pack("{s:s, s:o, s:o}", "id", cat->id, "name", text_of(&cat->name), "field",
                          f >= 0 ? json_string(rk_field_id((enum rk_field)f)) : json_null()));
        }
        json_array_append_new(regs, json_pack("{s:s, s:o, s:o}", "id", g->id, "name",
                                              text_of(&g->name), "categories", cats));
    }
    for (size_t i = 0; i < d->npurposes; i++) {
        const struct rk_purpose *p = &d->purposes[i];
        json_t *in = json_array();
        for (size_t g = 0; g < d->nregisters; g++) {
            const struct rk_register *reg = &d->registers[g];
            if (!rk_view_register(&view, reg->id))
                continue;
            if (rk_register_has_purpose(reg, p))
                json_array_append_new(in, json_string(reg->id));
        }
        if (json_array_size(in) == 0) {
            json_decref(in);
            continue;
        }
        json_array_append_new(purposes, json_pack("{s:s, s:o, s:s, s:o}", "id", p->id, "name",
                                                  text_of(&p->name), "basis", rk_basis_id(p->basis),
                                                  "registers", in));
    }
    bool cookie = last.valid && strncmp(t.name, "staff:", 6) == 0;
    json_t *account = json_null(), *csrf = json_null(), *session = json_null();
    if (cookie) {
        char tok[RK_STAFF_SECRET_LEN + 1];
        rk_staff_csrf(&s->keys, last.sid, tok);
        account = json_pack("{s:s, s:s, s:s}", "id", last.account.id, "email", last.account.email,
                            "name", last.account.name);
        csrf = json_string(tok);
        session = json_pack("{s:o, s:o}", "idle_expires", ts_json(last.idle_ends), "expires",
                            ts_json(last.session.expires_at));
    }
    json_t *doc = json_pack("{s:o, s:o, s:{s:s, s:o}, s:o, s:o, s:o, s:o, s:o}", "account", account,
                            "token", cookie ? json_null() : json_string(t.name), "role", "id",
                            role->id, "name", text_of(&role->name), "caps", capa, "registers", regs,
                            "purposes", purposes, "csrf", csrf, "session", session);
    /* The declared roles, for a role that may assign them (the Staff page's role picker). */
    struct rk_view me = rk_http_view(s, role);
    if (doc && (rk_view_caps(&me) & RK_CAP_STAFF)) {
        json_t *roles = json_array();
        for (size_t i = 0; i < s->decl->nroles; i++)
            json_array_append_new(roles, json_pack("{s:s, s:o}", "id", s->decl->roles[i].id, "name",
                                                   text_of(&s->decl->roles[i].name)));
        json_object_set_new(doc, "roles", roles);
    }
    return rk_http_json(c, r, 200, doc);
}

/* ---- Staff accounts and tokens (STAFF cap) ----------------------------------------------- */

static const char *state_of(const struct rk_staff *a) {
    return a->disabled ? "disabled" : a->password[0] ? "active" : "invited";
}

static json_t *account_json(const struct rk_staff *a) {
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "id", a->id, "email", a->email, "name",
                     a->name, "role", a->role, "state", state_of(a), "created",
                     ts_json(a->created_at), "last_signin", ts_json(a->last_signin));
}

static int list_account(void *ctx, const struct rk_staff *a) {
    json_array_append_new(ctx, account_json(a));
    return 0;
}

RK_HTTP_HANDLER(rk_http_get_staff) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_STAFF, &t, NULL, &ret))
        return ret;
    json_t *list = json_array();
    if (rk_store_staff_list(rk_http_thread_store(s), list_account, list) != RK_OK) {
        json_decref(list);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    return rk_http_json(c, r, 200, json_pack("{s:o}", "staff", list));
}

/* Answers a finished account job. */
static rk_http_result job_answer(struct rk_http_server *s, struct MHD_Connection *c,
                                 struct rk_http_request *r, rk_err e, struct job *j, int status) {
    switch (e) {
    case RK_OK: break;
    case RK_ENOENT: return rk_http_error(c, r, 404, "not_found", "no such staff account");
    case RK_ECONFLICT:
        return rk_http_error(c, r, 409, "conflict", "a staff account with this email exists");
    case RK_EREFUSED:
        return rk_http_error(c, r, 409, "conflict",
                             "the account is disabled; enable it before resetting its password");
    default:
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    json_t *doc = json_pack("{s:s, s:s}", "id", j->account.id, "state", state_of(&j->account));
    if (j->kind == J_ADD || j->kind == J_RESET) {
        char url[600];
        if (rk_staff_setup_url(s->public_url, j->setup, url, sizeof url))
            json_object_set_new(doc, "setup_url", json_string(url));
        json_object_set_new(doc, "mailed", json_boolean(j->mail));
    }
    if (j->kind == J_ROLE)
        json_object_set_new(doc, "role", json_string(j->account.role));
    sodium_memzero(j->setup, sizeof j->setup);
    return rk_http_json(c, r, status, doc);
}

RK_HTTP_HANDLER(rk_http_post_staff) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_STAFF, &t, NULL, &ret))
        return ret;
    json_t *doc = rk_http_json_body(c, r, &ret);
    if (!doc)
        return ret;
    bool bad = false;
    const char *email = rk_http_member(doc, "email", &bad);
    const char *name = rk_http_member(doc, "name", &bad);
    const char *role = rk_http_member(doc, "role", &bad);
    char key[RK_STAFF_EMAIL_MAX + 1], nm[RK_STAFF_NAME_MAX * 4 + 1];
    const char *start = NULL;
    struct rk_error why = RK_ERROR_INIT;
    size_t nlen = 0;
    if (bad || !email || !name || !role) {
        json_decref(doc);
        return rk_http_error(c, r, 400, "bad_request", "expected email, name and role as texts");
    }
    if (rk_staff_email(email, key, &why) != RK_OK) {
        json_decref(doc);
        return rk_http_error(c, r, 400, "bad_request", "/email: not an email address");
    }
    if (rk_norm_text(name, RK_STAFF_NAME_MAX, false, &start, &nlen, &why) != RK_OK || !nlen) {
        json_decref(doc);
        return rk_http_error(c, r, 400, "bad_request",
                             "/name: expected a name of 1 to 200 characters on one line");
    }
    snprintf(nm, sizeof nm, "%.*s", (int)nlen, start);
    if (!rk_decl_role(s->decl, role)) {
        json_decref(doc);
        return rk_http_error(c, r, 422, "refused", "/role: not a role of the declaration");
    }
    struct job *j = calloc(1, sizeof *j);
    if (!j) {
        json_decref(doc);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    *j = (struct job){.kind = J_ADD,
                      .keys = &s->keys,
                      .now = rk_time_now(),
                      .actor = t.name,
                      .email = key,
                      .name = nm,
                      .role = role,
                      .public_url = s->public_url,
                      .mail = s->mail_configured};
    rk_err e = rk_writer_run(s->writer, run_job, j);
    ret = job_answer(s, c, r, e, j, 201);
    json_decref(doc);
    free(j);
    return ret;
}

/* The account changes by id: disable, enable, reset, role. */
static rk_http_result change(struct rk_http_server *s, struct MHD_Connection *c,
                             struct rk_http_request *r, enum job_kind kind) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_STAFF, &t, NULL, &ret))
        return ret;
    const char *id = r->param[0];
    if (!rk_id_valid(id))
        return rk_http_error(c, r, 404, "not_found", "no such staff account");
    char self[RK_STAFF_ACTOR_LEN + 1];
    rk_staff_actor(id, self);
    if ((kind == J_DISABLE || kind == J_ROLE) && strcmp(self, t.name) == 0)
        return rk_http_error(c, r, 409, "conflict",
                             "you cannot disable your own account or change its role; ask "
                             "another administrator");
    json_t *doc = NULL;
    const char *role = NULL;
    if (kind == J_ROLE) {
        if (!(doc = rk_http_json_body(c, r, &ret)))
            return ret;
        bool bad = false;
        role = rk_http_member(doc, "role", &bad);
        if (bad || !role) {
            json_decref(doc);
            return rk_http_error(c, r, 400, "bad_request", "expected role as a text");
        }
        if (!rk_decl_role(s->decl, role)) {
            json_decref(doc);
            return rk_http_error(c, r, 422, "refused", "/role: not a role of the declaration");
        }
    }
    struct job *j = calloc(1, sizeof *j);
    if (!j) {
        json_decref(doc);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    *j = (struct job){.kind = kind,
                      .keys = &s->keys,
                      .now = rk_time_now(),
                      .actor = t.name,
                      .id = id,
                      .role = role,
                      .public_url = s->public_url,
                      .mail = kind == J_RESET && s->mail_configured};
    rk_err e = rk_writer_run(s->writer, run_job, j);
    ret = job_answer(s, c, r, e, j, 200);
    json_decref(doc);
    free(j);
    return ret;
}

RK_HTTP_HANDLER(rk_http_post_staff_disable) { return change(s, c, r, J_DISABLE); }
RK_HTTP_HANDLER(rk_http_post_staff_enable) { return change(s, c, r, J_ENABLE); }
RK_HTTP_HANDLER(rk_http_post_staff_reset) { return change(s, c, r, J_RESET); }
RK_HTTP_HANDLER(rk_http_post_staff_role) { return change(s, c, r, J_ROLE); }

static int list_signin(void *ctx, const struct rk_staff_signin *e) {
    json_array_append_new(ctx, json_pack("{s:o, s:b, s:s, s:s}", "at", ts_json(e->at), "ok", e->ok,
                                         "reason", e->reason, "address", e->address));
    return 0;
}

RK_HTTP_HANDLER(rk_http_get_staff_signins) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_STAFF, &t, NULL, &ret))
        return ret;
    struct rk_store *st = rk_http_thread_store(s);
    struct rk_staff a;
    rk_err e =
        rk_id_valid(r->param[0]) ? rk_store_staff_get(st, r->param[0], false, &a) : RK_ENOENT;
    if (e == RK_ENOENT)
        return rk_http_error(c, r, 404, "not_found", "no such staff account");
    json_t *list = json_array();
    if (e == RK_OK)
        e = rk_store_staff_signins(st, a.id, 50, list_signin, list);
    if (e != RK_OK) {
        json_decref(list);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    return rk_http_json(c, r, 200, json_pack("{s:s, s:o}", "id", a.id, "signins", list));
}

static int list_token(void *ctx, const struct rk_token *t) {
    json_array_append_new(ctx, json_pack("{s:s, s:s, s:o, s:o}", "name", t->name, "role", t->role,
                                         "created", ts_json(t->created_at), "revoked",
                                         ts_json(t->revoked_at)));
    return 0;
}

RK_HTTP_HANDLER(rk_http_get_tokens) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_STAFF, &t, NULL, &ret))
        return ret;
    json_t *list = json_array();
    if (rk_store_tokens_list(rk_http_thread_store(s), list_token, list) != RK_OK) {
        json_decref(list);
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    }
    return rk_http_json(c, r, 200, json_pack("{s:o}", "tokens", list));
}

RK_HTTP_HANDLER(rk_http_post_token_revoke) {
    struct rk_token t;
    rk_http_result ret = MHD_NO;
    if (!rk_http_authorize(s, c, r, RK_CAP_STAFF, &t, NULL, &ret))
        return ret;
    struct job j = {.kind = J_REVOKE,
                    .keys = &s->keys,
                    .now = rk_time_now(),
                    .actor = t.name,
                    .id = r->param[0]};
    rk_err e =
        strlen(r->param[0]) <= RK_DECL_ID_MAX ? rk_writer_run(s->writer, run_job, &j) : RK_ENOENT;
    if (e == RK_ENOENT)
        return rk_http_error(c, r, 404, "not_found", "no valid token has this name");
    if (e != RK_OK)
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    return rk_http_json(c, r, 200, json_pack("{s:s, s:b}", "name", r->param[0], "revoked", 1));
}
