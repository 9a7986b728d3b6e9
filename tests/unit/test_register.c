/*
 * test_register.c — the write rules of the registers (core/register.c) over a
 * real SQLite store in a temporary directory, with the example declaration
 * and tests/decls/full.yaml. Every refusal is provoked once, checked for its
 * code and a distinctive part of its message, and followed by a look at the
 * database (a row count of every table) to show that nothing was written.
 * Tests marked "BUG" expose defects in register.c or the store; they are kept
 * failing on purpose until the code is fixed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/consent.h"
#include "base/id.h"
#include "keys/keys.h"
#include "core/register.h"
#include "regfix.h"
#include "testutil.h"
#include "views/notice_digest.h"

/* The instant most writes happen at, and the example's consent expiry (2 years later). */
#define T0         "2025-01-15T10:00:00Z"
#define T0_PLUS_2Y "2027-01-15T10:00:00Z"
#define NO_SUCH_ID "aaaaaaaaaaaaaaaaaaaaaaaaaa"

static int setup_with(void **state, const char *decl_path) {
    return rkt_reg_setup(state, "register", decl_path);
}

static int setup_example(void **state) {
    return setup_with(state, "examples/smartum/declaration.yaml");
}

static int setup_full(void **state) { return setup_with(state, "tests/decls/full.yaml"); }

/* tests/decls/full.yaml (whose financial year ends on 30 June) with its invoices kept from the
 * end of the financial period (Kirjanpitolaki 1336/1997 2:10). */
static int setup_financial_year(void **state) {
    char *yaml = rkt_read("tests/decls/full.yaml", NULL);
    const char *cal = "from: end_of_calendar_year";
    char *at_cal = yaml ? strstr(yaml, cal) : NULL;
    if (!at_cal) {
        free(yaml);
        return -1;
    }
    size_t n = strlen(yaml) + 128;
    char *edited = malloc(n);
    if (!edited) {
        free(yaml);
        return -1;
    }
    snprintf(edited, n, "%.*sfrom: end_of_financial_period%s", (int)(at_cal - yaml), yaml,
             at_cal + strlen(cal));
    free(yaml);
    struct rk_decl *d = rkt_parse(edited);
    free(edited);
    return rkt_reg_setup_decl(state, "register", d);
}

/* ---- Expectations ------------------------------------------------------------------ */

#define MSG                          (rkt_clear(&f->msg))
#define EXPECT(call, want, fragment) RKT_EXPECT(f, call, want, fragment)

static struct rk_date date_of(const char *iso) {
    struct rk_date d = {0, 0, 0};
    if (!rk_date_parse(iso, &d))
        fail_msg("bad date %s", iso);
    return d;
}

static const struct rk_date open_end = {0, 0, 0};

static void assert_date(struct rk_date d, const char *want) {
    char iso[11] = "";
    if (d.y)
        rk_date_iso(d, iso);
    assert_string_equal(iso, want);
}

static bool is_hex64(const char *s) {
    if (strlen(s) != RK_SHA256_HEX)
        return false;
    for (const char *p = s; *p; p++)
        if (!isxdigit((unsigned char)*p) || isupper((unsigned char)*p))
            return false;
    return true;
}

/* ---- Building writes ---------------------------------------------------------------- */

static struct rk_contact who(const char *name, const char *email, const char *phone) {
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = name;
    c.v[RK_F_EMAIL] = email;
    c.v[RK_F_PHONE] = phone;
    return c;
}

static struct rk_write wr(const char *reg, const char *purpose, enum rk_source_kind src, rk_ts at) {
    struct rk_write w = {reg, purpose, src, NULL, at};
    return w;
}

static struct rk_consent_input consent_at(rk_ts at) {
    struct rk_consent_input in;
    memset(&in, 0, sizeof in);
    in.channel = "web_form";
    in.lang = RK_LANG_FI;
    in.form_id = "newsletter";
    in.at = at;
    return in;
}

static struct rk_consent_input pending_at(rk_ts at) {
    struct rk_consent_input in = consent_at(at);
    in.pending = true;
    return in;
}

/* Adds a new person; id gets the new id on success. */
static rk_err add(struct rkt_reg *f, const char *reg, const char *purpose, enum rk_source_kind src,
                  rk_ts at, struct rk_contact c, const struct rk_consent_input *ci,
                  char id[RK_ID_LEN + 1]) {
    struct rk_write w = wr(reg, purpose, src, at);
    return rk_reg_person_add(&f->reg, &w, NULL, &c, ci, id, MSG);
}

/* Adds an existing person to another register. */
static rk_err add_existing(struct rkt_reg *f, const char *reg, const char *purpose, rk_ts at,
                           const char *person, struct rk_contact c,
                           const struct rk_consent_input *ci) {
    struct rk_write w = wr(reg, purpose, RK_SRC_WEB_FORM, at);
    char id[RK_ID_LEN + 1];
    return rk_reg_person_add(&f->reg, &w, person, &c, ci, id, MSG);
}

/* Example declaration: a customer (contract purpose) and a marketing subscriber. */
static void add_customer(struct rkt_reg *f, const char *name, const char *email, const char *phone,
                         char id[RK_ID_LEN + 1]) {
    RKT_OK(f, add(f, "customer", "customer_relationship", RK_SRC_WEB_FORM, rkt_ts(T0),
                  who(name, email, phone), NULL, id));
}

static void add_subscriber(struct rkt_reg *f, const char *name, const char *email,
                           char id[RK_ID_LEN + 1]) {
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    RKT_OK(f, add(f, "marketing", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0),
                  who(name, email, NULL), &in, id));
}

static rk_err record_consent(struct rkt_reg *f, const char *person, const char *purpose,
                             enum rk_consent_kind kind, struct rk_consent_input in) {
    return rk_reg_consent(&f->reg, person, purpose, kind, &in, MSG);
}

static rk_err contract(struct rkt_reg *f, const char *reg, const char *purpose, const char *person,
                       const char *start, struct rk_date end, rk_ts at, char id[RK_ID_LEN + 1]) {
    struct rk_write w = wr(reg, purpose, RK_SRC_CONTRACT, at);
    return rk_reg_contract_add(&f->reg, &w, person, "Smartum Saldo", date_of(start), end, id, MSG);
}

static rk_err invoice(struct rkt_reg *f, const char *reg, const char *purpose, const char *person,
                      const char *contract_id, const char *number, const char *date,
                      char id[RK_ID_LEN + 1]) {
    struct rk_write w = wr(reg, purpose, RK_SRC_CONTRACT, rkt_ts(T0));
    return rk_reg_invoice_add(&f->reg, &w, person, contract_id, number, date_of(date), 12900, "EUR",
                              id, MSG);
}

/* ---- Reading back ------------------------------------------------------------------- */

/* What expect_unchanged compares: the census's counts of these kinds of rows. */
enum { NKINDS = 10 };
static const char *const kind_names[NKINDS] = {
    "persons",   "provenance",       "entries",  "consent_events", "consent_states",
    "contracts", "contract_changes", "invoices", "suppressions",   "tasks",
};

struct snap {
    int64_t n[NKINDS];
};

static struct snap snap_take(struct rkt_reg *f) {
    struct rk_census c = rkt_census(f, NULL);
    struct snap s = {{c.persons, c.provenance, c.entries, c.consent_events, c.consent_states,
                      c.contracts, c.contract_changes, c.invoices, c.suppressions, c.tasks}};
    return s;
}

#define expect_unchanged(f, before) expect_unchanged_at(__FILE__, __LINE__, (f), (before))

static void expect_unchanged_at(const char *file, int line, struct rkt_reg *f,
                                const struct snap *before) {
    struct snap now = snap_take(f);
    for (int i = 0; i < NKINDS; i++) {
        if (now.n[i] != before->n[i]) {
            print_error("%s:%d: %s: %lld rows, was %lld\n", file, line, kind_names[i],
                        (long long)now.n[i], (long long)before->n[i]);
            _fail(file, line);
        }
    }
}

/* Sets one of the person's art 18 / art 21 flags in a transaction of its own, keeping the
 * other as it is. */
static void flag_person(struct rkt_reg *f, const char *id, bool restricted, bool objected) {
    bool r = false, o = false;
    assert_int_equal(rk_store_person_exists(f->store, id, &r, &o), RK_OK);
    assert_int_equal(rk_store_begin(f->store), RK_OK);
    assert_int_equal(rk_store_person_flags_set(f->store, id, r || restricted, o || objected),
                     RK_OK);
    assert_int_equal(rk_store_commit(f->store), RK_OK);
}

/* A buffer of rows, each written as text followed by ";". */
struct rows {
    char *out;
    size_t n, used;
};

static void rows_add(struct rows *r, const char *a, const char *b, const char *c, const char *d) {
    int w = snprintf(r->out + r->used, r->n - r->used, "%s%s%s%s;", a, b, c, d);
    if (w > 0 && (size_t)w < r->n - r->used)
        r->used += (size_t)w;
}

static int change_row(void *ctx, const struct rk_contract_change *c) {
    char field[64];
    snprintf(field, sizeof field, "%s:", c->field);
    rows_add(ctx, field, c->old_value ? c->old_value : "", ">", c->new_value ? c->new_value : "");
    return 0;
}

/* The contract's changes in order, each "field:old>new;" (a missing value empty). */
static void changes_of(struct rkt_reg *f, const char *contract, char *out, size_t n) {
    struct rows r = {out, n, 0};
    out[0] = '\0';
    assert_int_equal(rk_store_contract_changes(f->store, contract, change_row, &r), RK_OK);
}

static int task_row(void *ctx, const struct rk_task_view *t) {
    char due[11];
    rk_date_iso(t->due, due);
    rows_add(ctx, due, " ", t->detail ? t->detail : "NULL", "");
    return 0;
}

/* The person's tasks, each "due detail;". */
static void tasks_of(struct rkt_reg *f, const char *person, char *out, size_t n) {
    struct rows r = {out, n, 0};
    out[0] = '\0';
    assert_int_equal(rk_store_tasks_of_person(f->store, person, task_row, &r), RK_OK);
}

struct found {
    int n;
    char ids[8][RK_ID_LEN + 1];
    char regs[8][RK_DECL_ID_MAX + 1];
};

static int collect_entry(void *ctx, const struct rk_entry *e) {
    struct found *fo = ctx;
    if (fo->n < 8) {
        snprintf(fo->ids[fo->n], sizeof fo->ids[0], "%s", e->person_id);
        snprintf(fo->regs[fo->n], sizeof fo->regs[0], "%s", e->register_id);
    }
    fo->n++;
    return 0;
}

static bool found_has(const struct found *fo, const char *id) {
    for (int i = 0; i < fo->n && i < 8; i++)
        if (strcmp(fo->ids[i], id) == 0)
            return true;
    return false;
}

static struct found find(struct rkt_reg *f, const char *query) {
    struct found fo;
    memset(&fo, 0, sizeof fo);
    RKT_OK(f, rk_reg_person_find(&f->reg, query, collect_entry, &fo, MSG));
    return fo;
}

