/*
 * fuzz_salesforce_failed.c — libFuzzer target for the Bulk API 2.0
 * failedResults CSV reader (rk_sf_parse_failed): any body is read or refused
 * with a reason that never holds an '@'; every code handed on is empty or
 * letters, digits and '_' of at most RK_SF_CODE_MAX bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "connect/salesforce_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int each(void *ctx, const char *person_id, const char *code) {
    (void)ctx;
    if (!person_id || strlen(code) > RK_SF_CODE_MAX)
        __builtin_trap();
    for (const char *s = code; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rk_error e = RK_ERROR_INIT;
    rk_err err = rk_sf_parse_failed((const char *)data, size, "Rekisteri_Id__c", each, NULL, &e);
    if (err != RK_OK && (e.message[0] == '\0' || strchr(e.message, '@')))
        __builtin_trap();
    return 0;
}
