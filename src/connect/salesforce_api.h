/*
 * salesforce_api.h — the pure half of the Salesforce REST API client: what
 * rekisteri sends to a Salesforce org and what it reads back, with no I/O.
 *
 *   OAuth:     the client-credentials token request body (form-encoded) and
 *              the token answer (access_token, instance_url, token_type,
 *              issued_at);
 *   Contact:   the body of an upsert by external id, built from the values
 *              the declaration shares with the recipient and the restriction
 *              flag (the mapping below; nothing else is ever sent);
 *   answers:   the REST error array ([{"errorCode","message","fields"}]) and
 *              OAuth's {"error","error_description"} turned into an rk_error
 *              naming the status and the error code(s) only, never a message
 *              (which may quote a value); a SOQL query page (the pull);
 *   Bulk 2.0:  the ingest job body (Contact upsert, CSV, LF), a job's info,
 *              the CSV of a batch (header and rows, RFC 4180) and the
 *              failedResults CSV (sf__Error per external id).
 *
 * The mapping (the only fields a Contact is ever given): name → FirstName
 * (all but the last word) and LastName (the last word); LastName is required
 * by Salesforce, so when the name is not shared or the person has none it is
 * "[rekisteri]"; email → Email; phone → Phone; position → Title;
 * organisation → Department (Contact has no free-text company field: Account
 * is a record of its own); the declared restriction field → true/false; the
 * declared external id field → the person id. A shared field the person has
 * no value for is cleared (JSON null; "#N/A" in Bulk CSV); a field that is
 * not shared is not sent at all.
 *
 * Each parser is fuzzed (fuzz/fuzz_salesforce_*.c). Nothing here writes
 * personal data, a token or a secret into an error: messages name the member
 * at fault ("records[3].Email"), never its value.
 */
#ifndef RK_SALESFORCE_API_H
#define RK_SALESFORCE_API_H

#include <stdbool.h>
#include <stddef.h>

#include "base/contact.h"
#include "util/buf.h"
#include "util/err.h"

#define RK_SF_CRED_MAX  512                 /* a client id or secret */
#define RK_SF_TOKEN_MAX 2048                /* an access token */
#define RK_SF_URL_MAX   255                 /* an instance URL */
#define RK_SF_ID_MAX    18                  /* a record or job id: 15 or 18 letters and digits */
#define RK_SF_FIELD_MAX 80                  /* an API field name ("Rekisteri_Id__c") */
#define RK_SF_CODE_MAX  64                  /* an errorCode */
#define RK_SF_NEXT_MAX  255                 /* a nextRecordsUrl */
#define RK_SF_BODY_MAX  ((size_t)64 * 1024) /* a token, error or job answer */
#define RK_SF_PAGE_MAX  ((size_t)32 * 1024 * 1024) /* a query page, a failedResults CSV */
#define RK_SF_NO_NAME   "[rekisteri]"              /* LastName when no name is shared */

/* The bit of field f in a shares mask. */
#define RK_SF_SHARES(f) (1u << (unsigned)(f))

/* Whether s is a Salesforce API field name: a letter, then letters, digits and single
 * underscores, not ending in one except for the "__c" suffix; 1–80 bytes. */
bool rk_sf_field_name_ok(const char *s);

/* ---- OAuth ---------------------------------------------------------------------------------- */

/*
 * The body of the client-credentials token request:
 * "grant_type=client_credentials&client_id=…&client_secret=…", each value
 * percent-encoded. RK_EINVAL (e never quoting either) when one is empty, longer than
 * RK_SF_CRED_MAX or holds a control character. Appends to out; the caller wipes it.
 */
RK_MUST_USE rk_err rk_sf_token_body(const char *client_id, const char *client_secret,
                                    struct rk_buf *out, struct rk_error *e);

