/*
 * store_sqlite.c — the embedded SQLite backend of store.h.
 *
 * One connection per handle, in WAL mode with foreign keys, secure_delete
 * (erased values are overwritten, not left in free pages) and a busy timeout.
 * Every statement is prepared once, on first use, and kept for the life of
 * the handle; values are always bound, never formatted into SQL. Instants
 * are stored as ISO 8601 text and dates as YYYY-MM-DD, so text order is time
 * order. Schema changes are the numbered migrations embedded at build time.
 */
#include <assert.h>
#include <limits.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "store/migrations.h"
#include "store/store.h"

enum stmt {
    S_PERSON_INSERT,
    S_PERSON_EXISTS,
    S_PROV_INSERT,
    S_PROV_GET,
    S_ORG_INSERT,
    S_ORG_GET,
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
    /* ---- The census ---- */
    S_CENSUS_ALL,
    S_CENSUS_PERSON,
    S__COUNT
};

/* The columns every entry read selects, in the order row_to_entry expects. */
#define ENTRY_COLS                                                                                 \
    "e.register, p.id, e.since, e.name, e.name_prov, e.email, e.email_hash, "                      \
    "e.email_prov, e.phone, e.phone_hash, e.phone_prov, e.position, e.position_prov, o.name, "     \
    "e.organisation_prov, e.interests, e.interests_prov "
#define ENTRY_FROM                                                                                 \
    "FROM entry e JOIN person p ON p.pk = e.person "                                               \
    "LEFT JOIN organisation o ON o.id = e.organisation_id "
#define AUDIENCE_WHERE                                                                             \
    "WHERE e.register = ?1 AND p.restricted = 0 AND p.objected = 0 "                               \
    "AND (e.email_hash IS NULL OR NOT EXISTS "                                                     \
    "(SELECT 1 FROM suppression s WHERE s.hash = e.email_hash)) "                                  \
    "AND (e.phone_hash IS NULL OR NOT EXISTS "                                                     \
    "(SELECT 1 FROM suppression s WHERE s.hash = e.phone_hash)) "

/* The columns every request read selects, in the order row_to_request expects. */
#define REQUEST_COLS                                                                               \
    "id, type, status, channel, lang, person_id, email, phone, name, free_text, received_at, "     \
    "due, extended_due, extension_months, extension_reason, verification, verified_by, "          \
    "verified_at, document, rejection_reason, note, closed_at, created_by, received_on "

/* The internal key of the person whose public id is parameter n. */
#define PK(n) "(SELECT pk FROM person WHERE id = ?" #n ")"

static const char *const sql[S__COUNT] = {
    [S_PERSON_INSERT] = "INSERT INTO person (id, created_at) VALUES (?1, ?2)",
    [S_PERSON_EXISTS] = "SELECT restricted, objected FROM person WHERE id = ?1",
    [S_PROV_INSERT] = "INSERT INTO provenance (source_kind, detail, purpose, at, by) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_PROV_GET] = "SELECT source_kind, detail, purpose, at, by FROM provenance WHERE id = ?1",
    [S_ORG_INSERT] = "INSERT OR IGNORE INTO organisation (name) VALUES (?1)",
    [S_ORG_GET] = "SELECT id FROM organisation WHERE name = ?1",
    [S_ENTRY_GET] =
        "SELECT " ENTRY_COLS ENTRY_FROM "WHERE e.person = " PK(2) " AND e.register = ?1",
    [S_ENTRY_PUT] = "INSERT OR REPLACE INTO entry (register, person, since, name, name_prov, "
                    "email, email_hash, email_prov, phone, phone_hash, phone_prov, position, "
                    "position_prov, organisation_id, organisation_prov, interests, interests_prov) "
                    "VALUES (?1, " PK(2) ", ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, "
                                         "?15, ?16, ?17)",
    [S_ENTRY_DELETE] = "DELETE FROM entry WHERE person = " PK(2) " AND register = ?1",
    [S_ENTRIES_OF_PERSON] =
        "SELECT " ENTRY_COLS ENTRY_FROM "WHERE e.person = " PK(1) " ORDER BY e.register",
    /* One indexed probe per column: with "email_hash = ?1 OR phone_hash = ?1" SQLite
     * scans the register instead. Email and phone hashes never collide (keys.c). */
    [S_FIND_HASH] = "SELECT p.id FROM entry e JOIN person p ON p.pk = e.person "
                    "WHERE e.email_hash = ?1 UNION ALL SELECT p.id FROM entry e "
                    "JOIN person p ON p.pk = e.person WHERE e.phone_hash = ?1 ORDER BY 1 LIMIT 1",
    [S_FIND_HASH_REG] = "SELECT p.id FROM entry e JOIN person p ON p.pk = e.person "
                        "WHERE e.email_hash = ?1 AND e.register = ?2 UNION ALL SELECT p.id "
                        "FROM entry e JOIN person p ON p.pk = e.person "
                        "WHERE e.phone_hash = ?1 AND e.register = ?2 LIMIT 1",
    [S_ENTRIES_BY_HASH] = "SELECT * FROM (SELECT " ENTRY_COLS ENTRY_FROM "WHERE e.email_hash = ?1 "
                          "UNION ALL SELECT " ENTRY_COLS ENTRY_FROM "WHERE e.phone_hash = ?1) "
                          "ORDER BY 1",
    [S_FIND_NAME] =
        "SELECT " ENTRY_COLS ENTRY_FROM "WHERE e.name LIKE '%' || ?1 || '%' ESCAPE '\\' "
        "ORDER BY p.id, e.register LIMIT 1000",
    /* ---- People search and overview (migration 0016) ---- */
    [S_SEARCH_DELETE] = "DELETE FROM search_token WHERE person = " PK(1) " AND register = ?2",
    [S_SEARCH_INSERT] = "INSERT OR IGNORE INTO search_token (token, person, register, field) "
                        "VALUES (?3, " PK(1) ", ?2, ?4)",
    /* One range of the primary key: words from the prefix (or from the cursor) up to the
     * prefix's end (?2: the prefix and a byte no UTF-8 text holds). */
    [S_SEARCH_WORDS] = "SELECT t.token, t.person, p.id, p.created_at, "
                       "(?5 IS NULL OR EXISTS (SELECT 1 FROM search_token a "
                       "WHERE a.person = t.person AND a.token >= ?5 AND a.token < ?6)) "
                       "AND (?7 IS NULL OR EXISTS (SELECT 1 FROM search_token a "
                       "WHERE a.person = t.person AND a.token >= ?7 AND a.token < ?8)) "
                       "FROM search_token t JOIN person p ON p.pk = t.person "
                       "WHERE (t.token, t.person) > (?1, ?3) AND t.token < ?2 "
                       "AND (?4 < 0 OR t.field = ?4) ORDER BY t.token, t.person",
    [S_SEARCH_COUNT] = "SELECT count(*) FROM (SELECT 1 FROM search_token "
                       "WHERE token >= ?1 AND token < ?2 AND (?3 < 0 OR field = ?3) LIMIT ?4)",
    /* Newest first over person_created; the rowid (pk) breaks ties. */
    [S_SEARCH_PEOPLE] = "SELECT created_at, pk, id, created_at FROM person "
                        "WHERE created_at >= ?1 AND (created_at, pk) < (?2, ?3) "
                        "ORDER BY created_at DESC, pk DESC",
    [S_SEARCH_BUILT] = "SELECT built FROM search_state WHERE one = 1",
    [S_SEARCH_BUILT_SET] = "UPDATE search_state SET built = 1 WHERE one = 1",
    [S_ENTRIES_ALL] = "SELECT " ENTRY_COLS ENTRY_FROM "ORDER BY e.person, e.register",
    [S_REGISTER_COUNTS] = "SELECT NULL, register, persons, 0, 0 FROM register_count "
                          "ORDER BY register",
    [S_PURPOSE_COUNTS] = "SELECT NULL, purpose, live, 0, 0 FROM purpose_count ORDER BY purpose",
    [S_CONSENT_WEEKS] = "SELECT week, purpose, given, withdrawn, expired FROM consent_week "
                        "WHERE week >= ?1 ORDER BY week, purpose",
    [S_MARK_GET] = "SELECT at, seq, detail, ok FROM console_mark WHERE what = ?1",
    [S_MARK_SET] = "INSERT OR REPLACE INTO console_mark (what, at, seq, detail, ok) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_REQUESTS_OF_PERSON] = "SELECT " REQUEST_COLS "FROM request WHERE person_id = ?1 "
                             "ORDER BY received_at, id",
    [S_CONSENT_APPEND] =
        "INSERT INTO consent_event (person, purpose, event, pending, basis, "
        "notice_version, notice_sha256, channel, collector, form_id, ip, "
        "user_agent, evidence, at) VALUES (" PK(1) ", ?2, ?3, ?4, ?5, ?6, ?7, "
                                                   "?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    [S_CONSENT_EVENTS] = "SELECT seq, ?1, purpose, event, pending, basis, notice_version, "
                         "notice_sha256, channel, collector, form_id, ip, user_agent, evidence, "
                         "at FROM consent_event WHERE person = " PK(1) " ORDER BY seq",
    [S_CONSENT_STATE_GET] = "SELECT state, since, expires_at, renewal_pending, last_seq "
                            "FROM consent_state WHERE person = " PK(1) " AND purpose = ?2",
    [S_CONSENT_STATE_PUT] = "INSERT OR REPLACE INTO consent_state (person, purpose, state, "
                            "since, expires_at, renewal_pending, last_seq) "
                            "VALUES (" PK(1) ", ?2, ?3, ?4, ?5, ?6, ?7)",
    [S_CONTRACT_INSERT] = "INSERT INTO contract (id, person, register, service, start_date, "
                          "end_date, status, created_at, created_by) "
                          "VALUES (?1, " PK(2) ", ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [S_CONTRACT_GET] = "SELECT k.id, p.id, k.register, k.service, k.start_date, k.end_date, "
                       "k.status, k.created_at, k.created_by FROM contract k "
                       "JOIN person p ON p.pk = k.person WHERE k.id = ?1",
    [S_CONTRACT_UPDATE] = "UPDATE contract SET service = ?2, start_date = ?3, end_date = ?4, "
                          "status = ?5 WHERE id = ?1",
    [S_CONTRACT_CHANGE] = "INSERT INTO contract_change (contract_id, at, by, field, old_value, "
                          "new_value) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    [S_CONTRACTS_OF_PERSON] = "SELECT id, ?1, register, service, start_date, end_date, "
                              "status, created_at, created_by FROM contract WHERE person = " PK(
                                  1) " ORDER BY start_date, id",
    [S_INVOICE_INSERT] = "INSERT INTO invoice (id, person, contract_id, register, number, date, "
                         "amount_cents, currency, keep_until, created_at, created_by) "
                         "VALUES (?1, " PK(2) ", ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    [S_INVOICES_OF_PERSON] =
        "SELECT id, ?1, contract_id, register, number, date, "
        "amount_cents, currency, keep_until, created_at, created_by, "
        "restricted FROM invoice WHERE person = " PK(1) " ORDER BY date, number",
    [S_SUPPRESS_ADD] = "INSERT OR IGNORE INTO suppression (hash, kind, reason, at, gen) "
                       "VALUES (?1, ?2, ?3, ?4, (SELECT generation FROM key_state))",
    [S_SUPPRESSED] = "SELECT 1 FROM suppression WHERE hash = ?1",
    [S_TASK_INSERT] = "INSERT INTO task (id, person, kind, due, created_at, detail) "
                      "VALUES (?1, " PK(2) ", ?3, ?4, ?5, ?6)",
    [S_TASKS_COUNT] = "SELECT count(*) FROM task WHERE kind = ?1 AND done_at IS NULL",
    [S_CONTRACT_CHANGES] = "SELECT at, by, field, old_value, new_value FROM contract_change "
                           "WHERE contract_id = ?1 ORDER BY seq",
    [S_NOTICE_ADD] = "INSERT INTO recipient_notice (recipient, person_id, kind, request_id, "
                     "next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
    [S_SIGNUP_PUT] = "INSERT OR REPLACE INTO signup (person_id, purpose, form_id, lang, name, "
                     "email, phone, position, organisation, interests, created_at, expires_at, "
                     "email_hash) "
                     "VALUES (" PK(1) ", ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    [S_SIGNUP_GET] = "SELECT form_id, lang, name, email, phone, position, organisation, "
                     "interests, created_at, expires_at FROM signup "
                     "WHERE person_id = " PK(1) " AND purpose = ?2",
    [S_SIGNUP_DELETE] = "DELETE FROM signup WHERE person_id = " PK(1) " AND purpose = ?2",
    [S_SIGNUP_BY_HASH] = "SELECT p.id FROM signup s JOIN person p ON p.pk = s.person_id "
                         "WHERE s.email_hash = ?1 ORDER BY s.created_at DESC LIMIT 1",
    [S_AUDIT_LAST] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
    [S_AUDIT_INSERT] = "INSERT INTO audit (seq, at, actor, action, person_id, detail, prev, hash) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_AUDIT_SCAN] = "SELECT seq, at, actor, action, person_id, detail, prev, hash FROM audit "
                     "WHERE seq >= ?1 ORDER BY seq",
    [S_AUDIT_SCAN_PERSON] = "SELECT seq, at, actor, action, person_id, detail, prev, hash FROM "
                            "audit WHERE seq >= ?1 AND person_id = ?2 ORDER BY seq",
    [S_TOKEN_INSERT] = "INSERT INTO token (name, role, hash, created_at) VALUES (?1, ?2, ?3, ?4)",
    [S_TOKEN_BY_HASH] = "SELECT name, role, created_at, revoked_at FROM token WHERE hash = ?1",
    [S_TOKEN_REVOKE] = "UPDATE token SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
    [S_TOKENS_LIST] = "SELECT name, role, created_at, revoked_at FROM token ORDER BY name",
#define STAFF_COLS "id, email, name, role, password, disabled, created_at, last_signin"
    [S_STAFF_INSERT] = "INSERT INTO staff (" STAFF_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_STAFF_BY_ID] = "SELECT " STAFF_COLS " FROM staff WHERE id = ?1",
    [S_STAFF_BY_EMAIL] = "SELECT " STAFF_COLS " FROM staff WHERE email = ?1",
    [S_STAFF_UPDATE] = "UPDATE staff SET name = ?2, role = ?3, password = ?4, disabled = ?5, "
                       "last_signin = ?6 WHERE id = ?1",
    [S_STAFF_LIST] = "SELECT " STAFF_COLS " FROM staff ORDER BY email",
    [S_STAFF_SETUP_PUT] = "INSERT INTO staff_setup (hash, staff_id, expires_at) VALUES (?1, ?2, ?3)",
    [S_STAFF_SETUP_GET] = "SELECT staff_id FROM staff_setup WHERE hash = ?1 AND expires_at > ?2",
    [S_STAFF_SETUP_CLEAR] = "DELETE FROM staff_setup WHERE staff_id = ?1",
    [S_STAFF_SESSIONS_PRUNE] = "DELETE FROM staff_session WHERE expires_at <= ?1",
    [S_STAFF_SESSION_PUT] = "INSERT INTO staff_session (hash, staff_id, created_at, last_seen, "
                            "expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_STAFF_SESSION_GET] = "SELECT staff_id, created_at, last_seen, expires_at FROM staff_session "
                            "WHERE hash = ?1",
    [S_STAFF_SESSION_TOUCH] = "UPDATE staff_session SET last_seen = ?2 WHERE hash = ?1",
    [S_STAFF_SESSION_DELETE] = "DELETE FROM staff_session WHERE hash = ?1",
    [S_STAFF_SESSIONS_CLEAR] = "DELETE FROM staff_session WHERE staff_id = ?1",
    [S_STAFF_SESSIONS_CLEAR_ALL] = "DELETE FROM staff_session",
    [S_STAFF_THROTTLE_GET] = "SELECT failures, locked_until FROM staff_throttle WHERE key = ?1",
    [S_STAFF_THROTTLE_FAIL] =
        "INSERT INTO staff_throttle (key, failures, locked_until, updated_at) VALUES (?1, 1, 0, ?2) "
        "ON CONFLICT (key) DO UPDATE SET failures = failures + 1, updated_at = ?2 "
        "RETURNING failures",
    [S_STAFF_THROTTLE_PRUNE] = "DELETE FROM staff_throttle WHERE updated_at < ?1",
    [S_STAFF_THROTTLE_LOCK] = "UPDATE staff_throttle SET locked_until = ?2 WHERE key = ?1",
    [S_STAFF_THROTTLE_CLEAR] = "DELETE FROM staff_throttle WHERE key = ?1",
    [S_STAFF_SIGNIN_ADD] = "INSERT INTO staff_signin (staff_id, at, ok, reason, address) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_STAFF_SIGNINS] = "SELECT at, ok, reason, address FROM staff_signin WHERE staff_id = ?1 "
                        "ORDER BY seq DESC LIMIT ?2",
    [S_CONSENT_VERSION_PUT] = "INSERT OR IGNORE INTO consent_version (version, config, first_seen) "
                              "VALUES (?1, ?2, ?3)",
    [S_CONSENT_VERSION_GET] = "SELECT config, first_seen FROM consent_version WHERE version = ?1",
    [S_CONSENT_LOG_ADD] = "INSERT INTO consent_log (consent_id, at, action, choices, version, lang, "
                          "gpc) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE EXISTS "
                          "(SELECT 1 FROM consent_version WHERE version = ?5)",
    [S_CONSENT_LOG_GET] = "SELECT at, action, choices, version, lang, gpc FROM consent_log "
                          "WHERE consent_id = ?1 ORDER BY seq",
    [S_CONSENT_LOG_PURGE] = "DELETE FROM consent_log WHERE seq IN (SELECT seq FROM consent_log "
                            "WHERE at < ?1 ORDER BY at LIMIT ?2)",
    [S_CONSENT_LOG_PURGE_COUNT] = "SELECT count(*) FROM consent_log WHERE at < ?1",
    [S_CONSENT_LOG_COUNTS] = "SELECT action, count(*) FROM consent_log WHERE at >= ?1 AND at < ?2 "
                             "GROUP BY action",
    [S_TASKS_OF_PERSON] = "SELECT id, kind, detail, due, created_at, done_at FROM task "
                          "WHERE person = " PK(1) " ORDER BY due, id",
    [S_AUDIENCE_CONSENT] =
        "SELECT " ENTRY_COLS ENTRY_FROM
        "JOIN consent_state c ON c.person = e.person AND c.purpose = ?2 " AUDIENCE_WHERE
        "AND c.state = 'live' "
        "AND (c.expires_at IS NULL OR c.expires_at > ?3)",
    [S_AUDIENCE_CONTRACT] = "SELECT " ENTRY_COLS ENTRY_FROM AUDIENCE_WHERE
                            "AND EXISTS (SELECT 1 FROM contract k WHERE k.person = e.person "
                            "AND k.register = e.register "
                            "AND (k.end_date IS NULL OR k.end_date >= substr(?3, 1, 10))) "
                            "AND ?2 IS NOT NULL",
    [S_AUDIENCE_ANY] =
        "SELECT " ENTRY_COLS ENTRY_FROM AUDIENCE_WHERE "AND ?2 IS NOT NULL AND ?3 IS NOT NULL",
    [S_OUTBOX_ENQUEUE] = "INSERT INTO outbox (message_id, person_id, kind, next_attempt_at, "
                         "created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_OUTBOX_DUE] = "SELECT id, message_id, person_id, kind, sealed, attempts, created_at, "
                     "next_attempt_at, last_error "
                     "FROM outbox WHERE state = 'queued' AND next_attempt_at <= ?1 "
                     "ORDER BY next_attempt_at, id LIMIT ?2",
    [S_OUTBOX_SENT] = "UPDATE outbox SET state = 'sent', sent_at = ?2, attempts = attempts + 1, "
                      "sealed = NULL WHERE id = ?1 AND state = 'queued'",
    [S_OUTBOX_RETRY] = "UPDATE outbox SET next_attempt_at = ?2, last_error = ?3, "
                       "attempts = attempts + 1 WHERE id = ?1 AND state = 'queued'",
    /* A failed message keeps its sealed content until the sweep deletes the row
     * (RK_RETENTION_MAIL_DAYS), so that staff can send it again (POST /api/v1/outbox/{id}/retry). */
    [S_OUTBOX_FAILED] = "UPDATE outbox SET state = 'failed', failed_at = ?2, last_error = ?3, "
                        "attempts = attempts + 1 WHERE id = ?1 AND state = 'queued'",
    [S_OUTBOX_COUNT] = "SELECT count(*) FROM outbox WHERE state = ?1",
    [S_OUTBOX_LIST_FAILED] = "SELECT id, kind, person_id, attempts, last_error, created_at, "
                             "failed_at FROM outbox WHERE state = 'failed' "
                             "ORDER BY failed_at DESC, id DESC LIMIT ?1",
    /* The console's retries (issue 12): only a failed row goes back to the queue. */
    [S_OUTBOX_REQUEUE] = "UPDATE outbox SET state = 'queued', next_attempt_at = ?2, "
                         "failed_at = NULL WHERE id = ?1 AND state = 'failed' "
                         "AND sealed IS NOT NULL",
    [S_OUTBOX_FAILED_STATE] = "SELECT count(*) FROM outbox WHERE id = ?1 AND state = 'failed'",
    [S_NOTICE_GET] = "SELECT id, recipient, person_id, request_id, remote_id, last_error, kind, "
                     "state, attempts, created_at, next_attempt_at, done_at "
                     "FROM recipient_notice WHERE id = ?1",
    [S_NOTICE_REQUEUE] = "UPDATE recipient_notice SET state = 'queued', next_attempt_at = ?2, "
                         "done_at = NULL WHERE id = ?1 AND state = 'failed'",
    /* The audience summary: every entry of the register, one probe per entry for the
     * suppression list and the consent state. */
    [S_AUDIENCE_ROWS] =
        "SELECT p.id, p.restricted, p.objected, "
        "(e.email_hash IS NOT NULL AND EXISTS (SELECT 1 FROM suppression s "
        "WHERE s.hash = e.email_hash)) OR (e.phone_hash IS NOT NULL AND EXISTS "
        "(SELECT 1 FROM suppression s WHERE s.hash = e.phone_hash)), c.state, c.expires_at "
        "FROM entry e JOIN person p ON p.pk = e.person "
        "LEFT JOIN consent_state c ON c.person = e.person AND c.purpose = ?2 "
        "WHERE e.register = ?1",
    /* The entry indexes cover (hash, register, person): one probe each, then the
     * person and the consent state by key; no entry row is read. */
    [S_CONTACT_ROWS] = "SELECT e.register, p.id, p.restricted, p.objected, c.state, c.since, "
                       "c.expires_at, c.renewal_pending, c.last_seq "
                       "FROM (SELECT register, person FROM entry WHERE email_hash = ?1 "
                       "UNION ALL SELECT register, person FROM entry WHERE phone_hash = ?1) e "
                       "JOIN person p ON p.pk = e.person "
                       "LEFT JOIN consent_state c ON c.person = e.person AND c.purpose = ?2 "
                       "ORDER BY e.register",
    [S_READ_BEGIN] = "BEGIN",
    [S_READ_END] = "COMMIT",
    /* Data-subject rights (migration 0008) */
    [S_PERSON_FLAGS] = "UPDATE person SET restricted = ?2, objected = ?3 WHERE id = ?1",
    [S_PERSON_DELETE] = "DELETE FROM person WHERE id = ?1",
    [S_ENTRIES_DELETE_PERSON] = "DELETE FROM entry WHERE person = " PK(1),
    [S_PROV_DELETE_UNUSED] =
        "DELETE FROM provenance WHERE id = ?1 AND NOT EXISTS (SELECT 1 FROM entry WHERE "
        "name_prov = ?1 OR email_prov = ?1 OR phone_prov = ?1 OR position_prov = ?1 "
        "OR organisation_prov = ?1 OR interests_prov = ?1)",
    [S_ORG_DELETE_UNUSED] = "DELETE FROM organisation WHERE name = ?1 AND NOT EXISTS "
                            "(SELECT 1 FROM entry e WHERE e.organisation_id = organisation.id)",
    [S_CONSENT_EVENTS_DELETE] =
        "DELETE FROM consent_event WHERE person = " PK(1) " AND (?2 IS NULL OR purpose = ?2)",
    [S_CONSENT_STATES_DELETE] =
        "DELETE FROM consent_state WHERE person = " PK(1) " AND (?2 IS NULL OR purpose = ?2)",
    [S_CONTRACT_DELETE] = "DELETE FROM contract WHERE id = ?1",
    [S_CONTRACT_RESTRICT] = "UPDATE contract SET restricted = 1 WHERE id = ?1",
    [S_INVOICE_DELETE] = "DELETE FROM invoice WHERE id = ?1",
    [S_INVOICE_RESTRICT] = "UPDATE invoice SET restricted = 1 WHERE id = ?1",
    [S_SIGNUPS_DELETE_PERSON] = "DELETE FROM signup WHERE person_id = " PK(1),
    [S_OUTBOX_DELETE_PERSON] = "DELETE FROM outbox WHERE person_id = ?1",
    [S_TASKS_DELETE_PERSON] = "DELETE FROM task WHERE person = " PK(1),
    [S_TASKS_LIST] = "SELECT t.id, t.kind, t.detail, t.due, t.created_at, t.done_at, p.id "
                     "FROM task t JOIN person p ON p.pk = t.person "
                     "WHERE (?1 IS NULL OR t.kind = ?1) AND (?2 = 0 OR t.done_at IS NULL) "
                     "ORDER BY t.due, t.id",
    [S_TASK_DONE] = "UPDATE task SET done_at = ?2 WHERE id = ?1 AND done_at IS NULL",
    [S_REQUEST_INSERT] = "INSERT INTO request (id, type, status, channel, lang, person_id, email, "
                         "phone, name, free_text, received_at, due, extended_due, "
                         "extension_months, extension_reason, verification, verified_by, "
                         "verified_at, document, rejection_reason, note, closed_at, created_by, "
                         "received_on) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, "
                         "?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)",
    [S_REQUEST_GET] = "SELECT " REQUEST_COLS "FROM request WHERE id = ?1",
    [S_REQUEST_REDACT] = "UPDATE request SET email = NULL, phone = NULL, name = NULL, "
                         "free_text = NULL WHERE id = ?1",
    [S_REQUEST_UPDATE] = "UPDATE request SET status = ?3, person_id = ?6, extended_due = ?13, "
                         "extension_months = ?14, extension_reason = ?15, verification = ?16, "
                         "verified_by = ?17, verified_at = ?18, document = ?19, "
                         "rejection_reason = ?20, note = ?21, closed_at = ?22 WHERE id = ?1",
    [S_ANSWER_INSERT] = "INSERT INTO answer (request_id, person_id, created_at, expires_at, "
                        "code_hash, code_expires, code_tries, grant_hash, grant_expires, downloads) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [S_ANSWER_FILE_PUT] = "INSERT OR REPLACE INTO answer_file (request_id, name, sealed) "
                          "VALUES (?1, ?2, ?3)",
    [S_ANSWER_GET] = "SELECT request_id, person_id, created_at, expires_at, code_hash, code_expires, "
                     "code_tries, grant_hash, grant_expires, downloads FROM answer "
                     "WHERE request_id = ?1",
    [S_ANSWER_UPDATE] = "UPDATE answer SET code_hash = ?5, code_expires = ?6, code_tries = ?7, "
                        "grant_hash = ?8, grant_expires = ?9, downloads = ?10 "
                        "WHERE request_id = ?1",
    [S_ANSWER_FILE_GET] = "SELECT sealed FROM answer_file WHERE request_id = ?1 AND name = ?2",
    [S_ANSWER_PURGE] = "DELETE FROM answer WHERE request_id IN (SELECT request_id FROM answer "
                       "WHERE expires_at <= ?1 ORDER BY expires_at, request_id LIMIT ?2)",
    [S_ANSWER_PURGE_COUNT] = "SELECT count(*) FROM answer WHERE expires_at <= ?1",
    [S_ANSWER_DELETE_PERSON] = "DELETE FROM answer WHERE person_id = ?1",
    [S_REQUESTS_LIST] = "SELECT " REQUEST_COLS "FROM request "
                        "WHERE (?1 IS NULL OR status = ?1) "
                        "AND (?2 = 0 OR status IN ('received', 'verified', 'in_progress')) "
                        "AND (?3 IS NULL OR coalesce(extended_due, due) <= ?3) "
                        "ORDER BY received_at, id",
    [S_REQUESTS_OVERDUE] = "SELECT count(*) FROM request "
                           "WHERE status IN ('received', 'verified', 'in_progress') "
                           "AND coalesce(extended_due, due) < ?1",
    [S_REQUESTS_OPEN_OF_PERSON] = "SELECT count(*) FROM request WHERE person_id = ?1 "
                                  "AND status IN ('received', 'verified', 'in_progress')",
