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
 *                              one-click unsubscribe headers (RFC 8058) and the
 *                              link to the person's consent receipt (receipt.c)
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

#include "core/contact_input.h"
#include "core/links.h"
#include "core/optin.h"
#include "base/time.h"
#include "http/body.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/service.h"
#include "http/public.h"
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

struct submission {
    const struct rk_form *f;
    char raw[RK_F__COUNT][RK_FORM_MAX_VALUE + 1];
    bool given[RK_F__COUNT];
    bool chosen[RK_CHOICES_MAX]; /* of the choices field's declared choices */
    bool consent;
    bool invalid; /* a value refused (422), not a malformed submission (400) */
    enum rk_lang lang;
    char error[RK_JSON_ERR_MAX + 80]; /* for programs: names a field, never its value */
    char people[500];                 /* for people: a sentence in the page's language */
    char anchor[40];                  /* the field the sentence is about ("f-email"); "": none */
};

static bool field_required(const struct rk_form *f, const struct rk_category *cat) {
    for (size_t j = 0; j < f->nrequired; j++)
        if (f->required[j] == cat)
            return true;
    return strcmp(cat->id, "email") == 0;
}

static const char *autocomplete(const char *id) {
    static const char *const map[][2] = {{"email", "email"},
                                         {"name", "name"},
                                         {"phone", "tel"},
                                         {"organisation", "organization"},
                                         {"position", "organization-title"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i][0], id) == 0)
            return map[i][1];
    return NULL;
}

/* The error next to the field it is about (sub NULL or about another field: nothing). */
static void field_error(struct rk_buf *b, const struct submission *sub, const char *anchor) {
    if (!sub || !sub->people[0] || strcmp(sub->anchor, anchor) != 0)
        return;
    rk_buf_printf(b, "<span class=\"error\" id=\"%s-error\">", anchor);
    rk_buf_put_html(b, sub->people);
    rk_buf_puts(b, "</span>\n");
}

static const char *invalid_attrs(const struct submission *sub, const char *anchor, char *out,
                                 size_t n) {
    if (!sub || !sub->people[0] || strcmp(sub->anchor, anchor) != 0)
        return "";
    snprintf(out, n, " aria-invalid=\"true\" aria-describedby=\"%s-error\"", anchor);
    return out;
}

/*
 * The form as a page: each field under the label declared for people (the category's name
 * when none), a category with choices as a set of checkboxes, the consent box, the button.
 * With sub (a refused submission) the error summary leads, the error stands next to its
 * field too, and what was entered is kept (escaped).
 */
