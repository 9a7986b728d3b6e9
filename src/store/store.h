/*
 * store.h — the storage interface of the registers.
 *
 * A backend is a struct whose first member is struct rk_store (holding its
 * ops table), like SQLite's sqlite3_file and sqlite3_io_methods: callers use
 * the rk_store_* functions below, never the slots. The interface speaks in
 * domain records (entries, consent events, contracts), never in SQL, so a
 * second backend (PostgreSQL) is one new file plus its migrations, and the
 * conformance suite in tests/unit/test_store.c runs unchanged against it.
 *
 * Conventions: every function returns rk_err; RK_ENOENT means "no such
 * record", RK_ECONFLICT a uniqueness violation, RK_EBUSY a locked
 * database, RK_ESTORAGE one that cannot be written (disk full, read-only,
 * an I/O error; rk_store_error says which).
 * Writes happen inside rk_store_begin/commit; a failed write leaves the
 * transaction to be rolled back by the caller. Strings in records passed to
 * writes are borrowed; records filled by reads own their strings in their
 * own buffers until the next read into the same record.
 */
#ifndef RK_STORE_H
#define RK_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include "base/contact.h"
#include "base/id.h"
#include "base/time.h"
#include "decl/decl.h"
#include "util/err.h"

#define RK_HASH_LEN    32 /* keyed BLAKE2b of a normalised email or phone */
#define RK_DECL_ID_MAX 64
#define RK_SHA256_HEX  64

struct rk_store;

enum rk_synchronous { RK_SYNC_NORMAL, RK_SYNC_FULL };

struct rk_store_options {
    enum rk_synchronous synchronous;
    int busy_timeout_ms; /* 0: the backend's default (5 s) */
    /* Memory of the connection: its page cache and memory map in KiB; 0 takes the
     * default (64 MiB cache, 256 MiB map), a negative map size maps nothing. The
     * server's read connections keep both small so that its RSS stays bounded. */
    long cache_kib;
    long mmap_kib;
    /* Open for reading only (a database this process may not write): nothing is
     * created or changed, and every write fails with RK_ESTORAGE. A WAL database
     * whose -shm cannot be created is read as immutable when it has no -wal file. */
    bool read_only;
    /* The key generation this process's keyed values (hashes, seals, the audit chain) are
     * under (keys/keys.h, rk_keys_generation); 0: not checked. With it, every write
     * transaction (rk_store_begin) reads the database's generation and holds it until it
     * ends, and is refused with RK_ESTALE, nothing written, when the database has been
     * rotated past it (core/rotate.h, "Running instances"): no process ever writes under a
     * retired key, whatever machine rotated. */
    uint32_t key_generation;
    /* The store must hold a register already (every command but `init`): migrate answers
     * RK_ENOENT, creating nothing, when it holds none (a PostgreSQL database nobody ran
     * `init` on; SQLite: a file without the schema). */
    bool existing;
};

/* The provenance of values written together. */
struct rk_provenance {
    enum rk_source_kind source;
    const char *detail;  /* optional */
    const char *purpose; /* a declared purpose id */
    rk_ts at;
    const char *by; /* staff token name, or "self" */
};

/* One person's values in one register. */
struct rk_entry {
    char person_id[RK_ID_LEN + 1];
    char register_id[RK_DECL_ID_MAX + 1];
    rk_ts since;
    const char *v[RK_F__COUNT];            /* NULL: no value */
    int64_t prov[RK_F__COUNT];             /* provenance row of each value; 0 with no value */
    unsigned char email_hash[RK_HASH_LEN]; /* set when v[RK_F_EMAIL] */
    unsigned char phone_hash[RK_HASH_LEN]; /* set when v[RK_F_PHONE] */
    char buf[8192];                        /* storage of v[] for reads */
};

enum rk_consent_kind { RK_CE_GIVEN, RK_CE_CONFIRMED, RK_CE_WITHDRAWN, RK_CE_EXPIRED };

struct rk_consent_event {
    int64_t seq; /* set by the store on append */
    char person_id[RK_ID_LEN + 1];
    char purpose[RK_DECL_ID_MAX + 1];
    enum rk_consent_kind kind;
    bool pending; /* given: awaits double opt-in confirmation */
    enum rk_basis basis;
    const char *notice_version;
    char notice_sha256[RK_SHA256_HEX + 1];
    const char *channel;   /* a source kind id, or "unsubscribe_link", "preferences", ... */
    const char *collector; /* staff token name, or "self" */
    const char *form_id, *ip, *user_agent, *evidence; /* optional */
    rk_ts at;
    char buf[6144]; /* storage of the strings for reads: fits the limits below */
};

/* The longest strings a consent event may hold (bytes); consent_append refuses
 * longer ones with RK_ETOOBIG, so that every stored event reads back. */
#define RK_CONSENT_EVIDENCE_MAX 2000
#define RK_CONSENT_FIELD_MAX    512 /* notice version, channel, collector, form id, IP, user agent */

enum rk_consent_status {
    RK_CONSENT_NONE,
    RK_CONSENT_PENDING,
    RK_CONSENT_LIVE,
    RK_CONSENT_WITHDRAWN,
    RK_CONSENT_EXPIRED,
};

struct rk_consent_state {
    enum rk_consent_status status;
    rk_ts since;      /* when it became live (or pending); 0 for none */
    rk_ts expires_at; /* 0: no expiry */
    bool renewal_pending;
    int64_t last_seq;
};

enum rk_contract_status { RK_CONTRACT_ACTIVE, RK_CONTRACT_ENDED };

struct rk_contract {
    char id[RK_ID_LEN + 1];
    char person_id[RK_ID_LEN + 1];
    char register_id[RK_DECL_ID_MAX + 1];
    char service[801];
    struct rk_date start, end; /* end.y == 0: open-ended */
    enum rk_contract_status status;
    rk_ts created_at;
    char created_by[RK_DECL_ID_MAX + 1];
};

struct rk_invoice {
    char id[RK_ID_LEN + 1];
    char person_id[RK_ID_LEN + 1];
    char contract_id[RK_ID_LEN + 1]; /* "" when not tied to a contract */
    char register_id[RK_DECL_ID_MAX + 1];
    char number[65];
    struct rk_date date;
    int64_t amount_cents;
    char currency[4];
    struct rk_date keep_until; /* y == 0: no statutory retention declared */
    rk_ts created_at;
    char created_by[RK_DECL_ID_MAX + 1];
    bool restricted; /* reads only: kept after erasure, for the legal obligation alone */
};

enum rk_suppress_reason { RK_SUPPRESS_OBJECTION, RK_SUPPRESS_ERASURE };

struct rk_task {
    char id[RK_ID_LEN + 1];
    char person_id[RK_ID_LEN + 1];
    const char *kind; /* "art14_inform" */
    struct rk_date due;
    rk_ts created_at;
    const char *detail;
};

/* Who may be in an audience: the rule for the purpose's legal basis. */
enum rk_audience_rule {
    RK_AUDIENCE_LIVE_CONSENT,    /* consent: a live, unexpired consent for the purpose */
    RK_AUDIENCE_ACTIVE_CONTRACT, /* contract: a contract in the register not ended before now */
    RK_AUDIENCE_ANY,             /* other bases: every entry of the register */
};

typedef int (*rk_entry_fn)(void *ctx, const struct rk_entry *e);
typedef int (*rk_consent_fn)(void *ctx, const struct rk_consent_event *e);
/* A person and a purpose, as the retention sweep lists them (core/sweep.c). */
typedef int (*rk_person_purpose_fn)(void *ctx, const char *person_id, const char *purpose);
/* One erasure journal record id (journal_ids); non-zero stops. */
typedef int (*rk_journal_id_fn)(void *ctx, const char *id);
/* A consent and its current state (consents_run_out_states); non-zero stops. */
typedef int (*rk_consent_state_fn)(void *ctx, const char *person_id, const char *purpose,
                                   const struct rk_consent_state *st);
/* A held email or phone (normalised) and its person; a non-zero return stops. */
typedef int (*rk_lookup_value_fn)(void *ctx, const char *person_id, enum rk_field f,
                                  const char *value);
typedef int (*rk_contract_fn)(void *ctx, const struct rk_contract *c);
typedef int (*rk_invoice_fn)(void *ctx, const struct rk_invoice *i);
typedef int (*rk_provenance_fn)(void *ctx, int64_t id, const struct rk_provenance *p);

/* One recorded change of a contract (strings valid during the callback). */
struct rk_contract_change {
    rk_ts at;
    const char *by, *field, *old_value, *new_value; /* old/new may be NULL */
};
typedef int (*rk_change_fn)(void *ctx, const struct rk_contract_change *c);

/* A task for staff, as read back (strings valid during the callback). */
struct rk_task_view {
    const char *id, *kind, *detail; /* detail may be NULL */
    struct rk_date due;
    rk_ts created_at, done_at; /* done_at 0: open */
    const char *person_id;     /* set by tasks_list */
};
typedef int (*rk_task_fn)(void *ctx, const struct rk_task_view *t);

/* A staff token as stored: never the token itself, only its keyed hash. */
struct rk_token {
    char name[RK_DECL_ID_MAX + 1];
    char role[RK_DECL_ID_MAX + 1];
    rk_ts created_at, revoked_at; /* revoked_at 0: valid */
};
typedef int (*rk_token_fn)(void *ctx, const struct rk_token *t);

/* ---- Staff accounts of the console (migration 0015, core/staff.h) ---- */
#define RK_STAFF_EMAIL_MAX   254 /* bytes */
#define RK_STAFF_NAME_MAX    200 /* code points */
#define RK_STAFF_PWHASH_MAX  128 /* crypto_pwhash_STRBYTES */
#define RK_STAFF_REASON_MAX  32
#define RK_STAFF_ADDRESS_MAX 16

/* A staff account as stored: the password only as an argon2id string. */
struct rk_staff {
    char id[RK_ID_LEN + 1];
    char email[RK_STAFF_EMAIL_MAX + 1];
    char name[RK_STAFF_NAME_MAX * 4 + 1];
    char role[RK_DECL_ID_MAX + 1];
    char password[RK_STAFF_PWHASH_MAX + 1]; /* "": none set yet */
    bool disabled;
    rk_ts created_at, last_signin; /* last_signin 0: never */
};
typedef int (*rk_staff_fn)(void *ctx, const struct rk_staff *a);

/* A signed-in session as stored: the keyed hash of its secret, never the secret. */
struct rk_staff_session {
    unsigned char hash[RK_HASH_LEN];
    char staff_id[RK_ID_LEN + 1];
    rk_ts created_at, last_seen, expires_at;
};

/* One sign-in attempt of an account. */
struct rk_staff_signin {
    rk_ts at;
    bool ok;
    char reason[RK_STAFF_REASON_MAX + 1];   /* "ok", "password", "disabled", "locked", ... */
    char address[RK_STAFF_ADDRESS_MAX + 1]; /* the address's class: "loopback", "private", ... */
};
typedef int (*rk_staff_signin_fn)(void *ctx, const struct rk_staff_signin *e);

/* ---- The website's cookie-consent log (migration 0018, core/cookie_log.h) ---- */

#define RK_COOKIE_ID_MIN      22 /* a consent id's length: 22..64 of A-Za-z0-9_- */
#define RK_COOKIE_ID_MAX      64
#define RK_COOKIE_VERSION_LEN 16   /* hex digits (RK_CONSENT_VERSION_LEN) */
#define RK_COOKIE_CHOICES_MAX 2048 /* the stored choices' text, bytes */
#define RK_COOKIE_BODY_MAX    4096 /* POST /consent/log's body, bytes */

enum rk_cookie_action {
    RK_COOKIE_ACCEPT_ALL, /* every non-essential category granted */
    RK_COOKIE_REJECT_ALL, /* none granted (also a GPC browser's standing choice) */
    RK_COOKIE_CUSTOM,     /* the visitor's own selection in the settings */
    RK_COOKIE_WITHDRAW,   /* a category granted before is taken back */
    RK_COOKIE__COUNT
};

/* One recorded choice. choices is the compact JSON object {"<category id>": true|false, …}
 * over every non-essential category of the version, in the declaration's order, as built by
 * the HTTP layer; the core and the store keep it as text. */
struct rk_cookie_choice {
    char consent_id[RK_COOKIE_ID_MAX + 1];
    rk_ts at; /* the server's time when it was recorded */
    enum rk_cookie_action action;
    char choices[RK_COOKIE_CHOICES_MAX + 1];
    char version[RK_COOKIE_VERSION_LEN + 1];
    enum rk_lang lang;
    bool gpc;
};

