/*
 * request_mail.c — the emails of the data-subject request workflow
 * (core/request.c), in the request's language: the receipt with the
 * request's id and deadline, the email_code verification link, the notice of
 * an extension with its reason (art 12(3)), and the notice of a rejection
 * with its reason and the right to complain (art 12(4)); the answer's
 * download link and its one-time code (core/answer.h); and the DPO's daily
 * digest of requests due soon or overdue. Each is queued in the caller's
 * transaction with rk_mail_enqueue, so it commits with the step that caused it.
 */
#include <stdio.h>
#include <string.h>

#include "core/answer.h"
#include "core/request.h"
#include "mail/mail.h"
#include "util/buf.h"
#include "core/request_mail.h"

static const char *tr(enum rk_lang lang, const char *fi, const char *en) {
    return lang == RK_LANG_FI ? fi : en;
}

static const char *const type_fi[RK_RQ_TYPE__COUNT] = {
    "tietojen tarkastaminen",      "tietojen oikaiseminen",     "tietojen poistaminen",
    "käsittelyn rajoittaminen",    "tietojen siirtäminen",      "vastustaminen",
    "automaattinen päätöksenteko", "suostumuksen peruuttaminen"};
static const char *const type_en[RK_RQ_TYPE__COUNT] = {
    "access to your data",       "rectification",        "erasure",
    "restriction of processing", "data portability",     "objection",
    "automated decision-making", "withdrawal of consent"};

const char *rk_request_type_label(enum rk_request_type t, enum rk_lang lang) {
    if ((unsigned)t >= RK_RQ_TYPE__COUNT)
        return "?";
    return lang == RK_LANG_FI ? type_fi[t] : type_en[t];
}

