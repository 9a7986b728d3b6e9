/*
 * test_rights.c — the data-subject rights (core/rights.c) over a real SQLite
 * store, with the example declaration (and a variant keeping invoices under
 * the Accounting Act) and tests/decls/full.yaml. After an erasure every table
 * is counted through a second, raw connection: only what the declaration
 * keeps (restricted), the suppression list, the audit chain and the queued
 * recipient notices may remain.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/audience.h"
#include "core/consent.h"
#include "core/notify.h"
#include "core/register.h"
#include "core/rights.h"
#include "keys/seal.h"
#include "mail/mail.h"
#include "regfix.h"
#include "testutil.h"
#include "views/access.h"

#define T0 "2025-01-15T10:00:00Z"
#define T1 "2025-06-01T09:00:00Z"

/* ---- Fixture (regfix.h) ------------------------------------------------------------------- */

static int setup_decl(void **state, struct rk_decl *decl) {
    return rkt_reg_setup_decl(state, "rights", decl);
}

static int setup_example(void **state) { return setup_decl(state, rkt_load_example()); }

static int setup_full(void **state) { return setup_decl(state, rkt_load("tests/decls/full.yaml")); }

/* The example, with billing data kept six years from the end of the invoice's calendar year. */
static int setup_accounting(void **state) {
    char *yaml = rkt_read("examples/smartum/declaration.yaml", NULL);
    const char *at = strstr(yaml, "    kind: billing\n");
    assert_non_null(at);
    const char *keep = "    erasure:\n"
                       "      keep_years: 6\n"
                       "      from: end_of_calendar_year\n"
                       "      obligation: {fi: Kirjanpitolaki 1336/1997 2:10, en: Accounting Act "
                       "1336/1997 2:10}\n";
    size_t head = (size_t)(at - yaml) + strlen("    kind: billing\n");
    size_t n = strlen(yaml) + strlen(keep) + 1;
    char *out = malloc(n);
    assert_non_null(out);
    snprintf(out, n, "%.*s%s%s", (int)head, yaml, keep, yaml + head);
    struct rk_decl *d = rkt_parse(out);
    free(out);
    free(yaml);
    return setup_decl(state, d);
}

/* ---- Helpers ---------------------------------------------------------------------------- */

#define MSG                          (rkt_clear(&f->msg))
#define EXPECT(call, want, fragment) RKT_EXPECT(f, call, want, fragment)

static struct rk_date date_of(const char *iso) {
    struct rk_date d = {0, 0, 0};
    if (!rk_date_parse(iso, &d))
        fail_msg("bad date %s", iso);
    return d;
}

static int64_t count(struct rkt_reg *f, const char *sql) {
    int64_t n = rkt_count(f, sql);
    if (n < 0)
        fail_msg("%s: failed", sql);
    return n;
}

/* ---- Reading back through the store ------------------------------------------------------- */

/* Art 19 notices in any state, of kind (for request_id, unless NULL); first: the lowest id
 * among those of person (0: none). */
struct notice_query {
    int kind; /* an enum rk_notice_kind, or -1: any */
    const char *request_id, *person_id;
    int64_t n, first;
};

static int notice_match(void *ctx, const struct rk_notice_row *r) {
    struct notice_query *q = ctx;
    if (q->kind >= 0 && (int)r->kind != q->kind)
        return 0;
    if (q->request_id && (!r->request_id || strcmp(r->request_id, q->request_id) != 0))
        return 0;
    if (q->person_id && strcmp(r->person_id, q->person_id) != 0)
        return 0;
    q->n++;
    if (q->first == 0 || r->id < q->first)
        q->first = r->id;
    return 0;
}

static struct notice_query notices(struct rkt_reg *f, int kind, const char *request_id,
                                   const char *person_id) {
    struct notice_query q = {kind, request_id, person_id, 0, 0};
    RKT_OK(f, rk_store_recipient_notice_list(f->peer, RK_NOTICE_STATE__COUNT, 100000, notice_match,
                                             &q));
    return q;
}

static int copy_notice(void *ctx, const struct rk_notice_row *r) {
    struct rk_notice_row *out = ctx;
    *out = *r;
    out->recipient = out->person_id = out->request_id = NULL;
    out->identity_email = out->remote_id = out->last_error = NULL;
    out->sealed = NULL;
    return 0;
}

/* One notice as read back (its numbers and state; no strings). */
static struct rk_notice_row notice_get(struct rkt_reg *f, int64_t id) {
    struct rk_notice_row r;
    memset(&r, 0, sizeof r);
    RKT_OK(f, rk_store_recipient_notice_get(f->peer, id, copy_notice, &r));
    assert_int_equal(r.id, id);
    return r;
}

struct sealed_query {
    int64_t id;
    bool found;
};

static int sealed_match(void *ctx, const struct rk_sealed_row *r) {
    struct sealed_query *q = ctx;
    q->found |= r->id == q->id;
    return 0;
}

/* Whether notice id holds a sealed identity. */
static bool notice_sealed(struct rkt_reg *f, int64_t id) {
    struct sealed_query q = {id, false};
    RKT_OK(f, rk_store_sealed_list(f->peer, RK_SEALED_NOTICE, 0, false, 0, sealed_match, &q));
    return q.found;
}

/* The person's restricted invoices kept until iso and tied to no contract. */
struct kept_query {
    struct rk_date until;
    int64_t n;
};

static int kept_match(void *ctx, const struct rk_invoice *i) {
    struct kept_query *q = ctx;
    q->n += i->restricted && rk_date_cmp(i->keep_until, q->until) == 0 && !i->contract_id[0];
    return 0;
}

static int64_t kept_invoices(struct rkt_reg *f, const char *person, const char *iso) {
    struct kept_query q = {rkt_day(iso), 0};
    RKT_OK(f, rk_store_invoices_of_person(f->peer, person, kept_match, &q));
    return q.n;
}

/* The person's consent events of kind through channel. */
struct event_query {
    enum rk_consent_kind kind;
    const char *channel;
    int64_t n;
};

static int event_match(void *ctx, const struct rk_consent_event *e) {
    struct event_query *q = ctx;
    q->n += e->kind == q->kind && e->channel && strcmp(e->channel, q->channel) == 0;
    return 0;
}

static int64_t events_of(struct rkt_reg *f, const char *person, enum rk_consent_kind kind,
                         const char *channel) {
    struct event_query q = {kind, channel, 0};
    RKT_OK(f, rk_store_consent_events(f->peer, person, event_match, &q));
    return q.n;
}

/* The person's open tasks of kind, due on iso, with detail. */
struct task_query {
    const char *kind, *detail;
    struct rk_date due;
    int64_t n;
};

static int task_match(void *ctx, const struct rk_task_view *t) {
    struct task_query *q = ctx;
    q->n += strcmp(t->kind, q->kind) == 0 && rk_date_cmp(t->due, q->due) == 0 && t->detail &&
            strcmp(t->detail, q->detail) == 0 && t->done_at == 0;
    return 0;
}

