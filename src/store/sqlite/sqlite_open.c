/*
 * sqlite_open.c — the SQLite backend's connection: open (WAL, foreign keys,
 * secure_delete, a busy timeout), close, migrations, transactions and
 * savepoints, the WAL checkpoint, online backups, file checks and the
 * -wal/-shm files beside a database.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/sqlite/sqlite.h"
#include "store/migrations.h"

/* ---- Open, close, migrate, transactions ---------------------------------------------- */

static rk_err exec(struct sqlite_store *s, const char *script) {
    int rc = sqlite3_exec(s->db, script, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        rk_err err = sq_fail(s, rc);
        if (err == RK_ESTORAGE) /* that message names the cause already */
            return err;
        return rk_error_set(&s->base.error, err, NULL, "sqlite: %s", sqlite3_errstr(rc));
    }
    return RK_OK;
}

void sq_close(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sodium_memzero(s->base.mail_key, sizeof s->base.mail_key);
    for (int i = 0; i < S__COUNT; i++)
        sqlite3_finalize(s->stmts[i]);
    if (s->in_tx)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close_v2(s->db);
    free(s);
}

/*
 * A read-only connection to a WAL database needs its -shm file; when the
 * directory is not writable and no -shm exists, even reads fail. Then, if no
 * -wal file exists either (everything is in the main file, as after a clean
 * stop), the file is reopened as immutable: read without locks or shared
 * memory. A -wal file left behind holds committed transactions that only a
 * writer can recover, so that case stays an error.
 */
static rk_err read_only_probe(struct sqlite_store *s, const char *path) {
    if (sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL) == SQLITE_OK)
        return RK_OK;
    char wal[4096];
    struct stat sb;
    if ((size_t)snprintf(wal, sizeof wal, "%s-wal", path) >= sizeof wal ||
        (stat(wal, &sb) == 0 && sb.st_size > 0))
        return sq_fail(s, sqlite3_errcode(s->db));
    char uri[sizeof wal * 3 + 32] = "file:";
    size_t n = strlen(uri);
    for (const char *p = path; *p; p++)
        n += (size_t)(strchr("%?#", *p)
                          ? snprintf(uri + n, sizeof uri - n, "%%%02X", (unsigned char)*p)
                          : snprintf(uri + n, sizeof uri - n, "%c", *p));
    snprintf(uri + n, sizeof uri - n, "?immutable=1");
    sqlite3_close_v2(s->db);
    s->db = NULL;
    int rc = sqlite3_open_v2(uri, &s->db,
                             SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
    return rc == SQLITE_OK ? RK_OK : sq_fail(s, rc);
}

/*
 * SQLite's process-wide settings, made once before the first connection opens
 * (sqlite3_config is allowed only before SQLite initialises): no memory
 * statistics. With them on, every sqlite3_malloc and sqlite3_free of every
 * connection takes one process-wide mutex (the server's request threads and its
 * writer all allocate: page-cache refills after each commit, statement memory);
 * nothing here reads them (no sqlite3_memory_used, no soft heap limit). If
 * SQLite was initialised already (a direct sqlite3_open elsewhere came first),
 * sqlite3_config answers SQLITE_MISUSE and the defaults stay, which is only
 * slower.
 *
 * The connections themselves are opened SQLITE_OPEN_NOMUTEX (no mutex per
 * connection), which is sound because each handle is used by one thread at a
 * time: a server thread's read connection is its own (http/service.c keeps it
 * in a _Thread_local and closes it in rk_http_stop after the threads end), the
 * writer's connection is used by the writer thread alone (writer.c), an
 * export's own connection by the libmicrohttpd thread that serves its
 * connection (api_export.c), and every other store (the CLI, the sender, the
 * deliverer, the sync, the timers) is opened and used by the one thread that
 * owns it.
 */
static pthread_once_t configured = PTHREAD_ONCE_INIT;

static void configure(void) { (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0); }

