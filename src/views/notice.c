/*
 * notice.c — renders the privacy notice (tietosuojaseloste) of a declaration.
 *
 * The sections are written once, against a tiny document writer (headings,
 * paragraphs, lists, escaped text) that emits either Markdown or HTML, so the
 * two formats cannot drift apart. Sentences are composed from the declared
 * texts and the shared wording in labels.c; every piece of text goes through
 * put(), which escapes it for the format.
 */
#include "views/notice.h"

#include <stdio.h>
#include <string.h>

#include "decl/labels.h"

/* ---- The document writer ------------------------------------------------ */

struct doc {
    struct rk_buf *out;
    struct rk_buf tmp; /* scratch for sentences built by labels.c */
    enum rk_lang lang;
    bool html;
};

/* Appends plain text escaped for the format; Markdown gets newlines as spaces. */
static void put(struct doc *w, const char *s) {
    if (w->html)
        rk_buf_put_html(w->out, s);
    else
        rk_label_put_md_line(w->out, s);
}

/* Appends the Finnish or English literal. */
static void tr(struct doc *w, const char *fi, const char *en) { put(w, RK_PICK(w->lang, fi, en)); }

static void text(struct doc *w, const struct rk_text *t) { put(w, rk_text_get(t, w->lang)); }

/* Appends the scratch buffer as text and empties it. */
static void put_tmp(struct doc *w) {
    if (w->tmp.oom)
        w->out->oom = true;
    else if (w->tmp.len > 0)
        put(w, w->tmp.data);
    rk_buf_reset(&w->tmp);
}

/* Appends raw markup: the Markdown or the HTML version. */
static void mark(struct doc *w, const char *md, const char *html) {
    rk_buf_puts(w->out, w->html ? html : md);
}

/* Markdown separates blocks with one blank line. */
static void block(struct doc *w) {
    if (!w->html && w->out->len > 0)
        rk_buf_putc(w->out, '\n');
}

static void heading(struct doc *w, int level, const char *fi, const char *en) {
    static const char *const md[] = {"", "# ", "## ", "### "};
    block(w);
    if (w->html)
        rk_buf_printf(w->out, "<h%d>", level);
    else
        rk_buf_puts(w->out, md[level]);
    tr(w, fi, en);
    if (w->html)
        rk_buf_printf(w->out, "</h%d>\n", level);
    else
        rk_buf_putc(w->out, '\n');
}

static void p_begin(struct doc *w) {
    block(w);
    mark(w, "", "<p>");
}

static void p_end(struct doc *w) { mark(w, "\n", "</p>\n"); }

/* A paragraph of one literal sentence. */
static void para(struct doc *w, const char *fi, const char *en) {
    p_begin(w);
    tr(w, fi, en);
    p_end(w);
}

/* A paragraph of one declared text. */
static void para_text(struct doc *w, const struct rk_text *t) {
    p_begin(w);
    text(w, t);
    p_end(w);
}

static void ul_begin(struct doc *w, int depth) {
    if (depth == 0)
        block(w);
    if (w->html)
        rk_buf_puts(w->out, depth > 0 ? "\n<ul>\n" : "<ul>\n");
    else if (depth > 0)
        rk_buf_putc(w->out, '\n');
}

static void ul_end(struct doc *w) { mark(w, "", "</ul>\n"); }

static void li_begin(struct doc *w, int depth) {
    if (w->html) {
        rk_buf_puts(w->out, "<li>");
        return;
    }
    for (int i = 0; i < depth; i++)
        rk_buf_puts(w->out, "  ");
    rk_buf_puts(w->out, "- ");
}

static void li_end(struct doc *w) {
    if (w->html)
        rk_buf_puts(w->out, "</li>\n");
    else if (w->out->len > 0 && w->out->data[w->out->len - 1] != '\n')
        rk_buf_putc(w->out, '\n');
}

/* A list item "label: value", or just value when label is NULL; nothing when value is NULL. */
static void li_field(struct doc *w, const char *label, const char *value) {
    if (!value)
        return;
    li_begin(w, 0);
    if (label) {
        put(w, label);
        put(w, ": ");
    }
    put(w, value);
    li_end(w);
}

static void li_text(struct doc *w, const char *s) {
    li_begin(w, 0);
    put(w, s);
    li_end(w);
}

/* Joins the names of registers with ", ". */
static void register_names(struct doc *w, struct rk_register *const *regs, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            put(w, ", ");
        text(w, &regs[i]->name);
    }
}

/* ---- Title and introduction --------------------------------------------- */

