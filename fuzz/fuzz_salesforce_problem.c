/*
 * fuzz_salesforce_problem.c — libFuzzer target for the Salesforce error
 * answer reader (rk_sf_problem_error): any body, under any HTTP status taken
 * from its first two bytes, gives an error code and a message of printable
 * ASCII that never holds an '@' (nothing of a message or an address leaks);
 * the first code is letters, digits and '_' only.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "connect/salesforce_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    long status = size >= 2 ? (long)((data[0] << 8 | data[1]) % 600) : 500;
    const uint8_t *body = size >= 2 ? data + 2 : data;
    size_t len = size >= 2 ? size - 2 : size;
    struct rk_error e = RK_ERROR_INIT;
    struct rk_sf_problem p;
    rk_err err = rk_sf_problem_error(status, (const char *)body, len, &p, &e);
    if (err == RK_OK || e.message[0] == '\0')
        __builtin_trap();
    for (const char *s = e.message; *s; s++)
        if (*s < 0x20 || *s > 0x7e || *s == '@')
            __builtin_trap();
    if (!memchr(p.code, '\0', sizeof p.code))
        __builtin_trap();
    for (const char *s = p.code; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            __builtin_trap();
    return 0;
}
