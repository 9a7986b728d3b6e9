/*
 * first_contact.c — renders the art 14 information for the first message to a person whose
 * data came from a public source or another controller, with the right to object (art 21(4))
 * in a paragraph of its own, after a heading of its own, at the end.
 *
 * Sentences come from labels.c wherever the notice and the access answer already say the same
 * thing (the basis, the controller, retention, profiling, automated decisions, the source by
 * name, the objection), so that the first message cannot tell a different story from the
 * notice. Everything is said for the one source: its categories, the purposes it feeds, the
 * registers it feeds and the recipients that receive those categories from them.
 */
#include "views/first_contact.h"

#include <stdlib.h>
#include <string.h>

#include "decl/labels.h"

struct doc {
    struct rk_buf *out;
    struct rk_buf tmp; /* scratch for sentences built by labels.c */
    enum rk_lang lang;
    bool md;
};

/* Appends plain text, escaped for Markdown (newlines as spaces) or as it is. */
static void put(struct doc *w, const char *s) {
    if (w->md)
        rk_label_put_md_line(w->out, s);
    else
        rk_buf_puts(w->out, s);
}

static void tr(struct doc *w, const char *fi, const char *en) { put(w, RK_PICK(w->lang, fi, en)); }

/* Appends the scratch buffer as text and empties it. */
static void put_tmp(struct doc *w) {
    if (w->tmp.oom)
        w->out->oom = true;
    else if (w->tmp.len > 0)
        put(w, w->tmp.data);
    rk_buf_reset(&w->tmp);
}

/* A declared text as a sentence: trailing blanks dropped, a full stop unless it has one. */
static void put_sentence(struct doc *w, const char *s) {
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\n'))
        n--;
    rk_buf_printf(&w->tmp, "%.*s", (int)n, s);
    if (n == 0 || !strchr(".!?", s[n - 1]))
        rk_buf_putc(&w->tmp, '.');
    put_tmp(w);
}

/* Paragraphs (and headings) are separated by one blank line. */
static void block(struct doc *w, size_t start) {
    if (w->out->len > start)
        rk_buf_putc(w->out, '\n');
}

static void heading(struct doc *w, size_t start, const char *fi, const char *en) {
    block(w, start);
    if (w->md)
        rk_buf_puts(w->out, "**");
    size_t from = w->out->len;
    tr(w, fi, en);
    if (w->md) {
        rk_buf_puts(w->out, "**");
    } else { /* underlined, one dash per character (UTF-8 continuation bytes not counted) */
        size_t chars = 0;
        for (size_t i = from; i < w->out->len && w->out->data; i++)
            chars += ((unsigned char)w->out->data[i] & 0xC0) != 0x80;
        rk_buf_putc(w->out, '\n');
        for (size_t i = 0; i < chars; i++)
            rk_buf_putc(w->out, '-');
    }
    rk_buf_putc(w->out, '\n');
}

/* Writes the scratch buffer as a paragraph of its own; nothing when it is empty. */
static void para_tmp(struct doc *w, size_t start) {
    if (w->tmp.len == 0 && !w->tmp.oom)
        return;
    block(w, start);
    put_tmp(w);
    rk_buf_putc(w->out, '\n');
}

/* ---- What the source feeds ------------------------------------------------ */

struct feed {
    const struct rk_purpose **purposes;
    size_t npurposes;
    const struct rk_category **categories;
    size_t ncategories;
};

static bool has_ptr(const void *const *v, size_t n, const void *p) {
    for (size_t i = 0; i < n; i++)
        if (v[i] == p)
            return true;
    return false;
}

/* The purposes (declared, else every purpose of its registers) and the categories (declared,
 * else every category of its registers) of source s, each once, in declaration order. */