static void doc_begin(struct doc *w, const struct rk_decl *d) {
    if (w->html) {
        rk_buf_printf(w->out,
                      "<!doctype html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                      "<title>",
                      RK_PICK(w->lang, "fi", "en"));
        tr(w, "Tietosuojaseloste – ", "Privacy notice – ");
        put(w, d->controller.name);
        rk_buf_puts(w->out, "</title>\n</head>\n<body>\n<main>\n");
    }
    heading(w, 1, "Tietosuojaseloste", "Privacy notice");
}

static void doc_end(struct doc *w) { mark(w, "", "</main>\n</body>\n</html>\n"); }

static void dates(struct doc *w, const struct rk_decl *d) {
    char buf[64];
    if (d->drafted.y) {
        rk_date_format(d->drafted, w->lang, buf, sizeof buf);
        tr(w, " Laadittu ", " Drafted ");
        put(w, buf);
        put(w, ".");
    }
    if (d->last_changed.y) {
        rk_date_format(d->last_changed, w->lang, buf, sizeof buf);
        tr(w, " Viimeisin muutos ", " Last changed ");
        put(w, buf);
        put(w, ".");
    }
}

static void intro(struct doc *w, const struct rk_decl *d) {
    p_begin(w);
    if (rk_text_present(&d->intro))
        text(w, &d->intro);
    else
        tr(w,
           "Tällä selosteella rekisterinpitäjä täyttää EU:n yleisen tietosuoja-asetuksen (GDPR) "
           "13 ja 14 artiklan mukaisen informointivelvoitteensa suhteessa rekisteröityyn.",
           "With this notice the controller fulfils its duty under articles 13 and 14 of the EU "
           "General Data Protection Regulation (GDPR) to inform data subjects.");
    dates(w, d);
    p_end(w);
    for (size_t i = 0; i < d->nexclusions; i++)
        para_text(w, &d->exclusions[i].text);
}

/* ---- The ways on (the served HTML only) ------------------------------------ */

/* One link of the list: href (a same-site path, then "?lang=") and its words. */
/* path: the service's own, which gets the page's language; or an https:// address as is. */
static void link_item(struct doc *w, const char *path, const char *words) {
    rk_buf_puts(w->out, "<li><a href=\"");
    rk_buf_put_html(w->out, path);
    if (path[0] == '/')
        rk_buf_printf(w->out, "?lang=%s", RK_PICK(w->lang, "fi", "en"));
    rk_buf_puts(w->out, "\">");
    put(w, words);
    rk_buf_puts(w->out, "</a></li>\n");
}

/*
 * Near the top of the page people read, what they can do here, so that the notice is no dead
 * end: each declared form, their subscriptions and choices (the preferences page, whose link
 * is emailed on request), the data-subject request form, and the cookie settings on the
 * company's website (cookies.settings_url). Links are paths of the service
 * that serves the notice, so only the HTML has them; the Markdown is a document on its own.
 */
static void section_links(struct doc *w, const struct rk_decl *d) {
    if (!w->html)
        return;
    bool consent = false;
    for (size_t i = 0; i < d->npurposes; i++)
        consent |= d->purposes[i].basis == RK_BASIS_CONSENT;
    heading(w, 2, "Asiointi", "What you can do here");
    mark(w, "", "<ul>\n");
    char path[96]; /* "/forms/" and an id of at most 64 */
    for (size_t i = 0; i < d->nforms; i++) {
        snprintf(path, sizeof path, "/forms/%s", d->forms[i].id);
        link_item(w, path, rk_text_get(&d->forms[i].name, w->lang));
    }
    if (consent)
        link_item(w, "/preferences",
                  RK_PICK(w->lang, "Tilauksesi ja suostumuksesi: muuta tai peru",
                          "Your subscriptions and consents: change or withdraw them"));
    link_item(w, "/requests",
              RK_PICK(w->lang,
                      "Omat tietosi ja oikeutesi: tee pyyntö (esimerkiksi tietojen "
                      "tarkastus tai poisto)",
                      "Your data and your rights: make a request (for example to see or erase "
                      "your data)"));
    if (d->cookies.declared && d->cookies.settings_url)
        link_item(w, d->cookies.settings_url,
                  RK_PICK(w->lang, "Evästeasetukset verkkosivustollamme",
                          "Cookie settings on our website"));
    mark(w, "", "</ul>\n");
}

/* ---- 1. Controller ------------------------------------------------------- */

