/*
 * keys.h — the register's secret key and what is derived from it.
 *
 * `rekisteri init` writes 32 random bytes, hex-encoded with a version line,
 * to the key file (mode 0600). From that master key, libsodium's KDF derives
 * one subkey per use, so that a hash computed for one purpose is useless for
 * another. The keyed BLAKE2b hash of a normalised email or phone is what the
 * person index and the suppression list hold: it matches the same address
 * again without keeping the address itself.
 *
 * The key has generations (1, 2, 3, ...): `rekisteri key rotate` makes a new
 * master key current and keeps the old ones as retired, because some of what
 * they made cannot be remade (core/rotate.h says what rotation does to each
 * use). The file, version 2:
 *
 *     rekisteri-key 2
 *     GEN CREATED HEX        one line per generation, newest (the current) first;
 *     ...                    CREATED is an instant or "-" when unknown
 *
 * A version 1 file ("rekisteri-key 1" and one HEX line) loads as generation 1.
 */
#ifndef RK_KEYS_H
#define RK_KEYS_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define RK_KEY_LEN    32
#define RK_KEYGEN_MAX 16 /* generations a key file holds, the current one included */
_Static_assert(RK_KEY_LEN == RK_STORE_KEY_LEN, "the store holds the outbox subkey (store.h)");

/* The KDF subkey ids: one per use, never reused for another (core/rotate.c has
 * the table of what rotation does to each). */
enum rk_subkey {
    RK_SUBKEY_LOOKUP = 1,
    RK_SUBKEY_TOKEN = 2,
    RK_SUBKEY_LINKS = 3,
    RK_SUBKEY_AUDIT = 4,
    RK_SUBKEY_BACKUP = 5,
    RK_SUBKEY_JOURNAL = 6,    /* the erasure journal's MAC chain (core/journal.h) */
    RK_SUBKEY_NOTICE = 7,     /* sealing queued art 19 notices' identities (keys/seal.h) */
    RK_SUBKEY_OUTBOX = 8,     /* sealing queued mail (keys/seal.h) */
    RK_SUBKEY_MAIL_LIMIT = 9, /* the mail limit's recipient hashes (core/mail_limit.h) */
    RK_SUBKEY_SESSION = 10,   /* staff sessions', setup links' and throttles' hashes, CSRF tokens
                                 (core/staff.h) */
    RK_SUBKEY_ANSWER = 11,    /* sealing a request's answer documents, hashing its one-time codes
                                 (core/answer.h) */
};

/* One generation of the master key. */
struct rk_keygen {
    uint32_t number; /* 1, 2, 3, ... */
    int64_t created; /* Unix seconds; 0 when unknown (a version 1 file) */
    unsigned char master[RK_KEY_LEN];
};

/*
 * The current generation's subkeys, ready for use, and every generation's
 * master key. A struct filled by hand (tests) with ngen 0 is one unnamed
 * generation: only the subkeys are used.
 */
struct rk_keys {
    unsigned char lookup[RK_KEY_LEN];    /* for email/phone hashes */
    unsigned char token[RK_KEY_LEN];     /* for staff token hashes */
    unsigned char links[RK_KEY_LEN];     /* for signing data subjects' links */
    unsigned char audit[RK_KEY_LEN];     /* for the audit chain's hashes */
    unsigned char backup[RK_KEY_LEN];    /* for encrypting backups (core/backup.h) */
    unsigned char journal[RK_KEY_LEN];   /* for the erasure journal's MAC chain (core/journal.h) */
    unsigned char notice[RK_KEY_LEN];    /* for sealing queued notices' identities (keys/seal.h) */
    unsigned char outbox[RK_KEY_LEN];    /* for sealing queued mail (keys/seal.h) */
    unsigned char mail_limit[RK_KEY_LEN]; /* for the mail limit's recipient hashes */
    unsigned char session[RK_KEY_LEN];   /* for staff sessions and setup links (core/staff.h) */
    unsigned char answer[RK_KEY_LEN];    /* for answer documents and their codes (core/answer.h) */
    size_t ngen;                         /* generations in gen[] */
    struct rk_keygen gen[RK_KEYGEN_MAX]; /* gen[0] is the current one, then older ones */
};

