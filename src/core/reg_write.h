/*
 * reg_write.h — what the files of the register's write rules share (private
 * to register.c, reg_consent.c and reg_audience.c; the public functions are
 * in core/register.h).
 *
 * The write rules are one set split by concern: reg_write.c (refusals, the
 * checks against the declaration, and the writes every rule applies),
 * register.c (persons, contracts, invoices, the suppression list),
 * reg_consent.c (consent events and leaving the consent registers) and
 * reg_audience.c (who may be contacted: the audience and "may we contact?").
 * Each write runs in two phases: check (reads only) and then apply (the
 * writes, inside one unit of work, core/work.h), so that a refusal never
 * leaves half a write behind, even inside a batch.
 *
 * This header includes core/reg.h and core/work.h only, never
 * core/register.h, so that register.c may include it without a cycle.
 */
#ifndef RK_REG_WRITE_H
#define RK_REG_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/reg.h"
#include "core/work.h"

/* ---- Refusals ---- */

/* Writes the refusal to msg (no field, no Finnish) and returns RK_EREFUSED. */
__attribute__((format(printf, 2, 3))) rk_err rw_refuse(struct rk_error *msg, const char *fmt, ...);
/* Adds to a refusal already in msg the field it concerns and its Finnish, for people; err is
 * passed through. */
rk_err rw_for_people(struct rk_error *msg, rk_err err, const char *field, const char *fi);
/* Says in msg why the store failed (its message names the cause); err is passed through. */
rk_err rw_store_failed(const struct rk_store *s, struct rk_error *msg, rk_err err);

/* ---- Checks against the declaration ---- */

bool rw_register_has_purpose(const struct rk_register *r, const char *purpose);
/* The register's first category of kind k; NULL when it declares none. */
const struct rk_category *rw_register_kind(const struct rk_register *r, enum rk_category_kind k);
/* The purposes of register r all rest on consent: it holds people only while consenting. */
bool rw_consent_register(const struct rk_register *r);
/* Checks register, purpose and source of a write; sets *reg_out and *purpose_out. */
RK_MUST_USE rk_err rw_check_write(struct rk_reg *reg, const struct rk_write *w,
                                  const struct rk_register **reg_out,
                                  const struct rk_purpose **purpose_out, struct rk_error *msg);
/* Every given field must be a category the register declares. */
RK_MUST_USE rk_err rw_check_categories(const struct rk_register *r, const struct rk_contact *c,
                                       struct rk_error *msg);
/* Whether the person has an entry in the register: RK_OK, RK_ENOENT, or the store's error. */
RK_MUST_USE rk_err rw_entry_held(struct rk_reg *reg, const char *register_id,
                                 const char *person_id);
/* The person must exist and not be restricted (art 18). */
RK_MUST_USE rk_err rw_check_person(struct rk_reg *reg, const char *person_id, struct rk_error *msg);

/* The keyed hashes of a write's email and phone, computed once per write;
 * all[i] also holds them under each retired key generation (after all[i][0],
 * the current one), for the suppression list (core/rotate.h). */
struct rw_hashes {
    bool has[2]; /* [0] email, [1] phone */
    unsigned char h[2][RK_HASH_LEN];
    size_t n[2];
    unsigned char all[2][RK_KEYGEN_MAX][RK_HASH_LEN];
};
void rw_hash_contact(struct rk_reg *reg, const struct rk_contact *c, struct rw_hashes *out);
/* Refuses an email or phone on the suppression list (under any key generation). */
RK_MUST_USE rk_err rw_check_suppressed(struct rk_reg *reg, const struct rw_hashes *hs,
                                       struct rk_error *msg);
/* Refuses an email or phone that another person than self already has in the register. */
RK_MUST_USE rk_err rw_check_unique(struct rk_reg *reg, const struct rk_register *r,
                                   const char *self, const struct rw_hashes *hs,
                                   struct rk_error *msg);

/* ---- Applying writes (inside the caller's unit of work) ---- */

/* The provenance row of a write: the last one again when it matches (reg->last_prov). */
RK_MUST_USE rk_err rw_new_provenance(struct rk_reg *reg, const struct rk_write *w, int64_t *id);
/* Copies the given fields of c (and their hashes) into e with provenance prov. */
void rw_set_fields(struct rk_entry *e, const struct rk_contact *c, const struct rw_hashes *hs,
                   int64_t prov);
/* Writes entry e and its words in the people search index (core/search.h, design 2). */
RK_MUST_USE rk_err rw_put_entry(struct rk_reg *reg, const struct rk_entry *e);
/* Appends a consent event (with the notice's version and digest, reg.h) and puts state st. */
RK_MUST_USE rk_err rw_append_consent(struct rk_reg *reg, const char *person_id,
                                     const struct rk_purpose *p, enum rk_consent_kind kind,
                                     const struct rk_consent_input *in,
                                     struct rk_consent_state *st);
/* Appends the audit event of a write as reg->actor, only when err is RK_OK; err otherwise. */
RK_MUST_USE rk_err rw_audit(struct rk_reg *reg, rk_err err, const char *action,
                            const char *person_id, const char *detail, rk_ts at);

#endif
