/*
 * pg_backup.c — backups and restores of the PostgreSQL backend (issue 17). A
 * backup's plain content is one format for both backends: a SQLite database
 * file with the SQLite schema (store.h, backup_to), so the encrypted container,
 * restore's integrity check and the erasure journal's replay are the same.
 *
 * pg_backup_to copies every table of ours from PostgreSQL into a new SQLite
 * store at dest, in one REPEATABLE READ READ ONLY transaction (one snapshot
 * while others write), table by table in foreign-key order, each read in
 * batches of BATCH rows by its primary key (keyset), so memory stays bounded.
 * pg_load_from does the reverse (store.h, load_from): in one transaction it
 * empties every table of ours and copies the SQLite file's rows in (COPY ...
 * FROM STDIN, a row per line: one round trip a table, not a row), then
 * points the identity sequences and the audit chain's head past them.
 *
 * The copy is generic: columns by name (PQfname / sqlite3_column_name) and
 * value kind (bytea -> blob, int2/4/8 -> integer, else text, NULL -> NULL).
 * The table names come from the static list below, never from input; column
 * names are checked to be [a-z_0-9] and quoted. Tables whose rows triggers
 * derive (register_count from entry, consent_week from consent_event,
 * purpose_count from consent_state, console_mark from audit) come last and are
 * emptied before their copy, so the copy equals the source exactly.
 * PostgreSQL-only: schema_version (each side keeps its own), audit_head (set
 * from the last audit row), erasure_pending (pg/0004: kept; a load's TRUNCATE
 * leaves the old files to be unlinked at its commit), signup.rowid (SQLite's
 * implicit rowid), the outbox's and notices' claims (left out: pg_only_column).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/postgres/pg.h"

#define BATCH      "10000" /* rows a read of a table takes at most */
#define BATCH_ROWS 10000
#define MAX_COLS   64
#define SQL_MAX    4096

/*
 * One table: its name, its key (keyset order) and the statements on it, all literals.
 * first/next read a batch from PostgreSQL (next after the key of the previous batch's
 * last row, the key columns' values bound as $1..$n); sq_select reads it from SQLite;
 * clear empties it before a derived table's copy (NULL: not derived).
 */
struct table {
    const char *name;
    const char *keys[4];
    const char *first, *next, *sq_select, *clear;
};

#define SEL(t, key) "SELECT * FROM " t " ORDER BY " key " LIMIT " BATCH
#define NEXT(t, key, params)                                                                       \
    "SELECT * FROM " t " WHERE (" key ") > (" params ") ORDER BY " key " LIMIT " BATCH
#define T1(t, k)                                                                                   \
    { t, {k}, SEL(t, k), NEXT(t, k, "$1"), "SELECT * FROM " t, NULL }
#define T2(t, k1, k2)                                                                              \
    { t, {k1, k2}, SEL(t, k1 ", " k2), NEXT(t, k1 ", " k2, "$1, $2"), "SELECT * FROM " t, NULL }
#define DERIVED1(t, k)                                                                             \
    { t, {k}, SEL(t, k), NEXT(t, k, "$1"), "SELECT * FROM " t, "DELETE FROM " t }
#define DERIVED2(t, k1, k2)                                                                        \
    {                                                                                              \
        t, {k1, k2}, SEL(t, k1 ", " k2), NEXT(t, k1 ", " k2, "$1, $2"), "SELECT * FROM " t,        \
            "DELETE FROM " t                                                                       \
    }

/* Every table of ours but schema_version and audit_head, in foreign-key order, the
 * derived ones last. */