static struct found audience(struct rkt_reg *f, const char *purpose, rk_ts now) {
    struct found fo;
    memset(&fo, 0, sizeof fo);
    RKT_OK(f, rk_reg_audience(&f->reg, purpose, now, collect_entry, &fo, MSG));
    return fo;
}

struct events {
    int n;
    struct {
        int64_t seq;
        enum rk_consent_kind kind;
        bool pending;
        enum rk_basis basis;
        char purpose[RK_DECL_ID_MAX + 1];
        char version[32];
        char sha[RK_SHA256_HEX + 1];
        char channel[32];
        char collector[32];
        char form_id[32];
        rk_ts at;
    } e[8];
};

static int collect_event(void *ctx, const struct rk_consent_event *e) {
    struct events *ev = ctx;
    if (ev->n < 8) {
        int i = ev->n;
        ev->e[i].seq = e->seq;
        ev->e[i].kind = e->kind;
        ev->e[i].pending = e->pending;
        ev->e[i].basis = e->basis;
        ev->e[i].at = e->at;
        snprintf(ev->e[i].purpose, sizeof ev->e[i].purpose, "%s", e->purpose);
        snprintf(ev->e[i].version, sizeof ev->e[i].version, "%s",
                 e->notice_version ? e->notice_version : "");
        snprintf(ev->e[i].sha, sizeof ev->e[i].sha, "%s", e->notice_sha256);
        snprintf(ev->e[i].channel, sizeof ev->e[i].channel, "%s", e->channel ? e->channel : "");
        snprintf(ev->e[i].collector, sizeof ev->e[i].collector, "%s",
                 e->collector ? e->collector : "");
        snprintf(ev->e[i].form_id, sizeof ev->e[i].form_id, "%s", e->form_id ? e->form_id : "");
    }
    ev->n++;
    return 0;
}

static struct events events_of(struct rkt_reg *f, const char *person) {
    struct events ev;
    memset(&ev, 0, sizeof ev);
    assert_int_equal(rk_store_consent_events(f->store, person, collect_event, &ev), RK_OK);
    return ev;
}

static struct rk_consent_state state_of(struct rkt_reg *f, const char *person,
                                        const char *purpose) {
    struct rk_consent_state st;
    assert_int_equal(rk_store_consent_state_get(f->store, person, purpose, &st), RK_OK);
    return st;
}

static rk_err entry_of(struct rkt_reg *f, const char *reg, const char *person, struct rk_entry *e) {
    return rk_store_entry_get(f->store, reg, person, e);
}

static int count_entry(void *ctx, const struct rk_entry *e) {
    (void)e;
    (*(int *)ctx)++;
    return 0;
}

static int entries_of(struct rkt_reg *f, const char *person) {
    int n = 0;
    assert_int_equal(rk_store_entries_of_person(f->store, person, count_entry, &n), RK_OK);
    return n;
}

static struct rk_contract contract_of(struct rkt_reg *f, const char *id) {
    struct rk_contract c;
    assert_int_equal(rk_store_contract_get(f->store, id, &c), RK_OK);
    return c;
}

static int64_t art14_tasks(struct rkt_reg *f) {
    int64_t n = -1;
    assert_int_equal(rk_store_tasks_count(f->store, "art14_inform", &n), RK_OK);
    return n;
}

static enum rk_membership membership(struct rkt_reg *f, const char *reg, const char *person,
                                     const char *at) {
    enum rk_membership m = RK_MEMBER_NONE;
    assert_int_equal(rk_reg_membership(&f->reg, reg, person, rkt_ts(at), &m), RK_OK);
    return m;
}

/* ---- Setup --------------------------------------------------------------------------- */

static void init_records_notice_evidence(void **state) {
    struct rkt_reg *f = *state;
    assert_string_equal(f->reg.notice_version, "2020-12-09");
    assert_true(is_hex64(f->reg.notice_sha256[RK_LANG_FI]));
    assert_true(is_hex64(f->reg.notice_sha256[RK_LANG_EN]));
    assert_string_not_equal(f->reg.notice_sha256[RK_LANG_FI], f->reg.notice_sha256[RK_LANG_EN]);
    assert_string_equal(f->reg.actor, "tester");
    assert_false(f->reg.in_batch);
}

/* rk_reg_init takes the notice's digest from views (core/reg.h): one not made, or made of
 * another declaration, is refused, so no consent event records a missing or wrong hash. */
static void init_refuses_a_missing_or_foreign_digest(void **state) {
    struct rkt_reg *f = *state;
    struct rk_reg r;
    struct rk_notice_digest nd;
    memset(&nd, 0, sizeof nd);
    assert_int_equal(rk_reg_init(&r, f->decl, f->store, &f->keys, NULL, "x"), RK_EINVAL);
    assert_int_equal(rk_reg_init(&r, f->decl, f->store, &f->keys, &nd, "x"), RK_EINVAL);
    struct rk_decl *other = rkt_load("tests/decls/full.yaml");
    assert_int_equal(rk_notice_digest(other, &nd), RK_OK);
    assert_int_equal(rk_reg_init(&r, f->decl, f->store, &f->keys, &nd, "x"), RK_EINVAL);
    rk_decl_free(other);
    assert_int_equal(rk_notice_digest(f->decl, &nd), RK_OK);
    assert_int_equal(rk_reg_init(&r, f->decl, f->store, &f->keys, &nd, "x"), RK_OK);
    assert_string_equal(r.notice_version, f->reg.notice_version);
    assert_string_equal(r.notice_sha256[RK_LANG_FI], f->reg.notice_sha256[RK_LANG_FI]);
    assert_string_equal(r.notice_sha256[RK_LANG_EN], f->reg.notice_sha256[RK_LANG_EN]);
}

/* ---- Adding persons: the declaration's refusals -------------------------------------------- */

static void add_refuses_undeclared_register(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    struct snap before = snap_take(f);
    EXPECT(add(f, "newsletter", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Matti", "matti@example.fi", NULL), &in, id),
           RK_EREFUSED, "register 'newsletter' is not declared");
    EXPECT(add(f, NULL, "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Matti", "matti@example.fi", NULL), &in, id),
           RK_EREFUSED, "register '' is not declared");
    assert_null(strstr(f->msg.message, "matti"));
    expect_unchanged(f, &before);
    assert_int_equal(find(f, "matti@example.fi").n, 0);
}

static void add_refuses_missing_purpose(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    struct snap before = snap_take(f);
    EXPECT(
        add(f, "marketing", NULL, RK_SRC_WEB_FORM, rkt_ts(T0), who("Matti", NULL, NULL), &in, id),
        RK_EREFUSED, "must name its purpose; register 'marketing' declares: sales_promotion");
    EXPECT(
        add(f, "customer", NULL, RK_SRC_WEB_FORM, rkt_ts(T0), who("Matti", NULL, NULL), NULL, id),
        RK_EREFUSED, "register 'customer' declares: sales_promotion, ...");
    expect_unchanged(f, &before);
}

static void add_refuses_undeclared_purpose(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    struct snap before = snap_take(f);
    EXPECT(add(f, "customer", "profiling", RK_SRC_WEB_FORM, rkt_ts(T0), who("Matti", NULL, NULL),
               NULL, id),
           RK_EREFUSED, "purpose 'profiling' is not declared");
    expect_unchanged(f, &before);
    assert_int_equal(find(f, "Matti").n, 0);
}

static void add_refuses_purpose_of_other_register(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    struct snap before = snap_take(f);
    EXPECT(add(f, "marketing", "customer_relationship", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Matti", "matti@example.fi", NULL), NULL, id),
           RK_EREFUSED,
           "purpose 'customer_relationship' is not a declared purpose of register 'marketing'");
    expect_unchanged(f, &before);
}

static void add_refuses_undeclared_source(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    struct snap before = snap_take(f);
    /* The example declares public sources for the customer register only. */
    EXPECT(add(f, "marketing", "sales_promotion", RK_SRC_PUBLIC_SOURCE, rkt_ts(T0),
               who("Matti", "matti@example.fi", NULL), &in, id),
           RK_EREFUSED, "source 'public_source' is not declared for register 'marketing'");
    /* ... and no third parties at all. */
    EXPECT(add(f, "customer", "customer_relationship", RK_SRC_THIRD_PARTY, rkt_ts(T0),
               who("Matti", "matti@example.fi", NULL), NULL, id),
           RK_EREFUSED, "source 'third_party' is not declared for register 'customer'");
    expect_unchanged(f, &before);
    assert_int_equal(art14_tasks(f), 0);
}

static void add_refuses_undeclared_category(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    struct snap before = snap_take(f);
    /* The marketing register holds name, phone, email, position and interests only. */
    struct rk_contact c = who("Matti", "matti@example.fi", NULL);
    c.v[RK_F_ORGANISATION] = "Smartum Oy";
    EXPECT(add(f, "marketing", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0), c, &in, id),
           RK_EREFUSED, "category 'organisation' is not declared for register 'marketing'");
    assert_null(strstr(f->msg.message, "Smartum"));
    /* The customer register holds no interests. */
    c = who("Matti", "matti@example.fi", NULL);
    c.v[RK_F_INTERESTS] = "lounasetu";
    EXPECT(add(f, "customer", "customer_relationship", RK_SRC_WEB_FORM, rkt_ts(T0), c, NULL, id),
           RK_EREFUSED, "category 'interests' is not declared for register 'customer'");
    expect_unchanged(f, &before);
    assert_int_equal(find(f, "matti@example.fi").n, 0);
}

static void add_refuses_person_without_identity(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    struct snap before = snap_take(f);
    struct rk_contact c = who(NULL, NULL, NULL);
    c.v[RK_F_POSITION] = "CEO";
    c.v[RK_F_ORGANISATION] = "Smartum Oy";
    EXPECT(add(f, "customer", "customer_relationship", RK_SRC_WEB_FORM, rkt_ts(T0), c, NULL, id),
           RK_EREFUSED, "needs at least a name, an email or a phone");
    expect_unchanged(f, &before);
}

/* ---- Adding persons: consent ------------------------------------------------------------- */

