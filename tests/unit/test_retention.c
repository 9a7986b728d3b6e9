/*
 * test_retention.c — the sweep's retention rules (core/retention.c) over a
 * real SQLite store with tests/decls/full.yaml (customer register: grace 6m,
 * prospects 1y; invoices kept 6 years from the end of their calendar year,
 * contracts 10 years; recipients crm, books and support): the grace and
 * prospect boundaries a day either side, an open contract keeping its entry,
 * kept invoices and contracts restricted and then deleted after their period,
 * a person deleted when nothing remains (every table counted), art 19 notices
 * queued without a suppression, a restricted person held, finished mail and
 * notices deleted after 30 days, late tasks and requests flagged, the dry run
 * writing nothing and a second run doing nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/id.h"
#include "keys/keys.h"
#include "core/register.h"
#include "core/sweep.h"
#include "regfix.h"
#include "testutil.h"

#define T0 "2025-01-15T10:00:00Z"

static int setup(void **state) {
    return rkt_reg_setup(state, "retention", "tests/decls/full.yaml");
}

/* The example: its customer register also holds people on consent (sales_promotion), with
 * no grace after the relationship ends. */
static int setup_example(void **state) {
    return rkt_reg_setup(state, "retention", "examples/smartum/declaration.yaml");
}

/* Rows referring to the person in every kind that can (the audit chain and the art 19
 * notices excepted: they hold the pseudonymous id only, by design). */
static int64_t person_rows(struct rkt_reg *f, const char *id) {
    struct rk_census c = rkt_census(f, id);
    return c.persons + c.entries + c.consent_events + c.consent_states + c.contracts + c.invoices +
           c.signups + c.tasks + c.outbox;
}

/* Every row of every kind holding personal data. */
static int64_t all_rows(struct rkt_reg *f) {
    struct rk_census c = rkt_census(f, NULL);
    return c.persons + c.entries + c.provenance + c.organisations + c.consent_events +
           c.consent_states + c.contracts + c.contract_changes + c.invoices + c.signups + c.tasks +
           c.outbox + c.notices + c.suppressions + c.audit;
}

/* Queued art 19 erasure notices not tied to a request (the sweep's own). */
static int erasure_notice(void *ctx, const struct rk_notice_row *n) {
    *(int64_t *)ctx += n->kind == RK_NOTICE_ERASURE && !n->request_id;
    return 0;
}

static int64_t sweep_erasure_notices(struct rkt_reg *f) {
    int64_t n = 0;
    RKT_OK(f,
           rk_store_recipient_notice_list(f->peer, RK_NOTICE_QUEUED, 100000, erasure_notice, &n));
    return n;
}

/* The notices still holding a sealed identity. */
static int sealed_row(void *ctx, const struct rk_sealed_row *r) {
    (void)r;
    (*(int64_t *)ctx)++;
    return 0;
}

static int64_t sealed_notices(struct rkt_reg *f) {
    int64_t n = 0;
    RKT_OK(f, rk_store_sealed_list(f->peer, RK_SEALED_NOTICE, 0, false, 0, sealed_row, &n));
    return n;
}

/* Writes a request as it stands (received on the day of received, web, Finnish, created by
 * "x"), for person (NULL: not matched), in a transaction of its own. */
static void plant_request(struct rkt_reg *f, const char *id, enum rk_request_type type,
                          enum rk_request_status status, const char *person, const char *received,
                          const char *due) {
    struct rk_request *q = calloc(1, sizeof *q);
    assert_non_null(q);
    snprintf(q->id, sizeof q->id, "%s", id);
    q->type = type;
    q->status = status;
    q->channel = RK_RQC_WEB;
    q->lang = RK_LANG_FI;
    snprintf(q->person_id, sizeof q->person_id, "%s", person ? person : "");
    q->received_at = rkt_ts(received);
    q->received_on = rk_ts_date(q->received_at);
    q->due = rkt_day(due);
    q->created_by = "x";
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_store_request_insert(f->store, q));
    RKT_OK(f, rk_store_commit(f->store));
    free(q);
}

/* The person's restricted invoices kept until the date iso. */
struct kept {
    struct rk_date until;
    int64_t n;
};