#define NOTICE_COLS                                                                                \
    "id, recipient, person_id, request_id, remote_id, last_error, kind, state, attempts, "        \
    "created_at, next_attempt_at, done_at"
    [S_NOTICE_DUE] = "SELECT " NOTICE_COLS ", sealed FROM recipient_notice "
                     "WHERE state IN ('queued', 'pending') AND next_attempt_at <= ?1 "
                     "ORDER BY next_attempt_at, id LIMIT ?2",
    [S_NOTICE_DONE] = "UPDATE recipient_notice SET state = 'done', done_at = ?2, "
                      "sealed = NULL, last_error = NULL, "
                      "attempts = attempts + (state = 'queued') "
                      "WHERE id = ?1 AND state IN ('queued', 'pending')",
    [S_NOTICE_PENDING] = "UPDATE recipient_notice SET attempts = attempts + (state = 'queued'), "
                         "state = 'pending', remote_id = ?2, next_attempt_at = ?3, "
                         "sealed = NULL, last_error = NULL "
                         "WHERE id = ?1 AND state IN ('queued', 'pending')",
    [S_NOTICE_RETRY] = "UPDATE recipient_notice SET next_attempt_at = ?2, last_error = ?3, "
                       "attempts = attempts + 1 WHERE id = ?1 AND state IN ('queued', 'pending')",
    [S_NOTICE_FINAL] = "UPDATE recipient_notice SET state = ?4, done_at = ?2, last_error = ?3, "
                       "sealed = NULL, attempts = attempts + 1 "
                       "WHERE id = ?1 AND state IN ('queued', 'pending')",
    [S_NOTICE_COUNT] = "SELECT count(*) FROM recipient_notice WHERE state = ?1",
    [S_NOTICE_LIST] = "SELECT " NOTICE_COLS " FROM recipient_notice WHERE state = ?1 "
                      "ORDER BY id DESC LIMIT ?2",
    [S_NOTICE_LIST_ALL] = "SELECT " NOTICE_COLS " FROM recipient_notice "
                          "WHERE ?1 IS NULL ORDER BY id DESC LIMIT ?2",
#undef NOTICE_COLS
    /* Both walk the partial / plain expiry indexes of migration 0009. */
    [S_CONSENTS_RUN_OUT] = "SELECT p.id, c.purpose FROM consent_state c "
                           "JOIN person p ON p.pk = c.person "
                           "WHERE c.state = 'live' AND c.expires_at IS NOT NULL "
                           "AND c.expires_at <= ?1 ORDER BY c.expires_at LIMIT ?2",
    [S_SIGNUPS_RUN_OUT] = "SELECT p.id, s.purpose FROM signup s "
                          "JOIN person p ON p.pk = s.person_id "
                          "WHERE s.expires_at <= ?1 ORDER BY s.expires_at LIMIT ?2",
    /* ---- Key rotation (keyrotate) ---- */
    [S_KEY_STATE_GET] = "SELECT generation, fingerprint FROM key_state WHERE one = 1",
    [S_KEY_STATE_SET] = "UPDATE key_state SET generation = ?1, fingerprint = ?2 WHERE one = 1",
    /* Batches in primary key order: the updates change no key, so none is seen twice. */
    [S_REHASH_ENTRIES] = "SELECT person, register, email, email_hash, phone, phone_hash "
                         "FROM entry WHERE (person, register) > (?1, ?2) "
                         "AND (email IS NOT NULL OR phone IS NOT NULL) "
                         "ORDER BY person, register LIMIT ?3",
    [S_REHASH_ENTRY_SET] = "UPDATE entry SET email_hash = ?3, phone_hash = ?4 "
                           "WHERE person = ?1 AND register = ?2",
    [S_REHASH_SIGNUPS] = "SELECT rowid, email, email_hash FROM signup WHERE rowid > ?1 "
                         "ORDER BY rowid LIMIT ?2",
    [S_REHASH_SIGNUP_SET] = "UPDATE signup SET email_hash = ?2 WHERE rowid = ?1",
    [S_REHASH_SUPPRESSION] = "UPDATE OR IGNORE suppression SET hash = ?2, gen = ?3 "
                             "WHERE hash = ?1",
    [S_TOKENS_REVOKE_ALL] = "UPDATE token SET revoked_at = ?1 WHERE revoked_at IS NULL",
    [S_SUPPRESSION_GENS] = "SELECT gen, count(*) FROM suppression GROUP BY gen ORDER BY gen",
    /* ---- Retention rules (retention) ----
     * The entries of one register in person-key order after a cursor (the primary key
     * (person, register) serves it), each with its person's contracts in that register. */
    [S_RETENTION_ENTRIES] =
        "SELECT e.person, p.id, e.since, p.restricted, "
        "(SELECT count(*) FROM contract c WHERE c.person = e.person AND c.register = e.register), "
        "(SELECT count(*) FROM contract c WHERE c.person = e.person AND c.register = e.register "
        "AND c.end_date IS NULL), "
        "(SELECT max(c.end_date) FROM contract c WHERE c.person = e.person "
        "AND c.register = e.register) "
        "FROM entry e JOIN person p ON p.pk = e.person "
        "WHERE e.register = ?1 AND e.person > ?2 ORDER BY e.person LIMIT ?3",
    [S_KEPT_INVOICES_RUN_OUT] = "SELECT i.id, p.id FROM invoice i JOIN person p ON p.pk = i.person "
                                "WHERE i.restricted = 1 AND i.keep_until IS NOT NULL "
                                "AND i.keep_until < ?1 ORDER BY i.keep_until, i.id LIMIT ?2",
    [S_KEPT_CONTRACTS] = "SELECT c.id, p.id, c.register, c.service, c.start_date, c.end_date, "
                         "c.status, c.created_at, c.created_by FROM contract c "
                         "JOIN person p ON p.pk = c.person WHERE c.restricted = 1 AND c.id > ?1 "
                         "AND NOT EXISTS (SELECT 1 FROM invoice i WHERE i.contract_id = c.id) "
                         "ORDER BY c.id LIMIT ?2",
    [S_OUTBOX_PURGE] = "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox "
                       "WHERE state IN ('sent', 'failed') "
                       "AND coalesce(sent_at, failed_at, created_at) < ?1 LIMIT ?2)",
    [S_OUTBOX_PURGE_COUNT] = "SELECT count(*) FROM outbox WHERE state IN ('sent', 'failed') "
                             "AND coalesce(sent_at, failed_at, created_at) < ?1",
    [S_NOTICE_PURGE] = "DELETE FROM recipient_notice WHERE id IN (SELECT id FROM recipient_notice "
                       "WHERE state IN ('done', 'unsupported') "
                       "AND coalesce(done_at, created_at) < ?1 LIMIT ?2)",
    [S_NOTICE_PURGE_COUNT] = "SELECT count(*) FROM recipient_notice "
                             "WHERE state IN ('done', 'unsupported') "
                             "AND coalesce(done_at, created_at) < ?1",
    /* ---- erasure journal (journal) ---- */
    [S_JOURNAL_MARK] = "INSERT OR IGNORE INTO erasure_journal (id, at) VALUES (?1, ?2)",
    [S_JOURNAL_HAS] = "SELECT 1 FROM erasure_journal WHERE id = ?1",
    [S_JOURNAL_IDS] = "SELECT id FROM erasure_journal ORDER BY id",
    /* ---- Consent expiry in bulk (sweepbench) ---- */
    /* S_CONSENTS_RUN_OUT with the state's five columns (row_to_consent_state). */
    [S_CONSENTS_RUN_OUT_STATES] = "SELECT p.id, c.purpose, c.state, c.since, c.expires_at, "
                                  "c.renewal_pending, c.last_seq FROM consent_state c "
                                  "JOIN person p ON p.pk = c.person "
                                  "WHERE c.state = 'live' AND c.expires_at IS NOT NULL "
                                  "AND c.expires_at <= ?1 ORDER BY c.expires_at LIMIT ?2",
    /* The entry goes and says which provenance rows and organisation it cited. */
    [S_ENTRY_LEAVE] = "DELETE FROM entry WHERE register = ?1 AND person = "
                      "(SELECT pk FROM person WHERE id = ?2) RETURNING name_prov, email_prov, "
                      "phone_prov, position_prov, organisation_prov, interests_prov, "
                      "organisation_id",
    [S_ORG_DELETE_UNUSED_ID] = "DELETE FROM organisation WHERE id = ?1 AND NOT EXISTS "
                               "(SELECT 1 FROM entry e WHERE e.organisation_id = ?1)",
    /* ---- erasure journal across key rotations (journalgen) ---- */
    [S_SUPPRESS_ADD_GEN] = "INSERT OR IGNORE INTO suppression (hash, kind, reason, at, gen) "
                           "VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_LOOKUP_VALUES] = "SELECT p.id, e.email, e.phone FROM entry e "
                        "JOIN person p ON p.pk = e.person "
                        "WHERE e.email IS NOT NULL OR e.phone IS NOT NULL "
                        "UNION ALL SELECT p.id, u.email, NULL FROM signup u "
                        "JOIN person p ON p.pk = u.person_id WHERE u.email IS NOT NULL",
    /* ---- the mail limit (mail_limit) ---- */
    [S_MAIL_LIMIT_COUNT] = "SELECT count(*), coalesce(max(at), 0) FROM mail_limit "
                           "WHERE recipient = ?1 AND at >= ?2",
    [S_MAIL_LIMIT_ADD] = "INSERT INTO mail_limit (recipient, at) VALUES (?1, ?2)",
    [S_MAIL_LIMIT_PRUNE] = "DELETE FROM mail_limit WHERE at < ?1",
    [S_SAVEPOINT] = "SAVEPOINT rk_shadow",
    [S_SAVEPOINT_UNDO] = "ROLLBACK TO rk_shadow",
    [S_SAVEPOINT_RELEASE] = "RELEASE rk_shadow",
    /* ---- Sealed values (migration 0014) ---- */
    [S_SEALED_SET_NOTICE] = "UPDATE recipient_notice SET sealed = ?2 "
                            "WHERE id = ?1 AND state = 'queued'",
    [S_SEALED_SET_OUTBOX] = "UPDATE outbox SET sealed = ?2 WHERE id = ?1 AND state = 'queued'",
    [S_SEALED_LIST_NOTICE] = "SELECT id, recipient, person_id, NULL, sealed FROM recipient_notice "
                             "WHERE id > ?1 AND sealed IS NOT NULL "
                             "AND (?2 = 0 OR substr(sealed, 1, 1) = X'00') ORDER BY id LIMIT ?3",
    [S_SEALED_LIST_OUTBOX] = "SELECT id, NULL, person_id, message_id, sealed FROM outbox "
                             "WHERE id > ?1 AND sealed IS NOT NULL "
                             "AND (?2 = 0 OR substr(sealed, 1, 1) = X'00') ORDER BY id LIMIT ?3",
    /* The census: one row, the columns in struct rk_census's order (census_fields). */
    [S_CENSUS_ALL] =
        "SELECT (SELECT count(*) FROM person), "
        "(SELECT count(*) FROM person WHERE restricted = 1), "
        "(SELECT count(*) FROM person WHERE objected = 1), "
        "(SELECT count(*) FROM entry), "
        "(SELECT count(*) FROM provenance), "
        "(SELECT count(*) FROM provenance p WHERE NOT EXISTS (SELECT 1 FROM entry e WHERE p.id "
        "IN (e.name_prov, e.email_prov, e.phone_prov, e.position_prov, e.organisation_prov, "
        "e.interests_prov))), "
        "(SELECT count(*) FROM organisation), "
        "(SELECT count(*) FROM organisation o WHERE NOT EXISTS (SELECT 1 FROM entry e "
        "WHERE e.organisation_id = o.id)), "
        "(SELECT count(*) FROM consent_event), "
        "(SELECT count(*) FROM consent_event WHERE event = 'expired'), "
        "(SELECT count(*) FROM consent_state), "
        "(SELECT count(*) FROM consent_state WHERE state = 'live'), "
        "(SELECT count(*) FROM contract), "
        "(SELECT count(*) FROM contract WHERE restricted = 1), "
        "(SELECT count(*) FROM contract_change), "
        "(SELECT count(*) FROM invoice), "
        "(SELECT count(*) FROM invoice WHERE restricted = 1), "
        "(SELECT count(*) FROM signup), "
        "(SELECT count(*) FROM outbox), "
        "(SELECT count(*) FROM outbox WHERE state = 'queued'), "
        "(SELECT count(*) FROM task), "
        "(SELECT count(*) FROM task WHERE done_at IS NULL), "
        "(SELECT count(*) FROM request), "
        "(SELECT count(*) FROM recipient_notice), "
        "(SELECT count(*) FROM recipient_notice WHERE state = 'queued'), "
        "(SELECT count(*) FROM answer), "
        "(SELECT count(*) FROM answer_file), "
        "(SELECT count(*) FROM audit), "
        "(SELECT count(*) FROM suppression), "
        "(SELECT count(*) FROM suppression WHERE reason = 'objection'), "
        "(SELECT count(*) FROM mail_limit), "
        "(SELECT count(*) FROM search_token), "
        "(SELECT count(*) FROM staff), "
        "(SELECT count(*) FROM staff_session)",
    [S_CENSUS_PERSON] =
        "WITH me(pk) AS (SELECT pk FROM person WHERE id = ?1), "
        "prov(id) AS (SELECT name_prov FROM entry WHERE person IN me UNION "
        "SELECT email_prov FROM entry WHERE person IN me UNION "
        "SELECT phone_prov FROM entry WHERE person IN me UNION "
        "SELECT position_prov FROM entry WHERE person IN me UNION "
        "SELECT organisation_prov FROM entry WHERE person IN me UNION "
        "SELECT interests_prov FROM entry WHERE person IN me) "
        "SELECT (SELECT count(*) FROM me), "
        "(SELECT count(*) FROM person WHERE pk IN me AND restricted = 1), "
        "(SELECT count(*) FROM person WHERE pk IN me AND objected = 1), "
        "(SELECT count(*) FROM entry WHERE person IN me), "
        "(SELECT count(*) FROM provenance WHERE id IN prov), "
        "-1, "
        "(SELECT count(DISTINCT organisation_id) FROM entry WHERE person IN me), "
        "-1, "
        "(SELECT count(*) FROM consent_event WHERE person IN me), "
        "(SELECT count(*) FROM consent_event WHERE person IN me AND event = 'expired'), "
        "(SELECT count(*) FROM consent_state WHERE person IN me), "
        "(SELECT count(*) FROM consent_state WHERE person IN me AND state = 'live'), "
        "(SELECT count(*) FROM contract WHERE person IN me), "
        "(SELECT count(*) FROM contract WHERE person IN me AND restricted = 1), "
        "(SELECT count(*) FROM contract_change WHERE contract_id IN "
        "(SELECT id FROM contract WHERE person IN me)), "
        "(SELECT count(*) FROM invoice WHERE person IN me), "
        "(SELECT count(*) FROM invoice WHERE person IN me AND restricted = 1), "
        "(SELECT count(*) FROM signup WHERE person_id IN me), "
        "(SELECT count(*) FROM outbox WHERE person_id = ?1), "
        "(SELECT count(*) FROM outbox WHERE person_id = ?1 AND state = 'queued'), "
        "(SELECT count(*) FROM task WHERE person IN me), "
        "(SELECT count(*) FROM task WHERE person IN me AND done_at IS NULL), "
        "(SELECT count(*) FROM request WHERE person_id = ?1), "
        "(SELECT count(*) FROM recipient_notice WHERE person_id = ?1), "
        "(SELECT count(*) FROM recipient_notice WHERE person_id = ?1 AND state = 'queued'), "
        "(SELECT count(*) FROM answer WHERE person_id = ?1), "
        "(SELECT count(*) FROM answer_file WHERE request_id IN "
        "(SELECT request_id FROM answer WHERE person_id = ?1)), "
        "(SELECT count(*) FROM audit WHERE person_id = ?1), "
        "-1, -1, -1, "
        "(SELECT count(*) FROM search_token WHERE person IN me), "
        "-1, -1",
};

