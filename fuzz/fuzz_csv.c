/*
 * fuzz_csv.c — libFuzzer target for the import path: the CSV reader fed in
 * chunks (the first input byte picks the chunk size, and the byte stays part
 * of the CSV so corpus files are plain CSV), the first record mapped as the
 * header and every later one parsed as a row. Any bytes must be read or
 * refused without crash, hang or leak; records must respect the limits and
 * be the same as when the whole input is fed at once.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "core/import.h"
#include "base/normalize.h"
#include "util/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct run {
    uint64_t hash; /* FNV-1a over every record the callback saw */
    unsigned long last_line;
    bool have_header, header_refused;
    struct rk_import_map map;
};

static struct rk_import_row row; /* 10 kB: not on the stack */

static void mix(struct run *r, const void *p, size_t n) {
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        r->hash = (r->hash ^ s[i]) * 0x100000001b3ull;
}

static int on_record(void *ctx, const char *const *fields, size_t n, unsigned long line,
                     const char *row_error) {
    struct run *r = ctx;
    if (line <= r->last_line)
        __builtin_trap(); /* records start on strictly later lines */
    r->last_line = line;
    mix(r, &line, sizeof line);
    if (row_error) {
        if (n != 0)
            __builtin_trap();
        mix(r, row_error, strlen(row_error));
        return 0;
    }
    if (n == 0 || n > RK_CSV_MAX_FIELDS)
        __builtin_trap();
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(fields[i]);
        if (len > RK_CSV_MAX_FIELD || !rk_utf8_valid(fields[i], len))
            __builtin_trap();
        mix(r, fields[i], len + 1);
    }
    if (!r->have_header) {
        struct rk_error err = RK_ERROR_INIT;
        r->have_header = true;
        r->header_refused = rk_import_map_parse(fields, n, &r->map, &err) != RK_OK;
        if (r->header_refused && (err.code != RK_EINVAL || err.message[0] == '\0'))
            __builtin_trap();
        return 0;
    }
    if (r->header_refused)
        return 0;
    struct rk_error why = RK_ERROR_INIT;
    if (rk_import_row_parse(&r->map, fields, n, &row, &why) != RK_OK) {
        if (why.code != RK_EINVAL || why.message[0] == '\0')
            __builtin_trap();
        return 0;
    }
    if (!row.contact.v[RK_F_NAME] && !row.contact.v[RK_F_EMAIL] && !row.contact.v[RK_F_PHONE])
        __builtin_trap();
    return 0;
}

/* Reads the input in chunks of the given size; returns the status, the hash in *hash. */
static rk_err read_all(const uint8_t *data, size_t size, size_t chunk, uint64_t *hash) {
    struct run r = {.hash = 0xcbf29ce484222325ull};
    struct rk_csv_reader *rd = NULL;
    struct rk_error err = RK_ERROR_INIT;
    if (rk_csv_reader_new(on_record, &r, &rd) != RK_OK)
        return RK_ENOMEM;
    rk_err rc = RK_OK;
    for (size_t i = 0; i < size && rc == RK_OK; i += chunk) {
        size_t n = size - i < chunk ? size - i : chunk;
        rc = rk_csv_feed(rd, (const char *)data + i, n, &err);
    }
    if (rc == RK_OK)
        rc = rk_csv_finish(rd, &err);
    if (rc != RK_OK && strncmp(err.message, "line ", 5) != 0)
        __builtin_trap(); /* every error names its line */
    rk_csv_reader_free(rd);
    *hash = r.hash;
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    size_t chunk = size ? 1 + data[0] % 32 : 1;
    uint64_t h1 = 0, h2 = 0;
    rk_err rc1 = read_all(data, size, chunk, &h1);
    rk_err rc2 = read_all(data, size, size ? size : 1, &h2);
    if (rc1 != rc2 || h1 != h2)
        __builtin_trap(); /* chunking changed the result */
    return 0;
}