/* "accept_all", "reject_all", "custom", "withdraw". */
const char *rk_cookie_action_id(enum rk_cookie_action a);
/* The action named id (len bytes, not NUL-terminated); false for none. */
bool rk_cookie_action_parse(const char *id, size_t len, enum rk_cookie_action *out);

/* A version of the consent manager's configuration (strings valid during the callback). */
typedef int (*rk_consent_version_fn)(void *ctx, const char *version, const char *config,
                                     rk_ts first_seen);
/* One logged choice (valid during the callback). */
typedef int (*rk_cookie_choice_fn)(void *ctx, const struct rk_cookie_choice *c);

/*
 * One row of the audit chain (core/audit.c computes prev and hash). Names the
 * actor, the action and the person's pseudonymous id — never personal data.
 */
#define RK_AUDIT_FIELD_MAX 128 /* actor, action, detail */
struct rk_audit_event {
    int64_t seq;
    rk_ts at;
    const char *actor, *action;
    const char *person_id, *detail; /* may be NULL */
    unsigned char prev[RK_HASH_LEN], hash[RK_HASH_LEN];
    char buf[512]; /* storage of the strings for reads */
};
typedef int (*rk_audit_fn)(void *ctx, const struct rk_audit_event *e);

/*
 * The email outbox (migration 0003, src/mail/). A message is enqueued inside
 * the caller's transaction, read back when due, and moved by the sender from
 * queued to sent or failed; see src/mail/sender.c for the life cycle. Its
 * content (recipient, subject, body, list_unsubscribe) is never stored in the
 * clear: rk_mail_enqueue seals it (keys/seal.h) and sets it with sealed_set;
 * the store ignores those four fields on enqueue and leaves them NULL on reads,
 * which give the sealed value instead (migration 0014).
 */
enum rk_outbox_state { RK_OUTBOX_QUEUED, RK_OUTBOX_SENT, RK_OUTBOX_FAILED, RK_OUTBOX__COUNT };

#define RK_OUTBOX_KIND_MAX  32  /* "confirm", "test": a short word */
#define RK_OUTBOX_ERROR_MAX 300 /* last_error is cut to this many bytes */

struct rk_outbox_msg {
    int64_t id;                   /* set by the store on enqueue */
    const char *message_id;       /* unique, stable: the left part of the Message-ID */
    const char *person_id;        /* pseudonymous id, or NULL */
    const char *kind;             /* a short word */
    const char *recipient;        /* one address */
    const char *subject, *body;   /* UTF-8 */
    const char *list_unsubscribe; /* URL or NULL */
    enum rk_outbox_state state;   /* reads only; enqueue always queues */
    int attempts;                 /* reads only */
    rk_ts created_at;
    rk_ts next_attempt_at;       /* enqueue: 0 means created_at */
    const char *last_error;      /* reads only; never personal data */
    const unsigned char *sealed; /* outbox_due only: the sealed content, NULL when none */
    size_t sealed_len;
};
/* Strings valid during the callback; non-zero stops the iteration. */
typedef int (*rk_outbox_fn)(void *ctx, const struct rk_outbox_msg *m);

/* A failed message for staff: deliberately without recipient, subject or body. */
struct rk_outbox_failure {
    int64_t id;
    const char *kind;
    const char *person_id; /* NULL when none */
    int attempts;
    const char *last_error;
    rk_ts created_at, failed_at;
};
typedef int (*rk_outbox_failure_fn)(void *ctx, const struct rk_outbox_failure *f);

/* One entry of a register as the audience summary sees it (core/audience.h): the person's
 * flags, whether the entry's email or phone is suppressed, and the person's consent state for
 * the purpose asked (state "none" and expires 0 without one). */
struct rk_audience_row {
    char person_id[RK_ID_LEN + 1];
    bool restricted, objected, suppressed;
    enum rk_consent_status consent;
    rk_ts expires_at; /* 0: none */
};
typedef int (*rk_audience_row_fn)(void *ctx, const struct rk_audience_row *r);

/*
 * What a web form collected, held until the emailed link confirms it (double
 * opt-in; core/optin.c). One per person and purpose.
 */
struct rk_signup {
    char person_id[RK_ID_LEN + 1];
    char purpose[RK_DECL_ID_MAX + 1];
    char form_id[RK_DECL_ID_MAX + 1];
    enum rk_lang lang;
    const char *v[RK_F__COUNT]; /* normalised values; NULL: not given */
    unsigned char email_hash[RK_HASH_LEN];
    rk_ts created_at, expires_at;
    char buf[4096]; /* storage of v[] for reads */
};

/* Art 19: a recipient to be told of a change (core/notify.c; migration 0006). */
enum rk_notice_kind {
    RK_NOTICE_RECTIFICATION,
    RK_NOTICE_ERASURE,
    RK_NOTICE_RESTRICTION,
    RK_NOTICE_RESTRICTION_LIFTED,
    RK_NOTICE__COUNT
};
/* The identity the recipient knows the person by is not here: core/notify.c seals it and
 * sets it with sealed_set (migration 0014). */
struct rk_recipient_notice {
    int64_t id; /* set by the store */
    const char *recipient, *person_id;
    enum rk_notice_kind kind;
    const char *request_id; /* may be NULL */
    rk_ts created_at;
};
/* What the "may we contact" check needs of one entry found by email or phone hash. */
struct rk_contact_row {
    char person_id[RK_ID_LEN + 1];
    char register_id[RK_DECL_ID_MAX + 1];
    bool restricted, objected;       /* art 18, art 21 */
    struct rk_consent_state consent; /* for the asked purpose; RK_CONSENT_NONE without one */
};
typedef int (*rk_contact_row_fn)(void *ctx, const struct rk_contact_row *r);

/*
 * A data-subject request (arts 12-22; core/request.c has the workflow and its
 * state machine; migration 0007). The contact details and the free text are
 * what the person wrote: personal data, kept here and shown only to staff
 * with the requests right.
 */
enum rk_request_type {
    RK_RQ_ACCESS,
    RK_RQ_RECTIFICATION,
    RK_RQ_ERASURE,
    RK_RQ_RESTRICTION,
    RK_RQ_PORTABILITY,
    RK_RQ_OBJECTION,
    RK_RQ_AUTOMATED_DECISION,
    RK_RQ_CONSENT_WITHDRAWAL,
    RK_RQ_TYPE__COUNT
};
enum rk_request_status {
    RK_RQS_RECEIVED,
    RK_RQS_VERIFIED,
    RK_RQS_IN_PROGRESS,
    RK_RQS_COMPLETED,
    RK_RQS_REJECTED,
    RK_RQS__COUNT
};
enum rk_request_channel {
    RK_RQC_WEB,
    RK_RQC_EMAIL,
    RK_RQC_POST,
    RK_RQC_IN_PERSON,
    RK_RQC_API,
    RK_RQC__COUNT
};
#define RK_REQUEST_ID_LEN    14   /* "R-" and 12 base32 characters: 60 random bits */
#define RK_REQUEST_TEXT_MAX  4000 /* the person's free text, bytes */
#define RK_REQUEST_FIELD_MAX 500  /* reasons, notes, contact details, bytes */

struct rk_request {
    char id[RK_REQUEST_ID_LEN + 1];
    enum rk_request_type type;
    enum rk_request_status status;
    enum rk_request_channel channel;
    enum rk_lang lang;                /* of the emails to the person */
    char person_id[RK_ID_LEN + 1];    /* "" until matched to a person */
    const char *email, *phone, *name; /* as given; may be NULL */
    const char *text;                 /* may be NULL */
    rk_ts received_at;
    struct rk_date received_on;         /* the local date of receipt: the deadlines run from it */
    struct rk_date due;                 /* one month from the local date of receipt */
    struct rk_date extended_due;        /* y == 0: not extended */
    int extension_months;               /* 0, 1 or 2 */
    const char *extension_reason;       /* NULL unless extended */
    unsigned verification;              /* 0 or one enum rk_verification bit */
    const char *verified_by, *document; /* document: in_person only */
    rk_ts verified_at;
    const char *rejection_reason, *note; /* NULL unless rejected / completed with a note */
    rk_ts closed_at;                     /* completed or rejected; 0 while open */
    const char *created_by;
    char buf[6144]; /* storage of the strings for reads */
};
typedef int (*rk_request_fn)(void *ctx, const struct rk_request *q);

/* ---- People search and overview (migration 0016; core/search.h) ---- */
/* One folded word of an entry's name or organisation. */
struct rk_search_word {
    const char *word;
    enum rk_field field; /* RK_F_NAME or RK_F_ORGANISATION */
};
/* A candidate of a search walk: key is the word (word walk) or the instant the person was
 * added (person walk), ISO 8601; strings valid during the callback. Non-zero return stops. */
struct rk_search_row {
    int64_t pk;
    const char *person_id;
    rk_ts added;
    const char *key;
    bool others; /* word walk: the person holds a word with each of the other prefixes too */
};
typedef int (*rk_search_row_fn)(void *ctx, const struct rk_search_row *r);
/* A marker the overview shows: the last sweep, the last audit verification. */
struct rk_console_mark {
    rk_ts at;
    int64_t seq;
    char detail[512];
    int ok; /* -1: not recorded */
};
/* One counter row: name (register or purpose) and its value; week set for consent weeks. */
struct rk_counter_row {
    const char *week; /* "YYYY-MM-DD", the Monday; NULL for other counters */
    const char *name;
    int64_t n[3]; /* persons / live; or given, withdrawn, expired */
};
typedef int (*rk_counter_fn)(void *ctx, const struct rk_counter_row *r);

/* A request's answer awaiting download (migration 0017; core/answer.h has the design). The
 * documents are rows of their own (answer_file), sealed; this row holds no personal data. */
#define RK_ANSWER_HASH_LEN 32
struct rk_answer_row {
    char request_id[RK_REQUEST_ID_LEN + 1];
    char person_id[RK_ID_LEN + 1];
    rk_ts created_at, expires_at;
    bool has_code;                               /* a one-time code is outstanding */
    unsigned char code_hash[RK_ANSWER_HASH_LEN]; /* keyed hash of the code (RK_SUBKEY_ANSWER) */
    rk_ts code_expires;
    int code_tries;                               /* wrong codes against the current one */
    bool has_grant;                               /* a right code gave a download grant */
    unsigned char grant_hash[RK_ANSWER_HASH_LEN]; /* keyed hash of the grant (the cookie) */
    rk_ts grant_expires;
    int downloads;
};

/* Which requests a list shows: all fields optional. */
struct rk_request_filter {
    int status;            /* an enum rk_request_status, or -1: any */
    bool open_only;        /* received, verified or in progress */
    struct rk_date due_by; /* y != 0: the effective due date on or before this */
};

/* What a recipient holds of a person, as rekisteri last disclosed it (connect/client.h has
 * what each state means at Mailchimp and Salesforce). NONE: nothing, never disclosed. */
enum rk_held { RK_HELD_NONE, RK_HELD_ACTIVE, RK_HELD_RESTRICTED, RK_HELD_INACTIVE, RK_HELD__COUNT };

/* ---- Disclosures (migration 0019; core/disclose.h) ----
 * What a recipient with a client connector (connect/client.h) holds of a person, as rekisteri
 * last disclosed it: one row per recipient and person, removed with the person (erasure). */
#define RK_DISCLOSURE_DIGEST_LEN 16
struct rk_disclosure {
    const char *recipient;
    char person_id[RK_ID_LEN + 1];
    enum rk_held held;
    unsigned char digest[RK_DISCLOSURE_DIGEST_LEN]; /* keyed BLAKE2b-128 of (held, the values
                                                       sent); all zero when none */
    const unsigned char *remote_sealed;             /* the recipient's key, sealed; NULL: none */
    size_t remote_sealed_len;
    rk_ts first_at, last_at; /* first disclosure; last put recorded (0: none) */
    const char *error;       /* the last permanent refusal; NULL when none */
    rk_ts error_at;          /* when error was recorded (0: none) */
};
typedef int (*rk_disclosure_fn)(void *ctx, const struct rk_disclosure *d);

/* One put a recipient accepted, for the person's record (art 15(1)(c)). */
struct rk_disclosure_event {
    const char *recipient;
    const char *action;     /* "added", "changed", "restricted", "removed" */
    const char *categories; /* the category ids sent, comma-separated ("" for none) */
    rk_ts at;
};
typedef int (*rk_disclosure_event_fn)(void *ctx, const struct rk_disclosure_event *ev);

