/*
 * fuzz_form.c — libFuzzer target for the urlencoded form-body parser
 * (rk_form_parse): any body must be accepted or refused with a reason,
 * without a crash, and every accepted name and value must be UTF-8 within
 * the limits.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/normalize.h"
#include "util/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *ctx, const char *name, const char *value) {
    (void)ctx;
    size_t n = strlen(name), v = strlen(value);
    if (n > RK_FORM_MAX_VALUE || v > RK_FORM_MAX_VALUE || !rk_utf8_valid(name, n) ||
        !rk_utf8_valid(value, v))
        __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rk_error why = RK_ERROR_INIT;
    rk_err err = rk_form_parse((const char *)data, size, check, NULL, &why);
    if (err != RK_OK && (why.message[0] == '\0' || why.code != err))
        __builtin_trap();
    return 0;
}
