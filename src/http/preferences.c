/*
 * preferences.c — /preferences/{token}: the person sees each purpose that
 * rests on consent, whether their consent is on, and switches each on or
 * off. The signed link (core/links.h, kind preferences) is the only
 * credential: no cookie, no login. A GET only shows; a POST changes one
 * purpose, through the writer, as the person ("self").
 *
 * Switching off withdraws the consent (the marketing register then forgets
 * the person's values there). Switching on gives a live consent — the link
 * went to the person's own address — and, when no register holding the
 * purpose has the person yet, copies their name and email from the entries
 * they already have; someone with no data left is asked to use the form.
 *
 * /preferences (no token) is the way there for someone without the link at
 * hand: they enter their email and the link is emailed to it, within the mail
 * limit (core/mail_limit.h), with the same answer, in words and in time,
 * whether or not the address is on file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent.h"
#include "base/id.h"
#include "core/links.h"
#include "base/time.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/service.h"
#include "http/public.h"
#include "mail/mail.h"
#include "util/form.h"

#define EMAILED_LINK_DAYS 7 /* a link asked for through /preferences */

static const char *tr(enum rk_lang lang, const char *fi, const char *en) {
    return lang == RK_LANG_FI ? fi : en;
}

/* The link's check: RK_OK, RK_ENOENT (expired) or RK_EINVAL (not valid, or not this kind). */
static rk_err prefs_link(struct rk_http_server *s, struct rk_http_request *r, struct rk_link *l) {
    if (!s->writer)
        return RK_EINVAL;
    rk_err err = rk_link_check(&s->keys, r->param[0], rk_time_now(), l);
    return err != RK_OK ? err : l->kind == RK_LINK_PREFERENCES ? RK_OK : RK_EINVAL;
}

/* A link that does not work: says so, and how to get a new one (410 expired, 404 not valid). */
static rk_http_result invalid(struct MHD_Connection *c, struct rk_http_request *r,
                              enum rk_lang lang, rk_err why) {
    struct rk_page p;
    bool expired = why == RK_ENOENT;
    rk_page_begin_bad_link(&p, lang, expired,
                           expired ? tr(lang, "Tämä linkki omiin valintoihisi on vanhentunut.",
                                        "This link to your preferences has expired.")
                                   : tr(lang, "Tämä linkki omiin valintoihisi on virheellinen.",
                                        "This link to your preferences is not valid."));
    rk_page_link(&p, "/preferences",
                 tr(lang, "Tilaa uusi linkki sähköpostiisi", "Have a new link sent to your email"));
    return rk_page_end(&p, c, r, expired ? 410 : 404);
}

/* The page: one row per consent purpose, its state and a button to switch it. */
static rk_http_result show(struct rk_http_server *s, struct MHD_Connection *c,
                           struct rk_http_request *r, enum rk_lang lang, const char *person_id,
                           const char *notice, int status) {
    struct rk_store *st = rk_http_thread_store(s);
    if (!st)
        return rk_http_error(c, r, 503, "unavailable", "the register's storage is not available");
    struct rk_page p;
    rk_page_begin(&p, lang, tr(lang, "Omat valintasi", "Your preferences"));
    if (notice)
        rk_page_text(&p, notice);
    rk_ts now = rk_time_now();
    for (size_t i = 0; i < s->decl->npurposes; i++) {
        const struct rk_purpose *pur = &s->decl->purposes[i];
        if (pur->basis != RK_BASIS_CONSENT)
            continue;
        struct rk_consent_state cs = {RK_CONSENT_NONE, 0, 0, false, 0};
        if (rk_store_consent_state_get(st, person_id, pur->id, &cs) != RK_OK) {
            rk_buf_cleanup(&p.b);
            return rk_http_error(c, r, 503, "unavailable",
                                 "the register's storage is not available");
        }
        bool on = rk_consent_effective(&cs, now) == RK_CONSENT_LIVE;
        rk_buf_puts(&p.b, "<h2>");
        rk_page_put_sentence_case(&p.b, rk_text_get(&pur->name, lang));
        rk_buf_puts(&p.b, "</h2>\n");
        rk_page_text(&p, on ? tr(lang, "Suostumuksesi on voimassa.", "Your consent is on.")
                            : tr(lang, "Suostumuksesi ei ole voimassa.", "Your consent is off."));
        const char *const hidden[][2] = {{"purpose", pur->id}, {"consent", on ? "off" : "on"}};
        rk_page_button(&p, hidden, 2,
                       on ? tr(lang, "Peru suostumus", "Withdraw consent")
                          : tr(lang, "Anna suostumus", "Give consent"));
    }
    return rk_page_end(&p, c, r, status);
}

