/*
 * answer.h — answers that reach the person (art 12(3): "by electronic means
 * where possible"): the status page of a data-subject request, and the
 * download of a completed access or portability request's documents behind a
 * one-time code emailed to the request's address. Pure rules and the steps
 * over a register (store + audit chain); the pages are src/http/answers.c, the
 * emails src/core/request_mail.c.
 *
 * Design.
 *
 * States of an answer (one row per request, migration 0017):
 *
 *              complete (access/portability, request has an email)
 *   (none) ─────────────────────────────────────────────────▶ WAITING
 *   WAITING  ── send code ─────────────▶ CODE_SENT   (code_hash, code_expires = now + 10 min,
 *                                                     tries = 0; mail limit applies)
 *   CODE_SENT ── right code ──────────▶ OPEN         (code cleared, grant_hash, grant_expires =
 *                                                     now + 30 min)
 *   CODE_SENT ── wrong code, tries < 5 ▶ CODE_SENT   (tries + 1)
 *   CODE_SENT ── 5th wrong code ──────▶ LOCKED       (code cleared: even the right one is refused)
 *   CODE_SENT ── code older than 10 min ▶ WAITING    (entering it answers "expired")
 *   LOCKED / WAITING / OPEN ── send code ▶ CODE_SENT (a new code; the mail limit bounds how often)
 *   OPEN ── download (grant) ──────────▶ OPEN        (downloads + 1, audited "answer.download")
 *   any ── expires_at (14 days) passed, or swept ─▶ GONE (row and documents deleted by the sweep;
 *                                                     the link itself has expired too)
 *
 * Invariants:
 *  1. Documents are stored only sealed (keys/seal.h, RK_SUBKEY_ANSWER), each bound to its
 *     request id and name: a document opens only as the file it was stored as.
 *  2. A code or grant is stored only as a keyed hash (RK_SUBKEY_ANSWER) bound to the request;
 *     the code itself exists only in the email.
 *  3. Nothing opens after expires_at: every step compares with it, whether or not the sweep has
 *     run; the sweep deletes the row and its documents after it (core/retention.c).
 *  4. Every step that changes the row is audited with the request id and the person's
 *     pseudonymous id only ("answer.stored", "answer.code_sent", "answer.code_wrong",
 *     "answer.locked", "answer.opened", "answer.download"): never the address or a code.
 *  5. A request without an email address (in person, by post) gets no answer row: staff hand
 *     the documents over as before.
 *
 * Threats:
 *  - A forwarded or leaked link: the link alone opens nothing; the code goes to the request's
 *    address (the one the request was matched by), never to an address typed on the page.
 *  - Guessing the code: 10^6 codes, 5 wrong tries void it, a new one costs a mail under the
 *    address's mail limit (core/mail_limit.h: 5 a day): about 25 guesses a day.
 *  - Mail bombing through "send code": the mail limit applies (RK_MAIL_BY_PUBLIC).
 *  - A stolen database: documents sealed, codes and grants hashed under a key not in it.
 *  - Cross-site use of the grant: its cookie is HttpOnly, SameSite=Strict, limited to the
 *    answer's path, and lives 30 minutes.
 *  - A key rotation inside the window: documents are opened with the current subkey, then with
 *    each older generation's (they are not resealed; they live 14 days).
 */
#ifndef RK_ANSWER_H
#define RK_ANSWER_H

#include "core/links.h"
#include "core/register.h"
#include "base/tz.h"
#include "util/buf.h"

#define RK_ANSWER_DAYS          14 /* the download window after completion */
#define RK_ANSWER_CODE_DIGITS   6
#define RK_ANSWER_CODE_SECONDS  600  /* a code is good for 10 minutes */
#define RK_ANSWER_CODE_TRIES    5    /* wrong codes before it is void */
#define RK_ANSWER_GRANT_SECONDS 1800 /* a right code lets the browser download for 30 minutes */
#define RK_ANSWER_GRANT_LEN     43   /* base64url of 32 random bytes */
#define RK_STATUS_DAYS          90   /* the status page after closing or the due date */
#define RK_STATUS_LINK_DAYS     1200 /* the status link's own expiry; the page applies the rule */
/* The person id a status link carries for a request matched to no one. */
#define RK_ANSWER_NOBODY "aaaaaaaaaaaaaaaaaaaaaaaaaa"

