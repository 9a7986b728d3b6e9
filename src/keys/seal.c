/*
 * seal.c — sealing and opening values bound to their row (see seal.h):
 * crypto_aead_xchacha20poly1305_ietf with a random nonce per value, and the
 * associated data an unkeyed BLAKE2b hash of a domain tag and the row's
 * length-prefixed fields.
 */
#include "keys/seal.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Feeds one field to h: its length (8 bytes, little-endian; NULL is all ones), then its bytes. */
static void field(crypto_generichash_state *h, const char *v) {
    unsigned char len[8];
    uint64_t n = v ? (uint64_t)strlen(v) : UINT64_MAX;
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(n >> (8 * i));
    crypto_generichash_update(h, len, sizeof len);
    if (v)
        crypto_generichash_update(h, (const unsigned char *)v, (size_t)n);
}

static void ad_of(const char *domain, int64_t id, const char *a, const char *b,
                  struct rk_seal_ad *out) {
    crypto_generichash_state h;
    char num[24];
    snprintf(num, sizeof num, "%lld", (long long)id);
    crypto_generichash_init(&h, NULL, 0, sizeof out->h);
    field(&h, "rekisteri-seal 1");
    field(&h, domain);
    field(&h, num);
    field(&h, a);
    field(&h, b);
    crypto_generichash_final(&h, out->h, sizeof out->h);
}

void rk_seal_ad_notice(int64_t id, const char *recipient, const char *person_id,
                       struct rk_seal_ad *out) {
    ad_of("recipient_notice", id, recipient, person_id, out);
}

void rk_seal_ad_disclosure(const char *recipient, const char *person_id, struct rk_seal_ad *out) {
    ad_of("disclosure", 0, recipient, person_id, out);
}

void rk_seal_ad_outbox(int64_t id, const char *message_id, struct rk_seal_ad *out) {
    ad_of("outbox", id, message_id, NULL, out);
}

rk_err rk_seal(const unsigned char key[RK_KEY_LEN], const struct rk_seal_ad *ad, const void *plain,
               size_t len, unsigned char **out, size_t *outlen) {
    if (len > RK_SEAL_MAX)
        return RK_ETOOBIG;
    unsigned char *v = malloc(len + RK_SEAL_OVERHEAD);
    if (!v)
        return RK_ENOMEM;
    unsigned char *nonce = v + 1, *ct = v + 1 + RK_SEAL_NONCE_LEN;
    unsigned long long ctlen = 0;
    v[0] = RK_SEAL_V1;
    randombytes_buf(nonce, RK_SEAL_NONCE_LEN);
    crypto_aead_xchacha20poly1305_ietf_encrypt(ct, &ctlen, plain, len, ad->h, sizeof ad->h, NULL,
                                               nonce, key);
    *out = v;
    *outlen = 1 + RK_SEAL_NONCE_LEN + (size_t)ctlen;
    return RK_OK;
}

rk_err rk_seal_open(const unsigned char key[RK_KEY_LEN], const struct rk_seal_ad *ad,
                    const unsigned char *sealed, size_t len, char **out, size_t *outlen) {
    if (!sealed || len < RK_SEAL_OVERHEAD || len - RK_SEAL_OVERHEAD > RK_SEAL_MAX ||
        sealed[0] != RK_SEAL_V1)
        return RK_EPARSE;
    size_t n = len - RK_SEAL_OVERHEAD;
    char *p = malloc(n + 1);
    if (!p)
        return RK_ENOMEM;
    unsigned long long plen = 0;
    const unsigned char *nonce = sealed + 1, *ct = sealed + 1 + RK_SEAL_NONCE_LEN;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)p, &plen, NULL, ct,
                                                   len - 1 - RK_SEAL_NONCE_LEN, ad->h, sizeof ad->h,
                                                   nonce, key) != 0) {
        free(p);
        return RK_EPARSE;
    }
    p[plen] = '\0';
    *out = p;
    *outlen = (size_t)plen;
    return RK_OK;
}

void rk_seal_free(char *plain, size_t n) {
    if (!plain)
        return;
    sodium_memzero(plain, n + 1);
    free(plain);
}