static const struct table TABLES[] = {
    T1("person", "pk"),
    T1("organisation", "id"),
    T1("provenance", "id"),
    T2("entry", "person", "register"),
    T1("consent_version", "version"),
    T1("consent_event", "seq"),
    T2("consent_state", "person", "purpose"),
    T1("contract", "id"),
    T1("contract_change", "seq"),
    T1("invoice", "id"),
    T1("suppression", "hash"),
    T1("task", "id"),
    T1("token", "name"),
    T1("outbox", "id"),
    T1("audit", "seq"),
    /* signup.rowid is PostgreSQL's column for SQLite's implicit rowid (key rotation's
     * cursor): read and written by that name on both sides. */
    {"signup",
     {"person_id", "purpose"},
     SEL("signup", "person_id, purpose"),
     NEXT("signup", "person_id, purpose", "$1, $2"),
     "SELECT *, rowid FROM signup",
     NULL},
    T1("recipient_notice", "id"),
    T1("request", "id"),
    T1("erasure_journal", "id"),
    T1("key_state", "one"),
    /* No key: the row's place in the snapshot (stable while the snapshot is held). */
    {"mail_limit",
     {"ctid"},
     "SELECT ctid, * FROM mail_limit ORDER BY ctid LIMIT " BATCH,
     "SELECT ctid, * FROM mail_limit WHERE ctid > $1 ORDER BY ctid LIMIT " BATCH,
     "SELECT * FROM mail_limit",
     NULL},
    T1("staff", "id"),
    T1("staff_setup", "hash"),
    T1("staff_session", "hash"),
    T1("staff_throttle", "key"),
    T1("staff_signin", "seq"),
    {"search_token",
     {"token", "person", "register", "field"},
     SEL("search_token", "token, person, register, field"),
     NEXT("search_token", "token, person, register, field", "$1, $2, $3, $4"),
     "SELECT * FROM search_token",
     NULL},
    T1("search_state", "one"),
    T1("answer", "request_id"),
    T2("answer_file", "request_id", "name"),
    T1("consent_log", "seq"),
    T1("disclosure", "id"),
    T1("disclosure_event", "seq"),
    T1("recipient_sync", "recipient"),
    T1("lease", "name"),
    DERIVED1("register_count", "register"),
    DERIVED2("consent_week", "week", "purpose"),
    DERIVED1("purpose_count", "purpose"),
    DERIVED1("console_mark", "what"),
};
#define NTABLES (sizeof TABLES / sizeof TABLES[0])

/* Every identity column: after a load, its sequence continues past the copied rows. */
#define SETVAL(t, c)                                                                               \
    "SELECT setval(pg_get_serial_sequence('" t "', '" c "'), coalesce((SELECT max(" c ") FROM " t  \
    "), 0) + 1, false)"
static const char *const IDENTITIES[] = {
    SETVAL("person", "pk"),
    SETVAL("organisation", "id"),
    SETVAL("provenance", "id"),
    SETVAL("consent_event", "seq"),
    SETVAL("contract_change", "seq"),
    SETVAL("outbox", "id"),
    SETVAL("audit", "seq"),
    SETVAL("signup", "rowid"),
    SETVAL("recipient_notice", "id"),
    SETVAL("staff_signin", "seq"),
    SETVAL("consent_log", "seq"),
    SETVAL("disclosure", "id"),
    SETVAL("disclosure_event", "seq"),
};
#define NIDENTITIES (sizeof IDENTITIES / sizeof IDENTITIES[0])

/* Every table of the list, emptied at once; audit_head keeps its one row. */
static const char TRUNCATE_ALL[] =
    "TRUNCATE person, organisation, provenance, entry, consent_version, consent_event,"
    " consent_state, contract, contract_change, invoice, suppression, task, token, outbox,"
    " audit, signup, recipient_notice, request, erasure_journal, key_state, mail_limit, staff,"
    " staff_setup, staff_session, staff_throttle, staff_signin, search_token, search_state,"
    " answer, answer_file, consent_log, disclosure, disclosure_event, recipient_sync,"
    " lease, register_count, consent_week, purpose_count, console_mark RESTART IDENTITY CASCADE";