static void contact_item(struct doc *w, const char *label, const struct rk_party *c) {
    if (!rk_label_contact_present(c))
        return;
    rk_label_contact(c, w->lang, &w->tmp);
    li_begin(w, 0);
    put(w, label);
    put(w, ": ");
    put_tmp(w);
    li_end(w);
}

static void section_controller(struct doc *w, const struct rk_decl *d) {
    const struct rk_controller *c = &d->controller;
    heading(w, 2, "1. Rekisterinpitäjä", "1. Controller");
    ul_begin(w, 0);
    li_field(w, NULL, c->name);
    li_field(w, RK_PICK(w->lang, "Y-tunnus", "Business ID"), c->business_id);
    li_field(w, RK_PICK(w->lang, "Osoite", "Address"), c->address);
    li_field(w, RK_PICK(w->lang, "Puhelin", "Phone"), c->phone);
    li_field(w, RK_PICK(w->lang, "Sähköposti", "Email"), c->email);
    contact_item(w, RK_PICK(w->lang, "Tietosuojavastaava", "Data protection officer"), &c->dpo);
    contact_item(
        w, RK_PICK(w->lang, "Edustaja unionissa (27 art.)", "Representative in the Union (art 27)"),
        &c->representative);
    ul_end(w);
}

/* ---- 2. Legal bases and purposes ------------------------------------------ */

static bool basis_used(const struct rk_decl *d, enum rk_basis b) {
    for (size_t i = 0; i < d->npurposes; i++)
        if (d->purposes[i].basis == b)
            return true;
    return false;
}

static void bases(struct doc *w, const struct rk_decl *d) {
    int n = 0;
    for (int b = 0; b < RK_BASIS__COUNT; b++)
        n += basis_used(d, (enum rk_basis)b);
    if (n == 1)
        para(w,
             "EU:n yleisen tietosuoja-asetuksen mukainen oikeusperuste henkilötietojen "
             "käsittelylle on:",
             "The legal basis for processing personal data under the EU General Data "
             "Protection Regulation is:");
    else
        para(w,
             "EU:n yleisen tietosuoja-asetuksen mukaiset oikeusperusteet henkilötietojen "
             "käsittelylle ovat:",
             "The legal bases for processing personal data under the EU General Data "
             "Protection Regulation are:");
    ul_begin(w, 0);
    for (int b = 0; b < RK_BASIS__COUNT; b++)
        if (basis_used(d, (enum rk_basis)b))
            li_text(w, rk_label_basis((enum rk_basis)b, w->lang));
    ul_end(w);
}

static void purpose_item(struct doc *w, const struct rk_purpose *p) {
    li_begin(w, 0);
    text(w, &p->name);
    put(w, " (");
    put(w, rk_label_basis_cite(p->basis, w->lang));
    put(w, ")");
    if (rk_text_present(&p->description)) {
        rk_buf_sentence_gap(w->out);
        text(w, &p->description);
    }
    if (rk_text_present(&p->legitimate_interest)) {
        rk_buf_sentence_gap(w->out);
        tr(w, "Oikeutettu etu: ", "Legitimate interest: ");
        text(w, &p->legitimate_interest);
    }
    if (rk_text_present(&p->balancing_test)) {
        rk_buf_sentence_gap(w->out);
        rk_label_balancing(p, w->lang, &w->tmp);
        put_tmp(w);
    }
    li_end(w);
}

static void purposes(struct doc *w, const struct rk_decl *d) {
    if (d->npurposes == 1)
        para(w, "Henkilötietojen käsittelyn tarkoitus on:", "The purpose of the processing is:");
    else
        para(w, "Henkilötietojen käsittelyn tarkoitukset ovat:",
             "The purposes of the processing are:");
    ul_begin(w, 0);
    for (size_t i = 0; i < d->npurposes; i++)
        purpose_item(w, &d->purposes[i]);
    ul_end(w);
}

/* Art 7(3) and 13(2)(c): how each consent can be withdrawn, and how long it lasts. */
static void withdrawal(struct doc *w, const struct rk_purpose *p) {
    p_begin(w);
    tr(w, "Rekisteröity voi milloin tahansa peruuttaa käsittelytarkoitukseen ”",
       "The data subject may at any time withdraw the consent given for the purpose “");
    text(w, &p->name);
    tr(w, "” antamansa suostumuksen ", "” ");
    rk_label_withdrawal_channels(p, w->lang, &w->tmp);
    put_tmp(w);
    tr(w,
       ", jolloin suostumukseen perustuva käsittely lopetetaan, ellei ole muuta "
       "oikeusperustetta käsittelylle.",
       "; processing based on the consent then stops unless there is another legal basis for "
       "it.");
    if (p->consent_validity.n > 0) {
        char dur[64];
        rk_duration_format(p->consent_validity, w->lang, dur, sizeof dur);
        tr(w, " Suostumus on voimassa ", " The consent is valid for ");
        put(w, dur);
        put(w, ".");
    }
    p_end(w);
}

