/*
 * cli_backup.c — `rekisteri backup FILE` and `rekisteri restore FILE`: an
 * online copy of the database sealed under the key file's backup subkey
 * (core/backup.h), and its return. Plain copies live only in temporary files
 * beside their destination (mode 0600) and are removed on every path; what
 * lands at FILE or at the database path is renamed into place whole.
 * Both are recorded in the audit chain, with sizes and never a path.
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
#include "core/rotate.h"

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

static void sync_parent(const char *path);

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
        "Copies the database while it is in use (SQLite's online backup) and writes\n"
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
    char plain[PATH_MAX_LEN], part[PATH_MAX_LEN], err[PATH_MAX_LEN + 200];
    if (!temp_name(plain, sizeof plain, file, "plain") ||
        !temp_name(part, sizeof part, file, "part")) {
        rk_cli_error("backup: the path is too long");
        return RK_EXIT_USAGE;
    }
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK) {
        rk_cli_env_close(&env);
        return rc;
    }
    int64_t pages = 0, bytes = 0;
    sigset_t saved;
    hold_signals(true, &saved);
    int fd = open(plain, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        rk_cli_error("backup: cannot create a temporary file beside %s: %s", file,
                     strerror(errno));
        hold_signals(false, &saved);
        rk_cli_env_close(&env);
        return RK_EXIT_FAIL;
    }
    close(fd);
    rk_err e = rk_store_backup_to(env.store, plain, &pages, &bytes);
    if (e != RK_OK)
        rk_cli_error("backup: cannot copy the database: %s", rk_store_last_error());
    else if ((e = rk_backup_seal(&env.reg.keys, plain, part, err, sizeof err)) != RK_OK)
        rk_cli_error("backup: %s", err);
    unlink(plain);
    if (e == RK_OK && rename(part, file) != 0) {
        rk_cli_error("backup: cannot rename the backup into place at %s: %s", file,
                     strerror(errno));
        unlink(part);
        e = RK_EIO;
    }
    hold_signals(false, &saved);
    if (e == RK_OK) {
        sync_parent(file);
        char detail[96];
        snprintf(detail, sizeof detail, "pages=%lld bytes=%lld", (long long)pages,
                 (long long)bytes);
        e = rk_reg_audit(&env.reg, "backup.created", NULL, detail, rk_time_now());
        if (e != RK_OK)
            rk_cli_error("backup: written, but not recorded in the audit chain: %s",
                         rk_store_last_error());
        else
            printf("backup written: %lld pages, %lld bytes\n", (long long)pages,
                   (long long)bytes);
    }
    rk_cli_env_close(&env);
    return e == RK_OK ? RK_EXIT_OK : RK_EXIT_FAIL;
}

/* Syncs the folder holding path, so that a rename into it survives a crash. */
static void sync_parent(const char *path) {
    char dir[PATH_MAX_LEN];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == dir)
        dir[1] = '\0';
    else
        *slash = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

/* Removes the write-ahead log and shared memory of the database at db. */
static void remove_wal(const char *db) {
    char p[PATH_MAX_LEN + 8];
    snprintf(p, sizeof p, "%s-wal", db);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", db);
    unlink(p);
}

/* A backup from before a key rotation holds a database of an older key
 * generation: it is brought forward as `key rotate` would (core/rotate.h),
 * which needs the key file to itself. */
static int bring_forward(struct rk_cli_env *env) {
    struct rk_msg msg = {{0}, false};
    uint32_t db_gen = 0;
    char fp[RK_FINGERPRINT_LEN + 1], err[400];
    if (rk_rotate_check(env->store, &env->reg.keys, env->key_file, &msg) == RK_OK)
        return RK_EXIT_OK;
    if (rk_store_key_state_get(env->store, &db_gen, fp) != RK_OK ||
        db_gen >= rk_keys_generation(&env->reg.keys) || !rk_keys_find(&env->reg.keys, db_gen)) {
        rk_cli_error("restore: restored, but %s", msg.text);
        return RK_EXIT_FAIL;
    }
    close(env->key_fd);
    env->key_fd = -1;
    struct rk_rotate_report rep;
    rk_err e = rk_keys_lock(env->key_file, true, &env->key_fd, err, sizeof err);
    if (e != RK_OK) {
        rk_cli_error("restore: restored, but the database is at key generation %u and %s; then "
                     "run 'rekisteri key rotate' to bring it forward",
                     (unsigned)db_gen, err);
        return RK_EXIT_FAIL;
    }
    e = rk_rotate_db(env->store, &env->reg.keys, db_gen, rk_time_now(), env->actor, &rep, &msg);
    if (e != RK_OK) {
        rk_cli_error("restore: restored, but not brought to the current key generation: %s",
                     msg.text);
        return RK_EXIT_FAIL;
    }
    printf("key generation %u -> %u: %lld entries re-hashed, %lld staff tokens revoked\n",
           (unsigned)rep.from, (unsigned)rep.to, (long long)rep.rehashed.entries,
           (long long)rep.tokens_revoked);
    return RK_EXIT_OK;
}