rk_err rk_mail_request(struct rk_store *s, const struct rk_decl *d, const char *public_url,
                       const struct rk_request *q, enum rk_request_mail kind, const char *recipient,
                       const char *token, struct rk_error *why) {
    enum rk_lang lang = q->lang;
    const char *l = lang == RK_LANG_FI ? "fi" : "en";
    char subject[200], due[40]; /* in the language's format: 7.1.2027 / 7 January 2027 */
    rk_date_format(rk_request_effective_due(q), lang, due, sizeof due);
    struct rk_buf b;
    rk_buf_init(&b);
    const char *controller = d->controller.name ? d->controller.name : "";
    const char *kind_word = "request";
    rk_buf_printf(&b, "%s\n\n", tr(lang, "Hei,", "Hello,"));
    switch (kind) {
    case RK_RQM_RECEIPT:
        kind_word = "request_receipt";
        snprintf(subject, sizeof subject, "%s %s",
                 tr(lang, "Pyyntösi on vastaanotettu:", "Your request was received:"), q->id);
        rk_buf_printf(&b, "%s (%s).\n\n%s %s\n%s %s\n\n%s\n",
                      tr(lang, "Olemme vastaanottaneet pyyntösi", "We have received your request"),
                      rk_request_type_label(q->type, lang),
                      tr(lang, "Pyynnön tunnus:", "Request id:"), q->id,
                      tr(lang, "Vastaamme viimeistään", "We will answer by"), due,
                      tr(lang,
                         "Ennen kuin toimimme pyynnön perusteella, varmistamme henkilöllisyytesi. "
                         "Jos et tehnyt tätä pyyntöä, ilmoita siitä meille vastaamalla tähän "
                         "viestiin.",
                         "Before we act on it, we verify your identity. If you did not make this "
                         "request, tell us by replying to this message."));
        if (token)
            rk_buf_printf(
                &b, "\n%s\n%s/requests/status/%s?lang=%s\n",
                tr(lang, "Pyyntösi tilan näet osoitteesta:", "You can follow your request here:"),
                public_url, token, l);
        break;
    case RK_RQM_VERIFY:
        kind_word = "request_verify";
        snprintf(subject, sizeof subject, "%s %s",
                 tr(lang, "Vahvista pyyntösi:", "Confirm your request:"), q->id);
        rk_buf_printf(
            &b, "%s %s (%s).\n\n%s\n%s/requests/verify/%s?lang=%s\n\n%s %d %s\n",
            tr(lang, "Vahvista, että teit pyynnön", "Please confirm that you made the request"),
            q->id, rk_request_type_label(q->type, lang),
            tr(lang, "Avaa linkki ja paina sivun painiketta:",
               "Open the link and press the button on the page:"),
            public_url, token ? token : "", l,
            tr(lang, "Linkki on voimassa", "The link is valid for"), RK_REQUEST_LINK_DAYS,
            tr(lang, "päivää.", "days."));
        break;
    case RK_RQM_EXTENDED:
        kind_word = "request_extended";
        snprintf(subject, sizeof subject, "%s %s",
                 tr(lang, "Pyyntösi käsittelyaikaa on jatkettu:",
                    "The time to answer your request was extended:"),
                 q->id);
        rk_buf_printf(&b, "%s %s %d %s\n\n%s %s\n\n%s %s\n",
                      tr(lang, "Pyyntösi", "The deadline of your request"), q->id,
                      q->extension_months,
                      tr(lang, "kuukaudella jatkettu käsittelyaika (EU 2016/679, 12(3) art).",
                         "further month(s) (GDPR art 12(3))."),
                      tr(lang, "Syy:", "Reason:"), q->extension_reason ? q->extension_reason : "",
                      tr(lang, "Vastaamme viimeistään", "We will answer by"), due);
        break;
    case RK_RQM_REJECTED:
        kind_word = "request_rejected";
        snprintf(subject, sizeof subject, "%s %s",
                 tr(lang, "Päätös pyynnöstäsi:", "Decision on your request:"), q->id);
        rk_buf_printf(
            &b, "%s %s.\n\n%s %s\n\n%s %s",
            tr(lang, "Emme voi toimia pyyntösi perusteella:", "We cannot act on your request"),
            q->id, tr(lang, "Syy:", "Reason:"), q->rejection_reason ? q->rejection_reason : "",
            tr(lang, "Sinulla on oikeus tehdä valitus valvontaviranomaiselle:",
               "You have the right to lodge a complaint with the supervisory "
               "authority:"),
            rk_text_get(&d->authority.name, lang) ? rk_text_get(&d->authority.name, lang) : "");
        if (d->authority.url)
            rk_buf_printf(&b, ", %s", d->authority.url);
        rk_buf_puts(&b, tr(lang, ". Voit myös hakea muutosta tuomioistuimelta.\n",
                           ". You may also seek a judicial remedy.\n"));
        break;
    case RK_RQM_ANSWER:
        kind_word = "request_answer";
        snprintf(subject, sizeof subject, "%s %s",
                 tr(lang, "Vastaus pyyntöösi:", "The answer to your request:"), q->id);
        rk_buf_printf(
            &b, "%s (%s, %s).\n\n%s\n%s/requests/answer/%s?lang=%s\n\n%s %d %s\n\n%s\n",
            tr(lang, "Pyyntösi on käsitelty", "Your request has been answered"),
            rk_request_type_label(q->type, lang), q->id,
            tr(lang,
               "Voit ladata tietosi tästä linkistä:", "You can download your data from this link:"),
            public_url, token ? token : "", l, tr(lang, "Linkki toimii", "The link works for"),
            RK_ANSWER_DAYS,
            tr(lang, "päivää. Sen jälkeen tiedostot poistetaan.",
               "days. After that the files are deleted."),
            tr(lang,
               "Sivu pyytää kertakäyttöisen koodin, jonka lähetämme tähän samaan osoitteeseen, "
               "kun pyydät sitä sivulla. Älä välitä tätä viestiä muille.",
               "The page asks for a one-time code, which we send to this same address when you "
               "ask for it on the page. Do not forward this message."));
        break;
    case RK_RQM_ANSWER_CODE:
        kind_word = "answer_code";
        snprintf(subject, sizeof subject, "%s %s",
                 tr(lang, "Kertakäyttöinen koodi pyyntöön", "Your one-time code for request"),
                 q->id);
        rk_buf_printf(&b, "%s %s: %s\n\n%s %d %s\n",
                      tr(lang, "Koodi pyyntösi vastauksen lataamiseen",
                         "The code to download the answer to your request"),
                      q->id, token ? token : "",
                      tr(lang, "Koodi on voimassa", "The code is valid for"),
                      RK_ANSWER_CODE_SECONDS / 60,
                      tr(lang,
                         "minuuttia. Jos et pyytänyt koodia, voit jättää tämän viestin "
                         "huomiotta.",
                         "minutes. If you did not ask for a code, you can ignore this message."));
        break;
    }
    rk_buf_printf(&b, "\n%s\n%s %s/privacy?lang=%s\n", controller,
                  tr(lang, "Tietosuojaseloste:", "Privacy notice:"), public_url, l);
    rk_err err = rk_buf_status(&b);
    if (err == RK_OK) {
        struct rk_outbox_msg m = {.person_id = q->person_id[0] ? q->person_id : NULL,
                                  .kind = kind_word,
                                  .recipient = recipient,
                                  .subject = subject,
                                  .body = b.data};
        int64_t id = 0;
        err = rk_mail_enqueue(s, &m, why, &id);
    }
    rk_buf_cleanup(&b);
    return err;
}

