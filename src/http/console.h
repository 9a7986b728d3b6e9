/*
 * console.h — the staff console's embedded assets (web/console/, content-hashed
 * names under /console/assets/) and the page shell the server-rendered console
 * pages share (sign-in, set password, sign-out), so that they look like the
 * rest of the console and need no script.
 */
#ifndef RK_HTTP_CONSOLE_H
#define RK_HTTP_CONSOLE_H

#include <stddef.h>

#include "decl/decl.h"
#include "util/buf.h"

/* One embedded asset (generated at build from web/console/ by embed_console.cmake). */
struct rk_console_file {
    const char *name; /* "console.js" */
    const char *path; /* "/console/assets/console.3f2a9c1e04b7.js" */
    const char *type; /* its Content-Type */
    const char *data; /* borrowed, static, NUL-terminated */
    size_t len;
};
extern const struct rk_console_file rk_console_files[];
extern const size_t rk_console_nfiles;
/* The app shell (web/console/index.html, asset names replaced); "{{lang}}" is left for the
 * server to fill in per request. */
extern const char *const rk_console_shell;
extern const size_t rk_console_shell_len;

/* The embedded asset whose hashed path is path ("/console/assets/console.<hash>.js"), or NULL. */
const struct rk_console_file *rk_console_file_at(const char *path);

/* Writes the app shell in lang into b. */
void rk_console_shell_render(struct rk_buf *b, enum rk_lang lang);

/* The path of asset name ("console.css", "console.js") under its content-hashed name,
 * e.g. "/console/assets/console.3f2a9c1e.css"; NULL for an unknown name. */
const char *rk_console_asset(const char *name);

/* Starts a server-rendered console page in b: the doctype, head with the stylesheet, skip
 * link, the header and <main> with the title as <h1> (escaped). */
void rk_console_page_begin(struct rk_buf *b, enum rk_lang lang, const char *title);

/* Closes what rk_console_page_begin opened. */
void rk_console_page_end(struct rk_buf *b, enum rk_lang lang);

#endif
