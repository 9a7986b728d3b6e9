/*
 * mailchimp_api.h — the pure half of the Mailchimp Marketing API 3.0 client:
 * what rekisteri sends to Mailchimp and what it reads back, with no I/O.
 *
 *   the account:  the data centre from an API key's suffix ("…-us6" → "us6")
 *                 and the base URL of that data centre;
 *   the member:   the subscriber hash (MD5 of the trimmed, lower-cased
 *                 address, from nettle), the body of an upsert built from the
 *                 values the declaration shares with the recipient, the tags
 *                 body (restriction), the batch body;
 *   the answers:  problem JSON errors turned into an rk_error that names only
 *                 the status, title and type; a page of the member list (for
 *                 the pull); a batch's status. Each parser is fuzzed
 *                 (fuzz/fuzz_mailchimp_api_*.c).
 *
 * Nothing here writes personal data or the API key into an error: messages
 * name the member at fault ("members[3].status"), never its value.
 */
#ifndef RK_MAILCHIMP_API_H
#define RK_MAILCHIMP_API_H

#include <stdbool.h>
#include <stddef.h>

#include "base/contact.h"
#include "util/buf.h"
#include "util/err.h"

#define RK_MC_DC_MAX       16  /* "us6", "us21": letters then digits */
#define RK_MC_URL_MAX      64  /* "https://" dc ".api.mailchimp.com/3.0" */
#define RK_MC_HASH_LEN     32  /* lower-case hex MD5 */
#define RK_MC_KEY_MAX      128 /* longer keys are refused */
#define RK_MC_TITLE_MAX    80
#define RK_MC_TYPE_MAX     200
#define RK_MC_BATCH_ID_MAX 64
#define RK_MC_BODY_MAX     ((size_t)64 * 1024)        /* an error or batch answer */
#define RK_MC_PAGE_MAX     ((size_t)32 * 1024 * 1024) /* a member list page */

/* ---- The account ---------------------------------------------------------------------------- */

/*
 * The data centre named by an API key "<key>-<dc>": the text after the last
 * '-', which must be 2–16 bytes of lower-case letters followed by digits
 * ("us6"); the part before it must be 1 or more ASCII letters and digits, and
 * the whole at most RK_MC_KEY_MAX bytes. RK_EINVAL otherwise, with e saying
 * what is wrong but never quoting the key or any part of it.
 */
RK_MUST_USE rk_err rk_mc_datacenter(const char *api_key, char dc[RK_MC_DC_MAX + 1],
                                    struct rk_error *e);

/* "https://<dc>.api.mailchimp.com/3.0" into out; RK_EINVAL when dc is not a data
 * centre as above. */
RK_MUST_USE rk_err rk_mc_base_url(const char *dc, char out[RK_MC_URL_MAX + 1], struct rk_error *e);

/* ---- The member ----------------------------------------------------------------------------- */

/*
 * The subscriber hash: the lower-case hex MD5 of the address with ASCII
 * white space trimmed from both ends and ASCII letters lower-cased (as
 * Mailchimp does; other bytes are hashed as they are). RK_EINVAL when the
 * address is empty after trimming or longer than 254 bytes.
 */
RK_MUST_USE rk_err rk_mc_subscriber_hash(const char *email, char out[RK_MC_HASH_LEN + 1],
                                         struct rk_error *e);

enum rk_mc_status {
    RK_MC_ST_NONE, /* in a body: not sent */
    RK_MC_ST_SUBSCRIBED,
    RK_MC_ST_UNSUBSCRIBED,
    RK_MC_ST_CLEANED,
    RK_MC_ST_PENDING,
    RK_MC_ST_TRANSACTIONAL,
    RK_MC_ST_ARCHIVED,
    RK_MC_ST__COUNT
};

/* "subscribed", …; "" for RK_MC_ST_NONE and out of range. */
const char *rk_mc_status_name(enum rk_mc_status s);

/* The bit of field f in a shares mask. */
#define RK_MC_SHARES(f) (1u << (unsigned)(f))

/*
 * What an upsert (PUT) or an update (PATCH) of one member says. contact holds
 * the person's values; only the fields whose bit is set in shares are read:
 * email (required: it is the member's identity, RK_EREFUSED when it is not
 * shared or has no value), name → FNAME and LNAME (split at the last space:
 * "Anna Maria Virtanen" → "Anna Maria" and "Virtanen"; a one-word name is all
 * FNAME with LNAME ""), phone → PHONE. Nothing else is ever sent.
 */
struct rk_mc_member_in {
    const struct rk_contact *contact;
    unsigned shares;                 /* RK_MC_SHARES(RK_F_EMAIL) | … */
    enum rk_mc_status status;        /* RK_MC_ST_NONE: not sent */
    enum rk_mc_status status_if_new; /* for PUT: the status of a member not there yet */
};

/*
 * The member body, compact JSON in this order: {"email_address", "status_if_new"
 * (when set), "status" (when set), "merge_fields": {"FNAME", "LNAME", "PHONE"}
 * (those shared and given; the object only when one is)}. status and
 * status_if_new may only be subscribed or unsubscribed (RK_EINVAL otherwise: rekisteri
 * never sets the others); a value that is not UTF-8 is RK_EINVAL. Appends to out.
 */
