/*
 * console.c — the staff console as the server serves it: the embedded assets
 * of web/console/ under content-hashed names (cached for a year: a changed
 * file is a new name), the app shell at /console/ (never cached: it names the
 * current assets), the shell of the server-rendered console pages (sign-in,
 * set password) and the small public page at /. Nothing here decides what a
 * person may see or do: the console is a client of the staff API.
 */
#include <stdio.h>
#include <string.h>

#include "http/console.h"
#include "http/console_pages.h"
#include "http/respond.h"
#include "http/service.h"

/* What the shell leaves for the server to fill in. */
#define LANG_MARK "{{lang}}"

static const char *lang_code(enum rk_lang lang) { return lang == RK_LANG_FI ? "fi" : "en"; }

const char *rk_console_asset(const char *name) {
    for (size_t i = 0; name && i < rk_console_nfiles; i++)
        if (strcmp(rk_console_files[i].name, name) == 0)
            return rk_console_files[i].path;
    return NULL;
}

const struct rk_console_file *rk_console_file_at(const char *path) {
    for (size_t i = 0; path && i < rk_console_nfiles; i++)
        if (strcmp(rk_console_files[i].path, path) == 0)
            return &rk_console_files[i];
    return NULL;
}

void rk_console_shell_render(struct rk_buf *b, enum rk_lang lang) {
    const char *at = rk_console_shell;
    for (const char *m; (m = strstr(at, LANG_MARK)) != NULL; at = m + sizeof LANG_MARK - 1) {
        rk_buf_append(b, at, (size_t)(m - at));
        rk_buf_puts(b, lang_code(lang));
    }
    rk_buf_puts(b, at);
}

void rk_console_page_begin(struct rk_buf *b, enum rk_lang lang, const char *title) {
    bool fi = lang == RK_LANG_FI;
    const char *css = rk_console_asset("console.css");
    rk_buf_printf(b,
                  "<!doctype html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>",
                  lang_code(lang));
    rk_buf_put_html(b, title);
    rk_buf_puts(b, "</title>\n");
    if (css)
        rk_buf_printf(b, "<link rel=\"stylesheet\" href=\"%s\">\n", css);
    rk_buf_printf(b,
                  "</head>\n<body class=\"plain\">\n"
                  "<a class=\"skip\" href=\"#main\">%s</a>\n"
                  "<header class=\"top\"><div class=\"bar\">"
                  "<a class=\"brand\" href=\"/\">rekisteri</a>"
                  "<a class=\"lang\" href=\"?lang=%s\" lang=\"%s\" hreflang=\"%s\">%s</a>"
                  "</div></header>\n"
                  "<main id=\"main\" tabindex=\"-1\">\n<h1>",
                  fi ? "Siirry sisältöön" : "Skip to content", fi ? "en" : "fi", fi ? "en" : "fi",
                  fi ? "en" : "fi", fi ? "In English" : "Suomeksi");
    rk_buf_put_html(b, title);
    rk_buf_puts(b, "</h1>\n");
}

void rk_console_page_end(struct rk_buf *b, enum rk_lang lang) {
    (void)lang;
    rk_buf_puts(b, "</main>\n</body>\n</html>\n");
}

/* ---- Routes --------------------------------------------------------------------------------- */

static rk_http_result respond_page(struct MHD_Connection *c, struct rk_http_request *r,
                                   struct rk_buf *b) {
    rk_http_result ret = rk_buf_status(b) == RK_OK
                             ? rk_http_respond(c, r, 200, "text/html; charset=utf-8", b->data,
                                               b->len, MHD_RESPMEM_MUST_COPY)
                             : MHD_NO;
    rk_buf_cleanup(b);
    return ret;
}

/* One link of the front page, in a list item. */
static void front_link(struct rk_buf *b, const char *href, const char *lang, const char *text) {
    rk_buf_puts(b, "<li><a href=\"");
    rk_buf_put_html(b, href);
    if (lang)
        rk_buf_printf(b, "?lang=%s", lang);
    rk_buf_puts(b, "\">");
    rk_buf_put_html(b, text);
    rk_buf_puts(b, "</a></li>\n");
}