static void add_consent_purpose_needs_consent(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1], id2[RK_ID_LEN + 1];
    struct rk_consent_input pending = pending_at(rkt_ts(T0));
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    struct snap before = snap_take(f);

    EXPECT(add(f, "marketing", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Matti", "matti@example.fi", NULL), NULL, id),
           RK_EREFUSED, "purpose 'sales_promotion' rests on consent");
    /* A double opt-in request is not yet a consent. */
    EXPECT(add(f, "marketing", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Matti", "matti@example.fi", NULL), &pending, id),
           RK_EREFUSED, "no live consent");
    expect_unchanged(f, &before);

    RKT_OK(f, add(f, "marketing", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0),
                  who("Matti", "matti@example.fi", NULL), &in, id));
    assert_true(rk_id_valid(id));
    struct events ev = events_of(f, id);
    assert_int_equal(ev.n, 1);
    assert_int_equal(ev.e[0].kind, RK_CE_GIVEN);
    assert_false(ev.e[0].pending);
    assert_int_equal(ev.e[0].basis, RK_BASIS_CONSENT);
    assert_string_equal(ev.e[0].purpose, "sales_promotion");
    assert_string_equal(ev.e[0].version, "2020-12-09");
    assert_true(is_hex64(ev.e[0].sha));
    assert_string_equal(ev.e[0].sha, f->reg.notice_sha256[RK_LANG_FI]);
    assert_string_equal(ev.e[0].channel, "web_form");
    assert_string_equal(ev.e[0].collector, "tester");
    assert_string_equal(ev.e[0].form_id, "newsletter");
    assert_int_equal(ev.e[0].at, rkt_ts(T0));
    struct rk_consent_state st = state_of(f, id, "sales_promotion");
    assert_int_equal(st.status, RK_CONSENT_LIVE);
    assert_int_equal(st.expires_at, rkt_ts(T0_PLUS_2Y));
    /* The state points at the newest event: the store's one event so far. */
    assert_int_equal(rkt_census(f, NULL).consent_events, 1);
    assert_int_equal(st.last_seq, ev.e[0].seq);
    struct rk_entry e;
    assert_int_equal(entry_of(f, "marketing", id, &e), RK_OK);
    assert_string_equal(e.v[RK_F_EMAIL], "matti@example.fi");
    assert_string_equal(e.v[RK_F_NAME], "Matti");
    assert_null(e.v[RK_F_PHONE]);

    /* The English notice's digest when the English notice was shown. */
    in.lang = RK_LANG_EN;
    RKT_OK(f, add(f, "marketing", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0),
                  who("Mary", "mary@example.fi", NULL), &in, id2));
    ev = events_of(f, id2);
    assert_int_equal(ev.n, 1);
    assert_string_equal(ev.e[0].sha, f->reg.notice_sha256[RK_LANG_EN]);
}

