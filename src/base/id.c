/*
 * id.c — pseudonymous identifiers: 128 bits from libsodium's CSPRNG written
 * in lower-case RFC 4648 base32 without padding (see id.h). The bits are
 * taken most significant first, so the 26th character carries the last three
 * bits followed by two zero bits.
 */
#include "base/id.h"

#include <sodium.h>
#include <string.h>

static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

rk_err rk_crypto_init(void) { return sodium_init() < 0 ? RK_EIO : RK_OK; }

void rk_id_new(char out[RK_ID_LEN + 1]) {
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    unsigned acc = 0; /* bits not yet written, right-aligned */
    int nbits = 0;
    size_t o = 0;
    for (size_t i = 0; i < sizeof raw; i++) {
        acc = ((acc << 8) | raw[i]) & 0xFFFu;
        nbits += 8;
        while (nbits >= 5) {
            nbits -= 5;
            out[o++] = alphabet[(acc >> nbits) & 0x1Fu];
        }
    }
    if (nbits > 0)
        out[o++] = alphabet[(acc << (5 - nbits)) & 0x1Fu];
    out[o] = '\0';
    sodium_memzero(raw, sizeof raw);
}

bool rk_id_valid(const char *s) {
    if (!s)
        return false;
    size_t i = 0;
    for (; s[i]; i++) {
        if (i == RK_ID_LEN)
            return false;
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '2' && s[i] <= '7')))
            return false;
    }
    return i == RK_ID_LEN;
}
