/*
 * rights.h — what each data-subject right does to the data (GDPR arts 15–22).
 *
 * One function per right. Each takes the register (reg: declaration, store,
 * key, actor), the person's pseudonymous id, the data-subject request behind
 * it (request_id, NULL for a staff action without a request) and the instant
 * at; runs in reg's batch or in its own transaction; appends its audit event
 * as reg->actor (pseudonymous: never a value); and queues the art 19 notices
 * to recipients for rectification, erasure and restriction. The request
 * workflow (deadlines, identity checks, answers) is core/request.c's; this
 * file is only what happens to the data. docs/rights.md describes it.
 */
#ifndef RK_RIGHTS_H
#define RK_RIGHTS_H

#include <stdbool.h>

#include "core/register.h"
#include "util/buf.h"

/*
 * The documents of arts 15 and 20 are written by views/ (views/access.h):
 * core checks the person, gathers what the record holds and hands it to the
 * caller's views, then audits. No JSON, HTML or label is written here.
 */
struct rk_access_facts {
    struct rk_reg *reg; /* its declaration; the walks below read its store */
    const char *person_id;
    const char *request_id; /* NULL: a staff action */
    enum rk_lang lang;
    rk_ts at;
    bool restricted, objected;             /* the person's flags */
    bool contracts, invoices;              /* the person has a contract, an invoice */
    const struct rk_entry *const *entries; /* one per register holding the person */
    size_t nentries;
};

/* The person's entries, each value with its provenance (NULL: none recorded). */
struct rk_entry_visitor {
    void (*entry)(void *ctx, const struct rk_entry *e, bool end); /* before and after its values */
    void (*value)(void *ctx, const struct rk_entry *e, enum rk_field f,
                  const struct rk_provenance *p);
};
RK_MUST_USE rk_err rk_rights_walk_entries(const struct rk_access_facts *f,
                                          const struct rk_entry_visitor *v, void *ctx);

/* The person's records, part by part in this order; each part is opened and closed
 * (part(..., false) and part(..., true)) even when empty. The consent states are those of
 * the purposes resting on consent, in declaration order, other than "none". */
enum rk_record_part {
    RK_PART_CONSENT_EVENTS,
    RK_PART_CONSENT_STATES,
    RK_PART_CONTRACTS,
    RK_PART_INVOICES,
    RK_PART_TASKS,
    RK_PART_DISCLOSURES, /* what was disclosed to which recipient, and when (oldest first) */
};
struct rk_record_visitor {
    void (*part)(void *ctx, enum rk_record_part part, bool end);
    void (*consent_event)(void *ctx, const struct rk_consent_event *e);
    void (*consent_state)(void *ctx, const char *purpose, const struct rk_consent_state *st);
    void (*contract)(void *ctx, const struct rk_contract *c, bool end); /* around its changes */
    void (*contract_change)(void *ctx, const struct rk_contract_change *c);
    void (*invoice)(void *ctx, const struct rk_invoice *i);
    void (*task)(void *ctx, const struct rk_task_view *t);
    void (*disclosure)(void *ctx, const struct rk_disclosure_event *e);
};
RK_MUST_USE rk_err rk_rights_walk_records(const struct rk_access_facts *f,
                                          const struct rk_record_visitor *v, void *ctx);

/* One value the person provided (art 20), in entry order (entry: its index). */
struct rk_portable_value {
    size_t entry;
    const char *register_id;
    enum rk_field field;
    const char *value;
    rk_ts at; /* when it was provided */
    enum rk_source_kind source;
};
struct rk_portability_facts {
    const char *person_id;
    rk_ts at;
    const struct rk_portable_value *values;
    size_t n;
};

/* The writers of the two documents (views/access.h: rk_rights_documents). Each returns
 * the buffers' status. */
struct rk_rights_views {
    rk_err (*access)(const struct rk_access_facts *f, struct rk_buf *json, struct rk_buf *html);
    rk_err (*portability)(const struct rk_portability_facts *f, struct rk_buf *json,
                          struct rk_buf *csv);
};

/*
 * Art 15: the access answer. Appends to json (a JSON object) and to html (a
 * complete HTML page in lang, every text escaped, no script) every item of
 * art 15(1)(a)–(h) and 15(2) — purposes, categories, recipients with their
 * countries and safeguards, retention, the other rights, the supervisory
 * authority, each value's source, automated decisions — and the copy of the
 * data (15(3)): entries with each value's provenance, the consent ledger and
 * states, contracts with their history, invoices, tasks; views->access writes
 * them. json or html may be NULL. Audited as rights.access. RK_ENOENT for no
 * such person.
 */
