/*
 * pg_open.c — the PostgreSQL backend's connection: open (a libpq URI, UTF-8,
 * synchronous_commit checked), close, migrations (a schema_version row,
 * applied under a transaction-scoped advisory lock so that instances starting
 * together migrate once; a database holding tables of something else is
 * refused), transactions and savepoints, and what the file-shaped slots of
 * store.h mean here.
 *
 * Pooler safety (docs/design-postgres.md (b)): nothing is set for the session;
 * every lock is transaction-scoped; every transaction is begun and ended
 * within one method call sequence on this handle's one connection.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/migrations.h"
#include "store/postgres/pg.h"

void pg_close(struct rk_store *base) {
    struct pg_store *s = (struct pg_store *)base;
    sodium_memzero(s->base.mail_key, sizeof s->base.mail_key);
    if (s->conn) {
        if (s->in_tx)
            PQclear(PQexec(s->conn, "ROLLBACK"));
        s->in_tx = false;
        pg_claims_release(s); /* what the handle still holds goes at once, not after its lease */
        PQfinish(s->conn);
    }
    free(s);
}

/* The server's setting name, into out (size n); false when it cannot be read. */
static bool show(struct pg_store *s, const char *name, char *out, size_t n) {
    PGresult *res = NULL;
    if (pg_exec(s, "SELECT current_setting($1)", PG_ARGS(PG_TEXT(name)), &res) != RK_OK)
        return false;
    bool ok = PQntuples(res) == 1;
    if (ok)
        snprintf(out, n, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return ok;
}

rk_err pg_open(const char *location, const struct rk_store_options *opt, struct rk_store **out,
               struct rk_error *e) {
    /* cache and map sizes are SQLite's; the server sizes its own memory */
    struct pg_store *s = calloc(1, sizeof *s);
    if (!s)
        return rk_error_set(e, RK_ENOMEM, NULL, NULL);
    s->base.ops = &rk_store_pg_ops;
    s->base.error = (struct rk_error)RK_ERROR_INIT;
    /* The handle's claimer id in the queues' claims (pg_queues.c): random, never reused. */
    unsigned char me[PG_CLAIMER_LEN / 2];
    randombytes_buf(me, sizeof me);
    sodium_bin2hex(s->me, sizeof s->me, me, sizeof me);
    rk_err err = RK_OK;
    s->conn = PQconnectdb(location);
    if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
        /* libpq's message names the host, port and what failed; never the password. */
        const char *why = s->conn ? PQerrorMessage(s->conn) : "out of memory";
        char msg[512];
        snprintf(msg, sizeof msg, "%s", why);
        size_t len = strlen(msg);
        while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
            msg[--len] = '\0';
        err = rk_error_set(&s->base.error, RK_ESTORAGE, NULL, "cannot connect to PostgreSQL: %s",
                           msg);
        goto out;
    }
    if (PQsetClientEncoding(s->conn, "UTF8") != 0) {
        err = rk_error_set(&s->base.error, RK_EIO, NULL,
                           "PostgreSQL: the client encoding cannot be UTF-8");
        goto out;
    }
    /* A 2xx means committed: a server that acknowledges commits before they are on
     * disk would break that promise (docs/design-postgres.md (b), Durability). */
    char sync[32];
    if (!show(s, "synchronous_commit", sync, sizeof sync)) {
        err = s->base.error.code != RK_OK ? s->base.error.code : pg_fail(s, NULL);
        goto out;
    }
    if (strcmp(sync, "off") == 0) {
        err = rk_error_set(&s->base.error, RK_EINVAL, NULL,
                           "PostgreSQL has synchronous_commit = off: a write could be "
                           "acknowledged and then lost; set it to on, local or remote_apply");
        goto out;
    }
    /* Read-only (store.h): every transaction of this handle is begun READ ONLY (pg_begin;
     * pg_exec wraps a statement outside one), so each write fails with SQLSTATE 25006,
     * which pg_fail answers RK_ESTORAGE. Not a SET: that would outlive the transaction and,
     * through a pooler, reach other clients' transactions. */
    s->read_only = opt && opt->read_only;
out:
    if (err != RK_OK) {
        if (e)
            *e = s->base.error;
        pg_close(&s->base);
        return err;
    }
    *out = &s->base;
    return RK_OK;
}