/*
 * The triggers that derive rows (register_count, consent_week, purpose_count, console_mark)
 * are off while a load copies, inside its transaction (rolled back with it): the derived
 * tables are copied as they are, and 100,000 entries would otherwise update one
 * register_count row 100,000 times in one transaction, each a new row version the next
 * must step over (measured: 800,000 rows took 444 s with them, see the report of issue 17).
 * The others on these tables fire on UPDATE or DELETE only, which a load does not do.
 */
static const char TRIGGERS_OFF[] =
    "ALTER TABLE entry DISABLE TRIGGER USER; ALTER TABLE consent_event DISABLE TRIGGER USER;"
    " ALTER TABLE consent_state DISABLE TRIGGER USER; ALTER TABLE audit DISABLE TRIGGER USER";
static const char TRIGGERS_ON[] =
    "ALTER TABLE entry ENABLE TRIGGER USER; ALTER TABLE consent_event ENABLE TRIGGER USER;"
    " ALTER TABLE consent_state ENABLE TRIGGER USER; ALTER TABLE audit ENABLE TRIGGER USER";

/* The server's tables and identity columns must be exactly those of the lists above (a
 * later migration that adds one must add it here too, or backups would miss it). */
static rk_err check_lists(struct pg_store *s) {
    int64_t tables = 0, identities = 0;
    rk_err err = pg_int(s,
                        "SELECT count(*) FROM information_schema.tables WHERE table_schema ="
                        " current_schema() AND table_type = 'BASE TABLE' AND table_name NOT IN"
                        " ('schema_version', 'audit_head', 'erasure_pending')",
                        PG_NONE, &tables);
    if (err == RK_OK)
        err = pg_int(s,
                     "SELECT count(*) FROM information_schema.columns WHERE table_schema ="
                     " current_schema() AND is_identity = 'YES'",
                     PG_NONE, &identities);
    if (err == RK_OK && (tables != (int64_t)NTABLES || identities != (int64_t)NIDENTITIES))
        err = rk_error_set(&s->base.error, RK_EINVAL, NULL,
                           "the PostgreSQL database has %lld tables and %lld identity columns, "
                           "the backup knows %zu and %zu: a migration was not taught to "
                           "pg_backup.c",
                           (long long)tables, (long long)identities, NTABLES, NIDENTITIES);
    return err;
}

/* ---- Building a statement from literals and checked column names ---------------------- */

struct sqlbuf {
    char s[SQL_MAX];
    size_t n;
    bool overflow;
};

static void put(struct sqlbuf *b, const char *t) {
    size_t len = strlen(t);
    if (b->n + len + 1 > sizeof b->s) {
        b->overflow = true;
        return;
    }
    memcpy(b->s + b->n, t, len);
    b->n += len;
    b->s[b->n] = '\0';
}

