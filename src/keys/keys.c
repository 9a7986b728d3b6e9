/*
 * keys.c — key file creation, loading and saving, generations, subkey
 * derivation, value hashes. A version 1 file holds "rekisteri-key 1" and 64
 * hex digits; a version 2 file one line per generation (see keys.h).
 */
#include "keys/keys.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/time.h"

#define HEADER_V1    "rekisteri-key 1\n"
#define HEADER_V2    "rekisteri-key 2\n"
#define HEX_LEN      ((size_t)RK_KEY_LEN * 2)
#define CONTEXT      "rkreg_v1" /* crypto_kdf contexts are 8 bytes */
#define LINE_MAX_LEN (10 + 1 + RK_TS_LEN + 1 + HEX_LEN + 1)
#define FILE_MAX     (sizeof HEADER_V2 + RK_KEYGEN_MAX * (LINE_MAX_LEN + 1))

/* Where each subkey of the current generation goes in struct rk_keys. */
static const struct {
    enum rk_subkey id;
    size_t offset;
} current_uses[] = {
    {RK_SUBKEY_LOOKUP, offsetof(struct rk_keys, lookup)},
    {RK_SUBKEY_TOKEN, offsetof(struct rk_keys, token)},
    {RK_SUBKEY_LINKS, offsetof(struct rk_keys, links)},
    {RK_SUBKEY_AUDIT, offsetof(struct rk_keys, audit)},
    {RK_SUBKEY_BACKUP, offsetof(struct rk_keys, backup)},
    {RK_SUBKEY_JOURNAL, offsetof(struct rk_keys, journal)},
    {RK_SUBKEY_NOTICE, offsetof(struct rk_keys, notice)},
    {RK_SUBKEY_OUTBOX, offsetof(struct rk_keys, outbox)},
    {RK_SUBKEY_MAIL_LIMIT, offsetof(struct rk_keys, mail_limit)},
    {RK_SUBKEY_SESSION, offsetof(struct rk_keys, session)},
    {RK_SUBKEY_ANSWER, offsetof(struct rk_keys, answer)},
};

/*
 * Whether id is a declared subkey. The switch names every one: a new subkey
 * must be added here (-Wswitch), and two uses given the same number do not
 * compile (a duplicate case), so that no two uses can ever share a subkey.
 */
static bool subkey_known(enum rk_subkey id) {
    switch (id) {
    case RK_SUBKEY_LOOKUP:
    case RK_SUBKEY_TOKEN:
    case RK_SUBKEY_LINKS:
    case RK_SUBKEY_AUDIT:
    case RK_SUBKEY_BACKUP:
    case RK_SUBKEY_JOURNAL:
    case RK_SUBKEY_NOTICE:
    case RK_SUBKEY_OUTBOX:
    case RK_SUBKEY_MAIL_LIMIT:
    case RK_SUBKEY_SESSION:
    case RK_SUBKEY_ANSWER: return true;
    }
    return false;
}

void rk_keys_derive(const struct rk_keygen *g, enum rk_subkey id, unsigned char out[RK_KEY_LEN]) {
    assert(subkey_known(id));
    (void)subkey_known;
    crypto_kdf_derive_from_key(out, RK_KEY_LEN, (uint64_t)id, CONTEXT, g->master);
}

void rk_keys_of(const struct rk_keygen *g, struct rk_keys *out) {
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof current_uses / sizeof current_uses[0]; i++)
        rk_keys_derive(g, current_uses[i].id, (unsigned char *)out + current_uses[i].offset);
}

/* Derives the current generation's subkeys (gen[0]) into k. */
static void derive_current(struct rk_keys *k) {
    for (size_t i = 0; i < sizeof current_uses / sizeof current_uses[0]; i++)
        rk_keys_derive(&k->gen[0], current_uses[i].id, (unsigned char *)k + current_uses[i].offset);
}

const struct rk_keygen *rk_keys_find(const struct rk_keys *k, uint32_t n) {
    for (size_t i = 0; i < k->ngen && i < RK_KEYGEN_MAX; i++)
        if (k->gen[i].number == n)
            return &k->gen[i];
    return NULL;
}

uint32_t rk_keys_generation(const struct rk_keys *k) { return k->ngen > 0 ? k->gen[0].number : 1; }

void rk_keys_fingerprint(const struct rk_keygen *g, char out[RK_FINGERPRINT_LEN + 1]) {
    static const char tag[] = "rekisteri-key-fingerprint";
    unsigned char audit[RK_KEY_LEN], h[RK_FINGERPRINT_LEN / 2];
    rk_keys_derive(g, RK_SUBKEY_AUDIT, audit);
    crypto_generichash(h, sizeof h, (const unsigned char *)tag, sizeof tag - 1, audit,
                       sizeof audit);
    sodium_memzero(audit, sizeof audit);
    sodium_bin2hex(out, RK_FINGERPRINT_LEN + 1, h, sizeof h);
}

