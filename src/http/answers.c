/*
 * answers.c — answers that reach the person (core/answer.h has the design):
 *
 *   GET  /requests/status/{token}        the request's type, state and due date (and an
 *                                        extension with its reason), in the request's language
 *   GET  /requests/answer/{token}        the download page: ask for a code, enter it; with a
 *                                        live grant (cookie) the list of files
 *   POST /requests/answer/{token}        action=send: email a one-time code to the request's
 *                                        address (mail limit); code=NNNNNN: check it, and on
 *                                        the right one set the grant and list the files
 *   GET  /requests/answer/{token}/{file} one file (access.html, access.json,
 *                                        portability.json, portability.csv) as an attachment,
 *                                        audited
 *
 * Links that are forged answer 404; expired links, or an answer whose window has passed,
 * answer 410 with the way to ask again. Nothing here names an address or shows a code.
 * Also the DPO's daily digest, queued by the housekeeping thread (rk_http_digest_once).
 */
#include "http/respond.h"
#include "http/service.h"
#include "http/answers.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/answer.h"
#include "core/audit.h"
#include "core/request.h"
#include "keys/seal.h"
#include "http/public.h"
#include "mail/mail.h"
#include "util/cookie.h"
#include "util/form.h"
#include "core/request_mail.h"
#include "views/notice_digest.h"

static const char *tr(enum rk_lang lang, const char *fi, const char *en) {
    return lang == RK_LANG_FI ? fi : en;
}

/* The page's language: ?lang= when given, else the request's (fallback: the browser's). */
static enum rk_lang page_lang(struct MHD_Connection *c, int request_lang) {
    const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "lang");
    if (q || request_lang < 0)
        return rk_http_lang(c);
    return (enum rk_lang)request_lang;
}

/* A page that says what went wrong and offers the way to start again: the request form. */
static rk_http_result dead_link(struct MHD_Connection *c, struct rk_http_request *r,
                                enum rk_lang lang, int status, const char *title,
                                const char *text) {
    struct rk_page p;
    rk_page_begin(&p, lang, title);
    rk_page_text(&p, text);
    rk_page_link(&p, "/requests", tr(lang, "Tee uusi pyyntö", "Make a new request"));
    return rk_page_end(&p, c, r, status);
}

static rk_http_result not_valid(struct MHD_Connection *c, struct rk_http_request *r,
                                enum rk_lang lang) {
    return dead_link(c, r, lang, 404, tr(lang, "Linkki ei ole voimassa", "Link not valid"),
                     tr(lang,
                        "Tämä linkki on virheellinen. Tarkista, että kopioit sen kokonaan "
                        "viestistä, tai tee uusi pyyntö.",
                        "This link is not valid. Check that you copied all of it from the "
                        "message, or make a new request."));
}

static rk_http_result unavailable(struct MHD_Connection *c, struct rk_http_request *r,
                                  enum rk_lang lang) {
    struct rk_page p;
    rk_page_begin(&p, lang, tr(lang, "Virhe", "Error"));
    rk_page_text(&p, tr(lang,
                        "Palvelu ei ole juuri nyt käytettävissä. Yritä hetken päästä "
                        "uudelleen.",
                        "The service is not available just now. Please try again shortly."));
    return rk_page_end(&p, c, r, 503);
}

/* Checks a link of kind: RK_OK, RK_EINVAL (forged, malformed, another kind) or RK_ENOENT
 * (expired). */
static rk_err link_of(struct rk_http_server *s, const char *token, enum rk_link_kind kind,
                      struct rk_link *l) {
    rk_err err = rk_link_check(&s->keys, token, rk_time_now(), l);
    if (err == RK_OK && (l->kind != kind || !rk_request_id_valid(l->purpose)))
        err = RK_EINVAL;
    return err;
}

/* ---- The status page ------------------------------------------------------------------------ */

static const char *state_words(enum rk_request_status st, enum rk_lang lang) {
    switch (st) {
    case RK_RQS_RECEIVED: return tr(lang, "Vastaanotettu", "Received");
    case RK_RQS_VERIFIED: return tr(lang, "Henkilöllisyys vahvistettu", "Identity verified");
    case RK_RQS_IN_PROGRESS: return tr(lang, "Käsittelyssä", "Being handled");
    case RK_RQS_COMPLETED: return tr(lang, "Käsitelty", "Answered");
    case RK_RQS_REJECTED: return tr(lang, "Hylätty", "Declined");
    case RK_RQS__COUNT: break;
    }
    return "";
}