static int64_t open_tasks(struct rkt_reg *f, const char *person, const char *kind, const char *due,
                          const char *detail) {
    struct task_query q = {kind, detail, rkt_day(due), 0};
    RKT_OK(f, rk_store_tasks_of_person(f->peer, person, task_match, &q));
    return q.n;
}

/* Entries of register reg holding exactly this name and email. */
struct entry_query {
    const char *reg, *name, *email;
    int64_t n;
};

static int entry_match(void *ctx, const struct rk_entry *e) {
    struct entry_query *q = ctx;
    q->n += strcmp(e->register_id, q->reg) == 0 && e->v[RK_F_NAME] &&
            strcmp(e->v[RK_F_NAME], q->name) == 0 && e->v[RK_F_EMAIL] &&
            strcmp(e->v[RK_F_EMAIL], q->email) == 0;
    return 0;
}

static int64_t entries_named(struct rkt_reg *f, const char *reg, const char *name,
                             const char *email) {
    struct entry_query q = {reg, name, email, 0};
    RKT_OK(f, rk_store_entries_all(f->peer, entry_match, &q));
    return q.n;
}

/* Provenance matchers for rkt_provenance_count. */
struct prov_query {
    int source;         /* an enum rk_source_kind, or -1: any the person gave (not art 14) */
    const char *detail; /* NULL: any */
};

static bool prov_match(const struct rk_provenance *p, const void *arg) {
    const struct prov_query *q = arg;
    if (q->source >= 0 ? (int)p->source != q->source
                       : p->source == RK_SRC_PUBLIC_SOURCE || p->source == RK_SRC_THIRD_PARTY)
        return false;
    return !q->detail || (p->detail && strcmp(p->detail, q->detail) == 0);
}

struct queued {
    const unsigned char *key; /* the outbox subkey */
    const char *kind;
    char to[128];
};

static int take_queued(void *ctx, const struct rk_outbox_msg *m) {
    struct queued *q = ctx;
    char *plain = NULL;
    size_t n = 0;
    struct rk_mail_content c;
    if (strcmp(m->kind, q->kind) != 0)
        return 0;
    /* Opened as the sender opens it: under the outbox subkey, bound to its row. */
    assert_int_equal(rk_mail_open(q->key, m, &plain, &n, &c), RK_OK);
    snprintf(q->to, sizeof q->to, "%s", c.recipient);
    rk_seal_free(plain, n);
    return 1;
}

/* The address the queued message of kind is sealed to ("" when none is queued). */
static const char *queued_to(struct rkt_reg *f, const char *kind) {
    static struct queued q;
    q = (struct queued){.key = f->keys.outbox, .kind = kind, .to = ""};
    assert_int_equal(
        rk_store_outbox_due(f->store, rkt_ts("2100-01-01T00:00:00Z"), 100, take_queued, &q), RK_OK);
    return q.to;
}

static struct rk_consent_input consent_in(rk_ts at) {
    struct rk_consent_input in;
    memset(&in, 0, sizeof in);
    in.channel = "web_form";
    in.at = at;
    return in;
}

static struct rk_contact contact(const char *name, const char *email, const char *phone,
                                 const char *org) {
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = name;
    c.v[RK_F_EMAIL] = email;
    c.v[RK_F_PHONE] = phone;
    c.v[RK_F_ORGANISATION] = org;
    return c;
}

/* Example: a person found on a municipal web page (art 14 task), customer and subscriber. */
static void add_person_phone(struct rkt_reg *f, const char *email, const char *org,
                             const char *phone, char id[RK_ID_LEN + 1]) {
    struct rk_write w = {"customer", "sales_promotion", RK_SRC_PUBLIC_SOURCE,
                         "https://kunta.example/yhteystiedot", rkt_ts(T0)};
    struct rk_consent_input in = consent_in(rkt_ts(T0));
    in.channel = "phone";
    struct rk_contact c = contact("Matti Meikäläinen", email, phone, org);
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, &in, id, MSG));
    struct rk_write m = {"marketing", "sales_promotion", RK_SRC_WEB_FORM, "newsletter", rkt_ts(T0)};
    struct rk_contact mc = contact("Matti M", email, NULL, NULL);
    char same[RK_ID_LEN + 1];
    RKT_OK(f, rk_reg_person_add(&f->reg, &m, id, &mc, NULL, same, MSG));
}

static void add_example_person(struct rkt_reg *f, const char *email, const char *org,
                               char id[RK_ID_LEN + 1]) {
    add_person_phone(f, email, org, "+358401234567", id);
}