rk_http_result rk_http_get_preferences(struct rk_http_server *s, struct MHD_Connection *c,
                                       struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    struct rk_link l;
    rk_err why = prefs_link(s, r, &l);
    if (why != RK_OK)
        return invalid(c, r, lang, why);
    return show(s, c, r, lang, l.person_id, NULL, 200);
}

struct choice {
    char purpose[RK_DECL_ID_MAX + 1];
    int on; /* -1: not given */
};

static int take(void *ctx, const char *name, const char *value) {
    struct choice *ch = ctx;
    if (strcmp(name, "purpose") == 0)
        snprintf(ch->purpose, sizeof ch->purpose, "%s", value);
    else if (strcmp(name, "consent") == 0)
        ch->on = strcmp(value, "on") == 0 ? 1 : strcmp(value, "off") == 0 ? 0 : -1;
    return 0;
}

struct switch_job {
    const char *person_id;
    const struct rk_purpose *purpose;
    bool on;
    const char *ip, *ua;
    enum rk_lang lang;
    bool changed, no_data;
};

/* The first entry of the person outside the target registers: the values to copy. */
struct donor {
    struct rk_entry *e;
    bool found;
};

static int take_donor(void *ctx, const struct rk_entry *e) {
    struct donor *d = ctx;
    if (!d->found && e->v[RK_F_EMAIL]) {
        *d->e = *e;
        /* v[] points into e->buf: rebase onto the copy's own buffer. */
        for (int f = 0; f < RK_F__COUNT; f++)
            if (e->v[f])
                d->e->v[f] = d->e->buf + (e->v[f] - e->buf);
        d->found = true;
    }
    return 0;
}

static rk_err run_switch(struct rk_reg *reg, void *ctx) {
    struct switch_job *j = ctx;
    rk_reg_set_actor(reg, "self");
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    rk_ts now = rk_time_now();
    struct rk_consent_input in = {.channel = "preferences",
                                  .lang = j->lang,
                                  .ip = j->ip,
                                  .user_agent = j->ua,
                                  .evidence = "preferences page",
                                  .at = now};
    if (!j->on) {
        rk_err err = rk_reg_consent(reg, j->person_id, j->purpose->id, RK_CE_WITHDRAWN, &in, &msg);
        j->changed = err == RK_OK;
        return err == RK_EREFUSED || err == RK_ENOENT ? RK_OK : err;
    }
    /* On: a register declaring the purpose must hold the person, or be given their values. */
    const struct rk_register *target = NULL;
    const struct rk_decl *decl = rk_reg_decl(reg);
    for (size_t i = 0; i < decl->nregisters && !target; i++)
        for (size_t k = 0; k < decl->registers[i].npurposes; k++)
            if (decl->registers[i].purposes[k] == j->purpose)
                target = &decl->registers[i];
    struct rk_entry *e = calloc(1, sizeof *e);
    struct donor d = {calloc(1, sizeof *d.e), false};
    if (!e || !d.e || !target) {
        free(e);
        free(d.e);
        return target ? RK_ENOMEM : RK_OK;
    }
    rk_err err = rk_store_entry_get(rk_reg_store(reg), target->id, j->person_id, e);
    bool held = err == RK_OK;
    if (err == RK_ENOENT)
        err = rk_store_entries_of_person(rk_reg_store(reg), j->person_id, take_donor, &d);
    if (err == RK_OK && !held && !d.found) {
        j->no_data = true;
    } else if (err == RK_OK) {
        err = rk_reg_consent(reg, j->person_id, j->purpose->id, RK_CE_GIVEN, &in, &msg);
        if (err == RK_OK && !held) {
            struct rk_contact c = {{NULL}};
            for (size_t k = 0; k < target->ncategories; k++) {
                int f = rk_field_from_id(target->categories[k]->id);
                if (f >= 0 && (f == RK_F_EMAIL || f == RK_F_NAME))
                    c.v[f] = d.e->v[f];
            }
            struct rk_write w = {target->id, j->purpose->id, RK_SRC_WEB_FORM, "preferences", now};
            err = rk_reg_person_add(reg, &w, j->person_id, &c, NULL, NULL, &msg);
            /* After the consent was written, a refusal must not leave it alone. */
            if (err == RK_EREFUSED || err == RK_ECONFLICT || err == RK_EINVAL)
                err = RK_EIO;
        }
        j->changed = err == RK_OK;
        if (err == RK_EREFUSED) /* the consent itself refused (objection): nothing written */
            err = RK_OK;
    }
    free(e);
    free(d.e);
    return err;
}