rk_err sq_open(const char *location, const struct rk_store_options *opt, struct rk_store **out,
               struct rk_error *e) {
    pthread_once(&configured, configure);
    struct sqlite_store *s = calloc(1, sizeof *s);
    if (!s)
        return rk_error_set(e, RK_ENOMEM, NULL, NULL);
    s->base.ops = &rk_store_sqlite_ops;
    s->base.error = (struct rk_error)RK_ERROR_INIT;
    const bool ro = opt && opt->read_only;
    int rc =
        sqlite3_open_v2(location, &s->db,
                        (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                            SQLITE_OPEN_NOMUTEX,
                        NULL);
    rk_err err = RK_OK;
    if (rc != SQLITE_OK) {
        err = sq_fail(s, rc);
        goto out;
    }
    if (ro && (err = read_only_probe(s, location)) != RK_OK)
        goto out;
    sqlite3_extended_result_codes(s->db, 1);
    sqlite3_busy_timeout(s->db, opt && opt->busy_timeout_ms ? opt->busy_timeout_ms : 5000);
    /* temp_store: statement journals (INSERT OR REPLACE) stay in memory; by
     * default a 64 MiB page cache holds the hot parts of a million-person
     * register. The sizes are numbers from the options, never input text. */
    long cache_kib = opt && opt->cache_kib > 0 ? opt->cache_kib : 65536;
    long long mmap_bytes = !opt || opt->mmap_kib == 0 ? 268435456LL
                           : opt->mmap_kib < 0        ? 0
                                                      : (long long)opt->mmap_kib * 1024;
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "%sPRAGMA foreign_keys = ON; "
             "PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY; "
             "PRAGMA cache_size = -%ld; PRAGMA mmap_size = %lld;",
             ro ? "" : "PRAGMA journal_mode = WAL; ", cache_kib, mmap_bytes);
    err = exec(s, pragmas);
    if (err == RK_OK)
        err = exec(s, opt && opt->synchronous == RK_SYNC_FULL ? "PRAGMA synchronous = FULL"
                                                              : "PRAGMA synchronous = NORMAL");
out:
    if (err != RK_OK) {
        if (e) /* the handle that holds the detail goes */
            *e = s->base.error;
        sq_close(&s->base);
        return err;
    }
    *out = &s->base;
    return RK_OK;
}

static int user_version(struct sqlite_store *s) {
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return v;
}

rk_err sq_migrate(struct rk_store *base, int *from, int *to) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    int v = user_version(s);
    if (v < 0)
        return sq_fail(s, sqlite3_errcode(s->db));
    *from = *to = v;
    if (v == 0 && s->base.existing)
        return rk_error_set(&s->base.error, RK_ENOENT, NULL,
                            "the database holds no register: create one with 'rekisteri init'");
    int newest = rk_nmigrations ? rk_migrations[rk_nmigrations - 1].version : 0;
    if (v > newest) {
        return rk_error_set(&s->base.error, RK_EINVAL, NULL,
                            "the database has schema version %d, newer than this program's %d", v,
                            newest);
    }
    for (size_t i = 0; i < rk_nmigrations; i++) {
        const struct rk_migration *m = &rk_migrations[i];
        if (m->version <= v)
            continue;
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d;", m->version);
        rk_err err = exec(s, "BEGIN IMMEDIATE");
        if (err == RK_OK)
            err = exec(s, m->sql);
        if (err == RK_OK)
            err = exec(s, pragma);
        if (err == RK_OK)
            err = exec(s, "COMMIT");
        if (err != RK_OK) {
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
            return err;
        }
        *to = m->version;
    }
    return RK_OK;
}

rk_err sq_begin(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = exec(s, "BEGIN IMMEDIATE");
    s->in_tx = err == RK_OK;
    s->audit_head_ok = false;
    s->fresh_pk = 0;
    return err;
}

rk_err sq_checkpoint(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    if (rc == SQLITE_BUSY || (rc == SQLITE_OK && done < log))
        return RK_EBUSY;
    return rc == SQLITE_OK ? RK_OK : sq_fail(s, rc);
}

rk_err sq_commit(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = exec(s, "COMMIT");
    if (err == RK_OK)
        s->in_tx = false;
    s->audit_head_ok = false;
    s->fresh_pk = 0;
    return err;
}

