/*
 * access.c — the art 15 access document (access.h): the JSON object and the
 * HTML page, written in one pass from what core/rights.c gathered
 * (struct rk_access_facts, and the entries and records it walks for us).
 * The JSON is written compact with util/json.h's streaming writer; the HTML
 * leaves out a section with nothing in it (the JSON keeps every key).
 */
#include "views/access.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/consent.h"
#include "decl/labels.h"
#include "util/json.h"

static void jw_ts(struct rk_jw *w, const char *key, rk_ts t) {
    char s[RK_TS_LEN + 1];
    if (!t) {
        rk_jw_str(w, key, NULL);
        return;
    }
    rk_ts_format(t, s);
    rk_jw_str(w, key, s);
}

struct h_mark {
    size_t len;
    int rows;
};

struct doc {
    const struct rk_access_facts *f; /* what core gathered */
    const struct rk_decl *decl;
    enum rk_lang lang;
    struct rk_jw j;
    struct rk_buf *h; /* NULL: no HTML */
    struct rk_buf tmp;
    struct h_mark part; /* where the records' part being written began */
    rk_err err;
    int rows; /* data rows and list items written to the HTML: empty sections are left out */
};

#define L(fi, en) RK_PICK(d->lang, fi, en)

static void h_puts(struct doc *d, const char *s) {
    if (d->h)
        rk_buf_puts(d->h, s);
}

static void h_text(struct doc *d, const char *s) {
    if (d->h && s)
        rk_buf_put_html(d->h, s);
}

static void h_el(struct doc *d, const char *tag, const char *s) {
    if (!d->h)
        return;
    if (strcmp(tag, "li") == 0 || strcmp(tag, "p") == 0)
        d->rows++;
    rk_buf_printf(d->h, "<%s>", tag);
    rk_buf_put_html(d->h, s ? s : "");
    rk_buf_printf(d->h, "</%s>\n", tag);
}

/*
 * A table row of cells (NULL-terminated), th for a header row. Every data cell
 * is isolated in <bdi>: the rows hold the stored values (names, emails,
 * evidence, services, invoice numbers), which may hold right-to-left text or,
 * from before the text rule of base/normalize.h, a direction control that
 * would otherwise reorder the rest of the row; a label isolated costs nothing.
 */
static void h_row(struct doc *d, int th, ...) { /* int: va_start needs an unpromoted type */
    if (!d->h)
        return;
    va_list ap;
    va_start(ap, th);
    if (!th)
        d->rows++;
    rk_buf_puts(d->h, "<tr>");
    for (const char *c = va_arg(ap, const char *); c; c = va_arg(ap, const char *)) {
        rk_buf_puts(d->h, th ? "<th>" : "<td>");
        if (th)
            rk_buf_put_html(d->h, c);
        else
            rk_buf_put_html_bdi(d->h, c);
        rk_buf_puts(d->h, th ? "</th>" : "</td>");
    }
    rk_buf_puts(d->h, "</tr>\n");
    va_end(ap);
}

/* tmp as a string after filling it with fn. */
static const char *tmp_reset(struct doc *d) {
    rk_buf_reset(&d->tmp);
    return "";
}

static const char *tmp_str(struct doc *d) {
    rk_buf_putc(&d->tmp, '\0');
    return d->tmp.data ? d->tmp.data : "";
}

static bool held_register(const struct doc *d, const struct rk_register *r) {
    for (size_t i = 0; i < d->f->nentries; i++)
        if (strcmp(d->f->entries[i]->register_id, r->id) == 0)
            return true;
    return false;
}

static void section(struct doc *d, const char *title) { h_el(d, "h2", title); }

/*
 * Empty sections are left out of the HTML (the JSON keeps every key): a part
 * starts with h_mark, and h_drop_empty takes back what it wrote when it wrote
 * no row, list item or paragraph of its own.
 */

static struct h_mark h_mark(const struct doc *d) {
    return (struct h_mark){d->h ? d->h->len : 0, d->rows};
}

static void h_drop_empty(struct doc *d, struct h_mark m) {
    if (d->h && d->rows == m.rows && d->h->len >= m.len)
        d->h->len = m.len;
}

/* A local date in the document's language: 7.1.2027 / 7 January 2027 ("" for none). */
static const char *h_date(const struct doc *d, struct rk_date day, char *out, size_t n) {
    if (!day.y) {
        out[0] = '\0';
        return out;
    }
    rk_date_format(day, d->lang, out, n);
    return out;
}

/* A consent event in words. */
static const char *consent_words(const struct doc *d, enum rk_consent_kind k, bool pending) {
    switch (k) {
    case RK_CE_GIVEN:
        return pending
                   ? RK_PICK(d->lang, "annettu, odotti vahvistusta", "given, awaiting confirmation")
                   : RK_PICK(d->lang, "annettu", "given");
    case RK_CE_CONFIRMED: return RK_PICK(d->lang, "vahvistettu", "confirmed");
    case RK_CE_WITHDRAWN: return RK_PICK(d->lang, "peruttu", "withdrawn");
    case RK_CE_EXPIRED: return RK_PICK(d->lang, "päättynyt voimassaoloajan jälkeen", "expired");
    }
    return "";
}

/* How a consent event came: a source kind's words, or the service's own channels'. */
static const char *channel_words(const struct doc *d, const char *ch) {
    static const struct {
        const char *id, *fi, *en;
    } own[] = {
        {"unsubscribe_link", "viestin peruutuslinkki", "the unsubscribe link in a message"},
        {"preferences", "asetussivu", "the preferences page"},
        {"request", "tietosuojapyyntösi", "your data protection request"},
        {"retention_sweep", "säilytysajan päättyminen", "the end of the retention period"},
        {"objection", "vastustamisesi", "your objection"},
        {"mailchimp", "uutiskirjepalvelu (Mailchimp)", "the newsletter service (Mailchimp)"},
    };
    if (!ch)
        return "";
    for (int k = 0; k < RK_SRC__COUNT; k++)
        if (strcmp(ch, rk_source_kind_id((enum rk_source_kind)k)) == 0)
            return rk_label_source((enum rk_source_kind)k, d->lang);
    for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
        if (strcmp(ch, own[i].id) == 0)
            return RK_PICK(d->lang, own[i].fi, own[i].en);
    return ch;
}

