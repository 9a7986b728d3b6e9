/*
 * pg.h — private to the PostgreSQL backend (src/store/postgres/): the handle,
 * the statement helpers (pg_stmt.c) and the methods each file of the backend
 * defines, which pg_ops.c gathers into the one method table, rk_store_pg_ops.
 * Nothing outside src/store/postgres/ includes it. docs/design-postgres.md is
 * the design; the files mirror src/store/sqlite/ one for one (pg_open.c,
 * pg_persons.c, pg_consent.c, pg_records.c, pg_staff.c, pg_queues.c,
 * pg_requests.c, pg_erasure.c, pg_retention.c, pg_keys.c, pg_disclosure.c),
 * with the tables, columns and meaning of the SQLite schema
 * (migrations/pg/0001_schema.sql equals SQLite's 0001-0019).
 *
 * How a method talks to the server. Every statement is sent with
 * PQexecParams: unnamed, so nothing is kept in the session between
 * transactions and the backend works through a transaction-mode pooler. Its
 * SQL text is a static string in the method's file, with $1, $2, ... and
 * values bound from a list (PG_ARGS below): text, instants and dates as text
 * (the columns are text, compared as text, as on SQLite), integers as decimal
 * text, blobs in binary. Results come back as text; a bytea column reads
 * through pg_col_blob. A result is read whole before the method's callback
 * runs, so a callback may call the store again (nested reads work as on
 * SQLite).
 *
 * Errors: SQLSTATE 23505 (unique) is RK_ECONFLICT, other integrity
 * violations (class 23) RK_EINVAL, 40001/40P01/55P03 (serialization,
 * deadlock, lock not available) RK_EBUSY, 53100 (disk full) and a lost
 * connection RK_ESTORAGE, anything else RK_EIO; the server's message goes in
 * the handle's error (it never holds values: they are bound parameters,
 * which PostgreSQL does not echo, except in a unique violation's DETAIL,
 * which is dropped).
 */
#ifndef RK_STORE_PG_H
#define RK_STORE_PG_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define PG_ORG_CACHE   256
#define PG_CLAIMER_LEN 32 /* a handle's claimer id: 16 random bytes in hex */

struct pg_store {
    struct rk_store base; /* first: the handle callers hold */
    PGconn *conn;
    bool in_tx;
    bool in_read;   /* in_tx is a read transaction of read_begin (pg_persons.c) */
    bool read_only; /* opened read-only: every transaction READ ONLY (pg_open.c) */
    int savepoints; /* open savepoints, named sp1, sp2, ... */
    /* Organisation name → id (as the SQLite backend's cache); cleared on rollback. */
    struct {
        int64_t id; /* 0: empty slot */
        char name[128];
    } orgs[PG_ORG_CACHE];
    /* The audit chain's end as this transaction locked and last wrote it
     * (pg_staff.c): valid from the first audit_last of a write transaction,
     * which takes the row lock on audit_head, until commit or rollback. */
    bool audit_head_ok;
    int64_t audit_head_seq;
    unsigned char audit_head_hash[RK_HASH_LEN];
    /* This transaction appended audit rows that audit_head does not show yet: pg_commit
     * moves the head (pg_audit_head_flush) just before COMMIT. */
    bool audit_head_dirty;
    /* The queues' claims (pg_queues.c): this handle's random id (pg_open), whether it has
     * claimed anything, and when it last renewed its claims. */
    char me[PG_CLAIMER_LEN + 1];
    bool claimed;
    rk_ts claims_renewed;
};

/* A bump allocator over a record's buffer, for the strings of one read. */
struct pg_strbuf {
    char *p;
    size_t left;
    bool overflow;
};

/* One row of a result, as the row readers and the each-row callbacks see it. */
struct pg_row {
    PGresult *res;
    int i; /* the row number */
};