struct rk_sf_token {
    char access_token[RK_SF_TOKEN_MAX + 1];
    char instance_url[RK_SF_URL_MAX + 1]; /* no trailing '/' */
    long long issued_at_ms;               /* Unix milliseconds; 0 when not given */
};

/*
 * Parses a token answer: an object with access_token (1–2048 bytes of printable ASCII
 * without spaces), instance_url (http:// or https://, printable ASCII, at most 255
 * bytes; a trailing '/' is dropped), token_type when present "Bearer" (any case), and
 * issued_at when present a text of digits (milliseconds, as Salesforce writes it).
 * Other members (id, signature, scope) are ignored. RK_EPARSE otherwise, where naming
 * the member, never quoting a value; more than RK_SF_BODY_MAX bytes too.
 */
RK_MUST_USE rk_err rk_sf_parse_token(const char *body, size_t len, struct rk_sf_token *out,
                                     struct rk_error *e);

/* ---- Contact -------------------------------------------------------------------------------- */

struct rk_sf_contact_in {
    const struct rk_contact *contact; /* NULL: no values */
    unsigned shares;                  /* RK_SF_SHARES(RK_F_EMAIL) | …: the fields the
                                         recipient receives */
    bool restricted;                  /* the restriction field's value */
    const char *restriction_field;    /* the declared checkbox field */
};

/*
 * The body of PATCH /sobjects/Contact/{external_id_field}/{person id}, compact JSON in
 * this order: FirstName and LastName (when the name is shared; LastName alone, as
 * RK_SF_NO_NAME, when it is not), Email, Phone, Title, Department (each when shared:
 * the value, or null when the person has none), then the restriction field. The
 * external id is in the path, not the body. RK_EINVAL for a restriction field that is
 * not an API field name, or a value that is not UTF-8 (where the field's id).
 */
RK_MUST_USE rk_err rk_sf_contact_body(const struct rk_sf_contact_in *c, struct rk_buf *out,
                                      struct rk_error *e);

/* ---- Answers -------------------------------------------------------------------------------- */

struct rk_sf_problem {
    long status;                   /* the HTTP status */
    char code[RK_SF_CODE_MAX + 1]; /* the first errorCode (or OAuth error); "" none */
};

/*
 * Turns an error answer into an rk_error: "Salesforce answered 400
 * FIELD_CUSTOM_VALIDATION_EXCEPTION" (up to three distinct codes, joined by ", "; more
 * "and N more"). Read: the REST array's errorCode members, or OAuth's "error"; never
 * message, fields or error_description. A code that is not 1–64 bytes of letters,
 * digits and '_' is left out; a body that gives none is "Salesforce answered 502 (why)".
 * Always returns an error code: 400 and 422 RK_EINVAL, 401 and 403 RK_EREFUSED (but
 * 403 REQUEST_LIMIT_EXCEEDED RK_EBUSY: the org's API limit, try later), 404 RK_ENOENT,
 * 409 RK_ECONFLICT, 429 and 5xx RK_EBUSY, others RK_EIO. out may be NULL.
 */
RK_MUST_USE rk_err rk_sf_problem_error(long http_status, const char *body, size_t len,
                                       struct rk_sf_problem *out, struct rk_error *e);

/* One Contact of a query page. Strings point into the page and are "" when null. */
struct rk_sf_record {
    const char *id;
    const char *first_name, *last_name, *email, *phone, *title, *department;
    const char *external_id;
};

struct rk_sf_page {
    struct rk_sf_record *records;
    size_t n;
    long long total_size; /* the query's totalSize */
    bool done;
    const char *next_url; /* "/services/data/…" when not done; "" when done */
    void *doc;
};

/*
 * Parses a query answer: an object with totalSize (a non-negative integer), done (a
 * boolean), nextRecordsUrl (when done is false: a path starting /services/data/, printable
 * ASCII without "..", at most 255 bytes) and records (an array of objects, each with Id
 * (15 or 18 letters and digits) and the fields FirstName, LastName, Email, Phone, Title,
 * Department and external_id_field, each a text, null or absent). "attributes" and other
 * members are ignored. RK_EPARSE with where naming the member at fault, never its value;
 * more than RK_SF_PAGE_MAX bytes too; RK_ENOMEM. Free with rk_sf_page_free.
 */
