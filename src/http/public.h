/*
 * public.h — the public side's HTML pages (pages.c): one shape for every
 * page (rk_page_*), the declaration's branding (header, accent, logo, the
 * company's stylesheet, footer links) held once for every page and served
 * from memory at content-hashed same-origin paths (/brand/…), the dressing of
 * the pre-rendered privacy notice in the same header and footer, and the
 * handlers of the preferences start page and the brand assets.
 */
#ifndef RK_HTTP_PUBLIC_H
#define RK_HTTP_PUBLIC_H

#include "decl/decl.h"
#include "http/service.h"

/* The small HTML pages of the public side, all in one shape. */
struct rk_page {
    struct rk_buf b;
    enum rk_lang lang;
};
/* Appends the links to the public pages' stylesheet (web/public/public.css, embedded) and,
 * when the declaration brands the pages, the brand stylesheet after it. */
void rk_page_put_stylesheet(struct rk_buf *b);
/* (The notice, a whole document, is dressed by rk_page_dress, below.) */
/* Starts a page: the head, <main> and the title as <h1>. */
void rk_page_begin(struct rk_page *p, enum rk_lang lang, const char *title);
/* A paragraph of text (escaped). */
void rk_page_text(struct rk_page *p, const char *text);
/* A POST form to the same URL with hidden fields (name, value pairs, n of them) and a button. */
void rk_page_button(struct rk_page *p, const char *const (*hidden)[2], size_t n,
                    const char *label);
/* Finishes the page, queues it with status, and frees it. */
rk_http_result rk_page_end(struct rk_page *p, struct MHD_Connection *c, struct rk_http_request *r,
                           int status);
/* As rk_page_end, with n more headers (name, value). */
rk_http_result rk_page_end_with(struct rk_page *p, struct MHD_Connection *c,
                                struct rk_http_request *r, int status,
                                const char *const (*headers)[2], size_t n);

/*
 * Takes the declaration's branding for every public page from now on: builds the brand
 * stylesheet (the accent as CSS custom properties, then the company's own file) and names
 * it and the logo by their content's hash. Call once before the server's threads start (the
 * pages read it without a lock); d must outlive rk_page_brand_cleanup. RK_ENOMEM.
 */
RK_MUST_USE rk_err rk_page_brand_init(const struct rk_decl *d);
/* Forgets the branding when it is d's (a later server's is left alone). */
void rk_page_brand_cleanup(const struct rk_decl *d);

/* The brand stylesheet's and the logo's paths ("/brand/brand.<hash>.css"), NULL when none. */
const char *rk_page_brand_css_path(void);
const char *rk_page_brand_logo_path(void);

/*
 * Dresses a whole HTML document doc rendered elsewhere (the privacy notice) as a public page
 * of lang at path (the other language's link): the stylesheets after its </title>, the
 * header after <body>, the footer before </body>. False when doc lacks them or memory runs
 * out (doc unchanged).
 */
bool rk_page_dress(struct rk_buf *doc, enum rk_lang lang, const char *path);

/* As rk_page_begin, with a document title apart from the <h1> ("Virhe: …" on errors). */
void rk_page_begin_titled(struct rk_page *p, enum rk_lang lang, const char *title, const char *h1);

/*
 * The error summary at the top of a refused form: a region that is announced and takes the
 * focus (no script), headed "Tarkista tiedot" / "There is a problem", holding the one error
 * text, linked to the field whose id is anchor when anchor is not empty.
 */
void rk_page_error_summary(struct rk_page *p, const char *anchor, const char *text);

/*
 * The start of the page for a link that does not work: titled "Linkki on vanhentunut" /
 * "The link has expired" when gone (answer 410), else "Linkki ei ole voimassa" / "The link
 * is not valid" (404), then text, the sentence saying which link. The caller adds the way to
 * start again (rk_page_link, rk_page_form_links) and ends with rk_page_end(…, gone ? 410 : 404).
 */
void rk_page_begin_bad_link(struct rk_page *p, enum rk_lang lang, bool gone, const char *text);

/* A paragraph holding one link to the service's own path in the page's language
 * (path?lang=fi|en). */
void rk_page_link(struct rk_page *p, const char *path, const char *label);

/* A list of links to the declaration's forms (only those for purpose only, when not NULL);
 * nothing when there is none. */
void rk_page_form_links(struct rk_page *p, const struct rk_decl *d, const struct rk_purpose *only);

/* Appends text escaped, its first letter upper case: a declared name as a heading
 * ("myynnin edistäminen" → "Myynnin edistäminen"). */
void rk_page_put_sentence_case(struct rk_buf *b, const char *text);

/* "fi" or "en". */
static inline const char *rk_lang_code(enum rk_lang lang) {
    return lang == RK_LANG_FI ? "fi" : "en";
}

/* pages.c: GET /brand/{name}, the logo and the brand stylesheet. */
RK_HTTP_HANDLER(rk_http_get_brand);
/* preferences.c: GET and POST /preferences, the way to one's preferences link. */
RK_HTTP_HANDLER(rk_http_get_preferences_start);
RK_HTTP_HANDLER(rk_http_post_preferences_start);

#endif
