/*
 * sqlite.h — private to the SQLite backend (src/store/sqlite/): the handle,
 * the statement ids of the statement table (sqlite_sql.c), the statement
 * helpers (sqlite_stmt.c) and the methods each file of the backend defines,
 * which sqlite_ops.c gathers into the one method table, rk_store_sqlite_ops.
 * Nothing outside src/store/sqlite/ includes it.
 *
 * The files, by concern: sqlite_open.c (open, migrate, transactions,
 * savepoints, checkpoint, backup, file checks), sqlite_persons.c (persons,
 * provenance, entries, search, counts), sqlite_consent.c (the consent ledger
 * and the cookie-consent log), sqlite_records.c (contracts, invoices,
 * suppression, tasks, signups), sqlite_staff.c (audit chain, tokens, staff
 * accounts), sqlite_queues.c (outbox, art 19 notices, the mail limit),
 * sqlite_requests.c (data-subject requests and answers), sqlite_erasure.c
 * (the deletes of erasure, the erasure journal), sqlite_retention.c (what ran
 * out, purges, the census), sqlite_keys.c (key rotation, sealed values),
 * sqlite_disclosure.c (what recipients hold: disclosures and sync passes).
 */
#ifndef RK_STORE_SQLITE_H
#define RK_STORE_SQLITE_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* The statements, by id; their SQL text is sq_sql[id] (sqlite_sql.c). */
enum stmt {
    S_PERSON_INSERT,
    S_PERSON_EXISTS,
    S_PERSON_PK,
    S_PROV_INSERT,
    S_PROV_GET,
    S_ORG_INSERT,
    S_ORG_GET,
    S_ORG_CHECK,
    S_ENTRY_GET,
    S_ENTRY_PUT,
    S_ENTRY_DELETE,
    S_ENTRIES_OF_PERSON,
    S_FIND_HASH,
    S_FIND_HASH_REG,
    S_FIND_NAME,
    /* ---- People search and overview (migration 0016) ---- */
    S_SEARCH_DELETE,
    S_SEARCH_INSERT,
    S_SEARCH_WORDS,
    S_SEARCH_COUNT,
    S_SEARCH_PEOPLE,
    S_SEARCH_BUILT,
    S_SEARCH_BUILT_SET,
    S_ENTRIES_ALL,
    S_REGISTER_COUNTS,
    S_PURPOSE_COUNTS,
    S_CONSENT_WEEKS,
    S_MARK_GET,
    S_MARK_SET,
    S_REQUESTS_OF_PERSON,
    S_ENTRIES_BY_HASH,
    S_ENTRIES_BY_PHONE_HASH,
    S_CONSENT_APPEND,
    S_CONSENT_EVENTS,
    S_CONSENT_STATE_GET,
    S_CONSENT_STATE_PUT,
    S_CONTRACT_INSERT,
    S_CONTRACT_GET,
    S_CONTRACT_UPDATE,
    S_CONTRACT_CHANGE,
    S_CONTRACTS_OF_PERSON,
    S_INVOICE_INSERT,
    S_INVOICES_OF_PERSON,
    S_SUPPRESS_ADD,
    S_SUPPRESSED,
    S_TASK_INSERT,
    S_TASKS_COUNT,
    S_CONTRACT_CHANGES,
    S_TASKS_OF_PERSON,
    S_NOTICE_ADD,
    S_SIGNUP_PUT,
    S_SIGNUP_GET,
    S_SIGNUP_DELETE,
    S_SIGNUP_BY_HASH,
    S_AUDIT_LAST,
    S_AUDIT_INSERT,
    S_AUDIT_SCAN,
    S_AUDIT_SCAN_PERSON,
    S_TOKEN_INSERT,
    S_TOKEN_BY_HASH,
    S_TOKEN_REVOKE,
    S_TOKENS_LIST,
    S_STAFF_INSERT,
    S_STAFF_BY_ID,
    S_STAFF_BY_EMAIL,
    S_STAFF_UPDATE,
    S_STAFF_LIST,
    S_STAFF_SETUP_PUT,
    S_STAFF_SETUP_GET,
    S_STAFF_SETUP_CLEAR,
    S_STAFF_SESSIONS_PRUNE,
    S_STAFF_SESSION_PUT,
    S_STAFF_SESSION_GET,
    S_STAFF_SESSION_TOUCH,
    S_STAFF_SESSION_DELETE,
    S_STAFF_SESSIONS_CLEAR,
    S_STAFF_SESSIONS_CLEAR_ALL,
    S_STAFF_THROTTLE_GET,
    S_STAFF_THROTTLE_FAIL,
    S_STAFF_THROTTLE_PRUNE,
    S_STAFF_THROTTLE_LOCK,
    S_STAFF_THROTTLE_CLEAR,
    S_STAFF_SIGNIN_ADD,
    S_STAFF_SIGNINS,
    S_CONSENT_VERSION_PUT,
    S_CONSENT_VERSION_GET,
    S_CONSENT_LOG_ADD,
    S_CONSENT_LOG_GET,
    S_CONSENT_LOG_PURGE,
    S_CONSENT_LOG_PURGE_COUNT,
    S_CONSENT_LOG_COUNTS,
    S_AUDIENCE_CONSENT,
    S_AUDIENCE_CONTRACT,
    S_AUDIENCE_ANY,
    S_AUDIENCE_ALL_ENTRIES,
    S_AUDIENCE_ALL_CONTRACT,
    S_AUDIENCE_ALL_PERSONS,
    S_AUDIENCE_ALL_CONSENTS,
    S_AUDIENCE_ALL_ENTRIES_UNSUPPRESSED,
    S_AUDIENCE_ALL_CONTRACT_UNSUPPRESSED,
    S_AUDIENCE_SUPPRESSED,
    S_OUTBOX_ENQUEUE,
    S_OUTBOX_DUE,
    S_OUTBOX_SENT,
    S_OUTBOX_RETRY,
    S_OUTBOX_FAILED,
    S_OUTBOX_COUNT,
    S_OUTBOX_LIST_FAILED,
    S_OUTBOX_REQUEUE,
    S_OUTBOX_FAILED_STATE,
    S_NOTICE_GET,
    S_NOTICE_REQUEUE,
    S_AUDIENCE_ROWS,
    S_CONTACT_ROWS,
    S_READ_BEGIN,
    S_READ_END,
    /* Data-subject rights (migration 0008) */
    S_PERSON_FLAGS,
    S_PERSON_DELETE,
    S_ENTRIES_DELETE_PERSON,
    S_PROV_DELETE_UNUSED,
    S_ORG_DELETE_UNUSED,
    S_CONSENT_EVENTS_DELETE,
    S_CONSENT_STATES_DELETE,
    S_CONTRACT_DELETE,
    S_CONTRACT_RESTRICT,
    S_INVOICE_DELETE,
    S_INVOICE_RESTRICT,
    S_SIGNUPS_DELETE_PERSON,
    S_OUTBOX_DELETE_PERSON,
    S_TASKS_DELETE_PERSON,
    S_TASKS_LIST,
    S_TASK_DONE,
    S_REQUEST_INSERT,
    S_REQUEST_GET,
    S_REQUEST_UPDATE,
    S_ANSWER_INSERT,
    S_ANSWER_FILE_PUT,
    S_ANSWER_GET,
    S_ANSWER_UPDATE,
    S_ANSWER_FILE_GET,
    S_ANSWER_PURGE,
    S_ANSWER_PURGE_COUNT,
    S_ANSWER_DELETE_PERSON,
    S_REQUEST_REDACT,
    S_REQUESTS_LIST,
    S_REQUESTS_OVERDUE,
    S_REQUESTS_OPEN_OF_PERSON,
    S_NOTICE_DUE,
    S_NOTICE_DONE,
    S_NOTICE_PENDING,
    S_NOTICE_RETRY,
    S_NOTICE_WAIT,
    S_NOTICE_FINAL,
    S_NOTICE_COUNT,
    S_NOTICE_LIST,
    S_NOTICE_LIST_ALL,
    S_CONSENTS_RUN_OUT,
    /* ---- Consent expiry in bulk (sweepbench) ---- */
    S_CONSENTS_RUN_OUT_STATES,
    S_ENTRY_LEAVE,
    S_ORG_DELETE_UNUSED_ID,
    S_SIGNUPS_RUN_OUT,
    /* ---- Key rotation (keyrotate) ---- */
    S_KEY_STATE_GET,
    S_KEY_STATE_SET,
    S_REHASH_ENTRIES,
    S_REHASH_ENTRY_SET,
    S_REHASH_SIGNUPS,
    S_REHASH_SIGNUP_SET,
    S_REHASH_SUPPRESSION,
    S_TOKENS_REVOKE_ALL,
    S_SUPPRESSION_GENS,
    /* ---- Retention rules (retention) ---- */
    S_RETENTION_ENTRIES,
    S_KEPT_INVOICES_RUN_OUT,
    S_KEPT_CONTRACTS,
    S_OUTBOX_PURGE,
    S_OUTBOX_PURGE_COUNT,
    S_NOTICE_PURGE,
    S_NOTICE_PURGE_COUNT,
    /* consents_expire (issue 18): set-based through temp tables (sqlite_retention.c) */
    S_EXPIRE_PURPOSE,
    S_EXPIRE_PICK,
    S_EXPIRE_SEQ,
    S_EXPIRE_EVENTS,
    S_EXPIRE_SEQS,
    S_EXPIRE_CHECK,
    S_EXPIRE_STATES,
    S_EXPIRE_LEAVERS,
    S_EXPIRE_PROVS,
    S_EXPIRE_ORGS,
    S_EXPIRE_ENTRIES,
    S_EXPIRE_PROV_DROP,
    S_EXPIRE_ORG_DROP,
    S_EXPIRE_LIST,
    /* ---- erasure journal (journal) ---- */
    S_JOURNAL_MARK,
    S_JOURNAL_HAS,
    S_JOURNAL_IDS,
    /* ---- erasure journal across key rotations (journalgen) ---- */
    S_SUPPRESS_ADD_GEN,
    S_LOOKUP_VALUES,
    /* ---- the mail limit (mail_limit) ---- */
    S_MAIL_LIMIT_COUNT,
    S_MAIL_LIMIT_ADD,
    S_MAIL_LIMIT_PRUNE,
    S_SAVEPOINT,
    S_SAVEPOINT_UNDO,
    S_SAVEPOINT_RELEASE,
    /* ---- Sealed values (migration 0014) ---- */
    S_SEALED_SET_NOTICE,
    S_SEALED_SET_OUTBOX,
    S_SEALED_LIST_NOTICE,
    S_SEALED_LIST_OUTBOX,
    /* ---- Disclosures (migration 0019) ---- */
    S_DISCLOSURE_GET,
    S_DISCLOSURE_EACH,
    S_DISCLOSURES_OF_PERSON,
    S_DISCLOSURE_PUT,
    S_DISCLOSURE_FAIL,
    S_DISCLOSURE_EVENT_ADD,
    S_DISCLOSURE_EVENTS_OF_PERSON,
    S_RECIPIENT_SYNC_GET,
    S_RECIPIENT_SYNC_PUT,
    S_SEALED_SET_DISCLOSURE,
    S_SEALED_LIST_DISCLOSURE,
    /* ---- The census ---- */
    S_CENSUS_ALL,
    S_CENSUS_PERSON,
    /* ---- Leases (migration 0020) ---- */
    S_LEASE_TAKE,
    S_LEASE_DROP,
    S__COUNT
};

