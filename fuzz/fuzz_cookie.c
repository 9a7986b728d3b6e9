/*
 * fuzz_cookie.c — libFuzzer target for the Cookie header parser
 * (rk_cookie_get): any header must be read without a crash, and a value it
 * hands back must be non-empty, fit the buffer and hold cookie-octets only.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *h = malloc(size + 1);
    if (!h)
        return 0;
    memcpy(h, data, size);
    h[size] = '\0';
    static const char *const names[] = {"__Host-rk_session", "a", "rk"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char out[64];
        if (rk_cookie_get(h, names[i], out, sizeof out)) {
            size_t n = strlen(out);
            if (n == 0 || n >= sizeof out)
                __builtin_trap();
            for (size_t k = 0; k < n; k++) {
                unsigned char c = (unsigned char)out[k];
                if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\')
                    __builtin_trap();
            }
        }
    }
    free(h);
    return 0;
}