static void cookie_category(struct doc *w, const struct rk_cookie_category *c) {
    li_begin(w, 0);
    text(w, &c->name);
    if (c->essential)
        tr(w, " (välttämätön, ei edellytä suostumusta)",
           " (strictly necessary, no consent needed)");
    else
        tr(w, " (edellyttää suostumustasi)", " (requires your consent)");
    if (rk_text_present(&c->purpose)) {
        put(w, ": ");
        text(w, &c->purpose);
    }
    if (c->nvendors > 0) {
        ul_begin(w, 1);
        for (size_t i = 0; i < c->nvendors; i++) {
            const struct rk_cookie_vendor *v = &c->vendors[i];
            li_begin(w, 1);
            put(w, v->name);
            if (v->country[0]) {
                put(w, " (");
                put(w, rk_country_name(v->country, w->lang));
                if (!rk_country_in_eea(v->country)) {
                    tr(w, "; siirtoperuste: ", "; transfer mechanism: ");
                    rk_label_transfer_detail(v->transfer, v->dpf_verified, &v->safeguards_copy,
                                             w->lang, &w->tmp);
                    put_tmp(w);
                }
                put(w, ")");
            }
            li_end(w);
        }
        ul_end(w);
    }
    li_end(w);
}

/* The link to the website's cookie settings (the consent manager opens them there). */
static void cookie_settings(struct doc *w, const char *url) {
    p_begin(w);
    tr(w,
       "Voit antaa, muuttaa tai perua suostumuksesi evästeisiin milloin tahansa sivuston "
       "evästeasetuksissa: ",
       "You can give, change or withdraw your consent to cookies at any time in the site's "
       "cookie settings: ");
    if (w->html) {
        rk_buf_puts(w->out, "<a href=\"");
        put(w, url);
        rk_buf_puts(w->out, "\">");
        tr(w, "Evästeasetukset", "Cookie settings");
        rk_buf_puts(w->out, "</a>.");
    } else {
        rk_buf_putc(w->out, '[');
        tr(w, "Evästeasetukset", "Cookie settings");
        rk_buf_puts(w->out, "](");
        for (const char *c = url; *c; c++) /* a Markdown link target ends at ')' or a space */
            if (*c == ')' || *c == ' ' || *c == '<' || *c == '>')
                rk_buf_printf(w->out, "%%%02X", (unsigned char)*c);
            else
                rk_buf_putc(w->out, *c);
        rk_buf_puts(w->out, ").");
    }
    p_end(w);
}

static void cookies(struct doc *w, const struct rk_cookies *ck) {
    if (!ck->declared)
        return;
    heading(w, 3, "Evästeet", "Cookies");
    if (rk_text_present(&ck->description))
        para_text(w, &ck->description);
    if (ck->ncategories == 0)
        return;
    para(w,
         "Käytämme evästeitä seuraavissa käyttötarkoituksissa sekä kolmansien osapuolten "
         "palveluissa:",
         "We use cookies for the following purposes and in the following third-party services:");
    ul_begin(w, 0);
    for (size_t i = 0; i < ck->ncategories; i++)
        cookie_category(w, &ck->categories[i]);
    ul_end(w);
    if (ck->settings_url)
        cookie_settings(w, ck->settings_url);
}

/* Art 9(1) and 10 data with the art 9(2) condition and the national law (art 13(1)(c)). */
static void special_categories(struct doc *w, const struct rk_decl *d) {
    if (!rk_label_special_used(d))
        return;
    para(w,
         "Käsittelemme seuraavia erityisiin henkilötietoryhmiin kuuluvia tai rikostuomioihin ja "
         "rikkomuksiin liittyviä tietoja:",
         "We process the following special categories of personal data or data relating to "
         "criminal convictions and offences:");
    ul_begin(w, 0);
    for (size_t i = 0; i < d->ncategories; i++) {
        const struct rk_category *c = &d->categories[i];
        if (c->special == RK_SPECIAL_NONE || !rk_label_category_used(d, c))
            continue;
        li_begin(w, 0);
        rk_label_special_category(c, w->lang, &w->tmp);
        put_tmp(w);
        li_end(w);
    }
    ul_end(w);
}

