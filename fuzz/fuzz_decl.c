/*
 * fuzz_decl.c — libFuzzer target for the declaration parser: any bytes must
 * either load or be refused with diagnostics, never crash, hang or leak. A
 * loaded declaration is also linted and rendered, which exercises every
 * reader of the loaded structures.
 */
#include <stddef.h>
#include <stdint.h>

#include "decl/decl.h"
#include "decl/lint.h"
#include "views/notice.h"
#include "views/ropa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rk_diags diags;
    struct rk_decl *d = NULL;
    rk_diags_init(&diags, "fuzz.yaml");
    if (rk_decl_parse("fuzz.yaml", (const char *)data, size, &diags, &d) != RK_OK)
        return 0;
    struct rk_findings f;
    rk_findings_init(&f);
    if (rk_lint_run(d, &f) != RK_OK)
        __builtin_trap();
    rk_findings_cleanup(&f);
    struct rk_buf b;
    rk_buf_init(&b);
    if (rk_notice_render(d, RK_LANG_FI, RK_NOTICE_HTML, &b) != RK_OK ||
        rk_ropa_render(d, RK_LANG_EN, RK_ROPA_JSON, &b) != RK_OK)
        __builtin_trap();
    rk_buf_cleanup(&b);
    rk_decl_free(d);
    return 0;
}