#define ORG_CACHE 256

struct sqlite_store {
    struct rk_store base; /* first: the handle callers hold */
    sqlite3 *db;
    sqlite3_stmt *stmts[S__COUNT];
    bool in_tx;
    /* Organisation name → id, so that an import of many people of the same
     * organisations does not look each up again. Cleared on rollback, which
     * may undo the insertion of a cached organisation. */
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
};

static _Thread_local char last_error[256];

const char *rk_store_last_error(void) { return last_error; }

/*
 * Maps an SQLite result code to rk_err and remembers the message. A database
 * that cannot be written (disk or file size limit full, read-only file or
 * directory, an I/O error) is RK_ESTORAGE, with the cause named first in the
 * message: the CLI prints it, the service logs it (neither holds personal data).
 */
static rk_err fail(struct sqlite_store *s, int rc) {
    const char *why = NULL;
    switch (rc & 0xff) {
    case SQLITE_FULL: why = "disk full"; break;
    case SQLITE_READONLY: why = "read-only"; break;
    case SQLITE_CANTOPEN: why = "a file cannot be opened"; break;
    case SQLITE_IOERR: why = "input/output error"; break;
    default: break;
    }
    int sys = why && s->db ? sqlite3_system_errno(s->db) : 0; /* ENOSPC, EFBIG, EROFS, ... */
    if (why)
        snprintf(last_error, sizeof last_error,
                 "the database could not be written (%s%s%s); the transaction was rolled back "
                 "(sqlite: %s)",
                 why, sys ? ": " : "", sys ? strerror(sys) : "",
                 s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
    else
        snprintf(last_error, sizeof last_error, "sqlite: %s", s->db ? sqlite3_errmsg(s->db) : "");
    switch (rc & 0xff) {
    case SQLITE_NOMEM: return RK_ENOMEM;
    case SQLITE_CONSTRAINT:
        return rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY ? RK_ECONFLICT
                                                                                    : RK_EINVAL;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return RK_EBUSY;
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_IOERR: return RK_ESTORAGE;
    default: return RK_EIO;
    }
}

static rk_err overflow(void) {
    snprintf(last_error, sizeof last_error, "a stored record does not fit its buffer");
    return RK_EIO;
}

static rk_err prepare(struct sqlite_store *s, enum stmt i, sqlite3_stmt **out) {
    if (!s->stmts[i]) {
        int rc =
            sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[i], NULL);
        if (rc != SQLITE_OK)
            return fail(s, rc);
    }
    *out = s->stmts[i];
    return RK_OK;
}

static void done(sqlite3_stmt *st) {
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* ---- Binding helpers (NULL and 0 bind SQL NULL where noted) ---------------------------- */

static void bind_text(sqlite3_stmt *st, int i, const char *v) {
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

static void bind_ts(sqlite3_stmt *st, int i, rk_ts t) {
    char buf[RK_TS_LEN + 1];
    if (t == 0) {
        sqlite3_bind_null(st, i);
        return;
    }
    rk_ts_format(t, buf);
    sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
}

static void bind_date(sqlite3_stmt *st, int i, struct rk_date d) {
    char buf[11];
    if (d.y == 0) {
        sqlite3_bind_null(st, i);
        return;
    }
    rk_date_iso(d, buf);
    sqlite3_bind_text(st, i, buf, -1, SQLITE_TRANSIENT);
}

static void bind_prov(sqlite3_stmt *st, int i, int64_t id) {
    if (id)
        sqlite3_bind_int64(st, i, id);
    else
        sqlite3_bind_null(st, i);
}

/* ---- Column helpers ------------------------------------------------------------------ */

static const char *col_text(sqlite3_stmt *st, int i) {
    return (const char *)sqlite3_column_text(st, i);
}

static rk_ts col_ts(sqlite3_stmt *st, int i) {
    rk_ts t = 0;
    const char *s = col_text(st, i);
    if (s && !rk_ts_parse(s, &t))
        t = 0;
    return t;
}

static struct rk_date col_date(sqlite3_stmt *st, int i) {
    struct rk_date d = {0, 0, 0};
    const char *s = col_text(st, i);
    if (s && !rk_date_parse(s, &d))
        d = (struct rk_date){0, 0, 0};
    return d;
}

/* Copies column i into dst (size n); false when it does not fit. */
static bool col_copy(sqlite3_stmt *st, int i, char *dst, size_t n) {
    const char *s = col_text(st, i);
    size_t len = s ? (size_t)sqlite3_column_bytes(st, i) : 0;
    if (len >= n)
        return false;
    if (len)
        memcpy(dst, s, len);
    dst[len] = '\0';
    return true;
}

/* A bump allocator over a record's buffer, for the strings of one read. */
struct strbuf {
    char *p;
    size_t left;
    bool overflow;
};

static const char *keep(struct strbuf *b, const char *s, int len) {
    if (!s)
        return NULL;
    if ((size_t)len + 1 > b->left) {
        b->overflow = true;
        return NULL;
    }
    char *out = b->p;
    memcpy(out, s, (size_t)len);
    out[len] = '\0';
    b->p += len + 1;
    b->left -= (size_t)len + 1;
    return out;
}

static const char *keep_col(struct strbuf *b, sqlite3_stmt *st, int i) {
    return keep(b, col_text(st, i), sqlite3_column_bytes(st, i));
}

static bool row_to_entry(sqlite3_stmt *st, struct rk_entry *e) {
    /* Columns: see ENTRY_COLS. */
    static const int value_col[RK_F__COUNT] = {3, 5, 8, 11, 13, 15};
    static const int prov_col[RK_F__COUNT] = {4, 7, 10, 12, 14, 16};
    struct strbuf b = {e->buf, sizeof e->buf, false};
    if (!col_copy(st, 0, e->register_id, sizeof e->register_id) ||
        !col_copy(st, 1, e->person_id, sizeof e->person_id))
        return false;
    e->since = col_ts(st, 2);
    for (int f = 0; f < RK_F__COUNT; f++) {
        e->v[f] = keep_col(&b, st, value_col[f]);
        e->prov[f] = sqlite3_column_int64(st, prov_col[f]);
    }
    memset(e->email_hash, 0, RK_HASH_LEN);
    memset(e->phone_hash, 0, RK_HASH_LEN);
    if (sqlite3_column_bytes(st, 6) == RK_HASH_LEN)
        memcpy(e->email_hash, sqlite3_column_blob(st, 6), RK_HASH_LEN);
    if (sqlite3_column_bytes(st, 9) == RK_HASH_LEN)
        memcpy(e->phone_hash, sqlite3_column_blob(st, 9), RK_HASH_LEN);
    return !b.overflow;
}

/* Runs a statement expected to change rows (no result rows). */
static rk_err step_done(struct sqlite_store *s, sqlite3_stmt *st) {
    int rc = sqlite3_step(st);
    rk_err err = rc == SQLITE_DONE ? RK_OK : fail(s, rc);
    done(st);
    return err;
}

/* Steps through the rows of a query, calling each(ctx, st) per row until it returns non-zero. */
static rk_err step_rows(struct sqlite_store *s, sqlite3_stmt *st,
                        int (*each)(void *, sqlite3_stmt *), void *ctx) {
    int rc;
    rk_err err = RK_OK;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int r = each(ctx, st);
        if (r < 0) {
            snprintf(last_error, sizeof last_error, "a stored record does not fit its buffer");
            err = RK_EIO;
            break;
        }
        if (r > 0)
            break;
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        err = fail(s, rc);
    done(st);
    return err;
}

/* ---- Open, close, migrate, transactions ---------------------------------------------- */

static rk_err exec(struct sqlite_store *s, const char *script) {
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, script, NULL, NULL, &msg);
    if (rc != SQLITE_OK) {
        snprintf(last_error, sizeof last_error, "sqlite: %s", msg ? msg : sqlite3_errstr(rc));
        sqlite3_free(msg);
        rk_err err = fail(s, rc);
        if (err != RK_ESTORAGE) /* that message names the cause already */
            snprintf(last_error, sizeof last_error, "sqlite: %s", sqlite3_errstr(rc));
        return err;
    }
    return RK_OK;
}

static void sq_close(struct rk_store *base) {
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
        return fail(s, sqlite3_errcode(s->db));
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
    return rc == SQLITE_OK ? RK_OK : fail(s, rc);
}

static rk_err sq_open(const char *location, const struct rk_store_options *opt,
                      struct rk_store **out) {
    struct sqlite_store *s = calloc(1, sizeof *s);
    if (!s)
        return RK_ENOMEM;
    s->base.ops = &rk_store_sqlite_ops;
    const bool ro = opt && opt->read_only;
    int rc =
        sqlite3_open_v2(location, &s->db,
                        (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                            SQLITE_OPEN_NOMUTEX,
                        NULL);
    rk_err err = RK_OK;
    if (rc != SQLITE_OK) {
        err = fail(s, rc);
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

static rk_err sq_migrate(struct rk_store *base, int *from, int *to) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    int v = user_version(s);
    if (v < 0)
        return fail(s, sqlite3_errcode(s->db));
    *from = *to = v;
    int newest = rk_nmigrations ? rk_migrations[rk_nmigrations - 1].version : 0;
    if (v > newest) {
        snprintf(last_error, sizeof last_error,
                 "the database has schema version %d, newer than this program's %d", v, newest);
        return RK_EINVAL;
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

static rk_err sq_begin(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = exec(s, "BEGIN IMMEDIATE");
    s->in_tx = err == RK_OK;
    s->audit_head_ok = false;
    return err;
}

static rk_err sq_checkpoint(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    int log = 0, done = 0;
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done);
    if (rc == SQLITE_BUSY || (rc == SQLITE_OK && done < log))
        return RK_EBUSY;
    return rc == SQLITE_OK ? RK_OK : fail(s, rc);
}

static rk_err sq_commit(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = exec(s, "COMMIT");
    if (err == RK_OK)
        s->in_tx = false;
    s->audit_head_ok = false;
    return err;
}

static void sq_rollback(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    for (int i = 0; i < ORG_CACHE; i++)
        s->orgs[i].id = 0;
    if (s->in_tx)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = false;
    s->audit_head_ok = false;
}

/* ---- Persons, provenance, entries ------------------------------------------------------ */

static rk_err sq_person_insert(struct rk_store *base, const char *id, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_PERSON_INSERT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, id);
    bind_ts(st, 2, at);
    return step_done(s, st);
}

static rk_err sq_person_exists(struct rk_store *base, const char *id, bool *restricted,
                               bool *objected) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_PERSON_EXISTS, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (restricted)
            *restricted = sqlite3_column_int(st, 0) != 0;
        if (objected)
            *objected = sqlite3_column_int(st, 1) != 0;
        err = RK_OK;
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    }
    done(st);
    return err;
}

static rk_err sq_provenance_insert(struct rk_store *base, const struct rk_provenance *p,
                                   int64_t *id) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_PROV_INSERT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, rk_source_kind_id(p->source));
    bind_text(st, 2, p->detail);
    bind_text(st, 3, p->purpose);
    bind_ts(st, 4, p->at);
    bind_text(st, 5, p->by);
    err = step_done(s, st);
    if (err == RK_OK)
        *id = sqlite3_last_insert_rowid(s->db);
    return err;
}

static int source_from_id(const char *id) {
    for (int k = 0; k < RK_SRC__COUNT; k++)
        if (id && strcmp(rk_source_kind_id((enum rk_source_kind)k), id) == 0)
            return k;
    return -1;
}

static rk_err sq_provenance_get(struct rk_store *base, int64_t id, struct rk_provenance *out,
                                char *buf, size_t bufsz) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_PROV_GET, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct strbuf b = {buf, bufsz, false};
        int kind = source_from_id(col_text(st, 0));
        out->source = kind < 0 ? RK_SRC_OTHER_HANDOVER : (enum rk_source_kind)kind;
        out->detail = keep_col(&b, st, 1);
        out->purpose = keep_col(&b, st, 2);
        out->at = col_ts(st, 3);
        out->by = keep_col(&b, st, 4);
        err = b.overflow ? overflow() : RK_OK;
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    }
    done(st);
    return err;
}

static rk_err organisation_id(struct sqlite_store *s, const char *name, int64_t *id) {
    sqlite3_stmt *st = NULL;
    size_t h = 5381, len = strlen(name);
    for (size_t i = 0; i < len; i++)
        h = h * 33 + (unsigned char)name[i];
    bool cacheable = len < sizeof s->orgs[0].name;
    size_t slot = h % ORG_CACHE;
    if (cacheable && s->orgs[slot].id && strcmp(s->orgs[slot].name, name) == 0) {
        *id = s->orgs[slot].id;
        return RK_OK;
    }
    rk_err err = prepare(s, S_ORG_INSERT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, name);
    if ((err = step_done(s, st)) != RK_OK)
        return err;
    if ((err = prepare(s, S_ORG_GET, &st)) != RK_OK)
        return err;
    bind_text(st, 1, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    else
        err = rc == SQLITE_DONE ? RK_EIO : fail(s, rc);
    done(st);
    if (err == RK_OK && cacheable) {
        s->orgs[slot].id = *id;
        memcpy(s->orgs[slot].name, name, len + 1);
    }
    return err;
}

static rk_err sq_entry_put(struct rk_store *base, const struct rk_entry *e) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    int64_t org = 0;
    rk_err err = RK_OK;
    if (e->v[RK_F_ORGANISATION] && (err = organisation_id(s, e->v[RK_F_ORGANISATION], &org)))
        return err;
    if ((err = prepare(s, S_ENTRY_PUT, &st)) != RK_OK)
        return err;
    bind_text(st, 1, e->register_id);
    bind_text(st, 2, e->person_id);
    bind_ts(st, 3, e->since);
    bind_text(st, 4, e->v[RK_F_NAME]);
    bind_prov(st, 5, e->prov[RK_F_NAME]);
    bind_text(st, 6, e->v[RK_F_EMAIL]);
    if (e->v[RK_F_EMAIL])
        sqlite3_bind_blob(st, 7, e->email_hash, RK_HASH_LEN, SQLITE_STATIC);
    bind_prov(st, 8, e->prov[RK_F_EMAIL]);
    bind_text(st, 9, e->v[RK_F_PHONE]);
    if (e->v[RK_F_PHONE])
        sqlite3_bind_blob(st, 10, e->phone_hash, RK_HASH_LEN, SQLITE_STATIC);
    bind_prov(st, 11, e->prov[RK_F_PHONE]);
    bind_text(st, 12, e->v[RK_F_POSITION]);
    bind_prov(st, 13, e->prov[RK_F_POSITION]);
    bind_prov(st, 14, org);
    bind_prov(st, 15, e->prov[RK_F_ORGANISATION]);
    bind_text(st, 16, e->v[RK_F_INTERESTS]);
    bind_prov(st, 17, e->prov[RK_F_INTERESTS]);
    return step_done(s, st);
}

static rk_err sq_entry_get(struct rk_store *base, const char *reg, const char *person,
                           struct rk_entry *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_ENTRY_GET, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, reg);
    bind_text(st, 2, person);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = row_to_entry(st, out) ? RK_OK : overflow();
    else
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    done(st);
    return err;
}

static rk_err sq_entry_delete(struct rk_store *base, const char *reg, const char *person) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_ENTRY_DELETE, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, reg);
    bind_text(st, 2, person);
    err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

struct entry_iter {
    rk_entry_fn fn;
    void *ctx;
    struct rk_entry e;
};

static int each_entry(void *ctx, sqlite3_stmt *st) {
    struct entry_iter *it = ctx;
    if (!row_to_entry(st, &it->e))
        return -1;
    return it->fn(it->ctx, &it->e);
}

static rk_err iterate_entries(struct sqlite_store *s, sqlite3_stmt *st, rk_entry_fn fn, void *ctx) {
    struct entry_iter *it = malloc(sizeof *it);
    if (!it) {
        done(st);
        return RK_ENOMEM;
    }
    it->fn = fn;
    it->ctx = ctx;
    rk_err err = step_rows(s, st, each_entry, it);
    free(it);
    return err;
}

static rk_err sq_entries_of_person(struct rk_store *base, const char *person, rk_entry_fn fn,
                                   void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_ENTRIES_OF_PERSON, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, person);
    return iterate_entries(s, st, fn, ctx);
}

static rk_err sq_find_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                              const char *reg, char id[RK_ID_LEN + 1]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, reg ? S_FIND_HASH_REG : S_FIND_HASH, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    if (reg)
        bind_text(st, 2, reg);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = col_copy(st, 0, id, RK_ID_LEN + 1) ? RK_OK : RK_EIO;
    else
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    done(st);
    return err;
}

static rk_err sq_entries_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                                 rk_entry_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_ENTRIES_BY_HASH, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    return iterate_entries(s, st, fn, ctx);
}

static rk_err sq_find_by_name(struct rk_store *base, const char *fragment, rk_entry_fn fn,
                              void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    char pattern[1024];
    size_t n = 0;
    /* LIKE metacharacters in the fragment match themselves. */
    for (const char *p = fragment; *p && n + 2 < sizeof pattern; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            pattern[n++] = '\\';
        pattern[n++] = *p;
    }
    pattern[n] = '\0';
    rk_err err = prepare(s, S_FIND_NAME, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_text(st, 1, pattern, -1, SQLITE_TRANSIENT);
    return iterate_entries(s, st, fn, ctx);
}

/* ---- People search and overview (migration 0016) -------------------------------------- */

static rk_err sq_search_put(struct rk_store *base, const char *person, const char *register_id,
                            const struct rk_search_word *words, size_t n) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *del = NULL, *ins = NULL;
    rk_err err = prepare(s, S_SEARCH_DELETE, &del);
    if (err == RK_OK)
        err = prepare(s, S_SEARCH_INSERT, &ins);
    if (err != RK_OK)
        return err;
    bind_text(del, 1, person);
    bind_text(del, 2, register_id);
    int rc = sqlite3_step(del);
    done(del);
    if (rc != SQLITE_DONE)
        return fail(s, rc);
    for (size_t i = 0; i < n; i++) {
        bind_text(ins, 1, person);
        bind_text(ins, 2, register_id);
        bind_text(ins, 3, words[i].word);
        sqlite3_bind_int(ins, 4, (int)words[i].field);
        rc = sqlite3_step(ins);
        done(ins);
        if (rc != SQLITE_DONE)
            return fail(s, rc);
    }
    return RK_OK;
}

struct search_iter {
    rk_search_row_fn fn;
    void *ctx;
    int64_t last_pk;
    char last_key[128];
};