static void add_refuses_consent_already_expired(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    struct snap before = snap_take(f);
    /* Given exactly two years before the write: it expired at the instant of the write. */
    struct rk_consent_input old = consent_at(rkt_ts("2023-01-15T10:00:00Z"));
    EXPECT(add(f, "marketing", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Matti", "matti@example.fi", NULL), &old, id),
           RK_EREFUSED, "the consent given at that time has already expired");
    old.at = rkt_ts("2020-06-01T00:00:00Z");
    EXPECT(add(f, "marketing", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Matti", "matti@example.fi", NULL), &old, id),
           RK_EREFUSED, "already expired");
    expect_unchanged(f, &before);
    assert_int_equal(find(f, "matti@example.fi").n, 0);

    /* One second younger, it is still live, and runs from when it was given. */
    old.at = rkt_ts("2023-01-15T10:00:01Z");
    RKT_OK(f, add(f, "marketing", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0),
                  who("Matti", "matti@example.fi", NULL), &old, id));
    assert_int_equal(state_of(f, id, "sales_promotion").expires_at, rkt_ts("2025-01-15T10:00:01Z"));
}

/* ---- Adding persons: suppression and duplicates ---------------------------------------- */

static void add_refuses_suppressed_email(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    bool hit = false;
    RKT_OK(f, rk_reg_suppress(&f->reg, RK_F_EMAIL, "matti.m@example.fi", RK_SUPPRESS_OBJECTION,
                              rkt_ts(T0), MSG));
    assert_int_equal(rk_reg_is_suppressed(&f->reg, RK_F_EMAIL, "matti.m@example.fi", &hit), RK_OK);
    assert_true(hit);
    struct snap before = snap_take(f);
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    /* The address in another case is the same address. */
    EXPECT(add(f, "marketing", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Matti", "Matti.M@example.fi", NULL), &in, id),
           RK_EREFUSED, "the email is on the suppression list");
    assert_null(strstr(f->msg.message, "Matti.M"));
    assert_null(strstr(f->msg.message, "matti.m"));
    assert_null(strstr(f->msg.message, "example.fi"));
    EXPECT(add(f, "customer", "customer_relationship", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Matti", "matti.m@example.fi", "+358401723700"), NULL, id),
           RK_EREFUSED, "the email is on the suppression list");
    assert_null(strstr(f->msg.message, "example.fi"));
    expect_unchanged(f, &before);
    assert_int_equal(find(f, "matti.m@example.fi").n, 0);
}

static void add_refuses_suppressed_phone(void **state) {
    struct rkt_reg *f = *state;
    char id[RK_ID_LEN + 1];
    RKT_OK(f, rk_reg_suppress(&f->reg, RK_F_PHONE, "+358401723700", RK_SUPPRESS_ERASURE, rkt_ts(T0),
                              MSG));
    struct snap before = snap_take(f);
    EXPECT(add(f, "customer", "customer_relationship", RK_SRC_PHONE, rkt_ts(T0),
               who("Matti", "matti@example.fi", "+358401723700"), NULL, id),
           RK_EREFUSED, "the phone is on the suppression list");
    assert_null(strstr(f->msg.message, "401723700"));
    assert_null(strstr(f->msg.message, "401 723"));
    assert_null(strstr(f->msg.message, "matti"));
    expect_unchanged(f, &before);
    assert_int_equal(find(f, "040 172 3700").n, 0);
    /* Another number is fine. */
    RKT_OK(f, add(f, "customer", "customer_relationship", RK_SRC_PHONE, rkt_ts(T0),
                  who("Matti", "matti@example.fi", "+358401723701"), NULL, id));
}

static void add_refuses_duplicate_in_register(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], m[RK_ID_LEN + 1];
    add_customer(f, "Matti", "matti@example.fi", "+358401723700", a);
    struct snap before = snap_take(f);
    EXPECT(add(f, "customer", "customer_relationship", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Matti Toinen", "MATTI@example.fi", NULL), NULL, b),
           RK_ECONFLICT, "a person with this email is already in register 'customer'");
    assert_non_null(strstr(f->msg.message, a));
    assert_null(strstr(f->msg.message, "example.fi"));
    EXPECT(add(f, "customer", "customer_relationship", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Matti Toinen", "toinen@example.fi", "+358401723700"), NULL, b),
           RK_ECONFLICT, "a person with this phone is already in register 'customer'");
    assert_non_null(strstr(f->msg.message, a));
    assert_null(strstr(f->msg.message, "401723700"));
    expect_unchanged(f, &before);

    /* The same email in another register is another entry (here a new person). */
    add_subscriber(f, "Matti", "matti@example.fi", m);
    assert_string_not_equal(a, m);
    struct found fo = find(f, "matti@example.fi");
    assert_int_equal(fo.n, 2);
    assert_true(found_has(&fo, a));
    assert_true(found_has(&fo, m));
}

static void add_existing_person_to_register(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    add_customer(f, "Matti", "matti@example.fi", "+358401723700", a);
    assert_int_equal(rkt_census(f, NULL).persons, 1);
    RKT_OK(f, add_existing(f, "marketing", "sales_promotion", rkt_ts(T0), a,
                           who("Matti", "matti@example.fi", NULL), &in));
    assert_int_equal(rkt_census(f, NULL).persons, 1);
    assert_int_equal(entries_of(f, a), 2);
    assert_int_equal(events_of(f, a).n, 1);
    assert_int_equal(membership(f, "marketing", a, T0), RK_MEMBER_CONSENTED);

    struct snap before = snap_take(f);
    EXPECT(add_existing(f, "marketing", "sales_promotion", rkt_ts(T0), a,
                        who("Matti", "matti@example.fi", NULL), &in),
           RK_ECONFLICT, "is already in register 'marketing'");
    assert_non_null(strstr(f->msg.message, a));
    EXPECT(add_existing(f, "customer", "customer_relationship", rkt_ts(T0), a,
                        who("Matti", NULL, NULL), NULL),
           RK_ECONFLICT, "is already in register 'customer'");
    EXPECT(add_existing(f, "marketing", "sales_promotion", rkt_ts(T0), NO_SUCH_ID,
                        who("Maija", "maija@example.fi", NULL), &in),
           RK_ENOENT, "no person with id '" NO_SUCH_ID "'");
    expect_unchanged(f, &before);
}

static void add_refuses_restricted_person(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], k[RK_ID_LEN + 1], k2[RK_ID_LEN + 1], i[RK_ID_LEN + 1];
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    RKT_OK(f, contract(f, "customer", "customer_relationship", a, "2025-01-01", open_end,
                       rkt_ts(T0), k));
    flag_person(f, a, true, false);
    struct snap before = snap_take(f);
    EXPECT(add_existing(f, "marketing", "sales_promotion", rkt_ts(T0), a,
                        who("Matti", "matti@example.fi", NULL), &in),
           RK_EREFUSED, "is restricted (art 18)");
    struct rk_write w = wr("customer", "customer_relationship", RK_SRC_PHONE, rkt_ts(T0));
    struct rk_contact c = who("Matti M", NULL, NULL);
    EXPECT(rk_reg_person_update(&f->reg, &w, a, &c, MSG), RK_EREFUSED, "is restricted (art 18)");
    EXPECT(record_consent(f, a, "sales_promotion", RK_CE_GIVEN, in), RK_EREFUSED, "is restricted");
    EXPECT(
        contract(f, "customer", "customer_relationship", a, "2025-01-01", open_end, rkt_ts(T0), k2),
        RK_EREFUSED, "is restricted");
    EXPECT(rk_reg_contract_change(&f->reg, k, "service", "Smartum Lounas", rkt_ts(T0), MSG),
           RK_EREFUSED, "is restricted");
    EXPECT(rk_reg_contract_end(&f->reg, k, date_of("2025-06-30"), rkt_ts(T0), MSG), RK_EREFUSED,
           "is restricted");
    EXPECT(invoice(f, "customer", "customer_relationship", a, NULL, "2025-001", "2025-03-10", i),
           RK_EREFUSED, "is restricted");
    expect_unchanged(f, &before);
    /* Withdrawing stays possible: nothing to withdraw here, but not refused for the restriction. */
    EXPECT(record_consent(f, a, "sales_promotion", RK_CE_WITHDRAWN, in), RK_EREFUSED,
           "has no live or pending consent");
}

/*
 * BUG (src/core/register.c:365, rk_reg_person_add): a person who withdrew a
 * consent and is then added again with a new consent is added to the
 * consent-only register, but the new consent is not recorded. The check phase
 * applies the new "given" to st (whose last_seq is that of the withdrawal), and
 * the apply phase appends the consent only when st.last_seq == 0, i.e. only
 * for persons that never had a consent event. Result: an entry in 'marketing'
 * with no ledger event for it and a consent state still "withdrawn", so the
 * person is in the register but never in the audience, and the controller
 * cannot demonstrate the consent (art 7(1)). The condition should be "the
 * consent was applied in the check phase" (consent && !live), not
 * st.last_seq == 0.
 */
static void bug_readd_after_withdrawal_records_consent(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    RKT_OK(f, record_consent(f, a, "sales_promotion", RK_CE_GIVEN, consent_at(rkt_ts(T0))));
    /* A live consent already recorded: no new one needed to add to marketing. */
    RKT_OK(f, add_existing(f, "marketing", "sales_promotion", rkt_ts(T0), a,
                           who("Matti", "matti@example.fi", NULL), NULL));
    assert_int_equal(events_of(f, a).n, 1);
    RKT_OK(f, record_consent(f, a, "sales_promotion", RK_CE_WITHDRAWN,
                             consent_at(rkt_ts("2025-02-01T00:00:00Z"))));
    struct rk_entry e;
    assert_int_equal(entry_of(f, "marketing", a, &e), RK_ENOENT);

    /* Subscribes again, giving a new consent with the write. */
    struct rk_consent_input again = consent_at(rkt_ts("2025-03-01T00:00:00Z"));
    RKT_OK(f, add_existing(f, "marketing", "sales_promotion", rkt_ts("2025-03-01T00:00:00Z"), a,
                           who("Matti", "matti@example.fi", NULL), &again));
    assert_int_equal(entry_of(f, "marketing", a, &e), RK_OK);
    struct events ev = events_of(f, a);
    assert_int_equal(ev.n, 3); /* BUG: 2 — the new consent is not in the ledger */
    assert_int_equal(ev.e[2].kind, RK_CE_GIVEN);
    assert_int_equal(state_of(f, a, "sales_promotion").status, RK_CONSENT_LIVE);
    struct found fo = audience(f, "sales_promotion", rkt_ts("2025-03-02T00:00:00Z"));
    assert_int_equal(fo.n, 1);
}

/* ---- Updating persons ------------------------------------------------------------------- */

static void update_sets_fields_and_provenance(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    add_customer(f, "Matti Meikäläinen", "matti@example.fi", "+358401723700", a);
    struct rk_entry e;
    assert_int_equal(entry_of(f, "customer", a, &e), RK_OK);
    int64_t name_prov = e.prov[RK_F_NAME], email_prov = e.prov[RK_F_EMAIL];
    assert_true(name_prov > 0);
    assert_int_equal(e.prov[RK_F_PHONE], name_prov);
    assert_int_equal(e.prov[RK_F_POSITION], 0);

    struct rk_write w =
        wr("customer", "customer_relationship", RK_SRC_PHONE, rkt_ts("2025-02-01T09:00:00Z"));
    w.source_detail = "call to the office";
    struct rk_contact c = who("Matti M. Meikäläinen", NULL, NULL);
    c.v[RK_F_POSITION] = "CEO";
    RKT_OK(f, rk_reg_person_update(&f->reg, &w, a, &c, MSG));

    assert_int_equal(entry_of(f, "customer", a, &e), RK_OK);
    assert_string_equal(e.v[RK_F_NAME], "Matti M. Meikäläinen");
    assert_string_equal(e.v[RK_F_POSITION], "CEO");
    assert_string_equal(e.v[RK_F_EMAIL], "matti@example.fi");
    assert_string_equal(e.v[RK_F_PHONE], "+358401723700");
    assert_true(e.prov[RK_F_NAME] != name_prov);
    assert_int_equal(e.prov[RK_F_POSITION], e.prov[RK_F_NAME]);
    assert_int_equal(e.prov[RK_F_EMAIL], email_prov);
    assert_int_equal(e.prov[RK_F_PHONE], name_prov);
    assert_int_equal(e.since, rkt_ts(T0));

    struct rk_provenance p;
    char buf[512];
    assert_int_equal(rk_store_provenance_get(f->store, e.prov[RK_F_NAME], &p, buf, sizeof buf),
                     RK_OK);
    assert_int_equal(p.source, RK_SRC_PHONE);
    assert_string_equal(p.detail, "call to the office");
    assert_string_equal(p.purpose, "customer_relationship");
    assert_int_equal(p.at, rkt_ts("2025-02-01T09:00:00Z"));
    assert_string_equal(p.by, "tester");
    assert_int_equal(rk_store_provenance_get(f->store, email_prov, &p, buf, sizeof buf), RK_OK);
    assert_int_equal(p.source, RK_SRC_WEB_FORM);
    assert_int_equal(p.at, rkt_ts(T0));

    /* A new email replaces the old one in the index too. */
    c = who(NULL, "matti.m@example.fi", NULL);
    RKT_OK(f, rk_reg_person_update(&f->reg, &w, a, &c, MSG));
    assert_int_equal(find(f, "matti@example.fi").n, 0);
    struct found fo = find(f, "matti.m@example.fi");
    assert_int_equal(fo.n, 1);
    assert_string_equal(fo.ids[0], a);
}

static void update_refusals(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    add_customer(f, "Maija", "maija@example.fi", NULL, b);
    RKT_OK(f, rk_reg_suppress(&f->reg, RK_F_EMAIL, "gone@example.fi", RK_SUPPRESS_ERASURE,
                              rkt_ts(T0), MSG));
    struct snap before = snap_take(f);
    struct rk_write w = wr("customer", "customer_relationship", RK_SRC_EMAIL, rkt_ts(T0));
    struct rk_contact c = who("Matti M", NULL, NULL);

    EXPECT(rk_reg_person_update(&f->reg, &w, NO_SUCH_ID, &c, MSG), RK_ENOENT,
           "no person with id '" NO_SUCH_ID "'");
    struct rk_write wm = wr("marketing", "sales_promotion", RK_SRC_EMAIL, rkt_ts(T0));
    EXPECT(rk_reg_person_update(&f->reg, &wm, a, &c, MSG), RK_ENOENT,
           "is not in register 'marketing'");
    struct rk_write wx = wr("crm", "customer_relationship", RK_SRC_EMAIL, rkt_ts(T0));
    EXPECT(rk_reg_person_update(&f->reg, &wx, a, &c, MSG), RK_EREFUSED,
           "register 'crm' is not declared");
    struct rk_write wp = wr("customer", "profiling", RK_SRC_EMAIL, rkt_ts(T0));
    EXPECT(rk_reg_person_update(&f->reg, &wp, a, &c, MSG), RK_EREFUSED,
           "purpose 'profiling' is not declared");
    struct rk_write ws = wr("customer", "customer_relationship", RK_SRC_THIRD_PARTY, rkt_ts(T0));
    EXPECT(rk_reg_person_update(&f->reg, &ws, a, &c, MSG), RK_EREFUSED,
           "source 'third_party' is not declared");

    struct rk_contact ci = who(NULL, NULL, NULL);
    ci.v[RK_F_INTERESTS] = "lounasetu";
    EXPECT(rk_reg_person_update(&f->reg, &w, a, &ci, MSG), RK_EREFUSED,
           "category 'interests' is not declared for register 'customer'");
    struct rk_contact cs = who(NULL, "gone@example.fi", NULL);
    EXPECT(rk_reg_person_update(&f->reg, &w, a, &cs, MSG), RK_EREFUSED,
           "the email is on the suppression list");
    assert_null(strstr(f->msg.message, "gone"));
    struct rk_contact cd = who(NULL, "Maija@Example.fi", NULL);
    EXPECT(rk_reg_person_update(&f->reg, &w, a, &cd, MSG), RK_ECONFLICT,
           "a person with this email is already in register 'customer'");
    assert_non_null(strstr(f->msg.message, b));
    /* The consent purpose of the customer register, with no consent. */
    struct rk_write wc = wr("customer", "sales_promotion", RK_SRC_EMAIL, rkt_ts(T0));
    EXPECT(rk_reg_person_update(&f->reg, &wc, a, &c, MSG), RK_EREFUSED,
           "purpose 'sales_promotion' rests on consent and person");
    expect_unchanged(f, &before);

    struct rk_entry e;
    assert_int_equal(entry_of(f, "customer", a, &e), RK_OK);
    assert_string_equal(e.v[RK_F_NAME], "Matti");
    assert_string_equal(e.v[RK_F_EMAIL], "matti@example.fi");
    /* A subscriber whose consent has run out by time (no expiry event yet). */
    char m[RK_ID_LEN + 1];
    add_subscriber(f, "Ville", "ville@example.fi", m);
    struct rk_write wl = wr("marketing", "sales_promotion", RK_SRC_EMAIL, rkt_ts(T0_PLUS_2Y));
    before = snap_take(f);
    EXPECT(rk_reg_person_update(&f->reg, &wl, m, &c, MSG), RK_EREFUSED, "has no live consent");
    expect_unchanged(f, &before);
    wl.at = rkt_ts("2027-01-15T09:59:59Z");
    RKT_OK(f, rk_reg_person_update(&f->reg, &wl, m, &c, MSG));

    /* Updating one's own email to itself is no conflict. */
    struct rk_contact self = who(NULL, "matti@example.fi", NULL);
    RKT_OK(f, rk_reg_person_update(&f->reg, &w, a, &self, MSG));
}

/* ---- Finding persons ------------------------------------------------------------------- */

static void find_by_email_phone_and_name(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1];
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    add_customer(f, "Matti Meikäläinen", "matti.m@example.fi", "+358401723700", a);
    RKT_OK(f, add_existing(f, "marketing", "sales_promotion", rkt_ts(T0), a,
                           who("Matti Meikäläinen", "matti.m@example.fi", NULL), &in));
    add_customer(f, "Maija Virtanen", "maija@example.fi", "+358501234567", b);

    struct found fo = find(f, "Matti.M@Example.FI");
    assert_int_equal(fo.n, 2); /* one entry per register */
    assert_string_equal(fo.ids[0], a);
    assert_string_equal(fo.ids[1], a);
    assert_string_not_equal(fo.regs[0], fo.regs[1]);

    fo = find(f, "040 172 3700");
    assert_int_equal(fo.n, 1);
    assert_string_equal(fo.ids[0], a);
    assert_string_equal(fo.regs[0], "customer");
    fo = find(f, "+358 (40) 172-3700");
    assert_int_equal(fo.n, 1);
    assert_string_equal(fo.ids[0], a);
    fo = find(f, "050-123 4567");
    assert_int_equal(fo.n, 1);
    assert_string_equal(fo.ids[0], b);

    fo = find(f, "Meikäl");
    assert_int_equal(fo.n, 2);
    assert_string_equal(fo.ids[0], a);
    assert_string_equal(fo.ids[1], a);
    fo = find(f, "virtanen");
    assert_int_equal(fo.n, 1);
    assert_string_equal(fo.ids[0], b);
    fo = find(f, "Ma");
    assert_int_equal(fo.n, 3);
    assert_int_equal(find(f, "Ville").n, 0);
    assert_int_equal(find(f, "nobody@example.fi").n, 0);
    assert_int_equal(find(f, "040 999 9999").n, 0);
    /* LIKE metacharacters match themselves. */
    assert_int_equal(find(f, "%").n, 0);

    struct found none;
    memset(&none, 0, sizeof none);
    EXPECT(rk_reg_person_find(&f->reg, "matti@", collect_entry, &none, MSG), RK_EINVAL,
           "the email to find");
    EXPECT(rk_reg_person_find(&f->reg, "12", collect_entry, &none, MSG), RK_EINVAL,
           "the phone to find");
    assert_int_equal(none.n, 0);
}

/* ---- Consent events --------------------------------------------------------------------- */

static void consent_refuses_non_consent_or_unknown_purpose(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    struct snap before = snap_take(f);
    static const enum rk_consent_kind kinds[] = {RK_CE_GIVEN, RK_CE_CONFIRMED, RK_CE_WITHDRAWN,
                                                 RK_CE_EXPIRED};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        EXPECT(record_consent(f, a, "customer_relationship", kinds[i], consent_at(rkt_ts(T0))),
               RK_EREFUSED, "purpose 'customer_relationship' rests on contract, not on consent");
        EXPECT(record_consent(f, a, "newsletter", kinds[i], consent_at(rkt_ts(T0))), RK_EREFUSED,
               "purpose 'newsletter' is not declared");
    }
    EXPECT(record_consent(f, NO_SUCH_ID, "sales_promotion", RK_CE_GIVEN, consent_at(rkt_ts(T0))),
           RK_ENOENT, "no person with id '" NO_SUCH_ID "'");
    EXPECT(
        record_consent(f, NO_SUCH_ID, "sales_promotion", RK_CE_WITHDRAWN, consent_at(rkt_ts(T0))),
        RK_ENOENT, "no person with id");
    expect_unchanged(f, &before);
    assert_int_equal(events_of(f, a).n, 0);
}

static void consent_refuses_transitions_the_state_forbids(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    struct snap before = snap_take(f);
    EXPECT(record_consent(f, a, "sales_promotion", RK_CE_WITHDRAWN, consent_at(rkt_ts(T0))),
           RK_EREFUSED,
           "has no live or pending consent to withdraw for purpose 'sales_promotion' (it is none)");
    EXPECT(record_consent(f, a, "sales_promotion", RK_CE_CONFIRMED, consent_at(rkt_ts(T0))),
           RK_EREFUSED, "has no consent awaiting confirmation");
    EXPECT(record_consent(f, a, "sales_promotion", RK_CE_EXPIRED, consent_at(rkt_ts(T0))),
           RK_EREFUSED, "has no consent that has run out");
    expect_unchanged(f, &before);

    RKT_OK(f, record_consent(f, a, "sales_promotion", RK_CE_GIVEN, consent_at(rkt_ts(T0))));
    before = snap_take(f);
    EXPECT(record_consent(f, a, "sales_promotion", RK_CE_CONFIRMED, consent_at(rkt_ts(T0))),
           RK_EREFUSED, "(it is live)");
    /* Still valid: it cannot be expired yet. */
    EXPECT(record_consent(f, a, "sales_promotion", RK_CE_EXPIRED,
                          consent_at(rkt_ts("2027-01-15T09:59:59Z"))),
           RK_EREFUSED, "has no consent that has run out");
    expect_unchanged(f, &before);

    RKT_OK(f, record_consent(f, a, "sales_promotion", RK_CE_WITHDRAWN,
                             consent_at(rkt_ts("2025-02-01T00:00:00Z"))));
    before = snap_take(f);
    EXPECT(record_consent(f, a, "sales_promotion", RK_CE_WITHDRAWN,
                          consent_at(rkt_ts("2025-02-02T00:00:00Z"))),
           RK_EREFUSED, "(it is withdrawn)");
    expect_unchanged(f, &before);
    struct events ev = events_of(f, a);
    assert_int_equal(ev.n, 2);
    assert_int_equal(ev.e[0].kind, RK_CE_GIVEN);
    assert_int_equal(ev.e[1].kind, RK_CE_WITHDRAWN);
}

static void withdrawal_leaves_marketing_keeps_customer(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    add_customer(f, "Matti", "matti@example.fi", "+358401723700", a);
    RKT_OK(f, add_existing(f, "marketing", "sales_promotion", rkt_ts(T0), a,
                           who("Matti", "matti@example.fi", NULL), &in));
    assert_int_equal(audience(f, "sales_promotion", rkt_ts("2025-01-20T00:00:00Z")).n, 1);

    struct rk_consent_input out = consent_at(rkt_ts("2025-02-01T00:00:00Z"));
    out.channel = "unsubscribe_link";
    RKT_OK(f, record_consent(f, a, "sales_promotion", RK_CE_WITHDRAWN, out));
    struct rk_entry e;
    assert_int_equal(entry_of(f, "marketing", a, &e), RK_ENOENT);
    assert_int_equal(entry_of(f, "customer", a, &e), RK_OK);
    assert_string_equal(e.v[RK_F_EMAIL], "matti@example.fi");
    assert_int_equal(membership(f, "marketing", a, "2025-02-02T00:00:00Z"), RK_MEMBER_NONE);
    assert_int_equal(membership(f, "customer", a, "2025-02-02T00:00:00Z"), RK_MEMBER_PROSPECT);
    assert_int_equal(state_of(f, a, "sales_promotion").status, RK_CONSENT_WITHDRAWN);
    struct events ev = events_of(f, a);
    assert_int_equal(ev.n, 2);
    assert_int_equal(ev.e[1].kind, RK_CE_WITHDRAWN);
    assert_string_equal(ev.e[1].channel, "unsubscribe_link");
    assert_int_equal(audience(f, "sales_promotion", rkt_ts("2025-02-02T00:00:00Z")).n, 0);
}

static void expiry_event_leaves_marketing(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    add_subscriber(f, "Matti", "matti@example.fi", a);
    RKT_OK(f,
           record_consent(f, a, "sales_promotion", RK_CE_EXPIRED, consent_at(rkt_ts(T0_PLUS_2Y))));
    struct rk_entry e;
    assert_int_equal(entry_of(f, "marketing", a, &e), RK_ENOENT);
    assert_int_equal(state_of(f, a, "sales_promotion").status, RK_CONSENT_EXPIRED);
    assert_int_equal(events_of(f, a).n, 2);
}

static void pending_consent_is_not_live_until_confirmed(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    RKT_OK(f, record_consent(f, a, "sales_promotion", RK_CE_GIVEN, pending_at(rkt_ts(T0))));
    assert_int_equal(state_of(f, a, "sales_promotion").status, RK_CONSENT_PENDING);
    struct events ev = events_of(f, a);
    assert_int_equal(ev.n, 1);
    assert_true(ev.e[0].pending);
    assert_int_equal(audience(f, "sales_promotion", rkt_ts("2025-01-15T11:00:00Z")).n, 0);
    /* Nor may the person be put in the consent-only register yet. */
    struct snap before = snap_take(f);
    EXPECT(add_existing(f, "marketing", "sales_promotion", rkt_ts("2025-01-15T11:00:00Z"), a,
                        who("Matti", "matti@example.fi", NULL), NULL),
           RK_EREFUSED, "no live consent");
    expect_unchanged(f, &before);

    RKT_OK(f, record_consent(f, a, "sales_promotion", RK_CE_CONFIRMED,
                             consent_at(rkt_ts("2025-01-16T08:00:00Z"))));
    struct rk_consent_state st = state_of(f, a, "sales_promotion");
    assert_int_equal(st.status, RK_CONSENT_LIVE);
    assert_int_equal(st.expires_at, rkt_ts("2027-01-16T08:00:00Z"));
    struct found fo = audience(f, "sales_promotion", rkt_ts("2025-01-16T09:00:00Z"));
    assert_int_equal(fo.n, 1);
    assert_string_equal(fo.ids[0], a);
    RKT_OK(f, add_existing(f, "marketing", "sales_promotion", rkt_ts("2025-01-16T09:00:00Z"), a,
                           who("Matti", "matti@example.fi", NULL), NULL));
    assert_int_equal(events_of(f, a).n, 2);
}

/* ---- Membership -------------------------------------------------------------------------- */

static void membership_prospect_customer_and_grace(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], m[RK_ID_LEN + 1], k[RK_ID_LEN + 1];
    RKT_OK(f, add(f, "customer", "service", RK_SRC_WEB_FORM, rkt_ts("2024-01-01T09:00:00Z"),
                  who("Matti", "matti@example.fi", NULL), NULL, a));
    assert_int_equal(membership(f, "customer", a, "2024-01-02T00:00:00Z"), RK_MEMBER_PROSPECT);
    RKT_OK(f, contract(f, "customer", "service", a, "2024-01-01", open_end,
                       rkt_ts("2024-01-01T09:00:00Z"), k));
    assert_int_equal(membership(f, "customer", a, "2024-01-02T00:00:00Z"), RK_MEMBER_CUSTOMER);
    assert_int_equal(membership(f, "customer", a, "2030-01-01T00:00:00Z"), RK_MEMBER_CUSTOMER);

    RKT_OK(f, rk_reg_contract_end(&f->reg, k, date_of("2025-01-31"), rkt_ts("2025-01-31T12:00:00Z"),
                                  MSG));
    /* The customer register keeps customers 6 months after the contract ends. */
    assert_int_equal(membership(f, "customer", a, "2025-02-01T00:00:00Z"), RK_MEMBER_CUSTOMER);
    assert_int_equal(membership(f, "customer", a, "2025-07-31T23:59:59Z"), RK_MEMBER_CUSTOMER);
    assert_int_equal(membership(f, "customer", a, "2025-08-01T00:00:00Z"), RK_MEMBER_PROSPECT);

    struct rk_consent_input in = consent_at(rkt_ts(T0));
    RKT_OK(f, add(f, "marketing", "marketing", RK_SRC_WEB_FORM, rkt_ts(T0),
                  who("Maija", "maija@example.fi", NULL), &in, m));
    assert_int_equal(membership(f, "marketing", m, T0), RK_MEMBER_CONSENTED);
    assert_int_equal(membership(f, "customer", m, T0), RK_MEMBER_NONE);
    assert_int_equal(membership(f, "marketing", a, T0), RK_MEMBER_NONE);
    enum rk_membership out = RK_MEMBER_CUSTOMER;
    assert_int_equal(rk_reg_membership(&f->reg, "crm", a, rkt_ts(T0), &out), RK_EINVAL);
    assert_string_equal(rk_membership_name(RK_MEMBER_PROSPECT), "prospect");
    assert_string_equal(rk_membership_name(RK_MEMBER_CUSTOMER), "customer");
    assert_string_equal(rk_membership_name(RK_MEMBER_CONSENTED), "consented");
    assert_string_equal(rk_membership_name(RK_MEMBER_NONE), "none");
}

