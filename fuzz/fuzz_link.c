/*
 * fuzz_link.c — libFuzzer target for the data-subject link parser
 * (rk_link_check): any string in a /u/TOKEN URL must be refused or accepted
 * without a crash. A fixed key is used, so the corpus can hold valid tokens.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/links.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rk_keys k;
    memset(&k, 7, sizeof k);
    k.ngen = 2; /* one retired generation: its keys are tried too */
    char token[512];
    if (size >= sizeof token)
        size = sizeof token - 1;
    memcpy(token, data, size);
    token[size] = '\0';
    struct rk_link l;
    if (rk_link_check(&k, token, 0, &l) == RK_OK && strlen(l.person_id) != RK_ID_LEN)
        __builtin_trap();
    return 0;
}
