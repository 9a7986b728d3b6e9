/*
 * retention.h — the sweep's retention rules beyond consent expiry (issue 6):
 * customer data after the relationship ends, kept records past their
 * statutory period, mail and notices that have done their job, and flags for
 * staff (art 14 tasks and data-subject requests running late). core/sweep.c
 * calls rk_retention_run after its own two rules; the design, with the rows
 * each rule selects and why it is lawful, is at the top of retention.c.
 */
#ifndef RK_RETENTION_H
#define RK_RETENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/register.h"

/* Rows per transaction. Smaller than the consent rule's RK_SWEEP_BATCH: an erasure
 * writes notices and audit events for each entry, and the service's writer waits
 * while a batch holds the write lock. */
#define RK_RETENTION_BATCH 1000
/* Sent and failed emails, and delivered or unsupported art 19 notices, are kept this many
 * days after they finished (to answer "did it go?"), then deleted with their addresses. */
#define RK_RETENTION_MAIL_DAYS   30
#define RK_RETENTION_NOTICE_DAYS 30
/* A data-subject request is flagged when its deadline is within this many days. */
#define RK_RETENTION_SOON_DAYS 7
/* At most this many task and request ids are listed in a run's flags (the counts are exact). */
#define RK_RETENTION_FLAG_IDS 50

struct rk_retention_flag {
    char id[RK_ID_LEN + 1]; /* a task id, or a request id ("R-…") */
    struct rk_date due;     /* the effective deadline */
    bool overdue;           /* requests: past due (else due within RK_RETENTION_SOON_DAYS) */
};

struct rk_retention_counts {
    int64_t entries_erased;    /* register entries past the register's retention, erased */
    int64_t persons_deleted;   /* persons left with nothing, deleted wholly */
    int64_t records_kept;      /* contracts and invoices those erasures kept, restricted */
    int64_t notices_queued;    /* art 19 notices queued by those erasures */
    int64_t held_restricted;   /* entries past retention left alone: the person is restricted */
    int64_t held_consent;      /* ... or holds a live consent for a purpose of the register */
    int64_t held_request;      /* ... or has a data-subject request still open */
    int64_t invoices_deleted;  /* kept invoices past keep_until */
    int64_t contracts_deleted; /* kept contracts past their period, no invoice left on them */
    int64_t mail_deleted;      /* sent or failed emails older than RK_RETENTION_MAIL_DAYS */
    int64_t notices_deleted;   /* finished notices older than RK_RETENTION_NOTICE_DAYS */
    int64_t consent_log_deleted; /* website cookie choices older than cookies.log_retention */
    int64_t answers_deleted;   /* request answers past their download window (core/answer.h) */
    int64_t art14_overdue;     /* open art 14 tasks past their due date */
    int64_t requests_overdue;  /* open data-subject requests past their deadline */
    int64_t requests_due_soon; /* open requests due within RK_RETENTION_SOON_DAYS */
    int ntasks, nrequests;     /* ids listed below (at most RK_RETENTION_FLAG_IDS each) */
    struct rk_retention_flag tasks[RK_RETENTION_FLAG_IDS];
    struct rk_retention_flag requests[RK_RETENTION_FLAG_IDS];
};

/*
 * Runs the rules at now as reg->actor, each in batches of RK_RETENTION_BATCH per transaction,
 * auditing each action. dry_run runs them inside one transaction that is rolled back, so the
 * counts are exactly what a run would do and nothing is written. out is zeroed first and
 * holds what was done also after a failure part-way (earlier batches stay committed); msg
 * says why, without personal data. The flags are counted, never changed.
 */
RK_MUST_USE rk_err rk_retention_run(struct rk_reg *reg, rk_ts now, bool dry_run,
                                    struct rk_retention_counts *out, struct rk_error *msg);

/* Whether a run deleted or cleared personal data (so the write-ahead log is worth
 * checkpointing). */
bool rk_retention_deleted_personal(const struct rk_retention_counts *c);

/* Appends the counts to the NUL-terminated text in buf (size n, cut to fit) for the sweep.run
 * audit event: " erased=E persons=P records=R mail=M notices=N late=T/O/S" — entries erased,
 * persons deleted, kept invoices and contracts deleted, mail and notices deleted, and the
 * flags: late art 14 tasks / overdue requests / requests due soon — and " cookies=C" when
 * cookie choices were deleted. */
void rk_retention_summary(const struct rk_retention_counts *c, char *buf, size_t n);

#endif