/* A staff token: "rk_" and 43 characters of URL-safe base64 (256 random bits). */
#define RK_TOKEN_LEN 46

/*
 * Creates a new key file at path with mode 0600 (fails with RK_ECONFLICT if
 * it exists: a key is never silently replaced). err (may be NULL) gets a
 * one-line reason.
 */
RK_MUST_USE rk_err rk_keys_create(const char *path, struct rk_error *err);

/* Reads the key file at path (version 1 or 2) and derives the current
 * generation's subkeys. Refuses a file readable by group or others. err (may
 * be NULL) gets a one-line reason on failure. */
RK_MUST_USE rk_err rk_keys_load(const char *path, struct rk_keys *out, struct rk_error *err);

/* The keyed hash of a normalised email (matched case-insensitively) or E.164 phone. */
void rk_keys_hash(const struct rk_keys *k, enum rk_field f, const char *value,
                  unsigned char out[RK_HASH_LEN]);

/* The keyed hash under which the mail limit counts the mails to a normalised email
 * (matched case-insensitively, as rk_keys_hash): its own subkey, so that it matches
 * nothing in the person index or the suppression list. */
void rk_keys_mail_hash(const struct rk_keys *k, const char *email, unsigned char out[RK_HASH_LEN]);

/*
 * Writes k as a version 2 key file at path, created with O_EXCL and mode
 * 0600 and synced (the caller renames it into place and syncs the folder).
 * On failure path is removed and err (may be NULL) says why.
 */
RK_MUST_USE rk_err rk_keys_save(const char *path, const struct rk_keys *k, struct rk_error *err);

/* k with a new random generation made current at now; the old current one
 * retires. RK_ETOOBIG when k holds RK_KEYGEN_MAX generations already. */
RK_MUST_USE rk_err rk_keys_rotated(const struct rk_keys *k, int64_t now, struct rk_keys *out);

/* The generation numbered n in k, or NULL. */
const struct rk_keygen *rk_keys_find(const struct rk_keys *k, uint32_t n);

/* The current generation's number: 1 for a struct filled by hand. */
uint32_t rk_keys_generation(const struct rk_keys *k);

/* Derives subkey id of generation g. */
void rk_keys_derive(const struct rk_keygen *g, enum rk_subkey id, unsigned char out[RK_KEY_LEN]);

/* k's subkeys as they were in generation g (ngen 0 in the result). */
void rk_keys_of(const struct rk_keygen *g, struct rk_keys *out);

/* A generation's fingerprint: 16 hex digits of a keyed hash under its audit
 * subkey. It names the generation and reveals nothing of the key. */
void rk_keys_fingerprint(const struct rk_keygen *g, char out[RK_FINGERPRINT_LEN + 1]);

/* The keyed hash of value under every generation's lookup subkey, the
 * current one first; returns how many (at least 1). */
size_t rk_keys_hash_all(const struct rk_keys *k, enum rk_field f, const char *value,
                        unsigned char out[RK_KEYGEN_MAX][RK_HASH_LEN]);

/*
 * Locks the key file at path against a rotation (shared) or for one
 * (exclusive; never waits). The lock lasts while *fd is open. RK_EBUSY when
 * another process holds a conflicting lock; err (may be NULL) says why.
 */
RK_MUST_USE rk_err rk_keys_lock(const char *path, bool exclusive, int *fd, struct rk_error *err);

/* Writes a new random staff token and its NUL to out. */
void rk_token_new(char out[RK_TOKEN_LEN + 1]);

/* The keyed hash under which a token is stored and looked up. */
void rk_keys_token_hash(const struct rk_keys *k, const char *token, unsigned char out[RK_HASH_LEN]);

#endif