/* A legal basis in plain words, without the article. */
static const char *basis_words(const struct doc *d, enum rk_basis b) {
    switch (b) {
    case RK_BASIS_CONSENT: return RK_PICK(d->lang, "suostumuksesi", "your consent");
    case RK_BASIS_CONTRACT: return RK_PICK(d->lang, "sopimus kanssasi", "a contract with you");
    case RK_BASIS_LEGAL_OBLIGATION:
        return RK_PICK(d->lang, "lakisääteinen velvollisuutemme", "a duty the law puts on us");
    case RK_BASIS_VITAL_INTERESTS:
        return RK_PICK(d->lang, "elintärkeän edun suojaaminen",
                       "protecting someone's vital interests");
    case RK_BASIS_PUBLIC_TASK:
        return RK_PICK(d->lang, "yleisen edun mukainen tehtävä", "a task in the public interest");
    case RK_BASIS_LEGITIMATE_INTERESTS:
        return RK_PICK(d->lang, "oikeutettu etumme", "our legitimate interest");
    case RK_BASIS__COUNT: break;
    }
    return "";
}

/* How to exercise the rights, in plain words, naming the controller's address and email
 * rather than a section of the privacy notice. */
static void how_words(const struct doc *d, struct rk_buf *out) {
    const struct rk_decl *decl = d->decl;
    unsigned v = decl->rights.verification;
    bool first = true;
    if (v & RK_VERIFY_IN_PERSON) {
        rk_buf_puts(out, RK_PICK(d->lang, "käymällä luonamme", "by visiting us"));
        if (decl->controller.address)
            rk_buf_printf(out, RK_PICK(d->lang, " (%s)", " at %s"), decl->controller.address);
        rk_buf_puts(out, RK_PICK(d->lang, " henkilöllisyystodistuksen kanssa",
                                 " with an identity document"));
        first = false;
    }
    if (v & RK_VERIFY_EMAIL_CODE) {
        if (!first)
            rk_buf_puts(out, RK_PICK(d->lang, " tai ", " or "));
        rk_buf_puts(out, RK_PICK(d->lang,
                                 "verkkolomakkeella, jolloin vahvistat pyynnön sähköpostiisi "
                                 "lähetetyllä linkillä",
                                 "through the web form, confirming the request with a link we "
                                 "email you"));
    }
}

/* A purpose's declared name (its id when it is no longer declared). */
static const char *purpose_words(const struct doc *d, const char *id) {
    const struct rk_decl *decl = d->decl;
    for (size_t i = 0; id && i < decl->npurposes; i++)
        if (strcmp(decl->purposes[i].id, id) == 0)
            return rk_text_get(&decl->purposes[i].name, d->lang);
    return id ? id : "";
}

static void put_purposes(struct doc *d) {
    const struct rk_decl *decl = d->decl;
    struct h_mark m = h_mark(d);
    section(d, L("Miksi käsittelemme tietojasi", "Why we process your data"));
    h_puts(d, "<ul>\n");
    rk_jw_open(&d->j, "purposes", '[');
    for (size_t i = 0; i < decl->npurposes; i++) {
        const struct rk_purpose *p = &decl->purposes[i];
        bool used = false;
        for (size_t k = 0; k < decl->nregisters; k++)
            used |= held_register(d, &decl->registers[k]) &&
                    rk_register_has_purpose(&decl->registers[k], p);
        if (!used)
            continue;
        rk_jw_open(&d->j, NULL, '{');
        rk_jw_str(&d->j, "id", p->id);
        rk_jw_str(&d->j, "name", rk_text_get(&p->name, d->lang));
        rk_jw_str(&d->j, "basis", rk_basis_id(p->basis));
        rk_jw_str(&d->j, "article", rk_label_basis_article(p->basis));
        rk_jw_str(&d->j, "basis_text", rk_label_basis(p->basis, d->lang));
        if (rk_text_present(&p->legitimate_interest))
            rk_jw_str(&d->j, "legitimate_interest", rk_text_get(&p->legitimate_interest, d->lang));
        if (rk_text_present(&p->balancing_test))
            rk_jw_str(&d->j, "balancing_test", rk_text_get(&p->balancing_test, d->lang));
        rk_jw_bool(&d->j, "profiling", p->profiling.declared);
        if (p->marketing.declared) {
            tmp_reset(d);
            rk_label_marketing(p, d->lang, &d->tmp);
            rk_jw_str(&d->j, "direct_marketing", tmp_str(d));
        }
        rk_jw_close(&d->j, '}');
        h_puts(d, "<li>");
        d->rows++;
        h_text(d, rk_text_get(&p->name, d->lang));
        h_puts(d, L(" — peruste: ", " — on the basis of "));
        h_text(d, basis_words(d, p->basis));
        if (rk_text_present(&p->legitimate_interest)) {
            h_puts(d, L(" (oikeutettu etu: ", " (legitimate interest: "));
            h_text(d, rk_text_get(&p->legitimate_interest, d->lang));
            h_puts(d, ")");
        }
        if (rk_text_present(&p->balancing_test)) {
            if (d->h)
                rk_buf_sentence_gap(d->h);
            tmp_reset(d);
            rk_label_balancing(p, d->lang, &d->tmp);
            h_text(d, tmp_str(d));
        }
        if (p->marketing.declared) {
            h_puts(d, " ");
            tmp_reset(d);
            rk_label_marketing(p, d->lang, &d->tmp);
            h_text(d, tmp_str(d));
        }
        h_puts(d, "</li>\n");
    }
    rk_jw_close(&d->j, ']');
    h_puts(d, "</ul>\n");
    h_drop_empty(d, m);
}