rk_http_result rk_http_post_preferences(struct rk_http_server *s, struct MHD_Connection *c,
                                        struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    struct rk_link l;
    rk_err why_link = prefs_link(s, r, &l);
    if (why_link != RK_OK)
        return invalid(c, r, lang, why_link);
    struct choice ch = {"", -1};
    if (rk_form_parse(r->body.data ? r->body.data : "", r->body.len, take, &ch, NULL) != RK_OK ||
        ch.on < 0 || !ch.purpose[0])
        return rk_http_error(c, r, 400, "bad_request",
                             "expected the form fields purpose and consent=on|off");
    const struct rk_purpose *pur = rk_decl_purpose(s->decl, ch.purpose);
    if (!pur || pur->basis != RK_BASIS_CONSENT)
        return rk_http_error(c, r, 400, "bad_request", "no such purpose resting on consent");
    char ip[64], ua[RK_CONSENT_FIELD_MAX + 1];
    rk_http_client_ip(c, ip, sizeof ip);
    const char *agent = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
    snprintf(ua, sizeof ua, "%s", agent ? agent : "");
    struct switch_job j = {l.person_id, pur, ch.on == 1, ip, ua, lang, false, false};
    if (rk_writer_run(s->writer, run_switch, &j) != RK_OK)
        return rk_http_error(c, r, 503, "unavailable", "the change could not be recorded now");
    if (j.changed)
        atomic_fetch_add(j.on ? &s->metrics.consents_given : &s->metrics.consents_withdrawn, 1);
    const char *notice =
        j.no_data ? tr(lang, "Meillä ei ole enää yhteystietojasi. Tilaa uudelleen lomakkeella.",
                       "We no longer hold your contact details. Please subscribe again through "
                       "the form.")
        : j.on    ? tr(lang,
                       "Suostumuksesi on tallennettu. Saat viestejä tähän tarkoitukseen, kunnes "
                          "perut sen tältä sivulta tai viestin linkistä.",
                       "Your consent is recorded. You will get messages for this purpose until "
                          "you withdraw it here or through the link in a message.")
                  : tr(lang,
                       "Suostumuksesi on peruttu. Emme lähetä sinulle enää viestejä tähän "
                          "tarkoitukseen; voit antaa sen uudelleen tältä sivulta.",
                       "Your consent is withdrawn. We will send you no more messages for this "
                          "purpose; you can give it again on this page.");
    return show(s, c, r, lang, l.person_id, notice, 200);
}

/* ---- /preferences: the link, emailed on request ------------------------------------------ */

/* The page asking for the address; error (a sentence, or NULL) above the field, value kept. */
static rk_http_result start_page(struct MHD_Connection *c, struct rk_http_request *r,
                                 enum rk_lang lang, int status, const char *error,
                                 const char *value) {
    const char *title = tr(lang, "Tilauksesi ja valintasi", "Your subscriptions and choices");
    char errtitle[120];
    snprintf(errtitle, sizeof errtitle, "%s%s", tr(lang, "Virhe: ", "Error: "), title);
    struct rk_page p;
    rk_page_begin_titled(&p, lang, error ? errtitle : title, title);
    struct rk_buf *b = &p.b;
    if (error)
        rk_page_error_summary(&p, "p-email", error);
    rk_page_text(&p, tr(lang,
                        "Kirjoita sähköpostiosoitteesi. Jos osoite on rekisterissämme, lähetämme "
                        "siihen linkin, jonka kautta näet tilauksesi ja suostumuksesi ja voit "
                        "muuttaa niitä.",
                        "Enter your email address. If the address is in our register, we will "
                        "send it a link where you can see your subscriptions and consents and "
                        "change them."));
    rk_buf_printf(b,
                  "<form method=\"post\" action=\"/preferences\" novalidate>\n"
                  "<input type=\"hidden\" name=\"lang\" value=\"%s\">\n"
                  "<p><label for=\"p-email\">%s</label>\n",
                  rk_lang_code(lang), tr(lang, "Sähköpostiosoite", "Email address"));
    if (error) {
        rk_buf_puts(b, "<span class=\"error\" id=\"p-email-error\">");
        rk_buf_put_html(b, error);
        rk_buf_puts(b, "</span>\n");
    }
    rk_buf_printf(b,
                  "<input id=\"p-email\" name=\"email\" type=\"email\" autocomplete=\"email\" "
                  "required%s value=\"",
                  error ? " aria-invalid=\"true\" aria-describedby=\"p-email-error\"" : "");
    rk_buf_put_html(b, value && !rk_text_fault(value, strlen(value), false) ? value : "");
    rk_buf_printf(b, "\"></p>\n<p><button type=\"submit\">%s</button></p>\n</form>\n",
                  tr(lang, "Lähetä linkki", "Send the link"));
    return rk_page_end(&p, c, r, status);
}