#define ORG_CACHE 256
#define PK_CACHE  64

struct sqlite_store {
    struct rk_store base; /* first: the handle callers hold */
    sqlite3 *db;
    sqlite3_stmt *stmts[S__COUNT];
    bool in_tx;
    /* Organisation name → id, so that an import of many people of the same
     * organisations does not look each up again. Only a hint: a hit is checked
     * against the row (S_ORG_CHECK, one probe by the integer key), because another
     * connection may delete an organisation left unused (an erasure, the sweep) and
     * a new one may take its id. Cleared on rollback, which may undo the insertion
     * of a cached organisation, and on this connection's own deletes. */
    struct {
        int64_t id; /* 0: empty slot */
        char name[128];
    } orgs[ORG_CACHE];
    /* ---- Consent expiry in bulk (sweepbench) ----
     * The audit row this transaction appended last, so that a batch appending many rows
     * does not read the chain's end back each time. Valid only inside the write transaction
     * that appended it (no other connection can append meanwhile); forgotten at every
     * begin, commit and rollback. */
    bool audit_head_ok;
    int64_t audit_head_seq;
    unsigned char audit_head_hash[RK_HASH_LEN];
    /* ---- The person's internal key (issue 18) ----
     * Public id -> person.pk of the persons this connection wrote lately, so that the
     * statements of one write (entry, search words, consent event and state) do not each
     * probe the random-order index on person.id. Only a hint, never trusted: a statement
     * taking it (PKH in sqlite_sql.c) checks it against the row, "pk = hint AND id = the
     * id" (one probe of the table by its integer key), and probes the id index as before
     * when that finds nothing. So the rule for clearing it is that none is needed for
     * correctness: a stale slot (the person erased, restored, an insert rolled back, another
     * connection's delete) costs the probe it would have cost anyway, never a wrong row.
     * Filled by person_insert and by a lookup on a miss (sq_pk_hint); cleared on rollback
     * and savepoint undo only so that undone inserts do not keep slots. */
    struct {
        int64_t pk; /* 0: empty slot */
        char id[RK_ID_LEN + 1];
    } pks[PK_CACHE];
    /* The person person_insert added last, inside the current write transaction, for whom
     * no search words have been written since: search_put then skips the delete of the
     * words (there are none: words are written only by search_put, and a deleted person's
     * words went with it). Exact, not a hint: set only inside a write transaction (no other
     * connection writes meanwhile), forgotten at begin, commit, rollback, savepoint undo
     * and by the first search_put for that person. fresh_pk 0: none. */
    int64_t fresh_pk;
    char fresh_id[RK_ID_LEN + 1];
};