static void put_categories(struct doc *d) {
    const struct rk_decl *decl = d->decl;
    struct h_mark m = h_mark(d);
    section(d, L("Mitä tietoja sinusta on", "What data we hold about you"));
    h_puts(d, "<ul>\n");
    rk_jw_open(&d->j, "categories", '[');
    for (size_t i = 0; i < decl->ncategories; i++) {
        const struct rk_category *c = &decl->categories[i];
        bool used = false;
        int f = rk_field_from_id(c->id);
        for (size_t k = 0; k < d->f->nentries; k++) {
            const struct rk_register *r = rk_decl_register(decl, d->f->entries[k]->register_id);
            if (f >= 0 && d->f->entries[k]->v[f])
                used = true;
            if (r && ((d->f->contracts && c->kind == RK_CAT_CONTRACT) ||
                      (d->f->invoices && c->kind == RK_CAT_BILLING)))
                for (size_t n = 0; n < r->ncategories; n++)
                    used |= r->categories[n] == c;
        }
        if (!used)
            continue;
        rk_jw_open(&d->j, NULL, '{');
        rk_jw_str(&d->j, "id", c->id);
        rk_jw_str(&d->j, "name", rk_text_get(&c->name, d->lang));
        rk_jw_str(&d->j, "kind", rk_category_kind_id(c->kind));
        rk_jw_bool(&d->j, "from_subject", c->from_subject);
        if (c->special != RK_SPECIAL_NONE) {
            rk_jw_str(&d->j, "special", rk_special_id(c->special));
            rk_jw_str(&d->j, "condition",
                      c->condition != RK_ART9_NONE ? rk_art9_condition_id(c->condition) : NULL);
            rk_jw_str(&d->j, "law",
                      rk_text_present(&c->law) ? rk_text_get(&c->law, d->lang) : NULL);
            tmp_reset(d);
            rk_label_special_category(c, d->lang, &d->tmp);
            const char *words = tmp_str(d);
            rk_jw_str(&d->j, "special_text", words);
            rk_jw_close(&d->j, '}');
            h_el(d, "li", words);
            continue;
        }
        rk_jw_close(&d->j, '}');
        h_el(d, "li", rk_text_get(&c->name, d->lang));
    }
    rk_jw_close(&d->j, ']');
    h_puts(d, "</ul>\n");
    h_drop_empty(d, m);
}

static void put_recipients(struct doc *d) {
    const struct rk_decl *decl = d->decl;
    struct h_mark m = h_mark(d);
    section(d, L("Kenelle tietojasi luovutetaan", "Who receives your data"));
    h_puts(d, "<table>\n");
    h_row(d, true, L("Vastaanottaja", "Recipient"), L("Rooli", "Role"), L("Maa", "Country"),
          L("Siirron suojatoimet", "Transfer safeguards"), NULL);
    rk_jw_open(&d->j, "recipients", '[');
    for (size_t i = 0; i < decl->nrecipients; i++) {
        const struct rk_recipient *r = &decl->recipients[i];
        bool used = false;
        for (size_t k = 0; k < r->nregisters; k++)
            used |= held_register(d, r->registers[k]);
        if (!used)
            continue;
        bool third = !rk_country_in_eea(r->country);
        tmp_reset(d);
        if (third)
            rk_label_transfer_detail(r->transfer, r->dpf_verified, &r->safeguards_copy, d->lang,
                                     &d->tmp);
        else
            rk_buf_puts(&d->tmp, L("ETA:n sisällä", "within the EEA"));
        const char *safeguard = tmp_str(d);
        rk_jw_open(&d->j, NULL, '{');
        rk_jw_str(&d->j, "name", r->name);
        rk_jw_str(&d->j, "role", rk_role_id(r->role));
        rk_jw_str(&d->j, "country", r->country);
        rk_jw_str(&d->j, "country_name", rk_country_name(r->country, d->lang));
        rk_jw_bool(&d->j, "third_country", third);
        rk_jw_str(&d->j, "transfer", third ? rk_transfer_id(r->transfer) : NULL);
        rk_jw_str(&d->j, "safeguards", safeguard);
        if (third && r->dpf_verified.y) {
            char day[11];
            rk_date_iso(r->dpf_verified, day);
            rk_jw_str(&d->j, "dpf_verified", day);
        }
        if (third && rk_text_present(&r->safeguards_copy))
            rk_jw_str(&d->j, "safeguards_copy", rk_text_get(&r->safeguards_copy, d->lang));
        if (rk_text_present(&r->purpose))
            rk_jw_str(&d->j, "purpose", rk_text_get(&r->purpose, d->lang));
        rk_jw_close(&d->j, '}');
        h_row(d, false, r->name, rk_label_role(r->role, d->lang),
              rk_country_name(r->country, d->lang), safeguard, NULL);
    }
    rk_jw_close(&d->j, ']');
    h_puts(d, "</table>\n");
    int rows = d->rows;
    if (rk_text_present(&decl->transfers_note)) {
        rk_jw_str(&d->j, "transfers_note", rk_text_get(&decl->transfers_note, d->lang));
        h_el(d, "p", rk_text_get(&decl->transfers_note, d->lang));
    }
    if (rows == m.rows) /* no recipient of this person's data: the note alone says nothing */
        d->rows = m.rows;
    h_drop_empty(d, m);
}

static void put_retention(struct doc *d) {
    const struct rk_decl *decl = d->decl;
    struct h_mark m = h_mark(d);
    section(d, L("Kuinka kauan tietojasi säilytetään", "How long we keep your data"));
    rk_jw_open(&d->j, "retention", '[');
    for (size_t i = 0; i < decl->nregisters; i++) {
        const struct rk_register *r = &decl->registers[i];
        if (!held_register(d, r))
            continue;
        tmp_reset(d);
        rk_label_erasure_limits(decl, r, NULL, d->lang, &d->tmp);
        const char *text = tmp_str(d);
        rk_jw_open(&d->j, NULL, '{');
        rk_jw_str(&d->j, "register", r->id);
        rk_jw_str(&d->j, "name", rk_text_get(&r->name, d->lang));
        rk_jw_str(&d->j, "text", text);
        rk_jw_close(&d->j, '}');
        h_puts(d, "<p><strong>");
        d->rows++;
        h_text(d, rk_text_get(&r->name, d->lang));
        h_puts(d, ":</strong> ");
        h_text(d, text);
        h_puts(d, "</p>\n");
    }
    rk_jw_close(&d->j, ']');
    h_drop_empty(d, m);
}

