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

#include "core/contact_input.h"
#include "core/answer.h"
#include "core/links.h"
#include "core/request.h"
#include "http/handlers.h"
#include "http/requests_overdue.h"
#include "http/respond.h"
#include "http/service.h"
#include "http/public.h"
#include "mail/mail.h"
#include "util/form.h"
#include "core/request_mail.h"

static const char *tr(enum rk_lang lang, const char *fi, const char *en) {
    return lang == RK_LANG_FI ? fi : en;
}

struct intake {
    char type[40], email[RK_REQUEST_FIELD_MAX + 1], name[RK_REQUEST_FIELD_MAX + 1];
    char text[RK_REQUEST_TEXT_MAX + 1];
    bool has_type, has_email;
    enum rk_lang lang;
    char error[300]; /* for people, in the page's language; never a value */
    char anchor[16]; /* the field it is about ("r-email"); "": none */
};

/*
 * The request form; with in (a refused request) an error summary leads, the error stands
 * next to its field too, and what was entered is kept (escaped).
 */
static rk_http_result request_form(struct MHD_Connection *c, struct rk_http_request *r,
                                   enum rk_lang lang, const struct intake *in, int status) {
    const char *h1 =
        tr(lang, "Tietosuojaoikeuksien käyttäminen", "Exercise your data protection rights");
    char title[160];
    snprintf(title, sizeof title, "%s%s", in ? tr(lang, "Virhe: ", "Error: ") : "", h1);
    struct rk_page p;
    rk_page_begin_titled(&p, lang, title, h1);
    struct rk_buf *b = &p.b;
    if (in)
        rk_page_error_summary(&p, in->anchor, in->error);
    rk_page_text(&p, tr(lang,
                        "Voit pyytää pääsyä tietoihisi, niiden oikaisemista tai poistamista, "
                        "käsittelyn rajoittamista, tietojen siirtämistä, vastustaa käsittelyä tai "
                        "peruuttaa suostumuksesi. Vastaamme kuukauden kuluessa.",
                        "You may ask for access to your data, its rectification or erasure, "
                        "restriction of processing or data portability, object to processing or "
                        "withdraw your consent. We answer within one month."));
    rk_buf_printf(b, "<p>%s <a href=\"/preferences?lang=%s\">%s</a>.</p>\n",
                  tr(lang, "Tilauksia ja suostumuksia voit muuttaa myös itse:",
                     "You can also change your subscriptions and consents yourself:"),
                  rk_lang_code(lang),
                  tr(lang, "tilauksesi ja valintasi", "your subscriptions and choices"));
    /* novalidate: the server's errors, in the page's language, not the browser's. */
    rk_buf_printf(
        b,
        "<form method=\"post\" novalidate>\n<input type=\"hidden\" name=\"lang\" value=\"%s\">\n",
        rk_lang_code(lang));
    /* One field: its label, its error when it is the one, its attributes. */
#define FIELD_ERROR(id)                                                                            \
    do {                                                                                           \
        if (in && strcmp(in->anchor, id) == 0) {                                                   \
            rk_buf_puts(b, "<span class=\"error\" id=\"" id "-error\">");                          \
            rk_buf_put_html(b, in->error);                                                         \
            rk_buf_puts(b, "</span>\n");                                                           \
        }                                                                                          \
    } while (0)
#define INVALID(id)                                                                                \
    (in && strcmp(in->anchor, id) == 0 ? " aria-invalid=\"true\" aria-describedby=\"" id           \
                                         "-error\""                                                \
                                       : "")
    rk_buf_printf(b, "<p><label for=\"r-type\">%s *</label>\n", tr(lang, "Pyyntö", "Request"));
    FIELD_ERROR("r-type");
    rk_buf_printf(b, "<select id=\"r-type\" name=\"type\" required%s>\n", INVALID("r-type"));
    for (int t = 0; t < RK_RQ_TYPE__COUNT; t++) {
        const char *name = rk_request_type_name((enum rk_request_type)t);
        rk_buf_printf(b, "<option value=\"%s\"%s>", name,
                      in && strcmp(in->type, name) == 0 ? " selected" : "");
        rk_buf_put_html(b, rk_request_type_label((enum rk_request_type)t, lang));
        rk_buf_puts(b, "</option>\n");
    }
    rk_buf_printf(b, "</select></p>\n<p><label for=\"r-email\">%s *</label>\n",
                  tr(lang, "Sähköpostiosoite", "Email address"));
    FIELD_ERROR("r-email");
    rk_buf_printf(b,
                  "<input id=\"r-email\" name=\"email\" type=\"email\" autocomplete=\"email\" "
                  "required%s value=\"",
                  INVALID("r-email"));
    rk_buf_put_html(b, in && !rk_text_fault(in->email, strlen(in->email), false) ? in->email : "");
    rk_buf_printf(b, "\"></p>\n<p><label for=\"r-name\">%s</label>\n", tr(lang, "Nimi", "Name"));
    FIELD_ERROR("r-name");
    rk_buf_printf(b,
                  "<input id=\"r-name\" name=\"name\" type=\"text\" autocomplete=\"name\"%s "
                  "value=\"",
                  INVALID("r-name"));
    /* Values with direction controls or invisible characters are not shown back. */
    rk_buf_put_html(b, in && !rk_text_fault(in->name, strlen(in->name), false) ? in->name : "");
    rk_buf_printf(b, "\"></p>\n<p><label for=\"r-text\">%s</label>\n",
                  tr(lang, "Kerro pyynnöstäsi", "Tell us about your request"));
    FIELD_ERROR("r-text");
    rk_buf_printf(b, "<textarea id=\"r-text\" name=\"text\" rows=\"6\" maxlength=\"%d\"%s>",
                  RK_REQUEST_TEXT_MAX, INVALID("r-text"));
    rk_buf_put_html(b, in && !rk_text_fault(in->text, strlen(in->text), true) ? in->text : "");
    rk_buf_printf(b, "</textarea></p>\n<p><button type=\"submit\">%s</button></p>\n</form>\n",
                  tr(lang, "Lähetä", "Send"));
#undef FIELD_ERROR
#undef INVALID
    return rk_page_end(&p, c, r, status);
}