/* A recipient's sync passes (core/disclose.h). No personal data. */
struct rk_recipient_sync {
    const char *recipient;
    rk_ts last_pass_at; /* the last pass's start */
    rk_ts complete_at;  /* the start of the last complete pass (0: none yet) */
    rk_ts next_at;      /* after an incomplete pass: not before then (0: any time) */
    int attempts;       /* incomplete passes in a row */
    const char *last_error;
    int64_t added, changed, removed, failed; /* the last pass's counts */
};
typedef int (*rk_recipient_sync_fn)(void *ctx, const struct rk_recipient_sync *rs);

/* Where an art 19 notice is (connect/deliver.c has the state diagram). */
enum rk_notice_state {
    RK_NOTICE_QUEUED,      /* to be sent; due at next_attempt_at */
    RK_NOTICE_PENDING,     /* accepted by the recipient (remote_id); polled until completed */
    RK_NOTICE_DONE,        /* delivered (webhook 2xx) or completed (OpenGDPR) */
    RK_NOTICE_FAILED,      /* refused for good, or given up after the last attempt */
    RK_NOTICE_UNSUPPORTED, /* no connector, or one that cannot carry this kind: tell by hand */
    RK_NOTICE_STATE__COUNT
};

/* A notice as read back: strings valid during the callback. sealed (the sealed
 * identity) is filled by recipient_notice_due only (NULL in lists, and once the
 * notice no longer needs it). identity_email is never filled by the store: the
 * deliverer sets it in its own copy to the identity it opened (connect/deliver.c). */
struct rk_notice_row {
    int64_t id;
    const char *recipient, *person_id, *request_id, *identity_email, *remote_id, *last_error;
    enum rk_notice_kind kind;
    enum rk_notice_state state;
    int attempts;
    rk_ts created_at, next_attempt_at, done_at; /* done_at 0 when not done */
    const unsigned char *sealed;
    size_t sealed_len;
};
typedef int (*rk_notice_fn)(void *ctx, const struct rk_notice_row *n);

/* One register entry as the retention rules see it (core/retention.c). */
struct rk_retention_row {
    int64_t key; /* the listing's cursor: opaque, increasing */
    char person_id[RK_ID_LEN + 1];
    rk_ts since;             /* when the person entered the register */
    bool restricted;         /* art 18: the person's data is only stored */
    int64_t contracts;       /* the person's contracts in the register */
    bool open;               /* one of them has no end date */
    struct rk_date last_end; /* the latest end date among them (y == 0: none) */
};
typedef int (*rk_retention_fn)(void *ctx, const struct rk_retention_row *r);

/* What consents_expire expires and which registers the persons leave (core/sweep.c). */
struct rk_expiry_register {
    const char *id;              /* a register holding people only on consent */
    const char *const *purposes; /* its purposes */
    size_t npurposes;
};
struct rk_expiry {
    const char *const *purposes; /* the purposes expired: declared, resting on consent */
    size_t npurposes;
    const struct rk_expiry_register *registers;
    size_t nregisters;
    const struct rk_consent_event *event; /* the template of each "expired" event */
};

/* ---- Key rotation (keyrotate) ---- */
#define RK_FINGERPRINT_LEN 16 /* hex digits naming a key generation (keys/keys.h) */
/* Writes the keyed hash of value (a normalised email or phone) under the new generation. */
typedef void (*rk_rehash_fn)(void *ctx, enum rk_field f, const char *value,
                             unsigned char out[RK_HASH_LEN]);
struct rk_rehash_counts {
    int64_t entries, signups, suppressions; /* rows re-hashed; suppressions moved */
};
typedef void (*rk_gen_count_fn)(void *ctx, uint32_t gen, int64_t rows);

/* ---- Sealed values (migration 0014; keys/seal.h, core/rotate.h) ---- */
enum rk_sealed_table {
    RK_SEALED_NOTICE,     /* recipient_notice: the identity */
    RK_SEALED_OUTBOX,     /* outbox: recipient, subject, body, list_unsubscribe */
    RK_SEALED_DISCLOSURE, /* disclosure: the recipient's key (recipient, person_id) */
    RK_SEALED__COUNT
};
/* A row holding a sealed value, with the fields it is bound to (strings and bytes valid
 * during the callback). */
struct rk_sealed_row {
    int64_t id;
    const char *recipient, *person_id; /* notices */
    const char *message_id;            /* outbox */
    const unsigned char *sealed;
    size_t len;
};
typedef int (*rk_sealed_fn)(void *ctx, const struct rk_sealed_row *r);

/*
 * The census: how many rows the store holds of each kind of data, for the whole store or for
 * one person (rk_store_census). The tests count through it rather than through a backend's
 * own language, and an operator checking an erasure reads it for the erased person's id.
 * For one person: persons is 1 or 0 (erased or never added); provenance and organisations
 * count the distinct rows the person's entries point to; contract_changes and answer_files
 * follow the person's contracts and answers; outbox, requests, notices, answers and audit
 * count rows carrying the pseudonymous id, which outlive an erasure by design. Counts that
 * belong to no person (suppressions, mail_limits, the orphans, staff) are -1 there.
 */
struct rk_census {
    int64_t persons, persons_restricted, persons_objected; /* restricted: art 18; objected: 21 */
    int64_t entries;
    int64_t provenance, provenance_orphans;       /* orphans: pointed to by no entry */
    int64_t organisations, organisations_orphans; /* orphans: named by no entry */
    int64_t consent_events, consent_events_expired;
    int64_t consent_states, consent_states_live;
    int64_t contracts, contracts_restricted, contract_changes;
    int64_t invoices, invoices_restricted;
    int64_t signups;
    int64_t outbox, outbox_queued; /* queued: not yet sent nor given up */
    int64_t tasks, tasks_open;     /* open: not done */
    int64_t requests;
    int64_t notices, notices_queued; /* art 19 recipient notices */
    int64_t answers, answer_files;
    int64_t audit;                                /* events of the audit chain */
    int64_t suppressions, suppressions_objection; /* objection: art 21, the rest erasure */
    int64_t mail_limits, search_tokens;
    int64_t staff, staff_sessions;          /* accounts and signed-in sessions: the console's */
    int64_t disclosures, disclosure_events; /* what recipients hold (core/disclose.h) */
};

/* Every field of struct rk_census, in its order: a backend's census reads its columns in
 * this order, and tools that print the census name the fields from it. */
/* clang-format off */
#define RK_CENSUS_FIELDS(X)                                                                        \
    X(persons) X(persons_restricted) X(persons_objected) X(entries) X(provenance)                  \
    X(provenance_orphans) X(organisations) X(organisations_orphans) X(consent_events)              \
    X(consent_events_expired) X(consent_states) X(consent_states_live) X(contracts)                \
    X(contracts_restricted) X(contract_changes) X(invoices) X(invoices_restricted) X(signups)      \
    X(outbox) X(outbox_queued) X(tasks) X(tasks_open) X(requests) X(notices) X(notices_queued)     \
    X(answers) X(answer_files) X(audit) X(suppressions) X(suppressions_objection) X(mail_limits)   \
    X(search_tokens) X(staff) X(staff_sessions) X(disclosures) X(disclosure_events)
/* clang-format on */

struct rk_store_ops {
    int version; /* 1 */
    const char *scheme;

    /* On failure the detail goes to e (there is no handle to hold it). */
    rk_err (*open)(const char *location, const struct rk_store_options *opt, struct rk_store **out,
                   struct rk_error *e);
    void (*close)(struct rk_store *s);
    rk_err (*migrate)(struct rk_store *s, int *from, int *to);
    /* Moves everything written into the main file and empties the write-ahead log, so
     * that erased values leave the log too (RK_EBUSY while another connection reads). */
    rk_err (*checkpoint)(struct rk_store *s);
    /* Copies the open database, consistently while others keep writing, into the file at
     * dest (which exists; its contents are replaced): one self-contained file that open
     * reads back. *pages gets its size in the backend's pages, *bytes in bytes. */
    rk_err (*backup_to)(struct rk_store *s, const char *dest, int64_t *pages, int64_t *bytes);
    /* Checks the database at location (no scheme) without creating or changing it
     * (SQLite: PRAGMA integrity_check); RK_EPARSE when it is not a sound database. */
    rk_err (*check_file)(const char *location, struct rk_error *e);
    /* Removes what the backend keeps beside a closed database at location (no scheme),
     * so that another file can be renamed into its place (SQLite: the -wal and -shm
     * files); none there is not an error. */
    rk_err (*remove_side_files)(const char *location, struct rk_error *e);
    /* Replaces every row of this store with the rows of the SQLite database file at path
     * (what backup_to writes, with the SQLite schema), in one transaction; identity
     * sequences and the audit chain's head follow the copied rows. Not inside a
     * transaction of the caller's. SQLite: RK_EINVAL (a restore replaces the file). */
    rk_err (*load_from)(struct rk_store *s, const char *path);
    rk_err (*begin)(struct rk_store *s);
    rk_err (*commit)(struct rk_store *s);
    void (*rollback)(struct rk_store *s);

    rk_err (*person_insert)(struct rk_store *s, const char *id, rk_ts created_at);
    rk_err (*person_exists)(struct rk_store *s, const char *id, bool *restricted, bool *objected);
    rk_err (*provenance_insert)(struct rk_store *s, const struct rk_provenance *p, int64_t *id);
    rk_err (*provenance_get)(struct rk_store *s, int64_t id, struct rk_provenance *out, char *buf,
                             size_t bufsz);
    rk_err (*entry_get)(struct rk_store *s, const char *register_id, const char *person_id,
                        struct rk_entry *out);
    rk_err (*entry_put)(struct rk_store *s, const struct rk_entry *e);
    rk_err (*entry_delete)(struct rk_store *s, const char *register_id, const char *person_id);
    rk_err (*entries_of_person)(struct rk_store *s, const char *person_id, rk_entry_fn fn,
                                void *ctx);
    rk_err (*find_by_hash)(struct rk_store *s, const unsigned char hash[RK_HASH_LEN],
                           const char *register_id /* NULL: any */, char id[RK_ID_LEN + 1]);
    rk_err (*find_by_name)(struct rk_store *s, const char *fragment, rk_entry_fn fn, void *ctx);
    /* ---- People search and overview (migration 0016) ---- */
    /* Replaces the search words of the person's entry in register_id by words[0..n). */
    rk_err (*search_put)(struct rk_store *s, const char *person_id, const char *register_id,
                         const struct rk_search_word *words, size_t n);
    /* Walks the persons holding a word with prefix `prefix` (field: RK_F_NAME or
     * RK_F_ORGANISATION, or -1: either) and, for each of the nalso (at most 2) prefixes in
     * also, whether it holds some word with that prefix too (r->others; every row comes, so
     * that the caller bounds the walk), in (word, person) order, strictly after
     * (after_word, after_pk) when after_word is not NULL; rows of one person under one word
     * come once. */
    rk_err (*search_words)(struct rk_store *s, const char *prefix, int field,
                           const char *const *also, size_t nalso, const char *after_word,
                           int64_t after_pk, rk_search_row_fn fn, void *ctx);
    /* How many words (at most cap) the index holds with prefix `prefix` (field as above). */
    rk_err (*search_count)(struct rk_store *s, const char *prefix, int field, int64_t cap,
                           int64_t *out);
    /* Walks persons added at or after since (0: any), newest first, strictly before
     * (before, before_pk) when before is not 0. */
    rk_err (*search_people)(struct rk_store *s, rk_ts since, rk_ts before, int64_t before_pk,
                            rk_search_row_fn fn, void *ctx);
    /* Whether the entries written before migration 0016 are indexed; and marking them so. */
    rk_err (*search_built)(struct rk_store *s, bool *out);
    rk_err (*search_built_set)(struct rk_store *s);
    /* Every entry, in key order (the backfill). */
    rk_err (*entries_all)(struct rk_store *s, rk_entry_fn fn, void *ctx);
    /* The counters: persons per register; live consents per purpose; consent events per
     * week and purpose from week `from` (a Monday, YYYY-MM-DD) on, oldest first. */
    rk_err (*register_counts)(struct rk_store *s, rk_counter_fn fn, void *ctx);
    rk_err (*purpose_counts)(struct rk_store *s, rk_counter_fn fn, void *ctx);
    rk_err (*consent_weeks)(struct rk_store *s, const char *from, rk_counter_fn fn, void *ctx);
    /* The marker `what` ("sweep", "audit_verify"); out->ok -1 and at 0 when none. */
    rk_err (*console_mark_get)(struct rk_store *s, const char *what, struct rk_console_mark *out);
    rk_err (*console_mark_set)(struct rk_store *s, const char *what,
                               const struct rk_console_mark *m);
    /* The requests matched to person_id, oldest first. */
    rk_err (*requests_of_person)(struct rk_store *s, const char *person_id, rk_request_fn fn,
                                 void *ctx);
    /* Every entry, in any register, whose email or phone hash is hash; ordered by register. */
    rk_err (*entries_by_hash)(struct rk_store *s, const unsigned char hash[RK_HASH_LEN],
                              rk_entry_fn fn, void *ctx);
    /* A read transaction held over several reads (issue 18: a batch of lookups pays one
     * transaction's start, not one per statement): the reads until read_end see one
     * snapshot. Reads only in between: no write, no rk_store_begin. RK_EINVAL when a
     * transaction is open. read_end ends it (nothing was written, so it cannot lose
     * anything); a read_end without read_begin is RK_EINVAL. */
    rk_err (*read_begin)(struct rk_store *s);
    rk_err (*read_end)(struct rk_store *s);

