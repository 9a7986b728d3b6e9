/*
 * test_view.c — what a staff role sees (core/view.c) and the register reads
 * that take a view (rk_reg_may_contact_in, rk_reg_person_find_in), over a
 * real SQLite store with the example declaration: a person held only where a
 * role cannot look — another register, or a category it is not granted — is
 * answered exactly as an unknown one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "base/id.h"
#include "core/register.h"
#include "core/view.h"
#include "regfix.h"
#include "testutil.h"

#define T0     "2025-01-15T10:00:00Z"
#define NOBODY "aaaaaaaaaaaaaaaaaaaaaaaaaa"
#define MSG    (rkt_clear(&f->msg))

static int setup(void **state) {
    return rkt_reg_setup(state, "view", "examples/smartum/declaration.yaml");
}

static struct rk_view view_of(struct rkt_reg *f, const char *role) {
    struct rk_view v = {f->decl, role ? rk_decl_role(f->decl, role) : NULL};
    if (role && !v.role)
        fail_msg("no role %s in the example", role);
    return v;
}

/* A customer-only person with a live sales_promotion consent (the customer register declares
 * it too), and a contract. */
static void customer(struct rkt_reg *f, char id[RK_ID_LEN + 1], char contract[RK_ID_LEN + 1]) {
    struct rk_contact c;
    memset(&c, 0, sizeof c);
    c.v[RK_F_NAME] = "Cecilia Customer";
    c.v[RK_F_EMAIL] = "cust@example.fi";
    c.v[RK_F_PHONE] = "+358401112222";
    struct rk_write w = {"customer", "customer_relationship", RK_SRC_WEB_FORM, NULL, rkt_ts(T0)};
    RKT_OK(f, rk_reg_person_add(&f->reg, &w, NULL, &c, NULL, id, MSG));
    struct rk_consent_input in = {.channel = "web_form", .lang = RK_LANG_FI, .at = rkt_ts(T0)};
    RKT_OK(f, rk_reg_consent(&f->reg, id, "sales_promotion", RK_CE_GIVEN, &in, MSG));
    struct rk_write k = {"customer", "customer_relationship", RK_SRC_CONTRACT, NULL, rkt_ts(T0)};
    struct rk_date start = {2025, 1, 1}, open = {0, 0, 0};
    RKT_OK(f, rk_reg_contract_add(&f->reg, &k, id, "Saldo", start, open, contract, MSG));
}

static void person_and_contract(void **state) {
    struct rkt_reg *f = *state;
    char p[RK_ID_LEN + 1], k[RK_ID_LEN + 1];
    customer(f, p, k);
    struct rk_view mk = view_of(f, "marketing"), sa = view_of(f, "sales"), all = view_of(f, NULL);
    bool seen = true;
    RKT_OK(f, rk_view_person(&mk, f->store, p, &seen));
    assert_false(seen);
    RKT_OK(f, rk_view_person(&mk, f->store, NOBODY, &seen));
    assert_false(seen);
    RKT_OK(f, rk_view_person(&mk, f->store, "not an id", &seen));
    assert_false(seen);
    RKT_OK(f, rk_view_person(&sa, f->store, p, &seen));
    assert_true(seen);
    RKT_OK(f, rk_view_person(&all, f->store, p, &seen));
    assert_true(seen);

    struct rk_contract got;
    assert_int_equal(rk_view_contract(&mk, f->store, k, &got), RK_ENOENT);
    assert_int_equal(rk_view_contract(&sa, f->store, NOBODY, &got), RK_ENOENT);
    assert_int_equal(rk_view_contract(&sa, f->store, "short", &got), RK_ENOENT);
    RKT_OK(f, rk_view_contract(&sa, f->store, k, &got));
    assert_string_equal(got.person_id, p);

    /* sales: the customer register's contract categories but not billing. */
    assert_true(rk_view_kind(&sa, "customer", RK_CAT_CONTRACT));
    assert_false(rk_view_kind(&sa, "customer", RK_CAT_BILLING));
    assert_true(rk_view_kind(&all, "customer", RK_CAT_BILLING));
    assert_false(rk_view_kind(&all, "marketing", RK_CAT_BILLING)); /* declares none */
    assert_false(rk_view_register(&mk, "customer"));
    assert_true(rk_view_field(&sa, "customer", RK_F_EMAIL));
}

/* A role granted the customer register but only the name category: it sees the person, but
 * not through their email or phone, nor their contracts. */
