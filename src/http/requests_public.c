/*
 * requests_public.c — the public side of data-subject requests:
 *
 *   GET  /requests                the request form (type, email, name, free text; fi/en)
 *   POST /requests                a request (urlencoded): recorded with a random id shown
 *                                 on the page, and a receipt queued to the address given,
 *                                 in one transaction
 *   GET  /requests/verify/{token} a page with a button; never verifies by itself,
 *                                 because mail scanners follow links
 *   POST /requests/verify/{token} verifies the request (email_code) as "self"
 *
 * The answer to a request is the same whether or not the address is on file,
 * and whether the receipt goes or the mail limit withholds it (a resubmission
 * within its interval; core/mail_limit.h), in words and in time: the page
 * shows the request's id and due date either way.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/answer.h"
#include "core/links.h"
#include "core/request.h"
#include "http/internal.h"
#include "mail/mail.h"
#include "util/form.h"

static const char *tr(enum rk_lang lang, const char *fi, const char *en) {
    return lang == RK_LANG_FI ? fi : en;
}

rk_http_result rk_http_get_requests_form(struct rk_http_server *s, struct MHD_Connection *c,
                                         struct rk_http_request *r) {
    (void)s;
    enum rk_lang lang = rk_http_lang(c);
    struct rk_page p;
    rk_page_begin(
        &p, lang,
        tr(lang, "Tietosuojaoikeuksien käyttäminen", "Exercise your data protection rights"));
    rk_page_text(&p, tr(lang,
                        "Voit pyytää pääsyä tietoihisi, niiden oikaisemista tai poistamista, "
                        "käsittelyn rajoittamista, tietojen siirtämistä, vastustaa käsittelyä tai "
                        "peruuttaa suostumuksesi. Vastaamme kuukauden kuluessa.",
                        "You may ask for access to your data, its rectification or erasure, "
                        "restriction of processing or data portability, object to processing or "
                        "withdraw your consent. We answer within one month."));
    struct rk_buf *b = &p.b;
    rk_buf_printf(b, "<form method=\"post\">\n<input type=\"hidden\" name=\"lang\" value=\"%s\">\n",
                  lang == RK_LANG_FI ? "fi" : "en");
    rk_buf_printf(b,
                  "<p><label for=\"r-type\">%s *</label><br>\n<select id=\"r-type\" "
                  "name=\"type\" required>\n",
                  tr(lang, "Pyyntö", "Request"));
    for (int t = 0; t < RK_RQ_TYPE__COUNT; t++) {
        rk_buf_printf(b, "<option value=\"%s\">", rk_request_type_name((enum rk_request_type)t));
        rk_buf_put_html(b, rk_request_type_label((enum rk_request_type)t, lang));
        rk_buf_puts(b, "</option>\n");
    }
    rk_buf_printf(b,
                  "</select></p>\n<p><label for=\"r-email\">%s *</label><br>\n<input "
                  "id=\"r-email\" name=\"email\" type=\"email\" required></p>\n"
                  "<p><label for=\"r-name\">%s</label><br>\n<input id=\"r-name\" name=\"name\" "
                  "type=\"text\"></p>\n<p><label for=\"r-text\">%s</label><br>\n<textarea "
                  "id=\"r-text\" name=\"text\" rows=\"6\" maxlength=\"%d\"></textarea></p>\n"
                  "<p><button type=\"submit\">%s</button></p>\n</form>\n",
                  tr(lang, "Sähköposti", "Email"), tr(lang, "Nimi", "Name"),
                  tr(lang, "Kerro pyynnöstäsi", "Tell us about your request"), RK_REQUEST_TEXT_MAX,
                  tr(lang, "Lähetä", "Send"));
    return rk_page_end(&p, c, r, 200);
}

/* A why phrase of core/normalize.h in the page's language (Finnish where it has one). */
static const char *why_in(enum rk_lang lang, const char *why) {
    const char *fi = lang == RK_LANG_FI ? rk_norm_why_fi(why) : NULL;
    return fi ? fi : why ? why : "is not valid";
}