enum rk_answer_doc {
    RK_AD_ACCESS_HTML,      /* art 15, for reading */
    RK_AD_ACCESS_JSON,      /* art 15, machine-readable */
    RK_AD_PORTABILITY_JSON, /* art 20 */
    RK_AD_PORTABILITY_CSV,  /* art 20 */
    RK_AD__COUNT
};

/* "access.html", ...; the Content-Type to serve it with; -1 for an unknown name. */
const char *rk_answer_doc_name(enum rk_answer_doc d);
const char *rk_answer_doc_type(enum rk_answer_doc d);
int rk_answer_doc_parse(const char *name);
/* The documents (bits 1 << enum rk_answer_doc) of the answer to a request of type t: access
 * html + json, portability json + csv, else none. */
unsigned rk_answer_docs_of(enum rk_request_type t);

/* ---- The status page ------------------------------------------------------------------------ */

/* The status link's token for request q (kind 's', the request id in purpose). */
RK_MUST_USE rk_err rk_answer_status_link(const struct rk_keys *k, const struct rk_request *q,
                                         rk_ts now, char out[RK_LINK_MAX]);
/* The last local date the status page shows q: RK_STATUS_DAYS after the later of its effective
 * due date and the local date it closed (in zone tz); open requests: after the due date. */
struct rk_date rk_answer_status_until(const struct rk_request *q, const struct rk_tz *tz);

/* ---- Storing an answer ---------------------------------------------------------------------- */

/*
 * Stores the documents docs[] (NULL or empty: none) of request q, completed at now, sealed, in
 * reg's batch, with a row expiring RK_ANSWER_DAYS later, audits "answer.stored" and writes the
 * link token to token and the expiry to *expires. Only for a request matched to a person
 * (RK_EINVAL otherwise). RK_ECONFLICT when the request already has an answer.
 */
RK_MUST_USE rk_err rk_answer_store(struct rk_reg *reg, const struct rk_request *q,
                                   const struct rk_buf *const docs[RK_AD__COUNT], rk_ts now,
                                   char token[RK_LINK_MAX], rk_ts *expires, struct rk_error *msg);

/* ---- The code and the grant: pure rules over a row ----------------------------------------- */

enum rk_code_verdict {
    RK_CODE_RIGHT,   /* a grant follows */
    RK_CODE_WRONG,   /* tries left */
    RK_CODE_LOCKED,  /* this was the last try, or the code is already void: ask for a new one */
    RK_CODE_EXPIRED, /* older than RK_ANSWER_CODE_SECONDS: ask for a new one */
    RK_CODE_NONE,    /* no code was sent (or it was used) */
};

/* Draws a new code for a at now (into code, 6 digits and a NUL) and stores its hash. */
void rk_answer_new_code(const struct rk_keys *k, struct rk_answer_row *a, rk_ts now,
                        char code[RK_ANSWER_CODE_DIGITS + 1]);
/* Checks code against a at now and updates a (tries, clearing a used or void code). */
enum rk_code_verdict rk_answer_check_code(const struct rk_keys *k, struct rk_answer_row *a,
                                          const char *code, rk_ts now);
/* Draws a grant for a at now (into grant) and stores its hash. */
void rk_answer_new_grant(const struct rk_keys *k, struct rk_answer_row *a, rk_ts now,
                         char grant[RK_ANSWER_GRANT_LEN + 1]);
/* Whether grant opens a at now. */
bool rk_answer_grant_ok(const struct rk_keys *k, const struct rk_answer_row *a, const char *grant,
                        rk_ts now);