static const char *next_words(const struct rk_request *q, enum rk_lang lang) {
    switch (q->status) {
    case RK_RQS_RECEIVED:
        return tr(lang,
                  "Seuraavaksi varmistamme henkilöllisyytesi. Saatat saada sähköpostiisi "
                  "vahvistuslinkin.",
                  "Next we verify your identity. You may receive a confirmation link by email.");
    case RK_RQS_VERIFIED:
    case RK_RQS_IN_PROGRESS:
        return tr(lang,
                  "Käsittelemme pyyntöäsi. Saat vastauksen sähköpostiisi määräpäivään "
                  "mennessä.",
                  "We are handling your request. You will receive the answer by email by the "
                  "due date.");
    case RK_RQS_COMPLETED:
        return tr(lang,
                  "Pyyntösi on käsitelty. Lähetimme vastauksen sähköpostiisi; jos se sisältää "
                  "tiedostoja, lataa ne viestin linkistä 14 päivän kuluessa.",
                  "Your request has been answered. We sent the answer to your email; if it "
                  "holds files, download them from the message's link within 14 days.");
    case RK_RQS_REJECTED:
        return tr(lang,
                  "Emme voineet toimia pyyntösi perusteella. Lähetimme perustelut ja tiedon "
                  "oikeudestasi tehdä valitus sähköpostiisi.",
                  "We could not act on your request. We sent you the reasons and your right to "
                  "complain by email.");
    case RK_RQS__COUNT: break;
    }
    return "";
}

static void row(struct rk_buf *b, const char *term, const char *value) {
    rk_buf_puts(b, "<dt>");
    rk_buf_put_html(b, term);
    rk_buf_puts(b, "</dt>\n<dd>");
    rk_buf_put_html(b, value);
    rk_buf_puts(b, "</dd>\n");
}

RK_HTTP_HANDLER(rk_http_get_request_status) {
    struct rk_link l;
    rk_err err = s->tz ? link_of(s, r->param[0], RK_LINK_STATUS, &l) : RK_EIO;
    enum rk_lang lang = rk_http_lang(c);
    if (err == RK_EINVAL)
        return not_valid(c, r, lang);
    if (err == RK_EIO)
        return unavailable(c, r, lang);
    struct rk_request *q = calloc(1, sizeof *q);
    struct rk_store *st = rk_http_thread_store(s);
    if (!q || !st) {
        free(q);
        return unavailable(c, r, lang);
    }
    rk_err g = err == RK_OK ? rk_store_request_get(st, l.purpose, q) : RK_ENOENT;
    if (g != RK_OK && g != RK_ENOENT) {
        free(q);
        return unavailable(c, r, lang);
    }
    struct rk_date today = rk_tz_date(s->tz, rk_time_now());
    if (g == RK_OK)
        lang = page_lang(c, (int)q->lang);
    if (err == RK_ENOENT || g == RK_ENOENT ||
        rk_date_cmp(today, rk_answer_status_until(q, s->tz)) > 0) {
        free(q);
        return dead_link(c, r, lang, 410,
                         tr(lang, "Tila ei ole enää nähtävissä", "Status no longer shown"),
                         tr(lang,
                            "Pyynnön tila näytetään 90 päivää sen käsittelyn tai määräpäivän "
                            "jälkeen. Jos haluat tietää lisää tai tehdä uuden pyynnön, käytä "
                            "alla olevaa lomaketta.",
                            "A request's status is shown for 90 days after it was answered or "
                            "its due date. To ask more, or to make a new request, use the form "
                            "below."));
    }
    struct rk_page p;
    char due[40], received[40], closed[40], ext[700];
    rk_date_format(rk_request_effective_due(q), lang, due, sizeof due);
    rk_date_format(q->received_on, lang, received, sizeof received);
    rk_page_begin(&p, lang, tr(lang, "Pyyntösi tila", "Your request's status"));
    rk_buf_puts(&p.b, "<dl>\n");
    row(&p.b, tr(lang, "Pyyntö", "Request"), rk_request_type_label(q->type, lang));
    row(&p.b, tr(lang, "Tunnus", "Request id"), q->id);
    row(&p.b, tr(lang, "Vastaanotettu", "Received"), received);
    row(&p.b, tr(lang, "Tila", "Status"), state_words(q->status, lang));
    if (q->closed_at) {
        rk_date_format(rk_tz_date(s->tz, q->closed_at), lang, closed, sizeof closed);
        row(&p.b,
            q->status == RK_RQS_COMPLETED ? tr(lang, "Käsittelypäivä", "Answered on")
                                          : tr(lang, "Päätöspäivä", "Decided on"),
            closed);
    } else {
        row(&p.b, tr(lang, "Vastaamme viimeistään", "We will answer by"), due);
    }
    if (q->extended_due.y) {
        snprintf(ext, sizeof ext, "%s %d %s %s",
                 tr(lang, "Vastausaikaa on jatkettu", "The time to answer was extended by"),
                 q->extension_months,
                 q->extension_months == 1 ? tr(lang, "kuukaudella.", "month.")
                                          : tr(lang, "kuukaudella.", "months."),
                 tr(lang, "Syy:", "Reason:"));
        rk_buf_puts(&p.b, "<dt>");
        rk_buf_put_html(&p.b, tr(lang, "Jatkettu määräaika", "Extension"));
        rk_buf_puts(&p.b, "</dt>\n<dd>");
        rk_buf_put_html(&p.b, ext);
        rk_buf_puts(&p.b, " ");
        rk_buf_put_html(&p.b, q->extension_reason ? q->extension_reason : "");
        rk_buf_puts(&p.b, "</dd>\n");
    }
    rk_buf_puts(&p.b, "</dl>\n<h2>");
    rk_buf_put_html(&p.b, tr(lang, "Mitä seuraavaksi", "What happens next"));
    rk_buf_puts(&p.b, "</h2>\n");
    rk_page_text(&p, next_words(q, lang));
    rk_page_text(&p, tr(lang,
                        "Voit kysyä pyynnöstäsi vastaamalla saamaasi sähköpostiin. Mainitse "
                        "pyynnön tunnus.",
                        "You can ask about your request by replying to the email you received. "
                        "Mention the request id."));
    free(q);
    return rk_page_end(&p, c, r, 200);
}

