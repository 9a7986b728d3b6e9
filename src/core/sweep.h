/*
 * sweep.h — the retention sweep: what the declaration says has run out is
 * acted on, by the same rules as a person's own withdrawal.
 *
 * Two rules in this first slice:
 *   consents  a LIVE consent whose validity ended (expires_at <= now) gets an
 *             "expired" ledger event (the store's consents_expire, a batch at a
 *             time: the writes rk_reg_consent makes one by one), so the person
 *             leaves the consent registers exactly as on withdrawal; one whose
 *             purpose is no longer declared on consent is left and counted as
 *             skipped;
 *   signups   an unconfirmed double opt-in signup past its expires_at is
 *             deleted and its pending consent expired; a newcomer thus left
 *             in no register is deleted wholly (rk_rights_settle: the person
 *             row and the ledger with the form's IP address).
 * Then the retention rules of core/retention.h: entries past their register's
 * retention erased (and persons left with nothing deleted), kept invoices and
 * contracts past their statutory period deleted, sent mail and finished art 19
 * notices deleted after 30 days, and late art 14 tasks and data-subject
 * requests counted as flags for staff.
 * Each action is audited (sweep.consent_expired, sweep.signup_expired,
 * sweep.entry_erased, sweep.invoice_deleted, sweep.contract_deleted,
 * sweep.person_deleted, sweep.mail_deleted, sweep.notices_deleted) and a run
 * that did anything ends with one sweep.run event holding the counts and the
 * flags; every run that is not a dry run ends with the store's checkpoint, so
 * that what it and others erased leaves the files too (SQLite: the write-ahead
 * log; PostgreSQL: the rewrite of docs/operations.md, erasure on PostgreSQL). Work is committed in
 * batches (RK_SWEEP_BATCH, or sized by time: rk_sweep_run_paced) so a million expiries never
 * hold one transaction. A second run at the same instant does nothing.
 *
 * One sweep at a time per database: a run (not a dry run) takes the store's lease
 * "sweep" (lease_take; its holder a random id of the run, for RK_SWEEP_LEASE_S seconds of
 * the wall clock, renewed after every batch, dropped at the end). When another run holds
 * it — a second `serve` on the same PostgreSQL database, `rekisteri sweep` beside `serve`
 * — the run does nothing and says so (out->elsewhere, RK_OK): skipped, not failed. A run
 * that dies leaves the lease to run out.
 */
#ifndef RK_SWEEP_H
#define RK_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/register.h"
#include "core/retention.h"

/* Consents or signups per transaction when the batches are fixed (rk_sweep_run, and the
 * signup rule always): RK_SWEEP_BATCH for `rekisteri sweep`, RK_SWEEP_SERVICE_BATCH in the
 * service. */
#define RK_SWEEP_BATCH         10000
#define RK_SWEEP_SERVICE_BATCH 1000

/*
 * Batches of the consent rule sized by time (issue 18), rk_sweep_run_paced.
 *
 * A batch is one write transaction: while it runs, every other writer of the database waits
 * (SQLite's busy timeout in the service is RK_SWEEP_BUSY_US). Fewer, larger batches cost less
 * (each batch rewrites the random-order index pages it touches, and a page touched by several
 * expiries of one batch is written once), so after each batch of b consents that took t:
 *
 *   t <= aim           next = b * aim / t, at most 2 * b   (grown while quick)
 *   aim < t <= bound   next = b                            (held)
 *   t > bound          next = b * aim / t                  (cut in proportion)
 *
 * within [min, max], where bound is half the busy timeout (an aim above it counts as the
 * bound) and t the batch's transaction, begin to commit, on the caller's monotonic clock
 * (core keeps none of its own: the clock is passed in, and the tests pass a fake one).
 * min is the fixed batch the service and `rekisteri sweep` used before (measured, issue 18:
 * at 1,000,000 persons on a loaded machine a batch of 500 took 0.7-4.9 s, one of 10,000
 * 3-4 s: the commit's checkpoint and the index pages cost per batch, not per consent, so a
 * batch cut further only makes more of them and holds the lock as long).
 * Invariants:
 *   - no batch is grown beyond what holds the write lock for aim at the rate the last batch
 *     ran, and after a batch that held it past the bound the next is cut (down to min); a
 *     batch of min may still hold it longer on a slow machine, as the fixed batch did. A
 *     batch cannot be cut part-way: the store expires it in one operation;
 *   - the sweep finishes: every batch is at least min (>= 1) consents, and a batch that
 *     expires fewer than it asked for is the last;
 *   - a crash loses nothing: each batch commits on its own (the earlier ones stay, the
 *     running one rolls back whole, and the next run picks it up again).
 */