/* Columns: key, pk, id, created_at. Consecutive rows of one person under one key come once. */
static int each_search_row(void *ctx, sqlite3_stmt *st) {
    struct search_iter *it = ctx;
    const char *key = col_text(st, 0);
    int64_t pk = sqlite3_column_int64(st, 1);
    if (!key)
        return -1;
    if (pk == it->last_pk && strcmp(key, it->last_key) == 0)
        return 0;
    it->last_pk = pk;
    snprintf(it->last_key, sizeof it->last_key, "%s", key);
    struct rk_search_row r = {pk, col_text(st, 2), col_ts(st, 3), key,
                              sqlite3_column_count(st) < 5 || sqlite3_column_int(st, 4) != 0};
    return r.person_id ? it->fn(it->ctx, &r) : -1;
}

/* Binds prefix p at parameter i and the first text after all with that prefix at i + 1. */
static void bind_prefix(sqlite3_stmt *st, int i, const char *p) {
    char hi[128];
    size_t n = strnlen(p, sizeof hi - 2);
    snprintf(hi, sizeof hi, "%.*s\xff", (int)n, p); /* no UTF-8 text holds 0xff */
    sqlite3_bind_text(st, i, p, (int)n, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, i + 1, hi, (int)n + 1, SQLITE_TRANSIENT);
}

static rk_err sq_search_words(struct rk_store *base, const char *prefix, int field,
                              const char *const *also, size_t nalso, const char *after_word,
                              int64_t after_pk, rk_search_row_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    size_t n = strlen(prefix);
    if (n + 2 > 128)
        return RK_EINVAL;
    rk_err err = prepare(s, S_SEARCH_WORDS, &st);
    if (err != RK_OK)
        return err;
    bind_prefix(st, 1, prefix); /* the range: from the prefix (or the cursor) to its end */
    if (after_word && strncmp(after_word, prefix, n) == 0)
        bind_text(st, 1, after_word);
    else
        after_pk = -1;
    sqlite3_bind_int64(st, 3, after_pk);
    sqlite3_bind_int(st, 4, field);
    for (size_t i = 0; i < nalso && i < 2; i++)
        bind_prefix(st, 5 + 2 * (int)i, also[i]);
    struct search_iter it = {fn, ctx, -1, ""};
    return step_rows(s, st, each_search_row, &it);
}

static rk_err sq_search_count(struct rk_store *base, const char *prefix, int field, int64_t cap,
                              int64_t *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_SEARCH_COUNT, &st);
    if (err != RK_OK)
        return err;
    bind_prefix(st, 1, prefix);
    sqlite3_bind_int(st, 3, field);
    sqlite3_bind_int64(st, 4, cap);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        err = fail(s, rc);
    done(st);
    return err;
}

static rk_err sq_search_people(struct rk_store *base, rk_ts since, rk_ts before,
                               int64_t before_pk, rk_search_row_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_SEARCH_PEOPLE, &st);
    if (err != RK_OK)
        return err;
    if (since)
        bind_ts(st, 1, since);
    else
        sqlite3_bind_text(st, 1, "", 0, SQLITE_STATIC);
    if (before) {
        bind_ts(st, 2, before);
        sqlite3_bind_int64(st, 3, before_pk);
    } else {
        sqlite3_bind_text(st, 2, "~", 1, SQLITE_STATIC); /* after every ISO 8601 instant */
        sqlite3_bind_int64(st, 3, INT64_MAX);
    }
    struct search_iter it = {fn, ctx, -1, ""};
    return step_rows(s, st, each_search_row, &it);
}

static rk_err sq_search_built(struct rk_store *base, bool *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_SEARCH_BUILT, &st);
    if (err != RK_OK)
        return err;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0) != 0;
    else
        err = rc == SQLITE_DONE ? RK_EIO : fail(s, rc);
    done(st);
    return err;
}

/* Runs statement i, which returns no rows and binds nothing. */
static rk_err run_plain(struct sqlite_store *s, enum stmt i) {
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, i, &st);
    if (err != RK_OK)
        return err;
    int rc = sqlite3_step(st);
    done(st);
    return rc == SQLITE_DONE ? RK_OK : fail(s, rc);
}

static rk_err sq_search_built_set(struct rk_store *base) {
    return run_plain((struct sqlite_store *)base, S_SEARCH_BUILT_SET);
}

static rk_err sq_entries_all(struct rk_store *base, rk_entry_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_ENTRIES_ALL, &st);
    return err != RK_OK ? err : iterate_entries(s, st, fn, ctx);
}

struct counter_iter {
    rk_counter_fn fn;
    void *ctx;
};

/* Columns: week (or NULL), name, three counts. */
static int each_counter(void *ctx, sqlite3_stmt *st) {
    struct counter_iter *it = ctx;
    struct rk_counter_row r = {col_text(st, 0), col_text(st, 1),
                               {sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3),
                                sqlite3_column_int64(st, 4)}};
    return r.name ? it->fn(it->ctx, &r) : -1;
}

static rk_err counters(struct sqlite_store *s, enum stmt i, const char *from, rk_counter_fn fn,
                       void *ctx) {
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, i, &st);
    if (err != RK_OK)
        return err;
    if (from)
        bind_text(st, 1, from);
    struct counter_iter it = {fn, ctx};
    return step_rows(s, st, each_counter, &it);
}

static rk_err sq_register_counts(struct rk_store *base, rk_counter_fn fn, void *ctx) {
    return counters((struct sqlite_store *)base, S_REGISTER_COUNTS, NULL, fn, ctx);
}

static rk_err sq_purpose_counts(struct rk_store *base, rk_counter_fn fn, void *ctx) {
    return counters((struct sqlite_store *)base, S_PURPOSE_COUNTS, NULL, fn, ctx);
}

static rk_err sq_consent_weeks(struct rk_store *base, const char *from, rk_counter_fn fn,
                               void *ctx) {
    return counters((struct sqlite_store *)base, S_CONSENT_WEEKS, from, fn, ctx);
}

static rk_err sq_console_mark_get(struct rk_store *base, const char *what,
                                  struct rk_console_mark *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_MARK_GET, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, what);
    memset(out, 0, sizeof *out);
    out->ok = -1;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->at = col_ts(st, 0);
        out->seq = sqlite3_column_int64(st, 1);
        if (!col_copy(st, 2, out->detail, sizeof out->detail))
            err = overflow();
        out->ok = sqlite3_column_type(st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 3);
    } else if (rc != SQLITE_DONE) {
        err = fail(s, rc);
    }
    done(st);
    return err;
}

static rk_err sq_console_mark_set(struct rk_store *base, const char *what,
                                  const struct rk_console_mark *m) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_MARK_SET, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, what);
    bind_ts(st, 2, m->at);
    sqlite3_bind_int64(st, 3, m->seq);
    bind_text(st, 4, m->detail);
    if (m->ok < 0)
        sqlite3_bind_null(st, 5);
    else
        sqlite3_bind_int(st, 5, m->ok);
    int rc = sqlite3_step(st);
    done(st);
    return rc == SQLITE_DONE ? RK_OK : fail(s, rc);
}

/* ---- Consent ------------------------------------------------------------------------- */

static const char *const consent_kinds[] = {"given", "confirmed", "withdrawn", "expired"};
static const char *const consent_states[] = {"none", "pending", "live", "withdrawn", "expired"};

static int index_of(const char *const *names, int n, const char *s) {
    for (int i = 0; i < n; i++)
        if (s && strcmp(names[i], s) == 0)
            return i;
    return -1;
}

static bool fits(const char *v, size_t max) { return !v || strlen(v) <= max; }

static rk_err sq_consent_append(struct rk_store *base, struct rk_consent_event *e) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if (!fits(e->evidence, RK_CONSENT_EVIDENCE_MAX) ||
        !fits(e->notice_version, RK_CONSENT_FIELD_MAX) || !fits(e->channel, RK_CONSENT_FIELD_MAX) ||
        !fits(e->collector, RK_CONSENT_FIELD_MAX) || !fits(e->form_id, RK_CONSENT_FIELD_MAX) ||
        !fits(e->ip, RK_CONSENT_FIELD_MAX) || !fits(e->user_agent, RK_CONSENT_FIELD_MAX)) {
        snprintf(last_error, sizeof last_error, "a consent event field is longer than allowed");
        return RK_ETOOBIG;
    }
    rk_err err = prepare(s, S_CONSENT_APPEND, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, e->person_id);
    bind_text(st, 2, e->purpose);
    bind_text(st, 3, consent_kinds[e->kind]);
    sqlite3_bind_int(st, 4, e->pending);
    bind_text(st, 5, rk_basis_id(e->basis));
    bind_text(st, 6, e->notice_version);
    bind_text(st, 7, e->notice_sha256);
    bind_text(st, 8, e->channel);
    bind_text(st, 9, e->collector);
    bind_text(st, 10, e->form_id);
    bind_text(st, 11, e->ip);
    bind_text(st, 12, e->user_agent);
    bind_text(st, 13, e->evidence);
    bind_ts(st, 14, e->at);
    err = step_done(s, st);
    if (err == RK_OK)
        e->seq = sqlite3_last_insert_rowid(s->db);
    return err;
}

struct consent_iter {
    rk_consent_fn fn;
    void *ctx;
    struct rk_consent_event e;
};

static int each_consent(void *ctx, sqlite3_stmt *st) {
    struct consent_iter *it = ctx;
    struct rk_consent_event *e = &it->e;
    struct strbuf b = {e->buf, sizeof e->buf, false};
    e->seq = sqlite3_column_int64(st, 0);
    int kind = index_of(consent_kinds, 4, col_text(st, 3));
    int basis = -1;
    for (int i = 0; i < RK_BASIS__COUNT; i++)
        if (col_text(st, 5) && strcmp(rk_basis_id((enum rk_basis)i), col_text(st, 5)) == 0)
            basis = i;
    if (kind < 0 || basis < 0 || !col_copy(st, 1, e->person_id, sizeof e->person_id) ||
        !col_copy(st, 2, e->purpose, sizeof e->purpose) ||
        !col_copy(st, 7, e->notice_sha256, sizeof e->notice_sha256))
        return -1;
    e->kind = (enum rk_consent_kind)kind;
    e->pending = sqlite3_column_int(st, 4) != 0;
    e->basis = (enum rk_basis)basis;
    e->notice_version = keep_col(&b, st, 6);
    e->channel = keep_col(&b, st, 8);
    e->collector = keep_col(&b, st, 9);
    e->form_id = keep_col(&b, st, 10);
    e->ip = keep_col(&b, st, 11);
    e->user_agent = keep_col(&b, st, 12);
    e->evidence = keep_col(&b, st, 13);
    e->at = col_ts(st, 14);
    if (b.overflow)
        return -1;
    return it->fn(it->ctx, e);
}

static rk_err sq_consent_events(struct rk_store *base, const char *person, rk_consent_fn fn,
                                void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONSENT_EVENTS, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, person);
    struct consent_iter *it = malloc(sizeof *it);
    if (!it) {
        done(st);
        return RK_ENOMEM;
    }
    it->fn = fn;
    it->ctx = ctx;
    err = step_rows(s, st, each_consent, it);
    free(it);
    return err;
}

/* A consent state from the five columns state, since, expires_at, renewal_pending and
 * last_seq starting at column i; false when the state is not one of consent_states. */
static bool row_to_consent_state(sqlite3_stmt *st, int i, struct rk_consent_state *out) {
    int state = index_of(consent_states, 5, col_text(st, i));
    out->status = state < 0 ? RK_CONSENT_NONE : (enum rk_consent_status)state;
    out->since = col_ts(st, i + 1);
    out->expires_at = col_ts(st, i + 2);
    out->renewal_pending = sqlite3_column_int(st, i + 3) != 0;
    out->last_seq = sqlite3_column_int64(st, i + 4);
    return state >= 0;
}

static rk_err sq_consent_state_get(struct rk_store *base, const char *person, const char *purpose,
                                   struct rk_consent_state *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONSENT_STATE_GET, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, person);
    bind_text(st, 2, purpose);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        err = row_to_consent_state(st, 0, out) ? RK_OK : RK_EIO;
    } else if (rc == SQLITE_DONE) {
        *out = (struct rk_consent_state){RK_CONSENT_NONE, 0, 0, false, 0};
    } else {
        err = fail(s, rc);
    }
    done(st);
    return err;
}

static rk_err sq_consent_state_put(struct rk_store *base, const char *person, const char *purpose,
                                   const struct rk_consent_state *stt) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONSENT_STATE_PUT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, person);
    bind_text(st, 2, purpose);
    bind_text(st, 3, consent_states[stt->status]);
    bind_ts(st, 4, stt->since);
    bind_ts(st, 5, stt->expires_at);
    sqlite3_bind_int(st, 6, stt->renewal_pending);
    sqlite3_bind_int64(st, 7, stt->last_seq);
    return step_done(s, st);
}

/* ---- Contracts and invoices ------------------------------------------------------------ */

static void bind_contract(sqlite3_stmt *st, const struct rk_contract *c) {
    bind_text(st, 1, c->id);
    bind_text(st, 2, c->person_id);
    bind_text(st, 3, c->register_id);
    bind_text(st, 4, c->service);
    bind_date(st, 5, c->start);
    bind_date(st, 6, c->end);
    bind_text(st, 7, c->status == RK_CONTRACT_ACTIVE ? "active" : "ended");
    bind_ts(st, 8, c->created_at);
    bind_text(st, 9, c->created_by);
}

static bool row_to_contract(sqlite3_stmt *st, struct rk_contract *c) {
    c->start = col_date(st, 4);
    c->end = col_date(st, 5);
    c->status = col_text(st, 6) && strcmp(col_text(st, 6), "active") == 0 ? RK_CONTRACT_ACTIVE
                                                                          : RK_CONTRACT_ENDED;
    c->created_at = col_ts(st, 7);
    return col_copy(st, 0, c->id, sizeof c->id) &&
           col_copy(st, 1, c->person_id, sizeof c->person_id) &&
           col_copy(st, 2, c->register_id, sizeof c->register_id) &&
           col_copy(st, 3, c->service, sizeof c->service) &&
           col_copy(st, 8, c->created_by, sizeof c->created_by);
}

static rk_err sq_contract_insert(struct rk_store *base, const struct rk_contract *c) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONTRACT_INSERT, &st);
    if (err != RK_OK)
        return err;
    bind_contract(st, c);
    return step_done(s, st);
}

static rk_err sq_contract_get(struct rk_store *base, const char *id, struct rk_contract *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONTRACT_GET, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = row_to_contract(st, out) ? RK_OK : RK_EIO;
    else
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    done(st);
    return err;
}

static rk_err sq_contract_update(struct rk_store *base, const struct rk_contract *c) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONTRACT_UPDATE, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, c->id);
    bind_text(st, 2, c->service);
    bind_date(st, 3, c->start);
    bind_date(st, 4, c->end);
    bind_text(st, 5, c->status == RK_CONTRACT_ACTIVE ? "active" : "ended");
    err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

static rk_err sq_contract_change_append(struct rk_store *base, const char *contract, rk_ts at,
                                        const char *by, const char *field, const char *old_value,
                                        const char *new_value) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONTRACT_CHANGE, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, contract);
    bind_ts(st, 2, at);
    bind_text(st, 3, by);
    bind_text(st, 4, field);
    bind_text(st, 5, old_value);
    bind_text(st, 6, new_value);
    return step_done(s, st);
}

struct contract_iter {
    rk_contract_fn fn;
    void *ctx;
    struct rk_contract c;
};

static int each_contract(void *ctx, sqlite3_stmt *st) {
    struct contract_iter *it = ctx;
    if (!row_to_contract(st, &it->c))
        return -1;
    return it->fn(it->ctx, &it->c);
}

static rk_err sq_contracts_of_person(struct rk_store *base, const char *person, rk_contract_fn fn,
                                     void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONTRACTS_OF_PERSON, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, person);
    struct contract_iter it = {.fn = fn, .ctx = ctx};
    return step_rows(s, st, each_contract, &it);
}

static rk_err sq_invoice_insert(struct rk_store *base, const struct rk_invoice *i) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_INVOICE_INSERT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, i->id);
    bind_text(st, 2, i->person_id);
    bind_text(st, 3, i->contract_id[0] ? i->contract_id : NULL);
    bind_text(st, 4, i->register_id);
    bind_text(st, 5, i->number);
    bind_date(st, 6, i->date);
    sqlite3_bind_int64(st, 7, i->amount_cents);
    bind_text(st, 8, i->currency);
    bind_date(st, 9, i->keep_until);
    bind_ts(st, 10, i->created_at);
    bind_text(st, 11, i->created_by);
    return step_done(s, st);
}

struct invoice_iter {
    rk_invoice_fn fn;
    void *ctx;
    struct rk_invoice i;
};

static int each_invoice(void *ctx, sqlite3_stmt *st) {
    struct invoice_iter *it = ctx;
    struct rk_invoice *i = &it->i;
    i->date = col_date(st, 5);
    i->amount_cents = sqlite3_column_int64(st, 6);
    i->keep_until = col_date(st, 8);
    i->created_at = col_ts(st, 9);
    i->restricted = sqlite3_column_int(st, 11) != 0;
    if (!col_copy(st, 0, i->id, sizeof i->id) ||
        !col_copy(st, 1, i->person_id, sizeof i->person_id) ||
        !col_copy(st, 2, i->contract_id, sizeof i->contract_id) ||
        !col_copy(st, 3, i->register_id, sizeof i->register_id) ||
        !col_copy(st, 4, i->number, sizeof i->number) ||
        !col_copy(st, 7, i->currency, sizeof i->currency) ||
        !col_copy(st, 10, i->created_by, sizeof i->created_by))
        return -1;
    return it->fn(it->ctx, i);
}

static rk_err sq_invoices_of_person(struct rk_store *base, const char *person, rk_invoice_fn fn,
                                    void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_INVOICES_OF_PERSON, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, person);
    struct invoice_iter it = {.fn = fn, .ctx = ctx};
    return step_rows(s, st, each_invoice, &it);
}

/* ---- Suppression, tasks, audience ------------------------------------------------------ */

static rk_err sq_suppress_add(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                              enum rk_field kind, enum rk_suppress_reason reason, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_SUPPRESS_ADD, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    bind_text(st, 2, kind == RK_F_PHONE ? "phone" : "email");
    bind_text(st, 3, reason == RK_SUPPRESS_ERASURE ? "erasure" : "objection");
    bind_ts(st, 4, at);
    return step_done(s, st);
}

static rk_err sq_suppressed(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                            bool *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_SUPPRESSED, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        *out = rc == SQLITE_ROW;
    else
        err = fail(s, rc);
    done(st);
    return err;
}

static rk_err sq_task_insert(struct rk_store *base, const struct rk_task *t) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_TASK_INSERT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, t->id);
    bind_text(st, 2, t->person_id);
    bind_text(st, 3, t->kind);
    bind_date(st, 4, t->due);
    bind_ts(st, 5, t->created_at);
    bind_text(st, 6, t->detail);
    return step_done(s, st);
}

static rk_err sq_tasks_count(struct rk_store *base, const char *kind, int64_t *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_TASKS_COUNT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, kind);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        err = fail(s, rc);
    done(st);
    return err;
}

struct change_iter {
    rk_change_fn fn;
    void *ctx;
};

static int each_change(void *ctx, sqlite3_stmt *st) {
    struct change_iter *it = ctx;
    struct rk_contract_change c = {col_ts(st, 0), col_text(st, 1), col_text(st, 2), col_text(st, 3),
                                   col_text(st, 4)};
    return it->fn(it->ctx, &c);
}

static rk_err sq_contract_changes(struct rk_store *base, const char *contract, rk_change_fn fn,
                                  void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONTRACT_CHANGES, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, contract);
    struct change_iter it = {fn, ctx};
    return step_rows(s, st, each_change, &it);
}

struct task_iter {
    rk_task_fn fn;
    void *ctx;
};

static int each_task(void *ctx, sqlite3_stmt *st) {
    struct task_iter *it = ctx;
    struct rk_task_view t = {col_text(st, 0),
                             col_text(st, 1),
                             col_text(st, 2),
                             col_date(st, 3),
                             col_ts(st, 4),
                             col_ts(st, 5),
                             NULL};
    return it->fn(it->ctx, &t);
}

static rk_err sq_tasks_of_person(struct rk_store *base, const char *person, rk_task_fn fn,
                                 void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_TASKS_OF_PERSON, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, person);
    struct task_iter it = {fn, ctx};
    return step_rows(s, st, each_task, &it);
}

static rk_err sq_recipient_notice_add(struct rk_store *base, struct rk_recipient_notice *n) {
    static const char *const kinds[RK_NOTICE__COUNT] = {"rectification", "erasure", "restriction",
                                                        "restriction_lifted"};
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if ((unsigned)n->kind >= RK_NOTICE__COUNT)
        return RK_EINVAL;
    rk_err err = prepare(s, S_NOTICE_ADD, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, n->recipient);
    bind_text(st, 2, n->person_id);
    bind_text(st, 3, kinds[n->kind]);
    bind_text(st, 4, n->request_id);
    bind_ts(st, 5, n->created_at);
    err = step_done(s, st);
    if (err == RK_OK)
        n->id = sqlite3_last_insert_rowid(s->db);
    return err;
}

