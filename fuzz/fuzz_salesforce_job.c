/*
 * fuzz_salesforce_job.c — libFuzzer target for the Bulk API 2.0 job info
 * parser (rk_sf_parse_job): any body is accepted or refused with a reason; an
 * accepted job has an id of 15 or 18 letters and digits, a known state and
 * failed records not above processed ones.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "connect/salesforce_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rk_sf_job j;
    struct rk_error e = RK_ERROR_INIT;
    rk_err err = rk_sf_parse_job((const char *)data, size, &j, &e);
    if (err != RK_OK) {
        if (err != RK_EPARSE || e.message[0] == '\0')
            __builtin_trap();
        return 0;
    }
    size_t n = strnlen(j.id, sizeof j.id);
    if ((n != 15 && n != 18) || rk_sf_job_state_name(j.state)[0] == '\0' || j.processed < 0 ||
        j.failed < 0 || j.failed > j.processed)
        __builtin_trap();
    return 0;
}
