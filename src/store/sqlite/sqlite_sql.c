/*
 * sqlite_sql.c — the statement table of the SQLite backend: every statement
 * it runs, by id (enum stmt in sqlite.h). Values are always bound (?N), never
 * formatted into the text; sq_prepare prepares each once, on first use.
 */
#include "store/sqlite/sqlite.h"

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
    "due, extended_due, extension_months, extension_reason, verification, verified_by, "           \
    "verified_at, document, rejection_reason, note, closed_at, created_by, received_on "

/* The internal key of the person whose public id is parameter n. */
#define PK(n) "(SELECT pk FROM person WHERE id = ?" #n ")"
/* The same with parameter h the key's hint (sq_bind_pk; NULL when none): the hint when the
 * row it names has the id (one probe of the table by its integer key; "+id" keeps the
 * planner off the id index), else the id index's probe. coalesce evaluates the second only
 * when the first is NULL. A wrong or stale hint costs the probe, never a wrong row. */
#define PKH(n, h)                                                                                  \
    "coalesce((SELECT pk FROM person WHERE pk = ?" #h " AND +id = ?" #n "), " PK(n) ")"

const char *const sq_sql[S__COUNT] = {
    [S_PERSON_INSERT] = "INSERT INTO person (id, created_at) VALUES (?1, ?2)",
    [S_PERSON_EXISTS] = "SELECT restricted, objected FROM person WHERE id = ?1",
    [S_PERSON_PK] = "SELECT pk FROM person WHERE id = ?1",
    [S_PROV_INSERT] = "INSERT INTO provenance (source_kind, detail, purpose, at, by) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
    [S_PROV_GET] = "SELECT source_kind, detail, purpose, at, by FROM provenance WHERE id = ?1",
    [S_ORG_INSERT] = "INSERT OR IGNORE INTO organisation (name) VALUES (?1)",
    [S_ORG_GET] = "SELECT id FROM organisation WHERE name = ?1",
    [S_ORG_CHECK] = "SELECT 1 FROM organisation WHERE id = ?1 AND name = ?2",
    [S_ENTRY_GET] =
        "SELECT " ENTRY_COLS ENTRY_FROM "WHERE e.person = " PK(2) " AND e.register = ?1",
    [S_ENTRY_PUT] = "INSERT OR REPLACE INTO entry (register, person, since, name, name_prov, "
                    "email, email_hash, email_prov, phone, phone_hash, phone_prov, position, "
                    "position_prov, organisation_id, organisation_prov, interests, interests_prov) "
                    "VALUES (?1, " PKH(2, 18) ", ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, "
                                              "?14, ?15, ?16, ?17)",
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
    /* One index each, in the index's (hash, register) order: sq_entries_by_hash probes the
     * phone index only when the email index holds nothing (a hash is never both). */
    [S_ENTRIES_BY_HASH] =
        "SELECT " ENTRY_COLS ENTRY_FROM "WHERE e.email_hash = ?1 ORDER BY e.register",
    [S_ENTRIES_BY_PHONE_HASH] =
        "SELECT " ENTRY_COLS ENTRY_FROM "WHERE e.phone_hash = ?1 ORDER BY e.register",
    [S_FIND_NAME] =
        "SELECT " ENTRY_COLS ENTRY_FROM "WHERE e.name LIKE '%' || ?1 || '%' ESCAPE '\\' "
        "ORDER BY p.id, e.register LIMIT 1000",
    /* ---- People search and overview (migration 0016) ---- */
    [S_SEARCH_DELETE] = "DELETE FROM search_token WHERE person = " PKH(1, 3) " AND register = ?2",
    /* One word a statement: several in one (a VALUES list) is a multi-row insert, which
     * SQLite runs with a statement journal (search_token's foreign key may abort it), and
     * that costs more than the statements it saves (bench/README.md). */
    [S_SEARCH_INSERT] = "INSERT OR IGNORE INTO search_token (token, person, register, field) "
                        "VALUES (?3, " PKH(1, 5) ", ?2, ?4)",
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
        "user_agent, evidence, at) VALUES (" PKH(1, 15) ", ?2, ?3, ?4, ?5, ?6, ?7, "
                                                        "?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    [S_CONSENT_EVENTS] = "SELECT seq, ?1, purpose, event, pending, basis, notice_version, "
                         "notice_sha256, channel, collector, form_id, ip, user_agent, evidence, "
                         "at FROM consent_event WHERE person = " PK(1) " ORDER BY seq",
    [S_CONSENT_STATE_GET] = "SELECT state, since, expires_at, renewal_pending, last_seq "
                            "FROM consent_state WHERE person = " PK(1) " AND purpose = ?2",
    [S_CONSENT_STATE_PUT] = "INSERT OR REPLACE INTO consent_state (person, purpose, state, "
                            "since, expires_at, renewal_pending, last_seq) "
                            "VALUES (" PKH(1, 8) ", ?2, ?3, ?4, ?5, ?6, ?7)",
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
    [S_STAFF_SETUP_PUT] =
        "INSERT INTO staff_setup (hash, staff_id, expires_at) VALUES (?1, ?2, ?3)",
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
        "INSERT INTO staff_throttle (key, failures, locked_until, updated_at) VALUES (?1, 1, 0, "
        "?2) "
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
    [S_CONSENT_LOG_ADD] =
        "INSERT INTO consent_log (consent_id, at, action, choices, version, lang, "
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
/* The audience in one pass (sq_audience_all): the entries in their key's order, without
 * the person (its id and flags come from S_AUDIENCE_ALL_PERSONS, merged by key), then
 * the persons and the live consents, each in the same order: three scans, no probe per
 * row into person or consent_state. Column 1 (the person's id) is NULL here. */
#define AUDIENCE_ALL_COLS                                                                          \
    "e.register, NULL, e.since, e.name, e.name_prov, e.email, e.email_hash, e.email_prov, "        \
    "e.phone, e.phone_hash, e.phone_prov, e.position, e.position_prov, o.name, "                   \
    "e.organisation_prov, e.interests, e.interests_prov, e.person "
#define AUDIENCE_ALL_WHERE                                                                         \
    "FROM entry e LEFT JOIN organisation o ON o.id = e.organisation_id "                           \
    "WHERE (e.email_hash IS NULL OR NOT EXISTS "                                                   \
    "(SELECT 1 FROM suppression s WHERE s.hash = e.email_hash)) "                                  \
    "AND (e.phone_hash IS NULL OR NOT EXISTS "                                                     \
    "(SELECT 1 FROM suppression s WHERE s.hash = e.phone_hash)) "
    [S_AUDIENCE_ALL_ENTRIES] =
        "SELECT " AUDIENCE_ALL_COLS AUDIENCE_ALL_WHERE "ORDER BY e.person, e.register",
    [S_AUDIENCE_ALL_CONTRACT] = "SELECT " AUDIENCE_ALL_COLS AUDIENCE_ALL_WHERE
                                "AND EXISTS (SELECT 1 FROM contract k WHERE k.person = e.person "
                                "AND k.register = e.register "
                                "AND (k.end_date IS NULL OR k.end_date >= substr(?1, 1, 10))) "
                                "ORDER BY e.person, e.register",
    /* The same without the suppression probes, which sq_audience_all then makes in
     * memory against S_AUDIENCE_SUPPRESSED's hashes (read in the same transaction) when
     * the list is short: two correlated subqueries per entry cost about as much as the
     * scan itself. */
    [S_AUDIENCE_ALL_ENTRIES_UNSUPPRESSED] =
        "SELECT " AUDIENCE_ALL_COLS "FROM entry e LEFT JOIN organisation o "
        "ON o.id = e.organisation_id "
        "ORDER BY e.person, e.register",
    [S_AUDIENCE_ALL_CONTRACT_UNSUPPRESSED] =
        "SELECT " AUDIENCE_ALL_COLS "FROM entry e LEFT JOIN organisation o "
        "ON o.id = e.organisation_id "
        "WHERE EXISTS (SELECT 1 FROM contract k WHERE k.person = e.person "
        "AND k.register = e.register "
        "AND (k.end_date IS NULL OR k.end_date >= substr(?1, 1, 10))) "
        "ORDER BY e.person, e.register",
    /* Every suppressed hash in the key's (memcmp) order, one more than sq_audience_all
     * keeps in memory (?1) at most. */
    [S_AUDIENCE_SUPPRESSED] = "SELECT hash FROM suppression ORDER BY hash LIMIT ?1",
    [S_AUDIENCE_ALL_PERSONS] =
        "SELECT pk, id FROM person WHERE restricted = 0 AND objected = 0 ORDER BY pk",
    [S_AUDIENCE_ALL_CONSENTS] = "SELECT person FROM consent_state WHERE purpose = ?1 "
                                "AND state = 'live' AND (expires_at IS NULL OR expires_at > ?2) "
                                "ORDER BY person",
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
     * (RK_RETENTION_MAIL_DAYS), so that staff can send it again (POST /api/v1/outbox/{id}/retry).
     */
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
    [S_ANSWER_INSERT] =
        "INSERT INTO answer (request_id, person_id, created_at, expires_at, "
        "code_hash, code_expires, code_tries, grant_hash, grant_expires, downloads) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [S_ANSWER_FILE_PUT] = "INSERT OR REPLACE INTO answer_file (request_id, name, sealed) "
                          "VALUES (?1, ?2, ?3)",
    [S_ANSWER_GET] =
        "SELECT request_id, person_id, created_at, expires_at, code_hash, code_expires, "
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
    "id, recipient, person_id, request_id, remote_id, last_error, kind, state, attempts, "         \
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
    [S_NOTICE_WAIT] = "UPDATE recipient_notice SET next_attempt_at = ?2, last_error = ?3 "
                      "WHERE id = ?1 AND state IN ('queued', 'pending')",
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
    /* ---- consents_expire (issue 18): a batch set-based, through the temp tables that
     * sq_consents_expire creates (sweep_purpose: register '' for the purposes expired) ---- */
    [S_EXPIRE_PURPOSE] = "INSERT INTO temp.sweep_purpose (register, purpose) VALUES (?1, ?2)",
    [S_EXPIRE_PICK] = "INSERT INTO temp.sweep_gone (person, purpose, since, expires_at) "
                      "SELECT c.person, c.purpose, c.since, c.expires_at FROM consent_state c "
                      "WHERE c.state = 'live' AND c.expires_at IS NOT NULL "
                      "AND c.expires_at <= ?1 AND c.purpose IN "
                      "(SELECT purpose FROM temp.sweep_purpose WHERE register = '') "
                      "ORDER BY c.expires_at LIMIT ?2",
    [S_EXPIRE_SEQ] = "SELECT coalesce(max(seq), 0) FROM consent_event",
    [S_EXPIRE_EVENTS] = "INSERT INTO consent_event (person, purpose, event, pending, basis, "
                        "notice_version, notice_sha256, channel, collector, at) "
                        "SELECT person, purpose, 'expired', 0, ?1, ?2, ?3, ?4, ?5, ?6 "
                        "FROM temp.sweep_gone ORDER BY ord",
    /* Rowids of one INSERT ... SELECT follow on from the largest: event ord is seq base+ord;
     * S_EXPIRE_CHECK counts the events that agree (every one, or the batch fails). */
    [S_EXPIRE_SEQS] = "UPDATE temp.sweep_gone SET seq = ?1 + ord",
    [S_EXPIRE_CHECK] = "SELECT count(*) FROM temp.sweep_gone g JOIN consent_event e "
                       "ON e.seq = g.seq WHERE e.person = g.person AND e.purpose = g.purpose "
                       "AND e.event = 'expired'",
    [S_EXPIRE_STATES] = "UPDATE consent_state SET state = 'expired', renewal_pending = 0, "
                        "last_seq = g.seq FROM temp.sweep_gone g "
                        "WHERE consent_state.person = g.person "
                        "AND consent_state.purpose = g.purpose",
    /* The batch's persons in register ?1 holding no live consent for any of its purposes. */
    [S_EXPIRE_LEAVERS] = "INSERT OR IGNORE INTO temp.sweep_leave (person) "
                         "SELECT g.person FROM temp.sweep_gone g JOIN entry e "
                         "ON e.person = g.person AND e.register = ?1 WHERE NOT EXISTS "
                         "(SELECT 1 FROM consent_state c WHERE c.person = g.person "
                         "AND c.state = 'live' AND (c.expires_at IS NULL OR c.expires_at > ?2) "
                         "AND c.purpose IN (SELECT purpose FROM temp.sweep_purpose "
                         "WHERE register = ?1))",
    [S_EXPIRE_PROVS] =
        "INSERT OR IGNORE INTO temp.sweep_prov (id) SELECT v FROM ("
        "SELECT e.name_prov v FROM temp.sweep_leave l JOIN entry e ON e.person = l.person "
        "AND e.register = ?1 UNION ALL SELECT e.email_prov FROM temp.sweep_leave l JOIN entry e "
        "ON e.person = l.person AND e.register = ?1 UNION ALL SELECT e.phone_prov FROM "
        "temp.sweep_leave l JOIN entry e ON e.person = l.person AND e.register = ?1 "
        "UNION ALL SELECT e.position_prov FROM temp.sweep_leave l JOIN entry e "
        "ON e.person = l.person AND e.register = ?1 UNION ALL SELECT e.organisation_prov "
        "FROM temp.sweep_leave l JOIN entry e ON e.person = l.person AND e.register = ?1 "
        "UNION ALL SELECT e.interests_prov FROM temp.sweep_leave l JOIN entry e "
        "ON e.person = l.person AND e.register = ?1) WHERE v IS NOT NULL",
    [S_EXPIRE_ORGS] = "INSERT OR IGNORE INTO temp.sweep_org (id) SELECT e.organisation_id "
                      "FROM temp.sweep_leave l JOIN entry e ON e.person = l.person "
                      "AND e.register = ?1 WHERE e.organisation_id IS NOT NULL",
    [S_EXPIRE_ENTRIES] = "DELETE FROM entry WHERE register = ?1 AND person IN "
                         "(SELECT person FROM temp.sweep_leave)",
    /* As S_PROV_DELETE_UNUSED, for every row the batch's entries cited (indexes of 0012). */
    [S_EXPIRE_PROV_DROP] =
        "DELETE FROM provenance WHERE id IN (SELECT id FROM temp.sweep_prov) AND NOT EXISTS "
        "(SELECT 1 FROM entry WHERE name_prov = provenance.id OR email_prov = provenance.id "
        "OR phone_prov = provenance.id OR position_prov = provenance.id "
        "OR organisation_prov = provenance.id OR interests_prov = provenance.id)",
    [S_EXPIRE_ORG_DROP] = "DELETE FROM organisation WHERE id IN "
                          "(SELECT id FROM temp.sweep_org) AND NOT EXISTS "
                          "(SELECT 1 FROM entry e WHERE e.organisation_id = organisation.id)",
    [S_EXPIRE_LIST] = "SELECT p.id, g.purpose, 'expired', g.since, g.expires_at, 0, g.seq "
                      "FROM temp.sweep_gone g JOIN person p ON p.pk = g.person ORDER BY g.ord",
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
/* ---- Disclosures (migration 0019) ---- */
#define DISCLOSURE_COLS                                                                            \
    "d.recipient, p.id, d.held, d.digest, d.remote_sealed, d.first_at, d.last_at, d.error, "       \
    "d.error_at "                                                                                  \
    "FROM disclosure d JOIN person p ON p.pk = d.person "
    [S_DISCLOSURE_GET] = "SELECT " DISCLOSURE_COLS "WHERE d.recipient = ?1 AND d.person = " PK(2),
    [S_DISCLOSURE_EACH] = "SELECT " DISCLOSURE_COLS "WHERE d.recipient = ?1",
    [S_DISCLOSURES_OF_PERSON] =
        "SELECT " DISCLOSURE_COLS "WHERE d.person = " PK(1) " ORDER BY d.recipient",
    /* INSERT ... SELECT: no row when the person is not there (RK_ENOENT). */
    [S_DISCLOSURE_PUT] =
        "INSERT INTO disclosure (recipient, person, held, digest, remote_sealed, first_at, "
        "last_at) SELECT ?1, pk, ?3, ?4, ?5, ?6, ?7 FROM person WHERE id = ?2 "
        "ON CONFLICT (recipient, person) DO UPDATE SET held = excluded.held, "
        "digest = excluded.digest, remote_sealed = excluded.remote_sealed, "
        "first_at = coalesce(disclosure.first_at, excluded.first_at), last_at = excluded.last_at, "
        "error = NULL, error_at = NULL",
    [S_DISCLOSURE_FAIL] = "INSERT INTO disclosure (recipient, person, held, error, error_at) "
                          "SELECT ?1, pk, 'none', ?3, ?4 FROM person WHERE id = ?2 "
                          "ON CONFLICT (recipient, person) DO UPDATE SET error = excluded.error, "
                          "error_at = excluded.error_at",
    [S_DISCLOSURE_EVENT_ADD] =
        "INSERT INTO disclosure_event (person, recipient, action, "
        "categories, at) SELECT pk, ?2, ?3, ?4, ?5 FROM person WHERE id = ?1",
    [S_DISCLOSURE_EVENTS_OF_PERSON] = "SELECT recipient, action, categories, at "
                                      "FROM disclosure_event WHERE person = " PK(1) " ORDER BY seq",
    [S_RECIPIENT_SYNC_GET] = "SELECT recipient, last_pass_at, complete_at, next_at, attempts, "
                             "last_error, added, changed, removed, failed FROM recipient_sync "
                             "WHERE recipient = ?1",
    [S_RECIPIENT_SYNC_PUT] = "INSERT OR REPLACE INTO recipient_sync (recipient, last_pass_at, "
                             "complete_at, next_at, attempts, last_error, added, changed, "
                             "removed, failed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    [S_SEALED_SET_DISCLOSURE] = "UPDATE disclosure SET remote_sealed = ?2 "
                                "WHERE id = ?1 AND remote_sealed IS NOT NULL",
    [S_SEALED_LIST_DISCLOSURE] =
        "SELECT d.id, d.recipient, p.id, NULL, d.remote_sealed FROM disclosure d "
        "JOIN person p ON p.pk = d.person WHERE d.id > ?1 AND d.remote_sealed IS NOT NULL "
        "AND (?2 = 0 OR substr(d.remote_sealed, 1, 1) = X'00') ORDER BY d.id LIMIT ?3",
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
        "(SELECT count(*) FROM staff_session), "
        "(SELECT count(*) FROM disclosure), "
        "(SELECT count(*) FROM disclosure_event)",
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
        "-1, -1, "
        "(SELECT count(*) FROM disclosure WHERE person IN me), "
        "(SELECT count(*) FROM disclosure_event WHERE person IN me)",
    /* Taken when free, run out or already the holder's (renewed); changes() says whether. */
    [S_LEASE_TAKE] = "INSERT INTO lease (name, holder, until) VALUES (?1, ?2, ?4) "
                     "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, "
                     "until = excluded.until WHERE lease.until < ?3 OR lease.holder = ?2",
    [S_LEASE_DROP] = "DELETE FROM lease WHERE name = ?1 AND holder = ?2",
};