/* ---- Migrations ------------------------------------------------------------------------ */

static const char VERSION_TABLE[] = "CREATE TABLE IF NOT EXISTS schema_version ("
                                    " one integer PRIMARY KEY CHECK (one = 1),"
                                    " version integer NOT NULL)";

/* The schema version of the database (0: none yet); RK_EINVAL when it holds tables that
 * are not ours (views, such as an extension's in the public schema, are no data of another
 * application's). Runs inside the migration's transaction. */
static rk_err schema_version(struct pg_store *s, int *v) {
    int64_t ours = 0, tables = 0;
    rk_err err = pg_int(s,
                        "SELECT count(*) FROM information_schema.tables"
                        " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                        PG_NONE, &tables);
    if (err == RK_OK)
        err = pg_int(s,
                     "SELECT count(*) FROM information_schema.tables"
                     " WHERE table_schema = current_schema() AND table_name = 'schema_version'",
                     PG_NONE, &ours);
    if (err != RK_OK)
        return err;
    if (!ours) {
        if (tables > 0)
            return rk_error_set(&s->base.error, RK_EINVAL, NULL,
                                "the PostgreSQL database holds %lld tables that are not "
                                "rekisteri's: give rekisteri an empty database (or schema) "
                                "of its own",
                                (long long)tables);
        *v = 0;
        return RK_OK;
    }
    int64_t n = 0;
    err = pg_int(s, "SELECT coalesce(max(version), 0) FROM schema_version", PG_NONE, &n);
    *v = (int)n;
    return err;
}

rk_err pg_migrate(struct rk_store *base, int *from, int *to) {
    struct pg_store *s = (struct pg_store *)base;
    int newest = rk_pg_nmigrations ? rk_pg_migrations[rk_pg_nmigrations - 1].version : 0;
    int v = 0;
    /* One transaction: the lock, the version, every step. An instance that waited for
     * the lock sees the version the first one committed and has nothing left to do. */
    rk_err err = pg_script(s, "BEGIN");
    if (err == RK_OK)
        err = pg_run(s, "SELECT pg_advisory_xact_lock($1)", PG_ARGS(PG_INT(PG_LOCK_MIGRATE)));
    if (err == RK_OK)
        err = schema_version(s, &v);
    if (err == RK_OK && v == 0 && s->base.existing)
        err = rk_error_set(&s->base.error, RK_ENOENT, NULL,
                           "the database holds no register: create one with 'rekisteri init'");
    if (err == RK_OK && v > newest)
        err = rk_error_set(&s->base.error, RK_EINVAL, NULL,
                           "the database has schema version %d, newer than this program's %d", v,
                           newest);
    *from = *to = v;
    if (err == RK_OK && v < newest)
        err = pg_script(s, VERSION_TABLE);
    for (size_t i = 0; err == RK_OK && i < rk_pg_nmigrations; i++) {
        const struct rk_migration *m = &rk_pg_migrations[i];
        if (m->version <= v)
            continue;
        err = pg_script(s, m->sql);
        if (err == RK_OK)
            err = pg_run(s,
                         "INSERT INTO schema_version (one, version) VALUES (1, $1)"
                         " ON CONFLICT (one) DO UPDATE SET version = excluded.version",
                         PG_ARGS(PG_INT(m->version)));
        if (err == RK_OK)
            *to = m->version;
    }
    if (err == RK_OK)
        err = pg_script(s, "COMMIT");
    if (err != RK_OK) {
        PQclear(PQexec(s->conn, "ROLLBACK"));
        *to = *from;
    }
    return err;
}

/* ---- Transactions ---------------------------------------------------------------------- */

static void forget(struct pg_store *s) {
    s->audit_head_ok = false;
    s->audit_head_dirty = false;
    s->savepoints = 0;
}

rk_err pg_begin(struct rk_store *base) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = pg_script(s, s->read_only ? "BEGIN ISOLATION LEVEL READ COMMITTED READ ONLY"
                                           : "BEGIN ISOLATION LEVEL READ COMMITTED");
    s->in_tx = err == RK_OK;
    forget(s);
    return err;
}