static void put_rights(struct doc *d) {
    const struct rk_decl *decl = d->decl;
    static const enum rk_right listed[] = {RK_RIGHT_RECTIFICATION, RK_RIGHT_ERASURE,
                                           RK_RIGHT_RESTRICTION,   RK_RIGHT_PORTABILITY,
                                           RK_RIGHT_OBJECTION,     RK_RIGHT_AUTOMATED};
    section(d, L("Muut oikeutesi", "Your other rights"));
    h_puts(d, "<ul>\n");
    rk_jw_open(&d->j, "rights", '{');
    rk_jw_open(&d->j, "list", '[');
    for (size_t i = 0; i < sizeof listed / sizeof listed[0]; i++) {
        if (!rk_label_right_applies(decl, listed[i]))
            continue;
        const char *name = rk_label_right(listed[i], d->lang);
        int art = rk_label_right_article(listed[i]);
        rk_jw_open(&d->j, NULL, '{');
        rk_jw_str(&d->j, "right", name);
        rk_jw_int(&d->j, "article", art);
        rk_jw_close(&d->j, '}');
        h_el(d, "li", name);
    }
    rk_jw_close(&d->j, ']');
    tmp_reset(d);
    rk_label_verification_methods(decl->rights.verification, d->lang, &d->tmp);
    const char *how = tmp_str(d);
    rk_jw_str(&d->j, "how", how);
    if (rk_text_present(&decl->rights.instructions))
        rk_jw_str(&d->j, "instructions", rk_text_get(&decl->rights.instructions, d->lang));
    rk_jw_close(&d->j, '}');
    h_puts(d, "</ul>\n<p>");
    h_text(d, L("Oikeuksiasi voit käyttää ", "You can exercise your rights "));
    tmp_reset(d);
    how_words(d, &d->tmp);
    h_text(d, tmp_str(d));
    h_puts(d, ".");
    if (rk_text_present(&decl->rights.instructions)) {
        h_puts(d, " ");
        h_text(d, rk_text_get(&decl->rights.instructions, d->lang));
    }
    h_puts(d, "</p>\n");
}

static void put_complaint(struct doc *d) {
    const struct rk_authority *a = &d->decl->authority;
    section(d, L("Oikeus tehdä valitus valvontaviranomaiselle",
                 "The right to complain to the supervisory authority"));
    rk_jw_open(&d->j, "complaint", '{');
    rk_jw_str(&d->j, "authority", rk_text_get(&a->name, d->lang));
    rk_jw_str(&d->j, "address", a->address);
    rk_jw_str(&d->j, "postal_address", a->postal_address);
    rk_jw_str(&d->j, "phone", a->phone);
    rk_jw_str(&d->j, "email", a->email);
    rk_jw_str(&d->j, "url", a->url);
    rk_jw_close(&d->j, '}');
    h_puts(d, "<p>");
    h_text(d, rk_text_get(&a->name, d->lang));
    const char *parts[] = {a->address, a->postal_address, a->phone, a->email, a->url};
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
        if (parts[i]) {
            h_puts(d, ", ");
            h_text(d, parts[i]);
        }
    h_puts(d, "</p>\n");
}

/*
 * Art 21(4): the right to object, clearly and separately from the other rights: 21(1) for the
 * purposes on legitimate interests or a public task, 21(2)-(3) for those with direct marketing
 * (decl/labels.c, the notice's words). Left out of the HTML when neither applies.
 */
static void put_objection(struct doc *d) {
    struct h_mark m = h_mark(d);
    section(d, L("Oikeutesi vastustaa käsittelyä", "Your right to object"));
    rk_jw_open(&d->j, "objection", '{');
    tmp_reset(d);
    rk_label_objection_particular(d->decl, d->lang, &d->tmp);
    const char *particular = tmp_str(d);
    rk_jw_str(&d->j, "particular_situation", particular[0] ? particular : NULL);
    if (particular[0])
        h_el(d, "p", particular);
    tmp_reset(d);
    rk_label_objection_marketing(d->decl, d->lang, &d->tmp);
    const char *marketing = tmp_str(d);
    rk_jw_str(&d->j, "direct_marketing", marketing[0] ? marketing : NULL);
    if (marketing[0])
        h_el(d, "p", marketing);
    rk_jw_close(&d->j, '}');
    h_drop_empty(d, m);
}

/* Whether source s brings data into a register of the person's. */
static bool held_source(const struct doc *d, const struct rk_source *s) {
    for (size_t i = 0; i < s->nregisters; i++)
        if (held_register(d, s->registers[i]))
            return true;
    return false;
}

/* Art 15(1)(g): the declared sources other than the person into the person's registers, by
 * name, whether publicly available, and the categories obtained from each (14(1)(d), 14(2)(f)). */
static void put_sources(struct doc *d) {
    const struct rk_decl *decl = d->decl;
    struct h_mark m = h_mark(d);
    section(d, L("Muualta kuin sinulta saadut tiedot", "Data obtained from others than you"));
    h_puts(d, "<ul>\n");
    rk_jw_open(&d->j, "sources", '[');
    for (size_t i = 0; i < decl->nsources; i++) {
        const struct rk_source *s = &decl->sources[i];
        if (rk_source_from_subject(s->kind) || !held_source(d, s))
            continue;
        tmp_reset(d);
        rk_label_source_named(s, d->lang, &d->tmp);
        const char *words = tmp_str(d);
        rk_jw_open(&d->j, NULL, '{');
        rk_jw_str(&d->j, "kind", rk_source_kind_id(s->kind));
        rk_jw_str(&d->j, "name", rk_text_present(&s->name) ? rk_text_get(&s->name, d->lang) : NULL);
        rk_jw_bool(&d->j, "publicly_available", s->kind == RK_SRC_PUBLIC_SOURCE);
        rk_jw_open(&d->j, "categories", '[');
        for (size_t k = 0; k < s->ncategories; k++)
            rk_jw_str(&d->j, NULL, s->categories[k]->id);
        rk_jw_close(&d->j, ']');
        rk_jw_str(&d->j, "text", words);
        rk_jw_close(&d->j, '}');
        h_el(d, "li", words);
    }
    rk_jw_close(&d->j, ']');
    h_puts(d, "</ul>\n");
    h_drop_empty(d, m);
}

