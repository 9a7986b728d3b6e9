/*
 * backup.h — encrypted backup files: a consistent copy of the database
 * (store.h, rk_store_backup_to) sealed with libsodium's secretstream
 * (XChaCha20-Poly1305) under the key file's backup subkey.
 *
 * The file: the line "rekisteri-backup 1\n", the 24-byte secretstream
 * header, then chunks of RK_BACKUP_CHUNK plaintext bytes (the last one
 * shorter, possibly empty), each sealed with the version line as additional
 * data and 17 bytes longer than its plaintext; only the last carries the
 * FINAL tag. A flipped byte, a wrong key, a missing or extra chunk fail.
 */
#ifndef RK_BACKUP_H
#define RK_BACKUP_H

#include <stddef.h>

#include "keys/keys.h"

#define RK_BACKUP_MAGIC "rekisteri-backup 1\n"
#define RK_BACKUP_CHUNK ((size_t)65536)

/*
 * Encrypts the file at plain into a new file at sealed (created with
 * O_EXCL, mode 0600, synced). On failure sealed is removed. err gets a
 * one-line reason without personal data.
 */
RK_MUST_USE rk_err rk_backup_seal(const struct rk_keys *k, const char *plain, const char *sealed,
                                  struct rk_error *err);

/*
 * Decrypts the backup file at sealed into a new file at plain (O_EXCL,
 * 0600, synced). RK_EPARSE when the file is not a backup, was altered or
 * truncated, or was sealed under a key the key file does not hold (the
 * current generation is tried first, then the retired ones); plain is then removed.
 */
RK_MUST_USE rk_err rk_backup_open(const struct rk_keys *k, const char *sealed, const char *plain,
                                  struct rk_error *err);

#endif