/* 917/2014 §200-202: how each purpose with direct marketing reaches people. */
static void direct_marketing(struct doc *w, const struct rk_decl *d) {
    for (size_t i = 0; i < d->npurposes; i++) {
        if (!d->purposes[i].marketing.declared)
            continue;
        p_begin(w);
        rk_label_marketing(&d->purposes[i], w->lang, &w->tmp);
        put_tmp(w);
        p_end(w);
    }
}

/* Art 13(2)(f), 14(2)(g): each purpose's profiling, and the automated decisions (art 22). */
static void profiling(struct doc *w, const struct rk_decl *d) {
    heading(w, 3, "Profilointi ja automaattinen päätöksenteko",
            "Profiling and automated decision-making");
    for (size_t i = 0; i < d->npurposes; i++) {
        if (!d->purposes[i].profiling.declared)
            continue;
        p_begin(w);
        rk_label_profiling(&d->purposes[i], w->lang, &w->tmp);
        put_tmp(w);
        p_end(w);
    }
    if (!rk_decl_profiles(d)) {
        p_begin(w);
        rk_label_profiling_none(d, w->lang, &w->tmp);
        put_tmp(w);
        p_end(w);
    }
    p_begin(w);
    rk_label_automated(&d->rights, w->lang, &w->tmp);
    put_tmp(w);
    p_end(w);
}

static void section_purposes(struct doc *w, const struct rk_decl *d) {
    heading(w, 2, "2. Millä perusteella ja mitä varten käsittelemme henkilötietojasi",
            "2. On what basis and for what purposes we process your personal data");
    bases(w, d);
    purposes(w, d);
    special_categories(w, d);
    for (size_t i = 0; i < d->npurposes; i++)
        if (d->purposes[i].basis == RK_BASIS_CONSENT)
            withdrawal(w, &d->purposes[i]);
    direct_marketing(w, d);
    profiling(w, d);
    cookies(w, &d->cookies);
}

/* ---- 3. Categories and retention ------------------------------------------ */

static void register_block(struct doc *w, const struct rk_decl *decl, const struct rk_register *r) {
    block(w);
    mark(w, "### ", "<h3>");
    text(w, &r->name);
    mark(w, "\n", "</h3>\n");
    p_begin(w);
    tr(w, "Rekisteröidyt: ", "Data subjects: ");
    text(w, &r->subjects);
    put(w, ".");
    p_end(w);
    if (r->npurposes == 1)
        para(w, "Käsittelytarkoitus:", "Purpose of the processing:");
    else
        para(w, "Käsittelytarkoitukset:", "Purposes of the processing:");
    ul_begin(w, 0);
    for (size_t i = 0; i < r->npurposes; i++)
        li_text(w, rk_text_get(&r->purposes[i]->name, w->lang));
    ul_end(w);
    para(w, "Henkilötietoryhmät:", "Categories of personal data:");
    ul_begin(w, 0);
    for (size_t i = 0; i < r->ncategories; i++)
        li_text(w, rk_text_get(&r->categories[i]->name, w->lang));
    ul_end(w);
    p_begin(w);
    tr(w, "Säilytysaika: ", "Retention: ");
    rk_label_erasure_limits(decl, r, NULL, w->lang, &w->tmp);
    put_tmp(w);
    p_end(w);
    if (r->children.declared) {
        p_begin(w);
        rk_label_children(r, w->lang, &w->tmp);
        put_tmp(w);
        p_end(w);
    }
}

/* Art 13: the categories collected from the data subject themselves. */
static void from_subject(struct doc *w, const struct rk_decl *d) {
    size_t n = 0;
    for (size_t i = 0; i < d->ncategories; i++)
        n += d->categories[i].from_subject && rk_label_category_used(d, &d->categories[i]);
    if (n == 0)
        return;
    heading(w, 3, "Rekisteröidyltä itseltään kerättävät tiedot",
            "Data collected from the data subject");
    para(w, "Rekisteröidyltä itseltään kerättäviä henkilötietoryhmiä ovat:",
         "The categories of personal data collected from the data subject themselves are:");
    ul_begin(w, 0);
    for (size_t i = 0; i < d->ncategories; i++)
        if (d->categories[i].from_subject && rk_label_category_used(d, &d->categories[i]))
            li_text(w, rk_text_get(&d->categories[i].name, w->lang));
    ul_end(w);
}