static int kept_invoice(void *ctx, const struct rk_invoice *i) {
    struct kept *k = ctx;
    k->n += i->restricted && rk_date_cmp(i->keep_until, k->until) == 0;
    return 0;
}

static int64_t kept_invoices(struct rkt_reg *f, const char *person, const char *iso) {
    struct kept k = {rkt_day(iso), 0};
    RKT_OK(f, rk_store_invoices_of_person(f->peer, person, kept_invoice, &k));
    return k.n;
}

static bool restricted(struct rkt_reg *f, const char *id) {
    bool r = false, o = false;
    assert_int_equal(rk_store_person_exists(f->store, id, &r, &o), RK_OK);
    return r;
}

static bool in_register(struct rkt_reg *f, const char *id) {
    struct rk_entry *e = malloc(sizeof *e);
    assert_non_null(e);
    rk_err err = rk_store_entry_get(f->store, "customer", id, e);
    free(e);
    return err == RK_OK;
}

/* A customer-register person added at `at` (a prospect until a contract). */
static void customer(struct rkt_reg *f, const char *email, const char *at, char id[RK_ID_LEN + 1]) {
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = "Asiakas Esimerkki";
    c.v[RK_F_EMAIL] = email;
    struct rk_write w = {"customer", "service", RK_SRC_CONTRACT, NULL, rkt_ts(at)};
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, id, &f->msg));
}