static rk_http_result form_page(struct MHD_Connection *c, struct rk_http_request *r,
                                const struct rk_form *f, enum rk_lang lang,
                                const struct submission *sub, int status,
                                const char *const (*headers)[2], size_t nh) {
    const char *name = rk_text_get(&f->name, lang);
    char title[300];
    snprintf(title, sizeof title, "%s%s", sub ? tr(lang, "Virhe: ", "Error: ") : "", name);
    struct rk_page p;
    rk_page_begin_titled(&p, lang, title, name);
    struct rk_buf *b = &p.b;
    char attrs[120];
    if (sub)
        rk_page_error_summary(&p, sub->anchor, sub->people);
    rk_page_text(&p, tr(lang, "Tähdellä (*) merkityt kohdat ovat pakollisia.",
                        "Fields marked with an asterisk (*) are required."));
    /* novalidate: the server's errors, in the page's language, not the browser's. */
    rk_buf_puts(b, "<form method=\"post\" novalidate>\n");
    rk_buf_printf(b, "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n", rk_lang_code(lang));
    for (size_t i = 0; i < f->nfields; i++) {
        const struct rk_category *cat = f->fields[i];
        bool required = field_required(f, cat);
        char anchor[40];
        snprintf(anchor, sizeof anchor, "f-%s", cat->id);
        int fld = rk_field_from_id(cat->id);
        if (cat->nchoices) {
            rk_buf_printf(b, "<fieldset class=\"choices\"%s>\n<legend>",
                          invalid_attrs(sub, anchor, attrs, sizeof attrs));
            rk_buf_put_html(b, rk_form_label(f, i, lang));
            rk_buf_puts(b, required ? " *</legend>\n" : "</legend>\n");
            field_error(b, sub, anchor);
            for (size_t k = 0; k < cat->nchoices && k < RK_CHOICES_MAX; k++) {
                const struct rk_choice *ch = &cat->choices[k];
                rk_buf_printf(b,
                              "<label><input type=\"checkbox\" id=\"%s%s%s\" name=\"%s\" "
                              "value=\"%s\"%s> ",
                              anchor, k ? "-" : "", k ? ch->id : "", cat->id, ch->id,
                              sub && sub->chosen[k] ? " checked" : "");
                rk_buf_put_html(b, rk_text_get(&ch->name, lang));
                rk_buf_puts(b, "</label>\n");
            }
            rk_buf_puts(b, "</fieldset>\n");
            continue;
        }
        rk_buf_printf(b, "<p><label for=\"%s\">", anchor);
        rk_buf_put_html(b, rk_form_label(f, i, lang));
        rk_buf_puts(b, required ? " *</label>\n" : "</label>\n");
        field_error(b, sub, anchor);
        const char *value = sub && fld >= 0 && sub->given[fld] ? sub->raw[fld] : "";
        /* A value with direction controls or invisible characters is not shown back: it
         * would read otherwise than it was written. */
        if (rk_text_fault(value, strlen(value), fld == RK_F_INTERESTS))
            value = "";
        const char *ac = autocomplete(cat->id);
        if (fld == RK_F_INTERESTS) {
            rk_buf_printf(b, "<textarea id=\"%s\" name=\"%s\" rows=\"4\"%s%s>", anchor, cat->id,
                          required ? " required" : "",
                          invalid_attrs(sub, anchor, attrs, sizeof attrs));
            rk_buf_put_html(b, value);
            rk_buf_puts(b, "</textarea></p>\n");
            continue;
        }
        rk_buf_printf(b, "<input id=\"%s\" name=\"%s\" type=\"%s\"", anchor, cat->id,
                      fld == RK_F_EMAIL   ? "email"
                      : fld == RK_F_PHONE ? "tel"
                                          : "text");
        if (ac)
            rk_buf_printf(b, " autocomplete=\"%s\"", ac);
        rk_buf_printf(b, "%s%s value=\"", required ? " required" : "",
                      invalid_attrs(sub, anchor, attrs, sizeof attrs));
        rk_buf_put_html(b, value);
        rk_buf_puts(b, "\"></p>\n");
    }
    rk_buf_printf(b,
                  "<p><input id=\"f-consent\" name=\"consent\" type=\"checkbox\" value=\"yes\" "
                  "required%s> <label for=\"f-consent\">",
                  invalid_attrs(sub, "f-consent", attrs, sizeof attrs));
    rk_buf_put_html(b, rk_text_get(&f->consent_text, lang));
    rk_buf_puts(b, "</label></p>\n");
    field_error(b, sub, "f-consent");
    rk_buf_puts(b, "<p><button type=\"submit\">");
    rk_buf_put_html(b, tr(lang, "Tilaa", "Subscribe"));
    rk_buf_puts(b, "</button></p>\n</form>\n");
    rk_buf_printf(
        b, "<p>%s <a href=\"/privacy?lang=%s\">%s</a>.</p>\n",
        tr(lang, "Miten käsittelemme tietojasi, kerrotaan", "How we handle your data is told in"),
        rk_lang_code(lang), tr(lang, "tietosuojaselosteessa", "the privacy notice"));
    return rk_page_end_with(&p, c, r, status, headers, nh);
}