static void section_categories(struct doc *w, const struct rk_decl *d) {
    heading(w, 2, "3. Mitä henkilötietoryhmiäsi käsittelemme ja kuinka pitkään",
            "3. What categories of your personal data we process and for how long");
    if (d->nregisters == 0)
        para(w, "Rekistereitä ei ole ilmoitettu.", "No registers have been declared.");
    for (size_t i = 0; i < d->nregisters; i++)
        register_block(w, d, &d->registers[i]);
    from_subject(w, d);
}

/* ---- 4. Sources ----------------------------------------------------------- */

static void source_item(struct doc *w, const struct rk_source *s, size_t nregisters) {
    li_begin(w, 0);
    put(w, rk_label_source(s->kind, w->lang));
    if (rk_text_present(&s->name)) { /* art 14(2)(f): the source by name, the rest after it */
        put(w, ": ");
        text(w, &s->name);
        if (rk_text_present(&s->detail) || rk_text_present(&s->note)) {
            put(w, " (");
            if (rk_text_present(&s->detail))
                text(w, &s->detail);
            if (rk_text_present(&s->detail) && rk_text_present(&s->note))
                put(w, "; ");
            if (rk_text_present(&s->note))
                text(w, &s->note);
            put(w, ")");
        }
    } else {
        if (rk_text_present(&s->detail)) {
            put(w,
                s->kind == RK_SRC_PUBLIC_SOURCE ? RK_PICK(w->lang, ", esim. ", ", e.g. ") : ": ");
            text(w, &s->detail);
        }
        if (rk_text_present(&s->note)) {
            put(w, " (");
            text(w, &s->note);
            put(w, ")");
        }
    }
    if (s->nregisters < nregisters || !rk_source_from_subject(s->kind)) {
        put(w, s->nregisters == 1 ? RK_PICK(w->lang, " – rekisteri: ", " – register: ")
                                  : RK_PICK(w->lang, " – rekisterit: ", " – registers: "));
        register_names(w, s->registers, s->nregisters);
    }
    for (size_t i = 0; i < s->npurposes; i++) {
        if (i == 0 && s->npurposes == 1)
            tr(w, "; käsittelytarkoitus: ", "; purpose: ");
        else if (i == 0)
            tr(w, "; käsittelytarkoitukset: ", "; purposes: ");
        else
            put(w, "; ");
        text(w, &s->purposes[i]->name);
    }
    for (size_t i = 0; i < s->ncategories; i++) { /* art 14(1)(d) */
        if (i == 0)
            tr(w, "; saadut tiedot: ", "; categories obtained: ");
        else
            put(w, ", ");
        text(w, &s->categories[i]->name);
    }
    li_end(w);
}

/* Lists the sources whose data is (or is not) given by the person themselves. */
static void source_list(struct doc *w, const struct rk_decl *d, bool subject) {
    ul_begin(w, 0);
    for (size_t i = 0; i < d->nsources; i++)
        if (rk_source_from_subject(d->sources[i].kind) == subject)
            source_item(w, &d->sources[i], d->nregisters);
    ul_end(w);
}

static void section_sources(struct doc *w, const struct rk_decl *d) {
    size_t own = 0;
    for (size_t i = 0; i < d->nsources; i++)
        own += rk_source_from_subject(d->sources[i].kind);
    heading(w, 2, "4. Mistä saamme henkilötietojasi", "4. Where we obtain your personal data");
    if (d->nsources == 0)
        para(w, "Tietolähteitä ei ole ilmoitettu.", "No sources have been declared.");
    if (own > 0) {
        para(w, "Tiedot saadaan rekisteröidyltä itseltään seuraavissa yhteyksissä:",
             "We obtain the data from the data subject themselves in the following ways:");
        source_list(w, d, true);
    }
    if (own < d->nsources) {
        if (own > 0)
            para(w, "Lisäksi henkilötietoja voidaan kerätä muualta kuin rekisteröidyltä itseltään:",
                 "In addition, personal data may be collected from sources other than the data "
                 "subject:");
        else
            para(w, "Henkilötietoja kerätään muualta kuin rekisteröidyltä itseltään:",
                 "Personal data is collected from sources other than the data subject:");
        source_list(w, d, false);
    }
    if (rk_text_present(&d->provision))
        para_text(w, &d->provision);
}

/* ---- 5. Recipients and transfers ------------------------------------------ */

static void category_names(struct doc *w, const struct rk_share *sh) {
    for (size_t i = 0; i < sh->ncategories; i++) {
        if (i > 0)
            put(w, ", ");
        text(w, &sh->categories[i]->name);
    }
}

/* What the recipient receives: "Name, Email", or per register "Name (Customer register);
 * Interests (Marketing register)" when shares was declared as a map of several registers. */
