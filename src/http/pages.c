/*
 * pages.c — the public side's HTML pages share one shape: a complete,
 * script-free document (the CSP forbids inline script and style) styled by
 * the one embedded stylesheet web/public/public.css, a title, paragraphs, and
 * POST buttons. Text is always escaped; the caller never
 * writes markup.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "http/console.h"
#include "http/internal.h"

void rk_page_put_stylesheet(struct rk_buf *b) {
    const char *href = rk_console_asset("public.css");
    if (href)
        rk_buf_printf(b, "<link rel=\"stylesheet\" href=\"%s\">\n", href);
}

bool rk_page_with_stylesheet(struct rk_buf *doc) {
    const char *at = doc->len ? strstr(doc->data, "</title>\n") : NULL;
    if (!at)
        return false;
    size_t head = (size_t)(at - doc->data) + sizeof "</title>\n" - 1;
    struct rk_buf out;
    rk_buf_init(&out);
    rk_buf_append(&out, doc->data, head);
    rk_page_put_stylesheet(&out);
    rk_buf_append(&out, doc->data + head, doc->len - head);
    if (rk_buf_status(&out) != RK_OK) {
        rk_buf_cleanup(&out);
        return false;
    }
    rk_buf_cleanup(doc);
    *doc = out;
    return true;
}

void rk_page_begin(struct rk_page *p, enum rk_lang lang, const char *title) {
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
    rk_buf_puts(&p->b, "</head>\n<body>\n<main>\n<h1>");
    rk_buf_put_html(&p->b, title);
    rk_buf_puts(&p->b, "</h1>\n");
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
 * data-subject request form, and this page in the other language (its path, without the
 * query: a result page's switch shows the page it came from).
 */
static void footer(struct rk_page *p, const struct rk_http_request *r) {
    bool fi = p->lang == RK_LANG_FI;
    const char *l = fi ? "fi" : "en", *other = fi ? "en" : "fi";
    rk_buf_printf(&p->b,
                  "</main>\n<footer>\n<p><a href=\"/privacy?lang=%s\">%s</a> · "
                  "<a href=\"/requests?lang=%s\">%s</a> · <a href=\"",
                  l, fi ? "Tietosuojaseloste" : "Privacy notice", l,
                  fi ? "Omat tietosi ja oikeutesi" : "Your data and your rights");
    rk_buf_put_html(&p->b, r->url && r->url[0] == '/' ? r->url : "/");
    rk_buf_printf(&p->b, "?lang=%s\" hreflang=\"%s\" lang=\"%s\">%s</a></p>\n</footer>\n", other,
                  other, other, fi ? "In English" : "Suomeksi");
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
    rk_http_result ret = rk_buf_status(&p->b) == RK_OK
                             ? rk_http_respond_with(c, r, status, "text/html; charset=utf-8",
                                                    p->b.data, p->b.len, MHD_RESPMEM_MUST_COPY,
                                                    headers, n)
                             : MHD_NO;
    rk_buf_cleanup(&p->b);
    return ret;
}

void rk_http_client_ip(struct MHD_Connection *c, char *out, size_t n) {
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!ci || !ci->client_addr)
        return;
    if (ci->client_addr->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, out,
                  (socklen_t)n);
    else if (ci->client_addr->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, out,
                  (socklen_t)n);
}
