/*
 * worker.h — the outbox worker: one loop that hands queued items to a
 * transport and records each outcome at once, shared by the mail sender
 * (src/mail/sender.c: SMTP) and the art 19 deliverer (src/connect/deliver.c:
 * recipients' connectors). A transport supplies how to list its due items,
 * deliver one and record an outcome, and its names for logs; the worker owns
 * the pass, the own-transaction recording, the outcomes it could not record,
 * the thread, wake and stop.
 *
 * It sits between the store and the transports: it uses store/, util/ and
 * the vocabulary type rk_ts (base/time.h, base in issue 14's layers), and
 * mail/ and connect/ use it, never each other.
 *
 * Design.
 *
 *   The due list. A pass asks the transport for up to ops->batch items due
 *   now (ops->list, oldest first), copied out of the store's callback into a
 *   list the worker allocates (rk_worker_list_add hands out slots and keeps
 *   each item's row id), so nothing points into the store while the
 *   transport talks to the outside. With ops->refill the pass reads again
 *   after a full batch until a short one (the sender); without, one read is
 *   one pass (the deliverer, whose polls can be due again at once).
 *
 *   Claiming. On SQLite there is none: an item is attempted only while the
 *   store lists it as due, and one worker per database per transport
 *   (`serve`, or one pass of the CLI, not both) is the rule the
 *   documentation states. On PostgreSQL, where several `serve` share the
 *   database, the store's list is a claim (store.h, outbox_due): what one
 *   worker's connection listed no other lists until the claim's lease runs
 *   out. Either way the store's marks apply to due states only (and on
 *   PostgreSQL only under the worker's own claim), so an outcome recorded by
 *   someone else, or after another instance retook the item, comes back
 *   RK_ENOENT and is dropped (not an error).
 *
 *   The pass, per item:
 *
 *     remembered? ──yes──► record it again ─ ok/ENOENT ──► forget it
 *         │ no                             └ error ──────► end the pass
 *     remembered set full? ──yes──► end the pass (RK_ESTORAGE)
 *         │ no
 *     ops->attempt (deliver one: fills an outcome; RK_ENOMEM ends the pass
 *         │         with nothing recorded)
 *     record it (own transaction) ─ error ─► remember it, end the pass
 *         │ ok or ENOENT
 *     ops->done (counts, logs; may end the pass: the relay is down)
 *
 *   Recording outcomes. Each outcome is recorded in its own transaction
 *   (rk_store_begin, ops->record, rk_store_commit; rolled back on any
 *   error), tried up to five times while the store answers RK_EBUSY.
 *
 *   Invariants.
 *   1. Never lost: an item is committed before any attempt, and ends only
 *      through ops->record after its attempt; every failure leaves it due
 *      again (or in the transport's failed state), never deleted.
 *   2. One attempt at a time per item: the thread is the only one working
 *      its database's queue (on PostgreSQL: the only one holding the item's
 *      claim), and a pass handles one item at a time.
 *   3. The crash window, honestly: between the outside's acknowledgement
 *      (a relay's 250, a recipient's 2xx) and our commit the process can
 *      die; the item is then still due and goes again after the restart.
 *      No transport can join our transaction, so the window cannot be
 *      closed; each transport makes the duplicate recognisable (the same
 *      Message-ID; the same notice_id).
 *   4. The same window while the database cannot be written (disk full,
 *      read-only, busy past its retries): an outcome that could not be
 *      recorded is remembered by the thread (its row id and the outcome,
 *      the remembered set, RK_WORKER_UNRECORDED_MAX of them) and each pass
 *      only retries recording it, without asking the outside again; without
 *      that, a full disk would resend an item every second. With the set
 *      full nothing more is attempted until some are recorded. The set is
 *      the thread's alone and lives in memory: a restart forgets it, which
 *      is invariant 3's window again. A one-shot pass (the CLI) keeps none:
 *      its error ends the command.
 *   5. Stopping lets the item in hand finish (its attempt and its record);
 *      the transport's timeouts bound how long that takes.
 *
 *   The thread opens its own store connection (reopened until it opens,
 *   logged once), runs a pass every second or sooner when woken, logs a pass
 *   that ended on an error (a storage error only when it left a new outcome
 *   unrecorded, so a full disk logs once per outcome, not once a second),
 *   and asks the transport to count its queue for /metrics after an idle
 *   second's pass and, under a stream of wakes, at most once a second.
 *
 *   Logs are JSON lines on stderr under the transport's "event"; the worker
 *   names only row ids and error names, the transport what it may.
 */
#ifndef RK_WORKER_H
#define RK_WORKER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/time.h"
#include "store/store.h"
#include "util/err.h"

#define RK_WORKER_UNRECORDED_MAX 64 /* outcomes remembered, not yet recorded (invariant 4) */
#define RK_WORKER_COUNTS         8  /* counts a transport may publish */

/* The items of one read, copied out of the store: rk_worker_list_add hands out slots. */
struct rk_worker_list {
    unsigned char *items; /* cap items of item_size bytes, zeroed */
    int64_t *ids;         /* each item's row id */
    size_t item_size;
    int n, cap;
    bool oom; /* a copy failed: the pass ends with RK_ENOMEM */
};

/* The next free slot (zeroed) for the item with row id, or NULL when the list is full. */
void *rk_worker_list_add(struct rk_worker_list *l, int64_t id);

