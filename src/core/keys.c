/*
 * keys.c — key file creation and loading, subkey derivation, value hashes.
 * The file holds "rekisteri-key 1" and 64 hex digits; nothing else.
 */
#include "core/keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER        "rekisteri-key 1\n"
#define HEX_LEN       ((size_t)RK_KEY_LEN * 2)
#define CONTEXT       "rkreg_v1" /* crypto_kdf contexts are 8 bytes */
#define SUBKEY_LOOKUP 1
#define SUBKEY_TOKEN  2
#define SUBKEY_LINKS  3
#define SUBKEY_AUDIT  4
#define SUBKEY_BACKUP 5
#define SUBKEY_JOURNAL 6

rk_err rk_keys_create(const char *path, char *err, size_t errsz) {
    unsigned char key[RK_KEY_LEN];
    char hex[HEX_LEN + 1];
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errsz, "cannot create the key file %s: %s", path, strerror(errno));
        return errno == EEXIST ? RK_ECONFLICT : RK_EIO;
    }
    randombytes_buf(key, sizeof key);
    sodium_bin2hex(hex, sizeof hex, key, sizeof key);
    sodium_memzero(key, sizeof key);
    char text[sizeof HEADER + sizeof hex + 1];
    int n = snprintf(text, sizeof text, "%s%s\n", HEADER, hex);
    sodium_memzero(hex, sizeof hex);
    bool ok = n > 0 && write(fd, text, (size_t)n) == n && fsync(fd) == 0;
    sodium_memzero(text, sizeof text);
    if (close(fd) != 0)
        ok = false;
    if (!ok) {
        snprintf(err, errsz, "cannot write the key file %s: %s", path, strerror(errno));
        unlink(path);
        return RK_EIO;
    }
    return RK_OK;
}

rk_err rk_keys_load(const char *path, struct rk_keys *out, char *err, size_t errsz) {
    char text[128] = {0};
    unsigned char master[RK_KEY_LEN];
    size_t bin_len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errsz, "cannot open the key file %s: %s (create it with 'rekisteri init')",
                 path, strerror(errno));
        return errno == ENOENT ? RK_ENOENT : RK_EIO;
    }
    struct stat st;
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && (st.st_mode & 077) == 0)
        n = read(fd, text, sizeof text - 1);
    else if (fstat(fd, &st) == 0)
        n = -2;
    close(fd);
    if (n == -2) {
        snprintf(err, errsz, "the key file %s may be read by others; run 'chmod 600 %s'", path,
                 path);
        return RK_EINVAL;
    }
    if (n < (ssize_t)(sizeof HEADER - 1 + HEX_LEN) ||
        memcmp(text, HEADER, sizeof HEADER - 1) != 0 ||
        sodium_hex2bin(master, sizeof master, text + sizeof HEADER - 1, HEX_LEN, NULL, &bin_len,
                       NULL) != 0 ||
        bin_len != RK_KEY_LEN) {
        sodium_memzero(text, sizeof text);
        snprintf(err, errsz, "%s is not a rekisteri key file", path);
        return RK_EINVAL;
    }
    sodium_memzero(text, sizeof text);
    crypto_kdf_derive_from_key(out->lookup, sizeof out->lookup, SUBKEY_LOOKUP, CONTEXT, master);
    crypto_kdf_derive_from_key(out->token, sizeof out->token, SUBKEY_TOKEN, CONTEXT, master);
    crypto_kdf_derive_from_key(out->links, sizeof out->links, SUBKEY_LINKS, CONTEXT, master);
    crypto_kdf_derive_from_key(out->audit, sizeof out->audit, SUBKEY_AUDIT, CONTEXT, master);
    crypto_kdf_derive_from_key(out->backup, sizeof out->backup, SUBKEY_BACKUP, CONTEXT, master);
    crypto_kdf_derive_from_key(out->journal, sizeof out->journal, SUBKEY_JOURNAL, CONTEXT, master);
    sodium_memzero(master, sizeof master);
    return RK_OK;
}

void rk_keys_hash(const struct rk_keys *k, enum rk_field f, const char *value,
                  unsigned char out[RK_HASH_LEN]) {
    char key[RK_EMAIL_MAX + 3];
    if (f == RK_F_EMAIL) {
        key[0] = 'e';
        rk_email_key(value, key + 1);
    } else {
        snprintf(key, sizeof key, "p%s", value);
    }
    crypto_generichash(out, RK_HASH_LEN, (const unsigned char *)key, strlen(key), k->lookup,
                       sizeof k->lookup);
}

void rk_token_new(char out[RK_TOKEN_LEN + 1]) {
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    out[0] = 'r';
    out[1] = 'k';
    out[2] = '_';
    sodium_bin2base64(out + 3, RK_TOKEN_LEN + 1 - 3, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void rk_keys_token_hash(const struct rk_keys *k, const char *token,
                        unsigned char out[RK_HASH_LEN]) {
    crypto_generichash(out, RK_HASH_LEN, (const unsigned char *)token, strlen(token), k->token,
                       sizeof k->token);
}