/*
 * BUG (src/core/register.c:568, scan_contract; the same in
 * src/store/store_sqlite.c:135, S_AUDIENCE_CONTRACT): a contract's status is
 * fixed when it is written (register.c:648: "ended" only if its end date has
 * already passed), and nothing moves it to "ended" when a declared end date
 * later passes. Membership counts any contract whose status is "active" as
 * making the person a customer, and the contract audience lists anyone with
 * such a contract, so a contract that ended on 2025-01-31 keeps its holder a
 * customer — and in the customer_relationship/service audience — forever, past
 * the 6-month grace. Both should treat a contract whose end date is before
 * today as ended (status active AND (no end OR end >= today)).
 */
static void bug_contract_end_date_passing_ends_customership(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], k[RK_ID_LEN + 1];
    RKT_OK(f, add(f, "customer", "service", RK_SRC_WEB_FORM, rkt_ts("2024-01-01T09:00:00Z"),
                  who("Matti", "matti@example.fi", NULL), NULL, a));
    RKT_OK(f, contract(f, "customer", "service", a, "2024-01-01", date_of("2025-01-31"),
                       rkt_ts("2024-01-01T09:00:00Z"), k));
    assert_int_equal(contract_of(f, k).status, RK_CONTRACT_ACTIVE);
    assert_int_equal(membership(f, "customer", a, "2025-07-31T12:00:00Z"), RK_MEMBER_CUSTOMER);
    assert_int_equal(audience(f, "service", rkt_ts("2025-01-30T00:00:00Z")).n, 1);
    /* BUG: still RK_MEMBER_CUSTOMER and still in the audience. */
    assert_int_equal(membership(f, "customer", a, "2025-08-01T00:00:00Z"), RK_MEMBER_PROSPECT);
    assert_int_equal(audience(f, "service", rkt_ts("2025-08-01T00:00:00Z")).n, 0);
}

