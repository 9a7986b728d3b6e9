/*
 * disclose.h — the sync: making a recipient whose connector is a client
 * (connect/client.h: Mailchimp, Salesforce) hold what the declaration says it
 * may hold of each person, and nothing more; and the deliverer's question
 * whether a notice to such a recipient is done (rk_disclose_synced).
 *
 * Design.
 *
 *   Desired state. For recipient r, per person:
 *     - with a connector purpose (Mailchimp): ACTIVE when the person is in the
 *       purpose's audience over r's registers only (rk_reg_audience_in: live
 *       consent, not restricted, objected or suppressed); RESTRICTED when the
 *       person is restricted (art 18), held in one of r's registers and already
 *       disclosed (held active or restricted); INACTIVE when disclosed and none
 *       of these; otherwise nothing (never disclosed, not desired).
 *     - without a purpose (Salesforce): every person with an entry in r's
 *       registers is ACTIVE, or RESTRICTED when restricted; INACTIVE when
 *       disclosed and no longer held; otherwise nothing.
 *   The values: for each category r shares from a register
 *   (rk_recipient_share), the value of the first of r's registers, in r's
 *   order, that holds the person and shares it. Nothing else is ever put in
 *   rk_client_put.values. An INACTIVE put carries no values when the
 *   recipient's key is known, else only the email when it is shared (the key
 *   Mailchimp derives its member from).
 *
 *   Difference. Each disclosure row (store.h) keeps a keyed digest of (held,
 *   the values sent): BLAKE2b-128 under a key derived (crypto_kdf, context
 *   "rkdisclo", id 1) from the key file's notice subkey, so the row says
 *   nothing of the values. A person differs when the desired state is not the
 *   held one, or (not INACTIVE) the digest of the desired state and values is
 *   not the kept one. After a key rotation every digest differs once: the next
 *   pass puts everyone again, which is harmless (puts are idempotent).
 *
 *   Memory. A pass keeps one 46-byte slot per person of r's registers or of
 *   r's disclosure rows (id, kept digest, states, flags; grown by half) and a
 *   4-byte index slot in a hash table at most half full: 55 to 85 bytes a
 *   person, at most about 85 MB at 1,000,000 persons. No value is kept: they
 *   are read twice, streamed, once over every entry (rk_store_entries_all)
 *   for the digests, and again per person that differs
 *   (rk_store_entries_of_person) when its put is built.
 *
 *   Apply. Each difference goes through rk_client_put, or rk_client_put_many
 *   in chunks of the client's batch_max when at least batch_min (the option,
 *   else the client's) wait; each outcome is recorded at once in its own
 *   transaction (unit of work): ok → the disclosure row (held, digest, the
 *   recipient's key sealed under the notice subkey bound to recipient and
 *   person: RK_SEALED_DISCLOSURE, re-sealed by key rotation) and one
 *   disclosure event (added, changed, restricted, removed, with the category
 *   ids sent); permanent → rk_store_disclosure_fail (the person is tried again
 *   at the next pass: a refusal may be cured by a rectification); transient,
 *   or any outcome with stop → the pass ends there. A person the adopt option
 *   says the recipient holds already (a pull read it) is recorded as held, with
 *   no put and no event.
 *
 *   The pass's record (recipient_sync): a complete pass (every difference
 *   attempted) writes complete_at = the pass's start (now), its counts, and
 *   clears attempts, next_at and last_error; an incomplete one keeps
 *   complete_at, counts attempts and sets next_at (the recipient's
 *   Retry-After, else rk_worker_backoff) and last_error. A pass that changed
 *   something appends one audit event "recipient.sync" with the counts only.
 *   Errors, the audit and the report never hold personal data.
 */
#ifndef RK_DISCLOSE_H
#define RK_DISCLOSE_H

#include <stdbool.h>
#include <stddef.h>

#include "connect/client.h"
#include "connect/connect.h"
#include "core/reg.h"
#include "decl/decl.h"
#include "store/store.h"
#include "util/err.h"

/* One person whose state at the recipient differs from the desired one. */
struct rk_sync_diff {
    const char *person_id;
    enum rk_held was, want;
    const char *action; /* "add", "change", "restrict", "remove" */
    unsigned fields;    /* 1u << enum rk_field of the shared values sent */
};
typedef int (*rk_sync_diff_fn)(void *ctx, const struct rk_sync_diff *d);

struct rk_sync_options {
    bool dry_run;         /* find the differences, send and write nothing */
    rk_sync_diff_fn each; /* each difference (may be NULL); non-zero is ignored */
    void *each_ctx;
    rk_client_progress_fn progress; /* puts done of the differences (may be NULL) */
    void *progress_ctx;
    size_t batch_min; /* 0: the client's */
    /* true: the recipient holds this person as want already (a pull read it): record it as
     * disclosed, send nothing. NULL: none. */
    bool (*adopt)(void *ctx, const char *person_id, enum rk_held want);
    void *adopt_ctx;
};

struct rk_sync_report {
    long long add, change, restrict_, remove, unchanged; /* the differences found */
    long long sent, adopted, failed; /* puts accepted; recorded without a put; refused */
    bool complete;                   /* every difference was attempted */
    bool stopped;                    /* the client said stop (credentials, a 403) */
    long retry_after_s; /* incomplete: the recipient asked to wait this long (0: back off) */
    char error[RK_CONNECT_ERROR_MAX + 1]; /* the last refusal or what ended the pass */
};

/*
 * One sync pass of recipient r through client c (NULL only with o->dry_run), as the design
 * above says, at now; o may be NULL (defaults). RK_EINVAL (e) when r's connector is not a
 * client or c is NULL without dry_run; RK_EREFUSED (e) when r declares no shares (nothing
 * may be sent); store errors (e). A pass that ends early on a transient outcome is RK_OK
 * with out->complete false.
 */
RK_MUST_USE rk_err rk_sync_recipient(struct rk_reg *reg, const struct rk_recipient *r,
                                     struct rk_client *c, rk_ts now,
                                     const struct rk_sync_options *o, struct rk_sync_report *out,
                                     struct rk_error *e);

/*
 * What the recipient itself did to a person it holds, told by its own webhook, so that the
 * next pass does not send the same change back. held RK_HELD_INACTIVE (the Mailchimp hook's
 * unsubscribe or cleaned): r now holds person_id inactive; the kept key and digest stay, and
 * a "removed" event is added. held RK_HELD_ACTIVE (its profile or upemail, after the change
 * was written to the register): r holds the person's values as the register has them now;
 * the digest is made from them as a pass would (the kept key stays: a moved address is found
 * by the client's 404 fallback), no event (nothing was disclosed). Only a person held active
 * (for ACTIVE) or active or restricted (for INACTIVE) there is touched; nothing to do (RK_OK)
 * when r's connector is not a client. Runs in reg's batch or its own unit of work.
 */
RK_MUST_USE rk_err rk_disclose_heard(struct rk_reg *reg, const struct rk_recipient *r,
                                     const char *person_id, enum rk_held held, rk_ts at);

/*
 * The deliverer's callback (connect.h, rk_deliver_synced_fn; ctx unused): WAIT while no
 * complete pass of recipient began after since (strictly: instants are whole seconds, and a
 * pass that began in the notice's second may have read the person before the change); then
 * FAILED with the refusal in error
 * when the person's last put was refused, else DONE (also when never disclosed).
 */
RK_MUST_USE rk_err rk_disclose_synced(void *ctx, struct rk_store *s, const char *recipient,
                                      const char *person_id, rk_ts since, enum rk_sync_says *out,
                                      char *error, size_t errorsz);

#endif