RK_MUST_USE rk_err rk_sf_parse_query(const char *body, size_t len, const char *external_id_field,
                                     struct rk_sf_page *out, struct rk_error *e);
void rk_sf_page_free(struct rk_sf_page *p);

/* ---- Bulk API 2.0 --------------------------------------------------------------------------- */

/* {"object":"Contact","externalIdFieldName":…,"contentType":"CSV","operation":"upsert",
 * "lineEnding":"LF"}. RK_EINVAL when the field is not an API field name. */
RK_MUST_USE rk_err rk_sf_job_body(const char *external_id_field, struct rk_buf *out,
                                  struct rk_error *e);

enum rk_sf_job_state {
    RK_SF_JOB_OPEN,
    RK_SF_JOB_UPLOAD_COMPLETE,
    RK_SF_JOB_IN_PROGRESS,
    RK_SF_JOB_COMPLETE,
    RK_SF_JOB_FAILED,
    RK_SF_JOB_ABORTED,
};

/* "Open", "UploadComplete", "InProgress", "JobComplete", "Failed", "Aborted". */
const char *rk_sf_job_state_name(enum rk_sf_job_state s);

struct rk_sf_job {
    char id[RK_SF_ID_MAX + 1];
    enum rk_sf_job_state state;
    long long processed, failed; /* numberRecordsProcessed, numberRecordsFailed (0: absent) */
};

/*
 * Parses a job info answer (create, PATCH, GET): an object with id (15 or 18 letters and
 * digits), state (one of the six above) and, when present, numberRecordsProcessed and
 * numberRecordsFailed, non-negative integers with failed not above processed. RK_EPARSE
 * otherwise (where the member); more than RK_SF_BODY_MAX bytes too.
 */
RK_MUST_USE rk_err rk_sf_parse_job(const char *body, size_t len, struct rk_sf_job *out,
                                   struct rk_error *e);

/* One row of a batch. */
struct rk_sf_row {
    const char *person_id;            /* the external id */
    const struct rk_contact *contact; /* NULL: no values */
    bool restricted;
};

/*
 * The CSV of a batch (LF line endings): a header of the external id field, the mapped
 * fields the shares give (FirstName and LastName for the name, else LastName alone), and
 * the restriction field; one row per person, RFC 4180 quoted where needed, a shared field
 * without a value "#N/A" (Bulk API's null), the restriction "true" or "false". RK_EINVAL
 * for no rows or more than 10000, a field name that is not an API field name, a person id
 * that is empty or holds anything but letters and digits, or a value that is not UTF-8 or
 * is "#N/A" itself (where "rows[N].field").
 */
RK_MUST_USE rk_err rk_sf_batch_csv(const struct rk_sf_row *rows, size_t n, unsigned shares,
                                   const char *external_id_field, const char *restriction_field,
                                   struct rk_buf *out, struct rk_error *e);

/* Called per failed record: the external id and the error code (the text of sf__Error
 * before its first ':', when that is a code; else ""). Non-zero stops with RK_EREFUSED. */
typedef int (*rk_sf_failed_fn)(void *ctx, const char *person_id, const char *code);

/*
 * Reads a failedResults CSV: a header holding sf__Error and external_id_field (sf__Id and
 * the others ignored), then one row per failed record. RK_EPARSE (where "line N") for a
 * header without those columns, a row of another width, malformed CSV or more than
 * RK_SF_PAGE_MAX bytes; the messages never quote a field.
 */
RK_MUST_USE rk_err rk_sf_parse_failed(const char *body, size_t len, const char *external_id_field,
                                      rk_sf_failed_fn fn, void *ctx, struct rk_error *e);

#endif