/* A column name of our schema: lower-case letters, digits and '_'. */
static bool plain_name(const char *c) {
    if (!c || !*c)
        return false;
    for (; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return false;
    return true;
}

/* "INSERT [OR REPLACE] INTO table ("c1", ...) VALUES (?|$1, ...)" into b; false when a
 * name is not plain or it does not fit. */
static bool build_insert(struct sqlbuf *b, const char *verb, const char *table,
                         const char *const *cols, int n, bool dollar) {
    b->n = 0;
    b->s[0] = '\0';
    b->overflow = false;
    put(b, verb);
    put(b, table);
    put(b, " (");
    for (int i = 0; i < n; i++) {
        if (!plain_name(cols[i]))
            return false;
        put(b, i ? ", \"" : "\"");
        put(b, cols[i]);
        put(b, "\"");
    }
    put(b, ") VALUES (");
    for (int i = 0; i < n; i++) {
        char p[16];
        if (dollar)
            snprintf(p, sizeof p, "%s$%d", i ? ", " : "", i + 1);
        else
            snprintf(p, sizeof p, "%s?", i ? ", " : "");
        put(b, p);
    }
    put(b, ")");
    return !b->overflow;
}

/* ---- PostgreSQL -> SQLite --------------------------------------------------------------- */

static rk_err sq_err(struct pg_store *s, sqlite3 *db, const char *what) {
    return rk_error_set(&s->base.error, RK_EIO, NULL, "backup: %s: %s", what,
                        db ? sqlite3_errmsg(db) : "out of memory");
}

/* Binds column c of row i of res to parameter p of st by the column's type. */
static int bind_pg_value(sqlite3_stmt *st, int p, PGresult *res, int i, int c) {
    if (PQgetisnull(res, i, c))
        return sqlite3_bind_null(st, p);
    const struct pg_row r = {.res = res, .i = i};
    switch (PQftype(res, c)) {
    case 17: { /* bytea */
        unsigned char *blob = NULL;
        size_t len = 0;
        if (!pg_col_blob_dup(&r, c, &blob, &len))
            return SQLITE_NOMEM;
        return sqlite3_bind_blob64(st, p, blob, len, free);
    }
    case 20: /* int8 */
    case 21: /* int2 */
    case 23: /* int4 */ return sqlite3_bind_int64(st, p, pg_col_int(&r, c));
    default:
        return sqlite3_bind_text(st, p, PQgetvalue(res, i, c), PQgetlength(res, i, c),
                                 SQLITE_TRANSIENT);
    }
}

/* Copies one table from PostgreSQL (inside the snapshot) into db; *rows counts them. */
/* The columns a backup leaves out: the row's place (mail_limit's keyset), and the claims of
 * the outbox and the notices (pg/0002: which instance is sending a row, until when), which
 * mean nothing once the instances that held them are gone; loaded rows are unclaimed. */
static bool pg_only_column(const char *name) {
    static const char *const names[] = {"ctid", "claimed_by", "claim_until"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

static rk_err copy_out(struct pg_store *s, sqlite3 *db, const struct table *t, int64_t *rows) {
    PGresult *prev = NULL, *res = NULL;
    sqlite3_stmt *ins = NULL;
    int map[MAX_COLS], nmap = 0, nkeys = 0, keycol[4];
    while (nkeys < 4 && t->keys[nkeys])
        nkeys++;
    rk_err err = RK_OK;
    if (t->clear && sqlite3_exec(db, t->clear, NULL, NULL, NULL) != SQLITE_OK)
        return sq_err(s, db, t->name);
    for (;;) {
        if (!prev) {
            err = pg_exec(s, t->first, PG_NONE, &res);
        } else {
            struct pg_arg a[4];
            int last = PQntuples(prev) - 1;
            for (int k = 0; k < nkeys; k++)
                a[k] =
                    (struct pg_arg){.kind = PG_K_TEXT, .text = PQgetvalue(prev, last, keycol[k])};
            err = pg_exec(s, t->next, a, (size_t)nkeys, &res);
        }
        PQclear(prev);
        prev = NULL;
        if (err != RK_OK)
            break;
        int n = PQntuples(res);
        if (!ins) { /* the first batch names the columns */
            const char *cols[MAX_COLS];
            int nf = PQnfields(res);
            for (int c = 0; c < nf; c++) {
                if (pg_only_column(PQfname(res, c)))
                    continue;
                if (nmap == MAX_COLS) {
                    err = rk_error_set(&s->base.error, RK_EIO, NULL,
                                       "backup: %s has too many "
                                       "columns",
                                       t->name);
                    break;
                }
                cols[nmap] = PQfname(res, c);
                map[nmap++] = c;
            }
            for (int k = 0; err == RK_OK && k < nkeys; k++)
                if ((keycol[k] = PQfnumber(res, t->keys[k])) < 0)
                    err = rk_error_set(&s->base.error, RK_EIO, NULL, "backup: %s has no column %s",
                                       t->name, t->keys[k]);
            struct sqlbuf b;
            if (err == RK_OK &&
                !build_insert(&b, "INSERT OR REPLACE INTO ", t->name, cols, nmap, false))
                err = rk_error_set(&s->base.error, RK_EIO, NULL,
                                   "backup: cannot name the columns of %s", t->name);
            if (err == RK_OK && sqlite3_prepare_v2(db, b.s, -1, &ins, NULL) != SQLITE_OK)
                err = sq_err(s, db, t->name);
            if (err != RK_OK)
                break;
        }
        for (int i = 0; i < n; i++) {
            int rc = SQLITE_OK;
            for (int c = 0; rc == SQLITE_OK && c < nmap; c++)
                rc = bind_pg_value(ins, c + 1, res, i, map[c]);
            if (rc == SQLITE_OK)
                rc = sqlite3_step(ins) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
            sqlite3_reset(ins);
            sqlite3_clear_bindings(ins);
            if (rc != SQLITE_OK) {
                err = sq_err(s, db, t->name);
                break;
            }
        }
        *rows += n;
        if (err != RK_OK || n < BATCH_ROWS)
            break;
        prev = res;
        res = NULL;
    }
    PQclear(prev);
    PQclear(res);
    sqlite3_finalize(ins);
    return err;
}

/* The SQLite store at dest, new and empty, with the SQLite schema; the detail in s. */
static rk_err new_sqlite(struct pg_store *s, const char *dest) {
    if (truncate(dest, 0) != 0)
        return rk_error_set(&s->base.error, RK_EIO, NULL, "backup: cannot empty the copy's file");
    struct rk_error why = RK_ERROR_INIT;
    if (rk_store_remove_side_files(dest, &why) != RK_OK)
        return rk_error_set(&s->base.error, RK_EIO, NULL, "backup: %s", why.message);
    struct rk_store *copy = NULL;
    rk_err err = rk_store_sqlite_ops.open(dest, NULL, &copy, &why);
    if (err != RK_OK)
        return rk_error_set(&s->base.error, err, NULL, "backup: cannot create the copy: %s",
                            why.message);
    int from = 0, to = 0;
    err = rk_store_migrate(copy, &from, &to);
    if (err != RK_OK)
        err = rk_error_set(&s->base.error, err, NULL, "backup: cannot create the copy: %s",
                           rk_store_errmsg(copy));
    rk_store_close(copy); /* the last connection: its log is folded back in */
    return err;
}

/* An int64 of a one-row pragma of db (0 when it cannot be read). */
static int64_t pragma(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

rk_err pg_backup_to(struct rk_store *base, const char *dest, int64_t *pages, int64_t *bytes) {
    struct pg_store *s = (struct pg_store *)base;
    if (s->in_tx)
        return rk_error_set(&s->base.error, RK_EINVAL, NULL,
                            "a backup cannot run inside a transaction");
    rk_err err = new_sqlite(s, dest);
    if (err != RK_OK)
        return err;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(dest, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_exec(db, "PRAGMA journal_mode = DELETE; BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        err = sq_err(s, db, "cannot open the copy");
        sqlite3_close_v2(db);
        return err;
    }
    err = pg_script(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    s->in_tx = err == RK_OK;
    if (err == RK_OK)
        err = check_lists(s);
    int64_t rows = 0;
    for (size_t i = 0; err == RK_OK && i < NTABLES; i++)
        err = copy_out(s, db, &TABLES[i], &rows);
    if (s->in_tx) /* read only: COMMIT and ROLLBACK end it alike */
        PQclear(PQexec(s->conn, "ROLLBACK"));
    s->in_tx = false;
    if (err == RK_OK && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        err = sq_err(s, db, "cannot write the copy");
    if (err == RK_OK) {
        *pages = pragma(db, "PRAGMA page_count");
        *bytes = *pages * pragma(db, "PRAGMA page_size");
    } else {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    }
    sqlite3_close_v2(db);
    return err;
}

/* A backup's file is checked by the SQLite backend (restore checks the decrypted copy);
 * a PostgreSQL location is not a file. */
rk_err pg_check_file(const char *location, struct rk_error *e) {
    (void)location;
    return rk_error_set(e, RK_EINVAL, NULL,
                        "a PostgreSQL database is not a file to check: backups hold a SQLite "
                        "file, checked as one");
}

/* ---- SQLite -> PostgreSQL --------------------------------------------------------------- */

/* What COPY ... FROM STDIN reads: rows of text, tab-separated, as a buffer flushed to the
 * server when full. */
struct copybuf {
    struct pg_store *s;
    char b[65536];
    size_t n;
    bool failed;
};

static void flush(struct copybuf *c) {
    if (c->n && !c->failed && PQputCopyData(c->s->conn, c->b, (int)c->n) != 1)
        c->failed = true;
    c->n = 0;
}

static void put_bytes(struct copybuf *c, const char *p, size_t len) {
    while (len) {
        if (c->n == sizeof c->b)
            flush(c);
        size_t k = sizeof c->b - c->n < len ? sizeof c->b - c->n : len;
        memcpy(c->b + c->n, p, k);
        c->n += k;
        p += k;
        len -= k;
    }
}

/* A text value in COPY's text format: backslash, tab, newline and return escaped. */
static void put_text(struct copybuf *c, const unsigned char *t, size_t len) {
    size_t from = 0;
    for (size_t i = 0; i < len; i++) {
        const char *esc = t[i] == '\\'   ? "\\\\"
                          : t[i] == '\t' ? "\\t"
                          : t[i] == '\n' ? "\\n"
                          : t[i] == '\r' ? "\\r"
                                         : NULL;
        if (!esc)
            continue;
        put_bytes(c, (const char *)t + from, i - from);
        put_bytes(c, esc, 2);
        from = i + 1;
    }
    put_bytes(c, (const char *)t + from, len - from);
}

/* A blob as bytea's hex input ("\x0a1b"), its backslash escaped for COPY. */
static void put_blob(struct copybuf *c, const unsigned char *p, size_t len) {
    static const char hex[] = "0123456789abcdef";
    put_bytes(c, "\\\\x", 3);
    for (size_t i = 0; i < len; i++) {
        char two[2] = {hex[p[i] >> 4], hex[p[i] & 15]};
        put_bytes(c, two, 2);
    }
}

/* Ends the COPY (with why: aborts it) and reads its result; the first failure is kept. */
static rk_err copy_end(struct pg_store *s, const char *why, rk_err err) {
    if (PQputCopyEnd(s->conn, why) != 1 && err == RK_OK)
        err = pg_fail(s, NULL);
    PGresult *res;
    while ((res = PQgetResult(s->conn)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && err == RK_OK)
            err = pg_fail(s, res);
        PQclear(res);
    }
    return err;
}

/* Copies one table of the SQLite file db into PostgreSQL (inside the load's transaction)
 * with COPY ... FROM STDIN; *rows counts them. */
static rk_err copy_in(struct pg_store *s, sqlite3 *db, const struct table *t, int64_t *rows) {
    rk_err err = t->clear ? pg_script(s, t->clear) : RK_OK;
    if (err != RK_OK)
        return err;
    sqlite3_stmt *sel = NULL;
    if (sqlite3_prepare_v2(db, t->sq_select, -1, &sel, NULL) != SQLITE_OK)
        return rk_error_set(&s->base.error, RK_EPARSE, NULL, "restore: %s: %s", t->name,
                            sqlite3_errmsg(db));
    int n = sqlite3_column_count(sel);
    struct sqlbuf b = {.n = 0};
    b.s[0] = '\0';
    put(&b, "COPY ");
    put(&b, t->name);
    put(&b, " (");
    for (int c = 0; c < n; c++) {
        const char *name = sqlite3_column_name(sel, c);
        if (!plain_name(name))
            b.overflow = true;
        put(&b, c ? ", \"" : "\"");
        put(&b, name ? name : "");
        put(&b, "\"");
    }
    put(&b, ") FROM STDIN");
    if (b.overflow) {
        sqlite3_finalize(sel);
        return rk_error_set(&s->base.error, RK_EPARSE, NULL,
                            "restore: cannot name the columns of %s", t->name);
    }
    PGresult *res = PQexec(s->conn, b.s);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        err = pg_fail(s, res);
        PQclear(res);
        sqlite3_finalize(sel);
        return err;
    }
    PQclear(res);
    struct copybuf *c = malloc(sizeof *c);
    if (!c) {
        sqlite3_finalize(sel);
        return copy_end(s, "out of memory", rk_error_set(&s->base.error, RK_ENOMEM, NULL, NULL));
    }
    c->s = s;
    c->n = 0;
    c->failed = false;
    int rc;
    while (!c->failed && (rc = sqlite3_step(sel)) == SQLITE_ROW) {
        for (int k = 0; k < n; k++) {
            if (k)
                put_bytes(c, "\t", 1);
            switch (sqlite3_column_type(sel, k)) {
            case SQLITE_NULL: put_bytes(c, "\\N", 2); break;
            case SQLITE_BLOB:
                put_blob(c, sqlite3_column_blob(sel, k), (size_t)sqlite3_column_bytes(sel, k));
                break;
            default: /* integers and reals as their text, and text */
                put_text(c, sqlite3_column_text(sel, k), (size_t)sqlite3_column_bytes(sel, k));
                break;
            }
        }
        put_bytes(c, "\n", 1);
        (*rows)++;
    }
    flush(c);
    if (c->failed)
        err = pg_fail(s, NULL);
    else if (rc != SQLITE_DONE)
        err = rk_error_set(&s->base.error, RK_EPARSE, NULL, "restore: %s: %s", t->name,
                           sqlite3_errmsg(db));
    free(c);
    sqlite3_finalize(sel);
    return copy_end(s, err == RK_OK ? NULL : "the copy failed", err);
}

rk_err pg_load_from(struct rk_store *base, const char *path) {
    struct pg_store *s = (struct pg_store *)base;
    if (s->in_tx)
        return rk_error_set(&s->base.error, RK_EINVAL, NULL,
                            "a restore cannot run inside a transaction");
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        rk_err err = rk_error_set(&s->base.error, RK_EPARSE, NULL, "restore: %s",
                                  db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close_v2(db);
        return err;
    }
    rk_err err = pg_script(s, "BEGIN ISOLATION LEVEL READ COMMITTED");
    s->in_tx = err == RK_OK;
    if (err == RK_OK)
        err = pg_run(s, "SELECT pg_advisory_xact_lock($1)", PG_ARGS(PG_INT(PG_LOCK_MIGRATE)));
    if (err == RK_OK)
        err = check_lists(s);
    if (err == RK_OK)
        err = pg_script(s, TRUNCATE_ALL);
    if (err == RK_OK)
        err = pg_script(s, TRIGGERS_OFF);
    int64_t rows = 0;
    for (size_t i = 0; err == RK_OK && i < NTABLES; i++)
        err = copy_in(s, db, &TABLES[i], &rows);
    if (err == RK_OK)
        err = pg_script(s, "UPDATE audit_head SET seq = coalesce((SELECT max(seq) FROM audit), 0),"
                           " hash = (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1)"
                           " WHERE one = 1");
    for (size_t i = 0; err == RK_OK && i < NIDENTITIES; i++)
        err = pg_script(s, IDENTITIES[i]);
    if (err == RK_OK)
        err = pg_script(s, TRIGGERS_ON);
    if (err == RK_OK)
        err = pg_script(s, "COMMIT");
    else if (s->in_tx)
        PQclear(PQexec(s->conn, "ROLLBACK"));
    s->in_tx = false;
    /* Organisation ids and the chain's end may have changed under the caches. */
    for (int i = 0; i < PG_ORG_CACHE; i++)
        s->orgs[i].id = 0;
    s->audit_head_ok = false;
    s->savepoints = 0;
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close_v2(db);
    return err;
}