static bool feed_of(const struct rk_decl *d, const struct rk_source *s, struct feed *f) {
    *f = (struct feed){0};
    f->purposes = calloc(d->npurposes + 1, sizeof(const struct rk_purpose *));
    f->categories = calloc(d->ncategories + 1, sizeof(const struct rk_category *));
    if (!f->purposes || !f->categories)
        return false;
    for (size_t i = 0; i < d->npurposes; i++) {
        const struct rk_purpose *p = &d->purposes[i];
        bool in = s->npurposes ? has_ptr((const void *const *)s->purposes, s->npurposes, p) : false;
        for (size_t r = 0; !s->npurposes && r < s->nregisters; r++)
            in |= has_ptr((const void *const *)s->registers[r]->purposes,
                          s->registers[r]->npurposes, p);
        if (in)
            f->purposes[f->npurposes++] = p;
    }
    for (size_t i = 0; i < d->ncategories; i++) {
        const struct rk_category *c = &d->categories[i];
        bool in =
            s->ncategories ? has_ptr((const void *const *)s->categories, s->ncategories, c) : false;
        for (size_t r = 0; !s->ncategories && r < s->nregisters; r++)
            in |= has_ptr((const void *const *)s->registers[r]->categories,
                          s->registers[r]->ncategories, c);
        if (in)
            f->categories[f->ncategories++] = c;
    }
    return true;
}

static void feed_cleanup(struct feed *f) {
    free((void *)f->purposes);
    free((void *)f->categories);
}

/* Whether recipient r receives some category of f from a register of s: it is given the
 * register, its shares (when declared) name one of the categories, and a connector that sends
 * one purpose's audience only sends a purpose the source feeds. */
static bool receives(const struct rk_recipient *r, const struct rk_source *s,
                     const struct feed *f) {
    if (r->connector.purpose &&
        !has_ptr((const void *const *)f->purposes, f->npurposes, r->connector.purpose))
        return false;
    for (size_t i = 0; i < s->nregisters; i++) {
        const struct rk_register *reg = s->registers[i];
        if (!has_ptr((const void *const *)r->registers, r->nregisters, reg))
            continue;
        const struct rk_share *sh = rk_recipient_share(r, reg);
        if (!sh)
            return true; /* no shares declared: it may receive all of the register */
        for (size_t j = 0; j < sh->ncategories; j++)
            if (has_ptr((const void *const *)f->categories, f->ncategories, sh->categories[j]))
                return true;
    }
    return false;
}

/* ---- The text ------------------------------------------------------------- */

static void controller(struct doc *w, const struct rk_decl *d, size_t start) {
    rk_buf_puts(&w->tmp, RK_PICK(w->lang, "Henkilötietojesi rekisterinpitäjä on ",
                                 "The controller of your personal data is "));
    rk_label_controller(&d->controller, w->lang, &w->tmp);
    rk_buf_putc(&w->tmp, '.');
    if (rk_label_contact_present(&d->controller.dpo)) {
        rk_buf_puts(&w->tmp,
                    RK_PICK(w->lang, " Tietosuojavastaavamme: ", " Our data protection officer: "));
        rk_label_contact(&d->controller.dpo, w->lang, &w->tmp);
        rk_buf_putc(&w->tmp, '.');
    }
    para_tmp(w, start);
}

/* 14(2)(f), 14(1)(d): the source by name, whether it is public, and the categories. */
static void source(struct doc *w, const struct rk_source *s, const struct feed *f, size_t start) {
    rk_buf_puts(&w->tmp, RK_PICK(w->lang, "Saimme tietosi seuraavasta lähteestä: ",
                                 "We obtained your data from the following source: "));
    rk_label_source_named(s, w->lang, &w->tmp);
    rk_buf_putc(&w->tmp, '.');
    if (!s->ncategories && f->ncategories) { /* the register's categories, as nothing narrower
                                                is declared */
        rk_buf_puts(&w->tmp, RK_PICK(w->lang, " Tietoryhmät: ", " Categories of data: "));
        for (size_t i = 0; i < f->ncategories; i++)
            rk_buf_printf(&w->tmp, "%s%s", i ? ", " : "",
                          rk_text_get(&f->categories[i]->name, w->lang));
        rk_buf_putc(&w->tmp, '.');
    }
    para_tmp(w, start);
}