RK_MUST_USE rk_err rk_rights_access(struct rk_reg *reg, const char *person_id,
                                    const char *request_id, enum rk_lang lang, rk_ts at,
                                    const struct rk_rights_views *views, struct rk_buf *json,
                                    struct rk_buf *html, struct rk_error *msg);

/*
 * Art 20: the data the person provided (values whose provenance is a source
 * from the person) held for a purpose resting on consent or contract, as a
 * JSON object and as CSV (register,category,value,provided_at,source; cells
 * safe for spreadsheets), written by views->portability. Either buffer may be
 * NULL. Audited as rights.portability.
 */
RK_MUST_USE rk_err rk_rights_portability(struct rk_reg *reg, const char *person_id,
                                         const char *request_id, rk_ts at,
                                         const struct rk_rights_views *views, struct rk_buf *json,
                                         struct rk_buf *csv, struct rk_error *msg);

/*
 * Art 16: sets the given fields of c (normalised) in register_id (NULL: every
 * register holding the person and declaring the category) with provenance
 * "data subject request #ID" from a source of the person. The old values are
 * overwritten, and provenance rows and organisation names no entry refers to
 * any more are deleted, so no old value survives. Refused for a restricted
 * person (lift the restriction first). Recipients are notified.
 */
RK_MUST_USE rk_err rk_rights_rectify(struct rk_reg *reg, const char *person_id,
                                     const char *request_id, const char *register_id,
                                     const struct rk_contact *c, rk_ts at, struct rk_error *msg);

/* What an erasure deleted and kept (counts of rows), and why it kept anything. */
struct rk_erase_report {
    int64_t entries, provenance, organisations;
    int64_t consent_events, consent_events_kept;
    int64_t contracts, contracts_kept;
    int64_t invoices, invoices_kept;
    int64_t signups, outbox, tasks;
    int64_t answers; /* answers awaiting download (core/answer.h), with their documents */
    int suppressed;  /* emails and phones put on the suppression list */
    int notices;     /* recipient notices queued (art 19) */
    bool person_deleted;
    struct rk_date invoices_until; /* the last keep_until of the kept invoices */
    char invoices_why[256], contracts_why[256], consent_why[128]; /* English; "" if none kept */
};

/*
 * Art 17: erases the person. The recipients are told first (while the
 * entries still say who holds the person), and the email and phone go onto
 * the suppression list (reason erasure) before anything is deleted. Each
 * category follows its declared erasure rule: invoices still within their
 * keep_until and contracts of a category declared kept stay, marked
 * restricted; the consent ledger of purposes declaring keep_evidence stays;
 * everything else of the person is deleted (entries, provenance and
 * organisation rows no entry uses any more, consent, contracts, invoices,
 * signups, outbox messages, tasks). The person row goes too when nothing is
 * kept, else it stays restricted. The audit chain keeps its events.
 */
RK_MUST_USE rk_err rk_rights_erase(struct rk_reg *reg, const char *person_id,
                                   const char *request_id, rk_ts at, struct rk_erase_report *out,
                                   struct rk_error *msg);

/*
 * What rk_rights_erase would do to the person now, read without writing anything (the
 * console's erasure preview). The same rules decide, by the same code: the keep rule of
 * each contract and invoice (counts.contracts_kept, invoices_kept, invoices_until and the
 * why texts), the consent ledgers kept as evidence (counts.consent_events_kept,
 * consent_why), the recipients told (rk_notify_who) and what is suppressed. counts holds
 * what would be deleted and kept (provenance and organisation rows are not counted ahead:
 * 0). registers[] are the registers whose entries go, with the fields held in each
 * (held[i], a bit per enum rk_field). RK_ENOENT for no such person; RK_ETOOBIG as
 * rk_rights_erase.
 */