/* The failure to open the key file at path (errno says why). */
static rk_err cannot_open(const char *path, struct rk_error *e) {
    int en = errno;
    return rk_error_set(e, en == ENOENT ? RK_ENOENT : RK_EIO, NULL,
                        "cannot open the key file %s: %s (create it with 'rekisteri init')", path,
                        strerror(en));
}

/* Writes text to a new file at path (O_EXCL, 0600, synced); removes it on failure. */
static rk_err write_new(const char *path, const char *text, size_t n, struct rk_error *e) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        int en = errno;
        return rk_error_set(e, en == EEXIST ? RK_ECONFLICT : RK_EIO, NULL,
                            "cannot create the key file %s: %s", path, strerror(en));
    }
    bool ok = write(fd, text, n) == (ssize_t)n && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = false;
    if (!ok) {
        rk_err rc = rk_error_set(e, RK_EIO, NULL, "cannot write the key file %s: %s", path,
                                 strerror(errno));
        unlink(path);
        return rc;
    }
    return RK_OK;
}

rk_err rk_keys_save(const char *path, const struct rk_keys *k, struct rk_error *err) {
    char text[FILE_MAX];
    size_t n = 0;
    if (k->ngen == 0 || k->ngen > RK_KEYGEN_MAX)
        return rk_error_set(err, RK_EINVAL, NULL, "no key generation to write");
    n += (size_t)snprintf(text, sizeof text, "%s", HEADER_V2);
    for (size_t i = 0; i < k->ngen; i++) {
        char hex[HEX_LEN + 1], ts[RK_TS_LEN + 1] = "-";
        if (k->gen[i].created > 0)
            rk_ts_format(k->gen[i].created, ts);
        sodium_bin2hex(hex, sizeof hex, k->gen[i].master, RK_KEY_LEN);
        n += (size_t)snprintf(text + n, sizeof text - n, "%u %s %s\n", (unsigned)k->gen[i].number,
                              ts, hex);
        sodium_memzero(hex, sizeof hex);
    }
    rk_err e = write_new(path, text, n, err);
    sodium_memzero(text, sizeof text);
    return e;
}

rk_err rk_keys_create(const char *path, struct rk_error *err) {
    struct rk_keys k = {.ngen = 1};
    k.gen[0].number = 1;
    k.gen[0].created = rk_time_now();
    randombytes_buf(k.gen[0].master, RK_KEY_LEN);
    rk_err e = rk_keys_save(path, &k, err);
    sodium_memzero(&k, sizeof k);
    return e;
}

rk_err rk_keys_rotated(const struct rk_keys *k, int64_t now, struct rk_keys *out) {
    if (k->ngen == 0 || k->ngen >= RK_KEYGEN_MAX)
        return RK_ETOOBIG;
    memset(out, 0, sizeof *out);
    out->ngen = k->ngen + 1;
    memcpy(&out->gen[1], &k->gen[0], k->ngen * sizeof k->gen[0]);
    out->gen[0].number = k->gen[0].number + 1;
    out->gen[0].created = now;
    randombytes_buf(out->gen[0].master, RK_KEY_LEN);
    derive_current(out);
    return RK_OK;
}

/* Parses one hex master key of exactly HEX_LEN digits. */
static bool parse_hex(const char *s, size_t len, unsigned char out[RK_KEY_LEN]) {
    size_t bin_len = 0;
    return len == HEX_LEN &&
           sodium_hex2bin(out, RK_KEY_LEN, s, HEX_LEN, NULL, &bin_len, NULL) == 0 &&
           bin_len == RK_KEY_LEN;
}

/* Parses a version 2 body: lines "GEN CREATED HEX", generations strictly
 * descending. Returns a reason, or NULL when k was filled. */