/* ---- The answer: pages ---------------------------------------------------------------------- */

static rk_http_result gone(struct MHD_Connection *c, struct rk_http_request *r, enum rk_lang lang) {
    char text[400];
    snprintf(text, sizeof text, "%s %d %s",
             tr(lang, "Tiedostot olivat ladattavissa", "The files could be downloaded for"),
             RK_ANSWER_DAYS,
             tr(lang,
                "päivää, ja ne on nyt poistettu. Jos tarvitset tietosi uudelleen, tee uusi "
                "pyyntö; vastaamme kuukauden kuluessa.",
                "days and have now been deleted. If you need your data again, make a new "
                "request; we answer within one month."));
    return dead_link(c, r, lang, 410, tr(lang, "Tiedostot on poistettu", "The files were deleted"),
                     text);
}

/* The two steps of the page: ask for a code (a POST: it sends mail), then type it. Before a
 * code was sent, asking comes first; after, typing it comes first and asking again is the
 * fallback. */
static void send_form(struct rk_page *p, bool sent) {
    enum rk_lang lang = p->lang;
    rk_buf_printf(&p->b,
                  "<form method=\"post\">\n<input type=\"hidden\" name=\"lang\" value=\"%s\">\n"
                  "<input type=\"hidden\" name=\"action\" value=\"send\">\n"
                  "<p><button type=\"submit\">%s</button></p>\n</form>\n",
                  rk_lang_code(lang),
                  sent ? tr(lang, "Lähetä uusi koodi", "Send a new code")
                       : tr(lang, "Lähetä koodi sähköpostiini", "Email me a code"));
}

static void type_form(struct rk_page *p, bool sent) {
    enum rk_lang lang = p->lang;
    rk_buf_printf(&p->b,
                  "<form method=\"post\">\n<input type=\"hidden\" name=\"lang\" value=\"%s\">\n"
                  "<p><label for=\"a-code\">%s</label><br>\n"
                  "<input id=\"a-code\" name=\"code\" type=\"text\" inputmode=\"numeric\" "
                  "autocomplete=\"one-time-code\" maxlength=\"7\" pattern=\"[0-9 ]{6,7}\"%s></p>\n"
                  "<p><button type=\"submit\">%s</button></p>\n</form>\n",
                  rk_lang_code(lang),
                  tr(lang, "Kertakäyttöinen koodi (6 numeroa)", "One-time code (6 digits)"),
                  sent ? " autofocus" : "", tr(lang, "Avaa tiedostot", "Open the files"));
}