/*
 * BUG (src/core/register.c:736, rk_reg_contract_end; src/store/store_sqlite.c:135):
 * the other face of the bug above. Ending a contract on a future date (notice
 * given on 2025-06-30, contract runs to 2025-12-31) sets its status to "ended"
 * at once, and the contract audience goes by status only, so the customer
 * drops out of the customer_relationship audience six months before the
 * contract actually ends. The contract is in force until its end date.
 */
static void bug_contract_ended_in_future_is_active_until_then(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], k[RK_ID_LEN + 1];
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    RKT_OK(f, contract(f, "customer", "customer_relationship", a, "2025-01-01", open_end,
                       rkt_ts(T0), k));
    RKT_OK(f, rk_reg_contract_end(&f->reg, k, date_of("2025-12-31"), rkt_ts("2025-06-30T12:00:00Z"),
                                  MSG));
    assert_int_equal(membership(f, "customer", a, "2025-07-15T00:00:00Z"), RK_MEMBER_CUSTOMER);
    /* BUG: 0 — the contract already counts as ended. */
    assert_int_equal(audience(f, "customer_relationship", rkt_ts("2025-07-15T00:00:00Z")).n, 1);
    assert_int_equal(audience(f, "customer_relationship", rkt_ts("2026-01-01T00:00:00Z")).n, 0);
}

static void contract_already_ended_when_written(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], k[RK_ID_LEN + 1];
    RKT_OK(f, add(f, "customer", "service", RK_SRC_WEB_FORM, rkt_ts(T0),
                  who("Matti", "matti@example.fi", NULL), NULL, a));
    /* Recorded afterwards: it ended before the write, so it is written as ended. */
    RKT_OK(f, contract(f, "customer", "service", a, "2023-01-01", date_of("2024-12-31"), rkt_ts(T0),
                       k));
    assert_int_equal(contract_of(f, k).status, RK_CONTRACT_ENDED);
    assert_int_equal(membership(f, "customer", a, "2025-06-30T00:00:00Z"), RK_MEMBER_CUSTOMER);
    assert_int_equal(membership(f, "customer", a, "2025-07-01T00:00:00Z"), RK_MEMBER_PROSPECT);
    assert_int_equal(audience(f, "service", rkt_ts(T0)).n, 0);
}

/* ---- Contracts --------------------------------------------------------------------------- */

static void contract_refusals(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], m[RK_ID_LEN + 1], k[RK_ID_LEN + 1];
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    add_subscriber(f, "Maija", "maija@example.fi", m);
    struct snap before = snap_take(f);

    EXPECT(contract(f, "marketing", "sales_promotion", m, "2025-01-01", open_end, rkt_ts(T0), k),
           RK_EREFUSED, "register 'marketing' declares no category of kind contract");
    EXPECT(
        contract(f, "customer", "customer_relationship", m, "2025-01-01", open_end, rkt_ts(T0), k),
        RK_ENOENT, "is not in register 'customer'; add them first");
    assert_non_null(strstr(f->msg.message, m));
    EXPECT(contract(f, "customer", "customer_relationship", NO_SUCH_ID, "2025-01-01", open_end,
                    rkt_ts(T0), k),
           RK_ENOENT, "no person with id '" NO_SUCH_ID "'");
    EXPECT(contract(f, "customer", "customer_relationship", a, "2025-01-01", date_of("2024-12-31"),
                    rkt_ts(T0), k),
           RK_EREFUSED, "the contract ends before it starts");
    EXPECT(contract(f, "customer", "billing", a, "2025-01-01", open_end, rkt_ts(T0), k),
           RK_EREFUSED, "purpose 'billing' is not declared");
    EXPECT(contract(f, "orders", "customer_relationship", a, "2025-01-01", open_end, rkt_ts(T0), k),
           RK_EREFUSED, "register 'orders' is not declared");
    expect_unchanged(f, &before);

    /* A contract that starts and ends on the same day is fine. */
    RKT_OK(f, contract(f, "customer", "customer_relationship", a, "2025-01-01",
                       date_of("2025-01-01"), rkt_ts("2024-12-01T00:00:00Z"), k));
    struct rk_contract c = contract_of(f, k);
    assert_string_equal(c.person_id, a);
    assert_string_equal(c.register_id, "customer");
    assert_string_equal(c.service, "Smartum Saldo");
    assert_string_equal(c.created_by, "tester");
    assert_date(c.start, "2025-01-01");
    assert_date(c.end, "2025-01-01");
}

static void contract_change_records_each_field(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], k[RK_ID_LEN + 1], rows[1024];
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    RKT_OK(f, contract(f, "customer", "customer_relationship", a, "2025-01-01", open_end,
                       rkt_ts(T0), k));

    RKT_OK(f, rk_reg_contract_change(&f->reg, k, "service", "Smartum Lounas",
                                     rkt_ts("2025-02-01T00:00:00Z"), MSG));
    RKT_OK(f, rk_reg_contract_change(&f->reg, k, "start", "2025-02-01",
                                     rkt_ts("2025-02-01T00:00:00Z"), MSG));
    RKT_OK(f, rk_reg_contract_change(&f->reg, k, "end", "2026-01-31",
                                     rkt_ts("2025-02-01T00:00:00Z"), MSG));
    struct rk_contract c = contract_of(f, k);
    assert_string_equal(c.service, "Smartum Lounas");
    assert_date(c.start, "2025-02-01");
    assert_date(c.end, "2026-01-31");
    assert_int_equal(c.status, RK_CONTRACT_ACTIVE);
    changes_of(f, k, rows, sizeof rows);
    assert_string_equal(rows, "service:Smartum Saldo>Smartum Lounas;start:2025-01-01>2025-02-01;"
                              "end:>2026-01-31;");

    struct snap before = snap_take(f);
    EXPECT(rk_reg_contract_change(&f->reg, k, "price", "100", rkt_ts(T0), MSG), RK_EINVAL,
           "unknown contract field 'price'; expected service, start or end");
    EXPECT(rk_reg_contract_change(&f->reg, k, "start", "2025-02-30", rkt_ts(T0), MSG), RK_EINVAL,
           "start: expected a date as YYYY-MM-DD");
    EXPECT(rk_reg_contract_change(&f->reg, k, "end", "31.1.2026", rkt_ts(T0), MSG), RK_EINVAL,
           "end: expected a date");
    EXPECT(rk_reg_contract_change(&f->reg, k, "end", "2025-01-31", rkt_ts(T0), MSG), RK_EREFUSED,
           "the contract would end before it starts");
    EXPECT(rk_reg_contract_change(&f->reg, k, "start", "2026-02-01", rkt_ts(T0), MSG), RK_EREFUSED,
           "the contract would end before it starts");
    EXPECT(rk_reg_contract_change(&f->reg, NO_SUCH_ID, "service", "x", rkt_ts(T0), MSG), RK_ENOENT,
           "no contract with id '" NO_SUCH_ID "'");
    expect_unchanged(f, &before);
    c = contract_of(f, k);
    assert_string_equal(c.service, "Smartum Lounas");
    assert_date(c.start, "2025-02-01");
    assert_date(c.end, "2026-01-31");
}

static void contract_end_once(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], k[RK_ID_LEN + 1], rows[1024];
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    RKT_OK(f, contract(f, "customer", "customer_relationship", a, "2025-01-01", open_end,
                       rkt_ts(T0), k));
    struct snap before = snap_take(f);
    EXPECT(rk_reg_contract_end(&f->reg, k, date_of("2024-12-31"), rkt_ts(T0), MSG), RK_EREFUSED,
           "the contract would end before it starts");
    EXPECT(rk_reg_contract_end(&f->reg, NO_SUCH_ID, date_of("2025-06-30"), rkt_ts(T0), MSG),
           RK_ENOENT, "no contract with id");
    expect_unchanged(f, &before);

    RKT_OK(f, rk_reg_contract_end(&f->reg, k, date_of("2025-06-30"), rkt_ts("2025-06-30T15:00:00Z"),
                                  MSG));
    struct rk_contract c = contract_of(f, k);
    assert_int_equal(c.status, RK_CONTRACT_ENDED);
    assert_date(c.end, "2025-06-30");
    changes_of(f, k, rows, sizeof rows);
    assert_string_equal(rows, "end:>2025-06-30;status:active>ended;");

    before = snap_take(f);
    EXPECT(
        rk_reg_contract_end(&f->reg, k, date_of("2025-07-31"), rkt_ts("2025-07-31T00:00:00Z"), MSG),
        RK_EREFUSED, "has already ended");
    assert_non_null(strstr(f->msg.message, k));
    expect_unchanged(f, &before);
    assert_date(contract_of(f, k).end, "2025-06-30");
}

/* ---- Invoices ---------------------------------------------------------------------------- */

struct invoices {
    int n;
    struct rk_invoice i[4];
};

static int collect_invoice(void *ctx, const struct rk_invoice *i) {
    struct invoices *iv = ctx;
    if (iv->n < 4)
        iv->i[iv->n] = *i;
    iv->n++;
    return 0;
}

static struct invoices invoices_of(struct rkt_reg *f, const char *person) {
    struct invoices iv;
    memset(&iv, 0, sizeof iv);
    assert_int_equal(rk_store_invoices_of_person(f->store, person, collect_invoice, &iv), RK_OK);
    return iv;
}

static void invoice_refusals(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], m[RK_ID_LEN + 1], kb[RK_ID_LEN + 1];
    char i[RK_ID_LEN + 1];
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    add_customer(f, "Maija", "maija@example.fi", NULL, b);
    add_subscriber(f, "Ville", "ville@example.fi", m);
    RKT_OK(f, contract(f, "customer", "customer_relationship", b, "2025-01-01", open_end,
                       rkt_ts(T0), kb));
    struct snap before = snap_take(f);

    /* Billing data into the marketing register. */
    EXPECT(invoice(f, "marketing", "sales_promotion", m, NULL, "2025-001", "2025-03-10", i),
           RK_EREFUSED, "register 'marketing' declares no category of kind billing");
    EXPECT(invoice(f, "customer", "customer_relationship", a, kb, "2025-001", "2025-03-10", i),
           RK_EREFUSED, "belongs to another person");
    assert_non_null(strstr(f->msg.message, kb));
    EXPECT(
        invoice(f, "customer", "customer_relationship", a, NO_SUCH_ID, "2025-001", "2025-03-10", i),
        RK_ENOENT, "no contract with id");
    EXPECT(invoice(f, "customer", "customer_relationship", m, NULL, "2025-001", "2025-03-10", i),
           RK_ENOENT, "is not in register 'customer'; add them first");
    EXPECT(invoice(f, "customer", "customer_relationship", NO_SUCH_ID, NULL, "2025-001",
                   "2025-03-10", i),
           RK_ENOENT, "no person with id");
    expect_unchanged(f, &before);

    RKT_OK(f, invoice(f, "customer", "customer_relationship", b, kb, "2025-001", "2025-03-10", i));
    before = snap_take(f);
    EXPECT(invoice(f, "customer", "customer_relationship", a, NULL, "2025-001", "2025-04-10", i),
           RK_ECONFLICT, "invoice number '2025-001' is already recorded");
    expect_unchanged(f, &before);
    assert_int_equal(invoices_of(f, a).n, 0);

    /* The example's billing category declares no statutory keep. */
    struct invoices iv = invoices_of(f, b);
    assert_int_equal(iv.n, 1);
    assert_string_equal(iv.i[0].number, "2025-001");
    assert_string_equal(iv.i[0].contract_id, kb);
    assert_string_equal(iv.i[0].register_id, "customer");
    assert_int_equal(iv.i[0].amount_cents, 12900);
    assert_string_equal(iv.i[0].currency, "EUR");
    assert_date(iv.i[0].date, "2025-03-10");
    assert_int_equal(iv.i[0].keep_until.y, 0);
}