/* 14(1)(c), 14(2)(b): each purpose with its basis and, for legitimate interests, the interest
 * and where its balancing test is; 14(2)(g): its profiling. */
static void purposes(struct doc *w, const struct feed *f, size_t start) {
    for (size_t i = 0; i < f->npurposes; i++) {
        const struct rk_purpose *p = f->purposes[i];
        block(w, start);
        rk_buf_printf(&w->tmp,
                      RK_PICK(w->lang,
                              "Käsittelemme tietojasi tarkoitukseen ”%s” (oikeusperuste: %s).",
                              "We process your data for the purpose “%s” (legal basis: %s)."),
                      rk_text_get(&p->name, w->lang), rk_label_basis(p->basis, w->lang));
        put_tmp(w);
        if (p->basis == RK_BASIS_LEGITIMATE_INTERESTS && rk_text_present(&p->legitimate_interest)) {
            tr(w, " Oikeutettu etumme: ", " Our legitimate interest: ");
            put_sentence(w, rk_text_get(&p->legitimate_interest, w->lang));
        }
        size_t mark = w->tmp.len;
        rk_label_balancing(p, w->lang, &w->tmp);
        if (w->tmp.len > mark)
            put(w, " ");
        put_tmp(w);
        rk_label_profiling(p, w->lang, &w->tmp);
        if (w->tmp.len > 0)
            put(w, " ");
        put_tmp(w);
        rk_buf_putc(w->out, '\n');
    }
}

/* 14(1)(e)-(f): the recipients that receive the source's categories, in one sentence. */
static void recipients(struct doc *w, const struct rk_decl *d, const struct rk_source *s,
                       const struct feed *f, size_t start) {
    size_t n = 0;
    for (size_t i = 0; i < d->nrecipients; i++) {
        const struct rk_recipient *r = &d->recipients[i];
        if (!receives(r, s, f))
            continue;
        rk_buf_puts(&w->tmp, n++ ? "; "
                                 : RK_PICK(w->lang, "Tietojasi voivat käsitellä myös: ",
                                           "Your data may also be processed by: "));
        rk_buf_printf(&w->tmp, "%s (%s, %s", r->name, rk_label_role(r->role, w->lang),
                      rk_country_name(r->country, w->lang));
        if (r->transfer != RK_TRANSFER_NONE)
            rk_buf_printf(&w->tmp, RK_PICK(w->lang, ", siirtoperuste: %s", ", transfer: %s"),
                          rk_label_transfer(r->transfer, w->lang));
        rk_buf_putc(&w->tmp, ')');
    }
    if (n)
        rk_buf_putc(&w->tmp, '.');
    para_tmp(w, start);
}

/* How long: each register the source feeds, in words. */
static void retention(struct doc *w, const struct rk_source *s, size_t start) {
    for (size_t i = 0; i < s->nregisters; i++) {
        const struct rk_register *r = s->registers[i];
        if (s->nregisters > 1)
            rk_buf_printf(&w->tmp, "%s: ", rk_text_get(&r->name, w->lang));
        size_t mark = w->tmp.len;
        rk_label_retention(r, w->lang, &w->tmp);
        if (w->tmp.len == mark)
            w->tmp.len = 0;
        para_tmp(w, start);
    }
}

static void rights(struct doc *w, const struct rk_decl *d, const char *notice_url, size_t start) {
    rk_label_automated(&d->rights, w->lang, &w->tmp);
    para_tmp(w, start);
    rk_label_rights_summary(d, w->lang, &w->tmp);
    rk_buf_putc(&w->tmp, ' ');
    rk_label_complaint(&d->authority, w->lang, &w->tmp);
    rk_buf_putc(&w->tmp, ' ');
    if (!notice_url) {
        rk_buf_puts(&w->tmp, rk_label_notice_ask(w->lang));
        para_tmp(w, start);
        return;
    }
    rk_buf_printf(&w->tmp, "%s ", rk_label_notice_at(w->lang));
    block(w, start);
    put_tmp(w);
    /* the address as it is: an autolink in Markdown (the caller checked it is a plain URL) */
    rk_buf_printf(w->out, w->md ? "<%s>.\n" : "%s.\n", notice_url);
}

