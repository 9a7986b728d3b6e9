/*
 * fuzz_mailchimp_api_batch.c — libFuzzer target for the Mailchimp batch
 * status parser (rk_mc_parse_batch): any body is accepted or refused with a
 * reason; an accepted status has a non-empty id within its buffer, a known
 * state and counts that add up (finished and errored not above total).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "connect/mailchimp_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rk_mc_batch b;
    struct rk_error e = RK_ERROR_INIT;
    rk_err err = rk_mc_parse_batch((const char *)data, size, &b, &e);
    if (err != RK_OK) {
        if (e.message[0] == '\0' && err != RK_ENOMEM)
            __builtin_trap();
        return 0;
    }
    if (b.id[0] == '\0' || !memchr(b.id, '\0', sizeof b.id) || b.state > RK_MC_BATCH_FINISHED ||
        b.total_operations < 0 || b.finished_operations > b.total_operations ||
        b.errored_operations > b.total_operations || b.finished_operations < 0 ||
        b.errored_operations < 0)
        __builtin_trap();
    return 0;
}