rk_http_result rk_http_get_preferences_start(struct rk_http_server *s, struct MHD_Connection *c,
                                             struct rk_http_request *r) {
    (void)s;
    return start_page(c, r, rk_http_lang(c), 200, NULL, NULL);
}

struct start_input {
    char email[RK_EMAIL_MAX + 1];
    bool has_email, bad;
    enum rk_lang lang;
};

static int take_start(void *ctx, const char *name, const char *value) {
    struct start_input *in = ctx;
    if (strcmp(name, "email") == 0 && !in->has_email && strlen(value) <= RK_EMAIL_MAX) {
        snprintf(in->email, sizeof in->email, "%s", value);
        in->has_email = true;
    } else if (strcmp(name, "lang") == 0 && (strcmp(value, "fi") == 0 || strcmp(value, "en") == 0))
        in->lang = value[0] == 'f' ? RK_LANG_FI : RK_LANG_EN;
    else
        in->bad = true;
    return 0;
}

struct start_job {
    struct rk_http_server *s;
    const char *email; /* normalised */
    enum rk_lang lang;
    char person_id[RK_ID_LEN + 1]; /* "": not on file */
    enum rk_mail_outcome mail;
};

static int take_person(void *ctx, const struct rk_entry *e) {
    struct start_job *j = ctx;
    if (!j->person_id[0])
        snprintf(j->person_id, sizeof j->person_id, "%s", e->person_id);
    return 0;
}

/* Composes and queues the email with the preferences link (rk_mail_queue_fn). */
static rk_err queue_link(struct rk_reg *reg, void *ctx, const char *person_id,
                         const char *recipient) {
    struct start_job *j = ctx;
    struct rk_http_server *s = j->s;
    enum rk_lang lang = j->lang;
    rk_ts now = rk_time_now();
    struct rk_link l = {.kind = RK_LINK_PREFERENCES,
                        .expires = rk_ts_add(now, (struct rk_duration){EMAILED_LINK_DAYS, 'd'})};
    /* Shadow work for an address not on file: a stand-in id, the same steps. */
    if (person_id)
        snprintf(l.person_id, sizeof l.person_id, "%s", person_id);
    else
        rk_id_new(l.person_id);
    snprintf(l.purpose, sizeof l.purpose, "*");
    char token[RK_LINK_MAX];
    rk_err err = rk_link_make(rk_reg_keys(reg), &l, token);
    if (err != RK_OK)
        return err;
    struct rk_buf body;
    rk_buf_init(&body);
    const char *code = rk_lang_code(lang);
    rk_buf_printf(&body, "%s\n\n%s\n%s/preferences/%s?lang=%s\n\n%s\n\n%s %s/privacy?lang=%s\n",
                  tr(lang, "Hei,", "Hello,"),
                  tr(lang,
                     "Joku – toivottavasti sinä – pyysi linkkiä tämän osoitteen tilauksiin ja "
                     "suostumuksiin. Näet ja voit muuttaa niitä täällä:",
                     "Someone – we hope you – asked for a link to this address's subscriptions "
                     "and consents. You can see and change them here:"),
                  s->public_url, token, code,
                  lang == RK_LANG_FI
                      ? "Linkki on voimassa 7 päivää. Jos et pyytänyt sitä, voit jättää viestin "
                        "huomiotta: mitään ei muutu."
                      : "The link is valid for 7 days. If you did not ask for it, you can ignore "
                        "this message: nothing changes.",
                  tr(lang, "Tietosuojaseloste:", "Privacy notice:"), s->public_url, code);
    struct rk_outbox_msg m = {.person_id = person_id,
                              .kind = "preferences_link",
                              .recipient = recipient,
                              .subject = tr(lang, "Linkki tilauksiisi ja valintoihisi",
                                            "Your link to your subscriptions and choices"),
                              .body = body.data};
    int64_t id = 0;
    err = rk_buf_status(&body) == RK_OK ? rk_mail_enqueue(rk_reg_store(reg), &m, NULL, &id)
                                        : RK_ENOMEM;
    rk_buf_cleanup(&body);
    return err;
}

