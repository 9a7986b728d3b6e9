/*
 * keys.h — the register's secret key and what is derived from it.
 *
 * `rekisteri init` writes 32 random bytes, hex-encoded with a version line,
 * to the key file (mode 0600). From that master key, libsodium's KDF derives
 * one subkey per use, so that a hash computed for one purpose is useless for
 * another. The keyed BLAKE2b hash of a normalised email or phone is what the
 * person index and the suppression list hold: it matches the same address
 * again without keeping the address itself.
 */
#ifndef RK_KEYS_H
#define RK_KEYS_H

#include <stddef.h>

#include "store/store.h"

#define RK_KEY_LEN 32

struct rk_keys {
    unsigned char lookup[RK_KEY_LEN]; /* for email/phone hashes */
    unsigned char token[RK_KEY_LEN];  /* for staff token hashes */
    unsigned char links[RK_KEY_LEN];  /* for signing data subjects' links */
    unsigned char audit[RK_KEY_LEN];  /* for the audit chain's hashes */
    unsigned char backup[RK_KEY_LEN]; /* for encrypting backups (core/backup.h) */
    unsigned char journal[RK_KEY_LEN]; /* for the erasure journal's MAC chain (core/journal.h) */
};

/* A staff token: "rk_" and 43 characters of URL-safe base64 (256 random bits). */
#define RK_TOKEN_LEN 46

/*
 * Creates a new key file at path with mode 0600 (fails with RK_ECONFLICT if
 * it exists: a key is never silently replaced). err gets a one-line reason.
 */
RK_MUST_USE rk_err rk_keys_create(const char *path, char *err, size_t errsz);

/* Reads the key file at path and derives the subkeys. Refuses a file readable
 * by group or others. err gets a one-line reason on failure. */
RK_MUST_USE rk_err rk_keys_load(const char *path, struct rk_keys *out, char *err, size_t errsz);

/* The keyed hash of a normalised email (matched case-insensitively) or E.164 phone. */
void rk_keys_hash(const struct rk_keys *k, enum rk_field f, const char *value,
                  unsigned char out[RK_HASH_LEN]);

/* Writes a new random staff token and its NUL to out. */
void rk_token_new(char out[RK_TOKEN_LEN + 1]);

/* The keyed hash under which a token is stored and looked up. */
void rk_keys_token_hash(const struct rk_keys *k, const char *token, unsigned char out[RK_HASH_LEN]);

#endif