static void add_contract_invoice(struct rkt_reg *f, const char *reg, const char *purpose,
                                 const char *person, const char *number) {
    struct rk_write w = {reg, purpose, RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    char cid[RK_ID_LEN + 1], iid[RK_ID_LEN + 1];
    RKT_OK(f, rk_reg_contract_add(&f->reg, &w, person, "Lounasetu", date_of("2025-01-01"),
                                  (struct rk_date){0, 0, 0}, cid, MSG));
    RKT_OK(f, rk_reg_contract_change(&f->reg, cid, "service", "Lounasetu Plus", rkt_ts(T0), MSG));
    RKT_OK(f, rk_reg_invoice_add(&f->reg, &w, person, cid, number, date_of("2025-02-01"), 12900,
                                 "EUR", iid, MSG));
}

static int count_entry(void *ctx, const struct rk_entry *e) {
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static int audience_n(struct rkt_reg *f, const char *purpose, const char *at) {
    int n = 0;
    RKT_OK(f, rk_reg_audience(&f->reg, purpose, rkt_ts(at), count_entry, &n, MSG));
    return n;
}

/* Every table's rows, by name; a table not listed in allowed must be empty. The subject is
 * the database itself (what an erasure leaves in it, a table added later included), so
 * this reads its own table list with SQL: SQLite's file's, or the PostgreSQL schema's. */
struct allowed {
    const char *table;
    int64_t rows; /* -1: any number */
};

/* Checks one table's rows against allowed; the tables seen are counted in *tables. */
static void assert_table(struct rkt_reg *f, const char *name, const struct allowed *allowed,
                         size_t n, int *tables) {
    char sql[128];
    int64_t want = 0;
    for (size_t i = 0; i < n; i++)
        if (strcmp(allowed[i].table, name) == 0)
            want = allowed[i].rows;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM \"%s\"", name);
    int64_t got = count(f, sql);
    if (want >= 0 && got != want)
        fail_msg("table %s holds %lld rows, want %lld", name, (long long)got, (long long)want);
    (*tables)++;
}

static void assert_tables(struct rkt_reg *f, const struct allowed *allowed, size_t n) {
    int tables = 0;
    if (f->pg) { /* PostgreSQL: the tables of the test's schema */
        PGresult *r = PQexec(f->pg, "SELECT table_name FROM information_schema.tables WHERE "
                                    "table_schema = current_schema() AND table_type = "
                                    "'BASE TABLE'");
        assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
        for (int i = 0; i < PQntuples(r); i++) {
            const char *name = PQgetvalue(r, i, 0);
            /* the schema's version, the audit chain's head and the count of erasures not
             * yet rewritten out of the files, one row each: SQLite keeps the first two in
             * user_version and the audit table's last row, and needs no third */
            if (strcmp(name, "schema_version") != 0 && strcmp(name, "audit_head") != 0 &&
                strcmp(name, "erasure_pending") != 0)
                assert_table(f, name, allowed, n, &tables);
        }
        PQclear(r);
        assert_true(tables >= 16);
        return;
    }
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(f->raw,
                                        "SELECT name FROM sqlite_master WHERE type = 'table' "
                                        "AND name NOT LIKE 'sqlite_%'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW)
        assert_table(f, (const char *)sqlite3_column_text(st, 0), allowed, n, &tables);
    sqlite3_finalize(st);
    assert_true(tables >= 16);
}

/* ---- Erasure --------------------------------------------------------------------------- */

/* The rule: after erasure the person is gone from every table but the kept invoice,
 * restricted; and a re-import of the same email is refused. */
static void erase_keeps_only_the_invoice(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1], again[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", "Toiminimi Matti", id);
    add_contract_invoice(f, "customer", "customer_relationship", id, "2025-0001");
    /* An email queued to the person and a signup waiting for confirmation. */
    struct rk_signup *u = calloc(1, sizeof *u);
    assert_non_null(u);
    snprintf(u->person_id, sizeof u->person_id, "%s", id);
    snprintf(u->purpose, sizeof u->purpose, "sales_promotion");
    snprintf(u->form_id, sizeof u->form_id, "newsletter");
    u->v[RK_F_EMAIL] = "matti.work@example.fi"; /* submitted on a form, never confirmed */
    u->created_at = rkt_ts(T0);
    u->expires_at = rkt_ts(T1);
    assert_int_equal(rk_store_begin(f->store), RK_OK);
    assert_int_equal(rk_store_signup_put(f->store, u), RK_OK);
    struct rk_outbox_msg m = {.message_id = "eeeeeeeeeeeeeeeeeeeeeeeee1",
                              .person_id = id,
                              .kind = "confirm",
                              .recipient = "matti@example.fi",
                              .subject = "Vahvista",
                              .body = "Hei\n",
                              .created_at = rkt_ts(T0)};
    int64_t mid = 0;
    assert_int_equal(rk_store_outbox_enqueue(f->store, &m, &mid), RK_OK);
    assert_int_equal(rk_store_commit(f->store), RK_OK);
    free(u);
    assert_int_equal(rkt_census(f, NULL).tasks, 1); /* art 14 */

    struct rk_erase_report r;
    RKT_OK(f, rk_rights_erase(&f->reg, id, "REQ-1", rkt_ts(T1), &r, MSG));
    assert_int_equal(r.entries, 2);
    assert_int_equal(r.invoices_kept, 1);
    assert_int_equal(r.invoices, 0);
    assert_int_equal(r.contracts, 1);
    assert_int_equal(r.consent_events, 1);
    assert_int_equal(r.signups, 1);
    assert_int_equal(r.outbox, 1);
    assert_int_equal(r.tasks, 1);
    assert_int_equal(r.suppressed, 3);
    assert_int_equal(r.notices, 2);
    assert_int_equal(r.organisations, 1);
    assert_false(r.person_deleted);
    assert_non_null(strstr(r.invoices_why, "Accounting Act"));
    assert_int_equal(r.invoices_until.y, 2031);

    const struct allowed allowed[] = {{"person", 1},
                                      {"invoice", 1},
                                      {"suppression", 3},
                                      {"audit", -1},
                                      {"recipient_notice", 2},
                                      {"token", 0},
                                      {"key_state", 1}, /* the key generation: no personal data */
                                      /* counters by register and purpose (migration 0016) */
                                      {"search_state", 1},
                                      {"register_count", -1},
                                      {"purpose_count", -1}};
    assert_tables(f, allowed, sizeof allowed / sizeof allowed[0]);
    assert_int_equal(kept_invoices(f, id, "2031-12-31"), 1);
    assert_int_equal(rkt_census(f, NULL).persons_restricted, 1);
    assert_int_equal(notices(f, RK_NOTICE_ERASURE, "REQ-1", NULL).n, 2);
    assert_int_equal(rkt_audit_count(f, "rights.erase", NULL), 1);
    /* No audit row names a value. */
    assert_int_equal(rkt_audit_like(f, NULL, "%matti%") + rkt_audit_like(f, NULL, "%358%"), 0);

    /* Nothing brings the person back: not a new add, not the phone. */
    struct rk_write w = {"marketing", "sales_promotion", RK_SRC_WEB_FORM, NULL, rkt_ts(T1)};
    struct rk_consent_input in = consent_in(rkt_ts(T1));
    struct rk_contact c = contact("Matti", "matti@example.fi", NULL, NULL);
    EXPECT(rk_reg_person_add(&f->reg, &w, NULL, &c, &in, again, MSG), RK_EREFUSED,
           "suppression list");
    assert_true(f->msg.flags & RK_ERROR_SUPPRESSED);
    c.v[RK_F_EMAIL] = "matti.work@example.fi";
    EXPECT(rk_reg_person_add(&f->reg, &w, NULL, &c, &in, again, MSG), RK_EREFUSED,
           "suppression list");
    c.v[RK_F_EMAIL] = "matti@example.fi";
    struct rk_write wc = {"customer", "customer_relationship", RK_SRC_PHONE, NULL, rkt_ts(T1)};
    struct rk_contact pc = contact("M", NULL, "040 123 4567", NULL);
    assert_int_equal(rk_field_normalize(RK_F_PHONE, "040 123 4567", again, sizeof again, NULL),
                     RK_OK);
    pc.v[RK_F_PHONE] = "+358401234567";
    EXPECT(rk_reg_person_add(&f->reg, &wc, NULL, &pc, NULL, again, MSG), RK_EREFUSED,
           "suppression list");
    /* The kept person is restricted: no write reaches it, and no audience holds it. */
    EXPECT(rk_reg_person_add(&f->reg, &w, id, &c, &in, again, MSG), RK_EREFUSED, "");
    assert_int_equal(audience_n(f, "customer_relationship", T1), 0);
    assert_int_equal(audience_n(f, "sales_promotion", T1), 0);
}

/* With nothing kept, the person row goes too; what others share stays. */
static void erase_removes_person_and_unshared_rows(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1], other[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", "Yhteinen Oy", id);
    add_person_phone(f, "maija@example.fi", "Yhteinen Oy", "+358407654321", other);
    add_contract_invoice(f, "customer", "customer_relationship", id, "2025-0001");
    int64_t prov_before = rkt_census(f, NULL).provenance;
    struct rk_erase_report r;
    RKT_OK(f, rk_rights_erase(&f->reg, id, NULL, rkt_ts(T1), &r, MSG));
    assert_true(r.person_deleted);
    assert_int_equal(r.invoices, 1);
    assert_int_equal(r.invoices_kept, 0);
    assert_int_equal(r.organisations, 0); /* the other person's organisation stays */
    /* Yhteinen Oy stays, the other's: the one organisation, named by an entry. */
    assert_int_equal(rkt_census(f, NULL).organisations, 1);
    assert_int_equal(rkt_census(f, NULL).organisations_orphans, 0);
    assert_int_equal(rkt_entries_with(f, NULL, RK_F_ORGANISATION, "Yhteinen Oy"), 1);
    assert_int_equal(rkt_census(f, NULL).persons, 1);
    assert_int_equal(rkt_census(f, NULL).entries, 2);
    assert_int_equal(rkt_census(f, NULL).contracts, 0);
    assert_int_equal(rkt_census(f, NULL).invoices, 0);
    assert_int_equal(rkt_census(f, NULL).tasks, 1); /* the other's art 14 task */
    assert_true(rkt_census(f, NULL).provenance < prov_before);
    assert_int_equal(rkt_census(f, NULL).provenance_orphans, 0);
    /* The other person is untouched and still reachable. */
    assert_int_equal(audience_n(f, "sales_promotion", T1), 1);
    EXPECT(rk_rights_erase(&f->reg, id, NULL, rkt_ts(T1), &r, MSG), RK_ENOENT, "no person");
}

/* full.yaml keeps contracts (legal claims) and the marketing consent ledger as evidence. */
static void erase_keeps_declared_evidence(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1], same[RK_ID_LEN + 1];
    struct rk_write w = {"customer", "service", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    struct rk_contact c = contact("Aino", "aino@example.fi", NULL, NULL);
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, id, MSG));
    struct rk_write m = {"marketing", "marketing", RK_SRC_WEB_FORM, NULL, rkt_ts(T0)};
    struct rk_consent_input in = consent_in(rkt_ts(T0));
    RKT_OK(f, rk_reg_person_add(&f->reg, &m, id, &c, &in, same, MSG));
    in.at = rkt_ts("2025-02-01T00:00:00Z");
    RKT_OK(f, rk_reg_consent(&f->reg, id, "marketing", RK_CE_WITHDRAWN, &in, MSG));
    add_contract_invoice(f, "customer", "service", id, "F-1");
    struct rk_erase_report r;
    RKT_OK(f, rk_rights_erase(&f->reg, id, NULL, rkt_ts(T1), &r, MSG));
    assert_false(r.person_deleted);
    assert_int_equal(r.contracts_kept, 1);
    assert_int_equal(r.invoices_kept, 1);
    assert_int_equal(r.consent_events_kept, 2);
    assert_non_null(strstr(r.consent_why, "legal claims"));
    assert_int_equal(rkt_census(f, NULL).contracts_restricted, 1);
    assert_int_equal(rkt_census(f, NULL).consent_events, 2);
    assert_int_equal(rkt_census(f, NULL).consent_states, 1); /* derived from it */
    assert_int_equal(rkt_census(f, NULL).entries, 0);
    assert_int_equal(rkt_census(f, NULL).provenance, 0);
    /* The recipients of the register still holding the person: crm, books and support
     * (the marketing entry left with the withdrawal). */
    assert_int_equal(r.notices, 3);
}