static void h2(struct rk_page *p, const char *text) {
    rk_buf_puts(&p->b, "<h2>");
    rk_buf_put_html(&p->b, text);
    rk_buf_puts(&p->b, "</h2>\n");
}

static void code_forms(struct rk_page *p, bool sent) {
    enum rk_lang lang = p->lang;
    if (!sent) {
        h2(p, tr(lang, "1. Pyydä koodi", "1. Ask for a code"));
        send_form(p, false);
        h2(p, tr(lang, "2. Kirjoita koodi", "2. Type the code"));
        type_form(p, false);
        return;
    }
    type_form(p, true);
    h2(p, tr(lang, "Etkö saanut koodia?", "No code?"));
    rk_page_text(p, tr(lang,
                       "Tarkista roskapostikansio. Voit pyytää uuden koodin; uusi koodi "
                       "korvaa aiemman.",
                       "Check your spam folder. You can ask for a new code; it replaces the "
                       "earlier one."));
    send_form(p, true);
}

static rk_http_result code_page(struct MHD_Connection *c, struct rk_http_request *r,
                                enum rk_lang lang, int status, const char *title, const char *text,
                                bool sent) {
    struct rk_page p;
    rk_page_begin(&p, lang, title);
    if (text)
        rk_page_text(&p, text);
    code_forms(&p, sent);
    return rk_page_end(&p, c, r, status);
}

/* The list of files, after a right code or with a live grant. */
static void file_list(struct rk_page *p, const char *token, const char *request_id,
                      enum rk_request_type type) {
    enum rk_lang lang = p->lang;
    static const char *const fi[RK_AD__COUNT] = {
        "Tietosi luettavassa muodossa (HTML)", "Tietosi koneluettavassa muodossa (JSON)",
        "Antamasi tiedot siirrettävässä muodossa (JSON)", "Antamasi tiedot taulukkona (CSV)"};
    static const char *const en[RK_AD__COUNT] = {
        "Your data to read (HTML)", "Your data, machine-readable (JSON)",
        "The data you provided, portable (JSON)", "The data you provided as a table (CSV)"};
    unsigned set = rk_answer_docs_of(type);
    rk_buf_puts(&p->b, "<ul>\n");
    for (int i = 0; i < RK_AD__COUNT; i++) {
        if (!(set & 1u << i))
            continue;
        rk_buf_printf(&p->b, "<li><a href=\"/requests/answer/%s/%s\" download=\"%s-%s\">", token,
                      rk_answer_doc_name((enum rk_answer_doc)i), request_id,
                      rk_answer_doc_name((enum rk_answer_doc)i));
        rk_buf_put_html(&p->b, lang == RK_LANG_FI ? fi[i] : en[i]);
        rk_buf_puts(&p->b, "</a></li>\n");
    }
    rk_buf_puts(&p->b, "</ul>\n");
    rk_page_text(p, tr(lang,
                       "Tallenna tiedostot itsellesi. Linkit toimivat tällä laitteella 30 "
                       "minuuttia; sen jälkeen pyydä uusi koodi.",
                       "Save the files for yourself. The links work on this device for 30 "
                       "minutes; after that, ask for a new code."));
    rk_page_text(p, tr(lang,
                       "Jos tiedoissa on virhe, voit pyytää niiden oikaisemista pyyntölomakkeella.",
                       "If something in the data is wrong, you can ask for it to be rectified "
                       "through the request form."));
}

/* Reads the answer's row (a read: no writer). */
static rk_err answer_row(struct rk_http_server *s, const char *request_id, struct rk_answer_row *a,
                         struct rk_request *q) {
    struct rk_store *st = rk_http_thread_store(s);
    if (!st)
        return RK_EIO;
    rk_err err = rk_store_answer_get(st, request_id, a);
    if (err == RK_OK && rk_time_now() >= a->expires_at)
        err = RK_ENOENT;
    if (err == RK_OK)
        err = rk_store_request_get(st, request_id, q);
    return err;
}

