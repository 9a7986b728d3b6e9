/*
 * csv.h — a streaming RFC 4180 CSV reader on libcsv, for imports.
 *
 * Bytes are fed in chunks of any size; the callback gets each record as an
 * array of NUL-terminated fields with the line number where the record
 * starts. A UTF-8 byte-order mark at the very start is skipped. Limits keep a
 * hostile file from exhausting memory: at most RK_CSV_MAX_FIELDS fields per
 * record and RK_CSV_MAX_FIELD bytes per field. A record that breaks a limit
 * or holds invalid UTF-8 is passed to the callback with row_error set (and no
 * fields) so the importer can reject that one row and go on; a file whose
 * quoting is malformed stops the reader with an error naming the line.
 */
#ifndef RK_CSV_H
#define RK_CSV_H

#include <stddef.h>

#include "util/err.h"

#define RK_CSV_MAX_FIELDS 64
#define RK_CSV_MAX_FIELD 4096

struct rk_csv_reader;

/*
 * Called once per record. fields[0..nfields-1] are valid only during the
 * call. row_error is NULL for a good record, else a short phrase ("more than
 * 64 fields", "field longer than 4096 bytes", "not valid UTF-8") and nfields
 * is 0. line is the 1-based line on which the record starts. Return 0 to go
 * on, non-zero to stop reading: further input is then ignored and
 * rk_csv_stopped() is true.
 */
typedef int (*rk_csv_record_fn)(void *ctx, const char *const *fields, size_t nfields,
                                unsigned long line, const char *row_error);

RK_MUST_USE rk_err rk_csv_reader_new(rk_csv_record_fn fn, void *ctx, struct rk_csv_reader **out);
void rk_csv_reader_free(struct rk_csv_reader *r);

/*
 * Feeds len bytes. Returns RK_OK, or RK_EPARSE for malformed CSV, or RK_ENOMEM,
 * with e (may be NULL) saying so: where "line N", message "line N: what".
 */
RK_MUST_USE rk_err rk_csv_feed(struct rk_csv_reader *r, const char *data, size_t len,
                               struct rk_error *e);

/* Ends the input: delivers a last record without a final newline. Errors as rk_csv_feed. */
RK_MUST_USE rk_err rk_csv_finish(struct rk_csv_reader *r, struct rk_error *e);

/* True when the callback asked to stop. */
int rk_csv_stopped(const struct rk_csv_reader *r);

#endif