rk_http_result rk_http_get_requests_form(struct rk_http_server *s, struct MHD_Connection *c,
                                         struct rk_http_request *r) {
    (void)s;
    return request_form(c, r, rk_http_lang(c), NULL, 200);
}

/* The sentence for a field's fault (a why phrase of base/normalize.h) in in's language:
 * "Sähköpostiosoite ei sisällä @-merkkiä." / "The email address has no '@'." */
static void fault(struct intake *in, const char *anchor, const char *fi_label, const char *en_label,
                  const char *why) {
    const char *fi = rk_norm_why_fi(why);
    if (in->lang == RK_LANG_FI)
        snprintf(in->error, sizeof in->error, "%s %s.", fi_label, fi ? fi : "ei kelpaa");
    else
        snprintf(in->error, sizeof in->error, "%s %s.", en_label, why ? why : "is not valid");
    snprintf(in->anchor, sizeof in->anchor, "%s", anchor);
}

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
            if (in->lang == RK_LANG_FI)
                snprintf(in->error, sizeof in->error, "%s on liian pitkä (enintään %zu merkkiä).",
                         i == 1   ? "Sähköpostiosoite"
                         : i == 2 ? "Nimi"
                                  : "Teksti",
                         fields[i].n - 1);
            else
                snprintf(in->error, sizeof in->error,
                         "The %s is too long (at most %zu characters).",
                         i == 1   ? "email address"
                         : i == 2 ? "name"
                                  : "text",
                         fields[i].n - 1);
            snprintf(in->anchor, sizeof in->anchor, "r-%s", name);
            return 1;
        }
        snprintf(fields[i].dst, fields[i].n, "%s", value);
        in->has_type |= i == 0;
        in->has_email |= i == 1;
        return 0;
    }
    snprintf(in->error, sizeof in->error, "%s",
             tr(in->lang, "Lomakkeen tiedot eivät tulleet perille oikein. Täytä lomake uudelleen.",
                "The form's data did not arrive as expected. Please fill in the form again."));
    return 1;
}

struct intake_job {
    struct rk_http_server *s;
    struct rk_request_input in;
    char email[RK_REQUEST_FIELD_MAX * 2 + 1]; /* normalised: the receipt's recipient */
    struct rk_request q;
    struct rk_error msg;
    enum rk_mail_outcome mail;
};