/*
 * Values by list. A method names its SQL and its values in the order of
 * $1, $2, ...: pg_run(s, SQL, PG_ARGS(PG_TEXT(id), PG_TS(at))). NULL text,
 * 0 instants, dates with y 0 and provenance 0 bind SQL NULL, as on SQLite.
 */
enum pg_kind { PG_K_TEXT, PG_K_TS, PG_K_DATE, PG_K_INT, PG_K_PROV, PG_K_BLOB, PG_K_NULL };
struct pg_arg {
    enum pg_kind kind;
    const char *text;
    rk_ts ts;
    struct rk_date date;
    int64_t i;
    const void *blob;
    int len;
};
#define PG_TEXT(v)                                                                                 \
    { .kind = PG_K_TEXT, .text = (v) }
#define PG_TS(v)                                                                                   \
    { .kind = PG_K_TS, .ts = (v) }
#define PG_DATE(v)                                                                                 \
    { .kind = PG_K_DATE, .date = (v) }
#define PG_INT(v)                                                                                  \
    { .kind = PG_K_INT, .i = (v) }
#define PG_PROV(v)                                                                                 \
    { .kind = PG_K_PROV, .i = (v) }
#define PG_BLOB(v, n)                                                                              \
    { .kind = PG_K_BLOB, .blob = (v), .len = (int)(n) }
#define PG_NULL                                                                                    \
    { .kind = PG_K_NULL }
/* The list and its length, as the helpers take them. */
#define PG_ARGS(...)                                                                               \
    (const struct pg_arg[]){__VA_ARGS__},                                                          \
        sizeof((const struct pg_arg[]){__VA_ARGS__}) / sizeof(struct pg_arg)
/* No values. */
#define PG_NONE NULL, 0

/* The person's key from its public id in parameter $n, as SQLite's PK(n). */
#define PK(n) "(SELECT pk FROM person WHERE id = $" #n ")"

/* ---- pg_stmt.c ---- */
/* Records the failure of res (or of the connection when res is NULL) in the handle's
 * error and returns its code (see the header comment). */
rk_err pg_fail(struct pg_store *s, const PGresult *res);

/* The advisory lock keys (pg_advisory_xact_lock...), fixed: "rk" + what each guards.
 * PG_LOCK_MIGRATE: migrations and restores never interleave (pg_open.c, pg_backup.c).
 * PG_LOCK_KEYGEN: the key generation; shared by every write transaction of a handle that
 * checks one, exclusive by a rotation's (pg_keys.c, store.h key_generation_hold). */
#define PG_LOCK_MIGRATE 0x726b000000000001LL
#define PG_LOCK_KEYGEN  0x726b000000000002LL
rk_err pg_overflow(struct pg_store *s);
/* Runs sql with the n values of a; *out gets the result (PQclear it) when it succeeded. */
rk_err pg_exec(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n,
               PGresult **out);
/* Runs a statement that returns no rows (or whose rows are not read). */
rk_err pg_run(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n);
/* As pg_run; RK_ENOENT when it changed no row. */
rk_err pg_run_one(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n);
/* As pg_run; *changes gets the number of rows it changed. */
rk_err pg_run_count(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n,
                    int64_t *changes);
/* Reads the first row into out with row(r, out) (false: it does not fit); RK_ENOENT for
 * none. */
rk_err pg_row(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n,
              bool (*row)(const struct pg_row *, void *), void *out);
/* A row reader of pg_row: column 0 into the char[RK_ID_LEN + 1] at id. */
bool pg_row_id(const struct pg_row *r, void *id);
/* Reads column 0 of the first row (a count) into *out; a query without a row fails. */
rk_err pg_int(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n, int64_t *out);
/* Calls each(ctx, r) for every row until it returns non-zero (< 0: does not fit, which
 * is reported as pg_overflow). */
rk_err pg_each(struct pg_store *s, const char *sql, const struct pg_arg *a, size_t n,
               int (*each)(void *, const struct pg_row *), void *ctx);
