/*
 * links.c — link tokens: base64url of
 *   kind (1) | person id (26) | purpose length (1) | purpose | expiry (8, big-endian) | MAC (32)
 * where MAC = crypto_auth (HMAC-SHA-512-256) of everything before it.
 *
 * After a key rotation (core/rotate.h) a link made under a retired generation
 * still verifies, but only an unsubscribe link is honoured: withdrawing a
 * consent must stay as easy as giving it (art 7(3)), and it can only ever
 * take data away. Every other kind answers as expired (RK_ENOENT), so its page
 * says how to get a new link; a leaked old key cannot open a preferences page.
 */
#include "core/links.h"

#include <sodium.h>
#include <string.h>

#define MAC_LEN crypto_auth_BYTES
#define RAW_MAX (1 + RK_ID_LEN + 1 + RK_DECL_ID_MAX + 8 + MAC_LEN)

rk_err rk_link_make(const struct rk_keys *k, const struct rk_link *l, char out[RK_LINK_MAX]) {
    unsigned char raw[RAW_MAX];
    size_t plen = strlen(l->purpose), n = 0;
    if (strlen(l->person_id) != RK_ID_LEN || plen == 0 || plen > RK_DECL_ID_MAX)
        return RK_EINVAL;
    raw[n++] = (unsigned char)l->kind;
    memcpy(raw + n, l->person_id, RK_ID_LEN);
    n += RK_ID_LEN;
    raw[n++] = (unsigned char)plen;
    memcpy(raw + n, l->purpose, plen);
    n += plen;
    for (int i = 7; i >= 0; i--)
        raw[n++] = (unsigned char)((uint64_t)l->expires >> (8 * i));
    crypto_auth(raw + n, raw, n, k->links);
    n += MAC_LEN;
    if (sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING) > RK_LINK_MAX)
        return RK_EINVAL;
    sodium_bin2base64(out, RK_LINK_MAX, raw, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return RK_OK;
}

rk_err rk_link_check(const struct rk_keys *k, const char *token, rk_ts now, struct rk_link *out) {
    unsigned char raw[RAW_MAX];
    size_t n = 0;
    if (strlen(token) >= RK_LINK_MAX ||
        sodium_base642bin(raw, sizeof raw, token, strlen(token), NULL, &n, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        n < 1 + RK_ID_LEN + 1 + 1 + 8 + MAC_LEN)
        return RK_EINVAL;
    size_t plen = raw[1 + RK_ID_LEN];
    if (plen == 0 || plen > RK_DECL_ID_MAX || n != 1 + RK_ID_LEN + 1 + plen + 8 + MAC_LEN)
        return RK_EINVAL;
    size_t body = n - MAC_LEN;
    if (crypto_auth_verify(raw + body, raw, body, k->links) != 0) {
        bool retired = false;
        for (size_t i = 1; i < k->ngen && i < RK_KEYGEN_MAX && !retired; i++) {
            unsigned char key[RK_KEY_LEN];
            rk_keys_derive(&k->gen[i], RK_SUBKEY_LINKS, key);
            retired = crypto_auth_verify(raw + body, raw, body, key) == 0;
            sodium_memzero(key, sizeof key);
        }
        if (!retired)
            return RK_EINVAL;
        if (raw[0] != RK_LINK_UNSUBSCRIBE)
            return RK_ENOENT;
    }
    struct rk_link l = {.kind = (enum rk_link_kind)raw[0]};
    memcpy(l.person_id, raw + 1, RK_ID_LEN);
    l.person_id[RK_ID_LEN] = '\0';
    memcpy(l.purpose, raw + 1 + RK_ID_LEN + 1, plen);
    l.purpose[plen] = '\0';
    uint64_t e = 0;
    for (size_t i = 0; i < 8; i++)
        e = (e << 8) | raw[1 + RK_ID_LEN + 1 + plen + i];
    l.expires = (rk_ts)e;
    if (!rk_id_valid(l.person_id))
        return RK_EINVAL;
    if (now >= l.expires)
        return RK_ENOENT;
    *out = l;
    return RK_OK;
}