/* ---- The steps over a register (each inside reg's batch: the writer's group) --------------- */

/*
 * The answer of request id, still within its window at now: RK_ENOENT when there is none or
 * its window has passed (gone).
 */
RK_MUST_USE rk_err rk_answer_get(struct rk_reg *reg, const char *request_id, rk_ts now,
                                 struct rk_answer_row *out);

/*
 * Draws a new code for the answer of request id and decides whether it may be mailed now: the
 * address is the request's (rk_request_address), and the mail limit (RK_MAIL_BY_PUBLIC) must
 * allow it — else *withheld and RK_EREFUSED, nothing written. On RK_OK writes the address to
 * to, the code to code and the request to *q, and audits "answer.code_sent"; the caller queues
 * the email in the same transaction. RK_ENOENT: no answer within its window.
 */
RK_MUST_USE rk_err rk_answer_send_code(struct rk_reg *reg, const char *request_id, rk_ts now,
                                       struct rk_request *q, char *to, size_t tosz,
                                       char code[RK_ANSWER_CODE_DIGITS + 1], bool *withheld);

/*
 * Enters a code for the answer of request id: *verdict says how it went; on RK_CODE_RIGHT the
 * grant is written to grant. Audited (wrong, locked, opened). RK_ENOENT: no answer within its
 * window.
 */
RK_MUST_USE rk_err rk_answer_enter_code(struct rk_reg *reg, const char *request_id,
                                        const char *code, rk_ts now, enum rk_code_verdict *verdict,
                                        char grant[RK_ANSWER_GRANT_LEN + 1]);

/*
 * One download: checks the grant, opens document doc and counts and audits it
 * ("answer.download", the request id and the file name). *out is a new buffer (NUL after
 * *len bytes) the caller releases with rk_seal_free(*out, *len). RK_EREFUSED for a missing or
 * stale grant; RK_ENOENT when the answer is gone or holds no such document.
 */
RK_MUST_USE rk_err rk_answer_download(struct rk_reg *reg, const char *request_id, const char *grant,
                                      enum rk_answer_doc doc, rk_ts now, char **out, size_t *len);

/*
 * The DPO's digest of requests due within RK_RETENTION_SOON_DAYS and overdue: ids, types and
 * due dates only. The rule "at most once per local day" is rk_answer_digest_due; the sweep's
 * caller composes and queues the mail (core/request_mail.c) and marks the day.
 */
struct rk_digest_line {
    char id[RK_REQUEST_ID_LEN + 1];
    enum rk_request_type type;
    struct rk_date due;
    bool overdue;
};
#define RK_DIGEST_MAX       200 /* lines listed; the counts are exact */
#define RK_DIGEST_SOON_DAYS 7   /* = RK_RETENTION_SOON_DAYS (core/retention.h) */
struct rk_digest {
    struct rk_date today;
    int64_t overdue, due_soon;
    int n;
    struct rk_digest_line line[RK_DIGEST_MAX];
};

/* Whether a digest is due on local date today (not yet sent that day); reads the mark. */
RK_MUST_USE rk_err rk_answer_digest_due(struct rk_store *st, struct rk_date today, bool *due);
/* Lists the open requests overdue or due within 7 days of today into *out. */
RK_MUST_USE rk_err rk_answer_digest_collect(struct rk_store *st, struct rk_date today,
                                            struct rk_digest *out);
/* Records that the digest of local date today was sent (or that there was nothing to send). */
RK_MUST_USE rk_err rk_answer_digest_mark(struct rk_store *st, struct rk_date today, rk_ts now);
/* Who gets the digest: the declared controller.dpo.email, else every active staff account whose
 * role has requests: true. Calls fn(ctx, address) for each; returns how many. */
int rk_answer_digest_recipients(const struct rk_decl *d, struct rk_store *st,
                                void (*fn)(void *ctx, const char *address), void *ctx);

#endif