/* ---- The DPO's digest ----------------------------------------------------------------------- */

static void digest_lines(struct rk_buf *b, const struct rk_digest *g, enum rk_lang lang,
                         bool overdue) {
    for (int i = 0; i < g->n; i++) {
        const struct rk_digest_line *x = &g->line[i];
        if (x->overdue != overdue)
            continue;
        char due[40];
        rk_date_format(x->due, lang, due, sizeof due);
        rk_buf_printf(b, "  %s  %s  %s %s\n", x->id, rk_request_type_label(x->type, lang),
                      tr(lang, "määräpäivä", "due"), due);
    }
}

rk_err rk_mail_digest(struct rk_store *s, const struct rk_decl *d, const char *public_url,
                      const struct rk_digest *g, const char *recipient, struct rk_error *why) {
    char subject[200], today_fi[40], today_en[40];
    rk_date_format(g->today, RK_LANG_FI, today_fi, sizeof today_fi);
    rk_date_format(g->today, RK_LANG_EN, today_en, sizeof today_en);
    snprintf(subject, sizeof subject,
             "Tietosuojapyynnöt %s: %lld myöhässä, %lld erääntyy / Requests: %lld overdue, %lld "
             "due soon",
             today_fi, (long long)g->overdue, (long long)g->due_soon, (long long)g->overdue,
             (long long)g->due_soon);
    struct rk_buf b;
    rk_buf_init(&b);
    for (int k = 0; k < 2; k++) {
        enum rk_lang lang = k == 0 ? RK_LANG_FI : RK_LANG_EN;
        rk_buf_printf(&b, "%s %s\n\n",
                      tr(lang, "Tietosuojapyyntöjen tilanne", "Data-subject requests on"),
                      k == 0 ? today_fi : today_en);
        rk_buf_printf(&b, "%s: %lld\n",
                      tr(lang, "Myöhässä (määräaika ylittynyt)", "Overdue (past their deadline)"),
                      (long long)g->overdue);
        digest_lines(&b, g, lang, true);
        rk_buf_printf(&b, "\n%s %d %s: %lld\n", tr(lang, "Erääntyy", "Due within"),
                      RK_DIGEST_SOON_DAYS, tr(lang, "päivän kuluessa", "days"),
                      (long long)g->due_soon);
        digest_lines(&b, g, lang, false);
        if (g->n < g->overdue + g->due_soon)
            rk_buf_printf(&b, "%s %d.\n", tr(lang, "Lueteltu ensimmäiset", "Listed: the first"),
                          g->n);
        rk_buf_printf(&b, "\n%s %s/console/\n\n",
                      tr(lang, "Pyynnöt konsolissa:", "The requests in the console:"), public_url);
    }
    rk_buf_printf(&b, "%s\n", d->controller.name ? d->controller.name : "");
    rk_err err = rk_buf_status(&b);
    if (err == RK_OK) {
        struct rk_outbox_msg m = {.person_id = NULL,
                                  .kind = "requests_digest",
                                  .recipient = recipient,
                                  .subject = subject,
                                  .body = b.data};
        int64_t id = 0;
        err = rk_mail_enqueue(s, &m, why, &id);
    }
    rk_buf_cleanup(&b);
    return err;
}