typedef int64_t (*rk_sweep_clock_fn)(void); /* monotonic, in microseconds */

struct rk_sweep_pace {
    int first, min, max;     /* consents in the first batch; never fewer or more in any */
    int64_t aim_us;          /* a batch's transaction aimed at this long; <= RK_SWEEP_BUSY_US / 2 */
    rk_sweep_clock_fn clock; /* NULL: every batch is `first` consents */
    /* Told of each batch once it committed (NULL: not told): what it asked for, what it
     * expired and how long it took (the benchmark's log). */
    void (*on_batch)(void *ctx, int asked, int64_t expired, int64_t took_us);
    void *ctx;
};

#define RK_SWEEP_BUSY_US 5000000 /* the service's busy timeout: a writer waits this long */

/* `rekisteri sweep`: batches of a second or so, from 10,000 up to 200,000 consents (about
 * 18 MB of ids in memory). */
#define RK_SWEEP_PACE_CLI(clk)                                                                     \
    ((struct rk_sweep_pace){.first = RK_SWEEP_BATCH,                                               \
                            .min = RK_SWEEP_BATCH,                                                 \
                            .max = 200000,                                                         \
                            .aim_us = 1000000,                                                     \
                            .clock = (clk)})
/* The service's timer: a quarter of a second, from 1,000 up to 20,000 consents (its RSS
 * budget and its 2 MiB page cache), so that the forms and the API wait little. */
#define RK_SWEEP_PACE_SERVICE(clk)                                                                 \
    ((struct rk_sweep_pace){.first = RK_SWEEP_SERVICE_BATCH,                                       \
                            .min = RK_SWEEP_SERVICE_BATCH,                                         \
                            .max = 20000,                                                          \
                            .aim_us = 250000,                                                      \
                            .clock = (clk)})

/* The size of the batch after one of `batch` consents whose transaction took took_us (the
 * rule above; the tests call it directly). */
int rk_sweep_next_batch(const struct rk_sweep_pace *p, int batch, int64_t took_us);

#define RK_SWEEP_LEASE_S       300 /* the "sweep" lease, renewed after every batch */

struct rk_sweep_counts {
    int64_t consents_expired; /* live consents past their validity */
    int64_t signups_expired;  /* unconfirmed signups past expires_at */
    int64_t skipped;          /* rows the rules refused (e.g. a purpose no longer declared) */
    struct rk_retention_counts retention; /* the retention rules (core/retention.h) */
    int consent_batches;                  /* write transactions of the consent rule */
    int batch_largest;                    /* the most consents asked for in one of them */
    int64_t batch_longest_us;             /* the longest of them, begin to commit (0: no clock) */
    bool checkpointed; /* the store's checkpoint ran after the run (erasures made final) */
    bool elsewhere;    /* another sweep held the "sweep" lease: this run did nothing */
};

/*
 * Runs the rules at now as reg->actor. dry_run counts what would be done and
 * writes nothing (no audit event either). out holds the counts of what was
 * (or would be) done, also after a failure part-way (earlier batches stay
 * committed). msg says why on failure, without personal data.
 */
RK_MUST_USE rk_err rk_sweep_run(struct rk_reg *reg, rk_ts now, bool dry_run,
                                struct rk_sweep_counts *out, struct rk_error *msg);

/* As rk_sweep_run with batch consents or signups per transaction (< 1: RK_SWEEP_BATCH). */
RK_MUST_USE rk_err rk_sweep_run_batched(struct rk_reg *reg, rk_ts now, bool dry_run, int batch,
                                        struct rk_sweep_counts *out, struct rk_error *msg);

/* As rk_sweep_run with the consent rule's batches sized by time (pace, above); the signup
 * rule's batches are pace->first. */
RK_MUST_USE rk_err rk_sweep_run_paced(struct rk_reg *reg, rk_ts now, bool dry_run,
                                      const struct rk_sweep_pace *pace, struct rk_sweep_counts *out,
                                      struct rk_error *msg);

#endif
