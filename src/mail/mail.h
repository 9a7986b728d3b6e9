/*
 * mail.h — email: composing RFC 5322 messages (compose.c), queueing them in
 * the outbox (outbox.c), handing one to an SMTP relay through libcurl
 * (smtp.c), and the sender that delivers the outbox (sender.c: the SMTP
 * transport of the outbox worker, src/worker/worker.h).
 *
 * Composition and queueing are pure rules over strings and the store
 * interface; only smtp.c knows libcurl. A message is committed to the outbox
 * before any attempt to send it and marked sent only after the relay
 * accepted it (docs/email.md). Errors and logs name no recipient.
 */
#ifndef RK_MAIL_H
#define RK_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "keys/keys.h"
#include "base/time.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"

#define RK_MAIL_ADDRESS_MAX 254
#define RK_MAIL_SUBJECT_MAX 400    /* bytes of UTF-8 */
#define RK_MAIL_BODY_MAX    200000 /* bytes of UTF-8 */
#define RK_MAIL_URL_MAX     900    /* a List-Unsubscribe URL */

/* ---- Composing (compose.c): pure functions, no I/O ---------------------------------------- */

/* One plain-text message. Strings are borrowed. */
struct rk_mail {
    const char *from;             /* an address: "noreply@example.fi" */
    const char *to;               /* one address */
    const char *subject;          /* UTF-8; encoded per RFC 2047 when not plain ASCII */
    const char *body;             /* UTF-8 text, LF or CRLF line ends */
    const char *message_id;       /* the stored left part; the right part is from's domain */
    rk_ts date;                   /* the Date header */
    const char *list_unsubscribe; /* NULL, or the one-click URL (RFC 8058 and 2369) */
    const char *reply_to;         /* NULL, or the address replies go to (Reply-To) */
};

/*
 * Appends the message to out: Date, From, Reply-To (when given), To, Subject, Message-ID,
 * MIME-Version, Content-Type text/plain; charset=utf-8, quoted-printable
 * body with lines of at most 76 characters, CRLF line ends; with
 * list_unsubscribe also List-Unsubscribe and List-Unsubscribe-Post:
 * List-Unsubscribe=One-Click. Refuses (RK_EINVAL, with e — may be NULL —
 * saying which field, in where and leading the message, and why, never its
 * value) a header value holding CR or LF, a malformed address, message id or
 * URL, text that is not UTF-8, or values over the limits above. out is
 * unchanged on error; RK_ENOMEM when it cannot grow.
 */
RK_MUST_USE rk_err rk_mail_compose(const struct rk_mail *m, struct rk_buf *out,
                                   struct rk_error *e);

/* An addr-spec we send to: ASCII dot-atom local part @ a host name of letters, digits, '-'. */
bool rk_mail_address_ok(const char *a);

/* An http(s) URL of printable ASCII without spaces or angle brackets, fit for List-Unsubscribe. */
bool rk_mail_url_ok(const char *url);

/* Writes the Date header value for t ("Sun, 01 Mar 2026 10:00:00 +0000"; 64 bytes). */
void rk_mail_date(rk_ts t, char out[64]);

/* ---- The outbox (outbox.c) --------------------------------------------------------------- */

/* The checks rk_mail_enqueue makes (kind, recipient, subject, body, URL): RK_EINVAL with e
 * (may be NULL) as rk_mail_compose says. */
RK_MUST_USE rk_err rk_mail_check(const struct rk_outbox_msg *m, struct rk_error *e);

/*
 * Queues a message: checks it as rk_mail_compose would (the recipient, the
 * subject, the body, the URL; kind a short word of a-z and '_'), gives it a
 * new random message id and appends it with rk_store_outbox_enqueue, its
 * content (recipient, subject, body, list_unsubscribe) sealed to the new row
 * under the key the store was given (s->mail_key, set by rk_reg_init; none:
 * RK_EINVAL). Call it inside the caller's write transaction (rk_store_begin
 * ... rk_store_commit), so that the message commits, or rolls back, with what
 * caused it. m's message_id, id, state, attempts and created_at are ignored
 * (created_at is rk_time_now()). RK_EINVAL with e (may be NULL) saying why
 * for a malformed message; store errors as they come, e saying "cannot queue
 * the message: ..." with the store's message. *id gets the outbox row id.
 */
RK_MUST_USE rk_err rk_mail_enqueue(struct rk_store *s, const struct rk_outbox_msg *m,
                                   struct rk_error *e, int64_t *id);

/* A queued message's content, opened (pointing into the plaintext rk_mail_open returned). */
struct rk_mail_content {
    const char *recipient, *subject, *body;
    const char *list_unsubscribe; /* NULL: none */
};

