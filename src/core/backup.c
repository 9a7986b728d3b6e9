/*
 * backup.c — sealing and opening backup files with secretstream (see
 * backup.h). Plain files are written with O_EXCL and removed on any failure.
 * A backup is sealed under the current key generation; opening tries the
 * current one, then each retired one (core/rotate.h), so a backup taken
 * before a rotation restores after it and the file format stays version 1.
 */
#include "core/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/fileio.h"

#define MAGIC_LEN (sizeof RK_BACKUP_MAGIC - 1)
#define HDR_LEN   crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define SEALED_CHUNK (RK_BACKUP_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES)

static int create_excl(const char *path) {
    return open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
}

/* Closes out (synced) and in; on failure removes out_path. */
static rk_err finish(int in, int out, const char *out_path, rk_err e) {
    if (e == RK_OK && fsync(out) != 0)
        e = RK_EIO;
    if (close(out) != 0 && e == RK_OK)
        e = RK_EIO;
    close(in);
    if (e != RK_OK)
        unlink(out_path);
    return e;
}

rk_err rk_backup_seal(const struct rk_keys *k, const char *plain, const char *sealed,
                      struct rk_error *err) {
    int in = open(plain, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return rk_error_set(err, RK_EIO, NULL, "cannot read the database copy: %s", strerror(errno));
    }
    int out = create_excl(sealed);
    if (out < 0) {
        rk_err e = rk_error_set(err, RK_EIO, NULL, "cannot create %s: %s", sealed, strerror(errno));
        close(in);
        return e;
    }
    unsigned char *m = malloc(RK_BACKUP_CHUNK), *c = malloc(SEALED_CHUNK);
    unsigned char header[HDR_LEN];
    crypto_secretstream_xchacha20poly1305_state st;
    rk_err e = m && c ? RK_OK : RK_ENOMEM;
    if (e == RK_OK) {
        crypto_secretstream_xchacha20poly1305_init_push(&st, header, k->backup);
        if (!rk_write_full(out, (const unsigned char *)RK_BACKUP_MAGIC, MAGIC_LEN) ||
            !rk_write_full(out, header, sizeof header))
            e = RK_EIO;
    }
    /* Reads one chunk ahead, so that the last one (even an empty one) is FINAL. */
    ssize_t n = e == RK_OK ? rk_read_full(in, m, RK_BACKUP_CHUNK) : 0;
    while (e == RK_OK) {
        if (n < 0) {
            e = RK_EIO;
            break;
        }
        unsigned char tag = (size_t)n < RK_BACKUP_CHUNK
                                ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
                                : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
        unsigned long long clen = 0;
        crypto_secretstream_xchacha20poly1305_push(&st, c, &clen, m, (unsigned long long)n,
                                                   (const unsigned char *)RK_BACKUP_MAGIC,
                                                   MAGIC_LEN, tag);
        if (!rk_write_full(out, c, (size_t)clen))
            e = RK_EIO;
        if (tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL)
            break;
        n = rk_read_full(in, m, RK_BACKUP_CHUNK);
    }
    if (e != RK_OK)
        e = rk_error_set(err, e, NULL, "cannot write %s: %s", sealed,
                         e == RK_ENOMEM ? "out of memory" : strerror(errno));
    sodium_memzero(&st, sizeof st);
    if (m)
        sodium_memzero(m, RK_BACKUP_CHUNK);
    free(m);
    free(c);
    return finish(in, out, sealed, e);
}

static rk_err open_with(const unsigned char key[RK_KEY_LEN], const char *sealed, const char *plain,
                        struct rk_error *err) {
    int in = open(sealed, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        return rk_error_set(err, errno == ENOENT ? RK_ENOENT : RK_EIO, NULL, "cannot open %s: %s", sealed, strerror(errno));
    }
    int out = create_excl(plain);
    if (out < 0) {
        rk_err e = rk_error_set(err, RK_EIO, NULL, "cannot create %s: %s", plain, strerror(errno));
        close(in);
        return e;
    }
    unsigned char *m = malloc(RK_BACKUP_CHUNK), *c = malloc(SEALED_CHUNK + 1);
    unsigned char start[MAGIC_LEN + HDR_LEN];
    crypto_secretstream_xchacha20poly1305_state st;
    rk_err e = m && c ? RK_OK : RK_ENOMEM;
    if (e == RK_OK && (rk_read_full(in, start, sizeof start) != (ssize_t)sizeof start ||
                       memcmp(start, RK_BACKUP_MAGIC, MAGIC_LEN) != 0)) {
        e = rk_error_set(err, RK_EPARSE, NULL, "%s is not a rekisteri backup (version 1)", sealed);
    }
    if (e == RK_OK &&
        crypto_secretstream_xchacha20poly1305_init_pull(&st, start + MAGIC_LEN, key) != 0) {
        e = rk_error_set(err, RK_EPARSE, NULL, "%s has a damaged header", sealed);
    }
    bool final = false;
    while (e == RK_OK && !final) {
        ssize_t n = rk_read_full(in, c, SEALED_CHUNK);
        unsigned long long mlen = 0;
        unsigned char tag = 0;
        if (n < 0) {
            e = rk_error_set(err, RK_EIO, NULL, "cannot read %s: %s", sealed, strerror(errno));
        } else if (n < (ssize_t)crypto_secretstream_xchacha20poly1305_ABYTES) {
            e = rk_error_set(err, RK_EPARSE, NULL, "%s is truncated: it ends before its last chunk", sealed);
        } else if (crypto_secretstream_xchacha20poly1305_pull(
                       &st, m, &mlen, &tag, c, (unsigned long long)n,
                       (const unsigned char *)RK_BACKUP_MAGIC, MAGIC_LEN) != 0) {
            e = rk_error_set(err, RK_EPARSE, NULL,
                     "%s does not decrypt: it was altered or truncated, or sealed under another "
                     "key",
                     sealed);
        } else {
            final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
            if (!final && n < (ssize_t)SEALED_CHUNK) {
                e = rk_error_set(err, RK_EPARSE, NULL, "%s is truncated: it ends before its last chunk", sealed);
            } else if (!rk_write_full(out, m, (size_t)mlen)) {
                e = rk_error_set(err, RK_EIO, NULL, "cannot write %s: %s", plain, strerror(errno));
            }
        }
    }
    if (e == RK_OK && rk_read_full(in, c, 1) != 0) {
        e = rk_error_set(err, RK_EPARSE, NULL, "%s has data after its last chunk", sealed);
    }
    if (e == RK_ENOMEM)
        e = rk_error_set(err, e, NULL, "out of memory");
    sodium_memzero(&st, sizeof st);
    if (m)
        sodium_memzero(m, RK_BACKUP_CHUNK);
    free(m);
    free(c);
    return finish(in, out, plain, e);
}

rk_err rk_backup_open(const struct rk_keys *k, const char *sealed, const char *plain,
                      struct rk_error *err) {
    rk_err e = open_with(k->backup, sealed, plain, err);
    for (size_t i = 1; e == RK_EPARSE && i < k->ngen && i < RK_KEYGEN_MAX; i++) {
        unsigned char key[RK_KEY_LEN];
        rk_keys_derive(&k->gen[i], RK_SUBKEY_BACKUP, key);
        /* The first error says what is wrong; a retired key either opens it or not. */
        if (open_with(key, sealed, plain, NULL) == RK_OK)
            e = RK_OK;
        sodium_memzero(key, sizeof key);
    }
    return e;
}