RK_HTTP_HANDLER(rk_http_get_answer) {
    struct rk_link l;
    enum rk_lang lang = rk_http_lang(c);
    rk_err err = link_of(s, r->param[0], RK_LINK_ANSWER, &l);
    if (err == RK_EINVAL)
        return not_valid(c, r, lang);
    if (err == RK_ENOENT)
        return gone(c, r, lang);
    struct rk_answer_row a;
    struct rk_request *q = calloc(1, sizeof *q);
    err = q ? answer_row(s, l.purpose, &a, q) : RK_ENOMEM;
    if (err == RK_OK)
        lang = page_lang(c, (int)q->lang);
    if (err == RK_ENOENT || (err == RK_OK && strcmp(a.person_id, l.person_id) != 0)) {
        free(q);
        return gone(c, r, lang);
    }
    if (err != RK_OK) {
        free(q);
        return unavailable(c, r, lang);
    }
    char grant[RK_ANSWER_GRANT_LEN + 2];
    const char *cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
    struct rk_page p;
    rk_page_begin(&p, lang, tr(lang, "Lataa tietosi", "Download your data"));
    char text[400], until[40];
    rk_date_format(rk_tz_date(s->tz, a.expires_at), lang, until, sizeof until);
    if (rk_cookie_get(cookie, RK_ANSWER_COOKIE, grant, sizeof grant) &&
        rk_answer_grant_ok(&s->keys, &a, grant, rk_time_now())) {
        file_list(&p, r->param[0], q->id, q->type);
    } else {
        snprintf(text, sizeof text, "%s %s (%s). %s %s.",
                 tr(lang, "Vastaus pyyntöösi", "The answer to your request"), q->id,
                 rk_request_type_label(q->type, lang),
                 tr(lang, "Tiedostot ovat ladattavissa", "The files can be downloaded until"),
                 until);
        rk_page_text(&p, text);
        rk_page_text(&p, tr(lang,
                            "Suojaamme tietosi kertakäyttöisellä koodilla. Lähetämme sen samaan "
                            "sähköpostiosoitteeseen, johon sait tämän linkin.",
                            "We protect your data with a one-time code. We send it to the same "
                            "email address this link came to."));
        code_forms(&p, false);
    }
    free(q);
    return rk_page_end(&p, c, r, 200);
}

/* ---- The answer: the POST ---------------------------------------------------------------------
 */

struct answer_form {
    char action[8], code[16];
    enum rk_lang lang;
    bool bad;
};