struct intake {
    char type[40], email[RK_REQUEST_FIELD_MAX + 1], name[RK_REQUEST_FIELD_MAX + 1];
    char text[RK_REQUEST_TEXT_MAX + 1];
    bool has_type, has_email;
    enum rk_lang lang;
    char error[200]; /* names a field, never its value */
};

static int take(void *ctx, const char *name, const char *value) {
    struct intake *in = ctx;
    struct {
        const char *name;
        char *dst;
        size_t n;
    } fields[] = {{"type", in->type, sizeof in->type},
                  {"email", in->email, sizeof in->email},
                  {"name", in->name, sizeof in->name},
                  {"text", in->text, sizeof in->text}};
    if (strcmp(name, "lang") == 0) {
        in->lang = strcmp(value, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
        return 0;
    }
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (strcmp(name, fields[i].name) != 0)
            continue;
        if (strlen(value) >= fields[i].n) {
            snprintf(in->error, sizeof in->error, "%s: too long (at most %zu bytes)", name,
                     fields[i].n - 1);
            return 1;
        }
        snprintf(fields[i].dst, fields[i].n, "%s", value);
        in->has_type |= i == 0;
        in->has_email |= i == 1;
        return 0;
    }
    snprintf(in->error, sizeof in->error,
             "unknown field '%.40s'; this form takes type, email, name, text and lang", name);
    return 1;
}

struct intake_job {
    struct rk_http_server *s;
    struct rk_request_input in;
    char email[RK_REQUEST_FIELD_MAX * 2 + 1]; /* normalised: the receipt's recipient */
    struct rk_request q;
    struct rk_msg msg;
    enum rk_mail_outcome mail;
};

/* Composes and queues the receipt (rk_mail_queue_fn; the mail limit decides when). */
static rk_err queue_receipt(struct rk_reg *reg, void *ctx, const char *person_id,
                            const char *recipient) {
    struct intake_job *j = ctx;
    (void)person_id;
    char why[RK_MAIL_WHY_MAX], status[RK_LINK_MAX]; /* the receipt links the status page */
    rk_err err = rk_answer_status_link(&reg->keys, &j->q, j->in.now, status);
    return err != RK_OK ? err
                        : rk_mail_request(reg->store, j->s->decl, j->s->public_url, &j->q,
                                          RK_RQM_RECEIPT, recipient, status, why, sizeof why);
}

static rk_err run_intake(struct rk_reg *reg, void *ctx) {
    struct intake_job *j = ctx;
    reg->actor = "self";
    rk_err err = rk_request_create(reg, j->s->tz, &j->in, &j->q, &j->msg);
    if (err != RK_OK)
        return err;
    /* The receipt, within the mail limit, in the same time whether it goes or not. */
    struct rk_mail_job mail = {
        .recipient = j->email, .at = j->in.now, .queue = queue_receipt, .ctx = j};
    err = rk_mail_limit_send(reg, &mail, &j->mail);
    /* A refusal after the first write would leave half a request in the group. */
    return err == RK_OK ? RK_OK : RK_EIO;
}

static rk_http_result page(struct MHD_Connection *c, struct rk_http_request *r, enum rk_lang lang,
                           int status, const char *title, const char *text) {
    struct rk_page p;
    rk_page_begin(&p, lang, title);
    rk_page_text(&p, text);
    return rk_page_end(&p, c, r, status);
}