/* The SQL text of every statement, indexed by enum stmt. */
extern const char *const sq_sql[S__COUNT];
/* The consent states as stored: "none", "pending", "live", "withdrawn", "expired". */
extern const char *const sq_consent_states[RK_CONSENT_EXPIRED + 1];

/* A bump allocator over a record's buffer, for the strings of one read. */
struct strbuf {
    char *p;
    size_t left;
    bool overflow;
};

/* The state of the contract listings (sq_each_contract). */
struct contract_iter {
    rk_contract_fn fn;
    void *ctx;
    struct rk_contract c;
};

/* ---- sqlite_stmt.c ---- */
rk_err sq_fail(struct sqlite_store *s, int rc);
rk_err sq_overflow(struct sqlite_store *s);
rk_err sq_prepare(struct sqlite_store *s, enum stmt i, sqlite3_stmt **out);
void sq_done(sqlite3_stmt *st);
void sq_bind_text(sqlite3_stmt *st, int i, const char *v);
void sq_bind_ts(sqlite3_stmt *st, int i, rk_ts t);
void sq_bind_date(sqlite3_stmt *st, int i, struct rk_date d);
void sq_bind_prov(sqlite3_stmt *st, int i, int64_t id);
const char *sq_col_text(sqlite3_stmt *st, int i);
rk_ts sq_col_ts(sqlite3_stmt *st, int i);
struct rk_date sq_col_date(sqlite3_stmt *st, int i);
bool sq_col_copy(sqlite3_stmt *st, int i, char *dst, size_t n);
const char *sq_keep(struct strbuf *b, const char *s, int len);
const char *sq_keep_col(struct strbuf *b, sqlite3_stmt *st, int i);
bool sq_row_to_entry(sqlite3_stmt *st, void *entry);
rk_err sq_step_done(struct sqlite_store *s, sqlite3_stmt *st);
rk_err sq_step_rows(struct sqlite_store *s, sqlite3_stmt *st, int (*each)(void *, sqlite3_stmt *),
                    void *ctx);

