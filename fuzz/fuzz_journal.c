/*
 * fuzz_journal.c — libFuzzer target for the erasure journal reader
 * (rk_journal_read): any file at a --journal path must be read, refused with
 * a line number, or reported torn, without a crash. A fixed key (every byte
 * 7, one unnamed generation) is used, so the corpus can hold journals whose
 * MAC chain holds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check(void *ctx, const struct rk_journal_rec *r) {
    (void)ctx;
    if (strlen(r->id) != RK_ID_LEN || r->nhashes > RK_JOURNAL_HASHES_MAX || r->line < 2)
        __builtin_trap();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    struct rk_keys k;
    memset(&k, 7, sizeof k);
    k.ngen = 0; /* one unnamed generation (keys.h): a marker names one it does not hold */
    char path[] = "/tmp/rk-fuzz-journal-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        unlink(path);
        return 0;
    }
    close(fd);
    struct rk_error err = RK_ERROR_INIT;
    struct rk_journal_info info;
    rk_err e = rk_journal_read(path, &k, check, NULL, &info, &err);
    if (e != RK_OK && e != RK_EPARSE && e != RK_ENOMEM)
        __builtin_trap();
    if (e == RK_EPARSE && (err.code != RK_EPARSE || !strstr(err.message, path)))
        __builtin_trap();
    unlink(path);
    return 0;
}