static int take(void *ctx, const char *name, const char *value) {
    struct answer_form *f = ctx;
    char *dst = NULL;
    size_t n = 0;
    if (!f)
        return 1;
    if (strcmp(name, "lang") == 0) {
        f->lang = strcmp(value, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
        return 0;
    }
    if (strcmp(name, "action") == 0) {
        dst = f->action;
        n = sizeof f->action;
    } else if (strcmp(name, "code") == 0) {
        dst = f->code;
        n = sizeof f->code;
    }
    if (!dst || strlen(value) >= n) {
        f->bad = true;
        return 1;
    }
    snprintf(dst, n, "%s", value);
    return 0;
}

/* The code as entered, without spaces and dashes ("123 456" -> "123456"). */
static void squeeze(const char *in, char *out, size_t n) {
    size_t o = 0;
    for (; *in && o + 1 < n; in++)
        if (*in != ' ' && *in != '-')
            out[o++] = *in;
    out[o] = '\0';
}

struct answer_job {
    struct rk_http_server *s;
    const struct rk_link *l;
    bool send;
    char code[RK_ANSWER_CODE_DIGITS + 8];
    /* out */
    struct rk_request q;
    bool withheld, mismatch, mailed;
    enum rk_code_verdict verdict;
    int tries_left;
    char grant[RK_ANSWER_GRANT_LEN + 1];
};

static rk_err run_answer(struct rk_reg *reg, void *ctx) {
    struct answer_job *j = ctx;
    rk_reg_set_actor(reg, "self");
    rk_ts now = rk_time_now();
    struct rk_answer_row a;
    rk_err err = rk_answer_get(reg, j->l->purpose, now, &a);
    if (err == RK_OK && strcmp(a.person_id, j->l->person_id) != 0) {
        j->mismatch = true;
        return RK_ENOENT;
    }
    if (err != RK_OK)
        return err;
    if (j->send) {
        char to[RK_REQUEST_FIELD_MAX * 2 + 1], code[RK_ANSWER_CODE_DIGITS + 1];
        err =
            rk_answer_send_code(reg, j->l->purpose, now, &j->q, to, sizeof to, code, &j->withheld);
        if (err == RK_OK) {
            err = rk_mail_request(rk_reg_store(reg), j->s->decl, j->s->public_url, &j->q,
                                  RK_RQM_ANSWER_CODE, to, code, NULL);
            j->mailed = err == RK_OK;
            if (err != RK_OK)
                err = RK_EIO; /* after the code's write: fail the group */
        }
        sodium_memzero(code, sizeof code);
        return err;
    }
    err = rk_answer_enter_code(reg, j->l->purpose, j->code, now, &j->verdict, j->grant);
    if (err == RK_OK && j->verdict == RK_CODE_WRONG &&
        rk_answer_get(reg, j->l->purpose, now, &a) == RK_OK)
        j->tries_left = RK_ANSWER_CODE_TRIES - a.code_tries;
    if (err == RK_OK)
        err = rk_store_request_get(rk_reg_store(reg), j->l->purpose, &j->q);
    return err;
}

/* The Set-Cookie value of a grant for the answer at token. */
static void grant_cookie(const struct rk_http_server *s, const char *grant, char *out, size_t n) {
    bool secure = strncmp(s->public_url, "https://", 8) == 0;
    const char *h = s->public_url + (strncmp(s->public_url, "http://", 7) == 0 ? 7 : 0);
    secure = secure || strncmp(h, "127.", 4) == 0 || strncmp(h, "localhost", 9) == 0 ||
             strncmp(h, "[::1]", 5) == 0;
    snprintf(out, n, "%s=%s; Path=/requests/answer/; Max-Age=%d; HttpOnly; SameSite=Strict%s",
             RK_ANSWER_COOKIE, grant, RK_ANSWER_GRANT_SECONDS, secure ? "; Secure" : "");
}

RK_HTTP_HANDLER(rk_http_post_answer) {
    enum rk_lang lang = rk_http_lang(c);
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    if (origin && strcmp(origin, s->origin) != 0)
        return rk_http_error(c, r, 403, "origin_not_allowed",
                             "the code is entered on this site's own page");
    struct rk_link l;
    rk_err err = link_of(s, r->param[0], RK_LINK_ANSWER, &l);
    if (err == RK_EINVAL)
        return not_valid(c, r, lang);
    if (err == RK_ENOENT)
        return gone(c, r, lang);
    if (!s->writer)
        return unavailable(c, r, lang);
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!ct || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0)
        return rk_http_error(c, r, 415, "unsupported_media_type",
                             "send application/x-www-form-urlencoded");
    struct answer_form f = {.lang = lang};
    if (rk_form_parse(r->body.data ? r->body.data : "", r->body.len, take, &f, NULL) != RK_OK)
        f.bad = true;
    lang = f.lang;
    struct answer_job *j = calloc(1, sizeof *j);
    if (!j)
        return rk_http_error(c, r, 500, "internal", "out of memory");
    j->s = s;
    j->l = &l;
    j->send = strcmp(f.action, "send") == 0;
    squeeze(f.code, j->code, sizeof j->code);
    rk_http_result ret;
    if (f.bad || (!j->send && !j->code[0])) {
        ret = code_page(c, r, lang, 422, tr(lang, "Virhe: tarkista koodi", "Error: check the code"),
                        tr(lang,
                           "Kirjoita sähköpostiisi saamasi 6-numeroinen koodi, tai pyydä "
                           "koodi painikkeella.",
                           "Enter the 6-digit code from your email, or ask for a code with the "
                           "button."),
                        false);
        free(j);
        return ret;
    }
    err = rk_writer_run(s->writer, run_answer, j);
    if (err == RK_ENOENT) {
        ret = gone(c, r, lang);
    } else if (j->send && err == RK_EREFUSED && j->withheld) {
        atomic_fetch_add(&s->metrics.mail_withheld[RK_MAILC_ANSWER_CODE], 1);
        ret = code_page(c, r, lang, 429,
                        tr(lang, "Virhe: liian monta viestiä", "Error: too many messages"),
                        tr(lang,
                           "Olemme lähettäneet tähän osoitteeseen jo useita viestejä. Yritä "
                           "uudelleen myöhemmin; aiemmin lähettämämme koodi toimii 10 minuuttia.",
                           "We have already sent several messages to this address. Please try "
                           "again later; a code we sent earlier works for 10 minutes."),
                        true);
    } else if (err != RK_OK) {
        ret = unavailable(c, r, lang);
    } else if (j->send) {
        if (s->sender)
            rk_sender_wake(s->sender);
        char text[300];
        snprintf(text, sizeof text, "%s %d %s",
                 tr(lang,
                    "Lähetimme koodin samaan sähköpostiosoitteeseen, johon sait linkin. "
                    "Koodi on voimassa",
                    "We sent a code to the same email address the link came to. The code is "
                    "valid for"),
                 RK_ANSWER_CODE_SECONDS / 60, tr(lang, "minuuttia.", "minutes."));
        ret = code_page(c, r, lang, 200, tr(lang, "Koodi lähetetty", "Code sent"), text, true);
    } else if (j->verdict == RK_CODE_RIGHT) {
        char cookie[200];
        grant_cookie(s, j->grant, cookie, sizeof cookie);
        const char *const hdr[][2] = {{"Set-Cookie", cookie}};
        struct rk_page p;
        rk_page_begin(&p, lang, tr(lang, "Lataa tietosi", "Download your data"));
        file_list(&p, r->param[0], j->q.id, j->q.type);
        ret = rk_page_end_with(&p, c, r, 200, hdr, 1);
        sodium_memzero(cookie, sizeof cookie);
    } else if (j->verdict == RK_CODE_WRONG) {
        char text[200];
        snprintf(text, sizeof text, "%s %d.",
                 tr(lang, "Koodi ei ole oikein. Yrityksiä jäljellä:",
                    "The code is not right. Tries left:"),
                 j->tries_left);
        ret = code_page(c, r, lang, 422, tr(lang, "Virhe: väärä koodi", "Error: wrong code"), text,
                        true);
    } else if (j->verdict == RK_CODE_LOCKED) {
        ret = code_page(c, r, lang, 429, tr(lang, "Virhe: koodi lukittu", "Error: code locked"),
                        tr(lang,
                           "Koodi on lukittu, koska se kirjoitettiin väärin viisi kertaa. Pyydä "
                           "uusi koodi.",
                           "The code is locked because it was entered wrongly five times. Ask "
                           "for a new code."),
                        false);
    } else if (j->verdict == RK_CODE_EXPIRED) {
        ret =
            code_page(c, r, lang, 422, tr(lang, "Virhe: koodi vanhentunut", "Error: code expired"),
                      tr(lang, "Koodi on vanhentunut. Pyydä uusi koodi.",
                         "The code has expired. Ask for a new code."),
                      false);
    } else {
        ret = code_page(c, r, lang, 422,
                        tr(lang, "Virhe: pyydä ensin koodi", "Error: ask for a code first"),
                        tr(lang, "Pyydä ensin koodi painikkeella; lähetämme sen sähköpostiisi.",
                           "First ask for a code with the button; we send it to your email."),
                        false);
    }
    sodium_memzero(j->grant, sizeof j->grant);
    free(j);
    return ret;
}

