/*
 * cli.c — helpers shared by the command implementations.
 */
#include "cli/cli.h"

#include <jansson.h>

#include "util/json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rk_cli_error(const char *fmt, ...) {
    va_list ap;
    fputs("rekisteri: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int rk_cli_load_decl(const char *path, struct rk_decl **out) {
    struct rk_diags diags;
    rk_diags_init(&diags, path);
    rk_err rc = rk_decl_load(path, &diags, out);
    if (rc == RK_OK)
        return RK_EXIT_OK;
    if (diags.n)
        rk_diags_print(&diags, stderr);
    else
        rk_cli_error("%s: %s", path, rk_err_str(rc));
    return rc == RK_ENOMEM ? RK_EXIT_FAIL : RK_EXIT_USAGE;
}

int rk_cli_write(const struct rk_buf *b) {
    if (b->len && fwrite(b->data, 1, b->len, stdout) != b->len) {
        rk_cli_error("cannot write output: %s", strerror(errno));
        return RK_EXIT_FAIL;
    }
    if (fflush(stdout) != 0) {
        rk_cli_error("cannot write output: %s", strerror(errno));
        return RK_EXIT_FAIL;
    }
    return RK_EXIT_OK;
}

int rk_cli_write_json(json_t *doc) {
    struct rk_buf b;
    rk_buf_init(&b);
    int rc = rk_buf_put_json(&b, doc) == RK_OK ? rk_cli_write(&b) : RK_EXIT_FAIL;
    rk_buf_cleanup(&b);
    return rc;
}

const char *rk_cli_env_or(const char *value, const char *var, const char *fallback) {
    if (value)
        return value;
    const char *e = getenv(var);
    return e && *e ? e : fallback;
}

bool rk_cli_parse_lang(const char *arg, enum rk_lang *out) {
    if (strcmp(arg, "fi") == 0)
        *out = RK_LANG_FI;
    else if (strcmp(arg, "en") == 0)
        *out = RK_LANG_EN;
    else {
        rk_cli_error("--lang: unknown language '%s'; expected fi or en", arg);
        return false;
    }
    return true;
}
