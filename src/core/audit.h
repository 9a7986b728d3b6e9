/*
 * audit.h — the audit chain: who read or changed whose data, when, in an
 * order that cannot be rewritten unnoticed.
 *
 * Every event names an actor (a staff token's name, the CLI's --actor, or
 * "self" for the data subject), an action ("person.read", "consent.given",
 * ...), the person's pseudonymous id and a detail (register, purpose, a
 * count) — never personal data. Each row's hash is a keyed BLAKE2b over its
 * fields and the previous row's hash, under the key file's audit subkey, so
 * whoever can write the database but lacks the key cannot alter, remove or
 * reorder a row, or forge a new chain.
 */
#ifndef RK_AUDIT_H
#define RK_AUDIT_H

#include "keys/keys.h"
#include "store/store.h"

/* The hash of e (its seq, at, strings and prev) under the audit key. */
void rk_audit_hash(const struct rk_keys *k, const struct rk_audit_event *e,
                   unsigned char out[RK_HASH_LEN]);

/*
 * Appends one event inside the caller's transaction: reads the last row,
 * chains to it, inserts. person_id and detail may be NULL; strings longer
 * than RK_AUDIT_FIELD_MAX are refused with RK_ETOOBIG.
 */
RK_MUST_USE rk_err rk_audit_append(struct rk_store *s, const struct rk_keys *k, rk_ts at,
                                   const char *actor, const char *action, const char *person_id,
                                   const char *detail);

/* The outcome of checking the whole chain. */
struct rk_audit_report {
    int64_t events;                  /* rows checked */
    int64_t bad_seq;                 /* first row that does not verify; 0 when all do */
    char reason[128];                /* why bad_seq fails */
    unsigned char head[RK_HASH_LEN]; /* the last row's hash */
};

/* Recomputes every hash and link from the first row on. RK_OK says the scan
 * ran; out->bad_seq says whether the chain holds. */
RK_MUST_USE rk_err rk_audit_verify(struct rk_store *s, const struct rk_keys *k,
                                   struct rk_audit_report *out);

/*
 * Records that the chain was verified at instant at with result rep (issue 12: the staff
 * console's "last verified"): the head's sequence number and hash, and whether it held. One
 * write, to be run inside a unit of work; never personal data.
 */
RK_MUST_USE rk_err rk_audit_record_verified(struct rk_store *s, const struct rk_audit_report *rep,
                                            rk_ts at);

#endif