/* Composes and queues the receipt (rk_mail_queue_fn; the mail limit decides when). */
static rk_err queue_receipt(struct rk_reg *reg, void *ctx, const char *person_id,
                            const char *recipient) {
    struct intake_job *j = ctx;
    (void)person_id;
    char status[RK_LINK_MAX]; /* the receipt links the status page */
    rk_err err = rk_answer_status_link(rk_reg_keys(reg), &j->q, j->in.now, status);
    return err != RK_OK ? err
                        : rk_mail_request(rk_reg_store(reg), j->s->decl, j->s->public_url, &j->q,
                                          RK_RQM_RECEIPT, recipient, status, NULL);
}

static rk_err run_intake(struct rk_reg *reg, void *ctx) {
    struct intake_job *j = ctx;
    rk_reg_set_actor(reg, "self");
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
    rk_err e = rk_form_parse(r->body.data ? r->body.data : "", r->body.len, take, in, NULL);
    if (e == RK_EPARSE)
        snprintf(in->error, sizeof in->error, "%s",
                 tr(in->lang,
                    "Lomakkeen tiedot eivät tulleet perille oikein. Täytä lomake "
                    "uudelleen.",
                    "The form's data did not arrive as expected. Please fill in the form again."));
    int type = rk_request_type_parse(in->type);
    const char *bad = NULL;
    if (!in->error[0] && (!in->has_type || type < 0)) {
        snprintf(in->error, sizeof in->error, "%s",
                 tr(in->lang, "Valitse, mitä pyydät.", "Choose what you are asking for."));
        snprintf(in->anchor, sizeof in->anchor, "r-type");
    }
    if (!in->error[0] && (!in->has_email || !in->email[0])) {
        snprintf(in->error, sizeof in->error, "%s",
                 tr(in->lang, "Kirjoita sähköpostiosoitteesi, jotta voimme vastata sinulle.",
                    "Enter your email address so that we can answer you."));
        snprintf(in->anchor, sizeof in->anchor, "r-email");
    }
    if (!in->error[0]) {
        struct rk_contact_input addr;
        rk_contact_input_init(&addr);
        if (rk_contact_input_add(&addr, RK_F_EMAIL, in->email) != RK_OK)
            fault(in, "r-email", "Sähköpostiosoite", "The email address",
                  rk_error_msg(&addr.error));
        else
            snprintf(j->email, sizeof j->email, "%s", addr.c.v[RK_F_EMAIL]);
    }
    /* The texts by the text rule here too, to answer in the page's language (the core checks
     * them again). */
    if (!in->error[0] && (bad = rk_text_fault(in->name, strlen(in->name), false)) != NULL)
        fault(in, "r-name", "Nimi", "The name", bad);
    if (!in->error[0] && (bad = rk_text_fault(in->text, strlen(in->text), true)) != NULL)
        fault(in, "r-text", "Teksti", "The text", bad);
    lang = in->lang;
    if (in->error[0]) {
        rk_http_result ret = request_form(c, r, lang, in, 422);
        free(in);
        free(j);
        return ret;
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
        ret = e == RK_EINVAL || e == RK_ETOOBIG
                  ? page(c, r, lang, 422, tr(lang, "Tarkista tiedot", "Check the form"),
                         tr(lang,
                            "Pyyntöä ei voitu tallentaa näillä tiedoilla. Tarkista tiedot ja "
                            "lähetä pyyntö uudelleen.",
                            "The request could not be recorded with these details. Check them and "
                            "send the request again."))
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
        struct rk_page p;
        rk_page_begin(&p, lang, tr(lang, "Pyyntö vastaanotettu", "Request received"));
        rk_page_text(&p, text);
        rk_page_text(&p, tr(lang,
                            "Seuraavaksi varmistamme henkilöllisyytesi, jotta tietosi eivät päädy "
                            "väärälle henkilölle; kerromme vahvistusviestissä, miten. Säilytä "
                            "pyyntösi tunnus: mainitse se, jos otat meihin yhteyttä.",
                            "Next we make sure of your identity, so that your data does not reach "
                            "anyone else; the receipt tells you how. Keep your request id: give it "
                            "if you contact us."));
        rk_page_link(&p, "/privacy",
                     tr(lang, "Takaisin tietosuojaselosteeseen", "Back to the privacy notice"));
        ret = rk_page_end(&p, c, r, 200);
    }
    free(in);
    free(j);
    return ret;
}

/* ---- email_code verification ---------------------------------------------------------------- */