    rk_err (*consent_append)(struct rk_store *s, struct rk_consent_event *e);
    rk_err (*consent_events)(struct rk_store *s, const char *person_id, rk_consent_fn fn,
                             void *ctx);
    rk_err (*consent_state_get)(struct rk_store *s, const char *person_id, const char *purpose,
                                struct rk_consent_state *out);
    rk_err (*consent_state_put)(struct rk_store *s, const char *person_id, const char *purpose,
                                const struct rk_consent_state *st);

    rk_err (*contract_insert)(struct rk_store *s, const struct rk_contract *c);
    rk_err (*contract_get)(struct rk_store *s, const char *id, struct rk_contract *out);
    rk_err (*contract_update)(struct rk_store *s, const struct rk_contract *c);
    rk_err (*contract_change_append)(struct rk_store *s, const char *contract_id, rk_ts at,
                                     const char *by, const char *field, const char *old_value,
                                     const char *new_value);
    rk_err (*contracts_of_person)(struct rk_store *s, const char *person_id, rk_contract_fn fn,
                                  void *ctx);
    rk_err (*invoice_insert)(struct rk_store *s, const struct rk_invoice *i);
    rk_err (*invoices_of_person)(struct rk_store *s, const char *person_id, rk_invoice_fn fn,
                                 void *ctx);

    rk_err (*suppress_add)(struct rk_store *s, const unsigned char hash[RK_HASH_LEN],
                           enum rk_field kind, enum rk_suppress_reason reason, rk_ts at);
    rk_err (*suppressed)(struct rk_store *s, const unsigned char hash[RK_HASH_LEN], bool *out);
    rk_err (*task_insert)(struct rk_store *s, const struct rk_task *t);
    rk_err (*tasks_count)(struct rk_store *s, const char *kind, int64_t *out);
    rk_err (*contract_changes)(struct rk_store *s, const char *contract_id, rk_change_fn fn,
                               void *ctx);
    rk_err (*tasks_of_person)(struct rk_store *s, const char *person_id, rk_task_fn fn, void *ctx);

    /* The audit chain: the last row (RK_ENOENT when empty), appending one, and
     * every row from seq `from` on in order, or only a person's rows. */
    rk_err (*audit_last)(struct rk_store *s, int64_t *seq, unsigned char hash[RK_HASH_LEN]);
    rk_err (*audit_insert)(struct rk_store *s, const struct rk_audit_event *e);
    rk_err (*audit_scan)(struct rk_store *s, int64_t from, const char *person_id /* NULL: all */,
                         rk_audit_fn fn, void *ctx);

    /* Double opt-in: a form's values until confirmed (put replaces the person's
     * signup for the same purpose; get and delete answer RK_ENOENT for none). */
    rk_err (*signup_put)(struct rk_store *s, const struct rk_signup *u);
    rk_err (*signup_get)(struct rk_store *s, const char *person_id, const char *purpose,
                         struct rk_signup *out);
    rk_err (*signup_delete)(struct rk_store *s, const char *person_id, const char *purpose);
    rk_err (*signup_by_hash)(struct rk_store *s, const unsigned char email_hash[RK_HASH_LEN],
                             char person_id[RK_ID_LEN + 1]);

    /* Art 19: queues a notice for a recipient, inside the caller's transaction. */
    rk_err (*recipient_notice_add)(struct rk_store *s, struct rk_recipient_notice *n);

    rk_err (*token_insert)(struct rk_store *s, const struct rk_token *t,
                           const unsigned char hash[RK_HASH_LEN]);
    rk_err (*token_by_hash)(struct rk_store *s, const unsigned char hash[RK_HASH_LEN],
                            struct rk_token *out);
    rk_err (*token_revoke)(struct rk_store *s, const char *name, rk_ts at);
    rk_err (*tokens_list)(struct rk_store *s, rk_token_fn fn, void *ctx);

    /* ---- Staff accounts (migration 0015, core/staff.h) ----
     * staff_insert: RK_ECONFLICT for an email (or id) that exists. staff_get: by
     * id, or by email when by_email; RK_ENOENT for none. staff_update: role,
     * name, password, disabled and last_signin of a.id (RK_ENOENT for none).
     * staff_list: every account, by email.
     * staff_setup_put: a set-password link's hash for an account until expires.
     * staff_setup_get: its account when the link is known and not expired at
     * now (RK_ENOENT otherwise). staff_setup_clear: every link of an account.
     * staff_session_put / _get (RK_ENOENT) / _touch (last_seen) / _delete (one) /
     * staff_sessions_clear (every session of an account, or of every account
     * with staff_id NULL; *n gets how many ended).
     * staff_throttle_get: failures and locked_until of a key (0, 0 for none);
     * staff_throttle_fail: one more failure of a key, returning the new count;
     * staff_throttle_lock: sets its locked_until; staff_throttle_clear: forgets a key; rows not
     * updated since before prune_before are deleted by staff_throttle_fail. staff_signin_add /
     * staff_signins: an account's history, newest first, at most limit. */
    rk_err (*staff_insert)(struct rk_store *s, const struct rk_staff *a);
    rk_err (*staff_get)(struct rk_store *s, const char *key, bool by_email, struct rk_staff *out);
    rk_err (*staff_update)(struct rk_store *s, const struct rk_staff *a);
    rk_err (*staff_list)(struct rk_store *s, rk_staff_fn fn, void *ctx);
    rk_err (*staff_setup_put)(struct rk_store *s, const unsigned char hash[RK_HASH_LEN],
                              const char *staff_id, rk_ts expires);
    rk_err (*staff_setup_get)(struct rk_store *s, const unsigned char hash[RK_HASH_LEN], rk_ts now,
                              char staff_id[RK_ID_LEN + 1]);
    rk_err (*staff_setup_clear)(struct rk_store *s, const char *staff_id);
    rk_err (*staff_session_put)(struct rk_store *s, const struct rk_staff_session *x);
    rk_err (*staff_session_get)(struct rk_store *s, const unsigned char hash[RK_HASH_LEN],
                                struct rk_staff_session *out);
    rk_err (*staff_session_touch)(struct rk_store *s, const unsigned char hash[RK_HASH_LEN],
                                  rk_ts at);
    rk_err (*staff_session_delete)(struct rk_store *s, const unsigned char hash[RK_HASH_LEN]);
    rk_err (*staff_sessions_clear)(struct rk_store *s, const char *staff_id, int64_t *n);
    rk_err (*staff_throttle_get)(struct rk_store *s, const unsigned char key[RK_HASH_LEN],
                                 int64_t *failures, rk_ts *locked_until);
    rk_err (*staff_throttle_fail)(struct rk_store *s, const unsigned char key[RK_HASH_LEN],
                                  rk_ts now, rk_ts prune_before, int64_t *failures);
    rk_err (*staff_throttle_lock)(struct rk_store *s, const unsigned char key[RK_HASH_LEN],
                                  rk_ts until);
    rk_err (*staff_throttle_clear)(struct rk_store *s, const unsigned char key[RK_HASH_LEN]);
    rk_err (*staff_signin_add)(struct rk_store *s, const char *staff_id,
                               const struct rk_staff_signin *e);
    rk_err (*staff_signins)(struct rk_store *s, const char *staff_id, int limit,
                            rk_staff_signin_fn fn, void *ctx);
    /* ---- The cookie-consent log (migration 0018, core/cookie_log.h) ----
     * consent_version_put records a version of the consent manager's config when it is
     * not known yet (a known one keeps its text and first_seen). consent_version_get calls
     * fn with it; RK_ENOENT for an unknown version. consent_log_add appends one choice (its
     * version must be known: RK_EINVAL otherwise). consent_log_get calls fn with every
     * choice of a consent id, oldest first (RK_ENOENT when there is none; fn must not
     * write). consent_log_purge deletes at most limit rows recorded before `before` (with
     * dry_run counts them all and deletes nothing); *n gets the rows. consent_log_counts
     * counts the rows recorded in [from, to) per action into counts[RK_COOKIE__COUNT]. */
    rk_err (*consent_version_put)(struct rk_store *s, const char *version, const char *config,
                                  rk_ts at);
    rk_err (*consent_version_get)(struct rk_store *s, const char *version, rk_consent_version_fn fn,
                                  void *ctx);
    rk_err (*consent_log_add)(struct rk_store *s, const struct rk_cookie_choice *c);
    rk_err (*consent_log_get)(struct rk_store *s, const char *consent_id, rk_cookie_choice_fn fn,
                              void *ctx);
    rk_err (*consent_log_purge)(struct rk_store *s, rk_ts before, int limit, bool dry_run,
                                int64_t *n);
    rk_err (*consent_log_counts)(struct rk_store *s, rk_ts from, rk_ts to,
                                 int64_t counts[RK_COOKIE__COUNT]);

    rk_err (*audience)(struct rk_store *s, const char *register_id, const char *purpose,
                       enum rk_audience_rule rule, rk_ts now, rk_entry_fn fn, void *ctx);

    /* ---- The email outbox (migration 0003) ----
     * outbox_enqueue: inside the caller's transaction; RK_ECONFLICT for a
     * message_id that exists; the content is not stored (sealed_set seals it).
     * outbox_due: queued messages with next_attempt_at <= now, oldest first, at
     * most limit, with their sealed content. The marks count one attempt each and
     * apply only to a queued message (RK_ENOENT otherwise), so a message leaves
     * the queued state once; sent clears the sealed content in the same statement,
     * failed keeps it for a retry (outbox_requeue) until outbox_purge deletes the row.
     * outbox_failed lists failed messages, newest first.
     * Several instances (PostgreSQL): outbox_due CLAIMS what it lists for this handle for a
     * lease (60 s, REKISTERI_CLAIM_LEASE), skipping what another handle holds unexpired; the
     * marks apply only while the claim is this handle's (RK_ENOENT once another retook it)
     * and end it. SQLite lists without claiming: one worker per database. */
    rk_err (*outbox_enqueue)(struct rk_store *s, const struct rk_outbox_msg *m, int64_t *id);
    rk_err (*outbox_due)(struct rk_store *s, rk_ts now, int limit, rk_outbox_fn fn, void *ctx);
    rk_err (*outbox_mark_sent)(struct rk_store *s, int64_t id, rk_ts at);
    rk_err (*outbox_mark_retry)(struct rk_store *s, int64_t id, rk_ts next_attempt_at,
                                const char *error);
    rk_err (*outbox_mark_failed)(struct rk_store *s, int64_t id, rk_ts at, const char *error);
    rk_err (*outbox_count)(struct rk_store *s, enum rk_outbox_state state, int64_t *out);
    rk_err (*outbox_failed)(struct rk_store *s, int limit, rk_outbox_failure_fn fn, void *ctx);
    /* ---- The console's retries and audience summary (issue 12) ----
     * outbox_requeue: a failed message queued again, due at now, when its sealed content is
     * still held; RK_ENOENT when no failed message has the id, RK_EREFUSED when its content
     * is gone (deleted with its person, or failed before failed messages kept it).
     * recipient_notice_get: one notice by id, without the
     * identity (RK_ENOENT). recipient_notice_requeue: a failed notice queued again, due at
     * now (RK_ENOENT when no failed notice has the id). audience_rows: every entry of
     * register with what the audience rules look at for purpose (fn must not write). */
    rk_err (*outbox_requeue)(struct rk_store *s, int64_t id, rk_ts now);
    rk_err (*recipient_notice_get)(struct rk_store *s, int64_t id, rk_notice_fn fn, void *ctx);
    rk_err (*recipient_notice_requeue)(struct rk_store *s, int64_t id, rk_ts now);
    rk_err (*audience_rows)(struct rk_store *s, const char *register_id, const char *purpose,
                            rk_audience_row_fn fn, void *ctx);
    /* The check's read, in one read transaction unless a transaction is open: whether
     * hash is suppressed and, when it is not, every entry in any register whose email or
     * phone hash is hash, ordered by register, with its person's restrictions and the
     * consent state for purpose. fn (which may read the store) stops the walk by
     * returning non-zero. */
    rk_err (*contact_rows)(struct rk_store *s, const unsigned char hash[RK_HASH_LEN],
                           const char *purpose, bool *suppressed, rk_contact_row_fn fn, void *ctx);
    /* The audience in one pass (issue 18), in one read transaction unless a transaction is
     * open: every entry, in any register, that audience would give for its register (the
     * person neither restricted nor objecting, no hash of the entry suppressed, the rule's
     * condition for purpose at now), ordered by the person's internal key and, for one
     * person, by register, so that a person's entries come together. fn must not use the
     * store; it stops the walk by returning non-zero. */
    rk_err (*audience_all)(struct rk_store *s, const char *purpose, enum rk_audience_rule rule,
                           rk_ts now, rk_entry_fn fn, void *ctx);

