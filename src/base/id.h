/*
 * id.h — pseudonymous identifiers. A person (and any other record that a URL
 * or a recipient may see) is named by 128 random bits written in lower-case
 * RFC 4648 base32 without padding: 26 characters, not sequential, carrying
 * nothing about the person. Ids are what logs and the audit chain may show.
 */
#ifndef RK_ID_H
#define RK_ID_H

#include <stdbool.h>

#include "util/err.h"

#define RK_ID_LEN 26

/*
 * Initialises libsodium (sodium_init) so that ids and other random values can
 * be drawn; call it at program start. Calling it again is harmless
 * (sodium_init is idempotent and thread-safe). Returns RK_EIO when the
 * library cannot initialise (no entropy source).
 */
RK_MUST_USE rk_err rk_crypto_init(void);

/* Writes a new random id and its NUL to out (needs libsodium initialised: rk_crypto_init). */
void rk_id_new(char out[RK_ID_LEN + 1]);

/* True when s is exactly RK_ID_LEN characters of the id alphabet (a-z, 2-7). */
bool rk_id_valid(const char *s);

#endif
