/*
 * forms.c — the public web forms of the declaration and their double opt-in:
 *
 *   GET     /forms/{form}      the form as a page (fields, consent text, button)
 *   POST    /forms/{form}      a submission, urlencoded or JSON, from this site or a
 *                              declared origin (CORS); records a pending consent and
 *                              queues the confirmation email, in one transaction
 *   OPTIONS /forms/{form}      the CORS preflight for declared origins
 *   GET     /confirm/{token}   a page with a button; never confirms by itself,
 *                              because mail scanners follow links
 *   POST    /confirm/{token}   confirms: the consent goes live and the values are
 *                              written (core/optin.c); a welcome email carries the
 *                              one-click unsubscribe headers (RFC 8058)
 *
 * A submission is answered the same whether the address is new, known,
 * suppressed or objected, and whether its mail goes or the mail limit
 * withholds it (core/mail_limit.h), in words and in time, so the form tells
 * nobody who is on file.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/links.h"
#include "core/optin.h"
#include "core/time.h"
#include "http/internal.h"
#include "mail/mail.h"
#include "util/form.h"

#define LINK_DAYS        RK_OPTIN_DAYS
#define UNSUBSCRIBE_DAYS 730 /* the welcome email's links: as long as the consent may last */
#define UA_MAX           RK_CONSENT_FIELD_MAX

static const char *tr(enum rk_lang lang, const char *fi, const char *en) {
    return lang == RK_LANG_FI ? fi : en;
}

/* ---- The form page ------------------------------------------------------------------------- */

static const struct rk_form *find_form(struct rk_http_server *s, struct rk_http_request *r) {
    return rk_decl_form(s->decl, r->param[0]);
}

rk_http_result rk_http_get_form(struct rk_http_server *s, struct MHD_Connection *c,
                                struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    const struct rk_form *f = find_form(s, r);
    struct rk_page p;
    if (!f) {
        rk_page_begin(&p, lang, tr(lang, "Lomaketta ei löydy", "No such form"));
        return rk_page_end(&p, c, r, 404);
    }
    rk_page_begin(&p, lang, rk_text_get(&f->name, lang));
    struct rk_buf *b = &p.b;
    rk_buf_puts(b, "<form method=\"post\">\n");
    rk_buf_printf(b, "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n",
                  lang == RK_LANG_FI ? "fi" : "en");
    for (size_t i = 0; i < f->nfields; i++) {
        const struct rk_category *cat = f->fields[i];
        bool required = false;
        for (size_t j = 0; j < f->nrequired; j++)
            required |= f->required[j] == cat;
        required |= strcmp(cat->id, "email") == 0;
        rk_buf_printf(b, "<p><label for=\"f-%s\">", cat->id);
        rk_buf_put_html(b, rk_text_get(&cat->name, lang));
        rk_buf_puts(b, required ? " *</label><br>\n" : "</label><br>\n");
        if (strcmp(cat->id, "interests") == 0)
            rk_buf_printf(b, "<textarea id=\"f-%s\" name=\"%s\" rows=\"4\"%s></textarea></p>\n",
                          cat->id, cat->id, required ? " required" : "");
        else
            rk_buf_printf(b, "<input id=\"f-%s\" name=\"%s\" type=\"%s\"%s></p>\n", cat->id,
                          cat->id,
                          strcmp(cat->id, "email") == 0   ? "email"
                          : strcmp(cat->id, "phone") == 0 ? "tel"
                                                          : "text",
                          required ? " required" : "");
    }
    rk_buf_puts(b, "<p><input id=\"f-consent\" name=\"consent\" type=\"checkbox\" value=\"yes\" "
                   "required> <label for=\"f-consent\">");
    rk_buf_put_html(b, rk_text_get(&f->consent_text, lang));
    rk_buf_puts(b, "</label></p>\n<p><button type=\"submit\">");
    rk_buf_put_html(b, tr(lang, "Tilaa", "Subscribe"));
    rk_buf_puts(b, "</button></p>\n</form>\n");
    return rk_page_end(&p, c, r, 200);
}