static void contract(struct rkt_reg *f, const char *person, const char *start, const char *end,
                     char id[RK_ID_LEN + 1]) {
    struct rk_write w = {"customer", "service", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    RKT_OK(f, rk_reg_contract_add(&f->reg, &w, person, "Palvelu", rkt_day(start),
                                  end ? rkt_day(end) : (struct rk_date){0, 0, 0}, id, &f->msg));
}

static void invoice(struct rkt_reg *f, const char *person, const char *contract_id,
                    const char *number, const char *date) {
    char id[RK_ID_LEN + 1];
    struct rk_write w = {"customer", "accounting", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    RKT_OK(f, rk_reg_invoice_add(&f->reg, &w, person, contract_id, number, rkt_day(date), 12000,
                                 "EUR", id, &f->msg));
}

static struct rk_sweep_counts sweep(struct rkt_reg *f, const char *at, bool dry_run) {
    struct rk_sweep_counts n;
    RKT_OK(f, rk_sweep_run(&f->reg, rkt_ts(at), dry_run, &n, &f->msg));
    return n;
}

/* ---- Rule 1: entries ------------------------------------------------------------------------ */

static void grace_boundary(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    customer(f, "ended@example.fi", T0, a);
    contract(f, a, "2025-01-15", "2025-06-30", c);
    /* Ended 30 June; grace 6 months: a customer through 30 December. */
    struct rk_sweep_counts n = sweep(f, "2025-12-30T23:59:59Z", false);
    assert_int_equal(n.retention.entries_erased, 0);
    assert_true(in_register(f, a));
    n = sweep(f, "2025-12-31T00:00:00Z", false);
    assert_int_equal(n.retention.entries_erased, 1);
    assert_false(in_register(f, a));
    /* The contract category is kept 10 years (restricted); no invoices. */
    assert_int_equal(n.retention.records_kept, 1);
    assert_int_equal(n.retention.persons_deleted, 0);
    assert_true(restricted(f, a));
    assert_int_equal(rkt_census(f, NULL).contracts_restricted, 1);
    assert_int_equal(rkt_audit_like(f, "sweep.entry_erased", "register customer;%"), 1);
    assert_int_equal(rkt_audit_like(f, "sweep.run", "%erased=1 persons=0%"), 1);
}

static void open_contract_keeps_entry(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    customer(f, "open@example.fi", T0, a);
    contract(f, a, "2025-01-15", NULL, c);
    customer(f, "both@example.fi", T0, b);
    contract(f, b, "2020-01-01", "2020-12-31", c);
    contract(f, b, "2025-01-15", NULL, c);
    struct rk_sweep_counts n = sweep(f, "2045-01-01T00:00:00Z", false);
    assert_int_equal(n.retention.entries_erased, 0);
    assert_true(in_register(f, a));
    assert_true(in_register(f, b));
}

static void prospect_period(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    int64_t before = all_rows(f);
    customer(f, "prospect@example.fi", T0, a);
    customer(f, "later@example.fi", "2025-06-01T00:00:00Z", b);
    /* prospects: 1y from since (15 Jan 2025): kept through 15 Jan 2026. */
    assert_int_equal(sweep(f, "2026-01-15T23:00:00Z", false).retention.entries_erased, 0);
    struct rk_sweep_counts n = sweep(f, "2026-01-16T00:00:00Z", false);
    assert_int_equal(n.retention.entries_erased, 1);
    assert_int_equal(n.retention.persons_deleted, 1);
    assert_int_equal(n.retention.notices_queued, 3); /* crm, books, support */
    assert_int_equal(person_rows(f, a), 0);
    assert_true(in_register(f, b));
    assert_int_equal(rkt_census(f, NULL).suppressions, 0);
    assert_int_equal(sweep_erasure_notices(f), 3);
    assert_true(n.checkpointed);
    /* b goes too; then only the audit chain and the notices are left. */
    n = sweep(f, "2026-06-02T00:00:00Z", false);
    assert_int_equal(n.retention.persons_deleted, 1);
    assert_int_equal(person_rows(f, b), 0);
    assert_int_equal(rkt_census(f, NULL).provenance + rkt_census(f, NULL).persons +
                         rkt_census(f, NULL).entries,
                     0);
    assert_true(all_rows(f) > before);
    assert_int_equal(all_rows(f) - rkt_census(f, NULL).audit - rkt_census(f, NULL).notices, 0);
}

static void restricted_person_held(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    customer(f, "held@example.fi", T0, a);
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_store_person_flags_set(f->store, a, true, false));
    RKT_OK(f, rk_store_commit(f->store));
    struct rk_sweep_counts n = sweep(f, "2027-01-01T00:00:00Z", false);
    assert_int_equal(n.retention.entries_erased, 0);
    assert_int_equal(n.retention.held_restricted, 1);
    assert_true(in_register(f, a));
}

/* A person with a request still open (here an access request) is answered on the data as it
 * stands: the sweep leaves their entry until the request is completed or rejected. */
static void open_request_holds_entry(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    customer(f, "asking@example.fi", T0, a);
    contract(f, a, "2025-01-15", "2025-06-30", c);
    plant_request(f, "R-EEEEEEEEEEEE", RK_RQ_ACCESS, RK_RQS_VERIFIED, a, "2025-12-20T00:00:00Z",
                  "2026-01-20");
    struct rk_sweep_counts n = sweep(f, "2026-01-05T00:00:00Z", false);
    assert_int_equal(n.retention.entries_erased, 0);
    assert_int_equal(n.retention.held_request, 1);
    assert_true(in_register(f, a));
    struct rk_request *q = calloc(1, sizeof *q);
    assert_non_null(q);
    RKT_OK(f, rk_store_request_get(f->store, "R-EEEEEEEEEEEE", q));
    q->status = RK_RQS_COMPLETED;
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_store_request_update(f->store, q));
    RKT_OK(f, rk_store_commit(f->store));
    free(q);
    n = sweep(f, "2026-01-05T00:00:00Z", false);
    assert_int_equal(n.retention.held_request, 0);
    assert_int_equal(n.retention.entries_erased, 1);
    assert_false(in_register(f, a));
}

static void live_consent_keeps_entry(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    struct rk_contact ct;
    memset(&ct, 0, sizeof ct);
    ct.v[RK_F_NAME] = "Suostunut";
    ct.v[RK_F_EMAIL] = "consents@example.fi";
    struct rk_write w = {"customer", "sales_promotion", RK_SRC_WEB_FORM, NULL, rkt_ts(T0)};
    struct rk_consent_input in;
    memset(&in, 0, sizeof in);
    in.channel = "web_form";
    in.lang = RK_LANG_FI;
    in.at = rkt_ts(T0);
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &ct, &in, a, &f->msg));
    struct rk_write wc = {"customer", "customer_relationship", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    RKT_OK(f, rk_reg_contract_add(&f->reg, &wc, a, "Palvelu", rkt_day("2025-01-15"),
                                  rkt_day("2025-03-31"), c, &f->msg));
    ct.v[RK_F_EMAIL] = "contract@example.fi";
    w.purpose = "customer_relationship";
    w.source = RK_SRC_CONTRACT;
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &ct, NULL, b, &f->msg));
    RKT_OK(f, rk_reg_contract_add(&f->reg, &wc, b, "Palvelu", rkt_day("2025-01-15"),
                                  rkt_day("2025-03-31"), c, &f->msg));
    /* No grace: both are past the end on 1 April; the consent (2 years) keeps a. */
    struct rk_sweep_counts n = sweep(f, "2025-04-01T00:00:00Z", false);
    assert_int_equal(n.retention.entries_erased, 1);
    assert_int_equal(n.retention.held_consent, 1);
    assert_true(in_register(f, a));
    assert_false(in_register(f, b));
    assert_int_equal(n.retention.notices_queued, 2); /* salesforce, mailchimp */
    assert_int_equal(n.retention.persons_deleted, 1);
}

