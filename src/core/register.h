/*
 * register.h — the registers' rules: every write checked against the
 * declaration before anything is stored.
 *
 * A struct rk_reg joins a loaded declaration, an open store and the key. Its
 * write functions refuse — with RK_EREFUSED or RK_EINVAL and a sentence in
 * msg saying what and why, never repeating personal data — anything the
 * declaration does not allow: an undeclared register, purpose or source; a
 * category the register does not hold (billing data into the marketing
 * register); a consent-based write without a live consent; a person on the
 * suppression list. Checks all run before the first write, so a refused
 * write changes nothing. Outside a batch (rk_reg_batch_begin) each write is
 * its own transaction; inside one, the caller commits.
 */
#ifndef RK_REGISTER_H
#define RK_REGISTER_H

#include <stdbool.h>
#include <stddef.h>

#include "keys/keys.h"
#include "store/store.h"

struct rk_view; /* core/view.h: what a staff role sees */

struct rk_msg {
    char text[320];
    bool suppressed; /* the refusal was the suppression list (imports count these apart) */
    /* For people (the console): the field or part of a write the refusal concerns ("email",
     * "consent"; "" when none) and the refusal as a Finnish sentence ("" when there is none:
     * the English text stands). Neither ever holds a value. */
    char field[32];
    char fi[400];
};

struct rk_reg {
    const struct rk_decl *decl;
    struct rk_store *store;
    struct rk_keys keys;
    const char *actor;       /* who writes now: staff token name, or "self"; a shared writer sets it
                                per write */
    char notice_version[16]; /* the notice's last_changed, YYYY-MM-DD */
    char notice_sha256[2][RK_SHA256_HEX + 1]; /* of the Markdown notice, fi and en */
    bool in_batch;
    /* The provenance row of the last write, reused by the next write with the
     * same source, detail, purpose, instant and actor (an import's rows share
     * one). Forgotten on rollback, which may undo it. */
    struct {
        int64_t id; /* 0: none */
        enum rk_source_kind source;
        char detail[256];
        char purpose[RK_DECL_ID_MAX + 1];
        char by[RK_DECL_ID_MAX + 1];
        rk_ts at;
    } last_prov;
    /* The erasure journal file (core/journal.h) every art 17 erasure is appended to before
     * it commits; borrowed. NULL: erasures are not journaled (unit tests, a restore's replay). */
    const char *journal;
};

/* Sets up reg (caller-allocated) over a declaration, store and keys, all borrowed. Gives the
 * store (when not NULL) the subkey queued mail is sealed under (store.h, struct rk_store). */
RK_MUST_USE rk_err rk_reg_init(struct rk_reg *reg, const struct rk_decl *d, struct rk_store *s,
                               const struct rk_keys *k, const char *actor);

/*
 * Every write records itself in the audit chain (core/audit.h) in its own
 * transaction, as reg->actor. rk_reg_audit records what is not a write — a
 * read of a person's data, an export — the same way (its own transaction
 * outside a batch). detail names a register, purpose or count, never
 * personal data.
 */
RK_MUST_USE rk_err rk_reg_audit(struct rk_reg *reg, const char *action, const char *person_id,
                                const char *detail, rk_ts at);

/* Every write names its register, purpose and source. */
struct rk_write {
    const char *register_id;
    const char *purpose;
    enum rk_source_kind source;
    const char *source_detail; /* optional */
    rk_ts at;
};

/* Evidence of a consent being given, withdrawn or confirmed. */
struct rk_consent_input {
    const char *channel; /* a source kind id, "unsubscribe_link", ... */
    bool pending;        /* given through double opt-in */
    enum rk_lang lang;   /* the notice shown */
    const char *form_id, *ip, *user_agent, *evidence; /* optional */
    rk_ts at;
};

/*
 * Transactions. A batch is a transaction its caller opens and ends
 * (imports, the writer's group commit, the sweep). rk_reg_batch_commit ends
 * it either way: when the COMMIT itself fails (disk full, I/O error), the
 * batch is rolled back before the error is returned, so reg->in_batch is
 * false when it returns and no later write can join a dead transaction.
 */
RK_MUST_USE rk_err rk_reg_batch_begin(struct rk_reg *reg);
RK_MUST_USE rk_err rk_reg_batch_commit(struct rk_reg *reg);
void rk_reg_batch_rollback(struct rk_reg *reg);