/* The texts a write stores beside the values follow the text rule (base/normalize.h): a
 * direction control or invisible character in a source detail, a contract's service (added or
 * changed), an invoice number or currency is refused with the field named, and nothing changes. */
static void texts_beside_values_follow_the_text_rule(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], k[RK_ID_LEN + 1], i[RK_ID_LEN + 1];
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    RKT_OK(f, contract(f, "customer", "customer_relationship", a, "2025-01-01", open_end,
                       rkt_ts(T0), k));
    struct snap before = snap_take(f);
    struct rk_write w = wr("customer", "customer_relationship", RK_SRC_CONTRACT, rkt_ts(T0));
    w.source_detail = "puhelu \xe2\x80\xae"
                      "nenokkiV";
    char id[RK_ID_LEN + 1];
    EXPECT(rk_reg_person_add(&f->reg, &w, NULL, &(struct rk_contact){{[RK_F_NAME] = "Maija"}}, NULL,
                             id, MSG),
           RK_EINVAL, "source_detail: contains a direction-control character");
    assert_null(strstr(f->msg.message, "nenokkiV"));
    w.source_detail = NULL;
    EXPECT(rk_reg_contract_add(&f->reg, &w, a, "Lounas\xe2\x80\x8bseteli", date_of("2025-02-01"),
                               open_end, k, MSG),
           RK_EINVAL, "service: contains an invisible format character");
    EXPECT(rk_reg_contract_change(&f->reg, k, "service", "Saldo\n2", rkt_ts(T0), MSG), RK_EINVAL,
           "value: contains a line break");
    EXPECT(rk_reg_invoice_add(&f->reg, &w, a, NULL,
                              "2025\xe2\x81\xa6"
                              "001",
                              date_of("2025-03-10"), 100, "EUR", i, MSG),
           RK_EINVAL, "number: contains a direction-control character");
    EXPECT(rk_reg_invoice_add(&f->reg, &w, a, NULL, "2025-001", date_of("2025-03-10"), 100,
                              "EU\xc2\xadR", i, MSG),
           RK_EINVAL, "currency: contains an invisible format character");
    expect_unchanged(f, &before);
}

static void invoice_keep_until_from_declaration(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], k[RK_ID_LEN + 1], i[RK_ID_LEN + 1];
    RKT_OK(f, add(f, "customer", "accounting", RK_SRC_CONTRACT, rkt_ts(T0),
                  who("Matti", "matti@example.fi", NULL), NULL, a));
    RKT_OK(f, contract(f, "customer", "service", a, "2025-01-01", open_end, rkt_ts(T0), k));
    /* Accounting Act 2:10: 6 years from the end of the invoice's calendar year. */
    RKT_OK(f, invoice(f, "customer", "accounting", a, k, "F-1", "2025-03-10", i));
    RKT_OK(f, invoice(f, "customer", "accounting", a, NULL, "F-2", "2025-12-31", i));
    RKT_OK(f, invoice(f, "customer", "accounting", a, NULL, "F-3", "2026-01-01", i));
    struct invoices iv = invoices_of(f, a);
    assert_int_equal(iv.n, 3);
    assert_string_equal(iv.i[0].number, "F-1");
    assert_string_equal(iv.i[0].contract_id, k);
    assert_date(iv.i[0].keep_until, "2031-12-31");
    assert_string_equal(iv.i[1].contract_id, "");
    assert_date(iv.i[1].keep_until, "2031-12-31");
    assert_date(iv.i[2].keep_until, "2032-12-31");
}

/* With a financial year ending 30 June, an invoice is kept 6 years from the end of the calendar
 * year in which its financial period ended: August 2024 is in the period ending 30 June 2025. */
static void invoice_keep_until_from_financial_period(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], i[RK_ID_LEN + 1];
    assert_int_equal(f->decl->controller.financial_year_end.m, 6);
    RKT_OK(f, add(f, "customer", "accounting", RK_SRC_CONTRACT, rkt_ts(T0),
                  who("Matti", "matti@example.fi", NULL), NULL, a));
    RKT_OK(f, invoice(f, "customer", "accounting", a, NULL, "F-1", "2024-08-01", i));
    RKT_OK(f, invoice(f, "customer", "accounting", a, NULL, "F-2", "2024-05-01", i));
    RKT_OK(f, invoice(f, "customer", "accounting", a, NULL, "F-3", "2024-06-30", i));
    struct invoices iv = invoices_of(f, a);
    assert_int_equal(iv.n, 3);
    const char *want[][2] = {{"F-1", "2031-12-31"}, {"F-2", "2030-12-31"}, {"F-3", "2030-12-31"}};
    for (size_t w = 0; w < 3; w++)
        for (int k = 0; k < iv.n; k++)
            if (strcmp(iv.i[k].number, want[w][0]) == 0)
                assert_date(iv.i[k].keep_until, want[w][1]);
}

/* ---- Art 14 ---------------------------------------------------------------------------- */

static void art14_task_for_data_not_from_the_person(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1], rows[256];
    assert_int_equal(art14_tasks(f), 0);
    RKT_OK(f, add(f, "customer", "acquisition", RK_SRC_PUBLIC_SOURCE, rkt_ts(T0),
                  who("Matti", "matti@example.fi", NULL), NULL, a));
    assert_int_equal(art14_tasks(f), 1);
    tasks_of(f, a, rows, sizeof rows);
    assert_string_equal(rows, "2025-02-15 public_source;");
    RKT_OK(f, add(f, "customer", "service", RK_SRC_WEB_FORM, rkt_ts(T0),
                  who("Maija", "maija@example.fi", NULL), NULL, b));
    assert_int_equal(art14_tasks(f), 1);
    RKT_OK(f, add(f, "customer", "acquisition", RK_SRC_THIRD_PARTY, rkt_ts("2025-01-31T08:00:00Z"),
                  who("Ville", "ville@example.fi", NULL), NULL, c));
    assert_int_equal(art14_tasks(f), 2);
    tasks_of(f, c, rows, sizeof rows);
    assert_string_equal(rows, "2025-02-28 third_party;");
}

/*
 * BUG (src/core/register.c:121-134, source_allowed): the check ignores the
 * purposes a source is declared for. full.yaml declares public_source for the
 * customer register with purposes [acquisition]; docs/declaration.md says
 * "purposes: ... Absent: all purposes of its registers", so data from public
 * sources may be written for acquisition only. A write of public-source data
 * for the purpose 'service' is accepted (RK_OK). It should be refused like an
 * undeclared source ("source 'public_source' is not declared for purpose
 * 'service' of register 'customer'") when the source lists purposes and
 * w->purpose is not among them.
 */
static void bug_source_declared_purposes_are_enforced(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1];
    struct snap before = snap_take(f);
    EXPECT(add(f, "customer", "service", RK_SRC_PUBLIC_SOURCE, rkt_ts(T0),
               who("Matti", "matti@example.fi", NULL), NULL, a),
           RK_EREFUSED, "public_source");
    expect_unchanged(f, &before);
}

/* ---- Audience -------------------------------------------------------------------------- */

static void audience_consent_purpose(void **state) {
    struct rkt_reg *f = *state;
    char live[RK_ID_LEN + 1], gone[RK_ID_LEN + 1], supp[RK_ID_LEN + 1], cust[RK_ID_LEN + 1];
    char both[RK_ID_LEN + 1], obj[RK_ID_LEN + 1];
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    add_subscriber(f, "Live", "live@example.fi", live);
    add_subscriber(f, "Gone", "gone@example.fi", gone);
    add_subscriber(f, "Suppressed", "supp@example.fi", supp);
    add_subscriber(f, "Objected", "obj@example.fi", obj);
    add_customer(f, "Customer", "cust@example.fi", NULL, cust);
    add_customer(f, "Both", "both@example.fi", NULL, both);
    RKT_OK(f, add_existing(f, "marketing", "sales_promotion", rkt_ts(T0), both,
                           who("Both", "both@example.fi", NULL), &in));
    rk_ts t1 = rkt_ts("2025-02-01T00:00:00Z");
    assert_int_equal(audience(f, "sales_promotion", t1).n, 5);

    RKT_OK(f, record_consent(f, gone, "sales_promotion", RK_CE_WITHDRAWN, consent_at(t1)));
    RKT_OK(f,
           rk_reg_suppress(&f->reg, RK_F_EMAIL, "supp@example.fi", RK_SUPPRESS_OBJECTION, t1, MSG));
    flag_person(f, obj, false, true);

    struct found fo = audience(f, "sales_promotion", rkt_ts("2025-02-02T00:00:00Z"));
    assert_int_equal(fo.n, 2);
    assert_true(found_has(&fo, live));
    assert_true(found_has(&fo, both)); /* in both registers, listed once */
    assert_false(found_has(&fo, gone));
    assert_false(found_has(&fo, supp));
    assert_false(found_has(&fo, cust));
    assert_false(found_has(&fo, obj));

    /* Two years on, every consent of T0 has run out. */
    assert_int_equal(audience(f, "sales_promotion", rkt_ts("2027-01-15T09:59:59Z")).n, 2);
    assert_int_equal(audience(f, "sales_promotion", rkt_ts(T0_PLUS_2Y)).n, 0);
    assert_int_equal(audience(f, "sales_promotion", rkt_ts("2027-06-01T00:00:00Z")).n, 0);

    struct found none;
    memset(&none, 0, sizeof none);
    EXPECT(rk_reg_audience(&f->reg, "newsletter", t1, collect_entry, &none, MSG), RK_EREFUSED,
           "purpose 'newsletter' is not declared");
    assert_int_equal(none.n, 0);
}

