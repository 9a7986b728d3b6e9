/*
 * bench_audit.c — how fast the audit chain is checked (issue 6: verifying a
 * 1,000,000-entry chain in at most 2 s). It appends N events in batches of
 * 10,000 (untimed but reported), then times `rk_audit_verify` over the whole
 * chain, and, as the baseline in the same run, a bare SQLite scan of the same
 * table that reads every column without hashing — the floor any verifier
 * pays. Usage: bench_audit [EVENTS [WORKDIR]].
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/audit.h"
#include "base/id.h"
#include "keys/keys.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000L;
    const char *dir = argc > 2 ? argv[2] : ".";
    char db[4096], key[4096];
    struct rk_error err = RK_ERROR_INIT;
    snprintf(db, sizeof db, "%s/audit.db", dir);
    snprintf(key, sizeof key, "%s/audit.key", dir);
    struct rk_keys k;
    struct rk_store *s = NULL;
    struct rk_store_options opt = {.synchronous = RK_SYNC_NORMAL};
    int from = 0, to = 0;
    if (n < 1 || rk_crypto_init() != RK_OK || rk_keys_create(key, &err) != RK_OK ||
        rk_keys_load(key, &k, &err) != RK_OK || rk_store_open(db, &opt, &s, NULL) != RK_OK ||
        rk_store_migrate(s, &from, &to) != RK_OK) {
        fprintf(stderr, "bench_audit: cannot set up in %s\n", dir);
        return 2;
    }
    double t0 = now_s();
    char person[RK_ID_LEN + 1];
    rk_err e = RK_OK;
    for (long i = 0; i < n && e == RK_OK; i += 10000) {
        e = rk_store_begin(s);
        for (long j = i; j < i + 10000 && j < n && e == RK_OK; j++) {
            rk_id_new(person);
            e = rk_audit_append(s, &k, 1700000000 + j / 100, "anna", "person.read", person,
                                "customer");
        }
        if (e == RK_OK)
            e = rk_store_commit(s);
    }
    double t1 = now_s();
    struct rk_audit_report rep;
    if (e == RK_OK)
        e = rk_audit_verify(s, &k, &rep);
    double t2 = now_s();
    rk_store_close(s);
    if (e != RK_OK || rep.bad_seq != 0 || rep.events != n) {
        fprintf(stderr, "bench_audit: failed (%s)\n", rk_err_name(e));
        return 1;
    }
    /* Baseline: the same rows read by bare SQLite, no hashing. */
    sqlite3 *raw = NULL;
    sqlite3_stmt *st = NULL;
    long rows = 0;
    double t3 = now_s();
    if (sqlite3_open(db, &raw) == SQLITE_OK &&
        sqlite3_prepare_v2(raw,
                           "SELECT seq, at, actor, action, person_id, detail, prev, hash FROM "
                           "audit ORDER BY seq",
                           -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW) {
            for (int c = 0; c < 8; c++)
                (void)sqlite3_column_blob(st, c);
            rows++;
        }
    double t4 = now_s();
    sqlite3_finalize(st);
    sqlite3_close(raw);
    printf("append      %ld events in %.2f s (%.0f /s, batches of 10,000)\n", n, t1 - t0,
           (double)n / (t1 - t0));
    printf("verify      rekisteri %.2f s (%.0f events/s)   bare SQLite scan %.2f s (%ld rows)   "
           "ratio %.2f\n",
           t2 - t1, (double)n / (t2 - t1), t4 - t3, rows, (t4 - t3) / (t2 - t1));
    return 0;
}