    /* ---- Data-subject rights (core/rights.c; migration 0008) ----
     * All inside the caller's transaction. person_flags_set sets both art 18
     * and art 21 flags (RK_ENOENT for no such person); person_delete removes
     * the person and, by cascade, every row referring to it. The *_delete_person
     * ops delete a person's rows of one table and count them in *n.
     * provenance_delete_unused and organisation_delete_unused delete the row
     * only when no entry refers to it any more (*deleted says whether).
     * consent_delete removes the ledger events and the state of one purpose,
     * or of every purpose with purpose NULL; *n counts the events. The
     * contract and invoice ops act on one row by id (RK_ENOENT for none);
     * restrict marks it kept under a legal obligation only. tasks_list lists
     * tasks of a kind (NULL: all), only open ones when open_only, by due date;
     * task_done closes an open task (RK_ENOENT for none open). */
    rk_err (*person_flags_set)(struct rk_store *s, const char *id, bool restricted, bool objected);
    rk_err (*person_delete)(struct rk_store *s, const char *id);
    rk_err (*entries_delete_person)(struct rk_store *s, const char *person, int64_t *n);
    rk_err (*provenance_delete_unused)(struct rk_store *s, int64_t id, bool *deleted);
    rk_err (*organisation_delete_unused)(struct rk_store *s, const char *name, bool *deleted);
    rk_err (*consent_delete)(struct rk_store *s, const char *person, const char *purpose,
                             int64_t *n);
    rk_err (*contract_delete)(struct rk_store *s, const char *id);
    rk_err (*contract_restrict)(struct rk_store *s, const char *id);
    rk_err (*invoice_delete)(struct rk_store *s, const char *id);
    rk_err (*invoice_restrict)(struct rk_store *s, const char *id);
    rk_err (*signups_delete_person)(struct rk_store *s, const char *person, int64_t *n);
    rk_err (*outbox_delete_person)(struct rk_store *s, const char *person, int64_t *n);
    rk_err (*tasks_delete_person)(struct rk_store *s, const char *person, int64_t *n);
    rk_err (*tasks_list)(struct rk_store *s, const char *kind, bool open_only, rk_task_fn fn,
                         void *ctx);
    rk_err (*task_done)(struct rk_store *s, const char *id, rk_ts at);
    /* ---- Data-subject requests (migration 0007; core/request.c) ----
     * request_insert: RK_ECONFLICT for an id that exists. request_update writes
     * every mutable field of q (status, person, deadlines, verification,
     * closing). requests_list: by received_at, oldest first. */
    rk_err (*request_insert)(struct rk_store *s, const struct rk_request *q);
    rk_err (*request_get)(struct rk_store *s, const char *id, struct rk_request *out);
    /* Forgets what the person wrote (email, phone, name, free text): after an erasure the
     * request keeps no copy of what it erased. RK_ENOENT for no such request. */
    rk_err (*request_redact)(struct rk_store *s, const char *id);
    rk_err (*request_update)(struct rk_store *s, const struct rk_request *q);
    /* ---- Answers awaiting download (migration 0017; core/answer.h) ----
     * answer_insert: RK_ECONFLICT when the request has one. answer_file_put: one sealed
     * document (sealed, len bytes) named name. answer_get / answer_update: the row (RK_ENOENT
     * when there is none); update writes the code, tries, grant and download count.
     * answer_file_get: a new copy of the sealed document (*out, freed by the caller), RK_ENOENT
     * when absent. answer_purge: deletes answers (and their documents) whose expires_at <=
     * before (the sweep passes now), at most limit (limit <= 0: all), or only counts them
     * with dry; *n the number. */
    rk_err (*answer_insert)(struct rk_store *s, const struct rk_answer_row *a);
    rk_err (*answer_file_put)(struct rk_store *s, const char *request_id, const char *name,
                              const unsigned char *sealed, size_t len);
    rk_err (*answer_get)(struct rk_store *s, const char *request_id, struct rk_answer_row *out);
    rk_err (*answer_update)(struct rk_store *s, const struct rk_answer_row *a);
    rk_err (*answer_file_get)(struct rk_store *s, const char *request_id, const char *name,
                              unsigned char **out, size_t *len);
    rk_err (*answer_purge)(struct rk_store *s, rk_ts before, int limit, bool dry, int64_t *n);
    /* Deletes the person's answers and their documents (an erasure); *n how many. */
    rk_err (*answer_delete_person)(struct rk_store *s, const char *person_id, int64_t *n);
    rk_err (*requests_list)(struct rk_store *s, const struct rk_request_filter *f, rk_request_fn fn,
                            void *ctx);
    /* Open requests whose effective due date is before today. */
    rk_err (*requests_overdue)(struct rk_store *s, struct rk_date today, int64_t *out);
    /* Open requests (received, verified, in progress) matched to person_id. */
    rk_err (*requests_open_of_person)(struct rk_store *s, const char *person_id, int64_t *out);

    /* ---- Art 19 notice delivery (migration 0006; connect/deliver.c) ----
     * recipient_notice_due: queued or pending notices with next_attempt_at <=
     * now, oldest first, at most limit, with the sealed identity. The marks apply
     * only to a queued or pending notice (RK_ENOENT otherwise): done sets done_at
     * and forgets the identity; pending records the recipient's id, forgets the
     * identity and sets the next poll (counting an attempt only when it was
     * queued); retry counts an attempt and sets the next one; wait sets the next one and
     * the last error only (a notice waiting for something that is no attempt: a connector
     * not configured yet); fail moves it to
     * failed or unsupported (final), counting an attempt and forgetting the
     * identity. "Forgets" sets the sealed column to NULL. recipient_notice_list
     * lists notices in state (or every state when state is RK_NOTICE_STATE__COUNT),
     * newest first, without the identity. recipient_notice_due claims as outbox_due does
     * (a lease of 120 s on PostgreSQL) and the marks apply only under the claim. */
    rk_err (*recipient_notice_due)(struct rk_store *s, rk_ts now, int limit, rk_notice_fn fn,
                                   void *ctx);
    rk_err (*recipient_notice_mark_done)(struct rk_store *s, int64_t id, rk_ts at);
    rk_err (*recipient_notice_mark_pending)(struct rk_store *s, int64_t id, const char *remote_id,
                                            rk_ts next_poll_at);
    rk_err (*recipient_notice_mark_retry)(struct rk_store *s, int64_t id, rk_ts next_attempt_at,
                                          const char *error);
    rk_err (*recipient_notice_mark_final)(struct rk_store *s, int64_t id,
                                          enum rk_notice_state state, rk_ts at, const char *error);
    rk_err (*recipient_notice_mark_wait)(struct rk_store *s, int64_t id, rk_ts next_attempt_at,
                                         const char *error);
    rk_err (*recipient_notice_count)(struct rk_store *s, enum rk_notice_state state, int64_t *out);
    rk_err (*recipient_notice_list)(struct rk_store *s, enum rk_notice_state state, int limit,
                                    rk_notice_fn fn, void *ctx);

    /* ---- Retention sweep (core/sweep.c; migration 0009) ----
     * consents_run_out: the (person, purpose) of every LIVE consent whose expires_at <= now,
     * oldest expiry first; signups_run_out: every unconfirmed signup whose expires_at <= now.
     * At most limit rows (limit <= 0: all). fn must not write; a non-zero return stops. */
    rk_err (*consents_run_out)(struct rk_store *s, rk_ts now, int limit, rk_person_purpose_fn fn,
                               void *ctx);
    rk_err (*signups_run_out)(struct rk_store *s, rk_ts now, int limit, rk_person_purpose_fn fn,
                              void *ctx);

    /* ---- Key rotation (keyrotate; migration 0011, core/rotate.h) ----
     * key_state_get: the key generation the database's hashes and its audit
     * chain's tail are under, and that generation's fingerprint ("" until the
     * first rotation). key_state_set: inside the rotation's transaction.
     * key_rehash: inside the caller's transaction, every entry's email and
     * phone hash and every signup's email hash recomputed by fn from the value
     * held; a suppression row matching an old hash moves to the new one and to
     * generation gen (rows of values no longer held stay where they are).
     * tokens_revoke_all: every live staff token revoked at at.
     * suppression_generations: fn(ctx, gen, rows) per generation, oldest first. */
    rk_err (*key_state_get)(struct rk_store *s, uint32_t *gen,
                            char fingerprint[RK_FINGERPRINT_LEN + 1]);
    rk_err (*key_state_set)(struct rk_store *s, uint32_t gen, const char *fingerprint);
    /* key_generation_hold: inside a write transaction, the database's key generation,
     * held until the transaction ends: no rotation commits meanwhile (PostgreSQL: a
     * transaction-scoped advisory lock, shared; SQLite: the write lock holds it already).
     * exclusive (the rotation's own transaction): waits until every write transaction
     * holding it shared has ended, and makes the ones that begin later wait for this one. */
    rk_err (*key_generation_hold)(struct rk_store *s, bool exclusive, uint32_t *gen);
    rk_err (*key_rehash)(struct rk_store *s, uint32_t gen, rk_rehash_fn fn, void *ctx,
                         struct rk_rehash_counts *out);
    rk_err (*tokens_revoke_all)(struct rk_store *s, rk_ts at, int64_t *n);
    rk_err (*suppression_generations)(struct rk_store *s, rk_gen_count_fn fn, void *ctx);