/*
 * Statements by list. A method names its statement and its values in the order of
 * ?1, ?2, ...: sq_run(s, S_X, SQ_ARGS(SQ_TEXT(id), SQ_TS(at))). The helpers prepare
 * (once, cached on the handle), bind, step and reset; the values are borrowed for the
 * call. NULL text, 0 instants, dates with y 0 and provenance 0 bind SQL NULL.
 */
enum sq_kind { SQ_K_TEXT, SQ_K_TS, SQ_K_DATE, SQ_K_INT, SQ_K_PROV, SQ_K_BLOB, SQ_K_NULL };
struct sq_arg {
    enum sq_kind kind;
    const char *text;
    rk_ts ts;
    struct rk_date date;
    int64_t i;
    const void *blob;
    int len;
};
#define SQ_TEXT(v)                                                                                 \
    { .kind = SQ_K_TEXT, .text = (v) }
#define SQ_TS(v)                                                                                   \
    { .kind = SQ_K_TS, .ts = (v) }
#define SQ_DATE(v)                                                                                 \
    { .kind = SQ_K_DATE, .date = (v) }
#define SQ_INT(v)                                                                                  \
    { .kind = SQ_K_INT, .i = (v) }
#define SQ_PROV(v)                                                                                 \
    { .kind = SQ_K_PROV, .i = (v) }
#define SQ_BLOB(v, n)                                                                              \
    { .kind = SQ_K_BLOB, .blob = (v), .len = (int)(n) }
#define SQ_NULL                                                                                    \
    { .kind = SQ_K_NULL }
/* The list and its length, as the helpers take them. */
#define SQ_ARGS(...)                                                                               \
    (const struct sq_arg[]){__VA_ARGS__},                                                          \
        sizeof((const struct sq_arg[]){__VA_ARGS__}) / sizeof(struct sq_arg)

/* Prepares statement i and binds the n values of a. */
rk_err sq_bound(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n,
                sqlite3_stmt **out);
/* Runs a statement that returns no rows. */
rk_err sq_run(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n);
/* As sq_run; RK_ENOENT when it changed no row. */
rk_err sq_run_one(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n);
/* As sq_run; *changes gets the number of rows it changed. */
rk_err sq_run_count(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n,
                    int64_t *changes);
/* Reads the first row into out with row(st, out) (false: it does not fit); RK_ENOENT
 * for none. */
rk_err sq_row(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n,
              bool (*row)(sqlite3_stmt *, void *), void *out);
/* A row reader of sq_row: column 0 into the char[RK_ID_LEN + 1] at id. */
bool sq_row_id(sqlite3_stmt *st, void *id);
/* Reads column 0 of the first row (a count) into *out; a query without a row fails. */
rk_err sq_int(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n, int64_t *out);
/* Calls each(ctx, st) for every row until it returns non-zero (< 0: does not fit). */
rk_err sq_each(struct sqlite_store *s, enum stmt i, const struct sq_arg *a, size_t n,
               int (*each)(void *, sqlite3_stmt *), void *ctx);

/* ---- sqlite_open.c ---- */
void sq_close(struct rk_store *base);
rk_err sq_open(const char *location, const struct rk_store_options *opt, struct rk_store **out,
               struct rk_error *e);
rk_err sq_migrate(struct rk_store *base, int *from, int *to);
rk_err sq_begin(struct rk_store *base);
rk_err sq_checkpoint(struct rk_store *base);
rk_err sq_commit(struct rk_store *base);
void sq_rollback(struct rk_store *base);
rk_err sq_savepoint(struct rk_store *base);
rk_err sq_savepoint_end(struct rk_store *base, bool undo);
rk_err sq_backup_to(struct rk_store *base, const char *dest, int64_t *pages, int64_t *bytes);
rk_err sq_check_file(const char *path, struct rk_error *e);
rk_err sq_remove_side_files(const char *path, struct rk_error *e);
rk_err sq_load_from(struct rk_store *base, const char *path);