/* The declared name (or else detail) of the first source of kind k into register r
 * ("Helsingin kaupungin verkkosivut", "municipal web pages"). */
static const char *declared_source(const struct rk_decl *decl, const struct rk_register *r,
                                   enum rk_source_kind k, enum rk_lang lang) {
    for (size_t i = 0; i < decl->nsources; i++) {
        const struct rk_source *s = &decl->sources[i];
        if (s->kind != k || (!rk_text_present(&s->name) && !rk_text_present(&s->detail)))
            continue;
        for (size_t j = 0; j < s->nregisters; j++)
            if (!r || s->registers[j] == r)
                return rk_text_get(rk_text_present(&s->name) ? &s->name : &s->detail, lang);
    }
    return NULL;
}

/* Art 15(1)(g) and the copy: every value with its provenance (core walks them). */
static void put_entry(void *ctx, const struct rk_entry *e, bool end) {
    struct doc *d = ctx;
    if (end) {
        rk_jw_close(&d->j, ']');
        rk_jw_close(&d->j, '}');
        h_puts(d, "</table>\n");
        return;
    }
    const struct rk_register *r = rk_decl_register(d->decl, e->register_id);
    rk_jw_open(&d->j, NULL, '{');
    rk_jw_str(&d->j, "register", e->register_id);
    jw_ts(&d->j, "since", e->since);
    rk_jw_open(&d->j, "values", '[');
    h_el(d, "h3", r ? rk_text_get(&r->name, d->lang) : e->register_id);
    h_puts(d, "<table>\n");
    h_row(d, true, L("Tieto", "Data"), L("Arvo", "Value"), L("Lähde", "Source"),
          L("Kerätty", "Collected"), NULL);
}

static void put_value(void *ctx, const struct rk_entry *e, enum rk_field f,
                      const struct rk_provenance *prov) {
    struct doc *d = ctx;
    const struct rk_decl *decl = d->decl;
    const struct rk_register *r = rk_decl_register(decl, e->register_id);
    const struct rk_category *c = rk_decl_category(decl, rk_field_id(f));
    struct rk_provenance p = {RK_SRC_OTHER_HANDOVER, NULL, NULL, 0, NULL};
    bool has = prov != NULL;
    if (has)
        p = *prov;
    const char *declared = has ? declared_source(decl, r, p.source, d->lang) : NULL;
    rk_jw_open(&d->j, NULL, '{');
    rk_jw_str(&d->j, "category", rk_field_id(f));
    rk_jw_str(&d->j, "name", c ? rk_text_get(&c->name, d->lang) : rk_field_id(f));
    rk_jw_str(&d->j, "value", e->v[f]);
    if (has) {
        rk_jw_open(&d->j, "source", '{');
        rk_jw_str(&d->j, "kind", rk_source_kind_id(p.source));
        rk_jw_str(&d->j, "label", rk_label_source(p.source, d->lang));
        rk_jw_bool(&d->j, "from_subject", rk_source_from_subject(p.source));
        rk_jw_str(&d->j, "declared", declared);
        rk_jw_str(&d->j, "detail", p.detail);
        rk_jw_str(&d->j, "purpose", p.purpose);
        jw_ts(&d->j, "at", p.at);
        rk_jw_str(&d->j, "by", p.by);
        rk_jw_close(&d->j, '}');
    }
    rk_jw_close(&d->j, '}');
    tmp_reset(d);
    if (has) {
        rk_buf_puts(&d->tmp, rk_label_source(p.source, d->lang));
        if (declared)
            rk_buf_printf(&d->tmp, " (%s)", declared);
        if (p.detail)
            rk_buf_printf(&d->tmp, ": %s", p.detail);
    }
    const char *src = tmp_str(d);
    char at[40] = "";
    if (has && p.at)
        h_date(d, rk_ts_date(p.at), at, sizeof at);
    h_row(d, false, c ? rk_text_get(&c->name, d->lang) : rk_field_id(f), e->v[f], src, at, NULL);
}

static void put_entries(struct doc *d) {
    static const struct rk_entry_visitor v = {.entry = put_entry, .value = put_value};
    struct h_mark m = h_mark(d);
    section(d, L("Kopio tiedoistasi ja mistä ne on saatu",
                 "A copy of your data and where it came from"));
    rk_jw_open(&d->j, "entries", '[');
    if (d->err == RK_OK)
        d->err = rk_rights_walk_entries(d->f, &v, d);
    rk_jw_close(&d->j, ']');
    h_drop_empty(d, m);
}

static void put_consent_event(void *ctx, const struct rk_consent_event *e) {
    struct doc *d = ctx;
    char at[RK_TS_LEN + 1];
    rk_ts_format(e->at, at);
    rk_jw_open(&d->j, NULL, '{');
    rk_jw_int(&d->j, "seq", e->seq);
    rk_jw_str(&d->j, "purpose", e->purpose);
    rk_jw_str(&d->j, "event", rk_consent_kind_name(e->kind));
    rk_jw_bool(&d->j, "pending", e->pending);
    rk_jw_str(&d->j, "notice_version", e->notice_version);
    rk_jw_str(&d->j, "notice_sha256", e->notice_sha256);
    rk_jw_str(&d->j, "channel", e->channel);
    rk_jw_str(&d->j, "collector", e->collector);
    rk_jw_str(&d->j, "form_id", e->form_id);
    rk_jw_str(&d->j, "ip", e->ip);
    rk_jw_str(&d->j, "user_agent", e->user_agent);
    rk_jw_str(&d->j, "evidence", e->evidence);
    rk_jw_str(&d->j, "at", at);
    rk_jw_close(&d->j, '}');
    char when[40], notice[40] = "";
    struct rk_date nv = {0, 0, 0};
    h_date(d, rk_ts_date(e->at), when, sizeof when);
    if (e->notice_version && rk_date_parse(e->notice_version, &nv))
        h_date(d, nv, notice, sizeof notice);
    h_row(d, false, when, purpose_words(d, e->purpose), consent_words(d, e->kind, e->pending),
          channel_words(d, e->channel),
          notice[0] ? notice : (e->notice_version ? e->notice_version : ""),
          e->evidence ? e->evidence : "", NULL);
}