/* Runs a script of several statements without values (migrations, BEGIN, ...). */
rk_err pg_script(struct pg_store *s, const char *sql);

/* Columns of a row: text (NULL for SQL NULL), integers (0 for NULL), instants and dates
 * (0 / {0,0,0} for NULL or unparsable), whether a column is NULL. */
const char *pg_col_text(const struct pg_row *r, int i);
int pg_col_len(const struct pg_row *r, int i);
bool pg_col_null(const struct pg_row *r, int i);
int64_t pg_col_int(const struct pg_row *r, int i);
rk_ts pg_col_ts(const struct pg_row *r, int i);
struct rk_date pg_col_date(const struct pg_row *r, int i);
/* Copies text column i into dst (size n, NUL-terminated); false when it does not fit. */
bool pg_col_copy(const struct pg_row *r, int i, char *dst, size_t n);
/* Decodes bytea column i (hex text) into dst when it is exactly n bytes; false otherwise
 * (NULL, another length). */
bool pg_col_blob(const struct pg_row *r, int i, void *dst, size_t n);
/* Decodes bytea column i into a new malloc'd buffer (*out, *len); false when NULL or out
 * of memory. */
bool pg_col_blob_dup(const struct pg_row *r, int i, unsigned char **out, size_t *len);
/* Keeps a copy of s (len bytes) / of column i in b; NULL for NULL or when it does not fit
 * (then b->overflow). */
const char *pg_keep(struct pg_strbuf *b, const char *s, int len);
const char *pg_keep_col(struct pg_strbuf *b, const struct pg_row *r, int i);

/* ---- pg_open.c ---- */
void pg_close(struct rk_store *base);
rk_err pg_open(const char *location, const struct rk_store_options *opt, struct rk_store **out,
               struct rk_error *e);
rk_err pg_migrate(struct rk_store *base, int *from, int *to);
rk_err pg_begin(struct rk_store *base);
rk_err pg_checkpoint(struct rk_store *base);
rk_err pg_commit(struct rk_store *base);
void pg_rollback(struct rk_store *base);
rk_err pg_savepoint(struct rk_store *base);
rk_err pg_savepoint_end(struct rk_store *base, bool undo);
/* pg_backup.c: backups as a SQLite file, and their return. */
rk_err pg_backup_to(struct rk_store *base, const char *dest, int64_t *pages, int64_t *bytes);
rk_err pg_check_file(const char *location, struct rk_error *e);
rk_err pg_load_from(struct rk_store *base, const char *path);
rk_err pg_remove_side_files(const char *location, struct rk_error *e);

/* ---- pg_persons.c ---- */
/* Reads a row of ENTRY_COLS (pg_persons.c) into the struct rk_entry at entry. */
bool pg_row_to_entry(const struct pg_row *r, void *entry);
rk_err pg_person_insert(struct rk_store *base, const char *id, rk_ts at);
rk_err pg_person_exists(struct rk_store *base, const char *id, bool *restricted, bool *objected);
rk_err pg_provenance_insert(struct rk_store *base, const struct rk_provenance *p, int64_t *id);
rk_err pg_provenance_get(struct rk_store *base, int64_t id, struct rk_provenance *out, char *buf,
                         size_t bufsz);
rk_err pg_entry_put(struct rk_store *base, const struct rk_entry *e);
rk_err pg_entry_get(struct rk_store *base, const char *reg, const char *person,
                    struct rk_entry *out);
rk_err pg_entry_delete(struct rk_store *base, const char *reg, const char *person);
rk_err pg_entries_of_person(struct rk_store *base, const char *person, rk_entry_fn fn, void *ctx);
rk_err pg_find_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       const char *reg, char id[RK_ID_LEN + 1]);
rk_err pg_entries_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                          rk_entry_fn fn, void *ctx);
rk_err pg_read_begin(struct rk_store *base);
rk_err pg_read_end(struct rk_store *base);
rk_err pg_find_by_name(struct rk_store *base, const char *fragment, rk_entry_fn fn, void *ctx);
rk_err pg_search_put(struct rk_store *base, const char *person, const char *register_id,
                     const struct rk_search_word *words, size_t n);