/* ---- sqlite_persons.c ---- */
/* The hint for person id's internal key (0: none known, or no such person); looks it up and
 * keeps it on a miss. Bind it where a statement's PKH takes it (sq_bind_pk). */
int64_t sq_pk_hint(struct sqlite_store *s, const char *id);
void sq_bind_pk(struct sqlite_store *s, sqlite3_stmt *st, int i, const char *id);
/* Forgets every hint and the fresh person (rollback, savepoint undo). */
void sq_pk_forget(struct sqlite_store *s);
rk_err sq_person_insert(struct rk_store *base, const char *id, rk_ts at);
rk_err sq_person_exists(struct rk_store *base, const char *id, bool *restricted, bool *objected);
rk_err sq_provenance_insert(struct rk_store *base, const struct rk_provenance *p, int64_t *id);
rk_err sq_provenance_get(struct rk_store *base, int64_t id, struct rk_provenance *out, char *buf,
                         size_t bufsz);
rk_err sq_organisation_id(struct sqlite_store *s, const char *name, int64_t *id);
rk_err sq_entry_put(struct rk_store *base, const struct rk_entry *e);
rk_err sq_entry_get(struct rk_store *base, const char *reg, const char *person,
                    struct rk_entry *out);
rk_err sq_entry_delete(struct rk_store *base, const char *reg, const char *person);
rk_err sq_entries_of_person(struct rk_store *base, const char *person, rk_entry_fn fn, void *ctx);
rk_err sq_find_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       const char *reg, char id[RK_ID_LEN + 1]);
rk_err sq_entries_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                          rk_entry_fn fn, void *ctx);
rk_err sq_read_begin(struct rk_store *base);
rk_err sq_read_end(struct rk_store *base);
rk_err sq_find_by_name(struct rk_store *base, const char *fragment, rk_entry_fn fn, void *ctx);
rk_err sq_search_put(struct rk_store *base, const char *person, const char *register_id,
                     const struct rk_search_word *words, size_t n);
rk_err sq_search_words(struct rk_store *base, const char *prefix, int field,
                       const char *const *also, size_t nalso, const char *after_word,
                       int64_t after_pk, rk_search_row_fn fn, void *ctx);
rk_err sq_search_count(struct rk_store *base, const char *prefix, int field, int64_t cap,
                       int64_t *out);
rk_err sq_search_people(struct rk_store *base, rk_ts since, rk_ts before, int64_t before_pk,
                        rk_search_row_fn fn, void *ctx);
rk_err sq_search_built(struct rk_store *base, bool *out);
rk_err sq_search_built_set(struct rk_store *base);
rk_err sq_entries_all(struct rk_store *base, rk_entry_fn fn, void *ctx);
rk_err sq_register_counts(struct rk_store *base, rk_counter_fn fn, void *ctx);
rk_err sq_purpose_counts(struct rk_store *base, rk_counter_fn fn, void *ctx);
rk_err sq_consent_weeks(struct rk_store *base, const char *from, rk_counter_fn fn, void *ctx);
rk_err sq_console_mark_get(struct rk_store *base, const char *what, struct rk_console_mark *out);
rk_err sq_console_mark_set(struct rk_store *base, const char *what,
                           const struct rk_console_mark *m);
rk_err sq_audience(struct rk_store *base, const char *reg, const char *purpose,
                   enum rk_audience_rule rule, rk_ts now, rk_entry_fn fn, void *ctx);
rk_err sq_audience_all(struct rk_store *base, const char *purpose, enum rk_audience_rule rule,
                       rk_ts now, rk_entry_fn fn, void *ctx);

/* ---- sqlite_consent.c ---- */
int sq_index_of(const char *const *names, int n, const char *s);
bool sq_fits(const char *v, size_t max);
rk_err sq_consent_append(struct rk_store *base, struct rk_consent_event *e);
rk_err sq_consent_events(struct rk_store *base, const char *person, rk_consent_fn fn, void *ctx);
bool sq_row_to_consent_state(sqlite3_stmt *st, int i, struct rk_consent_state *out);
rk_err sq_consent_state_get(struct rk_store *base, const char *person, const char *purpose,
                            struct rk_consent_state *out);
rk_err sq_consent_state_put(struct rk_store *base, const char *person, const char *purpose,
                            const struct rk_consent_state *stt);
rk_err sq_consent_version_put(struct rk_store *base, const char *version, const char *config,
                              rk_ts at);
rk_err sq_consent_version_get(struct rk_store *base, const char *version, rk_consent_version_fn fn,
                              void *ctx);
rk_err sq_consent_log_add(struct rk_store *base, const struct rk_cookie_choice *c);
rk_err sq_consent_log_get(struct rk_store *base, const char *consent_id, rk_cookie_choice_fn fn,
                          void *ctx);
rk_err sq_consent_log_counts(struct rk_store *base, rk_ts from, rk_ts to,
                             int64_t counts[RK_COOKIE__COUNT]);

