/*
 * test_backup.c — sealing and opening backup files (core/backup.c) on
 * plaintexts of several sizes around the chunk size (empty, one byte, one
 * chunk exactly, several chunks), and every way a sealed file can go wrong:
 * a flipped byte in any part, the final chunk missing (cut at a chunk
 * boundary), data appended, another key, another version line. A refused
 * open leaves no plain file behind.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/backup.h"
#include "base/id.h"

#define SEALED_CHUNK (RK_BACKUP_CHUNK + crypto_secretstream_xchacha20poly1305_ABYTES)
#define PREFIX       (sizeof RK_BACKUP_MAGIC - 1 + crypto_secretstream_xchacha20poly1305_HEADERBYTES)

struct fx {
    char dir[64], plain[128], sealed[128], out[128];
    struct rk_keys keys, other;
};

static int setup(void **state) {
    if (rk_crypto_init() != RK_OK)
        return -1;
    struct fx *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    snprintf(f->dir, sizeof f->dir, "/tmp/rk_backup_XXXXXX");
    if (!mkdtemp(f->dir)) {
        free(f);
        return -1;
    }
    snprintf(f->plain, sizeof f->plain, "%s/plain", f->dir);
    snprintf(f->sealed, sizeof f->sealed, "%s/sealed", f->dir);
    snprintf(f->out, sizeof f->out, "%s/out", f->dir);
    randombytes_buf(f->keys.backup, sizeof f->keys.backup);
    randombytes_buf(f->other.backup, sizeof f->other.backup);
    *state = f;
    return 0;
}

static int teardown(void **state) {
    struct fx *f = *state;
    unlink(f->plain);
    unlink(f->sealed);
    unlink(f->out);
    rmdir(f->dir);
    free(f);
    return 0;
}

static void write_file(const char *path, const unsigned char *data, size_t n) {
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, n, fp), n);
    assert_int_equal(fclose(fp), 0);
}

static unsigned char *read_file(const char *path, size_t *n) {
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    unsigned char *buf = malloc((size_t)st.st_size + 1);
    FILE *fp = fopen(path, "rb");
    assert_non_null(fp);
    *n = fread(buf, 1, (size_t)st.st_size, fp);
    assert_int_equal(*n, (size_t)st.st_size);
    fclose(fp);
    return buf;
}

/* Seals n random bytes; returns them. */
static unsigned char *seal(struct fx *f, size_t n) {
    unsigned char *data = malloc(n + 1);
    randombytes_buf(data, n);
    write_file(f->plain, data, n);
    struct rk_error err = RK_ERROR_INIT;
    unlink(f->sealed);
    assert_int_equal(rk_backup_seal(&f->keys, f->plain, f->sealed, &err), RK_OK);
    return data;
}

static void expect_refused(struct fx *f, const struct rk_keys *k, const char *why) {
    struct rk_error err = RK_ERROR_INIT;
    unlink(f->out);
    assert_int_equal(rk_backup_open(k, f->sealed, f->out, &err), RK_EPARSE);
    if (!strstr(err.message, why))
        fail_msg("'%s' lacks '%s'", err.message, why);
    assert_int_not_equal(access(f->out, F_OK), 0);
}

static void round_trip_sizes(void **state) {
    struct fx *f = *state;
    const size_t sizes[] = {0, 1, RK_BACKUP_CHUNK - 1, RK_BACKUP_CHUNK, RK_BACKUP_CHUNK + 1,
                            3 * RK_BACKUP_CHUNK, 3 * RK_BACKUP_CHUNK + 4097};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        unsigned char *data = seal(f, sizes[i]);
        size_t n = 0;
        unsigned char *sealed = read_file(f->sealed, &n);
        /* One chunk per full RK_BACKUP_CHUNK plus a final, possibly empty, one. */
        size_t chunks = sizes[i] / RK_BACKUP_CHUNK + 1;
        assert_int_equal(n, PREFIX + sizes[i] +
                                chunks * crypto_secretstream_xchacha20poly1305_ABYTES);
        assert_memory_equal(sealed, RK_BACKUP_MAGIC, sizeof RK_BACKUP_MAGIC - 1);
        struct stat st;
        assert_int_equal(stat(f->sealed, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
        struct rk_error err = RK_ERROR_INIT;
        unlink(f->out);
        assert_int_equal(rk_backup_open(&f->keys, f->sealed, f->out, &err), RK_OK);
        size_t m = 0;
        unsigned char *back = read_file(f->out, &m);
        assert_int_equal(m, sizes[i]);
        if (m)
            assert_memory_equal(back, data, m);
        free(back);
        free(sealed);
        free(data);
    }
}

static void flipped_bytes_refused(void **state) {
    struct fx *f = *state;
    free(seal(f, 2 * RK_BACKUP_CHUNK + 100));
    size_t n = 0;
    unsigned char *good = read_file(f->sealed, &n);
    /* The version line, the stream header, the first, a middle and the last byte. */
    const size_t at[] = {3, sizeof RK_BACKUP_MAGIC + 2, PREFIX, PREFIX + SEALED_CHUNK + 7, n - 1};
    const char *why[] = {"not a rekisteri backup", "does not decrypt", "does not decrypt",
                         "does not decrypt", "does not decrypt"};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        good[at[i]] ^= 0x01;
        write_file(f->sealed, good, n);
        expect_refused(f, &f->keys, why[i]);
        good[at[i]] ^= 0x01;
    }
    free(good);
}

static void truncated_and_extended_refused(void **state) {
    struct fx *f = *state;
    free(seal(f, 2 * RK_BACKUP_CHUNK + 100));
    size_t n = 0;
    unsigned char *good = read_file(f->sealed, &n);
    /* Cut at a chunk boundary: every chunk left verifies, the FINAL one is missing. */
    write_file(f->sealed, good, PREFIX + 2 * SEALED_CHUNK);
    expect_refused(f, &f->keys, "truncated");
    write_file(f->sealed, good, PREFIX);
    expect_refused(f, &f->keys, "truncated");
    write_file(f->sealed, good, 10);
    expect_refused(f, &f->keys, "not a rekisteri backup");
    /* Data after the final chunk: read with it, the short final chunk no longer verifies. */
    unsigned char *longer = malloc(n + 1);
    memcpy(longer, good, n);
    longer[n] = 0;
    write_file(f->sealed, longer, n + 1);
    expect_refused(f, &f->keys, "does not decrypt");
    free(longer);
    free(good);
}

static void wrong_key_refused(void **state) {
    struct fx *f = *state;
    free(seal(f, 1000));
    expect_refused(f, &f->other, "another key");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(round_trip_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(flipped_bytes_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(truncated_and_extended_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(wrong_key_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