/* A copy of s (NULL for NULL); on failure NULL with l->oom set. */
char *rk_worker_list_strdup(struct rk_worker_list *l, const char *s);

/* A copy of n bytes at p (NULL for none); on failure NULL with l->oom set. */
unsigned char *rk_worker_list_memdup(struct rk_worker_list *l, const void *p, size_t n);

/* What a transport supplies. ctx is the transport's configuration, report its pass report. */
struct rk_worker_ops {
    const char *event; /* the log lines' "event": "mail", "recipient" */
    const char *noun;  /* "message": "cannot record the outcome of message 7: …" */
    size_t item_size;  /* one due item as the transport copies it */
    size_t outcome_size;
    size_t report_size; /* zeroed at the start of every pass */
    int batch;          /* items read at once */
    bool refill;        /* read again after a full batch (until a short one) */

    /* Lists the items due at now into out (rk_worker_list_add), at most out->cap. */
    rk_err (*list)(struct rk_store *s, rk_ts now, struct rk_worker_list *out);
    /* Frees what an item holds (not the item). */
    void (*item_free)(void *item);
    /* Delivers one item and fills outcome (zeroed) with what to record; RK_OK whenever it was
     * decided, RK_ENOMEM (or another error) when nothing was attempted. */
    rk_err (*attempt)(const void *ctx, void *item, void *outcome);
    /* Records outcome for row id, inside the transaction the worker opened. */
    rk_err (*record)(struct rk_store *s, int64_t id, const void *outcome);
    /*
     * After recording: counts into report, logs. again: a remembered outcome now recorded
     * (RK_OK only; nothing to count). recorded: what recording returned (RK_ENOENT: someone
     * else had). Returns true to end the pass after this item (it is then only honoured when
     * the outcome was recorded).
     */
    bool (*done)(const void *ctx, void *report, const void *item, const void *outcome, bool again,
                 rk_err recorded);
    /* Counts the queue after a pass into counts (the slots it can; -1 until then). */
    void (*count)(struct rk_store *s, atomic_llong counts[RK_WORKER_COUNTS]);
};

/*
 * The delay before the next attempt after attempts failed ones: base·2^(attempts−1), at most
 * 6 h (base 0 or less: 0).
 */
int64_t rk_worker_backoff(int attempts, int base_s);

/*
 * After the attempts-th failed attempt (counting this one): true with *at the next attempt
 * (now + backoff from base_s, 0: 60 s) while it is transient and attempts < max_attempts (0:
 * 10); false when it is permanent or the last, *at = now, and error (of errorsz bytes) then
 * prefixed "gave up after N attempts: " when transient, cut to fit.
 */
bool rk_worker_retry(int attempts, bool permanent, int base_s, int max_attempts, rk_ts now,
                     rk_ts *at, char *error, size_t errorsz);

/*
 * One pass over the items due now (no remembered set: a store error ends it). report (of
 * ops->report_size bytes) is zeroed first; error (errorsz bytes) gets "cannot record the
 * outcome of NOUN ID: …" when an outcome could not be recorded. Store errors end the pass with
 * the error.
 */
RK_MUST_USE rk_err rk_worker_pass(const struct rk_worker_ops *ops, const void *ctx,
                                  struct rk_store *s, void *report, char *error, size_t errorsz);

struct rk_worker;

/*
 * Starts the thread on its own connection to db (copied). ops and ctx are borrowed and must
 * outlive it. deliver false: the thread only counts (the mail sender without a relay).
 * key_generation: the transport's key generation (rk_store_options; 0: unchecked): once the
 * database is rotated past it, outcomes are not recorded (a key this worker holds may not
 * open what the rotation re-sealed, and "does not open" must not fail an item for good).
 */
RK_MUST_USE rk_err rk_worker_start(const struct rk_worker_ops *ops, const void *ctx, const char *db,
                                   bool deliver, uint32_t key_generation, struct rk_worker **out);

/* Wakes the thread at once. NULL: no-op. */
void rk_worker_wake(struct rk_worker *w);

/* Count i as the transport's count last stored it; -1 before that, for NULL or i out of range. */
int64_t rk_worker_count(const struct rk_worker *w, int i);

/* One JSON line {"ts", "event": event, what} on stderr; what is the members, ready-escaped. */
void rk_worker_log(const char *event, const char *what);

/*
 * A log line built member by member, for a transport's outcome lines: begin locks stderr and
 * writes {"ts":…,"event":event; text adds ,"name":"text" with any quote, backslash or control
 * character in text replaced by '?' (NULL text: nothing); integer adds ,"name":v; end writes
 * the closing brace and newline and unlocks stderr.
 */
void rk_worker_log_begin(const char *event);
void rk_worker_log_text(const char *name, const char *text);
void rk_worker_log_integer(const char *name, long long v);
void rk_worker_log_end(void);

/* Finishes the item in hand, stops the thread and frees it. NULL: no-op. */
void rk_worker_stop(struct rk_worker *w);

/* Initialises libcurl, which both transports speak through, once per process (thread-safe);
 * RK_EIO when it cannot be. rk_smtp_global_init and rk_connect_global_init call it. */
RK_MUST_USE rk_err rk_worker_curl_init(void);

#endif