/* ---- The erasure preview (the console): the same rules, nothing written ----------------- */

/* The preview of person id at T1, checked against the erasure that follows it. */
static void preview_then_erase(struct rkt_reg *f, const char *id) {
    struct rk_erase_plan *p = calloc(1, sizeof *p);
    assert_non_null(p);
    int64_t audit = rkt_census(f, NULL).audit;
    int64_t notices = rkt_census(f, NULL).notices;
    RKT_OK(f, rk_rights_erase_plan(&f->reg, id, rkt_ts(T1), p, MSG));
    /* Nothing written: not even the audit chain (the HTTP route audits the read). */
    assert_int_equal(rkt_census(f, NULL).audit, audit);
    assert_int_equal(rkt_census(f, NULL).notices, notices);
    assert_int_equal(rkt_census(f, NULL).suppressions, 0);
    struct rk_erase_report r;
    RKT_OK(f, rk_rights_erase(&f->reg, id, NULL, rkt_ts(T1), &r, MSG));
    assert_int_equal(p->counts.entries, r.entries);
    assert_int_equal(p->nregisters, (size_t)r.entries);
    assert_int_equal(p->counts.consent_events, r.consent_events);
    assert_int_equal(p->counts.consent_events_kept, r.consent_events_kept);
    assert_int_equal(p->counts.contracts, r.contracts);
    assert_int_equal(p->counts.contracts_kept, r.contracts_kept);
    assert_int_equal(p->counts.invoices, r.invoices);
    assert_int_equal(p->counts.invoices_kept, r.invoices_kept);
    assert_int_equal(rk_date_cmp(p->counts.invoices_until, r.invoices_until), 0);
    assert_string_equal(p->counts.invoices_why, r.invoices_why);
    assert_string_equal(p->counts.contracts_why, r.contracts_why);
    assert_string_equal(p->counts.consent_why, r.consent_why);
    assert_int_equal(p->counts.person_deleted, r.person_deleted);
    assert_int_equal(p->nrecipients, (size_t)r.notices);
    assert_true(p->email);
    free(p);
}

static void preview_agrees_with_erase_keeping_invoice(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", "Toiminimi Matti", id);
    add_contract_invoice(f, "customer", "customer_relationship", id, "2025-0001");
    struct rk_erase_plan p;
    RKT_OK(f, rk_rights_erase_plan(&f->reg, id, rkt_ts(T1), &p, MSG));
    assert_int_equal(p.counts.invoices_kept, 1);
    assert_int_equal(p.counts.invoices_until.y, 2031);
    assert_non_null(strstr(p.counts.invoices_why, "Accounting Act"));
    assert_false(p.counts.person_deleted);
    assert_true(p.phone);
    assert_int_equal(p.nregisters, 2);
    assert_string_equal(p.registers[0]->id, "customer");
    assert_true(p.held[0] & (1u << RK_F_PHONE));
    assert_false(p.held[1] & (1u << RK_F_PHONE)); /* the marketing entry holds no phone */
    assert_int_equal(p.nrecipients, 2);
    preview_then_erase(f, id);
}

static void preview_agrees_with_erase_deleting_all(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", "Yhteinen Oy", id);
    add_contract_invoice(f, "customer", "customer_relationship", id, "2025-0001");
    preview_then_erase(f, id);
    struct rk_erase_plan p;
    EXPECT(rk_rights_erase_plan(&f->reg, id, rkt_ts(T1), &p, MSG), RK_ENOENT, "no person");
}