static const char *parse_v2(char *body, struct rk_keys *k) {
    char *line = body;
    while (*line) {
        char *end = strchr(line, '\n');
        if (!end)
            return "its last line does not end";
        *end = '\0';
        if (k->ngen == RK_KEYGEN_MAX)
            return "it holds more than 16 generations";
        char *sp1 = strchr(line, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
        if (!sp1 || !sp2)
            return "a line is not 'GENERATION CREATED KEY'";
        *sp1 = *sp2 = '\0';
        char *num_end = NULL;
        unsigned long num = strtoul(line, &num_end, 10);
        struct rk_keygen *g = &k->gen[k->ngen];
        if (num_end == line || *num_end || num == 0 || num > 1000000 ||
            (k->ngen > 0 && num >= k->gen[k->ngen - 1].number))
            return "the generation numbers are not descending whole numbers";
        g->number = (uint32_t)num;
        if (strcmp(sp1 + 1, "-") == 0)
            g->created = 0;
        else if (!rk_ts_parse(sp1 + 1, &g->created))
            return "a creation time is not YYYY-MM-DDTHH:MM:SSZ or '-'";
        if (!parse_hex(sp2 + 1, strlen(sp2 + 1), g->master))
            return "a key is not 64 hex digits";
        k->ngen++;
        line = end + 1;
    }
    return k->ngen > 0 ? NULL : "it holds no generation";
}

rk_err rk_keys_load(const char *path, struct rk_keys *out, struct rk_error *err) {
    char text[FILE_MAX + 1] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cannot_open(path, err);
    struct stat st;
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && (st.st_mode & 077) == 0)
        n = read(fd, text, sizeof text - 1);
    else if (fstat(fd, &st) == 0)
        n = -2;
    close(fd);
    if (n == -2)
        return rk_error_set(err, RK_EINVAL, NULL,
                            "the key file %s may be read by others; run 'chmod 600 %s'", path,
                            path);
    struct rk_keys k;
    memset(&k, 0, sizeof k);
    const char *why = NULL;
    if (n < 0)
        why = strerror(errno);
    else if ((size_t)n == sizeof text - 1)
        why = "it is too long";
    else if (strncmp(text, HEADER_V1, sizeof HEADER_V1 - 1) == 0) {
        const char *hex = text + sizeof HEADER_V1 - 1;
        size_t len = strcspn(hex, "\n");
        k.ngen = 1;
        k.gen[0].number = 1;
        if (!parse_hex(hex, len, k.gen[0].master))
            why = "its key is not 64 hex digits";
    } else if (strncmp(text, HEADER_V2, sizeof HEADER_V2 - 1) == 0) {
        why = parse_v2(text + sizeof HEADER_V2 - 1, &k);
    } else {
        why = "it does not start with 'rekisteri-key 1' or 'rekisteri-key 2'";
    }
    sodium_memzero(text, sizeof text);
    if (why) {
        sodium_memzero(&k, sizeof k);
        return rk_error_set(err, RK_EINVAL, NULL, "%s is not a rekisteri key file: %s", path, why);
    }
    derive_current(&k);
    *out = k;
    sodium_memzero(&k, sizeof k);
    return RK_OK;
}

rk_err rk_keys_lock(const char *path, bool exclusive, int *fd, struct rk_error *err) {
    int f = open(path, O_RDONLY | O_CLOEXEC);
    if (f < 0)
        return cannot_open(path, err);
    if (flock(f, exclusive ? LOCK_EX | LOCK_NB : LOCK_SH | LOCK_NB) != 0) {
        bool busy = errno == EWOULDBLOCK;
        rk_err rc = rk_error_set(
            err, busy ? RK_EBUSY : RK_EIO, NULL,
            busy ? (exclusive ? "another rekisteri command uses the key file %s; try again "
                                "when it has finished"
                              : "the key of %s is being rotated; try again when "
                                "'rekisteri key rotate' has finished")
                 : "cannot lock the key file %s",
            path);
        close(f);
        return rc;
    }
    *fd = f;
    return RK_OK;
}

static void hash_with(const unsigned char key[RK_KEY_LEN], enum rk_field f, const char *value,
                      unsigned char out[RK_HASH_LEN]) {
    char in[RK_EMAIL_MAX + 3];
    if (f == RK_F_EMAIL) {
        in[0] = 'e';
        rk_email_key(value, in + 1);
    } else {
        snprintf(in, sizeof in, "p%s", value);
    }
    crypto_generichash(out, RK_HASH_LEN, (const unsigned char *)in, strlen(in), key, RK_KEY_LEN);
}

void rk_keys_hash(const struct rk_keys *k, enum rk_field f, const char *value,
                  unsigned char out[RK_HASH_LEN]) {
    hash_with(k->lookup, f, value, out);
}

void rk_keys_mail_hash(const struct rk_keys *k, const char *email, unsigned char out[RK_HASH_LEN]) {
    hash_with(k->mail_limit, RK_F_EMAIL, email, out);
}

size_t rk_keys_hash_all(const struct rk_keys *k, enum rk_field f, const char *value,
                        unsigned char out[RK_KEYGEN_MAX][RK_HASH_LEN]) {
    size_t n = 1;
    hash_with(k->lookup, f, value, out[0]);
    for (size_t i = 1; i < k->ngen && i < RK_KEYGEN_MAX; i++) {
        unsigned char key[RK_KEY_LEN];
        rk_keys_derive(&k->gen[i], RK_SUBKEY_LOOKUP, key);
        hash_with(key, f, value, out[n++]);
        sodium_memzero(key, sizeof key);
    }
    return n;
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
