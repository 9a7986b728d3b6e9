/*
 * unsubscribe.c — one-click unsubscribe (RFC 8058) at /u/TOKEN: the signed
 * link is checked (core/links.h); a GET shows a page with a button and never
 * unsubscribes, because link scanners fetch links; a POST with
 * List-Unsubscribe=One-Click withdraws the consent through the writer at once.
 */
#include <stdio.h>
#include <string.h>

#include "core/links.h"
#include "base/time.h"
#include "http/handlers.h"
#include "http/respond.h"
#include "http/service.h"
#include "http/public.h"

/* ---- One-click unsubscribe (RFC 8058) -------------------------------------------------------- */

/* A page of one paragraph, and optionally the unsubscribe button (RFC 8058's field). */
static rk_http_result page(struct MHD_Connection *c, struct rk_http_request *r, int status,
                           enum rk_lang lang, const char *title, const char *text, bool button) {
    static const char *const one_click[][2] = {{"List-Unsubscribe", "One-Click"}};
    struct rk_page p;
    rk_page_begin(&p, lang, title);
    rk_page_text(&p, text);
    if (button)
        rk_page_button(&p, one_click, 1, lang == RK_LANG_FI ? "Peru tilaus" : "Unsubscribe");
    return rk_page_end(&p, c, r, status);
}

/* The link in the URL, checked; false after answering with the "not valid" page (410 when
 * expired, else 404), which offers the way on: a new preferences link by email. */
static bool unsubscribe_link(struct rk_http_server *s, struct MHD_Connection *c,
                             struct rk_http_request *r, enum rk_lang lang, struct rk_link *l,
                             const struct rk_purpose **p, rk_http_result *ret) {
    const char *token = r->param[0];
    rk_err err = s->writer ? rk_link_check(&s->keys, token, rk_time_now(), l) : RK_EINVAL;
    if (err == RK_OK &&
        (l->kind != RK_LINK_UNSUBSCRIBE || !(*p = rk_decl_purpose(s->decl, l->purpose))))
        err = RK_EINVAL;
    if (err == RK_OK)
        return true;
    bool fi = lang == RK_LANG_FI, gone = err == RK_ENOENT;
    struct rk_page pg;
    rk_page_begin_bad_link(
        &pg, lang, gone,
        gone ? (fi ? "Tämä peruutuslinkki on vanhentunut." : "This unsubscribe link has expired.")
             : (fi ? "Tämä peruutuslinkki on virheellinen."
                   : "This unsubscribe link is not valid."));
    rk_page_text(&pg, fi ? "Voit perua tilauksesi omista valinnoistasi: tilaa linkki niihin "
                           "sähköpostiisi. Voit myös ottaa yhteyttä rekisterinpitäjään."
                         : "You can unsubscribe in your preferences: have a link to them sent "
                           "to your email. You can also contact the controller.");
    rk_page_link(&pg, "/preferences",
                 fi ? "Tilaa linkki omiin valintoihisi" : "Have a link to your preferences sent");
    *ret = rk_page_end(&pg, c, r, gone ? 410 : 404);
    return false;
}

/* GET shows a button and never unsubscribes: link scanners fetch with GET. */
rk_http_result rk_http_get_unsubscribe(struct rk_http_server *s, struct MHD_Connection *c,
                                       struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    struct rk_link l;
    const struct rk_purpose *p = NULL;
    rk_http_result ret = MHD_NO;
    if (!unsubscribe_link(s, c, r, lang, &l, &p, &ret))
        return ret;
    char text[600];
    snprintf(text, sizeof text,
             lang == RK_LANG_FI ? "Haluatko perua suostumuksesi käsittelytarkoitukseen: %s?"
                                : "Do you want to withdraw your consent for: %s?",
             rk_text_get(&p->name, lang));
    return page(c, r, 200, lang, lang == RK_LANG_FI ? "Peru tilaus" : "Unsubscribe", text, true);
}

struct one_click {
    bool found;
};