/* ---- Rule 2: kept records ------------------------------------------------------------------- */

static void kept_invoice_then_contract_then_person(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    customer(f, "billed@example.fi", T0, a);
    contract(f, a, "2020-01-01", "2020-06-30", c);
    invoice(f, a, c, "2020-001", "2020-03-01"); /* keep_until 2026-12-31 */
    invoice(f, a, NULL, "2020-002", "2020-05-01");
    struct rk_sweep_counts n = sweep(f, "2021-01-01T00:00:00Z", false);
    assert_int_equal(n.retention.entries_erased, 1);
    assert_int_equal(n.retention.records_kept, 3);
    assert_true(restricted(f, a));
    assert_int_equal(rkt_census(f, NULL).invoices, 2); /* a's, below */
    assert_int_equal(kept_invoices(f, a, "2026-12-31"), 2);
    /* The kept invoices keep the person, through their keep_until. */
    n = sweep(f, "2026-12-31T12:00:00Z", false);
    assert_int_equal(n.retention.invoices_deleted, 0);
    assert_int_equal(person_rows(f, a), 4); /* person, contract, two invoices */
    n = sweep(f, "2027-01-01T00:00:00Z", false);
    assert_int_equal(n.retention.invoices_deleted, 2);
    assert_int_equal(n.retention.contracts_deleted, 0); /* its own 10 years: to 2030-06-30 */
    assert_int_equal(n.retention.persons_deleted, 0);
    assert_int_equal(person_rows(f, a), 2);
    assert_int_equal(rkt_audit_count(f, "sweep.invoice_deleted", NULL), 2);
    assert_int_equal(sweep(f, "2030-06-30T12:00:00Z", false).retention.contracts_deleted, 0);
    n = sweep(f, "2030-07-01T00:00:00Z", false);
    assert_int_equal(n.retention.contracts_deleted, 1);
    assert_int_equal(n.retention.persons_deleted, 1);
    assert_int_equal(person_rows(f, a), 0);
    assert_int_equal(rkt_census(f, NULL).contract_changes, 0);
    assert_int_equal(rkt_audit_count(f, "sweep.person_deleted", NULL), 1);
}

/* ---- Rule 3: mail and notices ---------------------------------------------------------------- */