static void recipient_shares(struct doc *w, const struct rk_recipient *r) {
    if (r->nshares == 0)
        return;
    tr(w, ". Luovutettavat tiedot: ", ". Data disclosed: ");
    if (!r->shares_by_register || r->nshares == 1) {
        category_names(w, &r->shares[0]);
        return;
    }
    for (size_t i = 0; i < r->nshares; i++) {
        if (i > 0)
            put(w, "; ");
        category_names(w, &r->shares[i]);
        put(w, " (");
        text(w, &r->shares[i].reg->name);
        put(w, ")");
    }
}

static void recipient_item(struct doc *w, const struct rk_recipient *r) {
    bool third = !rk_country_in_eea(r->country);
    li_begin(w, 0);
    put(w, r->name);
    put(w, " (");
    put(w, rk_country_name(r->country, w->lang));
    if (third)
        tr(w, ", EU:n ja ETA:n ulkopuolella", ", outside the EU and EEA");
    put(w, ") – ");
    put(w, rk_label_role(r->role, w->lang));
    if (rk_text_present(&r->purpose)) {
        tr(w, ". Tehtävä: ", ". Task: ");
        text(w, &r->purpose);
    }
    put(w, r->nregisters == 1 ? RK_PICK(w->lang, ". Rekisteri: ", ". Register: ")
                              : RK_PICK(w->lang, ". Rekisterit: ", ". Registers: "));
    register_names(w, r->registers, r->nregisters);
    recipient_shares(w, r);
    if (third) {
        tr(w, ". Siirtoperuste: ", ". Transfer mechanism: ");
        rk_label_transfer_detail(r->transfer, r->dpf_verified, &r->safeguards_copy, w->lang,
                                 &w->tmp);
        put_tmp(w);
    }
    put(w, ".");
    li_end(w);
}

/* The cookie vendors of categories that need consent, which receive data from the site; and
 * whether any vendor may be outside the EEA (*third: one declares a country outside it or
 * declares none, so that "not transferred" would be a claim the declaration does not make). */
static size_t cookie_vendors(const struct rk_decl *d, bool *third) {
    size_t n = 0;
    for (size_t i = 0; d->cookies.declared && i < d->cookies.ncategories; i++) {
        const struct rk_cookie_category *c = &d->cookies.categories[i];
        for (size_t k = 0; k < c->nvendors; k++) {
            n += !c->essential;
            *third |= !c->vendors[k].country[0] || !rk_country_in_eea(c->vendors[k].country);
        }
    }
    return n;
}

static void section_recipients(struct doc *w, const struct rk_decl *d) {
    bool third = false;
    size_t vendors = cookie_vendors(d, &third);
    heading(w, 2, "5. Kenelle luovutamme henkilötietojasi",
            "5. To whom we disclose your personal data");
    if (d->nrecipients == 0 && vendors > 0) {
        para(w,
             "Emme luovuta henkilötietoja muille vastaanottajille kuin kohdan 2 evästeissä "
             "luetelluille palveluille.",
             "We do not disclose personal data to recipients other than the services listed "
             "under cookies in section 2.");
    } else if (d->nrecipients == 0) {
        para(w, "Emme luovuta henkilötietoja muille vastaanottajille.",
             "We do not disclose personal data to other recipients.");
    } else {
        para(w, "Henkilötietojasi luovutetaan tai siirretään seuraaville vastaanottajille:",
             "Your personal data is disclosed or transferred to the following recipients:");
        ul_begin(w, 0);
        for (size_t i = 0; i < d->nrecipients; i++) {
            recipient_item(w, &d->recipients[i]);
            third |= !rk_country_in_eea(d->recipients[i].country);
        }
        ul_end(w);
    }
    if (rk_text_present(&d->transfers_note))
        para_text(w, &d->transfers_note);
    if (!third)
        para(w, "Henkilötietoja ei siirretä EU:n tai ETA:n ulkopuolelle.",
             "Personal data is not transferred outside the EU or EEA.");
}

/* ---- 6. Rights ------------------------------------------------------------ */

static void rights_list(struct doc *w, const struct rk_decl *d) {
    para(w, "Tietosuoja-asetuksen mukaan sinulla on rekisteröitynä seuraavat oikeudet:",
         "Under the General Data Protection Regulation you have, as a data subject, the "
         "following rights:");
    ul_begin(w, 0);
    for (int i = 0; i < RK_RIGHT__COUNT; i++) {
        if (!rk_label_right_applies(d, (enum rk_right)i))
            continue;
        li_begin(w, 0);
        put(w, rk_label_right((enum rk_right)i, w->lang));
        rk_buf_printf(w->out, " (art %d)", rk_label_right_article((enum rk_right)i));
        li_end(w);
    }
    ul_end(w);
}