static void category_rules(void **state) {
    struct rkt_reg *f = *state;
    char p[RK_ID_LEN + 1], k[RK_ID_LEN + 1];
    customer(f, p, k);
    struct rk_register *regs[1] = {NULL};
    struct rk_category *cats[1] = {NULL};
    for (size_t i = 0; i < f->decl->nregisters; i++)
        if (strcmp(f->decl->registers[i].id, "customer") == 0)
            regs[0] = &f->decl->registers[i];
    for (size_t i = 0; i < f->decl->ncategories; i++)
        if (strcmp(f->decl->categories[i].id, "name") == 0)
            cats[0] = &f->decl->categories[i];
    assert_non_null(regs[0]);
    assert_non_null(cats[0]);
    struct rk_role names = {
        .id = "names", .registers = regs, .nregisters = 1, .categories = cats, .ncategories = 1};
    struct rk_view v = {f->decl, &names};
    bool seen = false;
    RKT_OK(f, rk_view_person(&v, f->store, p, &seen));
    assert_true(seen);
    assert_false(rk_view_found(&v, "customer", RK_F_EMAIL));
    assert_true(rk_view_found(&v, "customer", RK_F_NAME));
    struct rk_contract got;
    assert_int_equal(rk_view_contract(&v, f->store, k, &got), RK_ENOENT);

    struct rk_contact_answer a, b;
    RKT_OK(f, rk_reg_may_contact_in(&f->reg, &v, RK_F_EMAIL, "cust@example.fi", "sales_promotion",
                                    rkt_ts(T0), &a, MSG));
    RKT_OK(f, rk_reg_may_contact_in(&f->reg, &v, RK_F_EMAIL, "nobody@example.fi", "sales_promotion",
                                    rkt_ts(T0), &b, MSG));
    assert_memory_equal(&a, &b, sizeof a);
}

static int count(void *ctx, const struct rk_entry *e) {
    (void)e;
    ++*(int *)ctx;
    return 0;
}

/* The consent check and the search as marketing: the customer-only person is an unknown
 * address (the same answer to the byte); as sales and as everything, the real one. */
static void check_and_find(void **state) {
    struct rkt_reg *f = *state;
    char p[RK_ID_LEN + 1], k[RK_ID_LEN + 1];
    customer(f, p, k);
    struct rk_view mk = view_of(f, "marketing"), sa = view_of(f, "sales");
    struct rk_contact_answer a, b;
    memset(&a, 0x55, sizeof a);
    memset(&b, 0xaa, sizeof b);
    RKT_OK(f, rk_reg_may_contact_in(&f->reg, &mk, RK_F_EMAIL, "cust@example.fi", "sales_promotion",
                                    rkt_ts(T0), &a, MSG));
    RKT_OK(f, rk_reg_may_contact_in(&f->reg, &mk, RK_F_EMAIL, "nobody@example.fi",
                                    "sales_promotion", rkt_ts(T0), &b, MSG));
    assert_memory_equal(&a, &b, sizeof a);
    assert_string_equal(a.person_id, "");
    RKT_OK(f, rk_reg_may_contact_in(&f->reg, &mk, RK_F_PHONE, "040 111 2222", "sales_promotion",
                                    rkt_ts(T0), &a, MSG));
    assert_string_equal(a.person_id, "");
    RKT_OK(f, rk_reg_may_contact_in(&f->reg, &sa, RK_F_EMAIL, "cust@example.fi", "sales_promotion",
                                    rkt_ts(T0), &a, MSG));
    assert_true(a.allowed);
    assert_string_equal(a.person_id, p);
    RKT_OK(f, rk_reg_may_contact(&f->reg, RK_F_EMAIL, "cust@example.fi", "sales_promotion",
                                 rkt_ts(T0), &a, MSG));
    assert_string_equal(a.person_id, p);

    const char *queries[] = {"cust@example.fi", "040 111 2222", "Cecilia"};
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        int n_mk = 0, n_sa = 0, n_all = 0;
        RKT_OK(f, rk_reg_person_find_in(&f->reg, &mk, queries[i], count, &n_mk, MSG));
        RKT_OK(f, rk_reg_person_find_in(&f->reg, &sa, queries[i], count, &n_sa, MSG));
        RKT_OK(f, rk_reg_person_find(&f->reg, queries[i], count, &n_all, MSG));
        assert_int_equal(n_mk, 0);
        assert_int_equal(n_sa, 1);
        assert_int_equal(n_all, 1);
    }
}

/* The example's three roles get exactly the console menu the declaration grants them. */
static void capabilities(void **state) {
    struct rkt_reg *f = *state;
    struct rk_view mk = view_of(f, "marketing"), sa = view_of(f, "sales"),
                   dpo = view_of(f, "dpo");
    unsigned base = RK_CAP_OVERVIEW | RK_CAP_DECLARATION | RK_CAP_PEOPLE | RK_CAP_ADD |
                    RK_CAP_IMPORT;
    assert_int_equal(rk_view_caps(&mk), base | RK_CAP_AUDIENCE);
    assert_int_equal(rk_view_caps(&sa), base | RK_CAP_AUDIENCE); /* sales_promotion is declared there too */
    assert_int_equal(rk_view_caps(&dpo), (1u << RK_CAP__COUNT) - 1);
    assert_false(rk_view_all(&sa)); /* no billing */
    assert_true(rk_view_all(&dpo));
    struct rk_view op = {mk.decl, NULL};
    assert_int_equal(rk_view_caps(&op), (1u << RK_CAP__COUNT) - 1);
    assert_string_equal(rk_cap_name(0), "overview");
    assert_string_equal(rk_cap_name(RK_CAP__COUNT - 1), "staff");
    assert_string_equal(rk_cap_name(RK_CAP__COUNT), "");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(person_and_contract, setup, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(category_rules, setup, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(check_and_find, setup, rkt_reg_teardown),
        cmocka_unit_test_setup_teardown(capabilities, setup, rkt_reg_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