    /* ---- Retention rules (core/retention.c) ----
     * retention_entries: the entries of register_id whose row key is greater than after, in
     * key order, at most limit (<= 0: all), each with the person's contracts in that register;
     * pass the last row's key as the next after. kept_invoices_run_out: (invoice id, person id)
     * of every restricted invoice whose keep_until is before today, at most limit.
     * kept_contracts: restricted contracts no invoice refers to, ids after `after` ("" or NULL
     * for the first), in id order, at most limit. For all three fn must not write.
     * outbox_purge deletes at most limit sent or failed messages finished before `before`;
     * recipient_notice_purge deletes at most limit delivered (done) or unsupported notices
     * finished before `before`; with dry_run both count every such row and delete nothing;
     * *n gets the rows. */
    rk_err (*retention_entries)(struct rk_store *s, const char *register_id, int64_t after,
                                int limit, rk_retention_fn fn, void *ctx);
    rk_err (*kept_invoices_run_out)(struct rk_store *s, struct rk_date today, int limit,
                                    rk_person_purpose_fn fn, void *ctx);
    rk_err (*kept_contracts)(struct rk_store *s, const char *after, int limit, rk_contract_fn fn,
                             void *ctx);
    rk_err (*outbox_purge)(struct rk_store *s, rk_ts before, int limit, bool dry_run, int64_t *n);
    rk_err (*recipient_notice_purge)(struct rk_store *s, rk_ts before, int limit, bool dry_run,
                                     int64_t *n);
    /* consents_expire (issue 18): inside the caller's write transaction, expires at most limit
     * (> 0) LIVE consents whose expires_at <= now and whose purpose is one of x->purposes,
     * oldest expiry first, as rk_reg_consent_expire would one by one: per consent an
     * "expired" ledger event (x->event's basis, notice version and digest, channel, collector
     * and at; the rest empty) and the state EXPIRED (renewal cleared, last_seq the new
     * event); then, for each consent register of x->registers, the entries of those persons
     * who hold no live consent (expires_at NULL or after now) for any of its purposes are
     * deleted, with the provenance rows and organisation names no other entry cites.
     * fn(ctx, person, purpose, state after) per consent expired, in the ledger's order (fn
     * must not write); *n the consents expired. Set-based on SQLite. */
    rk_err (*consents_expire)(struct rk_store *s, rk_ts now, int limit, const struct rk_expiry *x,
                              rk_consent_state_fn fn, void *ctx, int64_t *n);
    /* ---- Erasure journal (core/journal.c; migration 0010) ----
     * Which records of the erasure journal file the database contains, by their ids.
     * journal_mark records one (again: no change); journal_has asks for one; journal_ids
     * calls fn with every id in id order (fn must not write; a non-zero return stops). */
    /* ---- Erasure journal across key rotations (journalgen; core/journal.h) ----
     * suppress_add_gen: suppress_add under key generation gen instead of the database's
     * (a journal record's hash from before a rotation). lookup_values: every email and
     * phone held by an entry and every pending signup's email, with its person id, in no
     * particular order (fn must not write; a non-zero return stops). */
    rk_err (*suppress_add_gen)(struct rk_store *s, const unsigned char hash[RK_HASH_LEN],
                               enum rk_field kind, enum rk_suppress_reason reason, rk_ts at,
                               uint32_t gen);
    rk_err (*lookup_values)(struct rk_store *s, rk_lookup_value_fn fn, void *ctx);
    rk_err (*journal_mark)(struct rk_store *s, const char *id, rk_ts at);
    rk_err (*journal_has)(struct rk_store *s, const char *id, bool *out);
    rk_err (*journal_ids)(struct rk_store *s, rk_journal_id_fn fn, void *ctx);
    /* ---- Consent expiry in bulk (core/sweep.c; migration 0012) ----
     * consents_run_out_states: as consents_run_out, with each consent's current state, so
     * that the sweep need not read it again. entry_leave: deletes person's entry in register
     * reg (*left: whether there was one; none is RK_OK) together with the provenance rows and
     * the organisation name it cited that no other entry cites, so that no value outlives the
     * entry. Both within the caller's transaction. */
    rk_err (*consents_run_out_states)(struct rk_store *s, rk_ts now, int limit,
                                      rk_consent_state_fn fn, void *ctx);
    rk_err (*entry_leave)(struct rk_store *s, const char *reg, const char *person, bool *left);
    /* ---- The mail limit (core/mail_limit.c; migration 0013) ----
     * mail_limit_count: the mails recorded for recipient (a keyed hash, never an address) at
     * or after since, in *n, and the latest one's instant in *last (0 for none).
     * mail_limit_add: records one at `at`, inside the caller's transaction, and deletes every
     * recorded mail (of any recipient) before prune_before, so that the table holds no more
     * than the window the rule looks at.
     * savepoint / savepoint_end: inside a write transaction, savepoint marks a point;
     * savepoint_end removes the latest mark, keeping the writes since it, or with undo
     * undoing them first (marks nest). The work before the mark, and the transaction, go on
     * unharmed either way. */
    rk_err (*mail_limit_count)(struct rk_store *s, const unsigned char recipient[RK_HASH_LEN],
                               rk_ts since, int64_t *n, rk_ts *last);
    rk_err (*mail_limit_add)(struct rk_store *s, const unsigned char recipient[RK_HASH_LEN],
                             rk_ts at, rk_ts prune_before);
    rk_err (*savepoint)(struct rk_store *s);
    rk_err (*savepoint_end)(struct rk_store *s, bool undo);
    /* ---- Sealed values (migration 0014; core/rotate.h, "Sealed values") ----
     * sealed_set: inside the caller's transaction, sets the sealed value of row id of table
     * while the row is queued (a disclosure: while it holds one; RK_ENOENT otherwise); NULL
     * clears it. sealed_list: the rows of table holding a sealed value whose id is greater than
     * after, in id order, at most limit
     * (<= 0: all); with plain_only only those still holding migration 0014's plaintext
     * (marker byte 0). fn must not write; a non-zero return stops. */
    rk_err (*sealed_set)(struct rk_store *s, enum rk_sealed_table table, int64_t id,
                         const unsigned char *sealed, size_t len);
    rk_err (*sealed_list)(struct rk_store *s, enum rk_sealed_table table, int64_t after,
                          bool plain_only, int limit, rk_sealed_fn fn, void *ctx);
    /* ---- Disclosures (migration 0019; core/disclose.h) ----
     * disclosure_get: the row of recipient and person (fn once; RK_ENOENT: none).
     * disclosure_each: every row of recipient, in no particular order. disclosures_of_person:
     * the person's row of every recipient, by recipient. fn must not write; a non-zero return
     * stops. disclosure_put: inserts or replaces the row of d->recipient and d->person_id,
     * keeping an existing first_at (d->first_at when new) and clearing error (RK_ENOENT: no
     * such person). disclosure_fail: records a permanent refusal (error, no personal data) at
     * `at`, creating the row (held none) when absent. disclosure_event_add: appends one
     * accepted put (action: "added", "changed", "restricted", "removed"; categories: the ids
     * sent, comma-separated); disclosure_events_of_person: the person's, oldest first.
     * recipient_sync_get (RK_ENOENT: none) and recipient_sync_put (insert or replace). Writes
     * inside the caller's transaction. */
    rk_err (*disclosure_get)(struct rk_store *s, const char *recipient, const char *person_id,
                             rk_disclosure_fn fn, void *ctx);
    rk_err (*disclosure_each)(struct rk_store *s, const char *recipient, rk_disclosure_fn fn,
                              void *ctx);
    rk_err (*disclosures_of_person)(struct rk_store *s, const char *person_id, rk_disclosure_fn fn,
                                    void *ctx);
    rk_err (*disclosure_put)(struct rk_store *s, const struct rk_disclosure *d);
    rk_err (*disclosure_fail)(struct rk_store *s, const char *recipient, const char *person_id,
                              const char *error, rk_ts at);
    rk_err (*disclosure_event_add)(struct rk_store *s, const char *person_id, const char *recipient,
                                   const char *action, const char *categories, rk_ts at);
    rk_err (*disclosure_events_of_person)(struct rk_store *s, const char *person_id,
                                          rk_disclosure_event_fn fn, void *ctx);
    rk_err (*recipient_sync_get)(struct rk_store *s, const char *recipient, rk_recipient_sync_fn fn,
                                 void *ctx);
    rk_err (*recipient_sync_put)(struct rk_store *s, const struct rk_recipient_sync *rs);
    /* ---- The census (struct rk_census) ----
     * census: the row counts of the whole store (person_id NULL) or of the person with that
     * pseudonymous id (all 0 but the id-carrying kinds once the person is erased). Reads only;
     * inside or outside a transaction. Fills *out only on success. */
    rk_err (*census)(struct rk_store *s, const char *person_id, struct rk_census *out);
    /* ---- Leases (migrations 0020, pg/0003): one holder of a named job at a time ----
     * lease_take: takes the lease `name` for holder until `until` when it is free, expired
     * (its until < now) or already holder's (then renews it); *got says whether holder has it
     * now. lease_drop: gives it up when holder has it (RK_ENOENT otherwise). Each is one
     * statement of its own, outside any transaction (the sweep takes "sweep", core/sweep.c). */
    rk_err (*lease_take)(struct rk_store *s, const char *name, const char *holder, rk_ts now,
                         rk_ts until, bool *got);
    rk_err (*lease_drop)(struct rk_store *s, const char *name, const char *holder);
};

#define RK_STORE_KEY_LEN 32

/*
 * The base of every backend's handle. mail_key is the subkey (keys/keys.h:
 * outbox) rk_mail_enqueue seals queued mail under: the register sets it when
 * it takes the store (rk_reg_init), so that whoever queues mail through the
 * register's store seals it without handing the key along, and the
 * enqueue's signature stays as it was. Unset, queueing mail is refused. The
 * backend's close wipes it.
 *
 * error is the detail of the handle's last failure (util/err.h): a backend
 * method that fails writes it (rk_error_set(&s->error, ...)) before it returns
 * the code, and nothing clears it on success, so it reads as the old
 * thread-local "last error" did, only per connection. Callers read it with
 * rk_store_error(s), right after the failed call and before the rollback's own
 * statements. Where there is no handle yet or none at all — rk_store_open,
 * rk_store_check_file, rk_store_remove_side_files — the detail goes to the
 * caller's struct rk_error *e instead.
 *
 * Why per handle is safe without a lock: a handle is one connection, used by
 * one thread at a time, already (the SQLite backend opens its connections
 * SQLITE_OPEN_NOMUTEX, so it must be). The CLI holds one handle on its one
 * thread; each HTTP server thread has its own read connection
 * (http/service.c, thread-local); the group-commit writer owns its handle and
 * runs every queued write on its own thread (http/writer.c); the worker
 * threads, the overdue-request sweep and each export open their own. A handle
 * handed to another thread goes with the work, never shared at once.
 */
struct rk_store {
    const struct rk_store_ops *ops;
    uint32_t key_generation; /* rk_store_options.key_generation; key_state_set moves it */
    bool existing;           /* rk_store_options.existing */
    unsigned char mail_key[RK_STORE_KEY_LEN];
    bool mail_keyed;
    struct rk_error error; /* the last failure's detail; see above */
};

extern const struct rk_store_ops rk_store_sqlite_ops;
extern const struct rk_store_ops rk_store_pg_ops;

/* Opens the store at location ("var/rekisteri.db" or "sqlite:PATH"); creates it if missing.
 * On failure the detail is in e (NULL: only the code). */
RK_MUST_USE rk_err rk_store_open(const char *location, const struct rk_store_options *opt,
                                 struct rk_store **out, struct rk_error *e);

static inline void rk_store_close(struct rk_store *s) {
    if (s)
        s->ops->close(s);
}

/* location as messages may show it: a URI's password replaced by "***" (in buf, size n);
 * a path as it is. */
const char *rk_store_location_shown(const char *location, char *buf, size_t n);

/* The detail of s's last failure (see struct rk_store). s NULL: an empty error. Never NULL. */
const struct rk_error *rk_store_error(const struct rk_store *s);
/* Its message: one line for logs and the CLI, without personal data; "" when the failure
 * left none or s is NULL (not the code's own message: callers print what the store said).
 * Never NULL. */
const char *rk_store_errmsg(const struct rk_store *s);

/*
 * Backups and database files, through the backend the location names (as
 * rk_store_open picks it): rk_store_backup_to copies the open store s into the file
 * at dest (see the backup_to op); rk_store_check_file checks the database at
 * location without creating it, RK_EPARSE when it is not sound;
 * rk_store_remove_side_files removes what the backend keeps beside a closed
 * database (SQLite's -wal and -shm), before another file takes its place.
 */
RK_MUST_USE rk_err rk_store_check_file(const char *location, struct rk_error *e);
RK_MUST_USE rk_err rk_store_remove_side_files(const char *location, struct rk_error *e);

/* Thin wrappers: callers use these, never the ops slots. */
#define RK_STORE_FN(name, params, args)                                                            \
    static inline RK_MUST_USE rk_err rk_store_##name params { return s->ops->name args; }

RK_STORE_FN(migrate, (struct rk_store * s, int *from, int *to), (s, from, to))
RK_STORE_FN(checkpoint, (struct rk_store * s), (s))
RK_STORE_FN(backup_to, (struct rk_store * s, const char *dest, int64_t *pages, int64_t *bytes),
            (s, dest, pages, bytes))
RK_STORE_FN(load_from, (struct rk_store * s, const char *path), (s, path))
/* Begins a write transaction; with a key generation (rk_store_options) it is checked and
 * held first (key_generation_hold): RK_ESTALE, rolled back, when the database's differs. */
RK_MUST_USE rk_err rk_store_begin(struct rk_store *s);
RK_STORE_FN(commit, (struct rk_store * s), (s))
static inline void rk_store_rollback(struct rk_store *s) { s->ops->rollback(s); }
RK_STORE_FN(person_insert, (struct rk_store * s, const char *id, rk_ts at), (s, id, at))
RK_STORE_FN(person_exists, (struct rk_store * s, const char *id, bool *restricted, bool *objected),
            (s, id, restricted, objected))
RK_STORE_FN(provenance_insert, (struct rk_store * s, const struct rk_provenance *p, int64_t *id),
            (s, p, id))
RK_STORE_FN(provenance_get,
            (struct rk_store * s, int64_t id, struct rk_provenance *out, char *buf, size_t n),
            (s, id, out, buf, n))
RK_STORE_FN(entry_get,
            (struct rk_store * s, const char *reg, const char *person, struct rk_entry *out),
            (s, reg, person, out))
RK_STORE_FN(entry_put, (struct rk_store * s, const struct rk_entry *e), (s, e))
RK_STORE_FN(entry_delete, (struct rk_store * s, const char *reg, const char *person),
            (s, reg, person))