rk_http_result rk_http_post_requests_form(struct rk_http_server *s, struct MHD_Connection *c,
                                          struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (origin && strcmp(origin, s->origin) != 0)
        return rk_http_error(c, r, 403, "origin_not_allowed",
                             "requests are sent from this site's own form");
    if (!s->writer || !s->tz)
        return page(c, r, lang, 503, tr(lang, "Virhe", "Error"),
                    tr(lang, "Palvelu ei ole juuri nyt käytettävissä.",
                       "The service is not available just now."));
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!ct || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0)
        return rk_http_error(c, r, 415, "unsupported_media_type",
                             "send application/x-www-form-urlencoded");
    struct intake *in = calloc(1, sizeof *in);
    struct intake_job *j = calloc(1, sizeof *j);
    if (!in || !j) {
        free(in);
        free(j);
        return rk_http_error(c, r, 500, "internal", "out of memory");
    }
    in->lang = lang;
    char why[200];
    rk_err e =
        rk_form_parse(r->body.data ? r->body.data : "", r->body.len, take, in, why, sizeof why);
    if (e == RK_EPARSE)
        snprintf(in->error, sizeof in->error, "%s", why);
    int type = rk_request_type_parse(in->type);
    const char *bad = NULL;
    if (!in->error[0] && (!in->has_type || type < 0))
        snprintf(in->error, sizeof in->error, "type: choose one of the request types");
    if (!in->error[0] && (!in->has_email || !in->email[0]))
        snprintf(in->error, sizeof in->error, "email: required, to answer you");
    if (!in->error[0] &&
        rk_field_normalize(RK_F_EMAIL, in->email, j->email, sizeof j->email, &bad) != RK_OK)
        snprintf(in->error, sizeof in->error, "email: %s", why_in(in->lang, bad));
    /* The texts by the text rule here too, to answer in the page's language (the core checks
     * them again). */
    if (!in->error[0] && (bad = rk_text_fault(in->name, strlen(in->name), false)) != NULL)
        snprintf(in->error, sizeof in->error, "name: %s", why_in(in->lang, bad));
    if (!in->error[0] && (bad = rk_text_fault(in->text, strlen(in->text), true)) != NULL)
        snprintf(in->error, sizeof in->error, "text: %s", why_in(in->lang, bad));
    lang = in->lang;
    if (in->error[0]) {
        char text[sizeof in->error];
        snprintf(text, sizeof text, "%s", in->error);
        free(in);
        free(j);
        return page(c, r, lang, 422, tr(lang, "Tarkista tiedot", "Check the form"), text);
    }
    j->s = s;
    j->in = (struct rk_request_input){.type = (enum rk_request_type)type,
                                      .channel = RK_RQC_WEB,
                                      .lang = lang,
                                      .email = in->email,
                                      .name = in->name,
                                      .text = in->text,
                                      .now = rk_time_now()};
    e = rk_writer_run(s->writer, run_intake, j);
    rk_http_result ret;
    if (e != RK_OK) {
        ret =
            e == RK_EINVAL || e == RK_ETOOBIG
                ? page(c, r, lang, 422, tr(lang, "Tarkista tiedot", "Check the form"), j->msg.text)
                : page(c, r, lang, 503, tr(lang, "Virhe", "Error"),
                       tr(lang,
                          "Pyyntöä ei voitu tallentaa juuri nyt. Yritä hetken päästä "
                          "uudelleen.",
                          "The request could not be recorded just now. Please try again "
                          "shortly."));
    } else {
        if (s->sender) /* whether or not the receipt went: the sender's pass must not tell */
            rk_sender_wake(s->sender);
        if (j->mail == RK_MAIL_WITHHELD)
            atomic_fetch_add(&s->metrics.mail_withheld[RK_MAILC_REQUEST_RECEIPT], 1);
        rk_http_overdue_poke(s);
        char text[400], due[40];
        rk_date_format(j->q.due, lang, due, sizeof due); /* 7.1.2027 / 7 January 2027 */
        snprintf(text, sizeof text, "%s %s. %s %s. %s",
                 tr(lang, "Pyyntösi tunnus on", "Your request id is"), j->q.id,
                 tr(lang, "Vastaamme viimeistään", "We will answer by"), due,
                 tr(lang, "Lähetimme vahvistuksen antamaasi osoitteeseen.",
                    "We sent a receipt to the address you gave."));
        ret = page(c, r, lang, 200, tr(lang, "Pyyntö vastaanotettu", "Request received"), text);
    }
    free(in);
    free(j);
    return ret;
}