static int run_restore(int argc, char **argv) {
    bool force = false;
    const struct rk_cli_opt opts[] = {{"force", NULL, &force}, {NULL, 0, 0}};
    struct rk_cli_env env;
    int rc = rk_cli_env_parse(
        &env, argc, argv,
        "usage: rekisteri restore [--force] FILE\n\n"
        "Decrypts the backup FILE with the key file, checks the database in it\n"
        "(PRAGMA integrity_check) and puts it at --db. Refuses to replace an existing\n"
        "database without --force (stop 'serve' first). A backup that was altered,\n"
        "truncated or sealed under another key is refused and nothing is written.\n"
        "Recorded in the restored database's audit chain as backup.restored.\n"
        "Erasures made after the backup are not re-applied yet: see docs/operations.md.\n\n",
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
    if (!force && stat(env.db, &st) == 0) {
        rk_cli_error("restore: a database exists at %s; use --force to replace it", env.db);
        return RK_EXIT_USAGE;
    }
    char tmp[PATH_MAX_LEN], err[PATH_MAX_LEN + 200];
    if (!temp_name(tmp, sizeof tmp, env.db, "restore")) {
        rk_cli_error("restore: the path is too long");
        return RK_EXIT_USAGE;
    }
    if (rk_crypto_init() != RK_OK) {
        rk_cli_error("cannot initialise libsodium");
        return RK_EXIT_FAIL;
    }
    struct rk_keys keys;
    rk_err e = rk_keys_load(env.key_file, &keys, err, sizeof err);
    if (e != RK_OK) {
        rk_cli_error("%s", err);
        return e == RK_ENOENT || e == RK_EINVAL ? RK_EXIT_USAGE : RK_EXIT_FAIL;
    }
    sigset_t saved;
    hold_signals(true, &saved);
    e = rk_backup_open(&keys, file, tmp, err, sizeof err);
    sodium_memzero(&keys, sizeof keys);
    if (e != RK_OK) {
        hold_signals(false, &saved);
        rk_cli_error("restore: %s; nothing was written", err);
        return RK_EXIT_FAIL;
    }
    if (stat(tmp, &st) != 0 || rk_store_check_file(tmp) != RK_OK) {
        unlink(tmp);
        hold_signals(false, &saved);
        rk_cli_error("restore: the database in %s is damaged (%s); nothing was written", file,
                     rk_store_last_error());
        return RK_EXIT_FAIL;
    }
    long long bytes = (long long)st.st_size;
    remove_wal(env.db);
    if (rename(tmp, env.db) != 0) {
        rk_cli_error("restore: cannot rename the database into place at %s: %s", env.db,
                     strerror(errno));
        unlink(tmp);
        hold_signals(false, &saved);
        return RK_EXIT_FAIL;
    }
    hold_signals(false, &saved);
    sync_parent(env.db);
    env.any_generation = true;
    if ((rc = rk_cli_env_open(&env)) != RK_EXIT_OK || (rc = bring_forward(&env)) != RK_EXIT_OK) {
        rk_cli_env_close(&env);
        return rc;
    }
    char detail[64];
    snprintf(detail, sizeof detail, "bytes=%lld", bytes);
    e = rk_reg_audit(&env.reg, "backup.restored", NULL, detail, rk_time_now());
    if (e != RK_OK)
        rk_cli_error("restore: restored, but not recorded in the audit chain: %s",
                     rk_store_last_error());
    else
        printf("restored: %lld bytes\n", bytes);
    rk_cli_env_close(&env);
    return e == RK_OK ? RK_EXIT_OK : RK_EXIT_FAIL;
}

const struct rk_cli_command rk_cli_backup = {"backup", "write an encrypted backup of the database",
                                             run_backup};
const struct rk_cli_command rk_cli_restore = {"restore", "restore the database from a backup",
                                              run_restore};
