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
 * write changes nothing. Each write is one unit of work (core/work.h):
 * outside a batch its own transaction, inside one the caller commits.
 *
 * The rules are split by concern (reg_write.h): register.c (persons,
 * contracts, invoices, the suppression list), reg_consent.c (consent),
 * reg_audience.c (the audience, "may we contact?"), over reg_write.c (the
 * shared checks and writes); the handle itself is in core/reg.h.
 */
#ifndef RK_REGISTER_H
#define RK_REGISTER_H

#include <stdbool.h>
#include <stddef.h>

#include "core/reg.h"  /* struct rk_reg, rk_write, rk_consent_input, rk_reg_init, RK_ERROR_* */
#include "core/work.h" /* batches and units of work */

struct rk_view; /* core/view.h: what a staff role sees */

/*
 * Every write records itself in the audit chain (core/audit.h) in its own
 * transaction, as reg->actor. rk_reg_audit records what is not a write — a
 * read of a person's data, an export — the same way (its own transaction
 * outside a batch). detail names a register, purpose or count, never
 * personal data.
 */
RK_MUST_USE rk_err rk_reg_audit(struct rk_reg *reg, const char *action, const char *person_id,
                                const char *detail, rk_ts at);

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
                                     char id_out[RK_ID_LEN + 1], struct rk_error *msg);

/* Sets the given fields of a person's entry in w->register_id (others unchanged). */
RK_MUST_USE rk_err rk_reg_person_update(struct rk_reg *reg, const struct rk_write *w,
                                        const char *person_id, const struct rk_contact *c,
                                        struct rk_error *msg);

/* Finds persons: an email or phone (exact, through the keyed index; one statement for
 * every register, in register id order) or a name fragment. */
RK_MUST_USE rk_err rk_reg_person_find(struct rk_reg *reg, const char *query, rk_entry_fn fn,
                                      void *ctx, struct rk_error *msg);
/* As rk_reg_person_find, passing on only the entries view sees through the field searched
 * (rk_view_found: the register, and the email, phone or name category in it); the same store
 * reads either way. view NULL: every entry. */
RK_MUST_USE rk_err rk_reg_person_find_in(struct rk_reg *reg, const struct rk_view *view,
                                         const char *query, rk_entry_fn fn, void *ctx,
                                         struct rk_error *msg);

/* Records a consent event for a person and purpose (see consent.c for what is allowed). */
RK_MUST_USE rk_err rk_reg_consent(struct rk_reg *reg, const char *person_id, const char *purpose,
                                  enum rk_consent_kind kind, const struct rk_consent_input *in,
                                  struct rk_error *msg);

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
                                       char id_out[RK_ID_LEN + 1], struct rk_error *msg);
/* Changes one field ("service", "start", "end") of a contract, keeping the history. */
RK_MUST_USE rk_err rk_reg_contract_change(struct rk_reg *reg, const char *contract_id,
                                          const char *field, const char *value, rk_ts at,
                                          struct rk_error *msg);
RK_MUST_USE rk_err rk_reg_contract_end(struct rk_reg *reg, const char *contract_id,
                                       struct rk_date end, rk_ts at, struct rk_error *msg);

/* Invoices: held under the register's category of kind `billing`; keep_until
 * comes from that category's declared erasure rule. */
RK_MUST_USE rk_err rk_reg_invoice_add(struct rk_reg *reg, const struct rk_write *w,
                                      const char *person_id, const char *contract_id,
                                      const char *number, struct rk_date date, int64_t amount_cents,
                                      const char *currency, char id_out[RK_ID_LEN + 1],
                                      struct rk_error *msg);

/* Puts an email or phone on the suppression list. */
RK_MUST_USE rk_err rk_reg_suppress(struct rk_reg *reg, enum rk_field f, const char *value,
                                   enum rk_suppress_reason reason, rk_ts at, struct rk_error *msg);
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
                                   rk_entry_fn fn, void *ctx, struct rk_error *msg);

/* As rk_reg_audience over only the registers for which want(want_ctx, register) is true (a
 * staff role's registers); want NULL: every register. */
typedef bool (*rk_register_filter)(void *ctx, const struct rk_register *r);
RK_MUST_USE rk_err rk_reg_audience_in(struct rk_reg *reg, const char *purpose, rk_ts now,
                                      rk_register_filter want, void *want_ctx, rk_entry_fn fn,
                                      void *ctx, struct rk_error *msg);

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
                                      struct rk_error *msg);
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
                                         struct rk_error *msg);

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
                                         rk_ts at, struct rk_error *msg);

#endif