/* ---- email_code verification ---------------------------------------------------------------- */

static bool verify_link(struct rk_http_server *s, struct rk_http_request *r, struct rk_link *l) {
    return s->writer && rk_link_check(&s->keys, r->param[0], rk_time_now(), l) == RK_OK &&
           l->kind == RK_LINK_VERIFY && rk_request_id_valid(l->purpose);
}

static rk_http_result invalid(struct MHD_Connection *c, struct rk_http_request *r,
                              enum rk_lang lang) {
    return page(c, r, lang, 404, tr(lang, "Linkki ei ole voimassa", "Link not valid"),
                tr(lang,
                   "Tämä vahvistuslinkki on vanhentunut tai virheellinen. Ota yhteyttä meihin, "
                   "niin lähetämme uuden.",
                   "This verification link has expired or is not valid. Contact us and we will "
                   "send a new one."));
}

rk_http_result rk_http_get_request_verify(struct rk_http_server *s, struct MHD_Connection *c,
                                          struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    struct rk_link l;
    if (!verify_link(s, r, &l))
        return invalid(c, r, lang);
    char text[300];
    snprintf(text, sizeof text, "%s %s.",
             tr(lang, "Vahvista painikkeella, että teit pyynnön",
                "Press the button to confirm that you made the request"),
             l.purpose);
    struct rk_page p;
    rk_page_begin(&p, lang, tr(lang, "Vahvista pyyntösi", "Confirm your request"));
    rk_page_text(&p, text);
    rk_page_button(&p, NULL, 0, tr(lang, "Vahvista", "Confirm"));
    return rk_page_end(&p, c, r, 200);
}

struct verify_job {
    const struct rk_link *l;
    struct rk_request q;
    struct rk_msg msg;
    bool mismatch;
};

static rk_err run_verify(struct rk_reg *reg, void *ctx) {
    struct verify_job *j = ctx;
    reg->actor = "self";
    /* The link names the person it was sent to: it verifies only that person's request. */
    rk_err err = rk_store_request_get(reg->store, j->l->purpose, &j->q);
    if (err != RK_OK)
        return err;
    if (strcmp(j->q.person_id, j->l->person_id) != 0) {
        j->mismatch = true;
        return RK_EREFUSED;
    }
    struct rk_request_event ev = {
        .kind = RK_RQE_VERIFY, .at = rk_time_now(), .by = "self", .method = RK_VERIFY_EMAIL_CODE};
    return rk_request_transition(reg, j->l->purpose, &ev, &j->q, &j->msg);
}

rk_http_result rk_http_post_request_verify(struct rk_http_server *s, struct MHD_Connection *c,
                                           struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    struct rk_link l;
    if (!verify_link(s, r, &l))
        return invalid(c, r, lang);
    struct verify_job *j = calloc(1, sizeof *j);
    if (!j)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    j->l = &l;
    rk_err e = rk_writer_run(s->writer, run_verify, j);
    rk_http_result ret;
    if (e == RK_OK)
        ret = page(c, r, lang, 200, tr(lang, "Pyyntö vahvistettu", "Request confirmed"),
                   tr(lang, "Kiitos. Henkilöllisyytesi on vahvistettu, ja käsittelemme pyyntösi.",
                      "Thank you. Your identity is verified and we will handle your request."));
    else if (e == RK_EREFUSED && !j->mismatch)
        ret = page(c, r, lang, 200, tr(lang, "Pyyntö on jo vahvistettu", "Already confirmed"),
                   tr(lang, "Tämä pyyntö on jo vahvistettu tai käsitelty.",
                      "This request is already confirmed or handled."));
    else if (e == RK_EREFUSED || e == RK_ENOENT || e == RK_EINVAL)
        ret = invalid(c, r, lang);
    else
        ret = page(c, r, lang, 503, tr(lang, "Virhe", "Error"),
                   tr(lang, "Palvelu ei ole juuri nyt käytettävissä.",
                      "The service is not available just now."));
    free(j);
    return ret;
}