void sq_rollback(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    for (int i = 0; i < ORG_CACHE; i++)
        s->orgs[i].id = 0;
    sq_pk_forget(s);
    if (s->in_tx)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = false;
    s->audit_head_ok = false;
}

rk_err sq_savepoint(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if (!s->in_tx) {
        return rk_error_set(&s->base.error, RK_EINVAL, NULL,
                            "a savepoint needs a write transaction");
    }
    rk_err err = sq_prepare(s, S_SAVEPOINT, &st);
    return err == RK_OK ? sq_step_done(s, st) : err;
}

rk_err sq_savepoint_end(struct rk_store *base, bool undo) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = RK_OK;
    if (undo) {
        /* What the undone writes cached may be gone: organisation ids, the chain's end. */
        for (int i = 0; i < ORG_CACHE; i++)
            s->orgs[i].id = 0;
        s->audit_head_ok = false;
        sq_pk_forget(s);
        if ((err = sq_prepare(s, S_SAVEPOINT_UNDO, &st)) == RK_OK)
            err = sq_step_done(s, st);
    }
    if (err == RK_OK && (err = sq_prepare(s, S_SAVEPOINT_RELEASE, &st)) == RK_OK)
        err = sq_step_done(s, st);
    return err;
}

/* ---- Backups and the files of a database (store.h)
 * ---------------------------------------------------------------- */

/* SQLite's online backup API: a snapshot, copied in steps while others write. */
rk_err sq_backup_to(struct rk_store *base, const char *dest, int64_t *pages, int64_t *bytes) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3 *out = NULL;
    int rc = sqlite3_open_v2(dest, &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(out, "main", s->db, "main");
        if (!b) {
            rc = sqlite3_errcode(out);
        } else {
            /* Steps of 256 pages let writers in between; a write by another
             * connection restarts the copy, so what is copied is one snapshot. */
            do {
                rc = sqlite3_backup_step(b, 256);
                if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                    sqlite3_sleep(20);
            } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
            *pages = sqlite3_backup_pagecount(b);
            int frc = sqlite3_backup_finish(b);
            rc = rc == SQLITE_DONE ? frc : rc;
        }
    }
    /* The copy is a single file: no WAL beside it. */
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(out, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_stmt *st = NULL;
        rc = sqlite3_prepare_v2(out, "PRAGMA page_size", -1, &st, NULL);
        if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            *bytes = *pages * sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close_v2(out);
    return rc == SQLITE_OK ? RK_OK
                           : rk_error_set(&s->base.error, RK_EIO, NULL, "sqlite backup: %s",
                                          sqlite3_errstr(rc));
}

rk_err sq_check_file(const char *path, struct rk_error *e) {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
    bool sound = false;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *r = sqlite3_column_text(st, 0);
        sound = r && strcmp((const char *)r, "ok") == 0;
        rc = SQLITE_OK;
    } else if (rc == SQLITE_OK) {
        rc = sqlite3_errcode(db);
    }
    sqlite3_finalize(st);
    sqlite3_close_v2(db);
    if (!sound)
        return rk_error_set(e, RK_EPARSE, NULL, "sqlite integrity_check: %s",
                            rc == SQLITE_OK ? "the database is damaged" : sqlite3_errstr(rc));
    return RK_OK;
}

/* A restore replaces the file (cli_backup.c renames the checked copy into place): there
 * are no rows to load into a SQLite store. */
rk_err sq_load_from(struct rk_store *base, const char *path) {
    (void)path;
    return rk_error_set(&base->error, RK_EINVAL, NULL,
                        "restore replaces the file: a SQLite store does not load a backup");
}

/* Removes the write-ahead log and shared memory of the (closed) database at path. */
rk_err sq_remove_side_files(const char *path, struct rk_error *e) {
    static const char *const sides[] = {"-wal", "-shm"};
    char p[4096];
    for (size_t i = 0; i < sizeof sides / sizeof sides[0]; i++) {
        if ((size_t)snprintf(p, sizeof p, "%s%s", path, sides[i]) >= sizeof p)
            return rk_error_set(e, RK_EINVAL, NULL, "the database path is too long");
        unlink(p);
    }
    return RK_OK;
}
