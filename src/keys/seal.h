/*
 * seal.h — sealing a value to the row that holds it: XChaCha20-Poly1305
 * (libsodium's crypto_aead_xchacha20poly1305_ietf) under a subkey of the
 * register's key, with what names the row as associated data. What a queued
 * art 19 notice knows the person by, and a queued message's address, subject
 * and body, are held sealed (the design is in core/rotate.h, "Sealed
 * values"). Pure: libsodium only, no store, no I/O.
 *
 * A sealed value is one version byte (RK_SEAL_V1), a 24-byte random nonce,
 * the ciphertext and the 16-byte tag: RK_SEAL_OVERHEAD bytes more than the
 * plaintext. The version byte RK_SEAL_PLAIN marks plaintext that migration
 * 0014 moved out of the old columns until it is sealed (rk_rotate_seal_plain);
 * rk_seal_open refuses it. The associated data is a BLAKE2b-256 hash of a
 * domain tag and the row's fields, each prefixed by its length, so that no
 * two rows' fields hash alike and a value opens only on the row it was sealed for.
 */
#ifndef RK_SEAL_H
#define RK_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "keys/keys.h"
#include "util/err.h"

#define RK_SEAL_PLAIN     0 /* migration 0014's marker: plaintext waiting to be sealed */
#define RK_SEAL_V1        1
#define RK_SEAL_NONCE_LEN 24
#define RK_SEAL_TAG_LEN   16
#define RK_SEAL_OVERHEAD  (1 + RK_SEAL_NONCE_LEN + RK_SEAL_TAG_LEN)
#define RK_SEAL_MAX       ((size_t)1 << 20) /* the longest plaintext sealed (a message is less) */

/* What a sealed value is bound to: a hash of its row's fields. */
struct rk_seal_ad {
    unsigned char h[32];
};

/* The associated data of a recipient notice's identity: the notice's row id, its recipient
 * and its person (pseudonymous id). */
void rk_seal_ad_notice(int64_t id, const char *recipient, const char *person_id,
                       struct rk_seal_ad *out);

/* The associated data of a disclosure's remote key (the key a recipient knows the person by,
 * core/disclose.h): its recipient and its person. The row id is not in it, so that a value
 * can be sealed before its row is written. */
void rk_seal_ad_disclosure(const char *recipient, const char *person_id, struct rk_seal_ad *out);

/* The associated data of a queued message: its outbox row id and its message id. */
void rk_seal_ad_outbox(int64_t id, const char *message_id, struct rk_seal_ad *out);

/*
 * Seals len bytes of plain for ad under key into a new buffer of len +
 * RK_SEAL_OVERHEAD bytes (*out, which the caller frees; *outlen its length),
 * with a fresh random nonce. RK_ETOOBIG over RK_SEAL_MAX; RK_ENOMEM.
 */
RK_MUST_USE rk_err rk_seal(const unsigned char key[RK_KEY_LEN], const struct rk_seal_ad *ad,
                           const void *plain, size_t len, unsigned char **out, size_t *outlen);

/*
 * Opens a sealed value into a new buffer holding the plaintext and a NUL
 * after it (*out; *outlen bytes without the NUL), which the caller wipes and
 * frees with rk_seal_free. RK_EPARSE when sealed is not a sealed value of
 * version 1, was altered, or was sealed under another key or for another row;
 * RK_ENOMEM. Nothing is written to *out on failure.
 */
RK_MUST_USE rk_err rk_seal_open(const unsigned char key[RK_KEY_LEN], const struct rk_seal_ad *ad,
                                const unsigned char *sealed, size_t len, char **out,
                                size_t *outlen);

/* Wipes the n bytes (and the NUL) of a plaintext from rk_seal_open and frees it; NULL: no-op. */
void rk_seal_free(char *plain, size_t n);

#endif