/* COMMIT of a transaction a failed statement aborted is answered "ROLLBACK", without an
 * error: that must not pass for a commit (a 2xx means committed). */
rk_err pg_commit(struct rk_store *base) {
    struct pg_store *s = (struct pg_store *)base;
    /* The audit head first (pg_staff.c); a transaction a failed statement aborted goes
     * straight to its COMMIT, which answers for it below. */
    rk_err err = s->in_tx && PQtransactionStatus(s->conn) != PQTRANS_INERROR
                     ? pg_audit_head_flush(s)
                     : RK_OK;
    if (err != RK_OK) {
        pg_rollback(base); /* nothing of the transaction is committed */
        return err;
    }
    PGresult *res = PQexec(s->conn, "COMMIT");
    if (!res || PQresultStatus(res) != PGRES_COMMAND_OK)
        err = pg_fail(s, res);
    else if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
        err = rk_error_set(&s->base.error, RK_EIO, NULL,
                           "the transaction was rolled back by PostgreSQL after a failed "
                           "statement; nothing of it was written");
    PQclear(res);
    /* A failed COMMIT ends the transaction too (PostgreSQL rolls it back). */
    s->in_tx = false;
    forget(s);
    return err;
}

void pg_rollback(struct rk_store *base) {
    struct pg_store *s = (struct pg_store *)base;
    for (int i = 0; i < PG_ORG_CACHE; i++)
        s->orgs[i].id = 0;
    if (s->in_tx)
        PQclear(PQexec(s->conn, "ROLLBACK"));
    s->in_tx = false;
    forget(s);
}

rk_err pg_savepoint(struct rk_store *base) {
    struct pg_store *s = (struct pg_store *)base;
    if (!s->in_tx)
        return rk_error_set(&s->base.error, RK_EINVAL, NULL,
                            "a savepoint needs a write transaction");
    rk_err err = pg_script(s, "SAVEPOINT rk_shadow");
    if (err == RK_OK)
        s->savepoints++;
    return err;
}

rk_err pg_savepoint_end(struct rk_store *base, bool undo) {
    struct pg_store *s = (struct pg_store *)base;
    rk_err err = RK_OK;
    if (undo) {
        /* What the undone writes cached may be gone: organisation ids, the chain's end. */
        for (int i = 0; i < PG_ORG_CACHE; i++)
            s->orgs[i].id = 0;
        s->audit_head_ok = false;
        err = pg_script(s, "ROLLBACK TO SAVEPOINT rk_shadow");
    }
    if (err == RK_OK)
        err = pg_script(s, "RELEASE SAVEPOINT rk_shadow");
    if (err == RK_OK && s->savepoints > 0)
        s->savepoints--;
    return err;
}

/* ---- The file-shaped slots ------------------------------------------------------------- */

/* SQLite moves its write-ahead log into the main file here so that erased values leave
 * the log. On PostgreSQL it makes the erasures final in the database's files
 * (docs/design-postgres.md (c)): a deleted row's bytes stay in its table's and indexes'
 * pages until overwritten, and plain VACUUM leaves them where the freed tuple was its
 * page's last-inserted one (measured). So when erasures happened since the last time
 * (erasure_pending, migration pg/0004, bumped by pg_person_delete), the tables that can
 * hold a person's values are rewritten into new files (VACUUM FULL: their indexes and
 * TOAST too; the old files are truncated at once and unlinked at the next checkpoint),
 * then CHECKPOINT if the role may (superuser or pg_checkpoint), then the count seen is
 * taken back. Each table is locked ACCESS EXCLUSIVE while it is rewritten.
 *
 * RK_EBUSY, nothing rewritten, the count kept: inside a transaction (VACUUM cannot run
 * there), or while a snapshot as old as the newest erasure is open (a transaction, a
 * replication slot, a standby's feedback): a rewrite copies a deleted row such a
 * snapshot may still see. The next call does it. */

/* The tables that can hold a person's values, in clear or sealed (design-postgres.md (c),
 * "What the rewrite covers"). One literal: VACUUM takes a list; each table is rewritten
 * in a transaction of its own. */