RK_MUST_USE rk_err rk_mc_member_body(const struct rk_mc_member_in *m, struct rk_buf *out,
                                     struct rk_error *e);

/*
 * The body of POST …/members/{hash}/tags: {"tags": [{"name", "status":
 * "active"|"inactive"}, …]} for the n names (1–50, each 1–100 bytes of UTF-8; RK_EINVAL
 * otherwise). Restriction tags the member active; lifting it, inactive.
 */
RK_MUST_USE rk_err rk_mc_tags_body(const char *const *names, size_t n, bool active,
                                   struct rk_buf *out, struct rk_error *e);

/* One operation of a batch. */
struct rk_mc_op {
    const char *method;       /* GET, POST, PUT, PATCH or DELETE */
    const char *path;         /* from the API root: "/lists/abc/members/<hash>" */
    const char *body;         /* a JSON text (sent as a string, as Mailchimp wants), or NULL */
    const char *operation_id; /* rekisteri's id to match results, or NULL */
};

/*
 * The body of POST /batches: {"operations": [{"method", "path", "operation_id"
 * (when given), "body" (when given, the JSON text as a string)}, …]}. RK_EINVAL
 * for no operations or more than 1000, an unknown method, a path not starting
 * with '/', or a body that is not a JSON object; where names the operation
 * ("operations[2].body").
 */
RK_MUST_USE rk_err rk_mc_batch_body(const struct rk_mc_op *ops, size_t n, struct rk_buf *out,
                                    struct rk_error *e);

/* ---- The answers ---------------------------------------------------------------------------- */

/* What a problem JSON answer says, without its detail (which may quote the address). */
struct rk_mc_problem {
    long status;                     /* the body's status, else the HTTP status */
    char title[RK_MC_TITLE_MAX + 1]; /* "Member Exists"; "" when none or unusable */
    char type[RK_MC_TYPE_MAX + 1];   /* the error's documentation URL; "" likewise */
};

/*
 * Turns an error answer (http_status, and its body when it has one) into an
 * rk_error: "Mailchimp answered 400 Member Exists
 * (https://mailchimp.com/developer/marketing/docs/errors/)"; only the status,
 * the title and the type are read from the body (detail, instance and errors[]
 * are not), and a title or type that is not printable ASCII, is too long or
 * holds an '@' is left out. A body that is not problem JSON gives
 * "Mailchimp answered 502" and the reason. Always returns an error code: 400
 * and 422 RK_EINVAL, 401 and 403 RK_EREFUSED, 404 RK_ENOENT, 409 RK_ECONFLICT, 429 and 5xx
 * RK_EBUSY, anything else RK_EIO (rk_connect_status_err). out (may be NULL) gets the status,
 * title and type.
 */
RK_MUST_USE rk_err rk_mc_problem_error(long http_status, const char *body, size_t len,
                                       struct rk_mc_problem *out, struct rk_error *e);

/* One member of a list page. The strings point into the page (valid until
 * rk_mc_page_free) and are "" when Mailchimp gave none. */
struct rk_mc_member {
    const char *email;
    enum rk_mc_status status;
    const char *fname, *lname, *phone; /* merge_fields FNAME, LNAME, PHONE */
    const char *timestamp_signup, *ip_signup, *timestamp_opt, *ip_opt; /* as Mailchimp wrote them */
};

struct rk_mc_page {
    struct rk_mc_member *members;
    size_t n;
    long long total_items; /* the list's member count, for progress; -1 when absent */
    void *doc;             /* the parsed answer the strings live in */
};

/*
 * Parses an answer of GET /lists/{id}/members: an object whose "members" is an
 * array of objects, each with a text email_address and a status Mailchimp
 * defines (subscribed, unsubscribed, cleaned, pending, transactional, archived);
 * merge_fields, when present, an object; the other fields named above texts
 * when present. Other members are ignored. RK_EPARSE with where naming the
 * member at fault ("members[3].status"), never its value, for anything else,
 * including more than RK_MC_PAGE_MAX bytes; RK_ENOMEM. On success free the page
 * with rk_mc_page_free; on failure it holds nothing.
 */
RK_MUST_USE rk_err rk_mc_parse_members(const char *body, size_t len, struct rk_mc_page *out,
                                       struct rk_error *e);
void rk_mc_page_free(struct rk_mc_page *p);

enum rk_mc_batch_state {
    RK_MC_BATCH_PENDING,
    RK_MC_BATCH_PREPROCESSING,
    RK_MC_BATCH_STARTED,
    RK_MC_BATCH_FINALIZING,
    RK_MC_BATCH_FINISHED,
};

struct rk_mc_batch {
    char id[RK_MC_BATCH_ID_MAX + 1];
    enum rk_mc_batch_state state;
    long long total_operations, finished_operations, errored_operations;
};

/*
 * Parses an answer of POST /batches or GET /batches/{id}: an object with a text
 * id (1–64 printable ASCII bytes), a status among pending, preprocessing,
 * started, finalizing and finished, and total_operations, finished_operations
 * and errored_operations, each a non-negative integer (0 when absent) with
 * finished and errored not above total. RK_EPARSE otherwise, where naming the
 * member; more than RK_MC_BODY_MAX bytes is RK_EPARSE too.
 */
RK_MUST_USE rk_err rk_mc_parse_batch(const char *body, size_t len, struct rk_mc_batch *out,
                                     struct rk_error *e);

#endif