/* ---- CORS ---------------------------------------------------------------------------------- */

/*
 * Whether the request may post to the form: no Origin (a plain client), this
 * site's own origin, or one the form declares. *cors is set to the origin to
 * echo in Access-Control-Allow-Origin (NULL for none).
 */
static bool origin_ok(struct rk_http_server *s, struct MHD_Connection *c, const struct rk_form *f,
                      const char **cors) {
    const char *o = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    *cors = NULL;
    if (!o || strcmp(o, s->origin) == 0)
        return true;
    if (!rk_form_origin_allowed(f, o))
        return false;
    *cors = o;
    return true;
}

rk_http_result rk_http_options_form(struct rk_http_server *s, struct MHD_Connection *c,
                                    struct rk_http_request *r) {
    const struct rk_form *f = find_form(s, r);
    if (!f)
        return rk_http_error(c, r, 404, "not_found", "no such form");
    const char *cors = NULL;
    if (!origin_ok(s, c, f, &cors) || !cors)
        return rk_http_error(c, r, 403, "origin_not_allowed",
                             "this origin is not among the form's declared origins");
    const char *const h[][2] = {{"Access-Control-Allow-Origin", cors},
                                {"Access-Control-Allow-Methods", "POST"},
                                {"Access-Control-Allow-Headers", "Content-Type"},
                                {"Access-Control-Max-Age", "600"},
                                {"Vary", "Origin"}};
    return rk_http_respond_with(c, r, 204, NULL, "", 0, MHD_RESPMEM_PERSISTENT, h, 5);
}

/* ---- Submissions --------------------------------------------------------------------------- */

struct submission {
    const struct rk_form *f;
    char raw[RK_F__COUNT][RK_FORM_MAX_VALUE + 1];
    bool given[RK_F__COUNT];
    bool consent;
    enum rk_lang lang;
    char error[RK_JSON_ERR_MAX + 80]; /* names a field, never its value */
};

static bool is_yes(const char *v) {
    return strcmp(v, "yes") == 0 || strcmp(v, "on") == 0 || strcmp(v, "true") == 0 ||
           strcmp(v, "1") == 0;
}

static void expected_fields(const struct rk_form *f, char *out, size_t n) {
    size_t used = 0;
    for (size_t i = 0; i < f->nfields && used < n; i++)
        used += (size_t)snprintf(out + used, n - used, "%s, ", f->fields[i]->id);
    if (used < n)
        snprintf(out + used, n - used, "consent, lang");
}

/* One name=value of a submission; non-zero (with sub->error) refuses it. */
static int take_field(void *ctx, const char *name, const char *value) {
    struct submission *sub = ctx;
    if (strcmp(name, "consent") == 0) {
        sub->consent = is_yes(value);
        return 0;
    }
    if (strcmp(name, "lang") == 0) {
        if (strcmp(value, "fi") != 0 && strcmp(value, "en") != 0) {
            snprintf(sub->error, sizeof sub->error, "lang: expected fi or en");
            return 1;
        }
        sub->lang = value[0] == 'e' ? RK_LANG_EN : RK_LANG_FI;
        return 0;
    }
    for (size_t i = 0; i < sub->f->nfields; i++) {
        if (strcmp(sub->f->fields[i]->id, name) != 0)
            continue;
        int fld = rk_field_from_id(name);
        if (fld < 0)
            break;
        if (sub->given[fld]) {
            snprintf(sub->error, sizeof sub->error, "%s: given twice", name);
            return 1;
        }
        snprintf(sub->raw[fld], sizeof sub->raw[fld], "%s", value);
        sub->given[fld] = true;
        return 0;
    }
    char expected[160];
    expected_fields(sub->f, expected, sizeof expected);
    snprintf(sub->error, sizeof sub->error, "unknown field '%.40s'; this form takes: %s", name,
             expected);
    return 1;
}