/* ---- One file ------------------------------------------------------------------------------- */

struct file_job {
    const struct rk_link *l;
    const char *grant;
    enum rk_answer_doc doc;
    char *data;
    size_t len;
    bool mismatch;
};

static rk_err run_file(struct rk_reg *reg, void *ctx) {
    struct file_job *j = ctx;
    rk_reg_set_actor(reg, "self");
    rk_ts now = rk_time_now();
    struct rk_answer_row a;
    rk_err err = rk_answer_get(reg, j->l->purpose, now, &a);
    if (err == RK_OK && strcmp(a.person_id, j->l->person_id) != 0)
        err = RK_ENOENT;
    if (err == RK_OK)
        err = rk_answer_download(reg, j->l->purpose, j->grant, j->doc, now, &j->data, &j->len);
    return err;
}

RK_HTTP_HANDLER(rk_http_get_answer_file) {
    enum rk_lang lang = rk_http_lang(c);
    struct rk_link l;
    rk_err err = link_of(s, r->param[0], RK_LINK_ANSWER, &l);
    if (err == RK_EINVAL)
        return not_valid(c, r, lang);
    if (err == RK_ENOENT)
        return gone(c, r, lang);
    if (!s->writer)
        return unavailable(c, r, lang);
    int doc = rk_answer_doc_parse(r->param[1]);
    char grant[RK_ANSWER_GRANT_LEN + 2];
    const char *cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Cookie");
    bool have = rk_cookie_get(cookie, RK_ANSWER_COOKIE, grant, sizeof grant);
    if (doc < 0)
        return dead_link(c, r, lang, 404, tr(lang, "Tiedostoa ei ole", "No such file"),
                         tr(lang, "Tällaista tiedostoa ei ole tässä vastauksessa.",
                            "This answer holds no such file."));
    struct file_job j = {.l = &l, .grant = have ? grant : NULL, .doc = (enum rk_answer_doc)doc};
    err = rk_writer_run(s->writer, run_file, &j);
    if (err == RK_EREFUSED) {
        struct rk_page p;
        rk_page_begin(&p, lang, tr(lang, "Anna ensin koodi", "Enter the code first"));
        rk_page_text(&p, tr(lang,
                            "Tiedostot avautuvat kertakäyttöisellä koodilla, ja avaus on voimassa "
                            "30 minuuttia.",
                            "The files open with a one-time code, for 30 minutes at a time."));
        rk_buf_printf(&p.b, "<p><a href=\"/requests/answer/%s?lang=%s\">%s</a></p>\n", r->param[0],
                      rk_lang_code(lang), tr(lang, "Siirry koodisivulle", "Go to the code page"));
        return rk_page_end(&p, c, r, 403);
    }
    if (err == RK_ENOENT)
        return gone(c, r, lang);
    if (err != RK_OK)
        return unavailable(c, r, lang);
    char disposition[120];
    snprintf(disposition, sizeof disposition, "attachment; filename=\"%s-%s\"", l.purpose,
             rk_answer_doc_name((enum rk_answer_doc)doc));
    const char *const hdr[][2] = {{"Content-Disposition", disposition}};
    rk_http_result ret =
        rk_http_respond_with(c, r, 200, rk_answer_doc_type((enum rk_answer_doc)doc), j.data, j.len,
                             MHD_RESPMEM_MUST_COPY, hdr, 1);
    rk_seal_free(j.data, j.len);
    return ret;
}

