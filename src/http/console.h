/*
 * console.h — the staff console's embedded assets (web/console/, content-hashed
 * names under /console/assets/) and the page shell the server-rendered console
 * pages share (sign-in, set password, sign-out), so that they look like the
 * rest of the console and need no script.
 */
#ifndef RK_HTTP_CONSOLE_H
#define RK_HTTP_CONSOLE_H

#include "decl/decl.h"
#include "util/buf.h"

/* The path of asset name ("console.css", "console.js") under its content-hashed name,
 * e.g. "/console/assets/console.3f2a9c1e.css"; NULL for an unknown name. */
const char *rk_console_asset(const char *name);

/* Starts a server-rendered console page in b: the doctype, head with the stylesheet, skip
 * link, the header and <main> with the title as <h1> (escaped). */
void rk_console_page_begin(struct rk_buf *b, enum rk_lang lang, const char *title);

/* Closes what rk_console_page_begin opened. */
void rk_console_page_end(struct rk_buf *b, enum rk_lang lang);

#endif