rk_err pg_search_words(struct rk_store *base, const char *prefix, int field,
                       const char *const *also, size_t nalso, const char *after_word,
                       int64_t after_pk, rk_search_row_fn fn, void *ctx);
rk_err pg_search_count(struct rk_store *base, const char *prefix, int field, int64_t cap,
                       int64_t *out);
rk_err pg_search_people(struct rk_store *base, rk_ts since, rk_ts before, int64_t before_pk,
                        rk_search_row_fn fn, void *ctx);
rk_err pg_search_built(struct rk_store *base, bool *out);
rk_err pg_search_built_set(struct rk_store *base);
rk_err pg_entries_all(struct rk_store *base, rk_entry_fn fn, void *ctx);
rk_err pg_register_counts(struct rk_store *base, rk_counter_fn fn, void *ctx);
rk_err pg_purpose_counts(struct rk_store *base, rk_counter_fn fn, void *ctx);
rk_err pg_consent_weeks(struct rk_store *base, const char *from, rk_counter_fn fn, void *ctx);
rk_err pg_console_mark_get(struct rk_store *base, const char *what, struct rk_console_mark *out);
rk_err pg_console_mark_set(struct rk_store *base, const char *what,
                           const struct rk_console_mark *m);
rk_err pg_audience(struct rk_store *base, const char *reg, const char *purpose,
                   enum rk_audience_rule rule, rk_ts now, rk_entry_fn fn, void *ctx);
rk_err pg_audience_all(struct rk_store *base, const char *purpose, enum rk_audience_rule rule,
                       rk_ts now, rk_entry_fn fn, void *ctx);

/* ---- pg_consent.c ---- */
/* The consent states as stored, in the order of enum rk_consent_status. */
extern const char *const pg_consent_states[RK_CONSENT_EXPIRED + 1];
/* Reads the five columns state, since, expires_at, renewal_pending, last_seq from column i
 * on; false when the state is not one of pg_consent_states. */
bool pg_row_to_consent_state(const struct pg_row *r, int i, struct rk_consent_state *out);
rk_err pg_consent_append(struct rk_store *base, struct rk_consent_event *e);
rk_err pg_consent_events(struct rk_store *base, const char *person, rk_consent_fn fn, void *ctx);
rk_err pg_consent_state_get(struct rk_store *base, const char *person, const char *purpose,
                            struct rk_consent_state *out);
rk_err pg_consent_state_put(struct rk_store *base, const char *person, const char *purpose,
                            const struct rk_consent_state *stt);
rk_err pg_consent_version_put(struct rk_store *base, const char *version, const char *config,
                              rk_ts at);
rk_err pg_consent_version_get(struct rk_store *base, const char *version, rk_consent_version_fn fn,
                              void *ctx);
rk_err pg_consent_log_add(struct rk_store *base, const struct rk_cookie_choice *c);
rk_err pg_consent_log_get(struct rk_store *base, const char *consent_id, rk_cookie_choice_fn fn,
                          void *ctx);
rk_err pg_consent_log_counts(struct rk_store *base, rk_ts from, rk_ts to,
                             int64_t counts[RK_COOKIE__COUNT]);

/* ---- pg_records.c ---- */
/* A contract from the columns id, person id, register, service, start_date, end_date,
 * status, created_at, created_by (a row reader of pg_row). */