/* ---- sqlite_records.c ---- */
rk_err sq_contract_insert(struct rk_store *base, const struct rk_contract *c);
rk_err sq_contract_get(struct rk_store *base, const char *id, struct rk_contract *out);
rk_err sq_contract_update(struct rk_store *base, const struct rk_contract *c);
rk_err sq_contract_change_append(struct rk_store *base, const char *contract, rk_ts at,
                                 const char *by, const char *field, const char *old_value,
                                 const char *new_value);
int sq_each_contract(void *ctx, sqlite3_stmt *st);
rk_err sq_contracts_of_person(struct rk_store *base, const char *person, rk_contract_fn fn,
                              void *ctx);
rk_err sq_invoice_insert(struct rk_store *base, const struct rk_invoice *i);
rk_err sq_invoices_of_person(struct rk_store *base, const char *person, rk_invoice_fn fn,
                             void *ctx);
rk_err sq_suppress_add(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       enum rk_field kind, enum rk_suppress_reason reason, rk_ts at);
rk_err sq_suppressed(struct rk_store *base, const unsigned char hash[RK_HASH_LEN], bool *out);
rk_err sq_task_insert(struct rk_store *base, const struct rk_task *t);
rk_err sq_tasks_count(struct rk_store *base, const char *kind, int64_t *out);
rk_err sq_contract_changes(struct rk_store *base, const char *contract, rk_change_fn fn, void *ctx);
rk_err sq_tasks_of_person(struct rk_store *base, const char *person, rk_task_fn fn, void *ctx);
rk_err sq_signup_put(struct rk_store *base, const struct rk_signup *u);
rk_err sq_signup_get(struct rk_store *base, const char *person_id, const char *purpose,
                     struct rk_signup *out);
rk_err sq_signup_delete(struct rk_store *base, const char *person_id, const char *purpose);
rk_err sq_signup_by_hash(struct rk_store *base, const unsigned char h[RK_HASH_LEN],
                         char person_id[RK_ID_LEN + 1]);

/* ---- sqlite_staff.c ---- */
rk_err sq_audit_last(struct rk_store *base, int64_t *seq, unsigned char hash[RK_HASH_LEN]);
rk_err sq_audit_insert(struct rk_store *base, const struct rk_audit_event *e);
rk_err sq_audit_scan(struct rk_store *base, int64_t from, const char *person_id, rk_audit_fn fn,
                     void *ctx);
rk_err sq_token_insert(struct rk_store *base, const struct rk_token *t,
                       const unsigned char hash[RK_HASH_LEN]);
rk_err sq_token_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                        struct rk_token *out);
rk_err sq_token_revoke(struct rk_store *base, const char *name, rk_ts at);
rk_err sq_tokens_list(struct rk_store *base, rk_token_fn fn, void *ctx);
rk_err sq_staff_insert(struct rk_store *base, const struct rk_staff *a);
rk_err sq_staff_get(struct rk_store *base, const char *key, bool by_email, struct rk_staff *out);
rk_err sq_staff_update(struct rk_store *base, const struct rk_staff *a);
rk_err sq_staff_list(struct rk_store *base, rk_staff_fn fn, void *ctx);
rk_err sq_staff_setup_put(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                          const char *staff_id, rk_ts expires);
rk_err sq_staff_setup_get(struct rk_store *base, const unsigned char hash[RK_HASH_LEN], rk_ts now,
                          char staff_id[RK_ID_LEN + 1]);
rk_err sq_staff_setup_clear(struct rk_store *base, const char *staff_id);
rk_err sq_staff_session_put(struct rk_store *base, const struct rk_staff_session *x);
rk_err sq_staff_session_get(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                            struct rk_staff_session *out);
rk_err sq_staff_session_touch(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                              rk_ts at);
rk_err sq_staff_session_delete(struct rk_store *base, const unsigned char hash[RK_HASH_LEN]);
rk_err sq_staff_sessions_clear(struct rk_store *base, const char *staff_id, int64_t *n);
rk_err sq_staff_throttle_get(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                             int64_t *failures, rk_ts *locked_until);
rk_err sq_staff_throttle_fail(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                              rk_ts now, rk_ts prune_before, int64_t *failures);
rk_err sq_staff_throttle_lock(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                              rk_ts until);
rk_err sq_staff_throttle_clear(struct rk_store *base, const unsigned char key[RK_HASH_LEN]);
rk_err sq_staff_signin_add(struct rk_store *base, const char *staff_id,
                           const struct rk_staff_signin *e);
rk_err sq_staff_signins(struct rk_store *base, const char *staff_id, int limit,
                        rk_staff_signin_fn fn, void *ctx);

