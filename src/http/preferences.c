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
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent.h"
#include "core/links.h"
#include "core/time.h"
#include "http/internal.h"
#include "util/form.h"

static const char *tr(enum rk_lang lang, const char *fi, const char *en) {
    return lang == RK_LANG_FI ? fi : en;
}

static bool prefs_link(struct rk_http_server *s, struct rk_http_request *r, struct rk_link *l) {
    return s->writer && rk_link_check(&s->keys, r->param[0], rk_time_now(), l) == RK_OK &&
           l->kind == RK_LINK_PREFERENCES;
}

static rk_http_result invalid(struct MHD_Connection *c, struct rk_http_request *r,
                              enum rk_lang lang) {
    struct rk_page p;
    rk_page_begin(&p, lang, tr(lang, "Linkki ei ole voimassa", "Link not valid"));
    rk_page_text(&p, tr(lang,
                        "Tämä linkki on vanhentunut tai virheellinen. Saat uuden linkin "
                        "seuraavasta viestistämme tai ottamalla yhteyttä rekisterinpitäjään.",
                        "This link has expired or is not valid. Our next message carries a new "
                        "one, or contact the controller."));
    return rk_page_end(&p, c, r, 404);
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
        rk_buf_put_html(&p.b, rk_text_get(&pur->name, lang));
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
    if (!prefs_link(s, r, &l))
        return invalid(c, r, lang);
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
    reg->actor = "self";
    struct rk_msg msg;
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
    for (size_t i = 0; i < reg->decl->nregisters && !target; i++)
        for (size_t k = 0; k < reg->decl->registers[i].npurposes; k++)
            if (reg->decl->registers[i].purposes[k] == j->purpose)
                target = &reg->decl->registers[i];
    struct rk_entry *e = calloc(1, sizeof *e);
    struct donor d = {calloc(1, sizeof *d.e), false};
    if (!e || !d.e || !target) {
        free(e);
        free(d.e);
        return target ? RK_ENOMEM : RK_OK;
    }
    rk_err err = rk_store_entry_get(reg->store, target->id, j->person_id, e);
    bool held = err == RK_OK;
    if (err == RK_ENOENT)
        err = rk_store_entries_of_person(reg->store, j->person_id, take_donor, &d);
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
    if (!prefs_link(s, r, &l))
        return invalid(c, r, lang);
    struct choice ch = {"", -1};
    char why[200];
    if (rk_form_parse(r->body.data ? r->body.data : "", r->body.len, take, &ch, why, sizeof why) !=
            RK_OK ||
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
        : j.on    ? tr(lang, "Suostumuksesi on tallennettu.", "Your consent is recorded.")
                  : tr(lang, "Suostumuksesi on peruttu.", "Your consent is withdrawn.");
    return show(s, c, r, lang, l.person_id, notice, 200);
}