static void preview_agrees_with_erase_keeping_evidence(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1], same[RK_ID_LEN + 1];
    struct rk_write w = {"customer", "service", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    struct rk_contact c = contact("Aino", "aino@example.fi", NULL, NULL);
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, id, MSG));
    struct rk_write m = {"marketing", "marketing", RK_SRC_WEB_FORM, NULL, rkt_ts(T0)};
    struct rk_consent_input in = consent_in(rkt_ts(T0));
    RKT_OK(f, rk_reg_person_add(&f->reg, &m, id, &c, &in, same, MSG));
    add_contract_invoice(f, "customer", "service", id, "F-1");
    struct rk_erase_plan p;
    RKT_OK(f, rk_rights_erase_plan(&f->reg, id, rkt_ts(T1), &p, MSG));
    assert_int_equal(p.counts.contracts_kept, 1);
    assert_non_null(strstr(p.counts.consent_why, "legal claims"));
    preview_then_erase(f, id);
}

/* The preview names the invoices and contracts that go only because their category declares no
 * keep rule (issue 16: "no statutory retention is declared and the invoices will go"): under
 * the example (no rule for billing or contracts) both; with the Accounting Act's rule for
 * billing, only the contract, and not an invoice whose declared period has already passed; with
 * both rules (full.yaml), none. */
static void preview_warns_of_what_no_keep_rule_keeps(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", "Yhteinen Oy", id);
    add_contract_invoice(f, "customer", "customer_relationship", id, "2025-0001");
    struct rk_erase_plan p;
    RKT_OK(f, rk_rights_erase_plan(&f->reg, id, rkt_ts(T1), &p, MSG));
    assert_int_equal(p.counts.invoices, 1);
    assert_int_equal(p.invoices_undeclared, 1);
    assert_int_equal(p.invoices_unmarked, 0);
    assert_int_equal(p.contracts_undeclared, 1);
}

static void preview_no_warning_for_kept_invoices(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1], iid[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", "Toiminimi Matti", id);
    add_contract_invoice(f, "customer", "customer_relationship", id, "2025-0001");
    /* Kept until 2024-12-31 (2018 + 6 years): past at T1, so it goes, but a rule was declared. */
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    RKT_OK(f, rk_reg_invoice_add(&f->reg, &w, id, NULL, "2018-0001", date_of("2018-03-01"), 100,
                                 "EUR", iid, MSG));
    struct rk_erase_plan p;
    RKT_OK(f, rk_rights_erase_plan(&f->reg, id, rkt_ts(T1), &p, MSG));
    assert_int_equal(p.counts.invoices_kept, 1);
    assert_int_equal(p.counts.invoices, 1);
    assert_int_equal(p.invoices_undeclared, 0);
    assert_int_equal(p.contracts_undeclared, 1); /* the example keeps no contracts */
}

/* An invoice recorded before the billing category declared its keep rule carries no keep-until
 * date and goes: the preview says so apart from the invoices no rule keeps. */
static void preview_warns_of_invoices_recorded_before_the_rule(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", "Yhteinen Oy", id);
    add_contract_invoice(f, "customer", "customer_relationship", id, "2025-0001");
    /* The declaration changes: billing is now kept (the example's category, in place). */
    struct rk_category *billing = NULL;
    for (size_t i = 0; i < f->decl->ncategories; i++)
        if (f->decl->categories[i].kind == RK_CAT_BILLING)
            billing = &f->decl->categories[i];
    if (!billing) { /* the example always declares billing data */
        fail_msg("no billing category in the example");
        return;
    }
    billing->erasure = (struct rk_erasure){.rule = RK_ERASE_KEEP, .keep_years = 6};
    struct rk_erase_plan p;
    RKT_OK(f, rk_rights_erase_plan(&f->reg, id, rkt_ts(T1), &p, MSG));
    assert_int_equal(p.counts.invoices, 1);
    assert_int_equal(p.invoices_undeclared, 0);
    assert_int_equal(p.invoices_unmarked, 1);
    billing->erasure = (struct rk_erasure){.rule = RK_ERASE_DELETE};
}

static void preview_no_warning_when_all_kept(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    struct rk_write w = {"customer", "service", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    struct rk_contact c = contact("Aino", "aino@example.fi", NULL, NULL);
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, id, MSG));
    add_contract_invoice(f, "customer", "service", id, "F-1");
    struct rk_erase_plan p;
    RKT_OK(f, rk_rights_erase_plan(&f->reg, id, rkt_ts(T1), &p, MSG));
    assert_int_equal(p.counts.invoices_kept + p.counts.contracts_kept, 2);
    assert_int_equal(p.invoices_undeclared, 0);
    assert_int_equal(p.contracts_undeclared, 0);
}

/* ---- The audience summary ---------------------------------------------------------------- */

static void audience_exclusion_reasons_in_order(void **state) {
    (void)state;
    rk_ts now = rkt_ts(T1);
    struct rk_audience_row r = {.consent = RK_CONSENT_LIVE};
    assert_int_equal(rk_audience_exclusion(&r, now), -1);
    r.expires_at = now; /* run out at this instant, the sweep not yet run */
    assert_int_equal(rk_audience_exclusion(&r, now), RK_EX_EXPIRED);
    r.expires_at = now + 1;
    assert_int_equal(rk_audience_exclusion(&r, now), -1);
    r.consent = RK_CONSENT_PENDING;
    assert_int_equal(rk_audience_exclusion(&r, now), RK_EX_NO_CONSENT);
    r.consent = RK_CONSENT_WITHDRAWN;
    assert_int_equal(rk_audience_exclusion(&r, now), RK_EX_WITHDRAWN);
    r.suppressed = true;
    assert_int_equal(rk_audience_exclusion(&r, now), RK_EX_SUPPRESSED);
    r.objected = true;
    assert_int_equal(rk_audience_exclusion(&r, now), RK_EX_OBJECTED);
    r.restricted = true;
    assert_int_equal(rk_audience_exclusion(&r, now), RK_EX_RESTRICTED);
    assert_string_equal(rk_audience_ex_id(RK_EX_NO_CONSENT), "no_consent");
}