/* ---- The DPO's digest ----------------------------------------------------------------------- */

struct digest_job {
    struct rk_http_server *s;
    struct rk_reg *reg;
    const struct rk_digest *g;
    int sent;
    rk_err err;
};

static void send_one(void *ctx, const char *address) {
    struct digest_job *j = ctx;
    if (j->err != RK_OK)
        return;
    rk_err e =
        rk_mail_digest(rk_reg_store(j->reg), j->s->decl, j->s->public_url, j->g, address, NULL);
    if (e == RK_OK)
        j->sent++;
    else if (e != RK_EINVAL) /* a malformed address is skipped, not a failure of the rest */
        j->err = e;
}

void rk_http_digest_once(struct rk_http_server *s, struct rk_store *st) {
    if (!s->tz || s->read_only)
        return;
    rk_ts now = rk_time_now();
    struct rk_date today = rk_tz_date(s->tz, now);
    bool due = false;
    if (rk_answer_digest_due(st, today, &due) != RK_OK || !due)
        return;
    struct rk_digest *g = calloc(1, sizeof *g);
    struct rk_reg_room room;
    struct rk_reg *reg = rk_reg_in(&room);
    if (!g || rk_notice_reg_init(reg, s->decl, st, &s->keys, "digest") != RK_OK) {
        free(g);
        return;
    }
    struct digest_job j = {s, reg, g, 0, RK_OK};
    rk_err err = rk_store_begin(st);
    if (err == RK_OK)
        err = rk_answer_digest_collect(st, today, g);
    int n = 0;
    if (err == RK_OK && g->overdue + g->due_soon > 0) {
        n = rk_answer_digest_recipients(s->decl, st, send_one, &j);
        err = n < 0 ? RK_EIO : j.err;
    }
    char detail[96];
    snprintf(detail, sizeof detail, "overdue=%lld soon=%lld sent=%d", (long long)g->overdue,
             (long long)g->due_soon, j.sent);
    if (err == RK_OK)
        err = rk_audit_append(st, &s->keys, now, "digest", "requests.digest", NULL, detail);
    if (err == RK_OK)
        err = rk_answer_digest_mark(st, today, now);
    if (err == RK_OK)
        err = rk_store_commit(st);
    else
        rk_store_rollback(st);
    char ts[RK_TS_LEN + 1];
    rk_ts_format(now, ts);
    fprintf(stderr,
            "{\"ts\":\"%s\",\"event\":\"requests_digest\",\"ok\":%s,\"overdue\":%lld,"
            "\"due_soon\":%lld,\"sent\":%d}\n",
            ts, err == RK_OK ? "true" : "false", (long long)g->overdue, (long long)g->due_soon,
            err == RK_OK ? j.sent : 0);
    if (err == RK_OK && j.sent && s->sender)
        rk_sender_wake(s->sender);
    free(g);
}
