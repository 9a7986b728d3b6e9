/*
 * pages.c — the public side's HTML pages share one shape: a complete,
 * script-free document (the CSP forbids inline script and style) styled by
 * the one embedded stylesheet web/public/public.css and then the brand
 * stylesheet, a skip link, a header with the company's logo and name, a
 * title, paragraphs, POST buttons, and one footer. Text is always escaped;
 * the caller never writes markup.
 *
 * The branding (branding: in the declaration) is taken once at start
 * (rk_page_brand_init) into this file's one static, read without a lock by
 * every page after: the accent becomes CSS custom properties in a stylesheet
 * built here and served, with the company's own CSS after it and the logo, at
 * content-hashed same-origin paths under /brand/, so nothing inline is needed
 * and the CSP stays strict.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/console.h"
#include "http/respond.h"
#include "http/service.h"
#include "http/public.h"

static struct {
    const struct rk_decl *d; /* NULL: no branding taken (the controller's name is not known) */
    struct rk_buf css;       /* the brand stylesheet; empty: none */
    char css_path[64];       /* "/brand/brand.<hash>.css" */
    char logo_path[64];      /* "/brand/logo.<hash>.<ext>"; "" without a logo */
} brand;

/* The first 12 hex digits of the BLAKE2b hash of len bytes. */
static void content_hash(const void *data, size_t len, char out[13]) {
    unsigned char h[crypto_generichash_BYTES];
    crypto_generichash(h, sizeof h, data, len, NULL, 0);
    for (size_t i = 0; i < 6; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

/* The accent darkened by a quarter, for hover: "#rrggbb". */
static void darker(const char *hex, char out[8]) {
    unsigned v[3];
    for (int i = 0; i < 3; i++) {
        char two[3] = {hex[1 + 2 * i], hex[2 + 2 * i], '\0'};
        v[i] = (unsigned)strtoul(two, NULL, 16) * 3 / 4;
    }
    snprintf(out, 8, "#%02x%02x%02x", v[0], v[1], v[2]);
}

static void brand_clear(void) {
    rk_buf_cleanup(&brand.css);
    memset(&brand, 0, sizeof brand);
    rk_buf_init(&brand.css);
}

rk_err rk_page_brand_init(const struct rk_decl *d) {
    brand_clear();
    brand.d = d;
    const struct rk_branding *b = &d->branding;
    if (b->accent[0] || b->stylesheet_data) {
        rk_buf_puts(&brand.css, "/* The branding of the declaration (branding:): its accent, then "
                                "the company's own stylesheet. */\n");
        if (b->accent[0]) {
            char dark[8];
            darker(b->accent, dark);
            rk_buf_printf(&brand.css,
                          ":root { --accent: %s; --accent-dark: %s; --button: %s; "
                          "--button-dark: %s; }\n",
                          b->accent, dark, b->accent, dark);
        }
        if (b->stylesheet_data)
            rk_buf_append(&brand.css, b->stylesheet_data, b->stylesheet_len);
        if (rk_buf_status(&brand.css) != RK_OK) {
            brand_clear();
            return RK_ENOMEM;
        }
        char h[13];
        content_hash(brand.css.data, brand.css.len, h);
        snprintf(brand.css_path, sizeof brand.css_path, "/brand/brand.%s.css", h);
    }
    if (b->logo_data) {
        const char *t = b->logo_type;
        const char *ext = strcmp(t, "image/png") == 0    ? "png"
                          : strcmp(t, "image/jpeg") == 0 ? "jpg"
                          : strcmp(t, "image/webp") == 0 ? "webp"
                                                         : "svg";
        char h[13];
        content_hash(b->logo_data, b->logo_len, h);
        snprintf(brand.logo_path, sizeof brand.logo_path, "/brand/logo.%s.%s", h, ext);
    }
    return RK_OK;
}

void rk_page_brand_cleanup(const struct rk_decl *d) {
    if (brand.d == d)
        brand_clear();
}

const char *rk_page_brand_css_path(void) { return brand.css_path[0] ? brand.css_path : NULL; }
const char *rk_page_brand_logo_path(void) { return brand.logo_path[0] ? brand.logo_path : NULL; }

RK_HTTP_HANDLER(rk_http_get_brand) {
    (void)s;
    static const char *const cache[][2] = {
        {"Cache-Control", "public, max-age=31536000, immutable"}};
    char path[sizeof "/brand/" + RK_HTTP_PARAM_MAX];
    snprintf(path, sizeof path, "/brand/%s", r->param[0]);
    if (brand.css_path[0] && strcmp(path, brand.css_path) == 0)
        return rk_http_respond_with(c, r, 200, "text/css; charset=utf-8", brand.css.data,
                                    brand.css.len, MHD_RESPMEM_PERSISTENT, cache, 1);
    if (brand.logo_path[0] && strcmp(path, brand.logo_path) == 0)
        return rk_http_respond_with(c, r, 200, brand.d->branding.logo_type,
                                    (const char *)brand.d->branding.logo_data,
                                    brand.d->branding.logo_len, MHD_RESPMEM_PERSISTENT, cache, 1);
    return rk_http_error(c, r, 404, "not_found", "no such brand asset");
}

void rk_page_put_stylesheet(struct rk_buf *b) {
    const char *href = rk_console_asset("public.css");
    if (href)
        rk_buf_printf(b, "<link rel=\"stylesheet\" href=\"%s\">\n", href);
    if (brand.css_path[0])
        rk_buf_printf(b, "<link rel=\"stylesheet\" href=\"%s\">\n", brand.css_path);
}

/* The skip link and the header: the logo (decorative: the name is beside it) and the name. */
static void put_header(struct rk_buf *b, enum rk_lang lang) {
    rk_buf_printf(b, "<a class=\"skip\" href=\"#main\">%s</a>\n<header>\n<p class=\"brand\">",
                  lang == RK_LANG_FI ? "Siirry sisältöön" : "Skip to content");
    if (brand.logo_path[0])
        rk_buf_printf(b, "<img src=\"%s\" alt=\"\" height=\"40\"> ", brand.logo_path);
    const char *name = brand.d ? brand.d->branding.name : NULL;
    if (name)
        rk_buf_put_html(b, name);
    rk_buf_puts(b, "</p>\n</header>\n");
}

void rk_page_begin(struct rk_page *p, enum rk_lang lang, const char *title) {
    rk_page_begin_titled(p, lang, title, title);
}

void rk_page_begin_titled(struct rk_page *p, enum rk_lang lang, const char *title, const char *h1) {
    rk_buf_init(&p->b);
    p->lang = lang;
    rk_buf_printf(&p->b,
                  "<!doctype html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>",
                  lang == RK_LANG_FI ? "fi" : "en");
    rk_buf_put_html(&p->b, title);
    rk_buf_puts(&p->b, "</title>\n");
    rk_page_put_stylesheet(&p->b);
    rk_buf_puts(&p->b, "</head>\n<body>\n");
    put_header(&p->b, lang);
    rk_buf_puts(&p->b, "<main id=\"main\">\n<h1>");
    rk_buf_put_html(&p->b, h1);
    rk_buf_puts(&p->b, "</h1>\n");
}

void rk_page_error_summary(struct rk_page *p, const char *anchor, const char *text) {
    bool fi = p->lang == RK_LANG_FI;
    rk_buf_printf(&p->b,
                  "<div class=\"error-summary\" role=\"alert\" tabindex=\"-1\" autofocus>\n"
                  "<h2>%s</h2>\n<ul>\n<li>",
                  fi ? "Tarkista tiedot" : "There is a problem");
    if (anchor && anchor[0]) {
        rk_buf_puts(&p->b, "<a href=\"#");
        rk_buf_put_html(&p->b, anchor);
        rk_buf_puts(&p->b, "\">");
    }
    rk_buf_put_html(&p->b, text);
    rk_buf_puts(&p->b,
                anchor && anchor[0] ? "</a></li>\n</ul>\n</div>\n" : "</li>\n</ul>\n</div>\n");
}

void rk_page_begin_bad_link(struct rk_page *p, enum rk_lang lang, bool gone, const char *text) {
    bool fi = lang == RK_LANG_FI;
    rk_page_begin(p, lang,
                  gone ? (fi ? "Linkki on vanhentunut" : "The link has expired")
                       : (fi ? "Linkki ei ole voimassa" : "The link is not valid"));
    rk_page_text(p, text);
}

void rk_page_link(struct rk_page *p, const char *path, const char *label) {
    rk_buf_puts(&p->b, "<p><a href=\"");
    rk_buf_put_html(&p->b, path);
    rk_buf_printf(&p->b, "?lang=%s\">", rk_lang_code(p->lang));
    rk_buf_put_html(&p->b, label);
    rk_buf_puts(&p->b, "</a></p>\n");
}

void rk_page_form_links(struct rk_page *p, const struct rk_decl *d, const struct rk_purpose *only) {
    bool any = false;
    for (size_t i = 0; i < d->nforms; i++) {
        const struct rk_form *f = &d->forms[i];
        if (only && f->purpose != only)
            continue;
        rk_buf_puts(&p->b, any ? "" : "<ul>\n");
        rk_buf_printf(&p->b, "<li><a href=\"/forms/%s?lang=%s\">", f->id, rk_lang_code(p->lang));
        rk_buf_put_html(&p->b, rk_text_get(&f->name, p->lang));
        rk_buf_puts(&p->b, "</a></li>\n");
        any = true;
    }
    if (any)
        rk_buf_puts(&p->b, "</ul>\n");
}

void rk_page_put_sentence_case(struct rk_buf *b, const char *text) {
    char first[3] = {0};
    const unsigned char *t = (const unsigned char *)text;
    size_t skip = 0;
    if (t[0] >= 'a' && t[0] <= 'z') {
        first[0] = (char)(t[0] - 'a' + 'A');
        skip = 1;
    } else if (t[0] == 0xc3 && t[1] >= 0xa0 && t[1] <= 0xbe && t[1] != 0xb7) {
        first[0] = (char)0xc3; /* Latin-1 supplement: ä → Ä, ö → Ö, å → Å, … */
        first[1] = (char)(t[1] - 0x20);
        skip = 2;
    }
    rk_buf_put_html(b, first);
    rk_buf_put_html(b, text + skip);
}

void rk_page_text(struct rk_page *p, const char *text) {
    rk_buf_puts(&p->b, "<p>");
    rk_buf_put_html(&p->b, text);
    rk_buf_puts(&p->b, "</p>\n");
}

void rk_page_button(struct rk_page *p, const char *const (*hidden)[2], size_t n,
                    const char *label) {
    rk_buf_puts(&p->b, "<form method=\"post\">\n");
    for (size_t i = 0; i < n; i++) {
        rk_buf_puts(&p->b, "<input type=\"hidden\" name=\"");
        rk_buf_put_html(&p->b, hidden[i][0]);
        rk_buf_puts(&p->b, "\" value=\"");
        rk_buf_put_html(&p->b, hidden[i][1]);
        rk_buf_puts(&p->b, "\">\n");
    }
    rk_buf_puts(&p->b, "<button type=\"submit\">");
    rk_buf_put_html(&p->b, label);
    rk_buf_puts(&p->b, "</button>\n</form>\n");
}

/*
 * Every public page ends with the same way on (no dead ends): the privacy notice, the
 * data-subject request form, one's preferences, and this page in the other language (its
 * path, without the query: a result page's switch shows the page it came from); then the
 * company's own links (branding.links).
 */
static void put_footer(struct rk_buf *b, enum rk_lang lang, const char *path) {
    bool fi = lang == RK_LANG_FI;
    const char *l = rk_lang_code(lang), *other = fi ? "en" : "fi";
    rk_buf_printf(b,
                  "<footer>\n<ul>\n<li><a href=\"/privacy?lang=%s\">%s</a></li>\n"
                  "<li><a href=\"/requests?lang=%s\">%s</a></li>\n"
                  "<li><a href=\"/preferences?lang=%s\">%s</a></li>\n<li><a href=\"",
                  l, fi ? "Tietosuojaseloste" : "Privacy notice", l,
                  fi ? "Omat tietosi ja oikeutesi" : "Your data and your rights", l,
                  fi ? "Tilauksesi ja valintasi" : "Your subscriptions and choices");
    rk_buf_put_html(b, path && path[0] == '/' ? path : "/");
    rk_buf_printf(b, "?lang=%s\" hreflang=\"%s\" lang=\"%s\">%s</a></li>\n</ul>\n", other, other,
                  other, fi ? "In English" : "Suomeksi");
    const struct rk_branding *br = brand.d ? &brand.d->branding : NULL;
    if (br && br->nlinks) {
        rk_buf_puts(b, "<ul>\n");
        for (size_t i = 0; i < br->nlinks; i++) {
            if (!br->links[i].url)
                continue;
            rk_buf_puts(b, "<li><a href=\"");
            rk_buf_put_html(b, br->links[i].url);
            rk_buf_puts(b, "\">");
            rk_buf_put_html(b, rk_text_get(&br->links[i].label, lang));
            rk_buf_puts(b, "</a></li>\n");
        }
        rk_buf_puts(b, "</ul>\n");
    }
    rk_buf_puts(b, "</footer>\n");
}

static void footer(struct rk_page *p, const struct rk_http_request *r) {
    rk_buf_puts(&p->b, "</main>\n");
    put_footer(&p->b, p->lang, r->url);
}

bool rk_page_dress(struct rk_buf *doc, enum rk_lang lang, const char *path) {
    const char *title = doc->len ? strstr(doc->data, "</title>\n") : NULL;
    const char *body = title ? strstr(title, "<body>\n") : NULL;
    const char *end = body ? strstr(body, "</body>") : NULL;
    if (!end)
        return false;
    size_t head = (size_t)(title - doc->data) + sizeof "</title>\n" - 1;
    size_t open = (size_t)(body - doc->data) + sizeof "<body>\n" - 1;
    size_t close = (size_t)(end - doc->data);
    struct rk_buf out;
    rk_buf_init(&out);
    rk_buf_append(&out, doc->data, head);
    rk_page_put_stylesheet(&out);
    rk_buf_append(&out, doc->data + head, open - head);
    put_header(&out, lang);
    /* The notice's <main> gets the skip link's target. */
    if (strncmp(doc->data + open, "<main>", 6) == 0) {
        rk_buf_puts(&out, "<main id=\"main\">");
        open += 6;
    }
    rk_buf_append(&out, doc->data + open, close - open);
    put_footer(&out, lang, path);
    rk_buf_append(&out, doc->data + close, doc->len - close);
    if (rk_buf_status(&out) != RK_OK) {
        rk_buf_cleanup(&out);
        return false;
    }
    rk_buf_cleanup(doc);
    *doc = out;
    return true;
}

rk_http_result rk_page_end(struct rk_page *p, struct MHD_Connection *c, struct rk_http_request *r,
                           int status) {
    return rk_page_end_with(p, c, r, status, NULL, 0);
}

rk_http_result rk_page_end_with(struct rk_page *p, struct MHD_Connection *c,
                                struct rk_http_request *r, int status,
                                const char *const (*headers)[2], size_t n) {
    footer(p, r);
    rk_buf_puts(&p->b, "</body>\n</html>\n");
    rk_http_result ret =
        rk_buf_status(&p->b) == RK_OK
            ? rk_http_respond_with(c, r, status, "text/html; charset=utf-8", p->b.data, p->b.len,
                                   MHD_RESPMEM_MUST_COPY, headers, n)
            : MHD_NO;
    rk_buf_cleanup(&p->b);
    return ret;
}