/*
 * A unit of work: every core operation that writes runs inside one, so that
 * it is all or nothing. Inside a batch it joins the batch, whose owner
 * commits or rolls back; outside, it is a transaction of its own.
 *
 *   struct rk_work w;
 *   rk_err err = rk_reg_work_begin(reg, &w);
 *   ... writes, each only while err == RK_OK ...
 *   err = rk_reg_work_end(reg, &w, err);
 *
 * Invariants: rk_reg_work_end commits only a transaction its unit began, and
 * only when err is RK_OK; a unit that began its own transaction has ended it
 * when rk_reg_work_end returns (committed, or rolled back on any error,
 * including a failed COMMIT), so the register is never left "in a batch" by
 * a unit. Inside a batch err is returned unchanged for the batch's owner.
 */
struct rk_work {
    bool own; /* this unit began the transaction */
};
RK_MUST_USE rk_err rk_reg_work_begin(struct rk_reg *reg, struct rk_work *w);
RK_MUST_USE rk_err rk_reg_work_end(struct rk_reg *reg, const struct rk_work *w, rk_err err);

/*
 * Adds a person to w->register_id with contact data c (normalised; see
 * rk_field_normalize). person_id NULL creates a new person and writes its id
 * to id_out; otherwise adds that existing person to the register. consent
 * must be given when w->purpose rests on consent: it is recorded in the same
 * transaction. Refuses a person whose email or phone is already in the
 * register (RK_ECONFLICT, naming the existing id).
 */
RK_MUST_USE rk_err rk_reg_person_add(struct rk_reg *reg, const struct rk_write *w,
                                     const char *person_id, const struct rk_contact *c,
                                     const struct rk_consent_input *consent,
                                     char id_out[RK_ID_LEN + 1], struct rk_msg *msg);

/* Sets the given fields of a person's entry in w->register_id (others unchanged). */
RK_MUST_USE rk_err rk_reg_person_update(struct rk_reg *reg, const struct rk_write *w,
                                        const char *person_id, const struct rk_contact *c,
                                        struct rk_msg *msg);

/* Finds persons: an email or phone (exact, through the keyed index; one statement for
 * every register, in register id order) or a name fragment. */
RK_MUST_USE rk_err rk_reg_person_find(struct rk_reg *reg, const char *query, rk_entry_fn fn,
                                      void *ctx, struct rk_msg *msg);
/* As rk_reg_person_find, passing on only the entries view sees through the field searched
 * (rk_view_found: the register, and the email, phone or name category in it); the same store
 * reads either way. view NULL: every entry. */
RK_MUST_USE rk_err rk_reg_person_find_in(struct rk_reg *reg, const struct rk_view *view,
                                         const char *query, rk_entry_fn fn, void *ctx,
                                         struct rk_msg *msg);

/* Records a consent event for a person and purpose (see consent.c for what is allowed). */
RK_MUST_USE rk_err rk_reg_consent(struct rk_reg *reg, const char *person_id, const char *purpose,
                                  enum rk_consent_kind kind, const struct rk_consent_input *in,
                                  struct rk_msg *msg);

/* Whether every purpose of r rests on consent: a consent register, which people leave when
 * their last live consent for it ends. */
bool rk_register_on_consent(const struct rk_register *r);

/* Whether a person is a customer (an active contract, or one ended within the
 * register's declared grace) or a prospect of the register. */
enum rk_membership { RK_MEMBER_NONE, RK_MEMBER_PROSPECT, RK_MEMBER_CUSTOMER, RK_MEMBER_CONSENTED };
RK_MUST_USE rk_err rk_reg_membership(struct rk_reg *reg, const char *register_id,
                                     const char *person_id, rk_ts now, enum rk_membership *out);
const char *rk_membership_name(enum rk_membership m);

/* Contracts: held under the register's category of kind `contract`. */
RK_MUST_USE rk_err rk_reg_contract_add(struct rk_reg *reg, const struct rk_write *w,
                                       const char *person_id, const char *service,
                                       struct rk_date start, struct rk_date end,
                                       char id_out[RK_ID_LEN + 1], struct rk_msg *msg);
/* Changes one field ("service", "start", "end") of a contract, keeping the history. */
RK_MUST_USE rk_err rk_reg_contract_change(struct rk_reg *reg, const char *contract_id,
                                          const char *field, const char *value, rk_ts at,
                                          struct rk_msg *msg);
RK_MUST_USE rk_err rk_reg_contract_end(struct rk_reg *reg, const char *contract_id,
                                       struct rk_date end, rk_ts at, struct rk_msg *msg);