static void finished_mail_and_notices(void **state) {
    struct rkt_reg *f = *state;
    int64_t sent = 0, queued = 0;
    struct rk_outbox_msg m = {.message_id = "m1",
                              .kind = "confirm",
                              .recipient = "someone@example.fi",
                              .subject = "s",
                              .body = "b",
                              .created_at = rkt_ts(T0)};
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_store_outbox_enqueue(f->store, &m, &sent));
    m.message_id = "m2";
    RKT_OK(f, rk_store_outbox_enqueue(f->store, &m, &queued));
    RKT_OK(f, rk_store_outbox_mark_sent(f->store, sent, rkt_ts(T0)));
    struct rk_recipient_notice n1 = {
        .recipient = "crm", .person_id = "P1", .kind = RK_NOTICE_ERASURE, .created_at = rkt_ts(T0)};
    struct rk_recipient_notice n2 = n1, n3 = n1;
    static const unsigned char sealed[] = {1, 2, 3, 4}; /* the store does not look inside */
    RKT_OK(f, rk_store_recipient_notice_add(f->store, &n1));
    RKT_OK(f, rk_store_recipient_notice_add(f->store, &n2));
    RKT_OK(f, rk_store_recipient_notice_add(f->store, &n3));
    RKT_OK(f, rk_store_sealed_set(f->store, RK_SEALED_NOTICE, n1.id, sealed, sizeof sealed));
    RKT_OK(f, rk_store_sealed_set(f->store, RK_SEALED_NOTICE, n2.id, sealed, sizeof sealed));
    RKT_OK(f, rk_store_sealed_set(f->store, RK_SEALED_NOTICE, n3.id, sealed, sizeof sealed));
    RKT_OK(f, rk_store_recipient_notice_mark_done(f->store, n1.id, rkt_ts(T0)));
    RKT_OK(f, rk_store_recipient_notice_mark_final(f->store, n2.id, RK_NOTICE_UNSUPPORTED,
                                                   rkt_ts(T0), "no connector"));
    RKT_OK(f, rk_store_commit(f->store));
    /* The delivered and the unsupported notice's sealed address are gone already, without
     * waiting for the sweep; the queued one keeps it. */
    assert_int_equal(sealed_notices(f), 1);
    struct rk_sweep_counts n = sweep(f, "2025-02-14T09:00:00Z", false); /* 29 days 23 h */
    assert_int_equal(n.retention.mail_deleted, 0);
    assert_int_equal(n.retention.notices_deleted, 0);
    assert_int_equal(sweep(f, "2025-02-14T10:00:01Z", true).retention.mail_deleted, 1);
    n = sweep(f, "2025-02-14T10:00:01Z", false);
    assert_int_equal(n.retention.mail_deleted, 1);
    assert_int_equal(n.retention.notices_deleted, 2);
    assert_true(n.checkpointed);
    assert_int_equal(rkt_census(f, NULL).outbox_queued, 1);
    assert_int_equal(rkt_census(f, NULL).outbox, 1);
    assert_int_equal(rkt_census(f, NULL).notices_queued, 1);
    assert_int_equal(rkt_audit_count(f, "sweep.mail_deleted", NULL) +
                         rkt_audit_count(f, "sweep.notices_deleted", NULL),
                     2);
}

/* ---- Rule 4: flags ----------------------------------------------------------------------------
 */

static void flags_counted_not_changed(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    customer(f, "flagged@example.fi", T0, a);
    contract(f, a, "2025-01-15", NULL, (char[RK_ID_LEN + 1]){0});
    struct rk_task t = {
        .kind = "art14_inform", .due = rkt_day("2025-02-14"), .created_at = rkt_ts(T0)};
    rk_id_new(t.id);
    snprintf(t.person_id, sizeof t.person_id, "%s", a);
    struct rk_task later = t;
    rk_id_new(later.id);
    later.due = rkt_day("2025-03-30");
    RKT_OK(f, rk_store_begin(f->store));
    RKT_OK(f, rk_store_task_insert(f->store, &t));
    RKT_OK(f, rk_store_task_insert(f->store, &later));
    RKT_OK(f, rk_store_commit(f->store));
    plant_request(f, "R-AAAAAAAAAAAA", RK_RQ_ACCESS, RK_RQS_RECEIVED, NULL, "2025-01-01T00:00:00Z",
                  "2025-02-01");
    plant_request(f, "R-BBBBBBBBBBBB", RK_RQ_ERASURE, RK_RQS_VERIFIED, NULL, "2025-01-20T00:00:00Z",
                  "2025-02-20");
    plant_request(f, "R-CCCCCCCCCCCC", RK_RQ_ACCESS, RK_RQS_RECEIVED, NULL, "2025-02-10T00:00:00Z",
                  "2025-03-10");
    plant_request(f, "R-DDDDDDDDDDDD", RK_RQ_ACCESS, RK_RQS_COMPLETED, NULL, "2025-01-01T00:00:00Z",
                  "2025-02-01");
    int64_t audit = rkt_census(f, NULL).audit;
    struct rk_sweep_counts n = sweep(f, "2025-02-15T08:00:00Z", false);
    assert_int_equal(n.retention.art14_overdue, 1);
    assert_int_equal(n.retention.ntasks, 1);
    assert_string_equal(n.retention.tasks[0].id, t.id);
    assert_int_equal(n.retention.requests_overdue, 1);
    assert_int_equal(n.retention.requests_due_soon, 1);
    assert_int_equal(n.retention.nrequests, 2);
    assert_string_equal(n.retention.requests[0].id, "R-AAAAAAAAAAAA");
    assert_true(n.retention.requests[0].overdue);
    assert_string_equal(n.retention.requests[1].id, "R-BBBBBBBBBBBB");
    assert_false(n.retention.requests[1].overdue);
    /* Flags alone change nothing and write no audit event. */
    assert_int_equal(rkt_census(f, NULL).audit, audit);
    assert_int_equal(rkt_census(f, NULL).tasks_open, 2);
}