bool pg_row_to_contract(const struct pg_row *r, void *contract);
/* The state of the contract listings: pg_each_contract calls fn for each row. */
struct pg_contract_iter {
    rk_contract_fn fn;
    void *ctx;
    struct rk_contract c;
};
int pg_each_contract(void *iter, const struct pg_row *r);
rk_err pg_contract_insert(struct rk_store *base, const struct rk_contract *c);
rk_err pg_contract_get(struct rk_store *base, const char *id, struct rk_contract *out);
rk_err pg_contract_update(struct rk_store *base, const struct rk_contract *c);
rk_err pg_contract_change_append(struct rk_store *base, const char *contract, rk_ts at,
                                 const char *by, const char *field, const char *old_value,
                                 const char *new_value);
rk_err pg_contracts_of_person(struct rk_store *base, const char *person, rk_contract_fn fn,
                              void *ctx);
rk_err pg_invoice_insert(struct rk_store *base, const struct rk_invoice *i);
rk_err pg_invoices_of_person(struct rk_store *base, const char *person, rk_invoice_fn fn,
                             void *ctx);
rk_err pg_suppress_add(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       enum rk_field kind, enum rk_suppress_reason reason, rk_ts at);
rk_err pg_suppressed(struct rk_store *base, const unsigned char hash[RK_HASH_LEN], bool *out);
rk_err pg_task_insert(struct rk_store *base, const struct rk_task *t);
rk_err pg_tasks_count(struct rk_store *base, const char *kind, int64_t *out);
rk_err pg_contract_changes(struct rk_store *base, const char *contract, rk_change_fn fn, void *ctx);
rk_err pg_tasks_of_person(struct rk_store *base, const char *person, rk_task_fn fn, void *ctx);
rk_err pg_signup_put(struct rk_store *base, const struct rk_signup *u);
rk_err pg_signup_get(struct rk_store *base, const char *person_id, const char *purpose,
                     struct rk_signup *out);
rk_err pg_signup_delete(struct rk_store *base, const char *person_id, const char *purpose);
rk_err pg_signup_by_hash(struct rk_store *base, const unsigned char h[RK_HASH_LEN],
                         char person_id[RK_ID_LEN + 1]);

/* ---- pg_staff.c ---- */
rk_err pg_audit_last(struct rk_store *base, int64_t *seq, unsigned char hash[RK_HASH_LEN]);
rk_err pg_audit_insert(struct rk_store *base, const struct rk_audit_event *e);
/* Moves audit_head to the last row this transaction appended, when it appended any; run by
 * pg_commit just before COMMIT (pg_staff.c says why the head waits for it). */
rk_err pg_audit_head_flush(struct pg_store *s);
rk_err pg_audit_scan(struct rk_store *base, int64_t from, const char *person_id, rk_audit_fn fn,
                     void *ctx);
rk_err pg_token_insert(struct rk_store *base, const struct rk_token *t,
                       const unsigned char hash[RK_HASH_LEN]);
rk_err pg_token_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                        struct rk_token *out);
rk_err pg_token_revoke(struct rk_store *base, const char *name, rk_ts at);
rk_err pg_tokens_list(struct rk_store *base, rk_token_fn fn, void *ctx);
rk_err pg_staff_insert(struct rk_store *base, const struct rk_staff *a);
rk_err pg_staff_get(struct rk_store *base, const char *key, bool by_email, struct rk_staff *out);
rk_err pg_staff_update(struct rk_store *base, const struct rk_staff *a);
rk_err pg_staff_list(struct rk_store *base, rk_staff_fn fn, void *ctx);
rk_err pg_staff_setup_put(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                          const char *staff_id, rk_ts expires);
rk_err pg_staff_setup_get(struct rk_store *base, const unsigned char hash[RK_HASH_LEN], rk_ts now,
                          char staff_id[RK_ID_LEN + 1]);
