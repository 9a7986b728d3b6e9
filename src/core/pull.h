/*
 * pull.h — moving in from a recipient: reading everyone a Mailchimp audience
 * or a Salesforce org holds (rk_client_pull, connect/client.h) into the
 * register, under the same rules as `rekisteri import`. Each person read is
 * imported (a new person), matched (one already here), put on the
 * suppression list (a Mailchimp unsubscribe or bounce), rejected with a
 * reason that never holds a value, or skipped. A Salesforce Contact read
 * without the external id is linked to its person (rk_client_link) once its
 * batch is committed. The persons the recipient now
 * holds as rekisteri would are handed to the caller, so that the first sync
 * (core/disclose.h, rk_sync_options.adopt) records them instead of sending
 * them again. docs/import.md says the same for users.
 */
#ifndef RK_PULL_H
#define RK_PULL_H

#include <stdbool.h>
#include <stddef.h>

#include "connect/client.h"
#include "core/reg.h"
#include "decl/decl.h"
#include "util/err.h"

#define RK_PULL_REASONS    20  /* reasons kept in a report; later rejections are only counted */
#define RK_PULL_REASON_MAX 240 /* one reason: "member 12: email: has no '@'" */
#define RK_PULL_BATCH      10000
#define RK_PULL_ACTOR      "pull" /* who writes what a pull reads (provenance, consent, audit) */

/* A person the recipient holds as rekisteri would (held: RK_HELD_ACTIVE), called once the
 * batch that wrote them is committed (a Contact that had to be linked: once it is); a failure
 * (RK_ENOMEM) stops the pull and is returned. */
typedef rk_err (*rk_pull_adopted_fn)(void *ctx, const char *person_id, enum rk_held held);

struct rk_pull_options {
    bool dry_run;                   /* check and count everything, write nothing (one
                                       transaction, rolled back); adopted is never called */
    rk_client_progress_fn progress; /* may be NULL: members/contacts read of the total */
    void *progress_ctx;
    rk_pull_adopted_fn adopted; /* may be NULL */
    void *adopted_ctx;
    /* The purpose the persons are written under. NULL: Mailchimp, the connector's purpose;
     * Salesforce, the first of the recipient's purposes (recipients[].purposes) the register
     * declares without resting on consent, else the register's first such purpose. */
    const char *purpose;
    /* The source the provenance names (a declared source kind); has_source false: Mailchimp
     * web_form (the audience's signup form, as the Mailchimp webhook says), Salesforce
     * third_party (another system's data: an art 14 task). */
    bool has_source;
    enum rk_source_kind source;
    rk_ts now;    /* the pull's time (0: rk_time_now()) */
    size_t batch; /* persons a transaction (0: RK_PULL_BATCH) */
};

struct rk_pull_report {
    const char *register_id;      /* where the persons went (borrowed from the declaration) */
    const char *purpose;          /* under which purpose (likewise) */
    long long total;              /* what the recipient said it holds (0: not said) */
    long long read;               /* persons read */
    long long imported;           /* new persons */
    long long matched;            /* persons already here (same id or email): added to the
                                     register when not in it yet, or given the consent when they
                                     had no live one */
    long long suppressed;         /* Mailchimp unsubscribed or cleaned: on the suppression list */
    long long withdrawn;          /* of those, persons here whose live consent was withdrawn */
    long long refused_suppressed; /* active, but the address or phone is suppressed here */
    long long rejected;           /* refused by the register's rules (reasons below) */
    long long skipped;            /* Mailchimp pending, transactional or archived */
    long long art14_tasks;        /* art 14 tasks created (data not from the person) */
    long long adopted;            /* persons handed to the adopted callback */
    long long linked;             /* Salesforce Contacts imported or matched without the external
                                     id that were given it (rk_client_link) once their batch
                                     committed (of a dry run: that would be) */
    long long unlinked;           /* such Contacts left without it (the link refused or not
                                     tried): the first sync creates a Contact of its own for
                                     them */
    size_t nreasons;              /* reasons[0..nreasons): the first RK_PULL_REASONS rejections */
    char reasons[RK_PULL_REASONS][RK_PULL_REASON_MAX];
    size_t nlink_reasons; /* link_reasons[0..n): why the first RK_PULL_REASONS were not linked
                             ("contact 3: not linked: Salesforce answered 400 DUPLICATE_VALUE") */
    char link_reasons[RK_PULL_REASONS][RK_PULL_REASON_MAX];
};

/*
 * Reads everyone c (r's client; borrowed) holds and writes them into the register, as
 * above and as docs/import.md says. The counts of a report are of committed persons (of a
 * dry run: what would be written); a pull stopped part-way has committed the batches before
 * the failure and says so in *out. Returns RK_OK when the pull read everyone (rejections are
 * counted, not failures); RK_EINVAL (e: why) when r's connector is not mailchimp or
 * salesforce or the declaration gives the pull nowhere to write (no register for the
 * purpose, no email category, an undeclared source); RK_EIO or RK_EPARSE from the client (e:
 * its status and code); a store's error (e: the store's message). Never a value in e or the
 * report.
 */
RK_MUST_USE rk_err rk_pull_recipient(struct rk_reg *reg, const struct rk_recipient *r,
                                     struct rk_client *c, const struct rk_pull_options *o,
                                     struct rk_pull_report *out, struct rk_error *e);

#endif