static rk_err sq_signup_put(struct rk_store *base, const struct rk_signup *u) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_SIGNUP_PUT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, u->person_id);
    bind_text(st, 2, u->purpose);
    bind_text(st, 3, u->form_id);
    bind_text(st, 4, u->lang == RK_LANG_EN ? "en" : "fi");
    for (int f = 0; f < RK_F__COUNT; f++) /* name, email, phone, position, organisation, interests */
        bind_text(st, 5 + f, u->v[f]);
    bind_ts(st, 11, u->created_at);
    bind_ts(st, 12, u->expires_at);
    sqlite3_bind_blob(st, 13, u->email_hash, RK_HASH_LEN, SQLITE_STATIC);
    return step_done(s, st);
}

static rk_err sq_signup_get(struct rk_store *base, const char *person_id, const char *purpose,
                            struct rk_signup *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_SIGNUP_GET, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, person_id);
    bind_text(st, 2, purpose);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(out->person_id, sizeof out->person_id, "%s", person_id);
        snprintf(out->purpose, sizeof out->purpose, "%s", purpose);
        const char *lang = col_text(st, 1);
        out->lang = lang && strcmp(lang, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
        out->created_at = col_ts(st, 8);
        out->expires_at = col_ts(st, 9);
        size_t used = 0;
        bool fits = col_copy(st, 0, out->form_id, sizeof out->form_id);
        for (int f = 0; f < RK_F__COUNT; f++) {
            const char *v = col_text(st, 2 + f);
            out->v[f] = NULL;
            if (!v)
                continue;
            size_t n = (size_t)sqlite3_column_bytes(st, 2 + f);
            if (used + n + 1 > sizeof out->buf) {
                fits = false;
                break;
            }
            memcpy(out->buf + used, v, n + 1);
            out->v[f] = out->buf + used;
            used += n + 1;
        }
        err = fits ? RK_OK : overflow();
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    }
    done(st);
    return err;
}

static rk_err sq_signup_delete(struct rk_store *base, const char *person_id, const char *purpose) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_SIGNUP_DELETE, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, person_id);
    bind_text(st, 2, purpose);
    err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

static rk_err sq_signup_by_hash(struct rk_store *base, const unsigned char h[RK_HASH_LEN],
                                char person_id[RK_ID_LEN + 1]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_SIGNUP_BY_HASH, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, h, RK_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = col_copy(st, 0, person_id, RK_ID_LEN + 1) ? RK_OK : overflow();
    else
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    done(st);
    return err;
}

static rk_err sq_audit_last(struct rk_store *base, int64_t *seq, unsigned char hash[RK_HASH_LEN]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if (s->audit_head_ok && s->in_tx && !sqlite3_get_autocommit(s->db)) {
        *seq = s->audit_head_seq;
        memcpy(hash, s->audit_head_hash, RK_HASH_LEN);
        return RK_OK;
    }
    rk_err err = prepare(s, S_AUDIT_LAST, &st);
    if (err != RK_OK)
        return err;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        if (sqlite3_column_bytes(st, 1) == RK_HASH_LEN)
            memcpy(hash, sqlite3_column_blob(st, 1), RK_HASH_LEN);
        else
            err = RK_EIO;
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    }
    done(st);
    return err;
}

static rk_err sq_audit_insert(struct rk_store *base, const struct rk_audit_event *e) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_AUDIT_INSERT, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, e->seq);
    bind_ts(st, 2, e->at);
    bind_text(st, 3, e->actor);
    bind_text(st, 4, e->action);
    bind_text(st, 5, e->person_id);
    bind_text(st, 6, e->detail);
    sqlite3_bind_blob(st, 7, e->prev, RK_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 8, e->hash, RK_HASH_LEN, SQLITE_STATIC);
    err = step_done(s, st);
    s->audit_head_ok = err == RK_OK && s->in_tx;
    if (s->audit_head_ok) {
        s->audit_head_seq = e->seq;
        memcpy(s->audit_head_hash, e->hash, RK_HASH_LEN);
    }
    return err;
}

struct audit_iter {
    rk_audit_fn fn;
    void *ctx;
};

/* Copies column i into e->buf at *used; NULL stays NULL. */
static bool audit_col(sqlite3_stmt *st, int i, struct rk_audit_event *e, size_t *used,
                      const char **out) {
    const char *v = col_text(st, i);
    *out = NULL;
    if (!v)
        return true;
    size_t n = (size_t)sqlite3_column_bytes(st, i);
    if (*used + n + 1 > sizeof e->buf)
        return false;
    memcpy(e->buf + *used, v, n + 1);
    *out = e->buf + *used;
    *used += n + 1;
    return true;
}

static int each_audit(void *ctx, sqlite3_stmt *st) {
    struct audit_iter *it = ctx;
    struct rk_audit_event e;
    size_t used = 0;
    e.seq = sqlite3_column_int64(st, 0);
    e.at = col_ts(st, 1);
    if (!audit_col(st, 2, &e, &used, &e.actor) || !audit_col(st, 3, &e, &used, &e.action) ||
        !audit_col(st, 4, &e, &used, &e.person_id) || !audit_col(st, 5, &e, &used, &e.detail))
        return -1;
    /* A damaged row reads with zero hashes, which verification reports. */
    memset(e.prev, 0, RK_HASH_LEN);
    memset(e.hash, 0, RK_HASH_LEN);
    if (sqlite3_column_bytes(st, 6) == RK_HASH_LEN)
        memcpy(e.prev, sqlite3_column_blob(st, 6), RK_HASH_LEN);
    if (sqlite3_column_bytes(st, 7) == RK_HASH_LEN)
        memcpy(e.hash, sqlite3_column_blob(st, 7), RK_HASH_LEN);
    return it->fn(it->ctx, &e);
}

static rk_err sq_audit_scan(struct rk_store *base, int64_t from, const char *person_id,
                            rk_audit_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, person_id ? S_AUDIT_SCAN_PERSON : S_AUDIT_SCAN, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, from);
    if (person_id)
        bind_text(st, 2, person_id);
    struct audit_iter it = {fn, ctx};
    return step_rows(s, st, each_audit, &it);
}

static bool row_to_token(sqlite3_stmt *st, struct rk_token *t) {
    t->created_at = col_ts(st, 2);
    t->revoked_at = col_ts(st, 3);
    return col_copy(st, 0, t->name, sizeof t->name) && col_copy(st, 1, t->role, sizeof t->role);
}

static rk_err sq_token_insert(struct rk_store *base, const struct rk_token *t,
                              const unsigned char hash[RK_HASH_LEN]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_TOKEN_INSERT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, t->name);
    bind_text(st, 2, t->role);
    sqlite3_bind_blob(st, 3, hash, RK_HASH_LEN, SQLITE_STATIC);
    bind_ts(st, 4, t->created_at);
    return step_done(s, st);
}

static rk_err sq_token_by_hash(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                               struct rk_token *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_TOKEN_BY_HASH, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = row_to_token(st, out) ? RK_OK : overflow();
    else
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    done(st);
    return err;
}

static rk_err sq_token_revoke(struct rk_store *base, const char *name, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_TOKEN_REVOKE, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, name);
    bind_ts(st, 2, at);
    err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

struct token_iter {
    rk_token_fn fn;
    void *ctx;
};

static int each_token(void *ctx, sqlite3_stmt *st) {
    struct token_iter *it = ctx;
    struct rk_token t;
    if (!row_to_token(st, &t))
        return -1;
    return it->fn(it->ctx, &t);
}

static rk_err sq_tokens_list(struct rk_store *base, rk_token_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_TOKENS_LIST, &st);
    if (err != RK_OK)
        return err;
    struct token_iter it = {fn, ctx};
    return step_rows(s, st, each_token, &it);
}

/* ---- Staff accounts (migration 0015) ---- */

static bool row_to_staff(sqlite3_stmt *st, struct rk_staff *a) {
    a->disabled = sqlite3_column_int(st, 5) != 0;
    a->created_at = col_ts(st, 6);
    a->last_signin = col_ts(st, 7);
    return col_copy(st, 0, a->id, sizeof a->id) && col_copy(st, 1, a->email, sizeof a->email) &&
           col_copy(st, 2, a->name, sizeof a->name) && col_copy(st, 3, a->role, sizeof a->role) &&
           col_copy(st, 4, a->password, sizeof a->password);
}

static void bind_staff(sqlite3_stmt *st, const struct rk_staff *a) {
    bind_text(st, 1, a->id);
    bind_text(st, 2, a->email);
    bind_text(st, 3, a->name);
    bind_text(st, 4, a->role);
    bind_text(st, 5, a->password[0] ? a->password : NULL);
    sqlite3_bind_int(st, 6, a->disabled ? 1 : 0);
    bind_ts(st, 7, a->created_at);
    bind_ts(st, 8, a->last_signin);
}

static rk_err sq_staff_insert(struct rk_store *base, const struct rk_staff *a) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_STAFF_INSERT, &st);
    if (err != RK_OK)
        return err;
    bind_staff(st, a);
    return step_done(s, st);
}

static rk_err sq_staff_get(struct rk_store *base, const char *key, bool by_email,
                           struct rk_staff *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, by_email ? S_STAFF_BY_EMAIL : S_STAFF_BY_ID, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, key);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = row_to_staff(st, out) ? RK_OK : overflow();
    else
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    done(st);
    return err;
}

static rk_err sq_staff_update(struct rk_store *base, const struct rk_staff *a) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_STAFF_UPDATE, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, a->id);
    bind_text(st, 2, a->name);
    bind_text(st, 3, a->role);
    bind_text(st, 4, a->password[0] ? a->password : NULL);
    sqlite3_bind_int(st, 5, a->disabled ? 1 : 0);
    bind_ts(st, 6, a->last_signin);
    err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

struct staff_iter {
    rk_staff_fn fn;
    void *ctx;
};

static int each_staff(void *ctx, sqlite3_stmt *st) {
    struct staff_iter *it = ctx;
    struct rk_staff a;
    if (!row_to_staff(st, &a))
        return -1;
    return it->fn(it->ctx, &a);
}

static rk_err sq_staff_list(struct rk_store *base, rk_staff_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_STAFF_LIST, &st);
    if (err != RK_OK)
        return err;
    struct staff_iter it = {fn, ctx};
    return step_rows(s, st, each_staff, &it);
}

static rk_err sq_staff_setup_put(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                                 const char *staff_id, rk_ts expires) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_STAFF_SETUP_PUT, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    bind_text(st, 2, staff_id);
    bind_ts(st, 3, expires);
    return step_done(s, st);
}

static rk_err sq_staff_setup_get(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                                 rk_ts now, char staff_id[RK_ID_LEN + 1]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_STAFF_SETUP_GET, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    bind_ts(st, 2, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = col_copy(st, 0, staff_id, RK_ID_LEN + 1) ? RK_OK : overflow();
    else
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    done(st);
    return err;
}

/* Runs statement i with one text (NULL binds nothing) and the number of rows it changed. */
static rk_err run_text(struct sqlite_store *s, enum stmt i, const char *text, int64_t *n) {
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, i, &st);
    if (err != RK_OK)
        return err;
    if (text)
        bind_text(st, 1, text);
    err = step_done(s, st);
    if (err == RK_OK && n)
        *n = sqlite3_changes(s->db);
    return err;
}

/* Runs statement i with one hash and optionally an instant; RK_ENOENT when no row changed. */
static rk_err run_hash(struct sqlite_store *s, enum stmt i, const unsigned char h[RK_HASH_LEN],
                       rk_ts at) {
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, i, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, h, RK_HASH_LEN, SQLITE_STATIC);
    if (i == S_STAFF_THROTTLE_LOCK)
        sqlite3_bind_int64(st, 2, at);
    else if (at)
        bind_ts(st, 2, at);
    err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

static rk_err sq_staff_setup_clear(struct rk_store *base, const char *staff_id) {
    return run_text((struct sqlite_store *)base, S_STAFF_SETUP_CLEAR, staff_id, NULL);
}

static rk_err sq_staff_session_put(struct rk_store *base, const struct rk_staff_session *x) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_STAFF_SESSIONS_PRUNE, &st); /* sessions past their absolute end */
    if (err != RK_OK)
        return err;
    bind_ts(st, 1, x->created_at);
    if ((err = step_done(s, st)) != RK_OK || (err = prepare(s, S_STAFF_SESSION_PUT, &st)) != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, x->hash, RK_HASH_LEN, SQLITE_STATIC);
    bind_text(st, 2, x->staff_id);
    bind_ts(st, 3, x->created_at);
    bind_ts(st, 4, x->last_seen);
    bind_ts(st, 5, x->expires_at);
    return step_done(s, st);
}

static rk_err sq_staff_session_get(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                                   struct rk_staff_session *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_STAFF_SESSION_GET, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        memcpy(out->hash, hash, RK_HASH_LEN);
        out->created_at = col_ts(st, 1);
        out->last_seen = col_ts(st, 2);
        out->expires_at = col_ts(st, 3);
        err = col_copy(st, 0, out->staff_id, sizeof out->staff_id) ? RK_OK : overflow();
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    }
    done(st);
    return err;
}

static rk_err sq_staff_session_touch(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                                     rk_ts at) {
    return run_hash((struct sqlite_store *)base, S_STAFF_SESSION_TOUCH, hash, at);
}

static rk_err sq_staff_session_delete(struct rk_store *base,
                                      const unsigned char hash[RK_HASH_LEN]) {
    return run_hash((struct sqlite_store *)base, S_STAFF_SESSION_DELETE, hash, 0);
}

static rk_err sq_staff_sessions_clear(struct rk_store *base, const char *staff_id, int64_t *n) {
    return run_text((struct sqlite_store *)base,
                    staff_id ? S_STAFF_SESSIONS_CLEAR : S_STAFF_SESSIONS_CLEAR_ALL, staff_id, n);
}

static rk_err sq_staff_throttle_get(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                                    int64_t *failures, rk_ts *locked_until) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_STAFF_THROTTLE_GET, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, key, RK_HASH_LEN, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
        *failures = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
        *locked_until = rc == SQLITE_ROW ? sqlite3_column_int64(st, 1) : 0;
    } else {
        err = fail(s, rc);
    }
    done(st);
    return err;
}

static rk_err sq_staff_throttle_fail(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                                     rk_ts now, rk_ts prune_before, int64_t *failures) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_STAFF_THROTTLE_PRUNE, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, prune_before);
    if ((err = step_done(s, st)) != RK_OK || (err = prepare(s, S_STAFF_THROTTLE_FAIL, &st)) != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, key, RK_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, now);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *failures = sqlite3_column_int64(st, 0);
        rc = sqlite3_step(st);
    }
    err = rc == SQLITE_DONE ? RK_OK : fail(s, rc);
    done(st);
    return err;
}

static rk_err sq_staff_throttle_lock(struct rk_store *base, const unsigned char key[RK_HASH_LEN],
                                     rk_ts until) {
    return run_hash((struct sqlite_store *)base, S_STAFF_THROTTLE_LOCK, key, until);
}

static rk_err sq_staff_throttle_clear(struct rk_store *base, const unsigned char key[RK_HASH_LEN]) {
    rk_err err = run_hash((struct sqlite_store *)base, S_STAFF_THROTTLE_CLEAR, key, 0);
    return err == RK_ENOENT ? RK_OK : err;
}

static rk_err sq_staff_signin_add(struct rk_store *base, const char *staff_id,
                                  const struct rk_staff_signin *e) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_STAFF_SIGNIN_ADD, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, staff_id);
    bind_ts(st, 2, e->at);
    sqlite3_bind_int(st, 3, e->ok ? 1 : 0);
    bind_text(st, 4, e->reason);
    bind_text(st, 5, e->address);
    return step_done(s, st);
}

struct signin_iter {
    rk_staff_signin_fn fn;
    void *ctx;
};

static int each_signin(void *ctx, sqlite3_stmt *st) {
    struct signin_iter *it = ctx;
    struct rk_staff_signin e;
    e.at = col_ts(st, 0);
    e.ok = sqlite3_column_int(st, 1) != 0;
    if (!col_copy(st, 2, e.reason, sizeof e.reason) ||
        !col_copy(st, 3, e.address, sizeof e.address))
        return -1;
    return it->fn(it->ctx, &e);
}

static rk_err sq_staff_signins(struct rk_store *base, const char *staff_id, int limit,
                               rk_staff_signin_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_STAFF_SIGNINS, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, staff_id);
    sqlite3_bind_int(st, 2, limit);
    struct signin_iter it = {fn, ctx};
    return step_rows(s, st, each_signin, &it);
}

/* ---- The cookie-consent log (migration 0018) -------------------------------------------- */

static rk_err sq_consent_version_put(struct rk_store *base, const char *version,
                                     const char *config, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONSENT_VERSION_PUT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, version);
    bind_text(st, 2, config);
    bind_ts(st, 3, at);
    return step_done(s, st);
}

struct version_iter {
    const char *version;
    rk_consent_version_fn fn;
    void *ctx;
    bool found;
};

static int each_version(void *ctx, sqlite3_stmt *st) {
    struct version_iter *it = ctx;
    it->found = true;
    const char *config = col_text(st, 0);
    return it->fn(it->ctx, it->version, config ? config : "", col_ts(st, 1));
}

static rk_err sq_consent_version_get(struct rk_store *base, const char *version,
                                     rk_consent_version_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONSENT_VERSION_GET, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, version);
    struct version_iter it = {version, fn, ctx, false};
    err = step_rows(s, st, each_version, &it);
    return err == RK_OK && !it.found ? RK_ENOENT : err;
}

static rk_err sq_consent_log_add(struct rk_store *base, const struct rk_cookie_choice *c) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONSENT_LOG_ADD, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, c->consent_id);
    bind_ts(st, 2, c->at);
    bind_text(st, 3, rk_cookie_action_id(c->action));
    bind_text(st, 4, c->choices);
    bind_text(st, 5, c->version);
    bind_text(st, 6, c->lang == RK_LANG_FI ? "fi" : "en");
    sqlite3_bind_int(st, 7, c->gpc ? 1 : 0);
    err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0) {
        snprintf(last_error, sizeof last_error, "the consent version is not known");
        return RK_EINVAL;
    }
    return err;
}

struct choice_iter {
    const char *consent_id;
    rk_cookie_choice_fn fn;
    void *ctx;
    bool found;
};

static int each_choice(void *ctx, sqlite3_stmt *st) {
    struct choice_iter *it = ctx;
    struct rk_cookie_choice c;
    memset(&c, 0, sizeof c);
    snprintf(c.consent_id, sizeof c.consent_id, "%s", it->consent_id);
    c.at = col_ts(st, 0);
    const char *action = col_text(st, 1);
    if (!action || !rk_cookie_action_parse(action, strlen(action), &c.action) ||
        !col_copy(st, 2, c.choices, sizeof c.choices) ||
        !col_copy(st, 3, c.version, sizeof c.version))
        return -1;
    const char *lang = col_text(st, 4);
    c.lang = lang && strcmp(lang, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
    c.gpc = sqlite3_column_int(st, 5) != 0;
    it->found = true;
    return it->fn(it->ctx, &c);
}

static rk_err sq_consent_log_get(struct rk_store *base, const char *consent_id,
                                 rk_cookie_choice_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONSENT_LOG_GET, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, consent_id);
    struct choice_iter it = {consent_id, fn, ctx, false};
    err = step_rows(s, st, each_choice, &it);
    return err == RK_OK && !it.found ? RK_ENOENT : err;
}

static rk_err sq_consent_log_counts(struct rk_store *base, rk_ts from, rk_ts to,
                                    int64_t counts[RK_COOKIE__COUNT]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONSENT_LOG_COUNTS, &st);
    if (err != RK_OK)
        return err;
    bind_ts(st, 1, from);
    bind_ts(st, 2, to);
    for (int i = 0; i < RK_COOKIE__COUNT; i++)
        counts[i] = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *a = col_text(st, 0);
        enum rk_cookie_action act;
        if (a && rk_cookie_action_parse(a, strlen(a), &act))
            counts[act] = sqlite3_column_int64(st, 1);
    }
    if (rc != SQLITE_DONE)
        err = fail(s, rc);
    done(st);
    return err;
}

static rk_err sq_audience(struct rk_store *base, const char *reg, const char *purpose,
                          enum rk_audience_rule rule, rk_ts now, rk_entry_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    enum stmt which = rule == RK_AUDIENCE_LIVE_CONSENT      ? S_AUDIENCE_CONSENT
                      : rule == RK_AUDIENCE_ACTIVE_CONTRACT ? S_AUDIENCE_CONTRACT
                                                            : S_AUDIENCE_ANY;
    rk_err err = prepare(s, which, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, reg);
    bind_text(st, 2, purpose);
    bind_ts(st, 3, now);
    return iterate_entries(s, st, fn, ctx);
}

/* ---- The email outbox -------------------------------------------------------------------- */

static const char *const outbox_states[RK_OUTBOX__COUNT] = {"queued", "sent", "failed"};

static rk_err sq_outbox_enqueue(struct rk_store *base, const struct rk_outbox_msg *m, int64_t *id) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_OUTBOX_ENQUEUE, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, m->message_id);
    bind_text(st, 2, m->person_id);
    bind_text(st, 3, m->kind);
    bind_ts(st, 4, m->next_attempt_at ? m->next_attempt_at : m->created_at);
    bind_ts(st, 5, m->created_at);
    err = step_done(s, st);
    if (err == RK_OK && id)
        *id = sqlite3_last_insert_rowid(s->db);
    return err;
}