#define RK_ERASE_PLAN_MAX 32
struct rk_erase_plan {
    struct rk_erase_report counts; /* suppressed: the emails and phones that would be added */
    const struct rk_register *registers[RK_ERASE_PLAN_MAX];
    unsigned held[RK_ERASE_PLAN_MAX];
    size_t nregisters;
    const struct rk_recipient *recipients[RK_ERASE_PLAN_MAX];
    size_t nrecipients;
    bool email, phone;         /* an email or phone is held (it goes onto the suppression list) */
    bool restricted, objected; /* the person's flags now */
    /* Of the invoices and contracts counted as deleted, those that go because their category
     * declares no keep rule (no erasure.keep_years) — for invoices, no statutory retention such
     * as the Accounting Act's (Kirjanpitolaki 1336/1997 2:10). The previews warn before they go. */
    int64_t invoices_undeclared, contracts_undeclared;
    /* Invoices that go although their category now declares a keep rule: recorded before it
     * was declared, they carry no keep-until date (the rule applies when an invoice is
     * recorded). The previews warn of them too. */
    int64_t invoices_unmarked;
};
RK_MUST_USE rk_err rk_rights_erase_plan(struct rk_reg *reg, const char *person_id, rk_ts at,
                                        struct rk_erase_plan *out, struct rk_error *msg);

/*
 * Retention (art 5(1)(e); art 17(1)(a): no longer necessary): erases the person from one
 * register, by the same per-category rules as rk_rights_erase, but as the controller's own
 * act, not the person's request: nothing goes onto the suppression list (the person may come
 * back). The recipients of register_id are told first (erasure notices without a request);
 * the entry goes with the provenance and organisation rows only it used; the person's
 * contracts and invoices of that register are restricted when their category keeps them
 * (invoices until keep_until) and deleted otherwise; then rk_rights_settle. Not audited here:
 * the caller records why. Runs in reg's batch or its own transaction. RK_ENOENT when the
 * person is not in the register. Whether a restricted person may be erased is the caller's
 * decision (the sweep leaves them: art 18(1)(c)).
 */
RK_MUST_USE rk_err rk_rights_erase_from(struct rk_reg *reg, const char *person_id,
                                        const char *register_id, rk_ts at,
                                        struct rk_erase_report *out, struct rk_error *msg);

/*
 * What is left of a person after a part of them was erased: nothing happens while the
 * person is in a register or has a pending signup. A person holding only contracts or
 * invoices (kept under a legal obligation) is restricted. Otherwise the rest goes as in
 * rk_rights_erase — consent ledger (but that of purposes keeping evidence, which restricts
 * the person instead), outbox messages, tasks — and the person row (out->person_deleted).
 * No person: RK_OK. Runs in the caller's transaction; adds to out.
 */
RK_MUST_USE rk_err rk_rights_settle(struct rk_reg *reg, const char *person_id,
                                    struct rk_erase_report *out);

/*
 * Art 18: on sets the restriction (the person leaves every audience, check,
 * export and recipient sync; every write but lifting is refused); !on lifts
 * it, queueing first, in the same transaction, an email telling the person
 * (or, with no email held, a task "restriction_lift_inform" for staff).
 * Recipients are notified either way. RK_EREFUSED when already in that state.
 */
RK_MUST_USE rk_err rk_rights_restrict(struct rk_reg *reg, const char *person_id,
                                      const char *request_id, bool on, rk_ts at,
                                      struct rk_error *msg);

/*
 * Art 21: direct_marketing withdraws every live or pending consent of every
 * consent-based purpose at once, sets the objection flag and puts the email
 * and phone on the suppression list (reason objection). Otherwise records a
 * task "objection_review" (due in a month, detail grounds) for staff to weigh
 * the grounds against the legitimate interest.
 */
RK_MUST_USE rk_err rk_rights_object(struct rk_reg *reg, const char *person_id,
                                    const char *request_id, bool direct_marketing,
                                    const char *grounds, rk_ts at, struct rk_error *msg);

/* The art 22 answer in lang (no newline): each declared profiling (art 4(4)), then the
 * automated decisions (rk_label_automated_answer); the access document quotes it. */
void rk_rights_automated_text(const struct rk_decl *decl, enum rk_lang lang, struct rk_buf *out);

/*
 * Art 22: appends to out the answer in lang (rk_rights_automated_text), from the
 * declaration's profiling and rights.automated_*, and records the request
 * (rights.automated) when person_id is given.
 */
RK_MUST_USE rk_err rk_rights_automated(struct rk_reg *reg, const char *person_id,
                                       const char *request_id, enum rk_lang lang, rk_ts at,
                                       struct rk_buf *out, struct rk_error *msg);

#endif