static void put_change(void *ctx, const struct rk_contract_change *c) {
    struct doc *d = ctx;
    rk_jw_open(&d->j, NULL, '{');
    jw_ts(&d->j, "at", c->at);
    rk_jw_str(&d->j, "field", c->field);
    rk_jw_str(&d->j, "old", c->old_value);
    rk_jw_str(&d->j, "new", c->new_value);
    rk_jw_close(&d->j, '}');
}

/* A contract: its fields and "changes" opened, then (end) its changes closed and its row. */
static void put_contract(void *ctx, const struct rk_contract *c, bool end) {
    struct doc *d = ctx;
    if (!end) {
        char start[11], until[11] = "";
        rk_date_iso(c->start, start);
        if (c->end.y)
            rk_date_iso(c->end, until);
        rk_jw_open(&d->j, NULL, '{');
        rk_jw_str(&d->j, "id", c->id);
        rk_jw_str(&d->j, "register", c->register_id);
        rk_jw_str(&d->j, "service", c->service);
        rk_jw_str(&d->j, "start", start);
        rk_jw_str(&d->j, "end", until[0] ? until : NULL);
        rk_jw_str(&d->j, "status", c->status == RK_CONTRACT_ACTIVE ? "active" : "ended");
        rk_jw_open(&d->j, "changes", '[');
        return;
    }
    rk_jw_close(&d->j, ']');
    rk_jw_close(&d->j, '}');
    char start_h[40], end_h[40];
    h_row(d, false, c->service, h_date(d, c->start, start_h, sizeof start_h),
          h_date(d, c->end, end_h, sizeof end_h),
          c->status == RK_CONTRACT_ACTIVE ? L("voimassa", "active") : L("päättynyt", "ended"),
          NULL);
}

static void put_invoice(void *ctx, const struct rk_invoice *i) {
    struct doc *d = ctx;
    char date[11], amount[32], until[11] = "";
    rk_date_iso(i->date, date);
    if (i->keep_until.y)
        rk_date_iso(i->keep_until, until);
    snprintf(amount, sizeof amount, "%lld.%02lld %s", (long long)(i->amount_cents / 100),
             (long long)llabs(i->amount_cents % 100), i->currency);
    rk_jw_open(&d->j, NULL, '{');
    rk_jw_str(&d->j, "number", i->number);
    rk_jw_str(&d->j, "register", i->register_id);
    rk_jw_str(&d->j, "date", date);
    rk_jw_int(&d->j, "amount_cents", i->amount_cents);
    rk_jw_str(&d->j, "currency", i->currency);
    rk_jw_str(&d->j, "keep_until", until[0] ? until : NULL);
    rk_jw_bool(&d->j, "restricted", i->restricted);
    rk_jw_close(&d->j, '}');
    char date_h[40], until_h[40], amount_h[40];
    snprintf(amount_h, sizeof amount_h, d->lang == RK_LANG_FI ? "%lld,%02lld %s" : "%lld.%02lld %s",
             (long long)(i->amount_cents / 100), (long long)llabs(i->amount_cents % 100),
             i->currency);
    h_row(d, false, i->number, h_date(d, i->date, date_h, sizeof date_h), amount_h,
          h_date(d, i->keep_until, until_h, sizeof until_h), NULL);
}

static void put_task(void *ctx, const struct rk_task_view *t) {
    struct doc *d = ctx;
    char due[11];
    rk_date_iso(t->due, due);
    rk_jw_open(&d->j, NULL, '{');
    rk_jw_str(&d->j, "kind", t->kind);
    rk_jw_str(&d->j, "detail", t->detail);
    rk_jw_str(&d->j, "due", due);
    jw_ts(&d->j, "done_at", t->done_at);
    rk_jw_close(&d->j, '}');
    char due_h[40];
    const char *what = strcmp(t->kind, "art14_inform") == 0
                           ? L("Ilmoitus sinulle muualta saaduista tiedoista",
                               "Telling you about data obtained from elsewhere")
                           : t->kind;
    h_row(d, false, what, h_date(d, t->due, due_h, sizeof due_h),
          t->done_at ? L("tehty", "done") : L("avoin", "open"), NULL);
}

/* What a disclosure event did, in the reader's words. */
static const char *disclosure_words(const struct doc *d, const char *action) {
    if (strcmp(action, "added") == 0)
        return L("luovutettiin", "disclosed");
    if (strcmp(action, "changed") == 0)
        return L("päivitettiin", "updated");
    if (strcmp(action, "restricted") == 0)
        return L("käsittelyä rajoitettiin", "processing restricted");
    if (strcmp(action, "removed") == 0)
        return L("käyttö lopetettiin", "no longer used");
    return action;
}

/* One disclosure to a recipient (core/disclose.h): the categories sent are ids, named here. */
static void put_disclosure(void *ctx, const struct rk_disclosure_event *e) {
    struct doc *d = ctx;
    const struct rk_recipient *r = rk_decl_recipient(d->decl, e->recipient);
    rk_jw_open(&d->j, NULL, '{');
    rk_jw_str(&d->j, "recipient", e->recipient);
    rk_jw_str(&d->j, "recipient_name", r ? r->name : e->recipient);
    rk_jw_str(&d->j, "action", e->action);
    rk_jw_open(&d->j, "categories", '[');
    tmp_reset(d);
    const char *p = e->categories ? e->categories : "";
    while (*p) {
        size_t n = strcspn(p, ",");
        char id[RK_DECL_ID_MAX + 1];
        snprintf(id, sizeof id, "%.*s", (int)(n < sizeof id ? n : sizeof id - 1), p);
        rk_jw_str(&d->j, NULL, id);
        const struct rk_category *c = rk_decl_category(d->decl, id);
        if (d->tmp.len)
            rk_buf_puts(&d->tmp, ", ");
        rk_buf_puts(&d->tmp, c ? rk_text_get(&c->name, d->lang) : id);
        p += n + (p[n] == ',');
    }
    rk_jw_close(&d->j, ']');
    jw_ts(&d->j, "at", e->at);
    rk_jw_close(&d->j, '}');
    char when[40];
    h_row(d, false, h_date(d, rk_ts_date(e->at), when, sizeof when), r ? r->name : e->recipient,
          disclosure_words(d, e->action), tmp_str(d), NULL);
}