struct outbox_iter {
    rk_outbox_fn fn;
    void *ctx;
};

static int each_outbox(void *ctx, sqlite3_stmt *st) {
    struct outbox_iter *it = ctx;
    struct rk_outbox_msg m = {
        .id = sqlite3_column_int64(st, 0),
        .message_id = col_text(st, 1),
        .person_id = col_text(st, 2),
        .kind = col_text(st, 3),
        .sealed = sqlite3_column_blob(st, 4),
        .sealed_len = (size_t)sqlite3_column_bytes(st, 4),
        .state = RK_OUTBOX_QUEUED,
        .attempts = sqlite3_column_int(st, 5),
        .created_at = col_ts(st, 6),
        .next_attempt_at = col_ts(st, 7),
        .last_error = col_text(st, 8),
    };
    return it->fn(it->ctx, &m);
}

static rk_err sq_outbox_due(struct rk_store *base, rk_ts now, int limit, rk_outbox_fn fn,
                            void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_OUTBOX_DUE, &st);
    if (err != RK_OK)
        return err;
    bind_ts(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    struct outbox_iter it = {fn, ctx};
    return step_rows(s, st, each_outbox, &it);
}

/* Binds error, cut to RK_OUTBOX_ERROR_MAX bytes at a UTF-8 character boundary. */
static void bind_error(sqlite3_stmt *st, int i, const char *error) {
    if (!error) {
        sqlite3_bind_null(st, i);
        return;
    }
    size_t n = strlen(error);
    if (n > RK_OUTBOX_ERROR_MAX) {
        n = RK_OUTBOX_ERROR_MAX;
        while (n > 0 && ((unsigned char)error[n] & 0xC0) == 0x80)
            n--;
    }
    sqlite3_bind_text(st, i, error, (int)n, SQLITE_TRANSIENT);
}

/* Runs one of the marks on message id: RK_ENOENT when it is not queued. */
static rk_err outbox_mark(struct sqlite_store *s, enum stmt which, int64_t id, rk_ts at,
                          const char *error) {
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, which, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    bind_ts(st, 2, at);
    if (which != S_OUTBOX_SENT)
        bind_error(st, 3, error);
    err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

static rk_err sq_outbox_mark_sent(struct rk_store *base, int64_t id, rk_ts at) {
    return outbox_mark((struct sqlite_store *)base, S_OUTBOX_SENT, id, at, NULL);
}

static rk_err sq_outbox_mark_retry(struct rk_store *base, int64_t id, rk_ts next,
                                   const char *error) {
    return outbox_mark((struct sqlite_store *)base, S_OUTBOX_RETRY, id, next, error);
}

static rk_err sq_outbox_mark_failed(struct rk_store *base, int64_t id, rk_ts at,
                                    const char *error) {
    return outbox_mark((struct sqlite_store *)base, S_OUTBOX_FAILED, id, at, error);
}

static rk_err sq_outbox_count(struct rk_store *base, enum rk_outbox_state state, int64_t *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if ((unsigned)state >= RK_OUTBOX__COUNT)
        return RK_EINVAL;
    rk_err err = prepare(s, S_OUTBOX_COUNT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, outbox_states[state]);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        err = fail(s, rc);
    done(st);
    return err;
}

struct failure_iter {
    rk_outbox_failure_fn fn;
    void *ctx;
};

static int each_failure(void *ctx, sqlite3_stmt *st) {
    struct failure_iter *it = ctx;
    struct rk_outbox_failure f = {
        .id = sqlite3_column_int64(st, 0),
        .kind = col_text(st, 1),
        .person_id = col_text(st, 2),
        .attempts = sqlite3_column_int(st, 3),
        .last_error = col_text(st, 4),
        .created_at = col_ts(st, 5),
        .failed_at = col_ts(st, 6),
    };
    return it->fn(it->ctx, &f);
}

static rk_err sq_outbox_failed(struct rk_store *base, int limit, rk_outbox_failure_fn fn,
                               void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_OUTBOX_LIST_FAILED, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int(st, 1, limit);
    struct failure_iter it = {fn, ctx};
    return step_rows(s, st, each_failure, &it);
}

/* ---- The console's retries and audience summary (issue 12; store.h) ---- */

static rk_err sq_outbox_requeue(struct rk_store *base, int64_t id, rk_ts now) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_OUTBOX_REQUEUE, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    bind_ts(st, 2, now);
    if ((err = step_done(s, st)) != RK_OK || sqlite3_changes(s->db) > 0)
        return err;
    /* Nothing changed: no failed message with the id, or one whose content is gone. */
    if ((err = prepare(s, S_OUTBOX_FAILED_STATE, &st)) != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = sqlite3_column_int64(st, 0) > 0 ? RK_EREFUSED : RK_ENOENT;
    else
        err = fail(s, rc);
    done(st);
    return err;
}

struct audience_row_iter {
    rk_audience_row_fn fn;
    void *ctx;
};

static int each_audience_row(void *ctx, sqlite3_stmt *st) {
    static const enum rk_consent_status by_name[] = {RK_CONSENT_NONE, RK_CONSENT_PENDING,
                                                     RK_CONSENT_LIVE, RK_CONSENT_WITHDRAWN,
                                                     RK_CONSENT_EXPIRED};
    struct audience_row_iter *it = ctx;
    struct rk_audience_row r = {.restricted = sqlite3_column_int(st, 1) != 0,
                                .objected = sqlite3_column_int(st, 2) != 0,
                                .suppressed = sqlite3_column_int(st, 3) != 0,
                                .consent = RK_CONSENT_NONE};
    if (!col_copy(st, 0, r.person_id, sizeof r.person_id))
        return -1;
    const char *state = col_text(st, 4);
    for (size_t i = 0; state && i < sizeof by_name / sizeof by_name[0]; i++)
        if (strcmp(state, consent_states[i]) == 0)
            r.consent = by_name[i];
    if (sqlite3_column_type(st, 5) != SQLITE_NULL)
        r.expires_at = col_ts(st, 5);
    return it->fn(it->ctx, &r);
}

static rk_err sq_audience_rows(struct rk_store *base, const char *register_id, const char *purpose,
                               rk_audience_row_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_AUDIENCE_ROWS, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, register_id);
    bind_text(st, 2, purpose);
    struct audience_row_iter it = {fn, ctx};
    return step_rows(s, st, each_audience_row, &it);
}

struct contact_iter {
    rk_contact_row_fn fn;
    void *ctx;
    struct rk_contact_row row;
};

static int each_contact_row(void *ctx, sqlite3_stmt *st) {
    struct contact_iter *it = ctx;
    struct rk_contact_row *r = &it->row;
    if (!col_copy(st, 0, r->register_id, sizeof r->register_id) ||
        !col_copy(st, 1, r->person_id, sizeof r->person_id))
        return -1;
    r->restricted = sqlite3_column_int(st, 2) != 0;
    r->objected = sqlite3_column_int(st, 3) != 0;
    if (sqlite3_column_type(st, 4) == SQLITE_NULL)
        r->consent = (struct rk_consent_state){RK_CONSENT_NONE, 0, 0, false, 0};
    else if (!row_to_consent_state(st, 4, &r->consent))
        return -1;
    return it->fn(it->ctx, r);
}

/* Runs one of the prepared transaction statements (BEGIN, COMMIT). */
static rk_err run_stmt(struct sqlite_store *s, enum stmt i) {
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, i, &st);
    return err == RK_OK ? step_done(s, st) : err;
}

static rk_err sq_contact_rows(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                              const char *purpose, bool *suppressed, rk_contact_row_fn fn,
                              void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    /* One read transaction: one snapshot and one lock for both statements. */
    bool own = !s->in_tx && sqlite3_get_autocommit(s->db);
    rk_err err = own ? run_stmt(s, S_READ_BEGIN) : RK_OK;
    if (err != RK_OK)
        return err;
    bool sup = false;
    err = sq_suppressed(base, hash, &sup);
    sqlite3_stmt *st = NULL;
    if (err == RK_OK && !sup)
        err = prepare(s, S_CONTACT_ROWS, &st);
    if (st) {
        struct contact_iter it = {.fn = fn, .ctx = ctx};
        sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
        bind_text(st, 2, purpose);
        err = step_rows(s, st, each_contact_row, &it);
    }
    if (own) {
        rk_err end = run_stmt(s, S_READ_END);
        if (end != RK_OK && !sqlite3_get_autocommit(s->db))
            sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
        if (err == RK_OK)
            err = end;
    }
    if (err == RK_OK)
        *suppressed = sup;
    return err;
}

/* ---- Data-subject rights (migration 0008) ---------------------------------------------- */

/* Runs statement i with text parameters a (and b, may be NULL); *changed gets the rows changed. */
static rk_err change_rows(struct sqlite_store *s, enum stmt i, const char *a, const char *b,
                          int64_t *changed) {
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, i, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, a);
    if (sqlite3_bind_parameter_count(st) >= 2)
        bind_text(st, 2, b);
    err = step_done(s, st);
    if (err == RK_OK && changed)
        *changed = sqlite3_changes64(s->db);
    return err;
}

/* As change_rows for a statement that must change one row: RK_ENOENT when none. */
static rk_err change_one(struct sqlite_store *s, enum stmt i, const char *a, const char *b) {
    int64_t n = 0;
    rk_err err = change_rows(s, i, a, b, &n);
    return err == RK_OK && n == 0 ? RK_ENOENT : err;
}

static rk_err sq_person_flags_set(struct rk_store *base, const char *id, bool restricted,
                                  bool objected) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_PERSON_FLAGS, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, restricted);
    sqlite3_bind_int(st, 3, objected);
    err = step_done(s, st);
    return err == RK_OK && sqlite3_changes(s->db) == 0 ? RK_ENOENT : err;
}

static rk_err sq_person_delete(struct rk_store *base, const char *id) {
    return change_one((struct sqlite_store *)base, S_PERSON_DELETE, id, NULL);
}

static rk_err sq_entries_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    return change_rows((struct sqlite_store *)base, S_ENTRIES_DELETE_PERSON, person, NULL, n);
}

static rk_err sq_provenance_delete_unused(struct rk_store *base, int64_t id, bool *deleted) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_PROV_DELETE_UNUSED, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    err = step_done(s, st);
    if (err == RK_OK)
        *deleted = sqlite3_changes(s->db) > 0;
    return err;
}

static rk_err sq_organisation_delete_unused(struct rk_store *base, const char *name,
                                            bool *deleted) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    int64_t n = 0;
    rk_err err = change_rows(s, S_ORG_DELETE_UNUSED, name, NULL, &n);
    if (err == RK_OK) {
        *deleted = n > 0;
        for (int i = 0; n > 0 && i < ORG_CACHE; i++) /* a deleted id must not be reused */
            s->orgs[i].id = 0;
    }
    return err;
}

static rk_err sq_consent_delete(struct rk_store *base, const char *person, const char *purpose,
                                int64_t *n) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    rk_err err = change_rows(s, S_CONSENT_STATES_DELETE, person, purpose, NULL);
    return err == RK_OK ? change_rows(s, S_CONSENT_EVENTS_DELETE, person, purpose, n) : err;
}

static rk_err sq_contract_delete(struct rk_store *base, const char *id) {
    return change_one((struct sqlite_store *)base, S_CONTRACT_DELETE, id, NULL);
}

static rk_err sq_contract_restrict(struct rk_store *base, const char *id) {
    return change_one((struct sqlite_store *)base, S_CONTRACT_RESTRICT, id, NULL);
}

static rk_err sq_invoice_delete(struct rk_store *base, const char *id) {
    return change_one((struct sqlite_store *)base, S_INVOICE_DELETE, id, NULL);
}

static rk_err sq_invoice_restrict(struct rk_store *base, const char *id) {
    return change_one((struct sqlite_store *)base, S_INVOICE_RESTRICT, id, NULL);
}

static rk_err sq_signups_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    return change_rows((struct sqlite_store *)base, S_SIGNUPS_DELETE_PERSON, person, NULL, n);
}

static rk_err sq_outbox_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    return change_rows((struct sqlite_store *)base, S_OUTBOX_DELETE_PERSON, person, NULL, n);
}

static rk_err sq_tasks_delete_person(struct rk_store *base, const char *person, int64_t *n) {
    return change_rows((struct sqlite_store *)base, S_TASKS_DELETE_PERSON, person, NULL, n);
}

static int each_listed_task(void *ctx, sqlite3_stmt *st) {
    struct task_iter *it = ctx;
    struct rk_task_view t = {col_text(st, 0), col_text(st, 1), col_text(st, 2), col_date(st, 3),
                             col_ts(st, 4),   col_ts(st, 5),   col_text(st, 6)};
    return it->fn(it->ctx, &t);
}

static rk_err sq_tasks_list(struct rk_store *base, const char *kind, bool open_only, rk_task_fn fn,
                            void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_TASKS_LIST, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, kind);
    sqlite3_bind_int(st, 2, open_only);
    struct task_iter it = {fn, ctx};
    return step_rows(s, st, each_listed_task, &it);
}

static rk_err sq_task_done(struct rk_store *base, const char *id, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_TASK_DONE, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, id);
    bind_ts(st, 2, at);
    err = step_done(s, st);
    return err == RK_OK && sqlite3_changes(s->db) == 0 ? RK_ENOENT : err;
}

/* ---- Data-subject requests ----------------------------------------------------------------- */

static const char *const request_types[RK_RQ_TYPE__COUNT] = {
    "access",    "rectification", "erasure",            "restriction",
    "portability", "objection",   "automated_decision", "consent_withdrawal"};
static const char *const request_states[RK_RQS__COUNT] = {"received", "verified", "in_progress",
                                                          "completed", "rejected"};
static const char *const request_channels[RK_RQC__COUNT] = {"web", "email", "post", "in_person",
                                                            "api"};

static const char *verification_word(unsigned v) {
    return v == RK_VERIFY_IN_PERSON ? "in_person" : v == RK_VERIFY_EMAIL_CODE ? "email_code" : NULL;
}

/* Binds every column of q as the insert and update number them. */
static bool bind_request(sqlite3_stmt *st, const struct rk_request *q) {
    if ((unsigned)q->type >= RK_RQ_TYPE__COUNT || (unsigned)q->status >= RK_RQS__COUNT ||
        (unsigned)q->channel >= RK_RQC__COUNT)
        return false;
    const char *strs[] = {q->email,           q->phone,       q->name,
                          q->extension_reason, q->verified_by, q->document,
                          q->rejection_reason, q->note,        q->created_by};
    for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
        if (!fits(strs[i], RK_REQUEST_FIELD_MAX))
            return false;
    if (!fits(q->text, RK_REQUEST_TEXT_MAX))
        return false;
    bind_text(st, 1, q->id);
    bind_text(st, 2, request_types[q->type]);
    bind_text(st, 3, request_states[q->status]);
    bind_text(st, 4, request_channels[q->channel]);
    bind_text(st, 5, q->lang == RK_LANG_EN ? "en" : "fi");
    bind_text(st, 6, q->person_id[0] ? q->person_id : NULL);
    bind_text(st, 7, q->email);
    bind_text(st, 8, q->phone);
    bind_text(st, 9, q->name);
    bind_text(st, 10, q->text);
    bind_ts(st, 11, q->received_at);
    bind_date(st, 12, q->due);
    bind_date(st, 13, q->extended_due);
    sqlite3_bind_int(st, 14, q->extension_months);
    bind_text(st, 15, q->extension_reason);
    bind_text(st, 16, verification_word(q->verification));
    bind_text(st, 17, q->verified_by);
    bind_ts(st, 18, q->verified_at);
    bind_text(st, 19, q->document);
    bind_text(st, 20, q->rejection_reason);
    bind_text(st, 21, q->note);
    bind_ts(st, 22, q->closed_at);
    bind_text(st, 23, q->created_by);
    bind_date(st, 24, q->received_on);
    return true;
}

static bool row_to_request(sqlite3_stmt *st, struct rk_request *q) {
    /* Columns: see REQUEST_COLS. */
    struct strbuf b = {q->buf, sizeof q->buf, false};
    int type = index_of(request_types, RK_RQ_TYPE__COUNT, col_text(st, 1));
    int status = index_of(request_states, RK_RQS__COUNT, col_text(st, 2));
    int channel = index_of(request_channels, RK_RQC__COUNT, col_text(st, 3));
    if (type < 0 || status < 0 || channel < 0 || !col_copy(st, 0, q->id, sizeof q->id) ||
        !col_copy(st, 5, q->person_id, sizeof q->person_id))
        return false;
    q->type = (enum rk_request_type)type;
    q->status = (enum rk_request_status)status;
    q->channel = (enum rk_request_channel)channel;
    const char *lang = col_text(st, 4);
    q->lang = lang && strcmp(lang, "en") == 0 ? RK_LANG_EN : RK_LANG_FI;
    q->email = keep_col(&b, st, 6);
    q->phone = keep_col(&b, st, 7);
    q->name = keep_col(&b, st, 8);
    q->text = keep_col(&b, st, 9);
    q->received_at = col_ts(st, 10);
    q->due = col_date(st, 11);
    q->extended_due = col_date(st, 12);
    q->extension_months = sqlite3_column_int(st, 13);
    q->extension_reason = keep_col(&b, st, 14);
    const char *v = col_text(st, 15);
    q->verification = !v                               ? 0
                      : strcmp(v, "in_person") == 0    ? RK_VERIFY_IN_PERSON
                      : strcmp(v, "email_code") == 0   ? RK_VERIFY_EMAIL_CODE
                                                       : 0;
    q->verified_by = keep_col(&b, st, 16);
    q->verified_at = col_ts(st, 17);
    q->document = keep_col(&b, st, 18);
    q->rejection_reason = keep_col(&b, st, 19);
    q->note = keep_col(&b, st, 20);
    q->closed_at = col_ts(st, 21);
    q->created_by = keep_col(&b, st, 22);
    q->received_on = col_date(st, 23);
    return !b.overflow;
}

static rk_err sq_request_insert(struct rk_store *base, const struct rk_request *q) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_REQUEST_INSERT, &st);
    if (err != RK_OK)
        return err;
    if (!bind_request(st, q)) {
        done(st);
        return RK_ETOOBIG;
    }
    return step_done(s, st);
}

static rk_err sq_request_update(struct rk_store *base, const struct rk_request *q) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_REQUEST_UPDATE, &st);
    if (err != RK_OK)
        return err;
    if (!bind_request(st, q)) {
        done(st);
        return RK_ETOOBIG;
    }
    err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

/* ---- answers awaiting download (migration 0017) ---- */

static void bind_answer(sqlite3_stmt *st, const struct rk_answer_row *a) {
    bind_text(st, 1, a->request_id);
    bind_text(st, 2, a->person_id);
    bind_ts(st, 3, a->created_at);
    bind_ts(st, 4, a->expires_at);
    if (a->has_code)
        sqlite3_bind_blob(st, 5, a->code_hash, RK_ANSWER_HASH_LEN, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 5);
    bind_ts(st, 6, a->has_code ? a->code_expires : 0);
    sqlite3_bind_int(st, 7, a->code_tries);
    if (a->has_grant)
        sqlite3_bind_blob(st, 8, a->grant_hash, RK_ANSWER_HASH_LEN, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 8);
    bind_ts(st, 9, a->has_grant ? a->grant_expires : 0);
    sqlite3_bind_int(st, 10, a->downloads);
}

static rk_err sq_answer_insert(struct rk_store *base, const struct rk_answer_row *a) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_ANSWER_INSERT, &st);
    if (err != RK_OK)
        return err;
    bind_answer(st, a);
    return step_done(s, st);
}

static rk_err sq_answer_update(struct rk_store *base, const struct rk_answer_row *a) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_ANSWER_UPDATE, &st);
    if (err != RK_OK)
        return err;
    bind_answer(st, a);
    err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

static rk_err sq_answer_file_put(struct rk_store *base, const char *request_id, const char *name,
                                 const unsigned char *sealed, size_t len) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if (len > (size_t)INT_MAX)
        return RK_ETOOBIG;
    rk_err err = prepare(s, S_ANSWER_FILE_PUT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, request_id);
    bind_text(st, 2, name);
    sqlite3_bind_blob(st, 3, sealed, (int)len, SQLITE_STATIC);
    return step_done(s, st);
}

/* Copies a blob column of exactly RK_ANSWER_HASH_LEN bytes; false for NULL or another length. */
static bool col_hash(sqlite3_stmt *st, int i, unsigned char out[RK_ANSWER_HASH_LEN]) {
    if (sqlite3_column_type(st, i) != SQLITE_BLOB ||
        sqlite3_column_bytes(st, i) != RK_ANSWER_HASH_LEN)
        return false;
    memcpy(out, sqlite3_column_blob(st, i), RK_ANSWER_HASH_LEN);
    return true;
}