RK_STORE_FN(entries_of_person, (struct rk_store * s, const char *person, rk_entry_fn fn, void *c),
            (s, person, fn, c))
RK_STORE_FN(find_by_hash,
            (struct rk_store * s, const unsigned char h[RK_HASH_LEN], const char *reg,
             char id[RK_ID_LEN + 1]),
            (s, h, reg, id))
RK_STORE_FN(find_by_name, (struct rk_store * s, const char *frag, rk_entry_fn fn, void *c),
            (s, frag, fn, c))
/* ---- People search and overview (migration 0016) ---- */
RK_STORE_FN(search_put,
            (struct rk_store * s, const char *person, const char *reg,
             const struct rk_search_word *w, size_t n),
            (s, person, reg, w, n))
RK_STORE_FN(search_words,
            (struct rk_store * s, const char *prefix, int field, const char *const *also,
             size_t nalso, const char *after_word, int64_t after_pk, rk_search_row_fn fn, void *c),
            (s, prefix, field, also, nalso, after_word, after_pk, fn, c))
RK_STORE_FN(search_count,
            (struct rk_store * s, const char *prefix, int field, int64_t cap, int64_t *out),
            (s, prefix, field, cap, out))
RK_STORE_FN(search_people,
            (struct rk_store * s, rk_ts since, rk_ts before, int64_t before_pk, rk_search_row_fn fn,
             void *c),
            (s, since, before, before_pk, fn, c))
RK_STORE_FN(search_built, (struct rk_store * s, bool *out), (s, out))
RK_STORE_FN(search_built_set, (struct rk_store * s), (s))
RK_STORE_FN(entries_all, (struct rk_store * s, rk_entry_fn fn, void *c), (s, fn, c))
RK_STORE_FN(register_counts, (struct rk_store * s, rk_counter_fn fn, void *c), (s, fn, c))
RK_STORE_FN(purpose_counts, (struct rk_store * s, rk_counter_fn fn, void *c), (s, fn, c))
RK_STORE_FN(consent_weeks, (struct rk_store * s, const char *from, rk_counter_fn fn, void *c),
            (s, from, fn, c))
RK_STORE_FN(console_mark_get, (struct rk_store * s, const char *what, struct rk_console_mark *out),
            (s, what, out))
RK_STORE_FN(console_mark_set,
            (struct rk_store * s, const char *what, const struct rk_console_mark *m), (s, what, m))
RK_STORE_FN(requests_of_person,
            (struct rk_store * s, const char *person, rk_request_fn fn, void *c),
            (s, person, fn, c))
RK_STORE_FN(entries_by_hash,
            (struct rk_store * s, const unsigned char h[RK_HASH_LEN], rk_entry_fn fn, void *c),
            (s, h, fn, c))
RK_STORE_FN(read_begin, (struct rk_store * s), (s))
RK_STORE_FN(read_end, (struct rk_store * s), (s))
RK_STORE_FN(consent_append, (struct rk_store * s, struct rk_consent_event *e), (s, e))
RK_STORE_FN(consent_events, (struct rk_store * s, const char *person, rk_consent_fn fn, void *c),
            (s, person, fn, c))
RK_STORE_FN(consent_state_get,
            (struct rk_store * s, const char *person, const char *purpose,
             struct rk_consent_state *out),
            (s, person, purpose, out))
RK_STORE_FN(consent_state_put,
            (struct rk_store * s, const char *person, const char *purpose,
             const struct rk_consent_state *st),
            (s, person, purpose, st))
RK_STORE_FN(contract_insert, (struct rk_store * s, const struct rk_contract *c), (s, c))
RK_STORE_FN(contract_get, (struct rk_store * s, const char *id, struct rk_contract *out),
            (s, id, out))
RK_STORE_FN(contract_update, (struct rk_store * s, const struct rk_contract *c), (s, c))
RK_STORE_FN(contract_change_append,
            (struct rk_store * s, const char *contract, rk_ts at, const char *by, const char *field,
             const char *old_value, const char *new_value),
            (s, contract, at, by, field, old_value, new_value))
RK_STORE_FN(contracts_of_person,
            (struct rk_store * s, const char *person, rk_contract_fn fn, void *c),
            (s, person, fn, c))
RK_STORE_FN(invoice_insert, (struct rk_store * s, const struct rk_invoice *i), (s, i))
RK_STORE_FN(invoices_of_person,
            (struct rk_store * s, const char *person, rk_invoice_fn fn, void *c),
            (s, person, fn, c))
RK_STORE_FN(suppress_add,
            (struct rk_store * s, const unsigned char h[RK_HASH_LEN], enum rk_field kind,
             enum rk_suppress_reason reason, rk_ts at),
            (s, h, kind, reason, at))
RK_STORE_FN(suppressed, (struct rk_store * s, const unsigned char h[RK_HASH_LEN], bool *out),
            (s, h, out))
RK_STORE_FN(task_insert, (struct rk_store * s, const struct rk_task *t), (s, t))
RK_STORE_FN(tasks_count, (struct rk_store * s, const char *kind, int64_t *out), (s, kind, out))
RK_STORE_FN(contract_changes, (struct rk_store * s, const char *contract, rk_change_fn fn, void *c),
            (s, contract, fn, c))
RK_STORE_FN(tasks_of_person, (struct rk_store * s, const char *person, rk_task_fn fn, void *c),
            (s, person, fn, c))
RK_STORE_FN(audit_last, (struct rk_store * s, int64_t *seq, unsigned char h[RK_HASH_LEN]),
            (s, seq, h))
RK_STORE_FN(audit_insert, (struct rk_store * s, const struct rk_audit_event *e), (s, e))
RK_STORE_FN(audit_scan,
            (struct rk_store * s, int64_t from, const char *person, rk_audit_fn fn, void *c),
            (s, from, person, fn, c))
RK_STORE_FN(signup_put, (struct rk_store * s, const struct rk_signup *u), (s, u))
RK_STORE_FN(signup_get,
            (struct rk_store * s, const char *person, const char *purpose, struct rk_signup *out),
            (s, person, purpose, out))
RK_STORE_FN(signup_delete, (struct rk_store * s, const char *person, const char *purpose),
            (s, person, purpose))
RK_STORE_FN(signup_by_hash,
            (struct rk_store * s, const unsigned char h[RK_HASH_LEN], char id[RK_ID_LEN + 1]),
            (s, h, id))
RK_STORE_FN(recipient_notice_add, (struct rk_store * s, struct rk_recipient_notice *n), (s, n))
RK_STORE_FN(token_insert,
            (struct rk_store * s, const struct rk_token *t, const unsigned char h[RK_HASH_LEN]),
            (s, t, h))
RK_STORE_FN(token_by_hash,
            (struct rk_store * s, const unsigned char h[RK_HASH_LEN], struct rk_token *out),
            (s, h, out))
RK_STORE_FN(token_revoke, (struct rk_store * s, const char *name, rk_ts at), (s, name, at))
RK_STORE_FN(tokens_list, (struct rk_store * s, rk_token_fn fn, void *c), (s, fn, c))
/* ---- Staff accounts ---- */
RK_STORE_FN(staff_insert, (struct rk_store * s, const struct rk_staff *a), (s, a))
RK_STORE_FN(staff_get, (struct rk_store * s, const char *key, bool by_email, struct rk_staff *out),
            (s, key, by_email, out))
RK_STORE_FN(staff_update, (struct rk_store * s, const struct rk_staff *a), (s, a))
RK_STORE_FN(staff_list, (struct rk_store * s, rk_staff_fn fn, void *c), (s, fn, c))
RK_STORE_FN(staff_setup_put,
            (struct rk_store * s, const unsigned char h[RK_HASH_LEN], const char *id, rk_ts exp),
            (s, h, id, exp))
RK_STORE_FN(staff_setup_get,
            (struct rk_store * s, const unsigned char h[RK_HASH_LEN], rk_ts now,
             char id[RK_ID_LEN + 1]),
            (s, h, now, id))
RK_STORE_FN(staff_setup_clear, (struct rk_store * s, const char *id), (s, id))
RK_STORE_FN(staff_session_put, (struct rk_store * s, const struct rk_staff_session *x), (s, x))
RK_STORE_FN(staff_session_get,
            (struct rk_store * s, const unsigned char h[RK_HASH_LEN], struct rk_staff_session *out),
            (s, h, out))
RK_STORE_FN(staff_session_touch,
            (struct rk_store * s, const unsigned char h[RK_HASH_LEN], rk_ts at), (s, h, at))
RK_STORE_FN(staff_session_delete, (struct rk_store * s, const unsigned char h[RK_HASH_LEN]), (s, h))
RK_STORE_FN(staff_sessions_clear, (struct rk_store * s, const char *id, int64_t *n), (s, id, n))
RK_STORE_FN(staff_throttle_get,
            (struct rk_store * s, const unsigned char k[RK_HASH_LEN], int64_t *f, rk_ts *until),
            (s, k, f, until))
RK_STORE_FN(staff_throttle_fail,
            (struct rk_store * s, const unsigned char k[RK_HASH_LEN], rk_ts now, rk_ts prune_before,
             int64_t *f),
            (s, k, now, prune_before, f))
RK_STORE_FN(staff_throttle_lock,
            (struct rk_store * s, const unsigned char k[RK_HASH_LEN], rk_ts until), (s, k, until))
RK_STORE_FN(staff_throttle_clear, (struct rk_store * s, const unsigned char k[RK_HASH_LEN]), (s, k))
RK_STORE_FN(staff_signin_add,
            (struct rk_store * s, const char *id, const struct rk_staff_signin *e), (s, id, e))
RK_STORE_FN(staff_signins,
            (struct rk_store * s, const char *id, int limit, rk_staff_signin_fn fn, void *c),
            (s, id, limit, fn, c))
RK_STORE_FN(consent_version_put,
            (struct rk_store * s, const char *version, const char *config, rk_ts at),
            (s, version, config, at))
RK_STORE_FN(consent_version_get,
            (struct rk_store * s, const char *version, rk_consent_version_fn fn, void *c),
            (s, version, fn, c))
RK_STORE_FN(consent_log_add, (struct rk_store * s, const struct rk_cookie_choice *x), (s, x))
RK_STORE_FN(consent_log_get, (struct rk_store * s, const char *id, rk_cookie_choice_fn fn, void *c),
            (s, id, fn, c))
RK_STORE_FN(consent_log_purge, (struct rk_store * s, rk_ts before, int limit, bool dry, int64_t *n),
            (s, before, limit, dry, n))
RK_STORE_FN(consent_log_counts,
            (struct rk_store * s, rk_ts from, rk_ts to, int64_t counts[RK_COOKIE__COUNT]),
            (s, from, to, counts))
RK_STORE_FN(audience,
            (struct rk_store * s, const char *reg, const char *purpose, enum rk_audience_rule rule,
             rk_ts now, rk_entry_fn fn, void *c),
            (s, reg, purpose, rule, now, fn, c))
RK_STORE_FN(contact_rows,
            (struct rk_store * s, const unsigned char h[RK_HASH_LEN], const char *purpose,
             bool *suppressed, rk_contact_row_fn fn, void *c),
            (s, h, purpose, suppressed, fn, c))
RK_STORE_FN(audience_all,
            (struct rk_store * s, const char *purpose, enum rk_audience_rule rule, rk_ts now,
             rk_entry_fn fn, void *c),
            (s, purpose, rule, now, fn, c))

/* ---- The email outbox (see the ops above) ---- */
RK_STORE_FN(outbox_enqueue, (struct rk_store * s, const struct rk_outbox_msg *m, int64_t *id),
            (s, m, id))
RK_STORE_FN(outbox_due, (struct rk_store * s, rk_ts now, int limit, rk_outbox_fn fn, void *c),
            (s, now, limit, fn, c))
RK_STORE_FN(outbox_mark_sent, (struct rk_store * s, int64_t id, rk_ts at), (s, id, at))
RK_STORE_FN(outbox_mark_retry, (struct rk_store * s, int64_t id, rk_ts next, const char *error),
            (s, id, next, error))
RK_STORE_FN(outbox_mark_failed, (struct rk_store * s, int64_t id, rk_ts at, const char *error),
            (s, id, at, error))
RK_STORE_FN(outbox_count, (struct rk_store * s, enum rk_outbox_state st, int64_t *out),
            (s, st, out))
RK_STORE_FN(outbox_failed, (struct rk_store * s, int limit, rk_outbox_failure_fn fn, void *c),
            (s, limit, fn, c))