static void audience_summary_counts_each_person_once(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c2[RK_ID_LEN + 1], d[RK_ID_LEN + 1];
    add_example_person(f, "a@example.fi", NULL, a); /* customer and marketing, live consent */
    add_person_phone(f, "b@example.fi", NULL, "+358407654321", b);
    add_person_phone(f, "c@example.fi", NULL, "+358407654322", c2);
    add_person_phone(f, "d@example.fi", NULL, "+358407654323", d);
    struct rk_consent_input in = consent_in(rkt_ts(T0));
    RKT_OK(f, rk_reg_consent(&f->reg, b, "sales_promotion", RK_CE_WITHDRAWN, &in, MSG));
    RKT_OK(f, rk_rights_restrict(&f->reg, c2, NULL, true, rkt_ts(T0), MSG));
    RKT_OK(f, rk_rights_object(&f->reg, d, NULL, true, NULL, rkt_ts(T0), MSG));
    struct rk_audience_summary s;
    RKT_OK(f, rk_audience_summarize(&f->reg, "sales_promotion", rkt_ts(T1), NULL, NULL, &s, MSG));
    assert_int_equal(s.count, audience_n(f, "sales_promotion", T1));
    assert_int_equal(s.count, 1);
    assert_int_equal(s.excluded[RK_EX_WITHDRAWN], 1);
    assert_int_equal(s.excluded[RK_EX_RESTRICTED], 1);
    assert_int_equal(s.excluded[RK_EX_OBJECTED], 1);
    assert_int_equal(s.excluded[RK_EX_NO_CONSENT], 0);
    EXPECT(rk_audience_summarize(&f->reg, "customer_relationship", rkt_ts(T1), NULL, NULL, &s, MSG),
           RK_EINVAL, "does not rest on consent");
    EXPECT(rk_audience_summarize(&f->reg, "nope", rkt_ts(T1), NULL, NULL, &s, MSG), RK_EINVAL,
           "not declared");
}

/* ---- Retrying a failed art 19 notice ----------------------------------------------------- */

static void notice_retry_seals_again_or_refuses(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1], gone[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", NULL, id);
    add_person_phone(f, "maija@example.fi", NULL, "+358407654321", gone);
    RKT_OK(f, rk_rights_restrict(&f->reg, id, NULL, true, rkt_ts(T0), MSG));
    struct rk_erase_report r;
    RKT_OK(f, rk_rights_erase(&f->reg, gone, NULL, rkt_ts(T0), &r, MSG));
    /* Every notice failed and forgot its identity: a state the deliverer reaches only over
     * time, planted with raw SQL. */
    rkt_exec(f, "UPDATE recipient_notice SET state = 'failed', sealed = NULL, "
                "done_at = '2025-02-01T00:00:00Z'");
    int64_t mine = notices(f, -1, NULL, id).first;
    int64_t erased = notices(f, -1, NULL, gone).first;
    assert_true(mine > 0 && erased > 0);
    RKT_OK(f, rk_notify_retry(&f->reg, mine, rkt_ts(T1), MSG));
    struct rk_notice_row n = notice_get(f, mine);
    assert_int_equal(n.state, RK_NOTICE_QUEUED);
    assert_true(notice_sealed(f, mine));
    assert_int_equal(n.next_attempt_at, rkt_ts(T1));
    assert_int_equal(rkt_audit_count(f, "notice.retry", NULL), 1);
    EXPECT(rk_notify_retry(&f->reg, mine, rkt_ts(T1), MSG), RK_ENOENT, "no failed notice");
    EXPECT(rk_notify_retry(&f->reg, erased, rkt_ts(T1), MSG), RK_EREFUSED, "by hand");
    EXPECT(rk_notify_retry(&f->reg, 999999, rkt_ts(T1), MSG), RK_ENOENT, "no failed notice");
    assert_int_equal(notice_get(f, erased).state, RK_NOTICE_FAILED); /* refused: as it was */
}

/* ---- Rectification ----------------------------------------------------------------------- */

static void rectify_overwrites_and_leaves_no_old_value(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", "Vanha Tmi", id);
    struct rk_contact c = contact("Matti Oikea", "matti.oikea@example.fi", NULL, "Uusi Oy");
    RKT_OK(f, rk_rights_rectify(&f->reg, id, "REQ-7", "customer", &c, rkt_ts(T1), MSG));
    assert_int_equal(entries_named(f, "customer", "Matti Oikea", "matti.oikea@example.fi"), 1);
    /* Vanha Tmi is gone: no entry names it, and no organisation is left unnamed. */
    assert_int_equal(rkt_entries_with(f, NULL, RK_F_ORGANISATION, "Vanha Tmi"), 0);
    assert_int_equal(rkt_census(f, NULL).organisations_orphans, 0);
    assert_int_equal(rkt_entries_with(f, NULL, RK_F_NAME, "Matti Meikäläinen"), 0);
    assert_int_equal(rkt_provenance_count(f, prov_match,
                                          &(struct prov_query){-1, "data subject request #REQ-7"}),
                     1);
    /* The phone still cites the public page; the marketing register has its own copy. */
    assert_int_equal(
        rkt_provenance_count(f, prov_match, &(struct prov_query){RK_SRC_PUBLIC_SOURCE, NULL}), 1);
    assert_int_equal(notices(f, RK_NOTICE_RECTIFICATION, NULL, NULL).n, 2);
    /* Every register at once: the marketing copy of the email follows. */
    struct rk_contact e = contact(NULL, "matti.oikea@example.fi", NULL, NULL);
    RKT_OK(f, rk_rights_rectify(&f->reg, id, NULL, NULL, &e, rkt_ts(T1), MSG));
    assert_int_equal(rkt_entries_with(f, NULL, RK_F_EMAIL, "matti@example.fi"), 0);
    assert_int_equal(
        rkt_provenance_count(f, prov_match, &(struct prov_query){RK_SRC_WEB_FORM, "newsletter"}),
        1); /* still the marketing name's */
    struct rk_contact none;
    memset(&none, 0, sizeof none);
    EXPECT(rk_rights_rectify(&f->reg, id, NULL, "customer", &none, rkt_ts(T1), MSG), RK_EINVAL,
           "at least one");
    RKT_OK(f, rk_rights_restrict(&f->reg, id, NULL, true, rkt_ts(T1), MSG));
    EXPECT(rk_rights_rectify(&f->reg, id, NULL, "customer", &c, rkt_ts(T1), MSG), RK_EREFUSED,
           "restricted");
}

/* ---- Restriction ------------------------------------------------------------------------- */