static rk_http_result one_click_field(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *filename, const char *content_type,
                                      const char *encoding, const char *data, uint64_t off,
                                      size_t size) {
    (void)kind, (void)filename, (void)content_type, (void)encoding;
    struct one_click *oc = cls;
    if (key && strcmp(key, "List-Unsubscribe") == 0 && off == 0 && size == 9 &&
        memcmp(data, "One-Click", 9) == 0)
        oc->found = true;
    return MHD_YES;
}

struct withdraw_job {
    const struct rk_link *l;
    bool withdrawn; /* false when there was nothing left to withdraw */
};

static rk_err run_withdraw(struct rk_reg *reg, void *ctx) {
    struct withdraw_job *wj = ctx;
    const struct rk_link *l = wj->l;
    rk_reg_set_actor(reg, "self"); /* the person themself, through their link */
    struct rk_consent_input in = {.channel = "unsubscribe_link", .at = rk_time_now()};
    struct rk_error msg;
    memset(&msg, 0, sizeof msg);
    rk_err err = rk_reg_consent(reg, l->person_id, l->purpose, RK_CE_WITHDRAWN, &in, &msg);
    wj->withdrawn = err == RK_OK;
    /* Already withdrawn, or the person erased: nothing is left to withdraw. */
    return err == RK_EREFUSED || err == RK_ENOENT ? RK_OK : err;
}

/* POST with List-Unsubscribe=One-Click (urlencoded or multipart): withdraws at once,
 * no cookie or login, answers 200 without a redirect. */
rk_http_result rk_http_post_unsubscribe(struct rk_http_server *s, struct MHD_Connection *c,
                                        struct rk_http_request *r) {
    enum rk_lang lang = rk_http_lang(c);
    struct rk_link l;
    const struct rk_purpose *p = NULL;
    rk_http_result ret = MHD_NO;
    if (!unsubscribe_link(s, c, r, lang, &l, &p, &ret))
        return ret;
    struct one_click oc = {false};
    struct MHD_PostProcessor *pp = MHD_create_post_processor(c, 1024, one_click_field, &oc);
    if (pp) {
        if (r->body.len)
            MHD_post_process(pp, r->body.data, r->body.len);
        MHD_destroy_post_processor(pp);
    }
    if (!oc.found)
        return rk_http_error(c, r, 400, "bad_request",
                             "expected the form field List-Unsubscribe=One-Click (RFC 8058)");
    struct withdraw_job wj = {&l, false};
    if (rk_writer_run(s->writer, run_withdraw, &wj) != RK_OK)
        return page(c, r, 503, lang, lang == RK_LANG_FI ? "Yritä myöhemmin" : "Try again later",
                    lang == RK_LANG_FI ? "Peruutus ei onnistunut juuri nyt."
                                       : "The unsubscription could not be recorded just now.",
                    false);
    if (wj.withdrawn)
        atomic_fetch_add(&s->metrics.consents_withdrawn, 1);
    /* No button that can no longer work: what happened, and a link to subscribe again. */
    bool fi = lang == RK_LANG_FI;
    struct rk_page pg;
    rk_page_begin(&pg, lang, fi ? "Tilaus peruttu" : "Unsubscribed");
    char text[600];
    snprintf(text, sizeof text,
             fi ? "Suostumuksesi käsittelytarkoitukseen ”%s” on peruttu, eikä sinulle enää "
                  "lähetetä markkinointiviestejä tähän tarkoitukseen."
                : "Your consent for “%s” has been withdrawn; you will receive no more marketing "
                  "messages for this purpose.",
             rk_text_get(&p->name, lang));
    rk_page_text(&pg, text);
    rk_page_text(&pg, fi ? "Jos peruit vahingossa tai muutat mielesi, voit tilata uudelleen "
                           "lomakkeella:"
                         : "If you unsubscribed by mistake or change your mind, you can subscribe "
                           "again through the form:");
    rk_page_form_links(&pg, s->decl, p);
    return rk_page_end(&pg, c, r, 200);
}