/* A flat JSON object of strings (consent may be true). */
static bool parse_json(struct submission *sub, const struct rk_buf *body) {
    json_t *doc = NULL;
    char err[RK_JSON_ERR_MAX];
    if (rk_json_parse(body->data ? body->data : "", body->len, &doc, err, sizeof err) != RK_OK) {
        snprintf(sub->error, sizeof sub->error, "%s", err);
        return false;
    }
    if (!json_is_object(doc)) {
        snprintf(sub->error, sizeof sub->error, "expected a JSON object");
        json_decref(doc);
        return false;
    }
    const char *key;
    json_t *v;
    bool ok = true;
    json_object_foreach(doc, key, v) {
        const char *text = json_is_string(v)  ? json_string_value(v)
                           : json_is_true(v)  ? "true"
                           : json_is_false(v) ? "false"
                                              : NULL;
        if (!text) {
            snprintf(sub->error, sizeof sub->error, "/%.40s: expected a string", key);
            ok = false;
            break;
        }
        if (take_field(sub, key, text) != 0) {
            ok = false;
            break;
        }
    }
    json_decref(doc);
    return ok;
}

struct submit_job {
    struct rk_http_server *s;
    struct rk_optin_request q;
    char person_id[RK_ID_LEN + 1];
    enum rk_mail_outcome mail;
    struct rk_msg msg;
};

/* Composes and queues the confirmation email (rk_mail_queue_fn; core/optin.c decides when). */
static rk_err queue_confirmation(struct rk_reg *reg, void *ctx, const char *person_id,
                                 const char *recipient) {
    struct submit_job *j = ctx;
    struct rk_http_server *s = j->s;
    const struct rk_form *f = j->q.form;
    enum rk_lang lang = j->q.lang;
    struct rk_link l = {.kind = RK_LINK_CONFIRM,
                        .expires = rk_ts_add(j->q.at, (struct rk_duration){LINK_DAYS, 'd'})};
    snprintf(l.person_id, sizeof l.person_id, "%s", person_id);
    snprintf(l.purpose, sizeof l.purpose, "%s", f->purpose->id);
    char token[RK_LINK_MAX], subject[300];
    rk_err err = rk_link_make(&reg->keys, &l, token);
    if (err != RK_OK)
        return err;
    snprintf(subject, sizeof subject, "%s: %s", tr(lang, "Vahvista tilauksesi", "Please confirm"),
             rk_text_get(&f->name, lang));
    struct rk_buf body;
    rk_buf_init(&body);
    const char *controller = s->decl->controller.name;
    if (lang == RK_LANG_FI)
        rk_buf_printf(
            &body,
            "Hei,\n\nJoku – toivottavasti sinä – pyysi liittämään tämän osoitteen "
            "palveluun \"%s\" (%s).\n\nVahvista tilaus avaamalla linkki ja painamalla "
            "sivun painiketta:\n%s/confirm/%s?lang=fi\n\nLinkki on voimassa %d päivää. "
            "Jos et pyytänyt tätä, jätä viesti huomiotta: osoitettasi ei käytetä "
            "markkinointiin ilman vahvistusta.\n\nTietosuojaseloste: %s/privacy?lang=fi\n",
            rk_text_get(&f->name, lang), controller, s->public_url, token, LINK_DAYS,
            s->public_url);
    else
        rk_buf_printf(&body,
                      "Hello,\n\nSomeone – we hope you – asked to add this address to \"%s\" "
                      "(%s).\n\nTo confirm, open the link and press the button on the page:\n"
                      "%s/confirm/%s?lang=en\n\nThe link is valid for %d days. If it was not "
                      "you, ignore this message: the address is not used for marketing without "
                      "confirmation.\n\nPrivacy notice: %s/privacy?lang=en\n",
                      rk_text_get(&f->name, lang), controller, s->public_url, token, LINK_DAYS,
                      s->public_url);
    struct rk_outbox_msg m = {.person_id = person_id,
                              .kind = "confirm",
                              .recipient = recipient,
                              .subject = subject,
                              .body = body.data};
    char why[RK_MAIL_WHY_MAX];
    int64_t id = 0;
    err = rk_buf_status(&body) == RK_OK ? rk_mail_enqueue(reg->store, &m, why, sizeof why, &id)
                                        : RK_ENOMEM;
    rk_buf_cleanup(&body);
    return err;
}