/* Invoices: held under the register's category of kind `billing`; keep_until
 * comes from that category's declared erasure rule. */
RK_MUST_USE rk_err rk_reg_invoice_add(struct rk_reg *reg, const struct rk_write *w,
                                      const char *person_id, const char *contract_id,
                                      const char *number, struct rk_date date, int64_t amount_cents,
                                      const char *currency, char id_out[RK_ID_LEN + 1],
                                      struct rk_msg *msg);

/* Puts an email or phone on the suppression list. */
RK_MUST_USE rk_err rk_reg_suppress(struct rk_reg *reg, enum rk_field f, const char *value,
                                   enum rk_suppress_reason reason, rk_ts at, struct rk_msg *msg);
RK_MUST_USE rk_err rk_reg_is_suppressed(struct rk_reg *reg, enum rk_field f, const char *value,
                                        bool *out);

/*
 * Everyone who may be contacted for purpose now: in a register that declares
 * the purpose, with a live consent (consent basis), an active contract
 * (contract basis) or simply an entry (other bases); not restricted, not
 * objected, not suppressed. Each person once, from the first register in
 * declaration order.
 */
RK_MUST_USE rk_err rk_reg_audience(struct rk_reg *reg, const char *purpose, rk_ts now,
                                   rk_entry_fn fn, void *ctx, struct rk_msg *msg);

/* As rk_reg_audience over only the registers for which want(want_ctx, register) is true (a
 * staff role's registers); want NULL: every register. */
typedef bool (*rk_register_filter)(void *ctx, const struct rk_register *r);
RK_MUST_USE rk_err rk_reg_audience_in(struct rk_reg *reg, const char *purpose, rk_ts now,
                                      rk_register_filter want, void *want_ctx, rk_entry_fn fn,
                                      void *ctx, struct rk_msg *msg);

/* The answer to "may we contact this person for this purpose now?". */
struct rk_contact_answer {
    bool allowed;
    char person_id[RK_ID_LEN + 1]; /* "" when no such person is held for the purpose */
    char reason[200];              /* why, without personal data */
};

/*
 * Decides whether the person with this email or phone (f is RK_F_EMAIL or
 * RK_F_PHONE; value is normalised here) may be contacted for purpose at now, by the same rules as
 * rk_reg_audience: held in a register declaring the purpose, not suppressed,
 * restricted or objected, and a live consent / an active contract as the
 * purpose's basis requires. RK_EINVAL (msg says why) for a malformed query or
 * an undeclared purpose.
 */
RK_MUST_USE rk_err rk_reg_may_contact(struct rk_reg *reg, enum rk_field f, const char *value,
                                      const char *purpose, rk_ts now, struct rk_contact_answer *out,
                                      struct rk_msg *msg);
/*
 * As rk_reg_may_contact as view sees the register (core/view.h): entries it
 * does not see through f (an unseen register, or one whose email/phone
 * category is not granted) are read with the rest and then passed over, so a
 * person held only there is answered exactly as an unknown address — no
 * person id, the same reason, the same reads. view NULL: every entry.
 */
RK_MUST_USE rk_err rk_reg_may_contact_in(struct rk_reg *reg, const struct rk_view *view,
                                         enum rk_field f, const char *value, const char *purpose,
                                         rk_ts now, struct rk_contact_answer *out,
                                         struct rk_msg *msg);

/* ---- Consent expiry in bulk (sweepbench) ---- */

/*
 * Expires person_id's consent for purpose at `at` with exactly the writes of
 * rk_reg_consent(reg, person_id, purpose, RK_CE_EXPIRED, in, msg) for in =
 * {channel "retention_sweep", lang fi, at}: the same ledger event and state,
 * the same consent registers left (entries, and the provenance rows and
 * organisation names nothing else cites) and the same consent.expired audit
 * event. It starts from the state the caller read in this transaction (*st,
 * from rk_store_consents_run_out_states) instead of reading the person, the
 * state and each entry again, so that a batch of many expiries costs only
 * their writes. The consent state machine (rk_consent_apply) still decides;
 * RK_EREFUSED (nothing written, msg says why) when the purpose is not a
 * declared consent purpose or the consent has not run out.
 */
RK_MUST_USE rk_err rk_reg_consent_expire(struct rk_reg *reg, const char *person_id,
                                         const char *purpose, const struct rk_consent_state *st,
                                         rk_ts at, struct rk_msg *msg);

#endif