static const char REWRITE[] =
    "VACUUM (FULL) person, entry, search_token, organisation, provenance, consent_event,"
    " consent_state, contract, contract_change, invoice, task, signup, request, outbox,"
    " recipient_notice, answer, answer_file, disclosure, disclosure_event, mail_limit,"
    " erasure_journal";

/* Whether a snapshot that may still see the newest erasure's deletes is held: a backend's
 * or a replication slot's xmin at or before its transaction (age counts back from now, so
 * an older xmin has the greater age). */
static const char HORIZON_HELD[] =
    "SELECT count(*) FROM erasure_pending p, LATERAL (SELECT backend_xmin AS x"
    " FROM pg_stat_activity WHERE backend_xmin IS NOT NULL AND pid <> pg_backend_pid()"
    " UNION ALL SELECT xmin FROM pg_replication_slots WHERE xmin IS NOT NULL) h"
    " WHERE p.last_xid IS NOT NULL AND age(h.x) >= age(xid(p.last_xid))";

/* How many of those tables this role may not vacuum: VACUUM skips a table whose owner
 * (or the database's) the role is not, with a WARNING and no error — a rewrite that did
 * nothing must not pass for one. */
static const char NOT_OURS[] =
    "SELECT count(*) FROM pg_class WHERE oid = ANY (ARRAY['person', 'entry', 'search_token',"
    " 'organisation', 'provenance', 'consent_event', 'consent_state', 'contract',"
    " 'contract_change', 'invoice', 'task', 'signup', 'request', 'outbox', 'recipient_notice',"
    " 'answer', 'answer_file', 'disclosure', 'disclosure_event', 'mail_limit',"
    " 'erasure_journal']::regclass[]) AND NOT pg_has_role(relowner, 'USAGE')"
    " AND NOT pg_has_role((SELECT datdba FROM pg_database WHERE datname = current_database()),"
    " 'USAGE') AND NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)";

rk_err pg_checkpoint(struct rk_store *base) {
    struct pg_store *s = (struct pg_store *)base;
    if (s->in_tx)
        return rk_error_set(&s->base.error, RK_EBUSY, NULL,
                            "the erasures are rewritten out of the tables outside a transaction");
    int64_t pending = 0, held = 0;
    rk_err err = pg_int(s, "SELECT pending FROM erasure_pending WHERE one = 1", PG_NONE, &pending);
    if (err != RK_OK || pending == 0)
        return err;
    int64_t foreign = 0;
    if ((err = pg_int(s, NOT_OURS, PG_NONE, &foreign)) != RK_OK)
        return err;
    if (foreign > 0)
        return rk_error_set(&s->base.error, RK_EINVAL, NULL,
                            "%lld of the tables that hold persons' values belong to another "
                            "role: this role cannot rewrite the erased values out of them "
                            "(VACUUM FULL needs their owner)",
                            (long long)foreign);
    if ((err = pg_int(s, HORIZON_HELD, PG_NONE, &held)) != RK_OK)
        return err;
    if (held > 0)
        return rk_error_set(&s->base.error, RK_EBUSY, NULL,
                            "a transaction (or replication slot) older than the last erasure "
                            "is open: its rows are rewritten out of the tables next time");
    if ((err = pg_script(s, REWRITE)) != RK_OK)
        return err;
    /* The table files are final without it (the old ones are already empty); CHECKPOINT
     * unlinks them and lets the WAL segments holding the values be recycled. A role
     * without the right leaves that to the server's own next checkpoint. */
    PGresult *res = PQexec(s->conn, "CHECKPOINT");
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    bool refused = state && strcmp(state, "42501") == 0; /* insufficient_privilege */
    if (!refused && (!res || PQresultStatus(res) != PGRES_COMMAND_OK))
        err = pg_fail(s, res);
    PQclear(res);
    if (err != RK_OK)
        return err;
    /* Erasures committed meanwhile stay counted for the next time. */
    return pg_run(s, "UPDATE erasure_pending SET pending = greatest(pending - $1, 0) WHERE one = 1",
                  PG_ARGS(PG_INT(pending)));
}

/* A PostgreSQL database has no files of ours beside it. */
rk_err pg_remove_side_files(const char *location, struct rk_error *e) {
    (void)location;
    (void)e;
    return RK_OK;
}