/* GET /: what a visitor can do here — the notice, the forms, a request, the console. */
RK_HTTP_HANDLER(rk_http_get_front) {
    enum rk_lang lang = rk_http_lang(c);
    bool fi = lang == RK_LANG_FI;
    const char *l = lang_code(lang);
    const struct rk_decl *d = s->decl;
    struct rk_buf b;
    rk_buf_init(&b);
    rk_console_page_begin(&b, lang, d->controller.name ? d->controller.name : "rekisteri");
    rk_buf_puts(&b, fi ? "<p>Tällä palvelulla käsitellään henkilötietoja. Voit lukea, miten "
                         "tietojasi käsitellään, tilata viestejä ja käyttää oikeuksiasi.</p>\n"
                       : "<p>This service processes personal data. You can read how your data "
                         "is processed, subscribe to messages and use your rights.</p>\n");
    rk_buf_printf(&b, "<h2>%s</h2>\n<ul class=\"links\">\n", fi ? "Tietosuoja" : "Data protection");
    front_link(&b, "/privacy", l, fi ? "Tietosuojaseloste" : "Privacy notice");
    front_link(&b, "/requests", l,
               fi ? "Tee tietosuojapyyntö (tarkastus, oikaisu, poisto ...)"
                  : "Make a data protection request (access, rectification, erasure ...)");
    rk_buf_puts(&b, "</ul>\n");
    if (d->nforms) {
        rk_buf_printf(&b, "<h2>%s</h2>\n<ul class=\"links\">\n", fi ? "Lomakkeet" : "Forms");
        for (size_t i = 0; i < d->nforms; i++) {
            char href[96];
            snprintf(href, sizeof href, "/forms/%s", d->forms[i].id);
            front_link(&b, href, l, rk_text_get(&d->forms[i].name, lang));
        }
        rk_buf_puts(&b, "</ul>\n");
    }
    rk_buf_printf(&b, "<h2>%s</h2>\n<ul class=\"links\">\n", fi ? "Henkilökunnalle" : "For staff");
    front_link(&b, "/console/", NULL, fi ? "Henkilökunnan konsoli" : "Staff console");
    rk_buf_puts(&b, "</ul>\n");
    rk_console_page_end(&b, lang);
    return respond_page(c, r, &b);
}

/* GET /console/: the app shell; the script does the rest. */
RK_HTTP_HANDLER(rk_http_get_console) {
    (void)s;
    struct rk_buf b;
    rk_buf_init(&b);
    rk_console_shell_render(&b, rk_http_lang(c));
    return respond_page(c, r, &b);
}

/* GET /console: the console lives under /console/, where its relative hash routes work. */
RK_HTTP_HANDLER(rk_http_get_console_bare) {
    (void)s;
    static const char *const loc[][2] = {{"Location", "/console/"}};
    return rk_http_respond_with(c, r, 308, NULL, "", 0, MHD_RESPMEM_PERSISTENT, loc, 1);
}

/* GET /console/assets/{name}: an embedded asset by its hashed name, cached for a year. */
RK_HTTP_HANDLER(rk_http_get_console_asset) {
    (void)s;
    char path[sizeof "/console/assets/" + RK_HTTP_PARAM_MAX];
    snprintf(path, sizeof path, "/console/assets/%s", r->param[0]);
    const struct rk_console_file *f = rk_console_file_at(path);
    if (!f)
        return rk_http_error(c, r, 404, "not_found", "no such console asset");
    static const char *const cache[][2] = {
        {"Cache-Control", "public, max-age=31536000, immutable"}};
    return rk_http_respond_with(c, r, 200, f->type, f->data, f->len, MHD_RESPMEM_PERSISTENT, cache,
                                1);
}
