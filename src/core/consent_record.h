/*
 * consent_record.h — one person's consent for one purpose gathered as a
 * consent record in the structure of ISO/IEC TS 27560:2023 (the successor of
 * the Kantara Initiative's Consent Receipt v1.1): the header (record id,
 * the pseudonymous data subject), the processing the consent covers (from
 * the declaration), the parties, and the history of consent events (from the
 * ledger, with the state each one put the consent in). Plain data: the views
 * render it (views/consent_record.h), as JSON for `rekisteri consent record
 * --format json`, the staff API and the person's receipt link, or as text.
 * The design and the field mapping are in consent_record.c and
 * docs/consent-records.md.
 */
#ifndef RK_CONSENT_RECORD_H
#define RK_CONSENT_RECORD_H

#include <stdbool.h>
#include <stddef.h>

#include "core/register.h"

/* What an event of the ledger did to the consent (27560 event_state; the DPV
 * consent statuses in brackets). */
enum rk_cr_state {
    RK_CR_REQUESTED,         /* given through double opt-in, awaiting the link (ConsentRequested) */
    RK_CR_GIVEN,             /* given, or confirmed by the link: in force (ConsentGiven) */
    RK_CR_RENEWAL_REQUESTED, /* given again through double opt-in while in force */
    RK_CR_RENEWED,           /* given or confirmed again while in force (RenewConsentGiven) */
    RK_CR_WITHDRAWN,         /* withdrawn by the person (ConsentWithdrawn) */
    RK_CR_EXPIRED,           /* its validity ran out, or the link was never followed
                                (ConsentExpired) */
    RK_CR__COUNT
};

/* One event of the consent's history, oldest first. Strings are copies. */
struct rk_cr_event {
    int64_t seq; /* the ledger's sequence number */
    rk_ts at;
    enum rk_consent_kind kind; /* the ledger's word: given, confirmed, withdrawn, expired */
    bool pending;              /* given: awaiting double opt-in */
    enum rk_cr_state state;    /* what it did */
    rk_ts valid_until;         /* when it put the consent in force and the purpose declares a
                                  validity: when that runs out; else 0 */
    bool by_subject;           /* done by the person themself (the ledger's collector "self") */
    char channel[RK_CONSENT_FIELD_MAX + 1];   /* how: web_form, unsubscribe_link, ... */
    char collector[RK_CONSENT_FIELD_MAX + 1]; /* who recorded it: "self" or a staff name */
    char form_id[RK_CONSENT_FIELD_MAX + 1];   /* "" when none */
    char notice_version[RK_CONSENT_FIELD_MAX + 1];
    char notice_sha256[RK_SHA256_HEX + 1];
    int notice_lang; /* enum rk_lang of the notice text whose SHA-256 the event recorded, when it
                        is the text published now; -1 when that text has changed since */
};

/* The record. Pointers into the declaration stay valid while it is loaded. */
struct rk_consent_record {
    char person_id[RK_ID_LEN + 1]; /* pii_principal_id: the pseudonymous id, nothing else */
    const struct rk_decl *decl;
    const struct rk_purpose *purpose;
    rk_ts made_at; /* when this copy was gathered */
    /* The consent now (rk_consent_effective at made_at) and the ledger's fold. */
    enum rk_consent_status status;
    rk_ts since, expires_at; /* 0 when none */
    bool renewal_pending;
    int64_t last_seq; /* the record's version: the last event's sequence number */
    /* Explicit consent (art 9(2)(a)): a special category processed for the purpose rests on
     * it; else the consent is the ordinary, expressed one of art 6(1)(a). */
    bool explicit_consent;
    char notice_version_now[16]; /* the version of the notice published now */
    /* Processing: the categories of the registers that declare the purpose, and the
     * recipients of them that serve it (each once, in declaration order). */
    const struct rk_category **categories;
    size_t ncategories;
    const struct rk_recipient **recipients;
    size_t nrecipients;
    struct rk_cr_event *events;
    size_t nevents;
};

/*
 * Gathers person_id's consent for purpose at now, through the store's consent ledger and state
 * (one read each) and the declaration. Errors, with e->where naming what: RK_EINVAL "purpose"
 * (not declared, or not resting on consent), RK_ENOENT "person" (no such person), RK_ENOENT
 * "consent" (the person exists but no consent for the purpose was ever recorded), RK_ENOMEM,
 * or the store's error. The person's values are never read: the record names them only by
 * their pseudonymous id. Free with rk_consent_record_free (also after a failure).
 */
RK_MUST_USE rk_err rk_consent_record_get(struct rk_reg *reg, const char *person_id,
                                         const char *purpose, rk_ts now,
                                         struct rk_consent_record *out, struct rk_error *e);

void rk_consent_record_free(struct rk_consent_record *r);

/* The state's id ("requested", "given", ...). */
const char *rk_cr_state_name(enum rk_cr_state s);

#endif