/* ---- sqlite_queues.c ---- */
rk_err sq_outbox_enqueue(struct rk_store *base, const struct rk_outbox_msg *m, int64_t *id);
rk_err sq_outbox_due(struct rk_store *base, rk_ts now, int limit, rk_outbox_fn fn, void *ctx);
rk_err sq_outbox_mark_sent(struct rk_store *base, int64_t id, rk_ts at);
rk_err sq_outbox_mark_retry(struct rk_store *base, int64_t id, rk_ts next, const char *error);
rk_err sq_outbox_mark_failed(struct rk_store *base, int64_t id, rk_ts at, const char *error);
rk_err sq_outbox_count(struct rk_store *base, enum rk_outbox_state state, int64_t *out);
rk_err sq_outbox_failed(struct rk_store *base, int limit, rk_outbox_failure_fn fn, void *ctx);
rk_err sq_outbox_requeue(struct rk_store *base, int64_t id, rk_ts now);
rk_err sq_audience_rows(struct rk_store *base, const char *register_id, const char *purpose,
                        rk_audience_row_fn fn, void *ctx);
rk_err sq_contact_rows(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                       const char *purpose, bool *suppressed, rk_contact_row_fn fn, void *ctx);
rk_err sq_recipient_notice_add(struct rk_store *base, struct rk_recipient_notice *n);
rk_err sq_recipient_notice_due(struct rk_store *base, rk_ts now, int limit, rk_notice_fn fn,
                               void *ctx);
rk_err sq_recipient_notice_mark_done(struct rk_store *base, int64_t id, rk_ts at);
rk_err sq_recipient_notice_mark_pending(struct rk_store *base, int64_t id, const char *remote_id,
                                        rk_ts next);
rk_err sq_recipient_notice_mark_wait(struct rk_store *base, int64_t id, rk_ts next,
                                     const char *error);
rk_err sq_recipient_notice_mark_retry(struct rk_store *base, int64_t id, rk_ts next,
                                      const char *error);
rk_err sq_recipient_notice_mark_final(struct rk_store *base, int64_t id, enum rk_notice_state state,
                                      rk_ts at, const char *error);
rk_err sq_recipient_notice_count(struct rk_store *base, enum rk_notice_state state, int64_t *out);
rk_err sq_recipient_notice_list(struct rk_store *base, enum rk_notice_state state, int limit,
                                rk_notice_fn fn, void *ctx);
rk_err sq_recipient_notice_get(struct rk_store *base, int64_t id, rk_notice_fn fn, void *ctx);
rk_err sq_recipient_notice_requeue(struct rk_store *base, int64_t id, rk_ts now);
rk_err sq_mail_limit_count(struct rk_store *base, const unsigned char recipient[RK_HASH_LEN],
                           rk_ts since, int64_t *n, rk_ts *last);
rk_err sq_mail_limit_add(struct rk_store *base, const unsigned char recipient[RK_HASH_LEN],
                         rk_ts at, rk_ts prune_before);
rk_err sq_lease_take(struct rk_store *base, const char *name, const char *holder, rk_ts now,
                     rk_ts until, bool *got);
rk_err sq_lease_drop(struct rk_store *base, const char *name, const char *holder);

/* ---- sqlite_erasure.c ---- */
rk_err sq_person_flags_set(struct rk_store *base, const char *id, bool restricted, bool objected);
rk_err sq_person_delete(struct rk_store *base, const char *id);
rk_err sq_entries_delete_person(struct rk_store *base, const char *person, int64_t *n);
rk_err sq_provenance_delete_unused(struct rk_store *base, int64_t id, bool *deleted);
rk_err sq_organisation_delete_unused(struct rk_store *base, const char *name, bool *deleted);
rk_err sq_consent_delete(struct rk_store *base, const char *person, const char *purpose,
                         int64_t *n);
rk_err sq_contract_delete(struct rk_store *base, const char *id);
rk_err sq_contract_restrict(struct rk_store *base, const char *id);
rk_err sq_invoice_delete(struct rk_store *base, const char *id);
rk_err sq_invoice_restrict(struct rk_store *base, const char *id);
rk_err sq_signups_delete_person(struct rk_store *base, const char *person, int64_t *n);
rk_err sq_outbox_delete_person(struct rk_store *base, const char *person, int64_t *n);
rk_err sq_tasks_delete_person(struct rk_store *base, const char *person, int64_t *n);
rk_err sq_tasks_list(struct rk_store *base, const char *kind, bool open_only, rk_task_fn fn,
                     void *ctx);
rk_err sq_task_done(struct rk_store *base, const char *id, rk_ts at);
rk_err sq_journal_mark(struct rk_store *base, const char *id, rk_ts at);
rk_err sq_journal_has(struct rk_store *base, const char *id, bool *out);
rk_err sq_journal_ids(struct rk_store *base, rk_journal_id_fn fn, void *ctx);
rk_err sq_suppress_add_gen(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                           enum rk_field kind, enum rk_suppress_reason reason, rk_ts at,
                           uint32_t gen);
rk_err sq_lookup_values(struct rk_store *base, rk_lookup_value_fn fn, void *ctx);
rk_err sq_entry_leave(struct rk_store *base, const char *reg, const char *person, bool *left);

/* ---- sqlite_requests.c ---- */
bool sq_row_to_request(sqlite3_stmt *st, void *request);
rk_err sq_request_insert(struct rk_store *base, const struct rk_request *q);
rk_err sq_request_update(struct rk_store *base, const struct rk_request *q);
rk_err sq_answer_insert(struct rk_store *base, const struct rk_answer_row *a);
rk_err sq_answer_update(struct rk_store *base, const struct rk_answer_row *a);
rk_err sq_answer_file_put(struct rk_store *base, const char *request_id, const char *name,
                          const unsigned char *sealed, size_t len);