static rk_err sq_answer_get(struct rk_store *base, const char *request_id,
                            struct rk_answer_row *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_ANSWER_GET, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, request_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct rk_answer_row a;
        memset(&a, 0, sizeof a);
        bool ok = col_copy(st, 0, a.request_id, sizeof a.request_id) &&
                  col_copy(st, 1, a.person_id, sizeof a.person_id);
        a.created_at = col_ts(st, 2);
        a.expires_at = col_ts(st, 3);
        a.has_code = col_hash(st, 4, a.code_hash);
        a.code_expires = col_ts(st, 5);
        a.code_tries = sqlite3_column_int(st, 6);
        a.has_grant = col_hash(st, 7, a.grant_hash);
        a.grant_expires = col_ts(st, 8);
        a.downloads = sqlite3_column_int(st, 9);
        if (ok)
            *out = a;
        else
            err = overflow();
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    }
    done(st);
    return err;
}

static rk_err sq_answer_file_get(struct rk_store *base, const char *request_id, const char *name,
                                 unsigned char **out, size_t *len) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_ANSWER_FILE_GET, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, request_id);
    bind_text(st, 2, name);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int n = sqlite3_column_bytes(st, 0);
        const void *p = sqlite3_column_blob(st, 0);
        unsigned char *copy = malloc(n > 0 ? (size_t)n : 1);
        if (!copy) {
            err = RK_ENOMEM;
        } else {
            if (n > 0)
                memcpy(copy, p, (size_t)n);
            *out = copy;
            *len = (size_t)n;
        }
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    }
    done(st);
    return err;
}

static rk_err sq_answer_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                              int64_t *n);

static rk_err sq_answer_delete_person(struct rk_store *base, const char *person_id, int64_t *n) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_ANSWER_DELETE_PERSON, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, person_id);
    err = step_done(s, st);
    if (err == RK_OK)
        *n = sqlite3_changes64(s->db);
    return err;
}

static rk_err sq_request_redact(struct rk_store *base, const char *id) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_REQUEST_REDACT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, id);
    err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

static rk_err sq_request_get(struct rk_store *base, const char *id, struct rk_request *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_REQUEST_GET, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        err = row_to_request(st, out) ? RK_OK : overflow();
    else
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    done(st);
    return err;
}

struct request_iter {
    rk_request_fn fn;
    void *ctx;
    struct rk_request q;
};

static int each_request(void *ctx, sqlite3_stmt *st) {
    struct request_iter *it = ctx;
    if (!row_to_request(st, &it->q))
        return -1;
    return it->fn(it->ctx, &it->q);
}

static rk_err sq_requests_list(struct rk_store *base, const struct rk_request_filter *f,
                               rk_request_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_REQUESTS_LIST, &st);
    if (err != RK_OK)
        return err;
    struct request_iter *it = malloc(sizeof *it);
    if (!it)
        return RK_ENOMEM;
    it->fn = fn;
    it->ctx = ctx;
    bind_text(st, 1,
              f->status >= 0 && f->status < RK_RQS__COUNT ? request_states[f->status] : NULL);
    sqlite3_bind_int(st, 2, f->open_only);
    bind_date(st, 3, f->due_by);
    err = step_rows(s, st, each_request, it);
    free(it);
    return err;
}

/* (People search and overview, migration 0016: beside the request list it reuses.) */
static rk_err sq_requests_of_person(struct rk_store *base, const char *person_id,
                                    rk_request_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_REQUESTS_OF_PERSON, &st);
    if (err != RK_OK)
        return err;
    struct request_iter *it = malloc(sizeof *it);
    if (!it) {
        done(st);
        return RK_ENOMEM;
    }
    it->fn = fn;
    it->ctx = ctx;
    bind_text(st, 1, person_id);
    err = step_rows(s, st, each_request, it);
    free(it);
    return err;
}

static rk_err sq_requests_overdue(struct rk_store *base, struct rk_date today, int64_t *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_REQUESTS_OVERDUE, &st);
    if (err != RK_OK)
        return err;
    bind_date(st, 1, today);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        err = fail(s, rc);
    done(st);
    return err;
}

static rk_err sq_requests_open_of_person(struct rk_store *base, const char *person_id,
                                         int64_t *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_REQUESTS_OPEN_OF_PERSON, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, person_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        err = fail(s, rc);
    done(st);
    return err;
}

/* ---- Art 19 notice delivery ------------------------------------------------------------------ */

static const char *const notice_kinds[RK_NOTICE__COUNT] = {"rectification", "erasure",
                                                           "restriction", "restriction_lifted"};
static const char *const notice_states[RK_NOTICE_STATE__COUNT] = {"queued", "pending", "done",
                                                                  "failed", "unsupported"};

static int name_index(const char *const *names, int n, const char *s) {
    for (int i = 0; s && i < n; i++)
        if (strcmp(names[i], s) == 0)
            return i;
    return 0;
}

struct notice_iter {
    rk_notice_fn fn;
    void *ctx;
    bool identity;
};

static int each_notice(void *ctx, sqlite3_stmt *st) {
    struct notice_iter *it = ctx;
    struct rk_notice_row n = {
        .id = sqlite3_column_int64(st, 0),
        .recipient = col_text(st, 1),
        .person_id = col_text(st, 2),
        .request_id = col_text(st, 3),
        .remote_id = col_text(st, 4),
        .last_error = col_text(st, 5),
        .kind = (enum rk_notice_kind)name_index(notice_kinds, RK_NOTICE__COUNT, col_text(st, 6)),
        .state = (enum rk_notice_state)name_index(notice_states, RK_NOTICE_STATE__COUNT,
                                                  col_text(st, 7)),
        .attempts = sqlite3_column_int(st, 8),
        .created_at = col_ts(st, 9),
        .next_attempt_at = col_ts(st, 10),
        .done_at = sqlite3_column_type(st, 11) == SQLITE_NULL ? 0 : col_ts(st, 11),
        .sealed = it->identity ? sqlite3_column_blob(st, 12) : NULL,
        .sealed_len = it->identity ? (size_t)sqlite3_column_bytes(st, 12) : 0,
    };
    return it->fn(it->ctx, &n);
}

static rk_err sq_recipient_notice_due(struct rk_store *base, rk_ts now, int limit,
                                      rk_notice_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_NOTICE_DUE, &st);
    if (err != RK_OK)
        return err;
    bind_ts(st, 1, now);
    sqlite3_bind_int(st, 2, limit);
    struct notice_iter it = {fn, ctx, true};
    return step_rows(s, st, each_notice, &it);
}

/* Steps an UPDATE of one notice: RK_ENOENT when it is no longer queued or pending. */
static rk_err notice_update(struct sqlite_store *s, sqlite3_stmt *st) {
    rk_err err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

static rk_err sq_recipient_notice_mark_done(struct rk_store *base, int64_t id, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_NOTICE_DONE, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    bind_ts(st, 2, at);
    return notice_update(s, st);
}

static rk_err sq_recipient_notice_mark_pending(struct rk_store *base, int64_t id,
                                               const char *remote_id, rk_ts next) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_NOTICE_PENDING, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    bind_text(st, 2, remote_id);
    bind_ts(st, 3, next);
    return notice_update(s, st);
}

static rk_err sq_recipient_notice_mark_retry(struct rk_store *base, int64_t id, rk_ts next,
                                             const char *error) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_NOTICE_RETRY, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    bind_ts(st, 2, next);
    bind_error(st, 3, error);
    return notice_update(s, st);
}

static rk_err sq_recipient_notice_mark_final(struct rk_store *base, int64_t id,
                                             enum rk_notice_state state, rk_ts at,
                                             const char *error) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if (state != RK_NOTICE_FAILED && state != RK_NOTICE_UNSUPPORTED)
        return RK_EINVAL;
    rk_err err = prepare(s, S_NOTICE_FINAL, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    bind_ts(st, 2, at);
    bind_error(st, 3, error);
    bind_text(st, 4, notice_states[state]);
    return notice_update(s, st);
}

static rk_err sq_recipient_notice_count(struct rk_store *base, enum rk_notice_state state,
                                        int64_t *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if ((unsigned)state >= RK_NOTICE_STATE__COUNT)
        return RK_EINVAL;
    rk_err err = prepare(s, S_NOTICE_COUNT, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, notice_states[state]);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        err = fail(s, rc);
    done(st);
    return err;
}

static rk_err sq_recipient_notice_list(struct rk_store *base, enum rk_notice_state state,
                                       int limit, rk_notice_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    bool all = (unsigned)state >= RK_NOTICE_STATE__COUNT;
    rk_err err = prepare(s, all ? S_NOTICE_LIST_ALL : S_NOTICE_LIST, &st);
    if (err != RK_OK)
        return err;
    if (all)
        sqlite3_bind_null(st, 1);
    else
        bind_text(st, 1, notice_states[state]);
    sqlite3_bind_int(st, 2, limit);
    struct notice_iter it = {fn, ctx, false};
    return step_rows(s, st, each_notice, &it);
}

/* The console's notice retries (issue 12; beside the notice rows they read). */
static rk_err sq_recipient_notice_get(struct rk_store *base, int64_t id, rk_notice_fn fn,
                                      void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_NOTICE_GET, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    struct notice_iter it = {fn, ctx, false};
    bool found = false;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        found = true;
        (void)each_notice(&it, st);
    } else if (rc != SQLITE_DONE) {
        err = fail(s, rc);
    }
    done(st);
    return err == RK_OK && !found ? RK_ENOENT : err;
}

static rk_err sq_recipient_notice_requeue(struct rk_store *base, int64_t id, rk_ts now) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_NOTICE_REQUEUE, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    bind_ts(st, 2, now);
    return notice_update(s, st);
}

/* ---- Retention sweep ------------------------------------------------------------------- */

struct pair_iter {
    rk_person_purpose_fn fn;
    void *ctx;
};

static int each_pair(void *ctx, sqlite3_stmt *st) {
    struct pair_iter *it = ctx;
    const char *person = col_text(st, 0), *purpose = col_text(st, 1);
    if (!person || !purpose)
        return -1;
    return it->fn(it->ctx, person, purpose) ? 1 : 0;
}

static rk_err run_out(struct rk_store *base, enum stmt which, rk_ts now, int limit,
                      rk_person_purpose_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, which, &st);
    if (err != RK_OK)
        return err;
    bind_ts(st, 1, now);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    struct pair_iter it = {fn, ctx};
    return step_rows(s, st, each_pair, &it);
}

static rk_err sq_consents_run_out(struct rk_store *base, rk_ts now, int limit,
                                  rk_person_purpose_fn fn, void *ctx) {
    return run_out(base, S_CONSENTS_RUN_OUT, now, limit, fn, ctx);
}

static rk_err sq_signups_run_out(struct rk_store *base, rk_ts now, int limit,
                                 rk_person_purpose_fn fn, void *ctx) {
    return run_out(base, S_SIGNUPS_RUN_OUT, now, limit, fn, ctx);
}

/* ---- Retention rules (retention) ------------------------------------------------------ */

struct retention_iter {
    rk_retention_fn fn;
    void *ctx;
};

static int each_retention_row(void *ctx, sqlite3_stmt *st) {
    struct retention_iter *it = ctx;
    struct rk_retention_row r = {.key = sqlite3_column_int64(st, 0),
                                 .since = col_ts(st, 2),
                                 .restricted = sqlite3_column_int(st, 3) != 0,
                                 .contracts = sqlite3_column_int64(st, 4),
                                 .open = sqlite3_column_int64(st, 5) > 0,
                                 .last_end = col_date(st, 6)};
    if (!col_copy(st, 1, r.person_id, sizeof r.person_id))
        return -1;
    return it->fn(it->ctx, &r) ? 1 : 0;
}

static rk_err sq_retention_entries(struct rk_store *base, const char *register_id, int64_t after,
                                   int limit, rk_retention_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_RETENTION_ENTRIES, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, register_id);
    sqlite3_bind_int64(st, 2, after);
    sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
    struct retention_iter it = {fn, ctx};
    return step_rows(s, st, each_retention_row, &it);
}

static rk_err sq_kept_invoices_run_out(struct rk_store *base, struct rk_date today, int limit,
                                       rk_person_purpose_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_KEPT_INVOICES_RUN_OUT, &st);
    if (err != RK_OK)
        return err;
    bind_date(st, 1, today);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    struct pair_iter it = {fn, ctx}; /* (invoice id, person id) */
    return step_rows(s, st, each_pair, &it);
}

static rk_err sq_kept_contracts(struct rk_store *base, const char *after, int limit,
                                rk_contract_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_KEPT_CONTRACTS, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, after ? after : "");
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    struct contract_iter it = {.fn = fn, .ctx = ctx};
    return step_rows(s, st, each_contract, &it);
}

/* Deletes at most limit rows older than before with statement del, or counts them all with
 * statement count when dry_run. */
static rk_err purge(struct sqlite_store *s, enum stmt del, enum stmt count, rk_ts before, int limit,
                    bool dry_run, int64_t *n) {
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, dry_run ? count : del, &st);
    if (err != RK_OK)
        return err;
    bind_ts(st, 1, before);
    if (dry_run) {
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
            *n = sqlite3_column_int64(st, 0);
        else
            err = fail(s, rc);
        done(st);
        return err;
    }
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    err = step_done(s, st);
    if (err == RK_OK)
        *n = sqlite3_changes64(s->db);
    return err;
}

static rk_err sq_outbox_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                              int64_t *n) {
    return purge((struct sqlite_store *)base, S_OUTBOX_PURGE, S_OUTBOX_PURGE_COUNT, before, limit,
                 dry_run, n);
}

static rk_err sq_answer_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                              int64_t *n) {
    return purge((struct sqlite_store *)base, S_ANSWER_PURGE, S_ANSWER_PURGE_COUNT, before, limit,
                 dry_run, n);
}

static rk_err sq_recipient_notice_purge(struct rk_store *base, rk_ts before, int limit,
                                        bool dry_run, int64_t *n) {
    return purge((struct sqlite_store *)base, S_NOTICE_PURGE, S_NOTICE_PURGE_COUNT, before, limit,
                 dry_run, n);
}

static rk_err sq_consent_log_purge(struct rk_store *base, rk_ts before, int limit, bool dry_run,
                                   int64_t *n) {
    return purge((struct sqlite_store *)base, S_CONSENT_LOG_PURGE, S_CONSENT_LOG_PURGE_COUNT,
                 before, limit, dry_run, n);
}

/* ---- erasure journal (journal) ----------------------------------------------------------- */

static rk_err sq_journal_mark(struct rk_store *base, const char *id, rk_ts at) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_JOURNAL_MARK, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    return step_done(s, st);
}

static rk_err sq_journal_has(struct rk_store *base, const char *id, bool *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_JOURNAL_HAS, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        *out = rc == SQLITE_ROW;
    else
        err = fail(s, rc);
    done(st);
    return err;
}

struct journal_iter {
    rk_journal_id_fn fn;
    void *ctx;
};

static int each_journal_id(void *ctx, sqlite3_stmt *st) {
    struct journal_iter *it = ctx;
    const char *id = col_text(st, 0);
    if (!id)
        return -1;
    return it->fn(it->ctx, id) ? 1 : 0;
}

static rk_err sq_journal_ids(struct rk_store *base, rk_journal_id_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_JOURNAL_IDS, &st);
    if (err != RK_OK)
        return err;
    struct journal_iter it = {fn, ctx};
    return step_rows(s, st, each_journal_id, &it);
}

/* ---- erasure journal across key rotations (journalgen) ------------------------------------ */

static rk_err sq_suppress_add_gen(struct rk_store *base, const unsigned char hash[RK_HASH_LEN],
                                  enum rk_field kind, enum rk_suppress_reason reason, rk_ts at,
                                  uint32_t gen) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_SUPPRESS_ADD_GEN, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, hash, RK_HASH_LEN, SQLITE_STATIC);
    bind_text(st, 2, kind == RK_F_PHONE ? "phone" : "email");
    bind_text(st, 3, reason == RK_SUPPRESS_ERASURE ? "erasure" : "objection");
    bind_ts(st, 4, at);
    sqlite3_bind_int64(st, 5, gen);
    return step_done(s, st);
}

struct value_iter {
    rk_lookup_value_fn fn;
    void *ctx;
};

static int each_value(void *ctx, sqlite3_stmt *st) {
    struct value_iter *it = ctx;
    const char *person = col_text(st, 0);
    if (!person)
        return -1;
    static const enum rk_field fields[2] = {RK_F_EMAIL, RK_F_PHONE};
    for (int k = 0; k < 2; k++) {
        const char *v = col_text(st, 1 + k);
        if (v && it->fn(it->ctx, person, fields[k], v))
            return 1;
    }
    return 0;
}

static rk_err sq_lookup_values(struct rk_store *base, rk_lookup_value_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_LOOKUP_VALUES, &st);
    if (err != RK_OK)
        return err;
    struct value_iter it = {fn, ctx};
    return step_rows(s, st, each_value, &it);
}

/* ---- Key rotation (keyrotate) ---------------------------------------------------------- */

static rk_err sq_key_state_get(struct rk_store *base, uint32_t *gen,
                               char fingerprint[RK_FINGERPRINT_LEN + 1]) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_KEY_STATE_GET, &st);
    if (err != RK_OK)
        return err;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        int64_t g = sqlite3_column_int64(st, 0);
        if (g < 1 || g > UINT32_MAX || !col_copy(st, 1, fingerprint, RK_FINGERPRINT_LEN + 1))
            err = overflow();
        else
            *gen = (uint32_t)g;
    } else {
        err = rc == SQLITE_DONE ? RK_ENOENT : fail(s, rc);
    }
    done(st);
    return err;
}

static rk_err sq_key_state_set(struct rk_store *base, uint32_t gen, const char *fingerprint) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_KEY_STATE_SET, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, gen);
    bind_text(st, 2, fingerprint);
    return step_done(s, st);
}

/* Moves the suppression row of old (if any) to new under generation gen. */
static rk_err move_suppression(struct sqlite_store *s, const void *old, const unsigned char *new,
                               uint32_t gen, int64_t *moved) {
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_REHASH_SUPPRESSION, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, old, RK_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, new, RK_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, gen);
    err = step_done(s, st);
    if (err == RK_OK)
        *moved += sqlite3_changes(s->db);
    return err;
}

#define REHASH_BATCH 256

/* One entry read in a batch: its key, values and old hashes. */
struct rehash_row {
    int64_t person;
    char reg[RK_DECL_ID_MAX + 1];
    char v[2][RK_EMAIL_MAX + 1]; /* email, phone; "" when NULL */
    unsigned char old[2][RK_HASH_LEN];
    bool has[2], had[2];
};