static void put_consent_state(void *ctx, const char *purpose, const struct rk_consent_state *st) {
    struct doc *d = ctx;
    rk_jw_open(&d->j, NULL, '{');
    rk_jw_str(&d->j, "purpose", purpose);
    rk_jw_str(&d->j, "state", rk_consent_status_name(st->status));
    jw_ts(&d->j, "since", st->since);
    jw_ts(&d->j, "expires_at", st->expires_at);
    rk_jw_close(&d->j, '}');
}

/* A part of the records opens (its HTML table and JSON array) or closes. */
static void put_part(void *ctx, enum rk_record_part part, bool end) {
    struct doc *d = ctx;
    static const char *const key[] = {[RK_PART_CONSENT_EVENTS] = "consent_events",
                                      [RK_PART_CONSENT_STATES] = "consent_states",
                                      [RK_PART_CONTRACTS] = "contracts",
                                      [RK_PART_INVOICES] = "invoices",
                                      [RK_PART_TASKS] = "tasks",
                                      [RK_PART_DISCLOSURES] = "disclosures"};
    if (end) {
        rk_jw_close(&d->j, ']');
        if (part != RK_PART_CONSENT_STATES) { /* the states are in the JSON only */
            h_puts(d, "</table>\n");
            h_drop_empty(d, d->part);
        }
        return;
    }
    if (part != RK_PART_CONSENT_STATES)
        d->part = h_mark(d);
    switch (part) {
    case RK_PART_CONSENT_EVENTS:
        h_el(d, "h3", L("Suostumukset", "Consents"));
        h_puts(d, "<table>\n");
        h_row(d, true, L("Päivä", "Date"), L("Tarkoitus", "Purpose"),
              L("Mitä tapahtui", "What happened"), L("Miten", "How"),
              L("Tietosuojaseloste", "Privacy notice of"), L("Todiste", "Evidence"), NULL);
        break;
    case RK_PART_CONSENT_STATES: break;
    case RK_PART_CONTRACTS:
        h_el(d, "h3", L("Sopimukset", "Contracts"));
        h_puts(d, "<table>\n");
        h_row(d, true, L("Palvelu", "Service"), L("Alkaa", "Start"), L("Päättyy", "End"),
              L("Tila", "Status"), NULL);
        break;
    case RK_PART_INVOICES:
        h_el(d, "h3", L("Laskut", "Invoices"));
        h_puts(d, "<table>\n");
        h_row(d, true, L("Numero", "Number"), L("Päivä", "Date"), L("Summa", "Amount"),
              L("Säilytetään asti", "Kept until"), NULL);
        break;
    case RK_PART_TASKS:
        h_el(d, "h3", L("Tehtävät", "Tasks"));
        h_puts(d, "<table>\n");
        h_row(d, true, L("Mitä", "What"), L("Määräpäivä", "Due"), L("Tila", "Status"), NULL);
        break;
    case RK_PART_DISCLOSURES:
        h_el(d, "h3", L("Kenelle tietojasi on luovutettu", "To whom your data was disclosed"));
        h_puts(d, "<table>\n");
        h_row(d, true, L("Päivä", "Date"), L("Vastaanottaja", "Recipient"),
              L("Mitä tapahtui", "What happened"), L("Tiedot", "Data"), NULL);
        break;
    }
    rk_jw_open(&d->j, key[part], '[');
}

static void put_records(struct doc *d) {
    static const struct rk_record_visitor v = {.part = put_part,
                                               .consent_event = put_consent_event,
                                               .consent_state = put_consent_state,
                                               .contract = put_contract,
                                               .contract_change = put_change,
                                               .invoice = put_invoice,
                                               .task = put_task,
                                               .disclosure = put_disclosure};
    rk_err err = rk_rights_walk_records(d->f, &v, d);
    if (d->err == RK_OK)
        d->err = err;
}

/*
 * Art 15(1)(h): each declared profiling and the automated decisions. The JSON's answer is
 * rk_rights_automated_text, the art 22 request's answer; the HTML shows the same sentences
 * (decl/labels.c) a paragraph each, so the two cannot say different things.
 */
static void put_automated(struct doc *d) {
    const struct rk_decl *decl = d->decl;
    section(d, L("Profilointi ja automaattinen päätöksenteko",
                 "Profiling and automated decision-making"));
    rk_jw_open(&d->j, "profiling", '[');
    for (size_t i = 0; i < decl->npurposes; i++) {
        const struct rk_purpose *p = &decl->purposes[i];
        if (!p->profiling.declared)
            continue;
        tmp_reset(d);
        rk_label_profiling(p, d->lang, &d->tmp);
        const char *text = tmp_str(d);
        rk_jw_open(&d->j, NULL, '{');
        rk_jw_str(&d->j, "purpose", p->id);
        rk_jw_str(&d->j, "what", rk_text_get(&p->profiling.what, d->lang));
        rk_jw_str(&d->j, "logic", rk_text_get(&p->profiling.logic, d->lang));
        rk_jw_str(&d->j, "consequences", rk_text_get(&p->profiling.consequences, d->lang));
        rk_jw_str(&d->j, "text", text);
        rk_jw_close(&d->j, '}');
        h_el(d, "p", text);
    }
    rk_jw_close(&d->j, ']');
    tmp_reset(d);
    rk_label_profiling_none(decl, d->lang, &d->tmp);
    if (d->tmp.len > 0)
        h_el(d, "p", tmp_str(d));
    tmp_reset(d);
    rk_label_automated(&decl->rights, d->lang, &d->tmp);
    h_el(d, "p", tmp_str(d));
    tmp_reset(d);
    rk_rights_automated_text(decl, d->lang, &d->tmp);
    const char *text = tmp_str(d);
    rk_jw_open(&d->j, "automated_decisions", '{');
    rk_jw_bool(&d->j, "exists", decl->rights.automated_decisions);
    if (rk_text_present(&decl->rights.automated_logic))
        rk_jw_str(&d->j, "logic", rk_text_get(&decl->rights.automated_logic, d->lang));
    if (rk_text_present(&decl->rights.automated_consequences))
        rk_jw_str(&d->j, "consequences",
                  rk_text_get(&decl->rights.automated_consequences, d->lang));
    if (decl->rights.automated_decisions) {
        rk_jw_str(&d->j, "basis",
                  decl->rights.automated_basis != RK_ADM_NONE
                      ? rk_adm_basis_id(decl->rights.automated_basis)
                      : NULL);
        rk_jw_open(&d->j, "safeguards", '[');
        for (unsigned b = 0; b < RK_ADM_SAFEGUARD__COUNT; b++)
            if (decl->rights.automated_safeguards & (1u << b))
                rk_jw_str(&d->j, NULL, rk_adm_safeguard_id((enum rk_adm_safeguard)(1u << b)));
        rk_jw_close(&d->j, ']');
    }
    rk_jw_str(&d->j, "answer", text);
    rk_jw_close(&d->j, '}');
}