rk_err sq_answer_get(struct rk_store *base, const char *request_id, struct rk_answer_row *out);
rk_err sq_answer_file_get(struct rk_store *base, const char *request_id, const char *name,
                          unsigned char **out, size_t *len);
rk_err sq_answer_delete_person(struct rk_store *base, const char *person_id, int64_t *n);
rk_err sq_request_redact(struct rk_store *base, const char *id);
rk_err sq_request_get(struct rk_store *base, const char *id, struct rk_request *out);
rk_err sq_requests_list(struct rk_store *base, const struct rk_request_filter *f, rk_request_fn fn,
                        void *ctx);
rk_err sq_requests_of_person(struct rk_store *base, const char *person_id, rk_request_fn fn,
                             void *ctx);
rk_err sq_requests_overdue(struct rk_store *base, struct rk_date today, int64_t *out);
rk_err sq_requests_open_of_person(struct rk_store *base, const char *person_id, int64_t *out);

/* ---- sqlite_retention.c ---- */
rk_err sq_consents_run_out(struct rk_store *base, rk_ts now, int limit, rk_person_purpose_fn fn,
                           void *ctx);
rk_err sq_signups_run_out(struct rk_store *base, rk_ts now, int limit, rk_person_purpose_fn fn,
                          void *ctx);
rk_err sq_retention_entries(struct rk_store *base, const char *register_id, int64_t after,
                            int limit, rk_retention_fn fn, void *ctx);
rk_err sq_kept_invoices_run_out(struct rk_store *base, struct rk_date today, int limit,
                                rk_person_purpose_fn fn, void *ctx);
rk_err sq_kept_contracts(struct rk_store *base, const char *after, int limit, rk_contract_fn fn,
                         void *ctx);
rk_err sq_outbox_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run, int64_t *n);
rk_err sq_answer_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run, int64_t *n);
rk_err sq_recipient_notice_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                                 int64_t *n);
rk_err sq_consents_expire(struct rk_store *base, rk_ts now, int limit, const struct rk_expiry *x,
                          rk_consent_state_fn fn, void *ctx, int64_t *n);
rk_err sq_consent_log_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                            int64_t *n);
rk_err sq_consents_run_out_states(struct rk_store *base, rk_ts now, int limit,
                                  rk_consent_state_fn fn, void *ctx);
rk_err sq_census(struct rk_store *base, const char *person_id, struct rk_census *out);

/* ---- sqlite_disclosure.c ---- */
rk_err sq_disclosure_get(struct rk_store *base, const char *recipient, const char *person_id,
                         rk_disclosure_fn fn, void *ctx);
rk_err sq_disclosure_each(struct rk_store *base, const char *recipient, rk_disclosure_fn fn,
                          void *ctx);
rk_err sq_disclosures_of_person(struct rk_store *base, const char *person_id, rk_disclosure_fn fn,
                                void *ctx);
rk_err sq_disclosure_put(struct rk_store *base, const struct rk_disclosure *d);
rk_err sq_disclosure_fail(struct rk_store *base, const char *recipient, const char *person_id,
                          const char *error, rk_ts at);
rk_err sq_disclosure_event_add(struct rk_store *base, const char *person_id, const char *recipient,
                               const char *action, const char *categories, rk_ts at);
rk_err sq_disclosure_events_of_person(struct rk_store *base, const char *person_id,
                                      rk_disclosure_event_fn fn, void *ctx);
rk_err sq_recipient_sync_get(struct rk_store *base, const char *recipient, rk_recipient_sync_fn fn,
                             void *ctx);
rk_err sq_recipient_sync_put(struct rk_store *base, const struct rk_recipient_sync *rs);

/* ---- sqlite_keys.c ---- */
rk_err sq_key_state_get(struct rk_store *base, uint32_t *gen,
                        char fingerprint[RK_FINGERPRINT_LEN + 1]);
rk_err sq_key_state_set(struct rk_store *base, uint32_t gen, const char *fingerprint);
rk_err sq_key_generation_hold(struct rk_store *base, bool exclusive, uint32_t *gen);
rk_err sq_key_rehash(struct rk_store *base, uint32_t gen, rk_rehash_fn fn, void *ctx,
                     struct rk_rehash_counts *out);
rk_err sq_tokens_revoke_all(struct rk_store *base, rk_ts at, int64_t *n);
rk_err sq_suppression_generations(struct rk_store *base, rk_gen_count_fn fn, void *ctx);
rk_err sq_sealed_set(struct rk_store *base, enum rk_sealed_table table, int64_t id,
                     const unsigned char *sealed, size_t len);
rk_err sq_sealed_list(struct rk_store *base, enum rk_sealed_table table, int64_t after,
                      bool plain_only, int limit, rk_sealed_fn fn, void *ctx);

#endif
