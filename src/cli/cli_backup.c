/*
 * cli_backup.c — `rekisteri backup FILE` and `rekisteri restore FILE`: an
 * online copy of the database sealed under the key file's backup subkey
 * (core/backup.h), and its return. Plain copies live only in temporary files
 * beside their destination (mode 0600) and are removed on every path; what
 * lands at FILE or at the database path is renamed into place whole.
 * restore re-applies the erasure journal (core/journal.h) to the decrypted
 * copy before it is put in place, so the database at --db never holds a
 * person the journal says was erased. Both are recorded in the audit chain,
 * with sizes and counts, never a path.
 *
 * On PostgreSQL (--db postgresql://... or postgres://...) a backup holds the
 * same thing, a SQLite database file (store.h, backup_to), and restore works
 * on the same decrypted SQLite copy (beside FILE, as --db is no path), then
 * loads it into the database in one transaction (store.h, load_from) instead
 * of renaming it into place. The URI is never printed: it may hold a password.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/reg.h"
#include "core/audit.h"
#include "core/backup.h"
#include "core/restore.h"
#include "core/rotate.h"
#include "util/fileio.h"

#define PATH_MAX_LEN 4096

/* Holds off SIGINT, SIGTERM and SIGHUP while a plain copy exists, so that an
 * interrupted command still removes it; they are delivered on unblock. */
static void hold_signals(bool hold, sigset_t *saved) {
    if (hold) {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGHUP);
        sigprocmask(SIG_BLOCK, &set, saved);
    } else {
        sigprocmask(SIG_SETMASK, saved, NULL);
    }
}

/* Whether db names a PostgreSQL database (store.c picks the backend by these schemes). */
static bool is_pg(const char *db) {
    return strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0;
}

/* path + suffix + a random tag: a name nobody else picks, beside path. */
static bool temp_name(char *out, size_t n, const char *path, const char *suffix) {
    unsigned char r[8];
    char hex[2 * sizeof r + 1];
    randombytes_buf(r, sizeof r);
    sodium_bin2hex(hex, sizeof hex, r, sizeof r);
    int len = snprintf(out, n, "%s.%s-%s", path, suffix, hex);
    return len > 0 && (size_t)len < n;
}

