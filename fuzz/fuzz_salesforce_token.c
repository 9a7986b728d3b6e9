/*
 * fuzz_salesforce_token.c — libFuzzer target for the Salesforce OAuth token
 * answer parser (rk_sf_parse_token): any body is accepted or refused with a
 * reason; an accepted token is non-empty printable ASCII and its instance URL
 * starts with http:// or https:// and does not end in '/'; a refused one
 * leaves nothing of the token behind.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "connect/salesforce_api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rk_sf_token t;
    struct rk_error e = RK_ERROR_INIT;
    rk_err err = rk_sf_parse_token((const char *)data, size, &t, &e);
    if (err != RK_OK) {
        if (err != RK_EPARSE || e.message[0] == '\0' || t.access_token[0] != '\0')
            __builtin_trap();
        return 0;
    }
    size_t n = strnlen(t.access_token, sizeof t.access_token);
    size_t u = strnlen(t.instance_url, sizeof t.instance_url);
    if (n == 0 || n == sizeof t.access_token || u == sizeof t.instance_url)
        __builtin_trap();
    for (size_t i = 0; i < n; i++)
        if (t.access_token[i] <= 0x20 || t.access_token[i] > 0x7e)
            __builtin_trap();
    if (strncmp(t.instance_url, "http://", 7) != 0 && strncmp(t.instance_url, "https://", 8) != 0)
        __builtin_trap();
    if (u > 0 && t.instance_url[u - 1] == '/')
        __builtin_trap();
    return 0;
}