/* Art 21(4): explicitly, clearly and separately: a heading and paragraphs of its own, last. */
static void objection(struct doc *w, const struct feed *f, size_t start) {
    rk_label_objection_marketing_of(f->purposes, f->npurposes, w->lang, &w->tmp);
    bool marketing = w->tmp.len > 0;
    rk_buf_reset(&w->tmp);
    rk_label_objection_particular_of(f->purposes, f->npurposes, w->lang, &w->tmp);
    bool particular = w->tmp.len > 0;
    rk_buf_reset(&w->tmp);
    if (!marketing && !particular)
        return;
    heading(w, start, "Oikeutesi vastustaa", "Your right to object");
    if (marketing) {
        rk_label_objection_marketing_of(f->purposes, f->npurposes, w->lang, &w->tmp);
        rk_buf_putc(&w->tmp, ' ');
        rk_buf_puts(&w->tmp, rk_label_objection_reply(w->lang));
        para_tmp(w, start);
    }
    if (particular) {
        rk_label_objection_particular_of(f->purposes, f->npurposes, w->lang, &w->tmp);
        if (!marketing) {
            rk_buf_putc(&w->tmp, ' ');
            rk_buf_puts(&w->tmp,
                        RK_PICK(w->lang,
                                "Voit vastustaa vastaamalla tähän viestiin tai ottamalla "
                                "meihin yhteyttä.",
                                "You can object by replying to this message or by contacting "
                                "us."));
        }
        para_tmp(w, start);
    }
}

static void one(struct doc *w, const struct rk_decl *d, const struct rk_source *s,
                const char *notice_url, size_t start) {
    struct feed f;
    if (!feed_of(d, s, &f)) {
        w->out->oom = true;
        feed_cleanup(&f);
        return;
    }
    heading(w, start, "Tietoa henkilötietojesi käsittelystä",
            "Information on the processing of your personal data");
    controller(w, d, start);
    source(w, s, &f, start);
    purposes(w, &f, start);
    recipients(w, d, s, &f, start);
    retention(w, s, start);
    rights(w, d, notice_url, start);
    objection(w, &f, start);
    feed_cleanup(&f);
}

bool rk_first_contact_url_ok(const char *url) {
    if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)
        return false;
    for (const char *p = url; *p; p++)
        if (*p <= ' ' || *p > '~' || strchr("<>\"'\\`", *p))
            return false;
    return true;
}

size_t rk_first_contact_count(const struct rk_decl *d) {
    size_t n = 0;
    for (size_t i = 0; i < d->nsources; i++)
        n += !rk_source_from_subject(d->sources[i].kind);
    return n;
}

rk_err rk_first_contact_render(const struct rk_decl *d, size_t which, enum rk_lang lang,
                               enum rk_first_contact_format fmt, const char *notice_url,
                               struct rk_buf *out) {
    size_t n = rk_first_contact_count(d);
    if (n == 0 || which > n)
        return RK_ENOENT;
    if (notice_url && !rk_first_contact_url_ok(notice_url))
        return RK_EINVAL;
    struct doc w = {.out = out, .lang = lang, .md = fmt == RK_FIRST_CONTACT_MD};
    rk_buf_init(&w.tmp);
    size_t start = out->len, k = 0;
    for (size_t i = 0; i < d->nsources; i++) {
        if (rk_source_from_subject(d->sources[i].kind))
            continue;
        if (++k != which && which != 0)
            continue;
        if (out->len > start)
            rk_buf_puts(out, w.md ? "\n---\n" : "\n----------------------------------------\n");
        one(&w, d, &d->sources[i], notice_url, start);
    }
    rk_buf_cleanup(&w.tmp);
    return rk_buf_status(out);
}