static int run_backup(int argc, char **argv) {
    bool force = false;
    const struct rk_cli_opt opts[] = {{"force", NULL, &force}, {NULL, 0, 0}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri backup [--force] FILE\n\n"
        "Copies the database while it is in use (SQLite's online backup; on PostgreSQL\n"
        "every table read in one snapshot into a SQLite file) and writes\n"
        "the copy to FILE encrypted under the key file's backup subkey: keep the key\n"
        "file too, elsewhere, or the backup cannot be opened. Refuses to replace an\n"
        "existing FILE without --force. Recorded in the audit chain as backup.created.\n\n",
        opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs != 1) {
        rk_cli_error("backup: expected one FILE");
        return RK_EXIT_USAGE;
    }
    const char *file = env.args[0];
    struct stat st;
    if (!force && stat(file, &st) == 0) {
        rk_cli_error("backup: %s exists; use --force to replace it", file);
        return RK_EXIT_USAGE;
    }
    char plain[PATH_MAX_LEN], part[PATH_MAX_LEN];
    struct rk_error err = RK_ERROR_INIT;
    if (!temp_name(plain, sizeof plain, file, "plain") ||
        !temp_name(part, sizeof part, file, "part")) {
        rk_cli_error("backup: the path is too long");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK)
        return rc;
    int64_t pages = 0, bytes = 0;
    sigset_t saved;
    hold_signals(true, &saved);
    int fd = open(plain, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rk_cli_error("backup: cannot create a temporary file beside %s: %s", file, strerror(errno));
        hold_signals(false, &saved);
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    close(fd);
    rk_err e = rk_store_backup_to(env.store, plain, &pages, &bytes);
    if (e != RK_OK)
        rk_cli_error("backup: cannot copy the database: %s", rk_store_errmsg(env.store));
    else if ((e = rk_backup_seal(rk_reg_keys(env.reg), plain, part, &err)) != RK_OK)
        rk_cli_error("backup: %s", err.message);
    unlink(plain);
    if (e == RK_OK && rename(part, file) != 0) {
        rk_cli_error("backup: cannot rename the backup into place at %s: %s", file,
                     strerror(errno));
        unlink(part);
        e = RK_EIO;
    }
    hold_signals(false, &saved);
    if (e == RK_OK) {
        rk_sync_parent(file);
        char detail[96];
        snprintf(detail, sizeof detail, "pages=%lld bytes=%lld", (long long)pages,
                 (long long)bytes);
        e = rk_reg_audit(env.reg, "backup.created", NULL, detail, rk_time_now());
        if (e != RK_OK)
            rk_cli_error("backup: written, but not recorded in the audit chain: %s",
                         rk_store_errmsg(env.store));
        else
            printf("backup written: %lld pages, %lld bytes\n", (long long)pages, (long long)bytes);
    }
    rk_cli_env_close(&env);
    return e == RK_OK ? RK_EXIT_OK : RK_EXIT_FAIL;
}

/* Removes what the store keeps beside the (closed) database at db (store.h); a path
 * too long to name them has none. */
static void remove_side_files(const char *db) {
    rk_err e = rk_store_remove_side_files(db, NULL);
    (void)e;
}

/* Removes the decrypted copy at tmp and the files beside it. */
static void remove_copy(const char *tmp) {
    remove_side_files(tmp);
    unlink(tmp);
}

/* What restore prints once the database is in place. */
static void print_restored(const char *journal, const struct rk_replay_report *rep, bool no_journal,
                           long long bytes) {
    printf("restored: %lld bytes\n", bytes);
    if (no_journal) {
        printf("erasure journal: not used (--no-journal): erasures made after the backup are "
               "not re-applied\n");
        return;
    }
    printf("erasure journal %s: %lld records, %lld already in the backup, %lld re-applied "
           "(%lld persons erased, %lld hashes suppressed)\n",
           journal, (long long)rep->records, (long long)rep->contained, (long long)rep->reapplied,
           (long long)rep->persons, (long long)rep->suppressed);
    if (rep->torn_line)
        printf("erasure journal %s: line %ld was torn by a crash and ignored (its erasure never "
               "committed)\n",
               journal, rep->torn_line);
}

/* A backup from before a key rotation holds a database of an older key
 * generation: it is brought forward as `key rotate` would (core/rotate.h),
 * which needs the key file to itself. */
static int bring_forward(struct rk_cli_env *env) {
    struct rk_error msg = RK_ERROR_INIT;
    uint32_t db_gen = 0;
    char fp[RK_FINGERPRINT_LEN + 1];
    struct rk_error err = RK_ERROR_INIT;
    if (rk_rotate_check(env->store, rk_reg_keys(env->reg), env->key_file, &msg) == RK_OK)
        return RK_EXIT_OK;
    if (rk_store_key_state_get(env->store, &db_gen, fp) != RK_OK ||
        db_gen >= rk_keys_generation(rk_reg_keys(env->reg)) ||
        !rk_keys_find(rk_reg_keys(env->reg), db_gen)) {
        rk_cli_error("restore: %s; nothing was written", msg.message);
        return RK_EXIT_FAIL;
    }
    close(env->key_fd);
    env->key_fd = -1;
    struct rk_rotate_report rep;
    rk_err e = rk_keys_lock(env->key_file, true, &env->key_fd, &err);
    if (e != RK_OK) {
        rk_cli_error("restore: the backup is at key generation %u and %s (it must be brought "
                     "forward to the current one); nothing was written",
                     (unsigned)db_gen, err.message);
        return RK_EXIT_FAIL;
    }
    e = rk_rotate_db(env->store, rk_reg_keys(env->reg), db_gen, rk_time_now(), env->actor, &rep,
                     &msg);
    if (e != RK_OK) {
        rk_cli_error("restore: cannot bring the backup to the current key generation: %s; nothing "
                     "was written",
                     msg.message);
        return RK_EXIT_FAIL;
    }
    printf("key generation %u -> %u: %lld entries re-hashed, %lld staff tokens revoked\n",
           (unsigned)rep.from, (unsigned)rep.to, (long long)rep.rehashed.entries,
           (long long)rep.tokens_revoked);
    return RK_EXIT_OK;
}

/*
 * Opens the decrypted copy at tmp as the register (env->db pointing at it),
 * brings it to the current key generation when it is older, re-applies the erasure journal (unless
 * no_journal) and records the restore; the copy is put in place by the caller only when this
 * succeeds.
 */
static int replay_into_copy(struct rk_cli_env *env, const char *tmp, bool no_journal,
                            long long bytes, struct rk_replay_report *out) {
    const char *db = env->db;
    env->db = tmp;
    env->any_generation = true;
    int rc = rk_cli_env_open(env);
    env->db = db;
    if (rc != RK_EXIT_OK || (rc = bring_forward(env)) != RK_EXIT_OK)
        return rc;
    rk_reg_set_actor(env->reg, "restore");
    struct rk_replay_report rep = {.records = 0};
    *out = rep;
    struct rk_error err = RK_ERROR_INIT;
    rk_err e = RK_OK;
    if (!no_journal &&
        (e = rk_restore_replay(env->reg, env->journal, rk_time_now(), &rep, &err)) != RK_OK) {
        rk_cli_error("restore: %s; nothing was written%s", err.message,
                     e == RK_EPARSE || e == RK_EREFUSED
                         ? " (put the right journal back, or restore without it with --no-journal)"
                         : "");
        return e == RK_EPARSE || e == RK_EREFUSED ? RK_EXIT_FAIL : rk_cli_exit_for(e);
    }
    char detail[160];
    if (no_journal)
        snprintf(detail, sizeof detail, "bytes=%lld journal=none", bytes);
    else
        snprintf(detail, sizeof detail, "bytes=%lld journal_records=%lld reapplied=%lld", bytes,
                 (long long)rep.records, (long long)rep.reapplied);
    e = rk_reg_audit(env->reg, "backup.restored", NULL, detail, rk_time_now());
    if (e != RK_OK) {
        rk_cli_error("restore: cannot record the restore in the audit chain: %s; nothing was "
                     "written",
                     rk_store_errmsg(env->store));
        return RK_EXIT_FAIL;
    }
    *out = rep;
    return RK_EXIT_OK;
}

/* Opens the PostgreSQL database at db for a restore into *out (its schema made, when it
 * has none yet, for the rows to go in); without force, one that was initialised already
 * is refused. The URI is not printed (a password may be in it). */
static int open_target(const char *db, bool force, struct rk_store **out) {
    struct rk_error oerr = RK_ERROR_INIT;
    struct rk_store *s = NULL;
    int from = 0, to = 0;
    *out = NULL;
    if (rk_store_open(db, NULL, &s, &oerr) != RK_OK || rk_store_migrate(s, &from, &to) != RK_OK) {
        rk_cli_error("restore: cannot open the PostgreSQL database: %s; nothing was written",
                     s ? rk_store_errmsg(s) : oerr.message);
        rk_store_close(s);
        return RK_EXIT_FAIL;
    }
    if (!force && from > 0) {
        rk_cli_error("restore: the PostgreSQL database holds a register (schema version %d); "
                     "use --force to replace every row of it",
                     from);
        rk_store_close(s);
        return RK_EXIT_USAGE;
    }
    *out = s;
    return RK_EXIT_OK;
}

/* Loads the checked, replayed copy at tmp into the PostgreSQL store s in one transaction,
 * removes the copy and closes s; saved: the signals held while the copy exists. */
static int load_target(struct rk_store *s, const char *tmp, sigset_t *saved, const char *journal,
                       const struct rk_replay_report *rep, bool no_journal, long long bytes) {
    rk_err e = rk_store_load_from(s, tmp);
    if (e != RK_OK)
        rk_cli_error("restore: cannot load the backup into the PostgreSQL database: %s; nothing "
                     "was written",
                     rk_store_errmsg(s));
    rk_store_close(s);
    remove_copy(tmp);
    hold_signals(false, saved);
    if (e != RK_OK)
        return RK_EXIT_FAIL;
    print_restored(journal, rep, no_journal, bytes);
    return RK_EXIT_OK;
}

static int run_restore(int argc, char **argv) {
    bool force = false, no_journal = false;
    const struct rk_cli_opt opts[] = {
        {"force", NULL, &force}, {"no-journal", NULL, &no_journal}, {NULL, 0, 0}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri restore [--force] [--no-journal] FILE\n\n"
        "Decrypts the backup FILE with the key file, checks the database in it\n"
        "(PRAGMA integrity_check), re-applies every erasure of the erasure journal\n"
        "(--journal) the backup does not hold, and puts it at --db. Refuses to replace\n"
        "an existing database without --force (stop 'serve' first). On PostgreSQL the\n"
        "copy is decrypted beside FILE and loaded into the database in one transaction,\n"
        "replacing every row; without --force a database that was initialised is\n"
        "refused; give the journal's place with --journal. A backup that was\n"
        "altered, truncated or sealed under another key, a journal that is missing,\n"
        "altered or not this register's are refused and nothing is written;\n"
        "--no-journal restores without the journal (erasures made after the backup\n"
        "come back). Recorded in the restored database's audit chain as\n"
        "backup.restored, each re-applied erasure as journal.reapplied (actor restore).\n\n",
        opts, NULL);
    if (rc != RK_EXIT_OK)
        return rc < 0 ? RK_EXIT_OK : rc;
    if (env.nargs != 1) {
        rk_cli_error("restore: expected one FILE");
        return RK_EXIT_USAGE;
    }
    const char *file = env.args[0];
    struct stat st;
    if (stat(file, &st) != 0) {
        rk_cli_error("restore: cannot read %s: %s", file, strerror(errno));
        return RK_EXIT_USAGE;
    }
    const bool pg = is_pg(env.db);
    if (!pg && !force && stat(env.db, &st) == 0) {
        rk_cli_error("restore: a database exists at %s; use --force to replace it", env.db);
        return RK_EXIT_USAGE;
    }
    if (pg && !no_journal && env.journal == env.journal_buf) {
        rk_cli_error("restore: a PostgreSQL database has no erasure journal beside it: give "
                     "its place with --journal (or REKISTERI_ERASURE_JOURNAL), or restore "
                     "without it with --no-journal");
        return RK_EXIT_USAGE;
    }
    if (!no_journal && stat(env.journal, &st) != 0) {
        rk_cli_error("restore: no erasure journal at %s (%s): without it the erasures made "
                     "after the backup would come back; put the journal back (give its place "
                     "with --journal), or restore without it with --no-journal",
                     env.journal, strerror(errno));
        return RK_EXIT_USAGE;
    }
    char tmp[PATH_MAX_LEN];
    struct rk_error err = RK_ERROR_INIT;
    if (!temp_name(tmp, sizeof tmp, pg ? file : env.db, "restore")) {
        rk_cli_error("restore: the path is too long");
        return RK_EXIT_USAGE;
    }
    if (rk_crypto_init() != RK_OK) {
        rk_cli_error("cannot initialise libsodium");
        return RK_EXIT_FAIL;
    }
    struct rk_store *target = NULL;
    if (pg && (rc = open_target(env.db, force, &target)) != RK_EXIT_OK)
        return rc;
    struct rk_keys keys;
    struct rk_error kerr = RK_ERROR_INIT;
    rk_err e = rk_keys_load(env.key_file, &keys, &kerr);
    if (e != RK_OK) {
        rk_cli_error("%s", kerr.message);
        rk_store_close(target);
        return e == RK_ENOENT || e == RK_EINVAL ? RK_EXIT_USAGE : RK_EXIT_FAIL;
    }
    sigset_t saved;
    hold_signals(true, &saved);
    e = rk_backup_open(&keys, file, tmp, &err);
    sodium_memzero(&keys, sizeof keys);
    if (e != RK_OK) {
        hold_signals(false, &saved);
        rk_store_close(target);
        rk_cli_error("restore: %s; nothing was written", err.message);
        return RK_EXIT_FAIL;
    }
    struct rk_error damaged = RK_ERROR_INIT;
    if (stat(tmp, &st) != 0 || rk_store_check_file(tmp, &damaged) != RK_OK) {
        unlink(tmp);
        hold_signals(false, &saved);
        rk_store_close(target);
        rk_cli_error("restore: the database in %s is damaged (%s); nothing was written", file,
                     damaged.message);
        return RK_EXIT_FAIL;
    }
    long long bytes = (long long)st.st_size;
    /* The erasures are re-applied to the copy before it is put in place, so that the
     * database at --db never holds a person the journal says was erased. */
    struct rk_replay_report rep;
    rc = replay_into_copy(&env, tmp, no_journal, bytes, &rep);
    rk_cli_env_close(&env); /* the last connection: the store folds its log back in */
    if (rc != RK_EXIT_OK) {
        remove_copy(tmp);
        hold_signals(false, &saved);
        rk_store_close(target);
        return rc;
    }
    if (pg)
        return load_target(target, tmp, &saved, env.journal, &rep, no_journal, bytes);
    remove_side_files(env.db);
    if (rename(tmp, env.db) != 0) {
        rk_cli_error("restore: cannot rename the database into place at %s: %s", env.db,
                     strerror(errno));
        remove_copy(tmp);
        hold_signals(false, &saved);
        return RK_EXIT_FAIL;
    }
    remove_side_files(tmp);
    hold_signals(false, &saved);
    rk_sync_parent(env.db);
    print_restored(env.journal, &rep, no_journal, bytes);
    return RK_EXIT_OK;
}

const struct rk_cli_command rk_cli_backup = {
    .name = "backup", .summary = "write an encrypted backup of the database", .run = run_backup};
const struct rk_cli_command rk_cli_restore = {
    .name = "restore", .summary = "restore the database from a backup", .run = run_restore};