rk_http_result rk_http_get_form(struct rk_http_server *s, struct MHD_Connection *c,
                                struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    const struct rk_form *f = find_form(s, r);
    if (!f) {
        struct rk_page p;
        rk_page_begin(&p, lang, tr(lang, "Lomaketta ei löydy", "No such form"));
        rk_page_text(&p, tr(lang,
                            "Osoitteessa ei ole lomaketta. Lomakkeet löytyvät "
                            "tietosuojaselosteesta.",
                            "There is no form at this address. The forms are listed in the "
                            "privacy notice."));
        rk_page_form_links(&p, s->decl, NULL);
        return rk_page_end(&p, c, r, 404);
    }
    return form_page(c, r, f, lang, NULL, 200, NULL, 0);
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

/* The sentence for people when the submission is not what a browser sends (for programs the
 * error names the field). */
static void garbled(struct submission *sub) {
    snprintf(sub->people, sizeof sub->people, "%s",
             tr(sub->lang, "Lomakkeen tiedot eivät tulleet perille oikein. Täytä lomake uudelleen.",
                "The form's data did not arrive as expected. Please fill in the form again."));
    sub->anchor[0] = '\0';
}

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

/* Marks the choices named in value (one id, or ids separated by commas) as chosen. */
static int take_choices(struct submission *sub, const struct rk_category *cat, const char *value) {
    const char *p = value;
    while (*p) {
        p += strspn(p, " ,");
        size_t n = strcspn(p, ",");
        while (n && p[n - 1] == ' ')
            n--;
        if (!n)
            break;
        size_t k = 0;
        for (; k < cat->nchoices && k < RK_CHOICES_MAX; k++)
            if (strlen(cat->choices[k].id) == n && memcmp(cat->choices[k].id, p, n) == 0)
                break;
        if (k == cat->nchoices || k == RK_CHOICES_MAX) {
            snprintf(sub->error, sizeof sub->error,
                     "%s: not among the declared choices of the category", cat->id);
            const char *label = rk_text_get(&cat->name, sub->lang);
            for (size_t i = 0; i < sub->f->nfields; i++)
                if (sub->f->fields[i] == cat)
                    label = rk_form_label(sub->f, i, sub->lang);
            if (sub->lang == RK_LANG_FI)
                snprintf(sub->people, sizeof sub->people, "Valitse kohdan ”%s” vaihtoehdoista.",
                         label);
            else
                snprintf(sub->people, sizeof sub->people, "Choose from the options under “%s”.",
                         label);
            snprintf(sub->anchor, sizeof sub->anchor, "f-%s", cat->id);
            sub->invalid = true;
            return 1;
        }
        sub->chosen[k] = true;
        p += strcspn(p, ",");
    }
    return 0;
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
            garbled(sub);
            return 1;
        }
        sub->lang = value[0] == 'e' ? RK_LANG_EN : RK_LANG_FI;
        return 0;
    }
    for (size_t i = 0; i < sub->f->nfields; i++) {
        const struct rk_category *cat = sub->f->fields[i];
        if (strcmp(cat->id, name) != 0)
            continue;
        int fld = rk_field_from_id(name);
        if (fld < 0)
            break;
        if (cat->nchoices) { /* checkboxes: the name comes once for each one ticked */
            sub->given[fld] = true;
            return take_choices(sub, cat, value);
        }
        if (sub->given[fld]) {
            snprintf(sub->error, sizeof sub->error, "%s: given twice", name);
            garbled(sub);
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
    garbled(sub);
    return 1;
}

/* The chosen choices of the choices field, as its value: ids in declared order, ", " apart. */
static void join_choices(struct submission *sub) {
    for (size_t i = 0; i < sub->f->nfields; i++) {
        const struct rk_category *cat = sub->f->fields[i];
        int fld = rk_field_from_id(cat->id);
        if (!cat->nchoices || fld < 0)
            continue;
        size_t used = 0;
        sub->raw[fld][0] = '\0';
        for (size_t k = 0; k < cat->nchoices && k < RK_CHOICES_MAX; k++)
            if (sub->chosen[k])
                used += (size_t)snprintf(sub->raw[fld] + used, sizeof sub->raw[fld] - used, "%s%s",
                                         used ? ", " : "", cat->choices[k].id);
        sub->given[fld] = used > 0;
    }
}

/* A flat JSON object of strings (consent may be true). */
static bool parse_json(struct submission *sub, const struct rk_buf *body) {
    json_t *doc = NULL;
    struct rk_error err = RK_ERROR_INIT;
    if (rk_json_parse(body->data ? body->data : "", body->len, &doc, &err) != RK_OK) {
        snprintf(sub->error, sizeof sub->error, "%.*s", RK_JSON_ERR_MAX - 1, err.message);
        garbled(sub);
        return false;
    }
    if (!json_is_object(doc)) {
        snprintf(sub->error, sizeof sub->error, "expected a JSON object");
        garbled(sub);
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
            garbled(sub);
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

/* A submission on its way through the writer, and what its answer needs: the connection
 * stays suspended from the hand-over until submit_done has queued the answer. */
struct submit_job {
    struct rk_http_server *s;
    struct rk_optin_request q;
    char person_id[RK_ID_LEN + 1];
    enum rk_mail_outcome mail;
    struct rk_error msg;
    struct rk_write_job wj;
    struct MHD_Connection *c;
    struct rk_http_request *r;
    const char *cors; /* the request's Origin header (libmicrohttpd's), or NULL */
    bool json;
    struct rk_contact_input *values; /* q.c's values point into it */
    char ip[64], ua[UA_MAX + 1];
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
    rk_err err = rk_link_make(rk_reg_keys(reg), &l, token);
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
            "Jos et pyytänyt tätä, jätä viesti huomiotta: tätä tilausta ei oteta "
            "käyttöön ilman vahvistusta.\n\nTietosuojaseloste: %s/privacy?lang=fi\n",
            rk_text_get(&f->name, lang), controller, s->public_url, token, LINK_DAYS,
            s->public_url);
    else
        rk_buf_printf(&body,
                      "Hello,\n\nSomeone – we hope you – asked to add this address to \"%s\" "
                      "(%s).\n\nTo confirm, open the link and press the button on the page:\n"
                      "%s/confirm/%s?lang=en\n\nThe link is valid for %d days. If it was not "
                      "you, ignore this message: this subscription does not take effect without "
                      "confirmation.\n\nPrivacy notice: %s/privacy?lang=en\n",
                      rk_text_get(&f->name, lang), controller, s->public_url, token, LINK_DAYS,
                      s->public_url);
    struct rk_outbox_msg m = {.person_id = person_id,
                              .kind = "confirm",
                              .recipient = recipient,
                              .subject = subject,
                              .body = body.data};
    int64_t id = 0;
    err = rk_buf_status(&body) == RK_OK ? rk_mail_enqueue(rk_reg_store(reg), &m, NULL, &id)
                                        : RK_ENOMEM;
    rk_buf_cleanup(&body);
    return err;
}

/* Runs on the writer: the pending consent, the signup and the email commit together. */
static rk_err run_submit(struct rk_reg *reg, void *ctx) {
    struct submit_job *j = ctx;
    rk_reg_set_actor(reg, "self");
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

/* The required-field sentence for people: the label in the page's language. */
static void missing(struct submission *sub, size_t i) {
    const struct rk_form *f = sub->f;
    const struct rk_category *cat = f->fields[i];
    enum rk_lang lang = sub->lang;
    const char *label = rk_form_label(f, i, lang);
    if (strcmp(cat->id, "email") == 0)
        snprintf(sub->people, sizeof sub->people, "%s",
                 tr(lang, "Kirjoita sähköpostiosoitteesi.", "Enter your email address."));
    else if (cat->nchoices && lang == RK_LANG_FI)
        snprintf(sub->people, sizeof sub->people,
                 "Valitse vähintään yksi vaihtoehto kohdassa ”%s”.", label);
    else if (cat->nchoices)
        snprintf(sub->people, sizeof sub->people, "Choose at least one option under “%s”.", label);
    else if (lang == RK_LANG_FI)
        snprintf(sub->people, sizeof sub->people, "Täytä kohta ”%s”.", label);
    else
        snprintf(sub->people, sizeof sub->people, "Fill in “%s”.", label);
    snprintf(sub->anchor, sizeof sub->anchor, "f-%s", cat->id);
}

/* The index of field fld among the form's fields (it is one of them). */
static size_t field_index(const struct rk_form *f, int fld) {
    for (size_t i = 0; i < f->nfields; i++)
        if (rk_field_from_id(f->fields[i]->id) == fld)
            return i;
    return 0;
}

/* Checks the parsed submission: every required field, each value normalised into values,
 * the consent box. False with sub->error (for programs) and sub->people (for people). */
static bool check_submission(struct submission *sub, struct rk_contact_input *values,
                             struct rk_contact *out) {
    const struct rk_form *f = sub->f;
    join_choices(sub);
    for (size_t i = 0; i < f->nfields; i++) {
        int fld = rk_field_from_id(f->fields[i]->id);
        if (fld >= 0 && field_required(f, f->fields[i]) &&
            (!sub->given[fld] || !sub->raw[fld][0])) {
            snprintf(sub->error, sizeof sub->error, "%s: required", f->fields[i]->id);
            missing(sub, i);
            return false;
        }
    }
    rk_contact_input_init(values);
    for (int fld = 0; fld < RK_F__COUNT; fld++) {
        if (!sub->given[fld] || !sub->raw[fld][0])
            continue;
        if (rk_contact_input_add(values, (enum rk_field)fld, sub->raw[fld]) != RK_OK) {
            const struct rk_error *bad = &values->error;
            const char *fi = rk_error_fi(bad);
            snprintf(sub->error, sizeof sub->error, "%s: %s", rk_field_id((enum rk_field)fld),
                     rk_error_msg(bad));
            size_t i = field_index(f, fld);
            /* "Sähköpostiosoite ei sisällä @-merkkiä." / "Email address has no '@'." */
            snprintf(sub->people, sizeof sub->people, "%s %s.", rk_form_label(f, i, sub->lang),
                     sub->lang == RK_LANG_FI ? (fi ? fi : "ei kelpaa")
                                             : rk_error_msg(bad));
            snprintf(sub->anchor, sizeof sub->anchor, "f-%s", f->fields[i]->id);
            return false;
        }
        out->v[fld] = values->c.v[fld];
    }
    if (!sub->consent) {
        snprintf(sub->error, sizeof sub->error,
                 "consent: the consent box must be ticked to subscribe");
        snprintf(sub->people, sizeof sub->people, "%s",
                 tr(sub->lang, "Rastita suostumus, jotta voimme lähettää sinulle viestejä.",
                    "Tick the consent box so that we may send you messages."));
        snprintf(sub->anchor, sizeof sub->anchor, "f-consent");
        return false;
    }
    return true;
}

/* The answer to a submission once its group committed (or failed), on the writer's thread or
 * the request's: queued on the suspended connection, which is then resumed. Frees j. */
static void submit_done(void *ctx, rk_err err) {
    struct submit_job *j = ctx;
    struct rk_http_server *s = j->s;
    struct MHD_Connection *c = j->c;
    enum rk_lang lang = j->q.lang;
    rk_writer_result_here(err); /* answer() asks, for the storage 503 */
    if (err != RK_OK) {
        answer(c, j->r, j->json, j->cors, 503, lang, "unavailable", tr(lang, "Virhe", "Error"),
               tr(lang, "Tilausta ei voitu tallentaa juuri nyt. Yritä hetken päästä uudelleen.",
                  "The subscription could not be recorded just now. Please try again "
                  "shortly."));
        free(j->values);
        free(j);
        MHD_resume_connection(c);
        return;
    }
    /* Woken whether or not a mail was queued: the sender's pass must not tell (its work
     * competes for the processor with the answer). */
    if (s->sender)
        rk_sender_wake(s->sender);
    if (j->mail == RK_MAIL_WITHHELD)
        atomic_fetch_add(&s->metrics.mail_withheld[RK_MAILC_CONFIRMATION], 1);
    char next[600];
    snprintf(next, sizeof next, "%s %d %s",
             tr(lang,
                "Lähetimme vahvistuslinkin antamaasi osoitteeseen. Tilaus on voimassa, kun olet "
                "vahvistanut sen linkistä. Linkki on voimassa",
                "We sent a confirmation link to the address you gave. The subscription takes "
                "effect once you confirm it through the link. The link is valid for"),
             LINK_DAYS,
             tr(lang,
                "päivää. Jos viestiä ei kuulu, tarkista roskapostikansio tai täytä lomake "
                "uudelleen hetken kuluttua.",
                "days. If no message arrives, check your spam folder or fill in the form again a "
                "little later."));
    /* Should the answer not be queued (out of memory), the connection closes once resumed. */
    answer(c, j->r, j->json, j->cors, j->json ? 202 : 200, lang, "confirmation_sent",
           tr(lang, "Tarkista sähköpostisi", "Check your email"), next);
    free(j->values);
    free(j);
    MHD_resume_connection(c);
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
    struct rk_contact_input *values = calloc(1, sizeof *values);
    if (!sub || !j || !values) {
        free(sub);
        free(j);
        free(values);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    sub->f = f;
    sub->lang = lang;
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    int status = 400;
    const char *code = "bad_request";
    struct rk_error why = RK_ERROR_INIT;
    if (ct && strncmp(ct, "application/json", 16) == 0) {
        if (!parse_json(sub, &r->body))
            goto refuse;
    } else if (ct && strncmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
        rk_err e = rk_form_parse(r->body.data ? r->body.data : "", r->body.len, take_field, sub,
                                 &why);
        if (e == RK_EPARSE) {
            snprintf(sub->error, sizeof sub->error, "%s", rk_error_msg(&why));
            garbled(sub);
        }
        if (e != RK_OK) {
            if (sub->invalid) {
                status = 422;
                code = "invalid";
            }
            goto refuse;
        }
    } else {
        status = 415;
        code = "unsupported_media_type";
        snprintf(sub->error, sizeof sub->error,
                 "send application/x-www-form-urlencoded or application/json");
        garbled(sub);
        goto refuse;
    }
    status = 422;
    code = "invalid";
    if (!check_submission(sub, values, &j->q.c))
        goto refuse;
    rk_http_client_ip(c, j->ip, sizeof j->ip);
    const char *agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    snprintf(j->ua, sizeof j->ua, "%s", agent ? agent : "");
    j->s = s;
    j->q.form = f;
    j->q.lang = sub->lang;
    j->q.ip = j->ip;
    j->q.user_agent = j->ua;
    j->q.at = rk_time_now();
    j->c = c;
    j->r = r;
    j->cors = cors;
    j->json = json;
    j->values = values;
    free(sub);
    /* The thread goes on to other connections while the group commits: this one is suspended
     * first, so that submit_done (on the writer's thread, or here when the writer takes no
     * more submissions and the write runs now) finds it so, queues the answer and resumes it.
     * Nothing is sent before that, so a 2xx still follows the commit. */
    MHD_suspend_connection(c);
    if (!rk_writer_submit(s->writer, &j->wj, run_submit, submit_done, j))
        submit_done(j, rk_writer_run(s->writer, run_submit, j));
    return MHD_YES;
refuse:
    free(values);
    free(j);
    if (json) {
        char text[sizeof sub->error];
        snprintf(text, sizeof text, "%s", sub->error);
        lang = sub->lang;
        free(sub);
        return answer(c, r, json, cors, status, lang, code,
                      tr(lang, "Tarkista tiedot", "Check the form"), text);
    }
    const char *const h[][2] = {{"Access-Control-Allow-Origin", cors ? cors : ""},
                                {"Vary", "Origin"}};
    rk_http_result ret = form_page(c, r, f, sub->lang, sub, status, h, cors ? 2 : 0);
    free(sub);
    return ret;
}

/* ---- Confirmation -------------------------------------------------------------------------- */

/* The link's check: RK_OK, RK_ENOENT (expired) or RK_EINVAL (not valid, or not this kind). */
static rk_err confirm_link(struct rk_http_server *s, struct rk_http_request *r, struct rk_link *l,
                           const struct rk_purpose **p) {
    if (!s->writer)
        return RK_EINVAL;
    rk_err err = rk_link_check(&s->keys, r->param[0], rk_time_now(), l);
    if (err != RK_OK)
        return err;
    return l->kind == RK_LINK_CONFIRM && (*p = rk_decl_purpose(s->decl, l->purpose)) != NULL
               ? RK_OK
               : RK_EINVAL;
}

/* A confirmation link that does not work (or no longer has anything to confirm): says so and
 * offers the form again. 410 when expired or used up, 404 when not valid. */
static rk_http_result invalid_link(struct rk_http_server *s, struct MHD_Connection *c,
                                   struct rk_http_request *r, enum rk_lang lang, int status) {
    struct rk_page p;
    bool gone = status == 410;
    rk_page_begin_bad_link(
        &p, lang, gone,
        gone ? tr(lang,
                  "Tämä vahvistuslinkki on vanhentunut, eikä sen kautta ole enää "
                  "mitään vahvistettavaa. Voit tilata uudelleen lomakkeella:",
                  "This confirmation link has expired and there is nothing left "
                  "to confirm through it. You can subscribe again through the form:")
             : tr(lang,
                  "Tämä vahvistuslinkki on virheellinen. Tarkista, että kopioit "
                  "sen kokonaan, tai tilaa uudelleen lomakkeella:",
                  "This confirmation link is not valid. Check that you copied all of "
                  "it, or subscribe again through the form:"));
    rk_page_form_links(&p, s->decl, NULL);
    return rk_page_end(&p, c, r, status);
}

rk_http_result rk_http_get_confirm(struct rk_http_server *s, struct MHD_Connection *c,
                                   struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    struct rk_link l;
    const struct rk_purpose *pur = NULL;
    rk_err why = confirm_link(s, r, &l, &pur);
    if (why != RK_OK)
        return invalid_link(s, c, r, lang, why == RK_ENOENT ? 410 : 404);
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
        target ? rk_store_entry_get(rk_reg_store(reg), target->id, j->l->person_id, e) : RK_ENOENT;
    if (err != RK_OK || !e->v[RK_F_EMAIL]) {
        free(e);
        return err == RK_ENOENT ? RK_OK : err;
    }
    enum rk_lang lang = j->lang;
    rk_ts now = rk_time_now();
    struct rk_link u1 = {.kind = RK_LINK_UNSUBSCRIBE,
                         .expires = rk_ts_add(now, (struct rk_duration){UNSUBSCRIBE_DAYS, 'd'})};
    struct rk_link p1 = u1, r1 = u1;
    p1.kind = RK_LINK_PREFERENCES;
    r1.kind = RK_LINK_RECEIPT;
    snprintf(r1.person_id, sizeof r1.person_id, "%s", j->l->person_id);
    snprintf(r1.purpose, sizeof r1.purpose, "%s", j->l->purpose);
    snprintf(u1.person_id, sizeof u1.person_id, "%s", j->l->person_id);
    snprintf(p1.person_id, sizeof p1.person_id, "%s", j->l->person_id);
    snprintf(u1.purpose, sizeof u1.purpose, "%s", j->l->purpose);
    snprintf(p1.purpose, sizeof p1.purpose, "*");
    char ut[RK_LINK_MAX], pt[RK_LINK_MAX], rt[RK_LINK_MAX], url[RK_MAIL_URL_MAX], subject[300];
    struct rk_buf body;
    rk_buf_init(&body);
    if ((err = rk_link_make(rk_reg_keys(reg), &u1, ut)) == RK_OK &&
        (err = rk_link_make(rk_reg_keys(reg), &p1, pt)) == RK_OK &&
        (err = rk_link_make(rk_reg_keys(reg), &r1, rt)) == RK_OK) {
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
        /* The receipt: the consent record as a file to keep (receipt.c). */
        rk_buf_printf(&body, "\n%s\n%s/receipt/%s?lang=%s\n",
                      tr(lang,
                         "Kuitti suostumuksestasi (JSON-tiedosto, ISO/IEC TS 27560 -muodossa):",
                         "A receipt of your consent (a JSON file in the ISO/IEC TS 27560 format):"),
                      s->public_url, rt, l);
        struct rk_outbox_msg m = {.person_id = j->l->person_id,
                                  .kind = "welcome",
                                  .recipient = e->v[RK_F_EMAIL],
                                  .subject = subject,
                                  .body = body.data,
                                  .list_unsubscribe = url};
        int64_t id = 0;
        err = rk_buf_status(&body) == RK_OK ? rk_mail_enqueue(rk_reg_store(reg), &m, NULL, &id)
                                            : RK_ENOMEM;
    }
    rk_buf_cleanup(&body);
    free(e);
    return err;
}

static rk_err run_confirm(struct rk_reg *reg, void *ctx) {
    struct confirm_job *j = ctx;
    rk_reg_set_actor(reg, "self");
    struct rk_error msg;
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
    rk_err why = confirm_link(s, r, &l, &pur);
    if (why != RK_OK)
        return invalid_link(s, c, r, lang, why == RK_ENOENT ? 410 : 404);
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
        return invalid_link(s, c, r, lang, 410);
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
    rk_page_text(&p, tr(lang,
                        "Saat jatkossa viestejämme tähän osoitteeseen. Jokaisessa viestissä on "
                        "linkki, josta voit perua tilauksen, ja voit muuttaa valintojasi milloin "
                        "tahansa.",
                        "From now on you will get our messages at this address. Every message has "
                        "a link to unsubscribe, and you can change your choices at any time."));
    rk_page_link(&p, "/preferences",
                 tr(lang, "Tilauksesi ja valintasi", "Your subscriptions and choices"));
    return rk_page_end(&p, c, r, 200);
}