/* Art 21(4): the right to object is brought to attention clearly and separately from any
 * other information: its own heading, with 21(1) for the purposes on legitimate interests or a
 * public task and 21(2)-(3) for those with direct marketing. */
static void objection(struct doc *w, const struct rk_decl *d) {
    size_t start = w->out->len;
    heading(w, 3, "Oikeutesi vastustaa käsittelyä", "Your right to object");
    size_t body = w->out->len;
    p_begin(w);
    rk_label_objection_particular(d, w->lang, &w->tmp);
    bool particular = w->tmp.len > 0;
    put_tmp(w);
    p_end(w);
    if (!particular)
        w->out->len = body;
    body = w->out->len;
    p_begin(w);
    rk_label_objection_marketing(d, w->lang, &w->tmp);
    bool marketing = w->tmp.len > 0;
    put_tmp(w);
    p_end(w);
    if (!marketing)
        w->out->len = body;
    if (!particular && !marketing)
        w->out->len = start;
}

static void exercise(struct doc *w, const struct rk_rights *r) {
    p_begin(w);
    tr(w,
       "Jos haluat käyttää näitä oikeuksiasi, varmistamme ensin henkilöllisyytesi. Voit "
       "todentaa henkilöllisyytesi ",
       "If you wish to exercise these rights, we first verify your identity. You can prove your "
       "identity ");
    rk_label_verification_methods(r->verification, w->lang, &w->tmp);
    put_tmp(w);
    put(w, ".");
    p_end(w);
    if (rk_text_present(&r->instructions))
        para_text(w, &r->instructions);
}

/* The authority's web address, as a link in HTML when it is an http(s) URL. */
static void authority_url(struct doc *w, const char *url) {
    bool link = w->html && (strncmp(url, "https://", 8) == 0 || strncmp(url, "http://", 7) == 0);
    li_begin(w, 0);
    tr(w, "Verkkosivut: ", "Website: ");
    if (link) {
        rk_buf_puts(w->out, "<a href=\"");
        put(w, url);
        rk_buf_puts(w->out, "\">");
    }
    put(w, url);
    if (link)
        rk_buf_puts(w->out, "</a>");
    li_end(w);
}

static void authority(struct doc *w, const struct rk_authority *a) {
    para(w,
         "Lisäksi sinulla on koska tahansa oikeus tehdä valitus valvontaviranomaiselle, jos "
         "katsot, että henkilötietojesi käsittely rikkoo tietosuoja-asetusta. "
         "Valvontaviranomainen on:",
         "You also have the right to lodge a complaint with a supervisory authority at any time "
         "if you consider that the processing of your personal data infringes the General Data "
         "Protection Regulation. The supervisory authority is:");
    ul_begin(w, 0);
    li_field(w, NULL, rk_text_get(&a->name, w->lang));
    li_field(w, RK_PICK(w->lang, "Käyntiosoite", "Visiting address"), a->address);
    li_field(w, RK_PICK(w->lang, "Postiosoite", "Postal address"), a->postal_address);
    li_field(w, RK_PICK(w->lang, "Puhelin", "Phone"), a->phone);
    li_field(w, RK_PICK(w->lang, "Sähköposti", "Email"), a->email);
    if (a->url)
        authority_url(w, a->url);
    ul_end(w);
}

static void section_rights(struct doc *w, const struct rk_decl *d) {
    heading(w, 2, "6. Sinun oikeutesi", "6. Your rights");
    rights_list(w, d);
    exercise(w, &d->rights);
    authority(w, &d->authority);
    objection(w, d);
}

/* ---- Entry point ---------------------------------------------------------- */

rk_err rk_notice_render(const struct rk_decl *d, enum rk_lang lang, enum rk_notice_format fmt,
                        struct rk_buf *out) {
    struct doc w = {.out = out, .lang = lang, .html = fmt == RK_NOTICE_HTML};
    rk_buf_init(&w.tmp);
    doc_begin(&w, d);
    intro(&w, d);
    section_links(&w, d);
    section_controller(&w, d);
    section_purposes(&w, d);
    section_categories(&w, d);
    section_sources(&w, d);
    section_recipients(&w, d);
    section_rights(&w, d);
    doc_end(&w);
    rk_buf_cleanup(&w.tmp);
    return rk_buf_status(out);
}