RK_STORE_FN(outbox_requeue, (struct rk_store * s, int64_t id, rk_ts now), (s, id, now))
RK_STORE_FN(recipient_notice_get, (struct rk_store * s, int64_t id, rk_notice_fn fn, void *c),
            (s, id, fn, c))
RK_STORE_FN(recipient_notice_requeue, (struct rk_store * s, int64_t id, rk_ts now), (s, id, now))
RK_STORE_FN(audience_rows,
            (struct rk_store * s, const char *reg, const char *purpose, rk_audience_row_fn fn,
             void *c),
            (s, reg, purpose, fn, c))

/* ---- Data-subject rights (see the ops above) ---- */
RK_STORE_FN(person_flags_set, (struct rk_store * s, const char *id, bool restricted, bool objected),
            (s, id, restricted, objected))
RK_STORE_FN(person_delete, (struct rk_store * s, const char *id), (s, id))
RK_STORE_FN(entries_delete_person, (struct rk_store * s, const char *person, int64_t *n),
            (s, person, n))
RK_STORE_FN(provenance_delete_unused, (struct rk_store * s, int64_t id, bool *deleted),
            (s, id, deleted))
RK_STORE_FN(organisation_delete_unused, (struct rk_store * s, const char *name, bool *deleted),
            (s, name, deleted))
RK_STORE_FN(consent_delete,
            (struct rk_store * s, const char *person, const char *purpose, int64_t *n),
            (s, person, purpose, n))
RK_STORE_FN(contract_delete, (struct rk_store * s, const char *id), (s, id))
RK_STORE_FN(contract_restrict, (struct rk_store * s, const char *id), (s, id))
RK_STORE_FN(invoice_delete, (struct rk_store * s, const char *id), (s, id))
RK_STORE_FN(invoice_restrict, (struct rk_store * s, const char *id), (s, id))
RK_STORE_FN(signups_delete_person, (struct rk_store * s, const char *person, int64_t *n),
            (s, person, n))
RK_STORE_FN(outbox_delete_person, (struct rk_store * s, const char *person, int64_t *n),
            (s, person, n))
RK_STORE_FN(tasks_delete_person, (struct rk_store * s, const char *person, int64_t *n),
            (s, person, n))
RK_STORE_FN(tasks_list,
            (struct rk_store * s, const char *kind, bool open_only, rk_task_fn fn, void *c),
            (s, kind, open_only, fn, c))
RK_STORE_FN(task_done, (struct rk_store * s, const char *id, rk_ts at), (s, id, at))
/* ---- Data-subject requests ---- */
RK_STORE_FN(request_insert, (struct rk_store * s, const struct rk_request *q), (s, q))
RK_STORE_FN(request_redact, (struct rk_store * s, const char *id), (s, id))
RK_STORE_FN(request_get, (struct rk_store * s, const char *id, struct rk_request *out),
            (s, id, out))
RK_STORE_FN(request_update, (struct rk_store * s, const struct rk_request *q), (s, q))
RK_STORE_FN(answer_insert, (struct rk_store * s, const struct rk_answer_row *a), (s, a))
RK_STORE_FN(answer_file_put,
            (struct rk_store * s, const char *rid, const char *name, const unsigned char *sealed,
             size_t len),
            (s, rid, name, sealed, len))
RK_STORE_FN(answer_get, (struct rk_store * s, const char *rid, struct rk_answer_row *out),
            (s, rid, out))
RK_STORE_FN(answer_update, (struct rk_store * s, const struct rk_answer_row *a), (s, a))
RK_STORE_FN(answer_file_get,
            (struct rk_store * s, const char *rid, const char *name, unsigned char **out,
             size_t *len),
            (s, rid, name, out, len))
RK_STORE_FN(answer_purge, (struct rk_store * s, rk_ts before, int limit, bool dry, int64_t *n),
            (s, before, limit, dry, n))
RK_STORE_FN(answer_delete_person, (struct rk_store * s, const char *person_id, int64_t *n),
            (s, person_id, n))
RK_STORE_FN(requests_list,
            (struct rk_store * s, const struct rk_request_filter *f, rk_request_fn fn, void *c),
            (s, f, fn, c))
RK_STORE_FN(requests_overdue, (struct rk_store * s, struct rk_date today, int64_t *out),
            (s, today, out))
RK_STORE_FN(requests_open_of_person, (struct rk_store * s, const char *person_id, int64_t *out),
            (s, person_id, out))
RK_STORE_FN(recipient_notice_due,
            (struct rk_store * s, rk_ts now, int limit, rk_notice_fn fn, void *c),
            (s, now, limit, fn, c))
RK_STORE_FN(recipient_notice_mark_done, (struct rk_store * s, int64_t id, rk_ts at), (s, id, at))
RK_STORE_FN(recipient_notice_mark_pending,
            (struct rk_store * s, int64_t id, const char *remote_id, rk_ts next),
            (s, id, remote_id, next))
RK_STORE_FN(recipient_notice_mark_retry,
            (struct rk_store * s, int64_t id, rk_ts next, const char *error), (s, id, next, error))
RK_STORE_FN(recipient_notice_mark_wait,
            (struct rk_store * s, int64_t id, rk_ts next, const char *error), (s, id, next, error))
RK_STORE_FN(recipient_notice_mark_final,
            (struct rk_store * s, int64_t id, enum rk_notice_state state, rk_ts at,
             const char *error),
            (s, id, state, at, error))
RK_STORE_FN(recipient_notice_count, (struct rk_store * s, enum rk_notice_state state, int64_t *out),
            (s, state, out))
RK_STORE_FN(recipient_notice_list,
            (struct rk_store * s, enum rk_notice_state state, int limit, rk_notice_fn fn, void *c),
            (s, state, limit, fn, c))
/* ---- Retention sweep ---- */
RK_STORE_FN(consents_run_out,
            (struct rk_store * s, rk_ts now, int limit, rk_person_purpose_fn fn, void *c),
            (s, now, limit, fn, c))
RK_STORE_FN(signups_run_out,
            (struct rk_store * s, rk_ts now, int limit, rk_person_purpose_fn fn, void *c),
            (s, now, limit, fn, c))
/* ---- Retention rules ---- */
RK_STORE_FN(retention_entries,
            (struct rk_store * s, const char *reg, int64_t after, int limit, rk_retention_fn fn,
             void *c),
            (s, reg, after, limit, fn, c))
RK_STORE_FN(kept_invoices_run_out,
            (struct rk_store * s, struct rk_date today, int limit, rk_person_purpose_fn fn,
             void *c),
            (s, today, limit, fn, c))
RK_STORE_FN(kept_contracts,
            (struct rk_store * s, const char *after, int limit, rk_contract_fn fn, void *c),
            (s, after, limit, fn, c))
RK_STORE_FN(outbox_purge, (struct rk_store * s, rk_ts before, int limit, bool dry, int64_t *n),
            (s, before, limit, dry, n))
RK_STORE_FN(recipient_notice_purge,
            (struct rk_store * s, rk_ts before, int limit, bool dry, int64_t *n),
            (s, before, limit, dry, n))
RK_STORE_FN(consents_expire,
            (struct rk_store * s, rk_ts now, int limit, const struct rk_expiry *x,
             rk_consent_state_fn fn, void *c, int64_t *n),
            (s, now, limit, x, fn, c, n))
/* ---- Erasure journal ---- */
RK_STORE_FN(journal_mark, (struct rk_store * s, const char *id, rk_ts at), (s, id, at))
/* ---- Erasure journal across key rotations (journalgen) ---- */
RK_STORE_FN(suppress_add_gen,
            (struct rk_store * s, const unsigned char h[RK_HASH_LEN], enum rk_field k,
             enum rk_suppress_reason r, rk_ts at, uint32_t gen),
            (s, h, k, r, at, gen))
RK_STORE_FN(lookup_values, (struct rk_store * s, rk_lookup_value_fn fn, void *c), (s, fn, c))
RK_STORE_FN(journal_has, (struct rk_store * s, const char *id, bool *out), (s, id, out))
RK_STORE_FN(journal_ids, (struct rk_store * s, rk_journal_id_fn fn, void *c), (s, fn, c))

/* ---- Key rotation (keyrotate) ---- */
RK_STORE_FN(key_state_get,
            (struct rk_store * s, uint32_t *gen, char fingerprint[RK_FINGERPRINT_LEN + 1]),
            (s, gen, fingerprint))
/* key_state_set; a handle that checks a key generation checks the new one from then on. */
RK_MUST_USE rk_err rk_store_key_state_set(struct rk_store *s, uint32_t gen,
                                          const char *fingerprint);
RK_STORE_FN(key_generation_hold, (struct rk_store * s, bool exclusive, uint32_t *gen),
            (s, exclusive, gen))
RK_STORE_FN(key_rehash,
            (struct rk_store * s, uint32_t gen, rk_rehash_fn fn, void *c,
             struct rk_rehash_counts *out),
            (s, gen, fn, c, out))
RK_STORE_FN(tokens_revoke_all, (struct rk_store * s, rk_ts at, int64_t *n), (s, at, n))
RK_STORE_FN(suppression_generations, (struct rk_store * s, rk_gen_count_fn fn, void *c), (s, fn, c))

/* ---- Consent expiry in bulk ---- */
RK_STORE_FN(consents_run_out_states,
            (struct rk_store * s, rk_ts now, int limit, rk_consent_state_fn fn, void *c),
            (s, now, limit, fn, c))
RK_STORE_FN(entry_leave, (struct rk_store * s, const char *reg, const char *person, bool *left),
            (s, reg, person, left))

/* ---- The mail limit ---- */
RK_STORE_FN(mail_limit_count,
            (struct rk_store * s, const unsigned char r[RK_HASH_LEN], rk_ts since, int64_t *n,
             rk_ts *last),
            (s, r, since, n, last))
RK_STORE_FN(mail_limit_add,
            (struct rk_store * s, const unsigned char r[RK_HASH_LEN], rk_ts at, rk_ts prune_before),
            (s, r, at, prune_before))
RK_STORE_FN(savepoint, (struct rk_store * s), (s))
RK_STORE_FN(savepoint_end, (struct rk_store * s, bool undo), (s, undo))
/* ---- Sealed values ---- */
RK_STORE_FN(sealed_set,
            (struct rk_store * s, enum rk_sealed_table t, int64_t id, const unsigned char *v,
             size_t len),
            (s, t, id, v, len))
RK_STORE_FN(sealed_list,
            (struct rk_store * s, enum rk_sealed_table t, int64_t after, bool plain_only, int limit,
             rk_sealed_fn fn, void *c),
            (s, t, after, plain_only, limit, fn, c))
/* ---- Disclosures ---- */
RK_STORE_FN(disclosure_get,
            (struct rk_store * s, const char *recipient, const char *person_id, rk_disclosure_fn fn,
             void *c),
            (s, recipient, person_id, fn, c))
RK_STORE_FN(disclosure_each,
            (struct rk_store * s, const char *recipient, rk_disclosure_fn fn, void *c),
            (s, recipient, fn, c))
RK_STORE_FN(disclosures_of_person,
            (struct rk_store * s, const char *person_id, rk_disclosure_fn fn, void *c),
            (s, person_id, fn, c))
RK_STORE_FN(disclosure_put, (struct rk_store * s, const struct rk_disclosure *d), (s, d))
RK_STORE_FN(disclosure_fail,
            (struct rk_store * s, const char *recipient, const char *person_id, const char *error,
             rk_ts at),
            (s, recipient, person_id, error, at))
RK_STORE_FN(disclosure_event_add,
            (struct rk_store * s, const char *person_id, const char *recipient, const char *action,
             const char *categories, rk_ts at),
            (s, person_id, recipient, action, categories, at))
RK_STORE_FN(disclosure_events_of_person,
            (struct rk_store * s, const char *person_id, rk_disclosure_event_fn fn, void *c),
            (s, person_id, fn, c))
RK_STORE_FN(recipient_sync_get,
            (struct rk_store * s, const char *recipient, rk_recipient_sync_fn fn, void *c),
            (s, recipient, fn, c))
RK_STORE_FN(recipient_sync_put, (struct rk_store * s, const struct rk_recipient_sync *rs), (s, rs))
/* ---- The census ---- */
RK_STORE_FN(census, (struct rk_store * s, const char *person_id, struct rk_census *out),
            (s, person_id, out))
/* ---- Leases ---- */
RK_STORE_FN(lease_take,
            (struct rk_store * s, const char *name, const char *holder, rk_ts now, rk_ts until,
             bool *got),
            (s, name, holder, now, until, got))
RK_STORE_FN(lease_drop, (struct rk_store * s, const char *name, const char *holder),
            (s, name, holder))

#undef RK_STORE_FN

#endif