rk_err pg_staff_setup_clear(struct rk_store *base, const char *staff_id);
rk_err pg_staff_session_put(struct rk_store *base, const struct rk_staff_session *x);
rk_err pg_staff_session_get(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                            struct rk_staff_session *out);
rk_err pg_staff_session_touch(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                              rk_ts at);
rk_err pg_staff_session_delete(struct rk_store *base, const unsigned char hash[RK_HASH_LEN]);
rk_err pg_staff_sessions_clear(struct rk_store *base, const char *staff_id, int64_t *n);
rk_err pg_staff_throttle_get(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                             int64_t *failures, rk_ts *locked_until);
rk_err pg_staff_throttle_fail(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                              rk_ts now, rk_ts prune_before, int64_t *failures);
rk_err pg_staff_throttle_lock(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                              rk_ts until);
rk_err pg_staff_throttle_clear(struct rk_store *base, const unsigned char key[RK_HASH_LEN]);
rk_err pg_staff_signin_add(struct rk_store *base, const char *staff_id,
                           const struct rk_staff_signin *e);
rk_err pg_staff_signins(struct rk_store *base, const char *staff_id, int limit,
                        rk_staff_signin_fn fn, void *ctx);

/* ---- pg_queues.c ---- */
rk_err pg_outbox_enqueue(struct rk_store *base, const struct rk_outbox_msg *m, int64_t *id);
rk_err pg_outbox_due(struct rk_store *base, rk_ts now, int limit, rk_outbox_fn fn, void *ctx);
rk_err pg_outbox_mark_sent(struct rk_store *base, int64_t id, rk_ts at);
rk_err pg_outbox_mark_retry(struct rk_store *base, int64_t id, rk_ts next, const char *error);
rk_err pg_outbox_mark_failed(struct rk_store *base, int64_t id, rk_ts at, const char *error);
rk_err pg_outbox_count(struct rk_store *base, enum rk_outbox_state state, int64_t *out);
rk_err pg_outbox_failed(struct rk_store *base, int limit, rk_outbox_failure_fn fn, void *ctx);
rk_err pg_outbox_requeue(struct rk_store *base, int64_t id, rk_ts now);
rk_err pg_audience_rows(struct rk_store *base, const char *register_id, const char *purpose,
                        rk_audience_row_fn fn, void *ctx);
rk_err pg_contact_rows(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       const char *purpose, bool *suppressed, rk_contact_row_fn fn, void *ctx);
rk_err pg_recipient_notice_add(struct rk_store *base, struct rk_recipient_notice *n);
rk_err pg_recipient_notice_due(struct rk_store *base, rk_ts now, int limit, rk_notice_fn fn,
                               void *ctx);
rk_err pg_recipient_notice_mark_done(struct rk_store *base, int64_t id, rk_ts at);
rk_err pg_recipient_notice_mark_pending(struct rk_store *base, int64_t id, const char *remote_id,
                                        rk_ts next);
rk_err pg_recipient_notice_mark_wait(struct rk_store *base, int64_t id, rk_ts next,
                                     const char *error);
rk_err pg_recipient_notice_mark_retry(struct rk_store *base, int64_t id, rk_ts next,
                                      const char *error);
rk_err pg_recipient_notice_mark_final(struct rk_store *base, int64_t id, enum rk_notice_state state,
                                      rk_ts at, const char *error);
rk_err pg_recipient_notice_count(struct rk_store *base, enum rk_notice_state state, int64_t *out);
rk_err pg_recipient_notice_list(struct rk_store *base, enum rk_notice_state state, int limit,
                                rk_notice_fn fn, void *ctx);
rk_err pg_recipient_notice_get(struct rk_store *base, int64_t id, rk_notice_fn fn, void *ctx);
rk_err pg_recipient_notice_requeue(struct rk_store *base, int64_t id, rk_ts now);
rk_err pg_mail_limit_count(struct rk_store *base, const unsigned char recipient[RK_HASH_LEN],
                           rk_ts since, int64_t *n, rk_ts *last);
rk_err pg_mail_limit_add(struct rk_store *base, const unsigned char recipient[RK_HASH_LEN],
                         rk_ts at, rk_ts prune_before);
/* Gives up what this handle still claims in the queues (pg_close; errors are ignored: the
 * claims then run out). */