static rk_err run_start(struct rk_reg *reg, void *ctx) {
    struct start_job *j = ctx;
    rk_reg_set_actor(reg, "self");
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    rk_err err = rk_reg_person_find(reg, j->email, take_person, j, &msg);
    if (err != RK_OK)
        return err == RK_EINVAL ? RK_OK : err;
    /* Not on file: the same work as shadow (refused), so the answer's time tells nothing. */
    struct rk_mail_job mail = {.recipient = j->email,
                               .person_id = j->person_id[0] ? j->person_id : NULL,
                               .at = rk_time_now(),
                               .refused = !j->person_id[0],
                               .queue = queue_link,
                               .ctx = j};
    err = rk_mail_limit_send(reg, &mail, &j->mail);
    return err == RK_OK ? RK_OK : RK_EIO;
}

rk_http_result rk_http_post_preferences_start(struct rk_http_server *s, struct MHD_Connection *c,
                                              struct rk_http_request *r) {
    struct start_input in = {.lang = rk_http_lang(c)};
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    if (!ct || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
        rk_form_parse(r->body.data ? r->body.data : "", r->body.len, take_start, &in, NULL) !=
            RK_OK ||
        in.bad)
        return rk_http_error(c, r, 400, "bad_request",
                             "expected the urlencoded form fields email and lang");
    enum rk_lang lang = in.lang;
    char email[RK_EMAIL_MAX + 1];
    struct rk_error bad = RK_ERROR_INIT;
    if (!in.has_email || !in.email[0])
        return start_page(c, r, lang, 422,
                          tr(lang, "Kirjoita sähköpostiosoitteesi.", "Enter your email address."),
                          NULL);
    if (rk_norm_email(in.email, email, &bad) != RK_OK) {
        char sentence[400];
        const char *fi = rk_error_fi(&bad);
        if (lang == RK_LANG_FI)
            snprintf(sentence, sizeof sentence, "Sähköpostiosoite %s.",
                     fi ? fi : "ei ole kelvollinen");
        else
            snprintf(sentence, sizeof sentence, "The email address %s.",
                     rk_error_msg(&bad));
        return start_page(c, r, lang, 422, sentence, in.email);
    }
    if (!s->writer) {
        struct rk_page p;
        rk_page_begin(&p, lang, tr(lang, "Yritä myöhemmin", "Try again later"));
        rk_page_text(&p, tr(lang, "Palvelu ei ole juuri nyt käytettävissä.",
                            "The service is not available just now."));
        return rk_page_end(&p, c, r, 503);
    }
    struct start_job j = {.s = s, .email = email, .lang = lang};
    if (rk_writer_run(s->writer, run_start, &j) != RK_OK) {
        struct rk_page p;
        rk_page_begin(&p, lang, tr(lang, "Yritä myöhemmin", "Try again later"));
        rk_page_text(&p, tr(lang,
                            "Pyyntöäsi ei voitu käsitellä juuri nyt. Yritä hetken päästä "
                            "uudelleen.",
                            "Your request could not be handled just now. Please try again "
                            "shortly."));
        return rk_page_end(&p, c, r, 503);
    }
    if (j.mail == RK_MAIL_WITHHELD)
        atomic_fetch_add(&s->metrics.mail_withheld[RK_MAILC_PREFERENCES], 1);
    if (s->sender)
        rk_sender_wake(s->sender);
    struct rk_page p;
    rk_page_begin(&p, lang, tr(lang, "Tarkista sähköpostisi", "Check your email"));
    rk_page_text(&p, tr(lang,
                        "Jos osoite on rekisterissämme, lähetimme siihen linkin omiin "
                        "valintoihisi. Linkki on voimassa 7 päivää. Jos viestiä ei kuulu, "
                        "tarkista roskapostikansio tai pyydä uusi linkki hetken kuluttua.",
                        "If the address is in our register, we have sent it a link to your "
                        "preferences. The link is valid for 7 days. If no message arrives, check "
                        "your spam folder or ask for a new link a little later."));
    rk_page_link(&p, "/privacy",
                 tr(lang, "Takaisin tietosuojaselosteeseen", "Back to the privacy notice"));
    return rk_page_end(&p, c, r, 200);
}
