/*
 * console.c — the console's assets and page shell (console.h). A first shell
 * without assets; the console's files replace it.
 */
#include <stddef.h>

#include "http/console.h"

const char *rk_console_asset(const char *name) {
    (void)name;
    return NULL;
}

void rk_console_page_begin(struct rk_buf *b, enum rk_lang lang, const char *title) {
    rk_buf_printf(b,
                  "<!doctype html>\n<html lang=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n"
                  "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                  "<title>",
                  lang == RK_LANG_FI ? "fi" : "en");
    rk_buf_put_html(b, title);
    rk_buf_puts(b, "</title>\n</head>\n<body>\n<main id=\"main\">\n<h1>");
    rk_buf_put_html(b, title);
    rk_buf_puts(b, "</h1>\n");
}

void rk_console_page_end(struct rk_buf *b, enum rk_lang lang) {
    (void)lang;
    rk_buf_puts(b, "</main>\n</body>\n</html>\n");
}