void pg_claims_release(struct pg_store *s);
rk_err pg_lease_take(struct rk_store *base, const char *name, const char *holder, rk_ts now,
                     rk_ts until, bool *got);
rk_err pg_lease_drop(struct rk_store *base, const char *name, const char *holder);

/* ---- pg_erasure.c ---- */
rk_err pg_person_flags_set(struct rk_store *base, const char *id, bool restricted, bool objected);
rk_err pg_person_delete(struct rk_store *base, const char *id);
rk_err pg_entries_delete_person(struct rk_store *base, const char *person, int64_t *n);
rk_err pg_provenance_delete_unused(struct rk_store *base, int64_t id, bool *deleted);
rk_err pg_organisation_delete_unused(struct rk_store *base, const char *name, bool *deleted);
rk_err pg_consent_delete(struct rk_store *base, const char *person, const char *purpose,
                         int64_t *n);
rk_err pg_contract_delete(struct rk_store *base, const char *id);
rk_err pg_contract_restrict(struct rk_store *base, const char *id);
rk_err pg_invoice_delete(struct rk_store *base, const char *id);
rk_err pg_invoice_restrict(struct rk_store *base, const char *id);
rk_err pg_signups_delete_person(struct rk_store *base, const char *person, int64_t *n);
rk_err pg_outbox_delete_person(struct rk_store *base, const char *person, int64_t *n);
rk_err pg_tasks_delete_person(struct rk_store *base, const char *person, int64_t *n);
rk_err pg_tasks_list(struct rk_store *base, const char *kind, bool open_only, rk_task_fn fn,
                     void *ctx);
rk_err pg_task_done(struct rk_store *base, const char *id, rk_ts at);
rk_err pg_journal_mark(struct rk_store *base, const char *id, rk_ts at);
rk_err pg_journal_has(struct rk_store *base, const char *id, bool *out);
rk_err pg_journal_ids(struct rk_store *base, rk_journal_id_fn fn, void *ctx);
rk_err pg_suppress_add_gen(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                           enum rk_field kind, enum rk_suppress_reason reason, rk_ts at,
                           uint32_t gen);
rk_err pg_lookup_values(struct rk_store *base, rk_lookup_value_fn fn, void *ctx);
rk_err pg_entry_leave(struct rk_store *base, const char *reg, const char *person, bool *left);

/* ---- pg_requests.c ---- */
rk_err pg_request_insert(struct rk_store *base, const struct rk_request *q);
rk_err pg_request_update(struct rk_store *base, const struct rk_request *q);
rk_err pg_answer_insert(struct rk_store *base, const struct rk_answer_row *a);
rk_err pg_answer_update(struct rk_store *base, const struct rk_answer_row *a);
rk_err pg_answer_file_put(struct rk_store *base, const char *request_id, const char *name,
                          const unsigned char *sealed, size_t len);
rk_err pg_answer_get(struct rk_store *base, const char *request_id, struct rk_answer_row *out);
rk_err pg_answer_file_get(struct rk_store *base, const char *request_id, const char *name,
                          unsigned char **out, size_t *len);
rk_err pg_answer_delete_person(struct rk_store *base, const char *person_id, int64_t *n);
rk_err pg_request_redact(struct rk_store *base, const char *id);
rk_err pg_request_get(struct rk_store *base, const char *id, struct rk_request *out);
rk_err pg_requests_list(struct rk_store *base, const struct rk_request_filter *f, rk_request_fn fn,
                        void *ctx);
rk_err pg_requests_of_person(struct rk_store *base, const char *person_id, rk_request_fn fn,
                             void *ctx);
rk_err pg_requests_overdue(struct rk_store *base, struct rk_date today, int64_t *out);
rk_err pg_requests_open_of_person(struct rk_store *base, const char *person_id, int64_t *out);

/* ---- pg_retention.c ---- */
rk_err pg_consents_run_out(struct rk_store *base, rk_ts now, int limit, rk_person_purpose_fn fn,
                           void *ctx);
