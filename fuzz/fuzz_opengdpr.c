/*
 * fuzz_opengdpr.c — libFuzzer target for the OpenGDPR status response parser
 * (rk_opengdpr_parse_status): any answer from a recipient must be read as one
 * of the four statuses or refused with a reason, without a crash.
 */
#include <stddef.h>
#include <stdint.h>

#include "connect/connect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    enum rk_opengdpr_status st = RK_OGDPR_PENDING;
    struct rk_error why = RK_ERROR_INIT;
    rk_err err = rk_opengdpr_parse_status(
        (const char *)data, size, "a7551968-d5d6-44b2-9831-815ac9017798", &st, &why);
    if (err != RK_OK && why.message[0] == '\0')
        __builtin_trap();
    if (err == RK_OK && (unsigned)st > RK_OGDPR_CANCELLED)
        __builtin_trap();
    return 0;
}