/* Runs on the writer: the pending consent, the signup and the email commit together. */
static rk_err run_submit(struct rk_reg *reg, void *ctx) {
    struct submit_job *j = ctx;
    reg->actor = "self";
    j->q.queue = queue_confirmation;
    j->q.queue_ctx = j;
    /* A refusal leaves nothing in the group: the submission's writes are undone with it
     * (core/optin.c writes inside a savepoint), so the others in the group commit. */
    return rk_optin_submit(reg, &j->q, j->person_id, &j->mail, &j->msg);
}

/* Whether the client wants JSON back: it sent JSON, or asks for it. */
static bool wants_json(struct MHD_Connection *c) {
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    const char *acc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
    return (ct && strncmp(ct, "application/json", 16) == 0) ||
           (acc && strstr(acc, "application/json") && !strstr(acc, "text/html"));
}

/* An answer to a submission: JSON or a page, with the CORS headers when cross-origin. */
static rk_http_result answer(struct MHD_Connection *c, struct rk_http_request *r, bool json,
                             const char *cors, int status, enum rk_lang lang, const char *code,
                             const char *title, const char *text) {
    const char *const h[][2] = {{"Access-Control-Allow-Origin", cors ? cors : ""},
                                {"Vary", "Origin"}};
    size_t nh = cors ? 2 : 0;
    if (status == 503 && rk_writer_failed_here())
        code = RK_HTTP_STORAGE_CODE; /* the page's own words say the rest */
    if (json) {
        json_t *doc = status < 300
                          ? json_pack("{s:s, s:s}", "status", code, "message", text)
                          : json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", text);
        char *body = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
        json_decref(doc);
        if (!body)
            return MHD_NO;
        rk_http_result ret = rk_http_respond_with(c, r, status, "application/json", body,
                                                  strlen(body), MHD_RESPMEM_MUST_COPY, h, nh);
        free(body);
        return ret;
    }
    struct rk_page p;
    rk_page_begin(&p, lang, title);
    rk_page_text(&p, text);
    return rk_page_end_with(&p, c, r, status, h, nh);
}