static rk_err rehash_entries(struct sqlite_store *s, uint32_t gen, rk_rehash_fn fn, void *ctx,
                             struct rk_rehash_counts *out) {
    static const enum rk_field fields[2] = {RK_F_EMAIL, RK_F_PHONE};
    struct rehash_row *rows = calloc(REHASH_BATCH, sizeof *rows);
    int64_t last_person = -1;
    char last_reg[RK_DECL_ID_MAX + 1] = "";
    rk_err err = rows ? RK_OK : RK_ENOMEM;
    for (size_t n = REHASH_BATCH; err == RK_OK && n == REHASH_BATCH;) {
        sqlite3_stmt *st = NULL;
        n = 0;
        if ((err = prepare(s, S_REHASH_ENTRIES, &st)) != RK_OK)
            break;
        sqlite3_bind_int64(st, 1, last_person);
        sqlite3_bind_text(st, 2, last_reg, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int(st, 3, REHASH_BATCH);
        int rc;
        while (err == RK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct rehash_row *r = &rows[n++];
            r->person = sqlite3_column_int64(st, 0);
            if (!col_copy(st, 1, r->reg, sizeof r->reg))
                err = overflow();
            for (int k = 0; k < 2 && err == RK_OK; k++) {
                r->has[k] = sqlite3_column_type(st, 2 + 2 * k) != SQLITE_NULL;
                r->had[k] = sqlite3_column_bytes(st, 3 + 2 * k) == RK_HASH_LEN;
                if (!col_copy(st, 2 + 2 * k, r->v[k], sizeof r->v[k]))
                    err = overflow();
                else if (r->had[k])
                    memcpy(r->old[k], sqlite3_column_blob(st, 3 + 2 * k), RK_HASH_LEN);
            }
        }
        if (err == RK_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            err = fail(s, rc);
        done(st);
        for (size_t i = 0; i < n && err == RK_OK; i++) {
            struct rehash_row *r = &rows[i];
            unsigned char h[2][RK_HASH_LEN];
            for (int k = 0; k < 2; k++)
                if (r->has[k])
                    fn(ctx, fields[k], r->v[k], h[k]);
            for (int k = 0; k < 2 && err == RK_OK; k++)
                if (r->has[k] && r->had[k])
                    err = move_suppression(s, r->old[k], h[k], gen, &out->suppressions);
            if (err == RK_OK && (err = prepare(s, S_REHASH_ENTRY_SET, &st)) == RK_OK) {
                sqlite3_bind_int64(st, 1, r->person);
                bind_text(st, 2, r->reg);
                for (int k = 0; k < 2; k++)
                    if (r->has[k])
                        sqlite3_bind_blob(st, 3 + k, h[k], RK_HASH_LEN, SQLITE_TRANSIENT);
                    else
                        sqlite3_bind_null(st, 3 + k);
                err = step_done(s, st);
            }
            out->entries++;
        }
        if (n > 0) {
            last_person = rows[n - 1].person;
            memcpy(last_reg, rows[n - 1].reg, sizeof last_reg);
        }
    }
    free(rows);
    return err;
}

static rk_err rehash_signups(struct sqlite_store *s, uint32_t gen, rk_rehash_fn fn, void *ctx,
                             struct rk_rehash_counts *out) {
    struct row {
        int64_t rowid;
        char email[RK_EMAIL_MAX + 1];
        unsigned char old[RK_HASH_LEN];
        bool had;
    } *rows = calloc(REHASH_BATCH, sizeof *rows);
    int64_t last = 0;
    rk_err err = rows ? RK_OK : RK_ENOMEM;
    for (size_t n = REHASH_BATCH; err == RK_OK && n == REHASH_BATCH;) {
        sqlite3_stmt *st = NULL;
        n = 0;
        if ((err = prepare(s, S_REHASH_SIGNUPS, &st)) != RK_OK)
            break;
        sqlite3_bind_int64(st, 1, last);
        sqlite3_bind_int(st, 2, REHASH_BATCH);
        int rc;
        while (err == RK_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
            struct row *r = &rows[n++];
            r->rowid = sqlite3_column_int64(st, 0);
            r->had = sqlite3_column_bytes(st, 2) == RK_HASH_LEN;
            if (!col_copy(st, 1, r->email, sizeof r->email))
                err = overflow();
            else if (r->had)
                memcpy(r->old, sqlite3_column_blob(st, 2), RK_HASH_LEN);
        }
        if (err == RK_OK && rc != SQLITE_DONE && rc != SQLITE_ROW)
            err = fail(s, rc);
        done(st);
        for (size_t i = 0; i < n && err == RK_OK; i++) {
            unsigned char h[RK_HASH_LEN];
            fn(ctx, RK_F_EMAIL, rows[i].email, h);
            if (rows[i].had)
                err = move_suppression(s, rows[i].old, h, gen, &out->suppressions);
            if (err == RK_OK && (err = prepare(s, S_REHASH_SIGNUP_SET, &st)) == RK_OK) {
                sqlite3_bind_int64(st, 1, rows[i].rowid);
                sqlite3_bind_blob(st, 2, h, RK_HASH_LEN, SQLITE_TRANSIENT);
                err = step_done(s, st);
            }
            out->signups++;
        }
        if (n > 0)
            last = rows[n - 1].rowid;
    }
    free(rows);
    return err;
}

static rk_err sq_key_rehash(struct rk_store *base, uint32_t gen, rk_rehash_fn fn, void *ctx,
                            struct rk_rehash_counts *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    struct rk_rehash_counts c = {0, 0, 0};
    rk_err err = rehash_entries(s, gen, fn, ctx, &c);
    if (err == RK_OK)
        err = rehash_signups(s, gen, fn, ctx, &c);
    if (err == RK_OK)
        *out = c;
    return err;
}

static rk_err sq_tokens_revoke_all(struct rk_store *base, rk_ts at, int64_t *n) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_TOKENS_REVOKE_ALL, &st);
    if (err != RK_OK)
        return err;
    bind_ts(st, 1, at);
    err = step_done(s, st);
    if (err == RK_OK)
        *n = sqlite3_changes(s->db);
    return err;
}

struct gen_iter {
    rk_gen_count_fn fn;
    void *ctx;
};

static int each_gen(void *ctx, sqlite3_stmt *st) {
    struct gen_iter *it = ctx;
    int64_t g = sqlite3_column_int64(st, 0);
    if (g < 0 || g > UINT32_MAX)
        return -1;
    it->fn(it->ctx, (uint32_t)g, sqlite3_column_int64(st, 1));
    return 0;
}

static rk_err sq_suppression_generations(struct rk_store *base, rk_gen_count_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_SUPPRESSION_GENS, &st);
    if (err != RK_OK)
        return err;
    struct gen_iter it = {fn, ctx};
    return step_rows(s, st, each_gen, &it);
}

/* ---- Consent expiry in bulk (sweepbench) ------------------------------------------------ */

struct state_iter {
    rk_consent_state_fn fn;
    void *ctx;
};

static int each_state(void *ctx, sqlite3_stmt *st) {
    struct state_iter *it = ctx;
    const char *person = col_text(st, 0), *purpose = col_text(st, 1);
    struct rk_consent_state cs;
    if (!person || !purpose || !row_to_consent_state(st, 2, &cs))
        return -1;
    return it->fn(it->ctx, person, purpose, &cs) ? 1 : 0;
}

static rk_err sq_consents_run_out_states(struct rk_store *base, rk_ts now, int limit,
                                         rk_consent_state_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_CONSENTS_RUN_OUT_STATES, &st);
    if (err != RK_OK)
        return err;
    bind_ts(st, 1, now);
    sqlite3_bind_int(st, 2, limit > 0 ? limit : -1);
    struct state_iter it = {fn, ctx};
    return step_rows(s, st, each_state, &it);
}

/* Deletes the provenance row id unless an entry still cites it (indexes of migration 0012). */
static rk_err prov_drop(struct sqlite_store *s, int64_t id) {
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_PROV_DELETE_UNUSED, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    return step_done(s, st);
}

static rk_err sq_entry_leave(struct rk_store *base, const char *reg, const char *person,
                             bool *left) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    int64_t cited[7] = {0}; /* the six *_prov columns, then organisation_id */
    rk_err err = prepare(s, S_ENTRY_LEAVE, &st);
    if (err != RK_OK)
        return err;
    bind_text(st, 1, reg);
    bind_text(st, 2, person);
    int rc = sqlite3_step(st);
    *left = rc == SQLITE_ROW;
    if (rc == SQLITE_ROW) {
        for (int i = 0; i < 7; i++)
            cited[i] = sqlite3_column_int64(st, i); /* NULL reads as 0 */
        rc = sqlite3_step(st);
    }
    err = rc == SQLITE_DONE ? RK_OK : fail(s, rc);
    done(st);
    /* Values written together share a provenance row: each distinct row once. */
    for (int i = 0; err == RK_OK && i < 6; i++) {
        bool seen = false;
        for (int j = 0; j < i; j++)
            seen |= cited[j] == cited[i];
        if (cited[i] && !seen)
            err = prov_drop(s, cited[i]);
    }
    if (err == RK_OK && cited[6] && (err = prepare(s, S_ORG_DELETE_UNUSED_ID, &st)) == RK_OK) {
        sqlite3_bind_int64(st, 1, cited[6]);
        err = step_done(s, st);
        for (int i = 0; err == RK_OK && sqlite3_changes(s->db) > 0 && i < ORG_CACHE; i++)
            s->orgs[i].id = 0; /* a deleted id must not be reused */
    }
    return err;
}

/* ---- the mail limit (mail_limit) --------------------------------------------------------- */

static rk_err sq_mail_limit_count(struct rk_store *base, const unsigned char recipient[RK_HASH_LEN],
                                  rk_ts since, int64_t *n, rk_ts *last) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_MAIL_LIMIT_COUNT, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, recipient, RK_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, since);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *n = sqlite3_column_int64(st, 0);
        *last = sqlite3_column_int64(st, 1);
    } else {
        err = fail(s, rc);
    }
    done(st);
    return err;
}

static rk_err sq_mail_limit_add(struct rk_store *base, const unsigned char recipient[RK_HASH_LEN],
                                rk_ts at, rk_ts prune_before) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, S_MAIL_LIMIT_PRUNE, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, prune_before);
    if ((err = step_done(s, st)) != RK_OK || (err = prepare(s, S_MAIL_LIMIT_ADD, &st)) != RK_OK)
        return err;
    sqlite3_bind_blob(st, 1, recipient, RK_HASH_LEN, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, at);
    return step_done(s, st);
}

static rk_err sq_savepoint(struct rk_store *base) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if (!s->in_tx) {
        snprintf(last_error, sizeof last_error, "a savepoint needs a write transaction");
        return RK_EINVAL;
    }
    rk_err err = prepare(s, S_SAVEPOINT, &st);
    return err == RK_OK ? step_done(s, st) : err;
}

static rk_err sq_savepoint_end(struct rk_store *base, bool undo) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = RK_OK;
    if (undo) {
        /* What the undone writes cached may be gone: organisation ids, the chain's end. */
        for (int i = 0; i < ORG_CACHE; i++)
            s->orgs[i].id = 0;
        s->audit_head_ok = false;
        if ((err = prepare(s, S_SAVEPOINT_UNDO, &st)) == RK_OK)
            err = step_done(s, st);
    }
    if (err == RK_OK && (err = prepare(s, S_SAVEPOINT_RELEASE, &st)) == RK_OK)
        err = step_done(s, st);
    return err;
}

/* ---- Sealed values (migration 0014) ----------------------------------------------------- */

static rk_err sq_sealed_set(struct rk_store *base, enum rk_sealed_table table, int64_t id,
                            const unsigned char *sealed, size_t len) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if ((unsigned)table >= RK_SEALED__COUNT || len > (size_t)INT32_MAX)
        return RK_EINVAL;
    rk_err err =
        prepare(s, table == RK_SEALED_NOTICE ? S_SEALED_SET_NOTICE : S_SEALED_SET_OUTBOX, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, id);
    if (sealed)
        sqlite3_bind_blob(st, 2, sealed, (int)len, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    err = step_done(s, st);
    if (err == RK_OK && sqlite3_changes(s->db) == 0)
        err = RK_ENOENT;
    return err;
}

struct sealed_iter {
    rk_sealed_fn fn;
    void *ctx;
};

static int each_sealed(void *ctx, sqlite3_stmt *st) {
    struct sealed_iter *it = ctx;
    struct rk_sealed_row r = {.id = sqlite3_column_int64(st, 0),
                              .recipient = col_text(st, 1),
                              .person_id = col_text(st, 2),
                              .message_id = col_text(st, 3),
                              .sealed = sqlite3_column_blob(st, 4),
                              .len = (size_t)sqlite3_column_bytes(st, 4)};
    return it->fn(it->ctx, &r) ? 1 : 0;
}

static rk_err sq_sealed_list(struct rk_store *base, enum rk_sealed_table table, int64_t after,
                             bool plain_only, int limit, rk_sealed_fn fn, void *ctx) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    if ((unsigned)table >= RK_SEALED__COUNT)
        return RK_EINVAL;
    rk_err err =
        prepare(s, table == RK_SEALED_NOTICE ? S_SEALED_LIST_NOTICE : S_SEALED_LIST_OUTBOX, &st);
    if (err != RK_OK)
        return err;
    sqlite3_bind_int64(st, 1, after);
    sqlite3_bind_int(st, 2, plain_only);
    sqlite3_bind_int(st, 3, limit > 0 ? limit : -1);
    struct sealed_iter it = {fn, ctx};
    return step_rows(s, st, each_sealed, &it);
}

/* ---- The census ---------------------------------------------------------------------- */

/* The fields of struct rk_census in the order of the census statements' columns. */
/* clang-format off */
#define CENSUS_FIELDS(X)                                                                           \
    X(persons) X(persons_restricted) X(persons_objected) X(entries) X(provenance)                  \
    X(provenance_orphans) X(organisations) X(organisations_orphans) X(consent_events)              \
    X(consent_events_expired) X(consent_states) X(consent_states_live) X(contracts)                \
    X(contracts_restricted) X(contract_changes) X(invoices) X(invoices_restricted) X(signups)      \
    X(outbox) X(outbox_queued) X(tasks) X(tasks_open) X(requests) X(notices) X(notices_queued)     \
    X(answers) X(answer_files) X(audit) X(suppressions) X(suppressions_objection) X(mail_limits)   \
    X(search_tokens) X(staff) X(staff_sessions)
/* clang-format on */

static rk_err sq_census(struct rk_store *base, const char *person_id, struct rk_census *out) {
    struct sqlite_store *s = (struct sqlite_store *)base;
    sqlite3_stmt *st = NULL;
    rk_err err = prepare(s, person_id ? S_CENSUS_PERSON : S_CENSUS_ALL, &st);
    if (err != RK_OK)
        return err;
    if (person_id)
        bind_text(st, 1, person_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        struct rk_census c;
        int col = 0;
#define CENSUS_READ(f) c.f = sqlite3_column_int64(st, col++);
        CENSUS_FIELDS(CENSUS_READ)
#undef CENSUS_READ
        assert(col == sqlite3_column_count(st));
        *out = c;
    } else {
        err = fail(s, rc);
    }
    done(st);
    return err;
}

const struct rk_store_ops rk_store_sqlite_ops = {
    .version = 1,
    .scheme = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .migrate = sq_migrate,
    .checkpoint = sq_checkpoint,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .person_insert = sq_person_insert,
    .person_exists = sq_person_exists,
    .provenance_insert = sq_provenance_insert,
    .provenance_get = sq_provenance_get,
    .entry_get = sq_entry_get,
    .entry_put = sq_entry_put,
    .entry_delete = sq_entry_delete,
    .entries_of_person = sq_entries_of_person,
    .find_by_hash = sq_find_by_hash,
    .find_by_name = sq_find_by_name,
    .search_put = sq_search_put,
    .search_words = sq_search_words,
    .search_count = sq_search_count,
    .search_people = sq_search_people,
    .search_built = sq_search_built,
    .search_built_set = sq_search_built_set,
    .entries_all = sq_entries_all,
    .register_counts = sq_register_counts,
    .purpose_counts = sq_purpose_counts,
    .consent_weeks = sq_consent_weeks,
    .console_mark_get = sq_console_mark_get,
    .console_mark_set = sq_console_mark_set,
    .requests_of_person = sq_requests_of_person,
    .entries_by_hash = sq_entries_by_hash,
    .consent_append = sq_consent_append,
    .consent_events = sq_consent_events,
    .consent_state_get = sq_consent_state_get,
    .consent_state_put = sq_consent_state_put,
    .contract_insert = sq_contract_insert,
    .contract_get = sq_contract_get,
    .contract_update = sq_contract_update,
    .contract_change_append = sq_contract_change_append,
    .contracts_of_person = sq_contracts_of_person,
    .invoice_insert = sq_invoice_insert,
    .invoices_of_person = sq_invoices_of_person,
    .suppress_add = sq_suppress_add,
    .suppressed = sq_suppressed,
    .task_insert = sq_task_insert,
    .tasks_count = sq_tasks_count,
    .contract_changes = sq_contract_changes,
    .tasks_of_person = sq_tasks_of_person,
    .recipient_notice_add = sq_recipient_notice_add,
    .signup_put = sq_signup_put,
    .signup_get = sq_signup_get,
    .signup_delete = sq_signup_delete,
    .signup_by_hash = sq_signup_by_hash,
    .audit_last = sq_audit_last,
    .audit_insert = sq_audit_insert,
    .audit_scan = sq_audit_scan,
    .token_insert = sq_token_insert,
    .token_by_hash = sq_token_by_hash,
    .token_revoke = sq_token_revoke,
    .tokens_list = sq_tokens_list,
    .staff_insert = sq_staff_insert,
    .staff_get = sq_staff_get,
    .staff_update = sq_staff_update,
    .staff_list = sq_staff_list,
    .staff_setup_put = sq_staff_setup_put,
    .staff_setup_get = sq_staff_setup_get,
    .staff_setup_clear = sq_staff_setup_clear,
    .staff_session_put = sq_staff_session_put,
    .staff_session_get = sq_staff_session_get,
    .staff_session_touch = sq_staff_session_touch,
    .staff_session_delete = sq_staff_session_delete,
    .staff_sessions_clear = sq_staff_sessions_clear,
    .staff_throttle_get = sq_staff_throttle_get,
    .staff_throttle_fail = sq_staff_throttle_fail,
    .staff_throttle_lock = sq_staff_throttle_lock,
    .staff_throttle_clear = sq_staff_throttle_clear,
    .staff_signin_add = sq_staff_signin_add,
    .staff_signins = sq_staff_signins,
    .consent_version_put = sq_consent_version_put,
    .consent_version_get = sq_consent_version_get,
    .consent_log_add = sq_consent_log_add,
    .consent_log_get = sq_consent_log_get,
    .consent_log_purge = sq_consent_log_purge,
    .consent_log_counts = sq_consent_log_counts,
    .audience = sq_audience,
    .outbox_enqueue = sq_outbox_enqueue,
    .outbox_due = sq_outbox_due,
    .outbox_mark_sent = sq_outbox_mark_sent,
    .outbox_mark_retry = sq_outbox_mark_retry,
    .outbox_mark_failed = sq_outbox_mark_failed,
    .outbox_count = sq_outbox_count,
    .outbox_failed = sq_outbox_failed,
    .outbox_requeue = sq_outbox_requeue,
    .recipient_notice_get = sq_recipient_notice_get,
    .recipient_notice_requeue = sq_recipient_notice_requeue,
    .audience_rows = sq_audience_rows,
    .contact_rows = sq_contact_rows,
    .person_flags_set = sq_person_flags_set,
    .person_delete = sq_person_delete,
    .entries_delete_person = sq_entries_delete_person,
    .provenance_delete_unused = sq_provenance_delete_unused,
    .organisation_delete_unused = sq_organisation_delete_unused,
    .consent_delete = sq_consent_delete,
    .contract_delete = sq_contract_delete,
    .contract_restrict = sq_contract_restrict,
    .invoice_delete = sq_invoice_delete,
    .invoice_restrict = sq_invoice_restrict,
    .signups_delete_person = sq_signups_delete_person,
    .outbox_delete_person = sq_outbox_delete_person,
    .tasks_delete_person = sq_tasks_delete_person,
    .tasks_list = sq_tasks_list,
    .task_done = sq_task_done,
    .request_insert = sq_request_insert,
    .request_get = sq_request_get,
    .request_redact = sq_request_redact,
    .request_update = sq_request_update,
    .answer_insert = sq_answer_insert,
    .answer_file_put = sq_answer_file_put,
    .answer_get = sq_answer_get,
    .answer_update = sq_answer_update,
    .answer_file_get = sq_answer_file_get,
    .answer_purge = sq_answer_purge,
    .answer_delete_person = sq_answer_delete_person,
    .requests_list = sq_requests_list,
    .requests_overdue = sq_requests_overdue,
    .requests_open_of_person = sq_requests_open_of_person,
    .recipient_notice_due = sq_recipient_notice_due,
    .recipient_notice_mark_done = sq_recipient_notice_mark_done,
    .recipient_notice_mark_pending = sq_recipient_notice_mark_pending,
    .recipient_notice_mark_retry = sq_recipient_notice_mark_retry,
    .recipient_notice_mark_final = sq_recipient_notice_mark_final,
    .recipient_notice_count = sq_recipient_notice_count,
    .recipient_notice_list = sq_recipient_notice_list,
    .consents_run_out = sq_consents_run_out,
    .signups_run_out = sq_signups_run_out,
    /* ---- Consent expiry in bulk (sweepbench) ---- */
    .consents_run_out_states = sq_consents_run_out_states,
    .entry_leave = sq_entry_leave,
    /* ---- Key rotation (keyrotate) ---- */
    .key_state_get = sq_key_state_get,
    .key_state_set = sq_key_state_set,
    .key_rehash = sq_key_rehash,
    .tokens_revoke_all = sq_tokens_revoke_all,
    .suppression_generations = sq_suppression_generations,
    /* ---- Retention rules (retention) ---- */
    .retention_entries = sq_retention_entries,
    .kept_invoices_run_out = sq_kept_invoices_run_out,
    .kept_contracts = sq_kept_contracts,
    .outbox_purge = sq_outbox_purge,
    .recipient_notice_purge = sq_recipient_notice_purge,
    /* ---- erasure journal (journal) ---- */
    .journal_mark = sq_journal_mark,
    .journal_has = sq_journal_has,
    .journal_ids = sq_journal_ids,
    /* ---- erasure journal across key rotations (journalgen) ---- */
    .suppress_add_gen = sq_suppress_add_gen,
    .lookup_values = sq_lookup_values,
    /* ---- the mail limit (mail_limit) ---- */
    .mail_limit_count = sq_mail_limit_count,
    .mail_limit_add = sq_mail_limit_add,
    .savepoint = sq_savepoint,
    .savepoint_end = sq_savepoint_end,
    /* ---- sealed values (seal) ---- */
    .sealed_set = sq_sealed_set,
    .sealed_list = sq_sealed_list,
    .census = sq_census,
};

/* ---- backups (store.h) ---------------------------------------------------------------- */

rk_err rk_store_backup_to(struct rk_store *base, const char *dest, int64_t *pages,
                          int64_t *bytes) {
    if (base->ops != &rk_store_sqlite_ops)
        return RK_EINVAL;
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
    if (rc != SQLITE_OK)
        snprintf(last_error, sizeof last_error, "sqlite backup: %s", sqlite3_errstr(rc));
    sqlite3_close_v2(out);
    return rc == SQLITE_OK ? RK_OK : RK_EIO;
}

rk_err rk_store_check_file(const char *path) {
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
    if (!sound)
        snprintf(last_error, sizeof last_error, "sqlite integrity_check: %s",
                 rc == SQLITE_OK ? "the database is damaged" : sqlite3_errstr(rc));
    sqlite3_finalize(st);
    sqlite3_close_v2(db);
    return sound ? RK_OK : RK_EPARSE;
}