static void audience_contract_purpose(void **state) {
    struct rkt_reg *f = *state;
    char active[RK_ID_LEN + 1], none_[RK_ID_LEN + 1], ended[RK_ID_LEN + 1], m[RK_ID_LEN + 1];
    char k[RK_ID_LEN + 1];
    add_customer(f, "Active", "active@example.fi", NULL, active);
    add_customer(f, "Prospect", "prospect@example.fi", NULL, none_);
    add_customer(f, "Ended", "ended@example.fi", NULL, ended);
    add_subscriber(f, "Subscriber", "sub@example.fi", m);
    RKT_OK(f, contract(f, "customer", "customer_relationship", active, "2025-01-01", open_end,
                       rkt_ts(T0), k));
    RKT_OK(f, contract(f, "customer", "customer_relationship", ended, "2024-01-01", open_end,
                       rkt_ts(T0), k));
    RKT_OK(f, rk_reg_contract_end(&f->reg, k, date_of("2025-01-10"), rkt_ts(T0), MSG));

    struct found fo = audience(f, "customer_relationship", rkt_ts("2025-01-20T00:00:00Z"));
    assert_int_equal(fo.n, 1);
    assert_string_equal(fo.ids[0], active);
}

static void audience_other_basis_lists_every_entry(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], m[RK_ID_LEN + 1];
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    RKT_OK(f, add(f, "customer", "acquisition", RK_SRC_PUBLIC_SOURCE, rkt_ts(T0),
                  who("Matti", "matti@example.fi", NULL), NULL, a));
    RKT_OK(f, add(f, "customer", "service", RK_SRC_WEB_FORM, rkt_ts(T0),
                  who("Maija", "maija@example.fi", NULL), NULL, b));
    RKT_OK(f, add(f, "marketing", "marketing", RK_SRC_WEB_FORM, rkt_ts(T0),
                  who("Ville", "ville@example.fi", NULL), &in, m));
    /* Legitimate interests: everyone in the customer register, nobody else. */
    struct found fo = audience(f, "acquisition", rkt_ts(T0));
    assert_int_equal(fo.n, 2);
    assert_true(found_has(&fo, a));
    assert_true(found_has(&fo, b));
    /* full.yaml: marketing consent is valid 18 months. */
    assert_int_equal(audience(f, "marketing", rkt_ts("2026-07-15T09:59:59Z")).n, 1);
    assert_int_equal(audience(f, "marketing", rkt_ts("2026-07-15T10:00:00Z")).n, 0);
}

/* ---- Batches ------------------------------------------------------------------------------ */

static void batch_rollback_leaves_nothing(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    struct rk_consent_input in = consent_at(rkt_ts(T0));
    struct snap before = snap_take(f);
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    assert_true(f->reg.in_batch);
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    add_subscriber(f, "Maija", "maija@example.fi", b);
    RKT_OK(f, add(f, "customer", "sales_promotion", RK_SRC_PUBLIC_SOURCE, rkt_ts(T0),
                  who("Ville", "ville@example.fi", NULL), &in, c));
    RKT_OK(f, add_existing(f, "marketing", "sales_promotion", rkt_ts(T0), a,
                           who("Matti", "matti@example.fi", NULL), &in));
    /* The batch sees its own rows. */
    assert_int_equal(find(f, "matti@example.fi").n, 2);
    rk_reg_batch_rollback(&f->reg);
    assert_false(f->reg.in_batch);
    expect_unchanged(f, &before);
    assert_int_equal(find(f, "matti@example.fi").n, 0);
    assert_int_equal(find(f, "maija@example.fi").n, 0);
    assert_int_equal(art14_tasks(f), 0);
    assert_int_equal(rk_store_person_exists(f->store, a, NULL, NULL), RK_ENOENT);
    /* Writes after the rollback are their own transactions again. */
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    assert_int_equal(rkt_census(f, NULL).persons, 1);
}

static void batch_refusal_keeps_the_other_rows(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1], i[RK_ID_LEN + 1];
    RKT_OK(f, rk_reg_batch_begin(&f->reg));
    add_customer(f, "Matti", "matti@example.fi", NULL, a);
    EXPECT(add(f, "customer", "customer_relationship", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Matti 2", "matti@example.fi", NULL), NULL, b),
           RK_ECONFLICT, a);
    struct rk_contact org = who("Maija", "maija@example.fi", NULL);
    org.v[RK_F_ORGANISATION] = "Smartum Oy";
    EXPECT(add(f, "marketing", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0), org, NULL, b),
           RK_EREFUSED, "category 'organisation' is not declared");
    EXPECT(add(f, "marketing", "sales_promotion", RK_SRC_WEB_FORM, rkt_ts(T0),
               who("Maija", "maija@example.fi", NULL), NULL, b),
           RK_EREFUSED, "rests on consent");
    add_customer(f, "Ville", "ville@example.fi", NULL, c);
    RKT_OK(f,
           invoice(f, "customer", "customer_relationship", a, NULL, "2025-001", "2025-01-15", i));
    /* A refusal by the store (a duplicate invoice number) inside the batch. */
    EXPECT(invoice(f, "customer", "customer_relationship", c, NULL, "2025-001", "2025-01-15", i),
           RK_ECONFLICT, "is already recorded");
    RKT_OK(f, rk_reg_batch_commit(&f->reg));
    assert_false(f->reg.in_batch);

    assert_int_equal(rkt_census(f, NULL).persons, 2);
    assert_int_equal(rkt_census(f, NULL).entries, 2);
    assert_int_equal(rkt_census(f, NULL).invoices, 1);
    assert_int_equal(rkt_census(f, NULL).consent_events, 0);
    struct found fo = find(f, "matti@example.fi");
    assert_int_equal(fo.n, 1);
    assert_string_equal(fo.ids[0], a);
    fo = find(f, "ville@example.fi");
    assert_int_equal(fo.n, 1);
    assert_string_equal(fo.ids[0], c);
    assert_int_equal(find(f, "maija@example.fi").n, 0);
    assert_int_equal(invoices_of(f, a).n, 1);
    assert_int_equal(invoices_of(f, c).n, 0);
}

#define EX(t)   cmocka_unit_test_setup_teardown(t, setup_example, rkt_reg_teardown)
#define FULL(t) cmocka_unit_test_setup_teardown(t, setup_full, rkt_reg_teardown)

/* rk_reg_may_contact answers like the audience, with a reason that names no data. */
static void may_contact_reasons(void **state) {
    struct rkt_reg *f = *state;
    char a[RK_ID_LEN + 1], b[RK_ID_LEN + 1], c[RK_ID_LEN + 1];
    struct rk_contact_answer ans;
    add_subscriber(f, "Anna", "anna@example.fi", a);
    add_subscriber(f, "Bea", "bea@example.fi", b);
    add_subscriber(f, "Cia", "cia@example.fi", c);
    RKT_OK(f, rk_reg_may_contact(&f->reg, RK_F_EMAIL, "ANNA@example.fi", "sales_promotion",
                                 rkt_ts(T0), &ans, MSG));
    assert_true(ans.allowed);
    assert_string_equal(ans.person_id, a);
    assert_non_null(strstr(ans.reason, "live consent until 2027-01-15"));
    /* Two years on, the consent has run out. */
    RKT_OK(f, rk_reg_may_contact(&f->reg, RK_F_EMAIL, "anna@example.fi", "sales_promotion",
                                 rkt_ts(T0_PLUS_2Y), &ans, MSG));
    assert_false(ans.allowed);
    assert_string_equal(ans.reason, "no live consent for the purpose (it is expired)");
    flag_person(f, b, true, false);
    RKT_OK(f, rk_reg_may_contact(&f->reg, RK_F_EMAIL, "bea@example.fi", "sales_promotion",
                                 rkt_ts(T0), &ans, MSG));
    assert_false(ans.allowed);
    assert_non_null(strstr(ans.reason, "restricted"));
    flag_person(f, c, false, true);
    RKT_OK(f, rk_reg_may_contact(&f->reg, RK_F_EMAIL, "cia@example.fi", "sales_promotion",
                                 rkt_ts(T0), &ans, MSG));
    assert_false(ans.allowed);
    assert_non_null(strstr(ans.reason, "objected"));
    RKT_OK(f, rk_reg_suppress(&f->reg, RK_F_EMAIL, "dan@example.fi", RK_SUPPRESS_OBJECTION,
                              rkt_ts(T0), MSG));
    RKT_OK(f, rk_reg_may_contact(&f->reg, RK_F_EMAIL, "dan@example.fi", "sales_promotion",
                                 rkt_ts(T0), &ans, MSG));
    assert_false(ans.allowed);
    assert_non_null(strstr(ans.reason, "suppression"));
    assert_null(strstr(ans.reason, "dan"));
    RKT_OK(f, rk_reg_may_contact(&f->reg, RK_F_EMAIL, "eve@example.fi", "sales_promotion",
                                 rkt_ts(T0), &ans, MSG));
    assert_false(ans.allowed);
    assert_string_equal(ans.person_id, "");
    EXPECT(rk_reg_may_contact(&f->reg, RK_F_EMAIL, "not-an-email", "sales_promotion", rkt_ts(T0),
                              &ans, MSG),
           RK_EINVAL, "the email");
    EXPECT(
        rk_reg_may_contact(&f->reg, RK_F_EMAIL, "anna@example.fi", "nosuch", rkt_ts(T0), &ans, MSG),
        RK_EINVAL, "not declared");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        EX(may_contact_reasons),
        EX(init_records_notice_evidence),
        EX(init_refuses_a_missing_or_foreign_digest),
        EX(add_refuses_undeclared_register),
        EX(add_refuses_missing_purpose),
        EX(add_refuses_undeclared_purpose),
        EX(add_refuses_purpose_of_other_register),
        EX(add_refuses_undeclared_source),
        EX(add_refuses_undeclared_category),
        EX(add_refuses_person_without_identity),
        EX(add_consent_purpose_needs_consent),
        EX(add_refuses_consent_already_expired),
        EX(add_refuses_suppressed_email),
        EX(add_refuses_suppressed_phone),
        EX(add_refuses_duplicate_in_register),
        EX(add_existing_person_to_register),
        EX(add_refuses_restricted_person),
        EX(bug_readd_after_withdrawal_records_consent),
        EX(update_sets_fields_and_provenance),
        EX(update_refusals),
        EX(find_by_email_phone_and_name),
        EX(consent_refuses_non_consent_or_unknown_purpose),
        EX(consent_refuses_transitions_the_state_forbids),
        EX(withdrawal_leaves_marketing_keeps_customer),
        EX(expiry_event_leaves_marketing),
        EX(pending_consent_is_not_live_until_confirmed),
        FULL(membership_prospect_customer_and_grace),
        FULL(bug_contract_end_date_passing_ends_customership),
        EX(bug_contract_ended_in_future_is_active_until_then),
        FULL(contract_already_ended_when_written),
        EX(contract_refusals),
        EX(contract_change_records_each_field),
        EX(contract_end_once),
        EX(invoice_refusals),
        EX(texts_beside_values_follow_the_text_rule),
        FULL(invoice_keep_until_from_declaration),
        cmocka_unit_test_setup_teardown(invoice_keep_until_from_financial_period,
                                        setup_financial_year, rkt_reg_teardown),
        FULL(art14_task_for_data_not_from_the_person),
        FULL(bug_source_declared_purposes_are_enforced),
        EX(audience_consent_purpose),
        EX(audience_contract_purpose),
        FULL(audience_other_basis_lists_every_entry),
        EX(batch_rollback_leaves_nothing),
        EX(batch_refusal_keeps_the_other_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