/* ---- Dry run and idempotence ------------------------------------------------------------------
 */

static void dry_run_counts_exactly_and_writes_nothing(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    customer(f, "p1@example.fi", T0, a);
    customer(f, "p2@example.fi", T0, b);
    contract(f, b, "2020-01-01", "2020-06-30", c);
    invoice(f, b, c, "2020-010", "2020-03-01");
    int64_t rows = all_rows(f);
    struct rk_sweep_counts d = sweep(f, "2027-06-01T00:00:00Z", true);
    assert_int_equal(all_rows(f), rows);
    assert_true(in_register(f, a));
    assert_false(restricted(f, b));
    struct rk_sweep_counts n = sweep(f, "2027-06-01T00:00:00Z", false);
    assert_int_equal(d.retention.entries_erased, 2);
    assert_int_equal(n.retention.entries_erased, d.retention.entries_erased);
    assert_int_equal(n.retention.persons_deleted, d.retention.persons_deleted);
    assert_int_equal(n.retention.invoices_deleted, d.retention.invoices_deleted);
    assert_int_equal(n.retention.records_kept, d.retention.records_kept);
    assert_int_equal(n.retention.notices_queued, d.retention.notices_queued);
    assert_int_equal(n.retention.persons_deleted, 1);
    /* The invoice's keep_until (2026-12-31) has passed: erased with the entry, not kept; the
     * contract is kept (10 years), restricted. */
    assert_int_equal(n.retention.records_kept, 1);
    assert_int_equal(rkt_census(f, NULL).invoices, 0);
    assert_true(restricted(f, b));
}

static void second_run_does_nothing(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    customer(f, "q1@example.fi", T0, a);
    customer(f, "q2@example.fi", T0, b);
    contract(f, b, "2020-01-01", "2020-06-30", c);
    invoice(f, b, c, "2020-020", "2020-03-01");
    struct rk_sweep_counts n = sweep(f, "2026-06-01T00:00:00Z", false);
    assert_int_equal(n.retention.entries_erased, 2);
    int64_t rows = all_rows(f);
    n = sweep(f, "2026-06-01T00:00:00Z", false);
    assert_int_equal(n.retention.entries_erased + n.retention.persons_deleted +
                         n.retention.invoices_deleted + n.retention.contracts_deleted +
                         n.retention.mail_deleted + n.retention.notices_deleted,
                     0);
    assert_int_equal(all_rows(f), rows);
}

static void more_than_one_batch(void **state) {
    struct rkt_reg *f = *state;
    enum { N = RK_RETENTION_BATCH + 3 };
    char id[RK_ID_LEN + 1], email[64];
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    for (int i = 0; i < N; i++) {
        snprintf(email, sizeof email, "b%d@example.fi", i);
        customer(f, email, T0, id);
    }
    RKT_OK(f, rk_reg_batch_commit(&f->reg));
    assert_int_equal(sweep(f, "2026-02-01T00:00:00Z", true).retention.entries_erased, N);
    struct rk_sweep_counts n = sweep(f, "2026-02-01T00:00:00Z", false);
    assert_int_equal(n.retention.entries_erased, N);
    assert_int_equal(n.retention.persons_deleted, N);
    assert_int_equal(rkt_census(f, NULL).persons, 0);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, rkt_reg_teardown)
    const struct CMUnitTest tests[] = {
        T(grace_boundary),
        T(open_contract_keeps_entry),
        T(prospect_period),
        T(restricted_person_held),
        T(open_request_holds_entry),
        cmocka_unit_test_setup_teardown(live_consent_keeps_entry, setup_example, rkt_reg_teardown),
        T(kept_invoice_then_contract_then_person),
        T(finished_mail_and_notices),
        T(flags_counted_not_changed),
        T(dry_run_counts_exactly_and_writes_nothing),
        T(second_run_does_nothing),
        T(more_than_one_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