/*
 * Opens the sealed content of m, an outbox row as outbox_due reads it (its
 * id, message id and sealed bytes), under key (the outbox subkey) into out,
 * whose strings point into *plain: the caller wipes and frees it with
 * rk_seal_free(*plain, *plain_len). RK_EPARSE when m holds no sealed content,
 * or it does not open (altered, moved from another row, another key) or is
 * not a message; RK_ENOMEM. Only the sender calls it.
 */
RK_MUST_USE rk_err rk_mail_open(const unsigned char key[RK_KEY_LEN], const struct rk_outbox_msg *m,
                                char **plain, size_t *plain_len, struct rk_mail_content *out);

/* ---- Sending one message (smtp.c) -------------------------------------------------------- */

struct rk_smtp_config {
    const char *url;                   /* "smtp://host:port" or "smtps://host:port" */
    const char *user;                  /* NULL: no authentication */
    const char *password;              /* with user */
    bool starttls;                     /* require STARTTLS on smtp:// (CURLUSESSL_ALL) */
    const char *from;                  /* the envelope sender and From address */
    const char *reply_to;              /* the Reply-To address; NULL: none */
    long connect_timeout_s, timeout_s; /* 0: 10 s and 60 s */
};

enum rk_smtp_result {
    RK_SMTP_SENT,      /* the relay answered 250 to the end of data */
    RK_SMTP_TRANSIENT, /* try again later: connection failure, 4xx, timeout */
    RK_SMTP_PERMANENT, /* a 5xx reply: sending again would not help */
};

struct rk_smtp_outcome {
    enum rk_smtp_result result;
    bool relay_down;                     /* no conversation with the relay at all: stop this pass */
    long reply;                          /* the relay's last reply code, 0 when none */
    char error[RK_OUTBOX_ERROR_MAX + 1]; /* for logs and last_error; names no recipient */
};

/* Whether url is an smtp:// or smtps:// URL with a host; false with e (may be NULL)
 * saying why otherwise. */
bool rk_smtp_url_ok(const char *url, struct rk_error *e);

/* Initialises libcurl once per process; call before any thread sends. */
RK_MUST_USE rk_err rk_smtp_global_init(void);

/*
 * Hands one composed message (CRLF lines, not dot-stuffed: libcurl does
 * that) for recipient to the relay and classifies the outcome. Returns
 * RK_OK whenever the attempt was made, the outcome in *out; RK_ENOMEM when
 * libcurl cannot be set up.
 */
RK_MUST_USE rk_err rk_smtp_send(const struct rk_smtp_config *cfg, const char *recipient,
                                const char *data, size_t len, struct rk_smtp_outcome *out);

/* ---- Delivering the outbox (sender.c, through src/worker/) -------------------------------- */

struct rk_sender_config {
    const char *db;             /* the store location; the sender opens its own connection */
    const struct rk_keys *keys; /* mail opens under keys->outbox; the thread copies it */
    struct rk_smtp_config smtp; /* smtp.url NULL: nothing is sent, the queue is only counted */
    int backoff_base_s;         /* first retry delay; 0: 60 s; doubles, capped at 6 h */
    int max_attempts;           /* 0: 10; then the message is failed */
    bool quiet;                 /* no per-message log lines (the CLI prints its own) */
};

/* What one pass did. */
struct rk_sender_report {
    int sent, retried, failed;
    bool relay_down; /* the pass stopped early: the relay could not be reached */
    char error[RK_OUTBOX_ERROR_MAX + 1]; /* the last failure's text */
};

/*
 * Delivers the messages due now through cfg->smtp, one by one, oldest
 * first, each marked in its own transaction right after its attempt. Stops
 * early when the relay cannot be reached (the message in hand is marked for
 * retry). Store errors end the pass with the error.
 */
RK_MUST_USE rk_err rk_sender_pass(struct rk_store *s, const struct rk_sender_config *cfg,
                                  struct rk_sender_report *out);

struct rk_sender;

/*
 * Starts the sender thread (strings in cfg are copied). It wakes every
 * second or on rk_sender_wake, delivers what is due, and counts the queued
 * and failed messages after each pass.
 */
RK_MUST_USE rk_err rk_sender_start(const struct rk_sender_config *cfg, struct rk_sender **out);

/* Wakes the thread at once (after a commit that queued a message). NULL: no-op. */
void rk_sender_wake(struct rk_sender *s);

/* The counts of the last pass (-1 before the first). */
int64_t rk_sender_queued(const struct rk_sender *s);
int64_t rk_sender_failed(const struct rk_sender *s);

/* Finishes the message in hand, stops the thread and frees it. NULL: no-op. */
void rk_sender_stop(struct rk_sender *s);

#endif
