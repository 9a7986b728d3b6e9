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
 * batches of RK_SWEEP_BATCH so a million expiries never hold one transaction. A second run at the
 * same instant does nothing.
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

/* Consents or signups per transaction: RK_SWEEP_BATCH for `rekisteri sweep` (fewer commits,
 * a page touched by several expiries written once), RK_SWEEP_SERVICE_BATCH in the service,
 * whose writer waits (busy timeout 5 s) while a batch holds the write lock: a batch of 10,000
 * takes 2-4 s on a busy 2-core machine, one of 1,000 a few hundred milliseconds. */
#define RK_SWEEP_BATCH         10000
#define RK_SWEEP_SERVICE_BATCH 1000
#define RK_SWEEP_LEASE_S       300 /* the "sweep" lease, renewed after every batch */

struct rk_sweep_counts {
    int64_t consents_expired; /* live consents past their validity */
    int64_t signups_expired;  /* unconfirmed signups past expires_at */
    int64_t skipped;          /* rows the rules refused (e.g. a purpose no longer declared) */
    struct rk_retention_counts retention; /* the retention rules (core/retention.h) */
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

#endif