static void restriction_excludes_and_refuses(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1], out[RK_ID_LEN + 1], cid[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", NULL, id);
    struct rk_write cw = {"customer", "customer_relationship", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    RKT_OK(f, rk_reg_contract_add(&f->reg, &cw, id, "Lounasetu", date_of("2025-01-01"),
                                  (struct rk_date){0, 0, 0}, cid, MSG));
    assert_int_equal(audience_n(f, "sales_promotion", T1), 1);
    assert_int_equal(audience_n(f, "customer_relationship", T1), 1);
    RKT_OK(f, rk_rights_restrict(&f->reg, id, "REQ-2", true, rkt_ts(T1), MSG));
    EXPECT(rk_rights_restrict(&f->reg, id, NULL, true, rkt_ts(T1), MSG), RK_EREFUSED, "already");
    assert_int_equal(audience_n(f, "sales_promotion", T1), 0);
    assert_int_equal(audience_n(f, "customer_relationship", T1), 0);
    struct rk_contact_answer ans;
    RKT_OK(f, rk_reg_may_contact(&f->reg, RK_F_EMAIL, "matti@example.fi", "sales_promotion",
                                 rkt_ts(T1), &ans, MSG));
    assert_false(ans.allowed);
    assert_non_null(strstr(ans.reason, "restricted"));
    /* Every write path refuses. */
    struct rk_write uw = {"customer", "customer_relationship", RK_SRC_EMAIL, NULL, rkt_ts(T1)};
    struct rk_contact c = contact("Uusi", NULL, NULL, NULL);
    EXPECT(rk_reg_person_update(&f->reg, &uw, id, &c, MSG), RK_EREFUSED, "restricted");
    struct rk_consent_input in = consent_in(rkt_ts(T1));
    EXPECT(rk_reg_consent(&f->reg, id, "sales_promotion", RK_CE_GIVEN, &in, MSG), RK_EREFUSED,
           "restricted");
    EXPECT(rk_reg_consent(&f->reg, id, "sales_promotion", RK_CE_CONFIRMED, &in, MSG), RK_EREFUSED,
           "restricted");
    EXPECT(rk_reg_contract_add(&f->reg, &cw, id, "Virike", date_of("2025-06-01"),
                               (struct rk_date){0, 0, 0}, out, MSG),
           RK_EREFUSED, "restricted");
    EXPECT(rk_reg_contract_change(&f->reg, cid, "service", "X", rkt_ts(T1), MSG), RK_EREFUSED,
           "restricted");
    EXPECT(rk_reg_contract_end(&f->reg, cid, date_of("2025-06-30"), rkt_ts(T1), MSG), RK_EREFUSED,
           "restricted");
    EXPECT(rk_reg_invoice_add(&f->reg, &cw, id, NULL, "R-9", date_of("2025-06-01"), 100, "EUR", out,
                              MSG),
           RK_EREFUSED, "restricted");
    EXPECT(rk_rights_object(&f->reg, id, NULL, false, "x", rkt_ts(T1), MSG), RK_OK, "");
    assert_int_equal(notices(f, RK_NOTICE_RESTRICTION, NULL, NULL).n, 2);
    /* Lifting: the person is told first, in the same transaction. */
    RKT_OK(f, rk_rights_restrict(&f->reg, id, NULL, false, rkt_ts(T1), MSG));
    /* The queued mail's bytes at rest hold no address: the subject is the bytes at rest. */
    assert_int_equal(rkt_rows_holding(f, "outbox", "sealed", "matti"), 0);
    assert_string_equal(queued_to(f, "restriction_lifted"), "matti@example.fi");
    assert_int_equal(notices(f, RK_NOTICE_RESTRICTION_LIFTED, NULL, NULL).n, 2);
    assert_int_equal(audience_n(f, "sales_promotion", T1), 1);
    RKT_OK(f, rk_reg_person_update(&f->reg, &uw, id, &c, MSG));
    EXPECT(rk_rights_restrict(&f->reg, id, NULL, false, rkt_ts(T1), MSG), RK_EREFUSED, "not");
}

/* ---- Objection --------------------------------------------------------------------------- */

static void objection_to_direct_marketing_is_absolute(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", NULL, id);
    RKT_OK(f, rk_rights_object(&f->reg, id, "REQ-3", true, NULL, rkt_ts(T1), MSG));
    struct rk_consent_state st;
    assert_int_equal(rk_store_consent_state_get(f->store, id, "sales_promotion", &st), RK_OK);
    assert_int_equal(st.status, RK_CONSENT_WITHDRAWN);
    assert_int_equal(rkt_entries_in(f, "marketing"), 0);
    bool suppressed = false, objected = false;
    assert_int_equal(rk_reg_is_suppressed(&f->reg, RK_F_EMAIL, "matti@example.fi", &suppressed),
                     RK_OK);
    assert_true(suppressed);
    assert_int_equal(rk_reg_is_suppressed(&f->reg, RK_F_PHONE, "+358401234567", &suppressed),
                     RK_OK);
    assert_true(suppressed);
    assert_int_equal(rkt_census(f, NULL).suppressions_objection, 2);
    assert_int_equal(rk_store_person_exists(f->store, id, NULL, &objected), RK_OK);
    assert_true(objected);
    assert_int_equal(audience_n(f, "sales_promotion", T1), 0);
    struct rk_consent_input in = consent_in(rkt_ts(T1));
    EXPECT(rk_reg_consent(&f->reg, id, "sales_promotion", RK_CE_GIVEN, &in, MSG), RK_EREFUSED,
           "objected");
    assert_int_equal(events_of(f, id, RK_CE_WITHDRAWN, "objection"), 1);
}

static void objection_to_other_processing_is_a_task(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", NULL, id);
    EXPECT(rk_rights_object(&f->reg, id, NULL, false, "", rkt_ts(T1), MSG), RK_EINVAL, "grounds");
    EXPECT(rk_rights_object(&f->reg, id, NULL, false,
                            "en halua \xe2\x80\xae"
                            "profilointia",
                            rkt_ts(T1), MSG),
           RK_EINVAL, "grounds: contains a direction-control character");
    RKT_OK(f, rk_rights_object(&f->reg, id, NULL, false, "en halua profilointia", rkt_ts(T1), MSG));
    assert_int_equal(rkt_census(f, NULL).tasks, rkt_census(f, id).tasks); /* all the person's */
    assert_int_equal(open_tasks(f, id, "objection_review", "2025-07-01", "en halua profilointia"),
                     1);
    assert_int_equal(rkt_census(f, NULL).persons_objected, 0);
    assert_int_equal(audience_n(f, "sales_promotion", T1), 1);
}

/* ---- Access, portability, automated decisions ------------------------------------------------ */

static const char *jstr(json_t *o, const char *path0, const char *key) {
    json_t *v = json_object_get(json_object_get(o, path0), key);
    return json_string_value(v);
}

static void access_holds_every_art15_item(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", "A & <B> Oy", id);
    add_contract_invoice(f, "customer", "customer_relationship", id, "2025-0001");
    struct rk_buf j, h;
    rk_buf_init(&j);
    rk_buf_init(&h);
    RKT_OK(f, rk_rights_access(&f->reg, id, "REQ-4", RK_LANG_EN, rkt_ts(T1), &rk_rights_documents,
                               &j, &h, MSG));
    json_error_t err;
    json_t *doc = json_loadb(j.data, j.len, 0, &err);
    if (!doc)
        fail_msg("access JSON does not parse: %s at %d", err.text, err.position);
    static const char *const keys[] = {
        "controller",     "person",    "purposes",  "categories", "recipients",
        "retention",      "rights",    "complaint", "entries",    "consent_events",
        "consent_states", "contracts", "invoices",  "tasks",      "automated_decisions"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!json_object_get(doc, keys[i]))
            fail_msg("the access document lacks %s", keys[i]);
    assert_string_equal(jstr(doc, "complaint", "authority"),
                        "Office of the Data Protection Ombudsman");
    assert_string_equal(jstr(doc, "person", "id"), id);
    assert_int_equal(json_array_size(json_object_get(doc, "purposes")), 2);
    assert_int_equal(json_array_size(json_object_get(doc, "recipients")), 2);
    json_t *rec = json_array_get(json_object_get(doc, "recipients"), 0);
    assert_true(json_is_true(json_object_get(rec, "third_country")));
    assert_string_equal(json_string_value(json_object_get(rec, "country")), "US");
    assert_non_null(json_string_value(json_object_get(rec, "safeguards")));
    assert_false(
        json_is_true(json_object_get(json_object_get(doc, "automated_decisions"), "exists")));
    /* (g): the public source of the customer values, declared and as recorded. */
    json_t *entry = json_array_get(json_object_get(doc, "entries"), 0);
    json_t *value = json_array_get(json_object_get(entry, "values"), 0);
    json_t *src = json_object_get(value, "source");
    assert_string_equal(json_string_value(json_object_get(src, "kind")), "public_source");
    assert_string_equal(json_string_value(json_object_get(src, "declared")), "municipal web pages");
    assert_string_equal(json_string_value(json_object_get(src, "detail")),
                        "https://kunta.example/yhteystiedot");
    assert_int_equal(json_array_size(json_object_get(doc, "consent_events")), 1);
    assert_int_equal(json_array_size(json_object_get(doc, "contracts")), 1);
    assert_int_equal(json_array_size(json_object_get(doc, "invoices")), 1);
    assert_int_equal(json_array_size(json_object_get(doc, "tasks")), 1);
    json_decref(doc);

    assert_int_equal(rk_buf_status(&h), RK_OK);
    rk_buf_putc(&h, '\0');
    assert_true(strncmp(h.data, "<!DOCTYPE html>\n<html lang=\"en\">", 31) == 0);
    assert_null(strstr(h.data, "<script"));
    assert_non_null(strstr(h.data, "A &amp; &lt;B&gt; Oy"));
    assert_non_null(strstr(h.data, "municipal web pages"));
    assert_non_null(strstr(h.data, "Office of the Data Protection Ombudsman"));
    assert_non_null(strstr(h.data, "</html>\n"));
    rk_buf_cleanup(&j);
    rk_buf_cleanup(&h);
    assert_int_equal(rkt_audit_count(f, "rights.access", NULL), 1);

    /* Finnish. */
    rk_buf_init(&h);
    RKT_OK(f, rk_rights_access(&f->reg, id, NULL, RK_LANG_FI, rkt_ts(T1), &rk_rights_documents,
                               NULL, &h, MSG));
    rk_buf_putc(&h, '\0');
    assert_non_null(strstr(h.data, "<html lang=\"fi\">"));
    assert_non_null(strstr(h.data, "Tietosuojavaltuutetun toimisto"));
    assert_non_null(strstr(h.data, "kunnan www-sivut"));
    rk_buf_cleanup(&h);
    EXPECT(rk_rights_access(&f->reg, "aaaaaaaaaaaaaaaaaaaaaaaaaa", NULL, RK_LANG_FI, rkt_ts(T1),
                            &rk_rights_documents, NULL, NULL, MSG),
           RK_ENOENT, "no person");
}

static void portability_only_what_the_person_gave(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    add_example_person(f, "matti@example.fi", NULL, id);
    struct rk_buf j, c;
    rk_buf_init(&j);
    rk_buf_init(&c);
    RKT_OK(f,
           rk_rights_portability(&f->reg, id, NULL, rkt_ts(T1), &rk_rights_documents, &j, &c, MSG));
    json_error_t err;
    json_t *doc = json_loadb(j.data, j.len, 0, &err);
    assert_non_null(doc);
    json_t *regs = json_object_get(doc, "registers");
    /* The customer values came from a public page: not portable. */
    assert_int_equal(json_array_size(regs), 1);
    json_t *data = json_object_get(json_array_get(regs, 0), "data");
    assert_string_equal(json_string_value(json_object_get(data, "email")), "matti@example.fi");
    assert_string_equal(json_string_value(json_object_get(data, "name")), "Matti M");
    assert_null(json_object_get(data, "phone"));
    json_decref(doc);
    rk_buf_putc(&c, '\0');
    assert_true(strncmp(c.data, "register,category,value,provided_at,source\r\n", 44) == 0);
    assert_non_null(strstr(c.data, "marketing,email,matti@example.fi,"));
    assert_null(strstr(c.data, "customer,"));
    rk_buf_cleanup(&j);
    rk_buf_cleanup(&c);
}

static void automated_answer_follows_the_declaration(void **state) {
    struct rkt_reg *f = *state;
    struct rk_buf b;
    rk_buf_init(&b);
    RKT_OK(f, rk_rights_automated(&f->reg, NULL, NULL, RK_LANG_EN, rkt_ts(T1), &b, MSG));
    rk_buf_putc(&b, '\0');
    if (f->decl->rights.automated_decisions)
        assert_non_null(strstr(b.data, "We score leads."));
    else
        assert_non_null(strstr(b.data, "We make no decisions based solely on automated"));
    /* Profiling is never denied while a purpose declares it (the example's targeting). */
    if (rk_decl_profiles(f->decl))
        assert_null(strstr(b.data, "not used for profiling"));
    rk_buf_cleanup(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(preview_agrees_with_erase_keeping_invoice, setup_accounting,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(preview_warns_of_what_no_keep_rule_keeps, setup_example,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(preview_no_warning_for_kept_invoices, setup_accounting,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(preview_warns_of_invoices_recorded_before_the_rule,
                                        setup_example, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(preview_no_warning_when_all_kept, setup_full,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(preview_agrees_with_erase_deleting_all, setup_example,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(preview_agrees_with_erase_keeping_evidence, setup_full,
                                        rkt_reg_teardown),
        cmocka_unit_test(audience_exclusion_reasons_in_order),
        cmocka_unit_test_setup_teardown(audience_summary_counts_each_person_once, setup_example,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(notice_retry_seals_again_or_refuses, setup_example,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(erase_keeps_only_the_invoice, setup_accounting,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(erase_removes_person_and_unshared_rows, setup_example,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(erase_keeps_declared_evidence, setup_full,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(rectify_overwrites_and_leaves_no_old_value, setup_example,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(restriction_excludes_and_refuses, setup_example,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(objection_to_direct_marketing_is_absolute, setup_example,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(objection_to_other_processing_is_a_task, setup_example,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(access_holds_every_art15_item, setup_example,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(portability_only_what_the_person_gave, setup_example,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(automated_answer_follows_the_declaration, setup_example,
                                        rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(automated_answer_follows_the_declaration, setup_full,
                                        rkt_reg_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