rk_err pg_signups_run_out(struct rk_store *base, rk_ts now, int limit, rk_person_purpose_fn fn,
                          void *ctx);
rk_err pg_retention_entries(struct rk_store *base, const char *register_id, int64_t after,
                            int limit, rk_retention_fn fn, void *ctx);
rk_err pg_kept_invoices_run_out(struct rk_store *base, struct rk_date today, int limit,
                                rk_person_purpose_fn fn, void *ctx);
rk_err pg_kept_contracts(struct rk_store *base, const char *after, int limit, rk_contract_fn fn,
                         void *ctx);
rk_err pg_outbox_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run, int64_t *n);
rk_err pg_answer_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run, int64_t *n);
rk_err pg_recipient_notice_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                                 int64_t *n);
rk_err pg_consents_expire(struct rk_store *base, rk_ts now, int limit, const struct rk_expiry *x,
                          rk_consent_state_fn fn, void *ctx, int64_t *n);
rk_err pg_consent_log_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                            int64_t *n);
rk_err pg_consents_run_out_states(struct rk_store *base, rk_ts now, int limit,
                                  rk_consent_state_fn fn, void *ctx);
rk_err pg_census(struct rk_store *base, const char *person_id, struct rk_census *out);

/* ---- pg_disclosure.c ---- */
rk_err pg_disclosure_get(struct rk_store *base, const char *recipient, const char *person_id,
                         rk_disclosure_fn fn, void *ctx);
rk_err pg_disclosure_each(struct rk_store *base, const char *recipient, rk_disclosure_fn fn,
                          void *ctx);
rk_err pg_disclosures_of_person(struct rk_store *base, const char *person_id, rk_disclosure_fn fn,
                                void *ctx);
rk_err pg_disclosure_put(struct rk_store *base, const struct rk_disclosure *d);
rk_err pg_disclosure_fail(struct rk_store *base, const char *recipient, const char *person_id,
                          const char *error, rk_ts at);
rk_err pg_disclosure_event_add(struct rk_store *base, const char *person_id, const char *recipient,
                               const char *action, const char *categories, rk_ts at);
rk_err pg_disclosure_events_of_person(struct rk_store *base, const char *person_id,
                                      rk_disclosure_event_fn fn, void *ctx);
rk_err pg_recipient_sync_get(struct rk_store *base, const char *recipient, rk_recipient_sync_fn fn,
                             void *ctx);
rk_err pg_recipient_sync_put(struct rk_store *base, const struct rk_recipient_sync *rs);

/* ---- pg_keys.c ---- */
rk_err pg_key_state_get(struct rk_store *base, uint32_t *gen,
                        char fingerprint[RK_FINGERPRINT_LEN + 1]);
rk_err pg_key_state_set(struct rk_store *base, uint32_t gen, const char *fingerprint);
rk_err pg_key_generation_hold(struct rk_store *base, bool exclusive, uint32_t *gen);
rk_err pg_key_rehash(struct rk_store *base, uint32_t gen, rk_rehash_fn fn, void *ctx,
                     struct rk_rehash_counts *out);
rk_err pg_tokens_revoke_all(struct rk_store *base, rk_ts at, int64_t *n);
rk_err pg_suppression_generations(struct rk_store *base, rk_gen_count_fn fn, void *ctx);
rk_err pg_sealed_set(struct rk_store *base, enum rk_sealed_table table, int64_t id,
                     const unsigned char *sealed, size_t len);
rk_err pg_sealed_list(struct rk_store *base, enum rk_sealed_table table, int64_t after,
                      bool plain_only, int limit, rk_sealed_fn fn, void *ctx);

/* ---- pg_ops.c ---- */
/* The refusal of a method not ported yet: RK_EINVAL naming it. */
rk_err pg_unbuilt(struct rk_store *base, const char *what);

#endif