rk_http_result rk_http_post_form(struct rk_http_server *s, struct MHD_Connection *c,
                                 struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    bool json = wants_json(c);
    const struct rk_form *f = find_form(s, r);
    if (!f)
        return answer(c, r, json, NULL, 404, lang, "not_found", tr(lang, "Virhe", "Error"),
                      tr(lang, "Lomaketta ei löydy.", "No such form."));
    const char *cors = NULL;
    if (!origin_ok(s, c, f, &cors))
        return rk_http_error(c, r, 403, "origin_not_allowed",
                             "this origin is not among the form's declared origins");
    if (!s->writer)
        return answer(c, r, json, cors, 503, lang, "unavailable", tr(lang, "Virhe", "Error"),
                      tr(lang, "Palvelu ei ole juuri nyt käytettävissä.",
                         "The service is not available just now."));
    struct submission *sub = calloc(1, sizeof *sub);
    struct submit_job *j = calloc(1, sizeof *j);
    char ip[64], ua[UA_MAX + 1];
    if (!sub || !j) {
        free(sub);
        free(j);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    sub->f = f;
    sub->lang = lang;
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    int status = 400;
    const char *code = "bad_request";
    char why[200];
    if (ct && strncmp(ct, "application/json", 16) == 0) {
        if (!parse_json(sub, &r->body))
            goto refuse;
    } else if (ct && strncmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
        rk_err e = rk_form_parse(r->body.data ? r->body.data : "", r->body.len, take_field, sub,
                                 why, sizeof why);
        if (e == RK_EPARSE)
            snprintf(sub->error, sizeof sub->error, "%s", why);
        if (e != RK_OK)
            goto refuse;
    } else {
        status = 415;
        code = "unsupported_media_type";
        snprintf(sub->error, sizeof sub->error,
                 "send application/x-www-form-urlencoded or application/json");
        goto refuse;
    }
    status = 422;
    code = "invalid";
    /* Every required field, each value normalised, and the consent box. */
    char(*values)[RK_FORM_MAX_VALUE + 1] = calloc(RK_F__COUNT, sizeof *values);
    if (!values) {
        free(sub);
        free(j);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    for (size_t i = 0; i < f->nrequired && !sub->error[0]; i++) {
        int fld = rk_field_from_id(f->required[i]->id);
        if (fld >= 0 && (!sub->given[fld] || !sub->raw[fld][0]))
            snprintf(sub->error, sizeof sub->error, "%s: required", f->required[i]->id);
    }
    if (!sub->error[0] && (!sub->given[RK_F_EMAIL] || !sub->raw[RK_F_EMAIL][0]))
        snprintf(sub->error, sizeof sub->error, "email: required");
    for (int fld = 0; fld < RK_F__COUNT && !sub->error[0]; fld++) {
        if (!sub->given[fld] || !sub->raw[fld][0])
            continue;
        const char *bad = NULL;
        if (rk_field_normalize((enum rk_field)fld, sub->raw[fld], values[fld],
                               RK_FORM_MAX_VALUE + 1, &bad) != RK_OK) {
            const char *fi = sub->lang == RK_LANG_FI ? rk_norm_why_fi(bad) : NULL;
            snprintf(sub->error, sizeof sub->error, "%s: %s", rk_field_id((enum rk_field)fld),
                     fi    ? fi
                     : bad ? bad
                           : "is not valid");
        } else
            j->q.c.v[fld] = values[fld];
    }
    if (!sub->error[0] && !sub->consent)
        snprintf(sub->error, sizeof sub->error,
                 "consent: the consent box must be ticked to subscribe");
    if (sub->error[0]) {
        free(values);
        goto refuse;
    }
    rk_http_client_ip(c, ip, sizeof ip);
    const char *agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    snprintf(ua, sizeof ua, "%s", agent ? agent : "");
    j->s = s;
    j->q.form = f;
    j->q.lang = sub->lang;
    j->q.ip = ip;
    j->q.user_agent = ua;
    j->q.at = rk_time_now();
    rk_err err = rk_writer_run(s->writer, run_submit, j);
    free(values);
    lang = sub->lang;
    free(sub);
    if (err != RK_OK) {
        free(j);
        return answer(c, r, json, cors, 503, lang, "unavailable", tr(lang, "Virhe", "Error"),
                      tr(lang,
                         "Tilausta ei voitu tallentaa juuri nyt. Yritä hetken päästä uudelleen.",
                         "The subscription could not be recorded just now. Please try again "
                         "shortly."));
    }
    /* Woken whether or not a mail was queued: the sender's pass must not tell (its work
     * competes for the processor with the answer). */
    if (s->sender)
        rk_sender_wake(s->sender);
    if (j->mail == RK_MAIL_WITHHELD)
        atomic_fetch_add(&s->metrics.mail_withheld[RK_MAILC_CONFIRMATION], 1);
    free(j);
    return answer(c, r, json, cors, json ? 202 : 200, lang, "confirmation_sent",
                  tr(lang, "Tarkista sähköpostisi", "Check your email"),
                  tr(lang,
                     "Lähetimme vahvistuslinkin antamaasi osoitteeseen. Tilaus on voimassa, kun "
                     "olet vahvistanut sen linkistä.",
                     "We sent a confirmation link to the address you gave. The subscription "
                     "takes effect once you confirm it through the link."));
refuse:
    lang = sub->lang;
    {
        char text[sizeof sub->error];
        snprintf(text, sizeof text, "%s", sub->error);
        free(sub);
        free(j);
        return answer(c, r, json, cors, status, lang, code,
                      tr(lang, "Tarkista tiedot", "Check the form"), text);
    }
}

/* ---- Confirmation -------------------------------------------------------------------------- */

static bool confirm_link(struct rk_http_server *s, struct rk_http_request *r, struct rk_link *l,
                         const struct rk_purpose **p) {
    return s->writer && rk_link_check(&s->keys, r->param[0], rk_time_now(), l) == RK_OK &&
           l->kind == RK_LINK_CONFIRM && (*p = rk_decl_purpose(s->decl, l->purpose)) != NULL;
}

static rk_http_result invalid_link(struct MHD_Connection *c, struct rk_http_request *r,
                                   enum rk_lang lang, int status) {
    struct rk_page p;
    rk_page_begin(&p, lang, tr(lang, "Linkki ei ole voimassa", "Link not valid"));
    rk_page_text(&p, tr(lang,
                        "Tämä vahvistuslinkki on vanhentunut tai virheellinen. Voit tilata "
                        "uudelleen lomakkeella.",
                        "This confirmation link has expired or is not valid. You can subscribe "
                        "again through the form."));
    return rk_page_end(&p, c, r, status);
}

rk_http_result rk_http_get_confirm(struct rk_http_server *s, struct MHD_Connection *c,
                                   struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    struct rk_link l;
    const struct rk_purpose *pur = NULL;
    if (!confirm_link(s, r, &l, &pur))
        return invalid_link(c, r, lang, 404);
    char text[600];
    snprintf(text, sizeof text, "%s: %s.",
             tr(lang, "Vahvista painikkeella, että annat suostumuksesi käsittelytarkoitukseen",
                "Press the button to confirm that you give your consent for"),
             rk_text_get(&pur->name, lang));
    struct rk_page p;
    rk_page_begin(&p, lang, tr(lang, "Vahvista tilaus", "Confirm your subscription"));
    rk_page_text(&p, text);
    rk_page_button(&p, NULL, 0, tr(lang, "Vahvista", "Confirm"));
    return rk_page_end(&p, c, r, 200);
}

struct confirm_job {
    struct rk_http_server *s;
    const struct rk_link *l;
    const char *ip, *ua;
    enum rk_lang lang; /* of the page: the welcome email's too */
    enum rk_optin_outcome outcome;
};

/* The welcome email after a confirmation: a marketing message, so it carries the
 * one-click unsubscribe headers and the preferences link. */
static rk_err queue_welcome(struct rk_reg *reg, struct confirm_job *j) {
    struct rk_http_server *s = j->s;
    struct rk_entry *e = calloc(1, sizeof *e);
    if (!e)
        return RK_ENOMEM;
    const struct rk_purpose *pur = rk_decl_purpose(s->decl, j->l->purpose);
    const struct rk_register *target = NULL;
    for (size_t i = 0; i < s->decl->nforms && !target; i++)
        if (s->decl->forms[i].purpose == pur)
            target = s->decl->forms[i].reg;
    rk_err err =
        target ? rk_store_entry_get(reg->store, target->id, j->l->person_id, e) : RK_ENOENT;
    if (err != RK_OK || !e->v[RK_F_EMAIL]) {
        free(e);
        return err == RK_ENOENT ? RK_OK : err;
    }
    enum rk_lang lang = j->lang;
    rk_ts now = rk_time_now();
    struct rk_link u1 = {.kind = RK_LINK_UNSUBSCRIBE,
                         .expires = rk_ts_add(now, (struct rk_duration){UNSUBSCRIBE_DAYS, 'd'})};
    struct rk_link p1 = u1;
    p1.kind = RK_LINK_PREFERENCES;
    snprintf(u1.person_id, sizeof u1.person_id, "%s", j->l->person_id);
    snprintf(p1.person_id, sizeof p1.person_id, "%s", j->l->person_id);
    snprintf(u1.purpose, sizeof u1.purpose, "%s", j->l->purpose);
    snprintf(p1.purpose, sizeof p1.purpose, "*");
    char ut[RK_LINK_MAX], pt[RK_LINK_MAX], url[RK_MAIL_URL_MAX], subject[300];
    struct rk_buf body;
    rk_buf_init(&body);
    if ((err = rk_link_make(&reg->keys, &u1, ut)) == RK_OK &&
        (err = rk_link_make(&reg->keys, &p1, pt)) == RK_OK) {
        snprintf(url, sizeof url, "%s/u/%s", s->public_url, ut);
        const char *l = lang == RK_LANG_FI ? "fi" : "en";
        snprintf(subject, sizeof subject, "%s",
                 tr(lang, "Tilauksesi on vahvistettu", "Your subscription is confirmed"));
        rk_buf_printf(&body, "%s: %s.\n\n",
                      tr(lang, "Kiitos! Tilauksesi on vahvistettu",
                         "Thank you! Your subscription is confirmed"),
                      rk_text_get(&pur->name, lang));
        rk_buf_printf(
            &body, "%s\n%s/preferences/%s?lang=%s\n\n%s\n%s?lang=%s\n\n%s %s/privacy?lang=%s\n",
            tr(lang, "Omat valintasi:", "Your preferences:"), s->public_url, pt, l,
            tr(lang, "Peru tilaus yhdellä napsautuksella:", "Unsubscribe with one click:"), url, l,
            tr(lang, "Tietosuojaseloste:", "Privacy notice:"), s->public_url, l);
        struct rk_outbox_msg m = {.person_id = j->l->person_id,
                                  .kind = "welcome",
                                  .recipient = e->v[RK_F_EMAIL],
                                  .subject = subject,
                                  .body = body.data,
                                  .list_unsubscribe = url};
        char why[RK_MAIL_WHY_MAX];
        int64_t id = 0;
        err = rk_buf_status(&body) == RK_OK ? rk_mail_enqueue(reg->store, &m, why, sizeof why, &id)
                                            : RK_ENOMEM;
    }
    rk_buf_cleanup(&body);
    free(e);
    return err;
}

static rk_err run_confirm(struct rk_reg *reg, void *ctx) {
    struct confirm_job *j = ctx;
    reg->actor = "self";
    struct rk_msg msg;
    memset(&msg, 0, sizeof msg);
    rk_err err = rk_optin_confirm(reg, j->l->person_id, j->l->purpose, j->ip, j->ua, rk_time_now(),
                                  &j->outcome, &msg);
    if (err == RK_OK && j->outcome == RK_OPTIN_CONFIRMED)
        err = queue_welcome(reg, j);
    /* A refusal after the first write would leave half a confirmation in the group. */
    return err == RK_EREFUSED || err == RK_EINVAL || err == RK_ECONFLICT ? RK_EIO : err;
}

rk_http_result rk_http_post_confirm(struct rk_http_server *s, struct MHD_Connection *c,
                                    struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    struct rk_link l;
    const struct rk_purpose *pur = NULL;
    if (!confirm_link(s, r, &l, &pur))
        return invalid_link(c, r, lang, 404);
    char ip[64], ua[UA_MAX + 1];
    rk_http_client_ip(c, ip, sizeof ip);
    const char *agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    snprintf(ua, sizeof ua, "%s", agent ? agent : "");
    struct confirm_job j = {s, &l, ip, ua, lang, RK_OPTIN_INVALID};
    struct rk_page p;
    if (rk_writer_run(s->writer, run_confirm, &j) != RK_OK) {
        rk_page_begin(&p, lang, tr(lang, "Yritä myöhemmin", "Try again later"));
        rk_page_text(&p, tr(lang, "Vahvistusta ei voitu tallentaa juuri nyt.",
                            "The confirmation could not be recorded just now."));
        return rk_page_end(&p, c, r, 503);
    }
    if (j.outcome == RK_OPTIN_INVALID)
        return invalid_link(c, r, lang, 410);
    if (j.outcome == RK_OPTIN_CONFIRMED) {
        atomic_fetch_add(&s->metrics.consents_given, 1);
        if (s->sender)
            rk_sender_wake(s->sender);
    }
    rk_page_begin(&p, lang, tr(lang, "Kiitos!", "Thank you!"));
    rk_page_text(&p, j.outcome == RK_OPTIN_CONFIRMED
                         ? tr(lang, "Tilauksesi on vahvistettu.", "Your subscription is confirmed.")
                         : tr(lang, "Tilauksesi oli jo vahvistettu.",
                              "Your subscription was already confirmed."));
    return rk_page_end(&p, c, r, 200);
}