/* The link's check: RK_OK, RK_ENOENT (expired) or RK_EINVAL (not valid, or not this kind). */
static rk_err verify_link(struct rk_http_server *s, struct rk_http_request *r, struct rk_link *l) {
    if (!s->writer)
        return RK_EINVAL;
    rk_err err = rk_link_check(&s->keys, r->param[0], rk_time_now(), l);
    if (err != RK_OK)
        return err;
    return l->kind == RK_LINK_VERIFY && rk_request_id_valid(l->purpose) ? RK_OK : RK_EINVAL;
}

/* A verification link that does not work: says so and offers the way to start again (410
 * expired, 404 not valid). */
static rk_http_result invalid(struct MHD_Connection *c, struct rk_http_request *r,
                              enum rk_lang lang, rk_err why) {
    bool gone = why == RK_ENOENT;
    struct rk_page p;
    rk_page_begin_bad_link(&p, lang, gone,
                           gone ? tr(lang, "Tämä vahvistuslinkki on vanhentunut.",
                                     "This verification link has expired.")
                                : tr(lang, "Tämä vahvistuslinkki on virheellinen.",
                                     "This verification link is not valid."));
    rk_page_text(&p, tr(lang,
                        "Vastaa pyyntösi vastaanottoviestiin, niin lähetämme uuden linkin, tai "
                        "tee uusi pyyntö lomakkeella.",
                        "Reply to your request's receipt and we will send a new link, or make a "
                        "new request through the form."));
    rk_page_link(&p, "/requests", tr(lang, "Tee uusi pyyntö", "Make a new request"));
    return rk_page_end(&p, c, r, gone ? 410 : 404);
}

rk_http_result rk_http_get_request_verify(struct rk_http_server *s, struct MHD_Connection *c,
                                          struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    struct rk_link l;
    rk_err why = verify_link(s, r, &l);
    if (why != RK_OK)
        return invalid(c, r, lang, why);
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
    struct rk_error msg;
    bool mismatch;
};

static rk_err run_verify(struct rk_reg *reg, void *ctx) {
    struct verify_job *j = ctx;
    rk_reg_set_actor(reg, "self");
    /* The link names the person it was sent to: it verifies only that person's request. */
    rk_err err = rk_store_request_get(rk_reg_store(reg), j->l->purpose, &j->q);
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
    rk_err why = verify_link(s, r, &l);
    if (why != RK_OK)
        return invalid(c, r, lang, why);
    struct verify_job *j = calloc(1, sizeof *j);
    if (!j)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    j->l = &l;
    rk_err e = rk_writer_run(s->writer, run_verify, j);
    rk_http_result ret;
    if (e == RK_OK) {
        char text[400], due[40];
        rk_date_format(j->q.extended_due.y ? j->q.extended_due : j->q.due, lang, due, sizeof due);
        snprintf(text, sizeof text, "%s %s %s.",
                 tr(lang,
                    "Kiitos. Henkilöllisyytesi on vahvistettu, ja käsittelemme pyyntösi. "
                    "Vastaamme sähköpostitse viimeistään",
                    "Thank you. Your identity is verified and we will handle your request. We "
                    "will answer by email by"),
                 due,
                 tr(lang, "(pyynnön tunnus on mainittu vastaanottoviestissä)",
                    "(the request id is in the receipt)"));
        struct rk_page p;
        rk_page_begin(&p, lang, tr(lang, "Pyyntö vahvistettu", "Request confirmed"));
        rk_page_text(&p, text);
        rk_page_link(&p, "/privacy",
                     tr(lang, "Takaisin tietosuojaselosteeseen", "Back to the privacy notice"));
        ret = rk_page_end(&p, c, r, 200);
    } else if (e == RK_EREFUSED && !j->mismatch)
        ret = page(c, r, lang, 200, tr(lang, "Pyyntö on jo vahvistettu", "Already confirmed"),
                   tr(lang, "Tämä pyyntö on jo vahvistettu tai käsitelty.",
                      "This request is already confirmed or handled."));
    else if (e == RK_EREFUSED || e == RK_ENOENT || e == RK_EINVAL)
        ret = invalid(c, r, lang, RK_EINVAL);
    else
        ret = page(c, r, lang, 503, tr(lang, "Virhe", "Error"),
                   tr(lang, "Palvelu ei ole juuri nyt käytettävissä.",
                      "The service is not available just now."));
    free(j);
    return ret;
}