/* The art 15 document of what core gathered (struct rk_rights_views.access). */
static rk_err access_document(const struct rk_access_facts *f, struct rk_buf *json,
                              struct rk_buf *html) {
    struct doc *d = calloc(1, sizeof *d);
    if (!d)
        return RK_ENOMEM;
    const char *person_id = f->person_id, *request_id = f->request_id;
    enum rk_lang lang = f->lang;
    rk_ts at = f->at;
    bool restricted = f->restricted, objected = f->objected;
    d->f = f;
    d->decl = rk_reg_decl(f->reg);
    d->lang = lang;
    d->j = rk_jw_start(json);
    d->h = html;
    rk_buf_init(&d->tmp);
    const struct rk_decl *decl = d->decl;
    const char *title = L("Tietosi rekisterissämme", "Your data in our registers");
    h_puts(d, "<!DOCTYPE html>\n<html lang=\"");
    h_puts(d, lang == RK_LANG_FI ? "fi" : "en");
    h_puts(d, "\">\n<head>\n<meta charset=\"utf-8\">\n"
              "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h_el(d, "title", title);
    h_puts(d, "</head>\n<body>\n");
    h_el(d, "h1", title);
    rk_jw_open(&d->j, NULL, '{');
    rk_jw_str(&d->j, "document", "gdpr_art15_access");
    rk_jw_str(&d->j, "lang", lang == RK_LANG_FI ? "fi" : "en");
    jw_ts(&d->j, "generated_at", at);
    rk_jw_str(&d->j, "request_id", request_id);
    rk_jw_open(&d->j, "controller", '{');
    rk_jw_str(&d->j, "name", decl->controller.name);
    rk_jw_str(&d->j, "business_id", decl->controller.business_id);
    rk_jw_str(&d->j, "address", decl->controller.address);
    rk_jw_str(&d->j, "phone", decl->controller.phone);
    rk_jw_str(&d->j, "email", decl->controller.email);
    rk_jw_close(&d->j, '}');
    rk_jw_open(&d->j, "person", '{');
    rk_jw_str(&d->j, "id", person_id);
    rk_jw_bool(&d->j, "restricted", restricted);
    rk_jw_bool(&d->j, "objected", objected);
    rk_jw_close(&d->j, '}');
    tmp_reset(d);
    rk_label_controller(&decl->controller, lang, &d->tmp);
    h_el(d, "p", tmp_str(d));
    if (d->h) {
        char when[40];
        h_date(d, rk_ts_date(at), when, sizeof when);
        rk_buf_puts(d->h, "<p>");
        rk_buf_put_html(d->h, L("Tämä on vastaus pyyntöösi saada tietää, mitä tietoja meillä on "
                                "sinusta. Laadittu ",
                                "This answers your request to know what data we hold about you. "
                                "Made on "));
        rk_buf_put_html(d->h, when);
        rk_buf_puts(d->h, ".<br>");
        rk_buf_put_html(d->h, L("Tunnisteesi rekisterissämme: ", "Your id in our registers: "));
        rk_buf_put_html(d->h, person_id);
        if (restricted) {
            rk_buf_puts(d->h, "<br>");
            rk_buf_put_html(d->h, L("Olet pyytänyt rajoittamaan tietojesi käsittelyä: säilytämme "
                                    "niitä, mutta emme käytä niitä muuhun.",
                                    "You asked us to restrict the processing of your data: we "
                                    "keep it but do not use it for anything else."));
        }
        if (objected) {
            rk_buf_puts(d->h, "<br>");
            rk_buf_put_html(d->h, L("Olet kieltänyt suoramarkkinoinnin: emme lähetä sinulle "
                                    "markkinointia.",
                                    "You objected to direct marketing: we send you no "
                                    "marketing."));
        }
        rk_buf_puts(d->h, "</p>\n");
    }
    put_purposes(d);
    put_categories(d);
    put_recipients(d);
    put_retention(d);
    put_rights(d);
    put_objection(d);
    put_complaint(d);
    put_sources(d);
    put_entries(d);
    if (d->err == RK_OK)
        put_records(d);
    put_automated(d);
    rk_jw_close(&d->j, '}');
    if (json)
        rk_buf_putc(json, '\n');
    h_puts(d, "</body>\n</html>\n");
    rk_err err = d->err;
    if (err == RK_OK)
        err = rk_buf_status(&d->tmp);
    if (err == RK_OK && json)
        err = rk_buf_status(json);
    if (err == RK_OK && html)
        err = rk_buf_status(html);
    rk_buf_cleanup(&d->tmp);
    free(d);
    return err;
}

#undef L

const struct rk_rights_views rk_rights_documents = {.access = access_document,
                                                    .portability = rk_portability_document};
